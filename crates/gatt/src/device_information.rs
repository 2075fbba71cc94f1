//! Device Information Service v1.1 strings: Manufacturer Name (0x2A29), Model Number (0x2A24),
//! Serial Number (0x2A25), Hardware (0x2A27), Firmware (0x2A26) and Software (0x2A28) Revision.
//!
//! Each value is a UTF-8 string of the whole characteristic value; invalid UTF-8 is rejected.

use crate::{Error, Result};

/// Which Device Information string a value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeviceInformationString {
    ManufacturerName,
    ModelNumber,
    SerialNumber,
    HardwareRevision,
    FirmwareRevision,
    SoftwareRevision,
}

impl DeviceInformationString {
    pub const ALL: [DeviceInformationString; 6] = [
        DeviceInformationString::ManufacturerName,
        DeviceInformationString::ModelNumber,
        DeviceInformationString::SerialNumber,
        DeviceInformationString::HardwareRevision,
        DeviceInformationString::FirmwareRevision,
        DeviceInformationString::SoftwareRevision,
    ];

    pub fn uuid(self) -> u16 {
        match self {
            DeviceInformationString::ManufacturerName => 0x2A29,
            DeviceInformationString::ModelNumber => 0x2A24,
            DeviceInformationString::SerialNumber => 0x2A25,
            DeviceInformationString::HardwareRevision => 0x2A27,
            DeviceInformationString::FirmwareRevision => 0x2A26,
            DeviceInformationString::SoftwareRevision => 0x2A28,
        }
    }

    pub fn from_uuid(uuid: u16) -> Option<Self> {
        DeviceInformationString::ALL
            .into_iter()
            .find(|s| s.uuid() == uuid)
    }

    /// The string a value holds.
    pub fn decode(bytes: &[u8]) -> Result<String> {
        std::str::from_utf8(bytes)
            .map(str::to_owned)
            .map_err(|_| Error::InvalidUtf8)
    }

    pub fn encode(text: &str) -> Vec<u8> {
        text.as_bytes().to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vectors() {
        let check = |bytes: &[u8], expected: Result<&str>| {
            assert_eq!(
                DeviceInformationString::decode(bytes).as_deref(),
                expected.as_deref(),
                "{bytes:02x?}"
            )
        };
        check(b"Nordic Semiconductor", Ok("Nordic Semiconductor"));
        check("Ωmron ✓".as_bytes(), Ok("Ωmron ✓"));
        check(b"", Ok(""));
        check(&[0x41, 0xFF], Err(Error::InvalidUtf8));
        check(&[0xC3], Err(Error::InvalidUtf8)); // a cut multi-byte sequence
        assert_eq!(
            DeviceInformationString::from_uuid(0x2A29),
            Some(DeviceInformationString::ManufacturerName)
        );
        assert_eq!(DeviceInformationString::from_uuid(0x2A19), None);
    }
}
