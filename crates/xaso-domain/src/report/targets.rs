//! The reform plan's measurable targets and the QĐ 766 index, read from a data file
//! (`data/reports/chi-tieu.toml`) and computed from the facts of a period. A metric whose data
//! the system does not hold reports "no data" with the reason, never a number.

use serde::{Deserialize, Serialize};

use super::{counts, ii06a, Counts, DossierFact, FeedbackCounts, Ii06aRow, Period, ProcedureFact};
use crate::catalog::OnlineLevel;
use crate::datafile::{DataError, DataFile};

/// Every metric a target or an index indicator can bind to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Resolved early or on time ÷ resolved, in the period.
    OnTime,
    /// (Resolved early or on time + in progress within time) ÷ (resolved + in progress).
    Progress,
    /// Received online ÷ received, in the period.
    OnlineDossiers,
    /// Online dossiers ÷ dossiers, among procedures offered fully online.
    OnlineOfFullOnlineProcedures,
    /// Procedures offered fully online ÷ procedures with an online service.
    FullOnlineProcedures,
    /// Procedures with an online service ÷ all procedures.
    OnlineServiceProcedures,
    /// Received with at least one digital component ÷ received.
    DigitisedDossiers,
    /// Resolved with a signed electronic result ÷ resolved.
    ElectronicResults,
    /// Procedures handled regardless of administrative boundaries ÷ all procedures.
    LocationIndependentProcedures,
    /// Ratings "very satisfied" or "satisfied" ÷ ratings given in the period.
    Satisfaction,
    /// 100 % − (late + rated dissatisfied + with a complaint) ÷ resolved (`Counts::resolved_well`).
    HandlingSatisfaction,
    /// The commune issued electronic certified copies in the period (100 % or 0 %).
    ElectronicCertifiedCopies,
    /// Dossiers received that used at least one document from the applicant's store instead of
    /// an upload ÷ dossiers received, in the period (reuse of digitised data).
    DataReuse,
    /// Dossiers resolved whose e-result was put in the applicant's store ÷ dossiers resolved,
    /// in the period (links to the citizen's data store).
    CitizenStoreLinks,
    /// Current procedures whose fee schedule may charge (`ProcedureFact::fee_bearing`) and that
    /// have an online service ÷ current procedures whose fee schedule may charge (fee-bearing
    /// procedures whose payment is offered online). Online payment is offered for every online
    /// procedure once a gateway is configured (the built-in sandbox or a real one); the
    /// procedure facts do not know whether one is, so this assumes it is.
    FeeProceduresWithOnlinePayment,
    /// Fee-bearing procedures with at least one dossier received in the period and paid online
    /// ÷ fee-bearing procedures. Which procedures had one is not a sum of days: the summary
    /// carries their codes (`Summary::paid_online_procedures`).
    FeeProceduresPaidOnline,
    /// Dossiers received in the period that were paid online (a payment with method online and
    /// status paid) ÷ dossiers received in the period that were asked to pay a fee.
    PaidOnline,
    // Data the system does not hold yet.
    PublishedOnTime,
    NationalDatabaseUpdated,
    AllPartsPublished,
    SyncedToPortal,
    PopulationDataDossiers,
    PopulationDatabaseProcedures,
    /// Feedback answered by its deadline ÷ feedback answered, in the period.
    FeedbackOnTime,
    /// Answers rated "very satisfied" or "satisfied" ÷ answers rated, in the period.
    FeedbackSatisfaction,
}

impl Metric {
    /// Why there is no number, for the metrics the system has no data for yet.
    fn missing_data(self) -> Option<&'static str> {
        Some(match self {
            Metric::PublishedOnTime
            | Metric::NationalDatabaseUpdated
            | Metric::AllPartsPublished => {
                "chưa có dữ liệu công bố, công khai thủ tục (Cơ sở dữ liệu quốc gia về TTHC)"
            }
            Metric::SyncedToPortal => "chưa đồng bộ hồ sơ với Cổng Dịch vụ công quốc gia",
            Metric::PopulationDataDossiers | Metric::PopulationDatabaseProcedures => {
                "chưa kết nối Cơ sở dữ liệu quốc gia về dân cư"
            }
            _ => return None,
        })
    }
}

/// A share: `numerator` of `denominator`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Rate {
    pub numerator: u64,
    pub denominator: u64,
}

impl Rate {
    /// In per cent; the denominator is never zero (an empty share is "no data").
    pub fn percent(&self) -> f64 {
        self.numerator as f64 * 100.0 / self.denominator as f64
    }
}

/// A metric's value: a share, or why there is none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Measure {
    Rate(Rate),
    NoData { reason: String },
}

impl Measure {
    /// numerator / denominator, or no data (for the reason `empty`) when the denominator is 0.
    pub fn share(numerator: u64, denominator: u64, empty: &str) -> Measure {
        if denominator == 0 {
            Measure::NoData {
                reason: empty.into(),
            }
        } else {
            Measure::Rate(Rate {
                numerator,
                denominator,
            })
        }
    }

    pub fn percent(&self) -> Option<f64> {
        match self {
            Measure::Rate(rate) => Some(rate.percent()),
            Measure::NoData { .. } => None,
        }
    }
}

/// What a period's metrics are computed from: its counts, its II.06a totals (for progress),
/// the catalog, the electronic certified copies issued, and the procedures paid online.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary<'a> {
    pub counts: Counts,
    pub totals: Ii06aRow,
    pub procedures: &'a [ProcedureFact],
    pub certified_e_copies: u64,
    /// The codes of the procedures with at least one dossier received in the period and paid
    /// online (once each). A set of procedures cannot be summed from per-day counts (a
    /// procedure paid online on two days would count twice), so it comes with the counts
    /// instead of inside them: from the facts here, from one query over the kept facts in the
    /// store.
    pub paid_online_procedures: Vec<String>,
    /// Feedback answered and rated in the period (not per dossier: from the feedback register).
    pub feedback: FeedbackCounts,
}

/// The codes of the procedures with a dossier received in `period` and paid online, once each
/// and sorted (`Summary::paid_online_procedures`).
pub fn paid_online_procedures(dossiers: &[DossierFact], period: &Period) -> Vec<String> {
    let codes: std::collections::BTreeSet<&str> = dossiers
        .iter()
        .filter(|f| f.paid_online && f.received_at.is_some_and(|at| period.contains(at)))
        .map(|f| f.procedure_code.as_str())
        .collect();
    codes.into_iter().map(str::to_string).collect()
}

impl<'a> Summary<'a> {
    /// The summary of `period` computed from facts held in memory.
    pub fn from_facts(
        dossiers: &[DossierFact],
        procedures: &'a [ProcedureFact],
        certified_e_copies: u64,
        period: &Period,
    ) -> Summary<'a> {
        Summary {
            counts: counts(dossiers, period),
            totals: ii06a(dossiers, period).total,
            procedures,
            certified_e_copies,
            paid_online_procedures: paid_online_procedures(dossiers, period),
            feedback: FeedbackCounts::default(),
        }
    }
}

const NO_DOSSIERS: &str = "không có hồ sơ trong kỳ";
const NO_RESOLVED: &str = "không có hồ sơ giải quyết xong trong kỳ";
const NO_PROCEDURES: &str = "danh mục không có thủ tục phù hợp";
const NO_FEE_PROCEDURES: &str = "danh mục không có thủ tục có nghĩa vụ tài chính";

/// One metric of a period.
pub fn measure(metric: Metric, summary: &Summary<'_>) -> Measure {
    if let Some(reason) = metric.missing_data() {
        return Measure::NoData {
            reason: reason.into(),
        };
    }
    let c = &summary.counts;
    let t = &summary.totals;
    let procedures = summary.procedures;
    let procedure_count = |keep: &dyn Fn(&ProcedureFact) -> bool| {
        procedures.iter().filter(|p| keep(p)).count() as u64
    };
    let has_online = |p: &ProcedureFact| p.online != OnlineLevel::None;
    match metric {
        Metric::OnTime => Measure::share(c.resolved_in_time, c.resolved, NO_RESOLVED),
        Metric::Progress => Measure::share(
            t.resolved_early + t.resolved_on_time + t.in_progress_within_time,
            t.resolved_total + t.in_progress_total,
            NO_DOSSIERS,
        ),
        Metric::OnlineDossiers => Measure::share(c.received_online, c.received, NO_DOSSIERS),
        Metric::OnlineOfFullOnlineProcedures => Measure::share(
            c.received_full_online_online,
            c.received_full_online,
            "không có hồ sơ của thủ tục trực tuyến toàn trình trong kỳ",
        ),
        Metric::FullOnlineProcedures => Measure::share(
            procedure_count(&|p| p.online == OnlineLevel::Full),
            procedure_count(&has_online),
            NO_PROCEDURES,
        ),
        Metric::OnlineServiceProcedures => Measure::share(
            procedure_count(&has_online),
            procedures.len() as u64,
            NO_PROCEDURES,
        ),
        Metric::DigitisedDossiers => Measure::share(c.received_digitised, c.received, NO_DOSSIERS),
        Metric::ElectronicResults => Measure::share(c.resolved_e_result, c.resolved, NO_RESOLVED),
        Metric::DataReuse => Measure::share(c.received_reused, c.received, NO_DOSSIERS),
        Metric::CitizenStoreLinks => {
            Measure::share(c.resolved_result_stored, c.resolved, NO_RESOLVED)
        }
        Metric::FeeProceduresWithOnlinePayment => Measure::share(
            procedure_count(&|p| p.fee_bearing && has_online(p)),
            procedure_count(&|p| p.fee_bearing),
            NO_FEE_PROCEDURES,
        ),
        Metric::FeeProceduresPaidOnline => Measure::share(
            procedure_count(&|p| p.fee_bearing && summary.paid_online_procedures.contains(&p.code)),
            procedure_count(&|p| p.fee_bearing),
            NO_FEE_PROCEDURES,
        ),
        Metric::PaidOnline => Measure::share(
            c.received_paid_online,
            c.received_fee_requested,
            "không có hồ sơ phải nộp phí, lệ phí trong kỳ",
        ),
        Metric::LocationIndependentProcedures => Measure::share(
            procedure_count(&|p| p.location_independent),
            procedures.len() as u64,
            NO_PROCEDURES,
        ),
        Metric::Satisfaction => {
            Measure::share(c.rated_satisfied, c.rated, "không có đánh giá nào trong kỳ")
        }
        Metric::HandlingSatisfaction => Measure::share(c.resolved_well, c.resolved, NO_RESOLVED),
        Metric::FeedbackOnTime => Measure::share(
            summary.feedback.answered_in_time,
            summary.feedback.answered,
            "không có phản ánh, kiến nghị nào được trả lời trong kỳ",
        ),
        Metric::FeedbackSatisfaction => Measure::share(
            summary.feedback.rated_satisfied,
            summary.feedback.rated,
            "không có đánh giá câu trả lời phản ánh, kiến nghị nào trong kỳ",
        ),
        Metric::ElectronicCertifiedCopies => {
            Measure::share(u64::from(summary.certified_e_copies > 0), 1, "")
        }
        _ => Measure::NoData {
            reason: "chưa có dữ liệu".into(),
        },
    }
}

/// A target of the plan: a metric and the share it must reach.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    pub metric: Metric,
    pub name: String,
    /// Per cent.
    pub threshold: u32,
    /// Where the plan says so.
    pub source: String,
}

/// A sub-indicator of the QĐ 766 index.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    pub name: String,
    pub metric: Metric,
    pub points: u32,
    /// Per cent; reaching it gives full points, else points × rate ÷ target. None: points × rate.
    #[serde(default)]
    pub target: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct IndexGroup {
    pub number: u32,
    pub name: String,
    pub max: u32,
    pub indicator: Vec<Indicator>,
}

/// The targets file: the plan's targets and the index groups.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Targets {
    pub plan: String,
    pub targets: Vec<Target>,
    pub groups: Vec<IndexGroup>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TargetsFile {
    plan: String,
    target: Vec<toml::Spanned<toml::Value>>,
    group: Vec<toml::Spanned<toml::Value>>,
}

/// Reads and checks the targets file: known metrics, shares within 0–100, each group's points
/// adding up to its maximum and the groups to 100.
pub fn parse_targets(file_name: &str, source: &str) -> Result<Targets, DataError> {
    let file = DataFile::new(file_name, source);
    let raw: TargetsFile = file.parse_toml()?;
    let mut problems = Vec::new();
    let mut targets = Vec::new();
    for entry in raw.target {
        let span = entry.span();
        match Target::deserialize(entry.into_inner()) {
            Ok(target) => {
                if target.threshold == 0 || target.threshold > 100 {
                    problems.push(file.problem_in(
                        &span,
                        Some("threshold"),
                        "ngưỡng phải từ 1 đến 100 (%)",
                    ));
                }
                targets.push(target);
            }
            Err(e) => {
                problems.push(file.problem_in(&span, Some("metric"), &format!("chỉ tiêu sai: {e}")))
            }
        }
    }
    let mut groups = Vec::new();
    for entry in raw.group {
        let span = entry.span();
        match IndexGroup::deserialize(entry.into_inner()) {
            Ok(group) => {
                let points: u32 = group.indicator.iter().map(|i| i.points).sum();
                if points != group.max {
                    problems.push(file.problem_in(
                        &span,
                        Some("max"),
                        &format!(
                            "nhóm {}: tổng điểm các chỉ số là {points}, khác điểm tối đa {}",
                            group.number, group.max
                        ),
                    ));
                }
                if group
                    .indicator
                    .iter()
                    .any(|i| i.target.is_some_and(|t| t == 0 || t > 100))
                {
                    problems.push(file.problem_in(
                        &span,
                        Some("target"),
                        &format!("nhóm {}: mục tiêu phải từ 1 đến 100 (%)", group.number),
                    ));
                }
                groups.push(group);
            }
            Err(e) => problems.push(file.problem_in(&span, None, &format!("nhóm chỉ số sai: {e}"))),
        }
    }
    let total: u32 = groups.iter().map(|g| g.max).sum();
    if problems.is_empty() && total != 100 {
        problems.push(file.problem_at(1, format!("tổng điểm các nhóm là {total}, phải là 100")));
    }
    DataError::or_value(
        problems,
        Targets {
            plan: raw.plan,
            targets,
            groups,
        },
    )
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct TargetResult {
    pub name: String,
    pub metric: Metric,
    pub threshold: u32,
    pub source: String,
    pub measure: Measure,
    /// Reached, missed, or unknown (no data).
    pub met: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct IndicatorResult {
    pub name: String,
    pub metric: Metric,
    pub max: u32,
    pub target: Option<u32>,
    pub measure: Measure,
    pub points: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct IndexGroupResult {
    pub number: u32,
    pub name: String,
    pub max: u32,
    pub indicators: Vec<IndicatorResult>,
    /// Points of the indicators with data.
    pub points: f64,
    /// The most those indicators could give.
    pub max_with_data: u32,
}

/// Every target and the index, for one period.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Scorecard {
    pub plan: String,
    pub period: Period,
    pub targets: Vec<TargetResult>,
    pub groups: Vec<IndexGroupResult>,
    pub index_points: f64,
    pub index_max_with_data: u32,
}

/// Points of an indicator: full at or above its target, else proportional (REFERENCES §5).
fn points(indicator: &Indicator, measure: &Measure) -> Option<f64> {
    let percent = measure.percent()?;
    let max = f64::from(indicator.points);
    Some(match indicator.target {
        Some(target) if percent >= f64::from(target) => max,
        Some(target) => percent * max / f64::from(target),
        None => percent * max / 100.0,
    })
}

pub fn evaluate(targets: &Targets, summary: &Summary<'_>, period: &Period) -> Scorecard {
    let target_results = targets
        .targets
        .iter()
        .map(|t| {
            let measure = measure(t.metric, summary);
            TargetResult {
                met: measure.percent().map(|p| p >= f64::from(t.threshold)),
                name: t.name.clone(),
                metric: t.metric,
                threshold: t.threshold,
                source: t.source.clone(),
                measure,
            }
        })
        .collect();
    let groups: Vec<IndexGroupResult> = targets
        .groups
        .iter()
        .map(|g| {
            let indicators: Vec<IndicatorResult> = g
                .indicator
                .iter()
                .map(|i| {
                    let measure = measure(i.metric, summary);
                    IndicatorResult {
                        points: points(i, &measure),
                        name: i.name.clone(),
                        metric: i.metric,
                        max: i.points,
                        target: i.target,
                        measure,
                    }
                })
                .collect();
            IndexGroupResult {
                number: g.number,
                name: g.name.clone(),
                max: g.max,
                // A fold from +0.0: an empty f64 sum is -0.0, printed "-0.00".
                points: indicators
                    .iter()
                    .filter_map(|i| i.points)
                    .fold(0.0, |a, b| a + b),
                max_with_data: indicators
                    .iter()
                    .filter(|i| i.points.is_some())
                    .map(|i| i.max)
                    .sum(),
                indicators,
            }
        })
        .collect();
    Scorecard {
        plan: targets.plan.clone(),
        period: *period,
        targets: target_results,
        index_points: groups.iter().map(|g| g.points).fold(0.0, |a, b| a + b),
        index_max_with_data: groups.iter().map(|g| g.max_with_data).sum(),
        groups,
    }
}
