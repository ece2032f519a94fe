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

use crate::codec::SECTOR;
use crate::eltorito::{encode_catalog, BootEntry, BootRecord, CatalogEntry, Emulation, PlatformId};
use crate::error::{Error, Result};
use crate::filesystems::FileSystems;
use crate::hybrid::system_area::{
    crc32, encode_gpt_entries, GptHeader, GptPartition, Guid, IdSource, Mbr, MbrPartition,
    DISK_SECTOR, GPT_ARRAY_SECTORS,
};
use crate::image::arena::Stored;
use crate::image::arena::{blocks_of, NodeKind, Stats, TreeData, NO_PARENT, ROOT};
use crate::image::boot::{BootOptions, Hybrid};
use crate::image::settings::Settings;
use crate::image::source::DataSource;
use crate::iso9660::ecma119::{
    ascii_field, ucs2_field, vd_type, volume_date, VolumeDescriptor, JOLIET_ESCAPE_LEVEL3,
    VOLUME_DATE_UNSET,
};
use crate::iso9660::hierarchy::{Context, Ecma119Tree, Flavor, Serials, Target, MAX_EXTENT};
use crate::iso9660::names::volume_name_for;
use crate::time::{source_date_epoch, FileTime};
use crate::udf::ecma167::{
    terminating, volume_structure, Allocation, Avdp, ExtentAd, FileEntry, Integrity, MetadataMap,
    VolumeInfo,
};
use crate::udf::file_structure::{self, Kind, UdfContext, UdfTree};

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
    /// Blocks `first..first + count` of the UDF metadata area (file set
    /// descriptor, file entries, allocation extents), one by one.
    UdfArea { first: u32, count: u32 },
    /// The FIDs of UDF directory `n`.
    UdfDir(u32),
    /// Data UDF keeps apart (a long link target), `n` of `UdfTree::extra`.
    UdfExtra(u32),
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
    /// The UDF file structure, when UDF is written.
    pub(crate) udf: Option<UdfPlan>,
}

impl Plan {
    /// The context the UDF generator needs.
    pub(crate) fn udf_context<'a>(
        &'a self,
        data: &'a TreeData,
    ) -> Option<(&'a UdfTree, UdfContext<'a>)> {
        let u = self.udf.as_ref()?;
        Some((
            &u.tree,
            UdfContext {
                data,
                content_lba: &self.content_lba,
                clamp: self.clamp,
                time: self.volume_time,
                volume_id: &u.volume_id,
            },
        ))
    }

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

/// Hands out blocks in order and records what each run holds. With UDF,
/// block 256 is kept for the anchor volume descriptor pointer: a run that
/// would cross it starts after it instead.
struct Alloc {
    cursor: u64,
    regions: Vec<Region>,
    /// Region index of the anchor at 256, once placed.
    anchor: Option<usize>,
    keep_256: bool,
}

impl Alloc {
    fn new(keep_256: bool) -> Alloc {
        Alloc {
            cursor: 0,
            regions: Vec::new(),
            anchor: None,
            keep_256,
        }
    }

    fn push(&mut self, blocks: u64, kind: RegionKind) -> usize {
        self.regions.push(Region {
            start: self.cursor as u32,
            blocks: blocks as u32,
            kind,
        });
        self.cursor += blocks;
        self.regions.len() - 1
    }

    /// Takes `blocks` (at least 1) for `kind`; returns (first block, region index).
    fn take(&mut self, blocks: u64, kind: RegionKind) -> (u64, usize) {
        if self.keep_256 && self.anchor.is_none() && self.cursor + blocks > ANCHOR {
            self.pass_anchor();
        }
        let at = self.cursor;
        (at, self.push(blocks, kind))
    }

    /// Moves past block 256, placing zeros before it and the anchor in it.
    fn pass_anchor(&mut self) {
        if self.cursor > ANCHOR || self.anchor.is_some() {
            return;
        }
        if self.cursor < ANCHOR {
            self.push(ANCHOR - self.cursor, RegionKind::Zero);
        }
        self.anchor = Some(self.push(1, RegionKind::Zero));
    }

    /// Zero blocks up to `block`.
    fn pad_to(&mut self, block: u64) {
        if block > self.cursor {
            self.push(block - self.cursor, RegionKind::Zero);
        }
    }
}

/// UDF's first anchor volume descriptor pointer.
const ANCHOR: u64 = 256;
/// Blocks of each UDF volume descriptor sequence extent (UDF 2.2.3: at least 16).
const VDS_BLOCKS: u64 = 16;
/// Metadata file allocation unit (blocks): a BD cluster, 64 KiB.
const META_UNIT: u32 = 32;
/// Area blocks generated at a time (a region of the stream).
const AREA_CHUNK: u32 = 256;

/// The UDF part of a plan.
pub(crate) struct UdfPlan {
    pub(crate) tree: UdfTree,
    /// The UDF volume identifier.
    pub(crate) volume_id: String,
}

/// Runs the layout pass.
pub(crate) fn plan(
    data: &TreeData,
    settings: &Settings,
    volume_name: &str,
    volume_time: FileTime,
) -> Result<Plan> {
    let fs = settings.file_systems;
    let iso = fs.contains(FileSystems::ISO9660);
    let udf = fs.contains(FileSystems::UDF);
    if !iso && !udf {
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
            if iso && size_error.is_none() && level < 3 && size > MAX_EXTENT {
                size_error = Some(Error::DataTooBig {
                    path: data.full_path(id),
                    size,
                    reason: "ISO 9660 levels 1 and 2 hold files below 4 GiB; use level 3",
                });
            }
            if iso && size_error.is_none() && size > MAX_EXTENT * 255 {
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

    let mut trees = Vec::new();
    if iso {
        trees.push(Ecma119Tree::build(
            data,
            Flavor::Iso { level, rr },
            settings.strict,
        )?);
        if fs.contains(FileSystems::JOLIET) {
            trees.push(Ecma119Tree::build(data, Flavor::Joliet, settings.strict)?);
        }
    }
    let mut udf_tree = if udf {
        Some(UdfTree::build(data, settings.udf_revision, !iso)?)
    } else {
        None
    };

    // Rock Ridge serial numbers, in primary tree order.
    let mut serials = Serials {
        by_content: vec![0; data.contents.len()],
        by_node: vec![0; data.nodes.len()],
    };
    if let Some(t) = trees.first() {
        let mut next_serial = 1u32;
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
    if !boot.is_empty() && !iso {
        return Err(Error::BootImageData {
            reason: "El Torito boot records live in the ISO 9660 volume descriptors; add iso9660"
                .into(),
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

    // Allocation, in image order.
    let abs = |rel: u64| -> Result<u32> {
        u32::try_from(rel + u64::from(start)).map_err(|_| Error::DataTooBig {
            path: "/".into(),
            size: rel * SECTOR as u64,
            reason: "the image exceeds 2^32 blocks",
        })
    };
    let mut a = Alloc::new(udf);
    let system_region = a.push(u64::from(SYSTEM_AREA_BLOCKS), RegionKind::Zero);
    let iso_vds = if iso {
        2 + u64::from(!boot.is_empty()) + trees.len() as u64 - 1
    } else {
        0
    };
    let vrs = if udf { 3 } else { 0 };
    let (vd_at, vd_region) = a.take(iso_vds + vrs, RegionKind::Zero);
    let udf_vds = if udf {
        let (mvds, m) = a.take(VDS_BLOCKS, RegionKind::Zero);
        let (rvds, r) = a.take(VDS_BLOCKS, RegionKind::Zero);
        let (lvid, l) = a.take(2, RegionKind::Zero);
        Some(((mvds, m), (rvds, r), (lvid, l)))
    } else {
        None
    };
    for (i, t) in trees.iter_mut().enumerate() {
        let blocks = blocks_of(u64::from(t.path_table_size));
        let (at, _) = a.take(
            blocks,
            RegionKind::PathTable {
                tree: i as u8,
                big_endian: false,
            },
        );
        t.l_table = abs(at)?;
        let (at, _) = a.take(
            blocks,
            RegionKind::PathTable {
                tree: i as u8,
                big_endian: true,
            },
        );
        t.m_table = abs(at)?;
    }
    for (i, t) in trees.iter_mut().enumerate() {
        for d in 0..t.dirs.len() as u32 {
            let blocks = u64::from(t.dir_blocks(d));
            let (at, _) = a.take(
                blocks,
                RegionKind::Directory {
                    tree: i as u8,
                    dir: d,
                },
            );
            t.dirs[d as usize].lba = abs(at)?;
        }
    }
    // Boot catalog and the boot images that are not tree files.
    let shared: Vec<Option<u32>> = match trees.first() {
        Some(t) => boot.iter().map(|b| tree_content_of(data, t, b)).collect(),
        None => vec![None; boot.len()],
    };
    let mut planned_boot = Vec::with_capacity(boot.len());
    let mut catalog = None;
    if !boot.is_empty() {
        let (at, idx) = a.take(1, RegionKind::Zero);
        catalog = Some((at, idx));
        for (i, ((b, &system_type), share)) in
            boot.iter().zip(&system_types).zip(&shared).enumerate()
        {
            let lba = if share.is_none() {
                let (at, _) = a.take(blocks_of(b.image_size()), RegionKind::BootImage(i as u8));
                abs(at)?
            } else {
                0
            };
            planned_boot.push(PlannedBoot {
                options: b.clone(),
                lba,
                system_type,
                file: None,
            });
        }
    }
    let catalog_at = catalog.map(|c| c.0).unwrap_or(0);

    // UDF: the partition starts after the anchor at 256 with the metadata
    // area, so the file set descriptor is the partition's first block and
    // metadata partition block k is physical partition block k (readers
    // such as pycdlib assume both). Then the metadata file entries and what
    // readers of the default streams never read (the metadata mirror, named
    // streams, long link targets), then file data. 7-Zip takes anything but
    // zeros and the anchor after the last extent it read for a damaged
    // image, so when no file extent follows, the unread part goes first.
    let mut udf_parts = None;
    let mut files = Vec::new();
    let mut placed = vec![false; data.contents.len()];
    let mut mirror_start = None;
    if let Some(t) = udf_tree.as_mut() {
        a.pass_anchor();
        a.pad_to(ANCHOR + 1);
        let partition_start = a.cursor;
        let meta = t.metadata_partition();
        let mirror = meta && settings.udf_redundant_metadata;
        let area_blocks = if meta {
            t.area_blocks.div_ceil(META_UNIT) * META_UNIT
        } else {
            t.area_blocks
        };
        let unread = mirror || !t.stream_contents.is_empty() || !t.extra.is_empty();
        let file_extent_follows = t.entries.iter().any(|e| match e.kind {
            Kind::File(c) => !e.embedded && data.contents[c as usize].size > 0,
            _ => false,
        });
        let area_first = !unread || file_extent_follows;
        let mut area_start = partition_start;
        let mut meta_fes = None;
        for is_area in if area_first {
            [true, false]
        } else {
            [false, true]
        } {
            if is_area {
                area_start = a.cursor;
                push_area(&mut a, t, area_blocks);
                continue;
            }
            if meta {
                meta_fes = Some((a.take(1, RegionKind::Zero), a.take(1, RegionKind::Zero)));
            }
            if mirror {
                mirror_start = Some(a.cursor);
                push_area(&mut a, t, area_blocks);
            }
            let streams = t.stream_contents.clone();
            place_files(
                &mut a,
                data,
                &streams,
                &mut placed,
                &mut content_lba,
                &mut files,
                &shared,
                &mut planned_boot,
                catalog_at,
                start,
                settings.multisession.as_ref(),
            )?;
            t.placement.extra_base = abs(a.cursor)?;
            for i in 0..t.extra.len() {
                a.take(u64::from(t.extra[i].1), RegionKind::UdfExtra(i as u32));
            }
        }
        t.placement.partition_start = abs(partition_start)?;
        t.placement.area_partition = u16::from(meta);
        t.placement.area_base = if meta {
            0
        } else {
            (area_start - partition_start) as u32
        };
        udf_parts = Some((partition_start, meta_fes, area_start, area_blocks));
    }

    // File data: in ISO 9660 directory order, then what only UDF records.
    let mut order: Vec<(u32, u32)> = Vec::new();
    for t in &trees {
        for e in &t.entries {
            if let Target::File(c) = e.target {
                order.push((c, e.node));
            }
        }
    }
    if let Some(t) = &udf_tree {
        order.extend_from_slice(&t.own_contents);
    }
    place_files(
        &mut a,
        data,
        &order,
        &mut placed,
        &mut content_lba,
        &mut files,
        &shared,
        &mut planned_boot,
        catalog_at,
        start,
        settings.multisession.as_ref(),
    )?;
    let data_end = a.cursor;

    // The end: hybrid padding (with the backup GPT) and the last UDF anchor.
    let hybrid = settings.hybrid.as_ref();
    let gpt_tail = hybrid.is_some_and(|h| h.gpt);
    let total = match (hybrid.is_some(), udf) {
        (false, false) => data_end,
        (false, true) => data_end + 1,
        (true, false) => {
            (data_end + if gpt_tail { BACKUP_GPT_BLOCKS } else { 0 }).div_ceil(MIB_BLOCKS)
                * MIB_BLOCKS
        }
        // The backup GPT takes the last blocks, so the anchor goes to N - 256.
        (true, true) => {
            (data_end + 1 + if gpt_tail { 256 } else { 0 }).div_ceil(MIB_BLOCKS) * MIB_BLOCKS
        }
    };
    let end_anchor = if udf {
        Some(if gpt_tail { total - 257 } else { total - 1 })
    } else {
        None
    };
    let tail_blocks = if gpt_tail { BACKUP_GPT_BLOCKS } else { 0 };
    if let Some(ea) = end_anchor {
        a.pad_to(ea);
        a.push(1, RegionKind::Zero);
    }
    a.pad_to(total - tail_blocks);
    let tail_region = (tail_blocks > 0).then(|| a.push(tail_blocks, RegionKind::Zero));
    debug_assert_eq!(a.cursor, total);
    let total_blocks = u32::try_from(total).map_err(|_| Error::DataTooBig {
        path: "/".into(),
        size: total * SECTOR as u64,
        reason: "the image exceeds 2^32 blocks",
    })?;
    abs(total)?;

    let iso_volume_id = volume_name_for(volume_name, FileSystems::ISO9660);
    let udf_volume_id: String = volume_name.chars().take(30).collect();
    let mut plan = Plan {
        start,
        total_blocks,
        volume_id: if iso {
            iso_volume_id
        } else {
            udf_volume_id.clone()
        },
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
        udf: None,
    };

    // Now every address is known: the fixed regions.
    let mut regions = std::mem::take(&mut a.regions);
    let catalog_lba = catalog.map(|c| start + c.0 as u32);
    if let Some(h) = hybrid {
        let (head, tail) = hybrid_area(&plan, h)?;
        regions[system_region].kind = RegionKind::Fixed(head.into());
        if let Some(r) = tail_region {
            regions[r].kind = RegionKind::Fixed(tail.into());
        }
    }
    let mut vds = if iso {
        volume_descriptors(&plan, data, volume_name, start + total_blocks, catalog_lba)
    } else {
        Vec::new()
    };
    if let Some(t) = &udf_tree {
        for id in [
            b"BEA01",
            if t.extended() { b"NSR03" } else { b"NSR02" },
            b"TEA01",
        ] {
            vds.extend_from_slice(&volume_structure(id));
        }
    }
    debug_assert_eq!(vds.len() as u64, (iso_vds + vrs) * SECTOR as u64);
    let _ = vd_at;
    regions[vd_region].kind = RegionKind::Fixed(vds.into());
    if let Some((_, idx)) = catalog {
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
        regions[idx].kind = RegionKind::Fixed(encode_catalog(&entries).to_vec().into());
    }
    if let (Some(t), Some((partition_start, meta_fes, area_start, area_blocks)), Some(vds)) =
        (udf_tree, udf_parts, udf_vds)
    {
        let abs_partition = start + partition_start as u32;
        let end = start + end_anchor.expect("UDF has an end anchor") as u32;
        let info = VolumeInfo {
            revision: t.revision,
            volume_id: udf_volume_id.clone(),
            volume_set_id: volume_set_id(&udf_volume_id, volume_time, total_blocks),
            time: volume_time,
            partition_start: abs_partition,
            partition_length: end - abs_partition,
            metadata: meta_fes.map(|((main, _), (mirror, _))| MetadataMap {
                file: (main - partition_start) as u32,
                mirror: (mirror - partition_start) as u32,
                bitmap: 0xFFFF_FFFF,
                allocation_unit: META_UNIT,
                alignment_unit: META_UNIT as u16,
                duplicated: mirror_start.is_some(),
            }),
            fsd: (
                t.placement.area_partition,
                t.placement.area_base + file_structure::FSD_BLOCK,
            ),
            integrity: ExtentAd {
                length: 2 * SECTOR as u32,
                location: start + (vds.2).0 as u32,
            },
            maps: Vec::new(),
        };
        let ((mvds, m), (rvds, r), (lvid, l)) = vds;
        for (at, idx) in [(mvds, m), (rvds, r)] {
            let at = start + at as u32;
            let mut seq = Vec::with_capacity(VDS_BLOCKS as usize * SECTOR);
            seq.extend_from_slice(&info.pvd(at));
            seq.extend_from_slice(&info.iuvd(at + 1));
            seq.extend_from_slice(&info.pd(at + 2));
            seq.extend_from_slice(&info.lvd(at + 3));
            seq.extend_from_slice(&info.usd(at + 4));
            seq.extend_from_slice(&info.td(at + 5));
            seq.resize(VDS_BLOCKS as usize * SECTOR, 0);
            regions[idx].kind = RegionKind::Fixed(seq.into());
        }
        let version = t.version();
        let mut partitions = vec![(0, end - abs_partition)];
        if t.metadata_partition() {
            partitions.push((area_blocks - t.area_blocks, area_blocks));
        }
        let mut integrity = Integrity {
            time: volume_time,
            next_unique_id: t.next_unique_id,
            partitions,
            files: t.files,
            directories: t.directories,
            revision: t.revision,
        }
        .encode(start + lvid as u32)
        .to_vec();
        integrity.extend_from_slice(&terminating(version, start + lvid as u32 + 1));
        regions[l].kind = RegionKind::Fixed(integrity.into());
        let avdp = Avdp {
            main: ExtentAd {
                length: (VDS_BLOCKS as usize * SECTOR) as u32,
                location: start + mvds as u32,
            },
            reserve: ExtentAd {
                length: (VDS_BLOCKS as usize * SECTOR) as u32,
                location: start + rvds as u32,
            },
        };
        if let Some(idx) = a.anchor {
            regions[idx].kind =
                RegionKind::Fixed(avdp.encode(version, start + ANCHOR as u32).to_vec().into());
        }
        let end_idx = regions
            .iter()
            .position(|r| u64::from(r.start) == end_anchor.expect("UDF end anchor"))
            .expect("the end anchor region");
        regions[end_idx].kind = RegionKind::Fixed(avdp.encode(version, end).to_vec().into());
        if let Some(((main, mi), (mirror, ri))) = meta_fes {
            let area = |from: u64| ExtentAd {
                length: 0,
                location: (from - partition_start) as u32,
            };
            let main_extent = area(area_start);
            let mirror_extent = area(mirror_start.unwrap_or(area_start));
            for (at, idx, ty, ext) in [
                (
                    main,
                    mi,
                    crate::udf::ecma167::file_type::METADATA,
                    main_extent,
                ),
                (
                    mirror,
                    ri,
                    crate::udf::ecma167::file_type::METADATA_MIRROR,
                    mirror_extent,
                ),
            ] {
                let block = metadata_file_entry(
                    version,
                    (at - partition_start) as u32,
                    ty,
                    ext.location,
                    area_blocks,
                    volume_time,
                );
                regions[idx].kind = RegionKind::Fixed(block.to_vec().into());
            }
        }
        plan.udf = Some(UdfPlan {
            tree: t,
            volume_id: udf_volume_id,
        });
    }
    debug_assert!(regions
        .windows(2)
        .all(|w| w[0].start + w[0].blocks == w[1].start));
    plan.regions = regions;
    Ok(plan)
}

/// Places the contents of `order` not placed yet, back to back, as one
/// `Files` region; boot images that are tree files take their file's place.
#[allow(clippy::too_many_arguments)]
fn place_files(
    a: &mut Alloc,
    data: &TreeData,
    order: &[(u32, u32)],
    placed: &mut [bool],
    content_lba: &mut [u32],
    files: &mut Vec<FilePlace>,
    shared: &[Option<u32>],
    planned_boot: &mut [PlannedBoot],
    catalog_at: u64,
    start: u32,
    multisession: Option<&crate::read::multisession::Multisession>,
) -> Result<()> {
    let abs = |rel: u64| -> Result<u32> {
        u32::try_from(rel + u64::from(start)).map_err(|_| Error::DataTooBig {
            path: "/".into(),
            size: rel * SECTOR as u64,
            reason: "the image exceeds 2^32 blocks",
        })
    };
    let first = a.cursor;
    let mut cursor = first;
    for &(c, node) in order {
        if placed[c as usize] {
            continue;
        }
        placed[c as usize] = true;
        // Data of an earlier session on the same medium stays where it is.
        if let Some(b) = crate::read::multisession::referenced_block(
            multisession,
            &data.contents[c as usize].source,
        ) {
            content_lba[c as usize] = b;
            continue;
        }
        if matches!(data.contents[c as usize].source, Stored::BootCatalog) {
            content_lba[c as usize] = abs(catalog_at)?;
            continue;
        }
        let blocks = blocks_of(data.contents[c as usize].size);
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
            node,
        });
        cursor += blocks;
    }
    if cursor > first {
        let (at, _) = a.take(cursor - first, RegionKind::Files);
        debug_assert_eq!(at, first);
    }
    Ok(())
}

/// Pushes the UDF metadata area: entries and extent blocks in chunks, each
/// directory's data, zeros up to `area_blocks`.
fn push_area(a: &mut Alloc, t: &UdfTree, area_blocks: u32) {
    let mut k = 0;
    while k < t.dir_base {
        let n = (t.dir_base - k).min(AREA_CHUNK);
        a.take(u64::from(n), RegionKind::UdfArea { first: k, count: n });
        k += n;
    }
    let mut by_block: Vec<usize> = (0..t.dirs.len()).collect();
    by_block.sort_by_key(|&d| t.dirs[d].block);
    for d in by_block {
        let dir = &t.dirs[d];
        let n = dir.size.div_ceil(SECTOR as u32);
        debug_assert_eq!(dir.block, k);
        a.take(u64::from(n), RegionKind::UdfDir(d as u32));
        k += n;
    }
    if area_blocks > k {
        a.take(u64::from(area_blocks - k), RegionKind::Zero);
    }
}

/// The entry of the metadata file or its mirror (UDF 2.60 2.2.13): an
/// extended file entry in the physical partition whose data is the area.
fn metadata_file_entry(
    version: u16,
    location: u32,
    ty: u8,
    first: u32,
    blocks: u32,
    time: FileTime,
) -> [u8; SECTOR] {
    let length = u64::from(blocks) * SECTOR as u64;
    let mut ads = Vec::new();
    let mut off = 0u64;
    while off < length {
        let part = (length - off).min(file_structure::MAX_AD_EXTENT);
        ads.push((part as u32, first + (off / SECTOR as u64) as u32));
        off += part;
    }
    FileEntry {
        extended: true,
        file_type: ty,
        icb_flags: 0,
        uid: u32::MAX,
        gid: u32::MAX,
        permissions: 0,
        link_count: 1,
        length,
        blocks_recorded: u64::from(blocks),
        accessed: time,
        modified: time,
        created: time,
        attributes_changed: time,
        unique_id: 0,
        stream_dir: None,
        extended_attributes: Vec::new(),
        allocation: Allocation::Short(ads),
    }
    .encode(version, location)
}

/// The volume set identifier: 16 hex digits unique to this volume (UDF
/// 2.2.2.5), derived from its name, time and size, then the name.
fn volume_set_id(name: &str, time: FileTime, blocks: u32) -> String {
    let mut seed = name.as_bytes().to_vec();
    seed.extend_from_slice(&time.unix_nanos().to_le_bytes());
    seed.extend_from_slice(&blocks.to_le_bytes());
    format!("{:016X}{name}", IdSource::from_bytes(&seed).next_u64())
}

/// Blocks of one MiB.
const MIB_BLOCKS: u64 = 512;
/// Blocks kept at the end for the backup GPT: 32 sectors of entries and the
/// header sector, rounded up to whole blocks (the GPT's last sector is the
/// image's last).
const BACKUP_GPT_BLOCKS: u64 = (GPT_ARRAY_SECTORS + 1).div_ceil(4);

/// The system area (MBR, primary GPT) of a hybrid image, and the tail that
/// holds the backup GPT (empty without a GPT).
fn hybrid_area(plan: &Plan, h: &Hybrid) -> Result<(Vec<u8>, Vec<u8>)> {
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
    Ok((head, tail))
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
    out.extend_from_slice(&crate::iso9660::ecma119::terminator());
    out
}
