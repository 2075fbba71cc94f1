//! Fuzzes the WeightMeasurement decoder: no panic, and what it accepts re-encodes to the same value.
#![no_main]

use tend_gatt::{Characteristic, WeightMeasurement, WeightScaleFeature};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    tend_gatt_fuzz::round_trip::<WeightMeasurement>(data);
    tend_gatt_fuzz::with_u32_feature(
        data,
        |b, f| WeightMeasurement::decode_with(b, WeightScaleFeature(f)),
        WeightMeasurement::encode,
    );
});
