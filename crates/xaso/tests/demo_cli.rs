//! `xaso demo generate` on a fresh data folder: it loads the first data, adds the communes,
//! prints what it made, and the reports count exactly the dossiers it received; a second run
//! reuses the communes; bad input is one clear line.

mod common;

use common::*;

/// The number after `label` in `text` ("được tiếp nhận: 1.978;" → 1978).
fn number_after(text: &str, label: &str) -> u64 {
    let rest = text
        .split_once(label)
        .unwrap_or_else(|| panic!("no “{label}” in {text}"))
        .1;
    rest.chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .filter(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap_or_else(|_| panic!("no number after “{label}” in {text}"))
}

fn ii06a_received(dir: &std::path::Path) -> u64 {
    let out = run(
        dir,
        &[
            "report",
            "ii06a",
            "--agency",
            "tinh",
            "--from",
            "2025-01-01",
            "--to",
            "2025-12-31",
            "--format",
            "json",
        ],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    report["total"]["received_total"]
        .as_u64()
        .unwrap_or_else(|| panic!("{report}"))
}

#[test]
fn generates_a_province_year_the_reports_count() {
    let dir = temp_dir("demo");
    let args = [
        "demo",
        "generate",
        "--communes",
        "5",
        "--dossiers",
        "2000",
        "--year",
        "2025",
    ];
    let out = run(&dir, &args, &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let shown = text(&out.stdout);
    assert!(
        shown.contains("Đã tạo dữ liệu mẫu năm 2025 (hạt giống 1): 5 xã, phường (2 xã mới"),
        "{shown}"
    );
    assert_eq!(number_after(&shown, "Hồ sơ: "), 2000, "{shown}");
    for label in [
        "dòng quá trình xử lý: ",
        "tệp: ",
        "đánh giá: ",
        "thanh toán: ",
    ] {
        assert!(number_after(&shown, label) > 0, "{label}: {shown}");
    }
    let statuses: u64 = shown
        .lines()
        .filter(|l| l.starts_with("  ") && l.contains(": "))
        .map(|l| number_after(l, ": "))
        .sum();
    assert_eq!(statuses, 2000, "{shown}");
    assert!(shown.contains("hồ sơ/giây"), "{shown}");
    // Not a terminal: the progress comes as plain lines, the last one at the end.
    assert!(
        text(&out.stderr).contains("2.000 / 2.000 hồ sơ  100,0 %"),
        "{}",
        text(&out.stderr)
    );

    // II.06a counts every dossier the generator received (the others were refused at the
    // counter or wait to be checked), and nothing of the seed's demo dossiers (made today).
    let received = number_after(&shown, "được tiếp nhận: ");
    let refused = number_after(&shown, "Không được tiếp nhận: ");
    let waiting = number_after(&shown, "Mới đăng ký: ");
    assert!(
        received + refused + waiting <= 2000 && received >= 1900,
        "{shown}"
    );
    assert_eq!(ii06a_received(&dir), received);

    let verified = run(&dir, &["audit", "verify"], &[]);
    assert!(verified.status.success(), "{}", text(&verified.stdout));

    // Again: the same communes, more dossiers.
    let out = run(
        &dir,
        &[
            "demo",
            "generate",
            "--communes",
            "5",
            "--dossiers",
            "300",
            "--year",
            "2025",
            "--seed",
            "2",
        ],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let again = text(&out.stdout);
    assert!(again.contains("5 xã, phường (0 xã mới"), "{again}");
    assert_eq!(
        ii06a_received(&dir),
        received + number_after(&again, "được tiếp nhận: ")
    );

    assert_one_line_error(
        &run(
            &dir,
            &["demo", "generate", "--communes", "0", "--year", "2025"],
            &[],
        ),
        "--communes phải từ 1",
    );
    assert_one_line_error(
        &run(
            &dir,
            &[
                "demo",
                "generate",
                "--communes",
                "5",
                "--dossiers",
                "10",
                "--year",
                "2031",
            ],
            &[],
        ),
        "thiếu tệp data/calendar/2031.toml",
    );
    std::fs::remove_dir_all(dir).expect("clean up");
}
