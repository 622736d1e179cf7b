//! The reform plan pages on both backends: overview with flags, a task's reports, who may report.

mod common;

use axum::http::StatusCode;
use xaso_store::audit::Actor;
use xaso_store::Store;

const SEED_PLAN: &str = include_str!("../../../data/plans/ke-hoach-09-2025.toml");

xaso_store::backend_tests! {
    async fn progress_is_reported_and_flags_follow(store: Store) {
        let app = common::app(store).await;
        let plan = xaso_domain::plan::parse_plan("ke-hoach-09-2025.toml", SEED_PLAN).expect("seed plan");
        let mut tx = app.store.begin().await.expect("begin");
        xaso_store::plan::import(&mut tx, &plan, "ke-hoach-09-2025.toml", SEED_PLAN, chrono::Utc::now(), &Actor::system("test")).await.expect("import");
        tx.commit().await.expect("commit");
        // 10 October 2025: quarters 1–3 have ended.
        app.at("2025-10-10T09:00");
        let (leader, csrf) = app.browser_session("lanhdao").await;
        let list = app.get_with("/can-bo/ke-hoach", &leader).await;
        assert!(list.body.contains("Kế hoạch Cải cách hành chính xã Minh Đức năm 2025") && list.body.contains("29 chỉ tiêu, 86 nhiệm vụ"), "{}", list.body);
        let overview = app.get_with("/can-bo/ke-hoach/ke-hoach-09-2025", &leader).await;
        assert_eq!(overview.status, StatusCode::OK, "{}", overview.body);
        for expected in ["Tiến độ theo lĩnh vực", "Cải cách thủ tục hành chính", "Tỷ lệ giải quyết hồ sơ đúng hạn đạt tối thiểu 98%", "nhiệm vụ thiếu báo cáo hoặc quá hạn", "Quá hạn (30/09/2025)", "Thiếu báo cáo quý 1"] {
            assert!(overview.body.contains(expected), "{expected}: {}", overview.body);
        }
        // The leader's dashboard points to the plan's flagged tasks.
        let dashboard = app.get_with("/can-bo/bao-cao", &leader).await;
        assert!(dashboard.body.contains("Kế hoạch Cải cách hành chính xã Minh Đức năm 2025</a>: ") && dashboard.body.contains("nhiệm vụ thiếu báo cáo hoặc quá hạn."), "{}", dashboard.body);
        // The third-quarter task (appendix line 528) reported done: no longer overdue.
        let task = "/can-bo/ke-hoach/ke-hoach-09-2025/nhiem-vu/L528-1";
        let page = app.get_with(task, &leader).await;
        assert!(page.body.contains("Quá hạn (30/09/2025)") && page.body.contains("Chưa có báo cáo nào."), "{}", page.body);
        let form = |csrf: &str, status: &str| vec![("csrf", csrf.to_string()), ("quarter", "3".into()), ("status", status.to_string()), ("percent", "100".into()), ("narrative", "Đã triển khai xong".into())];
        let post = |cookie: String, fields: Vec<(&'static str, String)>, files: Vec<(&'static str, &'static str, Vec<u8>)>| {
            let app = &app;
            async move {
                let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
                let files: Vec<(&str, &str, &[u8])> = files.iter().map(|(k, n, b)| (*k, *n, b.as_slice())).collect();
                app.post_form(task, &cookie, &fields, &files).await
            }
        };
        let done = post(leader.clone(), form(&csrf, "done"), vec![]).await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
        let page = app.get_with(task, &leader).await;
        assert!(page.body.contains("Hoàn thành") && page.body.contains("Đã triển khai xong") && page.body.contains("Lê Văn Đức") && !page.body.contains("Quá hạn (30/09/2025)"), "{}", page.body);
        let missing = app.get_with("/can-bo/ke-hoach/ke-hoach-09-2025?co=overdue", &leader).await;
        assert!(!missing.body.contains("nhiem-vu/L528-1"), "{}", missing.body);
        // A bad status is a message on the page; an officer may not report; unknown tasks are 404.
        let bad = post(leader.clone(), form(&csrf, "xong"), vec![]).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.body.contains("tình trạng không hợp lệ"), "{}", bad.body);
        // The counter officer's unit (Trung tâm PVHCC) does not lead this task.
        let (officer, officer_csrf) = app.browser_session("motcua").await;
        assert_eq!(post(officer, form(&officer_csrf, "done"), vec![]).await.status, StatusCode::FORBIDDEN);
        // Nor does another commune's leader report on Minh Đức's plan.
        let (other, other_csrf) = app.browser_session("lanhdao.tk").await;
        assert_eq!(post(other, form(&other_csrf, "done"), vec![]).await.status, StatusCode::FORBIDDEN);
        assert_eq!(app.get_with("/can-bo/ke-hoach/ke-hoach-09-2025/nhiem-vu/L9999-1", &leader).await.status, StatusCode::NOT_FOUND);
        assert_eq!(app.get_with("/can-bo/ke-hoach/khong-co", &leader).await.status, StatusCode::NOT_FOUND);
        // Re-importing the plan keeps its reports.
        let mut tx = app.store.begin().await.expect("begin");
        xaso_store::plan::import(&mut tx, &plan, "ke-hoach-09-2025.toml", SEED_PLAN, chrono::Utc::now(), &Actor::system("test")).await.expect("again");
        tx.commit().await.expect("commit");
        let mut tx = app.store.read().await.expect("read");
        assert_eq!(xaso_store::plan::reports(&mut tx, "ke-hoach-09-2025").await.expect("reports").len(), 1);
    }
}

const PLAN: &str = "/can-bo/ke-hoach/ke-hoach-09-2025";

fn pdf_bytes(text: &str) -> Vec<u8> {
    format!("%PDF-1.4\n% {text}\n%%EOF\n").into_bytes()
}

async fn with_seed_plan(app: &common::TestApp) {
    let plan =
        xaso_domain::plan::parse_plan("ke-hoach-09-2025.toml", SEED_PLAN).expect("seed plan");
    let mut tx = app.store.begin().await.expect("begin");
    xaso_store::plan::import(
        &mut tx,
        &plan,
        "ke-hoach-09-2025.toml",
        SEED_PLAN,
        chrono::Utc::now(),
        &Actor::system("test"),
    )
    .await
    .expect("import");
    tx.commit().await.expect("commit");
}

/// The value shown beside `needle` on a page (the next "N% (a/b)" after it).
fn share_after<'a>(body: &'a str, needle: &str) -> &'a str {
    let at = body
        .find(needle)
        .unwrap_or_else(|| panic!("{needle} in {body}"));
    let rest = &body[at..];
    let open = rest.find("% (").expect("a share");
    let start = rest[..open].rfind(['>', ' ']).map_or(0, |i| i + 1);
    let close = rest[open..].find(')').expect("closing") + open + 1;
    &rest[start..close]
}

xaso_store::backend_tests! {
    async fn units_report_with_evidence_and_the_chairman_assigns(store: Store) {
        let app = common::app(store).await;
        with_seed_plan(&app).await;
        app.at("2025-10-10T09:00");
        let pvhcc = app.agency_of("motcua");
        let (officer, officer_csrf) = app.browser_session("motcua").await;
        // The units' filter: the nine tasks the centre leads ("Trung tâm PVHCC", "TT. PVHCC").
        let mine = app.get_with(&format!("{PLAN}?don-vi={pvhcc}"), &officer).await;
        assert!(mine.body.contains("Nhiệm vụ đơn vị tôi chủ trì") && mine.body.contains("(9)</h2>"), "{}", mine.body);
        let first = mine.body.split("/nhiem-vu/").nth(1).and_then(|rest| rest.split('"').next()).expect("a task of the centre").to_string();
        let task = format!("{PLAN}/nhiem-vu/{first}");
        let fields = |csrf: &str| vec![("csrf", csrf.to_string()), ("quarter", "3".to_string()), ("status", "in_progress".to_string()), ("percent", "60".to_string()), ("narrative", "Đã niêm yết công khai".to_string())];
        let as_fields = |f: &Vec<(&'static str, String)>| f.iter().map(|(k, v)| (*k, v.clone())).collect::<Vec<_>>();
        let send = |uri: String, cookie: String, fields: Vec<(&'static str, String)>, files: Vec<(&'static str, &'static str, Vec<u8>)>| {
            let app = &app;
            async move {
                let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
                let files: Vec<(&str, &str, &[u8])> = files.iter().map(|(k, n, b)| (*k, *n, b.as_slice())).collect();
                app.post_form(&uri, &cookie, &fields, &files).await
            }
        };
        // A program renamed to .pdf is refused by its bytes; nothing is recorded.
        let exe = send(task.clone(), officer.clone(), fields(&officer_csrf), vec![("file_1", "bien-ban.pdf", b"MZ\x90\x00\x03 program".to_vec())]).await;
        assert_eq!(exe.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{}", exe.body);
        let reported = send(task.clone(), officer.clone(), as_fields(&fields(&officer_csrf)), vec![("file_1", "Biên bản niêm yết.pdf", pdf_bytes("niêm yết"))]).await;
        assert_eq!(reported.status, StatusCode::SEE_OTHER, "{}", reported.body);
        let page = app.get_with(&task, &officer).await;
        assert!(page.body.contains("Trung tâm Phục vụ hành chính công xã Minh Đức — Nguyễn Thị Hương") && page.body.contains("Biên bản niêm yết.pdf"), "{}", page.body);
        let link = page.body.split("/minh-chung/").nth(1).and_then(|r| r.split('"').next()).expect("evidence link");
        let file = app.get_with(&format!("{PLAN}/minh-chung/{link}"), &officer).await;
        assert_eq!((file.status, file.bytes.clone()), (StatusCode::OK, pdf_bytes("niêm yết")));
        assert_eq!(app.get(&format!("{PLAN}/minh-chung/{link}")).await.status, StatusCode::SEE_OTHER, "signed-out: to the login");
        assert_eq!(app.get_with(&format!("{PLAN}/minh-chung/00000000-0000-0000-0000-000000000000"), &officer).await.status, StatusCode::NOT_FOUND);

        // The chairman assigns a task to the centre with a deadline; a specialist may not.
        let (leader, csrf) = app.browser_session("lanhdao").await;
        let assign = |csrf: &str, due: &str| format!("csrf={csrf}&title=R%C3%A0+so%C3%A1t+quy+tr%C3%ACnh+m%E1%BB%99t+c%E1%BB%ADa&instruction=&unit={pvhcc}&area=2&due={due}");
        let post = |cookie: &str, body: String| axum::http::Request::post(format!("{PLAN}/giao-viec")).header(axum::http::header::CONTENT_TYPE, "application/x-www-form-urlencoded").header(axum::http::header::COOKIE, cookie.to_string()).body(axum::body::Body::from(body)).expect("request");
        let (specialist, specialist_csrf) = app.browser_session("chuyenvien").await;
        assert_eq!(app.send(post(&specialist, assign(&specialist_csrf, "2025-10-20"))).await.status, StatusCode::FORBIDDEN);
        let late = app.send(post(&leader, assign(&csrf, "2025-10-01"))).await;
        assert_eq!(late.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(late.body.contains("hạn hoàn thành đã qua"), "{}", late.body);
        let assigned = app.send(post(&leader, assign(&csrf, "2025-10-20"))).await;
        assert_eq!(assigned.status, StatusCode::SEE_OTHER, "{}", assigned.body);
        assert_eq!(assigned.headers[axum::http::header::LOCATION], format!("{PLAN}/nhiem-vu/CD-1").as_str());
        let page = app.get_with(&format!("{PLAN}/nhiem-vu/CD-1"), &officer).await;
        assert!(page.body.contains("Rà soát quy trình một cửa") && page.body.contains("Trước ngày 20/10/2025") && page.body.contains("Gửi báo cáo"), "{}", page.body);
        // Followed live: the day after its deadline it is overdue on the overview.
        app.at("2025-10-21T09:00");
        let (leader, _) = app.browser_session("lanhdao").await;
        let (officer, officer_csrf) = app.browser_session("motcua").await;
        let overview = app.get_with(PLAN, &leader).await;
        assert!(overview.body.contains("nhiem-vu/CD-1") && overview.body.contains("Quá hạn (20/10/2025)"), "{}", overview.body);
        let title = overview.body.split("<title>").nth(1).and_then(|t| t.split("</title>").next()).expect("title");
        assert!(!title.contains("form") && overview.body.contains("action=\"/can-bo/ke-hoach/ke-hoach-09-2025/giao-viec\""), "the assignment form is in the page, not in its title: {title}");
        let reported = send(format!("{PLAN}/nhiem-vu/CD-1"), officer.clone(), vec![("csrf", officer_csrf.clone()), ("quarter", "4".into()), ("status", "done".into()), ("percent", "100".into()), ("narrative", "Đã rà soát".into())], vec![]).await;
        assert_eq!(reported.status, StatusCode::SEE_OTHER, "{}", reported.body);
        let overview = app.get_with(&format!("{PLAN}?co=overdue"), &leader).await;
        assert!(!overview.body.contains("nhiem-vu/CD-1"), "{}", overview.body);
    }

    async fn targets_by_hand_and_inspections_to_closure(store: Store) {
        let app = common::app(store).await;
        with_seed_plan(&app).await;
        app.at("2025-10-10T09:00");
        let (leader, csrf) = app.browser_session("lanhdao").await;
        let send = |uri: String, cookie: String, fields: Vec<(&'static str, String)>, files: Vec<(&'static str, &'static str, Vec<u8>)>| {
            let app = &app;
            async move {
                let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
                let files: Vec<(&str, &str, &[u8])> = files.iter().map(|(k, n, b)| (*k, *n, b.as_slice())).collect();
                app.post_form(&uri, &cookie, &fields, &files).await
            }
        };
        // A target kept by hand (line 233: 90 % of work files handled on the network).
        let target = format!("{PLAN}/chi-tieu/T233-1");
        let value = |v: &str| vec![("csrf", csrf.clone()), ("quarter", "3".into()), ("value", v.to_string()), ("note", "Thống kê hệ thống quản lý văn bản".into())];
        let without = send(target.clone(), leader.clone(), value("86,5"), vec![]).await;
        assert_eq!(without.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(without.body.contains("đính kèm ít nhất một tệp minh chứng"), "{}", without.body);
        let over = send(target.clone(), leader.clone(), value("130"), vec![("file_1", "thong-ke.pdf", pdf_bytes("x"))]).await;
        assert!(over.body.contains("tỷ lệ phải từ 0 đến 100"), "{}", over.body);
        let saved = send(target.clone(), leader.clone(), value("86,5"), vec![("file_1", "thong-ke.pdf", pdf_bytes("thống kê"))]).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
        let page = app.get_with(&target, &leader).await;
        assert!(page.body.contains("86,5 % (nhập quý 3/2025") && page.body.contains("▲ Chưa đạt") && page.body.contains("thong-ke.pdf"), "{}", page.body);
        // A target the system computes takes no value by hand.
        let computed = send(format!("{PLAN}/chi-tieu/T532-1"), leader.clone(), value("60"), vec![("file_1", "x.pdf", pdf_bytes("x"))]).await;
        assert_eq!(computed.status, StatusCode::BAD_REQUEST);

        // Inspections: none yet.
        let inspections = app.get_with(&format!("{PLAN}/kiem-tra"), &leader).await;
        assert!(inspections.body.contains("Chưa có cuộc kiểm tra nào.") && inspections.body.contains("Chưa có dữ liệu: chưa có cuộc kiểm tra nào"), "{}", inspections.body);
        let pvhcc = app.agency_of("motcua");
        let planned = app.send(axum::http::Request::post(format!("{PLAN}/kiem-tra")).header(axum::http::header::CONTENT_TYPE, "application/x-www-form-urlencoded").header(axum::http::header::COOKIE, leader.clone()).body(axum::body::Body::from(format!("csrf={csrf}&unit={pvhcc}&planned_on=2025-10-08&digital=yes"))).expect("request")).await;
        assert_eq!(planned.status, StatusCode::SEE_OTHER, "{}", planned.body);
        let inspection = planned.headers[axum::http::header::LOCATION].to_str().expect("location").to_string();
        let record = vec![("csrf", csrf.clone()), ("action", "record".into()), ("done_on", "2025-10-08".into()), ("digital", "yes".into()), ("conclusion", "Thực hiện tốt; còn một tồn tại".into())];
        let recorded = send(inspection.clone(), leader.clone(), record, vec![("file_1", "Thông báo kết luận.pdf", pdf_bytes("kết luận"))]).await;
        assert_eq!(recorded.status, StatusCode::SEE_OTHER, "{}", recorded.body);
        let finding = vec![("csrf", csrf.clone()), ("action", "finding".into()), ("text", "Niêm yết chưa đủ thủ tục".into()), ("remedy_due", "2025-11-08".into())];
        assert_eq!(send(inspection.clone(), leader.clone(), finding, vec![]).await.status, StatusCode::SEE_OTHER);
        let page = app.get_with(&inspection, &leader).await;
        assert!(page.body.contains("Thông báo kết luận.pdf") && page.body.contains("Niêm yết chưa đủ thủ tục") && page.body.contains("Ghi đã khắc phục"), "{}", page.body);
        let inspections = app.get_with(&format!("{PLAN}/kiem-tra"), &leader).await;
        assert_eq!(share_after(&inspections.body, "Đơn vị được kiểm tra"), "20% (1/5)");
        assert_eq!(share_after(&inspections.body, "Tồn tại, hạn chế đã khắc phục"), "0% (0/1)");
        assert_eq!(share_after(&inspections.body, "Cuộc kiểm tra qua môi trường số"), "100% (1/1)");
        // Closing the finding; a second closure is refused.
        let finding_id = page.body.split("name=\"finding\" value=\"").nth(1).and_then(|r| r.split('"').next()).expect("finding id").to_string();
        let close = |when: &str| vec![("csrf", csrf.clone()), ("action", "close".into()), ("finding", finding_id.clone()), ("closed_on", when.to_string()), ("note", "Đã niêm yết bổ sung".into())];
        assert_eq!(send(inspection.clone(), leader.clone(), close("2025-10-09"), vec![]).await.status, StatusCode::SEE_OTHER);
        assert_eq!(send(inspection.clone(), leader.clone(), close("2025-10-10"), vec![]).await.status, StatusCode::CONFLICT);
        let board = app.get_with(&format!("{PLAN}/chi-tieu"), &leader).await;
        assert_eq!(share_after(&board.body, "Tối thiểu 50% đơn vị được kiểm tra"), "20% (1/5)");
        assert_eq!(share_after(&board.body, "100% các tồn tại, hạn chế qua kiểm tra"), "100% (1/1)");
        // An officer sees but does not record.
        let (officer, officer_csrf) = app.browser_session("motcua").await;
        let denied = send(inspection.clone(), officer, vec![("csrf", officer_csrf), ("action", "finding".into()), ("text", "x".into()), ("remedy_due", "2025-11-08".into())], vec![]).await;
        assert_eq!(denied.status, StatusCode::FORBIDDEN);

        // The periodic report carries it all, as Word and as PDF.
        let docx = app.get_with(&format!("{PLAN}/bao-cao.docx?ky=q4"), &leader).await;
        assert_eq!((docx.status, &docx.bytes[..2]), (StatusCode::OK, &b"PK"[..]));
        let pdf = app.get_with(&format!("{PLAN}/bao-cao.pdf?ky=q4"), &leader).await;
        assert_eq!((pdf.status, &pdf.bytes[..5]), (StatusCode::OK, &b"%PDF-"[..]));
        assert_eq!(app.get_with(&format!("{PLAN}/bao-cao.pdf?ky=q9"), &leader).await.status, StatusCode::BAD_REQUEST);
        let report = xaso_web::plan::periodic_report(&app.store, "ke-hoach-09-2025", xaso_web::plan::ReportSpan::Quarter(4), chrono::NaiveDate::from_ymd_opt(2025, 12, 31).expect("day")).await.expect("report");
        assert!(report.inspections.contains("Đã kiểm tra 1 lượt tại 1/5 đơn vị (1 qua môi trường số); phát hiện 1 tồn tại, hạn chế, đã khắc phục 1."), "{}", report.inspections);
        assert_eq!(report.inspection_rows, vec![["Trung tâm Phục vụ hành chính công xã Minh Đức".to_string(), "08/10/2025".into(), "Qua môi trường số".into(), "1".into(), "1".into()]]);
        let by_hand = report.targets.iter().find(|t| t[0].starts_with("90% hồ sơ công việc")).expect("line 233");
        assert_eq!((by_hand[2].as_str(), by_hand[3].as_str()), ("86,5%", "Chưa đạt"));
        // The third quarter's report does not yet see the October inspection.
        let q3 = xaso_web::plan::periodic_report(&app.store, "ke-hoach-09-2025", xaso_web::plan::ReportSpan::Quarter(3), chrono::NaiveDate::from_ymd_opt(2025, 10, 10).expect("day")).await.expect("report");
        assert!(q3.inspection_rows.is_empty() && q3.inspections.contains("chưa thực hiện cuộc kiểm tra"), "{}", q3.inspections);
    }
}
