//! xaso HTTP: the REST API under `/api/v1` and the server-rendered pages, on axum.

pub mod agency;
pub mod calendar;
pub mod catalog;
mod error;
pub mod identity;
pub mod metrics;
mod pages;

use std::sync::Arc;

use axum::routing::{get, post};
use axum::Router;
use chrono::{DateTime, Utc};
use xaso_domain::calendar::CalendarSet;
use xaso_store::Store;

pub use error::ApiError;

/// Where the current time comes from: the real clock in production, a fixed one in tests.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub calendars: Arc<CalendarSet>,
    pub clock: Clock,
    pub metrics: Arc<metrics::Metrics>,
}

impl AppState {
    pub fn new(store: Store, calendars: Arc<CalendarSet>) -> AppState {
        AppState::with_clock(store, calendars, Arc::new(Utc::now))
    }

    pub fn with_clock(store: Store, calendars: Arc<CalendarSet>, clock: Clock) -> AppState {
        AppState {
            store,
            calendars,
            clock,
            metrics: Arc::new(metrics::Metrics::default()),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        (self.clock)()
    }
}

/// Every route of the application.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(catalog::home_page))
        .route("/thu-tuc/{code}", get(catalog::procedure_page))
        .route("/static/style.css", get(pages::stylesheet))
        .route("/healthz", get(metrics::healthz))
        .route("/metrics", get(metrics::prometheus))
        .route("/api/v1/procedures", get(catalog::list_procedures))
        .route("/api/v1/procedures/{code}", get(catalog::get_procedure))
        .route("/api/v1/agencies", get(agency::list_agencies))
        .route("/api/v1/calendar/lunar", get(calendar::to_lunar))
        .route("/api/v1/calendar/solar", get(calendar::to_solar))
        .route("/api/v1/calendar/{year}", get(calendar::year))
        .route("/api/v1/deadline", get(calendar::deadline))
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
        .with_state(state)
}
