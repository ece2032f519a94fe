//! What every decoder of this crate shares: the block size, the error of a
//! structure that does not decode ([`DecodeError`]), and the both-endian
//! numeric fields of ECMA-119 (§7.2.3, §7.3.3), which Rock Ridge reuses.

use std::fmt;

/// Size of a logical sector and block (ECMA-119 §6.1.2; ECMA-167 and UDF
/// use the same 2048 bytes on optical media).
pub const SECTOR: usize = 2048;

/// A structure that failed to decode: which one, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    /// The structure ("directory record", "primary volume descriptor", ...).
    pub what: &'static str,
    /// What is wrong.
    pub reason: String,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "bad {}: {}", self.what, self.reason)
    }
}

impl std::error::Error for DecodeError {}

/// The error of a decoder: `what` failed because of `reason`.
pub(crate) fn bad<T>(what: &'static str, reason: impl Into<String>) -> Result<T, DecodeError> {
    Err(DecodeError {
        what,
        reason: reason.into(),
    })
}

/// ECMA-119 §7.2.3: a 16-bit value in both byte orders (4 bytes).
pub fn both16(v: u16) -> [u8; 4] {
    let l = v.to_le_bytes();
    let b = v.to_be_bytes();
    [l[0], l[1], b[0], b[1]]
}

/// ECMA-119 §7.3.3: a 32-bit value in both byte orders (8 bytes).
pub fn both32(v: u32) -> [u8; 8] {
    let mut o = [0u8; 8];
    o[..4].copy_from_slice(&v.to_le_bytes());
    o[4..].copy_from_slice(&v.to_be_bytes());
    o
}

/// Reads an ECMA-119 §7.2.3 field, checking that both halves agree.
pub fn read_both16(b: &[u8], what: &'static str) -> Result<u16, DecodeError> {
    let (Some(l), Some(m)) = (b.get(0..2), b.get(2..4)) else {
        return bad(what, "truncated 16-bit both-endian field");
    };
    let l = u16::from_le_bytes([l[0], l[1]]);
    let m = u16::from_be_bytes([m[0], m[1]]);
    if l != m {
        return bad(what, format!("both-endian halves differ ({l} and {m})"));
    }
    Ok(l)
}

/// Reads an ECMA-119 §7.3.3 field, checking that both halves agree.
pub fn read_both32(b: &[u8], what: &'static str) -> Result<u32, DecodeError> {
    let (Some(l), Some(m)) = (b.get(0..4), b.get(4..8)) else {
        return bad(what, "truncated 32-bit both-endian field");
    };
    let l = u32::from_le_bytes(l.try_into().expect("4 bytes"));
    let m = u32::from_be_bytes(m.try_into().expect("4 bytes"));
    if l != m {
        return bad(what, format!("both-endian halves differ ({l} and {m})"));
    }
    Ok(l)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_endian_golden() {
        assert_eq!(both16(0x1234), [0x34, 0x12, 0x12, 0x34]);
        assert_eq!(
            both32(0x0102_0304),
            [0x04, 0x03, 0x02, 0x01, 0x01, 0x02, 0x03, 0x04]
        );
        assert_eq!(read_both32(&both32(77), "t"), Ok(77));
        assert!(read_both32(&[1, 0, 0, 0, 0, 0, 0, 2], "t").is_err());
        assert!(read_both16(&[1, 0], "t").is_err());
    }
}
