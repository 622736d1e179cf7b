//! Shared by the HTTP tests: the real router over a demo world, a settable clock, requests.

#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, HeaderMap, Request, StatusCode};
use axum::Router;
use chrono::{DateTime, TimeZone, Utc};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;
use xaso_domain::calendar::deadline::parse_instant;
use xaso_store::audit::Actor;
use xaso_store::identity::{self, User};
use xaso_store::Store;
use xaso_web::{router, AppState};

pub const PASSWORD: &str = "mat-khau-kiem-thu";
/// The secret that seals the test installation's signing keys.
pub const TEST_SECRET: [u8; 32] = [9; 32];

pub struct TestApp {
    pub router: Router,
    pub store: Store,
    pub users: HashMap<String, User>,
    /// Every route with what it asks of its caller.
    pub routes: Vec<xaso_web::RouteAccess>,
    clock: Arc<AtomicI64>,
    tokens: HashMap<String, String>,
}

/// Monday 2 March 2026, 09:00 in Vietnam.
pub fn start_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 2, 0, 0)
        .single()
        .expect("valid")
}

pub async fn app(store: Store) -> TestApp {
    app_with(store, |state| state).await
}

/// The test app with its state adjusted first (e.g. served over HTTPS).
pub async fn app_with(store: Store, adjust: impl FnOnce(AppState) -> AppState) -> TestApp {
    let users = xaso_store::testing::demo_world(&store, start_time()).await;
    let clock = Arc::new(AtomicI64::new(start_time().timestamp()));
    let reading = clock.clone();
    let files = test_files();
    xaso_web::pki::issue_certificates(&store, &TEST_SECRET)
        .await
        .expect("certificates");
    let state = AppState::with_clock(
        store.clone(),
        Arc::new(xaso_store::testing::dossier_rules()),
        files,
        Arc::new(move || {
            Utc.timestamp_opt(reading.load(Ordering::SeqCst), 0)
                .single()
                .unwrap_or_default()
        }),
    )
    .with_secret(TEST_SECRET)
    .with_gateway(xaso_web::payment::Gateway::sandbox(test_merchant()));
    let mut tokens = HashMap::new();
    let mut tx = store.begin().await.expect("begin");
    for name in users.keys() {
        let token = all_scopes_token(&mut tx, name).await;
        tokens.insert(name.clone(), token);
    }
    tx.commit().await.expect("commit");
    let state = adjust(state);
    TestApp {
        routes: xaso_web::route_table(state.clone()),
        router: router(state),
        store,
        users,
        clock,
        tokens,
    }
}

/// A token that may do whatever its account may (read, write, webhooks).
async fn all_scopes_token(tx: &mut xaso_store::Tx, username: &str) -> String {
    let scopes = xaso_domain::identity::access::Scope::ALL;
    let actor = Actor::system("test");
    identity::tokens::create_scoped(tx, username, "test", &scopes, start_time(), &actor)
        .await
        .expect("token")
        .1
}

#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    /// The body as text (binary bodies lossily); `bytes` holds it exactly.
    pub body: String,
    pub bytes: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub fn error_code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }
}

impl TestApp {
    /// Adds an account (password [`PASSWORD`]) with an API token, as the demo world's are.
    pub async fn add_user(
        &mut self,
        username: &str,
        full_name: &str,
        role: xaso_domain::identity::Role,
        agency_code: Option<String>,
    ) {
        let hash = identity::hash_password(PASSWORD.into())
            .await
            .expect("hash");
        let mut tx = self.store.begin().await.expect("begin");
        let new = identity::NewUser {
            username: username.into(),
            full_name: full_name.into(),
            agency_code,
            roles: vec![role],
            password_hash: Some(hash),
            must_change_password: false,
        };
        let user = identity::create_user(&mut tx, new, start_time(), &Actor::system("test"))
            .await
            .expect("user");
        let token = all_scopes_token(&mut tx, username).await;
        tx.commit().await.expect("commit");
        self.users.insert(username.into(), user);
        self.tokens.insert(username.into(), token);
    }

    /// The API token of a user.
    pub fn token_of(&self, user: &str) -> &str {
        &self.tokens[user]
    }

    /// Sets the clock to a Vietnam time like "2026-03-02T09:00".
    pub fn at(&self, local: &str) {
        self.clock.store(
            parse_instant(local).expect("instant").timestamp(),
            Ordering::SeqCst,
        );
    }

    pub async fn send(&self, request: Request<Body>) -> Reply {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("infallible");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        Reply {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            bytes: bytes.to_vec(),
        }
    }

    pub async fn get(&self, uri: &str) -> Reply {
        self.send(Request::get(uri).body(Body::empty()).expect("request"))
            .await
    }

    pub async fn get_as(&self, user: &str, uri: &str) -> Reply {
        let token = &self.tokens[user];
        self.send(
            Request::get(uri)
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .body(Body::empty())
                .expect("request"),
        )
        .await
    }

    pub async fn post_bytes_as(&self, user: &str, uri: &str, body: Vec<u8>) -> Reply {
        let token = &self.tokens[user];
        self.send(
            Request::post(uri)
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .header(header::CONTENT_TYPE, "application/octet-stream")
                .body(Body::from(body))
                .expect("request"),
        )
        .await
    }

    pub async fn post_as(&self, user: &str, uri: &str, body: Value) -> Reply {
        let token = &self.tokens[user];
        self.send(
            Request::post(uri)
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string()))
                .expect("request"),
        )
        .await
    }

    /// Acts on a dossier with the version last seen; returns the new view, or the reply on failure.
    pub async fn act(&self, user: &str, dossier: &Value, action: Value) -> Result<Value, Reply> {
        let code = dossier["code"].as_str().expect("code");
        let mut body = action;
        body["version"] = dossier["version"].clone();
        let reply = self
            .post_as(user, &format!("/api/v1/dossiers/{code}/actions"), body)
            .await;
        if reply.status == StatusCode::OK {
            Ok(reply.json())
        } else {
            Err(reply)
        }
    }

    /// Signs `user` in through the login form, as a browser does: (cookie header, form token).
    pub async fn browser_session(&self, user: &str) -> (String, String) {
        let page = self.get("/dang-nhap").await;
        let token = page.headers[header::SET_COOKIE]
            .to_str()
            .expect("ascii")
            .split(';')
            .next()
            .and_then(|c| c.strip_prefix("xaso_csrf="))
            .expect("form token")
            .to_string();
        let login = self
            .send(
                Request::post("/dang-nhap")
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .header(header::COOKIE, format!("xaso_csrf={token}"))
                    .body(Body::from(format!(
                        "csrf={token}&username={user}&password={PASSWORD}"
                    )))
                    .expect("request"),
            )
            .await;
        let session = login.headers[header::SET_COOKIE]
            .to_str()
            .expect("ascii")
            .split(';')
            .next()
            .expect("session cookie")
            .to_string();
        (format!("{session}; xaso_csrf={token}"), token)
    }

    /// Posts a multipart form with a browser session: text fields, then files (name, file name, bytes).
    pub async fn post_form(
        &self,
        uri: &str,
        cookie: &str,
        fields: &[(&str, &str)],
        files: &[(&str, &str, &[u8])],
    ) -> Reply {
        let boundary = "xaso-test-boundary-7d1f";
        let mut body = Vec::new();
        for (name, value) in fields {
            body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").into_bytes());
        }
        for (name, file_name, bytes) in files {
            body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").into_bytes());
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend(format!("--{boundary}--\r\n").into_bytes());
        self.send(
            Request::post(uri)
                .header(
                    header::CONTENT_TYPE,
                    format!("multipart/form-data; boundary={boundary}"),
                )
                .header(header::COOKIE, cookie)
                .body(Body::from(body))
                .expect("request"),
        )
        .await
    }

    /// Posts an ordinary (url-encoded) form with a browser session.
    #[allow(dead_code)] // not every test binary posts plain forms
    pub async fn post_fields(&self, uri: &str, cookie: &str, fields: &[(&str, &str)]) -> Reply {
        let encode = |text: &str| {
            text.bytes()
                .map(|b| {
                    if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
                        (b as char).to_string()
                    } else {
                        format!("%{b:02X}")
                    }
                })
                .collect::<String>()
        };
        let body = fields
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        self.send(
            Request::post(uri)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::COOKIE, cookie)
                .body(Body::from(body))
                .expect("request"),
        )
        .await
    }

    /// GET with a browser session.
    pub async fn get_with(&self, uri: &str, cookie: &str) -> Reply {
        self.send(
            Request::get(uri)
                .header(header::COOKIE, cookie)
                .body(Body::empty())
                .expect("request"),
        )
        .await
    }

    pub fn agency_of(&self, user: &str) -> String {
        self.users[user].agency_code.clone().expect("agency")
    }
}

/// The merchant the test apps' sandbox gateway knows.
pub fn test_merchant() -> xaso_domain::payment::vnpay::Merchant {
    xaso_domain::payment::vnpay::Merchant {
        tmn_code: "XASOTHU1".into(),
        secret: "bi-mat-cong-thu".into(),
    }
}

/// The file store the test apps write to.
pub fn test_files() -> xaso_store::files::Files {
    xaso_store::files::Files::local(std::env::temp_dir().join("xaso-test-files"))
}

/// Every mandatory component of a procedure, provided as an original.
pub async fn complete_checklist(app: &TestApp, procedure: &str) -> Value {
    let details = app
        .get(&format!("/api/v1/procedures/{procedure}"))
        .await
        .json();
    let components: Vec<Value> = details["component"]
        .as_array()
        .expect("components")
        .iter()
        .filter(|c| c["mandatory"] == true)
        .map(|c| serde_json::json!({ "name": c["name"], "provided": "original" }))
        .collect();
    Value::Array(components)
}

/// The mandatory components of a procedure as the reception form's `comp_N` fields.
pub fn mandatory_components(procedure: &str) -> Vec<(String, String)> {
    xaso_store::testing::shipped_procedure(procedure)
        .components
        .iter()
        .enumerate()
        .filter(|(_, c)| c.mandatory)
        .map(|(i, _)| (format!("comp_{i}"), "original".to_string()))
        .collect()
}

/// A scanned page: grey lines on white, as a counter scanner makes.
pub fn scan(width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().expect("header");
    let samples: Vec<u8> = (0..width * height)
        .map(|i| if (i / width) % 30 < 3 { 40 } else { 240 })
        .collect();
    writer.write_image_data(&samples).expect("data");
    drop(writer);
    out
}
