//! A plan brought in as an appendix table (another commune's workbook with the document's
//! columns), checked row by row, and any plan written back as a plan file (what is stored).

use super::{Area, Binding, Direction, Header, Plan, RawTask, Schedule, Target};
use crate::datafile::{DataError, Problem};

/// The seven areas of the national reform programme, as every commune's plan numbers them.
pub const STANDARD_AREAS: [&str; 7] = [
    "Cải cách thể chế",
    "Cải cách thủ tục hành chính",
    "Cải cách tổ chức bộ máy hành chính nhà nước",
    "Cải cách chế độ công vụ",
    "Cải cách tài chính công",
    "Xây dựng và phát triển chính quyền điện tử, chính quyền số",
    "Công tác chỉ đạo, điều hành thực hiện cải cách hành chính",
];

/// One row of the appendix as read from a workbook (`row` is the sheet's row number).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AppendixRow {
    pub row: usize,
    pub area: String,
    pub number: String,
    pub objective: String,
    pub task: String,
    pub activity: String,
    pub output: String,
    pub lead: String,
    pub coordinating: String,
    pub time: String,
    pub funding: String,
}

/// The sheet of a workbook that holds the plan's targets. Its problems name it after the file
/// (`kh.xlsx#Chỉ tiêu:5: …`), so that its row 5 is not taken for the task sheet's.
pub const TARGET_SHEET: &str = "Chỉ tiêu";

/// One row of the targets sheet as read, every cell as its text (`row` is the sheet's row
/// number; `source_line` the "Dòng" column: the line of the plan document it was taken from).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TargetRow {
    pub row: usize,
    pub area: String,
    pub text: String,
    pub value: String,
    pub unit: String,
    pub direction: String,
    pub metric: String,
    pub source_line: String,
}

/// A number as a Vietnamese workbook holds it: "2,5" typed as text, "2.5" from a number cell.
fn number(text: &str) -> Option<f64> {
    let text = text.trim();
    let text = if text.contains('.') {
        text.to_string()
    } else {
        text.replace(',', ".")
    };
    // "inf" and "NaN" parse as f64 but are no target.
    text.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// The targets of `rows` in a plan of `areas`; every problem names its row of the sheet.
fn targets_of(file_name: &str, areas: &[Area], rows: &[TargetRow]) -> (Vec<Target>, Vec<Problem>) {
    let clean = crate::text::clean;
    let file = format!("{file_name}#{TARGET_SHEET}");
    let mut problems = Vec::new();
    let mut targets = Vec::new();
    for r in rows {
        let mut problem = |message: String| {
            problems.push(Problem {
                file: file.clone(),
                line: r.row,
                message,
            })
        };
        let area = clean(&r.area)
            .parse::<u32>()
            .ok()
            .filter(|n| areas.iter().any(|a| a.number == *n));
        if area.is_none() {
            problem(format!(
                "lĩnh vực “{}” không có trong kế hoạch (số từ 1 đến 7)",
                r.area
            ));
        }
        let text = clean(&r.text);
        if text.is_empty() {
            problem("chỉ tiêu cần nội dung".into());
        }
        let unit = clean(&r.unit);
        let value = number(&r.value);
        match value {
            None => problem(format!(
                "giá trị “{}” phải là một số (ví dụ 98 hoặc 2,5)",
                r.value
            )),
            Some(v) if unit == "%" && !(0.0..=100.0).contains(&v) => {
                problem("tỷ lệ phải từ 0 đến 100".into())
            }
            Some(_) => {}
        }
        // An empty direction is the usual one: a target to reach at least.
        let direction = if clean(&r.direction).is_empty() {
            Some(Direction::AtLeast)
        } else {
            Direction::from_word(&r.direction)
        };
        if direction.is_none() {
            problem(format!(
                "hướng “{}” phải là “tối thiểu”, “tối đa” hoặc “đúng”",
                r.direction
            ));
        }
        // An empty metric is a target kept by hand.
        let binding = if clean(&r.metric).is_empty() {
            Some(Binding::Manual)
        } else {
            Binding::parse(&r.metric)
        };
        if binding.is_none() {
            problem(Binding::unknown(&r.metric));
        }
        // The document's line keeps the target's key ("T299-1") across an export and an
        // import; a sheet written by hand has none, and its own row serves.
        let source_line = clean(&r.source_line)
            .parse::<u32>()
            .ok()
            .filter(|n| *n > 0)
            .unwrap_or_else(|| u32::try_from(r.row).unwrap_or(u32::MAX));
        if let (Some(area), Some(value), Some(direction), Some(binding)) =
            (area, value, direction, binding)
        {
            if !text.is_empty() {
                targets.push(Target {
                    area,
                    text,
                    value,
                    unit,
                    direction,
                    binding,
                    source_line,
                });
            }
        }
    }
    (targets, problems)
}

/// The plan of `header` made of the task `rows` and the `target_rows` (none when the workbook
/// has no targets sheet); every problem names its row, a target's with the sheet.
pub fn from_appendix(
    file_name: &str,
    header: Header,
    rows: &[AppendixRow],
    target_rows: &[TargetRow],
) -> Result<Plan, DataError> {
    let clean = crate::text::clean;
    let mut problems = Vec::new();
    let mut problem = |row: usize, message: String| {
        problems.push(Problem {
            file: file_name.to_string(),
            line: row,
            message,
        })
    };
    let mut tasks = Vec::new();
    for r in rows {
        let area = match clean(&r.area).parse::<u32>() {
            Ok(n @ 1..=7) => n,
            _ => {
                problem(
                    r.row,
                    format!("lĩnh vực “{}” phải là số từ 1 đến 7", r.area),
                );
                continue;
            }
        };
        if clean(&r.activity).is_empty() || clean(&r.lead).is_empty() {
            problem(r.row, "cần hoạt động và đơn vị chủ trì".into());
            continue;
        }
        let schedule = match Schedule::parse(&r.time) {
            Ok(schedule) => schedule,
            Err(message) => {
                problem(r.row, message);
                continue;
            }
        };
        let raw = RawTask {
            number: r.number.clone(),
            area,
            objective: r.objective.clone(),
            task: r.task.clone(),
            activity: r.activity.clone(),
            output: r.output.clone(),
            lead: r.lead.clone(),
            // Units are separated by ";" or line breaks: names like «Cơ quan, đơn vị có liên
            // quan» hold commas.
            coordinating: r
                .coordinating
                .split([';', '\n'])
                .map(str::to_string)
                .collect(),
            time: r.time.clone(),
            funding: r.funding.clone(),
            source_line: u32::try_from(r.row).unwrap_or(u32::MAX),
        };
        tasks.push(super::task_of(raw, schedule));
    }
    if rows.is_empty() {
        problem(1, "bảng không có dòng nhiệm vụ nào".into());
    }
    let areas: Vec<Area> = STANDARD_AREAS
        .iter()
        .enumerate()
        .map(|(i, name)| Area {
            number: i as u32 + 1,
            name: name.to_string(),
        })
        .collect();
    let (targets, target_problems) = targets_of(file_name, &areas, target_rows);
    problems.extend(target_problems);
    DataError::or_value(
        problems,
        Plan {
            header,
            areas,
            targets,
            tasks,
        },
    )
}

fn quoted(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

/// The plan as a plan file (what `parse_plan` reads back to the same plan).
pub fn to_toml(plan: &Plan) -> String {
    let h = &plan.header;
    let mut out = format!(
        "[plan]\nid = {}\nnumber = {}\ndate = {}\nagency = {}\ntitle = {}\nyear = {}\n",
        quoted(&h.id),
        quoted(&h.number),
        quoted(&h.date.format("%Y-%m-%d").to_string()),
        quoted(&h.agency),
        quoted(&h.title),
        h.year
    );
    for area in &plan.areas {
        out.push_str(&format!(
            "\n[[area]]\nnumber = {}\nname = {}\n",
            area.number,
            quoted(&area.name)
        ));
    }
    for t in &plan.targets {
        let direction = match t.direction {
            Direction::AtLeast => "at_least",
            Direction::AtMost => "at_most",
            Direction::Exactly => "exactly",
        };
        let metric = t.binding.key();
        out.push_str(&format!(
            "\n[[target]]\narea = {}\ntext = {}\nvalue = {}\nunit = {}\ndirection = {}\nmetric = {}\nsource_line = {}\n",
            t.area,
            quoted(&t.text),
            toml::Value::Float(t.value),
            quoted(&t.unit),
            quoted(direction),
            quoted(&metric),
            t.source_line
        ));
    }
    for t in &plan.tasks {
        let coordinating: Vec<String> = t.coordinating.iter().map(|c| quoted(c)).collect();
        out.push_str(&format!(
            "\n[[task]]\nnumber = {}\narea = {}\nobjective = {}\ntask = {}\nactivity = {}\noutput = {}\nlead = {}\ncoordinating = [{}]\ntime = {}\nfunding = {}\nsource_line = {}\n",
            quoted(&t.number),
            t.area,
            quoted(&t.objective),
            quoted(&t.task),
            quoted(&t.activity),
            quoted(&t.output),
            quoted(&t.lead),
            coordinating.join(", "),
            quoted(&t.time),
            quoted(&t.funding),
            t.source_line
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::parse_plan;

    fn header() -> Header {
        Header {
            id: "ke-hoach-tan-khai-2026".into(),
            number: "05/KH-UBND".into(),
            date: chrono::NaiveDate::from_ymd_opt(2026, 1, 10).expect("date"),
            agency: "UBND xã Tân Khai".into(),
            title: "Kế hoạch cải cách hành chính năm 2026".into(),
            year: 2026,
        }
    }

    fn row(n: usize, area: &str, time: &str) -> AppendixRow {
        AppendixRow {
            row: n,
            area: area.into(),
            number: "1".into(),
            activity: format!("Hoạt động dòng {n}"),
            lead: "Văn phòng HĐND-UBND".into(),
            coordinating: "Phòng VH-XH; Cơ quan, đơn vị có liên quan".into(),
            time: time.into(),
            ..Default::default()
        }
    }

    #[test]
    fn an_appendix_table_becomes_a_plan_that_round_trips() {
        let rows = [row(4, "2", "Thường xuyên"), row(5, "6", "Quý II/2026")];
        let plan = from_appendix("tan-khai.xlsx", header(), &rows, &[]).expect("valid");
        assert_eq!(
            plan.tasks[1].coordinating,
            ["Phòng VH-XH", "Cơ quan, đơn vị có liên quan"]
        );
        assert_eq!(plan.areas.len(), 7);
        let again = parse_plan("tan-khai.toml", &to_toml(&plan)).expect("reads back");
        assert_eq!(again, plan);
    }

    #[test]
    fn bad_rows_are_named() {
        let rows = [
            row(4, "9", "Thường xuyên"),
            row(5, "2", "Sớm"),
            row(6, "2", "Hàng năm"),
        ];
        let error = from_appendix("tan-khai.xlsx", header(), &rows, &[]).expect_err("bad");
        let lines: Vec<usize> = error.problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [4, 5], "{error}");
        assert!(
            error
                .to_string()
                .contains("tan-khai.xlsx:5: thời gian “Sớm” không hiểu được"),
            "{error}"
        );
    }

    fn target(n: usize, area: &str, value: &str, direction: &str, metric: &str) -> TargetRow {
        TargetRow {
            row: n,
            area: area.into(),
            text: format!("Chỉ tiêu dòng {n}"),
            value: value.into(),
            unit: "%".into(),
            direction: direction.into(),
            metric: metric.into(),
            source_line: String::new(),
        }
    }

    #[test]
    fn target_rows_become_the_plans_targets() {
        let targets = [
            TargetRow {
                source_line: "287".into(),
                ..target(2, "2", "98", "tối thiểu", "on_time")
            },
            // A decimal comma, a direction typed without diacritics, no metric: kept by hand.
            target(3, "6", "2,5", "TOI DA", ""),
            // No direction: at least; a "Dòng" that is no line number: the sheet's row.
            TargetRow {
                source_line: "không rõ".into(),
                ..target(4, "7", "50", "", "units_inspected")
            },
            target(5, "1", "100", "đúng", "manual"),
        ];
        let plan = from_appendix(
            "tan-khai.xlsx",
            header(),
            &[row(4, "2", "Thường xuyên")],
            &targets,
        )
        .expect("valid");
        let got: Vec<(u32, f64, Direction, Binding, u32)> = plan
            .targets
            .iter()
            .map(|t| (t.area, t.value, t.direction, t.binding, t.source_line))
            .collect();
        use crate::report::Metric;
        assert_eq!(
            got,
            [
                (
                    2,
                    98.0,
                    Direction::AtLeast,
                    Binding::Metric(Metric::OnTime),
                    287
                ),
                (6, 2.5, Direction::AtMost, Binding::Manual, 3),
                (
                    7,
                    50.0,
                    Direction::AtLeast,
                    Binding::Inspection(super::super::InspectionMetric::UnitsInspected),
                    4
                ),
                (1, 100.0, Direction::Exactly, Binding::Manual, 5),
            ]
        );
        assert_eq!(plan.targets[0].text, "Chỉ tiêu dòng 2");
        // What is stored reads back the same.
        let again = parse_plan("tan-khai.toml", &to_toml(&plan)).expect("reads back");
        assert_eq!(again, plan);
    }

    #[test]
    fn bad_target_rows_are_named_with_their_sheet() {
        let targets = [
            target(2, "9", "98", "", ""),
            TargetRow {
                text: "  ".into(),
                ..target(3, "2", "98", "", "")
            },
            target(4, "2", "chín mươi", "", ""),
            target(5, "2", "120", "", ""),
            target(6, "2", "inf", "", ""),
            target(7, "2", "98", "nhiều hơn", ""),
            target(8, "2", "98", "", "dung_han"),
            // A task row of the same number is not confused with the target's.
            target(9, "2", "98", "", ""),
        ];
        let error = from_appendix(
            "tan-khai.xlsx",
            header(),
            &[row(5, "9", "Thường xuyên")],
            &targets,
        )
        .expect_err("bad");
        let lines: Vec<String> = error
            .problems
            .iter()
            .map(|p| format!("{}:{}", p.file, p.line))
            .collect();
        assert_eq!(
            lines,
            [
                "tan-khai.xlsx:5",
                "tan-khai.xlsx#Chỉ tiêu:2",
                "tan-khai.xlsx#Chỉ tiêu:3",
                "tan-khai.xlsx#Chỉ tiêu:4",
                "tan-khai.xlsx#Chỉ tiêu:5",
                "tan-khai.xlsx#Chỉ tiêu:6",
                "tan-khai.xlsx#Chỉ tiêu:7",
                "tan-khai.xlsx#Chỉ tiêu:8",
            ],
            "{error}"
        );
        let text = error.to_string();
        for expected in [
            "tan-khai.xlsx#Chỉ tiêu:2: lĩnh vực “9” không có trong kế hoạch",
            "tan-khai.xlsx#Chỉ tiêu:3: chỉ tiêu cần nội dung",
            "tan-khai.xlsx#Chỉ tiêu:4: giá trị “chín mươi” phải là một số",
            "tan-khai.xlsx#Chỉ tiêu:5: tỷ lệ phải từ 0 đến 100",
            "tan-khai.xlsx#Chỉ tiêu:6: giá trị “inf” phải là một số",
            "tan-khai.xlsx#Chỉ tiêu:7: hướng “nhiều hơn” phải là “tối thiểu”, “tối đa” hoặc “đúng”",
            "tan-khai.xlsx#Chỉ tiêu:8: phép đo “dung_han” không có (dùng manual, một phép đo của báo cáo",
        ] {
            assert!(text.contains(expected), "{expected}\n{text}");
        }
    }

    #[test]
    fn directions_have_one_word_each() {
        for direction in [Direction::AtLeast, Direction::AtMost, Direction::Exactly] {
            assert_eq!(Direction::from_word(direction.word()), Some(direction));
        }
        assert_eq!(Direction::from_word(" Tối Đa "), Some(Direction::AtMost));
        assert_eq!(Direction::from_word("dung"), Some(Direction::Exactly));
        assert_eq!(Direction::from_word(""), None);
    }

    #[test]
    fn the_seed_plan_round_trips_through_its_file_form() {
        let plan = parse_plan(
            "ke-hoach-09-2025.toml",
            include_str!("../../../../data/plans/ke-hoach-09-2025.toml"),
        )
        .expect("seed");
        assert_eq!(
            parse_plan("again.toml", &to_toml(&plan)).expect("again"),
            plan
        );
    }
}
