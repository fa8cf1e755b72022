//! The offices' pages: `/district` (every community they look after,
//! ranked, with each street's and the district's figures rolled up), a
//! community's figures read-only, and moving a community between streets.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};

use super::rules::{self, Figures, Office, RankBy};
use super::store::{self, District, Street};
use crate::auth::SignedIn;
use crate::community::Community;
use crate::rates::Ratio;
use crate::requests::record::RequestRow;
use crate::requests::search::{self, QueueFilter};
use crate::web::{AppError, AppState, Ctx, render};

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct DistrictQuery {
    district: String,
    by: String,
}

pub struct Row {
    pub community: Community,
    pub street: Option<Street>,
    pub figures: Figures,
}

pub struct StreetTotal {
    pub street: Street,
    pub figures: Figures,
    pub communities: usize,
}

#[derive(Template)]
#[template(path = "district.html")]
struct DistrictPage {
    ctx: Ctx,
    district: District,
    /// The district's figures, when the person works for the whole district.
    total: Option<Figures>,
    streets: Vec<StreetTotal>,
    /// Every street of the district, for moving a community.
    all_streets: Vec<Street>,
    rows: Vec<Row>,
    by: RankBy,
    may_move: bool,
    other_districts: Vec<District>,
}

/// Figures shown as a page shows them.
pub trait Shown {
    fn pct(&self, r: impl std::borrow::Borrow<Ratio>) -> String {
        r.borrow()
            .percent()
            .map(|p| format!("{p}%"))
            .unwrap_or_else(|| "—".to_string())
    }
    fn counts(&self, r: impl std::borrow::Borrow<Ratio>) -> String {
        let r = r.borrow();
        format!("{} / {}", r.count, r.out_of)
    }
    /// A row's cells after its name: (text, the counts behind it).
    fn cells(&self, f: &Figures) -> Vec<(String, String)> {
        let rate = |r: Ratio| (self.pct(r), self.counts(r));
        vec![
            rate(f.this_month.response),
            rate(f.this_month.resolution),
            rate(f.this_month.satisfaction),
            (f.overdue.to_string(), String::new()),
            (format!("{} / {}", f.ideas_answered, f.ideas), String::new()),
            rate(f.visit_rate()),
        ]
    }
}

impl Shown for DistrictPage {}
impl Shown for CommunityPage {}

impl DistrictPage {
    fn by_href(&self, by: &RankBy) -> String {
        format!(
            "/district?district={}&by={}",
            self.district.code,
            by.as_str()
        )
    }
}

/// The offices someone works in; a page for nobody else exists (404).
async fn offices(state: &AppState, viewer: &crate::auth::Viewer) -> Result<Vec<Office>, AppError> {
    let offices = store::offices_of(&state.db, viewer.id).await?;
    if offices.is_empty() {
        return Err(AppError::NotFound);
    }
    Ok(offices)
}

pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Query(q): Query<DistrictQuery>,
) -> Result<Response, AppError> {
    let db = &state.db;
    let offices = offices(&state, &viewer).await?;
    // Each district once, in the order of the offices (`dedup` alone would
    // keep a district whose offices are not next to each other twice).
    let mut district_ids: Vec<i64> = Vec::new();
    for o in &offices {
        if !district_ids.contains(&o.district_id) {
            district_ids.push(o.district_id);
        }
    }
    let district = if q.district.is_empty() {
        store::district(db, district_ids[0]).await?
    } else {
        match store::district_by_code(db, &q.district).await? {
            Some(d) if district_ids.contains(&d.id) => d,
            _ => return Err(AppError::NotFound),
        }
    };
    let mut other_districts = Vec::new();
    for id in district_ids.iter().filter(|id| **id != district.id) {
        other_districts.push(store::district(db, *id).await?);
    }
    let mine: Vec<Office> = offices
        .into_iter()
        .filter(|o| o.district_id == district.id)
        .collect();
    let whole = mine.iter().any(Office::is_district);
    let all_streets = store::streets_of(db, district.id).await?;
    let figures = store::cached_figures(&state).await?;
    let by = RankBy::parse(&q.by);
    let mut ranked: Vec<(Row, Figures)> = Vec::new();
    for (street_id, community) in store::communities_of(db, district.id).await? {
        let seat = rules::Seat {
            district_id: district.id,
            street_id,
        };
        if !rules::may_see(&mine, Some(seat)) {
            continue;
        }
        let f = figures.get(&community.id).copied().unwrap_or_default();
        let street = all_streets.iter().find(|s| s.id == street_id).cloned();
        ranked.push((
            Row {
                community,
                street,
                figures: f,
            },
            f,
        ));
    }
    rules::rank(&mut ranked, by);
    let rows: Vec<Row> = ranked.into_iter().map(|(row, _)| row).collect();
    let streets = all_streets
        .iter()
        .filter(|s| whole || mine.iter().any(|o| o.street_id == Some(s.id)))
        .map(|s| {
            let theirs: Vec<&Figures> = rows
                .iter()
                .filter(|r| r.street.as_ref().is_some_and(|rs| rs.id == s.id))
                .map(|r| &r.figures)
                .collect();
            StreetTotal {
                street: s.clone(),
                communities: theirs.len(),
                figures: rules::roll_up(theirs),
            }
        })
        .collect();
    let total = whole.then(|| rules::roll_up(rows.iter().map(|r| &r.figures)));
    render(&DistrictPage {
        ctx,
        district,
        total,
        streets,
        all_streets,
        rows,
        by,
        may_move: whole,
        other_districts,
    })
}

#[derive(Template)]
#[template(path = "district_community.html")]
struct CommunityPage {
    ctx: Ctx,
    community: Community,
    district: District,
    street: Street,
    figures: Figures,
    overdue: Vec<RequestRow>,
    /// The person also holds a role there, and may switch to work in it.
    works_there: bool,
}

/// A community the person's office looks after, or 404 (whether or not it
/// exists: its name is not told to those who may not see it).
async fn seen_community(
    state: &AppState,
    viewer: &crate::auth::Viewer,
    code: &str,
) -> Result<(Community, rules::Seat, Vec<Office>), AppError> {
    let offices = offices(state, viewer).await?;
    let Some(community) = Community::by_code(&state.db, code).await? else {
        return Err(AppError::NotFound);
    };
    let seat = store::seat_of(&state.db, community.id).await?;
    match seat {
        Some(seat) if rules::may_see(&offices, Some(seat)) => Ok((community, seat, offices)),
        _ => Err(AppError::NotFound),
    }
}

pub async fn community(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    let db = &state.db;
    let (community, seat, _) = seen_community(&state, &viewer, &code).await?;
    let figures = store::cached_figures(&state).await?;
    let filter = QueueFilter {
        overdue_only: true,
        ..QueueFilter::default()
    };
    let overdue = search::queue(db, community.id, &filter, 50, 0).await?;
    let works_there = super::communities::roles_of(db, viewer.id)
        .await?
        .iter()
        .any(|(c, _)| c.id == community.id);
    render(&CommunityPage {
        ctx,
        figures: figures.get(&community.id).copied().unwrap_or_default(),
        district: store::district(db, seat.district_id).await?,
        street: store::streets_of(db, seat.district_id)
            .await?
            .into_iter()
            .find(|s| s.id == seat.street_id)
            .ok_or(AppError::NotFound)?,
        community,
        overdue,
        works_there,
    })
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct MoveForm {
    street: String,
}

/// `POST /district/communities/{code}/street`: the district's office moves
/// a community under another of its streets.
pub async fn move_community(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(code): Path<String>,
    Form(form): Form<MoveForm>,
) -> Result<Response, AppError> {
    let db = &state.db;
    let (community, seat, offices) = seen_community(&state, &viewer, &code).await?;
    if !offices
        .iter()
        .any(|o| o.is_district() && o.district_id == seat.district_id)
    {
        return Err(AppError::Forbidden);
    }
    let Some(street) = store::street_by_code(db, &form.street).await? else {
        return Err(AppError::BadRequest("district-no-such-street"));
    };
    let to = rules::Seat {
        district_id: street.district_id,
        street_id: street.id,
    };
    if !rules::may_move(&offices, Some(seat), to) {
        return Err(AppError::Forbidden);
    }
    store::move_community(db, community.id, street.id).await?;
    let district = store::district(db, street.district_id).await?;
    Ok(Redirect::to(&format!("/district?district={}", district.code)).into_response())
}
