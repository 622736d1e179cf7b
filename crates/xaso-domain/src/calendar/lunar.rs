//! The Vietnamese lunisolar calendar, computed astronomically.
//!
//! A month starts on the local day of a new moon; the month containing the winter solstice is
//! month 11; in a year with 13 months the first month without a major solar term (trung khí) is
//! the leap month. Everything is computed for a time zone: Vietnam uses UTC+7, China UTC+8, which
//! is why Tết differs in some years (1968, 1985, 2007…). New moons follow the truncated series of
//! Meeus, *Astronomical Algorithms*, with a ΔT correction; solar longitude the low-precision
//! formula of the same book. Valid for 1900–2199.

use std::f64::consts::PI;

use chrono::{Datelike, NaiveDate};

use super::CalendarError;

/// UTC offsets in hours.
pub const VIETNAM: f64 = 7.0;
pub const CHINA: f64 = 8.0;

pub const FIRST_YEAR: i32 = 1900;
pub const LAST_YEAR: i32 = 2199;

/// Mean length of a synodic month, days.
const SYNODIC_MONTH: f64 = 29.530588853;
/// Julian day of the new moon of 1900-01-01 (the epoch of the series).
const EPOCH: f64 = 2415021.076998695;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, schemars::JsonSchema)]
pub struct LunarDate {
    pub year: i32,
    pub month: u32,
    pub day: u32,
    pub leap: bool,
}

impl std::fmt::Display for LunarDate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:02}/{:02}{}/{} âm lịch",
            self.day,
            self.month,
            if self.leap { " (nhuận)" } else { "" },
            self.year
        )
    }
}

/// Julian day number of a Gregorian date (noon-based, integer).
pub fn julian_day(date: NaiveDate) -> i64 {
    i64::from(date.num_days_from_ce()) + 1_721_425
}

pub fn from_julian_day(jd: i64) -> Option<NaiveDate> {
    NaiveDate::from_num_days_from_ce_opt(i32::try_from(jd - 1_721_425).ok()?)
}

fn radians(degrees: f64) -> f64 {
    degrees * PI / 180.0
}

/// Julian day (UT) of the k-th new moon after the epoch.
fn new_moon(k: f64) -> f64 {
    let t = k / 1236.85;
    let (t2, t3) = (t * t, t * t * t);
    let mean = 2415020.75933 + 29.53058868 * k + 0.0001178 * t2 - 0.000000155 * t3
        + 0.00033 * radians(166.56 + 132.87 * t - 0.009173 * t2).sin();
    let sun_anomaly = radians(359.2242 + 29.10535608 * k - 0.0000333 * t2 - 0.00000347 * t3);
    let moon_anomaly = radians(306.0253 + 385.81691806 * k + 0.0107306 * t2 + 0.00001236 * t3);
    let latitude = radians(21.2964 + 390.67050646 * k - 0.0016528 * t2 - 0.00000239 * t3);
    let (m, mp, f) = (sun_anomaly, moon_anomaly, latitude);
    let correction = (0.1734 - 0.000393 * t) * m.sin() + 0.0021 * (2.0 * m).sin()
        - 0.4068 * mp.sin()
        + 0.0161 * (2.0 * mp).sin()
        - 0.0004 * (3.0 * mp).sin()
        + 0.0104 * (2.0 * f).sin()
        - 0.0051 * (m + mp).sin()
        - 0.0074 * (m - mp).sin()
        + 0.0004 * (2.0 * f + m).sin()
        - 0.0004 * (2.0 * f - m).sin()
        - 0.0006 * (2.0 * f + mp).sin()
        + 0.0010 * (2.0 * f - mp).sin()
        + 0.0005 * (2.0 * mp + m).sin();
    // ΔT (dynamical minus universal time), in days.
    let delta_t = if t < -11.0 {
        0.001 + 0.000839 * t + 0.0002261 * t2 - 0.00000845 * t3 - 0.000000081 * t * t3
    } else {
        -0.000278 + 0.000265 * t + 0.000262 * t2
    };
    mean + correction - delta_t
}

/// The local day (Julian day number) of the k-th new moon.
fn new_moon_day(k: i64, zone: f64) -> i64 {
    (new_moon(k as f64) + 0.5 + zone / 24.0).floor() as i64
}

/// The sun's apparent longitude at Julian day `jd` (UT), radians in [0, 2π).
fn sun_longitude(jd: f64) -> f64 {
    let t = (jd - 2451545.0) / 36525.0;
    let t2 = t * t;
    let mean_anomaly = radians(357.52910 + 35999.05030 * t - 0.0001559 * t2 - 0.00000048 * t * t2);
    let mean_longitude = 280.46645 + 36000.76983 * t + 0.0003032 * t2;
    let centre = (1.914600 - 0.004817 * t - 0.000014 * t2) * mean_anomaly.sin()
        + (0.019993 - 0.000101 * t) * (2.0 * mean_anomaly).sin()
        + 0.000290 * (3.0 * mean_anomaly).sin();
    radians(mean_longitude + centre).rem_euclid(2.0 * PI)
}

/// Which 30° sector the sun is in at the start of local day `day`: 0 = 0°–30° … 11.
fn sun_sector(day: i64, zone: f64) -> i64 {
    (sun_longitude(day as f64 - 0.5 - zone / 24.0) / PI * 6.0).floor() as i64
}

/// The local day on which lunar month 11 (the month of the winter solstice) of `year` starts.
fn month_eleven(year: i32, zone: f64) -> i64 {
    let last_day = julian_day(NaiveDate::from_ymd_opt(year, 12, 31).expect("31 December exists"));
    let k = ((last_day as f64 - 2415021.0) / SYNODIC_MONTH).floor() as i64;
    let start = new_moon_day(k, zone);
    // Past 270° the solstice is already behind: month 11 started one lunation earlier.
    if sun_sector(start, zone) >= 9 {
        new_moon_day(k - 1, zone)
    } else {
        start
    }
}

/// In a 13-month year starting at month 11 (day `a11`), how many months after it the leap
/// month comes: the first month during which the sun stays in one sector (no major term).
fn leap_month_offset(a11: i64, zone: f64) -> i64 {
    let k = ((a11 as f64 - EPOCH) / SYNODIC_MONTH + 0.5).floor() as i64;
    let mut i = 1;
    let mut arc = sun_sector(new_moon_day(k + i, zone), zone);
    loop {
        let last = arc;
        i += 1;
        arc = sun_sector(new_moon_day(k + i, zone), zone);
        if arc == last || i >= 14 {
            return i - 1;
        }
    }
}

fn check_year(year: i32) -> Result<(), CalendarError> {
    if (FIRST_YEAR..=LAST_YEAR).contains(&year) {
        Ok(())
    } else {
        Err(CalendarError::OutOfRange(year))
    }
}

/// The lunar date of a solar date, for a time zone.
pub fn to_lunar_in(date: NaiveDate, zone: f64) -> Result<LunarDate, CalendarError> {
    check_year(date.year())?;
    let day = julian_day(date);
    // The estimate of the lunation can be one off next to a new moon: settle on the last
    // new moon on or before `day`.
    let mut k = ((day as f64 - EPOCH) / SYNODIC_MONTH).floor() as i64;
    while new_moon_day(k + 1, zone) <= day {
        k += 1;
    }
    while new_moon_day(k, zone) > day {
        k -= 1;
    }
    let month_start = new_moon_day(k, zone);
    let solar_year = date.year();
    let mut a11 = month_eleven(solar_year, zone);
    let b11;
    let mut year;
    if a11 >= month_start {
        year = solar_year;
        b11 = a11;
        a11 = month_eleven(solar_year - 1, zone);
    } else {
        year = solar_year + 1;
        b11 = month_eleven(solar_year + 1, zone);
    }
    let lunar_day = (day - month_start + 1) as u32;
    let diff = (month_start - a11) / 29;
    let mut leap = false;
    let mut month = diff + 11;
    if b11 - a11 > 365 {
        let leap_offset = leap_month_offset(a11, zone);
        if diff >= leap_offset {
            month = diff + 10;
            leap = diff == leap_offset;
        }
    }
    if month > 12 {
        month -= 12;
    }
    if month >= 11 && diff < 4 {
        year -= 1;
    }
    Ok(LunarDate {
        year,
        month: month as u32,
        day: lunar_day,
        leap,
    })
}

/// The solar date of a lunar date, for a time zone; refuses days and leap months that do not exist.
pub fn to_solar_in(lunar: LunarDate, zone: f64) -> Result<NaiveDate, CalendarError> {
    // The last months of lunar 1899 fall in January 1900: accept them, then check the result.
    check_year(lunar.year.max(FIRST_YEAR))?;
    if !(1..=12).contains(&lunar.month) || !(1..=30).contains(&lunar.day) {
        return Err(CalendarError::NoSuchLunarDate(lunar));
    }
    let (a11, b11) = if lunar.month < 11 {
        (
            month_eleven(lunar.year - 1, zone),
            month_eleven(lunar.year, zone),
        )
    } else {
        (
            month_eleven(lunar.year, zone),
            month_eleven(lunar.year + 1, zone),
        )
    };
    let k = (0.5 + (a11 as f64 - EPOCH) / SYNODIC_MONTH).floor() as i64;
    let mut offset = i64::from(lunar.month) - 11;
    if offset < 0 {
        offset += 12;
    }
    if b11 - a11 > 365 {
        let leap_offset = leap_month_offset(a11, zone);
        let leap_month = (leap_offset - 2).rem_euclid(12);
        if lunar.leap && i64::from(lunar.month) != leap_month {
            return Err(CalendarError::NoSuchLunarDate(lunar));
        }
        if lunar.leap || offset >= leap_offset {
            offset += 1;
        }
    } else if lunar.leap {
        return Err(CalendarError::NoSuchLunarDate(lunar));
    }
    let start = new_moon_day(k + offset, zone);
    let next = new_moon_day(k + offset + 1, zone);
    if i64::from(lunar.day) > next - start {
        return Err(CalendarError::NoSuchLunarDate(lunar));
    }
    let solar = from_julian_day(start + i64::from(lunar.day) - 1)
        .ok_or(CalendarError::OutOfRange(lunar.year))?;
    check_year(solar.year())?;
    Ok(solar)
}

/// Vietnamese lunar date of a solar date.
pub fn to_lunar(date: NaiveDate) -> Result<LunarDate, CalendarError> {
    to_lunar_in(date, VIETNAM)
}

/// Solar date of a Vietnamese lunar date.
pub fn to_solar(lunar: LunarDate) -> Result<NaiveDate, CalendarError> {
    to_solar_in(lunar, VIETNAM)
}

/// Tết (lunar 1/1) of a lunar year, in a time zone.
pub fn new_year_in(year: i32, zone: f64) -> Result<NaiveDate, CalendarError> {
    to_solar_in(
        LunarDate {
            year,
            month: 1,
            day: 1,
            leap: false,
        },
        zone,
    )
}
