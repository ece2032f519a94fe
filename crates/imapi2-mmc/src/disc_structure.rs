//! READ DISC STRUCTURE replies and SEND DISC STRUCTURE parameter lists
//! (MMC-6 §6.21 and §6.35): a 4-byte header (data length, two reserved
//! bytes) and the structure.
//!
//! Typed: DVD format 00h physical format information, 20h DVD+R DL layer
//! boundary, C0h write protection status and FFh structure list (for any
//! media type), and BD (media type 1) format 00h disc information, kept as
//! bytes with accessors for its first DI unit. Everything else is raw.

use crate::codec::{be16, be32, need, put16, put32, DecodeError};

/// Media type field values of the CDB (byte 1 bits 3–0).
pub mod media_type {
    /// DVD and HD DVD.
    pub const DVD: u8 = 0;
    /// BD.
    pub const BD: u8 = 1;
}

/// Format codes with a typed structure.
pub mod format {
    /// Physical format information (DVD) / disc information (BD).
    pub const PHYSICAL: u8 = 0x00;
    /// DVD+R DL layer boundary information.
    pub const LAYER_BOUNDARY: u8 = 0x20;
    /// Write protection status.
    pub const WRITE_PROTECTION: u8 = 0xC0;
    /// Disc structure list.
    pub const LIST: u8 = 0xFF;
}

/// DVD physical format information (format 00h; MMC-6 table 438, layout from
/// ECMA-267 §3.3.2.1 and the DVD+R/RW books).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DvdPhysicalFormat {
    /// Book type (byte 0 bits 7–4): 0 DVD-ROM, 1 DVD-RAM, 2 DVD-R, 3 DVD-RW,
    /// 9 DVD+RW, Ah DVD+R, Dh DVD+RW DL, Eh DVD+R DL.
    pub book_type: u8,
    /// Part version (byte 0 bits 3–0).
    pub part_version: u8,
    /// Disc size (byte 1 bits 7–4): 0 = 120 mm, 1 = 80 mm.
    pub disc_size: u8,
    /// Maximum rate (byte 1 bits 3–0; Fh = not specified).
    pub maximum_rate: u8,
    /// Number of layers minus one (byte 2 bits 6–5).
    pub layers_minus_one: u8,
    /// Track path (byte 2 bit 4): set for opposite track path.
    pub opposite_track_path: bool,
    /// Layer type (byte 2 bits 3–0): bit 0 embossed, bit 1 recordable, bit 2 rewritable.
    pub layer_type: u8,
    /// Linear density (byte 3 bits 7–4).
    pub linear_density: u8,
    /// Track density (byte 3 bits 3–0).
    pub track_density: u8,
    /// Starting physical sector of the data area (bytes 4–7; 030000h on DVD).
    pub data_start: u32,
    /// End physical sector of the data area (bytes 8–11).
    pub data_end: u32,
    /// End physical sector in layer 0 (bytes 12–15).
    pub layer0_end: u32,
    /// BCA present (byte 16 bit 7).
    pub bca: bool,
    /// Bytes 17 on (media specific; 2031 bytes in a full reply).
    pub media_specific: Vec<u8>,
}

const PHYSICAL_FIXED: usize = 17;

impl DvdPhysicalFormat {
    fn decode_data(d: &[u8]) -> DvdPhysicalFormat {
        let mut b = [0u8; PHYSICAL_FIXED];
        let n = d.len().min(PHYSICAL_FIXED);
        b[..n].copy_from_slice(&d[..n]);
        DvdPhysicalFormat {
            book_type: b[0] >> 4,
            part_version: b[0] & 0x0F,
            disc_size: b[1] >> 4,
            maximum_rate: b[1] & 0x0F,
            layers_minus_one: (b[2] >> 5) & 0x03,
            opposite_track_path: b[2] & 0x10 != 0,
            layer_type: b[2] & 0x0F,
            linear_density: b[3] >> 4,
            track_density: b[3] & 0x0F,
            data_start: be32(&b, 4),
            data_end: be32(&b, 8),
            layer0_end: be32(&b, 12),
            bca: b[16] & 0x80 != 0,
            media_specific: d.get(PHYSICAL_FIXED..).unwrap_or(&[]).to_vec(),
        }
    }

    fn encode_data(&self) -> Vec<u8> {
        let mut b = vec![0u8; PHYSICAL_FIXED];
        b[0] = (self.book_type << 4) | (self.part_version & 0x0F);
        b[1] = (self.disc_size << 4) | (self.maximum_rate & 0x0F);
        b[2] = ((self.layers_minus_one & 0x03) << 5)
            | (u8::from(self.opposite_track_path) << 4)
            | (self.layer_type & 0x0F);
        b[3] = (self.linear_density << 4) | (self.track_density & 0x0F);
        put32(&mut b, 4, self.data_start);
        put32(&mut b, 8, self.data_end);
        put32(&mut b, 12, self.layer0_end);
        b[16] = u8::from(self.bca) << 7;
        b.extend_from_slice(&self.media_specific);
        b
    }
}

/// DVD+R DL layer boundary information (format 20h; MMC-6 table 452). The
/// SEND DISC STRUCTURE parameter list for format 20h has the same layout
/// (with `init_status` clear).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LayerBoundary {
    /// InitStatus (byte 0 bit 7): the layer 0 capacity can no longer be changed.
    pub init_status: bool,
    /// Layer 0 data area capacity in blocks (bytes 4–7).
    pub l0_capacity: u32,
}

/// Write protection status (format C0h; MMC-6 table 466).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WriteProtectionStatus {
    /// MSWI: media specific write inhibition (byte 0 bit 3).
    pub mswi: bool,
    /// CWP: cartridge write protection (byte 0 bit 2).
    pub cwp: bool,
    /// PWP: persistent write protection (byte 0 bit 1).
    pub pwp: bool,
    /// SWPP: software write protection until power down (byte 0 bit 0).
    pub swpp: bool,
}

/// One entry of the disc structure list (format FFh; MMC-6 table 468).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StructureListEntry {
    /// Format code.
    pub format: u8,
    /// SDS: SEND DISC STRUCTURE supports it.
    pub sds: bool,
    /// RDS: READ DISC STRUCTURE supports it.
    pub rds: bool,
    /// Structure length (the reply length including its 4-byte header).
    pub length: u16,
}

/// BD disc information (media type 1, format 00h; MMC-6 table 469): the DI
/// units of the PIC zone, kept as bytes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct BdDiscInformation {
    /// The DI data (after the 4-byte header).
    pub data: Vec<u8>,
}

impl BdDiscInformation {
    /// True when the data starts with a DI unit ("DI").
    pub fn has_di_unit(&self) -> bool {
        self.data.starts_with(b"DI")
    }

    /// The disc type identifier of the first DI unit (bytes 8–10: "BDO",
    /// "BDR", "BDW").
    pub fn disc_type_id(&self) -> Option<[u8; 3]> {
        if !self.has_di_unit() {
            return None;
        }
        self.data.get(8..11).map(|b| [b[0], b[1], b[2]])
    }

    /// Disc size / class / version byte of the first DI unit (byte 11).
    pub fn disc_size_class_version(&self) -> Option<u8> {
        if !self.has_di_unit() {
            return None;
        }
        self.data.get(11).copied()
    }
}

/// A disc structure.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DiscStructure {
    /// DVD format 00h.
    DvdPhysical(DvdPhysicalFormat),
    /// DVD format 20h.
    LayerBoundary(LayerBoundary),
    /// Format C0h (any media type).
    WriteProtection(WriteProtectionStatus),
    /// Format FFh (any media type).
    List(Vec<StructureListEntry>),
    /// BD format 00h.
    BdDiscInformation(BdDiscInformation),
    /// Any other structure. (media_type, format) must not be one of the typed pairs.
    Raw {
        /// Media type of the request.
        media_type: u8,
        /// Format code of the request.
        format: u8,
        /// Bytes after the 4-byte header.
        data: Vec<u8>,
    },
}

impl DiscStructure {
    /// The (media type, format code) this structure answers.
    pub fn kind(&self) -> (u8, u8) {
        match self {
            DiscStructure::DvdPhysical(_) => (media_type::DVD, format::PHYSICAL),
            DiscStructure::LayerBoundary(_) => (media_type::DVD, format::LAYER_BOUNDARY),
            DiscStructure::WriteProtection(_) => (media_type::DVD, format::WRITE_PROTECTION),
            DiscStructure::List(_) => (media_type::DVD, format::LIST),
            DiscStructure::BdDiscInformation(_) => (media_type::BD, format::PHYSICAL),
            DiscStructure::Raw {
                media_type, format, ..
            } => (*media_type, *format),
        }
    }

    /// Decodes the reply to a READ DISC STRUCTURE with this media type and
    /// format (the CDB fields; the reply does not repeat them). The data
    /// length bounds what is read; missing bytes of fixed layouts read as zero.
    pub fn decode(media: u8, fmt: u8, bytes: &[u8]) -> Result<DiscStructure, DecodeError> {
        need("disc structure", bytes, 4)?;
        let end = bytes.len().min(be16(bytes, 0) as usize + 2).max(4);
        let d = &bytes[4..end];
        let fixed = |len: usize| {
            let mut v = d[..d.len().min(len)].to_vec();
            v.resize(len, 0);
            v
        };
        Ok(match (media & 0x0F, fmt) {
            (_, format::WRITE_PROTECTION) => {
                let v = fixed(4)[0];
                DiscStructure::WriteProtection(WriteProtectionStatus {
                    mswi: v & 0x08 != 0,
                    cwp: v & 0x04 != 0,
                    pwp: v & 0x02 != 0,
                    swpp: v & 0x01 != 0,
                })
            }
            (_, format::LIST) => DiscStructure::List(
                d.chunks_exact(4)
                    .map(|e| StructureListEntry {
                        format: e[0],
                        sds: e[1] & 0x80 != 0,
                        rds: e[1] & 0x40 != 0,
                        length: be16(e, 2),
                    })
                    .collect(),
            ),
            (media_type::DVD, format::PHYSICAL) => {
                DiscStructure::DvdPhysical(DvdPhysicalFormat::decode_data(d))
            }
            (media_type::DVD, format::LAYER_BOUNDARY) => {
                let v = fixed(8);
                DiscStructure::LayerBoundary(LayerBoundary {
                    init_status: v[0] & 0x80 != 0,
                    l0_capacity: be32(&v, 4),
                })
            }
            (media_type::BD, format::PHYSICAL) => {
                DiscStructure::BdDiscInformation(BdDiscInformation { data: d.to_vec() })
            }
            (m, f) => DiscStructure::Raw {
                media_type: m,
                format: f,
                data: d.to_vec(),
            },
        })
    }

    /// The reply (or SEND DISC STRUCTURE parameter list): header and data.
    pub fn encode(&self) -> Vec<u8> {
        let data = match self {
            DiscStructure::DvdPhysical(p) => p.encode_data(),
            DiscStructure::LayerBoundary(l) => {
                let mut v = vec![0u8; 8];
                v[0] = u8::from(l.init_status) << 7;
                put32(&mut v, 4, l.l0_capacity);
                v
            }
            DiscStructure::WriteProtection(w) => vec![
                (u8::from(w.mswi) << 3)
                    | (u8::from(w.cwp) << 2)
                    | (u8::from(w.pwp) << 1)
                    | u8::from(w.swpp),
                0,
                0,
                0,
            ],
            DiscStructure::List(entries) => {
                let mut v = Vec::with_capacity(entries.len() * 4);
                for e in entries {
                    let [hi, lo] = e.length.to_be_bytes();
                    v.extend_from_slice(&[
                        e.format,
                        (u8::from(e.sds) << 7) | (u8::from(e.rds) << 6),
                        hi,
                        lo,
                    ]);
                }
                v
            }
            DiscStructure::BdDiscInformation(bd) => bd.data.clone(),
            DiscStructure::Raw { data, .. } => data.clone(),
        };
        let data = &data[..data.len().min(0xFFFF - 2)];
        let mut out = vec![0u8; 4];
        put16(&mut out, 0, (data.len() + 2) as u16);
        out.extend_from_slice(data);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bd_di_accessors() {
        let mut data = b"DI\x01\x08\x00\x00\x00\x00BDR\x11".to_vec();
        data.resize(64, 0);
        let bd = BdDiscInformation { data };
        assert_eq!(bd.disc_type_id(), Some(*b"BDR"));
        assert_eq!(bd.disc_size_class_version(), Some(0x11));
        assert_eq!(BdDiscInformation::default().disc_type_id(), None);
    }

    #[test]
    fn write_protection_is_typed_for_bd_too() {
        let s = DiscStructure::decode(1, 0xC0, &[0, 6, 0, 0, 0x02, 0, 0, 0]).unwrap();
        assert!(matches!(
            s,
            DiscStructure::WriteProtection(WriteProtectionStatus { pwp: true, .. })
        ));
    }
}
