//! READ DISC INFORMATION reply, standard disc information (data type 000b;
//! MMC-6 §6.22.3.1, table 523; mmc-notes §1.2).

use crate::codec::{be16, be32, need, put16, put32, DecodeError};

/// Disc status (byte 2 bits 1–0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DiscStatus {
    /// 00b: empty (blank).
    Empty,
    /// 01b: incomplete (appendable).
    Incomplete,
    /// 10b: complete (finalized).
    Complete,
    /// 11b: others (random-access media such as DVD-RAM, BD-RE).
    Others,
}

impl DiscStatus {
    /// From the low two bits of `b`.
    pub fn from_bits(b: u8) -> DiscStatus {
        match b & 0x03 {
            0 => DiscStatus::Empty,
            1 => DiscStatus::Incomplete,
            2 => DiscStatus::Complete,
            _ => DiscStatus::Others,
        }
    }

    /// The two-bit value.
    pub fn bits(self) -> u8 {
        match self {
            DiscStatus::Empty => 0,
            DiscStatus::Incomplete => 1,
            DiscStatus::Complete => 2,
            DiscStatus::Others => 3,
        }
    }
}

/// State of the last session (byte 2 bits 3–2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SessionState {
    /// 00b: empty.
    Empty,
    /// 01b: incomplete.
    Incomplete,
    /// 10b: reserved or damaged.
    Damaged,
    /// 11b: complete.
    Complete,
}

impl SessionState {
    /// From the low two bits of `b`.
    pub fn from_bits(b: u8) -> SessionState {
        match b & 0x03 {
            0 => SessionState::Empty,
            1 => SessionState::Incomplete,
            2 => SessionState::Damaged,
            _ => SessionState::Complete,
        }
    }

    /// The two-bit value.
    pub fn bits(self) -> u8 {
        match self {
            SessionState::Empty => 0,
            SessionState::Incomplete => 1,
            SessionState::Damaged => 2,
            SessionState::Complete => 3,
        }
    }
}

/// Background format status (byte 7 bits 1–0; DVD+RW, BD-RE, MRW).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BgFormatStatus {
    /// 00b: not formatted, or not a background-formatting medium.
    None,
    /// 01b: background format started but neither running nor complete.
    Suspended,
    /// 10b: background format in progress.
    InProgress,
    /// 11b: background format complete.
    Complete,
}

impl BgFormatStatus {
    /// From the low two bits of `b`.
    pub fn from_bits(b: u8) -> BgFormatStatus {
        match b & 0x03 {
            0 => BgFormatStatus::None,
            1 => BgFormatStatus::Suspended,
            2 => BgFormatStatus::InProgress,
            _ => BgFormatStatus::Complete,
        }
    }

    /// The two-bit value.
    pub fn bits(self) -> u8 {
        match self {
            BgFormatStatus::None => 0,
            BgFormatStatus::Suspended => 1,
            BgFormatStatus::InProgress => 2,
            BgFormatStatus::Complete => 3,
        }
    }
}

/// Disc type (byte 8): the CD session format of the first session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DiscType {
    /// 00h: CD-DA or CD-ROM (also every non-CD medium).
    CdDaOrCdRom,
    /// 10h: CD-I.
    CdI,
    /// 20h: CD-ROM XA.
    CdRomXa,
    /// FFh: undefined.
    Undefined,
    /// Any other value (reserved).
    Other(u8),
}

impl DiscType {
    /// From the byte.
    pub fn from_u8(b: u8) -> DiscType {
        match b {
            0x00 => DiscType::CdDaOrCdRom,
            0x10 => DiscType::CdI,
            0x20 => DiscType::CdRomXa,
            0xFF => DiscType::Undefined,
            other => DiscType::Other(other),
        }
    }

    /// The byte.
    pub fn to_u8(self) -> u8 {
        match self {
            DiscType::CdDaOrCdRom => 0x00,
            DiscType::CdI => 0x10,
            DiscType::CdRomXa => 0x20,
            DiscType::Undefined => 0xFF,
            DiscType::Other(b) => b,
        }
    }
}

/// One OPC table entry (8 bytes from byte 34 on).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct OpcEntry {
    /// Speed in kB/s.
    pub speed: u16,
    /// OPC values.
    pub values: [u8; 6],
}

/// Standard disc information.
///
/// Addresses in bytes 16–23 are MSF (`00 MM SS FF`) on CD and LBAs
/// otherwise; they are kept as the raw 32-bit field.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DiscInformation {
    /// Erasable (byte 2 bit 4).
    pub erasable: bool,
    /// State of the last session.
    pub last_session_state: SessionState,
    /// Disc status.
    pub disc_status: DiscStatus,
    /// Number of the first track on the disc (byte 3).
    pub first_track: u8,
    /// Number of sessions (bytes 4 and 9).
    pub sessions: u16,
    /// First track number in the last session (bytes 5 and 10).
    pub first_track_last_session: u16,
    /// Last track number in the last session (bytes 6 and 11): on an
    /// appendable disc, the invisible/incomplete track.
    pub last_track_last_session: u16,
    /// DID_V: `disc_id` is valid.
    pub did_v: bool,
    /// DBC_V: `bar_code` is valid.
    pub dbc_v: bool,
    /// URU: unrestricted use.
    pub uru: bool,
    /// DAC_V: `application_code` is valid.
    pub dac_v: bool,
    /// Dbit (byte 7 bit 2): MRW dirty bit.
    pub dbit: bool,
    /// Background format status.
    pub bg_format_status: BgFormatStatus,
    /// Disc type.
    pub disc_type: DiscType,
    /// Disc identification (bytes 12–15).
    pub disc_id: u32,
    /// Last session lead-in start address (bytes 16–19).
    pub last_session_lead_in: u32,
    /// Last possible lead-out start address (bytes 20–23).
    pub last_possible_lead_out: u32,
    /// Disc bar code (bytes 24–31).
    pub bar_code: [u8; 8],
    /// Disc application code (byte 32).
    pub application_code: u8,
    /// OPC tables (count in byte 33).
    pub opc_tables: Vec<OpcEntry>,
}

/// Length of standard disc information without OPC tables.
pub const DISC_INFORMATION_LEN: usize = 34;

impl DiscInformation {
    /// A blank disc with no sessions recorded yet (one empty session, track 1).
    pub fn blank() -> DiscInformation {
        DiscInformation {
            erasable: false,
            last_session_state: SessionState::Empty,
            disc_status: DiscStatus::Empty,
            first_track: 1,
            sessions: 1,
            first_track_last_session: 1,
            last_track_last_session: 1,
            did_v: false,
            dbc_v: false,
            uru: true,
            dac_v: false,
            dbit: false,
            bg_format_status: BgFormatStatus::None,
            disc_type: DiscType::CdDaOrCdRom,
            disc_id: 0,
            last_session_lead_in: 0,
            last_possible_lead_out: 0,
            bar_code: [0; 8],
            application_code: 0,
            opc_tables: Vec::new(),
        }
    }

    /// Decodes standard disc information: needs 32 bytes (through the bar
    /// code); a missing application code / OPC count read as zero; whole OPC
    /// entries within the data length are kept.
    pub fn decode(bytes: &[u8]) -> Result<DiscInformation, DecodeError> {
        const S: &str = "disc information";
        need(S, bytes, 32)?;
        let end = bytes.len().min(be16(bytes, 0) as usize + 2).max(32);
        let mut b = [0u8; DISC_INFORMATION_LEN];
        let n = end.min(DISC_INFORMATION_LEN);
        b[..n].copy_from_slice(&bytes[..n]);
        let count = b[33] as usize;
        let opc_tables = bytes[..end]
            .get(DISC_INFORMATION_LEN..)
            .unwrap_or(&[])
            .chunks_exact(8)
            .take(count)
            .map(|e| OpcEntry {
                speed: be16(e, 0),
                values: [e[2], e[3], e[4], e[5], e[6], e[7]],
            })
            .collect();
        let mut bar_code = [0u8; 8];
        bar_code.copy_from_slice(&b[24..32]);
        Ok(DiscInformation {
            erasable: b[2] & 0x10 != 0,
            last_session_state: SessionState::from_bits(b[2] >> 2),
            disc_status: DiscStatus::from_bits(b[2]),
            first_track: b[3],
            sessions: u16::from_be_bytes([b[9], b[4]]),
            first_track_last_session: u16::from_be_bytes([b[10], b[5]]),
            last_track_last_session: u16::from_be_bytes([b[11], b[6]]),
            did_v: b[7] & 0x80 != 0,
            dbc_v: b[7] & 0x40 != 0,
            uru: b[7] & 0x20 != 0,
            dac_v: b[7] & 0x10 != 0,
            dbit: b[7] & 0x04 != 0,
            bg_format_status: BgFormatStatus::from_bits(b[7]),
            disc_type: DiscType::from_u8(b[8]),
            disc_id: be32(&b, 12),
            last_session_lead_in: be32(&b, 16),
            last_possible_lead_out: be32(&b, 20),
            bar_code,
            application_code: b[32],
            opc_tables,
        })
    }

    /// The reply: 34 bytes plus 8 per OPC entry (at most 255 entries).
    pub fn encode(&self) -> Vec<u8> {
        let opc = &self.opc_tables[..self.opc_tables.len().min(255)];
        let mut b = vec![0u8; DISC_INFORMATION_LEN];
        put16(&mut b, 0, (DISC_INFORMATION_LEN - 2 + 8 * opc.len()) as u16);
        b[2] = (u8::from(self.erasable) << 4)
            | (self.last_session_state.bits() << 2)
            | self.disc_status.bits();
        b[3] = self.first_track;
        let [s_msb, s_lsb] = self.sessions.to_be_bytes();
        let [f_msb, f_lsb] = self.first_track_last_session.to_be_bytes();
        let [l_msb, l_lsb] = self.last_track_last_session.to_be_bytes();
        b[4] = s_lsb;
        b[5] = f_lsb;
        b[6] = l_lsb;
        b[9] = s_msb;
        b[10] = f_msb;
        b[11] = l_msb;
        b[7] = (u8::from(self.did_v) << 7)
            | (u8::from(self.dbc_v) << 6)
            | (u8::from(self.uru) << 5)
            | (u8::from(self.dac_v) << 4)
            | (u8::from(self.dbit) << 2)
            | self.bg_format_status.bits();
        b[8] = self.disc_type.to_u8();
        put32(&mut b, 12, self.disc_id);
        put32(&mut b, 16, self.last_session_lead_in);
        put32(&mut b, 20, self.last_possible_lead_out);
        b[24..32].copy_from_slice(&self.bar_code);
        b[32] = self.application_code;
        b[33] = opc.len() as u8;
        for e in opc {
            b.extend_from_slice(&e.speed.to_be_bytes());
            b.extend_from_slice(&e.values);
        }
        b
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opc_entries_past_the_data_length_are_ignored() {
        let mut d = DiscInformation::blank();
        d.opc_tables = vec![
            OpcEntry {
                speed: 1385,
                values: [1, 2, 3, 4, 5, 6]
            };
            2
        ];
        let mut b = d.encode();
        // Data length claims only one entry.
        b[1] -= 8;
        let back = DiscInformation::decode(&b).unwrap();
        assert_eq!(back.opc_tables.len(), 1);
        assert!(DiscInformation::decode(&b[..31]).is_err());
    }
}
