//! Lists of requests: a workgroup's queue, the neighbours' public list, and
//! a resident's own.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};

use crate::auth::SignedIn;
use crate::community::{Category, Member, Membership, Place, Workgroup};
use crate::db::now;
use crate::web::{AppError, AppState, Ctx, render};

use super::inbox::Notice;
use super::model::Status;
use super::record::RequestRow;
use super::search::QueueFilter;
use super::{inbox, record, search};

#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
pub struct QueueQuery {
    /// Words to search for.
    pub q: String,
    pub group: String,
    pub status: String,
    pub category: String,
    pub place: String,
    /// A flat's code: its requests and its household's.
    pub household: String,
    pub overdue: String,
    pub mine: String,
    /// Which page of the list, from 1.
    pub page: String,
}

/// Requests on one page of a queue: enough for a morning's work, small
/// enough to load fast on a phone (300 made 100 KB of HTML, bench/run).
const PAGE_SIZE: i64 = 50;

/// The page asked for, from 1; anything else is the first.
fn page_number(page: &str) -> i64 {
    page.trim()
        .parse::<i64>()
        .ok()
        .filter(|p| (1..=10_000).contains(p))
        .unwrap_or(1)
}

/// This page's address with another page number, every filter kept.
fn page_href(here: &str, page: i64) -> String {
    let query = here.split_once('?').map_or("", |(_, q)| q);
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (key, value) in form_urlencoded::parse(query.as_bytes()).filter(|(k, _)| k != "page") {
        out.append_pair(&key, &value);
    }
    if page > 1 {
        out.append_pair("page", &page.to_string());
    }
    match out.finish() {
        q if q.is_empty() => "/queue".to_string(),
        q => format!("/queue?{q}"),
    }
}

#[derive(Template)]
#[template(path = "queue.html")]
struct QueuePage {
    ctx: Ctx,
    q: QueueQuery,
    requests: Vec<RequestRow>,
    workgroups: Vec<Workgroup>,
    categories: Vec<Category>,
    places: Vec<Place>,
    statuses: &'static [Status],
    now: i64,
    /// The flat whose household's requests these are, if asked.
    household: Option<Place>,
    /// The members a lead can hand the selection to (none: not a lead).
    assignable: Vec<Member>,
    /// The same list as a spreadsheet.
    csv_href: String,
    /// The places in the whole list of the first and last shown, from 1.
    first: i64,
    last: i64,
    previous_href: Option<String>,
    next_href: Option<String>,
}

fn parse_id(s: &str) -> Option<i64> {
    s.trim().parse().ok()
}

/// The flat a household filter names, if it names one; a code that names
/// no flat filters by an id nothing has, so the list is empty rather than
/// every request.
pub async fn household_flat(
    state: &AppState,
    community_id: i64,
    code: &str,
) -> Result<(Option<i64>, Option<Place>), AppError> {
    let code = code.trim();
    if code.is_empty() {
        return Ok((None, None));
    }
    let place = Place::by_code(&state.db, community_id, code)
        .await?
        .filter(|p| p.kind == "unit");
    Ok((Some(place.as_ref().map_or(-1, |p| p.id)), place))
}

/// The queue the viewer may see, filtered as asked.
/// What a queue is filtered by, and what its page shows around the list,
/// read once.
struct Scope {
    filter: QueueFilter,
    workgroups: Vec<Workgroup>,
    memberships: Vec<Membership>,
    household: Option<Place>,
}

async fn queue_filter(
    state: &AppState,
    viewer: &crate::auth::Viewer,
    q: &QueueQuery,
) -> Result<Scope, AppError> {
    viewer.require_staff()?;
    let community_id = viewer.community_id;
    let memberships: Vec<Membership> = Workgroup::of_member(&state.db, viewer.id).await?;
    let sees_all = viewer.role().sees_all_requests();
    let all_groups = Workgroup::list(&state.db, community_id).await?;
    let workgroups: Vec<Workgroup> = if sees_all {
        all_groups
    } else {
        all_groups
            .into_iter()
            .filter(|w| memberships.iter().any(|m| m.workgroup_id == w.id))
            .collect()
    };
    let group = parse_id(&q.group).filter(|id| workgroups.iter().any(|w| w.id == *id));
    let status = Status::parse(&q.status);
    let place_id = match q.place.trim() {
        "" => None,
        code => Some(
            Place::by_code(&state.db, community_id, code)
                .await?
                .map(|p| p.id)
                .unwrap_or(-1),
        ),
    };
    let words = Some(q.q.trim().chars().take(100).collect::<String>()).filter(|w| !w.is_empty());
    let (household, flat) = household_flat(state, community_id, &q.household).await?;
    let filter = QueueFilter {
        workgroup_id: group,
        member_of: if sees_all { None } else { Some(viewer.id) },
        status,
        category_id: parse_id(&q.category),
        place_id,
        household,
        assignee_id: (q.mine == "1").then_some(viewer.id),
        overdue_only: q.overdue == "1",
        // A search, or a household's history, looks through every state
        // unless one is chosen.
        open_only: status.is_none() && words.is_none() && household.is_none(),
        viewer_id: Some(viewer.id),
        words,
    };
    Ok(Scope {
        filter,
        workgroups,
        memberships,
        household: flat,
    })
}

pub async fn queue(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Query(q): Query<QueueQuery>,
) -> Result<Response, AppError> {
    let Scope {
        filter,
        workgroups,
        memberships,
        household,
    } = queue_filter(&state, &viewer, &q).await?;
    let community_id = viewer.community_id;
    let page = page_number(&q.page);
    let offset = (page - 1) * PAGE_SIZE;
    // One more than a page tells whether there is a next.
    let mut requests =
        search::queue(&state.db, community_id, &filter, PAGE_SIZE + 1, offset).await?;
    let more = requests.len() as i64 > PAGE_SIZE;
    requests.truncate(PAGE_SIZE as usize);
    let csv_href = format!(
        "/queue.csv{}",
        ctx.here.find('?').map(|i| &ctx.here[i..]).unwrap_or("")
    );
    let previous_href = (page > 1).then(|| page_href(&ctx.here, page - 1));
    let next_href = more.then(|| page_href(&ctx.here, page + 1));
    let mut assignable: Vec<Member> = Vec::new();
    for m in memberships {
        if m.is_lead {
            for member in Workgroup::members(&state.db, m.workgroup_id).await? {
                if !assignable.iter().any(|a| a.id == member.id) {
                    assignable.push(member);
                }
            }
        }
    }
    render(&QueuePage {
        household,
        assignable,
        categories: Category::list(&state.db, community_id, false).await?,
        places: Place::list(&state.db, community_id).await?,
        ctx,
        q,
        workgroups,
        statuses: Status::ALL,
        now: now(),
        csv_href,
        first: offset + 1,
        last: offset + requests.len() as i64,
        requests,
        previous_href,
        next_href,
    })
}

/// `GET /queue.csv`: the same list as the page, for a spreadsheet. UTF-8
/// with a byte-order mark, so spreadsheet programs show the Chinese.
/// A cell a spreadsheet will not run as a formula: text a resident wrote
/// may start with `=`, `+`, `-` or `@`.
pub fn safe_cell(text: String) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text
    }
}

pub async fn queue_csv(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Query(q): Query<QueueQuery>,
) -> Result<Response, AppError> {
    let filter = queue_filter(&state, &viewer, &q).await?.filter;
    let requests = search::queue(&state.db, viewer.community_id, &filter, 10_000, 0).await?;
    let lang = ctx.lang;
    let mut out = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    let header = [
        "csv-code",
        "csv-filed",
        "csv-category",
        "csv-place",
        "csv-status",
        "csv-team",
        "csv-assignee",
        "csv-response-due",
        "csv-resolution-due",
        "csv-overdue",
        "csv-channel",
        "csv-description",
    ]
    .map(|k| lang.t(k));
    let fail = |e: csv::Error| AppError::Internal(e.into());
    out.write_record(&header).map_err(fail)?;
    let at = now();
    for r in &requests {
        let overdue = if r.is_overdue(at) {
            lang.t("csv-yes")
        } else {
            String::new()
        };
        out.write_record(
            [
                r.tracking_code.clone(),
                ctx.time(r.created_at),
                r.category_name(lang).to_string(),
                r.place_name(lang).to_string(),
                lang.t(&r.status().key()),
                r.workgroup_name(lang).to_string(),
                r.assignee_name.clone().unwrap_or_default(),
                ctx.time(r.response_due_at),
                ctx.time(r.resolution_due_at),
                overdue,
                lang.t(&r.channel().key()),
                r.description.clone(),
            ]
            .map(safe_cell),
        )
        .map_err(fail)?;
    }
    let body = out
        .into_inner()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))?;
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                axum::http::header::CONTENT_DISPOSITION,
                "attachment; filename=\"requests.csv\"",
            ),
        ],
        body,
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "public_list.html")]
struct PublicListPage {
    ctx: Ctx,
    q: PublicQuery,
    requests: Vec<RequestRow>,
    categories: Vec<Category>,
    /// Each building with its open requests, for the filter and the map.
    buildings: Vec<(Place, i64)>,
    states: [search::PublicState; 3],
    map: String,
}

impl PublicListPage {
    /// This list's address with another building, every other choice kept.
    fn with_building(&self, code: &str) -> String {
        let mut out = form_urlencoded::Serializer::new(String::new());
        for (key, value) in [
            ("q", self.q.q.as_str()),
            ("category", self.q.category.as_str()),
            ("state", self.q.state.as_str()),
            ("building", code),
        ] {
            if !value.is_empty() {
                out.append_pair(key, value);
            }
        }
        match out.finish() {
            q if q.is_empty() => "/requests".to_string(),
            q => format!("/requests?{q}"),
        }
    }
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct PublicQuery {
    /// Words to find, or a tracking code.
    q: String,
    /// A category's code.
    category: String,
    /// A building's code.
    building: String,
    /// open (the default), solved or all.
    state: String,
    /// The old way of asking for every state.
    all: String,
}

pub async fn public_list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(mut q): Query<PublicQuery>,
) -> Result<Response, AppError> {
    let community_id = ctx.community.id;
    if q.all == "1" && q.state.is_empty() {
        q.state = "all".into();
    }
    let categories: Vec<Category> = Category::list(&state.db, community_id, true)
        .await?
        .into_iter()
        .filter(|c| !c.private_by_nature)
        .collect();
    let open = search::public_open_by_building(&state.db, community_id).await?;
    let buildings: Vec<(Place, i64)> = Place::list(&state.db, community_id)
        .await?
        .into_iter()
        .filter(|p| p.kind == "building")
        .map(|b| {
            let n = open
                .iter()
                .find(|(id, _)| *id == b.id)
                .map_or(0, |(_, n)| *n);
            (b, n)
        })
        .collect();
    let category_id = match q.category.trim() {
        "" => None,
        code => Some(
            categories
                .iter()
                .find(|c| c.code == code)
                .map_or(-1, |c| c.id),
        ),
    };
    let building_id = match q.building.trim() {
        "" => None,
        code => Some(
            buildings
                .iter()
                .find(|(b, _)| b.code == code)
                .map_or(-1, |(b, _)| b.id),
        ),
    };
    let filter = search::PublicFilter {
        state: search::PublicState::parse(q.state.trim()),
        category_id,
        building_id,
        words: Some(q.q.trim().chars().take(100).collect::<String>()).filter(|w| !w.is_empty()),
    };
    let requests = search::public_search(&state.db, community_id, &filter, 100).await?;
    let lang = ctx.lang;
    let mut page = PublicListPage {
        ctx,
        q,
        requests,
        categories,
        buildings,
        states: search::PublicState::ALL,
        map: String::new(),
    };
    let tiles: Vec<(String, i64, Option<String>)> = page
        .buildings
        .iter()
        .map(|(b, n)| {
            (
                lang.pick(&b.name_zh, &b.name_en).to_string(),
                *n,
                Some(page.with_building(&b.code)),
            )
        })
        .collect();
    page.map = crate::web::chart::building_map_linked(&tiles);
    render(&page)
}

#[derive(Template)]
#[template(path = "my.html")]
struct MyPage {
    ctx: Ctx,
    requests: Vec<RequestRow>,
    notices: Vec<Notice>,
}

pub async fn mine(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
) -> Result<Response, AppError> {
    let requests = record::reported_by(&state.db, viewer.id).await?;
    let notices = inbox::notifications(&state.db, viewer.id).await?;
    inbox::mark_notifications_read(&state.db, viewer.id).await?;
    render(&MyPage {
        ctx,
        requests,
        notices,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_number_that_is_not_one_is_the_first() {
        assert_eq!(page_number(""), 1);
        assert_eq!(page_number("0"), 1);
        assert_eq!(page_number("-3"), 1);
        assert_eq!(page_number("二"), 1);
        assert_eq!(page_number("99999999999999999999"), 1);
        assert_eq!(page_number(" 3 "), 3);
    }

    #[test]
    fn page_links_keep_every_filter_and_replace_the_page() {
        assert_eq!(page_href("/queue", 2), "/queue?page=2");
        assert_eq!(page_href("/queue?page=2", 1), "/queue");
        assert_eq!(
            page_href("/queue?q=%E6%BC%8F%E6%B0%B4&page=3&mine=1", 4),
            "/queue?q=%E6%BC%8F%E6%B0%B4&mine=1&page=4"
        );
        assert_eq!(
            page_href("/queue?q=a+b%26c", 2),
            "/queue?q=a+b%26c&page=2",
            "what was typed survives the round trip"
        );
    }
}
