//! `tend-bluez-sim`: the simulated BlueZ for the demo. Starts a private bus (or uses `--address`),
//! serves the health peripherals on it, and prints the bus address for `DBUS_SYSTEM_BUS_ADDRESS`.

// This binary's job is to print the address.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::{
    io::{BufRead, Write},
    process::ExitCode,
};

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
(default 12; a cuff's, thermometer's and scale's taken as patients take them, a meter's a minute
apart by its fast clock) and measure again as patients do (a cuff or thermometer twice a day, a
meter four times, a scale once), or at once when told: a line `measure ADDRESS` on standard input. Runs until killed, or with
--stop-on-eof until its standard input closes (then it also stops the private bus it started).");
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
        // Standard input takes commands, a line each; with --stop-on-eof its end stops us.
        let (tx, mut lines) = tokio::sync::mpsc::unbounded_channel::<String>();
        std::thread::spawn(move || {
            for line in std::io::stdin().lock().lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        loop {
            match lines.recv().await {
                Some(line) => obey(&sim, &line).await,
                None if stop_on_eof => break,
                None => std::future::pending::<()>().await,
            }
        }
        // Stops the peripherals, then the private bus (if ours).
        drop(sim);
        drop(bus);
        Ok::<(), Box<dyn std::error::Error>>(())
    })
}

/// Carries out one command line from standard input; says on standard error what it did not.
async fn obey(sim: &Sim, line: &str) {
    let result = match line.split_whitespace().collect::<Vec<_>>().as_slice() {
        [] => return,
        ["measure", address] => sim.measure(address).await.map_err(|e| e.to_string()),
        _ => Err(format!("unknown command {line:?} (try: measure ADDRESS)")),
    };
    if let Err(e) = result {
        eprintln!("tend-bluez-sim: {e}");
    }
}
