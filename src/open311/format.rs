//! Open311 answers in JSON or XML from one value, and the spec's error
//! shape: a list of `{code, description}`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Xml,
}

/// A GeoReport error: the HTTP status and what to tell the client.
#[derive(Debug, Clone)]
pub struct Open311Error {
    pub status: StatusCode,
    pub description: String,
}

impl Open311Error {
    pub fn bad(description: impl Into<String>) -> Self {
        Open311Error {
            status: StatusCode::BAD_REQUEST,
            description: description.into(),
        }
    }
    pub fn forbidden(description: impl Into<String>) -> Self {
        Open311Error {
            status: StatusCode::FORBIDDEN,
            description: description.into(),
        }
    }
    pub fn not_found(description: impl Into<String>) -> Self {
        Open311Error {
            status: StatusCode::NOT_FOUND,
            description: description.into(),
        }
    }
    pub fn internal() -> Self {
        Open311Error {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            description: "internal error; please try again".into(),
        }
    }
}

impl From<crate::db::StoreError> for Open311Error {
    fn from(e: crate::db::StoreError) -> Self {
        Open311Error::from(crate::web::AppError::from(e))
    }
}

impl From<crate::web::AppError> for Open311Error {
    fn from(e: crate::web::AppError) -> Self {
        use crate::web::AppError::*;
        match e {
            NotFound | NotFoundSaying(_) => Open311Error::not_found("not found"),
            Forbidden | SignInRequired => Open311Error::forbidden("not allowed"),
            TooLarge => Open311Error {
                status: StatusCode::PAYLOAD_TOO_LARGE,
                description: "the request body is too large".into(),
            },
            BadRequest(key) | Conflict(key) => Open311Error::bad(crate::i18n::Lang::En.t(key)),
            TooMany => Open311Error {
                status: StatusCode::TOO_MANY_REQUESTS,
                description: "too many requests; wait as Retry-After says".into(),
            },
            Internal(e) => {
                tracing::error!(error = ?e, "open311 request failed");
                Open311Error::internal()
            }
        }
    }
}

/// Splits `services.json` into `("services", Json)`.
pub fn split_format(segment: &str) -> Result<(&str, Format), Open311Error> {
    let (name, ext) = segment
        .rsplit_once('.')
        .ok_or_else(|| Open311Error::bad("add a format to the address: .json or .xml"))?;
    let format = match ext.to_ascii_lowercase().as_str() {
        "json" => Format::Json,
        "xml" => Format::Xml,
        _ => {
            return Err(Open311Error::bad(format!(
                "unknown format .{ext}: use .json or .xml"
            )));
        }
    };
    Ok((name, format))
}

/// The format a path asks for, for errors raised before a handler ran;
/// JSON when it names none.
pub fn format_of_path(path: &str) -> Format {
    if path.to_ascii_lowercase().ends_with(".xml") {
        Format::Xml
    } else {
        Format::Json
    }
}

/// The answer: a bare JSON value, or XML under `root` where a top-level
/// list's items are called `item`.
pub fn respond(
    format: Format,
    status: StatusCode,
    root: &str,
    item: &str,
    value: &Value,
) -> Response {
    let (content_type, body) = match format {
        Format::Json => ("application/json; charset=utf-8", value.to_string()),
        Format::Xml => ("text/xml; charset=utf-8", to_xml(root, item, value)),
    };
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    // Civic apps read these from other sites; nothing here uses cookies.
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    response
}

pub fn error_response(format: Format, error: &Open311Error) -> Response {
    let value =
        serde_json::json!([{ "code": error.status.as_u16(), "description": error.description }]);
    respond(format, error.status, "errors", "error", &value)
}

/// What a list nested in an XML answer calls its items.
fn item_name(list: &str) -> &str {
    match list {
        "attributes" => "attribute",
        "values" => "value",
        "endpoints" => "endpoint",
        "formats" => "format",
        other => other.strip_suffix('s').unwrap_or(other),
    }
}

pub fn to_xml(root: &str, item: &str, value: &Value) -> String {
    let mut writer = Writer::new(Vec::new());
    // Writing into a Vec cannot fail; the results are still checked.
    let _ = writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("utf-8"), None)));
    let _ = match value {
        Value::Array(items) => write_list(&mut writer, root, item, items),
        other => write_value(&mut writer, root, other),
    };
    String::from_utf8(writer.into_inner()).unwrap_or_default()
}

fn write_list(
    w: &mut Writer<Vec<u8>>,
    name: &str,
    item: &str,
    items: &[Value],
) -> std::io::Result<()> {
    w.write_event(Event::Start(BytesStart::new(name)))?;
    for v in items {
        write_value(w, item, v)?;
    }
    w.write_event(Event::End(BytesEnd::new(name)))
}

fn write_value(w: &mut Writer<Vec<u8>>, name: &str, value: &Value) -> std::io::Result<()> {
    match value {
        Value::Object(fields) => {
            w.write_event(Event::Start(BytesStart::new(name)))?;
            for (k, v) in fields {
                match v {
                    Value::Array(items) => write_list(w, k, item_name(k), items)?,
                    other => write_value(w, k, other)?,
                }
            }
            w.write_event(Event::End(BytesEnd::new(name)))
        }
        Value::Array(items) => write_list(w, name, item_name(name), items),
        Value::Null => w.write_event(Event::Empty(BytesStart::new(name))),
        Value::String(s) => text(w, name, s),
        other => text(w, name, &other.to_string()),
    }
}

fn text(w: &mut Writer<Vec<u8>>, name: &str, s: &str) -> std::io::Result<()> {
    w.write_event(Event::Start(BytesStart::new(name)))?;
    w.write_event(Event::Text(BytesText::new(&xml_chars(s))))?;
    w.write_event(Event::End(BytesEnd::new(name)))
}

/// XML 1.0 cannot carry most control characters, even escaped; a resident
/// may still have typed one (pasted text does that). They are left out.
fn xml_chars(s: &str) -> std::borrow::Cow<'_, str> {
    let allowed = |c: char| !matches!(c, '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}');
    if s.chars().all(allowed) {
        std::borrow::Cow::Borrowed(s)
    } else {
        std::borrow::Cow::Owned(s.chars().filter(|c| allowed(*c)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn control_characters_never_break_the_xml() {
        let xml = to_xml(
            "service_requests",
            "request",
            &json!([{ "description": "灯坏了\u{1}\u{b}\ttab\nline<&>" }]),
        );
        assert!(
            xml.contains("<description>灯坏了\ttab\nline&lt;&amp;&gt;</description>"),
            "{xml}"
        );
    }

    #[test]
    fn formats_come_from_the_suffix() {
        assert_eq!(
            split_format("services.json").unwrap(),
            ("services", Format::Json)
        );
        assert_eq!(
            split_format("12345678.XML").unwrap(),
            ("12345678", Format::Xml)
        );
        assert_eq!(split_format("a.b.json").unwrap(), ("a.b", Format::Json));
        assert_eq!(
            split_format("services").unwrap_err().status,
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            split_format("services.html").unwrap_err().status,
            StatusCode::BAD_REQUEST
        );
        assert_eq!(format_of_path("/open311/v2/requests.xml"), Format::Xml);
        assert_eq!(format_of_path("/open311/v2/requests"), Format::Json);
    }

    #[test]
    fn lists_become_elements_named_for_their_items() {
        let value = json!([{ "service_code": "lift", "metadata": true, "group": null,
            "attributes": [{ "code": "floor", "values": [{ "key": "1", "name": "一楼 & <上>" }] }] }]);
        let xml = to_xml("services", "service", &value);
        assert_eq!(
            xml,
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><services><service><service_code>lift</service_code>\
             <metadata>true</metadata><group/><attributes><attribute><code>floor</code><values><value>\
             <key>1</key><name>一楼 &amp; &lt;上&gt;</name></value></values></attribute></attributes>\
             </service></services>"
        );
    }

    #[test]
    fn errors_have_the_spec_shape() {
        let e = Open311Error::forbidden("invalid api_key");
        let xml = to_xml(
            "errors",
            "error",
            &json!([{ "code": e.status.as_u16(), "description": e.description }]),
        );
        assert_eq!(
            xml,
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><errors><error><code>403</code><description>invalid api_key</description></error></errors>"
        );
    }
}
