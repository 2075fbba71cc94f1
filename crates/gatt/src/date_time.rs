//! Date Time (0x2A08) and Current Time (0x2A2B): wall-clock time as devices send it, without a zone.
//!
//! Fields per the GATT Specification Supplement v8 §3.70 (Date Time) and the Current Time Service
//! v1.1 §3.1: year 1582–9999, month 1–12, day 1–31 (0 = unknown for each), hours 0–23,
//! minutes 0–59, seconds 0–59; any other value is reserved.

use jiff::civil;

use crate::bytes::{Reader, Writer};
use crate::{Characteristic, Error, Result};

/// A civil date and time; 0 in year, month or day means "not known".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct DateTime {
    pub year: u16,
    pub month: u8,
    pub day: u8,
    pub hours: u8,
    pub minutes: u8,
    pub seconds: u8,
}

raw_enum! {
    /// Day Date Time's day of week (Current Time Service v1.1, Day of Week).
    pub enum DayOfWeek("day of week") {
        Unknown = 0,
        Monday = 1,
        Tuesday = 2,
        Wednesday = 3,
        Thursday = 4,
        Friday = 5,
        Saturday = 6,
        Sunday = 7,
    }
}

/// Why the device's clock last changed (Current Time Service v1.1, Adjust Reason); bits 4–7 reserved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct AdjustReason(pub u8);

/// The Current Time characteristic: Exact Time 256 plus the adjust reason, 10 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CurrentTime {
    pub date_time: DateTime,
    pub day_of_week: DayOfWeek,
    /// Fractions of a second in 1/256 s.
    pub fractions256: u8,
    pub adjust_reason: AdjustReason,
}

impl DateTime {
    /// Size on the wire.
    pub const LEN: usize = 7;

    /// The time `YYYY-MM-DDTHH:MM:SS`, unknown parts as zeros (the `tend decode` contract).
    pub fn to_contract_string(&self) -> String {
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            self.year, self.month, self.day, self.hours, self.minutes, self.seconds
        )
    }

    /// The civil date and time, or `None` if the year, month or day is unknown or the date does
    /// not exist (February 30): such a time cannot place a reading.
    pub fn to_civil(&self) -> Option<civil::DateTime> {
        if self.year == 0 || self.month == 0 || self.day == 0 {
            return None;
        }
        civil::DateTime::new(
            i16::try_from(self.year).ok()?,
            i8::try_from(self.month).ok()?,
            i8::try_from(self.day).ok()?,
            i8::try_from(self.hours).ok()?,
            i8::try_from(self.minutes).ok()?,
            i8::try_from(self.seconds).ok()?,
            0,
        )
        .ok()
    }

    pub(crate) fn read(r: &mut Reader<'_>) -> Result<Self> {
        let t = DateTime {
            year: r.u16()?,
            month: r.u8()?,
            day: r.u8()?,
            hours: r.u8()?,
            minutes: r.u8()?,
            seconds: r.u8()?,
        };
        let reserved = |field, value: u32| Err(Error::Reserved { field, value });
        if t.year != 0 && !(1582..=9999).contains(&t.year) {
            return reserved("year", u32::from(t.year));
        }
        if t.month > 12 {
            return reserved("month", u32::from(t.month));
        }
        if t.day > 31 {
            return reserved("day", u32::from(t.day));
        }
        if t.hours > 23 {
            return reserved("hours", u32::from(t.hours));
        }
        if t.minutes > 59 {
            return reserved("minutes", u32::from(t.minutes));
        }
        if t.seconds > 59 {
            return reserved("seconds", u32::from(t.seconds));
        }
        Ok(t)
    }

    pub(crate) fn write(&self, w: &mut Writer) {
        w.u16(self.year)
            .u8(self.month)
            .u8(self.day)
            .u8(self.hours)
            .u8(self.minutes)
            .u8(self.seconds);
    }
}

impl Characteristic for DateTime {
    const UUID: u16 = 0x2A08;

    fn decode(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        let t = DateTime::read(&mut r)?;
        r.finish()?;
        Ok(t)
    }

    fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        self.write(&mut w);
        w.into_vec()
    }
}

impl AdjustReason {
    pub fn manual_time_update(self) -> bool {
        self.0 & 0x01 != 0
    }
    pub fn external_reference_time_update(self) -> bool {
        self.0 & 0x02 != 0
    }
    pub fn change_of_time_zone(self) -> bool {
        self.0 & 0x04 != 0
    }
    pub fn change_of_dst(self) -> bool {
        self.0 & 0x08 != 0
    }
}

impl Characteristic for CurrentTime {
    const UUID: u16 = 0x2A2B;

    fn decode(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        let time = CurrentTime {
            date_time: DateTime::read(&mut r)?,
            day_of_week: DayOfWeek::from_raw(r.u8()?)?,
            fractions256: r.u8()?,
            adjust_reason: AdjustReason(r.u8()?),
        };
        r.finish()?;
        Ok(time)
    }

    fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        self.date_time.write(&mut w);
        w.u8(self.day_of_week.raw())
            .u8(self.fractions256)
            .u8(self.adjust_reason.0);
        w.into_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dt(year: u16, month: u8, day: u8, hours: u8, minutes: u8, seconds: u8) -> DateTime {
        DateTime {
            year,
            month,
            day,
            hours,
            minutes,
            seconds,
        }
    }

    #[test]
    fn date_time_vectors() {
        // GSS v8 §3.70 Date Time: year uint16 LE, then month, day, hours, minutes, seconds.
        let check = |bytes: &[u8], expected: Result<DateTime>| {
            assert_eq!(DateTime::decode(bytes), expected, "{bytes:02x?}")
        };
        // 2012-12-05 11:50:27, from Nordic's HTS test vector (Android-BLE-Common-Library).
        check(
            &[0xDC, 0x07, 0x0C, 0x05, 0x0B, 0x32, 0x1B],
            Ok(dt(2012, 12, 5, 11, 50, 27)),
        );
        // Year unknown (0), as in Nordic's BPS test vector.
        check(
            &[0x00, 0x00, 0x04, 0x11, 0x14, 0x29, 0x3B],
            Ok(dt(0, 4, 17, 20, 41, 59)),
        );
        check(
            &[0x2D, 0x06, 1, 1, 0, 0, 0],
            Err(Error::Reserved {
                field: "year",
                value: 1581,
            }),
        );
        check(
            &[0xDC, 0x07, 13, 1, 0, 0, 0],
            Err(Error::Reserved {
                field: "month",
                value: 13,
            }),
        );
        check(
            &[0xDC, 0x07, 1, 32, 0, 0, 0],
            Err(Error::Reserved {
                field: "day",
                value: 32,
            }),
        );
        check(
            &[0xDC, 0x07, 1, 1, 24, 0, 0],
            Err(Error::Reserved {
                field: "hours",
                value: 24,
            }),
        );
        check(
            &[0xDC, 0x07, 1, 1, 0, 60, 0],
            Err(Error::Reserved {
                field: "minutes",
                value: 60,
            }),
        );
        check(
            &[0xDC, 0x07, 1, 1, 0, 0, 60],
            Err(Error::Reserved {
                field: "seconds",
                value: 60,
            }),
        );
        check(
            &[0xDC, 0x07, 1, 1, 0, 0],
            Err(Error::TooShort { needed: 7, got: 6 }),
        );
        check(
            &[0xDC, 0x07, 1, 1, 0, 0, 0, 0],
            Err(Error::TrailingBytes(1)),
        );
    }

    #[test]
    fn contract_string_and_civil_time() {
        assert_eq!(
            dt(0, 4, 17, 20, 41, 59).to_contract_string(),
            "0000-04-17T20:41:59"
        );
        assert_eq!(dt(0, 4, 17, 20, 41, 59).to_civil(), None);
        assert_eq!(dt(2023, 2, 30, 0, 0, 0).to_civil(), None);
        assert_eq!(
            dt(2012, 12, 5, 11, 50, 27).to_civil(),
            Some(civil::date(2012, 12, 5).at(11, 50, 27, 0))
        );
    }

    #[test]
    fn current_time_vectors() {
        // Current Time Service v1.1 §3.1: Exact Time 256 (Day Date Time + Fractions256) + Adjust Reason.
        let bytes = [0xD5, 0x07, 0x0C, 0x1B, 0x0C, 0x1F, 0x28, 0x02, 0x7F, 0x05];
        let expected = CurrentTime {
            date_time: dt(2005, 12, 27, 12, 31, 40),
            day_of_week: DayOfWeek::Tuesday,
            fractions256: 127,
            adjust_reason: AdjustReason(0x05),
        };
        assert_eq!(CurrentTime::decode(&bytes), Ok(expected));
        assert_eq!(expected.encode(), bytes);
        assert!(expected.adjust_reason.manual_time_update());
        assert!(expected.adjust_reason.change_of_time_zone());
        let mut bad = bytes;
        bad[7] = 8;
        assert_eq!(
            CurrentTime::decode(&bad),
            Err(Error::Reserved {
                field: "day of week",
                value: 8
            })
        );
    }
}
