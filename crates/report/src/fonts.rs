//! The report's two typefaces (Noto Sans regular and bold, bundled under the SIL Open Font
//! License: see `fonts/README.md`), text measurement for layout, and keeping text within what
//! the fonts can draw.

use skrifa::{instance::Size, FontRef, MetadataProvider};

use crate::{Error, Result};

static REGULAR: &[u8] = include_bytes!("../fonts/NotoSans-Regular.ttf");
static BOLD: &[u8] = include_bytes!("../fonts/NotoSans-Bold.ttf");

/// A weight of the report's typeface.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weight {
    Regular,
    Bold,
}

/// The loaded faces, for krilla to draw with and skrifa to measure with.
#[derive(Clone)]
pub struct Fonts {
    regular: krilla::text::Font,
    bold: krilla::text::Font,
}

impl std::fmt::Debug for Fonts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Fonts(Noto Sans)")
    }
}

impl Fonts {
    pub fn load() -> Result<Fonts> {
        let face = |bytes: &'static [u8]| {
            krilla::text::Font::new(krilla::Data::from(bytes), 0).ok_or(Error::Font)
        };
        // Check once that skrifa can read them too.
        FontRef::new(REGULAR).map_err(|_| Error::Font)?;
        FontRef::new(BOLD).map_err(|_| Error::Font)?;
        Ok(Fonts {
            regular: face(REGULAR)?,
            bold: face(BOLD)?,
        })
    }

    pub fn face(&self, weight: Weight) -> krilla::text::Font {
        match weight {
            Weight::Regular => self.regular.clone(),
            Weight::Bold => self.bold.clone(),
        }
    }

    /// The width of `text` at `size` points (advance widths, without kerning).
    pub fn width(&self, text: &str, weight: Weight, size: f32) -> f32 {
        let Ok(font) = FontRef::new(bytes(weight)) else {
            return 0.0;
        };
        let charmap = font.charmap();
        let metrics = font.glyph_metrics(Size::new(size), skrifa::instance::LocationRef::default());
        text.chars()
            .filter_map(|c| charmap.map(c))
            .filter_map(|glyph| metrics.advance_width(glyph))
            .sum()
    }

    /// `text` with every character the fonts cannot draw replaced by `?` (a PDF/UA file may not
    /// show a missing-glyph box), and control characters dropped.
    pub fn drawable(&self, text: &str) -> String {
        let Ok(font) = FontRef::new(REGULAR) else {
            return text.to_owned();
        };
        let charmap = font.charmap();
        text.chars()
            .filter(|c| !c.is_control())
            .map(|c| {
                if c == ' ' || charmap.map(c).is_some() {
                    c
                } else {
                    '?'
                }
            })
            .collect()
    }

    /// Splits `text` into lines no wider than `width` at `size`, breaking at spaces (a word
    /// longer than a line gets a line of its own).
    pub fn wrap(&self, text: &str, weight: Weight, size: f32, width: f32) -> Vec<String> {
        let mut lines = Vec::new();
        let mut line = String::new();
        for word in text.split(' ').filter(|w| !w.is_empty()) {
            let candidate = if line.is_empty() {
                word.to_owned()
            } else {
                format!("{line} {word}")
            };
            if !line.is_empty() && self.width(&candidate, weight, size) > width {
                lines.push(std::mem::take(&mut line));
                line = word.to_owned();
            } else {
                line = candidate;
            }
        }
        if !line.is_empty() || lines.is_empty() {
            lines.push(line);
        }
        lines
    }
}

fn bytes(weight: Weight) -> &'static [u8] {
    match weight {
        Weight::Regular => REGULAR,
        Weight::Bold => BOLD,
    }
}
