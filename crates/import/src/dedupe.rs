//! Duplicates across sources (pure): Apple Health holds the same reading from the phone, the
//! watch and the cuff's own app, and a second import meets the first. One reading at the same
//! instant, of the same metric and value (compared in the canonical unit, to 0.001) is kept once:
//! the first source seen keeps it, a later source's copy is dropped and counted against that
//! source. The same source repeating itself (Apple lists a blood-pressure pair inside its
//! correlation and again on its own) is folded silently.

use std::{collections::HashMap, sync::Arc};

use jiff::Timestamp;
use tend_vitals::Metric;

use crate::ImportedReading;

/// What identifies a reading across sources: metric, instant, value in the canonical unit
/// (thousandths).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ReadingKey {
    pub metric: Metric,
    pub time: Timestamp,
    pub value_milli: i64,
}

impl ReadingKey {
    /// The key of a reading; `None` for a value no unit conversion can express.
    pub fn of(reading: &ImportedReading) -> Option<ReadingKey> {
        let canonical = reading
            .unit
            .convert(reading.value, reading.metric.canonical_unit())
            .ok()?;
        Some(ReadingKey {
            metric: reading.metric,
            time: reading.time,
            value_milli: (canonical * 1000.0).round() as i64,
        })
    }
}

/// What happened to one reading offered to the [`Deduplicator`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Admission {
    Keep,
    /// Another source already gave this reading in this import.
    DuplicateOf(Arc<str>),
    /// The same source gave it earlier in this file.
    Repeat,
    /// The history already holds it (the caller's lookup said so).
    AlreadyStored,
}

/// Remembers the readings of one import: 24 bytes each (instant in ns, value, metric), with the
/// source as a small id — about 30 bytes a reading with the table's overhead.
#[derive(Debug, Default)]
pub struct Deduplicator {
    seen: HashMap<PackedKey, u32>,
    sources: Vec<Arc<str>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct PackedKey {
    time_ns: i64,
    value_milli: i64,
    metric: u8,
}

impl From<&ReadingKey> for PackedKey {
    fn from(key: &ReadingKey) -> PackedKey {
        let ns = key.time.as_nanosecond();
        PackedKey {
            time_ns: i64::try_from(ns).unwrap_or(if ns < 0 { i64::MIN } else { i64::MAX }),
            value_milli: key.value_milli,
            metric: key.metric as u8,
        }
    }
}

impl Deduplicator {
    pub fn new() -> Deduplicator {
        Deduplicator::default()
    }

    /// Decides on `reading`. `already_stored` answers whether the history holds the key already
    /// (Tend's earlier imports or devices); it is asked only for readings new to this import.
    pub fn admit(
        &mut self,
        reading: &ImportedReading,
        already_stored: &mut dyn FnMut(&ReadingKey) -> bool,
    ) -> Admission {
        let Some(key) = ReadingKey::of(reading) else {
            return Admission::Keep;
        };
        let source = self.source_id(&reading.source);
        let packed = PackedKey::from(&key);
        match self.seen.get(&packed) {
            Some(&first) if first == source => Admission::Repeat,
            Some(&first) => Admission::DuplicateOf(self.sources[first as usize].clone()),
            None => {
                self.seen.insert(packed, source);
                if already_stored(&key) {
                    Admission::AlreadyStored
                } else {
                    Admission::Keep
                }
            }
        }
    }

    fn source_id(&mut self, source: &Arc<str>) -> u32 {
        // Sources are few and shared: compare the pointer first, the text after.
        if let Some(at) = self
            .sources
            .iter()
            .rposition(|s| Arc::ptr_eq(s, source) || s == source)
        {
            return at as u32;
        }
        self.sources.push(source.clone());
        (self.sources.len() - 1) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tend_vitals::{DeviceKind, Unit};

    fn reading(source: &str, value: f64, unit: Unit) -> ImportedReading {
        ImportedReading {
            metric: Metric::Weight,
            time: Timestamp::from_second(1_700_000_000).expect("instant"),
            value,
            unit,
            device_kind: DeviceKind::Unknown,
            source: Arc::from(source),
        }
    }

    #[test]
    fn first_source_keeps_the_reading() {
        let mut dedupe = Deduplicator::new();
        let mut nothing_stored = |_: &ReadingKey| false;
        let check = |dedupe: &mut Deduplicator,
                     stored: &mut dyn FnMut(&ReadingKey) -> bool,
                     r: ImportedReading,
                     expected: Admission| {
            assert_eq!(dedupe.admit(&r, stored), expected, "{r:?}");
        };
        check(
            &mut dedupe,
            &mut nothing_stored,
            reading("Scale", 70.0, Unit::Kilogram),
            Admission::Keep,
        );
        check(
            &mut dedupe,
            &mut nothing_stored,
            reading("Health", 154.323_583_529_4, Unit::Pound),
            Admission::DuplicateOf(Arc::from("Scale")),
        );
        check(
            &mut dedupe,
            &mut nothing_stored,
            reading("Scale", 70.0, Unit::Kilogram),
            Admission::Repeat,
        );
        check(
            &mut dedupe,
            &mut nothing_stored,
            reading("Scale", 70.1, Unit::Kilogram),
            Admission::Keep,
        );
        let mut all_stored = |_: &ReadingKey| true;
        check(
            &mut dedupe,
            &mut all_stored,
            reading("Scale", 71.0, Unit::Kilogram),
            Admission::AlreadyStored,
        );
    }
}
