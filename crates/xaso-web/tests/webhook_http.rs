//! Webhooks on both backends: an administrator subscribes a receiver on loopback through the API;
//! a dossier's changes are delivered signed (HMAC-SHA256 over the timestamp and body, checked
//! here with the secret shown at subscription), only the events subscribed to; a receiver that
//! answers 500 gets the delivery again after the backoff; the delivery log shows every try; a
//! replay sends the same payload again as a new delivery.

mod common;

use std::sync::{Arc, Mutex};

use axum::http::StatusCode;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use xaso_domain::identity::Role;
use xaso_store::Store;

/// What the receiver got: headers (lower-case names) and body.
type Received = Arc<Mutex<Vec<(Vec<(String, String)>, String)>>>;

/// A minimal HTTP receiver: records each request and answers with the next status of `answers`
/// (200 once they run out).
async fn receiver(answers: Vec<u16>) -> (String, Received) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/xaso-hook", listener.local_addr().expect("addr"));
    let received: Received = Arc::default();
    let log = received.clone();
    let answers = Arc::new(Mutex::new(answers.into_iter()));
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut raw = Vec::new();
            let mut buffer = [0u8; 4096];
            let (head, body) = loop {
                let n = socket.read(&mut buffer).await.unwrap_or(0);
                if n == 0 {
                    break (String::new(), String::new());
                }
                raw.extend_from_slice(&buffer[..n]);
                let text = String::from_utf8_lossy(&raw).to_string();
                if let Some((head, body)) = text.split_once("\r\n\r\n") {
                    let length = head
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                        })
                        .unwrap_or(0);
                    if body.len() >= length {
                        break (head.to_string(), body.to_string());
                    }
                }
            };
            let headers = head
                .lines()
                .skip(1)
                .filter_map(|l| l.split_once(':'))
                .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
                .collect();
            log.lock().expect("log").push((headers, body));
            let status = answers.lock().expect("answers").next().unwrap_or(200);
            let reply =
                format!("HTTP/1.1 {status} X\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
            let _ = socket.write_all(reply.as_bytes()).await;
        }
    });
    (url, received)
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> &'a str {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("no {name} in {headers:?}"))
}

xaso_store::backend_tests! {
    async fn subscribed_events_are_delivered_signed_retried_logged_and_replayed(store: Store) {
        let mut app = common::app(store).await;
        app.add_user("quantri", "Lý Văn Quản", Role::Administrator, None).await;
        app.at("2026-03-02T09:00");
        let (url, received) = receiver(vec![500]).await;
        // Only administrators connect systems.
        let refused = app.post_as("motcua", "/api/v1/webhooks", json!({ "url": url, "events": ["dossier.status_changed"] })).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
        let bad = app.post_as("quantri", "/api/v1/webhooks", json!({ "url": "ftp://x", "events": ["dossier.status_changed"] })).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
        let made = app.post_as("quantri", "/api/v1/webhooks", json!({ "url": url, "events": ["dossier.status_changed"] })).await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
        let subscription = made.json()["id"].as_str().expect("id").to_string();
        let secret = made.json()["secret"].as_str().expect("secret").to_string();
        assert!(!app.get_as("quantri", "/api/v1/webhooks").await.body.contains(&secret), "the secret is shown once");

        // A counter dossier, forwarded by the counter (status 4), then by the specialist (still 4).
        let components = common::complete_checklist(&app, "1.004873").await;
        let created = app.post_as("motcua", "/api/v1/dossiers", json!({
            "procedure_code": "1.004873", "channel": "counter", "receiving_agency": app.agency_of("motcua"),
            "applicant": { "name": "Nguyễn Văn An", "id_number": "075201001234", "phone": "0912345678" },
            "components": components, "decision": { "decision": "accept" }
        })).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        let dossier = created.json();
        let dossier = app.act("motcua", &dossier, json!({ "action": "forward" })).await.expect("forward");
        let dossier = app.act("chuyenvien", &dossier, json!({ "action": "forward" })).await.expect("forward");
        let code = dossier["code"].as_str().expect("code").to_string();

        let clock_at = |local: &str| xaso_domain::calendar::deadline::parse_instant(local).expect("instant");
        let worker = xaso_store::integration::Worker::new(app.store.clone(), Default::default()).expect("worker");
        let deliver = |local: &'static str| {
            let worker = &worker;
            async move {
                let now = clock_at(local);
                worker.deliver_due(&move || now).await.expect("deliver")
            }
        };
        // Rounds until nothing is due (a round sends one message of each dossier's chain).
        let drain = |local: &'static str| {
            let worker = &worker;
            async move {
                let now = clock_at(local);
                let clock = move || now;
                xaso_store::integration::drain(|| worker.deliver_due(&clock)).await.expect("deliver").sent
            }
        };
        // The first try meets a 500: the webhook waits. The portal's copies (received, then in
        // handling) are both set aside in the claim's transaction, there being no portal here,
        // each with its try logged.
        let first = deliver("2026-03-02T09:01").await;
        assert_eq!((first.sent, first.retrying, first.skipped), (0, 1, 2), "the chain waits after the failure: {first:?}");
        assert_eq!(received.lock().expect("log").len(), 1);
        let mut tx = app.store.read().await.expect("read");
        let portal = xaso_store::integration::deliveries(&mut tx, None, 10).await.expect("portal log");
        assert_eq!(portal.iter().map(|m| (m.status.as_str(), m.attempts)).collect::<Vec<_>>(), [("skipped", 1), ("skipped", 1)]);
        for message in &portal {
            let tries = xaso_store::integration::attempts(&mut tx, message.id).await.expect("tries");
            assert_eq!(tries.len(), 1, "{tries:?}");
            assert!(tries[0].3.as_deref().is_some_and(|e| e.contains("portal_url")), "{tries:?}");
        }
        tx.rollback().await.expect("rollback");
        let again = deliver("2026-03-02T09:01").await;
        assert_eq!((again.sent, again.retrying, again.skipped), (0, 0, 0), "not before the backoff: {again:?}");
        assert_eq!(received.lock().expect("log").len(), 1);
        assert_eq!(drain("2026-03-02T09:02").await, 2, "the retried one, then the next of the chain");
        let got = received.lock().expect("log").clone();
        assert_eq!(got.len(), 3);
        let now = clock_at("2026-03-02T09:02");
        for (headers, body) in &got {
            assert_eq!(header(headers, "x-xaso-event"), "dossier.status_changed");
            let signature = header(headers, "x-xaso-signature");
            assert!(
                xaso_domain::integration::verify_signature(&secret, signature, body.as_bytes(), now, chrono::Duration::minutes(5)),
                "{signature} over {body}"
            );
            assert!(!xaso_domain::integration::verify_signature("khac", signature, body.as_bytes(), now, chrono::Duration::minutes(5)));
            assert!(!body.contains("Nguyễn Văn An"), "no personal data in events: {body}");
        }
        let bodies: Vec<Value> = got.iter().map(|(_, b)| serde_json::from_str(b).expect("JSON")).collect();
        assert_eq!(bodies[0], bodies[1], "the retry is the same delivery");
        assert_eq!(header(&got[0].0, "x-xaso-delivery"), header(&got[1].0, "x-xaso-delivery"));
        let statuses: Vec<i64> = bodies[1..].iter().map(|b| b["dossier"]["status"]["code"].as_i64().expect("status")).collect();
        assert_eq!(statuses, [2, 4], "received, then in handling — the specialist's forward changes no status");
        assert!(bodies.iter().all(|b| b["dossier"]["code"] == code.as_str()));

        // The log: the first delivery tried twice, 500 then 200.
        let log = app.get_as("quantri", &format!("/api/v1/webhooks/{subscription}/deliveries")).await;
        assert_eq!(log.status, StatusCode::OK, "{}", log.body);
        let items = log.json()["items"].as_array().expect("items").clone();
        assert_eq!(items.len(), 2, "{items:?}");
        let oldest = items.last().expect("oldest");
        assert_eq!(oldest["status"], "sent");
        let tries: Vec<Value> = oldest["tries"].as_array().expect("tries").iter().map(|t| t["http_status"].clone()).collect();
        assert_eq!(tries, [json!(500), json!(200)]);

        // A replay: the same payload again, as a new delivery.
        let replayed = app.post_as("quantri", &format!("/api/v1/webhooks/deliveries/{}/replay", oldest["id"].as_str().expect("id")), json!({})).await;
        assert_eq!(replayed.status, StatusCode::ACCEPTED, "{}", replayed.body);
        assert_eq!(drain("2026-03-02T09:03").await, 1);
        let got = received.lock().expect("log").clone();
        assert_eq!(got.len(), 4);
        assert_eq!(got[3].1, got[0].1, "the same payload");
        assert_ne!(header(&got[3].0, "x-xaso-delivery"), header(&got[0].0, "x-xaso-delivery"));

        // Disabled, nothing more is queued.
        let off = app.post_as("quantri", &format!("/api/v1/webhooks/{subscription}/disable"), json!({})).await;
        assert_eq!(off.status, StatusCode::NO_CONTENT, "{}", off.body);
        let current = app.get_as("lanhdao", &format!("/api/v1/dossiers/{code}")).await.json();
        let approved = app.act("lanhdao", &current, json!({ "action": "approve", "result_number": "7/2026" })).await.expect("approve");
        assert_eq!(approved["status"]["code"], 9, "a status change the subscription would have wanted");
        assert_eq!(drain("2026-03-02T09:05").await, 0);
        assert_eq!(received.lock().expect("log").len(), 4);
    }
}
