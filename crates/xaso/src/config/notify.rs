//! Settings for messages to citizens — the portal's public address (for links), the templates file
//! a commune edits, the SMTP server and the SMS gateway — and to other systems: the national
//! public-service portal's status sync. Passwords and tokens only from the environment, like every
//! other secret.

use std::fmt::Write;
use std::path::PathBuf;

use anyhow::{bail, Context};
use xaso_store::integration::Endpoints;
use xaso_store::notification::{Channels, Notices, SmsGateway, Smtp};

use super::{env_secret, non_blank, Origin, Secret, Setting};

/// What `xaso.toml` may say about messages.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileNotify {
    pub public_url: Option<String>,
    pub notification_templates: Option<PathBuf>,
    pub smtp_url: Option<String>,
    pub smtp_from: Option<String>,
    pub sms_url: Option<String>,
    pub sms_template: Option<String>,
    pub portal_url: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NotifyConfig {
    /// How citizens reach the portal, e.g. `https://dichvucong.minhduc.gov.vn`; by default the
    /// address `serve` listens on.
    pub public_url: Setting<Option<String>>,
    /// A commune's own templates, replacing the built-in `data/notifications/mau-thong-bao.toml`.
    pub notification_templates: Setting<Option<PathBuf>>,
    pub smtp_url: Setting<Option<String>>,
    pub smtp_from: Setting<String>,
    pub sms_url: Setting<Option<String>>,
    pub sms_template: Setting<Option<String>>,
    /// Where the national public-service portal takes the dossiers' status sync.
    pub portal_url: Setting<Option<String>>,
    /// Only from the environment (`XASO_SMTP_PASSWORD`, `XASO_SMS_TOKEN`, `XASO_PORTAL_TOKEN`).
    pub smtp_password: Option<Secret>,
    pub sms_token: Option<Secret>,
    pub portal_token: Option<Secret>,
}

impl NotifyConfig {
    pub(super) fn defaults() -> NotifyConfig {
        NotifyConfig {
            public_url: Setting::by_default(None),
            notification_templates: Setting::by_default(None),
            smtp_url: Setting::by_default(None),
            smtp_from: Setting::by_default("Xã Số <khong-tra-loi@localhost>".into()),
            sms_url: Setting::by_default(None),
            sms_template: Setting::by_default(None),
            portal_url: Setting::by_default(None),
            smtp_password: None,
            sms_token: None,
            portal_token: None,
        }
    }

    pub(super) fn apply_file(&mut self, file: FileNotify) {
        let text = |value: Option<String>| value.and_then(non_blank).map(Some);
        self.public_url
            .set_given(text(file.public_url), Origin::File);
        self.smtp_url.set_given(text(file.smtp_url), Origin::File);
        self.sms_url.set_given(text(file.sms_url), Origin::File);
        self.portal_url
            .set_given(text(file.portal_url), Origin::File);
        self.sms_template
            .set_given(text(file.sms_template), Origin::File);
        self.smtp_from
            .set_given(file.smtp_from.and_then(non_blank), Origin::File);
        self.notification_templates
            .set_given(file.notification_templates.map(Some), Origin::File);
    }

    pub(super) fn apply_env(&mut self, env: &impl Fn(&str) -> Option<String>) {
        let text = |key: &str| env(key).and_then(non_blank);
        self.public_url
            .set_given(text("XASO_PUBLIC_URL").map(Some), Origin::Env);
        self.smtp_url
            .set_given(text("XASO_SMTP_URL").map(Some), Origin::Env);
        self.sms_url
            .set_given(text("XASO_SMS_URL").map(Some), Origin::Env);
        self.portal_url
            .set_given(text("XASO_PORTAL_URL").map(Some), Origin::Env);
        self.sms_template
            .set_given(text("XASO_SMS_TEMPLATE").map(Some), Origin::Env);
        self.smtp_from
            .set_given(text("XASO_SMTP_FROM"), Origin::Env);
        self.notification_templates.set_given(
            text("XASO_NOTIFICATION_TEMPLATES").map(|p| Some(PathBuf::from(p))),
            Origin::Env,
        );
        self.smtp_password = env_secret(env, "XASO_SMTP_PASSWORD");
        self.sms_token = env_secret(env, "XASO_SMS_TOKEN");
        self.portal_token = env_secret(env, "XASO_PORTAL_TOKEN");
    }

    /// Where the integration worker sends: the portal when `portal_url` is set (checked now).
    pub fn endpoints(&self) -> anyhow::Result<Endpoints> {
        if let Some(url) = &self.portal_url.value {
            xaso_domain::integration::check_url(url).map_err(|e| {
                anyhow::anyhow!("portal_url ({}): {e}", self.portal_url.origin.label())
            })?;
        }
        Ok(Endpoints {
            portal_url: self.portal_url.value.clone(),
            portal_token: self.portal_token.as_ref().map(|s| s.expose().to_string()),
        })
    }

    /// The templates (the commune's file when set, checked with its lines) and the links' base.
    pub fn notices(&self, listen: std::net::SocketAddr) -> anyhow::Result<Notices> {
        let templates = match &self.notification_templates.value {
            Some(path) => {
                let text = std::fs::read_to_string(path).with_context(|| {
                    format!("không đọc được tệp mẫu thông báo {}", path.display())
                })?;
                xaso_domain::notification::Templates::parse(&path.display().to_string(), &text)
                    .map_err(|e| anyhow::anyhow!("tệp mẫu thông báo có lỗi:\n{e}"))?
            }
            None => built_in_templates()?,
        };
        let public_url = match &self.public_url.value {
            Some(url) if url.starts_with("https://") || url.starts_with("http://") => url.clone(),
            Some(url) => bail!(
                "public_url “{url}” ({}) phải bắt đầu bằng https:// hoặc http://",
                self.public_url.origin.label()
            ),
            None => format!("http://{listen}"),
        };
        Ok(Notices::new(templates, &public_url))
    }

    /// The channels this instance delivers on: e-mail when `smtp_url` is set, SMS when `sms_url` is.
    pub fn channels(&self) -> anyhow::Result<Channels> {
        let email = match &self.smtp_url.value {
            Some(url) => Some(Smtp::new(
                url,
                &self.smtp_from.value,
                self.smtp_password.as_ref().map(Secret::expose),
            )?),
            None => None,
        };
        let sms = match &self.sms_url.value {
            Some(url) => Some(SmsGateway::new(
                url,
                self.sms_template.value.as_deref(),
                self.sms_token.as_ref().map(Secret::expose),
            )?),
            None => None,
        };
        Ok(Channels { email, sms })
    }

    /// The messages part of `xaso config`; secrets as `***`.
    pub(super) fn describe(&self, out: &mut String) {
        for (key, setting) in [
            ("public_url", &self.public_url),
            ("smtp_url", &self.smtp_url),
            ("sms_url", &self.sms_url),
            ("sms_template", &self.sms_template),
            ("portal_url", &self.portal_url),
        ] {
            match &setting.value {
                Some(value) => {
                    let _ = writeln!(out, "{key} = {value:?}  # {}", setting.origin.label());
                }
                None => {
                    let _ = writeln!(out, "# {key}: chưa đặt");
                }
            }
        }
        let _ = writeln!(
            out,
            "smtp_from = {:?}  # {}",
            self.smtp_from.value,
            self.smtp_from.origin.label()
        );
        match &self.notification_templates.value {
            Some(path) => {
                let _ = writeln!(
                    out,
                    "notification_templates = {:?}  # {}",
                    path.display().to_string(),
                    self.notification_templates.origin.label()
                );
            }
            None => {
                let _ = writeln!(out, "# notification_templates: mẫu có sẵn");
            }
        }
        for (key, secret) in [
            ("XASO_SMTP_PASSWORD", &self.smtp_password),
            ("XASO_SMS_TOKEN", &self.sms_token),
            ("XASO_PORTAL_TOKEN", &self.portal_token),
        ] {
            let shown = if secret.is_some() {
                "***"
            } else {
                "chưa đặt"
            };
            let _ = writeln!(out, "# {key}: {shown}");
        }
    }
}

/// The templates built into the binary.
fn built_in_templates() -> anyhow::Result<xaso_domain::notification::Templates> {
    let (name, text) = crate::embedded::NOTIFICATIONS
        .first()
        .context("thiếu tệp dữ liệu data/notifications/mau-thong-bao.toml")?;
    Ok(xaso_domain::notification::Templates::parse(name, text)?)
}
