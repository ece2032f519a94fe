//! Formatting: the READ FORMAT CAPACITIES reply (MMC-6 §6.24.3) and the
//! FORMAT UNIT parameter list (MMC-6 §6.5.3).

use crate::codec::{be24, be32, need, put16, put24, put32, DecodeError};

/// A format type (6 bits; MMC-6 table 258): which kind of format a
/// descriptor offers or FORMAT UNIT asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FormatType(pub u8);

impl FormatType {
    /// 00h: full format (DVD-RAM, DVD-RW restricted overwrite, BD-RE, BD-R).
    pub const FULL: FormatType = FormatType(0x00);
    /// 01h: spare area expansion.
    pub const SPARE_AREA_EXPANSION: FormatType = FormatType(0x01);
    /// 04h: zone reformat.
    pub const ZONE_REFORMAT: FormatType = FormatType(0x04);
    /// 05h: zone format.
    pub const ZONE_FORMAT: FormatType = FormatType(0x05);
    /// 10h: CD-RW/DVD-RW full format.
    pub const CD_DVD_RW_FULL: FormatType = FormatType(0x10);
    /// 11h: CD-RW/DVD-RW grow session.
    pub const CD_DVD_RW_GROW_SESSION: FormatType = FormatType(0x11);
    /// 12h: CD-RW/DVD-RW add session.
    pub const CD_DVD_RW_ADD_SESSION: FormatType = FormatType(0x12);
    /// 13h: DVD-RW quick grow the last session.
    pub const DVD_RW_QUICK_GROW: FormatType = FormatType(0x13);
    /// 14h: DVD-RW quick add session.
    pub const DVD_RW_QUICK_ADD: FormatType = FormatType(0x14);
    /// 15h: DVD-RW quick format.
    pub const DVD_RW_QUICK: FormatType = FormatType(0x15);
    /// 20h: MRW full format.
    pub const MRW_FULL: FormatType = FormatType(0x20);
    /// 26h: DVD+RW basic format.
    pub const DVD_PLUS_RW_BASIC: FormatType = FormatType(0x26);
    /// 30h: BD-RE full format with spare areas.
    pub const BD_RE_WITH_SPARES: FormatType = FormatType(0x30);
    /// 31h: BD-RE full format without spare areas.
    pub const BD_RE_WITHOUT_SPARES: FormatType = FormatType(0x31);
    /// 32h: BD-R full format with spare areas.
    pub const BD_R_WITH_SPARES: FormatType = FormatType(0x32);

    /// A short description of the known types.
    pub fn name(self) -> Option<&'static str> {
        Some(match self.0 {
            0x00 => "full format",
            0x01 => "spare area expansion",
            0x04 => "zone reformat",
            0x05 => "zone format",
            0x10 => "CD-RW/DVD-RW full format",
            0x11 => "CD-RW/DVD-RW grow session",
            0x12 => "CD-RW/DVD-RW add session",
            0x13 => "DVD-RW quick grow last session",
            0x14 => "DVD-RW quick add session",
            0x15 => "DVD-RW quick format",
            0x20 => "MRW full format",
            0x26 => "DVD+RW basic format",
            0x30 => "BD-RE full format with spare areas",
            0x31 => "BD-RE full format without spare areas",
            0x32 => "BD-R full format with spare areas",
            _ => return None,
        })
    }
}

/// Descriptor type of the current/maximum capacity descriptor (byte 4 bits 1–0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CapacityDescriptorType {
    /// 00b: reserved.
    Reserved,
    /// 01b: unformatted medium, maximum formattable capacity.
    Unformatted,
    /// 10b: formatted medium, current capacity.
    Formatted,
    /// 11b: no medium, or unknown capacity: the maximum the drive can handle.
    NoMedia,
}

impl CapacityDescriptorType {
    /// From the low two bits of `b`.
    pub fn from_bits(b: u8) -> CapacityDescriptorType {
        match b & 0x03 {
            0 => CapacityDescriptorType::Reserved,
            1 => CapacityDescriptorType::Unformatted,
            2 => CapacityDescriptorType::Formatted,
            _ => CapacityDescriptorType::NoMedia,
        }
    }

    /// The two-bit value.
    pub fn bits(self) -> u8 {
        match self {
            CapacityDescriptorType::Reserved => 0,
            CapacityDescriptorType::Unformatted => 1,
            CapacityDescriptorType::Formatted => 2,
            CapacityDescriptorType::NoMedia => 3,
        }
    }
}

/// The current/maximum capacity descriptor (MMC-6 table 264).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CurrentCapacity {
    /// Number of blocks.
    pub blocks: u32,
    /// Descriptor type.
    pub descriptor_type: CapacityDescriptorType,
    /// Block length (24 bits).
    pub block_length: u32,
}

/// A formattable capacity descriptor (MMC-6 table 266).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FormattableDescriptor {
    /// Number of blocks.
    pub blocks: u32,
    /// Format type (byte 4 bits 7–2).
    pub format_type: FormatType,
    /// Type dependent parameter (24 bits): block length, spare size, ...
    pub type_parameter: u32,
}

/// READ FORMAT CAPACITIES reply: list header, current/maximum descriptor,
/// then formattable descriptors.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FormatCapacities {
    /// The current/maximum capacity.
    pub current: CurrentCapacity,
    /// The formats the medium offers.
    pub formattable: Vec<FormattableDescriptor>,
}

impl FormatCapacities {
    /// Decodes the reply: needs the header and the current descriptor (12
    /// bytes); whole formattable descriptors within the list length follow.
    pub fn decode(bytes: &[u8]) -> Result<FormatCapacities, DecodeError> {
        const S: &str = "format capacities";
        need(S, bytes, 12)?;
        let end = bytes.len().min(4 + bytes[3] as usize).max(12);
        let current = CurrentCapacity {
            blocks: be32(bytes, 4),
            descriptor_type: CapacityDescriptorType::from_bits(bytes[8]),
            block_length: be24(bytes, 9),
        };
        let formattable = bytes[12..end]
            .chunks_exact(8)
            .map(|d| FormattableDescriptor {
                blocks: be32(d, 0),
                format_type: FormatType(d[4] >> 2),
                type_parameter: be24(d, 5),
            })
            .collect();
        Ok(FormatCapacities {
            current,
            formattable,
        })
    }

    /// Encodes the reply (at most 30 formattable descriptors: the list
    /// length is one byte).
    pub fn encode(&self) -> Vec<u8> {
        let list = &self.formattable[..self.formattable.len().min(30)];
        let mut out = vec![0u8; 12];
        out[3] = (8 + 8 * list.len()) as u8;
        put32(&mut out, 4, self.current.blocks);
        out[8] = self.current.descriptor_type.bits();
        put24(&mut out, 9, self.current.block_length);
        for d in list {
            let mut e = [0u8; 8];
            put32(&mut e, 0, d.blocks);
            e[4] = (d.format_type.0 & 0x3F) << 2;
            put24(&mut e, 5, d.type_parameter);
            out.extend_from_slice(&e);
        }
        out
    }
}

/// The format descriptor of FORMAT UNIT (MMC-6 table 56).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FormatDescriptor {
    /// Number of blocks.
    pub blocks: u32,
    /// Format type (byte 4 bits 7–2).
    pub format_type: FormatType,
    /// Format sub-type (byte 4 bits 1–0; BD: 00b quick certification, 10b
    /// no certification, ...).
    pub subtype: u8,
    /// Type dependent parameter (24 bits).
    pub type_parameter: u32,
}

/// FORMAT UNIT parameter list: 4-byte format list header and one descriptor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FormatUnitParameters {
    /// FOV: the option bits below are valid (byte 1 bit 7).
    pub fov: bool,
    /// DPRY (byte 1 bit 6).
    pub dpry: bool,
    /// DCRT: disable certification (byte 1 bit 5).
    pub dcrt: bool,
    /// STPF (byte 1 bit 4).
    pub stpf: bool,
    /// IP: initialization pattern (byte 1 bit 3).
    pub ip: bool,
    /// DSP (byte 1 bit 2).
    pub dsp: bool,
    /// Immed: return before formatting completes (byte 1 bit 1).
    pub immed: bool,
    /// VS (byte 1 bit 0).
    pub vs: bool,
    /// The format descriptor.
    pub descriptor: FormatDescriptor,
}

/// Length of the FORMAT UNIT parameter list.
pub const FORMAT_UNIT_PARAMETERS_LEN: usize = 12;

impl FormatUnitParameters {
    /// Parameters asking for `format_type` with `blocks` and Immed set, the
    /// usual way to start a format and poll.
    pub fn immediate(
        format_type: FormatType,
        blocks: u32,
        type_parameter: u32,
    ) -> FormatUnitParameters {
        FormatUnitParameters {
            fov: true,
            dpry: false,
            dcrt: false,
            stpf: false,
            ip: false,
            dsp: false,
            immed: true,
            vs: false,
            descriptor: FormatDescriptor {
                blocks,
                format_type,
                subtype: 0,
                type_parameter,
            },
        }
    }

    /// Decodes the list; the header's descriptor length must be at least 8.
    pub fn decode(bytes: &[u8]) -> Result<FormatUnitParameters, DecodeError> {
        const S: &str = "FORMAT UNIT parameter list";
        need(S, bytes, FORMAT_UNIT_PARAMETERS_LEN)?;
        let dlen = u16::from_be_bytes([bytes[2], bytes[3]]);
        if dlen < 8 {
            return Err(DecodeError::new(
                S,
                format!("format descriptor length {dlen}, 8 needed"),
            ));
        }
        let f = bytes[1];
        Ok(FormatUnitParameters {
            fov: f & 0x80 != 0,
            dpry: f & 0x40 != 0,
            dcrt: f & 0x20 != 0,
            stpf: f & 0x10 != 0,
            ip: f & 0x08 != 0,
            dsp: f & 0x04 != 0,
            immed: f & 0x02 != 0,
            vs: f & 0x01 != 0,
            descriptor: FormatDescriptor {
                blocks: be32(bytes, 4),
                format_type: FormatType(bytes[8] >> 2),
                subtype: bytes[8] & 0x03,
                type_parameter: be24(bytes, 9),
            },
        })
    }

    /// Encodes the 12-byte list.
    pub fn encode(&self) -> Vec<u8> {
        let mut b = vec![0u8; FORMAT_UNIT_PARAMETERS_LEN];
        b[1] = [
            self.fov, self.dpry, self.dcrt, self.stpf, self.ip, self.dsp, self.immed, self.vs,
        ]
        .iter()
        .fold(0, |acc, &v| (acc << 1) | u8::from(v));
        put16(&mut b, 2, 8);
        put32(&mut b, 4, self.descriptor.blocks);
        b[8] = ((self.descriptor.format_type.0 & 0x3F) << 2) | (self.descriptor.subtype & 0x03);
        put24(&mut b, 9, self.descriptor.type_parameter);
        b
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptor_length_below_eight_is_refused() {
        let mut b = FormatUnitParameters::immediate(FormatType::FULL, 0, 2048).encode();
        assert_eq!(&b[..4], &[0, 0x82, 0, 8]);
        b[3] = 4;
        assert!(FormatUnitParameters::decode(&b).is_err());
    }

    #[test]
    fn list_length_bounds_the_descriptors() {
        let mut b = FormatCapacities {
            current: CurrentCapacity {
                blocks: 100,
                descriptor_type: CapacityDescriptorType::Unformatted,
                block_length: 2048,
            },
            formattable: vec![
                FormattableDescriptor {
                    blocks: 100,
                    format_type: FormatType::FULL,
                    type_parameter: 2048
                };
                3
            ],
        }
        .encode();
        b[3] = 16;
        assert_eq!(FormatCapacities::decode(&b).unwrap().formattable.len(), 1);
    }
}
