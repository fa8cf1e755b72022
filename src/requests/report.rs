//! The resident's form: choose what it is about (big choices with icons),
//! then say where and what, with photos; before submitting, open requests
//! of the same kind at the same place are offered to follow instead.

use crate::web::once::SubmissionKey;
use askama::Template;
use axum::Extension;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};

use crate::community::attributes::{self, Attribute};
use crate::community::{Category, Place};
use crate::web::forms::FieldErrors;
use crate::web::{AppError, AppState, Ctx, render, render_form};

use super::intake::{self, Door, Draft, Filed};
use super::model::{Channel, ContactPreference, Kind, Urgency, Visibility};
use super::record::RequestRow;

#[derive(Debug, Default, serde::Deserialize)]
pub struct PlaceQuery {
    #[serde(default)]
    pub place: String,
}

#[derive(Template)]
#[template(path = "report_choose.html")]
struct ChoosePage {
    ctx: Ctx,
    categories: Vec<Category>,
    place: String,
}

pub async fn choose_category(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<PlaceQuery>,
) -> Result<Response, AppError> {
    let categories = Category::list(&state.db, ctx.community.id, true).await?;
    render(&ChoosePage {
        ctx,
        categories,
        place: q.place,
    })
}

#[derive(Template)]
#[template(path = "report_form.html")]
pub struct FormPage {
    pub ctx: Ctx,
    pub category: Option<Category>,
    pub attributes: Vec<Attribute>,
    pub categories: Vec<Category>,
    pub places: Vec<Place>,
    pub homes: Vec<Place>,
    pub draft: Draft,
    pub errors: FieldErrors,
    pub similar: Vec<RequestRow>,
    pub kinds: &'static [Kind],
    pub urgencies: &'static [Urgency],
    pub visibilities: &'static [Visibility],
    pub contacts: &'static [ContactPreference],
}

impl FormPage {
    pub async fn new(
        state: &AppState,
        ctx: Ctx,
        draft: Draft,
        errors: FieldErrors,
        similar: Vec<RequestRow>,
    ) -> Result<FormPage, AppError> {
        let community_id = ctx.community.id;
        let category = Category::by_code(&state.db, community_id, &draft.category).await?;
        let homes = match &ctx.viewer {
            Some(v) => Place::homes_of(&state.db, v.id).await?,
            None => Vec::new(),
        };
        let attributes = match &category {
            Some(c) => attributes::for_category(&state.db, c.id).await?,
            None => Vec::new(),
        };
        Ok(FormPage {
            category,
            attributes,
            categories: Category::list(&state.db, community_id, true).await?,
            places: Place::list(&state.db, community_id).await?,
            homes,
            ctx,
            draft,
            errors,
            similar,
            kinds: Kind::ALL,
            urgencies: &[Urgency::Danger, Urgency::Utilities, Urgency::General],
            visibilities: Visibility::ALL,
            contacts: ContactPreference::offered(
                crate::sms::offered(&state.db, community_id).await?,
            ),
        })
    }

    fn private_category(&self) -> bool {
        self.category.as_ref().is_some_and(|c| c.private_by_nature)
    }

    /// The choice ticked before the resident chooses: private where the
    /// category starts so (a complaint about a neighbour), else public.
    fn default_visibility(&self) -> &'static str {
        if self.category.as_ref().is_some_and(|c| c.private_by_default) {
            Visibility::Private.as_str()
        } else {
            Visibility::Public.as_str()
        }
    }
}

pub async fn form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(category): Path<String>,
    Query(q): Query<PlaceQuery>,
) -> Result<Response, AppError> {
    if Category::by_code(&state.db, ctx.community.id, &category)
        .await?
        .filter(|c| c.active)
        .is_none()
    {
        return Err(AppError::NotFound);
    }
    let mut draft = Draft {
        category,
        place: q.place,
        ..Draft::default()
    };
    if let Some(v) = &ctx.viewer
        && draft.place.is_empty()
        && let Some(home) = Place::homes_of(&state.db, v.id).await?.first()
    {
        draft.place = home.code.clone();
    }
    // The resident's name and phone from their account, to keep or change.
    if let Some(v) = &ctx.viewer
        && !v.is_staff()
    {
        draft.name = v.display_name.clone();
        let phone: Option<Option<String>> = crate::on_db!(&state.db, |pool| sqlx::query_scalar(
            "SELECT phone FROM accounts WHERE id = $1"
        )
        .bind(v.id)
        .fetch_optional(pool)
        .await)?;
        draft.phone = phone.flatten().unwrap_or_default();
    }
    render(&FormPage::new(&state, ctx, draft, FieldErrors::default(), Vec::new()).await?)
}

pub async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    submission: Option<Extension<SubmissionKey>>,
    form: Multipart,
) -> Result<Response, AppError> {
    let mut errors = FieldErrors::default();
    let mut draft = Draft::from_multipart(&state.db, form, &mut errors).await?;
    draft.lang = ctx.lang.code().to_string();
    let door = Door::resident(Channel::Web, ctx.viewer.as_ref())
        .once(submission.map(|Extension(k)| k))
        .offering_similar();
    let created = match intake::file(&state.db, ctx.community.id, &draft, door, &mut errors).await?
    {
        Filed::Created(created) => created,
        Filed::Mistakes => return show_again(&state, ctx, draft, errors, Vec::new()).await,
        Filed::Similar(similar) => return show_again(&state, ctx, draft, errors, similar).await,
    };
    let signed_in = ctx.viewer.is_some();
    let mut response = if signed_in {
        Redirect::to(&format!("/r/{}?new=1", created.tracking_code)).into_response()
    } else {
        // Without an account the secret link is the only key: show it once,
        // and remember it in this browser.
        Redirect::to(&format!(
            "/r/{}?new=1&key={}",
            created.tracking_code, created.secret
        ))
        .into_response()
    };
    if !signed_in {
        let cookie = super::page::key_cookie(
            &created.tracking_code,
            &created.secret,
            state.config.secure_cookies(),
        );
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    Ok(response)
}

async fn show_again(
    state: &AppState,
    ctx: Ctx,
    draft: Draft,
    errors: FieldErrors,
    similar: Vec<RequestRow>,
) -> Result<Response, AppError> {
    let mistakes = !(errors.is_empty());
    let page = FormPage::new(state, ctx, draft, errors, similar).await?;
    render_form(&page, mistakes)
}
