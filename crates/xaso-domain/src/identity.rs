//! Who may use the system: roles, user names and password rules.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
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
