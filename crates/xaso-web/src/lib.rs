//! xaso HTTP: the REST API under `/api/v1` and the server-rendered pages, on axum.

pub mod admin;
pub mod agency;
pub mod calendar;
pub mod catalog;
pub mod certification;
pub mod citizen;
pub mod dossier;
mod error;
pub mod feedback;
mod headers;
pub mod identity;
mod identity_oidc;
mod identity_totp;
pub mod metrics;
pub mod notification;
mod pages;
pub mod payment;
pub mod pki;
pub mod plan;
pub mod report;

use std::sync::Arc;

use axum::routing::{get, post};
use axum::Router;
use chrono::{DateTime, Utc};
use xaso_store::dossier::DossierRules;
use xaso_store::Store;

pub use error::ApiError;
pub use identity_oidc::{OidcConfig, CALLBACK_PATH as OIDC_CALLBACK_PATH};

/// Where the current time comes from: the real clock in production, a fixed one in tests.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    /// Workflows and calendars.
    pub rules: Arc<DossierRules>,
    pub clock: Clock,
    pub metrics: Arc<metrics::Metrics>,
    pub public_limiter: Arc<dossier::RateLimiter>,
    /// Attachments and results.
    pub files: xaso_store::files::Files,
    /// The installation's secret, which seals signing keys; without it results are not signed.
    pub secret: Option<[u8; 32]>,
    /// The online payment gateway, when one is configured (or the built-in sandbox).
    pub gateway: Option<Arc<payment::Gateway>>,
    /// Citizens reach the portal over HTTPS: cookies are `Secure`, HSTS is sent.
    pub https: bool,
    /// The national e-ID (VNeID) provider citizens may sign in with, when one is configured.
    pub oidc: Option<Arc<OidcConfig>>,
}

impl AppState {
    pub fn new(
        store: Store,
        rules: Arc<DossierRules>,
        files: xaso_store::files::Files,
    ) -> AppState {
        AppState::with_clock(store, rules, files, Arc::new(Utc::now))
    }

    pub fn with_clock(
        store: Store,
        rules: Arc<DossierRules>,
        files: xaso_store::files::Files,
        clock: Clock,
    ) -> AppState {
        AppState {
            store,
            rules,
            clock,
            metrics: Arc::new(metrics::Metrics::default()),
            public_limiter: Arc::new(dossier::RateLimiter::new(60, 60)),
            files,
            secret: None,
            gateway: None,
            https: false,
            oidc: None,
        }
    }

    /// With an online payment gateway.
    pub fn with_gateway(mut self, gateway: payment::Gateway) -> AppState {
        self.gateway = Some(Arc::new(gateway));
        self
    }

    /// With the secret that opens the signing keys.
    pub fn with_secret(mut self, secret: [u8; 32]) -> AppState {
        self.secret = Some(secret);
        self
    }

    pub fn now(&self) -> DateTime<Utc> {
        (self.clock)()
    }
}

/// Every route of the application.
/// Forms that carry evidence files: a few files of at most 10 MiB each.
fn evidence_limit() -> axum::extract::DefaultBodyLimit {
    axum::extract::DefaultBodyLimit::max(4 * xaso_store::files::MAX_FILE_BYTES)
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(catalog::home_page))
        .route("/thu-tuc/{code}", get(catalog::procedure_page))
        .route("/static/style.css", get(pages::stylesheet))
        .route("/static/htmx-2.0.11.min.js", get(pages::htmx))
        .route("/healthz", get(metrics::healthz))
        .route("/metrics", get(metrics::prometheus))
        .route("/api/v1/procedures", get(catalog::list_procedures))
        .route("/api/v1/procedures/{code}", get(catalog::get_procedure))
        .route("/api/v1/agencies", get(agency::list_agencies))
        .route("/api/v1/calendar/lunar", get(calendar::to_lunar))
        .route("/api/v1/calendar/solar", get(calendar::to_solar))
        .route("/api/v1/calendar/{year}", get(calendar::year))
        .route("/api/v1/deadline", get(calendar::deadline))
        .route("/api/v1/dossiers", post(dossier::create))
        .route("/api/v1/dossiers/inbox", get(dossier::inbox))
        .route("/api/v1/dossiers/mine", get(dossier::mine))
        .route("/api/v1/dossiers/{code}", get(dossier::detail))
        .route("/api/v1/dossiers/{code}/actions", post(dossier::act))
        .route(
            "/api/v1/dossiers/{code}/files",
            post(dossier::upload).layer(axum::extract::DefaultBodyLimit::max(
                xaso_store::files::MAX_FILE_BYTES + 1024,
            )),
        )
        .route("/api/v1/dossiers/{code}/files/{id}", get(dossier::download))
        .route("/api/v1/public/dossiers/{code}", get(dossier::public))
        .route("/tra-cuu", get(dossier::tracking_page))
        .route("/thong-bao", get(notification::inbox_page))
        .route(
            "/xac-thuc-hai-buoc",
            get(identity_totp::totp_page).post(identity_totp::totp_form),
        )
        .route("/xac-thuc/{code}", get(dossier::verification::page))
        .route(
            "/api/v1/public/results/{code}",
            get(dossier::verification::api),
        )
        .route(
            "/dang-nhap",
            get(identity::login_page).post(identity::login_form),
        )
        .route("/dang-nhap/vneid", get(identity_oidc::start))
        .route(identity_oidc::CALLBACK_PATH, get(identity_oidc::callback))
        .route("/dang-xuat", post(identity::logout_form))
        .route(
            "/doi-mat-khau",
            get(identity::password_page).post(identity::password_form),
        )
        .route("/can-bo", get(dossier::pages::inbox_page))
        .route("/can-bo/ke-hoach", get(plan::list))
        .route("/can-bo/ke-hoach/{id}", get(plan::overview))
        .route(
            "/can-bo/ke-hoach/{id}/nhiem-vu/{key}",
            get(plan::task).post(plan::report).layer(evidence_limit()),
        )
        .route("/can-bo/ke-hoach/{id}/giao-viec", post(plan::assign))
        .route("/can-bo/ke-hoach/{id}/chi-tieu", get(plan::targets_page))
        .route(
            "/can-bo/ke-hoach/{id}/chi-tieu/{key}",
            get(plan::target_page)
                .post(plan::target_post)
                .layer(evidence_limit()),
        )
        .route(
            "/can-bo/ke-hoach/{id}/kiem-tra",
            get(plan::inspections_page).post(plan::inspections_post),
        )
        .route(
            "/can-bo/ke-hoach/{id}/kiem-tra/{inspection}",
            get(plan::inspection_page)
                .post(plan::inspection_post)
                .layer(evidence_limit()),
        )
        .route(
            "/can-bo/ke-hoach/{id}/minh-chung/{evidence}",
            get(plan::evidence),
        )
        .route("/can-bo/ke-hoach/{id}/{file}", get(plan::report_download))
        .route("/can-bo/bao-cao", get(report::dashboard))
        .route("/can-bo/bao-cao/{file}", get(report::download))
        .route("/api/v1/reports/ii06a", get(report::ii06a_api))
        .route("/api/v1/reports/targets", get(report::targets_api))
        .route(
            "/can-bo/chung-thuc",
            get(certification::page).post(certification::submit).layer(
                axum::extract::DefaultBodyLimit::max(4 * xaso_store::files::MAX_FILE_BYTES),
            ),
        )
        .route(
            "/can-bo/chung-thuc/so.pdf",
            get(certification::register_pdf),
        )
        .route(
            "/can-bo/chung-thuc/{id}/ban-sao.pdf",
            get(certification::copy_pdf),
        )
        .route(
            "/xac-thuc/chung-thuc/{id}",
            get(certification::verification),
        )
        .route(
            "/api/v1/public/certifications/{id}",
            get(certification::verification_api),
        )
        .route(
            "/can-bo/ho-so/{code}",
            get(dossier::pages::dossier_page).post(dossier::pages::dossier_action),
        )
        .route(
            "/can-bo/tiep-nhan",
            get(dossier::intake::reception_page)
                .post(dossier::intake::reception_submit)
                .layer(axum::extract::DefaultBodyLimit::max(
                    4 * xaso_store::files::MAX_FILE_BYTES,
                )),
        )
        .route(
            "/thu-tuc/{code}/nop",
            get(dossier::intake::submit_page)
                .post(dossier::intake::submit)
                .layer(axum::extract::DefaultBodyLimit::max(
                    4 * xaso_store::files::MAX_FILE_BYTES,
                )),
        )
        .route("/ho-so-cua-toi", get(dossier::pages::my_dossiers_page))
        .route("/du-lieu-cua-toi", get(citizen::my_data_page))
        .route(
            "/du-lieu-cua-toi/giay-to",
            post(citizen::my_data_upload).layer(evidence_limit()),
        )
        .route("/du-lieu-cua-toi/giay-to/{id}", get(citizen::document_page))
        .route(
            "/du-lieu-cua-toi/giay-to/{id}/xoa",
            post(citizen::my_document_remove),
        )
        .route(
            "/can-bo/cong-dan",
            get(citizen::staff_page).post(citizen::staff_save),
        )
        .route("/can-bo/cong-dan/giay-to/{id}", get(citizen::document_page))
        .route("/can-bo/cong-dan/{so}/lien-ket", post(citizen::staff_link))
        .route(
            "/can-bo/cong-dan/{so}/giay-to",
            post(citizen::staff_upload).layer(evidence_limit()),
        )
        .route("/api/v1/citizens/{number}", get(citizen::api_profile))
        .route(
            "/api/v1/citizens/documents/{id}",
            get(citizen::api_document),
        )
        .route("/api/v1/me/data", get(citizen::api_mine))
        .route(
            "/phan-anh",
            get(feedback::list_page).post(feedback::submit_page),
        )
        .route(
            "/phan-anh/{code}",
            get(feedback::item_page).post(feedback::item_action),
        )
        .route("/phan-anh/quay", post(feedback::counter_page))
        .route("/open311/v2/services.json", get(feedback::services))
        .route("/open311/v2/requests.json", post(feedback::create))
        .route("/open311/v2/requests/{id}", get(feedback::request))
        .route("/ho-so/{code}/thanh-toan", post(payment::start))
        .route("/ho-so/{code}/bien-lai/{number}", get(payment::receipt_pdf))
        .route("/thanh-toan/ket-qua", get(payment::returned))
        .route("/api/v1/payments/vnpay/ipn", get(payment::ipn))
        .route(
            payment::SANDBOX_PATH,
            get(payment::sandbox_page).post(payment::sandbox_pay),
        )
        .route(
            "/cong-thanh-toan-thu/giao-dich.csv",
            get(payment::sandbox_export),
        )
        .route(
            "/can-bo/thanh-toan",
            get(payment::staff_page)
                .post(payment::staff_reconcile)
                .layer(evidence_limit()),
        )
        .route("/api/v1/dossiers/{code}/reuse", post(citizen::api_reuse))
        .route("/quan-tri", get(admin::overview))
        .route(
            "/quan-tri/nguoi-dung/{username}/dat-lai",
            post(admin::reset),
        )
        .route("/quan-tri/lich/{year}", get(admin::calendar))
        .route("/ho-so/{code}", get(dossier::pages::my_dossier_page))
        .route("/ho-so/{code}/bien-nhan", get(dossier::pages::receipt_page))
        .route("/can-bo/so-theo-doi.pdf", get(dossier::pages::register_pdf))
        .route(
            "/ho-so/{code}/phieu/{form}",
            get(dossier::pages::notice_pdf),
        )
        .route(
            "/ho-so/{code}/bien-nhan.pdf",
            get(dossier::pages::receipt_pdf),
        )
        .route(
            "/can-bo/ho-so/{code}/phieu-kiem-soat.pdf",
            get(dossier::pages::control_slip_pdf),
        )
        .route("/ho-so/{code}/danh-gia", post(dossier::pages::rate))
        .route("/api/v1/auth/login", post(identity::login))
        .route("/api/v1/auth/logout", post(identity::logout))
        .route("/api/v1/me", get(identity::me))
        .route("/api/v1/me/password", post(identity::change_password))
        .fallback(error::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .layer(axum::extract::DefaultBodyLimit::max(64 * 1024))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            headers::security_headers,
        ))
        .with_state(state)
}
