//! The CRC of the Q sub-channel (ECMA-130 §22.3) and of CD-TEXT packs:
//! CRC-16 with the polynomial x¹⁶ + x¹² + x⁵ + 1, initial value 0, most
//! significant bit first, recorded inverted.

/// The CRC-16 of `data` as a CD records it (already inverted).
pub fn crc16(data: &[u8]) -> u16 {
    let mut crc: u16 = 0;
    for &b in data {
        crc ^= u16::from(b) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_matches_a_known_value() {
        // CRC-16 (polynomial 1021h, initial value 0) of "123456789" is
        // 31C3h; recorded inverted.
        assert_eq!(crc16(b"123456789"), !0x31C3);
        assert_eq!(crc16(&[]), 0xFFFF);
    }
}
