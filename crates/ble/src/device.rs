//! What Tend keeps about a paired device, what it reports while talking to one, and what it
//! needs from outside: a clock and a place to store readings.

use std::future::Future;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use tend_vitals::Reading;

use crate::{Bond, HealthService, LinkState, Result};

/// Record numbers remembered above `last_sequence` at most: beyond, the lowest are forgotten (a
/// device sending far-apart numbers cannot grow the record). Nothing is stored twice for it: the
/// vault keeps each record's key, and a record it holds is not stored again.
const STORED_AFTER_LAST_MAX: usize = 1024;

/// A device the patient paired, as remembered in the vault.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PairedDevice {
    /// The device's Bluetooth address: what Tend connects to, never its advertised name.
    pub id: String,
    pub name: String,
    pub services: Vec<HealthService>,
    pub manufacturer: Option<String>,
    pub model: Option<String>,
    pub serial: Option<String>,
    pub firmware: Option<String>,
    pub battery_percent: Option<u8>,
    /// Every record of the device up to this sequence number is stored: a download asks only
    /// for later ones.
    pub last_sequence: Option<u16>,
    /// Records above `last_sequence` already stored (live ones that overtook a download): skipped
    /// when the device sends them again.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stored_after_last: Vec<u16>,
    /// Which run of record numbers `last_sequence` counts in: a CGM numbers its records again
    /// with each sensor session, a meter when its memory is reset. Counts up from 0, and is
    /// stored with each record's number, so records of different runs never match.
    #[serde(default)]
    pub record_series: u16,
    /// The CGM sensor session the numbers count from: its Session Start Time, as the device
    /// states it (`YYYY-MM-DDTHH:MM:SS` in its own zone).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cgm_session: Option<String>,
    /// The device's own time on the newest record stored in this run: a record with a number
    /// already stored but taken later shows that the numbering started again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub newest_record_time: Option<Timestamp>,
    /// How its link is secured: a bonded device's identity is its bond, not its name or address.
    #[serde(default)]
    pub bond: Bond,
    /// Whether Tend set the device's clock through Current Time.
    #[serde(default)]
    pub clock_set: bool,
    /// Which of the device's users the patient is, on a cuff or scale that several people use:
    /// the User ID (0–254) its blood pressure, weight and body composition measurements carry.
    /// Those measurements are stored only when they name this user; one naming another user,
    /// the unknown user (255) or nobody is counted in `counters.other_users`, never stored.
    /// `None`: the patient is the device's only user, and every measurement is theirs.
    #[serde(default)]
    pub user_id: Option<u8>,
    /// That user's consent code, on a device that keeps its users apart through the User Data
    /// Service: given on every connection (a consent lasts one), before anything is read. The
    /// patient's secret, kept in the vault only: `tend devices list` never prints it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent_code: Option<u16>,
    pub paired_at: Timestamp,
    pub last_seen: Option<Timestamp>,
    #[serde(default)]
    pub counters: DeviceCounters,
}

impl PairedDevice {
    /// What kind of device this is, from the services it offers.
    pub fn kind(&self) -> tend_vitals::DeviceKind {
        HealthService::kind_of(&self.services)
    }
}

/// What went wrong with a device, counted. Never values.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DeviceCounters {
    /// Values that failed to decode.
    #[cfg_attr(feature = "specta", specta(type = u32))]
    pub malformed: u64,
    /// Notifications dropped because the device sent too many too fast.
    #[cfg_attr(feature = "specta", specta(type = u32))]
    pub flood_dropped: u64,
    /// Records the device sent again that were already stored.
    #[cfg_attr(feature = "specta", specta(type = u32))]
    pub duplicates_skipped: u64,
    #[cfg_attr(feature = "specta", specta(type = u32))]
    pub link_losses: u64,
    /// Times the device stayed connected but silent until Tend reconnected.
    #[cfg_attr(feature = "specta", specta(type = u32))]
    pub silences: u64,
    /// Downloads that ended before the device said they were complete.
    #[cfg_attr(feature = "specta", specta(type = u32))]
    pub incomplete_downloads: u64,
    /// Readings stamped in the future even by the device's own clock, not stored.
    #[serde(default)]
    #[cfg_attr(feature = "specta", specta(type = u32))]
    pub implausible_times: u64,
    /// Connections refused because the device at its address could not prove the bond (one
    /// posing as it), or the system had lost the bond.
    #[serde(default)]
    #[cfg_attr(feature = "specta", specta(type = u32))]
    pub bond_refusals: u64,
    /// Other devices seen advertising this device's name.
    #[cfg_attr(feature = "specta", specta(type = u32))]
    pub impostors_seen: u64,
    /// Measurements of another of the device's users (or naming none), not stored: the patient
    /// chose which user they are when pairing.
    #[serde(default)]
    #[cfg_attr(feature = "specta", specta(type = u32))]
    pub other_users: u64,
    /// Connections on which the device did not accept the patient's consent code (User Data
    /// Service): nothing was read on them.
    #[serde(default)]
    #[cfg_attr(feature = "specta", specta(type = u32))]
    pub consent_refusals: u64,
}

/// Something hostile or broken a device did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Problem {
    Malformed,
    Flood,
    Silent,
    DownloadIncomplete,
    StorageFailed,
    /// A reading stamped in the future, beyond what the device's clock explains.
    ImplausibleTime,
    /// A device at its address could not prove the bond (one posing as it): not connected.
    NotTheBondedDevice,
    /// The system no longer holds the bond: the patient pairs it again.
    BondLost,
    /// The device did not accept the patient's consent code: the code was changed on it, or
    /// their user deleted. Nothing is read until they set their user again.
    ConsentRefused,
}

/// What Tend reports while it keeps a device connected: for the UI, the CLI and tests.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum DeviceEvent {
    State {
        device: String,
        state: LinkState,
    },
    Battery {
        device: String,
        battery_percent: u8,
    },
    /// A reading now stored in the vault.
    Reading {
        device: String,
        #[serde(flatten)]
        reading: Reading,
        #[serde(skip_serializing_if = "Option::is_none")]
        sequence: Option<u16>,
    },
    /// Stored readings fetched: a meter's or CGM's download as it goes, or the measurements a
    /// cuff, thermometer or scale kept and sent on connecting (each time done).
    Download {
        device: String,
        #[cfg_attr(feature = "specta", specta(type = u32))]
        received: u64,
        done: bool,
    },
    Problem {
        device: String,
        problem: Problem,
        #[cfg_attr(feature = "specta", specta(type = u32))]
        count: u64,
    },
}

/// A decoded reading and the device's record number for it.
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceReading {
    pub reading: Reading,
    pub sequence: Option<u16>,
}

pub use tend_vitals::Clock;

/// Where readings, device records and events go (the vault and the UI, in the app).
pub trait DeviceSink: Send + Sync {
    /// Stores readings durably before returning.
    fn store(
        &self,
        device: &PairedDevice,
        readings: &[DeviceReading],
    ) -> impl Future<Output = Result<()>> + Send;
    /// Saves the device record (progress, battery, counters).
    fn remember(&self, device: &PairedDevice) -> impl Future<Output = Result<()>> + Send;
    fn event(&self, event: DeviceEvent);
}

impl PairedDevice {
    /// Whether the record `sequence` is already stored.
    pub fn has_stored(&self, sequence: u16) -> bool {
        self.last_sequence.is_some_and(|last| sequence <= last)
            || self.stored_after_last.contains(&sequence)
    }

    /// Notes records as stored, moving `last_sequence` up over every run without gaps.
    pub fn stored(&mut self, sequences: impl IntoIterator<Item = u16>) {
        for s in sequences {
            if !self.has_stored(s) {
                self.stored_after_last.push(s);
            }
        }
        if self.stored_after_last.len() > STORED_AFTER_LAST_MAX {
            self.stored_after_last.sort_unstable();
            let excess = self.stored_after_last.len() - STORED_AFTER_LAST_MAX;
            self.stored_after_last.drain(..excess);
        }
        while let Some(last) = self.last_sequence {
            let next = last.wrapping_add(1);
            let Some(i) = self.stored_after_last.iter().position(|s| *s == next) else {
                break;
            };
            self.stored_after_last.swap_remove(i);
            self.last_sequence = Some(next);
        }
    }

    /// The device numbers its records from the start again (a new CGM sensor session, a meter
    /// reset): a new run, with nothing of it stored yet.
    pub fn new_record_series(&mut self) {
        self.record_series = self.record_series.wrapping_add(1);
        self.last_sequence = None;
        self.stored_after_last.clear();
        self.newest_record_time = None;
    }

    /// Whether a record numbered `sequence` and taken at device time `taken` belongs to a new
    /// run: its number is stored already, but it was taken after every stored record.
    pub fn renumbered(&self, sequence: u16, taken: Timestamp) -> bool {
        self.has_stored(sequence) && self.newest_record_time.is_some_and(|newest| taken > newest)
    }

    /// The record key the vault keeps for record `sequence` of the current run: the run in the
    /// high 16 bits, so a new sensor's or a reset meter's records never match an old run's.
    pub fn record_key(&self, sequence: u16) -> u32 {
        u32::from(self.record_series) << 16 | u32::from(sequence)
    }

    /// The device said a download is complete, but the link ended (or the watch stopped) before
    /// its last records, which come after that, could arrive: a live record stored meanwhile may
    /// be newer than they are. Only the unbroken run of stored records from the lowest counts as
    /// in; the next download asks from its end, and what is stored already is skipped.
    pub fn download_cut_short(&mut self) {
        if self.last_sequence.is_none() {
            if let Some(lowest) = self.stored_after_last.iter().copied().min() {
                self.stored_after_last.retain(|s| *s != lowest);
                self.last_sequence = Some(lowest);
            }
        }
        self.stored([]);
    }

    /// The device said a download is complete and its last records had time to arrive:
    /// everything up to the newest record stored is in (a meter may skip numbers).
    pub fn download_complete(&mut self) {
        if let Some(newest) = self.stored_after_last.iter().copied().max() {
            if self.last_sequence.is_none_or(|last| newest > last) {
                self.last_sequence = Some(newest);
            }
        }
        self.stored_after_last.clear();
    }
}
