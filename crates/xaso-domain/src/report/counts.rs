//! The counts every dossier metric of a period is a ratio of. The domain computes them from
//! facts (the definition); the store computes the same numbers in SQL over a province's
//! report facts, and the tests hold the two equal.

use serde::{Deserialize, Serialize};

use super::{DossierFact, Period, ProcedureFact, Rating};
use crate::calendar::deadline::Timing;
use crate::catalog::OnlineLevel;
use crate::dossier::Channel;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Received in the period, and of those: online, with a digital component, of a procedure
    /// offered fully online, and both of the last two with an online submission.
    pub received: u64,
    pub received_online: u64,
    pub received_digitised: u64,
    pub received_full_online: u64,
    pub received_full_online_online: u64,
    /// Resolved in the period, and of those: early or on time, with an e-result, neither late
    /// nor rated dissatisfied.
    pub resolved: u64,
    pub resolved_in_time: u64,
    pub resolved_e_result: u64,
    pub resolved_well: u64,
    /// TT 01/2018 points summed over the resolved: time (2/1/0), contacts (2/1/0), online (2/1/0).
    pub points_time: u64,
    pub points_contacts: u64,
    pub points_online: u64,
    /// Ratings given in the period, and the satisfied ones.
    pub rated: u64,
    pub rated_satisfied: u64,
}

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

/// The counts of `period` from the facts, with the procedures' online levels.
pub fn counts(facts: &[DossierFact], procedures: &[ProcedureFact], period: &Period) -> Counts {
    let (start, end) = (period.start(), period.end());
    let within =
        |at: Option<chrono::DateTime<chrono::Utc>>| at.is_some_and(|t| start <= t && t < end);
    let online: std::collections::HashMap<&str, OnlineLevel> = procedures
        .iter()
        .map(|p| (p.code.as_str(), p.online))
        .collect();
    let mut c = Counts::default();
    let one = |yes: bool| u64::from(yes);
    for f in facts {
        let level = online.get(f.procedure_code.as_str()).copied();
        if within(f.received_at) {
            let is_online = f.channel == Channel::Online;
            let full = level == Some(OnlineLevel::Full);
            c.received += 1;
            c.received_online += one(is_online);
            c.received_digitised += one(f.digitised);
            c.received_full_online += one(full);
            c.received_full_online_online += one(full && is_online);
        }
        if within(f.resolved_at) {
            let in_time = matches!(f.timing, Some(Timing::Early | Timing::OnTime));
            c.resolved += 1;
            c.resolved_in_time += one(in_time);
            c.resolved_e_result += one(f.e_result);
            c.resolved_well +=
                one(f.timing != Some(Timing::Late) && f.rating != Some(Rating::Dissatisfied));
            c.points_time += time_points(f.timing);
            c.points_contacts += contact_points(f.supplements);
            c.points_online += online_points(level);
        }
        if f.rating.is_some() && within(f.rated_at) {
            c.rated += 1;
            c.rated_satisfied += one(f.rating != Some(Rating::Dissatisfied));
        }
    }
    c
}
