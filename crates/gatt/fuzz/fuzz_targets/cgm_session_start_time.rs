//! Fuzzes the CgmSessionStartTime decoder: no panic, and what it accepts re-encodes to the same value.
#![no_main]

use tend_gatt::{CgmSessionStartTime, Characteristic};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    tend_gatt_fuzz::round_trip::<CgmSessionStartTime>(data);
    tend_gatt_fuzz::with_cgm_feature(
        data,
        CgmSessionStartTime::decode_with,
        CgmSessionStartTime::encode,
    );
});
