//! TT 01/2018 Art. 13 (REFERENCES §4): nine indicators scored 2 / 1 / 0 per dossier (the points
//! are summed in `Counts`, see `counts::time_points` and the like), each
//! averaged over the dossiers resolved in the period (one decimal), and the classifications of
//! officials (indicators 1+2+3+4+7) and of agencies (all nine). Indicators 4 and 7 (optional
//! questions at rating) and 8 (complaints about a dossier) are averaged over the dossiers that
//! have them. Indicators whose data the system does not hold say so, and so does any
//! classification that needs them.

use serde::Serialize;

use super::Counts;

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct IndicatorScore {
    pub number: u8,
    pub name: &'static str,
    /// Average points per dossier, to one decimal; `None` without data.
    pub score: Option<f64>,
    pub reason: Option<&'static str>,
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Classification {
    Rated { total: f64, label: &'static str },
    NoData { missing: Vec<u8> },
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Satisfaction {
    pub dossiers: usize,
    pub indicators: Vec<IndicatorScore>,
    pub officials: Classification,
    pub agency: Classification,
}

const NAMES: [&str; 9] = [
    "Tổng thời gian giải quyết so với thời gian quy định",
    "Thời gian thực hiện của từng cơ quan, đơn vị tham gia giải quyết",
    "Số lần liên hệ với cơ quan để hoàn thiện hồ sơ",
    "Số cơ quan, đơn vị phải liên hệ",
    "Tiếp nhận, giải quyết trọn vẹn tại Bộ phận một cửa",
    "Công khai thủ tục hành chính",
    "Thái độ của cán bộ, công chức",
    "Tiếp thu, giải trình ý kiến, phản ánh, kiến nghị",
    "Cung cấp dịch vụ công trực tuyến",
];

const NO_DATA: &str = "hệ thống chưa ghi nhận dữ liệu cho chỉ số này";

fn round1(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

fn classify(
    scores: &[IndicatorScore],
    wanted: &[u8],
    scale: &[(f64, &'static str)],
) -> Classification {
    let missing: Vec<u8> = wanted
        .iter()
        .copied()
        .filter(|n| scores[usize::from(*n - 1)].score.is_none())
        .collect();
    if !missing.is_empty() {
        return Classification::NoData { missing };
    }
    let total = round1(
        wanted
            .iter()
            .filter_map(|n| scores[usize::from(*n - 1)].score)
            .sum(),
    );
    let label = scale
        .iter()
        .find(|(floor, _)| total >= *floor)
        .map_or("", |(_, label)| label);
    Classification::Rated { total, label }
}

pub fn satisfaction(counts: &Counts) -> Satisfaction {
    let average_over =
        |points: u64, over: u64| (over > 0).then(|| round1(points as f64 / over as f64));
    let average = |points: u64| average_over(points, counts.resolved);
    let indicators: Vec<IndicatorScore> = NAMES
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let number = i as u8 + 1;
            let score = match number {
                1 => average(counts.points_time),
                3 => average(counts.points_contacts),
                9 => average(counts.points_online),
                // Optional answers and complaints: averaged over the dossiers that have them.
                4 => average_over(counts.points_bodies, counts.rated_bodies),
                7 => average_over(counts.points_attitude, counts.rated_attitude),
                8 => average_over(counts.points_feedback, counts.resolved_with_feedback),
                _ => None,
            };
            IndicatorScore {
                number,
                name,
                reason: match (score, number) {
                    (Some(_), _) => None,
                    (None, 1 | 3 | 9) => Some("không có hồ sơ giải quyết xong trong kỳ"),
                    (None, 4 | 7) => Some("không có đánh giá nào trả lời câu hỏi này trong kỳ"),
                    (None, 8) => Some("không có hồ sơ có phản ánh, kiến nghị trong kỳ"),
                    (None, _) => Some(NO_DATA),
                },
                score,
            }
        })
        .collect();
    let officials = classify(
        &indicators,
        &[1, 2, 3, 4, 7],
        &[
            (5.0, "Hoàn thành đầy đủ nhiệm vụ"),
            (3.5, "Hoàn thành từ 70% đến dưới 100% nhiệm vụ"),
            (f64::NEG_INFINITY, "Hoàn thành dưới 70% nhiệm vụ"),
        ],
    );
    let agency = classify(
        &indicators,
        &[1, 2, 3, 4, 5, 6, 7, 8, 9],
        &[
            (15.0, "Xuất sắc"),
            (12.0, "Tốt"),
            (9.0, "Khá"),
            (6.0, "Trung bình"),
            (f64::NEG_INFINITY, "Yếu"),
        ],
    );
    Satisfaction {
        dossiers: counts.resolved as usize,
        indicators,
        officials,
        agency,
    }
}
