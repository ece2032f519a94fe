//! The layout pass: every writer reserves its blocks from one allocator, file
//! data is placed once and shared by all trees, and the result is a plan: an
//! ordered list of regions (generated metadata, file data, zeros) from which
//! the image stream produces bytes on demand. No file data is read here.
//!
//! Block order (relative to the session start):
//!
//! | blocks | content |
//! |---|---|
//! | 0–15 | system area (zeros) |
//! | 16 | primary volume descriptor |
//! | 17 | Joliet supplementary volume descriptor, if any |
//! | next | volume descriptor set terminator |
//! | next | path tables: ISO 9660 L, M; Joliet L, M |
//! | next | ISO 9660 directories, each followed by its Rock Ridge continuation area |
//! | next | Joliet directories |
//! | next | file data, in ISO 9660 directory order, once per file (hard links share) |

use std::sync::Arc;

use crate::boot::{BootOptions, Hybrid};
use crate::ecma119::{
    ascii_field, ucs2_field, vd_type, volume_date, VolumeDescriptor, JOLIET_ESCAPE_LEVEL3, SECTOR,
    VOLUME_DATE_UNSET,
};
use crate::eltorito::{encode_catalog, BootEntry, BootRecord, CatalogEntry, Emulation, PlatformId};
use crate::error::{Error, Result};
use crate::filesystems::FileSystems;
use crate::image::Settings;
use crate::iso_tree::{Context, Ecma119Tree, Flavor, Serials, Target, MAX_EXTENT};
use crate::names::volume_name_for;
use crate::source::{DataSource, Stored};
use crate::system_area::{
    crc32, encode_gpt_entries, GptHeader, GptPartition, Guid, IdSource, Mbr, MbrPartition,
    DISK_SECTOR, GPT_ARRAY_SECTORS,
};
use crate::time::{source_date_epoch, FileTime};
use crate::tree::{blocks_of, NodeKind, Stats, TreeData, NO_PARENT, ROOT};

/// First block after the system area.
const SYSTEM_AREA_BLOCKS: u32 = 16;

/// What a region of the image holds.
#[derive(Clone, Debug)]
pub(crate) enum RegionKind {
    /// Zero bytes.
    Zero,
    /// Bytes generated during planning (volume descriptors).
    Fixed(Arc<[u8]>),
    /// A path table of tree `tree`.
    PathTable { tree: u8, big_endian: bool },
    /// A directory of tree `tree`, with its continuation area.
    Directory { tree: u8, dir: u32 },
    /// The file data area: the files of `Plan::files`, back to back.
    Files,
    /// Boot image `n` of `Plan::boot` (read, and patched with its boot info
    /// table, when written).
    BootImage(u8),
}

/// A boot entry with its place.
#[derive(Clone, Debug)]
pub(crate) struct PlannedBoot {
    pub(crate) options: BootOptions,
    /// Absolute block of the image.
    pub(crate) lba: u32,
    /// Partition type of a hard-disk image.
    pub(crate) system_type: u8,
    /// When the image is a file of the tree: that file's index in
    /// `Plan::files`, whose extent the image shares.
    pub(crate) file: Option<usize>,
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

/// Where one file's data lies: 12 bytes per file, however many files.
#[derive(Clone, Copy, Debug)]
pub(crate) struct FilePlace {
    /// First block, relative to the session start.
    pub(crate) start: u32,
    /// Content index.
    pub(crate) content: u32,
    /// The item that first names it (for messages and progress).
    pub(crate) node: u32,
}

/// A run of blocks of one kind.
#[derive(Clone, Debug)]
pub(crate) struct Region {
    /// First block, relative to the session start.
    pub(crate) start: u32,
    /// Number of blocks.
    pub(crate) blocks: u32,
    pub(crate) kind: RegionKind,
}

/// The planned image.
pub(crate) struct Plan {
    /// `SessionStartBlock`: absolute block of stream block 0.
    pub(crate) start: u32,
    /// Blocks in the stream.
    pub(crate) total_blocks: u32,
    /// The ISO 9660 volume identifier (IMAPI `DiscId`).
    pub(crate) volume_id: String,
    pub(crate) volume_time: FileTime,
    pub(crate) clamp: Option<FileTime>,
    pub(crate) regions: Vec<Region>,
    /// Files with data, in block order (the `Files` region).
    pub(crate) files: Vec<FilePlace>,
    pub(crate) trees: Vec<Ecma119Tree>,
    pub(crate) content_lba: Vec<u32>,
    pub(crate) content_links: Vec<u32>,
    pub(crate) serials: Serials,
    pub(crate) file_systems: FileSystems,
    /// El Torito boot images, in catalog order.
    pub(crate) boot: Vec<PlannedBoot>,
}

impl Plan {
    /// The context the tree generators need.
    pub(crate) fn context<'a>(&'a self, data: &'a TreeData) -> Context<'a> {
        Context {
            data,
            content_lba: &self.content_lba,
            content_links: &self.content_links,
            serials: &self.serials,
            clamp: self.clamp,
            volume_time: self.volume_time,
        }
    }

    /// The boot entry whose image is file `k` of `files`, if any.
    pub(crate) fn boot_of_file(&self, k: usize) -> Option<usize> {
        self.boot.iter().position(|b| b.file == Some(k))
    }

    /// The index in `files` of the file whose data holds relative block `block`
    /// (the block must be in the `Files` region).
    pub(crate) fn file_at(&self, block: u32) -> usize {
        self.files
            .partition_point(|f| f.start <= block)
            .saturating_sub(1)
    }

    /// The index of the region holding relative block `block`.
    pub(crate) fn region_at(&self, block: u32) -> usize {
        self.regions
            .partition_point(|r| r.start + r.blocks <= block)
            .min(self.regions.len().saturating_sub(1))
    }
}

/// Running estimate of the blocks an image needs (`UsedBlocks`). It errs on
/// the large side: every directory is charged a block per tree for packing.
pub(crate) fn estimate_blocks(s: &Stats, settings: &Settings) -> u64 {
    let fs = settings.file_systems;
    let items = s.files + s.dirs;
    let mut meta_bytes = 0u64;
    let mut trees = 0u64;
    if fs.contains(FileSystems::ISO9660) {
        trees += 1;
        meta_bytes += items * 48;
        if fs.contains(FileSystems::ROCK_RIDGE) {
            meta_bytes += items * 90 + s.name_bytes;
        }
    }
    if fs.contains(FileSystems::JOLIET) {
        trees += 1;
        meta_bytes += items * 36 + 2 * s.name_bytes;
    }
    let path_tables = 4 * trees * blocks_of(s.dirs * 20 + s.name_bytes.min(s.dirs * 64));
    let directories = s.dirs * trees * 2 + blocks_of(meta_bytes);
    u64::from(SYSTEM_AREA_BLOCKS) + 4 + path_tables + directories + s.data_blocks
}

/// Runs the layout pass.
pub(crate) fn plan(
    data: &TreeData,
    settings: &Settings,
    volume_name: &str,
    volume_time: FileTime,
) -> Result<Plan> {
    let fs = settings.file_systems;
    if !fs.contains(FileSystems::ISO9660) {
        return Err(Error::NoOutput);
    }
    let clamp = settings.fixed_time.or_else(source_date_epoch);
    let level = settings.iso_level;
    let rr = fs.contains(FileSystems::ROCK_RIDGE);

    // Sizes: files too large for the level, link counts.
    let mut content_links = vec![0u32; data.contents.len()];
    let mut size_error = None;
    data.walk(ROOT, |id, n| {
        if let NodeKind::File { content } = n.kind {
            content_links[content as usize] += 1;
            let size = data.contents[content as usize].size;
            if size_error.is_none() && level < 3 && size > MAX_EXTENT {
                size_error = Some(Error::DataTooBig {
                    path: data.full_path(id),
                    size,
                    reason: "ISO 9660 levels 1 and 2 hold files below 4 GiB; use level 3",
                });
            }
            if size_error.is_none() && size > MAX_EXTENT * 255 {
                size_error = Some(Error::DataTooBig {
                    path: data.full_path(id),
                    size,
                    reason: "more than 255 extents of 4 GiB",
                });
            }
        }
    });
    if let Some(e) = size_error {
        return Err(e);
    }

    let mut trees = vec![Ecma119Tree::build(
        data,
        Flavor::Iso { level, rr },
        settings.strict,
    )?];
    if fs.contains(FileSystems::JOLIET) {
        trees.push(Ecma119Tree::build(data, Flavor::Joliet, settings.strict)?);
    }

    // Rock Ridge serial numbers, in primary tree order.
    let mut serials = Serials {
        by_content: vec![0; data.contents.len()],
        by_node: vec![0; data.nodes.len()],
    };
    let mut next_serial = 1u32;
    {
        let t = &trees[0];
        for d in &t.dirs {
            if d.node != NO_PARENT && serials.by_node[d.node as usize] == 0 {
                serials.by_node[d.node as usize] = next_serial;
                next_serial += 1;
            }
        }
        for e in &t.entries {
            match e.target {
                Target::File(c) if serials.by_content[c as usize] == 0 => {
                    serials.by_content[c as usize] = next_serial;
                    next_serial += 1;
                }
                Target::Empty => {
                    serials.by_node[e.node as usize] = next_serial;
                    next_serial += 1;
                }
                _ => {}
            }
        }
    }

    let file_size = |c: u32| data.contents[c as usize].size;
    let mut content_lba = vec![0u32; data.contents.len()];
    {
        let ctx = Context {
            data,
            content_lba: &content_lba,
            content_links: &content_links,
            serials: &serials,
            clamp,
            volume_time,
        };
        for t in trees.iter_mut() {
            t.compute_path_table_size();
            t.compute_dir_sizes(&ctx, &file_size);
        }
    }

    // Boot entries: checked here, images read only for hard-disk emulation
    // (the catalog needs the partition type in their MBR).
    let start = settings.session_start_block;
    let boot = &settings.boot;
    if !boot.is_empty() && start != 0 {
        return Err(Error::BootObjectConflict {
            session_start_block: start,
        });
    }
    let mut system_types = Vec::with_capacity(boot.len());
    for b in boot {
        b.validate()?;
        system_types.push(if b.emulation() == Emulation::HardDisk {
            b.system_type(&b.read_image()?)?
        } else {
            0
        });
    }

    // Allocation.
    let mut cursor: u64 = u64::from(SYSTEM_AREA_BLOCKS);
    let vd_count = 2 + u32::from(!boot.is_empty()) + trees.len() as u32 - 1; // PVD, boot record, SVDs, terminator
    let vd_start = cursor;
    cursor += u64::from(vd_count);
    let abs = |rel: u64| -> Result<u32> {
        u32::try_from(rel + u64::from(start)).map_err(|_| Error::DataTooBig {
            path: "/".into(),
            size: rel * SECTOR as u64,
            reason: "the image exceeds 2^32 blocks, the ISO 9660 limit",
        })
    };
    let mut regions = Vec::new();
    let mut pt_regions = Vec::new();
    for (i, t) in trees.iter_mut().enumerate() {
        let blocks = blocks_of(u64::from(t.path_table_size));
        t.l_table = abs(cursor)?;
        pt_regions.push((cursor, blocks, i as u8, false));
        cursor += blocks;
        t.m_table = abs(cursor)?;
        pt_regions.push((cursor, blocks, i as u8, true));
        cursor += blocks;
    }
    let mut dir_regions = Vec::new();
    for (i, t) in trees.iter_mut().enumerate() {
        for d in 0..t.dirs.len() as u32 {
            t.dirs[d as usize].lba = abs(cursor)?;
            let blocks = u64::from(t.dir_blocks(d));
            dir_regions.push((cursor, blocks, i as u8, d));
            cursor += blocks;
        }
    }
    let catalog_at = cursor;
    let mut planned_boot = Vec::with_capacity(boot.len());
    // Boot images that are files of the tree take that file's place below.
    let shared: Vec<Option<u32>> = boot
        .iter()
        .map(|b| tree_content_of(data, &trees[0], b))
        .collect();
    if !boot.is_empty() {
        cursor += 1;
        for ((b, &system_type), share) in boot.iter().zip(&system_types).zip(&shared) {
            planned_boot.push(PlannedBoot {
                options: b.clone(),
                lba: abs(cursor)?,
                system_type,
                file: None,
            });
            if share.is_none() {
                cursor += blocks_of(b.image_size());
            }
        }
    }
    let boot_end = cursor;
    let mut files = Vec::new();
    let files_start = cursor;
    let mut placed = vec![false; data.contents.len()];
    for t in &trees {
        for e in &t.entries {
            if let Target::File(c) = e.target {
                if placed[c as usize] {
                    continue;
                }
                placed[c as usize] = true;
                if matches!(data.contents[c as usize].source, Stored::BootCatalog) {
                    content_lba[c as usize] = abs(catalog_at)?;
                    continue;
                }
                let blocks = blocks_of(file_size(c));
                if blocks == 0 {
                    continue;
                }
                content_lba[c as usize] = abs(cursor)?;
                for (k, share) in shared.iter().enumerate() {
                    if *share == Some(c) {
                        planned_boot[k].lba = abs(cursor)?;
                        planned_boot[k].file = Some(files.len());
                    }
                }
                files.push(FilePlace {
                    start: cursor as u32,
                    content: c,
                    node: e.node,
                });
                cursor += blocks;
            }
        }
    }
    let files_end = cursor;
    // A hybrid image is padded to whole MiB (the 64/32 pseudo geometry's
    // cylinder), with room at the end for the backup GPT.
    let hybrid = settings.hybrid.as_ref();
    if let Some(h) = hybrid {
        let backup = if h.gpt { BACKUP_GPT_BLOCKS } else { 0 };
        cursor = (cursor + backup).div_ceil(MIB_BLOCKS) * MIB_BLOCKS;
    }
    let total_blocks = u32::try_from(cursor).map_err(|_| Error::DataTooBig {
        path: "/".into(),
        size: cursor * SECTOR as u64,
        reason: "the image exceeds 2^32 blocks, the ISO 9660 limit",
    })?;
    abs(cursor)?;

    // Volume descriptors, catalog and system area, now that every address is known.
    let mut plan = Plan {
        start,
        total_blocks,
        volume_id: volume_name_for(volume_name, FileSystems::ISO9660),
        volume_time,
        clamp,
        regions: Vec::new(),
        files,
        trees,
        content_lba,
        content_links,
        serials,
        file_systems: fs,
        boot: planned_boot,
    };
    let catalog_lba = (!plan.boot.is_empty()).then(|| start + catalog_at as u32);
    let system = match hybrid {
        Some(h) => hybrid_area(&plan, h)?,
        None => None,
    };
    match &system {
        Some((head, _)) => regions.push(Region {
            start: 0,
            blocks: SYSTEM_AREA_BLOCKS,
            kind: RegionKind::Fixed(head.clone().into()),
        }),
        None => regions.push(Region {
            start: 0,
            blocks: SYSTEM_AREA_BLOCKS,
            kind: RegionKind::Zero,
        }),
    }
    let vds = volume_descriptors(&plan, data, volume_name, start + total_blocks, catalog_lba);
    debug_assert_eq!(vds.len(), vd_count as usize * SECTOR);
    regions.push(Region {
        start: vd_start as u32,
        blocks: vd_count,
        kind: RegionKind::Fixed(vds.into()),
    });
    for (s, b, tree, big_endian) in pt_regions {
        regions.push(Region {
            start: s as u32,
            blocks: b as u32,
            kind: RegionKind::PathTable { tree, big_endian },
        });
    }
    for (s, b, tree, dir) in dir_regions {
        regions.push(Region {
            start: s as u32,
            blocks: b as u32,
            kind: RegionKind::Directory { tree, dir },
        });
    }
    if !plan.boot.is_empty() {
        let entries: Vec<CatalogEntry> = plan
            .boot
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
        regions.push(Region {
            start: catalog_at as u32,
            blocks: 1,
            kind: RegionKind::Fixed(encode_catalog(&entries).to_vec().into()),
        });
        for (i, b) in plan.boot.iter().enumerate() {
            if b.file.is_none() {
                regions.push(Region {
                    start: b.lba - start,
                    blocks: blocks_of(b.options.image_size()) as u32,
                    kind: RegionKind::BootImage(i as u8),
                });
            }
        }
    }
    debug_assert_eq!(boot_end, files_start);
    if files_end > files_start {
        regions.push(Region {
            start: files_start as u32,
            blocks: (files_end - files_start) as u32,
            kind: RegionKind::Files,
        });
    }
    if let Some((_, tail)) = system {
        let tail_blocks = (tail.len() / SECTOR) as u64;
        let pad = cursor - files_end - tail_blocks;
        if pad > 0 {
            regions.push(Region {
                start: files_end as u32,
                blocks: pad as u32,
                kind: RegionKind::Zero,
            });
        }
        if tail_blocks > 0 {
            regions.push(Region {
                start: (cursor - tail_blocks) as u32,
                blocks: tail_blocks as u32,
                kind: RegionKind::Fixed(tail.into()),
            });
        }
    } else if cursor > files_end {
        regions.push(Region {
            start: files_end as u32,
            blocks: (cursor - files_end) as u32,
            kind: RegionKind::Zero,
        });
    }
    debug_assert!(regions
        .windows(2)
        .all(|w| w[0].start + w[0].blocks == w[1].start));
    plan.regions = regions;
    Ok(plan)
}

/// Blocks of one MiB.
const MIB_BLOCKS: u64 = 512;
/// Blocks kept at the end for the backup GPT: 32 sectors of entries and the
/// header sector, rounded up to whole blocks (the GPT's last sector is the
/// image's last).
const BACKUP_GPT_BLOCKS: u64 = (GPT_ARRAY_SECTORS + 1).div_ceil(4);

/// The system area (MBR, primary GPT) of a hybrid image, and the tail that
/// holds the backup GPT (empty without a GPT).
fn hybrid_area(plan: &Plan, h: &Hybrid) -> Result<Option<(Vec<u8>, Vec<u8>)>> {
    let sectors = u64::from(plan.total_blocks) * 4;
    let bios = plan.boot.iter().find(|b| {
        b.options.platform_id() == PlatformId::X86 && b.options.emulation() == Emulation::None
    });
    let efi = plan
        .boot
        .iter()
        .find(|b| b.options.platform_id() == PlatformId::EFI);
    let boot_image_sector = match (&h.mbr_code, bios) {
        (Some(_), Some(b)) => u64::from(b.lba) * 4,
        (Some(_), None) => {
            return Err(Error::BootImageData {
                reason: "MBR boot code needs a BIOS (x86) no-emulation boot image to start".into(),
            })
        }
        (None, _) => 0,
    };
    let mut seed = plan.volume_id.as_bytes().to_vec();
    seed.extend_from_slice(&plan.volume_time.unix_nanos().to_le_bytes());
    seed.extend_from_slice(&plan.total_blocks.to_le_bytes());
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
        (first, e.options.image_size().div_ceil(512))
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
    Ok(Some((head, tail)))
}

/// The primary descriptor, the El Torito boot record (at block 17, where
/// firmware looks), the Joliet descriptor and the terminator.
fn volume_descriptors(
    plan: &Plan,
    data: &TreeData,
    volume_name: &str,
    volume_end: u32,
    catalog_lba: Option<u32>,
) -> Vec<u8> {
    let ctx = plan.context(data);
    let created = volume_date(plan.volume_time);
    let app = concat!("IMAPI2-RS ", env!("CARGO_PKG_VERSION"));
    let mut out = Vec::with_capacity(3 * SECTOR);
    for t in &plan.trees {
        let joliet = matches!(t.flavor, Flavor::Joliet);
        let text = |s: &str| -> [u8; 128] {
            if joliet {
                ucs2_field(&s.encode_utf16().collect::<Vec<_>>())
            } else {
                ascii_field(s)
            }
        };
        let vd = VolumeDescriptor {
            descriptor_type: if joliet {
                vd_type::SUPPLEMENTARY
            } else {
                vd_type::PRIMARY
            },
            escape_sequences: {
                let mut e = [0u8; 32];
                if joliet {
                    e[..3].copy_from_slice(&JOLIET_ESCAPE_LEVEL3);
                }
                e
            },
            system_id: if joliet {
                ucs2_field(&"LINUX".encode_utf16().collect::<Vec<_>>())
            } else {
                ascii_field("LINUX")
            },
            volume_id: if joliet {
                ucs2_field(
                    &volume_name_for(volume_name, FileSystems::JOLIET)
                        .encode_utf16()
                        .collect::<Vec<_>>(),
                )
            } else {
                ascii_field(&plan.volume_id)
            },
            volume_space_size: volume_end,
            logical_block_size: SECTOR as u16,
            path_table_size: t.path_table_size,
            l_path_table: t.l_table,
            m_path_table: t.m_table,
            root_record: t.root_record(&ctx),
            volume_set_id: text(""),
            publisher_id: text(""),
            preparer_id: text(""),
            application_id: text(app),
            created,
            modified: created,
            expires: VOLUME_DATE_UNSET,
            effective: VOLUME_DATE_UNSET,
        };
        out.extend_from_slice(&vd.encode());
        if let (false, Some(lba)) = (joliet, catalog_lba) {
            out.extend_from_slice(&BootRecord { catalog_lba: lba }.encode());
        }
    }
    out.extend_from_slice(&crate::ecma119::terminator());
    out
}
