//! Security headers on every response (issue 12): a Content-Security-Policy that allows only
//! this server's own scripts, styles and images (no inline script or style anywhere: pages,
//! templates and htmx are written that way), no framing by other sites, no sniffing, and no
//! dossier codes in Referer headers sent to other sites. A handler that set its own policy (a
//! file download) keeps it. When citizens reach the portal over HTTPS (`public_url` https://,
//! TLS ended here or at a proxy), cookies are marked `Secure` and browsers are told to keep to
//! HTTPS (HSTS), so a session never travels in clear text.

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

/// `data:` images: the QR codes of receipts and certified copies are inline SVG or data URLs.
pub const CONTENT_SECURITY_POLICY: &str =
    "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/// One year, the usual HSTS lifetime.
const STRICT_TRANSPORT_SECURITY: &str = "max-age=31536000";

pub async fn security_headers(
    State(state): State<crate::AppState>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if state.https {
        let cookies: Vec<HeaderValue> = headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| {
                let text = v.to_str().ok()?;
                HeaderValue::from_str(&format!("{text}; Secure")).ok()
            })
            .collect();
        headers.remove(header::SET_COOKIE);
        for cookie in cookies {
            headers.append(header::SET_COOKIE, cookie);
        }
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(STRICT_TRANSPORT_SECURITY),
        );
    }
    for (name, value) in [
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "same-origin"),
    ] {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    }
    response
}
