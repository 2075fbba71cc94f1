//! The harness itself: the guest boots, its bus reaches the host, the peripherals advertise on
//! their controllers, and QEMU is gone once the guest is dropped.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::time::Duration;

use tend_bluez_vm::{Guest, GuestOptions, Peripherals};

#[test]
#[ignore = "boots the real BlueZ in QEMU: scripts/test runs it (cargo test -p tend-bluez-vm -- --ignored)"]
fn boots_serves_and_leaves_nothing_behind() {
    let guest = Guest::start(GuestOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    eprintln!("booted in {:?}", guest.boot_time);
    std::env::set_var("DBUS_SYSTEM_BUS_ADDRESS", guest.bus_address());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let peripherals = Peripherals::start(&guest.controllers())
            .await
            .expect("peripherals served");
        let devices = peripherals.devices();
        assert_eq!(devices.len(), 7);
        let session = peripherals.session();
        let central = session.adapter("hci0").unwrap();
        let mut names = session.adapter_names().await.unwrap();
        names.sort();
        let controllers = usize::from(GuestOptions::default().controllers);
        assert_eq!(names.len(), controllers, "{names:?}");
        use futures::StreamExt;
        let started = std::time::Instant::now();
        let events = central.discover_devices().await.unwrap();
        tokio::pin!(events);
        let mut seen = std::collections::BTreeSet::new();
        while seen.len() < 7 && started.elapsed() < Duration::from_secs(20) {
            if let Ok(Some(bluer::AdapterEvent::DeviceAdded(address))) =
                tokio::time::timeout(Duration::from_millis(500), events.next()).await
            {
                let device = central.device(address).unwrap();
                eprintln!(
                    "{:?}: {address} {:?} {:?}",
                    started.elapsed(),
                    device.name().await,
                    device.uuids().await
                );
                seen.insert(address.to_string());
            }
        }
        for d in &devices {
            assert!(
                seen.contains(&d.address),
                "{} not seen: {seen:?}",
                d.address
            );
        }
    });
    let pid = guest.qemu_pid();
    drop(guest);
    assert!(
        !std::path::Path::new(&format!("/proc/{pid}")).exists(),
        "QEMU {pid} is gone"
    );
}
