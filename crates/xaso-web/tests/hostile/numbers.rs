//! Numbers and dates out of range: negative, zero, past 64 bits, `1e309`, `NaN`, year 0, year
//! 99999, 30 February, malformed ISO. Each is a clear 4xx that changes nothing.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use serde_json::{json, Value};
use xaso_store::Store;

use crate::hostile::{browser_post, form, Hostile};

/// Numbers no count, page, size or amount may be.
const BAD_COUNTS: [&str; 8] = [
    "-1",
    "0",
    "99999999999999999999",
    "1e309",
    "NaN",
    "1.5",
    "0x10",
    "١",
];
/// Dates no form may take.
const BAD_DATES: [&str; 9] = [
    "0000-01-01",
    "99999-12-31",
    "+99999-12-31",
    "2026-02-30",
    "2026-13-01",
    "2026-00-10",
    "26-03-10",
    "2026-03-10T25:00",
    "hôm nay",
];

async fn get_refused(app: &Hostile, user: &str, uri: &str) {
    let request = app
        .api(user, "GET", uri)
        .body(Body::empty())
        .expect("request");
    app.refused(request, StatusCode::BAD_REQUEST, uri).await;
}

/// A JSON action on `dossier` with its current version unless the action sets one.
async fn action_refused(app: &Hostile, user: &str, dossier: &Value, action: Value, what: &str) {
    let code = dossier["code"].as_str().expect("code");
    let mut body = action;
    if body.get("version").is_none() {
        body["version"] = dossier["version"].clone();
    }
    let request = app
        .api(user, "POST", &format!("/api/v1/dossiers/{code}/actions"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .expect("request");
    let reply = app.refused_4xx(request, what).await;
    let after = app
        .get_as("motcua", &format!("/api/v1/dossiers/{code}"))
        .await
        .json();
    assert_eq!(
        after["version"], dossier["version"],
        "{what}: {}",
        reply.body
    );
}

xaso_store::backend_tests! {
    async fn counts_pages_and_years_out_of_range_in_queries_and_paths_get_400(store: Store) {
        let mut app = crate::hostile::app(store).await;
        for n in BAD_COUNTS {
            let n = crate::hostile::encode(n);
            if n != "0" && n != "-1" {
                get_refused(&app, "motcua", &format!("/api/v1/calendar/{n}")).await;
            }
            get_refused(&app, "motcua", &format!("/api/v1/procedures?page={n}")).await;
            get_refused(&app, "motcua", &format!("/api/v1/procedures?per_page={n}")).await;
            get_refused(&app, "motcua", &format!("/api/v1/procedures/1.004873?version={n}")).await;
            get_refused(&app, "motcua", &format!("/api/v1/deadline?from=2026-03-02T09:00&days={n}")).await;
            get_refused(&app, "motcua", &format!("/api/v1/deadline?from=2026-03-02T09:00&hours={n}")).await;
        }
        for uri in ["/api/v1/procedures?per_page=101", "/api/v1/procedures?page=10001", "/api/v1/deadline?from=2026-03-02T09:00&days=366"] {
            get_refused(&app, "motcua", uri).await;
        }
        // Years outside the calendar's data: the API, and the administrator's page.
        app.app.add_user("quantri", "Admin Kiểm Thử", xaso_domain::identity::Role::Administrator, None).await;
        let (admin, _) = app.browser_session("quantri").await;
        for year in ["-1", "0", "1899", "99999", "2147483648", "NaN", "2026.5"] {
            get_refused(&app, "motcua", &format!("/api/v1/calendar/{year}")).await;
            let reply = app.get_with(&format!("/quan-tri/lich/{year}"), &admin).await;
            assert_eq!(reply.status, StatusCode::BAD_REQUEST, "/quan-tri/lich/{year}: {}", crate::hostile::excerpt(&reply.body));
        }
        // Ids that are numbers or not ids at all: not found, never a crash.
        for id in ["-1", "0", "99999999999999999999", "1e309", "NaN"] {
            for uri in [format!("/api/v1/dossiers/{id}"), format!("/api/v1/public/dossiers/{id}"), format!("/api/v1/public/certifications/{id}"),
                format!("/api/v1/citizens/documents/{id}"), format!("/api/v1/me/tokens/{id}/revoke")] {
                let method = if uri.ends_with("revoke") { "POST" } else { "GET" };
                let request = app.api("motcua", method, &uri).body(Body::empty()).expect("request");
                app.refused_4xx(request, &uri).await;
            }
        }
    }

    async fn dates_out_of_range_get_400_in_the_calendar_deadline_and_reports(store: Store) {
        let app = crate::hostile::app(store).await;
        for date in BAD_DATES {
            let d = crate::hostile::encode(date);
            get_refused(&app, "motcua", &format!("/api/v1/calendar/lunar?date={d}")).await;
            get_refused(&app, "motcua", &format!("/api/v1/calendar/solar?lunar={d}")).await;
            get_refused(&app, "motcua", &format!("/api/v1/deadline?from={d}&days=3")).await;
            for query in [format!("from={d}"), format!("to={d}"), format!("from=2026-01-01&to={d}")] {
                let uri = format!("/api/v1/reports/ii06a?{query}");
                let request = app.api("lanhdao", "GET", &uri).body(Body::empty()).expect("request");
                app.refused_4xx(request, &uri).await;
            }
        }
        for lunar in ["2026-02-31", "0-1-1", "9223372036854775808-01-01", "2026-1-1-1", "-1--1--1"] {
            get_refused(&app, "motcua", &format!("/api/v1/calendar/solar?lunar={lunar}")).await;
        }
        get_refused(&app, "motcua", "/api/v1/calendar/solar?lunar=2026-01-01&leap=maybe").await;
        // A period longer than five years, or backwards.
        for query in ["from=0001-01-01&to=2026-01-01", "from=2026-03-01&to=2026-01-01"] {
            let uri = format!("/api/v1/reports/targets?{query}");
            let request = app.api("lanhdao", "GET", &uri).body(Body::empty()).expect("request");
            app.refused_4xx(request, &uri).await;
        }
    }

    async fn dossier_actions_with_numbers_and_dates_out_of_range_change_nothing(store: Store) {
        let app = crate::hostile::app(store).await;
        let received = app.counter_dossier(json!({ "name": "Nguyễn Văn An" })).await;
        let dossier = app.act("motcua", &received, json!({ "action": "forward" })).await.expect("forward");
        // Versions: stale, negative, past 64 bits, not integers.
        for version in [json!(-1), json!(0), json!(9_223_372_036_854_775_807_i64), json!(1.5), json!("NaN"), json!(null)] {
            action_refused(&app, "chuyenvien", &dossier, json!({ "version": version, "action": "forward" }), &format!("version {version}")).await;
        }
        for raw in ["9223372036854775808", "1e309", "-9223372036854775809"] {
            let code = dossier["code"].as_str().expect("code");
            let request = app.api("chuyenvien", "POST", &format!("/api/v1/dossiers/{code}/actions")).header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(format!("{{\"version\": {raw}, \"action\": \"forward\"}}"))).expect("request");
            app.refused(request, StatusCode::BAD_REQUEST, &format!("version {raw}")).await;
        }
        // Amounts, day counts and dates.
        let huge = json!(18_446_744_073_709_551_615_u64);
        for amount in [json!(0), json!(-1), json!(1.5), json!("NaN"), huge.clone(), json!(1_000_000_000_001_u64)] {
            action_refused(&app, "chuyenvien", &dossier, json!({ "action": "request_payment", "amount": amount, "detail": "Lệ phí" }), &format!("amount {amount}")).await;
        }
        for days in [json!(0), json!(-1), json!(31), json!(4_294_967_296_u64), huge.clone()] {
            action_refused(&app, "chuyenvien", &dossier, json!({ "action": "consult", "body": "Công an xã", "subject": "Xác minh", "answer_within_days": days }), &format!("days {days}")).await;
        }
        for date in BAD_DATES.iter().map(|d| json!(d)).chain([json!(null), json!(""), json!(20260310), json!("2026-03-10T00:00:00Z")]) {
            action_refused(&app, "chuyenvien", &dossier, json!({ "action": "apologize", "reason": "Chờ xác minh", "new_date": date }), &format!("new date {date}")).await;
        }
        // The same on the officer's page.
        let (specialist, csrf) = app.browser_session("chuyenvien").await;
        let code = dossier["code"].as_str().expect("code");
        let version = dossier["version"].to_string();
        let mut cases: Vec<(String, Vec<(&str, String)>)> = Vec::new();
        for days in ["0", "-1", "31", "4294967296", "1e309", "NaN"] {
            cases.push((format!("consult {days}"), vec![("action", "consult".into()), ("body", "Công an xã".into()), ("subject", "Xác minh".into()), ("days", days.into())]));
        }
        for date in BAD_DATES {
            cases.push((format!("apologize {date}"), vec![("action", "apologize".into()), ("reason", "Chờ xác minh".into()), ("new_date", date.into())]));
        }
        for (pages, copies) in [("-1", "1"), ("1", "-1"), ("4294967296", "1"), ("4294967295", "4294967295"), ("1e309", "1"), ("NaN", "1")] {
            cases.push((format!("payment {pages}×{copies}"), vec![("action", "request_payment".into()), ("pages", pages.into()), ("copies", copies.into())]));
        }
        for (what, fields) in cases {
            let mut all = vec![("csrf", csrf.clone()), ("version", version.clone())];
            all.extend(fields);
            let fields: Vec<(&str, &str)> = all.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let request = browser_post(&format!("/can-bo/ho-so/{code}"), &specialist, "application/x-www-form-urlencoded", form(&fields));
            app.refused_4xx(request, &format!("page: {what}")).await;
        }
        for version in ["-1", "99999999999999999999", "1e309", "NaN"] {
            let request = browser_post(&format!("/can-bo/ho-so/{code}"), &specialist, "application/x-www-form-urlencoded",
                form(&[("csrf", &csrf), ("version", version), ("action", "forward")]));
            app.refused_4xx(request, &format!("page: version {version}")).await;
        }
    }

    async fn citizen_feedback_and_plan_numbers_and_dates_out_of_range_change_nothing(store: Store) {
        let app = crate::hostile::app(store).await;
        let (officer, csrf) = app.browser_session("motcua").await;
        let urlencoded = "application/x-www-form-urlencoded";
        // A birth date that is no date, or not one the ID number allows.
        for date in BAD_DATES.iter().chain(&["31/02/2001", "2001-02-29", "1e309"]) {
            let request = browser_post("/can-bo/cong-dan", &officer, urlencoded,
                form(&[("csrf", &csrf), ("id_number", "075201001234"), ("full_name", "Nguyễn Văn An"), ("birth_date", date)]));
            app.refused(request, StatusCode::UNPROCESSABLE_ENTITY, &format!("birth date {date}")).await;
        }
        // A document's dates in the citizen data store. The scan is stored before the dates are
        // checked (files are written outside the database transaction): garbage, never kept.
        let saved = app.post_fields("/can-bo/cong-dan", &officer, &[("csrf", &csrf), ("id_number", "075201001234"), ("full_name", "Nguyễn Văn An")]).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", crate::hostile::excerpt(&saved.body));
        for (issued, expires) in BAD_DATES.iter().map(|d| (*d, "")).chain(BAD_DATES.iter().map(|d| ("2020-01-01", *d))).chain([("2030-01-01", "2020-01-01")]) {
            let pdf = crate::hostile::unique_pdf();
            let fields = [("csrf", csrf.as_str()), ("title", "Giấy khai sinh"), ("issued_on", issued), ("expires_on", expires)];
            let before = app.snapshot().await;
            let reply = app.post_form("/can-bo/cong-dan/075201001234/giay-to", &officer, &fields, &[("file_0", "khai-sinh.pdf", &pdf)]).await;
            assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "issued {issued} expires {expires}: {}", crate::hostile::excerpt(&reply.body));
            app.assert_unchanged_but_garbage(&before, &format!("issued {issued} expires {expires}")).await;
        }
        // Copies to certify.
        let (leader, leader_csrf) = app.browser_session("lanhdao").await;
        let scan = crate::common::scan(120, 170);
        for copies in BAD_COUNTS.iter().chain(&["4294967296", "1001"]) {
            let fields = [("csrf", leader_csrf.as_str()), ("requester", "Trần Thị Bình"), ("document", "Giấy khai sinh số 125/2010"), ("copies", copies), ("compared", "yes")];
            let before = app.snapshot().await;
            let reply = app.post_form("/can-bo/chung-thuc", &leader, &fields, &[("file_1", "trang-1.png", &scan)]).await;
            assert!(reply.status.is_client_error(), "copies {copies}: {} {}", reply.status, crate::hostile::excerpt(&reply.body));
            app.assert_unchanged(&before, &format!("copies {copies}")).await;
        }
        // Coordinates that are no place in Việt Nam, or no number.
        for (lat, long) in [("NaN", "106"), ("inf", "106"), ("-inf", "106"), ("1e309", "106"), ("-91", "106"), ("11", "1e-400"), ("11", "NaN"), ("0x10", "106")] {
            let request = Request::post("/open311/v2/requests.json").header(header::CONTENT_TYPE, urlencoded)
                .body(Body::from(form(&[("service_code", "ha-tang"), ("description", "Đèn chiếu sáng ấp 3 hỏng"), ("lat", lat), ("long", long)]))).expect("request");
            app.refused_4xx(request, &format!("lat {lat} long {long}")).await;
        }
        // A feedback item's version, on its page.
        let (citizen, citizen_csrf) = app.browser_session("congdan").await;
        let sent = app.post_fields("/phan-anh", &citizen, &[("csrf", &citizen_csrf), ("service_code", "can-bo"), ("description", "Cán bộ một cửa hẹn sai ngày")]).await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", crate::hostile::excerpt(&sent.body));
        let item = sent.headers[header::LOCATION].to_str().expect("ascii").to_string();
        let (specialist, specialist_csrf) = app.browser_session("chuyenvien").await;
        for version in ["-1", "0", "99999999999999999999", "1e309", "NaN"] {
            let request = browser_post(&item, &specialist, urlencoded, form(&[("csrf", &specialist_csrf), ("version", version), ("action", "classify"), ("category", "conduct")]));
            app.refused_4xx(request, &format!("feedback version {version}")).await;
        }
        // The reform plan: quarters, percents and target values.
        let plan_text = include_str!("../../../../data/plans/ke-hoach-09-2025.toml");
        let plan = xaso_domain::plan::parse_plan("ke-hoach-09-2025.toml", plan_text).expect("seed plan");
        let mut tx = app.store.begin().await.expect("begin");
        xaso_store::plan::import(&mut tx, &plan, "ke-hoach-09-2025.toml", plan_text, chrono::Utc::now(), &xaso_store::audit::Actor::system("test")).await.expect("import");
        tx.commit().await.expect("commit");
        app.at("2025-10-10T09:00");
        let task = "/can-bo/ke-hoach/ke-hoach-09-2025/nhiem-vu/L528-1";
        let target = "/can-bo/ke-hoach/ke-hoach-09-2025/chi-tieu/T233-1";
        let pdf = crate::hostile::unique_pdf();
        for (quarter, percent) in BAD_COUNTS.iter().chain(&["5", "-0"]).map(|n| (*n, "100")).chain(BAD_COUNTS.iter().filter(|n| **n != "0").chain(&["101", "256", "-0"]).map(|n| ("3", *n))) {
            let fields = [("csrf", leader_csrf.as_str()), ("quarter", quarter), ("status", "done"), ("percent", percent), ("narrative", "Đã xong")];
            let files: [(&str, &str, &[u8]); 1] = [("file_1", "minh-chung.pdf", pdf.as_slice())];
            let before = app.snapshot().await;
            let reply = app.post_form(task, &leader, &fields, &files).await;
            assert!(reply.status.is_client_error(), "quarter {quarter} percent {percent}: {} {}", reply.status, crate::hostile::excerpt(&reply.body));
            app.assert_unchanged(&before, &format!("quarter {quarter} percent {percent}")).await;
        }
        for quarter in BAD_COUNTS.iter().chain(&["5", "-0"]) {
            let fields = [("csrf", leader_csrf.as_str()), ("quarter", quarter), ("value", "86,5"), ("note", "Thống kê")];
            let files: [(&str, &str, &[u8]); 1] = [("file_1", "minh-chung.pdf", pdf.as_slice())];
            let before = app.snapshot().await;
            let reply = app.post_form(target, &leader, &fields, &files).await;
            assert!(reply.status.is_client_error(), "target quarter {quarter}: {} {}", reply.status, crate::hostile::excerpt(&reply.body));
            app.assert_unchanged(&before, &format!("target quarter {quarter}")).await;
        }
        for value in ["NaN", "inf", "-inf", "1e309", "-1", "101", "1e12", "9.9.9"] {
            let fields = [("csrf", leader_csrf.as_str()), ("quarter", "3"), ("value", value), ("note", "Thống kê")];
            let files: [(&str, &str, &[u8]); 1] = [("file_1", "minh-chung.pdf", pdf.as_slice())];
            let before = app.snapshot().await;
            let reply = app.post_form(target, &leader, &fields, &files).await;
            assert!(reply.status.is_client_error(), "target value {value}: {} {}", reply.status, crate::hostile::excerpt(&reply.body));
            app.assert_unchanged(&before, &format!("target value {value}")).await;
        }
    }
}
