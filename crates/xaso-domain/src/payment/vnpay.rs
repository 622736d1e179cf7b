//! The VNPay-style redirect protocol (version 2.1.0), without IO: the payment URL the citizen is
//! sent to, the signed report the gateway sends back (to the browser's return URL and, server to
//! server, to the IPN URL), its verification, and the IPN answer. Parameters are sorted by name,
//! encoded as PHP's `urlencode` does (space as `+`), joined with `&`, and signed with HMAC-SHA512
//! under the merchant's secret; the amount travels in hundredths of a đồng.

use std::fmt;

use chrono::NaiveDateTime;
use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::Sha512;

pub const VERSION: &str = "2.1.0";
const HASH: &str = "vnp_SecureHash";
const HASH_TYPE: &str = "vnp_SecureHashType";

/// A merchant's terminal code and secret, as the gateway issued them.
#[derive(Clone, PartialEq, Eq)]
pub struct Merchant {
    pub tmn_code: String,
    pub secret: String,
}

impl fmt::Debug for Merchant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Merchant")
            .field("tmn_code", &self.tmn_code)
            .field("secret", &"***")
            .finish()
    }
}

/// `urlencode` as PHP writes it (the gateway's reference code signs that form): ASCII letters,
/// digits and `-_.` stay, a space becomes `+`, every other byte `%XX`.
pub fn urlencode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => out.push(byte as char),
            b' ' => out.push('+'),
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

/// A query string as (name, value) pairs, decoded as forms are (`+` a space, `%XX` a byte), in
/// their order: how the return URL's and the IPN's parameters are read.
pub fn query_pairs(query: &str) -> Vec<(String, String)> {
    serde_urlencoded::from_str(query).unwrap_or_default()
}

/// The signed text: every `vnp_` parameter with a value but the hash itself, sorted by name,
/// encoded, joined (the gateway's reference code skips empty values and other parameters).
pub fn canonical(params: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = params
        .iter()
        .filter(|(k, v)| k.starts_with("vnp_") && k != HASH && k != HASH_TYPE && !v.is_empty())
        .collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    sorted
        .iter()
        .map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn mac(secret: &str, params: &[(String, String)]) -> Hmac<Sha512> {
    // HMAC accepts keys of any length; the error case cannot happen.
    let mut mac = Hmac::<Sha512>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
    mac.update(canonical(params).as_bytes());
    mac
}

/// The `vnp_SecureHash` of `params`: HMAC-SHA512 in lowercase hex.
pub fn sign(secret: &str, params: &[(String, String)]) -> String {
    mac(secret, params)
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn from_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Whether `params` carry a `vnp_SecureHash` made with `secret` (compared in constant time).
pub fn verify(secret: &str, params: &[(String, String)]) -> bool {
    let Some(given) = params
        .iter()
        .find(|(k, _)| k == HASH)
        .and_then(|(_, v)| from_hex(v))
    else {
        return false;
    };
    mac(secret, params).verify_slice(&given).is_ok()
}

/// What the citizen is sent to pay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRequest {
    /// Our reference, unique per attempt (the gateway refuses a reused one).
    pub txn_ref: String,
    pub amount: u64,
    /// Shown to the payer; ASCII keeps every bank's page happy.
    pub order_info: String,
    pub return_url: String,
    pub ip: String,
    /// Vietnam time.
    pub created: NaiveDateTime,
    pub expires: NaiveDateTime,
}

fn stamp(at: NaiveDateTime) -> String {
    at.format("%Y%m%d%H%M%S").to_string()
}

/// The signed parameters of a payment request.
pub fn request_params(merchant: &Merchant, request: &PaymentRequest) -> Vec<(String, String)> {
    let mut params: Vec<(String, String)> = [
        ("vnp_Version", VERSION.to_string()),
        ("vnp_Command", "pay".to_string()),
        ("vnp_TmnCode", merchant.tmn_code.clone()),
        ("vnp_Amount", (u128::from(request.amount) * 100).to_string()),
        ("vnp_CurrCode", "VND".to_string()),
        ("vnp_TxnRef", request.txn_ref.clone()),
        ("vnp_OrderInfo", request.order_info.clone()),
        ("vnp_OrderType", "other".to_string()),
        ("vnp_Locale", "vn".to_string()),
        ("vnp_ReturnUrl", request.return_url.clone()),
        ("vnp_IpAddr", request.ip.clone()),
        ("vnp_CreateDate", stamp(request.created)),
        ("vnp_ExpireDate", stamp(request.expires)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let hash = sign(&merchant.secret, &params);
    params.push((HASH.to_string(), hash));
    params
}

/// The URL the citizen's browser is sent to.
pub fn payment_url(gateway: &str, merchant: &Merchant, request: &PaymentRequest) -> String {
    let query = request_params(merchant, request)
        .iter()
        .map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v)))
        .collect::<Vec<_>>()
        .join("&");
    format!("{gateway}?{query}")
}

/// What the gateway reports about a payment (return URL and IPN carry the same parameters).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub tmn_code: String,
    pub txn_ref: String,
    /// đồng (the parameter is in hundredths).
    pub amount: u64,
    pub response_code: String,
    pub transaction_status: String,
    /// The gateway's own number for the transaction.
    pub transaction_no: String,
    pub bank_code: String,
    pub pay_date: Option<NaiveDateTime>,
}

impl Report {
    /// Money taken: both codes say so.
    pub fn succeeded(&self) -> bool {
        self.response_code == "00" && self.transaction_status == "00"
    }
}

/// Why a report cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReportError {
    #[error("chữ ký của cổng thanh toán không hợp lệ")]
    Signature,
    #[error("thiếu tham số {0}")]
    Missing(&'static str),
    #[error("số tiền “{0}” không hợp lệ")]
    Amount(String),
    #[error("mã đơn vị chấp nhận thanh toán “{0}” không phải của hệ thống")]
    Merchant(String),
}

/// Reads a report, checking its signature and merchant first: nothing unsigned is believed.
pub fn read_report(
    merchant: &Merchant,
    params: &[(String, String)],
) -> Result<Report, ReportError> {
    if !verify(&merchant.secret, params) {
        return Err(ReportError::Signature);
    }
    // Only what the signature covers is read: an empty value is not signed (see `canonical`),
    // so an empty parameter is absent, and cannot stand before the signed one of the same name.
    let get = |key: &'static str| {
        params
            .iter()
            .find(|(k, v)| k == key && !v.is_empty())
            .map(|(_, v)| v.clone())
            .ok_or(ReportError::Missing(key))
    };
    let tmn_code = get("vnp_TmnCode")?;
    if tmn_code != merchant.tmn_code {
        return Err(ReportError::Merchant(tmn_code));
    }
    let raw = get("vnp_Amount")?;
    let hundredths: u128 = raw
        .parse()
        .ok()
        .filter(|_| raw.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| ReportError::Amount(raw.clone()))?;
    if !hundredths.is_multiple_of(100) {
        return Err(ReportError::Amount(raw));
    }
    let amount = u64::try_from(hundredths / 100).map_err(|_| ReportError::Amount(raw.clone()))?;
    Ok(Report {
        tmn_code,
        txn_ref: get("vnp_TxnRef")?,
        amount,
        response_code: get("vnp_ResponseCode")?,
        transaction_status: get("vnp_TransactionStatus").unwrap_or_default(),
        transaction_no: get("vnp_TransactionNo").unwrap_or_default(),
        bank_code: get("vnp_BankCode").unwrap_or_default(),
        pay_date: get("vnp_PayDate")
            .ok()
            .and_then(|d| NaiveDateTime::parse_from_str(&d, "%Y%m%d%H%M%S").ok()),
    })
}

/// The merchant's answer to an IPN call, as the gateway expects it (`{"RspCode", "Message"}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IpnAnswer {
    Confirmed,
    OrderNotFound,
    AlreadyConfirmed,
    InvalidAmount,
    InvalidSignature,
    Unknown,
}

impl IpnAnswer {
    pub fn code(self) -> &'static str {
        match self {
            IpnAnswer::Confirmed => "00",
            IpnAnswer::OrderNotFound => "01",
            IpnAnswer::AlreadyConfirmed => "02",
            IpnAnswer::InvalidAmount => "04",
            IpnAnswer::InvalidSignature => "97",
            IpnAnswer::Unknown => "99",
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            IpnAnswer::Confirmed => "Confirm Success",
            IpnAnswer::OrderNotFound => "Order not found",
            IpnAnswer::AlreadyConfirmed => "Order already confirmed",
            IpnAnswer::InvalidAmount => "Invalid amount",
            IpnAnswer::InvalidSignature => "Invalid signature",
            IpnAnswer::Unknown => "Unknown error",
        }
    }

    /// The JSON body.
    pub fn json(self) -> String {
        format!(
            "{{\"RspCode\":\"{}\",\"Message\":\"{}\"}}",
            self.code(),
            self.message()
        )
    }
}

/// What a response code means, for the citizen (the common codes of the gateway's documentation).
pub fn response_text(code: &str) -> &'static str {
    match code {
        "00" => "Giao dịch thành công",
        "07" => "Trừ tiền thành công, giao dịch bị nghi ngờ",
        "09" => "Thẻ, tài khoản chưa đăng ký dịch vụ Internet Banking",
        "10" => "Xác thực thông tin thẻ, tài khoản sai quá 3 lần",
        "11" => "Đã hết hạn chờ thanh toán",
        "12" => "Thẻ, tài khoản bị khóa",
        "13" => "Nhập sai mật khẩu xác thực giao dịch (OTP)",
        "24" => "Người thanh toán đã hủy giao dịch",
        "51" => "Tài khoản không đủ số dư",
        "65" => "Tài khoản đã vượt hạn mức giao dịch trong ngày",
        "75" => "Ngân hàng thanh toán đang bảo trì",
        "79" => "Nhập sai mật khẩu thanh toán quá số lần quy định",
        _ => "Giao dịch không thành công",
    }
}

/// The parameters a gateway sends back for a request it received (what the sandbox gateway and
/// the tests produce): the request's reference and amount, the outcome, signed.
pub fn report_params(
    merchant: &Merchant,
    request: &[(String, String)],
    response_code: &str,
    transaction_no: &str,
    paid_at: NaiveDateTime,
) -> Vec<(String, String)> {
    let from_request = |key: &str| {
        request
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let mut params: Vec<(String, String)> = [
        ("vnp_TmnCode", merchant.tmn_code.clone()),
        ("vnp_Amount", from_request("vnp_Amount")),
        ("vnp_BankCode", "NCB".to_string()),
        ("vnp_OrderInfo", from_request("vnp_OrderInfo")),
        ("vnp_PayDate", stamp(paid_at)),
        ("vnp_ResponseCode", response_code.to_string()),
        ("vnp_TransactionNo", transaction_no.to_string()),
        ("vnp_TransactionStatus", response_code.to_string()),
        ("vnp_TxnRef", from_request("vnp_TxnRef")),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let hash = sign(&merchant.secret, &params);
    params.push((HASH.to_string(), hash));
    params
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn merchant() -> Merchant {
        Merchant {
            tmn_code: "XASO0001".into(),
            secret: "BI-MAT-THU-NGHIEM-KHONG-DUNG-THAT".into(),
        }
    }

    fn at(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S").expect("time")
    }

    fn request() -> PaymentRequest {
        PaymentRequest {
            txn_ref: "000.00.61.H19-261127-0001-1".into(),
            amount: 12_000,
            order_info: "Thanh toan ho so 000.00.61.H19-261127-0001".into(),
            return_url: "http://127.0.0.1:8080/thanh-toan/ket-qua".into(),
            ip: "127.0.0.1".into(),
            created: at("2026-11-27 09:30:00"),
            expires: at("2026-11-27 09:45:00"),
        }
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn encoding_is_phps_and_the_text_is_sorted() {
        assert_eq!(
            urlencode("Thanh toan ho so ~ a/b"),
            "Thanh+toan+ho+so+%7E+a%2Fb"
        );
        assert_eq!(urlencode("Đức"), "%C4%90%E1%BB%A9c");
        let text = canonical(&pairs(&[
            ("vnp_TxnRef", "A 1"),
            ("vnp_Amount", "100"),
            ("vnp_SecureHash", "x"),
            ("vnp_BankCode", ""),
            ("ma", "khac"),
        ]));
        assert_eq!(text, "vnp_Amount=100&vnp_TxnRef=A+1");
    }

    #[test]
    fn the_hash_is_hmac_sha512_of_the_text() {
        // Known answer, from openssl:
        // printf 'vnp_Amount=1200000&vnp_TxnRef=A1' | openssl dgst -sha512 -hmac secret
        let params = pairs(&[("vnp_TxnRef", "A1"), ("vnp_Amount", "1200000")]);
        assert_eq!(
            sign("secret", &params),
            "4e1c8a1b410fa2312112c8cfca553ee1e93b061161ff64dce8706eda5c24244cc2a295d6519f36ff687f289b3ce049d2aefa7213a4d27f840a156fd1872e8c89"
        );
        assert_ne!(sign("secret", &params), sign("other", &params));
    }

    #[test]
    fn a_request_round_trips_through_a_gateway_report() {
        let merchant = merchant();
        let url = payment_url(
            "http://127.0.0.1:8080/cong-thanh-toan-thu/pay",
            &merchant,
            &request(),
        );
        assert!(
            url.contains("vnp_Amount=1200000") && url.contains("vnp_CreateDate=20261127093000"),
            "{url}"
        );
        let sent = request_params(&merchant, &request());
        assert!(verify(&merchant.secret, &sent));
        let back = report_params(
            &merchant,
            &sent,
            "00",
            "14226112",
            at("2026-11-27 09:31:12"),
        );
        let report = read_report(&merchant, &back).expect("signed report");
        assert!(report.succeeded());
        assert_eq!(
            (report.amount, report.txn_ref.as_str()),
            (12_000, "000.00.61.H19-261127-0001-1")
        );
        assert_eq!(report.pay_date, Some(at("2026-11-27 09:31:12")));
        let cancelled = read_report(
            &merchant,
            &report_params(&merchant, &sent, "24", "0", at("2026-11-27 09:32:00")),
        )
        .expect("signed");
        assert!(!cancelled.succeeded());
        assert_eq!(
            response_text(&cancelled.response_code),
            "Người thanh toán đã hủy giao dịch"
        );
    }

    /// Found by fuzzing: an empty parameter is not signed, yet one put before the signed
    /// parameter of the same name was read in its place (`vnp_BankCode=&…&vnp_BankCode=NCB`).
    #[test]
    fn unsigned_empty_parameters_are_not_read() {
        let merchant = merchant();
        let sent = request_params(&merchant, &request());
        let back = report_params(&merchant, &sent, "00", "1", at("2026-11-27 09:31:00"));
        let mut padded = pairs(&[("vnp_BankCode", ""), ("vnp_TxnRef", "")]);
        padded.extend(back.iter().cloned());
        assert_eq!(
            read_report(&merchant, &padded),
            read_report(&merchant, &back),
            "the same report with or without the unsigned parameters"
        );
        let mut emptied = back
            .iter()
            .filter(|(k, _)| k != "vnp_TxnRef" && k != HASH)
            .cloned()
            .collect::<Vec<_>>();
        emptied.push(("vnp_TxnRef".into(), String::new()));
        let hash = sign(&merchant.secret, &emptied);
        emptied.push((HASH.into(), hash));
        assert_eq!(
            read_report(&merchant, &emptied),
            Err(ReportError::Missing("vnp_TxnRef"))
        );
    }

    #[test]
    fn forged_changed_or_foreign_reports_are_refused() {
        let merchant = merchant();
        let sent = request_params(&merchant, &request());
        let back = report_params(&merchant, &sent, "00", "1", at("2026-11-27 09:31:00"));
        // A changed amount breaks the signature.
        let mut changed = back.clone();
        changed
            .iter_mut()
            .find(|(k, _)| k == "vnp_Amount")
            .expect("amount")
            .1 = "100".into();
        assert_eq!(
            read_report(&merchant, &changed),
            Err(ReportError::Signature)
        );
        // Signed with another secret.
        let other = Merchant {
            secret: "khac".into(),
            ..merchant.clone()
        };
        assert_eq!(
            read_report(
                &merchant,
                &report_params(&other, &sent, "00", "1", at("2026-11-27 09:31:00"))
            ),
            Err(ReportError::Signature)
        );
        // No hash, or garbage for one.
        let mut unsigned = back.clone();
        unsigned.retain(|(k, _)| k != HASH);
        assert_eq!(
            read_report(&merchant, &unsigned),
            Err(ReportError::Signature)
        );
        unsigned.push((HASH.into(), "zz".into()));
        assert_eq!(
            read_report(&merchant, &unsigned),
            Err(ReportError::Signature)
        );
        // Correctly signed, but for another merchant.
        let foreign = Merchant {
            tmn_code: "KHAC0001".into(),
            ..merchant.clone()
        };
        assert_eq!(
            read_report(
                &merchant,
                &report_params(&foreign, &sent, "00", "1", at("2026-11-27 09:31:00"))
            ),
            Err(ReportError::Merchant("KHAC0001".into()))
        );
        // An amount in fractions of a đồng.
        let odd = pairs(&[
            ("vnp_TmnCode", "XASO0001"),
            ("vnp_Amount", "1250"),
            ("vnp_TxnRef", "A"),
            ("vnp_ResponseCode", "00"),
        ]);
        let mut odd = odd;
        let hash = sign(&merchant.secret, &odd);
        odd.push((HASH.into(), hash));
        assert_eq!(
            read_report(&merchant, &odd),
            Err(ReportError::Amount("1250".into()))
        );
    }

    #[test]
    fn ipn_answers_are_the_gateways_json() {
        assert_eq!(
            IpnAnswer::Confirmed.json(),
            r#"{"RspCode":"00","Message":"Confirm Success"}"#
        );
        assert_eq!(IpnAnswer::AlreadyConfirmed.code(), "02");
        assert_eq!(IpnAnswer::InvalidSignature.code(), "97");
        assert!(
            !format!("{:?}", merchant()).contains("BI-MAT"),
            "the secret is never printed"
        );
    }

    proptest! {
        /// Any parameters signed verify; changing any value, or the order they come in, changes
        /// nothing about that, except a changed value breaks it.
        #[test]
        fn signatures_cover_every_value(values in proptest::collection::vec("[ -~À-ỹ]{0,12}", 1..8), flip in 0usize..8) {
            let mut params: Vec<(String, String)> = values.iter().enumerate().map(|(i, v)| (format!("vnp_K{i}"), v.clone())).collect();
            let hash = sign("s", &params);
            params.reverse();
            params.push((HASH.into(), hash));
            prop_assert!(verify("s", &params));
            let index = flip % (params.len() - 1);
            if !params[index].1.is_empty() {
                params[index].1.push('x');
                prop_assert!(!verify("s", &params));
            }
        }
    }
}
