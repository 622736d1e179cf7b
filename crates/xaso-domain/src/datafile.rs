//! Data files under `data/` (catalog, agencies, calendars…) are edited by people: every problem is
//! reported with the file and line it is on, and all problems of a file at once.

use std::fmt;
use std::ops::Range;

use serde::de::DeserializeOwned;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    pub line: usize,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.message)
    }
}

/// One or more problems in a data file; nothing of the file may be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataError {
    pub problems: Vec<Problem>,
}

impl DataError {
    /// `value` when there is no problem, the problems otherwise.
    pub fn or_value<T>(problems: Vec<Problem>, value: T) -> Result<T, DataError> {
        if problems.is_empty() {
            Ok(value)
        } else {
            Err(DataError { problems })
        }
    }
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, problem) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{problem}")?;
        }
        Ok(())
    }
}

impl std::error::Error for DataError {}

/// What a TOML syntax error says when the parser gives no message of its own.
pub const SYNTAX_ERROR: &str =
    "dòng này sai cú pháp TOML (một ký tự không được phép, như ký tự điều khiển, hoặc thiếu dấu)";

/// A data file's name and text, to turn byte offsets into line numbers.
pub struct DataFile<'a> {
    name: &'a str,
    source: &'a str,
}

impl<'a> DataFile<'a> {
    pub fn new(name: &'a str, source: &'a str) -> Self {
        DataFile { name, source }
    }

    /// 1-based line of a byte offset.
    pub fn line_of(&self, offset: usize) -> usize {
        let end = offset.min(self.source.len());
        self.source.as_bytes()[..end]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1
    }

    pub fn problem_at(&self, line: usize, message: String) -> Problem {
        Problem {
            file: self.name.to_string(),
            line,
            message,
        }
    }

    /// Parses TOML; a syntax or type error becomes one problem at its line.
    pub fn parse_toml<T: DeserializeOwned>(&self) -> Result<T, DataError> {
        toml::from_str(self.source).map_err(|e| {
            let line = e.span().map_or(1, |span| self.line_of(span.start));
            // The parser names no expectation for some errors (a control character in a
            // comment): the person still needs to be told what is wrong with the line.
            let message = match e.message().trim() {
                "" => SYNTAX_ERROR.to_string(),
                message => message.to_string(),
            };
            DataError {
                problems: vec![self.problem_at(line, message)],
            }
        })
    }

    /// A problem inside the entry at `span`: on the line of `key` when the entry names it, else on
    /// the entry's first line.
    pub fn problem_in(&self, span: &Range<usize>, key: Option<&str>, message: &str) -> Problem {
        let start = self.entry_start(span.start);
        let line = key
            .and_then(|key| self.key_line(start..span.end.max(start), key))
            .unwrap_or_else(|| self.line_of(start));
        self.problem_at(line, message.to_string())
    }

    /// The start of the `[[header]]` line an entry belongs to, when its span begins after it.
    fn entry_start(&self, offset: usize) -> usize {
        let offset = offset.min(self.source.len());
        let before = &self.source[..offset];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        if self.source[line_start..].trim_start().starts_with('[') {
            return line_start;
        }
        // Walk back over blank and comment lines to the header of the table.
        let mut cursor = line_start;
        while cursor > 0 {
            let prev_start = self.source[..cursor - 1].rfind('\n').map_or(0, |i| i + 1);
            let line = self.source[prev_start..cursor].trim();
            if line.starts_with('[') {
                return prev_start;
            }
            if !(line.is_empty() || line.starts_with('#')) {
                break;
            }
            cursor = prev_start;
        }
        offset
    }

    fn key_line(&self, span: Range<usize>, key: &str) -> Option<usize> {
        let text = self.source.get(span.clone())?;
        let mut offset = span.start;
        for line in text.split_inclusive('\n') {
            let trimmed = line.trim_start();
            let is_assignment = trimmed
                .strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='));
            let is_header = trimmed.starts_with('[') && trimmed.contains(&format!(".{key}]"));
            if is_assignment || is_header {
                return Some(self.line_of(offset));
            }
            offset += line.len();
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_one_based() {
        let file = DataFile::new("x.toml", "a\nb\nc");
        assert_eq!(file.line_of(0), 1);
        assert_eq!(file.line_of(2), 2);
        assert_eq!(file.line_of(100), 3);
    }

    #[test]
    fn keys_are_found_inside_their_entry() {
        let source = "[[p]]\nname = 1\n\n[[p]]\ncode = 2\nname = 3\n";
        let file = DataFile::new("x.toml", source);
        let second = source.find("code").unwrap_or(0)..source.len();
        assert_eq!(file.problem_in(&second, Some("name"), "m").line, 6);
        assert_eq!(file.problem_in(&second, None, "m").line, 4);
    }

    /// Found by fuzzing: a control character in a comment made the TOML parser fail with an
    /// empty message, and the problem said nothing but its line.
    #[test]
    fn a_syntax_error_without_a_message_still_says_what_is_wrong() {
        let source = "year = 2026\n# ghi chú \u{18} lạ\nsource = \"x\"\n";
        let error = DataFile::new("x.toml", source)
            .parse_toml::<toml::Value>()
            .expect_err("a control character");
        assert_eq!(error.problems.len(), 1);
        assert_eq!(error.problems[0].line, 2);
        assert!(!error.problems[0].message.trim().is_empty(), "{error}");
    }
}
