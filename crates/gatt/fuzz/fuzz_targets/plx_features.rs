//! Fuzzes the PlxFeatures decoder: no panic, and what it accepts re-encodes to the same value.
#![no_main]

use tend_gatt::PlxFeatures;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    tend_gatt_fuzz::round_trip::<PlxFeatures>(data);
});
