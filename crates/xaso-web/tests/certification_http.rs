//! Certified electronic copies over HTTP, on both backends: the certifier's form, numbering in
//! the SCT/BS register, the fee by page tiers, the signed copy and its public verification.

mod common;

use axum::http::StatusCode;
use xaso_store::Store;

fn location(reply: &common::Reply) -> String {
    reply.headers[axum::http::header::LOCATION]
        .to_str()
        .expect("ascii")
        .to_string()
}

xaso_store::backend_tests! {
    async fn a_leader_certifies_copies_numbered_priced_and_signed(store: Store) {
        let app = common::app(store).await;
        app.at("2026-11-26T09:30");
        let (page_1, page_2) = (common::scan(300, 420), common::scan(420, 300));
        let files: [(&str, &str, &[u8]); 2] = [("file_1", "trang-1.png", &page_1), ("file_2", "trang-2.png", &page_2)];
        let (leader, csrf) = app.browser_session("lanhdao").await;
        let form = app.get_with("/can-bo/chung-thuc", &leader).await;
        assert_eq!(form.status, StatusCode::OK, "{}", form.body);
        assert!(form.body.contains("2.000 đ/trang cho trang 1 đến 2") && form.body.contains("Chưa có chứng thực nào"), "{}", form.body);
        let fields = |copies: &'static str, compared: &'static str| {
            vec![("csrf", csrf.as_str()), ("requester", "Trần Thị Bình"), ("document", "Giấy khai sinh số 125/2010, UBND xã Minh Đức cấp"), ("copies", copies), ("compared", compared)]
        };
        // Not compared with the original, a PDF instead of page images, no pages, a forged form: refused.
        let refused = app.post_form("/can-bo/chung-thuc", &leader, &fields("3", "no"), &files).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
        assert!(refused.body.contains("đối chiếu bản chụp với bản chính"), "{}", refused.body);
        let pdf_scan = app.post_form("/can-bo/chung-thuc", &leader, &fields("3", "yes"), &[("file_1", "ban-chinh.pdf", b"%PDF-1.7\n%%EOF\n")]).await;
        assert_eq!(pdf_scan.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{}", pdf_scan.body);
        let no_pages = app.post_form("/can-bo/chung-thuc", &leader, &fields("3", "yes"), &[]).await;
        assert!(no_pages.body.contains("Cần ảnh chụp từng trang"), "{}", no_pages.body);
        let mut forged = fields("3", "yes");
        forged[0] = ("csrf", "gia-mao");
        assert_eq!(app.post_form("/can-bo/chung-thuc", &leader, &forged, &files).await.status, StatusCode::FORBIDDEN);
        // An officer without a signing certificate cannot certify.
        let (officer, officer_csrf) = app.browser_session("motcua").await;
        let mut as_officer = fields("1", "yes");
        as_officer[0] = ("csrf", officer_csrf.as_str());
        let unsigned = app.post_form("/can-bo/chung-thuc", &officer, &as_officer, &files).await;
        assert!(unsigned.body.contains("chưa có chứng thư ký số"), "{}", unsigned.body);

        // Two pages, three copies: one number, 3 × (2 × 2.000 đ).
        let made = app.post_form("/can-bo/chung-thuc", &leader, &fields("3", "yes"), &files).await;
        assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
        let shown = app.get_with(&location(&made), &leader).await;
        assert!(shown.body.contains("Đã chứng thực.") && shown.body.contains("Số chứng thực 01, quyển số 01/2026-SCT/BS"), "{}", shown.body);
        assert!(shown.body.contains("3 bản sao, 2 trang; phí 12.000 đ"), "{}", shown.body);
        let id = location(&made).rsplit('=').next().expect("id").to_string();
        // The requester's number given: the signed copy is also put in her citizen data store.
        let mut with_number = fields("1", "yes");
        with_number.push(("requester_id_number", "001 301 005 678"));
        let again = app.post_form("/can-bo/chung-thuc", &leader, &with_number, &files[..1]).await;
        let register = app.get_with(&location(&again), &leader).await;
        assert!(register.body.contains("Số chứng thực 02, quyển số 01/2026-SCT/BS") && register.body.contains("Tổng phí đã thu: 14.000 đ"), "{}", register.body);
        let mut tx = app.store.read().await.expect("read");
        let kept = xaso_store::citizen::documents_of(&mut tx, "001301005678").await.expect("documents");
        tx.commit().await.expect("commit");
        assert_eq!(kept.len(), 1, "{kept:?}");
        assert_eq!((kept[0].source.as_str(), kept[0].doc_type.as_str()), ("certified_copy", "ban-sao-chung-thuc"));
        assert!(kept[0].title.contains("Giấy khai sinh số 125/2010") && kept[0].number.as_deref().is_some_and(|n| n.contains("Số chứng thực 02")), "{kept:?}");

        // The signed copy: the commune's CA vouches for it, and the text says what was certified.
        let copy = app.get_with(&format!("/can-bo/chung-thuc/{id}/ban-sao.pdf"), &leader).await;
        assert_eq!(copy.status, StatusCode::OK, "{}", copy.body);
        let mut tx = app.store.read().await.expect("read");
        let ca = xaso_store::pki::ca_of(&mut tx, &app.agency_of("lanhdao"), chrono::Utc::now()).await.expect("ca").expect("the commune's CA");
        tx.commit().await.expect("commit");
        let checked = xaso_docs::verify::verify(&copy.bytes, &[ca.cert]).expect("signed");
        assert!(checked.intact && checked.whole_document && checked.trusted && checked.signer == "Lê Văn Đức", "{checked:?}");
        let file = std::env::temp_dir().join(format!("xaso-copy-{}.pdf", xaso_store::new_id()));
        std::fs::write(&file, &copy.bytes).expect("write");
        match std::process::Command::new("pdftotext").args(["-enc", "UTF-8"]).arg(&file).arg("-").output() {
            Ok(out) => {
                let text = String::from_utf8_lossy(&out.stdout);
                for expected in ["Chứng thực bản sao đúng với bản chính.", "Số chứng thực 01, quyển số 01/2026-SCT/BS", "Giấy khai sinh số 125/2010", "trang 2/2", &format!("/xac-thuc/chung-thuc/{id}")] {
                    assert!(text.contains(expected), "{expected}: {text}");
                }
                // The printable register lists both certifications.
                let book = app.get_with("/can-bo/chung-thuc/so.pdf?nam=2026", &leader).await;
                assert_eq!(book.status, StatusCode::OK);
                let book_file = file.with_extension("so.pdf");
                std::fs::write(&book_file, &book.bytes).expect("write");
                let out = std::process::Command::new("pdftotext").args(["-enc", "UTF-8", "-layout"]).arg(&book_file).arg("-").output().expect("pdftotext");
                let book_text = String::from_utf8_lossy(&out.stdout);
                for expected in ["SỔ CHỨNG THỰC BẢN SAO TỪ BẢN CHÍNH", "Quyển số 01/2026-SCT/BS", "Trần Thị Bình", "12.000 đ", "2.000 đ", "Lê Văn Đức"] {
                    assert!(book_text.contains(expected), "{expected}: {book_text}");
                }
                std::fs::remove_file(book_file).expect("clean up");
                let report = std::process::Command::new("pdfsig").arg(&file).output().expect("pdfsig comes with pdftotext");
                let report = String::from_utf8_lossy(&report.stdout);
                assert!(report.contains("Signature is Valid.") && report.contains("Total document signed"), "{report}");
            }
            Err(_) => assert!(std::env::var_os("CI").is_none(), "poppler-utils is missing under CI (scripts/test installs it)"),
        }
        std::fs::remove_file(file).expect("clean up");
        // Another commune's staff do not get it; anyone may check it, without personal data.
        let (other, _) = app.browser_session("motcua.tk").await;
        assert_eq!(app.get_with(&format!("/can-bo/chung-thuc/{id}/ban-sao.pdf"), &other).await.status, StatusCode::NOT_FOUND);
        let public = app.get(&format!("/xac-thuc/chung-thuc/{id}")).await;
        assert_eq!(public.status, StatusCode::OK, "{}", public.body);
        assert!(public.body.contains("Chữ ký số hợp lệ.") && public.body.contains("Số chứng thực 01, quyển số 01/2026-SCT/BS"), "{}", public.body);
        assert!(!public.body.contains("Trần Thị Bình"), "{}", public.body);
        let api = app.get(&format!("/api/v1/public/certifications/{id}")).await.json();
        assert_eq!(api["checked"]["valid"].as_bool(), Some(true), "{api}");
        for missing in ["khong-phai-ma".to_string(), xaso_store::new_id().to_string()] {
            assert_eq!(app.get(&format!("/xac-thuc/chung-thuc/{missing}")).await.status, StatusCode::NOT_FOUND);
        }
        // The register entry and the signed copy were audited in the same transaction.
        let mut tx = app.store.read().await.expect("read");
        let trail = xaso_store::audit::for_entity(&mut tx, "certification", &id).await.expect("audit");
        assert_eq!(trail.iter().map(|t| t.action.as_str()).collect::<Vec<_>>(), ["certification.certify", "certification.copy"]);
        assert!(trail.iter().all(|t| t.actor == "Lê Văn Đức"), "{trail:?}");
    }
}
