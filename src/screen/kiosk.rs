//! The kiosk: a touch screen in the foyer where a resident files a request
//! in a few taps, with no account. After a minute idle it starts over.

use crate::web::once::SubmissionKey;
use askama::Template;
use axum::Extension;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::Screen;
use super::qr::qr_svg;
use crate::community::{Category, Community, Place};
use crate::db::now;
use crate::i18n::Lang;
use crate::on_db;
use crate::requests::intake::{self, ClientDetails, Door, Draft, Filed};
use crate::requests::model::Channel;
use crate::requests::record;
use crate::web::forms::FieldErrors;
use crate::web::{AppError, AppState, base_url, render, render_form};

/// Requests one kiosk may take in ten minutes: enough for a queue of
/// neighbours, too few for one person to flood the workgroups.
pub const KIOSK_LIMIT_PER_10_MIN: i64 = 12;

/// Words a resident can tap instead of typing, where the category has
/// none of its own.
pub const PHRASES: [(&str, &str); 6] = [
    ("坏了，需要修理。", "It is broken and needs repair."),
    (
        "很危险，请尽快来看看。",
        "It is dangerous, please come soon.",
    ),
    ("很脏，需要打扫。", "It is dirty and needs cleaning."),
    ("太吵了，影响休息。", "It is too noisy to rest."),
    ("我需要有人帮忙。", "I need someone to help me."),
    ("我有一个建议。", "I have an idea."),
];

/// The ready sentences for `category` in `lang`: the category's own (its
/// English line where there is one, else its Chinese), or the general ones.
pub fn phrases(category: &Category, lang: Lang) -> Vec<String> {
    let lines = |text: &'_ str| -> Vec<String> {
        text.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect()
    };
    let zh = lines(&category.kiosk_phrases_zh);
    if zh.is_empty() {
        return PHRASES
            .iter()
            .map(|(zh, en)| lang.pick(zh, en).to_string())
            .collect();
    }
    let en = lines(&category.kiosk_phrases_en);
    zh.iter()
        .enumerate()
        .map(|(i, zh)| lang.pick(zh, en.get(i).unwrap_or(zh)).to_string())
        .collect()
}

/// The place chosen at the kiosk: "none" means no particular place; nothing
/// chosen is asked again.
const NO_PLACE: &str = "none";

pub(crate) async fn kiosk(state: &AppState, token: &str) -> Result<Screen, AppError> {
    Screen::by_token(&state.db, token, "kiosk")
        .await?
        .ok_or(AppError::NotFound)
}

#[derive(Template)]
#[template(path = "kiosk_start.html")]
struct StartPage {
    lang: Lang,
    community: Community,
    kiosk: Screen,
    categories: Vec<Category>,
}

pub async fn start(
    State(state): State<AppState>,
    lang: Lang,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let kiosk = kiosk(&state, &token).await?;
    let categories = Category::list(&state.db, kiosk.community_id, true).await?;
    let community = Community::by_id(&state.db, kiosk.community_id).await?;
    render(&StartPage {
        lang,
        community,
        kiosk,
        categories,
    })
}

#[derive(Template)]
#[template(path = "kiosk_describe.html")]
struct DescribePage {
    lang: Lang,
    kiosk: Screen,
    category: Category,
    places: Vec<Place>,
    draft: Draft,
    errors: FieldErrors,
    phrases: Vec<String>,
    problem: &'static str,
}

impl DescribePage {
    /// The kiosk's own place, offered first as "here".
    fn here(&self) -> Option<&Place> {
        let code = self.kiosk.place_code.as_deref()?;
        self.places.iter().find(|p| p.code == code)
    }

    /// Buildings and shared places, not single flats, the kiosk's own
    /// place left out (it is offered first).
    fn elsewhere(&self) -> impl Iterator<Item = &Place> {
        self.places.iter().filter(|p| {
            p.kind != "unit" && Some(p.code.as_str()) != self.kiosk.place_code.as_deref()
        })
    }

    fn chosen(&self, code: &str) -> bool {
        self.draft.place == code
    }
}

pub async fn describe(
    State(state): State<AppState>,
    lang: Lang,
    Path((token, code)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let kiosk = kiosk(&state, &token).await?;
    let category = Category::by_code(&state.db, kiosk.community_id, &code)
        .await?
        .filter(|c| c.active)
        .ok_or(AppError::NotFound)?;
    let draft = Draft {
        category: category.code.clone(),
        ..Draft::default()
    };
    let places = Place::list(&state.db, kiosk.community_id).await?;
    render(&DescribePage {
        lang,
        kiosk,
        phrases: phrases(&category, lang),
        category,
        places,
        draft,
        errors: FieldErrors::default(),
        problem: "",
    })
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct KioskForm {
    category: String,
    place: String,
    description: String,
    /// A tapped phrase, used when nothing was typed.
    phrase: String,
    phone: String,
    /// A voice message the page recorded and staged.
    voice: String,
}

#[derive(Template)]
#[template(path = "kiosk_done.html")]
struct DonePage {
    lang: Lang,
    kiosk: Screen,
    code: String,
    qr: String,
}

pub async fn submit(
    State(state): State<AppState>,
    lang: Lang,
    Path(token): Path<String>,
    headers: HeaderMap,
    submission: Option<Extension<SubmissionKey>>,
    Form(form): Form<KioskForm>,
) -> Result<Response, AppError> {
    let kiosk = kiosk(&state, &token).await?;
    let category = Category::by_code(&state.db, kiosk.community_id, &form.category)
        .await?
        .filter(|c| c.active)
        .ok_or(AppError::NotFound)?;
    let description = if form.description.trim().is_empty() {
        form.phrase.clone()
    } else {
        form.description.clone()
    };
    let device = format!("kiosk-{}", kiosk.id);
    let draft = Draft {
        category: category.code.clone(),
        place: form.place.clone(),
        description,
        phone: form.phone.clone(),
        contact: if form.phone.trim().is_empty() {
            "desk".into()
        } else {
            "phone".into()
        },
        visibility: String::new(),
        voice: form.voice.clone(),
        lang: lang.code().to_string(),
        client: ClientDetails {
            device_id: device.clone(),
            ..ClientDetails::default()
        },
        ..Draft::default()
    };
    let places = Place::list(&state.db, kiosk.community_id).await?;
    let recent: i64 = on_db!(&state.db, |pool| sqlx::query_scalar(
        "SELECT COUNT(*) FROM requests WHERE device_id = $1 AND created_at > $2"
    )
    .bind(&device)
    .bind(now() - 600)
    .fetch_one(pool)
    .await)?;
    if recent >= KIOSK_LIMIT_PER_10_MIN {
        let page = DescribePage {
            lang,
            kiosk,
            phrases: phrases(&category, lang),
            category,
            places,
            draft,
            errors: FieldErrors::default(),
            problem: "kiosk-busy",
        };
        return Ok((
            StatusCode::TOO_MANY_REQUESTS,
            [("retry-after", "600")],
            render(&page)?,
        )
            .into_response());
    }
    let mut errors = FieldErrors::default();
    let filed = if draft.place.is_empty() {
        errors.add("place", "kiosk-place-needed");
        None
    } else {
        let to_file = Draft {
            place: if draft.place == NO_PLACE {
                String::new()
            } else {
                draft.place.clone()
            },
            ..draft.clone()
        };
        // The kiosk counts as the screen's channel, with no account.
        let door = Door::new(Channel::Screen).once(submission.map(|Extension(k)| k));
        match intake::file(&state.db, kiosk.community_id, &to_file, door, &mut errors).await? {
            Filed::Created(created) => Some(created),
            _ => None,
        }
    };
    let Some(created) = filed else {
        let page = DescribePage {
            lang,
            kiosk,
            phrases: phrases(&category, lang),
            category,
            places,
            draft,
            errors,
            problem: "report-fix-below",
        };
        return render_form(&page, true);
    };
    let link = format!(
        "{}/r/{}?key={}",
        base_url(&state, &headers),
        created.tracking_code,
        created.secret
    );
    let qr = qr_svg(&link, 260);
    render(&DonePage {
        lang,
        kiosk,
        code: record::spaced_code(&created.tracking_code),
        qr,
    })
}
