use proptest::prelude::*;

use super::*;

const SHIPPED: &str = include_str!("../../../../data/notifications/mau-thong-bao.toml");

fn shipped() -> Templates {
    Templates::parse("data/notifications/mau-thong-bao.toml", SHIPPED)
        .unwrap_or_else(|e| panic!("{e}"))
}

fn dossier() -> DossierNotice {
    DossierNotice {
        recipient: "Nguyễn Thị Hoà".into(),
        agency: "UBND xã Minh Đức".into(),
        code: "000.00.61.H19-260416-0001".into(),
        procedure: "Đăng ký khai sinh".into(),
        link: "https://xa.example/tra-cuu?ma=000.00.61.H19-260416-0001".into(),
    }
}

#[test]
fn the_shipped_templates_render_every_event_in_vietnamese() {
    let templates = shipped();
    let d = dossier();
    let received = templates.render(&Notice::dossier_received(&d, "17 giờ 00 ngày 05/05/2026"));
    assert_eq!(
        received.subject,
        "Hồ sơ 000.00.61.H19-260416-0001 đã được tiếp nhận"
    );
    assert!(
        received.body.starts_with("Kính gửi Nguyễn Thị Hoà,"),
        "{}",
        received.body
    );
    assert!(received
        .body
        .contains("- Ngày hẹn trả kết quả: 17 giờ 00 ngày 05/05/2026"));
    assert!(received
        .body
        .contains("tại: https://xa.example/tra-cuu?ma=000.00.61.H19-260416-0001"));
    assert_eq!(
        received.short,
        "UBND xã Minh Đức đã tiếp nhận hồ sơ 000.00.61.H19-260416-0001, hẹn trả kết quả 17 giờ 00 ngày 05/05/2026. Tra cứu: https://xa.example/tra-cuu?ma=000.00.61.H19-260416-0001"
    );

    let supplement = templates.render(&Notice::supplement_requested(
        &d,
        &[
            "Bản sao giấy chứng sinh".into(),
            "Giấy tờ tuỳ thân của người đi đăng ký".into(),
        ],
        "thiếu giấy chứng sinh",
    ));
    assert!(supplement.body.contains(
        "các giấy tờ sau:\n- Bản sao giấy chứng sinh\n- Giấy tờ tuỳ thân của người đi đăng ký\n"
    ));
    let fee = templates.render(&Notice::fee_due(
        &d,
        "8.000 đồng",
        "Lệ phí đăng ký khai sinh",
    ));
    assert_eq!(
        fee.subject,
        "Hồ sơ 000.00.61.H19-260416-0001: đề nghị nộp 8.000 đồng"
    );
    let apology = templates.render(&Notice::apology(&d, "12/05/2026", "cần xác minh thêm"));
    assert!(apology
        .body
        .contains("Ngày hẹn trả kết quả mới: 12/05/2026"));
    let answered = templates.render(&Notice::feedback_answered(
        "Trần Văn An",
        "UBND xã Minh Đức",
        "PAKN-2026-000.00.61.H19-000001",
        "https://xa.example/phan-anh/PAKN-2026-000.00.61.H19-000001",
    ));
    assert_eq!(
        answered.subject,
        "Phản ánh, kiến nghị PAKN-2026-000.00.61.H19-000001 đã được trả lời"
    );
    for rendered in [
        received,
        supplement,
        fee,
        apology,
        answered,
        templates.render(&Notice::result_ready(&d)),
    ] {
        for text in [&rendered.subject, &rendered.body, &rendered.short] {
            assert!(!text.contains('{') && !text.contains('}'), "{text}");
        }
    }
}

#[test]
fn a_bad_templates_file_is_refused_with_its_lines() {
    let source = "\
[[mau]]
su_kien = \"ho-so-tiep-nhan\"
tieu_de = \"Hồ sơ {ma_ho_so}\"
noi_dung = \"Số tiền {so_tien}\"
tin_ngan = \"ok\"

[[mau]]
su_kien = \"khong-co\"
tieu_de = \"a\"
noi_dung = \"b\"
tin_ngan = \"c\"

[[mau]]
su_kien = \"co-ket-qua\"
tieu_de = \"Hồ sơ {ma_ho_so\"
noi_dung = \"b}\"
tin_ngan = \"\"
";
    let error = Templates::parse("mau.toml", source).expect_err("refused");
    let lines: Vec<(usize, &str)> = error
        .problems
        .iter()
        .map(|p| (p.line, p.message.as_str()))
        .collect();
    assert!(
        lines
            .iter()
            .any(|(line, m)| *line == 4 && m.contains("“{so_tien}” không dùng được")),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|(line, m)| *line == 8 && m.contains("“khong-co” không có")),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|(line, m)| *line == 15 && m.contains("không được đóng")),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|(line, m)| *line == 16 && m.contains("không có “{” mở trước")),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|(line, m)| *line == 17 && m.contains("tin_ngan trống")),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|(_, m)| m.contains("thiếu mẫu cho sự kiện “yeu-cau-bo-sung”")),
        "{lines:?}"
    );
    let duplicate = format!("{SHIPPED}\n[[mau]]\nsu_kien = \"co-ket-qua\"\ntieu_de = \"a\"\nnoi_dung = \"b\"\ntin_ngan = \"c\"\n");
    let error = Templates::parse("mau.toml", &duplicate).expect_err("two templates for one event");
    let last_line = duplicate.lines().count() - 3;
    assert_eq!(error.problems[0].line, last_line, "{error}");
    assert!(error.problems[0].message.contains("có hai mẫu"), "{error}");
}

#[test]
fn retries_wait_longer_each_time_and_stop() {
    let minutes: Vec<i64> = (1..=8)
        .map(|n| retry_delay(n, 8).map_or(-1, |d| d.num_minutes()))
        .collect();
    assert_eq!(minutes, vec![1, 4, 16, 64, 240, 240, 240, -1]);
}

proptest! {
    /// Whatever the values hold, braces included, rendering puts them in verbatim, once per use,
    /// and leaves nothing of the template's own braces.
    #[test]
    fn values_are_inserted_verbatim(name in "\\PC{0,40}", code in "[{}A-Z0-9.-]{0,30}") {
        let templates = shipped();
        let d = DossierNotice { recipient: name.clone(), code: code.clone(), ..dossier() };
        let rendered = templates.render(&Notice::result_ready(&d));
        prop_assert_eq!(rendered.subject, format!("Hồ sơ {code} đã có kết quả"));
        let greeting = format!("Kính gửi {name},");
        prop_assert!(rendered.body.starts_with(&greeting));
    }

    #[test]
    fn retry_delays_never_shrink_and_end(max in 1u32..20) {
        let delays: Vec<_> = (1..=max + 2).map(|n| retry_delay(n, max)).collect();
        let never_shrink = delays.windows(2).all(|w| match (w[0], w[1]) {
            (Some(a), Some(b)) => a <= b,
            (None, Some(_)) => false,
            _ => true,
        });
        prop_assert!(never_shrink);
        prop_assert!(delays[(max - 1) as usize].is_none());
        prop_assert!(delays.iter().flatten().all(|d| d.num_hours() <= 4));
    }
}
