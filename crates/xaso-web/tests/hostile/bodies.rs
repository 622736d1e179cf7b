//! Bodies no client of ours sends: too large, multipart that does not parse, bytes that are not
//! UTF-8 in a body, a query string or a path.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use serde_json::json;
use xaso_store::Store;

use crate::hostile::{browser_post, form, multipart, unique_pdf};

/// Past the 64 KiB every form and JSON body may have.
const OVER_FORM_LIMIT: usize = 65 * 1024;

fn json_request(
    hostile: &crate::hostile::Hostile,
    user: &str,
    uri: &str,
    body: Vec<u8>,
) -> Request<Body> {
    hostile
        .api(user, "POST", uri)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body))
        .expect("request")
}

xaso_store::backend_tests! {
    async fn oversized_bodies_and_uploads_get_413_and_change_nothing(store: Store) {
        let app = crate::hostile::app(store).await;
        let dossier = app.counter_dossier(json!({ "name": "Nguyễn Văn An" })).await;
        let code = dossier["code"].as_str().expect("code").to_string();
        let long = "A".repeat(OVER_FORM_LIMIT);
        // JSON bodies of every kind of API write.
        for (user, uri, body) in [
            ("motcua", "/api/v1/dossiers".to_string(), json!({ "procedure_code": "1.004873", "applicant": { "name": long } })),
            ("motcua", format!("/api/v1/dossiers/{code}/actions"), json!({ "version": 1, "action": "forward", "note": long })),
            ("motcua", "/api/v1/me/tokens".to_string(), json!({ "name": long, "scopes": ["read"] })),
            ("motcua", "/api/v1/me/password".to_string(), json!({ "current": long, "new": long })),
        ] {
            let reply = app.refused(json_request(&app, user, &uri, body.to_string().into_bytes()), StatusCode::PAYLOAD_TOO_LARGE, &format!("JSON to {uri}")).await;
            assert!(reply.json()["error"]["message"].as_str().is_some_and(|m| m.contains("64 KiB")), "{uri}: {}", reply.body);
        }
        let login = Request::post("/api/v1/auth/login").header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(json!({ "username": long, "password": "x" }).to_string())).expect("request");
        app.refused(login, StatusCode::PAYLOAD_TOO_LARGE, "JSON login").await;
        // Forms: Open311 (anonymous) and the pages.
        let open311 = Request::post("/open311/v2/requests.json").header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(form(&[("service_code", "ha-tang"), ("description", &long)]))).expect("request");
        let reply = app.refused(open311, StatusCode::PAYLOAD_TOO_LARGE, "Open311 form").await;
        assert!(reply.body.contains("64 KiB"), "{}", reply.body);
        let (citizen, csrf) = app.browser_session("congdan").await;
        let page = browser_post("/phan-anh", &citizen, "application/x-www-form-urlencoded", form(&[("csrf", &csrf), ("service_code", "can-bo"), ("description", &long)]));
        let reply = app.refused(page, StatusCode::PAYLOAD_TOO_LARGE, "feedback page form").await;
        assert!(reply.body.contains("64 KiB"), "{}", reply.body);

        // A raw upload: past 10 MiB, and past what the route reads at all.
        for size in [xaso_store::files::MAX_FILE_BYTES + 1, xaso_store::files::MAX_FILE_BYTES + 4096] {
            let mut pdf = b"%PDF-1.4\n".to_vec();
            pdf.resize(size, b' ');
            let upload = app.api("motcua", "POST", &format!("/api/v1/dossiers/{code}/files?name=to-khai.pdf"))
                .header(header::CONTENT_TYPE, "application/pdf").body(Body::from(pdf)).expect("request");
            let reply = app.refused(upload, StatusCode::PAYLOAD_TOO_LARGE, &format!("upload of {size} bytes")).await;
            assert!(reply.json()["error"]["message"].as_str().is_some_and(|m| m.contains("10 MiB")), "{}", reply.body);
        }
        // A form with a file over 10 MiB, and a form over the 40 MiB a form may carry.
        let (officer, officer_csrf) = app.browser_session("motcua").await;
        let fields = [("csrf", officer_csrf.as_str()), ("procedure_code", "1.004873"), ("applicant_name", "Nguyễn Văn An"), ("decision", "accept")];
        let mut big = b"%PDF-1.4\n".to_vec();
        big.resize(xaso_store::files::MAX_FILE_BYTES + 1, b' ');
        let reply = app.refused(reception(&fields, &[("file_0", big.as_slice())], &officer), StatusCode::PAYLOAD_TOO_LARGE, "reception with an 10 MiB + 1 file").await;
        assert!(reply.body.contains("10 MiB"), "{}", crate::hostile::excerpt(&reply.body));
        let files: Vec<(String, Vec<u8>)> = (0..5).map(|i| (format!("file_{i}"), big.clone())).collect();
        let files: Vec<(&str, &[u8])> = files.iter().map(|(n, b)| (n.as_str(), b.as_slice())).collect();
        let reply = app.refused(reception(&fields, &files, &officer), StatusCode::PAYLOAD_TOO_LARGE, "reception form over 40 MiB").await;
        assert!(reply.body.contains("40 MiB"), "{}", crate::hostile::excerpt(&reply.body));
    }

    async fn malformed_json_gets_400_and_changes_nothing(store: Store) {
        let app = crate::hostile::app(store).await;
        let deep = format!("{}{}", "[".repeat(20_000), "]".repeat(20_000));
        for (what, body) in [
            ("truncated", r#"{"procedure_code":"1.004873","applicant":{"name":"An""#.to_string()),
            ("trailing garbage", r#"{"procedure_code":"1.004873"} DROP TABLE dossiers"#.to_string()),
            ("nested 20 000 deep", format!(r#"{{"procedure_code":"1.004873","applicant":{deep}}}"#)),
            ("a number for a name", r#"{"procedure_code":"1.004873","channel":"counter","applicant":{"name":5},"components":[]}"#.to_string()),
            ("an unknown channel", r#"{"procedure_code":"1.004873","channel":"fax","applicant":{"name":"An"},"components":[]}"#.to_string()),
            ("not an object", r#""DROP TABLE dossiers""#.to_string()),
            ("empty", String::new()),
        ] {
            app.refused(json_request(&app, "motcua", "/api/v1/dossiers", body.into_bytes()), StatusCode::BAD_REQUEST, &format!("JSON {what}")).await;
        }
        let untyped = app.api("motcua", "POST", "/api/v1/dossiers").header(header::CONTENT_TYPE, "text/plain")
            .body(Body::from(r#"{"procedure_code":"1.004873"}"#)).expect("request");
        app.refused(untyped, StatusCode::BAD_REQUEST, "JSON sent as text/plain").await;
    }

    async fn malformed_multipart_gets_400_and_changes_nothing(store: Store) {
        let app = crate::hostile::app(store).await;
        let (officer, csrf) = app.browser_session("motcua").await;
        let boundary = "hostile-boundary";
        let content_type = format!("multipart/form-data; boundary={boundary}");
        let csrf_part = ("Content-Disposition: form-data; name=\"csrf\"", csrf.as_bytes());
        let pdf = unique_pdf();
        let file_part = "Content-Disposition: form-data; name=\"file_0\"; filename=\"to-khai.pdf\"\r\nContent-Type: application/pdf";
        let many_headers = (0..40).map(|i| format!("X-Header-{i}: {i}")).collect::<Vec<_>>().join("\r\n");
        let many_headers = format!("Content-Disposition: form-data; name=\"note\"\r\n{many_headers}");
        let huge_header = format!("Content-Disposition: form-data; name=\"note\"\r\nX-Padding: {}", "a".repeat(60 * 1024));
        let complete = multipart(boundary, &[csrf_part, (file_part, pdf.as_slice())], true);
        let cases: Vec<(&str, String, Vec<u8>)> = vec![
            ("no boundary", "multipart/form-data".into(), complete.clone()),
            ("not multipart", "text/plain".into(), complete.clone()),
            ("another boundary", "multipart/form-data; boundary=other".into(), complete.clone()),
            ("truncated part", content_type.clone(), complete[..complete.len() - 40].to_vec()),
            ("no closing boundary", content_type.clone(), multipart(boundary, &[csrf_part, (file_part, pdf.as_slice())], false)),
            ("part without a name", content_type.clone(), multipart(boundary, &[csrf_part, ("Content-Disposition: form-data", b"x")], true)),
            ("part without Content-Disposition", content_type.clone(), multipart(boundary, &[csrf_part, ("Content-Type: text/plain", b"x")], true)),
            ("40 headers in a part", content_type.clone(), multipart(boundary, &[csrf_part, (many_headers.as_str(), b"x")], true)),
            ("a 60 KiB header", content_type.clone(), multipart(boundary, &[csrf_part, (huge_header.as_str(), b"x")], true)),
            ("garbage", content_type.clone(), b"\x00\x01garbage\r\n--\r\n".to_vec()),
            ("empty", content_type.clone(), Vec::new()),
        ];
        for uri in ["/can-bo/tiep-nhan", "/can-bo/chung-thuc", "/can-bo/thanh-toan"] {
            for (what, content_type, body) in &cases {
                let reply = app.refused(browser_post(uri, &officer, content_type, body.clone()), StatusCode::BAD_REQUEST, &format!("{uri}: {what}")).await;
                assert!(reply.body.contains("biểu mẫu") || reply.body.contains("Biểu mẫu"), "{uri}: {what}: {}", crate::hostile::excerpt(&reply.body));
            }
        }
    }

    async fn text_that_is_not_utf8_gets_400_anywhere_and_changes_nothing(store: Store) {
        let app = crate::hostile::app(store).await;
        let dossier = app.counter_dossier(json!({ "name": "Nguyễn Văn An" })).await;
        let code = dossier["code"].as_str().expect("code").to_string();
        // JSON: a raw byte that is no UTF-8, and an escaped lone surrogate.
        for (what, body) in [
            ("raw 0xFF", b"{\"procedure_code\":\"1.004873\",\"channel\":\"counter\",\"applicant\":{\"name\":\"Nguy\xffn\"}}".to_vec()),
            ("overlong encoding", b"{\"procedure_code\":\"1.004873\",\"channel\":\"counter\",\"applicant\":{\"name\":\"\xc0\xaf\"}}".to_vec()),
            ("UTF-8 of a surrogate", b"{\"procedure_code\":\"1.004873\",\"channel\":\"counter\",\"applicant\":{\"name\":\"\xed\xa0\x80\"}}".to_vec()),
            ("escaped lone surrogate", br#"{"procedure_code":"1.004873","channel":"counter","applicant":{"name":"\ud800"}}"#.to_vec()),
        ] {
            app.refused(json_request(&app, "motcua", "/api/v1/dossiers", body), StatusCode::BAD_REQUEST, &format!("JSON: {what}")).await;
        }
        let action = b"{\"version\":1,\"action\":\"forward\",\"note\":\"\xfe\xff\"}".to_vec();
        app.refused(json_request(&app, "motcua", &format!("/api/v1/dossiers/{code}/actions"), action), StatusCode::BAD_REQUEST, "JSON action").await;
        // Forms.
        let (citizen, csrf) = app.browser_session("congdan").await;
        let (officer, officer_csrf) = app.browser_session("motcua").await;
        let urlencoded = "application/x-www-form-urlencoded";
        for (what, request) in [
            ("Open311", Request::post("/open311/v2/requests.json").header(header::CONTENT_TYPE, urlencoded)
                .body(Body::from("service_code=ha-tang&description=%C4%90%C3%A8n%20h%FFng%20%C4%91%C3%A3%20l%C3%A2u")).expect("request")),
            ("feedback page", browser_post("/phan-anh", &citizen, urlencoded,
                format!("csrf={csrf}&service_code=can-bo&description=C%C3%A1n%20b%E1%BB%99%20h%FF%20h%E1%BA%B9n%20sai").into_bytes())),
            ("citizen profile", browser_post("/can-bo/cong-dan", &officer, urlencoded,
                format!("csrf={officer_csrf}&id_number=075201001234&full_name=Nguy%E1%BB%85n%20%C0%AF").into_bytes())),
            ("dossier action", browser_post(&format!("/can-bo/ho-so/{code}"), &officer, urlencoded,
                format!("csrf={officer_csrf}&version=1&action=forward&note=%ED%A0%80").into_bytes())),
        ] {
            let reply = app.refused(request, StatusCode::BAD_REQUEST, &format!("form: {what}")).await;
            assert!(reply.body.contains("UTF-8"), "{what}: {}", crate::hostile::excerpt(&reply.body));
        }
        // Query strings and path segments, on the API and on pages.
        for uri in [
            "/api/v1/procedures?q=%FF".to_string(),
            "/?q=%C3%28".to_string(),
            "/tra-cuu?ma=%FF%FE".to_string(),
            "/api/v1/calendar/lunar?date=2026-03-%FF".to_string(),
            "/api/v1/dossiers/%FF".to_string(),
            "/api/v1/public/dossiers/%C0%AF".to_string(),
            "/thu-tuc/%FF".to_string(),
            "/xac-thuc/%ED%A0%80".to_string(),
            "/open311/v2/requests/%FF.json".to_string(),
        ] {
            let request = app.api("motcua", "GET", &uri).body(Body::empty()).expect("request");
            let reply = app.refused(request, StatusCode::BAD_REQUEST, &uri).await;
            assert!(reply.body.contains("UTF-8"), "{uri}: {}", crate::hostile::excerpt(&reply.body));
        }
        let upload = app.api("motcua", "POST", &format!("/api/v1/dossiers/{code}/files?name=t%FF.pdf"))
            .header(header::CONTENT_TYPE, "application/pdf").body(Body::from(unique_pdf())).expect("request");
        app.refused(upload, StatusCode::BAD_REQUEST, "upload name").await;
        // Multipart: a text field, and a file name, that are not UTF-8.
        let boundary = "hostile-boundary";
        let content_type = format!("multipart/form-data; boundary={boundary}");
        let pdf = unique_pdf();
        // `~FF~` stands for the byte 0xFF, which no `&str` can hold.
        for (what, header, value) in [
            ("text field", "Content-Disposition: form-data; name=\"applicant_name\"", b"Nguy~FF~n".to_vec()),
            ("file name", "Content-Disposition: form-data; name=\"file_0\"; filename=\"t~FF~.pdf\"", pdf.clone()),
        ] {
            let csrf_part = ("Content-Disposition: form-data; name=\"csrf\"", officer_csrf.as_bytes());
            let body = multipart(boundary, &[csrf_part, (header, value.as_slice())], true);
            let body = replace(&body, b"~FF~", &[0xFF]);
            app.refused(browser_post("/can-bo/tiep-nhan", &officer, &content_type, body), StatusCode::BAD_REQUEST, &format!("multipart {what}")).await;
        }
    }
}

/// `bytes` with every `from` replaced by `to`.
fn replace(bytes: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut rest = bytes;
    while let Some(at) = rest.windows(from.len()).position(|w| w == from) {
        out.extend_from_slice(&rest[..at]);
        out.extend_from_slice(to);
        rest = &rest[at + from.len()..];
    }
    out.extend_from_slice(rest);
    out
}

/// The reception form with `fields` and `files` (`file_N`, bytes), by a counter officer.
fn reception(fields: &[(&str, &str)], files: &[(&str, &[u8])], cookie: &str) -> Request<Body> {
    let boundary = "hostile-boundary";
    let text: Vec<(String, &[u8])> = fields
        .iter()
        .map(|(name, value)| {
            (
                format!("Content-Disposition: form-data; name=\"{name}\""),
                value.as_bytes(),
            )
        })
        .collect();
    let file_headers: Vec<String> = files
        .iter()
        .map(|(name, _)| format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{name}.pdf\"\r\nContent-Type: application/pdf"))
        .collect();
    let mut parts: Vec<(&str, &[u8])> = text.iter().map(|(h, b)| (h.as_str(), *b)).collect();
    parts.extend(
        file_headers
            .iter()
            .zip(files)
            .map(|(h, (_, b))| (h.as_str(), *b)),
    );
    browser_post(
        "/can-bo/tiep-nhan",
        cookie,
        &format!("multipart/form-data; boundary={boundary}"),
        multipart(boundary, &parts, true),
    )
}
