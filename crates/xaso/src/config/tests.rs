use super::*;
use std::collections::HashMap;

fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |key| map.get(key).cloned()
}

fn file(text: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!("xaso-config-{}.toml", xaso_store::new_id()));
    std::fs::write(&path, text).expect("write config");
    path
}

#[test]
fn defaults_need_nothing() {
    let config = Config::resolve(&ConfigFlags::default(), env(&[])).expect("defaults");
    assert_eq!(config.listen.value.to_string(), "127.0.0.1:8080");
    assert_eq!(
        config.effective_database_url(),
        "sqlite://xaso-data/xaso.db"
    );
    assert!(config.demo.value);
}

#[test]
fn flags_beat_environment_beat_file() {
    let path = file("listen = \"127.0.0.1:7000\"\ndata_dir = \"/srv/file\"\ndatabase_url = \"postgres://xaso:secret@db/xaso\"\ndemo = false\n");
    let flags = ConfigFlags {
        config: Some(path.clone()),
        listen: Some("0.0.0.0:9000".into()),
        ..Default::default()
    };
    let config = Config::resolve(
        &flags,
        env(&[
            ("XASO_LISTEN", "127.0.0.1:8000"),
            ("XASO_DATA_DIR", "/srv/env"),
        ]),
    )
    .expect("layers");
    assert_eq!(config.listen.value.to_string(), "0.0.0.0:9000");
    assert_eq!(config.listen.origin, Origin::Flag);
    assert_eq!(config.data_dir.value, PathBuf::from("/srv/env"));
    assert_eq!(config.data_dir.origin, Origin::Env);
    assert_eq!(config.database_url.origin, Origin::File);
    assert!(!config.demo.value);
    let shown = config.describe();
    assert!(shown.contains("postgres://xaso:***@db/xaso"), "{shown}");
    assert!(!shown.contains("secret"), "{shown}");
    std::fs::remove_file(path).expect("clean up");
}

#[test]
fn bad_values_are_named() {
    let err = Config::resolve(
        &ConfigFlags::default(),
        env(&[("XASO_LISTEN", "localhost")]),
    )
    .expect_err("bad listen");
    assert!(err.to_string().contains("XASO_LISTEN"), "{err}");
    let path = file("listen = \"127.0.0.1:7000\"\nlisen = 1\n");
    let flags = ConfigFlags {
        config: Some(path.clone()),
        ..Default::default()
    };
    let err = Config::resolve(&flags, env(&[])).expect_err("unknown key");
    assert!(format!("{err:#}").contains(":2:"), "{err:#}");
    std::fs::remove_file(path).expect("clean up");
}

const SECRET: &str = "very-secret-value";

#[test]
fn payment_settings_follow_the_layers_and_the_secret_stays_out_of_files() {
    let none = ConfigFlags::default();
    let demo = Config::resolve(&none, env(&[])).expect("defaults");
    assert!(
        demo.payment_sandbox.value,
        "the sandbox comes with the demo data"
    );
    let real = Config::resolve(
        &ConfigFlags {
            no_demo: true,
            ..Default::default()
        },
        env(&[
            ("XASO_PAYMENT_URL", "https://cong.example.vn/pay"),
            ("XASO_PAYMENT_TMN_CODE", "XASO0001"),
            ("XASO_PAYMENT_SECRET", "bi-mat-cua-cong"),
        ]),
    )
    .expect("layers");
    assert!(!real.payment_sandbox.value, "no demo, no sandbox");
    assert_eq!(
        real.payment_url.value.as_deref(),
        Some("https://cong.example.vn/pay")
    );
    let shown = real.describe();
    assert!(
        shown.contains("payment_tmn_code = \"XASO0001\"  # biến môi trường"),
        "{shown}"
    );
    assert!(
        shown.contains("# XASO_PAYMENT_SECRET: ***") && !shown.contains("bi-mat-cua-cong"),
        "{shown}"
    );
    let path = file("payment_secret = \"khong-duoc-o-day\"\n");
    let refused = Config::resolve(
        &ConfigFlags {
            config: Some(path),
            ..Default::default()
        },
        env(&[]),
    )
    .expect_err("secret in the file");
    assert!(
        refused.to_string().contains("XASO_PAYMENT_SECRET"),
        "{refused}"
    );
}

#[test]
fn a_bucket_from_the_environment_and_the_secret_never_shown() {
    let path =
        file("files_s3_endpoint = \"http://127.0.0.1:9000\"\nfiles_s3_prefix = \"tinh-h19/\"\n");
    let flags = ConfigFlags {
        config: Some(path.clone()),
        ..Default::default()
    };
    let config = Config::resolve(
        &flags,
        env(&[
            ("XASO_S3_BUCKET", "xaso-files"),
            ("XASO_S3_ACCESS_KEY_ID", "AKIATEST"),
            ("XASO_S3_SECRET_ACCESS_KEY", SECRET),
        ]),
    )
    .expect("layers");
    assert_eq!(config.files_s3_bucket.value.as_deref(), Some("xaso-files"));
    assert_eq!(config.files_s3_bucket.origin, Origin::Env);
    assert_eq!(config.files_s3_endpoint.origin, Origin::File);
    assert_eq!(config.files_s3_prefix.value, "tinh-h19/");
    assert_eq!(config.files_s3_region.value, "us-east-1");
    assert_eq!(config.files_s3_region.origin, Origin::Default);
    let shown = config.describe();
    assert!(
        shown.contains("files_s3_bucket = \"xaso-files\"  # biến môi trường"),
        "{shown}"
    );
    assert!(
        shown.contains("files_s3_endpoint = \"http://127.0.0.1:9000\"  # tệp cấu hình"),
        "{shown}"
    );
    assert!(
        shown.contains("XASO_S3_ACCESS_KEY_ID: \"AKIATEST\""),
        "{shown}"
    );
    assert!(shown.contains("XASO_S3_SECRET_ACCESS_KEY: ***"), "{shown}");
    assert!(!shown.contains(SECRET), "{shown}");
    assert!(!format!("{config:?}").contains(SECRET));
    std::fs::remove_file(path).expect("clean up");
}

#[tokio::test]
async fn files_stay_local_without_a_bucket() {
    let config = Config::resolve(&ConfigFlags::default(), env(&[])).expect("defaults");
    let files = config.files().await.expect("local");
    assert!(matches!(files, Files::Local(_)));
    assert!(
        config
            .describe()
            .contains("# tệp đính kèm: thư mục xaso-data/files"),
        "{}",
        config.describe()
    );
}

#[tokio::test]
async fn s3_settings_are_checked_before_use() {
    let no_secret = Config::resolve(
        &ConfigFlags::default(),
        env(&[
            ("XASO_S3_BUCKET", "xaso-files"),
            ("XASO_S3_ACCESS_KEY_ID", "AKIATEST"),
        ]),
    )
    .expect("resolves: only using files needs the keys");
    let err = no_secret.files().await.expect_err("no secret");
    assert!(
        err.to_string().contains("XASO_S3_SECRET_ACCESS_KEY"),
        "{err}"
    );

    let no_bucket = Config::resolve(
        &ConfigFlags::default(),
        env(&[("XASO_S3_ENDPOINT", "http://127.0.0.1:9000")]),
    )
    .expect("resolves");
    let err = no_bucket
        .files()
        .await
        .expect_err("endpoint without bucket");
    assert!(err.to_string().contains("XASO_S3_BUCKET"), "{err}");

    let path = file("files_s3_bucket = \"xaso-files\"\nfiles_s3_secret_access_key = \"x\"\n");
    let flags = ConfigFlags {
        config: Some(path.clone()),
        ..Default::default()
    };
    let err = Config::resolve(&flags, env(&[])).expect_err("a secret in the file");
    assert!(
        err.to_string().contains("XASO_S3_SECRET_ACCESS_KEY"),
        "{err}"
    );
    std::fs::remove_file(path).expect("clean up");

    // A closed port: the start-up probe fails, naming the endpoint and never the secret.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let endpoint = format!("http://127.0.0.1:{port}");
    let unreachable = Config::resolve(
        &ConfigFlags::default(),
        env(&[
            ("XASO_S3_BUCKET", "xaso-files"),
            ("XASO_S3_ENDPOINT", &endpoint),
            ("XASO_S3_ACCESS_KEY_ID", "AKIATEST"),
            ("XASO_S3_SECRET_ACCESS_KEY", SECRET),
        ]),
    )
    .expect("resolves");
    let err = unreachable.files().await.expect_err("nothing listens");
    let message = format!("{err:#}");
    assert!(message.contains(&endpoint), "{message}");
    assert!(!message.contains(SECRET), "{message}");
}

#[test]
fn e_id_settings_follow_the_layers_and_the_secret_stays_out_of_files() {
    let path = file("oidc_issuer = \"https://vneid.example\"\noidc_client_id = \"tu-file\"\n");
    let flags = ConfigFlags {
        config: Some(path.clone()),
        ..Default::default()
    };
    let config = Config::resolve(
        &flags,
        env(&[
            ("XASO_OIDC_CLIENT_ID", "xa-minh-duc"),
            ("XASO_OIDC_CLIENT_SECRET", "bi-mat-oidc"),
        ]),
    )
    .expect("resolve");
    assert_eq!(config.oidc.cccd_claim.value, "cccd");
    let web = config
        .oidc
        .web_config("https://dichvucong.minhduc.gov.vn/")
        .expect("valid")
        .expect("configured");
    assert_eq!(web.issuer, "https://vneid.example");
    assert_eq!(
        web.client_id, "xa-minh-duc",
        "the environment beats the file"
    );
    assert_eq!(web.client_secret, "bi-mat-oidc");
    assert_eq!(
        web.redirect_uri,
        "https://dichvucong.minhduc.gov.vn/dang-nhap/vneid/ve"
    );
    let shown = config.describe();
    assert!(shown.contains("# XASO_OIDC_CLIENT_SECRET: ***"), "{shown}");
    assert!(!shown.contains("bi-mat-oidc"), "{shown}");
    assert!(!format!("{config:?}").contains("bi-mat-oidc"));

    // Without the secret the provider is refused rather than half-configured.
    let missing = Config::resolve(&flags, env(&[])).expect("resolve");
    let error = missing
        .oidc
        .web_config("https://x.example")
        .expect_err("no secret");
    assert!(
        error.to_string().contains("XASO_OIDC_CLIENT_SECRET"),
        "{error}"
    );
    // Unset: no e-ID sign-in.
    let none = Config::resolve(&ConfigFlags::default(), env(&[])).expect("resolve");
    assert!(none
        .oidc
        .web_config("http://127.0.0.1:8080")
        .expect("ok")
        .is_none());

    let secret_in_file = file("oidc_client_secret = \"lo\"\n");
    let refused = Config::resolve(
        &ConfigFlags {
            config: Some(secret_in_file.clone()),
            ..Default::default()
        },
        env(&[]),
    )
    .expect_err("secret in the file");
    assert!(
        refused.to_string().contains("XASO_OIDC_CLIENT_SECRET"),
        "{refused}"
    );
    let _ = std::fs::remove_file(path);
    let _ = std::fs::remove_file(secret_in_file);
}

#[test]
fn public_lookup_limit_from_file_or_environment_never_zero() {
    let config = Config::resolve(&ConfigFlags::default(), env(&[])).expect("defaults");
    assert_eq!(config.public_lookups_per_minute.value, 60);
    let path = file("public_lookups_per_minute = 300\n");
    let flags = ConfigFlags {
        config: Some(path.clone()),
        ..Default::default()
    };
    let from_file = Config::resolve(&flags, env(&[])).expect("file");
    assert_eq!(from_file.public_lookups_per_minute.value, 300);
    assert!(from_file
        .describe()
        .contains("public_lookups_per_minute = 300"));
    let from_env = Config::resolve(&flags, env(&[("XASO_PUBLIC_LOOKUPS_PER_MINUTE", "5000")]))
        .expect("environment");
    assert_eq!(from_env.public_lookups_per_minute.value, 5000);
    assert_eq!(from_env.public_lookups_per_minute.origin, Origin::Env);
    let zero = Config::resolve(&flags, env(&[("XASO_PUBLIC_LOOKUPS_PER_MINUTE", "0")]))
        .expect_err("zero refused");
    assert!(zero.to_string().contains("lớn hơn 0"), "{zero}");
    let words = Config::resolve(&flags, env(&[("XASO_PUBLIC_LOOKUPS_PER_MINUTE", "nhiều")]))
        .expect_err("not a number");
    assert!(words.to_string().contains("số nguyên dương"), "{words}");
    let _ = std::fs::remove_file(path);
}
