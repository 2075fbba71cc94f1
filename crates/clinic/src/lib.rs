//! Clinical summaries computed to published guidelines, for the clinic report and the alerts
//! built on the same rules: CGM time in ranges (Battelino 2019) and GMI (Bergenstal 2018), the
//! home blood-pressure protocol (ESH 2008/2021, AHA 2019), weight and the heart-failure rule
//! (ESC/HFA 2021), SpO2 bands (NHS oximetry@home, BTS 2017), heart rate, medication adherence.
//!
//! Pure: no I/O, no clock. The period, the patient's zone and "now" are passed in. Every rule
//! names its source in its module; `docs/clinical-rules.md` lists them all with full citations.

mod alerts;
mod blood_pressure;
mod bp_week;
pub mod example;
mod glucose;
mod heart_rate;
mod local_time;
mod medication;
mod report;
mod spo2;
mod statistics;
mod weight;

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use tend_vitals::{QualityFlag, Reading};

pub use alerts::{
    rule_text, AlertEvaluator, AlertRule, AlertSettings, ClinicAlert, CRISIS_DIASTOLIC_AT_LEAST,
    CRISIS_SYSTOLIC_AT_LEAST, SPO2_LOWER_TARGET_BELOW, SPO2_LOW_AT_MOST, VERY_LOW_SYSTOLIC_BELOW,
};
pub use blood_pressure::{
    blood_pressure_days, home_blood_pressure, pair_blood_pressure, valid_for_home_average,
    BloodPressureDay, BloodPressureReading, BloodPressureSummary, HomeBloodPressureClass,
    HYPERTENSION_DIASTOLIC_AT_LEAST, HYPERTENSION_SYSTOLIC_AT_LEAST, NORMAL_DIASTOLIC_BELOW,
    NORMAL_SYSTOLIC_BELOW, PROTOCOL_DAYS, PROTOCOL_MINIMUM_DAYS, PROTOCOL_MINIMUM_READINGS,
};
pub use bp_week::{
    bp_week_progress, BpSlot, BpWeekProgress, SlotDue, EVENING_FROM_HOUR, READINGS_PER_SLOT,
};
pub use glucose::{
    cgm_summary, daily_traces, glucose_profile, glucose_range, gmi_percent, meter_summary,
    ranges_percent, reading_interval, DailyTrace, GlucoseMeterSummary, GlucoseProfile,
    GlucoseRange, GlucoseSummary, MeterTimeOfDay, ProfileSlot, RangesPercent, Sufficiency,
    TargetCheck, TimeOfDay, TracePoint, CV_STABLE_AT_MOST_PERCENT, DEFAULT_CGM_INTERVAL,
    HIGH_ABOVE_MG_DL, LOW_BELOW_MG_DL, SUFFICIENT_ACTIVE_PERCENT, SUFFICIENT_DAYS,
    VERY_HIGH_ABOVE_MG_DL, VERY_LOW_BELOW_MG_DL,
};
pub use heart_rate::{heart_rate_summary, HeartRateSummary, FAST_ABOVE_BPM, SLOW_BELOW_BPM};
pub use local_time::{date_of_day, day_of_date, local_day, start_of_day, LocalSample};
pub use medication::{medication_summaries, MedicationSummary, NamedMedication};
pub use report::{
    clinic_report, report_with_charts, ClinicReport, Measurement, ReportCharts, ReportInput,
    ReportSettings,
};
pub use spo2::{spo2_summary, Spo2Bands, Spo2Summary, Spo2Target};
pub use weight::{
    rapid_gains, weight_days, weight_summary, RapidGain, WeightDay, WeightSummary,
    RAPID_GAIN_MORE_THAN_KG, RAPID_GAIN_WITHIN_DAYS,
};

/// What can be wrong with what a caller asks for. Never carries health values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    #[error("the period must end after it starts")]
    EmptyPeriod,
    #[error("a date falls outside the range the calendar can represent")]
    OutOfRange,
}

pub type Result<T> = std::result::Result<T, Error>;

/// A report period, `[from, until)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Period {
    pub from: Timestamp,
    pub until: Timestamp,
}

impl Period {
    pub fn new(from: Timestamp, until: Timestamp) -> Result<Period> {
        if from < until {
            Ok(Period { from, until })
        } else {
            Err(Error::EmptyPeriod)
        }
    }

    /// The `days` days up to `until` (the report's default is 14).
    pub fn last_days(until: Timestamp, days: i64) -> Result<Period> {
        let from = until
            .checked_sub(SignedDuration::from_hours(days.saturating_mul(24)))
            .map_err(|_| Error::OutOfRange)?;
        Period::new(from, until)
    }

    pub fn contains(&self, at: Timestamp) -> bool {
        self.from <= at && at < self.until
    }

    pub fn duration(&self) -> SignedDuration {
        self.until.duration_since(self.from)
    }
}

/// Whether a reading can be summarised at all: not flagged by its device as invalid, faulty,
/// not the patient's, a sample problem, an early estimate, or measured without sensor contact.
/// (A value beyond the device's range stays in: "HI" and "LO" glucose matter.)
pub fn usable(reading: &Reading) -> bool {
    ![
        QualityFlag::Invalid,
        QualityFlag::NotPatientData,
        QualityFlag::DeviceFault,
        QualityFlag::SampleProblem,
        QualityFlag::EarlyEstimate,
        QualityFlag::NoSensorContact,
    ]
    .into_iter()
    .any(|flag| reading.quality.contains(flag))
}
