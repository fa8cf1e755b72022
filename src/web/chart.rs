//! Small server-drawn SVG charts: bars with their numbers, and the estate's
//! buildings shaded by open requests. Each chart sits beside a data table
//! for screen readers; the SVG itself is marked decorative.

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Horizontal bars, one a row, with the value at the end.
pub fn bars(rows: &[(String, i64)]) -> String {
    let max = rows.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1);
    let row_height = 28;
    let height = rows.len() as i64 * row_height + 8;
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 600 {height}" width="100%" aria-hidden="true" class="chart">"#
    );
    for (i, (label, value)) in rows.iter().enumerate() {
        let y = i as i64 * row_height + 4;
        let width = value * 340 / max;
        svg.push_str(&format!(
            r##"<text x="0" y="{ty}" font-size="14" fill="#1b1b1b">{label}</text><rect x="200" y="{y}" width="{width}" height="20" fill="#0b5394"/><text x="{vx}" y="{ty}" font-size="14" fill="#1b1b1b">{value}</text>"##,
            ty = y + 15,
            label = escape(label),
            vx = 206 + width,
        ));
    }
    svg.push_str("</svg>");
    svg
}

/// Buildings as tiles, darker with more open requests.
pub fn building_map(tiles: &[(String, i64)]) -> String {
    let tiles: Vec<(String, i64, Option<String>)> =
        tiles.iter().map(|(n, v)| (n.clone(), *v, None)).collect();
    building_map_linked(&tiles)
}

/// The same map, each tile a link where one is given (for the mouse and
/// the finger: the links are out of the keyboard's way, as the page lists
/// the same places as ordinary links).
pub fn building_map_linked(tiles: &[(String, i64, Option<String>)]) -> String {
    let max = tiles.iter().map(|(_, v, _)| *v).max().unwrap_or(0).max(1);
    let per_row = 4;
    let rows = (tiles.len() as i64 + per_row - 1) / per_row;
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 600 {}" width="100%" aria-hidden="true" class="chart">"#,
        rows * 110 + 10
    );
    for (i, (name, open, href)) in tiles.iter().enumerate() {
        let (col, row) = (i as i64 % per_row, i as i64 / per_row);
        let (x, y) = (col * 148 + 4, row * 110 + 4);
        // From pale (none open) to deep red (the most).
        let strength = open * 100 / max;
        let light = 95 - strength * 55 / 100;
        let ink = if light < 60 { "#ffffff" } else { "#1b1b1b" };
        if let Some(href) = href {
            svg.push_str(&format!(r#"<a href="{}" tabindex="-1">"#, escape(href)));
        }
        svg.push_str(&format!(
            r##"<rect x="{x}" y="{y}" width="140" height="100" rx="8" fill="hsl(0, 70%, {light}%)" stroke="#888"/><text x="{tx}" y="{ny}" font-size="16" text-anchor="middle" fill="{ink}">{name}</text><text x="{tx}" y="{cy}" font-size="28" font-weight="bold" text-anchor="middle" fill="{ink}">{open}</text>"##,
            tx = x + 70,
            ny = y + 35,
            cy = y + 75,
            name = escape(name),
        ));
        if href.is_some() {
            svg.push_str("</a>");
        }
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_and_escape_labels() {
        let svg = bars(&[
            ("电梯 <故障>".into(), 10),
            ("灯".into(), 5),
            ("空".into(), 0),
        ]);
        assert!(svg.contains("电梯 &lt;故障&gt;"));
        assert!(
            svg.contains(r#"width="340""#)
                && svg.contains(r#"width="170""#)
                && svg.contains(r#"width="0""#)
        );
        assert!(bars(&[]).starts_with("<svg"));
    }

    #[test]
    fn the_busiest_building_is_darkest() {
        let svg = building_map(&[("1号楼".into(), 0), ("2号楼".into(), 4)]);
        assert!(svg.contains("hsl(0, 70%, 95%)") && svg.contains("hsl(0, 70%, 40%)"));
    }
}
