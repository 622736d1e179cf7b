//! A province-year of demo data, written in bulk (`xaso demo generate`). The stories come from
//! the real rules (`xaso_domain::demo`); this module sets up the communes and accounts, and
//! writes what the live path would have written — dossiers, history, files, payments, ratings,
//! dossier numbers, receipt numbers, report facts and daily sums — without the live path's
//! per-dossier queries: one thread makes the rows while the caller's task writes them, a batch
//! per transaction (SQLite: multi-row INSERTs; PostgreSQL: COPY).
//!
//! Deliberately not written: an audit row per step (the whole run is one audit row,
//! `demo.generate`, so that `xaso audit verify` still verifies the chain), the messages to
//! citizens and to the national portal a live change would queue, and citizen-store profiles.

mod build;
mod communes;
mod specs;
mod table;
mod write;

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use xaso_domain::calendar::deadline::from_local;
use xaso_domain::demo::{plan_days, Mix, Random};
use xaso_domain::dossier::workflow::DEFAULT_WORKFLOW;
use xaso_domain::dossier::Status;

use crate::dossier::{DossierRules, ProvidedComponent};
use crate::{catalog, db, Store, StoreError};
use build::{Entry, Generator};

/// What to generate.
#[derive(Debug, Clone)]
pub struct Options {
    /// Communes in all (those already in the database count).
    pub communes: usize,
    pub dossiers: u64,
    pub year: i32,
    pub seed: u64,
    /// The real clock: the year must have begun; nothing is made after it.
    pub now: DateTime<Utc>,
    /// Dossiers per transaction.
    pub batch: usize,
}

/// The file every generated attachment and result points to (stored once by the caller).
#[derive(Debug, Clone)]
pub struct DemoFile {
    pub sha256: String,
    pub size: i64,
    pub content_type: String,
}

/// What a run made.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    pub communes: usize,
    pub communes_created: usize,
    /// Officers created for communes that had none.
    pub officers_created: usize,
    /// Citizen accounts created.
    pub accounts_created: usize,
    pub dossiers: u64,
    /// Accepted for handling (the others were refused at reception or are not yet checked).
    pub received: u64,
    pub history: u64,
    pub files: u64,
    pub ratings: u64,
    pub payments: u64,
    /// By national status code 1–10.
    pub by_status: [u64; 10],
    pub early: u64,
    pub on_time: u64,
    pub late: u64,
}

/// Most dossiers one commune may get on an average working day (a day's numbers stop at 9999).
pub const MAX_PER_COMMUNE_DAY: u64 = 2_000;

/// Checks the options against the data: a count of communes and dossiers that can be numbered,
/// and a year with its official calendar.
pub fn check(options: &Options, rules: &DossierRules) -> Result<(), StoreError> {
    if options.communes == 0 {
        return Err(StoreError::Invalid(
            "--communes phải từ 1 trở lên (số xã, phường của tỉnh)".into(),
        ));
    }
    if options.communes > 99 {
        return Err(StoreError::Invalid(format!(
            "--communes {}: mã định danh cấp 2 (Y1Y2) chỉ có hai chữ số, nên một tỉnh có tối đa 99 xã, phường",
            options.communes
        )));
    }
    if options.dossiers == 0 {
        return Err(StoreError::Invalid("--dossiers phải từ 1 trở lên".into()));
    }
    if options.batch == 0 {
        return Err(StoreError::Invalid("--batch phải từ 1 trở lên".into()));
    }
    let has_notice = rules
        .calendars
        .notices()
        .iter()
        .any(|n| n.agency.is_none() && n.year == options.year);
    if !has_notice {
        return Err(StoreError::Invalid(format!(
            "không có lịch làm việc chính thức năm {0}: thiếu tệp data/calendar/{0}.toml (thông báo nghỉ lễ, làm bù của năm)",
            options.year
        )));
    }
    let start = year_start(options.year)?;
    if start >= options.now {
        return Err(StoreError::Invalid(format!(
            "năm {} chưa bắt đầu: chỉ tạo được hồ sơ đến hôm nay",
            options.year
        )));
    }
    let limit = options.communes as u64 * 250 * MAX_PER_COMMUNE_DAY;
    if options.dossiers > limit {
        return Err(StoreError::Invalid(format!(
            "{} hồ sơ cho {} xã là quá nhiều: mỗi xã tối đa khoảng {MAX_PER_COMMUNE_DAY} hồ sơ một ngày làm việc (tối đa {limit}); hãy thêm xã hoặc bớt hồ sơ",
            options.dossiers, options.communes
        )));
    }
    Ok(())
}

fn year_start(year: i32) -> Result<DateTime<Utc>, StoreError> {
    NaiveDate::from_ymd_opt(year, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(from_local)
        .ok_or_else(|| StoreError::Invalid(format!("năm {year} không hợp lệ")))
}

/// Generates a province-year; `progress(done, total)` after each batch written.
pub async fn generate(
    store: &Store,
    rules: Arc<DossierRules>,
    options: &Options,
    password_hash: &str,
    file: &DemoFile,
    progress: &mut (dyn FnMut(u64, u64) + Send),
) -> Result<Summary, StoreError> {
    check(options, &rules)?;
    let horizon = year_start(options.year + 1)?.min(options.now) - chrono::Duration::seconds(1);
    let mut tx = store.begin().await?;
    let setup = communes::ensure(&mut tx, options.communes, password_hash, options.now).await?;
    tx.commit().await?;
    let communes = setup.communes;
    let calendars = communes
        .iter()
        .map(|c| rules.calendar(&c.code))
        .collect::<Result<Vec<_>, _>>()?;

    // The catalog as it stands, weighted.
    let mut tx = store.read().await?;
    let records = catalog::all_current(&mut tx).await?;
    tx.commit().await?;
    let mut fields: Vec<String> = Vec::new();
    let mut entries = Vec::new();
    for record in records {
        let procedure = record.procedure;
        let workflow = procedure
            .workflow
            .clone()
            .unwrap_or_else(|| DEFAULT_WORKFLOW.to_string());
        if !rules.workflows.contains_key(&workflow) {
            continue;
        }
        let checklist: Vec<ProvidedComponent> = procedure
            .components
            .iter()
            .map(|c| ProvidedComponent {
                name: c.name.clone(),
                provided: c
                    .mandatory
                    .then_some(xaso_domain::catalog::ComponentForm::Original),
            })
            .collect();
        let field = match fields.iter().position(|f| *f == procedure.field) {
            Some(i) => i,
            None => {
                fields.push(procedure.field.clone());
                fields.len() - 1
            }
        };
        entries.push(Entry {
            components: serde_json::to_string(&checklist)
                .map_err(|e| StoreError::Invalid(e.to_string()))?,
            fee_due: crate::dossier::fee_of(&procedure),
            version: record.version,
            workflow,
            field,
            procedure,
        });
    }
    if entries.is_empty() {
        return Err(StoreError::Invalid(
            "danh mục thủ tục trống: hãy nạp danh mục (xaso import catalog) trước".into(),
        ));
    }
    let mix = Mix::new(&entries.iter().map(|e| &e.procedure).collect::<Vec<_>>());

    // The year's days, per commune: sizes vary (a ward of a town, a rural commune).
    let sizes: Vec<f64> = communes
        .iter()
        .map(|c| {
            let mut random = Random::derive(options.seed, &[u64::from(c.number), 0x517e]);
            0.4 + 1.8 * random.unit().powf(1.5)
        })
        .collect();
    let last_day = xaso_domain::calendar::deadline::to_local(horizon).date();
    let days = plan_days(
        NaiveDate::from_ymd_opt(options.year, 1, 1).unwrap_or_default(),
        last_day,
        &calendars.iter().map(|c| c.as_ref()).collect::<Vec<_>>(),
        &sizes,
        options.dossiers,
        &mut Random::derive(options.seed, &[0xda75]),
    )
    .map_err(|e| StoreError::Invalid(e.to_string()))?;

    // Citizen accounts: about one per ten online dossiers of the commune.
    let mut per_commune = vec![0u64; communes.len()];
    for day in &days {
        for (c, n) in day.counts.iter().enumerate() {
            per_commune[c] += u64::from(*n);
        }
    }
    let online = mix.expected_online();
    let mut accounts = Vec::with_capacity(communes.len());
    let mut accounts_created = 0;
    let mut tx = store.begin().await?;
    for (commune, n) in communes.iter().zip(&per_commune) {
        let count = ((*n as f64 * online / 10.0).ceil() as u32).clamp(5, 99_999);
        let (ids, created) =
            communes::citizen_accounts(&mut tx, commune, count, password_hash, options.now).await?;
        accounts.push(ids);
        accounts_created += created;
    }
    tx.commit().await?;

    // Where the numbering stands.
    let mut tx = store.read().await?;
    let books = write::books(&mut tx, &communes, options.year).await?;
    tx.commit().await?;

    let generator = Generator {
        attitudes: rules
            .indicators
            .attitudes
            .iter()
            .map(|a| a.code.clone())
            .collect(),
        rules: rules.clone(),
        backend: store.backend(),
        communes: communes.clone(),
        calendars,
        accounts,
        entries,
        mix,
        days,
        seed: options.seed,
        year: options.year,
        horizon,
        now: options.now,
        file: file.clone(),
        batch: options.batch,
        codes: books.codes,
        receipts: books.receipts,
        results: books.results,
        ids: Random::derive(options.seed, &[books.dossiers, 0x1d5]),
    };
    let (sender, mut receiver) = tokio::sync::mpsc::channel(2);
    let making = tokio::task::spawn_blocking(move || {
        generator.run(|batch| sender.blocking_send(batch).is_ok())
    });
    let mut done = 0u64;
    let mut failed = None;
    while let Some(batch) = receiver.recv().await {
        let dossiers = batch.dossiers;
        if let Err(e) = write::batch(store, batch).await {
            failed = Some(e);
            break;
        }
        done += dossiers;
        progress(done, options.dossiers);
    }
    drop(receiver);
    let totals = making
        .await
        .map_err(|e| StoreError::Invalid(format!("luồng tạo dữ liệu dừng bất thường: {e}")))??;
    if let Some(error) = failed {
        return Err(error);
    }
    let summary = Summary {
        communes: communes.len(),
        communes_created: setup.created,
        officers_created: setup.officers_created,
        accounts_created,
        dossiers: totals.dossiers,
        received: totals.received,
        history: totals.history,
        files: totals.files,
        ratings: totals.ratings,
        payments: totals.payments,
        by_status: totals.by_status,
        early: totals.early,
        on_time: totals.on_time,
        late: totals.late,
    };
    let mut tx = store.begin().await?;
    write::daily(&mut tx, &communes, &fields, &totals.daily).await?;
    // Late steps summed from every history row, this run's and any before: a rerun stays exact.
    crate::report::rebuild_late_steps(&mut tx).await?;
    crate::audit::record(
        &mut tx,
        options.now,
        &crate::audit::Actor::system("xaso demo generate"),
        "demo.generate",
        "demo",
        &options.year.to_string(),
        serde_json::json!({
            "year": options.year,
            "seed": options.seed,
            "communes": summary.communes,
            "communes_created": summary.communes_created,
            "officers_created": summary.officers_created,
            "accounts_created": summary.accounts_created,
            "dossiers": summary.dossiers,
            "history": summary.history,
            "files": summary.files,
            "ratings": summary.ratings,
            "payments": summary.payments,
            "by_status": Status::ALL
                .iter()
                .zip(summary.by_status)
                .map(|(s, n)| (s.code().to_string(), n))
                .collect::<HashMap<String, u64>>(),
        }),
    )
    .await?;
    tx.commit().await?;
    refresh_statistics(store).await?;
    Ok(summary)
}

/// What autovacuum gives a live PostgreSQL database and millions of rows copied in lack until it
/// comes round: table statistics (public look-ups on a just-generated province ran 10 times slower
/// without them; `ANALYZE` samples, seconds even for a province-year) and the report facts'
/// visibility map, without which the reports' index-only scans read every open dossier's row
/// (80 ms instead of 10–12 ms per statement at 5 000 000; the vacuum of that one table took 1 s).
/// SQLite plans well without statistics here, and its ANALYZE reads every row.
async fn refresh_statistics(store: &Store) -> Result<(), StoreError> {
    if let crate::Backend::Postgres = store.backend() {
        // VACUUM refuses to run inside a transaction: plain statements on one connection.
        let mut one = store.one_statement().await?;
        for statement in ["ANALYZE", "VACUUM report_facts"] {
            db!(one.conn(), |c| sqlx::raw_sql(statement)
                .execute(&mut *c)
                .await
                .map(|_| ()))?;
        }
    }
    Ok(())
}
