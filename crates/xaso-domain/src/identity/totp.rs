//! Time-based one-time passwords (RFC 6238 over RFC 4226: HMAC-SHA1, 30-second steps, 6 digits),
//! the second factor officers may turn on: the code any authenticator app shows. Pure: the
//! caller gives the time and remembers the last step used, so a code is accepted once.

use hmac::{Hmac, Mac};
use sha1::Sha1;

pub const STEP_SECONDS: i64 = 30;
pub const DIGITS: u32 = 6;
/// Bytes of a new secret (160 bits, as RFC 4226 recommends).
pub const SECRET_BYTES: usize = 20;

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 base32 without padding, as authenticator apps take secrets.
pub fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for byte in bytes {
        buffer = (buffer << 8) | u32::from(*byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(BASE32[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(BASE32[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

/// Reads base32 (case and spaces ignored, padding allowed); `None` for anything else.
pub fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in text.chars().filter(|c| !c.is_whitespace() && *c != '=') {
        let value = BASE32
            .iter()
            .position(|b| char::from(*b) == c.to_ascii_uppercase())? as u32;
        buffer = (buffer << 5) | value;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
    }
    Some(out)
}

/// The code of one time step (RFC 4226 dynamic truncation).
pub fn code_at_step(secret: &[u8], step: i64) -> u32 {
    let mut mac = Hmac::<Sha1>::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(&step.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[19] & 0x0f);
    let number = u32::from_be_bytes([
        digest[offset] & 0x7f,
        digest[offset + 1],
        digest[offset + 2],
        digest[offset + 3],
    ]);
    number % 10u32.pow(DIGITS)
}

pub fn step_of(unix_seconds: i64) -> i64 {
    unix_seconds.div_euclid(STEP_SECONDS)
}

/// Checks a typed code against the steps around `unix_seconds` (one before and after, for clocks
/// a little apart) that come after `last_step`; returns the step it matched, to be remembered.
pub fn verify(
    secret: &[u8],
    typed: &str,
    unix_seconds: i64,
    last_step: Option<i64>,
) -> Option<i64> {
    let digits: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    if digits.len() != DIGITS as usize || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let code: u32 = digits.parse().ok()?;
    let now = step_of(unix_seconds);
    (now - 1..=now + 1)
        .filter(|step| last_step.is_none_or(|last| *step > last))
        .find(|step| code_at_step(secret, *step) == code)
}

/// The `otpauth://` address an authenticator app reads from a QR code.
pub fn otpauth_uri(issuer: &str, account: &str, secret_base32: &str) -> String {
    let label = crate::text::percent_encode(&format!("{issuer}:{account}"));
    format!(
        "otpauth://totp/{label}?secret={secret_base32}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
        crate::text::percent_encode(issuer)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// RFC 6238 appendix B, SHA-1 (the last 6 of its 8 digits).
    #[test]
    fn the_rfc_6238_test_vectors() {
        let secret = b"12345678901234567890";
        for (time, eight) in [
            (59, 94_287_082u32),
            (1_111_111_109, 7_081_804),
            (1_111_111_111, 14_050_471),
            (1_234_567_890, 89_005_924),
            (2_000_000_000, 69_279_037),
            (20_000_000_000, 65_353_130),
        ] {
            assert_eq!(
                code_at_step(secret, step_of(time)),
                eight % 1_000_000,
                "{time}"
            );
        }
        // RFC 4648's example: "foobar" → MZXW6YTBOI.
        assert_eq!(base32_encode(b"foobar"), "MZXW6YTBOI");
        assert_eq!(
            base32_decode("mzxw 6ytb oi======").as_deref(),
            Some(&b"foobar"[..])
        );
        assert_eq!(base32_decode("MZ1"), None);
    }

    #[test]
    fn a_code_is_taken_once_and_only_near_its_time() {
        let secret = b"12345678901234567890";
        let code = format!("{:06}", code_at_step(secret, step_of(59)));
        assert_eq!(verify(secret, &code, 59, None), Some(1));
        assert_eq!(
            verify(secret, &code, 59 + 30, None),
            Some(1),
            "one step late"
        );
        assert_eq!(verify(secret, &code, 59 + 90, None), None, "too late");
        assert_eq!(verify(secret, &code, 59, Some(1)), None, "used already");
        assert_eq!(verify(secret, "12345", 59, None), None);
        assert_eq!(verify(secret, "abcdef", 59, None), None);
        assert!(otpauth_uri("Xã Số", "motcua", "MZXW6YTBOI").starts_with("otpauth://totp/X%C3%A3%20S%E1%BB%91%3Amotcua?secret=MZXW6YTBOI&issuer=X%C3%A3%20S%E1%BB%91"));
    }

    proptest! {
        #[test]
        fn base32_round_trips(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            prop_assert_eq!(base32_decode(&base32_encode(&bytes)), Some(bytes));
        }
    }
}
