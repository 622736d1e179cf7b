//! Fees and online payment over HTTP on both backends: the officer asks the fee the catalog sets,
//! the citizen pays through the built-in sandbox gateway (a double click sends one reference),
//! forged and replayed reports change nothing and are logged, money at the counter gets a receipt.

mod common;

use axum::http::{header, StatusCode};
use xaso_domain::dossier::{Action, Channel};
use xaso_domain::payment::vnpay;
use xaso_store::dossier::{self, Applicant};
use xaso_store::Store;

/// Chứng thực chữ ký: 10.000 đ per case.
const SIGNATURE: &str = "2.000884";

/// A dossier received (online by `congdan`, accepted; or at the counter).
async fn received(app: &common::TestApp, channel: Channel) -> (String, i64) {
    let rules = xaso_store::testing::dossier_rules();
    let applicant = Applicant {
        name: "Võ Thị Mai".into(),
        ..Default::default()
    };
    let new =
        xaso_store::testing::new_dossier(SIGNATURE, channel, &app.agency_of("motcua"), applicant);
    let submitter = if channel == Channel::Online {
        &app.users["congdan"]
    } else {
        &app.users["motcua"]
    };
    let now = common::start_time();
    let mut tx = app.store.begin().await.expect("begin");
    let mut view = dossier::receive(&mut tx, &rules, &new, submitter, now)
        .await
        .expect("receive");
    if channel == Channel::Online {
        view = dossier::act(
            &mut tx,
            &rules,
            &view.code,
            view.version,
            &Action::Accept { note: None },
            &app.users["motcua"],
            now,
        )
        .await
        .expect("accept");
    }
    tx.commit().await.expect("commit");
    (view.code, view.version)
}

fn location(reply: &common::Reply) -> String {
    reply.headers[header::LOCATION]
        .to_str()
        .expect("ascii")
        .to_string()
}

/// The path and query of an absolute URL on this server.
fn local_part(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.find('/')
        .map_or("/".to_string(), |i| rest[i..].to_string())
}

fn query_pairs(url: &str) -> Vec<(String, String)> {
    let query = url.split_once('?').map_or("", |(_, q)| q);
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            let decode = |t: &str| {
                let t = t.replace('+', " ");
                let mut out = Vec::new();
                let bytes = t.as_bytes();
                let mut i = 0;
                while i < bytes.len() {
                    if bytes[i] == b'%' && i + 3 <= bytes.len() {
                        out.push(u8::from_str_radix(&t[i + 1..i + 3], 16).expect("hex"));
                        i += 3;
                    } else {
                        out.push(bytes[i]);
                        i += 1;
                    }
                }
                String::from_utf8(out).expect("utf-8")
            };
            (decode(k), decode(v))
        })
        .collect()
}

fn as_query(params: &[(String, String)]) -> String {
    params
        .iter()
        .map(|(k, v)| format!("{}={}", vnpay::urlencode(k), vnpay::urlencode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

xaso_store::backend_tests! {
    async fn a_citizen_pays_online_once_through_the_sandbox(store: Store) {
        let app = common::app(store).await;
        let (code, version) = received(&app, Channel::Online).await;
        // The officer asks the fee of two signatures: the amount comes from the catalog.
        let (officer, officer_csrf) = app.browser_session("motcua").await;
        let page = app.get_with(&format!("/can-bo/ho-so/{code}"), &officer).await;
        assert!(page.body.contains("Yêu cầu nộp phí, lệ phí"), "{}", page.body);
        let version_text = version.to_string();
        let asked = app.post_fields(&format!("/can-bo/ho-so/{code}"), &officer, &[("csrf", &officer_csrf), ("version", &version_text), ("action", "request_payment"), ("copies", "2")]).await;
        assert_eq!(asked.status, StatusCode::SEE_OTHER, "{}", asked.body);
        assert!(location(&asked).contains(&xaso_web_percent("Đã yêu cầu nộp 20.000 đ")), "{}", location(&asked));

        // The citizen sees what to pay; a double click sends the same reference to the gateway.
        let (citizen, csrf) = app.browser_session("congdan").await;
        let mine = app.get_with(&format!("/ho-so/{code}"), &citizen).await;
        assert!(mine.body.contains("20.000 đ") && mine.body.contains("Thanh toán trực tuyến"), "{}", mine.body);
        let first = app.post_fields(&format!("/ho-so/{code}/thanh-toan"), &citizen, &[("csrf", &csrf)]).await;
        let second = app.post_fields(&format!("/ho-so/{code}/thanh-toan"), &citizen, &[("csrf", &csrf)]).await;
        assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.body);
        let sent = query_pairs(&location(&first));
        let txn_ref = |pairs: &[(String, String)]| pairs.iter().find(|(k, _)| k == "vnp_TxnRef").map(|(_, v)| v.clone()).expect("reference");
        assert_eq!(txn_ref(&sent), txn_ref(&query_pairs(&location(&second))));
        assert!(sent.iter().any(|(k, v)| k == "vnp_Amount" && v == "2000000"), "{sent:?}");
        assert!(vnpay::verify(&common::test_merchant().secret, &sent), "the request is signed");
        // Someone else cannot start paying it.
        let (other, other_csrf) = app.browser_session("congdan2").await;
        assert_eq!(app.post_fields(&format!("/ho-so/{code}/thanh-toan"), &other, &[("csrf", &other_csrf)]).await.status, StatusCode::NOT_FOUND);

        // The sandbox gateway shows the amount.
        let gateway_page = local_part(&location(&first));
        let shown = app.get_with(&gateway_page, &citizen).await;
        assert!(shown.body.contains("20.000 đ") && shown.body.contains("không có tiền thật"), "{}", shown.body);

        // A forged report (another secret) is refused with 97 and changes nothing.
        let forger = vnpay::Merchant { secret: "doan-mo".into(), ..common::test_merchant() };
        let forged = vnpay::report_params(&forger, &sent, "00", "1", chrono::NaiveDate::from_ymd_opt(2026, 3, 2).expect("d").and_hms_opt(9, 5, 0).expect("t"));
        let answer = app.get(&format!("/api/v1/payments/vnpay/ipn?{}", as_query(&forged))).await;
        assert_eq!(answer.json()["RspCode"], "97", "{}", answer.body);

        // Paying: the sandbox reports to the IPN and sends the browser back.
        let query = gateway_page.split_once('?').map(|(_, q)| q.to_string()).expect("query");
        let paid = app.post_fields(vnpay_sandbox(), &citizen, &[("csrf", &csrf), ("query", &query), ("choice", "pay")]).await;
        assert_eq!(paid.status, StatusCode::SEE_OTHER, "{}", paid.body);
        let back = location(&paid);
        let result = app.get_with(&local_part(&back), &citizen).await;
        assert!(result.body.contains("Thanh toán thành công") && result.body.contains("biên lai số BL2026-"), "{}", result.body);
        // The gateway retrying its IPN, or a replay: "already confirmed", nothing more.
        let report = query_pairs(&back);
        let replay = app.get(&format!("/api/v1/payments/vnpay/ipn?{}", as_query(&report))).await;
        assert_eq!(replay.json()["RspCode"], "02", "{}", replay.body);
        // A second payment of the same reference is refused by the gateway.
        let again = app.post_fields(vnpay_sandbox(), &citizen, &[("csrf", &csrf), ("query", &query), ("choice", "pay")]).await;
        assert_eq!(again.status, StatusCode::BAD_REQUEST, "{}", again.body);

        // The dossier goes on, paid once; every report is logged.
        let dossier = app.get_as("congdan", &format!("/api/v1/dossiers/{code}")).await.json();
        assert_eq!(dossier["status"]["code"], 2, "{dossier}");
        let mut tx = app.store.read().await.expect("read");
        let payments = xaso_store::payment::of_dossier(&mut tx, &code).await.expect("payments");
        assert_eq!(payments.iter().filter(|p| p.status == "paid").count(), 1, "{payments:?}");
        let logged = xaso_store::payment::callbacks(&mut tx, Some(&txn_ref(&sent))).await.expect("log");
        let verdicts: Vec<(&str, &str)> = logged.iter().map(|c| (c.channel.as_str(), c.verdict.as_str())).collect();
        assert_eq!(verdicts, [("ipn", "00"), ("return", "02"), ("ipn", "02")], "{logged:?}");
        assert_eq!(xaso_store::payment::callbacks(&mut tx, None).await.expect("log").len(), 1, "the forged report is logged");
        drop(tx);

        // The receipt, linked from the citizen's page, as PDF.
        let mine = app.get_with(&format!("/ho-so/{code}"), &citizen).await;
        let link = mine.body.split("href=\"").find(|h| h.contains("/bien-lai/")).and_then(|h| h.split('"').next()).expect("receipt link").to_string();
        let receipt = app.get_with(&link, &citizen).await;
        assert_eq!(receipt.status, StatusCode::OK, "{}", receipt.body);
        assert!(receipt.bytes.starts_with(b"%PDF-"));
        let file = std::env::temp_dir().join(format!("xaso-bien-lai-{}.pdf", xaso_store::new_id()));
        std::fs::write(&file, &receipt.bytes).expect("write");
        match std::process::Command::new("pdftotext").args(["-enc", "UTF-8"]).arg(&file).arg("-").output() {
            Ok(out) => {
                let text = String::from_utf8_lossy(&out.stdout);
                for expected in ["BIÊN LAI THU PHÍ, LỆ PHÍ", "Hai mươi nghìn đồng", "20.000 đ", "Võ Thị Mai", code.as_str(), "Trực tuyến qua cổng thanh toán"] {
                    assert!(text.contains(expected), "{expected}: {text}");
                }
            }
            Err(_) => assert!(std::env::var_os("CI").is_none(), "poppler-utils is missing under CI"),
        }
        std::fs::remove_file(file).expect("clean up");
        assert_eq!(app.get_with(&link, &other).await.status, StatusCode::NOT_FOUND, "not someone else's");

        // Reconciliation with the gateway's list of the day: it agrees; an edited list does not.
        let export = app.get_with("/cong-thanh-toan-thu/giao-dich.csv?ngay=2026-03-02", &officer).await;
        assert_eq!(export.status, StatusCode::OK, "{}", export.body);
        assert_eq!(export.body.lines().count(), 2, "{}", export.body);
        let reconcile = |csv: String| {
            let (app, officer, csrf) = (&app, officer.clone(), officer_csrf.clone());
            async move {
                app.post_form("/can-bo/thanh-toan", &officer, &[("csrf", csrf.as_str()), ("ngay", "2026-03-02")], &[("gateway_csv", "giao-dich.csv", csv.as_bytes())]).await
            }
        };
        let agreed = reconcile(export.body.clone()).await;
        assert!(agreed.body.contains("1 thành công") && agreed.body.contains("Khớp: không có chênh lệch"), "{}", agreed.body);
        let edited = export.body.replace(",20000,", ",2000,") + "KHONG-CO-1,999,5000,00,20260302091000\n";
        let differs = app_text(&reconcile(edited).await.body);
        assert!(differs.contains("2 chênh lệch") && differs.contains("hệ thống ghi 20.000 đ, cổng ghi 2.000 đ") && differs.contains("KHONG-CO-1"), "{differs}");
        let broken = reconcile("a,b\n".into()).await;
        assert_eq!(broken.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", broken.body);
    }

    async fn the_counter_takes_the_money_and_gives_a_receipt(store: Store) {
        let app = common::app(store).await;
        let (code, version) = received(&app, Channel::Counter).await;
        let (officer, csrf) = app.browser_session("motcua").await;
        let version_text = version.to_string();
        let bad = app.post_fields(&format!("/can-bo/ho-so/{code}"), &officer, &[("csrf", &csrf), ("version", &version_text), ("action", "request_payment"), ("copies", "hai")]).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
        assert!(bad.body.contains("phải là số nguyên"), "{}", bad.body);
        let asked = app.post_fields(&format!("/can-bo/ho-so/{code}"), &officer, &[("csrf", &csrf), ("version", &version_text), ("action", "request_payment"), ("copies", "1")]).await;
        assert_eq!(asked.status, StatusCode::SEE_OTHER, "{}", asked.body);
        let page = app.get_with(&format!("/can-bo/ho-so/{code}"), &officer).await;
        assert!(page.body.contains("Ghi nhận đã thu phí, lệ phí tại quầy") && page.body.contains("10.000 đ"), "{}", page.body);
        let dossier = app.get_as("motcua", &format!("/api/v1/dossiers/{code}")).await.json();
        let version_text = dossier["version"].to_string();
        let taken = app.post_fields(&format!("/can-bo/ho-so/{code}"), &officer, &[("csrf", &csrf), ("version", &version_text), ("action", "record_payment"), ("method", "cash")]).await;
        assert_eq!(taken.status, StatusCode::SEE_OTHER, "{}", taken.body);
        assert!(location(&taken).contains(&xaso_web_percent("Đã thu 10.000 đ, biên lai số BL2026-")), "{}", location(&taken));
        // Twice: refused, not charged again.
        let twice = app.post_fields(&format!("/can-bo/ho-so/{code}"), &officer, &[("csrf", &csrf), ("version", &version_text), ("action", "record_payment"), ("method", "cash")]).await;
        assert_eq!(twice.status, StatusCode::CONFLICT, "{}", twice.body);
        // Nobody declares a payment through the API.
        let said = app.act("motcua", &app.get_as("motcua", &format!("/api/v1/dossiers/{code}")).await.json(), serde_json::json!({ "action": "paid", "amount": 10000, "reference": "tu-khai" })).await;
        assert!(said.is_err());
    }
}

fn vnpay_sandbox() -> &'static str {
    xaso_web::payment::SANDBOX_PATH
}

/// The message as the redirect carries it (the pages percent-encode it).
fn xaso_web_percent(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Page text with the entities askama writes turned back into characters.
fn app_text(html: &str) -> String {
    html.replace("&#x2F;", "/")
        .replace("&#39;", "'")
        .replace("&quot;", "\"")
}
