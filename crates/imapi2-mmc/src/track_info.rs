//! READ TRACK INFORMATION reply: the track information block (MMC-6 §6.27.3,
//! table 547; mmc-notes §1.2).
//!
//! The block is 48 bytes in MMC-6; older drives return 36 (MMC-3) or 40.
//! [`TrackInformation::decode`] needs the first 28 bytes (through the track
//! size) and reads missing later bytes as zero; [`TrackInformation::encode`]
//! always writes 48 bytes.

use crate::codec::{be16, be32, need, put16, put32, DecodeError};

/// A track mode: the 4-bit Q sub-channel control field of a CD track (also
/// reported, as 4–7, for DVD and BD tracks).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TrackMode {
    /// Audio (control bit 2 clear).
    Audio {
        /// Bit 3: four-channel audio.
        four_channel: bool,
        /// Bit 1: digital copy permitted.
        copy_permitted: bool,
        /// Bit 0: pre-emphasis.
        pre_emphasis: bool,
    },
    /// Data (control bit 2 set, bit 3 clear).
    Data {
        /// Bit 1: digital copy permitted.
        copy_permitted: bool,
        /// Bit 0: recorded incrementally (packet writing).
        incremental: bool,
    },
    /// Data with bit 3 set (1100b–1111b): reserved.
    Reserved(u8),
}

impl TrackMode {
    /// Uninterrupted data track (4h), what TAO/SAO data tracks use.
    pub const DATA: TrackMode = TrackMode::Data {
        copy_permitted: false,
        incremental: false,
    };
    /// Incrementally recorded data track (5h).
    pub const DATA_INCREMENTAL: TrackMode = TrackMode::Data {
        copy_permitted: false,
        incremental: true,
    };
    /// Two-channel audio without pre-emphasis (0h).
    pub const AUDIO: TrackMode = TrackMode::Audio {
        four_channel: false,
        copy_permitted: false,
        pre_emphasis: false,
    };

    /// From the low four bits of `b`.
    pub fn from_nibble(b: u8) -> TrackMode {
        let n = b & 0x0F;
        if n & 0x04 == 0 {
            TrackMode::Audio {
                four_channel: n & 0x08 != 0,
                copy_permitted: n & 0x02 != 0,
                pre_emphasis: n & 0x01 != 0,
            }
        } else if n & 0x08 == 0 {
            TrackMode::Data {
                copy_permitted: n & 0x02 != 0,
                incremental: n & 0x01 != 0,
            }
        } else {
            TrackMode::Reserved(n)
        }
    }

    /// The four-bit value.
    pub fn nibble(self) -> u8 {
        match self {
            TrackMode::Audio {
                four_channel,
                copy_permitted,
                pre_emphasis,
            } => {
                (u8::from(four_channel) << 3)
                    | (u8::from(copy_permitted) << 1)
                    | u8::from(pre_emphasis)
            }
            TrackMode::Data {
                copy_permitted,
                incremental,
            } => 0x04 | (u8::from(copy_permitted) << 1) | u8::from(incremental),
            TrackMode::Reserved(n) => (n & 0x0F) | 0x0C,
        }
    }

    /// True for data tracks.
    pub fn is_data(self) -> bool {
        !matches!(self, TrackMode::Audio { .. })
    }
}

/// Data mode of a track (byte 6 bits 3–0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DataMode {
    /// 1h: mode 1 (ISO/IEC 10149), and every DVD/BD track.
    Mode1,
    /// 2h: mode 2 (ISO/IEC 10149 or CD-ROM XA).
    Mode2,
    /// Fh: data block type unknown (no track descriptor block).
    Unknown,
    /// Any other value (reserved).
    Reserved(u8),
}

impl DataMode {
    /// From the low four bits of `b`.
    pub fn from_bits(b: u8) -> DataMode {
        match b & 0x0F {
            1 => DataMode::Mode1,
            2 => DataMode::Mode2,
            0x0F => DataMode::Unknown,
            other => DataMode::Reserved(other),
        }
    }

    /// The four-bit value.
    pub fn bits(self) -> u8 {
        match self {
            DataMode::Mode1 => 1,
            DataMode::Mode2 => 2,
            DataMode::Unknown => 0x0F,
            DataMode::Reserved(b) => b & 0x0F,
        }
    }
}

/// The track information block.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TrackInformation {
    /// Logical track number (bytes 2 and 32).
    pub track_number: u16,
    /// Session number (bytes 3 and 33).
    pub session_number: u16,
    /// LJRS: layer jump recording status (byte 5 bits 7–6).
    pub ljrs: u8,
    /// Damage (byte 5 bit 5).
    pub damage: bool,
    /// Copy (byte 5 bit 4).
    pub copy: bool,
    /// Track mode (byte 5 bits 3–0).
    pub track_mode: TrackMode,
    /// RT: reserved track (byte 6 bit 7).
    pub rt: bool,
    /// Blank (byte 6 bit 6).
    pub blank: bool,
    /// Packet/Inc: packet or incremental recording (byte 6 bit 5).
    pub packet: bool,
    /// FP: fixed packets (byte 6 bit 4).
    pub fp: bool,
    /// Data mode (byte 6 bits 3–0).
    pub data_mode: DataMode,
    /// LRA_V: `last_recorded_address` is valid (byte 7 bit 1).
    pub lra_valid: bool,
    /// NWA_V: `next_writable_address` is valid (byte 7 bit 0).
    pub nwa_valid: bool,
    /// Logical track start address (bytes 8–11).
    pub start: i32,
    /// Next writable address (bytes 12–15); some drives report −150 on blank CD.
    pub next_writable_address: i32,
    /// Free blocks (bytes 16–19).
    pub free_blocks: u32,
    /// Fixed packet size or blocking factor (bytes 20–23).
    pub fixed_packet_size: u32,
    /// Logical track size (bytes 24–27).
    pub size: u32,
    /// Last recorded address (bytes 28–31).
    pub last_recorded_address: i32,
    /// Read compatibility LBA (bytes 36–39).
    pub read_compatibility_lba: u32,
    /// Next layer jump address (bytes 40–43).
    pub next_layer_jump_address: u32,
    /// Last layer jump address (bytes 44–47).
    pub last_layer_jump_address: u32,
}

/// Length of the MMC-6 track information block.
pub const TRACK_INFORMATION_LEN: usize = 48;

impl TrackInformation {
    /// An empty block for a track: mode 1 data, everything else zero.
    pub fn new(track_number: u16, session_number: u16) -> TrackInformation {
        TrackInformation {
            track_number,
            session_number,
            ljrs: 0,
            damage: false,
            copy: false,
            track_mode: TrackMode::DATA,
            rt: false,
            blank: false,
            packet: false,
            fp: false,
            data_mode: DataMode::Mode1,
            lra_valid: false,
            nwa_valid: false,
            start: 0,
            next_writable_address: 0,
            free_blocks: 0,
            fixed_packet_size: 0,
            size: 0,
            last_recorded_address: 0,
            read_compatibility_lba: 0,
            next_layer_jump_address: 0,
            last_layer_jump_address: 0,
        }
    }

    /// The next writable address when NWA_V is set.
    pub fn nwa(&self) -> Option<i32> {
        self.nwa_valid.then_some(self.next_writable_address)
    }

    /// The last recorded address when LRA_V is set.
    pub fn lra(&self) -> Option<i32> {
        self.lra_valid.then_some(self.last_recorded_address)
    }

    /// Decodes the block; at least 28 bytes, the data length bounds what is read.
    pub fn decode(bytes: &[u8]) -> Result<TrackInformation, DecodeError> {
        const S: &str = "track information block";
        need(S, bytes, 28)?;
        let end = bytes.len().min(be16(bytes, 0) as usize + 2).max(28);
        let mut b = [0u8; TRACK_INFORMATION_LEN];
        let n = end.min(TRACK_INFORMATION_LEN);
        b[..n].copy_from_slice(&bytes[..n]);
        Ok(TrackInformation {
            track_number: u16::from_be_bytes([b[32], b[2]]),
            session_number: u16::from_be_bytes([b[33], b[3]]),
            ljrs: b[5] >> 6,
            damage: b[5] & 0x20 != 0,
            copy: b[5] & 0x10 != 0,
            track_mode: TrackMode::from_nibble(b[5]),
            rt: b[6] & 0x80 != 0,
            blank: b[6] & 0x40 != 0,
            packet: b[6] & 0x20 != 0,
            fp: b[6] & 0x10 != 0,
            data_mode: DataMode::from_bits(b[6]),
            lra_valid: b[7] & 0x02 != 0,
            nwa_valid: b[7] & 0x01 != 0,
            start: be32(&b, 8) as i32,
            next_writable_address: be32(&b, 12) as i32,
            free_blocks: be32(&b, 16),
            fixed_packet_size: be32(&b, 20),
            size: be32(&b, 24),
            last_recorded_address: be32(&b, 28) as i32,
            read_compatibility_lba: be32(&b, 36),
            next_layer_jump_address: be32(&b, 40),
            last_layer_jump_address: be32(&b, 44),
        })
    }

    /// The 48-byte block.
    pub fn encode(&self) -> Vec<u8> {
        let mut b = vec![0u8; TRACK_INFORMATION_LEN];
        put16(&mut b, 0, (TRACK_INFORMATION_LEN - 2) as u16);
        let [t_msb, t_lsb] = self.track_number.to_be_bytes();
        let [s_msb, s_lsb] = self.session_number.to_be_bytes();
        b[2] = t_lsb;
        b[3] = s_lsb;
        b[32] = t_msb;
        b[33] = s_msb;
        b[5] = ((self.ljrs & 0x03) << 6)
            | (u8::from(self.damage) << 5)
            | (u8::from(self.copy) << 4)
            | self.track_mode.nibble();
        b[6] = (u8::from(self.rt) << 7)
            | (u8::from(self.blank) << 6)
            | (u8::from(self.packet) << 5)
            | (u8::from(self.fp) << 4)
            | self.data_mode.bits();
        b[7] = (u8::from(self.lra_valid) << 1) | u8::from(self.nwa_valid);
        put32(&mut b, 8, self.start as u32);
        put32(&mut b, 12, self.next_writable_address as u32);
        put32(&mut b, 16, self.free_blocks);
        put32(&mut b, 20, self.fixed_packet_size);
        put32(&mut b, 24, self.size);
        put32(&mut b, 28, self.last_recorded_address as u32);
        put32(&mut b, 36, self.read_compatibility_lba);
        put32(&mut b, 40, self.next_layer_jump_address);
        put32(&mut b, 44, self.last_layer_jump_address);
        b
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn track_modes_cover_every_nibble() {
        for n in 0..16u8 {
            assert_eq!(TrackMode::from_nibble(n).nibble(), n);
        }
        assert_eq!(TrackMode::DATA.nibble(), 4);
        assert_eq!(TrackMode::DATA_INCREMENTAL.nibble(), 5);
        assert!(!TrackMode::AUDIO.is_data());
    }

    #[test]
    fn short_mmc3_block_reads_zero_tail() {
        let mut t = TrackInformation::new(0x0102, 3);
        t.read_compatibility_lba = 77;
        let full = t.encode();
        // An MMC-3 drive: 36 bytes, data length 34.
        let mut short = full[..36].to_vec();
        short[1] = 34;
        let back = TrackInformation::decode(&short).unwrap();
        assert_eq!(back.track_number, 0x0102);
        assert_eq!(back.read_compatibility_lba, 0);
        assert!(TrackInformation::decode(&full[..27]).is_err());
    }
}
