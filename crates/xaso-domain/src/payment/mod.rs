//! Fees and online payment, without IO: what a case must pay (the catalog's schedules, the
//! exemptions of `data/fees/`) and the payment gateway's redirect protocol.

pub mod fees;
pub mod reconcile;
pub mod vnpay;
