//! Vietnamese typed decomposed (NFD: a base letter and combining marks, as macOS and some phone
//! keyboards send it). The design normalises every input string to NFC at the boundary, so the
//! decomposed spelling is stored, shown and compared as the composed one.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use serde_json::{json, Value};
use unicode_normalization::UnicodeNormalization;
use xaso_store::Store;

use crate::hostile::{encode, form};

fn nfd(text: &str) -> String {
    text.nfd().collect()
}

/// The codes a catalog search finds.
fn codes(found: &Value) -> Vec<String> {
    found["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|p| p["code"].as_str().unwrap_or_default().to_string())
        .collect()
}

xaso_store::backend_tests! {
    async fn decomposed_vietnamese_is_stored_shown_and_searched_as_composed(store: Store) {
        let app = crate::hostile::app(store).await;
        let name = "Nguyễn Thị Ánh Tuyết";
        let address = "Ấp Đồng Cháy, xã Minh Đức";
        assert_ne!(nfd(name), name, "the test's input really is decomposed");

        // A dossier: the applicant's details, and a checklist whose component names are NFD.
        let checklist: Vec<Value> = crate::common::complete_checklist(&app, "1.004873").await.as_array().expect("list").iter()
            .map(|c| json!({ "name": nfd(c["name"].as_str().expect("name")), "provided": "original" })).collect();
        let reply = app.post_as("motcua", "/api/v1/dossiers", json!({
            "procedure_code": "1.004873", "channel": "counter", "receiving_agency": app.agency_of("motcua"),
            "applicant": { "name": nfd(name), "address": nfd(address) }, "proxy_name": nfd(name), "components": checklist, "decision": { "decision": "accept" }
        })).await;
        assert_eq!(reply.status, StatusCode::CREATED, "NFD component names match the catalog's: {}", reply.body);
        let dossier = reply.json();
        assert_eq!(dossier["applicant"]["name"], name);
        assert_eq!(dossier["applicant"]["address"], address);
        assert_eq!(dossier["proxy_name"], name);
        let note = "Đã đối chiếu bản chính";
        let dossier = app.act("motcua", &dossier, json!({ "action": "forward", "note": nfd(note) })).await.expect("forward");
        let history = dossier["history"].as_array().expect("history");
        assert!(history.iter().any(|h| h["content"].as_str().is_some_and(|c| c.contains(note))), "{history:?}");
        let code = dossier["code"].as_str().expect("code").to_string();
        let public = app.get(&format!("/api/v1/public/dossiers/{code}")).await.json();
        assert_eq!(public["applicant"], "Nguyễn T** Á** T**");

        // A file name.
        let uploaded = app.post_bytes_as("motcua", &format!("/api/v1/dossiers/{code}/files?name={}", encode(&nfd("Tờ khai đăng ký.pdf"))), crate::hostile::unique_pdf()).await;
        assert_eq!(uploaded.status, StatusCode::CREATED, "{}", uploaded.body);
        assert_eq!(uploaded.json()["name"], "Tờ khai đăng ký.pdf");

        // The catalog search: the decomposed query finds what the composed one does.
        for words in ["Đăng ký khai sinh", "chứng thực bản sao", "kết hôn"] {
            let composed = app.get(&format!("/api/v1/procedures?q={}", encode(words))).await.json();
            let decomposed = app.get(&format!("/api/v1/procedures?q={}", encode(&nfd(words)))).await.json();
            assert!(!codes(&composed).is_empty(), "{words} finds something");
            assert_eq!(codes(&decomposed), codes(&composed), "{words}");
            let page = app.get(&format!("/?q={}", encode(&nfd(words)))).await;
            assert!(page.body.contains(&format!("value=\"{words}\"")), "the box shows the composed words");
        }
        let field = "Hộ tịch";
        let composed = app.get(&format!("/api/v1/procedures?field={}", encode(field))).await.json();
        let decomposed = app.get(&format!("/api/v1/procedures?field={}", encode(&nfd(field)))).await.json();
        assert!(!codes(&composed).is_empty());
        assert_eq!(codes(&decomposed), codes(&composed));

        // The citizen data store.
        let (officer, csrf) = app.browser_session("motcua").await;
        let saved = app.post_fields("/can-bo/cong-dan", &officer, &[("csrf", &csrf), ("id_number", "075201001234"), ("full_name", &nfd(name)), ("address", &nfd(address))]).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", crate::hostile::excerpt(&saved.body));
        let profile = app.get_as("motcua", "/api/v1/citizens/075201001234").await.json();
        assert_eq!(profile["profile"]["full_name"], name);
        assert_eq!(profile["profile"]["address"], address);

        // Feedback, anonymous and on the portal.
        let text = "Đường liên ấp bị sụt lún, nguy hiểm";
        let open311 = app.send(Request::post("/open311/v2/requests.json").header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(form(&[("service_code", "ha-tang"), ("description", &nfd(text)), ("address_string", &nfd(address)), ("first_name", &nfd(name))]))).expect("request")).await;
        assert_eq!(open311.status, StatusCode::CREATED, "{}", open311.body);
        let id = open311.json()[0]["service_request_id"].as_str().expect("id").to_string();
        let shown = app.get(&format!("/open311/v2/requests/{id}.json")).await.json();
        assert_eq!(shown[0]["description"], text);
        assert_eq!(shown[0]["address"], address);
        let (citizen, citizen_csrf) = app.browser_session("congdan").await;
        let sent = app.post_fields("/phan-anh", &citizen, &[("csrf", &citizen_csrf), ("service_code", "can-bo"), ("description", &nfd(text))]).await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", crate::hostile::excerpt(&sent.body));
        let item = app.get_with(sent.headers[header::LOCATION].to_str().expect("ascii"), &citizen).await;
        assert!(item.body.contains(text) && !item.body.contains(&nfd(text)), "{}", crate::hostile::excerpt(&item.body));

        // A token's name.
        let token = app.post_as("congdan", "/api/v1/me/tokens", json!({ "name": nfd("Ứng dụng của tôi"), "scopes": ["read"] })).await;
        assert_eq!(token.status, StatusCode::CREATED, "{}", token.body);
        assert!(app.get_as("congdan", "/api/v1/me/tokens").await.body.contains("Ứng dụng của tôi"));

        // No table holds a decomposed spelling of what was sent.
        for (table, column) in [("dossiers", "applicant_name"), ("citizens", "full_name"), ("feedback", "description"), ("dossier_files", "name")] {
            let values = xaso_store::testing::column_texts(&app.store, table, column).await;
            assert!(values.iter().all(|v| v.nfc().collect::<String>() == *v), "{table}.{column}: {values:?}");
        }
    }
}
