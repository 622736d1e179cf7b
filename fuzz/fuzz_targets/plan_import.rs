//! A plan file: refused with every problem on a line the file has, or accepted as a plan that is
//! stored (written as a plan file), exported as a workbook and imported again unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;
use xaso_domain::plan::parse_plan;

fuzz_target!(|data: &[u8]| {
    let Some(source) = xaso_fuzz::text(data) else {
        return;
    };
    match parse_plan("fuzz.toml", source) {
        Err(error) => xaso_fuzz::assert_real_lines("fuzz.toml", source, &error),
        Ok(plan) => {
            for target in &plan.targets {
                assert!(target.value.is_finite(), "target value {}", target.value);
                if target.unit.trim() == "%" {
                    assert!((0.0..=100.0).contains(&target.value), "{} %", target.value);
                }
            }
            xaso_fuzz::assert_plan_stores(&plan);
            xaso_fuzz::assert_plan_exports(&plan);
        }
    }
});
