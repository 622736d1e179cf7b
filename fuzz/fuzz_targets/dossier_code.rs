//! A dossier code that parses prints back as the text it was read from (but surrounding
//! spaces), and that print parses to the same code: codes on receipts and in searches agree.
#![no_main]

use libfuzzer_sys::fuzz_target;
use xaso_domain::dossier::DossierCode;

fuzz_target!(|data: &[u8]| {
    let Some(text) = xaso_fuzz::text(data) else {
        return;
    };
    if let Ok(code) = text.parse::<DossierCode>() {
        let printed = code.to_string();
        assert_eq!(
            printed,
            text.trim(),
            "code prints differently from its text"
        );
        assert_eq!(printed.parse::<DossierCode>().as_ref(), Ok(&code));
        assert_eq!(
            DossierCode::new(&code.agency_code, code.date, code.sequence).as_ref(),
            Some(&code),
            "a parsed code has parts DossierCode::new accepts"
        );
    }
});
