//! `xaso bench`: the system's speed measured against limits measured in the same run on the same
//! machine. Real `xaso serve` processes over the configured database, real sockets, closed-loop
//! clients; each scenario prints throughput, p50 / p99 latency, the server's peak memory, and its
//! ratio to its limit:
//! - the dossier lifecycle (every step one committed transaction) against the raw durable-commit
//!   rate of the backend (single-row transactions on a pool opened as the server's, same clients);
//! - public tracking look-ups, the staff inbox, the dashboard and form II.06a against the static
//!   stylesheet served by the same HTTP stack at the same number of clients.
//!
//! With `--instances 2` (PostgreSQL) the lifecycle clients are split over two servers, and the run
//! checks that no code was given twice and that each background job ran once.

pub mod crash;
mod journal;
mod load;
mod scenarios;
mod server;

use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context};
use xaso_domain::identity::access::Scope;
use xaso_domain::identity::Role;
use xaso_store::audit::Actor;
use xaso_store::bench as probe;
use xaso_store::{Store, WriteTotals};

use crate::config::Config;
use journal::Journal;
use load::Measured;
use scenarios::{Auth, Crew, Filing, Http};
use server::{mebibytes, Server};

#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// Seconds each scenario runs
    #[arg(long, default_value_t = 10)]
    duration: u64,
    /// Concurrent clients of the lifecycle, the raw commits and the staff inbox
    #[arg(long, default_value_t = 8)]
    clients: usize,
    /// Concurrent connections of the public look-ups
    #[arg(long, default_value_t = 64)]
    lookup_clients: usize,
    /// The year the dashboard and form II.06a cover (default: last year)
    #[arg(long)]
    year: Option<i32>,
    /// Servers sharing the database (2: several instances on one PostgreSQL)
    #[arg(long, default_value_t = 1)]
    instances: usize,
    /// Only these scenarios, each with its limit (repeatable or comma-separated; default: all)
    #[arg(long, value_enum, value_delimiter = ',')]
    only: Vec<Group>,
}

/// The scenarios that run together: each with the limit it is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Group {
    /// The static file at 64 clients and the public look-ups
    Lookups,
    /// The raw commit rate and the dossier lifecycle
    Lifecycle,
    /// The static file at 8 clients and the staff inbox
    Inbox,
    /// The static file at 1 client, the dashboard and form II.06a
    Reports,
}

/// One line of the results table.
struct Line {
    name: &'static str,
    clients: usize,
    measured: Measured,
    peak: Option<u64>,
    /// The servers' CPU time (user and system, every thread) per request of the scenario: what a
    /// request costs whatever else the machine is doing, where throughput moves with its load.
    cpu_per_request: Option<Duration>,
    /// What the servers had read from a disk during the scenario (not PostgreSQL's own reads): a
    /// scenario whose pages were not in the system's page cache says so here.
    disk_read: Option<u64>,
    /// The write transactions the scenario caused, and their time holding the write.
    writes: Option<WriteTotals>,
    /// What the throughput is compared with, and its rate.
    limit: Option<(String, f64)>,
    verdict: Option<(&'static str, bool)>,
}

const PROCEDURE: &str = "1.004873";

pub async fn run(config: &Config, args: BenchArgs) -> anyhow::Result<()> {
    if args.instances == 0 || args.clients == 0 || args.lookup_clients == 0 || args.duration == 0 {
        bail!("--instances, --clients, --lookup-clients và --duration phải lớn hơn 0");
    }
    let runs = |group: Group| args.only.is_empty() || args.only.contains(&group);
    if args.instances > 1 && !runs(Group::Lifecycle) {
        bail!("nhiều máy chủ được kiểm tra dưới tải vòng đời hồ sơ: thêm --only lifecycle");
    }
    let (store, _) = crate::open_store(config).await?;
    if args.instances > 1 && store.backend() != xaso_store::Backend::Postgres {
        bail!("nhiều máy chủ trên một cơ sở dữ liệu cần PostgreSQL (--database-url postgres://…)");
    }
    let year = args
        .year
        .unwrap_or_else(|| chrono::Datelike::year(&chrono::Utc::now()) - 1);
    let duration = Duration::from_secs(args.duration);
    let teams = probe::teams(&store, 64).await?;
    if teams.is_empty() {
        bail!(
            "cơ sở dữ liệu chưa có xã nào đủ bộ phận một cửa, chuyên viên và lãnh đạo: chạy `xaso serve` một lần (dữ liệu mẫu) hoặc `xaso demo generate` trước"
        );
    }
    let now = chrono::Utc::now();
    let (crews, tokens) = crews(&store, &teams, now).await?;
    let viewer = province_viewer(&store).await?;
    let viewer = Auth::Session(probe::open_bench_session(&store, &viewer, now).await?);
    let codes = Arc::new(probe::sample_codes(&store, 20_000).await?);
    println!(
        "xaso bench: {} ({}), {} xã có đủ cán bộ, {} mã hồ sơ mẫu, {} giây mỗi kịch bản, {} máy chủ",
        store.location,
        store.backend().name(),
        teams.len(),
        codes.len(),
        args.duration,
        args.instances
    );

    let raw = if runs(Group::Lifecycle) {
        let before = store.write_totals();
        let raw = probe::raw_commit_rate(&store, args.clients, duration).await?;
        let writes = store.write_totals().since(&before);
        Some((Measured::from_latencies(raw.latencies, raw.elapsed), writes))
    } else {
        None
    };

    let http = Http::new()?;
    let mut servers = Vec::new();
    for index in 0..args.instances {
        servers.push(Server::start(config, index, &http.client).await?);
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let idle_start = total_resident(&servers)?;
    let bases: Vec<String> = servers.iter().map(|s| s.base.clone()).collect();
    let filing = Arc::new(filing(&http, &bases[0]).await?);

    let measure = async |name: &'static str, clients: usize, scenario: Scenario| {
        for server in &servers {
            server.reset_peak();
        }
        let cpu_before = total_cpu(&servers);
        let disk_before = total_disk_read(&servers);
        // Only the lifecycle's requests write; elsewhere the counters would show the background
        // jobs' few writes.
        let writing = matches!(scenario, Scenario::Lifecycle(..));
        let writes_before = if writing {
            total_writes(&servers, &http.client).await
        } else {
            None
        };
        let measured = scenario.run(&http, &bases, clients, duration).await;
        let writes = match writes_before {
            Some(before) => total_writes(&servers, &http.client)
                .await
                .map(|after| after.since(&before)),
            None => None,
        };
        let disk_read = match (disk_before, total_disk_read(&servers)) {
            (Some(before), Some(after)) => Some(after.saturating_sub(before)),
            _ => None,
        };
        let cpu_per_request = match (cpu_before, total_cpu(&servers)) {
            (Some(before), Some(after)) if !measured.latencies.is_empty() => Some(
                after.saturating_sub(before)
                    / u32::try_from(measured.latencies.len()).unwrap_or(u32::MAX),
            ),
            _ => None,
        };
        let peak = servers
            .iter()
            .filter_map(|s| s.memory().ok())
            .map(|m| m.peak)
            .max();
        Line {
            name,
            clients,
            measured,
            peak,
            cpu_per_request,
            disk_read,
            writes,
            limit: None,
            verdict: None,
        }
    };
    let mut lines = Vec::new();

    if runs(Group::Lookups) {
        let static_wide = measure(STATIC, args.lookup_clients, Scenario::Static).await;
        let mut lookups = measure(
            "tra cứu công khai",
            args.lookup_clients,
            Scenario::Lookups(codes.clone()),
        )
        .await;
        let ok = lookups.ratio_to(&static_wide) >= 0.4
            && lookups.measured.percentile(0.99) < Duration::from_millis(10);
        lookups.verdict = Some(("≥ 0,40; p99 < 10 ms", ok));
        lines.extend([static_wide, lookups]);
    }

    let journal = Arc::new(Journal::default());
    if let Some((raw, writes)) = raw {
        let raw = Line {
            name: "ghi thô (giới hạn)",
            clients: args.clients,
            measured: raw,
            peak: None,
            cpu_per_request: None,
            disk_read: None,
            writes: Some(writes),
            limit: None,
            verdict: None,
        };
        let mut lifecycle = measure(
            LIFECYCLE,
            args.clients,
            Scenario::Lifecycle(crews.clone(), filing.clone(), journal.clone()),
        )
        .await;
        let ok = lifecycle.ratio_to(&raw) >= 0.5;
        lifecycle.verdict = Some(("≥ 0,50", ok));
        lines.extend([raw, lifecycle]);
    }

    if runs(Group::Inbox) {
        let static_staff = measure(STATIC, args.clients, Scenario::Static).await;
        let specialists: Vec<Auth> = crews.iter().map(|c| c.specialist.clone()).collect();
        let mut inbox = measure(
            "hộp việc chuyên viên",
            args.clients,
            Scenario::Inbox(specialists),
        )
        .await;
        inbox.ratio_to(&static_staff);
        lines.extend([static_staff, inbox]);
    }

    if runs(Group::Reports) {
        let static_one = measure(STATIC, 1, Scenario::Static).await;
        let mut dashboard = measure(
            "bảng điều khiển cả tỉnh, năm",
            1,
            Scenario::Get(
                format!("/can-bo/bao-cao?don-vi=tinh&tu={year}-01-01&den={year}-12-31"),
                viewer.clone(),
            ),
        )
        .await;
        dashboard.ratio_to(&static_one);
        let ok = dashboard.measured.percentile(0.99) < Duration::from_millis(200);
        dashboard.verdict = Some(("p99 < 200 ms", ok));
        let mut ii06a = measure(
            "mẫu II.06a cả tỉnh, năm",
            1,
            Scenario::Get(
                format!("/api/v1/reports/ii06a?agency=tinh&from={year}-01-01&to={year}-12-31"),
                viewer.clone(),
            ),
        )
        .await;
        ii06a.ratio_to(&static_one);
        let ok = ii06a.measured.percentile(0.99) < Duration::from_secs(1);
        ii06a.verdict = Some(("p99 < 1 s", ok));
        lines.extend([static_one, dashboard, ii06a]);
    }

    tokio::time::sleep(Duration::from_secs(3)).await;
    let idle_end = total_resident(&servers)?;
    print_table(&lines);
    print_writes(&lines);
    let per_server = |bytes: u64| mebibytes(bytes) / servers.len() as f64;
    println!(
        "bộ nhớ máy chủ khi rỗi: {:.1} MiB sau khi khởi động, {:.1} MiB sau các kịch bản (mỗi máy chủ) — mục tiêu < 150 MiB: {}",
        per_server(idle_start),
        per_server(idle_end),
        pass(per_server(idle_start.max(idle_end)) < 150.0)
    );
    let acknowledged = journal.take().received_codes();
    let several = if args.instances > 1 {
        Some(several_instances(&store, &lines, &acknowledged, &servers, now).await?)
    } else {
        None
    };
    for server in servers {
        server.stop()?;
    }
    revoke(&store, tokens).await?;
    store.close().await;
    if several == Some(false) {
        bail!("nhiều máy chủ: có mã hồ sơ trùng hoặc việc nền chạy lặp");
    }
    Ok(())
}

const STATIC: &str = "tệp tĩnh (giới hạn)";
const LIFECYCLE: &str = "vòng đời hồ sơ";

impl Line {
    /// This scenario's throughput over `limit`'s, noted as this line's limit.
    fn ratio_to(&mut self, limit: &Line) -> f64 {
        let rate = limit.measured.throughput();
        self.limit = Some((format!("{} × {}", limit.name, limit.clients), rate));
        self.measured.throughput() / rate.max(f64::EPSILON)
    }
}

/// What a scenario's clients do.
enum Scenario {
    Static,
    Lookups(Arc<Vec<String>>),
    Lifecycle(Vec<Crew>, Arc<Filing>, Arc<Journal>),
    Inbox(Vec<Auth>),
    Get(String, Auth),
}

impl Scenario {
    /// Client `i` talks to server `i mod n` and, where officers act, as crew `i mod crews`.
    async fn run(
        &self,
        http: &Http,
        bases: &[String],
        clients: usize,
        duration: Duration,
    ) -> Measured {
        let base = |i: usize| bases[i % bases.len()].clone();
        match self {
            Scenario::Static => {
                load::run(clients, duration, |i, deadline| {
                    let url = format!("{}/static/style.css", base(i));
                    scenarios::repeat_get(http.clone(), url, Auth::Public, deadline)
                })
                .await
            }
            Scenario::Lookups(codes) => {
                load::run(clients, duration, |i, deadline| {
                    scenarios::lookups(http.clone(), base(i), codes.clone(), i, deadline)
                })
                .await
            }
            Scenario::Lifecycle(crews, filing, journal) => {
                load::run(clients, duration, |i, deadline| {
                    scenarios::lifecycle(
                        http.clone(),
                        base(i),
                        crews[i % crews.len()].clone(),
                        filing.clone(),
                        journal.clone(),
                        i,
                        deadline,
                    )
                })
                .await
            }
            Scenario::Inbox(officers) => {
                load::run(clients, duration, |i, deadline| {
                    let url = format!("{}/api/v1/dossiers/inbox", base(i));
                    scenarios::repeat_get(
                        http.clone(),
                        url,
                        officers[i % officers.len()].clone(),
                        deadline,
                    )
                })
                .await
            }
            Scenario::Get(path, auth) => {
                load::run(clients, duration, |i, deadline| {
                    let url = format!("{}{path}", base(i));
                    scenarios::repeat_get(http.clone(), url, auth.clone(), deadline)
                })
                .await
            }
        }
    }
}

/// An API token for each officer of each team; the tokens' ids, to revoke them after the run.
async fn crews(
    store: &Store,
    teams: &[probe::Team],
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<(Vec<Crew>, Vec<(String, uuid::Uuid)>)> {
    let actor = Actor::system("xaso bench");
    let mut tx = store.begin().await?;
    let mut ids = Vec::new();
    let mut crews = Vec::new();
    for team in teams {
        let mut token = async |username: &str| -> anyhow::Result<Auth> {
            let (id, token) = xaso_store::identity::tokens::create_scoped(
                &mut tx,
                username,
                "xaso bench",
                &[Scope::Read, Scope::Write],
                now,
                &actor,
            )
            .await?;
            ids.push((username.to_string(), id));
            Ok(Auth::Token(token))
        };
        crews.push(Crew {
            centre_code: team.centre_code.clone(),
            counter: token(&team.counter).await?,
            specialist: token(&team.specialist).await?,
            leader: token(&team.leader).await?,
        });
    }
    tx.commit().await?;
    Ok((crews, ids))
}

async fn revoke(store: &Store, tokens: Vec<(String, uuid::Uuid)>) -> anyhow::Result<()> {
    let actor = Actor::system("xaso bench");
    let mut tx = store.begin().await?;
    for (username, id) in tokens {
        xaso_store::identity::tokens::revoke_token(
            &mut tx,
            &username,
            id,
            chrono::Utc::now(),
            &actor,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The first enabled province viewer: the dashboard and II.06a are read over the whole province.
async fn province_viewer(store: &Store) -> anyhow::Result<String> {
    let mut tx = store.read().await?;
    let users = xaso_store::identity::list_users(&mut tx).await?;
    tx.commit().await?;
    users
        .into_iter()
        .find(|u| !u.disabled && u.has_role(Role::ProvinceViewer))
        .map(|u| u.username)
        .context("không có tài khoản lãnh đạo tỉnh (province_viewer) để đọc báo cáo cả tỉnh")
}

/// The mandatory components of the lifecycle's procedure, from the public catalog API.
async fn filing(http: &Http, base: &str) -> anyhow::Result<Filing> {
    let details = http
        .get_json(
            &format!("{base}/api/v1/procedures/{PROCEDURE}"),
            &Auth::Public,
        )
        .await
        .map_err(|e| anyhow::anyhow!("thủ tục {PROCEDURE}: {e}"))?;
    let components: Vec<serde_json::Value> = details["component"]
        .as_array()
        .context("thủ tục không có danh sách thành phần")?
        .iter()
        .filter(|c| c["mandatory"] == true)
        .map(|c| serde_json::json!({ "name": c["name"], "provided": "original" }))
        .collect();
    Ok(Filing {
        procedure: PROCEDURE.to_string(),
        components: serde_json::Value::Array(components),
    })
}

/// The servers' CPU time so far, or `None` where `/proc` cannot tell.
fn total_cpu(servers: &[Server]) -> Option<Duration> {
    servers.iter().map(Server::cpu_time).sum()
}

/// The servers' write transactions so far, or `None` if one did not tell.
async fn total_writes(servers: &[Server], client: &reqwest::Client) -> Option<WriteTotals> {
    let mut total = WriteTotals::default();
    for server in servers {
        total = total.plus(&server.write_totals(client).await?);
    }
    Some(total)
}

/// What the scenarios that wrote asked of the writer: writes are serial on both backends, so a
/// scenario whose writes held the write nearly all the time is bounded by how long each holds it.
fn print_writes(lines: &[Line]) {
    for line in lines {
        let Some(writes) = line.writes.filter(|w| w.transactions > 0) else {
            continue;
        };
        let requests = line.measured.latencies.len().max(1) as f64;
        let elapsed = line.measured.elapsed.as_secs_f64().max(f64::EPSILON);
        println!(
            "ghi — {}: {} giao dịch ghi ({:.2} mỗi yêu cầu), mỗi giao dịch giữ quyền ghi {:.3} ms và chờ {:.3} ms; quyền ghi bận {:.0} % thời gian",
            line.name,
            writes.transactions,
            writes.transactions as f64 / requests,
            writes.held_each().as_secs_f64() * 1000.0,
            writes.waited_each().as_secs_f64() * 1000.0,
            writes.held.as_secs_f64() / elapsed * 100.0,
        );
    }
}

/// What the servers have read from a disk so far, or `None` where `/proc` cannot tell.
fn total_disk_read(servers: &[Server]) -> Option<u64> {
    servers.iter().map(Server::disk_read).sum()
}

fn total_resident(servers: &[Server]) -> anyhow::Result<u64> {
    let mut total = 0;
    for server in servers {
        total += server.memory()?.resident;
    }
    Ok(total)
}

fn pass(ok: bool) -> &'static str {
    if ok {
        "ĐẠT"
    } else {
        "CHƯA ĐẠT"
    }
}

fn print_table(lines: &[Line]) {
    println!(
        "{:<32} {:>8} {:>9} {:>6} {:>10} {:>9} {:>9} {:>9} {:>9} {:>9}  {:<28} {:>6}  mục tiêu",
        "kịch bản",
        "máy khách",
        "yêu cầu",
        "lỗi",
        "yêu cầu/s",
        "p50 ms",
        "p99 ms",
        "CPU µs/yc",
        "đỉnh MiB",
        "đĩa MiB",
        "giới hạn (yêu cầu/s)",
        "tỉ lệ"
    );
    for line in lines {
        let m = &line.measured;
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let (limit, ratio) = match &line.limit {
            Some((name, rate)) => (
                format!("{name}: {rate:.0}"),
                format!("{:.2}", m.throughput() / rate.max(f64::EPSILON)),
            ),
            None => (String::new(), String::new()),
        };
        let verdict = line
            .verdict
            .map(|(target, ok)| format!("{target}: {}", pass(ok)))
            .unwrap_or_default();
        println!(
            "{:<32} {:>8} {:>9} {:>6} {:>10.1} {:>9.2} {:>9.2} {:>9} {:>9} {:>9}  {:<28} {:>6}  {verdict}",
            line.name,
            line.clients,
            m.latencies.len(),
            m.errors,
            m.throughput(),
            ms(m.percentile(0.5)),
            ms(m.percentile(0.99)),
            line.cpu_per_request
                .map_or(String::new(), |cpu| cpu.as_micros().to_string()),
            line.peak
                .map_or(String::new(), |p| format!("{:.1}", mebibytes(p))),
            line.disk_read
                .map_or(String::new(), |d| format!("{:.1}", mebibytes(d))),
            limit,
            ratio,
        );
        if let Some(error) = &m.first_error {
            println!("    lỗi đầu tiên: {error}");
        }
    }
}

/// With several servers: the codes acknowledged to clients are distinct and the database has no
/// code twice; every outbox message of the run was taken once (waiting up to a minute for the
/// workers to finish), and the periodic sweep ran once per period although every server ticks.
async fn several_instances(
    store: &Store,
    lines: &[Line],
    acknowledged: &[String],
    servers: &[Server],
    started: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<bool> {
    let distinct: std::collections::HashSet<&String> = acknowledged.iter().collect();
    let (repeated, dossiers) = probe::code_check(store).await?;
    let lifecycle = lines.iter().find(|l| l.name == LIFECYCLE);
    println!(
        "{} máy chủ cùng một cơ sở dữ liệu: vòng đời tổng {:.1} yêu cầu/s; {} hồ sơ được cấp mã, {} mã khác nhau; cơ sở dữ liệu có {dossiers} hồ sơ, {repeated} mã lặp",
        servers.len(),
        lifecycle.map_or(0.0, |l| l.measured.throughput()),
        acknowledged.len(),
        distinct.len(),
    );
    let mut jobs = probe::jobs_since(store, started).await?;
    for _ in 0..60 {
        if jobs.waiting == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
        jobs = probe::jobs_since(store, started).await?;
    }
    let minutes = (chrono::Utc::now() - started).num_seconds() as f64 / 60.0;
    let periods = (minutes / 5.0).ceil().max(1.0) as i64;
    println!(
        "việc nền: {} thư báo và tin nhắn liên thông trong lần chạy, {} bị lấy hai lần, {} còn chờ; quét thời hạn {} lần trong {minutes:.1} phút (tối đa {periods})",
        jobs.messages, jobs.taken_twice, jobs.waiting, jobs.sweeps
    );
    Ok(repeated == 0
        && distinct.len() == acknowledged.len()
        && jobs.taken_twice == 0
        && jobs.waiting == 0
        && jobs.sweeps <= periods)
}
