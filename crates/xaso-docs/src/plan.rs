//! The periodic report on a reform plan (quarter, six months, year), drafted as a Word file that
//! officials finish and as a PDF to circulate as it stands: the targets with their actual
//! values, task progress by area, the tasks behind schedule, the inspections, and marked places
//! for the narrative.

use crate::docx::{Docx, Look};
use crate::forms::Issuer;
use crate::pdf::{Style, A4};

/// What the report says; every figure comes from the system.
#[derive(Debug, Clone, Default)]
pub struct PlanReport {
    /// "UBND XÃ MINH ĐỨC"
    pub agency: String,
    pub place: String,
    /// "ngày 10 tháng 10 năm 2025"
    pub date_line: String,
    /// "quý III năm 2025"
    pub period: String,
    /// "Kế hoạch số 09/KH-UBND ngày 25/7/2025"
    pub plan: String,
    /// (target, required, actual, assessment)
    pub targets: Vec<[String; 4]>,
    /// (area, tasks, done, in progress, not reported, needing attention)
    pub areas: Vec<[String; 6]>,
    /// (STT, activity, lead, why)
    pub late: Vec<[String; 4]>,
    pub inspections: String,
    /// (unit inspected, date, form ("Trực tiếp" / "Qua môi trường số"), findings, remedied)
    pub inspection_rows: Vec<[String; 5]>,
}

const TO_FILL: &str = "[Đơn vị bổ sung nội dung]";
const NUMBER: &str = "Số:      /BC-UBND";
const TITLE: &str = "BÁO CÁO";
const SIGNER: [&str; 2] = ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"];

/// One piece of the report's body, in order; the Word and the PDF drafts both lay out this
/// list, so they cannot drift apart in content or order.
enum Part {
    /// The line under "BÁO CÁO" naming what is reported on.
    Subtitle(String),
    Heading(&'static str),
    Text(String),
    /// A place the officials write in.
    ToFill,
    Table {
        headers: &'static [&'static str],
        /// Each column's share of the PDF's text width (Word sizes its own columns).
        shares: &'static [f32],
        rows: Vec<Vec<String>>,
    },
}

fn rows<const N: usize>(rows: &[[String; N]]) -> Vec<Vec<String>> {
    rows.iter().map(|r| r.to_vec()).collect()
}

fn body(data: &PlanReport) -> Vec<Part> {
    let mut parts = vec![
        Part::Subtitle(format!(
            "Kết quả thực hiện công tác cải cách hành chính {}",
            data.period
        )),
        Part::Text(format!(
            "Thực hiện {}, {} báo cáo kết quả thực hiện {} như sau:",
            data.plan, data.agency, data.period
        )),
        Part::Heading("I. KẾT QUẢ THỰC HIỆN"),
        Part::Heading("1. Kết quả thực hiện các chỉ tiêu"),
        Part::Table {
            headers: &["Chỉ tiêu", "Yêu cầu", "Kết quả", "Đánh giá"],
            shares: &[0.50, 0.13, 0.14, 0.23],
            rows: rows(&data.targets),
        },
        Part::Heading("2. Tiến độ thực hiện nhiệm vụ theo lĩnh vực"),
        Part::Table {
            headers: &[
                "Lĩnh vực",
                "Số nhiệm vụ",
                "Hoàn thành",
                "Đang thực hiện",
                "Chưa báo cáo",
                "Thiếu báo cáo, quá hạn",
            ],
            shares: &[0.35, 0.13, 0.13, 0.13, 0.13, 0.13],
            rows: rows(&data.areas),
        },
        Part::Heading("3. Nhiệm vụ chậm tiến độ, thiếu báo cáo"),
    ];
    if data.late.is_empty() {
        parts.push(Part::Text(
            "Không có nhiệm vụ chậm tiến độ hoặc thiếu báo cáo.".into(),
        ));
    } else {
        parts.push(Part::Table {
            headers: &["STT", "Hoạt động", "Chủ trì", "Tình trạng"],
            shares: &[0.08, 0.46, 0.20, 0.26],
            rows: rows(&data.late),
        });
    }
    parts.push(Part::Heading("4. Công tác kiểm tra cải cách hành chính"));
    parts.push(Part::Text(data.inspections.clone()));
    if !data.inspection_rows.is_empty() {
        parts.push(Part::Table {
            headers: &[
                "Đơn vị được kiểm tra",
                "Ngày kiểm tra",
                "Hình thức",
                "Tồn tại, hạn chế",
                "Đã khắc phục",
            ],
            shares: &[0.34, 0.15, 0.19, 0.16, 0.16],
            rows: rows(&data.inspection_rows),
        });
    }
    parts.extend([
        Part::Heading("II. ĐÁNH GIÁ CHUNG"),
        Part::Text("1. Ưu điểm: ".into()),
        Part::ToFill,
        Part::Text("2. Hạn chế, nguyên nhân: ".into()),
        Part::ToFill,
        Part::Heading("III. PHƯƠNG HƯỚNG, NHIỆM VỤ KỲ TỚI"),
        Part::ToFill,
        Part::Heading("IV. KIẾN NGHỊ, ĐỀ XUẤT"),
        Part::ToFill,
    ]);
    parts
}

pub fn plan_report_docx(data: &PlanReport) -> Result<Vec<u8>, String> {
    let mut doc = Docx::default();
    doc.paragraph(Look::Bold, &data.agency.to_uppercase());
    doc.paragraph(Look::Centred, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM");
    doc.paragraph(Look::Centred, "Độc lập - Tự do - Hạnh phúc");
    doc.paragraph(
        Look::Italic,
        &format!("{NUMBER}          {}, {}", data.place, data.date_line),
    );
    doc.paragraph(Look::Title, TITLE);
    for part in body(data) {
        match part {
            Part::Subtitle(text) => doc.paragraph(Look::Centred, &text),
            Part::Heading(text) => doc.paragraph(Look::Bold, text),
            Part::Text(text) => doc.paragraph(Look::Normal, &text),
            Part::ToFill => doc.paragraph(Look::Italic, TO_FILL),
            Part::Table { headers, rows, .. } => {
                let mut table = vec![headers.iter().map(|h| h.to_string()).collect()];
                table.extend(rows);
                doc.table(table);
            }
        }
    }
    for title in SIGNER {
        doc.paragraph(Look::Bold, title);
    }
    doc.finish()
}

/// The report as an A4 PDF: the NĐ 30/2020 heading, then the same body as the Word draft, its
/// tables wrapped to their columns and carried over pages, and the signature block.
pub fn plan_report_pdf(data: &PlanReport) -> Vec<u8> {
    let mut w = crate::forms::writer(
        &format!(
            "Báo cáo kết quả thực hiện công tác cải cách hành chính {}",
            data.period
        ),
        A4,
    );
    let issuer = Issuer {
        parent: String::new(),
        agency: data.agency.clone(),
        place: data.place.clone(),
    };
    w.heading(&issuer, NUMBER, &data.date_line);
    w.centred(TITLE, 14.0, Style::Bold);
    for part in body(data) {
        match part {
            Part::Subtitle(text) => {
                w.centred(&text, 12.0, Style::Bold);
                w.y -= 8.0;
            }
            Part::Heading(text) => {
                w.y -= 4.0;
                w.paragraph(text, 11.5, Style::Bold);
            }
            Part::Text(text) => w.paragraph(&text, 11.5, Style::Regular),
            // No italic face is embedded; the brackets mark the place to fill.
            Part::ToFill => w.paragraph(TO_FILL, 11.5, Style::Regular),
            Part::Table {
                headers,
                shares,
                rows,
            } => {
                w.y -= 2.0;
                w.table(headers, shares, &rows);
                w.y -= 4.0;
            }
        }
    }
    w.signature_block(&SIGNER, 11.5, None, "");
    w.finish()
}
