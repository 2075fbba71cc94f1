//! The connection logic against a scripted fake [`Central`]: backoff, reconnect, download since
//! the last sequence number, duplicates, malformed values, floods, silence, device clocks and
//! the measurements of a shared device's other users.

use std::{
    collections::{HashMap, VecDeque},
    sync::{Arc, Mutex},
    time::Duration,
};

use jiff::{tz::TimeZone, SignedDuration, Timestamp};
use tend_gatt::{
    BloodPressureMeasurement, Characteristic, CurrentTime, DateTime, DayOfWeek,
    GlucoseConcentration, GlucoseMeasurement, GlucoseUnit, Number, PressureUnit, RacpOperator,
    RacpRequest, RacpResponse, RecordFilter, ResponseCode, SampleLocation, SampleType,
};
use tend_vitals::Metric;
use tokio::sync::{mpsc, watch};

use crate::{
    backoff, keep_connected, Advertisement, Bond, Central, Clock, DeviceEvent, DeviceReading,
    DeviceSink, Error, GattChar, HealthService, Link, LinkEvent, LinkPolicy, LinkState,
    PairedDevice, PairingPrompt, Problem, Result,
};

const RACP: u16 = 0x2A52;
const GLUCOSE: u16 = 0x2A18;
const HEART_RATE: u16 = 0x2A37;
const BLOOD_PRESSURE: u16 = 0x2A35;
const CURRENT_TIME: u16 = 0x2A2B;

/// Every write a fake link received: characteristic and value.
type Writes = Arc<Mutex<Vec<(u16, Vec<u8>)>>>;
/// What a read of each characteristic answers (a test may change it while connected).
type Reads = Arc<Mutex<HashMap<u16, Vec<u8>>>>;

/// What the fake does on each connect attempt, in order; an empty script refuses.
#[derive(Debug, Clone, Copy)]
enum Attempt {
    Refuse,
    Accept,
    /// The adapter does not know the device (yet): a scan finds it.
    Unknown,
}

#[derive(Default)]
struct FakeCentral {
    script: Mutex<VecDeque<Attempt>>,
    chars: Vec<GattChar>,
    reads: Reads,
    writes: Writes,
    links: Mutex<Vec<mpsc::Sender<LinkEvent>>>,
    scans: Mutex<u32>,
    /// The system forgot the bond.
    bond_lost: Mutex<bool>,
    /// When each connect was asked for.
    connects: Mutex<Vec<std::time::Instant>>,
}

struct FakeLink {
    chars: Vec<GattChar>,
    reads: Reads,
    writes: Writes,
}

impl Central for FakeCentral {
    type Link = FakeLink;

    async fn scan(&self, _duration: Duration) -> Result<Vec<Advertisement>> {
        *self.scans.lock().unwrap() += 1;
        Ok(vec![Advertisement {
            address: "C0:00:00:00:00:01".into(),
            name: Some("Meter".into()),
            rssi: Some(-60),
            services: vec![HealthService::Glucose],
        }])
    }

    async fn connect(&self, _address: &str) -> Result<(FakeLink, mpsc::Receiver<LinkEvent>)> {
        self.connects
            .lock()
            .unwrap()
            .push(std::time::Instant::now());
        let attempt = self.script.lock().unwrap().pop_front();
        match attempt {
            Some(Attempt::Accept) => {
                let (tx, rx) = mpsc::channel(crate::link::LINK_QUEUE);
                self.links.lock().unwrap().push(tx);
                Ok((
                    FakeLink {
                        chars: self.chars.clone(),
                        reads: self.reads.clone(),
                        writes: self.writes.clone(),
                    },
                    rx,
                ))
            }
            Some(Attempt::Unknown) => Err(Error::UnknownDevice("C0:00:00:00:00:01".into())),
            Some(Attempt::Refuse) | None => Err(Error::Unavailable("out of range".into())),
        }
    }

    async fn bond(&self, _address: &str, _prompt: Arc<dyn PairingPrompt>) -> Result<Bond> {
        Ok(Bond::JustWorks)
    }

    async fn has_bond(&self, _address: &str) -> Result<bool> {
        Ok(self.bonds())
    }

    async fn unbond(&self, _address: &str) -> Result<()> {
        *self.bond_lost.lock().unwrap() = true;
        Ok(())
    }
}

impl FakeCentral {
    fn bonds(&self) -> bool {
        !*self.bond_lost.lock().unwrap()
    }
}

impl Link for FakeLink {
    fn characteristics(&self) -> Vec<GattChar> {
        self.chars.clone()
    }
    async fn read(&self, uuid: u16) -> Result<Vec<u8>> {
        self.reads
            .lock()
            .unwrap()
            .get(&uuid)
            .cloned()
            .ok_or(Error::MissingCharacteristic(uuid))
    }
    async fn write(&self, uuid: u16, value: Vec<u8>) -> Result<()> {
        self.writes.lock().unwrap().push((uuid, value));
        Ok(())
    }
    async fn subscribe(&self, _uuid: u16) -> Result<()> {
        Ok(())
    }
    async fn disconnect(&self) {}
}

impl FakeCentral {
    /// The values written to the device, in order (which characteristic aside).
    fn written_values(&self) -> Vec<Vec<u8>> {
        self.writes
            .lock()
            .unwrap()
            .iter()
            .map(|(_, v)| v.clone())
            .collect()
    }

    fn new(script: &[Attempt], chars: &[(u16, bool, bool)]) -> FakeCentral {
        FakeCentral {
            script: Mutex::new(script.iter().copied().collect()),
            chars: chars
                .iter()
                .map(|&(uuid, read, write)| GattChar {
                    uuid,
                    read,
                    write,
                    subscribe: !read || uuid == RACP,
                })
                .collect(),
            ..FakeCentral::default()
        }
    }

    /// Sends `event` on the `n`th link (0-based) once it exists.
    async fn send(&self, n: usize, event: LinkEvent) {
        for _ in 0..500 {
            let tx = self.links.lock().unwrap().get(n).cloned();
            if let Some(tx) = tx {
                let _ = tx.send(event).await;
                return;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        panic!("link {n} never came");
    }
}

struct FixedClock(Timestamp);
impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        self.0
    }
}

#[derive(Default)]
struct Recorder {
    stored: Mutex<Vec<DeviceReading>>,
    events: Mutex<Vec<DeviceEvent>>,
}

impl DeviceSink for Recorder {
    async fn store(&self, _device: &PairedDevice, readings: &[DeviceReading]) -> Result<()> {
        self.stored.lock().unwrap().extend_from_slice(readings);
        Ok(())
    }
    async fn remember(&self, _device: &PairedDevice) -> Result<()> {
        Ok(())
    }
    fn event(&self, event: DeviceEvent) {
        self.events.lock().unwrap().push(event);
    }
}

impl Recorder {
    /// The record numbers of the readings stored, in the order they were stored.
    fn sequences(&self) -> Vec<u16> {
        self.stored
            .lock()
            .unwrap()
            .iter()
            .filter_map(|r| r.sequence)
            .collect()
    }

    fn states(&self) -> Vec<LinkState> {
        self.events
            .lock()
            .unwrap()
            .iter()
            .filter_map(|e| match e {
                DeviceEvent::State { state, .. } => Some(*state),
                _ => None,
            })
            .collect()
    }
    fn count(&self) -> usize {
        self.stored.lock().unwrap().len()
    }
    fn problems(&self, which: Problem) -> usize {
        self.events
            .lock()
            .unwrap()
            .iter()
            .filter(|e| matches!(e, DeviceEvent::Problem { problem, .. } if *problem == which))
            .count()
    }
    async fn wait_for(&self, mut done: impl FnMut(&Recorder) -> bool) {
        for _ in 0..1000 {
            if done(self) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        panic!("timed out; events: {:?}", self.events.lock().unwrap());
    }
}

fn paired(last_sequence: Option<u16>) -> PairedDevice {
    PairedDevice {
        id: "C0:00:00:00:00:01".into(),
        name: "Meter".into(),
        services: vec![HealthService::Glucose],
        manufacturer: None,
        model: None,
        serial: None,
        firmware: None,
        battery_percent: None,
        last_sequence,
        stored_after_last: Vec::new(),
        user_id: None,
        consent_code: None,
        record_series: 0,
        cgm_session: None,
        newest_record_time: None,
        bond: Default::default(),
        clock_set: false,
        paired_at: Timestamp::UNIX_EPOCH,
        last_seen: None,
        counters: Default::default(),
    }
}

fn policy() -> LinkPolicy {
    LinkPolicy {
        backoff_first: Duration::from_millis(5),
        backoff_max: Duration::from_millis(20),
        silence: Duration::from_secs(30),
        download_quiet: Duration::from_secs(30),
        download_limit: Duration::from_secs(30),
        scan_for: Duration::from_millis(5),
        time_zone: TimeZone::UTC,
    }
}

fn now() -> Timestamp {
    "2026-03-01T08:00:00Z".parse().unwrap()
}

fn date_time(t: Timestamp) -> DateTime {
    let t = t.to_zoned(TimeZone::UTC).datetime();
    DateTime {
        year: t.year() as u16,
        month: t.month() as u8,
        day: t.day() as u8,
        hours: t.hour() as u8,
        minutes: t.minute() as u8,
        seconds: t.second() as u8,
    }
}

fn glucose(sequence: u16) -> LinkEvent {
    glucose_at(
        sequence,
        now() - SignedDuration::from_mins(100 - i64::from(sequence)),
    )
}

/// Glucose record `sequence`, stamped `at` by the meter's clock.
fn glucose_at(sequence: u16, at: Timestamp) -> LinkEvent {
    let value = GlucoseMeasurement {
        sequence_number: sequence,
        base_time: date_time(at),
        time_offset_min: None,
        concentration: Some(GlucoseConcentration {
            value: Number::finite(95, -5),
            unit: GlucoseUnit::KilogramPerLitre,
            sample_type: SampleType::CapillaryWholeBlood,
            sample_location: SampleLocation::Finger,
        }),
        sensor_status: None,
        context_follows: false,
        reserved_flags: 0,
    };
    LinkEvent::Value {
        uuid: GLUCOSE,
        bytes: value.encode(),
    }
}

fn heart_rate(bpm: u8) -> LinkEvent {
    LinkEvent::Value {
        uuid: HEART_RATE,
        bytes: vec![0x00, bpm],
    }
}

#[test]
fn backoff_doubles_up_to_its_cap() {
    let policy = policy();
    let waits: Vec<u128> = (1..=5).map(|n| backoff(&policy, n).as_millis()).collect();
    assert_eq!(waits, vec![5, 10, 20, 20, 20]);
}

#[tokio::test]
async fn reconnects_with_backoff_after_link_loss() {
    use Attempt::*;
    let central = FakeCentral::new(
        &[Accept, Refuse, Refuse, Accept],
        &[(HEART_RATE, false, false)],
    );
    let sink = Recorder::default();
    let (stop_tx, stop) = watch::channel(false);
    let clock = FixedClock(now());
    let policy = policy();
    let script = async {
        central.send(0, heart_rate(70)).await;
        sink.wait_for(|s| s.count() == 1).await;
        central.send(0, LinkEvent::Lost).await;
        central.send(1, heart_rate(71)).await;
        sink.wait_for(|s| s.count() == 2).await;
        stop_tx.send(true).unwrap();
    };
    let (device, ()) = tokio::join!(
        keep_connected(&central, paired(None), &sink, &clock, &policy, stop),
        script
    );
    use LinkState::*;
    assert_eq!(
        sink.states(),
        vec![
            Connecting,
            Connected,
            Streaming,
            Reconnecting,
            Reconnecting,
            Reconnecting,
            Connected,
            Streaming,
            Offline
        ]
    );
    assert_eq!(device.counters.link_losses, 1);
}

/// A scale that keeps its users apart is given the patient's consent code first on every
/// connection; when it refuses the code, nothing is read, the refusal is told and counted, and
/// each attempt waits longer than the one before (a device may lock out a user after several).
#[tokio::test]
async fn a_refused_consent_code_is_told_and_asked_again_ever_later() {
    use Attempt::*;
    const USER_CONTROL_POINT: u16 = tend_gatt::UserControlPoint::UUID;
    const WEIGHT: u16 = 0x2A9D;
    let central = FakeCentral::new(
        &[Accept, Accept, Accept],
        &[(USER_CONTROL_POINT, false, true), (WEIGHT, false, false)],
    );
    let sink = Recorder::default();
    let (stop_tx, stop) = watch::channel(false);
    let clock = FixedClock(now());
    let policy = LinkPolicy {
        backoff_first: Duration::from_millis(100),
        backoff_max: Duration::from_secs(1),
        ..policy()
    };
    let device = PairedDevice {
        services: vec![HealthService::WeightScale],
        user_id: Some(2),
        consent_code: Some(1234),
        ..paired(None)
    };
    let refused = LinkEvent::Value {
        uuid: USER_CONTROL_POINT,
        bytes: vec![0x20, 0x02, 0x05],
    };
    let script = async {
        for n in 0..3 {
            central.send(n, refused.clone()).await;
        }
        sink.wait_for(|s| s.problems(Problem::ConsentRefused) == 3)
            .await;
        stop_tx.send(true).unwrap();
    };
    let (device, ()) = tokio::join!(
        keep_connected(&central, device, &sink, &clock, &policy, stop),
        script
    );
    assert_eq!(device.counters.consent_refusals, 3);
    assert_eq!(sink.count(), 0);
    // Consent (2), user 2, code 1234: before anything else on each connection.
    assert_eq!(
        central.writes.lock().unwrap().clone(),
        vec![(USER_CONTROL_POINT, vec![0x02, 0x02, 0xD2, 0x04]); 3]
    );
    let connects = central.connects.lock().unwrap().clone();
    for (n, pair) in connects.windows(2).take(2).enumerate() {
        let failures = u32::try_from(n + 1).unwrap();
        assert!(
            pair[1] - pair[0] >= backoff(&policy, failures),
            "wait {failures}: {:?}",
            pair[1] - pair[0]
        );
    }
}

#[tokio::test]
async fn downloads_only_records_after_the_last_sequence_and_skips_repeats() {
    let central = FakeCentral::new(
        &[Attempt::Accept],
        &[(GLUCOSE, false, false), (RACP, false, true)],
    );
    let sink = Recorder::default();
    let (stop_tx, stop) = watch::channel(false);
    let clock = FixedClock(now());
    let policy = policy();
    let script = async {
        central.send(0, glucose(40)).await; // already stored before
        central.send(0, glucose(42)).await;
        central.send(0, glucose(42)).await; // sent twice
        central.send(0, glucose(43)).await;
        let done = RacpResponse::ResponseCode {
            request_op_code: 1,
            response: ResponseCode::Success,
        };
        central
            .send(
                0,
                LinkEvent::Value {
                    uuid: RACP,
                    bytes: done.encode(),
                },
            )
            .await;
        sink.wait_for(|s| s.states().contains(&LinkState::Streaming))
            .await;
        stop_tx.send(true).unwrap();
    };
    let (device, ()) = tokio::join!(
        keep_connected(&central, paired(Some(41)), &sink, &clock, &policy, stop),
        script
    );
    let asked = central.writes.lock().unwrap().clone();
    // From the last record stored: it comes back taken later if the meter was reset.
    let expected = RacpRequest::ReportStoredRecords(RacpOperator::GreaterOrEqual(
        RecordFilter::SequenceNumber(41),
    ));
    assert_eq!(asked, vec![(RACP, expected.encode())]);
    let stored: Vec<Option<u16>> = sink
        .stored
        .lock()
        .unwrap()
        .iter()
        .map(|r| r.sequence)
        .collect();
    assert_eq!(stored, vec![Some(42), Some(43)]);
    assert_eq!(device.last_sequence, Some(43));
    assert_eq!(device.counters.duplicates_skipped, 2);
    let states = sink.states();
    assert!(states.contains(&LinkState::Downloading) && states.contains(&LinkState::Streaming));
    assert!(sink
        .stored
        .lock()
        .unwrap()
        .iter()
        .all(|r| r.reading.metric == Metric::Glucose));
}

#[tokio::test]
async fn malformed_values_and_floods_are_counted_not_stored() {
    let central = FakeCentral::new(&[Attempt::Accept], &[(HEART_RATE, false, false)]);
    let sink = Recorder::default();
    let (stop_tx, stop) = watch::channel(false);
    let clock = FixedClock(now());
    let policy = policy();
    let script = async {
        central
            .send(
                0,
                LinkEvent::Value {
                    uuid: HEART_RATE,
                    bytes: vec![0xE0],
                },
            )
            .await;
        central
            .send(
                0,
                LinkEvent::Value {
                    uuid: HEART_RATE,
                    bytes: vec![],
                },
            )
            .await;
        for _ in 0..100 {
            central.send(0, heart_rate(72)).await;
        }
        sink.wait_for(|s| {
            s.events.lock().unwrap().iter().any(|e| {
                matches!(
                    e,
                    DeviceEvent::Problem {
                        problem: Problem::Flood,
                        ..
                    }
                )
            })
        })
        .await;
        tokio::time::sleep(Duration::from_millis(20)).await;
        stop_tx.send(true).unwrap();
    };
    let (device, ()) = tokio::join!(
        keep_connected(&central, paired(None), &sink, &clock, &policy, stop),
        script
    );
    assert_eq!(device.counters.malformed, 2);
    // A strap's allowance: a burst of 20, then 10 a second.
    assert!(sink.count() <= 22, "{} stored", sink.count());
    assert_eq!(device.counters.flood_dropped as usize + sink.count(), 100);
}

#[tokio::test]
async fn a_silent_device_is_reconnected() {
    use Attempt::*;
    let central = FakeCentral::new(&[Accept, Accept], &[(HEART_RATE, false, false)]);
    let sink = Recorder::default();
    let (stop_tx, stop) = watch::channel(false);
    let clock = FixedClock(now());
    let policy = LinkPolicy {
        silence: Duration::from_millis(30),
        ..policy()
    };
    let script = async {
        central.send(1, heart_rate(70)).await;
        sink.wait_for(|s| s.count() == 1).await;
        stop_tx.send(true).unwrap();
    };
    let (device, ()) = tokio::join!(
        keep_connected(&central, paired(None), &sink, &clock, &policy, stop),
        script
    );
    assert!(device.counters.silences >= 1);
}

fn cuff_reading(at: Timestamp) -> LinkEvent {
    let n = |m| Number::finite(m, 0);
    LinkEvent::Value {
        uuid: BLOOD_PRESSURE,
        bytes: BloodPressureMeasurement {
            unit: PressureUnit::MmHg,
            systolic: n(120),
            diastolic: n(80),
            mean_arterial: n(93),
            timestamp: Some(date_time(at)),
            pulse_rate: None,
            user_id: None,
            status: None,
            reserved_flags: 0,
        }
        .encode(),
    }
}

const BODY_COMPOSITION: u16 = 0x2A9C;

/// A cuff measurement naming `user`, with its own systolic pressure.
fn cuff_of(user: Option<u8>, systolic: i32) -> LinkEvent {
    let n = |m| Number::finite(m, 0);
    LinkEvent::Value {
        uuid: BLOOD_PRESSURE,
        bytes: BloodPressureMeasurement {
            unit: PressureUnit::MmHg,
            systolic: n(systolic),
            diastolic: n(80),
            mean_arterial: n(93),
            timestamp: None,
            pulse_rate: None,
            user_id: user,
            status: None,
            reserved_flags: 0,
        }
        .encode(),
    }
}

/// A body composition measurement sent in two packets: body fat (tenths of a percent) and the
/// User ID, then body fat again and the weight (70.5 kg), naming no one.
fn body_composition_in_two(user: u8, body_fat: u16) -> [LinkEvent; 2] {
    let [fat_low, fat_high] = body_fat.to_le_bytes();
    let [kg_low, kg_high] = 14100u16.to_le_bytes();
    [
        // Flags: User ID present (bit 2), multiple packet (bit 12).
        vec![0x04, 0x10, fat_low, fat_high, user],
        // Flags: weight present (bit 10), multiple packet (bit 12).
        vec![0x00, 0x14, fat_low, fat_high, kg_low, kg_high],
    ]
    .map(|bytes| LinkEvent::Value {
        uuid: BODY_COMPOSITION,
        bytes,
    })
}

/// Issue 14: on a cuff or scale the household shares, a patient paired as its user 1 has only
/// user 1's measurements stored; one of another user, of the unknown user or naming no one is
/// counted and dropped. Paired as the only user, every measurement is stored, as before.
#[tokio::test]
async fn only_the_chosen_users_measurements_are_stored() {
    let sent = || {
        let mut events = vec![
            cuff_of(Some(1), 121),
            cuff_of(Some(2), 150),
            cuff_of(Some(crate::UNKNOWN_USER), 151),
            cuff_of(None, 152),
            // Broken: malformed, not another user's.
            LinkEvent::Value {
                uuid: BLOOD_PRESSURE,
                bytes: vec![0x08],
            },
            // A measurement that names no user by its kind: the wearer's.
            heart_rate(70),
        ];
        events.extend(body_composition_in_two(1, 200));
        events.extend(body_composition_in_two(2, 300));
        events
    };
    let check = |user: Option<u8>, stored: &[(Metric, f64)], other_users: u64| {
        let sent = sent();
        let stored = stored.to_vec();
        async move {
            let central = FakeCentral::new(
                &[Attempt::Accept],
                &[
                    (BLOOD_PRESSURE, false, false),
                    (HEART_RATE, false, false),
                    (BODY_COMPOSITION, false, false),
                ],
            );
            let device = PairedDevice {
                services: vec![HealthService::BloodPressure, HealthService::BodyComposition],
                user_id: user,
                ..paired(None)
            };
            let sink = Recorder::default();
            let (stop_tx, stop) = watch::channel(false);
            let clock = FixedClock(now());
            let policy = policy();
            let script = async {
                for event in sent {
                    central.send(0, event).await;
                }
                sink.wait_for(|s| s.count() == stored.len()).await;
                // Nothing more comes of it.
                tokio::time::sleep(Duration::from_millis(20)).await;
                stop_tx.send(true).unwrap();
            };
            let (device, ()) = tokio::join!(
                keep_connected(&central, device, &sink, &clock, &policy, stop),
                script
            );
            let got: Vec<(Metric, f64)> = sink
                .stored
                .lock()
                .unwrap()
                .iter()
                .map(|r| (r.reading.metric, r.reading.value()))
                .collect();
            assert_eq!(got, stored, "user {user:?}");
            assert_eq!(device.counters.other_users, other_users, "user {user:?}");
            assert_eq!(device.counters.malformed, 1, "user {user:?}");
        }
    };
    use Metric::*;
    let cuff = |systolic: f64| {
        [
            (Systolic, systolic),
            (Diastolic, 80.0),
            (MeanArterial, 93.0),
        ]
    };
    let split = |fat: f64| [(BodyFat, fat), (BodyFat, fat), (Weight, 70.5)];
    let mine: Vec<(Metric, f64)> = cuff(121.0)
        .into_iter()
        .chain([(HeartRate, 70.0)])
        .chain(split(20.0))
        .collect();
    check(Some(1), &mine, 5).await;
    let everyone: Vec<(Metric, f64)> = [121.0, 150.0, 151.0, 152.0]
        .into_iter()
        .flat_map(cuff)
        .chain([(HeartRate, 70.0)])
        .chain(split(20.0))
        .chain(split(30.0))
        .collect();
    check(None, &everyone, 0).await;
}

fn current_time(at: Timestamp) -> Vec<u8> {
    CurrentTime {
        date_time: date_time(at),
        day_of_week: DayOfWeek::Unknown,
        fractions256: 0,
        adjust_reason: tend_gatt::AdjustReason(0),
    }
    .encode()
}

/// A cuff sends the measurements it kept as soon as Tend subscribes; pairing says how many were
/// fetched, as it does for a meter's download (it said nothing for a cuff).
#[tokio::test]
async fn a_cuffs_kept_measurements_are_counted_as_fetched_and_a_live_one_is_not() {
    let central = FakeCentral::new(&[Attempt::Accept], &[(BLOOD_PRESSURE, false, false)]);
    let sink = Recorder::default();
    let (stop_tx, stop) = watch::channel(false);
    let clock = FixedClock(now());
    let policy = policy();
    let script = async {
        for hours_ago in [36, 24, 12] {
            let kept = now() - SignedDuration::from_hours(hours_ago);
            central.send(0, cuff_reading(kept)).await;
        }
        central.send(0, cuff_reading(now())).await;
        sink.wait_for(|s| s.count() == 4 * 3).await;
        stop_tx.send(true).unwrap();
    };
    tokio::join!(
        keep_connected(&central, paired(None), &sink, &clock, &policy, stop),
        script
    );
    let fetched: Vec<(u64, bool)> = sink
        .events
        .lock()
        .unwrap()
        .iter()
        .filter_map(|e| match e {
            DeviceEvent::Download { received, done, .. } => Some((*received, *done)),
            _ => None,
        })
        .collect();
    assert_eq!(fetched.last(), Some(&(3, true)), "{fetched:?}");
}

#[tokio::test]
async fn device_times_are_corrected_by_the_clock_offset_or_the_clock_is_set() {
    // A cuff whose clock runs an hour ahead and cannot be set: its stamps are moved back.
    let central = FakeCentral::new(
        &[Attempt::Accept],
        &[(BLOOD_PRESSURE, false, false), (CURRENT_TIME, true, false)],
    );
    let ahead = now() + SignedDuration::from_hours(1);
    central
        .reads
        .lock()
        .unwrap()
        .insert(CURRENT_TIME, current_time(ahead));
    let sink = Recorder::default();
    let (stop_tx, stop) = watch::channel(false);
    let clock = FixedClock(now());
    let policy = policy();
    let script = async {
        central
            .send(0, cuff_reading(ahead - SignedDuration::from_mins(10)))
            .await;
        sink.wait_for(|s| s.count() == 3).await;
        stop_tx.send(true).unwrap();
    };
    let (device, ()) = tokio::join!(
        keep_connected(&central, paired(None), &sink, &clock, &policy, stop),
        script
    );
    assert!(!device.clock_set);
    let times: Vec<Timestamp> = sink
        .stored
        .lock()
        .unwrap()
        .iter()
        .map(|r| r.reading.time)
        .collect();
    assert!(
        times
            .iter()
            .all(|t| *t == now() - SignedDuration::from_mins(10)),
        "{times:?}"
    );

    // One that lets Tend set its clock: set to ours, stamps kept as sent.
    let central = FakeCentral::new(
        &[Attempt::Accept],
        &[(BLOOD_PRESSURE, false, false), (CURRENT_TIME, true, true)],
    );
    let sink = Recorder::default();
    let (stop_tx, stop) = watch::channel(false);
    let script = async {
        central.send(0, cuff_reading(now())).await;
        sink.wait_for(|s| s.count() == 3).await;
        stop_tx.send(true).unwrap();
    };
    let (device, ()) = tokio::join!(
        keep_connected(&central, paired(None), &sink, &clock, &policy, stop),
        script
    );
    assert!(device.clock_set);
    let written = central.writes.lock().unwrap().clone();
    assert_eq!(written.len(), 1);
    assert_eq!(written[0].0, CURRENT_TIME);
    let set = CurrentTime::decode(&written[0].1).unwrap();
    assert_eq!(set.date_time, date_time(now()));
}

/// Issue 14: a reading is never stored in the future. One dated ahead of our clock has the
/// device's clock read again (it was set an hour ahead after Tend read it); one the clock does
/// not explain is counted as a problem and not stored.
#[tokio::test]
async fn readings_dated_in_the_future_are_placed_by_the_clock_read_again_or_counted() {
    let central = FakeCentral::new(
        &[Attempt::Accept],
        &[(GLUCOSE, false, false), (CURRENT_TIME, true, false)],
    );
    let set_clock = |at: Timestamp| {
        central
            .reads
            .lock()
            .unwrap()
            .insert(CURRENT_TIME, current_time(at));
    };
    set_clock(now());
    let sink = Recorder::default();
    let (stop_tx, stop) = watch::channel(false);
    let clock = FixedClock(now());
    let policy = policy();
    let hour = SignedDuration::from_hours(1);
    let mins = SignedDuration::from_mins;
    let script = async {
        central.send(0, glucose_at(1, now() - mins(5))).await;
        sink.wait_for(|s| s.count() == 1).await;
        set_clock(now() + hour);
        central.send(0, glucose_at(2, now() + hour - mins(2))).await;
        sink.wait_for(|s| s.count() == 2).await;
        central.send(0, glucose_at(3, now() + 3 * hour)).await;
        central.send(0, glucose_at(4, now() + hour)).await;
        sink.wait_for(|s| s.count() == 3).await;
        stop_tx.send(true).unwrap();
    };
    let (device, ()) = tokio::join!(
        keep_connected(&central, paired(None), &sink, &clock, &policy, stop),
        script
    );
    let stored: Vec<(Option<u16>, Timestamp)> = sink
        .stored
        .lock()
        .unwrap()
        .iter()
        .map(|r| (r.sequence, r.reading.time))
        .collect();
    assert_eq!(
        stored,
        vec![
            (Some(1), now() - mins(5)),
            (Some(2), now() - mins(2)),
            (Some(4), now())
        ]
    );
    assert_eq!(device.counters.implausible_times, 1);
    assert!(sink.events.lock().unwrap().iter().any(|e| matches!(
        e,
        DeviceEvent::Problem {
            problem: Problem::ImplausibleTime,
            count: 1,
            ..
        }
    )));
}

#[tokio::test]
async fn records_overtaken_by_the_download_complete_indication_still_count_as_the_download() {
    // BlueZ as a GATT server batches notifications for up to 10 ms but sends the control
    // point's indication at once: "complete" can arrive before the last records.
    let central = FakeCentral::new(
        &[Attempt::Accept],
        &[(GLUCOSE, false, false), (RACP, false, true)],
    );
    let sink = Recorder::default();
    let (stop_tx, stop) = watch::channel(false);
    let clock = FixedClock(now());
    let policy = policy();
    let done = RacpResponse::ResponseCode {
        request_op_code: 1,
        response: ResponseCode::Success,
    };
    let script = async {
        for s in 1..=10 {
            central.send(0, glucose(s)).await;
        }
        central
            .send(
                0,
                LinkEvent::Value {
                    uuid: RACP,
                    bytes: done.encode(),
                },
            )
            .await;
        // The batch follows when BlueZ's batching timer fires.
        tokio::time::sleep(Duration::from_millis(20)).await;
        // More than a meter's live allowance (a burst of 50): late records still count as the
        // download, not as live values.
        for s in 11..=90 {
            central.send(0, glucose(s)).await;
        }
        sink.wait_for(|s| {
            s.events
                .lock()
                .unwrap()
                .iter()
                .any(|e| matches!(e, DeviceEvent::Download { done: true, .. }))
        })
        .await;
        stop_tx.send(true).unwrap();
    };
    let (device, ()) = tokio::join!(
        keep_connected(&central, paired(None), &sink, &clock, &policy, stop),
        script
    );
    let stored = sink.sequences();
    assert_eq!(stored, (1..=90).collect::<Vec<u16>>());
    assert_eq!(device.counters.flood_dropped, 0);
    assert_eq!(device.last_sequence, Some(90));
    let received = sink.events.lock().unwrap().iter().find_map(|e| match e {
        DeviceEvent::Download {
            done: true,
            received,
            ..
        } => Some(*received),
        _ => None,
    });
    assert_eq!(received, Some(90));
}

#[tokio::test]
async fn a_watch_stopped_while_late_records_may_still_come_keeps_the_completed_download() {
    let central = FakeCentral::new(
        &[Attempt::Accept],
        &[(GLUCOSE, false, false), (RACP, false, true)],
    );
    let sink = Recorder::default();
    let (stop_tx, stop) = watch::channel(false);
    let clock = FixedClock(now());
    let policy = policy();
    let done = RacpResponse::ResponseCode {
        request_op_code: 1,
        response: ResponseCode::Success,
    };
    let script = async {
        for s in 1..=3 {
            central.send(0, glucose(s)).await;
        }
        central
            .send(
                0,
                LinkEvent::Value {
                    uuid: RACP,
                    bytes: done.encode(),
                },
            )
            .await;
        sink.wait_for(|s| s.count() == 3).await;
        stop_tx.send(true).unwrap();
    };
    let (device, ()) = tokio::join!(
        keep_connected(&central, paired(None), &sink, &clock, &policy, stop),
        script
    );
    assert_eq!(device.last_sequence, Some(3));
    assert!(sink
        .events
        .lock()
        .unwrap()
        .iter()
        .any(|e| matches!(e, DeviceEvent::Download { done: true, .. })));
}

#[tokio::test]
async fn a_live_record_overtaking_a_cut_download_is_neither_lost_nor_stored_twice() {
    use Attempt::*;
    let central = FakeCentral::new(
        &[Accept, Accept],
        &[(GLUCOSE, false, false), (RACP, false, true)],
    );
    let sink = Recorder::default();
    let (stop_tx, stop) = watch::channel(false);
    let clock = FixedClock(now());
    let policy = policy();
    let done = RacpResponse::ResponseCode {
        request_op_code: 1,
        response: ResponseCode::Success,
    };
    let script = async {
        // A new measurement arrives live before the download of 42..49 starts; the link drops
        // after 45.
        central.send(0, glucose(50)).await;
        for s in 42..=45 {
            central.send(0, glucose(s)).await;
        }
        sink.wait_for(|s| s.count() == 5).await;
        central.send(0, LinkEvent::Lost).await;
        // The next download asks from 46 and gets 46..50 again: 50 is already stored.
        for s in 46..=50 {
            central.send(1, glucose(s)).await;
        }
        central
            .send(
                1,
                LinkEvent::Value {
                    uuid: RACP,
                    bytes: done.encode(),
                },
            )
            .await;
        sink.wait_for(|s| {
            s.events
                .lock()
                .unwrap()
                .iter()
                .any(|e| matches!(e, DeviceEvent::Download { done: true, .. }))
        })
        .await;
        stop_tx.send(true).unwrap();
    };
    let (device, ()) = tokio::join!(
        keep_connected(&central, paired(Some(41)), &sink, &clock, &policy, stop),
        script
    );
    let asked = central.written_values();
    let from = |n| {
        RacpRequest::ReportStoredRecords(RacpOperator::GreaterOrEqual(
            RecordFilter::SequenceNumber(n),
        ))
        .encode()
    };
    assert_eq!(asked, vec![from(41), from(45)]);
    let mut stored = sink.sequences();
    stored.sort_unstable();
    assert_eq!(stored, (42..=50).collect::<Vec<u16>>());
    assert_eq!(device.last_sequence, Some(50));
    assert!(device.stored_after_last.is_empty());
    assert_eq!(device.counters.duplicates_skipped, 1);
}

/// Seen in bluez-sim under load: a download's last record, sent after the "complete"
/// indication, never came (the link dropped first), and a live record newer than it was stored
/// meanwhile. Taking the download as complete up to the newest record stored skipped it for good.
#[tokio::test]
async fn a_record_due_after_complete_is_asked_again_when_the_link_drops_first() {
    use Attempt::*;
    let central = FakeCentral::new(
        &[Accept, Accept],
        &[(GLUCOSE, false, false), (RACP, false, true)],
    );
    let sink = Recorder::default();
    let (stop_tx, stop) = watch::channel(false);
    let clock = FixedClock(now());
    let policy = policy();
    let done = || LinkEvent::Value {
        uuid: RACP,
        bytes: RacpResponse::ResponseCode {
            request_op_code: 1,
            response: ResponseCode::Success,
        }
        .encode(),
    };
    let script = async {
        // The download of 1..4 says "complete" before 4; 6 is measured live; the link drops
        // before 4 arrives.
        for s in 1..=3 {
            central.send(0, glucose(s)).await;
        }
        central.send(0, done()).await;
        central.send(0, glucose(6)).await;
        sink.wait_for(|s| s.count() == 4).await;
        central.send(0, LinkEvent::Lost).await;
        // Asked again from 3: 4 and 5 are new.
        for s in 3..=6 {
            central.send(1, glucose(s)).await;
        }
        central.send(1, done()).await;
        sink.wait_for(|s| s.count() == 6).await;
        stop_tx.send(true).unwrap();
    };
    let (device, ()) = tokio::join!(
        keep_connected(&central, paired(None), &sink, &clock, &policy, stop),
        script
    );
    let asked = central.written_values();
    let all = RacpRequest::ReportStoredRecords(RacpOperator::All).encode();
    let from_3 = RacpRequest::ReportStoredRecords(RacpOperator::GreaterOrEqual(
        RecordFilter::SequenceNumber(3),
    ))
    .encode();
    assert_eq!(asked, vec![all, from_3]);
    let mut stored = sink.sequences();
    stored.sort_unstable();
    assert_eq!(stored, (1..=6).collect::<Vec<u16>>());
    assert_eq!(device.last_sequence, Some(6));
    // 6 came twice; 3, the record asked from, is expected again and not counted.
    assert_eq!(device.counters.duplicates_skipped, 1);
}

#[tokio::test]
async fn a_device_the_adapter_forgot_is_scanned_for_then_connected() {
    use Attempt::*;
    let central = FakeCentral::new(&[Unknown, Accept], &[(HEART_RATE, false, false)]);
    let sink = Recorder::default();
    let (stop_tx, stop) = watch::channel(false);
    let clock = FixedClock(now());
    let policy = policy();
    let script = async {
        central.send(0, heart_rate(70)).await;
        sink.wait_for(|s| s.count() == 1).await;
        stop_tx.send(true).unwrap();
    };
    tokio::join!(
        keep_connected(&central, paired(None), &sink, &clock, &policy, stop),
        script
    );
    use LinkState::*;
    assert_eq!(
        sink.states(),
        vec![
            Connecting,
            Scanning,
            Reconnecting,
            Connected,
            Streaming,
            Offline
        ]
    );
    assert_eq!(*central.scans.lock().unwrap(), 1);
}

#[tokio::test]
async fn a_download_that_never_completes_is_given_up_though_live_values_keep_coming() {
    let central = FakeCentral::new(
        &[Attempt::Accept],
        &[(GLUCOSE, false, false), (RACP, false, true)],
    );
    let sink = Recorder::default();
    let (stop_tx, stop) = watch::channel(false);
    let clock = FixedClock(now());
    let policy = LinkPolicy {
        download_limit: Duration::from_millis(300),
        ..policy()
    };
    let script = async {
        // A value every 20 ms, never a "complete": the quiet limit (30 s) never runs out.
        for sequence in 42..200 {
            central.send(0, glucose(sequence)).await;
            if sink.states().contains(&LinkState::Streaming) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        stop_tx.send(true).unwrap();
    };
    let (device, ()) = tokio::join!(
        keep_connected(&central, paired(Some(41)), &sink, &clock, &policy, stop),
        script
    );
    let states = sink.states();
    assert!(states.contains(&LinkState::Streaming), "{states:?}");
    assert_eq!(device.counters.incomplete_downloads, 1);
    assert!(sink.events.lock().unwrap().iter().any(|e| matches!(
        e,
        DeviceEvent::Problem {
            problem: Problem::DownloadIncomplete,
            ..
        }
    )));
    // What came before is kept; the next connection asks again from where it stood.
    assert!(sink.count() > 0);
}
