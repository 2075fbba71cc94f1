//! Fuzzes the Device Information strings: valid UTF-8 or a typed error, never a panic.
#![no_main]

use tend_gatt::DeviceInformationString;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = DeviceInformationString::decode(data) {
        assert_eq!(DeviceInformationString::encode(&text), data);
    }
});
