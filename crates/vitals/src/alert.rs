//! Alerts when a value leaves its range, without alert fatigue: one alert when a metric goes out
//! of range, none while it stays out, a margin (hysteresis) before it counts as back, and at most
//! one alert per metric per quiet period however often it flaps. Pure: time comes with readings.

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::{Metric, ReferenceRange};

/// Which side of the range a value left by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    High,
    Low,
}

/// A metric went out of its range.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Alert {
    pub metric: Metric,
    pub direction: Direction,
    /// The reading that crossed, in the metric's canonical unit.
    pub value: f64,
    pub at: Timestamp,
    /// The range it left, in the metric's canonical unit.
    pub range: ReferenceRange,
}

/// How alerts are damped.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AlertPolicy {
    /// A value counts as back in range only this share of the range's width inside it.
    pub hysteresis: f64,
    /// After an alert, the same metric stays quiet this long, even if it flaps.
    pub quiet_for: SignedDuration,
}

impl Default for AlertPolicy {
    fn default() -> AlertPolicy {
        AlertPolicy {
            hysteresis: 0.05,
            quiet_for: SignedDuration::from_mins(30),
        }
    }
}

/// Watches readings metric by metric and says when to alert.
#[derive(Debug, Clone, Default)]
pub struct Alerter {
    policy: AlertPolicy,
    states: BTreeMap<Metric, State>,
}

#[derive(Debug, Clone, Copy, Default)]
struct State {
    outside: Option<Direction>,
    last_alert: Option<Timestamp>,
}

impl Alerter {
    pub fn new(policy: AlertPolicy) -> Alerter {
        Alerter {
            policy,
            states: BTreeMap::new(),
        }
    }

    /// Takes in one reading (canonical unit) against `range`; returns an alert when it is due.
    /// Readings out of time order are judged as they come; a non-finite value is ignored.
    pub fn observe(
        &mut self,
        metric: Metric,
        value: f64,
        at: Timestamp,
        range: ReferenceRange,
    ) -> Option<Alert> {
        if !value.is_finite() {
            return None;
        }
        let state = self.states.entry(metric).or_default();
        let margin = (range.high - range.low).abs() * self.policy.hysteresis;
        let now_outside = if value > range.high {
            Some(Direction::High)
        } else if value < range.low {
            Some(Direction::Low)
        } else {
            None
        };
        match (state.outside, now_outside) {
            // Still out on the same side, or back inside but not by the margin: no change.
            (Some(side), Some(now)) if side == now => return None,
            (Some(Direction::High), None) if value > range.high - margin => return None,
            (Some(Direction::Low), None) if value < range.low + margin => return None,
            _ => {}
        }
        state.outside = now_outside;
        let direction = now_outside?;
        let quiet = state
            .last_alert
            .is_some_and(|last| at.duration_since(last) < self.policy.quiet_for);
        if quiet {
            return None;
        }
        state.last_alert = Some(at);
        Some(Alert {
            metric,
            direction,
            value,
            at,
            range,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RANGE: ReferenceRange = ReferenceRange {
        low: 50.0,
        high: 100.0,
    };

    /// Heart rate readings `(minute, bpm)` from 08:00; returns the minutes that alerted.
    fn check(readings: &[(i64, f64)], expected: &[(i64, Direction)]) {
        let start: Timestamp = "2026-03-01T08:00:00Z".parse().expect("instant");
        let mut alerter = Alerter::new(AlertPolicy::default());
        let alerted: Vec<(i64, Direction)> = readings
            .iter()
            .filter_map(|&(minute, bpm)| {
                let at = start + SignedDuration::from_mins(minute);
                alerter
                    .observe(Metric::HeartRate, bpm, at, RANGE)
                    .map(|a| (minute, a.direction))
            })
            .collect();
        assert_eq!(alerted, expected, "{readings:?}");
    }

    #[test]
    fn one_bad_minute_is_one_alert() {
        // 60 readings a minute over 100 bpm for one minute: one alert.
        let minute: Vec<(i64, f64)> = (0..60).map(|_| (0, 130.0)).collect();
        check(&minute, &[(0, Direction::High)]);
    }

    #[test]
    fn hysteresis_and_quiet_period() {
        use Direction::*;
        check(&[(0, 70.0), (1, 99.0), (2, 100.0)], &[]);
        // Out, then hovering just inside the edge (within 2.5 bpm): still the same excursion.
        check(
            &[(0, 101.0), (1, 99.0), (2, 101.0), (3, 98.0), (4, 102.0)],
            &[(0, High)],
        );
        // Clearly back, then out again ten minutes later: quiet for 30 minutes.
        check(&[(0, 120.0), (5, 80.0), (10, 120.0)], &[(0, High)]);
        // ...but after the quiet period, a new excursion alerts again.
        check(
            &[(0, 120.0), (5, 80.0), (40, 120.0)],
            &[(0, High), (40, High)],
        );
        // Low is its own alert, also quieted.
        check(
            &[(0, 40.0), (1, 45.0), (2, 70.0), (35, 40.0)],
            &[(0, Low), (35, Low)],
        );
        // Straight from high to low: the change of side alerts (unless quiet).
        check(&[(0, 130.0), (45, 30.0)], &[(0, High), (45, Low)]);
        check(&[(0, f64::NAN), (1, f64::INFINITY)], &[]);
    }

    #[test]
    fn metrics_are_watched_apart() {
        let at: Timestamp = "2026-03-01T08:00:00Z".parse().expect("instant");
        let mut alerter = Alerter::default();
        let spo2 = ReferenceRange {
            low: 95.0,
            high: 100.0,
        };
        assert!(alerter
            .observe(Metric::HeartRate, 130.0, at, RANGE)
            .is_some());
        assert!(alerter.observe(Metric::Spo2, 88.0, at, spo2).is_some());
    }
}
