//! A plan as a workbook (or the XML of its two sheets, see `xaso_fuzz::workbook`): read without
//! panic and in bounded memory; refused with every problem on a row the sheet has, or accepted
//! as a plan that is stored, exported and imported unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;
use xaso_docs::report::read_appendix;
use xaso_domain::plan::appendix::{from_appendix, TARGET_SHEET};
use xaso_domain::plan::Header;

fuzz_target!(|data: &[u8]| {
    let bytes = xaso_fuzz::workbook(data, &["Nhiệm vụ", "Chỉ tiêu"]);
    let Ok(read) = read_appendix(&bytes) else {
        return;
    };
    let header = Header {
        id: "ke-hoach-fuzz".into(),
        number: "01/KH-UBND".into(),
        date: chrono::NaiveDate::from_ymd_opt(2026, 1, 15).expect("date"),
        agency: "UBND xã Thử".into(),
        title: "Kế hoạch thử".into(),
        year: 2026,
    };
    match from_appendix("fuzz.xlsx", header, &read.tasks, &read.targets) {
        Err(error) => {
            let target_file = format!("fuzz.xlsx#{TARGET_SHEET}");
            for problem in &error.problems {
                let rows: Vec<usize> = if problem.file == target_file {
                    read.targets.iter().map(|r| r.row).collect()
                } else {
                    assert_eq!(problem.file, "fuzz.xlsx");
                    read.tasks.iter().map(|r| r.row).chain([1]).collect()
                };
                assert!(rows.contains(&problem.line), "no such row: {problem}");
            }
        }
        Ok(plan) => {
            xaso_fuzz::assert_plan_stores(&plan);
            xaso_fuzz::assert_plan_exports(&plan);
        }
    }
});
