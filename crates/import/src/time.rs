//! The time formats of the files: Apple's `2019-01-01 08:00:00 -0500`, RFC 3339, Unix
//! milliseconds, and wall-clock times without an offset, placed in the patient's time zone.

use jiff::{civil, tz::TimeZone, Timestamp};

/// Apple Health's `YYYY-MM-DD HH:MM:SS ±HHMM` — parsed by hand: an export holds millions.
pub(crate) fn apple(text: &str) -> Option<Timestamp> {
    let b = text.as_bytes();
    if b.len() != 25 || b[4] != b'-' || b[7] != b'-' || b[10] != b' ' || b[13] != b':' {
        return None;
    }
    if b[16] != b':' || b[19] != b' ' || !matches!(b[20], b'+' | b'-') {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<i64> {
        b[range].iter().try_fold(0i64, |n, &d| {
            d.is_ascii_digit().then(|| n * 10 + i64::from(d - b'0'))
        })
    };
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
    let offset_minutes = number(21..23)? * 60 + number(23..25)?;
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    if hour > 23 || minute > 59 || second > 60 || offset_minutes > 18 * 60 {
        return None;
    }
    let sign = if b[20] == b'-' { -1 } else { 1 };
    let local = days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second;
    Timestamp::from_second(local - sign * offset_minutes * 60).ok()
}

/// RFC 3339 with an offset (`2026-01-01T08:00:00+01:00`, `…Z`, fractions allowed).
pub(crate) fn rfc3339(text: &str) -> Option<Timestamp> {
    // jiff also takes a bare date or a time zone annotation; an instant needs a time and offset.
    if text.len() < 20
        || !text
            .as_bytes()
            .get(10)
            .is_some_and(|&c| c == b'T' || c == b't')
    {
        return None;
    }
    text.parse().ok()
}

/// Whether `text` is a FHIR date without a time of day (`2012`, `2012-09`, `2012-09-17`).
pub(crate) fn is_date_only(text: &str) -> bool {
    text.len() <= 10 && text.bytes().all(|c| c.is_ascii_digit() || c == b'-')
}

/// Unix milliseconds.
pub(crate) fn unix_millis(millis: i64) -> Option<Timestamp> {
    Timestamp::from_millisecond(millis).ok()
}

/// A wall-clock date and time in `zone` (the earlier instant in a fold, shifted past a gap).
pub(crate) fn local(date: civil::Date, time: civil::Time, zone: &TimeZone) -> Option<Timestamp> {
    zone.to_ambiguous_timestamp(date.to_datetime(time))
        .compatible()
        .ok()
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apple_dates_with_their_offsets() {
        let check = |text: &str, expected: Option<&str>| {
            let expected = expected.map(|e| e.parse::<Timestamp>().expect("test instant"));
            assert_eq!(apple(text), expected, "{text}");
        };
        check("2019-01-01 08:00:00 -0500", Some("2019-01-01T13:00:00Z"));
        check("2024-02-29 23:59:59 +0530", Some("2024-02-29T18:29:59Z"));
        check("1970-01-01 00:00:00 +0000", Some("1970-01-01T00:00:00Z"));
        check("2023-02-29 08:00:00 +0000", None);
        check("2019-01-01 08:00:00", None);
        check("2019-01-01T08:00:00 -0500", None);
        check("2019-13-01 08:00:00 -0500", None);
        check("2019-01-01 24:00:00 -0500", None);
        check("2019-01-01 08:00:00 -05:0", None);
        check("２０19-01-01 08:00:00 -050", None);
    }

    #[test]
    fn agrees_with_jiff_over_centuries() {
        for (year, month, day) in [(1600, 3, 1), (1900, 2, 28), (2000, 2, 29), (2100, 12, 31)] {
            let date = civil::date(year, month, day);
            let jiff_days = date
                .to_zoned(TimeZone::UTC)
                .map(|z| z.timestamp().as_second() / 86_400);
            assert_eq!(
                jiff_days.ok(),
                Some(days_from_civil(year.into(), month.into(), day.into()))
            );
        }
    }

    #[test]
    fn other_forms() {
        assert!(rfc3339("2026-01-01T08:00:00+01:00").is_some());
        assert!(rfc3339("2026-01-01T08:00:00.123Z").is_some());
        assert!(rfc3339("2026-01-01").is_none());
        assert!(rfc3339("2026-01-01T08:00:00").is_none());
        assert!(is_date_only("2012-09-17"));
        assert!(!is_date_only("2012-09-17T10:00:00Z"));
        assert_eq!(
            unix_millis(1_405_792_155_000).map(|t| t.to_string()),
            Some("2014-07-19T17:49:15Z".into())
        );
    }
}
