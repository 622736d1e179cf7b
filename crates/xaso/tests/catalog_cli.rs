//! `xaso import catalog` with exports of the national procedure database: JSON and XLSX, what
//! was added, revised and left alone, and errors on their line, row and column.

mod common;

use common::*;

const SAMPLE_JSON: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../data/catalog/national/mau-xuat-csdl.json"
);
const SAMPLE_XLSX: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../data/catalog/national/mau-xuat-csdl.xlsx"
);

#[test]
fn national_exports_import_as_json_and_as_workbooks() {
    let dir = temp_dir("catalog-national");
    let json = std::fs::read_to_string(SAMPLE_JSON).expect("sample json");
    std::fs::write(dir.join("mau.json"), &json).expect("write");
    std::fs::copy(SAMPLE_XLSX, dir.join("mau.xlsx")).expect("copy");

    let out = run(&dir, &["import", "catalog", "mau.json"], &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = text(&out.stdout);
    assert!(
        said.contains("Đã nhập mau.json (tệp JSON xuất từ CSDL quốc gia về TTHC): 4 thủ tục mới, 0 thủ tục có phiên bản mới, 0 không thay đổi."),
        "{said}"
    );
    assert!(said.contains("  mới: 1.001193\n"), "{said}");
    assert!(
        said.contains("  cần xác minh: 1.004873 (time, online)"),
        "{said}"
    );

    // The workbook holds the same procedures: nothing changes.
    let out = run(&dir, &["import", "catalog", "mau.xlsx"], &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = text(&out.stdout);
    assert!(
        said.contains("Đã nhập mau.xlsx (tệp XLSX xuất từ CSDL quốc gia về TTHC): 0 thủ tục mới, 0 thủ tục có phiên bản mới, 4 không thay đổi."),
        "{said}"
    );

    let edited = json.replace(
        "03 ngày làm việc; trường hợp phải xác minh thì không quá 23 ngày",
        "05 ngày làm việc",
    );
    std::fs::write(dir.join("moi.json"), &edited).expect("write");
    let said = text(&run(&dir, &["import", "catalog", "moi.json"], &[]).stdout);
    assert!(
        said.contains("0 thủ tục mới, 1 thủ tục có phiên bản mới, 3 không thay đổi.")
            && said.contains("  phiên bản mới: 1.004873"),
        "{said}"
    );

    let broken = edited.replace("10.000 đồng/trường hợp", "Theo quy định hiện hành");
    let line = broken
        .lines()
        .position(|l| l.contains("Theo quy định hiện hành"))
        .expect("broken line")
        + 1;
    std::fs::write(dir.join("hong.json"), &broken).expect("write");
    let out = run(&dir, &["import", "catalog", "hong.json"], &[]);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(
        err.contains("tệp hong.json có 1 lỗi, chưa nhập thủ tục nào")
            && err.contains(&format!(
                "hong.json:{line}: PhiLePhi: 2.000884: không đọc được phí, lệ phí “Theo quy định hiện hành”"
            )),
        "{err}"
    );
    std::fs::remove_dir_all(dir).expect("clean up");
}

#[test]
fn a_workbook_error_names_sheet_row_and_column() {
    let dir = temp_dir("catalog-xlsx");
    let good = std::fs::read(SAMPLE_XLSX).expect("sample xlsx");
    let mut sheet = xaso_docs::catalog::read_national_export(&good).expect("readable");
    let time_column = sheet
        .header
        .iter()
        .position(|h| h == "ThoiHanGiaiQuyet")
        .expect("time column");
    sheet.rows[1].1[time_column] = "0 ngày làm việc".into();
    let bytes = xaso_docs::catalog::national_export_xlsx(&sheet).expect("xlsx");
    std::fs::write(dir.join("hong.xlsx"), bytes).expect("write");
    let out = run(&dir, &["import", "catalog", "hong.xlsx"], &[]);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    let column = char::from(b'A' + time_column as u8);
    assert!(
        err.contains(&format!(
            "hong.xlsx#TTHC:3: cột {column} (ThoiHanGiaiQuyet): 2.000635: số ngày 0 phải từ 1 đến 365"
        )),
        "{err}"
    );
    let out = run(&dir, &["import", "catalog", "khong-co.xlsx"], &[]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("khong-co.xlsx"));
    std::fs::remove_dir_all(dir).expect("clean up");
}
