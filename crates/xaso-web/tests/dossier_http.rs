//! Dossier journeys over HTTP, on SQLite and on PostgreSQL.

use axum::http::StatusCode;
use serde_json::{json, Value};
use xaso_store::Store;

mod common;

use common::TestApp;

async fn receive(app: &TestApp, user: &str, body: Value) -> Value {
    let reply = app.post_as(user, "/api/v1/dossiers", body).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    reply.json()
}

fn applicant() -> Value {
    json!({ "name": "Nguyễn Văn An", "id_number": "075201001234", "phone": "0912345678", "email": "an@example.vn", "address": "Ấp 3, xã Minh Đức" })
}

fn ok(result: Result<Value, common::Reply>) -> Value {
    result.unwrap_or_else(|reply| panic!("{}: {}", reply.status, reply.body))
}

xaso_store::backend_tests! {
    async fn counter_supplement_appraisal_approval_returned_on_time(store: Store) {
        let app = common::app(store).await;
        app.at("2026-03-02T09:00");
        let mut incomplete = common::complete_checklist(&app, "1.004873").await;
        incomplete.as_array_mut().expect("list").pop();
        // An incomplete walk-in cannot be accepted: the officer lists what is missing instead.
        let refused = app.post_as("motcua", "/api/v1/dossiers", json!({
            "procedure_code": "1.004873", "channel": "counter", "receiving_agency": app.agency_of("motcua"),
            "applicant": applicant(), "components": incomplete, "decision": { "decision": "accept" }
        })).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
        let dossier = receive(&app, "motcua", json!({
            "procedure_code": "1.004873", "channel": "counter", "receiving_agency": app.agency_of("motcua"),
            "applicant": applicant(), "proxy_name": "Nguyễn Văn Bình", "components": common::complete_checklist(&app, "1.004873").await,
            "decision": { "decision": "accept" }
        })).await;
        let code = dossier["code"].as_str().expect("code").to_string();
        assert!(code.starts_with(&format!("{}-260302-", app.agency_of("motcua"))), "{code}");
        assert_eq!(dossier["status"]["code"], 2);
        assert_eq!(dossier["due_at"], "2026-03-05T02:00:00Z", "3 working days: Thursday 09:00");
        let dossier = ok(app.act("motcua", &dossier, json!({ "action": "forward" })).await);
        assert_eq!(dossier["status"]["code"], 4);
        // The specialist's inbox has it.
        let inbox = app.get_as("chuyenvien", "/api/v1/dossiers/inbox").await.json();
        assert_eq!(inbox["items"][0]["code"], code.as_str());
        app.at("2026-03-03T10:00");
        let dossier = ok(app.act("chuyenvien", &dossier, json!({ "action": "request_supplement", "items": ["Bản sao sổ hộ khẩu", "Xác nhận nơi cư trú"], "reason": "Cần xác minh nơi cư trú" })).await);
        assert_eq!(dossier["status"]["code"], 5);
        app.at("2026-03-04T08:00");
        let dossier = ok(app.act("motcua", &dossier, json!({ "action": "supplemented", "note": "Người dân nộp bổ sung tại quầy" })).await);
        assert_eq!(dossier["status"]["code"], 4);
        assert_eq!(dossier["due_at"], "2026-03-09T01:00:00Z", "within 3 days: the time restarts");
        app.at("2026-03-05T09:00");
        let dossier = ok(app.act("chuyenvien", &dossier, json!({ "action": "forward", "note": "Đủ điều kiện" })).await);
        app.at("2026-03-05T15:00");
        let dossier = ok(app.act("lanhdao", &dossier, json!({ "action": "approve", "result_number": "25/2026/XNTTHN" })).await);
        assert_eq!(dossier["status"]["code"], 9);
        assert_eq!(dossier["outcome"], "early");
        app.at("2026-03-06T08:00");
        let dossier = ok(app.act("motcua", &dossier, json!({ "action": "return_result" })).await);
        assert_eq!(dossier["status"]["code"], 10);
        let actions: Vec<&str> = dossier["history"].as_array().expect("history").iter().map(|h| h["action"].as_str().unwrap_or_default()).collect();
        assert_eq!(actions, ["submit", "accept", "forward", "request_supplement", "supplemented", "forward", "approve", "return_result"]);
        // Nothing more can be done.
        let after = app.act("motcua", &dossier, json!({ "action": "forward" })).await.expect_err("closed");
        assert_eq!(after.status, StatusCode::CONFLICT);
    }

    async fn online_dossier_finished_late_after_an_apology(store: Store) {
        let app = common::app(store).await;
        app.at("2026-03-02T09:00");
        let dossier = receive(&app, "congdan", json!({
            "procedure_code": "1.004859", "channel": "online", "receiving_agency": app.agency_of("motcua"),
            "applicant": applicant(), "components": common::complete_checklist(&app, "1.004859").await
        })).await;
        assert_eq!(dossier["status"]["code"], 1);
        let mine = app.get_as("congdan", "/api/v1/dossiers/mine").await.json();
        assert_eq!(mine["items"][0]["code"], dossier["code"]);
        // Attachments: a real PDF is kept; an executable renamed to .pdf and an oversized file are refused.
        let code = dossier["code"].as_str().expect("code").to_string();
        let pdf = b"%PDF-1.4\n% test\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n".to_vec();
        let uploaded = app.post_bytes_as("congdan", &format!("/api/v1/dossiers/{code}/files?name=..%2F..%2Fto-khai.pdf"), pdf.clone()).await;
        assert_eq!(uploaded.status, StatusCode::CREATED, "{}", uploaded.body);
        assert_eq!(uploaded.json()["name"], "to-khai.pdf");
        assert_eq!(uploaded.json()["content_type"], "application/pdf");
        let exe = app.post_bytes_as("congdan", &format!("/api/v1/dossiers/{code}/files?name=giay-to.pdf"), b"MZ\x90\x00 not a pdf".to_vec()).await;
        assert_eq!(exe.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{}", exe.body);
        let mut huge = b"%PDF-1.4".to_vec();
        huge.resize(11 * 1024 * 1024, b' ');
        assert_eq!(app.post_bytes_as("congdan", &format!("/api/v1/dossiers/{code}/files?name=x.pdf"), huge).await.status, StatusCode::PAYLOAD_TOO_LARGE);
        let stranger = app.post_bytes_as("congdan2", &format!("/api/v1/dossiers/{code}/files?name=x.pdf"), pdf.clone()).await;
        assert_eq!(stranger.status, StatusCode::NOT_FOUND);
        let file_id = uploaded.json()["id"].as_str().expect("id").to_string();
        let fetched = app.get_as("chuyenvien", &format!("/api/v1/dossiers/{code}/files/{file_id}")).await;
        assert_eq!(fetched.status, StatusCode::OK);
        assert_eq!(fetched.bytes, pdf);
        assert_eq!(app.get_as("congdan2", &format!("/api/v1/dossiers/{code}/files/{file_id}")).await.status, StatusCode::NOT_FOUND);
        let detail = app.get_as("congdan", &format!("/api/v1/dossiers/{code}")).await.json();
        assert_eq!(detail["files"].as_array().map(Vec::len), Some(1));
        let dossier = detail;
        let dossier = ok(app.act("motcua", &dossier, json!({ "action": "accept" })).await);
        let dossier = ok(app.act("motcua", &dossier, json!({ "action": "forward" })).await);
        let due = dossier["due_at"].clone();
        app.at("2026-03-03T09:00");
        let dossier = ok(app.act("chuyenvien", &dossier, json!({ "action": "apologize", "reason": "Chờ kết quả xác minh của Công an xã", "new_date": "2026-03-10" })).await);
        assert_ne!(dossier["due_at"], due);
        assert_eq!(dossier["due_at"], "2026-03-10T10:00:00Z", "the end of the new day");
        let again = app.act("chuyenvien", &dossier, json!({ "action": "apologize", "reason": "Lần hai", "new_date": "2026-03-12" })).await.expect_err("once");
        assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
        app.at("2026-03-11T09:00");
        let dossier = ok(app.act("chuyenvien", &dossier, json!({ "action": "forward" })).await);
        let dossier = ok(app.act("lanhdao", &dossier, json!({ "action": "approve", "result_number": "7/2026/TĐHT" })).await);
        assert_eq!(dossier["outcome"], "late");
        // The applicant tracks it publicly: masked name, no contact details.
        let public = app.get(&format!("/api/v1/public/dossiers/{}", dossier["code"].as_str().expect("code"))).await;
        assert_eq!(public.status, StatusCode::OK);
        assert_eq!(public.json()["applicant"], "Nguyễn V** A**");
        assert_eq!(public.json()["outcome"], "late");
        for private in ["0912345678", "075201001234", "an@example.vn", "Ấp 3"] {
            assert!(!public.body.contains(private), "{private} leaked");
        }
    }

    async fn refusal_and_withdrawal(store: Store) {
        let app = common::app(store).await;
        app.at("2026-03-02T09:00");
        let refused = receive(&app, "motcua", json!({
            "procedure_code": "1.004873", "channel": "postal", "receiving_agency": app.agency_of("motcua"),
            "applicant": applicant(), "decision": { "decision": "refuse", "reasons": "Người yêu cầu không cư trú tại xã" }
        })).await;
        assert_eq!(refused["status"]["code"], 3);
        assert_eq!(refused["channel"], "postal");
        let withdrawn = receive(&app, "congdan", json!({
            "procedure_code": "1.004873", "channel": "online", "receiving_agency": app.agency_of("motcua"), "applicant": applicant()
        })).await;
        let other = app.act("congdan2", &withdrawn, json!({ "action": "withdraw", "reason": "x" })).await.expect_err("not theirs");
        assert_eq!(other.status, StatusCode::NOT_FOUND, "someone else's dossier is not found");
        let withdrawn = ok(app.act("congdan", &withdrawn, json!({ "action": "withdraw", "reason": "Không còn nhu cầu" })).await);
        assert_eq!(withdrawn["status"]["code"], 7);
    }

    async fn received_in_one_commune_handled_in_another(store: Store) {
        let app = common::app(store).await;
        app.at("2026-03-02T09:00");
        let tan_khai = app.agency_of("lanhdao.tk");
        let dossier = receive(&app, "motcua", json!({
            "procedure_code": "2.000635", "channel": "counter", "receiving_agency": app.agency_of("motcua"),
            "handling_commune": tan_khai, "applicant": applicant(), "components": common::complete_checklist(&app, "2.000635").await,
            "decision": { "decision": "accept" }
        })).await;
        assert_eq!(dossier["handling_commune"], tan_khai.as_str());
        assert!(dossier["code"].as_str().expect("code").starts_with(&app.agency_of("motcua")), "received in Minh Đức");
        let dossier = ok(app.act("motcua", &dossier, json!({ "action": "forward" })).await);
        // Minh Đức's specialist sees it but may not appraise it; Tân Khai's may.
        let here = app.act("chuyenvien", &dossier, json!({ "action": "forward" })).await.expect_err("not competent");
        assert_eq!(here.status, StatusCode::FORBIDDEN, "{}", here.body);
        assert!(app.get_as("chuyenvien", "/api/v1/dossiers/inbox").await.json()["items"].as_array().expect("items").is_empty());
        let theirs = app.get_as("chuyenvien.tk", "/api/v1/dossiers/inbox").await.json();
        assert_eq!(theirs["items"][0]["code"], dossier["code"]);
        let dossier = ok(app.act("chuyenvien.tk", &dossier, json!({ "action": "forward" })).await);
        app.at("2026-03-02T11:00");
        let dossier = ok(app.act("lanhdao.tk", &dossier, json!({ "action": "approve", "result_number": "12/TLHT" })).await);
        // The result goes back through Minh Đức's counter, where it was received.
        let dossier = ok(app.act("motcua", &dossier, json!({ "action": "return_result" })).await);
        assert_eq!(dossier["status"]["code"], 10);
        assert_eq!(dossier["outcome"], "on_time");
        // A procedure that is not location-independent is refused elsewhere.
        let birth = app.post_as("motcua", "/api/v1/dossiers", json!({
            "procedure_code": "1.001193", "channel": "counter", "receiving_agency": app.agency_of("motcua"),
            "handling_commune": tan_khai, "applicant": applicant()
        })).await;
        assert_eq!(birth.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", birth.body);
    }

    async fn two_officers_race_and_one_wins(store: Store) {
        let app = common::app(store).await;
        app.at("2026-03-02T09:00");
        let dossier = receive(&app, "motcua", json!({
            "procedure_code": "1.004873", "channel": "counter", "receiving_agency": app.agency_of("motcua"),
            "applicant": applicant(), "components": common::complete_checklist(&app, "1.004873").await, "decision": { "decision": "accept" }
        })).await;
        let dossier = ok(app.act("motcua", &dossier, json!({ "action": "forward" })).await);
        let code = dossier["code"].as_str().expect("code").to_string();
        let (a, b) = tokio::join!(
            app.act("chuyenvien", &dossier, json!({ "action": "forward" })),
            app.act("chuyenvien", &dossier, json!({ "action": "request_supplement", "items": ["Tờ khai"], "reason": "Thiếu chữ ký" })),
        );
        let wins = [a.is_ok(), b.is_ok()].iter().filter(|w| **w).count();
        assert_eq!(wins, 1, "exactly one of the two actions lands");
        let loser = a.err().or(b.err()).expect("a loser");
        assert_eq!(loser.status, StatusCode::CONFLICT, "{}", loser.body);
        let detail = app.get_as("chuyenvien", &format!("/api/v1/dossiers/{code}")).await.json();
        assert_eq!(detail["version"], dossier["version"].as_i64().expect("version") + 1);
        assert_eq!(detail["history"].as_array().expect("history").len(), 4);
    }

    async fn nothing_is_stored_for_someone_who_may_not_attach(store: Store) {
        let app = common::app(store).await;
        let bytes = format!("%PDF-1.4 {}", xaso_store::new_id()).into_bytes();
        let hash = xaso_store::files::sha256_hex(&bytes);
        let reply = app.post_bytes_as("congdan2", "/api/v1/dossiers/000.04.61.H19-260302-0001/files?name=x.pdf", bytes).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND);
        assert!(common::test_files().get(&hash).await.is_err(), "the bytes were not written");
    }

    async fn a_one_time_password_only_opens_the_password_change(store: Store) {
        let app = common::app(store.clone()).await;
        let now = common::start_time();
        let hash = xaso_store::identity::hash_password("mot-lan-duy-nhat".into()).await.expect("hash");
        let mut tx = store.begin().await.expect("begin");
        xaso_store::identity::create_user(&mut tx, xaso_store::identity::NewUser {
            username: "moi".into(), full_name: "Người Mới".into(), agency_code: Some(app.agency_of("motcua")),
            roles: vec![xaso_domain::identity::Role::CounterOfficer], password_hash: Some(hash), must_change_password: true,
        }, now, &xaso_store::audit::Actor::system("test")).await.expect("user");
        let token = xaso_store::identity::create_api_token(&mut tx, "moi", "test", now, &xaso_store::audit::Actor::system("test")).await.expect("token");
        tx.commit().await.expect("commit");
        let bearer = |uri: &str| axum::http::Request::get(uri).header(axum::http::header::AUTHORIZATION, format!("Bearer {token}")).body(axum::body::Body::empty()).expect("request");
        let blocked = app.send(bearer("/api/v1/dossiers/inbox")).await;
        assert_eq!(blocked.status, StatusCode::FORBIDDEN);
        assert_eq!(blocked.error_code(), "password_change_required");
        assert_eq!(app.send(bearer("/api/v1/me")).await.status, StatusCode::OK);
        let change = axum::http::Request::post("/api/v1/me/password")
            .header(axum::http::header::AUTHORIZATION, format!("Bearer {token}"))
            .header(axum::http::header::CONTENT_TYPE, "application/json")
            .body(axum::body::Body::from(json!({ "current_password": "mot-lan-duy-nhat", "new_password": "mat-khau-rieng-cua-toi" }).to_string()))
            .expect("request");
        assert_eq!(app.send(change).await.status, StatusCode::NO_CONTENT);
        assert_eq!(app.send(bearer("/api/v1/me")).await.status, StatusCode::UNAUTHORIZED, "the change revoked the old token");
    }

    async fn public_tracking_answers_alike_and_is_rate_limited(store: Store) {
        let app = common::app(store).await;
        let unknown = app.get("/api/v1/public/dossiers/000.04.61.H19-260302-9999").await;
        let malformed = app.get("/api/v1/public/dossiers/abc'%20OR%201=1").await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND);
        assert_eq!(unknown.body, malformed.body, "no way to tell a malformed code from an unknown one");
        let page = app.get("/tra-cuu?ma=%3Cscript%3E").await;
        assert_eq!(page.status, StatusCode::NOT_FOUND);
        assert!(page.body.contains("Không tìm thấy hồ sơ") && !page.body.contains("<script>"));
        let mut limited = false;
        for _ in 0..70 {
            if app.get("/api/v1/public/dossiers/000.04.61.H19-260302-0001").await.status == StatusCode::TOO_MANY_REQUESTS {
                limited = true;
                break;
            }
        }
        assert!(limited, "60 look-ups a minute per client at most");
        // Staff endpoints need a login.
        assert_eq!(app.get("/api/v1/dossiers/inbox").await.status, StatusCode::UNAUTHORIZED);
    }
}

xaso_store::backend_tests! {
    async fn forms_01_and_05_come_as_pdf(store: Store) {
        let app = common::app(store).await;
        app.at("2026-03-02T09:00");
        let dossier = receive(&app, "motcua", json!({
            "procedure_code": "1.004873", "channel": "counter", "receiving_agency": app.agency_of("motcua"),
            "applicant": applicant(), "components": common::complete_checklist(&app, "1.004873").await, "decision": { "decision": "accept" }
        })).await;
        let code = dossier["code"].as_str().expect("code").to_string();
        // Pages take the browser session, not API tokens: sign in through the form.
        let page = app.get("/dang-nhap").await;
        let token = page.headers[axum::http::header::SET_COOKIE].to_str().expect("ascii").split(';').next().and_then(|c| c.strip_prefix("xaso_csrf=")).expect("token").to_string();
        let login = app.send(axum::http::Request::post("/dang-nhap").header(axum::http::header::CONTENT_TYPE, "application/x-www-form-urlencoded").header(axum::http::header::COOKIE, format!("xaso_csrf={token}"))
            .body(axum::body::Body::from(format!("csrf={token}&username=motcua&password={}", common::PASSWORD))).expect("request")).await;
        let session = login.headers[axum::http::header::SET_COOKIE].to_str().expect("ascii").split(';').next().expect("pair").to_string();
        for path in [format!("/ho-so/{code}/bien-nhan.pdf"), format!("/can-bo/ho-so/{code}/phieu-kiem-soat.pdf")] {
            let reply = app.send(axum::http::Request::get(&path).header(axum::http::header::COOKIE, &session).body(axum::body::Body::empty()).expect("request")).await;
            assert_eq!(reply.status, StatusCode::OK, "{path}");
            assert_eq!(reply.headers[axum::http::header::CONTENT_TYPE], "application/pdf");
            assert!(reply.bytes.starts_with(b"%PDF-1.7") && reply.bytes.ends_with(b"%%EOF\n"), "{path}");
        }
        // Form 02 exists once a supplement was asked; form 04 only after an apology.
        let dossier = ok(app.act("motcua", &dossier, json!({ "action": "forward" })).await);
        ok(app.act("chuyenvien", &dossier, json!({ "action": "request_supplement", "items": ["Bản sao sổ hộ khẩu"], "reason": "Cần xác minh" })).await);
        let get = |path: String| axum::http::Request::get(path).header(axum::http::header::COOKIE, &session).body(axum::body::Body::empty()).expect("request");
        let form_02 = app.send(get(format!("/ho-so/{code}/phieu/02.pdf"))).await;
        assert_eq!(form_02.status, StatusCode::OK, "{}", form_02.body);
        assert!(form_02.bytes.starts_with(b"%PDF"));
        assert_eq!(app.send(get(format!("/ho-so/{code}/phieu/04.pdf"))).await.status, StatusCode::NOT_FOUND);
        assert_eq!(app.send(get(format!("/ho-so/{code}/phieu/99.pdf"))).await.status, StatusCode::NOT_FOUND);
        let register = app.send(get("/can-bo/so-theo-doi.pdf?tu=2026-03-01&den=2026-03-31".to_string())).await;
        assert_eq!(register.status, StatusCode::OK, "{}", register.body);
        assert!(register.bytes.starts_with(b"%PDF"));
        assert_eq!(app.send(get("/can-bo/so-theo-doi.pdf?tu=2026-03-31&den=2026-03-01".to_string())).await.status, StatusCode::BAD_REQUEST);
        // Without a session: the login page.
        assert_eq!(app.get(&format!("/ho-so/{code}/bien-nhan.pdf")).await.status, StatusCode::SEE_OTHER);
    }
}

xaso_store::backend_tests! {
    async fn approval_produces_a_signed_e_result(store: Store) {
        let app = common::app(store).await;
        app.at("2026-03-02T09:00");
        let dossier = receive(&app, "motcua", json!({
            "procedure_code": "1.004873", "channel": "counter", "receiving_agency": app.agency_of("motcua"),
            "applicant": applicant(), "components": common::complete_checklist(&app, "1.004873").await, "decision": { "decision": "accept" }
        })).await;
        let dossier = ok(app.act("motcua", &dossier, json!({ "action": "forward" })).await);
        let dossier = ok(app.act("chuyenvien", &dossier, json!({ "action": "forward" })).await);
        let dossier = ok(app.act("lanhdao", &dossier, json!({ "action": "approve", "result_number": "31/2026/XNTTHN" })).await);
        let results: Vec<Value> = dossier["files"].as_array().expect("files").iter().filter(|f| f["kind"] == "result").cloned().collect();
        assert_eq!(results.len(), 1, "{}", dossier["files"]);
        let code = dossier["code"].as_str().expect("code");
        let id = results[0]["id"].as_str().expect("id");
        let pdf = app.get_as("congdan", &format!("/api/v1/dossiers/{code}/files/{id}")).await;
        // The applicant of a counter dossier is not an account: staff download it.
        assert_eq!(pdf.status, StatusCode::NOT_FOUND);
        let pdf = app.get_as("motcua", &format!("/api/v1/dossiers/{code}/files/{id}")).await;
        assert_eq!(pdf.status, StatusCode::OK);
        let text = String::from_utf8_lossy(&pdf.bytes);
        assert!(text.contains("/SubFilter /ETSI.CAdES.detached") && text.contains("/ByteRange [0 "), "a PAdES signature");
        // Our own verifier finds it intact, whole and issued by the commune's CA...
        let mut tx = app.store.read().await.expect("read");
        let ca = xaso_store::pki::ca_of(&mut tx, &app.agency_of("lanhdao"), chrono::Utc::now()).await.expect("ca").expect("the commune's CA");
        tx.commit().await.expect("commit");
        let checked = xaso_docs::verify::verify(&pdf.bytes, &[ca.cert]).expect("signed");
        assert!(checked.intact && checked.whole_document && checked.trusted, "{checked:?}");
        assert_eq!(checked.signer, "Lê Văn Đức");
        // ...and so does pdfsig, when installed (scripts/test installs it).
        let file = std::env::temp_dir().join(format!("xaso-result-{}.pdf", xaso_store::new_id()));
        std::fs::write(&file, &pdf.bytes).expect("write");
        if let Ok(out) = std::process::Command::new("pdfsig").arg(&file).output() {
            let report = String::from_utf8_lossy(&out.stdout);
            assert!(report.contains("Signature is Valid.") && report.contains("Total document signed"), "{report}");
            assert!(report.contains("Lê Văn Đức"), "{report}");
            let out = std::process::Command::new("pdftotext").arg(&file).arg("-").output().expect("pdftotext comes with pdfsig");
            let words = String::from_utf8_lossy(&out.stdout);
            assert!(words.contains(&format!("Xác thực: http://localhost/xac-thuc/{code}")), "{words}");
        }
        std::fs::remove_file(file).expect("clean up");
        // The result names its public verification page, which anyone can open: no personal data.
        let page = app.get(&format!("/xac-thuc/{code}")).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("Chữ ký số hợp lệ.") && page.body.contains("Lê Văn Đức") && page.body.contains("Nguyên vẹn"), "{}", page.body);
        let api = app.get(&format!("/api/v1/public/results/{code}")).await;
        assert_eq!(api.status, StatusCode::OK);
        let json = api.json();
        assert_eq!((json["checked"]["valid"].as_bool(), json["checked"]["trusted"].as_bool()), (Some(true), Some(true)), "{json}");
        assert!(!api.body.contains("Nguyễn Văn An") && !api.body.contains("075201001234"), "{}", api.body);
        // A revocation after signing leaves the signature standing, and says when.
        app.at("2026-03-03T09:00");
        let mut tx = app.store.begin().await.expect("begin");
        xaso_store::pki::revoke_user(&mut tx, "lanhdao", chrono::Utc::now() + chrono::Duration::seconds(5), &xaso_store::audit::Actor::system("test")).await.expect("revoke");
        tx.commit().await.expect("commit");
        let json = app.get(&format!("/api/v1/public/results/{code}")).await.json();
        assert_eq!(json["checked"]["valid"].as_bool(), Some(true), "{json}");
        assert!(json["checked"]["revoked_at"].is_string(), "{json}");
        // Unknown codes, malformed codes and dossiers without a result look the same.
        for missing in ["000.00.61.H19-260302-9999", "khong-phai-ma", "000.00.61.H19-260302-00x1"] {
            let page = app.get(&format!("/xac-thuc/{missing}")).await;
            assert_eq!(page.status, StatusCode::NOT_FOUND, "{missing}");
            assert!(page.body.contains("Không tìm thấy kết quả điện tử"), "{}", page.body);
        }
    }
}

/// The test identity of a made-up provider (tests/fixtures/provider/make.sh).
fn provider_file(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/../../tests/fixtures/provider/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("fixture")
}

xaso_store::backend_tests! {
    async fn a_leader_signs_with_a_certificate_imported_from_a_provider(store: Store) {
        use xaso_web::pki::import_identity;
        let app = common::app(store).await;
        let (p12, password, actor) = (provider_file("leader.p12"), "Mật-khẩu 2026", xaso_store::audit::Actor::system("test"));
        let now = chrono::Utc::now();
        let refused = |r: Result<xaso_web::pki::Imported, xaso_store::StoreError>| r.err().map(|e| e.to_string()).unwrap_or_default();
        let secret = &common::TEST_SECRET;
        assert!(refused(import_identity(&app.store, secret, "lanhdao", &p12, "sai mật khẩu", now, &actor).await).contains("sai mật khẩu"));
        assert!(refused(import_identity(&app.store, secret, "chuyenvien", &p12, password, now, &actor).await).contains("không phải lãnh đạo"));
        let in_2200 = now + chrono::Duration::days(365 * 174);
        assert!(refused(import_identity(&app.store, secret, "lanhdao", &p12, password, in_2200, &actor).await).contains("đã hết hạn"));
        assert!(refused(import_identity(&app.store, secret, "khong-co", &p12, password, now, &actor).await).contains("khong-co"));
        let imported = import_identity(&app.store, secret, "lanhdao", &provider_file("leader-legacy.p12"), password, now, &actor).await.expect("legacy encryption");
        assert_eq!((imported.subject.as_str(), imported.issuer.as_str(), imported.chain_length), ("Lê Văn Đức", "CA thử nghiệm (không dùng thật)", 1));
        import_identity(&app.store, secret, "lanhdao", &p12, password, now, &actor).await.expect("imports");

        app.at("2026-03-02T09:00");
        let dossier = receive(&app, "motcua", json!({
            "procedure_code": "1.004873", "channel": "counter", "receiving_agency": app.agency_of("motcua"),
            "applicant": applicant(), "components": common::complete_checklist(&app, "1.004873").await, "decision": { "decision": "accept" }
        })).await;
        let dossier = ok(app.act("motcua", &dossier, json!({ "action": "forward" })).await);
        let dossier = ok(app.act("chuyenvien", &dossier, json!({ "action": "forward" })).await);
        let dossier = ok(app.act("lanhdao", &dossier, json!({ "action": "approve", "result_number": "32/2026/XNTTHN" })).await);
        let code = dossier["code"].as_str().expect("code");
        let result = dossier["files"].as_array().expect("files").iter().find(|f| f["kind"] == "result").cloned().expect("a signed result");
        let pdf = app.get_as("motcua", &format!("/api/v1/dossiers/{code}/files/{}", result["id"].as_str().expect("id"))).await;
        assert_eq!(pdf.status, StatusCode::OK);
        // Signed with the provider's certificate, which chains to the provider's CA, not the commune's.
        let provider_ca = xaso_docs::pki::certificates_in_pem(&String::from_utf8(provider_file("ca.pem")).expect("pem")).expect("ca");
        let checked = xaso_docs::verify::verify(&pdf.bytes, &provider_ca).expect("signed");
        assert!(checked.intact && checked.whole_document && checked.trusted, "{checked:?}");
        assert_eq!(checked.issuer, "CA thử nghiệm (không dùng thật)");
        // The public verification trusts the chain that came with the imported certificate.
        let json = app.get(&format!("/api/v1/public/results/{code}")).await.json();
        assert_eq!((json["checked"]["valid"].as_bool(), json["checked"]["issuer"].as_str()), (Some(true), Some("CA thử nghiệm (không dùng thật)")), "{json}");
        let file = std::env::temp_dir().join(format!("xaso-provider-{}.pdf", xaso_store::new_id()));
        std::fs::write(&file, &pdf.bytes).expect("write");
        match std::process::Command::new("pdfsig").arg(&file).output() {
            Ok(out) => {
                let report = String::from_utf8_lossy(&out.stdout);
                assert!(report.contains("Signature is Valid.") && report.contains("Total document signed"), "{report}");
            }
            Err(_) => assert!(std::env::var_os("CI").is_none(), "pdfsig is missing under CI (scripts/test installs it)"),
        }
        std::fs::remove_file(file).expect("clean up");
    }
}
