//! The clinic report PDF checked with poppler, as a reader would see it: `pdfinfo` says it is
//! tagged and A4 or Letter, `pdffonts` that every font is embedded, `pdftotext` that the figures
//! are real text and that every page names the patient and the period, and the structure tree
//! holds headings, tables and figures with alternative text. Needs `poppler-utils`
//! (`scripts/setup.sh --for-tests` installs it).

use std::{error::Error, path::Path, process::Command};

use jiff::{tz::TimeZone, SignedDuration, Timestamp};
use tend_clinic::{
    example::{example_measurements, example_medications, ExampleContents},
    report_with_charts, ClinicReport, Period, ReportCharts, ReportInput, ReportSettings,
};
use tend_report::{render_pdf, Paper, ReportDocument};

type TestResult = Result<(), Box<dyn Error>>;

fn poppler(tool: &str, args: &[&str]) -> Result<String, Box<dyn Error>> {
    let output = Command::new(tool)
        .args(args)
        .output()
        .map_err(|e| format!("{tool} is not installed (apt-get install poppler-utils): {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "{tool} {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    Ok(String::from_utf8(output.stdout)?)
}

fn fortnight(contents: ExampleContents) -> Result<(ClinicReport, ReportCharts), Box<dyn Error>> {
    let from: Timestamp = "2026-03-02T00:00:00Z".parse()?;
    let period = Period::new(from, from + SignedDuration::from_hours(14 * 24))?;
    let zone = TimeZone::get("Europe/London")?;
    let measurements = example_measurements(from, 14, contents);
    let (medications, doses) = example_medications(from, 14);
    Ok(report_with_charts(&ReportInput {
        period,
        zone: &zone,
        now: period.until,
        measurements: &measurements,
        medications: &medications,
        doses: &doses,
        settings: ReportSettings::default(),
    }))
}

fn write_pdf(
    dir: &Path,
    name: &str,
    report: &ClinicReport,
    charts: &ReportCharts,
    patient: &str,
    locale: &str,
) -> Result<String, Box<dyn Error>> {
    let zone = TimeZone::get("Europe/London")?;
    let document = ReportDocument {
        patient_name: patient,
        zone: &zone,
        paper: Paper::for_locale(locale),
        language: locale,
        generated_at: report.until,
    };
    let bytes = render_pdf(report, charts, &document)?;
    assert!(bytes.starts_with(b"%PDF-1.7"));
    let path = dir.join(name);
    std::fs::write(&path, bytes)?;
    Ok(path.to_string_lossy().into_owned())
}

fn pages(info: &str) -> Result<usize, Box<dyn Error>> {
    let line = info
        .lines()
        .find(|l| l.starts_with("Pages:"))
        .ok_or("no page count")?;
    Ok(line.trim_start_matches("Pages:").trim().parse()?)
}

#[test]
fn a_fortnight_is_tagged_embeds_its_fonts_and_holds_its_figures_as_text() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (report, charts) = fortnight(ExampleContents::EVERYTHING)?;
    let pdf = write_pdf(
        dir.path(),
        "report.pdf",
        &report,
        &charts,
        "Alex Example",
        "en-GB",
    )?;

    let info = poppler("pdfinfo", &[&pdf])?;
    assert!(info.contains("Tagged:          yes"), "{info}");
    assert!(
        info.contains("Page size:       595.276 x 841.89 pts (A4)"),
        "{info}"
    );
    assert!(
        info.contains("Title:           Clinic report: Alex Example"),
        "{info}"
    );

    let fonts = poppler("pdffonts", &[&pdf])?;
    let rows: Vec<&str> = fonts.lines().skip(2).collect();
    assert!(!rows.is_empty(), "{fonts}");
    for row in rows {
        let columns: Vec<&str> = row.split_whitespace().collect();
        // name type... encoding emb sub uni object ID: emb is the fifth field from the end.
        assert_eq!(
            columns.get(columns.len() - 5),
            Some(&"yes"),
            "not embedded: {row}"
        );
        assert!(row.contains("NotoSans"), "{row}");
    }

    let text = poppler("pdftotext", &["-layout", &pdf, "-"])?;
    let glucose = report.glucose.as_ref().ok_or("a glucose section")?;
    let bp = report.blood_pressure.as_ref().ok_or("a BP section")?;
    let weight = report.weight.as_ref().ok_or("a weight section")?;
    for figure in [
        format!(
            "In range {:.1} % of readings",
            glucose.ranges_percent.in_range
        ),
        format!("mean {:.0} mg/dL", glucose.mean_mg_dl),
        format!("GMI {:.1} %", glucose.gmi_percent),
        format!("CV {:.1} %", glucose.cv_percent),
        format!("{:.1} %", glucose.active_percent),
        format!("{:.1}/{:.1} mmHg", bp.systolic_mean, bp.diastolic_mean),
        format!("{:.1} kg", weight.latest_kg),
        "Metformin 500 mg".to_owned(),
        "Glucose by time of day".to_owned(),
        "Home blood pressure".to_owned(),
        "Battelino T".to_owned(),
    ] {
        assert!(text.contains(&figure), "missing {figure:?}");
    }

    let count = pages(&info)?;
    assert!(count >= 2, "{count} pages");
    for page in 1..=count {
        let number = page.to_string();
        let page_text = poppler("pdftotext", &["-f", &number, "-l", &number, &pdf, "-"])?;
        assert!(
            page_text.contains("Alex Example"),
            "page {page} lacks the patient's name"
        );
        assert!(
            page_text.contains("2 March 2026 to 15 March 2026"),
            "page {page} lacks the period"
        );
        assert!(
            page_text.contains(&format!("Page {page} of {count}")),
            "page {page}"
        );
    }

    let structure = poppler("pdfinfo", &["-struct-text", &pdf])?;
    for tag in [
        "H1 \"Clinic report\"",
        "H2 \"Glucose (continuous monitor)\"",
        "Table",
        "TH",
        "Figure",
        "Caption",
        "Sect",
        "LI",
    ] {
        assert!(structure.contains(tag), "the structure tree lacks {tag}");
    }
    // Every figure carries its alternative text.
    let bytes = std::fs::read(&pdf)?;
    let count = |needle: &[u8]| bytes.windows(needle.len()).filter(|w| *w == needle).count();
    assert_eq!(count(b"/S/Figure"), 5);
    assert_eq!(count(b"/Alt"), 5);
    Ok(())
}

#[test]
fn letter_paper_and_us_dates_for_a_us_locale() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (report, charts) = fortnight(ExampleContents::CGM_BP_WEIGHT)?;
    let pdf = write_pdf(
        dir.path(),
        "letter.pdf",
        &report,
        &charts,
        "Alex Example",
        "en-US",
    )?;
    let info = poppler("pdfinfo", &[&pdf])?;
    assert!(
        info.contains("Page size:       612 x 792 pts (letter)"),
        "{info}"
    );
    let text = poppler("pdftotext", &[&pdf, "-"])?;
    assert!(text.contains("March 2, 2026 to March 15, 2026"), "US dates");
    Ok(())
}

#[test]
fn an_empty_period_and_a_name_beyond_the_font() -> TestResult {
    let dir = tempfile::tempdir()?;
    let from: Timestamp = "2026-03-02T00:00:00Z".parse()?;
    let period = Period::new(from, from + SignedDuration::from_hours(14 * 24))?;
    let zone = TimeZone::UTC;
    let (report, charts) = report_with_charts(&ReportInput {
        period,
        zone: &zone,
        now: period.until,
        measurements: &[],
        medications: &[],
        doses: &[],
        settings: ReportSettings::default(),
    });
    // Noto Sans has no CJK: those letters become "?" rather than failing PDF/UA's glyph check.
    let pdf = write_pdf(
        dir.path(),
        "empty.pdf",
        &report,
        &charts,
        "王 Ünal O'Brien-Łukasz",
        "de-DE",
    )?;
    let text = poppler("pdftotext", &[&pdf, "-"])?;
    assert!(
        text.contains("No readings or doses in this period."),
        "{text}"
    );
    assert!(text.contains("? Ünal O'Brien-Łukasz"), "{text}");
    assert_eq!(pages(&poppler("pdfinfo", &[&pdf])?)?, 1);
    Ok(())
}

#[test]
fn paper_follows_the_locale_region() {
    let check = |locale: &str, paper| assert_eq!(Paper::for_locale(locale), paper, "{locale}");
    check("en-US", Paper::Letter);
    check("en_US.UTF-8", Paper::Letter);
    check("fr-CA", Paper::Letter);
    check("es-MX", Paper::Letter);
    check("en-GB", Paper::A4);
    check("de-DE", Paper::A4);
    check("en", Paper::A4);
    check("zh-Hant-TW", Paper::A4);
    check("", Paper::A4);
}
