//! Who may do what, route by route: every route of the router, asked by
//! every kind of person, against the answer each of them should get; and
//! private words (a private request, a legal question, a phone number)
//! never reaching anyone who may not read them, on any page.
//!
//! Writes are sent with harmless bodies (empty or deliberately incomplete
//! forms): the point is the access decision, so an allowed write may well be
//! answered 409 or 422; it got past the check. Things a successful write
//! would change (an account, a screen, an API key, a category question) are
//! spares made for this test, so no answer depends on the order of the rows,
//! except `/signout`, which comes last.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use crate::on_both_engines;
use crate::support::{Person, TestApp, photo_with_gps};

on_both_engines!(
    every_route_answers_every_role_as_it_should,
    private_words_never_reach_the_wrong_eyes,
);

// --- the words to look for ------------------------------------------------

/// Huang's private lift request (the property team handles it).
const PRIVATE_WORDS: &str = "药瓶掉进电梯井XK7请悄悄帮我捡回来";
/// Part of it, to search with: a page that echoes the search box then
/// holds these words but never the whole sentence.
const PRIVATE_SEARCH: &str = "电梯井XK7";
/// Huang's legal question: only she and the legal team may read it.
const LEGAL_WORDS: &str = "遗嘱纠纷QZ9只想先问问律师";
const LEGAL_SEARCH: &str = "遗嘱纠纷QZ9";
/// Huang's public lift request: anyone may read it.
const PUBLIC_WORDS: &str = "一号楼电梯按钮失灵PB3";
/// Sun's legal question, from the demo estate.
const DEMO_LEGAL_WORDS: &str = "房东不退押金";
/// Huang's phone, given with all three of her requests.
const PHONE: &str = "13912345678";
/// A member of our staff (Liu, property team), never shown to another
/// community.
const OUR_MEMBER: &str = "刘师傅";
/// The name of our Open311 client's API key.
const KEY_NAME: &str = "金苑市民应用KN5";
/// Open311 calls name the community once the server runs two.
const JINYUAN: &str = "jurisdiction_id=jinyuan";

// --- who asks --------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Anonymous,
    /// Huang, a resident: the reporter of the three requests.
    Huang,
    /// Sun, another resident.
    Sun,
    /// Zhao, a volunteer of the security team.
    Zhao,
    /// Chen, lead of the security team: a member of another workgroup than
    /// the lift's (property) and the legal question's (legal).
    Chen,
    /// Zhang, lead of the property team, which handles the lift requests.
    Zhang,
    Reception,
    /// The secretary: the administrator.
    Secretary,
    /// The administrator of another community on the same server.
    Outsider,
    /// Tang, of the street office that looks after our estate (not the
    /// outsider's, which sits under another street); at home, a resident of
    /// ours.
    Office,
    /// An Open311 client: an API key, no account, no cookies.
    Key,
    /// Sun's bearer token from `POST /api/v1/tokens`.
    Token,
}

impl Who {
    const ALL: [Who; 12] = [
        Who::Anonymous,
        Who::Huang,
        Who::Sun,
        Who::Zhao,
        Who::Chen,
        Who::Zhang,
        Who::Reception,
        Who::Secretary,
        Who::Outsider,
        Who::Office,
        Who::Key,
        Who::Token,
    ];

    /// The column of the table with this caller's answer. A bearer token is
    /// its account: Sun's token gets Sun's answers.
    fn column(self) -> usize {
        match self {
            Who::Anonymous => 0,
            Who::Huang => 1,
            Who::Sun | Who::Token => 2,
            Who::Zhao => 3,
            Who::Chen => 4,
            Who::Zhang => 5,
            Who::Reception => 6,
            Who::Secretary => 7,
            Who::Outsider => 8,
            Who::Key => 9,
            // A resident with no requests of their own here: Sun's answers,
            // unless the route says otherwise (`Route::office`).
            Who::Office => 2,
        }
    }

    fn username(self) -> Option<&'static str> {
        match self {
            Who::Huang => Some("huang"),
            Who::Sun => Some("sun"),
            Who::Zhao => Some("zhao"),
            Who::Chen => Some("chen"),
            Who::Zhang => Some("zhang"),
            Who::Reception => Some("reception"),
            Who::Secretary => Some("secretary"),
            Who::Outsider => Some("outsider"),
            Who::Office => Some("tang"),
            Who::Anonymous | Who::Key | Who::Token => None,
        }
    }
}

/// A private text, and everyone among the callers who must never see it.
struct Marker {
    text: &'static str,
    what: &'static str,
    kept_from: &'static [Who],
}

const MARKERS: &[Marker] = &[
    Marker {
        text: CASE_WORDS,
        what: "Huang's legal aid case",
        kept_from: &[
            Who::Anonymous,
            Who::Sun,
            Who::Zhao,
            Who::Chen,
            Who::Zhang,
            Who::Reception,
            Who::Secretary,
            Who::Outsider,
            Who::Office,
            Who::Key,
            Who::Token,
        ],
    },
    Marker {
        text: PRIVATE_WORDS,
        what: "the private request's words",
        kept_from: &[
            Who::Anonymous,
            Who::Sun,
            Who::Zhao,
            Who::Chen,
            Who::Outsider,
            Who::Office,
            Who::Key,
            Who::Token,
        ],
    },
    Marker {
        text: LEGAL_WORDS,
        what: "Huang's legal question",
        kept_from: &[
            Who::Anonymous,
            Who::Sun,
            Who::Zhao,
            Who::Chen,
            Who::Zhang,
            Who::Reception,
            Who::Secretary,
            Who::Outsider,
            Who::Office,
            Who::Key,
            Who::Token,
        ],
    },
    Marker {
        text: DEMO_LEGAL_WORDS,
        what: "Sun's legal question",
        kept_from: &[
            Who::Anonymous,
            Who::Huang,
            Who::Zhao,
            Who::Chen,
            Who::Zhang,
            Who::Reception,
            Who::Secretary,
            Who::Outsider,
            Who::Office,
            Who::Key,
        ],
    },
    Marker {
        text: PHONE,
        what: "the reporter's phone",
        kept_from: &[
            Who::Anonymous,
            Who::Sun,
            Who::Zhao,
            Who::Chen,
            Who::Outsider,
            Who::Office,
            Who::Key,
            Who::Token,
        ],
    },
    Marker {
        text: CARE_WORDS,
        what: "Huang's care plan",
        kept_from: &[
            Who::Anonymous,
            Who::Sun,
            Who::Chen,
            Who::Zhang,
            Who::Reception,
            Who::Outsider,
            Who::Office,
            Who::Key,
            Who::Token,
        ],
    },
    Marker {
        text: OUR_MEMBER,
        what: "a member of our staff",
        kept_from: &[Who::Outsider],
    },
    // An Open311 key is its community's: another community's
    // administrator does not see it on /admin/api-keys.
    Marker {
        text: KEY_NAME,
        what: "our Open311 key's name",
        kept_from: &[
            Who::Anonymous,
            Who::Huang,
            Who::Sun,
            Who::Zhao,
            Who::Chen,
            Who::Zhang,
            Who::Reception,
            Who::Outsider,
            Who::Office,
            Who::Key,
            Who::Token,
        ],
    },
];

// --- the answers -------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// Got past the check: a page is 2xx or 3xx (not to the sign-in page);
    /// a write is anything but 401/403/404/405/415/5xx, so a 409 or 422 for
    /// the harmless body counts.
    Allowed,
    /// Sign in first: 401 under /api/, a 303 to /signin for pages.
    SignIn,
    /// 403.
    Forbidden,
    /// 404: as if it did not exist.
    NotFound,
}

const OK: Outcome = Outcome::Allowed;
const SI: Outcome = Outcome::SignIn;
const FB: Outcome = Outcome::Forbidden;
const NF: Outcome = Outcome::NotFound;

/// One answer per column: anonymous, huang, sun, zhao, chen, zhang,
/// reception, secretary, outsider, key.
type Expect = [Outcome; 10];

// [anon, huang, sun, zhao, chen, zhang, reception, secretary, outsider, key]
const EVERYONE: Expect = [OK, OK, OK, OK, OK, OK, OK, OK, OK, OK];
const NOBODY: Expect = [NF, NF, NF, NF, NF, NF, NF, NF, NF, NF];
const SIGNED_IN: Expect = [SI, OK, OK, OK, OK, OK, OK, OK, OK, SI];
/// Queues and search: anyone who works for a community (their own).
const STAFF: Expect = [SI, FB, FB, OK, OK, OK, OK, OK, OK, SI];
/// The reception desk, and notices: reception and the administrator.
const DESK: Expect = [SI, FB, FB, FB, FB, FB, OK, OK, OK, SI];
/// Running the estate: the administrator (the outsider runs their own).
const ADMIN: Expect = [SI, FB, FB, FB, FB, FB, FB, OK, OK, SI];
/// Running the estate, on one of our things: not the outsider's.
const ADMIN_OURS: Expect = [SI, FB, FB, FB, FB, FB, FB, OK, NF, SI];
/// The district's pages: the street office alone (`Route::office`).
const OFFICE_ONLY: Expect = [SI, NF, NF, NF, NF, NF, NF, NF, NF, SI];
/// Dashboards and problems: the administrator and workgroup leads.
const TRACKERS: Expect = [SI, FB, FB, FB, OK, OK, FB, OK, OK, SI];
/// Open311 writes: an API key, whoever else asks.
const OPEN311_KEY: Expect = [FB, FB, FB, FB, FB, FB, FB, FB, FB, OK];

// Reading a request (its page, its JSON, its photos).
const READ_PUBLIC: Expect = EVERYONE;
const READ_PRIVATE: Expect = [NF, OK, NF, NF, NF, OK, OK, OK, NF, NF];
/// Huang's legal aid case: only she (and the legal team's lead and its
/// volunteers, who are not among these callers) may open it.
const CASE_WORDS: &str = "邻居漏水拒赔LX8请律师帮忙";
const CASE_SEARCH: &str = "漏水拒赔LX8";
const CASE: Expect = [SI, OK, NF, NF, NF, NF, NF, NF, NF, SI];
/// The legal team's own pages: none of these callers is on it.
const LEGAL_TEAM: Expect = [SI, FB, FB, FB, FB, FB, FB, FB, FB, SI];
/// A legal question: the reporter and the legal team; not even reception or
/// the administrator.
const READ_LEGAL: Expect = [NF, OK, NF, NF, NF, NF, NF, NF, NF, NF];

/// A volunteer team's lead: Chen (the Red Armband team).
const TEAM_LEAD: Expect = [SI, FB, FB, FB, OK, FB, FB, FB, FB, SI];
/// A shift of the Red Armband team: its members, reception and the
/// administrator.
const SHIFT: Expect = [SI, FB, FB, OK, OK, FB, OK, OK, NF, SI];
/// Huang's care plan: she, Zhao (her backup carer), the care team (not
/// among these callers) and the secretary; nobody else, not reception.
const CARE_WORDS: &str = "独居，有高血压";
const CARE_PLAN: Expect = [SI, OK, NF, OK, NF, NF, NF, OK, NF, SI];
/// The API records contact: a resident's own plan is not hers to record.
const CARE_PLAN_API: Expect = [SI, FB, NF, OK, NF, NF, NF, OK, NF, SI];

// Handling it: its workgroup and the administrator; those who may read it
// but not handle it are refused, the others are told it does not exist.
const ACT_PUBLIC: Expect = [SI, FB, FB, FB, FB, OK, FB, OK, FB, SI];
const ACT_PRIVATE: Expect = [SI, FB, NF, NF, NF, OK, FB, OK, NF, SI];
const ACT_LEGAL: Expect = [SI, FB, NF, NF, NF, NF, NF, NF, NF, SI];

// The reporter's own steps (confirm and rate, answer a question).
const REPORTER_PUBLIC: Expect = [FB, OK, FB, FB, FB, FB, FB, FB, FB, FB];
const REPORTER_PRIVATE: Expect = [NF, OK, NF, NF, NF, FB, FB, FB, NF, NF];
const REPORTER_LEGAL: Expect = [NF, OK, NF, NF, NF, NF, NF, NF, NF, NF];

// "Me too": neighbours of the same community, on a listed request only.
const FOLLOW_PUBLIC: Expect = [SI, OK, OK, OK, OK, OK, OK, OK, NF, SI];
const FOLLOW_PRIVATE: Expect = [SI, NF, NF, NF, NF, NF, NF, NF, NF, SI];

// The desk on a request: reception and the administrator of its community,
// never on a legal question.
/// Something of our community's that anyone may read.
const OURS: Expect = [OK, OK, OK, OK, OK, OK, OK, OK, NF, OK];
/// Something of ours that anyone signed in may act on.
const OURS_SIGNED_IN: Expect = [SI, OK, OK, OK, OK, OK, OK, OK, NF, SI];
/// The secretary, reception and workgroup leads post notices.
const POSTERS: Expect = [SI, FB, FB, FB, OK, OK, OK, OK, OK, SI];
const DESK_ON_OURS: Expect = [SI, FB, FB, FB, FB, FB, OK, OK, NF, SI];
const NOT_THE_DESKS: Expect = [SI, FB, FB, FB, FB, FB, NF, NF, NF, SI];
const DESK_ON_LEGAL: Expect = [SI, FB, FB, FB, FB, FB, NF, NF, NF, SI];

// --- the routes --------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verb {
    Get,
    /// A GET answered with Server-Sent Events, never ending.
    Stream,
    Post,
    Put,
    Delete,
}

impl Verb {
    fn name(self) -> &'static str {
        match self {
            Verb::Get | Verb::Stream => "GET",
            Verb::Post => "POST",
            Verb::Put => "PUT",
            Verb::Delete => "DELETE",
        }
    }

    fn writes(self) -> bool {
        !matches!(self, Verb::Get | Verb::Stream)
    }
}

enum Body {
    None,
    Form(Vec<(String, String)>),
    Multipart(Vec<(String, String)>),
    Json(Value),
}

struct Route {
    verb: Verb,
    path: String,
    body: Body,
    expect: Expect,
    /// The street office's answer, where it is not Sun's.
    office: Option<Outcome>,
}

impl Route {
    fn office(mut self, outcome: Outcome) -> Route {
        self.office = Some(outcome);
        self
    }

    fn expected(&self, who: Who) -> Outcome {
        match (who, self.office) {
            (Who::Office, Some(outcome)) => outcome,
            _ => self.expect[who.column()],
        }
    }
}

fn pairs(fields: &[(&str, &str)]) -> Vec<(String, String)> {
    fields
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn get(path: impl Into<String>, expect: Expect) -> Route {
    Route {
        verb: Verb::Get,
        path: path.into(),
        body: Body::None,
        expect,
        office: None,
    }
}

fn stream(path: impl Into<String>, expect: Expect) -> Route {
    Route {
        verb: Verb::Stream,
        path: path.into(),
        body: Body::None,
        expect,
        office: None,
    }
}

fn post(path: impl Into<String>, fields: &[(&str, &str)], expect: Expect) -> Route {
    Route {
        verb: Verb::Post,
        path: path.into(),
        body: Body::Form(pairs(fields)),
        expect,
        office: None,
    }
}

fn post_multipart(path: impl Into<String>, fields: &[(&str, &str)], expect: Expect) -> Route {
    Route {
        verb: Verb::Post,
        path: path.into(),
        body: Body::Multipart(pairs(fields)),
        expect,
        office: None,
    }
}

fn post_json(path: impl Into<String>, body: Value, expect: Expect) -> Route {
    Route {
        verb: Verb::Post,
        path: path.into(),
        body: Body::Json(body),
        expect,
        office: None,
    }
}

fn put_json(path: impl Into<String>, body: Value, expect: Expect) -> Route {
    Route {
        verb: Verb::Put,
        path: path.into(),
        body: Body::Json(body),
        expect,
        office: None,
    }
}

fn delete(path: impl Into<String>, expect: Expect) -> Route {
    Route {
        verb: Verb::Delete,
        path: path.into(),
        body: Body::None,
        expect,
        office: None,
    }
}

/// Every route the router registers (src/web/mod.rs and each capability's
/// `routes()`): the table must ask each of them at least once.
const ROUTER: &[(&str, &str)] = &[
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/metrics"),
    ("GET", "/static/app.css"),
    ("GET", "/static/app.js"),
    ("GET", "/static/screen.js"),
    ("GET", "/static/kiosk.js"),
    ("GET", "/static/voice.js"),
    ("GET", "/static/emoji.js"),
    // home
    ("GET", "/"),
    // auth
    ("GET", "/signin"),
    ("POST", "/signin"),
    ("POST", "/signout"),
    ("GET", "/register"),
    ("POST", "/register"),
    ("GET", "/signin/link/{token}"),
    ("POST", "/signin/link/{token}"),
    ("GET", "/account/password"),
    ("POST", "/account/password"),
    ("GET", "/lang/{code}"),
    ("GET", "/text/{size}"),
    // requests
    ("GET", "/report"),
    ("POST", "/report"),
    ("GET", "/report/{category}"),
    ("GET", "/track"),
    ("GET", "/r/{code}"),
    ("POST", "/r/{code}/act"),
    ("POST", "/r/{code}/confirm"),
    ("POST", "/r/{code}/appointment"),
    ("POST", "/r/{code}/reply"),
    ("POST", "/r/{code}/follow"),
    ("GET", "/photos/{id}"),
    ("GET", "/recordings/{id}"),
    ("POST", "/api/v1/recordings"),
    ("POST", "/r/{code}/summary"),
    // texts
    ("GET", "/admin/texts"),
    ("POST", "/admin/texts"),
    ("POST", "/admin/texts/test"),
    ("POST", "/desk/texts/{id}/told"),
    ("POST", "/desk/person/{username}/texts"),
    ("GET", "/t/{token}"),
    ("POST", "/api/v1/sms/receipts"),
    ("GET", "/requests"),
    ("GET", "/queue"),
    ("GET", "/queue.csv"),
    ("GET", "/work-orders"),
    ("POST", "/queue/bulk"),
    ("POST", "/api/v1/requests/bulk"),
    ("GET", "/my"),
    // community administration
    ("GET", "/admin"),
    ("POST", "/admin"),
    ("GET", "/admin/places"),
    ("POST", "/admin/places"),
    ("GET", "/admin/workgroups"),
    ("POST", "/admin/workgroups"),
    ("POST", "/admin/workgroups/{id}/members"),
    ("POST", "/admin/workgroups/{id}/members/{account}/remove"),
    ("GET", "/admin/categories"),
    ("POST", "/admin/categories"),
    ("GET", "/admin/categories/{id}"),
    ("POST", "/admin/categories/{id}"),
    ("POST", "/admin/categories/{id}/templates"),
    ("POST", "/admin/categories/{id}/attributes"),
    (
        "POST",
        "/admin/categories/{id}/attributes/{attribute}/remove",
    ),
    ("GET", "/admin/accounts"),
    ("POST", "/admin/accounts"),
    ("POST", "/admin/accounts/{id}"),
    ("GET", "/admin/api-keys"),
    ("POST", "/admin/api-keys"),
    ("POST", "/admin/api-keys/{id}/revoke"),
    // desk
    ("GET", "/desk"),
    ("POST", "/desk"),
    ("GET", "/desk/done/{code}"),
    ("POST", "/desk/invitations"),
    ("POST", "/desk/reset"),
    ("POST", "/desk/callback/{code}"),
    ("POST", "/desk/told/{code}"),
    // JSON API
    ("GET", "/api/v1/openapi.json"),
    ("POST", "/api/v1/tokens"),
    ("POST", "/api/v1/register"),
    ("GET", "/api/v1/me"),
    ("GET", "/api/v1/me/notifications"),
    ("GET", "/api/v1/me/news"),
    ("PUT", "/api/v1/me/news"),
    ("GET", "/api/v1/categories"),
    ("POST", "/api/v1/categories"),
    ("PUT", "/api/v1/categories/{code}"),
    ("POST", "/api/v1/categories/{code}/templates"),
    ("GET", "/api/v1/places"),
    ("POST", "/api/v1/places"),
    ("GET", "/api/v1/workgroups"),
    ("POST", "/api/v1/workgroups"),
    ("POST", "/api/v1/workgroups/{code}/members"),
    ("DELETE", "/api/v1/workgroups/{code}/members/{username}"),
    ("GET", "/api/v1/accounts"),
    ("POST", "/api/v1/accounts"),
    ("PUT", "/api/v1/accounts/{username}"),
    ("PUT", "/api/v1/community"),
    ("GET", "/api/v1/requests"),
    ("POST", "/api/v1/requests"),
    ("GET", "/api/v1/requests/{code}"),
    ("POST", "/api/v1/requests/{code}/actions"),
    ("POST", "/api/v1/requests/{code}/photos"),
    ("POST", "/api/v1/requests/{code}/confirm"),
    ("POST", "/api/v1/requests/{code}/appointment"),
    ("POST", "/api/v1/requests/{code}/reply"),
    ("POST", "/api/v1/requests/{code}/follow"),
    ("POST", "/api/v1/desk/requests"),
    ("POST", "/api/v1/desk/invitations"),
    ("POST", "/api/v1/desk/password-resets"),
    // Open311
    ("GET", "/open311/{file}"),
    ("GET", "/open311/v2/{file}"),
    ("POST", "/open311/v2/{file}"),
    ("GET", "/open311/v2/services/{file}"),
    ("GET", "/open311/v2/requests/{file}"),
    ("GET", "/open311/v2/tokens/{file}"),
    // screens and kiosks
    ("GET", "/screen/{token}"),
    ("GET", "/screen/{token}/events"),
    ("GET", "/kiosk/{token}"),
    ("POST", "/kiosk/{token}"),
    ("GET", "/kiosk/{token}/{category}"),
    ("GET", "/kiosk/{token}/activities"),
    ("POST", "/kiosk/{token}/activities"),
    ("GET", "/posters/{file}"),
    ("GET", "/admin/screens"),
    ("POST", "/admin/screens"),
    ("POST", "/admin/screens/{id}/off"),
    // notices
    ("GET", "/admin/notices"),
    ("POST", "/admin/notices"),
    ("GET", "/admin/audit"),
    ("GET", "/api/v1/audit"),
    ("GET", "/admin/outside-bodies"),
    ("POST", "/admin/outside-bodies"),
    ("POST", "/admin/outside-bodies/{id}/active"),
    ("GET", "/api/v1/outside-bodies"),
    ("POST", "/api/v1/outside-bodies"),
    // rooms
    ("GET", "/rooms"),
    ("GET", "/rooms/{code}"),
    ("POST", "/rooms/{code}/bookings"),
    ("POST", "/rooms/bookings/{id}/check-in"),
    ("POST", "/rooms/bookings/{id}/cancel"),
    ("POST", "/rooms/bookings/{id}/approve"),
    ("POST", "/rooms/bookings/{id}/refuse"),
    ("GET", "/admin/rooms"),
    ("POST", "/admin/rooms"),
    ("GET", "/api/v1/rooms"),
    ("POST", "/api/v1/rooms/{code}/bookings"),
    // activities
    ("GET", "/activities"),
    ("GET", "/activities/mine"),
    ("GET", "/activities/calls"),
    ("POST", "/activities/calls/{id}/told"),
    ("POST", "/activities/mine/feed"),
    ("GET", "/activities/new"),
    ("POST", "/activities/new"),
    ("GET", "/activities/{id}"),
    ("POST", "/activities/{id}/series"),
    ("POST", "/activities/{id}/series/leave"),
    ("GET", "/activities/{id}/attendance"),
    ("GET", "/activities/occurrences/{id}"),
    ("POST", "/activities/occurrences/{id}/signup"),
    ("POST", "/activities/occurrences/{id}/leave"),
    ("POST", "/activities/occurrences/{id}/walk-in"),
    ("POST", "/activities/occurrences/{id}/attended"),
    ("POST", "/activities/occurrences/{id}/cancel"),
    ("POST", "/activities/occurrences/{id}/move"),
    ("GET", "/activities/check-in/{code}"),
    ("POST", "/activities/check-in/{code}"),
    ("GET", "/calendar/{file}"),
    ("GET", "/api/v1/activities"),
    ("POST", "/api/v1/activities/{id}/signups"),
    ("GET", "/account/tokens"),
    ("POST", "/account/tokens/{id}/revoke"),
    ("POST", "/account/signout-everywhere"),
    ("GET", "/api/v1/me/tokens"),
    ("DELETE", "/api/v1/me/tokens/{id}"),
    ("POST", "/admin/notices/{id}/withdraw"),
    // calendar
    ("GET", "/admin/calendar"),
    ("POST", "/admin/calendar"),
    // news by email
    ("GET", "/account/news"),
    ("POST", "/account/news"),
    ("GET", "/account/data"),
    ("GET", "/account/data.json"),
    ("POST", "/account/data/anonymise"),
    ("POST", "/account/data/close"),
    ("GET", "/api/v1/me/data"),
    ("GET", "/desk/person"),
    ("POST", "/desk/person/{username}/data.json"),
    ("POST", "/desk/person/{username}/anonymise"),
    ("POST", "/desk/person/{username}/close"),
    // rates
    ("GET", "/rates"),
    ("GET", "/rates.json"),
    ("GET", "/rates/communities.json"),
    // dashboards
    ("GET", "/dashboard"),
    ("GET", "/dashboard/monthly"),
    // problems
    ("GET", "/problems"),
    ("POST", "/problems"),
    ("GET", "/problems/{id}"),
    ("POST", "/problems/{id}"),
    ("POST", "/problems/{id}/fixed"),
    // residents' voice: ideas and moderation
    ("GET", "/ideas"),
    ("POST", "/ideas"),
    ("GET", "/ideas/new"),
    ("GET", "/ideas/we-did"),
    ("GET", "/ideas/{id}"),
    ("POST", "/ideas/{id}/support"),
    ("POST", "/ideas/{id}/withdraw"),
    ("POST", "/ideas/{id}/comments"),
    ("POST", "/ideas/{id}/flag"),
    ("POST", "/ideas/{id}/answers"),
    ("GET", "/ideas/{id}/edit"),
    ("POST", "/ideas/{id}/edit"),
    ("POST", "/ideas/comments/{id}/flag"),
    ("POST", "/ideas/comments/{id}/edit"),
    ("GET", "/ideas/photos/{id}"),
    ("GET", "/moderation"),
    ("POST", "/moderation/{kind}/{id}"),
    ("GET", "/admin/ideas"),
    ("POST", "/admin/ideas"),
    ("GET", "/api/v1/ideas"),
    ("POST", "/api/v1/ideas"),
    ("GET", "/api/v1/ideas/{id}"),
    ("POST", "/api/v1/ideas/{id}/support"),
    ("DELETE", "/api/v1/ideas/{id}/support"),
    // polls
    ("GET", "/polls"),
    ("GET", "/polls/new"),
    ("POST", "/polls/new"),
    ("GET", "/polls/{id}"),
    ("POST", "/polls/{id}/vote"),
    ("POST", "/polls/{id}/paper"),
    ("GET", "/api/v1/polls"),
    ("POST", "/api/v1/polls/{id}/votes"),
    // notices
    ("GET", "/notices"),
    ("POST", "/notices/in-person"),
    ("POST", "/notices/{id}/read"),
    ("GET", "/notices/{id}/attachment"),
    ("GET", "/notices/{id}/unread"),
    ("POST", "/notices/{id}/told"),
    ("GET", "/api/v1/notices"),
    // recognition
    ("GET", "/recognitions"),
    ("POST", "/recognitions"),
    ("GET", "/recognitions/new"),
    ("POST", "/recognitions/{id}/decide"),
    ("POST", "/recognitions/{id}/profile"),
    ("GET", "/recognitions/photos/{id}"),
    ("GET", "/people/{id}"),
    ("GET", "/api/v1/recognitions"),
    // the legal book corner
    ("GET", "/library"),
    ("GET", "/library/books/{id}"),
    ("GET", "/library/books/{id}/cover"),
    ("POST", "/library/books/{id}/hold"),
    ("GET", "/library/mine"),
    ("POST", "/library/loans/{id}/renew"),
    ("POST", "/library/holds/{id}/cancel"),
    ("GET", "/library/desk"),
    ("POST", "/library/desk"),
    ("GET", "/library/overdue"),
    ("GET", "/library/new"),
    ("POST", "/library/new"),
    ("GET", "/library/books/{id}/edit"),
    ("POST", "/library/books/{id}/edit"),
    ("GET", "/library/import"),
    ("POST", "/library/import"),
    ("GET", "/library/export.csv"),
    ("GET", "/api/v1/books"),
    ("GET", "/api/v1/books/{id}"),
    ("GET", "/api/v1/loans"),
    ("POST", "/api/v1/loans"),
    ("POST", "/api/v1/loans/return"),
    // legal aid and legal education
    ("GET", "/legal"),
    ("GET", "/legal/new"),
    ("POST", "/legal/new"),
    ("GET", "/legal/cases/{id}"),
    ("POST", "/legal/cases/{id}"),
    ("POST", "/legal/cases/{id}/documents"),
    ("GET", "/legal/documents/{id}"),
    ("POST", "/legal/requests/{id}/move"),
    ("GET", "/legal/slots"),
    ("POST", "/legal/slots"),
    ("POST", "/legal/slots/{id}/delete"),
    ("GET", "/legal/desk"),
    ("GET", "/legal/desk/{person}/cases"),
    ("POST", "/legal/desk/{person}/cases"),
    ("POST", "/legal/desk/{person}/book"),
    ("GET", "/legal/log"),
    ("POST", "/legal/log"),
    ("GET", "/legal/classes"),
    ("GET", "/legal/classes/{id}"),
    ("POST", "/legal/classes/{id}"),
    ("GET", "/legal/report"),
    ("GET", "/api/v1/legal/cases"),
    ("GET", "/api/v1/legal/cases/{id}"),
    // volunteers on duty
    ("GET", "/volunteers"),
    ("POST", "/volunteers/profile"),
    ("GET", "/volunteers/shifts/new"),
    ("POST", "/volunteers/shifts/new"),
    ("GET", "/volunteers/shifts/{id}"),
    ("POST", "/volunteers/shifts/{id}"),
    ("POST", "/volunteers/swaps/{id}"),
    ("GET", "/volunteers/teams"),
    ("POST", "/volunteers/teams"),
    ("GET", "/volunteers/hours"),
    ("POST", "/volunteers/hours"),
    ("GET", "/volunteers/hours/certificate"),
    ("GET", "/volunteers/report"),
    ("POST", "/volunteers/claims/{id}"),
    ("GET", "/volunteers/tasks/{id}"),
    ("POST", "/volunteers/tasks/{id}"),
    ("GET", "/duty"),
    ("POST", "/duty"),
    ("GET", "/api/v1/volunteers/shifts"),
    ("GET", "/api/v1/volunteers/tasks"),
    // care for residents who live alone
    ("GET", "/care"),
    ("GET", "/care/new"),
    ("POST", "/care/new"),
    ("GET", "/care/plans/{id}"),
    ("POST", "/care/plans/{id}"),
    ("POST", "/care/fine"),
    ("POST", "/care/withdraw"),
    ("GET", "/care/log"),
    ("GET", "/kiosk/{token}/fine"),
    ("POST", "/kiosk/{token}/fine"),
    ("GET", "/api/v1/care/plans"),
    ("POST", "/api/v1/care/checkins"),
    // the district
    ("GET", "/district"),
    ("GET", "/district/rates.json"),
    ("GET", "/district/communities/{code}"),
    ("POST", "/district/communities/{code}/street"),
    ("GET", "/my/communities"),
    ("POST", "/my/communities"),
    ("GET", "/admin/communities/new"),
    ("POST", "/admin/communities"),
];

/// Whether a concrete path (query left out) fits a route's pattern.
fn matches_pattern(pattern: &str, path: &str) -> bool {
    let path = path.split('?').next().unwrap_or_default();
    let want: Vec<&str> = pattern.split('/').collect();
    let have: Vec<&str> = path.split('/').collect();
    want.len() == have.len()
        && want
            .iter()
            .zip(&have)
            .all(|(w, h)| w == h || (w.starts_with('{') && !h.is_empty()))
}

/// The table: one row per route and target, one answer per caller.
fn table(fx: &Fixture) -> Vec<Route> {
    let public = &fx.public;
    let private = &fx.private;
    let legal = &fx.legal;
    let no_body = json!({});
    vec![
        // --- the server itself ------------------------------------------
        get("/healthz", EVERYONE),
        get("/readyz", EVERYONE),
        // Counts only, for the local network (all callers here are local).
        get("/metrics", EVERYONE),
        get("/static/app.css", EVERYONE),
        get("/static/app.js", EVERYONE),
        get("/static/screen.js", EVERYONE),
        get("/static/kiosk.js", EVERYONE),
        get("/static/voice.js", EVERYONE),
        get("/static/emoji.js", EVERYONE),
        get("/no-such-page", NOBODY),
        // --- public pages -------------------------------------------------
        get("/", EVERYONE),
        get("/signin", EVERYONE),
        get("/register", EVERYONE),
        get(fx.link.clone(), EVERYONE),
        get("/lang/zh?back=/", EVERYONE),
        get("/text/normal?back=/", EVERYONE),
        get("/report", EVERYONE),
        // The outsider's own community has no such category.
        // [anon, huang, sun, zhao, chen, zhang, reception, secretary, outsider, key]
        get("/report/lift", [OK, OK, OK, OK, OK, OK, OK, OK, NF, OK]),
        get("/report/legal", [OK, OK, OK, OK, OK, OK, OK, OK, NF, OK]),
        get(format!("/track?code={public}"), EVERYONE),
        get("/requests", EVERYONE),
        get("/requests?all=1", EVERYONE),
        get("/rates", EVERYONE),
        get("/rates.json", EVERYONE),
        get("/rates/communities.json", EVERYONE),
        get("/posters/B1.svg", EVERYONE),
        // --- one request at a time ----------------------------------------
        get(format!("/r/{public}"), READ_PUBLIC),
        get(format!("/r/{private}"), READ_PRIVATE),
        get(format!("/r/{legal}"), READ_LEGAL),
        get("/r/ZZZZ2222", NOBODY),
        get(format!("/photos/{}", fx.private_photo), READ_PRIVATE),
        get(format!("/photos/{}", fx.legal_photo), READ_LEGAL),
        // A voice is heard by the team, reception and the reporter, even
        // on a public request.
        get(format!("/recordings/{}", fx.voices[0]), READ_PRIVATE),
        get(format!("/recordings/{}", fx.voices[1]), READ_PRIVATE),
        get(format!("/recordings/{}", fx.voices[2]), READ_LEGAL),
        // Anyone may record (the kiosk has no account); the empty body is refused.
        post_json("/api/v1/recordings", json!({}), EVERYONE),
        // [anon, huang, sun, zhao, chen, zhang, reception, secretary, outsider, key]
        post(
            format!("/r/{public}/summary"),
            &[],
            [SI, FB, FB, FB, FB, OK, OK, OK, FB, SI],
        ),
        post(
            format!("/r/{private}/summary"),
            &[],
            [SI, FB, NF, NF, NF, OK, OK, OK, NF, SI],
        ),
        post(
            format!("/r/{legal}/summary"),
            &[],
            [SI, FB, NF, NF, NF, NF, NF, NF, NF, SI],
        ),
        get(format!("/api/v1/requests/{public}"), READ_PUBLIC),
        get(format!("/api/v1/requests/{private}"), READ_PRIVATE),
        get(format!("/api/v1/requests/{legal}"), READ_LEGAL),
        // The desk's ticket is for what the desk entered: it does not look
        // up what residents sent themselves (desk.rs covers the tickets).
        // [anon, huang, sun, zhao, chen, zhang, reception, secretary, outsider, key]
        get(format!("/desk/done/{public}"), NOT_THE_DESKS),
        get(format!("/desk/done/{private}"), NOT_THE_DESKS),
        get(format!("/desk/done/{legal}"), NOT_THE_DESKS),
        // --- the signed-in person's own pages -----------------------------
        get("/my", SIGNED_IN),
        get("/account/password", SIGNED_IN),
        get("/account/news", SIGNED_IN),
        get("/account/data", SIGNED_IN),
        get("/account/data.json", SIGNED_IN),
        get("/api/v1/me/data", SIGNED_IN),
        get("/account/tokens", SIGNED_IN),
        get("/api/v1/me/tokens", SIGNED_IN),
        // Reception looks up a resident of its own community, in person.
        get("/desk/person?username=sun", DESK_ON_OURS),
        // --- work ---------------------------------------------------------
        get("/queue", STAFF),
        get("/queue.csv", STAFF),
        get(format!("/work-orders?code={public}"), STAFF),
        post("/queue/bulk", &[], STAFF),
        post_json("/api/v1/requests/bulk", json!({}), STAFF),
        get("/desk", DESK),
        get("/dashboard", TRACKERS),
        get("/dashboard/monthly", TRACKERS),
        get("/problems", TRACKERS),
        // Chen leads another team: this problem holds none of its requests.
        // [anon, huang, sun, zhao, chen, zhang, reception, secretary, outsider, key]
        get(
            format!("/problems/{}", fx.problem),
            [SI, FB, FB, FB, NF, OK, FB, OK, NF, SI],
        ),
        // --- running the estate -------------------------------------------
        get("/admin", ADMIN),
        get("/admin/places", ADMIN),
        get("/admin/workgroups", ADMIN),
        get("/admin/categories", ADMIN),
        get(format!("/admin/categories/{}", fx.lift), ADMIN_OURS),
        get("/admin/accounts", ADMIN),
        // The outsider gets their own community's list, without our key
        // (KEY_NAME, checked by the markers).
        get("/admin/api-keys", ADMIN),
        get("/admin/calendar", ADMIN),
        get("/admin/screens", ADMIN),
        // Text messages: the gateway (an empty form is refused), a test text.
        get("/admin/texts", ADMIN),
        post("/admin/texts", &[], ADMIN),
        post("/admin/texts/test", &[], ADMIN),
        // Reception's list of texts that failed; the desk's choice for a
        // resident of its own community.
        post("/desk/texts/999999/told", &[], NOT_THE_DESKS),
        post("/desk/person/sun/texts", &[], DESK_ON_OURS),
        // A texted link that does not exist; a report without its key.
        get("/t/nothing", NOBODY),
        post_json("/api/v1/sms/receipts", json!({}), NOBODY),
        // The secretary, reception and workgroup leads post notices.
        get("/admin/notices", POSTERS),
        // The desk's log: what staff did for residents.
        get("/admin/audit", ADMIN),
        get("/api/v1/audit", ADMIN),
        get("/admin/outside-bodies", ADMIN),
        post("/admin/outside-bodies", &[], ADMIN),
        // For the outsider a harmless no-op (limited to their community).
        post(
            format!("/admin/outside-bodies/{}/active", fx.outside_body),
            &[("active", "1")],
            ADMIN,
        ),
        get("/api/v1/outside-bodies", STAFF),
        post_json("/api/v1/outside-bodies", json!({}), ADMIN),
        // --- shared rooms -------------------------------------------------
        // [anon, huang, sun, zhao, chen, zhang, reception, secretary, outsider, key]
        get("/rooms", EVERYONE),
        get("/rooms/dance", [OK, OK, OK, OK, OK, OK, OK, OK, NF, OK]),
        get("/api/v1/rooms", EVERYONE),
        get("/admin/rooms", ADMIN),
        post("/admin/rooms", &[], ADMIN),
        // An empty form books nothing; the outsider has no dance room.
        post(
            "/rooms/dance/bookings",
            &[],
            [SI, OK, OK, OK, OK, OK, OK, OK, NF, SI],
        ),
        post_json(
            "/api/v1/rooms/dance/bookings",
            json!({}),
            [SI, OK, OK, OK, OK, OK, OK, OK, OK, SI],
        ),
        // Huang's booking: hers, and the desk's to help with; check-in is
        // not open yet (409), so nothing changes.
        post(
            format!("/rooms/bookings/{}/check-in", fx.booking),
            &[],
            [SI, OK, FB, FB, FB, FB, OK, OK, NF, SI],
        ),
        // Only a lead of the approving workgroup (Wu, recreation) decides.
        post(
            format!("/rooms/bookings/{}/approve", fx.pending_booking),
            &[],
            [SI, FB, FB, FB, FB, FB, FB, FB, FB, SI],
        ),
        post(
            format!("/rooms/bookings/{}/refuse", fx.pending_booking),
            &[],
            [SI, FB, FB, FB, FB, FB, FB, FB, FB, SI],
        ),
        // Cancelling Sun's pending booking: Sun and the desk may.
        post(
            format!("/rooms/bookings/{}/cancel", fx.pending_booking),
            &[],
            [SI, FB, OK, FB, FB, FB, OK, OK, NF, SI],
        )
        .office(FB),
        // --- residents' voice ----------------------------------------------
        // [anon, huang, sun, zhao, chen, zhang, reception, secretary, outsider, key]
        get("/ideas", EVERYONE),
        get("/ideas/we-did", EVERYONE),
        get("/api/v1/ideas", EVERYONE),
        get("/ideas/new", SIGNED_IN),
        // A plain form where a form with files is expected: 400, past the check.
        post("/ideas", &[], SIGNED_IN),
        post_json("/api/v1/ideas", json!({}), SIGNED_IN),
        get(format!("/ideas/{}", fx.idea), OURS),
        get(format!("/api/v1/ideas/{}", fx.idea), OURS),
        get(format!("/ideas/photos/{}", fx.answer_photo), OURS),
        post(format!("/ideas/{}/support", fx.idea), &[], OURS_SIGNED_IN),
        post(format!("/ideas/{}/withdraw", fx.idea), &[], OURS_SIGNED_IN),
        post_json(
            format!("/api/v1/ideas/{}/support", fx.idea),
            json!({}),
            OURS_SIGNED_IN,
        ),
        delete(format!("/api/v1/ideas/{}/support", fx.idea), OURS_SIGNED_IN),
        post(format!("/ideas/{}/comments", fx.idea), &[], OURS_SIGNED_IN),
        post(format!("/ideas/{}/flag", fx.idea), &[], OURS_SIGNED_IN),
        post(
            format!("/ideas/comments/{}/flag", fx.comment),
            &[],
            OURS_SIGNED_IN,
        ),
        // The idea's workgroup (property) and the secretary answer.
        post(
            format!("/ideas/{}/answers", fx.idea),
            &[],
            [SI, FB, FB, FB, FB, OK, FB, OK, NF, SI],
        ),
        // Only the author edits: Huang's idea, Sun's comment.
        get(
            format!("/ideas/{}/edit", fx.idea),
            [SI, OK, FB, FB, FB, FB, FB, FB, NF, SI],
        ),
        post(
            format!("/ideas/{}/edit", fx.idea),
            &[],
            [SI, OK, FB, FB, FB, FB, FB, FB, NF, SI],
        ),
        post(
            format!("/ideas/comments/{}/edit", fx.comment),
            &[],
            [SI, NF, OK, NF, NF, NF, NF, NF, NF, SI],
        )
        .office(NF),
        // Moderators: the secretary, reception and workgroup leads.
        get("/moderation", [SI, FB, FB, FB, OK, OK, OK, OK, OK, SI]),
        post(
            format!("/moderation/comment/{}", fx.comment),
            &[],
            [SI, FB, FB, FB, OK, OK, OK, OK, NF, SI],
        ),
        get("/admin/ideas", ADMIN),
        post("/admin/ideas", &[], ADMIN),
        get("/polls", EVERYONE),
        get("/api/v1/polls", EVERYONE),
        get("/polls/new", ADMIN),
        post("/polls/new", &[], ADMIN),
        get(format!("/polls/{}", fx.poll), OURS),
        post(format!("/polls/{}/vote", fx.poll), &[], OURS_SIGNED_IN),
        post_json(
            format!("/api/v1/polls/{}/votes", fx.poll),
            json!({}),
            OURS_SIGNED_IN,
        ),
        post(format!("/polls/{}/paper", fx.poll), &[], DESK_ON_OURS),
        get("/notices", EVERYONE),
        get("/api/v1/notices", EVERYONE),
        post("/notices/in-person", &[], SIGNED_IN),
        post(format!("/notices/{}/read", fx.notice), &[], OURS_SIGNED_IN),
        // The demo's notices have no attachment.
        get(format!("/notices/{}/attachment", fx.notice), NOBODY),
        get(
            format!("/notices/{}/unread?building=B3", fx.notice),
            DESK_ON_OURS,
        ),
        post(format!("/notices/{}/told", fx.notice), &[], DESK_ON_OURS),
        get("/recognitions", EVERYONE),
        get("/api/v1/recognitions", EVERYONE),
        get("/recognitions/new", SIGNED_IN),
        post("/recognitions", &[], SIGNED_IN),
        post(
            format!("/recognitions/{}/decide", fx.nomination),
            &[],
            [SI, FB, FB, FB, FB, FB, FB, OK, NF, SI],
        ),
        // Only the person recognised chooses what their profile shows.
        post(
            format!("/recognitions/{}/profile", fx.commendation),
            &[],
            [SI, NF, NF, OK, NF, NF, NF, NF, NF, SI],
        ),
        // A nomination's photo: its nominator and the secretary, until approved.
        get(
            format!("/recognitions/photos/{}", fx.nomination_photo),
            [NF, NF, OK, NF, NF, NF, NF, OK, NF, NF],
        )
        .office(NF),
        get(format!("/people/{}", fx.zhao), OURS),
        // --- activities -------------------------------------------------
        // [anon, huang, sun, zhao, chen, zhang, reception, secretary, outsider, key]
        get("/activities", EVERYONE),
        get("/api/v1/activities", EVERYONE),
        get("/calendar/jinyuan.ics", EVERYONE),
        get("/calendar/jinyuan.recreation.ics", EVERYONE),
        get("/calendar/me-not-a-real-token.ics", NOBODY),
        get("/activities/mine", SIGNED_IN),
        // Reception's calls to walk-ins (the outsider's are their own).
        get("/activities/calls", DESK),
        post("/activities/calls/0/told", &[], DESK),
        post("/activities/mine/feed", &[], SIGNED_IN),
        // Members of a workgroup organise its activities (the outsider's
        // community has no workgroups yet).
        get("/activities/new", [SI, FB, FB, OK, OK, OK, FB, OK, FB, SI]),
        post(
            "/activities/new",
            &[],
            [SI, FB, FB, OK, OK, OK, FB, OK, FB, SI],
        ),
        get(
            format!("/activities/{}", fx.tai_chi),
            [OK, OK, OK, OK, OK, OK, OK, OK, NF, OK],
        ),
        get(
            format!("/activities/{}/attendance", fx.tai_chi),
            [SI, FB, FB, FB, FB, FB, FB, OK, NF, SI],
        ),
        get(
            format!("/activities/occurrences/{}", fx.tai_chi_tomorrow),
            [SI, FB, FB, FB, FB, FB, OK, OK, NF, SI],
        ),
        post(
            format!("/activities/occurrences/{}/walk-in", fx.tai_chi_tomorrow),
            &[],
            [SI, FB, FB, FB, FB, FB, OK, OK, NF, SI],
        ),
        post(
            format!("/activities/occurrences/{}/attended", fx.tai_chi_tomorrow),
            &[],
            [SI, FB, FB, FB, FB, FB, OK, OK, NF, SI],
        ),
        // Without a reason nothing is cancelled or moved (422).
        post(
            format!("/activities/occurrences/{}/cancel", fx.tai_chi_tomorrow),
            &[],
            [SI, FB, FB, FB, FB, FB, FB, OK, NF, SI],
        ),
        post(
            format!("/activities/occurrences/{}/move", fx.tai_chi_tomorrow),
            &[],
            [SI, FB, FB, FB, FB, FB, FB, OK, NF, SI],
        ),
        post(
            format!("/activities/occurrences/{}/signup", fx.tai_chi_tomorrow),
            &[],
            [SI, OK, OK, OK, OK, OK, OK, OK, NF, SI],
        ),
        post(
            format!("/activities/occurrences/{}/leave", fx.tai_chi_tomorrow),
            &[],
            [SI, OK, OK, OK, OK, OK, OK, OK, NF, SI],
        ),
        post(
            format!("/activities/{}/series", fx.tai_chi),
            &[],
            [SI, OK, OK, OK, OK, OK, OK, OK, NF, SI],
        ),
        post(
            format!("/activities/{}/series/leave", fx.tai_chi),
            &[],
            [SI, OK, OK, OK, OK, OK, OK, OK, NF, SI],
        ),
        post_json(
            format!("/api/v1/activities/{}/signups", fx.tai_chi),
            json!({}),
            [SI, OK, OK, OK, OK, OK, OK, OK, NF, SI],
        ),
        // Tomorrow's code does not check anyone in today (409).
        get(
            format!("/activities/check-in/{}", fx.tai_chi_code),
            [SI, OK, OK, OK, OK, OK, OK, OK, NF, SI],
        ),
        post(
            format!("/activities/check-in/{}", fx.tai_chi_code),
            &[],
            [SI, OK, OK, OK, OK, OK, OK, OK, NF, SI],
        ),
        // --- screens and kiosks (public, by their secret token) -----------
        get(format!("/screen/{}", fx.screen), EVERYONE),
        stream(format!("/screen/{}/events", fx.screen), EVERYONE),
        get(format!("/kiosk/{}", fx.kiosk), EVERYONE),
        get(format!("/kiosk/{}/lift", fx.kiosk), EVERYONE),
        get(format!("/kiosk/{}/activities", fx.kiosk), EVERYONE),
        // Naming no activity signs nobody up (422).
        post(format!("/kiosk/{}/activities", fx.kiosk), &[], EVERYONE),
        // --- the JSON API, reading ----------------------------------------
        get("/api/v1/openapi.json", EVERYONE),
        get("/api/v1/me", SIGNED_IN),
        get("/api/v1/me/notifications", SIGNED_IN),
        get("/api/v1/me/news", SIGNED_IN),
        get("/api/v1/categories", EVERYONE),
        get("/api/v1/places", EVERYONE),
        get("/api/v1/workgroups", STAFF),
        get("/api/v1/accounts", ADMIN),
        get("/api/v1/requests", SIGNED_IN),
        // --- Open311, reading (public requests only, for everyone) --------
        get("/open311/discovery.json", EVERYONE),
        get("/open311/v2/discovery.xml", EVERYONE),
        get(format!("/open311/v2/services.json?{JINYUAN}"), EVERYONE),
        get(
            format!("/open311/v2/services/lift.json?{JINYUAN}"),
            EVERYONE,
        ),
        get(format!("/open311/v2/requests.json?{JINYUAN}"), EVERYONE),
        get(
            format!("/open311/v2/servicerequestupdates.json?{JINYUAN}"),
            EVERYONE,
        ),
        get(
            format!("/open311/v2/requests/{public}.json?{JINYUAN}"),
            EVERYONE,
        ),
        get(
            format!("/open311/v2/requests/{private}.json?{JINYUAN}"),
            NOBODY,
        ),
        get(
            format!("/open311/v2/requests/{legal}.json?{JINYUAN}"),
            NOBODY,
        ),
        get(
            format!("/open311/v2/tokens/{}.json", fx.open311_token),
            EVERYONE,
        ),
        // === writes ========================================================
        // --- signing in and registering (no one is refused) ---------------
        post(
            "/signin",
            &[
                ("username", "nobody-here"),
                ("password", "not the password"),
            ],
            EVERYONE,
        ),
        post("/register", &[], EVERYONE),
        // A made-up link: a real one would sign the caller in as its owner.
        post("/signin/link/not-a-real-link", &[], EVERYONE),
        post("/account/password", &[("password", "short")], SIGNED_IN),
        post("/account/news", &[], SIGNED_IN),
        post("/account/data/anonymise", &[], SIGNED_IN),
        // Only a resident closes their own account (and needs the password:
        // without it, 422); staff accounts are the administrator's.
        // [anon, huang, sun, zhao, chen, zhang, reception, secretary, outsider, key]
        post(
            "/account/data/close",
            &[],
            [SI, OK, OK, FB, FB, FB, FB, FB, FB, SI],
        ),
        post("/desk/person/sun/anonymise", &[], DESK_ON_OURS),
        // Without the identity tick: 422 for the desk, nothing closed.
        post("/desk/person/sun/close", &[], DESK_ON_OURS),
        // --- filing -------------------------------------------------------
        post_multipart("/report", &[("category", "lift")], EVERYONE),
        post(
            format!("/kiosk/{}", fx.kiosk),
            &[("category", "lift")],
            EVERYONE,
        ),
        // Only an API key files through Open311 (signed in or not).
        post(
            format!("/open311/v2/requests.json?{JINYUAN}"),
            &[("service_code", "lift")],
            OPEN311_KEY,
        ),
        // --- handling and the reporter's steps ----------------------------
        post(format!("/r/{public}/act"), &[], ACT_PUBLIC),
        post(format!("/r/{private}/act"), &[], ACT_PRIVATE),
        post(format!("/r/{legal}/act"), &[], ACT_LEGAL),
        post(format!("/r/{public}/confirm"), &[], REPORTER_PUBLIC),
        post(format!("/r/{private}/confirm"), &[], REPORTER_PRIVATE),
        post(format!("/r/{legal}/confirm"), &[], REPORTER_LEGAL),
        post(format!("/r/{public}/appointment"), &[], REPORTER_PUBLIC),
        post(format!("/r/{private}/appointment"), &[], REPORTER_PRIVATE),
        post(format!("/r/{legal}/appointment"), &[], REPORTER_LEGAL),
        post(format!("/r/{public}/reply"), &[], REPORTER_PUBLIC),
        post(format!("/r/{private}/reply"), &[], REPORTER_PRIVATE),
        post(format!("/r/{legal}/reply"), &[], REPORTER_LEGAL),
        post(format!("/r/{public}/follow"), &[], FOLLOW_PUBLIC),
        post(format!("/r/{private}/follow"), &[], FOLLOW_PRIVATE),
        post(format!("/r/{legal}/follow"), &[], FOLLOW_PRIVATE),
        // --- the desk -----------------------------------------------------
        post("/desk", &[], DESK),
        post("/desk/invitations", &[], DESK),
        post(
            "/desk/reset",
            &[("username", "sun"), ("checked", "1")],
            DESK,
        ),
        // A copy of a resident's data, in person, after the identity check.
        post(
            "/desk/person/sun/data.json",
            &[("checked", "1")],
            DESK_ON_OURS,
        ),
        post(format!("/desk/callback/{public}"), &[], DESK_ON_OURS),
        post(format!("/desk/callback/{private}"), &[], DESK_ON_OURS),
        post(format!("/desk/callback/{legal}"), &[], DESK_ON_LEGAL),
        post(format!("/desk/told/{public}"), &[], DESK_ON_OURS),
        post(format!("/desk/told/{private}"), &[], DESK_ON_OURS),
        post(format!("/desk/told/{legal}"), &[], DESK_ON_LEGAL),
        // --- problems -----------------------------------------------------
        post("/problems", &[], TRACKERS),
        // [anon, huang, sun, zhao, chen, zhang, reception, secretary, outsider, key]
        post(
            format!("/problems/{}", fx.problem),
            &[],
            [SI, FB, FB, FB, NF, OK, FB, OK, NF, SI],
        ),
        post(
            format!("/problems/{}/fixed", fx.problem),
            &[],
            [SI, FB, FB, FB, NF, OK, FB, OK, NF, SI],
        ),
        // --- running the estate -------------------------------------------
        post("/admin", &[], ADMIN),
        post("/admin/places", &[], ADMIN),
        post("/admin/workgroups", &[], ADMIN),
        post(
            format!("/admin/workgroups/{}/members", fx.property),
            &[],
            ADMIN_OURS,
        ),
        // The spare account is no member: nothing to remove. For the
        // outsider a harmless no-op (the delete is limited to their own
        // community) answered like a success rather than 404.
        post(
            format!(
                "/admin/workgroups/{}/members/{}/remove",
                fx.recreation, fx.spare
            ),
            &[],
            ADMIN,
        ),
        post("/admin/categories", &[], ADMIN),
        post(format!("/admin/categories/{}", fx.lift), &[], ADMIN_OURS),
        post(
            format!("/admin/categories/{}/templates", fx.lift),
            &[],
            ADMIN_OURS,
        ),
        post(
            format!("/admin/categories/{}/attributes", fx.lift),
            &[],
            ADMIN_OURS,
        ),
        post(
            format!(
                "/admin/categories/{}/attributes/{}/remove",
                fx.activity, fx.spare_attribute
            ),
            &[],
            ADMIN_OURS,
        ),
        post("/admin/accounts", &[], ADMIN),
        post(format!("/admin/accounts/{}", fx.spare), &[], ADMIN_OURS),
        post("/admin/api-keys", &[], ADMIN),
        // Another community's administrator cannot revoke our key.
        post(
            format!("/admin/api-keys/{}/revoke", fx.spare_key),
            &[],
            ADMIN_OURS,
        ),
        post(
            "/admin/calendar",
            &[("on", "1"), ("open", "not a time")],
            ADMIN,
        ),
        post("/admin/screens", &[], ADMIN),
        // For the outsider a harmless no-op (limited to their community).
        post(
            format!("/admin/screens/{}/off", fx.spare_screen),
            &[],
            ADMIN,
        ),
        post("/admin/notices", &[], POSTERS),
        // For the outsider a harmless no-op (limited to their community).
        // A lead withdraws only what they posted (this is the secretary's).
        post(
            format!("/admin/notices/{}/withdraw", fx.notice),
            &[],
            [SI, FB, FB, FB, FB, FB, OK, OK, NF, SI],
        ),
        // --- the JSON API, writing ----------------------------------------
        post_json(
            "/api/v1/tokens",
            json!({"username": "nobody-here", "password": "not the password"}),
            EVERYONE,
        ),
        post_json("/api/v1/register", no_body.clone(), EVERYONE),
        put_json("/api/v1/me/news", no_body.clone(), SIGNED_IN),
        post_json("/api/v1/requests", no_body.clone(), SIGNED_IN),
        post_json(
            format!("/api/v1/requests/{public}/actions"),
            no_body.clone(),
            ACT_PUBLIC,
        ),
        post_json(
            format!("/api/v1/requests/{private}/actions"),
            no_body.clone(),
            ACT_PRIVATE,
        ),
        post_json(
            format!("/api/v1/requests/{legal}/actions"),
            no_body.clone(),
            ACT_LEGAL,
        ),
        post_multipart(
            format!("/api/v1/requests/{public}/photos"),
            &[("stage", "after")],
            ACT_PUBLIC,
        ),
        post_multipart(
            format!("/api/v1/requests/{private}/photos"),
            &[("stage", "after")],
            ACT_PRIVATE,
        ),
        post_multipart(
            format!("/api/v1/requests/{legal}/photos"),
            &[("stage", "after")],
            ACT_LEGAL,
        ),
        post_json(
            format!("/api/v1/requests/{public}/appointment"),
            no_body.clone(),
            REPORTER_PUBLIC,
        ),
        post_json(
            format!("/api/v1/requests/{private}/appointment"),
            no_body.clone(),
            REPORTER_PRIVATE,
        ),
        post_json(
            format!("/api/v1/requests/{legal}/appointment"),
            no_body.clone(),
            REPORTER_LEGAL,
        ),
        post_json(
            format!("/api/v1/requests/{public}/confirm"),
            no_body.clone(),
            REPORTER_PUBLIC,
        ),
        post_json(
            format!("/api/v1/requests/{private}/confirm"),
            no_body.clone(),
            REPORTER_PRIVATE,
        ),
        post_json(
            format!("/api/v1/requests/{legal}/confirm"),
            no_body.clone(),
            REPORTER_LEGAL,
        ),
        post_json(
            format!("/api/v1/requests/{public}/reply"),
            no_body.clone(),
            REPORTER_PUBLIC,
        ),
        post_json(
            format!("/api/v1/requests/{private}/reply"),
            no_body.clone(),
            REPORTER_PRIVATE,
        ),
        post_json(
            format!("/api/v1/requests/{legal}/reply"),
            no_body.clone(),
            REPORTER_LEGAL,
        ),
        post_json(
            format!("/api/v1/requests/{public}/follow"),
            no_body.clone(),
            FOLLOW_PUBLIC,
        ),
        post_json(
            format!("/api/v1/requests/{private}/follow"),
            no_body.clone(),
            FOLLOW_PRIVATE,
        ),
        post_json(
            format!("/api/v1/requests/{legal}/follow"),
            no_body.clone(),
            FOLLOW_PRIVATE,
        ),
        post_json("/api/v1/desk/requests", no_body.clone(), DESK),
        post_json("/api/v1/desk/invitations", no_body.clone(), DESK),
        post_json("/api/v1/desk/password-resets", no_body.clone(), DESK),
        post_json("/api/v1/categories", no_body.clone(), ADMIN),
        put_json("/api/v1/categories/lift", no_body.clone(), ADMIN_OURS),
        post_json(
            "/api/v1/categories/lift/templates",
            no_body.clone(),
            ADMIN_OURS,
        ),
        post_json("/api/v1/places", no_body.clone(), ADMIN),
        post_json("/api/v1/workgroups", no_body.clone(), ADMIN),
        post_json(
            "/api/v1/workgroups/property/members",
            no_body.clone(),
            ADMIN_OURS,
        ),
        // The spare account is no member of recreation: nothing changes.
        delete("/api/v1/workgroups/recreation/members/spare", ADMIN_OURS),
        post_json("/api/v1/accounts", no_body.clone(), ADMIN),
        // A complete body (the change has no defaults), with a role that
        // does not exist, so even the administrator changes nothing.
        put_json(
            "/api/v1/accounts/spare",
            json!({"role": "nobody", "active": true}),
            ADMIN_OURS,
        ),
        put_json("/api/v1/community", no_body, ADMIN),
        // One's own tokens: nobody revokes a token that is not theirs (this
        // id is no one's), and signing out everywhere needs its button's
        // field (sent, it would end the callers' sessions mid-sweep;
        // access.rs does that).
        // [anon, huang, sun, zhao, chen, zhang, reception, secretary, outsider, key]
        post(
            "/account/tokens/0123456789abcdef/revoke",
            &[],
            [SI, NF, NF, NF, NF, NF, NF, NF, NF, SI],
        ),
        delete(
            "/api/v1/me/tokens/0123456789abcdef",
            [SI, NF, NF, NF, NF, NF, NF, NF, NF, SI],
        ),
        post("/account/signout-everywhere", &[], SIGNED_IN),
        // --- the legal book corner ------------------------------------------
        // [anon, huang, sun, zhao, chen, zhang, reception, secretary, outsider, key]
        get("/library", EVERYONE),
        get("/library/export.csv", EVERYONE),
        get("/api/v1/books?q=%E6%B0%91%E6%B3%95", EVERYONE),
        get(format!("/library/books/{}", fx.book), OURS),
        get(format!("/api/v1/books/{}", fx.book), OURS),
        get(format!("/library/books/{}/cover", fx.book), OURS),
        // A title with copies on the shelf: a hold is refused (409), past the check.
        post(
            format!("/library/books/{}/hold", fx.book),
            &[],
            OURS_SIGNED_IN,
        ),
        get("/library/mine", SIGNED_IN),
        // Sun's loan: hers, and the desk's to renew.
        post(
            format!("/library/loans/{}/renew", fx.loan),
            &[],
            [SI, NF, OK, NF, NF, NF, OK, OK, NF, SI],
        )
        .office(NF),
        // Leaving a queue one is not in does nothing.
        post("/library/holds/0/cancel", &[], SIGNED_IN),
        get("/library/desk", DESK),
        post("/library/desk", &[], DESK),
        get("/library/overdue", DESK),
        get("/library/new", DESK),
        post_multipart("/library/new", &[], DESK),
        get(format!("/library/books/{}/edit", fx.book), DESK_ON_OURS),
        post_multipart(
            format!("/library/books/{}/edit", fx.book),
            &[],
            DESK_ON_OURS,
        ),
        get("/library/import", DESK),
        post_multipart("/library/import", &[], DESK),
        get("/api/v1/loans", DESK),
        post_json(
            "/api/v1/loans",
            json!({"code": "", "username": "huang"}),
            DESK,
        ),
        post_json("/api/v1/loans/return", json!({"code": ""}), DESK),
        // --- legal aid --------------------------------------------------------
        get("/legal", EVERYONE),
        get("/legal/classes", EVERYONE),
        get(format!("/legal/classes/{}", fx.class), OURS),
        post(format!("/legal/classes/{}", fx.class), &[], LEGAL_TEAM),
        get("/legal/new", SIGNED_IN),
        post("/legal/new", &[], SIGNED_IN),
        get("/api/v1/legal/cases", SIGNED_IN),
        get(format!("/legal/cases/{}", fx.case), CASE),
        get(format!("/api/v1/legal/cases/{}", fx.case), CASE),
        post(format!("/legal/cases/{}", fx.case), &[], CASE),
        post_multipart(format!("/legal/cases/{}/documents", fx.case), &[], CASE),
        get(format!("/legal/documents/{}", fx.case_document), CASE),
        // Ma's demo case: not Huang's either.
        get(
            format!("/legal/cases/{}", fx.demo_case),
            [SI, NF, NF, NF, NF, NF, NF, NF, NF, SI],
        ),
        post(
            format!("/legal/requests/{}/move", fx.legal_request),
            &[],
            LEGAL_TEAM,
        ),
        get("/legal/slots", LEGAL_TEAM),
        post("/legal/slots", &[], LEGAL_TEAM),
        post(format!("/legal/slots/{}/delete", fx.slot), &[], LEGAL_TEAM),
        get("/legal/desk", DESK),
        get(format!("/legal/desk/{}/cases", fx.huang), DESK_ON_OURS),
        post(format!("/legal/desk/{}/cases", fx.huang), &[], DESK_ON_OURS),
        // No case of Huang's waits for an appointment: nothing to book.
        post(
            format!("/legal/desk/{}/book", fx.huang),
            &[("case", "0"), ("slot", "0")],
            DESK_ON_LEGAL,
        ),
        get("/legal/log", ADMIN),
        post("/legal/log", &[], ADMIN),
        get("/legal/report", ADMIN),
        // --- volunteers on duty -------------------------------------------
        get("/volunteers", SIGNED_IN),
        post("/volunteers/profile", &[], SIGNED_IN),
        // Chen leads the Red Armband team; nobody else here leads a team
        // that keeps a roster.
        get("/volunteers/shifts/new", TEAM_LEAD),
        post("/volunteers/shifts/new", &[], TEAM_LEAD),
        get(format!("/volunteers/shifts/{}", fx.shift), SHIFT),
        post(format!("/volunteers/shifts/{}", fx.shift), &[], SHIFT),
        post(
            "/volunteers/swaps/0",
            &[],
            [SI, NF, NF, NF, NF, NF, NF, NF, NF, SI],
        ),
        get("/volunteers/teams", ADMIN),
        post("/volunteers/teams", &[], ADMIN),
        get("/volunteers/hours", SIGNED_IN),
        post("/volunteers/hours", &[], SIGNED_IN),
        get("/volunteers/hours/certificate", SIGNED_IN),
        get("/volunteers/report", TEAM_LEAD),
        post(
            "/volunteers/claims/0",
            &[],
            [SI, NF, NF, NF, NF, NF, NF, NF, NF, SI],
        ),
        // The demo's walk-in, handed to Zhao on duty: hers to close.
        get(
            format!("/volunteers/tasks/{}", fx.task),
            [SI, NF, NF, OK, NF, NF, OK, OK, NF, SI],
        ),
        post(
            format!("/volunteers/tasks/{}", fx.task),
            &[],
            [SI, NF, NF, OK, NF, NF, FB, FB, NF, SI],
        ),
        get("/duty", STAFF),
        post("/duty", &[], STAFF),
        get("/api/v1/volunteers/shifts", SIGNED_IN),
        get("/api/v1/volunteers/tasks", SIGNED_IN),
        // --- care -----------------------------------------------------------
        get("/care", EVERYONE),
        get("/care/new", ADMIN),
        post("/care/new", &[], ADMIN),
        get(format!("/care/plans/{}", fx.care_plan), CARE_PLAN),
        post(format!("/care/plans/{}", fx.care_plan), &[], CARE_PLAN),
        post("/care/fine", &[], SIGNED_IN),
        // Without the box ticked, nobody's plan closes (422).
        post("/care/withdraw", &[], SIGNED_IN),
        get("/care/log", ADMIN),
        get(format!("/kiosk/{}/fine", fx.kiosk), EVERYONE),
        post(format!("/kiosk/{}/fine", fx.kiosk), &[], EVERYONE),
        get("/api/v1/care/plans", SIGNED_IN),
        post_json(
            "/api/v1/care/checkins",
            json!({"plan": fx.care_plan, "kind": ""}),
            CARE_PLAN_API,
        ),
        // --- the district ---------------------------------------------------
        // Only an office's staff have a district page; to anyone else it
        // does not exist.
        get("/district", OFFICE_ONLY).office(OK),
        get("/district/rates.json", EVERYONE),
        get("/district/rates.json?district=nowhere", NOBODY),
        get("/district/communities/jinyuan", OFFICE_ONLY).office(OK),
        // The outsider's estate sits under another street: not Tang's.
        get("/district/communities/hexie", OFFICE_ONLY).office(NF),
        get("/district/communities/nowhere", OFFICE_ONLY).office(NF),
        // Only a district's office moves a community; Tang's is a street's.
        post(
            "/district/communities/jinyuan/street",
            &[("street", "binhu")],
            OFFICE_ONLY,
        )
        .office(FB),
        get("/my/communities", SIGNED_IN),
        // Working in our estate: not the outsider's to choose.
        post(
            "/my/communities",
            &[("community", "jinyuan")],
            [SI, OK, OK, OK, OK, OK, OK, OK, NF, SI],
        ),
        get("/admin/communities/new", ADMIN),
        post("/admin/communities", &[], ADMIN),
        // --- last: it ends the session ------------------------------------
        post("/signout", &[], EVERYONE),
    ]
}

/// Pages not in the table that show lists, searches, exports and errors:
/// read for the words they must not hold (their answers are not checked).
fn pages_that_might_leak(fx: &Fixture) -> Vec<Route> {
    let enc = grassroots::web::forms::url_encode;
    let public = &fx.public;
    let private = &fx.private;
    let legal = &fx.legal;
    vec![
        get(format!("/queue?q={}", enc(CASE_SEARCH)), EVERYONE),
        get(
            format!("/requests?q={}&state=all", enc(CASE_SEARCH)),
            EVERYONE,
        ),
        get(format!("/queue.csv?q={}", enc(CASE_SEARCH)), EVERYONE),
        get(format!("/library?q={}", enc(CASE_SEARCH)), EVERYONE),
        get(format!("/api/v1/requests?q={}", enc(CASE_SEARCH)), EVERYONE),
        get("/legal/log", EVERYONE),
        get("/legal/desk?find=B1-101", EVERYONE),
        get("/legal/report", EVERYONE),
        get("/care", EVERYONE),
        get("/care/log", EVERYONE),
        get("/duty", EVERYONE),
        get("/district", EVERYONE),
        get("/district/communities/jinyuan", EVERYONE),
        get("/volunteers", EVERYONE),
        get("/api/v1/care/plans", EVERYONE),
        get("/api/v1/volunteers/tasks", EVERYONE),
        get("/dashboard", EVERYONE),
        get("/account/data.json", EVERYONE),
        get(
            "/open311/v2/requests.json?jurisdiction_id=jinyuan",
            EVERYONE,
        ),
        get(format!("/queue?q={}", enc(LEGAL_SEARCH)), EVERYONE),
        get(
            format!("/work-orders?code={private}&code={legal}"),
            EVERYONE,
        ),
        get("/queue?household=B1-101", EVERYONE),
        get(
            format!("/requests?q={}&state=all", enc(PRIVATE_SEARCH)),
            EVERYONE,
        ),
        get(format!("/requests?q={legal}&state=all"), EVERYONE),
        get("/requests?building=B1&state=all", EVERYONE),
        // Part of Sun's question: the search box shows what was searched for.
        get(format!("/queue?q={}", enc("不退押金")), EVERYONE),
        get(format!("/queue?q={private}"), EVERYONE),
        get(format!("/queue?q={legal}"), EVERYONE),
        get("/queue?status=submitted", EVERYONE),
        get(format!("/queue.csv?q={}", enc(PRIVATE_SEARCH)), EVERYONE),
        get(format!("/queue.csv?q={}", enc(LEGAL_SEARCH)), EVERYONE),
        get("/queue.csv?status=submitted", EVERYONE),
        get(
            format!("/api/v1/requests?q={}", enc(PRIVATE_SEARCH)),
            EVERYONE,
        ),
        get(
            format!("/api/v1/requests?q={}", enc(LEGAL_SEARCH)),
            EVERYONE,
        ),
        get(
            format!(
                "/open311/v2/requests.json?{JINYUAN}&service_request_id={public},{private},{legal}"
            ),
            EVERYONE,
        ),
        get(format!("/open311/v2/requests.xml?{JINYUAN}"), EVERYONE),
        get(
            format!(
                "/open311/v2/requests.json?{JINYUAN}&status=open,closed&service_code=lift,legal"
            ),
            EVERYONE,
        ),
        get(
            format!("/open311/v2/servicerequestupdates.xml?{JINYUAN}"),
            EVERYONE,
        ),
        get(
            format!("/open311/v2/requests/{private}.xml?{JINYUAN}"),
            EVERYONE,
        ),
        stream(format!("/screen/{}/events?after=0", fx.screen), EVERYONE),
        get(format!("/r/{private}?key=not-the-key"), EVERYONE),
        get(format!("/r/{legal}?key=not-the-key"), EVERYONE),
        get(
            format!("/api/v1/requests/{private}?key=not-the-key"),
            EVERYONE,
        ),
        get(format!("/photos/{}?thumb=1", fx.private_photo), EVERYONE),
        // Error pages: a wrong method, unknown places.
        get(format!("/r/{private}/act"), EVERYONE),
        get(format!("/r/{legal}/confirm"), EVERYONE),
        get(format!("/api/v1/requests/{legal}/actions"), EVERYONE),
        get("/api/v1/no-such-thing", EVERYONE),
        get(format!("/desk/done/{legal}?key=not-the-key"), EVERYONE),
    ]
}

// --- the fixture ---------------------------------------------------------------

/// Real targets for every route with an id or a code in it.
struct Fixture {
    /// Tracking codes of Huang's three requests.
    public: String,
    private: String,
    legal: String,
    private_photo: i64,
    legal_photo: i64,
    /// Voice messages on the public, private and legal requests.
    voices: [i64; 3],
    /// Tokens of the demo's screen and kiosk.
    screen: String,
    kiosk: String,
    spare_screen: i64,
    /// The demo's power bureau, on the list of outside bodies.
    outside_body: i64,
    /// Huang's demo booking of the dance room, and Sun's of the meeting
    /// room (waiting for the recreation group's lead).
    booking: i64,
    pending_booking: i64,
    /// The demo's daily tai chi class, tomorrow's occurrence and its code.
    tai_chi: i64,
    tai_chi_tomorrow: i64,
    tai_chi_code: String,
    notice: i64,
    /// Category ids.
    lift: i64,
    activity: i64,
    spare_attribute: i64,
    /// Workgroup ids.
    property: i64,
    recreation: i64,
    /// An account of ours for the administrator's writes.
    spare: i64,
    spare_key: i64,
    problem: i64,
    /// A real one-time sign-in link's path (for the spare account).
    link: String,
    open311_token: String,
    api_key: String,
    sun_token: String,
    /// Residents' voice: the demo's ramp idea (Huang's, planned by the
    /// property team), Sun's comment on it, the roses' answer photo.
    idea: i64,
    comment: i64,
    answer_photo: i64,
    /// The demo's household poll.
    poll: i64,
    /// Sun's nomination waiting for the secretary, and its photo; Zhao's
    /// commendation and her account (she shows it on her profile).
    nomination: i64,
    nomination_photo: i64,
    commendation: i64,
    zhao: i64,
    /// The legal corner: a title with a cover, Sun's demo loan.
    book: i64,
    loan: i64,
    /// Legal aid: Huang's case and its document, Ma's demo case, Sun's
    /// demo legal question (a request), a free hour of Li's, the monthly
    /// class's first time, Huang's account.
    case: i64,
    case_document: i64,
    demo_case: i64,
    legal_request: i64,
    slot: i64,
    class: i64,
    huang: i64,
    /// Volunteers and care: a shift of the Red Armband team, the walk-in
    /// handed to Zhao on duty, Huang's care plan.
    shift: i64,
    task: i64,
    care_plan: i64,
}

async fn file(huang: &Person, fields: &[(&str, &str)], photo: bool) -> String {
    let photos = if photo {
        vec![photo_with_gps()]
    } else {
        Vec::new()
    };
    let sent = huang.report(fields, &photos).await;
    assert_eq!(sent.status, 303, "filing {fields:?}: {}", sent.body);
    sent.code()
}

async fn first_photo(app: &TestApp, code: &str) -> i64 {
    let request = grassroots::requests::record::by_code(&app.db, code)
        .await
        .expect("query")
        .expect("the request");
    grassroots::requests::photos::photos_of(&app.db, request.id)
        .await
        .expect("photos")
        .first()
        .map(|p| p.id)
        .expect("the request keeps its photo")
}

/// A voice message, as the kiosk stages one, tied to the request.
async fn voice_on(app: &TestApp, code: &str) -> i64 {
    let bytes = crate::recordings::WEBM;
    let checked = grassroots::recordings::check_recording(bytes).expect("a recording");
    let key = grassroots::requests::recordings::stage(&app.db, checked, bytes)
        .await
        .expect("staged");
    grassroots::on_db!(&app.db, |pool| sqlx::query_scalar(
        "UPDATE recordings SET request_id = (SELECT id FROM requests WHERE tracking_code = $1) \
         WHERE upload_key = $2 RETURNING id"
    )
    .bind(code)
    .bind(&key)
    .fetch_one(pool)
    .await)
    .expect("attached")
}

async fn prepare(app: &TestApp) -> Fixture {
    use grassroots::auth::Role;
    use grassroots::community::{Category, Community, Workgroup, create_account};
    use grassroots::demo::DEMO_PASSWORD;
    use grassroots::screen::Screen;

    let ours = Community::default_one(&app.db)
        .await
        .expect("our community")
        .id;

    let huang = app.signed_in("huang").await;
    let private = file(
        &huang,
        &[
            ("category", "lift"),
            ("place", "B1-101"),
            ("description", PRIVATE_WORDS),
            ("visibility", "private"),
            ("phone", PHONE),
            ("go_ahead", "1"),
        ],
        true,
    )
    .await;
    let public = file(
        &huang,
        &[
            ("category", "lift"),
            ("place", "B1"),
            ("description", PUBLIC_WORDS),
            ("visibility", "public"),
            ("phone", PHONE),
            ("go_ahead", "1"),
        ],
        false,
    )
    .await;
    // Asked to be public, a legal question is private by nature.
    let legal = file(
        &huang,
        &[
            ("category", "legal"),
            ("place", "B1-101"),
            ("description", LEGAL_WORDS),
            ("visibility", "public"),
            ("phone", PHONE),
            ("go_ahead", "1"),
        ],
        true,
    )
    .await;
    let private_photo = first_photo(app, &private).await;
    let legal_photo = first_photo(app, &legal).await;
    let voices = [
        voice_on(app, &public).await,
        voice_on(app, &private).await,
        voice_on(app, &legal).await,
    ];

    let screens = Screen::list(&app.db, ours).await.expect("screens");
    let token_of = |kind: &str| {
        screens
            .iter()
            .find(|s| s.kind == kind && s.active)
            .map(|s| s.token.clone())
            .expect("the demo's screen and kiosk")
    };
    let screen = token_of("screen");
    let kiosk = token_of("kiosk");
    let spare_token = Screen::create(
        &app.db,
        ours,
        "screen",
        "备用屏 Spare screen",
        None,
        "both",
        "",
    )
    .await
    .expect("screen");
    let spare_screen = Screen::list(&app.db, ours)
        .await
        .expect("screens")
        .into_iter()
        .find(|s| s.token == spare_token)
        .map(|s| s.id)
        .expect("the spare screen");
    let outside_body = grassroots::referrals::list(&app.db, ours)
        .await
        .expect("outside bodies")
        .first()
        .map(|b| b.id)
        .expect("the demo has outside bodies");
    let booking_of = |state: &'static str| {
        let db = app.db.clone();
        async move {
            grassroots::on_db!(&db, |pool| sqlx::query_scalar::<_, i64>(
                "SELECT id FROM bookings WHERE state = $1 AND account_id IS NOT NULL ORDER BY id LIMIT 1"
            )
            .bind(state)
            .fetch_one(pool)
            .await)
            .expect("the demo's bookings")
        }
    };
    let booking = booking_of("confirmed").await;
    let (tai_chi, tai_chi_tomorrow, tai_chi_code): (i64, i64, String) = grassroots::on_db!(&app.db, |pool| sqlx::query_as(
        "SELECT a.id, o.id, o.checkin_code FROM activities a JOIN occurrences o ON o.activity_id = a.id \
         WHERE a.title_zh = '太极拳' AND o.starts_at > $1 + 43200 ORDER BY o.starts_at LIMIT 1"
    )
    .bind(grassroots::db::now())
    .fetch_one(pool)
    .await)
    .expect("the demo's tai chi class");
    let pending_booking = booking_of("pending").await;
    let notice = grassroots::notices::Notice::current(&app.db, ours)
        .await
        .expect("notices")
        .first()
        .map(|n| n.id)
        .expect("the demo's notice");

    let lift = Category::by_code(&app.db, ours, "lift")
        .await
        .expect("query")
        .expect("lift")
        .id;
    let activity = Category::by_code(&app.db, ours, "activity")
        .await
        .expect("query")
        .expect("activity")
        .id;
    let spare_attribute = grassroots::community::attributes::add(
        &app.db,
        activity,
        &grassroots::community::attributes::AttributeForm {
            code: "spare".into(),
            datatype: "number".into(),
            description_zh: "备用问题".into(),
            description_en: "A spare question".into(),
            ..Default::default()
        },
    )
    .await
    .expect("query")
    .expect("attribute");
    let groups = Workgroup::list(&app.db, ours).await.expect("workgroups");
    let group = |code: &str| {
        groups
            .iter()
            .find(|g| g.code == code)
            .map(|g| g.id)
            .expect("a demo workgroup")
    };
    let property = group("property");
    let recreation = group("recreation");

    let spare = create_account(
        &app.db,
        ours,
        "spare",
        "备用账号",
        Role::Member,
        Some(DEMO_PASSWORD),
        None,
    )
    .await
    .expect("account")
    .expect("new");
    let link = grassroots::auth::choose::create_signin_link(&app.db, spare, 72)
        .await
        .expect("link");
    let (_, api_key) = grassroots::open311::keys::create(&app.db, 1, KEY_NAME)
        .await
        .expect("key");
    let (spare_key, _) = grassroots::open311::keys::create(&app.db, 1, "备用钥匙 spare key")
        .await
        .expect("key");

    // A category checked by staff first answers Open311 with a token.
    grassroots::on_db!(&app.db, |pool| sqlx::query(
        "UPDATE categories SET needs_review = TRUE WHERE code = 'idea'"
    )
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))
    .expect("update");
    // As a store in this process would say after writing a setting.
    grassroots::db::settings_changed();
    let filed = reqwest::Client::new()
        .post(app.url("/open311/v2/requests.json"))
        .form(&[
            ("api_key", api_key.as_str()),
            ("jurisdiction_id", "jinyuan"),
            ("service_code", "idea"),
            ("address_id", "POND"),
            ("description", "在荷花池边种些柳树"),
        ])
        .send()
        .await
        .expect("open311");
    assert_eq!(filed.status(), 201);
    let open311_token = filed.json::<Value>().await.expect("json")[0]["token"]
        .as_str()
        .expect("a token")
        .to_string();

    let zhang = app.signed_in("zhang").await;
    let codes = format!("{public} {private}");
    let made = zhang
        .post_form(
            "/problems",
            &[
                ("title", "1号楼电梯反复出问题"),
                ("plan", "请维保公司全面检修"),
                ("codes", codes.as_str()),
            ],
        )
        .await;
    assert_eq!(made.status, 303, "{}", made.body);
    let problem: i64 = made
        .location
        .trim_start_matches("/problems/")
        .parse()
        .expect("the problem's id");

    let id_of = |sql: &'static str| {
        let db = app.db.clone();
        async move {
            grassroots::on_db!(&db, |pool| sqlx::query_scalar::<_, i64>(sql)
                .fetch_one(pool)
                .await)
            .expect(sql)
        }
    };
    let idea = id_of("SELECT id FROM ideas WHERE state = 'planned' ORDER BY id LIMIT 1").await;
    let sun = app.signed_in("sun").await;
    let commented = sun
        .post_form(
            &format!("/ideas/{idea}/comments"),
            &[("body", "坡道要防滑")],
        )
        .await;
    assert_eq!(commented.status, 303, "{}", commented.body);
    let comment = id_of("SELECT MAX(id) FROM idea_comments").await;
    let answer_photo = id_of("SELECT MIN(id) FROM voice_photos WHERE owner = 'answer'").await;
    let poll = id_of("SELECT MIN(id) FROM polls").await;
    let nominated = sun
        .post_multipart(
            "/recognitions",
            &[
                ("person_name", "王师傅"),
                ("what", "修好了楼道灯"),
                ("happened_on", "2026-01-05"),
            ],
            &[photo_with_gps()],
        )
        .await;
    assert_eq!(nominated.status, 303, "{}", nominated.body);
    let nomination = id_of("SELECT MAX(id) FROM recognitions WHERE state = 'proposed'").await;
    let nomination_photo =
        id_of("SELECT MAX(id) FROM voice_photos WHERE owner = 'recognition'").await;
    let commendation = id_of("SELECT MIN(id) FROM recognitions WHERE kind = 'red_armband'").await;
    let zhao = id_of("SELECT id FROM accounts WHERE username = 'zhao'").await;
    let book = id_of("SELECT MIN(book_id) FROM book_copies").await;
    grassroots::library::store::set_cover(&app.db, book, &photo_with_gps(), 8, 8)
        .await
        .expect("cover");
    let loan = id_of("SELECT MIN(id) FROM loans").await;
    let demo_case = id_of("SELECT MIN(id) FROM legal_cases").await;
    let shift = id_of("SELECT MAX(id) FROM shifts").await;
    let task = id_of("SELECT MIN(id) FROM duty_tasks").await;
    let care_plan = id_of(
        "SELECT p.id FROM care_plans p JOIN accounts a ON a.id = p.account_id WHERE a.username = 'huang'",
    )
    .await;
    let asked = huang
        .post_form(
            "/legal/new",
            &[
                ("topic", "neighbours"),
                ("description", CASE_WORDS),
                ("reach", "phone"),
                ("reach_detail", PHONE),
            ],
        )
        .await;
    assert_eq!(asked.status, 303, "{}", asked.body);
    let case = id_of("SELECT MAX(id) FROM legal_cases").await;
    let pdf = b"%PDF-1.4 a confidential letter".to_vec();
    let form = reqwest::multipart::Form::new().part(
        "document",
        reqwest::multipart::Part::bytes(pdf).file_name("letter.pdf"),
    );
    let uploaded = huang
        .http
        .post(app.url(&format!("/legal/cases/{case}/documents")))
        .multipart(form)
        .send()
        .await
        .expect("upload");
    assert_eq!(uploaded.status().as_u16(), 303);
    let case_document = id_of("SELECT MAX(id) FROM legal_documents").await;
    let legal_request = grassroots::requests::record::by_code(&app.db, &legal)
        .await
        .expect("query")
        .expect("the legal question")
        .id;
    let slot = id_of("SELECT MIN(id) FROM legal_slots WHERE case_id IS NULL").await;
    let class = id_of(
        "SELECT MIN(o.id) FROM occurrences o JOIN activities a ON a.id = o.activity_id \
         JOIN workgroups w ON w.id = a.workgroup_id WHERE w.code = 'legal'",
    )
    .await;
    let huang_id = id_of("SELECT id FROM accounts WHERE username = 'huang'").await;

    let other = Community::create(&app.db, "hexie", "和谐小区", "Hexie Estate")
        .await
        .expect("community");
    let binhu = grassroots::district::store::street_by_code(&app.db, "binhu")
        .await
        .expect("streets")
        .expect("the demo's Binhu street");
    grassroots::district::store::move_community(&app.db, other, binhu.id)
        .await
        .expect("the outsider's estate under Binhu street");
    create_account(
        &app.db,
        other,
        "outsider",
        "外小区书记",
        Role::Admin,
        Some(DEMO_PASSWORD),
        None,
    )
    .await
    .expect("account")
    .expect("new");

    let answer = reqwest::Client::new()
        .post(app.url("/api/v1/tokens"))
        .json(&json!({"username": "sun", "password": DEMO_PASSWORD, "name": "authz"}))
        .send()
        .await
        .expect("token");
    assert_eq!(answer.status(), 201);
    let sun_token = answer.json::<Value>().await.expect("json")["token"]
        .as_str()
        .expect("token")
        .to_string();

    Fixture {
        public,
        private,
        legal,
        private_photo,
        legal_photo,
        voices,
        screen,
        kiosk,
        spare_screen,
        outside_body,
        booking,
        pending_booking,
        tai_chi,
        tai_chi_tomorrow,
        tai_chi_code,
        notice,
        lift,
        activity,
        spare_attribute,
        property,
        recreation,
        spare,
        spare_key,
        problem,
        link,
        open311_token,
        api_key,
        sun_token,
        idea,
        comment,
        answer_photo,
        poll,
        nomination,
        nomination_photo,
        commendation,
        zhao,
        book,
        loan,
        case,
        case_document,
        demo_case,
        legal_request,
        slot,
        class,
        huang: huang_id,
        shift,
        task,
        care_plan,
    }
}

// --- asking ----------------------------------------------------------------------

struct Caller {
    who: Who,
    http: reqwest::Client,
    /// Sent in every form an Open311 client posts.
    api_key: Option<String>,
}

impl Caller {
    fn with_key(&self, fields: &[(String, String)]) -> Vec<(String, String)> {
        let mut all = fields.to_vec();
        if let Some(key) = &self.api_key {
            all.push(("api_key".to_string(), key.clone()));
        }
        all
    }
}

/// Like the test kit's browser, with Sun's token instead of cookies.
fn bearer(token: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {token}").parse().expect("header"),
    );
    headers.insert(
        reqwest::header::ACCEPT_LANGUAGE,
        reqwest::header::HeaderValue::from_static("zh-CN"),
    );
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .default_headers(headers)
        .build()
        .expect("client")
}

async fn callers(app: &TestApp, fx: &Fixture) -> Vec<Caller> {
    let mut all = Vec::new();
    for who in Who::ALL {
        let (http, api_key) = match who {
            Who::Anonymous => (app.anonymous().http, None),
            Who::Key => (app.anonymous().http, Some(fx.api_key.clone())),
            Who::Token => (bearer(&fx.sun_token), None),
            _ => {
                let username = who.username().expect("an account");
                (app.signed_in(username).await.http, None)
            }
        };
        all.push(Caller { who, http, api_key });
    }
    all
}

fn caller(callers: &[Caller], who: Who) -> &Caller {
    callers
        .iter()
        .find(|c| c.who == who)
        .expect("every kind of caller")
}

struct Got {
    status: u16,
    location: String,
    body: String,
}

/// What an endless stream says within `budget`.
async fn listen_to(mut response: reqwest::Response, budget: Duration) -> String {
    if budget.is_zero() {
        return String::new();
    }
    let mut heard: Vec<u8> = Vec::new();
    let until = tokio::time::Instant::now() + budget;
    while let Ok(Ok(Some(chunk))) = tokio::time::timeout_at(until, response.chunk()).await {
        heard.extend_from_slice(&chunk);
    }
    String::from_utf8_lossy(&heard).into_owned()
}

/// Asks one route as one caller; a stream is listened to for `listen`
/// (not at all when zero), never to its end.
async fn send(app: &TestApp, caller: &Caller, route: &Route, listen: Duration) -> Got {
    let url = app.url(&route.path);
    let request = match route.verb {
        Verb::Get | Verb::Stream => caller.http.get(url.as_str()),
        Verb::Post => caller.http.post(url.as_str()),
        Verb::Put => caller.http.put(url.as_str()),
        Verb::Delete => caller.http.delete(url.as_str()),
    };
    let request = match &route.body {
        Body::None => request,
        Body::Form(fields) => request.form(&caller.with_key(fields)),
        Body::Multipart(fields) => {
            let mut form = reqwest::multipart::Form::new();
            for (name, value) in caller.with_key(fields) {
                form = form.text(name, value);
            }
            request.multipart(form)
        }
        Body::Json(value) => request.json(value),
    };
    let what = format!("{} {} as {:?}", route.verb.name(), route.path, caller.who);
    let response = tokio::time::timeout(Duration::from_secs(60), request.send())
        .await
        .unwrap_or_else(|_| panic!("{what}: no answer within a minute"))
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let body = match route.verb {
        Verb::Stream => listen_to(response, listen).await,
        _ => response.text().await.unwrap_or_default(),
    };
    Got {
        status,
        location,
        body,
    }
}

fn fits(expected: Outcome, verb: Verb, got: &Got) -> bool {
    let to_signin = (300..400).contains(&got.status) && got.location.starts_with("/signin");
    let refused = to_signin || matches!(got.status, 401 | 403 | 404);
    match expected {
        Outcome::Allowed => {
            !refused
                && got.status < 500
                && !matches!(got.status, 405 | 415)
                && (verb.writes() || got.status < 400)
        }
        Outcome::SignIn => got.status == 401 || to_signin,
        Outcome::Forbidden => got.status == 403,
        Outcome::NotFound => got.status == 404,
    }
}

fn snippet(body: &str) -> String {
    body.chars()
        .take(160)
        .collect::<String>()
        .replace(['\n', '\r'], " ")
}

/// The private words this answer shows to someone who may not read them.
fn leaks(who: Who, route: &Route, got: &Got) -> Vec<String> {
    MARKERS
        .iter()
        .filter(|m| m.kept_from.contains(&who) && got.body.contains(m.text))
        .map(|m| {
            format!(
                "{} {} as {who:?} ({}) shows {}: {}",
                route.verb.name(),
                route.path,
                got.status,
                m.what,
                m.text
            )
        })
        .collect()
}

// --- the tests ---------------------------------------------------------------------

/// Every `.route("PATH", get(…).post(…))` in the server's source, so that
/// a route added without a row here fails this test.
fn routes_in_source() -> Vec<(String, String)> {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("src").flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    let mut found = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("read");
        for (at, _) in text.match_indices(".route(") {
            let rest = &text[at + 7..];
            let Some(open) = rest.find('"') else { continue };
            let Some(close) = rest[open + 1..].find('"') else {
                continue;
            };
            let path = rest[open + 1..open + 1 + close].to_string();
            // The handlers up to this call's closing parenthesis.
            let mut depth = 1;
            let mut end = rest.len();
            for (i, c) in rest.char_indices() {
                match c {
                    '(' => depth += 1,
                    ')' => {
                        depth -= 1;
                        if depth == 0 {
                            end = i;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            let call = &rest[..end];
            for (verb, word) in [
                ("GET", "get("),
                ("POST", "post("),
                ("PUT", "put("),
                ("DELETE", "delete("),
            ] {
                if call.match_indices(word).any(|(i, _)| {
                    i == 0 || !call[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_')
                }) {
                    found.push((verb.to_string(), path.clone()));
                }
            }
        }
    }
    found
}

async fn every_route_answers_every_role_as_it_should(app: Arc<TestApp>) {
    let fx = prepare(&app).await;
    let routes = table(&fx);
    let in_source = routes_in_source();
    assert!(in_source.len() > 100, "the source scan found the routes");
    let unlisted: Vec<String> = in_source
        .iter()
        .filter(|(verb, path)| !ROUTER.iter().any(|(v, p)| v == verb && p == path))
        .map(|(verb, path)| format!("{verb} {path}"))
        .collect();
    assert!(
        unlisted.is_empty(),
        "routes in src/ that the authorisation table does not know:\n{}",
        unlisted.join("\n")
    );
    let mut uncovered = Vec::new();
    for &(verb, pattern) in ROUTER {
        if !routes
            .iter()
            .any(|r| r.verb.name() == verb && matches_pattern(pattern, &r.path))
        {
            uncovered.push(format!("{verb} {pattern}"));
        }
    }
    assert!(
        uncovered.is_empty(),
        "routes of the router missing from the table:\n{}",
        uncovered.join("\n")
    );

    let callers = callers(&app, &fx).await;
    let mut wrong = Vec::new();
    for route in &routes {
        for caller in &callers {
            let got = send(&app, caller, route, Duration::ZERO).await;
            let expected = route.expected(caller.who);
            if !fits(expected, route.verb, &got) {
                let moved = if got.location.is_empty() {
                    String::new()
                } else {
                    format!(" → {}", got.location)
                };
                wrong.push(format!(
                    "{} {} as {:?}: expected {expected:?}, got {}{moved}: {}",
                    route.verb.name(),
                    route.path,
                    caller.who,
                    got.status,
                    snippet(&got.body)
                ));
            }
            wrong.extend(leaks(caller.who, route, &got));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} answers were wrong:\n{}",
        wrong.len(),
        routes.len() * callers.len(),
        wrong.join("\n")
    );
}

async fn private_words_never_reach_the_wrong_eyes(app: Arc<TestApp>) {
    let fx = prepare(&app).await;
    let callers = callers(&app, &fx).await;

    // First, that the words are there, for those who may read them: else
    // not finding them elsewhere would prove nothing.
    let enc = grassroots::web::forms::url_encode;
    let found_by = [
        (
            Who::Huang,
            get(format!("/r/{}", fx.private), EVERYONE),
            PRIVATE_WORDS,
        ),
        (
            Who::Huang,
            get(format!("/r/{}", fx.legal), EVERYONE),
            LEGAL_WORDS,
        ),
        (
            Who::Zhang,
            get(format!("/r/{}", fx.private), EVERYONE),
            PHONE,
        ),
        (Who::Zhang, get("/queue", EVERYONE), PRIVATE_WORDS),
        (
            Who::Zhang,
            get(format!("/queue?q={}", enc(PRIVATE_SEARCH)), EVERYONE),
            PRIVATE_WORDS,
        ),
        (Who::Secretary, get("/queue.csv", EVERYONE), PRIVATE_WORDS),
        (Who::Sun, get("/my", EVERYONE), DEMO_LEGAL_WORDS),
        (Who::Secretary, get("/admin/accounts", EVERYONE), OUR_MEMBER),
        (Who::Secretary, get("/admin/api-keys", EVERYONE), KEY_NAME),
        (
            Who::Anonymous,
            stream(format!("/screen/{}/events?after=0", fx.screen), EVERYONE),
            PUBLIC_WORDS,
        ),
    ];
    for (who, route, words) in &found_by {
        let got = send(&app, caller(&callers, *who), route, Duration::from_secs(2)).await;
        assert!(
            got.body.contains(*words),
            "{who:?} should find {words} on {} (answered {}): {}",
            route.path,
            got.status,
            snippet(&got.body)
        );
    }

    let mut pages: Vec<Route> = table(&fx)
        .into_iter()
        .filter(|r| !r.verb.writes())
        .collect();
    pages.extend(pages_that_might_leak(&fx));
    let mut leaked = Vec::new();
    for page in &pages {
        for caller in &callers {
            let got = send(&app, caller, page, Duration::from_millis(800)).await;
            if got.status >= 500 {
                leaked.push(format!(
                    "GET {} as {:?} failed with {}",
                    page.path, caller.who, got.status
                ));
            }
            leaked.extend(leaks(caller.who, page, &got));
        }
    }
    assert!(
        leaked.is_empty(),
        "private words reached the wrong eyes:\n{}",
        leaked.join("\n")
    );
}
