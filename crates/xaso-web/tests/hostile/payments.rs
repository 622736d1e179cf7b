//! Amounts out of range in the payment gateway's reports, even correctly signed (a gateway bug
//! or a leaked key): nothing is paid, the dossier does not move. Every report is logged, by design.

use axum::http::{header, StatusCode};
use serde_json::json;
use xaso_domain::payment::vnpay;
use xaso_store::Store;

/// Chứng thực chữ ký: 10.000 đ per case.
const SIGNATURE: &str = "2.000884";

/// The pairs of a URL's query string, decoded.
fn query_pairs(url: &str) -> Vec<(String, String)> {
    let decode = |text: &str| {
        let text = text.replace('+', " ");
        let bytes = text.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' && i + 3 <= bytes.len() {
                out.push(u8::from_str_radix(&text[i + 1..i + 3], 16).expect("hex"));
                i += 3;
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        String::from_utf8(out).expect("utf-8")
    };
    url.split_once('?')
        .map_or("", |(_, q)| q)
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
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
    async fn signed_reports_with_amounts_out_of_range_pay_nothing(store: Store) {
        let app = crate::hostile::app(store).await;
        let submitted = app.post_as("congdan", "/api/v1/dossiers", json!({
            "procedure_code": SIGNATURE, "channel": "online", "receiving_agency": app.agency_of("motcua"),
            "applicant": { "name": "Võ Thị Mai" }, "components": crate::common::complete_checklist(&app, SIGNATURE).await
        })).await;
        assert_eq!(submitted.status, StatusCode::CREATED, "{}", submitted.body);
        let dossier = app.act("motcua", &submitted.json(), json!({ "action": "accept" })).await.expect("accept");
        let code = dossier["code"].as_str().expect("code").to_string();
        let (officer, officer_csrf) = app.browser_session("motcua").await;
        let version = dossier["version"].to_string();
        let asked = app.post_fields(&format!("/can-bo/ho-so/{code}"), &officer, &[("csrf", &officer_csrf), ("version", &version), ("action", "request_payment"), ("copies", "2")]).await;
        assert_eq!(asked.status, StatusCode::SEE_OTHER, "{}", crate::hostile::excerpt(&asked.body));
        let (citizen, csrf) = app.browser_session("congdan").await;
        let started = app.post_fields(&format!("/ho-so/{code}/thanh-toan"), &citizen, &[("csrf", &csrf)]).await;
        assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", crate::hostile::excerpt(&started.body));
        let sent = query_pairs(started.headers[header::LOCATION].to_str().expect("ascii"));
        let before = app.get_as("congdan", &format!("/api/v1/dossiers/{code}")).await.json();
        assert_eq!(before["status"]["code"], 6, "waiting for the fee");
        let paid_at = chrono::NaiveDate::from_ymd_opt(2026, 3, 2).expect("day").and_hms_opt(9, 5, 0).expect("time");
        for amount in ["-2000000", "0", "1", "2000001", "18446744073709551616", "340282366920938463463374607431768211456", "1e309", "NaN", "20000.00", " 2000000", ""] {
            let mut request = sent.clone();
            for (key, value) in request.iter_mut() {
                if key == "vnp_Amount" {
                    *value = amount.to_string();
                }
            }
            let report = vnpay::report_params(&crate::common::test_merchant(), &request, "00", "77", paid_at);
            assert!(vnpay::verify(&crate::common::test_merchant().secret, &report), "signed as the gateway signs");
            let answer = app.get(&format!("/api/v1/payments/vnpay/ipn?{}", as_query(&report))).await;
            assert_eq!(answer.status, StatusCode::OK, "the gateway's protocol answers 200");
            assert_ne!(answer.json()["RspCode"], "00", "amount {amount:?}: {}", answer.body);
            let returned = app.get_with(&format!("/thanh-toan/ket-qua?{}", as_query(&report)), &citizen).await;
            assert!(returned.status.is_success() || returned.status.is_client_error(), "{}", returned.status);
            assert!(!returned.body.contains("Thanh toán thành công"), "amount {amount:?}");
            crate::hostile::assert_escaped(&returned.body, "payment result");
            let after = app.get_as("congdan", &format!("/api/v1/dossiers/{code}")).await.json();
            assert_eq!((&after["status"], &after["version"]), (&before["status"], &before["version"]), "amount {amount:?}");
            let mut tx = app.store.read().await.expect("read");
            let payments = xaso_store::payment::of_dossier(&mut tx, &code).await.expect("payments");
            assert!(payments.iter().all(|p| p.status != "paid"), "amount {amount:?}: {payments:?}");
        }
    }
}
