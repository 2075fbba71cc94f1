//! The clinic summaries against published worked examples and hand-computed cases: every glucose
//! range boundary, mixed units, gaps, percentiles, a home-BP protocol week with its first day
//! discarded, the guided BP week, weight, SpO2, heart rate, adherence, the alert rules, and the
//! report's JSON contract.

use std::error::Error;

use jiff::{civil::Date, tz::TimeZone, SignedDuration, Timestamp};
use tend_clinic::*;
use tend_meds::{DoseRecord, DoseState};
use tend_vitals::{DeviceKind, Direction, Metric, Quality, QualityFlag, Reading, TimeSource, Unit};

type TestResult = std::result::Result<(), Box<dyn Error>>;

fn ts(text: &str) -> Timestamp {
    text.parse().unwrap_or(Timestamp::UNIX_EPOCH)
}

fn reading(metric: Metric, at: Timestamp, value: f64, unit: Unit) -> Reading {
    Reading::new(metric, at, value, unit, TimeSource::Device)
        .unwrap_or_else(|e| panic!("test reading {metric} {value} {unit}: {e}"))
}

fn measured(
    kind: DeviceKind,
    metric: Metric,
    at: Timestamp,
    value: f64,
    unit: Unit,
) -> Measurement {
    Measurement {
        device_kind: kind,
        reading: reading(metric, at, value, unit),
    }
}

fn cgm(at: Timestamp, mg_dl: f64) -> Measurement {
    measured(
        DeviceKind::ContinuousGlucoseMonitor,
        Metric::Glucose,
        at,
        mg_dl,
        Unit::MilligramPerDecilitre,
    )
}

fn close(got: f64, expected: f64) -> bool {
    (got - expected).abs() < 1e-9
}

fn input<'a>(
    period: Period,
    zone: &'a TimeZone,
    measurements: &'a [Measurement],
) -> ReportInput<'a> {
    ReportInput {
        period,
        zone,
        now: period.until,
        measurements,
        medications: &[],
        doses: &[],
        settings: ReportSettings::default(),
    }
}

mod glucose {
    use super::*;

    #[test]
    fn gmi_matches_the_published_table() {
        // Bergenstal et al., Diabetes Care 2018;41:2275–2280, table 1: mean glucose (mg/dL) →
        // GMI (%), given to one decimal.
        let check = |mean_mg_dl: f64, published: f64| {
            let gmi = gmi_percent(mean_mg_dl);
            assert!(
                ((gmi * 10.0).round() / 10.0 - published).abs() < 1e-9,
                "mean {mean_mg_dl}: GMI {gmi}, published {published}"
            );
        };
        check(100.0, 5.7);
        check(125.0, 6.3);
        check(150.0, 6.9);
        check(175.0, 7.5);
        check(200.0, 8.1);
        check(225.0, 8.7);
        check(250.0, 9.3);
        check(275.0, 9.9);
        check(300.0, 10.5);
        check(350.0, 11.7);
    }

    #[test]
    fn every_range_boundary() {
        use GlucoseRange::*;
        let check =
            |mg_dl: f64, expected| assert_eq!(glucose_range(mg_dl), expected, "{mg_dl} mg/dL");
        check(20.0, VeryLow);
        check(53.0, VeryLow);
        check(53.4, VeryLow);
        check(53.5, Low);
        check(54.0, Low);
        check(69.0, Low);
        check(69.4, Low);
        check(69.5, InRange);
        check(70.0, InRange);
        check(180.0, InRange);
        check(180.4, InRange);
        check(180.5, High);
        check(181.0, High);
        check(250.0, High);
        check(250.4, High);
        check(250.5, VeryHigh);
        check(251.0, VeryHigh);
        check(400.0, VeryHigh);
    }

    #[test]
    fn mmol_per_litre_is_converted_first_and_lands_on_the_consensus_boundaries() {
        // The consensus gives its ranges in mmol/L too: < 3.0, 3.0–3.8, 3.9–10.0, 10.1–13.9, > 13.9.
        use GlucoseRange::*;
        let check = |mmol: f64, expected| {
            let value = reading(
                Metric::Glucose,
                Timestamp::UNIX_EPOCH,
                mmol,
                Unit::MillimolePerLitre,
            )
            .value();
            assert_eq!(
                glucose_range(value),
                expected,
                "{mmol} mmol/L = {value} mg/dL"
            );
        };
        check(2.9, VeryLow);
        check(3.0, Low);
        check(3.8, Low);
        check(3.9, InRange);
        check(10.0, InRange);
        check(10.1, High);
        check(13.9, High);
        check(14.0, VeryHigh);
    }

    #[test]
    fn a_small_hour_computed_by_hand() -> TestResult {
        // Ten readings 5 minutes apart from 08:00 in a one-hour period (12 slots).
        let values = [
            50.0, 54.0, 69.0, 70.0, 180.0, 181.0, 250.0, 251.0, 100.0, 100.0,
        ];
        let start = ts("2026-03-02T08:00:00Z");
        let measurements: Vec<Measurement> = values
            .iter()
            .enumerate()
            .map(|(i, v)| cgm(start + SignedDuration::from_mins(5 * i as i64), *v))
            .collect();
        let period = Period::new(start, start + SignedDuration::from_hours(1))?;
        let report = clinic_report(&input(period, &TimeZone::UTC, &measurements));
        let glucose = report.glucose.ok_or("a glucose section")?;
        assert_eq!(glucose.days, 1);
        assert!(
            close(glucose.active_percent, 100.0 * 10.0 / 12.0),
            "{}",
            glucose.active_percent
        );
        assert!(close(glucose.mean_mg_dl, 130.5));
        assert!(close(glucose.gmi_percent, 3.31 + 0.02392 * 130.5));
        // Population SD of the ten values is 74.4556915…; CV = SD / mean.
        assert!(
            (glucose.cv_percent - 57.054_169_748_56).abs() < 1e-6,
            "{}",
            glucose.cv_percent
        );
        let ranges = glucose.ranges_percent;
        assert!(
            close(ranges.very_low, 10.0) && close(ranges.low, 20.0) && close(ranges.in_range, 40.0)
        );
        assert!(close(ranges.high, 20.0) && close(ranges.very_high, 10.0));
        assert!(!glucose.sufficient);
        assert_eq!(
            glucose.sufficiency(),
            Sufficiency::Insufficient {
                days_missing: 13,
                active_percent_missing: 0.0
            }
        );
        assert!(
            glucose.sufficiency_label().contains("13 more days"),
            "{}",
            glucose.sufficiency_label()
        );
        assert!(!glucose.stable());
        let met: Vec<bool> = ranges.targets().iter().map(|t| t.met).collect();
        assert_eq!(met, [false, false, false, false, false]);
        Ok(())
    }

    #[test]
    fn mixed_units_average_in_mg_per_dl() -> TestResult {
        let start = ts("2026-03-02T08:00:00Z");
        let measurements = [
            measured(
                DeviceKind::ContinuousGlucoseMonitor,
                Metric::Glucose,
                start,
                5.0,
                Unit::MillimolePerLitre,
            ),
            cgm(start + SignedDuration::from_mins(5), 110.0),
        ];
        let report = clinic_report(&input(
            Period::new(start, start + SignedDuration::from_mins(10))?,
            &TimeZone::UTC,
            &measurements,
        ));
        let glucose = report.glucose.ok_or("a glucose section")?;
        // 5.0 mmol/L × 18.016 = 90.08 mg/dL (the factor of tend-vitals).
        assert!(
            close(glucose.mean_mg_dl, (90.08 + 110.0) / 2.0),
            "{}",
            glucose.mean_mg_dl
        );
        assert!(close(glucose.active_percent, 100.0));
        Ok(())
    }

    /// 14 days of 5-minute readings from 2026-03-01 (UTC), leaving out the minutes `skip` says.
    fn fortnight(skip: &dyn Fn(i64) -> bool) -> (Period, Vec<Measurement>) {
        let start = ts("2026-03-01T00:00:00Z");
        let measurements = (0..14 * 288)
            .map(|i| i * 5)
            .filter(|minute| !skip(*minute))
            .map(|minute| cgm(start + SignedDuration::from_mins(minute), 120.0))
            .collect();
        (
            Period {
                from: start,
                until: start + SignedDuration::from_hours(14 * 24),
            },
            measurements,
        )
    }

    #[test]
    fn gaps_lower_the_active_share_and_the_days() {
        let check = |skip: &dyn Fn(i64) -> bool, days: u32, active: f64, sufficient: bool| {
            let (period, measurements) = fortnight(skip);
            let glucose = clinic_report(&input(period, &TimeZone::UTC, &measurements))
                .glucose
                .unwrap_or_else(|| panic!("a glucose section"));
            assert_eq!(glucose.days, days);
            assert!(
                (glucose.active_percent - active).abs() < 1e-9,
                "{} vs {active}",
                glucose.active_percent
            );
            assert_eq!(glucose.sufficient, sufficient);
        };
        check(&|_| false, 14, 100.0, true);
        // Two whole days without the sensor: 12 days, 12/14 of the time.
        check(
            &|m| (3 * 1440..5 * 1440).contains(&m),
            12,
            100.0 * 12.0 / 14.0,
            false,
        );
        // Every day 116 of 288 readings missing (00:00–09:35): 14 days but only 172/288 active.
        check(&|m| m % 1440 < 580, 14, 100.0 * 172.0 / 288.0, false);
        // 202 of 288 a day (70.1 %) is enough; 201 (69.8 %) is not.
        check(&|m| m % 1440 < 430, 14, 100.0 * 202.0 / 288.0, true);
        check(&|m| m % 1440 < 435, 14, 100.0 * 201.0 / 288.0, false);
    }

    #[test]
    fn the_reading_interval_comes_from_the_data() -> TestResult {
        // A sensor that reads every 15 minutes is 100 % active with 96 readings a day.
        let start = ts("2026-03-01T00:00:00Z");
        let measurements: Vec<Measurement> = (0..96)
            .map(|i| cgm(start + SignedDuration::from_mins(15 * i), 120.0))
            .collect();
        let period = Period::new(start, start + SignedDuration::from_hours(24))?;
        let glucose = clinic_report(&input(period, &TimeZone::UTC, &measurements))
            .glucose
            .ok_or("glucose")?;
        assert!(close(glucose.active_percent, 100.0));
        // Told it is a 5-minute sensor, the same data is a third active.
        let utc = TimeZone::UTC;
        let mut told = input(period, &utc, &measurements);
        told.settings.cgm_interval = Some(SignedDuration::from_mins(5));
        let glucose = clinic_report(&told).glucose.ok_or("glucose")?;
        assert!(close(glucose.active_percent, 100.0 / 3.0));
        Ok(())
    }

    #[test]
    fn profile_percentiles_by_local_time_of_day() -> TestResult {
        // 08:10 New York time on five days (EST then EDT after 2026-03-08): values 100 to 104.
        let zone = TimeZone::get("America/New_York")?;
        let days = [
            "2026-03-06T13:10:00Z",
            "2026-03-07T13:10:00Z",
            "2026-03-08T12:10:00Z",
            "2026-03-09T12:10:00Z",
            "2026-03-10T12:10:00Z",
        ];
        let measurements: Vec<Measurement> = days
            .iter()
            .enumerate()
            .map(|(i, at)| cgm(ts(at), 100.0 + i as f64))
            .collect();
        let period = Period::new(ts("2026-03-06T00:00:00Z"), ts("2026-03-11T00:00:00Z"))?;
        let (_, charts) = report_with_charts(&input(period, &zone, &measurements));
        let profile = charts.glucose_profile.ok_or("a profile")?;
        assert_eq!(profile.slot_minutes, 30);
        assert_eq!(profile.slots.len(), 1, "{:?}", profile.slots);
        let slot = profile.slots[0];
        assert_eq!((slot.start_minute, slot.readings), (8 * 60, 5));
        // Linear interpolation between closest ranks: rank = p/100 × 4.
        for (got, expected) in [
            (slot.p5, 100.2),
            (slot.p25, 101.0),
            (slot.p50, 102.0),
            (slot.p75, 103.0),
            (slot.p95, 103.8),
        ] {
            assert!(close(got, expected), "{got} vs {expected}");
        }
        assert_eq!(charts.glucose_days.len(), 5);
        assert_eq!(charts.glucose_days[2].date, Date::constant(2026, 3, 8));
        assert!((charts.glucose_days[2].points[0].minute - 490.0).abs() < 1e-3);
        Ok(())
    }

    #[test]
    fn meter_readings_by_time_of_day() -> TestResult {
        let at = |time: &str| ts(&format!("2026-03-02T{time}:00Z"));
        let meter = |time, value| {
            measured(
                DeviceKind::GlucoseMeter,
                Metric::Glucose,
                at(time),
                value,
                Unit::MilligramPerDecilitre,
            )
        };
        let measurements = [
            meter("02:00", 53.0),
            meter("07:00", 65.0),
            meter("07:30", 69.5),
            meter("13:00", 190.0),
            meter("20:00", 100.0),
            measured(
                DeviceKind::Manual,
                Metric::Glucose,
                at("21:00"),
                10.0,
                Unit::MillimolePerLitre,
            ),
        ];
        let report = clinic_report(&input(
            Period::new(at("00:00"), at("23:59"))?,
            &TimeZone::UTC,
            &measurements,
        ));
        assert!(report.glucose.is_none(), "no CGM section without a CGM");
        let meter = report.glucose_meter.ok_or("a meter section")?;
        assert_eq!(
            (
                meter.readings,
                meter.below_70,
                meter.below_54,
                meter.above_180
            ),
            (6, 2, 1, 1)
        );
        let parts: Vec<(TimeOfDay, u32, u32, u32)> = meter
            .by_time_of_day
            .iter()
            .map(|p| (p.time_of_day, p.readings, p.below_70, p.above_180))
            .collect();
        assert_eq!(
            parts,
            [
                (TimeOfDay::Night, 1, 1, 0),
                (TimeOfDay::Morning, 2, 1, 0),
                (TimeOfDay::Afternoon, 1, 0, 1),
                (TimeOfDay::Evening, 2, 0, 0),
            ]
        );
        assert!(close(
            meter.by_time_of_day[3].mean_mg_dl,
            (100.0 + 180.16) / 2.0
        ));
        Ok(())
    }
}

mod blood_pressure {
    use super::*;

    fn cuff(at: Timestamp, systolic: f64, diastolic: f64, quality: Quality) -> [Measurement; 2] {
        let kind = DeviceKind::BloodPressureMonitor;
        let mut pair = [
            measured(
                kind,
                Metric::Systolic,
                at,
                systolic,
                Unit::MillimetreOfMercury,
            ),
            measured(
                kind,
                Metric::Diastolic,
                at,
                diastolic,
                Unit::MillimetreOfMercury,
            ),
        ];
        for m in &mut pair {
            m.reading.quality = quality;
        }
        pair
    }

    /// `days` days from Monday 2026-03-02 (UTC), `per_day` readings a day (two at 07:00, two at
    /// 19:00), the first day at `first`, the others at `rest`.
    fn week(days: i64, per_day: i64, first: (f64, f64), rest: (f64, f64)) -> Vec<Measurement> {
        let start = ts("2026-03-02T00:00:00Z");
        let times = [7 * 60, 7 * 60 + 1, 19 * 60, 19 * 60 + 1];
        (0..days)
            .flat_map(|day| {
                times[..per_day as usize].iter().flat_map(move |minute| {
                    let (s, d) = if day == 0 { first } else { rest };
                    cuff(
                        start + SignedDuration::from_mins(day * 1440 + minute),
                        s,
                        d,
                        Quality::default(),
                    )
                })
            })
            .collect()
    }

    fn summary(measurements: &[Measurement]) -> Option<BloodPressureSummary> {
        let period = Period {
            from: ts("2026-03-01T00:00:00Z"),
            until: ts("2026-04-01T00:00:00Z"),
        };
        clinic_report(&input(period, &TimeZone::UTC, measurements)).blood_pressure
    }

    #[test]
    fn a_protocol_week_discards_its_first_day() -> TestResult {
        // Day 1 is high (the first day's readings run high); days 2–7 average 130/82.
        let mut measurements = week(7, 4, (160.0, 100.0), (130.0, 82.0));
        // A reading the cuff flagged (the patient moved) is left out however high it is.
        let moved: Quality = [QualityFlag::BodyMovement].into_iter().collect();
        measurements.extend(cuff(ts("2026-03-05T12:00:00Z"), 200.0, 125.0, moved));
        let bp = summary(&measurements).ok_or("a BP section")?;
        assert!(close(bp.systolic_mean, 130.0) && close(bp.diastolic_mean, 82.0));
        assert_eq!((bp.readings, bp.days), (24, 6));
        assert_eq!(bp.classification, HomeBloodPressureClass::Elevated);
        assert!(
            bp.label().contains("24 valid readings on 6 days"),
            "{}",
            bp.label()
        );
        Ok(())
    }

    #[test]
    fn too_few_readings_or_days_are_not_classified() {
        let check = |days, per_day, readings, counted_days, classification| {
            let bp = summary(&week(days, per_day, (140.0, 90.0), (140.0, 90.0)))
                .unwrap_or_else(|| panic!("a BP section"));
            assert_eq!(
                (bp.readings, bp.days, bp.classification),
                (readings, counted_days, classification),
                "{days} days × {per_day}"
            );
        };
        // 4 days × 4: 12 readings on 3 days after the first: enough.
        check(4, 4, 12, 3, HomeBloodPressureClass::Hypertension);
        // 3 days: 8 readings on 2 days.
        check(3, 4, 8, 2, HomeBloodPressureClass::Insufficient);
        // 4 days × 3: 9 readings.
        check(4, 3, 9, 3, HomeBloodPressureClass::Insufficient);
        // A single day is all there is: its readings, unclassified.
        check(1, 4, 4, 1, HomeBloodPressureClass::Insufficient);
    }

    #[test]
    fn the_home_thresholds() {
        use HomeBloodPressureClass::*;
        let check = |s, d, expected| {
            assert_eq!(
                HomeBloodPressureClass::of_average(s, d),
                expected,
                "{s}/{d}"
            )
        };
        check(118.0, 76.0, Normal);
        check(129.9, 79.9, Normal);
        check(130.0, 70.0, Elevated);
        check(120.0, 80.0, Elevated);
        check(134.9, 84.9, Elevated);
        check(135.0, 70.0, Hypertension);
        check(120.0, 85.0, Hypertension);
    }

    #[test]
    fn only_the_last_measuring_week_counts() {
        // Two weeks of readings: the week ending with the last reading is the one averaged.
        let mut measurements = week(7, 4, (150.0, 95.0), (150.0, 95.0));
        let later = ts("2026-03-16T00:00:00Z");
        for day in 0..7 {
            for minute in [420, 421, 1140, 1141] {
                measurements.extend(cuff(
                    later + SignedDuration::from_mins(day * 1440 + minute),
                    120.0,
                    75.0,
                    Quality::default(),
                ));
            }
        }
        let bp = summary(&measurements).unwrap_or_else(|| panic!("a BP section"));
        assert!(close(bp.systolic_mean, 120.0));
        assert_eq!(
            (bp.readings, bp.days, bp.classification),
            (24, 6, HomeBloodPressureClass::Normal)
        );
    }

    #[test]
    fn the_guided_week_says_how_far_and_what_is_due() -> TestResult {
        let zone = TimeZone::get("Europe/London")?;
        let at = |date: &str, time: &str| ts(&format!("{date}T{time}:00Z"));
        let bp = |at| BloodPressureReading {
            at,
            systolic_mm_hg: 128.0,
            diastolic_mm_hg: 80.0,
            valid: true,
        };
        let readings = [
            // Day 1 (discarded from the average, but its slots are part of the week).
            bp(at("2026-03-02", "07:00")),
            bp(at("2026-03-02", "07:01")),
            bp(at("2026-03-02", "19:00")),
            bp(at("2026-03-02", "19:01")),
            // Day 2: one evening reading short.
            bp(at("2026-03-03", "07:00")),
            bp(at("2026-03-03", "07:01")),
            bp(at("2026-03-03", "19:00")),
            // Day 3: three in the morning (two count); an invalid one does not.
            bp(at("2026-03-04", "07:00")),
            bp(at("2026-03-04", "07:01")),
            bp(at("2026-03-04", "07:02")),
            BloodPressureReading {
                valid: false,
                ..bp(at("2026-03-04", "13:00"))
            },
        ];
        let progress = bp_week_progress(
            Date::constant(2026, 3, 2),
            &zone,
            &readings,
            at("2026-03-04", "14:00"),
        );
        assert_eq!(
            (
                progress.day,
                progress.counted_readings,
                progress.counted_days
            ),
            (3, 5, 2)
        );
        assert_eq!(progress.label(), "Day 3 of 7, 5 of 12 readings");
        assert!(!progress.complete && !progress.finished);
        assert_eq!(
            progress.missed,
            [SlotDue {
                date: Date::constant(2026, 3, 3),
                slot: BpSlot::Evening,
                readings_needed: 1
            }]
        );
        assert_eq!(
            progress.due.len(),
            1 + 4 * 2,
            "today's evening and days 4 to 7"
        );
        assert_eq!(
            progress.due[0],
            SlotDue {
                date: Date::constant(2026, 3, 4),
                slot: BpSlot::Evening,
                readings_needed: 2
            }
        );
        assert_eq!(progress.planned_readings, 24);
        // Before the week and after it.
        let before = bp_week_progress(
            Date::constant(2026, 3, 2),
            &zone,
            &[],
            at("2026-03-01", "12:00"),
        );
        assert_eq!(
            (before.day, before.due.len(), before.missed.len()),
            (0, 14, 0)
        );
        let after = bp_week_progress(
            Date::constant(2026, 3, 2),
            &zone,
            &readings,
            at("2026-03-12", "12:00"),
        );
        assert!(after.finished && after.due.is_empty());
        assert_eq!(after.day, 8);
        Ok(())
    }
}

mod weight_spo2_heart_rate {
    use super::*;

    fn daily(kind: DeviceKind, metric: Metric, unit: Unit, values: &[f64]) -> Vec<Measurement> {
        let start = ts("2026-03-02T07:00:00Z");
        values
            .iter()
            .enumerate()
            .map(|(i, v)| {
                measured(
                    kind,
                    metric,
                    start + SignedDuration::from_hours(24 * i as i64),
                    *v,
                    unit,
                )
            })
            .collect()
    }

    fn month() -> Period {
        Period {
            from: ts("2026-03-01T00:00:00Z"),
            until: ts("2026-04-01T00:00:00Z"),
        }
    }

    #[test]
    fn weight_trend_and_the_heart_failure_rule() -> TestResult {
        let measurements = daily(
            DeviceKind::Scale,
            Metric::Weight,
            Unit::Kilogram,
            &[80.0, 80.5, 81.0, 82.6],
        );
        let weight = clinic_report(&input(month(), &TimeZone::UTC, &measurements))
            .weight
            .ok_or("weight")?;
        assert_eq!((weight.readings, weight.days), (4, 4));
        assert!(close(weight.change_kg, 2.6) || (weight.change_kg - 2.6).abs() < 1e-9);
        // Least squares over days 0–3: slope 0.83 kg/day.
        assert!(weight
            .trend_kg_per_week
            .is_some_and(|t| (t - 0.83 * 7.0).abs() < 1e-9));
        assert_eq!(weight.rapid_gains.len(), 1);
        let gain = weight.rapid_gains[0];
        assert_eq!(
            (gain.from, gain.until),
            (Date::constant(2026, 3, 2), Date::constant(2026, 3, 5))
        );
        assert!((gain.gain_kg - 2.6).abs() < 1e-9);
        Ok(())
    }

    #[test]
    fn rapid_gain_needs_more_than_two_kilograms_within_three_days() {
        let check = |weights: &[(i64, f64)], expected: usize| {
            assert_eq!(rapid_gains(weights).len(), expected, "{weights:?}");
        };
        check(&[(0, 80.0), (3, 82.0)], 0);
        check(&[(0, 80.0), (3, 82.1)], 1);
        check(&[(0, 80.0), (4, 82.5)], 0);
        check(&[(0, 80.0), (1, 83.0), (2, 83.5), (3, 83.0)], 1);
        check(&[(0, 80.0), (1, 82.5), (10, 80.0), (11, 82.5)], 2);
        // In pounds, converted first: 176.4 lb → 180.8 lb is 2.0 kg (not more).
        let pounds = daily(
            DeviceKind::Scale,
            Metric::Weight,
            Unit::Pound,
            &[176.37, 181.0],
        );
        let days: Vec<(i64, f64)> = pounds
            .iter()
            .enumerate()
            .map(|(i, m)| (i as i64, m.reading.value()))
            .collect();
        check(&days, 1);
    }

    #[test]
    fn spo2_bands_with_a_lower_target() -> TestResult {
        let values = [96.0, 95.0, 94.6, 94.0, 93.0, 92.4, 90.0, 87.0];
        let measurements = daily(
            DeviceKind::PulseOximeter,
            Metric::Spo2,
            Unit::Percent,
            &values,
        );
        let utc = TimeZone::UTC;
        let mut lower = input(month(), &utc, &measurements);
        lower.settings.spo2_target = Spo2Target::Lower;
        let spo2 = clinic_report(&lower).spo2.ok_or("spo2")?;
        let bands = spo2.bands_percent;
        assert!(
            close(bands.at_least_95, 37.5)
                && close(bands.from_93_to_94, 25.0)
                && close(bands.at_most_92, 37.5)
        );
        assert_eq!(bands.below_88, Some(12.5));
        assert!(close(spo2.median, 93.5) && close(spo2.lowest, 87.0));
        let standard = clinic_report(&input(month(), &TimeZone::UTC, &measurements))
            .spo2
            .ok_or("spo2")?;
        assert_eq!(standard.bands_percent.below_88, None);
        Ok(())
    }

    #[test]
    fn heart_rate_median_quartiles_and_bands() -> TestResult {
        let values = [45.0, 49.6, 60.0, 70.0, 80.0, 121.0, 120.4, 130.0];
        let measurements = daily(
            DeviceKind::HeartRateMonitor,
            Metric::HeartRate,
            Unit::PerMinute,
            &values,
        );
        let hr = clinic_report(&input(month(), &TimeZone::UTC, &measurements))
            .heart_rate
            .ok_or("heart rate")?;
        assert!(close(hr.median, 75.0) && close(hr.p25, 57.4) && (hr.p75 - 120.55).abs() < 1e-9);
        assert!((hr.iqr - (120.55 - 57.4)).abs() < 1e-9);
        // 49.6 rounds to 50 (not below 50); 120.4 rounds to 120 (not above 120).
        assert!(close(hr.below_50_percent, 12.5) && close(hr.above_120_percent, 25.0));
        Ok(())
    }
}

mod medication {
    use super::*;

    #[test]
    fn adherence_per_medication_and_missed_doses_listed() -> TestResult {
        let dose = |medication: &str, due: &str, state| DoseRecord {
            medication: medication.to_owned(),
            due: ts(due),
            state,
        };
        let doses = [
            dose(
                "metformin",
                "2026-03-02T08:00:00Z",
                DoseState::Taken {
                    at: ts("2026-03-02T08:20:00Z"),
                },
            ),
            dose("metformin", "2026-03-03T08:00:00Z", DoseState::Due),
            dose(
                "metformin",
                "2026-03-04T08:00:00Z",
                DoseState::Skipped {
                    reason: "fasting".into(),
                },
            ),
            dose("metformin", "2026-03-05T08:00:00Z", DoseState::Missed),
            dose(
                "statin",
                "2026-03-02T21:00:00Z",
                DoseState::Taken {
                    at: ts("2026-03-02T23:30:00Z"),
                },
            ),
            // Outside the period.
            dose("statin", "2026-02-20T21:00:00Z", DoseState::Missed),
        ];
        let medications = [
            NamedMedication {
                id: "statin".into(),
                name: "Atorvastatin 20 mg".into(),
            },
            NamedMedication {
                id: "metformin".into(),
                name: "Metformin 500 mg".into(),
            },
            NamedMedication {
                id: "aspirin".into(),
                name: "Aspirin".into(),
            },
        ];
        let period = Period::new(ts("2026-03-01T00:00:00Z"), ts("2026-03-08T00:00:00Z"))?;
        let utc = TimeZone::UTC;
        let mut report_input = input(period, &utc, &[]);
        report_input.medications = &medications;
        report_input.doses = &doses;
        let report = clinic_report(&report_input);
        let names: Vec<&str> = report
            .medication
            .iter()
            .map(|m| m.medication.as_str())
            .collect();
        assert_eq!(
            names,
            ["Atorvastatin 20 mg", "Metformin 500 mg"],
            "no doses, not listed"
        );
        let statin = &report.medication[0];
        assert_eq!((statin.taken, statin.on_time), (1, 0), "taken 2.5 h late");
        let metformin = &report.medication[1];
        assert_eq!(
            (
                metformin.doses,
                metformin.taken,
                metformin.skipped,
                metformin.missed
            ),
            (4, 1, 1, 2)
        );
        assert_eq!(metformin.taken_percent, Some(25.0));
        assert_eq!(
            metformin.missed_doses,
            [ts("2026-03-03T08:00:00Z"), ts("2026-03-05T08:00:00Z")]
        );
        Ok(())
    }
}

mod alerts {
    use super::*;

    /// Feeds `(minute, value)` readings of one metric from one kind of device from 08:00 and
    /// returns the minutes that alerted, with their rule.
    fn check(
        settings: AlertSettings,
        kind: DeviceKind,
        metric: Metric,
        readings: &[(i64, f64)],
        expected: &[(i64, AlertRule)],
    ) {
        let start = ts("2026-03-02T08:00:00Z");
        let mut evaluator = AlertEvaluator::new(settings);
        let got: Vec<(i64, AlertRule)> = readings
            .iter()
            .filter_map(|&(minute, value)| {
                let r = reading(
                    metric,
                    start + SignedDuration::from_mins(minute),
                    value,
                    metric.canonical_unit(),
                );
                evaluator
                    .observe(&r, kind)
                    .map(|alert| (minute, alert.rule))
            })
            .collect();
        assert_eq!(got, expected, "{metric} from {kind}: {readings:?}");
    }

    fn every_5_minutes(values: &[f64]) -> Vec<(i64, f64)> {
        values
            .iter()
            .enumerate()
            .map(|(i, v)| (5 * i as i64, *v))
            .collect()
    }

    #[test]
    fn a_cgm_alerts_when_low_is_sustained_and_at_once_when_very_low() {
        use AlertRule::*;
        let d = AlertSettings::default();
        let cgm = DeviceKind::ContinuousGlucoseMonitor;
        // Below 70 for 10 minutes (three readings 5 minutes apart): one alert, at minute 10.
        check(
            d,
            cgm,
            Metric::Glucose,
            &every_5_minutes(&[100.0, 65.0, 64.0, 63.0, 62.0, 66.0]),
            &[(15, GlucoseLow)],
        );
        // Two low readings, then back: no alert.
        check(
            d,
            cgm,
            Metric::Glucose,
            &every_5_minutes(&[65.0, 64.0, 90.0, 65.0, 64.0]),
            &[],
        );
        // Very low alerts at once, and a step worse after low alerts again.
        check(
            d,
            cgm,
            Metric::Glucose,
            &every_5_minutes(&[53.0, 52.0, 60.0]),
            &[(0, GlucoseVeryLow)],
        );
        check(
            d,
            cgm,
            Metric::Glucose,
            &every_5_minutes(&[65.0, 64.0, 63.0, 50.0, 49.0]),
            &[(10, GlucoseLow), (15, GlucoseVeryLow)],
        );
        // A second low waits for a return to range (70 or more) ...
        check(
            d,
            cgm,
            Metric::Glucose,
            &every_5_minutes(&[65.0, 64.0, 63.0, 69.4, 65.0, 64.0, 63.0]),
            &[(10, GlucoseLow)],
        );
        // ... and comes after one.
        check(
            d,
            cgm,
            Metric::Glucose,
            &every_5_minutes(&[65.0, 64.0, 63.0, 70.0, 65.0, 64.0, 63.0]),
            &[(10, GlucoseLow), (30, GlucoseLow)],
        );
        // Very high, sustained; a dip to 200 is not back in range (70–180), so no second alert.
        check(
            d,
            cgm,
            Metric::Glucose,
            &every_5_minutes(&[260.0, 270.0, 280.0, 200.0, 260.0, 270.0, 280.0]),
            &[(10, GlucoseVeryHigh)],
        );
        // A gap of more than 6 minutes starts the count again.
        check(
            d,
            cgm,
            Metric::Glucose,
            &[(0, 65.0), (5, 64.0), (20, 63.0), (25, 62.0), (30, 61.0)],
            &[(30, GlucoseLow)],
        );
    }

    #[test]
    fn a_meter_reading_alerts_at_once() {
        use AlertRule::*;
        let d = AlertSettings::default();
        let meter = DeviceKind::GlucoseMeter;
        check(d, meter, Metric::Glucose, &[(0, 65.0)], &[(0, GlucoseLow)]);
        check(
            d,
            meter,
            Metric::Glucose,
            &[(0, 53.0)],
            &[(0, GlucoseVeryLow)],
        );
        check(
            d,
            meter,
            Metric::Glucose,
            &[(0, 251.0), (60, 240.0), (120, 300.0)],
            &[(0, GlucoseVeryHigh)],
        );
        check(
            d,
            meter,
            Metric::Glucose,
            &[(0, 251.0), (60, 150.0), (120, 300.0)],
            &[(0, GlucoseVeryHigh), (120, GlucoseVeryHigh)],
        );
        check(
            d,
            meter,
            Metric::Glucose,
            &[(0, 70.0), (1, 180.0), (2, 250.0)],
            &[],
        );
    }

    #[test]
    fn a_home_blood_pressure_reading_alerts_only_at_crisis_or_very_low() {
        use AlertRule::*;
        let d = AlertSettings::default();
        let cuff = DeviceKind::BloodPressureMonitor;
        check(
            d,
            cuff,
            Metric::Systolic,
            &[(0, 179.0), (1, 160.0), (2, 91.0), (3, 90.0)],
            &[],
        );
        check(
            d,
            cuff,
            Metric::Systolic,
            &[(0, 180.0), (10, 185.0), (20, 150.0), (30, 181.0)],
            &[(0, BloodPressureCrisis), (30, BloodPressureCrisis)],
        );
        check(
            d,
            cuff,
            Metric::Diastolic,
            &[(0, 119.0), (10, 120.0)],
            &[(10, BloodPressureCrisis)],
        );
        check(
            d,
            cuff,
            Metric::Systolic,
            &[(0, 89.0), (5, 85.0), (10, 100.0), (15, 88.0)],
            &[(0, BloodPressureVeryLow), (15, BloodPressureVeryLow)],
        );
    }

    #[test]
    fn one_measurement_at_crisis_on_both_numbers_alerts_once() -> TestResult {
        let at = ts("2026-03-02T08:00:00Z");
        let mut evaluator = AlertEvaluator::default();
        let kind = DeviceKind::BloodPressureMonitor;
        let systolic = evaluator.observe(
            &reading(Metric::Systolic, at, 190.0, Unit::MillimetreOfMercury),
            kind,
        );
        let diastolic = evaluator.observe(
            &reading(Metric::Diastolic, at, 125.0, Unit::MillimetreOfMercury),
            kind,
        );
        let alert = systolic.ok_or("the systolic alert")?;
        assert!(diastolic.is_none());
        assert!(alert.rule_text.contains("crisis"), "{}", alert.rule_text);
        assert!(
            !alert.rule_text.contains("190"),
            "no value in the rule's words"
        );
        // In kPa, converted first: 24 kPa = 180.0 mmHg.
        let mut evaluator = AlertEvaluator::default();
        let kpa = evaluator.observe(&reading(Metric::Systolic, at, 24.0, Unit::Kilopascal), kind);
        assert_eq!(kpa.map(|a| a.rule), Some(AlertRule::BloodPressureCrisis));
        Ok(())
    }

    /// A cuff's crisis showed first in the systolic number, and a later measurement's diastolic
    /// crossed too: two alerts for one excursion.
    #[test]
    fn a_blood_pressure_excursion_alerts_once_whichever_number_shows_it() {
        let mut evaluator = AlertEvaluator::default();
        let kind = DeviceKind::BloodPressureMonitor;
        let mut measure = |minute: i64, systolic: f64, diastolic: f64| {
            let at = ts("2026-03-02T08:00:00Z") + SignedDuration::from_mins(minute);
            let mmhg = Unit::MillimetreOfMercury;
            [
                evaluator.observe(&reading(Metric::Systolic, at, systolic, mmhg), kind),
                evaluator.observe(&reading(Metric::Diastolic, at, diastolic, mmhg), kind),
            ]
            .into_iter()
            .flatten()
            .map(|alert| (minute, alert.metric))
            .collect::<Vec<_>>()
        };
        assert_eq!(measure(0, 185.0, 100.0), [(0, Metric::Systolic)]);
        assert_eq!(measure(5, 186.0, 122.0), []);
        assert_eq!(
            measure(10, 150.0, 121.0),
            [],
            "still a crisis: the diastolic"
        );
        assert_eq!(measure(15, 150.0, 95.0), [], "back below crisis");
        assert_eq!(
            measure(20, 140.0, 123.0),
            [(20, Metric::Diastolic)],
            "a new one"
        );
    }

    #[test]
    fn heart_rate_and_spo2_streams_alert_when_sustained() {
        use AlertRule::*;
        let d = AlertSettings::default();
        let strap = DeviceKind::HeartRateMonitor;
        // 1 Hz for 15 minutes at 130 bpm: one alert, 10 minutes in.
        let fast: Vec<(i64, f64)> = (0..16).map(|m| (m, 130.0)).collect();
        check(d, strap, Metric::HeartRate, &fast, &[(10, HeartRateHigh)]);
        check(
            d,
            strap,
            Metric::HeartRate,
            &[(0, 45.0), (5, 44.0), (10, 46.0)],
            &[(10, HeartRateLow)],
        );
        // A pulse typed in by hand is never alerted on (the report judges it).
        check(
            d,
            DeviceKind::Manual,
            Metric::HeartRate,
            &[(0, 150.0), (20, 150.0)],
            &[],
        );
        let oximeter = DeviceKind::PulseOximeter;
        check(
            d,
            oximeter,
            Metric::Spo2,
            &[(0, 92.0), (5, 91.0), (10, 92.4)],
            &[(10, Spo2Low)],
        );
        check(
            d,
            oximeter,
            Metric::Spo2,
            &[(0, 92.0), (5, 92.5), (10, 91.0)],
            &[],
        );
        // A spot check alerts at once; a lower target moves the line to 88 %.
        check(
            d,
            DeviceKind::Manual,
            Metric::Spo2,
            &[(0, 92.0)],
            &[(0, Spo2Low)],
        );
        let lower = AlertSettings {
            spo2_target: Spo2Target::Lower,
            ..d
        };
        check(
            lower,
            DeviceKind::Manual,
            Metric::Spo2,
            &[(0, 90.0), (5, 88.0), (10, 87.0)],
            &[(10, Spo2Low)],
        );
        // The sustained time is a setting.
        let five = AlertSettings {
            sustained_for: SignedDuration::from_mins(5),
            ..d
        };
        check(
            five,
            oximeter,
            Metric::Spo2,
            &[(0, 90.0), (5, 90.0)],
            &[(5, Spo2Low)],
        );
    }

    #[test]
    fn weight_gain_alerts_only_when_asked_for() {
        let scale = DeviceKind::Scale;
        let day = 24 * 60;
        let weighings = [
            (0, 80.0),
            (day, 81.0),
            (2 * day, 82.5),
            (3 * day, 82.6),
            (4 * day, 81.0),
            (5 * day, 83.3),
        ];
        check(
            AlertSettings::default(),
            scale,
            Metric::Weight,
            &weighings,
            &[],
        );
        let hf = AlertSettings {
            heart_failure_weight: true,
            ..AlertSettings::default()
        };
        check(
            hf,
            scale,
            Metric::Weight,
            &weighings,
            &[
                (2 * day, AlertRule::WeightRapidGain),
                (5 * day, AlertRule::WeightRapidGain),
            ],
        );
        // Said in both units, as a patient weighing in pounds reads it too.
        assert_eq!(
            rule_text(AlertRule::WeightRapidGain, &hf, false),
            "Weight up more than 2 kg (4.4 lb) within 3 days (a heart-failure warning sign)."
        );
    }

    #[test]
    fn unusable_readings_are_ignored() {
        let mut evaluator = AlertEvaluator::default();
        let flagged = reading(
            Metric::Glucose,
            ts("2026-03-02T08:00:00Z"),
            40.0,
            Unit::MilligramPerDecilitre,
        )
        .with_quality([QualityFlag::SampleProblem].into_iter().collect());
        assert!(evaluator
            .observe(&flagged, DeviceKind::GlucoseMeter)
            .is_none());
        let alert = evaluator.observe(
            &reading(
                Metric::Glucose,
                ts("2026-03-02T08:01:00Z"),
                40.0,
                Unit::MilligramPerDecilitre,
            ),
            DeviceKind::GlucoseMeter,
        );
        assert_eq!(
            alert.map(|a| (a.direction, a.metric)),
            Some((Direction::Low, Metric::Glucose))
        );
    }
}

mod json_contract {
    use super::*;

    #[test]
    fn sections_are_absent_without_data_and_numbers_unrounded() -> TestResult {
        let start = ts("2026-03-02T08:00:00Z");
        let measurements = [
            cgm(start, 100.0),
            cgm(start + SignedDuration::from_mins(5), 101.0),
        ];
        let period = Period::new(ts("2026-03-02T00:00:00Z"), ts("2026-03-16T00:00:00Z"))?;
        let report = clinic_report(&input(period, &TimeZone::UTC, &measurements));
        let json = serde_json::to_value(&report)?;
        let keys: Vec<&String> = json.as_object().ok_or("an object")?.keys().collect();
        assert_eq!(keys, ["from", "glucose", "until"], "serde_json orders keys");
        assert_eq!(json["from"], "2026-03-02T00:00:00Z");
        let glucose = json["glucose"].as_object().ok_or("glucose")?;
        let mut glucose_keys: Vec<&str> = glucose.keys().map(String::as_str).collect();
        glucose_keys.sort_unstable();
        assert_eq!(
            glucose_keys,
            [
                "active_percent",
                "cv_percent",
                "days",
                "gmi_percent",
                "mean_mg_dl",
                "ranges_percent",
                "sufficient"
            ]
        );
        let mut ranges: Vec<&str> = json["glucose"]["ranges_percent"]
            .as_object()
            .ok_or("ranges")?
            .keys()
            .map(String::as_str)
            .collect();
        ranges.sort_unstable();
        assert_eq!(ranges, ["high", "in_range", "low", "very_high", "very_low"]);
        assert_eq!(json["glucose"]["mean_mg_dl"], 100.5);
        // 2 of 4032 slots: unrounded.
        assert_eq!(json["glucose"]["active_percent"], 100.0 * 2.0 / 4032.0);
        assert_eq!(json["glucose"]["sufficient"], false);
        let back: ClinicReport = serde_json::from_value(json)?;
        assert_eq!(back, report);
        let empty = clinic_report(&input(period, &TimeZone::UTC, &[]));
        assert!(empty.is_empty());
        assert_eq!(
            serde_json::to_string(&empty)?,
            r#"{"from":"2026-03-02T00:00:00Z","until":"2026-03-16T00:00:00Z"}"#
        );
        Ok(())
    }

    #[test]
    fn blood_pressure_section_keys() -> TestResult {
        let at = ts("2026-03-02T08:00:00Z");
        let kind = DeviceKind::BloodPressureMonitor;
        let measurements = [
            measured(kind, Metric::Systolic, at, 121.0, Unit::MillimetreOfMercury),
            measured(kind, Metric::Diastolic, at, 79.0, Unit::MillimetreOfMercury),
        ];
        let period = Period::last_days(ts("2026-03-10T00:00:00Z"), 14)?;
        let json =
            serde_json::to_value(clinic_report(&input(period, &TimeZone::UTC, &measurements)))?;
        assert_eq!(
            json["blood_pressure"],
            serde_json::json!({ "systolic_mean": 121.0, "diastolic_mean": 79.0, "readings": 1, "days": 1, "classification": "insufficient" })
        );
        Ok(())
    }

    #[test]
    fn a_period_must_not_be_empty() {
        let at = ts("2026-03-02T08:00:00Z");
        assert_eq!(Period::new(at, at), Err(tend_clinic::Error::EmptyPeriod));
    }
}
