//! CD-TEXT packs: the 18-byte units of text the lead-in's R–W sub-channel
//! carries, as READ TOC/PMA/ATIP format 5 returns them (MMC-6 table 489;
//! the format is that of the Red Book annex on CD-TEXT).
//!
//! | bytes | field |
//! |---|---|
//! | 0 | pack type: 80h title, 81h performer, ... 8Fh size information |
//! | 1 | bit 7 extension flag, bits 6–0 track number (0: the disc) |
//! | 2 | sequence number |
//! | 3 | bit 7 double-byte characters, bits 6–4 block, bits 3–0 character position |
//! | 4–15 | text data |
//! | 16–17 | CRC-16 of bytes 0–15 (polynomial x¹⁶+x¹²+x⁵+1, initial 0, recorded inverted) |

use crate::crc::crc16;
use crate::error::{need, Result};

/// Bytes of one pack.
pub const PACK_SIZE: usize = 18;

/// One CD-TEXT pack (18 bytes; MMC-6 table 489, format in the Red Book annex).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CdTextPack {
    /// Pack type (80h title, 81h performer, ... 8Fh size information).
    pub pack_type: u8,
    /// Extension flag (byte 1 bit 7).
    pub extension: bool,
    /// Track number (byte 1 bits 6–0).
    pub track: u8,
    /// Sequence number.
    pub sequence: u8,
    /// DBCC: double-byte characters (byte 3 bit 7).
    pub dbcc: bool,
    /// Block number (byte 3 bits 6–4).
    pub block: u8,
    /// Character position (byte 3 bits 3–0).
    pub char_position: u8,
    /// Text data.
    pub text: [u8; 12],
    /// CRC as recorded (bytes 16–17).
    pub crc: u16,
}

impl CdTextPack {
    /// The pack in 18 bytes (the CRC as recorded, not checked).
    pub fn from_bytes(p: &[u8; PACK_SIZE]) -> CdTextPack {
        let mut text = [0u8; 12];
        text.copy_from_slice(&p[4..16]);
        CdTextPack {
            pack_type: p[0],
            extension: p[1] & 0x80 != 0,
            track: p[1] & 0x7F,
            sequence: p[2],
            dbcc: p[3] & 0x80 != 0,
            block: (p[3] >> 4) & 0x07,
            char_position: p[3] & 0x0F,
            text,
            crc: u16::from_be_bytes([p[16], p[17]]),
        }
    }

    /// Decodes the pack at the start of `b` (at least 18 bytes); the CRC is
    /// kept as recorded (see [`CdTextPack::crc_matches`]).
    pub fn decode(b: &[u8]) -> Result<CdTextPack> {
        need("CD-TEXT pack", b, PACK_SIZE)?;
        let mut p = [0u8; PACK_SIZE];
        p.copy_from_slice(&b[..PACK_SIZE]);
        Ok(CdTextPack::from_bytes(&p))
    }

    /// The 18 bytes, with the CRC as the pack holds it.
    pub fn encode(&self) -> [u8; PACK_SIZE] {
        let mut p = [0u8; PACK_SIZE];
        p[0] = self.pack_type;
        p[1] = (u8::from(self.extension) << 7) | (self.track & 0x7F);
        p[2] = self.sequence;
        p[3] =
            (u8::from(self.dbcc) << 7) | ((self.block & 0x07) << 4) | (self.char_position & 0x0F);
        p[4..16].copy_from_slice(&self.text);
        p[16..18].copy_from_slice(&self.crc.to_be_bytes());
        p
    }

    /// The CRC of the pack's first 16 bytes, as it should be recorded.
    pub fn computed_crc(&self) -> u16 {
        crc16(&self.encode()[..16])
    }

    /// True when the recorded CRC is that of the pack's bytes.
    pub fn crc_matches(&self) -> bool {
        self.crc == self.computed_crc()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A size-information pack (8Fh) of a 13-track disc, as a disc records
    /// it, CRC included.
    const SIZE_PACK: [u8; 18] = [
        0x8F, 0x00, 0x2B, 0x00, 0x01, 0x01, 0x0D, 0x03, 0x0C, 0x0C, 0x00, 0x00, 0x00, 0x00, 0x01,
        0x00, 0x7B, 0x3D,
    ];

    #[test]
    fn a_recorded_pack_decodes_and_its_crc_checks() {
        let p = CdTextPack::decode(&SIZE_PACK).unwrap();
        assert_eq!(p.pack_type, 0x8F);
        assert_eq!((p.extension, p.track, p.sequence), (false, 0, 0x2B));
        assert_eq!((p.dbcc, p.block, p.char_position), (false, 0, 0));
        assert_eq!(p.text[2], 13, "last track");
        assert_eq!(p.crc, 0x7B3D);
        assert!(p.crc_matches());
        assert_eq!(p.encode(), SIZE_PACK);
        let mut bad = SIZE_PACK;
        bad[5] ^= 1;
        assert!(!CdTextPack::decode(&bad).unwrap().crc_matches());
        assert!(CdTextPack::decode(&SIZE_PACK[..17]).is_err());
    }

    #[test]
    fn bit_fields_round_trip() {
        let p = CdTextPack {
            pack_type: 0x80,
            extension: true,
            track: 0x7F,
            sequence: 9,
            dbcc: true,
            block: 7,
            char_position: 15,
            text: *b"Hello world\0",
            crc: 0,
        };
        let p = CdTextPack {
            crc: p.computed_crc(),
            ..p
        };
        let b = p.encode();
        assert_eq!(b[1], 0xFF);
        assert_eq!(b[3], 0xFF);
        assert_eq!(CdTextPack::from_bytes(&b), p);
        assert!(p.crc_matches());
    }
}
