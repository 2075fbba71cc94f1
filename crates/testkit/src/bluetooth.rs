//! Simulated Bluetooth for a test: a private D-Bus bus standing in for the system bus, and
//! `tend-bluez-sim` serving simulated health peripherals on it from a runtime of its own, so the
//! same harness serves plain tests (which run the `tend` binary against it) and tokio tests.

use tend_bluez_sim::{PrivateBus, Sim, SimPeripheral};

use crate::{Error, Result};

/// The simulator on its private bus. Point btleplug at [`SimulatedBluetooth::address`] through
/// `DBUS_SYSTEM_BUS_ADDRESS`. Dropping it stops the simulator, then the bus.
#[derive(Debug)]
pub struct SimulatedBluetooth {
    // Dropped in this order: the simulator, its runtime, the bus.
    sim: Sim,
    _runtime: BackgroundRuntime,
    bus: PrivateBus,
}

/// A runtime shut down without waiting, so it may also be dropped inside a tokio test.
#[derive(Debug)]
struct BackgroundRuntime(Option<tokio::runtime::Runtime>);

impl Drop for BackgroundRuntime {
    fn drop(&mut self) {
        if let Some(runtime) = self.0.take() {
            runtime.shutdown_background();
        }
    }
}

impl SimulatedBluetooth {
    /// Every peripheral of the simulator's catalogue.
    pub fn start() -> Result<SimulatedBluetooth> {
        SimulatedBluetooth::start_with(tend_bluez_sim::catalogue())
    }

    /// Only the catalogue's peripherals at `addresses`.
    pub fn start_only(addresses: &[&str]) -> Result<SimulatedBluetooth> {
        SimulatedBluetooth::start_with(
            tend_bluez_sim::catalogue()
                .into_iter()
                .filter(|d| addresses.contains(&d.address.as_str()))
                .collect(),
        )
    }

    /// These peripherals.
    pub fn start_with(devices: Vec<SimPeripheral>) -> Result<SimulatedBluetooth> {
        let bus = PrivateBus::start()?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()?;
        // Started from a thread of its own: `block_on` may not run inside a caller's runtime.
        let handle = runtime.handle().clone();
        let address = bus.address().to_owned();
        let sim = std::thread::spawn(move || handle.block_on(Sim::start_with(&address, devices)))
            .join()
            .map_err(|_| Error::SimulatorStart("the thread starting it panicked".into()))??;
        Ok(SimulatedBluetooth {
            sim,
            _runtime: BackgroundRuntime(Some(runtime)),
            bus,
        })
    }

    /// The private bus's address: the `DBUS_SYSTEM_BUS_ADDRESS` for btleplug.
    pub fn address(&self) -> &str {
        self.bus.address()
    }

    /// The simulator, to set its peripherals' behaviour.
    pub fn sim(&self) -> &Sim {
        &self.sim
    }
}
