//! `tend-bluez-sim`: the simulated BlueZ for the demo. Starts a private bus (or uses `--address`),
//! serves the health peripherals on it, and prints the bus address for `DBUS_SYSTEM_BUS_ADDRESS`.

// This binary's job is to print the address.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::{io::Write, process::ExitCode};

use tend_bluez_sim::{PrivateBus, Sim};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tend-bluez-sim: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let mut address = None;
    let mut stored = 12;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--address" => address = args.next(),
            "--stored" => stored = args.next().and_then(|n| n.parse().ok()).unwrap_or(stored),
            "--help" | "-h" => {
                println!("usage: tend-bluez-sim [--address DBUS_ADDRESS] [--stored N]\n\nServes a simulated BlueZ with health peripherals. Without --address it starts a private\ndbus-daemon. It prints the bus address on the first line of stdout; point Tend at it with\nDBUS_SYSTEM_BUS_ADDRESS=<address>. Runs until killed.");
                return Ok(());
            }
            other => return Err(format!("unknown argument {other} (see --help)").into()),
        }
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let bus = match &address {
            Some(_) => None,
            None => Some(PrivateBus::start()?),
        };
        let bus_address = match (&address, &bus) {
            (Some(a), _) => a.clone(),
            (None, Some(bus)) => bus.address().to_owned(),
            (None, None) => unreachable_address(),
        };
        let sim = Sim::start(&bus_address).await?;
        for device in sim.devices() {
            // Meters, cuffs and scales come with readings taken before Tend met them.
            let _ = sim.add_stored_records(&device.address, stored);
        }
        println!("{bus_address}");
        std::io::stdout().flush()?;
        for device in sim.devices() {
            eprintln!("tend-bluez-sim: {} at {}", device.name, device.address);
        }
        std::future::pending::<()>().await;
        drop(sim);
        Ok::<(), Box<dyn std::error::Error>>(())
    })
}

fn unreachable_address() -> String {
    String::new()
}
