//! The outbox on both backends: messages are written with the event or not at all; workers
//! claim each due message once, retry with a growing delay, give up on what cannot succeed, and
//! take over a message whose worker died mid-send (sending it again under the same key). The SMS
//! gateway is a small HTTP server on loopback that records what it is sent.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, TimeZone, Utc};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use xaso_domain::dossier::{Action, Channel};
use xaso_store::dossier::{self, Applicant};
use xaso_store::identity::User;
use xaso_store::notification::{self, Channels, SmsGateway, Worker};
use xaso_store::testing::{demo_world, dossier_rules};
use xaso_store::Store;

fn now() -> DateTime<Utc> {
    // Thursday 16 April 2026, 10:00 in Vietnam.
    Utc.with_ymd_and_hms(2026, 4, 16, 3, 0, 0)
        .single()
        .expect("valid")
}

/// What the fake gateway was sent: (Idempotency-Key, JSON body).
type Received = Arc<Mutex<Vec<(String, serde_json::Value)>>>;

/// An SMS gateway on loopback answering each request with the next of `answers` (then 200);
/// status 0 means "never answer" (a gateway that hangs).
async fn gateway(answers: Vec<u16>) -> (String, Received) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/gui-tin", listener.local_addr().expect("address"));
    let received: Received = Arc::default();
    let answers = Arc::new(Mutex::new(answers.into_iter()));
    let log = received.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let log = log.clone();
            let answers = answers.clone();
            tokio::spawn(async move {
                let mut buffer = Vec::new();
                let mut chunk = [0u8; 4096];
                let (head, body) = loop {
                    let n = socket.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    buffer.extend_from_slice(&chunk[..n]);
                    let text = String::from_utf8_lossy(&buffer).into_owned();
                    if let Some(end) = text.find("\r\n\r\n") {
                        let head = text[..end].to_string();
                        let length: usize = head
                            .lines()
                            .find_map(|l| {
                                l.to_ascii_lowercase()
                                    .strip_prefix("content-length:")
                                    .map(|v| v.trim().parse().unwrap_or(0))
                            })
                            .unwrap_or(0);
                        if buffer.len() >= end + 4 + length {
                            break (head, buffer[end + 4..end + 4 + length].to_vec());
                        }
                    }
                };
                let key = head
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("idempotency-key:")
                            .map(|v| v.trim().to_string())
                    })
                    .unwrap_or_default();
                let json = serde_json::from_slice(&body).expect("the gateway gets JSON");
                log.lock().expect("log").push((key, json));
                let status = answers.lock().expect("answers").next().unwrap_or(200);
                if status == 0 {
                    tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
                    return;
                }
                let reply = format!(
                    "HTTP/1.1 {status} X\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
                );
                let _ = socket.write_all(reply.as_bytes()).await;
            });
        }
    });
    (url, received)
}

fn worker(store: &Store, url: &str) -> Worker {
    let sms = SmsGateway::new(url, None, Some("khoa-thu")).expect("gateway");
    Worker::new(
        store.clone(),
        Channels {
            email: None,
            sms: Some(sms),
        },
    )
}

/// Receives a counter dossier whose applicant left a phone and an e-mail address.
async fn receive(store: &Store, officer: &User, i: usize) -> String {
    let rules = dossier_rules();
    let centre = officer.agency_code.clone().expect("centre");
    let new = xaso_store::testing::new_dossier(
        "2.000884",
        Channel::Counter,
        &centre,
        Applicant {
            name: format!("Nguyễn Thị Hoà {i}"),
            phone: Some(format!("09123456{i:02}")),
            email: Some(format!("hoa{i}@example.vn")),
            ..Default::default()
        },
    );
    let mut tx = store.begin().await.expect("begin");
    let code = dossier::receive(&mut tx, &rules, &new, officer, now())
        .await
        .expect("receive")
        .code;
    tx.commit().await.expect("commit");
    code
}

/// The demo world and `count` received dossiers.
async fn received_dossiers(store: &Store, count: usize) -> (HashMap<String, User>, Vec<String>) {
    let users = demo_world(store, now()).await;
    let mut codes = Vec::new();
    for i in 0..count {
        codes.push(receive(store, &users["motcua"], i).await);
    }
    (users, codes)
}

async fn messages(store: &Store, code: &str) -> Vec<notification::Message> {
    let mut tx = store.read().await.expect("read");
    dossier::view(&mut tx, &dossier_rules(), code, now())
        .await
        .expect("view")
        .expect("found")
        .messages
}

xaso_store::backend_tests! {
    async fn messages_are_written_with_the_event_or_not_at_all(store: Store) {
        let users = demo_world(&store, now()).await;
        let rules = dossier_rules();
        let officer = &users["motcua"];
        let centre = officer.agency_code.clone().expect("centre");
        let applicant = Applicant {
            name: "Trần Văn Bình".into(),
            phone: Some("0912345678".into()),
            email: Some("binh@example.vn".into()),
            ..Default::default()
        };
        let new = xaso_store::testing::new_dossier("2.000884", Channel::Counter, &centre, applicant.clone());
        // A transaction that does not commit leaves no message behind.
        let mut tx = store.begin().await.expect("begin");
        let dropped = dossier::receive(&mut tx, &rules, &new, officer, now()).await.expect("receive");
        drop(tx);
        let mut tx = store.read().await.expect("read");
        assert!(dossier::view(&mut tx, &rules, &dropped.code, now()).await.expect("view").is_none());
        drop(tx);

        let mut tx = store.begin().await.expect("begin");
        let view = dossier::receive(&mut tx, &rules, &new, officer, now()).await.expect("receive");
        tx.commit().await.expect("commit");
        let sent = messages(&store, &view.code).await;
        let channels: Vec<(&str, &str, &str)> = sent.iter().map(|m| (m.channel.as_str(), m.recipient.as_str(), m.status.as_str())).collect();
        assert_eq!(channels, [("email", "binh@example.vn", "pending"), ("sms", "0912345678", "pending")]);
        assert_eq!(sent[0].subject, format!("Hồ sơ {} đã được tiếp nhận", view.code));
        assert!(sent[0].body.starts_with("Kính gửi Trần Văn Bình,"), "{}", sent[0].body);
        assert!(sent[0].body.contains(&format!("http://xa.example/tra-cuu?ma={}", view.code)), "{}", sent[0].body);
        assert!(sent[1].body.contains("hẹn trả kết quả "), "{}", sent[1].body);

        // An online dossier: nothing until the counter accepts it; then the citizen's portal inbox too.
        let citizen = &users["congdan"];
        let online = xaso_store::testing::new_dossier("2.000884", Channel::Online, &centre, Applicant { name: citizen.full_name.clone(), id_number: Some("075201001234".into()), ..Default::default() });
        let mut tx = store.begin().await.expect("begin");
        let submitted = dossier::receive(&mut tx, &rules, &online, citizen, now()).await.expect("submit");
        tx.commit().await.expect("commit");
        assert!(messages(&store, &submitted.code).await.is_empty());
        let mut tx = store.begin().await.expect("begin");
        let accepted = dossier::act(&mut tx, &rules, &submitted.code, submitted.version, &Action::Accept { note: None }, officer, now()).await.expect("accept");
        let asked = dossier::act(
            &mut tx, &rules, &accepted.code, accepted.version,
            &Action::RequestSupplement { items: vec!["Bản sao CCCD".into()], reason: "bản chụp mờ".into() },
            officer, now(),
        ).await;
        // Whether or not the workflow lets the counter ask now, the inbox follows what happened.
        tx.commit().await.expect("commit");
        let inbox = {
            let mut tx = store.read().await.expect("read");
            notification::inbox(&mut tx, citizen.id, 10).await.expect("inbox")
        };
        let subjects: Vec<&str> = inbox.iter().map(|m| m.subject.as_str()).collect();
        let mut expected = Vec::new();
        if asked.is_ok() {
            expected.push(format!("Hồ sơ {} cần bổ sung giấy tờ", submitted.code));
        }
        expected.push(format!("Hồ sơ {} đã được tiếp nhận", submitted.code));
        assert_eq!(subjects, expected);
        assert!(inbox.iter().all(|m| m.status == "sent" && m.channel == "in_app" && m.read_at.is_none()));
        let mut tx = store.begin().await.expect("begin");
        assert_eq!(notification::mark_read(&mut tx, citizen.id, now()).await.expect("read"), inbox.len() as u64);
        tx.commit().await.expect("commit");
    }

    async fn workers_deliver_each_message_once_retry_and_give_up(store: Store) {
        let (users, codes) = received_dossiers(&store, 6).await;
        // Two workers at once over the same outbox, a gateway that answers everything.
        let (url, received) = gateway(vec![]).await;
        let (a, b) = (worker(&store, &url), worker(&store, &url));
        let clock = || now() + Duration::seconds(1);
        let (first, second) = tokio::join!(a.deliver_due(&clock), b.deliver_due(&clock));
        let (first, second) = (first.expect("a"), second.expect("b"));
        // Six SMS sent between them; the six e-mails skipped, there being no SMTP server here.
        assert_eq!(first.sent + second.sent, 6, "{first:?} {second:?}");
        assert_eq!(first.skipped + second.skipped, 6);
        let log = received.lock().expect("log").clone();
        let keys: std::collections::BTreeSet<&String> = log.iter().map(|(k, _)| k).collect();
        assert_eq!((keys.len(), log.len()), (6, 6), "each message once");
        let body = &log[0].1;
        assert!(body["to"].as_str().is_some_and(|to| to.starts_with("09123456")), "{body}");
        assert!(body["text"].as_str().is_some_and(|t| t.contains("đã tiếp nhận hồ sơ")), "{body}");
        assert_eq!(body["id"].as_str(), Some(log[0].0.as_str()));
        for code in &codes {
            let states: Vec<(String, String)> = messages(&store, code).await.into_iter().map(|m| (m.channel, m.status)).collect();
            assert_eq!(states, [("email".to_string(), "skipped".to_string()), ("sms".into(), "sent".into())]);
        }
        assert!(a.deliver_due(&clock).await.expect("again").claimed() == 0, "nothing left");

        // A gateway that fails: 503 is tried again after a minute, then 4; 400 is given up at once.
        let (url, received) = gateway(vec![503, 400, 503]).await;
        let w = worker(&store, &url);
        let codes = [receive(&store, &users["motcua"], 10).await, receive(&store, &users["motcua"], 11).await];
        let t = now() + Duration::minutes(10);
        let round = w.deliver_due(&|| t).await.expect("round");
        assert_eq!((round.sent, round.retrying, round.failed, round.skipped), (0, 1, 1, 2), "{round:?}");
        let sms = |m: &notification::Message| m.channel == "sms";
        let first: Vec<_> = messages(&store, &codes[0]).await.into_iter().filter(sms).collect();
        let second: Vec<_> = messages(&store, &codes[1]).await.into_iter().filter(sms).collect();
        assert_eq!((first[0].event.as_str(), first[0].event_label()), ("ho-so-tiep-nhan", "Tiếp nhận hồ sơ"));
        let (retrying, failed) = if first[0].status == "pending" { (&first[0], &second[0]) } else { (&second[0], &first[0]) };
        assert_eq!((retrying.attempts, retrying.status_label()), (1, "Gửi lỗi, sẽ gửi lại"));
        assert_eq!(retrying.next_attempt_at, t + Duration::minutes(1));
        assert!(retrying.last_error.as_deref().is_some_and(|e| e.contains("503")), "{retrying:?}");
        assert_eq!((failed.status.as_str(), failed.attempts), ("failed", 1));
        assert!(failed.last_error.as_deref().is_some_and(|e| e.contains("400")), "{failed:?}");
        // Not due yet 30 seconds later; 503 again at one minute (next wait: 4 minutes); sent after.
        assert_eq!(w.deliver_due(&|| t + Duration::seconds(30)).await.expect("early").claimed(), 0);
        assert_eq!(w.deliver_due(&|| t + Duration::seconds(61)).await.expect("second").retrying, 1);
        assert_eq!(w.deliver_due(&|| t + Duration::minutes(4)).await.expect("not yet").claimed(), 0);
        assert_eq!(w.deliver_due(&|| t + Duration::minutes(6)).await.expect("third").sent, 1);
        let keys: Vec<String> = received.lock().expect("log").iter().map(|(k, _)| k.clone()).collect();
        assert_eq!(keys.len(), 4);
        assert_eq!(keys.iter().filter(|k| **k == retrying.id.to_string()).count(), 3, "the same key each time");
    }

    async fn a_message_whose_worker_died_mid_send_is_taken_over(store: Store) {
        let (_, codes) = received_dossiers(&store, 1).await;
        // The gateway takes the request and never answers; the worker is killed while waiting.
        let (url, received) = gateway(vec![0]).await;
        let dying = worker(&store, &url);
        let t = now() + Duration::seconds(1);
        let task = tokio::spawn(async move { dying.deliver_due(&move || t).await });
        while received.lock().expect("log").is_empty() {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        task.abort();
        let sms = |all: Vec<notification::Message>| all.into_iter().find(|m| m.channel == "sms").expect("sms");
        let held = sms(messages(&store, &codes[0]).await);
        assert_eq!((held.status.as_str(), held.status_label()), ("sending", "Đang gửi"));
        // While the lease holds nobody takes it; after two minutes another worker does, sends it
        // again under the same key (at least once), and records it sent.
        let other = worker(&store, &url);
        assert_eq!(other.deliver_due(&|| t + Duration::seconds(90)).await.expect("held").sent, 0);
        assert_eq!(other.deliver_due(&|| t + Duration::seconds(121)).await.expect("taken over").sent, 1);
        let log = received.lock().expect("log").clone();
        assert_eq!(log.len(), 2);
        assert_eq!(log[0].0, log[1].0);
        assert_eq!(log[0].0, held.id.to_string());
        let done = sms(messages(&store, &codes[0]).await);
        assert_eq!((done.status.as_str(), done.attempts), ("sent", 2));
    }
}
