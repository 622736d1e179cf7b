//! Deadlines in working time. Instants are UTC; days and hours are counted in Vietnam's civil
//! time (UTC+7, no daylight saving since 1975).

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use serde::Serialize;

use super::worktime::{DayKind, WorkCalendar};
use super::{describe_date, CalendarError};

const VIETNAM_OFFSET: Duration = Duration::hours(7);

pub fn to_local(instant: DateTime<Utc>) -> NaiveDateTime {
    instant.naive_utc() + VIETNAM_OFFSET
}

pub fn from_local(local: NaiveDateTime) -> DateTime<Utc> {
    (local - VIETNAM_OFFSET).and_utc()
}

/// Parses `YYYY-MM-DDTHH:MM[:SS]` in Vietnam's time, or a full RFC 3339 instant.
pub fn parse_instant(text: &str) -> Result<DateTime<Utc>, CalendarError> {
    let text = text.trim();
    let in_range = |year: i32| (super::lunar::FIRST_YEAR..=super::lunar::LAST_YEAR).contains(&year);
    if let Ok(instant) = DateTime::parse_from_rfc3339(text) {
        let instant = instant.with_timezone(&Utc);
        if !in_range(instant.year()) {
            return Err(CalendarError::OutOfRange(instant.year()));
        }
        return Ok(instant);
    }
    let local = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
        .ok_or_else(|| CalendarError::BadInstant(text.to_string()))?;
    if !in_range(local.year()) {
        return Err(CalendarError::OutOfRange(local.year()));
    }
    Ok(from_local(local))
}

/// How long a procedure may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DeadlineRule {
    WorkingDays {
        days: u32,
    },
    WorkingHours {
        hours: u32,
    },
    /// By the end of the working day (the next one when received after the cut-off).
    Immediate,
}

/// Everything a deadline depends on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadlineRequest {
    /// When the complete dossier was received.
    pub received: DateTime<Utc>,
    pub rule: DeadlineRule,
    /// Minutes after midnight after which a dossier counts from the next working day (15:00).
    pub cutoff: Option<u32>,
    /// Intervals during which the clock stops (waiting for the applicant's supplement).
    pub pauses: Vec<(DateTime<Utc>, DateTime<Utc>)>,
}

impl DeadlineRequest {
    pub fn new(received: DateTime<Utc>, rule: DeadlineRule) -> DeadlineRequest {
        DeadlineRequest {
            received,
            rule,
            cutoff: Some(15 * 60),
            pauses: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Deadline {
    pub due: DateTime<Utc>,
    /// When counting started (after the cut-off rule and outside working hours).
    pub counting_from: DateTime<Utc>,
    pub explanation: Vec<String>,
}

/// Whether a result came before the appointment's day, on it, or after the appointment.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Timing {
    Early,
    OnTime,
    Late,
}

impl Timing {
    pub fn label(self) -> &'static str {
        match self {
            Timing::Early => "Trước hạn",
            Timing::OnTime => "Đúng hạn",
            Timing::Late => "Quá hạn",
        }
    }
}

fn at(date: NaiveDate, minutes: u32) -> NaiveDateTime {
    date.and_time(NaiveTime::MIN) + Duration::minutes(i64::from(minutes))
}

fn clock(local: NaiveDateTime) -> String {
    local.format("%H:%M").to_string()
}

impl WorkCalendar {
    /// The first instant ≥ `local` at which working time runs, and whether counting had to move
    /// to a later day because of the cut-off.
    fn counting_start(
        &self,
        local: NaiveDateTime,
        cutoff: Option<u32>,
    ) -> Result<(NaiveDateTime, bool), CalendarError> {
        let hours = self.hours();
        let date = local.date();
        let minute = local
            .time()
            .signed_duration_since(NaiveTime::MIN)
            .num_minutes() as u32;
        let after_cutoff = cutoff.is_some_and(|c| minute >= c);
        if self.is_working_day(date)? && !after_cutoff {
            for (start, end) in hours.sessions() {
                if minute < *end {
                    return Ok((at(date, minute.max(*start)), false));
                }
            }
        }
        let next = self.next_working_day(date)?;
        Ok((
            at(next, hours.opening()),
            after_cutoff && self.is_working_day(date)?,
        ))
    }

    /// Adds `minutes` of working time to a working instant, skipping non-working time and the
    /// pauses (local, sorted, not overlapping).
    fn add_working_minutes(
        &self,
        start: NaiveDateTime,
        minutes: i64,
        pauses: &[(NaiveDateTime, NaiveDateTime)],
    ) -> Result<NaiveDateTime, CalendarError> {
        let mut remaining = minutes;
        let mut date = start.date();
        let mut from = start;
        loop {
            if self.is_working_day(date)? {
                for (session_start, session_end) in self.hours().sessions() {
                    let end = at(date, *session_end);
                    let mut piece_start = from.max(at(date, *session_start));
                    while piece_start < end {
                        // The part of [piece_start, end) before the next pause that overlaps it.
                        let pause = pauses.iter().find(|(a, b)| *b > piece_start && *a < end);
                        let piece_end = match pause {
                            Some((a, _)) if *a > piece_start => *a,
                            Some((_, b)) => {
                                piece_start = *b;
                                continue;
                            }
                            None => end,
                        };
                        let length = (piece_end - piece_start).num_minutes();
                        if remaining <= length {
                            return Ok(piece_start + Duration::minutes(remaining));
                        }
                        remaining -= length;
                        piece_start = piece_end;
                    }
                }
            }
            date = date
                .succ_opt()
                .ok_or(CalendarError::OutOfRange(date.year()))?;
            from = at(date, 0);
        }
    }

    /// The due instant only, without the explanation: the hot path for lists and statistics.
    pub fn due(&self, request: &DeadlineRequest) -> Result<DateTime<Utc>, CalendarError> {
        Ok(self.compute(request)?.0)
    }

    /// The due instant and why.
    pub fn deadline(&self, request: &DeadlineRequest) -> Result<Deadline, CalendarError> {
        let (due, start, moved) = self.compute(request)?;
        let received = to_local(request.received);
        let mut explanation = vec![format!(
            "Tiếp nhận lúc {} {}.",
            clock(received),
            describe_date(received.date())
        )];
        if moved {
            let cutoff = request.cutoff.unwrap_or_default();
            explanation.push(format!(
                "Tiếp nhận sau {:02}:{:02} nên thời hạn tính từ ngày làm việc tiếp theo.",
                cutoff / 60,
                cutoff % 60
            ));
        }
        let start_local = to_local(start);
        if start_local != received {
            explanation.push(format!(
                "Bắt đầu tính từ {} {} (giờ làm việc {}).",
                clock(start_local),
                describe_date(start_local.date()),
                self.hours().describe()
            ));
        }
        let due_local = to_local(due);
        let skipped = self.skipped_days(received.date(), due_local.date())?;
        if !skipped.is_empty() {
            explanation.push(format!("Không tính các ngày nghỉ: {}.", skipped.join("; ")));
        }
        let paused: i64 = request
            .pauses
            .iter()
            .map(|(a, b)| self.working_minutes_between(*a, *b))
            .sum::<Result<i64, _>>()?;
        if paused > 0 {
            explanation.push(format!(
                "Thời gian tạm dừng chờ bổ sung hồ sơ ({}) được cộng thêm.",
                describe_minutes(paused, self.hours().day_minutes())
            ));
        }
        let rule = match request.rule {
            DeadlineRule::WorkingDays { days } => format!("+{days} ngày làm việc"),
            DeadlineRule::WorkingHours { hours } => format!("+{hours} giờ làm việc"),
            DeadlineRule::Immediate => "Giải quyết trong ngày làm việc".to_string(),
        };
        explanation.push(format!(
            "{rule} → hạn trả kết quả {} {}.",
            clock(due_local),
            describe_date(due_local.date())
        ));
        Ok(Deadline {
            due,
            counting_from: start,
            explanation,
        })
    }

    fn compute(
        &self,
        request: &DeadlineRequest,
    ) -> Result<(DateTime<Utc>, DateTime<Utc>, bool), CalendarError> {
        let received = to_local(request.received);
        let (start, moved) = self.counting_start(received, request.cutoff)?;
        let mut pauses: Vec<(NaiveDateTime, NaiveDateTime)> = request
            .pauses
            .iter()
            .map(|(a, b)| (to_local(*a), to_local(*b)))
            .filter(|(a, b)| b > a)
            .collect();
        pauses.sort();
        let day_minutes = i64::from(self.hours().day_minutes());
        let due = match request.rule {
            DeadlineRule::WorkingDays { days } => {
                self.add_working_minutes(start, i64::from(days) * day_minutes, &pauses)?
            }
            DeadlineRule::WorkingHours { hours } => {
                self.add_working_minutes(start, i64::from(hours) * 60, &pauses)?
            }
            DeadlineRule::Immediate => {
                let paused: i64 = pauses
                    .iter()
                    .map(|(a, b)| self.local_working_minutes(*a, *b))
                    .sum::<Result<i64, _>>()?;
                let close = at(start.date(), self.hours().closing());
                if paused == 0 {
                    close
                } else {
                    let remaining = self.local_working_minutes(start, close)?;
                    self.add_working_minutes(start, remaining, &pauses)?
                }
            }
        };
        Ok((from_local(due), from_local(start), moved))
    }

    fn local_working_minutes(
        &self,
        from: NaiveDateTime,
        to: NaiveDateTime,
    ) -> Result<i64, CalendarError> {
        if to <= from {
            return Ok(0);
        }
        let mut total = 0;
        let mut date = from.date();
        while date <= to.date() {
            if self.is_working_day(date)? {
                for (start, end) in self.hours().sessions() {
                    let a = at(date, *start).max(from);
                    let b = at(date, *end).min(to);
                    if b > a {
                        total += (b - a).num_minutes();
                    }
                }
            }
            date = date
                .succ_opt()
                .ok_or(CalendarError::OutOfRange(date.year()))?;
        }
        Ok(total)
    }

    /// `minutes` of working time after `start` (moved into working time first, no cut-off).
    pub fn add_working_time(
        &self,
        start: DateTime<Utc>,
        minutes: i64,
    ) -> Result<DateTime<Utc>, CalendarError> {
        if minutes <= 0 {
            return Ok(start);
        }
        let (begin, _) = self.counting_start(to_local(start), None)?;
        Ok(from_local(self.add_working_minutes(
            begin,
            minutes.max(0),
            &[],
        )?))
    }

    /// Working minutes between two instants (0 when `to` is not after `from`).
    pub fn working_minutes_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<i64, CalendarError> {
        self.local_working_minutes(to_local(from), to_local(to))
    }

    /// Whether an instant is past a deadline.
    pub fn is_late(&self, instant: DateTime<Utc>, due: DateTime<Utc>) -> bool {
        instant > due
    }

    /// Early (a day before the appointment's day), on time, or late.
    pub fn timing(&self, finished: DateTime<Utc>, due: DateTime<Utc>) -> Timing {
        if finished > due {
            Timing::Late
        } else if to_local(finished).date() < to_local(due).date() {
            Timing::Early
        } else {
            Timing::OnTime
        }
    }

    /// A new appointment after an apology (form 04): later than the old one, on a working day,
    /// asked for at least one working day before the old deadline. Returns the new due instant
    /// (the end of that working day). Whether it is the first reschedule is the dossier's rule.
    pub fn reschedule(
        &self,
        now: DateTime<Utc>,
        old_due: DateTime<Utc>,
        new_date: NaiveDate,
        max_extra_days: u32,
    ) -> Result<DateTime<Utc>, CalendarError> {
        if self.working_minutes_between(now, old_due)? < i64::from(self.hours().day_minutes()) {
            return Err(CalendarError::BadRequest(
                "phải gửi phiếu xin lỗi và hẹn lại chậm nhất 01 ngày làm việc trước hạn trả kết quả".into(),
            ));
        }
        if !self.is_working_day(new_date)? {
            return Err(CalendarError::BadRequest(format!(
                "ngày hẹn mới {} là ngày nghỉ",
                describe_date(new_date)
            )));
        }
        let new_due = from_local(at(new_date, self.hours().closing()));
        if new_due <= old_due {
            return Err(CalendarError::BadRequest(
                "ngày hẹn mới phải sau hạn cũ".into(),
            ));
        }
        let extra = i64::from(max_extra_days) * i64::from(self.hours().day_minutes());
        let latest = self.add_working_time(old_due, extra)?;
        if to_local(new_due).date() > to_local(latest).date() {
            return Err(CalendarError::BadRequest(format!(
                "ngày hẹn mới không được quá {max_extra_days} ngày làm việc sau hạn cũ (chậm nhất {})",
                to_local(latest).format("%d/%m/%Y")
            )));
        }
        Ok(new_due)
    }

    /// Non-working days in [from, to], consecutive days with the same reason joined:
    /// "14/02–15/02 (nghỉ hằng tuần)".
    fn skipped_days(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<String>, CalendarError> {
        let mut ranges: Vec<(NaiveDate, NaiveDate, String)> = Vec::new();
        let mut date = from;
        while date <= to {
            let day = self.day(date)?;
            if !day.kind.is_working() {
                let reason = match &day.kind {
                    DayKind::WeeklyRest => "nghỉ hằng tuần".to_string(),
                    _ => day.reason.clone(),
                };
                match ranges.last_mut() {
                    Some((_, last, r)) if *r == reason && last.succ_opt() == Some(date) => {
                        *last = date
                    }
                    _ => ranges.push((date, date, reason)),
                }
            }
            date = date
                .succ_opt()
                .ok_or(CalendarError::OutOfRange(date.year()))?;
        }
        Ok(ranges
            .into_iter()
            .map(|(a, b, reason)| {
                if a == b {
                    format!("{} ({reason})", a.format("%d/%m"))
                } else {
                    format!("{}–{} ({reason})", a.format("%d/%m"), b.format("%d/%m"))
                }
            })
            .collect())
    }
}

fn describe_minutes(minutes: i64, day_minutes: u32) -> String {
    let day = i64::from(day_minutes.max(1));
    let (days, rest) = (minutes / day, minutes % day);
    let (hours, mins) = (rest / 60, rest % 60);
    let mut parts = Vec::new();
    if days > 0 {
        parts.push(format!("{days} ngày làm việc"));
    }
    if hours > 0 {
        parts.push(format!("{hours} giờ"));
    }
    if mins > 0 || parts.is_empty() {
        parts.push(format!("{mins} phút"));
    }
    parts.join(" ")
}
