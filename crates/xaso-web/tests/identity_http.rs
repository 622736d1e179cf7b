//! The optional second factor on both backends: an officer sets it up by scanning the secret
//! and typing a first code; from then on signing in needs a current code, each code is taken
//! once, a wrong code counts as a failed login; it is turned off only with a current code.

mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use serde_json::json;
use xaso_domain::identity::totp;
use xaso_store::Store;

fn code_now(secret: &str, at: chrono::DateTime<chrono::Utc>) -> String {
    let bytes = totp::base32_decode(secret).expect("base32");
    format!(
        "{:06}",
        totp::code_at_step(&bytes, totp::step_of(at.timestamp()))
    )
}

fn local(text: &str) -> chrono::DateTime<chrono::Utc> {
    xaso_domain::calendar::deadline::parse_instant(text).expect("instant")
}

async fn sign_in(app: &common::TestApp, code: Option<&str>) -> common::Reply {
    sign_in_as(app, "motcua", common::PASSWORD, code).await
}

async fn sign_in_as(
    app: &common::TestApp,
    user: &str,
    password: &str,
    code: Option<&str>,
) -> common::Reply {
    let form = app.get("/dang-nhap").await;
    let token = form.headers[header::SET_COOKIE]
        .to_str()
        .expect("ascii")
        .split(';')
        .next()
        .and_then(|c| c.strip_prefix("xaso_csrf="))
        .expect("token")
        .to_string();
    let mut body = format!("csrf={token}&username={user}&password={password}");
    if let Some(code) = code {
        body.push_str(&format!("&code={code}"));
    }
    app.send(
        Request::post("/dang-nhap")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, format!("xaso_csrf={token}"))
            .body(Body::from(body))
            .expect("request"),
    )
    .await
}

xaso_store::backend_tests! {
    async fn the_second_factor_is_set_up_then_needed_to_sign_in(store: Store) {
        let app = common::app(store).await;
        app.at("2026-04-16T10:00:05");
        let (cookie, csrf) = app.browser_session("motcua").await;
        let page = app.get_with("/xac-thuc-hai-buoc", &cookie).await;
        assert!(page.body.contains("Chưa bật"), "{}", page.body);
        let started = app.post_fields("/xac-thuc-hai-buoc", &cookie, &[("csrf", &csrf), ("action", "start")]).await;
        assert_eq!(started.status, StatusCode::OK, "{}", started.body);
        let secret = started.body.split("id=\"khoa-2fa\">").nth(1).and_then(|rest| rest.split('<').next()).expect("secret shown").to_string();
        assert_eq!(totp::base32_decode(&secret).map(|b| b.len()), Some(20));
        assert!(started.body.contains("<svg") && started.body.contains("Quét mã"), "{}", started.body);
        // Not on yet: signing in still needs no code.
        assert_eq!(sign_in(&app, None).await.status, StatusCode::SEE_OTHER);

        let wrong = app.post_fields("/xac-thuc-hai-buoc", &cookie, &[("csrf", &csrf), ("action", "confirm"), ("code", "000000")]).await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", wrong.body);
        let first = code_now(&secret, local("2026-04-16T10:00:05"));
        let on = app.post_fields("/xac-thuc-hai-buoc", &cookie, &[("csrf", &csrf), ("action", "confirm"), ("code", &first)]).await;
        assert!(on.body.contains("Đã bật xác thực hai bước") && on.body.contains("Đang bật"), "{}", on.body);

        // Thirty seconds later: the password alone is not enough; a wrong code is refused; the
        // code used to confirm is spent; the current one signs in, once.
        app.at("2026-04-16T10:00:35");
        let asked = sign_in(&app, None).await;
        assert_eq!(asked.status, StatusCode::UNAUTHORIZED);
        assert!(asked.body.contains("Mật khẩu đúng; tài khoản đã bật xác thực hai bước"), "{}", asked.body);
        assert!(!asked.headers.contains_key(header::SET_COOKIE) || !asked.headers[header::SET_COOKIE].to_str().unwrap_or_default().contains("xaso_session"));
        assert_eq!(sign_in(&app, Some("123456")).await.status, StatusCode::UNAUTHORIZED);
        assert_eq!(sign_in(&app, Some(&first)).await.status, StatusCode::UNAUTHORIZED, "the confirming code is spent");
        let current = code_now(&secret, local("2026-04-16T10:00:35"));
        let signed = sign_in(&app, Some(&current)).await;
        assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.body);
        assert!(signed.headers[header::SET_COOKIE].to_str().expect("ascii").starts_with("xaso_session="));
        assert_eq!(sign_in(&app, Some(&current)).await.status, StatusCode::UNAUTHORIZED, "a code is taken once");

        // The API sign-in takes the code too.
        app.at("2026-04-16T10:01:05");
        let api = |code: Option<String>| app.send(
            Request::post("/api/v1/auth/login")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(json!({ "username": "motcua", "password": common::PASSWORD, "code": code }).to_string()))
                .expect("request"),
        );
        let without = api(None).await;
        assert_eq!((without.status, without.error_code()), (StatusCode::UNAUTHORIZED, "second_factor".to_string()), "{}", without.body);
        assert_eq!(api(Some(code_now(&secret, local("2026-04-16T10:01:05")))).await.status, StatusCode::OK);

        // Off only with a current code; then the password is enough again.
        app.at("2026-04-16T10:01:35");
        let refused = app.post_fields("/xac-thuc-hai-buoc", &cookie, &[("csrf", &csrf), ("action", "disable"), ("code", "111111")]).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        let off = app.post_fields("/xac-thuc-hai-buoc", &cookie, &[("csrf", &csrf), ("action", "disable"), ("code", &code_now(&secret, local("2026-04-16T10:01:35")))]).await;
        assert!(off.body.contains("Đã tắt xác thực hai bước") && off.body.contains("Chưa bật"), "{}", off.body);
        assert_eq!(sign_in(&app, None).await.status, StatusCode::SEE_OTHER);
    }

    async fn an_administrator_resets_a_password_and_a_lost_second_factor(store: Store) {
        let app = common::app(store.clone()).await;
        app.at("2026-04-16T10:00:05");
        let hash = xaso_store::identity::hash_password(common::PASSWORD.to_string()).await.expect("hash");
        let mut tx = store.begin().await.expect("begin");
        xaso_store::identity::create_user(&mut tx, xaso_store::identity::NewUser {
            username: "quantri".into(), full_name: "Quản trị viên".into(), agency_code: None,
            roles: vec![xaso_domain::identity::Role::Administrator], password_hash: Some(hash), must_change_password: false,
        }, chrono::Utc::now(), &xaso_store::audit::Actor::system("test")).await.expect("administrator");
        // motcua has a second factor on.
        let motcua = app.users["motcua"].clone();
        let secret = xaso_store::identity::totp::start(&mut tx, &motcua).await.expect("start");
        xaso_store::identity::totp::confirm(&mut tx, &motcua, &code_now(&secret, local("2026-04-16T10:00:05")), local("2026-04-16T10:00:05")).await.expect("confirm");
        tx.commit().await.expect("commit");

        let (admin, csrf) = app.browser_session("quantri").await;
        let overview = app.get_with("/quan-tri", &admin).await;
        assert!(overview.body.contains("/quan-tri/nguoi-dung/motcua/dat-lai"), "{}", overview.body);
        // Not for other roles; not without the form token.
        let (leader, leader_csrf) = app.browser_session("lanhdao").await;
        assert_eq!(app.post_fields("/quan-tri/nguoi-dung/motcua/dat-lai", &leader, &[("csrf", &leader_csrf), ("what", "password")]).await.status, StatusCode::FORBIDDEN);
        assert_ne!(app.post_fields("/quan-tri/nguoi-dung/motcua/dat-lai", &admin, &[("csrf", "gia-mao"), ("what", "password")]).await.status, StatusCode::OK);

        let cleared = app.post_fields("/quan-tri/nguoi-dung/motcua/dat-lai", &admin, &[("csrf", &csrf), ("what", "second_factor")]).await;
        assert!(cleared.body.contains("Đã tắt xác thực hai bước"), "{}", cleared.body);
        app.at("2026-04-16T10:02:00");
        assert_eq!(sign_in(&app, None).await.status, StatusCode::SEE_OTHER, "the password alone again");

        let reset = app.post_fields("/quan-tri/nguoi-dung/motcua/dat-lai", &admin, &[("csrf", &csrf), ("what", "password")]).await;
        assert_eq!(reset.status, StatusCode::OK, "{}", reset.body);
        let password = reset.body.split("id=\"mat-khau-moi\">").nth(1).and_then(|r| r.split('<').next()).expect("shown once").to_string();
        assert_eq!(sign_in(&app, None).await.status, StatusCode::UNAUTHORIZED, "the old password no longer works");
        let fresh = sign_in_as(&app, "motcua", &password, None).await;
        assert_eq!(fresh.status, StatusCode::SEE_OTHER);
        let session = fresh.headers[header::SET_COOKIE].to_str().expect("ascii").split(';').next().expect("cookie").to_string();
        let inbox = app.get_with("/can-bo", &session).await;
        assert_eq!(inbox.status, StatusCode::SEE_OTHER, "must change the one-time password first");
        assert!(inbox.headers[header::LOCATION].to_str().expect("ascii").starts_with("/doi-mat-khau"), "{:?}", inbox.headers);
        let mut tx = store.read().await.expect("read");
        let trail: Vec<String> = xaso_store::audit::for_entity(&mut tx, "user", "motcua").await.expect("audit").into_iter().map(|r| format!("{} {}", r.action, r.actor)).collect();
        assert!(trail.iter().any(|t| t == "user.totp_reset quantri") && trail.iter().any(|t| t == "user.set_password quantri"), "{trail:?}");
    }

    async fn officers_reading_a_dossier_are_audited_the_applicant_is_not(store: Store) {
        let app = common::app(store.clone()).await;
        app.at("2026-04-16T10:00");
        let reply = app.post_as("congdan", "/api/v1/dossiers", json!({
            "procedure_code": "1.004873", "channel": "online", "receiving_agency": app.agency_of("motcua"),
            "applicant": { "name": "Võ Thị Mai", "id_number": "075201001234", "phone": "0912345678" },
            "components": common::complete_checklist(&app, "1.004873").await
        })).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        let code = reply.json()["code"].as_str().expect("code").to_string();
        assert_eq!(app.get_as("congdan", &format!("/api/v1/dossiers/{code}")).await.status, StatusCode::OK);
        assert_eq!(app.get_as("motcua", &format!("/api/v1/dossiers/{code}")).await.status, StatusCode::OK);
        let (officer, _) = app.browser_session("chuyenvien").await;
        assert_eq!(app.get_with(&format!("/can-bo/ho-so/{code}"), &officer).await.status, StatusCode::OK);
        let mut tx = store.read().await.expect("read");
        let id = xaso_store::dossier::view(&mut tx, &xaso_store::testing::dossier_rules(), &code, chrono::Utc::now()).await.expect("view").expect("found").id;
        let reads: Vec<(String, String)> = xaso_store::audit::for_entity(&mut tx, "dossier", &id.to_string()).await.expect("audit")
            .into_iter()
            .filter(|r| r.action == "dossier.read")
            .map(|r| (r.actor, r.details))
            .collect();
        assert_eq!(reads.len(), 2, "{reads:?}");
        assert!(reads[0].0 == "motcua" && reads[0].1.contains("api"), "{reads:?}");
        assert!(reads[1].0 == "chuyenvien" && reads[1].1.contains("page"), "{reads:?}");
    }

    async fn scoped_tokens_do_only_what_they_are_for(store: Store) {
        let app = common::app(store).await;
        let bearer = |token: &str, request: axum::http::request::Builder| request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        let json_post = |token: &str, uri: &str, body: serde_json::Value| {
            bearer(token, Request::post(uri)).header(header::CONTENT_TYPE, "application/json").body(Body::from(body.to_string())).expect("request")
        };
        // The counter officer's personal token (read, write) makes a read-only one for a dashboard.
        let made = app.post_as("motcua", "/api/v1/me/tokens", json!({ "name": "Bảng theo dõi", "scopes": ["read"] })).await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
        let reader = made.json()["token"].as_str().expect("token").to_string();
        let id = made.json()["id"].as_str().expect("id").to_string();
        let inbox = app.send(bearer(&reader, Request::get("/api/v1/dossiers/inbox")).body(Body::empty()).expect("request")).await;
        assert_eq!(inbox.status, StatusCode::OK, "{}", inbox.body);
        // It cannot file a dossier, nor make itself a wider token.
        let file = app.send(json_post(&reader, "/api/v1/dossiers", json!({}))).await;
        assert_eq!((file.status, file.error_code().as_str()), (StatusCode::FORBIDDEN, "insufficient_scope"), "{}", file.body);
        let wider = app.send(json_post(&reader, "/api/v1/me/tokens", json!({ "name": "x", "scopes": ["write"] }))).await;
        assert_eq!(wider.status, StatusCode::FORBIDDEN, "{}", wider.body);
        // Scopes are words the system knows.
        let unknown = app.post_as("motcua", "/api/v1/me/tokens", json!({ "name": "x", "scopes": ["doc"] })).await;
        assert_eq!(unknown.status, StatusCode::BAD_REQUEST, "{}", unknown.body);
        // The list shows it with its scope and its last use, never the token.
        let list = app.get_as("motcua", "/api/v1/me/tokens").await;
        assert!(!list.body.contains(&reader), "the token itself is never shown again");
        let listed = list.json()["items"].as_array().expect("items").iter().find(|t| t["id"] == id.as_str()).cloned().expect("listed");
        assert_eq!(listed["scopes"], json!(["read"]));
        assert!(listed["last_used_at"].is_string(), "{listed}");
        // Revoked, it is nobody: 401. Someone else's token id is not found.
        assert_eq!(app.post_as("chuyenvien", &format!("/api/v1/me/tokens/{id}/revoke"), json!({})).await.status, StatusCode::NOT_FOUND);
        assert_eq!(app.post_as("motcua", &format!("/api/v1/me/tokens/{id}/revoke"), json!({})).await.status, StatusCode::NO_CONTENT);
        let after = app.send(bearer(&reader, Request::get("/api/v1/dossiers/inbox")).body(Body::empty()).expect("request")).await;
        assert_eq!(after.status, StatusCode::UNAUTHORIZED);
        let mut tx = app.store.read().await.expect("read");
        let audited = xaso_store::audit::for_entity(&mut tx, "user", "motcua").await.expect("audit");
        assert!(audited.iter().any(|r| r.action == "user.revoke_token" && r.details.contains(&id)), "{audited:?}");
    }
}
