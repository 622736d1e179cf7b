//! Fees and online payment, without IO: what a case must pay (the catalog's schedules, the
//! exemptions of `data/fees/`) and the payment gateway's redirect protocol.

pub mod fees;
pub mod reconcile;
pub mod vnpay;

use vnpay::{IpnAnswer, Merchant, PaymentRequest, Report, ReportError};

/// The name under which the payment gateway settles a dossier (its history's actor).
pub const GATEWAY_ACTOR: &str = "Cổng thanh toán trực tuyến";

/// A payment gateway's redirect protocol: how the payer is sent, how its reports are read, how
/// its server-to-server call is answered. VNPay's is the first; others (the national portal's
/// payment platform) are added beside it.
pub trait Protocol: Send + Sync {
    /// The short name kept with each payment ("vnpay").
    fn name(&self) -> &'static str;
    /// The URL the payer's browser is sent to.
    fn payment_url(&self, gateway_url: &str, request: &PaymentRequest) -> String;
    /// A report (return or IPN parameters), checked against the merchant's secret.
    fn read_report(&self, params: &[(String, String)]) -> Result<Report, ReportError>;
    /// The body answering the gateway's server-to-server call.
    fn answer(&self, answer: IpnAnswer) -> String;
}

/// VNPay's protocol (version 2.1.0) for one merchant.
#[derive(Debug, Clone)]
pub struct Vnpay {
    pub merchant: Merchant,
}

impl Protocol for Vnpay {
    fn name(&self) -> &'static str {
        "vnpay"
    }

    fn payment_url(&self, gateway_url: &str, request: &PaymentRequest) -> String {
        vnpay::payment_url(gateway_url, &self.merchant, request)
    }

    fn read_report(&self, params: &[(String, String)]) -> Result<Report, ReportError> {
        vnpay::read_report(&self.merchant, params)
    }

    fn answer(&self, answer: IpnAnswer) -> String {
        answer.json()
    }
}
