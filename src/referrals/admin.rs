//! The secretary's list of outside bodies: a page in the admin pages, and
//! the same through the API (staff read it to refer; the secretary adds).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use utoipa::OpenApi;

use super::{BodyForm, OutsideBody, list};
use crate::api::{CreatedId, ErrorJson, field_errors};
use crate::auth::{Role, SignedIn, Viewer};
use crate::db::{Db, now};
use crate::on_db;
use crate::web::forms::{FieldErrors, optional_text, required_text};
use crate::web::{AppError, AppState, Ctx, render_form};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/outside-bodies", get(page).post(add))
        .route("/admin/outside-bodies/{id}/active", post(set_active))
        .route("/api/v1/outside-bodies", get(list_json).post(add_json))
}

fn secretary(viewer: &Viewer) -> Result<(), AppError> {
    viewer.require(&[Role::Admin])
}

/// Adds a body to the community's list; or the mistakes in the form.
async fn create(
    db: &Db,
    community_id: i64,
    form: &BodyForm,
) -> Result<Result<i64, FieldErrors>, AppError> {
    let mut errors = FieldErrors::default();
    let name_zh = required_text(&mut errors, "name_zh", &form.name_zh, 60);
    let name_en = optional_text(&mut errors, "name_en", &form.name_en, 80);
    let phone = optional_text(&mut errors, "phone", &form.phone, 40);
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let taken = list(db, community_id)
        .await?
        .iter()
        .any(|b| b.name_zh == name_zh);
    if taken {
        errors.add("name_zh", "referral-body-taken");
        return Ok(Err(errors));
    }
    let id = on_db!(db, |pool| sqlx::query_scalar::<_, i64>(
        "INSERT INTO outside_bodies (community_id, name_zh, name_en, phone, created_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id"
    )
    .bind(community_id)
    .bind(&name_zh)
    .bind(&name_en)
    .bind(&phone)
    .bind(now())
    .fetch_one(pool)
    .await)?;
    Ok(Ok(id))
}

#[derive(Template)]
#[template(path = "admin/outside_bodies.html")]
struct BodiesPage {
    ctx: Ctx,
    bodies: Vec<OutsideBody>,
    form: BodyForm,
    errors: FieldErrors,
}

async fn show(
    db: &Db,
    ctx: Ctx,
    form: BodyForm,
    errors: FieldErrors,
) -> Result<Response, AppError> {
    let bodies = list(db, ctx.community.id).await?;
    let mistakes = !errors.is_empty();
    render_form(
        &BodiesPage {
            ctx,
            bodies,
            form,
            errors,
        },
        mistakes,
    )
}

async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
) -> Result<Response, AppError> {
    secretary(&viewer)?;
    show(&state.db, ctx, BodyForm::default(), FieldErrors::default()).await
}

async fn add(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Form(form): Form<BodyForm>,
) -> Result<Response, AppError> {
    secretary(&viewer)?;
    match create(&state.db, viewer.community_id, &form).await? {
        Ok(_) => Ok(Redirect::to("/admin/outside-bodies").into_response()),
        Err(errors) => show(&state.db, ctx, form, errors).await,
    }
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct ActiveForm {
    active: String,
}

/// Takes a body off the list offered when referring, or back on; requests
/// already referred to it keep its name.
async fn set_active(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
    Form(form): Form<ActiveForm>,
) -> Result<Response, AppError> {
    secretary(&viewer)?;
    let community_id = viewer.community_id;
    on_db!(&state.db, |pool| sqlx::query(
        "UPDATE outside_bodies SET active = $1 WHERE id = $2 AND community_id = $3"
    )
    .bind(form.active == "1")
    .bind(id)
    .bind(community_id)
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(Redirect::to("/admin/outside-bodies").into_response())
}

/// The referrals' part of `/api/v1/openapi.json`, merged in by the entry.
#[derive(OpenApi)]
#[openapi(paths(list_json, add_json), components(schemas(OutsideBody, BodyForm)))]
pub struct ReferralsApi;

/// The outside bodies a request can be referred to, those in use first.
/// For staff.
#[utoipa::path(get, path = "/api/v1/outside-bodies",
    responses((status = 200, description = "Done; the answer holds the result", body = Vec<OutsideBody>),
        (status = 403, description = "Signed in, but this is not for your role or community", body = ErrorJson)))]
pub async fn list_json(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
) -> Result<Json<Vec<OutsideBody>>, AppError> {
    viewer.require_staff()?;
    Ok(Json(list(&state.db, viewer.community_id).await?))
}

/// Adds an outside body to the list. For the secretary.
#[utoipa::path(post, path = "/api/v1/outside-bodies", request_body = BodyForm,
    responses((status = 201, description = "Made; the answer says what was made", body = CreatedId),
        (status = 403, description = "Signed in, but this is not for your role or community", body = ErrorJson),
        (status = 422, description = "The input was refused; `error.fields` says what to change", body = ErrorJson)))]
pub async fn add_json(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    headers: HeaderMap,
    Json(form): Json<BodyForm>,
) -> Result<Response, AppError> {
    secretary(&viewer)?;
    Ok(match create(&state.db, viewer.community_id, &form).await? {
        Ok(id) => (StatusCode::CREATED, Json(CreatedId { id })).into_response(),
        Err(errors) => field_errors(&headers, &errors),
    })
}
