//! Bluetooth SIG health profiles: decoding and encoding of characteristic values.
//!
//! Pure and total: no I/O, no clock, no panic on any input. Every rejected packet is a typed
//! [`Error`] saying what is wrong with it.

pub mod ieee11073;

pub use ieee11073::{Float, Number, Sfloat};

/// Why a characteristic value was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    #[error("value too short: needed {needed} bytes, got {got}")]
    TooShort { needed: usize, got: usize },
    #[error("{0} unexpected trailing bytes")]
    TrailingBytes(usize),
    #[error("reserved value {value:#x} in {field}")]
    Reserved { field: &'static str, value: u32 },
    #[error("unknown flags {0:#x}")]
    UnknownFlags(u32),
    #[error("bad CRC: computed {computed:#06x}, packet says {sent:#06x}")]
    BadCrc { computed: u16, sent: u16 },
    #[error("{0}")]
    Malformed(&'static str),
}

pub type Result<T> = std::result::Result<T, Error>;
