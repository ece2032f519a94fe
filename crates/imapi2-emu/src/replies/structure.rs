//! READ DISC STRUCTURE: DVD and BD structures, write protection, the
//! structure list.

use imapi2_mmc::disc_structure::{
    BdDiscInformation, DiscStructure, DvdPhysicalFormat, LayerBoundary, StructureListEntry,
    WriteProtectionStatus,
};

use crate::error::SenseCode;
use crate::media::{FormatState, MediaKind, Medium};

fn dvd_book_type(kind: MediaKind) -> u8 {
    match kind {
        MediaKind::DvdRom => 0,
        MediaKind::DvdRam => 1,
        MediaKind::DvdMinusR | MediaKind::DvdMinusRDl => 2,
        MediaKind::DvdMinusRw => 3,
        MediaKind::DvdPlusRw => 9,
        MediaKind::DvdPlusR => 0x0A,
        MediaKind::DvdPlusRDl => 0x0E,
        _ => 0,
    }
}

/// READ DISC STRUCTURE (MMC-6 §6.21) for `media_type` (0 DVD, 1 BD) and
/// `format`.
pub(crate) fn disc_structure(
    m: &Medium,
    media_type: u8,
    format: u8,
    layer: u8,
) -> Result<DiscStructure, SenseCode> {
    let kind = m.kind();
    let incompatible = SenseCode::CANNOT_READ_MEDIUM;
    let list = |formats: &[(u8, bool, u16)]| {
        DiscStructure::List(
            formats
                .iter()
                .map(|&(format, sds, length)| StructureListEntry {
                    format,
                    sds,
                    rds: true,
                    length,
                })
                .collect(),
        )
    };
    match (media_type & 0x0F, format) {
        (_, 0xC0) => Ok(DiscStructure::WriteProtection(WriteProtectionStatus {
            mswi: kind.is_rom(),
            cwp: false,
            pwp: false,
            swpp: m.write_protected() && !kind.is_rom(),
        })),
        (0, 0xFF) if kind.is_dvd() => {
            let mut f = vec![
                (0x00, false, 2052),
                (0xC0, kind == MediaKind::DvdRam, 8),
                (0xFF, false, 0xFFFF),
            ];
            if kind.is_dual_layer() {
                f.insert(1, (0x20, true, 12));
            }
            Ok(list(&f))
        }
        (1, 0xFF) if kind.is_bd() => Ok(list(&[
            (0x00, false, 4100),
            (0x0A, false, 16),
            (0xC0, false, 8),
            (0xFF, false, 0xFFFF),
        ])),
        (0, 0x00) if kind.is_dvd() => {
            let dl = kind.is_dual_layer();
            if layer > u8::from(dl) {
                return Err(SenseCode::INVALID_FIELD_IN_CDB);
            }
            let start = 0x030000u32;
            let end_lba = m.capacity();
            let l0 = m.layer_break().map(|l| l.l0_capacity).unwrap_or(end_lba);
            Ok(DiscStructure::DvdPhysical(DvdPhysicalFormat {
                book_type: dvd_book_type(kind),
                part_version: 1,
                disc_size: 0,
                maximum_rate: 0x0F,
                layers_minus_one: u8::from(dl),
                opposite_track_path: dl,
                layer_type: match kind {
                    MediaKind::DvdRom => 1,
                    MediaKind::DvdRam | MediaKind::DvdMinusRw | MediaKind::DvdPlusRw => 4,
                    _ => 2,
                },
                linear_density: 0,
                track_density: 0,
                data_start: start,
                // Opposite track path: layer 1 sector numbers are the complement
                // of the layer 0 ones, so the data area ends at the complement
                // of the last layer 0 sector (ECMA-267 §3.3.2.1).
                data_end: if dl {
                    !(start + l0 - 1) & 0x00FF_FFFF
                } else {
                    start + end_lba - 1
                },
                layer0_end: if dl { start + l0 - 1 } else { 0 },
                bca: false,
                media_specific: vec![0; 2031],
            }))
        }
        (0, 0x20) if kind.is_dual_layer() => {
            let l = m.layer_break().unwrap_or(crate::media::LayerBreak {
                l0_capacity: m.capacity() / 2,
                fixed: false,
            });
            Ok(DiscStructure::LayerBoundary(LayerBoundary {
                init_status: l.fixed,
                l0_capacity: l.l0_capacity,
            }))
        }
        (1, 0x00) if kind.is_bd() => {
            let mut di = vec![0u8; 112];
            di[0..2].copy_from_slice(b"DI");
            di[2] = 1; // DI format
            di[3] = 0x08; // one unit in this block, continuation count
            di[8..11].copy_from_slice(match kind {
                MediaKind::BdR => b"BDR",
                MediaKind::BdRe => b"BDW",
                _ => b"BDO",
            });
            di[11] = 0x11; // 120 mm, class 0, version 1
            di[12] = 0x10; // one layer
            Ok(DiscStructure::BdDiscInformation(BdDiscInformation {
                data: di,
            }))
        }
        (1, 0x0A) if kind.is_bd() => {
            let spare = match m.format_state() {
                FormatState::Formatted { blocks } => m.capacity().saturating_sub(blocks),
                _ => 0,
            };
            let mut data = vec![0u8; 12];
            data[4..8].copy_from_slice(&spare.to_be_bytes());
            data[8..12].copy_from_slice(&spare.to_be_bytes());
            Ok(DiscStructure::Raw {
                media_type: 1,
                format: 0x0A,
                data,
            })
        }
        (0, _) if !kind.is_dvd() => Err(incompatible),
        (1, _) if !kind.is_bd() => Err(incompatible),
        _ => Err(SenseCode::INVALID_FIELD_IN_CDB),
    }
}
