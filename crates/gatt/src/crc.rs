//! The E2E-CRC of the Continuous Glucose Monitoring Service (CGMS v1.0.1 §3.11).
//!
//! CRC-CCITT, generator polynomial D^16 + D^12 + D^5 + 1, seed 0xFFFF, bits processed least
//! significant first (the CRC-16/MCRF4XX parameters), sent little-endian after the data it covers.

/// The E2E-CRC of `bytes`.
pub fn e2e_crc(bytes: &[u8]) -> u16 {
    const POLYNOMIAL_REFLECTED: u16 = 0x8408;
    bytes.iter().fold(0xFFFF, |mut crc: u16, &byte| {
        crc ^= u16::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ POLYNOMIAL_REFLECTED
            } else {
                crc >> 1
            };
        }
        crc
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vectors() {
        let check =
            |bytes: &[u8], expected: u16| assert_eq!(e2e_crc(bytes), expected, "{bytes:02x?}");
        // CGMS v1.0.1 §3.11 "CRC calculation" example (the PDF prints the two bytes as sent: 0x012F).
        check(
            &[0x3E, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09],
            0x2F01,
        );
        // The catalogue check value of CRC-16/MCRF4XX, and Microchip AN752's example.
        check(b"123456789", 0x6F91);
        check(&[0x58, 0x25, 0x1F, 0x98], 0x07F1);
        check(b"A", 0x5C0A);
        check(&[], 0xFFFF);
    }
}
