//! Progress on a plan's tasks: one report per task and quarter, and the flags a leader sees —
//! a quarter that ended without the report the task's schedule asks for, a dated task past its
//! due date and not done.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::{Plan, Task};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    NotStarted,
    InProgress,
    Done,
    Blocked,
}

impl Status {
    pub const ALL: [Status; 4] = [
        Status::NotStarted,
        Status::InProgress,
        Status::Done,
        Status::Blocked,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Status::NotStarted => "not_started",
            Status::InProgress => "in_progress",
            Status::Done => "done",
            Status::Blocked => "blocked",
        }
    }

    pub fn parse(key: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.key() == key)
    }

    pub fn label(self) -> &'static str {
        match self {
            Status::NotStarted => "Chưa triển khai",
            Status::InProgress => "Đang thực hiện",
            Status::Done => "Hoàn thành",
            Status::Blocked => "Vướng mắc",
        }
    }
}

/// A task's stable key inside its plan: its appendix line and its place among the activities
/// of that line ("L428-1"), so that re-importing the same file keeps the reports attached.
pub fn task_keys(plan: &Plan) -> Vec<String> {
    keys_by_line("L", plan.tasks.iter().map(|t| t.source_line))
}

/// A target's stable key, the same way: "T299-2" is the second target taken from line 299.
pub fn target_keys(plan: &Plan) -> Vec<String> {
    keys_by_line("T", plan.targets.iter().map(|t| t.source_line))
}

fn keys_by_line(prefix: &str, lines: impl Iterator<Item = u32>) -> Vec<String> {
    let mut seen: Vec<(u32, u32)> = Vec::new();
    lines
        .map(|line| {
            let n = match seen.iter_mut().find(|(l, _)| *l == line) {
                Some((_, n)) => {
                    *n += 1;
                    *n
                }
                None => {
                    seen.push((line, 1));
                    1
                }
            };
            format!("{prefix}{line}-{n}")
        })
        .collect()
}

/// A report as the flags need it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub task_key: String,
    pub year: i32,
    pub quarter: u8,
    pub status: Status,
    pub percent: u8,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Flag {
    /// The quarter ended without the report the schedule asks for.
    MissingReport { quarter: u8 },
    /// Due by `due`, not reported done.
    Overdue { due: NaiveDate },
}

/// The last day of a quarter.
pub fn quarter_end(year: i32, quarter: u8) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, u32::from(quarter) * 3, 1)?
        .checked_add_months(chrono::Months::new(1))?
        .pred_opt()
}

/// The quarter (1–4) of a date.
pub fn quarter_of(date: NaiveDate) -> u8 {
    (date.month0() / 3 + 1) as u8
}

/// The flags of one task on `today`, given all the plan's reports.
pub fn flags(task: &Task, key: &str, year: i32, reports: &[Report], today: NaiveDate) -> Vec<Flag> {
    let mine: Vec<&Report> = reports.iter().filter(|r| r.task_key == key).collect();
    let mut out: Vec<Flag> = task
        .schedule
        .reporting_quarters(year)
        .into_iter()
        .filter(|q| quarter_end(year, *q).is_some_and(|end| end < today))
        .filter(|q| !mine.iter().any(|r| r.year == year && r.quarter == *q))
        .map(|quarter| Flag::MissingReport { quarter })
        .collect();
    let done = mine.iter().any(|r| r.status == Status::Done);
    if let Some(due) = task.schedule.due() {
        if due < today && !done {
            out.push(Flag::Overdue { due });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Schedule;

    fn task(line: u32, time: &str) -> Task {
        Task {
            number: "1".into(),
            area: 1,
            objective: String::new(),
            task: String::new(),
            activity: format!("Hoạt động {line}"),
            output: String::new(),
            lead: "Phòng VH-XH".into(),
            coordinating: Vec::new(),
            time: time.into(),
            schedule: Schedule::parse(time).expect("time"),
            funding: String::new(),
            source_line: line,
        }
    }

    fn report(key: &str, quarter: u8, status: Status) -> Report {
        Report {
            task_key: key.into(),
            year: 2025,
            quarter,
            status,
            percent: 50,
        }
    }

    #[test]
    fn keys_stay_with_their_line() {
        let plan = Plan {
            header: crate::plan::Header {
                id: "k".into(),
                number: "1".into(),
                date: NaiveDate::from_ymd_opt(2025, 7, 25).expect("date"),
                agency: "UBND xã Thử".into(),
                title: "Thử".into(),
                year: 2025,
            },
            areas: Vec::new(),
            targets: Vec::new(),
            tasks: vec![
                task(428, "Thường xuyên"),
                task(428, "Thường xuyên"),
                task(430, "Hàng năm"),
            ],
        };
        assert_eq!(task_keys(&plan), ["L428-1", "L428-2", "L430-1"]);
        let seed = crate::plan::parse_plan(
            "ke-hoach-09-2025.toml",
            include_str!("../../../../data/plans/ke-hoach-09-2025.toml"),
        )
        .expect("seed");
        let keys = target_keys(&seed);
        assert!(
            keys.contains(&"T299-2".to_string()) && keys.contains(&"T532-1".to_string()),
            "{keys:?}"
        );
        let distinct: std::collections::BTreeSet<&String> = keys.iter().collect();
        assert_eq!(distinct.len(), seed.targets.len());
    }

    #[test]
    fn missing_reports_and_overdue_tasks() {
        let day = |m, d| NaiveDate::from_ymd_opt(2025, m, d).expect("date");
        let ongoing = task(428, "Thường xuyên");
        // 10 October: quarters 1–3 have ended; only quarter 3 was reported.
        let reports = [report("L428-1", 3, Status::InProgress)];
        assert_eq!(
            flags(&ongoing, "L428-1", 2025, &reports, day(10, 10)),
            [
                Flag::MissingReport { quarter: 1 },
                Flag::MissingReport { quarter: 2 }
            ]
        );
        // A third-quarter task not done after 30 September is overdue, and its report is missing.
        let dated = task(455, "Quý III/2025");
        assert_eq!(
            flags(&dated, "L455-1", 2025, &[], day(10, 1)),
            [
                Flag::MissingReport { quarter: 3 },
                Flag::Overdue { due: day(9, 30) }
            ]
        );
        let done = [report("L455-1", 3, Status::Done)];
        assert!(flags(&dated, "L455-1", 2025, &done, day(10, 1)).is_empty());
        // Waiting for a trigger: nothing is asked.
        let waiting = task(478, "Khi có quy định, hướng dẫn của Bộ ngành Trung ương");
        assert!(flags(&waiting, "L478-1", 2025, &[], day(12, 31)).is_empty());
        assert_eq!((quarter_of(day(9, 30)), quarter_of(day(10, 1))), (3, 4));
    }
}
