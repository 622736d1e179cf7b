//! `xaso crash-test`: no acknowledged dossier is lost when the server dies.
//!
//! Each cycle starts `xaso serve` over the configured database, drives the dossier lifecycle with
//! several clients while journaling every step the server acknowledged, and kills the server with
//! SIGKILL at a random moment. Before the next load the database must be whole (no code given
//! twice, every dossier's status where its last history line took it, the audit chain unbroken),
//! and once the server is back every acknowledged step must be there: the dossier at the version
//! and status it was acknowledged with — or one step further when that step was in flight at the
//! kill. At the end every dossier of the run is checked again and the report facts are recomputed
//! and compared.
//!
//! With `--postgres-stop` and `--postgres-start` PostgreSQL itself is stopped under load and
//! started again: while it is down every request must be refused with 503 and its clear message
//! (the server stays up), after it is back requests succeed, and nothing half-done remains.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use xaso_store::bench as probe;
use xaso_store::Store;

use super::journal::{Entries, Journal};
use super::scenarios::{self, Crew, Failure, Filing, Http};
use super::server::Server;
use crate::config::Config;

#[derive(Debug, clap::Args)]
pub struct CrashArgs {
    /// Times the server is killed with SIGKILL
    #[arg(long, default_value_t = 20)]
    cycles: usize,
    /// Concurrent lifecycle clients
    #[arg(long, default_value_t = 4)]
    clients: usize,
    /// Longest load before a kill, in milliseconds (each kill falls at a random moment between a
    /// fifth of it and all of it)
    #[arg(long, default_value_t = 1500)]
    max_load_ms: u64,
    /// Seed of the kill moments (printed by every run, to repeat one)
    #[arg(long)]
    seed: Option<u64>,
    /// Shell command that stops the PostgreSQL server (with --postgres-start: PostgreSQL is
    /// restarted under load after the kills)
    #[arg(long, requires = "postgres_start")]
    postgres_stop: Option<String>,
    /// Shell command that starts the PostgreSQL server again
    #[arg(long, requires = "postgres_stop")]
    postgres_start: Option<String>,
    /// Seconds PostgreSQL stays down
    #[arg(long, default_value_t = 7)]
    postgres_down: u64,
}

/// What the clients were last told about one dossier.
#[derive(Debug, Clone)]
struct Expected {
    client: usize,
    version: i64,
    status: i64,
    /// The step sent after the last acknowledged one and never answered: it may have been done.
    in_flight: Option<String>,
}

#[derive(Default)]
struct Expectations {
    dossiers: BTreeMap<String, Expected>,
    acknowledged: usize,
}

impl Expectations {
    /// Adds one batch of journal entries; the codes they touched.
    fn add(&mut self, entries: &Entries) -> Vec<String> {
        let mut touched = Vec::new();
        for ack in &entries.acks {
            self.acknowledged += 1;
            self.dossiers.insert(
                ack.code.clone(),
                Expected {
                    client: ack.client,
                    version: ack.version,
                    status: ack.status,
                    in_flight: None,
                },
            );
            touched.push(ack.code.clone());
        }
        for pending in &entries.unanswered {
            if let Some(expected) = pending
                .code
                .as_ref()
                .and_then(|code| self.dossiers.get_mut(code))
            {
                expected.in_flight = Some(pending.action.clone());
            }
        }
        touched.sort();
        touched.dedup();
        touched
    }
}

/// Every problem found, in the words the run prints.
#[derive(Default)]
struct Findings(Vec<String>);

impl Findings {
    fn add(&mut self, problem: String) {
        self.0.push(problem);
    }
}

pub async fn run(config: &Config, args: CrashArgs) -> anyhow::Result<()> {
    if args.cycles == 0 || args.clients == 0 || args.max_load_ms < 50 {
        bail!("--cycles và --clients phải lớn hơn 0, --max-load-ms ít nhất 50");
    }
    let (store, _) = crate::open_store(config).await?;
    if args.postgres_stop.is_some() && store.backend() != xaso_store::Backend::Postgres {
        bail!("--postgres-stop/--postgres-start chỉ dùng với PostgreSQL (--database-url postgres://…)");
    }
    let http = Http::new()?;
    if probe::teams(&store, 1).await?.is_empty() {
        // The first start loads the demo agencies and officers.
        Server::start(config, 0, &http.client).await?.stop()?;
    }
    let teams = probe::teams(&store, args.clients).await?;
    if teams.is_empty() {
        bail!("cơ sở dữ liệu chưa có xã nào đủ bộ phận một cửa, chuyên viên và lãnh đạo");
    }
    let (crews, tokens) = super::crews(&store, &teams, chrono::Utc::now()).await?;
    let seed = args.seed.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64)
    });
    let mut random = Random::new(seed);
    println!(
        "xaso crash-test: {} ({}), {} lần SIGKILL, {} máy khách, hạt giống {seed}",
        store.location,
        store.backend().name(),
        args.cycles,
        args.clients
    );

    let mut expectations = Expectations::default();
    let mut findings = Findings::default();
    let mut touched_last = Vec::new();
    // What every client files, read from the first server's catalog.
    let mut filed: Option<Arc<Filing>> = None;
    for cycle in 1..=args.cycles {
        let starting = Instant::now();
        let server = Server::start(config, cycle, &http.client).await?;
        let restart = starting.elapsed();
        if filed.is_none() {
            filed = Some(Arc::new(super::filing(&http, &server.base).await?));
        }
        let filing = filed.clone().context("thủ tục mẫu chưa đọc được")?;
        let checked = verify(
            &http,
            &server.base,
            &crews,
            &expectations,
            &touched_last,
            &mut findings,
        )
        .await;
        let load = Duration::from_millis(random.between(args.max_load_ms / 5, args.max_load_ms));
        let journal = Arc::new(Journal::default());
        let load_on_server = Load {
            http: &http,
            base: &server.base,
            crews: &crews,
            filing: &filing,
            clients: args.clients,
        };
        let clients = load_on_server.spawn(&journal);
        tokio::time::sleep(load).await;
        let killed_at = Instant::now();
        server.stop()?; // SIGKILL: the server finishes nothing
        for client in clients {
            client.abort();
            let _ = client.await;
        }
        let entries = journal.take();
        for refusal in entries.refusals.iter().filter(|r| r.at < killed_at) {
            findings.add(format!(
                "chu kỳ {cycle}: bước {} bị từ chối trước khi máy chủ bị giết: {}",
                refusal.action, refusal.failure
            ));
        }
        touched_last = expectations.add(&entries);
        let integrity = probe::integrity(&store).await?;
        check_integrity(&integrity, &format!("sau SIGKILL {cycle}"), &mut findings);
        println!(
            "chu kỳ {cycle:>3}/{}: khởi động lại {:.1} s, kiểm {checked} hồ sơ của chu kỳ trước; tải {} ms: {} bước được xác nhận ({} hồ sơ mới), {} bước không có trả lời; {} hồ sơ, {} mã lặp, {} lệch trạng thái, kiểm toán {} dòng, {} chỗ đứt",
            args.cycles,
            restart.as_secs_f64(),
            load.as_millis(),
            entries.acks.len(),
            entries.received_codes().len(),
            entries.unanswered.len(),
            integrity.dossiers,
            integrity.repeated_codes,
            integrity.out_of_step,
            integrity.audit_rows,
            integrity.audit_problems,
        );
    }

    // The last cycle's dossiers are checked with all the others.
    let server = Server::start(config, args.cycles + 1, &http.client).await?;
    let everything: Vec<String> = expectations.dossiers.keys().cloned().collect();
    let checked = verify(
        &http,
        &server.base,
        &crews,
        &expectations,
        &everything,
        &mut findings,
    )
    .await;
    println!(
        "sau {} lần SIGKILL: {} bước được xác nhận trên {checked} hồ sơ, kiểm lại toàn bộ: {} sai",
        args.cycles,
        expectations.acknowledged,
        findings.0.len()
    );

    if let (Some(stop), Some(start)) = (&args.postgres_stop, &args.postgres_start) {
        let filing = filed.context("thủ tục mẫu chưa đọc được")?;
        let restart = PostgresRestart {
            stop,
            start,
            down: Duration::from_secs(args.postgres_down),
        };
        let load = Load {
            http: &http,
            base: &server.base,
            crews: &crews,
            filing: &filing,
            clients: args.clients,
        };
        restart.run(&store, &load, &mut findings).await?;
    }
    server.stop()?;

    let integrity = probe::integrity(&store).await?;
    check_integrity(&integrity, "cuối cùng", &mut findings);
    let rules = crate::calendar::load_rules(&store, config).await?;
    let differing = probe::report_facts_differing(&store, &rules).await?;
    if differing > 0 {
        findings.add(format!(
            "{differing} hồ sơ có số liệu báo cáo khác với tính lại từ hồ sơ"
        ));
    }
    println!(
        "cuối cùng: {} hồ sơ, {} mã lặp, {} lệch trạng thái; chuỗi kiểm toán {} dòng, {} chỗ đứt; số liệu báo cáo: {differing} hồ sơ khác khi tính lại",
        integrity.dossiers,
        integrity.repeated_codes,
        integrity.out_of_step,
        integrity.audit_rows,
        integrity.audit_problems
    );
    super::revoke(&store, tokens).await?;
    store.close().await;
    if !findings.0.is_empty() {
        for problem in findings.0.iter().take(20) {
            println!("  SAI: {problem}");
        }
        bail!(
            "crash-test phát hiện {} chỗ sai (hạt giống {seed})",
            findings.0.len()
        );
    }
    println!("ĐẠT: không mất bước nào đã được xác nhận, không mã lặp, chuỗi kiểm toán nguyên vẹn");
    Ok(())
}

fn check_integrity(integrity: &probe::Integrity, when: &str, findings: &mut Findings) {
    if !integrity.is_whole() {
        findings.add(format!(
            "{when}: {} mã lặp, {} hồ sơ lệch trạng thái với lịch sử, {} chỗ đứt trong chuỗi kiểm toán",
            integrity.repeated_codes, integrity.out_of_step, integrity.audit_problems
        ));
    }
}

/// The lifecycle load on one server: who files what, with how many clients.
struct Load<'a> {
    http: &'a Http,
    base: &'a str,
    crews: &'a [Crew],
    filing: &'a Arc<Filing>,
    clients: usize,
}

impl Load<'_> {
    /// The clients, each as crew `i mod crews`, noting in `journal` until aborted.
    fn spawn(&self, journal: &Arc<Journal>) -> Vec<tokio::task::JoinHandle<super::load::Recorder>> {
        let forever = Instant::now() + Duration::from_secs(24 * 3600);
        (0..self.clients)
            .map(|i| {
                tokio::spawn(scenarios::lifecycle(
                    self.http.clone(),
                    self.base.to_string(),
                    self.crews[i % self.crews.len()].clone(),
                    self.filing.clone(),
                    journal.clone(),
                    i,
                    forever,
                ))
            })
            .collect()
    }
}

/// Reads each dossier back through the API and compares it with what its client was told; the
/// number checked.
async fn verify(
    http: &Http,
    base: &str,
    crews: &[Crew],
    expectations: &Expectations,
    codes: &[String],
    findings: &mut Findings,
) -> usize {
    for code in codes {
        let Some(expected) = expectations.dossiers.get(code) else {
            continue;
        };
        let counter = &crews[expected.client % crews.len()].counter;
        let url = format!("{base}/api/v1/dossiers/{code}");
        let found = match http.get_json(&url, counter).await {
            Ok(found) => found,
            Err(failure) => {
                findings.add(format!(
                    "hồ sơ {code} đã được xác nhận nhưng đọc lại lỗi: {failure}"
                ));
                continue;
            }
        };
        let version = found["version"].as_i64().unwrap_or(-1);
        let status = found["status"]["code"].as_i64().unwrap_or(-1);
        let last_action = found["history"]
            .as_array()
            .and_then(|h| h.last())
            .and_then(|h| h["action"].as_str())
            .unwrap_or_default()
            .to_string();
        let exact = version == expected.version && status == expected.status;
        let one_further = version == expected.version + 1
            && expected.in_flight.as_deref() == Some(last_action.as_str());
        if !(exact || one_further) {
            findings.add(format!(
                "hồ sơ {code}: đã xác nhận phiên bản {} trạng thái {}{}, cơ sở dữ liệu có phiên bản {version} trạng thái {status} (bước cuối {last_action})",
                expected.version,
                expected.status,
                expected
                    .in_flight
                    .as_ref()
                    .map_or(String::new(), |a| format!(", bước {a} đang dở")),
            ));
        }
    }
    codes.len()
}

/// PostgreSQL stopped and started again under load.
struct PostgresRestart<'a> {
    stop: &'a str,
    start: &'a str,
    down: Duration,
}

/// How long after PostgreSQL is back a request may still be refused: the server's pool waits up to
/// 5 seconds for a connection, and requests that waited while it was down answer then.
const RECOVERY: Duration = Duration::from_secs(8);

impl PostgresRestart<'_> {
    async fn run(
        &self,
        store: &Store,
        load: &Load<'_>,
        findings: &mut Findings,
    ) -> anyhow::Result<()> {
        let before = probe::integrity(store).await?.dossiers;
        let journal = Arc::new(Journal::default());
        let clients = load.spawn(&journal);
        tokio::time::sleep(Duration::from_secs(2)).await;
        let stopping = Instant::now();
        shell(self.stop).await?;
        tokio::time::sleep(self.down).await;
        let starting = Instant::now();
        shell(self.start).await?;
        let back = Instant::now();
        tokio::time::sleep(RECOVERY + Duration::from_secs(3)).await;
        for client in clients {
            client.abort();
            let _ = client.await;
        }
        let entries = journal.take();

        let mut unavailable = 0;
        let mut first_message = None;
        for refusal in &entries.refusals {
            let in_window = refusal.at >= stopping && refusal.at < back + RECOVERY;
            match &refusal.failure {
                Failure::Answered { status: 503, body }
                    if in_window && body.contains("\"unavailable\"") =>
                {
                    unavailable += 1;
                    first_message.get_or_insert_with(|| body.clone());
                }
                failure => findings.add(format!(
                    "khi khởi động lại PostgreSQL: bước {} lỗi ngoài dự kiến ({:.1} s sau lệnh dừng): {failure}",
                    refusal.action,
                    refusal.at.saturating_duration_since(stopping).as_secs_f64()
                )),
            }
        }
        let succeeded_after = entries.acks.iter().filter(|a| a.at > back).count();
        if unavailable == 0 {
            findings.add("không yêu cầu nào nhận 503 khi PostgreSQL dừng".into());
        }
        if succeeded_after == 0 {
            findings.add("không yêu cầu nào thành công sau khi PostgreSQL chạy lại".into());
        }
        let mut expectations = Expectations::default();
        let touched = expectations.add(&entries);
        verify(
            load.http,
            load.base,
            load.crews,
            &expectations,
            &touched,
            findings,
        )
        .await;
        // Every reception either acknowledged, refused (nothing written) or cut short by the end
        // of the load: no other dossier may appear.
        let after = probe::integrity(store).await?.dossiers;
        let received = entries.received_codes().len() as i64;
        let cut_short = entries
            .unanswered
            .iter()
            .filter(|p| p.code.is_none())
            .count() as i64;
        if after - before < received || after - before > received + cut_short {
            findings.add(format!(
                "khi khởi động lại PostgreSQL: {} hồ sơ mới trong cơ sở dữ liệu, {received} được xác nhận, {cut_short} đang dở",
                after - before
            ));
        }
        println!(
            "PostgreSQL dừng {:.1} s dưới tải: {unavailable} yêu cầu nhận 503, {} bước được xác nhận ({} sau khi chạy lại, {received} hồ sơ mới); thông báo: {}",
            starting.saturating_duration_since(stopping).as_secs_f64()
                + back.saturating_duration_since(starting).as_secs_f64(),
            entries.acks.len(),
            succeeded_after,
            first_message.unwrap_or_default()
        );
        Ok(())
    }
}

async fn shell(command: &str) -> anyhow::Result<()> {
    // The clients keep running on the runtime's other threads meanwhile.
    let owned = command.to_string();
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new("sh")
            .arg("-c")
            .arg(owned)
            .output()
    })
    .await?
    .with_context(|| format!("không chạy được `{command}`"))?;
    if !output.status.success() {
        bail!(
            "`{command}` thất bại ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(())
}

/// xorshift64*: kill moments that a seed repeats, without a dependency.
struct Random(u64);

impl Random {
    fn new(seed: u64) -> Random {
        Random(seed.max(1))
    }

    /// A number in `low..=high`.
    fn between(&mut self, low: u64, high: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let next = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D);
        low + next % (high.saturating_sub(low) + 1)
    }
}
