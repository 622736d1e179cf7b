//! When dossiers arrive: a year's dossiers spread over the working days of each commune's
//! calendar with a weekly and seasonal shape (Mondays busiest, the weeks before Tết and the
//! start of the school year busier, the days after Tết quiet), and over the hours of the day
//! (counters busiest in the morning; online submissions also in the evening and at weekends).

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Timelike, Utc, Weekday};

use super::random::{Random, Weights};
use crate::calendar::deadline::from_local;
use crate::calendar::worktime::{DayKind, WorkCalendar};
use crate::calendar::{lunar, CalendarError};
use crate::dossier::Channel;

/// How busy a day is compared with an ordinary Wednesday (0 when the commune does not work).
pub fn day_weight(date: NaiveDate, calendar: &WorkCalendar) -> Result<f64, CalendarError> {
    let day = calendar.day(date)?;
    if !day.kind.is_working() {
        return Ok(0.0);
    }
    let weekday = match (date.weekday(), &day.kind) {
        // A Saturday worked in exchange for a bridge holiday: people know less about it.
        (_, DayKind::WorkingWeekend) => 0.7,
        (Weekday::Mon, _) => 1.2,
        (Weekday::Tue, _) => 1.05,
        (Weekday::Fri, _) => 0.9,
        _ => 1.0,
    };
    let month = [
        1.1, 0.95, 1.0, 0.95, 0.95, 1.0, 1.05, 1.15, 1.1, 1.0, 1.0, 1.1,
    ]
    .get(date.month0() as usize)
    .copied()
    .unwrap_or(1.0);
    // Papers before the lunar new year (khai sinh, chứng thực for travel and sales), a lull
    // after it.
    let lunar = lunar::to_lunar(date)?;
    let tet = match (lunar.month, lunar.day, lunar.leap) {
        (12, 15.., false) => 1.3,
        (1, ..=15, false) => 0.85,
        _ => 1.0,
    };
    Ok(weekday * month * tet)
}

/// The dossiers of one day, per commune (in the order the communes were given).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayPlan {
    pub date: NaiveDate,
    pub counts: Vec<u32>,
}

/// Spreads `total` dossiers over the days `first..=last`: each day gets its share of the
/// weights exactly (largest remainders), and each of its dossiers goes to a commune drawn by
/// the commune's size among those working that day. Days without dossiers are left out.
pub fn plan_days(
    first: NaiveDate,
    last: NaiveDate,
    calendars: &[&WorkCalendar],
    sizes: &[f64],
    total: u64,
    random: &mut Random,
) -> Result<Vec<DayPlan>, CalendarError> {
    let mut days: Vec<(NaiveDate, Vec<f64>)> = Vec::new();
    let mut date = first;
    while date <= last {
        let weights = calendars
            .iter()
            .zip(sizes)
            .map(|(calendar, size)| Ok(day_weight(date, calendar)? * size))
            .collect::<Result<Vec<f64>, CalendarError>>()?;
        if weights.iter().any(|w| *w > 0.0) {
            days.push((date, weights));
        }
        date = match date.succ_opt() {
            Some(next) => next,
            None => break,
        };
    }
    let sums: Vec<f64> = days.iter().map(|(_, w)| w.iter().sum()).collect();
    let all: f64 = sums.iter().sum();
    if all <= 0.0 {
        return Ok(Vec::new());
    }
    // Largest remainders: floors first, then one more to the days with the largest fractions.
    let exact: Vec<f64> = sums.iter().map(|s| total as f64 * s / all).collect();
    let mut counts: Vec<u64> = exact.iter().map(|e| e.floor() as u64).collect();
    let given: u64 = counts.iter().sum();
    let mut order: Vec<usize> = (0..exact.len()).collect();
    order.sort_by(|a, b| {
        let fa = exact[*a] - exact[*a].floor();
        let fb = exact[*b] - exact[*b].floor();
        fb.total_cmp(&fa).then(a.cmp(b))
    });
    for i in order
        .iter()
        .cycle()
        .take(total.saturating_sub(given) as usize)
    {
        counts[*i] += 1;
    }
    let mut plans = Vec::with_capacity(days.len());
    for ((date, weights), count) in days.into_iter().zip(counts) {
        if count == 0 {
            continue;
        }
        let table = Weights::new(&weights);
        let mut per_commune = vec![0u32; weights.len()];
        for _ in 0..count {
            per_commune[table.draw(random)] += 1;
        }
        plans.push(DayPlan {
            date,
            counts: per_commune,
        });
    }
    Ok(plans)
}

fn local(date: NaiveDate, minute: u32, second: u32) -> DateTime<Utc> {
    from_local(
        date.and_time(NaiveTime::MIN)
            + Duration::minutes(i64::from(minute))
            + Duration::seconds(i64::from(second)),
    )
}

/// A minute of the day's working sessions: at the counter busier in the morning and early in
/// each session, online evenly.
fn session_minute(random: &mut Random, sessions: &[(u32, u32)], counter: bool) -> u32 {
    let weights: Vec<f64> = sessions
        .iter()
        .enumerate()
        .map(|(i, (start, end))| {
            let busier = if counter && i == 0 { 1.3 } else { 1.0 };
            f64::from(end.saturating_sub(*start)) * busier
        })
        .collect();
    let Some((start, end)) = sessions.get(random.weighted(&weights)) else {
        return 8 * 60;
    };
    let mut x = random.unit();
    if counter {
        // Density 1.5 − x on [0, 1): queues form when the doors open and thin out by closing.
        for _ in 0..8 {
            if random.unit() * 1.5 < 1.5 - x {
                break;
            }
            x = random.unit();
        }
    }
    start + (f64::from(end.saturating_sub(*start)) * x) as u32
}

/// When a dossier for `date` (a working day of `calendar`) is submitted: at the counter (and
/// postal ones as the post brings them) within working hours; online two times in three within
/// working hours, otherwise in the evening, at night or on days off before `date`, but never
/// before `earliest` (the start of the generated year).
pub fn arrival(
    random: &mut Random,
    channel: Channel,
    date: NaiveDate,
    calendar: &WorkCalendar,
    earliest: DateTime<Utc>,
) -> Result<DateTime<Utc>, CalendarError> {
    let sessions = calendar.hours().sessions();
    let second = random.below(60) as u32;
    let in_hours = match channel {
        Channel::Counter | Channel::Postal => true,
        Channel::Online => random.chance(0.65),
    };
    if in_hours {
        let minute = session_minute(random, sessions, channel != Channel::Online);
        return Ok(local(date, minute, second));
    }
    // Off hours: from the end of the previous working day to the opening of this one.
    let open = local(date, calendar.hours().opening(), 0);
    let mut previous = date;
    let mut close = earliest;
    for _ in 0..15 {
        previous = match previous.pred_opt() {
            Some(day) => day,
            None => break,
        };
        if calendar.is_working_day(previous)? {
            close = local(previous, calendar.hours().closing(), 0);
            break;
        }
    }
    let close = close.max(earliest);
    let span = (open - close).num_seconds().max(1);
    let mut at = close + Duration::seconds(random.between(0, span - 1));
    for _ in 0..3 {
        // Few people file between midnight and six in the morning.
        let hour = crate::calendar::deadline::to_local(at).hour();
        if hour >= 6 || !random.chance(0.85) {
            break;
        }
        at = close + Duration::seconds(random.between(0, span - 1));
    }
    Ok(at)
}
