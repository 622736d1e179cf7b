//! `xaso backup` then `xaso restore` as an operator runs them, on SQLite and on PostgreSQL: the
//! restored database equals the original table by table, its audit chain verifies, and a server
//! starts on it without loading the first data again. Refusals are one clear line.

mod common;

use std::io::Write;
use std::path::Path;
use std::process::Command;

use common::*;

/// A PostgreSQL URL whose tables live in a new schema of their own, or `None` outside CI
/// without a test database.
fn postgres_schema(label: &str) -> Option<String> {
    let Ok(url) = std::env::var(xaso_store::testing::POSTGRES_URL_VAR) else {
        if std::env::var_os("CI").is_some() {
            panic!("the PostgreSQL variant must run under CI");
        }
        let _ = writeln!(
            std::io::stderr(),
            "\n*** SKIPPED PostgreSQL variant of backup and restore: set XASO_TEST_POSTGRES_URL ***"
        );
        return None;
    };
    let schema = format!("{label}_{}", xaso_store::new_id().simple());
    let created = Command::new("psql")
        .args([url.as_str(), "-qc", &format!("CREATE SCHEMA {schema}")])
        .status()
        .expect("psql runs");
    assert!(created.success());
    let separator = if url.contains('?') { '&' } else { '?' };
    Some(format!(
        "{url}{separator}options=-c%20search_path%3D{schema}"
    ))
}

/// Every data table of the two databases, compared row by row; the restored one ends its audit
/// log with the restore.
fn assert_same_tables(original: &str, restored: &str) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let a = xaso_store::Store::open(original).await.expect("original");
        let b = xaso_store::Store::open(restored).await.expect("restored");
        let tables = a.data_tables().await.expect("tables");
        assert_eq!(b.data_tables().await.expect("tables"), tables);
        for table in tables.iter().filter(|t| *t != "_sqlx_migrations") {
            let want = xaso_store::backup::table_rows(&a, table)
                .await
                .expect("rows");
            let mut got = xaso_store::backup::table_rows(&b, table)
                .await
                .expect("rows");
            if table == "audit_log" {
                assert!(got.pop().is_some_and(|r| r.contains("system.restore")));
            }
            assert!(want == got, "{table} differs after restore");
        }
        a.close().await;
        b.close().await;
    });
}

fn round_trip(original_env: &[(&str, &str)], restored_env: &[(&str, &str)]) {
    let dir = temp_dir("backup");
    // A first start makes the demo certificates, their keys sealed with this folder's secret.
    assert!(start(&dir, original_env).terminate().0);
    let generated = run(
        &dir,
        &[
            "demo",
            "generate",
            "--communes",
            "2",
            "--dossiers",
            "300",
            "--year",
            "2025",
        ],
        original_env,
    );
    assert!(generated.status.success(), "{}", text(&generated.stderr));
    let out = run(&dir, &["backup", "--to", "sao-luu"], original_env);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = text(&out.stdout);
    assert!(said.starts_with("Đã sao lưu cơ sở dữ liệu "), "{said}");
    assert!(
        said.contains("không chứa khóa bí mật của cài đặt"),
        "{said}"
    );

    let backup = dir.join("sao-luu");
    let from = backup.to_str().expect("UTF-8");
    // Not a backup: refused before a data folder is made.
    let elsewhere = temp_dir("restored");
    let out = run(&elsewhere, &["restore", "--from", "khong-co"], restored_env);
    assert_one_line_error(&out, "không có tệp xaso-backup.json");
    assert!(!elsewhere.join("xaso-data").exists());
    // Nor into the other backend: SQLite here when the original is on PostgreSQL, and back.
    let other = if restored_env.is_empty() {
        vec![("XASO_DATABASE_URL", "postgres://127.0.0.1:9/none")]
    } else {
        vec![]
    };
    let out = run(&elsewhere, &["restore", "--from", from], &other);
    assert_one_line_error(&out, "chỉ phục hồi vào cùng loại cơ sở dữ liệu");
    assert!(!elsewhere.join("xaso-data").exists());

    let out = run(&elsewhere, &["restore", "--from", from], restored_env);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = text(&out.stdout);
    assert!(
        said.starts_with(&format!("Đã phục hồi bản sao lưu {from} (tạo lúc ")),
        "{said}"
    );
    assert!(
        said.contains(" bảng, ") && said.contains(" dòng; "),
        "{said}"
    );
    assert!(said.contains("hãy chép tệp secret.key"), "{said}");
    let out = run(&elsewhere, &["audit", "verify"], restored_env);
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(text(&out.stdout).starts_with("Nhật ký kiểm toán toàn vẹn: "));

    let url = |dir: &Path, env: &[(&str, &str)]| {
        env.iter()
            .find(|(k, _)| *k == "XASO_DATABASE_URL")
            .map(|(_, v)| v.to_string())
            .unwrap_or_else(|| format!("sqlite://{}", dir.join("xaso-data/xaso.db").display()))
    };
    assert_same_tables(&url(&dir, original_env), &url(&elsewhere, restored_env));

    // Once is enough: the restored database holds data now.
    let out = run(&elsewhere, &["restore", "--from", from], restored_env);
    assert_one_line_error(&out, "đã có dữ liệu");

    // With the old installation's secret, a server starts on it as on the original: nothing
    // loaded again, search answers.
    std::fs::copy(
        dir.join("xaso-data/secret.key"),
        elsewhere.join("xaso-data/secret.key"),
    )
    .expect("the secret kept apart");
    let server = start(&elsewhere, restored_env);
    assert!(
        !server.lines.join("\n").contains("mật khẩu"),
        "{:?}",
        server.lines
    );
    let (status, found) = server.get("/api/v1/procedures?q=dang+ki+khai+sinh");
    assert_eq!(status, 200);
    assert!(
        found.starts_with("{\"items\":[{\"code\":\"1.001193\""),
        "{found}"
    );
    assert!(server.terminate().0);
    std::fs::remove_dir_all(dir).expect("clean up");
    std::fs::remove_dir_all(elsewhere).expect("clean up");
}

#[test]
fn backup_then_restore_on_sqlite() {
    round_trip(&[], &[]);
}

#[test]
fn backup_then_restore_on_postgresql() {
    let (Some(original), Some(restored)) = (postgres_schema("bk"), postgres_schema("rs")) else {
        return;
    };
    round_trip(
        &[("XASO_DATABASE_URL", original.as_str())],
        &[("XASO_DATABASE_URL", restored.as_str())],
    );
}
