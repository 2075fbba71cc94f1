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
    let mut stop_on_eof = false;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--address" => address = args.next(),
            "--stored" => stored = args.next().and_then(|n| n.parse().ok()).unwrap_or(stored),
            "--stop-on-eof" => stop_on_eof = true,
            "--help" | "-h" => {
                println!("usage: tend-bluez-sim [--address DBUS_ADDRESS] [--stored N] [--stop-on-eof]\n\nServes a simulated BlueZ with health peripherals. Without --address it starts a private\ndbus-daemon. It prints the bus address on the first line of stdout; point Tend at it with\nDBUS_SYSTEM_BUS_ADDRESS=<address>. Meters, cuffs and scales start with N stored readings
(default 12). Runs until killed, or with --stop-on-eof until its standard input closes (then it
also stops the private bus it started).");
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
        let bus = match address {
            Some(_) => None,
            None => Some(PrivateBus::start()?),
        };
        let bus_address = address
            .or_else(|| bus.as_ref().map(|b| b.address().to_owned()))
            .unwrap_or_default();
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
        if stop_on_eof {
            let (tx, rx) = tokio::sync::oneshot::channel::<()>();
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut std::io::stdin(), &mut std::io::sink());
                let _ = tx.send(());
            });
            let _ = rx.await;
        } else {
            std::future::pending::<()>().await;
        }
        // Stops the peripherals, then the private bus (if ours).
        drop(sim);
        drop(bus);
        Ok::<(), Box<dyn std::error::Error>>(())
    })
}
