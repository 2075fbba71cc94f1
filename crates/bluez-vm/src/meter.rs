//! The glucose meter alone on the real stack, for `tend bench devices --drops N` through the real
//! BlueZ: a guest with two controllers (hci0 for Tend, hci1 for the meter), its bus in
//! `DBUS_SYSTEM_BUS_ADDRESS`, and the meter's controls — out of range and back while it keeps
//! measuring, its interval, its stored records, and its record numbers to check the vault against.

use std::time::Instant;

use tend_bluez_sim::{catalogue, Kind};

use crate::{Error, Guest, GuestOptions, Peripherals, Result};

/// The running guest and meter. Dropping it stops both (QEMU is killed).
#[derive(Debug)]
pub struct RealMeter {
    // Dropped first: its BlueZ registrations go before the guest does.
    peripherals: Peripherals,
    address: String,
    guest: Guest,
}

impl RealMeter {
    /// Boots the guest (building its image first if the cache has none), points this process's
    /// `DBUS_SYSTEM_BUS_ADDRESS` at it — process-wide, so btleplug opened afterwards is the
    /// central on hci0 — and serves the glucose meter on hci1.
    pub async fn start() -> Result<RealMeter> {
        let options = GuestOptions {
            controllers: 2,
            ..GuestOptions::default()
        };
        let guest = tokio::task::spawn_blocking(move || Guest::start(options))
            .await
            .map_err(|e| Error::Boot(e.to_string()))??;
        std::env::set_var("DBUS_SYSTEM_BUS_ADDRESS", guest.bus_address());
        let meter = catalogue()
            .into_iter()
            .filter(|d| d.kind == Kind::GlucoseMeter)
            .collect();
        let peripherals = Peripherals::start_with(&guest.controllers(), meter).await?;
        let address = peripherals.address_of(Kind::GlucoseMeter)?;
        Ok(RealMeter {
            peripherals,
            address,
            guest,
        })
    }

    /// The meter's address, as Tend scans, pairs and watches it.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// The guest's bus (already in `DBUS_SYSTEM_BUS_ADDRESS`).
    pub fn bus_address(&self) -> String {
        self.guest.bus_address()
    }

    /// Out of range (no longer advertising, link dropped) or back; it keeps measuring.
    pub async fn set_in_range(&self, in_range: bool) -> Result<()> {
        self.peripherals.set_in_range(&self.address, in_range).await
    }

    /// When the meter last came back in range: the link is possible from then on.
    pub fn reachable_since(&self) -> Result<Option<Instant>> {
        self.peripherals.reachable_since(&self.address)
    }

    /// The meter's record numbers, every reading it made (stored ones included).
    pub fn record_numbers(&self) -> Result<Vec<u16>> {
        self.peripherals.glucose_sequences(&self.address)
    }

    /// The controls `bluez-sim` offers too: interval, stored records, measuring on or off.
    pub fn peripherals(&self) -> &Peripherals {
        &self.peripherals
    }

    /// The guest, for its logs when something went wrong.
    pub fn guest(&self) -> &Guest {
        &self.guest
    }
}
