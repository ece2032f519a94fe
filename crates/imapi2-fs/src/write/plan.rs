//! The layout pass: each enabled format is a writer that reserves its
//! blocks from one allocator, stage by stage in image order (see
//! [`Stage`]); file data is placed once and shared by all trees; the result
//! is a plan: an ordered list of regions (bytes fixed during planning, parts
//! the writers generate, file data, zeros) from which the image stream
//! produces bytes on demand. No file data is read here.
//!
//! Block order (relative to the session start):
//!
//! | blocks | content | writer |
//! |---|---|---|
//! | 0–15 | system area (zeros, or a hybrid MBR and GPT) | hybrid |
//! | 16 | primary volume descriptor | ISO 9660 |
//! | next | El Torito boot record | El Torito |
//! | next | Joliet supplementary volume descriptor | Joliet |
//! | next | volume descriptor set terminator | set terminator |
//! | next | UDF volume recognition sequence | UDF |
//! | next | UDF main and reserve descriptor sequences, integrity | UDF |
//! | next | path tables: ISO 9660 L, M; Joliet L, M | ISO 9660, Joliet |
//! | next | ISO 9660 directories (each followed by its Rock Ridge continuation area), Joliet directories | ISO 9660, Joliet |
//! | next | boot catalog, boot images that are not tree files | El Torito |
//! | 256, next | UDF anchor, partition: metadata area, metadata file entries and mirror, named streams, long link targets | UDF |
//! | next | file data, in ISO 9660 directory order, then what only UDF records, once per file (hard links share) | plan |
//! | end | padding to whole MiB, UDF end anchor, backup GPT | hybrid, UDF |

use std::sync::Arc;

use crate::codec::SECTOR;
use crate::eltorito::writer::ElToritoWriter;
use crate::error::{Error, Result};
use crate::filesystems::FileSystems;
use crate::hybrid::writer::HybridWriter;
use crate::image::arena::{blocks_of, NodeKind, Stats, TreeData, ROOT};
use crate::image::settings::Settings;
use crate::iso9660::names::volume_name_for;
use crate::iso9660::writer::{Ecma119Writer, SetTerminator};
use crate::time::{source_date_epoch, FileTime};
use crate::udf::writer::UdfWriter;
use crate::write::alloc::{Region, RegionKind};
use crate::write::layout::{BootImage, FilePlace, GeneratedFile, Layout, SYSTEM_AREA_BLOCKS};
use crate::write::writer::{Stage, Volume, Writer};

/// The planned image.
pub(crate) struct Plan {
    /// `SessionStartBlock`: absolute block of stream block 0.
    pub(crate) start: u32,
    /// Blocks in the stream.
    pub(crate) total_blocks: u32,
    /// The ISO 9660 volume identifier, else the UDF one (IMAPI `DiscId`).
    pub(crate) volume_id: String,
    pub(crate) volume_time: FileTime,
    pub(crate) clamp: Option<FileTime>,
    pub(crate) regions: Vec<Region>,
    /// Files with data, in block order (the `Files` regions).
    pub(crate) files: Vec<FilePlace>,
    /// Absolute block of each content's data.
    pub(crate) content_lba: Vec<u32>,
    pub(crate) file_systems: FileSystems,
    /// The writers, in block order.
    writers: Vec<Box<dyn Writer>>,
    /// Files whose bytes a writer generates, in file order.
    generated_files: Vec<GeneratedFile>,
    /// El Torito's boot images, in catalog order.
    boot_images: Vec<BootImage>,
    /// What the image could not hold exactly (one line each).
    pub(crate) warnings: Vec<String>,
}

impl Plan {
    /// What the writers see of the finished layout.
    fn volume<'a>(&'a self, data: &'a TreeData) -> Volume<'a> {
        Volume {
            data,
            start: self.start,
            total_blocks: self.total_blocks,
            volume_id: &self.volume_id,
            volume_time: self.volume_time,
            clamp: self.clamp,
            content_lba: &self.content_lba,
            boot_images: &self.boot_images,
        }
    }

    /// The bytes of region `region`, whole blocks, when they are made rather
    /// than read (`None` for zeros and file data).
    pub(crate) fn region_bytes(&self, region: usize, data: &TreeData) -> Result<Option<Vec<u8>>> {
        Ok(match &self.regions[region].kind {
            RegionKind::Fixed(b) => Some(b.to_vec()),
            RegionKind::Generated { writer, part } => {
                Some(self.writers[usize::from(*writer)].generate(*part, &self.volume(data))?)
            }
            RegionKind::Zero | RegionKind::Files => None,
        })
    }

    /// Whether a writer generates the bytes of file `k` of `files` (a boot
    /// image that is a file of the tree).
    pub(crate) fn generated_file(&self, k: usize) -> Option<GeneratedFile> {
        self.generated_files.iter().find(|g| g.file == k).copied()
    }

    /// The bytes of a generated file, padded to whole blocks.
    pub(crate) fn file_bytes(&self, g: GeneratedFile, data: &TreeData) -> Result<Vec<u8>> {
        self.writers[usize::from(g.writer)].generate(g.part, &self.volume(data))
    }

    /// The index in `files` of the file whose data holds relative block `block`
    /// (the block must be in a `Files` region).
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
    let iso = fs.contains(FileSystems::ISO9660);
    if !iso && !fs.contains(FileSystems::UDF) {
        return Err(Error::NoOutput);
    }
    let iso_volume_id = volume_name_for(volume_name, FileSystems::ISO9660);
    let udf_volume_id: String = volume_name.chars().take(30).collect();
    let volume_id = if iso {
        iso_volume_id.clone()
    } else {
        udf_volume_id.clone()
    };
    let mut writers = make_writers(data, settings, volume_name, iso_volume_id, udf_volume_id)?;
    let start = settings.session_start_block;
    let mut layout = Layout::new(data, start, settings.multisession.as_ref());
    lay_out(&mut writers, &mut layout)?;
    let total = layout.alloc.cursor;
    let total_blocks = u32::try_from(total).map_err(|_| Error::DataTooBig {
        path: "/".into(),
        size: total * SECTOR as u64,
        reason: "the image exceeds 2^32 blocks",
    })?;
    layout.abs(total)?;
    let mut plan = Plan {
        start,
        total_blocks,
        volume_id,
        volume_time,
        clamp: settings.fixed_time.or_else(source_date_epoch),
        regions: std::mem::take(&mut layout.alloc.regions),
        files: std::mem::take(&mut layout.files),
        content_lba: std::mem::take(&mut layout.content_lba),
        file_systems: fs,
        writers,
        generated_files: std::mem::take(&mut layout.generated_files),
        boot_images: std::mem::take(&mut layout.boot_images),
        warnings: Vec::new(),
    };
    plan.warnings = plan.writers.iter().flat_map(|w| w.warnings()).collect();
    plan.warnings.extend(left_out(data, fs));
    plan.warnings.extend(not_utf8(data, fs));
    fix(&mut plan, data)?;
    debug_assert!(plan
        .regions
        .windows(2)
        .all(|w| w[0].start + w[0].blocks == w[1].start));
    Ok(plan)
}

/// Symbolic links and special files that no selected file system holds
/// (ISO 9660 and Joliet have no place for them; Rock Ridge and UDF do).
fn left_out(data: &TreeData, fs: FileSystems) -> Option<String> {
    if fs.contains(FileSystems::ROCK_RIDGE) || fs.contains(FileSystems::UDF) {
        return None;
    }
    let (mut links, mut special) = (0u64, 0u64);
    data.walk(ROOT, |_, n| match n.kind {
        NodeKind::Symlink { .. } => links += 1,
        NodeKind::Special(_) => special += 1,
        _ => {}
    });
    let plural = |n: u64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let what = match (links, special) {
        (0, 0) => return None,
        (l, 0) => plural(l, "symbolic link is", "symbolic links are"),
        (0, s) => plural(s, "special file is", "special files are"),
        (l, s) => format!(
            "{} and {}",
            plural(l, "symbolic link", "symbolic links"),
            plural(s, "special file are", "special files are")
        ),
    };
    Some(format!(
        "{what} left out: {fs} cannot hold them (Rock Ridge or UDF can)"
    ))
}

/// Names (and link targets) that are not UTF-8: where they are recorded
/// exactly and where they are not.
fn not_utf8(data: &TreeData, fs: FileSystems) -> Option<String> {
    let mut first = None;
    let mut count = 0u64;
    data.walk(ROOT, |id, n| {
        let target = match &n.kind {
            NodeKind::Symlink { target } => crate::escape::has_carried(target),
            _ => false,
        };
        if crate::escape::has_carried(&n.name) || target {
            count += 1;
            first.get_or_insert(id);
        }
    });
    let first = first?;
    let path = crate::escape::shown(&data.full_path(first)).into_owned();
    let exact = if fs.contains(FileSystems::ROCK_RIDGE) {
        "Rock Ridge records them exactly; "
    } else {
        ""
    };
    let others: Vec<&str> = [
        (FileSystems::ISO9660, "ISO 9660"),
        (FileSystems::JOLIET, "Joliet"),
        (FileSystems::UDF, "UDF"),
    ]
    .into_iter()
    .filter(|(f, _)| fs.contains(*f))
    .map(|(_, n)| n)
    .collect();
    let what = if count == 1 {
        format!("{path}: a name that is not UTF-8")
    } else {
        format!("{count} names are not UTF-8 (the first: {path})")
    };
    Some(format!(
        "{what}: {exact}{} get `_` for each byte that is not",
        others.join(", ")
    ))
}

/// The writers of the selected file systems, in block order. They are made
/// in the order their checks run: the ISO 9660 tree (files too large for
/// the level first), Joliet, UDF, then the boot entries.
fn make_writers(
    data: &TreeData,
    settings: &Settings,
    volume_name: &str,
    iso_volume_id: String,
    udf_volume_id: String,
) -> Result<Vec<Box<dyn Writer>>> {
    let fs = settings.file_systems;
    let iso = fs.contains(FileSystems::ISO9660);
    let primary = match iso {
        true => Some(Ecma119Writer::primary(data, settings, iso_volume_id)?),
        false => None,
    };
    let joliet = match iso && fs.contains(FileSystems::JOLIET) {
        true => {
            let name = volume_name_for(volume_name, FileSystems::JOLIET);
            Some(Ecma119Writer::joliet(data, settings, name)?)
        }
        false => None,
    };
    let udf = match fs.contains(FileSystems::UDF) {
        true => Some(UdfWriter::new(data, settings, !iso, udf_volume_id)?),
        false => None,
    };
    let boot = match settings.boot.is_empty() {
        true => None,
        false => Some(ElToritoWriter::new(
            data,
            &settings.boot,
            settings.session_start_block,
            primary.as_ref().map(Ecma119Writer::tree),
        )?),
    };
    let mut writers: Vec<Box<dyn Writer>> = Vec::new();
    if let Some(h) = &settings.hybrid {
        writers.push(Box::new(HybridWriter::new(h.clone())));
    }
    if let Some(w) = primary {
        writers.push(Box::new(w));
    }
    if let Some(w) = boot {
        writers.push(Box::new(w));
    }
    if let Some(w) = joliet {
        writers.push(Box::new(w));
    }
    if iso {
        writers.push(Box::new(SetTerminator));
    }
    if let Some(w) = udf {
        writers.push(Box::new(w));
    }
    Ok(writers)
}

/// Asks every writer, in order, what it puts at `stage`.
fn run(writers: &mut [Box<dyn Writer>], stage: Stage, layout: &mut Layout) -> Result<()> {
    for (i, w) in writers.iter_mut().enumerate() {
        layout.writer = i as u8;
        w.reserve(stage, layout)?;
    }
    Ok(())
}

/// Lays the image out: the system area, the stages in image order with the
/// file data after [`Stage::Files`], and the end of the volume.
fn lay_out(writers: &mut [Box<dyn Writer>], layout: &mut Layout) -> Result<()> {
    layout
        .alloc
        .push(u64::from(SYSTEM_AREA_BLOCKS), RegionKind::Zero);
    run(writers, Stage::Descriptors, layout)?;
    let at = layout.take(layout.descriptor_blocks);
    debug_assert_eq!(at, u64::from(SYSTEM_AREA_BLOCKS));
    for stage in [
        Stage::VolumeStructures,
        Stage::PathTables,
        Stage::Directories,
        Stage::Boot,
        Stage::Partition,
        Stage::Files,
    ] {
        run(writers, stage, layout)?;
    }
    let order = std::mem::take(&mut layout.file_order);
    layout.place_files(&order)?;
    let data_end = layout.alloc.cursor;
    layout.end.data_end = data_end;
    layout.end.min_blocks = data_end;
    run(writers, Stage::End, layout)?;
    let end = &mut layout.end;
    end.total = end.min_blocks.div_ceil(end.align) * end.align;
    let total = end.total;
    run(writers, Stage::Tail, layout)?;
    let mut tail = std::mem::take(&mut layout.tail);
    tail.sort_unstable();
    for (at, blocks) in tail {
        layout.alloc.pad_to(at);
        layout.alloc.push(blocks, RegionKind::Zero);
    }
    layout.alloc.pad_to(total);
    debug_assert_eq!(layout.alloc.cursor, total);
    Ok(())
}

/// Now every address is known: the descriptors and the blocks the writers
/// fix, each put in the region reserved for it.
fn fix(plan: &mut Plan, data: &TreeData) -> Result<()> {
    let mut fixed = Vec::new();
    {
        let volume = plan.volume(data);
        let mut descriptors = Vec::new();
        for w in &plan.writers {
            w.write_descriptors(&volume, &mut descriptors);
        }
        fixed.push((u64::from(SYSTEM_AREA_BLOCKS), descriptors));
        for w in &plan.writers {
            w.write_fixed(&volume, &mut fixed)?;
        }
    }
    for (block, bytes) in fixed {
        let r = plan.region_at(block as u32);
        let region = &mut plan.regions[r];
        debug_assert_eq!(u64::from(region.start), block);
        debug_assert_eq!(region.blocks as usize * SECTOR, bytes.len());
        region.kind = RegionKind::Fixed(Arc::from(bytes));
    }
    Ok(())
}
