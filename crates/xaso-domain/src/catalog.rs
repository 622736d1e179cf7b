//! The procedure catalog (thủ tục hành chính): what a procedure is, and the checks a catalog file
//! passes before anything of it is imported. The file format is described in `data/catalog/README.md`.

use serde::{Deserialize, Serialize};

use crate::datafile::{DataError, DataFile};
use crate::money::format_vnd;
use crate::text;

pub mod national;

/// A national procedure code such as `1.001193` (digits in dot-separated groups).
pub fn is_valid_procedure_code(code: &str) -> bool {
    let groups: Vec<&str> = code.split('.').collect();
    groups.len() >= 2
        && code.len() <= 40
        && groups
            .iter()
            .all(|g| !g.is_empty() && g.bytes().all(|b| b.is_ascii_digit()))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Commune,
    Province,
    Central,
}

impl Level {
    pub fn label(self) -> &'static str {
        match self {
            Level::Commune => "Cấp xã",
            Level::Province => "Cấp tỉnh",
            Level::Central => "Cấp trung ương",
        }
    }
}

/// How much of the procedure a citizen can do online (DVC trực tuyến).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum OnlineLevel {
    Full,
    Partial,
    None,
}

impl OnlineLevel {
    pub fn label(self) -> &'static str {
        match self {
            OnlineLevel::Full => "Dịch vụ công trực tuyến toàn trình",
            OnlineLevel::Partial => "Dịch vụ công trực tuyến một phần",
            OnlineLevel::None => "Nộp trực tiếp hoặc qua bưu chính",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ProcessingTime {
    /// Same working day; received after `cutoff` → the next working day.
    Immediate {
        #[serde(default = "default_cutoff")]
        cutoff: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        extended_days: Option<u32>,
    },
    WorkingDays {
        days: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        extended_days: Option<u32>,
    },
    WorkingHours {
        hours: u32,
    },
}

fn default_cutoff() -> String {
    "15:00".to_string()
}

impl ProcessingTime {
    pub fn describe(&self) -> String {
        match self {
            ProcessingTime::Immediate {
                cutoff,
                extended_days,
            } => {
                let mut s = format!(
                    "Trong ngày làm việc (tiếp nhận sau {cutoff} thì trả kết quả trong ngày làm việc tiếp theo)"
                );
                if let Some(extra) = extended_days {
                    s.push_str(&format!(
                        "; trường hợp cần xác minh: không quá {extra} ngày làm việc"
                    ));
                }
                s
            }
            ProcessingTime::WorkingDays {
                days,
                extended_days,
            } => {
                let mut s = format!("{days} ngày làm việc");
                if let Some(extra) = extended_days {
                    s.push_str(&format!(
                        "; trường hợp cần xác minh: kéo dài thêm không quá {extra} ngày làm việc"
                    ));
                }
                s
            }
            ProcessingTime::WorkingHours { hours } => format!("{hours} giờ làm việc"),
        }
    }

    fn check(&self, problems: &mut Vec<(&'static str, String)>) {
        match self {
            ProcessingTime::Immediate {
                cutoff,
                extended_days,
            } => {
                if parse_clock(cutoff).is_none() {
                    problems.push((
                        "time",
                        format!("giờ chốt `{cutoff}` không hợp lệ (dạng HH:MM, ví dụ 15:00)"),
                    ));
                }
                check_days("time", *extended_days, problems);
            }
            ProcessingTime::WorkingDays {
                days,
                extended_days,
            } => {
                check_days("time", Some(*days), problems);
                check_days("time", *extended_days, problems);
            }
            ProcessingTime::WorkingHours { hours } => {
                if !(1..=2000).contains(hours) {
                    problems.push(("time", format!("số giờ {hours} phải từ 1 đến 2000")));
                }
            }
        }
    }
}

fn check_days(key: &'static str, days: Option<u32>, problems: &mut Vec<(&'static str, String)>) {
    if let Some(days) = days {
        if !(1..=365).contains(&days) {
            problems.push((key, format!("số ngày {days} phải từ 1 đến 365")));
        }
    }
}

/// `HH:MM` on a 24-hour clock → minutes after midnight.
pub fn parse_clock(value: &str) -> Option<u32> {
    let (h, m) = value.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60).then_some(h * 60 + m)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PageTier {
    pub from: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<u32>,
    /// đồng per page
    pub amount: u64,
}

/// Fees in integer đồng.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum FeeSchedule {
    Free,
    Fixed {
        amount: u64,
        #[serde(default = "default_fee_unit")]
        unit: String,
    },
    PerPage {
        tiers: Vec<PageTier>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cap: Option<u64>,
        #[serde(default = "default_page_unit")]
        unit: String,
    },
    FreeIfOnTime {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        late: Option<u64>,
    },
    SetByProvince {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        amount: Option<u64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
}

fn default_fee_unit() -> String {
    "hồ sơ".to_string()
}

fn default_page_unit() -> String {
    "bản".to_string()
}

impl FeeSchedule {
    /// Whether the schedule can ever charge something (used for the online-payment targets).
    pub fn may_charge(&self) -> bool {
        match self {
            FeeSchedule::Free => false,
            FeeSchedule::Fixed { amount, .. } => *amount > 0,
            FeeSchedule::PerPage { .. } => true,
            FeeSchedule::FreeIfOnTime { late } => late.is_some_and(|a| a > 0),
            FeeSchedule::SetByProvince { amount, .. } => amount.is_none_or(|a| a > 0),
        }
    }

    /// The fee for one copy of `pages` pages under a per-page schedule; `None` for other kinds.
    pub fn per_page_amount(&self, pages: u32) -> Option<u64> {
        let FeeSchedule::PerPage { tiers, cap, .. } = self else {
            return None;
        };
        let total: u64 = (1..=pages)
            .map(|page| {
                tiers
                    .iter()
                    .find(|t| t.from <= page && t.to.is_none_or(|to| page <= to))
                    .map_or(0, |t| t.amount)
            })
            .sum();
        Some(cap.map_or(total, |cap| total.min(cap)))
    }

    pub fn describe(&self) -> String {
        match self {
            FeeSchedule::Free => "Không thu phí, lệ phí".to_string(),
            FeeSchedule::Fixed { amount, unit } => format!("{}/{unit}", format_vnd(*amount)),
            FeeSchedule::PerPage { tiers, cap, unit } => {
                let mut parts: Vec<String> = tiers
                    .iter()
                    .map(|t| match t.to {
                        Some(to) if to == t.from => {
                            format!("{}/trang cho trang {}", format_vnd(t.amount), t.from)
                        }
                        Some(to) => format!(
                            "{}/trang cho trang {} đến {to}",
                            format_vnd(t.amount),
                            t.from
                        ),
                        None => {
                            format!("{}/trang từ trang {}", format_vnd(t.amount), t.from)
                        }
                    })
                    .collect();
                if let Some(cap) = cap {
                    parts.push(format!("tối đa {}/{unit}", format_vnd(*cap)));
                }
                parts.join("; ")
            }
            FeeSchedule::FreeIfOnTime { late } => match late {
                Some(late) => format!(
                    "Miễn lệ phí nếu thực hiện đúng hạn; quá hạn: {}",
                    format_vnd(*late)
                ),
                None => "Miễn lệ phí nếu thực hiện đúng hạn; quá hạn: theo mức của HĐND tỉnh"
                    .to_string(),
            },
            FeeSchedule::SetByProvince { amount, note } => {
                let mut s = match amount {
                    Some(a) => format!("{} (theo Nghị quyết của HĐND tỉnh)", format_vnd(*a)),
                    None => "Theo mức thu do HĐND tỉnh quy định".to_string(),
                };
                if let Some(note) = note {
                    s.push_str(&format!(" — {note}"));
                }
                s
            }
        }
    }

    fn check(&self, problems: &mut Vec<(&'static str, String)>) {
        if let FeeSchedule::PerPage { tiers, cap, .. } = self {
            let mut expected_from = 1;
            for (i, tier) in tiers.iter().enumerate() {
                let last = i + 1 == tiers.len();
                if tier.from != expected_from {
                    problems.push((
                        "fee",
                        format!(
                            "bậc phí thứ {} phải bắt đầu từ trang {expected_from}, không phải {}",
                            i + 1,
                            tier.from
                        ),
                    ));
                    return;
                }
                match (tier.to, last) {
                    (Some(to), false) if to >= tier.from => expected_from = to + 1,
                    (None, true) => {}
                    (Some(_), true) => problems.push((
                        "fee",
                        "bậc phí cuối cùng không được có `to` (áp dụng cho mọi trang còn lại)"
                            .to_string(),
                    )),
                    _ => {
                        problems.push(("fee", format!("bậc phí thứ {} cần `to` ≥ `from`", i + 1)));
                        return;
                    }
                }
            }
            if tiers.is_empty() {
                problems.push(("fee", "phí theo trang cần ít nhất một bậc".to_string()));
            }
            if *cap == Some(0) {
                problems.push(("fee", "mức tối đa phải lớn hơn 0".to_string()));
            }
        }
    }
}

/// How a component must be provided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ComponentForm {
    Original,
    CertifiedCopy,
    Copy,
    Present,
}

impl ComponentForm {
    pub fn label(self) -> &'static str {
        match self {
            ComponentForm::Original => "Bản chính",
            ComponentForm::CertifiedCopy => "Bản sao có chứng thực",
            ComponentForm::Copy => "Bản sao hoặc bản chụp",
            ComponentForm::Present => "Xuất trình bản chính để đối chiếu",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Component {
    pub name: String,
    pub form: ComponentForm,
    #[serde(default = "one")]
    pub count: u32,
    #[serde(default = "yes")]
    pub mandatory: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
}

fn one() -> u32 {
    1
}

fn yes() -> bool {
    true
}

/// Facts of an entry that could not be verified against an official source.
pub const VERIFIABLE_FACTS: &[&str] = &[
    "code",
    "name",
    "time",
    "fee",
    "components",
    "legal_basis",
    "online",
];

/// One version of a procedure, as held in the catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Procedure {
    pub code: String,
    pub name: String,
    pub field: String,
    pub level: Level,
    pub agency: String,
    pub result: String,
    pub online: OnlineLevel,
    pub location_independent: bool,
    pub legal_basis: Vec<String>,
    pub time: ProcessingTime,
    pub fee: FeeSchedule,
    #[serde(rename = "component", alias = "components")]
    pub components: Vec<Component>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unverified: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The workflow (`data/workflows/KEY.toml`); the default one when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workflow: Option<String>,
}

impl Procedure {
    /// NFC-normalises every text and returns the problems found, each with the key it concerns.
    fn normalise_and_check(&mut self) -> Vec<(&'static str, String)> {
        let mut problems = Vec::new();
        self.code = self.code.trim().to_string();
        if !is_valid_procedure_code(&self.code) {
            problems.push((
                "code",
                format!(
                    "mã thủ tục `{}` không hợp lệ (chữ số, phân cách bằng dấu chấm, ví dụ 1.001193)",
                    self.code
                ),
            ));
        }
        for (key, value) in [
            ("name", &mut self.name),
            ("field", &mut self.field),
            ("agency", &mut self.agency),
            ("result", &mut self.result),
        ] {
            *value = text::clean(value);
            if value.is_empty() {
                problems.push((key, format!("`{key}` không được để trống")));
            } else if value.chars().count() > 500 {
                problems.push((key, format!("`{key}` dài quá 500 ký tự")));
            }
        }
        if self.legal_basis.is_empty() {
            problems.push(("legal_basis", "cần ít nhất một căn cứ pháp lý".to_string()));
        }
        for basis in &mut self.legal_basis {
            *basis = text::clean(basis);
            if basis.is_empty() {
                problems.push(("legal_basis", "căn cứ pháp lý để trống".to_string()));
            }
        }
        self.time.check(&mut problems);
        self.fee.check(&mut problems);
        if self.components.is_empty() {
            problems.push(("component", "cần ít nhất một thành phần hồ sơ".to_string()));
        }
        for component in &mut self.components {
            component.name = text::clean(&component.name);
            if component.name.is_empty() {
                problems.push(("component", "thành phần hồ sơ thiếu tên".to_string()));
            }
            if !(1..=100).contains(&component.count) {
                problems.push((
                    "component",
                    format!(
                        "số lượng {} của “{}” phải từ 1 đến 100",
                        component.count, component.name
                    ),
                ));
            }
            component.template = component.template.as_deref().map(text::clean);
        }
        for (i, fact) in self.unverified.iter().enumerate() {
            if !VERIFIABLE_FACTS.contains(&fact.as_str()) {
                problems.push((
                    "unverified",
                    format!(
                        "`{fact}` không phải một thông tin cần xác minh (chọn trong: {})",
                        VERIFIABLE_FACTS.join(", ")
                    ),
                ));
            } else if self.unverified[..i].contains(fact) {
                problems.push(("unverified", format!("`{fact}` bị lặp")));
            }
        }
        self.note = self.note.as_deref().map(text::clean);
        problems
    }

    /// The folded text the search column holds.
    pub fn search_document(&self) -> String {
        text::search_document(&[&self.code, &self.name, &self.field, &self.result])
    }

    pub fn is_verified(&self) -> bool {
        self.unverified.is_empty()
    }
}

/// The checks every catalog entry passes, whatever file it came from (a catalog file, a national
/// export): its texts NFC-normalised, its rules checked, its code not among the `earlier` entries of
/// the same file. Each problem comes with the key it concerns and reads "CODE: reason".
pub(crate) fn check_entry(
    procedure: &mut Procedure,
    earlier: &[Procedure],
) -> Vec<(&'static str, String)> {
    let mut problems: Vec<(&'static str, String)> = procedure
        .normalise_and_check()
        .into_iter()
        .map(|(key, message)| (key, format!("{}: {message}", procedure.code)))
        .collect();
    if earlier.iter().any(|p| p.code == procedure.code) {
        problems.push((
            "code",
            format!("mã thủ tục {} xuất hiện hai lần trong tệp", procedure.code),
        ));
    }
    problems
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogFile {
    #[serde(default)]
    procedure: Vec<toml::Spanned<toml::Value>>,
}

/// Parses and checks a whole catalog file. Either every entry is good, or every problem is returned
/// with its line, so an administrator fixes the file in one pass.
pub fn parse_catalog(file_name: &str, source: &str) -> Result<Vec<Procedure>, DataError> {
    let file = DataFile::new(file_name, source);
    let raw: CatalogFile = file.parse_toml()?;
    let mut problems = Vec::new();
    let mut procedures: Vec<Procedure> = Vec::new();
    for entry in raw.procedure {
        let span = entry.span();
        let value = entry.into_inner();
        let mut procedure = match Procedure::deserialize(value) {
            Ok(p) => p,
            Err(e) => {
                problems.push(file.problem_in(&span, None, &format!("mục thủ tục sai: {e}")));
                continue;
            }
        };
        for (key, message) in check_entry(&mut procedure, &procedures) {
            problems.push(file.problem_in(&span, Some(key), &message));
        }
        procedures.push(procedure);
    }
    if procedures.is_empty() && problems.is_empty() {
        problems.push(file.problem_at(1, "tệp không có mục [[procedure]] nào".to_string()));
    }
    DataError::or_value(problems, procedures)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
[[procedure]]
code = "2.000815"
name = "Chứng thực bản sao từ bản chính giấy tờ, văn bản"
field = "Chứng thực"
level = "commune"
agency = "UBND cấp xã"
result = "Bản sao được chứng thực từ bản chính"
online = "partial"
location_independent = true
legal_basis = ["Nghị định 23/2015/NĐ-CP"]
time = { kind = "immediate" }
fee = { kind = "per_page", tiers = [{ from = 1, to = 2, amount = 2000 }, { from = 3, amount = 1000 }], cap = 200000 }

[[procedure.component]]
name = "Bản chính giấy tờ, văn bản"
form = "present"
"#;

    #[test]
    fn a_good_file_parses_with_defaults() {
        let procs = parse_catalog("good.toml", GOOD).expect("valid");
        assert_eq!(procs.len(), 1);
        let p = &procs[0];
        assert_eq!(
            p.time,
            ProcessingTime::Immediate {
                cutoff: "15:00".into(),
                extended_days: None
            }
        );
        assert_eq!(p.components[0].count, 1);
        assert!(p.components[0].mandatory);
        assert!(p.fee.may_charge());
    }

    #[test]
    fn per_page_tiers_and_cap() {
        let procs = parse_catalog("good.toml", GOOD).expect("valid");
        let fee = &procs[0].fee;
        assert_eq!(fee.per_page_amount(1), Some(2_000));
        assert_eq!(fee.per_page_amount(2), Some(4_000));
        assert_eq!(fee.per_page_amount(3), Some(5_000));
        assert_eq!(fee.per_page_amount(250), Some(200_000));
        assert_eq!(fee.per_page_amount(198), Some(200_000));
        assert_eq!(fee.per_page_amount(197), Some(199_000));
        assert_eq!(
            fee.describe(),
            "2.000 đ/trang cho trang 1 đến 2; 1.000 đ/trang từ trang 3; tối đa 200.000 đ/bản"
        );
    }

    #[test]
    fn every_bad_entry_is_reported_with_its_line() {
        let bad = format!(
            "{GOOD}\n[[procedure]]\ncode = \"abc\"\nname = \"\"\nfield = \"Hộ tịch\"\nlevel = \"commune\"\nagency = \"UBND cấp xã\"\nresult = \"x\"\nonline = \"none\"\nlocation_independent = false\nlegal_basis = []\ntime = {{ kind = \"working_days\", days = 0 }}\nfee = {{ kind = \"free\" }}\nunverified = [\"colour\"]\n\n[[procedure.component]]\nname = \"Tờ khai\"\nform = \"original\"\n\n[[procedure]]\ncode = \"2.000815\"\nname = \"Trùng mã\"\n"
        );
        let err = parse_catalog("bad.toml", &bad).expect_err("invalid");
        let text = err.to_string();
        assert!(
            text.contains("bad.toml:20: abc: mã thủ tục `abc` không hợp lệ"),
            "{text}"
        );
        assert!(
            text.contains("bad.toml:21: abc: `name` không được để trống"),
            "{text}"
        );
        assert!(
            text.contains("bad.toml:28: abc: cần ít nhất một căn cứ pháp lý"),
            "{text}"
        );
        assert!(
            text.contains("bad.toml:29: abc: số ngày 0 phải từ 1 đến 365"),
            "{text}"
        );
        assert!(
            text.contains("bad.toml:31: abc: `colour` không phải"),
            "{text}"
        );
        // The third entry misses required keys: reported at its header line.
        assert!(text.contains("bad.toml:37: mục thủ tục sai"), "{text}");
        assert!(text.contains("missing field"), "{text}");
        assert_eq!(err.problems.len(), 6, "{text}");
    }

    #[test]
    fn syntax_errors_name_the_line() {
        let err = parse_catalog("broken.toml", "[[procedure]]\ncode = \"1.1\nname = 3\n")
            .expect_err("invalid");
        assert_eq!(err.problems.len(), 1);
        assert!(err.to_string().starts_with("broken.toml:2:"), "{err}");
    }

    #[test]
    fn unknown_keys_are_refused() {
        let typo = GOOD.replace("online = ", "onlien = \"full\"\nonline = ");
        let err = parse_catalog("typo.toml", &typo).expect_err("invalid");
        assert!(err.to_string().contains("onlien"), "{err}");
    }

    #[test]
    fn tiers_must_be_contiguous() {
        let gap = GOOD.replace("{ from = 3, amount", "{ from = 4, amount");
        let err = parse_catalog("gap.toml", &gap).expect_err("invalid");
        assert!(err.to_string().contains("phải bắt đầu từ trang 3"), "{err}");
    }

    #[test]
    fn procedure_codes() {
        assert!(is_valid_procedure_code("1.001193"));
        assert!(is_valid_procedure_code("1.001193.000.00.00"));
        assert!(!is_valid_procedure_code("1001193"));
        assert!(!is_valid_procedure_code("1..2"));
        assert!(!is_valid_procedure_code("1.00119a"));
    }
}

/// How well a procedure answers a search, or `None` when some query word is missing from it.
/// Ranking is computed here rather than by the database so that SQLite and PostgreSQL list
/// results in the same order. Query words match a document word they start (`khai s` finds
/// "khai sinh"); the exact name, then the name as a phrase, then shorter names come first.
pub fn search_score(query: &[String], code: &str, name: &str, search_text: &str) -> Option<i64> {
    if query.is_empty() {
        return Some(0);
    }
    let document: Vec<&str> = search_text.split(' ').collect();
    let prefix_of = |words: &[&str], term: &str| words.iter().any(|w| w.starts_with(term));
    if !query.iter().all(|term| prefix_of(&document, term)) {
        return None;
    }
    let name_terms = text::search_terms(name);
    let name_words: Vec<&str> = name_terms.iter().map(String::as_str).collect();
    let query_words: Vec<&str> = query.iter().map(String::as_str).collect();
    let mut score: i64 = 0;
    if text::search_terms(code) == query {
        score += 5000;
    }
    if name_words == query_words {
        score += 1000;
    }
    if name_words
        .windows(query_words.len())
        .any(|w| w == query_words)
    {
        score += 500;
    }
    if name_words.starts_with(&query_words) {
        score += 200;
    }
    if query_words.iter().all(|t| name_words.contains(t)) {
        score += 100;
    }
    if query_words.iter().all(|t| prefix_of(&name_words, t)) {
        score += 50;
    }
    Some(score - name_words.len() as i64)
}

#[cfg(test)]
mod search_tests {
    use super::search_score;
    use crate::text::{search_document, search_terms};

    fn score(query: &str, name: &str) -> Option<i64> {
        let doc = search_document(&["1.000001", name, "Hộ tịch"]);
        search_score(&search_terms(query), "1.000001", name, &doc)
    }

    #[test]
    fn exact_name_beats_longer_names() {
        let exact = score("dang ki khai sinh", "Đăng ký khai sinh");
        let longer = score(
            "dang ki khai sinh",
            "Đăng ký khai sinh có yếu tố nước ngoài",
        );
        let again = score("dang ki khai sinh", "Đăng ký lại khai sinh");
        assert!(
            exact > longer && longer > again,
            "{exact:?} {longer:?} {again:?}"
        );
    }

    #[test]
    fn every_word_must_be_found_as_a_prefix() {
        assert!(score("khai s", "Đăng ký khai sinh").is_some());
        assert!(score("ho tich", "Đăng ký khai sinh").is_some());
        assert_eq!(score("ket hon", "Đăng ký khai sinh"), None);
    }

    #[test]
    fn the_code_finds_its_procedure_first() {
        let by_code = score("1.000001", "Đăng ký khai sinh");
        assert!(by_code > score("dang ky khai sinh", "Đăng ký khai sinh"));
    }
}
