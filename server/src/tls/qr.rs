//! The https address as a QR code: SVG for the onboarding page, half blocks for the terminal.

use qrcode::render::{svg, unicode};
use qrcode::{EcLevel, QrCode};

fn code(text: &str) -> Option<QrCode> {
    // Level M survives a smudged or glare-struck screen and keeps a URL small.
    QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).ok()
}

/// An `<svg>` element (no XML declaration: it goes inside HTML), about 240 px wide.
pub fn svg(text: &str) -> String {
    let Some(code) = code(text) else {
        return String::new();
    };
    let image = code
        .render::<svg::Color<'_>>()
        .min_dimensions(240, 240)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .quiet_zone(true)
        .build();
    match image.find("<svg") {
        Some(start) => image[start..].to_owned(),
        None => image,
    }
}

/// Lines of Unicode half blocks, two modules per character cell, with the quiet zone. Drawn
/// light-on-dark: a terminal's usual dark background becomes the code's dark modules' surround
/// (phone scanners read either polarity).
pub fn terminal(text: &str) -> String {
    let Some(code) = code(text) else {
        return String::new();
    };
    code.render::<unicode::Dense1x2>()
        .dark_color(unicode::Dense1x2::Light)
        .light_color(unicode::Dense1x2::Dark)
        .quiet_zone(true)
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn svg_is_an_element_for_html() {
        let s = svg("https://192.168.1.20:8443/");
        assert!(s.starts_with("<svg"), "{}", &s[..40]);
        assert!(s.ends_with("</svg>"));
        assert!(!s.contains("style="));
    }

    #[test]
    fn terminal_code_is_square_enough() {
        let t = terminal("https://192.168.1.20:8443/");
        let lines: Vec<&str> = t.lines().collect();
        let width = lines[0].chars().count();
        // version 2 (25 modules) + 2×4 quiet zone = 33 columns, 17 lines of two rows
        assert!(width >= 29, "{width}");
        assert!(lines.len() * 2 >= width - 1);
    }
}
