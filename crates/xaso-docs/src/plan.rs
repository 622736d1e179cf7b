//! The periodic report on a reform plan (quarter, six months, year), drafted as a Word file that
//! officials finish: the targets with their actual values, task progress by area, the tasks
//! behind schedule, the inspections, and marked places for the narrative.

use crate::docx::{Docx, Look};

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
}

const TO_FILL: &str = "[Đơn vị bổ sung nội dung]";

pub fn plan_report_docx(data: &PlanReport) -> Result<Vec<u8>, String> {
    let mut doc = Docx::default();
    doc.paragraph(Look::Bold, &data.agency.to_uppercase());
    doc.paragraph(Look::Centred, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM");
    doc.paragraph(Look::Centred, "Độc lập - Tự do - Hạnh phúc");
    doc.paragraph(
        Look::Italic,
        &format!(
            "Số:      /BC-UBND          {}, {}",
            data.place, data.date_line
        ),
    );
    doc.paragraph(Look::Title, "BÁO CÁO");
    doc.paragraph(
        Look::Centred,
        &format!(
            "Kết quả thực hiện công tác cải cách hành chính {}",
            data.period
        ),
    );
    doc.paragraph(
        Look::Normal,
        &format!(
            "Thực hiện {}, {} báo cáo kết quả thực hiện {} như sau:",
            data.plan, data.agency, data.period
        ),
    );
    doc.paragraph(Look::Bold, "I. KẾT QUẢ THỰC HIỆN");
    doc.paragraph(Look::Bold, "1. Kết quả thực hiện các chỉ tiêu");
    let mut targets = vec![vec![
        "Chỉ tiêu".to_string(),
        "Yêu cầu".into(),
        "Kết quả".into(),
        "Đánh giá".into(),
    ]];
    targets.extend(data.targets.iter().map(|t| t.to_vec()));
    doc.table(targets);
    doc.paragraph(Look::Bold, "2. Tiến độ thực hiện nhiệm vụ theo lĩnh vực");
    let mut areas = vec![vec![
        "Lĩnh vực".to_string(),
        "Số nhiệm vụ".into(),
        "Hoàn thành".into(),
        "Đang thực hiện".into(),
        "Chưa báo cáo".into(),
        "Thiếu báo cáo, quá hạn".into(),
    ]];
    areas.extend(data.areas.iter().map(|a| a.to_vec()));
    doc.table(areas);
    doc.paragraph(Look::Bold, "3. Nhiệm vụ chậm tiến độ, thiếu báo cáo");
    if data.late.is_empty() {
        doc.paragraph(
            Look::Normal,
            "Không có nhiệm vụ chậm tiến độ hoặc thiếu báo cáo.",
        );
    } else {
        let mut late = vec![vec![
            "STT".to_string(),
            "Hoạt động".into(),
            "Chủ trì".into(),
            "Tình trạng".into(),
        ]];
        late.extend(data.late.iter().map(|l| l.to_vec()));
        doc.table(late);
    }
    doc.paragraph(Look::Bold, "4. Công tác kiểm tra cải cách hành chính");
    doc.paragraph(Look::Normal, &data.inspections);
    doc.paragraph(Look::Bold, "II. ĐÁNH GIÁ CHUNG");
    doc.paragraph(Look::Normal, "1. Ưu điểm: ");
    doc.paragraph(Look::Italic, TO_FILL);
    doc.paragraph(Look::Normal, "2. Hạn chế, nguyên nhân: ");
    doc.paragraph(Look::Italic, TO_FILL);
    doc.paragraph(Look::Bold, "III. PHƯƠNG HƯỚNG, NHIỆM VỤ KỲ TỚI");
    doc.paragraph(Look::Italic, TO_FILL);
    doc.paragraph(Look::Bold, "IV. KIẾN NGHỊ, ĐỀ XUẤT");
    doc.paragraph(Look::Italic, TO_FILL);
    doc.paragraph(Look::Bold, "TM. ỦY BAN NHÂN DÂN");
    doc.paragraph(Look::Bold, "CHỦ TỊCH");
    doc.finish()
}
