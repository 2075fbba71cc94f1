//! Fuzzes the CgmMeasurement decoder: no panic, and what it accepts re-encodes to the same value.
#![no_main]

use tend_gatt::{CgmMeasurement, Characteristic};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    tend_gatt_fuzz::round_trip::<CgmMeasurement>(data);
    tend_gatt_fuzz::with_cgm_feature(data, CgmMeasurement::decode_with, CgmMeasurement::encode);
});
