//! "Now" for the commands: the system clock, or `TEND_NOW` (RFC 3339) for scripts and tests,
//! and the dates the options take.

use std::time::Instant;

use jiff::{tz::TimeZone, SignedDuration, Timestamp};
use tend_core::share::{Clock, Timer};

use crate::Failure;

/// The shell's clock: the system's (or `TEND_NOW` moving on from when the command started).
#[derive(Debug)]
pub struct WallClock {
    start: Timestamp,
    started: Instant,
}

impl WallClock {
    pub fn starting_at(start: Timestamp) -> WallClock {
        WallClock {
            start,
            started: Instant::now(),
        }
    }
}

impl Clock for WallClock {
    fn now(&self) -> Timestamp {
        let elapsed =
            SignedDuration::try_from(self.started.elapsed()).unwrap_or(SignedDuration::ZERO);
        self.start.checked_add(elapsed).unwrap_or(self.start)
    }
}

impl Timer for WallClock {
    async fn sleep(&self, duration: SignedDuration) {
        if let Ok(duration) = std::time::Duration::try_from(duration) {
            tokio::time::sleep(duration).await;
        }
    }
}

pub fn now() -> Result<Timestamp, Failure> {
    match std::env::var("TEND_NOW") {
        Ok(text) => instant("TEND_NOW", &text),
        Err(_) => Ok(Timestamp::now()),
    }
}

/// An instant given on the command line; the message names the option.
pub fn instant(option: &str, text: &str) -> Result<Timestamp, Failure> {
    text.parse().map_err(|_| {
        Failure::Failed(format!(
            "{option}: `{text}` is not an RFC 3339 instant (such as 2026-03-08T00:00:00-05:00)"
        ))
    })
}

/// The zone named by `--tz`, else this system's.
pub fn zone(name: Option<&str>) -> Result<TimeZone, Failure> {
    match name {
        Some(name) => Ok(tend_core::zone_named(name)?),
        None => Ok(TimeZone::system()),
    }
}
