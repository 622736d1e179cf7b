//! Legal working time: the Vietnamese lunar calendar, public holidays by rule and by official
//! notice, working hours, and deadlines in working days and hours that explain themselves.

pub mod deadline;
pub mod holidays;
pub mod lunar;
pub mod notice;
pub mod set;
pub mod worktime;

#[cfg(test)]
mod tests;

use chrono::NaiveDate;

pub use deadline::{Deadline, DeadlineRule, Timing};
pub use holidays::Occasion;
pub use lunar::LunarDate;
pub use set::CalendarSet;
pub use worktime::{DayKind, WorkCalendar, WorkingHours};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("năm {0} nằm ngoài phạm vi lịch hỗ trợ (1900–2199)")]
    OutOfRange(i32),
    #[error("ngày {0} không tồn tại")]
    NoSuchLunarDate(LunarDate),
    #[error("ngày “{0}” không hợp lệ (dạng YYYY-MM-DD, ví dụ 2026-02-17)")]
    BadDate(String),
    #[error("thời điểm “{0}” không hợp lệ (dạng YYYY-MM-DDTHH:MM, giờ Việt Nam)")]
    BadInstant(String),
    #[error("{0}")]
    BadRequest(String),
}

/// Parses `YYYY-MM-DD`, rejecting dates that do not exist (31/02).
pub fn parse_date(text: &str) -> Result<NaiveDate, CalendarError> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| CalendarError::BadDate(text.trim().to_string()))
}

/// "thứ Sáu 13/02/2026"
pub fn describe_date(date: NaiveDate) -> String {
    use chrono::Datelike;
    let weekday = match date.weekday() {
        chrono::Weekday::Mon => "thứ Hai",
        chrono::Weekday::Tue => "thứ Ba",
        chrono::Weekday::Wed => "thứ Tư",
        chrono::Weekday::Thu => "thứ Năm",
        chrono::Weekday::Fri => "thứ Sáu",
        chrono::Weekday::Sat => "thứ Bảy",
        chrono::Weekday::Sun => "Chủ nhật",
    };
    format!("{weekday} {}", date.format("%d/%m/%Y"))
}
