//! Checks a PDF signed by xaso: the signed byte ranges cover the whole file but the signature, the
//! CMS message digest matches, the signature verifies with the signer's key, and the signer's
//! certificate was issued by a trusted CA.

use p256::ecdsa::signature::Verifier;
use p256::ecdsa::{Signature, VerifyingKey};
use sha2::{Digest, Sha256};

use crate::der::{self, oid};

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct Verification {
    pub signer: String,
    pub issuer: String,
    /// The signingTime attribute, when present.
    pub signing_time: Option<chrono::DateTime<chrono::Utc>>,
    /// The signer's certificate (DER), to look up its revocation.
    #[serde(skip)]
    pub signer_certificate: Vec<u8>,
    /// The signed bytes are unchanged and the signature verifies with the signer's key.
    pub intact: bool,
    /// The ranges cover the whole file except the signature itself.
    pub whole_document: bool,
    /// The signer's certificate verifies with a trusted CA's key.
    pub trusted: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifyError {
    NoSignature,
    Malformed(&'static str),
}

impl std::error::Error for VerifyError {}

impl std::fmt::Display for VerifyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            VerifyError::NoSignature => write!(f, "tệp không có chữ ký số"),
            VerifyError::Malformed(what) => write!(f, "chữ ký số không đọc được ({what})"),
        }
    }
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

/// The children of a constructed DER value, each with its full encoding.
pub(crate) fn children(content: &[u8]) -> Vec<(u8, &[u8], &[u8])> {
    let mut out = Vec::new();
    let mut rest = content;
    while let Some((tag, inner, next)) = der::read(rest) {
        out.push((tag, inner, &rest[..rest.len() - next.len()]));
        rest = next;
    }
    out
}

pub(crate) struct ParsedCert<'a> {
    pub tbs: &'a [u8],
    /// The certificate's own signature algorithm (full AlgorithmIdentifier).
    pub algorithm: &'a [u8],
    pub signature: &'a [u8],
    pub issuer: &'a [u8],
    pub serial: &'a [u8],
    pub validity: &'a [u8],
    pub subject: &'a [u8],
    /// SubjectPublicKeyInfo, full encoding.
    pub spki: &'a [u8],
    /// The content of the [3] extensions field (empty when absent).
    pub extensions: &'a [u8],
}

pub(crate) fn parse_cert(encoded: &[u8]) -> Option<ParsedCert<'_>> {
    let (_, body, _) = der::read(encoded)?;
    let parts = children(body);
    let (_, tbs_body, tbs) = *parts.first()?;
    let (_, signature_bits, _) = *parts.get(2)?;
    let fields = children(tbs_body);
    // Version 1 certificates omit the [0] version field.
    let at = usize::from(fields.first()?.0 == 0xA0);
    Some(ParsedCert {
        tbs,
        algorithm: parts.get(1)?.2,
        signature: signature_bits.get(1..)?,
        serial: fields.get(at)?.2,
        issuer: fields.get(at + 2)?.2,
        validity: fields.get(at + 3)?.1,
        subject: fields.get(at + 4)?.2,
        spki: fields.get(at + 5)?.2,
        extensions: fields.iter().find(|f| f.0 == 0xA3).map_or(&[][..], |f| f.1),
    })
}

/// The SubjectPublicKeyInfo of a DER certificate.
pub fn subject_public_key_info(certificate: &[u8]) -> Option<&[u8]> {
    parse_cert(certificate).map(|c| c.spki)
}

/// The subject Name (DER) of a DER certificate: the issuer of the certificates it signs.
pub fn subject_name(certificate: &[u8]) -> Option<Vec<u8>> {
    parse_cert(certificate).map(|c| c.subject.to_vec())
}

/// What a certificate says about its holder: common name, issuer's common name, validity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateFacts {
    pub subject: String,
    pub issuer: String,
    pub not_before: chrono::DateTime<chrono::Utc>,
    pub not_after: chrono::DateTime<chrono::Utc>,
    /// No key-usage extension, or one that allows digital signature or non-repudiation.
    pub may_sign: bool,
}

pub fn certificate_facts(certificate: &[u8]) -> Option<CertificateFacts> {
    let parsed = parse_cert(certificate)?;
    let times = children(parsed.validity);
    Some(CertificateFacts {
        subject: common_name(parsed.subject),
        issuer: common_name(parsed.issuer),
        not_before: asn1_time(times.first()?.0, times.first()?.1)?,
        not_after: asn1_time(times.get(1)?.0, times.get(1)?.1)?,
        may_sign: key_usage(parsed.extensions).is_none_or(|bits| bits & 0b1100_0000 != 0),
    })
}

/// The first byte of the key-usage bits (digitalSignature is the top bit), when the extension is there.
fn key_usage(extensions: &[u8]) -> Option<u8> {
    let (_, list, _) = der::read(extensions)?;
    children(list).into_iter().find_map(|(_, extension, _)| {
        let fields = children(extension);
        if fields.first()?.2 != oid("2.5.29.15").as_slice() {
            return None;
        }
        let (_, bits, _) = der::read(fields.last()?.1)?;
        bits.get(1).copied()
    })
}

/// Whether `issuer` (DER) issued and signed `certificate` (DER).
pub fn issued_by(certificate: &[u8], issuer: &[u8]) -> bool {
    let (Some(child), Some(parent)) = (parse_cert(certificate), parse_cert(issuer)) else {
        return false;
    };
    child.issuer == parent.subject
        && verifies(parent.spki, child.algorithm, child.tbs, child.signature)
}

/// The common name in a DER Name.
pub fn common_name(name: &[u8]) -> String {
    let Some((_, body, _)) = der::read(name) else {
        return String::new();
    };
    for (_, rdn, _) in children(body) {
        for (_, attribute, _) in children(rdn) {
            let parts = children(attribute);
            if parts.first().map(|p| p.2) == Some(oid("2.5.4.3").as_slice()) {
                return parts
                    .get(1)
                    .map(|p| String::from_utf8_lossy(p.1).into_owned())
                    .unwrap_or_default();
            }
        }
    }
    String::new()
}

/// Verifies `signature` over `message` with the key in `spki`, for the signature `algorithm`
/// (a full AlgorithmIdentifier): ECDSA P-256 with SHA-256, or RSA PKCS#1 v1.5 with SHA-2.
fn verifies(spki: &[u8], algorithm: &[u8], message: &[u8], signature: &[u8]) -> bool {
    let algorithm_oid = der::read(algorithm)
        .map(|(_, body, _)| children(body))
        .and_then(|parts| parts.first().map(|p| p.2.to_vec()))
        .unwrap_or_default();
    let is = |dotted: &str| algorithm_oid == oid(dotted);
    if is(crate::pki::ECDSA_WITH_SHA256) {
        let point = der::read(spki)
            .map(|(_, body, _)| children(body))
            .and_then(|parts| {
                parts
                    .get(1)
                    .and_then(|bits| bits.1.get(1..))
                    .map(<[u8]>::to_vec)
            });
        let (Some(Ok(key)), Ok(signature)) = (
            point.map(|p| VerifyingKey::from_sec1_bytes(&p)),
            Signature::from_der(signature),
        ) else {
            return false;
        };
        return key.verify(message, &signature).is_ok();
    }
    use rsa::pkcs8::DecodePublicKey;
    let Ok(key) = rsa::RsaPublicKey::from_public_key_der(spki) else {
        return false;
    };
    let checked =
        |scheme: rsa::Pkcs1v15Sign, digest: &[u8]| key.verify(scheme, digest, signature).is_ok();
    // rsaEncryption as a CMS signature algorithm means "RSA over the digest algorithm", SHA-256 here.
    if is(crate::pki::SHA256_WITH_RSA) || is("1.2.840.113549.1.1.1") {
        checked(rsa::Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(message))
    } else if is("1.2.840.113549.1.1.12") {
        checked(
            rsa::Pkcs1v15Sign::new::<sha2::Sha384>(),
            &sha2::Sha384::digest(message),
        )
    } else if is("1.2.840.113549.1.1.13") {
        checked(
            rsa::Pkcs1v15Sign::new::<sha2::Sha512>(),
            &sha2::Sha512::digest(message),
        )
    } else {
        false
    }
}

/// Checks the first signature of `pdf`; `trusted` are the DER certificates of trusted CAs.
pub fn verify(pdf: &[u8], trusted: &[Vec<u8>]) -> Result<Verification, VerifyError> {
    let at = find(pdf, b"/ByteRange [", 0).ok_or(VerifyError::NoSignature)?;
    let end = find(pdf, b"]", at).ok_or(VerifyError::Malformed("ByteRange"))?;
    let numbers: Vec<usize> = std::str::from_utf8(&pdf[at + 12..end])
        .map_err(|_| VerifyError::Malformed("ByteRange"))?
        .split_whitespace()
        .filter_map(|n| n.parse().ok())
        .collect();
    let [a, b, c, d] = numbers[..] else {
        return Err(VerifyError::Malformed("ByteRange"));
    };
    if a != 0 || b > c || c.checked_add(d).is_none_or(|e| e > pdf.len()) || c == 0 {
        return Err(VerifyError::Malformed("ByteRange"));
    }
    let whole_document = c + d == pdf.len();
    let hex = pdf
        .get(b + 1..c - 1)
        .ok_or(VerifyError::Malformed("Contents"))?;
    let bytes: Vec<u8> = hex
        .chunks(2)
        .map_while(|pair| {
            std::str::from_utf8(pair)
                .ok()
                .and_then(|p| u8::from_str_radix(p, 16).ok())
        })
        .collect();
    let mut hasher = Sha256::new();
    hasher.update(&pdf[..b]);
    hasher.update(&pdf[c..c + d]);
    let digest = hasher.finalize();

    let malformed = VerifyError::Malformed("CMS");
    let (_, content_info, _) = der::read(&bytes).ok_or(malformed.clone())?;
    let top = children(content_info);
    let (_, explicit, _) = *top.get(1).ok_or(malformed.clone())?;
    let (_, signed_data, _) = der::read(explicit).ok_or(malformed.clone())?;
    let parts = children(signed_data);
    let certificates: Vec<&[u8]> = parts
        .iter()
        .find(|p| p.0 == 0xA0)
        .map(|p| children(p.1).into_iter().map(|c| c.2).collect())
        .unwrap_or_default();
    let signer_infos = parts
        .iter()
        .rev()
        .find(|p| p.0 == 0x31)
        .ok_or(malformed.clone())?;
    let (_, signer_info, _) = der::read(signer_infos.1).ok_or(malformed.clone())?;
    let info = children(signer_info);
    let sid = children(info.get(1).ok_or(malformed.clone())?.1);
    let signed_attributes = info.iter().find(|p| p.0 == 0xA0).ok_or(malformed.clone())?;
    let signature = info
        .iter()
        .rev()
        .find(|p| p.0 == 0x04)
        .ok_or(malformed.clone())?
        .1;
    // The signatureAlgorithm comes right after the signed attributes.
    let signature_algorithm = info
        .iter()
        .skip_while(|p| p.0 != 0xA0)
        .nth(1)
        .ok_or(malformed.clone())?
        .2;

    let mut message_digest = None;
    let mut signing_time = None;
    for (_, attribute, _) in children(signed_attributes.1) {
        let fields = children(attribute);
        let (Some(kind), Some(values)) = (fields.first(), fields.get(1)) else {
            continue;
        };
        let value = children(values.1).into_iter().next();
        if kind.2 == oid("1.2.840.113549.1.9.4").as_slice() {
            message_digest = value.map(|v| v.1.to_vec());
        } else if kind.2 == oid("1.2.840.113549.1.9.5").as_slice() {
            signing_time = value.and_then(|v| asn1_time(v.0, v.1));
        }
    }
    let (signer_der, signer_cert) = certificates
        .iter()
        .filter_map(|c| parse_cert(c).map(|parsed| (c, parsed)))
        .find(|(_, c)| {
            sid.first().map(|s| s.2) == Some(c.issuer) && sid.get(1).map(|s| s.2) == Some(c.serial)
        })
        .ok_or(VerifyError::Malformed("signer certificate"))?;
    // The signed attributes are signed as a SET (tag 0x31), not as their implicit [0] form.
    let mut as_set = signed_attributes.2.to_vec();
    as_set[0] = 0x31;
    let intact = message_digest.as_deref() == Some(digest.as_slice())
        && verifies(signer_cert.spki, signature_algorithm, &as_set, signature);
    let trusted = trusted.iter().any(|t| issued_by(signer_der, t));
    Ok(Verification {
        signer: common_name(signer_cert.subject),
        issuer: common_name(signer_cert.issuer),
        signing_time,
        signer_certificate: signer_der.to_vec(),
        intact,
        whole_document,
        trusted,
    })
}

/// UTCTime (tag 0x17, YYMMDDHHMMSSZ, years 1950–2049) or GeneralizedTime (0x18, YYYYMMDDHHMMSSZ).
fn asn1_time(tag: u8, text: &[u8]) -> Option<chrono::DateTime<chrono::Utc>> {
    let text = std::str::from_utf8(text).ok()?;
    let full = match tag {
        0x17 => {
            let year: u32 = text.get(..2)?.parse().ok()?;
            format!("{}{text}", if year < 50 { "20" } else { "19" })
        }
        0x18 => text.to_string(),
        _ => return None,
    };
    chrono::NaiveDateTime::parse_from_str(full.strip_suffix('Z')?, "%Y%m%d%H%M%S")
        .ok()
        .map(|t| t.and_utc())
}
