//! The procedure catalog over HTTP: the API, the home page and the procedure page.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::Json;
use serde::{Deserialize, Serialize};
use xaso_domain::catalog::{is_valid_procedure_code, Procedure};
use xaso_store::catalog::{
    self, FieldCount, ProcedureRecord, SearchPage, SearchQuery, MAX_PER_PAGE,
};

use crate::error::{ApiError, PageError};
use crate::pages::render;
use crate::AppState;

const MAX_QUERY_CHARS: usize = 200;
const PAGE_SIZE: u32 = 20;

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
pub struct ListParams {
    /// Words to look for (at most 200 characters).
    q: Option<String>,
    /// A field (lĩnh vực), as listed on the procedures.
    field: Option<String>,
    /// From 1 (default 1).
    #[schemars(with = "Option<u32>")]
    page: Option<String>,
    /// From 1 to 100 (default 20).
    #[schemars(with = "Option<u32>")]
    per_page: Option<String>,
}

fn parse_number(name: &str, value: Option<&str>, default: u32, max: u32) -> Result<u32, ApiError> {
    match value.map(str::trim) {
        None | Some("") => Ok(default),
        Some(text) => match text.parse::<u32>() {
            Ok(n) if (1..=max).contains(&n) => Ok(n),
            _ => Err(ApiError::bad_request(format!(
                "tham số `{name}` phải là số nguyên từ 1 đến {max}, không phải “{text}”"
            ))),
        },
    }
}

impl ListParams {
    fn to_query(&self) -> Result<SearchQuery, ApiError> {
        let text = xaso_domain::text::clean(self.q.as_deref().unwrap_or(""));
        if text.chars().count() > MAX_QUERY_CHARS {
            return Err(ApiError::bad_request(format!(
                "từ khóa tìm kiếm dài quá {MAX_QUERY_CHARS} ký tự"
            )));
        }
        let field = self
            .field
            .as_deref()
            .map(xaso_domain::text::clean)
            .filter(|f| !f.is_empty());
        Ok(SearchQuery {
            text,
            field,
            page: parse_number("page", self.page.as_deref(), 1, 10_000)?,
            per_page: parse_number(
                "per_page",
                self.per_page.as_deref(),
                PAGE_SIZE,
                MAX_PER_PAGE,
            )?,
        })
    }
}

fn params(query: Result<Query<ListParams>, QueryRejection>) -> Result<ListParams, ApiError> {
    query.map(|Query(p)| p).map_err(|e| {
        ApiError::bad_request(format!("tham số truy vấn không hợp lệ: {}", e.body_text()))
    })
}

/// `GET /api/v1/procedures?q=&field=&page=&per_page=`
pub async fn list_procedures(
    State(state): State<AppState>,
    query: Result<Query<ListParams>, QueryRejection>,
) -> Result<Json<SearchPage>, ApiError> {
    let query = params(query)?.to_query()?;
    let mut tx = state.store.read().await?;
    let page = catalog::search(&mut tx, &query).await?;
    Ok(Json(page))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct VersionParams {
    /// A stored version (default: the current one).
    #[schemars(with = "Option<u32>")]
    version: Option<String>,
}

/// A procedure version with its time and fee spelled out for people.
#[derive(Serialize, schemars::JsonSchema)]
pub struct ProcedureView {
    #[serde(flatten)]
    record: ProcedureRecord,
    time_text: String,
    fee_text: String,
}

async fn load(
    state: &AppState,
    code: &str,
    version: Option<i64>,
) -> Result<ProcedureRecord, ApiError> {
    if !is_valid_procedure_code(code) {
        return Err(ApiError::bad_request(format!(
            "mã thủ tục “{code}” không đúng dạng (ví dụ 1.001193)"
        )));
    }
    let mut tx = state.store.read().await?;
    let record = match version {
        Some(v) => catalog::version(&mut tx, code, v).await?,
        None => catalog::current(&mut tx, code).await?,
    };
    record.ok_or_else(|| ApiError::not_found(format!("không có thủ tục mã {code}")))
}

/// `GET /api/v1/procedures/{code}[?version=N]`
pub async fn get_procedure(
    State(state): State<AppState>,
    Path(code): Path<String>,
    query: Result<Query<VersionParams>, QueryRejection>,
) -> Result<Json<ProcedureView>, ApiError> {
    let Query(params) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let version = params
        .version
        .as_deref()
        .map(|v| parse_number("version", Some(v), 1, 1_000_000).map(i64::from))
        .transpose()?;
    let record = load(&state, &code, version).await?;
    Ok(Json(ProcedureView {
        time_text: record.procedure.time.describe(),
        fee_text: record.procedure.fee.describe(),
        record,
    }))
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    nav: crate::pages::Nav,
    query: String,
    field: String,
    fields: Vec<FieldCount>,
    results: SearchPage,
    previous_page: Option<String>,
    next_page: Option<String>,
    searching: bool,
}

fn page_link(query: &SearchQuery, page: u32) -> String {
    let mut link = format!("/?trang={page}");
    if !query.text.is_empty() {
        link.push_str(&format!("&q={}", percent_encode(&query.text)));
    }
    if let Some(field) = &query.field {
        link.push_str(&format!("&linh-vuc={}", percent_encode(field)));
    }
    link
}

pub use xaso_domain::text::percent_encode;

#[derive(Debug, Default, Deserialize)]
pub struct HomeParams {
    q: Option<String>,
    #[serde(rename = "linh-vuc")]
    field: Option<String>,
    trang: Option<String>,
}

/// `GET /` — search box, fields, and the procedures (all of them by field, or the search results).
pub async fn home_page(
    State(state): State<AppState>,
    ctx: crate::pages::PageContext,
    query: Result<Query<HomeParams>, QueryRejection>,
) -> Result<Response, PageError> {
    let Query(params) = query.map_err(|e| PageError(ApiError::bad_request(e.body_text())))?;
    let list = ListParams {
        q: params.q,
        field: params.field,
        page: params.trang,
        per_page: None,
    };
    let mut query = list.to_query().map_err(PageError)?;
    let searching = !query.text.is_empty() || query.field.is_some();
    if !searching {
        query.per_page = MAX_PER_PAGE;
    }
    let mut tx = state.store.read().await?;
    let fields = catalog::fields(&mut tx).await?;
    let results = catalog::search(&mut tx, &query).await?;
    let last_page = results.total.div_ceil(results.per_page as usize).max(1) as u32;
    let page = HomePage {
        nav: ctx.nav(),
        previous_page: (results.page > 1).then(|| page_link(&query, results.page - 1)),
        next_page: (results.page < last_page).then(|| page_link(&query, results.page + 1)),
        query: query.text.clone(),
        field: query.field.clone().unwrap_or_default(),
        fields,
        results,
        searching,
    };
    Ok(ctx.finish(render(&page)))
}

#[derive(Template)]
#[template(path = "procedure.html")]
struct ProcedurePage {
    nav: crate::pages::Nav,
    record: ProcedureRecord,
    p: Procedure,
    time_text: String,
    fee_text: String,
}

/// `GET /thu-tuc/{code}` — everything a citizen needs to prepare the dossier.
pub async fn procedure_page(
    State(state): State<AppState>,
    ctx: crate::pages::PageContext,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let record = load(&state, &code, None).await.map_err(PageError)?;
    let page = ProcedurePage {
        nav: ctx.nav(),
        p: record.procedure.clone(),
        time_text: record.procedure.time.describe(),
        fee_text: record.procedure.fee.describe(),
        record,
    };
    Ok(ctx.finish(render(&page)))
}

#[cfg(test)]
mod tests {
    use super::percent_encode;

    #[test]
    fn links_encode_vietnamese() {
        assert_eq!(percent_encode("hộ tịch"), "h%E1%BB%99%20t%E1%BB%8Bch");
        assert_eq!(percent_encode("a&b=c"), "a%26b%3Dc");
    }
}
