//! Page rendering shared by every area: the layout, the stylesheet and error pages.

use askama::Template;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};

pub const STYLESHEET: &str = include_str!("../assets/style.css");
const HTMX: &str = include_str!("../assets/htmx-2.0.11.min.js");

/// htmx, for partial page updates; versioned in its name so it can be cached for long.
pub async fn htmx() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        HTMX,
    )
        .into_response()
}

pub async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        STYLESHEET,
    )
        .into_response()
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage<'a> {
    pub nav: Nav,
    pub title: &'a str,
    pub message: &'a str,
}

/// Renders a template as a page with the given status.
pub fn render_status<T: Template>(status: StatusCode, page: &T) -> Response {
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                Html("<!doctype html><meta charset=utf-8><p>Đã có lỗi xảy ra khi hiển thị trang.</p>"),
            )
                .into_response()
        }
    }
}

pub fn render<T: Template>(page: &T) -> Response {
    render_status(StatusCode::OK, page)
}

/// What every page's header needs: who is signed in, and the form token.
#[derive(Debug, Clone, Default)]
pub struct Nav {
    pub user: Option<String>,
    pub staff: bool,
    pub admin: bool,
    pub csrf: String,
}

pub const CSRF_COOKIE: &str = "xaso_csrf";

/// The browser side of a request: the signed-in user (session cookie only) and the anti-forgery
/// token, a random value kept in a cookie that every form repeats (double submit). A cross-site
/// form cannot read the cookie, so it cannot repeat it.
pub struct PageContext {
    pub user: Option<xaso_store::identity::User>,
    pub csrf: String,
    new_csrf: bool,
}

impl axum::extract::FromRequestParts<crate::AppState> for PageContext {
    type Rejection = crate::error::PageError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &crate::AppState,
    ) -> Result<Self, Self::Rejection> {
        let user = match parts.extensions.get::<crate::identity_access::Caller>() {
            Some(caller) => caller.user.clone(),
            None => {
                crate::identity_access::find_caller(state, &parts.headers, false)
                    .await
                    .map_err(crate::error::PageError)?
                    .user
            }
        };
        let existing = crate::identity::cookie(&parts.headers, CSRF_COOKIE)
            .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
            .map(str::to_string);
        Ok(PageContext {
            user,
            new_csrf: existing.is_none(),
            csrf: existing.unwrap_or_else(xaso_store::identity::random_token),
        })
    }
}

impl PageContext {
    pub fn nav(&self) -> Nav {
        Nav {
            user: self.user.as_ref().map(|u| u.full_name.clone()),
            staff: self.user.as_ref().is_some_and(|u| u.is_official()),
            admin: self
                .user
                .as_ref()
                .is_some_and(|u| u.has_role(xaso_domain::identity::Role::Administrator)),
            csrf: self.csrf.clone(),
        }
    }

    /// Adds the form-token cookie when this request had none.
    pub fn finish(&self, mut response: Response) -> Response {
        if self.new_csrf {
            let cookie = format!(
                "{CSRF_COOKIE}={}; SameSite=Strict; Path=/; HttpOnly",
                self.csrf
            );
            if let Ok(value) = axum::http::HeaderValue::from_str(&cookie) {
                response.headers_mut().append(header::SET_COOKIE, value);
            }
        }
        response
    }

    /// Refuses a form whose token does not match the cookie's.
    pub fn check(&self, submitted: &str) -> Result<(), crate::error::PageError> {
        let expected = self.csrf.as_bytes();
        let given = submitted.as_bytes();
        let same = !self.new_csrf
            && expected.len() == given.len()
            && expected
                .iter()
                .zip(given)
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0;
        if same {
            Ok(())
        } else {
            Err(crate::error::PageError(crate::error::ApiError {
                status: StatusCode::FORBIDDEN,
                code: "csrf",
                message: "Phiên làm việc của biểu mẫu đã hết hạn hoặc không hợp lệ. Hãy tải lại trang và gửi lại.".into(),
            }))
        }
    }

    /// The signed-in user, or a redirect to the login page that comes back here.
    pub fn require(&self, back_to: &str) -> Result<&xaso_store::identity::User, Box<Response>> {
        if let Some(user) = &self.user {
            if user.must_change_password {
                return Err(Box::new(see_other(&format!(
                    "/doi-mat-khau?tiep={}",
                    crate::catalog::percent_encode(back_to)
                ))));
            }
        }
        self.user.as_ref().ok_or_else(|| {
            Box::new(
                axum::response::Redirect::to(&format!(
                    "/dang-nhap?tiep={}",
                    crate::catalog::percent_encode(back_to)
                ))
                .into_response(),
            )
        })
    }
}

/// A redirect after a form (303: the browser follows with GET).
pub fn see_other(location: &str) -> Response {
    axum::response::Redirect::to(location).into_response()
}

/// Only paths of this site, so that `tiep=` cannot send a user elsewhere.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        // No scheme, no authority, nothing a browser would strip and then read as `//host`.
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path
                    .chars()
                    .any(|c| c == '\\' || c.is_control() || c.is_whitespace()) =>
        {
            path.to_string()
        }
        _ => "/".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_paths_of_this_site_are_followed() {
        assert_eq!(safe_next(Some("/can-bo")), "/can-bo");
        assert_eq!(
            safe_next(Some("/thu-tuc/1.001193/nop")),
            "/thu-tuc/1.001193/nop"
        );
        for outside in [
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "https://evil.example",
            "evil",
            "/ /x",
        ] {
            assert_eq!(safe_next(Some(outside)), "/", "{outside:?}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
