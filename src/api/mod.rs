//! The JSON API under `/api/v1/`: every action the pages offer, with
//! session or bearer-token auth, described by `/api/v1/openapi.json`.
//! Handlers are thin: the checks and writes are the same functions the
//! pages call.

mod account;
mod field;
mod requests;

pub use requests::CreatedJson;
mod setup;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use crate::db::now;
use crate::web::forms::FieldErrors;
use crate::web::{AppError, AppState};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/openapi.json", get(openapi))
        .route("/api/v1/tokens", post(create_token))
        .route("/api/v1/register", post(account::register))
        .route("/api/v1/me", get(account::me))
        .route("/api/v1/me/notifications", get(account::notifications))
        .route("/api/v1/me/tokens", get(account::tokens))
        .route("/api/v1/me/tokens/{id}", delete(account::revoke_token))
        .route("/api/v1/me/news", get(account::news).put(account::set_news))
        .route(
            "/api/v1/categories",
            get(requests::categories).post(setup::add_category),
        )
        .route("/api/v1/categories/{code}", put(setup::update_category))
        .route(
            "/api/v1/categories/{code}/templates",
            post(setup::add_template),
        )
        .route(
            "/api/v1/places",
            get(requests::places).post(setup::add_place),
        )
        .route(
            "/api/v1/workgroups",
            get(setup::workgroups).post(setup::add_workgroup),
        )
        .route("/api/v1/workgroups/{code}/members", post(setup::add_member))
        .route(
            "/api/v1/workgroups/{code}/members/{username}",
            delete(setup::remove_member),
        )
        .route(
            "/api/v1/accounts",
            get(setup::accounts).post(setup::add_account),
        )
        .route("/api/v1/accounts/{username}", put(setup::change_account))
        .route("/api/v1/community", put(setup::save_community))
        .route(
            "/api/v1/requests",
            get(requests::list_requests).post(requests::create_request),
        )
        .route("/api/v1/requests/{code}", get(requests::get_request))
        .route("/api/v1/requests/{code}/actions", post(requests::act))
        .route("/api/v1/requests/{code}/photos", post(field::add_photos))
        .route(
            "/api/v1/requests/bulk",
            post(crate::requests::work_orders::bulk_json),
        )
        .route(
            "/api/v1/requests/{code}/appointment",
            post(field::answer_appointment),
        )
        .route("/api/v1/requests/{code}/confirm", post(requests::confirm))
        .route("/api/v1/requests/{code}/reply", post(requests::reply))
        .route("/api/v1/requests/{code}/follow", post(requests::follow))
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Grassroots API",
        description = "Requests from intake to a confirmed, rated resolution, and the estate they belong to."
    ),
    modifiers(&SignedInBy),
    security(("bearer" = []), ("session" = [])),
    paths(
        create_token,
        account::register,
        account::me,
        account::notifications,
        account::tokens,
        account::revoke_token,
        account::news,
        account::set_news,
        requests::categories,
        requests::places,
        requests::list_requests,
        requests::create_request,
        requests::get_request,
        requests::act,
        field::add_photos,
        field::answer_appointment,
        crate::requests::work_orders::bulk_json,
        requests::confirm,
        requests::reply,
        requests::follow,
        crate::requests::recordings::upload,
        setup::save_community,
        setup::add_place,
        setup::workgroups,
        setup::add_workgroup,
        setup::add_member,
        setup::remove_member,
        setup::add_category,
        setup::update_category,
        setup::add_template,
        setup::accounts,
        setup::add_account,
        setup::change_account,
    ),
    components(schemas(
        TokenRequest,
        TokenAnswer,
        ErrorJson,
        ErrorDetailJson,
        FieldErrorJson,
        CreatedId,
        requests::CategoryJson,
        requests::PlaceJson,
        requests::NewRequestJson,
        requests::CreatedJson,
        requests::RequestJson,
        requests::EventJson,
        requests::AnswerJson,
        requests::FieldPhotoJson,
        crate::requests::recordings::StagedJson,
        crate::requests::recordings::AudioBody,
        crate::requests::recordings::RefusedJson,
        field::PhotoUpload,
        field::AppointmentAnswerJson,
        crate::requests::work_orders::BulkJson,
        crate::requests::work_orders::BulkOutcome,
        crate::requests::work_orders::Refused,
        requests::AppointmentJson,
        requests::ActionJson,
        requests::ConfirmJson,
        requests::ReplyJson,
        crate::auth::routes::RegisterForm,
        account::MeJson,
        account::NoticeJson,
        crate::auth::tokens::TokenInfo,
        crate::mail::settings::NewsForm,
        crate::community::setup::CommunityForm,
        crate::community::setup::PlaceForm,
        crate::community::setup::WorkgroupForm,
        crate::community::setup::MemberForm,
        crate::community::setup::CategoryForm,
        crate::community::setup::TemplateForm,
        crate::community::setup::AccountForm,
        setup::AccountChangeJson,
        setup::WorkgroupJson,
        setup::AccountJson,
        setup::NewAccountJson,
    ))
)]
struct ApiDoc;

/// How a caller is signed in: a bearer token from `POST /api/v1/tokens`, or
/// the session cookie a browser holds after signing in on the site.
struct SignedInBy;

impl utoipa::Modify for SignedInBy {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{
            ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme,
        };
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("A token from POST /api/v1/tokens; it ends after 30 days unused, on sign-out everywhere, or when revoked on /account/tokens"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(
                crate::auth::SESSION_COOKIE,
            ))),
        );
    }
}

/// The other capabilities' parts of the OpenAPI document, handed in by the
/// entry: each one's `#[derive(OpenApi)]` document.
#[derive(Clone, Default)]
pub struct Docs(pub Vec<fn() -> utoipa::openapi::OpenApi>);

async fn openapi(State(state): State<AppState>) -> Json<utoipa::openapi::OpenApi> {
    let mut doc = ApiDoc::openapi();
    for part in state
        .part::<Docs>()
        .map(|d| d.0.as_slice())
        .unwrap_or_default()
    {
        doc.merge(part());
    }
    Json(doc)
}

/// The id of what was made.
#[derive(Serialize, ToSchema)]
pub struct CreatedId {
    pub id: i64,
}

/// Answers a check's outcome: the value, or the person's mistakes as 422.
fn checked<T: Serialize>(
    headers: &HeaderMap,
    outcome: Result<T, FieldErrors>,
    status: StatusCode,
) -> Response {
    match outcome {
        Ok(value) => (status, Json(value)).into_response(),
        Err(errors) => field_errors(headers, &errors),
    }
}

/// The error body every endpoint answers with.
#[derive(Serialize, ToSchema)]
pub struct ErrorJson {
    error: ErrorDetailJson,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDetailJson {
    /// A stable snake_case code, e.g. `invalid_input`, `not_found`, `too_many`.
    code: String,
    /// What went wrong, in the language the client asked for.
    message: String,
    /// The fields to change, when the input was wrong.
    #[serde(skip_serializing_if = "Option::is_none")]
    fields: Option<Vec<FieldErrorJson>>,
}

/// The error body for a code and a message (no fields).
/// Errors as the API's `Error` schema, in the person's language.
pub fn error_shape(report: &crate::web::ErrorReport<'_>) -> Response {
    let body = error_json(report.code, report.lang.t(report.key));
    (report.status, Json(body)).into_response()
}

pub fn error_json(code: &str, message: String) -> ErrorJson {
    ErrorJson {
        error: ErrorDetailJson {
            code: code.to_string(),
            message,
            fields: None,
        },
    }
}

#[derive(Serialize, ToSchema)]
pub struct FieldErrorJson {
    field: String,
    message: String,
}

pub fn field_errors(headers: &HeaderMap, errors: &FieldErrors) -> Response {
    let lang = crate::i18n::Lang::from_headers(headers);
    let fields: Vec<FieldErrorJson> = errors
        .iter()
        .map(|(f, k)| FieldErrorJson {
            field: f.to_string(),
            message: lang.t(k),
        })
        .collect();
    let body = ErrorJson {
        error: ErrorDetailJson {
            code: "invalid_input".into(),
            message: lang.t("error-bad-input"),
            fields: Some(fields),
        },
    };
    (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response()
}

#[derive(Deserialize, ToSchema)]
struct TokenRequest {
    username: String,
    password: String,
    /// What the token is for, e.g. "my phone".
    #[serde(default)]
    name: String,
}

#[derive(Serialize, ToSchema)]
struct TokenAnswer {
    /// Send as `Authorization: Bearer TOKEN`.
    token: String,
}

/// Exchanges a username and password for a bearer token.
#[utoipa::path(post, path = "/api/v1/tokens", security(()), request_body = TokenRequest,
    responses((status = 201, description = "Made; the answer says what was made", body = TokenAnswer), (status = 422, description = "The input was refused; `error.fields` says what to change", body = ErrorJson),
        (status = 429, description = "Too many tries; wait the seconds `Retry-After` says", body = ErrorJson)))]
async fn create_token(
    State(state): State<AppState>,
    crate::web::address::ClientAddress(address): crate::web::address::ClientAddress,
    Json(body): Json<TokenRequest>,
) -> Result<Response, AppError> {
    let checked =
        crate::auth::check_password(&state.db, &body.username, &body.password, &address).await?;
    let id = match checked {
        crate::auth::SignIn::Accepted { id, .. } => id,
        crate::auth::SignIn::Wait { until } => {
            let mut refused = AppError::TooMany.into_response();
            let wait = (until - now()).max(1).to_string();
            if let Ok(value) = axum::http::HeaderValue::from_str(&wait) {
                refused
                    .headers_mut()
                    .insert(axum::http::header::RETRY_AFTER, value);
            }
            return Ok(refused);
        }
        crate::auth::SignIn::Wrong => return Err(AppError::BadRequest("signin-wrong")),
    };
    let token = crate::auth::tokens::create(&state.db, id, &body.name).await?;
    Ok((StatusCode::CREATED, Json(TokenAnswer { token })).into_response())
}
