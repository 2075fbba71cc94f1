//! The running guest: QEMU (software emulation) booting the cached image, its system bus
//! forwarded to a free loopback port, and nothing left behind: QEMU is killed when the
//! [`Guest`] is dropped or stopped, and also when the process that started it ends in any other
//! way. A guest whose bluetoothd died (BlueZ has crash bugs of its own) says so in [`Guest::broken`].

use std::{
    io::{BufRead, BufReader},
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, ChildStdin, Command, Stdio},
    sync::Mutex,
    time::{Duration, Instant},
};

use crate::{
    image::{ensure_image, on_path, tail, GuestImage},
    Error, Result,
};

/// The port the guest's system bus listens on (recipe/tend-bus.conf).
const GUEST_BUS_PORT: u16 = 5555;
const QEMU: &str = "qemu-system-x86_64";
/// The console line tend-init writes once bluetoothd has every controller powered.
const READY: &str = "TEND-GUEST-READY";
/// The console line tend-init writes when bluetoothd exits, followed by its status.
const BLUETOOTHD_ENDED: &str = "bluetoothd ended with status";

/// How to start the guest.
#[derive(Debug, Clone)]
pub struct GuestOptions {
    /// Emulated LE controllers: hci0 is the central, the others serve peripherals.
    pub controllers: u8,
    /// Record the HCI traffic with btmon (`btmon.txt` in [`Guest::log_dir`]).
    pub btmon: bool,
    /// bluetoothd's debug log (`bluetoothd.log`) and the kernel's (`dmesg.log`) in [`Guest::log_dir`].
    pub debug: bool,
    /// How long booting may take before the guest is given up (software emulation on a busy
    /// machine is slow).
    pub boot_limit: Duration,
    /// The loopback port the guest's bus is forwarded to; a free one when `None`. libdbus reads
    /// `DBUS_SYSTEM_BUS_ADDRESS` once per process, so a guest that replaces a stopped one in the
    /// same process must take its port.
    pub bus_port: Option<u16>,
}

impl Default for GuestOptions {
    fn default() -> Self {
        GuestOptions {
            // The central, seven health devices, one impostor, and a second cuff, strap and
            // scale for journeys that change a device for good.
            controllers: 12,
            btmon: std::env::var_os("TEND_BLUEZ_VM_BTMON").is_some(),
            debug: std::env::var_os("TEND_BLUEZ_VM_DEBUG").is_some(),
            boot_limit: Duration::from_secs(240),
            bus_port: None,
        }
    }
}

/// A booted guest with bluetoothd up on every controller.
#[derive(Debug)]
pub struct Guest {
    keeper: Child,
    /// Closing it stops QEMU: see [`KEEPER`].
    lifeline: Mutex<Option<ChildStdin>>,
    qemu_pid: u32,
    port: u16,
    controllers: u8,
    dir: tempfile::TempDir,
    /// How long the boot took, from starting QEMU to bluetoothd ready.
    pub boot_time: Duration,
}

/// Runs QEMU until standard input closes, then kills it: a lifeline from the test process that
/// closes however that process ends. Prints QEMU's pid first. Removes the guest's directory
/// afterwards (a guest in a static is never dropped), unless TEND_BLUEZ_VM_KEEP_LOGS is set.
const KEEPER: &str = r#"dir="$1"; shift
"$@" >"$dir/qemu.log" 2>&1 </dev/null &
qemu=$!
echo "$qemu"
read -r _ignored
kill "$qemu" 2>/dev/null
wait "$qemu"
[ -n "${TEND_BLUEZ_VM_KEEP_LOGS:-}" ] || rm -rf "$dir""#;

impl Guest {
    /// Builds the image if needed, boots it and waits until bluetoothd has every controller
    /// powered. Fails with the reason (never skips) when QEMU cannot run here.
    pub fn start(options: GuestOptions) -> Result<Guest> {
        if !on_path(QEMU) {
            return Err(Error::Qemu(format!(
                "{QEMU} is not installed: install the Debian package qemu-system-x86 (scripts/setup.sh --for-tests does)"
            )));
        }
        let image = ensure_image()?;
        let mut last = None;
        // A port found free can be taken before QEMU binds it: try another.
        for _ in 0..3 {
            match Guest::boot(&image, &options) {
                Err(Error::Qemu(why)) if why.contains("hostfwd") || why.contains("forward") => {
                    last = Some(Error::Qemu(why));
                }
                other => return other,
            }
        }
        Err(last.unwrap_or_else(|| Error::Qemu("QEMU did not start".into())))
    }

    fn boot(image: &GuestImage, options: &GuestOptions) -> Result<Guest> {
        let dir = tempfile::Builder::new()
            .prefix("tend-bluez-vm.")
            .tempdir()?;
        let logs = dir.path().join("guest");
        std::fs::create_dir_all(&logs)?;
        let serial = dir.path().join("console.log");
        let port = match options.bus_port {
            Some(port) => port,
            None => free_port()?,
        };
        let append = format!(
            "console=ttyS0 root=/dev/vda rw init=/usr/local/sbin/tend-init panic=-1 quiet tend.controllers={} tend.btmon={} tend.debug={}",
            options.controllers,
            u8::from(options.btmon),
            u8::from(options.debug)
        );
        let started = Instant::now();
        let mut keeper = Command::new("sh")
            .arg("-c")
            .arg(KEEPER)
            .arg("tend-bluez-vm")
            .arg(dir.path())
            .arg(QEMU)
            .args([
                "-accel",
                "tcg,thread=multi",
                "-cpu",
                "max",
                "-m",
                "512",
                "-smp",
                "2",
            ])
            .args([
                "-nographic",
                "-no-reboot",
                "-nodefaults",
                "-monitor",
                "none",
            ])
            .arg("-kernel")
            .arg(&image.kernel)
            .arg("-initrd")
            .arg(&image.initrd)
            .args(["-append", &append])
            .arg("-drive")
            .arg(format!(
                "if=virtio,format=raw,snapshot=on,file={}",
                drive_path(&image.rootfs)
            ))
            .arg("-virtfs")
            .arg(format!(
                "local,path={},mount_tag=out,security_model=none",
                drive_path(&logs)
            ))
            .arg("-netdev")
            .arg(format!(
                "user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:{port}-:{GUEST_BUS_PORT}"
            ))
            // No network boot ROM: it only slows the boot.
            .args(["-device", "virtio-net-pci,netdev=n0,romfile="])
            .arg("-chardev")
            .arg(format!("file,id=s0,path={}", drive_path(&serial)))
            .args(["-serial", "chardev:s0"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| Error::Qemu(format!("cannot start {QEMU}: {e}")))?;
        let lifeline = Mutex::new(keeper.stdin.take());
        let mut pid = String::new();
        if let Some(stdout) = keeper.stdout.take() {
            BufReader::new(stdout).read_line(&mut pid)?;
        }
        let qemu_pid = pid.trim().parse().unwrap_or(0);
        let mut guest = Guest {
            keeper,
            lifeline,
            qemu_pid,
            port,
            controllers: options.controllers,
            dir,
            boot_time: Duration::ZERO,
        };
        guest.wait_ready(&serial, options)?;
        guest.boot_time = started.elapsed();
        Ok(guest)
    }

    fn wait_ready(&self, serial: &Path, options: &GuestOptions) -> Result<()> {
        let started = Instant::now();
        loop {
            let console = std::fs::read_to_string(serial).unwrap_or_default();
            if let Some(line) = console.lines().find(|l| l.contains(READY)) {
                let powered = line
                    .rsplit("powered=")
                    .next()
                    .and_then(|n| n.trim().parse::<u8>().ok())
                    .unwrap_or(0);
                if powered < self.controllers {
                    return Err(Error::Boot(format!(
                        "bluetoothd powered {powered} of {} controllers\n{}",
                        self.controllers,
                        self.diagnostics()
                    )));
                }
                return Ok(());
            }
            if !self.qemu_running() {
                return Err(Error::Qemu(format!(
                    "QEMU stopped while booting\n{}",
                    self.diagnostics()
                )));
            }
            if started.elapsed() > options.boot_limit {
                return Err(Error::Boot(format!(
                    "not ready after {} s\n{}",
                    options.boot_limit.as_secs(),
                    self.diagnostics()
                )));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// `tcp:host=127.0.0.1,port=…`: the guest's system bus, for `DBUS_SYSTEM_BUS_ADDRESS`.
    pub fn bus_address(&self) -> String {
        format!("tcp:host=127.0.0.1,port={}", self.port)
    }

    /// The loopback port of [`Guest::bus_address`].
    pub fn bus_port(&self) -> u16 {
        self.port
    }

    /// The controllers' names: `hci0` (the central) first.
    pub fn controllers(&self) -> Vec<String> {
        (0..self.controllers).map(|i| format!("hci{i}")).collect()
    }

    /// Where the guest writes bluetoothd's log (`bluetoothd.log`), btvirt's, and btmon's trace.
    /// Removed with the guest, unless `TEND_BLUEZ_VM_KEEP_LOGS` is set.
    pub fn log_dir(&self) -> PathBuf {
        self.dir.path().join("guest")
    }

    /// QEMU's process id, for checking that it is gone.
    pub fn qemu_pid(&self) -> u32 {
        self.qemu_pid
    }

    /// The ends of QEMU's, the console's and bluetoothd's logs: for failure messages.
    pub fn diagnostics(&self) -> String {
        let dir = self.dir.path();
        format!(
            "--- QEMU ---\n{}\n--- console ---\n{}\n--- bluetoothd ---\n{}",
            tail(&dir.join("qemu.log"), 10),
            tail(&dir.join("console.log"), 15),
            tail(&self.log_dir().join("bluetoothd.log"), 15)
        )
    }

    /// Why this guest can no longer serve, if it cannot: bluetoothd ended (the console line, e.g.
    /// "bluetoothd ended with status 139" for a segmentation fault) or QEMU stopped.
    pub fn broken(&self) -> Option<String> {
        let console =
            std::fs::read_to_string(self.dir.path().join("console.log")).unwrap_or_default();
        if let Some(end) = bluetoothd_end(&console) {
            return Some(end.to_string());
        }
        (!self.qemu_running()).then(|| "QEMU stopped".to_string())
    }

    /// Makes bluetoothd in the guest die as it does on its own crash bugs (SIGSEGV): for testing
    /// what notices and survives that. Returns at once; [`Guest::broken`] says when it has died.
    pub fn crash_bluetoothd(&self) -> Result<()> {
        std::fs::write(self.log_dir().join("crash-bluetoothd"), b"")?;
        Ok(())
    }

    /// Stops QEMU now rather than when the guest is dropped (a guest kept in a static never is),
    /// and waits up to 10 s until it is gone and its port free.
    pub fn stop(&self) {
        let mut lifeline = self.lifeline.lock().unwrap_or_else(|e| e.into_inner());
        drop(lifeline.take());
        let started = Instant::now();
        while self.qemu_running() && started.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn qemu_running(&self) -> bool {
        self.qemu_pid != 0 && Path::new(&format!("/proc/{}", self.qemu_pid)).exists() && {
            // A zombie is gone for our purposes.
            let status = std::fs::read_to_string(format!("/proc/{}/status", self.qemu_pid))
                .unwrap_or_default();
            !status
                .lines()
                .any(|l| l.starts_with("State:") && l.contains('Z'))
        }
    }
}

impl Drop for Guest {
    fn drop(&mut self) {
        // Closing the lifeline makes the keeper kill QEMU; wait until it has.
        self.stop();
        let _ = self.keeper.wait();
    }
}

fn free_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

/// A path as QEMU's comma-separated options take it (a comma is doubled).
fn drive_path(path: &Path) -> String {
    path.display().to_string().replace(',', ",,")
}

/// The console's line saying bluetoothd ended, from "bluetoothd ended" on.
fn bluetoothd_end(console: &str) -> Option<&str> {
    console
        .lines()
        .find_map(|line| line.find(BLUETOOTHD_ENDED).map(|at| line[at..].trim_end()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dead_bluetoothd_is_read_from_the_console() {
        let running = "tend-init: [5.30] started\ntend-init: [12.22] TEND-GUEST-READY controllers=9 powered=9\n";
        assert_eq!(bluetoothd_end(running), None);
        let crashed = format!("{running}tend-init: [32.64] bluetoothd ended with status 139\r\n");
        assert_eq!(
            bluetoothd_end(&crashed),
            Some("bluetoothd ended with status 139")
        );
    }
}
