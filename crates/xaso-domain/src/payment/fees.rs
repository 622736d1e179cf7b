//! What a dossier must pay: the catalog's fee schedule applied to the case (pages, copies, on
//! time or late), and the exemptions of `data/fees/mien-le-phi.toml`. Integer đồng throughout;
//! an amount that does not fit is an error, never a wrapped number.

use serde::{Deserialize, Serialize};

use crate::catalog::FeeSchedule;
use crate::datafile::{DataError, DataFile};
use crate::money::format_vnd;

/// A group of people exempted from fees in some fields, and why.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Exemption {
    pub code: String,
    pub name: String,
    /// The catalog fields (`field` of a procedure) where it applies.
    pub fields: Vec<String>,
    pub basis: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExemptionFile {
    #[serde(default)]
    #[allow(dead_code)] // Listed for readers of the file.
    unverified: Vec<String>,
    exemption: Vec<toml::Spanned<toml::Value>>,
}

/// Reads the exemptions; every problem is reported with its line.
pub fn parse_exemptions(file_name: &str, source: &str) -> Result<Vec<Exemption>, DataError> {
    let file = DataFile::new(file_name, source);
    let raw: ExemptionFile = file.parse_toml()?;
    let mut problems = Vec::new();
    let mut found: Vec<Exemption> = Vec::new();
    for entry in raw.exemption {
        let span = entry.span();
        let mut exemption = match Exemption::deserialize(entry.into_inner()) {
            Ok(e) => e,
            Err(e) => {
                problems.push(file.problem_in(&span, None, &format!("nhóm miễn sai: {e}")));
                continue;
            }
        };
        exemption.name = crate::text::clean(&exemption.name);
        let valid = !exemption.code.is_empty()
            && exemption
                .code
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !valid || found.iter().any(|e| e.code == exemption.code) {
            problems.push(file.problem_in(
                &span,
                Some("code"),
                &format!("mã nhóm “{}” sai dạng hoặc bị lặp", exemption.code),
            ));
        }
        if exemption.name.is_empty() || exemption.basis.trim().is_empty() {
            problems.push(file.problem_in(&span, None, "nhóm miễn cần tên và căn cứ"));
        }
        if exemption.fields.is_empty() {
            problems.push(file.problem_in(
                &span,
                Some("fields"),
                "nhóm miễn cần ít nhất một lĩnh vực",
            ));
        }
        found.push(exemption);
    }
    DataError::or_value(problems, found)
}

/// The facts of a case a fee depends on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FeeCase {
    /// Pages of one copy (per-page schedules).
    pub pages: u32,
    /// Copies, or cases for fixed fees (at least 1).
    pub copies: u32,
    /// Handled within the legal time (schedules free if on time).
    pub late: bool,
}

/// One line of a quote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuoteLine {
    pub label: String,
    pub amount: u64,
}

/// What is due, how it was computed, and the exemption applied if any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Quote {
    pub amount: u64,
    pub lines: Vec<QuoteLine>,
    pub exemption: Option<Exemption>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FeeError {
    #[error("thủ tục tính phí theo trang: cần số trang (ít nhất 1)")]
    PagesRequired,
    #[error("số bản, số trường hợp phải từ 1 trở lên")]
    CopiesRequired,
    #[error("mức thu do HĐND tỉnh quyết định chưa có trong danh mục thủ tục")]
    ProvinceAmountMissing,
    #[error("nhóm miễn “{0}” không áp dụng cho lĩnh vực “{1}”")]
    ExemptionNotHere(String, String),
    #[error("số tiền vượt giới hạn tính toán")]
    Overflow,
}

fn times(amount: u64, count: u32) -> Result<u64, FeeError> {
    amount
        .checked_mul(u64::from(count))
        .ok_or(FeeError::Overflow)
}

/// The fee of a case under `schedule`, for a procedure of `field`; `exemption`, when given, must
/// apply to that field and makes the amount 0 (the lines still say what it would have been).
pub fn quote(
    schedule: &FeeSchedule,
    field: &str,
    case: &FeeCase,
    exemption: Option<&Exemption>,
) -> Result<Quote, FeeError> {
    let line = |label: String, amount: u64| QuoteLine { label, amount };
    let lines = match schedule {
        FeeSchedule::Free => vec![line("Không thu phí, lệ phí".into(), 0)],
        FeeSchedule::Fixed { amount, unit } => {
            if case.copies == 0 {
                return Err(FeeError::CopiesRequired);
            }
            let total = times(*amount, case.copies)?;
            vec![line(
                format!("{} × {} {unit}", format_vnd(*amount), case.copies),
                total,
            )]
        }
        FeeSchedule::PerPage { unit, .. } => {
            if case.pages == 0 {
                return Err(FeeError::PagesRequired);
            }
            if case.copies == 0 {
                return Err(FeeError::CopiesRequired);
            }
            let one = schedule.per_page_amount(case.pages).unwrap_or(0);
            vec![line(
                format!(
                    "{} trang: {}/{unit} × {} {unit}",
                    case.pages,
                    format_vnd(one),
                    case.copies
                ),
                times(one, case.copies)?,
            )]
        }
        FeeSchedule::FreeIfOnTime { late } => match (case.late, late) {
            (false, _) | (true, None) => vec![line("Miễn lệ phí khi đăng ký đúng hạn".into(), 0)],
            (true, Some(amount)) => vec![line("Lệ phí đăng ký quá hạn".into(), *amount)],
        },
        FeeSchedule::SetByProvince { amount, .. } => {
            let amount = amount.ok_or(FeeError::ProvinceAmountMissing)?;
            vec![line("Lệ phí theo Nghị quyết của HĐND tỉnh".into(), amount)]
        }
    };
    let total = lines
        .iter()
        .try_fold(0u64, |sum, l| sum.checked_add(l.amount))
        .ok_or(FeeError::Overflow)?;
    match exemption {
        None => Ok(Quote {
            amount: total,
            lines,
            exemption: None,
        }),
        Some(exemption) => {
            if !exemption.fields.iter().any(|f| f == field) {
                return Err(FeeError::ExemptionNotHere(
                    exemption.name.clone(),
                    field.to_string(),
                ));
            }
            let mut lines = lines;
            lines.push(line(
                format!("Miễn: {} ({})", exemption.name, exemption.basis),
                0,
            ));
            Ok(Quote {
                amount: 0,
                lines,
                exemption: Some(exemption.clone()),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::PageTier;
    use proptest::prelude::*;

    /// The certification schedule of TT 226/2016 as the catalog holds it.
    fn copies_schedule() -> FeeSchedule {
        FeeSchedule::PerPage {
            tiers: vec![
                PageTier {
                    from: 1,
                    to: Some(2),
                    amount: 2000,
                },
                PageTier {
                    from: 3,
                    to: None,
                    amount: 1000,
                },
            ],
            cap: Some(200_000),
            unit: "bản".into(),
        }
    }

    fn case(pages: u32, copies: u32) -> FeeCase {
        FeeCase {
            pages,
            copies,
            late: false,
        }
    }

    fn exemptions() -> Vec<Exemption> {
        parse_exemptions(
            "mien-le-phi.toml",
            include_str!("../../../../data/fees/mien-le-phi.toml"),
        )
        .expect("the shipped exemptions load")
    }

    #[test]
    fn page_tiers_and_the_cap() {
        let schedule = copies_schedule();
        let amount = |pages, copies| {
            quote(&schedule, "Chứng thực", &case(pages, copies), None).map(|q| q.amount)
        };
        assert_eq!(amount(1, 1), Ok(2_000));
        assert_eq!(amount(2, 1), Ok(4_000));
        assert_eq!(amount(3, 1), Ok(5_000));
        // 2 × 2.000 + 248 × 1.000 = 252.000 → capped at 200.000 per copy.
        assert_eq!(amount(250, 1), Ok(200_000));
        assert_eq!(amount(250, 3), Ok(600_000));
        assert_eq!(amount(0, 1), Err(FeeError::PagesRequired));
        assert_eq!(amount(2, 0), Err(FeeError::CopiesRequired));
    }

    #[test]
    fn fixed_free_if_on_time_and_province_amounts() {
        let fixed = FeeSchedule::Fixed {
            amount: 10_000,
            unit: "trường hợp".into(),
        };
        let q = quote(&fixed, "Chứng thực", &case(0, 2), None).expect("fixed");
        assert_eq!(q.amount, 20_000);
        assert_eq!(q.lines[0].label, "10.000 đ × 2 trường hợp");
        let on_time = FeeSchedule::FreeIfOnTime { late: Some(5_000) };
        assert_eq!(
            quote(&on_time, "Hộ tịch", &case(0, 1), None).map(|q| q.amount),
            Ok(0)
        );
        let late = FeeCase {
            late: true,
            ..case(0, 1)
        };
        assert_eq!(
            quote(&on_time, "Hộ tịch", &late, None).map(|q| q.amount),
            Ok(5_000)
        );
        let province = FeeSchedule::SetByProvince {
            amount: None,
            note: None,
        };
        assert_eq!(
            quote(&province, "Hộ tịch", &case(0, 1), None),
            Err(FeeError::ProvinceAmountMissing)
        );
        let overflow = FeeSchedule::Fixed {
            amount: u64::MAX / 2,
            unit: "bản".into(),
        };
        assert_eq!(
            quote(&overflow, "Hộ tịch", &case(0, 3), None),
            Err(FeeError::Overflow)
        );
    }

    #[test]
    fn exemptions_apply_only_in_their_fields() {
        let groups = exemptions();
        let poor = groups
            .iter()
            .find(|e| e.code == "ho-ngheo")
            .expect("hộ nghèo");
        let province = FeeSchedule::SetByProvince {
            amount: Some(8_000),
            note: None,
        };
        let q = quote(&province, "Hộ tịch", &case(0, 1), Some(poor)).expect("exempt");
        assert_eq!(q.amount, 0);
        assert_eq!(
            q.lines[0].amount, 8_000,
            "the lines still show what it would have been"
        );
        assert!(q.lines[1].label.starts_with("Miễn: Người thuộc hộ nghèo"));
        let refused = quote(&copies_schedule(), "Chứng thực", &case(2, 1), Some(poor));
        assert_eq!(
            refused,
            Err(FeeError::ExemptionNotHere(
                "Người thuộc hộ nghèo".into(),
                "Chứng thực".into()
            ))
        );
    }

    #[test]
    fn bad_exemption_files_name_their_lines() {
        let text = "[[exemption]]\ncode = \"A B\"\nname = \"x\"\nfields = []\nbasis = \"\"\n";
        let error = parse_exemptions("m.toml", text)
            .expect_err("bad")
            .to_string();
        assert!(
            error.contains("m.toml:1") && error.contains("A B"),
            "{error}"
        );
        assert!(
            error.contains("tên và căn cứ") && error.contains("ít nhất một lĩnh vực"),
            "{error}"
        );
    }

    proptest! {
        /// Per-page fees grow with pages and copies, never pass the cap per copy, and equal the
        /// tier sum below it.
        #[test]
        fn per_page_fees_are_monotone_and_capped(pages in 1u32..2000, copies in 1u32..50) {
            let schedule = copies_schedule();
            let one = |p| quote(&schedule, "Chứng thực", &case(p, 1), None).expect("quote").amount;
            let uncapped = 2_000 * u64::from(pages.min(2)) + 1_000 * u64::from(pages.saturating_sub(2));
            prop_assert_eq!(one(pages), uncapped.min(200_000));
            prop_assert!(one(pages + 1) >= one(pages));
            let many = quote(&schedule, "Chứng thực", &case(pages, copies), None).expect("quote").amount;
            prop_assert_eq!(many, one(pages) * u64::from(copies));
        }
    }
}
