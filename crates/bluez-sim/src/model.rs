//! What a simulated health device does, whatever carries it: it measures on its own, keeps what it
//! measured, answers reads, lets its clock be set and serves stored records through the Record
//! Access Control Point — and misbehaves on command. `bluez-sim` serves it on its BlueZ
//! look-alike; `tend-bluez-vm` serves the same model through the real BlueZ.

use std::{
    collections::{BTreeMap, VecDeque},
    time::Duration,
};

use jiff::{SignedDuration, Timestamp};
use tend_gatt::{
    Characteristic, CurrentTime, RacpOperator, RacpRequest, RacpResponse, RacpService,
    RecordFilter, ResponseCode, UcpRequest, UcpResponse, UcpResult, UNKNOWN_USER,
};

use crate::{
    peripheral::{uuids, Fault, Kind, Pairing, SimPeripheral},
    values::{self, Wobble},
};

/// Stored readings a cuff, thermometer or scale keeps before it overwrites the oldest.
const MEMORY: usize = 200;

/// How often a device of `kind` measures by itself. A strap and an oximeter measure every second
/// and a CGM every few (its record clock says one minute per record, see
/// [`DeviceModel::clock_origin`]); a cuff, meter, thermometer and scale measure when the patient
/// uses them, a few times a day at most, or when a test or the demo tells them to
/// (`Sim::measure`): measuring every few seconds would fill every screen with readings nobody
/// took.
pub fn usual_interval(kind: Kind) -> Duration {
    const HOUR: u64 = 3600;
    match kind {
        Kind::HeartRateStrap | Kind::PulseOximeter => Duration::from_secs(1),
        Kind::ContinuousGlucoseMonitor => Duration::from_secs(3),
        // Before meals and at bedtime.
        Kind::GlucoseMeter => Duration::from_secs(6 * HOUR),
        // Morning and evening, as the home blood-pressure protocol asks.
        Kind::BloodPressureCuff | Kind::Thermometer => Duration::from_secs(12 * HOUR),
        Kind::Scale => Duration::from_secs(24 * HOUR),
    }
}

/// One device's own state: its measurements, memory, battery, clock and faults. It knows nothing
/// of links: whoever carries it says when a value can be sent.
#[derive(Debug, Clone)]
pub struct DeviceModel {
    pub peripheral: SimPeripheral,
    pub in_range: bool,
    pub fault: Fault,
    /// Drop the link half-way through the next stored-record download.
    pub drop_mid_download: bool,
    /// How it pairs.
    pub pairing: Pairing,
    /// Whether it answers reads and notifications only over an encrypted (bonded) link.
    pub requires_encryption: bool,
    /// Whether it holds the keys of a bond with the central: an impostor at its address does not.
    pub holds_bond: bool,
    /// The last glucose sequence number (or CGM minute) used.
    pub sequence: u16,
    /// Glucose and CGM records, kept for the Record Access Control Point.
    pub records: Vec<(u16, Vec<u8>)>,
    /// Cuff, thermometer and scale readings not yet delivered, with the user each names.
    undelivered: VecDeque<(Option<u8>, Vec<u8>)>,
    pub battery: u8,
    /// How far the device's clock is from real time (cuff, thermometer, scale).
    pub clock_skew: SignedDuration,
    /// Readings taken so far, stored ones included.
    pub measured: u64,
    /// Values sent on its measurement characteristic as they were taken (floods included).
    pub sent: u64,
    pub interval: Duration,
    pub measuring: bool,
    pub last_value: Vec<u8>,
    /// Where a meter's or CGM's clock started (a CGM's session start). Their clocks run fast:
    /// one minute per record, so that readings taken in a quick test never share a minute,
    /// whatever the measuring interval. Tend is not fooled: a record its last reading of the
    /// clock would place in the future makes it read the clock again.
    pub clock_origin: Timestamp,
    /// The User IDs a cuff's or scale's measurements name, in turn (the household's people
    /// taking turns); empty: it names none, and its features say it has one user.
    pub users: Vec<u8>,
    /// Measurements taken since users were set: whose turn it is.
    turn: usize,
    /// The household's people registered in its User Data Service (a scale): each one's user
    /// index and consent code. Empty: it keeps no one's measurements from anyone.
    pub registered: BTreeMap<u8, u16>,
    /// The user the current link consented as, with that user's code: while users are
    /// registered, only their measurements go out on it. Forgotten when the link ends
    /// ([`DeviceModel::link_ended`]), as a consent lasts one connection.
    pub consented: Option<u8>,
    wobble: Wobble,
}

/// What the device does with a Record Access Control Point request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RacpAnswer {
    /// Send these records on the measurement characteristic, then
    /// [`RacpAnswer::download_complete`] on the control point — or, when `drop_half_way`, drop
    /// the link half-way through instead.
    Records {
        records: Vec<Vec<u8>>,
        drop_half_way: bool,
    },
    /// Answer on the control point at once.
    Respond(RacpResponse),
}

impl RacpAnswer {
    /// The control point's answer after the last record of a download.
    pub fn download_complete() -> RacpResponse {
        RacpResponse::ResponseCode {
            request_op_code: 1,
            response: ResponseCode::Success,
        }
    }
}

impl DeviceModel {
    /// A device fresh from the box; `seed` varies its values, `now` sets its clock.
    pub fn new(peripheral: SimPeripheral, seed: u64, now: Timestamp) -> DeviceModel {
        let interval = usual_interval(peripheral.kind);
        let clock_skew = match peripheral.kind {
            // A thermometer whose clock runs 95 s behind until Tend sets it.
            Kind::Thermometer => SignedDuration::from_secs(-95),
            _ => SignedDuration::ZERO,
        };
        DeviceModel {
            peripheral,
            in_range: true,
            fault: Fault::Behave,
            drop_mid_download: false,
            pairing: Pairing::JustWorks,
            requires_encryption: false,
            holds_bond: false,
            sequence: 0,
            records: Vec::new(),
            undelivered: VecDeque::new(),
            battery: 87,
            clock_skew,
            measured: 0,
            sent: 0,
            interval,
            measuring: true,
            last_value: Vec::new(),
            // Meters' clocks are two days behind: Tend must place their records by their own
            // stamps, corrected.
            clock_origin: now - SignedDuration::from_hours(48),
            users: Vec::new(),
            turn: 0,
            registered: BTreeMap::new(),
            consented: None,
            wobble: Wobble::new(seed),
        }
    }

    /// Whether it keeps readings taken while nobody listened and indicates them on subscribe
    /// (cuff, thermometer, scale).
    pub fn keeps_undelivered(&self) -> bool {
        matches!(
            self.peripheral.kind,
            Kind::BloodPressureCuff | Kind::Thermometer | Kind::Scale
        )
    }

    /// The device's clock at real time `now`.
    pub fn device_clock(&self, now: Timestamp) -> Timestamp {
        if self.peripheral.keeps_numbered_records() {
            self.clock_origin + SignedDuration::from_mins(i64::from(self.sequence))
        } else {
            now + self.clock_skew
        }
    }

    /// Whether a value can go out on `uuid` now, given whether the link carries it (connected
    /// and subscribed): a silent device sends nothing.
    pub fn can_send(&self, subscribed: bool) -> bool {
        subscribed && self.fault != Fault::GoSilent
    }

    /// One measurement period: measures (unless told to stop), keeps the reading where the
    /// device does, and returns the values to send on its measurement characteristic —
    /// `subscribed` says whether the link carries them (connected, notifications on).
    pub fn tick(&mut self, now: Timestamp, subscribed: bool) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        if !self.measuring {
            return out;
        }
        let kind = self.peripheral.kind;
        self.measured += 1;
        if self.measured.is_multiple_of(40) && self.battery > 5 {
            self.battery -= 1;
        }
        if self.peripheral.keeps_numbered_records() {
            self.sequence = self.sequence.wrapping_add(1);
        }
        let at = self.device_clock(now);
        let user = self.next_user();
        let value = values::measurement(kind, &mut self.wobble, at, self.sequence, user);
        self.last_value.clone_from(&value);
        if self.peripheral.keeps_numbered_records() {
            self.records.push((self.sequence, value.clone()));
        }
        let can_send = self.can_send(subscribed) && self.for_this_link(user);
        match self.fault {
            Fault::SendGarbage if can_send => {
                // Every flag bit set and nothing after them: the flags promise fields the value
                // does not hold (reserved bits alone no longer refuse a value), so no decoder
                // accepts it.
                out.push(vec![0xFF]);
            }
            Fault::Flood(count) if can_send => {
                for _ in 0..count {
                    out.push(value.clone());
                }
                self.fault = Fault::Behave;
            }
            _ if can_send => out.push(value),
            _ if self.keeps_undelivered() => {
                if self.undelivered.len() == MEMORY {
                    self.undelivered.pop_front();
                }
                self.undelivered.push_back((user, value));
            }
            _ => {}
        }
        self.sent += out.len() as u64;
        out
    }

    /// Sets the User IDs its measurements name in turn, the first one next (a cuff or scale;
    /// empty: it names none). `false` for a device whose measurements name no user.
    pub fn set_users(&mut self, users: &[u8]) -> bool {
        if !matches!(self.peripheral.kind, Kind::BloodPressureCuff | Kind::Scale) {
            return false;
        }
        self.users = users.to_vec();
        self.turn = 0;
        true
    }

    /// Registers the household's people in its User Data Service, each with the consent code
    /// that lets a link speak for them (a scale; empty: none). Their measurements then take
    /// turns, the first one's next, and each goes only to a link that consented as its user.
    /// `false` for a device without the service.
    pub fn register_users(&mut self, users: &[(u8, u16)]) -> bool {
        if !self.peripheral.has_user_data() {
            return false;
        }
        self.registered = users.iter().copied().collect();
        let indices: Vec<u8> = users.iter().map(|(index, _)| *index).collect();
        self.set_users(&indices)
    }

    /// What the device answers on its User Control Point: a consent with the right code makes
    /// the link that user's until it ends.
    pub fn user_control(&mut self, request: &[u8]) -> UcpResponse {
        let Ok(parsed) = UcpRequest::decode(request) else {
            let op = request.first().copied().unwrap_or(0);
            let result = if matches!(op, 1..=3) {
                UcpResult::InvalidParameter
            } else {
                UcpResult::OpCodeNotSupported
            };
            return UcpResponse::to(op, result);
        };
        let op = parsed.op_code();
        match parsed {
            UcpRequest::Consent {
                user_index,
                consent_code,
            } => match self.registered.get(&user_index) {
                None => UcpResponse::to(op, UcpResult::InvalidParameter),
                Some(code) if *code == consent_code => {
                    self.consented = Some(user_index);
                    UcpResponse::to(op, UcpResult::Success)
                }
                Some(_) => UcpResponse::to(op, UcpResult::UserNotAuthorized),
            },
            UcpRequest::RegisterNewUser { consent_code } => {
                match (0..UNKNOWN_USER).find(|i| !self.registered.contains_key(i)) {
                    Some(index) => {
                        self.registered.insert(index, consent_code);
                        self.users.push(index);
                        UcpResponse {
                            user_index: Some(index),
                            ..UcpResponse::to(op, UcpResult::Success)
                        }
                    }
                    None => UcpResponse::to(op, UcpResult::OperationFailed),
                }
            }
            UcpRequest::DeleteUserData => match self.consented.take() {
                Some(index) => {
                    self.registered.remove(&index);
                    self.users.retain(|u| *u != index);
                    self.undelivered.retain(|(user, _)| *user != Some(index));
                    UcpResponse::to(op, UcpResult::Success)
                }
                None => UcpResponse::to(op, UcpResult::UserNotAuthorized),
            },
        }
    }

    /// The link ended: its consent with it.
    pub fn link_ended(&mut self) {
        self.consented = None;
    }

    /// Whether a measurement naming `user` may go out on the current link: any, unless people
    /// are registered in its User Data Service; then only the consented user's.
    fn for_this_link(&self, user: Option<u8>) -> bool {
        self.registered.is_empty() || (user.is_some() && user == self.consented)
    }

    /// The User ID the next measurement names.
    fn next_user(&mut self) -> Option<u8> {
        let user = self.users.get(self.turn % self.users.len().max(1)).copied();
        self.turn = self.turn.wrapping_add(1);
        user
    }

    /// What the device answers to a read of `uuid`.
    pub fn read(&self, uuid: u16, now: Timestamp) -> Vec<u8> {
        let several = !self.users.is_empty();
        match uuid {
            // Multiple bonds: one per user.
            uuids::BLOOD_PRESSURE_FEATURE => (u16::from(several) << 5).to_le_bytes().to_vec(),
            // Time stamps, multiple users when it has them, weighing in 0.005 kg steps.
            uuids::WEIGHT_SCALE_FEATURE => (0x01 | u32::from(several) << 1 | 7 << 3)
                .to_le_bytes()
                .to_vec(),
            uuids::BATTERY_LEVEL => vec![self.battery],
            uuids::MANUFACTURER => b"Tend Simulated Devices".to_vec(),
            uuids::MODEL => self.peripheral.name.replace("Tend Sim ", "").into_bytes(),
            uuids::SERIAL => {
                format!("SIM-{}", self.peripheral.address.replace(':', "")).into_bytes()
            }
            uuids::FIRMWARE => b"1.4.2".to_vec(),
            uuids::CURRENT_TIME => values::current_time(self.device_clock(now)),
            uuids::CGM_SESSION_START => values::session_start(self.clock_origin),
            uuids::USER_INDEX => vec![self.consented.unwrap_or(UNKNOWN_USER)],
            _ => self.last_value.clone(),
        }
    }

    /// A write to the device's Current Time: it sets its clock. `false` for a value that is not
    /// a time.
    pub fn set_clock(&mut self, value: &[u8], now: Timestamp) -> bool {
        let Ok(time) = CurrentTime::decode(value) else {
            return false;
        };
        let Some(civil) = time.date_time.to_civil() else {
            return false;
        };
        let Ok(zoned) = civil.to_zoned(jiff::tz::TimeZone::system()) else {
            return false;
        };
        self.clock_skew = zoned.timestamp().duration_since(now);
        true
    }

    /// What the device does with a Record Access Control Point request.
    pub fn racp(&mut self, request: &[u8]) -> RacpAnswer {
        let respond = |op: u8, response| {
            RacpAnswer::Respond(RacpResponse::ResponseCode {
                request_op_code: op,
                response,
            })
        };
        let service = if self.peripheral.kind == Kind::ContinuousGlucoseMonitor {
            RacpService::ContinuousGlucose
        } else {
            RacpService::Glucose
        };
        let parsed = match RacpRequest::decode(request, service) {
            Ok(r) => r,
            Err(_) => {
                return respond(
                    request.first().copied().unwrap_or(0),
                    ResponseCode::InvalidOperator,
                )
            }
        };
        match parsed {
            RacpRequest::ReportStoredRecords(op) => {
                let records = self.selected(&op);
                if records.is_empty() {
                    respond(parsed.op_code(), ResponseCode::NoRecordsFound)
                } else {
                    RacpAnswer::Records {
                        records: records.into_iter().map(|(_, v)| v).collect(),
                        drop_half_way: std::mem::take(&mut self.drop_mid_download),
                    }
                }
            }
            RacpRequest::ReportNumberOfStoredRecords(op) => {
                RacpAnswer::Respond(RacpResponse::NumberOfStoredRecords(
                    u16::try_from(self.selected(&op).len()).unwrap_or(u16::MAX),
                ))
            }
            RacpRequest::DeleteStoredRecords(_) => {
                self.records.clear();
                respond(parsed.op_code(), ResponseCode::Success)
            }
            RacpRequest::Abort => respond(parsed.op_code(), ResponseCode::Success),
        }
    }

    /// The records an operator selects, oldest first.
    fn selected(&self, op: &RacpOperator) -> Vec<(u16, Vec<u8>)> {
        let keep = |seq: u16| match op {
            RacpOperator::All => true,
            RacpOperator::GreaterOrEqual(
                RecordFilter::SequenceNumber(n) | RecordFilter::TimeOffset(n),
            ) => seq >= *n,
            RacpOperator::LessOrEqual(
                RecordFilter::SequenceNumber(n) | RecordFilter::TimeOffset(n),
            ) => seq <= *n,
            _ => false,
        };
        match op {
            RacpOperator::First => self.records.first().cloned().into_iter().collect(),
            RacpOperator::Last => self.records.last().cloned().into_iter().collect(),
            _ => self
                .records
                .iter()
                .filter(|(seq, _)| keep(*seq))
                .cloned()
                .collect(),
        }
    }

    /// What a cuff, thermometer or scale kept while nobody listened, to indicate once Tend
    /// subscribes to `uuid` (nothing for another characteristic, or while silent); of a
    /// household's measurements, only the consented user's.
    pub fn take_undelivered(&mut self, uuid: u16, subscribed: bool) -> Vec<Vec<u8>> {
        if uuid != self.peripheral.measurement() || !self.can_send(subscribed) {
            return Vec::new();
        }
        let (now, later): (VecDeque<_>, VecDeque<_>) = std::mem::take(&mut self.undelivered)
            .into_iter()
            .partition(|(user, _)| self.for_this_link(*user));
        self.undelivered = later;
        now.into_iter().map(|(_, value)| value).collect()
    }

    /// A value taken for delivery that did not go out: kept for next time, first.
    pub fn put_back(&mut self, value: Vec<u8>) {
        self.undelivered.push_front((self.consented, value));
    }

    /// Readings taken before the simulation began (or while nobody listened), kept in memory as
    /// a real meter, cuff or scale keeps them. `false` for a device that keeps none.
    pub fn store_offline(&mut self, count: u32, now: Timestamp) -> bool {
        let kind = self.peripheral.kind;
        for i in 0..count {
            let value = match kind {
                Kind::GlucoseMeter | Kind::ContinuousGlucoseMonitor => {
                    self.sequence = self.sequence.wrapping_add(1);
                    let at = self.device_clock(now);
                    let value =
                        values::measurement(kind, &mut self.wobble, at, self.sequence, None);
                    self.records.push((self.sequence, value.clone()));
                    value
                }
                Kind::BloodPressureCuff | Kind::Thermometer | Kind::Scale => {
                    // As the patient took them: one every usual interval, the last one an
                    // interval ago.
                    let every = SignedDuration::try_from(usual_interval(kind))
                        .unwrap_or(SignedDuration::from_hours(12));
                    let back = i32::try_from(count - i)
                        .ok()
                        .and_then(|n| every.checked_mul(n))
                        .unwrap_or(every);
                    let at = now + self.clock_skew - back;
                    let user = self.next_user();
                    let value = values::measurement(kind, &mut self.wobble, at, 0, user);
                    self.undelivered.push_back((user, value.clone()));
                    value
                }
                Kind::HeartRateStrap | Kind::PulseOximeter => return false,
            };
            self.measured += 1;
            self.last_value = value;
        }
        true
    }

    /// It numbers its records from the start again, its clock running on: a CGM's new sensor
    /// session (starting now by its clock) or a meter whose memory was reset. `false` for a
    /// device that does not number its records.
    pub fn start_record_series(&mut self, now: Timestamp) -> bool {
        if !self.peripheral.keeps_numbered_records() {
            return false;
        }
        self.clock_origin = self.device_clock(now);
        self.sequence = 0;
        self.records.clear();
        true
    }

    /// It counts `count` records on without keeping them, as a sensor does over days whose
    /// records were read and dropped: its record numbers (and clock) move on.
    pub fn skip_records(&mut self, count: u16) -> bool {
        if !self.peripheral.keeps_numbered_records() {
            return false;
        }
        self.sequence = self.sequence.wrapping_add(count);
        true
    }

    /// The record numbers it holds: glucose sequence numbers, or CGM minutes since its session
    /// started.
    pub fn record_numbers(&self) -> Vec<u16> {
        self.records.iter().map(|(s, _)| *s).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue;

    fn model(kind: Kind) -> DeviceModel {
        let peripheral = catalogue()
            .into_iter()
            .find(|p| p.kind == kind)
            .expect("in the catalogue");
        DeviceModel::new(peripheral, 1, "2026-03-01T08:00:00Z".parse().expect("time"))
    }

    #[test]
    fn racp_answers() {
        let now: Timestamp = "2026-03-01T08:00:00Z".parse().expect("time");
        let mut meter = model(Kind::GlucoseMeter);
        assert!(meter.store_offline(5, now));
        let check = |meter: &mut DeviceModel, request: &[u8], expected: RacpAnswer| {
            let got = meter.racp(request);
            let shape = match &got {
                RacpAnswer::Records { records, .. } => format!("{} records", records.len()),
                RacpAnswer::Respond(r) => format!("{r:?}"),
            };
            let want = match &expected {
                RacpAnswer::Records { records, .. } => format!("{} records", records.len()),
                RacpAnswer::Respond(r) => format!("{r:?}"),
            };
            assert_eq!(shape, want, "{request:02x?}");
        };
        let records = |n: usize| RacpAnswer::Records {
            records: vec![Vec::new(); n],
            drop_half_way: false,
        };
        check(&mut meter, &[0x01, 0x01], records(5));
        check(&mut meter, &[0x01, 0x03, 0x01, 0x04, 0x00], records(2));
        check(&mut meter, &[0x01, 0x05], records(1));
        check(
            &mut meter,
            &[0x01, 0x03, 0x01, 0x09, 0x00],
            RacpAnswer::Respond(RacpResponse::ResponseCode {
                request_op_code: 1,
                response: ResponseCode::NoRecordsFound,
            }),
        );
        check(
            &mut meter,
            &[0x04, 0x01],
            RacpAnswer::Respond(RacpResponse::NumberOfStoredRecords(5)),
        );
        assert_eq!(meter.record_numbers(), vec![1, 2, 3, 4, 5]);
    }

    #[test]
    fn a_shared_cuff_or_scale_names_its_users_in_turn_and_says_it_has_several() {
        use tend_gatt::{BloodPressureFeature, BloodPressureMeasurement, WeightMeasurement};
        let now: Timestamp = "2026-03-01T08:00:00Z".parse().expect("time");
        let mut cuff = model(Kind::BloodPressureCuff);
        let feature = |m: &DeviceModel| {
            BloodPressureFeature::decode(&m.read(uuids::BLOOD_PRESSURE_FEATURE, now))
                .expect("a feature")
        };
        assert!(!feature(&cuff).multiple_bonds());
        assert!(cuff.set_users(&[1, 2]));
        assert!(feature(&cuff).multiple_bonds());
        assert!(cuff.store_offline(3, now));
        let mut values: Vec<Vec<u8>> = cuff.take_undelivered(0x2A35, true);
        values.extend(cuff.tick(now, true));
        let named: Vec<Option<u8>> = values
            .iter()
            .map(|v| BloodPressureMeasurement::decode(v).expect("valid").user_id)
            .collect();
        assert_eq!(named, vec![Some(1), Some(2), Some(1), Some(2)]);

        let mut scale = model(Kind::Scale);
        let weighing = |m: &mut DeviceModel| {
            let value = m.tick(now, true).pop().expect("a weighing");
            WeightMeasurement::decode(&value).expect("valid").user_id
        };
        assert_eq!(weighing(&mut scale), None);
        let feature = |m: &DeviceModel| {
            tend_gatt::WeightScaleFeature::decode(&m.read(uuids::WEIGHT_SCALE_FEATURE, now))
                .expect("a feature")
        };
        assert!(!feature(&scale).multiple_users_supported());
        assert!(scale.set_users(&[3]));
        assert!(feature(&scale).multiple_users_supported());
        assert_eq!(weighing(&mut scale), Some(3));
        assert!(!model(Kind::HeartRateStrap).set_users(&[1]));
    }

    #[test]
    fn a_scale_sends_a_link_only_the_measurements_of_the_user_it_consented_as() {
        use tend_gatt::WeightMeasurement;
        let now: Timestamp = "2026-03-01T08:00:00Z".parse().expect("time");
        let mut scale = model(Kind::Scale);
        let weight = scale.peripheral.measurement();
        let users = |values: &[Vec<u8>]| -> Vec<Option<u8>> {
            values
                .iter()
                .map(|v| WeightMeasurement::decode(v).expect("valid").user_id)
                .collect()
        };
        let consent = |user_index, consent_code| {
            UcpRequest::Consent {
                user_index,
                consent_code,
            }
            .encode()
        };
        assert!(!model(Kind::BloodPressureCuff).register_users(&[(1, 1111)]));
        assert!(scale.register_users(&[(1, 1111), (2, 4321)]));
        // Kept: users 1, 2, 1, 2; then user 1 steps on it. Nothing goes out before a consent.
        assert!(scale.store_offline(4, now));
        assert!(scale.take_undelivered(weight, true).is_empty());
        assert!(scale.tick(now, true).is_empty());
        assert_eq!(scale.read(uuids::USER_INDEX, now), vec![UNKNOWN_USER]);
        // Another user's code, a user it does not have, garbage: refused.
        let result = |scale: &mut DeviceModel, request: &[u8]| scale.user_control(request).result;
        assert_eq!(
            result(&mut scale, &consent(2, 1111)),
            UcpResult::UserNotAuthorized
        );
        assert_eq!(
            result(&mut scale, &consent(3, 1111)),
            UcpResult::InvalidParameter
        );
        assert_eq!(result(&mut scale, &[0x09]), UcpResult::OpCodeNotSupported);
        assert_eq!(scale.consented, None);
        // User 2's code: user 2's kept measurements, then their live ones, only.
        assert_eq!(result(&mut scale, &consent(2, 4321)), UcpResult::Success);
        assert_eq!(scale.read(uuids::USER_INDEX, now), vec![2]);
        assert_eq!(
            users(&scale.take_undelivered(weight, true)),
            [Some(2), Some(2)]
        );
        assert_eq!(scale.undelivered.len(), 3, "user 1's three stay");
        assert_eq!(users(&scale.tick(now, true)), [Some(2)]);
        assert!(scale.tick(now, true).is_empty(), "user 1's, kept");
        // A consent lasts one link.
        scale.link_ended();
        assert!(scale.tick(now, true).is_empty(), "user 2's, kept");
        assert_eq!(scale.undelivered.len(), 5);
        // A new user gets the first free index; deleting needs a consent.
        let registered =
            scale.user_control(&UcpRequest::RegisterNewUser { consent_code: 7 }.encode());
        assert_eq!(registered.user_index, Some(0));
        assert_eq!(
            result(&mut scale, &UcpRequest::DeleteUserData.encode()),
            UcpResult::UserNotAuthorized
        );
    }

    #[test]
    fn silent_and_unsubscribed_devices_keep_what_they_measure() {
        let now: Timestamp = "2026-03-01T08:00:00Z".parse().expect("time");
        let mut cuff = model(Kind::BloodPressureCuff);
        assert!(cuff.tick(now, false).is_empty());
        cuff.fault = Fault::GoSilent;
        assert!(cuff.tick(now, true).is_empty());
        assert!(cuff.take_undelivered(0x2A35, true).is_empty());
        cuff.fault = Fault::Behave;
        assert_eq!(cuff.take_undelivered(0x2A35, true).len(), 2);
        assert_eq!(cuff.tick(now, true).len(), 1);
        cuff.fault = Fault::Flood(7);
        assert_eq!(cuff.tick(now, true).len(), 7);
        assert_eq!(cuff.fault, Fault::Behave);
    }

    /// A spot device measuring every few seconds filled every screen with readings nobody took
    /// (a week of blood pressure from one afternoon).
    #[test]
    fn spot_devices_measure_and_have_stored_as_patients_do() {
        let hours = |d: Duration| d.as_secs() / 3600;
        assert_eq!(hours(model(Kind::BloodPressureCuff).interval), 12);
        assert_eq!(hours(model(Kind::GlucoseMeter).interval), 6);
        assert_eq!(hours(model(Kind::Scale).interval), 24);
        assert_eq!(model(Kind::HeartRateStrap).interval, Duration::from_secs(1));

        let now: Timestamp = "2026-03-01T08:00:00Z".parse().expect("time");
        let mut cuff = model(Kind::BloodPressureCuff);
        assert!(cuff.store_offline(14, now));
        let taken: Vec<tend_gatt::DateTime> = cuff
            .take_undelivered(0x2A35, true)
            .iter()
            .map(|value| {
                use tend_gatt::Characteristic;
                let decoded = tend_gatt::BloodPressureMeasurement::decode(value).expect("decodes");
                decoded.timestamp.expect("stamped")
            })
            .collect();
        assert_eq!(taken.len(), 14);
        let hours_ago = |h: i64| values::date_time(now - SignedDuration::from_hours(h));
        assert_eq!(taken.first(), Some(&hours_ago(14 * 12)));
        assert_eq!(taken.last(), Some(&hours_ago(12)));
    }
}
