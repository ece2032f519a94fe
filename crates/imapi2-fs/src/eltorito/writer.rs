//! The El Torito writer: the boot record volume descriptor (El Torito §2.0,
//! right after the primary descriptor, where firmware looks), the boot
//! catalog (§2.1-2.4) and the boot images. A boot image that is also a file
//! of the tree (isolinux/isolinux.bin, as mkisofs `-b` points at it) takes
//! that file's place instead of a copy; a boot info table is patched into
//! the image as it is written.

use crate::codec::SECTOR;
use crate::eltorito::Emulation;
use crate::eltorito::{encode_catalog, BootEntry, BootInfoTable, BootRecord, CatalogEntry};
use crate::error::{Error, Result};
use crate::image::arena::{blocks_of, Stored, TreeData};
use crate::image::boot::BootOptions;
use crate::image::source::DataSource;
use crate::iso9660::hierarchy::{Ecma119Tree, Target};
use crate::write::layout::{BootImage, Layout};
use crate::write::writer::{Stage, Volume, Writer};

/// One boot entry with its place. Part `i` is the image of entry `i`.
struct Entry {
    options: BootOptions,
    /// Partition type of a hard-disk image.
    system_type: u8,
    /// The content of the tree file that is this image, if any.
    shared: Option<u32>,
    /// Absolute block of the image.
    lba: u32,
}

/// El Torito's part of the image.
pub(crate) struct ElToritoWriter {
    entries: Vec<Entry>,
    /// Block of the catalog, relative to the session start.
    catalog: u64,
}

impl ElToritoWriter {
    /// Checks the boot entries (a first session of an image with ISO 9660
    /// only) and reads the hard-disk images, whose MBR gives the partition
    /// type the catalog records. `primary` is the ISO 9660 hierarchy, where
    /// a boot image may be a file.
    pub(crate) fn new(
        data: &TreeData,
        boot: &[BootOptions],
        start: u32,
        primary: Option<&Ecma119Tree>,
    ) -> Result<ElToritoWriter> {
        if start != 0 {
            return Err(Error::BootObjectConflict {
                session_start_block: start,
            });
        }
        let Some(primary) = primary else {
            return Err(Error::BootImageData {
                reason:
                    "El Torito boot records live in the ISO 9660 volume descriptors; add iso9660"
                        .into(),
            });
        };
        let mut system_types = Vec::with_capacity(boot.len());
        for b in boot {
            b.validate()?;
            system_types.push(if b.emulation() == Emulation::HardDisk {
                b.system_type(&b.read_image()?)?
            } else {
                0
            });
        }
        let entries = boot
            .iter()
            .zip(system_types)
            .map(|(b, system_type)| Entry {
                options: b.clone(),
                system_type,
                shared: tree_content_of(data, primary, b),
                lba: 0,
            })
            .collect();
        Ok(ElToritoWriter {
            entries,
            catalog: 0,
        })
    }

    /// Boot image `i` as written: read whole, with its boot info table
    /// patched in when asked for, padded to whole blocks.
    fn image_bytes(&self, i: usize, start: u32) -> Result<Vec<u8>> {
        let b = &self.entries[i];
        let mut img = b.options.read_image()?;
        if b.options.boot_info_table() {
            BootInfoTable::for_image(&img, start + 16, b.lba).patch(&mut img);
        }
        img.resize(img.len().div_ceil(SECTOR) * SECTOR, 0);
        Ok(img)
    }
}

/// The content of the tree that is the same host file as boot image `b`, if
/// any: boot loaders usually live in the tree (isolinux/isolinux.bin), and
/// mkisofs `-b` points the catalog at that file rather than at a copy.
fn tree_content_of(data: &TreeData, tree: &Ecma119Tree, b: &BootOptions) -> Option<u32> {
    use std::os::unix::fs::MetadataExt;
    let Some(DataSource::Path(p)) = b.boot_image() else {
        return None;
    };
    let want = std::fs::metadata(p).ok()?;
    let name = p.file_name()?.to_str()?;
    tree.entries.iter().find_map(|e| {
        let Target::File(c) = e.target else {
            return None;
        };
        if &*data.node(e.node).name != name || data.contents[c as usize].size != b.image_size() {
            return None;
        }
        let host = data.contents[c as usize].source.host_path(data)?;
        let md = std::fs::metadata(host).ok()?;
        (md.dev() == want.dev() && md.ino() == want.ino()).then_some(c)
    })
}

impl Writer for ElToritoWriter {
    fn reserve(&mut self, stage: Stage, layout: &mut Layout) -> Result<()> {
        match stage {
            Stage::Descriptors => layout.descriptors(1),
            Stage::Boot => {
                self.catalog = layout.take(1);
                // The catalog made visible as a file is the catalog sector.
                let catalog_lba = layout.abs(self.catalog)?;
                for (c, content) in layout.data.contents.iter().enumerate() {
                    if matches!(content.source, Stored::BootCatalog) {
                        layout.place_at(c as u32, catalog_lba);
                    }
                }
                for (i, e) in self.entries.iter_mut().enumerate() {
                    match e.shared {
                        None => {
                            let blocks = blocks_of(e.options.image_size());
                            let at = layout.take_part(blocks, i as u32);
                            e.lba = layout.abs(at)?;
                        }
                        Some(c) => layout.claim(c, i as u32),
                    }
                }
            }
            Stage::End => {
                for e in &mut self.entries {
                    if let Some(c) = e.shared {
                        e.lba = layout.content_lba[c as usize];
                    }
                    layout.boot_images.push(BootImage {
                        platform: e.options.platform_id(),
                        emulation: e.options.emulation(),
                        lba: e.lba,
                        size: e.options.image_size(),
                    });
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn write_descriptors(&self, v: &Volume, out: &mut Vec<u8>) {
        let catalog_lba = v.start + self.catalog as u32;
        out.extend_from_slice(&BootRecord { catalog_lba }.encode());
    }

    fn write_fixed(&self, _v: &Volume, out: &mut Vec<(u64, Vec<u8>)>) -> Result<()> {
        let entries: Vec<CatalogEntry> = self
            .entries
            .iter()
            .map(|b| CatalogEntry {
                platform: b.options.platform_id(),
                id: b.options.manufacturer().as_bytes().to_vec(),
                entry: BootEntry {
                    bootable: true,
                    emulation: b.options.emulation(),
                    load_segment: b.options.load_segment(),
                    system_type: b.system_type,
                    sector_count: b.options.sector_count(),
                    load_rba: b.lba,
                },
            })
            .collect();
        out.push((self.catalog, encode_catalog(&entries).to_vec()));
        Ok(())
    }

    fn generate(&self, part: u32, v: &Volume) -> Result<Vec<u8>> {
        self.image_bytes(part as usize, v.start)
    }
}
