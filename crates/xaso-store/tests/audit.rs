//! The audit chain on both backends: intact chains verify, the triggers refuse changes, and
//! changes made around the triggers (as someone with database access could) are named.

use chrono::{TimeZone, Utc};
use xaso_domain::audit::Problem;
use xaso_store::audit::{self, Actor};
use xaso_store::testing::{another_instance, execute};
use xaso_store::{Backend, Store, StoreError};

fn at(minute: u32) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 8, minute, 0)
        .single()
        .expect("valid instant")
        // Nanoseconds that PostgreSQL would round away: the chain must not depend on them.
        + chrono::Duration::nanoseconds(123_456_789)
}

/// Writes `n` rows, one transaction each, alternating a user and the system as actor.
async fn write_rows(store: &Store, n: u32) {
    let user = Actor::user(xaso_store::new_id(), "motcua");
    for i in 0..n {
        let mut tx = store.begin().await.expect("begin");
        let actor = if i % 2 == 0 {
            user.clone()
        } else {
            Actor::system("dòng lệnh")
        };
        let details = serde_json::json!({ "lần": i, "ghi chú": "Tiếp nhận hồ sơ" });
        audit::record(
            &mut tx,
            at(i),
            &actor,
            "dossier.receive",
            "dossier",
            &format!("H{i}"),
            details,
        )
        .await
        .expect("record");
        tx.commit().await.expect("commit");
    }
}

async fn verify(store: &Store) -> audit::VerifyReport {
    let mut tx = store.read().await.expect("read");
    audit::verify(&mut tx).await.expect("verify")
}

/// What an attacker with database access does first.
async fn drop_triggers(store: &Store) {
    let statements: &[&str] = match store.backend() {
        Backend::Sqlite => &[
            "DROP TRIGGER audit_log_no_update",
            "DROP TRIGGER audit_log_no_delete",
        ],
        Backend::Postgres => &["DROP TRIGGER audit_log_no_change ON audit_log"],
    };
    for sql in statements {
        execute(store, sql).await.expect("drop trigger");
    }
}

fn refusal(result: Result<(), StoreError>) -> String {
    result.expect_err("the trigger refuses").to_string()
}

xaso_store::backend_tests! {
    async fn an_intact_chain_verifies(store: Store) {
        assert_eq!(verify(&store).await.rows, 0);
        write_rows(&store, 5).await;
        let report = verify(&store).await;
        assert_eq!(report.problems, vec![]);
        assert_eq!(report.rows, 5);
        let (last, hash) = report.last.expect("a last row");
        assert_eq!(last, 5);
        assert_eq!(hash.len(), 64);
    }

    async fn the_triggers_refuse_changes_and_deletions(store: Store) {
        write_rows(&store, 3).await;
        let edit = refusal(execute(&store, "UPDATE audit_log SET details = '{}' WHERE id = 2").await);
        assert!(edit.contains("chỉ được ghi thêm: không được sửa"), "{edit}");
        let rehash = refusal(execute(&store, "UPDATE audit_log SET hash = 'x' WHERE id = 2").await);
        assert!(rehash.contains("không được sửa"), "{rehash}");
        let delete = refusal(execute(&store, "DELETE FROM audit_log WHERE id = 3").await);
        assert!(delete.contains("không được xóa"), "{delete}");
        if store.backend() == Backend::Postgres {
            let truncate = refusal(execute(&store, "TRUNCATE audit_log").await);
            assert!(truncate.contains("không được xóa"), "{truncate}");
        }
        assert_eq!(verify(&store).await.problems, vec![]);
    }

    async fn an_edited_row_is_named(store: Store) {
        write_rows(&store, 5).await;
        drop_triggers(&store).await;
        execute(&store, r#"UPDATE audit_log SET details = '{"lần":3,"ghi chú":"đã sửa"}' WHERE id = 3"#)
            .await
            .expect("edit");
        let report = verify(&store).await;
        assert_eq!(report.problems, vec![Problem::Edited { id: 3 }]);
        assert_eq!(
            report.problems[0].to_string(),
            "dòng #3: nội dung đã bị sửa (mã băm không khớp nội dung)"
        );
    }

    async fn a_deleted_row_is_named(store: Store) {
        write_rows(&store, 5).await;
        drop_triggers(&store).await;
        execute(&store, "DELETE FROM audit_log WHERE id = 2").await.expect("delete");
        let problems = verify(&store).await.problems;
        assert_eq!(
            problems,
            vec![Problem::Deleted { id: 3, previous: Some(1), missing: Some((2, 2)) }]
        );
        assert_eq!(problems[0].to_string(), "dòng #3: thiếu dòng trước dòng 3 (dòng #2 đã bị xóa)");
    }

    async fn two_swapped_rows_are_named(store: Store) {
        write_rows(&store, 6).await;
        drop_triggers(&store).await;
        // Every column but the id changes places between rows 2 and 5 (through a copy of both:
        // an ordinary table, as each statement may run on another pooled connection).
        let columns = "at, actor_id, actor, action, entity, entity_id, details, prev_hash, hash";
        execute(&store, "CREATE TABLE swapped AS SELECT * FROM audit_log WHERE id IN (2, 5)")
            .await
            .expect("copy");
        for (one, other) in [(2, 5), (5, 2)] {
            execute(
                &store,
                &format!("UPDATE audit_log SET ({columns}) = (SELECT {columns} FROM swapped WHERE id = {other}) WHERE id = {one}"),
            )
            .await
            .expect("swap");
        }
        let problems = verify(&store).await.problems;
        assert_eq!(
            problems,
            vec![
                Problem::Reordered { id: 2, follows: Some(4) },
                Problem::Reordered { id: 5, follows: Some(1) },
            ]
        );
    }

    async fn rows_from_before_the_chain_are_sealed(store: Store) {
        // As migration 0018 finds them: rows without hashes, here with nanoseconds in SQLite.
        for i in 1..=3 {
            execute(
                &store,
                &format!("INSERT INTO audit_log (at, actor, action, entity, entity_id, details)
                          VALUES ('2025-01-0{i}T07:00:00.123456Z', 'cũ', 'user.create', 'user', 'u{i}', '{{}}')"),
            )
            .await
            .expect("legacy row");
        }
        assert_eq!(
            verify(&store).await.problems.iter().map(Problem::id).collect::<Vec<_>>(),
            vec![1, 2, 3]
        );
        // Chaining a row is allowed once, and only without changing what it says.
        let forged = refusal(execute(&store, "UPDATE audit_log SET hash = 'x', prev_hash = 'y', details = 'khác' WHERE id = 1").await);
        assert!(forged.contains("không được sửa"), "{forged}");
        // `record` finds the unchained tail and chains it before its own row.
        write_rows(&store, 1).await;
        let report = verify(&store).await;
        assert_eq!(report.problems, vec![]);
        assert_eq!(report.rows, 4);
        // After sealing, nothing waits and sealing again changes nothing.
        let mut tx = store.begin().await.expect("begin");
        let head = audit::seal_unchained(&mut tx).await.expect("seal");
        tx.commit().await.expect("commit");
        assert_eq!(Some(head), report.last.map(|(_, hash)| hash));
        store.migrate().await.expect("migrate again");
        assert_eq!(verify(&store).await.problems, vec![]);
    }

    async fn migrate_seals_rows_written_before_the_chain(store: Store) {
        execute(
            &store,
            "INSERT INTO audit_log (at, actor, action, entity, entity_id, details)
             VALUES ('2025-01-01T07:00:00Z', 'cũ', 'user.create', 'user', 'u1', '{}')",
        )
        .await
        .expect("legacy row");
        store.migrate().await.expect("migrate");
        let report = verify(&store).await;
        assert_eq!(report.problems, vec![]);
        assert_eq!(report.rows, 1);
    }

    async fn concurrent_writers_keep_one_chain(store: Store) {
        let writers: Vec<_> = (0..8)
            .map(|w| {
                let store = store.clone();
                tokio::spawn(async move {
                    for i in 0..10 {
                        let mut tx = store.begin().await.expect("begin");
                        audit::record(
                            &mut tx,
                            Utc::now(),
                            &Actor::system(&format!("máy {w}")),
                            "test.write",
                            "writer",
                            &format!("{w}-{i}"),
                            serde_json::json!({}),
                        )
                        .await
                        .expect("record");
                        tx.commit().await.expect("commit");
                    }
                })
            })
            .collect();
        for writer in writers {
            writer.await.expect("writer finishes");
        }
        let report = verify(&store).await;
        assert_eq!(report.problems, vec![]);
        assert_eq!(report.rows, 80);
    }

    /// Each instance remembers where its last append left the chain; another one appending
    /// in between (or an append rolled back) must not make it chain a row to a stale end.
    async fn appends_of_another_instance_in_between_keep_one_chain(store: Store) {
        let other = another_instance(&store).await;
        write_rows(&store, 2).await;
        write_rows(&other, 3).await;
        let mut tx = store.begin().await.expect("begin");
        audit::record(
            &mut tx,
            at(30),
            &Actor::system("dòng lệnh"),
            "test.undone",
            "writer",
            "bỏ",
            serde_json::json!({}),
        )
        .await
        .expect("record");
        tx.rollback().await.expect("rollback");
        write_rows(&store, 2).await;
        write_rows(&other, 1).await;
        write_rows(&store, 1).await;
        let report = verify(&store).await;
        assert_eq!(report.problems, vec![]);
        assert_eq!(report.rows, 9);
    }

    /// A log that ends in a row of the id an instance last appended, but another row (as a log
    /// put back from a backup might): the instance reads the end again instead of chaining to
    /// the row it remembers.
    async fn a_last_row_of_the_same_id_but_another_hash_is_read_again(store: Store) {
        write_rows(&store, 2).await;
        drop_triggers(&store).await;
        execute(&store, "DELETE FROM audit_log WHERE id = 2")
            .await
            .expect("delete the last row");
        write_rows(&another_instance(&store).await, 1).await;
        write_rows(&store, 1).await;
        let report = verify(&store).await;
        assert_eq!(report.problems, vec![]);
        assert_eq!(report.rows, 3);
    }
}
