//! The Q sub-channel of raw CD frames (ECMA-130 §22.3), as much as the
//! recorder needs to find tracks in a RAW session the host wrote itself.
//!
//! Layouts (ECMA-130 §22.3 for the Q data; MMC-6 §4.2.3.3 and the page 05h
//! data block types for where it sits in a frame):
//!
//! - 12 Q bytes: CONTROL (bits 7–4) / ADR (bits 3–0), TNO, INDEX, MIN, SEC,
//!   FRAME, ZERO, AMIN, ASEC, AFRAME (all BCD), then a CRC-16 (polynomial
//!   x¹⁶+x¹²+x⁵+1, stored inverted) over the first 10 bytes;
//! - data block type 1 (2368-byte frames): 16 bytes after the 2352 main
//!   bytes: the 12 Q bytes, 3 zero bytes, P in bit 7 of the last byte;
//! - data block type 3 (2448-byte frames, raw P–W): 96 bytes after the main
//!   bytes, one per sub-channel symbol; Q is bit 6 of each byte, most
//!   significant bit first.

use crate::bcd::{from_bcd, to_bcd};
use crate::crc::crc16;
use crate::error::{need, Error, Result};
use crate::sector::{SECTOR_SIZE, SUBCHANNEL_SIZE};
use crate::subchannel::pw::{self, Channel};

/// Bytes of one Q frame.
pub const Q_SIZE: usize = 12;

/// ADR 1: the Q frame carries the position (track, index, times).
pub const ADR_POSITION: u8 = 1;

/// CONTROL bit 2: the track holds data, not audio.
pub const CONTROL_DATA: u8 = 0x04;

/// TNO of the lead-out (kept as AAh, not read as BCD).
pub const LEAD_OUT_TNO: u8 = 0xAA;

/// One decoded Q sub-channel frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SubQ {
    /// Control nibble (bit 2: data track).
    pub control: u8,
    /// ADR nibble (1: position).
    pub adr: u8,
    /// Track number, binary (AAh stays AAh: the lead-out).
    pub tno: u8,
    /// Index, binary.
    pub index: u8,
    /// Relative time (M, S, F), binary.
    pub relative: (u8, u8, u8),
    /// Absolute time (M, S, F), binary.
    pub absolute: (u8, u8, u8),
}

/// CRC-16 of the Q data (CCITT polynomial, initial value 0, result inverted
/// as stored on the disc).
pub fn q_crc(data: &[u8]) -> u16 {
    crc16(data)
}

impl SubQ {
    /// Decodes 12 Q bytes. The CRC must match, or be zero (hosts that leave
    /// it to the drive); other frames are refused. The BCD fields are read
    /// without checking their digits.
    pub fn decode(q: &[u8]) -> Result<SubQ> {
        need("Q sub-channel", q, Q_SIZE)?;
        let stored = u16::from_be_bytes([q[10], q[11]]);
        let computed = q_crc(&q[..10]);
        if stored != 0 && stored != computed {
            return Err(Error::Crc {
                structure: "Q sub-channel",
                stored,
                computed,
            });
        }
        let tno = if q[1] == LEAD_OUT_TNO {
            LEAD_OUT_TNO
        } else {
            from_bcd(q[1])
        };
        Ok(SubQ {
            control: q[0] >> 4,
            adr: q[0] & 0x0F,
            tno,
            index: from_bcd(q[2]),
            relative: (from_bcd(q[3]), from_bcd(q[4]), from_bcd(q[5])),
            absolute: (from_bcd(q[7]), from_bcd(q[8]), from_bcd(q[9])),
        })
    }

    /// The 12 Q bytes with their CRC.
    pub fn encode(&self) -> [u8; Q_SIZE] {
        let mut q = [0u8; Q_SIZE];
        q[0] = (self.control << 4) | (self.adr & 0x0F);
        q[1] = if self.tno == LEAD_OUT_TNO {
            LEAD_OUT_TNO
        } else {
            to_bcd(self.tno)
        };
        q[2] = to_bcd(self.index);
        q[3] = to_bcd(self.relative.0);
        q[4] = to_bcd(self.relative.1);
        q[5] = to_bcd(self.relative.2);
        q[7] = to_bcd(self.absolute.0);
        q[8] = to_bcd(self.absolute.1);
        q[9] = to_bcd(self.absolute.2);
        let crc = q_crc(&q[..10]);
        q[10..12].copy_from_slice(&crc.to_be_bytes());
        q
    }

    /// The Q bits spread over 96 raw P–W bytes (bit 6 of each byte).
    pub fn to_raw_pw(&self) -> [u8; SUBCHANNEL_SIZE] {
        let mut out = [0u8; SUBCHANNEL_SIZE];
        pw::insert(&mut out, Channel::Q, &self.encode());
        out
    }

    /// Gathers Q from 96 raw P–W bytes.
    pub fn from_raw_pw(sub: &[u8]) -> Result<SubQ> {
        SubQ::decode(&pw::extract(sub, Channel::Q)?)
    }

    /// The Q sub-channel of one raw frame written with page-05h data block
    /// type `data_block_type` (1: PQ, 3: raw P–W); other types carry none.
    pub fn from_frame(frame: &[u8], data_block_type: u8) -> Result<SubQ> {
        match data_block_type {
            1 => {
                need("raw frame with PQ sub-channel", frame, SECTOR_SIZE + 16)?;
                SubQ::decode(&frame[SECTOR_SIZE..SECTOR_SIZE + Q_SIZE])
            }
            3 => {
                need(
                    "raw frame with P-W sub-channel",
                    frame,
                    SECTOR_SIZE + SUBCHANNEL_SIZE,
                )?;
                SubQ::from_raw_pw(&frame[SECTOR_SIZE..SECTOR_SIZE + SUBCHANNEL_SIZE])
            }
            t => Err(Error::NoQ {
                data_block_type: t,
                frame_len: frame.len(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn q_round_trips_through_both_frame_forms() {
        let q = SubQ {
            control: 4,
            adr: 1,
            tno: 12,
            index: 1,
            relative: (0, 2, 74),
            absolute: (61, 59, 3),
        };
        assert_eq!(SubQ::decode(&q.encode()), Ok(q));
        assert_eq!(SubQ::from_raw_pw(&q.to_raw_pw()), Ok(q));
        let mut frame = vec![0u8; 2368];
        frame[2352..2364].copy_from_slice(&q.encode());
        assert_eq!(SubQ::from_frame(&frame, 1), Ok(q));
        let mut raw = vec![0u8; 2448];
        raw[2352..2448].copy_from_slice(&q.to_raw_pw());
        assert_eq!(SubQ::from_frame(&raw, 3), Ok(q));
        let mut bad = q.encode();
        bad[11] ^= 1;
        assert!(matches!(SubQ::decode(&bad), Err(Error::Crc { .. })));
        let lead_out = SubQ { tno: 0xAA, ..q };
        assert_eq!(SubQ::decode(&lead_out.encode()).unwrap().tno, 0xAA);
    }

    #[test]
    fn golden_bytes_and_refusals() {
        let q = SubQ {
            control: 4,
            adr: 1,
            tno: 12,
            index: 1,
            relative: (0, 2, 74),
            absolute: (61, 59, 3),
        };
        let b = q.encode();
        assert_eq!(
            &b[..10],
            &[0x41, 0x12, 0x01, 0x00, 0x02, 0x74, 0, 0x61, 0x59, 0x03]
        );
        assert_eq!(u16::from_be_bytes([b[10], b[11]]), q_crc(&b[..10]));
        // A zero CRC is left to the drive: accepted.
        let mut zero = b;
        zero[10] = 0;
        zero[11] = 0;
        assert_eq!(SubQ::decode(&zero), Ok(q));
        assert!(matches!(SubQ::decode(&b[..11]), Err(Error::Short { .. })));
        assert!(matches!(
            SubQ::from_frame(&[0u8; 2352], 1),
            Err(Error::Short { .. })
        ));
        assert_eq!(
            SubQ::from_frame(&[0u8; 2448], 8),
            Err(Error::NoQ {
                data_block_type: 8,
                frame_len: 2448
            })
        );
        assert!(SubQ::from_raw_pw(&[0u8; 95]).is_err());
    }

    #[test]
    fn crc_matches_a_known_value() {
        // CRC-16/CCITT (init 0) of "123456789" is 31C3h; stored inverted.
        assert_eq!(q_crc(b"123456789"), !0x31C3);
    }
}
