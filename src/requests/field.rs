//! What staff bring back from the field: photos sent with an update or the
//! solution, shown as "after" beside the resident's "before". The handling
//! form is plain (url-encoded) without photos and multipart with them; both
//! read into the same step.

use axum::extract::{FromRequest, Multipart, Request};
use axum::http::header::CONTENT_TYPE;
use axum::{Form, body::Body};

use super::MAX_PHOTOS;
use super::page::ActForm;
use super::photos::Stage;
use crate::photos::{ProcessedPhoto, process_photo};
use crate::web::AppError;

/// A handler's step as sent, with the photos that go with it.
pub struct StepInput {
    pub form: ActForm,
    pub photos: Vec<ProcessedPhoto>,
    /// Why a photo could not be taken (its message key), if one could not.
    pub photo_problem: Option<&'static str>,
}

/// The stage a step's photos are shown as, or None for a step that takes
/// no photos (a note for staff, taking or assigning, closing one way or
/// another): those have no public message for a photo to go with.
pub fn stage_of(action: &str) -> Option<Stage> {
    match action {
        "resolve" => Some(Stage::After),
        "update" | "respond" | "start" | "ask" | "resume" => Some(Stage::Progress),
        _ => None,
    }
}

/// A multipart form read whole: its text fields, and its photos checked
/// and stripped of their metadata.
pub struct Parts {
    pub fields: Vec<(String, String)>,
    pub photos: Vec<ProcessedPhoto>,
    /// Why a photo could not be taken (its message key), if one could not.
    pub photo_problem: Option<&'static str>,
}

pub async fn read_parts(mut parts: Multipart) -> Result<Parts, AppError> {
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut photos = Vec::new();
    let mut photo_problem = None;
    while let Some(field) = parts
        .next_field()
        .await
        .map_err(|_| AppError::BadRequest("error-bad-input"))?
    {
        let name = field.name().unwrap_or_default().to_string();
        if name != "photo" {
            let value = field
                .text()
                .await
                .map_err(|_| AppError::BadRequest("error-bad-input"))?;
            fields.push((name, value.replace('\0', "")));
            continue;
        }
        let bytes = field.bytes().await.map_err(|_| AppError::TooLarge)?;
        if bytes.is_empty() {
            continue;
        }
        if photos.len() >= MAX_PHOTOS {
            photo_problem = Some("photo-error-too-many");
            continue;
        }
        let processed = tokio::task::spawn_blocking(move || process_photo(&bytes))
            .await
            .map_err(|e| AppError::Internal(e.into()))?;
        match processed {
            Ok(photo) => photos.push(photo),
            Err(e) => photo_problem = Some(e.key()),
        }
    }
    Ok(Parts {
        fields,
        photos,
        photo_problem,
    })
}

impl<S: Send + Sync> FromRequest<S> for StepInput {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        let multipart = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("multipart/form-data"));
        if !multipart {
            let Form(form) = Form::<ActForm>::from_request(req, state)
                .await
                .map_err(|_| AppError::BadRequest("error-bad-input"))?;
            return Ok(StepInput {
                form,
                photos: Vec::new(),
                photo_problem: None,
            });
        }
        let parts = Multipart::from_request(req, state)
            .await
            .map_err(|_| AppError::BadRequest("error-bad-input"))?;
        let Parts {
            fields,
            photos,
            photo_problem,
        } = read_parts(parts).await?;
        // The text fields are read exactly as the plain form reads them.
        let plain = Request::builder()
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .method("POST")
            .body(Body::from(
                form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(fields)
                    .finish(),
            ))
            .map_err(|e| AppError::Internal(e.into()))?;
        let Form(form) = Form::<ActForm>::from_request(plain, state)
            .await
            .map_err(|_| AppError::BadRequest("error-bad-input"))?;
        Ok(StepInput {
            form,
            photos,
            photo_problem,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn photos_go_with_a_public_step_only() {
        assert_eq!(stage_of("resolve"), Some(Stage::After));
        assert_eq!(stage_of("update"), Some(Stage::Progress));
        assert_eq!(stage_of("respond"), Some(Stage::Progress));
        for none in [
            "note",
            "take",
            "assign",
            "reject",
            "refer",
            "duplicate",
            "",
            "x",
        ] {
            assert_eq!(stage_of(none), None, "{none}");
        }
    }
}
