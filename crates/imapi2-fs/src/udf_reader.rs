//! Reading a UDF volume from any `Read + Seek` source: anchors, the volume
//! descriptor sequence (main, else reserve), type 1 and metadata partitions,
//! the file set, directories, file data (short, long and embedded
//! allocation, extent chains) and named streams.
//!
//! The source is untrusted: every descriptor's tag is verified, every extent
//! must lie inside its partition, allocations are bounded by what the image
//! can hold, and extent chains are bounded in length.
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

use crate::ecma119::SECTOR;
use std::collections::{HashSet, VecDeque};

use crate::ecma167::{
    cs0_decode, fid_flags, file_type, posix_mode, read_symlink_components, tag_id, Allocation,
    Avdp, Fid, FileEntry, FileSetDescriptor, Integrity, LongAd, VolumeInfo,
};
use crate::error::{Error, Result};
use crate::fs_tree::{FsData, FsKind, FsNode, FsTree, ZERO_RUN};

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
    src: R,
    size: u64,
    /// The descriptors as read.
    pub info: VolumeInfo,
    /// The integrity descriptor, when readable.
    pub integrity: Option<Integrity>,
    /// The file set.
    pub file_set: FileSetDescriptor,
    /// Physical extents of the metadata partition: (first sector, sectors).
    metadata: Vec<(u64, u64)>,
}

fn corrupt(what: impl Into<String>, block: u64, reason: impl Into<String>) -> Error {
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
    pub fn open(mut src: R) -> Result<UdfVolume<R>> {
        let size = src
            .seek(SeekFrom::End(0))
            .map_err(|e| Error::ImportRead { block: 0, error: e })?;
        let sectors = size / SECTOR as u64;
        let mut v = UdfVolume {
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
            },
            integrity: None,
            file_set: FileSetDescriptor {
                time: crate::FileTime::UNIX_EPOCH,
                volume_id: String::new(),
                file_set_id: String::new(),
                root: LongAd::default(),
                revision: 0,
            },
            metadata: Vec::new(),
        };
        let mut anchor = None;
        let mut last_err = None;
        for at in [256, sectors.saturating_sub(1), sectors.saturating_sub(257)] {
            if at == 0 || at >= sectors {
                continue;
            }
            match v.sector(at).and_then(|s| {
                Avdp::decode(&s)
                    .map_err(|e| corrupt("anchor volume descriptor pointer", at, e.to_string()))
            }) {
                Ok(a) => {
                    anchor = Some(a);
                    break;
                }
                Err(e) => last_err = Some(e),
            }
        }
        let Some(anchor) = anchor else {
            return Err(last_err.unwrap_or_else(|| {
                corrupt(
                    "anchor volume descriptor pointer",
                    256,
                    "the image is too small for UDF",
                )
            }));
        };
        let mut info = None;
        for ext in [anchor.main, anchor.reserve] {
            let n = u64::from(ext.length) / SECTOR as u64;
            if n == 0 || n > 256 || u64::from(ext.location) + n > sectors {
                continue;
            }
            let seq = v.read_sectors(u64::from(ext.location), n)?;
            if let Ok(i) = VolumeInfo::decode_sequence(&seq, ext.location) {
                info = Some(i);
                break;
            }
        }
        v.info = info.ok_or_else(|| {
            corrupt(
                "volume descriptor sequence",
                u64::from(anchor.main.location),
                "neither the main nor the reserve sequence is readable",
            )
        })?;
        let p_end = u64::from(v.info.partition_start) + u64::from(v.info.partition_length);
        if p_end > sectors {
            return Err(corrupt(
                "partition descriptor",
                u64::from(v.info.partition_start),
                format!("the partition ends at sector {p_end}, past the image's {sectors}"),
            ));
        }
        if v.info.integrity.length >= SECTOR as u32
            && u64::from(v.info.integrity.location) < sectors
        {
            v.integrity = v
                .sector(u64::from(v.info.integrity.location))
                .ok()
                .and_then(|s| Integrity::decode(&s).ok());
        }
        if let Some(m) = v.info.metadata {
            let mut found = None;
            for loc in [m.file, m.mirror] {
                let Ok(fe) = v.entry_at(0, loc) else { continue };
                let ads = match &fe.allocation {
                    Allocation::Short(a) => a.iter().map(|&(l, b)| (l, b)).collect::<Vec<_>>(),
                    Allocation::Long(a) => a.iter().map(|x| (x.length, x.block)).collect(),
                    Allocation::Embedded(_) => continue,
                };
                let mut ext = Vec::new();
                for (len, block) in ads {
                    let n = u64::from(len & 0x3FFF_FFFF).div_ceil(SECTOR as u64);
                    if n == 0 {
                        continue;
                    }
                    if u64::from(block) + n > u64::from(v.info.partition_length) {
                        ext.clear();
                        break;
                    }
                    ext.push((u64::from(v.info.partition_start) + u64::from(block), n));
                }
                if !ext.is_empty() {
                    found = Some(ext);
                    break;
                }
            }
            v.metadata = found.ok_or_else(|| {
                corrupt(
                    "metadata file",
                    u64::from(v.info.partition_start) + u64::from(m.file),
                    "neither the metadata file nor its mirror is readable",
                )
            })?;
        }
        let (p, b) = v.info.fsd;
        let fsd = v.block(p, b)?;
        v.file_set = FileSetDescriptor::decode(&fsd)
            .map_err(|e| corrupt("file set descriptor", u64::from(b), e.to_string()))?;
        Ok(v)
    }

    /// The root directory's ICB.
    pub fn root(&self) -> LongAd {
        self.file_set.root
    }

    fn read_sectors(&mut self, first: u64, n: u64) -> Result<Vec<u8>> {
        let len = n * SECTOR as u64;
        if first * SECTOR as u64 + len > self.size {
            return Err(corrupt(
                "extent",
                first,
                format!("{n} sectors run past the end of the image"),
            ));
        }
        let mut buf = vec![0u8; len as usize];
        self.src
            .seek(SeekFrom::Start(first * SECTOR as u64))
            .and_then(|_| self.src.read_exact(&mut buf))
            .map_err(|e| Error::ImportRead {
                block: first,
                error: e,
            })?;
        Ok(buf)
    }

    fn sector(&mut self, at: u64) -> Result<Vec<u8>> {
        self.read_sectors(at, 1)
    }

    /// The absolute sector of block `block` of partition reference `p`.
    fn locate(&self, p: u16, block: u32) -> Result<u64> {
        self.contiguous(p, block).map(|(at, _)| at)
    }

    /// The absolute sector of block `block` of partition reference `p`, and
    /// how many blocks from there are contiguous on the medium.
    fn contiguous(&self, p: u16, block: u32) -> Result<(u64, u64)> {
        match p {
            0 => {
                if block >= self.info.partition_length {
                    return Err(corrupt(
                        "address",
                        u64::from(block),
                        format!(
                            "block {block} is outside the partition of {} blocks",
                            self.info.partition_length
                        ),
                    ));
                }
                Ok((
                    u64::from(self.info.partition_start) + u64::from(block),
                    u64::from(self.info.partition_length - block),
                ))
            }
            1 if self.info.metadata.is_some() => {
                let mut b = u64::from(block);
                for &(start, n) in &self.metadata {
                    if b < n {
                        return Ok((start + b, n - b));
                    }
                    b -= n;
                }
                Err(corrupt(
                    "address",
                    u64::from(block),
                    "block outside the metadata partition",
                ))
            }
            _ => Err(corrupt(
                "address",
                u64::from(block),
                format!("partition reference {p} is not mapped"),
            )),
        }
    }

    /// The runs of the medium (byte offset, bytes) holding `len` bytes from
    /// block `block` of partition `p`.
    fn runs(&self, p: u16, mut block: u32, mut len: u64, out: &mut Vec<(u64, u64)>) -> Result<()> {
        while len > 0 {
            let (at, n) = self.contiguous(p, block)?;
            let take = len.min(n * SECTOR as u64);
            out.push((at * SECTOR as u64, take));
            len -= take;
            block = block.saturating_add((take / SECTOR as u64) as u32);
        }
        Ok(())
    }

    fn block(&mut self, p: u16, block: u32) -> Result<Vec<u8>> {
        let at = self.locate(p, block)?;
        self.sector(at)
    }

    fn entry_at(&mut self, p: u16, block: u32) -> Result<FileEntry> {
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
            if hops > MAX_CHAIN {
                return Err(corrupt(
                    "allocation extent descriptor",
                    u64::from(b),
                    "the chain does not end",
                ));
            }
            let s = self.block(p, b)?;
            let tag = crate::ecma167::Tag::decode(&s[..s.len().min(SECTOR)]).map_err(|e| {
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
                let chunk = want.min(1 << 20);
                let blocks = chunk.div_ceil(SECTOR as u64);
                let at = self.locate(p, block)?;
                // The whole run must stay in its partition.
                self.locate(p, block + blocks as u32 - 1)?;
                let buf = self.read_sectors(at, blocks)?;
                out.write_all(&buf[..chunk as usize])
                    .map_err(|e| Error::ImportRead {
                        block: at,
                        error: e,
                    })?;
                want -= chunk;
                left -= chunk;
                done += chunk;
                block += blocks as u32;
            }
            if left == 0 {
                break;
            }
        }
        Ok(done)
    }

    /// The entries of a directory (or stream directory), parent entry left out.
    pub fn read_dir(&mut self, fe: &FileEntry) -> Result<Vec<DirEntry>> {
        let p = self.info.metadata.map_or(0, |_| 1);
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
    /// data lies. Each directory is read once; named streams are left out.
    pub fn read_tree(&mut self) -> Result<FsTree> {
        let mut tree = FsTree::new();
        let root_icb = self.root();
        let root = self.entry(root_icb)?;
        set_attributes(&mut tree.nodes[0], &root);
        let mut seen = HashSet::new();
        seen.insert((root_icb.partition, root_icb.block));
        let mut queue = VecDeque::new();
        queue.push_back((0u32, root, root_icb.partition));
        while let Some((node, fe, partition)) = queue.pop_front() {
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
                let is_dir = n.kind == FsKind::Directory;
                let i = tree.push(n);
                if is_dir && seen.insert((e.icb.partition, e.icb.block)) {
                    queue.push_back((i, child, e.icb.partition));
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
