//! The sub-channel of a CD (ECMA-130 §22): with every sector, 96 bytes,
//! one per symbol, each byte carrying one bit of each of the eight channels
//! P (bit 7) to W (bit 0).
//!
//! - [`pw`]: the channels, and spreading a channel's 12 bytes over the 96
//!   raw bytes and gathering them back;
//! - [`q`]: the Q channel's position frames and their CRC.

pub mod pw;
pub mod q;
