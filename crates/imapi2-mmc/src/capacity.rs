//! READ CAPACITY (MMC-6 §6.23.3), READ BUFFER CAPACITY (MMC-6 §6.25.3) and
//! MECHANISM STATUS (MMC-6 §6.11.3) replies.

use crate::codec::{be16, be24, be32, need, put16, put24, put32, DecodeError};

/// READ CAPACITY data: the last readable LBA and the block length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Capacity {
    /// Last logical block address (bytes 0–3).
    pub last_lba: u32,
    /// Block length in bytes (bytes 4–7; 2048 for data media).
    pub block_length: u32,
}

impl Capacity {
    /// Number of blocks (last LBA + 1).
    pub fn blocks(&self) -> u64 {
        u64::from(self.last_lba) + 1
    }

    /// Decodes the 8-byte reply.
    pub fn decode(bytes: &[u8]) -> Result<Capacity, DecodeError> {
        need("READ CAPACITY data", bytes, 8)?;
        Ok(Capacity {
            last_lba: be32(bytes, 0),
            block_length: be32(bytes, 4),
        })
    }

    /// Encodes the 8-byte reply.
    pub fn encode(&self) -> Vec<u8> {
        let mut b = vec![0u8; 8];
        put32(&mut b, 0, self.last_lba);
        put32(&mut b, 4, self.block_length);
        b
    }
}

/// READ BUFFER CAPACITY data, in the form the CDB's Block bit asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BufferCapacity {
    /// Block = 0 (MMC-6 table 531): sizes in bytes.
    Bytes {
        /// Length of the buffer (bytes 4–7).
        length: u32,
        /// Unused (blank) bytes in the buffer (bytes 8–11).
        available: u32,
    },
    /// Block = 1 (MMC-6 table 532): free space in blocks.
    Blocks {
        /// Available buffer length in blocks (bytes 8–11).
        available: u32,
    },
}

/// Length of the READ BUFFER CAPACITY reply.
pub const BUFFER_CAPACITY_LEN: usize = 12;

impl BufferCapacity {
    /// Decodes the 12-byte reply; `block` is the CDB's Block bit.
    pub fn decode(bytes: &[u8], block: bool) -> Result<BufferCapacity, DecodeError> {
        need("buffer capacity", bytes, BUFFER_CAPACITY_LEN)?;
        Ok(if block {
            BufferCapacity::Blocks {
                available: be32(bytes, 8),
            }
        } else {
            BufferCapacity::Bytes {
                length: be32(bytes, 4),
                available: be32(bytes, 8),
            }
        })
    }

    /// Encodes the reply (data length 0Ah; byte 3 bit 0 repeats Block).
    pub fn encode(&self) -> Vec<u8> {
        let mut b = vec![0u8; BUFFER_CAPACITY_LEN];
        put16(&mut b, 0, (BUFFER_CAPACITY_LEN - 2) as u16);
        match *self {
            BufferCapacity::Bytes { length, available } => {
                put32(&mut b, 4, length);
                put32(&mut b, 8, available);
            }
            BufferCapacity::Blocks { available } => {
                b[3] = 0x01;
                put32(&mut b, 8, available);
            }
        }
        b
    }
}

/// One slot table entry of MECHANISM STATUS (MMC-6 table 198).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SlotEntry {
    /// Disc present (byte 0 bit 7).
    pub disc_present: bool,
    /// Change (byte 0 bit 0): the slot changed since last reported.
    pub change: bool,
    /// CWP_V (byte 1 bit 1).
    pub cwp_valid: bool,
    /// CWP: cartridge write protected (byte 1 bit 0).
    pub cwp: bool,
}

/// MECHANISM STATUS data (MMC-6 table 196).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MechanismStatus {
    /// Fault (byte 0 bit 7).
    pub fault: bool,
    /// Changer state (byte 0 bits 6–5): 0 ready, 1 loading, 2 unloading, 3 initializing.
    pub changer_state: u8,
    /// Current slot (byte 0 bits 4–0 low, byte 1 bits 2–0 high).
    pub current_slot: u8,
    /// Mechanism state (byte 1 bits 7–5): 0 idle, 1 playing, 2 scanning,
    /// 3 active host other, 7 no state information.
    pub mechanism_state: u8,
    /// Door open (byte 1 bit 4).
    pub door_open: bool,
    /// Current LBA (bytes 2–4, obsolete).
    pub current_lba: u32,
    /// Number of slots available (byte 5).
    pub slots_available: u8,
    /// Slot table (length in bytes 6–7).
    pub slots: Vec<SlotEntry>,
}

impl MechanismStatus {
    /// Decodes the reply: the 8-byte header and whole slot entries within the
    /// slot table length.
    pub fn decode(bytes: &[u8]) -> Result<MechanismStatus, DecodeError> {
        need("mechanism status", bytes, 8)?;
        let end = bytes.len().min(8 + be16(bytes, 6) as usize);
        let slots = bytes[8..end]
            .chunks_exact(4)
            .map(|e| SlotEntry {
                disc_present: e[0] & 0x80 != 0,
                change: e[0] & 0x01 != 0,
                cwp_valid: e[1] & 0x02 != 0,
                cwp: e[1] & 0x01 != 0,
            })
            .collect();
        Ok(MechanismStatus {
            fault: bytes[0] & 0x80 != 0,
            changer_state: (bytes[0] >> 5) & 0x03,
            current_slot: ((bytes[1] & 0x07) << 5) | (bytes[0] & 0x1F),
            mechanism_state: bytes[1] >> 5,
            door_open: bytes[1] & 0x10 != 0,
            current_lba: be24(bytes, 2),
            slots_available: bytes[5],
            slots,
        })
    }

    /// Encodes the reply.
    pub fn encode(&self) -> Vec<u8> {
        let slots = &self.slots[..self.slots.len().min(0xFFFF / 4)];
        let mut b = vec![0u8; 8];
        b[0] = (u8::from(self.fault) << 7)
            | ((self.changer_state & 0x03) << 5)
            | (self.current_slot & 0x1F);
        b[1] = ((self.mechanism_state & 0x07) << 5)
            | (u8::from(self.door_open) << 4)
            | (self.current_slot >> 5);
        put24(&mut b, 2, self.current_lba);
        b[5] = self.slots_available;
        put16(&mut b, 6, (slots.len() * 4) as u16);
        for s in slots {
            b.extend_from_slice(&[
                (u8::from(s.disc_present) << 7) | u8::from(s.change),
                (u8::from(s.cwp_valid) << 1) | u8::from(s.cwp),
                0,
                0,
            ]);
        }
        b
    }
}
