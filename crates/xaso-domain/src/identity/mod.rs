//! Who may use the system: roles, user names and password rules.

pub mod access;
pub mod oidc;
pub mod totp;

use serde::{Deserialize, Serialize};

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Citizen,
    CounterOfficer,
    Specialist,
    Leader,
    ReformCoordinator,
    ProvinceViewer,
    Administrator,
}

impl Role {
    pub const ALL: [Role; 7] = [
        Role::Citizen,
        Role::CounterOfficer,
        Role::Specialist,
        Role::Leader,
        Role::ReformCoordinator,
        Role::ProvinceViewer,
        Role::Administrator,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Citizen => "citizen",
            Role::CounterOfficer => "counter_officer",
            Role::Specialist => "specialist",
            Role::Leader => "leader",
            Role::ReformCoordinator => "reform_coordinator",
            Role::ProvinceViewer => "province_viewer",
            Role::Administrator => "administrator",
        }
    }

    pub fn parse(value: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == value)
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Citizen => "Người dân, doanh nghiệp",
            Role::CounterOfficer => "Cán bộ một cửa",
            Role::Specialist => "Chuyên viên",
            Role::Leader => "Lãnh đạo",
            Role::ReformCoordinator => "Cán bộ đầu mối CCHC",
            Role::ProvinceViewer => "Theo dõi cấp tỉnh",
            Role::Administrator => "Quản trị hệ thống",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    #[error("tên đăng nhập phải dài 3–64 ký tự, chỉ gồm chữ thường không dấu, chữ số và . _ -")]
    BadUsername,
    #[error("mật khẩu phải dài ít nhất {MIN_PASSWORD_CHARS} ký tự và không quá 256 ký tự")]
    WeakPassword,
    #[error("vai trò `{0}` không tồn tại (có: citizen, counter_officer, specialist, leader, reform_coordinator, province_viewer, administrator)")]
    UnknownRole(String),
}

pub const MIN_PASSWORD_CHARS: usize = 10;

/// A browser session ends this long after its last request (a shared counter computer left
/// signed in), and in any case at its absolute expiry, set at login.
pub const SESSION_IDLE_MINUTES: i64 = 60;

/// Whether a session is still good at `now`: before its absolute expiry and used within the
/// idle limit (`last_seen` is the login time until the first request).
pub fn session_alive(
    expires_at: chrono::DateTime<chrono::Utc>,
    last_seen: chrono::DateTime<chrono::Utc>,
    now: chrono::DateTime<chrono::Utc>,
) -> bool {
    now < expires_at && now - last_seen <= chrono::Duration::minutes(SESSION_IDLE_MINUTES)
}

/// User names are plain ASCII so they can be typed on any keyboard and never collide by normalisation.
pub fn check_username(username: &str) -> Result<(), IdentityError> {
    let ok = (3..=64).contains(&username.len())
        && username
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
        && username.as_bytes()[0].is_ascii_alphanumeric();
    if ok {
        Ok(())
    } else {
        Err(IdentityError::BadUsername)
    }
}

pub fn check_password(password: &str) -> Result<(), IdentityError> {
    let chars = password.chars().count();
    if (MIN_PASSWORD_CHARS..=256).contains(&chars) {
        Ok(())
    } else {
        Err(IdentityError::WeakPassword)
    }
}

pub fn parse_role(value: &str) -> Result<Role, IdentityError> {
    Role::parse(value).ok_or_else(|| IdentityError::UnknownRole(value.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_ends_idle_or_at_its_expiry() {
        let login = chrono::DateTime::parse_from_rfc3339("2026-04-16T03:00:00Z")
            .expect("time")
            .to_utc();
        let expires = login + chrono::Duration::hours(12);
        let minutes = |m| login + chrono::Duration::minutes(m);
        assert!(session_alive(expires, login, minutes(60)));
        assert!(
            !session_alive(expires, login, minutes(61)),
            "idle an hour and a minute"
        );
        assert!(
            session_alive(expires, minutes(700), minutes(719)),
            "kept alive by use"
        );
        assert!(
            !session_alive(expires, minutes(719), minutes(720)),
            "but not past its expiry"
        );
    }

    #[test]
    fn usernames() {
        assert!(check_username("admin").is_ok());
        assert!(check_username("motcua.minhduc").is_ok());
        assert!(check_username("Admin").is_err());
        assert!(check_username("ad").is_err());
        assert!(check_username(".admin").is_err());
        assert!(check_username("cán.bộ").is_err());
    }

    #[test]
    fn roles_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert!(parse_role("king").is_err());
    }

    #[test]
    fn passwords_need_length() {
        assert!(check_password("short").is_err());
        assert!(check_password("mật-khẩu-đủ-dài").is_ok());
    }
}
