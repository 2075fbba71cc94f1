//! Whether the history already holds a reading: the same instant, metric and value (to 0.001 in
//! the canonical unit) from any source — a device, the patient, an earlier import — or a reading
//! of the same series at the same instant (a series keeps one reading an instant).
//!
//! The vault's readings are sealed, so they are looked up a day at a time: the first question
//! about a day of a metric opens that day of each of the metric's series (only those whose span
//! covers it) and keeps its keys; an import reads in near time order per metric, so most
//! questions are answered from memory. The kept days are bounded.

use std::collections::{HashMap, HashSet};

use jiff::{SignedDuration, Timestamp};
use tend_import::{ImportedReading, ReadingKey};
use tend_vault::{SeriesKey, Vault};
use tend_vitals::Metric;

use crate::Result;

/// Keys kept across days before the oldest are let go (about 40 bytes each).
const MAX_KEPT: usize = 2_000_000;
const DAY: SignedDuration = SignedDuration::from_hours(24);

/// What the vault held when the import began.
pub(super) struct History<'a> {
    vault: &'a Vault,
    /// Per metric, its series and the span each covers.
    series: HashMap<Metric, Vec<(SeriesKey, Timestamp, Timestamp)>>,
    days: HashMap<(Metric, i64), Day>,
    kept: usize,
}

#[derive(Default)]
struct Day {
    values: HashSet<ReadingKey>,
    /// (index of the series in `series[metric]`, instant)
    instants: HashSet<(usize, Timestamp)>,
}

impl<'a> History<'a> {
    pub async fn of(vault: &'a Vault) -> Result<History<'a>> {
        let mut series: HashMap<Metric, Vec<(SeriesKey, Timestamp, Timestamp)>> = HashMap::new();
        for found in vault.series().await?.data {
            if let Some((first, last)) = vault.span(&found.key).await? {
                series
                    .entry(found.metric())
                    .or_default()
                    .push((found.key, first, last));
            }
        }
        Ok(History {
            vault,
            series,
            days: HashMap::new(),
            kept: 0,
        })
    }

    /// Whether the history holds `reading` already.
    pub async fn holds(&mut self, reading: &ImportedReading) -> Result<bool> {
        let Some(series) = self.series.get(&reading.metric) else {
            return Ok(false);
        };
        let Some(key) = ReadingKey::of(reading) else {
            return Ok(false);
        };
        let own = series
            .iter()
            .position(|(s, _, _)| *s.device == *reading.source);
        let day = reading.time.as_second().div_euclid(DAY.as_secs());
        if !self.days.contains_key(&(reading.metric, day)) {
            self.load(reading.metric, day).await?;
        }
        Ok(self.days.get(&(reading.metric, day)).is_some_and(|d| {
            d.values.contains(&key) || own.is_some_and(|i| d.instants.contains(&(i, reading.time)))
        }))
    }

    async fn load(&mut self, metric: Metric, day: i64) -> Result<()> {
        if self.kept > MAX_KEPT {
            self.days.clear();
            self.kept = 0;
        }
        let from = Timestamp::from_second(day * DAY.as_secs()).unwrap_or(Timestamp::MIN);
        let until = from.checked_add(DAY).unwrap_or(Timestamp::MAX);
        let mut loaded = Day::default();
        let canonical = metric.canonical_unit();
        for (index, (key, first, last)) in
            self.series.get(&metric).into_iter().flatten().enumerate()
        {
            if *last <= from || *first >= until {
                continue;
            }
            // Damaged pieces are reported by the reads that show them; here they hold nothing.
            for sample in self.vault.read_series(key, from, until).await?.data {
                let Ok(value) = sample.unit.convert(sample.value, canonical) else {
                    continue;
                };
                loaded.values.insert(ReadingKey {
                    metric,
                    time: sample.time,
                    value_milli: (value * 1000.0).round() as i64,
                });
                loaded.instants.insert((index, sample.time));
            }
        }
        self.kept += loaded.values.len();
        self.days.insert((metric, day), loaded);
        Ok(())
    }
}
