//! Reports over HTTP on both backends: II.06a and the targets from real dossiers, who may see
//! which commune, the dashboard page and the CSV.

mod common;

use axum::http::StatusCode;
use serde_json::{json, Value};
use xaso_store::Store;

async fn receive(app: &common::TestApp, procedure: &str, channel: &str) -> Value {
    let components = common::complete_checklist(app, procedure).await;
    let reply = app.post_as("motcua", "/api/v1/dossiers", json!({
        "procedure_code": procedure, "channel": channel, "receiving_agency": app.agency_of("motcua"),
        "applicant": { "name": "Nguyễn Văn An", "id_number": "075201001234", "phone": "0912345678" },
        "components": components, "decision": { "decision": "accept" }
    })).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    reply.json()
}

xaso_store::backend_tests! {
    async fn ii06a_and_targets_follow_the_dossiers(store: Store) {
        let app = common::app(store).await;
        app.at("2026-03-02T09:00");
        // A counter and a postal dossier: one approved the same day (early, with a signed e-result), one left open.
        let first = receive(&app, "1.004873", "counter").await;
        receive(&app, "1.004873", "postal").await;
        let first = app.act("motcua", &first, json!({ "action": "forward" })).await.expect("forward");
        let first = app.act("chuyenvien", &first, json!({ "action": "forward" })).await.expect("forward");
        app.act("lanhdao", &first, json!({ "action": "approve", "result_number": "1/2026" })).await.expect("approve");

        let ii06a = app.get_as("lanhdao", "/api/v1/reports/ii06a?from=2026-03-01&to=2026-03-31").await;
        assert_eq!(ii06a.status, StatusCode::OK, "{}", ii06a.body);
        let json = ii06a.json();
        let total = &json["report"]["total"];
        assert_eq!(json["scope"]["name"], "UBND xã Minh Đức", "{json}");
        assert_eq!((total["received_total"].as_u64(), total["received_in_person"].as_u64(), total["received_online"].as_u64()), (Some(2), Some(2), Some(0)), "{json}");
        // The open one was due on 5 March, before the end of the period: overdue at the period's end.
        assert_eq!((total["resolved_total"].as_u64(), total["resolved_early"].as_u64(), total["in_progress_total"].as_u64(), total["in_progress_overdue"].as_u64()), (Some(1), Some(1), Some(1), Some(1)), "{json}");
        assert_eq!(json["report"]["rows"][0]["field"], "Hộ tịch", "{json}");

        let targets = app.get_as("lanhdao", "/api/v1/reports/targets?from=2026-03-01&to=2026-03-31").await.json();
        let target = |metric: &str| targets["scorecard"]["targets"].as_array().expect("targets").iter().find(|t| t["metric"] == metric).cloned().expect("target");
        assert_eq!(target("on_time")["measure"], json!({ "kind": "rate", "numerator": 1, "denominator": 1 }), "{targets}");
        assert_eq!(target("on_time")["met"], true);
        assert_eq!(target("electronic_results")["measure"]["numerator"], 1, "{targets}");
        assert_eq!(target("paid_online")["measure"]["kind"], "no_data");
        assert_eq!(target("paid_online")["met"], Value::Null);
        // TT 01/2018: one early result scores 2 on indicator 1; classifications wait for data.
        assert_eq!(targets["satisfaction"]["indicators"][0]["score"], 2.0, "{targets}");
        assert_eq!(targets["satisfaction"]["officials"]["kind"], "no_data");
        // An empty period has no on-time rate: "no data", not 0 % or 100 %.
        let empty = app.get_as("lanhdao", "/api/v1/reports/targets?from=2026-01-01&to=2026-01-31").await.json();
        assert_eq!(empty["scorecard"]["targets"][0]["measure"]["kind"], "no_data", "{empty}");

        // Who sees what: another commune's leader only their own; the province any; citizens none.
        let minh_duc = app.agency_of("lanhdao");
        assert_eq!(app.get_as("lanhdao.tk", &format!("/api/v1/reports/ii06a?agency={minh_duc}")).await.status, StatusCode::FORBIDDEN);
        let other = app.get_as("lanhdao.tk", "/api/v1/reports/ii06a?from=2026-03-01&to=2026-03-31").await.json();
        assert_eq!(other["report"]["total"]["received_total"], 0, "{other}");
        let province = app.get_as("tinh", "/api/v1/reports/ii06a?agency=tinh&from=2026-03-01&to=2026-03-31").await.json();
        assert_eq!((province["scope"]["name"].as_str(), province["report"]["total"]["received_total"].as_u64()), (Some("Toàn tỉnh"), Some(2)), "{province}");
        assert_eq!(app.get_as("congdan", "/api/v1/reports/ii06a").await.status, StatusCode::FORBIDDEN);
        let bad = app.get_as("lanhdao", "/api/v1/reports/ii06a?from=2026-03-31&to=2026-03-01").await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
        assert_eq!(app.get_as("lanhdao", "/api/v1/reports/ii06a?from=31/03/2026").await.status, StatusCode::UNPROCESSABLE_ENTITY);

        // The dashboard and the CSV, with a browser session.
        let (leader, _) = app.browser_session("lanhdao").await;
        let page = app.get_with("/can-bo/bao-cao?tu=2026-03-01&den=2026-03-31", &leader).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        for expected in ["Tỷ lệ giải quyết hồ sơ đúng hạn", "● Đạt", "○ Chưa có dữ liệu", "<svg class=\"chart\"", "Hộ tịch", "QĐ 766", "Thông tư 01/2018", "Chưa xếp loại được: thiếu dữ liệu chỉ số 2, 4, 7"] {
            assert!(page.body.contains(expected), "{expected}: {}", page.body);
        }
        assert!(page.body.contains("Không có bước xử lý nào trễ hạn trong kỳ.") && !page.body.contains("Xếp hạng các xã"), "{}", page.body);
        // The province view ranks its communes: Minh Đức (one early result) above Tân Khai (no data).
        let (province_viewer, _) = app.browser_session("tinh").await;
        let ranking = app.get_with("/can-bo/bao-cao?tu=2026-03-01&den=2026-03-31&don-vi=tinh", &province_viewer).await;
        assert_eq!(ranking.status, StatusCode::OK, "{}", ranking.body);
        let table = &ranking.body[ranking.body.find("Xếp hạng các xã").expect("ranking")..];
        let (first, second) = (table.find("Minh Đức").expect("Minh Đức"), table.find("Tân Khai").expect("Tân Khai"));
        assert!(first < second, "{table}");
        let xlsx = app.get_with("/can-bo/bao-cao/bao-cao.xlsx?tu=2026-03-01&den=2026-03-31", &leader).await;
        assert_eq!(xlsx.status, StatusCode::OK);
        assert!(xlsx.bytes.starts_with(b"PK\x03\x04"), "a zip container");
        let pdf = app.get_with("/can-bo/bao-cao/ii06a.pdf?tu=2026-03-01&den=2026-03-31", &leader).await;
        assert!(pdf.bytes.starts_with(b"%PDF-1.7"), "{}", pdf.body);
        assert_eq!(app.get_with("/can-bo/bao-cao/khac.xlsx", &leader).await.status, StatusCode::NOT_FOUND);
        let csv = app.get_with("/can-bo/bao-cao/ii06a.csv?tu=2026-03-01&den=2026-03-31", &leader).await;
        assert_eq!(csv.status, StatusCode::OK);
        assert!(csv.body.starts_with('\u{feff}') && csv.body.contains("1,\"Hộ tịch\",2,0,2,0,1,1,0,0,1,0,1") && csv.body.contains("\"Tổng số\",2,0,2,0,1,1,0,0,1,0,1"), "{}", csv.body);
    }
}
