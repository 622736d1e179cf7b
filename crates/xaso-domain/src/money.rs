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

#[cfg(test)]
mod tests {
    use super::format_vnd;

    #[test]
    fn thousands_are_separated_by_dots() {
        assert_eq!(format_vnd(0), "0 đ");
        assert_eq!(format_vnd(999), "999 đ");
        assert_eq!(format_vnd(1_000), "1.000 đ");
        assert_eq!(format_vnd(200_000), "200.000 đ");
        assert_eq!(format_vnd(1_000_000), "1.000.000 đ");
    }
}
