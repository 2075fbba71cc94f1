//! Fuzzes the reader of FHIR Bundle: no panic, bounded, preview in step.
#![no_main]

use tend_import::Format;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    tend_import_fuzz::import(data, Some(Format::FhirBundle));
});
