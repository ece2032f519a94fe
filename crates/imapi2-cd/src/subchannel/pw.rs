//! Raw P–W sub-channel bytes (ECMA-130 §22.1): 96 bytes per sector, byte
//! `i` holding bit `i mod 8` (most significant first) of byte `i / 8` of each
//! channel's 12 bytes, P in bit 7 down to W in bit 0.

use crate::error::{need, Result};
use crate::sector::SUBCHANNEL_SIZE;

/// Bytes one channel carries per sector.
pub const CHANNEL_SIZE: usize = SUBCHANNEL_SIZE / 8;

/// One of the eight sub-channels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    /// P: the pause flag.
    P,
    /// Q: control, address and timing.
    Q,
    /// R.
    R,
    /// S.
    S,
    /// T.
    T,
    /// U.
    U,
    /// V.
    V,
    /// W.
    W,
}

impl Channel {
    /// The channel's bit in each raw sub-channel byte.
    pub fn mask(self) -> u8 {
        0x80 >> (self as u8)
    }
}

/// Spreads the 12 bytes of `channel` into the raw bytes `raw`, leaving the
/// other channels' bits as they are.
pub fn insert(raw: &mut [u8; SUBCHANNEL_SIZE], channel: Channel, data: &[u8; CHANNEL_SIZE]) {
    let mask = channel.mask();
    for (i, o) in raw.iter_mut().enumerate() {
        if data[i / 8] & (0x80 >> (i % 8)) != 0 {
            *o |= mask;
        } else {
            *o &= !mask;
        }
    }
}

/// Gathers the 12 bytes of `channel` from raw sub-channel bytes (at least
/// 96).
pub fn extract(raw: &[u8], channel: Channel) -> Result<[u8; CHANNEL_SIZE]> {
    need("raw P-W sub-channel", raw, SUBCHANNEL_SIZE)?;
    let mask = channel.mask();
    let mut out = [0u8; CHANNEL_SIZE];
    for (i, &b) in raw[..SUBCHANNEL_SIZE].iter().enumerate() {
        if b & mask != 0 {
            out[i / 8] |= 0x80 >> (i % 8);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channels_and_their_bits() {
        assert_eq!(Channel::P.mask(), 0x80);
        assert_eq!(Channel::Q.mask(), 0x40);
        assert_eq!(Channel::W.mask(), 0x01);
    }

    #[test]
    fn channels_round_trip_without_touching_each_other() {
        let q: [u8; 12] = [
            0x41, 0x01, 0x01, 0, 2, 0x74, 0, 0x61, 0x59, 0x03, 0xAB, 0xCD,
        ];
        let r: [u8; 12] = [0xFF, 0, 0x55, 0xAA, 1, 2, 3, 4, 5, 6, 7, 8];
        let mut raw = [0u8; 96];
        insert(&mut raw, Channel::Q, &q);
        insert(&mut raw, Channel::R, &r);
        assert_eq!(extract(&raw, Channel::Q), Ok(q));
        assert_eq!(extract(&raw, Channel::R), Ok(r));
        assert_eq!(extract(&raw, Channel::P), Ok([0; 12]));
        // The first Q byte 41h: bits 0 1 0 0 0 0 0 1 in bytes 0-7.
        assert_eq!(raw[1] & 0x40, 0x40);
        assert_eq!(raw[0] & 0x40, 0);
        assert_eq!(raw[7] & 0x40, 0x40);
        // Overwriting a channel clears its old bits.
        insert(&mut raw, Channel::Q, &[0; 12]);
        assert_eq!(extract(&raw, Channel::Q), Ok([0; 12]));
        assert_eq!(extract(&raw, Channel::R), Ok(r));
        assert!(extract(&raw[..95], Channel::Q).is_err());
    }
}
