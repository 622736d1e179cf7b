//! The citizen data store over HTTP on both backends: a paper scanned at the counter in one
//! dossier is reused online in the next without an upload, with consent; the citizen sees who read
//! their data; a program renamed to .pdf is refused; the same bytes are kept once.

mod common;

use axum::http::{header, StatusCode};
use xaso_store::Store;

/// Đồng Nai (075), a man born in 2001.
const NUMBER: &str = "075201001234";

fn component_index(procedure: &str, starts: &str) -> usize {
    xaso_store::testing::shipped_procedure(procedure)
        .components
        .iter()
        .position(|c| c.name.starts_with(starts))
        .expect("component")
}

fn unique_pdf(label: &str) -> Vec<u8> {
    format!("%PDF-1.4\n% {label} {}\n", xaso_store::new_id()).into_bytes()
}

xaso_store::backend_tests! {
    async fn a_paper_scanned_at_the_counter_is_reused_online_and_the_citizen_sees_who_read_it(store: Store) {
        let app = common::app(store).await;
        let (officer, officer_csrf) = app.browser_session("motcua").await;
        let id_index = component_index("1.001193", "Giấy tờ tùy thân");
        let card = unique_pdf("the can cuoc");
        let card_hash = xaso_store::files::sha256_hex(&card);

        // A program renamed to .pdf is refused by its bytes, and nothing is received.
        let mut fields: Vec<(String, String)> = vec![
            ("csrf".into(), officer_csrf.clone()),
            ("procedure_code".into(), "1.001193".into()),
            ("channel".into(), "counter".into()),
            ("applicant_name".into(), "Nguyễn Văn An".into()),
            ("id_number".into(), NUMBER.into()),
            ("decision".into(), "accept".into()),
        ];
        fields.extend(common::mandatory_components("1.001193"));
        let as_refs = |fields: &[(String, String)]| fields.iter().map(|(k, v)| (k.clone(), v.clone())).collect::<Vec<_>>();
        let send = |fields: Vec<(String, String)>, name: &'static str, bytes: Vec<u8>, file_field: String| {
            let (app, officer) = (&app, officer.clone());
            async move {
                let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                app.post_form("/can-bo/tiep-nhan", &officer, &fields, &[(file_field.as_str(), name, bytes.as_slice())]).await
            }
        };
        let exe = send(as_refs(&fields), "giay-to.pdf", b"MZ\x90\x00\x03 this program cannot be run in DOS mode".to_vec(), format!("file_{id_index}")).await;
        assert_eq!(exe.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{}", exe.body);
        assert!(exe.body.contains("không phải PDF, JPEG hoặc PNG"), "{}", exe.body);
        let mut tx = app.store.read().await.expect("read");
        assert!(xaso_store::citizen::profile(&mut tx, NUMBER).await.expect("profile").is_none(), "nothing received");
        drop(tx);

        // The real scan: the dossier is received and the card lands in the citizen's store.
        let received = send(as_refs(&fields), "the-can-cuoc.pdf", card.clone(), format!("file_{id_index}")).await;
        assert_eq!(received.status, StatusCode::SEE_OTHER, "{}", received.body);
        let citizen_page = app.get_with(&format!("/can-bo/cong-dan?so={NUMBER}"), &officer).await;
        assert_eq!(citizen_page.status, StatusCode::OK, "{}", citizen_page.body);
        assert!(citizen_page.body.contains("Giấy tờ tùy thân của người đi đăng ký") && citizen_page.body.contains("Số hóa tại Bộ phận một cửa"), "{}", citizen_page.body);

        // The officer links the citizen's account, having seen the card.
        let link = app.post_fields(&format!("/can-bo/cong-dan/{NUMBER}/lien-ket"), &officer, &[("csrf", &officer_csrf), ("username", "congdan")]).await;
        assert_eq!(link.status, StatusCode::SEE_OTHER, "{}", link.body);

        // Online, for a marriage registration, the card is offered instead of an upload.
        let (citizen, citizen_csrf) = app.browser_session("congdan").await;
        let form = app.get_with("/thu-tuc/1.000894/nop", &citizen).await;
        let marriage_index = component_index("1.000894", "Giấy tờ tùy thân");
        assert!(form.body.contains(&format!("name=\"reuse_{marriage_index}\"")) && form.body.contains("Dùng lại giấy tờ đã có trong kho"), "{}", form.body);
        assert!(form.body.contains(&format!("value=\"{NUMBER}\"")), "the linked number fills the form");
        let mut tx = app.store.read().await.expect("read");
        let document = xaso_store::citizen::documents_of(&mut tx, NUMBER).await.expect("documents").remove(0);
        drop(tx);
        let commune = app.agency_of("motcua");
        let reuse_key = format!("reuse_{marriage_index}");
        let document_id = document.id.to_string();
        let mut online: Vec<(&str, &str)> = vec![("csrf", &citizen_csrf), ("commune", &commune), ("applicant_name", "Nguyễn Văn An"), ("id_number", NUMBER), (&reuse_key, &document_id)];
        // Without consent nothing goes further.
        let refused = app.post_form("/thu-tuc/1.000894/nop", &citizen, &online, &[]).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
        assert!(refused.body.contains("cần sự đồng ý"), "{}", refused.body);
        online.push(("reuse_consent", "yes"));
        let review = app.post_form("/thu-tuc/1.000894/nop", &citizen, &online, &[]).await;
        assert!(review.body.contains("Dùng lại từ kho dữ liệu của bạn"), "{}", review.body);
        online.push(("step", "confirm"));
        let submitted = app.post_form("/thu-tuc/1.000894/nop", &citizen, &online, &[]).await;
        assert_eq!(submitted.status, StatusCode::SEE_OTHER, "{}", submitted.body);
        let code = submitted.headers[header::LOCATION].to_str().expect("ascii").trim_start_matches("/ho-so/").trim_end_matches("/bien-nhan").to_string();
        let dossier = app.get_as("congdan", &format!("/api/v1/dossiers/{code}")).await.json();
        let files = dossier["files"].as_array().expect("files");
        assert_eq!(files.len(), 1, "{dossier}");
        assert_eq!(files[0]["sha256"], card_hash.as_str(), "the stored card, not an upload");

        // A specialist reads the citizen's data for that dossier, through the API.
        let api = app.get_as("chuyenvien", &format!("/api/v1/citizens/{NUMBER}?dossier={code}")).await;
        assert_eq!(api.status, StatusCode::OK, "{}", api.body);
        assert_eq!(api.json()["documents"].as_array().map(Vec::len), Some(1));
        // Another citizen gets nothing.
        assert_eq!(app.get_as("congdan2", &format!("/api/v1/citizens/{NUMBER}")).await.status, StatusCode::FORBIDDEN);
        assert_eq!(app.get_as("congdan2", &format!("/api/v1/citizens/documents/{document_id}")).await.status, StatusCode::NOT_FOUND);

        // "Ai đã dùng dữ liệu của tôi": the officer's look-up, the reuse, the specialist's read.
        let mine = app.get_with("/du-lieu-cua-toi", &citizen).await;
        assert_eq!(mine.status, StatusCode::OK, "{}", mine.body);
        let specialist = &app.users["chuyenvien"].full_name;
        for expected in ["Ai đã dùng dữ liệu của tôi", "Xem thông tin cá nhân", "Dùng lại giấy tờ cho hồ sơ", "Hệ thống khác (API)", specialist.as_str(), code.as_str()] {
            assert!(mine.body.contains(expected), "{expected}: {}", mine.body);
        }
        let reads = app.get_as("congdan", "/api/v1/me/data").await.json();
                assert_eq!(reads["reads"].as_array().map(Vec::len), Some(3), "{reads}");
        // The same reads are in the tamper-evident audit log, with who read and for which dossier.
        let mut tx = app.store.read().await.expect("read");
        let audited = xaso_store::audit::for_entity(&mut tx, "citizen", NUMBER).await.expect("audit");
        drop(tx);
        let reads: Vec<_> = audited.iter().filter(|r| r.action == "citizen.read").collect();
        assert_eq!(reads.len(), 3, "{audited:?}");
        assert!(reads.iter().any(|r| r.actor.contains("chuyenvien") && r.details.contains(&code)), "{reads:?}");
    }

    async fn the_same_bytes_twice_are_kept_once_and_uploads_are_checked(store: Store) {
        let app = common::app(store).await;
        let (officer, officer_csrf) = app.browser_session("motcua").await;
        let save = app.post_fields("/can-bo/cong-dan", &officer, &[("csrf", &officer_csrf), ("id_number", "075 201 001 234"), ("full_name", "Nguyễn Văn An"), ("birth_date", "2001-04-03")]).await;
        assert_eq!(save.status, StatusCode::SEE_OTHER, "{}", save.body);
        let wrong = app.post_fields("/can-bo/cong-dan", &officer, &[("csrf", &officer_csrf), ("id_number", "075201001234"), ("full_name", "Nguyễn Văn An"), ("birth_date", "1999-04-03")]).await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", wrong.body);
        assert!(wrong.body.contains("năm sinh 2001, khác năm sinh đã khai 1999"), "{}", wrong.body);
        let link = app.post_fields(&format!("/can-bo/cong-dan/{NUMBER}/lien-ket"), &officer, &[("csrf", &officer_csrf), ("username", "congdan")]).await;
        assert_eq!(link.status, StatusCode::SEE_OTHER, "{}", link.body);

        let (citizen, csrf) = app.browser_session("congdan").await;
        let birth = unique_pdf("giay khai sinh");
        let upload = |bytes: Vec<u8>, name: &'static str| {
            let (app, citizen, csrf) = (&app, citizen.clone(), csrf.clone());
            async move {
                app.post_form("/du-lieu-cua-toi/giay-to", &citizen, &[("csrf", &csrf), ("doc_type", "giay-khai-sinh"), ("title", "Giấy khai sinh"), ("issued_on", "2001-04-03")], &[("file_0", name, bytes.as_slice())]).await
            }
        };
        assert_eq!(upload(birth.clone(), "khai-sinh.pdf").await.status, StatusCode::SEE_OTHER);
        assert_eq!(upload(birth.clone(), "ban-khac.pdf").await.status, StatusCode::SEE_OTHER);
        let exe = upload(b"MZ\x90\x00 renamed".to_vec(), "virus.pdf").await;
        assert_eq!(exe.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{}", exe.body);
        let data = app.get_as("congdan", "/api/v1/me/data").await.json();
        let documents = data["documents"].as_array().expect("documents");
        assert_eq!(documents.len(), 1, "{data}");
        assert_eq!(documents[0]["doc_type"], "giay-khai-sinh");
        assert_eq!(documents[0]["issued_on"], "2001-04-03");
        let hash = xaso_store::files::sha256_hex(&birth);
        assert!(common::test_files().exists(&hash).await.expect("exists"));
        // The owner downloads it; the read is not logged (only others' reads are: here the
        // officer's page that showed the profile again with the wrong birth year).
        let logged = data["reads"].as_array().map(Vec::len);
        assert_eq!(logged, Some(1), "{data}");
        let id = documents[0]["id"].as_str().expect("id");
        let download = app.get_with(&format!("/du-lieu-cua-toi/giay-to/{id}"), &citizen).await;
        assert_eq!(download.status, StatusCode::OK);
        assert_eq!(download.headers[header::CONTENT_TYPE], "application/pdf");
        assert_eq!(app.get_as("congdan", "/api/v1/me/data").await.json()["reads"].as_array().map(Vec::len), logged);
        // Removing it empties the store.
        let removed = app.post_fields(&format!("/du-lieu-cua-toi/giay-to/{id}/xoa"), &citizen, &[("csrf", &csrf)]).await;
        assert_eq!(removed.status, StatusCode::SEE_OTHER, "{}", removed.body);
        assert_eq!(app.get_as("congdan", "/api/v1/me/data").await.json()["documents"].as_array().map(Vec::len), Some(0));
    }
}
