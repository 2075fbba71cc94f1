//! Fuzzes the reader of any file, its format detected: no panic, bounded, preview in step.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    tend_import_fuzz::import(data, None);
});
