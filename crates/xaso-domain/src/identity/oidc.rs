//! Citizen sign-in through OpenID Connect (how the national e-ID, VNeID, works): the pure parts —
//! PKCE (RFC 7636, S256), the authorization request's address, base64url, and the checks of an ID
//! token's claims once its signature has been verified. Random values come from the caller.

use sha2::{Digest, Sha256};

use crate::text::percent_encode;

/// Clock skew allowed between the provider and us, in seconds.
pub const LEEWAY_SECONDS: i64 = 60;

/// The default name of the claim that carries the citizen's ID number.
pub const DEFAULT_CCCD_CLAIM: &str = "cccd";

/// base64url without padding (RFC 4648 §5), as JWTs and PKCE use it.
pub fn base64url_encode(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[(n >> (18 - 6 * i)) as usize & 63] as char);
        }
    }
    out
}

/// Decodes base64url, with or without padding; `None` for anything else.
pub fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    let text = text.trim_end_matches('=');
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for c in text.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    // A single leftover character cannot be; leftover bits must be zero.
    if bits >= 6 || acc != 0 {
        return None;
    }
    Some(out)
}

/// The PKCE S256 challenge of a verifier: base64url(SHA-256(verifier)).
pub fn pkce_challenge(verifier: &str) -> String {
    base64url_encode(&Sha256::digest(verifier.as_bytes()))
}

/// What the authorization request carries.
#[derive(Debug, Clone)]
pub struct AuthRequest<'a> {
    pub authorization_endpoint: &'a str,
    pub client_id: &'a str,
    pub redirect_uri: &'a str,
    pub state: &'a str,
    pub nonce: &'a str,
    pub verifier: &'a str,
}

/// The address the browser is sent to: code flow, scope "openid profile", PKCE S256.
pub fn authorization_url(request: &AuthRequest<'_>) -> String {
    let params = [
        ("response_type", "code"),
        ("client_id", request.client_id),
        ("redirect_uri", request.redirect_uri),
        ("scope", "openid profile"),
        ("state", request.state),
        ("nonce", request.nonce),
        ("code_challenge", &pkce_challenge(request.verifier)),
        ("code_challenge_method", "S256"),
    ]
    .iter()
    .map(|(k, v)| format!("{k}={}", percent_encode(v)))
    .collect::<Vec<_>>()
    .join("&");
    let separator = if request.authorization_endpoint.contains('?') {
        '&'
    } else {
        '?'
    };
    format!("{}{separator}{params}", request.authorization_endpoint)
}

/// An ID token's claims that matter here, as decoded from its payload.
#[derive(Debug, Clone, Default)]
pub struct IdClaims {
    pub iss: String,
    pub aud: Vec<String>,
    pub exp: i64,
    pub iat: i64,
    pub nonce: Option<String>,
    pub name: Option<String>,
    /// The value of the configured CCCD claim.
    pub cccd: Option<String>,
}

/// What the token must match.
#[derive(Debug, Clone)]
pub struct Expected<'a> {
    pub issuer: &'a str,
    pub client_id: &'a str,
    pub nonce: &'a str,
    /// Seconds since the epoch.
    pub now: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OidcError {
    #[error("mã định danh do nhà cung cấp khác cấp")]
    Issuer,
    #[error("mã định danh không dành cho cổng dịch vụ này")]
    Audience,
    #[error("mã định danh đã hết hạn")]
    Expired,
    #[error("mã định danh được cấp ở thời điểm trong tương lai")]
    IssuedInFuture,
    #[error("mã định danh không thuộc về lần đăng nhập này")]
    Nonce,
    #[error("tài khoản định danh không cung cấp số định danh cá nhân (CCCD) hợp lệ")]
    Cccd,
}

/// Checks a (signature-verified) ID token's claims and returns the 12-digit CCCD number.
pub fn validate(claims: &IdClaims, expected: &Expected<'_>) -> Result<String, OidcError> {
    if claims.iss.trim_end_matches('/') != expected.issuer.trim_end_matches('/') {
        return Err(OidcError::Issuer);
    }
    if !claims.aud.iter().any(|a| a == expected.client_id) {
        return Err(OidcError::Audience);
    }
    if claims.exp + LEEWAY_SECONDS < expected.now {
        return Err(OidcError::Expired);
    }
    if claims.iat - LEEWAY_SECONDS > expected.now {
        return Err(OidcError::IssuedInFuture);
    }
    if claims.nonce.as_deref() != Some(expected.nonce) {
        return Err(OidcError::Nonce);
    }
    let number = claims.cccd.as_deref().map(str::trim).unwrap_or_default();
    if number.len() != 12 || !number.bytes().all(|b| b.is_ascii_digit()) {
        return Err(OidcError::Cccd);
    }
    Ok(number.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_round_trips_and_refuses_garbage() {
        for len in 0..40 {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
            let text = base64url_encode(&bytes);
            assert!(!text.contains('='), "no padding");
            assert_eq!(base64url_decode(&text), Some(bytes));
        }
        assert_eq!(base64url_encode(b"hello"), "aGVsbG8");
        assert_eq!(base64url_decode("aGVsbG8="), Some(b"hello".to_vec()));
        assert_eq!(base64url_decode("-_8"), Some(vec![0xfb, 0xff]));
        assert_eq!(base64url_decode("a+b/"), None, "standard alphabet refused");
        assert_eq!(base64url_decode("a"), None, "a lone character");
        assert_eq!(base64url_decode("aGVsbG9"), None, "non-zero leftover bits");
    }

    #[test]
    fn pkce_matches_rfc_7636_appendix_b() {
        assert_eq!(
            pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn authorization_url_carries_every_parameter_encoded() {
        let url = authorization_url(&AuthRequest {
            authorization_endpoint: "https://vneid.example/auth",
            client_id: "xa minh duc",
            redirect_uri: "https://xa.example/dang-nhap/vneid/ve",
            state: "s1",
            nonce: "n1",
            verifier: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
        });
        assert_eq!(
            url,
            "https://vneid.example/auth?response_type=code&client_id=xa%20minh%20duc\
             &redirect_uri=https%3A%2F%2Fxa.example%2Fdang-nhap%2Fvneid%2Fve\
             &scope=openid%20profile&state=s1&nonce=n1\
             &code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256"
        );
        let with_query = authorization_url(&AuthRequest {
            authorization_endpoint: "https://vneid.example/auth?ui=vi",
            client_id: "c",
            redirect_uri: "r",
            state: "s",
            nonce: "n",
            verifier: "v",
        });
        assert!(with_query.starts_with("https://vneid.example/auth?ui=vi&response_type=code"));
    }

    fn good() -> IdClaims {
        IdClaims {
            iss: "https://vneid.example".into(),
            aud: vec!["xaso".into()],
            exp: 1_000_600,
            iat: 1_000_000,
            nonce: Some("n1".into()),
            name: Some("Nguyễn Văn An".into()),
            cccd: Some("001099012345".into()),
        }
    }

    fn expected(now: i64) -> Expected<'static> {
        Expected {
            issuer: "https://vneid.example/",
            client_id: "xaso",
            nonce: "n1",
            now,
        }
    }

    #[test]
    fn a_good_token_gives_its_number() {
        assert_eq!(
            validate(&good(), &expected(1_000_100)).expect("valid"),
            "001099012345"
        );
        // Within the leeway on both sides.
        assert!(validate(&good(), &expected(1_000_600 + 60)).is_ok());
        assert!(validate(&good(), &expected(1_000_000 - 60)).is_ok());
    }

    #[test]
    fn each_wrong_claim_is_refused() {
        let now = 1_000_100;
        let mut c = good();
        c.iss = "https://evil.example".into();
        assert_eq!(validate(&c, &expected(now)), Err(OidcError::Issuer));
        let mut c = good();
        c.aud = vec!["other".into()];
        assert_eq!(validate(&c, &expected(now)), Err(OidcError::Audience));
        assert_eq!(
            validate(&good(), &expected(1_000_600 + 61)),
            Err(OidcError::Expired)
        );
        assert_eq!(
            validate(&good(), &expected(1_000_000 - 61)),
            Err(OidcError::IssuedInFuture)
        );
        let mut c = good();
        c.nonce = Some("n2".into());
        assert_eq!(validate(&c, &expected(now)), Err(OidcError::Nonce));
        c.nonce = None;
        assert_eq!(validate(&c, &expected(now)), Err(OidcError::Nonce));
        for bad in [
            None,
            Some("12345"),
            Some("00109901234x"),
            Some("0010990123456"),
        ] {
            let mut c = good();
            c.cccd = bad.map(String::from);
            assert_eq!(
                validate(&c, &expected(now)),
                Err(OidcError::Cccd),
                "{bad:?}"
            );
        }
    }
}
