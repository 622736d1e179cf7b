//! Dossier codes (TT 01/2018 Art. 19): `V1V2V3.Z1Z2.Y1Y2.MX1X2-YYMMDD-XXXX` — the receiving
//! agency's code, the day received, and that agency's counter for the day.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};

use crate::agency::is_valid_agency_code;

pub const MAX_PER_DAY: u32 = 9999;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DossierCode {
    pub agency_code: String,
    pub date: NaiveDate,
    pub sequence: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("mã hồ sơ “{0}” không đúng dạng V1V2V3.Z1Z2.Y1Y2.MX1X2-YYMMDD-XXXX (ví dụ 000.00.06.H56-231027-0361)")]
pub struct BadCode(pub String);

impl DossierCode {
    pub fn new(agency_code: &str, date: NaiveDate, sequence: u32) -> Option<DossierCode> {
        (is_valid_agency_code(agency_code)
            && (1..=MAX_PER_DAY).contains(&sequence)
            && (2000..2100).contains(&date.year()))
        .then(|| DossierCode {
            agency_code: agency_code.to_string(),
            date,
            sequence,
        })
    }
}

impl fmt::Display for DossierCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}-{}-{:04}",
            self.agency_code,
            self.date.format("%y%m%d"),
            self.sequence
        )
    }
}

impl FromStr for DossierCode {
    type Err = BadCode;

    fn from_str(text: &str) -> Result<DossierCode, BadCode> {
        let bad = || BadCode(text.chars().take(60).collect());
        let text = text.trim();
        let mut parts = text.rsplitn(3, '-');
        let (Some(sequence), Some(date), Some(agency)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(bad());
        };
        if sequence.len() != 4 || !sequence.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        if date.len() != 6 || !date.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let date = NaiveDate::parse_from_str(&format!("20{date}"), "%Y%m%d").map_err(|_| bad())?;
        let sequence: u32 = sequence.parse().map_err(|_| bad())?;
        DossierCode::new(agency, date, sequence).ok_or_else(bad)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_real_example_parses() {
        let code: DossierCode = "000.00.06.H56-231027-0361".parse().expect("valid");
        assert_eq!(code.agency_code, "000.00.06.H56");
        assert_eq!(
            code.date,
            NaiveDate::from_ymd_opt(2023, 10, 27).expect("date")
        );
        assert_eq!(code.sequence, 361);
        assert_eq!(code.to_string(), "000.00.06.H56-231027-0361");
    }

    #[test]
    fn malformed_codes_are_refused() {
        for bad in [
            "",
            "000.00.06.H56-231027-361",
            "000.00.06.H56-231327-0361",
            "000.00.06.H56-230230-0001",
            "000.00.06.H56-231027-0000",
            "00.00.06.H56-231027-0361",
            "000.00.06.H56-231027-03610",
            "000.00.06.H56_231027_0361",
            "' OR 1=1 --",
        ] {
            assert!(bad.parse::<DossierCode>().is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn codes_round_trip(seq in 1u32..=9999, days in 0i64..3650, z in 0u32..100) {
            let date = NaiveDate::from_ymd_opt(2020, 1, 1).expect("date") + chrono::Duration::days(days);
            let agency = format!("000.{z:02}.61.H19");
            let code = DossierCode::new(&agency, date, seq).expect("valid parts");
            prop_assert_eq!(code.to_string().parse::<DossierCode>(), Ok(code));
        }

        #[test]
        fn parsing_never_panics(text in "\\PC{0,40}") {
            let _ = text.parse::<DossierCode>();
        }
    }
}
