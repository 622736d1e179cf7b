//! Messages to citizens (issue 11), without IO: the events that warrant one, the Vietnamese
//! templates for each (data in `data/notifications/`, editable by a commune without rebuilding),
//! rendering, and how long to wait before trying a failed delivery again.
//!
//! A template names values in braces, `{ma_ho_so}`; each event has a fixed set of values, and a
//! template that names another is refused on load with its line, so a message never goes out
//! with a hole or a stray brace in it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::datafile::{DataError, DataFile, Problem};

#[cfg(test)]
mod tests;

/// What happened that the citizen is told about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Event {
    DossierReceived,
    SupplementRequested,
    FeeDue,
    ResultReady,
    Apology,
    FeedbackAnswered,
}

impl Event {
    pub const ALL: [Event; 6] = [
        Event::DossierReceived,
        Event::SupplementRequested,
        Event::FeeDue,
        Event::ResultReady,
        Event::Apology,
        Event::FeedbackAnswered,
    ];

    /// The key in the templates file and in the outbox.
    pub fn key(self) -> &'static str {
        match self {
            Event::DossierReceived => "ho-so-tiep-nhan",
            Event::SupplementRequested => "yeu-cau-bo-sung",
            Event::FeeDue => "nop-phi-le-phi",
            Event::ResultReady => "co-ket-qua",
            Event::Apology => "xin-loi-hen-lai",
            Event::FeedbackAnswered => "tra-loi-phan-anh",
        }
    }

    pub fn parse(key: &str) -> Option<Event> {
        Event::ALL.into_iter().find(|e| e.key() == key)
    }

    pub fn label(self) -> &'static str {
        match self {
            Event::DossierReceived => "Tiếp nhận hồ sơ",
            Event::SupplementRequested => "Yêu cầu bổ sung",
            Event::FeeDue => "Nộp phí, lệ phí",
            Event::ResultReady => "Có kết quả",
            Event::Apology => "Xin lỗi, hẹn lại",
            Event::FeedbackAnswered => "Trả lời phản ánh",
        }
    }

    /// The values a template of this event may name.
    pub fn values(self) -> &'static [&'static str] {
        const DOSSIER: [&str; 5] = ["nguoi_nhan", "co_quan", "ma_ho_so", "thu_tuc", "tra_cuu"];
        match self {
            Event::DossierReceived => &[
                "nguoi_nhan",
                "co_quan",
                "ma_ho_so",
                "thu_tuc",
                "tra_cuu",
                "hen_tra",
            ],
            Event::SupplementRequested => &[
                "nguoi_nhan",
                "co_quan",
                "ma_ho_so",
                "thu_tuc",
                "tra_cuu",
                "giay_to",
                "ly_do",
            ],
            Event::FeeDue => &[
                "nguoi_nhan",
                "co_quan",
                "ma_ho_so",
                "thu_tuc",
                "tra_cuu",
                "so_tien",
                "noi_dung",
            ],
            Event::ResultReady => &DOSSIER,
            Event::Apology => &[
                "nguoi_nhan",
                "co_quan",
                "ma_ho_so",
                "thu_tuc",
                "tra_cuu",
                "hen_moi",
                "ly_do",
            ],
            Event::FeedbackAnswered => &["nguoi_nhan", "co_quan", "ma_phan_anh", "tra_cuu"],
        }
    }
}

/// Where a message goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Email,
    Sms,
    InApp,
}

impl Channel {
    pub fn key(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
            Channel::InApp => "in_app",
        }
    }

    pub fn parse(key: &str) -> Option<Channel> {
        [Channel::Email, Channel::Sms, Channel::InApp]
            .into_iter()
            .find(|c| c.key() == key)
    }

    pub fn label(self) -> &'static str {
        match self {
            Channel::Email => "Thư điện tử",
            Channel::Sms => "Tin nhắn SMS",
            Channel::InApp => "Trên cổng",
        }
    }
}

/// An event with its values, ready to render.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub event: Event,
    pub values: BTreeMap<&'static str, String>,
}

/// What every dossier message says: who it is for, which body, which dossier, where to follow it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DossierNotice {
    pub recipient: String,
    pub agency: String,
    pub code: String,
    pub procedure: String,
    /// The public tracking address of the dossier.
    pub link: String,
}

impl Notice {
    fn dossier(event: Event, d: &DossierNotice, more: &[(&'static str, String)]) -> Notice {
        let mut values = BTreeMap::from([
            ("nguoi_nhan", d.recipient.clone()),
            ("co_quan", d.agency.clone()),
            ("ma_ho_so", d.code.clone()),
            ("thu_tuc", d.procedure.clone()),
            ("tra_cuu", d.link.clone()),
        ]);
        values.extend(more.iter().cloned());
        Notice { event, values }
    }

    /// `appointment` as it is written to people, e.g. "17 giờ 00 ngày 05/05/2026".
    pub fn dossier_received(d: &DossierNotice, appointment: &str) -> Notice {
        Notice::dossier(
            Event::DossierReceived,
            d,
            &[("hen_tra", appointment.into())],
        )
    }

    pub fn supplement_requested(d: &DossierNotice, items: &[String], reason: &str) -> Notice {
        let list = items
            .iter()
            .map(|item| format!("- {item}"))
            .collect::<Vec<_>>()
            .join("\n");
        Notice::dossier(
            Event::SupplementRequested,
            d,
            &[("giay_to", list), ("ly_do", reason.into())],
        )
    }

    /// `amount` already written in đồng, e.g. "20.000 đồng".
    pub fn fee_due(d: &DossierNotice, amount: &str, detail: &str) -> Notice {
        Notice::dossier(
            Event::FeeDue,
            d,
            &[("so_tien", amount.into()), ("noi_dung", detail.into())],
        )
    }

    pub fn result_ready(d: &DossierNotice) -> Notice {
        Notice::dossier(Event::ResultReady, d, &[])
    }

    pub fn apology(d: &DossierNotice, new_date: &str, reason: &str) -> Notice {
        Notice::dossier(
            Event::Apology,
            d,
            &[("hen_moi", new_date.into()), ("ly_do", reason.into())],
        )
    }

    pub fn feedback_answered(recipient: &str, agency: &str, code: &str, link: &str) -> Notice {
        Notice {
            event: Event::FeedbackAnswered,
            values: BTreeMap::from([
                ("nguoi_nhan", recipient.to_string()),
                ("co_quan", agency.to_string()),
                ("ma_phan_anh", code.to_string()),
                ("tra_cuu", link.to_string()),
            ]),
        }
    }
}

/// One event's texts: the e-mail's subject and body, and the short text for SMS and the portal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    pub event: Event,
    pub subject: String,
    pub body: String,
    pub short: String,
}

/// A rendered message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub body: String,
    pub short: String,
}

/// The templates of every event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Templates {
    by_event: BTreeMap<Event, Template>,
}

/// The longest short text a template may have: five SMS segments of Vietnamese (UCS-2, 67 each).
pub const SHORT_MAX_CHARS: usize = 335;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TemplatesFile {
    #[serde(rename = "mau")]
    templates: Vec<toml::Spanned<toml::Value>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TemplateEntry {
    su_kien: String,
    tieu_de: String,
    noi_dung: String,
    tin_ngan: String,
}

/// The names a template text uses, or why it is malformed (a brace without its pair).
fn placeholders(text: &str) -> Result<Vec<&str>, String> {
    let mut names = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find(['{', '}']) {
        if rest[open..].starts_with('}') {
            return Err("dấu “}” không có “{” mở trước".into());
        }
        let after = &rest[open + 1..];
        let close = after
            .find('}')
            .ok_or_else(|| "dấu “{” không được đóng bằng “}”".to_string())?;
        let name = &after[..close];
        if name.contains('{') {
            return Err("dấu “{” không được đóng bằng “}”".into());
        }
        names.push(name);
        rest = &after[close + 1..];
    }
    Ok(names)
}

fn substitute(text: &str, values: &BTreeMap<&'static str, String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                // Validated on load: every name is one of the event's values.
                out.push_str(values.get(&after[..close]).map_or("", String::as_str));
                rest = &after[close + 1..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

impl Templates {
    /// Reads a templates file: every event exactly once, only its own values named, braces paired,
    /// a one-line subject, a short text that fits five SMS. All problems at once, with lines.
    pub fn parse(file_name: &str, source: &str) -> Result<Templates, DataError> {
        let file = DataFile::new(file_name, source);
        let raw: TemplatesFile = file.parse_toml()?;
        let mut problems: Vec<Problem> = Vec::new();
        let mut by_event = BTreeMap::new();
        for entry in raw.templates {
            let span = entry.span();
            let parsed = match TemplateEntry::deserialize(entry.into_inner()) {
                Ok(parsed) => parsed,
                Err(e) => {
                    problems.push(file.problem_in(&span, None, &format!("mẫu thông báo sai: {e}")));
                    continue;
                }
            };
            let Some(event) = Event::parse(parsed.su_kien.trim()) else {
                let known: Vec<&str> = Event::ALL.iter().map(|e| e.key()).collect();
                problems.push(file.problem_in(
                    &span,
                    Some("su_kien"),
                    &format!(
                        "sự kiện “{}” không có; các sự kiện: {}",
                        parsed.su_kien,
                        known.join(", ")
                    ),
                ));
                continue;
            };
            if by_event.contains_key(&event) {
                problems.push(file.problem_in(
                    &span,
                    Some("su_kien"),
                    &format!("sự kiện “{}” có hai mẫu", event.key()),
                ));
                continue;
            }
            let template = Template {
                event,
                subject: crate::text::clean(&parsed.tieu_de),
                body: crate::text::nfc(parsed.noi_dung.trim()),
                short: crate::text::clean(&parsed.tin_ngan),
            };
            let texts = [
                ("tieu_de", &template.subject),
                ("noi_dung", &template.body),
                ("tin_ngan", &template.short),
            ];
            for (key, text) in texts {
                if text.is_empty() {
                    problems.push(file.problem_in(&span, Some(key), &format!("{key} trống")));
                    continue;
                }
                match placeholders(text) {
                    Err(why) => {
                        problems.push(file.problem_in(&span, Some(key), &format!("{key}: {why}")))
                    }
                    Ok(names) => {
                        for name in names {
                            if !event.values().contains(&name) {
                                problems.push(file.problem_in(
                                    &span,
                                    Some(key),
                                    &format!(
                                        "{key}: “{{{name}}}” không dùng được cho sự kiện {}; dùng được: {}",
                                        event.key(),
                                        event.values().join(", ")
                                    ),
                                ));
                            }
                        }
                    }
                }
            }
            if template.short.chars().count() > SHORT_MAX_CHARS {
                problems.push(file.problem_in(
                    &span,
                    Some("tin_ngan"),
                    &format!("tin_ngan dài quá {SHORT_MAX_CHARS} ký tự (năm tin nhắn)"),
                ));
            }
            by_event.insert(event, template);
        }
        for event in Event::ALL {
            if !by_event.contains_key(&event) {
                problems.push(file.problem_at(
                    1,
                    format!(
                        "thiếu mẫu cho sự kiện “{}” ({})",
                        event.key(),
                        event.label()
                    ),
                ));
            }
        }
        DataError::or_value(problems, Templates { by_event })
    }

    pub fn template(&self, event: Event) -> &Template {
        // Every event has one: `parse` refuses a file that misses any.
        &self.by_event[&event]
    }

    pub fn render(&self, notice: &Notice) -> Rendered {
        let template = self.template(notice.event);
        Rendered {
            subject: substitute(&template.subject, &notice.values),
            body: substitute(&template.body, &notice.values),
            short: substitute(&template.short, &notice.values),
        }
    }
}

/// How long to wait before delivery attempt `attempt + 1` after `attempt` failed ones (1-based):
/// 1, 4, 16, 64 minutes, then every 4 hours; `None` once `max_attempts` have failed, and the
/// message is given up.
pub fn retry_delay(attempt: u32, max_attempts: u32) -> Option<chrono::Duration> {
    if attempt >= max_attempts {
        return None;
    }
    let minutes = 4_i64
        .checked_pow(attempt.saturating_sub(1))
        .unwrap_or(i64::MAX)
        .min(240);
    Some(chrono::Duration::minutes(minutes))
}
