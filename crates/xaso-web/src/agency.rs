//! Agencies over HTTP.

use axum::extract::State;
use axum::Json;
use serde::Serialize;
use xaso_store::agency;

use crate::error::ApiError;
use crate::AppState;

#[derive(Serialize, schemars::JsonSchema)]
pub struct AgencyView {
    agency_code: String,
    name: String,
    kind: String,
    parent_code: Option<String>,
    admin_unit_code: Option<String>,
    unverified: Vec<String>,
}

#[derive(Serialize, schemars::JsonSchema)]
pub struct AgencyList {
    items: Vec<AgencyView>,
}

/// `GET /api/v1/agencies` — the whole tree, parents before children.
pub async fn list_agencies(State(state): State<AppState>) -> Result<Json<AgencyList>, ApiError> {
    let mut tx = state.store.read().await?;
    let all = agency::list(&mut tx).await?;
    let code_of = |id| {
        all.iter()
            .find(|a| a.id == id)
            .map(|a| a.agency_code.clone())
    };
    let items = all
        .iter()
        .map(|a| AgencyView {
            agency_code: a.agency_code.clone(),
            name: a.name.clone(),
            kind: a.kind.clone(),
            parent_code: a.parent_id.and_then(code_of),
            admin_unit_code: a.admin_unit_code.clone(),
            unverified: a
                .unverified
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
        })
        .collect();
    Ok(Json(AgencyList { items }))
}
