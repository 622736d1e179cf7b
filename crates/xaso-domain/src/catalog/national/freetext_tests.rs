use proptest::prelude::*;

use super::*;

fn time(input: &str) -> (ProcessingTime, bool) {
    let reading = processing_time(input).expect(input);
    (reading.value, reading.certain)
}

fn days(days: u32, extended_days: Option<u32>) -> ProcessingTime {
    ProcessingTime::WorkingDays {
        days,
        extended_days,
    }
}

#[test]
fn working_days_as_the_portal_writes_them() {
    assert_eq!(time("03 ngày làm việc"), (days(3, None), true));
    assert_eq!(time("05 (năm) ngày làm việc"), (days(5, None), true));
    assert_eq!(
        time("Không quá 10 ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ"),
        (days(10, None), true)
    );
    assert_eq!(
        time(
            "03 ngày làm việc; trường hợp cần xác minh thì kéo dài thêm không quá 03 ngày làm việc"
        ),
        (days(3, Some(3)), true)
    );
    // A second limit not said to be added: kept as read, to be checked.
    assert_eq!(
        time("03 ngày làm việc; trường hợp phải xác minh thì không quá 23 ngày"),
        (days(3, None), false)
    );
}

#[test]
fn the_same_day_with_its_cutoff() {
    assert_eq!(
        time("Ngay trong ngày làm việc; trường hợp nhận hồ sơ sau 15 giờ thì trả kết quả trong ngày làm việc tiếp theo"),
        (
            ProcessingTime::Immediate {
                cutoff: "15:00".into(),
                extended_days: None
            },
            true
        )
    );
    assert_eq!(
        time("Trong ngày; nếu tiếp nhận sau 16h thì trả trong ngày làm việc tiếp theo"),
        (
            ProcessingTime::Immediate {
                cutoff: "16:00".into(),
                extended_days: None
            },
            true
        )
    );
    assert_eq!(
        time("Ngay sau khi nhận đủ hồ sơ hợp lệ; trường hợp cần xác minh thì không quá 05 ngày làm việc"),
        (
            ProcessingTime::Immediate {
                cutoff: "15:00".into(),
                extended_days: Some(5)
            },
            true
        )
    );
}

#[test]
fn hours_and_calendar_days() {
    assert_eq!(
        time("08 giờ làm việc"),
        (ProcessingTime::WorkingHours { hours: 8 }, true)
    );
    // Calendar days have no kind of their own: the nearest, unverified.
    assert_eq!(time("30 ngày"), (days(30, None), false));
}

#[test]
fn a_time_without_a_number_is_refused() {
    let err = processing_time("Theo quy định").expect_err("nothing to read");
    assert!(
        err.contains("không đọc được thời hạn giải quyết “Theo quy định”"),
        "{err}"
    );
}

fn read_fee(input: &str) -> (FeeSchedule, bool) {
    let reading = fee(input).expect(input);
    (reading.value, reading.certain)
}

#[test]
fn fees_as_the_portal_writes_them() {
    assert_eq!(read_fee("Miễn lệ phí"), (FeeSchedule::Free, true));
    assert_eq!(read_fee("Không"), (FeeSchedule::Free, true));
    assert_eq!(read_fee("0 đồng"), (FeeSchedule::Free, true));
    assert_eq!(
        read_fee("Lệ phí: 8.000 đồng"),
        (
            FeeSchedule::Fixed {
                amount: 8000,
                unit: "hồ sơ".into()
            },
            true
        )
    );
    assert_eq!(
        read_fee("10.000 đồng/trường hợp"),
        (
            FeeSchedule::Fixed {
                amount: 10000,
                unit: "trường hợp".into()
            },
            true
        )
    );
    assert_eq!(
        read_fee("Lệ phí: 8.000đ/bản sao trích lục"),
        (
            FeeSchedule::Fixed {
                amount: 8000,
                unit: "bản sao trích lục".into()
            },
            true
        )
    );
    assert_eq!(
        read_fee("Miễn lệ phí đăng ký khai sinh đúng hạn"),
        (FeeSchedule::FreeIfOnTime { late: None }, true)
    );
    assert_eq!(
        read_fee("Theo Nghị quyết của HĐND tỉnh"),
        (
            FeeSchedule::SetByProvince {
                amount: None,
                note: None
            },
            true
        )
    );
}

#[test]
fn the_certification_fee_per_page() {
    let (schedule, certain) = read_fee(
        "2.000 đồng/trang đối với trang thứ nhất, trang thứ hai; từ trang thứ ba trở lên thu 1.000 đồng/trang, nhưng mức thu tối đa không quá 200.000 đồng/bản",
    );
    assert!(certain);
    assert_eq!(schedule.per_page_amount(3), Some(5_000));
    assert_eq!(schedule.per_page_amount(500), Some(200_000));
}

#[test]
fn several_amounts_keep_the_first_unverified() {
    assert_eq!(
        read_fee("Lệ phí: 8.000 đồng; Phí: 5.000 đồng"),
        (
            FeeSchedule::Fixed {
                amount: 8000,
                unit: "hồ sơ".into()
            },
            false
        )
    );
}

#[test]
fn a_fee_without_amount_or_known_words_is_refused() {
    assert!(fee("Theo quy định hiện hành").is_err());
}

fn read_component(line: &str) -> (String, ComponentForm, u32, bool, bool) {
    let r = component(line);
    (
        r.value.name,
        r.value.form,
        r.value.count,
        r.value.mandatory,
        r.certain,
    )
}

#[test]
fn component_lines() {
    assert_eq!(
        read_component("- Tờ khai đăng ký khai sinh (bản chính, 01 bản)"),
        (
            "Tờ khai đăng ký khai sinh".into(),
            ComponentForm::Original,
            1,
            true,
            true
        )
    );
    assert_eq!(
        read_component("Giấy chứng sinh: Bản chính: 1 - Bản sao: 0"),
        (
            "Giấy chứng sinh".into(),
            ComponentForm::Original,
            1,
            true,
            true
        )
    );
    assert_eq!(
        read_component("Giấy tờ tùy thân (xuất trình bản chính để đối chiếu)"),
        (
            "Giấy tờ tùy thân".into(),
            ComponentForm::Present,
            1,
            true,
            true
        )
    );
    assert_eq!(
        read_component("b) Sổ hộ khẩu: 02 bản sao có chứng thực (nếu có)"),
        (
            "Sổ hộ khẩu".into(),
            ComponentForm::CertifiedCopy,
            2,
            false,
            true
        )
    );
    // Two forms offered: the first, to be checked.
    assert_eq!(
        read_component("Giấy tờ chứng minh nơi cư trú (bản chính hoặc bản sao có chứng thực)"),
        (
            "Giấy tờ chứng minh nơi cư trú".into(),
            ComponentForm::Original,
            1,
            true,
            false
        )
    );
    // No form named: an original, to be checked.
    assert_eq!(
        read_component("Văn bản ủy quyền"),
        (
            "Văn bản ủy quyền".into(),
            ComponentForm::Original,
            1,
            true,
            false
        )
    );
    // A name that starts with the form keeps it.
    assert_eq!(
        read_component("Bản sao Giấy khai sinh"),
        (
            "Bản sao Giấy khai sinh".into(),
            ComponentForm::Copy,
            1,
            true,
            true
        )
    );
}

proptest! {
    #[test]
    fn any_working_days_written_the_usual_ways_are_read(n in 1u32..=365, padded in any::<bool>()) {
        let written = if padded { format!("{n:02} ngày làm việc") } else { format!("{n} ngày làm việc") };
        prop_assert_eq!(time(&written), (days(n, None), true));
    }

    #[test]
    fn any_amount_with_thousands_dots_is_read(amount in 1u64..10_000_000) {
        let mut digits = amount.to_string();
        let mut grouped = String::new();
        while digits.len() > 3 {
            let tail = digits.split_off(digits.len() - 3);
            grouped = format!(".{tail}{grouped}");
        }
        let written = format!("Lệ phí: {digits}{grouped} đồng");
        prop_assert_eq!(
            read_fee(&written),
            (FeeSchedule::Fixed { amount, unit: "hồ sơ".into() }, true)
        );
    }

    #[test]
    fn free_text_never_panics(input in "\\PC{0,80}") {
        let _ = processing_time(&input);
        let _ = fee(&input);
        let _ = component(&input);
    }
}
