//! Fuzzes the CgmStatus decoder: no panic, and what it accepts re-encodes to the same value.
#![no_main]

use tend_gatt::{CgmStatus, Characteristic};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    tend_gatt_fuzz::round_trip::<CgmStatus>(data);
    tend_gatt_fuzz::with_cgm_feature(data, CgmStatus::decode_with, CgmStatus::encode);
});
