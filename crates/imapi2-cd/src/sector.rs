//! CD sectors: the 2352 bytes of one sector's main channel, how data
//! sectors lay them out (ECMA-130 §14), and the 96 sub-channel bytes that
//! go with them (ECMA-130 §22).
//!
//! | kind | layout of the 2352 bytes | user data |
//! |---|---|---|
//! | audio (Red Book, IEC 60908) | 588 stereo 16-bit samples | 2352 bytes at 0 |
//! | mode 1 (ECMA-130 §14) | sync 12, header 4, user data 2048, EDC 4, zero 8, ECC 276 | 2048 bytes at 16 |
//! | mode 2 formless (ECMA-130 §14) | sync 12, header 4, user data 2336 | 2336 bytes at 16 |
//! | mode 2 form 1 (CD-ROM XA) | sync 12, header 4, sub-header 8, user data 2048, EDC 4, ECC 276 | 2048 bytes at 24 |
//! | mode 2 form 2 (CD-ROM XA) | sync 12, header 4, sub-header 8, user data 2324, EDC 4 | 2324 bytes at 24 |

use crate::error::{need, Result};
use crate::msf::{absolute_time, Msf};

/// Bytes of one sector's main channel: 98 frames of 24 bytes.
pub const SECTOR_SIZE: usize = 2352;

/// Bytes of the sync pattern that opens a data sector.
pub const SYNC_SIZE: usize = 12;

/// Bytes of the header after the sync pattern.
pub const HEADER_SIZE: usize = 4;

/// Bytes of sync pattern and header together: where mode 1 user data starts.
pub const SYNC_HEADER_SIZE: usize = SYNC_SIZE + HEADER_SIZE;

/// Bytes of the CD-ROM XA sub-header of a mode 2 sector (4 bytes, twice).
pub const SUBHEADER_SIZE: usize = 8;

/// User data of a mode 1 sector.
pub const MODE1_DATA_SIZE: usize = 2048;

/// User data of a mode 2 formless sector: everything after the header.
pub const MODE2_DATA_SIZE: usize = SECTOR_SIZE - SYNC_HEADER_SIZE;

/// Bytes of a mode 2 sector after its sub-header (form 1: user data, EDC,
/// ECC; form 2: user data, EDC).
pub const XA_PAYLOAD_SIZE: usize = MODE2_DATA_SIZE - SUBHEADER_SIZE;

/// User data of a mode 2 form 1 sector.
pub const FORM1_DATA_SIZE: usize = 2048;

/// User data of a mode 2 form 2 sector.
pub const FORM2_DATA_SIZE: usize = 2324;

/// Bytes of sub-channel per sector: one byte (bits P–W) per symbol.
pub const SUBCHANNEL_SIZE: usize = 96;

/// The sync pattern of a data sector (ECMA-130 §14.1): 00h, ten FFh, 00h.
pub const SYNC: [u8; SYNC_SIZE] = [
    0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00,
];

/// What a sector holds and how its 2352 bytes are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SectorKind {
    /// CD-DA audio: no sync, no header.
    Audio,
    /// Mode 1 data.
    Mode1,
    /// Mode 2 without forms.
    Mode2,
    /// CD-ROM XA mode 2 form 1 (error-corrected data).
    Mode2Form1,
    /// CD-ROM XA mode 2 form 2 (data with an EDC only).
    Mode2Form2,
}

impl SectorKind {
    /// Bytes of user data in the sector.
    pub fn user_data_size(self) -> usize {
        match self {
            SectorKind::Audio => SECTOR_SIZE,
            SectorKind::Mode1 => MODE1_DATA_SIZE,
            SectorKind::Mode2 => MODE2_DATA_SIZE,
            SectorKind::Mode2Form1 => FORM1_DATA_SIZE,
            SectorKind::Mode2Form2 => FORM2_DATA_SIZE,
        }
    }

    /// Where the user data starts in the 2352 bytes.
    pub fn user_data_offset(self) -> usize {
        match self {
            SectorKind::Audio => 0,
            SectorKind::Mode1 | SectorKind::Mode2 => SYNC_HEADER_SIZE,
            SectorKind::Mode2Form1 | SectorKind::Mode2Form2 => SYNC_HEADER_SIZE + SUBHEADER_SIZE,
        }
    }

    /// The mode byte of the header, `None` for audio (no header).
    pub fn mode(self) -> Option<u8> {
        match self {
            SectorKind::Audio => None,
            SectorKind::Mode1 => Some(1),
            SectorKind::Mode2 | SectorKind::Mode2Form1 | SectorKind::Mode2Form2 => Some(2),
        }
    }
}

/// The 4-byte header of a data sector (ECMA-130 §14.2): the sector's
/// absolute time in BCD, then the mode byte (00h mode 0, 01h mode 1, 02h
/// mode 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Header {
    /// Absolute time of the sector.
    pub address: Msf,
    /// Sector mode.
    pub mode: u8,
}

impl Header {
    /// The header of the sector at `lba` in `mode` (its address is the
    /// program-area time of [`absolute_time`]).
    pub fn for_lba(lba: i64, mode: u8) -> Header {
        Header {
            address: absolute_time(lba),
            mode,
        }
    }

    /// The four header bytes.
    pub fn encode(&self) -> [u8; HEADER_SIZE] {
        let [m, s, f] = self.address.to_bcd();
        [m, s, f, self.mode]
    }

    /// Decodes the four header bytes (the address must be BCD).
    pub fn decode(b: &[u8]) -> Result<Header> {
        need("sector header", b, HEADER_SIZE)?;
        Ok(Header {
            address: Msf::decode_bcd("sector header", &b[..3])?,
            mode: b[3],
        })
    }
}

/// The 2048 bytes of mode 1 or mode 2 form 1 user data in a frame as a host
/// sends it, by its length: a whole sector (2352 bytes, or more with
/// sub-channel after it) has them at byte 16, or at byte 24 when its header
/// says mode 2; a mode 2 sector without sync and header (2336, 2332 or 2056
/// bytes: the sub-header first) at byte 8; any other frame (2048 bytes of
/// user data, 2324 of form 2) starts with them.
pub fn user_data(frame: &[u8]) -> Result<&[u8]> {
    let start = match frame.len() {
        n if n >= SECTOR_SIZE => {
            if frame[SYNC_SIZE + 3] == 2 {
                SYNC_HEADER_SIZE + SUBHEADER_SIZE
            } else {
                SYNC_HEADER_SIZE
            }
        }
        2336 | 2056 | 2332 => SUBHEADER_SIZE,
        _ => 0,
    };
    need("sector", frame, start + MODE1_DATA_SIZE)?;
    Ok(&frame[start..start + MODE1_DATA_SIZE])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;

    #[test]
    fn sizes_add_up() {
        assert_eq!(SYNC_HEADER_SIZE, 16);
        assert_eq!(MODE2_DATA_SIZE, 2336);
        assert_eq!(XA_PAYLOAD_SIZE, 2328);
        // Mode 1: user data, EDC 4, zero 8, ECC 276.
        assert_eq!(
            SYNC_HEADER_SIZE + MODE1_DATA_SIZE + 4 + 8 + 276,
            SECTOR_SIZE
        );
        // Form 1: user data, EDC, ECC; form 2: user data, EDC.
        assert_eq!(FORM1_DATA_SIZE + 4 + 276, XA_PAYLOAD_SIZE);
        assert_eq!(FORM2_DATA_SIZE + 4, XA_PAYLOAD_SIZE);
        for kind in [
            SectorKind::Audio,
            SectorKind::Mode1,
            SectorKind::Mode2,
            SectorKind::Mode2Form1,
            SectorKind::Mode2Form2,
        ] {
            assert!(kind.user_data_offset() + kind.user_data_size() <= SECTOR_SIZE);
        }
        assert_eq!(SectorKind::Mode2Form2.user_data_offset(), 24);
        assert_eq!(SectorKind::Audio.mode(), None);
        assert_eq!(SectorKind::Mode2Form1.mode(), Some(2));
    }

    #[test]
    fn headers_encode_bcd_times() {
        // LBA 0 is 00:02:00.
        assert_eq!(Header::for_lba(0, 1).encode(), [0x00, 0x02, 0x00, 0x01]);
        // LBA 359 849 is 79:59:74, the last frame of an 80-minute disc.
        assert_eq!(
            Header::for_lba(359_849, 2).encode(),
            [0x79, 0x59, 0x74, 0x02]
        );
        let h = Header::for_lba(123_456, 1);
        assert_eq!(Header::decode(&h.encode()), Ok(h));
        assert_eq!(
            Header::decode(&[0x00, 0x0A, 0x00, 1]),
            Err(Error::NotBcd {
                structure: "sector header",
                byte: 0x0A
            })
        );
        assert!(Header::decode(&[0, 2, 0]).is_err());
        assert_eq!(SYNC[0], 0);
        assert_eq!(SYNC[11], 0);
        assert!(SYNC[1..11].iter().all(|&b| b == 0xFF));
    }

    #[test]
    fn user_data_by_frame_length() {
        let mut mode1 = vec![0u8; 2352];
        mode1[15] = 1;
        mode1[16] = 0xAB;
        assert_eq!(user_data(&mode1).unwrap()[0], 0xAB);
        let mut form1 = vec![0u8; 2448];
        form1[15] = 2;
        form1[24] = 0xCD;
        assert_eq!(user_data(&form1).unwrap()[0], 0xCD);
        assert_eq!(user_data(&form1).unwrap().len(), 2048);
        for n in [2336, 2056, 2332] {
            let mut f = vec![0u8; n];
            f[8] = 0xEF;
            assert_eq!(user_data(&f).unwrap()[0], 0xEF);
        }
        for n in [2048, 2324, 2144] {
            let mut f = vec![0u8; n];
            f[0] = 0x12;
            assert_eq!(user_data(&f).unwrap()[0], 0x12);
        }
        assert_eq!(
            user_data(&[0u8; 100]),
            Err(Error::Short {
                structure: "sector",
                needed: 2048,
                got: 100
            })
        );
    }
}
