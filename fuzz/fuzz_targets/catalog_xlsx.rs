//! A national export as a workbook (or the XML of its sheet, see `xaso_fuzz::workbook`): read
//! without panic and in bounded memory, its problems on rows the sheet has; the sheet read,
//! written as a workbook again, reads back with the same cells; accepted procedures store and
//! read back the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use xaso_docs::catalog::{national_export_xlsx, read_national_export};
use xaso_domain::catalog::national::{parse_sheet, ExportSheet};

/// The cells of a row without its trailing empty ones (a workbook does not keep those).
fn trimmed(cells: &[String]) -> Vec<String> {
    let end = cells
        .iter()
        .rposition(|c| !c.is_empty())
        .map_or(0, |i| i + 1);
    cells[..end].to_vec()
}

fuzz_target!(|data: &[u8]| {
    let bytes = xaso_fuzz::workbook(data, &["TTHC"]);
    let Ok(sheet) = read_national_export(&bytes) else {
        return;
    };
    let mut rows = sheet.rows.iter().map(|(row, _)| *row).collect::<Vec<_>>();
    assert!(
        rows.windows(2).all(|w| w[0] < w[1]),
        "rows out of order: {rows:?}"
    );
    match parse_sheet("fuzz.xlsx", &sheet) {
        Err(error) => {
            rows.push(1);
            for problem in &error.problems {
                assert!(
                    rows.contains(&problem.line) || problem.line == 1,
                    "problem on a row the sheet does not have: {problem}"
                );
            }
        }
        Ok(procedures) => xaso_fuzz::assert_catalog_round_trip(&procedures),
    }
    let Ok(bytes) = national_export_xlsx(&sheet) else {
        return;
    };
    let back: ExportSheet = read_national_export(&bytes).expect("a written sheet reads");
    assert_eq!(
        trimmed(&back.header),
        trimmed(&sheet.header),
        "header changed"
    );
    let cells = |s: &ExportSheet| s.rows.iter().map(|(_, c)| trimmed(c)).collect::<Vec<_>>();
    assert_eq!(
        cells(&back),
        cells(&sheet),
        "cells changed by a write and a read"
    );
});
