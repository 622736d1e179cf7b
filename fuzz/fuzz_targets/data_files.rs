//! Every other data file under data/ (workflows, notification templates, feedback rules, report
//! indicators and targets, fee exemptions, provinces, the citizen data store, agencies), each
//! loader given the same text: refused with every problem on a line the file has, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use xaso_domain::datafile::DataError;

fn check<T>(name: &str, source: &str, result: Result<T, DataError>) {
    if let Err(error) = result {
        xaso_fuzz::assert_real_lines(name, source, &error);
    }
}

fuzz_target!(|data: &[u8]| {
    let Some(s) = xaso_fuzz::text(data) else {
        return;
    };
    use xaso_domain::*;
    check(
        "wf.toml",
        s,
        dossier::workflow::parse_workflow("wf.toml", s),
    );
    check("tpl.toml", s, notification::Templates::parse("tpl.toml", s));
    check("fb.toml", s, feedback::parse_rules("fb.toml", s));
    check("ind.toml", s, report::parse_indicator_rules("ind.toml", s));
    check("tg.toml", s, report::parse_targets("tg.toml", s));
    check(
        "fee.toml",
        s,
        payment::fees::parse_exemptions("fee.toml", s),
    );
    check("pv.toml", s, citizen::parse_provinces("pv.toml", s));
    check(
        "st.toml",
        s,
        citizen::documents::parse_store_rules("st.toml", s),
    );
    check("ag.toml", s, agency::parse_agencies("ag.toml", s));
});
