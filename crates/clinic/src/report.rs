//! The clinic report of a period: every summary whose condition has data, as one object that
//! serializes to the JSON contract of `tend report --format json`, and the chart data the PDF and
//! the app's Report screen draw.

use jiff::{tz::TimeZone, SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use tend_meds::DoseRecord;
use tend_vitals::{DeviceKind, Metric, Reading};

use crate::{
    blood_pressure::{
        blood_pressure_days, home_blood_pressure, pair_blood_pressure, BloodPressureDay,
        BloodPressureSummary,
    },
    glucose::{
        cgm_summary, daily_traces, glucose_profile, meter_summary, DailyTrace, GlucoseMeterSummary,
        GlucoseProfile, GlucoseSummary,
    },
    heart_rate::{heart_rate_summary, HeartRateSummary},
    local_time::LocalSample,
    medication::{medication_summaries, MedicationSummary, NamedMedication},
    spo2::{spo2_summary, Spo2Summary, Spo2Target},
    usable,
    weight::{weight_days, weight_summary, WeightDay, WeightSummary},
    Period,
};

/// One reading and the kind of device that measured it (which decides, for glucose, whether it
/// is a CGM's stream or a meter's spot reading).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Measurement {
    pub device_kind: DeviceKind,
    pub reading: Reading,
}

/// The patient's settings that change how the report reads the data.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ReportSettings {
    pub spo2_target: Spo2Target,
    /// The CGM's reading interval; `None`: the one the data shows (5 minutes if it cannot tell).
    #[cfg_attr(feature = "specta", specta(type = Option<String>))]
    pub cgm_interval: Option<SignedDuration>,
    /// The width of the glucose profile's time-of-day slots (default 30 minutes).
    pub profile_slot_minutes: u32,
    /// A dose left open this long after it was due counts as missed (core's 60 minutes).
    #[cfg_attr(feature = "specta", specta(type = String))]
    pub dose_grace: SignedDuration,
    /// A dose taken within this much of its due time is on time (core's 60 minutes).
    #[cfg_attr(feature = "specta", specta(type = String))]
    pub dose_on_time: SignedDuration,
}

impl Default for ReportSettings {
    fn default() -> ReportSettings {
        ReportSettings {
            spo2_target: Spo2Target::Standard,
            cgm_interval: None,
            profile_slot_minutes: 30,
            dose_grace: SignedDuration::from_mins(60),
            dose_on_time: SignedDuration::from_mins(60),
        }
    }
}

/// Everything a report is computed from; the caller reads it from the vault.
#[derive(Debug, Clone, Copy)]
pub struct ReportInput<'a> {
    pub period: Period,
    /// The patient's zone: local days and times of day are read on its clock.
    pub zone: &'a TimeZone,
    /// When the report is made: decides which open doses are already missed.
    pub now: Timestamp,
    /// Readings of any metric, in any order; those outside the period are ignored.
    pub measurements: &'a [Measurement],
    pub medications: &'a [NamedMedication],
    /// Dose records keyed by medication id.
    pub doses: &'a [DoseRecord<String>],
    pub settings: ReportSettings,
}

/// The clinic report: the JSON contract of `tend report --format json`. A section is absent
/// when the period has no data for it; numbers are not rounded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ClinicReport {
    pub from: Timestamp,
    pub until: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub glucose: Option<GlucoseSummary>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub glucose_meter: Option<GlucoseMeterSummary>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blood_pressure: Option<BloodPressureSummary>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<WeightSummary>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spo2: Option<Spo2Summary>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heart_rate: Option<HeartRateSummary>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub medication: Vec<MedicationSummary>,
}

impl ClinicReport {
    /// Whether no section has data.
    pub fn is_empty(&self) -> bool {
        self.glucose.is_none()
            && self.glucose_meter.is_none()
            && self.blood_pressure.is_none()
            && self.weight.is_none()
            && self.spo2.is_none()
            && self.heart_rate.is_none()
            && self.medication.is_empty()
    }
}

/// What the report's charts draw: the glucose profile and daily traces, daily blood pressure and
/// daily weight.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ReportCharts {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub glucose_profile: Option<GlucoseProfile>,
    pub glucose_days: Vec<DailyTrace>,
    pub blood_pressure_days: Vec<BloodPressureDay>,
    pub weight_days: Vec<WeightDay>,
}

/// The report of `input`.
pub fn clinic_report(input: &ReportInput<'_>) -> ClinicReport {
    build(input, false).0
}

/// The report of `input` and its chart data, in one pass over the readings.
pub fn report_with_charts(input: &ReportInput<'_>) -> (ClinicReport, ReportCharts) {
    build(input, true)
}

/// Readings sorted out by what the summaries need.
#[derive(Default)]
struct Sorted {
    cgm: Vec<LocalSample>,
    meter: Vec<LocalSample>,
    weight: Vec<LocalSample>,
    spo2: Vec<f64>,
    heart_rate: Vec<f64>,
}

fn build(input: &ReportInput<'_>, with_charts: bool) -> (ClinicReport, ReportCharts) {
    let period = input.period;
    let zone = input.zone;
    let mut sorted = Sorted::default();
    let in_period = |m: &&Measurement| period.contains(m.reading.time) && usable(&m.reading);
    for measurement in input.measurements.iter().filter(in_period) {
        let reading = &measurement.reading;
        let sample = || LocalSample::new(reading.time, reading.value(), zone);
        match reading.metric {
            Metric::Glucose if measurement.device_kind == DeviceKind::ContinuousGlucoseMonitor => {
                sorted.cgm.push(sample())
            }
            Metric::Glucose => sorted.meter.push(sample()),
            Metric::Weight => sorted.weight.push(sample()),
            Metric::Spo2 => sorted.spo2.push(reading.value()),
            Metric::HeartRate => sorted.heart_rate.push(reading.value()),
            _ => {}
        }
    }
    for samples in [&mut sorted.cgm, &mut sorted.meter, &mut sorted.weight] {
        samples.sort_by_key(|s| s.at);
    }
    let blood_pressure = pair_blood_pressure(
        input
            .measurements
            .iter()
            .filter(in_period)
            .map(|m| &m.reading),
    );
    let report = ClinicReport {
        from: period.from,
        until: period.until,
        glucose: cgm_summary(&sorted.cgm, period, input.settings.cgm_interval),
        glucose_meter: meter_summary(&sorted.meter),
        blood_pressure: home_blood_pressure(&blood_pressure, zone),
        weight: weight_summary(&sorted.weight),
        spo2: spo2_summary(&sorted.spo2, input.settings.spo2_target),
        heart_rate: heart_rate_summary(&sorted.heart_rate),
        medication: medication_summaries(
            input.medications,
            input.doses,
            period,
            input.now,
            input.settings.dose_grace,
            input.settings.dose_on_time,
        ),
    };
    let charts = if with_charts {
        ReportCharts {
            glucose_profile: (!sorted.cgm.is_empty())
                .then(|| glucose_profile(&sorted.cgm, input.settings.profile_slot_minutes)),
            glucose_days: daily_traces(&sorted.cgm),
            blood_pressure_days: blood_pressure_days(&blood_pressure, zone),
            weight_days: weight_days(&sorted.weight),
        }
    } else {
        ReportCharts::default()
    };
    (report, charts)
}
