//! Notices to the community: shown on the screens; an emergency (a water
//! cut, a storm, a missing person) takes over every screen until it is
//! withdrawn.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};

use crate::auth::{Role, SignedIn};
use crate::db::{Db, now};
use crate::on_db;
use crate::web::forms::{FieldErrors, optional_text, required_text};
use crate::web::{AppError, AppState, Ctx, render, render_form};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/notices", get(list).post(add))
        .route("/admin/notices/{id}/withdraw", post(withdraw))
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct Notice {
    pub id: i64,
    pub title_zh: String,
    pub title_en: String,
    pub body_zh: String,
    pub body_en: String,
    pub emergency: bool,
    pub created_at: i64,
    pub withdrawn_at: Option<i64>,
}

impl Notice {
    /// Notices not withdrawn, emergencies first, newest first.
    pub async fn current(db: &Db, community_id: i64) -> Result<Vec<Notice>, AppError> {
        Ok(on_db!(db, |pool| {
            sqlx::query_as::<_, Notice>(
            "SELECT id, title_zh, title_en, body_zh, body_en, emergency, created_at, withdrawn_at FROM notices \
             WHERE community_id = $1 AND withdrawn_at IS NULL ORDER BY emergency DESC, id DESC LIMIT 20"
        )
        .bind(community_id)
        .fetch_all(pool)
        .await
        })?)
    }

    pub async fn recent(db: &Db, community_id: i64) -> Result<Vec<Notice>, AppError> {
        Ok(on_db!(db, |pool| {
            sqlx::query_as::<_, Notice>(
            "SELECT id, title_zh, title_en, body_zh, body_en, emergency, created_at, withdrawn_at FROM notices \
             WHERE community_id = $1 ORDER BY id DESC LIMIT 50"
        )
        .bind(community_id)
        .fetch_all(pool)
        .await
        })?)
    }

    fn payload(&self) -> serde_json::Value {
        serde_json::json!({
            "id": self.id, "emergency": self.emergency,
            "title_zh": self.title_zh, "title_en": self.title_en,
            "body_zh": self.body_zh, "body_en": self.body_en,
        })
    }
}

#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
pub struct NoticeForm {
    pub title_zh: String,
    pub title_en: String,
    pub body_zh: String,
    pub body_en: String,
    pub emergency: String,
}

/// Posts a notice; screens show it at once.
pub async fn post_notice(
    db: &Db,
    community_id: i64,
    by: i64,
    form: &NoticeForm,
) -> Result<Result<i64, FieldErrors>, AppError> {
    let mut errors = FieldErrors::default();
    let title_zh = required_text(&mut errors, "title_zh", &form.title_zh, 80);
    let title_en = optional_text(&mut errors, "title_en", &form.title_en, 120);
    let body_zh = optional_text(&mut errors, "body_zh", &form.body_zh, 600);
    let body_en = optional_text(&mut errors, "body_en", &form.body_en, 900);
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let emergency = form.emergency == "1";
    let at = now();
    let id = on_db!(db, |pool| {
        sqlx::query_scalar::<_, i64>(
        "INSERT INTO notices (community_id, title_zh, title_en, body_zh, body_en, emergency, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id"
    )
    .bind(community_id)
    .bind(&title_zh)
    .bind(&title_en)
    .bind(&body_zh)
    .bind(&body_en)
    .bind(emergency)
    .bind(by)
    .bind(at)
    .fetch_one(pool)
    .await
    })?;
    let notice = Notice {
        id,
        title_zh,
        title_en,
        body_zh,
        body_en,
        emergency,
        created_at: at,
        withdrawn_at: None,
    };
    crate::live::record(db, community_id, "notice", &notice.payload()).await?;
    Ok(Ok(id))
}

pub async fn withdraw_notice(db: &Db, community_id: i64, id: i64) -> Result<(), AppError> {
    let changed = on_db!(db, |pool| {
        sqlx::query(
        "UPDATE notices SET withdrawn_at = $1 WHERE id = $2 AND community_id = $3 AND withdrawn_at IS NULL"
    )
    .bind(now())
    .bind(id)
    .bind(community_id)
    .execute(pool)
    .await
    .map(|r| r.rows_affected())
    })?;
    if changed == 1 {
        crate::live::record(
            db,
            community_id,
            "notice_withdrawn",
            &serde_json::json!({ "id": id }),
        )
        .await?;
    }
    Ok(())
}

#[derive(Template)]
#[template(path = "admin/notices.html")]
struct NoticesPage {
    ctx: Ctx,
    notices: Vec<Notice>,
    form: NoticeForm,
    errors: FieldErrors,
}

async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
) -> Result<Response, AppError> {
    viewer.require(&[Role::Admin, Role::Reception])?;
    let notices = Notice::recent(&state.db, viewer.community_id).await?;
    render(&NoticesPage {
        ctx,
        notices,
        form: NoticeForm::default(),
        errors: FieldErrors::default(),
    })
}

async fn add(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Form(form): Form<NoticeForm>,
) -> Result<Response, AppError> {
    viewer.require(&[Role::Admin, Role::Reception])?;
    // Only the secretary may take over every screen.
    if form.emergency == "1" {
        viewer.require(&[Role::Admin])?;
    }
    match post_notice(&state.db, viewer.community_id, viewer.id, &form).await? {
        Ok(_) => Ok(Redirect::to("/admin/notices").into_response()),
        Err(errors) => {
            let notices = Notice::recent(&state.db, viewer.community_id).await?;
            render_form(
                &NoticesPage {
                    ctx,
                    notices,
                    form,
                    errors,
                },
                true,
            )
        }
    }
}

async fn withdraw(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    viewer.require(&[Role::Admin, Role::Reception])?;
    withdraw_notice(&state.db, viewer.community_id, id).await?;
    Ok(Redirect::to("/admin/notices").into_response())
}
