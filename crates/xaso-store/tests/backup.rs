//! Backup and restore on both backends: a realistic world (the shipped catalog, agencies and
//! accounts, live dossiers with scanned papers, a generated few hundred more) is backed up and
//! restored into a brand-new database and file store; every table compares equal row by row and
//! every blob byte by byte, the audit chain verifies with the restore as its last row, searching
//! works, and new dossiers get new codes. A backup from an older schema is migrated on restore.
//! Bad backups and targets in use are refused before anything is written.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use sqlx::{ConnectOptions, Connection};
use xaso_domain::dossier::Channel;
use xaso_store::backup::{self, table_rows};
use xaso_store::catalog::{self, SearchQuery};
use xaso_store::dossier::{self, Applicant, StoredFile};
use xaso_store::files::Files;
use xaso_store::testing::{demo_world, dossier_rules, new_dossier, POSTGRES_URL_VAR};
use xaso_store::{audit, blobs, db, demo, identity, Backend, Store, StoreError};

const BIRTH: &str = "1.001193";
const ID_PAPER_BIRTH: &str =
    "Giấy tờ tùy thân của người đi đăng ký (hộ chiếu, thẻ căn cước, căn cước điện tử…)";

fn now() -> DateTime<Utc> {
    // Monday 2 March 2026, 10:00 in Vietnam.
    Utc.with_ymd_and_hms(2026, 3, 2, 3, 0, 0)
        .single()
        .expect("valid")
}

/// A brand-new, empty database of the same backend as `like`, not migrated: on PostgreSQL a
/// database of its own on the same server, dropped by `remove`.
struct Fresh {
    store: Store,
    database: Option<String>,
    folder: PathBuf,
}

impl Fresh {
    async fn new(like: &Store) -> Fresh {
        let folder = std::env::temp_dir().join(format!("xaso-restore-{}", xaso_store::new_id()));
        std::fs::create_dir_all(&folder).expect("temporary folder");
        let (url, database) = match like.backend() {
            Backend::Sqlite => (
                format!("sqlite://{}", folder.join("xaso.db").display()),
                None,
            ),
            Backend::Postgres => {
                let base =
                    std::env::var(POSTGRES_URL_VAR).expect("the PostgreSQL variant has a URL");
                let name = format!("xaso_restore_{}", xaso_store::new_id().simple());
                admin(&base, &format!("CREATE DATABASE {name}")).await;
                (with_database(&base, &name), Some(name))
            }
        };
        let store = Store::open(&url).await.expect("open the new database");
        Fresh {
            store,
            database,
            folder,
        }
    }

    fn files(&self) -> Files {
        Files::local(self.folder.join("files"))
    }

    async fn remove(self) {
        self.store.close().await;
        if let Some(name) = &self.database {
            let base = std::env::var(POSTGRES_URL_VAR).expect("url");
            admin(&base, &format!("DROP DATABASE {name} WITH (FORCE)")).await;
        }
        let _ = std::fs::remove_dir_all(&self.folder);
    }
}

/// The URL with another database name.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let authority_end = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[authority_end..]
        .find('/')
        .map_or(base.len(), |i| authority_end + i);
    let mut out = format!("{}/{name}", &base[..host_end]);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    out
}

async fn admin(url: &str, sql: &str) {
    let options = sqlx::postgres::PgConnectOptions::from_str(url).expect("PostgreSQL URL");
    let mut conn = options.connect().await.expect("PostgreSQL answers");
    sqlx::query(sql).execute(&mut conn).await.expect(sql);
    let _ = conn.close().await;
}

fn pdf(text: &str) -> Vec<u8> {
    format!("%PDF-1.4 {text}").into_bytes()
}

/// The world to back up: catalog, agencies and accounts, `live` dossiers received at the counter
/// each with its applicant's scanned ID (kept in the citizen store too), `generated` more from
/// the demo generator sharing one file, and one file in the store that no row refers to.
async fn build_world(store: &Store, files: &Files, live: usize, generated: u64) {
    let users = demo_world(store, now()).await;
    let rules = dossier_rules();
    let centre = users["motcua"].agency_code.clone().expect("centre");
    for i in 0..live {
        let number = format!("0752010{i:05}");
        let new = new_dossier(
            BIRTH,
            Channel::Counter,
            &centre,
            Applicant {
                name: "Nguyễn Văn An".into(),
                id_number: Some(number),
                ..Default::default()
            },
        );
        let bytes = pdf(&format!("the can cuoc {i}"));
        let sha256 = files.put(bytes.clone()).await.expect("put");
        let mut tx = store.begin().await.expect("begin");
        let view = dossier::receive(&mut tx, &rules, &new, &users["motcua"], now())
            .await
            .expect("receive");
        let stored = StoredFile {
            sha256,
            size: bytes.len(),
            content_type: "application/pdf",
        };
        dossier::attach(
            &mut tx,
            &rules,
            &view.code,
            Some(ID_PAPER_BIRTH),
            "cccd.pdf",
            &stored,
            &users["motcua"],
            now(),
        )
        .await
        .expect("attach");
        tx.commit().await.expect("commit");
    }
    files
        .put(pdf("orphan, never referred to"))
        .await
        .expect("put");
    if generated > 0 {
        let bytes = pdf("demo attachment");
        let file = demo::DemoFile {
            sha256: files.put(bytes.clone()).await.expect("put"),
            size: bytes.len() as i64,
            content_type: "application/pdf".into(),
        };
        let hash = identity::hash_password("mat-khau-du-lieu-mau".into())
            .await
            .expect("hash");
        let options = demo::Options {
            communes: 2,
            dossiers: generated,
            year: 2025,
            seed: 7,
            now: now(),
            batch: 100,
        };
        demo::generate(
            store,
            Arc::new(rules),
            &options,
            &hash,
            &file,
            &mut |_, _| {},
        )
        .await
        .expect("generate");
    }
}

/// Every data table of `restored` equals `original`'s, row by row and column by column, but for
/// the restore's own audit row at the end; every blob the rows refer to has the same bytes.
async fn assert_same(
    original: &Store,
    original_files: &Files,
    restored: &Store,
    restored_files: &Files,
) {
    let tables = original.data_tables().await.expect("tables");
    // Nothing escapes the comparison but full-text indexes (rebuilt by triggers; see `search`).
    for name in original.table_names().await.expect("names") {
        assert!(
            tables.contains(&name) || name.starts_with("procedures_fts"),
            "{name} is not compared"
        );
    }
    assert_eq!(restored.data_tables().await.expect("tables"), tables);
    let mut compared = 0;
    for table in tables.iter().filter(|t| *t != "_sqlx_migrations") {
        let want = table_rows(original, table).await.expect("rows");
        let mut got = table_rows(restored, table).await.expect("rows");
        if table == "audit_log" {
            let last = got.pop().expect("the restore's row");
            assert!(last.contains("system.restore"), "{last}");
        }
        assert_eq!(got.len(), want.len(), "{table}: row count");
        if let Some((w, g)) = want.iter().zip(&got).find(|(w, g)| w != g) {
            panic!("{table} differs:\n original {w}\n restored {g}");
        }
        compared += want.len();
    }
    assert!(compared > 1000, "a realistic world: {compared} rows");
    let mut tx = original.read().await.expect("read");
    let referenced = blobs::referenced(&mut tx).await.expect("referenced");
    tx.commit().await.expect("commit");
    let kept: BTreeSet<String> = restored_files
        .list()
        .await
        .expect("list")
        .into_iter()
        .map(|l| l.sha256)
        .collect();
    assert_eq!(kept, referenced, "exactly the blobs the rows refer to");
    for hash in &referenced {
        assert_eq!(
            restored_files.get(hash).await.expect("restored blob"),
            original_files.get(hash).await.expect("original blob"),
        );
    }
    let (a, b) = (
        search(original, "khai sinh").await,
        search(restored, "khai sinh").await,
    );
    assert!(!a.is_empty());
    assert_eq!(a, b, "the full-text index was rebuilt");
}

async fn search(store: &Store, text: &str) -> Vec<String> {
    let mut tx = store.read().await.expect("read");
    let query = SearchQuery {
        text: text.into(),
        field: None,
        page: 1,
        per_page: 100,
    };
    let page = catalog::search(&mut tx, &query).await.expect("search");
    page.items.into_iter().map(|p| p.code).collect()
}

async fn chain_verifies(store: &Store) -> usize {
    let mut tx = store.read().await.expect("read");
    let walk = audit::verify(&mut tx).await.expect("verify");
    assert_eq!(walk.problems, vec![]);
    walk.rows
}

/// Receives a dossier on the day every live dossier was received: its code must be new.
async fn receive_after(store: &Store) -> String {
    let rules = dossier_rules();
    let mut tx = store.begin().await.expect("begin");
    let officer = identity::user_by_username(&mut tx, "motcua")
        .await
        .expect("user")
        .expect("motcua");
    let centre = officer.agency_code.clone().expect("centre");
    let new = new_dossier(
        BIRTH,
        Channel::Counter,
        &centre,
        Applicant {
            name: "Trần Thị Bình".into(),
            ..Default::default()
        },
    );
    let view = dossier::receive(&mut tx, &rules, &new, &officer, now())
        .await
        .expect("receive after restore");
    tx.commit().await.expect("commit");
    view.code
}

async fn count(store: &Store, sql: &str) -> i64 {
    let mut tx = store.read().await.expect("read");
    let n: i64 = db!(tx.conn(), |c| sqlx::query_scalar(sql)
        .fetch_one(&mut *c)
        .await)
    .expect(sql);
    n
}

/// A copy of a folder, to spoil without touching the original.
fn copy_folder(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create");
    for entry in std::fs::read_dir(from).expect("read") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_folder(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy");
        }
    }
}

fn blob_path(folder: &Path, hash: &str) -> PathBuf {
    folder
        .join("files")
        .join(&hash[..2])
        .join(&hash[2..4])
        .join(hash)
}

xaso_store::backend_tests! {
    async fn a_restored_backup_equals_the_original_table_by_table_and_blob_by_blob(store: Store) {
        let started = std::time::Instant::now();
        let root = std::env::temp_dir().join(format!("xaso-backup-{}", xaso_store::new_id()));
        let files = Files::local(root.join("live"));
        build_world(&store, &files, 12, 300).await;
        let folder = root.join("backup");
        let manifest = backup::run(&store, &files, &folder, now()).await.expect("backup");
        assert_eq!(manifest.blobs, 13, "twelve scans and the demo file, not the orphan");

        let fresh = Fresh::new(&store).await;
        let restored = backup::restore(&fresh.store, &fresh.files(), &folder, now()).await.expect("restore");
        assert_eq!((restored.blobs, restored.blob_bytes), (manifest.blobs, manifest.blob_bytes));
        assert_eq!(restored.migrated, 0);
        assert_eq!(restored.tables, fresh.store.data_tables().await.expect("tables").len() - 1);
        assert_eq!(restored.rows as i64, {
            let mut n = 0;
            for t in fresh.store.data_tables().await.expect("tables") {
                if t != "_sqlx_migrations" {
                    n += table_rows(&fresh.store, &t).await.expect("rows").len() as i64;
                }
            }
            n - 1
        }, "every loaded row counted, the restore's audit row aside");
        assert_same(&store, &files, &fresh.store, &fresh.files()).await;
        assert_eq!(chain_verifies(&fresh.store).await, chain_verifies(&store).await + 1);

        // Work goes on: codes and ids continue past the restored ones.
        let dossiers_before = count(&fresh.store, "SELECT COUNT(*) FROM dossiers").await;
        let code = receive_after(&fresh.store).await;
        assert_eq!(count(&fresh.store, &format!("SELECT COUNT(*) FROM dossiers WHERE code = '{code}'")).await, 1);
        assert_eq!(count(&fresh.store, "SELECT COUNT(*) FROM dossiers").await, dossiers_before + 1);
        assert_eq!(code, receive_after(&store).await, "the same next code as the original would give");
        chain_verifies(&fresh.store).await;

        // Restoring again over the restored data is refused, and changes nothing.
        let again = backup::restore(&fresh.store, &fresh.files(), &folder, now()).await;
        assert!(matches!(&again, Err(StoreError::Conflict(m)) if m.contains("đã có dữ liệu (bảng ")), "{again:?}");
        assert_eq!(count(&fresh.store, "SELECT COUNT(*) FROM dossiers").await, dossiers_before + 1);
        fresh.remove().await;
        std::fs::remove_dir_all(root).expect("clean up");
        eprintln!("round trip on {}: {:?}", store.backend().name(), started.elapsed());
    }

    async fn a_backup_from_an_older_schema_is_migrated_on_restore(store: Store) {
        // `store` is only a pattern here: the original is a new database one migration behind.
        let original = Fresh::new(&store).await;
        let all: BTreeSet<i64> = original.store.migrations().iter().map(|(v, _)| *v).collect();
        let last = *all.last().expect("migrations");
        let older: BTreeSet<i64> = all.iter().copied().filter(|v| *v != last).collect();
        original.store.migrate_only(&older).await.expect("older schema");
        // Today's code writes dossiers into today's tables (0026 added report sums every
        // reception writes), so the older database holds what both schemas share: the catalog,
        // agencies, accounts and citizens; the newer step then runs over the restored rows.
        build_world(&original.store, &original.files(), 0, 0).await;
        let folder = original.folder.join("backup");
        backup::run(&original.store, &original.files(), &folder, now()).await.expect("backup");
        original.store.migrate().await.expect("the original upgraded in place");

        let fresh = Fresh::new(&store).await;
        let restored = backup::restore(&fresh.store, &fresh.files(), &folder, now()).await.expect("restore");
        assert_eq!(fresh.store.applied_migrations().await.expect("applied"), all);
        assert_eq!(restored.migrated, 1, "the newer step ran");
        let tables = fresh.store.data_tables().await.expect("tables");
        for table in tables.iter().filter(|t| *t != "_sqlx_migrations" && *t != "audit_log") {
            assert_eq!(table_rows(&fresh.store, table).await.expect("rows"), table_rows(&original.store, table).await.expect("rows"), "{table}");
        }
        chain_verifies(&fresh.store).await;
        fresh.remove().await;

        // PostgreSQL builds the backup's own schema first: a target already past it is refused.
        if store.backend() == Backend::Postgres {
            let again = backup::restore(&store, &Files::local(original.folder.join("other")), &folder, now()).await;
            assert!(matches!(&again, Err(StoreError::Conflict(m)) if m.contains(&format!("bước cập nhật cấu trúc {last} mà bản sao lưu chưa có"))), "{again:?}");
        }
        original.remove().await;
    }

    async fn bad_backups_and_targets_in_use_are_refused(store: Store) {
        let root = std::env::temp_dir().join(format!("xaso-backup-{}", xaso_store::new_id()));
        let files = Files::local(root.join("live"));
        build_world(&store, &files, 2, 0).await;
        let good = root.join("backup");
        backup::run(&store, &files, &good, now()).await.expect("backup");
        let scan = {
            let mut tx = store.read().await.expect("read");
            let hashes = blobs::referenced(&mut tx).await.expect("referenced");
            hashes.into_iter().next().expect("a scan")
        };
        let fresh = Fresh::new(&store).await;
        let spoiled = |name: &str, spoil: &dyn Fn(&Path)| {
            let folder = root.join(name);
            copy_folder(&good, &folder);
            spoil(&folder);
            folder
        };
        let other = match store.backend() { Backend::Sqlite => "postgres", Backend::Postgres => "sqlite" };
        let edit_manifest = |from: &str, to: &str| {
            let (from, to) = (from.to_string(), to.to_string());
            move |f: &Path| {
                let path = f.join(backup::MANIFEST);
                let text = std::fs::read_to_string(&path).expect("manifest");
                assert!(text.contains(&from), "{text}");
                std::fs::write(&path, text.replace(&from, &to)).expect("write");
            }
        };
        let cases: Vec<(PathBuf, &str)> = vec![
            (root.join("nothing-here"), "không có tệp xaso-backup.json"),
            (spoiled("garbled", &|f| std::fs::write(f.join(backup::MANIFEST), "{ not json").expect("write")), "không hợp lệ"),
            (spoiled("other-backend", &edit_manifest(&format!("\"backend\": \"{}\"", store.backend().name()), &format!("\"backend\": \"{other}\""))), "chỉ phục hồi vào cùng loại cơ sở dữ liệu"),
            (spoiled("known-missing", &edit_manifest("\"missing_blobs\": []", &format!("\"missing_blobs\": [\"{scan}\"]"))), "thiếu 1 tệp ngay từ khi sao lưu"),
            (spoiled("tampered", &|f| std::fs::write(blob_path(f, &scan), pdf("something else")).expect("write")), "không khớp mã băm"),
            (spoiled("lost", &|f| std::fs::remove_file(blob_path(f, &scan)).expect("remove")), "bản sao lưu thiếu tệp"),
        ];
        for (folder, expected) in cases {
            let refused = backup::restore(&fresh.store, &fresh.files(), &folder, now()).await;
            let message = match refused {
                Err(e) => e.to_string(),
                Ok(r) => panic!("{} was restored: {r:?}", folder.display()),
            };
            assert!(message.contains(expected), "{}: {message}", folder.display());
            assert!(!message.contains('\n'), "{message}");
        }
        // A scan the manifest does not count, gone: found missing when the rows are loaded.
        let uncounted = spoiled("lost-uncounted", &|f| {
            std::fs::remove_file(blob_path(f, &scan)).expect("remove");
            edit_manifest("\"blobs\": 2", "\"blobs\": 1")(f);
        });
        let refused = backup::restore(&fresh.store, &fresh.files(), &uncounted, now()).await;
        assert!(matches!(&refused, Err(StoreError::Foreign(m)) if m.contains(&format!("thiếu 1 tệp mà dữ liệu nhắc đến (ví dụ {scan})"))), "{refused:?}");

        // Nothing was loaded by the refusals: the good backup still restores into the same target.
        backup::restore(&fresh.store, &fresh.files(), &good, now()).await.expect("restore after refusals");
        chain_verifies(&fresh.store).await;
        // A database in use is never restored over.
        let over = backup::restore(&store, &files, &good, now()).await;
        assert!(matches!(&over, Err(StoreError::Conflict(m)) if m.contains("đã có dữ liệu (bảng agencies, ")), "{over:?}");
        fresh.remove().await;
        std::fs::remove_dir_all(root).expect("clean up");
    }
}
