//! Vietnamese text: NFC at the boundary, one `fold()` for search.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Percent-encodes everything but unreserved characters (RFC 3986): `filename*`, links, otpauth.
pub fn percent_encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Every input string goes through this at the boundary, so that `ế` typed as `e` + two combining
/// marks (NFD, as macOS and some phone keyboards send it) is stored as the single code point.
pub fn nfc(input: &str) -> String {
    input.nfc().collect()
}

/// NFC and trimmed: the form names, addresses and titles are stored in.
pub fn clean(input: &str) -> String {
    nfc(input.trim())
}

/// Folds Vietnamese text for matching: decompose, drop the tone and vowel marks, `đ`→`d`, lowercase.
/// "ĐĂNG KÝ Khai Sinh" and its NFD spelling both become "dang ky khai sinh".
pub fn fold(input: &str) -> String {
    input
        .nfd()
        .filter(|c| !is_combining_mark(*c))
        .map(|c| match c {
            'đ' | 'Đ' => 'd',
            other => other,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// The words a search compares: the folded text split on anything that is not a letter or digit,
/// with `y` spelled `i`, because Vietnamese writes both "ký" and "kí", "lý" and "lí" for one word.
pub fn search_terms(input: &str) -> Vec<String> {
    fold(input)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(|word| word.replace('y', "i"))
        .collect()
}

/// The text written to a search column: the terms of every part, one space apart.
pub fn search_document(parts: &[&str]) -> String {
    parts
        .iter()
        .flat_map(|part| search_terms(part))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A name for public pages: the family name, then each other word's first letter: "Nguyễn V** A**".
pub fn mask_name(name: &str) -> String {
    let mut words = name.split_whitespace();
    let Some(first) = words.next() else {
        return String::new();
    };
    let mut out = first.to_string();
    for word in words {
        out.push(' ');
        out.extend(word.chars().next());
        out.push_str("**");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn fold_drops_marks_and_case_and_d_stroke() {
        assert_eq!(fold("ĐĂNG KÝ Khai Sinh"), "dang ky khai sinh");
        assert_eq!(fold("Chứng thực bản sao"), "chung thuc ban sao");
        assert_eq!(fold("Đồng Nai"), "dong nai");
    }

    #[test]
    fn nfd_and_nfc_fold_alike() {
        let composed = "Đăng ký khai sinh";
        let decomposed: String = composed.nfd().collect();
        assert_ne!(composed, decomposed);
        assert_eq!(fold(composed), fold(&decomposed));
        assert_eq!(nfc(&decomposed), composed);
    }

    #[test]
    fn names_are_masked_for_the_public() {
        assert_eq!(mask_name("Nguyễn Văn An"), "Nguyễn V** A**");
        assert_eq!(mask_name("  Võ   Thị Mai "), "Võ T** M**");
        assert_eq!(mask_name("Ánh"), "Ánh");
        assert_eq!(mask_name(""), "");
    }

    #[test]
    fn search_terms_unify_i_and_y() {
        assert_eq!(search_terms("Đăng ký"), search_terms("dang ki"));
        assert_eq!(
            search_terms("  Hộ-tịch, (khai sinh) "),
            ["ho", "tich", "khai", "sinh"]
        );
    }

    proptest! {
        #[test]
        fn fold_is_idempotent_and_lowercase(text in "\\PC{0,40}") {
            let once = fold(&text);
            prop_assert_eq!(fold(&once), once.clone());
            prop_assert!(!once.chars().any(|c| c.is_uppercase() && c.to_lowercase().next() != Some(c)));
        }

        #[test]
        fn fold_ignores_normalisation_form(text in "[a-zA-ZàáạảãâầấậẩẫăằắặẳẵèéẹẻẽêềếệểễìíịỉĩòóọỏõôồốộổỗơờớợởỡùúụủũưừứựửữỳýỵỷỹđĐ ]{0,30}") {
            let decomposed: String = text.nfd().collect();
            prop_assert_eq!(fold(&text), fold(&decomposed));
        }
    }
}
