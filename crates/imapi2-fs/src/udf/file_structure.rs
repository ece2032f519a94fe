//! The UDF file structure: one (extended) file entry per file, directory,
//! link, special file, stream directory and named stream, and one stream of
//! file identifier descriptors per directory. Built from the item tree,
//! sized, then placed by the layout in the *metadata area*: the file set
//! descriptor, its terminator, the entries, allocation extent blocks, and the
//! directory data, in that order. For UDF 2.50 and 2.60 that area is the
//! metadata file (blocks of the metadata partition); before, it is a run of
//! blocks of the physical partition. File data is placed by the layout and
//! shared with the ISO 9660 trees.

use std::collections::{HashMap, HashSet};

use crate::codec::SECTOR;
use crate::error::{Error, Result};
use crate::image::arena::Stored;
use crate::image::arena::{NodeKind, TreeData, ROOT};
use crate::image::item::SpecialKind;
use crate::time::FileTime;
use crate::udf::ecma167::{
    allocation_extent, cs0_encode, fid_flags, file_type, icb_mode_flags, symlink_components,
    udf_permissions, Allocation, Fid, FileEntry, FileSetDescriptor, LongAd,
};
use crate::write::file_data::{read_host_file_into, Reader};

/// Largest extent an allocation descriptor records: 2^30 bytes less a block.
pub(crate) const MAX_AD_EXTENT: u64 = 0x3FFF_F800;

/// What a UDF file entry is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A directory (index into `dirs`).
    Dir(u32),
    /// File data (content index).
    File(u32),
    /// A symbolic link (its path components are the data).
    Symlink,
    /// A FIFO, socket or device.
    Special(SpecialKind),
    /// The stream directory of a file (index into `dirs`).
    StreamDir(u32),
    /// A named stream (content index).
    Stream(u32),
}

/// One file entry.
#[derive(Clone, Debug)]
pub(crate) struct Entry {
    /// The item (for streams and stream directories: the file they belong to).
    pub(crate) node: u32,
    pub(crate) kind: Kind,
    pub(crate) unique_id: u64,
    pub(crate) links: u16,
    /// Data recorded in the entry itself.
    pub(crate) embedded: bool,
    /// Data allocation descriptors (0 when embedded or empty).
    pub(crate) ads: u32,
    /// Allocation extent blocks, and the first one (area-relative).
    pub(crate) aed_count: u32,
    pub(crate) aed_first: u32,
    /// The stream directory entry of a file with named streams.
    pub(crate) stream_dir: Option<u32>,
}

/// One directory's FIDs.
#[derive(Clone, Debug)]
pub(crate) struct Dir {
    /// The directory's own entry.
    pub(crate) entry: u32,
    /// The entry its parent FID names (a file, for a stream directory).
    pub(crate) parent: u32,
    pub(crate) first: u32,
    pub(crate) count: u32,
    /// Bytes of FIDs (parent entry included).
    pub(crate) size: u32,
    /// First block of the data, area-relative.
    pub(crate) block: u32,
}

/// One FID of a directory (besides the parent entry).
#[derive(Clone, Copy, Debug)]
pub(crate) struct FidRef {
    pub(crate) entry: u32,
    pub(crate) name: (u32, u16),
    pub(crate) flags: u8,
}

/// Where the layout put things, and what the generator needs to address them.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Placement {
    /// Partition reference of the metadata area (1 = metadata partition).
    pub(crate) area_partition: u16,
    /// Block of the area's first block in that partition.
    pub(crate) area_base: u32,
    /// Absolute block where the physical partition starts.
    pub(crate) partition_start: u32,
    /// Absolute block of data that is neither shared nor embedded (long link
    /// targets), per entry: see `Udf::extra`.
    pub(crate) extra_base: u32,
}

/// The built structure.
pub(crate) struct UdfTree {
    pub(crate) revision: u16,
    pub(crate) entries: Vec<Entry>,
    pub(crate) dirs: Vec<Dir>,
    pub(crate) fids: Vec<FidRef>,
    names: Vec<u8>,
    /// Files and directories, for the integrity descriptor.
    pub(crate) files: u32,
    pub(crate) directories: u32,
    pub(crate) next_unique_id: u64,
    /// File contents only UDF records (all files when there is no ISO 9660
    /// tree), not embedded: (content, item).
    pub(crate) own_contents: Vec<(u32, u32)>,
    /// Named stream contents, not embedded: (content, item of the file).
    pub(crate) stream_contents: Vec<(u32, u32)>,
    /// Entries whose data (a long link target) needs blocks of its own,
    /// with their length in blocks.
    pub(crate) extra: Vec<(u32, u32)>,
    /// Area layout: FSD at 0, terminator at 1, entries from 2.
    pub(crate) aed_base: u32,
    pub(crate) dir_base: u32,
    pub(crate) area_blocks: u32,
    pub(crate) placement: Placement,
}

/// Block of the file set descriptor in the area, and of its terminator.
pub(crate) const FSD_BLOCK: u32 = 0;
/// The first entry's block in the area.
pub(crate) const FIRST_ENTRY: u32 = 2;

impl UdfTree {
    /// Whether file entries are extended (UDF 2.00+).
    pub(crate) fn extended(&self) -> bool {
        self.revision >= 0x0200
    }

    /// Whether the metadata lives in a metadata partition (UDF 2.50+).
    pub(crate) fn metadata_partition(&self) -> bool {
        self.revision >= 0x0250
    }

    /// Descriptor version: 2 before UDF 2.00, 3 from it.
    pub(crate) fn version(&self) -> u16 {
        if self.extended() {
            3
        } else {
            2
        }
    }

    fn ad_size(&self) -> usize {
        if self.metadata_partition() {
            16
        } else {
            8
        }
    }

    fn name(&self, r: (u32, u16)) -> &[u8] {
        &self.names[r.0 as usize..r.0 as usize + r.1 as usize]
    }

    /// Builds the structure. `embed_files`: small file data may go into its
    /// entry (only when no ISO 9660 tree shares the data).
    pub(crate) fn build(data: &TreeData, revision: u16, embed_files: bool) -> Result<UdfTree> {
        let mut t = UdfTree {
            revision,
            entries: Vec::new(),
            dirs: Vec::new(),
            fids: Vec::new(),
            names: Vec::new(),
            files: 0,
            directories: 0,
            next_unique_id: 16,
            own_contents: Vec::new(),
            stream_contents: Vec::new(),
            extra: Vec::new(),
            aed_base: 0,
            dir_base: 0,
            area_blocks: 0,
            placement: Placement::default(),
        };
        let extended = revision >= 0x0200;
        let room = FileEntry::room(extended);
        t.entries.push(Entry {
            node: ROOT,
            kind: Kind::Dir(0),
            unique_id: 0,
            links: 1,
            embedded: false,
            ads: 0,
            aed_count: 0,
            aed_first: 0,
            stream_dir: None,
        });
        t.dirs.push(Dir {
            entry: 0,
            parent: 0,
            first: 0,
            count: 0,
            size: 0,
            block: 0,
        });
        t.directories = 1;
        let mut by_content: HashMap<u32, u32> = HashMap::new();
        let mut queue = vec![0u32];
        let mut qi = 0;
        while qi < queue.len() {
            let d = queue[qi];
            qi += 1;
            let dir_entry = t.dirs[d as usize].entry;
            let node = t.entries[dir_entry as usize].node;
            let mut children: Vec<u32> = data.node(node).children().to_vec();
            children.sort_by(|a, b| data.node(*a).name.cmp(&data.node(*b).name));
            let names = unique_names(
                &children
                    .iter()
                    .map(|&c| &*data.node(c).name)
                    .collect::<Vec<_>>(),
            )
            .map_err(|i| Error::NoUniqueName {
                path: data.full_path(children[i]),
                file_system: crate::FileSystems::UDF,
            })?;
            // This directory's FIDs are collected apart: stream directories of
            // its files push theirs meanwhile, and each run must be contiguous.
            let mut own: Vec<FidRef> = Vec::with_capacity(children.len());
            for (&c, name) in children.iter().zip(names) {
                let n = data.node(c);
                let (entry, flags) = match &n.kind {
                    NodeKind::Dir { .. } => {
                        let e = t.push_entry(c, Kind::Dir(t.dirs.len() as u32));
                        t.dirs.push(Dir {
                            entry: e,
                            parent: dir_entry,
                            first: 0,
                            count: 0,
                            size: 0,
                            block: 0,
                        });
                        t.directories += 1;
                        t.entries[dir_entry as usize].links += 1;
                        queue.push(t.dirs.len() as u32 - 1);
                        (e, fid_flags::DIRECTORY)
                    }
                    NodeKind::File { content } => {
                        let e = match by_content.get(content) {
                            Some(&e) => {
                                t.entries[e as usize].links += 1;
                                e
                            }
                            None => {
                                let e = t.push_entry(c, Kind::File(*content));
                                by_content.insert(*content, e);
                                t.files += 1;
                                let size = data.contents[*content as usize].size;
                                let fits = size as usize <= room;
                                if embed_files && fits {
                                    t.entries[e as usize].embedded = true;
                                } else if !embed_files && size > 0 {
                                    // Shared with the ISO 9660 trees.
                                } else if size > 0 {
                                    t.own_contents.push((*content, c));
                                }
                                if let Some(streams) = data.streams.get(&c) {
                                    t.add_streams(data, e, streams, room)?;
                                }
                                e
                            }
                        };
                        (e, 0)
                    }
                    NodeKind::Symlink { target } => {
                        let e = t.push_entry(c, Kind::Symlink);
                        t.files += 1;
                        let len = symlink_components(target).len();
                        if len <= room {
                            t.entries[e as usize].embedded = true;
                        } else {
                            t.extra.push((e, len.div_ceil(SECTOR) as u32));
                        }
                        (e, 0)
                    }
                    NodeKind::Special(k) => {
                        let e = t.push_entry(c, Kind::Special(*k));
                        t.files += 1;
                        (e, 0)
                    }
                };
                let flags = flags | if n.attrs.hidden { fid_flags::HIDDEN } else { 0 };
                let off = t.names.len() as u32;
                t.names.extend_from_slice(&name);
                own.push(FidRef {
                    entry,
                    name: (off, name.len() as u16),
                    flags,
                });
            }
            let dd = &mut t.dirs[d as usize];
            dd.first = t.fids.len() as u32;
            dd.count = own.len() as u32;
            t.fids.extend(own);
        }
        // Sizes: directory data, allocation descriptors and extent blocks.
        for d in 0..t.dirs.len() {
            let dir = &t.dirs[d];
            let mut size = Fid::len_for(0);
            for f in &t.fids[dir.first as usize..(dir.first + dir.count) as usize] {
                size += Fid::len_for(f.name.1 as usize);
            }
            t.dirs[d].size = size as u32;
        }
        let mut aed_next = 0u32;
        for e in 0..t.entries.len() {
            let length = t.data_length(data, e);
            let entry = &t.entries[e];
            let ads = if entry.embedded || length == 0 {
                0
            } else {
                length.div_ceil(MAX_AD_EXTENT) as u32
            };
            let ea = t.ea_len(e);
            let cap = ((room - ea) / t.ad_size()) as u32;
            let aed_count = if ads <= cap {
                0
            } else {
                let per = ((SECTOR - 24) / t.ad_size()) as u32;
                let rest = ads - (cap - 1);
                if rest <= per {
                    1
                } else {
                    (rest - 1).div_ceil(per - 1)
                }
            };
            let entry = &mut t.entries[e];
            entry.ads = ads;
            entry.aed_count = aed_count;
            entry.aed_first = aed_next;
            aed_next += aed_count;
        }
        let n = t.entries.len() as u32;
        t.aed_base = FIRST_ENTRY + n;
        let mut cursor = t.aed_base + aed_next;
        t.dir_base = cursor;
        // Stream directories first: readers that ignore named streams then
        // read the area up to its last block (see `layout`).
        for streams_pass in [true, false] {
            for d in &mut t.dirs {
                let is_stream = matches!(t.entries[d.entry as usize].kind, Kind::StreamDir(_));
                if is_stream == streams_pass {
                    d.block = cursor;
                    cursor += d.size.div_ceil(SECTOR as u32);
                }
            }
        }
        t.area_blocks = cursor;
        Ok(t)
    }

    fn push_entry(&mut self, node: u32, kind: Kind) -> u32 {
        let unique_id = self.next_unique_id;
        self.next_unique_id += 1;
        self.entries.push(Entry {
            node,
            kind,
            unique_id,
            links: 1,
            embedded: false,
            ads: 0,
            aed_count: 0,
            aed_first: 0,
            stream_dir: None,
        });
        (self.entries.len() - 1) as u32
    }

    /// The stream directory of file entry `file` and its named streams.
    fn add_streams(
        &mut self,
        data: &TreeData,
        file: u32,
        streams: &[crate::image::arena::NamedStream],
        room: usize,
    ) -> Result<()> {
        let node = self.entries[file as usize].node;
        let d = self.dirs.len() as u32;
        let sd = self.push_entry(node, Kind::StreamDir(d));
        self.entries[file as usize].stream_dir = Some(sd);
        self.dirs.push(Dir {
            entry: sd,
            parent: file,
            first: self.fids.len() as u32,
            count: 0,
            size: 0,
            block: 0,
        });
        let names =
            unique_names(&streams.iter().map(|s| &*s.name).collect::<Vec<_>>()).map_err(|_| {
                Error::NoUniqueName {
                    path: data.full_path(node),
                    file_system: crate::FileSystems::UDF,
                }
            })?;
        for (s, name) in streams.iter().zip(names) {
            let e = self.push_entry(node, Kind::Stream(s.content));
            let size = data.contents[s.content as usize].size;
            if size as usize <= room {
                self.entries[e as usize].embedded = true;
            } else {
                self.stream_contents.push((s.content, node));
            }
            let off = self.names.len() as u32;
            self.names.extend_from_slice(&name);
            self.fids.push(FidRef {
                entry: e,
                name: (off, name.len() as u16),
                flags: 0,
            });
        }
        self.dirs[d as usize].count = streams.len() as u32;
        Ok(())
    }

    /// Bytes of data of entry `e`.
    fn data_length(&self, data: &TreeData, e: usize) -> u64 {
        let entry = &self.entries[e];
        match entry.kind {
            Kind::Dir(d) | Kind::StreamDir(d) => u64::from(self.dirs[d as usize].size),
            Kind::File(c) | Kind::Stream(c) => data.contents[c as usize].size,
            Kind::Symlink => match &data.node(entry.node).kind {
                NodeKind::Symlink { target } => symlink_components(target).len() as u64,
                _ => 0,
            },
            Kind::Special(_) => 0,
        }
    }

    /// Bytes of extended attributes of entry `e` (a device specification).
    fn ea_len(&self, e: usize) -> usize {
        match self.entries[e].kind {
            Kind::Special(k) if k.rdev().is_some() => 24 + 24,
            _ => 0,
        }
    }

    /// The ICB (long_ad) that names entry `e`.
    pub(crate) fn icb(&self, e: u32) -> LongAd {
        LongAd {
            length: SECTOR as u32,
            block: self.placement.area_base + FIRST_ENTRY + e,
            partition: self.placement.area_partition,
            unique_id: self.entries[e as usize].unique_id as u32,
        }
    }

    /// The file set descriptor block.
    pub(crate) fn fsd(&self, time: FileTime, volume_id: &str) -> [u8; SECTOR] {
        FileSetDescriptor {
            time,
            volume_id: volume_id.to_string(),
            file_set_id: volume_id.to_string(),
            root: self.icb(0),
            revision: self.revision,
        }
        .encode(self.placement.area_base + FSD_BLOCK)
    }

    /// A directory's FID stream.
    pub(crate) fn dir_data(&self, d: u32) -> Vec<u8> {
        let dir = &self.dirs[d as usize];
        let version = self.version();
        let base = self.placement.area_base + dir.block;
        let mut out = Vec::with_capacity(dir.size as usize);
        let block_of = |off: usize| base + (off / SECTOR) as u32;
        Fid {
            characteristics: fid_flags::PARENT | fid_flags::DIRECTORY,
            icb: self.icb(dir.parent),
            name: Vec::new(),
        }
        .encode_into(&mut out, version, block_of(0));
        for f in &self.fids[dir.first as usize..(dir.first + dir.count) as usize] {
            let at = out.len();
            Fid {
                characteristics: f.flags,
                icb: self.icb(f.entry),
                name: self.name(f.name).to_vec(),
            }
            .encode_into(&mut out, version, block_of(at));
        }
        debug_assert_eq!(out.len(), dir.size as usize);
        out
    }

    /// The extents of entry `e`'s data as (length, partition block,
    /// partition reference).
    fn extents(&self, e: usize, ctx: &UdfContext) -> Vec<(u32, u32, u16)> {
        if !self.has_extent(ctx.data, e) {
            return Vec::new();
        }
        let entry = &self.entries[e];
        let p = &self.placement;
        let (start, length, partition) = match entry.kind {
            Kind::Dir(d) | Kind::StreamDir(d) => {
                let dir = &self.dirs[d as usize];
                (
                    p.area_base + dir.block,
                    u64::from(dir.size),
                    p.area_partition,
                )
            }
            Kind::File(c) | Kind::Stream(c) => (
                ctx.content_lba[c as usize] - p.partition_start,
                ctx.data.contents[c as usize].size,
                0,
            ),
            Kind::Symlink => {
                let at = self
                    .extra
                    .iter()
                    .scan(0u32, |acc, (x, n)| {
                        let here = *acc;
                        *acc += n;
                        Some((*x, here))
                    })
                    .find(|(x, _)| *x as usize == e)
                    .map(|(_, here)| here)
                    .unwrap_or(0);
                (
                    p.extra_base - p.partition_start + at,
                    self.data_length(ctx.data, e),
                    0,
                )
            }
            Kind::Special(_) => return Vec::new(),
        };
        let mut out = Vec::new();
        let mut off = 0u64;
        while off < length {
            let part = (length - off).min(MAX_AD_EXTENT);
            out.push((part as u32, start + (off / SECTOR as u64) as u32, partition));
            off += part;
        }
        out
    }

    /// Whether entry `e` has data outside itself.
    fn has_extent(&self, data: &TreeData, e: usize) -> bool {
        !self.entries[e].embedded && self.data_length(data, e) > 0
    }

    fn encode_ads(&self, ads: &[(u32, u32, u16)]) -> Vec<u8> {
        let mut v = Vec::with_capacity(ads.len() * self.ad_size());
        for &(len, block, partition) in ads {
            if self.metadata_partition() {
                let mut b = [0u8; 16];
                LongAd {
                    length: len,
                    block,
                    partition,
                    unique_id: 0,
                }
                .put(&mut b, 0);
                v.extend_from_slice(&b);
            } else {
                v.extend_from_slice(&len.to_le_bytes());
                v.extend_from_slice(&block.to_le_bytes());
            }
        }
        v
    }

    /// The block of entry `e` (its file entry).
    pub(crate) fn entry_block(&self, e: usize, ctx: &UdfContext) -> Result<[u8; SECTOR]> {
        let entry = &self.entries[e];
        let extended = self.extended();
        let room = FileEntry::room(extended);
        let data = ctx.data;
        let node = data.node(entry.node);
        let mut a = node.attrs;
        if let Some(c) = ctx.clamp {
            a.created = a.created.min(c);
            a.modified = a.modified.min(c);
            a.accessed = a.accessed.min(c);
        }
        let length = self.data_length(data, e);
        let (ftype, mode, extra_flags) = match entry.kind {
            Kind::Dir(_) => (file_type::DIRECTORY, a.mode, 0),
            Kind::StreamDir(_) => (file_type::STREAM_DIR, a.mode, 0),
            Kind::File(_) if data.real_time.contains(&entry.node) => {
                (file_type::REAL_TIME, a.mode, 0)
            }
            Kind::File(_) => (file_type::FILE, a.mode, 0),
            Kind::Stream(_) => (file_type::FILE, a.mode, 0x2000),
            Kind::Symlink => (file_type::SYMLINK, 0o777, 0),
            Kind::Special(k) => (
                match k {
                    SpecialKind::Fifo => file_type::FIFO,
                    SpecialKind::Socket => file_type::SOCKET,
                    SpecialKind::CharDevice(_) => file_type::CHAR,
                    SpecialKind::BlockDevice(_) => file_type::BLOCK,
                },
                a.mode,
                0,
            ),
        };
        let ea = match entry.kind {
            Kind::Special(k) => match k.rdev() {
                Some(rdev) => device_ea(
                    self.version(),
                    self.placement.area_base + FIRST_ENTRY + e as u32,
                    rdev,
                ),
                None => Vec::new(),
            },
            _ => Vec::new(),
        };
        let allocation = if entry.embedded {
            let bytes = match entry.kind {
                Kind::Symlink => match &node.kind {
                    NodeKind::Symlink { target } => symlink_components(target),
                    _ => Vec::new(),
                },
                Kind::File(c) | Kind::Stream(c) => read_content(data, c)?,
                _ => Vec::new(),
            };
            Allocation::Embedded(bytes)
        } else {
            let ads = self.extents(e, ctx);
            let cap = (room - ea.len()) / self.ad_size();
            let inline: Vec<(u32, u32, u16)> = if ads.len() <= cap {
                ads
            } else {
                let mut v = ads[..cap - 1].to_vec();
                // Continuation: the first allocation extent block.
                v.push((
                    0xC000_0000 | SECTOR as u32,
                    self.placement.area_base + self.aed_base + entry.aed_first,
                    self.placement.area_partition,
                ));
                v
            };
            if self.metadata_partition() {
                Allocation::Long(
                    inline
                        .iter()
                        .map(|&(length, block, partition)| LongAd {
                            length,
                            block,
                            partition,
                            unique_id: 0,
                        })
                        .collect(),
                )
            } else {
                Allocation::Short(inline.iter().map(|&(l, b, _)| (l, b)).collect())
            }
        };
        let blocks_recorded = if entry.embedded {
            0
        } else {
            length.div_ceil(SECTOR as u64)
        };
        let stream_dir = entry.stream_dir.map(|s| self.icb(s));
        let fe = FileEntry {
            extended,
            file_type: ftype,
            icb_flags: icb_mode_flags(mode) | extra_flags,
            uid: a.uid,
            gid: a.gid,
            permissions: udf_permissions(mode & 0o777),
            link_count: entry.links,
            length,
            blocks_recorded,
            accessed: a.accessed,
            modified: a.modified,
            created: a.created,
            attributes_changed: a.modified,
            unique_id: entry.unique_id,
            stream_dir,
            extended_attributes: ea,
            allocation,
        };
        Ok(fe.encode(
            self.version(),
            self.placement.area_base + FIRST_ENTRY + e as u32,
        ))
    }

    /// Allocation extent block `k` (area-relative index from `aed_base`).
    pub(crate) fn aed_block(&self, k: u32, ctx: &UdfContext) -> [u8; SECTOR] {
        let e = self
            .entries
            .iter()
            .position(|x| x.aed_count > 0 && x.aed_first <= k && k < x.aed_first + x.aed_count)
            .expect("an entry owns every extent block");
        let entry = &self.entries[e];
        let ads = self.extents(e, ctx);
        let room = FileEntry::room(self.extended()) - self.ea_len(e);
        let cap = room / self.ad_size();
        let per = (SECTOR - 24) / self.ad_size();
        let index = (k - entry.aed_first) as usize;
        let start = cap - 1 + index * (per - 1);
        let last = index + 1 == entry.aed_count as usize;
        let end = if last { ads.len() } else { start + per - 1 };
        let mut chunk = ads[start..end.min(ads.len())].to_vec();
        let here = self.placement.area_base + self.aed_base + k;
        if !last {
            chunk.push((
                0xC000_0000 | SECTOR as u32,
                here + 1,
                self.placement.area_partition,
            ));
        }
        let previous = if index == 0 {
            self.placement.area_base + FIRST_ENTRY + e as u32
        } else {
            here - 1
        };
        allocation_extent(self.version(), here, previous, &self.encode_ads(&chunk))
    }

    /// The data of a link target that needs blocks of its own.
    pub(crate) fn extra_data(&self, i: usize, data: &TreeData) -> Vec<u8> {
        let (e, blocks) = self.extra[i];
        let mut v = match &data.node(self.entries[e as usize].node).kind {
            NodeKind::Symlink { target } => symlink_components(target),
            _ => Vec::new(),
        };
        v.resize(blocks as usize * SECTOR, 0);
        v
    }

    /// Block `k` of the metadata area (any but directory data).
    pub(crate) fn area_block(&self, k: u32, ctx: &UdfContext) -> Result<[u8; SECTOR]> {
        Ok(if k == FSD_BLOCK {
            self.fsd(ctx.time, ctx.volume_id)
        } else if k == FSD_BLOCK + 1 {
            crate::udf::ecma167::terminating(self.version(), self.placement.area_base + k)
        } else if k < self.aed_base {
            self.entry_block((k - FIRST_ENTRY) as usize, ctx)?
        } else if k < self.dir_base {
            self.aed_block(k - self.aed_base, ctx)
        } else {
            [0u8; SECTOR]
        })
    }
}

/// What the generator needs besides the tree.
pub(crate) struct UdfContext<'a> {
    pub(crate) data: &'a TreeData,
    pub(crate) content_lba: &'a [u32],
    pub(crate) clamp: Option<FileTime>,
    pub(crate) time: FileTime,
    pub(crate) volume_id: &'a str,
}

/// A file's whole content (small: it goes into its entry).
fn read_content(data: &TreeData, c: u32) -> Result<Vec<u8>> {
    let content = &data.contents[c as usize];
    let mut v = Vec::with_capacity(content.size as usize);
    if read_host_file_into(content, data, &mut v)? {
        return Ok(v);
    }
    if matches!(content.source, Stored::BootCatalog) {
        return Ok(vec![0; content.size as usize]);
    }
    let r = Reader::open(content, data, "named stream")?;
    v.resize(content.size as usize, 0);
    r.read_exact_at(&mut v, 0, content.size, "named stream")?;
    Ok(v)
}

/// Extended attributes holding a device specification (ECMA-167 4/14.10.7):
/// the header descriptor, then the attribute.
fn device_ea(version: u16, location: u32, rdev: u64) -> Vec<u8> {
    let mut v = vec![0u8; 48];
    v[16..20].copy_from_slice(&48u32.to_le_bytes()); // implementation attributes: none
    v[20..24].copy_from_slice(&48u32.to_le_bytes()); // application attributes: none
    crate::udf::ecma167::Tag {
        id: crate::udf::ecma167::tag_id::EAHD,
        version,
        serial: 1,
        location,
    }
    .seal(&mut v[..24]);
    v[24..28].copy_from_slice(&12u32.to_le_bytes()); // attribute type: device specification
    v[28] = 1; // subtype
    v[32..36].copy_from_slice(&24u32.to_le_bytes()); // attribute length
    v[36..40].copy_from_slice(&0u32.to_le_bytes()); // implementation use length
    let (major, minor) = split_dev(rdev);
    v[40..44].copy_from_slice(&major.to_le_bytes());
    v[44..48].copy_from_slice(&minor.to_le_bytes());
    v
}

/// Linux's encoding of a device number into major and minor.
fn split_dev(rdev: u64) -> (u32, u32) {
    let major = ((rdev >> 8) & 0xFFF) | ((rdev >> 32) & !0xFFF);
    let minor = (rdev & 0xFF) | ((rdev >> 12) & !0xFF);
    (major as u32, minor as u32)
}

/// CS0 names for a directory's entries, unique: a name cut to 255 bytes that
/// meets another gets `~N` before its extension. Returns the index of a name
/// that could not be made unique.
pub(crate) fn unique_names(names: &[&str]) -> std::result::Result<Vec<Vec<u8>>, usize> {
    let encoded: Vec<Vec<u8>> = names.iter().map(|n| cs0_encode(n, 255)).collect();
    let cut: Vec<bool> = names
        .iter()
        .zip(&encoded)
        .map(|(n, e)| {
            crate::udf::ecma167::cs0_decode(e)
                .map(|d| d != *n)
                .unwrap_or(true)
        })
        .collect();
    let mut taken: HashSet<Vec<u8>> = HashSet::new();
    let mut out = vec![Vec::new(); names.len()];
    // Names that were not cut keep them; cut names take what is left.
    for pass in [false, true] {
        for (i, name) in names.iter().enumerate() {
            if cut[i] != pass {
                continue;
            }
            if taken.insert(encoded[i].clone()) {
                out[i] = encoded[i].clone();
                continue;
            }
            let (stem, ext) = match name.rfind('.') {
                Some(p) if p > 0 && name.len() - p <= 16 => (&name[..p], &name[p..]),
                _ => (&name[..], ""),
            };
            let mut found = false;
            for n in 1..100_000u32 {
                let suffix = format!("~{n}{ext}");
                let mut s: String = stem.to_string();
                loop {
                    let candidate = format!("{s}{suffix}");
                    let enc = cs0_encode(&candidate, 255);
                    if crate::udf::ecma167::cs0_decode(&enc)
                        .map(|d| d == candidate)
                        .unwrap_or(false)
                    {
                        if taken.insert(enc.clone()) {
                            out[i] = enc;
                            found = true;
                        }
                        break;
                    }
                    if s.pop().is_none() {
                        break;
                    }
                }
                if found {
                    break;
                }
            }
            if !found {
                return Err(i);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_stay_unique_when_cut() {
        let long_a = format!("{}a.txt", "x".repeat(300));
        let long_b = format!("{}b.txt", "x".repeat(300));
        let names = unique_names(&["short", &long_a, &long_b]).unwrap();
        assert_eq!(names[0], b"\x08short");
        assert!(names.iter().all(|n| n.len() <= 255));
        assert_ne!(names[1], names[2]);
        let s = crate::udf::ecma167::cs0_decode(&names[2]).unwrap();
        assert!(
            s.ends_with("~1.txt")
                || crate::udf::ecma167::cs0_decode(&names[1])
                    .unwrap()
                    .ends_with("~1.txt")
        );
    }

    #[test]
    fn device_numbers_split_like_linux() {
        // makedev(8, 1) = 0x801; makedev(259, 65536) uses the high bits.
        assert_eq!(split_dev(0x801), (8, 1));
        // major 259 in bits 8..20, minor 65536: low byte 0, the rest from bit 20.
        let rdev = (259u64 << 8) | ((65536u64 & !0xFF) << 12);
        assert_eq!(split_dev(rdev), (259, 65536));
    }
}
