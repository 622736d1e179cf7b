//! Citizens' feedback through Open311 GeoReport v2 on both backends: the services, a request that
//! round-trips with its deadline, officers handling it to publication, and Open311's errors.

mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use xaso_domain::feedback::{Category, FeedbackAction};
use xaso_store::Store;

async fn post_form(app: &common::TestApp, uri: &str, body: &str) -> common::Reply {
    app.send(
        Request::post(uri)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body.to_string()))
            .expect("request"),
    )
    .await
}

xaso_store::backend_tests! {
    async fn an_open311_request_round_trips_and_is_handled_to_publication(store: Store) {
        let app = common::app(store).await;
        // Thursday 16 April 2026, 10:00.
        app.at("2026-04-16T10:00");
        let services = app.get("/open311/v2/services.json").await.json();
        let codes: Vec<&str> = services.as_array().expect("list").iter().filter_map(|s| s["service_code"].as_str()).collect();
        assert_eq!(codes, ["thu-tuc-hanh-chinh", "can-bo", "ha-tang", "kien-nghi"]);

        let body = "service_code=ha-tang&description=%C4%90%C3%A8n+chi%E1%BA%BFu+s%C3%A1ng+%E1%BA%A5p+3+h%E1%BB%8Fng+%C4%91%C3%A3+m%E1%BB%99t+tu%E1%BA%A7n&lat=11.05&long=106.85&address_string=%E1%BA%A4p+3&first_name=Mai&last_name=V%C3%B5&phone=0912345678";
        let created = post_form(&app, "/open311/v2/requests.json", body).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        let id = created.json()[0]["service_request_id"].as_str().expect("id").to_string();
        assert!(id.starts_with("PAKN-2026-") && id.ends_with("-000001"), "{id}");
        assert!(created.json()[0]["service_notice"].as_str().is_some_and(|n| n.contains("đã tiếp nhận")), "{}", created.body);

        let shown = app.get(&format!("/open311/v2/requests/{id}.json")).await;
        assert_eq!(shown.status, StatusCode::OK, "{}", shown.body);
        let item = &shown.json()[0];
        assert_eq!(item["status"], "open");
        assert_eq!(item["service_name"], "Hạ tầng, môi trường, trật tự");
        assert_eq!(item["description"], "Đèn chiếu sáng ấp 3 hỏng đã một tuần");
        assert_eq!(item["requested_datetime"], "2026-04-16T10:00:00+07:00");
        // 15 working days over the days off of late April and early May.
        assert!(item["expected_datetime"].as_str().is_some_and(|d| d.starts_with("2026-05-1")), "{item}");
        assert!(item["agency_responsible"].as_str().is_some_and(|a| a.starts_with("UBND")), "{item}");
        assert_eq!(item["lat"], 11.05);

        // The commune's officers handle it; a citizen who is not the author cannot touch it.
        let rules = std::sync::Arc::new(xaso_store::testing::dossier_rules());
        let when = xaso_domain::calendar::deadline::parse_instant("2026-04-17T09:00").expect("instant");
        let act = |action: FeedbackAction, user: &'static str, version: i64| {
            let (store, rules, users, id) = (app.store.clone(), rules.clone(), app.users.clone(), id.clone());
            async move {
                let mut tx = store.begin().await.expect("begin");
                let done = xaso_store::feedback::act(&mut tx, &rules, &id, version, &action, &users[user], when).await;
                if done.is_ok() { tx.commit().await.expect("commit"); }
                done
            }
        };
        assert!(matches!(act(FeedbackAction::Classify { category: Category::WithinAuthority }, "congdan2", 1).await, Err(xaso_store::StoreError::NotFound(_))));
        act(FeedbackAction::Classify { category: Category::WithinAuthority }, "chuyenvien", 1).await.expect("classify");
        act(FeedbackAction::Answer { text: "Đã thay bóng đèn ngày 17/4.".into() }, "chuyenvien", 2).await.expect("answer");
        let published = act(FeedbackAction::Publish, "lanhdao", 3).await.expect("publish");
        assert!(published.state.published_at.is_some());
        let shown = app.get(&format!("/open311/v2/requests/{id}.json")).await.json();
        assert_eq!(shown[0]["status"], "closed");
        assert!(shown[0]["status_notes"].as_str().is_some_and(|n| n.starts_with("Đã công khai kết quả")), "{shown}");

        // Open311's errors.
        let unknown = post_form(&app, "/open311/v2/requests.json", "service_code=khong-co&description=Noi+dung+phan+anh+du+dai").await;
        assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", unknown.body);
        assert!(unknown.json()[0]["description"].as_str().is_some_and(|d| d.contains("khong-co")), "{}", unknown.body);
        let bad = post_form(&app, "/open311/v2/requests.json", "service_code=ha-tang&description=Noi+dung+phan+anh+du+dai&lat=bac").await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
        let far = post_form(&app, "/open311/v2/requests.json", "service_code=ha-tang&description=Noi+dung+phan+anh+du+dai&lat=48.85&long=2.35").await;
        assert_eq!(far.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", far.body);
        let missing = app.get("/open311/v2/requests/PAKN-2026-KHONG-CO.json").await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
        assert_eq!(missing.json()[0]["code"], 404);
    }

    async fn a_citizen_sends_feedback_on_the_portal_and_rates_the_answer(store: Store) {
        let app = common::app(store).await;
        app.at("2026-04-16T10:00");
        let (citizen, csrf) = app.browser_session("congdan").await;
        let short = app.post_fields("/phan-anh", &citizen, &[("csrf", &csrf), ("service_code", "can-bo"), ("description", "ngắn")]).await;
        assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", short.body);
        let sent = app.post_fields("/phan-anh", &citizen, &[("csrf", &csrf), ("service_code", "can-bo"), ("description", "Cán bộ một cửa hẹn trả kết quả sai ngày"), ("address", "")]).await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
        let page = sent.headers[header::LOCATION].to_str().expect("ascii").to_string();
        let code = page.trim_start_matches("/phan-anh/").to_string();
        let mine = app.get_with("/phan-anh", &citizen).await;
        assert!(mine.body.contains(&code) && mine.body.contains("Đã tiếp nhận"), "{}", mine.body);
        // Someone else's citizen account does not see it.
        let (other, _) = app.browser_session("congdan2").await;
        assert_eq!(app.get_with(&page, &other).await.status, StatusCode::NOT_FOUND);

        // The commune's register lists it; the specialist classifies and answers, the leader publishes.
        let (officer, officer_csrf) = app.browser_session("chuyenvien").await;
        let register = app.get_with("/phan-anh", &officer).await;
        assert!(register.body.contains("Sổ tiếp nhận phản ánh") && register.body.contains(&code), "{}", register.body);
        let post = |cookie: String, csrf: String, fields: Vec<(&'static str, String)>| {
            let (app, page) = (&app, page.clone());
            async move {
                let mut all: Vec<(&str, &str)> = vec![("csrf", csrf.as_str())];
                all.extend(fields.iter().map(|(k, v)| (*k, v.as_str())));
                app.post_fields(&page, &cookie, &all).await
            }
        };
        assert_eq!(post(officer.clone(), officer_csrf.clone(), vec![("version", "1".into()), ("action", "classify".into()), ("category", "conduct".into())]).await.status, StatusCode::SEE_OTHER);
        // A stale version is refused.
        assert_eq!(post(officer.clone(), officer_csrf.clone(), vec![("version", "1".into()), ("action", "answer".into()), ("text", "x".into())]).await.status, StatusCode::CONFLICT);
        assert_eq!(post(officer.clone(), officer_csrf.clone(), vec![("version", "2".into()), ("action", "answer".into()), ("text", "Đã nhắc nhở cán bộ và hẹn lại đúng ngày.".into())]).await.status, StatusCode::SEE_OTHER);
        let (leader, leader_csrf) = app.browser_session("lanhdao").await;
        assert_eq!(post(leader, leader_csrf, vec![("version", "3".into()), ("action", "publish".into())]).await.status, StatusCode::SEE_OTHER);

        // The citizen reads the answer and rates it once.
        let item = app.get_with(&page, &citizen).await;
        assert!(item.body.contains("Đã công khai kết quả") && item.body.contains("Đã nhắc nhở cán bộ") && item.body.contains("Đánh giá câu trả lời"), "{}", item.body);
        let unhappy = post(citizen.clone(), csrf.clone(), vec![("version", "4".into()), ("action", "rate".into()), ("rating", "dissatisfied".into()), ("text", "".into())]).await;
        assert_eq!(unhappy.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", unhappy.body);
        assert_eq!(post(citizen.clone(), csrf.clone(), vec![("version", "4".into()), ("action", "rate".into()), ("rating", "satisfied".into())]).await.status, StatusCode::SEE_OTHER);
        let rated = app.get_with(&page, &citizen).await;
        assert!(rated.body.contains("Người gửi đánh giá: Hài lòng") && !rated.body.contains("Đánh giá câu trả lời</h3>"), "{}", rated.body);
    }
}
