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
        let form = |csrf: &str, status: &str| format!("csrf={csrf}&quarter=3&status={status}&percent=100&narrative=Đã+triển+khai+xong");
        let post = |cookie: String, body: String| {
            axum::http::Request::post(task).header(axum::http::header::CONTENT_TYPE, "application/x-www-form-urlencoded").header(axum::http::header::COOKIE, cookie).body(axum::body::Body::from(body)).expect("request")
        };
        let done = app.send(post(leader.clone(), form(&csrf, "done"))).await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
        let page = app.get_with(task, &leader).await;
        assert!(page.body.contains("Hoàn thành") && page.body.contains("Đã triển khai xong") && page.body.contains("Lê Văn Đức") && !page.body.contains("Quá hạn (30/09/2025)"), "{}", page.body);
        let missing = app.get_with("/can-bo/ke-hoach/ke-hoach-09-2025?co=overdue", &leader).await;
        assert!(!missing.body.contains("nhiem-vu/L528-1"), "{}", missing.body);
        // A bad status is a message on the page; an officer may not report; unknown tasks are 404.
        let bad = app.send(post(leader.clone(), form(&csrf, "xong"))).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.body.contains("tình trạng không hợp lệ"), "{}", bad.body);
        let (officer, officer_csrf) = app.browser_session("motcua").await;
        assert_eq!(app.send(post(officer, form(&officer_csrf, "done"))).await.status, StatusCode::FORBIDDEN);
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
