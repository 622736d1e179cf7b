//! An Open311 request body: read or refused with a message, never a panic; a request read has
//! coordinates that are a place on Earth, and its form, encoded again, reads back the same.
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
    match read_request(form) {
        Err(message) => assert!(!message.is_empty()),
        Ok(request) => {
            if let Some(lat) = request.lat {
                assert!(lat.is_finite() && lat.abs() <= 90.0, "lat {lat}");
            }
            if let Some(lon) = request.lon {
                assert!(lon.is_finite() && lon.abs() <= 180.0, "long {lon}");
            }
            assert!(!request.author_name.trim().is_empty());
        }
    }
});
