//! Public holidays by rule (Bộ luật Lao động 2019, Art. 112), before official notices adjust them.

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use super::lunar::{self, LunarDate};
use super::CalendarError;

/// The occasions of Art. 112.
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
pub enum Occasion {
    NewYear,
    Tet,
    HungKings,
    Reunification,
    Labour,
    NationalDay,
}

impl Occasion {
    pub const ALL: [Occasion; 6] = [
        Occasion::NewYear,
        Occasion::Tet,
        Occasion::HungKings,
        Occasion::Reunification,
        Occasion::Labour,
        Occasion::NationalDay,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Occasion::NewYear => "Tết Dương lịch",
            Occasion::Tet => "Tết Nguyên đán",
            Occasion::HungKings => "Giỗ Tổ Hùng Vương",
            Occasion::Reunification => "Ngày Chiến thắng 30/4",
            Occasion::Labour => "Ngày Quốc tế Lao động 1/5",
            Occasion::NationalDay => "Quốc khánh 2/9",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Occasion::NewYear => "new_year",
            Occasion::Tet => "tet",
            Occasion::HungKings => "hung_kings",
            Occasion::Reunification => "reunification",
            Occasion::Labour => "labour",
            Occasion::NationalDay => "national_day",
        }
    }
}

fn ymd(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).expect("a fixed holiday date exists every year")
}

/// The adjacent National Day holiday when no notice fixes it: the one that joins 2/9 to a
/// weekend where possible (Monday → Tuesday 3/9, Thursday → Friday 3/9, otherwise the day before).
fn national_day_companion(year: i32) -> NaiveDate {
    let second = ymd(year, 9, 2);
    match second.weekday() {
        Weekday::Mon | Weekday::Thu => ymd(year, 9, 3),
        _ => ymd(year, 9, 1),
    }
}

/// The holidays the law gives for `year`, without substitutes and before notices.
/// Tết defaults to the last day of the old lunar year and days 1–4 of the new one.
pub fn by_rule(year: i32) -> Result<Vec<(NaiveDate, Occasion)>, CalendarError> {
    let tet = lunar::new_year_in(year, lunar::VIETNAM)?;
    let hung_kings = lunar::to_solar(LunarDate {
        year,
        month: 3,
        day: 10,
        leap: false,
    })?;
    let mut days = vec![(ymd(year, 1, 1), Occasion::NewYear)];
    days.extend(
        (-1..=3)
            .filter_map(|offset| tet.checked_add_signed(chrono::Duration::days(offset)))
            .map(|d| (d, Occasion::Tet)),
    );
    days.push((hung_kings, Occasion::HungKings));
    days.push((ymd(year, 4, 30), Occasion::Reunification));
    days.push((ymd(year, 5, 1), Occasion::Labour));
    days.push((ymd(year, 9, 2), Occasion::NationalDay));
    days.push((national_day_companion(year), Occasion::NationalDay));
    days.sort();
    Ok(days)
}
