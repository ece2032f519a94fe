//! The Q sub-channel of raw CD frames, as much as the recorder needs to find
//! tracks in a RAW session the host wrote itself.
//!
//! Layouts (ECMA-130 §22.3.2 for the Q data; MMC-6 §4.2.3.3 and the page 05h
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

fn bcd(b: u8) -> u8 {
    (b >> 4) * 10 + (b & 0x0F)
}

fn to_bcd(v: u8) -> u8 {
    ((v / 10) << 4) | (v % 10)
}

/// CRC-16 of the Q data (CCITT polynomial, initial value 0, result inverted
/// as stored on the disc).
pub fn q_crc(data: &[u8]) -> u16 {
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

impl SubQ {
    /// Decodes 12 Q bytes. The CRC must match, or be zero (hosts that leave
    /// it to the drive); other frames are refused.
    pub fn decode(q: &[u8]) -> Option<SubQ> {
        if q.len() < 12 {
            return None;
        }
        let crc = u16::from_be_bytes([q[10], q[11]]);
        if crc != 0 && crc != q_crc(&q[..10]) {
            return None;
        }
        let tno = if q[1] == 0xAA { 0xAA } else { bcd(q[1]) };
        Some(SubQ {
            control: q[0] >> 4,
            adr: q[0] & 0x0F,
            tno,
            index: bcd(q[2]),
            relative: (bcd(q[3]), bcd(q[4]), bcd(q[5])),
            absolute: (bcd(q[7]), bcd(q[8]), bcd(q[9])),
        })
    }

    /// The 12 Q bytes with their CRC.
    pub fn encode(&self) -> [u8; 12] {
        let mut q = [0u8; 12];
        q[0] = (self.control << 4) | (self.adr & 0x0F);
        q[1] = if self.tno == 0xAA {
            0xAA
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
    pub fn to_raw_pw(&self) -> [u8; 96] {
        let q = self.encode();
        let mut out = [0u8; 96];
        for (i, o) in out.iter_mut().enumerate() {
            if q[i / 8] & (0x80 >> (i % 8)) != 0 {
                *o = 0x40;
            }
        }
        out
    }

    /// Gathers Q from 96 raw P–W bytes.
    pub fn from_raw_pw(sub: &[u8]) -> Option<SubQ> {
        if sub.len() < 96 {
            return None;
        }
        let mut q = [0u8; 12];
        for (i, &b) in sub[..96].iter().enumerate() {
            if b & 0x40 != 0 {
                q[i / 8] |= 0x80 >> (i % 8);
            }
        }
        SubQ::decode(&q)
    }

    /// The Q sub-channel of one raw frame written with page-05h data block
    /// type `data_block_type` (1: PQ, 3: raw P–W); other types carry none.
    pub fn from_frame(frame: &[u8], data_block_type: u8) -> Option<SubQ> {
        match data_block_type {
            1 if frame.len() >= 2368 => SubQ::decode(&frame[2352..2364]),
            3 if frame.len() >= 2448 => SubQ::from_raw_pw(&frame[2352..2448]),
            _ => None,
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
        assert_eq!(SubQ::decode(&q.encode()), Some(q));
        assert_eq!(SubQ::from_raw_pw(&q.to_raw_pw()), Some(q));
        let mut frame = vec![0u8; 2368];
        frame[2352..2364].copy_from_slice(&q.encode());
        assert_eq!(SubQ::from_frame(&frame, 1), Some(q));
        let mut bad = q.encode();
        bad[11] ^= 1;
        assert_eq!(SubQ::decode(&bad), None);
        let lead_out = SubQ { tno: 0xAA, ..q };
        assert_eq!(SubQ::decode(&lead_out.encode()).unwrap().tno, 0xAA);
    }

    #[test]
    fn crc_matches_a_known_value() {
        // CRC-16/CCITT (init 0) of "123456789" is 31C3h; stored inverted.
        assert_eq!(q_crc(b"123456789"), !0x31C3);
    }
}
