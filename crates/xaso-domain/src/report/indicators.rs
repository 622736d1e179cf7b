//! The points of TT 01/2018 indicators 4 (bodies contacted), 7 (the officers' attitude) and 8
//! (feedback taken in and answered) for one dossier, as data in `data/feedback/chi-so-tt01.toml`:
//! reconstructed without the Circular's text at hand, so an administrator can correct them
//! without a new build.

use serde::{Deserialize, Serialize};

use crate::datafile::{DataError, DataFile};

/// One choice of indicator 7 on the rating form.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Attitude {
    pub code: String,
    pub label: String,
    pub points: u8,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IndicatorRules {
    /// Indicator 4: points when the applicant contacted one body, two, three or more.
    pub one_body: u8,
    pub two_bodies: u8,
    pub more_bodies: u8,
    /// Indicator 7: the choices, in the order the form shows them.
    pub attitudes: Vec<Attitude>,
    /// Indicator 8: points of a complaint answered by its deadline, after it, not yet.
    pub answered_in_time: u8,
    pub answered_late: u8,
    pub not_answered: u8,
}

impl IndicatorRules {
    /// Indicator 4 for `bodies` contacted; `None` for 0 (not an answer).
    pub fn bodies_points(&self, bodies: u32) -> Option<u8> {
        match bodies {
            0 => None,
            1 => Some(self.one_body),
            2 => Some(self.two_bodies),
            _ => Some(self.more_bodies),
        }
    }

    /// Indicator 7 for the choice `code`; `None` when there is no such choice.
    pub fn attitude(&self, code: &str) -> Option<&Attitude> {
        self.attitudes.iter().find(|a| a.code == code)
    }

    /// Indicator 8 of one complaint: `answered_in_time` is `None` while it is not answered.
    pub fn feedback_points(&self, answered_in_time: Option<bool>) -> u8 {
        match answered_in_time {
            Some(true) => self.answered_in_time,
            Some(false) => self.answered_late,
            None => self.not_answered,
        }
    }

    /// Indicator 8 of a dossier: the lowest of its complaints (one unanswered complaint is not
    /// made good by another answered one); `None` without complaints (not counted).
    pub fn dossier_feedback_points(
        &self,
        complaints: impl IntoIterator<Item = Option<bool>>,
    ) -> Option<u8> {
        complaints
            .into_iter()
            .map(|c| self.feedback_points(c))
            .min()
    }
}

type Points = toml::Spanned<i64>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BodiesSection {
    one_body: Points,
    two_bodies: Points,
    more_bodies: Points,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FeedbackSection {
    answered_in_time: Points,
    answered_late: Points,
    not_answered: Points,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IndicatorFile {
    #[serde(default)]
    #[allow(dead_code)] // Listed for readers of the file.
    unverified: Vec<String>,
    chi_so_4: BodiesSection,
    chi_so_7: Vec<toml::Spanned<toml::Value>>,
    chi_so_8: FeedbackSection,
}

/// Reads the indicator points: each 0, 1 or 2, indicator 7's choices with a unique code (lower
/// case letters, digits, dashes) and a label; problems with their lines.
pub fn parse_indicator_rules(file_name: &str, source: &str) -> Result<IndicatorRules, DataError> {
    let file = DataFile::new(file_name, source);
    let raw: IndicatorFile = file.parse_toml()?;
    let mut problems = Vec::new();
    let mut points = |value: &Points, key: &str| -> u8 {
        match u8::try_from(*value.get_ref()) {
            Ok(p) if p <= 2 => p,
            _ => {
                problems.push(file.problem_in(
                    &value.span(),
                    None,
                    &format!("{key} phải là 0, 1 hoặc 2 điểm"),
                ));
                0
            }
        }
    };
    let (one_body, two_bodies, more_bodies) = (
        points(&raw.chi_so_4.one_body, "one_body"),
        points(&raw.chi_so_4.two_bodies, "two_bodies"),
        points(&raw.chi_so_4.more_bodies, "more_bodies"),
    );
    let (answered_in_time, answered_late, not_answered) = (
        points(&raw.chi_so_8.answered_in_time, "answered_in_time"),
        points(&raw.chi_so_8.answered_late, "answered_late"),
        points(&raw.chi_so_8.not_answered, "not_answered"),
    );
    let mut attitudes: Vec<Attitude> = Vec::new();
    for entry in raw.chi_so_7 {
        let span = entry.span();
        match Attitude::deserialize(entry.into_inner()) {
            Ok(mut attitude) => {
                attitude.label = crate::text::clean(&attitude.label);
                let valid_code = !attitude.code.is_empty()
                    && attitude
                        .code
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
                if !valid_code
                    || attitudes.iter().any(|a| a.code == attitude.code)
                    || attitude.label.is_empty()
                    || attitude.points > 2
                {
                    problems.push(file.problem_in(
                        &span,
                        Some("code"),
                        &format!(
                            "lựa chọn chỉ số 7 “{}” sai mã, trùng, thiếu nhãn hoặc điểm không phải 0, 1, 2",
                            attitude.code
                        ),
                    ));
                }
                attitudes.push(attitude);
            }
            Err(e) => {
                problems.push(file.problem_in(&span, None, &format!("lựa chọn chỉ số 7 sai: {e}")))
            }
        }
    }
    if attitudes.is_empty() {
        problems
            .push(file.problem_at(1, "chỉ số 7 cần ít nhất một lựa chọn ([[chi_so_7]])".into()));
    }
    DataError::or_value(
        problems,
        IndicatorRules {
            one_body,
            two_bodies,
            more_bodies,
            attitudes,
            answered_in_time,
            answered_late,
            not_answered,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHIPPED: &str = include_str!("../../../../data/feedback/chi-so-tt01.toml");

    fn shipped() -> IndicatorRules {
        parse_indicator_rules("chi-so-tt01.toml", SHIPPED).expect("the shipped file is valid")
    }

    #[test]
    fn the_shipped_points_follow_the_reconstructed_rules() {
        let rules = shipped();
        assert_eq!(
            [1, 2, 3, 7].map(|n| rules.bodies_points(n)),
            [Some(2), Some(1), Some(0), Some(0)]
        );
        assert_eq!(rules.bodies_points(0), None);
        assert_eq!(rules.attitude("lich-su").map(|a| a.points), Some(2));
        assert_eq!(rules.attitude("chua-dung-muc").map(|a| a.points), Some(1));
        assert_eq!(rules.attitude("phien-ha").map(|a| a.points), Some(0));
        assert_eq!(rules.attitude("khac"), None);
        assert_eq!(rules.dossier_feedback_points([]), None);
        assert_eq!(rules.dossier_feedback_points([Some(true)]), Some(2));
        assert_eq!(
            rules.dossier_feedback_points([Some(true), Some(false)]),
            Some(1)
        );
        assert_eq!(rules.dossier_feedback_points([Some(true), None]), Some(0));
    }

    #[test]
    fn bad_points_and_codes_are_reported_on_their_lines() {
        let source = SHIPPED
            .replace("two_bodies = 1", "two_bodies = 3")
            .replace("code = \"phien-ha\"", "code = \"lich-su\"");
        let error = parse_indicator_rules("chi-so-tt01.toml", &source)
            .expect_err("invalid")
            .to_string();
        let line_of = |needle: &str| {
            source
                .lines()
                .position(|l| l.contains(needle))
                .map(|i| i + 1)
                .expect("present")
        };
        assert!(
            error.contains(&format!("chi-so-tt01.toml:{}", line_of("two_bodies = 3"))),
            "{error}"
        );
        assert!(
            error.contains("two_bodies phải là 0, 1 hoặc 2 điểm"),
            "{error}"
        );
        assert!(error.contains("“lich-su” sai mã, trùng"), "{error}");
    }
}
