//! xaso documents: PDF forms in an embedded Vietnamese serif font. (Signing comes with the PKI.)

pub mod forms;
pub mod pdf;

#[cfg(test)]
mod tests;
