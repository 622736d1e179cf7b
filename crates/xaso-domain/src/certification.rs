//! Certification (chứng thực, NĐ 23/2015): the yearly registers and their numbers.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The four registers a commune keeps each year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Register {
    /// Sổ chứng thực bản sao từ bản chính.
    CopyFromOriginal,
    /// Sổ chứng thực chữ ký, chứng thực điểm chỉ.
    Signature,
    /// Sổ chứng thực chữ ký người dịch.
    Translator,
    /// Sổ chứng thực hợp đồng, giao dịch.
    Contract,
}

impl Register {
    pub const ALL: [Register; 4] = [
        Register::CopyFromOriginal,
        Register::Signature,
        Register::Translator,
        Register::Contract,
    ];

    /// The symbol that ends every number of the register.
    pub fn symbol(self) -> &'static str {
        match self {
            Register::CopyFromOriginal => "SCT/BS",
            Register::Signature => "SCT/CK,ĐC",
            Register::Translator => "SCT/CKND",
            Register::Contract => "SCT/HĐ,GD",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Register::CopyFromOriginal => "Sổ chứng thực bản sao từ bản chính",
            Register::Signature => "Sổ chứng thực chữ ký, chứng thực điểm chỉ",
            Register::Translator => "Sổ chứng thực chữ ký người dịch",
            Register::Contract => "Sổ chứng thực hợp đồng, giao dịch",
        }
    }
}

impl FromStr for Register {
    type Err = String;

    fn from_str(symbol: &str) -> Result<Register, String> {
        Register::ALL
            .into_iter()
            .find(|r| r.symbol() == symbol)
            .ok_or_else(|| format!("sổ chứng thực không có: {symbol} (dùng SCT/BS, SCT/CK,ĐC, SCT/CKND, SCT/HĐ,GD)"))
    }
}

/// A certification number: the yearly sequence (from 01), the book, the year and the register.
/// Several copies of one original certified at once share one number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificationNumber {
    pub sequence: u32,
    pub book: u32,
    pub year: i32,
    pub register: Register,
}

impl fmt::Display for CertificationNumber {
    /// "Số chứng thực 15, quyển số 01/2026-SCT/BS", as on the certification statement.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Số chứng thực {:02}, quyển số {:02}/{}-{}",
            self.sequence,
            self.book,
            self.year,
            self.register.symbol()
        )
    }
}

/// What certifying `copies` copies of an original of `pages` pages costs, in đồng, under the
/// procedure's per-page schedule (TT 226/2016: the tiers and the cap apply to each copy).
/// `None` when the schedule is not per page, or for no page or no copy.
pub fn copy_fee(schedule: &crate::catalog::FeeSchedule, pages: u32, copies: u32) -> Option<u64> {
    if pages == 0 || copies == 0 {
        return None;
    }
    schedule
        .per_page_amount(pages)?
        .checked_mul(u64::from(copies))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{FeeSchedule, PageTier};
    use proptest::prelude::*;

    fn tt_226() -> FeeSchedule {
        FeeSchedule::PerPage {
            tiers: vec![
                PageTier {
                    from: 1,
                    to: Some(2),
                    amount: 2_000,
                },
                PageTier {
                    from: 3,
                    to: None,
                    amount: 1_000,
                },
            ],
            cap: Some(200_000),
            unit: "bản".into(),
        }
    }

    #[test]
    fn copy_fees_follow_the_tiers_per_copy() {
        let fee = |pages, copies| copy_fee(&tt_226(), pages, copies);
        assert_eq!(fee(1, 1), Some(2_000));
        assert_eq!(fee(2, 3), Some(12_000));
        assert_eq!(fee(5, 2), Some(14_000));
        assert_eq!(fee(500, 2), Some(400_000), "the cap is per copy");
        assert_eq!((fee(0, 1), fee(1, 0)), (None, None));
        let fixed = FeeSchedule::Fixed {
            amount: 10_000,
            unit: "trường hợp".into(),
        };
        assert_eq!(copy_fee(&fixed, 2, 1), None);
    }

    proptest! {
        #[test]
        fn more_pages_or_copies_never_cost_less(pages in 1u32..400, copies in 1u32..20) {
            let fee = |p, c| copy_fee(&tt_226(), p, c).expect("per page");
            prop_assert!(fee(pages + 1, copies) >= fee(pages, copies));
            prop_assert!(fee(pages, copies + 1) > fee(pages, copies));
            prop_assert_eq!(fee(pages, copies), fee(pages, 1) * u64::from(copies));
            prop_assert!(fee(pages, 1) <= 200_000);
        }
    }

    #[test]
    fn numbers_read_as_on_the_statement() {
        let number = CertificationNumber {
            sequence: 7,
            book: 1,
            year: 2026,
            register: Register::CopyFromOriginal,
        };
        assert_eq!(
            number.to_string(),
            "Số chứng thực 07, quyển số 01/2026-SCT/BS"
        );
        let later = CertificationNumber {
            sequence: 1234,
            ..number
        };
        assert_eq!(
            later.to_string(),
            "Số chứng thực 1234, quyển số 01/2026-SCT/BS"
        );
    }

    #[test]
    fn symbols_round_trip() {
        for register in Register::ALL {
            assert_eq!(register.symbol().parse::<Register>(), Ok(register));
        }
        assert!("SCT/XX".parse::<Register>().is_err());
    }
}
