//! What the hostile-input cases share: an app whose file store is a folder of its own (so that a
//! file appearing can be seen), a snapshot of every table's row count and of that folder, raw
//! requests that no browser would send, and the checks that a refusal is clear and changed nothing.

pub mod bodies;
pub mod injection;
pub mod numbers;
pub mod payments;
pub mod unicode;
pub mod uploads;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use serde_json::{json, Value};
use xaso_store::Store;

use crate::common::{self, Reply, TestApp};

/// SQL meant to break out of a quoted literal or an expression, and markup meant to run a script.
pub const SQL: [&str; 4] = [
    "'; DROP TABLE dossiers; --",
    "\" OR 1=1 --",
    "Robert'); DELETE FROM citizens WHERE ('1'='1",
    "x' UNION SELECT password_hash FROM users --",
];
pub const SCRIPT: [&str; 3] = [
    "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(1)>",
    "' onmouseover='alert(1)' x='",
];

/// Every hostile string, each behind a Vietnamese name so that it is a plausible value.
pub fn payloads() -> Vec<String> {
    SQL.iter()
        .chain(SCRIPT.iter())
        .map(|p| format!("Nguyễn {p}"))
        .collect()
}

/// Markup that must never come back raw in a page.
pub const RAW_MARKUP: [&str; 3] = ["<script>alert(1)", "<img src=x", "onmouseover='alert"];

pub struct Hostile {
    pub app: TestApp,
    /// The app's file store; its parent holds nothing else, so a write outside it would show.
    pub files: PathBuf,
}

impl std::ops::Deref for Hostile {
    type Target = TestApp;

    fn deref(&self) -> &TestApp {
        &self.app
    }
}

impl Drop for Hostile {
    fn drop(&mut self) {
        if let Some(base) = self.files.parent() {
            let _ = std::fs::remove_dir_all(base);
        }
    }
}

/// The demo world with a file store of its own and no limit on public look-ups (the suite makes
/// many from one address; the limit has its own test).
pub async fn app(store: Store) -> Hostile {
    let base = std::env::temp_dir()
        .join("xaso-hostile")
        .join(xaso_store::new_id().to_string());
    let files = base.join("files");
    std::fs::create_dir_all(&files).expect("files folder");
    let root = files.clone();
    let app = common::app_with(store, move |state| {
        let mut state = state.with_public_lookups_per_minute(1_000_000);
        state.files = xaso_store::files::Files::local(root);
        state
    })
    .await;
    app.at("2026-03-02T09:00");
    Hostile { app, files }
}

/// What a refused request must leave as it found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    rows: BTreeMap<String, i64>,
    /// How many audit rows of each action.
    audit: BTreeMap<String, i64>,
    files: BTreeSet<PathBuf>,
}

fn walk(dir: &Path, into: &mut BTreeSet<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, into);
        }
        into.insert(path);
    }
}

impl Hostile {
    /// Every path under the file store's parent folder.
    pub fn stored_paths(&self) -> BTreeSet<PathBuf> {
        let mut paths = BTreeSet::new();
        walk(self.files.parent().expect("parent"), &mut paths);
        paths
    }

    pub async fn snapshot(&self) -> Snapshot {
        let mut audit = BTreeMap::new();
        for action in xaso_store::testing::column_texts(&self.store, "audit_log", "action").await {
            *audit.entry(action).or_insert(0) += 1;
        }
        Snapshot {
            rows: xaso_store::testing::row_counts(&self.store).await,
            audit,
            files: self.stored_paths(),
        }
    }

    /// Asserts that no table gained or lost a row and no file appeared. A refusal shown on the
    /// page of a dossier or a citizen logs that an official saw it (`….read`, and for a citizen
    /// a line of "who used my data"), as showing that page always does: those rows are allowed.
    pub async fn assert_unchanged(&self, before: &Snapshot, what: &str) {
        let after = self.snapshot().await;
        let new_audit: BTreeMap<&String, i64> = after
            .audit
            .iter()
            .map(|(action, n)| (action, n - before.audit.get(action).copied().unwrap_or(0)))
            .filter(|(_, n)| *n != 0)
            .collect();
        assert!(
            new_audit
                .iter()
                .all(|(action, n)| action.ends_with(".read") && *n > 0),
            "{what}: audit log changed: {new_audit:?}"
        );
        let reads: i64 = new_audit.values().sum();
        let citizen_reads = new_audit
            .iter()
            .filter(|(a, _)| a.as_str() == "citizen.read")
            .map(|(_, n)| n)
            .sum::<i64>();
        let allowed = |table: &str| match table {
            "audit_log" => reads,
            "citizen_data_reads" => citizen_reads,
            _ => 0,
        };
        let changed: Vec<String> = before
            .rows
            .iter()
            .filter(|(table, count)| after.rows.get(*table) != Some(&(**count + allowed(table))))
            .map(|(table, count)| format!("{table}: {count} → {:?}", after.rows.get(table)))
            .collect();
        assert!(changed.is_empty(), "{what}: tables changed: {changed:?}");
        assert_eq!(
            before.rows.len(),
            after.rows.len(),
            "{what}: tables appeared or went"
        );
        let new: Vec<&PathBuf> = after.files.difference(&before.files).collect();
        assert!(new.is_empty(), "{what}: files appeared: {new:?}");
    }

    /// As [`Hostile::assert_unchanged`], for a form refused by a rule checked after its files were
    /// stored: the design keeps file writes out of the database transaction and lets garbage
    /// collection (`xaso files gc`) remove blobs no row refers to. So new blobs may remain, but
    /// no row may refer to them.
    pub async fn assert_unchanged_but_garbage(&self, before: &Snapshot, what: &str) {
        let files = self.snapshot().await.files;
        let mut tx = self.store.read().await.expect("read");
        let referenced = xaso_store::blobs::referenced(&mut tx)
            .await
            .expect("referenced");
        drop(tx);
        for path in files.difference(&before.files).filter(|p| p.is_file()) {
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            assert!(
                xaso_store::files::is_sha256(name) && !referenced.contains(name),
                "{what}: {} kept",
                path.display()
            );
        }
        let without_files = Snapshot {
            files: files.clone(),
            ..before.clone()
        };
        self.assert_unchanged(&without_files, what).await;
    }

    /// Sends `request`; asserts the answer is `expected` (a clear client error, with a message)
    /// and that nothing changed.
    pub async fn refused(&self, request: Request<Body>, expected: StatusCode, what: &str) -> Reply {
        let before = self.snapshot().await;
        let api = request.uri().path().starts_with("/api/");
        let reply = self.send(request).await;
        assert_eq!(reply.status, expected, "{what}: {}", excerpt(&reply.body));
        assert_clear(&reply, api, what);
        self.assert_unchanged(&before, what).await;
        reply
    }

    /// Sends `request`, which must be refused with some 4xx; returns the reply.
    pub async fn refused_4xx(&self, request: Request<Body>, what: &str) -> Reply {
        let before = self.snapshot().await;
        let api = request.uri().path().starts_with("/api/");
        let reply = self.send(request).await;
        assert!(
            reply.status.is_client_error(),
            "{what}: {} {}",
            reply.status,
            excerpt(&reply.body)
        );
        assert_clear(&reply, api, what);
        self.assert_unchanged(&before, what).await;
        reply
    }

    /// A request with a bearer token.
    pub fn api(&self, user: &str, method: &str, uri: &str) -> axum::http::request::Builder {
        Request::builder().method(method).uri(uri).header(
            header::AUTHORIZATION,
            format!("Bearer {}", self.token_of(user)),
        )
    }

    /// A received dossier at the counter of `motcua`'s commune, applicant `applicant`.
    pub async fn counter_dossier(&self, applicant: Value) -> Value {
        let checklist = common::complete_checklist(self, "1.004873").await;
        let reply = self
            .post_as("motcua", "/api/v1/dossiers", json!({
                "procedure_code": "1.004873", "channel": "counter", "receiving_agency": self.agency_of("motcua"),
                "applicant": applicant, "components": checklist, "decision": { "decision": "accept" }
            }))
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        reply.json()
    }
}

/// A refusal says why: JSON with a message under `/api`, a page (or text) that is not empty
/// elsewhere, and never the look of a crash.
pub fn assert_clear(reply: &Reply, api: bool, what: &str) {
    assert!(!reply.body.trim().is_empty(), "{what}: empty body");
    assert!(
        !reply.body.contains("panicked"),
        "{what}: {}",
        excerpt(&reply.body)
    );
    if api {
        let message = reply.json()["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert!(
            !message.is_empty(),
            "{what}: no message in {}",
            excerpt(&reply.body)
        );
    }
}

/// The start of a body, for assertion messages: of a page, the text of its main part.
pub fn excerpt(body: &str) -> String {
    let main = body.find("<main").map_or(body, |at| &body[at..]);
    let mut text = String::new();
    let mut in_tag = false;
    for c in main.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                text.push(' ');
            }
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(600)
        .collect()
}

/// Asserts a page or document shows no markup of the payloads raw.
pub fn assert_escaped(body: &str, what: &str) {
    for raw in RAW_MARKUP {
        if let Some(at) = body.find(raw) {
            let start = body[..at]
                .char_indices()
                .rev()
                .nth(80)
                .map_or(0, |(i, _)| i);
            panic!(
                "{what}: raw `{raw}` in …{}…",
                &body[start..(at + 80).min(body.len())]
            );
        }
    }
}

/// A multipart body from raw parts: each part is its header lines and its bytes.
pub fn multipart(boundary: &str, parts: &[(&str, &[u8])], close: bool) -> Vec<u8> {
    let mut body = Vec::new();
    for (headers, bytes) in parts {
        body.extend(format!("--{boundary}\r\n{headers}\r\n\r\n").into_bytes());
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    if close {
        body.extend(format!("--{boundary}--\r\n").into_bytes());
    }
    body
}

/// A form posted by a browser session, with the body as given.
pub fn browser_post(uri: &str, cookie: &str, content_type: &str, body: Vec<u8>) -> Request<Body> {
    Request::post(uri)
        .header(header::CONTENT_TYPE, content_type)
        .header(header::COOKIE, cookie)
        .body(Body::from(body))
        .expect("request")
}

/// Percent-encodes every byte that is not unreserved, as a form or query string carries it.
pub fn encode(text: &str) -> String {
    xaso_domain::text::percent_encode(text)
}

/// A url-encoded form body.
pub fn form(fields: &[(&str, &str)]) -> Vec<u8> {
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
        .into_bytes()
}

/// A PDF that is new to the file store.
pub fn unique_pdf() -> Vec<u8> {
    format!("%PDF-1.4\n% {}\n%%EOF\n", xaso_store::new_id()).into_bytes()
}
