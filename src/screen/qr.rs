//! QR codes (SVG) and the printable poster for a place.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use qrcode::QrCode;
use qrcode::render::svg;

use crate::community::{Community, Place};
use crate::web::{AppError, AppState, base_url};

/// An SVG QR code for `url`, drawn at least `size` pixels wide.
pub fn qr_svg(url: &str, size: u32) -> String {
    match QrCode::new(url.as_bytes()) {
        Ok(code) => code
            .render::<svg::Color<'_>>()
            .min_dimensions(size, size)
            .dark_color(svg::Color("#000000"))
            .light_color(svg::Color("#ffffff"))
            .quiet_zone(true)
            .build(),
        Err(_) => String::new(),
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The poster's lines are centred on an A4 page 210 mm wide; a line that
/// would run past the margins (a long estate name, many emergency
/// numbers) is squeezed to fit them.
const LINE_MM: f64 = 186.0;

/// The attributes that squeeze `text` at `size` mm into a line, if needed.
/// A Chinese character is about as wide as the font is high; a Latin
/// letter or digit about 0.6 of it.
fn fit(text: &str, size: f64) -> String {
    let ems: f64 = text
        .chars()
        .map(|c| if c.is_ascii() { 0.6 } else { 1.0 })
        .sum();
    if ems * size > LINE_MM {
        format!(r#" textLength="{LINE_MM}" lengthAdjust="spacingAndGlyphs""#)
    } else {
        String::new()
    }
}

/// `GET /posters/{place_code}.svg`: an A4 poster to print and hang at the
/// place, with a QR code that opens the report form for it.
pub async fn poster(
    State(state): State<AppState>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let code = file.strip_suffix(".svg").ok_or(AppError::NotFound)?;
    let community = Community::default_one(&state.db).await?;
    let place = Place::by_code(&state.db, community.id, code)
        .await?
        .ok_or(AppError::NotFound)?;
    let url = format!("{}/report?place={}", base_url(&state, &headers), place.code);
    // Drawn in millimetres: the poster's viewBox is the A4 page.
    let qr = qr_svg(&url, 120);
    let estate = format!("{} · {}", community.name_zh, community.name_en);
    // The QR code's own <svg> is placed inside the poster's.
    let qr_inner = qr.split_once("?>").map(|(_, rest)| rest).unwrap_or(&qr);
    let svg = format!(
        r##"<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="210mm" height="297mm" viewBox="0 0 210 297">
<rect width="210" height="297" fill="#ffffff"/>
<rect x="0" y="0" width="210" height="34" fill="#9b1c1c"/>
<text x="105" y="22" font-size="13" text-anchor="middle" fill="#ffffff" font-family="sans-serif"{fit_estate}>{estate}</text>
<text x="105" y="56" font-size="16" text-anchor="middle" font-family="sans-serif" font-weight="bold"{fit_place_zh}>{place_zh}</text>
<text x="105" y="66" font-size="8" text-anchor="middle" font-family="sans-serif"{fit_place_en}>{place_en}</text>
<text x="105" y="84" font-size="10" text-anchor="middle" font-family="sans-serif">有问题、有困难、有建议？扫码告诉我们</text>
<text x="105" y="92" font-size="6.5" text-anchor="middle" font-family="sans-serif">Something wrong, need help, have an idea? Scan to tell us</text>
<g transform="translate(45,96)">{qr_inner}</g>
<text x="105" y="226" font-size="5" text-anchor="middle" font-family="sans-serif"{fit_url}>{url}</text>
<text x="105" y="242" font-size="8" text-anchor="middle" font-family="sans-serif">也可以到前台当面反映</text>
<text x="105" y="250" font-size="5.5" text-anchor="middle" font-family="sans-serif">Or tell us in person at the reception desk</text>
<text x="105" y="264" font-size="9" text-anchor="middle" font-family="sans-serif" font-weight="bold">紧急情况请拨打</text>
<text x="105" y="272" font-size="6" text-anchor="middle" font-family="sans-serif" font-weight="bold">In an emergency, call</text>
<text x="105" y="286" font-size="12" text-anchor="middle" font-family="sans-serif" font-weight="bold"{fit_emergency}>{emergency}</text>
</svg>"##,
        estate = escape(&estate),
        fit_estate = fit(&estate, 13.0),
        place_zh = escape(&place.name_zh),
        fit_place_zh = fit(&place.name_zh, 16.0),
        place_en = escape(&place.name_en),
        fit_place_en = fit(&place.name_en, 8.0),
        url = escape(&url),
        fit_url = fit(&url, 5.0),
        emergency = escape(&community.emergency_numbers),
        fit_emergency = fit(&community.emergency_numbers, 12.0),
    );
    Ok((
        [(header::CONTENT_TYPE, "image/svg+xml; charset=utf-8")],
        svg,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_line_is_squeezed_into_the_margins() {
        assert_eq!(fit("110 / 119 / 120", 12.0), "");
        assert_eq!(fit("", 12.0), "");
        let many = "火警 119 · 急救 120 · 报警 110 · 物业值班 0851-8888 8888";
        assert!(fit(many, 12.0).contains(r#"textLength="186""#));
    }

    #[test]
    fn a_qr_code_is_an_svg() {
        let svg = qr_svg("http://127.0.0.1:8080/report?place=PAVILION", 200);
        assert!(svg.contains("<svg") && svg.contains("</svg>"));
    }
}
