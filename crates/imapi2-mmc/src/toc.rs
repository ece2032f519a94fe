//! READ TOC/PMA/ATIP replies (MMC-6 §6.32.3).
//!
//! MSF addresses ([`Msf`], [`msf_to_lba`], [`lba_to_msf`]) live in
//! [`imapi2_cd::msf`], the CD-TEXT pack ([`CdTextPack`]) in
//! [`imapi2_cd::cdtext`]; both are re-exported here.
//!
//! Formats: 0 formatted TOC ([`FormattedToc`]), 1 multisession information
//! ([`MultisessionInfo`]), 2 raw TOC and 3 PMA ([`RawToc`], 11-byte
//! descriptors), 4 ATIP ([`Atip`]), 5 CD-TEXT ([`CdText`], 18-byte packs).
//! Formats 0 and 1 carry addresses as LBA or MSF depending on the CDB's MSF
//! bit, so their decoders take it as an argument.

pub use imapi2_cd::cdtext::CdTextPack;
pub use imapi2_cd::msf::{lba_to_msf, msf_to_lba, Msf};

use imapi2_cd::cdtext::PACK_SIZE;

use crate::codec::{be16, be32, need, put16, DecodeError};

/// An address in a formatted-TOC or multisession descriptor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TocAddress {
    /// Logical block address (MSF = 0 in the CDB).
    Lba(i32),
    /// Minute/second/frame (MSF = 1 in the CDB).
    Msf(Msf),
}

impl TocAddress {
    fn decode(b: &[u8], msf: bool) -> TocAddress {
        if msf {
            TocAddress::Msf(Msf {
                m: b[1],
                s: b[2],
                f: b[3],
            })
        } else {
            TocAddress::Lba(be32(b, 0) as i32)
        }
    }

    fn encode(self) -> [u8; 4] {
        match self {
            TocAddress::Lba(lba) => lba.to_be_bytes(),
            TocAddress::Msf(m) => [0, m.m, m.s, m.f],
        }
    }

    /// The address as an LBA.
    pub fn lba(self) -> i32 {
        match self {
            TocAddress::Lba(lba) => lba,
            TocAddress::Msf(m) => msf_to_lba(m),
        }
    }
}

/// Bytes of `bytes` the header's data length covers (at least the 4-byte header).
fn covered(bytes: &[u8]) -> &[u8] {
    let end = bytes.len().min(be16(bytes, 0) as usize + 2).max(4);
    &bytes[..end]
}

fn with_length(mut out: Vec<u8>) -> Vec<u8> {
    let len = (out.len() - 2).min(0xFFFF) as u16;
    put16(&mut out, 0, len);
    out
}

/// One track descriptor of the formatted TOC (8 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TocEntry {
    /// ADR (byte 1 bits 7–4).
    pub adr: u8,
    /// CONTROL (byte 1 bits 3–0).
    pub control: u8,
    /// Track number (AAh = lead-out).
    pub track: u8,
    /// Track start address.
    pub address: TocAddress,
}

/// Track number of the lead-out in the formatted TOC.
pub const LEAD_OUT_TRACK: u8 = 0xAA;

/// Format 0: formatted TOC (MMC-6 table 480).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FormattedToc {
    /// First track number.
    pub first_track: u8,
    /// Last track number.
    pub last_track: u8,
    /// Descriptors, the lead-out (AAh) last.
    pub entries: Vec<TocEntry>,
}

impl FormattedToc {
    /// Decodes the reply; `msf` is the CDB's MSF bit.
    pub fn decode(bytes: &[u8], msf: bool) -> Result<FormattedToc, DecodeError> {
        need("formatted TOC", bytes, 4)?;
        let b = covered(bytes);
        let entries = b[4..]
            .chunks_exact(8)
            .map(|d| TocEntry {
                adr: d[1] >> 4,
                control: d[1] & 0x0F,
                track: d[2],
                address: TocAddress::decode(&d[4..8], msf),
            })
            .collect();
        Ok(FormattedToc {
            first_track: bytes[2],
            last_track: bytes[3],
            entries,
        })
    }

    /// Encodes the reply.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = vec![0, 0, self.first_track, self.last_track];
        for e in &self.entries {
            out.extend_from_slice(&[0, (e.adr << 4) | (e.control & 0x0F), e.track, 0]);
            out.extend_from_slice(&e.address.encode());
        }
        with_length(out)
    }

    /// The lead-out descriptor.
    pub fn lead_out(&self) -> Option<&TocEntry> {
        self.entries.iter().find(|e| e.track == LEAD_OUT_TRACK)
    }
}

/// Format 1: multisession information (MMC-6 table 482).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MultisessionInfo {
    /// First complete session number.
    pub first_session: u8,
    /// Last complete session number.
    pub last_session: u8,
    /// ADR of the descriptor.
    pub adr: u8,
    /// CONTROL of the descriptor.
    pub control: u8,
    /// First track number in the last complete session.
    pub first_track_last_session: u8,
    /// Start of that track (MSC1 for mkisofs -C).
    pub start: TocAddress,
}

impl MultisessionInfo {
    /// Decodes the 12-byte reply; `msf` is the CDB's MSF bit.
    pub fn decode(bytes: &[u8], msf: bool) -> Result<MultisessionInfo, DecodeError> {
        need("multisession information", bytes, 12)?;
        Ok(MultisessionInfo {
            first_session: bytes[2],
            last_session: bytes[3],
            adr: bytes[5] >> 4,
            control: bytes[5] & 0x0F,
            first_track_last_session: bytes[6],
            start: TocAddress::decode(&bytes[8..12], msf),
        })
    }

    /// Encodes the 12-byte reply (data length 0Ah).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = vec![
            0,
            0,
            self.first_session,
            self.last_session,
            0,
            (self.adr << 4) | (self.control & 0x0F),
            self.first_track_last_session,
            0,
        ];
        out.extend_from_slice(&self.start.encode());
        with_length(out)
    }
}

/// One raw TOC or PMA descriptor (11 bytes; MMC-6 table 484).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RawTocEntry {
    /// Session number.
    pub session: u8,
    /// ADR.
    pub adr: u8,
    /// CONTROL.
    pub control: u8,
    /// TNO (zero in the lead-in).
    pub tno: u8,
    /// POINT: a track number, or A0h first track, A1h last track, A2h
    /// lead-out, B0h next program area, C0h start of first lead-in, ...
    pub point: u8,
    /// Running time MIN/SEC/FRAME (for B0h: start of the next program area).
    pub time: Msf,
    /// The ZERO byte (for B0h: number of mode-5 pointers; for C0h: reserved).
    pub zero: u8,
    /// PMIN/PSEC/PFRAME (A0h/A1h: PMIN is the track number; for A0h PSEC is
    /// the disc type).
    pub pointer: Msf,
}

/// POINT values of the raw TOC with a meaning of their own.
pub mod point {
    /// First track number in PMIN, disc type in PSEC.
    pub const FIRST_TRACK: u8 = 0xA0;
    /// Last track number in PMIN.
    pub const LAST_TRACK: u8 = 0xA1;
    /// Lead-out start in PMIN/PSEC/PFRAME.
    pub const LEAD_OUT: u8 = 0xA2;
    /// Start of the next possible program area in MIN/SEC/FRAME (FF:FF:FF when finalized).
    pub const NEXT_PROGRAM_AREA: u8 = 0xB0;
    /// Start of the first lead-in of the disc in PMIN/PSEC/PFRAME; writing power in MIN.
    pub const FIRST_LEAD_IN: u8 = 0xC0;
}

/// Formats 2 (raw TOC) and 3 (PMA): a 4-byte header and 11-byte descriptors.
/// For the PMA, header bytes 2–3 are reserved (zero).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RawToc {
    /// First complete session number.
    pub first_session: u8,
    /// Last complete session number.
    pub last_session: u8,
    /// Descriptors.
    pub entries: Vec<RawTocEntry>,
}

impl RawToc {
    /// Decodes the reply; whole descriptors within the data length are kept.
    pub fn decode(bytes: &[u8]) -> Result<RawToc, DecodeError> {
        need("raw TOC", bytes, 4)?;
        let b = covered(bytes);
        let entries = b[4..]
            .chunks_exact(11)
            .map(|d| RawTocEntry {
                session: d[0],
                adr: d[1] >> 4,
                control: d[1] & 0x0F,
                tno: d[2],
                point: d[3],
                time: Msf {
                    m: d[4],
                    s: d[5],
                    f: d[6],
                },
                zero: d[7],
                pointer: Msf {
                    m: d[8],
                    s: d[9],
                    f: d[10],
                },
            })
            .collect();
        Ok(RawToc {
            first_session: bytes[2],
            last_session: bytes[3],
            entries,
        })
    }

    /// Encodes the reply.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = vec![0, 0, self.first_session, self.last_session];
        for e in &self.entries {
            out.extend_from_slice(&[
                e.session,
                (e.adr << 4) | (e.control & 0x0F),
                e.tno,
                e.point,
                e.time.m,
                e.time.s,
                e.time.f,
                e.zero,
                e.pointer.m,
                e.pointer.s,
                e.pointer.f,
            ]);
        }
        with_length(out)
    }
}

/// Format 4: ATIP (MMC-6 table 487).
///
/// MMC writes bit 7 of bytes 4 and 6 as 1; [`Atip::encode`] sets them and
/// decode ignores them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Atip {
    /// Indicative target writing power (byte 4 bits 6–4).
    pub writing_power: u8,
    /// DDCD (byte 4 bit 3).
    pub ddcd: bool,
    /// Reference speed (byte 4 bits 2–0).
    pub reference_speed: u8,
    /// URU: unrestricted use (byte 5 bit 6).
    pub uru: bool,
    /// Disc type (byte 6 bit 6): set for CD-RW.
    pub cd_rw: bool,
    /// Disc sub-type (byte 6 bits 5–3).
    pub disc_subtype: u8,
    /// A1 valid (byte 6 bit 2).
    pub a1_valid: bool,
    /// A2 valid (byte 6 bit 1).
    pub a2_valid: bool,
    /// A3 valid (byte 6 bit 0).
    pub a3_valid: bool,
    /// Start time of the lead-in (bytes 8–10; M ≥ 90, also the manufacturer code).
    pub lead_in_start: Msf,
    /// Last possible start time of the lead-out (bytes 12–14).
    pub last_lead_out_start: Msf,
    /// A1 values (bytes 16–18).
    pub a1: [u8; 3],
    /// A2 values (bytes 20–22).
    pub a2: [u8; 3],
    /// A3 values (bytes 24–26).
    pub a3: [u8; 3],
    /// S4 values (bytes 28–30; absent from 28-byte replies, read as zero).
    pub s4: [u8; 3],
}

/// Length of the ATIP reply [`Atip::encode`] writes.
pub const ATIP_LEN: usize = 32;

impl Atip {
    /// Decodes the reply; needs 28 bytes (through the A3 values).
    pub fn decode(bytes: &[u8]) -> Result<Atip, DecodeError> {
        need("ATIP", bytes, 28)?;
        let end = bytes.len().min(be16(bytes, 0) as usize + 2).max(28);
        let mut b = [0u8; ATIP_LEN];
        let n = end.min(ATIP_LEN);
        b[..n].copy_from_slice(&bytes[..n]);
        Ok(Atip {
            writing_power: (b[4] >> 4) & 0x07,
            ddcd: b[4] & 0x08 != 0,
            reference_speed: b[4] & 0x07,
            uru: b[5] & 0x40 != 0,
            cd_rw: b[6] & 0x40 != 0,
            disc_subtype: (b[6] >> 3) & 0x07,
            a1_valid: b[6] & 0x04 != 0,
            a2_valid: b[6] & 0x02 != 0,
            a3_valid: b[6] & 0x01 != 0,
            lead_in_start: Msf {
                m: b[8],
                s: b[9],
                f: b[10],
            },
            last_lead_out_start: Msf {
                m: b[12],
                s: b[13],
                f: b[14],
            },
            a1: [b[16], b[17], b[18]],
            a2: [b[20], b[21], b[22]],
            a3: [b[24], b[25], b[26]],
            s4: [b[28], b[29], b[30]],
        })
    }

    /// Encodes the 32-byte reply.
    pub fn encode(&self) -> Vec<u8> {
        let mut b = vec![0u8; ATIP_LEN];
        b[4] = 0x80
            | ((self.writing_power & 0x07) << 4)
            | (u8::from(self.ddcd) << 3)
            | (self.reference_speed & 0x07);
        b[5] = u8::from(self.uru) << 6;
        b[6] = 0x80
            | (u8::from(self.cd_rw) << 6)
            | ((self.disc_subtype & 0x07) << 3)
            | (u8::from(self.a1_valid) << 2)
            | (u8::from(self.a2_valid) << 1)
            | u8::from(self.a3_valid);
        b[8..11].copy_from_slice(&[
            self.lead_in_start.m,
            self.lead_in_start.s,
            self.lead_in_start.f,
        ]);
        b[12..15].copy_from_slice(&[
            self.last_lead_out_start.m,
            self.last_lead_out_start.s,
            self.last_lead_out_start.f,
        ]);
        b[16..19].copy_from_slice(&self.a1);
        b[20..23].copy_from_slice(&self.a2);
        b[24..27].copy_from_slice(&self.a3);
        b[28..31].copy_from_slice(&self.s4);
        with_length(b)
    }

    /// Capacity of a blank disc in blocks: from LBA 0 to the last possible
    /// lead-out start.
    pub fn capacity_blocks(&self) -> Option<u32> {
        u32::try_from(msf_to_lba(self.last_lead_out_start)).ok()
    }
}

/// Format 5: CD-TEXT from the lead-in.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct CdText {
    /// The packs, in recorded order.
    pub packs: Vec<CdTextPack>,
}

impl CdText {
    /// Decodes the reply; whole packs within the data length are kept.
    pub fn decode(bytes: &[u8]) -> Result<CdText, DecodeError> {
        need("CD-TEXT", bytes, 4)?;
        let b = covered(bytes);
        // Every exact 18-byte chunk decodes.
        let packs = b[4..]
            .chunks_exact(PACK_SIZE)
            .filter_map(|p| CdTextPack::decode(p).ok())
            .collect();
        Ok(CdText { packs })
    }

    /// Encodes the reply.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = vec![0u8; 4];
        for p in &self.packs {
            out.extend_from_slice(&p.encode());
        }
        with_length(out)
    }
}
