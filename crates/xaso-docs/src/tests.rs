//! The forms' text must come back out of the PDF as the same Vietnamese (checked with poppler's
//! `pdftotext`, which scripts/test installs; without it outside CI the check says it was skipped).

use std::io::Write;
use std::process::Command;

use crate::forms::{self, Issuer, Receipt, Slip, SlipLine};

fn pdftotext(pdf: &[u8]) -> Option<String> {
    let available = Command::new("pdftotext").arg("-v").output().is_ok();
    if !available {
        if std::env::var_os("CI").is_some() {
            panic!("pdftotext (poppler-utils) is missing under CI");
        }
        let _ = writeln!(
            std::io::stderr(),
            "\n*** SKIPPED text extraction: install poppler-utils ***"
        );
        return None;
    }
    let dir = std::env::temp_dir().join(format!("xaso-pdf-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join(format!("{}.pdf", pdf.len()));
    std::fs::write(&file, pdf).expect("write pdf");
    let out = Command::new("pdftotext")
        .args(["-enc", "UTF-8", "-layout"])
        .arg(&file)
        .arg("-")
        .output()
        .expect("pdftotext runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8(out.stdout).expect("UTF-8 text"))
}

fn issuer() -> Issuer {
    Issuer {
        parent: "UBND xã Minh Đức".into(),
        agency: "Trung tâm Phục vụ hành chính công".into(),
        place: "Minh Đức".into(),
    }
}

fn receipt() -> Receipt {
    Receipt {
        issuer: issuer(),
        code: "000.04.61.H19-260302-0001".into(),
        tracking_url: "http://127.0.0.1:8080/tra-cuu?ma=000.04.61.H19-260302-0001".into(),
        applicant: "Nguyễn Văn An".into(),
        address: "Ấp 3, xã Minh Đức, tỉnh Đồng Nai".into(),
        phone: "0912345678".into(),
        email: String::new(),
        id_number: "075201001234".into(),
        procedure: "Cấp Giấy xác nhận tình trạng hôn nhân".into(),
        components: vec![(
            "Tờ khai cấp Giấy xác nhận tình trạng hôn nhân".into(),
            "Bản chính".into(),
            1,
        )],
        processing_time: "03 ngày làm việc".into(),
        received: "09 giờ 00 phút, ngày 02/03/2026".into(),
        appointment: "09 giờ 00 phút, ngày 05/03/2026".into(),
        collect_at: "Bộ phận một cửa, Trung tâm Phục vụ hành chính công xã Minh Đức".into(),
        officer: "Nguyễn Thị Hương".into(),
        date_line: "ngày 02 tháng 3 năm 2026".into(),
    }
}

#[test]
fn the_receipt_reads_back_as_vietnamese() {
    let pdf = forms::receipt(&receipt());
    if let Some(path) = std::env::var_os("XASO_WRITE_PDF") {
        std::fs::write(path, &pdf).expect("write the sample");
    }
    assert!(pdf.starts_with(b"%PDF-1.7"));
    assert!(pdf.ends_with(b"%%EOF\n"));
    let Some(text) = pdftotext(&pdf) else { return };
    let words: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for expected in [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
        "Mã hồ sơ: 000.04.61.H19-260302-0001",
        "Nguyễn Văn An",
        "Ấp 3, xã Minh Đức, tỉnh Đồng Nai",
        "Cấp Giấy xác nhận tình trạng hôn nhân",
        "09 giờ 00 phút, ngày 05/03/2026",
        "Minh Đức, ngày 02 tháng 3 năm 2026",
        "NGƯỜI TIẾP NHẬN HỒ SƠ",
    ] {
        assert!(words.contains(expected), "missing “{expected}” in:\n{text}");
    }
}

#[test]
fn a_long_slip_flows_onto_more_pages() {
    let slip = Slip {
        issuer: issuer(),
        code: "000.04.61.H19-260302-0001".into(),
        applicant: "Trần Thị Bích".into(),
        procedure: "Đăng ký khai sinh".into(),
        received: "02/03/2026 09:00".into(),
        appointment: "05/03/2026 09:00".into(),
        lines: (0..30)
            .map(|i| SlipLine {
                unit: format!("Bước {i}: Thẩm định, đề xuất kết quả"),
                handed: "02/03/2026 10:00".into(),
                result: "Đúng hạn".into(),
                note: "Chuyển bước tiếp theo".into(),
            })
            .collect(),
        date_line: "ngày 02 tháng 3 năm 2026".into(),
    };
    let pdf = forms::control_slip(&slip);
    let text = String::from_utf8_lossy(&pdf);
    assert!(
        text.matches("/Type /Page ").count() >= 2,
        "30 steps need more than one page"
    );
    let Some(text) = pdftotext(&pdf) else { return };
    assert!(text.contains("PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ"));
    assert!(
        text.contains("Bước 29: Thẩm định, đề xuất kết quả"),
        "{text}"
    );
}

#[test]
fn notices_read_back() {
    let pdf = forms::notice(&forms::Notice {
        issuer: issuer(),
        code: "000.04.61.H19-260302-0002".into(),
        title: "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ".into(),
        addressee: "Ông/Bà Trần Thị Bích".into(),
        intro: "Đề nghị Ông/Bà bổ sung, hoàn thiện hồ sơ gồm những nội dung sau:".into(),
        items: vec![
            "Giấy tờ chứng minh nơi cư trú".into(),
            "Bản sao trích lục ly hôn".into(),
        ],
        closing: "Xin trân trọng cảm ơn!".into(),
        signer_title: "NGƯỜI HƯỚNG DẪN".into(),
        signer: "Nguyễn Thị Hương".into(),
        date_line: "ngày 02 tháng 3 năm 2026".into(),
    });
    let Some(text) = pdftotext(&pdf) else { return };
    let words: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for expected in [
        "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
        "Kính gửi: Ông/Bà Trần Thị Bích",
        "2. Bản sao trích lục ly hôn",
        "NGƯỜI HƯỚNG DẪN",
    ] {
        assert!(words.contains(expected), "missing “{expected}” in:\n{text}");
    }
}

#[test]
fn the_register_is_a_table_over_pages() {
    let rows = (0..40)
        .map(|i| forms::RegisterRow {
            code: format!("000.04.61.H19-260302-{:04}", i + 1),
            procedure: "Cấp Giấy xác nhận tình trạng hôn nhân".into(),
            applicant: "Nguyễn Văn An".into(),
            contact: "Ấp 3, xã Minh Đức; 0912345678".into(),
            handler: "UBND xã Minh Đức".into(),
            received: "02/03/2026 09:00".into(),
            appointment: "05/03/2026 09:00".into(),
            returned: String::new(),
            note: "Đang xử lý".into(),
        })
        .collect();
    let pdf = forms::register(&forms::Register {
        issuer: issuer(),
        period: "từ 01/03/2026 đến 31/03/2026".into(),
        rows,
        date_line: "ngày 31 tháng 3 năm 2026".into(),
    });
    if let Some(path) = std::env::var_os("XASO_WRITE_REGISTER") {
        std::fs::write(path, &pdf).expect("write the sample");
    }
    assert!(
        String::from_utf8_lossy(&pdf)
            .matches("/Type /Page ")
            .count()
            >= 2
    );
    let Some(text) = pdftotext(&pdf) else { return };
    assert!(text.contains("SỔ THEO DÕI HỒ SƠ"));
    assert!(text.contains("000.04.61.H19-260302-0040"), "{text}");
}

/// A CA, a leader's certificate and a signed document, for the validators.
fn signed_sample() -> (Vec<u8>, crate::pki::Certificate) {
    use crate::pki::{issue, name, Key};
    let now = chrono::Utc::now();
    let ca_key = Key::generate();
    let ca_name = name("CA UBND xã Minh Đức (thử nghiệm)", "UBND xã Minh Đức");
    let ca = issue(
        &ca_name,
        &ca_key,
        &ca_name,
        &ca_key,
        true,
        now - chrono::Duration::days(1),
        3650,
    );
    let leader_key = Key::generate();
    let leader = issue(
        &name("Lê Văn Đức", "UBND xã Minh Đức"),
        &leader_key,
        &ca_name,
        &ca_key,
        false,
        now - chrono::Duration::days(1),
        730,
    );
    let signer = crate::sign::Signer {
        key: &leader_key,
        certificate: &leader,
        chain: std::slice::from_ref(&ca),
        name: "Lê Văn Đức".into(),
    };
    (sign_sample(&signer), ca)
}

/// A one-page result signed by `signer`.
pub(crate) fn sign_sample(signer: &crate::sign::Signer<'_>) -> Vec<u8> {
    let mut document = crate::pdf::Document::new("Kết quả giải quyết");
    let page = document.add_page(crate::pdf::A5);
    document.text(
        page,
        40.0,
        500.0,
        12.0,
        crate::pdf::Style::Bold,
        "GIẤY XÁC NHẬN TÌNH TRẠNG HÔN NHÂN",
    );
    document.text(
        page,
        40.0,
        480.0,
        11.0,
        crate::pdf::Style::Regular,
        &format!("Ký số bởi: {}", signer.name),
    );
    crate::sign::sign(
        document,
        signer,
        "Phê duyệt kết quả giải quyết",
        chrono::Utc::now(),
    )
}

/// Runs a validator; `None` (after saying so) when it is not installed outside CI.
pub(crate) fn validator(program: &str, args: &[&str]) -> Option<(bool, String)> {
    match Command::new(program).args(args).output() {
        Ok(out) => Some((
            out.status.success(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        )),
        Err(_) if std::env::var_os("CI").is_some() => {
            panic!("{program} is missing under CI (scripts/test installs it)")
        }
        Err(_) => {
            let _ = writeln!(
                std::io::stderr(),
                "\n*** SKIPPED {program}: run ./scripts/test, which installs it ***"
            );
            None
        }
    }
}

#[test]
fn signatures_validate_and_tampering_breaks_them() {
    let (pdf, ca) = signed_sample();
    validators_accept_and_catch_tampering(&pdf, &ca.pem());
}

/// pdfsig and pyHanko (trusting `ca_pem`) both accept `pdf`, and both reject it with one byte changed.
pub(crate) fn validators_accept_and_catch_tampering(pdf: &[u8], ca_pem: &str) {
    assert!(String::from_utf8_lossy(pdf).contains("/SubFilter /ETSI.CAdES.detached"));
    let dir =
        std::env::temp_dir().join(format!("xaso-signed-{}-{}", std::process::id(), pdf.len()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let (signed, tampered, trust) = (
        dir.join("signed.pdf"),
        dir.join("tampered.pdf"),
        dir.join("ca.pem"),
    );
    std::fs::write(&signed, pdf).expect("write");
    std::fs::write(&trust, ca_pem).expect("write");
    // One byte of the signed content changed (in the document information, inside the ranges).
    let mut changed = pdf.to_vec();
    let at = changed
        .windows(16)
        .position(|w| w == b"/Producer (xaso)")
        .expect("producer")
        + 11;
    changed[at] = b'X';
    std::fs::write(&tampered, &changed).expect("write");
    let path = |p: &std::path::Path| p.display().to_string();

    if let Some((_, report)) = validator("pdfsig", &[&path(&signed)]) {
        assert!(
            report.contains("Signature Validation: Signature is Valid."),
            "{report}"
        );
        assert!(report.contains("Total document signed"), "{report}");
        let (_, broken) = validator("pdfsig", &[&path(&tampered)]).expect("pdfsig");
        assert!(broken.contains("Digest Mismatch"), "{broken}");
    }
    let pyhanko = std::env::var("XASO_PYHANKO").unwrap_or_else(|_| "pyhanko".into());
    if let Some((ok, report)) = validator(
        &pyhanko,
        &[
            "sign",
            "validate",
            "--trust",
            &path(&trust),
            "--trust-replace",
            &path(&signed),
        ],
    ) {
        assert!(
            ok && report.contains(":INTACT:TRUSTED,UNTOUCHED"),
            "{report}"
        );
        let (ok, broken) = validator(
            &pyhanko,
            &[
                "sign",
                "validate",
                "--trust",
                &path(&trust),
                "--trust-replace",
                &path(&tampered),
            ],
        )
        .expect("pyhanko");
        assert!(!ok && broken.contains(":INVALID"), "{broken}");
    }
    std::fs::remove_dir_all(dir).expect("clean up");
}

#[test]
fn our_own_verifier_agrees_with_the_validators() {
    let (pdf, ca) = signed_sample();
    let checked = crate::verify::verify(&pdf, std::slice::from_ref(&ca.der)).expect("signed");
    assert!(
        checked.intact && checked.whole_document && checked.trusted,
        "{checked:?}"
    );
    assert_eq!(checked.signer, "Lê Văn Đức");
    assert_eq!(checked.issuer, "CA UBND xã Minh Đức (thử nghiệm)");
    let facts = |der: &[u8]| crate::verify::certificate_facts(der).expect("facts");
    assert!(facts(&checked.signer_certificate).may_sign);
    assert!(
        !facts(&ca.der).may_sign,
        "a CA certificate signs certificates, not documents"
    );
    let signed_at = checked.signing_time.expect("signing time");
    assert!(
        (chrono::Utc::now() - signed_at).num_seconds().abs() < 60,
        "{signed_at}"
    );
    assert!(
        crate::verify::verify(&pdf, std::slice::from_ref(&checked.signer_certificate))
            .map(|c| !c.trusted)
            .unwrap_or(false),
        "the signer's own certificate is not a CA for itself"
    );
    // A changed byte breaks integrity; another CA is not trusted; no signature is an error.
    let mut changed = pdf.clone();
    let at = changed
        .windows(16)
        .position(|w| w == b"/Producer (xaso)")
        .expect("producer")
        + 11;
    changed[at] = b'X';
    assert!(
        !crate::verify::verify(&changed, std::slice::from_ref(&ca.der))
            .expect("signed")
            .intact
    );
    let (_, other_ca) = signed_sample();
    assert!(
        !crate::verify::verify(&pdf, &[other_ca.der])
            .expect("signed")
            .trusted
    );
    assert_eq!(
        crate::verify::verify(b"%PDF-1.7\n%%EOF", &[ca.der]),
        Err(crate::verify::VerifyError::NoSignature)
    );
}

#[test]
fn pem_reads_back_what_it_writes() {
    let (_, ca) = signed_sample();
    let (_, other) = signed_sample();
    let both = format!("{}{}", ca.pem(), other.pem());
    assert_eq!(
        crate::pki::certificates_in_pem(&both),
        Some(vec![ca.der.clone(), other.der.clone()])
    );
    assert_eq!(
        crate::pki::certificates_in_pem("no certificate"),
        Some(vec![])
    );
    assert_eq!(
        crate::pki::certificates_in_pem(
            "-----BEGIN CERTIFICATE-----\n!!\n-----END CERTIFICATE-----"
        ),
        None
    );
}

#[test]
fn the_verifier_never_panics_on_damaged_files() {
    let (pdf, ca) = signed_sample();
    let trusted = [ca.der];
    let signature_at = pdf
        .windows(12)
        .position(|w| w == b"/ByteRange [")
        .expect("signed");
    // Truncations, and each byte of the ByteRange, Contents and the start of the CMS replaced.
    for cut in (0..pdf.len()).step_by(9973) {
        let _ = crate::verify::verify(&pdf[..cut], &trusted);
    }
    let contents_at = pdf
        .windows(11)
        .position(|w| w == b"/Contents <")
        .expect("contents");
    let positions = (signature_at..signature_at + 60).chain(contents_at..contents_at + 240);
    for at in positions.filter(|&at| at < pdf.len()) {
        for value in [b'9', b']'] {
            let mut damaged = pdf.clone();
            damaged[at] = value;
            let _ = crate::verify::verify(&damaged, &trusted);
        }
    }
}

/// A scanned page: a grey PNG with a dark band, as a phone or counter scanner makes.
pub(crate) fn scan_png(width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().expect("header");
    let samples: Vec<u8> = (0..width * height)
        .map(|i| if (i / width) % 40 < 4 { 30 } else { 235 })
        .collect();
    writer.write_image_data(&samples).expect("data");
    drop(writer);
    out
}

#[test]
fn a_certified_copy_holds_the_scans_then_the_statement_under_one_signature() {
    use crate::pki::{issue, name, Key};
    let scans = vec![
        crate::image::read(&scan_png(620, 877)).expect("page 1"),
        crate::image::read(&scan_png(877, 620)).expect("page 2, landscape"),
    ];
    let data = forms::CertifiedCopy {
        issuer: Issuer {
            parent: String::new(),
            agency: "UBND xã Minh Đức".into(),
            place: "Minh Đức".into(),
        },
        document: "Giấy khai sinh số 125/2010 của Trần Thị Bình".into(),
        scans,
        copies: 3,
        number: "Số chứng thực 07, quyển số 01/2026-SCT/BS".into(),
        date_line: "ngày 26 tháng 11 năm 2026".into(),
        signer: "Lê Văn Đức".into(),
        signer_title: "Người thực hiện chứng thực".into(),
        signed_at: "09:30 ngày 26/11/2026".into(),
        verification_url: "http://localhost/xac-thuc/chung-thuc/0193".into(),
    };
    let key = Key::generate();
    let subject = name("Lê Văn Đức", "UBND xã Minh Đức");
    let now = chrono::Utc::now();
    let certificate = issue(&subject, &key, &subject, &key, false, now, 30);
    let signer = crate::sign::Signer {
        key: &key,
        certificate: &certificate,
        chain: &[],
        name: "Lê Văn Đức".into(),
    };
    let pdf = crate::sign::sign(
        forms::certified_copy(&data),
        &signer,
        "Chứng thực bản sao từ bản chính",
        now,
    );
    let checked =
        crate::verify::verify(&pdf, std::slice::from_ref(&certificate.der)).expect("signed");
    assert!(checked.intact && checked.whole_document, "{checked:?}");
    let raw = String::from_utf8_lossy(&pdf);
    assert_eq!(
        raw.matches("/Type /Page ").count(),
        3,
        "two scans and the statement"
    );
    assert_eq!(raw.matches("/Subtype /Image").count(), 2);
    let Some(text) = pdftotext(&pdf) else { return };
    let statement_at = text
        .find("Chứng thực bản sao đúng với bản chính.")
        .expect(&text);
    assert!(
        text.find("trang 2/2").expect("footer") < statement_at,
        "{text}"
    );
    for expected in [
        "Số chứng thực 07, quyển số 01/2026-SCT/BS",
        "Giấy khai sinh số 125/2010 của Trần Thị Bình",
        "Số bản sao được chứng thực: 3",
        "NGƯỜI THỰC HIỆN CHỨNG THỰC",
        "Minh Đức, ngày 26 tháng 11 năm 2026",
    ] {
        assert!(text.contains(expected), "{expected}: {text}");
    }
    if std::env::var_os("XASO_KEEP_PDF").is_some() {
        std::fs::write("/tmp/certified-copy.pdf", &pdf).expect("write");
    }
}

/// A quarter's plan report as long as a real one: every target of the seed plan's size, the
/// seven areas, many late tasks and two inspections.
fn plan_report() -> crate::plan::PlanReport {
    let targets = (0..30)
        .map(|i| {
            let text = if i == 0 {
                "Tỷ lệ hồ sơ giải quyết đúng hạn".to_string()
            } else {
                format!(
                    "Chỉ tiêu {i}: 100% thủ tục hành chính đủ điều kiện được cung cấp dịch vụ \
                     công trực tuyến toàn trình, tích hợp trên Cổng Dịch vụ công quốc gia"
                )
            };
            [text, "98 %".into(), "97,5%".into(), "Chưa đạt".into()]
        })
        .collect();
    let areas = xaso_domain::plan::appendix::STANDARD_AREAS
        .iter()
        .enumerate()
        .map(|(i, name)| {
            [
                format!("{}. {name}", i + 1),
                "12".into(),
                "5".into(),
                "4".into(),
                "3".into(),
                "2".into(),
            ]
        })
        .collect();
    let late = (0..20)
        .map(|i| {
            [
                format!("2.{}", i + 1),
                format!(
                    "Rà soát, đơn giản hóa thủ tục hành chính thuộc thẩm quyền giải quyết của \
                     Ủy ban nhân dân xã, đợt {}",
                    i + 1
                ),
                "Văn phòng HĐND-UBND".into(),
                "Quá hạn; thiếu báo cáo quý III".into(),
            ]
        })
        .collect();
    crate::plan::PlanReport {
        agency: "UBND xã Minh Đức".into(),
        place: "Minh Đức".into(),
        date_line: "ngày 10 tháng 10 năm 2025".into(),
        period: "quý III năm 2025".into(),
        plan: "Kế hoạch số 09/KH-UBND ngày 25/7/2025".into(),
        targets,
        areas,
        late,
        inspections: "Trong kỳ, UBND xã kiểm tra công tác cải cách hành chính tại 2 đơn vị.".into(),
        inspection_rows: vec![
            [
                "Trung tâm Phục vụ hành chính công".into(),
                "15/8/2025".into(),
                "Trực tiếp".into(),
                "3".into(),
                "2".into(),
            ],
            [
                "Trường Mầm non Hoa Sen".into(),
                "22/9/2025".into(),
                "Qua môi trường số".into(),
                "1".into(),
                "1".into(),
            ],
        ],
    }
}

/// Every word pdftotext finds lies inside the page's margins: no cell text runs off the page.
fn words_inside_margins(pdf: &[u8]) {
    let dir = std::env::temp_dir().join(format!("xaso-bbox-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("report.pdf");
    std::fs::write(&file, pdf).expect("write pdf");
    let out = Command::new("pdftotext")
        .args(["-enc", "UTF-8", "-bbox"])
        .arg(&file)
        .arg("-")
        .output()
        .expect("pdftotext runs");
    std::fs::remove_dir_all(dir).expect("clean up");
    let html = String::from_utf8(out.stdout).expect("UTF-8");
    let attribute = |word: &str, name: &str| -> f32 {
        let at = word.find(&format!("{name}=\"")).expect(name) + name.len() + 2;
        word[at..]
            .split('"')
            .next()
            .expect("value")
            .parse()
            .expect("number")
    };
    let (left, right) = (
        15.0 * crate::pdf::MM,
        crate::pdf::A4.0 - 12.0 * crate::pdf::MM,
    );
    let words: Vec<&str> = html.split("<word ").skip(1).collect();
    assert!(words.len() > 500, "{html}");
    for word in words {
        assert!(
            attribute(word, "xMin") >= left - 0.5 && attribute(word, "xMax") <= right + 0.5,
            "outside the margins: {word}"
        );
    }
}

#[test]
fn the_plan_report_as_pdf_runs_over_pages_with_every_table() {
    let data = plan_report();
    let pdf = crate::plan::plan_report_pdf(&data);
    if let Some(path) = std::env::var_os("XASO_WRITE_PLAN_REPORT") {
        std::fs::write(path, &pdf).expect("write the sample");
    }
    let pages = String::from_utf8_lossy(&pdf)
        .matches("/Type /Page ")
        .count();
    assert!(pages >= 2, "{pages} page(s)");
    let Some(text) = pdftotext(&pdf) else { return };
    let words: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for expected in [
        "UBND XÃ MINH ĐỨC",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Số: /BC-UBND",
        "Minh Đức, ngày 10 tháng 10 năm 2025",
        "BÁO CÁO",
        "Kết quả thực hiện công tác cải cách hành chính quý III năm 2025",
        "Thực hiện Kế hoạch số 09/KH-UBND ngày 25/7/2025, UBND xã Minh Đức báo cáo",
        "Tỷ lệ hồ sơ giải quyết đúng hạn 98 % 97,5% Chưa đạt",
        "2. Tiến độ thực hiện nhiệm vụ theo lĩnh vực",
        "Văn phòng HĐND-UBND",
        "4. Công tác kiểm tra cải cách hành chính",
        "Trung tâm Phục vụ hành chính công 15/8/2025 Trực tiếp 3 2",
        "Trường Mầm non Hoa Sen 22/9/2025 Qua môi trường số 1 1",
        "IV. KIẾN NGHỊ, ĐỀ XUẤT [Đơn vị bổ sung nội dung]",
        "TM. ỦY BAN NHÂN DÂN",
        "CHỦ TỊCH",
    ] {
        assert!(words.contains(expected), "missing “{expected}” in:\n{text}");
    }
    // The same order as the Word draft: the sections, then the signature last.
    let order: Vec<usize> = [
        "I. KẾT QUẢ THỰC HIỆN",
        "3. Nhiệm vụ chậm tiến độ",
        "Trường Mầm non Hoa Sen",
        "II. ĐÁNH GIÁ CHUNG",
        "III. PHƯƠNG HƯỚNG",
        "CHỦ TỊCH",
    ]
    .iter()
    .map(|part| words.find(part).expect(part))
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");
    // The late tasks' long activities wrap inside their column: the 20th is all there.
    assert!(words.contains("2.20"), "{text}");
    words_inside_margins(&pdf);
}

#[test]
fn the_plan_report_says_when_no_task_is_late() {
    let data = crate::plan::PlanReport {
        late: Vec::new(),
        inspection_rows: Vec::new(),
        ..plan_report()
    };
    let Some(text) = pdftotext(&crate::plan::plan_report_pdf(&data)) else {
        return;
    };
    let words: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        words.contains("Không có nhiệm vụ chậm tiến độ hoặc thiếu báo cáo."),
        "{text}"
    );
    assert!(!words.contains("Đơn vị được kiểm tra"), "{text}");
}

/// The Word draft's text, from its document part.
fn docx_text(docx: &[u8]) -> String {
    use std::io::Read;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(docx)).expect("a zip");
    let mut xml = String::new();
    archive
        .by_name("word/document.xml")
        .expect("document part")
        .read_to_string(&mut xml)
        .expect("UTF-8");
    xml
}

#[test]
fn the_word_draft_holds_the_inspection_table() {
    let xml = docx_text(&crate::plan::plan_report_docx(&plan_report()).expect("docx"));
    // Four tables: targets, areas, late tasks, inspections — the last after its paragraph.
    assert_eq!(xml.matches("<w:tbl>").count(), 4);
    let paragraph = xml
        .find("kiểm tra công tác cải cách hành chính tại 2 đơn vị")
        .expect("paragraph");
    let last_table = xml.rfind("<w:tbl>").expect("table");
    assert!(paragraph < last_table);
    for expected in [
        "Đơn vị được kiểm tra",
        "Ngày kiểm tra",
        "Hình thức",
        "Tồn tại, hạn chế",
        "Đã khắc phục",
        "Trường Mầm non Hoa Sen",
        "Qua môi trường số",
    ] {
        let at = xml.find(expected).expect(expected);
        assert!(at > last_table, "{expected} outside the inspection table");
    }
    let without = crate::plan::PlanReport {
        inspection_rows: Vec::new(),
        ..plan_report()
    };
    let xml = docx_text(&crate::plan::plan_report_docx(&without).expect("docx"));
    assert_eq!(xml.matches("<w:tbl>").count(), 3);
    assert!(!xml.contains("Đơn vị được kiểm tra"));
}
