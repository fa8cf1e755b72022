//! Volunteers' free hours and the appointments made from them: a
//! volunteer offers hours, the resident (or reception) books one for a
//! case the volunteer is assigned to. Booking is one UPDATE that takes the
//! hour only while it is free, so two people booking it at once get it
//! once.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};

use crate::auth::SignedIn;
use crate::db::{Db, StoreError, now};
use crate::on_db;
use crate::web::forms::FieldErrors;
use crate::web::{AppError, AppState, Ctx, render, render_form};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Slot {
    pub id: i64,
    pub volunteer: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub place: String,
    pub case_id: Option<i64>,
}

const SLOT_SELECT: &str = "SELECT s.id, a.display_name AS volunteer, s.starts_at, s.ends_at, s.place, s.case_id \
    FROM legal_slots s JOIN accounts a ON a.id = s.volunteer_id";

async fn slots(db: &Db, filter: &str, bind: i64) -> Result<Vec<Slot>, StoreError> {
    let sql = format!("{SLOT_SELECT} WHERE {filter} ORDER BY s.starts_at, s.id LIMIT 200");
    Ok(on_db!(db, |pool| sqlx::query_as::<_, Slot>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(now())
    .bind(bind)
    .fetch_all(pool)
    .await)?)
}

/// A volunteer's hours still ahead, booked or not.
pub async fn of_volunteer(db: &Db, volunteer: i64) -> Result<Vec<Slot>, StoreError> {
    slots(db, "s.ends_at > $1 AND s.volunteer_id = $2", volunteer).await
}

/// The free hours ahead of the volunteers assigned to a case.
pub async fn free_for_case(db: &Db, case_id: i64) -> Result<Vec<Slot>, StoreError> {
    slots(
        db,
        "s.starts_at > $1 AND s.case_id IS NULL AND s.volunteer_id IN \
         (SELECT account_id FROM legal_case_volunteers WHERE case_id = $2)",
        case_id,
    )
    .await
}

/// A case's appointments, past and ahead.
pub async fn of_case(db: &Db, case_id: i64) -> Result<Vec<Slot>, StoreError> {
    slots(db, "($1 = $1) AND s.case_id = $2", case_id).await
}

/// The appointments ahead in the community, as reception may know them:
/// when, with whom, where; never whose case or what about.
pub async fn booked_ahead(db: &Db, community_id: i64) -> Result<Vec<Slot>, StoreError> {
    slots(
        db,
        "s.ends_at > $1 AND s.community_id = $2 AND s.case_id IS NOT NULL",
        community_id,
    )
    .await
}

/// Books a free hour of one of the case's volunteers, when the case has no
/// appointment ahead already; the volunteer is told.
pub async fn book(db: &Db, slot_id: i64, case_id: i64, by: i64) -> Result<bool, StoreError> {
    let at = now();
    Ok(on_db!(db, |pool| {
        async {
            let mut tx = crate::db::BeginWrite::begin_write(pool).await?;
            let volunteer: Option<i64> = sqlx::query_scalar(
                "UPDATE legal_slots SET case_id = $1, booked_by = $2, booked_at = $3 \
                 WHERE id = $4 AND case_id IS NULL AND starts_at > $3 \
                 AND volunteer_id IN (SELECT account_id FROM legal_case_volunteers WHERE case_id = $1) \
                 AND NOT EXISTS (SELECT 1 FROM legal_slots o WHERE o.case_id = $1 AND o.ends_at > $3) RETURNING volunteer_id",
            )
            .bind(case_id)
            .bind(by)
            .bind(at)
            .bind(slot_id)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(volunteer) = volunteer {
                sqlx::query("INSERT INTO notifications (account_id, message_key, detail, created_at) VALUES ($1, 'notify-legal-booked', $2, $3)")
                    .bind(volunteer)
                    .bind(format!("#{case_id}"))
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok::<bool, sqlx::Error>(volunteer.is_some())
        }
        .await
    })?)
}

pub async fn add(
    db: &Db,
    community_id: i64,
    volunteer: i64,
    starts_at: i64,
    ends_at: i64,
    place: &str,
) -> Result<(), StoreError> {
    // An hour that overlaps one already offered is refused: a volunteer
    // is in one place at a time.
    let added = on_db!(db, |pool| {
        sqlx::query(
            "INSERT INTO legal_slots (community_id, volunteer_id, starts_at, ends_at, place) \
         SELECT $1, $2, $3, $4, $5 WHERE NOT EXISTS \
         (SELECT 1 FROM legal_slots WHERE volunteer_id = $2 AND starts_at < $4 AND ends_at > $3) \
         ON CONFLICT DO NOTHING",
        )
        .bind(community_id)
        .bind(volunteer)
        .bind(starts_at)
        .bind(ends_at)
        .bind(place)
        .execute(pool)
        .await
        .map(|r| r.rows_affected())
    })?;
    if added == 0 {
        return Err(StoreError::Conflict("legal-error-slot-taken"));
    }
    Ok(())
}

/// Takes back a free hour; a booked one stays.
pub async fn remove(db: &Db, slot_id: i64, volunteer: i64) -> Result<bool, StoreError> {
    Ok(on_db!(db, |pool| sqlx::query(
        "DELETE FROM legal_slots WHERE id = $1 AND volunteer_id = $2 AND case_id IS NULL"
    )
    .bind(slot_id)
    .bind(volunteer)
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))?
        == 1)
}

// --- the volunteer's page -------------------------------------------------

#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
pub struct SlotForm {
    /// YYYY-MM-DD
    pub day: String,
    /// HH:MM
    pub time: String,
    pub minutes: String,
    pub place: String,
}

#[derive(Template)]
#[template(path = "legal_slots.html")]
struct SlotsPage {
    ctx: Ctx,
    slots: Vec<Slot>,
    form: SlotForm,
    errors: FieldErrors,
}

async fn require_team(state: &AppState, viewer: &crate::auth::Viewer) -> Result<(), AppError> {
    match crate::library::on_legal_team(&state.db, viewer).await? {
        Some(_) => Ok(()),
        None => Err(AppError::Forbidden),
    }
}

pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
) -> Result<Response, AppError> {
    require_team(&state, &viewer).await?;
    let slots = of_volunteer(&state.db, viewer.id).await?;
    let form = SlotForm {
        minutes: "60".into(),
        time: "09:00".into(),
        ..SlotForm::default()
    };
    render(&SlotsPage {
        ctx,
        slots,
        form,
        errors: FieldErrors::default(),
    })
}

pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Form(form): Form<SlotForm>,
) -> Result<Response, AppError> {
    require_team(&state, &viewer).await?;
    let mut errors = FieldErrors::default();
    let tz = ctx.community.tz();
    let day = crate::rooms::rules::parse_date(form.day.trim());
    let time = crate::rooms::rules::parse_time(form.time.trim());
    let minutes = form
        .minutes
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|m| (15..=240).contains(m));
    if day.is_none() {
        errors.add("day", "legal-error-day");
    }
    if time.is_none() {
        errors.add("time", "legal-error-time");
    }
    if minutes.is_none() {
        errors.add("minutes", "legal-error-minutes");
    }
    let place = crate::web::forms::optional_text(&mut errors, "place", &form.place, 60);
    let starts = match (day, time) {
        (Some(d), Some(t)) => crate::rooms::rules::at_local(&tz, d, t),
        _ => None,
    };
    if starts.is_some_and(|s| s <= ctx.now()) {
        errors.add("day", "legal-error-past");
    }
    if let (true, Some(starts), Some(minutes)) = (errors.is_empty(), starts, minutes) {
        match add(
            &state.db,
            viewer.community_id,
            viewer.id,
            starts,
            starts + minutes * 60,
            &place,
        )
        .await
        {
            Ok(()) => return Ok(Redirect::to("/legal/slots").into_response()),
            Err(StoreError::Conflict(key)) => errors.add("time", key),
            Err(e) => return Err(e.into()),
        }
    }
    let slots = of_volunteer(&state.db, viewer.id).await?;
    render_form(
        &SlotsPage {
            ctx,
            slots,
            form,
            errors,
        },
        true,
    )
}

pub async fn delete(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    require_team(&state, &viewer).await?;
    if !remove(&state.db, id, viewer.id).await? {
        return Err(AppError::Conflict("legal-error-slot-booked"));
    }
    Ok(Redirect::to("/legal/slots").into_response())
}
