//! `/xac-thuc-hai-buoc`: an account turns its second factor (a one-time code from an
//! authenticator app) on — scan the QR code, type the first code — or off, with a current code.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use xaso_store::identity::totp;

use crate::dossier::pages::{page_error, qr_svg};
use crate::error::PageError;
use crate::pages::{render_status, Nav, PageContext};
use crate::AppState;

#[derive(askama::Template)]
#[template(path = "totp.html")]
struct TotpPage {
    nav: Nav,
    enabled: bool,
    /// While setting up: the secret as text and as a QR code of its otpauth:// address.
    secret: Option<String>,
    qr: String,
    message: Option<String>,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct TotpForm {
    csrf: String,
    action: String,
    #[serde(default)]
    code: String,
}

fn page(nav: Nav, enabled: bool) -> TotpPage {
    TotpPage {
        nav,
        enabled,
        secret: None,
        qr: String::new(),
        message: None,
        error: None,
    }
}

pub async fn totp_page(
    State(state): State<AppState>,
    ctx: PageContext,
) -> Result<Response, PageError> {
    let user = match ctx.require("/xac-thuc-hai-buoc") {
        Ok(user) => user.clone(),
        Err(response) => return Ok(*response),
    };
    let mut tx = state.store.read().await.map_err(page_error)?;
    let enabled = totp::enabled(&mut tx, &user).await.map_err(page_error)?;
    drop(tx);
    Ok(ctx.finish(render_status(StatusCode::OK, &page(ctx.nav(), enabled))))
}

pub async fn totp_form(
    State(state): State<AppState>,
    ctx: PageContext,
    axum::Form(form): axum::Form<TotpForm>,
) -> Result<Response, PageError> {
    let user = match ctx.require("/xac-thuc-hai-buoc") {
        Ok(user) => user.clone(),
        Err(response) => return Ok(*response),
    };
    ctx.check(&form.csrf)?;
    let now = state.now();
    let mut tx = state.store.begin().await.map_err(page_error)?;
    let mut shown = page(ctx.nav(), false);
    let outcome = match form.action.as_str() {
        "start" => totp::start(&mut tx, &user).await.map(|secret| {
            let address = xaso_domain::identity::totp::otpauth_uri("Xã Số", &user.username, &secret);
            shown.qr = qr_svg(&address);
            shown.secret = Some(secret);
        }),
        "confirm" => totp::confirm(&mut tx, &user, &form.code, now).await.map(|()| {
            shown.message = Some("Đã bật xác thực hai bước: từ lần đăng nhập sau, cần nhập mã 6 số trên ứng dụng.".into());
        }),
        "disable" => totp::disable(&mut tx, &user, &form.code, now).await.map(|()| {
            shown.message = Some("Đã tắt xác thực hai bước.".into());
        }),
        other => Err(xaso_store::StoreError::Invalid(format!("thao tác “{other}” không có"))),
    };
    let status = match outcome {
        Ok(()) => {
            tx.commit().await.map_err(page_error)?;
            StatusCode::OK
        }
        Err(error) => {
            drop(tx);
            let problem = crate::dossier::pages::shown(error)?;
            shown.error = Some(problem.1);
            problem.0
        }
    };
    let mut tx = state.store.read().await.map_err(page_error)?;
    shown.enabled = totp::enabled(&mut tx, &user).await.map_err(page_error)?;
    drop(tx);
    Ok(ctx.finish(render_status(status, &shown)))
}
