//! `xaso report` on the demo data: II.06a adds up, agrees between JSON and CSV and with the
//! dossier list, the targets say "no data" where the system has none, bad input is one clear line.

mod common;

use common::*;

#[test]
fn reports_on_the_demo_data() {
    let dir = temp_dir("report");
    let (ok, _) = start(&dir, &[]).terminate();
    assert!(ok);
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let args = |format: &str| -> Vec<String> {
        [
            "report",
            "ii06a",
            "--agency",
            "000.00.61.H19",
            "--from",
            "2020-01-01",
            "--to",
            &today,
            "--format",
            format,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    let call = |args: &[String]| {
        run(
            &dir,
            &args.iter().map(String::as_str).collect::<Vec<_>>(),
            &[],
        )
    };
    let out = call(&args("json"));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let total = &report["total"];
    let n = |key: &str| {
        total[key]
            .as_u64()
            .unwrap_or_else(|| panic!("{key}: {report}"))
    };
    // Over all time nothing is carried over, and every received dossier is somewhere.
    assert_eq!(n("carried_over"), 0);
    assert_eq!(
        n("received_total"),
        n("received_online") + n("received_in_person")
    );
    assert_eq!(
        n("received_total"),
        n("resolved_total") + n("in_progress_total") + n("closed_without_result")
    );
    assert_eq!(
        n("resolved_total"),
        n("resolved_early") + n("resolved_on_time") + n("resolved_late")
    );
    assert!(
        n("resolved_total") > 0 && n("received_total") > n("resolved_total"),
        "{report}"
    );
    // The CSV says the same.
    let csv = call(&args("csv"));
    let columns: Vec<String> = [
        "received_total",
        "received_online",
        "received_in_person",
        "carried_over",
        "resolved_total",
        "resolved_early",
        "resolved_on_time",
        "resolved_late",
        "in_progress_total",
        "in_progress_within_time",
        "in_progress_overdue",
    ]
    .iter()
    .map(|k| n(k).to_string())
    .collect();
    assert!(
        text(&csv.stdout).contains(&format!(",\"Tổng số\",{}", columns.join(","))),
        "{}",
        text(&csv.stdout)
    );

    let out = run(
        &dir,
        &[
            "report",
            "targets",
            "--agency",
            "000.00.61.H19",
            "--from",
            "2020-01-01",
            "--to",
            &today,
        ],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let shown = text(&out.stdout);
    assert!(
        shown.contains("Tỷ lệ giải quyết hồ sơ đúng hạn:")
            && shown.contains(
                "chưa có dữ liệu: không có phản ánh, kiến nghị nào được trả lời trong kỳ"
            )
            && shown.contains("Chỉ số QĐ 766:"),
        "{shown}"
    );
    assert!(!shown.contains("-0,00"), "{shown}");
    let province = run(
        &dir,
        &[
            "report",
            "ii06a",
            "--agency",
            "tinh",
            "--from",
            "2020-01-01",
            "--to",
            &today,
            "--format",
            "json",
        ],
        &[],
    );
    let province: serde_json::Value = serde_json::from_slice(&province.stdout).expect("json");
    assert!(province["total"]["received_total"].as_u64() >= Some(n("received_total")));
    // Over the province, resolved dossiers are those the dossier list shows with an outcome.
    let listed = run(&dir, &["dossier", "list", "--format", "json"], &[]);
    let listed: serde_json::Value = serde_json::from_slice(&listed.stdout).expect("json");
    let done = listed
        .as_array()
        .expect("list")
        .iter()
        .filter(|d| d["outcome"].is_string())
        .count() as u64;
    assert_eq!(
        province["total"]["resolved_total"].as_u64(),
        Some(done),
        "{province}"
    );

    assert_one_line_error(
        &run(
            &dir,
            &[
                "report",
                "ii06a",
                "--agency",
                "999.99.99.H99",
                "--from",
                "2026-01-01",
                "--to",
                "2026-03-31",
            ],
            &[],
        ),
        "không có xã mã 999.99.99.H99",
    );
    assert_one_line_error(
        &run(
            &dir,
            &[
                "report",
                "ii06a",
                "--agency",
                "tinh",
                "--from",
                "2026-04-01",
                "--to",
                "2026-03-31",
            ],
            &[],
        ),
        "--to trước --from",
    );
    assert_one_line_error(
        &run(
            &dir,
            &[
                "report",
                "ii06a",
                "--agency",
                "tinh",
                "--from",
                "01/04/2026",
                "--to",
                "2026-03-31",
            ],
            &[],
        ),
        "phải có dạng YYYY-MM-DD",
    );
    std::fs::remove_dir_all(dir).expect("clean up");
}
