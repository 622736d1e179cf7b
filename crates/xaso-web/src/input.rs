//! Text that is not UTF-8 is refused at the door. The query-string and form decoders replace such
//! bytes with U+FFFD without a word, so a name typed in a legacy encoding (or forged) would be
//! stored damaged; and a path segment that is not UTF-8 gets axum's English plain text. Here
//! every path, query string and url-encoded form body is checked once, before any handler, and
//! refused with a 400 in the caller's language: JSON under `/api`, Open311's errors under
//! `/open311`, a page elsewhere. A url-encoded body larger than [`crate::BODY_LIMIT`] gets 413.

use axum::body::Body;
use axum::extract::Request;
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::{ApiError, PageError};

/// Whether percent-decoding `bytes` gives UTF-8 (a `%` not followed by two hex digits is kept
/// as it is, as the decoders do).
fn decodes_to_utf8(bytes: &[u8]) -> bool {
    let hex = |b: u8| (b as char).to_digit(16);
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| Some((hex(*bytes.get(i + 1)?)?, hex(*bytes.get(i + 2)?)?)))
            .flatten();
        match escaped {
            Some((high, low)) => {
                decoded.push(u8::try_from(high * 16 + low).unwrap_or(0));
                i += 3;
            }
            None => {
                decoded.push(bytes[i]);
                i += 1;
            }
        }
    }
    std::str::from_utf8(&decoded).is_ok()
}

/// A refusal in the form the path's callers read.
fn refusal(path: &str, error: ApiError) -> Response {
    if crate::identity_access::is_api(path) {
        error.into_response()
    } else if path.starts_with("/open311/") {
        crate::feedback::open311_error(error.status, error.message)
    } else {
        PageError(error).into_response()
    }
}

fn not_utf8(path: &str, what: &str) -> Response {
    refusal(
        path,
        ApiError::bad_request(format!(
            "{what} có ký tự không đúng mã UTF-8; hãy gửi lại văn bản ở dạng Unicode (UTF-8)"
        )),
    )
}

pub(crate) async fn utf8_only(request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    if !decodes_to_utf8(path.as_bytes()) {
        return not_utf8(&path, "Đường dẫn");
    }
    if !request
        .uri()
        .query()
        .is_none_or(|q| decodes_to_utf8(q.as_bytes()))
    {
        return not_utf8(&path, "Tham số truy vấn");
    }
    let is_form = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        });
    if !is_form {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, crate::BODY_LIMIT).await else {
        return refusal(&path, ApiError::too_large());
    };
    if !decodes_to_utf8(&bytes) {
        return not_utf8(&path, "Biểu mẫu");
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

#[cfg(test)]
mod tests {
    use super::decodes_to_utf8;

    #[test]
    fn percent_escapes_are_decoded_before_the_check() {
        assert!(decodes_to_utf8(b"q=%C4%91%C4%83ng+k%C3%BD&page=2"));
        assert!(decodes_to_utf8(b"100%25 and 100% sure %zz"));
        assert!(!decodes_to_utf8(b"q=%FF"));
        assert!(!decodes_to_utf8(b"name=%C0%AF"));
        assert!(!decodes_to_utf8(b"note=%ED%A0%80"));
        assert!(!decodes_to_utf8(b"raw \xff byte"));
    }
}
