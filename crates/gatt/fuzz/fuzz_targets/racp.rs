//! Fuzzes the Record Access Control Point: requests for both services, and responses.
#![no_main]

use tend_gatt::{RacpRequest, RacpResponse, RacpService};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    for service in [RacpService::Glucose, RacpService::ContinuousGlucose] {
        if let Ok(request) = RacpRequest::decode(data, service) {
            assert_eq!(RacpRequest::decode(&request.encode(), service), Ok(request));
        }
    }
    if let Ok(response) = RacpResponse::decode(data) {
        assert_eq!(RacpResponse::decode(&response.encode()), Ok(response));
    }
});
