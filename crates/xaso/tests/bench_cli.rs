//! `xaso bench` end to end on a small demo database: every scenario runs against a real server
//! with no failed request, `--only` runs the scenarios asked for, and the command refuses what it
//! cannot measure.

mod common;

use common::{run, start, temp_dir, text};

#[test]
fn bench_measures_every_scenario_against_its_limit() {
    let dir = temp_dir("bench");
    // The first start loads the demo agencies, officers and dossiers.
    let (stopped, _) = start(&dir, &[]).terminate();
    assert!(stopped);
    let year = chrono::Datelike::year(&chrono::Utc::now()).to_string();
    let out = run(
        &dir,
        &[
            "bench",
            "--duration",
            "1",
            "--clients",
            "2",
            "--lookup-clients",
            "4",
            "--year",
            &year,
        ],
        &[],
    );
    let printed = text(&out.stdout);
    assert!(out.status.success(), "{printed}\n{}", text(&out.stderr));
    for scenario in [
        "tệp tĩnh (giới hạn)",
        "tra cứu công khai",
        "ghi thô (giới hạn)",
        "vòng đời hồ sơ",
        "hộp việc chuyên viên",
        "bảng điều khiển cả tỉnh, năm",
        "mẫu II.06a cả tỉnh, năm",
    ] {
        let line = printed
            .lines()
            .find(|l| l.starts_with(scenario))
            .unwrap_or_else(|| panic!("no line for {scenario}:\n{printed}"));
        let columns: Vec<&str> = line[scenario.len()..].split_whitespace().collect();
        let requests: u64 = columns[1].parse().expect("requests");
        assert!(requests > 0, "{line}");
        assert_eq!(columns[2], "0", "no failed request: {line}\n{printed}");
    }
    assert!(
        printed.contains("ghi thô (giới hạn) × 2:"),
        "lifecycle against the raw commits: {printed}"
    );
    assert!(
        printed.contains("tệp tĩnh (giới hạn) × 4:"),
        "look-ups against the static file: {printed}"
    );
    assert!(printed.contains("bộ nhớ máy chủ khi rỗi:"), "{printed}");

    let refused = run(&dir, &["bench", "--instances", "2"], &[]);
    assert!(!refused.status.success());
    assert!(
        text(&refused.stderr).contains("PostgreSQL"),
        "{}",
        text(&refused.stderr)
    );

    // `--only`: the scenarios asked for, each with its limit, and nothing else.
    let only = run(
        &dir,
        &[
            "bench",
            "--only",
            "lookups",
            "--duration",
            "1",
            "--lookup-clients",
            "4",
            "--year",
            &year,
        ],
        &[],
    );
    let printed = text(&only.stdout);
    assert!(only.status.success(), "{printed}\n{}", text(&only.stderr));
    assert!(
        printed.contains("tệp tĩnh (giới hạn) × 4:"),
        "look-ups against the static file: {printed}"
    );
    for absent in [
        "ghi thô (giới hạn)",
        "vòng đời hồ sơ",
        "hộp việc chuyên viên",
        "bảng điều khiển cả tỉnh, năm",
        "mẫu II.06a cả tỉnh, năm",
    ] {
        assert!(
            !printed.contains(absent),
            "{absent} not asked for:\n{printed}"
        );
    }
    let refused = run(&dir, &["bench", "--instances", "2", "--only", "inbox"], &[]);
    assert!(!refused.status.success());
    assert!(
        text(&refused.stderr).contains("--only lifecycle"),
        "{}",
        text(&refused.stderr)
    );
    let _ = std::fs::remove_dir_all(dir);
}
