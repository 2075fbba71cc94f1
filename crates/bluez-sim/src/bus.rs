//! A private D-Bus daemon that allows everything, standing in for the system bus.

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
};

use crate::{Error, Result};

/// A `dbus-daemon` of our own, killed on drop. Its address goes in `DBUS_SYSTEM_BUS_ADDRESS`.
#[derive(Debug)]
pub struct PrivateBus {
    daemon: Child,
    address: String,
    _dir: tempfile::TempDir,
}

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
        let mut daemon = Command::new("dbus-daemon")
            .arg("--nofork")
            .arg("--nopidfile")
            .arg("--print-address=1")
            .arg(format!("--config-file={}", config.display()))
            .stdout(Stdio::piped())
            // It warns that it cannot raise its file limit when not privileged: noise here.
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| {
                Error::Bus(format!(
                    "cannot start dbus-daemon (Debian package dbus): {e}"
                ))
            })?;
        let stdout = daemon
            .stdout
            .take()
            .ok_or_else(|| Error::Bus("dbus-daemon gave no output".into()))?;
        let mut address = String::new();
        BufReader::new(stdout)
            .read_line(&mut address)
            .map_err(|e| Error::Bus(e.to_string()))?;
        let address = address.trim().to_owned();
        if address.is_empty() {
            let _ = daemon.kill();
            return Err(Error::Bus("dbus-daemon printed no address".into()));
        }
        Ok(PrivateBus {
            daemon,
            address,
            _dir: dir,
        })
    }

    pub fn address(&self) -> &str {
        &self.address
    }
}

impl Drop for PrivateBus {
    fn drop(&mut self) {
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
    }
}
