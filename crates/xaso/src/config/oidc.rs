//! Settings for citizens' sign-in with the national e-ID (VNeID) over OpenID Connect: the issuer,
//! the client id and the name of the claim with the CCCD number. The client secret only from the
//! environment (`XASO_OIDC_CLIENT_SECRET`), like every other secret.

use std::fmt::Write;

use anyhow::bail;
use xaso_domain::identity::oidc::DEFAULT_CCCD_CLAIM;

use super::{env_secret, non_blank, Origin, Secret, Setting};

/// What `xaso.toml` may say about the e-ID.
#[derive(Debug, Default)]
pub(super) struct FileOidc {
    pub oidc_issuer: Option<String>,
    pub oidc_client_id: Option<String>,
    pub oidc_cccd_claim: Option<String>,
}

#[derive(Debug, Clone)]
pub struct OidcSettings {
    /// The provider's issuer URL, e.g. `https://sso.dancuquocgia.gov.vn`; unset: no e-ID sign-in.
    pub issuer: Setting<Option<String>>,
    pub client_id: Setting<Option<String>>,
    pub cccd_claim: Setting<String>,
    /// Only from the environment (`XASO_OIDC_CLIENT_SECRET`).
    pub client_secret: Option<Secret>,
}

impl OidcSettings {
    pub(super) fn defaults() -> OidcSettings {
        OidcSettings {
            issuer: Setting::by_default(None),
            client_id: Setting::by_default(None),
            cccd_claim: Setting::by_default(DEFAULT_CCCD_CLAIM.into()),
            client_secret: None,
        }
    }

    pub(super) fn apply_file(&mut self, file: FileOidc) {
        let text = |value: Option<String>| value.and_then(non_blank);
        self.issuer
            .set_given(text(file.oidc_issuer).map(Some), Origin::File);
        self.client_id
            .set_given(text(file.oidc_client_id).map(Some), Origin::File);
        self.cccd_claim
            .set_given(text(file.oidc_cccd_claim), Origin::File);
    }

    pub(super) fn apply_env(&mut self, env: &impl Fn(&str) -> Option<String>) {
        let text = |key: &str| env(key).and_then(non_blank);
        self.issuer
            .set_given(text("XASO_OIDC_ISSUER").map(Some), Origin::Env);
        self.client_id
            .set_given(text("XASO_OIDC_CLIENT_ID").map(Some), Origin::Env);
        self.cccd_claim
            .set_given(text("XASO_OIDC_CCCD_CLAIM"), Origin::Env);
        self.client_secret = env_secret(env, "XASO_OIDC_CLIENT_SECRET");
    }

    /// The provider for the web layer, when configured; the callback under `public_url`.
    pub fn web_config(&self, public_url: &str) -> anyhow::Result<Option<xaso_web::OidcConfig>> {
        let Some(issuer) = self.issuer.value.clone() else {
            return Ok(None);
        };
        if !issuer.starts_with("https://") && !issuer.starts_with("http://127.0.0.1") {
            bail!("oidc_issuer “{issuer}” phải là địa chỉ https://");
        }
        let Some(client_id) = self.client_id.value.clone() else {
            bail!("đã đặt oidc_issuer nhưng thiếu oidc_client_id (XASO_OIDC_CLIENT_ID)");
        };
        let Some(secret) = &self.client_secret else {
            bail!("đã đặt oidc_issuer nhưng thiếu biến môi trường XASO_OIDC_CLIENT_SECRET");
        };
        Ok(Some(xaso_web::OidcConfig {
            issuer,
            client_id,
            client_secret: secret.expose().to_string(),
            redirect_uri: format!(
                "{}{}",
                public_url.trim_end_matches('/'),
                xaso_web::OIDC_CALLBACK_PATH
            ),
            cccd_claim: self.cccd_claim.value.clone(),
        }))
    }

    /// The e-ID part of `xaso config`; the secret as `***`.
    pub(super) fn describe(&self, out: &mut String) {
        for (key, setting) in [
            ("oidc_issuer", &self.issuer),
            ("oidc_client_id", &self.client_id),
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
            "oidc_cccd_claim = {:?}  # {}",
            self.cccd_claim.value,
            self.cccd_claim.origin.label()
        );
        let shown = if self.client_secret.is_some() {
            "***"
        } else {
            "chưa đặt"
        };
        let _ = writeln!(out, "# XASO_OIDC_CLIENT_SECRET: {shown}");
    }
}
