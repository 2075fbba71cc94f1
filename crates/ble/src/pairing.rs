//! Scanning for health devices (marking paired ones and impostors) and pairing the one the
//! patient picks: the bond, its Device Information, battery and clock, and which of its users the
//! patient is.

use std::{sync::Arc, time::Duration};

use jiff::tz::TimeZone;
use serde::Serialize;
use tend_gatt::{
    BatteryLevel, BodyCompositionFeature, Characteristic, CurrentTime, DeviceInformationString,
    WeightScaleFeature,
};

use crate::{
    device::{Clock, PairedDevice},
    link::{Central, Link},
    supervise::current_time,
    user_data, Error, HealthService, PairingPrompt, Result,
};

/// What the patient brings to a pairing.
#[derive(Clone)]
pub struct PairingChoices {
    /// Who answers when the device shows a passkey.
    pub prompt: Arc<dyn PairingPrompt>,
    /// Which of the device's users the patient is, on a cuff or scale several people share
    /// (`None`: its only user).
    pub user: Option<u8>,
    /// That user's consent code, on a device that keeps its users apart through the User Data
    /// Service (ignored by one that does not).
    pub consent_code: Option<u16>,
}

impl std::fmt::Debug for PairingChoices {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PairingChoices")
            .field("user", &self.user)
            .field("consent_code", &self.consent_code.map(|_| "…"))
            .finish_non_exhaustive()
    }
}

impl PairingChoices {
    /// The patient is the device's only user; `prompt` answers for them.
    pub fn only_user(prompt: Arc<dyn PairingPrompt>) -> PairingChoices {
        PairingChoices {
            prompt,
            user: None,
            consent_code: None,
        }
    }
}

/// One device found by a scan, as shown to the patient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ScanResult {
    /// The address: what `pair` takes.
    pub id: String,
    pub name: Option<String>,
    pub rssi: Option<i16>,
    pub services: Vec<HealthService>,
    pub paired: bool,
    /// Set when this device advertises the name of a paired device from another address:
    /// the id of the device it poses as. Tend never connects to it in that device's place.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub impostor_of: Option<String>,
    /// Whether its measurements can name which of its users measured (a cuff or scale that
    /// several people may share): pairing it can take which user the patient is.
    pub user_choice: bool,
}

/// Scans for `duration` and marks what Tend already knows.
pub async fn scan<C: Central>(
    central: &C,
    duration: Duration,
    paired: &[PairedDevice],
) -> Result<Vec<ScanResult>> {
    let found = central.scan(duration).await?;
    Ok(found
        .into_iter()
        .map(|ad| {
            let is_paired = paired
                .iter()
                .any(|p| p.id.eq_ignore_ascii_case(&ad.address));
            let impostor_of = (!is_paired)
                .then(|| {
                    paired
                        .iter()
                        .find(|p| ad.name.as_deref() == Some(p.name.as_str()))
                        .map(|p| p.id.clone())
                })
                .flatten();
            if impostor_of.is_some() {
                tracing::warn!(address = %ad.address, "a device advertises a paired device's name");
            }
            ScanResult {
                user_choice: HealthService::names_users(&ad.services),
                id: ad.address,
                name: ad.name,
                rssi: ad.rssi,
                services: ad.services,
                paired: is_paired,
                impostor_of,
            }
        })
        .collect())
}

/// Connects to the device at `id` (found by `scan`), bonds with it (asking `prompt` for the
/// passkey it shows, if it shows one), reads what it says about itself and its battery, sets its
/// clock (to `clock`, in the zone device clocks keep) where it allows, and returns the record to
/// remember, with `user`: which of the device's users the patient is (`None`: its only user).
/// The caller stores it. A scale that says it keeps no users apart is refused a user: none of
/// its measurements would name one. One that keeps its users apart with consent codes (User
/// Data Service) must accept the user's code first, and is refused without one.
pub async fn pair<C: Central, K: Clock>(
    central: &C,
    id: &str,
    name: Option<String>,
    services: Vec<HealthService>,
    choices: PairingChoices,
    clock: &K,
    time_zone: &TimeZone,
) -> Result<PairedDevice> {
    if services.is_empty() {
        return Err(Error::NotAHealthDevice(id.to_owned()));
    }
    let PairingChoices {
        prompt,
        user,
        consent_code,
    } = choices;
    // The bond first (it connects by itself): a device that demands encryption answers nothing
    // before it, and the system would otherwise pair on its own, with no one to answer it.
    let bond = central.bond(id, prompt).await?;
    let (link, mut events) = central.connect(id).await?;
    let called = || name.clone().unwrap_or_else(|| id.to_owned());
    if user.is_some() && says_one_user(&link).await {
        link.disconnect().await;
        return Err(Error::OneUserOnly(called()));
    }
    let consent_code = match user.filter(|_| user_data::offers_consent(&link)) {
        None => None,
        Some(user) => {
            let Some(code) = consent_code else {
                link.disconnect().await;
                return Err(Error::ConsentCodeNeeded(called()));
            };
            if let Err(e) = user_data::give_consent(&link, &mut events, id, user, code).await {
                link.disconnect().await;
                return Err(e);
            }
            Some(code)
        }
    };
    let mut device = PairedDevice {
        id: id.to_owned(),
        name: name.unwrap_or_else(|| id.to_owned()),
        services,
        manufacturer: None,
        model: None,
        serial: None,
        firmware: None,
        battery_percent: None,
        last_sequence: None,
        stored_after_last: Vec::new(),
        user_id: user,
        consent_code,
        record_series: 0,
        cgm_session: None,
        newest_record_time: None,
        bond,
        clock_set: false,
        paired_at: clock.now(),
        last_seen: Some(clock.now()),
        counters: Default::default(),
    };
    let text = |which: DeviceInformationString| {
        let link = &link;
        async move {
            let bytes = link.read(which.uuid()).await.ok()?;
            DeviceInformationString::decode(&bytes)
                .ok()
                .map(|s| s.trim_end_matches('\0').to_owned())
        }
    };
    device.manufacturer = text(DeviceInformationString::ManufacturerName).await;
    device.model = text(DeviceInformationString::ModelNumber).await;
    device.serial = text(DeviceInformationString::SerialNumber).await;
    device.firmware = text(DeviceInformationString::FirmwareRevision).await;
    if link.find(BatteryLevel::UUID).is_some() {
        device.battery_percent = link
            .read(BatteryLevel::UUID)
            .await
            .ok()
            .and_then(|b| BatteryLevel::decode(&b).ok())
            .map(BatteryLevel::percent);
    }
    if link.find(CurrentTime::UUID).is_some_and(|c| c.write) {
        let now = current_time(clock.now(), time_zone);
        device.clock_set = link.write(CurrentTime::UUID, now).await.is_ok();
    }
    link.disconnect().await;
    Ok(device)
}

/// Whether the device's Weight Scale or Body Composition Feature says it keeps no users apart
/// (then its measurements carry no User ID). A blood pressure cuff's features say nothing that
/// sure: its measurements may name a user whatever they say.
async fn says_one_user<L: Link>(link: &L) -> bool {
    let mut several = Vec::new();
    if link.find(WeightScaleFeature::UUID).is_some_and(|c| c.read) {
        if let Ok(feature) = link.read(WeightScaleFeature::UUID).await {
            if let Ok(feature) = WeightScaleFeature::decode(&feature) {
                several.push(feature.multiple_users_supported());
            }
        }
    }
    if link
        .find(BodyCompositionFeature::UUID)
        .is_some_and(|c| c.read)
    {
        if let Ok(feature) = link.read(BodyCompositionFeature::UUID).await {
            if let Ok(feature) = BodyCompositionFeature::decode(&feature) {
                several.push(feature.supports(1));
            }
        }
    }
    !several.is_empty() && several.iter().all(|several| !several)
}
