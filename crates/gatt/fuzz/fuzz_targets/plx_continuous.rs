//! Fuzzes the PlxContinuous decoder: no panic, and what it accepts re-encodes to the same value.
#![no_main]

use tend_gatt::{Characteristic, PlxContinuous};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    tend_gatt_fuzz::round_trip::<PlxContinuous>(data);
    tend_gatt_fuzz::with_plx_features(data, PlxContinuous::decode_with, PlxContinuous::encode);
});
