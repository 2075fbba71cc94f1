//! When doses are due: wall-clock times on chosen days, a fixed interval in elapsed time, or only
//! as needed.
//!
//! The JSON form is the `tend meds plan` contract of DESIGN.md.

use jiff::{
    civil::{Date, Time},
    Timestamp,
};
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// A medication's schedule, as the patient set it up.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(untagged)]
pub enum DoseSchedule {
    FixedInterval(FixedInterval),
    WallClock(WallClock),
    AsNeeded(#[cfg_attr(feature = "specta", specta(type = AsNeededForm))] AsNeeded),
}

/// The form is chosen by its `every_hours` or `as_needed` key, so an error names the field that
/// is wrong (an untagged enum would only say that no form matched).
impl<'de> Deserialize<'de> for DoseSchedule {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        use serde::de::Error as _;
        let value = serde_json::Value::deserialize(d)?;
        // serde would also take a struct from an array of its fields: the contract says object.
        if !value.is_object() {
            return Err(D::Error::custom("a schedule is a JSON object"));
        }
        let parsed = if value.get("every_hours").is_some() {
            serde_json::from_value(value).map(DoseSchedule::FixedInterval)
        } else if value.get("as_needed").is_some() {
            serde_json::from_value(value).map(DoseSchedule::AsNeeded)
        } else {
            serde_json::from_value(value).map(DoseSchedule::WallClock)
        };
        parsed.map_err(D::Error::custom)
    }
}

/// Doses at local wall-clock times, on chosen weekdays or every N days.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(deny_unknown_fields)]
pub struct WallClock {
    /// `"HH:MM"`, local time.
    #[serde(with = "hh_mm")]
    #[cfg_attr(feature = "specta", specta(type = Vec<String>))]
    pub times: Vec<Time>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days: Option<Vec<Weekday>>,
    /// Counted from `start`, which it then needs: the first dose day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub every_n_days: Option<u16>,
    /// The first local date doses are due on; absent (or `null`), no lower bound.
    #[serde(default)]
    pub start: Option<Date>,
    /// The last local date doses are due on (inclusive); absent (or `null`), no upper bound.
    #[serde(default)]
    pub end: Option<Date>,
}

/// Doses every N hours of elapsed time from an anchor instant, whatever the clocks say.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(deny_unknown_fields)]
pub struct FixedInterval {
    pub every_hours: u16,
    pub anchor: Timestamp,
}

/// Doses only when the patient needs one (`{"as_needed": true}`): nothing is planned, doses are
/// recorded as taken. `false` is refused rather than meaning "planned", which needs times.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AsNeeded;

/// The JSON form of [`AsNeeded`], for the generated TypeScript types.
#[cfg(feature = "specta")]
#[derive(specta::Type)]
#[allow(dead_code)]
struct AsNeededForm {
    as_needed: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum Weekday {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

impl DoseSchedule {
    /// Parses and validates a schedule from its JSON form.
    pub fn from_json(json: &str) -> Result<DoseSchedule> {
        let schedule: DoseSchedule =
            serde_json::from_str(json).map_err(|e| Error::InvalidSchedule(e.to_string()))?;
        schedule.validate()?;
        Ok(schedule)
    }

    /// Checks what serde cannot: non-empty times, one day rule, a positive interval, dates in order.
    pub fn validate(&self) -> Result<()> {
        let invalid = |why: &str| Err(Error::InvalidSchedule(why.to_owned()));
        match self {
            DoseSchedule::FixedInterval(f) if f.every_hours == 0 => {
                invalid("every_hours must be at least 1")
            }
            DoseSchedule::FixedInterval(_) | DoseSchedule::AsNeeded(_) => Ok(()),
            DoseSchedule::WallClock(w) => {
                if w.times.is_empty() {
                    return invalid("times must list at least one time");
                }
                if w.days.is_some() && w.every_n_days.is_some() {
                    return invalid("give either days or every_n_days, not both");
                }
                if w.days.as_ref().is_some_and(Vec::is_empty) {
                    return invalid("days must list at least one day");
                }
                if w.every_n_days == Some(0) {
                    return invalid("every_n_days must be at least 1");
                }
                if w.every_n_days.is_some() && w.start.is_none() {
                    return invalid("every_n_days needs a start date to count days from");
                }
                if w.end.zip(w.start).is_some_and(|(end, start)| end < start) {
                    return invalid("end is before start");
                }
                Ok(())
            }
        }
    }
}

impl Weekday {
    /// Whether `day` is this weekday.
    pub fn is(self, day: jiff::civil::Weekday) -> bool {
        use jiff::civil::Weekday as Civil;
        let civil = match self {
            Weekday::Mon => Civil::Monday,
            Weekday::Tue => Civil::Tuesday,
            Weekday::Wed => Civil::Wednesday,
            Weekday::Thu => Civil::Thursday,
            Weekday::Fri => Civil::Friday,
            Weekday::Sat => Civil::Saturday,
            Weekday::Sun => Civil::Sunday,
        };
        civil == day
    }
}

impl Serialize for AsNeeded {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap as _;
        let mut map = s.serialize_map(Some(1))?;
        map.serialize_entry("as_needed", &true)?;
        map.end()
    }
}

impl<'de> Deserialize<'de> for AsNeeded {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Form {
            as_needed: bool,
        }
        if Form::deserialize(d)?.as_needed {
            Ok(AsNeeded)
        } else {
            Err(serde::de::Error::custom(
                "as_needed must be true; planned doses give times or every_hours instead",
            ))
        }
    }
}

/// Local times written as `HH:MM`, the contract's form.
mod hh_mm {
    use jiff::civil::Time;
    use serde::{de::Error as _, Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(times: &[Time], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(times.iter().map(|t| t.strftime("%H:%M").to_string()))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Time>, D::Error> {
        Vec::<String>::deserialize(d)?
            .iter()
            .map(|text| {
                Time::strptime("%H:%M", text)
                    .map_err(|_| D::Error::custom(format!("`{text}` is not a time of day (HH:MM)")))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(json: &str, expected: std::result::Result<(), &str>) {
        let got = DoseSchedule::from_json(json).map(|_| ());
        match (got, expected) {
            (Ok(()), Ok(())) => {}
            (Err(Error::InvalidSchedule(why)), Err(part)) => {
                assert!(why.contains(part), "{json}: `{why}` lacks `{part}`")
            }
            (got, expected) => panic!("{json}: got {got:?}, expected {expected:?}"),
        }
    }

    #[test]
    fn contract_examples_parse_and_bad_ones_are_refused() {
        check(
            r#"{"times": ["08:00", "20:00"], "days": ["mon", "wed"], "start": "2026-01-01", "end": null}"#,
            Ok(()),
        );
        check(
            r#"{"times": ["08:00"], "every_n_days": 2, "start": "2026-01-01"}"#,
            Ok(()),
        );
        check(
            r#"{"every_hours": 8, "anchor": "2026-03-29T00:30:00Z"}"#,
            Ok(()),
        );
        check(
            r#"{"times": ["8am"], "start": "2026-01-01"}"#,
            Err("not a time of day"),
        );
        check(
            r#"{"times": [], "start": "2026-01-01"}"#,
            Err("at least one time"),
        );
        check(
            r#"{"every_hours": 0, "anchor": "2026-03-29T00:30:00Z"}"#,
            Err("at least 1"),
        );
        check(
            r#"{"times": ["08:00"], "days": ["mon"], "every_n_days": 2, "start": "2026-01-01"}"#,
            Err("not both"),
        );
        check(
            r#"{"times": ["08:00"], "start": "2026-02-01", "end": "2026-01-01"}"#,
            Err("before start"),
        );
        check(r#"{"as_needed": true}"#, Ok(()));
        check(r#"{"as_needed": false}"#, Err("must be true"));
        check(
            r#"{"as_needed": true, "times": ["08:00"]}"#,
            Err("unknown field `times`"),
        );
        check(r#"{"start": "2026-01-01"}"#, Err("missing field `times`"));
        // `start` is optional (no lower bound), except where every_n_days counts from it.
        check(r#"{"times": ["08:00"]}"#, Ok(()));
        check(r#"{"times": ["08:00"], "start": null}"#, Ok(()));
        check(r#"{"times": ["08:00"], "days": ["mon"]}"#, Ok(()));
        check(r#"{"times": ["08:00"], "end": "2026-01-01"}"#, Ok(()));
        check(
            r#"{"times": ["08:00"], "every_n_days": 2}"#,
            Err("every_n_days needs a start"),
        );
        check(r#"{"times": ["08:00"], "start": "first"}"#, Err("year"));
        check(
            r#"["08:00", null, null, "2026-01-01", null]"#,
            Err("JSON object"),
        );
    }

    #[test]
    fn as_needed_serializes_back() {
        let json = r#"{"as_needed":true}"#;
        let schedule = DoseSchedule::from_json(json).expect("valid");
        assert_eq!(schedule, DoseSchedule::AsNeeded(AsNeeded));
        assert_eq!(
            serde_json::to_string(&schedule).expect("serializable"),
            json
        );
    }

    #[test]
    fn a_missing_start_reads_as_none_and_serializes_back_as_null() {
        let schedule = DoseSchedule::from_json(r#"{"times": ["08:00"]}"#).expect("valid");
        let DoseSchedule::WallClock(wall_clock) = &schedule else {
            panic!("a wall-clock schedule: {schedule:?}");
        };
        assert_eq!(wall_clock.start, None);
        assert_eq!(
            serde_json::to_string(&schedule).expect("serializable"),
            r#"{"times":["08:00"],"start":null,"end":null}"#
        );
    }

    #[test]
    fn times_serialize_back_as_hh_mm() {
        let json = r#"{"times":["08:00","20:30"],"start":"2026-01-01","end":null}"#;
        let schedule = DoseSchedule::from_json(json).expect("valid");
        assert_eq!(
            serde_json::to_string(&schedule).expect("serializable"),
            json
        );
    }
}
