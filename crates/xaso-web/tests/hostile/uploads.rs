//! File names meant to climb out of the file store or to break a header or a page: stored under
//! a safe name (or refused), never written outside the files folder; and the review step's
//! hidden fields, which a citizen could forge, checked.

use axum::http::{header, StatusCode};
use serde_json::json;
use xaso_store::Store;

use crate::hostile::{assert_escaped, encode, unique_pdf, Hostile};

/// Names that must not reach a path, a header or a page as they are.
fn hostile_names() -> Vec<String> {
    vec![
        "../../etc/passwd".into(),
        "..\\..\\windows\\system.ini".into(),
        "/etc/passwd".into(),
        "C:\\Windows\\System32\\to-khai.pdf".into(),
        "....//....//to-khai.pdf".into(),
        "%2e%2e%2f%2e%2e%2fto-khai.pdf".into(),
        "to\u{0}khai.pdf".into(),
        "to-khai.pdf\r\nX-Injected: 1".into(),
        "\u{202e}fdp.exe".into(),
        ".htaccess".into(),
        "..".into(),
        "".into(),
        format!("{}.pdf", "a".repeat(5000)),
        "<script>alert(1)</script>.pdf".into(),
    ]
}

/// A name as kept: one segment, no control or direction-changing character, not hidden, short.
fn assert_safe_name(name: &str, given: &str) {
    assert!(!name.is_empty(), "{given:?}");
    assert!(
        !name.contains(['/', '\\', '<', '>', '"']),
        "{given:?} kept as {name:?}"
    );
    assert!(!name.starts_with('.'), "{given:?} kept as {name:?}");
    assert!(
        !name.chars().any(|c| c.is_control()
            || ('\u{202a}'..='\u{202e}').contains(&c)
            || ('\u{2066}'..='\u{2069}').contains(&c)),
        "{given:?} kept as {name:?}"
    );
    assert!(
        name.chars().count() <= 120,
        "{given:?} kept as {} chars",
        name.chars().count()
    );
}

/// Every file under the store is a blob named by its hash in `ab/cd/`; nothing is beside the store.
fn assert_only_blobs(app: &Hostile) {
    let parent = app.files.parent().expect("parent");
    let beside: Vec<_> = std::fs::read_dir(parent)
        .expect("parent")
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(
        beside,
        vec![std::ffi::OsString::from("files")],
        "nothing written beside the file store"
    );
    for path in app.stored_paths() {
        if path.is_file() {
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            assert!(xaso_store::files::is_sha256(name), "{}", path.display());
            let relative = path.strip_prefix(&app.files).expect("under the store");
            assert_eq!(relative.components().count(), 3, "{}", path.display());
        }
    }
}

xaso_store::backend_tests! {
    async fn hostile_file_names_are_kept_safe_and_nothing_lands_outside_the_store(store: Store) {
        let app = crate::hostile::app(store).await;
        let dossier = app.counter_dossier(json!({ "name": "Nguyễn Văn An" })).await;
        let code = dossier["code"].as_str().expect("code").to_string();
        // The API's raw upload, named in the query string.
        for given in hostile_names() {
            let reply = app.post_bytes_as("motcua", &format!("/api/v1/dossiers/{code}/files?name={}", encode(&given)), unique_pdf()).await;
            assert_eq!(reply.status, StatusCode::CREATED, "{given:?}: {}", reply.body);
            let name = reply.json()["name"].as_str().expect("name").to_string();
            assert_safe_name(&name, &given);
            let id = reply.json()["id"].as_str().expect("id").to_string();
            let download = app.get_as("motcua", &format!("/api/v1/dossiers/{code}/files/{id}")).await;
            assert_eq!(download.status, StatusCode::OK);
            let disposition = download.headers[header::CONTENT_DISPOSITION].to_str().expect("ascii");
            assert!(disposition.starts_with("attachment; filename*=UTF-8''") && !disposition.contains(['\r', '\n', '/', '\\', '"']), "{disposition}");
            assert_eq!(download.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        }
        assert_only_blobs(&app);
        // Through the counter's form: names in the multipart header.
        let (officer, csrf) = app.browser_session("motcua").await;
        let mut fields: Vec<(String, String)> = vec![("csrf".into(), csrf.clone()), ("procedure_code".into(), "1.004873".into()),
            ("applicant_name".into(), "Nguyễn Văn An".into()), ("decision".into(), "accept".into())];
        fields.extend(crate::common::mandatory_components("1.004873"));
        for given in hostile_names() {
            // A quote or a line break would end the header itself: the browser escapes those.
            let in_header = given.replace('"', "%22").replace("\r\n", "%0D%0A");
            let pdf = unique_pdf();
            let text: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let before = app.snapshot().await;
            let reply = app.post_form("/can-bo/tiep-nhan", &officer, &text, &[("file_0", &in_header, &pdf)]).await;
            if reply.status.is_client_error() {
                crate::hostile::assert_clear(&reply, false, &given);
                app.assert_unchanged(&before, &format!("form file name {given:?}: {} {}", reply.status, crate::hostile::excerpt(&reply.body))).await;
                continue;
            }
            assert_eq!(reply.status, StatusCode::SEE_OTHER, "{given:?}: {}", crate::hostile::excerpt(&reply.body));
            let receipt = reply.headers[header::LOCATION].to_str().expect("ascii").to_string();
            let received = receipt.trim_start_matches("/ho-so/").trim_end_matches("/bien-nhan");
            let view = app.get_as("motcua", &format!("/api/v1/dossiers/{received}")).await.json();
            let name = view["files"][0]["name"].as_str().expect("name");
            assert_safe_name(name, &given);
            let page = app.get_with(&format!("/can-bo/ho-so/{received}"), &officer).await;
            assert_escaped(&page.body, &format!("page of a file named {given:?}"));
        }
        assert_only_blobs(&app);
    }

    async fn forged_review_fields_of_an_online_submission_are_refused(store: Store) {
        let app = crate::hostile::app(store).await;
        let (citizen, csrf) = app.browser_session("congdan").await;
        let commune = app.agency_of("motcua");
        let fields = [("csrf", csrf.as_str()), ("commune", commune.as_str()), ("applicant_name", "Võ Thị Mai")];
        // The review step stores the scan and hands back its description in hidden fields.
        let pdf = unique_pdf();
        let review = app.post_form("/thu-tuc/1.004859/nop", &citizen, &fields, &[("file_0", "to-khai.pdf", &pdf)]).await;
        assert_eq!(review.status, StatusCode::OK, "{}", crate::hostile::excerpt(&review.body));
        let hash = xaso_store::files::sha256_hex(&pdf);
        assert!(review.body.contains(&hash), "the review carries the stored file");
        let size = pdf.len().to_string();
        let other = "a".repeat(64);
        for (what, value) in [
            ("a path for a hash", format!("0|../../../../etc/passwd|application/pdf|{size}|passwd")),
            ("a hash not stored", format!("0|{other}|application/pdf|{size}|x.pdf")),
            ("an upper-case hash", format!("0|{}|application/pdf|{size}|x.pdf", hash.to_uppercase())),
            ("a type never accepted", format!("0|{hash}|text/html|{size}|x.html")),
            ("a negative size", format!("0|{hash}|application/pdf|-1|x.pdf")),
            ("a zero size", format!("0|{hash}|application/pdf|0|x.pdf")),
            ("a size past 10 MiB", format!("0|{hash}|application/pdf|{}|x.pdf", xaso_store::files::MAX_FILE_BYTES + 1)),
            ("a size past 64 bits", format!("0|{hash}|application/pdf|18446744073709551616|x.pdf")),
            ("the largest size", format!("0|{hash}|application/pdf|18446744073709551615|x.pdf")),
            ("too few parts", format!("0|{hash}")),
        ] {
            let mut all = fields.to_vec();
            all.extend([("step", "confirm"), ("blob_0", value.as_str())]);
            let before = app.snapshot().await;
            let reply = app.post_form("/thu-tuc/1.004859/nop", &citizen, &all, &[]).await;
            assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{what}: {}", crate::hostile::excerpt(&reply.body));
            app.assert_unchanged(&before, what).await;
        }
        // The honest confirmation goes through.
        let mut all = fields.to_vec();
        let value = format!("0|{hash}|application/pdf|{size}|to-khai.pdf");
        all.extend([("step", "confirm"), ("blob_0", value.as_str())]);
        let done = app.post_form("/thu-tuc/1.004859/nop", &citizen, &all, &[]).await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", crate::hostile::excerpt(&done.body));
        let code = done.headers[header::LOCATION].to_str().expect("ascii").trim_start_matches("/ho-so/").trim_end_matches("/bien-nhan").to_string();
        let files = app.get_as("congdan", &format!("/api/v1/dossiers/{code}")).await.json()["files"].clone();
        assert_eq!(files[0]["size"], pdf.len(), "{files}");
    }
}
