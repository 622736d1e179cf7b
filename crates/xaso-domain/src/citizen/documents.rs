//! The citizen data store's rules (`data/citizen/kho-du-lieu.toml`): the kinds of document it
//! keeps, which procedure components and results each kind stands for, and how much one citizen
//! may keep. Which stored document may replace an upload is decided here, without IO.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::datafile::{DataError, DataFile};

/// The kind every upload falls back to; kept with the component's name as its title.
pub const OTHER: &str = "khac";
/// The kind of a result that is no listed document.
pub const OTHER_RESULT: &str = "ket-qua-tthc";

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentType {
    pub code: String,
    pub name: String,
    /// Beginnings of the component names this kind of document provides.
    #[serde(default)]
    pub components: Vec<String>,
    /// Beginnings of the procedure results that are this kind of document.
    #[serde(default)]
    pub results: Vec<String>,
}

/// The store's rules: the kinds of document and the per-citizen limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreRules {
    pub quota_bytes: u64,
    pub max_documents: u64,
    pub types: Vec<DocumentType>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    quota_mib: toml::Spanned<i64>,
    max_documents: toml::Spanned<i64>,
    #[serde(rename = "type")]
    types: Vec<toml::Spanned<toml::Value>>,
}

/// Reads the store's rules; every problem is reported with its line.
pub fn parse_store_rules(file_name: &str, source: &str) -> Result<StoreRules, DataError> {
    let file = DataFile::new(file_name, source);
    let raw: RulesFile = file.parse_toml()?;
    let mut problems = Vec::new();
    for (value, key, largest) in [
        (&raw.quota_mib, "quota_mib", 100_000),
        (&raw.max_documents, "max_documents", 1_000_000),
    ] {
        if !(1..=largest).contains(value.get_ref()) {
            problems.push(file.problem_in(
                &value.span(),
                None,
                &format!("{key} phải từ 1 đến {largest}"),
            ));
        }
    }
    let mut types: Vec<DocumentType> = Vec::new();
    for entry in raw.types {
        let span = entry.span();
        let mut kind = match DocumentType::deserialize(entry.into_inner()) {
            Ok(kind) => kind,
            Err(e) => {
                problems.push(file.problem_in(&span, None, &format!("loại giấy tờ sai: {e}")));
                continue;
            }
        };
        kind.name = crate::text::clean(&kind.name);
        let valid_code = !kind.code.is_empty()
            && kind
                .code
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !valid_code {
            problems.push(file.problem_in(
                &span,
                Some("code"),
                &format!(
                    "mã loại “{}” chỉ gồm chữ thường không dấu, số và “-”",
                    kind.code
                ),
            ));
        } else if types.iter().any(|t| t.code == kind.code) {
            problems.push(file.problem_in(
                &span,
                Some("code"),
                &format!("mã loại {} bị lặp", kind.code),
            ));
        }
        if kind.name.is_empty() {
            problems.push(file.problem_in(&span, Some("name"), "loại giấy tờ thiếu tên"));
        }
        for (key, list) in [
            ("components", &mut kind.components),
            ("results", &mut kind.results),
        ] {
            for prefix in list.iter_mut() {
                *prefix = crate::text::clean(prefix);
            }
            if list.iter().any(String::is_empty) {
                problems.push(file.problem_in(
                    &span,
                    Some(key),
                    &format!("{key} có mục rỗng (mục rỗng khớp với mọi tên)"),
                ));
            }
        }
        types.push(kind);
    }
    for required in [OTHER, OTHER_RESULT] {
        if !types.iter().any(|t| t.code == required) {
            problems.push(file.problem_at(
                1,
                format!("thiếu loại giấy tờ “{required}”, loại dùng khi không khớp loại nào"),
            ));
        }
    }
    DataError::or_value(
        problems,
        StoreRules {
            quota_bytes: raw.quota_mib.into_inner().max(0) as u64 * 1024 * 1024,
            max_documents: raw.max_documents.into_inner().max(0) as u64,
            types,
        },
    )
}

/// The code of the type whose longest listed beginning starts `name`; `fallback` when none does.
fn longest_match<'a>(
    types: &'a [DocumentType],
    name: &str,
    prefixes: impl Fn(&DocumentType) -> &[String],
    fallback: &'a str,
) -> &'a str {
    let name = crate::text::clean(name).to_lowercase();
    types
        .iter()
        .flat_map(|t| prefixes(t).iter().map(move |p| (t, p.to_lowercase())))
        .filter(|(_, prefix)| name.starts_with(prefix.as_str()))
        .max_by_key(|(_, prefix)| prefix.chars().count())
        .map_or(fallback, |(t, _)| t.code.as_str())
}

impl StoreRules {
    pub fn type_of(&self, code: &str) -> Option<&DocumentType> {
        self.types.iter().find(|t| t.code == code)
    }

    /// The name of a type, or the code itself for a type no longer listed.
    pub fn type_name<'a>(&'a self, code: &'a str) -> &'a str {
        self.type_of(code).map_or(code, |t| t.name.as_str())
    }

    /// The kind of document a component of a procedure asks for ("khac" when none is listed).
    pub fn component_type(&self, component: &str) -> &str {
        longest_match(&self.types, component, |t| &t.components, OTHER)
    }

    /// The kind of document a procedure's result is.
    pub fn result_type(&self, result: &str) -> &str {
        longest_match(&self.types, result, |t| &t.results, OTHER_RESULT)
    }

    /// Whether one more document of `adding` bytes fits next to `used_bytes` in `used_count`
    /// documents; the message says what is full.
    pub fn check_quota(&self, used_bytes: u64, used_count: u64, adding: u64) -> Result<(), String> {
        if used_count >= self.max_documents {
            return Err(format!(
                "kho dữ liệu của công dân đã đủ {} giấy tờ; hãy xóa bớt giấy tờ không dùng",
                self.max_documents
            ));
        }
        if used_bytes.saturating_add(adding) > self.quota_bytes {
            return Err(format!(
                "kho dữ liệu của công dân chỉ chứa tối đa {} MiB (đã dùng {:.1} MiB)",
                self.quota_bytes / (1024 * 1024),
                used_bytes as f64 / (1024.0 * 1024.0)
            ));
        }
        Ok(())
    }
}

/// How a document came into the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// Uploaded by the citizen (to the store or with an online dossier).
    Uploaded,
    /// Scanned at the counter by an officer who saw the original.
    Counter,
    /// The signed e-result of a dossier.
    Result,
    /// An electronic certified copy.
    CertifiedCopy,
}

impl Source {
    pub fn code(self) -> &'static str {
        match self {
            Source::Uploaded => "uploaded",
            Source::Counter => "counter",
            Source::Result => "result",
            Source::CertifiedCopy => "certified_copy",
        }
    }

    pub fn parse(code: &str) -> Option<Source> {
        [
            Source::Uploaded,
            Source::Counter,
            Source::Result,
            Source::CertifiedCopy,
        ]
        .into_iter()
        .find(|s| s.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Source::Uploaded => "Công dân tải lên",
            Source::Counter => "Số hóa tại Bộ phận một cửa",
            Source::Result => "Kết quả điện tử của hồ sơ",
            Source::CertifiedCopy => "Bản sao chứng thực điện tử",
        }
    }
}

/// A document held in a citizen's store, as much as matching needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    pub id: String,
    pub doc_type: String,
    pub title: String,
    pub expires_on: Option<NaiveDate>,
}

impl StoreRules {
    /// The held documents that may stand for `component` on `today`: of the kind it asks for (or,
    /// for components of no listed kind, kept under the same name), not expired; newest first as
    /// given.
    pub fn reusable<'a>(
        &self,
        component: &str,
        held: &'a [Held],
        today: NaiveDate,
    ) -> Vec<&'a Held> {
        let wanted = self.component_type(component);
        let name = crate::text::clean(component);
        held.iter()
            .filter(|h| h.expires_on.is_none_or(|end| end >= today))
            .filter(|h| {
                if wanted == OTHER {
                    h.doc_type == OTHER && h.title == name
                } else {
                    h.doc_type == wanted
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn rules() -> StoreRules {
        parse_store_rules(
            "kho-du-lieu.toml",
            include_str!("../../../../data/citizen/kho-du-lieu.toml"),
        )
        .expect("the shipped rules load")
    }

    fn held(id: &str, doc_type: &str, title: &str, expires: Option<NaiveDate>) -> Held {
        Held {
            id: id.into(),
            doc_type: doc_type.into(),
            title: title.into(),
            expires_on: expires,
        }
    }

    #[test]
    fn components_and_results_find_their_kind_by_the_longest_beginning() {
        let rules = rules();
        assert_eq!(
            rules.component_type("Giấy tờ tùy thân của người đi đăng ký (hộ chiếu…)"),
            "giay-to-tuy-than"
        );
        assert_eq!(
            rules.component_type("giấy tờ tùy thân của hai bên nam, nữ"),
            "giay-to-tuy-than"
        );
        assert_eq!(
            rules.component_type("Giấy báo tử hoặc trích lục khai tử của người chết"),
            "trich-luc-khai-tu"
        );
        assert_eq!(rules.component_type("Tờ khai đăng ký khai sinh"), OTHER);
        assert_eq!(
            rules.result_type("Giấy khai sinh (bản chính)"),
            "giay-khai-sinh"
        );
        assert_eq!(
            rules.result_type("Trích lục khai tử (bản chính)"),
            "trich-luc-khai-tu"
        );
        assert_eq!(
            rules.result_type("Trích lục đăng ký giám hộ"),
            "trich-luc-ho-tich"
        );
        assert_eq!(
            rules.result_type("Quyết định hỗ trợ chi phí mai táng"),
            OTHER_RESULT
        );
        assert_eq!(rules.quota_bytes, 200 * 1024 * 1024);
    }

    #[test]
    fn only_documents_of_the_asked_kind_and_still_valid_are_offered() {
        let rules = rules();
        let today = NaiveDate::from_ymd_opt(2026, 11, 26).expect("date");
        let stored = [
            held("a", "giay-to-tuy-than", "Thẻ căn cước", Some(today)),
            held("b", "giay-to-tuy-than", "Hộ chiếu cũ", today.pred_opt()),
            held("c", OTHER, "Tờ khai đăng ký khai sinh", None),
            held("d", "giay-khai-sinh", "Giấy khai sinh", None),
        ];
        let ids = |found: Vec<&Held>| found.iter().map(|h| h.id.clone()).collect::<Vec<_>>();
        assert_eq!(
            ids(rules.reusable("Giấy tờ tùy thân của người yêu cầu", &stored, today)),
            ["a"]
        );
        assert_eq!(
            ids(rules.reusable("Tờ khai đăng ký khai sinh", &stored, today)),
            ["c"]
        );
        assert!(rules
            .reusable("Tờ khai đăng ký kết hôn", &stored, today)
            .is_empty());
    }

    #[test]
    fn the_quota_counts_bytes_and_documents() {
        let rules = rules();
        assert!(rules.check_quota(0, 0, rules.quota_bytes).is_ok());
        let full = rules
            .check_quota(rules.quota_bytes - 10, 3, 11)
            .expect_err("over");
        assert!(full.contains("200 MiB"), "{full}");
        assert!(rules.check_quota(0, rules.max_documents, 1).is_err());
    }

    #[test]
    fn mistakes_are_reported_with_their_lines() {
        let text = "quota_mib = 0\nmax_documents = 5\n[[type]]\ncode = \"khac\"\nname = \"Khác\"\n[[type]]\ncode = \"Khac Lon\"\nname = \"x\"\ncomponents = [\"\"]\n";
        let error = parse_store_rules("kho.toml", text)
            .expect_err("bad")
            .to_string();
        assert!(error.contains("kho.toml:1"), "{error}");
        assert!(error.contains("quota_mib phải từ 1"), "{error}");
        assert!(
            error.contains("kho.toml:7") && error.contains("Khac Lon"),
            "{error}"
        );
        assert!(error.contains("mục rỗng"), "{error}");
        assert!(error.contains("ket-qua-tthc"), "{error}");
    }

    proptest! {
        /// Whatever follows a listed beginning, the component keeps that kind; an expired document
        /// is never offered.
        #[test]
        fn a_listed_beginning_decides_the_kind(tail in "[ a-zđơư,()]{0,40}", days in 1i64..4000) {
            let rules = rules();
            prop_assert_eq!(rules.component_type(&format!("Giấy chứng sinh{tail}")), "giay-chung-sinh");
            let today = NaiveDate::from_ymd_opt(2026, 1, 1).expect("date");
            let old = held("x", "giay-chung-sinh", "Giấy chứng sinh", today.checked_sub_signed(chrono::Duration::days(days)));
            prop_assert!(rules.reusable("Giấy chứng sinh", std::slice::from_ref(&old), today).is_empty());
        }
    }
}
