//! The UDF writer: the volume recognition sequence (ECMA-167 2/9), the main
//! and reserve volume descriptor sequences and the integrity descriptor
//! (3/10), the anchors at 256 and at the end (UDF 2.2.3), and the
//! partition: its metadata area (the file set descriptor, file entries,
//! allocation extents and directories of `file_structure`), for UDF 2.50+
//! the metadata file and its mirror (UDF 2.2.10, 2.2.13), and the data only
//! UDF readers read (named streams, long link targets). File data is shared
//! with the ISO 9660 trees.

use crate::codec::SECTOR;
use crate::error::Result;
use crate::hybrid::system_area::IdSource;
use crate::image::arena::TreeData;
use crate::image::settings::Settings;
use crate::time::FileTime;
use crate::udf::descriptors::UdfContext;
use crate::udf::ecma167::{
    file_type, terminating, volume_structure, Allocation, Avdp, ExtentAd, FileEntry, Integrity,
    MetadataMap, VolumeInfo,
};
use crate::udf::file_structure::{self, Kind, UdfTree};
use crate::write::layout::Layout;
use crate::write::writer::{Stage, Volume, Writer};

/// UDF's first anchor volume descriptor pointer.
const ANCHOR: u64 = 256;
/// Blocks of each UDF volume descriptor sequence extent (UDF 2.2.3: at least 16).
const VDS_BLOCKS: u64 = 16;
/// Metadata file allocation unit (blocks): a BD cluster, 64 KiB.
const META_UNIT: u32 = 32;
/// Area blocks generated at a time (a region of the stream).
const AREA_CHUNK: u32 = 256;

/// What a generated region of UDF holds.
#[derive(Clone, Copy, Debug)]
enum Part {
    /// Blocks `first..first + count` of the metadata area (file set
    /// descriptor, file entries, allocation extents), one by one.
    Area { first: u32, count: u32 },
    /// The FIDs of directory `n`.
    Dir(u32),
    /// Data UDF keeps apart (a long link target), `n` of `UdfTree::extra`.
    Extra(u32),
}

/// Where the writer put its structures, relative to the session start.
#[derive(Clone, Copy, Debug, Default)]
struct Places {
    main_vds: u64,
    reserve_vds: u64,
    integrity: u64,
    /// Whether block 256 holds the first anchor.
    anchor_256: bool,
    /// The partition's first block, absolute: where the session's own
    /// blocks after the anchor begin, or block 0 in a session after others,
    /// whose files may lie in earlier sessions.
    origin: u32,
    /// The entries of the metadata file and its mirror (UDF 2.50+).
    metadata_entries: Option<(u64, u64)>,
    area_start: u64,
    area_blocks: u32,
    mirror_start: Option<u64>,
    end_anchor: u64,
}

/// UDF's part of the image.
pub(crate) struct UdfWriter {
    tree: UdfTree,
    /// The UDF volume identifier.
    volume_id: String,
    /// UDF 2.50+: a separate metadata mirror file.
    redundant_metadata: bool,
    /// A session after others: its partition starts at block 0, so that
    /// the files it keeps from earlier sessions are in it (UDF 2.01
    /// 6.10.2: each session a complete volume of its own).
    appended: bool,
    places: Places,
    parts: Vec<Part>,
}

impl UdfWriter {
    /// Builds the file structure. `alone`: no ISO 9660 tree shares the
    /// file data (small files then go into their entries).
    pub(crate) fn new(
        data: &TreeData,
        settings: &Settings,
        alone: bool,
        volume_id: String,
    ) -> Result<UdfWriter> {
        Ok(UdfWriter {
            tree: UdfTree::build(data, settings.udf_revision, alone, settings.udf_special)?,
            volume_id,
            redundant_metadata: settings.udf_redundant_metadata,
            appended: settings
                .multisession
                .as_ref()
                .is_some_and(|m| !m.is_first_data_session),
            places: Places::default(),
            parts: Vec::new(),
        })
    }

    fn take_part(&mut self, layout: &mut Layout, blocks: u32, part: Part) {
        let n = self.parts.len() as u32;
        self.parts.push(part);
        layout.take_part(u64::from(blocks), n);
    }

    /// Takes the metadata area: entries and extent blocks in chunks, each
    /// directory's data, zeros up to `area_blocks`.
    fn push_area(&mut self, layout: &mut Layout, area_blocks: u32) {
        let mut k = 0;
        while k < self.tree.dir_base {
            let n = (self.tree.dir_base - k).min(AREA_CHUNK);
            self.take_part(layout, n, Part::Area { first: k, count: n });
            k += n;
        }
        let mut by_block: Vec<usize> = (0..self.tree.dirs.len()).collect();
        by_block.sort_by_key(|&d| self.tree.dirs[d].block);
        for d in by_block {
            let dir = &self.tree.dirs[d];
            let n = dir.size.div_ceil(SECTOR as u32);
            debug_assert_eq!(dir.block, k);
            self.take_part(layout, n, Part::Dir(d as u32));
            k += n;
        }
        if area_blocks > k {
            layout.take(u64::from(area_blocks - k));
        }
    }

    /// The partition starts after the anchor at 256 with the metadata area,
    /// so the file set descriptor is the partition's first block and
    /// metadata partition block k is physical partition block k (readers
    /// such as pycdlib assume both); in a session after others it starts
    /// at block 0 instead (files of earlier sessions lie below the anchor). Then the metadata file entries and what
    /// readers of the default streams never read (the metadata mirror,
    /// named streams, long link targets), then file data. 7-Zip takes
    /// anything but zeros and the anchor after the last extent it read for
    /// a damaged image, so when no file extent follows, the unread part
    /// goes first.
    fn reserve_partition(&mut self, layout: &mut Layout) -> Result<()> {
        layout.alloc.pass_kept();
        layout.alloc.pad_to(ANCHOR + 1);
        self.places.anchor_256 = layout.alloc.kept_placed();
        let partition_start = layout.alloc.cursor;
        let t = &self.tree;
        let meta = t.metadata_partition();
        let mirror = meta && self.redundant_metadata;
        let area_blocks = if meta {
            t.area_blocks.div_ceil(META_UNIT) * META_UNIT
        } else {
            t.area_blocks
        };
        let unread = mirror || !t.stream_contents.is_empty() || !t.extra.is_empty();
        // Data of earlier sessions, which stays where it is, does not follow.
        let file_extent_follows = t.entries.iter().any(|e| match e.kind {
            Kind::File(c) => !e.embedded && layout.writes_content(c),
            _ => false,
        });
        let area_first = !unread || file_extent_follows;
        let mut area_start = partition_start;
        for is_area in if area_first {
            [true, false]
        } else {
            [false, true]
        } {
            if is_area {
                area_start = layout.alloc.cursor;
                self.push_area(layout, area_blocks);
                continue;
            }
            if meta {
                self.places.metadata_entries = Some((layout.take(1), layout.take(1)));
            }
            if mirror {
                self.places.mirror_start = Some(layout.alloc.cursor);
                self.push_area(layout, area_blocks);
            }
            let streams = self.tree.stream_contents.clone();
            layout.place_files(&streams)?;
            self.tree.placement.extra_base = layout.abs(layout.alloc.cursor)?;
            for i in 0..self.tree.extra.len() {
                let blocks = self.tree.extra[i].1;
                self.take_part(layout, blocks, Part::Extra(i as u32));
            }
        }
        let origin = if self.appended {
            0
        } else {
            layout.abs(partition_start)?
        };
        let p = &mut self.tree.placement;
        p.partition_start = origin;
        p.area_partition = u16::from(meta);
        p.area_base = if meta {
            0
        } else {
            layout.abs(area_start)? - origin
        };
        self.places.origin = origin;
        self.places.area_start = area_start;
        self.places.area_blocks = area_blocks;
        Ok(())
    }

    fn context<'a>(&'a self, v: &Volume<'a>) -> UdfContext<'a> {
        UdfContext {
            data: v.data,
            content_lba: v.content_lba,
            clamp: v.clamp,
            time: v.volume_time,
            volume_id: &self.volume_id,
        }
    }
}

impl Writer for UdfWriter {
    fn warnings(&self) -> Vec<String> {
        let (links, special) = self.tree.counted;
        if links + special == 0 {
            return Vec::new();
        }
        let what = match (links, special) {
            (1, 0) => "1 symbolic link".to_string(),
            (l, 0) => format!("{l} symbolic links"),
            (0, 1) => "1 special file".to_string(),
            (0, s) => format!("{s} special files"),
            (l, s) => format!("{l} symbolic link(s) and {s} special file(s)"),
        };
        vec![if self.tree.empty_files() {
            format!(
                "UDF: {what} written as empty files, as genisoimage writes them (the links are \
                 kept by Rock Ridge where it is written; `--udf-links keep` keeps them in UDF)"
            )
        } else {
            format!(
                "UDF: {what} kept as such (the Linux kernel, udfclient and libudfread follow \
                 them), but 7-Zip and pycdlib cannot open a UDF volume holding one: \
                 `--udf-links as-empty-files` writes them as empty files instead"
            )
        }]
    }

    fn reserve(&mut self, stage: Stage, layout: &mut Layout) -> Result<()> {
        match stage {
            Stage::Descriptors => layout.descriptors(3),
            Stage::VolumeStructures => {
                layout.alloc.keep(ANCHOR);
                self.places.main_vds = layout.take(VDS_BLOCKS);
                self.places.reserve_vds = layout.take(VDS_BLOCKS);
                self.places.integrity = layout.take(2);
            }
            Stage::Partition => self.reserve_partition(layout)?,
            Stage::Files => {
                for &(c, node) in &self.tree.own_contents {
                    layout.record_file(c, node);
                }
            }
            // The last anchor: at the last block, or 256 before it when the
            // last blocks are taken (by the backup GPT).
            Stage::End => {
                let end = &mut layout.end;
                let room = if end.taken_at_end > 0 { 256 } else { 0 };
                end.min_blocks = end.min_blocks.max(end.data_end + 1 + room);
            }
            Stage::Tail => {
                let end = &layout.end;
                let at = if end.taken_at_end > 0 {
                    end.total - 257
                } else {
                    end.total - 1
                };
                layout.reserve_end(at, 1);
                self.places.end_anchor = at;
            }
            _ => {}
        }
        Ok(())
    }

    /// The volume recognition sequence: BEA01, NSR02 (UDF before 2.00) or
    /// NSR03, TEA01.
    fn write_descriptors(&self, _v: &Volume, out: &mut Vec<u8>) {
        for id in [
            b"BEA01",
            if self.tree.extended() {
                b"NSR03"
            } else {
                b"NSR02"
            },
            b"TEA01",
        ] {
            out.extend_from_slice(&volume_structure(id));
        }
    }

    /// Both descriptor sequences, the integrity descriptor, the anchors and
    /// the entries of the metadata file and its mirror.
    fn write_fixed(&self, v: &Volume, out: &mut Vec<(u64, Vec<u8>)>) -> Result<()> {
        let t = &self.tree;
        let pl = &self.places;
        let start = v.start;
        // Partition block of session block `rel`.
        let lbn = |rel: u64| start + rel as u32 - pl.origin;
        let abs_partition = pl.origin;
        let end = start + pl.end_anchor as u32;
        let info = VolumeInfo {
            revision: t.revision,
            volume_id: self.volume_id.clone(),
            volume_set_id: volume_set_id(&self.volume_id, v.volume_time, v.total_blocks),
            time: v.volume_time,
            partition_start: abs_partition,
            partition_length: end - abs_partition,
            metadata: pl.metadata_entries.map(|(main, mirror)| MetadataMap {
                file: lbn(main),
                mirror: lbn(mirror),
                bitmap: 0xFFFF_FFFF,
                allocation_unit: META_UNIT,
                alignment_unit: META_UNIT as u16,
                duplicated: pl.mirror_start.is_some(),
            }),
            fsd: (
                t.placement.area_partition,
                t.placement.area_base + file_structure::FSD_BLOCK,
            ),
            integrity: ExtentAd {
                length: 2 * SECTOR as u32,
                location: start + pl.integrity as u32,
            },
            maps: Vec::new(),
        };
        for at in [pl.main_vds, pl.reserve_vds] {
            let loc = start + at as u32;
            let mut seq = Vec::with_capacity(VDS_BLOCKS as usize * SECTOR);
            seq.extend_from_slice(&info.pvd(loc));
            seq.extend_from_slice(&info.iuvd(loc + 1));
            seq.extend_from_slice(&info.pd(loc + 2));
            seq.extend_from_slice(&info.lvd(loc + 3));
            seq.extend_from_slice(&info.usd(loc + 4));
            seq.extend_from_slice(&info.td(loc + 5));
            seq.resize(VDS_BLOCKS as usize * SECTOR, 0);
            out.push((at, seq));
        }
        let version = t.version();
        let mut partitions = vec![(0, end - abs_partition)];
        if t.metadata_partition() {
            partitions.push((pl.area_blocks - t.area_blocks, pl.area_blocks));
        }
        let lvid = start + pl.integrity as u32;
        let mut integrity = Integrity {
            time: v.volume_time,
            next_unique_id: t.next_unique_id,
            partitions,
            files: t.files,
            directories: t.directories,
            revision: t.revision,
        }
        .encode(lvid)
        .to_vec();
        integrity.extend_from_slice(&terminating(version, lvid + 1));
        out.push((pl.integrity, integrity));
        let avdp = Avdp {
            main: ExtentAd {
                length: (VDS_BLOCKS as usize * SECTOR) as u32,
                location: start + pl.main_vds as u32,
            },
            reserve: ExtentAd {
                length: (VDS_BLOCKS as usize * SECTOR) as u32,
                location: start + pl.reserve_vds as u32,
            },
        };
        if pl.anchor_256 {
            out.push((ANCHOR, avdp.encode(version, start + ANCHOR as u32).to_vec()));
        }
        out.push((pl.end_anchor, avdp.encode(version, end).to_vec()));
        if let Some((main, mirror)) = pl.metadata_entries {
            let main_first = lbn(pl.area_start);
            let mirror_first = lbn(pl.mirror_start.unwrap_or(pl.area_start));
            for (at, ty, area) in [
                (main, file_type::METADATA, main_first),
                (mirror, file_type::METADATA_MIRROR, mirror_first),
            ] {
                let block =
                    metadata_file_entry(version, lbn(at), ty, area, pl.area_blocks, v.volume_time);
                out.push((at, block.to_vec()));
            }
        }
        Ok(())
    }

    fn generate(&self, part: u32, v: &Volume) -> Result<Vec<u8>> {
        Ok(match self.parts[part as usize] {
            Part::Area { first, count } => {
                let ctx = self.context(v);
                let mut out = Vec::with_capacity(count as usize * SECTOR);
                for k in first..first + count {
                    out.extend_from_slice(&self.tree.area_block(k, &ctx)?);
                }
                out
            }
            Part::Dir(d) => {
                let mut out = self.tree.dir_data(d);
                out.resize(out.len().div_ceil(SECTOR) * SECTOR, 0);
                out
            }
            Part::Extra(i) => self.tree.extra_data(i as usize, v.data),
        })
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
