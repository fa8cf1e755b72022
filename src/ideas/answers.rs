//! The responsible workgroup's public answers to an idea: as stored (every
//! supporter told, the screens too), and the form that gives one.

use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::response::Response;

use super::pages::{AnswerForm, back, find, idea_page, may_answer};
use super::rules;
use super::store::{Idea, detail};
use crate::auth::SignedIn;
use crate::db::{BeginWrite, Db, StoreError, now};
use crate::on_db;
use crate::requests::field::read_parts;
use crate::web::forms::{FieldErrors, optional_text};
use crate::web::{AppError, AppState, Ctx, render_form};

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct Answer {
    pub id: i64,
    pub state: String,
    pub body: String,
    pub planned_for: String,
    pub by_name: String,
    pub created_at: i64,
}

pub async fn answers(db: &Db, idea_id: i64) -> Result<Vec<Answer>, StoreError> {
    Ok(on_db!(db, |pool| {
        sqlx::query_as::<_, Answer>(
        "SELECT x.id, x.state, x.body, x.planned_for, a.display_name AS by_name, x.created_at \
         FROM idea_answers x JOIN accounts a ON a.id = x.by_account WHERE x.idea_id = $1 ORDER BY x.id"
    )
    .bind(idea_id)
    .fetch_all(pool)
    .await
    })?)
}

/// Records a workgroup's public answer, tells the author and every
/// supporter, and puts it on the screens.
pub async fn give(
    db: &Db,
    idea: &Idea,
    by: i64,
    state: &str,
    body: &str,
    planned_for: &str,
    photos: &[crate::photos::ProcessedPhoto],
) -> Result<i64, StoreError> {
    let at = now();
    let payload = serde_json::json!({
        "id": idea.id, "title": idea.title, "state": state, "body": body,
        "state_zh": crate::i18n::Lang::Zh.t(&super::state_key(state)),
        "state_en": crate::i18n::Lang::En.t(&super::state_key(state)),
        "planned_for": planned_for, "supports": idea.supports,
    });
    Ok(on_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            let id = sqlx::query_scalar::<_, i64>(
                "INSERT INTO idea_answers (idea_id, state, body, planned_for, by_account, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(idea.id)
            .bind(state)
            .bind(body)
            .bind(planned_for)
            .bind(by)
            .bind(at)
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query(
                "UPDATE ideas SET state = $1, planned_for = $2, answered_at = $3, \
                 first_answer_at = COALESCE(first_answer_at, $3) WHERE id = $4",
            )
            .bind(state)
            .bind(planned_for)
            .bind(at)
            .bind(idea.id)
            .execute(&mut *tx)
            .await?;
            crate::save_voice_photos!(tx, idea.community_id, "answer", id, photos);
            let key = format!("notify-idea-{}", state.replace('_', "-"));
            sqlx::query(
                "INSERT INTO notifications (account_id, message_key, detail, created_at) \
                 SELECT account_id, $1, $2, $3 FROM idea_supports WHERE idea_id = $4 AND account_id <> $5",
            )
            .bind(&key)
            .bind(detail(idea))
            .bind(at)
            .bind(idea.id)
            .bind(idea.author_id)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO notifications (account_id, message_key, detail, created_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(idea.author_id)
            .bind(&key)
            .bind(detail(idea))
            .bind(at)
            .execute(&mut *tx)
            .await?;
            if idea.moderation == "shown" {
                crate::record_live_event!(tx, idea.community_id, "idea_answered", payload)?;
            }
            tx.commit().await?;
            Ok::<i64, sqlx::Error>(id)
        }
        .await
    })?)
}

/// `POST /ideas/{id}/answers`: the workgroup's public answer, with a photo
/// for work done.
pub async fn answer(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
    request: Request,
) -> Result<Response, AppError> {
    let idea = find(&state, &ctx, id).await?;
    if !may_answer(&state, &idea, &viewer).await? {
        return Err(AppError::Forbidden);
    }
    // The body is read only once the person may answer.
    let multipart = Multipart::from_request(request, &state)
        .await
        .map_err(|_| AppError::BadRequest("error-bad-input"))?;
    let parts = read_parts(multipart).await?;
    let mut form = AnswerForm::default();
    for (name, value) in parts.fields {
        match name.as_str() {
            "state" => form.state = value,
            "body" => form.body = value,
            "planned_for" => form.planned_for = value,
            _ => {}
        }
    }
    let mut errors = FieldErrors::default();
    let body = optional_text(&mut errors, "body", &form.body, rules::ANSWER_MAX);
    let planned_for = form.planned_for.trim().parse::<jiff::civil::Date>().ok();
    if let Some(problem) = parts.photo_problem {
        errors.add("photo", problem);
    } else if !rules::may_answer(&idea.state, &form.state) {
        errors.add("state", "idea-answer-not-now");
    } else if let Err(key) =
        rules::check_answer(&form.state, &body, planned_for, parts.photos.len())
    {
        let field = match key {
            "idea-answer-needs-date" => "planned_for",
            "idea-answer-needs-photo" => "photo",
            _ => "body",
        };
        errors.add(field, key);
    }
    if !errors.is_empty() {
        let page = idea_page(&state, ctx, idea, "", errors, form).await?;
        return render_form(&page, true);
    }
    let planned_for = match (form.state.as_str(), planned_for) {
        ("planned", Some(day)) => day.to_string(),
        _ => String::new(),
    };
    give(
        &state.db,
        &idea,
        viewer.id,
        &form.state,
        &body,
        &planned_for,
        &parts.photos,
    )
    .await?;
    Ok(back(id, "idea-said-answered"))
}
