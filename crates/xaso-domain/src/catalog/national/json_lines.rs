//! Where each procedure of a JSON export starts, and the line of each of its keys. `serde_json`
//! gives values without positions, so the text is scanned once more for its structure (strings,
//! brackets, keys) to report a problem on the line an administrator has to fix.

/// The lines of one element of the procedures array.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EntryLines {
    /// The line of the element's opening `{`.
    pub line: usize,
    /// Each direct key of the element, with the line it is on.
    pub keys: Vec<(String, usize)>,
}

impl EntryLines {
    pub fn line_of(&self, key: &str) -> usize {
        self.keys
            .iter()
            .find(|(k, _)| k == key)
            .map_or(self.line, |(_, line)| *line)
    }
}

/// The elements of the procedures array: the root array when `under_key` is `None`, else the
/// array under that key of the root object.
pub fn entries(text: &str, under_key: Option<&str>) -> Vec<EntryLines> {
    // The depth at which the array's elements sit: 1 in a root array, 2 under a root key.
    let element_depth = if under_key.is_some() { 2 } else { 1 };
    let mut found = Vec::new();
    let mut depth = 0usize;
    let mut line = 1usize;
    let mut in_target = under_key.is_none();
    let mut last_root_key: Option<String> = None;
    let mut pending_string: Option<(String, usize, usize)> = None; // text, line, depth
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' => line += 1,
            '"' => {
                let start_line = line;
                let mut value = String::new();
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => {
                            if let Some(escaped) = chars.next() {
                                value.push(escaped);
                            }
                        }
                        '"' => break,
                        '\n' => {
                            line += 1;
                            value.push(c);
                        }
                        other => value.push(other),
                    }
                }
                pending_string = Some((value, start_line, depth));
                continue;
            }
            ':' => {
                if let Some((key, key_line, key_depth)) = pending_string.take() {
                    if key_depth == 1 && under_key.is_some() {
                        last_root_key = Some(key.clone());
                    }
                    if in_target && key_depth == element_depth + 1 && depth == key_depth {
                        if let Some(entry) = found.last_mut() {
                            let entry: &mut EntryLines = entry;
                            entry.keys.push((key, key_line));
                        }
                    }
                }
            }
            '{' | '[' => {
                if depth == 1 && c == '[' && under_key.is_some() {
                    in_target = last_root_key.as_deref() == under_key;
                }
                depth += 1;
                if c == '{' && in_target && depth == element_depth + 1 {
                    found.push(EntryLines {
                        line,
                        keys: Vec::new(),
                    });
                }
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                if under_key.is_some() && depth == 1 && c == ']' {
                    in_target = false;
                }
            }
            _ => {}
        }
        if !c.is_whitespace() && c != ':' {
            pending_string = None;
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elements_of_a_root_array_with_their_keys() {
        let text = "[\n  {\n    \"MaTTHC\": \"1.001193\",\n    \"Ten\": \"a \\\" b\",\n    \"X\": {\"MaTTHC\": 1}\n  },\n  {\"MaTTHC\": \"2\"}\n]";
        let found = entries(text, None);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].line, 2);
        assert_eq!(found[0].line_of("MaTTHC"), 3);
        assert_eq!(found[0].line_of("Ten"), 4);
        assert_eq!(found[0].keys.len(), 3, "nested keys are not the element's");
        assert_eq!(found[1].line, 7);
        assert_eq!(found[1].line_of("missing"), 7);
    }

    #[test]
    fn elements_under_a_key_of_the_root_object() {
        let text = "{\n \"meta\": [{\"a\": 1}],\n \"result\": [\n  {\"MATTHC\": \"1\"},\n  {\n \"MATTHC\": \"2\"}\n ]\n}";
        let found = entries(text, Some("result"));
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].line, 4);
        assert_eq!(found[1].line_of("MATTHC"), 6);
    }
}
