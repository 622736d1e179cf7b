//! SQL and script injection in every text field of the main forms and APIs: each value is either
//! kept verbatim or refused with a 4xx, every page that shows it escapes it, and the tables stay.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use serde_json::json;
use xaso_store::Store;

use crate::hostile::{assert_escaped, browser_post, encode, form, payloads, Hostile};

/// Table names before and after: no statement smuggled in a value dropped or made one.
async fn tables(app: &Hostile) -> Vec<String> {
    app.store.table_names().await.expect("tables")
}

/// GETs `uri` with a browser session; the page must be `expected` and show no raw markup.
async fn page(app: &Hostile, cookie: &str, uri: &str, expected: StatusCode) -> String {
    let reply = app.get_with(uri, cookie).await;
    assert_eq!(
        reply.status,
        expected,
        "{uri}: {}",
        crate::hostile::excerpt(&reply.body)
    );
    assert_escaped(&reply.body, uri);
    reply.body
}

xaso_store::backend_tests! {
    async fn a_dossier_full_of_injection_is_kept_verbatim_and_shown_escaped(store: Store) {
        let app = crate::hostile::app(store).await;
        let before = tables(&app).await;
        let (officer, officer_csrf) = app.browser_session("motcua").await;
        let (specialist, _) = app.browser_session("chuyenvien").await;
        let (citizen, _) = app.browser_session("congdan").await;
        for payload in payloads() {
            // At the counter, through the API: every text of the applicant and the dossier.
            let dossier = app.counter_dossier(json!({ "name": payload, "address": payload, "id_number": null })).await;
            let code = dossier["code"].as_str().expect("code").to_string();
            assert_eq!(dossier["applicant"]["name"], payload.as_str());
            assert_eq!(dossier["applicant"]["address"], payload.as_str());
            let dossier = app.act("motcua", &dossier, json!({ "action": "forward", "note": payload })).await.expect("forward");
            let dossier = app.act("chuyenvien", &dossier, json!({ "action": "request_supplement", "items": [payload], "reason": payload })).await.expect("supplement");
            assert_eq!(dossier["supplement"]["reason"], payload.as_str());
            assert_eq!(dossier["supplement"]["items"][0], payload.as_str());
            let detail = app.get_as("motcua", &format!("/api/v1/dossiers/{code}")).await;
            assert_eq!(detail.json()["applicant"]["name"], payload.as_str(), "verbatim");
            for (cookie, uri) in [
                (&officer, format!("/can-bo/ho-so/{code}")),
                (&officer, format!("/ho-so/{code}/bien-nhan")),
                (&officer, "/can-bo".to_string()),
                (&specialist, format!("/can-bo/ho-so/{code}")),
                (&citizen, format!("/tra-cuu?ma={code}")),
            ] {
                page(&app, cookie, &uri, StatusCode::OK).await;
            }
            let public = app.get(&format!("/api/v1/public/dossiers/{code}")).await;
            assert_eq!(public.status, StatusCode::OK, "{}", public.body);
            // Through the reception form, with the owner and proxy too.
            let fields = [("csrf", officer_csrf.as_str()), ("procedure_code", "1.004873"), ("channel", "counter"), ("applicant_name", &payload),
                ("address", &payload), ("owner_name", &payload), ("proxy_name", &payload), ("decision", "accept")];
            let mut fields: Vec<(String, String)> = fields.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
            fields.extend(crate::common::mandatory_components("1.004873"));
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let received = app.post_form("/can-bo/tiep-nhan", &officer, &fields, &[]).await;
            assert_eq!(received.status, StatusCode::SEE_OTHER, "{}", crate::hostile::excerpt(&received.body));
            let receipt = received.headers[header::LOCATION].to_str().expect("ascii").to_string();
            let body = page(&app, &officer, &receipt, StatusCode::OK).await;
            assert!(body.contains(&askama_escape(&payload)), "{receipt} shows the name escaped: {}", around(&body, "Nguyễn"));
        }
        // A citizen's own dossier, online: their list and its page.
        let payload = payloads().pop().expect("payload");
        let online = app.post_as("congdan", "/api/v1/dossiers", json!({
            "procedure_code": "1.004859", "channel": "online", "receiving_agency": app.agency_of("motcua"),
            "applicant": { "name": payload, "address": payload }, "components": crate::common::complete_checklist(&app, "1.004859").await
        })).await;
        assert_eq!(online.status, StatusCode::CREATED, "{}", online.body);
        let code = online.json()["code"].as_str().expect("code").to_string();
        page(&app, &citizen, "/ho-so-cua-toi", StatusCode::OK).await;
        page(&app, &citizen, &format!("/ho-so/{code}"), StatusCode::OK).await;
        assert_eq!(tables(&app).await, before, "no table dropped or made");
        let dossiers = xaso_store::testing::row_counts(&app.store).await["dossiers"];
        assert_eq!(dossiers, 2 * payloads().len() as i64 + 1, "every dossier kept, none removed");
    }

    async fn citizen_profiles_feedback_and_tokens_full_of_injection_are_escaped(store: Store) {
        let app = crate::hostile::app(store).await;
        let before = tables(&app).await;
        let (officer, officer_csrf) = app.browser_session("motcua").await;
        let (specialist, specialist_csrf) = app.browser_session("chuyenvien").await;
        let (citizen, citizen_csrf) = app.browser_session("congdan").await;
        for payload in payloads() {
            // The citizen data store: an officer records the profile; the pages and API show it.
            let saved = app.post_fields("/can-bo/cong-dan", &officer, &[("csrf", &officer_csrf), ("id_number", "075201001234"),
                ("full_name", &payload), ("address", &payload)]).await;
            assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", crate::hostile::excerpt(&saved.body));
            let body = page(&app, &officer, "/can-bo/cong-dan?so=075201001234", StatusCode::OK).await;
            assert!(body.contains(&askama_escape(&payload)), "the profile shows the name: {}", around(&body, "Nguyễn"));
            page(&app, &officer, "/can-bo/tiep-nhan?thu-tuc=1.004873&so=075201001234", StatusCode::OK).await;
            let profile = app.get_as("motcua", "/api/v1/citizens/075201001234").await;
            assert_eq!(profile.json()["profile"]["full_name"], payload.as_str(), "{}", profile.body);

            // Feedback: anonymous over Open311, and on the portal with its answer.
            let open311 = Request::post("/open311/v2/requests.json").header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(form(&[("service_code", "ha-tang"), ("description", &format!("Phản ánh: {payload}")),
                    ("address_string", &payload), ("first_name", &payload), ("email", &payload)]))).expect("request");
            let created = app.send(open311).await;
            assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
            let id = created.json()[0]["service_request_id"].as_str().expect("id").to_string();
            let shown = app.get(&format!("/open311/v2/requests/{id}.json")).await;
            assert_eq!(shown.json()[0]["description"], format!("Phản ánh: {payload}"), "{}", shown.body);
            assert_eq!(shown.json()[0]["address"], payload.as_str(), "{}", shown.body);
            page(&app, &specialist, &format!("/phan-anh/{id}"), StatusCode::OK).await;
            let sent = app.post_fields("/phan-anh", &citizen, &[("csrf", &citizen_csrf), ("service_code", "can-bo"),
                ("description", &format!("Phản ánh: {payload}")), ("address", &payload)]).await;
            assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", crate::hostile::excerpt(&sent.body));
            let item = sent.headers[header::LOCATION].to_str().expect("ascii").to_string();
            for (action, text) in [("classify", ""), ("answer", payload.as_str())] {
                let version = if action == "classify" { "1" } else { "2" };
                let done = app.post_fields(&item, &specialist, &[("csrf", &specialist_csrf), ("version", version), ("action", action),
                    ("category", "conduct"), ("text", text)]).await;
                assert_eq!(done.status, StatusCode::SEE_OTHER, "{action}: {}", crate::hostile::excerpt(&done.body));
            }
            let body = page(&app, &citizen, &item, StatusCode::OK).await;
            assert!(body.contains(&askama_escape(&payload)), "the answer is shown: {}", around(&body, "Nguyễn"));
            page(&app, &citizen, "/phan-anh", StatusCode::OK).await;
            page(&app, &specialist, "/phan-anh", StatusCode::OK).await;

            // An API token named with it.
            let token = app.post_as("congdan", "/api/v1/me/tokens", json!({ "name": payload, "scopes": ["read"] })).await;
            assert_eq!(token.status, StatusCode::CREATED, "{}", token.body);
            let listed = app.get_as("congdan", "/api/v1/me/tokens").await;
            assert!(listed.body.contains(&serde_json::to_string(&payload).expect("json")), "{}", listed.body);
        }
        page(&app, &citizen, "/thong-bao", StatusCode::OK).await;
        assert_eq!(tables(&app).await, before, "no table dropped or made");
    }

    async fn documents_certified_copies_and_plan_reports_full_of_injection_are_escaped(store: Store) {
        let app = crate::hostile::app(store).await;
        let before = tables(&app).await;
        let (officer, officer_csrf) = app.browser_session("motcua").await;
        let (leader, leader_csrf) = app.browser_session("lanhdao").await;
        let saved = app.post_fields("/can-bo/cong-dan", &officer, &[("csrf", &officer_csrf), ("id_number", "075201001234"), ("full_name", "Nguyễn Văn An")]).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", crate::hostile::excerpt(&saved.body));
        let plan_text = include_str!("../../../../data/plans/ke-hoach-09-2025.toml");
        let plan = xaso_domain::plan::parse_plan("ke-hoach-09-2025.toml", plan_text).expect("seed plan");
        let mut tx = app.store.begin().await.expect("begin");
        xaso_store::plan::import(&mut tx, &plan, "ke-hoach-09-2025.toml", plan_text, chrono::Utc::now(), &xaso_store::audit::Actor::system("test")).await.expect("import");
        tx.commit().await.expect("commit");
        let task = "/can-bo/ke-hoach/ke-hoach-09-2025/nhiem-vu/L528-1";
        let scan = crate::common::scan(120, 170);
        for payload in payloads() {
            // A document of the citizen data store: its title, issuer and number.
            let pdf = crate::hostile::unique_pdf();
            let kept = app.post_form("/can-bo/cong-dan/075201001234/giay-to", &officer,
                &[("csrf", &officer_csrf), ("title", &payload), ("issuer", &payload), ("number", &payload)], &[("file_0", &payload, &pdf)]).await;
            assert_eq!(kept.status, StatusCode::SEE_OTHER, "{}", crate::hostile::excerpt(&kept.body));
            let body = page(&app, &officer, "/can-bo/cong-dan?so=075201001234", StatusCode::OK).await;
            assert!(body.contains(&askama_escape(&payload)), "the document is listed: {}", around(&body, "Nguyễn"));
            // A certified copy: the requester and the document, on the register page and the
            // public verification page.
            let made = app.post_form("/can-bo/chung-thuc", &leader, &[("csrf", &leader_csrf), ("requester", &payload), ("document", &payload),
                ("copies", "1"), ("compared", "yes")], &[("file_1", "trang-1.png", &scan)]).await;
            assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", crate::hostile::excerpt(&made.body));
            let location = made.headers[header::LOCATION].to_str().expect("ascii").to_string();
            page(&app, &leader, &location, StatusCode::OK).await;
            let id = location.rsplit('=').next().expect("id");
            page(&app, "", &format!("/xac-thuc/chung-thuc/{id}"), StatusCode::OK).await;
            // A quarter's report on a task of the reform plan.
            app.at("2025-10-10T09:00");
            let reported = app.post_form(task, &leader, &[("csrf", &leader_csrf), ("quarter", "3"), ("status", "in_progress"), ("percent", "50"), ("narrative", &payload)], &[]).await;
            assert_eq!(reported.status, StatusCode::SEE_OTHER, "{}", crate::hostile::excerpt(&reported.body));
            let body = page(&app, &leader, task, StatusCode::OK).await;
            assert!(body.contains(&askama_escape(&payload)), "the report is shown: {}", around(&body, "Nguyễn"));
            page(&app, &leader, "/can-bo/ke-hoach/ke-hoach-09-2025", StatusCode::OK).await;
            app.at("2026-03-02T09:00");
        }
        assert_eq!(tables(&app).await, before, "no table dropped or made");
    }

    async fn search_boxes_and_echoed_parameters_escape_injection(store: Store) {
        let app = crate::hostile::app(store).await;
        let before = tables(&app).await;
        let (officer, _) = app.browser_session("motcua").await;
        let dossier = app.counter_dossier(json!({ "name": "Nguyễn Văn An" })).await;
        let code = dossier["code"].as_str().expect("code").to_string();
        for payload in payloads() {
            let q = encode(&payload);
            let found = app.get(&format!("/api/v1/procedures?q={q}")).await;
            assert_eq!(found.status, StatusCode::OK, "{}", found.body);
            assert!(found.json()["items"].as_array().is_some(), "{}", found.body);
            page(&app, "", &format!("/?q={q}"), StatusCode::OK).await;
            page(&app, "", &format!("/?q={q}&field={q}"), StatusCode::OK).await;
            page(&app, "", &format!("/tra-cuu?ma={q}"), StatusCode::NOT_FOUND).await;
            page(&app, "", &format!("/dang-nhap?tiep={q}"), StatusCode::OK).await;
            page(&app, "", &format!("/thu-tuc/{q}"), StatusCode::BAD_REQUEST).await;
            page(&app, "", &format!("/khong-co/{q}"), StatusCode::NOT_FOUND).await;
            page(&app, &officer, &format!("/can-bo/ho-so/{code}?thong-bao={q}"), StatusCode::OK).await;
            page(&app, &officer, &format!("/can-bo/tiep-nhan?thu-tuc={q}&so={q}"), StatusCode::UNPROCESSABLE_ENTITY).await;
            page(&app, &officer, &format!("/can-bo/cong-dan?so={q}"), StatusCode::UNPROCESSABLE_ENTITY).await;
            page(&app, &officer, &format!("/can-bo/ho-so/{q}"), StatusCode::NOT_FOUND).await;
            for uri in [format!("/api/v1/dossiers/{q}"), format!("/api/v1/public/dossiers/{q}"), format!("/api/v1/citizens/{q}"), format!("/api/v1/calendar/{q}")] {
                let reply = app.get_as("motcua", &uri).await;
                assert!(reply.status.is_client_error(), "{uri}: {}", reply.body);
            }
            // Signing in with it: refused as any wrong password is.
            let login = app.send(Request::post("/api/v1/auth/login").header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(json!({ "username": payload, "password": payload }).to_string())).expect("request")).await;
            assert_eq!(login.status, StatusCode::UNAUTHORIZED, "{}", login.body);
            let (_, csrf) = app.browser_session("congdan").await;
            let form_login = app.send(browser_post("/dang-nhap", &format!("xaso_csrf={csrf}"), "application/x-www-form-urlencoded",
                form(&[("csrf", &csrf), ("username", &payload), ("password", &payload)]))).await;
            assert!(form_login.status.is_client_error(), "{}", form_login.status);
            assert_escaped(&form_login.body, "login form");
        }
        assert_eq!(tables(&app).await, before, "no table dropped or made");
    }
}

/// A text as askama's HTML escaping writes it.
pub fn askama_escape(text: &str) -> String {
    text.replace('&', "&#38;")
        .replace('<', "&#60;")
        .replace('>', "&#62;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}

/// The text around each place `needle` is, for assertion messages.
fn around(body: &str, needle: &str) -> String {
    body.match_indices(needle)
        .map(|(at, _)| body[at..].chars().take(120).collect::<String>())
        .collect::<Vec<_>>()
        .join(" | ")
}
