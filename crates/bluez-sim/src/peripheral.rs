//! The simulated health peripherals, their GATT tables and the faults they can be told to show.

use uuid::Uuid;

/// One simulated device: how it advertises and which health service it offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimPeripheral {
    pub name: String,
    /// A static random address (top two bits set), so it never collides with a real device.
    pub address: String,
    /// The 16-bit health service it advertises.
    pub service: u16,
    pub kind: Kind,
}

/// Which kind of health device a peripheral is: decides its characteristics and values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    HeartRateStrap,
    PulseOximeter,
    /// Keeps readings taken out of range and indicates them when Tend subscribes.
    BloodPressureCuff,
    Thermometer,
    /// Numbers its readings and serves them through the Record Access Control Point.
    GlucoseMeter,
    /// Numbers its readings by minutes since the sensor session started, and serves them through
    /// the Record Access Control Point.
    ContinuousGlucoseMonitor,
    /// Keeps weighings taken out of range and indicates them when Tend subscribes.
    Scale,
}

/// How a peripheral pairs: what it can show or take from the patient (its IO capabilities).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Pairing {
    /// It can show nothing and take nothing: Just Works, unauthenticated.
    #[default]
    JustWorks,
    /// It shows this 6-digit passkey, which the patient types on the central: authenticated.
    Passkey(u32),
}

/// What a peripheral can be told to do wrong, to test Tend against broken or hostile devices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Drop the link now (the device stays in range and accepts a new connection).
    DropLink,
    /// Send undecodable values on its measurement characteristic instead of readings.
    SendGarbage,
    /// Stay connected but send nothing.
    GoSilent,
    /// Send this many notifications at once.
    Flood(u32),
    /// Drop the link half-way through the next stored-record download.
    DropMidDownload,
    /// Accept links but never answer over them (ATT), as BlueZ shows it: connected, services
    /// never resolved, and the link dropped after ATT's 30 s timeout.
    Unanswering,
    /// Back to normal behaviour.
    Behave,
}

/// Characteristic flags as BlueZ names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CharFlags {
    pub read: bool,
    pub write: bool,
    pub notify: bool,
    pub indicate: bool,
}

impl CharFlags {
    pub(crate) const READ: CharFlags = CharFlags {
        read: true,
        write: false,
        notify: false,
        indicate: false,
    };

    pub(crate) fn names(self) -> Vec<String> {
        let mut names = Vec::new();
        for (on, name) in [
            (self.read, "read"),
            (self.write, "write"),
            (self.notify, "notify"),
            (self.indicate, "indicate"),
        ] {
            if on {
                names.push(name.to_owned());
            }
        }
        names
    }
}

/// One characteristic of a simulated GATT table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CharSpec {
    pub service: u16,
    pub uuid: u16,
    pub flags: CharFlags,
}

/// The full 128-bit UUID of a 16-bit assigned number.
pub fn uuid16(short: u16) -> Uuid {
    Uuid::from_u128(0x0000_0000_0000_1000_8000_0080_5F9B_34FB | (u128::from(short) << 96))
}

/// Characteristics Tend reads and subscribes to.
pub mod uuids {
    pub const BATTERY_SERVICE: u16 = 0x180F;
    pub const DEVICE_INFORMATION_SERVICE: u16 = 0x180A;
    pub const CURRENT_TIME_SERVICE: u16 = 0x1805;
    pub const BATTERY_LEVEL: u16 = 0x2A19;
    pub const CURRENT_TIME: u16 = 0x2A2B;
    pub const MANUFACTURER: u16 = 0x2A29;
    pub const MODEL: u16 = 0x2A24;
    pub const SERIAL: u16 = 0x2A25;
    pub const FIRMWARE: u16 = 0x2A26;
    pub const RACP: u16 = 0x2A52;
    pub const CGM_SESSION_START: u16 = 0x2AAA;
    pub const BLOOD_PRESSURE_FEATURE: u16 = 0x2A49;
    pub const WEIGHT_SCALE_FEATURE: u16 = 0x2A9E;
    pub const USER_DATA_SERVICE: u16 = tend_gatt::USER_DATA_SERVICE;
    pub const USER_INDEX: u16 = <tend_gatt::UserIndex as tend_gatt::Characteristic>::UUID;
    pub const USER_CONTROL_POINT: u16 = tend_gatt::UserControlPoint::UUID;
    pub const CCCD: u16 = 0x2902;
}

impl SimPeripheral {
    pub fn service_uuid(&self) -> Uuid {
        uuid16(self.service)
    }

    /// Whether it offers the User Data Service, through which a household's people each consent
    /// with their own code (the scale, as shared body composition scales do).
    pub fn has_user_data(&self) -> bool {
        self.kind == Kind::Scale
    }

    /// Whether it numbers its readings and serves them through the Record Access Control Point.
    pub fn keeps_numbered_records(&self) -> bool {
        matches!(
            self.kind,
            Kind::GlucoseMeter | Kind::ContinuousGlucoseMonitor
        )
    }

    /// The measurement characteristic the device sends its readings on.
    pub fn measurement(&self) -> u16 {
        match self.kind {
            Kind::HeartRateStrap => 0x2A37,
            Kind::PulseOximeter => 0x2A5F,
            Kind::BloodPressureCuff => 0x2A35,
            Kind::Thermometer => 0x2A1C,
            Kind::GlucoseMeter => 0x2A18,
            Kind::ContinuousGlucoseMonitor => 0x2AA7,
            Kind::Scale => 0x2A9D,
        }
    }

    /// Its GATT table: the health service, then Battery, Device Information and Current Time.
    pub fn characteristics(&self) -> Vec<CharSpec> {
        use uuids::*;
        let measurement_flags = match self.kind {
            Kind::HeartRateStrap
            | Kind::PulseOximeter
            | Kind::GlucoseMeter
            | Kind::ContinuousGlucoseMonitor => CharFlags {
                notify: true,
                ..CharFlags::READ
            },
            Kind::BloodPressureCuff | Kind::Thermometer | Kind::Scale => CharFlags {
                indicate: true,
                ..CharFlags::READ
            },
        };
        let mut chars = vec![CharSpec {
            service: self.service,
            uuid: self.measurement(),
            flags: CharFlags {
                read: false,
                ..measurement_flags
            },
        }];
        // What the cuff and the scale support, multiple users among it.
        let feature = match self.kind {
            Kind::BloodPressureCuff => Some(BLOOD_PRESSURE_FEATURE),
            Kind::Scale => Some(WEIGHT_SCALE_FEATURE),
            _ => None,
        };
        if let Some(uuid) = feature {
            chars.push(CharSpec {
                service: self.service,
                uuid,
                flags: CharFlags::READ,
            });
        }
        if self.kind == Kind::ContinuousGlucoseMonitor {
            chars.push(CharSpec {
                service: self.service,
                uuid: CGM_SESSION_START,
                flags: CharFlags::READ,
            });
        }
        if self.keeps_numbered_records() {
            chars.push(CharSpec {
                service: self.service,
                uuid: RACP,
                flags: CharFlags {
                    read: false,
                    write: true,
                    notify: false,
                    indicate: true,
                },
            });
        }
        if self.has_user_data() {
            chars.push(CharSpec {
                service: USER_DATA_SERVICE,
                uuid: USER_INDEX,
                flags: CharFlags::READ,
            });
            chars.push(CharSpec {
                service: USER_DATA_SERVICE,
                uuid: USER_CONTROL_POINT,
                flags: CharFlags {
                    read: false,
                    write: true,
                    notify: false,
                    indicate: true,
                },
            });
        }
        chars.push(CharSpec {
            service: BATTERY_SERVICE,
            uuid: BATTERY_LEVEL,
            flags: CharFlags {
                notify: true,
                ..CharFlags::READ
            },
        });
        for uuid in [MANUFACTURER, MODEL, SERIAL, FIRMWARE] {
            chars.push(CharSpec {
                service: DEVICE_INFORMATION_SERVICE,
                uuid,
                flags: CharFlags::READ,
            });
        }
        // The cuff, thermometer and scale let Tend set their clock; the meters keep their own.
        let clock_writable = matches!(
            self.kind,
            Kind::BloodPressureCuff | Kind::Thermometer | Kind::Scale
        );
        chars.push(CharSpec {
            service: CURRENT_TIME_SERVICE,
            uuid: CURRENT_TIME,
            flags: CharFlags {
                write: clock_writable,
                ..CharFlags::READ
            },
        });
        chars
    }
}

/// The devices the simulator offers: one per health profile Tend supports.
pub fn catalogue() -> Vec<SimPeripheral> {
    let device = |name: &str, address: &str, service, kind| SimPeripheral {
        name: name.to_owned(),
        address: address.to_owned(),
        service,
        kind,
    };
    vec![
        device(
            "Tend Sim HR Strap",
            "C0:7E:4D:00:00:01",
            0x180D,
            Kind::HeartRateStrap,
        ),
        device(
            "Tend Sim Oximeter",
            "C0:7E:4D:00:00:02",
            0x1822,
            Kind::PulseOximeter,
        ),
        device(
            "Tend Sim BP Cuff",
            "C0:7E:4D:00:00:03",
            0x1810,
            Kind::BloodPressureCuff,
        ),
        device(
            "Tend Sim Thermometer",
            "C0:7E:4D:00:00:04",
            0x1809,
            Kind::Thermometer,
        ),
        device(
            "Tend Sim Glucose Meter",
            "C0:7E:4D:00:00:05",
            0x1808,
            Kind::GlucoseMeter,
        ),
        device(
            "Tend Sim CGM",
            "C0:7E:4D:00:00:06",
            0x181F,
            Kind::ContinuousGlucoseMonitor,
        ),
        device("Tend Sim Scale", "C0:7E:4D:00:00:07", 0x181D, Kind::Scale),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_has_unique_static_random_addresses() {
        let devices = catalogue();
        let mut addresses: Vec<_> = devices.iter().map(|d| d.address.clone()).collect();
        addresses.sort_unstable();
        addresses.dedup();
        assert_eq!(addresses.len(), devices.len());
        for d in &devices {
            let first = u8::from_str_radix(&d.address[..2], 16).expect("hex address");
            assert_eq!(
                first & 0xC0,
                0xC0,
                "{} is not a static random address",
                d.address
            );
            assert_eq!(
                d.service_uuid().to_string()[4..8],
                format!("{:04x}", d.service)
            );
            assert_eq!(d.characteristics()[0].uuid, d.measurement());
        }
    }
}
