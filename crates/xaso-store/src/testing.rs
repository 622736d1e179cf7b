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
    let store = Store {
        pool: Pool::Postgres(pool),
        location: format!("{} (schema {schema})", crate::redact_url(&url)),
    };
    store.migrate().await.expect("migrate test PostgreSQL");
    Some(store)
}

/// The catalog shipped in the repository's `data/catalog`, validated.
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
