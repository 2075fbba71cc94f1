//! Drawing primitives on a krilla surface in Tend's palette: text, rules, filled shapes and
//! lines. Coordinates are points from the page's top-left corner.

use krilla::{
    color::rgb,
    geom::{Path, PathBuilder, Point},
    num::NormalizedF32,
    paint::{Fill, LineCap, LineJoin, Stroke, StrokeDash},
    surface::Surface,
    text::TextDirection,
};

use crate::fonts::{Fonts, Weight};

/// Tend's colours (the app's light theme, `ui/src/styles.css`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Colour(pub u8, pub u8, pub u8);

pub const TEXT: Colour = Colour(0x16, 0x30, 0x2f);
pub const MUTED: Colour = Colour(0x47, 0x60, 0x5f);
pub const ACCENT: Colour = Colour(0x0f, 0x6e, 0x73);
pub const BORDER: Colour = Colour(0xd5, 0xe0, 0xdf);
pub const BACKGROUND: Colour = Colour(0xf6, 0xf8, 0xf8);
pub const DANGER: Colour = Colour(0xa4, 0x26, 0x2c);
/// Glucose ranges, very low to very high: warm reds below, the accent in range, ambers above.
pub const RANGE_COLOURS: [Colour; 5] = [
    Colour(0x7a, 0x1f, 0x24),
    Colour(0xc2, 0x47, 0x4d),
    ACCENT,
    Colour(0xe0, 0xa9, 0x3b),
    Colour(0xa8, 0x62, 0x0c),
];

fn paint(colour: Colour) -> krilla::paint::Paint {
    rgb::Color::new(colour.0, colour.1, colour.2).into()
}

fn opacity(value: f32) -> NormalizedF32 {
    NormalizedF32::new(value.clamp(0.0, 1.0)).unwrap_or(NormalizedF32::ONE)
}

/// Fills with `colour` at `alpha`.
pub fn fill(surface: &mut Surface<'_>, colour: Colour, alpha: f32) {
    surface.set_stroke(None);
    surface.set_fill(Some(Fill {
        paint: paint(colour),
        opacity: opacity(alpha),
        rule: Default::default(),
    }));
}

/// Strokes with `colour`, `width` points wide, dashed when `dash` is given.
pub fn stroke(surface: &mut Surface<'_>, colour: Colour, width: f32, dash: Option<[f32; 2]>) {
    surface.set_fill(None);
    surface.set_stroke(Some(Stroke {
        paint: paint(colour),
        width,
        line_cap: LineCap::Round,
        line_join: LineJoin::Round,
        dash: dash.map(|d| StrokeDash {
            array: d.to_vec(),
            offset: 0.0,
        }),
        ..Stroke::default()
    }));
}

/// Draws one line of text with its baseline at `y`.
#[allow(clippy::too_many_arguments)]
pub fn text(
    surface: &mut Surface<'_>,
    fonts: &Fonts,
    x: f32,
    y: f32,
    line: &str,
    weight: Weight,
    size: f32,
    colour: Colour,
) {
    fill(surface, colour, 1.0);
    surface.draw_text(
        Point::from_xy(x, y),
        fonts.face(weight),
        size,
        line,
        false,
        TextDirection::Auto,
    );
}

pub fn rect_path(x: f32, y: f32, width: f32, height: f32) -> Option<Path> {
    let mut builder = PathBuilder::new();
    builder.push_rect(krilla::geom::Rect::from_xywh(
        x,
        y,
        width.max(0.01),
        height.max(0.01),
    )?);
    builder.finish()
}

/// A filled rectangle.
pub fn rect(
    surface: &mut Surface<'_>,
    x: f32,
    y: f32,
    width: f32,
    height: f32,
    colour: Colour,
    alpha: f32,
) {
    if let Some(path) = rect_path(x, y, width, height) {
        fill(surface, colour, alpha);
        surface.draw_path(&path);
    }
}

/// A straight line.
#[allow(clippy::too_many_arguments)]
pub fn line(
    surface: &mut Surface<'_>,
    x1: f32,
    y1: f32,
    x2: f32,
    y2: f32,
    colour: Colour,
    width: f32,
    dash: Option<[f32; 2]>,
) {
    let mut builder = PathBuilder::new();
    builder.move_to(x1, y1);
    builder.line_to(x2, y2);
    if let Some(path) = builder.finish() {
        stroke(surface, colour, width, dash);
        surface.draw_path(&path);
    }
}

/// A polyline through `points`, broken where a point is `None`.
pub fn polyline(
    surface: &mut Surface<'_>,
    points: &[Option<(f32, f32)>],
    colour: Colour,
    width: f32,
    dash: Option<[f32; 2]>,
) {
    let mut builder = PathBuilder::new();
    let mut pen_down = false;
    let mut any = false;
    for point in points {
        match point {
            Some((x, y)) if pen_down => builder.line_to(*x, *y),
            Some((x, y)) => {
                builder.move_to(*x, *y);
                pen_down = true;
            }
            None => pen_down = false,
        }
        any |= point.is_some();
    }
    if !any {
        return;
    }
    if let Some(path) = builder.finish() {
        stroke(surface, colour, width, dash);
        surface.draw_path(&path);
    }
}

/// A filled polygon through `points`.
pub fn polygon(surface: &mut Surface<'_>, points: &[(f32, f32)], colour: Colour, alpha: f32) {
    let Some(((x0, y0), rest)) = points.split_first() else {
        return;
    };
    let mut builder = PathBuilder::new();
    builder.move_to(*x0, *y0);
    for (x, y) in rest {
        builder.line_to(*x, *y);
    }
    builder.close();
    if let Some(path) = builder.finish() {
        fill(surface, colour, alpha);
        surface.draw_path(&path);
    }
}

/// A small filled circle.
pub fn dot(surface: &mut Surface<'_>, x: f32, y: f32, radius: f32, colour: Colour) {
    // Four cubic Béziers: the usual circle approximation (k = 0.5523).
    let k = 0.552_284_8 * radius;
    let mut builder = PathBuilder::new();
    builder.move_to(x + radius, y);
    builder.cubic_to(x + radius, y + k, x + k, y + radius, x, y + radius);
    builder.cubic_to(x - k, y + radius, x - radius, y + k, x - radius, y);
    builder.cubic_to(x - radius, y - k, x - k, y - radius, x, y - radius);
    builder.cubic_to(x + k, y - radius, x + radius, y - k, x + radius, y);
    builder.close();
    if let Some(path) = builder.finish() {
        fill(surface, colour, 1.0);
        surface.draw_path(&path);
    }
}
