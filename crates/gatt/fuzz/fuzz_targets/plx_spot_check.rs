//! Fuzzes the PlxSpotCheck decoder: no panic, and what it accepts re-encodes to the same value.
#![no_main]

use tend_gatt::{Characteristic, PlxSpotCheck};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    tend_gatt_fuzz::round_trip::<PlxSpotCheck>(data);
    tend_gatt_fuzz::with_plx_features(data, PlxSpotCheck::decode_with, PlxSpotCheck::encode);
});
