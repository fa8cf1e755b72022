//! What every page knows: the language, the signed-in person, the community
//! and the current address.

use std::borrow::Borrow;

use askama::Template;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{Html, IntoResponse, Response};

use crate::auth::{Role, Viewer};
use crate::i18n::Lang;
use crate::web::Community;
use crate::web::{AppError, AppState};

pub struct Ctx {
    pub lang: Lang,
    pub viewer: Option<Viewer>,
    pub community: Community,
    /// Path and query of this page, for the language toggle and sign-in.
    pub here: String,
    /// Unread news for the signed-in person (the bell).
    pub unread: i64,
    /// The person switched on large text (a cookie, so it works signed out).
    pub large_text: bool,
}

/// What the page header shows that only the capabilities know, handed to
/// the kit by the entry.
pub trait Header: Send + Sync + 'static {
    /// News the signed-in person has not read yet (the bell): a column of
    /// a query over the account `a`, read with the session in one query.
    fn unread_sql(&self) -> &'static str;
}

pub const TEXT_COOKIE: &str = "text";

impl FromRequestParts<AppState> for Ctx {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let lang = Lang::from_headers(&parts.headers);
        let (viewer, unread) =
            crate::auth::viewer_with(parts, state, state.header.unread_sql()).await?;
        let community = match &viewer {
            Some(v) => Community::by_id(&state.db, v.community_id).await?,
            None => Community::default_one(&state.db).await?,
        };
        let here = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_else(|| "/".to_string());
        let large_text =
            crate::i18n::cookie_value(&parts.headers, TEXT_COOKIE).as_deref() == Some("large");
        Ok(Ctx {
            lang,
            viewer,
            community,
            here,
            unread,
            large_text,
        })
    }
}

impl Ctx {
    pub fn t(&self, key: impl AsRef<str>) -> String {
        self.lang.t(key.as_ref())
    }

    pub fn t_args(&self, key: &str, args: &[(&'static str, String)]) -> String {
        self.lang.t_args(key, args)
    }

    /// A message with one argument.
    pub fn t1(&self, key: &str, arg: &'static str, value: impl std::fmt::Display) -> String {
        self.lang.t_args(key, &[(arg, value.to_string())])
    }

    pub fn now(&self) -> i64 {
        crate::db::now()
    }

    pub fn pick<'a>(&self, zh: &'a str, en: &'a str) -> &'a str {
        self.lang.pick(zh, en)
    }

    /// The colon between a label and its value: full-width in Chinese.
    pub fn colon(&self) -> &'static str {
        self.lang.pick("：", ": ")
    }

    pub fn lang_code(&self) -> &'static str {
        self.lang.code()
    }

    pub fn community_name(&self) -> &str {
        self.lang
            .pick(&self.community.name_zh, &self.community.name_en)
    }

    /// A time in the community's time zone, e.g. `2026-11-27 14:05`.
    pub fn time(&self, unix: impl Borrow<i64>) -> String {
        self.community.format_time(*unix.borrow())
    }

    /// A time, or a dash when there is none.
    pub fn time_or_dash(&self, unix: impl Borrow<Option<i64>>) -> String {
        unix.borrow()
            .map(|t| self.time(t))
            .unwrap_or_else(|| "—".to_string())
    }

    pub fn signed_in(&self) -> bool {
        self.viewer.is_some()
    }

    pub fn role(&self) -> Option<Role> {
        self.viewer.as_ref().map(Viewer::role)
    }

    pub fn is_resident(&self) -> bool {
        self.role() == Some(Role::Resident)
    }

    pub fn is_staff(&self) -> bool {
        self.role().is_some_and(Role::is_staff)
    }

    pub fn is_admin(&self) -> bool {
        self.role() == Some(Role::Admin)
    }

    pub fn role_is_lead(&self) -> bool {
        self.role() == Some(Role::Lead)
    }

    pub fn is_desk(&self) -> bool {
        matches!(self.role(), Some(Role::Reception | Role::Admin))
    }

    pub fn viewer_name(&self) -> &str {
        self.viewer
            .as_ref()
            .map(|v| v.display_name.as_str())
            .unwrap_or("")
    }

    /// The link that switches to the other language and comes back here.
    pub fn other_lang_href(&self) -> String {
        format!(
            "/lang/{}?back={}",
            self.lang.other().code(),
            crate::web::forms::url_encode(&self.here)
        )
    }

    /// The link that switches large text on or off and comes back here.
    pub fn text_size_href(&self) -> String {
        format!(
            "/text/{}?back={}",
            if self.large_text { "normal" } else { "large" },
            crate::web::forms::url_encode(&self.here)
        )
    }

    pub fn other_lang_label(&self) -> &'static str {
        match self.lang {
            Lang::Zh => "English",
            Lang::En => "中文",
        }
    }

    pub fn signin_href(&self) -> String {
        format!("/signin?next={}", crate::web::forms::url_encode(&self.here))
    }
}

pub fn render<T: Template>(page: &T) -> Result<Response, AppError> {
    Ok(Html(page.render()?).into_response())
}

/// A form's page; with the person's mistakes on it, answered with 422.
pub fn render_form<T: Template>(page: &T, mistakes: bool) -> Result<Response, AppError> {
    let status = if mistakes {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        axum::http::StatusCode::OK
    };
    Ok((status, render(page)?).into_response())
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub lang: Lang,
    pub status: u16,
    pub message: String,
    /// What the person can do now, where there is something to say.
    pub advice: Option<String>,
}
