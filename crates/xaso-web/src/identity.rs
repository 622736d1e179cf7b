//! Who is calling: session cookies for browsers, bearer API tokens for programs.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use xaso_store::identity::{self, User, SESSION_LIFETIME_HOURS};

use crate::error::ApiError;
use crate::identity_access::{find_caller, Caller};
use crate::AppState;

pub const SESSION_COOKIE: &str = "xaso_session";

/// The signed-in user of a request; rejects with 401 when there is none.
pub struct CurrentUser(pub User);

pub(crate) fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// The value of a cookie.
pub(crate) fn cookie<'a>(headers: &'a HeaderMap, wanted: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == wanted)
        .map(|(_, value)| value)
}

pub(crate) fn session_cookie(headers: &HeaderMap) -> Option<&str> {
    cookie(headers, SESSION_COOKIE)
}

/// The `Set-Cookie` value of a new session.
pub(crate) fn session_set_cookie(token: &str) -> String {
    format!(
        "{SESSION_COOKIE}={token}; HttpOnly; SameSite=Lax; Path=/; Max-Age={}",
        SESSION_LIFETIME_HOURS * 3600
    )
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let user = match parts.extensions.get::<Caller>() {
            Some(caller) => caller.user.clone(),
            None => find_caller(state, &parts.headers, true).await?.user,
        };
        let user = user.ok_or_else(ApiError::unauthorized)?;
        // A one-time password is for changing it, nothing else.
        let allowed = ["/api/v1/me", "/api/v1/me/password", "/api/v1/auth/logout"];
        if user.must_change_password && !allowed.contains(&parts.uri.path()) {
            return Err(ApiError {
                status: StatusCode::FORBIDDEN,
                code: "password_change_required",
                message: "Hãy đổi mật khẩu dùng một lần trước (POST /api/v1/me/password)".into(),
            });
        }
        Ok(CurrentUser(user))
    }
}

#[derive(Deserialize, schemars::JsonSchema)]
pub struct LoginRequest {
    username: String,
    password: String,
    /// The one-time code, for an account with the second factor on.
    #[serde(default)]
    code: Option<String>,
}

#[derive(Serialize, schemars::JsonSchema)]
pub struct LoginResponse {
    user: User,
    expires_at: chrono::DateTime<chrono::Utc>,
}

/// `POST /api/v1/auth/login` with `{"username", "password"}`: sets the session cookie.
pub async fn login(
    State(state): State<AppState>,
    body: Result<Json<LoginRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(request) =
        body.map_err(|e| ApiError::from_json(e, "cần JSON {\"username\": …, \"password\": …}"))?;
    let login = state
        .store
        .login_with_code(
            request.username.trim(),
            &request.password,
            request.code.as_deref(),
            state.now(),
        )
        .await?
        .ok_or(ApiError {
            status: StatusCode::UNAUTHORIZED,
            code: "invalid_credentials",
            message: "Tên đăng nhập hoặc mật khẩu không đúng".into(),
        })?;
    let cookie = session_set_cookie(&login.session_token);
    let mut response = Json(LoginResponse {
        user: login.user,
        expires_at: login.expires_at,
    })
    .into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    Ok(response)
}

/// `POST /api/v1/auth/logout`: ends the session of the cookie, if any.
pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if let Some(session) = session_cookie(&headers) {
        let mut tx = state.store.begin().await?;
        identity::end_session(&mut tx, session).await?;
        tx.commit().await?;
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("xaso_session=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0"),
    );
    Ok(response)
}

/// `GET /api/v1/me`: the caller's account.
pub async fn me(CurrentUser(user): CurrentUser) -> Json<User> {
    Json(user)
}

#[derive(Deserialize, schemars::JsonSchema)]
pub struct PasswordChange {
    current_password: String,
    new_password: String,
}

/// `POST /api/v1/me/password` with `{"current_password", "new_password"}`: ends every session of
/// the user (this one too), who then signs in with the new password.
pub async fn change_password(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    body: Result<Json<PasswordChange>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(change) = body.map_err(|e| {
        ApiError::from_json(e, "cần JSON {\"current_password\": …, \"new_password\": …}")
    })?;
    let changed = state
        .store
        .change_password(
            &user.username,
            &change.current_password,
            &change.new_password,
            state.now(),
        )
        .await?;
    if !changed {
        return Err(ApiError {
            status: StatusCode::FORBIDDEN,
            code: "invalid_credentials",
            message: "Mật khẩu hiện tại không đúng".into(),
        });
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(askama::Template)]
#[template(path = "login.html")]
struct LoginPage {
    nav: crate::pages::Nav,
    next: String,
    username: String,
    error: Option<String>,
    /// Citizens may sign in with the national e-ID.
    vneid: bool,
}

#[derive(Deserialize)]
pub struct NextParam {
    tiep: Option<String>,
}

/// `GET /dang-nhap[?tiep=/path]`
pub async fn login_page(
    State(state): State<AppState>,
    ctx: crate::pages::PageContext,
    axum::extract::Query(params): axum::extract::Query<NextParam>,
) -> Response {
    let page = LoginPage {
        nav: ctx.nav(),
        next: crate::pages::safe_next(params.tiep.as_deref()),
        username: String::new(),
        error: None,
        vneid: state.oidc.is_some(),
    };
    ctx.finish(crate::pages::render(&page))
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    csrf: String,
    tiep: Option<String>,
    /// The one-time code, for an account with the second factor on.
    #[serde(default)]
    code: Option<String>,
}

/// `POST /dang-nhap`: signs in and goes where the user was going.
pub async fn login_form(
    State(state): State<AppState>,
    ctx: crate::pages::PageContext,
    axum::Form(form): axum::Form<LoginForm>,
) -> Result<Response, crate::error::PageError> {
    ctx.check(&form.csrf)?;
    let next = crate::pages::safe_next(form.tiep.as_deref());
    let login = match state
        .store
        .login_with_code(
            form.username.trim(),
            &form.password,
            form.code.as_deref(),
            state.now(),
        )
        .await
    {
        Ok(login) => login,
        Err(xaso_store::StoreError::SecondFactor(message)) => {
            let page = LoginPage {
                nav: ctx.nav(),
                next,
                username: form.username.trim().chars().take(64).collect(),
                error: Some(format!("Mật khẩu đúng; {message}.")),
                vneid: state.oidc.is_some(),
            };
            return Ok(ctx.finish(crate::pages::render_status(StatusCode::UNAUTHORIZED, &page)));
        }
        Err(xaso_store::StoreError::Locked(message)) => {
            let page = LoginPage {
                nav: ctx.nav(),
                next,
                username: form.username.trim().chars().take(64).collect(),
                error: Some(format!("Tài khoản tạm khóa: {message}.")),
                vneid: state.oidc.is_some(),
            };
            return Ok(ctx.finish(crate::pages::render_status(
                StatusCode::TOO_MANY_REQUESTS,
                &page,
            )));
        }
        Err(error) => return Err(crate::error::PageError(error.into())),
    };
    let Some(login) = login else {
        let page = LoginPage {
            nav: ctx.nav(),
            next,
            username: form.username.trim().chars().take(64).collect(),
            error: Some("Tên đăng nhập hoặc mật khẩu không đúng.".into()),
            vneid: state.oidc.is_some(),
        };
        return Ok(ctx.finish(crate::pages::render_status(StatusCode::UNAUTHORIZED, &page)));
    };
    let mut response = crate::pages::see_other(&next);
    if let Ok(value) = HeaderValue::from_str(&session_set_cookie(&login.session_token)) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    Ok(response)
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

/// `POST /dang-xuat`
pub async fn logout_form(
    State(state): State<AppState>,
    ctx: crate::pages::PageContext,
    headers: HeaderMap,
    axum::Form(form): axum::Form<CsrfForm>,
) -> Result<Response, crate::error::PageError> {
    ctx.check(&form.csrf)?;
    if let Some(session) = session_cookie(&headers) {
        let mut tx = state
            .store
            .begin()
            .await
            .map_err(|e| crate::error::PageError(e.into()))?;
        identity::end_session(&mut tx, session)
            .await
            .map_err(|e| crate::error::PageError(e.into()))?;
        tx.commit()
            .await
            .map_err(|e| crate::error::PageError(e.into()))?;
    }
    let mut response = crate::pages::see_other("/");
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("xaso_session=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0"),
    );
    Ok(response)
}

#[derive(askama::Template)]
#[template(path = "password.html")]
struct PasswordPage {
    nav: crate::pages::Nav,
    next: String,
    forced: bool,
    error: Option<String>,
}

/// `GET /doi-mat-khau[?tiep=/path]`: change one's password (required after a one-time password).
pub async fn password_page(
    ctx: crate::pages::PageContext,
    axum::extract::Query(params): axum::extract::Query<NextParam>,
) -> Response {
    let Some(user) = &ctx.user else {
        return crate::pages::see_other("/dang-nhap?tiep=%2Fdoi-mat-khau");
    };
    let page = PasswordPage {
        nav: ctx.nav(),
        next: crate::pages::safe_next(params.tiep.as_deref()),
        forced: user.must_change_password,
        error: None,
    };
    ctx.finish(crate::pages::render(&page))
}

#[derive(Deserialize)]
pub struct PasswordForm {
    csrf: String,
    current_password: String,
    new_password: String,
    confirm_password: String,
    tiep: Option<String>,
}

/// `POST /doi-mat-khau`: changes the password and signs in again with the new one.
pub async fn password_form(
    State(state): State<AppState>,
    ctx: crate::pages::PageContext,
    axum::Form(form): axum::Form<PasswordForm>,
) -> Result<Response, crate::error::PageError> {
    ctx.check(&form.csrf)?;
    let Some(user) = ctx.user.clone() else {
        return Ok(crate::pages::see_other("/dang-nhap?tiep=%2Fdoi-mat-khau"));
    };
    let next = crate::pages::safe_next(form.tiep.as_deref());
    let again = |message: String, status: StatusCode| {
        let page = PasswordPage {
            nav: ctx.nav(),
            next: next.clone(),
            forced: user.must_change_password,
            error: Some(message),
        };
        Ok(ctx.finish(crate::pages::render_status(status, &page)))
    };
    if form.new_password != form.confirm_password {
        return again(
            "Mật khẩu nhập lại không khớp.".into(),
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    match state
        .store
        .change_password(
            &user.username,
            &form.current_password,
            &form.new_password,
            state.now(),
        )
        .await
    {
        Ok(true) => {}
        Ok(false) => {
            return again(
                "Mật khẩu hiện tại không đúng.".into(),
                StatusCode::FORBIDDEN,
            )
        }
        Err(error) => {
            let api: ApiError = error.into();
            if api.status.is_server_error() {
                return Err(crate::error::PageError(api));
            }
            return again(api.message, api.status);
        }
    }
    // Every session ended with the change: start a new one for this browser.
    let login = state
        .store
        .login(&user.username, &form.new_password, state.now())
        .await
        .map_err(|e| crate::error::PageError(e.into()))?;
    let mut response = crate::pages::see_other(&next);
    if let Some(login) = login {
        if let Ok(value) = HeaderValue::from_str(&session_set_cookie(&login.session_token)) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    Ok(response)
}
