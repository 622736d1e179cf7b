//! PAdES signatures: a CMS SignedData (CAdES, detached) over the PDF's byte ranges, with the
//! signing-certificate attribute, placed in the space `pdf::Document::finish_with` reserved.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::der::{ctx, octets, oid, seq, set, small_int, sorted, tlv};
use crate::pdf::{Document, Placeholder, SignatureSlot, BYTE_RANGE_BLANK};
use crate::pki::{Certificate, Key};

const SHA256: &str = "2.16.840.1.101.3.4.2.1";
const ID_DATA: &str = "1.2.840.113549.1.7.1";
const SIGNED_DATA: &str = "1.2.840.113549.1.7.2";
/// Room for the CMS message beyond its certificates: attributes, signature (RSA-4096 at most), DER.
const OVERHEAD: usize = 4096;

/// Who signs: their key, their certificate and the chain above it.
pub struct Signer<'a> {
    pub key: &'a Key,
    pub certificate: &'a Certificate,
    pub chain: &'a [Certificate],
    pub name: String,
}

/// CMS SignedData, detached, over `digest` (SHA-256 of the signed bytes).
pub fn cms(signer: &Signer<'_>, digest: &[u8], at: DateTime<Utc>) -> Vec<u8> {
    let attribute = |type_oid: &str, value: Vec<u8>| seq(&[oid(type_oid), set(&[value])]);
    let cert_hash = Sha256::digest(&signer.certificate.der);
    let attributes = vec![
        attribute("1.2.840.113549.1.9.3", oid(ID_DATA)),
        attribute("1.2.840.113549.1.9.5", crate::der::time(at)),
        attribute("1.2.840.113549.1.9.4", octets(digest)),
        // ESS signing-certificate-v2: PAdES binds the signature to its certificate.
        attribute(
            "1.2.840.113549.1.9.16.2.47",
            seq(&[seq(&[seq(&[octets(&cert_hash)])])]),
        ),
    ];
    let signed = sorted(&attributes);
    let signature = signer.key.sign(&tlv(0x31, &signed));
    let signer_info = seq(&[
        small_int(1),
        seq(&[
            signer.certificate.issuer.clone(),
            signer.certificate.serial.clone(),
        ]),
        seq(&[oid(SHA256)]),
        ctx(0, &signed),
        signer.key.signature_algorithm(),
        octets(&signature),
    ]);
    let mut certificates = vec![signer.certificate.der.clone()];
    certificates.extend(signer.chain.iter().map(|c| c.der.clone()));
    let signed_data = seq(&[
        small_int(1),
        set(&[seq(&[oid(SHA256)])]),
        seq(&[oid(ID_DATA)]),
        ctx(0, &certificates.concat()),
        set(&[signer_info]),
    ]);
    seq(&[oid(SIGNED_DATA), ctx(0, &signed_data)])
}

/// Finishes a document with a PAdES signature.
pub fn sign(document: Document, signer: &Signer<'_>, reason: &str, at: DateTime<Utc>) -> Vec<u8> {
    let reserve = OVERHEAD
        + signer.certificate.der.len()
        + signer.chain.iter().map(|c| c.der.len()).sum::<usize>();
    let slot = SignatureSlot {
        signer: signer.name.clone(),
        reason: reason.to_string(),
        time: at,
        reserve,
    };
    let (mut pdf, placeholder) = document.finish_with(Some(&slot));
    let Some(Placeholder {
        contents_start,
        contents_end,
        byte_range_at,
    }) = placeholder
    else {
        return pdf;
    };
    let ranges = format!(
        "[0 {} {} {}]",
        contents_start,
        contents_end,
        pdf.len() - contents_end
    );
    let padded = format!("{ranges:<width$}", width = BYTE_RANGE_BLANK.len());
    pdf[byte_range_at..byte_range_at + padded.len()].copy_from_slice(padded.as_bytes());
    let mut hasher = Sha256::new();
    hasher.update(&pdf[..contents_start]);
    hasher.update(&pdf[contents_end..]);
    let digest = hasher.finalize();
    let signature = cms(signer, &digest, at);
    let hex: String = signature.iter().map(|b| format!("{b:02X}")).collect();
    let start = contents_start + 1;
    assert!(
        hex.len() <= reserve * 2,
        "the reserve covers the certificates and the largest signature"
    );
    pdf[start..start + hex.len()].copy_from_slice(hex.as_bytes());
    pdf
}
