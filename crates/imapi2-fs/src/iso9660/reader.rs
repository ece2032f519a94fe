//! Reading ISO 9660 volumes: the volume descriptor set of a session, and
//! the directory tree of each view — plain ISO 9660 (levels 1 to 3, files of
//! several extents), Joliet, and Rock Ridge (names, modes, owners, times,
//! links, devices, relocated directories) — as an [`FsTree`].
//!
//! The medium is untrusted: every record is bounded by its sector, every
//! extent by the medium, each directory is read once (a directory that
//! reaches itself is cut off), and continuation areas are bounded.
//!
//! ```no_run
//! use imapi2_fs::iso_reader::{IsoView, IsoVolume};
//! use imapi2_fs::Medium;
//! let medium = Medium::open("image.iso")?;
//! let volume = IsoVolume::open(&medium, 0)?;
//! let tree = volume.read_tree(volume.best_view())?;
//! for i in tree.walk(0) {
//!     println!("{}", tree.path(i));
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::{BTreeMap, HashSet};

use crate::codec::SECTOR;
use crate::error::{Error, Result};
use crate::iso9660::ecma119::{flags, read_dir_date, vd_type, DirectoryRecord, VolumeDescriptor};
use crate::iso9660::rockridge::{sl, tf, SuspEntry};
use crate::read::medium::Medium;
use crate::read::view::{FsData, FsKind, FsNode, FsTree, ZisofsData};

/// Most volume descriptors read before the terminator.
const MAX_DESCRIPTORS: u64 = 64;
/// Most bytes of continuation areas followed for one directory record.
const MAX_CONTINUATION: usize = 64 * 1024;

/// Which directory tree of the volume to read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IsoView {
    /// The primary descriptor's tree, names as recorded (version cut off).
    Iso9660,
    /// The Joliet supplementary descriptor's tree.
    Joliet,
    /// The primary tree with Rock Ridge names and attributes.
    RockRidge,
}

/// The volume descriptor set of one session.
#[derive(Clone, Debug)]
pub struct IsoVolume {
    medium: Medium,
    /// Block where the session starts (its descriptors are 16 blocks on).
    pub session_start: u32,
    /// The primary volume descriptor (a root directory record that says it
    /// is longer than 34 bytes reads as the 34 bytes it has: see `warnings`).
    pub primary: VolumeDescriptor,
    /// The Joliet descriptor, if any (its root record read as the primary's).
    pub joliet: Option<VolumeDescriptor>,
    /// Block of the El Torito boot catalog, if a boot record names one.
    pub boot_catalog: Option<u32>,
    /// Rock Ridge, when the root carries SUSP: bytes skipped in each
    /// system use area, and the extension identifier from `ER`.
    pub rock_ridge: Option<(u8, String)>,
    /// What was read in spite of not following the standard, one sentence
    /// each (a root directory record longer than 34 bytes, as NetBSD's
    /// makefs writes).
    pub warnings: Vec<String>,
}

/// Makes a descriptor's root directory record readable when its length
/// field says more than the 34 bytes the field holds (ECMA-119 §8.4.18:
/// the record in a volume descriptor is 34 bytes; NetBSD's makefs writes
/// 68): the 34 bytes are read, and a warning says so.
fn root_record_as_34(vd: &mut VolumeDescriptor, which: &str, warnings: &mut Vec<String>) {
    let len = vd.root_record[0];
    if usize::from(len) > vd.root_record.len() {
        warnings.push(format!(
            "the root directory record of the {which} volume descriptor says it is {len} bytes \
             long; it holds the 34 bytes ECMA-119 §8.4.18 defines, which are read"
        ));
        vd.root_record[0] = vd.root_record.len() as u8;
    }
}

fn corrupt(structure: &str, block: u64, reason: impl Into<String>) -> Error {
    Error::Corrupt {
        structure: structure.into(),
        block,
        reason: reason.into(),
    }
}

impl IsoVolume {
    /// Reads the descriptor set at `session_start + 16`.
    pub fn open(medium: &Medium, session_start: u32) -> Result<IsoVolume> {
        let mut primary = None;
        let mut joliet = None;
        let mut boot_catalog = None;
        let first = u64::from(session_start) + 16;
        let mut terminated = false;
        for i in 0..MAX_DESCRIPTORS {
            let at = first + i;
            if (at + 1) * SECTOR as u64 > medium.len() {
                break;
            }
            let s = medium.read_sectors(at, 1, "volume descriptor")?;
            if &s[1..6] != b"CD001" {
                break;
            }
            match s[0] {
                vd_type::TERMINATOR => {
                    terminated = true;
                    break;
                }
                vd_type::PRIMARY if primary.is_none() => {
                    primary =
                        Some(VolumeDescriptor::decode(&s).map_err(|e| {
                            corrupt("primary volume descriptor", at, e.to_string())
                        })?);
                }
                vd_type::SUPPLEMENTARY => {
                    if let Ok(d) = VolumeDescriptor::decode(&s) {
                        if d.is_joliet() && joliet.is_none() {
                            joliet = Some(d);
                        }
                    }
                }
                vd_type::BOOT_RECORD if &s[7..30] == b"EL TORITO SPECIFICATION" => {
                    boot_catalog = Some(u32::from_le_bytes(s[71..75].try_into().expect("4")));
                }
                _ => {}
            }
        }
        let mut warnings = Vec::new();
        let mut primary = primary.ok_or_else(|| {
            corrupt(
                "volume descriptor set",
                first,
                "no primary volume descriptor (not an ISO 9660 session)",
            )
        })?;
        if !terminated {
            return Err(corrupt("volume descriptor set", first, "no set terminator"));
        }
        if primary.logical_block_size != SECTOR as u16 {
            return Err(corrupt(
                "primary volume descriptor",
                first,
                format!(
                    "logical block size {} (only 2048 is read)",
                    primary.logical_block_size
                ),
            ));
        }
        root_record_as_34(&mut primary, "primary", &mut warnings);
        if let Some(j) = joliet.as_mut() {
            root_record_as_34(j, "Joliet", &mut warnings);
        }
        let mut v = IsoVolume {
            medium: medium.clone(),
            session_start,
            primary,
            joliet,
            boot_catalog,
            rock_ridge: None,
            warnings,
        };
        v.rock_ridge = v.detect_rock_ridge()?;
        Ok(v)
    }

    /// The views this volume has.
    pub fn views(&self) -> Vec<IsoView> {
        let mut v = vec![IsoView::Iso9660];
        if self.joliet.is_some() {
            v.push(IsoView::Joliet);
        }
        if self.rock_ridge.is_some() {
            v.push(IsoView::RockRidge);
        }
        v
    }

    /// Rock Ridge if present, else Joliet, else plain ISO 9660.
    pub fn best_view(&self) -> IsoView {
        if self.rock_ridge.is_some() {
            IsoView::RockRidge
        } else if self.joliet.is_some() {
            IsoView::Joliet
        } else {
            IsoView::Iso9660
        }
    }

    /// The volume identifier: Joliet's when there is one, else the primary's.
    pub fn volume_id(&self) -> String {
        if let Some(j) = &self.joliet {
            let units: Vec<u16> = j
                .volume_id
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            let s = String::from_utf16_lossy(&units);
            let s = s.trim_end_matches([' ', '\0']);
            if !s.is_empty() {
                return s.to_string();
            }
        }
        String::from_utf8_lossy(&self.primary.volume_id)
            .trim_end_matches([' ', '\0'])
            .to_string()
    }

    /// Looks for SUSP's `SP` in the root's "." record and an `ER`. The `SP`
    /// opens that record's system use area (SUSP 1.12 §5.3), or follows
    /// the 14 bytes of CD-ROM XA data that `genisoimage -xa` puts first
    /// (then its skip length says 14, and every record's entries follow
    /// such data).
    fn detect_rock_ridge(&self) -> Result<Option<(u8, String)>> {
        let root = DirectoryRecord::decode(&self.primary.root_record)
            .map_err(|e| corrupt("root directory record", 16, e.to_string()))?;
        let Some(first) = self.read_dir_sector(root.extent)? else {
            return Ok(None);
        };
        let Ok(dot) = DirectoryRecord::decode(&first) else {
            return Ok(None);
        };
        let Some(su) = sp_area(dot.system_use) else {
            return Ok(None);
        };
        let skip = su[6];
        let entries = self
            .system_use(su, u64::from(root.extent), &mut (MAX_CONTINUATION as u64))
            .unwrap_or_default();
        let mut id = String::new();
        let mut rrip = false;
        for e in &entries {
            match e {
                SuspEntry::Er { id: i, .. } => {
                    id = String::from_utf8_lossy(i).into_owned();
                    rrip = true;
                }
                SuspEntry::Px { .. } | SuspEntry::Tf { .. } | SuspEntry::Nm { .. } => rrip = true,
                SuspEntry::Unknown {
                    sig: [b'R', b'R'], ..
                } => rrip = true,
                _ => {}
            }
        }
        Ok(rrip.then_some((skip, id)))
    }

    fn read_dir_sector(&self, lba: u32) -> Result<Option<Vec<u8>>> {
        if u64::from(lba) >= self.medium.sectors() {
            return Ok(None);
        }
        self.medium
            .read_sectors(u64::from(lba), 1, "directory")
            .map(Some)
    }

    /// The SUSP entries of a system use area, continuation areas followed;
    /// their bytes are taken from `budget` (what one tree may follow in all).
    fn system_use(&self, area: &[u8], block: u64, budget: &mut u64) -> Result<Vec<SuspEntry>> {
        let mut out = SuspEntry::decode_all(area)
            .map_err(|e| corrupt("system use area", block, e.to_string()))?;
        let mut followed = 0usize;
        let mut seen = HashSet::new();
        while let Some(pos) = out.iter().rposition(|e| matches!(e, SuspEntry::Ce { .. })) {
            let SuspEntry::Ce {
                block: b,
                offset,
                length,
            } = out.remove(pos)
            else {
                unreachable!()
            };
            followed += length as usize;
            if followed > MAX_CONTINUATION || !seen.insert((b, offset)) {
                return Err(corrupt(
                    "continuation area",
                    u64::from(b),
                    "continuation areas loop or exceed 64 KiB",
                ));
            }
            *budget = budget.checked_sub(u64::from(length)).ok_or_else(|| {
                corrupt(
                    "continuation area",
                    u64::from(b),
                    "the continuation areas of the tree add up to more than the medium holds",
                )
            })?;
            let start = u64::from(b) * SECTOR as u64 + u64::from(offset);
            let mut buf = vec![0u8; length as usize];
            self.medium
                .read_exact_at(&mut buf, start, "continuation area")?;
            let more = SuspEntry::decode_all(&buf)
                .map_err(|e| corrupt("continuation area", u64::from(b), e.to_string()))?;
            out.extend(more);
        }
        Ok(out)
    }

    /// Reads one view's whole tree.
    pub fn read_tree(&self, view: IsoView) -> Result<FsTree> {
        let (vd, rr) = match view {
            IsoView::Iso9660 => (&self.primary, None),
            IsoView::RockRidge => (
                &self.primary,
                Some(self.rock_ridge.as_ref().map_or(0, |r| r.0)),
            ),
            IsoView::Joliet => (
                self.joliet.as_ref().ok_or_else(|| {
                    corrupt(
                        "volume descriptor set",
                        u64::from(self.session_start) + 16,
                        "no Joliet descriptor",
                    )
                })?,
                None,
            ),
        };
        if view == IsoView::RockRidge && self.rock_ridge.is_none() {
            return Err(corrupt(
                "root directory",
                u64::from(self.session_start) + 16,
                "no Rock Ridge entries",
            ));
        }
        let root = DirectoryRecord::decode(&vd.root_record)
            .map_err(|e| corrupt("root directory record", 16, e.to_string()))?;
        let mut tree = FsTree::new();
        if let Some(t) = Some(read_dir_date(&root.recorded)) {
            tree.nodes[0].modified = Some(t);
        }
        // Each sector is read as (part of) one directory at most, so that
        // directories that loop or overlap cost no more than the medium.
        let mut claimed = Claimed::default();
        let mut queue = std::collections::VecDeque::new();
        queue.push_back((0u32, root.extent, root.data_length));
        claimed.claim(root.extent, root.data_length);
        // Continuation areas followed in all: each belongs to one record.
        let mut ce_budget = self.medium.len() + MAX_CONTINUATION as u64;
        let mut relocated_homes = Vec::new();
        while let Some((node, extent, length)) = queue.pop_front() {
            let records = self.read_directory(extent, length, view, rr, &mut ce_budget)?;
            for r in records {
                match r {
                    Record::Dot(attrs) => {
                        if node == 0 {
                            attrs.apply(&mut tree.nodes[0]);
                        }
                    }
                    Record::Entry {
                        mut node_data,
                        dir_extent,
                        relocated_here,
                        ..
                    } => {
                        if relocated_here {
                            relocated_homes.push(node);
                            continue;
                        }
                        node_data.parent = node;
                        let is_dir = node_data.is_dir();
                        let i = tree.push(node_data);
                        if let (true, Some((e, len))) = (is_dir, dir_extent) {
                            if claimed.claim(e, len) {
                                queue.push_back((i, e, len));
                            } else {
                                // A directory reached twice, or overlapping
                                // another: keep it empty.
                                continue;
                            }
                        }
                    }
                }
            }
        }
        if view == IsoView::RockRidge {
            drop_empty_relocation_dirs(&mut tree, &relocated_homes);
        }
        Ok(tree)
    }

    /// Decodes the records of one directory.
    fn read_directory(
        &self,
        extent: u32,
        length: u32,
        view: IsoView,
        rr: Option<u8>,
        ce_budget: &mut u64,
    ) -> Result<Vec<Record>> {
        let sectors = u64::from(length).div_ceil(SECTOR as u64);
        let data = self
            .medium
            .read_sectors(u64::from(extent), sectors, "directory")?;
        let mut out = Vec::new();
        let mut pending: Option<Pending> = None;
        for (si, sector) in data.chunks(SECTOR).enumerate() {
            let block = u64::from(extent) + si as u64;
            let mut pos = 0;
            while pos < SECTOR && sector[pos] != 0 {
                let rec = DirectoryRecord::decode(&sector[pos..])
                    .map_err(|e| corrupt("directory record", block, e.to_string()))?;
                pos += usize::from(sector[pos]);
                if rec.identifier == [0] || rec.identifier == [1] {
                    if rec.identifier == [0] && si == 0 {
                        let mut n = FsNode::new(String::new(), 0, FsKind::Directory);
                        if let Some(skip) = rr {
                            // The root's "." record starts with its `SP`.
                            let su = match sp_area(rec.system_use) {
                                Some(su) => su,
                                None => rec.system_use.get(usize::from(skip)..).unwrap_or(&[]),
                            };
                            let entries = self.system_use(su, block, ce_budget)?;
                            apply_rock_ridge(&mut n, &entries, &mut None);
                        }
                        out.push(Record::Dot(Attrs::from(&n)));
                    }
                    continue;
                }
                if rec.flags & flags::ASSOCIATED != 0 {
                    continue;
                }
                let raw = rec.identifier.to_vec();
                let extent_run = (
                    u64::from(rec.extent) * SECTOR as u64,
                    u64::from(rec.data_length),
                );
                // Further extents of a file of several.
                if let Some(p) = pending.as_mut() {
                    if p.raw == raw {
                        p.node.size += extent_run.1;
                        if let FsData::Extents(v) = &mut p.node.data {
                            v.push(extent_run);
                        }
                        if rec.flags & flags::MULTI_EXTENT == 0 {
                            out.push(pending.take().expect("pending").record());
                        }
                        continue;
                    }
                    out.push(pending.take().expect("pending").record());
                }
                let is_dir = rec.flags & flags::DIRECTORY != 0;
                let name = match view {
                    IsoView::Joliet => joliet_name(&raw),
                    _ => iso_name(&raw, is_dir),
                };
                // The longer forms of a name cut short, for when the short
                // one collides with another entry of the directory (not for
                // Joliet names, nor names Rock Ridge gives).
                let mut alternatives = Vec::new();
                let mut rr_named = false;
                let mut n = FsNode::new(
                    name,
                    0,
                    if is_dir {
                        FsKind::Directory
                    } else {
                        FsKind::File
                    },
                );
                n.modified = Some(read_dir_date(&rec.recorded));
                n.hidden = rec.flags & flags::HIDDEN != 0;
                let mut dir_extent = is_dir.then_some((rec.extent, rec.data_length));
                let mut relocated_here = false;
                let mut zf = None;
                if let Some(skip) = rr {
                    let su = rec.system_use.get(usize::from(skip)..).unwrap_or(&[]);
                    let entries = self.system_use(su, block, ce_budget)?;
                    rr_named = entries.iter().any(|e| matches!(e, SuspEntry::Nm { .. }));
                    zf = entries
                        .iter()
                        .find(|e| matches!(e, SuspEntry::Zf { .. }))
                        .cloned();
                    let mut child = None;
                    relocated_here = apply_rock_ridge(&mut n, &entries, &mut child);
                    if let Some(c) = child {
                        // A placeholder for a relocated directory.
                        let len = self
                            .read_dir_sector(c)?
                            .and_then(|s| DirectoryRecord::decode(&s).ok().map(|d| d.data_length))
                            .ok_or_else(|| {
                                corrupt("relocated directory", u64::from(c), "unreadable")
                            })?;
                        n.kind = FsKind::Directory;
                        dir_extent = Some((c, len));
                    }
                }
                if view != IsoView::Joliet && !rr_named && !is_dir {
                    alternatives = iso_name_forms(&raw, false);
                }
                if n.kind == FsKind::File {
                    n.size = extent_run.1;
                    n.data = if extent_run.1 > 0 {
                        FsData::Extents(vec![extent_run])
                    } else {
                        FsData::Extents(Vec::new())
                    };
                    if rec.flags & flags::MULTI_EXTENT != 0 {
                        pending = Some(Pending {
                            node: n,
                            raw,
                            alternatives,
                            zf,
                        });
                        continue;
                    }
                    n = compressed(n, zf);
                }
                out.push(Record::Entry {
                    node_data: n,
                    dir_extent,
                    relocated_here,
                    alternatives,
                });
            }
        }
        if let Some(p) = pending {
            out.push(p.record());
        }
        keep_names_apart(&mut out);
        // Extents must lie on the medium.
        for r in &out {
            if let Record::Entry { node_data, .. } = r {
                let runs = match &node_data.data {
                    FsData::Extents(v) => v.as_slice(),
                    FsData::Zisofs(z) => z.runs.as_slice(),
                    _ => &[],
                };
                for &(off, len) in runs {
                    if off.saturating_add(len) > self.medium.len() {
                        return Err(corrupt(
                            "directory record",
                            u64::from(extent),
                            format!(
                                "{:?}: {len} bytes at block {} run past the end of the medium",
                                node_data.name,
                                off / SECTOR as u64
                            ),
                        ));
                    }
                }
            }
        }
        Ok(out)
    }
}

/// A file of several extents whose records are being read.
struct Pending {
    node: FsNode,
    /// Its identifier as recorded (the next extent's record repeats it).
    raw: Vec<u8>,
    alternatives: Vec<String>,
    /// Its zisofs `ZF` entry, if any (in the first record).
    zf: Option<SuspEntry>,
}

impl Pending {
    fn record(self) -> Record {
        Record::file(compressed(self.node, self.zf), self.alternatives)
    }
}

/// A file whose Rock Ridge entries hold a zisofs `ZF`: its data is the
/// compressed file, its size the one `ZF` gives (an empty file stays as it
/// is).
fn compressed(mut n: FsNode, zf: Option<SuspEntry>) -> FsNode {
    let Some(SuspEntry::Zf {
        algorithm,
        header_words,
        block_log,
        size,
        ..
    }) = zf
    else {
        return n;
    };
    if let FsData::Extents(runs) = &mut n.data {
        if !runs.is_empty() {
            n.data = FsData::Zisofs(ZisofsData {
                runs: std::mem::take(runs),
                algorithm,
                header_words,
                block_log,
            });
            n.size = size;
        }
    }
    n
}

/// Size of the CD-ROM XA system use data of a directory record (CD-ROM XA
/// §4.3: owner, group, attributes, the signature "XA", file number,
/// reserved bytes).
const XA_LEN: usize = 14;

/// The part of a system use area that starts with a SUSP `SP` entry: the
/// whole area, or what follows its CD-ROM XA data.
pub(crate) fn sp_area(su: &[u8]) -> Option<&[u8]> {
    let is_sp = |a: &[u8]| a.len() >= 7 && &a[0..2] == b"SP" && a[4] == 0xBE && a[5] == 0xEF;
    if is_sp(su) {
        return Some(su);
    }
    let xa = su.get(XA_LEN..).filter(|_| &su[6..8] == b"XA")?;
    is_sp(xa).then_some(xa)
}

/// The sectors read as directories so far: disjoint runs, first → end.
#[derive(Default)]
struct Claimed(BTreeMap<u64, u64>);

impl Claimed {
    /// Claims the sectors of a directory extent of `length` bytes; false,
    /// claiming nothing, when one of them is claimed already.
    fn claim(&mut self, extent: u32, length: u32) -> bool {
        let first = u64::from(extent);
        let end = first + u64::from(length).div_ceil(SECTOR as u64);
        if end == first {
            return true;
        }
        // The runs are disjoint, so the last one starting before `end` ends last.
        if let Some((_, &e)) = self.0.range(..end).next_back() {
            if e > first {
                return false;
            }
        }
        self.0.insert(first, end);
        true
    }
}

/// What one directory record yields.
enum Record {
    /// The directory's own "." record: its Rock Ridge attributes.
    Dot(Attrs),
    /// A child.
    Entry {
        node_data: FsNode,
        /// (extent, length) of a directory to read.
        dir_extent: Option<(u32, u32)>,
        /// Rock Ridge `RE`: a relocated directory, shown at its `CL` instead.
        relocated_here: bool,
        /// Longer forms of an ISO 9660 name, in order, for when the name
        /// collides with another entry of the directory (see
        /// [`iso_name_forms`]).
        alternatives: Vec<String>,
    },
}

impl Record {
    fn file(n: FsNode, alternatives: Vec<String>) -> Record {
        Record::Entry {
            node_data: n,
            dir_extent: None,
            relocated_here: false,
            alternatives,
        }
    }
}

/// Names that ISO 9660 keeps apart stay apart in the view: an entry whose
/// short name (version and trailing dot cut off) collides with another
/// entry of the directory takes its next longer form — the name with its
/// dot (`12345678.` beside a directory `12345678`), then the identifier as
/// recorded (`A.TXT;1` beside `A.TXT;2`) — until no name collides or no
/// longer form is left.
fn keep_names_apart(out: &mut [Record]) {
    let cut_short =
        |r: &Record| matches!(r, Record::Entry { alternatives, .. } if !alternatives.is_empty());
    if !out.iter().any(cut_short) {
        return;
    }
    for _ in 0..2 {
        let mut count: std::collections::HashMap<String, u32> = std::collections::HashMap::new();
        for r in out.iter() {
            if let Record::Entry { node_data, .. } = r {
                *count.entry(node_data.name.clone()).or_default() += 1;
            }
        }
        let mut changed = false;
        for r in out.iter_mut() {
            if let Record::Entry {
                node_data,
                alternatives,
                ..
            } = r
            {
                if count.get(&node_data.name).copied().unwrap_or(0) > 1 && !alternatives.is_empty()
                {
                    node_data.name = alternatives.remove(0);
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
}

/// The attributes a "." record gives its directory.
struct Attrs {
    mode: Option<u32>,
    uid: Option<u32>,
    gid: Option<u32>,
    modified: Option<crate::FileTime>,
    accessed: Option<crate::FileTime>,
    created: Option<crate::FileTime>,
}

impl Attrs {
    fn from(n: &FsNode) -> Attrs {
        Attrs {
            mode: n.mode,
            uid: n.uid,
            gid: n.gid,
            modified: n.modified,
            accessed: n.accessed,
            created: n.created,
        }
    }

    fn apply(&self, n: &mut FsNode) {
        n.mode = self.mode.or(n.mode);
        n.uid = self.uid.or(n.uid);
        n.gid = self.gid.or(n.gid);
        n.modified = self.modified.or(n.modified);
        n.accessed = self.accessed.or(n.accessed);
        n.created = self.created.or(n.created);
    }
}

/// Applies Rock Ridge entries to a node. Sets `child` for a `CL`
/// placeholder; returns whether the record has `RE`.
fn apply_rock_ridge(n: &mut FsNode, entries: &[SuspEntry], child: &mut Option<u32>) -> bool {
    let mut name: Option<Vec<u8>> = None;
    let mut link: Option<String> = None;
    let mut link_done = false;
    // Whether a '/' goes before the next link component: after every
    // component but the root and one that continues (RRIP §4.1.3.1, as
    // Linux and libarchive join them), so that empty components keep the
    // target's slashes byte for byte.
    let mut separator = false;
    let mut relocated = false;
    let mut dev = None;
    for e in entries {
        match e {
            SuspEntry::Nm { flags, name: part } if flags & 0x06 == 0 => {
                name.get_or_insert_with(Vec::new).extend_from_slice(part);
            }
            SuspEntry::Px {
                mode,
                nlink: _,
                uid,
                gid,
                serial,
            } => {
                n.mode = Some(*mode);
                n.uid = Some(*uid);
                n.gid = Some(*gid);
                if *serial != 0 {
                    n.link_key = Some(u64::from(*serial));
                }
            }
            SuspEntry::Tf { flags, stamps } => {
                let mut it = stamps.iter();
                for bit in [tf::CREATION, tf::MODIFY, tf::ACCESS, tf::ATTRIBUTES] {
                    if flags & bit != 0 {
                        let Some(s) = it.next() else { break };
                        let t = Some(read_dir_date(s));
                        match bit {
                            tf::CREATION => n.created = t,
                            tf::MODIFY => n.modified = t,
                            tf::ACCESS => n.accessed = t,
                            _ => {}
                        }
                    }
                }
            }
            SuspEntry::Sl { flags, components } if !link_done => {
                let target = link.get_or_insert_with(String::new);
                for (cf, content) in components {
                    let piece = if cf & sl::ROOT != 0 {
                        "/".to_string()
                    } else if cf & sl::PARENT != 0 {
                        "..".to_string()
                    } else if cf & sl::CURRENT != 0 {
                        ".".to_string()
                    } else {
                        crate::escape::from_bytes(content).into_owned()
                    };
                    if separator {
                        target.push('/');
                    }
                    target.push_str(&piece);
                    separator = cf & (sl::CONTINUE | sl::ROOT) == 0;
                }
                if flags & 1 == 0 {
                    link_done = true;
                }
            }
            SuspEntry::Pn { high, low } => dev = Some((u64::from(*high) << 32) | u64::from(*low)),
            SuspEntry::Cl { child: c } => *child = Some(*c),
            SuspEntry::Re => relocated = true,
            _ => {}
        }
    }
    if let Some(nm) = name {
        // Rock Ridge names are bytes: those that are not UTF-8 are carried
        // (crate::escape) and written back as they were by extract.
        n.name = crate::escape::from_bytes(&nm).into_owned();
    }
    let mode_type = n.mode.map(|m| m & 0o170000);
    if let Some(t) = link {
        n.kind = FsKind::Symlink(t);
    } else {
        n.kind = match mode_type {
            Some(0o040000) => FsKind::Directory,
            Some(0o010000) => FsKind::Fifo,
            Some(0o140000) => FsKind::Socket,
            Some(0o020000) => FsKind::CharDevice(dev.unwrap_or(0)),
            Some(0o060000) => FsKind::BlockDevice(dev.unwrap_or(0)),
            _ => n.kind.clone(),
        };
    }
    if !matches!(n.kind, FsKind::File) {
        n.link_key = None;
    }
    relocated
}

/// A Rock Ridge tree shows relocated directories where `CL` puts them; the
/// relocation directory they came from is dropped when nothing else is in it.
fn drop_empty_relocation_dirs(tree: &mut FsTree, homes: &[u32]) {
    for &h in homes {
        let n = &tree.nodes[h as usize];
        let name = n.name.to_ascii_lowercase();
        if h == 0 || !n.children.is_empty() || !matches!(name.as_str(), "rr_moved" | ".rr_moved") {
            continue;
        }
        let parent = n.parent as usize;
        tree.nodes[parent].children.retain(|&c| c != h);
    }
}

/// An ISO 9660 name without its version, and without the dot of a file
/// that has no extension.
pub fn iso_name(raw: &[u8], is_dir: bool) -> String {
    let mut s = String::from_utf8_lossy(raw).into_owned();
    if !is_dir {
        if let Some(i) = s.rfind(';') {
            if s[i + 1..].bytes().all(|b| b.is_ascii_digit()) {
                s.truncate(i);
            }
        }
        if s.ends_with('.') {
            s.pop();
        }
    }
    s
}

/// The longer forms of what [`iso_name`] makes of an identifier, shortest
/// first, each different from the one before: the name with the trailing
/// dot kept (version still cut off), then the identifier as recorded.
pub fn iso_name_forms(raw: &[u8], is_dir: bool) -> Vec<String> {
    let mut forms = Vec::new();
    if is_dir {
        return forms;
    }
    let short = iso_name(raw, false);
    let whole = String::from_utf8_lossy(raw).into_owned();
    let mut dotted = whole.clone();
    if let Some(i) = dotted.rfind(';') {
        if dotted[i + 1..].bytes().all(|b| b.is_ascii_digit()) {
            dotted.truncate(i);
        }
    }
    for f in [dotted, whole] {
        if f != short && forms.last() != Some(&f) {
            forms.push(f);
        }
    }
    forms
}

/// A Joliet (UCS-2 big-endian) name, version cut off.
pub fn joliet_name(raw: &[u8]) -> String {
    let units: Vec<u16> = raw
        .chunks_exact(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .collect();
    let mut s = String::from_utf16_lossy(&units);
    if let Some(i) = s.rfind(';') {
        if !s[i + 1..].is_empty() && s[i + 1..].bytes().all(|b| b.is_ascii_digit()) {
            s.truncate(i);
        }
    }
    s
}

/// The sessions of an image file, oldest first: session 0 at block 0, and
/// each next one where the previous session's volume space ends (counted
/// from block 0 or from the session's start, rounded up to 16 or 32 blocks,
/// as writers align them), while a descriptor set is found there. Overwritable media keep a copy of the newest session's
/// descriptors at block 16 and the sessions themselves from block 32 on
/// (xorriso's and growisofs's emulated table of contents); then the chain
/// from 32 is the history, and block 0 reads as the newest session. A
/// medium that carries its drive's sessions ([`Medium::with_sessions`])
/// has those of them that hold a whole volume.
pub fn find_sessions(medium: &Medium) -> Vec<u32> {
    find_sessions_checked(medium).0
}

/// As [`find_sessions`], with a sentence for each session of the drive's
/// that was passed over.
pub fn find_sessions_checked(medium: &Medium) -> (Vec<u32>, Vec<String>) {
    if let Some(sessions) = medium.recorded_sessions() {
        let mut found = Vec::new();
        let mut passed = Vec::new();
        for (n, s) in sessions.iter().enumerate() {
            let v = match IsoVolume::open(medium, s.first) {
                Ok(v) => v,
                Err(e) => {
                    // No volume there (an audio session), or one that
                    // cannot be read (a burn that stopped part way).
                    let at = u64::from(s.first) + 16;
                    if medium
                        .read_sectors(at, 1, "volume descriptor")
                        .is_ok_and(|d| &d[1..6] == b"CD001")
                    {
                        passed.push(format!(
                            "session {} at block {} cannot be read ({e}): it is passed over",
                            n + 1,
                            s.first
                        ));
                    }
                    continue;
                }
            };
            // The volume space counts from block 0 (or, as xorriso writes
            // some, from the session's start): it must end within what the
            // drive recorded.
            let size = v.primary.volume_space_size;
            let recorded = s.last.saturating_add(1);
            if size > recorded && s.first.saturating_add(size) > recorded {
                passed.push(format!(
                    "session {} at block {} is incomplete: its volume needs blocks up to {}, \
                     and the drive recorded up to {} (a burn that was interrupted): it is \
                     passed over",
                    n + 1,
                    s.first,
                    size - 1,
                    s.last
                ));
                continue;
            }
            found.push(s.first);
        }
        if !found.is_empty() {
            return (found, passed);
        }
    }
    let from_zero = session_chain(medium, 0);
    if from_zero.len() == 1 {
        let from_32 = session_chain(medium, 32);
        if !from_32.is_empty() {
            return (from_32, Vec::new());
        }
    }
    if medium.is_overwritable() && from_zero.len() > 1 {
        // Block 16 names the committed tree; what lies past its volume was
        // written by an append that never pointed block 16 at it.
        let end = IsoVolume::open(medium, 0).map_or(u32::MAX, |v| v.primary.volume_space_size);
        let (kept, passed): (Vec<u32>, Vec<u32>) = from_zero.iter().partition(|&&s| s < end);
        let notes = passed
            .iter()
            .map(|s| {
                format!(
                    "the session at block {s} was never pointed at by the descriptors at block 16 \
                     (an append that did not complete): it is passed over"
                )
            })
            .collect();
        return (kept, notes);
    }
    (from_zero, Vec::new())
}

fn session_chain(medium: &Medium, first: u32) -> Vec<u32> {
    let mut out = Vec::new();
    let mut start = first;
    while out.len() < 256 {
        let Ok(v) = IsoVolume::open(medium, start) else {
            break;
        };
        out.push(start);
        // The volume space size counts from block 0, or (as xorriso writes
        // sessions of overwritable media) from the session's start.
        let size = v.primary.volume_space_size;
        let next = [size, start.saturating_add(size)]
            .into_iter()
            .flat_map(|end| {
                [
                    Some(end),
                    end.checked_next_multiple_of(16),
                    end.checked_next_multiple_of(32),
                ]
            })
            .flatten()
            .filter(|&s| s > start)
            .find(|&s| IsoVolume::open(medium, s).is_ok());
        match next {
            Some(s) => start = s,
            None => break,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(iso_name(b"README.TXT;1", false), "README.TXT");
        assert_eq!(iso_name(b"README.;1", false), "README");
        assert_eq!(iso_name(b"DIR", true), "DIR");
        assert_eq!(iso_name(b"A;B", false), "A;B");
        assert_eq!(
            iso_name_forms(b"12345678.;1", false),
            ["12345678.", "12345678.;1"]
        );
        assert_eq!(iso_name_forms(b"A.TXT;2", false), ["A.TXT;2"]);
        assert_eq!(iso_name_forms(b"A.TXT", false), Vec::<String>::new());
        assert_eq!(iso_name_forms(b"DIR", true), Vec::<String>::new());
        let j: Vec<u8> = "a😀.txt;1"
            .encode_utf16()
            .flat_map(|u| u.to_be_bytes())
            .collect();
        assert_eq!(joliet_name(&j), "a😀.txt");
    }

    #[test]
    fn sp_is_found_at_the_start_or_after_xa_data() {
        let sp = b"SP\x07\x01\xbe\xef\x0e";
        assert_eq!(sp_area(sp), Some(&sp[..]));
        let mut xa = b"\0\0\0\0\x8d\x55XA\0\0\0\0\0\0".to_vec();
        xa.extend_from_slice(sp);
        assert_eq!(sp_area(&xa), Some(&sp[..]));
        xa[6] = b'X';
        xa[7] = b'Y';
        assert_eq!(sp_area(&xa), None);
        assert_eq!(sp_area(b"XA"), None);
        assert_eq!(sp_area(&xa[..15]), None);
    }

    #[test]
    fn symlink_components_join() {
        let mut n = FsNode::new("l".into(), 0, FsKind::File);
        let entries = vec![
            SuspEntry::Sl {
                flags: 1,
                components: vec![(sl::ROOT, vec![]), (sl::CONTINUE, b"us".to_vec())],
            },
            SuspEntry::Sl {
                flags: 0,
                components: vec![
                    (0, b"r".to_vec()),
                    (0, b"lib".to_vec()),
                    (sl::PARENT, vec![]),
                ],
            },
        ];
        apply_rock_ridge(&mut n, &entries, &mut None);
        assert_eq!(n.kind, FsKind::Symlink("/usr/lib/..".into()));
    }

    /// An image of `fs` with the directories `dirs` (parents first), each
    /// holding a file `F`.
    fn image(fs: crate::FileSystems, dirs: &[&str]) -> Vec<u8> {
        use std::io::Read;
        let mut img = crate::FileSystemImage::new();
        img.set_fixed_time(Some(crate::FileTime::from_unix_seconds(1_700_000_000)));
        img.set_file_systems_to_create(fs).unwrap();
        let root = img.root();
        for d in dirs {
            img.add_directory(root, d).unwrap();
            let data = crate::DataSource::Bytes(b"f"[..].into());
            img.add_file(root, &format!("{d}/F"), data).unwrap();
        }
        let mut out = Vec::new();
        let r = img.create_result_image().unwrap();
        r.image_stream().read_to_end(&mut out).unwrap();
        out
    }

    fn medium(b: Vec<u8>) -> Medium {
        Medium::from_stream(std::io::Cursor::new(b)).unwrap()
    }

    const PVD: usize = 16 * SECTOR;

    #[test]
    fn a_volume_space_size_near_the_top_does_not_overflow() {
        // Fuzzing regression: the next session was looked for at the volume
        // space size rounded up to 16 and 32 blocks, which overflowed u32
        // (a panic in debug builds) for sizes near 0xFFFFFFFF.
        let mut b = image(crate::FileSystems::ISO9660, &[]);
        b[PVD + 80..PVD + 88].copy_from_slice(&crate::iso9660::ecma119::both32(u32::MAX - 3));
        assert_eq!(find_sessions(&medium(b)), vec![0]);
    }

    #[test]
    fn overlapping_directories_are_read_once() {
        // Directories whose extents overlap (not only ones that repeat an
        // extent) made the reader read the same sectors again for each, which
        // costs time and memory quadratic in the image. Here the root's
        // length is stretched over the first subdirectory's sector: that
        // subdirectory is then part of the root and is kept empty.
        let mut b = image(crate::FileSystems::ISO9660, &["A", "B"]);
        let v = IsoVolume::open(&medium(b.clone()), 0).unwrap();
        let root = DirectoryRecord::decode(&v.primary.root_record).unwrap();
        let t = v.read_tree(IsoView::Iso9660).unwrap();
        assert_eq!(t.nodes.len(), 5, "{t:?}");
        let a = t.lookup("/A").unwrap();
        let a_ext = v
            .read_directory(
                root.extent,
                root.data_length,
                IsoView::Iso9660,
                None,
                &mut 0,
            )
            .unwrap()
            .into_iter()
            .find_map(|r| match r {
                Record::Entry {
                    node_data,
                    dir_extent,
                    ..
                } if node_data.name == "A" => dir_extent,
                _ => None,
            })
            .unwrap()
            .0;
        assert!(a_ext > root.extent && t.nodes[a as usize].children.len() == 1);
        let len = (a_ext - root.extent + 1) * SECTOR as u32;
        b[PVD + 156 + 10..PVD + 156 + 18].copy_from_slice(&crate::iso9660::ecma119::both32(len));
        let v = IsoVolume::open(&medium(b), 0).unwrap();
        let t = v.read_tree(IsoView::Iso9660).unwrap();
        let files = t.nodes.iter().filter(|n| n.name == "F").count();
        assert_eq!(files, 2, "{t:?}");
        let a = t.lookup("/A").unwrap();
        assert!(t.nodes[a as usize].children.is_empty(), "{t:?}");
    }

    #[test]
    fn continuation_areas_are_bounded_per_tree() {
        // Records that all name one continuation area (of up to 64 KiB of
        // names) multiplied it without bound; a tree may now follow no more
        // continuation bytes than the medium holds.
        let b = image(
            crate::FileSystems::ISO9660 | crate::FileSystems::ROCK_RIDGE,
            &[],
        );
        let v = IsoVolume::open(&medium(b), 0).unwrap();
        let mut area = Vec::new();
        SuspEntry::Ce {
            block: 0,
            offset: 0,
            length: 300,
        }
        .encode_into(&mut area);
        let mut budget = 1000;
        assert!(v.system_use(&area, 0, &mut budget).is_ok());
        assert_eq!(budget, 700);
        let mut budget = 299;
        let e = v.system_use(&area, 0, &mut budget).unwrap_err();
        assert!(
            e.to_string().contains("bad continuation area at block 0"),
            "{e}"
        );
    }
}
