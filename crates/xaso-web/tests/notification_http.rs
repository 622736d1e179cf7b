//! Messages to citizens on the pages, both backends: the applicant's portal inbox fills as the
//! dossier moves (received, result ready) and when their feedback is answered; seeing it marks
//! it read; the dossier's pages list every message with its channel and delivery state.

mod common;

use axum::http::{header, StatusCode};
use serde_json::json;
use xaso_store::Store;

xaso_store::backend_tests! {
    async fn the_inbox_and_the_dossier_pages_show_the_messages(store: Store) {
        let app = common::app(store).await;
        app.at("2026-04-16T10:00");
        // Signed out: the inbox asks to sign in.
        let anonymous = app.get("/thong-bao").await;
        assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
        assert!(anonymous.headers[header::LOCATION].to_str().expect("ascii").contains("dang-nhap"), "{:?}", anonymous.headers);

        let reply = app.post_as("congdan", "/api/v1/dossiers", json!({
            "procedure_code": "1.004873", "channel": "online", "receiving_agency": app.agency_of("motcua"),
            "applicant": { "name": "Võ Thị Mai", "id_number": "075201001234", "phone": "0912345678", "email": "mai@example.vn" },
            "components": common::complete_checklist(&app, "1.004873").await
        })).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        let mut dossier = reply.json();
        let code = dossier["code"].as_str().expect("code").to_string();
        let (citizen, _) = app.browser_session("congdan").await;
        let empty = app.get_with("/thong-bao", &citizen).await;
        assert!(empty.body.contains("Chưa có thông báo nào."), "{}", empty.body);

        dossier = app.act("motcua", &dossier, json!({ "action": "accept" })).await.unwrap_or_else(|r| panic!("{}", r.body));
        let inbox = app.get_with("/thong-bao", &citizen).await;
        assert!(inbox.body.contains(&format!("Hồ sơ {code} đã được tiếp nhận")), "{}", inbox.body);
        assert!(inbox.body.contains("1 thông báo mới.") && inbox.body.contains("hẹn trả kết quả"), "{}", inbox.body);
        // The tracking link is one to follow.
        assert!(inbox.body.contains(&format!("<a href=\"http://xa.example/tra-cuu?ma={code}\">")), "{}", inbox.body);
        // Seen once: no longer new.
        let again = app.get_with("/thong-bao", &citizen).await;
        assert!(!again.body.contains("thông báo mới") && again.body.contains(&code), "{}", again.body);
        // Another citizen's inbox stays empty.
        let (other, _) = app.browser_session("congdan2").await;
        assert!(app.get_with("/thong-bao", &other).await.body.contains("Chưa có thông báo nào."));

        for (user, action) in [
            ("motcua", json!({ "action": "forward" })),
            ("chuyenvien", json!({ "action": "forward" })),
            ("lanhdao", json!({ "action": "approve", "result_number": "3/2026" })),
        ] {
            dossier = app.act(user, &dossier, action).await.unwrap_or_else(|r| panic!("{}: {}", r.status, r.body));
        }
        let inbox = app.get_with("/thong-bao", &citizen).await;
        let ready = format!("Hồ sơ {code} đã có kết quả");
        assert!(inbox.body.contains(&ready) && inbox.body.contains("1 thông báo mới."), "{}", inbox.body);
        assert!(inbox.body.find(&ready) < inbox.body.find(&format!("Hồ sơ {code} đã được tiếp nhận")), "newest first");

        // The staff page and the citizen's page list what was sent, how, and whether it arrived.
        let (officer, _) = app.browser_session("motcua").await;
        let staff = app.get_with(&format!("/can-bo/ho-so/{code}"), &officer).await;
        assert_eq!(staff.status, StatusCode::OK, "{}", staff.body);
        for expected in ["Thông báo đã gửi người nộp", "Tiếp nhận hồ sơ", "Có kết quả", "Thư điện tử", "mai@example.vn", "Tin nhắn SMS", "0912345678", "Trên cổng", "Chờ gửi", "Đã gửi"] {
            assert!(staff.body.contains(expected), "{expected}: {}", staff.body);
        }
        let own = app.get_with(&format!("/ho-so/{code}"), &citizen).await;
        assert!(own.body.contains("Thông báo đã gửi người nộp") && own.body.contains("mai@example.vn"), "{}", own.body);
        assert_eq!(dossier["messages"].as_array().map(Vec::len), Some(6), "{}", dossier["messages"]);
        // Nothing delivers them in this test: the backlog shows on /metrics.
        let metrics = app.get("/metrics").await;
        for line in [
            "xaso_notifications_waiting{channel=\"email\",status=\"pending\"} 2",
            "xaso_notifications_waiting{channel=\"sms\",status=\"pending\"} 2",
            "xaso_notifications_waiting{channel=\"sms\",status=\"sending\"} 0",
        ] {
            assert!(metrics.body.lines().any(|l| l == line), "{line}: {}", metrics.body);
        }
    }
}
