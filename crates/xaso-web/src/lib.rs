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
mod identity_access;
mod identity_oidc;
mod identity_tokens;
mod identity_totp;
mod input;
pub mod integration;
pub mod metrics;
pub mod notification;
pub mod openapi;
mod openapi_page;
mod pages;
pub mod payment;
pub mod pki;
pub mod plan;
pub mod report;

use std::sync::Arc;

use axum::Router;
use chrono::{DateTime, Utc};
use xaso_store::dossier::DossierRules;
use xaso_store::Store;

pub use error::ApiError;
pub use identity_access::RouteAccess;
use identity_access::Routes;
pub use identity_oidc::{OidcConfig, CALLBACK_PATH as OIDC_CALLBACK_PATH};
use xaso_domain::identity::access::Access;

/// Where the current time comes from: the real clock in production, a fixed one in tests.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// What every request handler shares, behind one pointer: axum clones the state for each handler
/// and middleware a request passes through, and cloning a dozen reference-counted fields (and the
/// store's location string) there, with both cores touching the same counters, was a quarter of
/// the server's CPU when it answered a static file (`perf`, 2026-11-28). Fields read through
/// `Deref`; set before serving through `DerefMut`.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

#[derive(Clone)]
pub struct Shared {
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

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl std::ops::DerefMut for AppState {
    /// Changes this handle's own copy (shared ones are copied first): for setting up a state
    /// before it is handed to the router.
    fn deref_mut(&mut self) -> &mut Shared {
        Arc::make_mut(&mut self.0)
    }
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
        AppState(Arc::new(Shared {
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
        }))
    }

    /// With an online payment gateway.
    pub fn with_gateway(mut self, gateway: payment::Gateway) -> AppState {
        self.gateway = Some(Arc::new(gateway));
        self
    }

    /// With at most `per_minute` public look-ups by code per client address.
    pub fn with_public_lookups_per_minute(mut self, per_minute: u32) -> AppState {
        self.public_limiter = Arc::new(dossier::RateLimiter::new(per_minute, 60));
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

/// What a JSON or url-encoded body may weigh; routes that take files say their own limit.
pub(crate) const BODY_LIMIT: usize = 64 * 1024;

/// Forms that carry evidence files: a few files of at most 10 MiB each.
pub(crate) const EVIDENCE_LIMIT: usize = 4 * xaso_store::files::MAX_FILE_BYTES;

/// Every route of the application, each with what it asks of its caller.
fn routes(state: AppState) -> Routes {
    use xaso_domain::identity::access::Permission::*;
    use Access::{Need, Public, SignedIn};
    Routes::new(state)
        // The public portal: catalog, tracking, verification, the calendar, sign-in.
        .get("/", Public, catalog::home_page)
        .get("/thu-tuc/{code}", Public, catalog::procedure_page)
        .get("/static/style.css", Public, pages::stylesheet)
        .get("/static/htmx-2.0.11.min.js", Public, pages::htmx)
        .get("/healthz", Public, metrics::healthz)
        .get("/metrics", Public, metrics::prometheus)
        // The API's contract and its page.
        .get(openapi::SPEC_PATH, Public, openapi_page::spec)
        .get(openapi_page::PAGE_PATH, Public, openapi_page::page)
        .get("/api/v1/procedures", Public, catalog::list_procedures)
        .get("/api/v1/procedures/{code}", Public, catalog::get_procedure)
        .get("/api/v1/agencies", Public, agency::list_agencies)
        .get("/api/v1/calendar/lunar", Public, calendar::to_lunar)
        .get("/api/v1/calendar/solar", Public, calendar::to_solar)
        .get("/api/v1/calendar/{year}", Public, calendar::year)
        .get("/api/v1/deadline", Public, calendar::deadline)
        .get("/api/v1/public/dossiers/{code}", Public, dossier::public)
        .get("/tra-cuu", Public, dossier::tracking_page)
        .get("/xac-thuc/{code}", Public, dossier::verification::page)
        .get(
            "/api/v1/public/results/{code}",
            Public,
            dossier::verification::api,
        )
        .get(
            "/xac-thuc/chung-thuc/{id}",
            Public,
            certification::verification,
        )
        .get(
            "/api/v1/public/certifications/{id}",
            Public,
            certification::verification_api,
        )
        .get("/open311/v2/services.json", Public, feedback::services)
        .post("/open311/v2/requests.json", Public, feedback::create)
        .get("/open311/v2/requests/{id}", Public, feedback::request)
        .get("/dang-nhap", Public, identity::login_page)
        .post("/dang-nhap", Public, identity::login_form)
        .get("/dang-nhap/vneid", Public, identity_oidc::start)
        .get(
            identity_oidc::CALLBACK_PATH,
            Public,
            identity_oidc::callback,
        )
        .post("/api/v1/auth/login", Public, identity::login)
        // The payment gateway's side: its return, its signed notification, the built-in sandbox.
        .get("/thanh-toan/ket-qua", Public, payment::returned)
        .get("/api/v1/payments/vnpay/ipn", Public, payment::ipn)
        .get(payment::SANDBOX_PATH, Public, payment::sandbox_page)
        .post(payment::SANDBOX_PATH, Public, payment::sandbox_pay)
        .get(
            "/cong-thanh-toan-thu/giao-dich.csv",
            Need(HandleDossiers),
            payment::sandbox_export,
        )
        // One's own account.
        .post("/dang-xuat", SignedIn, identity::logout_form)
        .post("/api/v1/auth/logout", SignedIn, identity::logout)
        .get("/doi-mat-khau", SignedIn, identity::password_page)
        .post("/doi-mat-khau", SignedIn, identity::password_form)
        .get("/api/v1/me", SignedIn, identity::me)
        .post("/api/v1/me/password", SignedIn, identity::change_password)
        .get("/api/v1/me/tokens", SignedIn, identity_tokens::list)
        .post("/api/v1/me/tokens", SignedIn, identity_tokens::create)
        .post(
            "/api/v1/me/tokens/{id}/revoke",
            SignedIn,
            identity_tokens::revoke,
        )
        .get("/xac-thuc-hai-buoc", SignedIn, identity_totp::totp_page)
        .post("/xac-thuc-hai-buoc", SignedIn, identity_totp::totp_form)
        .get("/thong-bao", SignedIn, notification::inbox_page)
        // Feedback: the author's and the commune's; each item is seen by them only.
        .get("/phan-anh", SignedIn, feedback::list_page)
        .post("/phan-anh", SignedIn, feedback::submit_page)
        .get("/phan-anh/{code}", SignedIn, feedback::item_page)
        .post("/phan-anh/{code}", SignedIn, feedback::item_action)
        .post("/phan-anh/quay", Need(ServeCounter), feedback::counter_page)
        // A dossier, for its applicant and the officials who may see it (others: 404).
        .post("/api/v1/dossiers", Need(FileDossier), dossier::create)
        .get("/api/v1/dossiers/{code}", SignedIn, dossier::detail)
        .post("/api/v1/dossiers/{code}/actions", SignedIn, dossier::act)
        .post_files(
            "/api/v1/dossiers/{code}/files",
            SignedIn,
            xaso_store::files::MAX_FILE_BYTES + 1024,
            dossier::upload,
        )
        .get(
            "/api/v1/dossiers/{code}/files/{id}",
            SignedIn,
            dossier::download,
        )
        .get("/ho-so/{code}", SignedIn, dossier::pages::my_dossier_page)
        .get(
            "/ho-so/{code}/bien-nhan",
            SignedIn,
            dossier::pages::receipt_page,
        )
        .get(
            "/ho-so/{code}/bien-nhan.pdf",
            SignedIn,
            dossier::pages::receipt_pdf,
        )
        .get(
            "/ho-so/{code}/phieu/{form}",
            SignedIn,
            dossier::pages::notice_pdf,
        )
        .get(
            "/ho-so/{code}/bien-lai/{number}",
            SignedIn,
            payment::receipt_pdf,
        )
        // A citizen's own business on the portal.
        .get("/api/v1/dossiers/mine", Need(UsePortal), dossier::mine)
        .get(
            "/thu-tuc/{code}/nop",
            Need(UsePortal),
            dossier::intake::submit_page,
        )
        .post_files(
            "/thu-tuc/{code}/nop",
            Need(UsePortal),
            EVIDENCE_LIMIT,
            dossier::intake::submit,
        )
        .get(
            "/ho-so-cua-toi",
            Need(UsePortal),
            dossier::pages::my_dossiers_page,
        )
        .post("/ho-so/{code}/thanh-toan", Need(UsePortal), payment::start)
        .post(
            "/ho-so/{code}/danh-gia",
            Need(UsePortal),
            dossier::pages::rate,
        )
        .post(
            "/api/v1/dossiers/{code}/reuse",
            Need(UsePortal),
            citizen::api_reuse,
        )
        .get("/du-lieu-cua-toi", Need(UsePortal), citizen::my_data_page)
        .post_files(
            "/du-lieu-cua-toi/giay-to",
            Need(UsePortal),
            EVIDENCE_LIMIT,
            citizen::my_data_upload,
        )
        .get(
            "/du-lieu-cua-toi/giay-to/{id}",
            Need(UsePortal),
            citizen::document_page,
        )
        .post(
            "/du-lieu-cua-toi/giay-to/{id}/xoa",
            Need(UsePortal),
            citizen::my_document_remove,
        )
        .get("/api/v1/me/data", Need(UsePortal), citizen::api_mine)
        // The one-stop counter.
        .get(
            "/can-bo/tiep-nhan",
            Need(ServeCounter),
            dossier::intake::reception_page,
        )
        .post_files(
            "/can-bo/tiep-nhan",
            Need(ServeCounter),
            EVIDENCE_LIMIT,
            dossier::intake::reception_submit,
        )
        .get(
            "/can-bo/cong-dan",
            Need(ReadCitizenData),
            citizen::staff_page,
        )
        .post("/can-bo/cong-dan", Need(ServeCounter), citizen::staff_save)
        .get(
            "/can-bo/cong-dan/giay-to/{id}",
            Need(ReadCitizenData),
            citizen::document_page,
        )
        .post(
            "/can-bo/cong-dan/{so}/lien-ket",
            Need(ServeCounter),
            citizen::staff_link,
        )
        .post_files(
            "/can-bo/cong-dan/{so}/giay-to",
            Need(ServeCounter),
            EVIDENCE_LIMIT,
            citizen::staff_upload,
        )
        .get(
            "/api/v1/citizens/{number}",
            Need(ReadCitizenData),
            citizen::api_profile,
        )
        .get(
            "/api/v1/citizens/documents/{id}",
            SignedIn,
            citizen::api_document,
        )
        .get(
            "/can-bo/thanh-toan",
            Need(HandleDossiers),
            payment::staff_page,
        )
        .post_files(
            "/can-bo/thanh-toan",
            Need(ServeCounter),
            EVIDENCE_LIMIT,
            payment::staff_reconcile,
        )
        // Officials' work on the commune's dossiers.
        .get("/can-bo", Need(HandleDossiers), dossier::pages::inbox_page)
        .get(
            "/api/v1/dossiers/inbox",
            Need(HandleDossiers),
            dossier::inbox,
        )
        .get(
            "/can-bo/ho-so/{code}",
            Need(HandleDossiers),
            dossier::pages::dossier_page,
        )
        .post(
            "/can-bo/ho-so/{code}",
            Need(HandleDossiers),
            dossier::pages::dossier_action,
        )
        .get(
            "/can-bo/ho-so/{code}/phieu-kiem-soat.pdf",
            Need(HandleDossiers),
            dossier::pages::control_slip_pdf,
        )
        .get(
            "/can-bo/so-theo-doi.pdf",
            Need(WorkInCommune),
            dossier::pages::register_pdf,
        )
        .get(
            "/can-bo/chung-thuc",
            Need(WorkInCommune),
            certification::page,
        )
        .post_files(
            "/can-bo/chung-thuc",
            Need(WorkInCommune),
            EVIDENCE_LIMIT,
            certification::submit,
        )
        .get(
            "/can-bo/chung-thuc/so.pdf",
            Need(WorkInCommune),
            certification::register_pdf,
        )
        .get(
            "/can-bo/chung-thuc/{id}/ban-sao.pdf",
            Need(WorkInCommune),
            certification::copy_pdf,
        )
        // Reports and the reform plan.
        .get("/can-bo/bao-cao", Need(ReadReports), report::dashboard)
        .get(
            "/can-bo/bao-cao/{file}",
            Need(ReadReports),
            report::download,
        )
        .get(
            "/api/v1/reports/ii06a",
            Need(ReadReports),
            report::ii06a_api,
        )
        .get(
            "/api/v1/reports/targets",
            Need(ReadReports),
            report::targets_api,
        )
        .get("/can-bo/ke-hoach", Need(FollowPlan), plan::list)
        .get("/can-bo/ke-hoach/{id}", Need(FollowPlan), plan::overview)
        .get(
            "/can-bo/ke-hoach/{id}/nhiem-vu/{key}",
            Need(FollowPlan),
            plan::task,
        )
        .post_files(
            "/can-bo/ke-hoach/{id}/nhiem-vu/{key}",
            Need(FollowPlan),
            EVIDENCE_LIMIT,
            plan::report,
        )
        .post(
            "/can-bo/ke-hoach/{id}/giao-viec",
            Need(AssignPlanTasks),
            plan::assign,
        )
        .get(
            "/can-bo/ke-hoach/{id}/chi-tieu",
            Need(FollowPlan),
            plan::targets_page,
        )
        .get(
            "/can-bo/ke-hoach/{id}/chi-tieu/{key}",
            Need(FollowPlan),
            plan::target_page,
        )
        .post_files(
            "/can-bo/ke-hoach/{id}/chi-tieu/{key}",
            Need(LeadPlan),
            EVIDENCE_LIMIT,
            plan::target_post,
        )
        .get(
            "/can-bo/ke-hoach/{id}/kiem-tra",
            Need(FollowPlan),
            plan::inspections_page,
        )
        .post(
            "/can-bo/ke-hoach/{id}/kiem-tra",
            Need(LeadPlan),
            plan::inspections_post,
        )
        .get(
            "/can-bo/ke-hoach/{id}/kiem-tra/{inspection}",
            Need(FollowPlan),
            plan::inspection_page,
        )
        .post_files(
            "/can-bo/ke-hoach/{id}/kiem-tra/{inspection}",
            Need(LeadPlan),
            EVIDENCE_LIMIT,
            plan::inspection_post,
        )
        .get(
            "/can-bo/ke-hoach/{id}/minh-chung/{evidence}",
            Need(FollowPlan),
            plan::evidence,
        )
        .get(
            "/can-bo/ke-hoach/{id}/{file}",
            Need(FollowPlan),
            plan::report_download,
        )
        // Other systems: webhook subscriptions, their delivery logs, replays.
        .get("/api/v1/webhooks", Need(Integrate), integration::list)
        .post("/api/v1/webhooks", Need(Integrate), integration::subscribe)
        .post(
            "/api/v1/webhooks/{id}/disable",
            Need(Integrate),
            integration::disable,
        )
        .get(
            "/api/v1/webhooks/{id}/deliveries",
            Need(Integrate),
            integration::deliveries,
        )
        .post(
            "/api/v1/webhooks/deliveries/{id}/replay",
            Need(Integrate),
            integration::replay,
        )
        // Administration.
        .get("/quan-tri", Need(Administer), admin::overview)
        .post(
            "/quan-tri/nguoi-dung/{username}/dat-lai",
            Need(Administer),
            admin::reset,
        )
        .get("/quan-tri/lich/{year}", Need(Administer), admin::calendar)
}

/// What every route asks of its caller, for the role-matrix test.
pub fn route_table(state: AppState) -> Vec<RouteAccess> {
    routes(state).finish().1
}

pub fn router(state: AppState) -> Router {
    let (routes, _) = routes(state.clone()).finish();
    routes
        .fallback(error::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .layer(axum::middleware::from_fn(input::utf8_only))
        .layer(axum::extract::DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            headers::security_headers,
        ))
        .with_state(state)
}
