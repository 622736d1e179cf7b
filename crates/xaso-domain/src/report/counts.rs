//! The counts every dossier metric of a period is a ratio of. The domain computes them from
//! facts (the definition); the store computes the same numbers in SQL over a province's
//! report facts, and the tests hold the two equal.

use serde::{Deserialize, Serialize};

use chrono::NaiveDate;

use super::{DossierFact, Period, Rating};
use crate::calendar::deadline::to_local;
use crate::calendar::deadline::Timing;
use crate::catalog::OnlineLevel;
use crate::dossier::Channel;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Received in the period, and of those: online, with a digital component, with a document
    /// taken from the applicant's store, asked to pay a fee, paid online, of a procedure offered
    /// fully online, and both of the last two with an online submission.
    pub received: u64,
    pub received_online: u64,
    pub received_digitised: u64,
    pub received_reused: u64,
    pub received_fee_requested: u64,
    pub received_paid_online: u64,
    pub received_full_online: u64,
    pub received_full_online_online: u64,
    /// Resolved in the period, and of those: early or on time, with an e-result, with the
    /// e-result put in the applicant's store, "well" (QĐ 766: neither late, nor rated
    /// dissatisfied, nor with a complaint about it).
    pub resolved: u64,
    pub resolved_in_time: u64,
    pub resolved_e_result: u64,
    pub resolved_result_stored: u64,
    pub resolved_well: u64,
    /// TT 01/2018 points summed over the resolved: time (2/1/0), contacts (2/1/0), online (2/1/0).
    pub points_time: u64,
    pub points_contacts: u64,
    pub points_online: u64,
    /// Ratings given in the period, and the satisfied ones.
    pub rated: u64,
    pub rated_satisfied: u64,
    /// Resolved early (II.06a column 8).
    pub resolved_early: u64,
    /// Received once, then ended in the period without a result: withdrawn, stopped, refused.
    pub closed: u64,
    /// TT 01/2018 indicators 4 and 7 over the ratings of the period that answered them: how
    /// many answered, and their points summed.
    pub rated_bodies: u64,
    pub points_bodies: u64,
    pub rated_attitude: u64,
    pub points_attitude: u64,
    /// TT 01/2018 indicator 8 over the resolved with a complaint about them.
    pub resolved_with_feedback: u64,
    pub points_feedback: u64,
}

/// How many numbers a `Counts` holds (see `to_signed`).
pub const FIELDS: usize = 26;

/// TT 01/2018 indicator 1: earlier than the legal time 2, on time 1, late 0.
pub fn time_points(timing: Option<Timing>) -> u64 {
    match timing {
        Some(Timing::Early) => 2,
        Some(Timing::OnTime) => 1,
        _ => 0,
    }
}

/// TT 01/2018 indicator 3: at most one supplement request 2, two 1, more 0.
pub fn contact_points(supplements: u32) -> u64 {
    match supplements {
        0 | 1 => 2,
        2 => 1,
        _ => 0,
    }
}

/// TT 01/2018 indicator 9: fully online 2, partly 1, not online 0.
pub fn online_points(online: Option<OnlineLevel>) -> u64 {
    match online {
        Some(OnlineLevel::Full) => 2,
        Some(OnlineLevel::Partial) => 1,
        _ => 0,
    }
}

impl Counts {
    fn fields(&mut self) -> [&mut u64; FIELDS] {
        [
            &mut self.received,
            &mut self.received_online,
            &mut self.received_digitised,
            &mut self.received_reused,
            &mut self.received_fee_requested,
            &mut self.received_paid_online,
            &mut self.received_full_online,
            &mut self.received_full_online_online,
            &mut self.resolved,
            &mut self.resolved_in_time,
            &mut self.resolved_e_result,
            &mut self.resolved_result_stored,
            &mut self.resolved_well,
            &mut self.points_time,
            &mut self.points_contacts,
            &mut self.points_online,
            &mut self.rated,
            &mut self.rated_satisfied,
            &mut self.resolved_early,
            &mut self.closed,
            &mut self.rated_bodies,
            &mut self.points_bodies,
            &mut self.rated_attitude,
            &mut self.points_attitude,
            &mut self.resolved_with_feedback,
            &mut self.points_feedback,
        ]
    }

    pub fn add(&mut self, other: &Counts) {
        let mut other = *other;
        for (mine, theirs) in self.fields().into_iter().zip(other.fields()) {
            *mine += *theirs;
        }
    }

    /// The fields as signed numbers, in a fixed order (for stored sums that go up and down).
    pub fn to_signed(mut self, sign: i64) -> [i64; FIELDS] {
        self.fields()
            .map(|v| sign * i64::try_from(*v).unwrap_or(i64::MAX))
    }

    pub fn from_signed(values: [i64; FIELDS]) -> Counts {
        let mut counts = Counts::default();
        for (field, value) in counts.fields().into_iter().zip(values) {
            *field = u64::try_from(value).unwrap_or(0);
        }
        counts
    }
}

/// What one dossier adds to the counts of each day (in Vietnam): its reception counters on the
/// day it was received, its result counters on the day it was resolved, its rating on the day
/// it was rated. The counts of a period are the sum of its days (tested), so they can be kept
/// per day and commune as dossiers change.
pub fn daily_contributions(fact: &DossierFact) -> Vec<(NaiveDate, Counts)> {
    let mut days: Vec<(NaiveDate, Counts)> = Vec::new();
    for at in [
        fact.received_at,
        fact.resolved_at,
        fact.rated_at,
        fact.closed_at,
    ]
    .into_iter()
    .flatten()
    {
        let day = to_local(at).date();
        if days.iter().any(|(d, _)| *d == day) {
            continue;
        }
        let counts = counts(std::slice::from_ref(fact), &Period { from: day, to: day });
        if counts != Counts::default() {
            days.push((day, counts));
        }
    }
    days
}

/// The counts of `period` from the facts.
pub fn counts(facts: &[DossierFact], period: &Period) -> Counts {
    let (start, end) = (period.start(), period.end());
    let within =
        |at: Option<chrono::DateTime<chrono::Utc>>| at.is_some_and(|t| start <= t && t < end);
    let mut c = Counts::default();
    let one = |yes: bool| u64::from(yes);
    for f in facts {
        let level = f.online;
        if within(f.received_at) {
            let is_online = f.channel == Channel::Online;
            let full = level == Some(OnlineLevel::Full);
            c.received += 1;
            c.received_online += one(is_online);
            c.received_digitised += one(f.digitised);
            c.received_reused += one(f.reused);
            c.received_fee_requested += one(f.fee_requested);
            c.received_paid_online += one(f.paid_online);
            c.received_full_online += one(full);
            c.received_full_online_online += one(full && is_online);
        }
        if within(f.resolved_at) {
            let in_time = matches!(f.timing, Some(Timing::Early | Timing::OnTime));
            c.resolved += 1;
            c.resolved_early += one(f.timing == Some(Timing::Early));
            c.resolved_in_time += one(in_time);
            c.resolved_e_result += one(f.e_result);
            c.resolved_result_stored += one(f.result_stored);
            c.resolved_well += one(f.timing != Some(Timing::Late)
                && f.rating != Some(Rating::Dissatisfied)
                && !f.complaint);
            if let Some(points) = f.points_feedback {
                c.resolved_with_feedback += 1;
                c.points_feedback += u64::from(points);
            }
            c.points_time += time_points(f.timing);
            c.points_contacts += contact_points(f.supplements);
            c.points_online += online_points(level);
        }
        if f.resolved_at.is_none() && f.received_at.is_some() && within(f.closed_at) {
            c.closed += 1;
        }
        if f.rating.is_some() && within(f.rated_at) {
            c.rated += 1;
            c.rated_satisfied += one(f.rating != Some(Rating::Dissatisfied));
            if let Some(points) = f.points_bodies {
                c.rated_bodies += 1;
                c.points_bodies += u64::from(points);
            }
            if let Some(points) = f.points_attitude {
                c.rated_attitude += 1;
                c.points_attitude += u64::from(points);
            }
        }
    }
    c
}

/// What the feedback metrics need to know about one item (QĐ 766 group 5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FeedbackFact {
    pub answered_at: Option<chrono::DateTime<chrono::Utc>>,
    /// `feedback::FeedbackState::answered_in_time` on the calendar of the body that answered.
    pub answered_in_time: Option<bool>,
    pub rating: Option<Rating>,
    pub rated_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// The feedback of a period: answered in it, of those by their deadline; answers rated in it,
/// of those "very satisfied" or "satisfied".
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedbackCounts {
    pub answered: u64,
    pub answered_in_time: u64,
    pub rated: u64,
    pub rated_satisfied: u64,
}

/// The feedback counts of `period` (the store counts the same in SQL; tests hold them equal).
pub fn feedback_counts(facts: &[FeedbackFact], period: &Period) -> FeedbackCounts {
    let within = |at: Option<chrono::DateTime<chrono::Utc>>| at.is_some_and(|t| period.contains(t));
    let mut c = FeedbackCounts::default();
    for f in facts {
        if within(f.answered_at) {
            c.answered += 1;
            c.answered_in_time += u64::from(f.answered_in_time == Some(true));
        }
        if f.rating.is_some() && within(f.rated_at) {
            c.rated += 1;
            c.rated_satisfied += u64::from(f.rating != Some(Rating::Dissatisfied));
        }
    }
    c
}
