//! E-mail to citizens through a real SMTP server on loopback (aiosmtpd, `scripts/smtp-sink.py`):
//! the Vietnamese subject and body arrive intact, and a delivery worker killed mid-delivery —
//! once before the server took the message, once after it took it but before it answered —
//! loses nothing when started again. Delivery is at least once: the message the server took
//! without answering is sent again, under the same Message-ID (the outbox id, the idempotency
//! key), so the receiver recognises the copy and suppresses it; every other message arrives once.
//!
//! Without `XASO_PYTHON` (scripts/test sets it, with aiosmtpd installed) the test says SKIPPED,
//! except under CI, where that is a failure.

mod common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use common::{run, temp_dir, text, xaso};
use xaso_domain::dossier::Channel;
use xaso_store::dossier::Applicant;
use xaso_store::Store;

fn python() -> Option<String> {
    match std::env::var("XASO_PYTHON") {
        Ok(python) => Some(python),
        Err(_) if std::env::var_os("CI").is_some() => {
            panic!("XASO_PYTHON (with aiosmtpd) is missing under CI: the e-mail test must run")
        }
        Err(_) => {
            eprintln!("*** SKIPPED e-mail test: set XASO_PYTHON to a Python with aiosmtpd (scripts/test does) ***");
            None
        }
    }
}

struct Sink {
    child: Child,
    port: u16,
    out: PathBuf,
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn sink(python: &str, dir: &Path, flags: &[&str]) -> Sink {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/smtp-sink.py");
    let out = dir.join("sink.jsonl");
    let mut child = Command::new(python)
        .arg(script)
        .arg("--out")
        .arg(&out)
        .args(flags)
        .stdout(Stdio::piped())
        .spawn()
        .expect("the SMTP sink starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("the sink prints its port");
    let port = line
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("a port, not {line:?}"));
    Sink { child, port, out }
}

fn records(sink: &Sink) -> Vec<serde_json::Value> {
    std::fs::read_to_string(&sink.out)
        .unwrap_or_default()
        .lines()
        .map(|line| serde_json::from_str(line).expect("JSON line"))
        .collect()
}

fn wait_for(sink: &Sink, event: &str) {
    let start = Instant::now();
    while !records(sink).iter().any(|r| r["event"] == event) {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the sink never saw {event}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Four counter dossiers received for applicants who left an e-mail address.
fn prepare(data_dir: &Path) -> Vec<(String, String, String)> {
    std::fs::create_dir_all(data_dir.join("files")).expect("data dir");
    let url = format!("sqlite://{}", data_dir.join("xaso.db").display());
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let store = Store::open(&url).await.expect("open");
        store.migrate().await.expect("migrate");
        let now = Utc
            .with_ymd_and_hms(2026, 4, 16, 3, 0, 0)
            .single()
            .expect("time");
        let users = xaso_store::testing::demo_world(&store, now).await;
        let rules = xaso_store::testing::dossier_rules();
        let officer = &users["motcua"];
        let centre = officer.agency_code.clone().expect("centre");
        let mut tx = store.begin().await.expect("begin");
        let mut codes = Vec::new();
        for (i, name) in [
            "Nguyễn Thị Hoà",
            "Trần Đức Thắng",
            "Lê Thị Ngọc Ánh",
            "Phạm Văn Đông",
        ]
        .iter()
        .enumerate()
        {
            let new = xaso_store::testing::new_dossier(
                "2.000884",
                Channel::Counter,
                &centre,
                Applicant {
                    name: name.to_string(),
                    email: Some(format!("nguoi-{i}@example.vn")),
                    ..Default::default()
                },
            );
            codes.push(
                xaso_store::dossier::receive(&mut tx, &rules, &new, officer, now)
                    .await
                    .expect("receive")
                    .code,
            );
        }
        tx.commit().await.expect("commit");
        let mut tx = store.read().await.expect("read");
        let mut rows = Vec::new();
        for code in &codes {
            let view = xaso_store::dossier::view(&mut tx, &rules, code, now)
                .await
                .expect("view")
                .expect("found");
            rows.extend(view.messages);
        }
        assert!(rows.iter().all(|m| m.channel == "email"));
        drop(tx);
        store.close().await;
        rows.sort_by_key(|m| m.id);
        rows.into_iter()
            .map(|m| (m.id.to_string(), m.subject, m.body))
            .collect()
    })
}

fn worker(dir: &Path, data_dir: &Path, port: u16, args: &[&str]) -> Command {
    let smtp = format!("smtp://127.0.0.1:{port}");
    let data = data_dir.display().to_string();
    let mut all = vec!["notifications", "deliver", "--lease-seconds", "2"];
    all.extend_from_slice(args);
    let env = [
        ("XASO_DATA_DIR", data.as_str()),
        ("XASO_DEMO", "false"),
        ("XASO_SMTP_URL", smtp.as_str()),
        (
            "XASO_SMTP_FROM",
            "UBND xã Minh Đức <khong-tra-loi@minhduc.gov.vn>",
        ),
    ];
    let mut command = xaso(dir, &all, &env);
    command.stdout(Stdio::null());
    command
}

#[test]
fn email_arrives_intact_and_a_killed_worker_loses_nothing() {
    let Some(python) = python() else { return };
    let dir = temp_dir("notifications");
    let data_dir = dir.join("xaso-data");
    let outbox = prepare(&data_dir);
    assert_eq!(outbox.len(), 4);
    let sink = sink(
        &python,
        &dir,
        &["--hang-at-rcpt-once", "--hang-after-data-once"],
    );

    // 1. Killed while the server has not taken the first message (no answer to RCPT TO).
    let mut first = worker(&dir, &data_dir, sink.port, &[])
        .spawn()
        .expect("worker");
    wait_for(&sink, "hang-at-rcpt");
    first.kill().expect("SIGKILL");
    let _ = first.wait();
    assert!(
        records(&sink).iter().all(|r| r["event"] != "message"),
        "nothing taken yet"
    );

    // 2. After the lease, a new worker takes the messages over; killed after the server took the
    //    first one but before it answered.
    std::thread::sleep(Duration::from_millis(2200));
    let mut second = worker(&dir, &data_dir, sink.port, &[])
        .spawn()
        .expect("worker");
    wait_for(&sink, "hang-after-data");
    second.kill().expect("SIGKILL");
    let _ = second.wait();

    // 3. Once more after the lease: everything goes out, the unanswered one again.
    std::thread::sleep(Duration::from_millis(2200));
    let last = worker(&dir, &data_dir, sink.port, &["--once"])
        .output()
        .expect("worker");
    assert!(last.status.success(), "{}", text(&last.stderr));

    let messages: Vec<serde_json::Value> = records(&sink)
        .into_iter()
        .filter(|r| r["event"] == "message")
        .collect();
    let mut copies: BTreeMap<String, Vec<&serde_json::Value>> = BTreeMap::new();
    for message in &messages {
        copies
            .entry(
                message["message_id"]
                    .as_str()
                    .expect("Message-ID")
                    .to_string(),
            )
            .or_default()
            .push(message);
    }
    eprintln!(
        "e-mail kill test: {} messages in the outbox, {} deliveries received, {} distinct Message-IDs",
        outbox.len(),
        messages.len(),
        copies.len()
    );
    assert_eq!(
        messages.len(),
        outbox.len() + 1,
        "one message twice, the others once"
    );
    assert_eq!(copies.len(), outbox.len(), "every message arrived");
    for (id, subject, body) in &outbox {
        let received = &copies[&format!("<{id}@minhduc.gov.vn>")];
        for copy in received {
            // Intact Vietnamese: the subject and the body as the reader decodes them.
            assert_eq!(copy["subject"].as_str(), Some(subject.as_str()));
            assert!(
                subject.starts_with("Hồ sơ ") && subject.ends_with(" đã được tiếp nhận"),
                "{subject}"
            );
            let got = copy["body"].as_str().expect("body").replace("\r\n", "\n");
            assert_eq!(got.trim_end(), body.trim_end());
            assert!(
                got.contains("Kính gửi ") && got.contains("Ngày hẹn trả kết quả:"),
                "{got}"
            );
            assert_eq!(
                copy["from"].as_str(),
                Some("UBND xã Minh Đức <khong-tra-loi@minhduc.gov.vn>")
            );
            assert_eq!(copy["content_type"].as_str(), Some("text/plain"));
            assert_eq!(
                copy["headers_ascii"].as_bool(),
                Some(true),
                "headers encoded for any server"
            );
        }
        // The copies of the message sent twice are the same message: a receiver keeps one.
        if received.len() == 2 {
            assert_eq!(received[0]["body"], received[1]["body"]);
        }
    }
    let twice: Vec<&String> = copies
        .iter()
        .filter(|(_, c)| c.len() == 2)
        .map(|(id, _)| id)
        .collect();
    assert_eq!(
        twice,
        [&format!("<{}@minhduc.gov.vn>", outbox[0].0)],
        "the first, unanswered one"
    );

    // The outbox agrees: all sent; the first after three attempts.
    let data = data_dir.display().to_string();
    let status = run(
        &dir,
        &["notifications", "status"],
        &[("XASO_DATA_DIR", data.as_str()), ("XASO_DEMO", "false")],
    );
    assert_eq!(text(&status.stdout), "email\tsent\t4\n");
}
