//! Into the vocabulary: decoded measurements as `tend_vitals::Reading`s.
//!
//! Time comes in through [`Context`], never from a clock. A measurement stamped by the device
//! (with a complete, existing date) is placed in the context's time zone and marked
//! [`TimeSource::Device`]; otherwise it gets the receive time and [`TimeSource::Received`].
//! A special value or an unsuccessful measurement becomes a [`NoValue`], never a number.

use jiff::{civil, tz::TimeZone, SignedDuration, Timestamp};
use tend_vitals::{Metric, Quality, QualityFlag, Reading, TimeSource, Unit};

use crate::blood_pressure::{
    BloodPressureMeasurement, BloodPressureStatus, PressureUnit, PulseRateRange,
};
use crate::body_composition::BodyCompositionMeasurement;
use crate::cgm::{CgmMeasurement, CgmRecord, CgmSessionStartTime};
use crate::date_time::DateTime;
use crate::glucose::{GlucoseMeasurement, GlucoseUnit};
use crate::heart_rate::{HeartRateMeasurement, SensorContact};
use crate::ieee11073::{decimal, Number, Special};
use crate::pulse_oximetry::{
    PlxContinuous, PlxDeviceSensorStatus, PlxMeasurementStatus, PlxSpotCheck,
};
use crate::temperature::{TemperatureMeasurement, TemperatureUnit};
use crate::weight::{UnitSystem, WeightMeasurement};
use crate::BatteryLevel;

/// What a conversion needs from outside: when the value arrived, and the zone device clocks keep.
#[derive(Debug, Clone)]
pub struct Context {
    pub received: Timestamp,
    pub time_zone: TimeZone,
}

/// The readings a measurement gives, and the metrics it names without a value.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Readings {
    pub values: Vec<Reading>,
    pub no_values: Vec<NoValue>,
}

/// A metric the device measured but gave no number for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoValue {
    pub metric: Metric,
    pub time: Timestamp,
    pub time_source: TimeSource,
    pub reason: NoValueReason,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoValueReason {
    /// An IEEE-11073 special value: NaN, NRes, ±INF or reserved.
    Special(Special),
    /// The device reports the measurement unsuccessful (weight or body fat 0xFFFF).
    MeasurementUnsuccessful,
}

/// Conversion of a decoded measurement into readings.
pub trait ToReadings {
    fn to_readings(&self, context: &Context) -> Readings;
}

/// When a set of readings was taken, and who said so.
#[derive(Debug, Clone, Copy)]
struct At {
    time: Timestamp,
    source: TimeSource,
}

impl Context {
    fn received(&self) -> At {
        At {
            time: self.received,
            source: TimeSource::Received,
        }
    }

    /// The device's timestamp if it names a real instant, otherwise the receive time.
    fn device_or_received(&self, timestamp: Option<&DateTime>) -> At {
        timestamp
            .and_then(DateTime::to_civil)
            .and_then(|t| self.place(t))
            .unwrap_or_else(|| self.received())
    }

    fn place(&self, t: civil::DateTime) -> Option<At> {
        let time = t.to_zoned(self.time_zone.clone()).ok()?.timestamp();
        Some(At {
            time,
            source: TimeSource::Device,
        })
    }
}

impl Readings {
    /// Adds `metric` from an IEEE-11073 number, its value multiplied by 10^`shift` (a unit change
    /// done in decimal, so 55e-4 mol/L is exactly 5.5 mmol/L).
    fn number(
        &mut self,
        metric: Metric,
        number: Number,
        shift: i32,
        unit: Unit,
        at: At,
        quality: Quality,
    ) {
        match number {
            Number::Finite { mantissa, exponent } => {
                let value = decimal(i64::from(mantissa), i32::from(exponent) + shift);
                self.value(metric, Some(value), unit, at, quality);
            }
            Number::Special(special) => self.none(metric, at, NoValueReason::Special(special)),
        }
    }

    /// Adds `metric` from a plain value, or a [`NoValue`] if the measurement was unsuccessful.
    fn value(&mut self, metric: Metric, value: Option<f64>, unit: Unit, at: At, quality: Quality) {
        match value {
            // Units and metrics are paired in this file and values are finite: `new` cannot fail.
            Some(v) => {
                if let Ok(r) = Reading::new(metric, at.time, v, unit, at.source) {
                    self.values.push(r.with_quality(quality));
                }
            }
            None => self.none(metric, at, NoValueReason::MeasurementUnsuccessful),
        }
    }

    fn none(&mut self, metric: Metric, at: At, reason: NoValueReason) {
        self.no_values.push(NoValue {
            metric,
            time: at.time,
            time_source: at.source,
            reason,
        });
    }
}

impl ToReadings for HeartRateMeasurement {
    fn to_readings(&self, context: &Context) -> Readings {
        let mut quality = Quality::default();
        quality.set_if(
            QualityFlag::NoSensorContact,
            self.sensor_contact == SensorContact::NotDetected,
        );
        let mut out = Readings::default();
        out.value(
            Metric::HeartRate,
            Some(f64::from(self.bpm)),
            Unit::PerMinute,
            context.received(),
            quality,
        );
        out
    }
}

fn blood_pressure_quality(status: Option<BloodPressureStatus>) -> Quality {
    let mut q = Quality::default();
    if let Some(s) = status {
        q.set_if(QualityFlag::BodyMovement, s.body_movement());
        q.set_if(QualityFlag::CuffFitLoose, s.cuff_too_loose());
        q.set_if(QualityFlag::IrregularPulse, s.irregular_pulse());
        q.set_if(
            QualityFlag::PulseRateOutOfRange,
            s.pulse_rate_range() != PulseRateRange::WithinRange,
        );
        q.set_if(QualityFlag::ImproperPosition, s.improper_position());
    }
    q
}

impl ToReadings for BloodPressureMeasurement {
    fn to_readings(&self, context: &Context) -> Readings {
        let at = context.device_or_received(self.timestamp.as_ref());
        let quality = blood_pressure_quality(self.status);
        let unit = match self.unit {
            PressureUnit::MmHg => Unit::MillimetreOfMercury,
            PressureUnit::KPa => Unit::Kilopascal,
        };
        let mut out = Readings::default();
        out.number(Metric::Systolic, self.systolic, 0, unit, at, quality);
        out.number(Metric::Diastolic, self.diastolic, 0, unit, at, quality);
        out.number(
            Metric::MeanArterial,
            self.mean_arterial,
            0,
            unit,
            at,
            quality,
        );
        if let Some(p) = self.pulse_rate {
            out.number(Metric::PulseRate, p, 0, Unit::PerMinute, at, quality);
        }
        out
    }
}

impl ToReadings for TemperatureMeasurement {
    fn to_readings(&self, context: &Context) -> Readings {
        let at = context.device_or_received(self.timestamp.as_ref());
        let unit = match self.unit {
            TemperatureUnit::Celsius => Unit::Celsius,
            TemperatureUnit::Fahrenheit => Unit::Fahrenheit,
        };
        let mut out = Readings::default();
        out.number(
            Metric::BodyTemperature,
            self.temperature,
            0,
            unit,
            at,
            Quality::default(),
        );
        out
    }
}

fn plx_quality(
    status: Option<PlxMeasurementStatus>,
    device: Option<PlxDeviceSensorStatus>,
) -> Quality {
    let mut q = Quality::default();
    if let Some(s) = status {
        q.set_if(
            QualityFlag::EarlyEstimate,
            s.measurement_ongoing() || s.early_estimated_data(),
        );
        q.set_if(
            QualityFlag::Questionable,
            s.questionable_measurement() || s.calibration_ongoing(),
        );
        q.set_if(
            QualityFlag::Invalid,
            s.invalid_measurement() || s.measurement_unavailable(),
        );
        q.set_if(
            QualityFlag::NotPatientData,
            s.for_demonstration() || s.for_testing(),
        );
    }
    if let Some(d) = device {
        q.set_if(
            QualityFlag::DeviceFault,
            d.equipment_malfunction() || d.sensor_malfunctioning(),
        );
        q.set_if(
            QualityFlag::NoSensorContact,
            d.sensor_unconnected() || d.sensor_disconnected() || d.sensor_displaced(),
        );
        q.set_if(
            QualityFlag::Questionable,
            d.signal_processing_irregularity()
                || d.inadequate_signal()
                || d.poor_signal()
                || d.low_perfusion()
                || d.erratic_signal()
                || d.nonpulsatile_signal()
                || d.questionable_pulse()
                || d.sensor_interference()
                || d.unknown_sensor(),
        );
    }
    q
}

impl ToReadings for PlxSpotCheck {
    fn to_readings(&self, context: &Context) -> Readings {
        // A clock the device says is not set does not place a reading in time.
        let timestamp = self.timestamp.filter(|_| !self.device_clock_not_set);
        let at = context.device_or_received(timestamp.as_ref());
        let quality = plx_quality(self.measurement_status, self.device_sensor_status);
        let mut out = Readings::default();
        out.number(
            Metric::Spo2,
            self.reading.spo2,
            0,
            Unit::Percent,
            at,
            quality,
        );
        out.number(
            Metric::PulseRate,
            self.reading.pulse_rate,
            0,
            Unit::PerMinute,
            at,
            quality,
        );
        out
    }
}

impl ToReadings for PlxContinuous {
    fn to_readings(&self, context: &Context) -> Readings {
        let at = context.received();
        let quality = plx_quality(self.measurement_status, self.device_sensor_status);
        let mut out = Readings::default();
        out.number(
            Metric::Spo2,
            self.normal.spo2,
            0,
            Unit::Percent,
            at,
            quality,
        );
        out.number(
            Metric::PulseRate,
            self.normal.pulse_rate,
            0,
            Unit::PerMinute,
            at,
            quality,
        );
        out
    }
}

impl ToReadings for GlucoseMeasurement {
    fn to_readings(&self, context: &Context) -> Readings {
        let mut out = Readings::default();
        let Some(c) = self.concentration else {
            return out;
        };
        let offset = SignedDuration::from_mins(i64::from(self.time_offset_min.unwrap_or(0)));
        let at = self
            .base_time
            .to_civil()
            .and_then(|t| t.checked_add(offset).ok())
            .and_then(|t| context.place(t))
            .unwrap_or_else(|| context.received());
        let mut quality = Quality::default();
        if let Some(s) = self.sensor_status {
            quality.set_if(QualityFlag::LowBattery, s.battery_low());
            quality.set_if(QualityFlag::DeviceFault, s.device_fault());
            quality.set_if(QualityFlag::SampleProblem, s.sample_problem());
            quality.set_if(QualityFlag::OutOfDeviceRange, s.out_of_device_range());
            quality.set_if(
                QualityFlag::TemperatureOutOfRange,
                s.temperature_out_of_range(),
            );
            quality.set_if(QualityFlag::TimeFault, s.time_fault());
        }
        // kg/L to mg/dL is ×10^5; mol/L to mmol/L is ×10^3.
        let (shift, unit) = match c.unit {
            GlucoseUnit::KilogramPerLitre => (5, Unit::MilligramPerDecilitre),
            GlucoseUnit::MolePerLitre => (3, Unit::MillimolePerLitre),
        };
        out.number(Metric::Glucose, c.value, shift, unit, at, quality);
        out
    }
}

impl ToReadings for WeightMeasurement {
    fn to_readings(&self, context: &Context) -> Readings {
        let at = context.device_or_received(self.timestamp.as_ref());
        let unit = mass_unit(self.units);
        let mut out = Readings::default();
        out.value(
            Metric::Weight,
            self.weight_value(),
            unit,
            at,
            Quality::default(),
        );
        if let Some(bmi) = self.bmi_value() {
            out.value(
                Metric::Bmi,
                Some(bmi),
                Unit::KilogramPerSquareMetre,
                at,
                Quality::default(),
            );
        }
        out
    }
}

impl ToReadings for BodyCompositionMeasurement {
    fn to_readings(&self, context: &Context) -> Readings {
        let at = context.device_or_received(self.timestamp.as_ref());
        let mut out = Readings::default();
        out.value(
            Metric::BodyFat,
            self.body_fat_percent(),
            Unit::Percent,
            at,
            Quality::default(),
        );
        if let Some(w) = self.mass(self.weight) {
            out.value(
                Metric::Weight,
                Some(w),
                mass_unit(self.units),
                at,
                Quality::default(),
            );
        }
        out
    }
}

fn mass_unit(units: UnitSystem) -> Unit {
    match units {
        UnitSystem::Si => Unit::Kilogram,
        UnitSystem::Imperial => Unit::Pound,
    }
}

fn cgm_quality(record: &CgmRecord) -> Quality {
    let mut q = Quality::default();
    let status = record.status.combined();
    let any = |bits: &[u32]| bits.iter().any(|b| status & (1 << b) != 0);
    q.set_if(QualityFlag::LowBattery, any(&[1]));
    q.set_if(QualityFlag::SampleProblem, any(&[2]));
    q.set_if(QualityFlag::DeviceFault, any(&[3, 5]));
    q.set_if(QualityFlag::TimeFault, any(&[8]));
    q.set_if(QualityFlag::CalibrationNeeded, any(&[9, 10, 11]));
    q.set_if(QualityFlag::TemperatureOutOfRange, any(&[12, 13]));
    q.set_if(QualityFlag::OutOfDeviceRange, any(&[22, 23]));
    q
}

impl CgmMeasurement {
    /// Readings placed by the session start time: start + each record's time offset.
    pub fn readings_since(&self, session: &CgmSessionStartTime, context: &Context) -> Readings {
        let start = session.start.to_civil().and_then(|t| {
            match (session.time_zone_minutes(), session.dst.minutes()) {
                // The device says its own offset from UTC: use it rather than ours.
                (Some(zone), dst) => {
                    let utc = t.to_zoned(TimeZone::UTC).ok()?.timestamp();
                    let offset = SignedDuration::from_mins(i64::from(zone + dst.unwrap_or(0)));
                    utc.checked_sub(offset).ok()
                }
                (None, _) => context.place(t).map(|at| at.time),
            }
        });
        match start {
            Some(start) => self.readings_from(context, |offset| {
                let time = start
                    .checked_add(SignedDuration::from_mins(i64::from(offset)))
                    .ok()?;
                Some(At {
                    time,
                    source: TimeSource::Device,
                })
            }),
            None => self.to_readings(context),
        }
    }

    fn readings_from(&self, context: &Context, at: impl Fn(u16) -> Option<At>) -> Readings {
        let mut out = Readings::default();
        for record in &self.records {
            let at = at(record.time_offset_min).unwrap_or_else(|| context.received());
            out.number(
                Metric::Glucose,
                record.glucose,
                0,
                Unit::MilligramPerDecilitre,
                at,
                cgm_quality(record),
            );
        }
        out
    }
}

impl ToReadings for CgmMeasurement {
    /// Without the session start time, the newest record is placed at the receive time and the
    /// others by their offsets before it.
    fn to_readings(&self, context: &Context) -> Readings {
        let newest = self
            .records
            .iter()
            .map(|r| r.time_offset_min)
            .max()
            .unwrap_or(0);
        self.readings_from(context, |offset| {
            let before = SignedDuration::from_mins(i64::from(newest.saturating_sub(offset)));
            let time = context.received.checked_sub(before).ok()?;
            Some(At {
                time,
                source: TimeSource::Received,
            })
        })
    }
}

impl ToReadings for BatteryLevel {
    fn to_readings(&self, context: &Context) -> Readings {
        let mut out = Readings::default();
        out.value(
            Metric::Battery,
            Some(f64::from(self.percent())),
            Unit::Percent,
            context.received(),
            Quality::default(),
        );
        out
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::Characteristic;

    fn context() -> Context {
        Context {
            received: "2024-06-01T12:00:00Z".parse().unwrap(),
            time_zone: TimeZone::fixed(jiff::tz::offset(2)),
        }
    }

    fn summary(readings: &Readings) -> Vec<(Metric, f64, Unit, String, TimeSource)> {
        readings
            .values
            .iter()
            .map(|r| {
                (
                    r.metric,
                    r.original_value(),
                    r.original_unit,
                    r.time.to_string(),
                    r.time_source,
                )
            })
            .collect()
    }

    #[test]
    fn blood_pressure_with_device_time_and_status() {
        // Nordic's BPS vector with a complete date: 2019-04-17 20:41:59 local (+02:00).
        let bytes = [
            0x1E, 0x8A, 0x00, 0x58, 0x00, 0x78, 0x00, 0xE3, 0x07, 0x04, 0x11, 0x14, 0x29, 0x3B,
            0x3C, 0x00, 0x01, 0x24, 0x00,
        ];
        let m = BloodPressureMeasurement::decode(&bytes).unwrap();
        let r = m.to_readings(&context());
        let t = "2019-04-17T18:41:59Z".to_string();
        assert_eq!(
            summary(&r),
            [
                (
                    Metric::Systolic,
                    138.0,
                    Unit::MillimetreOfMercury,
                    t.clone(),
                    TimeSource::Device
                ),
                (
                    Metric::Diastolic,
                    88.0,
                    Unit::MillimetreOfMercury,
                    t.clone(),
                    TimeSource::Device
                ),
                (
                    Metric::MeanArterial,
                    120.0,
                    Unit::MillimetreOfMercury,
                    t.clone(),
                    TimeSource::Device
                ),
                (
                    Metric::PulseRate,
                    60.0,
                    Unit::PerMinute,
                    t,
                    TimeSource::Device
                ),
            ]
        );
        let quality: Vec<_> = r.values[0].quality.iter().collect();
        assert_eq!(
            quality,
            [QualityFlag::IrregularPulse, QualityFlag::ImproperPosition]
        );
    }

    #[test]
    fn unknown_year_falls_back_to_receive_time() {
        let bytes = [
            0x02, 0x8A, 0x00, 0x58, 0x00, 0x78, 0x00, 0x00, 0x00, 0x04, 0x11, 0x14, 0x29, 0x3B,
        ];
        let r = BloodPressureMeasurement::decode(&bytes)
            .unwrap()
            .to_readings(&context());
        assert!(r
            .values
            .iter()
            .all(|v| v.time_source == TimeSource::Received && v.time == context().received));
    }

    #[test]
    fn special_values_are_no_value() {
        let bytes = [0x00, 0xFF, 0x07, 0x00, 0x08, 0x78, 0x00];
        let r = BloodPressureMeasurement::decode(&bytes)
            .unwrap()
            .to_readings(&context());
        assert_eq!(summary(&r).len(), 1);
        let reasons: Vec<_> = r.no_values.iter().map(|n| (n.metric, n.reason)).collect();
        assert_eq!(
            reasons,
            [
                (Metric::Systolic, NoValueReason::Special(Special::NaN)),
                (Metric::Diastolic, NoValueReason::Special(Special::NRes)),
            ]
        );
        let weight = WeightMeasurement::decode(&[0x00, 0xFF, 0xFF])
            .unwrap()
            .to_readings(&context());
        assert!(weight.values.is_empty());
        assert_eq!(
            weight.no_values[0].reason,
            NoValueReason::MeasurementUnsuccessful
        );
    }

    #[test]
    fn heart_rate_contact_and_receive_time() {
        let r = HeartRateMeasurement::decode(&[0x04, 0x48])
            .unwrap()
            .to_readings(&context());
        assert_eq!(
            summary(&r),
            [(
                Metric::HeartRate,
                72.0,
                Unit::PerMinute,
                "2024-06-01T12:00:00Z".into(),
                TimeSource::Received
            )]
        );
        assert!(r.values[0].quality.contains(QualityFlag::NoSensorContact));
    }

    #[test]
    fn glucose_in_canonical_units_keeps_the_original() {
        // 55e-4 mol/L = 5.5 mmol/L, at base time 2024-01-01 08:00 + 30 min, local +02:00.
        let bytes = [
            0x07, 0x2A, 0x00, 0xE8, 0x07, 1, 1, 8, 0, 0, 30, 0, 0x37, 0xC0, 0xF4,
        ];
        let r = GlucoseMeasurement::decode(&bytes)
            .unwrap()
            .to_readings(&context());
        assert_eq!(
            summary(&r),
            [(
                Metric::Glucose,
                5.5,
                Unit::MillimolePerLitre,
                "2024-01-01T06:30:00Z".into(),
                TimeSource::Device
            )]
        );
        assert!((r.values[0].value() - 99.088).abs() < 1e-9);
        // Nordic's 30 kg/L (a test value) would be 3,000,000 mg/dL: the conversion is still exact.
        let bytes = [
            0x1B, 1, 0, 0xE3, 0x07, 2, 27, 11, 10, 30, 0xFB, 0xFF, 30, 0, 0x12, 0b101, 0b1,
        ];
        let r = GlucoseMeasurement::decode(&bytes)
            .unwrap()
            .to_readings(&context());
        assert_eq!(r.values[0].value(), 3_000_000.0);
        let quality: Vec<_> = r.values[0].quality.iter().collect();
        assert_eq!(
            quality,
            [
                QualityFlag::LowBattery,
                QualityFlag::SampleProblem,
                QualityFlag::TemperatureOutOfRange
            ]
        );
    }

    #[test]
    fn cgm_records_are_placed_by_offset() {
        let bytes = [
            0x06, 0x00, 0x0C, 0x10, 0x05, 0x00, 0x06, 0x00, 0x0C, 0x10, 0x06, 0x00,
        ];
        let m = CgmMeasurement::decode(&bytes).unwrap();
        let r = m.to_readings(&context());
        let times: Vec<_> = r
            .values
            .iter()
            .map(|v| (v.time.to_string(), v.time_source))
            .collect();
        assert_eq!(
            times,
            [
                ("2024-06-01T11:59:00Z".into(), TimeSource::Received),
                ("2024-06-01T12:00:00Z".into(), TimeSource::Received)
            ]
        );
        // Session started 2018-04-24 13:08:24 at UTC+2h with 1 h DST: 10:08:24Z.
        let session =
            CgmSessionStartTime::decode(&[0xE2, 0x07, 4, 24, 13, 8, 24, 8, 4, 0xE0, 0xC2]).unwrap();
        let r = m.readings_since(&session, &context());
        let times: Vec<_> = r
            .values
            .iter()
            .map(|v| (v.time.to_string(), v.time_source))
            .collect();
        assert_eq!(
            times,
            [
                ("2018-04-24T10:13:24Z".into(), TimeSource::Device),
                ("2018-04-24T10:14:24Z".into(), TimeSource::Device)
            ]
        );
    }

    #[test]
    fn plx_spot_check_with_unset_clock_uses_receive_time() {
        let bytes = [0x11, 95, 0, 72, 0, 232, 7, 11, 29, 23, 8, 57];
        let r = PlxSpotCheck::decode(&bytes)
            .unwrap()
            .to_readings(&context());
        assert!(r
            .values
            .iter()
            .all(|v| v.time_source == TimeSource::Received));
        let bytes = [
            15, 172, 243, 190, 245, 232, 7, 11, 29, 23, 8, 57, 32, 64, 34, 0, 0, 102, 227,
        ];
        let r = PlxSpotCheck::decode(&bytes)
            .unwrap()
            .to_readings(&context());
        assert_eq!(
            summary(&r)[0],
            (
                Metric::Spo2,
                94.0,
                Unit::Percent,
                "2024-11-29T21:08:57Z".into(),
                TimeSource::Device
            )
        );
        let quality: Vec<_> = r.values[0].quality.iter().collect();
        assert_eq!(
            quality,
            [
                QualityFlag::EarlyEstimate,
                QualityFlag::Questionable,
                QualityFlag::DeviceFault
            ]
        );
    }

    #[test]
    fn weight_temperature_body_composition_battery() {
        let c = context();
        let w = WeightMeasurement::decode(&[0x09, 0x8C, 0x3C, 0xE6, 0x00, 0xBC, 0x02])
            .unwrap()
            .to_readings(&c);
        assert_eq!(
            w.values.iter().map(|v| v.metric).collect::<Vec<_>>(),
            [Metric::Weight, Metric::Bmi]
        );
        assert_eq!(
            (w.values[0].original_unit, w.values[0].original_value()),
            (Unit::Pound, 155.0)
        );
        let t = TemperatureMeasurement::decode(&[0x00, 0x6E, 0x01, 0x00, 0xFF])
            .unwrap()
            .to_readings(&c);
        assert_eq!(
            summary(&t),
            [(
                Metric::BodyTemperature,
                36.6,
                Unit::Celsius,
                "2024-06-01T12:00:00Z".into(),
                TimeSource::Received
            )]
        );
        let b = BodyCompositionMeasurement::decode(&[0x00, 0x04, 0xD7, 0x00, 0xB0, 0x36])
            .unwrap()
            .to_readings(&c);
        assert_eq!(
            b.values
                .iter()
                .map(|v| (v.metric, v.value()))
                .collect::<Vec<_>>(),
            [(Metric::BodyFat, 21.5), (Metric::Weight, 70.0)]
        );
        let battery = BatteryLevel::decode(&[0x55]).unwrap().to_readings(&c);
        assert_eq!(battery.values[0].value(), 85.0);
    }
}
