//! Continuous Glucose Monitoring Service v1.0.1: CGM Measurement (0x2AA7), CGM Feature (0x2AA8),
//! CGM Status (0x2AA9) and CGM Session Start Time (0x2AAA).
//!
//! A CGM Measurement value holds one or more records, each starting with its own size. Record
//! flags: bit 0 trend present, bit 1 quality present, bits 2–4 reserved (kept, ignored), bit 5
//! warning octet, bit 6 calibration/temperature octet, bit 7 status octet present (sent in the
//! order status, cal/temp, warning). A record, the status and the session start time end with an
//! E2E-CRC when the device supports it (CGM Feature bit 12). Without the feature,
//! [`CgmMeasurement::decode`] learns it from each record's size, and the status and session start
//! time from their length; `decode_with` insists on what the feature says. A CRC present is always
//! checked. A reserved flag bit announces no field: a record longer than its known flags ask for
//! (a CRC aside) is still refused.

use crate::bytes::{bit, flag, ignored_flags, Reader, Writer};
use crate::crc::e2e_crc;
use crate::date_time::DateTime;
use crate::glucose::SampleType;
use crate::ieee11073::Number;
use crate::{Characteristic, Error, Ignored, Result};

/// One notification: its records, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CgmMeasurement {
    pub records: Vec<CgmRecord>,
}

/// One CGM reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CgmRecord {
    /// mg/dL.
    pub glucose: Number,
    /// Minutes since the session started.
    pub time_offset_min: u16,
    pub status: CgmStatusOctets,
    /// mg/dL per minute.
    pub trend: Option<Number>,
    /// Percent.
    pub quality: Option<Number>,
    /// Whether the record carries (and so was checked against) an E2E-CRC.
    pub e2e_crc: bool,
    /// Flags bits 2–4 as sent: reserved for future use, kept so encoding gives them back, never
    /// given a meaning (other bits here are ignored when encoding).
    pub reserved_flags: u8,
}

/// The Sensor Status Annunciation octets a record carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct CgmStatusOctets {
    pub status: Option<u8>,
    pub cal_temp: Option<u8>,
    pub warning: Option<u8>,
}

/// CGM Feature: the 24 feature bits, the sample type and location, and the E2E-CRC over them
/// (0xFFFF when the device does not support E2E-CRC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CgmFeature {
    /// 0 calibration, 1 patient high/low alerts, 2 hypo alerts, 3 hyper alerts, 4 rate alerts,
    /// 5 device specific alert, 6 sensor malfunction, 7 sensor temperature high-low, 8 sensor
    /// result high-low, 9 low battery, 10 sensor type error, 11 general device fault, 12 E2E-CRC,
    /// 13 multiple bonds, 14 multiple sessions, 15 trend information, 16 quality; 17–23 reserved.
    pub features: u32,
    pub sample_type: SampleType,
    pub sample_location: CgmSampleLocation,
}

/// CGM Status: the time offset and the 24-bit sensor status annunciation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CgmStatus {
    pub time_offset_min: u16,
    /// Status octet | cal/temp octet << 8 | warning octet << 16.
    pub status: u32,
    pub e2e_crc: bool,
}

/// When the session started, in the device's local time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CgmSessionStartTime {
    pub start: DateTime,
    /// Offset from UTC in 15-minute steps, -48..=56; -128 is "unknown".
    pub time_zone: i8,
    pub dst: DstOffset,
    pub e2e_crc: bool,
}

raw_enum! {
    /// Where a CGM samples (CGMS Sample Location nibble). 0 and 6–14 reserved.
    pub enum CgmSampleLocation("sample location") {
        Finger = 1,
        AlternateSiteTest = 2,
        Earlobe = 3,
        ControlSolution = 4,
        SubcutaneousTissue = 5,
        NotAvailable = 15,
    }
}

raw_enum! {
    /// Daylight saving offset (GSS v8 §3.76 DST Offset).
    pub enum DstOffset("DST offset") {
        Standard = 0,
        HalfHour = 2,
        Daylight = 4,
        DoubleDaylight = 8,
        Unknown = 255,
    }
}

impl DstOffset {
    pub fn minutes(self) -> Option<i32> {
        match self {
            DstOffset::Unknown => None,
            other => Some(i32::from(other.raw()) * 15),
        }
    }
}

impl CgmStatusOctets {
    /// The three octets as one 24-bit value, absent ones as 0.
    pub fn combined(&self) -> u32 {
        u32::from(self.status.unwrap_or(0))
            | u32::from(self.cal_temp.unwrap_or(0)) << 8
            | u32::from(self.warning.unwrap_or(0)) << 16
    }

    pub fn is_empty(&self) -> bool {
        self.status.is_none() && self.cal_temp.is_none() && self.warning.is_none()
    }
}

impl CgmFeature {
    pub fn e2e_crc_supported(&self) -> bool {
        bit(self.features, 12)
    }
    fn supports(&self, n: u32) -> bool {
        bit(self.features, n)
    }
}

impl CgmSessionStartTime {
    /// The time zone's offset from UTC in minutes, if known.
    pub fn time_zone_minutes(&self) -> Option<i32> {
        (self.time_zone != -128).then_some(i32::from(self.time_zone) * 15)
    }
}

/// What a decoder knows about the E2E-CRC: nothing (infer it), or the device's feature.
#[derive(Clone, Copy)]
enum Crc {
    Infer,
    Required(bool),
}

impl Crc {
    fn of(feature: &CgmFeature) -> Crc {
        Crc::Required(feature.e2e_crc_supported())
    }
}

/// Record flags bits 2–4.
const RESERVED_FLAGS: u32 = 0b0001_1100;

impl CgmRecord {
    /// Decodes one record whose size byte was already validated, `bytes` being the whole record.
    fn decode(bytes: &[u8], crc: Crc) -> Result<Self> {
        let short = |e| match e {
            Error::TooShort { .. } => {
                Error::Malformed("CGM measurement: record size too small for its flags")
            }
            other => other,
        };
        let mut r = Reader::new(bytes);
        r.u8()?; // the size, checked by the caller
        let flags = u32::from(r.u8()?);
        let glucose = r.sfloat().map_err(short)?;
        let time_offset_min = r.u16().map_err(short)?;
        let mut octet = |n| bit(flags, n).then(|| r.u8()).transpose().map_err(short);
        let status = CgmStatusOctets {
            status: octet(7)?,
            cal_temp: octet(6)?,
            warning: octet(5)?,
        };
        let trend = bit(flags, 0)
            .then(|| r.sfloat())
            .transpose()
            .map_err(short)?;
        let quality = bit(flags, 1)
            .then(|| r.sfloat())
            .transpose()
            .map_err(short)?;
        let e2e_crc = match (crc, r.remaining()) {
            (Crc::Infer, 0) | (Crc::Required(false), 0) => false,
            (Crc::Infer, 2) | (Crc::Required(true), 2) => true,
            _ => {
                return Err(Error::Malformed(
                    "CGM measurement: record size disagrees with its flags",
                ))
            }
        };
        if e2e_crc {
            check_crc(&mut r)?;
        }
        r.finish()?;
        Ok(CgmRecord {
            glucose,
            time_offset_min,
            status,
            trend,
            quality,
            e2e_crc,
            reserved_flags: (flags & RESERVED_FLAGS) as u8,
        })
    }

    /// What decoding ignored in this record: its reserved flag bits, if any was set.
    pub fn ignored(&self) -> Vec<Ignored> {
        ignored_flags(u32::from(self.reserved_flags) & RESERVED_FLAGS)
    }

    fn encode(&self, w: &mut Writer) {
        let flags = flag(self.trend.is_some(), 0)
            | flag(self.quality.is_some(), 1)
            | flag(self.status.warning.is_some(), 5)
            | flag(self.status.cal_temp.is_some(), 6)
            | flag(self.status.status.is_some(), 7)
            | u32::from(self.reserved_flags) & RESERVED_FLAGS;
        let mut record = Writer::new();
        record
            .u8(0)
            .u8(flags as u8)
            .sfloat(self.glucose)
            .u16(self.time_offset_min);
        for octet in [
            self.status.status,
            self.status.cal_temp,
            self.status.warning,
        ]
        .into_iter()
        .flatten()
        {
            record.u8(octet);
        }
        if let Some(t) = self.trend {
            record.sfloat(t);
        }
        if let Some(q) = self.quality {
            record.sfloat(q);
        }
        let mut bytes = record.into_vec();
        let size = bytes.len() + if self.e2e_crc { 2 } else { 0 };
        if let Some(first) = bytes.first_mut() {
            *first = size as u8; // at most 15 bytes
        }
        if self.e2e_crc {
            let crc = e2e_crc(&bytes);
            bytes.extend_from_slice(&crc.to_le_bytes());
        }
        w.bytes(&bytes);
    }
}

/// Reads the E2E-CRC and checks it against everything read before it.
fn check_crc(r: &mut Reader<'_>) -> Result<()> {
    let computed = e2e_crc(r.consumed());
    let sent = r.u16()?;
    match computed == sent {
        true => Ok(()),
        false => Err(Error::BadCrc { computed, sent }),
    }
}

impl CgmMeasurement {
    /// Decodes against the device's CGM Feature: the E2E-CRC must be there exactly when supported,
    /// and trend and quality only when supported.
    pub fn decode_with(bytes: &[u8], feature: &CgmFeature) -> Result<Self> {
        let m = CgmMeasurement::decode_records(bytes, Crc::of(feature))?;
        for record in &m.records {
            if record.trend.is_some() && !feature.supports(15) {
                return Err(Error::NotSupported("CGM trend information"));
            }
            if record.quality.is_some() && !feature.supports(16) {
                return Err(Error::NotSupported("CGM quality"));
            }
        }
        Ok(m)
    }

    fn decode_records(bytes: &[u8], crc: Crc) -> Result<Self> {
        let mut r = Reader::new(bytes);
        let mut records = Vec::new();
        loop {
            let size = r.clone().u8()?;
            if size < 6 {
                return Err(Error::Malformed(
                    "CGM measurement: record size below the minimum of 6",
                ));
            }
            records.push(CgmRecord::decode(r.take(usize::from(size))?, crc)?);
            if r.remaining() == 0 {
                return Ok(CgmMeasurement { records });
            }
        }
    }
}

impl Characteristic for CgmMeasurement {
    const UUID: u16 = 0x2AA7;

    fn decode(bytes: &[u8]) -> Result<Self> {
        CgmMeasurement::decode_records(bytes, Crc::Infer)
    }

    fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        for record in &self.records {
            record.encode(&mut w);
        }
        w.into_vec()
    }

    /// Every record's, oldest first ([`CgmRecord::ignored`] says which record).
    fn ignored(&self) -> Vec<Ignored> {
        self.records.iter().flat_map(CgmRecord::ignored).collect()
    }
}

impl Characteristic for CgmFeature {
    const UUID: u16 = 0x2AA8;

    fn decode(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        let features = r.u24()?;
        let type_location = r.u8()?;
        let feature = CgmFeature {
            features,
            sample_type: SampleType::from_raw(type_location & 0x0F)?,
            sample_location: CgmSampleLocation::from_raw(type_location >> 4)?,
        };
        if feature.e2e_crc_supported() {
            check_crc(&mut r)?;
        } else if r.u16()? != 0xFFFF {
            return Err(Error::Malformed(
                "CGM feature: E2E-CRC must be 0xFFFF when not supported",
            ));
        }
        r.finish()?;
        Ok(feature)
    }

    fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.u24(self.features)
            .u8(self.sample_type.raw() | self.sample_location.raw() << 4);
        let crc = if self.e2e_crc_supported() {
            e2e_crc(w.as_slice())
        } else {
            0xFFFF
        };
        w.u16(crc);
        w.into_vec()
    }
}

/// Reads the optional trailing E2E-CRC of the status and the session start time.
fn read_optional_crc(r: &mut Reader<'_>, crc: Crc) -> Result<bool> {
    let present = match crc {
        Crc::Infer => r.remaining() > 0,
        Crc::Required(present) => present,
    };
    if present {
        check_crc(r)?;
    }
    Ok(present)
}

fn append_crc(mut w: Writer, present: bool) -> Vec<u8> {
    if present {
        let crc = e2e_crc(w.as_slice());
        w.u16(crc);
    }
    w.into_vec()
}

impl CgmStatus {
    pub fn decode_with(bytes: &[u8], feature: &CgmFeature) -> Result<Self> {
        CgmStatus::decode_crc(bytes, Crc::of(feature))
    }

    fn decode_crc(bytes: &[u8], crc: Crc) -> Result<Self> {
        let mut r = Reader::new(bytes);
        let time_offset_min = r.u16()?;
        let status = r.u24()?;
        let e2e_crc = read_optional_crc(&mut r, crc)?;
        r.finish()?;
        Ok(CgmStatus {
            time_offset_min,
            status,
            e2e_crc,
        })
    }
}

impl Characteristic for CgmStatus {
    const UUID: u16 = 0x2AA9;

    fn decode(bytes: &[u8]) -> Result<Self> {
        CgmStatus::decode_crc(bytes, Crc::Infer)
    }

    fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.u16(self.time_offset_min).u24(self.status);
        append_crc(w, self.e2e_crc)
    }
}

impl CgmSessionStartTime {
    pub fn decode_with(bytes: &[u8], feature: &CgmFeature) -> Result<Self> {
        CgmSessionStartTime::decode_crc(bytes, Crc::of(feature))
    }

    fn decode_crc(bytes: &[u8], crc: Crc) -> Result<Self> {
        let mut r = Reader::new(bytes);
        let start = DateTime::read(&mut r)?;
        let time_zone = r.i8()?;
        if time_zone != -128 && !(-48..=56).contains(&time_zone) {
            return Err(Error::Reserved {
                field: "time zone",
                value: u32::from(time_zone as u8),
            });
        }
        let dst = DstOffset::from_raw(r.u8()?)?;
        let e2e_crc = read_optional_crc(&mut r, crc)?;
        r.finish()?;
        Ok(CgmSessionStartTime {
            start,
            time_zone,
            dst,
            e2e_crc,
        })
    }
}

impl Characteristic for CgmSessionStartTime {
    const UUID: u16 = 0x2AAA;

    fn decode(bytes: &[u8]) -> Result<Self> {
        CgmSessionStartTime::decode_crc(bytes, Crc::Infer)
    }

    fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        self.start.write(&mut w);
        w.i8(self.time_zone).u8(self.dst.raw());
        append_crc(w, self.e2e_crc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bytes::check_ignored;

    fn n(mantissa: i32, exponent: i8) -> Number {
        Number::finite(mantissa, exponent)
    }

    fn plain(glucose: Number, time_offset_min: u16) -> CgmRecord {
        CgmRecord {
            glucose,
            time_offset_min,
            status: CgmStatusOctets::default(),
            trend: None,
            quality: None,
            e2e_crc: false,
            reserved_flags: 0,
        }
    }

    // Layouts per CGMS v1.0.1 (CGM Measurement, Feature, Status, Session Start Time; §3.11 for the CRC); bytes from Nordic's
    // Android-BLE-Common-Library tests (ContinuousGlucoseMeasurementDataCallbackTest,
    // CGMFeatureDataCallbackTest, CGMStatusDataCallbackTest, CGMSessionStartTimeDataCallbackTest).

    #[test]
    fn measurement_vectors() {
        let check = |bytes: &[u8], expected: Result<Vec<CgmRecord>>| {
            assert_eq!(
                CgmMeasurement::decode(bytes).map(|m| m.records),
                expected,
                "{bytes:02x?}"
            )
        };
        let full = CgmRecord {
            glucose: n(1234, -2),
            time_offset_min: 5,
            status: CgmStatusOctets {
                status: Some(0x02),
                cal_temp: Some(0x14),
                warning: Some(0xFF),
            },
            trend: Some(n(2, -1)),
            quality: Some(n(997, -1)),
            e2e_crc: true,
            reserved_flags: 0,
        };
        let full_bytes = [
            0x0F, 0xE3, 0xD2, 0xE4, 0x05, 0x00, 0x02, 0x14, 0xFF, 0x02, 0xF0, 0xE5, 0xF3, 0x8E,
            0x3F,
        ];
        check(&full_bytes, Ok(vec![full]));
        assert_eq!(
            CgmMeasurement {
                records: vec![full]
            }
            .encode(),
            full_bytes
        );
        check(
            &[0x06, 0x00, 0x0C, 0x10, 0x06, 0x00],
            Ok(vec![plain(n(12, 1), 6)]),
        );
        check(
            &[
                0x06, 0x00, 0x0C, 0x10, 0x05, 0x00, 0x06, 0x00, 0x0C, 0x10, 0x06, 0x00,
            ],
            Ok(vec![plain(n(12, 1), 5), plain(n(12, 1), 6)]),
        );
        check(
            &[0x08, 0x00, 0x0C, 0x10, 0x06, 0x00, 0x58, 0x6F],
            Err(Error::BadCrc {
                computed: 0x6F59,
                sent: 0x6F58,
            }),
        );
        check(
            &[0x06, 0xE3, 0x0C, 0x10, 0x06],
            Err(Error::TooShort { needed: 6, got: 5 }),
        );
        check(
            &[0x07, 0xE3, 0x0C, 0x10, 0x06, 0x00, 0x00],
            Err(Error::Malformed(
                "CGM measurement: record size too small for its flags",
            )),
        );
        // A reserved flag bit is kept and ignored (CGMS v1.0.1: bits 2–4 reserved for future use).
        check(
            &[0x06, 0x04, 0x0C, 0x10, 0x06, 0x00],
            Ok(vec![CgmRecord {
                reserved_flags: 0x04,
                ..plain(n(12, 1), 6)
            }]),
        );
        check(
            &[0x05, 0x00, 0x0C, 0x10, 0x06],
            Err(Error::Malformed(
                "CGM measurement: record size below the minimum of 6",
            )),
        );
        check(&[], Err(Error::TooShort { needed: 1, got: 0 }));
        // A record with one stray byte after its fields is neither CRC-less nor CRC-protected.
        check(
            &[0x07, 0x00, 0x0C, 0x10, 0x06, 0x00, 0x00],
            Err(Error::Malformed(
                "CGM measurement: record size disagrees with its flags",
            )),
        );
    }

    #[test]
    fn reserved_flags_are_ignored() {
        let check = check_ignored::<CgmMeasurement>;
        check(&[0x06, 0x00, 0x0C, 0x10, 0x06, 0x00], Ok(vec![]));
        check(
            &[0x06, 0x1C, 0x0C, 0x10, 0x06, 0x00],
            Ok(vec![Ignored::ReservedFlags(0x1C)]),
        );
        // Two records, the second with a reserved bit; then one with a trend and a CRC over the
        // flags byte as sent.
        check(
            &[
                0x06, 0x00, 0x0C, 0x10, 0x05, 0x00, 0x06, 0x08, 0x0C, 0x10, 0x06, 0x00,
            ],
            Ok(vec![Ignored::ReservedFlags(0x08)]),
        );
        let with_crc = CgmMeasurement {
            records: vec![CgmRecord {
                trend: Some(n(2, -1)),
                e2e_crc: true,
                reserved_flags: 0x10,
                ..plain(n(12, 1), 6)
            }],
        }
        .encode();
        check(&with_crc, Ok(vec![Ignored::ReservedFlags(0x10)]));
        // A reserved bit announces no field we know: a record longer than its flags ask for is
        // neither CRC-less nor CRC-protected.
        check(
            &[0x07, 0x04, 0x0C, 0x10, 0x06, 0x00, 0x00],
            Err(Error::Malformed(
                "CGM measurement: record size disagrees with its flags",
            )),
        );
        let records = CgmMeasurement::decode(&[
            0x06, 0x00, 0x0C, 0x10, 0x05, 0x00, 0x06, 0x08, 0x0C, 0x10, 0x06, 0x00,
        ])
        .map(|m| m.records.iter().map(CgmRecord::ignored).collect::<Vec<_>>());
        assert_eq!(
            records,
            Ok(vec![vec![], vec![Ignored::ReservedFlags(0x08)]])
        );
    }

    #[test]
    fn feature_vectors() {
        let check = |bytes: &[u8], expected: Result<CgmFeature>| {
            assert_eq!(CgmFeature::decode(bytes), expected, "{bytes:02x?}")
        };
        let with_crc = CgmFeature {
            features: 0x01_9E6E,
            sample_type: SampleType::ArterialPlasma,
            sample_location: CgmSampleLocation::Finger,
        };
        check(&[0x6E, 0x9E, 0x01, 0x16, 0x8A, 0xC1], Ok(with_crc));
        assert_eq!(with_crc.encode(), [0x6E, 0x9E, 0x01, 0x16, 0x8A, 0xC1]);
        check(
            &[0x6E, 0x8E, 0x01, 0x16, 0xFF, 0xFF],
            Ok(CgmFeature {
                features: 0x01_8E6E,
                ..with_crc
            }),
        );
        check(
            &[0x6E, 0x9E, 0x01, 0x16, 0xAF, 0xBE],
            Err(Error::BadCrc {
                computed: 0xC18A,
                sent: 0xBEAF,
            }),
        );
        check(
            &[0x6E, 0x8E, 0x01, 0x16, 0xAF, 0xBE],
            Err(Error::Malformed(
                "CGM feature: E2E-CRC must be 0xFFFF when not supported",
            )),
        );
        check(
            &[0x6E, 0x9E, 0x01, 0x16],
            Err(Error::TooShort { needed: 6, got: 4 }),
        );
    }

    #[test]
    fn status_vectors() {
        let check = |bytes: &[u8], expected: Result<CgmStatus>| {
            assert_eq!(CgmStatus::decode(bytes), expected, "{bytes:02x?}")
        };
        check(
            &[0x05, 0x00, 0x3F, 0x3F, 0xFF, 0xA7, 0xE0],
            Ok(CgmStatus {
                time_offset_min: 5,
                status: 0xFF_3F3F,
                e2e_crc: true,
            }),
        );
        check(
            &[0x06, 0x00, 0x01, 0x01, 0x01],
            Ok(CgmStatus {
                time_offset_min: 6,
                status: 0x01_0101,
                e2e_crc: false,
            }),
        );
        check(
            &[0x06, 0x00, 0x01, 0x01, 0x01, 0xA7, 0xE0],
            Err(Error::BadCrc {
                computed: e2e_crc(&[0x06, 0x00, 0x01, 0x01, 0x01]),
                sent: 0xE0A7,
            }),
        );
        check(
            &[0x06, 0x00, 0x01, 0x01, 0x01, 0x01],
            Err(Error::TooShort { needed: 7, got: 6 }),
        );
    }

    #[test]
    fn session_start_time_vectors() {
        let check = |bytes: &[u8], expected: Result<CgmSessionStartTime>| {
            assert_eq!(CgmSessionStartTime::decode(bytes), expected, "{bytes:02x?}")
        };
        let start = DateTime {
            year: 2018,
            month: 4,
            day: 24,
            hours: 13,
            minutes: 8,
            seconds: 24,
        };
        let with_crc = CgmSessionStartTime {
            start,
            time_zone: 8,
            dst: DstOffset::Daylight,
            e2e_crc: true,
        };
        let bytes = [0xE2, 0x07, 4, 24, 13, 8, 24, 8, 4, 0xE0, 0xC2];
        check(&bytes, Ok(with_crc));
        assert_eq!(with_crc.encode(), bytes);
        assert_eq!(
            (with_crc.time_zone_minutes(), with_crc.dst.minutes()),
            (Some(120), Some(60))
        );
        check(
            &[0, 0, 4, 24, 13, 8, 24, 8, 2],
            Ok(CgmSessionStartTime {
                start: DateTime { year: 0, ..start },
                time_zone: 8,
                dst: DstOffset::HalfHour,
                e2e_crc: false,
            }),
        );
        check(
            &[0xE2, 0x07, 4, 24, 13, 8, 24, 8, 4, 0xE0, 0xC3],
            Err(Error::BadCrc {
                computed: 0xC2E0,
                sent: 0xC3E0,
            }),
        );
        check(
            &[0xE2, 0x07, 4, 24, 13, 8, 24, 8, 4, 0xE0],
            Err(Error::TooShort {
                needed: 11,
                got: 10,
            }),
        );
        check(
            &[0xE2, 0x07, 4, 24, 13, 8, 24, 57, 4],
            Err(Error::Reserved {
                field: "time zone",
                value: 57,
            }),
        );
        check(
            &[0xE2, 0x07, 4, 24, 13, 8, 24, 8, 1],
            Err(Error::Reserved {
                field: "DST offset",
                value: 1,
            }),
        );
    }

    #[test]
    fn features_decide_the_crc() {
        let no_crc = CgmFeature::decode(&[0x6E, 0x8E, 0x01, 0x16, 0xFF, 0xFF]).expect("valid");
        let with_crc = CgmFeature::decode(&[0x6E, 0x9E, 0x01, 0x16, 0x8A, 0xC1]).expect("valid");
        let record = [0x06, 0x00, 0x0C, 0x10, 0x06, 0x00];
        assert!(CgmMeasurement::decode_with(&record, &no_crc).is_ok());
        assert_eq!(
            CgmMeasurement::decode_with(&record, &with_crc),
            Err(Error::Malformed(
                "CGM measurement: record size disagrees with its flags"
            ))
        );
        let status = [0x06, 0x00, 0x01, 0x01, 0x01];
        assert_eq!(
            CgmStatus::decode_with(&status, &with_crc),
            Err(Error::TooShort { needed: 7, got: 5 })
        );
        let trend = [0x08, 0x01, 0x0C, 0x10, 0x06, 0x00, 0x02, 0xF0];
        let without_trend = CgmFeature {
            features: 0x00_0000,
            ..no_crc
        };
        assert_eq!(
            CgmMeasurement::decode_with(&trend, &without_trend),
            Err(Error::NotSupported("CGM trend information"))
        );
    }
}
