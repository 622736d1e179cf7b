//! Keys and X.509 certificates (ECDSA P-256, SHA-256): a commune CA and the signing certificates
//! it issues to leaders.

use chrono::{DateTime, Duration, Utc};
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use sha2::{Digest, Sha256};

use crate::der::{self, bits, boolean, ctx, octets, oid, seq, set, small_int, uint, utf8};

pub const ECDSA_WITH_SHA256: &str = "1.2.840.10045.4.3.2";
const EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";
const PRIME256V1: &str = "1.2.840.10045.3.1.7";

/// A private key; its bytes are what gets stored (encrypted at rest by the caller). Keys made by
/// xaso are ECDSA P-256; keys imported from a provider's .p12 file are usually RSA.
pub struct Key(Inner);

enum Inner {
    P256(SigningKey),
    Rsa(Box<rsa::RsaPrivateKey>),
}

pub const SHA256_WITH_RSA: &str = "1.2.840.113549.1.1.11";
const RSA_ENCRYPTION: &str = "1.2.840.113549.1.1.1";

impl Key {
    pub fn generate() -> Key {
        loop {
            let mut bytes = [0u8; 32];
            getrandom::fill(&mut bytes).expect("the operating system provides randomness");
            if let Ok(key) = SigningKey::from_bytes(&bytes.into()) {
                return Key(Inner::P256(key));
            }
        }
    }

    /// The stored form: 32 bytes for P-256, PKCS#1 DER for RSA.
    pub fn from_bytes(bytes: &[u8]) -> Option<Key> {
        if let Ok(array) = <[u8; 32]>::try_from(bytes) {
            return SigningKey::from_bytes(&array.into())
                .ok()
                .map(|k| Key(Inner::P256(k)));
        }
        use rsa::pkcs1::DecodeRsaPrivateKey;
        rsa::RsaPrivateKey::from_pkcs1_der(bytes)
            .ok()
            .map(|k| Key(Inner::Rsa(Box::new(k))))
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        match &self.0 {
            Inner::P256(key) => key.to_bytes().to_vec(),
            Inner::Rsa(key) => {
                use rsa::pkcs1::EncodeRsaPrivateKey;
                key.to_pkcs1_der()
                    .map(|d| d.as_bytes().to_vec())
                    .unwrap_or_default()
            }
        }
    }

    /// A PKCS#8 PrivateKeyInfo (as found in .p12 files): RSA, or EC on P-256.
    pub fn from_pkcs8(der: &[u8]) -> Result<Key, String> {
        let info = crate::verify::children(der::read(der).ok_or("PKCS#8")?.1);
        let algorithm = crate::verify::children(info.get(1).ok_or("PKCS#8")?.1);
        let private = info.get(2).ok_or("PKCS#8")?.1;
        let kind = algorithm.first().map(|a| a.2).unwrap_or_default();
        if kind == oid(RSA_ENCRYPTION) {
            use rsa::pkcs1::DecodeRsaPrivateKey;
            let key = rsa::RsaPrivateKey::from_pkcs1_der(private)
                .map_err(|e| format!("khóa RSA hỏng ({e})"))?;
            if rsa::traits::PublicKeyParts::size(&key) < 256 {
                return Err("khóa RSA ngắn hơn 2048 bit".into());
            }
            return Ok(Key(Inner::Rsa(Box::new(key))));
        }
        if kind == oid(EC_PUBLIC_KEY) {
            if algorithm.get(1).map(|a| a.2) != Some(oid(PRIME256V1).as_slice()) {
                return Err("khóa EC không trên đường cong P-256".into());
            }
            // ECPrivateKey ::= SEQUENCE { version, privateKey OCTET STRING, ... }
            let fields = crate::verify::children(der::read(private).ok_or("ECPrivateKey")?.1);
            return fields
                .get(1)
                .and_then(|f| Key::from_bytes(f.1))
                .ok_or_else(|| "khóa EC hỏng".to_string());
        }
        Err("loại khóa không phải RSA hay EC P-256".into())
    }

    /// The signature algorithm this key signs with (always over SHA-256).
    pub fn signature_algorithm(&self) -> Vec<u8> {
        match &self.0 {
            Inner::P256(_) => seq(&[oid(ECDSA_WITH_SHA256)]),
            Inner::Rsa(_) => seq(&[oid(SHA256_WITH_RSA), der::tlv(0x05, &[])]),
        }
    }

    /// A signature of SHA-256(message): DER ECDSA, or PKCS#1 v1.5 for RSA.
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        match &self.0 {
            Inner::P256(key) => {
                let signature: Signature = key.sign(message);
                signature.to_der().as_bytes().to_vec()
            }
            Inner::Rsa(key) => key
                .sign(rsa::Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(message))
                .expect("an RSA key of 2048 bits or more signs a SHA-256 digest"),
        }
    }

    /// Whether `certificate` carries this key's public half.
    pub fn matches(&self, certificate: &Certificate) -> bool {
        let Some(spki) = crate::verify::subject_public_key_info(&certificate.der) else {
            return false;
        };
        match &self.0 {
            Inner::P256(_) => {
                der::read(spki)
                    .map(|(_, body, _)| crate::verify::children(body))
                    .unwrap_or_default()
                    .get(1)
                    .and_then(|bits| bits.1.get(1..))
                    == Some(self.public_point().as_slice())
            }
            Inner::Rsa(key) => {
                use rsa::pkcs8::DecodePublicKey;
                rsa::RsaPublicKey::from_public_key_der(spki).ok() == Some(key.to_public_key())
            }
        }
    }

    fn public_point(&self) -> Vec<u8> {
        match &self.0 {
            Inner::P256(key) => key
                .verifying_key()
                .to_encoded_point(false)
                .as_bytes()
                .to_vec(),
            Inner::Rsa(_) => Vec::new(),
        }
    }

    fn spki(&self) -> Vec<u8> {
        match &self.0 {
            Inner::P256(_) => seq(&[
                seq(&[oid(EC_PUBLIC_KEY), oid(PRIME256V1)]),
                bits(&self.public_point(), 0),
            ]),
            Inner::Rsa(key) => {
                use rsa::pkcs8::EncodePublicKey;
                key.to_public_key()
                    .to_public_key_der()
                    .map(|d| d.as_bytes().to_vec())
                    .unwrap_or_default()
            }
        }
    }

    fn key_id(&self) -> Vec<u8> {
        match &self.0 {
            Inner::P256(_) => Sha256::digest(self.public_point())[..20].to_vec(),
            Inner::Rsa(_) => Sha256::digest(self.spki())[..20].to_vec(),
        }
    }
}

/// A distinguished name: common name, organisation, country VN.
pub fn name(common: &str, organisation: &str) -> Vec<u8> {
    let rdn = |type_oid: &str, value: Vec<u8>| set(&[seq(&[oid(type_oid), value])]);
    seq(&[
        rdn("2.5.4.6", der::printable("VN")),
        rdn("2.5.4.10", utf8(organisation)),
        rdn("2.5.4.3", utf8(common)),
    ])
}

/// A certificate and the parts a signature refers to.
#[derive(Debug, Clone)]
pub struct Certificate {
    pub der: Vec<u8>,
    pub issuer: Vec<u8>,
    pub serial: Vec<u8>,
}

impl Certificate {
    /// A DER certificate with the issuer and serial a CMS signer identifier names.
    pub fn from_der(der: &[u8]) -> Option<Certificate> {
        let parsed = crate::verify::parse_cert(der)?;
        Some(Certificate {
            der: der.to_vec(),
            issuer: parsed.issuer.to_vec(),
            serial: parsed.serial.to_vec(),
        })
    }

    /// PEM, for `--trust` options of validators.
    pub fn pem(&self) -> String {
        let b64 = base64(&self.der);
        let lines: Vec<&str> = b64
            .as_bytes()
            .chunks(64)
            .map(|c| std::str::from_utf8(c).unwrap_or(""))
            .collect();
        format!(
            "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
            lines.join("\n")
        )
    }
}

/// The DER certificates in a PEM text; `None` when a certificate block is not valid base64.
pub fn certificates_in_pem(text: &str) -> Option<Vec<Vec<u8>>> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("-----BEGIN CERTIFICATE-----") {
        let body = &rest[start + 27..];
        let end = body.find("-----END CERTIFICATE-----")?;
        found.push(unbase64(&body[..end])?);
        rest = &body[end + 25..];
    }
    Some(found)
}

fn unbase64(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in text
        .bytes()
        .filter(|c| !c.is_ascii_whitespace() && *c != b'=')
    {
        let value = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        buffer = (buffer << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    Some(out)
}

fn base64(data: &[u8]) -> String {
    const TABLE: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(TABLE[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Issues a certificate for `subject_key` signed by `issuer_key` (self-signed when they are one).
#[allow(clippy::too_many_arguments)]
pub fn issue(
    subject: &[u8],
    subject_key: &Key,
    issuer: &[u8],
    issuer_key: &Key,
    is_ca: bool,
    not_before: DateTime<Utc>,
    days: i64,
) -> Certificate {
    let mut serial_bytes = [0u8; 16];
    getrandom::fill(&mut serial_bytes).expect("the operating system provides randomness");
    serial_bytes[0] &= 0x7F;
    let serial = uint(&serial_bytes);
    let algorithm = issuer_key.signature_algorithm();
    let spki = subject_key.spki();
    let (constraints, usage) = if is_ca {
        (seq(&[boolean(true)]), bits(&[0x06], 1))
    } else {
        (seq(&[]), bits(&[0xC0], 6))
    };
    let extensions = seq(&[
        seq(&[oid("2.5.29.19"), boolean(true), octets(&constraints)]),
        seq(&[oid("2.5.29.15"), boolean(true), octets(&usage)]),
        seq(&[oid("2.5.29.14"), octets(&octets(&subject_key.key_id()))]),
        seq(&[
            oid("2.5.29.35"),
            octets(&seq(&[der::tlv(0x80, &issuer_key.key_id())])),
        ]),
    ]);
    let tbs = seq(&[
        ctx(0, &small_int(2)),
        serial.clone(),
        algorithm.clone(),
        issuer.to_vec(),
        seq(&[
            der::time(not_before),
            der::time(not_before + Duration::days(days)),
        ]),
        subject.to_vec(),
        spki,
        ctx(3, &extensions),
    ]);
    let signature = issuer_key.sign(&tbs);
    Certificate {
        der: seq(&[tbs, algorithm, bits(&signature, 0)]),
        issuer: issuer.to_vec(),
        serial,
    }
}

/// Private keys are stored sealed with AES-256-GCM under the installation's secret key
/// (`XASO_SECRET_KEY`, or `secret.key` in the data folder): a copy of the database alone signs
/// nothing. Layout: 12-byte nonce, then ciphertext and tag.
pub fn seal(secret: &[u8; 32], key: &Key) -> Vec<u8> {
    use aes_gcm::aead::{Aead, KeyInit};
    let cipher = aes_gcm::Aes256Gcm::new(secret.into());
    let mut nonce = [0u8; 12];
    getrandom::fill(&mut nonce).expect("the operating system provides randomness");
    let sealed = cipher
        .encrypt((&nonce).into(), key.to_bytes().as_slice())
        .expect("AES-GCM encryption of 32 bytes cannot fail");
    [nonce.to_vec(), sealed].concat()
}

/// The key sealed by `seal`, or `None` when the secret is wrong or the data damaged.
pub fn unseal(secret: &[u8; 32], sealed: &[u8]) -> Option<Key> {
    use aes_gcm::aead::{Aead, KeyInit};
    if sealed.len() < 12 {
        return None;
    }
    let cipher = aes_gcm::Aes256Gcm::new(secret.into());
    let (nonce, body) = sealed.split_at(12);
    let plain = cipher.decrypt(nonce.into(), body).ok()?;
    Key::from_bytes(&plain)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_keys_open_only_with_their_secret() {
        let key = Key::generate();
        let secret = [7u8; 32];
        let sealed = seal(&secret, &key);
        assert_ne!(&sealed[12..44], key.to_bytes().as_slice());
        assert_eq!(
            unseal(&secret, &sealed).map(|k| k.to_bytes()),
            Some(key.to_bytes())
        );
        assert!(unseal(&[8u8; 32], &sealed).is_none());
        assert!(unseal(&secret, &sealed[..20]).is_none());
    }
}
