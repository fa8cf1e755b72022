//! Working in several communities: the communities someone holds a role
//! in, choosing the one this session works in, and a secretary setting up
//! the next community under the same street.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};

use crate::auth::{Role, SESSION_COOKIE, SignedIn, token_hash};
use crate::community::{Community, valid_code};
use crate::db::{BeginWrite, Db, StoreError, now};
use crate::on_db;
use crate::web::forms::{FieldErrors, required_text};
use crate::web::{AppError, AppState, Ctx, render, render_form};

/// Every community someone holds a role in, their own first, with the role.
pub async fn roles_of(db: &Db, account_id: i64) -> Result<Vec<(Community, Role)>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        community: Community,
        role: String,
    }
    let rows: Vec<Row> = on_db!(db, |pool| {
        sqlx::query_as::<_, Row>(
        "SELECT c.id, c.code, c.name_zh, c.name_en, c.timezone, c.emergency_numbers, a.role, 0 AS rank \
         FROM accounts a JOIN communities c ON c.id = a.community_id WHERE a.id = $1 \
         UNION ALL \
         SELECT c.id, c.code, c.name_zh, c.name_en, c.timezone, c.emergency_numbers, m.role, 1 AS rank \
         FROM memberships m JOIN communities c ON c.id = m.community_id \
         WHERE m.account_id = $1 AND m.community_id <> (SELECT community_id FROM accounts WHERE id = $1) \
         ORDER BY rank, code"
    )
    .bind(account_id)
    .fetch_all(pool)
    .await
    })?;
    Ok(rows
        .into_iter()
        .filter_map(|r| Some((r.community, Role::parse(&r.role)?)))
        .collect())
}

/// Gives someone a role in a community other than their own.
pub async fn add_membership(
    db: &Db,
    account_id: i64,
    community_id: i64,
    role: Role,
) -> Result<(), StoreError> {
    on_db!(db, |pool| {
        sqlx::query(
        "INSERT INTO memberships (account_id, community_id, role, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (account_id, community_id) DO UPDATE SET role = excluded.role"
    )
    .bind(account_id)
    .bind(community_id)
    .bind(role.as_str())
    .bind(now())
    .execute(pool)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(())
}

#[derive(Template)]
#[template(path = "my_communities.html")]
struct ChoosePage {
    ctx: Ctx,
    roles: Vec<(Community, Role)>,
}

/// `GET /my/communities`: where someone works, and which one now.
pub async fn choose_page(
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    State(state): State<AppState>,
) -> Result<Response, AppError> {
    let roles = roles_of(&state.db, viewer.id).await?;
    render(&ChoosePage { ctx, roles })
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct ChooseForm {
    community: String,
}

/// `POST /my/communities`: this session works in the chosen community,
/// with the role held there. Only a community one holds a role in.
pub async fn choose(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    headers: HeaderMap,
    Form(form): Form<ChooseForm>,
) -> Result<Response, AppError> {
    let db = &state.db;
    let roles = roles_of(db, viewer.id).await?;
    let Some(index) = roles
        .iter()
        .position(|(c, _)| c.code == form.community.trim())
    else {
        return Err(AppError::NotFound);
    };
    // The first is the account's own: the session then has no choice made.
    let chosen = (index > 0).then(|| roles[index].0.id);
    let Some(token) = crate::i18n::cookie_value(&headers, SESSION_COOKIE) else {
        // A bearer token works in its account's own community.
        return Err(AppError::BadRequest("district-choose-needs-session"));
    };
    work_in(db, &token, chosen).await?;
    Ok(Redirect::to("/my").into_response())
}

/// The session (by its cookie's token) works in `community_id`, or in the
/// account's own community when `None`.
async fn work_in(db: &Db, token: &str, community_id: Option<i64>) -> Result<(), StoreError> {
    on_db!(db, |pool| sqlx::query(
        "UPDATE sessions SET community_id = $2 WHERE token_hash = $1"
    )
    .bind(token_hash(token))
    .bind(community_id)
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
pub struct NewCommunityForm {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
}

#[derive(Template)]
#[template(path = "admin/community_new.html")]
struct NewPage {
    ctx: Ctx,
    form: NewCommunityForm,
    errors: FieldErrors,
}

/// `GET /admin/communities/new`: the secretary sets up the next community.
pub async fn new_form(ctx: Ctx, SignedIn(viewer): SignedIn) -> Result<Response, AppError> {
    viewer.require(&[Role::Admin])?;
    render(&NewPage {
        ctx,
        form: NewCommunityForm::default(),
        errors: FieldErrors::default(),
    })
}

/// `POST /admin/communities`: a new community under the same street, in
/// the same time zone, with the secretary as its first administrator; the
/// session then works in it, to set it up.
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    headers: HeaderMap,
    Form(form): Form<NewCommunityForm>,
) -> Result<Response, AppError> {
    viewer.require(&[Role::Admin])?;
    let db = &state.db;
    let mut errors = FieldErrors::default();
    let code = form.code.trim().to_lowercase();
    if !valid_code(&code) {
        errors.add("code", "district-code-invalid");
    } else if Community::by_code(db, &code).await?.is_some() {
        errors.add("code", "district-code-taken");
    }
    let name_zh = required_text(&mut errors, "name_zh", &form.name_zh, 80);
    let name_en = required_text(&mut errors, "name_en", &form.name_en, 80);
    if !errors.is_empty() {
        return render_form(&NewPage { ctx, form, errors }, true);
    }
    let here = &ctx.community;
    let id = on_db!(db, |pool| async {
        let mut tx = pool.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO communities (code, name_zh, name_en, timezone, emergency_numbers, street_id, created_at) \
             SELECT $1, $2, $3, timezone, emergency_numbers, street_id, $5 FROM communities WHERE id = $4 \
             RETURNING id",
        )
        .bind(&code)
        .bind(&name_zh)
        .bind(&name_en)
        .bind(here.id)
        .bind(now())
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO memberships (account_id, community_id, role, created_at) VALUES ($1, $2, 'admin', $3)",
        )
        .bind(viewer.id)
        .bind(id)
        .bind(now())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok::<i64, sqlx::Error>(id)
    }
    .await)
    .map_err(StoreError::from)?;
    crate::db::settings_changed();
    if let Some(token) = crate::i18n::cookie_value(&headers, SESSION_COOKIE) {
        work_in(db, &token, Some(id)).await?;
    }
    Ok(Redirect::to("/admin").into_response())
}
