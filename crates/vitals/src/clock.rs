//! Where "now" comes from. Logic takes a clock rather than reading the system's, so tests drive
//! time; the shells pass the machine's.

use jiff::Timestamp;

pub trait Clock: Send + Sync {
    fn now(&self) -> Timestamp;
}
