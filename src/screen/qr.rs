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
    // The QR code's own <svg> is placed inside the poster's.
    let qr_inner = qr.split_once("?>").map(|(_, rest)| rest).unwrap_or(&qr);
    let svg = format!(
        r##"<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="210mm" height="297mm" viewBox="0 0 210 297">
<rect width="210" height="297" fill="#ffffff"/>
<rect x="0" y="0" width="210" height="34" fill="#9b1c1c"/>
<text x="105" y="22" font-size="13" text-anchor="middle" fill="#ffffff" font-family="sans-serif">{estate_zh} · {estate_en}</text>
<text x="105" y="56" font-size="16" text-anchor="middle" font-family="sans-serif" font-weight="bold">{place_zh}</text>
<text x="105" y="66" font-size="8" text-anchor="middle" font-family="sans-serif">{place_en}</text>
<text x="105" y="84" font-size="11" text-anchor="middle" font-family="sans-serif">有问题、有困难、有建议？扫码告诉我们</text>
<text x="105" y="92" font-size="6.5" text-anchor="middle" font-family="sans-serif">Something wrong, need help, have an idea? Scan to tell us</text>
<g transform="translate(43,98)">{qr_inner}</g>
<text x="105" y="236" font-size="6" text-anchor="middle" font-family="sans-serif">{url}</text>
<text x="105" y="256" font-size="8" text-anchor="middle" font-family="sans-serif">也可以到主楼大厅前台反映 · Or tell us at the reception desk</text>
<text x="105" y="272" font-size="9" text-anchor="middle" font-family="sans-serif" font-weight="bold">紧急情况请拨打 In an emergency call {emergency}</text>
</svg>"##,
        estate_zh = escape(&community.name_zh),
        estate_en = escape(&community.name_en),
        place_zh = escape(&place.name_zh),
        place_en = escape(&place.name_en),
        url = escape(&url),
        emergency = escape(&community.emergency_numbers),
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
    fn a_qr_code_is_an_svg() {
        let svg = qr_svg("http://127.0.0.1:8080/report?place=PAVILION", 200);
        assert!(svg.contains("<svg") && svg.contains("</svg>"));
    }
}
