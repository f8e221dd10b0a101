//! The check-in QR code as inline SVG: one <rect> per dark module on a
//! white quiet zone, drawn from the `qrcode` crate's module matrix (no
//! inline style, so the page's CSP holds).

use crate::error::WebError;
use itaku_service::ServiceError;
use qrcode::{Color, EcLevel, QrCode};

/// Modules of white margin around the code (the standard asks for 4).
const QUIET: usize = 4;

pub fn qr_svg(text: &str) -> Result<String, WebError> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)
        .map_err(|e| WebError::Service(ServiceError::Internal(format!("QRコード: {e}"))))?;
    let w = code.width();
    let colors = code.to_colors();
    let size = w + 2 * QUIET;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"qr\" id=\"checkin-qr\" \
         viewBox=\"0 0 {size} {size}\" shape-rendering=\"crispEdges\" role=\"img\" \
         aria-label=\"受付用のQRコード\" data-modules=\"{w}\">\
         <rect width=\"{size}\" height=\"{size}\" fill=\"#fff\"/>"
    );
    for (i, c) in colors.iter().enumerate() {
        if *c == Color::Dark {
            let (x, y) = (i % w + QUIET, i / w + QUIET);
            svg.push_str(&format!(
                "<rect x=\"{x}\" y=\"{y}\" width=\"1\" height=\"1\" fill=\"#000\"/>"
            ));
        }
    }
    svg.push_str("</svg>");
    Ok(svg)
}
