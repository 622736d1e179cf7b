//! Money is integer đồng, written the Vietnamese way: "1.000.000 đ".

pub fn format_vnd(amount: u64) -> String {
    let digits = amount.to_string();
    let mut out = String::with_capacity(digits.len() + 6);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(digit);
    }
    out.push_str(" đ");
    out
}

const DIGITS: [&str; 10] = [
    "không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín",
];
const GROUPS: [&str; 7] = ["", "nghìn", "triệu", "tỷ", "nghìn tỷ", "triệu tỷ", "tỷ tỷ"];

/// One group of three digits as read aloud; `full` when a higher group precedes it (then
/// "không trăm" and "linh" are said).
fn group_words(group: u64, full: bool) -> Vec<&'static str> {
    let (h, t, u) = (group / 100, group / 10 % 10, group % 10);
    let mut out = Vec::new();
    if h > 0 || full {
        out.push(DIGITS[h as usize]);
        out.push("trăm");
    }
    match t {
        0 if u > 0 && (h > 0 || full) => out.push("linh"),
        0 => {}
        1 => out.push("mười"),
        _ => {
            out.push(DIGITS[t as usize]);
            out.push("mươi");
        }
    }
    match u {
        0 => {}
        1 if t >= 2 => out.push("mốt"),
        4 if t >= 2 => out.push("tư"),
        5 if t >= 1 => out.push("lăm"),
        _ => out.push(DIGITS[u as usize]),
    }
    out
}

/// An amount in words as receipts write it: "Hai mươi nghìn đồng".
pub fn in_words(amount: u64) -> String {
    let mut groups = Vec::new();
    let mut rest = amount;
    while rest > 0 {
        groups.push(rest % 1000);
        rest /= 1000;
    }
    let mut words: Vec<&str> = Vec::new();
    for (index, group) in groups.iter().enumerate().rev() {
        if *group == 0 {
            continue;
        }
        let leading = index == groups.len() - 1;
        words.extend(group_words(*group, !leading));
        if !GROUPS[index].is_empty() {
            words.push(GROUPS[index]);
        }
    }
    if words.is_empty() {
        words.push("không");
    }
    let text = format!("{} đồng", words.join(" "));
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or(text)
}

#[cfg(test)]
mod tests {
    use super::{format_vnd, in_words};

    #[test]
    fn thousands_are_separated_by_dots() {
        assert_eq!(format_vnd(0), "0 đ");
        assert_eq!(format_vnd(999), "999 đ");
        assert_eq!(format_vnd(1_000), "1.000 đ");
        assert_eq!(format_vnd(200_000), "200.000 đ");
        assert_eq!(format_vnd(1_000_000), "1.000.000 đ");
    }

    #[test]
    fn amounts_are_read_as_receipts_write_them() {
        for (amount, text) in [
            (0, "Không đồng"),
            (14, "Mười bốn đồng"),
            (15, "Mười lăm đồng"),
            (21, "Hai mươi mốt đồng"),
            (24, "Hai mươi tư đồng"),
            (25, "Hai mươi lăm đồng"),
            (105, "Một trăm linh năm đồng"),
            (10_000, "Mười nghìn đồng"),
            (20_000, "Hai mươi nghìn đồng"),
            (215_000, "Hai trăm mười lăm nghìn đồng"),
            (1_005_000, "Một triệu không trăm linh năm nghìn đồng"),
            (1_000_000, "Một triệu đồng"),
            (2_000_001, "Hai triệu không trăm linh một đồng"),
            (1_000_000_000_000, "Một nghìn tỷ đồng"),
        ] {
            assert_eq!(in_words(amount), text, "{amount}");
        }
    }
}
