//! Test support: fresh, migrated stores on both backends.
//!
//! PostgreSQL tests use `XASO_TEST_POSTGRES_URL` and get a schema of their own, so they run in
//! parallel. Without the variable they are skipped with a loud message on the terminal — except
//! under CI (`CI` set), where a missing PostgreSQL is a failure.

use std::io::Write;
use std::str::FromStr;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection};

use xaso_domain::catalog::{parse_catalog, Procedure};

use crate::audit::Actor;
use crate::{catalog, new_id, Pool, Store};

pub const POSTGRES_URL_VAR: &str = "XASO_TEST_POSTGRES_URL";

/// A migrated SQLite store in a new file under the system's temporary folder.
pub async fn sqlite() -> Store {
    let dir = std::env::temp_dir().join("xaso-tests");
    std::fs::create_dir_all(&dir).expect("temporary folder is writable");
    let file = dir.join(format!("{}.db", new_id()));
    let store = Store::open_with(&format!("sqlite://{}", file.display()), 4)
        .await
        .expect("open test SQLite");
    store.migrate().await.expect("migrate test SQLite");
    store
}

/// A migrated PostgreSQL store in a fresh schema, or `None` (after saying so) when no test
/// database is configured outside CI.
pub async fn postgres() -> Option<Store> {
    let Ok(url) = std::env::var(POSTGRES_URL_VAR) else {
        if std::env::var_os("CI").is_some() {
            panic!("{POSTGRES_URL_VAR} is not set under CI: the PostgreSQL tests must run");
        }
        // Written past the test harness's capture so that it shows even when the test passes.
        let _ = writeln!(
            std::io::stderr(),
            "\n*** SKIPPED PostgreSQL variant: set {POSTGRES_URL_VAR}=postgres://… (as .ci/run does) ***"
        );
        return None;
    };
    let schema = format!("t_{}", new_id().simple());
    let options = PgConnectOptions::from_str(&url)
        .unwrap_or_else(|e| panic!("{POSTGRES_URL_VAR} is not a PostgreSQL URL: {e}"));
    let mut admin = options
        .connect()
        .await
        .unwrap_or_else(|e| panic!("PostgreSQL at {POSTGRES_URL_VAR} does not answer: {e}"));
    sqlx::query(&format!("CREATE SCHEMA {schema}"))
        .execute(&mut admin)
        .await
        .expect("create test schema");
    let _ = admin.close().await;
    let pool = PgPoolOptions::new()
        .max_connections(4)
        .connect_with(options.options([("search_path", schema.as_str())]))
        .await
        .expect("connect test schema");
    let store = Store::with_pool(
        Pool::Postgres(pool),
        format!("{} (schema {schema})", crate::redact_url(&url)),
    );
    store.migrate().await.expect("migrate test PostgreSQL");
    Some(store)
}

/// A second server on the same database, with caches of its own, as another process would be:
/// on SQLite a second set of connections to the file, on PostgreSQL the same schema's pool.
pub async fn another_instance(store: &Store) -> Store {
    match &store.pool {
        Pool::Sqlite(_) => Store::open_with(&store.location, 4)
            .await
            .expect("open the same SQLite file again"),
        Pool::Postgres(pool) => {
            Store::with_pool(Pool::Postgres(pool.clone()), store.location.clone())
        }
    }
}

/// Runs one SQL statement in its own transaction: for tests that change the database around
/// the program, as someone with direct access could (the audit chain's tamper tests).
pub async fn execute(store: &Store, sql: &str) -> Result<(), crate::StoreError> {
    let mut tx = store.begin().await?;
    crate::db!(tx.conn(), |c| sqlx::query(sql)
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
    tx.commit().await
}

/// The number of rows of every table, by name: what a refused request must leave as it was (every
/// change of state also appends to the audit log, so a changed row shows there too).
pub async fn row_counts(store: &Store) -> std::collections::BTreeMap<String, i64> {
    let tables = store.table_names().await.expect("table names");
    let mut tx = store.read().await.expect("read");
    let mut counts = std::collections::BTreeMap::new();
    for table in tables {
        let sql = format!("SELECT CAST(COUNT(*) AS BIGINT) FROM \"{table}\"");
        let count: i64 = crate::db!(tx.conn(), |c| sqlx::query_scalar(&sql)
            .fetch_one(&mut *c)
            .await)
        .unwrap_or_else(|e| panic!("count {table}: {e}"));
        counts.insert(table, count);
    }
    counts
}

/// Every non-null value of a text column, for tests that check how text was stored.
pub async fn column_texts(store: &Store, table: &str, column: &str) -> Vec<String> {
    let sql = format!("SELECT \"{column}\" FROM \"{table}\" WHERE \"{column}\" IS NOT NULL");
    let mut tx = store.read().await.expect("read");
    crate::db!(tx.conn(), |c| sqlx::query_scalar(&sql)
        .fetch_all(&mut *c)
        .await)
    .unwrap_or_else(|e| panic!("{table}.{column}: {e}"))
}

/// The catalog shipped in the repository's `data/catalog`, validated.
/// One procedure of `data/catalog` by its code.
pub fn shipped_procedure(code: &str) -> Procedure {
    shipped_catalog()
        .into_iter()
        .find(|p| p.code == code)
        .unwrap_or_else(|| panic!("no procedure {code} in data/catalog"))
}

pub fn shipped_catalog() -> Vec<Procedure> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/catalog");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("data/catalog exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    let mut all = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).expect("readable catalog file");
        let name = path.display().to_string();
        all.extend(parse_catalog(&name, &text).unwrap_or_else(|e| panic!("{e}")));
    }
    all
}

/// Imports the shipped catalog.
pub async fn import_shipped_catalog(store: &Store, now: chrono::DateTime<chrono::Utc>) {
    let mut tx = store.begin().await.expect("begin");
    catalog::import(
        &mut tx,
        &shipped_catalog(),
        "data/catalog",
        now,
        &Actor::system("test"),
    )
    .await
    .expect("import shipped catalog");
    tx.commit().await.expect("commit");
}

fn repo_files(folder: &str) -> Vec<(String, String)> {
    let dir = format!("{}/../../data/{folder}", env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            (
                p.display().to_string(),
                std::fs::read_to_string(&p).expect("readable data file"),
            )
        })
        .collect()
}

/// A dossier of a shipped procedure with every mandatory component provided as an original, for
/// `applicant`; received with "accept" unless it comes online.
pub fn new_dossier(
    procedure: &str,
    channel: xaso_domain::dossier::Channel,
    centre: &str,
    applicant: crate::dossier::Applicant,
) -> crate::dossier::NewDossier {
    let procedure = shipped_procedure(procedure);
    crate::dossier::NewDossier {
        procedure_code: procedure.code.clone(),
        channel,
        receiving_agency: centre.into(),
        handling_commune: None,
        applicant,
        owner_name: None,
        proxy_name: None,
        components: procedure
            .components
            .iter()
            .filter(|c| c.mandatory)
            .map(|c| crate::dossier::ProvidedComponent {
                name: c.name.clone(),
                provided: Some(xaso_domain::catalog::ComponentForm::Original),
            })
            .collect(),
        decision: (channel != xaso_domain::dossier::Channel::Online)
            .then_some(crate::dossier::Decision::Accept),
    }
}

/// Workflows and calendars from the repository's `data/`.
pub fn dossier_rules() -> crate::dossier::DossierRules {
    let workflows = repo_files("workflows")
        .iter()
        .map(|(name, text)| {
            let workflow =
                xaso_domain::dossier::parse_workflow(name, text).unwrap_or_else(|e| panic!("{e}"));
            (workflow.key.clone(), workflow)
        })
        .collect();
    let calendars = xaso_domain::calendar::CalendarSet::from_files(&repo_files("calendar"))
        .unwrap_or_else(|e| panic!("{e}"));
    let citizen = xaso_domain::citizen::CitizenRules::from_files(&repo_files("citizen"))
        .unwrap_or_else(|e| panic!("{e}"));
    let exemptions = repo_files("fees")
        .iter()
        .flat_map(|(name, text)| {
            xaso_domain::payment::fees::parse_exemptions(name, text)
                .unwrap_or_else(|e| panic!("{e}"))
        })
        .collect();
    crate::dossier::DossierRules {
        workflows,
        calendars: std::sync::Arc::new(calendars),
        citizen: std::sync::Arc::new(citizen),
        exemptions: std::sync::Arc::new(exemptions),
        feedback: repo_files("feedback")
            .iter()
            .find(|(name, _)| name.ends_with("thoi-han.toml"))
            .map(|(name, text)| {
                xaso_domain::feedback::parse_rules(name, text).unwrap_or_else(|e| panic!("{e}"))
            })
            .expect("data/feedback/thoi-han.toml"),
        notices: std::sync::Arc::new(crate::notification::Notices::new(
            repo_files("notifications")
                .iter()
                .map(|(name, text)| xaso_domain::notification::Templates::parse(name, text))
                .next()
                .expect("data/notifications/mau-thong-bao.toml")
                .unwrap_or_else(|e| panic!("{e}")),
            "http://xa.example",
        )),
        indicators: repo_files("feedback")
            .iter()
            .find(|(name, _)| name.ends_with("chi-so-tt01.toml"))
            .map(|(name, text)| {
                xaso_domain::report::parse_indicator_rules(name, text)
                    .unwrap_or_else(|e| panic!("{e}"))
            })
            .expect("data/feedback/chi-so-tt01.toml"),
    }
}

/// The shipped catalog, the demo agencies and one account per role: `motcua`, `chuyenvien`,
/// `lanhdao` (xã Minh Đức), `motcua.tk`, `chuyenvien.tk`, `lanhdao.tk` (xã Tân Khai), `congdan`,
/// `congdan2`. All share the password `mat-khau-kiem-thu`.
pub async fn demo_world(
    store: &Store,
    now: chrono::DateTime<chrono::Utc>,
) -> std::collections::HashMap<String, crate::identity::User> {
    use xaso_domain::identity::Role;
    import_shipped_catalog(store, now).await;
    let (name, text) = repo_files("demo")
        .into_iter()
        .find(|(n, _)| n.ends_with("agencies.toml"))
        .expect("demo agencies");
    let specs = xaso_domain::agency::parse_agencies(&name, &text).unwrap_or_else(|e| panic!("{e}"));
    let code = |key: &str| {
        specs
            .iter()
            .find(|s| s.key == key)
            .map(|s| s.agency_code.clone())
    };
    let hash = crate::identity::hash_password("mat-khau-kiem-thu".into())
        .await
        .expect("hash");
    let mut tx = store.begin().await.expect("begin");
    crate::agency::insert_tree(&mut tx, &specs, now, &Actor::system("test"))
        .await
        .expect("agencies");
    let mut users = std::collections::HashMap::new();
    for (username, full_name, role, agency) in [
        (
            "motcua",
            "Nguyễn Thị Hương",
            Role::CounterOfficer,
            code("minh-duc-pvhcc"),
        ),
        (
            "chuyenvien",
            "Trần Văn Minh",
            Role::Specialist,
            code("minh-duc-vp"),
        ),
        ("lanhdao", "Lê Văn Đức", Role::Leader, code("minh-duc")),
        (
            "motcua.tk",
            "Đặng Thị Thu",
            Role::CounterOfficer,
            code("tan-khai-pvhcc"),
        ),
        (
            "chuyenvien.tk",
            "Bùi Văn Tâm",
            Role::Specialist,
            code("tan-khai-pvhcc"),
        ),
        (
            "lanhdao.tk",
            "Phan Văn Khải",
            Role::Leader,
            code("tan-khai"),
        ),
        ("congdan", "Võ Thị Mai", Role::Citizen, None),
        ("congdan2", "Huỳnh Văn Bảy", Role::Citizen, None),
        (
            "tinh",
            "Hoàng Văn Nam",
            Role::ProvinceViewer,
            code("dong-nai"),
        ),
    ] {
        let user = crate::identity::create_user(
            &mut tx,
            crate::identity::NewUser {
                username: username.into(),
                full_name: full_name.into(),
                agency_code: agency,
                roles: vec![role],
                password_hash: Some(hash.clone()),
                must_change_password: false,
            },
            now,
            &Actor::system("test"),
        )
        .await
        .expect("user");
        users.insert(username.to_string(), user);
    }
    tx.commit().await.expect("commit");
    users
}

/// Declares each test once and runs it on both backends, as `NAME::sqlite` and `NAME::postgres`:
///
/// ```text
/// xaso_store::backend_tests! {
///     async fn imports_twice(store: Store) { … }
/// }
/// ```
#[macro_export]
macro_rules! backend_tests {
    ($( $(#[$meta:meta])* async fn $name:ident($store:ident : $ty:ty) $body:block )*) => {
        $(
            $(#[$meta])*
            mod $name {
                #[allow(unused_imports)]
                use super::*;

                async fn run($store: $ty) $body

                #[::tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    run($crate::testing::sqlite().await).await;
                }

                #[::tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    if let Some(store) = $crate::testing::postgres().await {
                        run(store).await;
                    }
                }
            }
        )*
    };
}

/// The dashboard's late steps counted straight from the history rows (what `report::late_steps`
/// read before the daily sums existed): the reference the sums are held equal to.
pub async fn late_steps_from_history(
    tx: &mut crate::Tx,
    commune: Option<&str>,
    period: &xaso_domain::report::Period,
    by_officer: bool,
) -> Vec<crate::report::LateSteps> {
    let who = if by_officer {
        "h.actor"
    } else {
        "COALESCE(a.name, h.agency_code, '')"
    };
    let sql = format!(
        "SELECT {who} AS who, COUNT(*) AS count
         FROM dossier_history h JOIN dossiers d ON d.id = h.dossier_id
         JOIN agencies c ON c.id = d.handling_commune_id
         LEFT JOIN agencies a ON a.agency_code = h.agency_code
         WHERE h.step_result = 'late' AND h.at >= $2 AND h.at < $3 AND ($1 IS NULL OR c.agency_code = $1)
         GROUP BY {who} ORDER BY count DESC, who"
    );
    crate::db!(tx.conn(), |c| sqlx::query_as(&sql)
        .bind(commune)
        .bind(period.start())
        .bind(period.end())
        .fetch_all(&mut *c)
        .await)
    .expect("late steps from the history")
}

/// Rows of `report_monthly` that are not the sums of their month's `report_daily` rows, and
/// months of the daily sums that have no such row, and the same of the late steps'
/// `report_late_monthly` and `report_late_daily`: 0 when the tables agree.
pub async fn monthly_sums_differing(tx: &mut crate::Tx) -> i64 {
    let columns = crate::report::DAILY_COLUMNS.join(", ");
    let sums: Vec<String> = crate::report::DAILY_COLUMNS
        .iter()
        .map(|c| format!("CAST(SUM({c}) AS BIGINT)"))
        .collect();
    let from_days = format!(
        "SELECT handling_commune_id, field, substr(day, 1, 7), {} FROM report_daily
         GROUP BY handling_commune_id, field, substr(day, 1, 7)",
        sums.join(", ")
    );
    let kept = format!("SELECT handling_commune_id, field, month, {columns} FROM report_monthly");
    let late_from_days = "SELECT handling_commune_id, substr(day, 1, 7), agency_code, actor,
                                 CAST(SUM(late) AS BIGINT)
                          FROM report_late_daily
                          GROUP BY handling_commune_id, substr(day, 1, 7), agency_code, actor";
    let late_kept = "SELECT handling_commune_id, month, agency_code, actor, CAST(late AS BIGINT)
                     FROM report_late_monthly";
    let sql = format!(
        "SELECT (SELECT COUNT(*) FROM ({kept} EXCEPT {from_days}) AS a)
              + (SELECT COUNT(*) FROM ({from_days} EXCEPT {kept}) AS b)
              + (SELECT COUNT(*) FROM ({late_kept} EXCEPT {late_from_days}) AS c)
              + (SELECT COUNT(*) FROM ({late_from_days} EXCEPT {late_kept}) AS d)"
    );
    crate::db!(tx.conn(), |c| sqlx::query_scalar(&sql)
        .fetch_one(&mut *c)
        .await)
    .expect("monthly sums against the daily ones")
}
