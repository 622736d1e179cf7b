//! Workbooks that people send (a plan, a national export), read cell by cell. calamine's
//! `worksheet_range` makes one rectangle of every cell between the first and the last used: two
//! cells far apart in a file of a few hundred bytes made it allocate billions of cells. Reading
//! the cells one at a time lets a sheet's size be checked before anything is allocated for it.

use calamine::{Data, DataRef, Xlsx, XlsxError};

/// The grid of a worksheet (Excel's limits): a cell outside it is no cell a person wrote.
pub const MAX_ROWS: u32 = 1_048_576;
pub const MAX_COLUMNS: u32 = 16_384;
/// The most cells a sheet read for an import may span (its used rectangle; `too_large` says it
/// in words): far beyond any plan or catalog export, far below what would exhaust the memory.
pub const MAX_CELLS: u64 = 2_000_000;

/// A sheet as trimmed text: the sheet's row number (1-based) of the first row, and the rows of
/// its used rectangle, all as wide as the widest.
pub(crate) type SheetText = (usize, Vec<Vec<String>>);

/// The workbook in `bytes`.
pub(crate) fn open(bytes: &[u8]) -> Result<Xlsx<std::io::Cursor<&[u8]>>, String> {
    calamine::open_workbook_from_rs(std::io::Cursor::new(bytes))
        .map_err(|e| format!("không đọc được tệp XLSX: {e}"))
}

/// The cells of the sheet `name` as trimmed text; a sheet that is not a worksheet (a chart) is
/// empty. A cell outside the grid or a sheet spanning more than [`MAX_CELLS`] cells is refused.
pub(crate) fn sheet_text<RS: std::io::Read + std::io::Seek>(
    workbook: &mut Xlsx<RS>,
    name: &str,
) -> Result<SheetText, String> {
    let unreadable = |e: XlsxError| format!("không đọc được trang “{name}”: {e}");
    let mut reader = match workbook.worksheet_cells_reader(name) {
        Ok(reader) => reader,
        Err(XlsxError::NotAWorksheet(_)) => return Ok((1, Vec::new())),
        Err(e) => return Err(unreadable(e)),
    };
    let mut cells: Vec<((u32, u32), String)> = Vec::new();
    let (mut top, mut bottom, mut left, mut right) = (u32::MAX, 0, u32::MAX, 0);
    let mut seen: u64 = 0;
    while let Some(cell) = reader.next_cell().map_err(unreadable)? {
        seen += 1;
        if seen > MAX_CELLS {
            return Err(too_large(name));
        }
        let (row, column) = cell.get_position();
        if row >= MAX_ROWS || column >= MAX_COLUMNS {
            return Err(format!(
                "trang “{name}” có ô ngoài bảng tính (dòng {}, cột {}): tệp hỏng hoặc không phải do Excel tạo",
                u64::from(row) + 1,
                u64::from(column) + 1
            ));
        }
        // Empty cells (formatting only) do not widen the sheet, as in calamine's ranges.
        let value = cell.get_value();
        if matches!(value, DataRef::Empty) {
            continue;
        }
        let text = Data::from(value.clone()).to_string().trim().to_string();
        (top, bottom) = (top.min(row), bottom.max(row));
        (left, right) = (left.min(column), right.max(column));
        let span = u64::from(bottom - top + 1) * u64::from(right - left + 1);
        if span > MAX_CELLS {
            return Err(too_large(name));
        }
        cells.push(((row, column), text));
    }
    if cells.is_empty() {
        return Ok((1, Vec::new()));
    }
    let width = (right - left + 1) as usize;
    let mut rows = vec![vec![String::new(); width]; (bottom - top + 1) as usize];
    for ((row, column), text) in cells {
        rows[(row - top) as usize][(column - left) as usize] = text;
    }
    Ok((top as usize + 1, rows))
}

fn too_large(name: &str) -> String {
    format!(
        "trang “{name}” quá lớn: vùng dữ liệu vượt 2.000.000 ô (hãy xóa các ô thừa ở xa bảng rồi lưu lại)"
    )
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    /// A workbook of one sheet, "Trang 1", whose XML is `cells` inside `<sheetData>`.
    fn workbook_of(cells: &str) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default();
        let mut put = |name: &str, text: &str| {
            zip.start_file(name, options).expect("entry");
            zip.write_all(text.as_bytes()).expect("write");
        };
        put(
            "[Content_Types].xml",
            r#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#,
        );
        put(
            "_rels/.rels",
            r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
        );
        put(
            "xl/workbook.xml",
            r#"<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Trang 1" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
        );
        put(
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#,
        );
        put(
            "xl/worksheets/sheet1.xml",
            &format!(
                r#"<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{cells}</sheetData></worksheet>"#
            ),
        );
        zip.finish().expect("zip").into_inner()
    }

    fn read(cells: &str) -> Result<super::SheetText, String> {
        let bytes = workbook_of(cells);
        let mut workbook = super::open(&bytes)?;
        super::sheet_text(&mut workbook, "Trang 1")
    }

    fn text(value: &str) -> String {
        format!(r#"<is><t>{value}</t></is>"#)
    }

    #[test]
    fn a_sheet_reads_as_its_used_rectangle() {
        let cells = format!(
            r#"<row r="2"><c r="B2" t="inlineStr">{}</c><c r="D2"><v>2.5</v></c></row><row r="4"><c r="C4" t="inlineStr">{}</c><c r="E4" s="1"/></row>"#,
            text(" Mục tiêu "),
            text("x")
        );
        let (first_row, rows) = read(&cells).expect("readable");
        assert_eq!(first_row, 2, "numbered as the spreadsheet shows it");
        assert_eq!(
            rows,
            vec![
                vec!["Mục tiêu".to_string(), String::new(), "2.5".into()],
                vec![String::new(); 3],
                vec![String::new(), "x".into(), String::new()],
            ],
            "trimmed text; a cell with only a format does not widen the sheet"
        );
        assert_eq!(read("").expect("empty"), (1, Vec::new()));
    }

    /// Found by fuzzing: "A99999999999" overflowed calamine's arithmetic (a panic under overflow
    /// checks); wrapped, it is a row far outside the grid, refused.
    #[test]
    fn a_cell_reference_that_overflows_is_refused_not_a_panic() {
        let cells = format!(
            r#"<row><c r="A99999999999" t="inlineStr">{}</c></row>"#,
            text("x")
        );
        let error = read(&cells).expect_err("outside the grid");
        assert!(error.contains("ô ngoài bảng tính"), "{error}");
        let below = format!(
            r#"<row><c r="A1048577" t="inlineStr">{}</c></row>"#,
            text("x")
        );
        assert!(read(&below).is_err(), "row 1 048 577 is past Excel's last");
    }

    /// Found by fuzzing: two cells far apart in a file of a few hundred bytes made calamine build
    /// their whole rectangle, billions of cells.
    #[test]
    fn far_apart_cells_are_refused_without_allocating_them() {
        let cells = format!(
            r#"<row r="1"><c r="A1" t="inlineStr">{}</c></row><row r="1048576"><c r="XFD1048576" t="inlineStr">{}</c></row>"#,
            text("a"),
            text("b")
        );
        let error = read(&cells).expect_err("too large");
        assert!(
            error.contains("quá lớn") && error.contains("2.000.000"),
            "{error}"
        );
        // The same through the importers.
        let bytes = workbook_of(&cells);
        assert!(crate::report::read_appendix(&bytes).is_err());
        assert!(crate::catalog::read_national_export(&bytes).is_err());
    }
}
