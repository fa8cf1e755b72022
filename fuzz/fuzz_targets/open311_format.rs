//! The last segment of an Open311 address, `services.json` or
//! `12345678.XML`: `split_format` and `format_of_path`.
#![no_main]

use grassroots::open311::{format_of_path, split_format, Format};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let segment = String::from_utf8_lossy(data);
    let segment: &str = &segment;
    match split_format(segment) {
        Ok((name, format)) => {
            assert!(segment.starts_with(name));
            assert_eq!(segment.as_bytes().get(name.len()), Some(&b'.'));
            let ext = &segment[name.len() + 1..];
            assert!(!ext.contains('.'), "{segment:?} split at the wrong dot");
            let expected = if ext.eq_ignore_ascii_case("xml") {
                Format::Xml
            } else {
                assert!(
                    ext.eq_ignore_ascii_case("json"),
                    "{segment:?} taken as {format:?}"
                );
                Format::Json
            };
            assert_eq!(format, expected);
            // Errors raised before the handler runs answer in the same format.
            assert_eq!(format_of_path(segment), format);
            assert_eq!(format_of_path(&format!("/open311/v2/{segment}")), format);
        }
        Err(e) => assert_eq!(e.status.as_u16(), 400),
    }
});
