//! Fuzzes the User Data Service's User Control Point: requests and responses.
#![no_main]

use tend_gatt::{UcpRequest, UcpResponse};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(request) = UcpRequest::decode(data) {
        assert_eq!(UcpRequest::decode(&request.encode()), Ok(request));
    }
    if let Ok(response) = UcpResponse::decode(data) {
        assert_eq!(UcpResponse::decode(&response.encode()), Ok(response));
    }
});
