//! The free Vietnamese text of a national export — processing times ("03 ngày làm việc"), fees
//! ("Lệ phí: 8.000 đồng"), dossier components ("Tờ khai (bản chính, 01 bản)") — read where it
//! follows the common patterns. Each reading says whether it is `certain`; an uncertain one is the
//! best value the text gives, and the caller lists the fact in `unverified`.

use crate::catalog::{Component, ComponentForm, FeeSchedule, PageTier, ProcessingTime};
use crate::text;

/// A value read from free text, and whether the text said it plainly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reading<T> {
    pub value: T,
    pub certain: bool,
}

/// Text folded character by character (marks dropped, `đ`→`d`, lowercase), so that a position
/// found in the folded text is the same position in the original.
struct Folded {
    original: Vec<char>,
    folded: Vec<char>,
}

impl Folded {
    fn new(input: &str) -> Self {
        let original: Vec<char> = text::nfc(input).chars().collect();
        let folded = original
            .iter()
            .map(|c| text::fold(&c.to_string()).chars().next().unwrap_or(*c))
            .collect();
        Folded { original, folded }
    }

    fn find(&self, pattern: &str, from: usize) -> Option<usize> {
        let pattern: Vec<char> = pattern.chars().collect();
        (from..=self.folded.len().saturating_sub(pattern.len()))
            .find(|&i| self.folded[i..].starts_with(&pattern))
    }

    fn contains(&self, pattern: &str) -> bool {
        self.find(pattern, 0).is_some()
    }

    fn find_all(&self, pattern: &str) -> Vec<usize> {
        let mut found = Vec::new();
        let mut from = 0;
        while let Some(at) = self.find(pattern, from) {
            found.push(at);
            from = at + 1;
        }
        found
    }

    /// The number written just before `at` ("03 ngày", "05 (năm) ngày"), skipping a word in
    /// parentheses; `None` when no digits come first.
    fn number_before(&self, at: usize) -> Option<u64> {
        self.number_ending_at(at).map(|(n, _)| n)
    }

    /// The number just before `at` and where it starts.
    fn number_ending_at(&self, at: usize) -> Option<(u64, usize)> {
        let mut i = at;
        let skip_spaces = |i: &mut usize| {
            while *i > 0 && self.folded[*i - 1].is_whitespace() {
                *i -= 1;
            }
        };
        skip_spaces(&mut i);
        if i > 0 && self.folded[i - 1] == ')' {
            while i > 0 && self.folded[i - 1] != '(' {
                i -= 1;
            }
            i = i.saturating_sub(1);
            skip_spaces(&mut i);
        }
        let end = i;
        while i > 0 && (self.folded[i - 1].is_ascii_digit() || self.folded[i - 1] == '.') {
            i -= 1;
        }
        parse_amount(&self.folded[i..end].iter().collect::<String>()).map(|n| (n, i))
    }

    /// The number starting at `at` after spaces, and where it ends.
    fn number_after(&self, at: usize) -> Option<(u64, usize)> {
        let mut i = at;
        while i < self.folded.len() && self.folded[i].is_whitespace() {
            i += 1;
        }
        let start = i;
        while i < self.folded.len() && (self.folded[i].is_ascii_digit() || self.folded[i] == '.') {
            i += 1;
        }
        parse_amount(&self.folded[start..i].iter().collect::<String>()).map(|n| (n, i))
    }

    fn original(&self, range: std::ops::Range<usize>) -> String {
        self.original[range].iter().collect()
    }
}

/// "8.000", "200.000", "15" → the integer; a dot (or comma) only as a thousands separator.
fn parse_amount(digits: &str) -> Option<u64> {
    let digits = digits.trim_end_matches('.');
    let groups: Vec<&str> = digits.split(['.', ',']).collect();
    let grouped = groups.len() == 1
        || (!groups[0].is_empty()
            && groups[0].len() <= 3
            && groups[1..].iter().all(|g| g.len() == 3));
    if digits.is_empty() || !grouped {
        return None;
    }
    groups.concat().parse().ok()
}

/// Phrases that mean "handled the same working day".
const SAME_DAY: &[&str] = &[
    "trong ngay",
    "ngay sau khi",
    "giai quyet ngay",
    "tra ket qua ngay",
];

/// A processing time such as "03 ngày làm việc", "Ngay trong ngày làm việc; trường hợp nhận hồ sơ
/// sau 15 giờ thì trả kết quả trong ngày làm việc tiếp theo" or "08 giờ làm việc".
pub fn processing_time(input: &str) -> Result<Reading<ProcessingTime>, String> {
    let t = Folded::new(input);
    let numbers = |unit: &str| -> Vec<(usize, u64)> {
        t.find_all(unit)
            .into_iter()
            .filter_map(|at| Some((at, t.number_before(at)?)))
            .collect()
    };
    let working_days = numbers("ngay lam viec");
    let all_days = numbers("ngay");
    let calendar_days = all_days.len() > working_days.len();
    let hours: Vec<(usize, u64)> = numbers("gio lam viec");
    // "sau 15 giờ" / "sau 15 giờ 00" is the same-day cut-off, not a duration.
    let cutoff = t.find_all("sau ").into_iter().find_map(|at| {
        let (hour, end) = t.number_after(at + 4)?;
        let rest: String = t.folded[end..].iter().take(4).collect();
        (hour < 24 && (rest.trim_start().starts_with("gio") || rest.starts_with('h')))
            .then(|| format!("{hour:02}:00"))
    });
    let same_day = SAME_DAY.iter().any(|p| t.contains(p));
    let days = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
    if same_day && working_days.len() <= 1 {
        let first_days = working_days.first().map(|(at, n)| (*at, days(*n)));
        let same_day_first = SAME_DAY
            .iter()
            .filter_map(|p| t.find(p, 0))
            .min()
            .is_some_and(|at| first_days.is_none_or(|(days_at, _)| at < days_at));
        if same_day_first {
            return Ok(Reading {
                value: ProcessingTime::Immediate {
                    cutoff: cutoff.unwrap_or_else(|| "15:00".to_string()),
                    extended_days: first_days.map(|(_, n)| n),
                },
                certain: !calendar_days,
            });
        }
    }
    if let Some((_, first)) = working_days.first() {
        let extra = working_days.get(1).filter(|(at, _)| {
            let clause_start = t.folded[..*at]
                .iter()
                .rposition(|c| matches!(c, ';' | '.' | ','))
                .unwrap_or(0);
            t.folded[clause_start..*at]
                .iter()
                .collect::<String>()
                .contains("them")
        });
        return Ok(Reading {
            value: ProcessingTime::WorkingDays {
                days: days(*first),
                extended_days: extra.map(|(_, n)| days(*n)),
            },
            certain: !calendar_days
                && (working_days.len() == 1 || (working_days.len() == 2 && extra.is_some())),
        });
    }
    if let Some((_, first)) = hours.first() {
        return Ok(Reading {
            value: ProcessingTime::WorkingHours {
                hours: days(*first),
            },
            certain: hours.len() == 1 && all_days.is_empty(),
        });
    }
    if let Some((_, first)) = all_days.first() {
        // Calendar days have no kind of their own in the catalog: the nearest is working days.
        return Ok(Reading {
            value: ProcessingTime::WorkingDays {
                days: days(*first),
                extended_days: None,
            },
            certain: false,
        });
    }
    Err(format!(
        "không đọc được thời hạn giải quyết “{}” (dạng đọc được: “03 ngày làm việc”, “Trong ngày làm việc”, “08 giờ làm việc”)",
        input.trim()
    ))
}

/// An amount of money in the text: where it starts and ends, and its value in đồng.
fn amounts(t: &Folded) -> Vec<(usize, usize, u64)> {
    let mut found = Vec::new();
    let mut i = 0;
    while i < t.folded.len() {
        if !t.folded[i].is_ascii_digit() || (i > 0 && t.folded[i - 1].is_ascii_digit()) {
            i += 1;
            continue;
        }
        let Some((value, end)) = t.number_after(i) else {
            i += 1;
            continue;
        };
        let rest: String = t.folded[end..].iter().take(5).collect();
        let rest = rest.trim_start();
        // "8.000 đồng", "8.000 VNĐ", "8.000đ" (a lone "đ", not the first letter of a word).
        let currency = match ["dong", "vnd"].iter().find(|c| rest.starts_with(*c)) {
            Some(word) => Some(word.len()),
            None => rest
                .strip_prefix('d')
                .filter(|after| !after.starts_with(char::is_alphabetic))
                .map(|_| 1),
        };
        if let Some(len) = currency {
            let spaces = t.folded[end..]
                .iter()
                .take_while(|c| c.is_whitespace())
                .count();
            found.push((i, end + spaces + len, value));
        }
        i = end.max(i + 1);
    }
    found
}

/// The unit after an amount ("10.000 đồng/trường hợp" → "trường hợp").
fn unit_after(t: &Folded, end: usize) -> Option<String> {
    let mut i = end;
    while i < t.folded.len() && t.folded[i].is_whitespace() {
        i += 1;
    }
    if t.folded.get(i) != Some(&'/') {
        return None;
    }
    let start = i + 1;
    let stop = (start..t.folded.len())
        .find(|&j| matches!(t.folded[j], ',' | ';' | '.' | '(' | ')' | '\n'))
        .unwrap_or(t.folded.len());
    let unit = text::clean(&t.original(start..stop));
    (!unit.is_empty()).then_some(unit)
}

/// Phrases that mean nothing is charged.
const FREE: &[&str] = &["mien", "khong thu", "khong co", "khong"];

/// Phrases that mean the provincial council sets the amount.
const SET_BY_PROVINCE: &[&str] = &["hdnd", "hoi dong nhan dan", "nghi quyet"];

/// Fees such as "Lệ phí: 8.000 đồng", "Miễn lệ phí", "10.000 đồng/trường hợp", "Miễn lệ phí đăng ký
/// khai sinh đúng hạn", "Theo Nghị quyết của HĐND tỉnh".
pub fn fee(input: &str) -> Result<Reading<FeeSchedule>, String> {
    let t = Folded::new(input);
    let found = amounts(&t);
    let single = (found.len() == 1).then(|| found[0].2);
    let folded: String = t.folded.iter().collect();
    let says_free = FREE.iter().any(|p| folded.trim_start().starts_with(p))
        || FREE.iter().take(2).any(|p| folded.contains(p));
    if t.contains("dung han") && says_free {
        return Ok(Reading {
            value: FeeSchedule::FreeIfOnTime { late: single },
            certain: found.len() <= 1,
        });
    }
    if folded.trim().is_empty() || (found.iter().all(|a| a.2 == 0) && says_free) {
        return Ok(Reading {
            value: FeeSchedule::Free,
            certain: true,
        });
    }
    if SET_BY_PROVINCE.iter().any(|p| t.contains(p)) {
        return Ok(Reading {
            value: FeeSchedule::SetByProvince {
                amount: single,
                note: None,
            },
            certain: found.len() <= 1,
        });
    }
    if t.contains("/trang") {
        if let Some(schedule) = per_page(&t, &found) {
            return Ok(Reading {
                value: schedule,
                certain: true,
            });
        }
    }
    match found.first() {
        Some(&(_, end, amount)) if amount > 0 => Ok(Reading {
            value: FeeSchedule::Fixed {
                amount,
                unit: unit_after(&t, end).unwrap_or_else(|| "hồ sơ".to_string()),
            },
            certain: found.len() == 1,
        }),
        Some(_) => Ok(Reading {
            value: FeeSchedule::Free,
            certain: found.len() == 1,
        }),
        None => Err(format!(
            "không đọc được phí, lệ phí “{}” (dạng đọc được: “Lệ phí: 8.000 đồng”, “Miễn lệ phí”, “Theo Nghị quyết của HĐND tỉnh”)",
            input.trim()
        )),
    }
}

/// The certification pattern: "2.000 đồng/trang đối với trang thứ nhất, trang thứ hai; từ trang
/// thứ ba trở lên thu 1.000 đồng/trang, tối đa không quá 200.000 đồng/bản".
fn per_page(t: &Folded, found: &[(usize, usize, u64)]) -> Option<FeeSchedule> {
    let per_page: Vec<u64> = found
        .iter()
        .filter(|(_, end, _)| {
            unit_after(t, *end)
                .is_some_and(|u| text::fold(&u).split_whitespace().next() == Some("trang"))
        })
        .map(|a| a.2)
        .collect();
    let from_third = t.contains("trang thu ba") || t.contains("trang thu 3");
    let cap_at = t.find("toi da", 0);
    let cap = cap_at.and_then(|at| found.iter().find(|(start, _, _)| *start > at));
    let cap_unit = cap.and_then(|(_, end, _)| unit_after(t, *end));
    if per_page.len() != 2 || !from_third || found.len() != 2 + usize::from(cap.is_some()) {
        return None;
    }
    Some(FeeSchedule::PerPage {
        tiers: vec![
            PageTier {
                from: 1,
                to: Some(2),
                amount: per_page[0],
            },
            PageTier {
                from: 3,
                to: None,
                amount: per_page[1],
            },
        ],
        cap: cap.map(|c| c.2),
        unit: cap_unit.unwrap_or_else(|| "bản".to_string()),
    })
}

/// How a component is to be given, by the words that say it; longer phrases first, so that
/// "bản sao có chứng thực" is not read as "bản sao".
const FORM_WORDS: &[(&str, ComponentForm)] = &[
    ("xuat trinh", ComponentForm::Present),
    ("ban sao co chung thuc", ComponentForm::CertifiedCopy),
    ("ban sao chung thuc", ComponentForm::CertifiedCopy),
    ("ban sao hop le", ComponentForm::CertifiedCopy),
    ("ban chup", ComponentForm::Copy),
    ("ban photo", ComponentForm::Copy),
    ("ban sao", ComponentForm::Copy),
    ("ban chinh", ComponentForm::Original),
];

/// Phrases that make a component optional.
const OPTIONAL: &[&str] = &["neu co", "khong bat buoc"];

/// Leading list marks: "- ", "+ ", "• ", "a) ", "1. ".
pub fn strip_list_mark(line: &str) -> &str {
    let line = line.trim_start_matches(['-', '+', '•', '*', '–', ' ', '\t']);
    let mark_len = line
        .char_indices()
        .take_while(|(_, c)| c.is_ascii_alphanumeric())
        .last()
        .map(|(i, c)| i + c.len_utf8());
    // A mark is followed by a space: "1.001193" is a code, not item 1.
    let after_mark = |len: usize| {
        let mut rest = line[len..].chars();
        matches!(rest.next(), Some(')' | '.')) && rest.next().is_some_and(char::is_whitespace)
    };
    match mark_len {
        Some(len) if len <= 2 && after_mark(len) => line[len + 1..].trim_start(),
        _ => line,
    }
}

/// A component line such as "Tờ khai đăng ký khai sinh (bản chính, 01 bản)", "Giấy chứng sinh:
/// Bản chính: 1 - Bản sao: 0" or "Giấy tờ tùy thân (xuất trình)". Certain when exactly one form is
/// named; else the first named (or `original` when none is) and uncertain.
pub fn component(line: &str) -> Reading<Component> {
    let line = strip_list_mark(line.trim());
    let t = Folded::new(line);
    let mut mentions: Vec<(usize, ComponentForm)> = Vec::new();
    let mut i = 0;
    while i < t.folded.len() {
        match FORM_WORDS
            .iter()
            .find(|(word, _)| t.folded[i..].starts_with(&word.chars().collect::<Vec<_>>()))
        {
            Some((word, form)) => {
                mentions.push((i, *form));
                i += word.chars().count();
            }
            None => i += 1,
        }
    }
    let count_of = |word: &str| {
        t.find(word, 0)
            .and_then(|at| t.number_after(at + word.chars().count()))
            .map(|(n, _)| n)
    };
    // The national portal's own layout: "Bản chính: 1 - Bản sao: 0".
    let (form, count, certain) = match (count_of("ban chinh:"), count_of("ban sao:")) {
        (Some(originals), Some(copies)) => form_by_counts(originals, copies),
        _ => {
            let copies = t
                .find_all("ban")
                .into_iter()
                .find_map(|at| t.number_before(at))
                .or_else(|| count_of("so luong:"));
            let distinct = mentions
                .iter()
                .map(|m| m.1)
                .fold(Vec::new(), |mut forms, f| {
                    if !forms.contains(&f) {
                        forms.push(f);
                    }
                    forms
                });
            // "xuất trình bản chính" names one form: shown, not kept.
            let presented = distinct.contains(&ComponentForm::Present);
            let distinct: Vec<_> = distinct
                .into_iter()
                .filter(|f| !presented || *f != ComponentForm::Original)
                .collect();
            let form = match mentions.first() {
                _ if presented => ComponentForm::Present,
                Some(mention) => mention.1,
                None => ComponentForm::Original,
            };
            (form, copies.unwrap_or(1), distinct.len() == 1)
        }
    };
    // The name ends where the form is said, or the count before it ("02 bản sao").
    let name_end = mentions.first().map_or(t.original.len(), |m| {
        t.number_ending_at(m.0).map_or(m.0, |(_, start)| start)
    });
    let mut name = t
        .original(0..name_end)
        .trim_end_matches(|c: char| c.is_whitespace() || matches!(c, '(' | ':' | ',' | ';' | '-'))
        .to_string();
    if name.is_empty() {
        name = line.to_string();
    }
    Reading {
        value: Component {
            name: text::clean(&name),
            form,
            count: u32::try_from(count).unwrap_or(u32::MAX),
            mandatory: !OPTIONAL.iter().any(|p| t.contains(p)),
            template: None,
        },
        certain,
    }
}

/// The form and count from the national portal's numbers of originals and copies: originals
/// when any are asked (certain only when no copy is); else copies, which may have to be certified
/// (uncertain); none of either says nothing.
pub fn form_by_counts(originals: u64, copies: u64) -> (ComponentForm, u64, bool) {
    match (originals, copies) {
        (0, 0) => (ComponentForm::Original, 1, false),
        (0, copies) => (ComponentForm::Copy, copies, false),
        (originals, copies) => (ComponentForm::Original, originals, copies == 0),
    }
}

/// A component's form from a cell that names only the form ("Bản sao có chứng thực").
pub fn form_named(input: &str) -> Option<ComponentForm> {
    let folded = text::fold(input);
    FORM_WORDS
        .iter()
        .find(|(word, _)| folded.contains(word))
        .map(|(_, form)| *form)
}

#[cfg(test)]
#[path = "freetext_tests.rs"]
mod tests;
