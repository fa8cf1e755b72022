//! One error type for every handler. It carries a message key; the
//! `render_errors` middleware turns it into a page in the person's language,
//! or a structured JSON error under `/api/`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

#[derive(Debug)]
pub enum AppError {
    NotFound,
    /// Not found, with words for what was looked for (a request's code).
    NotFoundSaying(&'static str),
    Forbidden,
    SignInRequired,
    /// The input is wrong; the key names the message.
    BadRequest(&'static str),
    /// The action does not fit the current state.
    Conflict(&'static str),
    TooLarge,
    /// Over a rate limit; the layer says when to come back.
    TooMany,
    Internal(anyhow::Error),
}

/// What the error middleware needs to render the answer.
#[derive(Debug, Clone)]
pub struct ErrorInfo {
    pub code: &'static str,
    pub key: &'static str,
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound | AppError::NotFoundSaying(_) => StatusCode::NOT_FOUND,
            AppError::Forbidden => StatusCode::FORBIDDEN,
            AppError::SignInRequired => StatusCode::UNAUTHORIZED,
            AppError::BadRequest(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::TooMany => StatusCode::TOO_MANY_REQUESTS,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn info(&self) -> ErrorInfo {
        let (code, key) = match self {
            AppError::NotFound => ("not_found", "error-not-found"),
            AppError::NotFoundSaying(key) => ("not_found", *key),
            AppError::Forbidden => ("forbidden", "error-forbidden"),
            AppError::SignInRequired => ("sign_in_required", "error-sign-in-required"),
            AppError::BadRequest(key) => ("invalid_input", *key),
            AppError::Conflict(key) => ("conflict", *key),
            AppError::TooLarge => ("too_large", "error-too-large"),
            AppError::TooMany => ("too_many", "error-too-many"),
            AppError::Internal(_) => ("internal", "error-internal"),
        };
        ErrorInfo { code, key }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::Internal(e) = &self {
            tracing::error!(error = ?e, "request failed");
        }
        let mut response = self.status().into_response();
        response.extensions_mut().insert(self.info());
        response
    }
}

/// A store's failure, as the person is told of it.
impl From<crate::db::StoreError> for AppError {
    fn from(e: crate::db::StoreError) -> Self {
        use crate::db::StoreError;
        match e {
            StoreError::NotFound => AppError::NotFound,
            StoreError::Conflict(key) => AppError::Conflict(key),
            StoreError::Invalid(key) => AppError::BadRequest(key),
            StoreError::Database(e) => AppError::Internal(e.into()),
            StoreError::Other(e) => AppError::Internal(e),
        }
    }
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        AppError::Internal(e.into())
    }
}

impl From<anyhow::Error> for AppError {
    fn from(e: anyhow::Error) -> Self {
        AppError::Internal(e)
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::Internal(e.into())
    }
}
