//! Apple Health's `export.xml`, streamed with quick-xml: one `<Record>` at a time.
//!
//! Kept: heart rate, blood pressure (the `HKCorrelationTypeIdentifierBloodPressure` pairs and
//! their systolic/diastolic records, which the export lists a second time on their own — the
//! repeat is dropped by the de-duplication as the same source's same reading), oxygen saturation
//! and body fat (fractions 0–1 in the file, percent in Tend), body temperature, blood glucose,
//! body mass, BMI and respiratory rate. Everything else (steps, energy, workouts…) is counted as
//! not a vital. Entities: the DTD may declare elements and attributes, never entities (a
//! billion-laughs file is refused), and only XML's five predefined entities may be used.

use std::io::BufRead;

use quick_xml::events::{attributes::Attribute, BytesStart, Event};
use tend_vitals::{DeviceKind, Metric, Unit};

use crate::{
    plausible,
    record::{Entry, EntrySource, ImportedReading, SourceNames},
    time, Error, Result, SkipReason,
};

/// Reads Records from an Apple Health export.
pub(crate) struct AppleHealth<R: BufRead> {
    xml: quick_xml::Reader<R>,
    buf: Vec<u8>,
    sources: SourceNames,
    in_correlation: bool,
    seen_root: bool,
    /// Where the current event began.
    event_at: u64,
}

impl<R: BufRead> AppleHealth<R> {
    pub(crate) fn new(input: R) -> AppleHealth<R> {
        let mut xml = quick_xml::Reader::from_reader(input);
        xml.config_mut().check_end_names = true;
        AppleHealth {
            xml,
            buf: Vec::with_capacity(4096),
            sources: SourceNames::default(),
            in_correlation: false,
            seen_root: false,
            event_at: 0,
        }
    }

    fn place(&self, element: &str) -> String {
        format!("XML element <{element}> at byte {}", self.event_at)
    }

    fn xml_error(&self, error: quick_xml::Error) -> Error {
        let place = format!("XML at byte {}", self.xml.error_position());
        match error {
            quick_xml::Error::Io(e) => Error::Io(e.to_string()),
            quick_xml::Error::Escape(e) => Error::Entity {
                place,
                what: e.to_string(),
            },
            other => Error::Malformed {
                place,
                what: other.to_string(),
            },
        }
    }
}

impl<R: BufRead> EntrySource for AppleHealth<R> {
    fn next_entry(&mut self) -> Result<Option<Entry>> {
        loop {
            self.buf.clear();
            self.event_at = self.xml.buffer_position();
            let event = match self.xml.read_event_into(&mut self.buf) {
                Ok(event) => event,
                Err(e) => return Err(self.xml_error(e)),
            };
            match event {
                Event::Start(ref element) | Event::Empty(ref element) => {
                    let has_children = matches!(event, Event::Start(_));
                    match element.name().as_ref() {
                        "Record" => {
                            let in_correlation = self.in_correlation;
                            match record(element, &mut self.sources) {
                                // A correlation's members also appear on their own: inside it,
                                // only the blood-pressure pair is read.
                                Ok(Some(Entry::Reading(reading))) => {
                                    return Ok(Some(Entry::Reading(reading)))
                                }
                                Ok(_) if in_correlation => {}
                                Ok(Some(entry)) => return Ok(Some(entry)),
                                Ok(None) => {}
                                Err(Problem::Entity) => return Err(Error::Entity {
                                    place: self.place("Record"),
                                    what: "an attribute uses an entity that XML does not predefine"
                                        .into(),
                                }),
                                Err(Problem::Malformed(what)) => {
                                    return Err(Error::Malformed {
                                        place: self.place("Record"),
                                        what,
                                    })
                                }
                            }
                        }
                        "Correlation" => self.in_correlation = has_children,
                        "HealthData" => self.seen_root = true,
                        _ => {}
                    }
                }
                Event::End(element) if element.name().as_ref() == "Correlation" => {
                    self.in_correlation = false;
                }
                Event::DocType(doctype)
                    if memchr::memmem::find(doctype.as_ref().as_bytes(), b"<!ENTITY").is_some() =>
                {
                    return Err(Error::Entity {
                        place: self.place("!DOCTYPE"),
                        what: "the DTD declares entities".into(),
                    });
                }
                Event::GeneralRef(reference) => {
                    let predefined =
                        matches!(reference.as_ref(), "lt" | "gt" | "amp" | "apos" | "quot");
                    if !predefined && !reference.is_char_ref() {
                        return Err(Error::Entity {
                            place: format!("XML at byte {}", self.xml.buffer_position()),
                            what: "an entity that XML does not predefine".into(),
                        });
                    }
                }
                Event::Eof => {
                    if !self.seen_root {
                        return Err(Error::Malformed {
                            place: format!("XML at byte {}", self.xml.buffer_position()),
                            what: "no <HealthData> element: not an Apple Health export".into(),
                        });
                    }
                    return Ok(None);
                }
                _ => {}
            }
        }
    }
}

/// What is wrong with a Record.
enum Problem {
    Malformed(String),
    Entity,
}

impl From<&str> for Problem {
    fn from(what: &str) -> Problem {
        Problem::Malformed(what.to_owned())
    }
}

/// The Record types Tend keeps, and how their units read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    HeartRate,
    Systolic,
    Diastolic,
    OxygenSaturation,
    BodyTemperature,
    BloodGlucose,
    BodyMass,
    BodyFat,
    Bmi,
    RespiratoryRate,
}

fn kind(record_type: &[u8]) -> Option<Kind> {
    let name = record_type.strip_prefix(b"HKQuantityTypeIdentifier")?;
    Some(match name {
        b"HeartRate" => Kind::HeartRate,
        b"BloodPressureSystolic" => Kind::Systolic,
        b"BloodPressureDiastolic" => Kind::Diastolic,
        b"OxygenSaturation" => Kind::OxygenSaturation,
        b"BodyTemperature" => Kind::BodyTemperature,
        b"BloodGlucose" => Kind::BloodGlucose,
        b"BodyMass" => Kind::BodyMass,
        b"BodyFatPercentage" => Kind::BodyFat,
        b"BodyMassIndex" => Kind::Bmi,
        b"RespiratoryRate" => Kind::RespiratoryRate,
        _ => return None,
    })
}

const KG_PER_STONE: f64 = 6.350_293_18;

/// The metric, the value in a Tend unit, or why the unit is not one Tend reads.
fn convert(
    kind: Kind,
    unit: &str,
    value: f64,
) -> std::result::Result<(Metric, f64, Unit), SkipReason> {
    use Kind::*;
    let unknown = Err(SkipReason::UnknownUnit);
    let result = match (kind, unit) {
        (HeartRate, "count/min") => (Metric::HeartRate, value, Unit::PerMinute),
        (RespiratoryRate, "count/min") => (Metric::RespiratoryRate, value, Unit::PerMinute),
        (Systolic, "mmHg") => (Metric::Systolic, value, Unit::MillimetreOfMercury),
        (Diastolic, "mmHg") => (Metric::Diastolic, value, Unit::MillimetreOfMercury),
        (Systolic, "kPa") => (Metric::Systolic, value, Unit::Kilopascal),
        (Diastolic, "kPa") => (Metric::Diastolic, value, Unit::Kilopascal),
        // HealthKit's "%" is a fraction: 0.97 is 97 %.
        (OxygenSaturation, "%") => (Metric::Spo2, value * 100.0, Unit::Percent),
        (BodyFat, "%") => (Metric::BodyFat, value * 100.0, Unit::Percent),
        (BodyTemperature, "degC") => (Metric::BodyTemperature, value, Unit::Celsius),
        (BodyTemperature, "degF") => (Metric::BodyTemperature, value, Unit::Fahrenheit),
        (BloodGlucose, "mg/dL") => (Metric::Glucose, value, Unit::MilligramPerDecilitre),
        // HealthKit writes molar glucose with its molar mass: `mmol<180.1558800000541>/L`.
        (BloodGlucose, u) if u == "mmol/L" || (u.starts_with("mmol<") && u.ends_with(">/L")) => {
            (Metric::Glucose, value, Unit::MillimolePerLitre)
        }
        (BodyMass, "kg") => (Metric::Weight, value, Unit::Kilogram),
        (BodyMass, "lb") => (Metric::Weight, value, Unit::Pound),
        (BodyMass, "g") => (Metric::Weight, value / 1000.0, Unit::Kilogram),
        (BodyMass, "st") => (Metric::Weight, value * KG_PER_STONE, Unit::Kilogram),
        (Bmi, "count") => (Metric::Bmi, value, Unit::KilogramPerSquareMetre),
        _ => return unknown,
    };
    Ok(result)
}

/// One Record: a reading, a skip, or what is wrong with it.
fn record(
    element: &BytesStart<'_>,
    sources: &mut SourceNames,
) -> std::result::Result<Option<Entry>, Problem> {
    let mut found_kind = None;
    let (mut unit, mut value, mut start, mut source) = (None, None, None, None);
    for attribute in element.attributes().with_checks(false) {
        let attribute =
            attribute.map_err(|e| Problem::Malformed(format!("a malformed attribute ({e})")))?;
        match attribute.key.as_ref() {
            "type" => match kind(attribute.value.as_bytes()) {
                Some(kind) => found_kind = Some(kind),
                None => return Ok(Some(Entry::Skipped(SkipReason::NotAVital))),
            },
            "unit" => unit = Some(text(&attribute)?),
            "value" => value = Some(text(&attribute)?),
            "startDate" => start = Some(text(&attribute)?),
            "sourceName" => source = Some(text(&attribute)?),
            _ => {}
        }
    }
    let Some(kind) = found_kind else {
        return Err(Problem::from("a Record without a type"));
    };
    let Some(value) = value else {
        return Ok(Some(Entry::Skipped(SkipReason::NoValue)));
    };
    let value: f64 = value
        .trim()
        .parse()
        .ok()
        .filter(|v: &f64| v.is_finite())
        .ok_or(Problem::from("the value is not a number"))?;
    let start = start.ok_or(Problem::from("a Record without a startDate"))?;
    let time = time::apple(&start).ok_or(Problem::from(
        "the startDate is not `YYYY-MM-DD HH:MM:SS ±HHMM`",
    ))?;
    let (metric, value, unit) = match convert(kind, unit.as_deref().unwrap_or(""), value) {
        Ok(converted) => converted,
        Err(reason) => return Ok(Some(Entry::Skipped(reason))),
    };
    if let Err(reason) = plausible::check(metric, value, unit) {
        return Ok(Some(Entry::Skipped(reason)));
    }
    Ok(Some(Entry::Reading(ImportedReading {
        metric,
        time,
        value,
        unit,
        device_kind: DeviceKind::Unknown,
        source: sources.get(source.as_deref().unwrap_or("Apple Health")),
    })))
}

/// An attribute's text with XML's predefined entities resolved; any other entity is an error.
fn text(attribute: &Attribute<'_>) -> std::result::Result<String, Problem> {
    if !attribute.value.contains('&') {
        return Ok(attribute.value.to_string());
    }
    attribute
        .normalized_value(quick_xml::XmlVersion::Implicit1_0)
        .map(|v| v.into_owned())
        .map_err(|_| Problem::Entity)
}
