//! Reports on dossier handling: the periodic report II.06a (TT 01/2020, REFERENCES §6), the
//! measurable targets of the reform plan and the QĐ 766 index (`targets`). Pure: the store hands
//! over one `DossierFact` per dossier and one `ProcedureFact` per procedure.

mod counts;
mod indicators;
mod rollup;
mod satisfaction;
mod targets;
#[cfg(test)]
mod tests;

pub use counts::{
    contact_points, counts, daily_contributions, feedback_counts, online_points, time_points,
    Counts, FeedbackCounts, FeedbackFact, FIELDS as COUNT_FIELDS,
};
pub use indicators::{parse_indicator_rules, Attitude, IndicatorRules};
pub use rollup::{month_of, split_into_months, DaysAndMonths};
pub use satisfaction::{satisfaction, Classification, IndicatorScore, Satisfaction};
pub use targets::{
    evaluate, measure, paid_online_procedures, parse_targets, IndexGroupResult, IndicatorResult,
    Measure, Metric, Rate, Scorecard, Summary, TargetResult, Targets,
};

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::deadline::{from_local, Timing};
use crate::catalog::OnlineLevel;
use crate::dossier::Channel;

/// The applicant's rating of a dossier's handling (once, after the result).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rating {
    VerySatisfied,
    Satisfied,
    Dissatisfied,
}

impl Rating {
    pub fn key(self) -> &'static str {
        match self {
            Rating::VerySatisfied => "very_satisfied",
            Rating::Satisfied => "satisfied",
            Rating::Dissatisfied => "dissatisfied",
        }
    }

    pub fn parse(value: &str) -> Option<Rating> {
        [
            Rating::VerySatisfied,
            Rating::Satisfied,
            Rating::Dissatisfied,
        ]
        .into_iter()
        .find(|r| r.key() == value)
    }

    pub fn label(self) -> &'static str {
        match self {
            Rating::VerySatisfied => "Rất hài lòng",
            Rating::Satisfied => "Hài lòng",
            Rating::Dissatisfied => "Không hài lòng",
        }
    }
}

/// What a report needs to know about one dossier.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DossierFact {
    pub code: String,
    pub procedure_code: String,
    /// The procedure's field (lĩnh vực): the rows of II.06a.
    pub field: String,
    /// How far the procedure (in the version the dossier follows) is offered online.
    pub online: Option<OnlineLevel>,
    pub channel: Channel,
    /// When it was accepted for handling; `None` when it never was (refused at intake, or an
    /// online submission not yet accepted).
    pub received_at: Option<DateTime<Utc>>,
    /// The appointment in force.
    pub due_at: Option<DateTime<Utc>>,
    /// When handling ended with a result (status 9), and how that compared with the appointment.
    pub resolved_at: Option<DateTime<Utc>>,
    pub timing: Option<Timing>,
    /// When handling ended without a result: withdrawn, stopped, refused after acceptance.
    pub closed_at: Option<DateTime<Utc>>,
    /// How many times the applicant was asked to complete the dossier.
    pub supplements: u32,
    /// At least one component was held as a digital file.
    pub digitised: bool,
    /// The result was issued as a signed electronic document.
    pub e_result: bool,
    /// At least one file was taken from the applicant's citizen data store instead of being
    /// uploaded or scanned again (counted on the day the dossier was received).
    pub reused: bool,
    /// The e-result was put in the applicant's citizen data store (counted on the day the
    /// dossier was resolved).
    pub result_stored: bool,
    /// A fee or charge was asked of the applicant (the dossier's state holds a payment due,
    /// paid or not); counted on the day the dossier was received, like the payment that
    /// follows, so that a period's paid share is of its own dossiers.
    pub fee_requested: bool,
    /// The amount asked was paid online through a payment gateway (a payment with method
    /// online and status paid), not in cash or by a transfer checked at the counter; counted
    /// on the day the dossier was received.
    pub paid_online: bool,
    pub rating: Option<Rating>,
    pub rated_at: Option<DateTime<Utc>>,
    /// Feedback about the dossier was classified as about the officers' conduct or the handling
    /// (`feedback::is_complaint`): QĐ 766 counts it as "with complaint", like a dissatisfied
    /// rating.
    pub complaint: bool,
    /// TT 01/2018 points given at rating (indicator 4, bodies contacted; indicator 7, the
    /// officers' attitude), when the applicant answered those optional questions.
    pub points_bodies: Option<u8>,
    pub points_attitude: Option<u8>,
    /// TT 01/2018 indicator 8 from the complaints about the dossier (`None` without one).
    pub points_feedback: Option<u8>,
}

impl DossierFact {
    /// The same fact with every instant cut to whole microseconds, the precision PostgreSQL
    /// keeps: a fact read back from the database then equals the fact computed again from the
    /// dossier (instants in a dossier's state carry nanoseconds), so a rebuild counts only real
    /// differences.
    pub fn at_stored_precision(mut self) -> DossierFact {
        use chrono::SubsecRound;
        for instant in [
            &mut self.received_at,
            &mut self.due_at,
            &mut self.resolved_at,
            &mut self.closed_at,
            &mut self.rated_at,
        ] {
            *instant = instant.map(|at| at.trunc_subsecs(6));
        }
        self
    }
}

/// What a report needs to know about one procedure of the catalog.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProcedureFact {
    pub code: String,
    pub online: OnlineLevel,
    pub location_independent: bool,
    /// The fee schedule can charge something (`FeeSchedule::may_charge`): a procedure with a
    /// financial obligation in the sense of the payment indicators.
    pub fee_bearing: bool,
}

/// A reporting period: whole days in Vietnam, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Period {
    /// `None` when `to` is before `from`.
    pub fn new(from: NaiveDate, to: NaiveDate) -> Option<Period> {
        (from <= to).then_some(Period { from, to })
    }

    /// The first instant of the period.
    pub fn start(&self) -> DateTime<Utc> {
        from_local(self.from.and_time(NaiveTime::MIN))
    }

    /// The first instant after the period.
    pub fn end(&self) -> DateTime<Utc> {
        from_local(
            self.to
                .succ_opt()
                .unwrap_or(self.to)
                .and_time(NaiveTime::MIN),
        )
    }

    pub fn contains(&self, instant: DateTime<Utc>) -> bool {
        self.start() <= instant && instant < self.end()
    }
}

/// One row of II.06a: columns (3)–(13).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Ii06aRow {
    /// (2) the field, or "Tổng số" for the total row.
    pub field: String,
    /// (3) = (4) + (5) + (6)
    pub received_total: u64,
    /// (4) received online in the period
    pub received_online: u64,
    /// (5) received in person or by post in the period
    pub received_in_person: u64,
    /// (6) carried over: received before the period, not finished before it
    pub carried_over: u64,
    /// (7) = (8) + (9) + (10): resolved in the period
    pub resolved_total: u64,
    pub resolved_early: u64,
    pub resolved_on_time: u64,
    pub resolved_late: u64,
    /// (11) = (12) + (13): still being handled at the end of the period
    pub in_progress_total: u64,
    pub in_progress_within_time: u64,
    pub in_progress_overdue: u64,
    /// Not a column of the form: ended without a result in the period (withdrawn, stopped, refused
    /// after acceptance), so that (3) = (7) + (11) + this.
    pub closed_without_result: u64,
}

impl Ii06aRow {
    fn add(&mut self, other: &Ii06aRow) {
        self.received_total += other.received_total;
        self.received_online += other.received_online;
        self.received_in_person += other.received_in_person;
        self.carried_over += other.carried_over;
        self.resolved_total += other.resolved_total;
        self.resolved_early += other.resolved_early;
        self.resolved_on_time += other.resolved_on_time;
        self.resolved_late += other.resolved_late;
        self.in_progress_total += other.in_progress_total;
        self.in_progress_within_time += other.in_progress_within_time;
        self.in_progress_overdue += other.in_progress_overdue;
        self.closed_without_result += other.closed_without_result;
    }

    /// The 13 columns as the form prints them, (1) the row number given by the caller.
    pub fn columns(&self) -> [u64; 11] {
        [
            self.received_total,
            self.received_online,
            self.received_in_person,
            self.carried_over,
            self.resolved_total,
            self.resolved_early,
            self.resolved_on_time,
            self.resolved_late,
            self.in_progress_total,
            self.in_progress_within_time,
            self.in_progress_overdue,
        ]
    }
}

/// Where one dossier falls in a period's II.06a, if anywhere.
/// `bounds` are the period's first instant and the first instant after it.
fn classify(fact: &DossierFact, bounds: (DateTime<Utc>, DateTime<Utc>)) -> Option<Ii06aRow> {
    let received = fact.received_at?;
    let (start, end) = bounds;
    if received >= end {
        return None;
    }
    let finished = fact.resolved_at.or(fact.closed_at);
    if received < start && finished.is_some_and(|f| f < start) {
        return None; // finished in an earlier period
    }
    let mut row = Ii06aRow::default();
    if received < start {
        row.carried_over = 1;
    } else if fact.channel == Channel::Online {
        row.received_online = 1;
    } else {
        row.received_in_person = 1;
    }
    row.received_total = 1;
    match (fact.resolved_at, fact.closed_at) {
        (Some(resolved), _) if resolved < end => {
            row.resolved_total = 1;
            match fact.timing.unwrap_or(Timing::Late) {
                Timing::Early => row.resolved_early = 1,
                Timing::OnTime => row.resolved_on_time = 1,
                Timing::Late => row.resolved_late = 1,
            }
        }
        (None, Some(closed)) if closed < end => row.closed_without_result = 1,
        _ => {
            row.in_progress_total = 1;
            // Overdue when the appointment fell before the end of the period.
            if fact.due_at.is_some_and(|due| due < end) {
                row.in_progress_overdue = 1;
            } else {
                row.in_progress_within_time = 1;
            }
        }
    }
    Some(row)
}

/// The II.06a report: one row per field (in alphabetical order of the field), and the total.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Ii06a {
    pub period: Period,
    pub rows: Vec<Ii06aRow>,
    pub total: Ii06aRow,
}

impl Ii06a {
    /// The report from its rows (in order), with their total.
    pub fn from_rows(period: Period, rows: Vec<Ii06aRow>) -> Ii06a {
        let mut total = Ii06aRow {
            field: "Tổng số".into(),
            ..Default::default()
        };
        for row in &rows {
            total.add(row);
        }
        Ii06a {
            period,
            rows,
            total,
        }
    }
}

/// Dossiers still being handled at the end of a period, by whether their appointment had passed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OpenAtEnd {
    pub within_time: u64,
    pub overdue: u64,
}

/// What one field (or commune) of II.06a is made of: the sums of all days before the period,
/// the sums of the period, and the dossiers open at its end.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ii06aParts {
    pub before: Counts,
    pub during: Counts,
    pub open: OpenAtEnd,
}

impl Ii06aParts {
    /// The row: carried over = received before the period − finished before it; the rest is
    /// read off the period's sums and the open dossiers (equal to `ii06a` on the same facts).
    pub fn row(&self, field: &str) -> Ii06aRow {
        let (b, d) = (&self.before, &self.during);
        let carried_over = b.received.saturating_sub(b.resolved + b.closed);
        let received_in_person = d.received.saturating_sub(d.received_online);
        Ii06aRow {
            field: field.to_string(),
            received_total: d.received + carried_over,
            received_online: d.received_online,
            received_in_person,
            carried_over,
            resolved_total: d.resolved,
            resolved_early: d.resolved_early,
            resolved_on_time: d.resolved_in_time.saturating_sub(d.resolved_early),
            resolved_late: d.resolved.saturating_sub(d.resolved_in_time),
            in_progress_total: self.open.within_time + self.open.overdue,
            in_progress_within_time: self.open.within_time,
            in_progress_overdue: self.open.overdue,
            closed_without_result: d.closed,
        }
    }
}

/// Whether a fact is open at `end`, and then whether its appointment had passed.
pub fn open_at(fact: &DossierFact, end: DateTime<Utc>) -> Option<bool> {
    let received = fact.received_at?;
    let finished = fact.resolved_at.or(fact.closed_at);
    if received >= end || finished.is_some_and(|f| f < end) {
        return None;
    }
    Some(fact.due_at.is_some_and(|due| due < end))
}

pub fn ii06a(facts: &[DossierFact], period: &Period) -> Ii06a {
    let bounds = (period.start(), period.end());
    let mut by_field: std::collections::BTreeMap<&str, Ii06aRow> = Default::default();
    for fact in facts {
        if let Some(row) = classify(fact, bounds) {
            let entry = by_field
                .entry(fact.field.as_str())
                .or_insert_with(|| Ii06aRow {
                    field: fact.field.clone(),
                    ..Default::default()
                });
            entry.add(&row);
        }
    }
    Ii06a::from_rows(*period, by_field.into_values().collect())
}
