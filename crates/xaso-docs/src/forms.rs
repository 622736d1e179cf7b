//! The one-stop forms of TT 01/2018 as PDF, laid out after NĐ 30/2020/NĐ-CP: the agency and
//! national-motto blocks, number, place and date, a centred title, then the body.

use crate::pdf::{Document, Style, A4, A5, MM};

/// The header of every form: who issues it and where.
#[derive(Debug, Clone, Default)]
pub struct Issuer {
    /// "UBND XÃ MINH ĐỨC"
    pub parent: String,
    /// "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG"
    pub agency: String,
    /// "Minh Đức"
    pub place: String,
}

/// Form 01: receipt and appointment.
#[derive(Debug, Clone, Default)]
pub struct Receipt {
    pub issuer: Issuer,
    pub code: String,
    pub tracking_url: String,
    pub applicant: String,
    pub address: String,
    pub phone: String,
    pub email: String,
    pub id_number: String,
    pub procedure: String,
    /// (name, how provided, count)
    pub components: Vec<(String, String, u32)>,
    pub processing_time: String,
    /// "09 giờ 15 phút, ngày 02/03/2026"
    pub received: String,
    pub appointment: String,
    pub collect_at: String,
    pub officer: String,
    /// "ngày 02 tháng 3 năm 2026"
    pub date_line: String,
}

/// One step of form 05, the process-control slip.
#[derive(Debug, Clone, Default)]
pub struct SlipLine {
    pub unit: String,
    pub handed: String,
    pub result: String,
    pub note: String,
}

#[derive(Debug, Clone, Default)]
pub struct Slip {
    pub issuer: Issuer,
    pub code: String,
    pub applicant: String,
    pub procedure: String,
    pub received: String,
    pub appointment: String,
    pub lines: Vec<SlipLine>,
    pub date_line: String,
}

/// Draws top-down on one page, wrapping text to the margins.
pub(crate) struct Writer {
    doc: Document,
    page: usize,
    pub(crate) y: f32,
    left: f32,
    right: f32,
    size: (f32, f32),
}

impl Writer {
    fn new(title: &str, size: (f32, f32)) -> Writer {
        let mut doc = Document::new(title);
        let page = doc.add_page(size);
        Writer {
            doc,
            page,
            y: size.1 - 12.0 * MM,
            left: 15.0 * MM,
            right: size.0 - 12.0 * MM,
            size,
        }
    }

    fn width(&self) -> f32 {
        self.right - self.left
    }

    fn ensure(&mut self, height: f32) {
        if self.y - height < 15.0 * MM {
            self.page = self.doc.add_page(self.size);
            self.y = self.size.1 - 15.0 * MM;
        }
    }

    pub(crate) fn paragraph(&mut self, text: &str, size: f32, style: Style) {
        for line in self.doc.wrap(text, size, style, self.width()) {
            self.ensure(size * 1.35);
            self.doc
                .text(self.page, self.left, self.y, size, style, &line);
            self.y -= size * 1.35;
        }
    }

    /// "Label: value" with the label in bold.
    pub(crate) fn field(&mut self, label: &str, value: &str, size: f32) {
        let label = format!("{label}: ");
        let label_width = self.doc.width(&label, size, Style::Bold);
        let lines = self
            .doc
            .wrap(value, size, Style::Regular, self.width() - label_width);
        self.ensure(size * 1.35);
        self.doc
            .text(self.page, self.left, self.y, size, Style::Bold, &label);
        if lines.is_empty() {
            self.y -= size * 1.35;
        }
        for (i, line) in lines.iter().enumerate() {
            if i > 0 {
                self.ensure(size * 1.35);
            }
            self.doc.text(
                self.page,
                self.left + label_width,
                self.y,
                size,
                Style::Regular,
                line,
            );
            self.y -= size * 1.35;
        }
    }

    pub(crate) fn centred(&mut self, text: &str, size: f32, style: Style) {
        for line in self.doc.wrap(text, size, style, self.width()) {
            self.ensure(size * 1.4);
            let centre = (self.left + self.right) / 2.0;
            self.doc
                .text_centred(self.page, centre, self.y, size, style, &line);
            self.y -= size * 1.4;
        }
    }

    /// The NĐ 30/2020 heading: agency on the left, national motto on the right, then place and date.
    pub(crate) fn heading(&mut self, issuer: &Issuer, number: &str, date_line: &str) {
        let top = self.y;
        let half = self.width() * 0.44;
        let left_centre = self.left + half / 2.0;
        let right_centre = self.left + half + (self.width() - half) / 2.0;
        let (page, doc) = (self.page, &mut self.doc);
        // The agency block wraps inside its column; the line under it is a third of its width.
        let mut left_y = top;
        for line in doc.wrap(&issuer.parent.to_uppercase(), 9.5, Style::Regular, half) {
            doc.text_centred(page, left_centre, left_y, 9.5, Style::Regular, &line);
            left_y -= 11.5;
        }
        let mut widest: f32 = 0.0;
        for line in doc.wrap(&issuer.agency.to_uppercase(), 9.5, Style::Bold, half) {
            widest = widest.max(doc.width(&line, 9.5, Style::Bold));
            doc.text_centred(page, left_centre, left_y, 9.5, Style::Bold, &line);
            left_y -= 11.5;
        }
        let rule = widest / 3.0;
        doc.line(
            page,
            (left_centre - rule / 2.0, left_y + 8.0),
            (left_centre + rule / 2.0, left_y + 8.0),
            0.5,
        );
        doc.text_centred(
            page,
            right_centre,
            top,
            9.5,
            Style::Bold,
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        );
        doc.text_centred(
            page,
            right_centre,
            top - 11.5,
            10.0,
            Style::Bold,
            "Độc lập - Tự do - Hạnh phúc",
        );
        let motto_width = doc.width("Độc lập - Tự do - Hạnh phúc", 10.0, Style::Bold);
        doc.line(
            page,
            (right_centre - motto_width / 2.0, top - 14.5),
            (right_centre + motto_width / 2.0, top - 14.5),
            0.5,
        );
        let below = left_y.min(top - 23.0) - 6.0;
        if !number.is_empty() {
            doc.text_centred(page, left_centre, below, 9.0, Style::Regular, number);
        }
        let place_date = format!("{}, {date_line}", issuer.place);
        doc.text_centred(page, right_centre, below, 9.5, Style::Regular, &place_date);
        self.y = below - 20.0;
    }

    pub(crate) fn finish(self) -> Vec<u8> {
        self.doc.finish()
    }

    /// The signer's block in the right half, kept on one page: the titles in bold one under the
    /// other, the note under them ("(Ký và ghi rõ họ tên)"), and room to sign above the name
    /// (left blank when who signs is not known when the document is drafted).
    pub(crate) fn signature_block(
        &mut self,
        titles: &[&str],
        size: f32,
        note: Option<&str>,
        name: &str,
    ) {
        let step = size + 1.5;
        let lines = titles.len() + usize::from(note.is_some());
        self.ensure(lines as f32 * step + 45.0);
        self.y -= 10.0;
        let centre = self.right - self.width() / 4.0;
        let page = self.page;
        let mut y = self.y;
        for title in titles {
            self.doc
                .text_centred(page, centre, y, size, Style::Bold, title);
            y -= step;
        }
        if let Some(note) = note {
            self.doc
                .text_centred(page, centre, y, 9.0, Style::Regular, note);
            y -= step;
        }
        // The signature goes in the space above the name.
        let name_y = y + step - 40.0;
        if !name.is_empty() {
            self.doc
                .text_centred(page, centre, name_y, size, Style::Regular, name);
        }
        self.y = name_y - size * 1.35;
    }

    /// A ruled table across the page: a bold header row, then `rows`, cells wrapped to their
    /// column (`shares` of the width); rows move to a new page whole.
    pub(crate) fn table(&mut self, headers: &[&str], shares: &[f32], rows: &[Vec<String>]) {
        let w = self;
        let widths: Vec<f32> = shares.iter().map(|s| s * w.width()).collect();
        let size = 8.0;
        let mut table: Vec<(Vec<String>, Style)> =
            vec![(headers.iter().map(|h| h.to_string()).collect(), Style::Bold)];
        table.extend(rows.iter().map(|r| (r.clone(), Style::Regular)));
        for (cells, style) in table {
            let wrapped: Vec<Vec<String>> = cells
                .iter()
                .zip(&widths)
                .map(|(cell, width)| w.doc.wrap(cell, size, style, width - 4.0))
                .collect();
            let lines = wrapped.iter().map(Vec::len).max().unwrap_or(1).max(1);
            let height = lines as f32 * size * 1.25 + 4.0;
            w.ensure(height);
            let top = w.y + size;
            let mut x = w.left;
            for (column, width) in wrapped.iter().zip(&widths) {
                for (k, line) in column.iter().enumerate() {
                    w.doc.text(
                        w.page,
                        x + 2.0,
                        top - 2.0 - size - k as f32 * size * 1.25,
                        size,
                        style,
                        line,
                    );
                }
                x += width;
            }
            let bottom = top - height;
            let (page, left, right) = (w.page, w.left, w.right);
            w.doc.line(page, (left, top), (right, top), 0.4);
            w.doc.line(page, (left, bottom), (right, bottom), 0.4);
            let mut x = left;
            w.doc.line(page, (x, top), (x, bottom), 0.4);
            for width in &widths {
                x += width;
                w.doc.line(page, (x, top), (x, bottom), 0.4);
            }
            w.y = bottom - size;
        }
    }

    fn into_document(self) -> Document {
        self.doc
    }
}

/// A writer for a new document of `size`, for the other document modules.
pub(crate) fn writer(title: &str, size: (f32, f32)) -> Writer {
    Writer::new(title, size)
}

/// Form 01 — Giấy tiếp nhận hồ sơ và hẹn trả kết quả (A5), with a QR code to the tracking page.
pub fn receipt(data: &Receipt) -> Vec<u8> {
    let mut w = Writer::new(&format!("Giấy tiếp nhận hồ sơ {}", data.code), A5);
    w.heading(
        &data.issuer,
        &format!("Mã hồ sơ: {}", data.code),
        &data.date_line,
    );
    w.centred("GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", 12.0, Style::Bold);
    let qr_size = 22.0 * MM;
    let qr_top = w.y;
    w.doc.qr(
        w.page,
        w.right - qr_size,
        qr_top,
        qr_size,
        &data.tracking_url,
    );
    let body_right = w.right;
    w.right -= qr_size + 3.0 * MM;
    w.y -= 4.0;
    w.paragraph(
        &format!("{} tiếp nhận hồ sơ của:", data.issuer.agency),
        10.0,
        Style::Regular,
    );
    w.field("Ông/Bà", &data.applicant, 10.0);
    if !data.id_number.is_empty() {
        w.field("Số định danh cá nhân", &data.id_number, 10.0);
    }
    w.field("Địa chỉ", &data.address, 10.0);
    w.right = body_right;
    w.y = w.y.min(qr_top - qr_size - 4.0);
    w.field("Số điện thoại", &data.phone, 10.0);
    if !data.email.is_empty() {
        w.field("Thư điện tử", &data.email, 10.0);
    }
    w.field("Nội dung yêu cầu giải quyết", &data.procedure, 10.0);
    w.paragraph("Thành phần hồ sơ nộp gồm:", 10.0, Style::Bold);
    for (i, (name, form, count)) in data.components.iter().enumerate() {
        w.paragraph(
            &format!("{}. {name} — {form}; số lượng: {count:02}", i + 1),
            10.0,
            Style::Regular,
        );
    }
    w.field(
        "Thời gian giải quyết hồ sơ theo quy định",
        &data.processing_time,
        10.0,
    );
    w.field("Thời gian nhận hồ sơ", &data.received, 10.0);
    w.field(
        "Thời gian trả kết quả giải quyết hồ sơ",
        &data.appointment,
        10.0,
    );
    w.field("Nhận kết quả tại", &data.collect_at, 10.0);
    w.paragraph(
        &format!("Tra cứu tình trạng hồ sơ: {}", data.tracking_url),
        9.0,
        Style::Regular,
    );
    w.ensure(60.0);
    w.y -= 8.0;
    let third = w.width() / 4.0;
    let (left, right) = (w.left + third, w.right - third);
    let (page, y) = (w.page, w.y);
    w.doc
        .text_centred(page, left, y, 10.0, Style::Bold, "NGƯỜI NỘP HỒ SƠ");
    w.doc
        .text_centred(page, right, y, 10.0, Style::Bold, "NGƯỜI TIẾP NHẬN HỒ SƠ");
    w.doc.text_centred(
        page,
        left,
        y - 12.0,
        9.0,
        Style::Regular,
        "(Ký và ghi rõ họ tên)",
    );
    w.doc.text_centred(
        page,
        right,
        y - 12.0,
        9.0,
        Style::Regular,
        "(Ký và ghi rõ họ tên)",
    );
    w.doc
        .text_centred(page, left, y - 52.0, 10.0, Style::Regular, &data.applicant);
    w.doc
        .text_centred(page, right, y - 52.0, 10.0, Style::Regular, &data.officer);
    w.finish()
}

/// Form 05 — Phiếu kiểm soát quá trình giải quyết hồ sơ (A4).
pub fn control_slip(data: &Slip) -> Vec<u8> {
    let mut w = Writer::new(&format!("Phiếu kiểm soát hồ sơ {}", data.code), A4);
    w.heading(
        &data.issuer,
        &format!("Mã hồ sơ: {}", data.code),
        &data.date_line,
    );
    w.centred(
        "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ",
        13.0,
        Style::Bold,
    );
    w.y -= 4.0;
    w.field("Thủ tục", &data.procedure, 11.0);
    w.field("Người nộp", &data.applicant, 11.0);
    w.field("Thời gian nhận hồ sơ", &data.received, 11.0);
    w.field("Thời gian hẹn trả kết quả", &data.appointment, 11.0);
    w.y -= 6.0;
    for (i, line) in data.lines.iter().enumerate() {
        w.ensure(60.0);
        w.paragraph(&format!("{}. {}", i + 1, line.unit), 11.0, Style::Bold);
        w.field("Thời gian giao, nhận", &line.handed, 11.0);
        if !line.result.is_empty() {
            w.field("Kết quả giải quyết", &line.result, 11.0);
        }
        w.field("Ghi chú", &line.note, 11.0);
        let y = w.y + 4.0;
        let (page, left, right) = (w.page, w.left, w.right);
        w.doc.line(page, (left, y), (right, y), 0.3);
        w.y -= 4.0;
    }
    w.finish()
}

/// Forms 02, 03 and 04: a notice to the applicant with a list of points (items to supplement,
/// reasons for refusal or delay), on A5.
#[derive(Debug, Clone, Default)]
pub struct Notice {
    pub issuer: Issuer,
    pub code: String,
    pub title: String,
    pub addressee: String,
    pub intro: String,
    pub items: Vec<String>,
    pub closing: String,
    pub signer_title: String,
    pub signer: String,
    pub date_line: String,
}

pub fn notice(data: &Notice) -> Vec<u8> {
    let mut w = Writer::new(&format!("{} {}", data.title, data.code), A5);
    w.heading(
        &data.issuer,
        &format!("Mã hồ sơ: {}", data.code),
        &data.date_line,
    );
    w.centred(&data.title, 12.0, Style::Bold);
    w.y -= 4.0;
    w.centred(
        &format!("Kính gửi: {}", data.addressee),
        10.5,
        Style::Regular,
    );
    w.y -= 2.0;
    w.paragraph(&data.intro, 10.5, Style::Regular);
    for (i, item) in data.items.iter().enumerate() {
        w.paragraph(&format!("{}. {item}", i + 1), 10.5, Style::Regular);
    }
    w.paragraph(&data.closing, 10.5, Style::Regular);
    w.signature_block(
        &[&data.signer_title],
        10.5,
        Some("(Ký và ghi rõ họ tên)"),
        &data.signer,
    );
    w.finish()
}

/// A4 landscape.
const A4_LANDSCAPE: (f32, f32) = (A4.1, A4.0);

/// Form 06 — Sổ theo dõi hồ sơ: one row per dossier.
#[derive(Debug, Clone, Default)]
pub struct Register {
    pub issuer: Issuer,
    /// "từ 01/03/2026 đến 31/03/2026"
    pub period: String,
    pub rows: Vec<RegisterRow>,
    pub date_line: String,
}

#[derive(Debug, Clone, Default)]
pub struct RegisterRow {
    pub code: String,
    pub procedure: String,
    pub applicant: String,
    pub contact: String,
    pub handler: String,
    pub received: String,
    pub appointment: String,
    pub returned: String,
    pub note: String,
}

pub fn register(data: &Register) -> Vec<u8> {
    let mut w = Writer::new("Sổ theo dõi hồ sơ", A4_LANDSCAPE);
    w.heading(&data.issuer, "", &data.date_line);
    w.centred("SỔ THEO DÕI HỒ SƠ", 13.0, Style::Bold);
    w.centred(&data.period, 10.5, Style::Regular);
    w.y -= 4.0;
    let headers = [
        "STT",
        "Mã hồ sơ",
        "Tên thủ tục hành chính",
        "Cá nhân, tổ chức",
        "Địa chỉ, điện thoại",
        "Cơ quan giải quyết",
        "Nhận hồ sơ",
        "Hẹn trả",
        "Trả kết quả",
        "Ghi chú",
    ];
    let shares = [0.04, 0.13, 0.17, 0.11, 0.12, 0.09, 0.08, 0.08, 0.08, 0.10];
    let rows: Vec<Vec<String>> = data
        .rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            vec![
                (i + 1).to_string(),
                r.code.clone(),
                r.procedure.clone(),
                r.applicant.clone(),
                r.contact.clone(),
                r.handler.clone(),
                r.received.clone(),
                r.appointment.clone(),
                r.returned.clone(),
                r.note.clone(),
            ]
        })
        .collect();
    w.table(&headers, &shares, &rows);
    w.finish()
}

/// A certification register (NĐ 23/2015, TT 01/2020), e.g. "Sổ chứng thực bản sao từ bản chính".
#[derive(Debug, Clone, Default)]
pub struct CertificationRegister {
    pub issuer: Issuer,
    /// "SỔ CHỨNG THỰC BẢN SAO TỪ BẢN CHÍNH"
    pub title: String,
    /// "Quyển số 01/2026-SCT/BS"
    pub book: String,
    pub rows: Vec<CertificationRow>,
    pub date_line: String,
}

#[derive(Debug, Clone, Default)]
pub struct CertificationRow {
    /// The sequence, "07"
    pub number: String,
    pub date: String,
    pub requester: String,
    pub document: String,
    pub pages: String,
    pub copies: String,
    pub signer: String,
    pub fee: String,
    pub note: String,
}

/// The register as printed for binding or inspection, A4 landscape.
pub fn certification_register(data: &CertificationRegister) -> Vec<u8> {
    let mut w = Writer::new(&data.title, A4_LANDSCAPE);
    w.heading(&data.issuer, "", &data.date_line);
    w.centred(&data.title.to_uppercase(), 13.0, Style::Bold);
    w.centred(&data.book, 10.5, Style::Regular);
    w.y -= 4.0;
    let headers = [
        "Số chứng thực",
        "Ngày, tháng, năm chứng thực",
        "Họ tên người yêu cầu chứng thực",
        "Tên của bản chính giấy tờ, văn bản",
        "Số trang",
        "Số bản sao đã chứng thực",
        "Họ tên, chức danh người ký chứng thực",
        "Phí chứng thực",
        "Ghi chú",
    ];
    let shares = [0.07, 0.10, 0.15, 0.25, 0.06, 0.08, 0.13, 0.08, 0.08];
    let rows: Vec<Vec<String>> = data
        .rows
        .iter()
        .map(|r| {
            vec![
                r.number.clone(),
                r.date.clone(),
                r.requester.clone(),
                r.document.clone(),
                r.pages.clone(),
                r.copies.clone(),
                r.signer.clone(),
                r.fee.clone(),
                r.note.clone(),
            ]
        })
        .collect();
    w.table(&headers, &shares, &rows);
    w.finish()
}

/// The result of a resolved dossier, to be signed by the leader who approved it.
#[derive(Debug, Clone, Default)]
pub struct ResultDoc {
    pub issuer: Issuer,
    pub code: String,
    pub number: String,
    pub procedure: String,
    pub applicant: String,
    pub decided: String,
    pub signer: String,
    pub signer_title: String,
    /// The public verification page (`/xac-thuc/{code}`), also drawn as a QR code.
    pub verification_url: String,
    pub date_line: String,
}

/// The result page (A4) with a visible signature stamp; `sign::sign` finishes it.
pub fn result_document(data: &ResultDoc) -> Document {
    let mut w = Writer::new(&format!("Kết quả {}", data.code), A4);
    w.heading(
        &data.issuer,
        &format!("Số: {}", data.number),
        &data.date_line,
    );
    w.centred("KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH", 13.0, Style::Bold);
    w.y -= 6.0;
    w.field("Thủ tục", &data.procedure, 12.0);
    w.field("Mã hồ sơ", &data.code, 12.0);
    w.field("Người yêu cầu", &data.applicant, 12.0);
    w.field("Số, ký hiệu kết quả", &data.number, 12.0);
    w.field("Thời điểm phê duyệt", &data.decided, 12.0);
    w.paragraph("Hồ sơ đã được giải quyết theo quy định. Văn bản này là kết quả điện tử, được ký số; bản in có giá trị khi đối chiếu được chữ ký số.", 11.0, Style::Regular);
    signature_stamp(
        &mut w,
        &data.signer_title,
        &data.signer,
        &data.decided,
        &data.verification_url,
    );
    w.into_document()
}

/// The visible signature block at the foot of a signed document: the signer's title, a framed
/// stamp with who signed and when, a QR code and the address of the public verification page.
fn signature_stamp(w: &mut Writer, title: &str, signer: &str, time: &str, url: &str) {
    w.ensure(120.0);
    w.y -= 16.0;
    let right = w.right - w.width() / 4.0;
    let (page, y) = (w.page, w.y);
    w.doc
        .text_centred(page, right, y, 12.0, Style::Bold, &title.to_uppercase());
    // The visible stamp: who signed and how to check.
    let (x0, x1) = (right - 95.0, right + 95.0);
    let (top, bottom) = (y - 10.0, y - 70.0);
    for (from, to) in [
        ((x0, top), (x1, top)),
        ((x1, top), (x1, bottom)),
        ((x1, bottom), (x0, bottom)),
        ((x0, bottom), (x0, top)),
    ] {
        w.doc.line(page, from, to, 0.8);
    }
    w.doc.text(
        page,
        x0 + 6.0,
        top - 14.0,
        9.5,
        Style::Bold,
        "Đã ký số bởi:",
    );
    w.doc
        .text(page, x0 + 6.0, top - 27.0, 9.5, Style::Regular, signer);
    w.doc.text(
        page,
        x0 + 6.0,
        top - 40.0,
        9.0,
        Style::Regular,
        &format!("Thời gian: {time}"),
    );
    w.doc.text(
        page,
        x0 + 6.0,
        top - 53.0,
        8.0,
        Style::Regular,
        "Xác thực bằng phần mềm đọc PDF có chữ ký số",
    );
    // The QR leads to the public verification page of this result.
    let left = w.left;
    w.doc.qr(page, left, top, 60.0, url);
    w.y = bottom - 14.0;
    w.paragraph(&format!("Xác thực: {url}"), 9.0, Style::Regular);
}

/// A certified electronic copy from an original (NĐ 23/2015, procedure 2.000815): the scanned
/// pages of the original, then the certification statement, to be signed by the certifier.
#[derive(Debug, Clone, Default)]
pub struct CertifiedCopy {
    pub issuer: Issuer,
    pub document: String,
    pub scans: Vec<crate::image::Image>,
    pub copies: u32,
    /// "Số chứng thực 07, quyển số 01/2026-SCT/BS"
    pub number: String,
    pub date_line: String,
    pub signer: String,
    pub signer_title: String,
    pub signed_at: String,
    pub verification_url: String,
}

/// The certified copy: each scan fitted on an A4 page with a footer naming the certification,
/// and the statement page last. One signature covers every page, in place of the seal across
/// the sheets of a paper copy.
pub fn certified_copy(data: &CertifiedCopy) -> Document {
    let mut w = Writer::new(&format!("Bản sao chứng thực — {}", data.document), A4);
    w.heading(&data.issuer, "", &data.date_line);
    w.centred("CHỨNG THỰC BẢN SAO TỪ BẢN CHÍNH", 13.0, Style::Bold);
    w.y -= 6.0;
    w.field("Giấy tờ, văn bản", &data.document, 12.0);
    w.field(
        "Số trang của bản chính",
        &data.scans.len().to_string(),
        12.0,
    );
    w.field("Số bản sao được chứng thực", &data.copies.to_string(), 12.0);
    w.y -= 6.0;
    w.paragraph("Chứng thực bản sao đúng với bản chính.", 13.0, Style::Bold);
    w.paragraph(&data.number, 12.0, Style::Regular);
    w.paragraph(&capitalised(&data.date_line), 12.0, Style::Regular);
    w.y -= 4.0;
    w.paragraph(
        &format!(
            "Bản sao điện tử gồm {} trang chụp từ bản chính và trang lời chứng này; chữ ký số của người thực hiện chứng thực bao trùm toàn bộ tệp, thay cho dấu giáp lai.",
            data.scans.len()
        ),
        10.0,
        Style::Regular,
    );
    signature_stamp(
        &mut w,
        &data.signer_title,
        &data.signer,
        &data.signed_at,
        &data.verification_url,
    );
    let mut doc = w.into_document();
    let statement_pages = doc.page_count();
    let total = data.scans.len();
    for (k, scan) in data.scans.iter().enumerate() {
        let page = doc.add_page(A4);
        let index = doc.add_image(scan.clone());
        let (width, height) = doc.image_size(index);
        let (box_w, box_h) = (A4.0 - 20.0 * MM, A4.1 - 30.0 * MM);
        let scale = (box_w / width as f32).min(box_h / height as f32);
        let (w_pt, h_pt) = (width as f32 * scale, height as f32 * scale);
        let x = (A4.0 - w_pt) / 2.0;
        let y = 20.0 * MM + (box_h - h_pt) / 2.0;
        doc.image(page, index, x, y, w_pt, h_pt);
        doc.text_centred(
            page,
            A4.0 / 2.0,
            10.0 * MM,
            8.0,
            Style::Regular,
            &format!(
                "Bản sao từ bản chính — trang {}/{total} — {}",
                k + 1,
                data.number
            ),
        );
    }
    // The statement was written first; the scans come before it.
    doc.move_first_pages_last(statement_pages);
    doc
}

/// "ngày 26 tháng 11 năm 2026" → "Ngày 26 tháng 11 năm 2026".
fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
