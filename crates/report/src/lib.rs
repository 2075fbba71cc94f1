//! The clinic report as an accessible PDF, drawn on the device: tagged (PDF/UA-1, checked by
//! krilla's validator as it writes), fonts embedded, charts as vector paths, every figure as
//! real text, A4 or Letter, and the patient's name and the period on every page.
//!
//! Takes what `tend-clinic` computed ([`ClinicReport`] and [`ReportCharts`]); reads no clock and
//! touches no file: the caller writes the bytes where the patient chooses.

mod charts;
mod content;
mod draw;
mod fonts;
mod layout;

use jiff::{tz::TimeZone, Timestamp};
use krilla::{
    configure::{Accessibility, ConfigurationBuilder, Validator},
    metadata::Metadata,
    tagging::TagTree,
    Document, SerializeSettings,
};
use tend_clinic::{ClinicReport, ReportCharts};

/// Paper sizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paper {
    /// 210 × 297 mm: everywhere except the Americas' Letter countries.
    A4,
    /// 8.5 × 11 in: the United States, Canada, Mexico, and some of Central and South America
    /// and the Philippines.
    Letter,
}

/// Regions (ISO 3166-1 alpha-2) whose usual paper is Letter (CLDR's `paperSize` data).
const LETTER_REGIONS: [&str; 14] = [
    "US", "CA", "MX", "PH", "CL", "CO", "VE", "CR", "GT", "PA", "DO", "PR", "SV", "NI",
];

impl Paper {
    /// The usual paper of a locale such as `en-US`, `fr_CA` or `de-DE` (its region subtag);
    /// A4 when it names no region.
    pub fn for_locale(locale: &str) -> Paper {
        let region = locale
            .split(['-', '_', '.'])
            .skip(1)
            .find(|part| part.len() == 2 && part.chars().all(|c| c.is_ascii_alphabetic()));
        match region {
            Some(region) if LETTER_REGIONS.contains(&region.to_ascii_uppercase().as_str()) => {
                Paper::Letter
            }
            _ => Paper::A4,
        }
    }

    /// Width and height in PDF points (1/72 in).
    pub fn size_points(self) -> (f32, f32) {
        match self {
            Paper::A4 => (595.276, 841.89),
            Paper::Letter => (612.0, 792.0),
        }
    }
}

/// What the PDF needs beyond the figures.
#[derive(Debug, Clone, Copy)]
pub struct ReportDocument<'a> {
    /// Printed on every page.
    pub patient_name: &'a str,
    /// Dates and times are shown on this zone's clock (the report's).
    pub zone: &'a TimeZone,
    pub paper: Paper,
    /// The document's language, BCP 47 (`en-GB`, `en-US`): US English writes dates month first.
    pub language: &'a str,
    /// When the report was made, shown in the footer.
    pub generated_at: Timestamp,
}

/// Why the PDF could not be made. Never carries health values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    #[error("the report's bundled font could not be loaded")]
    Font,
    #[error("the PDF could not be written: {0}")]
    Pdf(String),
}

pub type Result<T> = std::result::Result<T, Error>;

/// The clinic report as PDF bytes.
pub fn render_pdf(
    report: &ClinicReport,
    charts: &ReportCharts,
    document: &ReportDocument<'_>,
) -> Result<Vec<u8>> {
    let fonts = fonts::Fonts::load()?;
    let configuration = ConfigurationBuilder::new()
        .set_validator(Validator::Ua(Accessibility::UA1))
        .finish()
        .map_err(|_| Error::Pdf("the PDF/UA-1 configuration was refused".into()))?;
    let settings = SerializeSettings {
        configuration,
        enable_tagging: true,
        ..SerializeSettings::default()
    };
    let mut pdf = Document::new_with(settings);
    let content = content::Content::new(report, charts, document, &fonts);
    let blocks = content.blocks();
    let (width, height) = document.paper.size_points();
    let frame = layout::PageFrame {
        width,
        height,
        header: fonts.drawable(&format!(
            "{} · Clinic report · {}",
            document.patient_name,
            content.period_text()
        )),
        footer: fonts.drawable(&format!(
            "Made by Tend on {} from readings taken at home.",
            content.long_date_of(document.generated_at)
        )),
    };
    let (nodes, outline) = layout::render(&mut pdf, &fonts, &frame, &blocks, document.language);
    let mut tree = TagTree::new().with_lang(Some(document.language.to_owned()));
    for node in nodes {
        tree.push(node);
    }
    pdf.set_tag_tree(tree);
    pdf.set_outline(outline);
    pdf.set_metadata(
        Metadata::new()
            .title(fonts.drawable(&format!("Clinic report: {}, {}", document.patient_name, content.period_text())))
            .language(document.language.to_owned())
            .creator("Tend".to_owned())
            .description("Home readings summarised to clinical guidelines: glucose time in ranges, home blood pressure, weight, SpO2, heart rate and medication adherence.".to_owned()),
    );
    pdf.finish().map_err(|error| Error::Pdf(describe(&error)))
}

/// A krilla error in words that carry no report content (a validation error may quote text).
fn describe(error: &krilla::error::KrillaError) -> String {
    use krilla::error::KrillaError;
    match error {
        KrillaError::Font(_, _) => "a font could not be embedded".into(),
        KrillaError::Validation(errors) => {
            // The variant names only: their fields may quote the report's text.
            let kinds: Vec<String> = errors
                .iter()
                .map(|(e, _)| {
                    format!("{e:?}")
                        .split(['(', ' ', '{'])
                        .next()
                        .unwrap_or("")
                        .to_owned()
                })
                .collect();
            format!("PDF/UA validation failed: {}", kinds.join(", "))
        }
        KrillaError::Limit(_) => "a PDF size limit was exceeded".into(),
        _ => "the document structure was refused".into(),
    }
}
