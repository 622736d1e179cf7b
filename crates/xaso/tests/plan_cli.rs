//! `xaso import plan`, `xaso plan list|show`: a plan file checked whole, its targets with live
//! values and its tasks with schedules; the built-in plans are there from the first start.

mod common;

use common::*;

const PLAN: &str = r#"
[plan]
id = "ke-hoach-thu"
number = "01/KH-UBND"
date = "2026-01-05"
agency = "UBND xã Minh Đức"
title = "Kế hoạch thử nghiệm"
year = 2026

[[area]]
number = 1
name = "Cải cách thủ tục hành chính"

[[target]]
area = 1
text = "Tỷ lệ giải quyết hồ sơ đúng hạn đạt tối thiểu 98%"
value = 98
unit = "%"
direction = "at_least"
metric = "on_time"
source_line = 80

[[target]]
area = 1
text = "100% văn bản điện tử ký số"
value = 100
unit = "%"
direction = "at_least"
metric = "manual"
source_line = 525

[[task]]
number = "3.1"
area = 1
objective = "Tỷ lệ đúng hạn"
task = "Nâng cao năng lực"
activity = "Rà soát bố trí nhân sự"
output = "Quyết định kiện toàn"
lead = "Trung tâm PVHCC"
coordinating = ["Văn phòng HĐND-UBND"]
time = "Quý III-IV/2026"
source_line = 428
"#;

#[test]
fn plans_import_list_and_show_with_live_values() {
    let dir = temp_dir("plan");
    let (ok, _) = start(&dir, &[]).terminate();
    assert!(ok);
    std::fs::write(dir.join("thu.toml"), PLAN).expect("write");
    let out = run(&dir, &["import", "plan", "thu.toml"], &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains(
            "Đã nhập kế hoạch ke-hoach-thu (01/KH-UBND): 1 lĩnh vực, 2 chỉ tiêu, 1 nhiệm vụ."
        ),
        "{}",
        text(&out.stdout)
    );
    let again = run(&dir, &["import", "plan", "thu.toml"], &[]);
    assert!(
        text(&again.stdout).contains("Đã cập nhật kế hoạch ke-hoach-thu"),
        "{}",
        text(&again.stdout)
    );
    let list = text(&run(&dir, &["plan", "list"], &[]).stdout);
    // The seed plan is built in: every target of section II and every appendix activity.
    assert!(list.contains("ke-hoach-09-2025  09/KH-UBND — Kế hoạch Cải cách hành chính xã Minh Đức năm 2025 (UBND xã Minh Đức, năm 2025): 29 chỉ tiêu, 86 nhiệm vụ"), "{list}");
    assert!(list.contains("ke-hoach-thu  01/KH-UBND — Kế hoạch thử nghiệm (UBND xã Minh Đức, năm 2026): 2 chỉ tiêu, 1 nhiệm vụ"), "{list}");
    let out = run(
        &dir,
        &["plan", "show", "ke-hoach-thu", "--format", "json"],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    // The on-time target shows the demo dossiers' rate this year; the manual one has no live value.
    assert_eq!(json["targets"][0]["binding"], "on_time");
    assert_eq!(json["targets"][0]["live"]["kind"], "rate", "{json}");
    assert!(
        json["targets"][0]["live"]["denominator"].as_u64() > Some(0),
        "{json}"
    );
    assert_eq!(
        (
            json["targets"][1]["binding"].as_str(),
            json["targets"][1]["live"].is_null()
        ),
        (Some("manual"), true)
    );
    assert_eq!(
        json["tasks"][0]["schedule"],
        serde_json::json!({ "kind": "quarters", "year": 2026, "first": 3, "last": 4 })
    );
    let shown = text(&run(&dir, &["plan", "show", "ke-hoach-thu"], &[]).stdout);
    assert!(
        shown.contains("◦ Tỷ lệ giải quyết hồ sơ đúng hạn đạt tối thiểu 98% — hiện ")
            && shown.contains("◦ 100% văn bản điện tử ký số — nhập tay"),
        "{shown}"
    );
    // The seed plan as a workbook with the document's columns, read back by openpyxl.
    let out = run(
        &dir,
        &["plan", "export", "ke-hoach-09-2025", "--out", "kh.xlsx"],
        &[],
    );
    assert!(
        text(&out.stdout).contains("Đã ghi 86 nhiệm vụ và 29 chỉ tiêu"),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    match std::env::var("XASO_PYTHON") {
        Ok(python) => {
            let read = std::process::Command::new(python)
                .arg("-c")
                .arg("import openpyxl,sys; b=openpyxl.load_workbook(sys.argv[1]); t=b['Nhiệm vụ']; print(b.sheetnames, t.max_row - 3, b['Chỉ tiêu'].max_row - 1, t['E3'].value, t['I4'].value)")
                .arg(dir.join("kh.xlsx"))
                .output()
                .expect("python");
            let shown = text(&read.stdout);
            assert!(read.status.success(), "{}", text(&read.stderr));
            assert!(shown.starts_with("['Nhiệm vụ', 'Chỉ tiêu'] 86 29 Hoạt động Theo Chương trình công tác đã phê duyệt"), "{shown}");
        }
        Err(_) => assert!(
            std::env::var_os("CI").is_none(),
            "XASO_PYTHON (openpyxl) is missing under CI"
        ),
    }
    // Another commune's plan from a workbook with the appendix columns (here the exported one).
    let import_workbook = |extra: &[&str]| {
        let mut args = vec![
            "import",
            "plan",
            "kh.xlsx",
            "--id",
            "ke-hoach-tan-khai-2026",
            "--number",
            "05/KH-UBND",
            "--date",
            "2026-01-10",
            "--title",
            "Kế hoạch cải cách hành chính năm 2026",
        ];
        args.extend_from_slice(extra);
        run(&dir, &args, &[])
    };
    assert_one_line_error(&import_workbook(&[]), "cần --agency");
    let out = import_workbook(&["--agency", "UBND xã Tân Khai"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("Đã nhập kế hoạch ke-hoach-tan-khai-2026 (05/KH-UBND): 7 lĩnh vực, 29 chỉ tiêu, 86 nhiệm vụ."), "{}", text(&out.stdout));
    let shown = text(&run(&dir, &["plan", "show", "ke-hoach-tan-khai-2026"], &[]).stdout);
    assert!(
        shown.contains("UBND xã Tân Khai")
            && shown.contains("Xây dựng chương trình xây dựng văn bản QPPL"),
        "{shown}"
    );
    // The targets came with the workbook, still bound to what measures them.
    let json: serde_json::Value = serde_json::from_slice(
        &run(
            &dir,
            &["plan", "show", "ke-hoach-tan-khai-2026", "--format", "json"],
            &[],
        )
        .stdout,
    )
    .expect("json");
    let on_time = json["targets"]
        .as_array()
        .expect("targets")
        .iter()
        .find(|t| t["binding"] == "on_time")
        .expect("the on-time target");
    assert_eq!(
        (
            &on_time["value"],
            &on_time["direction"],
            &on_time["source_line"]
        ),
        (
            &serde_json::json!(98.0),
            &serde_json::json!("at_least"),
            &serde_json::json!(80)
        ),
        "{on_time}"
    );
    // The third quarter's report from the demo progress: 30 tasks in area 2, 5 done, 5 in progress,
    // 20 not reported; it opens in LibreOffice (soffice, installed by scripts/test).
    let out = run(
        &dir,
        &[
            "plan",
            "report",
            "ke-hoach-09-2025",
            "--period",
            "q3",
            "--out",
            "bao-cao-q3.docx",
        ],
        &[],
    );
    assert!(
        text(&out.stdout).contains("Đã ghi báo cáo quý III năm 2025 (29 chỉ tiêu"),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert_one_line_error(
        &run(
            &dir,
            &[
                "plan",
                "report",
                "ke-hoach-09-2025",
                "--period",
                "q5",
                "--out",
                "x.docx",
            ],
            &[],
        ),
        "dùng q1, q2, q3, q4, h1 hoặc year",
    );
    // The same report as a PDF, chosen by the extension in any case; anything else is refused.
    let out = run(
        &dir,
        &[
            "plan",
            "report",
            "ke-hoach-09-2025",
            "--period",
            "q3",
            "--out",
            "bao-cao-q3-ban-in.PDF",
        ],
        &[],
    );
    assert!(
        out.status.success() && text(&out.stdout).contains("bao-cao-q3-ban-in.PDF"),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    match std::process::Command::new("pdftotext")
        .args(["-layout", "bao-cao-q3-ban-in.PDF", "-"])
        .current_dir(&dir)
        .output()
    {
        Ok(words) => {
            let words = text(&words.stdout);
            let joined = words.split_whitespace().collect::<Vec<_>>().join(" ");
            for expected in [
                "UBND XÃ MINH ĐỨC",
                "BÁO CÁO",
                "Kết quả thực hiện công tác cải cách hành chính quý III năm 2025",
                "Tỷ lệ giải quyết hồ sơ đúng hạn",
                "Đã kiểm tra 2 lượt tại 2/5 đơn vị (1 qua môi trường số); phát hiện 3 tồn tại, hạn chế, đã khắc phục 1.",
                "Qua môi trường số",
                "TM. ỦY BAN NHÂN DÂN",
                "CHỦ TỊCH",
            ] {
                assert!(joined.contains(expected), "missing “{expected}”:\n{words}");
            }
            let area_two = words
                .lines()
                .find(|l| l.contains("2. Cải cách thủ tục hành chính"))
                .expect("area 2 row");
            let numbers: Vec<&str> = area_two
                .split_whitespace()
                .filter(|w| w.chars().all(|c| c.is_ascii_digit()))
                .collect();
            assert_eq!(numbers[..4], ["30", "5", "5", "20"], "{area_two}");
        }
        Err(_) => assert!(
            std::env::var_os("CI").is_none(),
            "pdftotext is missing under CI (scripts/test installs it)"
        ),
    }
    for wrong in ["bao-cao.odt", "bao-cao"] {
        assert_one_line_error(
            &run(
                &dir,
                &[
                    "plan",
                    "report",
                    "ke-hoach-09-2025",
                    "--period",
                    "q3",
                    "--out",
                    wrong,
                ],
                &[],
            ),
            "--out phải là tệp .docx hoặc .pdf",
        );
        assert!(!dir.join(wrong).exists());
    }
    match std::process::Command::new("soffice")
        .args(["--headless", "--convert-to", "pdf", "bao-cao-q3.docx"])
        .current_dir(&dir)
        .output()
    {
        Ok(converted) => {
            assert!(
                converted.status.success() && dir.join("bao-cao-q3.pdf").exists(),
                "{}",
                text(&converted.stderr)
            );
            let words = std::process::Command::new("pdftotext")
                .args(["-layout", "bao-cao-q3.pdf", "-"])
                .current_dir(&dir)
                .output()
                .expect("pdftotext");
            let words = text(&words.stdout);
            assert!(
                words.contains("Kết quả thực hiện công tác cải cách hành chính quý III năm 2025"),
                "{words}"
            );
            let area_two = words
                .lines()
                .find(|l| l.contains("2. Cải cách thủ tục hành chính"))
                .expect("area 2 row");
            let numbers: Vec<&str> = area_two
                .split_whitespace()
                .filter(|w| w.chars().all(|c| c.is_ascii_digit()))
                .collect();
            assert_eq!(numbers[..4], ["30", "5", "5", "20"], "{area_two}");
        }
        Err(_) => assert!(
            std::env::var_os("CI").is_none(),
            "soffice is missing under CI (scripts/test installs it)"
        ),
    }
    // A bad file imports nothing and says where; an unknown plan is one clear line.
    let bad = PLAN
        .replace("Quý III-IV/2026", "Quý IV//2026")
        .replace("metric = \"on_time\"", "metric = \"dung_han\"");
    std::fs::write(dir.join("sai.toml"), &bad).expect("write");
    let line_of = |needle: &str| {
        bad.lines()
            .position(|l| l.contains(needle))
            .map(|i| i + 1)
            .expect("line")
    };
    let out = run(&dir, &["import", "plan", "sai.toml"], &[]);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("sai.toml có 2 lỗi, chưa nhập gì"), "{err}");
    assert!(
        err.contains(&format!(
            "sai.toml:{}: phép đo “dung_han” không có",
            line_of("dung_han")
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "sai.toml:{}: nhiệm vụ 3.1: thời gian “Quý IV//2026” không hiểu được",
            line_of("Quý IV//2026")
        )),
        "{err}"
    );
    assert_one_line_error(
        &run(&dir, &["plan", "show", "khong-co"], &[]),
        "không có kế hoạch khong-co",
    );
    std::fs::remove_dir_all(dir).expect("clean up");
}
