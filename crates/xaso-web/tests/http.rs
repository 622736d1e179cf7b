//! HTTP tests against the real router, on SQLite and on PostgreSQL.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use chrono::Utc;
use xaso_store::audit::Actor;
use xaso_store::identity;
use xaso_store::Store;

mod common;

use common::{Reply, PASSWORD};

async fn app(store: Store) -> common::TestApp {
    common::app(store).await
}

async fn send(app: &common::TestApp, request: Request<Body>) -> Reply {
    app.send(request).await
}

async fn get(app: &common::TestApp, uri: &str) -> Reply {
    app.get(uri).await
}

fn error_code(reply: &Reply) -> String {
    reply.error_code()
}

xaso_store::backend_tests! {
    async fn procedures_api_searches_and_pages(store: Store) {
        let app = app(store).await;
        let reply = get(&app, "/api/v1/procedures?q=dang%20ki%20khai%20sinh").await;
        assert_eq!(reply.status, StatusCode::OK);
        let body = reply.json();
        assert_eq!(body["items"][0]["code"], "1.001193");
        assert_eq!(body["items"][0]["name"], "Đăng ký khai sinh");

        let upper = get(&app, "/api/v1/procedures?q=%C4%90%C4%82NG%20K%C3%9D%20KHAI%20SINH").await.json();
        assert_eq!(upper["items"][0]["code"], "1.001193");

        let page1 = get(&app, "/api/v1/procedures?per_page=10&page=1").await.json();
        let page2 = get(&app, "/api/v1/procedures?per_page=10&page=2").await.json();
        assert!(page1["total"].as_u64().unwrap_or(0) >= 28);
        assert_eq!(page1["items"].as_array().map(Vec::len), Some(10));
        assert_ne!(page1["items"][0]["code"], page2["items"][0]["code"]);

        let civil = get(&app, "/api/v1/procedures?field=h%E1%BB%99%20t%E1%BB%8Bch&per_page=100").await.json();
        let items = civil["items"].as_array().cloned().unwrap_or_default();
        assert!(!items.is_empty());
        assert!(items.iter().all(|p| p["field"] == "Hộ tịch"));
    }

    async fn bad_queries_are_400_and_unknown_codes_404(store: Store) {
        let app = app(store).await;
        for uri in ["/api/v1/procedures?page=0", "/api/v1/procedures?page=abc", "/api/v1/procedures?per_page=1000", "/api/v1/procedures/not-a-code"] {
            let reply = get(&app, uri).await;
            assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{uri}: {}", reply.body);
            assert_eq!(error_code(&reply), "bad_request");
            assert!(!reply.json()["error"]["message"].as_str().unwrap_or_default().is_empty());
        }
        let long = format!("/api/v1/procedures?q={}", "a".repeat(300));
        assert_eq!(get(&app, &long).await.status, StatusCode::BAD_REQUEST);
        let reply = get(&app, "/api/v1/procedures/9.999999").await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND);
        assert_eq!(error_code(&reply), "not_found");
        let reply = get(&app, "/api/v1/khong-co").await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND);
        assert_eq!(error_code(&reply), "not_found");
    }

    async fn one_procedure_with_its_details(store: Store) {
        let app = app(store).await;
        let reply = get(&app, "/api/v1/procedures/2.000815").await;
        assert_eq!(reply.status, StatusCode::OK);
        let body = reply.json();
        assert_eq!(body["version"], 1);
        assert_eq!(body["fee"]["kind"], "per_page");
        assert!(body["fee_text"].as_str().unwrap_or_default().contains("200.000 đ"));
        assert!(!body["component"].as_array().cloned().unwrap_or_default().is_empty());
        assert!(!body["legal_basis"].as_array().cloned().unwrap_or_default().is_empty());
        assert_eq!(get(&app, "/api/v1/procedures/2.000815?version=1").await.status, StatusCode::OK);
        assert_eq!(get(&app, "/api/v1/procedures/2.000815?version=2").await.status, StatusCode::NOT_FOUND);
    }

    async fn agencies_tree(store: Store) {
        let app = app(store).await;
        let body = get(&app, "/api/v1/agencies").await.json();
        let items = body["items"].as_array().cloned().unwrap_or_default();
        let minh_duc = items.iter().find(|a| a["name"] == "UBND xã Minh Đức").expect("Minh Đức");
        assert_eq!(minh_duc["kind"], "commune");
        assert_eq!(minh_duc["parent_code"], items[0]["agency_code"]);
        let centres = items.iter().filter(|a| a["kind"] == "centre" && a["name"].as_str().is_some_and(|n| n.contains("Phục vụ hành chính công"))).count();
        assert!(centres >= 3, "each demo commune has a centre");
    }

    async fn login_cookie_and_api_token_identify_the_caller(store: Store) {
        let app = app(store.clone()).await;
        assert_eq!(get(&app, "/api/v1/me").await.status, StatusCode::UNAUTHORIZED);
        let login = |password: &str| {
            Request::post("/api/v1/auth/login")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(serde_json::json!({ "username": "motcua", "password": password }).to_string()))
                .expect("request")
        };
        let wrong = send(&app, login("sai-mat-khau-roi")).await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
        let unknown = send(&app, Request::post("/api/v1/auth/login")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(r#"{"username":"khongco","password":"sai-mat-khau-roi"}"#)).expect("request")).await;
        assert_eq!(unknown.body, wrong.body, "unknown user and wrong password answer alike");

        let ok = send(&app, login(PASSWORD)).await;
        assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
        let cookie = ok.headers[header::SET_COOKIE].to_str().expect("ascii").to_string();
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
        let session = cookie.split(';').next().expect("pair").to_string();
        let me = send(&app, Request::get("/api/v1/me").header(header::COOKIE, &session).body(Body::empty()).expect("request")).await;
        assert_eq!(me.status, StatusCode::OK);
        assert_eq!(me.json()["username"], "motcua");
        assert_eq!(me.json()["roles"][0], "counter_officer");

        let out = send(&app, Request::post("/api/v1/auth/logout").header(header::COOKIE, &session).body(Body::empty()).expect("request")).await;
        assert_eq!(out.status, StatusCode::NO_CONTENT);
        let after = send(&app, Request::get("/api/v1/me").header(header::COOKIE, &session).body(Body::empty()).expect("request")).await;
        assert_eq!(after.status, StatusCode::UNAUTHORIZED);

        let now = Utc::now();
        let mut tx = store.begin().await.expect("begin");
        let token = identity::create_api_token(&mut tx, "motcua", "test", now, &Actor::system("test")).await.expect("token");
        tx.commit().await.expect("commit");
        let by_token = send(&app, Request::get("/api/v1/me").header(header::AUTHORIZATION, format!("Bearer {token}")).body(Body::empty()).expect("request")).await;
        assert_eq!(by_token.json()["username"], "motcua");
        let forged = send(&app, Request::get("/api/v1/me").header(header::AUTHORIZATION, "Bearer xaso_deadbeef").body(Body::empty()).expect("request")).await;
        assert_eq!(forged.status, StatusCode::UNAUTHORIZED);
        // Changing one's own password: the old one stops working, the token's owner signs in anew.
        let change = |current: &str, new: &str| {
            Request::post("/api/v1/me/password")
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(serde_json::json!({ "current_password": current, "new_password": new }).to_string()))
                .expect("request")
        };
        assert_eq!(send(&app, change("sai-mat-khau-roi", "mat-khau-moi-dai-hon")).await.status, StatusCode::FORBIDDEN);
        let short = send(&app, change(PASSWORD, "ngan")).await;
        assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", short.body);
        assert_eq!(send(&app, change(PASSWORD, "mat-khau-moi-dai-hon")).await.status, StatusCode::NO_CONTENT);
        assert_eq!(send(&app, login(PASSWORD)).await.status, StatusCode::UNAUTHORIZED);
        assert_eq!(send(&app, login("mat-khau-moi-dai-hon")).await.status, StatusCode::OK);

        let not_json = send(&app, Request::post("/api/v1/auth/login").body(Body::from("username=motcua")).expect("request")).await;
        assert_eq!(not_json.status, StatusCode::BAD_REQUEST);
        assert_eq!(error_code(&not_json), "bad_request");
    }

    async fn pages_are_vietnamese_and_escaped(store: Store) {
        let app = app(store).await;
        let home = get(&app, "/").await;
        assert_eq!(home.status, StatusCode::OK);
        assert!(home.headers[header::CONTENT_TYPE].to_str().unwrap_or_default().starts_with("text/html"));
        assert!(home.body.contains("<html lang=\"vi\">"));
        assert!(home.body.contains("Tra cứu thủ tục hành chính"));
        assert!(home.body.contains("Đăng ký khai sinh"));
        assert!(home.body.contains("Hộ tịch"));

        let search = get(&app, "/?q=dang+ky+khai+sinh").await;
        let first = search.body.find("/thu-tuc/").map(|i| &search.body[i..i + 17]);
        assert_eq!(first, Some("/thu-tuc/1.001193"));

        let hostile = get(&app, "/?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E").await;
        assert_eq!(hostile.status, StatusCode::OK);
        assert!(!hostile.body.contains("<script>alert(1)"));
        assert!(hostile.body.contains("&#60;script&#62;") || hostile.body.contains("&lt;script&gt;"), "escaped query shown");

        let page = get(&app, "/thu-tuc/1.001193").await;
        assert_eq!(page.status, StatusCode::OK);
        for text in ["Đăng ký khai sinh", "Thành phần hồ sơ", "Thời hạn giải quyết", "Phí, lệ phí", "Căn cứ pháp lý", "Luật Hộ tịch"] {
            assert!(page.body.contains(text), "procedure page lacks {text}");
        }
        let missing = get(&app, "/thu-tuc/9.999999").await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
        assert!(missing.body.contains("không có thủ tục mã 9.999999"));
        let css = get(&app, "/static/style.css").await;
        assert!(css.headers[header::CONTENT_TYPE].to_str().unwrap_or_default().starts_with("text/css"));
    }

    async fn calendar_api(store: Store) {
        let app = app(store).await;
        let year = get(&app, "/api/v1/calendar/2026").await;
        assert_eq!(year.status, StatusCode::OK, "{}", year.body);
        let days = year.json()["days"].as_array().cloned().unwrap_or_default();
        let kind_of = |date: &str| days.iter().find(|d| d["date"] == date).map(|d| d["kind"].as_str().unwrap_or_default().to_string());
        assert_eq!(kind_of("2026-01-02").as_deref(), Some("day_off"));
        assert_eq!(kind_of("2026-01-10").as_deref(), Some("working_weekend"));
        assert_eq!(kind_of("2026-02-17").as_deref(), Some("holiday"));
        assert_eq!(kind_of("2026-04-27").as_deref(), Some("substitute"));

        let lunar = get(&app, "/api/v1/calendar/lunar?date=2026-02-17").await.json();
        assert_eq!(lunar, serde_json::json!({ "solar": "2026-02-17", "lunar": { "year": 2026, "month": 1, "day": 1, "leap": false } }));
        let solar = get(&app, "/api/v1/calendar/solar?lunar=2025-06-01&leap=true").await.json();
        assert_eq!(solar["solar"], "2025-07-25");

        let deadline = get(&app, "/api/v1/deadline?from=2026-02-13T16:10&days=3").await;
        assert_eq!(deadline.status, StatusCode::OK, "{}", deadline.body);
        assert_eq!(deadline.json()["due"], "2026-02-25T17:00:00+07:00");
        assert!(deadline.json()["explanation"].to_string().contains("Tết Nguyên đán"));

        for bad in ["/api/v1/calendar/lunar?date=2026-02-31", "/api/v1/calendar/1800", "/api/v1/calendar/abc", "/api/v1/deadline?from=2026-02-13T16:10", "/api/v1/deadline?from=2026-02-13T16:10&days=3&hours=2", "/api/v1/deadline?from=hôm-nay&days=3", "/api/v1/calendar/solar?lunar=2024-06-01&leap=true"] {
            let reply = get(&app, bad).await;
            assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{bad}: {}", reply.body);
            assert_eq!(error_code(&reply), "bad_request");
        }
        assert_eq!(get(&app, "/api/v1/calendar/2026?agency=999.99.99.H99").await.status, StatusCode::NOT_FOUND);
        assert_eq!(get(&app, "/api/v1/calendar/2026?agency=000.00.61.H19").await.status, StatusCode::OK);
    }

    async fn health_and_metrics(store: Store) {
        let app = app(store.clone()).await;
        let health = get(&app, "/healthz").await;
        assert_eq!(health.status, StatusCode::OK);
        assert_eq!(health.json()["status"], "ok");
        get(&app, "/api/v1/procedures").await;
        get(&app, "/api/v1/procedures/9.999999").await;
        let metrics = get(&app, "/metrics").await;
        assert!(metrics.headers[header::CONTENT_TYPE].to_str().unwrap_or_default().starts_with("text/plain"));
        assert!(metrics.body.contains("xaso_http_requests_total{method=\"GET\",route=\"/api/v1/procedures\",status=\"200\"} 1"), "{}", metrics.body);
        assert!(metrics.body.contains("route=\"/api/v1/procedures/{code}\",status=\"404\"} 1"), "{}", metrics.body);
        assert!(metrics.body.contains("xaso_database_up{backend="), "{}", metrics.body);
        let shipped = xaso_store::testing::shipped_catalog().len();
        assert!(metrics.body.lines().any(|l| l == format!("xaso_procedures {shipped}")), "{}", metrics.body);
        // The store's write transactions so far (the catalog and accounts were written through it).
        let counter = |name: &str| -> f64 {
            let line = metrics.body.lines().find(|l| l.starts_with(&format!("{name} "))).unwrap_or_else(|| panic!("{name}: {}", metrics.body));
            line[name.len() + 1..].parse().unwrap_or_else(|e| panic!("{line}: {e}"))
        };
        let writes = counter("xaso_write_transactions_total");
        assert!(writes >= 1.0 && writes <= store.write_totals().transactions as f64, "{writes}");
        let held = counter("xaso_write_held_seconds_total");
        assert!(held > 0.0 && held <= store.write_totals().held.as_secs_f64(), "{held}");
        assert!(counter("xaso_write_waited_seconds_total") >= 0.0);
    }

    async fn over_https_cookies_are_secure_and_hsts_is_sent(store: Store) {
        let app = common::app_with(store, |mut state| {
            state.https = true;
            state
        })
        .await;
        let form = app.get("/dang-nhap").await;
        assert_eq!(form.headers[header::STRICT_TRANSPORT_SECURITY], "max-age=31536000");
        let csrf = form.headers[header::SET_COOKIE].to_str().expect("ascii").to_string();
        assert!(csrf.starts_with("xaso_csrf=") && csrf.ends_with("; Secure"), "{csrf}");
        let token = csrf.split(';').next().and_then(|c| c.strip_prefix("xaso_csrf=")).expect("token").to_string();
        let login = app
            .send(
                Request::post("/dang-nhap")
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .header(header::COOKIE, format!("xaso_csrf={token}"))
                    .body(Body::from(format!("csrf={token}&username=motcua&password={PASSWORD}")))
                    .expect("request"),
            )
            .await;
        let session = login.headers[header::SET_COOKIE].to_str().expect("ascii");
        assert!(session.starts_with("xaso_session=") && session.contains("HttpOnly") && session.ends_with("; Secure"), "{session}");
    }

    async fn every_response_carries_the_security_headers(store: Store) {
        let app = app(store).await;
        // A page, an API answer, a missing page, the stylesheet: all framed by the same policy.
        for uri in ["/", "/api/v1/procedures", "/khong-co-trang-nay", "/static/style.css", "/tra-cuu?ma=X"] {
            let reply = app.get(uri).await;
            let header = |name: header::HeaderName| reply.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
            let policy = header(header::CONTENT_SECURITY_POLICY);
            assert!(policy.contains("script-src 'self'") && policy.contains("frame-ancestors 'none'"), "{uri}: {policy}");
            assert!(!policy.contains("unsafe-inline"), "{uri}: {policy}");
            assert_eq!(header(header::X_CONTENT_TYPE_OPTIONS), "nosniff", "{uri}");
            assert_eq!(header(header::X_FRAME_OPTIONS), "DENY", "{uri}");
            assert_eq!(header(header::REFERRER_POLICY), "same-origin", "{uri}");
        }
        // Over plain HTTP (a commune's own machine): no HSTS, cookies without Secure.
        let (cookie, _) = app.browser_session("motcua").await;
        assert!(cookie.starts_with("xaso_session="));
        let login = app.get("/dang-nhap").await;
        assert!(login.headers.get(header::STRICT_TRANSPORT_SECURITY).is_none());
        assert!(!login.headers[header::SET_COOKIE].to_str().unwrap_or_default().contains("Secure"));
        // No page has an inline script or style for the policy to block.
        let home = app.get("/").await;
        assert!(!home.body.contains("<script>") && !home.body.contains(" style=") && !home.body.contains("<style"), "{}", home.body);
    }
}

xaso_store::backend_tests! {
    async fn pages_need_a_login_and_forms_need_their_token(store: Store) {
        let app = app(store).await;
        let staff = get(&app, "/can-bo").await;
        assert_eq!(staff.status, StatusCode::SEE_OTHER);
        assert_eq!(staff.headers[header::LOCATION], "/dang-nhap?tiep=%2Fcan-bo");
        // The login page hands out the form token in a cookie and in the form.
        let page = get(&app, "/dang-nhap?tiep=/can-bo").await;
        let cookie = page.headers[header::SET_COOKIE].to_str().expect("ascii").to_string();
        let token = cookie.split(';').next().and_then(|c| c.strip_prefix("xaso_csrf=")).expect("csrf cookie").to_string();
        assert!(page.body.contains(&format!("value=\"{token}\"")));
        let login = |csrf: &str, cookie: Option<&str>| {
            let mut request = Request::post("/dang-nhap").header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
            if let Some(cookie) = cookie {
                request = request.header(header::COOKIE, format!("xaso_csrf={cookie}"));
            }
            request
                .body(Body::from(format!("csrf={csrf}&username=motcua&password={PASSWORD}&tiep=%2Fcan-bo")))
                .expect("request")
        };
        // A forged form (no cookie, or another token) is refused before anything happens.
        assert_eq!(send(&app, login(&token, None)).await.status, StatusCode::FORBIDDEN);
        assert_eq!(send(&app, login(&"0".repeat(64), Some(&token))).await.status, StatusCode::FORBIDDEN);
        let ok = send(&app, login(&token, Some(&token))).await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER);
        assert_eq!(ok.headers[header::LOCATION], "/can-bo");
        let session = ok.headers[header::SET_COOKIE].to_str().expect("ascii").split(';').next().expect("pair").to_string();
        let inbox = send(&app, Request::get("/can-bo").header(header::COOKIE, format!("{session}; xaso_csrf={token}")).body(Body::empty()).expect("request")).await;
        assert_eq!(inbox.status, StatusCode::OK);
        assert!(inbox.body.contains("Hồ sơ cần xử lý"));
        // An outside address in `tiep` is not followed.
        let outside = send(&app, Request::post("/dang-nhap").header(header::CONTENT_TYPE, "application/x-www-form-urlencoded").header(header::COOKIE, format!("xaso_csrf={token}"))
            .body(Body::from(format!("csrf={token}&username=motcua&password={PASSWORD}&tiep=%2F%2Fevil.example"))).expect("request")).await;
        assert_eq!(outside.headers[header::LOCATION], "/");
    }

    async fn citizens_do_not_see_the_staff_workspace(store: Store) {
        let app = app(store).await;
        let page = get(&app, "/dang-nhap").await;
        let token = page.headers[header::SET_COOKIE].to_str().expect("ascii").split(';').next().and_then(|c| c.strip_prefix("xaso_csrf=")).expect("token").to_string();
        let ok = send(&app, Request::post("/dang-nhap").header(header::CONTENT_TYPE, "application/x-www-form-urlencoded").header(header::COOKIE, format!("xaso_csrf={token}"))
            .body(Body::from(format!("csrf={token}&username=congdan&password={PASSWORD}"))).expect("request")).await;
        let session = ok.headers[header::SET_COOKIE].to_str().expect("ascii").split(';').next().expect("pair").to_string();
        let staff = send(&app, Request::get("/can-bo").header(header::COOKIE, session).body(Body::empty()).expect("request")).await;
        assert_eq!(staff.status, StatusCode::FORBIDDEN);
    }
}

xaso_store::backend_tests! {
    async fn administration_is_for_administrators(store: Store) {
        let app = app(store).await;
        assert_eq!(get(&app, "/quan-tri").await.status, StatusCode::SEE_OTHER);
        let page = get(&app, "/dang-nhap").await;
        let token = page.headers[header::SET_COOKIE].to_str().expect("ascii").split(';').next().and_then(|c| c.strip_prefix("xaso_csrf=")).expect("token").to_string();
        let ok = send(&app, Request::post("/dang-nhap").header(header::CONTENT_TYPE, "application/x-www-form-urlencoded").header(header::COOKIE, format!("xaso_csrf={token}"))
            .body(Body::from(format!("csrf={token}&username=lanhdao&password={PASSWORD}"))).expect("request")).await;
        let session = ok.headers[header::SET_COOKIE].to_str().expect("ascii").split(';').next().expect("pair").to_string();
        let denied = send(&app, Request::get("/quan-tri").header(header::COOKIE, session).body(Body::empty()).expect("request")).await;
        assert_eq!(denied.status, StatusCode::FORBIDDEN);
    }
}
