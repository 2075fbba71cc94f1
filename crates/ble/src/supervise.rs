//! Keeping one paired device connected: connect, read battery and clock, subscribe, download what
//! it stored since the last sequence number, stream, and reconnect with backoff when the link
//! goes — counting (never crashing on) malformed values, floods and silence.

use std::time::Duration;

use jiff::{tz::TimeZone, SignedDuration, Timestamp};
use tend_gatt::{
    BatteryLevel, CgmMeasurement, CgmSessionStartTime, Characteristic, Context, CurrentTime,
    DayOfWeek, RacpOperator, RacpRequest, RacpResponse, RecordFilter, ResponseCode,
};
use tend_vitals::TimeSource;
use tokio::sync::{mpsc, watch};

use crate::{
    decode::{
        allowance, decode, is_patients, measured_user, Allowance, MeasuredUser, DOWNLOAD_ALLOWANCE,
        MEASUREMENTS,
    },
    device::{Clock, DeviceEvent, DeviceReading, DeviceSink, PairedDevice, Problem},
    link::{Central, Link, LinkEvent},
    user_data, Error, LinkState,
};

const BATTERY_LEVEL: u16 = 0x2A19;
const CURRENT_TIME: u16 = 0x2A2B;
const RACP: u16 = 0x2A52;
const REPORT_STORED_RECORDS: u8 = 1;
/// A device clock closer to ours than this is taken as right.
const CLOCK_TOLERANCE: SignedDuration = SignedDuration::from_secs(2);
/// How far ahead of our clock a reading may be placed (the device clock read a moment ago, and
/// its drift since): further, and the device's clock is read again; still further after that,
/// the reading is counted as a problem and not stored.
const FUTURE_TOLERANCE: SignedDuration = SignedDuration::from_secs(30);
/// Values taken off the link at once and stored in one transaction.
const BATCH: usize = 256;
/// How long after a device says a download is complete its records still count as part of it.
/// The completion can overtake the last records: BlueZ as a GATT server holds notifications up
/// to 10 ms to batch them but sends an indication at once, and with several ATT bearers (EATT)
/// nothing orders them. Records arriving late are neither rate-limited as a flood nor left out
/// of the completed download.
const DOWNLOAD_SETTLE: Duration = Duration::from_millis(250);
/// A measurement a device without a record download (a cuff, thermometer or scale) sends taken
/// longer than this before Tend connected is one it kept in its memory.
const KEPT_BEFORE: SignedDuration = SignedDuration::from_mins(1);

/// How patiently Tend treats a device.
#[derive(Debug, Clone)]
pub struct LinkPolicy {
    /// The wait after the first failed reconnect; doubled after each further failure.
    pub backoff_first: Duration,
    pub backoff_max: Duration,
    /// A connected device that sends nothing this long is reconnected.
    pub silence: Duration,
    /// A download that goes quiet this long is given up (and asked again next time).
    pub download_quiet: Duration,
    /// A download not over after this long is given up too, however busy the link: a device
    /// that never says "complete" while it keeps sending live values would otherwise keep them
    /// unrated and its download open for as long as it stays in range (seen with the real BlueZ).
    pub download_limit: Duration,
    /// How long to scan for a device the adapter no longer knows.
    pub scan_for: Duration,
    /// The zone device clocks keep.
    pub time_zone: TimeZone,
}

impl Default for LinkPolicy {
    fn default() -> Self {
        LinkPolicy {
            backoff_first: Duration::from_millis(100),
            // Short enough that a device back in range is reconnected well within 2 s, whatever
            // the outage; each attempt is one D-Bus call to BlueZ.
            backoff_max: Duration::from_millis(1500),
            silence: Duration::from_secs(60),
            download_quiet: Duration::from_secs(10),
            // A CGM's 14 days (4,032 records) at a slow 20 a second take under 4 minutes.
            download_limit: Duration::from_secs(300),
            scan_for: Duration::from_secs(3),
            time_zone: TimeZone::system(),
        }
    }
}

/// Why a connection ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SessionEnd {
    Lost,
    Silent,
    Stopped,
    /// The device did not accept the patient's consent code: nothing was read.
    ConsentRefused,
}

/// Keeps `device` connected until `stop` turns true, then returns its updated record.
pub async fn keep_connected<C: Central, S: DeviceSink, K: Clock>(
    central: &C,
    mut device: PairedDevice,
    sink: &S,
    clock: &K,
    policy: &LinkPolicy,
    mut stop: watch::Receiver<bool>,
) -> PairedDevice {
    let mut failures = 0u32;
    let mut state = LinkState::Connecting;
    while !*stop.borrow() {
        set_state(sink, &device, state);
        let connected = tokio::select! {
            c = connect_bonded(central, &device) => c,
            _ = stop.changed() => break,
        };
        match connected {
            Err(Error::UnknownDevice(_)) => {
                // The adapter no longer knows the device (BlueZ forgets devices it has not seen
                // for a while): look for it, then try again at once if it was seen.
                set_state(sink, &device, LinkState::Scanning);
                let seen = tokio::select! {
                    found = central.scan(policy.scan_for) => found
                        .map(|f| f.iter().any(|a| a.address.eq_ignore_ascii_case(&device.id)))
                        .unwrap_or(false),
                    _ = stop.changed() => break,
                };
                state = LinkState::Reconnecting;
                if !seen {
                    failures = failures.saturating_add(1);
                    let wait = backoff(policy, failures);
                    tokio::select! {
                        () = tokio::time::sleep(wait) => {}
                        _ = stop.changed() => break,
                    }
                }
            }
            Err(e) => {
                // Nothing from a device that cannot prove the bond: the patient is told, and
                // Tend keeps trying (the real device may come back, or be paired again).
                let refused = match e {
                    Error::NotTheBondedDevice(_) => Some(Problem::NotTheBondedDevice),
                    Error::BondLost(_) => Some(Problem::BondLost),
                    _ => None,
                };
                if let Some(which) = refused {
                    tracing::warn!(device = %device.id, error = %e, "bond not proven");
                    device.counters.bond_refusals += 1;
                    problem(sink, &device, which, device.counters.bond_refusals);
                } else {
                    tracing::debug!(device = %device.id, error = %e, "connect failed");
                }
                failures = failures.saturating_add(1);
                state = LinkState::Reconnecting;
                let wait = backoff(policy, failures);
                tokio::select! {
                    () = tokio::time::sleep(wait) => {}
                    _ = stop.changed() => break,
                }
            }
            Ok((link, events)) => {
                let end = Session {
                    link: &link,
                    device: &mut device,
                    sink,
                    clock,
                    policy,
                    offset: SignedDuration::ZERO,
                    buckets: Vec::new(),
                    flooding: false,
                    cgm_session: None,
                    asked_from: None,
                    renumbered: false,
                    recheck_cgm_session: false,
                    split_user: None,
                }
                .run(events, &mut stop)
                .await;
                tracing::debug!(device = %device.id, ?end, "connection ended");
                match end {
                    SessionEnd::Stopped => {
                        link.disconnect().await;
                        break;
                    }
                    SessionEnd::Lost => device.counters.link_losses += 1,
                    SessionEnd::Silent => {
                        device.counters.silences += 1;
                        problem(sink, &device, Problem::Silent, device.counters.silences);
                        link.disconnect().await;
                    }
                    SessionEnd::ConsentRefused => {
                        // Asked again after a wait that grows: a device may lock a user out
                        // after several wrong codes.
                        device.counters.consent_refusals += 1;
                        let count = device.counters.consent_refusals;
                        problem(sink, &device, Problem::ConsentRefused, count);
                        link.disconnect().await;
                        remember(sink, &device).await;
                        failures = failures.saturating_add(1);
                        state = LinkState::Reconnecting;
                        tokio::select! {
                            () = tokio::time::sleep(backoff(policy, failures)) => {}
                            _ = stop.changed() => break,
                        }
                        continue;
                    }
                }
                // A link that worked: the next attempt starts again from the shortest wait.
                failures = 0;
                remember(sink, &device).await;
                state = LinkState::Reconnecting;
            }
        }
    }
    remember(sink, &device).await;
    set_state(sink, &device, LinkState::Offline);
    device
}

/// Connects to `device`; one Tend bonded with only while the system still holds the bond (the
/// system then encrypts the link with its keys, which a device posing as it lacks).
async fn connect_bonded<C: Central>(
    central: &C,
    device: &PairedDevice,
) -> crate::Result<(C::Link, mpsc::Receiver<LinkEvent>)> {
    if device.bond.is_bonded() && !central.has_bond(&device.id).await? {
        return Err(Error::BondLost(device.id.clone()));
    }
    central.connect(&device.id).await
}

/// The wait before reconnect attempt number `failures` (1-based).
pub fn backoff(policy: &LinkPolicy, failures: u32) -> Duration {
    let doublings = failures.saturating_sub(1).min(16);
    policy
        .backoff_first
        .saturating_mul(1 << doublings)
        .min(policy.backoff_max)
}

fn set_state<S: DeviceSink>(sink: &S, device: &PairedDevice, state: LinkState) {
    sink.event(DeviceEvent::State {
        device: device.id.clone(),
        state,
    });
}

fn problem<S: DeviceSink>(sink: &S, device: &PairedDevice, problem: Problem, count: u64) {
    // The device and the kind of problem only: never the value.
    tracing::warn!(device = %device.id, ?problem, count, "device problem");
    sink.event(DeviceEvent::Problem {
        device: device.id.clone(),
        problem,
        count,
    });
}

async fn remember<S: DeviceSink>(sink: &S, device: &PairedDevice) {
    if let Err(e) = sink.remember(device).await {
        tracing::warn!(device = %device.id, error = %e, "could not save the device record");
    }
}

/// One connection's worth of work.
struct Session<'a, L, S, K> {
    link: &'a L,
    device: &'a mut PairedDevice,
    sink: &'a S,
    clock: &'a K,
    policy: &'a LinkPolicy,
    /// How far the device's clock is ahead of ours (zero once Tend has set it).
    offset: SignedDuration,
    /// What each measurement characteristic (or, during a download, the download) may still
    /// send: see [`allowance`].
    buckets: Vec<(Option<u16>, Bucket)>,
    flooding: bool,
    /// A CGM's session start, read on connecting: places its records in time.
    cgm_session: Option<CgmSessionStartTime>,
    /// The meter record number this connection's download asked from (the last one stored, to
    /// see whether it comes back the same).
    asked_from: Option<u16>,
    /// A record of a new run of numbers arrived during the download: the whole of the device's
    /// memory is asked for next.
    renumbered: bool,
    /// A CGM sent a record number already stored: its sensor session may have changed.
    recheck_cgm_session: bool,
    /// The User ID the last value carried when it was one packet of a body composition
    /// measurement sent in two: the next packet, carrying none, is that user's too.
    split_user: Option<u8>,
}

/// How the device said a download ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DownloadEnd {
    /// It sent every record asked for.
    Complete,
    /// It holds no record the request selects.
    NothingFound,
    /// It refused or gave up.
    Failed,
}

/// Whether a download's last records had their chance to arrive. A meter's last few records
/// come after its "complete" indication (BlueZ on its side batches notifications, not
/// indications), and live records newer than them may be stored meanwhile: when the link ends
/// or the watch stops within the wait for them, only an unbroken run of records counts as in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Settled {
    Yes,
    No,
}

impl<L: Link, S: DeviceSink, K: Clock> Session<'_, L, S, K> {
    async fn run(
        mut self,
        mut events: mpsc::Receiver<LinkEvent>,
        stop: &mut watch::Receiver<bool>,
    ) -> SessionEnd {
        set_state(self.sink, self.device, LinkState::Connected);
        let connected_at = self.clock.now();
        self.device.last_seen = Some(connected_at);
        if let Some(end) = self.consent(&mut events).await {
            return end;
        }
        self.read_battery().await;
        self.sync_clock().await;
        self.read_cgm_session().await;
        for c in self.link.characteristics() {
            let wanted =
                MEASUREMENTS.contains(&c.uuid) || c.uuid == BATTERY_LEVEL || c.uuid == RACP;
            if c.subscribe && wanted && self.link.subscribe(c.uuid).await.is_err() {
                return SessionEnd::Lost;
            }
        }
        let mut downloading = false;
        if self.link.find(RACP).is_some_and(|c| c.write) {
            // A CGM numbers its records by minutes since its session started (a new session was
            // noticed above); a meter counts, and is asked from the last record stored, which
            // comes back taken later if the meter was reset since.
            let is_cgm = self.link.find(CgmMeasurement::UUID).is_some();
            let operator = match self.device.last_sequence {
                Some(last) if is_cgm => {
                    RacpOperator::GreaterOrEqual(RecordFilter::TimeOffset(last.wrapping_add(1)))
                }
                Some(last) => {
                    self.asked_from = Some(last);
                    RacpOperator::GreaterOrEqual(RecordFilter::SequenceNumber(last))
                }
                None => RacpOperator::All,
            };
            if !self.ask_for_records(operator).await {
                return SessionEnd::Lost;
            }
            downloading = true;
        } else {
            set_state(self.sink, self.device, LinkState::Streaming);
        }
        let mut received = 0u64;
        // A cuff, thermometer or scale sends what it kept while nobody listened as soon as Tend
        // subscribes: the measurements taken before this connection, counted as a download's.
        let sends_what_it_kept = self.link.find(RACP).is_none();
        let mut kept = 0u64;
        // How the device said the download ended, and until when values still count as part
        // of it.
        let mut ending: Option<(DownloadEnd, tokio::time::Instant)> = None;
        let mut download_deadline = tokio::time::Instant::now() + self.policy.download_limit;
        loop {
            let now = tokio::time::Instant::now();
            let quiet = match ending {
                Some((_, until)) => until.saturating_duration_since(now),
                None if downloading => self
                    .policy
                    .download_quiet
                    .min(download_deadline.saturating_duration_since(now)),
                None => self.policy.silence,
            };
            let first = tokio::select! {
                _ = stop.changed() => {
                    // A download the device said was complete is, even if the wait for its
                    // late records is cut short (see `Settled`).
                    if let Some((end, _)) = ending.take() {
                        self.end_download(end, received, Settled::No).await;
                    }
                    return SessionEnd::Stopped;
                }
                event = tokio::time::timeout(quiet, events.recv()) => event,
            };
            let first = match first {
                Err(_) if ending.is_some() => {
                    let end = ending.take().map_or(DownloadEnd::Failed, |(end, _)| end);
                    if self.wants_whole_memory(end) {
                        // The download held only the end of a new run: nothing is concluded
                        // until the rest is in.
                        if !self.ask_for_records(RacpOperator::All).await {
                            return SessionEnd::Lost;
                        }
                        download_deadline =
                            tokio::time::Instant::now() + self.policy.download_limit;
                        continue;
                    }
                    downloading = false;
                    self.end_download(end, received, Settled::Yes).await;
                    continue;
                }
                Err(_) if downloading => {
                    downloading = false;
                    self.device.counters.incomplete_downloads += 1;
                    let count = self.device.counters.incomplete_downloads;
                    problem(self.sink, self.device, Problem::DownloadIncomplete, count);
                    set_state(self.sink, self.device, LinkState::Streaming);
                    continue;
                }
                Err(_) => return SessionEnd::Silent,
                Ok(None) | Ok(Some(LinkEvent::Lost)) => {
                    if let Some((end, _)) = ending.take() {
                        self.end_download(end, received, Settled::No).await;
                    }
                    return SessionEnd::Lost;
                }
                Ok(Some(event)) => event,
            };
            // Take what else is waiting, so a download is stored in few transactions.
            let mut batch = vec![first];
            let mut lost = false;
            while batch.len() < BATCH {
                match events.try_recv() {
                    Ok(LinkEvent::Lost) => {
                        lost = true;
                        break;
                    }
                    Ok(event) => batch.push(event),
                    Err(_) => break,
                }
            }
            let mut values = Vec::new();
            let mut finished = None;
            for event in batch {
                let (uuid, bytes) = match event {
                    LinkEvent::Value { uuid, bytes } => (uuid, bytes),
                    LinkEvent::Dropped(count) => {
                        self.flood(count);
                        continue;
                    }
                    LinkEvent::Lost => continue,
                };
                match uuid {
                    RACP => finished = download_outcome(&bytes).or(finished),
                    BATTERY_LEVEL => self.battery(&bytes),
                    _ => {
                        if self.admit(uuid, downloading) {
                            values.push((uuid, bytes));
                        }
                    }
                }
            }
            let counted = self.device.counters;
            let mut readings = self.decode(&values);
            if std::mem::take(&mut self.recheck_cgm_session) && self.read_cgm_session().await {
                // A new sensor session: its records were not the old one's repeats.
                self.device.counters = counted;
                readings = self.decode(&values);
            }
            if downloading {
                received += readings.len() as u64;
            }
            let kept_now = measurements_taken_before(&readings, connected_at - KEPT_BEFORE);
            if sends_what_it_kept && kept_now > 0 {
                kept += kept_now;
                self.sink.event(DeviceEvent::Download {
                    device: self.device.id.clone(),
                    received: kept,
                    done: true,
                });
            }
            self.store(readings).await;
            if downloading {
                if ending.is_none() {
                    let until = tokio::time::Instant::now() + DOWNLOAD_SETTLE;
                    ending = finished.map(|complete| (complete, until));
                }
                if lost {
                    downloading = false;
                    if let Some((end, _)) = ending.take() {
                        self.end_download(end, received, Settled::No).await;
                    }
                } else if ending.is_none() {
                    self.sink.event(DeviceEvent::Download {
                        device: self.device.id.clone(),
                        received,
                        done: false,
                    });
                }
            }
            if lost {
                return SessionEnd::Lost;
            }
        }
    }

    /// On a device that keeps its users apart with consent codes, gives the patient's user's
    /// code before anything else: how the connection ends when it cannot go on.
    async fn consent(&mut self, events: &mut mpsc::Receiver<LinkEvent>) -> Option<SessionEnd> {
        let (Some(user), Some(code)) = (self.device.user_id, self.device.consent_code) else {
            return None;
        };
        if !user_data::offers_consent(self.link) {
            return None;
        }
        match user_data::give_consent(self.link, events, &self.device.id, user, code).await {
            Ok(()) => None,
            Err(Error::ConsentRefused { .. }) => Some(SessionEnd::ConsentRefused),
            Err(e) => {
                tracing::debug!(device = %self.device.id, error = %e, "consent not given");
                Some(SessionEnd::Lost)
            }
        }
    }

    /// Asks the device for the stored records `operator` selects; `false` when the link failed.
    async fn ask_for_records(&mut self, operator: RacpOperator) -> bool {
        let request = RacpRequest::ReportStoredRecords(operator).encode();
        if self.link.write(RACP, request).await.is_err() {
            return false;
        }
        set_state(self.sink, self.device, LinkState::Downloading);
        true
    }

    /// Whether a download that ended so shows that the meter numbers its records anew, so that
    /// its whole memory is to be asked for (once a connection): a record came back renumbered,
    /// or it no longer holds the last record stored.
    fn wants_whole_memory(&mut self, end: DownloadEnd) -> bool {
        let asked_from = self.asked_from.take();
        if end == DownloadEnd::NothingFound && asked_from.is_some() {
            self.device.new_record_series();
            return true;
        }
        end != DownloadEnd::Failed && std::mem::take(&mut self.renumbered)
    }

    /// The download is over: the device said how, and `settled` says whether its records have
    /// had time to arrive.
    async fn end_download(&mut self, end: DownloadEnd, received: u64, settled: Settled) {
        let complete = end != DownloadEnd::Failed;
        if !complete {
            self.device.counters.incomplete_downloads += 1;
            let count = self.device.counters.incomplete_downloads;
            problem(self.sink, self.device, Problem::DownloadIncomplete, count);
        }
        set_state(self.sink, self.device, LinkState::Streaming);
        if complete {
            match settled {
                Settled::Yes => self.device.download_complete(),
                Settled::No => self.device.download_cut_short(),
            }
            remember(self.sink, self.device).await;
            self.sink.event(DeviceEvent::Download {
                device: self.device.id.clone(),
                received,
                done: true,
            });
        }
    }

    async fn read_battery(&mut self) {
        if self.link.find(BATTERY_LEVEL).is_some_and(|c| c.read) {
            if let Ok(bytes) = self.link.read(BATTERY_LEVEL).await {
                self.battery(&bytes);
            }
        }
    }

    fn battery(&mut self, bytes: &[u8]) {
        match BatteryLevel::decode(bytes) {
            Ok(level) => {
                self.device.battery_percent = Some(level.percent());
                self.sink.event(DeviceEvent::Battery {
                    device: self.device.id.clone(),
                    battery_percent: level.percent(),
                });
            }
            Err(_) => self.malformed(),
        }
    }

    /// Sets the device's clock where it allows; otherwise learns how far off it is.
    async fn sync_clock(&mut self) {
        self.offset = SignedDuration::ZERO;
        let Some(c) = self.link.find(CURRENT_TIME) else {
            return;
        };
        if c.write {
            let value = current_time(self.clock.now(), &self.policy.time_zone);
            if self.link.write(CURRENT_TIME, value).await.is_ok() {
                self.device.clock_set = true;
                return;
            }
        }
        self.measure_clock().await;
    }

    /// Reads the device's clock, where it can be read, and learns how far off it is.
    async fn measure_clock(&mut self) {
        if !self.link.find(CURRENT_TIME).is_some_and(|c| c.read) {
            return;
        }
        let now = self.clock.now();
        let Ok(bytes) = self.link.read(CURRENT_TIME).await else {
            return;
        };
        let device_now = CurrentTime::decode(&bytes)
            .ok()
            .and_then(|t| t.date_time.to_civil())
            .and_then(|t| t.to_zoned(self.policy.time_zone.clone()).ok());
        match device_now {
            Some(t) => {
                let offset = t.timestamp().duration_since(now);
                self.offset = if offset.abs() > CLOCK_TOLERANCE {
                    offset
                } else {
                    SignedDuration::ZERO
                };
            }
            None => self.malformed(),
        }
    }

    /// Whether a value of `uuid` is within what the device may send now (its profile's
    /// allowance, or a download's); `false` drops it as part of a flood, counted.
    fn admit(&mut self, uuid: u16, downloading: bool) -> bool {
        let (key, allowance) = if downloading {
            (None, DOWNLOAD_ALLOWANCE)
        } else {
            (Some(uuid), allowance(uuid))
        };
        let now = tokio::time::Instant::now();
        let admitted = match self.buckets.iter_mut().find(|(k, _)| *k == key) {
            Some((_, bucket)) => bucket.take(allowance, now),
            None => {
                let mut bucket = Bucket::full(allowance, now);
                let admitted = bucket.take(allowance, now);
                self.buckets.push((key, bucket));
                admitted
            }
        };
        if admitted {
            self.flooding = false;
        } else {
            self.flood(1);
        }
        admitted
    }

    /// `count` values dropped as a flood: counted, and told once per flood.
    fn flood(&mut self, count: u64) {
        self.device.counters.flood_dropped += count;
        if !self.flooding {
            self.flooding = true;
            let total = self.device.counters.flood_dropped;
            problem(self.sink, self.device, Problem::Flood, total);
        }
    }

    /// Reads a CGM's Session Start Time, which places its records in time. A session other than
    /// the one remembered starts a new run of record numbers: `true` when it did.
    async fn read_cgm_session(&mut self) -> bool {
        if !self
            .link
            .find(CgmSessionStartTime::UUID)
            .is_some_and(|c| c.read)
        {
            return false;
        }
        let Ok(bytes) = self.link.read(CgmSessionStartTime::UUID).await else {
            return false;
        };
        let Ok(session) = CgmSessionStartTime::decode(&bytes) else {
            self.malformed();
            return false;
        };
        let started = session.start.to_contract_string();
        self.cgm_session = Some(session);
        let new = self
            .device
            .cgm_session
            .as_ref()
            .is_some_and(|known| *known != started);
        if new {
            self.device.new_record_series();
        }
        self.device.cgm_session = Some(started);
        new
    }

    /// Decodes measurement values into readings stamped as the device stamped them, leaving out
    /// records already stored (counted) and noting a run of record numbers started anew.
    fn decode(&mut self, values: &[(u16, Vec<u8>)]) -> Vec<DeviceReading> {
        let context = Context {
            received: self.clock.now(),
            time_zone: self.policy.time_zone.clone(),
        };
        let mut out: Vec<DeviceReading> = Vec::new();
        let mut repeated = Vec::new();
        for (uuid, bytes) in values {
            if !self.is_patients(*uuid, bytes) {
                continue;
            }
            match decode(*uuid, bytes, &context, self.cgm_session.as_ref()) {
                None => {}
                Some(Err(e)) => {
                    tracing::debug!(device = %self.device.id, characteristic = uuid, error = %e, "malformed value");
                    self.malformed();
                }
                Some(Ok(decoded)) => {
                    for r in decoded {
                        if let Some(seq) = r.sequence {
                            let earlier = out.iter().any(|o| o.sequence == Some(seq));
                            if !earlier && self.device.renumbered(seq, r.reading.time) {
                                self.device.new_record_series();
                                self.renumbered = true;
                            } else if self.device.has_stored(seq) || earlier {
                                if self.asked_from != Some(seq) && !repeated.contains(&seq) {
                                    repeated.push(seq);
                                }
                                self.recheck_cgm_session |= self.cgm_session.is_some();
                                continue;
                            }
                        }
                        out.push(r);
                    }
                }
            }
        }
        self.device.counters.duplicates_skipped += repeated.len() as u64;
        out
    }

    /// Whether a measurement value is the patient's, on a device several people use: one of
    /// another user (or of no one named) is counted, never stored, never logged.
    fn is_patients(&mut self, uuid: u16, bytes: &[u8]) -> bool {
        let before = self.split_user.take();
        let named = match measured_user(uuid, bytes) {
            MeasuredUser::Anyone => return true,
            MeasuredUser::Named(named) => named,
            MeasuredUser::Split(Some(named)) => {
                self.split_user = Some(named);
                Some(named)
            }
            MeasuredUser::Split(None) => before,
        };
        if is_patients(self.device.user_id, named) {
            return true;
        }
        self.device.counters.other_users += 1;
        tracing::debug!(device = %self.device.id, "a measurement of another user, not stored");
        false
    }

    /// Moves the readings the device stamped onto our clock by its clock's offset. Where one
    /// lands further ahead than [`FUTURE_TOLERANCE`], the device's clock is read again (it may
    /// have been changed, or run fast); one still ahead after that is counted, never stored.
    /// Returns the device's own time on the newest numbered record kept.
    async fn place_in_time(&mut self, readings: &mut Vec<DeviceReading>) -> Option<Timestamp> {
        let latest = self.clock.now() + FUTURE_TOLERANCE;
        let ahead = |r: &DeviceReading, offset| {
            r.reading.time_source == TimeSource::Device && shift(r.reading.time, offset) > latest
        };
        if readings.iter().any(|r| ahead(r, self.offset)) {
            self.measure_clock().await;
        }
        let offset = self.offset;
        let before = readings.len();
        readings.retain(|r| !ahead(r, offset));
        let dropped = (before - readings.len()) as u64;
        if dropped > 0 {
            self.device.counters.implausible_times += dropped;
            let count = self.device.counters.implausible_times;
            problem(self.sink, self.device, Problem::ImplausibleTime, count);
        }
        let newest = readings
            .iter()
            .filter(|r| r.sequence.is_some() && r.reading.time_source == TimeSource::Device)
            .map(|r| r.reading.time)
            .max();
        for r in readings.iter_mut() {
            if r.reading.time_source == TimeSource::Device {
                r.reading.time = shift(r.reading.time, offset);
            }
        }
        newest
    }

    fn malformed(&mut self) {
        self.device.counters.malformed += 1;
        let count = self.device.counters.malformed;
        problem(self.sink, self.device, Problem::Malformed, count);
    }

    /// Stores, then advances the sequence number: a crash in between repeats, never loses.
    async fn store(&mut self, mut readings: Vec<DeviceReading>) {
        let newest = self.place_in_time(&mut readings).await;
        if readings.is_empty() {
            return;
        }
        if let Err(e) = self.sink.store(self.device, &readings).await {
            tracing::warn!(device = %self.device.id, error = %e, "could not store readings");
            problem(self.sink, self.device, Problem::StorageFailed, 1);
            return;
        }
        self.device.last_seen = Some(self.clock.now());
        let sequences: Vec<u16> = readings.iter().filter_map(|r| r.sequence).collect();
        for r in readings {
            self.sink.event(DeviceEvent::Reading {
                device: self.device.id.clone(),
                reading: r.reading,
                sequence: r.sequence,
            });
        }
        if !sequences.is_empty() {
            self.device.stored(sequences);
            self.device.newest_record_time = self.device.newest_record_time.max(newest);
            remember(self.sink, self.device).await;
        }
    }
}

fn shift(time: Timestamp, offset: SignedDuration) -> Timestamp {
    time.checked_sub(offset).unwrap_or(time)
}

/// A token bucket: what a device may still send at once, refilled at its allowance's rate.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    refilled: tokio::time::Instant,
}

impl Bucket {
    fn full(allowance: Allowance, now: tokio::time::Instant) -> Bucket {
        Bucket {
            tokens: allowance.burst,
            refilled: now,
        }
    }

    /// Takes one value's token, if there is one.
    fn take(&mut self, allowance: Allowance, now: tokio::time::Instant) -> bool {
        let elapsed = now.duration_since(self.refilled).as_secs_f64();
        self.refilled = now;
        self.tokens = (self.tokens + elapsed * allowance.per_second).min(allowance.burst);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// How many measurements among `readings` were taken before `before`: readings of one
/// measurement (a cuff's systolic, diastolic, mean and pulse) share its time.
fn measurements_taken_before(readings: &[DeviceReading], before: Timestamp) -> u64 {
    let times: std::collections::BTreeSet<Timestamp> = readings
        .iter()
        .map(|r| r.reading.time)
        .filter(|t| *t < before)
        .collect();
    times.len() as u64
}

/// How a download ended, if `bytes` says it did.
fn download_outcome(bytes: &[u8]) -> Option<DownloadEnd> {
    match RacpResponse::decode(bytes) {
        Ok(RacpResponse::ResponseCode {
            request_op_code: REPORT_STORED_RECORDS,
            response,
        }) => Some(match response {
            ResponseCode::Success => DownloadEnd::Complete,
            ResponseCode::NoRecordsFound => DownloadEnd::NothingFound,
            _ => DownloadEnd::Failed,
        }),
        _ => None,
    }
}

/// Our clock as a Current Time value, in the zone device clocks keep.
pub(crate) fn current_time(now: Timestamp, zone: &TimeZone) -> Vec<u8> {
    let t = now.to_zoned(zone.clone()).datetime();
    let part = |v: i8| u8::try_from(v).unwrap_or(0);
    CurrentTime {
        date_time: tend_gatt::DateTime {
            year: u16::try_from(t.year()).unwrap_or(0),
            month: part(t.month()),
            day: part(t.day()),
            hours: part(t.hour()),
            minutes: part(t.minute()),
            seconds: part(t.second()),
        },
        day_of_week: DayOfWeek::Unknown,
        fractions256: 0,
        // Manual time update: Tend's clock stands in for the patient's.
        adjust_reason: tend_gatt::AdjustReason(0x01),
    }
    .encode()
}
