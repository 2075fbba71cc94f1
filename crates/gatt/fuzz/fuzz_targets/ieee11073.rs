//! Fuzzes SFLOAT and FLOAT: every bit pattern decodes, and re-encodes to the same number.
#![no_main]

use tend_gatt::{Float, Sfloat};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(n) = Sfloat::read(data) {
        assert_eq!(Sfloat::encode(n).decode(), n);
        assert!(n.value().is_none_or(f64::is_finite));
    }
    if let Ok(n) = Float::read(data) {
        assert_eq!(Float::encode(n).decode(), n);
        assert!(n.value().is_none_or(f64::is_finite));
    }
});
