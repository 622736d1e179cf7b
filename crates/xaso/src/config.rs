//! The effective configuration: defaults, then `xaso.toml`, then `XASO_*` variables, then flags.

use std::fmt::Write;
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{bail, Context};
use serde::Deserialize;
use xaso_domain::datafile::DataFile;

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
    fn set(&mut self, value: T, origin: Origin) {
        self.value = value;
        self.origin = origin;
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
}

fn parse_listen(value: &str, origin: &str) -> anyhow::Result<SocketAddr> {
    value.trim().parse().with_context(|| {
        format!("địa chỉ lắng nghe “{value}” ({origin}) không hợp lệ, ví dụ đúng: 127.0.0.1:8080")
    })
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
            listen: Setting {
                value: SocketAddr::from(([127, 0, 0, 1], 8080)),
                origin: Origin::Default,
            },
            data_dir: Setting {
                value: PathBuf::from("xaso-data"),
                origin: Origin::Default,
            },
            database_url: Setting {
                value: None,
                origin: Origin::Default,
            },
            demo: Setting {
                value: true,
                origin: Origin::Default,
            },
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
        Ok(config)
    }

    /// The database actually used: the given URL, or the SQLite file in the data folder.
    pub fn effective_database_url(&self) -> String {
        match &self.database_url.value {
            Some(url) => url.clone(),
            None => format!("sqlite://{}", self.data_dir.value.join("xaso.db").display()),
        }
    }

    pub fn uses_embedded_database(&self) -> bool {
        self.database_url.value.is_none()
    }

    pub fn files_dir(&self) -> PathBuf {
        self.data_dir.value.join("files")
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
        out
    }
}

#[cfg(test)]
mod tests {
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
}
