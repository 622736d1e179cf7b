//! National procedure exports as workbooks (one procedure a row, a heading row naming the fields,
//! lists one item a line of their cell): read into the rows the catalog maps
//! (`xaso_domain::catalog::national::parse_sheet`), and written from rows, for sample files.

use rust_xlsxwriter::{Format, FormatBorder, Workbook};
use xaso_domain::catalog::national::{is_code_heading, ExportSheet};

use crate::xlsx;

/// The first sheet with a heading row naming the code column (`MaTTHC`, "Mã TTHC"), its headings
/// and every non-empty row under them with its row number.
pub fn read_national_export(bytes: &[u8]) -> Result<ExportSheet, String> {
    use calamine::Reader;
    let mut workbook = xlsx::open(bytes)?;
    for name in workbook.sheet_names() {
        let (first_row, rows) = xlsx::sheet_text(&mut workbook, &name)?;
        let Some(header_at) = rows
            .iter()
            .position(|r| r.iter().any(|c| is_code_heading(c)))
        else {
            continue;
        };
        return Ok(ExportSheet {
            name,
            header: rows[header_at].clone(),
            rows: rows
                .iter()
                .enumerate()
                .skip(header_at + 1)
                .filter(|(_, r)| r.iter().any(|c| !c.is_empty()))
                .map(|(i, r)| (first_row + i, r.clone()))
                .collect(),
        });
    }
    Err("không trang tính nào có dòng tiêu đề với cột “MaTTHC” (mã thủ tục)".to_string())
}

/// A workbook of one sheet holding `sheet`: the headings on row 1, the rows under them as text.
pub fn national_export_xlsx(sheet: &ExportSheet) -> Result<Vec<u8>, String> {
    let build = || -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
        let mut workbook = Workbook::new();
        let page = workbook.add_worksheet();
        page.set_name(&sheet.name)?;
        let head = Format::new().set_bold().set_border(FormatBorder::Thin);
        let cell = Format::new().set_border(FormatBorder::Thin).set_text_wrap();
        for (column, heading) in sheet.header.iter().enumerate() {
            page.write_string_with_format(0, column as u16, heading, &head)?;
            page.set_column_width(column as u16, 30)?;
        }
        for (i, (_, cells)) in sheet.rows.iter().enumerate() {
            for (column, value) in cells.iter().enumerate() {
                page.write_string_with_format(1 + i as u32, column as u16, value, &cell)?;
            }
        }
        page.set_freeze_panes(1, 0)?;
        workbook.save_to_buffer()
    };
    build().map_err(|e| format!("không tạo được tệp XLSX: {e}"))
}

#[cfg(test)]
mod tests {
    use serde_json::Value;
    use xaso_domain::catalog::national::{parse_json, parse_sheet, ExportSheet};

    const SAMPLE_JSON: &str = "../../data/catalog/national/mau-xuat-csdl.json";
    const SAMPLE_XLSX: &str = "../../data/catalog/national/mau-xuat-csdl.xlsx";

    /// The flat JSON sample as a sheet: a column per field in order of first use, a list's items
    /// one a line of the cell.
    fn sheet_of(json: &str) -> ExportSheet {
        let root: Value = serde_json::from_str(json).expect("sample json");
        let entries = root["DanhSachTTHC"].as_array().expect("entries");
        let mut header: Vec<String> = Vec::new();
        for entry in entries {
            for key in entry.as_object().expect("object").keys() {
                if !header.contains(key) {
                    header.push(key.clone());
                }
            }
        }
        let cell = |value: Option<&Value>| match value {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Array(items)) => items
                .iter()
                .map(|i| i.as_str().unwrap_or_default().to_string())
                .collect::<Vec<_>>()
                .join("\n"),
            Some(other) => other.to_string(),
            None => String::new(),
        };
        let rows = entries
            .iter()
            .enumerate()
            .map(|(i, entry)| (i + 2, header.iter().map(|k| cell(entry.get(k))).collect()))
            .collect();
        ExportSheet {
            name: "TTHC".into(),
            header,
            rows,
        }
    }

    /// The committed workbook sample is the JSON sample as a sheet; `XASO_WRITE_SAMPLES=1 cargo
    /// test -p xaso-docs catalog` writes it again after the JSON changed.
    #[test]
    fn the_sample_workbook_holds_the_sample_json() {
        let dir = env!("CARGO_MANIFEST_DIR");
        let json = std::fs::read_to_string(format!("{dir}/{SAMPLE_JSON}")).expect("json");
        let sheet = sheet_of(&json);
        let xlsx_path = format!("{dir}/{SAMPLE_XLSX}");
        if std::env::var_os("XASO_WRITE_SAMPLES").is_some() {
            let bytes = super::national_export_xlsx(&sheet).expect("xlsx");
            std::fs::write(&xlsx_path, bytes).expect("write sample");
        }
        let bytes = std::fs::read(&xlsx_path).expect("the committed sample workbook");
        let read = super::read_national_export(&bytes).expect("readable");
        assert_eq!(read, sheet, "rows numbered as the spreadsheet shows them");
        let from_json = parse_json("mau.json", &json).expect("valid json");
        let from_sheet = parse_sheet("mau.xlsx", &read).expect("valid sheet");
        assert_eq!(from_json, from_sheet);
    }

    #[test]
    fn a_workbook_without_the_code_column_is_refused() {
        let sheet = ExportSheet {
            name: "Khác".into(),
            header: vec!["Tên".into()],
            rows: vec![(2, vec!["x".into()])],
        };
        let bytes = super::national_export_xlsx(&sheet).expect("xlsx");
        let err = super::read_national_export(&bytes).expect_err("no code column");
        assert!(err.contains("MaTTHC"), "{err}");
    }
}
