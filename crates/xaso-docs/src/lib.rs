//! xaso documents: PDF forms in an embedded Vietnamese serif font. (Signing comes with the PKI.)

pub mod catalog;
pub mod der;
pub mod docx;
pub mod forms;
pub mod image;
pub mod p12;
pub mod payment;
pub mod pdf;
pub mod pki;
pub mod plan;
mod qr;
pub mod report;
pub mod sign;
pub mod verify;
pub mod xlsx;

#[cfg(test)]
mod provider_tests;
#[cfg(test)]
mod tests;
