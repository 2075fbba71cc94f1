//! The simulated health peripherals and the faults they can be told to show.

use uuid::Uuid;

/// One simulated device: how it advertises and which health service it offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimPeripheral {
    pub name: &'static str,
    /// A static random address (top two bits set), so it never collides with a real device.
    pub address: &'static str,
    /// The 16-bit service it advertises.
    pub service: u16,
}

/// What a peripheral can be told to do wrong, to test Tend against broken or hostile devices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    DropLink,
    SendGarbage,
    GoSilent,
}

impl SimPeripheral {
    pub fn service_uuid(&self) -> Uuid {
        Uuid::from_u128(
            0x0000_0000_0000_1000_8000_0080_5F9B_34FB | (u128::from(self.service) << 96),
        )
    }
}

/// The devices the simulator offers: one per health profile Tend supports.
pub fn catalogue() -> Vec<SimPeripheral> {
    let device = |name, address, service| SimPeripheral {
        name,
        address,
        service,
    };
    vec![
        device("Tend Sim HR Strap", "C0:7E:4D:00:00:01", 0x180D),
        device("Tend Sim Oximeter", "C0:7E:4D:00:00:02", 0x1822),
        device("Tend Sim BP Cuff", "C0:7E:4D:00:00:03", 0x1810),
        device("Tend Sim Thermometer", "C0:7E:4D:00:00:04", 0x1809),
        device("Tend Sim Glucose Meter", "C0:7E:4D:00:00:05", 0x1808),
        device("Tend Sim CGM", "C0:7E:4D:00:00:06", 0x181F),
        device("Tend Sim Scale", "C0:7E:4D:00:00:07", 0x181D),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_has_unique_static_random_addresses() {
        let devices = catalogue();
        let mut addresses: Vec<_> = devices.iter().map(|d| d.address).collect();
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
        }
    }
}
