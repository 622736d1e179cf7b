//! An Open311 request body: read or refused with a message, never a panic; a request read has
//! the coordinates its text says and an author, and its form, encoded again, reads back the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use xaso_domain::feedback::open311::{parse_form, read_request};

fuzz_target!(|data: &[u8]| {
    let Some(body) = xaso_fuzz::text(data) else {
        return;
    };
    let Ok(form) = parse_form(body) else {
        return;
    };
    let encoded = serde_urlencoded::to_string(&form).expect("a form encodes");
    assert_eq!(
        parse_form(&encoded).as_ref(),
        Ok(&form),
        "form changed: {encoded}"
    );
    let form_copy = form.clone();
    match read_request(form) {
        Err(message) => assert!(!message.is_empty()),
        Ok(request) => {
            // A coordinate read is the number its text says (whether it is in Viet Nam is
            // the store's check, `feedback::submit`).
            let said = |text: &Option<String>| {
                text.as_deref()
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .map(|t| t.parse::<f64>().expect("read, so a number"))
            };
            let same = |a: Option<f64>, b: Option<f64>| match (a, b) {
                (Some(a), Some(b)) => a == b || (a.is_nan() && b.is_nan()),
                (a, b) => a.is_none() && b.is_none(),
            };
            assert!(
                same(request.lat, said(&form_copy.lat)),
                "lat {:?}",
                request.lat
            );
            assert!(
                same(request.lon, said(&form_copy.long)),
                "long {:?}",
                request.lon
            );
            assert!(!request.author_name.trim().is_empty());
        }
    }
});
