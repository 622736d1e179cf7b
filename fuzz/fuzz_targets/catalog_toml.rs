//! A catalog file: refused with every problem on a line the file has, or accepted as procedures
//! with valid codes that a catalog file written from them reads back the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use xaso_domain::catalog::{is_valid_procedure_code, parse_catalog};

fuzz_target!(|data: &[u8]| {
    let Some(source) = xaso_fuzz::text(data) else {
        return;
    };
    match parse_catalog("fuzz.toml", source) {
        Err(error) => xaso_fuzz::assert_real_lines("fuzz.toml", source, &error),
        Ok(procedures) => {
            assert!(
                !procedures.is_empty(),
                "an accepted catalog with no procedure"
            );
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
