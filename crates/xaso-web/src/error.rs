//! Errors as a person can act on them: JSON `{ "error": { "code", "message" } }` under `/api`,
//! a Vietnamese page elsewhere.

use axum::extract::rejection::JsonRejection;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use xaso_store::StoreError;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            code: "bad_request",
            message: message.into(),
        }
    }

    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::NOT_FOUND,
            code: "not_found",
            message: message.into(),
        }
    }

    pub fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::FORBIDDEN,
            code: "forbidden",
            message: message.into(),
        }
    }

    /// The body limit's refusal, for forms and JSON alike (a body that cannot be read to its end
    /// within the limit is refused the same way).
    pub(crate) fn too_large() -> ApiError {
        ApiError {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            code: "too_large",
            message: format!(
                "nội dung gửi lên quá lớn: tối đa {} KiB (tệp đính kèm gửi riêng, mỗi tệp tối đa 10 MiB)",
                crate::BODY_LIMIT / 1024
            ),
        }
    }

    /// A JSON body that could not be taken: too large (413, naming the limit) or not the JSON
    /// `expected` describes (400).
    pub(crate) fn from_json(rejection: JsonRejection, expected: &str) -> ApiError {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            return ApiError::too_large();
        }
        ApiError::bad_request(format!("{expected}: {}", rejection.body_text()))
    }

    pub fn unauthorized() -> ApiError {
        ApiError {
            status: StatusCode::UNAUTHORIZED,
            code: "unauthorized",
            message: "Cần đăng nhập hoặc mã truy cập (API token) hợp lệ".into(),
        }
    }
}

/// What a person reads while the database does not answer: nothing of the request was kept, so
/// sending it again later is safe.
pub const UNAVAILABLE: &str = "Cơ sở dữ liệu tạm thời không trả lời nên yêu cầu này chưa được ghi lại. Vui lòng thử lại sau ít phút; những gì đã lưu trước đó vẫn còn nguyên.";

/// Seconds a client is asked to wait before sending again a request refused with 503.
const RETRY_AFTER_SECONDS: &str = "5";

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> ApiError {
        let (status, code) = match &error {
            StoreError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            StoreError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            StoreError::Invalid(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid"),
            StoreError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            StoreError::Locked(_) => (StatusCode::TOO_MANY_REQUESTS, "locked"),
            StoreError::SecondFactor(_) => (StatusCode::UNAUTHORIZED, "second_factor"),
            e if e.is_unavailable() => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            _ => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        };
        if status == StatusCode::SERVICE_UNAVAILABLE {
            tracing::warn!(%error, "database unavailable");
            return ApiError {
                status,
                code,
                message: UNAVAILABLE.into(),
            };
        }
        if status.is_server_error() {
            tracing::error!(%error, "request failed");
            return ApiError {
                status,
                code,
                message: "Hệ thống đang gặp sự cố, vui lòng thử lại sau ít phút".into(),
            };
        }
        ApiError {
            status,
            code,
            message: error.to_string(),
        }
    }
}

/// The body of every error under `/api`.
#[derive(Debug, serde::Serialize, schemars::JsonSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, serde::Serialize, schemars::JsonSchema)]
pub struct ErrorDetail {
    /// For programs: `bad_request`, `not_found`, `conflict`, `invalid`, `forbidden`, …
    pub code: String,
    /// For people, in Vietnamese.
    pub message: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.to_string(),
                message: self.message,
            },
        };
        let mut response = (self.status, Json(body)).into_response();
        retry_later(&mut response);
        response
    }
}

/// A 503 tells clients when to try again.
fn retry_later(response: &mut Response) {
    if response.status() == StatusCode::SERVICE_UNAVAILABLE {
        response.headers_mut().insert(
            axum::http::header::RETRY_AFTER,
            axum::http::HeaderValue::from_static(RETRY_AFTER_SECONDS),
        );
    }
}

/// The same error as a page, for the HTML routes.
pub struct PageError(pub ApiError);

impl From<StoreError> for PageError {
    fn from(error: StoreError) -> PageError {
        PageError(error.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let title = match self.0.status {
            StatusCode::NOT_FOUND => "Không tìm thấy trang",
            StatusCode::BAD_REQUEST => "Yêu cầu không hợp lệ",
            StatusCode::SERVICE_UNAVAILABLE => "Hệ thống tạm thời gián đoạn",
            _ => "Đã có lỗi xảy ra",
        };
        let mut response = crate::pages::render_status(
            self.0.status,
            &crate::pages::ErrorPage {
                nav: crate::pages::Nav::default(),
                title,
                message: &self.0.message,
            },
        );
        retry_later(&mut response);
        response
    }
}

pub async fn not_found(uri: Uri) -> Response {
    if uri.path().starts_with("/api/") {
        ApiError::not_found(format!("Không có đường dẫn {}", uri.path())).into_response()
    } else {
        PageError(ApiError::not_found(
            "Trang bạn tìm không tồn tại. Hãy quay về trang chủ để tra cứu thủ tục.",
        ))
        .into_response()
    }
}
