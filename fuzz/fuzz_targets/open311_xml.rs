//! A resident's text in an Open311 XML answer (`to_xml`): it must come back
//! through XML unescaping with only the characters XML 1.0 cannot carry left
//! out (control characters but tab, LF and CR), and the answer must be
//! well-formed XML 1.0.
#![no_main]

use grassroots::open311::to_xml;
use libfuzzer_sys::fuzz_target;
use serde_json::json;

/// XML 1.0's `Char` production.
fn xml_char(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}'
    )
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();
    let value = json!([{ "service_code": "lift", "description": text.as_str(), "lat": 26.58 }]);
    let xml = to_xml("service_requests", "request", &value);

    const OPEN: &str = "<description>";
    let start = xml
        .find(OPEN)
        .map(|i| i + OPEN.len())
        .unwrap_or_else(|| panic!("no description element in {xml:?}"));
    let end = start
        + xml[start..]
            .find("</description>")
            .unwrap_or_else(|| panic!("the description element never closes in {xml:?}"));
    let inner = &xml[start..end];
    let back = quick_xml::escape::unescape(inner)
        .unwrap_or_else(|e| panic!("the escaped description {inner:?} does not unescape: {e}"));
    let carried: String = text.chars().filter(|c| xml_char(*c)).collect();
    assert_eq!(
        back,
        carried.as_str(),
        "the description changed on its way through XML"
    );

    if let Some(bad) = xml.chars().find(|c| !xml_char(*c)) {
        panic!(
            "the XML answer is not well-formed XML 1.0: it holds U+{:04X} from a resident's text",
            u32::from(bad)
        );
    }
});
