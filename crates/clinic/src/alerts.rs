//! Alerts a clinician would endorse, from the same rules as the report: a single home
//! blood-pressure reading alerts only at crisis level or when very low; streams (heart rate,
//! SpO2, CGM) alert when out of range for a sustained time, not per reading; glucose below
//! 54 mg/dL alerts at once; a second alert in the same direction waits for a return to range
//! (unless it is a step worse: very low after low). Each alert names the rule that fired.
//!
//! Replaces `tend_vitals::Alerter` (one alert per excursion, any reading). Pure: time comes with
//! the readings; feed them in time order per metric.
//!
//! Sources (full citations in `docs/clinical-rules.md`): Whelton PK, Carey RM, et al. 2017
//! ACC/AHA guideline (hypertensive crisis > 180 and/or > 120 mmHg); NHS, Low blood pressure
//! (hypotension): below 90/60 mmHg; Battelino 2019 (glucose levels 1 and 2); NHS oximetry@home
//! and BTS 2017 (SpO2); Kusumoto 2018 ACC/AHA/HRS (bradycardia < 50 bpm); ESC 2021 and HFA 2021
//! (weight gain > 2 kg in 3 days).

use std::collections::{BTreeMap, VecDeque};

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use tend_vitals::{DeviceKind, Direction, Metric, Reading, ReferenceRange, Unit};

use crate::{
    glucose::{HIGH_ABOVE_MG_DL, LOW_BELOW_MG_DL, VERY_HIGH_ABOVE_MG_DL, VERY_LOW_BELOW_MG_DL},
    heart_rate::{FAST_ABOVE_BPM, SLOW_BELOW_BPM},
    usable,
    weight::{RAPID_GAIN_MORE_THAN_KG, RAPID_GAIN_WITHIN_DAYS},
    Spo2Target,
};

/// A single reading at or above this systolic (mmHg) alerts: hypertensive crisis (AHA/ACC 2017
/// uses > 180; Tend alerts from 180, the figure home-monitoring leaflets give).
pub const CRISIS_SYSTOLIC_AT_LEAST: f64 = 180.0;
/// A single reading at or above this diastolic (mmHg) alerts.
pub const CRISIS_DIASTOLIC_AT_LEAST: f64 = 120.0;
/// A single reading below this systolic (mmHg) alerts: hypotension (NHS: below 90/60).
pub const VERY_LOW_SYSTOLIC_BELOW: f64 = 90.0;
/// SpO2 at or below this (%) is the NHS oximetry@home red band for a standard target.
pub const SPO2_LOW_AT_MOST: f64 = 92.0;
/// SpO2 below this (%) is out of range for a lower (88–92 %) target (BTS 2017).
pub const SPO2_LOWER_TARGET_BELOW: f64 = 88.0;

/// How the alert rules are tuned. The defaults are the report's thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AlertSettings {
    /// A stream must stay out of range this long before it alerts (default 10 minutes).
    #[cfg_attr(feature = "specta", specta(type = String))]
    pub sustained_for: SignedDuration,
    /// A silence longer than this in a stream starts the count again (default 6 minutes: one
    /// missed 5-minute CGM reading is not a gap, two are).
    #[cfg_attr(feature = "specta", specta(type = String))]
    pub longest_gap: SignedDuration,
    /// Heart and pulse rate outside this range, sustained, alert (default 50–120 bpm).
    pub heart_rate: ReferenceRange,
    pub spo2_target: Spo2Target,
    /// Alert on a weight gain of more than 2 kg within 3 days (for heart failure; off by default).
    pub heart_failure_weight: bool,
}

impl Default for AlertSettings {
    fn default() -> AlertSettings {
        AlertSettings {
            sustained_for: SignedDuration::from_mins(10),
            longest_gap: SignedDuration::from_mins(6),
            heart_rate: ReferenceRange {
                low: SLOW_BELOW_BPM,
                high: FAST_ABOVE_BPM,
            },
            spo2_target: Spo2Target::Standard,
            heart_failure_weight: false,
        }
    }
}

/// Which rule fired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum AlertRule {
    /// One reading with systolic ≥ 180 or diastolic ≥ 120 mmHg.
    BloodPressureCrisis,
    /// One reading with systolic < 90 mmHg.
    BloodPressureVeryLow,
    /// Any glucose reading below 54 mg/dL: at once.
    GlucoseVeryLow,
    /// Glucose below 70 mg/dL: sustained from a CGM, at once from a meter.
    GlucoseLow,
    /// Glucose above 250 mg/dL: sustained from a CGM, at once from a meter.
    GlucoseVeryHigh,
    /// Heart or pulse rate below the range (50 bpm by default), sustained.
    HeartRateLow,
    /// Heart or pulse rate above the range (120 bpm by default), sustained.
    HeartRateHigh,
    /// SpO2 at or below 92 % (below 88 % for a lower target): sustained from a stream, at once
    /// from a spot check.
    Spo2Low,
    /// Weight more than 2 kg above a weighing of the last 3 days.
    WeightRapidGain,
}

/// One alert, for the notification and the "Alerts today" list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ClinicAlert {
    pub rule: AlertRule,
    pub metric: Metric,
    pub device_kind: DeviceKind,
    pub direction: Direction,
    /// The reading that fired it, in the metric's canonical unit.
    pub value: f64,
    pub at: Timestamp,
    /// When the value left its range (the same as `at` for a rule that fires at once).
    pub since: Timestamp,
    /// The rule that fired, in plain words (no value in it).
    pub rule_text: String,
}

/// Takes readings one at a time with the kind of device that measured them, keeps what the
/// rules need to remember, and says when to alert.
#[derive(Debug, Clone, Default)]
pub struct AlertEvaluator {
    settings: AlertSettings,
    channels: BTreeMap<Metric, Channel>,
    /// Weighings of the last 3 days, for the heart-failure rule.
    weights: VecDeque<(Timestamp, f64)>,
}

#[derive(Debug, Clone, Copy, Default)]
struct Channel {
    /// The direction and level of the last alert; cleared by a return to range.
    latched: Option<(Direction, u8)>,
    /// The current sustained excursion of a stream: its direction, start and latest reading.
    run: Option<(Direction, Timestamp, Timestamp)>,
    last_at: Option<Timestamp>,
}

/// What one reading says under the rules.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Verdict {
    /// Out of range: which way, how far (1, or 2 for the "very" levels), and whether it alerts at
    /// once or only when sustained.
    Out {
        direction: Direction,
        level: u8,
        rule: AlertRule,
        at_once: bool,
    },
    /// Not alerting, and not out in any direction.
    Quiet,
}

impl AlertEvaluator {
    pub fn new(settings: AlertSettings) -> AlertEvaluator {
        AlertEvaluator {
            settings,
            ..AlertEvaluator::default()
        }
    }

    pub fn settings(&self) -> &AlertSettings {
        &self.settings
    }

    /// Takes in one reading from a device of `kind`; returns an alert when a rule fires.
    /// Readings the device flagged as unusable are ignored, and so is a reading older than the
    /// last one of its metric.
    pub fn observe(&mut self, reading: &Reading, kind: DeviceKind) -> Option<ClinicAlert> {
        if !usable(reading) || !reading.value().is_finite() {
            return None;
        }
        let metric = reading.metric;
        let value = reading.value();
        let at = reading.time;
        let verdict = self.verdict(metric, kind, value, at)?;
        let stream = kind.streams(metric);
        let settings = self.settings;
        let channel = self.channels.entry(metric).or_default();
        if channel.last_at.is_some_and(|last| at < last) {
            return None;
        }
        channel.last_at = Some(at);
        if let Some((latched, _)) = channel.latched {
            let still_out =
                matches!(verdict, Verdict::Out { direction, .. } if direction == latched);
            if !still_out && back_in_range(&settings, metric, latched, value) {
                channel.latched = None;
            }
        }
        let Verdict::Out {
            direction,
            level,
            rule,
            at_once,
        } = verdict
        else {
            channel.run = None;
            return None;
        };
        let since = match channel.run {
            Some((run_direction, start, last))
                if run_direction == direction
                    && at.duration_since(last) <= settings.longest_gap =>
            {
                start
            }
            _ => at,
        };
        channel.run = Some((direction, since, at));
        let due = !stream || at_once || at.duration_since(since) >= settings.sustained_for;
        let latched = channel
            .latched
            .is_some_and(|(latched, latched_level)| latched == direction && latched_level >= level);
        if !due || latched {
            return None;
        }
        channel.latched = Some((direction, level));
        // Systolic and diastolic are one measurement: an excursion alerts once, whichever number
        // shows it first or later; it alerts again after both have come back.
        let other = match metric {
            Metric::Systolic => Some(Metric::Diastolic),
            Metric::Diastolic => Some(Metric::Systolic),
            _ => None,
        };
        let other_latched = other
            .and_then(|m| self.channels.get(&m))
            .and_then(|c| c.latched);
        if other_latched.is_some_and(|(d, l)| d == direction && l >= level) {
            return None;
        }
        Some(ClinicAlert {
            rule,
            metric,
            device_kind: kind,
            direction,
            value,
            at,
            since: if stream && !at_once { since } else { at },
            rule_text: rule_text(rule, &settings, stream && !at_once),
        })
    }

    /// What `value` of `metric` from `kind` says; `None` for metrics no rule watches.
    fn verdict(
        &mut self,
        metric: Metric,
        kind: DeviceKind,
        value: f64,
        at: Timestamp,
    ) -> Option<Verdict> {
        let out = |direction, level, rule, at_once| Verdict::Out {
            direction,
            level,
            rule,
            at_once,
        };
        let settings = self.settings;
        Some(match metric {
            Metric::Systolic if value >= CRISIS_SYSTOLIC_AT_LEAST => {
                out(Direction::High, 2, AlertRule::BloodPressureCrisis, true)
            }
            Metric::Systolic if value < VERY_LOW_SYSTOLIC_BELOW => {
                out(Direction::Low, 2, AlertRule::BloodPressureVeryLow, true)
            }
            Metric::Diastolic if value >= CRISIS_DIASTOLIC_AT_LEAST => {
                out(Direction::High, 2, AlertRule::BloodPressureCrisis, true)
            }
            Metric::Systolic | Metric::Diastolic => Verdict::Quiet,
            Metric::Glucose => {
                let whole = value.round();
                if whole < VERY_LOW_BELOW_MG_DL {
                    out(Direction::Low, 2, AlertRule::GlucoseVeryLow, true)
                } else if whole < LOW_BELOW_MG_DL {
                    out(Direction::Low, 1, AlertRule::GlucoseLow, false)
                } else if whole > VERY_HIGH_ABOVE_MG_DL {
                    out(Direction::High, 2, AlertRule::GlucoseVeryHigh, false)
                } else {
                    Verdict::Quiet
                }
            }
            Metric::HeartRate | Metric::PulseRate => {
                // A pulse from a blood-pressure cuff or typed in is a spot value: the report judges
                // it, alerts do not.
                if !kind.streams(metric) {
                    return None;
                }
                let whole = value.round();
                if whole < settings.heart_rate.low {
                    out(Direction::Low, 1, AlertRule::HeartRateLow, false)
                } else if whole > settings.heart_rate.high {
                    out(Direction::High, 1, AlertRule::HeartRateHigh, false)
                } else {
                    Verdict::Quiet
                }
            }
            Metric::Spo2 => {
                if spo2_low(&settings, value) {
                    out(Direction::Low, 1, AlertRule::Spo2Low, false)
                } else {
                    Verdict::Quiet
                }
            }
            Metric::Weight if settings.heart_failure_weight => {
                let window = SignedDuration::from_hours(24 * RAPID_GAIN_WITHIN_DAYS);
                while self
                    .weights
                    .front()
                    .is_some_and(|(earlier, _)| at.duration_since(*earlier) > window)
                {
                    self.weights.pop_front();
                }
                let lowest = self
                    .weights
                    .iter()
                    .filter(|(earlier, _)| *earlier <= at)
                    .map(|(_, kg)| *kg)
                    .fold(f64::INFINITY, f64::min);
                self.weights.push_back((at, value));
                if value - lowest > RAPID_GAIN_MORE_THAN_KG {
                    out(Direction::High, 1, AlertRule::WeightRapidGain, true)
                } else {
                    Verdict::Quiet
                }
            }
            _ => return None,
        })
    }
}

fn spo2_low(settings: &AlertSettings, value: f64) -> bool {
    let whole = value.round();
    match settings.spo2_target {
        Spo2Target::Standard => whole <= SPO2_LOW_AT_MOST,
        Spo2Target::Lower => whole < SPO2_LOWER_TARGET_BELOW,
    }
}

/// Whether `value` ends an excursion in `direction`: glucose back within 70–180 mg/dL, the
/// others back inside their alert thresholds.
fn back_in_range(
    settings: &AlertSettings,
    metric: Metric,
    direction: Direction,
    value: f64,
) -> bool {
    let whole = value.round();
    match (metric, direction) {
        (Metric::Glucose, Direction::Low) => whole >= LOW_BELOW_MG_DL,
        (Metric::Glucose, Direction::High) => whole <= HIGH_ABOVE_MG_DL,
        (Metric::Systolic, Direction::High) => value < CRISIS_SYSTOLIC_AT_LEAST,
        (Metric::Systolic, Direction::Low) => value >= VERY_LOW_SYSTOLIC_BELOW,
        (Metric::Diastolic, Direction::High) => value < CRISIS_DIASTOLIC_AT_LEAST,
        (Metric::HeartRate | Metric::PulseRate, Direction::Low) => whole >= settings.heart_rate.low,
        (Metric::HeartRate | Metric::PulseRate, Direction::High) => {
            whole <= settings.heart_rate.high
        }
        (Metric::Spo2, Direction::Low) => !spo2_low(settings, value),
        // A weighing that is no longer a rapid gain (the only way here) ends it.
        _ => true,
    }
}

/// The rule in plain words, for the "Alerts today" list. `sustained` says whether it fired on
/// a stream held out of range.
pub fn rule_text(rule: AlertRule, settings: &AlertSettings, sustained: bool) -> String {
    let minutes = settings.sustained_for.as_secs() / 60;
    let held = if sustained && minutes > 0 {
        format!(" for {minutes} minutes or more")
    } else {
        String::new()
    };
    match rule {
        AlertRule::BloodPressureCrisis => "A blood-pressure reading at crisis level: top number 180 or more, or bottom number 120 or more (mmHg). One reading this high alerts; others are judged by their average.".to_owned(),
        AlertRule::BloodPressureVeryLow => "A blood-pressure reading with the top number below 90 mmHg (low blood pressure).".to_owned(),
        AlertRule::GlucoseVeryLow => "Glucose below 54 mg/dL (3.0 mmol/L), very low: alerts at once.".to_owned(),
        AlertRule::GlucoseLow => format!("Glucose below 70 mg/dL (3.9 mmol/L){held}."),
        AlertRule::GlucoseVeryHigh => format!("Glucose above 250 mg/dL (13.9 mmol/L){held}."),
        AlertRule::HeartRateLow => format!("Heart rate below {:.0} beats a minute{held}.", settings.heart_rate.low),
        AlertRule::HeartRateHigh => format!("Heart rate above {:.0} beats a minute{held}.", settings.heart_rate.high),
        AlertRule::Spo2Low => match settings.spo2_target {
            Spo2Target::Standard => format!("Blood oxygen 92 % or lower{held}."),
            Spo2Target::Lower => format!("Blood oxygen below 88 % (your target is 88–92 %){held}."),
        },
        AlertRule::WeightRapidGain => {
            // In both units, as glucose is: the patient may weigh in either.
            let pounds = Unit::Kilogram
                .convert(RAPID_GAIN_MORE_THAN_KG, Unit::Pound)
                .map(|lb| format!(" ({lb:.1} lb)"))
                .unwrap_or_default();
            format!("Weight up more than {RAPID_GAIN_MORE_THAN_KG:.0} kg{pounds} within {RAPID_GAIN_WITHIN_DAYS} days (a heart-failure warning sign).")
        }
    }
}
