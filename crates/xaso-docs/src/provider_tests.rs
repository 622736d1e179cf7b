//! Identities from a certification provider: .p12 files made by OpenSSL (the tool providers and
//! Windows exports agree with) in today's encryption and the legacy one, RSA and EC keys; signing
//! with them must satisfy the same two independent validators as xaso's own keys.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::p12::{self, P12Error};
use crate::tests::{sign_sample, validator, validators_accept_and_catch_tampering};

const PASSWORD: &str = "Mật-khẩu 2026";

/// A provider's CA and a leader's .p12 made by `openssl` in `dir`; `None` when openssl is missing
/// outside CI (scripts/test installs it).
fn provider_p12(dir: &Path, key: &str, legacy: bool) -> Option<(Vec<u8>, String)> {
    validator("openssl", &["version"])?;
    std::fs::create_dir_all(dir).expect("temp dir");
    let run = |args: &[&str]| {
        let out = Command::new("openssl")
            .current_dir(dir)
            .args(args)
            .output()
            .expect("openssl runs");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let key_options: &[&str] = match key {
        "rsa" => &["-newkey", "rsa:2048"],
        _ => &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
    };
    let ca_subject = "/C=VN/O=Nhà cung cấp thử nghiệm/CN=CA thử nghiệm (không dùng thật)";
    run(&[
        &["req", "-x509", "-utf8", "-nodes", "-days", "3650"][..],
        key_options,
        &["-keyout", "ca.key", "-out", "ca.pem", "-subj", ca_subject],
    ]
    .concat());
    run(&[
        &["req", "-utf8", "-nodes"][..],
        key_options,
        &[
            "-keyout",
            "leader.key",
            "-out",
            "leader.csr",
            "-subj",
            "/C=VN/O=UBND xã Minh Đức/CN=Nguyễn Thị Thu Hà",
        ],
    ]
    .concat());
    // What providers put in a signing certificate (pyHanko insists on non-repudiation).
    std::fs::write(
        dir.join("leader.ext"),
        "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n",
    )
    .expect("extensions");
    run(&[
        "x509",
        "-req",
        "-in",
        "leader.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-days",
        "365",
        "-extfile",
        "leader.ext",
        "-out",
        "leader.pem",
    ]);
    let pass = format!("pass:{PASSWORD}");
    let mut export = vec![
        "pkcs12",
        "-export",
        "-inkey",
        "leader.key",
        "-in",
        "leader.pem",
        "-certfile",
        "ca.pem",
        "-out",
        "leader.p12",
        "-passout",
        &pass,
    ];
    if legacy {
        export.push("-legacy");
    }
    run(&export);
    Some((
        std::fs::read(dir.join("leader.p12")).expect("p12"),
        std::fs::read_to_string(dir.join("ca.pem")).expect("ca"),
    ))
}

fn scratch(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("xaso-p12-{}-{name}", std::process::id()))
}

#[test]
fn provider_files_import_in_every_encryption_and_only_with_their_password() {
    for (key, legacy) in [("rsa", false), ("rsa", true), ("ec", false), ("ec", true)] {
        let dir = scratch(&format!("{key}-{legacy}"));
        let Some((file, ca_pem)) = provider_p12(&dir, key, legacy) else {
            return;
        };
        let identity = p12::read(&file, PASSWORD).expect("the right password opens it");
        let facts =
            crate::verify::certificate_facts(&identity.certificate.der).expect("certificate");
        assert_eq!(facts.subject, "Nguyễn Thị Thu Hà", "{key} legacy={legacy}");
        assert_eq!(facts.issuer, "CA thử nghiệm (không dùng thật)");
        assert!(facts.not_after > chrono::Utc::now() + chrono::Duration::days(360));
        assert!(facts.may_sign);
        assert!(identity.key.matches(&identity.certificate));
        let ca = crate::pki::certificates_in_pem(&ca_pem).expect("pem");
        assert_eq!(
            identity
                .chain
                .iter()
                .map(|c| c.der.clone())
                .collect::<Vec<_>>(),
            ca
        );
        assert!(!identity.key.matches(&identity.chain[0]));
        // The stored form reads back as the same key.
        let stored = crate::pki::Key::from_bytes(&identity.key.to_bytes()).expect("stored key");
        assert!(stored.matches(&identity.certificate));

        assert_eq!(
            p12::read(&file, "mat-khau 2026").err(),
            Some(P12Error::WrongPassword)
        );
        let mut damaged = file.clone();
        let middle = damaged.len() / 2;
        damaged[middle] ^= 0x01;
        assert!(p12::read(&damaged, PASSWORD).is_err());
        for cut in (0..file.len()).step_by(97) {
            assert!(p12::read(&file[..cut], PASSWORD).is_err());
        }
        std::fs::remove_dir_all(dir).expect("clean up");
    }
}

#[test]
fn documents_signed_with_a_provider_key_validate() {
    for key in ["rsa", "ec"] {
        let dir = scratch(&format!("sign-{key}"));
        let Some((file, ca_pem)) = provider_p12(&dir, key, false) else {
            return;
        };
        let identity = p12::read(&file, PASSWORD).expect("opens");
        let signer = crate::sign::Signer {
            key: &identity.key,
            certificate: &identity.certificate,
            chain: &identity.chain,
            name: "Nguyễn Thị Thu Hà".into(),
        };
        let pdf = sign_sample(&signer);
        let ca = crate::pki::certificates_in_pem(&ca_pem).expect("pem");
        let checked = crate::verify::verify(&pdf, &ca).expect("signed");
        assert!(
            checked.intact && checked.whole_document && checked.trusted,
            "{key}: {checked:?}"
        );
        assert_eq!(checked.signer, "Nguyễn Thị Thu Hà");
        validators_accept_and_catch_tampering(&pdf, &ca_pem);
        std::fs::remove_dir_all(dir).expect("clean up");
    }
}
