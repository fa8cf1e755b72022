//! The administrator's pages: the community, places, workgroups and their
//! members, categories with deadlines and ready answers, accounts. The
//! checks and writes are in `setup`, shared with the JSON API.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};

use super::attributes::{self, Attribute, AttributeForm};
use super::setup::{
    self, AccountForm, CategoryForm, CommunityForm, MemberForm, PlaceForm, TemplateForm,
    WorkgroupForm,
};
use super::{AccountRow, Category, Community, Member, Place, PlaceKind, Workgroup};
use crate::auth::{Role, SignedIn, Viewer};
use crate::db::Db;
use crate::requests::model::Status;
use crate::web::forms::FieldErrors;
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
        .route("/admin/categories/{id}/attributes", post(add_attribute))
        .route(
            "/admin/categories/{id}/attributes/{attribute}/remove",
            post(remove_attribute),
        )
        .route("/admin/accounts", get(accounts).post(add_account))
        .route("/admin/accounts/{id}", post(save_account))
        .route("/admin/api-keys", get(api_keys).post(add_api_key))
        .route("/admin/api-keys/{id}/revoke", post(revoke_api_key))
}

fn admin(viewer: &Viewer) -> Result<(), AppError> {
    viewer.require(&[Role::Admin])
}

fn back(path: &str) -> Result<Response, AppError> {
    Ok(Redirect::to(path).into_response())
}

use crate::requests::record;
use crate::requests::record::Template as ResponseTemplate;
use crate::web::render_form as page;

// --- the community ---------------------------------------------------------

#[derive(Template)]
#[template(path = "admin/overview.html")]
struct OverviewPage {
    ctx: Ctx,
    form: CommunityForm,
    errors: FieldErrors,
    saved: bool,
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
    match setup::save_community(&state.db, viewer.community_id, &form).await? {
        Ok(()) => {
            let ctx = Ctx {
                community: Community::by_id(&state.db, viewer.community_id).await?,
                ..ctx
            };
            render(&OverviewPage {
                ctx,
                form,
                errors: FieldErrors::default(),
                saved: true,
            })
        }
        Err(errors) => page(
            &OverviewPage {
                ctx,
                form,
                errors,
                saved: false,
            },
            true,
        ),
    }
}

// --- places ------------------------------------------------------------------

#[derive(Template)]
#[template(path = "admin/places.html")]
struct PlacesPage {
    ctx: Ctx,
    kinds: [PlaceKind; 3],
    places: Vec<Place>,
    form: PlaceForm,
    errors: FieldErrors,
}

async fn places_page(
    db: &Db,
    ctx: Ctx,
    form: PlaceForm,
    errors: FieldErrors,
) -> Result<Response, AppError> {
    let places = Place::list(db, ctx.community.id).await?;
    let mistakes = !errors.is_empty();
    page(
        &PlacesPage {
            ctx,
            kinds: PlaceKind::ALL,
            places,
            form,
            errors,
        },
        mistakes,
    )
}

async fn places(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
) -> Result<Response, AppError> {
    admin(&viewer)?;
    let form = PlaceForm {
        kind: "unit".into(),
        ..PlaceForm::default()
    };
    places_page(&state.db, ctx, form, FieldErrors::default()).await
}

async fn add_place(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Form(form): Form<PlaceForm>,
) -> Result<Response, AppError> {
    admin(&viewer)?;
    match setup::add_place(&state.db, viewer.community_id, &form).await? {
        Ok(_) => back("/admin/places"),
        Err(errors) => places_page(&state.db, ctx, form, errors).await,
    }
}

// --- workgroups --------------------------------------------------------------

pub struct GroupWithMembers {
    pub group: Workgroup,
    pub members: Vec<Member>,
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

async fn workgroups_page(
    db: &Db,
    ctx: Ctx,
    form: WorkgroupForm,
    errors: FieldErrors,
    member_error: &'static str,
) -> Result<Response, AppError> {
    let mut groups = Vec::new();
    for group in Workgroup::list(db, ctx.community.id).await? {
        let members = Workgroup::members(db, group.id).await?;
        groups.push(GroupWithMembers { group, members });
    }
    let mistakes = !errors.is_empty() || !member_error.is_empty();
    page(
        &WorkgroupsPage {
            ctx,
            groups,
            form,
            errors,
            member_error,
        },
        mistakes,
    )
}

async fn workgroups(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
) -> Result<Response, AppError> {
    admin(&viewer)?;
    workgroups_page(
        &state.db,
        ctx,
        WorkgroupForm::default(),
        FieldErrors::default(),
        "",
    )
    .await
}

async fn add_workgroup(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Form(form): Form<WorkgroupForm>,
) -> Result<Response, AppError> {
    admin(&viewer)?;
    match setup::add_workgroup(&state.db, viewer.community_id, &form).await? {
        Ok(_) => back("/admin/workgroups"),
        Err(errors) => workgroups_page(&state.db, ctx, form, errors, "").await,
    }
}

async fn add_member(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
    Form(form): Form<MemberForm>,
) -> Result<Response, AppError> {
    admin(&viewer)?;
    match setup::add_member(&state.db, viewer.community_id, id, &form).await? {
        Ok(()) => back("/admin/workgroups"),
        Err(errors) => {
            let key = errors.get("username");
            workgroups_page(
                &state.db,
                ctx,
                WorkgroupForm::default(),
                FieldErrors::default(),
                key,
            )
            .await
        }
    }
}

async fn remove_member(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((id, account)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    admin(&viewer)?;
    setup::remove_member(&state.db, viewer.community_id, id, account).await?;
    back("/admin/workgroups")
}

// --- categories --------------------------------------------------------------

#[derive(Template)]
#[template(path = "admin/categories.html")]
struct CategoriesPage {
    ctx: Ctx,
    categories: Vec<Category>,
    workgroups: Vec<Workgroup>,
    form: CategoryForm,
    errors: FieldErrors,
}

async fn categories_page(
    db: &Db,
    ctx: Ctx,
    form: CategoryForm,
    errors: FieldErrors,
) -> Result<Response, AppError> {
    let community_id = ctx.community.id;
    let mistakes = !errors.is_empty();
    page(
        &CategoriesPage {
            categories: Category::list(db, community_id, false).await?,
            workgroups: Workgroup::list(db, community_id).await?,
            ctx,
            form,
            errors,
        },
        mistakes,
    )
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
        ..CategoryForm::default()
    };
    categories_page(&state.db, ctx, form, FieldErrors::default()).await
}

async fn add_category(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Form(form): Form<CategoryForm>,
) -> Result<Response, AppError> {
    admin(&viewer)?;
    match setup::add_category(&state.db, viewer.community_id, &form).await? {
        Ok(_) => back("/admin/categories"),
        Err(errors) => categories_page(&state.db, ctx, form, errors).await,
    }
}

#[derive(Template)]
#[template(path = "admin/category.html")]
struct CategoryPage {
    ctx: Ctx,
    category: Category,
    attributes: Vec<Attribute>,
    datatypes: [&'static str; 6],
    attribute_form: AttributeForm,
    attribute_errors: FieldErrors,
    workgroups: Vec<Workgroup>,
    templates: Vec<ResponseTemplate>,
    statuses: &'static [Status],
    form: CategoryForm,
    errors: FieldErrors,
    template_error: &'static str,
}

impl CategoryPage {
    fn datatype_label(&self, datatype: &str) -> String {
        self.ctx.t(format!("attribute-type-{datatype}"))
    }
}

/// What the category page shows besides the category's own form.
#[derive(Default)]
struct CategoryExtras {
    template_error: &'static str,
    attribute_form: AttributeForm,
    attribute_errors: FieldErrors,
}

async fn category_page(
    db: &Db,
    ctx: Ctx,
    category: Category,
    form: CategoryForm,
    errors: FieldErrors,
    extras: CategoryExtras,
) -> Result<Response, AppError> {
    let CategoryExtras {
        template_error,
        attribute_form,
        attribute_errors,
    } = extras;
    let mistakes = !errors.is_empty() || !template_error.is_empty() || !attribute_errors.is_empty();
    page(
        &CategoryPage {
            attributes: attributes::for_category(db, category.id).await?,
            datatypes: attributes::DATATYPES,
            attribute_form,
            attribute_errors,
            workgroups: Workgroup::list(db, ctx.community.id).await?,
            templates: record::templates_for(db, category.id).await?,
            statuses: Status::ALL,
            ctx,
            category,
            form,
            errors,
            template_error,
        },
        mistakes,
    )
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
    category_page(
        &state.db,
        ctx,
        category,
        form,
        FieldErrors::default(),
        CategoryExtras::default(),
    )
    .await
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
    match setup::update_category(&state.db, viewer.community_id, id, &form).await? {
        Ok(()) => back(&format!("/admin/categories/{id}")),
        Err(errors) => {
            category_page(
                &state.db,
                ctx,
                category,
                form,
                errors,
                CategoryExtras::default(),
            )
            .await
        }
    }
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
    match setup::add_template(&state.db, category.id, &form).await? {
        Ok(_) => back(&format!("/admin/categories/{id}")),
        Err(_) => {
            let form = CategoryForm::from_category(&category);
            category_page(
                &state.db,
                ctx,
                category,
                form,
                FieldErrors::default(),
                CategoryExtras {
                    template_error: "admin-template-incomplete",
                    ..CategoryExtras::default()
                },
            )
            .await
        }
    }
}

async fn add_attribute(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
    Form(attribute_form): Form<AttributeForm>,
) -> Result<Response, AppError> {
    admin(&viewer)?;
    let category = Category::by_id(&state.db, viewer.community_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    match attributes::add(&state.db, category.id, &attribute_form).await? {
        Ok(_) => back(&format!("/admin/categories/{id}")),
        Err(attribute_errors) => {
            let form = CategoryForm::from_category(&category);
            let extras = CategoryExtras {
                attribute_form,
                attribute_errors,
                ..CategoryExtras::default()
            };
            category_page(
                &state.db,
                ctx,
                category,
                form,
                FieldErrors::default(),
                extras,
            )
            .await
        }
    }
}

async fn remove_attribute(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((id, attribute)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    admin(&viewer)?;
    let category = Category::by_id(&state.db, viewer.community_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    attributes::remove(&state.db, category.id, attribute).await?;
    back(&format!("/admin/categories/{id}"))
}

// --- accounts ----------------------------------------------------------------

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
    db: &Db,
    ctx: Ctx,
    form: AccountForm,
    errors: FieldErrors,
    link: String,
) -> Result<Response, AppError> {
    let mistakes = !errors.is_empty();
    page(
        &AccountsPage {
            accounts: AccountRow::list(db, ctx.community.id).await?,
            roles: &Role::ALL,
            ctx,
            form,
            errors,
            link,
        },
        mistakes,
    )
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
    accounts_page(&state.db, ctx, form, FieldErrors::default(), String::new()).await
}

async fn add_account(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Form(mut form): Form<AccountForm>,
) -> Result<Response, AppError> {
    admin(&viewer)?;
    match setup::add_account(&state.db, viewer.community_id, &form).await? {
        Ok((_, Some(link))) => {
            accounts_page(
                &state.db,
                ctx,
                AccountForm::default(),
                FieldErrors::default(),
                link,
            )
            .await
        }
        Ok((_, None)) => back("/admin/accounts"),
        Err(errors) => {
            form.password.clear();
            accounts_page(&state.db, ctx, form, errors, String::new()).await
        }
    }
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
    if form.signin_link == "1" {
        let theirs = AccountRow::list(&state.db, viewer.community_id)
            .await?
            .iter()
            .any(|a| a.id == id);
        if !theirs {
            return Err(AppError::NotFound);
        }
        let link = crate::auth::choose::create_signin_link(&state.db, id, 72).await?;
        return accounts_page(
            &state.db,
            ctx,
            AccountForm::default(),
            FieldErrors::default(),
            link,
        )
        .await;
    }
    setup::change_account(
        &state.db,
        viewer.community_id,
        viewer.id,
        id,
        &form.role,
        form.active == "1",
    )
    .await?;
    back("/admin/accounts")
}

// --- Open311 API keys ----------------------------------------------------------

#[derive(Template)]
#[template(path = "admin/api_keys.html")]
struct ApiKeysPage {
    ctx: Ctx,
    keys: Vec<crate::open311::keys::ApiKey>,
    /// A key just made, shown once.
    new_key: String,
    name: String,
    error: &'static str,
}

async fn api_keys_page(
    db: &Db,
    ctx: Ctx,
    new_key: String,
    name: String,
    error: &'static str,
) -> Result<Response, AppError> {
    let keys = crate::open311::keys::list(db, ctx.community.id).await?;
    page(
        &ApiKeysPage {
            ctx,
            keys,
            new_key,
            name,
            error,
        },
        !error.is_empty(),
    )
}

async fn api_keys(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
) -> Result<Response, AppError> {
    admin(&viewer)?;
    api_keys_page(&state.db, ctx, String::new(), String::new(), "").await
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct ApiKeyForm {
    name: String,
}

async fn add_api_key(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Form(form): Form<ApiKeyForm>,
) -> Result<Response, AppError> {
    admin(&viewer)?;
    let name = form.name.trim();
    if name.is_empty() || name.chars().count() > 80 {
        return api_keys_page(
            &state.db,
            ctx,
            String::new(),
            form.name.clone(),
            "admin-api-key-name",
        )
        .await;
    }
    let (_, key) = crate::open311::keys::create(&state.db, viewer.community_id, name).await?;
    api_keys_page(&state.db, ctx, key, String::new(), "").await
}

async fn revoke_api_key(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    admin(&viewer)?;
    if !crate::open311::keys::revoke(&state.db, viewer.community_id, id).await? {
        return Err(AppError::NotFound);
    }
    back("/admin/api-keys")
}
