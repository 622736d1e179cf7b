//! `xaso serve` over TLS: with `XASO_TLS_CERT` and `XASO_TLS_KEY` it announces https://, answers
//! a client that trusts the certificate (curl), sends HSTS and Secure cookies, refuses plain HTTP
//! on the same port; one file without the other, or a key that does not match, stops it at start.

mod common;

use std::process::Command;

use common::{run, start, temp_dir, text};

fn openssl(dir: &std::path::Path, args: &[&str]) {
    let out = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("openssl runs (scripts/test installs it)");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        text(&out.stderr)
    );
}

#[test]
fn serve_speaks_https_with_the_configured_certificate() {
    let dir = temp_dir("tls");
    openssl(
        &dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-days",
            "2",
            "-keyout",
            "key.pem",
            "-out",
            "cert.pem",
        ],
    );
    openssl(
        &dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-subj",
            "/CN=other",
            "-days",
            "2",
            "-keyout",
            "other-key.pem",
            "-out",
            "other.pem",
        ],
    );
    let cert = dir.join("cert.pem").display().to_string();
    let key = dir.join("key.pem").display().to_string();

    // Half a configuration, or a key of another certificate: a clear error, nothing served.
    let half = run(
        &dir,
        &["serve", "--listen", "127.0.0.1:0"],
        &[("XASO_TLS_CERT", cert.as_str())],
    );
    assert!(!half.status.success());
    assert!(
        text(&half.stderr).contains("cần đặt cả tls_cert và tls_key"),
        "{}",
        text(&half.stderr)
    );
    let other_key = dir.join("other-key.pem").display().to_string();
    let mismatched = run(
        &dir,
        &["serve", "--listen", "127.0.0.1:0"],
        &[
            ("XASO_TLS_CERT", cert.as_str()),
            ("XASO_TLS_KEY", other_key.as_str()),
        ],
    );
    assert!(!mismatched.status.success());
    assert!(
        text(&mismatched.stderr).contains("không khớp"),
        "{}",
        text(&mismatched.stderr)
    );

    let server = start(
        &dir,
        &[
            ("XASO_TLS_CERT", cert.as_str()),
            ("XASO_TLS_KEY", key.as_str()),
        ],
    );
    assert!(
        server
            .lines
            .iter()
            .any(|l| l.contains("đang phục vụ tại https://")),
        "{:?}",
        server.lines
    );
    let url = format!("https://{}", server.address);
    let curl = |args: &[&str]| Command::new("curl").args(args).output().expect("curl runs");
    let health = curl(&[
        "-sS",
        "--cacert",
        &cert,
        "-D",
        "-",
        &format!("{url}/healthz"),
    ]);
    let answer = text(&health.stdout);
    assert!(health.status.success(), "{}", text(&health.stderr));
    assert!(
        answer.starts_with("HTTP/1.1 200") || answer.starts_with("HTTP/2 200"),
        "{answer}"
    );
    assert!(
        answer
            .to_ascii_lowercase()
            .contains("strict-transport-security: max-age=31536000"),
        "{answer}"
    );
    let login = curl(&[
        "-sS",
        "--cacert",
        &cert,
        "-D",
        "-",
        "-o",
        "/dev/null",
        &format!("{url}/dang-nhap"),
    ]);
    let headers = text(&login.stdout);
    assert!(
        headers.lines().any(
            |l| l.to_ascii_lowercase().starts_with("set-cookie: xaso_csrf=")
                && l.trim_end().ends_with("; Secure")
        ),
        "{headers}"
    );
    // A client that does not trust the certificate is refused by its own TLS check.
    assert!(!curl(&["-sS", &format!("{url}/healthz")]).status.success());
    // Plain HTTP on the TLS port gets no answer.
    let plain = curl(&[
        "-sS",
        "--max-time",
        "5",
        &format!("http://{}/healthz", server.address),
    ]);
    assert!(!plain.status.success() || !text(&plain.stdout).contains("ok"));
}
