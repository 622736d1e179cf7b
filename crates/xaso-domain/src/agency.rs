//! Agencies (đơn vị): a tree province → commune → office or centre. Each carries the electronic
//! identifier code (mã định danh, QĐ 20/2020/QĐ-TTg) that prefixes its dossier codes.

use serde::{Deserialize, Serialize};

use crate::datafile::{DataError, DataFile};
use crate::text;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgencyKind {
    Province,
    Commune,
    Office,
    Centre,
}

impl AgencyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AgencyKind::Province => "province",
            AgencyKind::Commune => "commune",
            AgencyKind::Office => "office",
            AgencyKind::Centre => "centre",
        }
    }

    pub fn parse(value: &str) -> Option<AgencyKind> {
        [
            AgencyKind::Province,
            AgencyKind::Commune,
            AgencyKind::Office,
            AgencyKind::Centre,
        ]
        .into_iter()
        .find(|k| k.as_str() == value)
    }

    pub fn label(self) -> &'static str {
        match self {
            AgencyKind::Province => "Cấp tỉnh",
            AgencyKind::Commune => "Cấp xã",
            AgencyKind::Office => "Phòng, văn phòng",
            AgencyKind::Centre => "Trung tâm",
        }
    }

    /// Which kind of parent an agency of this kind may have (`None`: it is a root).
    pub fn allowed_parents(self) -> &'static [AgencyKind] {
        match self {
            AgencyKind::Province => &[],
            AgencyKind::Commune => &[AgencyKind::Province],
            AgencyKind::Office | AgencyKind::Centre => &[AgencyKind::Province, AgencyKind::Commune],
        }
    }
}

/// `V1V2V3.Z1Z2.Y1Y2.MX1X2`: three digits, two, two, then a capital letter and two digits.
pub fn is_valid_agency_code(code: &str) -> bool {
    let parts: Vec<&str> = code.split('.').collect();
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    parts.len() == 4
        && digits(parts[0], 3)
        && digits(parts[1], 2)
        && digits(parts[2], 2)
        && parts[3].len() == 3
        && parts[3].as_bytes()[0].is_ascii_uppercase()
        && digits(&parts[3][1..], 2)
}

/// Administrative-unit code (mã đơn vị hành chính): 2 digits for a province, 5 for a commune.
pub fn is_valid_admin_unit_code(kind: AgencyKind, code: &str) -> bool {
    let len = match kind {
        AgencyKind::Province => 2,
        AgencyKind::Commune => 5,
        AgencyKind::Office | AgencyKind::Centre => return false,
    };
    code.len() == len && code.bytes().all(|b| b.is_ascii_digit())
}

/// An agency as written in a data file; `parent` names another entry's `key`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgencySpec {
    pub key: String,
    #[serde(default)]
    pub parent: Option<String>,
    pub name: String,
    pub kind: AgencyKind,
    #[serde(default)]
    pub admin_unit_code: Option<String>,
    pub agency_code: String,
    #[serde(default)]
    pub unverified: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AgencyFile {
    #[serde(default)]
    agency: Vec<toml::Spanned<toml::Value>>,
}

/// Parses an agency tree file; parents must come before their children.
pub fn parse_agencies(file_name: &str, source: &str) -> Result<Vec<AgencySpec>, DataError> {
    let file = DataFile::new(file_name, source);
    let raw: AgencyFile = file.parse_toml()?;
    let mut problems = Vec::new();
    let mut agencies: Vec<AgencySpec> = Vec::new();
    for entry in raw.agency {
        let span = entry.span();
        let mut spec = match AgencySpec::deserialize(entry.into_inner()) {
            Ok(spec) => spec,
            Err(e) => {
                problems.push(file.problem_in(&span, None, &format!("mục đơn vị sai: {e}")));
                continue;
            }
        };
        spec.name = text::clean(&spec.name);
        let mut problem = |key: &str, message: String| {
            problems.push(file.problem_in(&span, Some(key), &format!("{}: {message}", spec.key)));
        };
        if spec.name.is_empty() {
            problem("name", "tên đơn vị không được để trống".into());
        }
        if agencies.iter().any(|a| a.key == spec.key) {
            problem("key", "khóa bị trùng".into());
        }
        if !is_valid_agency_code(&spec.agency_code) {
            problem(
                "agency_code",
                format!(
                    "mã định danh `{}` không đúng dạng V1V2V3.Z1Z2.Y1Y2.MX1X2 (ví dụ 000.00.06.H56)",
                    spec.agency_code
                ),
            );
        } else if let Some(other) = agencies.iter().find(|a| a.agency_code == spec.agency_code) {
            problem(
                "agency_code",
                format!(
                    "mã định danh {} trùng với đơn vị {}",
                    spec.agency_code, other.key
                ),
            );
        }
        match (&spec.admin_unit_code, spec.kind) {
            (Some(code), kind) if !is_valid_admin_unit_code(kind, code) => problem(
                "admin_unit_code",
                format!(
                    "mã đơn vị hành chính `{code}` không hợp lệ cho {} (tỉnh: 2 chữ số, xã: 5 chữ số, phòng/trung tâm: không có)",
                    kind.label()
                ),
            ),
            (None, AgencyKind::Province | AgencyKind::Commune) => problem(
                "kind",
                "tỉnh và xã cần mã đơn vị hành chính (admin_unit_code)".into(),
            ),
            _ => {}
        }
        let parent_kind = spec
            .parent
            .as_ref()
            .map(|key| agencies.iter().find(|a| &a.key == key).map(|a| a.kind));
        match (parent_kind, spec.kind.allowed_parents()) {
            (None, []) => {}
            (None, _) => problem(
                "kind",
                format!("{} cần đơn vị cấp trên (parent)", spec.kind.label()),
            ),
            (Some(None), _) => problem(
                "parent",
                "đơn vị cấp trên chưa được khai báo ở phía trên trong tệp".into(),
            ),
            (Some(Some(parent)), allowed) if !allowed.contains(&parent) => problem(
                "parent",
                format!(
                    "{} không thể trực thuộc {}",
                    spec.kind.label(),
                    parent.label().to_lowercase()
                ),
            ),
            _ => {}
        }
        for fact in &spec.unverified {
            if !["admin_unit_code", "agency_code", "name"].contains(&fact.as_str()) {
                problem(
                    "unverified",
                    format!("`{fact}` không phải thông tin cần xác minh"),
                );
            }
        }
        agencies.push(spec);
    }
    DataError::or_value(problems, agencies)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agency_codes_follow_the_national_pattern() {
        assert!(is_valid_agency_code("000.00.06.H56"));
        assert!(is_valid_agency_code("000.31.39.H19"));
        assert!(!is_valid_agency_code("000.00.06.h56"));
        assert!(!is_valid_agency_code("00.00.06.H56"));
        assert!(!is_valid_agency_code("000.00.06.H5"));
        assert!(!is_valid_agency_code("000.00.06.H56.1"));
    }

    #[test]
    fn tree_rules_are_checked_with_lines() {
        let source = r#"
[[agency]]
key = "p"
name = "UBND tỉnh"
kind = "province"
admin_unit_code = "75"
agency_code = "000.00.00.H19"

[[agency]]
key = "o"
parent = "x"
name = "Phòng"
kind = "office"
agency_code = "000.00.00.H19"

[[agency]]
key = "c"
parent = "p"
name = "Xã"
kind = "commune"
admin_unit_code = "123"
agency_code = "000.01.00.H19"
"#;
        let err = parse_agencies("a.toml", source).expect_err("invalid");
        let text = err.to_string();
        assert!(
            text.contains("a.toml:11: o: đơn vị cấp trên chưa được khai báo"),
            "{text}"
        );
        assert!(
            text.contains("a.toml:14: o: mã định danh 000.00.00.H19 trùng với đơn vị p"),
            "{text}"
        );
        assert!(
            text.contains("a.toml:21: c: mã đơn vị hành chính `123` không hợp lệ"),
            "{text}"
        );
        assert_eq!(err.problems.len(), 3, "{text}");
    }
}
