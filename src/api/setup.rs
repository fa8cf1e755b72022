//! Setting up the estate through the API, for the administrator: the same
//! checks and writes as the pages.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{CreatedId, ErrorJson, checked};
use crate::auth::{Role, SignedIn, Viewer};
use crate::community::setup::{
    self, AccountForm, CategoryForm, CommunityForm, MemberForm, PlaceForm, TemplateForm,
    WorkgroupForm,
};
use crate::community::{AccountRow, Category, Workgroup};
use crate::web::{AppError, AppState};

fn admin(viewer: &Viewer) -> Result<(), AppError> {
    viewer.require(&[Role::Admin])
}

async fn workgroup_id(state: &AppState, viewer: &Viewer, code: &str) -> Result<i64, AppError> {
    Workgroup::list(&state.db, viewer.community_id)
        .await?
        .into_iter()
        .find(|w| w.code == code)
        .map(|w| w.id)
        .ok_or(AppError::NotFound)
}

/// Renames the community, sets its time zone and emergency numbers.
#[utoipa::path(put, path = "/api/v1/community", request_body = CommunityForm,
    responses((status = 204, description = "Done; nothing to answer"), (status = 422, description = "The input was refused; `error.fields` says what to change", body = ErrorJson), (status = 403, description = "Signed in, but this is not for your role or community", body = ErrorJson)))]
pub async fn save_community(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    headers: HeaderMap,
    Json(form): Json<CommunityForm>,
) -> Result<Response, AppError> {
    admin(&viewer)?;
    Ok(
        match setup::save_community(&state.db, viewer.community_id, &form).await? {
            Ok(()) => StatusCode::NO_CONTENT.into_response(),
            Err(errors) => checked::<()>(&headers, Err(errors), StatusCode::OK),
        },
    )
}

/// Adds a building, a flat or a shared place.
#[utoipa::path(post, path = "/api/v1/places", request_body = PlaceForm,
    responses((status = 201, description = "Made; the answer says what was made", body = CreatedId), (status = 422, description = "The input was refused; `error.fields` says what to change", body = ErrorJson)))]
pub async fn add_place(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    headers: HeaderMap,
    Json(form): Json<PlaceForm>,
) -> Result<Response, AppError> {
    admin(&viewer)?;
    let outcome = setup::add_place(&state.db, viewer.community_id, &form).await?;
    Ok(checked(
        &headers,
        outcome.map(|id| CreatedId { id }),
        StatusCode::CREATED,
    ))
}

#[derive(Serialize, ToSchema)]
pub struct WorkgroupJson {
    id: i64,
    code: String,
    name_zh: String,
    name_en: String,
    /// Usernames; the lead's first.
    members: Vec<String>,
    leads: Vec<String>,
}

/// The workgroups and their members.
#[utoipa::path(get, path = "/api/v1/workgroups", responses((status = 200, description = "Done; the answer holds the result", body = Vec<WorkgroupJson>)))]
pub async fn workgroups(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
) -> Result<Json<Vec<WorkgroupJson>>, AppError> {
    viewer.require_staff()?;
    let mut out = Vec::new();
    for w in Workgroup::list(&state.db, viewer.community_id).await? {
        let members = Workgroup::members(&state.db, w.id).await?;
        out.push(WorkgroupJson {
            leads: members
                .iter()
                .filter(|m| m.is_lead)
                .map(|m| m.username.clone())
                .collect(),
            members: members.into_iter().map(|m| m.username).collect(),
            id: w.id,
            code: w.code,
            name_zh: w.name_zh,
            name_en: w.name_en,
        });
    }
    Ok(Json(out))
}

/// Adds a workgroup.
#[utoipa::path(post, path = "/api/v1/workgroups", request_body = WorkgroupForm,
    responses((status = 201, description = "Made; the answer says what was made", body = CreatedId), (status = 422, description = "The input was refused; `error.fields` says what to change", body = ErrorJson)))]
pub async fn add_workgroup(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    headers: HeaderMap,
    Json(form): Json<WorkgroupForm>,
) -> Result<Response, AppError> {
    admin(&viewer)?;
    let outcome = setup::add_workgroup(&state.db, viewer.community_id, &form).await?;
    Ok(checked(
        &headers,
        outcome.map(|id| CreatedId { id }),
        StatusCode::CREATED,
    ))
}

/// Adds a member to a workgroup (or makes them its lead).
#[utoipa::path(post, path = "/api/v1/workgroups/{code}/members", request_body = MemberForm,
    params(("code" = String, Path, description = "workgroup code")),
    responses((status = 204, description = "Done; nothing to answer"), (status = 422, description = "The input was refused; `error.fields` says what to change", body = ErrorJson)))]
pub async fn add_member(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    headers: HeaderMap,
    Path(code): Path<String>,
    Json(form): Json<MemberForm>,
) -> Result<Response, AppError> {
    admin(&viewer)?;
    let id = workgroup_id(&state, &viewer, &code).await?;
    Ok(
        match setup::add_member(&state.db, viewer.community_id, id, &form).await? {
            Ok(()) => StatusCode::NO_CONTENT.into_response(),
            Err(errors) => checked::<()>(&headers, Err(errors), StatusCode::OK),
        },
    )
}

/// Takes a member out of a workgroup.
#[utoipa::path(delete, path = "/api/v1/workgroups/{code}/members/{username}",
    params(("code" = String, Path, description = "workgroup code"), ("username" = String, Path, description = "member")),
    responses((status = 204, description = "Done; nothing to answer"), (status = 404, description = "No such thing that you may see", body = ErrorJson)))]
pub async fn remove_member(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((code, username)): Path<(String, String)>,
) -> Result<Response, AppError> {
    admin(&viewer)?;
    let id = workgroup_id(&state, &viewer, &code).await?;
    let account = AccountRow::list(&state.db, viewer.community_id)
        .await?
        .into_iter()
        .find(|a| a.username == username)
        .ok_or(AppError::NotFound)?;
    setup::remove_member(&state.db, viewer.community_id, id, account.id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Adds a kind of request, with its workgroup and deadlines.
#[utoipa::path(post, path = "/api/v1/categories", request_body = CategoryForm,
    responses((status = 201, description = "Made; the answer says what was made", body = CreatedId), (status = 422, description = "The input was refused; `error.fields` says what to change", body = ErrorJson)))]
pub async fn add_category(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    headers: HeaderMap,
    Json(form): Json<CategoryForm>,
) -> Result<Response, AppError> {
    admin(&viewer)?;
    let outcome = setup::add_category(&state.db, viewer.community_id, &form).await?;
    Ok(checked(
        &headers,
        outcome.map(|id| CreatedId { id }),
        StatusCode::CREATED,
    ))
}

/// Replaces a category's settings (send them all; `active` false retires it).
#[utoipa::path(put, path = "/api/v1/categories/{code}", request_body = CategoryForm,
    params(("code" = String, Path, description = "category code")),
    responses((status = 204, description = "Done; nothing to answer"), (status = 422, description = "The input was refused; `error.fields` says what to change", body = ErrorJson)))]
pub async fn update_category(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    headers: HeaderMap,
    Path(code): Path<String>,
    Json(form): Json<CategoryForm>,
) -> Result<Response, AppError> {
    admin(&viewer)?;
    let category = Category::by_code(&state.db, viewer.community_id, &code)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(
        match setup::update_category(&state.db, viewer.community_id, category.id, &form).await? {
            Ok(()) => StatusCode::NO_CONTENT.into_response(),
            Err(errors) => checked::<()>(&headers, Err(errors), StatusCode::OK),
        },
    )
}

/// Adds a ready answer to a category.
#[utoipa::path(post, path = "/api/v1/categories/{code}/templates", request_body = TemplateForm,
    params(("code" = String, Path, description = "category code")),
    responses((status = 201, description = "Made; the answer says what was made", body = CreatedId), (status = 422, description = "The input was refused; `error.fields` says what to change", body = ErrorJson)))]
pub async fn add_template(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    headers: HeaderMap,
    Path(code): Path<String>,
    Json(form): Json<TemplateForm>,
) -> Result<Response, AppError> {
    admin(&viewer)?;
    let category = Category::by_code(&state.db, viewer.community_id, &code)
        .await?
        .ok_or(AppError::NotFound)?;
    let outcome = setup::add_template(&state.db, category.id, &form).await?;
    Ok(checked(
        &headers,
        outcome.map(|id| CreatedId { id }),
        StatusCode::CREATED,
    ))
}

#[derive(Serialize, ToSchema)]
pub struct AccountJson {
    id: i64,
    username: String,
    display_name: String,
    role: String,
    active: bool,
}

/// The community's accounts.
#[utoipa::path(get, path = "/api/v1/accounts", responses((status = 200, description = "Done; the answer holds the result", body = Vec<AccountJson>)))]
pub async fn accounts(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
) -> Result<Json<Vec<AccountJson>>, AppError> {
    admin(&viewer)?;
    let list = AccountRow::list(&state.db, viewer.community_id).await?;
    Ok(Json(
        list.into_iter()
            .map(|a| AccountJson {
                id: a.id,
                username: a.username,
                display_name: a.display_name,
                role: a.role,
                active: a.active,
            })
            .collect(),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct NewAccountJson {
    id: i64,
    /// A one-time sign-in link, when no password was given.
    signin_link: Option<String>,
}

/// Adds an account with a role.
#[utoipa::path(post, path = "/api/v1/accounts", request_body = AccountForm,
    responses((status = 201, description = "Made; the answer says what was made", body = NewAccountJson), (status = 422, description = "The input was refused; `error.fields` says what to change", body = ErrorJson)))]
pub async fn add_account(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    headers: HeaderMap,
    Json(form): Json<AccountForm>,
) -> Result<Response, AppError> {
    admin(&viewer)?;
    let outcome = setup::add_account(&state.db, viewer.community_id, &form).await?;
    Ok(checked(
        &headers,
        outcome.map(|(id, signin_link)| NewAccountJson { id, signin_link }),
        StatusCode::CREATED,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct AccountChangeJson {
    role: String,
    active: bool,
}

/// Changes an account's role, or switches it off.
#[utoipa::path(put, path = "/api/v1/accounts/{username}", request_body = AccountChangeJson,
    params(("username" = String, Path, description = "account")),
    responses((status = 204, description = "Done; nothing to answer"), (status = 422, description = "The input was refused; `error.fields` says what to change", body = ErrorJson)))]
pub async fn change_account(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(username): Path<String>,
    Json(body): Json<AccountChangeJson>,
) -> Result<Response, AppError> {
    admin(&viewer)?;
    let account = AccountRow::list(&state.db, viewer.community_id)
        .await?
        .into_iter()
        .find(|a| a.username == username)
        .ok_or(AppError::NotFound)?;
    setup::change_account(
        &state.db,
        viewer.community_id,
        viewer.id,
        account.id,
        &body.role,
        body.active,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
