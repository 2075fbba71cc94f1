//! Synthetic, deterministic patient data for benchmarks, tests, the README's report picture and
//! demos: a CGM every 5 minutes with meals and nights, home blood pressure morning and evening,
//! a daily weighing, and two medications. Not anyone's real data.

use jiff::{SignedDuration, Timestamp};
use tend_meds::{DoseRecord, DoseState};
use tend_vitals::{DeviceKind, Metric, Reading, TimeSource, Unit};

use crate::{Measurement, NamedMedication};

/// What the example contains.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExampleContents {
    pub cgm: bool,
    pub blood_pressure: bool,
    pub weight: bool,
    pub spo2: bool,
    pub heart_rate: bool,
}

impl ExampleContents {
    /// The benchmark's mix: CGM, blood pressure and weight.
    pub const CGM_BP_WEIGHT: ExampleContents = ExampleContents {
        cgm: true,
        blood_pressure: true,
        weight: true,
        spo2: false,
        heart_rate: false,
    };
    pub const EVERYTHING: ExampleContents = ExampleContents {
        cgm: true,
        blood_pressure: true,
        weight: true,
        spo2: true,
        heart_rate: true,
    };
}

/// A small deterministic generator (64-bit LCG, Knuth's constants).
#[derive(Debug, Clone)]
struct Noise(u64);

impl Noise {
    /// Uniform in [-1, 1).
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
    }
}

fn reading(metric: Metric, at: Timestamp, value: f64, unit: Unit) -> Option<Reading> {
    Reading::new(metric, at, value, unit, TimeSource::Device).ok()
}

/// `days` days of example readings from `from` (taken as local midnight; times are UTC).
pub fn example_measurements(
    from: Timestamp,
    days: i64,
    contents: ExampleContents,
) -> Vec<Measurement> {
    let mut noise = Noise(0x5eed);
    let mut out = Vec::new();
    let mut push = |kind, reading: Option<Reading>| {
        if let Some(reading) = reading {
            out.push(Measurement {
                device_kind: kind,
                reading,
            });
        }
    };
    if contents.cgm {
        let mut drift = 0.0;
        for step in 0..days * 288 {
            // A sensor change every 10 days leaves a 2-hour gap.
            if step % 2880 < 24 && step >= 2880 {
                continue;
            }
            let minute = (step * 5) % 1440;
            let hour = minute as f64 / 60.0;
            let meal = |at: f64, height: f64| {
                let t = hour - at;
                // Peaks at `height` 72 minutes after the meal.
                if t > 0.0 {
                    height * (t / 1.2) * (1.0 - t / 1.2).exp()
                } else {
                    0.0
                }
            };
            drift = 0.97 * drift + 2.5 * noise.next();
            let dawn = 15.0 * (-(hour - 6.5) * (hour - 6.5) / 2.0).exp();
            let night_low = if (2.0..4.0).contains(&hour) && (step / 288) % 9 == 4 {
                -55.0
            } else {
                0.0
            };
            let value = 108.0
                + dawn
                + meal(7.5, 75.0)
                + meal(12.5, 55.0)
                + meal(19.0, 95.0)
                + night_low
                + 6.0 * drift;
            push(
                DeviceKind::ContinuousGlucoseMonitor,
                reading(
                    Metric::Glucose,
                    from + SignedDuration::from_mins(step * 5),
                    value.clamp(40.0, 400.0),
                    Unit::MilligramPerDecilitre,
                ),
            );
        }
    }
    for day in 0..days {
        let midnight = from + SignedDuration::from_hours(24 * day);
        if contents.blood_pressure {
            for (minute, lift) in [(7 * 60 + 30, 4.0), (19 * 60 + 30, 0.0)] {
                let at = midnight + SignedDuration::from_mins(minute);
                let systolic = 137.0 + lift + 6.0 * noise.next() - 0.02 * day as f64;
                let diastolic = 83.0 + lift / 2.0 + 4.0 * noise.next();
                push(
                    DeviceKind::BloodPressureMonitor,
                    reading(
                        Metric::Systolic,
                        at,
                        systolic.round(),
                        Unit::MillimetreOfMercury,
                    ),
                );
                push(
                    DeviceKind::BloodPressureMonitor,
                    reading(
                        Metric::Diastolic,
                        at,
                        diastolic.round(),
                        Unit::MillimetreOfMercury,
                    ),
                );
            }
        }
        if contents.weight {
            let at = midnight + SignedDuration::from_mins(7 * 60 + 5);
            let fluid = if day % 47 == 20 {
                2.4
            } else if day % 47 == 21 {
                1.2
            } else {
                0.0
            };
            let kg = 84.0 - 0.01 * day as f64 + 0.3 * noise.next() + fluid;
            push(
                DeviceKind::Scale,
                reading(
                    Metric::Weight,
                    at,
                    (kg * 10.0).round() / 10.0,
                    Unit::Kilogram,
                ),
            );
        }
        if contents.spo2 {
            for hour in [8, 14, 21] {
                let at = midnight + SignedDuration::from_hours(hour);
                let value = (96.0 + 1.5 * noise.next()).round().min(100.0);
                push(
                    DeviceKind::PulseOximeter,
                    reading(Metric::Spo2, at, value, Unit::Percent),
                );
            }
        }
        if contents.heart_rate {
            for minute in (0..1440).step_by(10) {
                let at = midnight + SignedDuration::from_mins(minute);
                let hour = minute as f64 / 60.0;
                let awake = if (7.0..23.0).contains(&hour) {
                    14.0
                } else {
                    0.0
                };
                let value = (58.0 + awake + 6.0 * noise.next()).round();
                push(
                    DeviceKind::HeartRateMonitor,
                    reading(Metric::HeartRate, at, value, Unit::PerMinute),
                );
            }
        }
    }
    out
}

/// Two example medications and their doses over `days` days from `from`, recorded as things
/// stood at the end: mostly taken, a few late, skipped or missed.
pub fn example_medications(
    from: Timestamp,
    days: i64,
) -> (Vec<NamedMedication>, Vec<DoseRecord<String>>) {
    let medications = vec![
        NamedMedication {
            id: "metformin-500-mg".into(),
            name: "Metformin 500 mg".into(),
        },
        NamedMedication {
            id: "ramipril-5-mg".into(),
            name: "Ramipril 5 mg".into(),
        },
    ];
    let mut doses = Vec::new();
    for day in 0..days {
        let midnight = from + SignedDuration::from_hours(24 * day);
        for (id, minute) in [
            ("metformin-500-mg", 8 * 60),
            ("metformin-500-mg", 20 * 60),
            ("ramipril-5-mg", 8 * 60),
        ] {
            let due = midnight + SignedDuration::from_mins(minute);
            let state = match (day * 7 + minute / 60) % 23 {
                0 => DoseState::Missed,
                5 => DoseState::Skipped {
                    reason: "felt unwell".into(),
                },
                9 => DoseState::Taken {
                    at: due + SignedDuration::from_mins(95),
                },
                _ => DoseState::Taken {
                    at: due + SignedDuration::from_mins(10),
                },
            };
            doses.push(DoseRecord {
                medication: id.to_owned(),
                due,
                state,
            });
        }
    }
    (medications, doses)
}
