//! Properties over generated values: `decode(encode(x)) == x` for every characteristic (reserved
//! flag bits and unused fields included), and no decoder panics on random bytes (a value it accepts
//! re-encodes to one it decodes the same, ignoring the same reserved bits).
//!
//! `PROPTEST_CASES=N` raises the number of cases (default 256 per property; the random-bytes
//! properties run 16 times that).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::collection::vec;
use proptest::option::of;
use proptest::prelude::*;
use proptest::sample::select;
use tend_gatt::*;

// ---------------------------------------------------------------------------------------------
// Generators

fn sfloat() -> impl Strategy<Value = Number> {
    prop_oneof![
        8 => (-2045i32..=2045, -8i8..=7).prop_map(|(m, e)| Number::finite(m, e)),
        1 => select(Special::ALL.to_vec()).prop_map(Number::Special),
    ]
}

fn float() -> impl Strategy<Value = Number> {
    prop_oneof![
        8 => (-8_388_605i32..=8_388_605, any::<i8>()).prop_map(|(m, e)| Number::finite(m, e)),
        1 => select(Special::ALL.to_vec()).prop_map(Number::Special),
    ]
}

fn date_time() -> impl Strategy<Value = DateTime> {
    (
        prop_oneof![Just(0u16), 1582u16..=9999],
        0u8..=12,
        0u8..=31,
        0u8..=23,
        0u8..=59,
        0u8..=59,
    )
        .prop_map(|(year, month, day, hours, minutes, seconds)| DateTime {
            year,
            month,
            day,
            hours,
            minutes,
            seconds,
        })
}

fn heart_rate() -> impl Strategy<Value = HeartRateMeasurement> {
    let contact = select(vec![
        SensorContact::Unsupported,
        SensorContact::NotDetected,
        SensorContact::Detected,
    ]);
    (
        any::<u16>(),
        contact,
        of(any::<u16>()),
        vec(any::<u16>(), 0..9),
        reserved(0xE0),
    )
        .prop_map(
            |(bpm, sensor_contact, kj, rr, reserved_flags)| HeartRateMeasurement {
                bpm,
                sensor_contact,
                energy_expended_kj: kj,
                rr_intervals: rr,
                reserved_flags,
            },
        )
}

/// Reserved flag bits: none most of the time, else any of those in `mask`.
fn reserved(mask: u8) -> impl Strategy<Value = u8> {
    prop_oneof![3 => Just(0u8), 1 => any::<u8>().prop_map(move |bits| bits & mask)]
}

fn pressure_unit() -> impl Strategy<Value = PressureUnit> {
    select(vec![PressureUnit::MmHg, PressureUnit::KPa])
}

fn bp_status() -> impl Strategy<Value = BloodPressureStatus> {
    // Any bits, but the pulse-rate range never the reserved 0b11.
    (any::<u16>(), 0u16..3)
        .prop_map(|(s, range)| BloodPressureStatus(s & !(0b11 << 3) | range << 3))
}

fn blood_pressure() -> impl Strategy<Value = BloodPressureMeasurement> {
    (
        pressure_unit(),
        sfloat(),
        sfloat(),
        sfloat(),
        of(date_time()),
        of(sfloat()),
        of(any::<u8>()),
        of(bp_status()),
        reserved(0xE0),
    )
        .prop_map(
            |(
                unit,
                systolic,
                diastolic,
                mean_arterial,
                timestamp,
                pulse_rate,
                user_id,
                status,
                reserved_flags,
            )| {
                BloodPressureMeasurement {
                    unit,
                    systolic,
                    diastolic,
                    mean_arterial,
                    timestamp,
                    pulse_rate,
                    user_id,
                    status,
                    reserved_flags,
                }
            },
        )
}

fn cuff_pressure() -> impl Strategy<Value = IntermediateCuffPressure> {
    (
        pressure_unit(),
        sfloat(),
        of(date_time()),
        of(sfloat()),
        of(any::<u8>()),
        of(bp_status()),
        reserved(0xE0),
        // Unused fields: NaN as the specification says, or anything a cuff puts there.
        prop_oneof![3 => Just([Number::NAN, Number::NAN]), 1 => [sfloat(), sfloat()]],
    )
        .prop_map(
            |(
                unit,
                cuff_pressure,
                timestamp,
                pulse_rate,
                user_id,
                status,
                reserved_flags,
                unused_fields,
            )| {
                IntermediateCuffPressure {
                    unit,
                    cuff_pressure,
                    timestamp,
                    pulse_rate,
                    user_id,
                    status,
                    reserved_flags,
                    unused_fields,
                }
            },
        )
}

fn temperature() -> impl Strategy<Value = TemperatureMeasurement> {
    let unit = select(vec![TemperatureUnit::Celsius, TemperatureUnit::Fahrenheit]);
    (
        unit,
        float(),
        of(date_time()),
        of(select(TemperatureType::ALL)),
        reserved(0xF8),
    )
        .prop_map(
            |(unit, temperature, timestamp, temperature_type, reserved_flags)| {
                TemperatureMeasurement {
                    unit,
                    temperature,
                    timestamp,
                    temperature_type,
                    reserved_flags,
                }
            },
        )
}

fn pair() -> impl Strategy<Value = SpO2Pr> {
    (sfloat(), sfloat()).prop_map(|(spo2, pulse_rate)| SpO2Pr { spo2, pulse_rate })
}

fn plx_status() -> impl Strategy<
    Value = (
        Option<PlxMeasurementStatus>,
        Option<PlxDeviceSensorStatus>,
        Option<Number>,
    ),
> {
    (
        of(any::<u16>().prop_map(PlxMeasurementStatus)),
        of((0u32..=0xFF_FFFF).prop_map(PlxDeviceSensorStatus)),
        of(sfloat()),
    )
}

fn spot_check() -> impl Strategy<Value = PlxSpotCheck> {
    (
        pair(),
        of(date_time()),
        plx_status(),
        any::<bool>(),
        reserved(0xE0),
    )
        .prop_map(
            |(reading, timestamp, (m, d, pai), clock, reserved_flags)| PlxSpotCheck {
                reading,
                timestamp,
                measurement_status: m,
                device_sensor_status: d,
                pulse_amplitude_index: pai,
                device_clock_not_set: clock,
                reserved_flags,
            },
        )
}

fn continuous() -> impl Strategy<Value = PlxContinuous> {
    (pair(), of(pair()), of(pair()), plx_status(), reserved(0xE0)).prop_map(
        |(normal, fast, slow, (m, d, pai), reserved_flags)| PlxContinuous {
            normal,
            fast,
            slow,
            measurement_status: m,
            device_sensor_status: d,
            pulse_amplitude_index: pai,
            reserved_flags,
        },
    )
}

fn plx_features() -> impl Strategy<Value = PlxFeatures> {
    (any::<u16>(), of(any::<u16>()), of(0u32..=0xFF_FFFF)).prop_map(|(supported, m, d)| {
        PlxFeatures {
            supported: supported & !0b11 | u16::from(m.is_some()) | u16::from(d.is_some()) << 1,
            measurement_status_support: m,
            device_sensor_status_support: d,
        }
    })
}

fn glucose() -> impl Strategy<Value = GlucoseMeasurement> {
    let unit = select(vec![
        GlucoseUnit::KilogramPerLitre,
        GlucoseUnit::MolePerLitre,
    ]);
    let concentration = (
        sfloat(),
        unit,
        select(SampleType::ALL),
        select(SampleLocation::ALL),
    )
        .prop_map(
            |(value, unit, sample_type, sample_location)| GlucoseConcentration {
                value,
                unit,
                sample_type,
                sample_location,
            },
        );
    (
        any::<u16>(),
        date_time(),
        of(any::<i16>()),
        of(concentration),
        of(any::<u16>().prop_map(GlucoseSensorStatus)),
        any::<bool>(),
        reserved(0xE0),
    )
        .prop_map(
            |(
                sequence_number,
                base_time,
                time_offset_min,
                concentration,
                sensor_status,
                context_follows,
                reserved_flags,
            )| {
                GlucoseMeasurement {
                    sequence_number,
                    base_time,
                    time_offset_min,
                    concentration,
                    sensor_status,
                    context_follows,
                    reserved_flags,
                }
            },
        )
}

fn glucose_context() -> impl Strategy<Value = GlucoseContext> {
    let carbohydrate = (select(CarbohydrateId::ALL), sfloat());
    let tester_health = (select(Tester::ALL), select(Health::ALL));
    let exercise =
        (any::<u16>(), any::<u8>()).prop_map(|(duration_s, intensity_percent)| Exercise {
            duration_s,
            intensity_percent,
        });
    let unit = select(vec![MedicationUnit::Kilogram, MedicationUnit::Litre]);
    let medication = (select(MedicationId::ALL), sfloat(), unit)
        .prop_map(|(id, amount, unit)| Medication { id, amount, unit });
    (
        any::<u16>(),
        of(carbohydrate),
        of(select(Meal::ALL)),
        of(tester_health),
        of(exercise),
        of(medication),
        of(sfloat()),
        of(any::<u8>()),
    )
        .prop_map(
            |(
                sequence_number,
                carbohydrate,
                meal,
                tester_health,
                exercise,
                medication,
                hba1c_percent,
                extended_flags,
            )| GlucoseContext {
                sequence_number,
                carbohydrate,
                meal,
                tester_health,
                exercise,
                medication,
                hba1c_percent,
                extended_flags,
            },
        )
}

fn units() -> impl Strategy<Value = UnitSystem> {
    select(vec![UnitSystem::Si, UnitSystem::Imperial])
}

fn weight() -> impl Strategy<Value = WeightMeasurement> {
    let bmi_height =
        (any::<u16>(), any::<u16>()).prop_map(|(bmi, height)| BmiHeight { bmi, height });
    (
        units(),
        of(0u16..0xFFFF),
        of(date_time()),
        of(any::<u8>()),
        of(bmi_height),
        reserved(0xF0),
    )
        .prop_map(
            |(units, weight, timestamp, user_id, bmi_height, reserved_flags)| WeightMeasurement {
                units,
                weight,
                timestamp,
                user_id,
                bmi_height,
                reserved_flags,
            },
        )
}

fn weight_feature() -> impl Strategy<Value = WeightScaleFeature> {
    (any::<u32>(), 0u32..=7, 0u32..=3)
        .prop_map(|(raw, w, h)| WeightScaleFeature(raw & !(0xF << 3 | 0x7 << 7) | w << 3 | h << 7))
}

fn body_composition() -> impl Strategy<Value = BodyCompositionMeasurement> {
    let u16s = || of(any::<u16>());
    (
        (
            units(),
            of(0u16..0xFFFF),
            of(date_time()),
            of(any::<u8>()),
            any::<bool>(),
            reserved(0xE0).prop_map(|bits| u16::from(bits) << 8),
        ),
        (
            u16s(),
            u16s(),
            u16s(),
            u16s(),
            u16s(),
            u16s(),
            u16s(),
            u16s(),
            u16s(),
        ),
    )
        .prop_map(
            |(
                (units, body_fat, timestamp, user_id, multiple_packet, reserved_flags),
                (b, mp, mm, ffm, slm, bwm, imp, w, h),
            )| {
                BodyCompositionMeasurement {
                    units,
                    body_fat,
                    timestamp,
                    user_id,
                    basal_metabolism_kj: b,
                    muscle_percentage: mp,
                    muscle_mass: mm,
                    fat_free_mass: ffm,
                    soft_lean_mass: slm,
                    body_water_mass: bwm,
                    impedance: imp,
                    weight: w,
                    height: h,
                    multiple_packet,
                    reserved_flags,
                }
            },
        )
}

fn body_composition_feature() -> impl Strategy<Value = BodyCompositionFeature> {
    (any::<u32>(), 0u32..=7, 0u32..=3).prop_map(|(raw, w, h)| {
        BodyCompositionFeature(raw & !(0xF << 11 | 0x7 << 15) | w << 11 | h << 15)
    })
}

fn cgm_record() -> impl Strategy<Value = CgmRecord> {
    let octets = (of(any::<u8>()), of(any::<u8>()), of(any::<u8>())).prop_map(
        |(status, cal_temp, warning)| CgmStatusOctets {
            status,
            cal_temp,
            warning,
        },
    );
    (
        sfloat(),
        any::<u16>(),
        octets,
        of(sfloat()),
        of(sfloat()),
        any::<bool>(),
        reserved(0x1C),
    )
        .prop_map(
            |(glucose, time_offset_min, status, trend, quality, e2e_crc, reserved_flags)| {
                CgmRecord {
                    glucose,
                    time_offset_min,
                    status,
                    trend,
                    quality,
                    e2e_crc,
                    reserved_flags,
                }
            },
        )
}

fn cgm_feature() -> impl Strategy<Value = CgmFeature> {
    (
        0u32..=0xFF_FFFF,
        select(SampleType::ALL),
        select(CgmSampleLocation::ALL),
    )
        .prop_map(|(features, sample_type, sample_location)| CgmFeature {
            features,
            sample_type,
            sample_location,
        })
}

fn session_start() -> impl Strategy<Value = CgmSessionStartTime> {
    (
        date_time(),
        prop_oneof![Just(-128i8), -48i8..=56],
        select(DstOffset::ALL),
        any::<bool>(),
    )
        .prop_map(|(start, time_zone, dst, e2e_crc)| CgmSessionStartTime {
            start,
            time_zone,
            dst,
            e2e_crc,
        })
}

fn current_time() -> impl Strategy<Value = CurrentTime> {
    (
        date_time(),
        select(DayOfWeek::ALL),
        any::<u8>(),
        any::<u8>(),
    )
        .prop_map(
            |(date_time, day_of_week, fractions256, reason)| CurrentTime {
                date_time,
                day_of_week,
                fractions256,
                adjust_reason: AdjustReason(reason),
            },
        )
}

fn racp_operator(service: RacpService) -> impl Strategy<Value = RacpOperator> {
    let (filter, range) = match service {
        RacpService::Glucose => (
            prop_oneof![
                any::<u16>().prop_map(RecordFilter::SequenceNumber),
                date_time().prop_map(RecordFilter::UserFacingTime)
            ]
            .boxed(),
            prop_oneof![
                (any::<u16>(), any::<u16>()).prop_map(|(a, b)| RecordRange::SequenceNumber(a, b)),
                (date_time(), date_time()).prop_map(|(a, b)| RecordRange::UserFacingTime(a, b)),
            ]
            .boxed(),
        ),
        RacpService::ContinuousGlucose => (
            any::<u16>().prop_map(RecordFilter::TimeOffset).boxed(),
            (any::<u16>(), any::<u16>())
                .prop_map(|(a, b)| RecordRange::TimeOffset(a, b))
                .boxed(),
        ),
    };
    prop_oneof![
        Just(RacpOperator::All),
        Just(RacpOperator::First),
        Just(RacpOperator::Last),
        filter.clone().prop_map(RacpOperator::LessOrEqual),
        filter.prop_map(RacpOperator::GreaterOrEqual),
        range.prop_map(RacpOperator::Within),
    ]
}

fn racp_request(service: RacpService) -> impl Strategy<Value = RacpRequest> {
    prop_oneof![
        Just(RacpRequest::Abort),
        racp_operator(service).prop_map(RacpRequest::ReportStoredRecords),
        racp_operator(service).prop_map(RacpRequest::DeleteStoredRecords),
        racp_operator(service).prop_map(RacpRequest::ReportNumberOfStoredRecords),
    ]
}

fn racp_response() -> impl Strategy<Value = RacpResponse> {
    prop_oneof![
        any::<u16>().prop_map(RacpResponse::NumberOfStoredRecords),
        (any::<u8>(), select(ResponseCode::ALL)).prop_map(|(request_op_code, response)| {
            RacpResponse::ResponseCode {
                request_op_code,
                response,
            }
        }),
    ]
}

// ---------------------------------------------------------------------------------------------
// decode(encode(x)) == x

fn round_trips<T: Characteristic + PartialEq + std::fmt::Debug>(
    value: T,
) -> std::result::Result<(), TestCaseError> {
    prop_assert_eq!(T::decode(&value.encode()), Ok(value));
    Ok(())
}

proptest! {
    #[test] fn heart_rate_round_trips(v in heart_rate()) { round_trips(v)?; }
    #[test] fn blood_pressure_round_trips(v in blood_pressure()) { round_trips(v)?; }
    #[test] fn cuff_pressure_round_trips(v in cuff_pressure()) { round_trips(v)?; }
    #[test] fn bp_feature_round_trips(v in any::<u16>()) { round_trips(BloodPressureFeature(v))?; }
    #[test] fn temperature_round_trips(v in temperature()) { round_trips(v)?; }
    #[test] fn temperature_type_round_trips(v in select(TemperatureType::ALL)) { round_trips(v)?; }
    #[test] fn spot_check_round_trips(v in spot_check()) { round_trips(v)?; }
    #[test] fn continuous_round_trips(v in continuous()) { round_trips(v)?; }
    #[test] fn plx_features_round_trips(v in plx_features()) { round_trips(v)?; }
    #[test] fn glucose_round_trips(v in glucose()) { round_trips(v)?; }
    #[test] fn glucose_context_round_trips(v in glucose_context()) { round_trips(v)?; }
    #[test] fn glucose_feature_round_trips(v in any::<u16>()) { round_trips(GlucoseFeature(v))?; }
    #[test] fn weight_round_trips(v in weight()) { round_trips(v)?; }
    #[test] fn weight_feature_round_trips(v in weight_feature()) { round_trips(v)?; }
    #[test] fn body_composition_round_trips(v in body_composition()) { round_trips(v)?; }
    #[test] fn body_composition_feature_round_trips(v in body_composition_feature()) { round_trips(v)?; }
    #[test] fn cgm_round_trips(records in vec(cgm_record(), 1..5)) { round_trips(CgmMeasurement { records })?; }
    #[test] fn cgm_feature_round_trips(v in cgm_feature()) { round_trips(v)?; }
    #[test] fn cgm_status_round_trips(offset: u16, status in 0u32..=0xFF_FFFF, e2e_crc: bool) {
        round_trips(CgmStatus { time_offset_min: offset, status, e2e_crc })?;
    }
    #[test] fn session_start_round_trips(v in session_start()) { round_trips(v)?; }
    #[test] fn battery_round_trips(v in 0u8..=100) { round_trips(BatteryLevel::new(v).unwrap())?; }
    #[test] fn date_time_round_trips(v in date_time()) { round_trips(v)?; }
    #[test] fn current_time_round_trips(v in current_time()) { round_trips(v)?; }

    #[test]
    fn racp_round_trips(glucose in racp_request(RacpService::Glucose), cgm in racp_request(RacpService::ContinuousGlucose), response in racp_response()) {
        prop_assert_eq!(RacpRequest::decode(&glucose.encode(), RacpService::Glucose), Ok(glucose));
        prop_assert_eq!(RacpRequest::decode(&cgm.encode(), RacpService::ContinuousGlucose), Ok(cgm));
        prop_assert_eq!(RacpResponse::decode(&response.encode()), Ok(response));
    }

    #[test]
    fn device_information_round_trips(text in ".*") {
        prop_assert_eq!(DeviceInformationString::decode(&DeviceInformationString::encode(&text)), Ok(text));
    }

    #[test]
    fn features_that_support_everything_accept_every_value(spot in spot_check(), cont in continuous(), records in vec(cgm_record(), 1..4)) {
        prop_assert_eq!(PlxSpotCheck::decode_with(&spot.encode(), &PlxFeatures::ALL), Ok(spot));
        prop_assert_eq!(PlxContinuous::decode_with(&cont.encode(), &PlxFeatures::ALL), Ok(cont));
        let crc = records.first().is_some_and(|r| r.e2e_crc);
        let records: Vec<_> = records.into_iter().map(|r| CgmRecord { e2e_crc: crc, ..r }).collect();
        let feature = CgmFeature { features: 0x01_8000 | u32::from(crc) << 12, sample_type: SampleType::InterstitialFluid, sample_location: CgmSampleLocation::SubcutaneousTissue };
        let m = CgmMeasurement { records };
        prop_assert_eq!(CgmMeasurement::decode_with(&m.encode(), &feature), Ok(m));
    }
}

// ---------------------------------------------------------------------------------------------
// Reserved flag bits announce no field: one byte past a valid value is refused, whatever they hold.

fn one_more_byte_is_refused<T: Characteristic + std::fmt::Debug>(
    value: T,
    extra: u8,
) -> std::result::Result<(), TestCaseError> {
    let mut bytes = value.encode();
    bytes.push(extra);
    prop_assert!(T::decode(&bytes).is_err(), "{value:?} + {extra:#04x}");
    Ok(())
}

proptest! {
    #[test] fn heart_rate_makes_no_room(v in heart_rate(), extra: u8) { one_more_byte_is_refused(v, extra)?; }
    #[test] fn blood_pressure_makes_no_room(v in blood_pressure(), extra: u8) { one_more_byte_is_refused(v, extra)?; }
    #[test] fn cuff_pressure_makes_no_room(v in cuff_pressure(), extra: u8) { one_more_byte_is_refused(v, extra)?; }
    #[test] fn temperature_makes_no_room(v in temperature(), extra: u8) { one_more_byte_is_refused(v, extra)?; }
    #[test] fn spot_check_makes_no_room(v in spot_check(), extra: u8) { one_more_byte_is_refused(v, extra)?; }
    #[test] fn continuous_makes_no_room(v in continuous(), extra: u8) { one_more_byte_is_refused(v, extra)?; }
    #[test] fn glucose_makes_no_room(v in glucose(), extra: u8) { one_more_byte_is_refused(v, extra)?; }
    #[test] fn glucose_context_makes_no_room(v in glucose_context(), extra: u8) { one_more_byte_is_refused(v, extra)?; }
    #[test] fn weight_makes_no_room(v in weight(), extra: u8) { one_more_byte_is_refused(v, extra)?; }
    #[test] fn body_composition_makes_no_room(v in body_composition(), extra: u8) { one_more_byte_is_refused(v, extra)?; }
    #[test] fn cgm_makes_no_room(records in vec(cgm_record(), 1..4), extra: u8) { one_more_byte_is_refused(CgmMeasurement { records }, extra)?; }
}

// ---------------------------------------------------------------------------------------------
// Random bytes: never a panic, and an accepted value re-encodes to the same decoded value.

fn stable<T: Characteristic + PartialEq + std::fmt::Debug>(
    bytes: &[u8],
) -> std::result::Result<(), TestCaseError> {
    if let Ok(value) = T::decode(bytes) {
        prop_assert_eq!(T::decode(&value.encode()), Ok(value));
    }
    Ok(())
}

fn every_decoder(bytes: &[u8]) -> std::result::Result<(), TestCaseError> {
    stable::<HeartRateMeasurement>(bytes)?;
    stable::<BloodPressureMeasurement>(bytes)?;
    stable::<IntermediateCuffPressure>(bytes)?;
    stable::<BloodPressureFeature>(bytes)?;
    stable::<TemperatureMeasurement>(bytes)?;
    stable::<TemperatureType>(bytes)?;
    stable::<PlxSpotCheck>(bytes)?;
    stable::<PlxContinuous>(bytes)?;
    stable::<PlxFeatures>(bytes)?;
    stable::<GlucoseMeasurement>(bytes)?;
    stable::<GlucoseContext>(bytes)?;
    stable::<GlucoseFeature>(bytes)?;
    stable::<WeightMeasurement>(bytes)?;
    stable::<WeightScaleFeature>(bytes)?;
    stable::<BodyCompositionMeasurement>(bytes)?;
    stable::<BodyCompositionFeature>(bytes)?;
    stable::<CgmMeasurement>(bytes)?;
    stable::<CgmFeature>(bytes)?;
    stable::<CgmStatus>(bytes)?;
    stable::<CgmSessionStartTime>(bytes)?;
    stable::<BatteryLevel>(bytes)?;
    stable::<DateTime>(bytes)?;
    stable::<CurrentTime>(bytes)?;
    for service in [RacpService::Glucose, RacpService::ContinuousGlucose] {
        if let Ok(request) = RacpRequest::decode(bytes, service) {
            prop_assert_eq!(RacpRequest::decode(&request.encode(), service), Ok(request));
        }
    }
    if let Ok(response) = RacpResponse::decode(bytes) {
        prop_assert_eq!(RacpResponse::decode(&response.encode()), Ok(response));
    }
    let _ = DeviceInformationString::decode(bytes);
    let _ = Sfloat::read(bytes).map(|n| n.value());
    let _ = Float::read(bytes).map(|n| n.value());
    // Features bend the layout: decode against a few that support little.
    let plx = PlxFeatures {
        supported: 0x0001,
        measurement_status_support: Some(0x00E0),
        device_sensor_status_support: None,
    };
    let _ = PlxSpotCheck::decode_with(bytes, &plx);
    let _ = PlxContinuous::decode_with(bytes, &plx);
    let cgm = CgmFeature {
        features: 1 << 12,
        sample_type: SampleType::InterstitialFluid,
        sample_location: CgmSampleLocation::NotAvailable,
    };
    let _ = CgmMeasurement::decode_with(bytes, &cgm);
    let _ = CgmStatus::decode_with(bytes, &cgm);
    let _ = CgmSessionStartTime::decode_with(bytes, &cgm);
    let _ = WeightMeasurement::decode_with(bytes, WeightScaleFeature(0));
    let _ = BodyCompositionMeasurement::decode_with(bytes, BodyCompositionFeature(0));
    Ok(())
}

fn random_cases() -> u32 {
    ProptestConfig::default().cases.saturating_mul(16)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(random_cases()))]

    #[test]
    fn random_bytes_never_panic(bytes in vec(any::<u8>(), 0..48)) {
        every_decoder(&bytes)?;
    }

    /// Valid prefixes with random tails reach deeper than uniformly random bytes.
    #[test]
    fn mutated_valid_values_never_panic(seed in prop_oneof![
        heart_rate().prop_map(|v| v.encode()),
        blood_pressure().prop_map(|v| v.encode()),
        glucose().prop_map(|v| v.encode()),
        glucose_context().prop_map(|v| v.encode()),
        body_composition().prop_map(|v| v.encode()),
        vec(cgm_record(), 1..4).prop_map(|records| CgmMeasurement { records }.encode()),
        spot_check().prop_map(|v| v.encode()),
        continuous().prop_map(|v| v.encode()),
    ], cut in any::<prop::sample::Index>(), flip in any::<prop::sample::Index>(), xor in 1u8..=255, tail in vec(any::<u8>(), 0..4)) {
        let mut bytes = seed;
        if !bytes.is_empty() {
            let i = flip.index(bytes.len());
            bytes[i] ^= xor;
            bytes.truncate(cut.index(bytes.len() + 1));
        }
        bytes.extend(tail);
        every_decoder(&bytes)?;
    }
}
