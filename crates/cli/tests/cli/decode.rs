//! `tend decode` against the contract (docs/cli.md): field names, scaling, units, omitted
//! fields, special values, timestamps, `warnings` for what was ignored, and a one-line error with
//! exit code 1 for every rejected packet.
//!
//! Packets are the vectors of `crates/gatt`'s tests (which cite their sources); the expected
//! objects are worked out by hand from the specifications.

use serde_json::{json, Value};

use crate::harness::Tend;

/// Decodes `hex` as `characteristic` in a fresh profile and compares the JSON object (key order
/// aside).
fn check(characteristic: &str, hex: &str, expected: Value) {
    let stdout = Tend::new().run(&["decode", characteristic, hex]).success();
    assert_eq!(stdout.lines().count(), 1, "one line of JSON: {stdout}");
    let got: Value = serde_json::from_str(&stdout).expect("JSON on stdout");
    assert_eq!(got, expected, "{characteristic} {hex}");
}

/// The packet is rejected: exit code 1, nothing on stdout, one line on stderr.
fn reject(characteristic: &str, hex: &str, reason: &str) {
    let run = Tend::new().run(&["decode", characteristic, hex]);
    let stderr = run.failure();
    assert!(
        run.output.stdout.is_empty(),
        "{characteristic} {hex}: nothing on stdout"
    );
    assert!(
        stderr.contains(reason),
        "{characteristic} {hex}: `{stderr}` lacks `{reason}`"
    );
}

#[test]
fn heart_rate() {
    check(
        "2a37",
        "00 55",
        json!({"heart_rate_bpm": 85, "sensor_contact": "unsupported"}),
    );
    check(
        "2a37",
        "04 ff",
        json!({"heart_rate_bpm": 255, "sensor_contact": "not_detected"}),
    );
    check(
        "2a37",
        "1e 55 32 00 21 00",
        json!({"heart_rate_bpm": 85, "sensor_contact": "detected", "energy_expended_kj": 50, "rr_intervals_ms": [32.2265625]}),
    );
    check(
        "2A37",
        "1f0101 3201 0100 0201 ffff",
        json!({"heart_rate_bpm": 257, "sensor_contact": "detected", "energy_expended_kj": 306,
               "rr_intervals_ms": [0.9765625, 251.953125, 63999.0234375]}),
    );
    reject("2a37", "17 01 01", "too short");
    reject("2a37", "10 3c", "too short");
    reject("2a37", "00 3c 00", "trailing");
}

#[test]
fn blood_pressure_and_cuff_pressure() {
    check(
        "2a35",
        "1e 8a 00 58 00 78 00 00 00 04 11 14 29 3b 3c 00 01 27 00",
        json!({"systolic": 138, "diastolic": 88, "mean_arterial": 120, "unit": "mmHg",
               "timestamp": "0000-04-17T20:41:59", "pulse_rate_bpm": 60, "user_id": 1, "measurement_status": 39}),
    );
    check(
        "2a35",
        "15 bd f0 0b 00 9f f0 3c 00 12 00",
        json!({"systolic": 18.9, "diastolic": 11, "mean_arterial": 15.9, "unit": "kPa",
               "pulse_rate_bpm": 60, "measurement_status": 18}),
    );
    check(
        "2a35",
        "00 ff 07 00 08 fe 07",
        json!({"systolic": "NaN", "diastolic": "NRes", "mean_arterial": "+INF", "unit": "mmHg"}),
    );
    check(
        "2a35",
        "00 02 08 01 08 78 00",
        json!({"systolic": "-INF", "diastolic": "reserved", "mean_arterial": 120, "unit": "mmHg"}),
    );
    check(
        "2a36",
        "00 38 00 ff 07 ff 07",
        json!({"cuff_pressure": 56, "unit": "mmHg"}),
    );
    check(
        "2a36",
        "05 38 00 ff 07 ff 07 48 00",
        json!({"cuff_pressure": 56, "unit": "kPa", "pulse_rate_bpm": 72}),
    );
    reject("2a35", "01 02 03 04 05 06", "too short");
    reject("2a35", "10 78 00 50 00 5a 00 18 00", "reserved");
}

#[test]
fn temperature() {
    check(
        "2a1c",
        "06 b0 0e 00 fe dc 07 0c 05 0b 32 1b 04",
        json!({"temperature": 37.6, "unit": "C", "timestamp": "2012-12-05T11:50:27", "temperature_type": 4}),
    );
    check(
        "2a1c",
        "00 6e 01 00 ff",
        json!({"temperature": 36.6, "unit": "C"}),
    );
    check(
        "2a1c",
        "01 ff ff 7f 00",
        json!({"temperature": "NaN", "unit": "F"}),
    );
    reject("2a1c", "04 6e 01 00 ff 00", "reserved");
    reject(
        "2a1c",
        "02 6e 01 00 ff dc 07 0d 05 0b 32 1b",
        "reserved value 0xd in month",
    );
}

#[test]
fn pulse_oximetry() {
    check(
        "2a5e",
        "0f ac f3 be f5 e8 07 0b 1d 17 08 39 20 40 22 00 00 66 e3",
        json!({"spo2_percent": 94, "pulse_rate_bpm": 147, "timestamp": "2024-11-29T23:08:57",
               "measurement_status": 16416, "device_sensor_status": 34, "pulse_amplitude_index": 8.7}),
    );
    check(
        "2a5f",
        "00 e8 f3 84 f3",
        json!({"spo2_percent": 100, "pulse_rate_bpm": 90}),
    );
    check(
        "2a5f",
        "1f de f3 ca f3 ca f3 5a f5 d4 f3 b2 f2 20 01 00 00 00 7a e3",
        json!({"spo2_percent": 99, "pulse_rate_bpm": 97, "spo2_fast_percent": 97, "pulse_rate_fast_bpm": 137,
               "spo2_slow_percent": 98, "pulse_rate_slow_bpm": 69, "measurement_status": 288,
               "device_sensor_status": 0, "pulse_amplitude_index": 8.9}),
    );
    reject("2a5e", "01 5f 00 5a 00", "too short");
}

#[test]
fn glucose_and_context() {
    check(
        "2a18",
        "1b 01 00 e3 07 02 1b 0b 0a 1e fb ff 1e 00 12 05 01",
        json!({"sequence_number": 1, "timestamp": "2019-02-27T11:10:30", "time_offset_min": -5,
               "glucose_concentration": 30, "unit": "kg/L", "sample_type": 2, "sample_location": 1,
               "sensor_status": 261, "context_follows": true}),
    );
    check(
        "2a18",
        "06 2a 00 e8 07 01 01 08 00 00 37 c0 f4",
        json!({"sequence_number": 42, "timestamp": "2024-01-01T08:00:00", "glucose_concentration": 0.0055,
               "unit": "mol/L", "sample_type": 4, "sample_location": 15, "context_follows": false}),
    );
    check(
        "2a34",
        "7f 00 00 03 64 00 04 12 3c 00 32 04 d2 f4 59 f1",
        json!({"sequence_number": 0, "carbohydrate_id": 3, "carbohydrate_amount": 100, "meal": 4, "tester": 2,
               "health": 1, "exercise_duration_s": 60, "exercise_intensity_percent": 50, "medication_id": 4,
               "medication_amount": 123.4, "medication_unit": "L", "hba1c_percent": 34.5}),
    );
    check("2a34", "00 01 00", json!({"sequence_number": 1}));
    reject(
        "2a18",
        "06 2a 00 e8 07 01 01 08 00 00 37 c0 f0",
        "reserved value 0x0 in sample type",
    );
}

#[test]
fn weight_and_body_composition() {
    check(
        "2a9d",
        "0e 39 30 e8 07 06 06 07 1e 00 02 e6 00 e0 06",
        json!({"weight": 61.725, "unit": "kg", "timestamp": "2024-06-06T07:30:00", "user_id": 2, "bmi": 23,
               "height": 1.76, "measurement_unsuccessful": false}),
    );
    check(
        "2a9d",
        "09 8c 3c e6 00 bc 02",
        json!({"weight": 155, "unit": "lb", "bmi": 23, "height": 70, "measurement_unsuccessful": false}),
    );
    check(
        "2a9d",
        "00 ff ff",
        json!({"unit": "kg", "measurement_unsuccessful": true}),
    );
    check(
        "2a9c",
        "0c 0e d7 00 01 58 1b 88 13 b0 36 d6 06",
        json!({"body_fat_percent": 21.5, "unit": "kg", "user_id": 1, "basal_metabolism_kj": 7000,
               "impedance_ohm": 500, "weight": 70, "height": 1.75, "multiple_packet": false,
               "measurement_unsuccessful": false}),
    );
    check(
        "2a9c",
        "08 10 d7 00 58 1b",
        json!({"body_fat_percent": 21.5, "unit": "kg", "basal_metabolism_kj": 7000, "multiple_packet": true,
               "measurement_unsuccessful": false}),
    );
    check(
        "2a9c",
        "01 00 ff ff",
        json!({"unit": "lb", "multiple_packet": false, "measurement_unsuccessful": true}),
    );
    reject("2a9c", "00 04 d7 00 b0", "too short");
}

#[test]
fn continuous_glucose() {
    check(
        "2aa7",
        "0f e3 d2 e4 05 00 02 14 ff 02 f0 e5 f3 8e 3f",
        json!({"cgm_glucose_mg_dl": 12.34, "time_offset_min": 5, "trend_mg_dl_per_min": 0.2,
               "quality_percent": 99.7, "e2e_crc_present": true, "sensor_status": 0xFF_1402}),
    );
    check(
        "2aa7",
        "06 00 0c 10 06 00",
        json!({"cgm_glucose_mg_dl": 120, "time_offset_min": 6, "e2e_crc_present": false}),
    );
    check(
        "2aa7",
        "06 00 0c 10 05 00 06 00 0c 10 06 00",
        json!({"records": [
            {"cgm_glucose_mg_dl": 120, "time_offset_min": 5, "e2e_crc_present": false},
            {"cgm_glucose_mg_dl": 120, "time_offset_min": 6, "e2e_crc_present": false},
        ]}),
    );
    reject("2aa7", "08 00 0c 10 06 00 58 6f", "bad CRC");
    reject("2aa7", "06 e3 0c 10 06", "too short");
    reject("2aa7", "07 00 0c 10 06 00 00", "size");
}

/// Reserved flag bits, a glucose context's extended flags and a cuff pressure's unused fields are
/// ignored, as the SIG specifies, and listed in `warnings`; a value whose structure is broken is
/// still refused, reserved bits or not. Packets from the crate's tests (formerly refused).
#[test]
fn reserved_bits_and_unused_fields_are_ignored_with_warnings() {
    check(
        "2a37",
        "20 3c",
        json!({"heart_rate_bpm": 60, "sensor_contact": "unsupported",
               "warnings": ["reserved flag bits 0x20 ignored"]}),
    );
    check(
        "2a35",
        "e0 78 00 50 00 5a 00",
        json!({"systolic": 120, "diastolic": 80, "mean_arterial": 90, "unit": "mmHg",
               "warnings": ["reserved flag bits 0xe0 ignored"]}),
    );
    check(
        "2a36",
        "00 38 00 00 00 ff 07",
        json!({"cuff_pressure": 56, "unit": "mmHg",
               "warnings": ["unused field diastolic ignored (not NaN)"]}),
    );
    check(
        "2a36",
        "40 38 00 00 00 00 00",
        json!({"cuff_pressure": 56, "unit": "mmHg",
               "warnings": ["reserved flag bits 0x40 ignored", "unused field diastolic ignored (not NaN)",
                            "unused field mean_arterial ignored (not NaN)"]}),
    );
    check(
        "2a1c",
        "08 6e 01 00 ff",
        json!({"temperature": 36.6, "unit": "C", "warnings": ["reserved flag bits 0x08 ignored"]}),
    );
    check(
        "2a5f",
        "20 5f 00 5a 00",
        json!({"spo2_percent": 95, "pulse_rate_bpm": 90, "warnings": ["reserved flag bits 0x20 ignored"]}),
    );
    check(
        "2a5e",
        "80 5f 00 48 00",
        json!({"spo2_percent": 95, "pulse_rate_bpm": 72, "warnings": ["reserved flag bits 0x80 ignored"]}),
    );
    check(
        "2a18",
        "26 2a 00 e8 07 01 01 08 00 00 37 c0 f4",
        json!({"sequence_number": 42, "timestamp": "2024-01-01T08:00:00", "glucose_concentration": 0.0055,
               "unit": "mol/L", "sample_type": 4, "sample_location": 15, "context_follows": false,
               "warnings": ["reserved flag bits 0x20 ignored"]}),
    );
    check(
        "2a34",
        "80 01 00 b3",
        json!({"sequence_number": 1, "warnings": ["reserved extended flag bits 0xb3 ignored"]}),
    );
    // Extended flags present but all zero: nothing was ignored.
    check(
        "2a34",
        "82 01 00 00 04",
        json!({"sequence_number": 1, "meal": 4}),
    );
    check(
        "2a9d",
        "10 b0 36",
        json!({"weight": 70, "unit": "kg", "measurement_unsuccessful": false,
               "warnings": ["reserved flag bits 0x10 ignored"]}),
    );
    check(
        "2a9c",
        "00 20 d7 00",
        json!({"body_fat_percent": 21.5, "unit": "kg", "multiple_packet": false,
               "measurement_unsuccessful": false, "warnings": ["reserved flag bits 0x2000 ignored"]}),
    );
    check(
        "2aa7",
        "06 04 0c 10 06 00",
        json!({"cgm_glucose_mg_dl": 120, "time_offset_min": 6, "e2e_crc_present": false,
               "warnings": ["reserved flag bits 0x04 ignored"]}),
    );
    // Several CGM records: each says what was ignored in it.
    check(
        "2aa7",
        "06 00 0c 10 05 00 06 08 0c 10 06 00",
        json!({"records": [
            {"cgm_glucose_mg_dl": 120, "time_offset_min": 5, "e2e_crc_present": false},
            {"cgm_glucose_mg_dl": 120, "time_offset_min": 6, "e2e_crc_present": false,
             "warnings": ["reserved flag bits 0x08 ignored"]},
        ]}),
    );
    // A reserved bit announces no field: bytes past the known layout are still refused.
    reject("2a37", "20 3c 00", "trailing");
    reject("2a35", "20 78 00 50 00 5a 00 48 00", "trailing");
    reject("2a36", "40 38 00 ff 07 ff 07 00", "trailing");
    reject("2a1c", "08 6e 01 00 ff 00", "trailing");
    reject("2a5f", "20 5f 00 5a 00 00 00", "trailing");
    reject("2a18", "40 2a 00 e8 07 01 01 08 00 00 00 00", "trailing");
    reject("2a34", "80 01 00 b3 00", "trailing");
    reject("2a34", "80 01 00", "too short");
    reject("2a9d", "10 b0 36 02", "trailing");
    reject("2a9c", "00 80 d7 00 58 1b", "trailing");
    reject("2aa7", "07 04 0c 10 06 00 00", "size");
    // Reserved enumerated values are values outside their type: still refused.
    reject(
        "2a1c",
        "0c 6e 01 00 ff 00",
        "reserved value 0x0 in temperature type",
    );
}

#[test]
fn battery_and_bare_numbers() {
    check("2a19", "64", json!({"battery_percent": 100}));
    check("2a19", "00", json!({"battery_percent": 0}));
    reject("2a19", "65", "reserved");
    reject("2a19", "64 00", "trailing");
    check("sfloat", "6e f1", json!({"value": 36.6}));
    check("sfloat", "fe 07", json!({"value": "+INF"}));
    check("sfloat", "02 08", json!({"value": "-INF"}));
    check("sfloat", "00 08", json!({"value": "NRes"}));
    check("sfloat", "01 08", json!({"value": "reserved"}));
    check("float", "ff ff 7f 00", json!({"value": "NaN"}));
}

#[test]
fn other_characteristics_and_bad_input() {
    check("2a1d", "02", json!({"temperature_type": 2}));
    check(
        "2a08",
        "dc 07 0c 05 0b 32 1b",
        json!({"timestamp": "2012-12-05T11:50:27"}),
    );
    check("2a29", "4e 6f 72 64 69 63", json!({"value": "Nordic"}));
    check(
        "2a52",
        "06 00 01 01",
        json!({"request_op_code": 1, "response_code": 1}),
    );
    check("2a52", "05 00 02 01", json!({"number_of_records": 258}));
    check(
        "2aa9",
        "05 00 3f 3f ff a7 e0",
        json!({"time_offset_min": 5, "sensor_status": 0xFF_3F3F, "e2e_crc_present": true}),
    );
    reject("2a29", "41 ff", "UTF-8");
    reject("2a00", "00", "unsupported characteristic");
    reject("2a37", "+1 00", "not a hex digit");
    reject("2a37", "0", "whole bytes");
}
