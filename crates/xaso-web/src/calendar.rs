//! Working calendar over HTTP, and the views the command line prints too.

use std::sync::Arc;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use xaso_domain::calendar::deadline::{parse_instant, to_local, DeadlineRequest};
use xaso_domain::calendar::worktime::DayInfo;
use xaso_domain::calendar::{
    lunar, parse_date, CalendarError, DeadlineRule, LunarDate, WorkCalendar,
};

use crate::error::ApiError;
use crate::AppState;

/// An instant in Vietnam's time with its offset: `2026-02-25T17:00:00+07:00`.
pub fn local_text(instant: DateTime<Utc>) -> String {
    format!("{}+07:00", to_local(instant).format("%Y-%m-%dT%H:%M:%S"))
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct YearView {
    pub year: i32,
    pub agency: Option<String>,
    pub working_hours: String,
    /// Weekdays off and worked weekend days, with their reasons.
    pub days: Vec<DayInfo>,
}

pub fn year_view(
    calendar: &WorkCalendar,
    year: i32,
    agency: Option<&str>,
) -> Result<YearView, CalendarError> {
    Ok(YearView {
        year,
        agency: agency.map(str::to_string),
        working_hours: calendar.hours().describe(),
        days: calendar.exceptions(year)?,
    })
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct LunarView {
    pub solar: String,
    pub lunar: LunarDate,
}

pub fn lunar_view(solar: chrono::NaiveDate) -> Result<LunarView, CalendarError> {
    Ok(LunarView {
        solar: solar.to_string(),
        lunar: lunar::to_lunar(solar)?,
    })
}

/// `YYYY-MM-DD` of a lunar date, with `leap` for a leap month.
pub fn solar_view(lunar_text: &str, leap: bool) -> Result<LunarView, CalendarError> {
    let parts: Vec<&str> = lunar_text.trim().split('-').collect();
    let number = |i: usize| parts.get(i).and_then(|p| p.parse::<i64>().ok());
    let (Some(year), Some(month), Some(day), 3) = (number(0), number(1), number(2), parts.len())
    else {
        return Err(CalendarError::BadDate(lunar_text.to_string()));
    };
    let lunar = LunarDate {
        year: i32::try_from(year).map_err(|_| CalendarError::BadDate(lunar_text.to_string()))?,
        month: u32::try_from(month).map_err(|_| CalendarError::BadDate(lunar_text.to_string()))?,
        day: u32::try_from(day).map_err(|_| CalendarError::BadDate(lunar_text.to_string()))?,
        leap,
    };
    Ok(LunarView {
        solar: lunar::to_solar(lunar)?.to_string(),
        lunar,
    })
}

/// What a deadline question names, as the API and the command line take it.
#[derive(Debug, Default, Clone, Deserialize, schemars::JsonSchema)]
pub struct DeadlineParams {
    /// When the dossier was received: `YYYY-MM-DDTHH:MM` in Vietnam's time.
    pub from: Option<String>,
    /// A time limit in working days (one of `days`, `hours`, `immediate`).
    #[schemars(with = "Option<u32>")]
    pub days: Option<String>,
    /// A time limit in working hours.
    #[schemars(with = "Option<u32>")]
    pub hours: Option<String>,
    /// Answered on the spot (`true`).
    #[schemars(with = "Option<bool>")]
    pub immediate: Option<String>,
    /// `HH:MM` (default 15:00) or `none`.
    pub cutoff: Option<String>,
    pub agency: Option<String>,
}

impl DeadlineParams {
    pub fn to_request(&self) -> Result<DeadlineRequest, CalendarError> {
        let from = self.from.as_deref().ok_or_else(|| {
            CalendarError::BadRequest("thiếu thời điểm tiếp nhận `from` (YYYY-MM-DDTHH:MM)".into())
        })?;
        let received = parse_instant(from)?;
        let count = |name: &str, value: &str, max: u32| -> Result<u32, CalendarError> {
            value
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=max).contains(n))
                .ok_or_else(|| {
                    CalendarError::BadRequest(format!(
                        "`{name}` phải là số nguyên từ 1 đến {max}, không phải “{value}”"
                    ))
                })
        };
        let immediate = match self.immediate.as_deref().map(str::trim) {
            None | Some("false") | Some("0") => false,
            Some("") | Some("true") | Some("1") => true,
            Some(other) => {
                return Err(CalendarError::BadRequest(format!(
                    "`immediate` là true hoặc false, không phải “{other}”"
                )))
            }
        };
        let rule = match (&self.days, &self.hours, immediate) {
            (Some(days), None, false) => DeadlineRule::WorkingDays {
                days: count("days", days, 365)?,
            },
            (None, Some(hours), false) => DeadlineRule::WorkingHours {
                hours: count("hours", hours, 2000)?,
            },
            (None, None, true) => DeadlineRule::Immediate,
            _ => {
                return Err(CalendarError::BadRequest(
                    "cần đúng một trong `days`, `hours` hoặc `immediate`".into(),
                ))
            }
        };
        let mut request = DeadlineRequest::new(received, rule);
        match self.cutoff.as_deref().map(str::trim) {
            None => {}
            Some("none") => request.cutoff = None,
            Some(text) => {
                request.cutoff = Some(xaso_domain::catalog::parse_clock(text).ok_or_else(|| {
                    CalendarError::BadRequest(format!(
                        "giờ chốt `cutoff` “{text}” không hợp lệ (HH:MM hoặc none)"
                    ))
                })?)
            }
        }
        Ok(request)
    }
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct DeadlineView {
    pub from: String,
    pub counting_from: String,
    pub due: String,
    pub rule: DeadlineRule,
    pub agency: Option<String>,
    pub explanation: Vec<String>,
}

pub fn deadline_view(
    calendar: &WorkCalendar,
    request: &DeadlineRequest,
    agency: Option<&str>,
) -> Result<DeadlineView, CalendarError> {
    let deadline = calendar.deadline(request)?;
    Ok(DeadlineView {
        from: local_text(request.received),
        counting_from: local_text(deadline.counting_from),
        due: local_text(deadline.due),
        rule: request.rule,
        agency: agency.map(str::to_string),
        explanation: deadline.explanation,
    })
}

impl From<CalendarError> for ApiError {
    fn from(error: CalendarError) -> ApiError {
        ApiError::bad_request(error.to_string())
    }
}

/// The calendar of an agency that must exist, or the nationwide one.
async fn calendar_of(
    state: &AppState,
    agency: Option<&str>,
) -> Result<Arc<WorkCalendar>, ApiError> {
    if let Some(code) = agency {
        let mut tx = state.store.read().await?;
        if xaso_store::agency::by_code(&mut tx, code).await?.is_none() {
            return Err(ApiError::not_found(format!("không có đơn vị mã {code}")));
        }
    }
    state.rules.calendars.for_agency(agency).map_err(|e| {
        tracing::error!(error = %e, "calendar data");
        ApiError::bad_request(format!("dữ liệu lịch có lỗi: {e}"))
    })
}

fn query<T>(query: Result<Query<T>, QueryRejection>) -> Result<T, ApiError> {
    query.map(|Query(q)| q).map_err(|e| {
        ApiError::bad_request(format!("tham số truy vấn không hợp lệ: {}", e.body_text()))
    })
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct AgencyParam {
    /// An agency's code, for its own days off.
    agency: Option<String>,
}

/// `GET /api/v1/calendar/{year}[?agency=CODE]`
pub async fn year(
    State(state): State<AppState>,
    Path(year): Path<String>,
    params: Result<Query<AgencyParam>, QueryRejection>,
) -> Result<Json<YearView>, ApiError> {
    let params = query(params)?;
    let year: i32 = year
        .parse()
        .map_err(|_| ApiError::bad_request(format!("năm “{year}” không hợp lệ")))?;
    let agency = params.agency.as_deref().filter(|a| !a.is_empty());
    let calendar = calendar_of(&state, agency).await?;
    Ok(Json(year_view(&calendar, year, agency)?))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct DateParam {
    /// A solar date, `YYYY-MM-DD`.
    #[schemars(with = "Option<chrono::NaiveDate>")]
    date: Option<String>,
}

/// `GET /api/v1/calendar/lunar?date=YYYY-MM-DD`
pub async fn to_lunar(
    params: Result<Query<DateParam>, QueryRejection>,
) -> Result<Json<LunarView>, ApiError> {
    let params = query(params)?;
    let date = params
        .date
        .as_deref()
        .ok_or_else(|| ApiError::bad_request("thiếu tham số `date` (YYYY-MM-DD)"))?;
    Ok(Json(lunar_view(parse_date(date)?)?))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct LunarParam {
    /// A lunar date, `YYYY-MM-DD`.
    lunar: Option<String>,
    /// The leap month of that number.
    leap: Option<bool>,
}

/// `GET /api/v1/calendar/solar?lunar=YYYY-MM-DD[&leap=true]`
pub async fn to_solar(
    params: Result<Query<LunarParam>, QueryRejection>,
) -> Result<Json<LunarView>, ApiError> {
    let params = query(params)?;
    let lunar = params
        .lunar
        .as_deref()
        .ok_or_else(|| ApiError::bad_request("thiếu tham số `lunar` (YYYY-MM-DD âm lịch)"))?;
    Ok(Json(solar_view(lunar, params.leap.unwrap_or(false))?))
}

/// `GET /api/v1/deadline?from=&days=|hours=|immediate=true[&cutoff=][&agency=]`
pub async fn deadline(
    State(state): State<AppState>,
    params: Result<Query<DeadlineParams>, QueryRejection>,
) -> Result<Json<DeadlineView>, ApiError> {
    let params = query(params)?;
    let request = params.to_request()?;
    let agency = params.agency.as_deref().filter(|a| !a.is_empty());
    let calendar = calendar_of(&state, agency).await?;
    Ok(Json(deadline_view(&calendar, &request, agency)?))
}
