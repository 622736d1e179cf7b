//! A national JSON export: refused with every problem on a line the file has, or accepted as
//! procedures that a catalog file written from them reads back the same (what an import stores).
#![no_main]

use libfuzzer_sys::fuzz_target;
use xaso_domain::catalog::{is_valid_procedure_code, national::parse_json};

fuzz_target!(|data: &[u8]| {
    let Some(source) = xaso_fuzz::text(data) else {
        return;
    };
    match parse_json("fuzz.json", source) {
        Err(error) => xaso_fuzz::assert_real_lines("fuzz.json", source, &error),
        Ok(procedures) => {
            for p in &procedures {
                assert!(
                    is_valid_procedure_code(&p.code),
                    "accepted code {:?}",
                    p.code
                );
            }
            xaso_fuzz::assert_catalog_round_trip(&procedures);
        }
    }
});
