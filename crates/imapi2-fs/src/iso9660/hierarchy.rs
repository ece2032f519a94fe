//! The ECMA-119 directory hierarchies: the primary ISO 9660 tree (with Rock
//! Ridge entries and deep-directory relocation) and the Joliet tree. Each is
//! built from the item tree in three steps:
//!
//! 1. **build**: choose which items appear, relocate directories deeper than
//!    eight levels (ISO 9660 only), mangle names per directory, sort entries
//!    (ECMA-119 §9.3), and number directories in path table order (§6.9.1);
//! 2. **reserve**: compute each directory's extent and continuation area
//!    size (`records`), then the ISO 9660 or Joliet writer (`writer`) takes
//!    blocks for path tables and directories from the layout;
//! 3. **generate**: produce a directory's or path table's bytes on demand,
//!    once the layout has placed file data (`records`).

use crate::codec::SECTOR;
use crate::error::{Error, Result};
use crate::filesystems::FileSystems;
use crate::image::arena::{NodeKind, TreeData, ROOT};
use crate::image::item::Attributes;
use crate::iso9660::names::{self, Candidate};
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
    /// The item.
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
    /// Whether the directory was relocated to the root (`--rr-relocate`).
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
    /// What the hierarchy could not hold exactly, for the user.
    pub(crate) warnings: Vec<String>,
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
}

/// Rock Ridge file serial numbers (`PX` field 5), assigned in layout order.
#[derive(Default)]
pub(crate) struct Serials {
    pub(crate) by_content: Vec<u32>,
    pub(crate) by_node: Vec<u32>,
}

impl Context<'_> {
    /// The attributes written for `node`, times clamped.
    pub(super) fn attrs(&self, node: u32) -> Attributes {
        let mut a = self.data.node(node).attrs;
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

impl Ecma119Tree {
    /// Builds the hierarchy of `flavor` from the item tree. Directories
    /// deeper than ISO 9660's eight levels stay where they are, as xorriso
    /// writes them beside Rock Ridge (every reader takes them), unless
    /// `relocate` (or `strict`) asks for ECMA-119's limit: with Rock Ridge
    /// they then move to the root, hidden there by `RE` and found through
    /// `CL`/`PL` (libisofs' layout: no relocation directory to show), and
    /// without Rock Ridge `strict` refuses them.
    pub(crate) fn build(
        data: &TreeData,
        flavor: Flavor,
        strict: bool,
        relocate: bool,
    ) -> Result<Ecma119Tree> {
        let fs = match flavor {
            Flavor::Iso { .. } => FileSystems::ISO9660,
            Flavor::Joliet => FileSystems::JOLIET,
        };
        let tmp = gather(data, flavor, strict, relocate)?;
        let (names_arena, sorted) = name_entries(data, &tmp, flavor, fs)?;
        let (dirs, entries) = number(&tmp, &sorted)?;
        let mut warnings = Vec::new();
        if dirs.len() > 0xFFFF {
            warnings.push(format!(
                "{}: {} directories: the path table's 16-bit parent numbers (ECMA-119 9.4.4) \
                 cannot name parents past the 65,535th; they are written modulo 65,536, as \
                 xorriso writes them, and readers follow the directory records",
                fs,
                dirs.len()
            ));
        }
        Ok(Ecma119Tree {
            warnings,
            flavor,
            dirs,
            entries,
            names: names_arena,
            path_table_size: 0,
            l_table: 0,
            m_table: 0,
        })
    }

    pub(super) fn rr(&self) -> bool {
        matches!(self.flavor, Flavor::Iso { rr: true, .. })
    }

    pub(super) fn ident(&self, name: (u32, u16)) -> &[u8] {
        &self.names[name.0 as usize..name.0 as usize + name.1 as usize]
    }

    pub(super) fn dir_entries(&self, d: u32) -> &[Entry] {
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

    /// Blocks of a directory's extent plus its continuation area.
    pub(crate) fn dir_blocks(&self, d: u32) -> u32 {
        let v = &self.dirs[d as usize];
        v.size / SECTOR as u32 + v.ce_blocks
    }
}

/// Step 1 of building: the directories of the hierarchy and their entries,
/// in item order. When relocating (ISO 9660 with Rock Ridge, asked for), a
/// directory below eight levels moves to the root and leaves a placeholder
/// where it was. Returns the directories, and the index of a relocation
/// directory if one was made (none is: relocated directories go to the
/// root).
fn gather(
    data: &TreeData,
    flavor: Flavor,
    strict: bool,
    relocate_asked: bool,
) -> Result<Vec<TmpDir>> {
    let rr = matches!(flavor, Flavor::Iso { rr: true, .. });
    let iso = matches!(flavor, Flavor::Iso { .. });
    let relocate = iso && rr && (relocate_asked || strict);
    let mut tmp: Vec<TmpDir> = vec![TmpDir {
        node: ROOT,
        view_parent: 0,
        orig_parent: 0,
        level: 1,
        relocated: false,
        children: Vec::new(),
    }];
    let mut i = 0;
    while i < tmp.len() {
        let node = tmp[i].node;
        for &c in data.node(node).children() {
            let n = data.node(c);
            let kind = match &n.kind {
                NodeKind::Dir { .. } => None,
                NodeKind::File { content } => Some(TmpKind::File(*content)),
                NodeKind::Symlink { .. } | NodeKind::Special(_) if rr => Some(TmpKind::Empty),
                _ => continue,
            };
            if let Some(k) = kind {
                tmp[i].children.push(TmpChild { node: c, kind: k });
                continue;
            }
            let level = tmp[i].level + 1;
            let new = tmp.len();
            if iso && level > MAX_LEVEL && strict && !rr {
                return Err(Error::Iso9660Levels {
                    path: data.full_path(c),
                    level: level as usize,
                });
            }
            if relocate && level > MAX_LEVEL {
                // To the root, at level 2 (libisofs' default relocation
                // target): RE hides it there, CL and PL link it back.
                tmp.push(TmpDir {
                    node: c,
                    view_parent: 0,
                    orig_parent: i,
                    level: 2,
                    relocated: true,
                    children: Vec::new(),
                });
                tmp[0].children.push(TmpChild {
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
        i += 1;
    }
    Ok(tmp)
}

/// Entries of one directory with their identifiers (offset and length in
/// the names arena), sorted.
type Named = Vec<(TmpChild, (u32, u16))>;

/// Step 2: each directory's identifiers, mangled to be unique, and its
/// entries sorted by identifier (ECMA-119 §9.3); the identifiers go into
/// one arena.
fn name_entries(
    data: &TreeData,
    tmp: &[TmpDir],
    flavor: Flavor,
    fs: FileSystems,
) -> Result<(Vec<u8>, Vec<Named>)> {
    // Names per directory, then entries sorted by identifier.
    let mut names_arena: Vec<u8> = Vec::new();
    let mut sorted: Vec<Vec<(TmpChild, (u32, u16))>> = Vec::with_capacity(tmp.len());
    for d in tmp {
        // Bytes that are not UTF-8 have no place in ISO 9660 or Joliet
        // names: `_` for each (Rock Ridge keeps them).
        let plain: Vec<std::borrow::Cow<str>> = d
            .children
            .iter()
            .map(|c| crate::escape::replaced(&data.node(c.node).name, '_'))
            .collect();
        let cands: Vec<Candidate> = d
            .children
            .iter()
            .zip(&plain)
            .map(|(c, name)| Candidate {
                name,
                is_dir: matches!(c.kind, TmpKind::Dir(_)),
            })
            .collect();
        let fail = |k: usize| {
            let n = d.children[k].node;
            Error::NoUniqueName {
                path: data.full_path(n),
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
        let mut list: Vec<(TmpChild, Vec<u8>)> = d.children.iter().copied().zip(idents).collect();
        match flavor {
            Flavor::Iso { .. } => {
                list.sort_by(|a, b| names::identifier_cmp(strip_version(&a.1), strip_version(&b.1)))
            }
            // Joliet: the whole name in UCS-2 unit order, as xorriso and
            // genisoimage write it and readers rely on (Joliet names have no
            // version, and their dots are ordinary characters; every allowed
            // unit is above the space ECMA-119 pads with, so this is also
            // the padded order).
            Flavor::Joliet => list.sort_by(joliet_order),
        }
        let mut out = Vec::with_capacity(list.len());
        for (c, ident) in list {
            let off = names_arena.len() as u32;
            names_arena.extend_from_slice(&ident);
            out.push((c, (off, ident.len() as u16)));
        }
        sorted.push(out);
    }
    Ok((names_arena, sorted))
}

/// Step 3: directories numbered breadth first over the sorted entries (path
/// table order, ECMA-119 §6.9.1), with their entries pointing at each
/// other by number.
fn number(tmp: &[TmpDir], sorted: &[Named]) -> Result<(Vec<DirView>, Vec<Entry>)> {
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
    Ok((dirs, entries))
}

/// Joliet identifiers are big-endian UCS-2: their bytes compare as their
/// units do.
fn joliet_order(a: &(TmpChild, Vec<u8>), b: &(TmpChild, Vec<u8>)) -> std::cmp::Ordering {
    a.1.cmp(&b.1)
}

fn strip_version(id: &[u8]) -> &[u8] {
    let id = id.strip_suffix(b";1").unwrap_or(id);
    id.strip_suffix(b".").unwrap_or(id)
}
