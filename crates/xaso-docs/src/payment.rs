//! The receipt of a fee paid (biên lai thu phí, lệ phí) as an A5 PDF: who paid what for which
//! dossier, the amount in figures and in words, how, and who collected it.

use crate::forms::{writer, Issuer};
use crate::pdf::{Style, A5};

#[derive(Debug, Clone, Default)]
pub struct FeeReceipt {
    pub issuer: Issuer,
    /// "BL2026-000.00.61.H19-000001"
    pub number: String,
    pub payer: String,
    pub dossier_code: String,
    pub procedure: String,
    /// What was charged (the quote's lines).
    pub detail: String,
    /// "20.000 đ"
    pub amount: String,
    /// "Hai mươi nghìn đồng"
    pub amount_words: String,
    /// "Tiền mặt", "Chuyển khoản", "Trực tuyến qua cổng thanh toán (giao dịch 14226112)"
    pub method: String,
    /// "09 giờ 15 phút, ngày 02/03/2026"
    pub paid_at: String,
    pub collector: String,
    pub date_line: String,
}

pub fn fee_receipt(data: &FeeReceipt) -> Vec<u8> {
    let mut w = writer(&format!("Biên lai {}", data.number), A5);
    w.heading(
        &data.issuer,
        &format!("Số: {}", data.number),
        &data.date_line,
    );
    w.centred("BIÊN LAI THU PHÍ, LỆ PHÍ", 12.0, Style::Bold);
    w.y -= 4.0;
    w.field("Người nộp", &data.payer, 10.0);
    w.field("Hồ sơ", &data.dossier_code, 10.0);
    w.field("Thủ tục", &data.procedure, 10.0);
    w.field("Nội dung thu", &data.detail, 10.0);
    w.field("Số tiền", &data.amount, 10.0);
    w.field("Bằng chữ", &data.amount_words, 10.0);
    w.field("Hình thức thanh toán", &data.method, 10.0);
    w.field("Thời điểm", &data.paid_at, 10.0);
    w.signature_block(&["NGƯỜI THU TIỀN"], 10.0, None, &data.collector);
    w.finish()
}
