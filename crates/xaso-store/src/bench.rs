//! What `xaso bench` needs from the database: the limit its write scenarios are compared with (the
//! backend's raw durable-commit rate on a pool opened as the server opens its own), the staff it
//! acts as, a session for the pages, and a sample of codes for public look-ups.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use xaso_domain::identity::Role;

use crate::audit::{self, Actor};
use crate::identity::{list_users, open_session, user_by_username};
use crate::{agency, db, Store, StoreError};

/// Single-row transactions committed by several clients during a while.
pub struct CommitLoop {
    pub commits: u64,
    pub elapsed: Duration,
    /// One per commit, begin to commit.
    pub latencies: Vec<Duration>,
}

/// A scratch table, made for the measurement and dropped after it.
const PROBE_TABLE: &str = "bench_commit_probe";

/// The raw durable-commit rate: `clients` tasks each run `BEGIN; INSERT one row; COMMIT` through
/// `Store::begin` (on SQLite the same writer queue and `BEGIN IMMEDIATE` as every write of the
/// application, with `synchronous = FULL`) until `duration` has passed.
pub async fn raw_commit_rate(
    store: &Store,
    clients: usize,
    duration: Duration,
) -> Result<CommitLoop, StoreError> {
    let create = match store.backend() {
        crate::Backend::Sqlite => format!(
            "CREATE TABLE IF NOT EXISTS {PROBE_TABLE} (id INTEGER PRIMARY KEY AUTOINCREMENT, client INTEGER NOT NULL, at TEXT NOT NULL)"
        ),
        crate::Backend::Postgres => format!(
            "CREATE TABLE IF NOT EXISTS {PROBE_TABLE} (id BIGSERIAL PRIMARY KEY, client BIGINT NOT NULL, at TEXT NOT NULL)"
        ),
    };
    execute(store, &create).await?;
    let started = Instant::now();
    let deadline = started + duration;
    let mut tasks = Vec::with_capacity(clients);
    for client in 0..clients {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while Instant::now() < deadline {
                let begun = Instant::now();
                let mut tx = store.begin().await?;
                let insert = format!("INSERT INTO {PROBE_TABLE} (client, at) VALUES ($1, $2)");
                db!(tx.conn(), |c| sqlx::query(&insert)
                    .bind(i64::try_from(client).unwrap_or(i64::MAX))
                    .bind(Utc::now().to_rfc3339())
                    .execute(&mut *c)
                    .await
                    .map(|_| ()))?;
                tx.commit().await?;
                latencies.push(begun.elapsed());
            }
            Ok::<_, StoreError>(latencies)
        }));
    }
    let mut latencies = Vec::new();
    for task in tasks {
        let done = task
            .await
            .map_err(|e| StoreError::Unavailable(format!("vòng ghi thử bị dừng: {e}")))?;
        latencies.extend(done?);
    }
    let elapsed = started.elapsed();
    execute(store, &format!("DROP TABLE {PROBE_TABLE}")).await?;
    Ok(CommitLoop {
        commits: latencies.len() as u64,
        elapsed,
        latencies,
    })
}

async fn execute(store: &Store, sql: &str) -> Result<(), StoreError> {
    let mut tx = store.begin().await?;
    db!(tx.conn(), |c| sqlx::query(sql)
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
    tx.commit().await
}

/// The officers who carry a dossier through the default workflow in one commune.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Team {
    pub commune_code: String,
    /// Where the counter officer works: the dossiers' receiving agency.
    pub centre_code: String,
    pub counter: String,
    pub specialist: String,
    pub leader: String,
}

/// Up to `limit` communes with an enabled counter officer, specialist and leader (the first of
/// each by user name), in commune code order.
pub async fn teams(store: &Store, limit: usize) -> Result<Vec<Team>, StoreError> {
    let mut tx = store.read().await?;
    let users = list_users(&mut tx).await?;
    let mut by_commune: BTreeMap<String, [Option<(String, String)>; 3]> = BTreeMap::new();
    for user in users.iter().filter(|u| !u.disabled) {
        let Some(code) = &user.agency_code else {
            continue;
        };
        let Some(commune) = agency::commune_of(&mut tx, code).await? else {
            continue;
        };
        let slots = by_commune.entry(commune.agency_code).or_default();
        for (slot, role) in [Role::CounterOfficer, Role::Specialist, Role::Leader]
            .into_iter()
            .enumerate()
        {
            if user.has_role(role) && slots[slot].is_none() {
                slots[slot] = Some((user.username.clone(), code.clone()));
            }
        }
    }
    tx.commit().await?;
    Ok(by_commune
        .into_iter()
        .filter_map(|(commune_code, [counter, specialist, leader])| {
            let (counter, centre_code) = counter?;
            Some(Team {
                commune_code,
                centre_code,
                counter,
                specialist: specialist?.0,
                leader: leader?.0,
            })
        })
        .take(limit)
        .collect())
}

/// A session for `username` without a password, for the bench's page requests; written to the
/// audit chain like every sign-in.
pub async fn open_bench_session(
    store: &Store,
    username: &str,
    now: DateTime<Utc>,
) -> Result<String, StoreError> {
    let mut tx = store.begin().await?;
    let user = user_by_username(&mut tx, username)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("tài khoản {username}")))?;
    let (token, _) = open_session(&mut tx, user.id, now).await?;
    audit::record(
        &mut tx,
        now,
        &Actor::system("xaso bench"),
        "user.session_for_bench",
        "user",
        username,
        serde_json::json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(token)
}

/// Up to `n` dossier codes picked at random, for public look-ups.
pub async fn sample_codes(store: &Store, n: usize) -> Result<Vec<String>, StoreError> {
    let mut tx = store.read().await?;
    let codes: Vec<String> = db!(tx.conn(), |c| sqlx::query_scalar(
        "SELECT code FROM dossiers ORDER BY random() LIMIT $1"
    )
    .bind(i64::try_from(n).unwrap_or(i64::MAX))
    .fetch_all(&mut *c)
    .await)?;
    tx.commit().await?;
    Ok(codes)
}

/// How many dossiers carry each code more than once (0 when codes are unique) and how many
/// dossiers there are.
pub async fn code_check(store: &Store) -> Result<(i64, i64), StoreError> {
    let mut tx = store.read().await?;
    let counts: (i64, i64) = db!(tx.conn(), |c| sqlx::query_as(
        "SELECT COUNT(*) - COUNT(DISTINCT code), COUNT(*) FROM dossiers"
    )
    .fetch_one(&mut *c)
    .await)?;
    tx.commit().await?;
    Ok(counts)
}

/// The background work done since an instant: outbox messages (to citizens and to other systems)
/// created since then, those taken more than once, those still waiting, and the periodic sweeps
/// run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JobsSince {
    pub messages: i64,
    pub taken_twice: i64,
    pub waiting: i64,
    pub sweeps: i64,
}

pub async fn jobs_since(store: &Store, since: DateTime<Utc>) -> Result<JobsSince, StoreError> {
    let mut tx = store.read().await?;
    let mut jobs = JobsSince {
        messages: 0,
        taken_twice: 0,
        waiting: 0,
        sweeps: 0,
    };
    for table in ["notifications", "outbound_messages"] {
        let (messages, taken_twice, waiting): (i64, i64, i64) = db!(tx.conn(), |c| {
            sqlx::query_as(
            &format!(
                "SELECT COUNT(*),
                        CAST(COALESCE(SUM(CASE WHEN attempts > 1 THEN 1 ELSE 0 END), 0) AS BIGINT),
                        CAST(COALESCE(SUM(CASE WHEN status IN ('pending', 'sending') THEN 1 ELSE 0 END), 0) AS BIGINT)
                 FROM {table} WHERE created_at >= $1"
            )
        )
        .bind(since)
        .fetch_one(&mut *c)
        .await
        })?;
        jobs.messages += messages;
        jobs.taken_twice += taken_twice;
        jobs.waiting += waiting;
    }
    jobs.sweeps = db!(tx.conn(), |c| sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'job.deadline_sweep' AND at >= $1"
    )
    .bind(since)
    .fetch_one(&mut *c)
    .await)?;
    tx.commit().await?;
    Ok(jobs)
}

/// What a crash must never leave behind, counted over the whole database: codes given twice,
/// dossiers without history or whose status is not where their last history line took them,
/// and broken links of the audit chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Integrity {
    pub dossiers: i64,
    pub repeated_codes: i64,
    pub out_of_step: i64,
    pub audit_rows: usize,
    pub audit_problems: usize,
}

impl Integrity {
    pub fn is_whole(&self) -> bool {
        self.repeated_codes == 0 && self.out_of_step == 0 && self.audit_problems == 0
    }
}

pub async fn integrity(store: &Store) -> Result<Integrity, StoreError> {
    let (repeated_codes, dossiers) = code_check(store).await?;
    let mut tx = store.read().await?;
    let out_of_step: i64 = db!(tx.conn(), |c| sqlx::query_scalar(
        "SELECT COUNT(*) FROM dossiers d
         WHERE d.status IS DISTINCT FROM (
             SELECT h.status_to FROM dossier_history h
             WHERE h.dossier_id = d.id ORDER BY h.id DESC LIMIT 1)"
    )
    .fetch_one(&mut *c)
    .await)?;
    let walk = audit::verify(&mut tx).await?;
    tx.commit().await?;
    Ok(Integrity {
        dossiers,
        repeated_codes,
        out_of_step,
        audit_rows: walk.rows,
        audit_problems: walk.problems.len(),
    })
}

/// How many kept report facts differ from facts recomputed from the dossiers (0 when every
/// change updated its reports in its own transaction); the recomputation is rolled back.
pub async fn report_facts_differing(
    store: &Store,
    rules: &crate::dossier::DossierRules,
) -> Result<usize, StoreError> {
    let mut tx = store.begin().await?;
    let rebuilt = crate::report::rebuild(&mut tx, rules).await?;
    tx.rollback().await?;
    Ok(rebuilt.differed)
}
