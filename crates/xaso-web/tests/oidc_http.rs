//! Citizen sign-in with the national e-ID, end to end against a real OpenID Connect provider:
//! `e2e/oidc-provider.mjs` (the `oidc-provider` npm package, installed by scripts/test) started on a
//! free loopback port. The test plays the browser: it follows the app's redirect to the provider
//! over real HTTP, through the provider's interaction (which signs a fixed account in), back to the
//! app's callback with the state cookie. Without `XASO_OIDC_PROVIDER` it says SKIPPED — except
//! under CI (`CI` set), where a missing provider is a failure.

mod common;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

use axum::http::{header, StatusCode};
use xaso_store::Store;
use xaso_web::OidcConfig;

const PROVIDER_VAR: &str = "XASO_OIDC_PROVIDER";
const CLIENT_ID: &str = "xaso-minh-duc";
const CLIENT_SECRET: &str = "bi-mat-cua-ung-dung-kiem-thu";
const REDIRECT_URI: &str = "http://127.0.0.1:9/dang-nhap/vneid/ve";
/// Đồng Nai (075), a man born in 2001.
const NUMBER: &str = "075201001234";
const OTHER_NUMBER: &str = "001301005678";

struct Provider {
    child: Child,
    issuer: String,
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Provider {
    /// Starts the provider for an account with this CCCD number, or `None` (after saying so)
    /// when `XASO_OIDC_PROVIDER` is unset outside CI.
    fn start(number: &str, name: &str) -> Option<Provider> {
        let Some(script) = std::env::var_os(PROVIDER_VAR) else {
            if std::env::var_os("CI").is_some() {
                panic!("{PROVIDER_VAR} is not set under CI: the e-ID tests must run (scripts/test sets it)");
            }
            let _ = writeln!(
                std::io::stderr(),
                "\n*** SKIPPED: {PROVIDER_VAR} not set (scripts/test installs oidc-provider) ***"
            );
            return None;
        };
        let mut child = Command::new(std::env::var("XASO_NODE").unwrap_or_else(|_| "node".into()))
            .arg(&script)
            .args([CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, number, name])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start node with e2e/oidc-provider.mjs");
        let mut line = String::new();
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        stdout.read_line(&mut line).expect("issuer line");
        // Keep reading, so the provider never writes into a closed pipe.
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        let issuer = line.trim().to_string();
        assert!(
            issuer.starts_with("http://127.0.0.1:"),
            "issuer: {issuer:?}"
        );
        Some(Provider { child, issuer })
    }

    fn config(&self) -> OidcConfig {
        OidcConfig {
            issuer: self.issuer.clone(),
            client_id: CLIENT_ID.into(),
            client_secret: CLIENT_SECRET.into(),
            redirect_uri: REDIRECT_URI.into(),
            cccd_claim: "cccd".into(),
        }
    }
}

/// The `name=value` of a cookie the response sets.
fn set_cookie(headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .find(|pair| pair.starts_with(&format!("{name}=")))
        .map(str::to_string)
}

/// Starts a sign-in on the app and walks the provider's redirects like a browser; returns the
/// app's flow cookie and the query the provider sends back to the callback.
async fn through_provider(app: &common::TestApp, issuer: &str) -> (String, String) {
    let start = app.get("/dang-nhap/vneid").await;
    assert_eq!(start.status, StatusCode::SEE_OTHER, "{}", start.body);
    let flow = set_cookie(&start.headers, "xaso_oidc").expect("flow cookie");
    let mut location = start.headers[header::LOCATION]
        .to_str()
        .expect("location")
        .to_string();
    assert!(location.starts_with(issuer), "to the provider: {location}");
    for wanted in [
        "code_challenge_method=S256",
        "nonce=",
        "state=",
        "scope=openid%20profile",
    ] {
        assert!(location.contains(wanted), "{wanted} in {location}");
    }
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let mut jar: HashMap<String, String> = HashMap::new();
    for _ in 0..10 {
        if let Some(query) = location.strip_prefix(&format!("{REDIRECT_URI}?")) {
            return (flow, query.to_string());
        }
        if location.starts_with('/') {
            location = format!("{issuer}{location}");
        }
        let cookies = jar
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let response = client
            .get(&location)
            .header(header::COOKIE, cookies)
            .send()
            .await
            .expect("provider answers");
        for value in response.headers().get_all(header::SET_COOKIE) {
            let pair = value
                .to_str()
                .expect("cookie")
                .split(';')
                .next()
                .unwrap_or("");
            if let Some((k, v)) = pair.split_once('=') {
                jar.insert(k.to_string(), v.to_string());
            }
        }
        let status = response.status();
        let next = response.headers().get(header::LOCATION).cloned();
        let Some(next) = next.filter(|_| status.is_redirection()) else {
            panic!(
                "provider stopped at {location}: {status} {}",
                response.text().await.unwrap_or_default()
            );
        };
        location = next.to_str().expect("location").to_string();
    }
    panic!("too many redirects");
}

async fn callback(app: &common::TestApp, flow: &str, query: &str) -> common::Reply {
    app.get_with(&format!("{}?{query}", xaso_web::OIDC_CALLBACK_PATH), flow)
        .await
}

/// A full sign-in; the session cookie and the `/api/v1/me` answer.
async fn sign_in(app: &common::TestApp, issuer: &str) -> (String, serde_json::Value) {
    let (flow, query) = through_provider(app, issuer).await;
    let back = callback(app, &flow, &query).await;
    assert_eq!(back.status, StatusCode::SEE_OTHER, "{}", back.body);
    assert_eq!(back.headers[header::LOCATION], "/ho-so-cua-toi");
    let session = set_cookie(&back.headers, "xaso_session").expect("session cookie");
    let me = app.get_with("/api/v1/me", &session).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.body);
    (session, me.json())
}

fn with_provider(provider: &Provider) -> impl FnOnce(xaso_web::AppState) -> xaso_web::AppState {
    let config = provider.config();
    move |mut state| {
        // The provider stamps tokens with the real time.
        state.clock = Arc::new(chrono::Utc::now);
        state.oidc = Some(Arc::new(config));
        state
    }
}

xaso_store::backend_tests! {
    async fn a_citizen_signs_in_with_the_e_id_and_gets_an_account_linked_to_the_number(store: Store) {
        let Some(provider) = Provider::start(NUMBER, "Nguyễn Văn An") else { return };
        let app = common::app_with(store.clone(), with_provider(&provider)).await;
        let login = app.get("/dang-nhap").await;
        assert!(login.body.contains("Đăng nhập bằng tài khoản định danh điện tử (VNeID)"));
        assert!(login.body.contains("href=\"/dang-nhap/vneid\""));

        // First sign-in: a citizen account is made and linked to the number's new profile.
        let (session, me) = sign_in(&app, &provider.issuer).await;
        assert_eq!(me["username"], format!("vneid-{NUMBER}"));
        assert_eq!(me["full_name"], "Nguyễn Văn An");
        assert_eq!(me["roles"], serde_json::json!(["citizen"]));
        let data = app.get_with("/api/v1/me/data", &session).await;
        assert_eq!(data.status, StatusCode::OK, "{}", data.body);
        assert!(data.body.contains(NUMBER), "{}", data.body);
        let mut tx = store.read().await.expect("read");
        let audit = xaso_store::audit::for_entity(&mut tx, "user", &format!("vneid-{NUMBER}")).await.expect("audit");
        drop(tx);
        assert!(audit.iter().any(|row| row.action == "user.login_oidc"), "{audit:?}");

        // Again: the same account, in a new session.
        let (again, me_again) = sign_in(&app, &provider.issuer).await;
        assert_eq!(me_again["id"], me["id"]);
        assert_ne!(again, session, "a new session id");

        // A tampered state is refused, and nobody is signed in.
        let (flow, query) = through_provider(&app, &provider.issuer).await;
        let tampered = query.replace("state=", "state=x");
        let refused = callback(&app, &flow, &tampered).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
        assert!(refused.body.contains("Không đăng nhập được bằng VNeID"));
        assert!(set_cookie(&refused.headers, "xaso_session").is_none());
        // Without the flow cookie (another browser) too.
        let foreign = app.get(&format!("{}?{query}", xaso_web::OIDC_CALLBACK_PATH)).await;
        assert_eq!(foreign.status, StatusCode::BAD_REQUEST, "{}", foreign.body);
        assert!(set_cookie(&foreign.headers, "xaso_session").is_none());

        // The untouched answer works once; replaying its code is refused by the provider.
        let first = callback(&app, &flow, &query).await;
        assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.body);
        let replay = callback(&app, &flow, &query).await;
        assert_eq!(replay.status, StatusCode::UNAUTHORIZED, "{}", replay.body);
        assert!(replay.body.contains("không chấp nhận mã ủy quyền"), "{}", replay.body);
        assert!(set_cookie(&replay.headers, "xaso_session").is_none());

        // The provider's own refusal (the citizen cancelled) signs nobody in.
        let (flow, query) = through_provider(&app, &provider.issuer).await;
        let state = query.split('&').find(|p| p.starts_with("state=")).expect("state");
        let cancelled = callback(&app, &flow, &format!("error=access_denied&{state}")).await;
        assert_eq!(cancelled.status, StatusCode::UNAUTHORIZED, "{}", cancelled.body);
        assert!(set_cookie(&cancelled.headers, "xaso_session").is_none());
    }

    async fn the_e_id_signs_in_the_account_an_officer_already_linked(store: Store) {
        let Some(provider) = Provider::start(OTHER_NUMBER, "Huỳnh Văn Bảy") else { return };
        let app = common::app_with(store.clone(), with_provider(&provider)).await;
        let rules = xaso_store::testing::dossier_rules();
        let now = chrono::Utc::now();
        let mut tx = store.begin().await.expect("begin");
        let input = xaso_store::citizen::ProfileInput {
            id_number: OTHER_NUMBER.into(),
            full_name: "Huỳnh Văn Bảy".into(),
            ..Default::default()
        };
        xaso_store::citizen::save_profile(&mut tx, &rules.citizen, &input, &app.users["motcua"], now).await.expect("save");
        xaso_store::citizen::link_account(&mut tx, OTHER_NUMBER, "congdan2", &app.users["motcua"], now).await.expect("link");
        tx.commit().await.expect("commit");

        let (_, me) = sign_in(&app, &provider.issuer).await;
        assert_eq!(me["username"], "congdan2");
    }

    async fn without_a_provider_there_is_no_e_id_button(store: Store) {
        let app = common::app(store).await;
        let login = app.get("/dang-nhap").await;
        assert!(!login.body.contains("/dang-nhap/vneid"));
        let start = app.get("/dang-nhap/vneid").await;
        assert_eq!(start.status, StatusCode::NOT_FOUND);
    }
}
