//! A plan with everything recorded on it, loaded once per page: the chairman's assignments as
//! tasks beside the appendix's, the commune's units each task is assigned to, the reports, the
//! evidence, the values of targets kept by hand, the inspections and their findings.

use chrono::NaiveDate;
use xaso_domain::identity::access::{self, Permission};
use xaso_domain::plan::inspection::measure as inspection_measure;
use xaso_domain::plan::progress::{flags, quarter_end, target_keys, task_keys, Flag, Report};
use xaso_domain::plan::{parse_plan, units, Binding, Plan, Schedule, Target, Task};
use xaso_domain::report::{measure, Measure, Period};
use xaso_store::agency::Agency;
use xaso_store::identity::User;
use xaso_store::plan::inspection::{Finding, Inspection};
use xaso_store::plan::work::{Assignment, Evidence, TargetValue};
use xaso_store::plan::StoredReport;
use xaso_store::{Store, StoreError};

pub struct Workspace {
    /// The plan, its tasks followed by the chairman's assignments.
    pub plan: Plan,
    /// The key of each task ("L428-1", "CD-2").
    pub keys: Vec<String>,
    pub target_keys: Vec<String>,
    /// The commune that issued the plan, if it is among the agencies.
    pub commune: Option<Agency>,
    /// The commune's units: (agency code, name).
    pub units: Vec<(String, String)>,
    pub reports: Vec<StoredReport>,
    pub assignments: Vec<Assignment>,
    pub evidence: Vec<Evidence>,
    pub values: Vec<TargetValue>,
    pub inspections: Vec<Inspection>,
    pub findings: Vec<Finding>,
}

/// An assignment as a task of the plan: followed by its deadline.
fn assignment_task(a: &Assignment, unit_name: &str) -> Option<Task> {
    let schedule = Schedule::By { due: a.due_date()? };
    Some(Task {
        number: a.key.replace("CD", "CĐ"),
        area: u32::try_from(a.area).ok()?,
        objective: "Nhiệm vụ Chủ tịch UBND xã giao".into(),
        task: a.title.clone(),
        activity: a.title.clone(),
        output: a.instruction.clone(),
        lead: unit_name.to_string(),
        coordinating: Vec::new(),
        time: schedule.label(),
        schedule,
        funding: String::new(),
        source_line: 0,
    })
}

impl Workspace {
    pub async fn load(store: &Store, id: &str) -> Result<Workspace, StoreError> {
        let mut tx = store.read().await?;
        let source = xaso_store::plan::source(&mut tx, id).await?;
        let (name, text) = source.ok_or_else(|| StoreError::NotFound("kế hoạch này".into()))?;
        let mut plan = parse_plan(&name, &text)
            .map_err(|e| StoreError::Foreign(format!("kế hoạch {id} đã lưu bị hỏng: {e}")))?;
        let agencies = xaso_store::agency::list(&mut tx).await?;
        let reports = xaso_store::plan::reports(&mut tx, id).await?;
        let assignments = xaso_store::plan::work::assignments(&mut tx, id).await?;
        let evidence = xaso_store::plan::work::evidence(&mut tx, id).await?;
        let values = xaso_store::plan::work::target_values(&mut tx, id).await?;
        let inspections = xaso_store::plan::inspection::list(&mut tx, id).await?;
        let findings = xaso_store::plan::inspection::findings(&mut tx, id).await?;
        tx.commit().await?;
        let commune = agencies
            .iter()
            .find(|a| a.kind == "commune" && a.name == plan.header.agency)
            .cloned();
        let units: Vec<(String, String)> = commune
            .as_ref()
            .map(|c| {
                agencies
                    .iter()
                    .filter(|a| a.parent_id == Some(c.id))
                    .map(|a| (a.agency_code.clone(), a.name.clone()))
                    .collect()
            })
            .unwrap_or_default();
        let mut keys = task_keys(&plan);
        for a in &assignments {
            let unit_name = units
                .iter()
                .find(|(code, _)| *code == a.unit_code)
                .map_or(a.unit_code.as_str(), |(_, name)| name.as_str());
            if let Some(task) = assignment_task(a, unit_name) {
                plan.tasks.push(task);
                keys.push(a.key.clone());
            }
        }
        Ok(Workspace {
            target_keys: target_keys(&plan),
            plan,
            keys,
            commune,
            units,
            reports,
            assignments,
            evidence,
            values,
            inspections,
            findings,
        })
    }

    pub fn task_index(&self, key: &str) -> Option<usize> {
        self.keys.iter().position(|k| k == key)
    }

    pub fn unit_name(&self, code: &str) -> String {
        self.units
            .iter()
            .find(|(c, _)| c == code)
            .map_or_else(|| code.to_string(), |(_, name)| name.clone())
    }

    /// The codes of the units a task is assigned to: its assignment's unit, or the units its
    /// lead cell names (none for «Cơ quan, đơn vị có liên quan»).
    pub fn lead_units(&self, index: usize) -> Vec<String> {
        let key = &self.keys[index];
        if let Some(a) = self.assignments.iter().find(|a| &a.key == key) {
            return vec![a.unit_code.clone()];
        }
        units::resolve_cell(&self.plan.tasks[index].lead, &self.units)
    }

    /// The codes of the coordinating units a task names.
    pub fn coordinating_units(&self, index: usize) -> Vec<String> {
        let mut codes: Vec<String> = Vec::new();
        for cell in &self.plan.tasks[index].coordinating {
            for code in units::resolve_cell(cell, &self.units) {
                if !codes.contains(&code) {
                    codes.push(code);
                }
            }
        }
        codes
    }

    /// Whether `user` leads the work on this plan: a leader or the reform coordinator of the
    /// plan's commune (or of one of its units), or an administrator.
    pub fn may_lead(&self, user: &User) -> bool {
        access::may_on_plan(&user.roles, Permission::LeadPlan, self.belongs(user))
    }

    /// Whether `user` is the chairman's side: assigns tasks.
    pub fn may_assign(&self, user: &User) -> bool {
        access::may_on_plan(&user.roles, Permission::AssignPlanTasks, self.belongs(user))
    }

    /// Whether `user` works in the plan's commune or one of its units.
    fn belongs(&self, user: &User) -> bool {
        let Some(code) = &user.agency_code else {
            return false;
        };
        self.commune
            .as_ref()
            .is_some_and(|c| &c.agency_code == code)
            || self.units.iter().any(|(c, _)| c == code)
    }

    /// Whether `user` may report on task `index`: whoever leads the plan, or an officer of the
    /// task's lead unit.
    pub fn may_report(&self, user: &User, index: usize) -> bool {
        let of_lead_unit = user
            .agency_code
            .as_ref()
            .is_some_and(|code| self.lead_units(index).contains(code));
        access::may_report_on_task(&user.roles, self.belongs(user), of_lead_unit)
    }

    /// The unit a report by `user` is made for ("" when they report for the whole commune).
    pub fn reporting_unit(&self, user: &User, index: usize) -> String {
        match &user.agency_code {
            Some(code) if self.lead_units(index).contains(code) => code.clone(),
            _ => String::new(),
        }
    }

    /// The flags of every task on `as_of`, counting the reports up to `last_quarter` only.
    pub fn flags_as_of(&self, as_of: NaiveDate, last_quarter: u8) -> Vec<Vec<Flag>> {
        let year = self.plan.header.year;
        let reports: Vec<Report> = self
            .reports
            .iter()
            .filter(|r| r.year < year || (r.year == year && r.quarter <= i32::from(last_quarter)))
            .filter_map(StoredReport::report)
            .collect();
        self.plan
            .tasks
            .iter()
            .zip(&self.keys)
            .map(|(task, key)| flags(task, key, year, &reports, as_of))
            .collect()
    }

    /// The latest report on task `key` up to `last_quarter` of the plan's year.
    pub fn latest_report(&self, key: &str, last_quarter: u8) -> Option<&StoredReport> {
        let year = self.plan.header.year;
        self.reports.iter().rfind(|r| {
            r.task_key == key
                && (r.year < year || (r.year == year && r.quarter <= i32::from(last_quarter)))
        })
    }

    pub fn evidence_of(&self, subject: &str) -> Vec<&Evidence> {
        self.evidence
            .iter()
            .filter(|e| e.subject == subject)
            .collect()
    }

    /// The latest value entered for target `key` up to `last_quarter` of the plan's year.
    pub fn latest_value(&self, key: &str, last_quarter: u8) -> Option<&TargetValue> {
        let year = self.plan.header.year;
        self.values.iter().rfind(|v| {
            v.target_key == key && v.year == year && v.quarter <= i32::from(last_quarter)
        })
    }

    /// The value of each target over the plan's year up to the end of `last_quarter`.
    pub async fn values_as_of(
        &self,
        store: &Store,
        last_quarter: u8,
    ) -> Result<Vec<TargetState>, StoreError> {
        let year = self.plan.header.year;
        let from = NaiveDate::from_ymd_opt(year, 1, 1);
        let to = quarter_end(year, last_quarter);
        let period = from.zip(to).and_then(|(f, t)| Period::new(f, t));
        let needs_reports = self
            .plan
            .targets
            .iter()
            .any(|t| matches!(t.binding, Binding::Metric(_)));
        let reports = match (&self.commune, period, needs_reports) {
            (Some(commune), Some(period), true) => {
                let scope = crate::report::Scope {
                    agency_code: Some(commune.agency_code.clone()),
                    name: commune.name.clone(),
                };
                Some(crate::report::compute(store, scope, period).await?)
            }
            _ => None,
        };
        let summary = reports.as_ref().map(|r| r.summary());
        let facts = xaso_store::plan::inspection::facts(&self.inspections, &self.findings);
        let unit_codes: Vec<String> = self.units.iter().map(|(c, _)| c.clone()).collect();
        let no_commune = || Measure::NoData {
            reason: format!("{} chưa có trong danh sách đơn vị", self.plan.header.agency),
        };
        Ok(self
            .plan
            .targets
            .iter()
            .zip(&self.target_keys)
            .map(|(target, key)| match target.binding {
                Binding::Metric(metric) => TargetState::Measured(
                    summary
                        .as_ref()
                        .map_or_else(no_commune, |s| measure(metric, s)),
                ),
                Binding::Inspection(metric) => TargetState::Measured(match (from, to) {
                    (Some(from), Some(to)) if self.commune.is_some() => {
                        inspection_measure(metric, &unit_codes, &facts, from, to)
                    }
                    _ => no_commune(),
                }),
                Binding::Manual => match self.latest_value(key, last_quarter) {
                    Some(v) => TargetState::Entered(v.clone()),
                    None => TargetState::NotEntered,
                },
            })
            .collect())
    }
}

/// Where a target stands.
pub enum TargetState {
    /// Computed by the system.
    Measured(Measure),
    /// Entered by hand, with its note.
    Entered(TargetValue),
    NotEntered,
}

/// "92,5" — Vietnamese decimal comma, no trailing zeros.
pub fn decimal(value: f64) -> String {
    let text = format!("{value:.1}");
    text.strip_suffix(".0").unwrap_or(&text).replace('.', ",")
}

impl TargetState {
    /// The actual value in the target's unit, if there is one.
    pub fn actual(&self) -> Option<f64> {
        match self {
            TargetState::Measured(m) => m.percent(),
            TargetState::Entered(v) => Some(v.value),
            TargetState::NotEntered => None,
        }
    }

    /// The value as shown: "97,3% (146/150)", "93 % (nhập quý 3: …)", or why there is none.
    pub fn shown(&self, target: &Target) -> String {
        match self {
            TargetState::Measured(Measure::Rate(rate)) => format!(
                "{}% ({}/{})",
                decimal(rate.percent()),
                rate.numerator,
                rate.denominator
            ),
            TargetState::Measured(Measure::NoData { reason }) => {
                format!("Chưa có dữ liệu: {reason}")
            }
            TargetState::Entered(v) => format!(
                "{} {} (nhập quý {}/{}, căn cứ: {})",
                decimal(v.value),
                target.unit,
                v.quarter,
                v.year,
                v.note
            ),
            TargetState::NotEntered => "Chưa nhập số liệu".into(),
        }
    }

    /// "Đạt", "Chưa đạt", or `None` without a value.
    pub fn verdict(&self, target: &Target) -> Option<&'static str> {
        self.actual().map(|a| {
            if target.is_met(a) {
                "Đạt"
            } else {
                "Chưa đạt"
            }
        })
    }
}
