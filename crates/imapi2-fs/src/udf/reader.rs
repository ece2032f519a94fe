//! Reading a UDF volume from any `Read + Seek` source: anchors, the volume
//! descriptor sequence (main, else reserve), every partition map type (type 1,
//! virtual through the virtual allocation table of write-once media, sparable
//! through the sparing table, metadata), the file set, directories, file data
//! (short, long and embedded allocation, extent chains) and named streams.
//!
//! The source is untrusted: every descriptor's tag is verified, every extent
//! must lie inside its partition, allocations are bounded by what the image
//! can hold, and extent chains are bounded in length. How partition blocks
//! map to sectors (virtual, sparable, metadata partitions) is
//! `udf::partitions`.
//!
//! ```no_run
//! use imapi2_fs::udf_reader::UdfVolume;
//! let mut v = UdfVolume::open(std::fs::File::open("image.iso")?)?;
//! let root = v.entry(v.root())?;
//! for e in v.read_dir(&root)? {
//!     println!("{}", e.name);
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::io::{Read, Seek, SeekFrom};

use crate::codec::SECTOR;
use std::collections::{BTreeMap, HashSet, VecDeque};

use crate::error::{Error, Result};
use crate::read::view::{FsData, FsKind, FsNode, FsTree, ZERO_RUN};
use crate::udf::ecma167::{
    cs0_decode, fid_flags, file_type, posix_mode, read_symlink_components, tag_id, Allocation,
    Avdp, Fid, FileEntry, FileSetDescriptor, Integrity, LongAd, PartitionMap, Tag, VolumeInfo,
};

/// Longest allocation extent chain followed (blocks).
const MAX_CHAIN: usize = 1 << 16;

/// One entry of a directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirEntry {
    /// The name.
    pub name: String,
    /// Whether the entry is a directory.
    pub is_dir: bool,
    /// Whether the hidden characteristic is set.
    pub hidden: bool,
    /// The ICB of its file entry.
    pub icb: LongAd,
}

/// An open UDF volume.
pub struct UdfVolume<R> {
    pub(super) src: R,
    pub(super) size: u64,
    /// The descriptors as read.
    pub info: VolumeInfo,
    /// The current integrity descriptor (the last one recorded in the
    /// integrity sequence), when readable.
    pub integrity: Option<Integrity>,
    /// The sector of `integrity`.
    pub integrity_at: u64,
    /// The virtual allocation table's summary, on write-once volumes.
    pub vat_info: Option<VatInfo>,
    /// The file set.
    pub file_set: FileSetDescriptor,
    /// Physical extents of the metadata partition: (first sector, sectors).
    pub(super) metadata: Vec<(u64, u64)>,
    /// The virtual allocation table (virtual block → block of the physical
    /// partition), when the volume has a virtual partition.
    pub(super) vat: Vec<u32>,
    /// The sparing table: packet start (partition block) → absolute sector
    /// of its replacement.
    pub(super) sparing: BTreeMap<u32, u64>,
    /// Allocation extent descriptors read so far.
    pub(super) aed_reads: u64,
}

/// The virtual allocation table, as found.
pub(super) struct Vat {
    pub(super) entries: Vec<u32>,
    pub(super) info: VatInfo,
}

/// What the virtual allocation table of a write-once volume says about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VatInfo {
    /// The sector of the table's file entry.
    pub sector: u64,
    /// Number of virtual blocks it maps.
    pub entries: usize,
    /// Files and directories on the volume (UDF 2.00+; the integrity
    /// descriptor of a volume with a VAT is not kept up to date).
    pub counts: Option<(u32, u32)>,
}

pub(super) fn corrupt(what: impl Into<String>, block: u64, reason: impl Into<String>) -> Error {
    Error::Corrupt {
        structure: what.into(),
        block,
        reason: reason.into(),
    }
}

impl<R: Read + Seek> UdfVolume<R> {
    /// Opens the volume: anchor at 256 (else at the last sector or 256
    /// before it), the main volume descriptor sequence (else the reserve),
    /// the metadata file for UDF 2.50+, and the file set descriptor.
    pub fn open(src: R) -> Result<UdfVolume<R>> {
        Self::open_session(src, 0, None)
    }

    /// Opens the volume of the session starting at block `start` of a
    /// multisession medium (UDF 2.01 6.10.2: each session's anchor at 256
    /// after its start), as [`UdfVolume::open`] opens that of block 0.
    /// The newest session (`end` `None`) may also be found by the anchors
    /// at the medium's end; an older one, which ends before block `end`,
    /// only by its own, and only if that points into it.
    pub fn open_session(mut src: R, start: u64, end: Option<u64>) -> Result<UdfVolume<R>> {
        let size = src
            .seek(SeekFrom::End(0))
            .map_err(|e| Error::ImportRead { block: 0, error: e })?;
        let sectors = size / SECTOR as u64;
        let mut v = UdfVolume::unread(src, size);
        let anchor = v.find_anchor(sectors, start, end)?;
        v.info = v.read_volume_info(&anchor, sectors)?;
        if v.info.maps.is_empty() {
            v.info.maps.push(PartitionMap::Physical);
        }
        let has_virtual = v.info.maps.contains(&PartitionMap::Virtual);
        let p_end = u64::from(v.info.partition_start) + u64::from(v.info.partition_length);
        // On write-once media the partition spans the whole disc, written or
        // not: an image of it ends at the last recorded sector.
        if p_end > sectors && !has_virtual {
            return Err(corrupt(
                "partition descriptor",
                u64::from(v.info.partition_start),
                format!("the partition ends at sector {p_end}, past the image's {sectors}"),
            ));
        }
        v.read_integrity_sequence();
        let maps = v.info.maps.clone();
        for m in &maps {
            if let PartitionMap::Sparable(sm) = m {
                v.sparing = v.read_sparing_table(sm)?;
            }
        }
        if has_virtual {
            let vat = v.find_vat()?;
            v.vat = vat.entries;
            v.vat_info = Some(vat.info);
        }
        if let Some(m) = v.info.metadata {
            v.metadata = v.metadata_extents(m)?;
        }
        let (p, b) = v.info.fsd;
        let fsd = v.block(p, b)?;
        v.file_set = FileSetDescriptor::decode(&fsd)
            .map_err(|e| corrupt("file set descriptor", u64::from(b), e.to_string()))?;
        Ok(v)
    }

    /// A volume of which nothing is read yet.
    fn unread(src: R, size: u64) -> UdfVolume<R> {
        UdfVolume {
            src,
            size,
            info: VolumeInfo {
                revision: 0,
                volume_id: String::new(),
                volume_set_id: String::new(),
                time: crate::FileTime::UNIX_EPOCH,
                partition_start: 0,
                partition_length: 0,
                metadata: None,
                fsd: (0, 0),
                integrity: Default::default(),
                maps: Vec::new(),
            },
            integrity: None,
            integrity_at: 0,
            vat_info: None,
            file_set: FileSetDescriptor {
                time: crate::FileTime::UNIX_EPOCH,
                volume_id: String::new(),
                file_set_id: String::new(),
                root: LongAd::default(),
                revision: 0,
            },
            metadata: Vec::new(),
            vat: Vec::new(),
            sparing: BTreeMap::new(),
            aed_reads: 0,
        }
    }

    /// The first anchor volume descriptor pointer that reads: at 256 after
    /// `start`, then at the last sector or 256 before it (UDF 2.2.3) — or,
    /// for a session ending before `end`, only the first, pointing into it.
    fn find_anchor(&mut self, sectors: u64, start: u64, end: Option<u64>) -> Result<Avdp> {
        let mut last_err = None;
        let first = start.saturating_add(256);
        let places = match end {
            None => vec![
                first,
                sectors.saturating_sub(1),
                sectors.saturating_sub(257),
            ],
            Some(_) => vec![first],
        };
        let within =
            |a: &Avdp| end.map_or(true, |e| (start..e).contains(&u64::from(a.main.location)));
        for at in places {
            if at == 0 || at >= sectors {
                continue;
            }
            match self.sector(at).and_then(|s| {
                Avdp::decode(&s)
                    .map_err(|e| corrupt("anchor volume descriptor pointer", at, e.to_string()))
            }) {
                Ok(a) if within(&a) => return Ok(a),
                Ok(_) => {}
                Err(e) => last_err = last_err.or(Some(e)),
            }
        }
        Err(last_err.unwrap_or_else(|| {
            corrupt(
                "anchor volume descriptor pointer",
                first,
                "no anchor of the session points into it",
            )
        }))
    }

    /// The volume descriptor sequence the anchor points at: the main one,
    /// else the reserve.
    fn read_volume_info(&mut self, anchor: &Avdp, sectors: u64) -> Result<VolumeInfo> {
        for ext in [anchor.main, anchor.reserve] {
            let n = u64::from(ext.length) / SECTOR as u64;
            if n == 0 || n > 256 || u64::from(ext.location) + n > sectors {
                continue;
            }
            let seq = self.read_sectors(u64::from(ext.location), n)?;
            if let Ok(i) = VolumeInfo::decode_sequence(&seq, ext.location) {
                return Ok(i);
            }
        }
        Err(corrupt(
            "volume descriptor sequence",
            u64::from(anchor.main.location),
            "neither the main nor the reserve sequence is readable",
        ))
    }

    /// The block after the volume: after its partition, and after the
    /// anchor that follows it when one does (as this crate's writer ends a
    /// volume).
    pub fn end_block(&mut self) -> u64 {
        let p_end = u64::from(self.info.partition_start) + u64::from(self.info.partition_length);
        let anchor_follows = self
            .sector(p_end)
            .ok()
            .is_some_and(|s| Avdp::decode(&s).is_ok());
        p_end + u64::from(anchor_follows)
    }

    /// The root directory's ICB.
    pub fn root(&self) -> LongAd {
        self.file_set.root
    }

    /// Reads the integrity sequence (ECMA-167 3/10.10): descriptors follow
    /// one another until a terminating or unrecorded sector, and an extent
    /// may continue in another; the last one recorded is current.
    fn read_integrity_sequence(&mut self) {
        let sectors = self.size / SECTOR as u64;
        let mut ext = self.info.integrity;
        self.integrity_at = u64::from(ext.location);
        let mut seen = HashSet::new();
        // Bounded: at most 64 extents of at most 256 sectors.
        for _ in 0..64 {
            let first = u64::from(ext.location);
            let n = (u64::from(ext.length) / SECTOR as u64).min(256);
            if n == 0 || !seen.insert(first) {
                return;
            }
            let mut next = None;
            for at in first..(first + n).min(sectors) {
                let Ok(s) = self.sector(at) else { return };
                let Ok(tag) = Tag::decode(&s) else { return };
                if tag.id != tag_id::LVID {
                    return;
                }
                let Ok(i) = Integrity::decode(&s) else { return };
                self.integrity = Some(i);
                self.integrity_at = at;
                let next_len = u32::from_le_bytes([s[24], s[25], s[26], s[27]]);
                let next_at = u32::from_le_bytes([s[28], s[29], s[30], s[31]]);
                next = (next_len >= SECTOR as u32).then_some((next_len, next_at));
            }
            let Some((length, location)) = next else {
                return;
            };
            ext = crate::udf::ecma167::ExtentAd { length, location };
        }
    }

    pub(super) fn entry_at(&mut self, p: u16, block: u32) -> Result<FileEntry> {
        let b = self.block(p, block)?;
        FileEntry::decode(&b).map_err(|e| corrupt("file entry", u64::from(block), e.to_string()))
    }

    /// The file entry an ICB names.
    pub fn entry(&mut self, icb: LongAd) -> Result<FileEntry> {
        self.entry_at(icb.partition, icb.block)
    }

    /// The extents of an entry's data: (partition reference, block, bytes),
    /// following allocation extent chains.
    pub fn data_extents(
        &mut self,
        fe: &FileEntry,
        fe_partition: u16,
    ) -> Result<Vec<(u16, u32, u32)>> {
        Ok(self
            .extents(fe, fe_partition)?
            .into_iter()
            .filter(|e| e.3)
            .map(|(p, b, l, _)| (p, b, l))
            .collect())
    }

    /// All extents of an entry's data: (partition reference, block, bytes,
    /// recorded). Unrecorded extents read as zeros.
    fn extents(&mut self, fe: &FileEntry, fe_partition: u16) -> Result<Vec<(u16, u32, u32, bool)>> {
        let mut out = Vec::new();
        let mut pending: Vec<(u16, u32, u32)> = match &fe.allocation {
            Allocation::Short(v) => v.iter().map(|&(l, b)| (fe_partition, b, l)).collect(),
            Allocation::Long(v) => v.iter().map(|a| (a.partition, a.block, a.length)).collect(),
            Allocation::Embedded(_) => return Ok(out),
        };
        let long = matches!(fe.allocation, Allocation::Long(_));
        let mut hops = 0;
        let mut chain = HashSet::new();
        loop {
            let mut next = None;
            for (p, b, l) in pending.drain(..) {
                match l >> 30 {
                    0 => out.push((p, b, l & 0x3FFF_FFFF, true)),
                    3 => next = Some((p, b)),
                    // Allocated or not, but not recorded: zeros.
                    _ => out.push((p, b, l & 0x3FFF_FFFF, false)),
                }
            }
            let Some((p, b)) = next else { break };
            hops += 1;
            if hops > MAX_CHAIN || !chain.insert((p, b)) {
                return Err(corrupt(
                    "allocation extent descriptor",
                    u64::from(b),
                    "the chain loops or does not end",
                ));
            }
            self.aed_reads += 1;
            let s = self.block(p, b)?;
            let tag = crate::udf::ecma167::Tag::decode(&s[..s.len().min(SECTOR)]).map_err(|e| {
                corrupt("allocation extent descriptor", u64::from(b), e.to_string())
            })?;
            if tag.id != tag_id::AED {
                return Err(corrupt(
                    "allocation extent descriptor",
                    u64::from(b),
                    format!("tag id {}", tag.id),
                ));
            }
            let len =
                (u32::from_le_bytes(s[20..24].try_into().expect("4")) as usize).min(SECTOR - 24);
            let ads = &s[24..24 + len];
            if long {
                pending = ads
                    .chunks_exact(16)
                    .map(|c| {
                        let a = LongAd::get(c, 0);
                        (a.partition, a.block, a.length)
                    })
                    .collect();
            } else {
                pending = ads
                    .chunks_exact(8)
                    .map(|c| {
                        (
                            p,
                            u32::from_le_bytes(c[4..8].try_into().expect("4")),
                            u32::from_le_bytes(c[0..4].try_into().expect("4")),
                        )
                    })
                    .collect();
            }
        }
        Ok(out)
    }

    /// The whole data of an entry (bounded by the image size).
    pub fn read_data(&mut self, fe: &FileEntry, fe_partition: u16) -> Result<Vec<u8>> {
        if let Allocation::Embedded(d) = &fe.allocation {
            return Ok(d.iter().copied().take(fe.length as usize).collect());
        }
        if fe.length > self.size {
            return Err(corrupt(
                "file entry",
                0,
                format!("{} bytes of data in an image of {}", fe.length, self.size),
            ));
        }
        let mut out = Vec::with_capacity(fe.length as usize);
        self.copy_data(fe, fe_partition, &mut out)?;
        Ok(out)
    }

    /// Writes an entry's data to `out` extent by extent (no whole-file buffer).
    pub fn copy_data(
        &mut self,
        fe: &FileEntry,
        fe_partition: u16,
        out: &mut impl std::io::Write,
    ) -> Result<u64> {
        if let Allocation::Embedded(d) = &fe.allocation {
            let n = (fe.length as usize).min(d.len());
            out.write_all(&d[..n])
                .map_err(|e| Error::ImportRead { block: 0, error: e })?;
            return Ok(n as u64);
        }
        let mut left = fe.length;
        let mut done = 0u64;
        for (p, b, len, recorded) in self.extents(fe, fe_partition)? {
            let mut want = u64::from(len).min(left);
            let mut block = b;
            if !recorded {
                let zeros = vec![0u8; want.min(1 << 20) as usize];
                while want > 0 {
                    let n = want.min(zeros.len() as u64);
                    out.write_all(&zeros[..n as usize])
                        .map_err(|e| Error::ImportRead { block: 0, error: e })?;
                    want -= n;
                    left -= n;
                    done += n;
                }
            }
            while want > 0 {
                // Up to 1 MiB, contiguous on the medium and in the partition.
                let (at, n) = self.contiguous(p, block)?;
                let chunk = want.min(1 << 20).min(n * SECTOR as u64);
                let blocks = chunk.div_ceil(SECTOR as u64);
                let buf = self.read_sectors(at, blocks)?;
                out.write_all(&buf[..chunk as usize])
                    .map_err(|e| Error::ImportRead {
                        block: at,
                        error: e,
                    })?;
                want -= chunk;
                left -= chunk;
                done += chunk;
                // Past the largest block number, `contiguous` refuses it.
                block = block.saturating_add(blocks as u32);
            }
            if left == 0 {
                break;
            }
        }
        Ok(done)
    }

    /// The entries of a directory (or stream directory), parent entry left out.
    pub fn read_dir(&mut self, fe: &FileEntry) -> Result<Vec<DirEntry>> {
        let p = self.file_ref();
        self.read_dir_in(fe, p)
    }

    fn read_dir_in(&mut self, fe: &FileEntry, fe_partition: u16) -> Result<Vec<DirEntry>> {
        let data = self.read_data(fe, fe_partition)?;
        let mut out = Vec::new();
        let mut at = 0;
        while at + 38 <= data.len() {
            let (fid, len) = Fid::decode(&data[at..])
                .map_err(|e| corrupt("file identifier descriptor", at as u64, e.to_string()))?;
            at += len.max(4);
            if fid.characteristics & (fid_flags::PARENT | fid_flags::DELETED) != 0 {
                continue;
            }
            out.push(DirEntry {
                name: cs0_decode(&fid.name)
                    .map_err(|e| corrupt("file identifier", at as u64, e.to_string()))?,
                is_dir: fid.characteristics & fid_flags::DIRECTORY != 0,
                hidden: fid.characteristics & fid_flags::HIDDEN != 0,
                icb: fid.icb,
            });
        }
        Ok(out)
    }

    /// The named streams of a file: (name, the stream's file entry).
    pub fn streams(&mut self, fe: &FileEntry) -> Result<Vec<(String, FileEntry)>> {
        let Some(sd) = fe.stream_dir else {
            return Ok(Vec::new());
        };
        let dir = self.entry(sd)?;
        let mut out = Vec::new();
        for e in self.read_dir_in(&dir, sd.partition)? {
            out.push((e.name, self.entry(e.icb)?));
        }
        Ok(out)
    }

    /// Reads the data of the file entry an ICB names.
    pub fn read_file(&mut self, icb: LongAd) -> Result<Vec<u8>> {
        let fe = self.entry(icb)?;
        self.read_data(&fe, icb.partition)
    }

    /// Reads the whole tree: names, kinds, attributes, and where each file's
    /// data lies. Each directory is read once, and no two directories may
    /// share data (one that would is kept empty); named streams are left out.
    /// What the tree holds is bounded by the image's size: entries that
    /// name one file entry many times cannot multiply it without end.
    pub fn read_tree(&mut self) -> Result<FsTree> {
        let mut tree = FsTree::new();
        let root_icb = self.root();
        let root = self.entry(root_icb)?;
        set_attributes(&mut tree.nodes[0], &root);
        let root_at = self.locate(root_icb.partition, root_icb.block)?;
        let mut budget = Budget {
            left: self.size.saturating_mul(4).saturating_add(16 << 20),
            image: self.size,
            block: root_at,
            aed_reads: self.aed_reads,
        };
        let mut seen = HashSet::new();
        seen.insert((root_icb.partition, root_icb.block));
        let mut claimed = Claimed::default();
        let mut queue = VecDeque::new();
        queue.push_back((0u32, root, root_icb.partition, root_at));
        while let Some((node, fe, partition, fe_at)) = queue.pop_front() {
            // A directory whose data another one read is kept empty.
            if let FsData::Extents(runs) = self.file_data(&fe, partition, fe_at)? {
                if !claimed.claim(&runs) {
                    continue;
                }
            }
            for e in self.read_dir_in(&fe, partition)? {
                let child = self.entry(e.icb)?;
                let mut n = FsNode::new(e.name, node, FsKind::File);
                n.hidden = e.hidden;
                set_attributes(&mut n, &child);
                let at = self.locate(e.icb.partition, e.icb.block)?;
                match child.file_type {
                    file_type::DIRECTORY => n.kind = FsKind::Directory,
                    file_type::FILE | file_type::REAL_TIME => {
                        n.size = child.length;
                        n.data = self.file_data(&child, e.icb.partition, at)?;
                        n.link_key = Some(at);
                    }
                    file_type::SYMLINK => {
                        let raw = self.read_data(&child, e.icb.partition)?;
                        budget.take(raw.len() as u64)?;
                        let target = read_symlink_components(&raw)
                            .map_err(|err| corrupt("symbolic link", at, err.to_string()))?;
                        n.kind = FsKind::Symlink(target);
                    }
                    file_type::FIFO => n.kind = FsKind::Fifo,
                    file_type::SOCKET => n.kind = FsKind::Socket,
                    file_type::CHAR => {
                        n.kind = FsKind::CharDevice(device_number(&child.extended_attributes))
                    }
                    file_type::BLOCK => {
                        n.kind = FsKind::BlockDevice(device_number(&child.extended_attributes))
                    }
                    other => {
                        return Err(corrupt(
                            "file entry",
                            at,
                            format!("file type {other} in a directory"),
                        ))
                    }
                }
                if e.is_dir != (n.kind == FsKind::Directory) {
                    return Err(corrupt(
                        "file identifier descriptor",
                        at,
                        format!("{:?}: directory flag and file type disagree", n.name),
                    ));
                }
                budget.take_node(&n)?;
                budget.take_reads(self.aed_reads)?;
                let is_dir = n.kind == FsKind::Directory;
                let i = tree.push(n);
                if is_dir && seen.insert((e.icb.partition, e.icb.block)) {
                    queue.push_back((i, child, e.icb.partition, at));
                }
            }
        }
        Ok(tree)
    }

    /// Where a file's data lies: inline, or runs of the medium.
    fn file_data(&mut self, fe: &FileEntry, fe_partition: u16, at: u64) -> Result<FsData> {
        if let Allocation::Embedded(d) = &fe.allocation {
            if fe.length > d.len() as u64 {
                return Err(corrupt(
                    "file entry",
                    at,
                    format!(
                        "{} bytes recorded in an entry holding {}",
                        fe.length,
                        d.len()
                    ),
                ));
            }
            return Ok(FsData::Inline(d[..fe.length as usize].to_vec()));
        }
        let mut left = fe.length;
        let mut runs = Vec::new();
        for (p, b, len, recorded) in self.extents(fe, fe_partition)? {
            if left == 0 {
                break;
            }
            let take = u64::from(len).min(left);
            if recorded {
                self.runs(p, b, take, &mut runs)?;
            } else {
                runs.push((ZERO_RUN, take));
            }
            left -= take;
        }
        if left > 0 {
            return Err(corrupt(
                "file entry",
                at,
                format!(
                    "{} bytes recorded, {} of them without an extent",
                    fe.length, left
                ),
            ));
        }
        for &(off, len) in &runs {
            if off != ZERO_RUN && off.saturating_add(len) > self.size {
                return Err(corrupt(
                    "file entry",
                    at,
                    "an extent runs past the end of the medium",
                ));
            }
        }
        Ok(FsData::Extents(runs))
    }
}

/// What one tree may hold and cost: a few times the image's size in nodes,
/// names, data runs, inline data and link targets, and allocation extent
/// descriptors read.
struct Budget {
    left: u64,
    image: u64,
    /// The root's block, named in the error.
    block: u64,
    /// The volume's count of allocation extent descriptors read, as last seen.
    aed_reads: u64,
}

impl Budget {
    fn take(&mut self, bytes: u64) -> Result<()> {
        self.left = self.left.checked_sub(bytes).ok_or_else(|| {
            corrupt(
                "file set",
                self.block,
                format!(
                    "the tree holds more than a few times the image's {} bytes \
                     (entries named many times, or a loop)",
                    self.image
                ),
            )
        })?;
        Ok(())
    }

    fn take_node(&mut self, n: &FsNode) -> Result<()> {
        let data = match &n.data {
            FsData::None => 0,
            FsData::Extents(runs) => runs.len() * std::mem::size_of::<(u64, u64)>(),
            FsData::Zisofs(z) => z.runs.len() * std::mem::size_of::<(u64, u64)>(),
            FsData::Inline(d) => d.len(),
        };
        self.take((std::mem::size_of::<FsNode>() + n.name.len() + data) as u64)
    }

    /// Charges the allocation extent descriptors read since the last call.
    fn take_reads(&mut self, aed_reads: u64) -> Result<()> {
        let new = aed_reads.saturating_sub(self.aed_reads);
        self.aed_reads = aed_reads;
        self.take(new.saturating_mul(SECTOR as u64))
    }
}

/// The sectors read as directories so far: disjoint runs, first → end.
#[derive(Default)]
struct Claimed(BTreeMap<u64, u64>);

impl Claimed {
    /// Claims the sectors under byte runs of the medium (zero runs aside);
    /// false, claiming nothing, when one of them is claimed already.
    fn claim(&mut self, runs: &[(u64, u64)]) -> bool {
        let sectors: Vec<(u64, u64)> = runs
            .iter()
            .filter(|r| r.0 != ZERO_RUN && r.1 > 0)
            .map(|&(off, len)| {
                (
                    off / SECTOR as u64,
                    off.saturating_add(len).div_ceil(SECTOR as u64),
                )
            })
            .collect();
        for (i, &(first, end)) in sectors.iter().enumerate() {
            // The claimed runs are disjoint: the last one starting before
            // `end` ends last. The runs of one directory must not overlap
            // each other either.
            if let Some((_, &e)) = self.0.range(..end).next_back() {
                if e > first {
                    for &(f, _) in &sectors[..i] {
                        self.0.remove(&f);
                    }
                    return false;
                }
            }
            self.0.insert(first, end);
        }
        true
    }
}

/// Copies what a file entry says of modes, owners and times to a node.
fn set_attributes(n: &mut FsNode, fe: &FileEntry) {
    n.mode = Some(posix_mode(fe.permissions) | icb_mode_bits(fe.icb_flags));
    n.uid = (fe.uid != u32::MAX).then_some(fe.uid);
    n.gid = (fe.gid != u32::MAX).then_some(fe.gid);
    n.modified = Some(fe.modified);
    n.accessed = Some(fe.accessed);
    n.created = fe.extended.then_some(fe.created);
}

/// Set-id and sticky bits from the ICB tag flags (ECMA-167 4/14.6.8).
fn icb_mode_bits(flags: u16) -> u32 {
    let mut m = 0;
    if flags & 0x40 != 0 {
        m |= 0o4000;
    }
    if flags & 0x80 != 0 {
        m |= 0o2000;
    }
    if flags & 0x100 != 0 {
        m |= 0o1000;
    }
    m
}

/// The device number in a device specification extended attribute
/// (ECMA-167 4/14.10.7), in Linux's encoding; 0 when there is none.
fn device_number(eas: &[u8]) -> u64 {
    let mut at = 24;
    while at + 12 <= eas.len() {
        let ty = u32::from_le_bytes(eas[at..at + 4].try_into().expect("4"));
        let len = u32::from_le_bytes(eas[at + 8..at + 12].try_into().expect("4")) as usize;
        if len < 12 || at + len > eas.len() {
            break;
        }
        if ty == 12 && len >= 24 {
            let major = u64::from(u32::from_le_bytes(
                eas[at + 16..at + 20].try_into().expect("4"),
            ));
            let minor = u64::from(u32::from_le_bytes(
                eas[at + 20..at + 24].try_into().expect("4"),
            ));
            return (minor & 0xFF)
                | ((major & 0xFFF) << 8)
                | ((minor & !0xFF) << 12)
                | ((major & !0xFFF) << 32);
        }
        at += len;
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::udf::ecma167::allocation_extent;
    use crate::{DataSource, FileSystemImage, FileSystems, FileTime};
    use std::io::Cursor;

    /// A UDF image of `revision` with directories `A` and `B` (a file `F` of
    /// 4 KiB in each) and, in `D`, `files` files with 30-character names.
    fn image(revision: u16, files: usize) -> Vec<u8> {
        let mut img = FileSystemImage::new();
        img.set_fixed_time(Some(FileTime::from_unix_seconds(1_700_000_000)));
        img.set_file_systems_to_create(FileSystems::UDF).unwrap();
        img.set_udf_revision(revision).unwrap();
        let root = img.root();
        for d in ["A", "B", "D"] {
            img.add_directory(root, d).unwrap();
        }
        for d in ["A", "B"] {
            let data = DataSource::Bytes(vec![7u8; 4096].into());
            img.add_file(root, &format!("{d}/F"), data).unwrap();
        }
        for i in 0..files {
            let name = format!("D/{i:030}");
            img.add_file(root, &name, DataSource::Empty).unwrap();
        }
        let mut out = Vec::new();
        let r = img.create_result_image().unwrap();
        r.image_stream().read_to_end(&mut out).unwrap();
        out
    }

    fn open(b: &[u8]) -> UdfVolume<Cursor<Vec<u8>>> {
        UdfVolume::open(Cursor::new(b.to_vec())).unwrap()
    }

    /// The ICB of `name` in the root.
    fn icb(v: &mut UdfVolume<Cursor<Vec<u8>>>, name: &str) -> LongAd {
        let root_icb = v.root();
        let root = v.entry(root_icb).unwrap();
        let e = v.read_dir(&root).unwrap();
        e.into_iter().find(|e| e.name == name).unwrap().icb
    }

    #[test]
    fn a_looping_extent_chain_is_refused_at_once() {
        // An allocation extent descriptor naming itself as the next one was
        // followed 65536 times, gathering up to 16 million extents (hundreds
        // of MiB) before the chain was called endless.
        let mut b = image(0x0102, 0);
        let mut v = open(&b);
        let f = icb(&mut v, "A");
        let fe = v.entry(f).unwrap();
        let file = v.read_dir(&fe).unwrap()[0].icb;
        let fe = v.entry(file).unwrap();
        let Allocation::Short(ads) = &fe.allocation else {
            panic!("{:?}", fe.allocation)
        };
        // The file's data block becomes an AED: one extent, then itself.
        let blk = ads[0].1;
        let mut a = Vec::new();
        for (len, pos) in [(2048u32, 0u32), ((3 << 30) | 2048, blk)] {
            a.extend_from_slice(&len.to_le_bytes());
            a.extend_from_slice(&pos.to_le_bytes());
        }
        let at = (v.info.partition_start + blk) as usize * SECTOR;
        b[at..at + SECTOR].copy_from_slice(&allocation_extent(2, blk, 0, &a));
        let mut v = open(&b);
        let mut chained = fe.clone();
        chained.allocation = Allocation::Short(vec![((3 << 30) | 2048, blk)]);
        let e = v.data_extents(&chained, 0).unwrap_err();
        assert!(e.to_string().contains("loops"), "{e}");
        assert_eq!(v.aed_reads, 1);
    }

    #[test]
    fn directories_sharing_data_are_read_once() {
        // Directory entries pointing at the root's data listed the root
        // again under each of them: reading cost grew with the square of the
        // image. Now a directory whose data another one read is left empty.
        let b = image(0x0102, 0);
        let mut v = open(&b);
        assert_eq!(v.read_tree().unwrap().nodes.len(), 6);
        let root_icb = v.root();
        let root = v.entry(root_icb).unwrap();
        let bi = icb(&mut v, "B");
        let mut fe = v.entry(bi).unwrap();
        fe.allocation = root.allocation.clone();
        fe.length = root.length;
        let at = v.locate(bi.partition, bi.block).unwrap() as usize * SECTOR;
        let mut b = b;
        b[at..at + SECTOR].copy_from_slice(&fe.encode(2, bi.block));
        let mut v = open(&b);
        let t = v.read_tree().unwrap();
        assert_eq!(t.nodes.len(), 5, "{t:?}");
        assert!(t.nodes[t.lookup("/B").unwrap() as usize]
            .children
            .is_empty());
    }

    #[test]
    fn data_across_metadata_extents_is_read_from_each() {
        // A run of a file in the metadata partition was read as contiguous
        // sectors of the medium even where the metadata partition continues
        // in another extent.
        let b = image(0x0250, 80);
        let mut v = open(&b);
        let d = icb(&mut v, "D");
        let fe = v.entry(d).unwrap();
        assert_eq!(v.read_dir(&fe).unwrap().len(), 80);
        let (len, blk) = match &fe.allocation {
            Allocation::Short(a) => a[0],
            Allocation::Long(a) => (a[0].length, a[0].block),
            other => panic!("{other:?}"),
        };
        assert!(len as usize > SECTOR, "the directory spans blocks");
        // Move the directory's second block to a sector past the old end and
        // map it there: the metadata partition is now three extents.
        let (start, n) = v.metadata[0];
        let second = start + u64::from(blk) + 1;
        let mut b = b;
        let moved = b.len() as u64 / SECTOR as u64;
        let s = second as usize * SECTOR;
        let sector = b[s..s + SECTOR].to_vec();
        b[s..s + SECTOR].fill(0);
        b.extend_from_slice(&sector);
        let mut v = open(&b);
        let first_n = u64::from(blk) + 1;
        v.metadata = vec![(start, first_n), (moved, 1), (second + 1, n - first_n - 1)];
        assert_eq!(v.read_dir(&fe).unwrap().len(), 80);
    }
}
