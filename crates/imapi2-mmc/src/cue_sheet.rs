//! SEND CUE SHEET parameter data: 8-byte cue sheet entries for session at
//! once recording (MMC-6 §6.33.3, tables 573–581).

use imapi2_cd::msf::Msf;

use crate::codec::DecodeError;

/// Data form of a cue sheet entry (byte 3): sub-channel form in bits 7–6,
/// main data form in bits 5–0 (MMC-6 tables 575–580).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DataForm(pub u8);

impl DataForm {
    /// 00h: CD-DA, 2352 bytes of audio per block from the host.
    pub const CD_DA: DataForm = DataForm(0x00);
    /// 01h: CD-DA, no data from the host (the drive writes zeros).
    pub const CD_DA_NO_DATA: DataForm = DataForm(0x01);
    /// 10h: CD-ROM mode 1, 2048 bytes of user data from the host.
    pub const MODE1: DataForm = DataForm(0x10);
    /// 11h: CD-ROM mode 1, 2352 bytes (raw) from the host.
    pub const MODE1_RAW: DataForm = DataForm(0x11);
    /// 14h: CD-ROM mode 1, no data from the host (pre-gap / post-gap).
    pub const MODE1_NO_DATA: DataForm = DataForm(0x14);
    /// 20h: CD-ROM XA mode 2 form 1, 2048 bytes.
    pub const MODE2_FORM1: DataForm = DataForm(0x20);
    /// 24h: CD-ROM XA mode 2 form 2, 2324 bytes.
    pub const MODE2_FORM2: DataForm = DataForm(0x24);
    /// 30h: CD-ROM mode 2 formless, 2336 bytes.
    pub const MODE2: DataForm = DataForm(0x30);

    /// Main data form (bits 5–0).
    pub fn main(self) -> u8 {
        self.0 & 0x3F
    }

    /// Sub-channel data form (bits 7–6): 0 none, 1 raw P–W (96 bytes), 3 packed R–W.
    pub fn sub_channel(self) -> u8 {
        self.0 >> 6
    }
}

/// A cue sheet entry with ADR 1: a track, index, its data form and absolute time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TrackCue {
    /// CTL: Q control nibble (byte 0 bits 7–4).
    pub control: u8,
    /// TNO: track number (0 lead-in, AAh lead-out).
    pub tno: u8,
    /// Index number (0 = pre-gap).
    pub index: u8,
    /// Data form.
    pub data_form: DataForm,
    /// SCMS byte (byte 4; bit 7 = alternate copy bit).
    pub scms: u8,
    /// Absolute time (bytes 5–7).
    pub time: Msf,
}

/// One 8-byte cue sheet entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CueSheetEntry {
    /// ADR = 1.
    Track(TrackCue),
    /// Any other ADR (2: catalog number, 3: ISRC, 7 characters each): the bytes.
    Other([u8; 8]),
}

impl CueSheetEntry {
    /// Decodes one entry.
    pub fn decode(b: &[u8; 8]) -> CueSheetEntry {
        if b[0] & 0x0F == 1 {
            CueSheetEntry::Track(TrackCue {
                control: b[0] >> 4,
                tno: b[1],
                index: b[2],
                data_form: DataForm(b[3]),
                scms: b[4],
                time: Msf {
                    m: b[5],
                    s: b[6],
                    f: b[7],
                },
            })
        } else {
            CueSheetEntry::Other(*b)
        }
    }

    /// Encodes one entry.
    pub fn encode(&self) -> [u8; 8] {
        match *self {
            CueSheetEntry::Track(t) => [
                (t.control << 4) | 0x01,
                t.tno,
                t.index,
                t.data_form.0,
                t.scms,
                t.time.m,
                t.time.s,
                t.time.f,
            ],
            CueSheetEntry::Other(b) => b,
        }
    }
}

/// A cue sheet: entries in order.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct CueSheet {
    /// The entries.
    pub entries: Vec<CueSheetEntry>,
}

impl CueSheet {
    /// Decodes a cue sheet; its length must be a multiple of 8.
    pub fn decode(bytes: &[u8]) -> Result<CueSheet, DecodeError> {
        if bytes.len() % 8 != 0 {
            return Err(DecodeError::new(
                "cue sheet",
                format!("{} bytes is not a multiple of 8", bytes.len()),
            ));
        }
        let entries = bytes
            .chunks_exact(8)
            .map(|c| {
                let mut e = [0u8; 8];
                e.copy_from_slice(c);
                CueSheetEntry::decode(&e)
            })
            .collect();
        Ok(CueSheet { entries })
    }

    /// Encodes the cue sheet (8 bytes per entry).
    pub fn encode(&self) -> Vec<u8> {
        self.entries.iter().flat_map(|e| e.encode()).collect()
    }
}
