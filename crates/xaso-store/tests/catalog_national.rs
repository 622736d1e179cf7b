//! A national procedure export goes through the catalog's one import: new codes become version 1,
//! a changed procedure a new version, an unchanged one stays; a file with an error imports nothing.
//! Each test on SQLite and on PostgreSQL.

use chrono::{TimeZone, Utc};
use xaso_domain::catalog::national::parse_json;
use xaso_domain::catalog::ProcessingTime;
use xaso_store::audit::Actor;
use xaso_store::catalog::{self, ImportReport};
use xaso_store::Store;

const SAMPLE: &str = include_str!("../../../data/catalog/national/mau-xuat-csdl.json");

/// The line of the sample that holds 1.004873's time limit.
const MARRIAGE_TIME: &str = "03 ngày làm việc; trường hợp phải xác minh thì không quá 23 ngày";

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 8, 30, 0)
        .single()
        .expect("valid instant")
}

async fn import(store: &Store, name: &str, text: &str) -> ImportReport {
    let procedures = parse_json(name, text).expect("valid export");
    let mut tx = store.begin().await.expect("begin");
    let report = catalog::import(&mut tx, &procedures, name, now(), &Actor::system("test"))
        .await
        .expect("import");
    tx.commit().await.expect("commit");
    report
}

async fn current_codes(store: &Store) -> Vec<(String, i64)> {
    let mut tx = store.read().await.expect("read");
    catalog::all_current(&mut tx)
        .await
        .expect("list")
        .into_iter()
        .map(|r| (r.procedure.code, r.version))
        .collect()
}

xaso_store::backend_tests! {
    async fn an_export_adds_then_revises_only_what_changed(store: Store) {
        let first = import(&store, "mau.json", SAMPLE).await;
        assert_eq!(first.added, ["1.001193", "2.000635", "2.000884", "1.004873"]);
        assert_eq!(
            current_codes(&store).await,
            [("1.001193".to_string(), 1), ("1.004873".into(), 1), ("2.000635".into(), 1), ("2.000884".into(), 1)]
        );

        let again = import(&store, "mau.json", SAMPLE).await;
        assert_eq!((again.added.len(), again.revised.len(), again.unchanged), (0, 0, 4));

        let edited = SAMPLE.replace(MARRIAGE_TIME, "05 ngày làm việc");
        assert_ne!(edited, SAMPLE);
        let revised = import(&store, "mau-moi.json", &edited).await;
        assert_eq!(revised.revised, ["1.004873"]);
        assert_eq!((revised.added.len(), revised.unchanged), (0, 3));

        let mut tx = store.read().await.expect("read");
        let current = catalog::current(&mut tx, "1.004873").await.expect("get").expect("exists");
        assert_eq!((current.version, current.source.as_str()), (2, "mau-moi.json"));
        assert_eq!(current.procedure.time, ProcessingTime::WorkingDays { days: 5, extended_days: None });
        assert!(!current.procedure.unverified.contains(&"time".to_string()));
        let kept = catalog::version(&mut tx, "1.004873", 1).await.expect("get").expect("v1 kept");
        assert!(!kept.is_current);
        assert!(kept.procedure.unverified.contains(&"time".to_string()));
    }

    async fn an_export_with_one_bad_entry_imports_nothing(store: Store) {
        import(&store, "mau.json", SAMPLE).await;
        let before = current_codes(&store).await;
        let broken = SAMPLE
            .replace(MARRIAGE_TIME, "Theo quy định")
            .replace("Lệ phí: 8.000 đồng/bản sao", "Lệ phí: 9.000 đồng/bản sao");
        let line = broken
            .lines()
            .position(|l| l.contains("Theo quy định"))
            .expect("the broken line")
            + 1;
        let err = parse_json("hong.json", &broken).expect_err("refused");
        assert_eq!(err.problems.len(), 1, "{err}");
        assert_eq!(err.problems[0].line, line, "{err}");
        assert!(
            err.to_string().starts_with(&format!(
                "hong.json:{line}: ThoiHanGiaiQuyet: 1.004873: không đọc được thời hạn giải quyết"
            )),
            "{err}"
        );
        // Nothing reached the store: the good change to 2.000635 waits with the rest.
        assert_eq!(current_codes(&store).await, before);
    }
}
