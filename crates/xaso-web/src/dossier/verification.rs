//! Verification of signed e-results: the public page and API `/xac-thuc/{code}` (the QR on the
//! result leads there) and the check `xaso verify` shares with them.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::Serialize;
use xaso_docs::verify::{verify, Verification, VerifyError};
use xaso_domain::dossier::DossierCode;
use xaso_store::{dossier, pki, Store, StoreError};

use super::{local, within_public_limit, ClientIp};
use crate::error::{ApiError, PageError};
use crate::pages::{render, render_status};
use crate::AppState;

/// A signature checked against the communes' CAs and the revocations in the database.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Checked {
    #[serde(flatten)]
    pub signature: Verification,
    /// When the signer's certificate was revoked; a signature made before still stands.
    pub revoked_at: Option<DateTime<Utc>>,
    /// Intact, covering the whole file, from a trusted CA, and signed before any revocation.
    pub valid: bool,
}

/// Checks `pdf`, trusting the database's anchors (`pki::trust_anchors`) and `also_trusted` (DER).
pub async fn check(
    store: &Store,
    pdf: &[u8],
    mut also_trusted: Vec<Vec<u8>>,
) -> Result<Result<Checked, VerifyError>, StoreError> {
    let mut tx = store.read().await?;
    let certificates = pki::list(&mut tx).await?;
    tx.commit().await?;
    also_trusted.extend(crate::pki::trust_anchors(&certificates));
    let signature = match verify(pdf, &also_trusted) {
        Ok(signature) => signature,
        Err(error) => return Ok(Err(error)),
    };
    let revoked_at = certificates
        .iter()
        .find(|c| c.cert == signature.signer_certificate)
        .and_then(|c| c.revoked_at);
    let signed_before_revocation = match (revoked_at, signature.signing_time) {
        (None, _) => true,
        (Some(revoked), Some(signed)) => signed < revoked,
        (Some(_), None) => false,
    };
    let valid = signature.intact
        && signature.whole_document
        && signature.trusted
        && signed_before_revocation;
    Ok(Ok(Checked {
        signature,
        revoked_at,
        valid,
    }))
}

/// What anyone holding a result (or its QR) may see: no personal data.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct ResultVerification {
    /// What the document is, as its page's heading: "Hồ sơ CODE" or the certification number.
    pub heading: String,
    pub code: String,
    pub procedure_name: String,
    pub file_name: String,
    pub checked: Checked,
}

const NO_RESULT: &str =
    "Không tìm thấy kết quả điện tử của hồ sơ này. Hãy kiểm tra lại mã trên văn bản.";

async fn verify_result(
    state: &AppState,
    client: Option<std::net::IpAddr>,
    code: &str,
) -> Result<ResultVerification, ApiError> {
    within_public_limit(state, client)?;
    if code.parse::<DossierCode>().is_err() {
        return Err(ApiError::not_found(NO_RESULT));
    }
    let mut tx = state.store.read().await?;
    let view = dossier::view(&mut tx, &state.rules, code.trim(), state.now()).await?;
    tx.commit().await?;
    let view = view.ok_or_else(|| ApiError::not_found(NO_RESULT))?;
    let result = view
        .e_result()
        .ok_or_else(|| ApiError::not_found(NO_RESULT))?;
    let pdf = state.files.get(&result.sha256).await?;
    let checked = check(&state.store, &pdf, Vec::new()).await?.map_err(|e| {
        ApiError::bad_request(format!("Kết quả của hồ sơ này không kiểm tra được: {e}."))
    })?;
    Ok(ResultVerification {
        heading: format!("Hồ sơ {}", view.code),
        code: view.code.clone(),
        procedure_name: view.procedure_name.clone(),
        file_name: result.name.clone(),
        checked,
    })
}

/// `GET /api/v1/public/results/{code}`.
pub async fn api(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    Path(code): Path<String>,
) -> Result<Json<ResultVerification>, ApiError> {
    Ok(Json(verify_result(&state, client, &code).await?))
}

#[derive(Template)]
#[template(path = "verification.html")]
struct VerificationPage {
    nav: crate::pages::Nav,
    error: Option<String>,
    found: Option<ResultVerification>,
    signed_at: String,
    revoked_at: String,
}

/// `GET /xac-thuc/{code}`.
pub async fn page(
    State(state): State<AppState>,
    ctx: crate::pages::PageContext,
    ClientIp(client): ClientIp,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    Ok(verification_page(
        &ctx,
        verify_result(&state, client, &code).await,
    ))
}

/// The public verification page of a signed document, or of why it cannot be shown.
pub(crate) fn verification_page(
    ctx: &crate::pages::PageContext,
    outcome: Result<ResultVerification, ApiError>,
) -> Response {
    let mut page = VerificationPage {
        nav: ctx.nav(),
        error: None,
        found: None,
        signed_at: String::new(),
        revoked_at: String::new(),
    };
    match outcome {
        Ok(found) => {
            page.signed_at = local(found.checked.signature.signing_time);
            page.revoked_at = local(found.checked.revoked_at);
            page.found = Some(found);
            ctx.finish(render(&page))
        }
        Err(error) => {
            let status = error.status;
            page.error = Some(error.message);
            ctx.finish(render_status(status, &page))
        }
    }
}
