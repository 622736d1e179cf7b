//! Procedures from an export of the national procedure database (CSDL quốc gia về thủ tục hành
//! chính, csdl.dichvucong.gov.vn), as JSON or as a workbook's sheet, mapped to catalog entries and
//! checked by the same rules as `data/catalog/*.toml` ([`check_entry`]). The mapping is described
//! field by field in `data/catalog/README.md` ("Nhập từ CSDL quốc gia").
//!
//! Two shapes of entry are read: flat, one text (or list of texts) per field (`MaTTHC`, `TenTTHC`,
//! `LinhVuc`, `ThoiHanGiaiQuyet`, `PhiLePhi`, …), as a sheet has them; and the nested shape of the
//! national portal's `LayThuTuc` answer (`LINHVUCTHUCHIEN[].TENLINHVUC`, `CANCUPHAPLY[].SOVANBAN`,
//! `THANHPHANHOSO[].GIAYTO[]`, `CACHTHUCTHUCHIEN[].THOIGIAN[]`, …). Field names are compared
//! folded, so `MaTTHC`, `MATTHC` and "Mã TTHC" are one field.

use serde_json::{Map, Value};

use super::{check_entry, Component, FeeSchedule, Level, OnlineLevel, Procedure, ProcessingTime};
use crate::datafile::{DataError, Problem};
use crate::text;

mod freetext;
mod json_lines;

pub use freetext::Reading;

/// What a field of the export means to the catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Code,
    Name,
    Field,
    Level,
    Agency,
    Result,
    Time,
    Fee,
    LegalBasis,
    Components,
    Online,
    LocationIndependent,
    Channels,
}

/// One field the mapping reads: the names it goes by in exports, the catalog key its problems are
/// reported for, and the keys of a nested object whose text it takes.
struct FieldSpec {
    role: Role,
    label: &'static str,
    catalog_key: &'static str,
    names: &'static [&'static str],
    parts: &'static [&'static str],
    required: bool,
}

const FIELDS: &[FieldSpec] = &[
    FieldSpec {
        role: Role::Code,
        label: "mã thủ tục",
        catalog_key: "code",
        names: &["MaTTHC", "MaThuTuc"],
        parts: &[],
        required: true,
    },
    FieldSpec {
        role: Role::Name,
        label: "tên thủ tục",
        catalog_key: "name",
        names: &["TenTTHC", "TenThuTuc"],
        parts: &[],
        required: true,
    },
    FieldSpec {
        role: Role::Field,
        label: "lĩnh vực",
        catalog_key: "field",
        names: &["LinhVuc", "LinhVucThucHien", "TenLinhVuc"],
        parts: &["TENLINHVUC", "Ten"],
        required: true,
    },
    FieldSpec {
        role: Role::Level,
        label: "cấp thực hiện",
        catalog_key: "level",
        names: &["CapThucHien"],
        parts: &["TENCAP", "TENCAPTHUCHIEN", "Ten"],
        required: true,
    },
    FieldSpec {
        role: Role::Agency,
        label: "cơ quan thực hiện",
        catalog_key: "agency",
        names: &["CoQuanThucHien"],
        parts: &["TENDONVI", "TENCOQUAN", "Ten"],
        required: true,
    },
    FieldSpec {
        role: Role::Result,
        label: "kết quả thực hiện",
        catalog_key: "result",
        names: &["KetQuaThucHien"],
        parts: &["TENKETQUA", "Ten"],
        required: true,
    },
    FieldSpec {
        role: Role::Time,
        label: "thời hạn giải quyết",
        catalog_key: "time",
        names: &["ThoiHanGiaiQuyet", "ThoiGianGiaiQuyet"],
        parts: &[],
        required: false,
    },
    FieldSpec {
        role: Role::Fee,
        label: "phí, lệ phí",
        catalog_key: "fee",
        names: &["PhiLePhi", "LePhi"],
        parts: &["MOTA", "SOTIEN"],
        required: false,
    },
    FieldSpec {
        role: Role::LegalBasis,
        label: "căn cứ pháp lý",
        catalog_key: "legal_basis",
        names: &["CanCuPhapLy"],
        parts: &[],
        required: true,
    },
    FieldSpec {
        role: Role::Components,
        label: "thành phần hồ sơ",
        catalog_key: "component",
        names: &["ThanhPhanHoSo"],
        parts: &[],
        required: true,
    },
    FieldSpec {
        role: Role::Online,
        label: "mức độ dịch vụ công trực tuyến",
        catalog_key: "online",
        names: &["MucDoDVC", "DichVuCong", "MucDo", "MucDoDichVuCong"],
        parts: &[],
        required: false,
    },
    FieldSpec {
        role: Role::LocationIndependent,
        label: "phi địa giới",
        catalog_key: "location_independent",
        names: &["PhiDiaGioi", "TiepNhanPhiDiaGioi"],
        parts: &[],
        required: false,
    },
    FieldSpec {
        role: Role::Channels,
        label: "cách thức thực hiện",
        catalog_key: "time",
        names: &["CachThucThucHien"],
        parts: &[],
        required: false,
    },
];

fn spec(role: Role) -> &'static FieldSpec {
    FIELDS
        .iter()
        .find(|f| f.role == role)
        .expect("every role has its spec")
}

/// A field name as compared: folded, letters and digits only ("Mã TTHC" → "matthc").
fn key_of(name: &str) -> String {
    text::fold(name)
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect()
}

/// Whether a sheet's cell is the heading of the code column, which marks the heading row.
pub fn is_code_heading(cell: &str) -> bool {
    spec(Role::Code)
        .names
        .iter()
        .any(|n| key_of(n) == key_of(cell))
}

/// One field of an export entry as read, and where: a JSON line, or a sheet's row and column.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportField {
    pub name: String,
    pub value: Value,
    pub line: usize,
    /// The sheet column (0-based), for a workbook.
    pub column: Option<usize>,
}

/// One procedure of an export as read (a JSON object, a sheet row).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ExportEntry {
    pub line: usize,
    pub fields: Vec<ExportField>,
}

impl ExportEntry {
    fn field(&self, role: Role) -> Option<&ExportField> {
        let names: Vec<String> = spec(role).names.iter().map(|n| key_of(n)).collect();
        self.fields
            .iter()
            .find(|f| names.contains(&key_of(&f.name)) && !is_blank(&f.value))
    }
}

fn is_blank(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(items) => items.is_empty(),
        _ => false,
    }
}

/// A sheet as read from a workbook: its heading row and the non-empty rows under it, each with
/// its row number (1-based, as the spreadsheet shows it).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ExportSheet {
    pub name: String,
    pub header: Vec<String>,
    pub rows: Vec<(usize, Vec<String>)>,
}

/// Parses a JSON export: an array of procedures, or an object holding that array under a key (the
/// first key whose value is an array of objects, such as `result` in the portal's answers).
pub fn parse_json(file_name: &str, source: &str) -> Result<Vec<Procedure>, DataError> {
    let source = source.trim_start_matches('\u{feff}');
    let problem = |line: usize, message: String| DataError {
        problems: vec![Problem {
            file: file_name.to_string(),
            line,
            message,
        }],
    };
    let root: Value = serde_json::from_str(source)
        .map_err(|e| problem(e.line().max(1), format!("JSON sai cú pháp: {e}")))?;
    let (key, items) = match &root {
        Value::Array(items) => (None, items),
        Value::Object(map) => map
            .iter()
            .find(|(_, v)| v.as_array().is_some_and(|a| a.iter().any(Value::is_object)))
            .and_then(|(k, v)| Some((Some(k.as_str()), v.as_array()?)))
            .ok_or_else(|| {
                problem(
                    1,
                    "không thấy danh sách thủ tục (một mảng các đối tượng JSON)".to_string(),
                )
            })?,
        _ => {
            return Err(problem(
                1,
                "tệp JSON phải là một mảng thủ tục hoặc một đối tượng chứa mảng đó".to_string(),
            ))
        }
    };
    let lines = json_lines::entries(source, key);
    let mut entries = Vec::new();
    let mut problems = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let at = lines.get(i).cloned().unwrap_or_default();
        let Value::Object(object) = item else {
            problems.push(Problem {
                file: file_name.to_string(),
                line: at.line.max(1),
                message: format!("mục thứ {} không phải một đối tượng JSON", i + 1),
            });
            continue;
        };
        entries.push(ExportEntry {
            line: at.line.max(1),
            fields: object
                .iter()
                .map(|(name, value)| ExportField {
                    name: name.clone(),
                    value: value.clone(),
                    line: at.line_of(name).max(1),
                    column: None,
                })
                .collect(),
        });
    }
    map_entries(file_name, &entries, problems)
}

/// Parses a workbook's sheet: one procedure a row, the heading row naming the fields; lists
/// (components, legal bases, fees) one item a line of their cell.
pub fn parse_sheet(file_name: &str, sheet: &ExportSheet) -> Result<Vec<Procedure>, DataError> {
    let entries: Vec<ExportEntry> = sheet
        .rows
        .iter()
        .map(|(row, cells)| ExportEntry {
            line: *row,
            fields: sheet
                .header
                .iter()
                .enumerate()
                .filter(|(_, name)| !name.trim().is_empty())
                .map(|(column, name)| ExportField {
                    name: name.trim().to_string(),
                    value: Value::String(cells.get(column).cloned().unwrap_or_default()),
                    line: *row,
                    column: Some(column),
                })
                .collect(),
        })
        .collect();
    map_entries(&format!("{file_name}#{}", sheet.name), &entries, Vec::new())
}

/// The spreadsheet name of a 0-based column: A, B, …, Z, AA, …
fn column_letter(mut column: usize) -> String {
    let mut letters = Vec::new();
    loop {
        letters.push(char::from(b'A' + (column % 26) as u8));
        if column < 26 {
            break;
        }
        column = column / 26 - 1;
    }
    letters.iter().rev().collect()
}

fn map_entries(
    file_name: &str,
    entries: &[ExportEntry],
    mut problems: Vec<Problem>,
) -> Result<Vec<Procedure>, DataError> {
    let mut procedures: Vec<Procedure> = Vec::new();
    for entry in entries {
        let problem_at = |role: Option<Role>, message: &str| {
            // Time and fee come from the channels when not written on their own.
            let field = role.and_then(|r| {
                entry.field(r).or_else(|| {
                    entry
                        .field(Role::Channels)
                        .filter(|_| matches!(r, Role::Time | Role::Fee))
                })
            });
            let place = match field {
                Some(ExportField {
                    name,
                    column: Some(column),
                    ..
                }) => format!("cột {} ({name}): ", column_letter(*column)),
                Some(field) => format!("{}: ", field.name),
                None => String::new(),
            };
            Problem {
                file: file_name.to_string(),
                line: field.map_or(entry.line, |f| f.line),
                message: format!("{place}{message}"),
            }
        };
        let mut procedure = match map_entry(entry) {
            Ok(procedure) => procedure,
            Err(found) => {
                problems.extend(found.iter().map(|(role, m)| problem_at(*role, m)));
                continue;
            }
        };
        for (key, message) in check_entry(&mut procedure, &procedures) {
            let role = FIELDS.iter().find(|f| f.catalog_key == key).map(|f| f.role);
            problems.push(problem_at(role, &message));
        }
        procedures.push(procedure);
    }
    if procedures.is_empty() && problems.is_empty() {
        problems.push(Problem {
            file: file_name.to_string(),
            line: 1,
            message: "tệp không có thủ tục nào".to_string(),
        });
    }
    DataError::or_value(problems, procedures)
}

type EntryProblems = Vec<(Option<Role>, String)>;

/// One export entry as a catalog entry, before the catalog's own checks.
fn map_entry(entry: &ExportEntry) -> Result<Procedure, EntryProblems> {
    let missing: EntryProblems = FIELDS
        .iter()
        .filter(|f| f.required && entry.field(f.role).is_none())
        .map(|f| (None, format!("thiếu trường “{}” ({})", f.names[0], f.label)))
        .collect();
    if !missing.is_empty() {
        return Err(missing);
    }
    let text_of = |role: Role| {
        entry
            .field(role)
            .map(|f| joined(&f.value, spec(role).parts))
            .unwrap_or_default()
    };
    let code = national_code(&text_of(Role::Code));
    let in_entry = |message: String| format!("{code}: {message}");
    let mut problems: EntryProblems = Vec::new();
    let mut unverified: Vec<&'static str> = Vec::new();
    let mut notes: Vec<String> = Vec::new();

    let level = read_level(&text_of(Role::Level))
        .map_err(|m| problems.push((Some(Role::Level), in_entry(m))))
        .ok();
    let time = read_time(entry, &mut notes)
        .map_err(|m| problems.push((Some(Role::Time), in_entry(m))))
        .ok();
    let fee = read_fee(entry, &mut notes)
        .map_err(|m| problems.push((Some(Role::Fee), in_entry(m))))
        .ok();
    let online = match entry.field(Role::Online) {
        None => Ok(Reading {
            value: OnlineLevel::None,
            certain: false,
        }),
        Some(field) => read_online(&joined(&field.value, &[])),
    }
    .map_err(|m| problems.push((Some(Role::Online), in_entry(m))))
    .ok();
    let location_independent = match entry.field(Role::LocationIndependent) {
        None => Ok(false),
        Some(field) => read_yes_no(&field.value),
    }
    .map_err(|m| problems.push((Some(Role::LocationIndependent), in_entry(m))))
    .ok();
    let components = entry
        .field(Role::Components)
        .map(|f| read_components(&f.value))
        .unwrap_or(Reading {
            value: Vec::new(),
            certain: true,
        });
    let (Some(level), Some(time), Some(fee), Some(online), Some(location_independent)) =
        (level, time, fee, online, location_independent)
    else {
        return Err(problems);
    };
    for (fact, certain) in [
        ("time", time.certain),
        ("fee", fee.certain),
        ("components", components.certain),
        ("online", online.certain),
    ] {
        if !certain {
            unverified.push(fact);
        }
    }
    Ok(Procedure {
        code,
        name: text_of(Role::Name),
        field: text_of(Role::Field),
        level,
        agency: text_of(Role::Agency),
        result: text_of(Role::Result),
        online: online.value,
        location_independent,
        legal_basis: entry
            .field(Role::LegalBasis)
            .map(|f| legal_bases(&f.value))
            .unwrap_or_default(),
        time: time.value,
        fee: fee.value,
        components: components.value,
        unverified: unverified.into_iter().map(str::to_string).collect(),
        note: (!notes.is_empty()).then(|| notes.join(" ")),
        workflow: None,
    })
}

/// The national part of a code: "1.001193.000.00.00.H56" (a province's form) → "1.001193".
fn national_code(code: &str) -> String {
    let groups: Vec<&str> = code.trim().split('.').collect();
    if groups.len() > 2 {
        groups[..2].join(".")
    } else {
        code.trim().to_string()
    }
}

/// The object's value under one of `names` (compared folded).
fn part<'a>(object: &'a Map<String, Value>, names: &[&str]) -> Option<&'a Value> {
    names.iter().find_map(|name| {
        object
            .iter()
            .find(|(k, v)| key_of(k) == key_of(name) && !is_blank(v))
            .map(|(_, v)| v)
    })
}

/// A value as one line of text: lines and list items joined, an object by its `parts`.
fn joined(value: &Value, parts: &[&str]) -> String {
    let items = items(value, parts);
    text::clean(&items.join("; "))
}

/// A value as a list of texts: a text's lines (without list marks), an array's items, an
/// object's `parts`.
fn items(value: &Value, parts: &[&str]) -> Vec<String> {
    match value {
        Value::String(s) => s
            .lines()
            .map(|line| text::clean(freetext::strip_list_mark(line)))
            .filter(|line| !line.is_empty())
            .collect(),
        Value::Number(n) => vec![n.to_string()],
        Value::Bool(b) => vec![b.to_string()],
        Value::Array(values) => values.iter().map(|v| joined(v, parts)).collect(),
        Value::Object(object) => {
            let texts: Vec<String> = parts
                .iter()
                .filter_map(|p| part(object, &[p]))
                .map(|v| joined(v, &[]))
                .collect();
            vec![texts.join(" ")]
        }
        Value::Null => Vec::new(),
    }
}

/// Legal bases: one a line or item; the portal's `{SOVANBAN, TENVANBAN}` as "number name" unless
/// the name already holds the number.
fn legal_bases(value: &Value) -> Vec<String> {
    let one = |item: &Value| -> String {
        let Value::Object(object) = item else {
            return joined(item, &[]);
        };
        let number = part(object, &["SOVANBAN", "SoHieu", "KyHieu"]).map(|v| joined(v, &[]));
        let name = part(object, &["TENVANBAN", "TrichYeu", "Ten"]).map(|v| joined(v, &[]));
        match (number, name) {
            (Some(number), Some(name)) if !name.contains(&number) => format!("{number} {name}"),
            (_, Some(name)) => name,
            (Some(number), None) => number,
            (None, None) => String::new(),
        }
    };
    match value {
        Value::Array(values) => values.iter().map(one).collect(),
        other => items(other, &[]),
    }
}

/// Levels by a word of their name; "huyện" is kept to say it no longer exists.
const LEVEL_WORDS: &[(&str, Option<Level>)] = &[
    ("xa", Some(Level::Commune)),
    ("phuong", Some(Level::Commune)),
    ("dac khu", Some(Level::Commune)),
    ("tinh", Some(Level::Province)),
    ("bo", Some(Level::Central)),
    ("trung uong", Some(Level::Central)),
    ("huyen", None),
];

/// "Cấp Xã", "Cấp Tỉnh, Cấp Xã", "Cấp Bộ": the lowest level named, since a procedure done at
/// several levels is in a commune's catalog for its commune part.
fn read_level(input: &str) -> Result<Level, String> {
    let words = format!(" {} ", text::search_terms(input).join(" "));
    let named: Vec<Option<Level>> = LEVEL_WORDS
        .iter()
        .filter(|(word, _)| words.contains(&format!(" {} ", text::search_terms(word).join(" "))))
        .map(|(_, level)| *level)
        .collect();
    for level in [Level::Commune, Level::Province, Level::Central] {
        if named.contains(&Some(level)) {
            return Ok(level);
        }
    }
    if named.contains(&None) {
        return Err(format!(
            "cấp thực hiện “{input}”: cấp huyện không còn từ 01/7/2025, cần ghi Cấp Xã hoặc Cấp Tỉnh"
        ));
    }
    Err(format!(
        "không rõ cấp thực hiện “{input}” (Cấp Xã, Cấp Tỉnh hoặc Cấp Bộ)"
    ))
}

/// Online service levels by their words. The numbered levels 3 and 4 of the former rules
/// (NĐ 43/2011) are the nearest to partly and fully online, not the same: uncertain.
const ONLINE_WORDS: &[(&str, OnlineLevel, bool)] = &[
    ("toan trinh", OnlineLevel::Full, true),
    ("mot phan", OnlineLevel::Partial, true),
    ("muc do 4", OnlineLevel::Full, false),
    ("muc do 3", OnlineLevel::Partial, false),
    ("muc do 2", OnlineLevel::None, false),
    ("muc do 1", OnlineLevel::None, false),
    ("khong", OnlineLevel::None, true),
];

fn read_online(input: &str) -> Result<Reading<OnlineLevel>, String> {
    let folded = text::fold(input);
    let folded = if folded.trim().bytes().all(|b| b.is_ascii_digit()) {
        format!("muc do {}", folded.trim())
    } else {
        folded
    };
    ONLINE_WORDS
        .iter()
        .find(|(word, _, _)| folded.contains(word))
        .map(|(_, value, certain)| Reading {
            value: *value,
            certain: *certain,
        })
        .ok_or_else(|| {
            format!("không rõ mức độ dịch vụ công trực tuyến “{input}” (Toàn trình, Một phần)")
        })
}

fn read_yes_no(value: &Value) -> Result<bool, String> {
    match value {
        Value::Bool(b) => Ok(*b),
        Value::Number(n) => Ok(n.as_f64() != Some(0.0)),
        other => {
            let folded = text::fold(&joined(other, &[]));
            match folded.trim() {
                "co" | "x" | "1" | "true" | "phi dia gioi" => Ok(true),
                "" | "khong" | "0" | "false" => Ok(false),
                _ => Err(format!(
                    "phi địa giới “{}” phải là Có hoặc Không",
                    joined(other, &[])
                )),
            }
        }
    }
}

/// The channel the counter receives on (`KENH` 1), else the first, of the portal's
/// `CACHTHUCTHUCHIEN`; and its first `THOIGIAN` entry.
fn counter_channel(entry: &ExportEntry) -> Option<&Map<String, Value>> {
    let channels = entry.field(Role::Channels)?.value.as_array()?;
    let objects: Vec<&Map<String, Value>> = channels.iter().filter_map(Value::as_object).collect();
    let channel = objects
        .iter()
        .find(|c| part(c, &["KENH"]).is_some_and(|k| joined(k, &[]) == "1"))
        .or(objects.first())?;
    part(channel, &["THOIGIAN"])?
        .as_array()?
        .first()?
        .as_object()
}

fn read_time(
    entry: &ExportEntry,
    notes: &mut Vec<String>,
) -> Result<Reading<ProcessingTime>, String> {
    let written = match (entry.field(Role::Time), counter_channel(entry)) {
        (Some(field), _) => joined(&field.value, &[]),
        (None, Some(time)) => {
            let amount = part(time, &["THOIGIANGIAIQUYET"]).map(|v| joined(v, &[]));
            let unit = part(time, &["DONVITINH"]).map_or("ngày".to_string(), |v| joined(v, &[]));
            amount.map(|a| format!("{a} {unit}")).unwrap_or_default()
        }
        (None, None) => String::new(),
    };
    if written.is_empty() {
        return Err("thiếu thời hạn giải quyết (ThoiHanGiaiQuyet)".to_string());
    }
    let reading = freetext::processing_time(&written)?;
    if !reading.certain {
        notes.push(format!(
            "Thời hạn giải quyết theo CSDL quốc gia: {written}."
        ));
    }
    Ok(reading)
}

fn read_fee(entry: &ExportEntry, notes: &mut Vec<String>) -> Result<Reading<FeeSchedule>, String> {
    let written = match (entry.field(Role::Fee), counter_channel(entry)) {
        (Some(field), _) => Some(joined(&field.value, spec(Role::Fee).parts)),
        (None, Some(time)) => part(time, &["PHILEPHI"])
            .and_then(Value::as_array)
            .map(|fees| {
                let lines: Vec<String> = fees
                    .iter()
                    .filter_map(Value::as_object)
                    .map(|fee| {
                        let amount = part(fee, &["SOTIEN"]).map_or("0".into(), |v| joined(v, &[]));
                        let about = part(fee, &["MOTA"]).map(|v| joined(v, &[]));
                        match about {
                            Some(about) => format!("{amount} đồng ({about})"),
                            None => format!("{amount} đồng"),
                        }
                    })
                    .collect();
                lines.join("; ")
            }),
        (None, None) => None,
    };
    let Some(written) = written.filter(|w| !w.is_empty()) else {
        // Nothing written about fees: the best value is "free", to be checked.
        return Ok(Reading {
            value: FeeSchedule::Free,
            certain: false,
        });
    };
    let reading = freetext::fee(&written)?;
    if !reading.certain {
        notes.push(format!("Phí, lệ phí theo CSDL quốc gia: {written}."));
    }
    Ok(reading)
}

/// Components from lines of text, a list of texts, a list of `{TENGIAYTO, SOBANCHINH, SOBANSAO,
/// TENMAUDON}` objects, or the portal's cases `[{TRUONGHOP, GIAYTO: […]}]` — several cases are
/// merged (each document once) and left to be checked.
fn read_components(value: &Value) -> Reading<Vec<Component>> {
    let mut certain = true;
    let mut components: Vec<Component> = Vec::new();
    let mut add = |reading: Reading<Component>, certain: &mut bool| {
        *certain &= reading.certain;
        if !components.iter().any(|c| c.name == reading.value.name) {
            components.push(reading.value);
        }
    };
    let values: Vec<&Value> = match value {
        Value::Array(values) => values.iter().collect(),
        other => vec![other],
    };
    let cases = values
        .iter()
        .filter(|v| {
            v.as_object()
                .is_some_and(|o| part(o, &["GIAYTO"]).is_some())
        })
        .count();
    if cases > 1 {
        certain = false;
    }
    for value in values {
        match value {
            Value::Object(object) => match part(object, &["GIAYTO"]).and_then(Value::as_array) {
                Some(documents) => {
                    for document in documents.iter().filter_map(Value::as_object) {
                        add(component_object(document), &mut certain);
                    }
                }
                None => add(component_object(object), &mut certain),
            },
            other => {
                for line in items(other, &[]) {
                    add(freetext::component(&line), &mut certain);
                }
            }
        }
    }
    Reading {
        value: components,
        certain,
    }
}

fn component_object(object: &Map<String, Value>) -> Reading<Component> {
    let text_of = |names: &[&str]| part(object, names).map(|v| joined(v, &[]));
    let name = text_of(&["TENGIAYTO", "Ten", "TenThanhPhan"]).unwrap_or_default();
    let count_of = |names: &[&str]| text_of(names).and_then(|n| n.parse::<u64>().ok());
    let (form, count, certain) = match (
        text_of(&["HinhThuc", "LoaiBan"]),
        count_of(&["SOBANCHINH"]),
        count_of(&["SOBANSAO"]),
    ) {
        (Some(form), _, _) => match freetext::form_named(&form) {
            Some(named) => (named, 1, true),
            None => (super::ComponentForm::Original, 1, false),
        },
        (None, Some(originals), Some(copies)) => freetext::form_by_counts(originals, copies),
        _ => (super::ComponentForm::Original, 1, false),
    };
    let count = count_of(&["SoLuong"]).unwrap_or(count);
    Reading {
        value: Component {
            name,
            form,
            count: u32::try_from(count).unwrap_or(u32::MAX),
            mandatory: part(object, &["BatBuoc"])
                .map_or(Ok(true), read_yes_no)
                .unwrap_or(true),
            template: text_of(&["TENMAUDON", "MauDon"]),
        },
        certain,
    }
}

#[cfg(test)]
mod tests;
