//! The ECMA-119 directory hierarchies: the primary ISO 9660 tree (with Rock
//! Ridge entries and deep-directory relocation) and the Joliet tree. Each is
//! built from the item tree in three steps:
//!
//! 1. **build**: choose which items appear, relocate directories deeper than
//!    eight levels (ISO 9660 only), mangle names per directory, sort entries
//!    (ECMA-119 §9.3), and number directories in path table order (§6.9.1);
//! 2. **reserve**: compute each directory's extent and continuation area
//!    size, then take blocks for path tables and directories from the layout;
//! 3. **generate**: produce a directory's or path table's bytes on demand,
//!    once the layout has placed file data.

use crate::codec::SECTOR;
use crate::error::{Error, Result};
use crate::filesystems::FileSystems;
use crate::image::arena::{NodeKind, TreeData, NO_PARENT, ROOT};
use crate::image::item::Attributes;
use crate::iso9660::ecma119::{dir_date, flags, DirectoryRecord, PathTableRecord};
use crate::iso9660::names::{self, Candidate};
use crate::iso9660::rockridge::{self, layout_system_use, CeCursor, SuspEntry};
use crate::time::FileTime;

/// Largest extent of a multi-extent file: 4 GiB minus one block.
pub(crate) const MAX_EXTENT: u64 = 0xFFFF_F800;

/// Deepest directory level ECMA-119 allows (the root is level 1).
pub(crate) const MAX_LEVEL: u32 = 8;

/// Which hierarchy this is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Flavor {
    /// The primary volume: d-character names; Rock Ridge entries when `rr`.
    Iso { level: u8, rr: bool },
    /// The Joliet supplementary volume: UCS-2 names.
    Joliet,
}

/// What an entry of a directory points at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Target {
    /// A directory (index into `dirs`).
    Dir(u32),
    /// File data (content index).
    File(u32),
    /// No data: a symbolic link or special file (Rock Ridge only).
    Empty,
    /// Where a relocated directory used to be (Rock Ridge `CL`).
    Placeholder(u32),
}

/// One directory of the hierarchy, in path table order.
#[derive(Clone, Debug)]
pub(crate) struct DirView {
    /// The item; `NO_PARENT` for the synthetic relocation directory.
    pub(crate) node: u32,
    /// Parent in this hierarchy (the root is its own parent).
    pub(crate) parent: u32,
    /// Parent in the item tree (differs for relocated directories).
    pub(crate) orig_parent: u32,
    /// Identifier in `names`.
    pub(crate) name: (u32, u16),
    /// Entries `entries[first..first+count]`.
    pub(crate) first: u32,
    pub(crate) count: u32,
    /// Absolute block of the extent, and its size in bytes.
    pub(crate) lba: u32,
    pub(crate) size: u32,
    /// Blocks of Rock Ridge continuation area right after the extent.
    pub(crate) ce_blocks: u32,
    /// Whether the directory was moved under the relocation directory.
    pub(crate) relocated: bool,
}

/// One entry of a directory (besides "." and "..").
#[derive(Clone, Copy, Debug)]
pub(crate) struct Entry {
    pub(crate) node: u32,
    pub(crate) name: (u32, u16),
    pub(crate) target: Target,
}

/// A built hierarchy.
pub(crate) struct Ecma119Tree {
    pub(crate) flavor: Flavor,
    pub(crate) dirs: Vec<DirView>,
    pub(crate) entries: Vec<Entry>,
    names: Vec<u8>,
    /// Rock Ridge name of the relocation directory, when there is one.
    rr_moved_name: String,
    /// Path table size in bytes and the locations of the L and M tables.
    pub(crate) path_table_size: u32,
    pub(crate) l_table: u32,
    pub(crate) m_table: u32,
}

/// Item data the generator needs beside the tree: times, modes, link counts,
/// serial numbers, content placement.
pub(crate) struct Context<'a> {
    pub(crate) data: &'a TreeData,
    /// Absolute block of each content's data (by content index).
    pub(crate) content_lba: &'a [u32],
    /// Rock Ridge link count of each content (hard links).
    pub(crate) content_links: &'a [u32],
    /// Rock Ridge serial number of each item and content.
    pub(crate) serials: &'a Serials,
    /// Every item time is clamped to this when set (`SOURCE_DATE_EPOCH`).
    pub(crate) clamp: Option<FileTime>,
    /// The volume's time, for the synthetic relocation directory.
    pub(crate) volume_time: FileTime,
}

/// Rock Ridge file serial numbers (`PX` field 5), assigned in layout order.
#[derive(Default)]
pub(crate) struct Serials {
    pub(crate) by_content: Vec<u32>,
    pub(crate) by_node: Vec<u32>,
}

impl Context<'_> {
    fn attrs(&self, node: u32) -> Attributes {
        let mut a = if node == NO_PARENT {
            let mut a = self.data.node(ROOT).attrs;
            a.created = self.volume_time;
            a.modified = self.volume_time;
            a.accessed = self.volume_time;
            a.hidden = false;
            a.mode = 0o755;
            a
        } else {
            self.data.node(node).attrs
        };
        if let Some(c) = self.clamp {
            a.created = a.created.min(c);
            a.modified = a.modified.min(c);
            a.accessed = a.accessed.min(c);
        }
        a
    }
}

/// Temporary directory while building.
struct TmpDir {
    node: u32,
    view_parent: usize,
    orig_parent: usize,
    level: u32,
    relocated: bool,
    children: Vec<TmpChild>,
}

#[derive(Clone, Copy)]
struct TmpChild {
    node: u32,
    kind: TmpKind,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum TmpKind {
    Dir(usize),
    File(u32),
    Empty,
    Placeholder(usize),
}

/// The Rock Ridge name given to the relocation directory (a dot file, as
/// `mkisofs -hide-rr-moved` does, so that listings keep it out of sight).
const RR_MOVED: &str = ".rr_moved";
/// Its ISO 9660 identifier.
const RR_MOVED_ISO: &str = "RR_MOVED";

impl Ecma119Tree {
    /// Builds the hierarchy of `flavor` from the item tree.
    pub(crate) fn build(data: &TreeData, flavor: Flavor, strict: bool) -> Result<Ecma119Tree> {
        let fs = match flavor {
            Flavor::Iso { .. } => FileSystems::ISO9660,
            Flavor::Joliet => FileSystems::JOLIET,
        };
        let rr = matches!(flavor, Flavor::Iso { rr: true, .. });
        let relocate = matches!(flavor, Flavor::Iso { .. });
        let mut tmp: Vec<TmpDir> = vec![TmpDir {
            node: ROOT,
            view_parent: 0,
            orig_parent: 0,
            level: 1,
            relocated: false,
            children: Vec::new(),
        }];
        let mut rr_moved: Option<usize> = None;
        let mut i = 0;
        while i < tmp.len() {
            let node = tmp[i].node;
            if node != NO_PARENT {
                for &c in data.node(node).children() {
                    let n = data.node(c);
                    let kind = match &n.kind {
                        NodeKind::Dir { .. } => None,
                        NodeKind::File { content } => Some(TmpKind::File(*content)),
                        NodeKind::Symlink { .. } | NodeKind::Special(_) if rr => {
                            Some(TmpKind::Empty)
                        }
                        _ => continue,
                    };
                    if let Some(k) = kind {
                        tmp[i].children.push(TmpChild { node: c, kind: k });
                        continue;
                    }
                    let level = tmp[i].level + 1;
                    let new = tmp.len();
                    if relocate && level > MAX_LEVEL {
                        if strict && !rr {
                            return Err(Error::Iso9660Levels {
                                path: data.full_path(c),
                                level: level as usize,
                            });
                        }
                        let mv = *rr_moved.get_or_insert_with(|| {
                            tmp.push(TmpDir {
                                node: NO_PARENT,
                                view_parent: 0,
                                orig_parent: 0,
                                level: 2,
                                relocated: false,
                                children: Vec::new(),
                            });
                            let idx = tmp.len() - 1;
                            tmp[0].children.push(TmpChild {
                                node: NO_PARENT,
                                kind: TmpKind::Dir(idx),
                            });
                            idx
                        });
                        let new = tmp.len();
                        tmp.push(TmpDir {
                            node: c,
                            view_parent: mv,
                            orig_parent: i,
                            level: 3,
                            relocated: true,
                            children: Vec::new(),
                        });
                        tmp[mv].children.push(TmpChild {
                            node: c,
                            kind: TmpKind::Dir(new),
                        });
                        tmp[i].children.push(TmpChild {
                            node: c,
                            kind: TmpKind::Placeholder(new),
                        });
                    } else {
                        tmp.push(TmpDir {
                            node: c,
                            view_parent: i,
                            orig_parent: i,
                            level,
                            relocated: false,
                            children: Vec::new(),
                        });
                        tmp[i].children.push(TmpChild {
                            node: c,
                            kind: TmpKind::Dir(new),
                        });
                    }
                }
            }
            i += 1;
        }

        // Names per directory, then entries sorted by identifier.
        let mut names_arena: Vec<u8> = Vec::new();
        let mut sorted: Vec<Vec<(TmpChild, (u32, u16))>> = Vec::with_capacity(tmp.len());
        let mut rr_moved_name = String::new();
        for d in &tmp {
            let cands: Vec<Candidate> = d
                .children
                .iter()
                .map(|c| Candidate {
                    name: if c.node == NO_PARENT {
                        RR_MOVED_ISO
                    } else {
                        &data.node(c.node).name
                    },
                    is_dir: matches!(c.kind, TmpKind::Dir(_)),
                })
                .collect();
            let fail = |k: usize| {
                let n = d.children[k].node;
                Error::NoUniqueName {
                    path: if n == NO_PARENT {
                        format!("/{RR_MOVED_ISO}")
                    } else {
                        data.full_path(n)
                    },
                    file_system: fs,
                }
            };
            let idents: Vec<Vec<u8>> = match flavor {
                Flavor::Iso { level, .. } => names::mangle_iso(&cands, level)
                    .map_err(fail)?
                    .into_iter()
                    .zip(&d.children)
                    .map(|(mut s, c)| {
                        if !matches!(c.kind, TmpKind::Dir(_)) {
                            if !s.contains('.') {
                                s.push('.');
                            }
                            s.push_str(";1");
                        }
                        s.into_bytes()
                    })
                    .collect(),
                // Joliet file identifiers carry no ";1" version, as mkisofs
                // and libisofs write them; readers strip it anyway.
                Flavor::Joliet => names::mangle_joliet(&cands)
                    .map_err(fail)?
                    .into_iter()
                    .map(|u| u.iter().flat_map(|x| x.to_be_bytes()).collect())
                    .collect(),
            };
            let mut list: Vec<(TmpChild, Vec<u8>)> =
                d.children.iter().copied().zip(idents).collect();
            match flavor {
                Flavor::Iso { .. } => list.sort_by(|a, b| {
                    names::identifier_cmp(strip_version(&a.1), strip_version(&b.1))
                }),
                Flavor::Joliet => {
                    list.sort_by(|a, b| names::identifier_cmp(&units(&a.1), &units(&b.1)))
                }
            }
            let mut out = Vec::with_capacity(list.len());
            for (c, ident) in list {
                let off = names_arena.len() as u32;
                names_arena.extend_from_slice(&ident);
                out.push((c, (off, ident.len() as u16)));
            }
            sorted.push(out);
        }
        if rr {
            if let Some(mv) = rr_moved {
                rr_moved_name = unique_rr_name(data, &sorted[0], mv);
            }
        }

        // Number directories breadth first over sorted entries: path table order.
        let mut order: Vec<usize> = vec![0];
        let mut final_index = vec![u32::MAX; tmp.len()];
        final_index[0] = 0;
        let mut name_of: Vec<(u32, u16)> = vec![(0, 0); tmp.len()];
        let mut k = 0;
        while k < order.len() {
            let t = order[k];
            for (c, name) in &sorted[t] {
                if let TmpKind::Dir(d) = c.kind {
                    final_index[d] = order.len() as u32;
                    name_of[d] = *name;
                    order.push(d);
                }
            }
            k += 1;
        }
        if order.len() > 65_535 {
            return Err(Error::TooManyDirs {
                file_system: fs,
                count: order.len(),
            });
        }
        let mut dirs = Vec::with_capacity(order.len());
        let mut entries = Vec::new();
        for &t in &order {
            let d = &tmp[t];
            let first = entries.len() as u32;
            for (c, name) in &sorted[t] {
                entries.push(Entry {
                    node: c.node,
                    name: *name,
                    target: match c.kind {
                        TmpKind::Dir(x) => Target::Dir(final_index[x]),
                        TmpKind::File(content) => Target::File(content),
                        TmpKind::Empty => Target::Empty,
                        TmpKind::Placeholder(x) => Target::Placeholder(final_index[x]),
                    },
                });
            }
            dirs.push(DirView {
                node: d.node,
                parent: final_index[d.view_parent],
                orig_parent: final_index[d.orig_parent],
                name: name_of[t],
                first,
                count: entries.len() as u32 - first,
                lba: 0,
                size: 0,
                ce_blocks: 0,
                relocated: d.relocated,
            });
        }
        Ok(Ecma119Tree {
            flavor,
            dirs,
            entries,
            names: names_arena,
            rr_moved_name,
            path_table_size: 0,
            l_table: 0,
            m_table: 0,
        })
    }

    fn rr(&self) -> bool {
        matches!(self.flavor, Flavor::Iso { rr: true, .. })
    }

    fn ident(&self, name: (u32, u16)) -> &[u8] {
        &self.names[name.0 as usize..name.0 as usize + name.1 as usize]
    }

    fn dir_entries(&self, d: u32) -> &[Entry] {
        let v = &self.dirs[d as usize];
        &self.entries[v.first as usize..(v.first + v.count) as usize]
    }

    /// Size of the path table in bytes.
    pub(crate) fn compute_path_table_size(&mut self) -> u32 {
        let mut size = 0u32;
        for (i, d) in self.dirs.iter().enumerate() {
            let id_len = if i == 0 { 1 } else { d.name.1 as u32 };
            size += 8 + id_len + id_len % 2;
        }
        self.path_table_size = size;
        size
    }

    /// Computes each directory's extent size and continuation blocks.
    /// Addresses are not known yet; sizes do not depend on them.
    pub(crate) fn compute_dir_sizes(&mut self, ctx: &Context, file_size: &dyn Fn(u32) -> u64) {
        for d in 0..self.dirs.len() as u32 {
            let mut sink = Sizer::default();
            self.emit_dir(d, ctx, file_size, &mut sink);
            let v = &mut self.dirs[d as usize];
            v.size = sink.sectors * SECTOR as u32;
            v.ce_blocks = sink.ce.blocks_used();
        }
    }

    /// Blocks of a directory's extent plus its continuation area.
    pub(crate) fn dir_blocks(&self, d: u32) -> u32 {
        let v = &self.dirs[d as usize];
        v.size / SECTOR as u32 + v.ce_blocks
    }

    /// Generates a directory's extent followed by its continuation area.
    pub(crate) fn generate_dir(
        &self,
        d: u32,
        ctx: &Context,
        file_size: &dyn Fn(u32) -> u64,
    ) -> Vec<u8> {
        let v = &self.dirs[d as usize];
        let mut w = Writer {
            dir: Vec::with_capacity(v.size as usize),
            ce: vec![0u8; v.ce_blocks as usize * SECTOR],
            ce_base: v.lba + v.size / SECTOR as u32,
            cursor: CeCursor::default(),
        };
        self.emit_dir(d, ctx, file_size, &mut w);
        debug_assert!(w.dir.len() <= v.size as usize);
        w.dir.resize(v.size as usize, 0);
        w.dir.extend_from_slice(&w.ce);
        w.dir
    }

    /// Generates one path table (L when `big_endian` is false, M otherwise),
    /// padded to whole blocks.
    pub(crate) fn generate_path_table(&self, big_endian: bool) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.path_table_size as usize);
        for (i, d) in self.dirs.iter().enumerate() {
            let ident: &[u8] = if i == 0 { &[0] } else { self.ident(d.name) };
            PathTableRecord {
                extent: d.lba,
                parent: (d.parent + 1) as u16,
                identifier: ident,
            }
            .encode_into(&mut out, big_endian);
        }
        out.resize(out.len().div_ceil(SECTOR) * SECTOR, 0);
        out
    }

    /// The root directory record for the volume descriptor (34 bytes).
    pub(crate) fn root_record(&self, ctx: &Context) -> [u8; 34] {
        let root = &self.dirs[0];
        let mut out = Vec::with_capacity(34);
        DirectoryRecord {
            extent: root.lba,
            data_length: root.size,
            recorded: dir_date(ctx.attrs(ROOT).modified),
            flags: flags::DIRECTORY,
            identifier: &[0],
            system_use: &[],
        }
        .encode_into(&mut out);
        out.try_into().expect("34 bytes")
    }

    /// Rock Ridge entries of one record (before the `CE` split). `kind` says
    /// which record: ".", "..", or an entry.
    fn rr_entries(&self, rec: RecordKind, ctx: &Context) -> Vec<SuspEntry> {
        let mut e = Vec::with_capacity(6);
        let (node, mode_type, nlink, serial) = match rec {
            RecordKind::Dot(d) | RecordKind::DotDot(d) => {
                let v = &self.dirs[d as usize];
                (
                    v.node,
                    0o040000,
                    self.dir_nlink(d),
                    dir_serial(ctx, v.node, d),
                )
            }
            RecordKind::Entry(en) => match en.target {
                Target::Dir(d) | Target::Placeholder(d) => (
                    en.node,
                    0o040000,
                    self.dir_nlink(d),
                    dir_serial(ctx, en.node, d),
                ),
                Target::File(c) => (
                    en.node,
                    0o100000,
                    ctx.content_links[c as usize],
                    ctx.serials.by_content[c as usize],
                ),
                Target::Empty => {
                    let ty = match &ctx.data.node(en.node).kind {
                        NodeKind::Symlink { .. } => 0o120000,
                        NodeKind::Special(k) => k.type_bits(),
                        _ => 0o100000,
                    };
                    (en.node, ty, 1, ctx.serials.by_node[en.node as usize])
                }
            },
        };
        if let RecordKind::Dot(0) = rec {
            e.push(SuspEntry::Sp { skip: 0 });
        }
        let a = ctx.attrs(node);
        e.push(SuspEntry::Px {
            mode: mode_type | a.mode,
            nlink,
            uid: a.uid,
            gid: a.gid,
            serial,
        });
        e.push(SuspEntry::Tf {
            flags: rockridge::tf::CREATION
                | rockridge::tf::MODIFY
                | rockridge::tf::ACCESS
                | rockridge::tf::ATTRIBUTES,
            stamps: vec![
                dir_date(a.created),
                dir_date(a.modified),
                dir_date(a.accessed),
                dir_date(a.modified),
            ],
        });
        match rec {
            RecordKind::Dot(d) => {
                if d == 0 {
                    e.push(rockridge::rrip_er());
                }
            }
            RecordKind::DotDot(d) => {
                let v = &self.dirs[d as usize];
                if v.relocated {
                    e.push(SuspEntry::Pl {
                        parent: self.dirs[v.orig_parent as usize].lba,
                    });
                }
            }
            RecordKind::Entry(en) => {
                let name = if en.node == NO_PARENT {
                    self.rr_moved_name.as_bytes()
                } else {
                    ctx.data.node(en.node).name.as_bytes()
                };
                e.extend(rockridge::nm_entries(name));
                match en.target {
                    Target::Dir(d) if self.dirs[d as usize].relocated => e.push(SuspEntry::Re),
                    Target::Placeholder(d) => e.push(SuspEntry::Cl {
                        child: self.dirs[d as usize].lba,
                    }),
                    Target::Empty => match &ctx.data.node(en.node).kind {
                        NodeKind::Symlink { target } => e.extend(rockridge::sl_entries(target)),
                        NodeKind::Special(k) => {
                            if let Some(rdev) = k.rdev() {
                                e.push(SuspEntry::Pn {
                                    high: (rdev >> 32) as u32,
                                    low: rdev as u32,
                                });
                            }
                        }
                        _ => {}
                    },
                    _ => {}
                }
            }
        }
        e
    }

    fn dir_nlink(&self, d: u32) -> u32 {
        let subdirs = self
            .dir_entries(d)
            .iter()
            .filter(|e| matches!(e.target, Target::Dir(_) | Target::Placeholder(_)))
            .count() as u32;
        2 + subdirs
    }

    /// Walks the records of directory `d` into `sink`.
    fn emit_dir(&self, d: u32, ctx: &Context, file_size: &dyn Fn(u32) -> u64, sink: &mut dyn Sink) {
        let v = &self.dirs[d as usize];
        let parent = &self.dirs[v.parent as usize];
        let rr = self.rr();
        let rec_date = |node: u32| dir_date(ctx.attrs(node).modified);
        // "." and ".."
        for (ident, target, kind) in [
            (0u8, v, RecordKind::Dot(d)),
            (1u8, parent, RecordKind::DotDot(d)),
        ] {
            let su = if rr {
                self.rr_entries(kind, ctx)
            } else {
                Vec::new()
            };
            let node = match kind {
                RecordKind::DotDot(_) => parent.node,
                _ => v.node,
            };
            sink.record(
                DirectoryRecord {
                    extent: target.lba,
                    data_length: target.size,
                    recorded: rec_date(node),
                    flags: flags::DIRECTORY,
                    identifier: &[ident],
                    system_use: &[],
                },
                &su,
            );
        }
        for en in self.dir_entries(d) {
            let hidden = en.node != NO_PARENT && ctx.attrs(en.node).hidden;
            let hidden_flag = if hidden { flags::HIDDEN } else { 0 };
            let su = if rr {
                self.rr_entries(RecordKind::Entry(*en), ctx)
            } else {
                Vec::new()
            };
            let ident = self.ident(en.name);
            let date = rec_date(en.node);
            match en.target {
                Target::Dir(t) => {
                    let t = &self.dirs[t as usize];
                    sink.record(
                        DirectoryRecord {
                            extent: t.lba,
                            data_length: t.size,
                            recorded: date,
                            flags: flags::DIRECTORY | hidden_flag,
                            identifier: ident,
                            system_use: &[],
                        },
                        &su,
                    );
                }
                Target::File(c) => {
                    let size = file_size(c);
                    let lba = ctx.content_lba[c as usize];
                    let mut offset = 0u64;
                    loop {
                        let part = (size - offset).min(MAX_EXTENT);
                        let last = offset + part >= size;
                        sink.record(
                            DirectoryRecord {
                                extent: if size == 0 {
                                    lba
                                } else {
                                    lba + (offset / SECTOR as u64) as u32
                                },
                                data_length: part as u32,
                                recorded: date,
                                flags: hidden_flag | if last { 0 } else { flags::MULTI_EXTENT },
                                identifier: ident,
                                system_use: &[],
                            },
                            &su,
                        );
                        offset += part;
                        if last {
                            break;
                        }
                    }
                }
                Target::Empty | Target::Placeholder(_) => {
                    sink.record(
                        DirectoryRecord {
                            extent: 0,
                            data_length: 0,
                            recorded: date,
                            flags: hidden_flag,
                            identifier: ident,
                            system_use: &[],
                        },
                        &su,
                    );
                }
            }
        }
    }
}

#[derive(Clone, Copy)]
enum RecordKind {
    Dot(u32),
    DotDot(u32),
    Entry(Entry),
}

fn dir_serial(ctx: &Context, node: u32, _d: u32) -> u32 {
    if node == NO_PARENT {
        // The relocation directory has no item; it takes the serial after all others.
        ctx.serials.by_node.len() as u32 + ctx.serials.by_content.len() as u32 + 1
    } else {
        ctx.serials.by_node[node as usize]
    }
}

/// A unique Rock Ridge name for the relocation directory among the root's entries.
fn unique_rr_name(data: &TreeData, root: &[(TmpChild, (u32, u16))], _mv: usize) -> String {
    let taken = |n: &str| {
        root.iter()
            .any(|(c, _)| c.node != NO_PARENT && &*data.node(c.node).name == n)
    };
    if !taken(RR_MOVED) {
        return RR_MOVED.to_string();
    }
    (1..)
        .map(|i| format!("{RR_MOVED}_{i}"))
        .find(|n| !taken(n))
        .expect("a free name")
}

fn strip_version(id: &[u8]) -> &[u8] {
    let id = id.strip_suffix(b";1").unwrap_or(id);
    id.strip_suffix(b".").unwrap_or(id)
}

fn units(b: &[u8]) -> Vec<u16> {
    b.chunks_exact(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .collect()
}

/// Receives the records of a directory.
trait Sink {
    /// One record with its Rock Ridge entries (`system_use` of `rec` is empty;
    /// the sink lays the entries out).
    fn record(&mut self, rec: DirectoryRecord, su: &[SuspEntry]);
}

/// Lays records into sectors (ECMA-119 §6.8.1.1: a record never crosses a
/// sector boundary) and continuation areas, counting only sizes.
#[derive(Default)]
struct Sizer {
    sectors: u32,
    used: usize,
    ce: CeCursor,
}

fn place(sectors: &mut u32, used: &mut usize, len: usize) -> bool {
    let mut new_sector = false;
    if *sectors == 0 || *used + len > SECTOR {
        *sectors += 1;
        *used = 0;
        new_sector = true;
    }
    *used += len;
    new_sector
}

/// Bytes of system use area a record can hold (records are even and at most 255 bytes).
fn system_use_room(rec: &DirectoryRecord) -> usize {
    254 - DirectoryRecord::length_for(rec.identifier.len(), 0)
}

impl Sink for Sizer {
    fn record(&mut self, rec: DirectoryRecord, su: &[SuspEntry]) {
        let sizes: Vec<usize> = su.iter().map(SuspEntry::len).collect();
        let l = layout_system_use(&sizes, system_use_room(&rec), &mut self.ce);
        let mut su_len: usize = sizes[..l.in_record].iter().sum();
        if !l.pieces.is_empty() {
            su_len += 28;
        }
        let len = DirectoryRecord::length_for(rec.identifier.len(), su_len);
        place(&mut self.sectors, &mut self.used, len);
    }
}

/// Writes records and continuation areas.
struct Writer {
    dir: Vec<u8>,
    ce: Vec<u8>,
    /// Absolute block of the continuation area.
    ce_base: u32,
    cursor: CeCursor,
}

impl Sink for Writer {
    fn record(&mut self, rec: DirectoryRecord, su: &[SuspEntry]) {
        let sizes: Vec<usize> = su.iter().map(SuspEntry::len).collect();
        let l = layout_system_use(&sizes, system_use_room(&rec), &mut self.cursor);
        let mut area = Vec::with_capacity(255);
        for e in &su[..l.in_record] {
            e.encode_into(&mut area);
        }
        for (k, p) in l.pieces.iter().enumerate() {
            let ce = SuspEntry::Ce {
                block: self.ce_base + p.block,
                offset: p.offset,
                length: p.length,
            };
            // The CE that leads to piece k sits in the record (k == 0) or at
            // the end of piece k - 1.
            if k == 0 {
                ce.encode_into(&mut area);
            }
            let mut piece = Vec::with_capacity(p.length as usize);
            for e in &su[p.start..p.end] {
                e.encode_into(&mut piece);
            }
            if let Some(next) = l.pieces.get(k + 1) {
                SuspEntry::Ce {
                    block: self.ce_base + next.block,
                    offset: next.offset,
                    length: next.length,
                }
                .encode_into(&mut piece);
            }
            debug_assert_eq!(piece.len(), p.length as usize);
            let at = p.block as usize * SECTOR + p.offset as usize;
            self.ce[at..at + piece.len()].copy_from_slice(&piece);
        }
        let rec = DirectoryRecord {
            system_use: &area,
            ..rec
        };
        let len = rec.len();
        let used = self.dir.len() % SECTOR;
        if !self.dir.is_empty() && used != 0 && used + len > SECTOR {
            let pad = SECTOR - used;
            self.dir.resize(self.dir.len() + pad, 0);
        }
        rec.encode_into(&mut self.dir);
    }
}
