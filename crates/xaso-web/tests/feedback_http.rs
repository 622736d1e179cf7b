//! Citizens' feedback through Open311 GeoReport v2 on both backends: the services, a request that
//! round-trips with its deadline, officers handling it to publication, and Open311's errors; on
//! the pages, feedback about a dossier counting against it, counter intake, assignment,
//! forwarding to another commune, and the TT 01/2018 answers at rating.

mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use serde_json::{json, Value};
use xaso_domain::feedback::{Category, FeedbackAction};
use xaso_store::Store;

/// A dossier congdan submits online, handled and returned in Minh Đức on 2 March 2026.
async fn returned_dossier(app: &common::TestApp) -> String {
    let reply = app.post_as("congdan", "/api/v1/dossiers", json!({
        "procedure_code": "1.004873", "channel": "online", "receiving_agency": app.agency_of("motcua"),
        "applicant": { "name": "Võ Thị Mai", "id_number": "075201001234", "phone": "0912345678" },
        "components": common::complete_checklist(app, "1.004873").await
    })).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let mut dossier = reply.json();
    for (user, action) in [
        ("motcua", json!({ "action": "accept" })),
        ("motcua", json!({ "action": "forward" })),
        ("chuyenvien", json!({ "action": "forward" })),
        (
            "lanhdao",
            json!({ "action": "approve", "result_number": "3/2026" }),
        ),
        ("motcua", json!({ "action": "return_result" })),
    ] {
        dossier = app
            .act(user, &dossier, action)
            .await
            .unwrap_or_else(|r| panic!("{}: {}", r.status, r.body));
    }
    assert_eq!(dossier["status"]["code"], 10, "{dossier}");
    dossier["code"].as_str().expect("code").to_string()
}

/// A metric's measure in the leader's March report (targets or index indicators).
fn metric(targets: &Value, name: &str) -> Value {
    let in_targets = targets["scorecard"]["targets"]
        .as_array()
        .into_iter()
        .flatten();
    let in_groups = targets["scorecard"]["groups"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|g| g["indicators"].as_array().into_iter().flatten());
    in_targets
        .chain(in_groups)
        .find(|t| t["metric"] == name)
        .map(|t| t["measure"].clone())
        .unwrap_or_else(|| panic!("{name}: {targets}"))
}

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

        // The citizen was told, in their portal inbox, with the link to the answer.
        let inbox = app.get_with("/thong-bao", &citizen).await;
        assert!(inbox.body.contains(&format!("Phản ánh, kiến nghị {code} đã được trả lời")), "{}", inbox.body);
        assert!(inbox.body.contains(&format!("/phan-anh/{code}")), "{}", inbox.body);
        // The citizen reads the answer and rates it once.
        let item = app.get_with(&page, &citizen).await;
        assert!(item.body.contains("Đã công khai kết quả") && item.body.contains("Đã nhắc nhở cán bộ") && item.body.contains("Đánh giá câu trả lời"), "{}", item.body);
        let unhappy = post(citizen.clone(), csrf.clone(), vec![("version", "4".into()), ("action", "rate".into()), ("rating", "dissatisfied".into()), ("text", "".into())]).await;
        assert_eq!(unhappy.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", unhappy.body);
        assert_eq!(post(citizen.clone(), csrf.clone(), vec![("version", "4".into()), ("action", "rate".into()), ("rating", "satisfied".into())]).await.status, StatusCode::SEE_OTHER);
        let rated = app.get_with(&page, &citizen).await;
        assert!(rated.body.contains("Người gửi đánh giá: Hài lòng") && !rated.body.contains("Đánh giá câu trả lời</h3>"), "{}", rated.body);
    }

    async fn feedback_about_a_dossier_counts_against_it_and_the_rating_scores_tt01(store: Store) {
        let app = common::app(store).await;
        app.at("2026-03-02T09:00");
        let dossier = returned_dossier(&app).await;
        let march = "/api/v1/reports/targets?from=2026-03-01&to=2026-03-31";
        let targets = app.get_as("lanhdao", march).await.json();
        assert_eq!(metric(&targets, "handling_satisfaction"), json!({ "kind": "rate", "numerator": 1, "denominator": 1 }));
        assert_eq!(metric(&targets, "feedback_on_time")["kind"], "no_data", "{targets}");

        // Someone else's dossier and an unknown one get the same refusal: nothing leaks.
        app.at("2026-03-03T09:00");
        let (other, other_csrf) = app.browser_session("congdan2").await;
        let mut refusals = Vec::new();
        for code in [dossier.as_str(), "000.00.61.H19-260302-9999"] {
            let refused = app.post_fields("/phan-anh", &other, &[("csrf", &other_csrf), ("service_code", "can-bo"), ("description", "Cán bộ hẹn trả kết quả sai ngày"), ("dossier_code", code)]).await;
            assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
            assert!(refused.body.contains("trong các hồ sơ của bạn"), "{}", refused.body);
            refusals.push(refused.body.replace(code, "…"));
        }
        assert_eq!(refusals[0], refusals[1]);

        // The applicant's feedback about their dossier goes to the commune handling it.
        let (citizen, csrf) = app.browser_session("congdan").await;
        let sent = app.post_fields("/phan-anh", &citizen, &[("csrf", &csrf), ("service_code", "can-bo"), ("description", "Cán bộ một cửa hẹn trả kết quả sai ngày"), ("dossier_code", &dossier)]).await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
        let page = sent.headers[header::LOCATION].to_str().expect("ascii").to_string();
        let code = page.trim_start_matches("/phan-anh/").to_string();
        let item = app.get_with(&page, &citizen).await;
        assert!(item.body.contains(&format!("href=\"/ho-so/{dossier}\"")), "{}", item.body);
        // Both views of the dossier list it.
        assert!(app.get_with(&format!("/ho-so/{dossier}"), &citizen).await.body.contains(&code));
        let (officer, officer_csrf) = app.browser_session("chuyenvien").await;
        let staff_view = app.get_with(&format!("/can-bo/ho-so/{dossier}"), &officer).await;
        assert!(staff_view.body.contains("Phản ánh, kiến nghị về hồ sơ") && staff_view.body.contains(&code), "{}", staff_view.body);

        // Classified as about conduct, it makes the dossier one "with complaint" (QĐ 766).
        let act = |fields: Vec<(&'static str, String)>| {
            let (app, page, officer, csrf) = (&app, page.clone(), officer.clone(), officer_csrf.clone());
            async move {
                let mut all: Vec<(&str, &str)> = vec![("csrf", csrf.as_str())];
                all.extend(fields.iter().map(|(k, v)| (*k, v.as_str())));
                app.post_fields(&page, &officer, &all).await
            }
        };
        assert_eq!(act(vec![("version", "1".into()), ("action", "classify".into()), ("category", "conduct".into())]).await.status, StatusCode::SEE_OTHER);
        let targets = app.get_as("lanhdao", march).await.json();
        assert_eq!(metric(&targets, "handling_satisfaction"), json!({ "kind": "rate", "numerator": 0, "denominator": 1 }), "{targets}");
        assert_eq!(act(vec![("version", "2".into()), ("action", "answer".into()), ("text", "Đã nhắc nhở cán bộ một cửa.".into())]).await.status, StatusCode::SEE_OTHER);
        let rated = app.post_fields(&page, &citizen, &[("csrf", &csrf), ("version", "3"), ("action", "rate"), ("rating", "satisfied")]).await;
        assert_eq!(rated.status, StatusCode::SEE_OTHER, "{}", rated.body);
        let targets = app.get_as("lanhdao", march).await.json();
        assert_eq!(metric(&targets, "feedback_on_time"), json!({ "kind": "rate", "numerator": 1, "denominator": 1 }), "{targets}");
        assert_eq!(metric(&targets, "feedback_satisfaction"), json!({ "kind": "rate", "numerator": 1, "denominator": 1 }), "{targets}");
        // Indicator 8: its complaint was answered in time.
        assert_eq!(targets["satisfaction"]["indicators"][7]["score"], 2.0, "{targets}");
        let province = app.get_as("tinh", "/api/v1/reports/targets?agency=tinh&from=2026-03-01&to=2026-03-31").await.json();
        assert_eq!(metric(&province, "feedback_on_time")["numerator"], 1, "{province}");

        // The applicant rates the dossier with the optional TT 01/2018 questions.
        let rate = |fields: Vec<(&'static str, &'static str)>| {
            let (app, citizen, csrf, dossier) = (&app, citizen.clone(), csrf.clone(), dossier.clone());
            async move {
                let mut all = vec![("csrf", csrf.as_str())];
                all.extend(fields);
                app.post_fields(&format!("/ho-so/{dossier}/danh-gia"), &citizen, &all).await
            }
        };
        let form = app.get_with(&format!("/ho-so/{dossier}"), &citizen).await;
        assert!(form.body.contains("Số cơ quan, đơn vị bạn phải liên hệ") && form.body.contains("Gây phiền hà, sách nhiễu"), "{}", form.body);
        let wrong = rate(vec![("rating", "satisfied"), ("attitude", "khong-co")]).await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", wrong.body);
        assert_eq!(rate(vec![("rating", "satisfied"), ("bodies_contacted", "2"), ("attitude", "lich-su")]).await.status, StatusCode::SEE_OTHER);
        let targets = app.get_as("lanhdao", march).await.json();
        let indicators = &targets["satisfaction"]["indicators"];
        assert_eq!((indicators[3]["score"].as_f64(), indicators[6]["score"].as_f64()), (Some(1.0), Some(2.0)), "{targets}");
    }

    async fn counter_intake_assignment_and_forwarding_to_another_commune(store: Store) {
        let app = common::app(store).await;
        // Thursday 16 April 2026.
        app.at("2026-04-16T10:00");
        let (counter, counter_csrf) = app.browser_session("motcua").await;
        let recorded = app.post_fields("/phan-anh/quay", &counter, &[("csrf", &counter_csrf), ("author_name", "Trần Thị Lan"), ("author_contact", "0987654321"), ("service_code", "ha-tang"), ("description", "Đèn đường ấp 2 tắt đã hai tuần")]).await;
        assert_eq!(recorded.status, StatusCode::SEE_OTHER, "{}", recorded.body);
        let page = recorded.headers[header::LOCATION].to_str().expect("ascii").to_string();
        let code = page.trim_start_matches("/phan-anh/").to_string();
        let mut tx = app.store.read().await.expect("read");
        let item = xaso_store::feedback::by_code(&mut tx, &code).await.expect("read").expect("item");
        let audit = xaso_store::audit::for_entity(&mut tx, "feedback", &item.id.to_string()).await.expect("audit");
        tx.commit().await.expect("commit");
        assert_eq!((item.channel.as_str(), item.author_name.as_str(), item.author_id), ("counter", "Trần Thị Lan", None));
        assert!(audit.iter().any(|a| a.action == "feedback.counter" && a.actor == "motcua"), "{audit:?}");
        let unknown = app.post_fields("/phan-anh/quay", &counter, &[("csrf", &counter_csrf), ("author_name", "Trần Thị Lan"), ("service_code", "can-bo"), ("description", "Hồ sơ của tôi bị hẹn lại nhiều lần"), ("dossier_code", "000.00.61.H19-260416-0001")]).await;
        assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", unknown.body);
        assert!(unknown.body.contains("không tìm thấy hồ sơ 000.00.61.H19-260416-0001 của xã"), "{}", unknown.body);
        let (citizen, citizen_csrf) = app.browser_session("congdan").await;
        let not_staff = app.post_fields("/phan-anh/quay", &citizen, &[("csrf", &citizen_csrf), ("author_name", "X"), ("service_code", "ha-tang"), ("description", "Nội dung đủ dài để gửi")]).await;
        assert_eq!(not_staff.status, StatusCode::FORBIDDEN, "{}", not_staff.body);

        // The leader assigns it to a specialist of the commune, not to one of another commune.
        let (leader, leader_csrf) = app.browser_session("lanhdao").await;
        let post = |cookie: &str, csrf: &str, fields: &[(&str, &str)]| {
            let mut all = vec![("csrf".to_string(), csrf.to_string())];
            all.extend(fields.iter().map(|(k, v)| (k.to_string(), v.to_string())));
            let (app, page, cookie) = (&app, page.clone(), cookie.to_string());
            async move {
                let all: Vec<(&str, &str)> = all.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                app.post_fields(&page, &cookie, &all).await
            }
        };
        let elsewhere = post(&leader, &leader_csrf, &[("version", "1"), ("action", "assign"), ("specialist", "chuyenvien.tk")]).await;
        assert_eq!(elsewhere.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", elsewhere.body);
        assert_eq!(post(&leader, &leader_csrf, &[("version", "1"), ("action", "assign"), ("specialist", "chuyenvien")]).await.status, StatusCode::SEE_OTHER);
        let shown = app.get_with(&page, &leader).await;
        assert!(shown.body.contains("<dd id=\"chuyen-vien\">Trần Văn Minh</dd>") && shown.body.contains("Giao chuyên viên Trần Văn Minh xử lý"), "{}", shown.body);
        assert!(app.get_with("/phan-anh", &leader).await.body.contains("<td>Trần Văn Minh</td>"));
        let (other_leader, other_csrf) = app.browser_session("lanhdao.tk").await;
        assert_eq!(post(&other_leader, &other_csrf, &[("version", "2"), ("action", "assign"), ("specialist", "chuyenvien.tk")]).await.status, StatusCode::NOT_FOUND);

        // Forwarded to Tân Khai on Monday 20 April: it moves there with its clock restarted.
        let before = app.get(&format!("/open311/v2/requests/{code}.json")).await.json();
        app.at("2026-04-20T09:00");
        // Days later: new sessions.
        let (leader, leader_csrf) = app.browser_session("lanhdao").await;
        let (other_leader, other_csrf) = app.browser_session("lanhdao.tk").await;
        let tan_khai = app.agency_of("lanhdao.tk");
        let nowhere = post(&leader, &leader_csrf, &[("version", "2"), ("action", "forward_agency"), ("agency_code", "000.00.99.H19")]).await;
        assert_eq!(nowhere.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", nowhere.body);
        let forwarded = post(&leader, &leader_csrf, &[("version", "2"), ("action", "forward_agency"), ("agency_code", &tan_khai)]).await;
        assert_eq!(forwarded.status, StatusCode::SEE_OTHER, "{}", forwarded.body);
        assert_eq!(app.get_with(&page, &leader).await.status, StatusCode::NOT_FOUND, "the first commune no longer sees it");
        assert!(!app.get_with("/phan-anh", &leader).await.body.contains(&code));
        let there = app.get_with(&page, &other_leader).await;
        assert!(there.status == StatusCode::OK && there.body.contains("Chuyển UBND xã Tân Khai"), "{}", there.body);
        assert!(app.get_with("/phan-anh", &other_leader).await.body.contains(&code));
        let after = app.get(&format!("/open311/v2/requests/{code}.json")).await.json();
        assert_eq!(after[0]["agency_responsible"], "UBND xã Tân Khai", "{after}");
        assert_ne!(after[0]["expected_datetime"], before[0]["expected_datetime"]);
        let rules = xaso_store::testing::dossier_rules();
        let calendar = rules.calendars.for_agency(Some(&tan_khai)).expect("calendar");
        let moved_at = xaso_domain::calendar::deadline::parse_instant("2026-04-20T09:00").expect("instant");
        let mut tx = app.store.read().await.expect("read");
        let item = xaso_store::feedback::by_code(&mut tx, &code).await.expect("read").expect("item");
        tx.commit().await.expect("commit");
        assert_eq!(item.state.clock_from, moved_at);
        assert_eq!(item.state.deadlines, xaso_domain::feedback::deadlines(&rules.feedback, &calendar, moved_at).expect("deadlines"));
        assert_eq!(item.assigned_to, None, "the new commune assigns it again");
        // Tân Khai's officers handle it now.
        assert_eq!(post(&other_leader, &other_csrf, &[("version", "3"), ("action", "classify"), ("category", "within_authority")]).await.status, StatusCode::SEE_OTHER);
        assert_eq!(post(&other_leader, &other_csrf, &[("version", "4"), ("action", "assign"), ("specialist", "chuyenvien.tk")]).await.status, StatusCode::SEE_OTHER);
    }
}
