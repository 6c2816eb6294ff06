//! The demo products' pictures: small SVG drawings (a soft gradient, the product's shape, its
//! name) written into the media directory, so the demo shop has images without any download.

use std::fmt::Write;

/// What a picture shows.
#[derive(Clone, Copy, Debug)]
pub(super) enum Motif {
    Headphones,
    Speaker,
    Phone,
    Cable,
    Microphone,
    Kettle,
    Skillet,
    Lamp,
    Lantern,
    Bulb,
    Sneaker,
    Boot,
    Backpack,
    Wallet,
    Book,
    Tent,
    Mug,
    Torch,
    Helmet,
}

/// Background gradients, picked by the product's position so neighbours differ.
const PALETTES: [(&str, &str); 6] = [
    ("#e0f2f1", "#80cbc4"),
    ("#fff3e0", "#ffb74d"),
    ("#e8eaf6", "#9fa8da"),
    ("#fce4ec", "#f48fb1"),
    ("#f1f8e9", "#aed581"),
    ("#ede7f6", "#b39ddb"),
];

/// The shape of a motif on a 400×300 canvas, in the ink colour.
fn shape(motif: Motif) -> &'static str {
    match motif {
        Motif::Headphones => {
            r##"<path d="M130 170a70 70 0 0 1 140 0" fill="none" stroke="#263238" stroke-width="14"/><rect x="112" y="160" width="36" height="60" rx="14"/><rect x="252" y="160" width="36" height="60" rx="14"/>"##
        }
        Motif::Speaker => {
            r##"<rect x="140" y="80" width="120" height="150" rx="22"/><circle cx="200" cy="175" r="38" fill="#eceff1"/><circle cx="200" cy="175" r="16"/><circle cx="200" cy="110" r="10" fill="#eceff1"/>"##
        }
        Motif::Phone => {
            r##"<rect x="155" y="60" width="90" height="180" rx="16"/><rect x="164" y="76" width="72" height="146" rx="6" fill="#90a4ae"/><circle cx="200" cy="230" r="4" fill="#eceff1"/>"##
        }
        Motif::Cable => {
            r##"<path d="M90 200c60-120 160 60 220-60" fill="none" stroke="#263238" stroke-width="10" stroke-linecap="round"/><rect x="300" y="120" width="30" height="22" rx="6"/><rect x="70" y="196" width="30" height="22" rx="6"/>"##
        }
        Motif::Microphone => {
            r##"<rect x="170" y="60" width="60" height="110" rx="30"/><path d="M150 150a50 50 0 0 0 100 0" fill="none" stroke="#263238" stroke-width="10"/><rect x="195" y="200" width="10" height="30"/><rect x="165" y="228" width="70" height="10" rx="5"/>"##
        }
        Motif::Kettle => {
            r##"<path d="M140 230h120l-12-110h-96z"/><path d="M260 150c40-10 50-40 60-70" fill="none" stroke="#263238" stroke-width="9" stroke-linecap="round"/><rect x="170" y="100" width="60" height="14" rx="7"/>"##
        }
        Motif::Skillet => {
            r##"<circle cx="180" cy="160" r="70"/><circle cx="180" cy="160" r="54" fill="#455a64"/><rect x="245" y="150" width="110" height="20" rx="10"/>"##
        }
        Motif::Lamp => {
            r##"<path d="M120 240h70M155 240V110c0-40 60-60 110-30" fill="none" stroke="#263238" stroke-width="9"/><path d="M240 80h70l-15 45h-40z"/>"##
        }
        Motif::Lantern => {
            r##"<line x1="200" y1="40" x2="200" y2="80" stroke="#263238" stroke-width="4"/><ellipse cx="200" cy="160" rx="80" ry="80" fill="#fffde7" stroke="#263238" stroke-width="6"/><path d="M125 135h150M122 165h156M130 195h140" stroke="#263238" stroke-width="3"/>"##
        }
        Motif::Bulb => {
            r##"<circle cx="200" cy="130" r="60" fill="#fff59d" stroke="#263238" stroke-width="6"/><rect x="178" y="185" width="44" height="40" rx="6"/><path d="M185 130l15 30 15-30" fill="none" stroke="#f57f17" stroke-width="4"/>"##
        }
        Motif::Sneaker => {
            r##"<path d="M90 200c10-40 40-60 70-60l30 20c40 10 90 10 120 30 10 8 10 22 0 22H100c-8 0-12-6-10-12z"/><rect x="90" y="212" width="222" height="14" rx="7" fill="#eceff1"/>"##
        }
        Motif::Boot => {
            r##"<path d="M150 70h70v110c40 5 80 15 90 35 4 10-2 20-12 20H150z"/><rect x="150" y="225" width="162" height="14" rx="6" fill="#4e342e"/>"##
        }
        Motif::Backpack => {
            r##"<rect x="140" y="80" width="120" height="160" rx="26"/><rect x="160" y="150" width="80" height="60" rx="10" fill="#546e7a"/><path d="M170 80c0-30 60-30 60 0" fill="none" stroke="#263238" stroke-width="8"/>"##
        }
        Motif::Wallet => {
            r##"<rect x="120" y="100" width="160" height="110" rx="14"/><rect x="230" y="135" width="50" height="40" rx="8" fill="#6d4c41"/><circle cx="250" cy="155" r="6" fill="#eceff1"/>"##
        }
        Motif::Book => {
            r##"<rect x="140" y="60" width="120" height="170" rx="6"/><rect x="140" y="60" width="16" height="170" fill="#37474f"/><rect x="172" y="90" width="70" height="10" rx="5" fill="#eceff1"/><rect x="172" y="110" width="50" height="8" rx="4" fill="#eceff1"/>"##
        }
        Motif::Tent => {
            r##"<path d="M80 230L200 80l120 150z"/><path d="M200 80l-30 150h60z" fill="#ffcc80"/><line x1="60" y1="232" x2="340" y2="232" stroke="#263238" stroke-width="6"/>"##
        }
        Motif::Mug => {
            r##"<rect x="140" y="100" width="100" height="120" rx="12"/><path d="M240 125c40 0 40 70 0 70" fill="none" stroke="#263238" stroke-width="12"/>"##
        }
        Motif::Torch => {
            r##"<rect x="120" y="135" width="120" height="40" rx="12"/><path d="M240 125l50-25v110l-50-25z"/><path d="M300 120l40-20M305 155h45M300 190l40 20" stroke="#f9a825" stroke-width="6" stroke-linecap="round"/>"##
        }
        Motif::Helmet => {
            r##"<path d="M110 190c0-70 60-110 110-110s80 40 80 110z"/><path d="M140 130c30-20 80-25 120-5" fill="none" stroke="#eceff1" stroke-width="6"/><rect x="100" y="188" width="210" height="14" rx="7"/>"##
        }
    }
}

/// The picture of a product named `name`, the `position`-th of the shop.
pub(super) fn draw(motif: Motif, name: &str, position: usize) -> String {
    let (light, dark) = PALETTES[position % PALETTES.len()];
    let mut svg = String::with_capacity(1_500);
    // Writing to a String cannot fail.
    let _ = write!(
        svg,
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 400 300" width="800" height="600" role="img" aria-label="{label}"><defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="{light}"/><stop offset="1" stop-color="{dark}"/></linearGradient></defs><rect width="400" height="300" fill="url(#g)"/><g fill="#263238">{shape}</g><text x="200" y="280" text-anchor="middle" font-family="system-ui, sans-serif" font-size="16" fill="#263238">{label}</text></svg>"##,
        label = escape(name),
        shape = shape(motif),
    );
    svg
}

/// `text` as XML character data.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::{Motif, draw};

    #[test]
    fn a_picture_is_an_svg_with_its_name_escaped() {
        let svg = draw(Motif::Book, "Salt & <Pepper>", 0);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("Salt &amp; &lt;Pepper&gt;"));
    }
}
