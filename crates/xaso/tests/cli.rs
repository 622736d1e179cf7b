//! The `xaso` binary as an operator uses it: first start, restart, SIGTERM, imports, users, errors.

mod common;

use std::io::Write;
use std::process::{Command, Output, Stdio};

use common::*;

fn first_start_then_restart(env: &[(&str, &str)]) {
    let dir = temp_dir("serve");
    let server = start(&dir, env);
    let banner = server.lines.join("\n");
    assert!(banner.contains("mật khẩu dùng một lần"), "{banner}");
    assert!(banner.contains("motcua"), "demo accounts listed: {banner}");
    let (status, home) = server.get("/");
    assert_eq!(status, 200);
    assert!(home.contains("Đăng ký khai sinh") && home.contains("Tra cứu thủ tục hành chính"));
    let (_, found) = server.get("/api/v1/procedures?q=dang+ki+khai+sinh");
    assert!(
        found.starts_with("{\"items\":[{\"code\":\"1.001193\""),
        "{found}"
    );
    let (_, agencies) = server.get("/api/v1/agencies");
    assert!(agencies.contains("UBND xã Minh Đức"));
    let (ok, tail) = server.terminate();
    assert!(ok, "graceful shutdown exits 0");
    assert!(tail.iter().any(|l| l.contains("Đã dừng")), "{tail:?}");

    // The second start keeps everything and loads nothing again.
    let again = start(&dir, env);
    assert!(
        !again.lines.join("\n").contains("mật khẩu"),
        "{:?}",
        again.lines
    );
    let (_, agencies_again) = again.get("/api/v1/agencies");
    assert_eq!(agencies, agencies_again);
    assert!(again.terminate().0);
    std::fs::remove_dir_all(dir).expect("clean up");
}

#[test]
fn serve_on_embedded_sqlite_with_no_configuration() {
    first_start_then_restart(&[]);
    // The data folder is where the README says.
}

#[test]
fn serve_on_postgresql() {
    let Ok(url) = std::env::var(xaso_store::testing::POSTGRES_URL_VAR) else {
        if std::env::var_os("CI").is_some() {
            panic!("the PostgreSQL variant must run under CI");
        }
        let _ = writeln!(
            std::io::stderr(),
            "\n*** SKIPPED PostgreSQL variant of serve: set XASO_TEST_POSTGRES_URL ***"
        );
        return;
    };
    let schema = format!("cli_{}", xaso_store::new_id().simple());
    let created = Command::new("psql")
        .args([url.as_str(), "-qc", &format!("CREATE SCHEMA {schema}")])
        .status()
        .expect("psql runs");
    assert!(created.success());
    let separator = if url.contains('?') { '&' } else { '?' };
    let database_url = format!("{url}{separator}options=-c%20search_path%3D{schema}");
    first_start_then_restart(&[("XASO_DATABASE_URL", database_url.as_str())]);
}

#[test]
fn catalog_import_is_all_or_nothing_with_line_numbers() {
    let dir = temp_dir("import");
    let good = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../data/catalog/chung-thuc.toml"
    ))
    .expect("shipped file");
    let edited = good.replacen("amount = 10000", "amount = 12000", 1);
    assert_ne!(good, edited, "the shipped file has a 10,000 đ fee to edit");
    let broken = format!("{edited}\n[[procedure]]\ncode = \"x.1\"\nname = \"Thiếu trường\"\n");
    std::fs::write(dir.join("bad.toml"), &broken).expect("write");
    let bad_line = broken.lines().count() - 1;

    let out = run(&dir, &["import", "catalog", "bad.toml"], &[]);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(
        err.contains(&format!("bad.toml:{}:", bad_line - 1)),
        "{err}"
    );
    assert!(err.contains("chưa nhập thủ tục nào"), "{err}");

    std::fs::write(dir.join("good.toml"), &edited).expect("write");
    let out = run(&dir, &["import", "catalog", "good.toml"], &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = text(&out.stdout);
    assert!(
        said.contains("thủ tục mới, 0 thủ tục có phiên bản mới"),
        "nothing of bad.toml was imported before: {said}"
    );
    std::fs::write(dir.join("good.toml"), &good).expect("write");
    let said = text(&run(&dir, &["import", "catalog", "good.toml"], &[]).stdout);
    assert!(
        said.contains("0 thủ tục mới, 1 thủ tục có phiên bản mới"),
        "{said}"
    );

    let out = run(&dir, &["import", "catalog", "missing.toml"], &[]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("missing.toml"));
    std::fs::remove_dir_all(dir).expect("clean up");
}

#[test]
fn user_commands() {
    let dir = temp_dir("user");
    let out = run(
        &dir,
        &[
            "user",
            "add",
            "thuky",
            "--name",
            "Đỗ Thị Thu",
            "--role",
            "specialist",
            "--role",
            "leader",
        ],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("Mật khẩu dùng một lần"));

    let mut child = xaso(
        &dir,
        &["user", "set-password", "thuky", "--password-stdin"],
        &[],
    )
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .spawn()
    .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all("mật-khẩu-mới-đủ-dài\n".as_bytes())
        .expect("write");
    assert!(child.wait_with_output().expect("wait").status.success());

    let listed = text(&run(&dir, &["user", "list", "--format", "json"], &[]).stdout);
    let users: serde_json::Value = serde_json::from_str(&listed).expect("JSON list");
    assert_eq!(users[0]["username"], "thuky");
    assert_eq!(users[0]["full_name"], "Đỗ Thị Thu");
    assert_eq!(
        users[0]["roles"],
        serde_json::json!(["specialist", "leader"])
    );
    assert_eq!(users[0]["must_change_password"], false);

    let token = text(&run(&dir, &["user", "token", "thuky"], &[]).stdout);
    assert!(
        token.trim().starts_with("xaso_") && token.trim().len() > 60,
        "{token}"
    );
    assert!(run(&dir, &["user", "disable", "thuky"], &[])
        .status
        .success());
    let listed = text(&run(&dir, &["user", "list"], &[]).stdout);
    assert!(listed.contains("khóa"), "{listed}");

    let out = run(
        &dir,
        &["user", "add", "x", "--name", "X", "--role", "king"],
        &[],
    );
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("vai trò `king` không tồn tại"));
    let out = run(&dir, &["user", "disable", "khongco"], &[]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("không tìm thấy người dùng khongco"));
    std::fs::remove_dir_all(dir).expect("clean up");
}

#[test]
fn bad_databases_are_clear_one_line_errors() {
    let dir = temp_dir("errors");
    std::fs::create_dir_all(dir.join("xaso-data")).expect("dir");
    std::fs::write(dir.join("xaso-data/xaso.db"), vec![7u8; 4096]).expect("garbage");
    assert_one_line_error(
        &run(&dir, &["migrate"], &[]),
        "không phải cơ sở dữ liệu SQLite",
    );
    assert_one_line_error(
        &run(&dir, &["migrate", "--database-url", "mysql://x/y"], &[]),
        "không nhận ra loại cơ sở dữ liệu",
    );
    assert_one_line_error(
        &run(
            &dir,
            &["migrate"],
            &[("XASO_DATABASE_URL", "sqlite://no/such/folder/x.db")],
        ),
        "no/such/folder",
    );
    assert_one_line_error(
        &run(
            &dir,
            &[
                "migrate",
                "--database-url",
                "postgres://xaso:secret@127.0.0.1:1/x",
            ],
            &[],
        ),
        "postgres://xaso:***@127.0.0.1:1/x",
    );
    assert!(!text(
        &run(
            &dir,
            &[
                "migrate",
                "--database-url",
                "postgres://xaso:secret@127.0.0.1:1/x"
            ],
            &[]
        )
        .stderr
    )
    .contains("secret"));
    assert_one_line_error(
        &run(&dir, &["serve", "--listen", "nowhere"], &[]),
        "--listen",
    );
    std::fs::remove_dir_all(dir).expect("clean up");
}

#[test]
fn config_shows_layers_and_hides_passwords() {
    let dir = temp_dir("config");
    std::fs::write(
        dir.join("xaso.toml"),
        "listen = \"127.0.0.1:7000\"\ndatabase_url = \"postgres://xaso:secret@db/xaso\"\n",
    )
    .expect("write");
    let out = run(
        &dir,
        &["config", "--listen", "127.0.0.1:9000"],
        &[("XASO_DATA_DIR", "/srv/xaso")],
    );
    assert!(out.status.success());
    let shown = text(&out.stdout);
    assert!(
        shown.contains("listen = \"127.0.0.1:9000\"  # tham số dòng lệnh"),
        "{shown}"
    );
    assert!(
        shown.contains("data_dir = \"/srv/xaso\"  # biến môi trường"),
        "{shown}"
    );
    assert!(
        shown.contains("postgres://xaso:***@db/xaso\"  # tệp cấu hình"),
        "{shown}"
    );
    assert!(!shown.contains("secret"));
    std::fs::remove_dir_all(dir).expect("clean up");
}

#[test]
fn migrate_creates_the_data_folder() {
    let dir = temp_dir("migrate");
    let out = run(&dir, &["migrate"], &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(dir.join("xaso-data/xaso.db").is_file());
    assert!(dir.join("xaso-data/files").is_dir());
    assert!(text(&run(&dir, &["migrate"], &[]).stdout).contains("áp dụng 0 bước mới"));
    std::fs::remove_dir_all(dir).expect("clean up");
}

#[test]
fn calendar_and_deadline_commands() {
    let dir = temp_dir("calendar");
    // A first start loads the demo agencies, whose own days off can then be imported.
    let (ok, _) = start(&dir, &[]).terminate();
    assert!(ok);

    let json = |out: Output| -> serde_json::Value {
        assert!(out.status.success(), "{}", text(&out.stderr));
        serde_json::from_slice(&out.stdout).expect("JSON")
    };
    let national = json(run(&dir, &["calendar", "2026", "--format", "json"], &[]));
    let kinds: Vec<(String, String)> = national["days"]
        .as_array()
        .expect("days")
        .iter()
        .map(|d| {
            (
                d["date"].as_str().unwrap_or_default().to_string(),
                d["kind"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert!(kinds.contains(&("2026-01-10".into(), "working_weekend".into())));
    assert!(!kinds.iter().any(|(d, _)| d == "2026-03-06"));

    std::fs::write(
        dir.join("minh-duc-2026.toml"),
        "year = 2026\nsource = \"Quyết định 15/QĐ-UBND của UBND xã Minh Đức\"\nagency = \"000.04.61.H19\"\n\n[[day]]\ndate = \"2026-03-06\"\nkind = \"day_off\"\nreason = \"Kiểm kê kho lưu trữ hồ sơ\"\n",
    )
    .expect("write");
    let out = run(&dir, &["import", "calendar", "minh-duc-2026.toml"], &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let own = json(run(
        &dir,
        &[
            "calendar",
            "2026",
            "--agency",
            "000.04.61.H19",
            "--format",
            "json",
        ],
        &[],
    ));
    assert!(own["days"]
        .to_string()
        .contains("Kiểm kê kho lưu trữ hồ sơ"));
    let due = json(run(
        &dir,
        &[
            "deadline",
            "--from",
            "2026-03-05T09:00",
            "--days",
            "1",
            "--agency",
            "000.04.61.H19",
            "--format",
            "json",
        ],
        &[],
    ));
    assert_eq!(due["due"], "2026-03-09T09:00:00+07:00");
    let national_due = json(run(
        &dir,
        &[
            "deadline",
            "--from",
            "2026-03-05T09:00",
            "--days",
            "1",
            "--format",
            "json",
        ],
        &[],
    ));
    assert_eq!(national_due["due"], "2026-03-06T09:00:00+07:00");

    std::fs::write(
        dir.join("clash.toml"),
        "year = 2026\nsource = \"x\"\nagency = \"000.04.61.H19\"\n\n[[day]]\ndate = \"2026-01-02\"\nkind = \"day_off\"\nreason = \"Trùng\"\n",
    )
    .expect("write");
    let out = run(&dir, &["import", "calendar", "clash.toml"], &[]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("clash.toml:6: ngày 2026-01-02 trùng với thông báo chung"),
        "{}",
        text(&out.stderr)
    );

    let lunar = json(run(
        &dir,
        &["calendar", "lunar", "2026-02-17", "--format", "json"],
        &[],
    ));
    assert_eq!(lunar["lunar"]["month"], 1);
    let out = run(&dir, &["calendar", "solar", "--lunar", "2026-02-30"], &[]);
    assert_one_line_error(&out, "không tồn tại");
    std::fs::remove_dir_all(dir).expect("clean up");
}

#[test]
fn certificates_for_signing_results() {
    let dir = temp_dir("pki");
    // A first start with demo data makes the secret and the demo's certificates.
    let (ok, _) = start(&dir, &[]).terminate();
    assert!(ok);
    let secret = dir.join("xaso-data/secret.key");
    assert_eq!(
        std::fs::read_to_string(&secret)
            .expect("secret")
            .trim()
            .len(),
        64
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&secret)
                .expect("metadata")
                .permissions()
                .mode()
                & 0o777,
            0o600
        );
    }
    let out = run(&dir, &["pki", "init"], &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("Đã tạo 0 chứng thư CA và 0 chứng thư ký số"),
        "nothing missing: {}",
        text(&out.stdout)
    );
    let out = run(
        &dir,
        &["pki", "ca", "--agency", "000.00.61.H19", "--out", "ca.pem"],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(std::fs::read_to_string(dir.join("ca.pem"))
        .expect("pem")
        .starts_with("-----BEGIN CERTIFICATE-----"));
    assert_one_line_error(
        &run(
            &dir,
            &["pki", "ca", "--agency", "999.99.99.H99", "--out", "x.pem"],
            &[],
        ),
        "chưa có CA",
    );
    // The demo's returned dossiers carry signed e-results that verify against the commune's CA.
    let out = run(
        &dir,
        &["dossier", "list", "--status", "10", "--format", "json"],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let returned: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let returned = returned.as_array().expect("list");
    assert!(!returned.is_empty());
    let mut signed_by = Vec::new();
    for dossier in returned {
        let code = dossier["code"].as_str().expect("code");
        let out = run(
            &dir,
            &["dossier", "result", code, "--out", "ket-qua.pdf"],
            &[],
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert!(text(&out.stdout).contains(&format!("Đã ghi kết quả điện tử của hồ sơ {code}")));
        let out = run(&dir, &["verify", "ket-qua.pdf"], &[]);
        assert!(
            out.status.success(),
            "{}{}",
            text(&out.stdout),
            text(&out.stderr)
        );
        assert!(
            text(&out.stdout).contains("Chữ ký số hợp lệ."),
            "{}",
            text(&out.stdout)
        );
        signed_by.push(text(&out.stdout));
        if text(&out.stdout).contains("Người ký: Lê Văn Đức") {
            break; // ket-qua.pdf is now signed by `lanhdao`, revoked below
        }
    }
    assert!(
        signed_by
            .last()
            .is_some_and(|r| r.contains("Người ký: Lê Văn Đức")),
        "{signed_by:?}"
    );
    let out = run(
        &dir,
        &["dossier", "list", "--status", "4", "--format", "json"],
        &[],
    );
    let open: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let open = open[0]["code"].as_str().expect("a dossier in progress");
    assert_one_line_error(
        &run(&dir, &["dossier", "result", open, "--out", "x.pdf"], &[]),
        "chưa có kết quả điện tử",
    );
    let out = run(&dir, &["pki", "revoke", "lanhdao"], &[]);
    assert!(
        text(&out.stdout).contains("Đã thu hồi 1 chứng thư"),
        "{}",
        text(&out.stdout)
    );
    // Signed before the revocation: still valid, and the revocation is shown.
    let out = run(&dir, &["verify", "ket-qua.pdf"], &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("bị thu hồi lúc"),
        "{}",
        text(&out.stdout)
    );
    // A provider's certificate: the password from the environment, or one line on standard input.
    let p12 = format!(
        "{}/../../tests/fixtures/provider/leader.p12",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut typing = xaso(&dir, &["pki", "import", &p12, "--user", "lanhdao"], &[])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("xaso runs");
    let mut stdin = typing.stdin.take().expect("stdin");
    stdin.write_all(b"sai-mat-khau\n").expect("type");
    drop(stdin);
    assert_one_line_error(&typing.wait_with_output().expect("ends"), "sai mật khẩu");
    let password = [("XASO_P12_PASSWORD", "Mật-khẩu 2026")];
    let import = |user: &str| run(&dir, &["pki", "import", &p12, "--user", user], &password);
    assert_one_line_error(&import("motcua"), "không phải lãnh đạo");
    let out = import("lanhdao");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains(
            "Đã nhập chứng thư ký số của Lê Văn Đức do CA thử nghiệm (không dùng thật) cấp"
        ),
        "{}",
        text(&out.stdout)
    );
    // With another secret, the sealed keys do not open.
    let out = run(
        &dir,
        &["pki", "init"],
        &[("XASO_SECRET_KEY", &"0".repeat(64))],
    );
    assert_one_line_error(&out, "khóa bí mật");
    std::fs::remove_dir_all(dir).expect("clean up");
}

/// A result signed by a CA that is not in the database (the database's CAs are trusted too; the
/// web tests verify a result signed by the commune's own CA).
fn signed_result() -> (Vec<u8>, xaso_docs::pki::Certificate) {
    use xaso_docs::pki::{issue, name, Key};
    let now = chrono::Utc::now() - chrono::Duration::days(1);
    let ca_key = Key::generate();
    let ca_name = name("CA UBND xã Minh Đức (ngoài hệ thống)", "UBND xã Minh Đức");
    let ca = issue(&ca_name, &ca_key, &ca_name, &ca_key, true, now, 3650);
    let leader_key = Key::generate();
    let leader_name = name("Lê Văn Đức", "UBND xã Minh Đức");
    let leader = issue(
        &leader_name,
        &leader_key,
        &ca_name,
        &ca_key,
        false,
        now,
        730,
    );
    let mut document = xaso_docs::pdf::Document::new("Kết quả");
    let page = document.add_page(xaso_docs::pdf::A5);
    let style = xaso_docs::pdf::Style::Regular;
    document.text(page, 40.0, 500.0, 12.0, style, "Kết quả giải quyết");
    let signer = xaso_docs::sign::Signer {
        key: &leader_key,
        certificate: &leader,
        chain: std::slice::from_ref(&ca),
        name: "Lê Văn Đức".into(),
    };
    let pdf = xaso_docs::sign::sign(document, &signer, "Phê duyệt", chrono::Utc::now());
    (pdf, ca)
}

#[test]
fn verify_checks_a_signed_result() {
    let dir = temp_dir("verify");
    let (pdf, ca) = signed_result();
    std::fs::write(dir.join("ket-qua.pdf"), &pdf).expect("pdf");
    std::fs::write(dir.join("ca.pem"), ca.pem()).expect("pem");
    let out = run(&dir, &["verify", "ket-qua.pdf", "--trust", "ca.pem"], &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report = text(&out.stdout);
    assert!(report.contains("Người ký: Lê Văn Đức"), "{report}");
    assert!(report.contains("Nội dung nguyên vẹn: đạt"), "{report}");
    assert!(report.contains("Chữ ký số hợp lệ."), "{report}");
    // Without trusting that CA: not one of the communes' CAs.
    assert_one_line_error(
        &run(&dir, &["verify", "ket-qua.pdf"], &[]),
        "không được tin cậy",
    );
    // One changed byte in the signed content.
    let mut changed = pdf.clone();
    let at = changed
        .windows(4)
        .position(|w| w == b"xaso")
        .expect("producer");
    changed[at] = b'X';
    std::fs::write(dir.join("sua.pdf"), &changed).expect("pdf");
    let out = run(&dir, &["verify", "sua.pdf", "--trust", "ca.pem"], &[]);
    assert!(text(&out.stdout).contains("Nội dung nguyên vẹn: KHÔNG đạt"));
    assert_one_line_error(&out, "đã bị thay đổi sau khi ký");
    // Content appended after signing.
    let mut appended = pdf;
    appended.extend_from_slice(b"\n% added later\n");
    std::fs::write(dir.join("them.pdf"), &appended).expect("pdf");
    assert_one_line_error(
        &run(&dir, &["verify", "them.pdf", "--trust", "ca.pem"], &[]),
        "được thêm sau khi ký",
    );
    std::fs::write(dir.join("trang.pdf"), b"%PDF-1.7\n%%EOF\n").expect("pdf");
    assert_one_line_error(
        &run(&dir, &["verify", "trang.pdf"], &[]),
        "không có chữ ký số",
    );
    std::fs::write(dir.join("sai.pem"), "not a certificate").expect("pem");
    assert_one_line_error(
        &run(&dir, &["verify", "ket-qua.pdf", "--trust", "sai.pem"], &[]),
        "không chứa chứng thư PEM",
    );
    assert_one_line_error(
        &run(&dir, &["verify", "khong-co.pdf"], &[]),
        "không đọc được khong-co.pdf",
    );
    std::fs::remove_dir_all(dir).expect("clean up");
}

#[test]
fn output_into_a_reader_that_stops_ends_quietly() {
    let dir = std::env::temp_dir().join(format!("xaso-pipe-{}", std::process::id()));
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_xaso"))
        .args(["calendar", "2026", "--data-dir"])
        .arg(&dir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("xaso runs");
    // The reader goes away before the command has printed anything (it is still starting), as
    // `xaso … | head -0` would: every line it prints meets a broken pipe.
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("exits");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{:?} {stderr}", out.status);
    assert!(!stderr.contains("panicked"), "{stderr}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn audit_verify_names_a_tampered_row() {
    let dir = temp_dir("audit");
    for name in ["thuky", "ketoan"] {
        let out = run(
            &dir,
            &[
                "user",
                "add",
                name,
                "--name",
                "Đỗ Thị Thu",
                "--role",
                "specialist",
            ],
            &[],
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    let out = run(&dir, &["audit", "verify"], &[]);
    let said = text(&out.stdout);
    assert!(out.status.success(), "{said}{}", text(&out.stderr));
    assert!(
        said.starts_with("Nhật ký kiểm toán toàn vẹn: 2 dòng, dòng cuối #2, mã băm "),
        "{said}"
    );

    // Someone with the database file drops the trigger and rewrites the first row.
    let url = format!("sqlite://{}", dir.join("xaso-data/xaso.db").display());
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let store = xaso_store::Store::open(&url).await.expect("open");
        for sql in [
            "DROP TRIGGER audit_log_no_update",
            r#"UPDATE audit_log SET details = '{"roles":["leader"]}' WHERE id = 1"#,
        ] {
            xaso_store::testing::execute(&store, sql).await.expect(sql);
        }
        store.close().await;
    });
    let out = run(&dir, &["audit", "verify"], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stdout),
        "dòng #1: nội dung đã bị sửa (mã băm không khớp nội dung)\n"
    );
    assert!(
        text(&out.stderr)
            .contains("nhật ký kiểm toán đã bị can thiệp: 1 dòng có vấn đề trên tổng 2 dòng"),
        "{}",
        text(&out.stderr)
    );
    std::fs::remove_dir_all(dir).expect("clean up");
}
