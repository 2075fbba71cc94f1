//! A synthetic Apple Health `export.xml` of any size, produced lazily as a `Read` (never held in
//! memory), for the large-file tests and the benchmark. Its mix follows real exports of an
//! iPhone-plus-Watch user: mostly step counts, active and basal energy and distances (which Tend
//! skips), heart rate every few minutes with its motion-context metadata, heart-rate variability
//! with its beat list, sleep, some SpO2, respiratory rate, a daily blood-pressure correlation whose
//! members also appear on their own (as Apple writes them), weight, and workouts.

use std::io::{self, Read, Write};

/// The DTD of a real export (version 13), without the entity declarations it never has.
const HEADER: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE HealthData [
<!-- HealthKit Export Version: 13 -->
<!ELEMENT HealthData (ExportDate,Me,(Record|Correlation|Workout|ActivitySummary|ClinicalRecord)*)>
<!ATTLIST HealthData
  locale CDATA #REQUIRED
>
<!ELEMENT Record ((MetadataEntry|HeartRateVariabilityMetadataList)*)>
<!ATTLIST Record
  type          CDATA #REQUIRED
  unit          CDATA #IMPLIED
  value         CDATA #IMPLIED
  sourceName    CDATA #REQUIRED
  sourceVersion CDATA #IMPLIED
  device        CDATA #IMPLIED
  creationDate  CDATA #IMPLIED
  startDate     CDATA #REQUIRED
  endDate       CDATA #REQUIRED
>
<!-- Note: Any Records that appear as children of a correlation also appear as top-level records in this document. -->
<!ELEMENT Correlation ((MetadataEntry|Record)*)>
<!ELEMENT MetadataEntry EMPTY>
<!ATTLIST MetadataEntry
  key   CDATA #REQUIRED
  value CDATA #REQUIRED
>
]>
<HealthData locale="en_US">
 <ExportDate value="2026-11-30 21:07:11 -0500"/>
 <Me HKCharacteristicTypeIdentifierDateOfBirth="1970-01-01" HKCharacteristicTypeIdentifierBiologicalSex="HKBiologicalSexNotSet" HKCharacteristicTypeIdentifierBloodType="HKBloodTypeNotSet" HKCharacteristicTypeIdentifierFitzpatrickSkinType="HKFitzpatrickSkinTypeNotSet" HKCharacteristicTypeIdentifierCardioFitnessMedicationsUse="None"/>
"#;
const FOOTER: &str = "</HealthData>\n";
const PHONE: &str = r#"sourceName="Patient’s iPhone" sourceVersion="17.5.1" device="&lt;&lt;HKDevice: 0x282e3a260&gt;, name:iPhone, manufacturer:Apple Inc., model:iPhone, hardware:iPhone15,2, software:17.5.1&gt;""#;
const WATCH: &str = r#"sourceName="Patient’s Apple Watch" sourceVersion="10.5" device="&lt;&lt;HKDevice: 0x282e30280&gt;, name:Apple Watch, manufacturer:Apple Inc., model:Watch, hardware:Watch6,1, software:10.5&gt;""#;

/// What the generator has written, to check an import against.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SyntheticCounts {
    pub records: u64,
    /// Heart rate, SpO2, respiratory rate, weight, BP members: what Tend keeps (BP pairs once).
    pub vital_readings: u64,
}

/// An `export.xml` of about `target_bytes`, produced as it is read.
#[derive(Debug)]
pub struct SyntheticAppleHealth {
    target_bytes: u64,
    produced: u64,
    chunk: Vec<u8>,
    at: usize,
    state: u64,
    /// Seconds since 2020-01-01 00:00 local (-0500).
    clock: i64,
    counts: SyntheticCounts,
    header_done: bool,
    footer_done: bool,
}

impl SyntheticAppleHealth {
    pub fn new(target_bytes: u64, seed: u64) -> SyntheticAppleHealth {
        SyntheticAppleHealth {
            target_bytes,
            produced: 0,
            chunk: Vec::with_capacity(64 << 10),
            at: 0,
            state: seed | 1,
            clock: 0,
            counts: SyntheticCounts::default(),
            header_done: false,
            footer_done: false,
        }
    }

    /// What was written so far (all of it once the reader is at its end).
    pub fn counts(&self) -> SyntheticCounts {
        self.counts
    }

    fn random(&mut self) -> u64 {
        // xorshift64*: reproducible, no dependency.
        self.state ^= self.state >> 12;
        self.state ^= self.state << 25;
        self.state ^= self.state >> 27;
        self.state.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.random() % n
    }

    fn date(&self, offset: i64) -> String {
        let t = self.clock + offset;
        let days = t.div_euclid(86_400);
        let secs = t.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days + 18_262); // 2020-01-01
        format!(
            "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} -0500",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        )
    }

    fn record(
        &mut self,
        kind: &str,
        source: &str,
        unit: &str,
        value: &str,
        span: i64,
        children: &str,
    ) -> io::Result<()> {
        let (start, end) = (self.date(0), self.date(span));
        let created = self.date(span + 600);
        write!(
            self.chunk,
            r#" <Record type="{kind}" {source} unit="{unit}" creationDate="{created}" startDate="{start}" endDate="{end}" value="{value}""#
        )?;
        if children.is_empty() {
            self.chunk.extend_from_slice(b"/>\n");
        } else {
            write!(self.chunk, ">\n{children} </Record>\n")?;
        }
        self.counts.records += 1;
        Ok(())
    }

    /// Appends one record (or correlation) of the mix.
    fn next_record(&mut self) -> io::Result<()> {
        self.clock += 60 + self.below(240) as i64;
        let pick = self.below(1000);
        match pick {
            0..=299 => {
                let steps = (20 + self.below(900)).to_string();
                let source = if pick.is_multiple_of(2) { PHONE } else { WATCH };
                self.record(
                    "HKQuantityTypeIdentifierStepCount",
                    source,
                    "count",
                    &steps,
                    540,
                    "",
                )
            }
            300..=449 => {
                let kcal = format!("{}.{}", self.below(40), self.below(1000));
                self.record(
                    "HKQuantityTypeIdentifierActiveEnergyBurned",
                    WATCH,
                    "kcal",
                    &kcal,
                    60,
                    "",
                )
            }
            450..=529 => {
                let kcal = format!("{}.{}", 1 + self.below(3), self.below(1000));
                self.record(
                    "HKQuantityTypeIdentifierBasalEnergyBurned",
                    WATCH,
                    "kcal",
                    &kcal,
                    60,
                    "",
                )
            }
            530..=629 => {
                let km = format!("0.0{}", self.below(99_999));
                self.record(
                    "HKQuantityTypeIdentifierDistanceWalkingRunning",
                    PHONE,
                    "km",
                    &km,
                    540,
                    "",
                )
            }
            630..=899 => {
                let bpm = (52 + self.below(90)).to_string();
                let context = format!(
                    "  <MetadataEntry key=\"HKMetadataKeyHeartRateMotionContext\" value=\"{}\"/>\n",
                    self.below(3)
                );
                self.counts.vital_readings += 1;
                self.record(
                    "HKQuantityTypeIdentifierHeartRate",
                    WATCH,
                    "count/min",
                    &bpm,
                    0,
                    &context,
                )
            }
            900..=929 => {
                let mut beats = String::from("  <HeartRateVariabilityMetadataList>\n");
                for i in 0..8 {
                    let bpm = 55 + self.below(30);
                    beats.push_str(&format!(
                        "   <InstantaneousBeatsPerMinute bpm=\"{bpm}\" time=\"8:0{i}:1{i}.0{i} PM\"/>\n"
                    ));
                }
                beats.push_str("  </HeartRateVariabilityMetadataList>\n");
                let ms = format!("{}.{}", 20 + self.below(80), self.below(1000));
                self.record(
                    "HKQuantityTypeIdentifierHeartRateVariabilitySDNN",
                    WATCH,
                    "ms",
                    &ms,
                    60,
                    &beats,
                )
            }
            930..=949 => {
                let value = "HKCategoryValueSleepAnalysisAsleepCore";
                self.record(
                    "HKCategoryTypeIdentifierSleepAnalysis",
                    WATCH,
                    "",
                    value,
                    1800,
                    "",
                )
            }
            950..=964 => {
                let spo2 = format!("0.{}", 92 + self.below(8));
                self.counts.vital_readings += 1;
                self.record(
                    "HKQuantityTypeIdentifierOxygenSaturation",
                    WATCH,
                    "%",
                    &spo2,
                    0,
                    "",
                )
            }
            965..=979 => {
                let rate = format!("{}.5", 12 + self.below(8));
                self.counts.vital_readings += 1;
                self.record(
                    "HKQuantityTypeIdentifierRespiratoryRate",
                    WATCH,
                    "count/min",
                    &rate,
                    0,
                    "",
                )
            }
            980..=984 => {
                let kg = format!("7{}.{}", self.below(10), self.below(10));
                self.counts.vital_readings += 1;
                self.record("HKQuantityTypeIdentifierBodyMass", PHONE, "kg", &kg, 0, "")
            }
            _ => self.blood_pressure(),
        }
    }

    /// A correlation with its two members, then the members again on their own.
    fn blood_pressure(&mut self) -> io::Result<()> {
        let cuff = r#"sourceName="Cuff" sourceVersion="1.3.5.1""#;
        let (systolic, diastolic) = (
            (105 + self.below(40)).to_string(),
            (65 + self.below(25)).to_string(),
        );
        let at = self.date(0);
        let mut members = Vec::new();
        std::mem::swap(&mut members, &mut self.chunk);
        self.record(
            "HKQuantityTypeIdentifierBloodPressureSystolic",
            cuff,
            "mmHg",
            &systolic,
            0,
            "",
        )?;
        self.record(
            "HKQuantityTypeIdentifierBloodPressureDiastolic",
            cuff,
            "mmHg",
            &diastolic,
            0,
            "",
        )?;
        std::mem::swap(&mut members, &mut self.chunk);
        write!(
            self.chunk,
            r#" <Correlation type="HKCorrelationTypeIdentifierBloodPressure" {cuff} creationDate="{at}" startDate="{at}" endDate="{at}">
  <MetadataEntry key="HKWasUserEntered" value="0"/>
"#
        )?;
        for line in members.split(|&c| c == b'\n').filter(|l| !l.is_empty()) {
            self.chunk.push(b' ');
            self.chunk.extend_from_slice(line);
            self.chunk.push(b'\n');
        }
        self.chunk.extend_from_slice(b" </Correlation>\n");
        self.chunk.extend_from_slice(&members);
        self.counts.records += 1;
        self.counts.vital_readings += 2;
        Ok(())
    }

    fn refill(&mut self) -> io::Result<()> {
        self.chunk.clear();
        self.at = 0;
        if !self.header_done {
            self.header_done = true;
            self.chunk.extend_from_slice(HEADER.as_bytes());
        }
        while self.chunk.len() < 32 << 10
            && self.produced + (self.chunk.len() as u64) < self.target_bytes
        {
            self.next_record()?;
        }
        if self.chunk.is_empty() && !self.footer_done {
            self.footer_done = true;
            self.chunk.extend_from_slice(FOOTER.as_bytes());
        }
        Ok(())
    }
}

impl Read for SyntheticAppleHealth {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.at == self.chunk.len() {
            self.refill()?;
        }
        let n = buf.len().min(self.chunk.len() - self.at);
        buf[..n].copy_from_slice(&self.chunk[self.at..self.at + n]);
        self.at += n;
        self.produced += n as u64;
        Ok(n)
    }
}

/// The civil date of a day count since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}
