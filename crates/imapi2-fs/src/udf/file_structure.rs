//! The UDF file structure: one (extended) file entry per file, directory,
//! link, special file, stream directory and named stream, and one stream of
//! file identifier descriptors per directory. Built from the item tree,
//! sized, then placed by the layout in the *metadata area*: the file set
//! descriptor, its terminator, the entries, allocation extent blocks, and the
//! directory data, in that order. For UDF 2.50 and 2.60 that area is the
//! metadata file (blocks of the metadata partition); before, it is a run of
//! blocks of the physical partition. File data is placed by the layout and
//! shared with the ISO 9660 trees. The descriptors themselves are made in
//! `descriptors`, names in `names`; the UDF writer places it all.

use std::collections::HashMap;

use crate::codec::SECTOR;
use crate::error::{Error, Result};
use crate::image::arena::{NodeKind, TreeData, ROOT};
use crate::image::item::SpecialKind;
use crate::image::settings::UdfSpecialFiles;
use crate::udf::ecma167::{fid_flags, symlink_components, Fid, FileEntry};
use crate::udf::names::unique_names;

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
    /// A link or special file recorded as an empty file
    /// ([`crate::UdfSpecialFiles::AsEmptyFiles`]).
    EmptyFile,
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
    /// How links and special files are recorded.
    special: UdfSpecialFiles,
    /// Links and special files met: (symbolic links, special files).
    pub(crate) counted: (u64, u64),
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

    /// Whether links and special files are recorded as empty files.
    pub(crate) fn empty_files(&self) -> bool {
        self.special == UdfSpecialFiles::AsEmptyFiles
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

    pub(super) fn ad_size(&self) -> usize {
        if self.metadata_partition() {
            16
        } else {
            8
        }
    }

    pub(super) fn name(&self, r: (u32, u16)) -> &[u8] {
        &self.names[r.0 as usize..r.0 as usize + r.1 as usize]
    }

    /// Builds the structure. `embed_files`: small file data may go into its
    /// entry (only when no ISO 9660 tree shares the data).
    pub(crate) fn build(
        data: &TreeData,
        revision: u16,
        embed_files: bool,
        special: UdfSpecialFiles,
    ) -> Result<UdfTree> {
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
            special,
            counted: (0, 0),
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
            t.add_children(data, d, &mut queue, &mut by_content, embed_files, room)?;
        }
        t.size_directories();
        let aed_blocks = t.count_descriptors(data, room);
        t.place_area(aed_blocks);
        Ok(t)
    }

    /// The entries and FIDs of the children of directory `d` (in name
    /// order, names made unique); subdirectories join `queue`. Hard links
    /// share one entry (`by_content`); small data goes into its entry when
    /// `embed_files` and it fits in `room`.
    fn add_children(
        &mut self,
        data: &TreeData,
        d: u32,
        queue: &mut Vec<u32>,
        by_content: &mut HashMap<u32, u32>,
        embed_files: bool,
        room: usize,
    ) -> Result<()> {
        let dir_entry = self.dirs[d as usize].entry;
        let node = self.entries[dir_entry as usize].node;
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
                    let e = self.push_entry(c, Kind::Dir(self.dirs.len() as u32));
                    self.dirs.push(Dir {
                        entry: e,
                        parent: dir_entry,
                        first: 0,
                        count: 0,
                        size: 0,
                        block: 0,
                    });
                    self.directories += 1;
                    self.entries[dir_entry as usize].links += 1;
                    queue.push(self.dirs.len() as u32 - 1);
                    (e, fid_flags::DIRECTORY)
                }
                NodeKind::File { content } => {
                    let e = match by_content.get(content) {
                        Some(&e) => {
                            self.entries[e as usize].links += 1;
                            e
                        }
                        None => {
                            let e = self.push_entry(c, Kind::File(*content));
                            by_content.insert(*content, e);
                            self.files += 1;
                            let size = data.contents[*content as usize].size;
                            let fits = size as usize <= room;
                            if embed_files && fits {
                                self.entries[e as usize].embedded = true;
                            } else if !embed_files && size > 0 {
                                // Shared with the ISO 9660 trees.
                            } else if size > 0 {
                                self.own_contents.push((*content, c));
                            }
                            if let Some(streams) = data.streams.get(&c) {
                                self.add_streams(data, e, streams, room)?;
                            }
                            e
                        }
                    };
                    (e, 0)
                }
                NodeKind::Symlink { .. } | NodeKind::Special(_)
                    if self.special == UdfSpecialFiles::AsEmptyFiles =>
                {
                    let e = self.push_entry(c, Kind::EmptyFile);
                    self.files += 1;
                    match &n.kind {
                        NodeKind::Symlink { .. } => self.counted.0 += 1,
                        _ => self.counted.1 += 1,
                    }
                    (e, 0)
                }
                NodeKind::Symlink { target } => {
                    let e = self.push_entry(c, Kind::Symlink);
                    self.counted.0 += 1;
                    self.files += 1;
                    let len = symlink_components(target).len();
                    if len <= room {
                        self.entries[e as usize].embedded = true;
                    } else {
                        self.extra.push((e, len.div_ceil(SECTOR) as u32));
                    }
                    (e, 0)
                }
                NodeKind::Special(k) => {
                    let e = self.push_entry(c, Kind::Special(*k));
                    self.files += 1;
                    self.counted.1 += 1;
                    (e, 0)
                }
            };
            let flags = flags | if n.attrs.hidden { fid_flags::HIDDEN } else { 0 };
            let off = self.names.len() as u32;
            self.names.extend_from_slice(&name);
            own.push(FidRef {
                entry,
                name: (off, name.len() as u16),
                flags,
            });
        }
        let dd = &mut self.dirs[d as usize];
        dd.first = self.fids.len() as u32;
        dd.count = own.len() as u32;
        self.fids.extend(own);
        Ok(())
    }

    /// Sizes directory data: a FID per entry, the parent's included.
    fn size_directories(&mut self) {
        for d in 0..self.dirs.len() {
            let dir = &self.dirs[d];
            let mut size = Fid::len_for(0);
            for f in &self.fids[dir.first as usize..(dir.first + dir.count) as usize] {
                size += Fid::len_for(f.name.1 as usize);
            }
            self.dirs[d].size = size as u32;
        }
    }

    /// Counts each entry's allocation descriptors and the allocation extent
    /// blocks that those not fitting in `room` take; returns how many
    /// extent blocks there are.
    fn count_descriptors(&mut self, data: &TreeData, room: usize) -> u32 {
        let mut aed_next = 0u32;
        for e in 0..self.entries.len() {
            let length = self.data_length(data, e);
            let entry = &self.entries[e];
            let ads = if entry.embedded || length == 0 {
                0
            } else {
                length.div_ceil(MAX_AD_EXTENT) as u32
            };
            let ea = self.ea_len(e);
            let cap = ((room - ea) / self.ad_size()) as u32;
            let aed_count = if ads <= cap {
                0
            } else {
                let per = ((SECTOR - 24) / self.ad_size()) as u32;
                let rest = ads - (cap - 1);
                if rest <= per {
                    1
                } else {
                    (rest - 1).div_ceil(per - 1)
                }
            };
            let entry = &mut self.entries[e];
            entry.ads = ads;
            entry.aed_count = aed_count;
            entry.aed_first = aed_next;
            aed_next += aed_count;
        }
        aed_next
    }

    /// Places the metadata area: file set descriptor and terminator, the
    /// entries, the allocation extent blocks, then the directories.
    fn place_area(&mut self, aed_blocks: u32) {
        let n = self.entries.len() as u32;
        self.aed_base = FIRST_ENTRY + n;
        let mut cursor = self.aed_base + aed_blocks;
        self.dir_base = cursor;
        // Stream directories first: readers that ignore named streams then
        // read the area up to its last block (see `layout`).
        for streams_pass in [true, false] {
            for d in &mut self.dirs {
                let is_stream = matches!(self.entries[d.entry as usize].kind, Kind::StreamDir(_));
                if is_stream == streams_pass {
                    d.block = cursor;
                    cursor += d.size.div_ceil(SECTOR as u32);
                }
            }
        }
        self.area_blocks = cursor;
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
    pub(super) fn data_length(&self, data: &TreeData, e: usize) -> u64 {
        let entry = &self.entries[e];
        match entry.kind {
            Kind::Dir(d) | Kind::StreamDir(d) => u64::from(self.dirs[d as usize].size),
            Kind::File(c) | Kind::Stream(c) => data.contents[c as usize].size,
            Kind::Symlink => match &data.node(entry.node).kind {
                NodeKind::Symlink { target } => symlink_components(target).len() as u64,
                _ => 0,
            },
            Kind::Special(_) | Kind::EmptyFile => 0,
        }
    }

    /// Bytes of extended attributes of entry `e` (a device specification).
    pub(super) fn ea_len(&self, e: usize) -> usize {
        match self.entries[e].kind {
            Kind::Special(k) if k.rdev().is_some() => 24 + 24,
            _ => 0,
        }
    }
}
