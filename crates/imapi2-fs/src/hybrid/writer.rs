//! The hybrid writer: the system area of an image that also boots from a
//! USB stick (an MBR whose partition covers the image, optionally a GPT
//! whose EFI System Partition is the UEFI boot image, as isohybrid and
//! xorriso make them), the padding to whole MiB, and the backup GPT in the
//! last blocks. Identifiers derive from the volume, so images stay
//! reproducible.

use crate::codec::SECTOR;
use crate::eltorito::{Emulation, PlatformId};
use crate::error::{Error, Result};
use crate::hybrid::system_area::{
    crc32, encode_gpt_entries, GptHeader, GptPartition, Guid, IdSource, Mbr, MbrPartition,
    DISK_SECTOR, GPT_ARRAY_SECTORS,
};
use crate::image::boot::Hybrid;
use crate::write::layout::{Layout, SYSTEM_AREA_BLOCKS};
use crate::write::writer::{Stage, Volume, Writer};

/// The hybrid system area's part of the image.
pub(crate) struct HybridWriter {
    hybrid: Hybrid,
    /// Block of the backup GPT, relative to the session start.
    tail: Option<u64>,
}

impl HybridWriter {
    /// The writer of `hybrid`'s system area.
    pub(crate) fn new(hybrid: Hybrid) -> HybridWriter {
        HybridWriter { hybrid, tail: None }
    }
}

impl Writer for HybridWriter {
    fn reserve(&mut self, stage: Stage, layout: &mut Layout) -> Result<()> {
        match stage {
            Stage::End => {
                let end = &mut layout.end;
                end.align = MIB_BLOCKS;
                if self.hybrid.gpt {
                    end.taken_at_end = BACKUP_GPT_BLOCKS;
                    end.min_blocks = end.min_blocks.max(end.data_end + BACKUP_GPT_BLOCKS);
                }
            }
            Stage::Tail if self.hybrid.gpt => {
                let at = layout.end.total - BACKUP_GPT_BLOCKS;
                layout.reserve_end(at, BACKUP_GPT_BLOCKS);
                self.tail = Some(at);
            }
            _ => {}
        }
        Ok(())
    }

    fn write_fixed(&self, v: &Volume, out: &mut Vec<(u64, Vec<u8>)>) -> Result<()> {
        let (head, tail) = hybrid_area(v, &self.hybrid)?;
        out.push((0, head));
        if let Some(at) = self.tail {
            out.push((at, tail));
        }
        Ok(())
    }
}

/// Blocks of one MiB.
const MIB_BLOCKS: u64 = 512;
/// Blocks kept at the end for the backup GPT: 32 sectors of entries and the
/// header sector, rounded up to whole blocks (the GPT's last sector is the
/// image's last).
const BACKUP_GPT_BLOCKS: u64 = (GPT_ARRAY_SECTORS + 1).div_ceil(4);

/// The system area (MBR, primary GPT) of a hybrid image, and the tail that
/// holds the backup GPT (empty without a GPT).
fn hybrid_area(v: &Volume, h: &Hybrid) -> Result<(Vec<u8>, Vec<u8>)> {
    let sectors = u64::from(v.total_blocks) * 4;
    let bios = v
        .boot_images
        .iter()
        .find(|b| b.platform == PlatformId::X86 && b.emulation == Emulation::None);
    let efi = v.boot_images.iter().find(|b| b.platform == PlatformId::EFI);
    let boot_image_sector = match (&h.mbr_code, bios) {
        (Some(_), Some(b)) => u64::from(b.lba) * 4,
        (Some(_), None) => {
            return Err(Error::BootImageData {
                reason: "MBR boot code needs a BIOS (x86) no-emulation boot image to start".into(),
            })
        }
        (None, _) => 0,
    };
    let mut seed = v.volume_id.as_bytes().to_vec();
    seed.extend_from_slice(&v.volume_time.unix_nanos().to_le_bytes());
    seed.extend_from_slice(&v.total_blocks.to_le_bytes());
    let mut ids = IdSource::from_bytes(&seed);
    let mut partitions = [MbrPartition::default(); 4];
    partitions[0] = MbrPartition {
        bootable: true,
        kind: 0x00,
        start: 0,
        sectors: u32::try_from(sectors).unwrap_or(u32::MAX),
    };
    let esp = efi.map(|e| {
        let first = u64::from(e.lba) * 4;
        (first, e.size.div_ceil(512))
    });
    if let Some((first, count)) = esp {
        partitions[1] = MbrPartition {
            bootable: false,
            kind: 0xEF,
            start: first as u32,
            sectors: count as u32,
        };
    }
    let mbr = Mbr {
        code: h.mbr_code.clone().unwrap_or_default(),
        boot_image_sector,
        signature: ids.next_u64() as u32,
        partitions,
    };
    let mut head = vec![0u8; SYSTEM_AREA_BLOCKS as usize * SECTOR];
    head[..DISK_SECTOR].copy_from_slice(&mbr.encode());
    let mut tail = Vec::new();
    if h.gpt {
        let disk_guid = ids.next_guid();
        let parts: Vec<GptPartition> = esp
            .map(|(first, count)| GptPartition {
                kind: Guid::EFI_SYSTEM,
                guid: ids.next_guid(),
                first,
                last: first + count - 1,
                attributes: 0,
                name: "EFI boot image".into(),
            })
            .into_iter()
            .collect();
        let entries = encode_gpt_entries(&parts);
        let entries_crc = crc32(&entries);
        let last = sectors - 1;
        let header = |my: u64, alternate: u64, entries_lba: u64| GptHeader {
            my_lba: my,
            alternate_lba: alternate,
            first_usable: u64::from(SYSTEM_AREA_BLOCKS) * 4,
            last_usable: last - GPT_ARRAY_SECTORS - 1,
            disk_guid,
            entries_lba,
            entries_crc,
        };
        head[DISK_SECTOR..2 * DISK_SECTOR].copy_from_slice(&header(1, last, 2).encode());
        head[2 * DISK_SECTOR..2 * DISK_SECTOR + entries.len()].copy_from_slice(&entries);
        tail = vec![0u8; BACKUP_GPT_BLOCKS as usize * SECTOR];
        let n = tail.len();
        let array_at = n - DISK_SECTOR - entries.len();
        tail[array_at..n - DISK_SECTOR].copy_from_slice(&entries);
        tail[n - DISK_SECTOR..]
            .copy_from_slice(&header(last, 1, last - GPT_ARRAY_SECTORS).encode());
    }
    Ok((head, tail))
}
