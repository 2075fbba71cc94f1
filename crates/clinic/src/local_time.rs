//! Where an instant falls on the patient's clock: its local day and time of day in a zone the
//! caller passes in. Computed from the zone's UTC offset at that instant, so days around a DST
//! change keep their real wall-clock times (a 23- or 25-hour day), and cheap enough for a year
//! of 5-minute readings.

use jiff::{civil::Date, tz::TimeZone, SignedDuration, Timestamp};

use crate::{Error, Result};

const SECONDS_PER_DAY: i64 = 86_400;

/// One value at one instant, with its local wall-clock position.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LocalSample {
    pub at: Timestamp,
    /// Seconds since 1970-01-01T00:00 on the local wall clock.
    pub local_seconds: i64,
    pub value: f64,
}

impl LocalSample {
    pub fn new(at: Timestamp, value: f64, zone: &TimeZone) -> LocalSample {
        LocalSample {
            at,
            local_seconds: local_seconds(at, zone),
            value,
        }
    }

    /// The local day, as days since 1970-01-01.
    pub fn day(&self) -> i64 {
        self.local_seconds.div_euclid(SECONDS_PER_DAY)
    }

    /// Seconds since local midnight (0 to 86 399).
    pub fn second_of_day(&self) -> i64 {
        self.local_seconds.rem_euclid(SECONDS_PER_DAY)
    }

    /// Hours since local midnight, with fractions.
    pub fn hour_of_day(&self) -> f64 {
        self.second_of_day() as f64 / 3600.0
    }
}

/// Seconds since 1970-01-01T00:00 on the wall clock of `zone` at `at`.
pub fn local_seconds(at: Timestamp, zone: &TimeZone) -> i64 {
    at.as_second() + i64::from(zone.to_offset(at).seconds())
}

/// The local day of `at` in `zone`, as days since 1970-01-01.
pub fn local_day(at: Timestamp, zone: &TimeZone) -> i64 {
    local_seconds(at, zone).div_euclid(SECONDS_PER_DAY)
}

/// The calendar date of a day number (days since 1970-01-01).
pub fn date_of_day(day: i64) -> Date {
    let epoch = Date::constant(1970, 1, 1);
    epoch
        .checked_add(SignedDuration::from_hours(day.saturating_mul(24)))
        .unwrap_or(epoch)
}

/// The day number (days since 1970-01-01) of a calendar date.
pub fn day_of_date(date: Date) -> i64 {
    let epoch = Date::constant(1970, 1, 1);
    date.since(epoch)
        .map(|span| i64::from(span.get_days()))
        .unwrap_or(0)
}

/// The instant local `date` begins in `zone` (after a gap, the first instant that exists).
pub fn start_of_day(date: Date, zone: &TimeZone) -> Result<Timestamp> {
    date.to_zoned(zone.clone())
        .map(|zoned| zoned.timestamp())
        .map_err(|_| Error::OutOfRange)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_day_and_time_follow_the_zone_across_dst(
    ) -> std::result::Result<(), Box<dyn std::error::Error>> {
        let zone = TimeZone::get("America/New_York")?;
        // 2026-03-08 is the spring-forward day in New York: 02:00 EST becomes 03:00 EDT.
        let check = |instant: &str,
                     date: Date,
                     hour: f64|
         -> std::result::Result<(), Box<dyn std::error::Error>> {
            let sample = LocalSample::new(instant.parse()?, 100.0, &zone);
            assert_eq!(date_of_day(sample.day()), date, "{instant}");
            assert!(
                (sample.hour_of_day() - hour).abs() < 1e-9,
                "{instant}: {}",
                sample.hour_of_day()
            );
            Ok(())
        };
        check(
            "2026-03-08T04:59:00Z",
            Date::constant(2026, 3, 7),
            23.0 + 59.0 / 60.0,
        )?;
        check("2026-03-08T05:00:00Z", Date::constant(2026, 3, 8), 0.0)?;
        check(
            "2026-03-08T06:59:00Z",
            Date::constant(2026, 3, 8),
            1.0 + 59.0 / 60.0,
        )?;
        check("2026-03-08T07:00:00Z", Date::constant(2026, 3, 8), 3.0)?;
        check("2026-03-08T16:00:00Z", Date::constant(2026, 3, 8), 12.0)?;
        assert_eq!(day_of_date(Date::constant(1970, 1, 2)), 1);
        assert_eq!(
            date_of_day(day_of_date(Date::constant(2026, 3, 8))),
            Date::constant(2026, 3, 8)
        );
        assert_eq!(
            start_of_day(Date::constant(2026, 3, 8), &zone)?,
            "2026-03-08T05:00:00Z".parse::<Timestamp>()?
        );
        Ok(())
    }
}
