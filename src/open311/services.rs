//! Services are the community's categories; a category with extra fields
//! has a service definition.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

use super::format::{self, Format, Open311Error, respond};
use super::params::Params;
use super::{Answer, answer, jurisdiction};
use crate::community::attributes;
use crate::community::{Category, Workgroup};
use crate::i18n::Lang;
use crate::web::AppState;

/// The language of names and descriptions: the client's Accept-Language,
/// English when it names none of ours.
pub fn lang_of(headers: &HeaderMap) -> Lang {
    headers
        .get(axum::http::header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(crate::i18n::from_accept_language)
        .unwrap_or(Lang::En)
}

pub async fn list(
    state: &AppState,
    headers: &HeaderMap,
    params: &Params,
    format: Format,
) -> Answer {
    let fail = |e: crate::db::StoreError| (format, Open311Error::from(e));
    let community = jurisdiction(&state.db, params, format).await?;
    let lang = lang_of(headers);
    let categories = Category::list(&state.db, community.id, true)
        .await
        .map_err(fail)?;
    let groups = Workgroup::list(&state.db, community.id)
        .await
        .map_err(fail)?;
    let mut services = Vec::new();
    for c in categories {
        let has_fields = !attributes::for_category(&state.db, c.id)
            .await
            .map_err(fail)?
            .is_empty();
        let group = groups
            .iter()
            .find(|g| g.id == c.workgroup_id)
            .map(|g| lang.pick(&g.name_zh, &g.name_en).to_string());
        services.push(json!({
            "service_code": c.code,
            "service_name": lang.pick(&c.name_zh, &c.name_en),
            "description": lang.pick(&c.description_zh, &c.description_en),
            "metadata": has_fields,
            "type": if c.needs_review { "batch" } else { "realtime" },
            "keywords": c.keywords,
            "group": group,
        }));
    }
    Ok(respond(
        format,
        StatusCode::OK,
        "services",
        "service",
        &Value::Array(services),
    ))
}

/// `services/{service_code}.{format}`: the service definition.
pub async fn definition(
    State(state): State<AppState>,
    Path(file): Path<String>,
    headers: HeaderMap,
    raw: axum::extract::RawQuery,
) -> Response {
    let params = Params::parse(raw.0.unwrap_or_default().as_bytes());
    answer(
        async {
            let (code, format) = format::split_format(&file).map_err(|e| (super::format_of_path(&file), e))?;
            let fail = |e: crate::db::StoreError| (format, Open311Error::from(e));
            let community = jurisdiction(&state.db, &params, format).await?;
            let lang = lang_of(&headers);
            let category = Category::by_code(&state.db, community.id, code)
                .await
                .map_err(fail)?
                .filter(|c| c.active)
                .ok_or_else(|| (format, Open311Error::not_found(format!("no service with the code {code}"))))?;
            let defs = attributes::for_category(&state.db, category.id).await.map_err(fail)?;
            let attributes: Vec<Value> = defs
                .iter()
                .enumerate()
                .map(|(i, a)| {
                    json!({
                        "variable": a.variable,
                        "code": a.code,
                        "datatype": a.datatype,
                        "required": a.required,
                        "datatype_description": a.datatype_description,
                        "order": i + 1,
                        "description": a.description(lang),
                        "values": a.values.iter().map(|c| json!({ "key": c.value_key, "name": c.name(lang) })).collect::<Vec<_>>(),
                    })
                })
                .collect();
            let value = json!({ "service_code": category.code, "attributes": attributes });
            Ok(respond(format, StatusCode::OK, "service_definition", "service_definition", &value))
        }
        .await,
    )
}
