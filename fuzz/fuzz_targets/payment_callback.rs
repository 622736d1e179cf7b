//! A payment gateway's callback (return URL or IPN query): whatever it holds, once re-signed with
//! the merchant's secret it is never refused for its signature; a changed amount is; and what is
//! read from it is only what the signature covers.
#![no_main]

use libfuzzer_sys::fuzz_target;
use xaso_domain::payment::vnpay::{
    query_pairs, read_report, sign, urlencode, Merchant, ReportError,
};

const HASH: &str = "vnp_SecureHash";

fn merchant() -> Merchant {
    Merchant {
        tmn_code: "XASO0001".into(),
        secret: "bi-mat-cua-don-vi".into(),
    }
}

/// `params` without any hash, signed anew.
fn resigned(params: &[(String, String)]) -> Vec<(String, String)> {
    let mut params: Vec<(String, String)> = params
        .iter()
        .filter(|(k, _)| k != HASH && k != "vnp_SecureHashType")
        .cloned()
        .collect();
    let hash = sign(&merchant().secret, &params);
    params.push((HASH.to_string(), hash));
    params
}

fuzz_target!(|data: &[u8]| {
    let Some(query) = xaso_fuzz::text(data) else {
        return;
    };
    let params = query_pairs(query);
    let _ = read_report(&merchant(), &params);
    // The query as the gateway would write it again reads to the same parameters.
    let again = params
        .iter()
        .map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v)))
        .collect::<Vec<_>>()
        .join("&");
    assert_eq!(query_pairs(&again), params, "query changed: {again}");
    let signed = resigned(&params);
    let read = read_report(&merchant(), &signed);
    assert_ne!(
        read,
        Err(ReportError::Signature),
        "re-signed callback refused: {signed:?}"
    );
    if let Ok(report) = read {
        // Tampering with the amount breaks the signature.
        let mut tampered = signed.clone();
        if let Some((_, v)) = tampered.iter_mut().find(|(k, _)| k == "vnp_Amount") {
            v.push('0');
        }
        assert_eq!(
            read_report(&merchant(), &tampered),
            Err(ReportError::Signature)
        );
        // What is read comes from signed parameters only: the same without the unsigned ones.
        let covered: Vec<(String, String)> = signed
            .iter()
            .filter(|(k, v)| k.starts_with("vnp_") && !v.is_empty())
            .cloned()
            .collect();
        assert_eq!(
            read_report(&merchant(), &resigned(&covered)),
            Ok(report),
            "something unsigned changed the report: {signed:?}"
        );
    }
});
