//! Reports as files an office opens: II.06a and the target table as XLSX (formatted, Vietnamese
//! headers, one sheet each) and II.06a as an A4 landscape PDF.

use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};
use xaso_domain::report::{Ii06a, Measure, Scorecard};

use xaso_domain::plan::appendix::{AppendixRow, TargetRow, TARGET_SHEET};

use crate::forms::Issuer;
use crate::pdf::{Style, A4};

/// The column headings of II.06a below "STT" and "Lĩnh vực", with their groups.
const GROUPS: [(&str, usize); 3] = [
    ("Số hồ sơ nhận giải quyết", 4),
    ("Số hồ sơ đã giải quyết", 4),
    ("Số hồ sơ đang giải quyết", 3),
];
const HEADINGS: [&str; 11] = [
    "Tổng số",
    "Trực tuyến",
    "Trực tiếp, bưu chính",
    "Từ kỳ trước",
    "Tổng số",
    "Trước hạn",
    "Đúng hạn",
    "Quá hạn",
    "Tổng số",
    "Trong hạn",
    "Quá hạn",
];

fn period_line(report: &Ii06a) -> String {
    format!(
        "Kỳ báo cáo: từ ngày {} đến ngày {}",
        report.period.from.format("%d/%m/%Y"),
        report.period.to.format("%d/%m/%Y")
    )
}

fn ii06a_sheet(sheet: &mut Worksheet, report: &Ii06a, scope: &str) -> Result<(), XlsxError> {
    let title = Format::new()
        .set_bold()
        .set_font_size(13)
        .set_align(FormatAlign::Center);
    let centred = Format::new().set_align(FormatAlign::Center);
    let head = Format::new()
        .set_bold()
        .set_border(FormatBorder::Thin)
        .set_text_wrap()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_background_color("#EDEDED");
    let cell = Format::new().set_border(FormatBorder::Thin);
    let number = Format::new()
        .set_border(FormatBorder::Thin)
        .set_num_format("#,##0");
    let total = Format::new()
        .set_border(FormatBorder::Thin)
        .set_bold()
        .set_num_format("#,##0");
    sheet.set_name("II.06a")?;
    sheet.merge_range(
        0,
        0,
        0,
        12,
        "BÁO CÁO KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH",
        &title,
    )?;
    sheet.merge_range(
        1,
        0,
        1,
        12,
        "(Mẫu II.06a/VPCP/KSTT, Thông tư 01/2020/TT-VPCP)",
        &centred,
    )?;
    sheet.merge_range(2, 0, 2, 12, scope, &centred)?;
    sheet.merge_range(3, 0, 3, 12, &period_line(report), &centred)?;
    let (group_row, heading_row, number_row) = (5, 6, 7);
    sheet.merge_range(group_row, 0, heading_row, 0, "STT", &head)?;
    sheet.merge_range(group_row, 1, heading_row, 1, "Lĩnh vực", &head)?;
    let mut column = 2u16;
    for (name, span) in GROUPS {
        let last = column + span as u16 - 1;
        sheet.merge_range(group_row, column, group_row, last, name, &head)?;
        column = last + 1;
    }
    for (i, heading) in HEADINGS.iter().enumerate() {
        sheet.write_string_with_format(heading_row, 2 + i as u16, *heading, &head)?;
    }
    for i in 0..13u16 {
        sheet.write_string_with_format(number_row, i, format!("({})", i + 1), &head)?;
    }
    let mut row = number_row + 1;
    for (i, line) in report.rows.iter().enumerate() {
        sheet.write_number_with_format(row, 0, (i + 1) as f64, &number)?;
        sheet.write_string_with_format(row, 1, &line.field, &cell)?;
        for (k, value) in line.columns().iter().enumerate() {
            sheet.write_number_with_format(row, 2 + k as u16, *value as f64, &number)?;
        }
        row += 1;
    }
    sheet.write_string_with_format(row, 0, "", &cell)?;
    sheet.write_string_with_format(row, 1, &report.total.field, &total)?;
    for (k, value) in report.total.columns().iter().enumerate() {
        sheet.write_number_with_format(row, 2 + k as u16, *value as f64, &total)?;
    }
    sheet.write_string(
        row + 2,
        1,
        format!(
            "Hồ sơ rút, dừng xử lý trong kỳ (không thuộc cột nào của mẫu): {}",
            report.total.closed_without_result
        ),
    )?;
    sheet.set_column_width(0, 6)?;
    sheet.set_column_width(1, 32)?;
    for column in 2..13 {
        sheet.set_column_width(column, 12)?;
    }
    sheet.set_row_height(heading_row, 32)?;
    sheet.set_freeze_panes(number_row + 1, 2)?;
    Ok(())
}

fn measure_cells(measure: &Measure) -> (Option<f64>, String) {
    match measure {
        Measure::Rate(rate) => (
            Some(rate.percent() / 100.0),
            format!("{}/{}", rate.numerator, rate.denominator),
        ),
        Measure::NoData { reason } => (None, format!("Chưa có dữ liệu: {reason}")),
    }
}

fn targets_sheet(sheet: &mut Worksheet, card: &Scorecard, scope: &str) -> Result<(), XlsxError> {
    let title = Format::new().set_bold().set_font_size(13);
    let head = Format::new()
        .set_bold()
        .set_border(FormatBorder::Thin)
        .set_text_wrap()
        .set_background_color("#EDEDED");
    let cell = Format::new().set_border(FormatBorder::Thin).set_text_wrap();
    let percent = Format::new()
        .set_border(FormatBorder::Thin)
        .set_num_format("0.0%");
    let points = Format::new()
        .set_border(FormatBorder::Thin)
        .set_num_format("0.00");
    sheet.set_name("Chỉ tiêu")?;
    sheet.write_string_with_format(0, 0, format!("Chỉ tiêu của {}", card.plan), &title)?;
    sheet.write_string(
        1,
        0,
        format!(
            "{scope} — từ {} đến {}",
            card.period.from.format("%d/%m/%Y"),
            card.period.to.format("%d/%m/%Y")
        ),
    )?;
    let headings = [
        "Chỉ tiêu",
        "Thực tế",
        "Yêu cầu",
        "Đánh giá",
        "Cơ sở tính",
        "Căn cứ",
    ];
    for (i, heading) in headings.iter().enumerate() {
        sheet.write_string_with_format(3, i as u16, *heading, &head)?;
    }
    let mut row = 4;
    for target in &card.targets {
        let (value, basis) = measure_cells(&target.measure);
        sheet.write_string_with_format(row, 0, &target.name, &cell)?;
        match value {
            Some(v) => sheet.write_number_with_format(row, 1, v, &percent)?,
            None => sheet.write_string_with_format(row, 1, "—", &cell)?,
        };
        sheet.write_number_with_format(row, 2, f64::from(target.threshold) / 100.0, &percent)?;
        let verdict = match target.met {
            Some(true) => "Đạt",
            Some(false) => "Chưa đạt",
            None => "Chưa có dữ liệu",
        };
        sheet.write_string_with_format(row, 3, verdict, &cell)?;
        sheet.write_string_with_format(row, 4, basis, &cell)?;
        sheet.write_string_with_format(row, 5, &target.source, &cell)?;
        row += 1;
    }
    row += 1;
    sheet.write_string_with_format(
        row,
        0,
        format!(
            "Chỉ số QĐ 766: {:.2} điểm trên {} điểm có dữ liệu (tối đa 100)",
            card.index_points, card.index_max_with_data
        ),
        &title,
    )?;
    row += 1;
    for (i, heading) in [
        "Nhóm, chỉ số",
        "Thực tế",
        "Mục tiêu",
        "Điểm",
        "Điểm tối đa",
        "Cơ sở tính",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string_with_format(row, i as u16, *heading, &head)?;
    }
    row += 1;
    for group in &card.groups {
        sheet.write_string_with_format(
            row,
            0,
            format!("{}. {}", group.number, group.name),
            &head,
        )?;
        sheet.write_string_with_format(row, 1, "", &head)?;
        sheet.write_string_with_format(row, 2, "", &head)?;
        sheet.write_number_with_format(row, 3, group.points, &points)?;
        sheet.write_number_with_format(row, 4, f64::from(group.max), &points)?;
        sheet.write_string_with_format(
            row,
            5,
            format!("{} điểm có dữ liệu", group.max_with_data),
            &cell,
        )?;
        row += 1;
        for indicator in &group.indicators {
            let (value, basis) = measure_cells(&indicator.measure);
            sheet.write_string_with_format(row, 0, format!("  {}", indicator.name), &cell)?;
            match value {
                Some(v) => sheet.write_number_with_format(row, 1, v, &percent)?,
                None => sheet.write_string_with_format(row, 1, "—", &cell)?,
            };
            match indicator.target {
                Some(t) => {
                    sheet.write_number_with_format(row, 2, f64::from(t) / 100.0, &percent)?
                }
                None => sheet.write_string_with_format(row, 2, "", &cell)?,
            };
            match indicator.points {
                Some(p) => sheet.write_number_with_format(row, 3, p, &points)?,
                None => sheet.write_string_with_format(row, 3, "—", &cell)?,
            };
            sheet.write_number_with_format(row, 4, f64::from(indicator.max), &points)?;
            sheet.write_string_with_format(row, 5, basis, &cell)?;
            row += 1;
        }
    }
    sheet.set_column_width(0, 60)?;
    for column in 1..5 {
        sheet.set_column_width(column, 12)?;
    }
    sheet.set_column_width(4, 12)?;
    sheet.set_column_width(5, 45)?;
    Ok(())
}

/// The workbook: II.06a on the first sheet, the targets and the index on the second.
pub fn reports_xlsx(report: &Ii06a, card: &Scorecard, scope: &str) -> Result<Vec<u8>, String> {
    let mut workbook = Workbook::new();
    let build = |workbook: &mut Workbook| -> Result<Vec<u8>, XlsxError> {
        ii06a_sheet(workbook.add_worksheet(), report, scope)?;
        targets_sheet(workbook.add_worksheet(), card, scope)?;
        workbook.save_to_buffer()
    };
    build(&mut workbook).map_err(|e| format!("không tạo được tệp XLSX: {e}"))
}

/// II.06a as an A4 landscape PDF, laid out after the form.
pub fn ii06a_pdf(report: &Ii06a, issuer: &Issuer, date_line: &str) -> Vec<u8> {
    let mut w = crate::forms::writer("Báo cáo II.06a", (A4.1, A4.0));
    w.heading(issuer, "", date_line);
    w.centred(
        "BÁO CÁO KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH",
        13.0,
        Style::Bold,
    );
    w.centred("(Mẫu II.06a/VPCP/KSTT)", 10.0, Style::Regular);
    w.centred(&period_line(report), 10.5, Style::Regular);
    w.y -= 4.0;
    let mut headers: Vec<String> = vec!["STT".into(), "Lĩnh vực".into()];
    let groups = [
        "Nhận",
        "Nhận",
        "Nhận",
        "Nhận",
        "Đã giải quyết",
        "Đã giải quyết",
        "Đã giải quyết",
        "Đã giải quyết",
        "Đang giải quyết",
        "Đang giải quyết",
        "Đang giải quyết",
    ];
    headers.extend(
        HEADINGS
            .iter()
            .zip(groups)
            .enumerate()
            .map(|(i, (h, g))| format!("({}) {g}: {h}", i + 3)),
    );
    let header_refs: Vec<&str> = headers.iter().map(String::as_str).collect();
    let mut shares = vec![0.04, 0.16];
    shares.extend([0.08f32; 11].iter().map(|s| s * 0.8 / 0.88));
    let mut rows: Vec<Vec<String>> = report
        .rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let mut cells = vec![(i + 1).to_string(), r.field.clone()];
            cells.extend(r.columns().iter().map(u64::to_string));
            cells
        })
        .collect();
    let mut total = vec![String::new(), report.total.field.clone()];
    total.extend(report.total.columns().iter().map(u64::to_string));
    rows.push(total);
    w.table(&header_refs, &shares, &rows);
    w.finish()
}

/// The appendix columns in the document's order: heading, and the start of the heading folded
/// (no diacritics, lower case) by which a workbook's heading row is recognised.
const APPENDIX_COLUMNS: [(&str, &str); 10] = [
    ("Lĩnh vực", "linh vuc"),
    ("STT", "stt"),
    ("Mục tiêu", "muc tieu"),
    ("Nhiệm vụ", "nhiem vu"),
    ("Hoạt động", "hoat dong"),
    ("Kết quả/ Sản phẩm", "ket qua"),
    ("Chủ trì", "chu tri"),
    ("Phối hợp", "phoi hop"),
    ("Thời gian", "thoi gian"),
    ("Kinh phí", "kinh phi"),
];

/// The targets sheet's columns: heading, the start of the heading folded, and whether a
/// workbook must have it. "Hướng", "Phép đo" and "Dòng" may be left out (at least, kept by
/// hand, the sheet's row), so that a sheet written by hand, or exported before they were,
/// still imports.
const TARGET_COLUMNS: [(&str, &str, bool); 7] = [
    ("Lĩnh vực", "linh vuc", true),
    ("Chỉ tiêu", "chi tieu", true),
    ("Giá trị", "gia tri", true),
    ("Đơn vị", "don vi", true),
    ("Hướng", "huong", false),
    ("Phép đo", "phep do", false),
    ("Dòng", "dong", false),
];

/// A reform plan's appendix as a workbook with the document's columns (STT, Mục tiêu, Nhiệm vụ,
/// Hoạt động, Kết quả/ Sản phẩm, Chủ trì, Phối hợp, Thời gian, Kinh phí) plus the area, and its
/// targets on a second sheet, "Chỉ tiêu" (area, text, value, unit, direction, metric, document
/// line): what another commune fills in to import its own plan, and what `read_appendix` reads
/// back to the same plan.
pub fn plan_xlsx(plan: &xaso_domain::plan::Plan) -> Result<Vec<u8>, String> {
    let build = || -> Result<Vec<u8>, XlsxError> {
        let mut workbook = Workbook::new();
        let head = Format::new()
            .set_bold()
            .set_border(FormatBorder::Thin)
            .set_text_wrap()
            .set_background_color("#EDEDED");
        let cell = Format::new().set_border(FormatBorder::Thin).set_text_wrap();
        let title = Format::new().set_bold().set_font_size(13);
        let sheet = workbook.add_worksheet();
        sheet.set_name("Nhiệm vụ")?;
        sheet.write_string_with_format(
            0,
            0,
            format!("{} — Số {}", plan.header.title, plan.header.number),
            &title,
        )?;
        for (i, (heading, _)) in APPENDIX_COLUMNS.iter().enumerate() {
            sheet.write_string_with_format(2, i as u16, *heading, &head)?;
        }
        for (row, task) in plan.tasks.iter().enumerate() {
            let row = 3 + row as u32;
            let cells = [
                task.area.to_string(),
                task.number.clone(),
                task.objective.clone(),
                task.task.clone(),
                task.activity.clone(),
                task.output.clone(),
                task.lead.clone(),
                task.coordinating.join("; "),
                task.time.clone(),
                task.funding.clone(),
            ];
            for (column, value) in cells.iter().enumerate() {
                sheet.write_string_with_format(row, column as u16, value, &cell)?;
            }
        }
        for (column, width) in [8, 6, 30, 30, 40, 25, 20, 25, 20, 25].iter().enumerate() {
            sheet.set_column_width(column as u16, *width)?;
        }
        sheet.set_freeze_panes(3, 0)?;
        let targets = workbook.add_worksheet();
        targets.set_name(TARGET_SHEET)?;
        for (i, (heading, _, _)) in TARGET_COLUMNS.iter().enumerate() {
            targets.write_string_with_format(0, i as u16, *heading, &head)?;
        }
        for (row, target) in plan.targets.iter().enumerate() {
            let row = 1 + row as u32;
            targets.write_number_with_format(row, 0, f64::from(target.area), &cell)?;
            targets.write_string_with_format(row, 1, &target.text, &cell)?;
            targets.write_number_with_format(row, 2, target.value, &cell)?;
            targets.write_string_with_format(row, 3, &target.unit, &cell)?;
            targets.write_string_with_format(row, 4, target.direction.word(), &cell)?;
            targets.write_string_with_format(row, 5, target.binding.key(), &cell)?;
            // The document's line: the target's key ("T287-1") survives the round trip.
            targets.write_number_with_format(row, 6, f64::from(target.source_line), &cell)?;
        }
        targets.set_column_width(1, 80)?;
        targets.set_column_width(4, 10)?;
        targets.set_column_width(5, 24)?;
        workbook.save_to_buffer()
    };
    build().map_err(|e| format!("không tạo được tệp XLSX: {e}"))
}

/// What a workbook holds of a plan: the appendix's task rows and the targets sheet's rows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PlanWorkbook {
    pub tasks: Vec<AppendixRow>,
    pub targets: Vec<TargetRow>,
}

/// Where each column (by the start of its folded heading) is in a heading row.
fn column_positions<'a>(
    heading: &[String],
    folded: impl Iterator<Item = &'a str>,
) -> Vec<Option<usize>> {
    use xaso_domain::text::fold;
    folded
        .map(|name| heading.iter().position(|c| fold(c).starts_with(name)))
        .collect()
}

/// The cell of `row` in the column found at `index` (empty when the column or the cell is not
/// there).
fn cell_at(row: &[String], index: Option<usize>) -> String {
    index.and_then(|i| row.get(i).cloned()).unwrap_or_default()
}

/// A plan's rows in a workbook. The appendix is the first sheet's row whose cells name the
/// columns (Lĩnh vực, STT, Mục tiêu, Nhiệm vụ, Hoạt động, Kết quả/ Sản phẩm, Chủ trì, Phối hợp,
/// Thời gian, Kinh phí — in any order, with or without diacritics) and every non-empty row under
/// it. The targets are those of the sheet named "Chỉ tiêu", read the same way under its row
/// naming Lĩnh vực, Chỉ tiêu, Giá trị, Đơn vị (and Hướng, Phép đo, Dòng when there); a workbook
/// without that sheet has no targets.
pub fn read_appendix(bytes: &[u8]) -> Result<PlanWorkbook, String> {
    use calamine::Reader;
    use xaso_domain::text::fold;
    let mut workbook = crate::xlsx::open(bytes)?;
    let first = workbook
        .sheet_names()
        .into_iter()
        .next()
        .ok_or("tệp XLSX không có trang tính nào")?;
    let (first_row, rows) = crate::xlsx::sheet_text(&mut workbook, &first)?;
    let header_at = rows
        .iter()
        .position(|r| r.iter().any(|c| fold(c) == "hoat dong"))
        .ok_or("không thấy dòng tiêu đề có cột “Hoạt động”")?;
    let index = column_positions(&rows[header_at], APPENDIX_COLUMNS.iter().map(|c| c.1));
    for ((name, _), found) in APPENDIX_COLUMNS.iter().zip(&index) {
        if found.is_none() {
            return Err(format!("thiếu cột “{name}” ở dòng tiêu đề"));
        }
    }
    let cell = |row: &[String], column: usize| cell_at(row, index[column]);
    let tasks = rows
        .iter()
        .enumerate()
        .skip(header_at + 1)
        .filter(|(_, r)| r.iter().any(|c| !c.is_empty()))
        .map(|(i, r)| AppendixRow {
            row: first_row + i,
            area: cell(r, 0),
            number: cell(r, 1),
            objective: cell(r, 2),
            task: cell(r, 3),
            activity: cell(r, 4),
            output: cell(r, 5),
            lead: cell(r, 6),
            coordinating: cell(r, 7),
            time: cell(r, 8),
            funding: cell(r, 9),
        })
        .collect();
    let target_sheet = workbook
        .sheet_names()
        .into_iter()
        .find(|name| fold(name).trim() == fold(TARGET_SHEET));
    let targets = match target_sheet {
        None => Vec::new(),
        Some(name) => {
            let sheet = crate::xlsx::sheet_text(&mut workbook, &name)?;
            read_targets(&name, sheet)?
        }
    };
    Ok(PlanWorkbook { tasks, targets })
}

/// The rows of the targets sheet `name` (none when the sheet is empty).
fn read_targets(name: &str, sheet: crate::xlsx::SheetText) -> Result<Vec<TargetRow>, String> {
    use xaso_domain::text::fold;
    let (first_row, rows) = sheet;
    if rows.iter().all(|r| r.iter().all(String::is_empty)) {
        return Ok(Vec::new());
    }
    // The heading cell "Chỉ tiêu" alone, not a title such as "Chỉ tiêu của kế hoạch".
    let header_at = rows
        .iter()
        .position(|r| r.iter().any(|c| fold(c) == "chi tieu"))
        .ok_or_else(|| format!("trang “{name}” không có dòng tiêu đề có cột “Chỉ tiêu”"))?;
    let index = column_positions(&rows[header_at], TARGET_COLUMNS.iter().map(|c| c.1));
    for ((heading, _, required), found) in TARGET_COLUMNS.iter().zip(&index) {
        if *required && found.is_none() {
            return Err(format!(
                "trang “{name}”: thiếu cột “{heading}” ở dòng tiêu đề"
            ));
        }
    }
    let cell = |row: &[String], column: usize| cell_at(row, index[column]);
    Ok(rows
        .iter()
        .enumerate()
        .skip(header_at + 1)
        .filter(|(_, r)| r.iter().any(|c| !c.is_empty()))
        .map(|(i, r)| TargetRow {
            row: first_row + i,
            area: cell(r, 0),
            text: cell(r, 1),
            value: cell(r, 2),
            unit: cell(r, 3),
            direction: cell(r, 4),
            metric: cell(r, 5),
            source_line: cell(r, 6),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use rust_xlsxwriter::Workbook;
    use xaso_domain::plan::appendix::from_appendix;
    use xaso_domain::plan::{parse_plan, Plan};

    fn seed() -> Plan {
        parse_plan(
            "ke-hoach-09-2025.toml",
            include_str!("../../../data/plans/ke-hoach-09-2025.toml"),
        )
        .expect("seed")
    }

    #[test]
    fn a_plan_goes_out_as_a_workbook_and_comes_back() {
        let plan = seed();
        let workbook = super::plan_xlsx(&plan).expect("xlsx");
        let read = super::read_appendix(&workbook).expect("rows");
        let rows = &read.tasks;
        assert_eq!(rows.len(), plan.tasks.len());
        assert_eq!(
            rows[0].row, 4,
            "the title, a blank row and the headings come first"
        );
        assert_eq!(read.targets.len(), 29);
        assert_eq!(read.targets[0].row, 2, "the headings, then the targets");
        let back =
            from_appendix("kh.xlsx", plan.header.clone(), rows, &read.targets).expect("valid");
        for (a, b) in plan.tasks.iter().zip(&back.tasks) {
            assert_eq!(
                (
                    &a.number,
                    a.area,
                    &a.activity,
                    &a.lead,
                    &a.coordinating,
                    &a.schedule,
                    &a.funding
                ),
                (
                    &b.number,
                    b.area,
                    &b.activity,
                    &b.lead,
                    &b.coordinating,
                    &b.schedule,
                    &b.funding
                )
            );
        }
        // Every target whole: area, text, value, unit, direction, binding and document line,
        // so the targets' keys (and the figures entered against them) stay theirs.
        assert_eq!(back.targets, plan.targets);
        assert_eq!(
            xaso_domain::plan::progress::target_keys(&back),
            xaso_domain::plan::progress::target_keys(&plan)
        );
        assert!(super::read_appendix(b"not a workbook").is_err());
    }

    /// A workbook whose first sheet is a one-task appendix, and a second sheet `name` of `rows`.
    fn workbook_with(name: &str, rows: &[&[&str]]) -> Vec<u8> {
        let mut workbook = Workbook::new();
        let tasks = workbook.add_worksheet();
        for (column, heading) in super::APPENDIX_COLUMNS.iter().enumerate() {
            tasks
                .write_string(0, column as u16, heading.0)
                .expect("write");
        }
        for (column, value) in [
            "2",
            "1",
            "",
            "",
            "Rà soát thủ tục",
            "",
            "Văn phòng",
            "",
            "Thường xuyên",
            "",
        ]
        .iter()
        .enumerate()
        {
            tasks.write_string(1, column as u16, *value).expect("write");
        }
        let sheet = workbook.add_worksheet();
        sheet.set_name(name).expect("name");
        for (r, row) in rows.iter().enumerate() {
            for (c, value) in row.iter().enumerate() {
                sheet
                    .write_string(r as u32, c as u16, *value)
                    .expect("write");
            }
        }
        workbook.save_to_buffer().expect("xlsx")
    }

    #[test]
    fn targets_are_read_by_their_headings_in_any_order() {
        // A sheet made by hand: its name in capitals without diacritics, a title above the
        // headings, the columns in another order, no "Hướng" and no "Dòng".
        let bytes = workbook_with(
            "CHI TIEU",
            &[
                &["Chỉ tiêu của kế hoạch năm 2026"],
                &[],
                &["Phep do", "Gia tri", "Don vi", "Chi tieu", "Linh vuc"],
                &["on_time", "98,5", "%", "Hồ sơ giải quyết đúng hạn", "2"],
                &[],
                &["", "100", "%", "Văn bản điện tử ký số", "6"],
            ],
        );
        let read = super::read_appendix(&bytes).expect("read");
        assert_eq!(read.tasks.len(), 1);
        let rows: Vec<(usize, &str, &str, &str, &str, &str)> = read
            .targets
            .iter()
            .map(|t| {
                (
                    t.row,
                    t.area.as_str(),
                    t.text.as_str(),
                    t.value.as_str(),
                    t.metric.as_str(),
                    t.direction.as_str(),
                )
            })
            .collect();
        assert_eq!(
            rows,
            [
                (4, "2", "Hồ sơ giải quyết đúng hạn", "98,5", "on_time", ""),
                (6, "6", "Văn bản điện tử ký số", "100", "", ""),
            ]
        );
        let plan =
            from_appendix("tay.xlsx", seed().header, &read.tasks, &read.targets).expect("valid");
        assert_eq!(
            plan.targets
                .iter()
                .map(|t| (t.value, t.source_line))
                .collect::<Vec<_>>(),
            [(98.5, 4), (100.0, 6)]
        );
    }

    #[test]
    fn a_workbook_without_targets_has_none_and_a_broken_sheet_is_named() {
        let other = workbook_with("Ghi chú", &[&["Chỉ tiêu", "Giá trị"]]);
        assert_eq!(super::read_appendix(&other).expect("read").targets, []);
        let empty = workbook_with("Chỉ tiêu", &[]);
        assert_eq!(super::read_appendix(&empty).expect("read").targets, []);
        let no_value = workbook_with(
            "Chỉ tiêu",
            &[&["Lĩnh vực", "Chỉ tiêu", "Đơn vị"], &["2", "Đúng hạn", "%"]],
        );
        assert_eq!(
            super::read_appendix(&no_value),
            Err("trang “Chỉ tiêu”: thiếu cột “Giá trị” ở dòng tiêu đề".to_string())
        );
        let no_heading = workbook_with("Chỉ tiêu", &[&["Lĩnh vực", "Nội dung"], &["2", "x"]]);
        assert_eq!(
            super::read_appendix(&no_heading),
            Err("trang “Chỉ tiêu” không có dòng tiêu đề có cột “Chỉ tiêu”".to_string())
        );
    }
}
