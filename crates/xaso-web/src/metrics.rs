//! `/healthz` and `/metrics` (Prometheus text format), and the middleware that counts requests.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use xaso_store::catalog;

use crate::AppState;

/// Upper bounds (seconds) of the request-duration histogram.
const BUCKETS: [f64; 10] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0];

#[derive(Default)]
struct RouteStats {
    count_by_status: BTreeMap<u16, u64>,
    bucket_counts: [u64; BUCKETS.len()],
    seconds_sum: f64,
    count: u64,
}

#[derive(Default)]
pub struct Metrics {
    routes: Mutex<BTreeMap<(String, String), RouteStats>>,
}

impl Metrics {
    fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let mut routes = self.routes.lock().unwrap_or_else(|p| p.into_inner());
        let stats = routes
            .entry((method.to_string(), route.to_string()))
            .or_default();
        *stats.count_by_status.entry(status).or_default() += 1;
        for (i, bound) in BUCKETS.iter().enumerate() {
            if seconds <= *bound {
                stats.bucket_counts[i] += 1;
            }
        }
        stats.seconds_sum += seconds;
        stats.count += 1;
    }

    fn render(&self, out: &mut String) {
        let routes = self.routes.lock().unwrap_or_else(|p| p.into_inner());
        out.push_str("# HELP xaso_http_requests_total HTTP requests by route and status.\n");
        out.push_str("# TYPE xaso_http_requests_total counter\n");
        for ((method, route), stats) in routes.iter() {
            for (status, count) in &stats.count_by_status {
                let _ = writeln!(
                    out,
                    "xaso_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {count}"
                );
            }
        }
        out.push_str("# HELP xaso_http_request_duration_seconds Time to answer, by route.\n");
        out.push_str("# TYPE xaso_http_request_duration_seconds histogram\n");
        for ((method, route), stats) in routes.iter() {
            let labels = format!("method=\"{method}\",route=\"{route}\"");
            for (bound, count) in BUCKETS.iter().zip(stats.bucket_counts) {
                let _ = writeln!(
                    out,
                    "xaso_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {count}"
                );
            }
            let _ = writeln!(
                out,
                "xaso_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                stats.count
            );
            let _ = writeln!(
                out,
                "xaso_http_request_duration_seconds_sum{{{labels}}} {}",
                stats.seconds_sum
            );
            let _ = writeln!(
                out,
                "xaso_http_request_duration_seconds_count{{{labels}}} {}",
                stats.count
            );
        }
    }
}

/// Counts every request under its route pattern (not its raw path, which would be unbounded).
pub async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().as_str().to_string();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", |m| m.as_str())
        .to_string();
    let response = next.run(request).await;
    state.metrics.observe(
        &method,
        &route,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}

/// One unlabelled counter with its HELP and TYPE lines.
fn counter(out: &mut String, name: &str, help: &str, value: impl std::fmt::Display) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} counter");
    let _ = writeln!(out, "{name} {value}");
}

/// `GET /healthz`: 200 when the database answers, 503 otherwise.
pub async fn healthz(State(state): State<AppState>) -> Response {
    let backend = state.store.backend().name();
    match state.store.ping().await {
        Ok(()) => Json(serde_json::json!({ "status": "ok", "database": backend })).into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "health check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(serde_json::json!({
                    "status": "unavailable",
                    "database": backend,
                    "message": "Cơ sở dữ liệu không phản hồi",
                })),
            )
                .into_response()
        }
    }
}

/// `GET /metrics`: request counters and latencies, plus catalog and database gauges.
pub async fn prometheus(State(state): State<AppState>) -> Response {
    let mut out = String::new();
    state.metrics.render(&mut out);
    let procedures = async {
        let mut tx = state.store.read().await?;
        catalog::count_current(&mut tx).await
    }
    .await;
    out.push_str("# HELP xaso_database_up Whether the database answered this scrape.\n");
    out.push_str("# TYPE xaso_database_up gauge\n");
    let _ = writeln!(
        out,
        "xaso_database_up{{backend=\"{}\"}} {}",
        state.store.backend().name(),
        u8::from(procedures.is_ok())
    );
    if let Ok(count) = procedures {
        out.push_str("# HELP xaso_procedures Current procedures in the catalog.\n");
        out.push_str("# TYPE xaso_procedures gauge\n");
        let _ = writeln!(out, "xaso_procedures {count}");
    }
    let writes = state.store.write_totals();
    counter(
        &mut out,
        "xaso_write_transactions_total",
        "Write transactions ended since the start.",
        writes.transactions,
    );
    counter(
        &mut out,
        "xaso_write_held_seconds_total",
        "Time write transactions held the write (writes are serial: its share of the wall-clock time is how busy the writer is).",
        writes.held.as_secs_f64(),
    );
    counter(
        &mut out,
        "xaso_write_waited_seconds_total",
        "Time write transactions waited for the write.",
        writes.waited.as_secs_f64(),
    );
    let backlog = async {
        let mut tx = state.store.read().await?;
        xaso_store::notification::backlog(&mut tx).await
    }
    .await;
    if let Ok(rows) = backlog {
        out.push_str("# HELP xaso_notifications_waiting Messages to citizens not yet delivered, by channel and state.\n");
        out.push_str("# TYPE xaso_notifications_waiting gauge\n");
        for channel in ["email", "sms"] {
            for status in ["pending", "sending"] {
                let count = rows
                    .iter()
                    .find(|(c, s, _)| c == channel && s == status)
                    .map_or(0, |r| r.2);
                let _ = writeln!(
                    out,
                    "xaso_notifications_waiting{{channel=\"{channel}\",status=\"{status}\"}} {count}"
                );
            }
        }
    }
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        out,
    )
        .into_response()
}
