//! The effective configuration: defaults, then `xaso.toml`, then `XASO_*` variables, then flags.

use std::fmt::Write;
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{anyhow, bail, Context};
use serde::Deserialize;
use xaso_domain::datafile::DataFile;
use xaso_store::files::{Files, S3Config};

/// Where a value came from, shown by `xaso config`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Default,
    File,
    Env,
    Flag,
}

impl Origin {
    fn label(self) -> &'static str {
        match self {
            Origin::Default => "mặc định",
            Origin::File => "tệp cấu hình",
            Origin::Env => "biến môi trường",
            Origin::Flag => "tham số dòng lệnh",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Setting<T> {
    pub value: T,
    pub origin: Origin,
}

impl<T> Setting<T> {
    fn by_default(value: T) -> Setting<T> {
        Setting {
            value,
            origin: Origin::Default,
        }
    }

    fn set(&mut self, value: T, origin: Origin) {
        self.value = value;
        self.origin = origin;
    }

    /// Takes `value` when the layer gives one; a layer that says nothing leaves the lower one's.
    fn set_given(&mut self, value: Option<T>, origin: Origin) {
        if let Some(value) = value {
            self.set(value, origin);
        }
    }
}

/// A secret from the environment (never from the file); an empty variable is unset.
fn env_secret(env: &impl Fn(&str) -> Option<String>, key: &str) -> Option<Secret> {
    env(key).filter(|s| !s.is_empty()).map(Secret)
}

/// A value that `Debug` and `xaso config` show as `***`.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub config_file: Option<PathBuf>,
    pub listen: Setting<SocketAddr>,
    pub data_dir: Setting<PathBuf>,
    /// `None`: the embedded SQLite file inside the data folder.
    pub database_url: Setting<Option<String>>,
    pub demo: Setting<bool>,
    /// Object storage for files: `None` (the default) keeps them in `files_dir()`.
    pub files_s3_bucket: Setting<Option<String>>,
    /// `None`: AWS itself; else e.g. `http://127.0.0.1:9000` (MinIO, Ceph…).
    pub files_s3_endpoint: Setting<Option<String>>,
    pub files_s3_region: Setting<String>,
    pub files_s3_prefix: Setting<String>,
    /// Only from the environment (`XASO_S3_ACCESS_KEY_ID`, `XASO_S3_SECRET_ACCESS_KEY`), so that
    /// keys never sit in a configuration file that gets copied around.
    pub s3_access_key_id: Option<String>,
    pub s3_secret_access_key: Option<Secret>,
    /// The payment gateway's payment page (https); `None`: the sandbox or no online payment.
    pub payment_url: Setting<Option<String>>,
    /// The terminal code the gateway issued.
    pub payment_tmn_code: Setting<Option<String>>,
    /// The built-in sandbox gateway; by default on with the demo data.
    pub payment_sandbox: Setting<bool>,
    /// Only from the environment (`XASO_PAYMENT_SECRET`).
    pub payment_secret: Option<Secret>,
    /// Messages to citizens: links, templates, SMTP, SMS.
    pub notify: notify::NotifyConfig,
    /// PEM files of the server's certificate chain and key: `serve` speaks HTTPS when both are set.
    pub tls_cert: Setting<Option<PathBuf>>,
    pub tls_key: Setting<Option<PathBuf>>,
    /// Citizens' sign-in with the national e-ID (OpenID Connect).
    pub oidc: oidc::OidcSettings,
    /// Public look-ups by code (tracking, result verification) one client address may make per
    /// minute: codes are sequential, so this stops enumeration.
    pub public_lookups_per_minute: Setting<u32>,
}

/// The values flags may give (all optional: a missing flag leaves the lower layers' value).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ConfigFlags {
    /// Configuration file (default: ./xaso.toml when it exists) [env: XASO_CONFIG]
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Address to serve on, e.g. 127.0.0.1:8080 [env: XASO_LISTEN]
    #[arg(long, global = true, value_name = "ADDR")]
    pub listen: Option<String>,
    /// Folder for the embedded database and files [env: XASO_DATA_DIR]
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// sqlite://FILE or postgres://USER@HOST:PORT/DB [env: XASO_DATABASE_URL]
    #[arg(long, global = true, value_name = "URL")]
    pub database_url: Option<String>,
    /// Do not load the demo agencies and accounts on first start [env: XASO_DEMO=false]
    #[arg(long, global = true)]
    pub no_demo: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<String>,
    data_dir: Option<PathBuf>,
    database_url: Option<String>,
    demo: Option<bool>,
    files_s3_bucket: Option<String>,
    files_s3_endpoint: Option<String>,
    files_s3_region: Option<String>,
    files_s3_prefix: Option<String>,
    // Accepted by the parser only to refuse them with a message that says where keys belong.
    files_s3_access_key_id: Option<serde::de::IgnoredAny>,
    files_s3_secret_access_key: Option<serde::de::IgnoredAny>,
    payment_url: Option<String>,
    payment_tmn_code: Option<String>,
    payment_sandbox: Option<bool>,
    // Refused with a message that says where the secret belongs.
    payment_secret: Option<serde::de::IgnoredAny>,
    public_url: Option<String>,
    notification_templates: Option<PathBuf>,
    smtp_url: Option<String>,
    smtp_from: Option<String>,
    portal_url: Option<String>,
    sms_url: Option<String>,
    sms_template: Option<String>,
    // Refused, like the other secrets.
    smtp_password: Option<serde::de::IgnoredAny>,
    sms_token: Option<serde::de::IgnoredAny>,
    tls_cert: Option<PathBuf>,
    tls_key: Option<PathBuf>,
    oidc_issuer: Option<String>,
    oidc_client_id: Option<String>,
    oidc_cccd_claim: Option<String>,
    public_lookups_per_minute: Option<u32>,
    // Refused, like the other secrets.
    oidc_client_secret: Option<serde::de::IgnoredAny>,
}

/// A blank value counts as unset (`XASO_S3_BUCKET=` in a unit file, `""` in the TOML).
fn non_blank(value: String) -> Option<String> {
    let value = value.trim();
    (!value.is_empty()).then(|| value.to_string())
}

fn parse_listen(value: &str, origin: &str) -> anyhow::Result<SocketAddr> {
    value.trim().parse().with_context(|| {
        format!("địa chỉ lắng nghe “{value}” ({origin}) không hợp lệ, ví dụ đúng: 127.0.0.1:8080")
    })
}

/// Zero would shut public tracking off entirely, which nobody means.
fn check_lookup_limit(limit: u32, name: &str) -> anyhow::Result<u32> {
    if limit == 0 {
        bail!("{name}: public_lookups_per_minute phải lớn hơn 0");
    }
    Ok(limit)
}

fn parse_bool(value: &str, name: &str) -> anyhow::Result<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        other => bail!("{name}=“{other}” không hợp lệ: dùng true hoặc false"),
    }
}

impl Config {
    /// Resolves the layers. `env` is a lookup so that tests need not touch the process environment.
    pub fn resolve(
        flags: &ConfigFlags,
        env: impl Fn(&str) -> Option<String>,
    ) -> anyhow::Result<Config> {
        let mut config = Config {
            config_file: None,
            listen: Setting::by_default(SocketAddr::from(([127, 0, 0, 1], 8080))),
            data_dir: Setting::by_default(PathBuf::from("xaso-data")),
            database_url: Setting::by_default(None),
            demo: Setting::by_default(true),
            files_s3_bucket: Setting::by_default(None),
            files_s3_endpoint: Setting::by_default(None),
            files_s3_region: Setting::by_default("us-east-1".into()),
            files_s3_prefix: Setting::by_default("xaso/".into()),
            s3_access_key_id: None,
            s3_secret_access_key: None,
            payment_url: Setting::by_default(None),
            payment_tmn_code: Setting::by_default(None),
            payment_sandbox: Setting::by_default(true),
            payment_secret: None,
            notify: notify::NotifyConfig::defaults(),
            tls_cert: Setting::by_default(None),
            tls_key: Setting::by_default(None),
            oidc: oidc::OidcSettings::defaults(),
            public_lookups_per_minute: Setting::by_default(60),
        };

        let explicit_file = flags
            .config
            .clone()
            .or_else(|| env("XASO_CONFIG").map(PathBuf::from));
        let file = match &explicit_file {
            Some(path) => Some(path.clone()),
            None => Some(PathBuf::from("xaso.toml")).filter(|p| p.is_file()),
        };
        if let Some(path) = file {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("không đọc được tệp cấu hình {}", path.display()))?;
            let name = path.display().to_string();
            let parsed: FileConfig = DataFile::new(&name, &text).parse_toml()?;
            if let Some(listen) = parsed.listen {
                config
                    .listen
                    .set(parse_listen(&listen, &name)?, Origin::File);
            }
            if let Some(dir) = parsed.data_dir {
                config.data_dir.set(dir, Origin::File);
            }
            if let Some(url) = parsed.database_url {
                config.database_url.set(Some(url), Origin::File);
            }
            if let Some(demo) = parsed.demo {
                config.demo.set(demo, Origin::File);
            }
            if parsed.files_s3_access_key_id.is_some()
                || parsed.files_s3_secret_access_key.is_some()
            {
                bail!(
                    "{name}: khóa truy cập S3 không được ghi trong tệp cấu hình — đặt bằng biến môi \
                     trường XASO_S3_ACCESS_KEY_ID và XASO_S3_SECRET_ACCESS_KEY"
                );
            }
            if parsed.payment_secret.is_some() {
                bail!(
                    "{name}: khóa bí mật của cổng thanh toán không được ghi trong tệp cấu hình — đặt bằng biến môi trường XASO_PAYMENT_SECRET"
                );
            }
            if parsed.smtp_password.is_some() || parsed.sms_token.is_some() {
                bail!(
                    "{name}: mật khẩu máy chủ thư và khóa cổng SMS không được ghi trong tệp cấu hình — đặt bằng biến môi trường XASO_SMTP_PASSWORD, XASO_SMS_TOKEN"
                );
            }
            if let Some(path) = parsed.tls_cert {
                config.tls_cert.set(Some(path), Origin::File);
            }
            if let Some(path) = parsed.tls_key {
                config.tls_key.set(Some(path), Origin::File);
            }
            if parsed.oidc_client_secret.is_some() {
                bail!(
                    "{name}: khóa bí mật của ứng dụng định danh điện tử không được ghi trong tệp cấu hình — đặt bằng biến môi trường XASO_OIDC_CLIENT_SECRET"
                );
            }
            config.oidc.apply_file(oidc::FileOidc {
                oidc_issuer: parsed.oidc_issuer,
                oidc_client_id: parsed.oidc_client_id,
                oidc_cccd_claim: parsed.oidc_cccd_claim,
            });
            config.notify.apply_file(notify::FileNotify {
                public_url: parsed.public_url,
                notification_templates: parsed.notification_templates,
                smtp_url: parsed.smtp_url,
                smtp_from: parsed.smtp_from,
                sms_url: parsed.sms_url,
                sms_template: parsed.sms_template,
                portal_url: parsed.portal_url,
            });
            if let Some(url) = parsed.payment_url.and_then(non_blank) {
                config.payment_url.set(Some(url), Origin::File);
            }
            if let Some(code) = parsed.payment_tmn_code.and_then(non_blank) {
                config.payment_tmn_code.set(Some(code), Origin::File);
            }
            if let Some(sandbox) = parsed.payment_sandbox {
                config.payment_sandbox.set(sandbox, Origin::File);
            }
            if let Some(limit) = parsed.public_lookups_per_minute {
                config
                    .public_lookups_per_minute
                    .set(check_lookup_limit(limit, &name)?, Origin::File);
            }
            if let Some(bucket) = parsed.files_s3_bucket.and_then(non_blank) {
                config.files_s3_bucket.set(Some(bucket), Origin::File);
            }
            if let Some(endpoint) = parsed.files_s3_endpoint.and_then(non_blank) {
                config.files_s3_endpoint.set(Some(endpoint), Origin::File);
            }
            if let Some(region) = parsed.files_s3_region.and_then(non_blank) {
                config.files_s3_region.set(region, Origin::File);
            }
            // Taken as written: "" is a real choice (the bucket's root).
            if let Some(prefix) = parsed.files_s3_prefix {
                config.files_s3_prefix.set(prefix, Origin::File);
            }
            config.config_file = Some(path);
        }

        if let Some(listen) = env("XASO_LISTEN") {
            config
                .listen
                .set(parse_listen(&listen, "XASO_LISTEN")?, Origin::Env);
        }
        if let Some(dir) = env("XASO_DATA_DIR") {
            config.data_dir.set(PathBuf::from(dir), Origin::Env);
        }
        if let Some(url) = env("XASO_DATABASE_URL").filter(|u| !u.trim().is_empty()) {
            config.database_url.set(Some(url), Origin::Env);
        }
        if let Some(demo) = env("XASO_DEMO") {
            config
                .demo
                .set(parse_bool(&demo, "XASO_DEMO")?, Origin::Env);
        }
        if let Some(bucket) = env("XASO_S3_BUCKET").and_then(non_blank) {
            config.files_s3_bucket.set(Some(bucket), Origin::Env);
        }
        if let Some(endpoint) = env("XASO_S3_ENDPOINT").and_then(non_blank) {
            config.files_s3_endpoint.set(Some(endpoint), Origin::Env);
        }
        if let Some(region) = env("XASO_S3_REGION").and_then(non_blank) {
            config.files_s3_region.set(region, Origin::Env);
        }
        if let Some(prefix) = env("XASO_S3_PREFIX") {
            config.files_s3_prefix.set(prefix, Origin::Env);
        }
        if let Some(url) = env("XASO_PAYMENT_URL").and_then(non_blank) {
            config.payment_url.set(Some(url), Origin::Env);
        }
        if let Some(code) = env("XASO_PAYMENT_TMN_CODE").and_then(non_blank) {
            config.payment_tmn_code.set(Some(code), Origin::Env);
        }
        if let Some(sandbox) = env("XASO_PAYMENT_SANDBOX") {
            config
                .payment_sandbox
                .set(parse_bool(&sandbox, "XASO_PAYMENT_SANDBOX")?, Origin::Env);
        }
        config.payment_secret = env_secret(&env, "XASO_PAYMENT_SECRET");
        if let Some(limit) = env("XASO_PUBLIC_LOOKUPS_PER_MINUTE") {
            let parsed = limit.trim().parse::<u32>().map_err(|_| {
                anyhow::anyhow!(
                    "XASO_PUBLIC_LOOKUPS_PER_MINUTE=“{limit}” không hợp lệ: cần một số nguyên dương"
                )
            })?;
            config.public_lookups_per_minute.set(
                check_lookup_limit(parsed, "XASO_PUBLIC_LOOKUPS_PER_MINUTE")?,
                Origin::Env,
            );
        }
        config.notify.apply_env(&env);
        if let Some(path) = env("XASO_TLS_CERT").and_then(non_blank) {
            config.tls_cert.set(Some(PathBuf::from(path)), Origin::Env);
        }
        if let Some(path) = env("XASO_TLS_KEY").and_then(non_blank) {
            config.tls_key.set(Some(path.into()), Origin::Env);
        }
        config.oidc.apply_env(&env);
        config.s3_access_key_id = env("XASO_S3_ACCESS_KEY_ID").and_then(non_blank);
        config.s3_secret_access_key = env_secret(&env, "XASO_S3_SECRET_ACCESS_KEY");

        if let Some(listen) = &flags.listen {
            config
                .listen
                .set(parse_listen(listen, "--listen")?, Origin::Flag);
        }
        if let Some(dir) = &flags.data_dir {
            config.data_dir.set(dir.clone(), Origin::Flag);
        }
        if let Some(url) = &flags.database_url {
            config.database_url.set(Some(url.clone()), Origin::Flag);
        }
        if flags.no_demo {
            config.demo.set(false, Origin::Flag);
        }
        // The sandbox follows the demo data unless set on its own.
        if config.payment_sandbox.origin == Origin::Default {
            config.payment_sandbox.value = config.demo.value;
        }
        Ok(config)
    }

    /// The database actually used: the given URL, or the SQLite file in the data folder.
    pub fn effective_database_url(&self) -> String {
        match &self.database_url.value {
            Some(url) => url.clone(),
            None => format!("sqlite://{}", self.data_dir.value.join("xaso.db").display()),
        }
    }

    /// The TLS acceptor when both PEM files are set; one without the other is a mistake.
    pub fn tls(&self) -> anyhow::Result<Option<tokio_rustls::TlsAcceptor>> {
        match (&self.tls_cert.value, &self.tls_key.value) {
            (None, None) => Ok(None),
            (Some(cert), Some(key)) => Ok(Some(crate::tls::acceptor(cert, key)?)),
            _ => bail!("cần đặt cả tls_cert và tls_key (XASO_TLS_CERT, XASO_TLS_KEY), hoặc không đặt cái nào"),
        }
    }

    pub fn uses_embedded_database(&self) -> bool {
        self.database_url.value.is_none()
    }

    pub fn files_dir(&self) -> PathBuf {
        self.data_dir.value.join("files")
    }

    /// Where files are kept: the S3 bucket when one is configured (checked to answer), else the
    /// local folder `files_dir()`.
    pub async fn files(&self) -> anyhow::Result<Files> {
        let Some(bucket) = self.files_s3_bucket.value.clone() else {
            // An endpoint alone is a half-done configuration: files silently kept on one
            // instance's disk would be missing on the others.
            if let Some(endpoint) = &self.files_s3_endpoint.value {
                bail!(
                    "đã đặt điểm cuối S3 {endpoint} ({}) nhưng chưa đặt bucket: thêm \
                     files_s3_bucket vào xaso.toml hoặc biến XASO_S3_BUCKET",
                    self.files_s3_endpoint.origin.label()
                );
            }
            return Ok(Files::local(self.files_dir()));
        };
        let missing = |variable: &str| {
            anyhow!("đã cấu hình bucket S3 {bucket} nhưng thiếu biến môi trường {variable}")
        };
        let access_key_id = self
            .s3_access_key_id
            .clone()
            .ok_or_else(|| missing("XASO_S3_ACCESS_KEY_ID"))?;
        let secret_access_key = self
            .s3_secret_access_key
            .as_ref()
            .ok_or_else(|| missing("XASO_S3_SECRET_ACCESS_KEY"))?
            .expose()
            .to_string();
        let endpoint = self.files_s3_endpoint.value.clone();
        // Writing http:// in the endpoint is the explicit choice of an unencrypted link (a MinIO
        // on the same host); https:// and AWS itself stay TLS-only.
        let allow_http = endpoint
            .as_deref()
            .is_some_and(|e| e.to_ascii_lowercase().starts_with("http://"));
        let files = Files::s3(S3Config {
            endpoint,
            bucket,
            region: self.files_s3_region.value.clone(),
            access_key_id,
            secret_access_key,
            prefix: self.files_s3_prefix.value.clone(),
            allow_http,
        })?;
        files.check().await?;
        Ok(files)
    }

    /// `xaso config`: every value with where it came from; passwords redacted.
    pub fn describe(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# Cấu hình hiệu lực của xaso (tệp cấu hình: {})",
            self.config_file
                .as_ref()
                .map_or("không có".to_string(), |p| p.display().to_string())
        );
        let line = |out: &mut String, key: &str, value: String, origin: Origin| {
            let _ = writeln!(out, "{key} = {value:?}  # {}", origin.label());
        };
        line(
            &mut out,
            "listen",
            self.listen.value.to_string(),
            self.listen.origin,
        );
        line(
            &mut out,
            "data_dir",
            self.data_dir.value.display().to_string(),
            self.data_dir.origin,
        );
        line(
            &mut out,
            "database_url",
            xaso_store::redact_url(&self.effective_database_url()),
            self.database_url.origin,
        );
        let _ = writeln!(
            out,
            "demo = {}  # {}",
            self.demo.value,
            self.demo.origin.label()
        );
        self.describe_files(&mut out, line);
        self.describe_payment(&mut out);
        let _ = writeln!(
            out,
            "public_lookups_per_minute = {}  # {}",
            self.public_lookups_per_minute.value,
            self.public_lookups_per_minute.origin.label()
        );
        self.notify.describe(&mut out);
        for (key, setting) in [("tls_cert", &self.tls_cert), ("tls_key", &self.tls_key)] {
            match &setting.value {
                Some(path) => line(&mut out, key, path.display().to_string(), setting.origin),
                None => {
                    let _ = writeln!(out, "# {key}: chưa đặt (HTTP thường)");
                }
            }
        }
        self.oidc.describe(&mut out);
        out
    }

    /// The payment gateway part of `describe`; the secret as `***`, never its value.
    fn describe_payment(&self, out: &mut String) {
        let shown = |set: bool, value: String| if set { value } else { "chưa đặt".into() };
        for (key, setting) in [
            ("payment_url", &self.payment_url),
            ("payment_tmn_code", &self.payment_tmn_code),
        ] {
            match &setting.value {
                Some(value) => {
                    let _ = writeln!(*out, "{key} = {value:?}  # {}", setting.origin.label());
                }
                None => {
                    let _ = writeln!(*out, "# {key}: chưa đặt");
                }
            }
        }
        let _ = writeln!(
            *out,
            "payment_sandbox = {}  # {}",
            self.payment_sandbox.value,
            self.payment_sandbox.origin.label()
        );
        let _ = writeln!(
            *out,
            "# XASO_PAYMENT_SECRET: {}",
            shown(self.payment_secret.is_some(), "***".into())
        );
    }

    /// The file storage part of `describe`: the S3 keys when a bucket or an endpoint is set, the
    /// access key id as given and the secret as `***`, never its value.
    fn describe_files(&self, out: &mut String, line: impl Fn(&mut String, &str, String, Origin)) {
        if self.files_s3_bucket.value.is_none() && self.files_s3_endpoint.value.is_none() {
            let _ = writeln!(
                out,
                "# tệp đính kèm: thư mục {} (đặt files_s3_bucket để dùng kho S3)",
                self.files_dir().display()
            );
            return;
        }
        for (key, setting) in [
            ("files_s3_bucket", &self.files_s3_bucket),
            ("files_s3_endpoint", &self.files_s3_endpoint),
        ] {
            match &setting.value {
                Some(value) => line(out, key, value.clone(), setting.origin),
                None => {
                    let _ = writeln!(out, "# {key} chưa đặt");
                }
            }
        }
        line(
            out,
            "files_s3_region",
            self.files_s3_region.value.clone(),
            self.files_s3_region.origin,
        );
        line(
            out,
            "files_s3_prefix",
            self.files_s3_prefix.value.clone(),
            self.files_s3_prefix.origin,
        );
        let shown = |set: bool, value: String| if set { value } else { "chưa đặt".into() };
        let _ = writeln!(
            out,
            "# XASO_S3_ACCESS_KEY_ID: {}",
            shown(
                self.s3_access_key_id.is_some(),
                format!("{:?}", self.s3_access_key_id.clone().unwrap_or_default())
            )
        );
        let _ = writeln!(
            out,
            "# XASO_S3_SECRET_ACCESS_KEY: {}",
            shown(self.s3_secret_access_key.is_some(), "***".into())
        );
    }
}

mod notify;
mod oidc;

#[cfg(test)]
mod tests;
