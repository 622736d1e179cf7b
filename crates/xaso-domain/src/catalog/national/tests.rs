use serde_json::json;

use super::*;
use crate::catalog::ComponentForm;

const SAMPLE: &str = include_str!("../../../../../data/catalog/national/mau-xuat-csdl.json");

fn by_code<'a>(procedures: &'a [Procedure], code: &str) -> &'a Procedure {
    procedures
        .iter()
        .find(|p| p.code == code)
        .unwrap_or_else(|| panic!("{code} missing"))
}

#[test]
fn the_sample_export_maps_to_catalog_entries() {
    let procedures = parse_json("mau.json", SAMPLE).expect("valid");
    assert_eq!(procedures.len(), 4);
    let birth = by_code(&procedures, "1.001193");
    assert_eq!(birth.name, "Đăng ký khai sinh");
    assert_eq!(birth.level, Level::Commune);
    assert_eq!(birth.online, OnlineLevel::Full);
    assert!(!birth.location_independent);
    assert_eq!(birth.fee, FeeSchedule::FreeIfOnTime { late: None });
    assert_eq!(
        birth.time,
        ProcessingTime::Immediate {
            cutoff: "15:00".into(),
            extended_days: None
        }
    );
    assert_eq!(birth.components.len(), 3);
    assert_eq!(birth.components[2].form, ComponentForm::Present);
    assert!(birth.is_verified(), "{:?}", birth.unverified);

    let extract = by_code(&procedures, "2.000635");
    assert_eq!(extract.level, Level::Commune, "the lowest level named");
    assert!(extract.location_independent);
    assert_eq!(
        extract.fee,
        FeeSchedule::Fixed {
            amount: 8000,
            unit: "bản sao".into()
        }
    );
    assert!(!extract.components[1].mandatory);

    let marriage = by_code(&procedures, "1.004873");
    assert_eq!(
        marriage.unverified,
        vec!["time".to_string(), "online".to_string()]
    );
    assert!(
        marriage.note.as_deref().is_some_and(|n| n.contains(
            "Thời hạn giải quyết theo CSDL quốc gia: 03 ngày làm việc; trường hợp phải xác minh thì không quá 23 ngày."
        )),
        "{:?}",
        marriage.note
    );
    // Online service level absent: none, to be checked.
    assert_eq!(marriage.online, OnlineLevel::None);
}

/// The nested shape of the national portal's `LayThuTuc` answer, as read by integrations with it.
const PORTAL: &str = r#"{
  "error_code": 0,
  "result": [
    {
      "MATTHC": "2.000884.000.00.00.H56",
      "TENTTHC": "Chứng thực chữ ký trong các giấy tờ, văn bản",
      "CAPTHUCHIEN": [{"CAPTHUCHIEN": "3", "TENCAP": "Cấp Xã"}],
      "LINHVUCTHUCHIEN": [{"MALINHVUC": "G12", "TENLINHVUC": "Chứng thực"}],
      "COQUANTHUCHIEN": [{"MADONVI": "000.00.06.H56", "TENDONVI": "UBND xã Minh Đức"}],
      "KETQUATHUCHIEN": [{"MAKETQUA": "KQ1", "TENKETQUA": "Giấy tờ, văn bản được chứng thực chữ ký"}],
      "CANCUPHAPLY": [
        {"SOVANBAN": "23/2015/NĐ-CP", "TENVANBAN": "Nghị định về cấp bản sao từ sổ gốc, chứng thực bản sao từ bản chính, chứng thực chữ ký và chứng thực hợp đồng, giao dịch"}
      ],
      "CACHTHUCTHUCHIEN": [
        {"KENH": 2, "THOIGIAN": [{"THOIGIANGIAIQUYET": 1, "DONVITINH": "Ngày làm việc", "PHILEPHI": []}]},
        {"KENH": 1, "THOIGIAN": [{"THOIGIANGIAIQUYET": 1, "DONVITINH": "Ngày làm việc", "MOTA": "",
          "PHILEPHI": [{"MAPHILEPHI": "2", "SOTIEN": "10.000", "DONVI": "Đồng", "MOTA": "Lệ phí chứng thực chữ ký"}]}]}
      ],
      "THANHPHANHOSO": [
        {"TRUONGHOP": "", "GIAYTO": [
          {"MAGIAYTO": "1", "TENGIAYTO": "Giấy tờ, văn bản cần chứng thực chữ ký", "SOBANCHINH": 1, "SOBANSAO": 0, "TENMAUDON": ""},
          {"MAGIAYTO": "2", "TENGIAYTO": "Bản sao Giấy tờ tùy thân", "SOBANCHINH": 0, "SOBANSAO": 1}
        ]}
      ],
      "MucDo": "Một phần"
    }
  ]
}"#;

#[test]
fn the_portal_shape_maps_too() {
    let procedures = parse_json("layThuTuc.json", PORTAL).expect("valid");
    let p = &procedures[0];
    assert_eq!(p.code, "2.000884");
    assert_eq!(p.field, "Chứng thực");
    assert_eq!(p.agency, "UBND xã Minh Đức");
    assert_eq!(
        p.legal_basis,
        vec!["23/2015/NĐ-CP Nghị định về cấp bản sao từ sổ gốc, chứng thực bản sao từ bản chính, chứng thực chữ ký và chứng thực hợp đồng, giao dịch"]
    );
    assert_eq!(
        p.time,
        ProcessingTime::WorkingDays {
            days: 1,
            extended_days: None
        }
    );
    assert!(
        matches!(&p.fee, FeeSchedule::Fixed { amount: 10000, .. }),
        "the counter channel's fee: {:?}",
        p.fee
    );
    assert_eq!(p.online, OnlineLevel::Partial);
    assert_eq!(p.components.len(), 2);
    assert_eq!(p.components[0].template, None);
    // A copy may have to be certified: to be checked.
    assert_eq!(p.components[1].form, ComponentForm::Copy);
    assert_eq!(p.unverified, vec!["components".to_string()]);
}

fn entry_json(overrides: serde_json::Value) -> serde_json::Value {
    let mut entry = json!({
        "MaTTHC": "1.000656",
        "TenTTHC": "Đăng ký khai tử",
        "LinhVuc": "Hộ tịch",
        "CapThucHien": "Cấp Xã",
        "CoQuanThucHien": "UBND cấp xã",
        "KetQuaThucHien": "Trích lục khai tử",
        "ThoiHanGiaiQuyet": "Trong ngày làm việc",
        "PhiLePhi": "Miễn lệ phí",
        "CanCuPhapLy": ["Luật Hộ tịch số 60/2014/QH13"],
        "ThanhPhanHoSo": ["Tờ khai đăng ký khai tử (bản chính)"],
        "MucDoDVC": "Toàn trình"
    });
    if let (Some(entry), Some(overrides)) = (entry.as_object_mut(), overrides.as_object()) {
        for (k, v) in overrides {
            if v.is_null() {
                entry.remove(k);
            } else {
                entry.insert(k.clone(), v.clone());
            }
        }
    }
    entry
}

#[test]
fn every_bad_entry_is_reported_on_its_line_and_nothing_is_returned() {
    let entries = vec![
        entry_json(json!({})),
        entry_json(json!({"MaTTHC": "1.000894", "ThoiHanGiaiQuyet": "Theo quy định"})),
        entry_json(json!({"MaTTHC": "1.004859", "TenTTHC": null})),
        entry_json(json!({"ThanhPhanHoSo": "Giấy báo tử (bản chính)"})),
        entry_json(json!({"MaTTHC": "1.004845", "CapThucHien": "Cấp Huyện"})),
    ];
    let text = serde_json::to_string_pretty(&entries).expect("json");
    let line_of = |needle: &str, nth: usize| {
        text.lines()
            .enumerate()
            .filter(|(_, l)| l.contains(needle))
            .nth(nth)
            .map(|(i, _)| i + 1)
            .expect(needle)
    };
    let err = parse_json("loi.json", &text).expect_err("invalid");
    let report = err.to_string();
    assert!(
        report.contains(&format!(
            "loi.json:{}: ThoiHanGiaiQuyet: 1.000894: không đọc được thời hạn giải quyết “Theo quy định”",
            line_of("Theo quy định", 0)
        )),
        "{report}"
    );
    // A missing field is reported at the entry's first line.
    assert!(
        report.contains(&format!(
            "loi.json:{}: thiếu trường “TenTTHC” (tên thủ tục)",
            line_of("{", 2)
        )),
        "{report}"
    );
    // The catalog's own checks, on the line of the field they concern; the repeated code too.
    assert!(
        report.contains(&format!(
            "loi.json:{}: MaTTHC: mã thủ tục 1.000656 xuất hiện hai lần trong tệp",
            line_of("\"MaTTHC\": \"1.000656\"", 1)
        )),
        "{report}"
    );
    assert!(
        report.contains(&format!(
            "loi.json:{}: CapThucHien: 1.004845: cấp thực hiện “Cấp Huyện”: cấp huyện không còn từ 01/7/2025",
            line_of("Cấp Huyện", 0)
        )),
        "{report}"
    );
    assert_eq!(err.problems.len(), 4, "{report}");
}

#[test]
fn syntax_errors_and_shapes_name_the_line() {
    let err = parse_json("hong.json", "[\n {\"MaTTHC\": \"1.1\",\n }\n]").expect_err("invalid");
    assert_eq!(err.problems[0].line, 3, "{err}");
    assert!(err.to_string().contains("JSON sai cú pháp"), "{err}");
    let err = parse_json("rong.json", "[]").expect_err("empty");
    assert!(err.to_string().contains("không có thủ tục nào"), "{err}");
    let err = parse_json("so.json", "[1]").expect_err("not an object");
    assert!(err.to_string().contains("mục thứ 1 không phải"), "{err}");
}

#[test]
fn a_sheet_reports_row_and_column() {
    let header: Vec<String> = [
        "STT",
        "Mã TTHC",
        "TenTTHC",
        "LinhVuc",
        "CapThucHien",
        "CoQuanThucHien",
        "KetQuaThucHien",
        "ThoiHanGiaiQuyet",
        "PhiLePhi",
        "CanCuPhapLy",
        "ThanhPhanHoSo",
    ]
    .map(String::from)
    .to_vec();
    let row = |code: &str, time: &str| -> Vec<String> {
        [
            "1",
            code,
            "Đăng ký khai tử",
            "Hộ tịch",
            "Cấp Xã",
            "UBND cấp xã",
            "Trích lục khai tử",
            time,
            "Miễn lệ phí",
            "Luật Hộ tịch số 60/2014/QH13\nNghị định 123/2015/NĐ-CP",
            "- Tờ khai đăng ký khai tử (bản chính)\n- Giấy báo tử (bản chính)",
        ]
        .map(String::from)
        .to_vec()
    };
    let sheet = ExportSheet {
        name: "TTHC".into(),
        header,
        rows: vec![
            (3, row("1.000656", "Trong ngày làm việc")),
            (4, row("1.000657", "0 ngày làm việc")),
        ],
    };
    let err = parse_sheet("tthc.xlsx", &sheet).expect_err("invalid");
    assert_eq!(
        err.to_string(),
        "tthc.xlsx#TTHC:4: cột H (ThoiHanGiaiQuyet): 1.000657: số ngày 0 phải từ 1 đến 365"
    );
    let good = ExportSheet {
        rows: vec![(3, row("1.000656", "Trong ngày làm việc"))],
        ..sheet
    };
    let procedures = parse_sheet("tthc.xlsx", &good).expect("valid");
    assert_eq!(procedures[0].legal_basis.len(), 2);
    assert_eq!(procedures[0].components[1].name, "Giấy báo tử");
    assert_eq!(procedures[0].unverified, vec!["online".to_string()]);
}

#[test]
fn column_letters() {
    assert_eq!(column_letter(0), "A");
    assert_eq!(column_letter(25), "Z");
    assert_eq!(column_letter(26), "AA");
    assert_eq!(column_letter(27), "AB");
}

#[test]
fn headings_are_compared_folded() {
    assert!(is_code_heading("Mã TTHC"));
    assert!(is_code_heading("MATTHC"));
    assert!(!is_code_heading("Tên TTHC"));
}
