//! What the report says: its sections in reading order, with the figures rounded for reading
//! and every chart described in words.

use jiff::{civil::Date, SignedDuration, Timestamp};
use tend_clinic::{
    BloodPressureSummary, ClinicReport, GlucoseMeterSummary, GlucoseSummary, HeartRateSummary,
    HomeBloodPressureClass, MedicationSummary, ReportCharts, Spo2Summary, Spo2Target,
    WeightSummary,
};

use crate::{
    charts::{month_abbreviation, Chart},
    fonts::Fonts,
    layout::{Block, Figure, Table, TextStyle},
    ReportDocument,
};

/// The daily traces show at most this many days (the last ones).
const TRACE_DAYS: usize = 14;
/// At most this many missed doses are listed per medication.
const MISSED_LISTED: usize = 12;

pub struct Content<'a> {
    report: &'a ClinicReport,
    charts: &'a ReportCharts,
    document: &'a ReportDocument<'a>,
    fonts: &'a Fonts,
}

fn percent(value: f64) -> String {
    format!("{value:.1} %")
}

fn optional_percent(value: Option<f64>) -> String {
    value.map_or_else(|| "–".to_owned(), percent)
}

fn plural(count: u32, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}

impl<'a> Content<'a> {
    pub fn new(
        report: &'a ClinicReport,
        charts: &'a ReportCharts,
        document: &'a ReportDocument<'a>,
        fonts: &'a Fonts,
    ) -> Content<'a> {
        Content {
            report,
            charts,
            document,
            fonts,
        }
    }

    fn us(&self) -> bool {
        self.document
            .language
            .to_ascii_lowercase()
            .replace('_', "-")
            .starts_with("en-us")
    }

    fn date(&self, at: Timestamp) -> Date {
        at.to_zoned(self.document.zone.clone()).date()
    }

    pub fn long_date(&self, date: Date) -> String {
        const MONTHS: [&str; 12] = [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ];
        let month = MONTHS
            .get(usize::try_from(date.month() - 1).unwrap_or(0))
            .copied()
            .unwrap_or("");
        if self.us() {
            format!("{month} {}, {}", date.day(), date.year())
        } else {
            format!("{} {month} {}", date.day(), date.year())
        }
    }

    pub fn long_date_of(&self, at: Timestamp) -> String {
        self.long_date(self.date(at))
    }

    fn short_date_time(&self, at: Timestamp) -> String {
        let zoned = at.to_zoned(self.document.zone.clone());
        let month = month_abbreviation(zoned.month());
        let day = if self.us() {
            format!("{month} {}", zoned.day())
        } else {
            format!("{} {month}", zoned.day())
        };
        format!("{day} {:02}:{:02}", zoned.hour(), zoned.minute())
    }

    fn days(&self) -> i64 {
        let duration = self.report.until.duration_since(self.report.from);
        (duration.as_secs_f64() / 86_400.0).round() as i64
    }

    /// "2 March 2026 to 15 March 2026 (14 days)": the period's first and last local days.
    pub fn period_text(&self) -> String {
        let last = self
            .report
            .until
            .checked_sub(SignedDuration::from_nanos(1))
            .unwrap_or(self.report.until);
        format!(
            "{} to {} ({} days)",
            self.long_date_of(self.report.from),
            self.long_date_of(last),
            self.days()
        )
    }

    fn text(&self, text: impl AsRef<str>) -> String {
        self.fonts.drawable(text.as_ref())
    }

    fn paragraph(&self, text: impl AsRef<str>, style: TextStyle) -> Block {
        Block::Paragraph {
            text: self.text(text),
            style,
        }
    }

    fn heading(&self, level: u16, text: &str) -> Block {
        Block::Heading {
            level,
            text: self.text(text),
        }
    }

    fn table(
        &self,
        header: &[&str],
        rows: Vec<Vec<String>>,
        widths: &[f32],
        row_headers: bool,
    ) -> Block {
        Block::Table(Table {
            header: header.iter().map(|h| self.text(h)).collect(),
            rows: rows
                .into_iter()
                .map(|r| r.into_iter().map(|c| self.text(c)).collect())
                .collect(),
            widths: widths.to_vec(),
            row_headers,
        })
    }

    fn figure(&self, chart: Chart, height: f32, alt: String, caption: &str) -> Block {
        Block::Figure(Figure {
            chart,
            height,
            alt: self.text(alt),
            caption: self.text(caption),
        })
    }

    /// The whole report, in reading order.
    pub fn blocks(&self) -> Vec<Block> {
        let report = self.report;
        let mut blocks = vec![
            self.heading(1, "Clinic report"),
            self.paragraph(format!("Patient: {}", self.document.patient_name), TextStyle::Strong),
            self.paragraph(format!("Period: {}", self.period_text()), TextStyle::Body),
            self.paragraph(
                "Made by the Tend app on the patient's own device from readings taken at home. Each figure follows a published guideline, listed at the end; numbers are rounded for reading. Sections without readings in the period are left out.",
                TextStyle::Note,
            ),
            Block::SectionStart,
            self.heading(2, "At a glance"),
        ];
        let glance = self.at_a_glance();
        if glance.is_empty() {
            blocks.push(self.paragraph("No readings or doses in this period.", TextStyle::Body));
        } else {
            blocks.push(self.table(&["Measure", "Summary"], glance, &[1.0, 3.2], true));
        }
        blocks.push(Block::SectionEnd);
        if let Some(glucose) = &report.glucose {
            blocks.extend(self.glucose(glucose));
        }
        if let Some(meter) = &report.glucose_meter {
            blocks.extend(self.meter(meter));
        }
        if let Some(bp) = &report.blood_pressure {
            blocks.extend(self.blood_pressure(bp));
        }
        if let Some(weight) = &report.weight {
            blocks.extend(self.weight(weight));
        }
        if let Some(spo2) = &report.spo2 {
            blocks.extend(self.spo2(spo2));
        }
        if let Some(hr) = &report.heart_rate {
            blocks.extend(self.heart_rate(hr));
        }
        if !report.medication.is_empty() {
            blocks.extend(self.medication(&report.medication));
        }
        blocks.extend(self.sources());
        blocks
    }

    fn at_a_glance(&self) -> Vec<Vec<String>> {
        let report = self.report;
        let mut rows = Vec::new();
        if let Some(g) = &report.glucose {
            rows.push(vec![
                "Glucose (CGM)".to_owned(),
                format!(
                    "In range {} of readings, mean {:.0} mg/dL, GMI {:.1} %, CV {:.1} %. {}",
                    percent(g.ranges_percent.in_range),
                    g.mean_mg_dl,
                    g.gmi_percent,
                    g.cv_percent,
                    if g.sufficient {
                        "Enough data."
                    } else {
                        "Not enough data to rely on."
                    }
                ),
            ]);
        }
        if let Some(m) = &report.glucose_meter {
            rows.push(vec![
                "Glucose (meter)".to_owned(),
                format!(
                    "{}, mean {:.0} mg/dL; {} below 70, {} above 180.",
                    plural(m.readings, "reading", "readings"),
                    m.mean_mg_dl,
                    m.below_70,
                    m.above_180
                ),
            ]);
        }
        if let Some(bp) = &report.blood_pressure {
            rows.push(vec![
                "Blood pressure".to_owned(),
                format!(
                    "Home average {:.1}/{:.1} mmHg: {} ({} on {}).",
                    bp.systolic_mean,
                    bp.diastolic_mean,
                    class_word(bp.classification),
                    plural(bp.readings, "valid reading", "valid readings"),
                    plural(bp.days, "day", "days")
                ),
            ]);
        }
        if let Some(w) = &report.weight {
            rows.push(vec![
                "Weight".to_owned(),
                format!(
                    "{:.1} kg, {:+.1} kg over the period. {}",
                    w.latest_kg,
                    w.change_kg,
                    if w.rapid_gains.is_empty() {
                        "No gain of more than 2 kg within 3 days.".to_owned()
                    } else {
                        format!(
                            "Gained more than 2 kg within 3 days {}.",
                            times(w.rapid_gains.len())
                        )
                    }
                ),
            ]);
        }
        if let Some(s) = &report.spo2 {
            rows.push(vec![
                "Blood oxygen".to_owned(),
                format!(
                    "Median {:.0} %; {} of readings at 95 % or above, {} at 92 % or below.",
                    s.median,
                    percent(s.bands_percent.at_least_95),
                    percent(s.bands_percent.at_most_92)
                ),
            ]);
        }
        if let Some(h) = &report.heart_rate {
            rows.push(vec![
                "Heart rate".to_owned(),
                format!(
                    "Median {:.0} bpm (middle half {:.0}–{:.0}); {} below 50, {} above 120.",
                    h.median,
                    h.p25,
                    h.p75,
                    percent(h.below_50_percent),
                    percent(h.above_120_percent)
                ),
            ]);
        }
        for m in &report.medication {
            rows.push(vec![
                m.medication.clone(),
                format!(
                    "{} of settled doses taken, {} on time; {}.",
                    optional_percent(m.taken_percent),
                    optional_percent(m.on_time_percent),
                    plural(m.missed, "dose missed", "doses missed")
                ),
            ]);
        }
        rows
    }

    fn glucose(&self, g: &GlucoseSummary) -> Vec<Block> {
        let r = g.ranges_percent;
        let mut blocks = vec![
            Block::SectionStart,
            self.heading(2, "Glucose (continuous monitor)"),
            self.paragraph(g.sufficiency_label(), if g.sufficient { TextStyle::Body } else { TextStyle::Strong }),
            self.table(
                &["Measure", "Value", "Consensus target"],
                vec![
                    vec!["Days with data".into(), g.days.to_string(), "14 or more".into()],
                    vec!["Sensor active".into(), percent(g.active_percent), "70 % or more".into()],
                    vec!["Mean glucose".into(), format!("{:.0} mg/dL ({:.1} mmol/L)", g.mean_mg_dl, mmol_per_litre(g.mean_mg_dl)), "–".into()],
                    vec!["Glucose management indicator (GMI)".into(), format!("{:.1} %", g.gmi_percent), "set with the patient".into()],
                    vec![
                        "Coefficient of variation (CV)".into(),
                        format!("{:.1} % ({})", g.cv_percent, if g.stable() { "stable" } else { "unstable" }),
                        "36 % or less".into(),
                    ],
                ],
                &[2.2, 1.8, 1.4],
                true,
            ),
            self.heading(3, "Share of readings in each range"),
            self.figure(
                Chart::Ranges(r),
                40.0,
                format!(
                    "Stacked bar of the share of readings per range: very low {}, low {}, in range {}, high {}, very high {}.",
                    percent(r.very_low), percent(r.low), percent(r.in_range), percent(r.high), percent(r.very_high)
                ),
                "The same shares as the table below, from very low (left) to very high (right).",
            ),
        ];
        let targets: Vec<Vec<String>> = r
            .targets()
            .iter()
            .map(|t| {
                vec![
                    t.measure.to_owned(),
                    percent(t.percent),
                    format!(
                        "{} {:.0} %",
                        if t.above_is_better {
                            "more than"
                        } else {
                            "less than"
                        },
                        t.target_percent
                    ),
                    if t.met { "met" } else { "not met" }.to_owned(),
                ]
            })
            .collect();
        blocks.push(self.table(
            &["Range", "mg/dL", "mmol/L", "Share of readings"],
            vec![
                vec![
                    "Very low".to_owned(),
                    "below 54".to_owned(),
                    "below 3.0".to_owned(),
                    percent(r.very_low),
                ],
                vec![
                    "Low".to_owned(),
                    "54–69".to_owned(),
                    "3.0–3.8".to_owned(),
                    percent(r.low),
                ],
                vec![
                    "In range".to_owned(),
                    "70–180".to_owned(),
                    "3.9–10.0".to_owned(),
                    percent(r.in_range),
                ],
                vec![
                    "High".to_owned(),
                    "181–250".to_owned(),
                    "10.1–13.9".to_owned(),
                    percent(r.high),
                ],
                vec![
                    "Very high".to_owned(),
                    "above 250".to_owned(),
                    "above 13.9".to_owned(),
                    percent(r.very_high),
                ],
            ],
            &[1.2, 1.0, 1.0, 1.2],
            true,
        ));
        blocks.push(self.heading(3, "Against the consensus targets"));
        blocks.push(self.table(
            &["Measure", "Share of readings", "Target", "Result"],
            targets,
            &[1.8, 1.1, 1.1, 0.8],
            true,
        ));
        if let Some(profile) = &self.charts.glucose_profile {
            let median = profile.slots.iter().map(|s| (s.p50, s.start_minute));
            let lowest = median.clone().min_by(|a, b| a.0.total_cmp(&b.0));
            let highest = median.max_by(|a, b| a.0.total_cmp(&b.0));
            let p5 = profile
                .slots
                .iter()
                .map(|s| s.p5)
                .fold(f64::INFINITY, f64::min);
            let p95 = profile
                .slots
                .iter()
                .map(|s| s.p95)
                .fold(f64::NEG_INFINITY, f64::max);
            let clock = |minute: u32| format!("{:02}:{:02}", minute / 60, minute % 60);
            let alt = match (lowest, highest) {
                (Some(lo), Some(hi)) => format!(
                    "Glucose by time of day over the period. The median is lowest around {} ({:.0} mg/dL) and highest around {} ({:.0} mg/dL); 90 % of readings lie between {:.0} and {:.0} mg/dL.",
                    clock(lo.1), lo.0, clock(hi.1), hi.0, p5, p95
                ),
                _ => "Glucose by time of day over the period.".to_owned(),
            };
            blocks.push(self.heading(3, "Glucose by time of day"));
            blocks.push(self.figure(
                Chart::GlucoseProfile(profile.clone()),
                175.0,
                alt,
                &format!(
                    "All days pooled by time of day in {}-minute slots. Line: median. Dark band: 25th to 75th percentile. Light band: 5th to 95th percentile. Shaded: the target range, 70–180 mg/dL.",
                    profile.slot_minutes
                ),
            ));
        }
        let days = &self.charts.glucose_days;
        if !days.is_empty() {
            let shown: Vec<_> = days[days.len().saturating_sub(TRACE_DAYS)..].to_vec();
            let rows = shown.len().div_ceil(7).max(1);
            let (first, last) = (shown.first().map(|d| d.date), shown.last().map(|d| d.date));
            let alt = match (first, last) {
                (Some(a), Some(b)) => format!(
                    "Glucose traces for each day from {} to {}, one small chart per day, with the target range 70–180 mg/dL shaded.",
                    self.long_date(a),
                    self.long_date(b)
                ),
                _ => "Daily glucose traces.".to_owned(),
            };
            blocks.push(self.heading(
                3,
                &format!("Daily traces (the last {} days with data)", shown.len()),
            ));
            blocks.push(self.figure(
                Chart::DailyGlucose(shown),
                rows as f32 * 64.0,
                alt,
                "Each panel is one local day from midnight to midnight, 40 to 350 mg/dL; shaded: 70–180 mg/dL. Gaps are times without readings.",
            ));
        }
        blocks.push(Block::SectionEnd);
        blocks
    }

    fn meter(&self, m: &GlucoseMeterSummary) -> Vec<Block> {
        let mut rows: Vec<Vec<String>> = m
            .by_time_of_day
            .iter()
            .map(|p| {
                vec![
                    format!(
                        "{} ({:02}:00–{:02}:00)",
                        capitalised(p.time_of_day.as_str()),
                        p.from_hour,
                        p.until_hour
                    ),
                    p.readings.to_string(),
                    format!("{:.0}", p.mean_mg_dl),
                    p.below_70.to_string(),
                    p.above_180.to_string(),
                ]
            })
            .collect();
        rows.push(vec![
            "All day".into(),
            m.readings.to_string(),
            format!("{:.0}", m.mean_mg_dl),
            m.below_70.to_string(),
            m.above_180.to_string(),
        ]);
        vec![
            Block::SectionStart,
            self.heading(2, "Glucose (meter)"),
            self.paragraph(
                format!(
                    "{} from a meter or entered by hand; {} below 54 mg/dL. Without a continuous monitor, time in range cannot be measured; readings are counted instead.",
                    plural(m.readings, "reading", "readings"),
                    m.below_54
                ),
                TextStyle::Body,
            ),
            self.table(&["Time of day", "Readings", "Mean mg/dL", "Below 70", "Above 180"], rows, &[1.8, 0.9, 1.0, 0.9, 0.9], true),
            Block::SectionEnd,
        ]
    }

    fn blood_pressure(&self, bp: &BloodPressureSummary) -> Vec<Block> {
        let mut blocks = vec![
            Block::SectionStart,
            self.heading(2, "Home blood pressure"),
            self.paragraph(bp.label(), if bp.classification == HomeBloodPressureClass::Insufficient { TextStyle::Strong } else { TextStyle::Body }),
            self.table(
                &["Measure", "Value"],
                vec![
                    vec!["Home average".into(), format!("{:.1}/{:.1} mmHg (systolic/diastolic)", bp.systolic_mean, bp.diastolic_mean)],
                    vec!["Valid readings averaged".into(), bp.readings.to_string()],
                    vec!["Days averaged".into(), format!("{} (the first day of the measuring week is left out)", bp.days)],
                    vec!["Classification".into(), capitalised(bp.classification.describe())],
                ],
                &[1.4, 3.0],
                true,
            ),
            self.paragraph(
                "Protocol: a measuring week of 7 days (at least 4), two readings each morning and evening; the first day is left out and the rest averaged, at least 12 readings. Home thresholds: 135/85 mmHg or more is hypertension; below 130/80 is normal. Readings the cuff flagged (movement, loose cuff, position) are left out.",
                TextStyle::Note,
            ),
        ];
        let days = &self.charts.blood_pressure_days;
        if !days.is_empty() {
            let systolic = days.iter().map(|d| d.systolic_mean);
            let diastolic = days.iter().map(|d| d.diastolic_mean);
            let (s_lo, s_hi) = (
                systolic.clone().fold(f64::INFINITY, f64::min),
                systolic.fold(f64::NEG_INFINITY, f64::max),
            );
            let (d_lo, d_hi) = (
                diastolic.clone().fold(f64::INFINITY, f64::min),
                diastolic.fold(f64::NEG_INFINITY, f64::max),
            );
            blocks.push(self.heading(3, "Daily blood pressure"));
            blocks.push(self.figure(
                Chart::BloodPressure(days.clone()),
                150.0,
                format!(
                    "Daily mean blood pressure over {}: systolic between {:.0} and {:.0} mmHg, diastolic between {:.0} and {:.0} mmHg. Dashed lines mark the home thresholds of 135 and 85 mmHg.",
                    plural(u32::try_from(days.len()).unwrap_or(u32::MAX), "day", "days"),
                    s_lo, s_hi, d_lo, d_hi
                ),
                "Daily means of all valid readings. Solid line: systolic; dashed grey line: diastolic; red dashed lines: the home thresholds, 135 and 85 mmHg. Thin vertical lines span each day's lowest and highest reading (up to 60 days).",
            ));
        }
        blocks.push(Block::SectionEnd);
        blocks
    }

    fn weight(&self, w: &WeightSummary) -> Vec<Block> {
        let mut blocks = vec![
            Block::SectionStart,
            self.heading(2, "Weight"),
            self.table(
                &["Measure", "Value"],
                vec![
                    vec!["Latest".into(), format!("{:.1} kg", w.latest_kg)],
                    vec![
                        "Change over the period".into(),
                        format!("{:+.1} kg (from {:.1} kg)", w.change_kg, w.first_kg),
                    ],
                    vec![
                        "Trend".into(),
                        w.trend_kg_per_week
                            .map_or_else(|| "–".to_owned(), |t| format!("{t:+.2} kg a week")),
                    ],
                    vec![
                        "Lowest to highest".into(),
                        format!("{:.1} to {:.1} kg", w.min_kg, w.max_kg),
                    ],
                    vec![
                        "Weighings".into(),
                        format!("{} on {}", w.readings, plural(w.days, "day", "days")),
                    ],
                ],
                &[1.4, 3.0],
                true,
            ),
        ];
        if w.rapid_gains.is_empty() {
            blocks.push(self.paragraph(
                "No gain of more than 2 kg within 3 days (the heart-failure warning sign).",
                TextStyle::Body,
            ));
        } else {
            blocks.push(self.paragraph(
                "Gains of more than 2 kg within 3 days (the heart-failure warning sign):",
                TextStyle::Strong,
            ));
            blocks.push(Block::List(
                w.rapid_gains
                    .iter()
                    .map(|g| {
                        self.text(format!(
                            "{:+.1} kg from {} to {}",
                            g.gain_kg,
                            self.long_date(g.from),
                            self.long_date(g.until)
                        ))
                    })
                    .collect(),
            ));
        }
        let days = &self.charts.weight_days;
        if days.len() > 1 {
            blocks.push(self.heading(3, "Daily weight"));
            blocks.push(self.figure(
                Chart::Weight(days.clone(), w.rapid_gains.clone()),
                130.0,
                format!(
                    "Daily weight from {:.1} kg to {:.1} kg over the period, between {:.1} and {:.1} kg; {}.",
                    w.first_kg,
                    w.latest_kg,
                    w.min_kg,
                    w.max_kg,
                    if w.rapid_gains.is_empty() { "no rapid gain".to_owned() } else { format!("{} shaded", plural(u32::try_from(w.rapid_gains.len()).unwrap_or(0), "rapid gain", "rapid gains")) }
                ),
                "The first weighing of each day. Shaded: a gain of more than 2 kg within 3 days.",
            ));
        }
        blocks.push(Block::SectionEnd);
        blocks
    }

    fn spo2(&self, s: &Spo2Summary) -> Vec<Block> {
        let b = s.bands_percent;
        let mut rows = vec![
            vec!["95 % or above".to_owned(), percent(b.at_least_95)],
            vec!["93–94 %".to_owned(), percent(b.from_93_to_94)],
            vec!["92 % or below".to_owned(), percent(b.at_most_92)],
        ];
        if let Some(below_88) = b.below_88 {
            rows.push(vec!["Below 88 %".to_owned(), percent(below_88)]);
        }
        vec![
            Block::SectionStart,
            self.heading(2, "Blood oxygen (SpO2)"),
            self.paragraph(
                format!(
                    "{}, median {:.0} %, lowest {:.0} %. Target: {}.",
                    plural(s.readings, "reading", "readings"),
                    s.median,
                    s.lowest,
                    match s.target {
                        Spo2Target::Standard => "95 % or above",
                        Spo2Target::Lower => "88–92 %, set with the clinician",
                    }
                ),
                TextStyle::Body,
            ),
            self.table(&["Band", "Share of readings"], rows, &[2.0, 2.0], true),
            Block::SectionEnd,
        ]
    }

    fn heart_rate(&self, h: &HeartRateSummary) -> Vec<Block> {
        vec![
            Block::SectionStart,
            self.heading(2, "Heart rate"),
            self.table(
                &["Measure", "Value"],
                vec![
                    vec!["Median".into(), format!("{:.0} bpm", h.median)],
                    vec![
                        "Interquartile range".into(),
                        format!("{:.0}–{:.0} bpm ({:.0} bpm wide)", h.p25, h.p75, h.iqr),
                    ],
                    vec!["Below 50 bpm".into(), percent(h.below_50_percent)],
                    vec!["Above 120 bpm".into(), percent(h.above_120_percent)],
                    vec!["Readings".into(), h.readings.to_string()],
                ],
                &[1.4, 3.0],
                true,
            ),
            Block::SectionEnd,
        ]
    }

    fn medication(&self, medications: &[MedicationSummary]) -> Vec<Block> {
        let rows = medications
            .iter()
            .map(|m| {
                vec![
                    m.medication.clone(),
                    m.doses.to_string(),
                    format!("{} ({})", m.taken, optional_percent(m.taken_percent)),
                    format!("{} ({})", m.on_time, optional_percent(m.on_time_percent)),
                    m.skipped.to_string(),
                    m.missed.to_string(),
                ]
            })
            .collect();
        let mut blocks = vec![
            Block::SectionStart,
            self.heading(2, "Medication"),
            self.table(&["Medication", "Doses due", "Taken", "On time", "Skipped", "Missed"], rows, &[2.0, 0.8, 1.1, 1.1, 0.8, 0.8], true),
            self.paragraph(
                "Percentages are of settled doses (taken, skipped or missed); doses still open are not counted. On time: within an hour of the due time.",
                TextStyle::Note,
            ),
        ];
        let missed: Vec<String> = medications
            .iter()
            .filter(|m| !m.missed_doses.is_empty())
            .map(|m| {
                let listed: Vec<String> = m
                    .missed_doses
                    .iter()
                    .take(MISSED_LISTED)
                    .map(|at| self.short_date_time(*at))
                    .collect();
                let more = m.missed_doses.len().saturating_sub(MISSED_LISTED);
                let tail = if more > 0 {
                    format!(", and {more} more")
                } else {
                    String::new()
                };
                self.text(format!("{}: {}{}", m.medication, listed.join(", "), tail))
            })
            .collect();
        if !missed.is_empty() {
            blocks.push(self.heading(3, "Missed doses"));
            blocks.push(Block::List(missed));
        }
        blocks.push(Block::SectionEnd);
        blocks
    }

    fn sources(&self) -> Vec<Block> {
        vec![
            Block::SectionStart,
            self.heading(2, "How these figures are computed"),
            Block::List(
                [
                    "Glucose ranges, targets, 14 days and 70 % sensor activity, CV 36 %: Battelino T, et al. Clinical targets for continuous glucose monitoring data interpretation: recommendations from the International Consensus on Time in Range. Diabetes Care 2019;42:1593–1603. Shares are of readings; values are rounded to whole mg/dL before ranges are applied.",
                    "GMI (%) = 3.31 + 0.02392 × mean glucose (mg/dL): Bergenstal RM, et al. Glucose Management Indicator (GMI). Diabetes Care 2018;41:2275–2280.",
                    "Home blood pressure: Parati G, et al. ESH guidelines for blood pressure monitoring at home. J Hypertens 2008;26:1505–1526; Stergiou GS, et al. 2021 ESH practice guidelines for office and out-of-office blood pressure measurement. J Hypertens 2021;39:1293–1302; Muntner P, et al. Measurement of blood pressure in humans: an AHA scientific statement. Hypertension 2019;73:e35–e66.",
                    "Weight gain of more than 2 kg in 3 days: McDonagh TA, et al. 2021 ESC Guidelines for heart failure. Eur Heart J 2021;42:3599–3726; Jaarsma T, et al. HFA self-care recommendations. Eur J Heart Fail 2021;23:157–174.",
                    "SpO2 bands: NHS England, COVID Oximetry @home (95 % or above, 93–94 %, 92 % or below); target 88–92 %: O'Driscoll BR, et al. BTS guideline for oxygen use in adults. Thorax 2017;72(Suppl 1):ii1–ii90.",
                    "Heart rate below 50 bpm: Kusumoto FM, et al. 2018 ACC/AHA/HRS guideline on bradycardia. Circulation 2019;140:e382–e482.",
                ]
                .iter()
                .map(|s| self.text(s))
                .collect(),
            ),
            Block::SectionEnd,
        ]
    }
}

/// mg/dL in mmol/L, by tend-vitals' one conversion.
fn mmol_per_litre(mg_dl: f64) -> f64 {
    tend_vitals::Unit::MilligramPerDecilitre
        .convert(mg_dl, tend_vitals::Unit::MillimolePerLitre)
        .unwrap_or(f64::NAN)
}

fn class_word(class: HomeBloodPressureClass) -> &'static str {
    match class {
        HomeBloodPressureClass::Normal => "normal",
        HomeBloodPressureClass::Elevated => "elevated",
        HomeBloodPressureClass::Hypertension => "hypertension",
        HomeBloodPressureClass::Insufficient => "not classified, too few readings",
    }
}

fn times(count: usize) -> String {
    match count {
        1 => "once".to_owned(),
        2 => "twice".to_owned(),
        n => format!("{n} times"),
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
