//! The ten statuses synchronised with the National Public Service Portal (REFERENCES §1), and the
//! reception channels.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Registered,
    Received,
    Denied,
    Processing,
    WaitingSupplement,
    WaitingPayment,
    Withdrawn,
    Stopped,
    Resolved,
    Returned,
}

impl Status {
    pub const ALL: [Status; 10] = [
        Status::Registered,
        Status::Received,
        Status::Denied,
        Status::Processing,
        Status::WaitingSupplement,
        Status::WaitingPayment,
        Status::Withdrawn,
        Status::Stopped,
        Status::Resolved,
        Status::Returned,
    ];

    /// The national status code, 1–10.
    pub fn code(self) -> i64 {
        Status::ALL
            .iter()
            .position(|s| *s == self)
            .map_or(0, |i| i as i64 + 1)
    }

    pub fn from_code(code: i64) -> Option<Status> {
        usize::try_from(code - 1)
            .ok()
            .and_then(|i| Status::ALL.get(i).copied())
    }

    pub fn label(self) -> &'static str {
        match self {
            Status::Registered => "Mới đăng ký",
            Status::Received => "Được tiếp nhận",
            Status::Denied => "Không được tiếp nhận",
            Status::Processing => "Đang xử lý",
            Status::WaitingSupplement => "Yêu cầu bổ sung giấy tờ",
            Status::WaitingPayment => "Yêu cầu thực hiện nghĩa vụ tài chính",
            Status::Withdrawn => "Công dân yêu cầu rút hồ sơ",
            Status::Stopped => "Dừng xử lý",
            Status::Resolved => "Đã xử lý xong",
            Status::Returned => "Đã trả kết quả",
        }
    }

    /// The value the national portal expects.
    pub fn portal_value(self) -> &'static str {
        match self {
            Status::Registered => "receiving",
            Status::Received => "new",
            Status::Denied => "denied",
            Status::Processing => "processing",
            Status::WaitingSupplement => "waiting",
            Status::WaitingPayment => "paying",
            Status::Withdrawn => "cancelled",
            Status::Stopped => "unresolved",
            Status::Resolved => "releasing",
            Status::Returned => "done",
        }
    }

    /// No action changes a dossier in these.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            Status::Denied | Status::Withdrawn | Status::Stopped | Status::Returned
        )
    }
}

/// How the dossier reached the agency (DVCQG `KenhThucHien`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Counter,
    Online,
    Postal,
}

impl Channel {
    pub fn code(self) -> i64 {
        match self {
            Channel::Counter => 1,
            Channel::Online => 2,
            Channel::Postal => 3,
        }
    }

    pub fn from_code(code: i64) -> Option<Channel> {
        [Channel::Counter, Channel::Online, Channel::Postal]
            .into_iter()
            .find(|c| c.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Channel::Counter => "Trực tiếp tại Bộ phận một cửa",
            Channel::Online => "Trực tuyến",
            Channel::Postal => "Qua dịch vụ bưu chính công ích",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_match_the_national_table() {
        assert_eq!(Status::Registered.code(), 1);
        assert_eq!(Status::Returned.code(), 10);
        assert_eq!(Status::WaitingSupplement.portal_value(), "waiting");
        for status in Status::ALL {
            assert_eq!(Status::from_code(status.code()), Some(status));
        }
        assert_eq!(Status::from_code(11), None);
        assert_eq!(Channel::from_code(2), Some(Channel::Online));
    }
}
