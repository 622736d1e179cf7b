//! The gateway's daily transaction list: refused with every problem on a line the file has, or
//! read as lines that, written as the gateway's CSV again, read back the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use xaso_domain::payment::reconcile::{gateway_csv, parse_gateway_csv};

fuzz_target!(|data: &[u8]| {
    let Some(text) = xaso_fuzz::text(data) else {
        return;
    };
    match parse_gateway_csv("fuzz.csv", text) {
        Err(problems) => {
            for problem in problems.lines() {
                let line: usize = problem
                    .strip_prefix("fuzz.csv:")
                    .and_then(|rest| rest.split(':').next())
                    .and_then(|n| n.parse().ok())
                    .unwrap_or_else(|| panic!("a problem without its line: {problem}"));
                assert!(
                    (1..=xaso_fuzz::line_count(text)).contains(&line),
                    "{problem}"
                );
            }
        }
        Ok(lines) => {
            let written = gateway_csv(&lines);
            assert_eq!(
                parse_gateway_csv("again.csv", &written).as_ref(),
                Ok(&lines),
                "lines changed by a write and a read:\n{written}"
            );
        }
    }
});
