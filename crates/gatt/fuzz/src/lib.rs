//! Checks shared by the fuzz targets: a decoder never panics, and a value it accepts encodes to
//! bytes it decodes to the same value (reserved flag bits and unused fields included, so it
//! ignores the same things again).

use std::fmt::Debug;

use tend_gatt::{CgmFeature, CgmSampleLocation, Characteristic, PlxFeatures, Result, SampleType};

/// Decodes `data`; if accepted, the value must survive encode → decode, and what it ignored must
/// be reportable.
pub fn round_trip<T: Characteristic + PartialEq + Debug>(data: &[u8]) {
    if let Ok(value) = T::decode(data) {
        for ignored in value.ignored() {
            assert!(!ignored.to_string().is_empty());
        }
        assert_eq!(T::decode(&value.encode()), Ok(value));
    }
}

/// The first two bytes choose which PLX features are supported; the rest is the value.
pub fn with_plx_features<T: PartialEq + Debug>(
    data: &[u8],
    decode: fn(&[u8], &PlxFeatures) -> Result<T>,
    encode: fn(&T) -> Vec<u8>,
) {
    if let [a, b, rest @ ..] = data {
        let features = PlxFeatures {
            supported: u16::from_le_bytes([*a, *b]),
            measurement_status_support: Some(0x00E0),
            device_sensor_status_support: Some(0x0000_00FF),
        };
        if let Ok(value) = decode(rest, &features) {
            assert_eq!(decode(&encode(&value), &features), Ok(value));
        }
    }
}

/// The first byte says whether the CGM supports E2E-CRC, trend and quality; the rest is the value.
pub fn with_cgm_feature<T: PartialEq + Debug>(
    data: &[u8],
    decode: fn(&[u8], &CgmFeature) -> Result<T>,
    encode: fn(&T) -> Vec<u8>,
) {
    if let [first, rest @ ..] = data {
        let feature = CgmFeature {
            features: u32::from(first & 1) << 12 | u32::from(first >> 1 & 0b11) << 15,
            sample_type: SampleType::InterstitialFluid,
            sample_location: CgmSampleLocation::SubcutaneousTissue,
        };
        if let Ok(value) = decode(rest, &feature) {
            assert_eq!(decode(&encode(&value), &feature), Ok(value));
        }
    }
}

/// The first four bytes are a 32-bit feature field; the rest is the value.
pub fn with_u32_feature<T: PartialEq + Debug>(
    data: &[u8],
    decode: impl Fn(&[u8], u32) -> Result<T>,
    encode: fn(&T) -> Vec<u8>,
) {
    if let [a, b, c, d, rest @ ..] = data {
        let feature = u32::from_le_bytes([*a, *b, *c, *d]);
        if let Ok(value) = decode(rest, feature) {
            assert_eq!(decode(&encode(&value), feature), Ok(value));
        }
    }
}
