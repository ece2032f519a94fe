//! Binary-coded decimal: how the Q sub-channel (ECMA-130 §22.3), the
//! sector header (ECMA-130 §14.2) and the lead-in's times carry numbers,
//! two decimal digits per byte, tens in the high nibble.

use crate::error::{Error, Result};

/// The BCD byte of `v` (0–99): tens in bits 7–4, units in bits 3–0. Larger
/// values keep only what fits: the low nibble of the tens.
pub fn to_bcd(v: u8) -> u8 {
    ((v / 10) << 4) | (v % 10)
}

/// The value of a BCD byte, read as `tens × 10 + units` without checking
/// the digits (AAh, the lead-out's track number, reads as 110).
pub fn from_bcd(b: u8) -> u8 {
    (b >> 4) * 10 + (b & 0x0F)
}

/// True when both nibbles of `b` are decimal digits.
pub fn is_bcd(b: u8) -> bool {
    b >> 4 <= 9 && b & 0x0F <= 9
}

/// The value of a BCD byte of `structure`, or [`Error::NotBcd`] when a
/// nibble is not a decimal digit.
pub fn decode(structure: &'static str, b: u8) -> Result<u8> {
    if !is_bcd(b) {
        return Err(Error::NotBcd { structure, byte: b });
    }
    Ok(from_bcd(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn golden_values() {
        assert_eq!(to_bcd(0), 0x00);
        assert_eq!(to_bcd(9), 0x09);
        assert_eq!(to_bcd(10), 0x10);
        assert_eq!(to_bcd(59), 0x59);
        assert_eq!(to_bcd(74), 0x74);
        assert_eq!(to_bcd(99), 0x99);
        assert_eq!(from_bcd(0x74), 74);
        assert_eq!(from_bcd(0xAA), 110);
        assert!(is_bcd(0x99) && !is_bcd(0x9A) && !is_bcd(0xA0));
        assert_eq!(decode("x", 0x42), Ok(42));
        assert_eq!(
            decode("x", 0x4F),
            Err(Error::NotBcd {
                structure: "x",
                byte: 0x4F
            })
        );
    }

    #[test]
    fn every_two_digit_value_round_trips() {
        for v in 0..=99u8 {
            let b = to_bcd(v);
            assert!(is_bcd(b));
            assert_eq!(from_bcd(b), v);
            assert_eq!(decode("x", b), Ok(v));
        }
        // Large values never panic.
        for v in 100..=255u8 {
            let _ = to_bcd(v);
        }
    }
}
