//! Bluetooth health devices: scanning, pairing, the paired devices kept sealed in the vault, and
//! watching them — readings stored in the vault as they arrive, link state, battery and problems
//! handed to the shell's event sink.
//!
//! Readings are stored under the series `(device id, metric)`, the device id being its Bluetooth
//! address. A stored-record download advances the device's `last_sequence` only after its
//! readings are stored, so a crash or link loss repeats a record (stored once) and never loses it.

use std::time::Duration;

use tend_ble::DeviceSink;
use tend_vault::{RecordKind, Sample, Series, SeriesKey};
use tend_vitals::{QualityFlag, TimeSource};
use tokio::sync::watch;

use crate::{error::Thing, AlertWatch, Error, Result, Session, WatchSinks};

pub use tend_ble::{
    adapter_names, no_prompt, Answer, Bond, BtleCentral, Central, Clock, DeviceCounters,
    DeviceEvent, DeviceReading, HealthService, LinkPolicy, LinkState, PairedDevice, PairingChoices,
    PairingPrompt, Problem, ScanResult,
};

/// Bit 15 of a stored reading's flags: its time came from the device's clock. Bits 0–14 are
/// the first fifteen quality flags, in `QualityFlag::ALL` order.
pub const FLAG_DEVICE_TIME: u16 = 1 << 15;

/// Scans without a vault: nothing is paired yet.
pub async fn scan_devices<C: Central>(central: &C, duration: Duration) -> Result<Vec<ScanResult>> {
    Ok(tend_ble::scan(central, duration, &[]).await?)
}

impl Session {
    /// The paired devices, as last remembered.
    pub async fn paired_devices(&self) -> Result<Vec<PairedDevice>> {
        Ok(self
            .vault
            .list_records::<PairedDevice>(RecordKind::Device)
            .await?
            .into_iter()
            .map(|(_, device)| device)
            .collect())
    }

    /// Scans for health devices for `duration`, marking the paired ones and any device posing
    /// under a paired device's name (counted on the device it poses as).
    pub async fn scan_devices<C: Central>(
        &self,
        central: &C,
        duration: Duration,
    ) -> Result<Vec<ScanResult>> {
        let paired = self.paired_devices().await?;
        let found = tend_ble::scan(central, duration, &paired).await?;
        for posing in found.iter().filter_map(|d| d.impostor_of.as_deref()) {
            if let Some(mut device) = paired.iter().find(|p| p.id == posing).cloned() {
                device.counters.impostors_seen += 1;
                self.vault
                    .put_record(RecordKind::Device, &device.id, &device)
                    .await?;
            }
        }
        Ok(found)
    }

    /// Pairs the device at `id`: finds it by a scan of `scan_for`, bonds with it (the choices'
    /// prompt asks the patient for a passkey the device shows), reads its information, battery
    /// and clock, and remembers it with the choices' user, which of its users the patient is on
    /// a cuff or scale several people share (`None`: its only user). Only that user's
    /// measurements are stored from then on; a user is refused for a device whose measurements
    /// name none.
    pub async fn pair_device<C: Central, K: Clock>(
        &self,
        central: &C,
        id: &str,
        choices: PairingChoices,
        clock: &K,
        scan_for: Duration,
    ) -> Result<PairedDevice> {
        let user = choices.user;
        check_user(user, choices.consent_code)?;
        let found = self.scan_devices(central, scan_for).await?;
        let Some(seen) = found.iter().find(|d| d.id.eq_ignore_ascii_case(id)) else {
            return Err(Error::not_found(Thing::DeviceInRange, id));
        };
        if seen.paired {
            return Err(Error::AlreadyExists {
                what: Thing::PairedDevice,
                id: seen.id.clone(),
            });
        }
        if user.is_some() && !seen.user_choice {
            return Err(one_user_only(seen.name.as_deref().unwrap_or(&seen.id)));
        }
        let device = tend_ble::pair(
            central,
            &seen.id,
            seen.name.clone(),
            seen.services.clone(),
            choices,
            clock,
            &jiff::tz::TimeZone::system(),
        )
        .await?;
        self.vault
            .put_record(RecordKind::Device, &device.id, &device)
            .await?;
        Ok(device)
    }

    /// Changes which of a shared cuff's or scale's users the patient is (`None`: its only user),
    /// without pairing it again: a watch started afterwards stores only that user's measurements.
    /// `consent_code` is that user's code, on a device that keeps its users apart with them.
    /// What is stored already stays. Returns the device as now remembered.
    pub async fn set_device_user(
        &self,
        id: &str,
        user: Option<u8>,
        consent_code: Option<u16>,
    ) -> Result<PairedDevice> {
        check_user(user, consent_code)?;
        let paired = self.paired_devices().await?;
        let Some(mut device) = paired.into_iter().find(|d| d.id.eq_ignore_ascii_case(id)) else {
            return Err(Error::not_found(Thing::PairedDevice, id));
        };
        if user.is_some() && !HealthService::names_users(&device.services) {
            return Err(one_user_only(&device.name));
        }
        device.user_id = user;
        device.consent_code = user.and(consent_code);
        self.vault
            .put_record(RecordKind::Device, &device.id, &device)
            .await?;
        Ok(device)
    }

    /// Forgets a paired device and has the system forget its bond (its readings stay in the
    /// history). `false` if it was not paired.
    pub async fn forget_device<C: Central>(&self, central: &C, id: &str) -> Result<bool> {
        let paired = self.paired_devices().await?;
        let Some(device) = paired.iter().find(|d| d.id.eq_ignore_ascii_case(id)) else {
            return Ok(false);
        };
        if device.bond != Bond::None {
            central.unbond(&device.id).await?;
        }
        Ok(self
            .vault
            .delete_record(RecordKind::Device, &device.id)
            .await?)
    }

    /// Every stored reading of `metric` from the device `id`, in time order, with the device's
    /// record numbers: what a device's own page shows, and how duplicates and gaps are checked.
    pub async fn device_readings(
        &self,
        id: &str,
        metric: tend_vitals::Metric,
    ) -> Result<Vec<DeviceSample>> {
        let series = SeriesKey {
            device: id.to_owned(),
            metric,
        };
        let Some((from, until)) = self.vault.span(&series).await? else {
            return Ok(Vec::new());
        };
        let read = self.vault.read_series(&series, from, until).await?;
        if !read.damaged.is_empty() {
            return Err(Error::Vault(tend_vault::Error::Tampered));
        }
        Ok(read
            .data
            .into_iter()
            .map(|s| DeviceSample {
                time: s.time,
                value: s.value,
                unit: s.unit,
                series: s.sequence.map(|key| (key >> 16) as u16),
                sequence: s.sequence.map(|key| (key & 0xFFFF) as u16),
            })
            .collect())
    }

    /// Keeps every paired device connected until `stop` turns true: readings go to the vault
    /// and then, with state changes, battery and problems, to `sinks.events`; a live reading
    /// that leaves the patient's range raises an alert, kept for the in-app list and handed to
    /// `sinks.alerts`. Returns the devices as last remembered.
    pub async fn watch_devices<C: Central, K: Clock>(
        &self,
        central: &C,
        clock: &K,
        policy: &LinkPolicy,
        alerts: &AlertWatch,
        sinks: WatchSinks<'_>,
        stop: watch::Receiver<bool>,
    ) -> Result<Vec<PairedDevice>> {
        let sink = VaultSink {
            session: self,
            alerts,
            sinks,
            clock,
        };
        let paired = self.paired_devices().await?;
        let watches = paired.into_iter().map(|device| {
            tend_ble::keep_connected(central, device, &sink, clock, policy, stop.clone())
        });
        Ok(futures::future::join_all(watches).await)
    }
}

/// One stored reading of one device, as measured.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct DeviceSample {
    pub time: jiff::Timestamp,
    pub value: f64,
    pub unit: tend_vitals::Unit,
    /// The run of record numbers it belongs to (a CGM sensor session, a meter between resets),
    /// counted from 0, for devices that number their readings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub series: Option<u16>,
    /// The device's record number in that run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sequence: Option<u16>,
}

/// What a shell shows for one paired device while it is watched, kept up to date from its
/// events: link state, battery, when the last reading was stored, problems so far.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DeviceStatus {
    pub id: String,
    pub name: String,
    pub state: LinkState,
    pub battery_percent: Option<u8>,
    pub last_reading: Option<jiff::Timestamp>,
    #[cfg_attr(feature = "specta", specta(type = u32))]
    pub problems: u64,
    /// Which of the device's users the patient is, where they chose one.
    pub user_id: Option<u8>,
    pub services: Vec<HealthService>,
    /// Whether its measurements can name which of its users measured: the patient can choose
    /// (and change) which user they are.
    pub user_choice: bool,
}

impl DeviceStatus {
    /// The status of a device not (yet) watched: offline, with what was last remembered.
    pub fn new(device: &PairedDevice) -> DeviceStatus {
        DeviceStatus {
            id: device.id.clone(),
            name: device.name.clone(),
            state: LinkState::Offline,
            battery_percent: device.battery_percent,
            last_reading: None,
            problems: 0,
            user_id: device.user_id,
            services: device.services.clone(),
            user_choice: HealthService::names_users(&device.services),
        }
    }

    /// Takes in one event; `false` (and no change) when it is about another device.
    pub fn apply(&mut self, event: &DeviceEvent) -> bool {
        let about = match event {
            DeviceEvent::State { device, .. }
            | DeviceEvent::Battery { device, .. }
            | DeviceEvent::Reading { device, .. }
            | DeviceEvent::Download { device, .. }
            | DeviceEvent::Problem { device, .. } => device,
        };
        if *about != self.id {
            return false;
        }
        match event {
            DeviceEvent::State { state, .. } => self.state = *state,
            DeviceEvent::Battery {
                battery_percent, ..
            } => self.battery_percent = Some(*battery_percent),
            DeviceEvent::Reading { reading, .. } => {
                self.last_reading = self.last_reading.max(Some(reading.time));
            }
            DeviceEvent::Download { .. } => {}
            DeviceEvent::Problem { .. } => self.problems += 1,
        }
        true
    }
}

/// Stores readings in the vault and remembers devices there; passes events on, and alerts.
struct VaultSink<'a, K> {
    session: &'a Session,
    alerts: &'a AlertWatch,
    sinks: WatchSinks<'a>,
    clock: &'a K,
}

impl<K: Clock> DeviceSink for VaultSink<'_, K> {
    async fn store(
        &self,
        device: &PairedDevice,
        readings: &[DeviceReading],
    ) -> tend_ble::Result<()> {
        let storage = |e: tend_vault::Error| tend_ble::Error::Storage(e.to_string());
        let mut by_metric: Vec<(Series, Vec<Sample>)> = Vec::new();
        for r in readings {
            let series = Series::new(device.id.clone(), r.reading.metric, device.kind());
            let sample = Sample {
                time: r.reading.time,
                value: r.reading.original_value(),
                unit: r.reading.original_unit,
                sequence: r.sequence.map(|s| device.record_key(s)),
                flags: flags(&r.reading),
            };
            match by_metric.iter_mut().find(|(s, _)| *s == series) {
                Some((_, samples)) => samples.push(sample),
                None => by_metric.push((series, vec![sample])),
            }
        }
        for (series, mut samples) in by_metric {
            if samples.len() == 1 {
                if let Some(sample) = samples.pop() {
                    self.session
                        .vault
                        .append_live(&series, sample)
                        .await
                        .map_err(storage)?;
                }
            } else {
                self.session
                    .vault
                    .append_bulk(&series, samples)
                    .await
                    .map_err(storage)?;
            }
        }
        let now = self.clock.now();
        for r in readings {
            if let Some(alert) = self.alerts.observe(&r.reading, device.kind(), now) {
                if let Err(e) = self.session.record_alert(&alert).await {
                    tracing::warn!(code = ?e.code(), "an alert could not be kept");
                }
                (self.sinks.alerts)(alert);
            }
        }
        Ok(())
    }

    async fn remember(&self, device: &PairedDevice) -> tend_ble::Result<()> {
        // A device forgotten while it was being watched stays forgotten, and the user (and
        // consent code) the patient chose is theirs: a watch started before they changed it
        // never puts the old one back.
        let stored = self
            .session
            .vault
            .get_record::<PairedDevice>(RecordKind::Device, &device.id)
            .await
            .map_err(|e| tend_ble::Error::Storage(e.to_string()))?;
        if let Some(stored) = stored {
            let device = PairedDevice {
                user_id: stored.user_id,
                consent_code: stored.consent_code,
                ..device.clone()
            };
            self.session
                .vault
                .put_record(RecordKind::Device, &device.id, &device)
                .await
                .map_err(|e| tend_ble::Error::Storage(e.to_string()))?;
        }
        Ok(())
    }

    fn event(&self, event: DeviceEvent) {
        (self.sinks.events)(event);
    }
}

/// 255 is the standards' "unknown user", nobody's to choose.
fn check_user(user: Option<u8>, consent_code: Option<u16>) -> Result<()> {
    if user == Some(tend_ble::UNKNOWN_USER) {
        return Err(Error::InvalidInput(format!(
            "user {} stands for an unknown user: a device's users are 0 to 254",
            tend_ble::UNKNOWN_USER
        )));
    }
    if consent_code.is_some_and(|code| code > tend_ble::MAX_CONSENT_CODE) {
        return Err(Error::InvalidInput(
            "a consent code is 4 digits, 0000 to 9999".to_owned(),
        ));
    }
    if user.is_none() && consent_code.is_some() {
        return Err(Error::InvalidInput(
            "a consent code is a user's: say which user you are too".to_owned(),
        ));
    }
    Ok(())
}

fn one_user_only(name: &str) -> Error {
    Error::InvalidInput(format!(
        "{name} does not tell users apart: it measures whoever uses it"
    ))
}

/// A reading with the quality flags a stored sample's `flags` kept (the inverse of [`flags`]).
pub(crate) fn with_quality(mut reading: tend_vitals::Reading, flags: u16) -> tend_vitals::Reading {
    for (bit, flag) in QualityFlag::ALL.iter().take(15).enumerate() {
        if flags & (1 << bit) != 0 {
            reading.quality.insert(*flag);
        }
    }
    reading
}

fn flags(reading: &tend_vitals::Reading) -> u16 {
    let mut flags = 0u16;
    for (bit, flag) in QualityFlag::ALL.iter().take(15).enumerate() {
        if reading.quality.contains(*flag) {
            flags |= 1 << bit;
        }
    }
    if reading.time_source == TimeSource::Device {
        flags |= FLAG_DEVICE_TIME;
    }
    flags
}

/// A stored sample as `tend-clinic` reads it: with the kind of device that measured it, its time
/// source and its quality flags.
pub(crate) fn measurement(stored: &tend_vault::SeriesSample) -> Option<tend_clinic::Measurement> {
    let s = &stored.sample;
    let source = if s.flags & FLAG_DEVICE_TIME != 0 {
        tend_vitals::TimeSource::Device
    } else {
        tend_vitals::TimeSource::Received
    };
    let reading =
        tend_vitals::Reading::new(stored.series.metric(), s.time, s.value, s.unit, source).ok()?;
    Some(tend_clinic::Measurement {
        device_kind: stored.series.kind,
        reading: with_quality(reading, s.flags),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use tend_vitals::{Metric, Reading, Unit};

    #[test]
    fn status_follows_its_own_device_only() {
        let device = PairedDevice {
            id: "C0:00:00:00:00:01".into(),
            name: "Strap".into(),
            services: vec![HealthService::HeartRate],
            manufacturer: None,
            model: None,
            serial: None,
            firmware: None,
            battery_percent: Some(90),
            last_sequence: None,
            stored_after_last: Vec::new(),
            user_id: None,
            consent_code: None,
            record_series: 0,
            cgm_session: None,
            newest_record_time: None,
            bond: Default::default(),
            clock_set: false,
            paired_at: jiff::Timestamp::UNIX_EPOCH,
            last_seen: None,
            counters: DeviceCounters::default(),
        };
        let mut status = DeviceStatus::new(&device);
        assert_eq!(status.state, LinkState::Offline);
        let id = device.id.clone();
        let at: jiff::Timestamp = "2026-03-01T08:00:00Z".parse().unwrap();
        let reading = Reading::new(
            Metric::HeartRate,
            at,
            70.0,
            Unit::PerMinute,
            TimeSource::Received,
        )
        .unwrap();
        for event in [
            DeviceEvent::State {
                device: id.clone(),
                state: LinkState::Streaming,
            },
            DeviceEvent::Battery {
                device: id.clone(),
                battery_percent: 80,
            },
            DeviceEvent::Reading {
                device: id.clone(),
                reading,
                sequence: None,
            },
            DeviceEvent::Problem {
                device: id.clone(),
                problem: Problem::Malformed,
                count: 1,
            },
        ] {
            assert!(status.apply(&event));
        }
        let other = DeviceEvent::State {
            device: "C0:00:00:00:00:02".into(),
            state: LinkState::Offline,
        };
        assert!(!status.apply(&other));
        assert_eq!(status.state, LinkState::Streaming);
        assert_eq!(status.battery_percent, Some(80));
        assert_eq!(status.last_reading, Some(at));
        assert_eq!(status.problems, 1);
    }
}
