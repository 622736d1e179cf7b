//! The API's contract served: the OpenAPI document as JSON, and a page that reads it for people,
//! rendered on the server (no script, so it keeps to the site's content security policy).

use std::sync::OnceLock;

use askama::Template;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::error::ApiError;
use crate::openapi::{document, ContractError};
use crate::pages::{render, PageContext};
use crate::AppState;

/// The documentation page.
pub const PAGE_PATH: &str = "/tai-lieu-api";

/// The document, made once: it depends on the code only.
fn cached(state: &AppState) -> &'static Result<(Value, String), ContractError> {
    static DOCUMENT: OnceLock<Result<(Value, String), ContractError>> = OnceLock::new();
    DOCUMENT.get_or_init(|| {
        let document = document(&crate::route_table(state.clone()))?;
        let text = serde_json::to_string_pretty(&document).unwrap_or_default();
        Ok((document, text))
    })
}

fn unavailable(error: &ContractError) -> ApiError {
    tracing::error!(%error, "the OpenAPI document is incomplete");
    ApiError {
        status: StatusCode::INTERNAL_SERVER_ERROR,
        code: "internal",
        message: "Tài liệu API chưa đầy đủ; hãy báo cho quản trị hệ thống".into(),
    }
}

/// `GET /api/v1/openapi.json`
pub async fn spec(State(state): State<AppState>) -> Response {
    match cached(&state) {
        Ok((_, text)) => (
            [
                (header::CONTENT_TYPE, "application/json"),
                (header::CACHE_CONTROL, "public, max-age=300"),
            ],
            text.clone(),
        )
            .into_response(),
        Err(error) => unavailable(error).into_response(),
    }
}

struct Parameter {
    name: String,
    place: String,
    required: bool,
    kind: String,
    description: String,
}

struct Answer {
    status: String,
    description: String,
    /// The schema's name, or the media types of a file.
    content: Content,
}

enum Content {
    Nothing,
    Schema(String),
    Other(String),
}

struct OperationView {
    anchor: String,
    method: String,
    path: String,
    summary: String,
    description: String,
    access: String,
    parameters: Vec<Parameter>,
    body: Content,
    answers: Vec<Answer>,
}

struct Group {
    name: String,
    description: String,
    operations: Vec<OperationView>,
}

struct SchemaView {
    name: String,
    json: String,
}

#[derive(Template)]
#[template(path = "api_docs.html")]
struct DocsPage {
    nav: crate::pages::Nav,
    title: String,
    version: String,
    description: String,
    groups: Vec<Group>,
    schemas: Vec<SchemaView>,
}

fn text(value: &Value, key: &str) -> String {
    value
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string()
}

/// What a body or an answer carries: a schema's name, or the media types.
fn content_of(value: &Value) -> Content {
    let Some(content) = value.get("content").and_then(Value::as_object) else {
        return Content::Nothing;
    };
    if let Some(schema) = content
        .get("application/json")
        .and_then(|c| c.get("schema"))
    {
        return match schema.get("$ref").and_then(Value::as_str) {
            Some(reference) => Content::Schema(
                reference
                    .trim_start_matches("#/components/schemas/")
                    .to_string(),
            ),
            None => Content::Other(format!(
                "application/json: {}",
                serde_json::to_string(schema).unwrap_or_default()
            )),
        };
    }
    Content::Other(content.keys().cloned().collect::<Vec<_>>().join(", "))
}

fn access_of(operation: &Value) -> String {
    let public = operation
        .get("security")
        .and_then(Value::as_array)
        .is_some_and(Vec::is_empty);
    let roles: Vec<&str> = operation
        .get("x-roles")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    match (public, roles.is_empty()) {
        (true, _) => "Công khai, không cần đăng nhập".into(),
        (false, true) => "Mọi tài khoản đã đăng nhập (bearer token hoặc cookie phiên)".into(),
        (false, false) => format!(
            "Tài khoản có vai trò: {} (bearer token hoặc cookie phiên)",
            roles.join(", ")
        ),
    }
}

fn operation_view(
    path: &str,
    method: &str,
    operation: &Value,
    components: &Value,
) -> OperationView {
    let parameters = operation
        .get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|p| Parameter {
            name: text(p, "name"),
            place: text(p, "in"),
            required: p.get("required").and_then(Value::as_bool).unwrap_or(false),
            kind: p
                .get("schema")
                .map(|s| {
                    let format = text(s, "format");
                    let kind = s.get("type").map(Value::to_string).unwrap_or_default();
                    let kind = kind.trim_matches('"').to_string();
                    if format.is_empty() {
                        kind
                    } else {
                        format!("{kind} ({format})")
                    }
                })
                .unwrap_or_default(),
            description: text(p, "description"),
        })
        .collect();
    let answers = operation
        .get("responses")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(status, answer)| {
            // Errors refer to the shared responses.
            let answer = match answer.get("$ref").and_then(Value::as_str) {
                Some(reference) => components
                    .pointer(&format!(
                        "/responses/{}",
                        reference.trim_start_matches("#/components/responses/")
                    ))
                    .unwrap_or(answer),
                None => answer,
            };
            Answer {
                status: status.clone(),
                description: text(answer, "description"),
                content: content_of(answer),
            }
        })
        .collect();
    OperationView {
        anchor: text(operation, "operationId"),
        method: method.to_ascii_uppercase(),
        path: path.to_string(),
        summary: text(operation, "summary"),
        description: text(operation, "description"),
        access: access_of(operation),
        parameters,
        body: operation
            .get("requestBody")
            .map_or(Content::Nothing, content_of),
        answers,
    }
}

/// The page's view of the document: operations grouped by tag, then every schema.
fn docs_page(document: &Value, nav: crate::pages::Nav) -> DocsPage {
    let components = document.get("components").cloned().unwrap_or(Value::Null);
    let mut groups: Vec<Group> = document
        .get("tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|tag| Group {
            name: text(tag, "name"),
            description: text(tag, "description"),
            operations: Vec::new(),
        })
        .collect();
    let paths = document.get("paths").and_then(Value::as_object);
    for (path, item) in paths.into_iter().flatten() {
        for (method, operation) in item.as_object().into_iter().flatten() {
            let tag = operation
                .pointer("/tags/0")
                .and_then(Value::as_str)
                .unwrap_or("");
            if let Some(group) = groups.iter_mut().find(|g| g.name == tag) {
                group
                    .operations
                    .push(operation_view(path, method, operation, &components));
            }
        }
    }
    let schemas = components
        .get("schemas")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(name, schema)| SchemaView {
            name: name.clone(),
            json: serde_json::to_string_pretty(schema).unwrap_or_default(),
        })
        .collect();
    let info = document.get("info").cloned().unwrap_or(Value::Null);
    DocsPage {
        nav,
        title: text(&info, "title"),
        version: text(&info, "version"),
        description: text(&info, "description"),
        groups,
        schemas,
    }
}

/// `GET /tai-lieu-api`: the API's reference for integrators.
pub async fn page(State(state): State<AppState>, ctx: PageContext) -> Response {
    match cached(&state) {
        Ok((document, _)) => ctx.finish(render(&docs_page(document, ctx.nav()))),
        Err(error) => crate::error::PageError(unavailable(error)).into_response(),
    }
}
