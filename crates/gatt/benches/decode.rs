//! Decode throughput per characteristic: one representative packet each, packets per second.
//!
//! `cargo bench -p tend-gatt --bench decode -- --quick` for a short run.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use tend_gatt::{
    BatteryLevel, BloodPressureMeasurement, BodyCompositionMeasurement, CgmMeasurement,
    Characteristic, CurrentTime, GlucoseContext, GlucoseMeasurement, HeartRateMeasurement,
    IntermediateCuffPressure, PlxContinuous, PlxSpotCheck, RacpResponse, TemperatureMeasurement,
    WeightMeasurement,
};

fn bench<T: Characteristic>(c: &mut Criterion, name: &str, packet: &[u8]) {
    assert!(
        T::decode(packet).is_ok(),
        "{name}: the benchmark packet must decode"
    );
    let mut group = c.benchmark_group("decode");
    group.throughput(Throughput::Elements(1));
    group.bench_function(name, |b| b.iter(|| T::decode(black_box(packet))));
    group.finish();
}

fn decoders(c: &mut Criterion) {
    bench::<HeartRateMeasurement>(
        c,
        "2a37_heart_rate",
        &[0x1F, 1, 1, 50, 1, 1, 0, 2, 1, 0xFF, 0xFF],
    );
    bench::<BloodPressureMeasurement>(
        c,
        "2a35_blood_pressure",
        &[
            0x1E, 0x8A, 0x00, 0x58, 0x00, 0x78, 0x00, 0xE3, 0x07, 0x04, 0x11, 0x14, 0x29, 0x3B,
            0x3C, 0x00, 0x01, 0x27, 0x00,
        ],
    );
    bench::<IntermediateCuffPressure>(
        c,
        "2a36_cuff_pressure",
        &[0x00, 0x38, 0x00, 0xFF, 0x07, 0xFF, 0x07],
    );
    bench::<TemperatureMeasurement>(
        c,
        "2a1c_temperature",
        &[
            0x06, 0xB0, 0x0E, 0x00, 0xFE, 0xDC, 0x07, 0x0C, 0x05, 0x0B, 0x32, 0x1B, 0x04,
        ],
    );
    bench::<PlxSpotCheck>(
        c,
        "2a5e_plx_spot_check",
        &[
            15, 172, 243, 190, 245, 232, 7, 11, 29, 23, 8, 57, 32, 64, 34, 0, 0, 102, 227,
        ],
    );
    bench::<PlxContinuous>(
        c,
        "2a5f_plx_continuous",
        &[
            31, 222, 243, 202, 243, 202, 243, 90, 245, 212, 243, 178, 242, 32, 1, 0, 0, 0, 122, 227,
        ],
    );
    bench::<GlucoseMeasurement>(
        c,
        "2a18_glucose",
        &[
            0x1B, 1, 0, 0xE3, 0x07, 2, 27, 11, 10, 30, 0xFB, 0xFF, 30, 0, 0x12, 0b101, 0b1,
        ],
    );
    bench::<GlucoseContext>(
        c,
        "2a34_glucose_context",
        &[
            0x7F, 0, 0, 3, 100, 0, 4, 0x12, 60, 0, 50, 4, 0xD2, 0xF4, 0x59, 0xF1,
        ],
    );
    bench::<WeightMeasurement>(
        c,
        "2a9d_weight",
        &[
            0x0E, 0x39, 0x30, 0xE8, 0x07, 6, 6, 7, 30, 0, 2, 0xE6, 0x00, 0xE0, 0x06,
        ],
    );
    bench::<BodyCompositionMeasurement>(
        c,
        "2a9c_body_composition",
        &[
            0x0C, 0x0E, 0xD7, 0x00, 0x01, 0x58, 0x1B, 0x88, 0x13, 0xB0, 0x36, 0xD6, 0x06,
        ],
    );
    bench::<CgmMeasurement>(
        c,
        "2aa7_cgm_with_crc",
        &[
            0x0F, 0xE3, 0xD2, 0xE4, 0x05, 0x00, 0x02, 0x14, 0xFF, 0x02, 0xF0, 0xE5, 0xF3, 0x8E,
            0x3F,
        ],
    );
    bench::<BatteryLevel>(c, "2a19_battery", &[0x55]);
    bench::<CurrentTime>(
        c,
        "2a2b_current_time",
        &[0xD5, 0x07, 0x0C, 0x1B, 0x0C, 0x1F, 0x28, 0x02, 0x7F, 0x05],
    );
    let mut group = c.benchmark_group("decode");
    group.throughput(Throughput::Elements(1));
    group.bench_function("2a52_racp_response", |b| {
        b.iter(|| RacpResponse::decode(black_box(&[6, 0, 1, 1])))
    });
    group.finish();
}

criterion_group!(benches, decoders);
criterion_main!(benches);
