//! The national portal's status sync against a stand-in portal on loopback
//! (`scripts/mock-portal.py`, which checks every payload against REFERENCES §1 on its own and
//! records it): `xaso serve` sends every status change of the demo dossiers and of new ones; the
//! portal is then stopped (SIGKILL) while dossiers change, and started again: every change
//! arrives, each dossier's in the order of its versions, every payload valid.
//!
//! Without `XASO_PYTHON` (scripts/test sets it) the test says SKIPPED, except under CI.

mod common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{run, start, temp_dir, text};
use serde_json::{json, Value};

fn python() -> Option<String> {
    match std::env::var("XASO_PYTHON") {
        Ok(python) => Some(python),
        Err(_) if std::env::var_os("CI").is_some() => {
            panic!("XASO_PYTHON is missing under CI: the portal sync test must run")
        }
        Err(_) => {
            eprintln!("*** SKIPPED portal sync test: set XASO_PYTHON (scripts/test does) ***");
            None
        }
    }
}

struct Portal {
    child: Child,
}

impl Drop for Portal {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn portal(python: &str, port: u16, record: &Path) -> Portal {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/mock-portal.py");
    let mut child = Command::new(python)
        .arg(script)
        .arg(port.to_string())
        .arg(record)
        .stdout(Stdio::piped())
        .spawn()
        .expect("the mock portal starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("the portal says it listens");
    assert!(line.contains("listening"), "{line}");
    Portal { child }
}

fn received(record: &Path) -> Vec<Value> {
    std::fs::read_to_string(record)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("address")
        .port()
}

fn token(dir: &Path, env: &[(&str, &str)], user: &str) -> String {
    let out = run(dir, &["user", "token", user, "--name", "kiểm thử"], env);
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout).trim().to_string()
}

/// The portal's received versions of each dossier, valid ones, without repeats.
fn versions(record: &Path) -> BTreeMap<String, Vec<(i64, i64)>> {
    let mut by_dossier: BTreeMap<String, Vec<(i64, i64)>> = BTreeMap::new();
    let mut seen = std::collections::HashSet::new();
    for line in received(record) {
        assert_eq!(line["valid"], true, "the portal refused a payload: {line}");
        if !seen.insert(line["key"].as_str().expect("key").to_string()) {
            continue;
        }
        let r = &line["record"];
        by_dossier
            .entry(r["MaHoSo"].as_str().expect("code").to_string())
            .or_default()
            .push((
                r["PhienBan"].as_i64().expect("version"),
                r["TrangThaiHoSo"].as_i64().expect("status"),
            ));
    }
    by_dossier
}

fn wait_until(what: &str, limit: Duration, done: impl Fn() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < limit, "timed out waiting: {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn every_change_reaches_the_portal_in_order_after_an_outage() {
    let Some(python) = python() else { return };
    let dir = temp_dir("portal-sync");
    let record: PathBuf = dir.join("portal.jsonl");
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}/dvcqg/dong-bo-trang-thai");
    let env = [("XASO_PORTAL_URL", url.as_str())];
    let mut up = Some(portal(&python, port, &record));
    let server = start(&dir, &env);
    let tokens: BTreeMap<&str, String> = ["motcua", "chuyenvien", "lanhdao"]
        .into_iter()
        .map(|u| (u, token(&dir, &env, u)))
        .collect();
    let act = |code: &str, user: &str, version: i64, action: Value| -> Value {
        let mut body = action;
        body["version"] = json!(version);
        let path = format!("/api/v1/dossiers/{code}/actions");
        let (status, reply) = server.request("POST", &path, Some(&tokens[user]), &body.to_string());
        assert_eq!(status, 200, "{user} {body}: {reply}");
        serde_json::from_str(&reply).expect("dossier JSON")
    };
    // The demo's one-stop centre of xã Minh Đức (data/demo/agencies.toml).
    let centre = "000.04.61.H19";
    let receive = |name: &str| -> Value {
        let procedure: Value =
            serde_json::from_str(&server.get("/api/v1/procedures/1.004873").1).expect("procedure");
        let components: Vec<Value> = procedure["component"]
            .as_array()
            .expect("components")
            .iter()
            .filter(|c| c["mandatory"] == true)
            .map(|c| json!({ "name": c["name"], "provided": "original" }))
            .collect();
        let body = json!({
            "procedure_code": "1.004873", "channel": "counter", "receiving_agency": centre,
            "applicant": { "name": name, "id_number": "075201001234", "phone": "0912345678" },
            "components": components, "decision": { "decision": "accept" }
        });
        let (status, reply) = server.request(
            "POST",
            "/api/v1/dossiers",
            Some(&tokens["motcua"]),
            &body.to_string(),
        );
        assert_eq!(status, 201, "{reply}");
        serde_json::from_str(&reply).expect("dossier JSON")
    };
    // While the portal answers: the demo's dossiers and two new ones arrive.
    let first = receive("Nguyễn Thị Hoà");
    let second = receive("Trần Đức Thắng");
    let code = |d: &Value| d["code"].as_str().expect("code").to_string();
    wait_until(
        "the first dossiers at the portal",
        Duration::from_secs(60),
        || {
            let v = versions(&record);
            v.contains_key(&code(&first)) && v.contains_key(&code(&second))
        },
    );
    let before_outage = received(&record).len();

    // The portal goes down; the dossiers keep moving.
    drop(up.take());
    let mut finals = BTreeMap::new();
    for dossier in [&first, &second] {
        let mut d = act(
            &code(dossier),
            "motcua",
            dossier["version"].as_i64().expect("v"),
            json!({ "action": "forward" }),
        );
        d = act(
            &code(&d),
            "chuyenvien",
            d["version"].as_i64().expect("v"),
            json!({ "action": "forward" }),
        );
        d = act(
            &code(&d),
            "lanhdao",
            d["version"].as_i64().expect("v"),
            json!({ "action": "approve", "result_number": "12/2026" }),
        );
        d = act(
            &code(&d),
            "motcua",
            d["version"].as_i64().expect("v"),
            json!({ "action": "return_result" }),
        );
        finals.insert(code(&d), d);
    }
    let third = receive("Lê Thị Ngọc Ánh");
    finals.insert(code(&third), third.clone());
    // Long enough for the worker to try and fail at least once.
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(
        received(&record).len(),
        before_outage,
        "nothing arrives while the portal is down"
    );
    let status = run(&dir, &["integrations", "status"], &env);
    let status_text = text(&status.stdout);
    assert!(status_text.contains("portal\tpending"), "{status_text}");

    // Back up on the same address: the backlog drains, in order.
    let _up = portal(&python, port, &record);
    wait_until(
        "every change at the portal",
        Duration::from_secs(90),
        || {
            let v = versions(&record);
            finals.iter().all(|(code, d)| {
                v.get(code)
                    .and_then(|list| list.last())
                    .map(|(version, _)| *version)
                    == d["version"].as_i64()
            })
        },
    );
    let v = versions(&record);
    for (code, d) in &finals {
        let list = &v[code];
        assert!(
            list.windows(2).all(|w| w[0].0 < w[1].0),
            "{code} out of order: {list:?}"
        );
        let statuses: Vec<i64> = list.iter().map(|(_, s)| *s).collect();
        if d["status"]["code"] == 10 {
            assert_eq!(statuses.last(), Some(&10), "{code}: {statuses:?}");
            assert!(
                statuses.contains(&9),
                "{code}: the resolution too: {statuses:?}"
            );
        }
    }
    // A message sent again (a replay from the log, or a worker that died after the portal took
    // it) changes nothing: the portal keeps each dossier's highest version.
    let log = run(
        &dir,
        &["integrations", "deliveries", "--limit", "1000"],
        &env,
    );
    let log_text = text(&log.stdout);
    let first_code = code(&first);
    let oldest = log_text
        .lines()
        .rfind(|l| l.contains(&first_code) && l.contains("\tsent\t"))
        .and_then(|l| l.split('\t').next())
        .expect("the first dossier's first message in the log")
        .to_string();
    let replayed = run(&dir, &["integrations", "replay", &oldest], &env);
    assert!(replayed.status.success(), "{}", text(&replayed.stderr));
    let before_replay = received(&record).len();
    wait_until("the replay at the portal", Duration::from_secs(30), || {
        received(&record).len() > before_replay
    });
    let repeated = received(&record).last().cloned().expect("the replay");
    assert_eq!(repeated["record"]["MaHoSo"], first_code.as_str());
    let latest = |code: &str| {
        received(&record)
            .into_iter()
            .filter(|l| l["record"]["MaHoSo"] == code)
            .max_by_key(|l| l["record"]["PhienBan"].as_i64())
            .map(|l| l["record"]["PhienBan"].as_i64())
    };
    assert_eq!(
        latest(&first_code).flatten(),
        finals[&first_code]["version"].as_i64(),
        "the portal's state is unchanged"
    );
    let all = received(&record);
    let keys: std::collections::HashSet<&str> =
        all.iter().filter_map(|l| l["key"].as_str()).collect();
    println!(
        "portal sync: {} deliveries, {} distinct messages, {} dossiers, all valid; changes made during the outage: {}",
        all.len(),
        keys.len(),
        v.len(),
        finals.len()
    );
    let (clean, _) = server.terminate();
    assert!(clean, "serve stops cleanly");
}
