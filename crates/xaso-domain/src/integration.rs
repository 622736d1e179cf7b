//! Messages to other systems: the national public-service portal's status sync and integrators'
//! webhooks. Pure rules: what is sent for an event, how it is signed, when a failed delivery is
//! tried again.

use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::Sha256;

/// Where a message goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The national public-service portal (Cổng DVCQG): every status change, in order.
    Portal,
    /// An integrator's webhook subscription.
    Webhook,
}

impl Target {
    pub fn as_str(self) -> &'static str {
        match self {
            Target::Portal => "portal",
            Target::Webhook => "webhook",
        }
    }
}

/// The kinds of event a webhook may subscribe to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// A dossier was received or changed its national status (codes 1–10).
    DossierStatusChanged,
    /// Anything done to a dossier, internal steps included.
    DossierAction,
}

impl Event {
    pub const ALL: [Event; 2] = [Event::DossierStatusChanged, Event::DossierAction];

    pub fn as_str(self) -> &'static str {
        match self {
            Event::DossierStatusChanged => "dossier.status_changed",
            Event::DossierAction => "dossier.action",
        }
    }

    pub fn parse(text: &str) -> Option<Event> {
        Event::ALL.into_iter().find(|e| e.as_str() == text)
    }
}

/// When a message that failed `attempts` times is tried again; `None`: give up. The portal is
/// never given up on (its backlog must drain, in order, once it answers again), and is retried
/// soon, since a portal outage is usually short; a webhook gets eight tries over about a day.
pub fn retry_delay(target: Target, attempts: u32) -> Option<Duration> {
    match target {
        Target::Portal => Some(match attempts {
            0 | 1 => Duration::seconds(5),
            2 => Duration::seconds(15),
            3 => Duration::minutes(1),
            4 => Duration::minutes(5),
            _ => Duration::minutes(15),
        }),
        Target::Webhook => match attempts {
            0 | 1 => Some(Duration::seconds(10)),
            2 => Some(Duration::minutes(1)),
            3 => Some(Duration::minutes(5)),
            4 => Some(Duration::minutes(30)),
            5 => Some(Duration::hours(2)),
            6 | 7 => Some(Duration::hours(6)),
            _ => None,
        },
    }
}

/// The `X-Xaso-Signature` header of a webhook body: `t=<unix seconds>,v1=<hex HMAC-SHA256 of
/// "<t>.<body>">`. The time is signed too, so a captured request cannot be replayed later.
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    format!("t={timestamp},v1={}", hex(&mac(secret, timestamp, body)))
}

fn mac(secret: &str, timestamp: i64, body: &[u8]) -> Vec<u8> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .expect("HMAC takes any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.finalize().into_bytes().to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What a receiver does: the header is this body's, signed with `secret`, within `tolerance` of
/// `now`. Compared in constant time.
pub fn verify_signature(
    secret: &str,
    header: &str,
    body: &[u8],
    now: DateTime<Utc>,
    tolerance: Duration,
) -> bool {
    let mut timestamp = None;
    let mut given = None;
    for part in header.split(',') {
        match part.split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<i64>().ok(),
            Some(("v1", v)) => given = Some(v),
            _ => {}
        }
    }
    let (Some(timestamp), Some(given)) = (timestamp, given) else {
        return false;
    };
    if (now.timestamp() - timestamp).abs() > tolerance.num_seconds() {
        return false;
    }
    let expected = hex(&mac(secret, timestamp, body));
    expected.len() == given.len()
        && expected
            .bytes()
            .zip(given.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// A webhook's address: http or https with a host, no credentials in it.
pub fn check_url(url: &str) -> Result<(), String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| format!("địa chỉ webhook phải bắt đầu bằng https:// hoặc http://: {url}"))?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.is_empty() || authority.contains('@') || url.chars().any(char::is_whitespace) {
        return Err(format!(
            "địa chỉ webhook không hợp lệ (cần tên máy, không kèm tài khoản): {url}"
        ));
    }
    Ok(())
}

/// A time as the portal writes it: `yyyyMMddHHmmss`, Vietnam time.
pub fn portal_time(at: DateTime<Utc>) -> String {
    crate::calendar::deadline::to_local(at)
        .format("%Y%m%d%H%M%S")
        .to_string()
}

/// One step of the handling, as the portal's `QuaTrinhXuLy` lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PortalStep {
    pub nguoi_xu_ly: String,
    pub don_vi_xu_ly: String,
    pub noi_dung: String,
    pub thoi_gian: String,
}

/// The status sync record of one dossier (REFERENCES §1: the fields seen in practice).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PortalRecord {
    pub ma_ho_so: String,
    #[serde(rename = "MaTTHC")]
    pub ma_tthc: String,
    /// The national status code, 1–10.
    pub trang_thai_ho_so: i64,
    pub ngay_nop_ho_so: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ngay_tiep_nhan: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ngay_hen_tra: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ngay_ket_thuc_xu_ly: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ngay_yeu_cau_bo_sung: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ngay_tra: Option<String>,
    /// 1 counter, 2 online, 3 postal.
    pub kenh_thuc_hien: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ma_ket_qua: Option<String>,
    pub qua_trinh_xu_ly: Vec<PortalStep>,
    /// The dossier's version when this was sent: the portal keeps the highest, so a message
    /// delivered twice or late changes nothing.
    pub phien_ban: i64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).expect("time").to_utc()
    }

    #[test]
    fn signatures_bind_body_secret_and_time() {
        let now = at("2026-03-02T02:00:00Z");
        let body = br#"{"event":"dossier.status_changed"}"#;
        let header = signature("bi-mat", now.timestamp(), body);
        assert!(header.starts_with(&format!("t={},v1=", now.timestamp())));
        let five = Duration::minutes(5);
        assert!(verify_signature("bi-mat", &header, body, now, five));
        assert!(
            !verify_signature("khac", &header, body, now, five),
            "another secret"
        );
        assert!(
            !verify_signature("bi-mat", &header, b"{}", now, five),
            "another body"
        );
        let later = now + Duration::minutes(6);
        assert!(
            !verify_signature("bi-mat", &header, body, later, five),
            "too old"
        );
        assert!(!verify_signature("bi-mat", "v1=00", body, now, five));
        // RFC 4231 test case 2 pins the HMAC itself: key "Jefe", data "what do ya want for nothing?".
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(b"Jefe").expect("key");
        mac.update(b"what do ya want for nothing?");
        assert_eq!(
            hex(&mac.finalize().into_bytes()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn urls() {
        assert!(check_url("https://tich-hop.dongnai.gov.vn/xaso").is_ok());
        assert!(check_url("http://127.0.0.1:9000/hook").is_ok());
        assert!(check_url("ftp://x").is_err());
        assert!(check_url("https://user:pw@host/").is_err());
        assert!(check_url("https:///path").is_err());
    }

    #[test]
    fn portal_times_are_vietnam_time() {
        assert_eq!(portal_time(at("2026-03-02T02:05:09Z")), "20260302090509");
    }

    proptest! {
        /// The portal is never given up on and its waits never shrink; a webhook is given up on
        /// after eight tries, and its waits never shrink either.
        #[test]
        fn retries(attempts in 0u32..40) {
            let portal = retry_delay(Target::Portal, attempts).expect("never given up");
            let next = retry_delay(Target::Portal, attempts + 1).expect("never given up");
            prop_assert!(next >= portal && portal <= Duration::minutes(15));
            match (retry_delay(Target::Webhook, attempts), retry_delay(Target::Webhook, attempts + 1)) {
                (Some(a), Some(b)) => prop_assert!(b >= a),
                (Some(_), None) => prop_assert_eq!(attempts, 7),
                (None, later) => { prop_assert!(attempts >= 8); prop_assert!(later.is_none()); }
            }
        }
    }
}
