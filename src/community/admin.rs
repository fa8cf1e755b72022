//! The administrator's pages: the community, places, workgroups and their
//! members, categories with deadlines and response templates, accounts.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};

use super::{
    AccountRow, Category, Member, Place, PlaceKind, Workgroup, create_account, valid_code,
    valid_username,
};
use crate::auth::{Role, SignedIn, Viewer, end_all_sessions, password_problem};
use crate::db::Db;
use crate::on_db;
use crate::requests::model::Status;
use crate::requests::store::{self, Template as ResponseTemplate};
use crate::web::forms::{FieldErrors, optional_text, required_text};
use crate::web::{AppError, AppState, Ctx, render};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin", get(overview).post(save_community))
        .route("/admin/places", get(places).post(add_place))
        .route("/admin/workgroups", get(workgroups).post(add_workgroup))
        .route("/admin/workgroups/{id}/members", post(add_member))
        .route(
            "/admin/workgroups/{id}/members/{account}/remove",
            post(remove_member),
        )
        .route("/admin/categories", get(categories).post(add_category))
        .route("/admin/categories/{id}", get(category).post(save_category))
        .route("/admin/categories/{id}/templates", post(add_template))
        .route("/admin/accounts", get(accounts).post(add_account))
        .route("/admin/accounts/{id}", post(save_account))
}

fn admin(viewer: &Viewer) -> Result<(), AppError> {
    viewer.require(&[Role::Admin])
}

fn back(path: &str) -> Result<Response, AppError> {
    Ok(Redirect::to(path).into_response())
}

fn invalid<T: Template>(page: &T) -> Result<Response, AppError> {
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(page)?).into_response())
}

// --- the community -------------------------------------------------------

#[derive(Template)]
#[template(path = "admin/overview.html")]
struct OverviewPage {
    ctx: Ctx,
    form: CommunityForm,
    errors: FieldErrors,
    saved: bool,
}

#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
struct CommunityForm {
    name_zh: String,
    name_en: String,
    timezone: String,
    emergency_numbers: String,
}

async fn overview(ctx: Ctx, SignedIn(viewer): SignedIn) -> Result<Response, AppError> {
    admin(&viewer)?;
    let c = &ctx.community;
    let form = CommunityForm {
        name_zh: c.name_zh.clone(),
        name_en: c.name_en.clone(),
        timezone: c.timezone.clone(),
        emergency_numbers: c.emergency_numbers.clone(),
    };
    render(&OverviewPage {
        ctx,
        form,
        errors: FieldErrors::default(),
        saved: false,
    })
}

async fn save_community(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Form(form): Form<CommunityForm>,
) -> Result<Response, AppError> {
    admin(&viewer)?;
    let mut errors = FieldErrors::default();
    let name_zh = required_text(&mut errors, "name_zh", &form.name_zh, 80);
    let name_en = required_text(&mut errors, "name_en", &form.name_en, 80);
    let emergency = required_text(
        &mut errors,
        "emergency_numbers",
        &form.emergency_numbers,
        120,
    );
    let timezone = form.timezone.trim().to_string();
    if jiff::tz::TimeZone::get(&timezone).is_err() {
        errors.add("timezone", "admin-bad-timezone");
    }
    if !errors.is_empty() {
        return invalid(&OverviewPage {
            ctx,
            form,
            errors,
            saved: false,
        });
    }
    on_db!(&state.db, |pool| {
        sqlx::query(
        "UPDATE communities SET name_zh = $1, name_en = $2, timezone = $3, emergency_numbers = $4 WHERE id = $5"
    )
    .bind(&name_zh)
    .bind(&name_en)
    .bind(&timezone)
    .bind(&emergency)
    .bind(viewer.community_id)
    .execute(pool)
    .await.map(|r| r.rows_affected())
    })?;
    let ctx = Ctx {
        community: super::Community::by_id(&state.db, viewer.community_id).await?,
        ..ctx
    };
    render(&OverviewPage {
        ctx,
        form,
        errors,
        saved: true,
    })
}

// --- places ------------------------------------------------------------------

#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
struct PlaceForm {
    kind: String,
    code: String,
    name_zh: String,
    name_en: String,
    parent: String,
}

#[derive(Template)]
#[template(path = "admin/places.html")]
struct PlacesPage {
    ctx: Ctx,
    kinds: [PlaceKind; 3],
    places: Vec<Place>,
    form: PlaceForm,
    errors: FieldErrors,
}

async fn places(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
) -> Result<Response, AppError> {
    admin(&viewer)?;
    let places = Place::list(&state.db, viewer.community_id).await?;
    let form = PlaceForm {
        kind: "unit".into(),
        ..PlaceForm::default()
    };
    render(&PlacesPage {
        ctx,
        kinds: PlaceKind::ALL,
        places,
        form,
        errors: FieldErrors::default(),
    })
}

async fn add_place(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Form(form): Form<PlaceForm>,
) -> Result<Response, AppError> {
    admin(&viewer)?;
    let mut errors = FieldErrors::default();
    let kind = PlaceKind::parse(&form.kind);
    if kind.is_none() {
        errors.add("kind", "field-invalid-choice");
    }
    let code = form.code.trim().to_string();
    if !valid_code(&code) {
        errors.add("code", "field-invalid-code");
    } else if Place::by_code(&state.db, viewer.community_id, &code)
        .await?
        .is_some()
    {
        errors.add("code", "field-code-taken");
    }
    let name_zh = required_text(&mut errors, "name_zh", &form.name_zh, 80);
    let name_en = optional_text(&mut errors, "name_en", &form.name_en, 80);
    let parent = match form.parent.trim() {
        "" => None,
        p => match Place::by_code(&state.db, viewer.community_id, p).await? {
            Some(place) => Some(place.id),
            None => {
                errors.add("parent", "field-unknown-place");
                None
            }
        },
    };
    let Some(kind) = kind.filter(|_| errors.is_empty()) else {
        let places = Place::list(&state.db, viewer.community_id).await?;
        return invalid(&PlacesPage {
            ctx,
            kinds: PlaceKind::ALL,
            places,
            form,
            errors,
        });
    };
    on_db!(&state.db, |pool| {
        sqlx::query(
        "INSERT INTO places (community_id, kind, code, name_zh, name_en, parent_id) VALUES ($1, $2, $3, $4, $5, $6)"
    )
    .bind(viewer.community_id)
    .bind(kind.as_str())
    .bind(&code)
    .bind(&name_zh)
    .bind(&name_en)
    .bind(parent)
    .execute(pool)
    .await.map(|r| r.rows_affected())
    })?;
    back("/admin/places")
}

// --- workgroups ----------------------------------------------------------------

pub struct GroupWithMembers {
    pub group: Workgroup,
    pub members: Vec<Member>,
}

#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
struct WorkgroupForm {
    code: String,
    name_zh: String,
    name_en: String,
}

#[derive(Template)]
#[template(path = "admin/workgroups.html")]
struct WorkgroupsPage {
    ctx: Ctx,
    groups: Vec<GroupWithMembers>,
    form: WorkgroupForm,
    errors: FieldErrors,
    member_error: &'static str,
}

async fn groups_with_members(
    db: &Db,
    community_id: i64,
) -> Result<Vec<GroupWithMembers>, AppError> {
    let mut groups = Vec::new();
    for group in Workgroup::list(db, community_id).await? {
        let members = Workgroup::members(db, group.id).await?;
        groups.push(GroupWithMembers { group, members });
    }
    Ok(groups)
}

async fn workgroups(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
) -> Result<Response, AppError> {
    admin(&viewer)?;
    let groups = groups_with_members(&state.db, viewer.community_id).await?;
    render(&WorkgroupsPage {
        ctx,
        groups,
        form: WorkgroupForm::default(),
        errors: FieldErrors::default(),
        member_error: "",
    })
}

async fn add_workgroup(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Form(form): Form<WorkgroupForm>,
) -> Result<Response, AppError> {
    admin(&viewer)?;
    let mut errors = FieldErrors::default();
    let code = form.code.trim().to_string();
    if !valid_code(&code) {
        errors.add("code", "field-invalid-code");
    }
    let name_zh = required_text(&mut errors, "name_zh", &form.name_zh, 80);
    let name_en = optional_text(&mut errors, "name_en", &form.name_en, 80);
    if errors.is_empty() {
        let inserted = on_db!(&state.db, |pool| {
            sqlx::query(
            "INSERT INTO workgroups (community_id, code, name_zh, name_en) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (community_id, code) DO NOTHING"
        )
        .bind(viewer.community_id)
        .bind(&code)
        .bind(&name_zh)
        .bind(&name_en)
        .execute(pool)
        .await.map(|r| r.rows_affected())
        })?;
        if inserted == 1 {
            return back("/admin/workgroups");
        }
        errors.add("code", "field-code-taken");
    }
    let groups = groups_with_members(&state.db, viewer.community_id).await?;
    invalid(&WorkgroupsPage {
        ctx,
        groups,
        form,
        errors,
        member_error: "",
    })
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct MemberForm {
    username: String,
    lead: String,
}

async fn add_member(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
    Form(form): Form<MemberForm>,
) -> Result<Response, AppError> {
    admin(&viewer)?;
    let group_ok = Workgroup::list(&state.db, viewer.community_id)
        .await?
        .iter()
        .any(|w| w.id == id);
    let account: Option<(i64, String)> = on_db!(&state.db, |pool| sqlx::query_as(
        "SELECT id, role FROM accounts WHERE username = $1 AND community_id = $2 AND active"
    )
    .bind(form.username.trim())
    .bind(viewer.community_id)
    .fetch_optional(pool)
    .await)?;
    let problem = match (&account, group_ok) {
        (_, false) => Some("error-not-found"),
        (None, _) => Some("admin-member-unknown"),
        (Some((_, role)), _) if role == "resident" => Some("admin-member-resident"),
        _ => None,
    };
    if let (None, Some((account_id, _))) = (problem, account) {
        let lead = form.lead == "1";
        on_db!(&state.db, |pool| sqlx::query(
            "INSERT INTO workgroup_members (workgroup_id, account_id, is_lead) VALUES ($1, $2, $3) \
             ON CONFLICT (workgroup_id, account_id) DO UPDATE SET is_lead = $3"
        )
        .bind(id)
        .bind(account_id)
        .bind(lead)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))?;
        return back("/admin/workgroups");
    }
    let groups = groups_with_members(&state.db, viewer.community_id).await?;
    invalid(&WorkgroupsPage {
        ctx,
        groups,
        form: WorkgroupForm::default(),
        errors: FieldErrors::default(),
        member_error: problem.unwrap_or("error-bad-input"),
    })
}

async fn remove_member(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((id, account)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    admin(&viewer)?;
    on_db!(&state.db, |pool| sqlx::query(
        "DELETE FROM workgroup_members WHERE workgroup_id = $1 AND account_id = $2 \
         AND workgroup_id IN (SELECT id FROM workgroups WHERE community_id = $3)"
    )
    .bind(id)
    .bind(account)
    .bind(viewer.community_id)
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))?;
    back("/admin/workgroups")
}

// --- categories ------------------------------------------------------------------

#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
struct CategoryForm {
    code: String,
    workgroup: String,
    name_zh: String,
    name_en: String,
    icon: String,
    response_hours: String,
    resolution_days: String,
    notice_zh: String,
    notice_en: String,
    danger_stopper: String,
    private_by_nature: String,
    active: String,
}

impl CategoryForm {
    fn from_category(c: &Category) -> CategoryForm {
        let flag = |b: bool| if b { "1".to_string() } else { String::new() };
        CategoryForm {
            code: c.code.clone(),
            workgroup: c.workgroup_id.to_string(),
            name_zh: c.name_zh.clone(),
            name_en: c.name_en.clone(),
            icon: c.icon.clone(),
            response_hours: c.response_hours.to_string(),
            resolution_days: c.resolution_days.to_string(),
            notice_zh: c.notice_zh.clone(),
            notice_en: c.notice_en.clone(),
            danger_stopper: flag(c.danger_stopper),
            private_by_nature: flag(c.private_by_nature),
            active: flag(c.active),
        }
    }
}

struct CheckedCategory {
    workgroup_id: i64,
    name_zh: String,
    name_en: String,
    icon: String,
    response_hours: i64,
    resolution_days: i64,
    notice_zh: String,
    notice_en: String,
}

async fn check_category(
    db: &Db,
    community_id: i64,
    form: &CategoryForm,
    errors: &mut FieldErrors,
) -> Result<Option<CheckedCategory>, AppError> {
    let workgroup_id = form.workgroup.trim().parse::<i64>().ok();
    let groups = Workgroup::list(db, community_id).await?;
    if !workgroup_id.is_some_and(|id| groups.iter().any(|g| g.id == id)) {
        errors.add("workgroup", "field-invalid-choice");
    }
    let name_zh = required_text(errors, "name_zh", &form.name_zh, 40);
    let name_en = required_text(errors, "name_en", &form.name_en, 60);
    let icon = optional_text(errors, "icon", &form.icon, 8);
    let response_hours = form
        .response_hours
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|h| (1..=720).contains(h));
    if response_hours.is_none() {
        errors.add("response_hours", "admin-hours-range");
    }
    let resolution_days = form
        .resolution_days
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|d| (1..=365).contains(d));
    if resolution_days.is_none() {
        errors.add("resolution_days", "admin-days-range");
    }
    let notice_zh = optional_text(errors, "notice_zh", &form.notice_zh, 500);
    let notice_en = optional_text(errors, "notice_en", &form.notice_en, 500);
    Ok(
        match (
            workgroup_id,
            response_hours,
            resolution_days,
            errors.is_empty(),
        ) {
            (Some(workgroup_id), Some(response_hours), Some(resolution_days), true) => {
                Some(CheckedCategory {
                    workgroup_id,
                    name_zh,
                    name_en,
                    icon: if icon.is_empty() {
                        "📝".to_string()
                    } else {
                        icon
                    },
                    response_hours,
                    resolution_days,
                    notice_zh,
                    notice_en,
                })
            }
            _ => None,
        },
    )
}

#[derive(Template)]
#[template(path = "admin/categories.html")]
struct CategoriesPage {
    ctx: Ctx,
    categories: Vec<Category>,
    workgroups: Vec<Workgroup>,
    form: CategoryForm,
    errors: FieldErrors,
}

async fn categories(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
) -> Result<Response, AppError> {
    admin(&viewer)?;
    let form = CategoryForm {
        response_hours: "24".into(),
        resolution_days: "7".into(),
        active: "1".into(),
        ..CategoryForm::default()
    };
    render(&CategoriesPage {
        categories: Category::list(&state.db, viewer.community_id, false).await?,
        workgroups: Workgroup::list(&state.db, viewer.community_id).await?,
        ctx,
        form,
        errors: FieldErrors::default(),
    })
}

async fn add_category(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Form(form): Form<CategoryForm>,
) -> Result<Response, AppError> {
    admin(&viewer)?;
    let mut errors = FieldErrors::default();
    let code = form.code.trim().to_string();
    if !valid_code(&code) {
        errors.add("code", "field-invalid-code");
    } else if Category::by_code(&state.db, viewer.community_id, &code)
        .await?
        .is_some()
    {
        errors.add("code", "field-code-taken");
    }
    if let Some(c) = check_category(&state.db, viewer.community_id, &form, &mut errors).await? {
        on_db!(&state.db, |pool| {
            sqlx::query(
            "INSERT INTO categories (community_id, workgroup_id, code, name_zh, name_en, icon, response_hours, \
             resolution_days, notice_zh, notice_en, danger_stopper, private_by_nature, active) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, TRUE)"
        )
        .bind(viewer.community_id)
        .bind(c.workgroup_id)
        .bind(&code)
        .bind(&c.name_zh)
        .bind(&c.name_en)
        .bind(&c.icon)
        .bind(c.response_hours)
        .bind(c.resolution_days)
        .bind(&c.notice_zh)
        .bind(&c.notice_en)
        .bind(form.danger_stopper == "1")
        .bind(form.private_by_nature == "1")
        .execute(pool)
        .await.map(|r| r.rows_affected())
        })?;
        return back("/admin/categories");
    }
    invalid(&CategoriesPage {
        categories: Category::list(&state.db, viewer.community_id, false).await?,
        workgroups: Workgroup::list(&state.db, viewer.community_id).await?,
        ctx,
        form,
        errors,
    })
}

#[derive(Template)]
#[template(path = "admin/category.html")]
struct CategoryPage {
    ctx: Ctx,
    category: Category,
    workgroups: Vec<Workgroup>,
    templates: Vec<ResponseTemplate>,
    statuses: &'static [Status],
    form: CategoryForm,
    errors: FieldErrors,
    template_error: &'static str,
}

async fn category_page(
    state: &AppState,
    ctx: Ctx,
    category: Category,
    form: CategoryForm,
    errors: FieldErrors,
    template_error: &'static str,
) -> Result<Response, AppError> {
    let invalid_input = !errors.is_empty() || !template_error.is_empty();
    let page = CategoryPage {
        workgroups: Workgroup::list(&state.db, ctx.community.id).await?,
        templates: store::templates_for(&state.db, category.id).await?,
        statuses: Status::ALL,
        ctx,
        category,
        form,
        errors,
        template_error,
    };
    if invalid_input {
        invalid(&page)
    } else {
        render(&page)
    }
}

async fn category(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    admin(&viewer)?;
    let category = Category::by_id(&state.db, viewer.community_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let form = CategoryForm::from_category(&category);
    category_page(&state, ctx, category, form, FieldErrors::default(), "").await
}

async fn save_category(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
    Form(form): Form<CategoryForm>,
) -> Result<Response, AppError> {
    admin(&viewer)?;
    let category = Category::by_id(&state.db, viewer.community_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut errors = FieldErrors::default();
    let Some(c) = check_category(&state.db, viewer.community_id, &form, &mut errors).await? else {
        return category_page(&state, ctx, category, form, errors, "").await;
    };
    on_db!(&state.db, |pool| {
        sqlx::query(
        "UPDATE categories SET workgroup_id = $1, name_zh = $2, name_en = $3, icon = $4, response_hours = $5, \
         resolution_days = $6, notice_zh = $7, notice_en = $8, danger_stopper = $9, private_by_nature = $10, \
         active = $11 WHERE id = $12 AND community_id = $13"
    )
    .bind(c.workgroup_id)
    .bind(&c.name_zh)
    .bind(&c.name_en)
    .bind(&c.icon)
    .bind(c.response_hours)
    .bind(c.resolution_days)
    .bind(&c.notice_zh)
    .bind(&c.notice_en)
    .bind(form.danger_stopper == "1")
    .bind(form.private_by_nature == "1")
    .bind(form.active == "1")
    .bind(id)
    .bind(viewer.community_id)
    .execute(pool)
    .await.map(|r| r.rows_affected())
    })?;
    back(&format!("/admin/categories/{id}"))
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct TemplateForm {
    status: String,
    text_zh: String,
    text_en: String,
}

async fn add_template(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
    Form(form): Form<TemplateForm>,
) -> Result<Response, AppError> {
    admin(&viewer)?;
    let category = Category::by_id(&state.db, viewer.community_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut errors = FieldErrors::default();
    let status = Status::parse(&form.status);
    let text_zh = required_text(&mut errors, "text_zh", &form.text_zh, 1000);
    let text_en = required_text(&mut errors, "text_en", &form.text_en, 1000);
    let (Some(status), true) = (status, errors.is_empty()) else {
        let cform = CategoryForm::from_category(&category);
        return category_page(
            &state,
            ctx,
            category,
            cform,
            FieldErrors::default(),
            "admin-template-incomplete",
        )
        .await;
    };
    on_db!(&state.db, |pool| {
        sqlx::query(
        "INSERT INTO response_templates (category_id, status, text_zh, text_en) VALUES ($1, $2, $3, $4)"
    )
    .bind(id)
    .bind(status.as_str())
    .bind(&text_zh)
    .bind(&text_en)
    .execute(pool)
    .await.map(|r| r.rows_affected())
    })?;
    back(&format!("/admin/categories/{id}"))
}

// --- accounts ---------------------------------------------------------------------

#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
struct AccountForm {
    username: String,
    display_name: String,
    role: String,
    phone: String,
    password: String,
}

#[derive(Template)]
#[template(path = "admin/accounts.html")]
struct AccountsPage {
    ctx: Ctx,
    accounts: Vec<AccountRow>,
    roles: &'static [Role],
    form: AccountForm,
    errors: FieldErrors,
    link: String,
}

async fn accounts_page(
    state: &AppState,
    ctx: Ctx,
    form: AccountForm,
    errors: FieldErrors,
    link: String,
) -> Result<Response, AppError> {
    let invalid_input = !errors.is_empty();
    let page = AccountsPage {
        accounts: AccountRow::list(&state.db, ctx.community.id).await?,
        roles: &Role::ALL,
        ctx,
        form,
        errors,
        link,
    };
    if invalid_input {
        invalid(&page)
    } else {
        render(&page)
    }
}

async fn accounts(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
) -> Result<Response, AppError> {
    admin(&viewer)?;
    let form = AccountForm {
        role: "member".into(),
        ..AccountForm::default()
    };
    accounts_page(&state, ctx, form, FieldErrors::default(), String::new()).await
}

async fn add_account(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Form(mut form): Form<AccountForm>,
) -> Result<Response, AppError> {
    admin(&viewer)?;
    let mut errors = FieldErrors::default();
    if !valid_username(form.username.trim()) {
        errors.add("username", "field-invalid-username");
    }
    let display_name = required_text(&mut errors, "display_name", &form.display_name, 40);
    let role = Role::parse(&form.role);
    if role.is_none() {
        errors.add("role", "field-invalid-choice");
    }
    if let Some(problem) = password_problem(&form.password).filter(|_| !form.password.is_empty()) {
        errors.add("password", problem);
    }
    let phone = form.phone.trim().to_string();
    if !phone.is_empty() && !crate::requests::intake::valid_phone(&phone) {
        errors.add("phone", "field-invalid-phone");
    }
    if let (Some(role), true) = (role, errors.is_empty()) {
        let password = (!form.password.is_empty()).then_some(form.password.as_str());
        match create_account(
            &state.db,
            viewer.community_id,
            &form.username,
            &display_name,
            role,
            password,
            Some(&phone),
        )
        .await?
        {
            Some(id) if password.is_none() => {
                // No password given: a one-time link to hand over instead.
                let link = crate::auth::routes::create_signin_link(&state.db, id, 72).await?;
                return accounts_page(
                    &state,
                    ctx,
                    AccountForm::default(),
                    FieldErrors::default(),
                    link,
                )
                .await;
            }
            Some(_) => return back("/admin/accounts"),
            None => errors.add("username", "field-username-taken"),
        }
    }
    form.password.clear();
    accounts_page(&state, ctx, form, errors, String::new()).await
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct AccountChange {
    role: String,
    active: String,
    signin_link: String,
}

async fn save_account(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
    Form(form): Form<AccountChange>,
) -> Result<Response, AppError> {
    admin(&viewer)?;
    let exists: Option<i64> = on_db!(&state.db, |pool| sqlx::query_scalar(
        "SELECT id FROM accounts WHERE id = $1 AND community_id = $2"
    )
    .bind(id)
    .bind(viewer.community_id)
    .fetch_optional(pool)
    .await)?;
    if exists.is_none() {
        return Err(AppError::NotFound);
    }
    if form.signin_link == "1" {
        let link = crate::auth::routes::create_signin_link(&state.db, id, 72).await?;
        return accounts_page(
            &state,
            ctx,
            AccountForm::default(),
            FieldErrors::default(),
            link,
        )
        .await;
    }
    let role = Role::parse(&form.role).ok_or(AppError::BadRequest("field-invalid-choice"))?;
    if id == viewer.id && (role != Role::Admin || form.active != "1") {
        // The last door out must not lock itself.
        return Err(AppError::BadRequest("admin-not-yourself"));
    }
    on_db!(&state.db, |pool| sqlx::query(
        "UPDATE accounts SET role = $1, active = $2 WHERE id = $3"
    )
    .bind(role.as_str())
    .bind(form.active == "1")
    .bind(id)
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))?;
    if form.active != "1" {
        end_all_sessions(&state.db, id).await?;
    }
    back("/admin/accounts")
}
