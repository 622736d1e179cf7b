//! A plan brought in as an appendix table (another commune's workbook with the document's
//! columns), checked row by row, and any plan written back as a plan file (what is stored).

use super::{Area, Header, Plan, RawTask, Schedule};
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

/// The plan of `header` made of `rows`; every problem names its row.
pub fn from_appendix(
    file_name: &str,
    header: Header,
    rows: &[AppendixRow],
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
    let areas = STANDARD_AREAS
        .iter()
        .enumerate()
        .map(|(i, name)| Area {
            number: i as u32 + 1,
            name: name.to_string(),
        })
        .collect();
    DataError::or_value(
        problems,
        Plan {
            header,
            areas,
            targets: Vec::new(),
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
            super::Direction::AtLeast => "at_least",
            super::Direction::AtMost => "at_most",
            super::Direction::Exactly => "exactly",
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
        let plan = from_appendix("tan-khai.xlsx", header(), &rows).expect("valid");
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
        let error = from_appendix("tan-khai.xlsx", header(), &rows).expect_err("bad");
        let lines: Vec<usize> = error.problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [4, 5], "{error}");
        assert!(
            error
                .to_string()
                .contains("tan-khai.xlsx:5: thời gian “Sớm” không hiểu được"),
            "{error}"
        );
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
