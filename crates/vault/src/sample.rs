//! What the vault stores for one reading, and which series it belongs to.

use jiff::Timestamp;
use tend_vitals::{DeviceKind, Metric, Unit};

use crate::{Error, Result};

/// One stored reading: the value exactly as measured, in the unit it was measured in.
///
/// `flags` are the caller's quality and time-source bits, stored as given.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    pub time: Timestamp,
    pub value: f64,
    pub unit: Unit,
    /// The device's record number, for meters that number their stored readings.
    pub sequence: Option<u32>,
    pub flags: u16,
}

/// Which time series: one metric from one source. `device` is a free label (a paired device's
/// id, an imported file's source name); empty for manual entries.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct SeriesKey {
    pub device: String,
    pub metric: Metric,
}

/// A time series as stored: which one, and the kind of device its source is (kept sealed with
/// its name; a series first written before kinds were kept reads as `Unknown`).
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct Series {
    #[serde(flatten)]
    pub key: SeriesKey,
    #[serde(default)]
    pub kind: DeviceKind,
}

impl Series {
    pub fn new(device: impl Into<String>, metric: Metric, kind: DeviceKind) -> Series {
        Series {
            key: SeriesKey {
                device: device.into(),
                metric,
            },
            kind,
        }
    }

    pub fn metric(&self) -> Metric {
        self.key.metric
    }

    pub fn device(&self) -> &str {
        &self.key.device
    }
}

impl Sample {
    /// Checks what the store relies on: a finite value, a unit of the series' metric, and a time
    /// the vault can hold (1678 to 2262, nanosecond precision).
    pub(crate) fn validate(&self, metric: Metric) -> Result<()> {
        if !self.value.is_finite() {
            return Err(Error::InvalidInput(
                "the value is not a finite number".into(),
            ));
        }
        if !metric.accepts(self.unit) {
            return Err(Error::InvalidInput(format!(
                "unit {} does not measure {metric}",
                self.unit
            )));
        }
        time_ns(self.time)?;
        Ok(())
    }
}

/// An hour in nanoseconds: the unit of the time keys kept in clear.
pub(crate) const HOUR_NS: i64 = 3_600_000_000_000;

/// Nanoseconds since the Unix epoch, as chunks store time.
pub(crate) fn time_ns(time: Timestamp) -> Result<i64> {
    i64::try_from(time.as_nanosecond())
        .map_err(|_| Error::InvalidInput("the time is outside 1678–2262".into()))
}

pub(crate) fn from_ns(ns: i64) -> Result<Timestamp> {
    Timestamp::from_nanosecond(i128::from(ns)).map_err(|_| Error::Corrupt)
}
