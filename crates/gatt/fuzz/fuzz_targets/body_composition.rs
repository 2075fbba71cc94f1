//! Fuzzes the BodyCompositionMeasurement decoder: no panic, and what it accepts re-encodes to the same value.
#![no_main]

use tend_gatt::{BodyCompositionFeature, BodyCompositionMeasurement, Characteristic};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    tend_gatt_fuzz::round_trip::<BodyCompositionMeasurement>(data);
    tend_gatt_fuzz::with_u32_feature(
        data,
        |b, f| BodyCompositionMeasurement::decode_with(b, BodyCompositionFeature(f)),
        BodyCompositionMeasurement::encode,
    );
});
