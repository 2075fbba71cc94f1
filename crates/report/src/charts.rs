//! The report's charts as vector paths, in Tend's calm style: soft bands and one strong line,
//! the target range shaded, labelled axes. Each has its numbers in the text beside it; the
//! charts show the shape.

use jiff::civil::Date;
use krilla::surface::Surface;
use tend_clinic::{
    BloodPressureDay, DailyTrace, GlucoseProfile, RangesPercent, RapidGain, WeightDay,
};

use crate::{
    draw::{self, ACCENT, BORDER, DANGER, MUTED, RANGE_COLOURS, TEXT},
    fonts::{Fonts, Weight},
};

const LABEL_SIZE: f32 = 7.0;

/// A chart and its data.
#[derive(Debug, Clone)]
pub enum Chart {
    /// The shares of readings in the five glucose ranges, as one stacked bar.
    Ranges(RangesPercent),
    /// Glucose by time of day: 5–95 and 25–75 percentile bands and the median.
    GlucoseProfile(GlucoseProfile),
    /// One small panel per day.
    DailyGlucose(Vec<DailyTrace>),
    /// Daily systolic and diastolic means with their ranges, and the home thresholds.
    BloodPressure(Vec<BloodPressureDay>),
    /// Daily weight, with rapid gains marked.
    Weight(Vec<WeightDay>, Vec<RapidGain>),
}

/// A linear scale from a value range onto a pixel range.
#[derive(Debug, Clone, Copy)]
struct Scale {
    from: (f64, f64),
    to: (f32, f32),
}

impl Scale {
    fn at(&self, value: f64) -> f32 {
        let span = self.from.1 - self.from.0;
        let t = if span.abs() < f64::EPSILON {
            0.5
        } else {
            (value.clamp(self.from.0, self.from.1) - self.from.0) / span
        };
        self.to.0 + (self.to.1 - self.to.0) * t as f32
    }
}

fn label(surface: &mut Surface<'_>, fonts: &Fonts, x: f32, y: f32, text: &str, align_right: bool) {
    let width = fonts.width(text, Weight::Regular, LABEL_SIZE);
    let x = if align_right { x - width } else { x };
    draw::text(
        surface,
        fonts,
        x,
        y,
        text,
        Weight::Regular,
        LABEL_SIZE,
        MUTED,
    );
}

fn centred_label(surface: &mut Surface<'_>, fonts: &Fonts, x: f32, y: f32, text: &str) {
    let width = fonts.width(text, Weight::Regular, LABEL_SIZE);
    draw::text(
        surface,
        fonts,
        x - width / 2.0,
        y,
        text,
        Weight::Regular,
        LABEL_SIZE,
        MUTED,
    );
}

/// Horizontal grid lines with their values on the left.
fn y_axis(surface: &mut Surface<'_>, fonts: &Fonts, scale: Scale, x0: f32, x1: f32, ticks: &[f64]) {
    for tick in ticks {
        let y = scale.at(*tick);
        draw::line(surface, x0, y, x1, y, BORDER, 0.5, None);
        label(
            surface,
            fonts,
            x0 - 4.0,
            y + 2.5,
            &format!("{tick:.0}"),
            true,
        );
    }
}

/// "2 Mar", or "Mar 2" when dates read month first (US English).
fn short_date(date: Date, month_first: bool) -> String {
    if month_first {
        format!("{} {}", month_abbreviation(date.month()), date.day())
    } else {
        format!("{} {}", date.day(), month_abbreviation(date.month()))
    }
}

pub fn month_abbreviation(month: i8) -> &'static str {
    [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    .get(usize::try_from(month - 1).unwrap_or(0))
    .copied()
    .unwrap_or("")
}

fn weekday_abbreviation(date: Date) -> &'static str {
    match date.weekday() {
        jiff::civil::Weekday::Monday => "Mon",
        jiff::civil::Weekday::Tuesday => "Tue",
        jiff::civil::Weekday::Wednesday => "Wed",
        jiff::civil::Weekday::Thursday => "Thu",
        jiff::civil::Weekday::Friday => "Fri",
        jiff::civil::Weekday::Saturday => "Sat",
        jiff::civil::Weekday::Sunday => "Sun",
    }
}

impl Chart {
    /// Draws the chart in the box at `(x, y)`; `month_first` writes dates as US English does.
    #[allow(clippy::too_many_arguments)]
    pub fn draw(
        &self,
        surface: &mut Surface<'_>,
        fonts: &Fonts,
        x: f32,
        y: f32,
        width: f32,
        height: f32,
        month_first: bool,
    ) {
        match self {
            Chart::Ranges(ranges) => draw_ranges(surface, fonts, ranges, x, y, width, height),
            Chart::GlucoseProfile(profile) => {
                draw_profile(surface, fonts, profile, x, y, width, height)
            }
            Chart::DailyGlucose(days) => {
                draw_days(surface, fonts, days, x, y, width, height, month_first)
            }
            Chart::BloodPressure(days) => {
                draw_blood_pressure(surface, fonts, days, x, y, width, height, month_first)
            }
            Chart::Weight(days, gains) => draw_weight(
                surface,
                fonts,
                days,
                gains,
                x,
                y,
                width,
                height,
                month_first,
            ),
        }
    }
}

fn draw_ranges(
    surface: &mut Surface<'_>,
    fonts: &Fonts,
    ranges: &RangesPercent,
    x: f32,
    y: f32,
    width: f32,
    height: f32,
) {
    let shares = [
        ranges.very_low,
        ranges.low,
        ranges.in_range,
        ranges.high,
        ranges.very_high,
    ];
    let names = ["Very low", "Low", "In range", "High", "Very high"];
    let bar_height = (height - 16.0).clamp(8.0, 18.0);
    let mut left = x;
    for (share, colour) in shares.iter().zip(RANGE_COLOURS) {
        let w = (*share as f32 / 100.0) * width;
        if w > 0.0 {
            draw::rect(surface, left, y, w, bar_height, colour, 1.0);
        }
        left += w;
    }
    // A legend under the bar: a swatch and the name, evenly spaced (the shares are in the table).
    let step = width / 5.0;
    for (i, (name, colour)) in names.iter().zip(RANGE_COLOURS).enumerate() {
        let lx = x + i as f32 * step;
        draw::rect(surface, lx, y + bar_height + 5.0, 7.0, 7.0, colour, 1.0);
        label(
            surface,
            fonts,
            lx + 10.0,
            y + bar_height + 11.5,
            name,
            false,
        );
    }
}

fn draw_profile(
    surface: &mut Surface<'_>,
    fonts: &Fonts,
    profile: &GlucoseProfile,
    x: f32,
    y: f32,
    width: f32,
    height: f32,
) {
    let (left, right, top, bottom) = (x + 28.0, x + width, y + 4.0, y + height - 14.0);
    let value = Scale {
        from: (0.0, 350.0),
        to: (bottom, top),
    };
    let minute = Scale {
        from: (0.0, 1440.0),
        to: (left, right),
    };
    // The target range, 70–180 mg/dL.
    draw::rect(
        surface,
        left,
        value.at(180.0),
        right - left,
        value.at(70.0) - value.at(180.0),
        ACCENT,
        0.07,
    );
    y_axis(
        surface,
        fonts,
        value,
        left,
        right,
        &[54.0, 70.0, 180.0, 250.0, 350.0],
    );
    for hour in (0..=24).step_by(3) {
        let hx = minute.at(f64::from(hour) * 60.0);
        draw::line(surface, hx, bottom, hx, bottom + 3.0, MUTED, 0.5, None);
        centred_label(surface, fonts, hx, bottom + 11.0, &format!("{hour:02}:00"));
    }
    let half = f64::from(profile.slot_minutes) / 2.0;
    let centre = |slot: &tend_clinic::ProfileSlot| minute.at(f64::from(slot.start_minute) + half);
    let band = |upper: &dyn Fn(&tend_clinic::ProfileSlot) -> f64,
                lower: &dyn Fn(&tend_clinic::ProfileSlot) -> f64| {
        let mut points: Vec<(f32, f32)> = profile
            .slots
            .iter()
            .map(|s| (centre(s), value.at(upper(s))))
            .collect();
        points.extend(
            profile
                .slots
                .iter()
                .rev()
                .map(|s| (centre(s), value.at(lower(s)))),
        );
        points
    };
    draw::polygon(surface, &band(&|s| s.p95, &|s| s.p5), ACCENT, 0.16);
    draw::polygon(surface, &band(&|s| s.p75, &|s| s.p25), ACCENT, 0.34);
    let median: Vec<Option<(f32, f32)>> = profile
        .slots
        .iter()
        .map(|s| Some((centre(s), value.at(s.p50))))
        .collect();
    draw::polyline(surface, &median, ACCENT, 1.8, None);
    label(surface, fonts, left + 4.0, top + 8.0, "mg/dL", false);
}

#[allow(clippy::too_many_arguments)]
fn draw_days(
    surface: &mut Surface<'_>,
    fonts: &Fonts,
    days: &[DailyTrace],
    x: f32,
    y: f32,
    width: f32,
    height: f32,
    month_first: bool,
) {
    let columns = 7usize;
    let rows = days.len().div_ceil(columns).max(1);
    let gap = 6.0;
    let panel_width = (width - gap * (columns as f32 - 1.0)) / columns as f32;
    let panel_height = (height - gap * (rows as f32 - 1.0)) / rows as f32;
    for (i, day) in days.iter().enumerate() {
        let px = x + (i % columns) as f32 * (panel_width + gap);
        let py = y + (i / columns) as f32 * (panel_height + gap);
        let (top, bottom) = (py + 11.0, py + panel_height);
        label(
            surface,
            fonts,
            px,
            py + 7.0,
            &format!(
                "{} {}",
                weekday_abbreviation(day.date),
                short_date(day.date, month_first)
            ),
            false,
        );
        let value = Scale {
            from: (40.0, 350.0),
            to: (bottom, top),
        };
        let minute = Scale {
            from: (0.0, 1440.0),
            to: (px, px + panel_width),
        };
        draw::rect(
            surface,
            px,
            top,
            panel_width,
            bottom - top,
            draw::BACKGROUND,
            1.0,
        );
        draw::rect(
            surface,
            px,
            value.at(180.0),
            panel_width,
            value.at(70.0) - value.at(180.0),
            ACCENT,
            0.10,
        );
        let mut points = Vec::with_capacity(day.points.len());
        let mut last_minute = None;
        for point in &day.points {
            if last_minute.is_some_and(|m: f32| point.minute - m > 30.0) {
                points.push(None);
            }
            points.push(Some((
                minute.at(f64::from(point.minute)),
                value.at(f64::from(point.mg_dl)),
            )));
            last_minute = Some(point.minute);
        }
        draw::polyline(surface, &points, TEXT, 0.7, None);
    }
}

#[allow(clippy::too_many_arguments)]
fn date_axis(
    surface: &mut Surface<'_>,
    fonts: &Fonts,
    dates: &[Date],
    position: &dyn Fn(usize) -> f32,
    bottom: f32,
    month_first: bool,
) {
    if dates.is_empty() {
        return;
    }
    let last = dates.len() - 1;
    let mut shown = vec![0, last / 2, last];
    shown.dedup();
    for i in shown {
        let text = short_date(dates[i], month_first);
        let width = fonts.width(&text, Weight::Regular, LABEL_SIZE);
        // The first label starts at its day, the last ends at its day, the middle one is centred.
        let x = if i == 0 {
            position(i)
        } else if i == last {
            position(i) - width
        } else {
            position(i) - width / 2.0
        };
        draw::text(
            surface,
            fonts,
            x,
            bottom + 11.0,
            &text,
            Weight::Regular,
            LABEL_SIZE,
            MUTED,
        );
    }
}

#[allow(clippy::too_many_arguments)]
fn draw_blood_pressure(
    surface: &mut Surface<'_>,
    fonts: &Fonts,
    days: &[BloodPressureDay],
    x: f32,
    y: f32,
    width: f32,
    height: f32,
    month_first: bool,
) {
    let (left, right, top, bottom) = (x + 28.0, x + width - 20.0, y + 4.0, y + height - 14.0);
    let low = days
        .iter()
        .map(|d| d.diastolic_min)
        .fold(60.0_f64, f64::min)
        .floor();
    let high = days
        .iter()
        .map(|d| d.systolic_max)
        .fold(160.0_f64, f64::max)
        .ceil();
    let value = Scale {
        from: (low - 5.0, high + 5.0),
        to: (bottom, top),
    };
    y_axis(
        surface,
        fonts,
        value,
        left,
        right,
        &[60.0, 80.0, 100.0, 120.0, 140.0, 160.0]
            .iter()
            .copied()
            .filter(|t| *t >= low - 5.0 && *t <= high + 5.0)
            .collect::<Vec<_>>(),
    );
    for (threshold, text) in [(135.0, "135"), (85.0, "85")] {
        let ty = value.at(threshold);
        draw::line(surface, left, ty, right, ty, DANGER, 0.7, Some([3.0, 2.0]));
        label(surface, fonts, right + 4.0, ty + 2.5, text, false);
    }
    let step = if days.len() > 1 {
        (right - left) / (days.len() - 1) as f32
    } else {
        0.0
    };
    let position = |i: usize| {
        if days.len() > 1 {
            left + i as f32 * step
        } else {
            (left + right) / 2.0
        }
    };
    let small = days.len() > 60;
    for (i, day) in days.iter().enumerate() {
        let px = position(i);
        if !small {
            draw::line(
                surface,
                px,
                value.at(day.systolic_min),
                px,
                value.at(day.systolic_max),
                ACCENT,
                0.8,
                None,
            );
            draw::line(
                surface,
                px,
                value.at(day.diastolic_min),
                px,
                value.at(day.diastolic_max),
                MUTED,
                0.8,
                None,
            );
        }
    }
    let systolic: Vec<Option<(f32, f32)>> = days
        .iter()
        .enumerate()
        .map(|(i, d)| Some((position(i), value.at(d.systolic_mean))))
        .collect();
    let diastolic: Vec<Option<(f32, f32)>> = days
        .iter()
        .enumerate()
        .map(|(i, d)| Some((position(i), value.at(d.diastolic_mean))))
        .collect();
    draw::polyline(surface, &systolic, ACCENT, 1.4, None);
    draw::polyline(surface, &diastolic, MUTED, 1.4, Some([4.0, 2.0]));
    if !small {
        for (i, d) in days.iter().enumerate() {
            draw::dot(surface, position(i), value.at(d.systolic_mean), 1.8, ACCENT);
            draw::dot(surface, position(i), value.at(d.diastolic_mean), 1.8, MUTED);
        }
    }
    let dates: Vec<Date> = days.iter().map(|d| d.date).collect();
    date_axis(surface, fonts, &dates, &position, bottom, month_first);
    label(surface, fonts, left + 4.0, top + 8.0, "mmHg", false);
}

#[allow(clippy::too_many_arguments)]
fn draw_weight(
    surface: &mut Surface<'_>,
    fonts: &Fonts,
    days: &[WeightDay],
    gains: &[RapidGain],
    x: f32,
    y: f32,
    width: f32,
    height: f32,
    month_first: bool,
) {
    let (left, right, top, bottom) = (x + 28.0, x + width, y + 4.0, y + height - 14.0);
    let low = days.iter().map(|d| d.kg).fold(f64::INFINITY, f64::min);
    let high = days.iter().map(|d| d.kg).fold(f64::NEG_INFINITY, f64::max);
    if !low.is_finite() || !high.is_finite() {
        return;
    }
    let (low, high) = ((low - 1.0).floor(), (high + 1.0).ceil());
    let value = Scale {
        from: (low, high),
        to: (bottom, top),
    };
    let step_kg = ((high - low) / 4.0).ceil().max(1.0);
    let ticks: Vec<f64> = (0..=4)
        .map(|i| low + step_kg * f64::from(i))
        .filter(|t| *t <= high)
        .collect();
    y_axis(surface, fonts, value, left, right, &ticks);
    let first = days.first().map(|d| d.date);
    let span = match (days.first(), days.last()) {
        (Some(a), Some(b)) => b
            .date
            .since(a.date)
            .map(|s| f64::from(s.get_days()))
            .unwrap_or(0.0),
        _ => 0.0,
    };
    let day_scale = Scale {
        from: (0.0, span.max(1.0)),
        to: (left, right),
    };
    let offset = |date: Date| {
        first
            .and_then(|f| date.since(f).ok())
            .map(|s| f64::from(s.get_days()))
            .unwrap_or(0.0)
    };
    for gain in gains {
        let (gx0, gx1) = (
            day_scale.at(offset(gain.from)),
            day_scale.at(offset(gain.until)),
        );
        draw::rect(
            surface,
            gx0 - 2.0,
            top,
            (gx1 - gx0) + 4.0,
            bottom - top,
            DANGER,
            0.12,
        );
    }
    let mut points = Vec::with_capacity(days.len());
    let mut last = None;
    for day in days {
        let o = offset(day.date);
        if last.is_some_and(|l: f64| o - l > 7.0) {
            points.push(None);
        }
        points.push(Some((day_scale.at(o), value.at(day.kg))));
        last = Some(o);
    }
    draw::polyline(surface, &points, ACCENT, 1.4, None);
    if days.len() <= 60 {
        for p in points.iter().flatten() {
            draw::dot(surface, p.0, p.1, 1.6, ACCENT);
        }
    }
    let dates: Vec<Date> = days.iter().map(|d| d.date).collect();
    let position = |i: usize| day_scale.at(offset(dates[i]));
    date_axis(surface, fonts, &dates, &position, bottom, month_first);
    label(surface, fonts, left + 4.0, top + 8.0, "kg", false);
}
