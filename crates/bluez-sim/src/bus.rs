//! A private D-Bus daemon that allows everything, standing in for the system bus.

use std::{
    io::{BufRead, BufReader},
    process::{Child, ChildStdin, Command, Stdio},
};

use crate::{Error, Result};

/// A `dbus-daemon` of our own. Its address goes in `DBUS_SYSTEM_BUS_ADDRESS`.
///
/// It stops when this value is dropped, and also when the process that started it ends in any
/// other way (a static never dropped, a kill): a small shell keeps it while a pipe from this
/// process stays open.
#[derive(Debug)]
pub struct PrivateBus {
    keeper: Child,
    lifeline: Option<ChildStdin>,
    address: String,
    _dir: tempfile::TempDir,
}

/// Runs the daemon until standard input closes, then stops it.
const KEEPER: &str = r#"dbus-daemon --nofork --nopidfile --print-address=1 --config-file="$1" &
bus=$!
read -r _ignored
kill "$bus"
wait "$bus""#;

const CONFIG: &str = r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <listen>unix:dir=DIR</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
  </policy>
</busconfig>
"#;

impl PrivateBus {
    /// Starts the daemon (Debian package `dbus`) and waits for its address.
    pub fn start() -> Result<PrivateBus> {
        let dir = tempfile::tempdir().map_err(|e| Error::Bus(e.to_string()))?;
        let config = dir.path().join("bus.conf");
        let text = CONFIG.replace("DIR", &dir.path().display().to_string());
        std::fs::write(&config, text).map_err(|e| Error::Bus(e.to_string()))?;
        let mut keeper = Command::new("sh")
            .arg("-c")
            .arg(KEEPER)
            .arg("tend-private-bus")
            .arg(&config)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            // It warns that it cannot raise its file limit when not privileged: noise here.
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| {
                Error::Bus(format!(
                    "cannot start dbus-daemon (Debian package dbus): {e}"
                ))
            })?;
        let lifeline = keeper.stdin.take();
        let stdout = keeper
            .stdout
            .take()
            .ok_or_else(|| Error::Bus("dbus-daemon gave no output".into()))?;
        let mut address = String::new();
        BufReader::new(stdout)
            .read_line(&mut address)
            .map_err(|e| Error::Bus(e.to_string()))?;
        let address = address.trim().to_owned();
        let bus = PrivateBus {
            keeper,
            lifeline,
            address,
            _dir: dir,
        };
        if bus.address.is_empty() {
            return Err(Error::Bus("dbus-daemon printed no address".into()));
        }
        Ok(bus)
    }

    pub fn address(&self) -> &str {
        &self.address
    }
}

impl Drop for PrivateBus {
    fn drop(&mut self) {
        // Closing the pipe stops the daemon; the keeper then exits.
        drop(self.lifeline.take());
        let _ = self.keeper.wait();
    }
}
