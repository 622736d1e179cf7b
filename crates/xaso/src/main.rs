//! `xaso`: the server and the command line of Xã Số.

mod audit;
mod bench;
mod calendar;
mod catalog;
mod config;
mod demo;
mod dossier;
mod files;
mod integration;
mod notification;
mod payment;
mod pki;
mod plan;
mod report;
mod seed;
mod serve;
mod tls;
mod user;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use config::{Config, ConfigFlags};
use xaso_store::Store;

/// The data files of `data/`, built into the binary.
mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded_data.rs"));
}

#[derive(Parser)]
#[command(
    name = "xaso",
    version,
    about = "Xã Số — hệ thống một cửa điện tử cho chính quyền xã"
)]
struct Cli {
    #[command(flatten)]
    config: ConfigFlags,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start the server (creates the data folder, migrates, loads the first data)
    Serve,
    /// Bring the database schema up to date without serving
    Migrate,
    /// Print the effective configuration, passwords redacted
    Config,
    /// Import data files
    #[command(subcommand)]
    Import(ImportCommand),
    /// Manage user accounts
    #[command(subcommand)]
    User(user::UserCommand),
    /// The working calendar of a year, and lunar ↔ solar conversions
    Calendar(calendar::CalendarArgs),
    /// Compute a deadline in working days or hours, with its explanation
    Deadline(calendar::DeadlineArgs),
    /// Look at dossiers
    #[command(subcommand)]
    Dossier(dossier::DossierCommand),
    /// Certificates for signing results
    #[command(subcommand)]
    Pki(pki::PkiCommand),
    /// Reform plans: targets with live values, tasks with schedules
    #[command(subcommand)]
    Plan(plan::PlanCommand),
    /// Periodic reports and the plan's targets
    #[command(subcommand)]
    Report(report::ReportCommand),
    /// The file store: remove files nothing refers to
    #[command(subcommand)]
    Files(files::FilesCommand),
    /// Online payments: reconcile a day with the gateway's list
    #[command(subcommand)]
    Payments(payment::PaymentsCommand),
    /// Messages to citizens: deliver the outbox, its states, the templates
    #[command(subcommand)]
    Notifications(notification::NotificationsCommand),
    /// Messages to other systems: the national portal's status sync and webhooks
    #[command(subcommand)]
    Integrations(integration::IntegrationsCommand),
    /// The audit log: check that no row was edited, deleted or reordered
    #[command(subcommand)]
    Audit(audit::AuditCommand),
    /// Demo data: a realistic province-year for trying and measuring the system
    #[command(subcommand)]
    Demo(demo::generate::DemoCommand),
    /// Back up the database and every file it refers to into a new folder, while serving
    Backup {
        /// The folder to create (must not exist, or be empty)
        #[arg(long, value_name = "DIR")]
        to: std::path::PathBuf,
    },
    /// Restore a backup made by `xaso backup` into an empty database and the file store
    Restore {
        /// The backup folder (holds xaso-backup.json)
        #[arg(long, value_name = "DIR")]
        from: std::path::PathBuf,
    },
    /// Measure throughput, latency and memory of real servers over this database, each against a
    /// limit measured in the same run (see BENCHMARKS.md)
    Bench(bench::BenchArgs),
    /// Kill the server with SIGKILL under load again and again (and, on PostgreSQL, restart the
    /// database) and check that nothing acknowledged was lost (see scripts/crash-test)
    CrashTest(bench::crash::CrashArgs),
    /// Check the digital signature of a result PDF
    Verify {
        file: PathBuf,
        /// Also trust the CA certificates in this PEM file (repeatable)
        #[arg(long)]
        trust: Vec<PathBuf>,
    },
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Import a procedure catalog file, or an export of the national procedure database (.json,
    /// .xlsx), validated whole: one bad entry imports nothing
    Catalog { file: PathBuf },
    /// Import a calendar notice (a year's official days off, or an agency's own days off)
    Calendar { file: PathBuf },
    /// Import a reform plan: a plan file (data/plans/*.toml form), or a workbook (.xlsx) with the
    /// appendix columns and the plan's number, date, agency and title given as options
    Plan(plan::ImportArgs),
}

/// Output piped into a reader that stopped (`xaso dossier list | head`) ends the command quietly,
/// as other command-line tools do, instead of a panic report about a broken pipe.
fn quiet_on_broken_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if message.contains("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(0);
        }
        default(info);
    }));
}

fn main() -> ExitCode {
    quiet_on_broken_pipe();
    let cli = Cli::parse();
    // The demo generator's statements carry thousands of rows each: slow by size, by design, and
    // sqlx would print every one of them in full as a slow statement.
    let default_filter = match cli.command {
        Command::Demo(_) => "warn,xaso=info,sqlx::query=error",
        _ => "warn,xaso=info",
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("XASO_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_filter)),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => return fail(&anyhow::Error::new(e)),
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}

/// One clear line (several only for a data file's list of problems), and a non-zero exit.
fn fail(error: &anyhow::Error) -> ExitCode {
    let _ = writeln!(std::io::stderr(), "lỗi: {error:#}");
    ExitCode::FAILURE
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = Config::resolve(&cli.config, |key| std::env::var(key).ok())?;
    match cli.command {
        Command::Serve => serve::serve(&config).await,
        Command::Config => {
            print!("{}", config.describe());
            Ok(())
        }
        Command::Migrate => {
            let (store, applied) = open_store(&config).await?;
            println!(
                "Cơ sở dữ liệu {} đã cập nhật (áp dụng {applied} bước mới).",
                store.location
            );
            store.close().await;
            Ok(())
        }
        Command::Import(ImportCommand::Catalog { file }) => catalog::import(&config, &file).await,
        Command::Import(ImportCommand::Calendar { file }) => calendar::import(&config, &file).await,
        Command::Import(ImportCommand::Plan(args)) => plan::import(&config, &args).await,
        Command::Plan(command) => plan::run(&config, command).await,
        Command::Calendar(args) => calendar::calendar(&config, args).await,
        Command::Deadline(args) => calendar::deadline(&config, args).await,
        Command::Dossier(command) => dossier::run(&config, command).await,
        Command::Pki(command) => pki::run(&config, command).await,
        Command::Report(command) => report::run(&config, command).await,
        Command::Files(command) => files::run(&config, command).await,
        Command::Audit(command) => audit::run(&config, command).await,
        Command::Demo(command) => demo::generate::run(&config, command).await,
        Command::Backup { to } => files::backup(&config, &to).await,
        Command::Restore { from } => files::restore(&config, &from).await,
        Command::Payments(command) => payment::run(&config, command).await,
        Command::Notifications(command) => notification::run(&config, command).await,
        Command::Integrations(command) => integration::run(&config, command).await,
        Command::Bench(args) => bench::run(&config, args).await,
        Command::CrashTest(args) => bench::crash::run(&config, args).await,
        Command::Verify { file, trust } => pki::verify(&config, &file, &trust).await,
        Command::User(command) => {
            let (store, _) = open_store(&config).await?;
            let result = user::run(&store, command).await;
            store.close().await;
            result
        }
    }
}

/// Opens and migrates the configured database. The default data folder is created on demand;
/// the folder of an explicitly configured SQLite file must already exist.
pub async fn open_store(config: &Config) -> anyhow::Result<(Store, usize)> {
    open_store_with(config, 10).await
}

/// The same with at most `connections` connections.
pub async fn open_store_with(config: &Config, connections: u32) -> anyhow::Result<(Store, usize)> {
    if config.uses_embedded_database() {
        let dir = &config.data_dir.value;
        std::fs::create_dir_all(config.files_dir())
            .with_context(|| format!("không tạo được thư mục dữ liệu {}", dir.display()))?;
    }
    let store = Store::open_with(&config.effective_database_url(), connections).await?;
    let applied = store.migrate().await?;
    Ok((store, applied))
}
