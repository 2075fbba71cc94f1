//! tend-import against real exports (tests/data, see its README), generated large ones, and bad
//! input: a truncated zip, a 10 GB line, entity attacks, values out of range, unknown units.

use std::{
    fs::File,
    io::{self, Cursor, Read, Seek, Write},
    sync::{atomic::AtomicBool, Arc},
};

use tend_import::{
    synthetic::SyntheticAppleHealth, Error, Format, Import, ImportOptions, Imported, Limits,
    Preview, SkipReason,
};
use tend_vitals::{DeviceKind, Metric};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn data(name: &str) -> io::Result<File> {
    // The checkout cargo runs the test in (at run time: a target directory shared between clones can
    // hold a binary another clone built).
    let manifest_dir: std::path::PathBuf = std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(
        || std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")),
        std::path::PathBuf::from,
    );
    File::open(manifest_dir.join("tests/data").join(name))
}

/// Reads a whole file: its format, what it kept, its preview.
fn import(
    file: impl Read + Seek + Send + 'static,
) -> Result<(Format, Vec<Imported>, Preview), Error> {
    let mut import = Import::from_seekable(file, ImportOptions::default())?;
    let format = import.format();
    let items = import.by_ref().collect::<Result<Vec<_>, _>>()?;
    Ok((format, items, import.preview().clone()))
}

fn skipped(preview: &Preview, reason: SkipReason) -> u64 {
    preview.skipped.get(&reason).copied().unwrap_or(0)
}

mod real_files {
    use super::*;

    #[test]
    fn nightscout_entries_json() -> TestResult {
        let (format, items, preview) = import(data("nightscout-entries.json")?)?;
        assert_eq!(format, Format::NightscoutJson);
        // 30 entries: 12 are the Dexcom's status code 5 ("sensor not ready"), the rest glucose.
        assert_eq!(skipped(&preview, SkipReason::CgmStatusCode), 12);
        assert_eq!(items.len(), 18);
        assert!(items.iter().all(|i| matches!(i, Imported::Reading(r)
            if r.device_kind == DeviceKind::ContinuousGlucoseMonitor && r.metric == Metric::Glucose)));
        assert_eq!(preview.sources["dexcom"].readings, 18);
        Ok(())
    }

    #[test]
    fn nightscout_entries_tsv() -> TestResult {
        let (format, items, preview) = import(data("nightscout-entries.tsv")?)?;
        assert_eq!(format, Format::NightscoutCsv);
        assert_eq!(skipped(&preview, SkipReason::CgmStatusCode), 11);
        assert_eq!(items.len(), 19);
        Ok(())
    }

    #[test]
    fn apple_health_export_excerpt() -> TestResult {
        let (format, items, preview) = import(data("apple-health-export.xml")?)?;
        assert_eq!(format, Format::AppleHealthXml);
        // A phone without a watch: steps and distances only, none of them a vital.
        assert!(items.is_empty());
        assert!(skipped(&preview, SkipReason::NotAVital) > 50);
        Ok(())
    }

    #[test]
    fn apple_health_export_zip() -> TestResult {
        let mut xml = Vec::new();
        data("apple-health-export.xml")?.read_to_end(&mut xml)?;
        let zip = zipped("apple_health_export/export.xml", &xml)?;
        let (format, _, preview) = import(Cursor::new(zip))?;
        assert_eq!(format, Format::AppleHealthZip);
        let (_, _, from_xml) = import(data("apple-health-export.xml")?)?;
        assert_eq!(preview.skipped, from_xml.skipped);
        Ok(())
    }

    #[test]
    fn fhir_r4_examples() -> TestResult {
        for name in [
            "fhir-r4-vital-signs-examples.ndjson",
            "fhir-r4-vital-signs-examples-bundle.json",
        ] {
            let (format, items, preview) = import(data(name)?)?;
            assert!(
                matches!(format, Format::FhirNdjson | Format::FhirBundle),
                "{name}"
            );
            // satO2 (95 %, by pulse oximetry) and f001 glucose (6.3 mmol/L) have a time of day;
            // the other examples give a date only, two are cancelled or entered in error.
            let kept: Vec<String> = items
                .iter()
                .map(|i| match i {
                    Imported::Reading(r) => format!(
                        "{} {} {} {} {}",
                        r.metric, r.time, r.value, r.unit, r.device_kind
                    ),
                    Imported::Summary(s) => format!("summary {}", s.metric),
                })
                .collect();
            assert_eq!(
                kept,
                [
                    "spo2 2014-12-05T08:30:10Z 95 % pulse_oximeter",
                    "glucose 2013-04-02T08:30:10Z 6.3 mmol/L unknown",
                ],
                "{name}"
            );
            assert_eq!(skipped(&preview, SkipReason::Retracted), 2, "{name}");
            assert_eq!(skipped(&preview, SkipReason::ImpreciseTime), 7, "{name}");
            assert_eq!(skipped(&preview, SkipReason::NotAVital), 2, "{name}");
        }
        Ok(())
    }

    #[test]
    fn google_fit_daily_summaries() -> TestResult {
        let (format, items, _) = import(data("google-fit-daily-summaries.csv")?)?;
        assert_eq!(format, Format::GoogleFitDailyCsv);
        assert_eq!(items.len(), 1);
        let Imported::Summary(day) = &items[0] else {
            return Err("a Google Fit day is a summary".into());
        };
        assert_eq!(
            (day.metric, day.mean, day.min, day.max),
            (Metric::Weight, Some(64.321), Some(64.123), Some(64.555))
        );
        Ok(())
    }

    #[test]
    fn openscale_exports() -> TestResult {
        let (format, items, _) = import(data("openscale-v3.csv")?)?;
        assert_eq!(format, Format::OpenScaleCsv);
        // Row 1: BMI, weight; row 2: BMI, body fat, heart rate, weight; row 3: BMI, body fat, weight.
        assert_eq!(items.len(), 9);
        let (format, items, preview) = import(data("openscale-legacy.csv")?)?;
        assert_eq!(format, Format::OpenScaleCsv);
        assert_eq!(items.len(), 3);
        assert_eq!(skipped(&preview, SkipReason::NoValue), 1);
        Ok(())
    }
}

mod bad_input {
    use super::*;

    #[test]
    fn a_truncated_zip_is_an_error() -> TestResult {
        let mut xml = Vec::new();
        data("apple-health-export.xml")?.read_to_end(&mut xml)?;
        let zip = zipped("apple_health_export/export.xml", &xml)?;
        for cut in [zip.len() - 10, zip.len() / 2, 30] {
            let got = import(Cursor::new(zip[..cut].to_vec()));
            assert!(matches!(got, Err(Error::Zip(_))), "cut at {cut}: {got:?}");
        }
        // A damaged byte inside the compressed entry: the inflater or the CRC says so.
        let mut damaged = zip.clone();
        damaged[200] ^= 0x55;
        assert!(import(Cursor::new(damaged)).is_err());
        Ok(())
    }

    /// Ten gigabytes with no line break, made as it is read: never allocated.
    struct EndlessLine {
        header: &'static [u8],
        left: u64,
    }

    impl Read for EndlessLine {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if !self.header.is_empty() {
                let n = self.header.len().min(buf.len());
                buf[..n].copy_from_slice(&self.header[..n]);
                self.header = &self.header[n..];
                return Ok(n);
            }
            let n = (buf.len() as u64).min(self.left) as usize;
            buf[..n].fill(b'7');
            self.left -= n as u64;
            Ok(n)
        }
    }

    #[test]
    fn a_10_gb_line_fails_fast_in_bounded_memory() {
        const TEN_GB: u64 = 10 << 30;
        let cases: [(&'static [u8], Format); 6] = [
            (b"time,metric,value,unit,device\n2026-01-01T00:00:00Z,heart_rate,", Format::TendCsv),
            (b"DATE,TIME,WEIGHT\n2026-01-01,08:00,", Format::OpenScaleCsv),
            (b"Date,Average heart rate (bpm)\n2026-01-01,", Format::GoogleFitDailyCsv),
            (b"{\"resourceType\":\"Observation\",\"note\":\"", Format::FhirNdjson),
            (b"[{\"sgv\":120,\"date\":1,\"device\":\"", Format::NightscoutJson),
            (b"<?xml version=\"1.0\"?><HealthData><Record type=\"HKQuantityTypeIdentifierHeartRate\" sourceName=\"", Format::AppleHealthXml),
        ];
        for (header, format) in cases {
            let started = std::time::Instant::now();
            let got = Import::from_reader(
                EndlessLine {
                    header,
                    left: TEN_GB,
                },
                ImportOptions::default(),
            )
            .and_then(|import| import.dry_run());
            assert!(
                matches!(got, Err(Error::TooLong { format: f, .. }) if f == format),
                "{format}: {got:?}"
            );
            assert!(
                started.elapsed().as_secs() < 10,
                "{format} took {:?}",
                started.elapsed()
            );
        }
        // Nightscout's CSV: the second field must be a number, so the line is simply too long.
        let got = Import::from_reader(
            EndlessLine {
                header: b"\"2014-07-19T10:49:15.000-07:00\",1405792155000,\"",
                left: TEN_GB,
            },
            ImportOptions::default(),
        )
        .and_then(|import| import.dry_run());
        assert!(matches!(got, Err(Error::TooLong { .. })), "{got:?}");
    }

    #[test]
    fn limits_can_be_tightened() {
        let options = ImportOptions {
            limits: Limits {
                max_line_bytes: 64,
                max_element_bytes: 64,
            },
            ..ImportOptions::default()
        };
        let csv = format!(
            "time,metric,value,unit,device\n2026-01-01T00:00:00Z,heart_rate,72,/min,{}\n",
            "x".repeat(100)
        );
        let got =
            Import::from_reader(Cursor::new(csv.into_bytes()), options).and_then(|i| i.dry_run());
        assert_eq!(
            got.err().map(|e| e.to_string()).as_deref(),
            Some("the line starting at byte 30: longer than 64 bytes without a break; the file is not a csv export or is damaged")
        );
    }

    #[test]
    fn out_of_range_and_unknown_units_are_counted() -> TestResult {
        let records = [
            ("HeartRate", "count/min", "4000"),
            ("HeartRate", "count/min", "0"),
            ("OxygenSaturation", "%", "97"),
            ("BodyMass", "furlong", "70"),
            ("BodyTemperature", "K", "310"),
            ("HeartRate", "count/min", "61"),
        ]
        .map(|(kind, unit, value)| {
            format!(r#"<Record type="HKQuantityTypeIdentifier{kind}" sourceName="W" unit="{unit}" startDate="2020-01-01 08:00:00 +0000" endDate="2020-01-01 08:00:00 +0000" value="{value}"/>"#)
        })
        .join("\n");
        let xml = format!("<HealthData>\n{records}\n</HealthData>");
        let (_, items, preview) = import(Cursor::new(xml.into_bytes()))?;
        assert_eq!(items.len(), 1);
        assert_eq!(skipped(&preview, SkipReason::OutOfRange), 3);
        assert_eq!(skipped(&preview, SkipReason::UnknownUnit), 2);
        Ok(())
    }

    #[test]
    fn cancel_stops_an_import() -> TestResult {
        let flag = Arc::new(AtomicBool::new(false));
        let options = ImportOptions {
            cancel: Some(flag.clone()),
            ..ImportOptions::default()
        };
        let mut import = Import::from_reader(SyntheticAppleHealth::new(50 << 20, 7), options)?;
        let mut seen = 0;
        let mut cancelled = false;
        for item in import.by_ref() {
            match item {
                Ok(_) => seen += 1,
                Err(Error::Cancelled) => {
                    cancelled = true;
                    break;
                }
                Err(other) => return Err(other.into()),
            }
            if seen == 1000 {
                flag.store(true, std::sync::atomic::Ordering::Relaxed);
            }
        }
        assert!(cancelled);
        assert!(import.progress().bytes_read < 50 << 20);
        Ok(())
    }
}

mod generated {
    use super::*;

    #[test]
    fn a_large_export_streams_with_progress() -> TestResult {
        let size = 64 << 20;
        let mut generator = SyntheticAppleHealth::new(size, 42);
        let mut file = tempfile::tempfile()?;
        io::copy(&mut generator, &mut file)?;
        file.rewind()?;
        let total = file.metadata()?.len();
        let options = ImportOptions {
            total_bytes: Some(total),
            ..ImportOptions::default()
        };
        let mut import = Import::from_seekable(file, options)?;
        let mut kept = 0u64;
        for item in import.by_ref() {
            item?;
            kept += 1;
        }
        let progress = import.progress();
        assert_eq!(progress.bytes_read, total);
        assert_eq!(progress.readings, kept);
        // Every vital written is kept once: BP members appear twice in the file, once in the import.
        assert_eq!(kept, generator.counts().vital_readings);
        let preview = import.preview();
        let pressure = preview.metrics[&Metric::Systolic].readings
            + preview.metrics[&Metric::Diastolic].readings;
        assert_eq!(preview.repeats_within_source, pressure);
        Ok(())
    }

    #[test]
    fn the_same_export_zipped_reads_the_same() -> TestResult {
        let mut xml = Vec::new();
        SyntheticAppleHealth::new(4 << 20, 3).read_to_end(&mut xml)?;
        let (_, plain, _) = import(Cursor::new(xml.clone()))?;
        let (format, zipped_items, _) =
            import(Cursor::new(zipped("apple_health_export/export.xml", &xml)?))?;
        assert_eq!(format, Format::AppleHealthZip);
        assert_eq!(plain, zipped_items);
        Ok(())
    }
}

/// A zip holding `content` as `name`, deflated, as Apple writes it.
fn zipped(name: &str, content: &[u8]) -> Result<Vec<u8>, Box<dyn std::error::Error>> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("apple_health_export/export_cda.xml", options)?;
    zip.write_all(b"<ClinicalDocument/>")?;
    zip.start_file(name, options)?;
    zip.write_all(content)?;
    Ok(zip.finish()?.into_inner())
}
