//! Shared pieces of every decoder: the decode error and big-endian field access
//! that reports a short buffer instead of panicking.

use std::fmt;

/// A reply or CDB that cannot be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    /// The structure being decoded ("READ DISC INFORMATION reply", "WRITE(10) CDB").
    pub structure: &'static str,
    /// What is wrong, with the offending value or offset.
    pub reason: String,
}

impl DecodeError {
    /// A decode error for `structure`.
    pub fn new(structure: &'static str, reason: impl Into<String>) -> DecodeError {
        DecodeError {
            structure,
            reason: reason.into(),
        }
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.structure, self.reason)
    }
}

impl std::error::Error for DecodeError {}

/// Checks that `bytes` holds at least `need` bytes.
pub fn need(structure: &'static str, bytes: &[u8], need: usize) -> Result<(), DecodeError> {
    if bytes.len() < need {
        return Err(DecodeError::new(
            structure,
            format!("{} bytes, at least {need} needed", bytes.len()),
        ));
    }
    Ok(())
}

/// Big-endian u16 at `at` (caller has checked the length).
pub fn be16(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

/// Big-endian 24-bit value at `at`.
pub fn be24(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([0, b[at], b[at + 1], b[at + 2]])
}

/// Big-endian u32 at `at`.
pub fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// Writes a big-endian u16 at `at`.
pub fn put16(b: &mut [u8], at: usize, v: u16) {
    b[at..at + 2].copy_from_slice(&v.to_be_bytes());
}

/// Writes a big-endian 24-bit value at `at` (the top byte of `v` is dropped).
pub fn put24(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 3].copy_from_slice(&v.to_be_bytes()[1..]);
}

/// Writes a big-endian u32 at `at`.
pub fn put32(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_be_bytes());
}
