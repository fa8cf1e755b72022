//! Script payloads stored in every text field people can fill — by the
//! resident, reception, the team, the administrator, a kiosk and an Open311
//! client — are shown as text and never run. Over HTTP every page, feed and
//! API answer of every role carries them escaped (or, in JSON, as string
//! data); in a real headless Chromium no page runs them, opens an alert or
//! grows an element out of them, and the request page shows them as text.
//!
//! The pages' Content-Security-Policy would block an inline script that
//! slipped through, so `window.__pwned` staying unset alone proves little:
//! the browser part also looks for elements made from a payload (a script
//! holding it, an `on…` handler, an `<img src=x>`, a `javascript:` link),
//! which would be there whether or not the policy stopped them running.

use std::sync::Arc;
use std::time::Duration;

use fantoccini::{Client, Locator};
use serde_json::{Value, json};

use crate::on_both_engines;
use crate::support::{Answer, Person, TestApp};

/// Starts the long payload, to find where it is shown.
const MARK: &str = "XSS-42";

/// Every vector at once, for fields of up to 200 characters: out of a
/// textarea, a script, an image that fails, out of an attribute into an
/// SVG, a `javascript:` link, and an event handler for an attribute it
/// might end up in.
const PAYLOAD: &str = "XSS-42</textarea><script>window.__pwned=1</script><img src=x onerror=\"window.__pwned=1\">\"'><svg onload=\"window.__pwned=1\"><a href=\"javascript:window.__pwned=1\">x</a>\" onfocus=\"window.__pwned=1";

/// For fields of up to 80 characters.
const P80: &str = "\"'><script>window.__pwned=1</script><img src=x onerror=window.__pwned=1>";

/// For fields of up to 40 characters.
const P40: &str = "\"'><img src=x onerror=window.__pwned=1>";

/// A category's icon: eight characters at most.
const ICON: &str = "<b>x</b>";

/// The script, as a person reads it where it is shown as text.
const SCRIPT: &str = "<script>window.__pwned=1</script>";

/// What no page or XML feed may ever carry as it was typed.
const RAW: [&str; 6] = [
    "<script>window.__pwned",
    "<img src=x onerror",
    "<svg onload",
    "<a href=\"javascript:",
    "onfocus=\"window.__pwned",
    "<b>x</b>",
];

const DEMO: &str = grassroots::demo::DEMO_PASSWORD;
const MEMBER_PASSWORD: &str = "fix it well 2026";
const NEWCOMER_PASSWORD: &str = "lily pond 2026";

on_both_engines!(stored_payloads_are_shown_as_text_everywhere);

async fn stored_payloads_are_shown_as_text_everywhere(app: Arc<TestApp>) {
    let s = store_everywhere(&app).await;
    check_every_answer(&app, &s).await;
}

/// A browser stores script payloads in every text field (through the same
/// forms) and proves none runs, for every role that sees them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_stored_payload_runs_in_a_real_browser() {
    let Some((browser, app)) = crate::browser::phone_and_app().await else {
        return;
    };
    let s = store_everywhere(&app).await;
    check_every_answer(&app, &s).await;
    let c = &browser.client;

    for path in public_pages(&s) {
        visit(c, &app, "a visitor", &path).await;
    }
    for (lang, username, pages) in [
        ("zh", "huang", resident_pages(&s)),
        ("zh", "zhang", lead_pages(&s)),
        ("zh", "reception", reception_pages(&s)),
        ("zh", "secretary", admin_pages(&s)),
        ("en", "secretary", admin_pages(&s)),
    ] {
        crate::browser::sign_in_as(c, &app, lang, username).await;
        for path in &pages {
            visit(c, &app, &format!("{username} ({lang})"), path).await;
        }
    }
    live_screen(c, &app, &s).await;
    let _ = browser.client.clone().close().await;
}

// --- storing -------------------------------------------------------------------

/// Where the payloads went: what to visit afterwards.
struct Stored {
    /// Huang's lift request, taken through every step to closed and rated.
    lift: String,
    rejected: String,
    referred: String,
    /// Huang's request in the administrator's new category, in progress.
    open: String,
    /// The request of the resident who registered with an invitation.
    newcomer: String,
    /// A phone call entered at reception, answered and rated by phone.
    desk: String,
    /// A walk-in entered at reception, waiting for the caller's answer.
    desk_waiting: String,
    /// The ticket page reception printed for `desk`.
    ticket: String,
    kiosk: String,
    kiosk_phrase: String,
    open311: String,
    lift_category: i64,
    new_category: i64,
    /// The ready answer added to the lift category.
    lift_template: i64,
    problem_open: String,
    problem_fixed: String,
    screen_token: String,
    kiosk_token: String,
}

impl Stored {
    fn codes(&self) -> [&str; 10] {
        [
            self.lift.as_str(),
            self.rejected.as_str(),
            self.referred.as_str(),
            self.open.as_str(),
            self.newcomer.as_str(),
            self.desk.as_str(),
            self.desk_waiting.as_str(),
            self.kiosk.as_str(),
            self.kiosk_phrase.as_str(),
            self.open311.as_str(),
        ]
    }
}

/// Fails unless the post got the answer that means it was saved.
fn stored(what: &str, answer: &Answer, status: u16) {
    assert_eq!(
        answer.status,
        status,
        "{what} was not stored: {}",
        excerpt(&answer.body)
    );
}

async fn act(person: &Person, code: &str, what: &str, fields: &[(&str, &str)]) {
    stored(what, &person.act(code, fields).await, 303);
}

async fn id_of(app: &TestApp, sql: &'static str, value: &str) -> i64 {
    grassroots::on_db!(&app.db, |pool| sqlx::query_scalar::<_, i64>(sql)
        .bind(value)
        .fetch_one(pool)
        .await)
    .unwrap_or_else(|e| panic!("{sql} ({value}): {e}"))
}

async fn token_of(app: &TestApp, sql: &'static str, value: &str) -> String {
    grassroots::on_db!(&app.db, |pool| sqlx::query_scalar::<_, String>(sql)
        .bind(value)
        .fetch_one(pool)
        .await)
    .unwrap_or_else(|e| panic!("{sql} ({value}): {e}"))
}

/// The tracking code on the kiosk's answer page.
fn kiosk_code(answer: &Answer) -> String {
    answer
        .body
        .split("id=\"code\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .map(|c| c.replace(' ', ""))
        .filter(|c| c.len() == 8)
        .unwrap_or_else(|| panic!("no code on the kiosk's answer: {}", excerpt(&answer.body)))
}

/// Stores the payloads in every text field, each through the form (or
/// Open311 call) of the role that fills it in.
async fn store_everywhere(app: &TestApp) -> Stored {
    for (name, text, limit) in [
        ("PAYLOAD", PAYLOAD, 200),
        ("P80", P80, 80),
        ("P40", P40, 40),
        ("ICON", ICON, 8),
    ] {
        assert!(
            text.chars().count() <= limit,
            "{name} must fit fields of {limit} characters"
        );
    }
    assert!(PAYLOAD.starts_with(MARK) && PAYLOAD.contains(SCRIPT));
    let secretary = app.signed_in("secretary").await;
    let zhang = app.signed_in("zhang").await;
    let reception = app.signed_in("reception").await;
    let huang = app.signed_in("huang").await;

    // The administrator: the community, places, a workgroup, an account,
    // a kind of request with its notices, ready answers and questions, an
    // Open311 key, a screen and a kiosk, notices and the calendar.
    let community = secretary
        .post_form(
            "/admin",
            &[
                ("name_zh", P80),
                ("name_en", P80),
                ("timezone", "Asia/Shanghai"),
                ("emergency_numbers", P80),
            ],
        )
        .await;
    stored(
        "the community's names and emergency numbers",
        &community,
        200,
    );
    for fields in [
        [
            ("kind", "building"),
            ("code", "XSS1"),
            ("name_zh", P80),
            ("name_en", P80),
            ("parent", ""),
        ],
        [
            ("kind", "unit"),
            ("code", "XSS1-101"),
            ("name_zh", P80),
            ("name_en", P80),
            ("parent", "XSS1"),
        ],
    ] {
        let place = secretary.post_form("/admin/places", &fields).await;
        stored("a place's names", &place, 303);
    }
    let group = secretary
        .post_form(
            "/admin/workgroups",
            &[("code", "xssgroup"), ("name_zh", P80), ("name_en", P80)],
        )
        .await;
    stored("a workgroup's names", &group, 303);
    let group_id = id_of(app, "SELECT id FROM workgroups WHERE code = $1", "xssgroup").await;
    let property_id = id_of(app, "SELECT id FROM workgroups WHERE code = $1", "property").await;
    let lead = secretary
        .post_form(
            &format!("/admin/workgroups/{group_id}/members"),
            &[("username", "zhang"), ("lead", "1")],
        )
        .await;
    stored("zhang leading the new workgroup", &lead, 303);
    let account = secretary
        .post_form(
            "/admin/accounts",
            &[
                ("username", "xssmember"),
                ("display_name", P40),
                ("role", "member"),
                ("phone", ""),
                ("password", MEMBER_PASSWORD),
                ("home", ""),
            ],
        )
        .await;
    stored("an account's display name", &account, 303);
    let joined = secretary
        .post_form(
            &format!("/admin/workgroups/{property_id}/members"),
            &[("username", "xssmember")],
        )
        .await;
    stored("the new member joining the property team", &joined, 303);
    let member_id = id_of(
        app,
        "SELECT id FROM accounts WHERE username = $1",
        "xssmember",
    )
    .await;

    let group_field = group_id.to_string();
    let category = secretary
        .post_form(
            "/admin/categories",
            &[
                ("code", "xsscat"),
                ("workgroup", group_field.as_str()),
                ("name_zh", P40),
                ("name_en", P40),
                ("icon", ICON),
                ("response_hours", "24"),
                ("resolution_days", "3"),
                ("notice_zh", PAYLOAD),
                ("notice_en", PAYLOAD),
                ("description_zh", PAYLOAD),
                ("description_en", PAYLOAD),
                ("keywords", PAYLOAD),
            ],
        )
        .await;
    stored(
        "a kind of request's names, icon, notices, descriptions and keywords",
        &category,
        303,
    );
    let new_category = id_of(app, "SELECT id FROM categories WHERE code = $1", "xsscat").await;
    let lift_category = id_of(app, "SELECT id FROM categories WHERE code = $1", "lift").await;
    for id in [new_category, lift_category] {
        let template = secretary
            .post_form(
                &format!("/admin/categories/{id}/templates"),
                &[
                    ("status", "responded"),
                    ("text_zh", PAYLOAD),
                    ("text_en", PAYLOAD),
                ],
            )
            .await;
        stored("a ready answer", &template, 303);
    }
    let lift_template = id_of(
        app,
        "SELECT MAX(id) FROM response_templates WHERE text_zh = $1",
        PAYLOAD,
    )
    .await;
    let text_question = secretary
        .post_form(
            &format!("/admin/categories/{lift_category}/attributes"),
            &[
                ("code", "xssnote"),
                ("datatype", "text"),
                ("description_zh", PAYLOAD),
                ("description_en", PAYLOAD),
                ("datatype_description", PAYLOAD),
            ],
        )
        .await;
    stored("an extra question's wording and hint", &text_question, 303);
    let choices = format!("pick | {PAYLOAD} | {PAYLOAD}");
    let list_question = secretary
        .post_form(
            &format!("/admin/categories/{lift_category}/attributes"),
            &[
                ("code", "xsspick"),
                ("datatype", "singlevaluelist"),
                ("description_zh", P80),
                ("description_en", P80),
                ("choices", choices.as_str()),
            ],
        )
        .await;
    stored("a list question's wording and choices", &list_question, 303);

    let key_page = secretary
        .post_form("/admin/api-keys", &[("name", P80)])
        .await;
    stored("an Open311 key's name", &key_page, 200);
    let api_key = key_page
        .body
        .split("<code class=\"secret\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .filter(|k| !k.is_empty())
        .unwrap_or_else(|| panic!("the new key is shown once: {}", excerpt(&key_page.body)))
        .to_string();
    for (kind, language) in [("screen", "both"), ("kiosk", "zh")] {
        let screen = secretary
            .post_form(
                "/admin/screens",
                &[
                    ("name", P40),
                    ("kind", kind),
                    ("place", "XSS1"),
                    ("language", language),
                    ("panels", PAYLOAD),
                ],
            )
            .await;
        stored("a screen's name and panels", &screen, 303);
    }
    let screen_token = token_of(
        app,
        "SELECT token FROM screens WHERE kind = 'screen' AND name = $1",
        P40,
    )
    .await;
    let kiosk_token = token_of(
        app,
        "SELECT token FROM screens WHERE kind = 'kiosk' AND name = $1",
        P40,
    )
    .await;
    for (who, emergency) in [(&secretary, ""), (&secretary, "1"), (&reception, "")] {
        let notice = who
            .post_form(
                "/admin/notices",
                &[
                    ("title_zh", P80),
                    ("title_en", P80),
                    ("body_zh", PAYLOAD),
                    ("body_en", PAYLOAD),
                    ("emergency", emergency),
                ],
            )
            .await;
        stored("a notice's title and body", &notice, 303);
    }
    let holidays = format!("2031-01-01 {P40}");
    let calendar = secretary
        .post_form(
            "/admin/calendar",
            &[
                ("on", ""),
                ("d1", "1"),
                ("d2", "1"),
                ("d3", "1"),
                ("d4", "1"),
                ("d5", "1"),
                ("open", "08:30"),
                ("close", "17:30"),
                ("holidays", holidays.as_str()),
                ("workdays", ""),
            ],
        )
        .await;
    stored("a holiday's name", &calendar, 200);

    // A new resident registers with an invitation from the desk.
    let invitation = reception
        .post_form("/desk/invitations", &[("place", "B5-201")])
        .await;
    stored("an invitation", &invitation, 200);
    let invitation_code = invitation
        .body
        .split("class=\"code-big\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .unwrap_or_else(|| panic!("an invitation code: {}", excerpt(&invitation.body)))
        .to_string();
    let newcomer = app.anonymous();
    let registered = newcomer
        .post_form(
            "/register",
            &[
                ("code", invitation_code.as_str()),
                ("username", "xssnewcomer"),
                ("display_name", P40),
                ("phone", ""),
                ("password", NEWCOMER_PASSWORD),
            ],
        )
        .await;
    stored("a new resident's display name", &registered, 303);
    let newcomer_report = newcomer
        .report(
            &[
                ("category", "clean"),
                ("place", "B5-201"),
                ("description", PAYLOAD),
                ("go_ahead", "1"),
            ],
            &[],
        )
        .await;
    stored("the new resident's description", &newcomer_report, 303);

    // The resident's own form: description, location note, name and the
    // answers to the extra questions.
    let lift = huang
        .report(
            &[
                ("category", "lift"),
                ("place", "B1"),
                ("location_note", PAYLOAD),
                ("description", PAYLOAD),
                ("name", P80),
                ("attribute[xssnote]", PAYLOAD),
                ("attribute[xsspick]", "pick"),
                ("go_ahead", "1"),
            ],
            &[],
        )
        .await;
    stored(
        "a resident's description, location note, name and answers",
        &lift,
        303,
    );
    let lift = lift.code();
    let mut codes = Vec::new();
    for (category, place) in [("clean", "PAVILION"), ("idea", "POND"), ("xsscat", "XSS1")] {
        let report = huang
            .report(
                &[
                    ("category", category),
                    ("place", place),
                    ("location_note", PAYLOAD),
                    ("description", PAYLOAD),
                    ("go_ahead", "1"),
                ],
                &[],
            )
            .await;
        stored("a resident's description", &report, 303);
        codes.push(report.code());
    }
    let [rejected, referred, open]: [String; 3] = codes.try_into().expect("three requests");

    // The team's words, and the resident's answer and rating.
    act(
        &zhang,
        &lift,
        "a first answer and its internal note",
        &[
            ("action", "respond"),
            ("message", PAYLOAD),
            ("note", PAYLOAD),
        ],
    )
    .await;
    act(
        &zhang,
        &lift,
        "a public update",
        &[("action", "update"), ("message", PAYLOAD)],
    )
    .await;
    act(
        &zhang,
        &lift,
        "an internal note",
        &[("action", "note"), ("note", PAYLOAD)],
    )
    .await;
    let member = member_id.to_string();
    act(
        &zhang,
        &lift,
        "handing it to the new member",
        &[("action", "assign"), ("assignee", member.as_str())],
    )
    .await;
    act(
        &zhang,
        &lift,
        "a question for the resident",
        &[("action", "ask"), ("message", PAYLOAD)],
    )
    .await;
    let reply = huang
        .post_form(&format!("/r/{lift}/reply"), &[("message", PAYLOAD)])
        .await;
    stored("the resident's answer", &reply, 303);
    act(
        &zhang,
        &lift,
        "the resolution",
        &[
            ("action", "resolve"),
            ("message", PAYLOAD),
            ("note", PAYLOAD),
        ],
    )
    .await;
    let rating = huang
        .post_form(
            &format!("/r/{lift}/confirm"),
            &[("solved", "yes"), ("rating", "5"), ("comment", PAYLOAD)],
        )
        .await;
    stored("the resident's rating comment", &rating, 303);
    act(
        &zhang,
        &rejected,
        "a rejection and its reason",
        &[
            ("action", "reject"),
            ("reason", PAYLOAD),
            ("message", PAYLOAD),
            ("note", PAYLOAD),
        ],
    )
    .await;
    act(
        &zhang,
        &referred,
        "where it was referred",
        &[("action", "refer"), ("to", PAYLOAD), ("message", PAYLOAD)],
    )
    .await;
    act(
        &zhang,
        &open,
        "a start with a message",
        &[("action", "start"), ("message", PAYLOAD)],
    )
    .await;

    // Reception: a phone call and a walk-in, and what callers say back.
    let call = reception
        .post_form(
            "/desk",
            &[
                ("channel", "phone"),
                ("name", P80),
                ("phone", "13900139000"),
                ("email", ""),
                ("category", "water"),
                ("place", "XSS1-101"),
                ("location_note", PAYLOAD),
                ("description", PAYLOAD),
                ("contact", "phone"),
                ("visibility", "public"),
            ],
        )
        .await;
    stored("a phone call entered at reception", &call, 303);
    let ticket = call.location.clone();
    let desk = call.code();
    act(
        &zhang,
        &desk,
        "a question for a caller",
        &[("action", "ask"), ("message", PAYLOAD)],
    )
    .await;
    let answered = reception
        .post_form(&format!("/desk/callback/{desk}"), &[("answer", PAYLOAD)])
        .await;
    stored("the caller's answer, recorded by reception", &answered, 303);
    act(
        &zhang,
        &desk,
        "the resolution of a call",
        &[("action", "resolve"), ("message", PAYLOAD)],
    )
    .await;
    let verdict = reception
        .post_form(
            &format!("/desk/callback/{desk}"),
            &[("solved", "yes"), ("rating", "5"), ("comment", PAYLOAD)],
        )
        .await;
    stored("the caller's verdict, recorded by reception", &verdict, 303);
    let walk_in = reception
        .post_form(
            "/desk",
            &[
                ("channel", "reception"),
                ("name", P80),
                ("phone", "13900139001"),
                ("category", "light"),
                ("place", "XSS1"),
                ("description", PAYLOAD),
                ("contact", "desk"),
                ("visibility", "public"),
            ],
        )
        .await;
    stored("a walk-in entered at reception", &walk_in, 303);
    let desk_waiting = walk_in.code();
    act(
        &zhang,
        &desk_waiting,
        "a question for a walk-in",
        &[("action", "ask"), ("message", PAYLOAD)],
    )
    .await;

    // The kiosk: typed words, and a tapped phrase.
    let visitor = app.anonymous();
    let typed = visitor
        .post_form(
            &format!("/kiosk/{kiosk_token}"),
            &[
                ("category", "clean"),
                ("place", "XSS1"),
                ("description", PAYLOAD),
                ("phone", ""),
            ],
        )
        .await;
    stored("a description typed at the kiosk", &typed, 200);
    let kiosk = kiosk_code(&typed);
    let tapped = visitor
        .post_form(
            &format!("/kiosk/{kiosk_token}"),
            &[
                ("category", "light"),
                ("place", "FOYER"),
                ("description", ""),
                ("phrase", PAYLOAD),
                ("phone", ""),
            ],
        )
        .await;
    stored("a phrase sent from the kiosk", &tapped, 200);
    let kiosk_phrase = kiosk_code(&tapped);

    // An Open311 client, with the key the administrator made.
    let media = "https://photos.example.cn/\"><script>window.__pwned=1</script>.jpg";
    let filed = app
        .anonymous()
        .post_form(
            "/open311/v2/requests.json",
            &[
                ("api_key", api_key.as_str()),
                ("service_code", "lift"),
                ("address_string", PAYLOAD),
                ("address_id", "B2"),
                ("description", PAYLOAD),
                ("first_name", P40),
                ("last_name", P40),
                ("device_id", PAYLOAD),
                ("account_id", PAYLOAD),
                ("media_url", media),
            ],
        )
        .await;
    stored("an Open311 client's request", &filed, 201);
    let open311 = serde_json::from_str::<Value>(&filed.body)
        .ok()
        .and_then(|v| v[0]["service_request_id"].as_str().map(str::to_string))
        .unwrap_or_else(|| panic!("the new request's id: {}", excerpt(&filed.body)));

    // Problems: a title, a plan, a new plan, and the root cause fixed.
    let problem = zhang
        .post_form(
            "/problems",
            &[("title", P80), ("plan", PAYLOAD), ("codes", lift.as_str())],
        )
        .await;
    stored("a problem's title and plan", &problem, 303);
    let problem_open = problem.location.clone();
    let replanned = zhang
        .post_form(
            &problem_open,
            &[("plan", PAYLOAD), ("codes", desk.as_str())],
        )
        .await;
    stored("a problem's new plan", &replanned, 303);
    let second = zhang
        .post_form(
            "/problems",
            &[("title", P80), ("plan", PAYLOAD), ("codes", open.as_str())],
        )
        .await;
    stored("a second problem", &second, 303);
    let problem_fixed = second.location.clone();
    let fixed = zhang
        .post_form(&format!("{problem_fixed}/fixed"), &[("note", PAYLOAD)])
        .await;
    stored("the root cause, found and fixed", &fixed, 303);

    // The short fields hold exactly what was typed.
    for (sql, value, at_least) in [
        (
            "SELECT COUNT(*) FROM communities WHERE name_zh = $1",
            P80,
            1,
        ),
        ("SELECT COUNT(*) FROM places WHERE name_en = $1", P80, 2),
        ("SELECT COUNT(*) FROM workgroups WHERE name_zh = $1", P80, 1),
        ("SELECT COUNT(*) FROM categories WHERE name_en = $1", P40, 1),
        (
            "SELECT COUNT(*) FROM accounts WHERE display_name = $1",
            P40,
            2,
        ),
        ("SELECT COUNT(*) FROM screens WHERE name = $1", P40, 2),
        ("SELECT COUNT(*) FROM notices WHERE title_en = $1", P80, 3),
        ("SELECT COUNT(*) FROM api_keys WHERE name = $1", P80, 1),
        ("SELECT COUNT(*) FROM calendar_days WHERE note = $1", P40, 1),
        ("SELECT COUNT(*) FROM problems WHERE title = $1", P80, 2),
        (
            "SELECT COUNT(*) FROM requests WHERE reporter_name = $1",
            P80,
            3,
        ),
        (
            "SELECT COUNT(*) FROM requests WHERE description = $1",
            PAYLOAD,
            10,
        ),
    ] {
        let found = id_of(app, sql, value).await;
        assert!(found >= at_least, "{sql}: {found}, expected {at_least}");
    }

    Stored {
        lift,
        rejected,
        referred,
        open,
        newcomer: newcomer_report.code(),
        desk,
        desk_waiting,
        ticket,
        kiosk,
        kiosk_phrase,
        open311,
        lift_category,
        new_category,
        lift_template,
        problem_open,
        problem_fixed,
        screen_token,
        kiosk_token,
    }
}

// --- the pages of each role --------------------------------------------------------

fn owned(paths: &[&str]) -> Vec<String> {
    paths.iter().map(|p| p.to_string()).collect()
}

fn request_pages(s: &Stored) -> Vec<String> {
    s.codes().iter().map(|c| format!("/r/{c}")).collect()
}

fn public_pages(s: &Stored) -> Vec<String> {
    let mut pages = owned(&[
        "/",
        "/report",
        "/report/lift",
        "/report/xsscat",
        "/requests",
        "/requests?all=1",
        "/rates",
        "/signin",
        "/register",
        "/posters/XSS1.svg",
        "/posters/XSS1-101.svg",
    ]);
    pages.push(format!("/screen/{}", s.screen_token));
    pages.push(format!("/kiosk/{}", s.kiosk_token));
    pages.push(format!("/kiosk/{}/lift", s.kiosk_token));
    pages.push(format!("/kiosk/{}/xsscat", s.kiosk_token));
    pages.extend(request_pages(s));
    pages
}

fn resident_pages(s: &Stored) -> Vec<String> {
    let mut pages = owned(&[
        "/my",
        "/report",
        "/report/lift",
        "/report/xsscat",
        "/requests?all=1",
        "/account/news",
        "/account/password",
    ]);
    pages.extend(request_pages(s));
    pages
}

fn lead_pages(s: &Stored) -> Vec<String> {
    let mut pages = owned(&[
        "/queue",
        "/queue?q=__pwned",
        "/my",
        "/dashboard",
        "/dashboard/monthly",
        "/problems",
    ]);
    pages.push(s.problem_open.clone());
    pages.push(s.problem_fixed.clone());
    pages.push(format!("/r/{}?template={}", s.lift, s.lift_template));
    pages.extend(request_pages(s));
    pages
}

fn member_pages(s: &Stored) -> Vec<String> {
    let mut pages = owned(&["/queue", "/queue?mine=1", "/queue?q=__pwned", "/my"]);
    pages.extend(request_pages(s));
    pages
}

fn reception_pages(s: &Stored) -> Vec<String> {
    let mut pages = owned(&[
        "/desk",
        "/queue",
        "/queue?q=__pwned",
        "/my",
        "/admin/notices",
    ]);
    pages.push(s.ticket.clone());
    pages.extend(request_pages(s));
    pages
}

fn admin_pages(s: &Stored) -> Vec<String> {
    let mut pages = owned(&[
        "/admin",
        "/admin/places",
        "/admin/workgroups",
        "/admin/categories",
        "/admin/accounts",
        "/admin/api-keys",
        "/admin/screens",
        "/admin/notices",
        "/admin/calendar",
        "/dashboard",
        "/dashboard/monthly",
        "/problems",
        "/queue",
        "/queue?q=__pwned",
        "/requests?all=1",
        "/my",
    ]);
    pages.push(format!("/admin/categories/{}", s.new_category));
    pages.push(format!("/admin/categories/{}", s.lift_category));
    pages.push(s.problem_open.clone());
    pages.push(s.problem_fixed.clone());
    pages.push(format!("/r/{}?template={}", s.lift, s.lift_template));
    pages.extend(request_pages(s));
    pages
}

fn newcomer_pages(s: &Stored) -> Vec<String> {
    vec!["/my".to_string(), format!("/r/{}", s.newcomer)]
}

/// The Open311 feeds (JSON and XML) and the public figures.
fn feeds(s: &Stored) -> Vec<String> {
    let mut feeds = owned(&[
        "/rates.json",
        "/open311/discovery.json",
        "/open311/v2/services.json",
        "/open311/v2/services.xml",
        "/open311/v2/services/lift.json",
        "/open311/v2/services/lift.xml",
        "/open311/v2/services/xsscat.json",
        "/open311/v2/services/xsscat.xml",
        "/open311/v2/requests.json",
        "/open311/v2/requests.xml",
        "/open311/v2/requests.json?status=closed",
        "/open311/v2/requests.xml?status=closed",
    ]);
    for code in s.codes() {
        for format in ["json", "xml"] {
            feeds.push(format!("/open311/v2/requests/{code}.{format}"));
            feeds.push(format!(
                "/open311/v2/servicerequestupdates.{format}?service_request_id={code}"
            ));
        }
    }
    feeds
}

// --- over HTTP --------------------------------------------------------------------

/// One answer, with what it says it is.
struct Fetched {
    status: u16,
    content_type: String,
    nosniff: bool,
    body: String,
}

fn header_of(response: &reqwest::Response, name: reqwest::header::HeaderName) -> String {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

async fn fetch(request: reqwest::RequestBuilder, what: &str) -> Fetched {
    let response = request
        .send()
        .await
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    let status = response.status().as_u16();
    let content_type = header_of(&response, reqwest::header::CONTENT_TYPE);
    let nosniff = header_of(&response, reqwest::header::X_CONTENT_TYPE_OPTIONS) == "nosniff";
    let body = response.text().await.unwrap_or_default();
    Fetched {
        status,
        content_type,
        nosniff,
        body,
    }
}

fn excerpt(body: &str) -> String {
    body.chars().take(600).collect()
}

/// The text around `needle`, to say where it was found.
fn around(body: &str, needle: &str) -> String {
    let Some(at) = body.find(needle) else {
        return String::new();
    };
    let mut start = at.saturating_sub(200);
    while !body.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = (at + needle.len() + 200).min(body.len());
    while !body.is_char_boundary(end) {
        end += 1;
    }
    body[start..end].to_string()
}

fn no_raw(what: &str, body: &str) {
    for raw in RAW {
        assert!(
            !body.contains(raw),
            "{what} carries {raw:?} as it was typed: …{}…",
            around(body, raw)
        );
    }
}

/// The answer came, and carries the payloads only escaped — or, when it
/// says it is JSON (and forbids sniffing), as string data in valid JSON.
fn assert_clean(what: &str, page: &Fetched, status: u16) {
    assert_eq!(
        page.status,
        status,
        "{what} answered {}: {}",
        page.status,
        excerpt(&page.body)
    );
    assert!(
        page.nosniff,
        "{what} is sent without X-Content-Type-Options: nosniff"
    );
    if page.content_type.starts_with("application/json") {
        if let Err(e) = serde_json::from_str::<Value>(&page.body) {
            panic!(
                "{what} says it is JSON but is not ({e}): {}",
                excerpt(&page.body)
            );
        }
        return;
    }
    no_raw(&format!("{what} ({})", page.content_type), &page.body);
}

/// The start of the long payload, up to its first quote.
fn payload_head() -> &'static str {
    &PAYLOAD[..PAYLOAD.find("<img").expect("the payload has an image")]
}

/// How many times the long payload is shown: escaped as askama writes it
/// (`&#60;`) or as an XML writer does (`&lt;`), or, in JSON, as it is.
fn times_shown(page: &Fetched) -> usize {
    let head = payload_head();
    if page.content_type.starts_with("application/json") {
        return page.body.matches(head).count();
    }
    let html = head.replace('<', "&#60;").replace('>', "&#62;");
    let xml = head.replace('<', "&lt;").replace('>', "&gt;");
    // XML needs only `<` escaped; a writer may leave `>` as it is.
    let minimal = head.replace('<', "&lt;");
    [html, xml, minimal]
        .iter()
        .map(|form| page.body.matches(form.as_str()).count())
        .sum()
}

/// The payload was stored and is shown (escaped), not dropped.
async fn expect_shown(what: &str, request: reqwest::RequestBuilder, at_least: usize) {
    let page = fetch(request, what).await;
    assert_clean(what, &page, 200);
    let times = times_shown(&page);
    assert!(
        times >= at_least,
        "{what} shows the stored text {times} times, expected at least {at_least}: {}",
        excerpt(&page.body)
    );
}

/// A GET with the person's cookies.
fn get(app: &TestApp, person: &Person, path: &str) -> reqwest::RequestBuilder {
    person.http.get(app.url(path))
}

async fn sign_in(app: &TestApp, username: &str, password: &str, lang: &str) -> Person {
    let person = app.client(lang);
    let answer = person
        .post_form("/signin", &[("username", username), ("password", password)])
        .await;
    assert_eq!(
        answer.status,
        303,
        "{username} could not sign in: {}",
        excerpt(&answer.body)
    );
    person
}

async fn check_all(app: &TestApp, person: &Person, who: &str, pages: &[String]) {
    for path in pages {
        let page = fetch(person.http.get(app.url(path)), path).await;
        assert_clean(&format!("{path} for {who}"), &page, 200);
    }
}

fn encoded(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// Every page of every role, in Chinese and English, the feeds and the
/// JSON API; then where the long payload must be seen, and what a page
/// says back about a mistaken form or an odd address.
async fn check_every_answer(app: &TestApp, s: &Stored) {
    for lang in ["zh-CN", "en"] {
        let visitor = app.client(lang);
        check_all(
            app,
            &visitor,
            &format!("a visitor ({lang})"),
            &public_pages(s),
        )
        .await;
        check_all(app, &visitor, &format!("a visitor ({lang})"), &feeds(s)).await;
        for (username, password, pages) in [
            ("huang", DEMO, resident_pages(s)),
            ("xssnewcomer", NEWCOMER_PASSWORD, newcomer_pages(s)),
            ("zhang", DEMO, lead_pages(s)),
            ("xssmember", MEMBER_PASSWORD, member_pages(s)),
            ("reception", DEMO, reception_pages(s)),
            ("secretary", DEMO, admin_pages(s)),
        ] {
            let person = sign_in(app, username, password, lang).await;
            check_all(app, &person, &format!("{username} ({lang})"), &pages).await;
        }
    }

    // The JSON API, with a bearer token as its clients use it.
    let mut api = Vec::new();
    for username in ["huang", "zhang", "secretary"] {
        let mut paths = owned(&[
            "/api/v1/requests",
            "/api/v1/me",
            "/api/v1/me/notifications",
            "/api/v1/categories",
            "/api/v1/places",
        ]);
        if username != "huang" {
            paths.push("/api/v1/workgroups".to_string());
        }
        if username == "secretary" {
            paths.push("/api/v1/accounts".to_string());
        }
        paths.extend(s.codes().iter().map(|c| format!("/api/v1/requests/{c}")));
        let token = app.api_token(username).await;
        for path in &paths {
            let page = fetch(
                reqwest::Client::new()
                    .get(app.url(path))
                    .bearer_auth(&token),
                path,
            )
            .await;
            let what = format!("{path} for {username}'s token");
            assert!(
                page.content_type.starts_with("application/json"),
                "{what} is JSON, not {}",
                page.content_type
            );
            assert_clean(&what, &page, 200);
        }
        api.push((username, token));
    }

    // Where the long payload must be seen, escaped: it was stored, and is
    // shown as text rather than dropped.
    let visitor = app.client("zh-CN");
    let huang = app.signed_in("huang").await;
    let zhang = app.signed_in("zhang").await;
    let secretary = app.signed_in("secretary").await;
    for (what, request, at_least) in [
        (
            "the lift request, for the team",
            get(app, &zhang, &format!("/r/{}", s.lift)),
            10,
        ),
        (
            "the rejected request, for its resident",
            get(app, &huang, &format!("/r/{}", s.rejected)),
            3,
        ),
        (
            "the referred request, for its resident",
            get(app, &huang, &format!("/r/{}", s.referred)),
            3,
        ),
        (
            "the new kind's form, with its notice",
            get(app, &huang, "/report/xsscat"),
            1,
        ),
        (
            "the lift form, with its new questions",
            get(app, &huang, "/report/lift"),
            2,
        ),
        (
            "the new kind, for the administrator",
            get(
                app,
                &secretary,
                &format!("/admin/categories/{}", s.new_category),
            ),
            5,
        ),
        (
            "the lift kind, for the administrator",
            get(
                app,
                &secretary,
                &format!("/admin/categories/{}", s.lift_category),
            ),
            3,
        ),
        (
            "the notices, for the administrator",
            get(app, &secretary, "/admin/notices"),
            3,
        ),
        ("the open problem", get(app, &zhang, &s.problem_open), 1),
        ("the fixed problem", get(app, &zhang, &s.problem_fixed), 2),
        (
            "the Open311 request in XML",
            get(
                app,
                &visitor,
                &format!("/open311/v2/requests/{}.xml", s.open311),
            ),
            1,
        ),
        (
            "the Open311 request in JSON",
            get(
                app,
                &visitor,
                &format!("/open311/v2/requests/{}.json", s.open311),
            ),
            1,
        ),
    ] {
        expect_shown(what, request, at_least).await;
    }
    for (username, token) in &api {
        if *username == "zhang" {
            let request = reqwest::Client::new()
                .get(app.url(&format!("/api/v1/requests/{}", s.lift)))
                .bearer_auth(token);
            expect_shown("the lift request in the JSON API", request, 1).await;
        }
    }

    // What pages say back: an odd address, a mistaken form.
    for (who, path) in [
        (&zhang, format!("/queue?q={}", encoded(P80))),
        (&visitor, format!("/signin?next={}", encoded(PAYLOAD))),
        (&visitor, format!("/register?code={}", encoded(P80))),
    ] {
        let page = fetch(who.http.get(app.url(&path)), &path).await;
        assert_clean(&format!("{path}, said back"), &page, 200);
    }
    let calendar = secretary
        .post_form(
            "/admin/calendar",
            &[
                ("on", ""),
                ("d1", "1"),
                ("open", "08:30"),
                ("close", "17:30"),
                ("holidays", P80),
                ("workdays", ""),
            ],
        )
        .await;
    assert_eq!(calendar.status, 422, "{}", excerpt(&calendar.body));
    no_raw("the calendar naming an unreadable line", &calendar.body);
    let mistaken = huang
        .report(
            &[
                ("category", "lift"),
                ("place", "NOWHERE"),
                ("location_note", PAYLOAD),
                ("description", PAYLOAD),
            ],
            &[],
        )
        .await;
    assert_eq!(mistaken.status, 422, "{}", excerpt(&mistaken.body));
    no_raw("the resident's form shown again", &mistaken.body);
    let similar = huang
        .report(
            &[
                ("category", "xsscat"),
                ("place", "XSS1"),
                ("description", PAYLOAD),
            ],
            &[],
        )
        .await;
    assert_eq!(
        similar.status,
        200,
        "similar open requests are offered: {}",
        excerpt(&similar.body)
    );
    no_raw("the similar requests offered", &similar.body);
}

// --- in the browser -------------------------------------------------------------

/// Elements a payload would have made, had it been taken as markup.
const INJECTED: &str = r#"
const found = [];
for (const e of document.querySelectorAll('*')) {
  const tag = e.tagName.toLowerCase();
  if (tag === 'script' && !e.hasAttribute('src') && e.textContent.includes('__pwned')) {
    found.push(e.outerHTML.slice(0, 160));
  }
  if (tag === 'img' && e.getAttribute('src') === 'x') {
    found.push(e.outerHTML.slice(0, 160));
  }
  for (const a of Array.from(e.attributes)) {
    const link = ['href', 'src', 'action', 'formaction', 'xlink:href'].includes(a.name)
      && a.value.replace(/\s/g, '').toLowerCase().startsWith('javascript:');
    const handler = a.name.startsWith('on') && a.value.includes('__pwned');
    if (link || handler) {
      found.push(e.outerHTML.slice(0, 160));
    }
  }
}
return found;
"#;

/// No alert is open, no payload ran, and none became an element.
async fn nothing_ran(c: &Client, what: &str) {
    if let Ok(text) = c.get_alert_text().await {
        let _ = c.dismiss_alert().await;
        panic!("an alert opened on {what}: {text}");
    }
    let untouched = c
        .execute("return window.__pwned === undefined;", vec![])
        .await
        .unwrap_or_else(|e| panic!("checking {what}: {e}"));
    assert_eq!(untouched, Value::Bool(true), "a payload ran on {what}");
    let found = c
        .execute(INJECTED, vec![])
        .await
        .unwrap_or_else(|e| panic!("looking through {what}: {e}"));
    let found: Vec<String> =
        serde_json::from_value(found.clone()).unwrap_or_else(|_| panic!("{found}"));
    assert!(
        found.is_empty(),
        "{what} holds elements made from a payload: {found:?}"
    );
}

/// Opens a page, checks that nothing ran, and on a request page that the
/// description is there as text a person reads.
async fn visit(c: &Client, app: &TestApp, who: &str, path: &str) {
    c.goto(&app.url(path))
        .await
        .unwrap_or_else(|e| panic!("{who} could not open {path}: {e}"));
    let what = format!("{path} for {who}");
    nothing_ran(c, &what).await;
    if path.starts_with("/r/") {
        let shown = c
            .find(Locator::Css("p.description"))
            .await
            .unwrap_or_else(|e| panic!("no description on {what}: {e}"))
            .text()
            .await
            .unwrap_or_else(|e| panic!("the description on {what}: {e}"));
        assert!(
            shown.contains(MARK) && shown.contains(SCRIPT),
            "{what} shows the description as text: {shown:?}"
        );
    }
}

/// All the text of the first element `css` finds, shown or not (the
/// screen's panels take turns).
async fn text_content(c: &Client, css: &str) -> String {
    c.execute(
        "const e = document.querySelector(arguments[0]); return e ? e.textContent : '';",
        vec![json!(css)],
    )
    .await
    .ok()
    .and_then(|v| v.as_str().map(str::to_string))
    .unwrap_or_default()
}

async fn appears(c: &Client, css: &str) {
    c.wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css} never appeared on the screen: {e}"));
}

/// The screen draws what arrives live with its own script: a new request,
/// its resolution, a notice and an emergency, all carrying payloads.
async fn live_screen(c: &Client, app: &TestApp, s: &Stored) {
    c.delete_all_cookies()
        .await
        .expect("forget the last person");
    c.goto(&app.url(&format!("/screen/{}", s.screen_token)))
        .await
        .expect("the screen");
    appears(c, "body.live").await;

    let typed = app
        .anonymous()
        .post_form(
            &format!("/kiosk/{}", s.kiosk_token),
            &[
                ("category", "clean"),
                ("place", "XSS1"),
                ("description", PAYLOAD),
                ("phone", ""),
            ],
        )
        .await;
    stored("a description typed at the kiosk", &typed, 200);
    let code = kiosk_code(&typed);
    let fresh = format!("#new-list [data-code='{code}']");
    appears(c, &fresh).await;
    let text = text_content(c, &fresh).await;
    assert!(text.contains(SCRIPT), "the new request, as text: {text:?}");
    nothing_ran(c, "the screen with a new request").await;

    let zhang = app.signed_in("zhang").await;
    act(
        &zhang,
        &code,
        "a resolution shown live",
        &[("action", "resolve"), ("message", PAYLOAD)],
    )
    .await;
    let done = format!("#done-list [data-code='{code}']");
    appears(c, &done).await;
    let text = text_content(c, &done).await;
    assert!(
        text.matches(SCRIPT).count() >= 2,
        "the description and the answer, as text: {text:?}"
    );
    nothing_ran(c, "the screen with a resolution").await;

    let secretary = app.signed_in("secretary").await;
    for (emergency, list) in [("", "#notice-list"), ("1", "#emergency")] {
        let notice = secretary
            .post_form(
                "/admin/notices",
                &[
                    ("title_zh", P80),
                    ("title_en", P80),
                    ("body_zh", PAYLOAD),
                    ("body_en", PAYLOAD),
                    ("emergency", emergency),
                ],
            )
            .await;
        stored("a notice shown live", &notice, 303);
        let id = id_of(app, "SELECT MAX(id) FROM notices WHERE title_zh = $1", P80).await;
        let item = format!("{list} [data-notice='{id}']");
        appears(c, &item).await;
        let text = text_content(c, &item).await;
        assert!(
            text.contains(SCRIPT),
            "the notice's title, as text: {text:?}"
        );
        nothing_ran(c, &format!("the screen with notice {id}")).await;
    }
}
