//! ECMA-167 part 4 as UDF profiles it: long allocation descriptors
//! (4/14.14.2), the file set descriptor (4/14.1), file identifier
//! descriptors (4/14.4), (extended) file entries and their allocation
//! (4/14.9, 4/14.17), allocation extent descriptors (4/14.5), permissions
//! and symbolic link path components (4/14.16).

use crate::codec::{bad, DecodeError, SECTOR};
use crate::time::FileTime;
use crate::udf::ecma167::common::{
    cs0_charspec, cs0_decode, cs0_encode, domain_suffix, dstring, impl_suffix, le16, le32, le64,
    put16, put32, put64, read_dstring, read_timestamp, regid, tag_id, timestamp, Tag, DOMAIN_ID,
    IMPLEMENTATION_ID,
};

/// A long allocation descriptor (ECMA-167 4/14.14.2); UDF keeps the low 32
/// bits of the file's unique id in the implementation use of a FID's ICB.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct LongAd {
    /// Extent length (the top two bits are the extent type).
    pub length: u32,
    /// Logical block.
    pub block: u32,
    /// Partition reference number.
    pub partition: u16,
    /// UDF unique id (low 32 bits), for FID ICBs.
    pub unique_id: u32,
}

impl LongAd {
    /// Writes the 16 bytes at `at`.
    pub fn put(&self, b: &mut [u8], at: usize) {
        put32(b, at, self.length);
        put32(b, at + 4, self.block);
        put16(b, at + 8, self.partition);
        put16(b, at + 10, 0);
        put32(b, at + 12, self.unique_id);
    }

    /// Reads 16 bytes at `at`.
    pub fn get(b: &[u8], at: usize) -> LongAd {
        LongAd {
            length: le32(b, at),
            block: le32(b, at + 4),
            partition: le16(b, at + 8),
            unique_id: le32(b, at + 12),
        }
    }
}

/// The File Set Descriptor (ECMA-167 4/14.1, UDF 2.3.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileSetDescriptor {
    /// Recording time.
    pub time: FileTime,
    /// Logical volume identifier.
    pub volume_id: String,
    /// File set identifier.
    pub file_set_id: String,
    /// The root directory's ICB.
    pub root: LongAd,
    /// UDF revision (domain identifier suffix).
    pub revision: u16,
}

impl FileSetDescriptor {
    /// Encodes the descriptor at partition block `location`.
    pub fn encode(&self, location: u32) -> [u8; SECTOR] {
        let mut s = [0u8; SECTOR];
        s[16..28].copy_from_slice(&timestamp(self.time));
        put16(&mut s, 28, 3);
        put16(&mut s, 30, 3);
        put32(&mut s, 32, 1);
        put32(&mut s, 36, 1);
        put32(&mut s, 40, 0); // file set number
        put32(&mut s, 44, 0); // file set descriptor number
        s[48..112].copy_from_slice(&cs0_charspec());
        s[112..240].copy_from_slice(&dstring::<128>(&self.volume_id));
        s[240..304].copy_from_slice(&cs0_charspec());
        s[304..336].copy_from_slice(&dstring::<32>(&self.file_set_id));
        // Copyright and abstract file identifiers: none (336..400).
        self.root.put(&mut s, 400);
        s[416..448].copy_from_slice(&regid(DOMAIN_ID, domain_suffix(self.revision)));
        // Next extent and system stream directory: none.
        let version = if self.revision >= 0x0200 { 3 } else { 2 };
        Tag {
            id: tag_id::FSD,
            version,
            serial: 1,
            location,
        }
        .seal(&mut s[..512]);
        s
    }

    /// Decodes and verifies the descriptor.
    pub fn decode(s: &[u8]) -> Result<FileSetDescriptor, DecodeError> {
        const W: &str = "file set descriptor";
        if s.len() < 512 {
            return bad(W, "truncated");
        }
        let tag = Tag::decode(&s[..512])?;
        if tag.id != tag_id::FSD {
            return bad(W, format!("tag id {}", tag.id));
        }
        Ok(FileSetDescriptor {
            time: read_timestamp(&s[16..28]),
            volume_id: read_dstring(&s[112..240])?,
            file_set_id: read_dstring(&s[304..336])?,
            root: LongAd::get(s, 400),
            revision: le16(s, 440),
        })
    }
}

/// File characteristics of a FID (ECMA-167 4/14.4.3).
pub mod fid_flags {
    /// Hidden.
    pub const HIDDEN: u8 = 0x01;
    /// A directory.
    pub const DIRECTORY: u8 = 0x02;
    /// Deleted.
    pub const DELETED: u8 = 0x04;
    /// The parent directory entry.
    pub const PARENT: u8 = 0x08;
}

/// A File Identifier Descriptor (ECMA-167 4/14.4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fid {
    /// File characteristics (see [`fid_flags`]).
    pub characteristics: u8,
    /// The file's ICB.
    pub icb: LongAd,
    /// The name in OSTA CS0 (empty for the parent entry).
    pub name: Vec<u8>,
}

impl Fid {
    /// Encoded length: 38 bytes, the name, padded to a multiple of 4.
    pub fn len_for(name_len: usize) -> usize {
        (38 + name_len + 3) & !3
    }

    /// Encoded length.
    pub fn len(&self) -> usize {
        Self::len_for(self.name.len())
    }

    /// Never empty.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Appends the encoded FID; `location` is the partition block its tag
    /// names (the block where it starts).
    pub fn encode_into(&self, out: &mut Vec<u8>, version: u16, location: u32) {
        let start = out.len();
        out.resize(start + self.len(), 0);
        let b = &mut out[start..];
        put16(b, 16, 1); // file version number
        b[18] = self.characteristics;
        b[19] = self.name.len() as u8;
        self.icb.put(b, 20);
        put16(b, 36, 0); // implementation use length
        b[38..38 + self.name.len()].copy_from_slice(&self.name);
        Tag {
            id: tag_id::FID,
            version,
            serial: 1,
            location,
        }
        .seal(b);
    }

    /// Decodes the FID at the start of `b`; returns it and its length.
    pub fn decode(b: &[u8]) -> Result<(Fid, usize), DecodeError> {
        const W: &str = "file identifier descriptor";
        if b.len() < 38 {
            return bad(W, "truncated");
        }
        let l_fi = usize::from(b[19]);
        let l_iu = usize::from(le16(b, 36));
        let len = (38 + l_iu + l_fi + 3) & !3;
        if b.len() < 38 + l_iu + l_fi {
            return bad(W, "runs past the directory");
        }
        let tag = Tag::decode(&b[..(38 + l_iu + l_fi).max(len.min(b.len()))])?;
        if tag.id != tag_id::FID {
            return bad(W, format!("tag id {}", tag.id));
        }
        Ok((
            Fid {
                characteristics: b[18],
                icb: LongAd::get(b, 20),
                name: b[38 + l_iu..38 + l_iu + l_fi].to_vec(),
            },
            len.min(b.len()),
        ))
    }
}

/// ICB file types (ECMA-167 4/14.6.6, UDF 2.60 2.3.5.2).
pub mod file_type {
    /// A directory.
    pub const DIRECTORY: u8 = 4;
    /// A file.
    pub const FILE: u8 = 5;
    /// A block device.
    pub const BLOCK: u8 = 6;
    /// A character device.
    pub const CHAR: u8 = 7;
    /// A FIFO.
    pub const FIFO: u8 = 9;
    /// A socket.
    pub const SOCKET: u8 = 10;
    /// A symbolic link.
    pub const SYMLINK: u8 = 12;
    /// A stream directory.
    pub const STREAM_DIR: u8 = 13;
    /// A real-time file (UDF).
    pub const REAL_TIME: u8 = 249;
    /// The metadata file (UDF 2.50).
    pub const METADATA: u8 = 250;
    /// The metadata mirror file (UDF 2.50).
    pub const METADATA_MIRROR: u8 = 251;
}

/// How a file entry records where its data is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Allocation {
    /// Short allocation descriptors (partition of the entry): (length, block).
    Short(Vec<(u32, u32)>),
    /// Long allocation descriptors.
    Long(Vec<LongAd>),
    /// The data itself, in the entry.
    Embedded(Vec<u8>),
}

/// A File Entry (ECMA-167 4/14.9) or, for UDF 2.00+, an Extended File Entry
/// (4/14.17).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileEntry {
    /// Extended (EFE) or plain (FE).
    pub extended: bool,
    /// File type (see [`file_type`]).
    pub file_type: u8,
    /// Extra ICB tag flags (set-id, sticky, stream) beside the AD type.
    pub icb_flags: u16,
    /// Owner.
    pub uid: u32,
    /// Group.
    pub gid: u32,
    /// UDF permissions (ECMA-167 4/14.9.5).
    pub permissions: u32,
    /// Number of FIDs naming this entry.
    pub link_count: u16,
    /// Information length (bytes of data).
    pub length: u64,
    /// Blocks recorded for the data.
    pub blocks_recorded: u64,
    /// Access time.
    pub accessed: FileTime,
    /// Modification time.
    pub modified: FileTime,
    /// Creation time (EFE only).
    pub created: FileTime,
    /// Attribute time.
    pub attributes_changed: FileTime,
    /// Unique id.
    pub unique_id: u64,
    /// Stream directory ICB (EFE only).
    pub stream_dir: Option<LongAd>,
    /// Extended attributes (header descriptor included), raw.
    pub extended_attributes: Vec<u8>,
    /// The allocation.
    pub allocation: Allocation,
}

/// Bytes of a FE before its extended attributes.
pub const FE_HEADER: usize = 176;
/// Bytes of an EFE before its extended attributes.
pub const EFE_HEADER: usize = 216;

impl FileEntry {
    /// Bytes available for extended attributes and allocation descriptors.
    pub fn room(extended: bool) -> usize {
        SECTOR - if extended { EFE_HEADER } else { FE_HEADER }
    }

    /// Encodes the entry's block at partition block `location`. The
    /// allocation must fit (see [`FileEntry::room`]).
    pub fn encode(&self, version: u16, location: u32) -> [u8; SECTOR] {
        let mut s = [0u8; SECTOR];
        // ICB tag (16..36): strategy 4, one entry.
        put16(&mut s, 20, 4);
        put16(&mut s, 24, 1);
        s[27] = self.file_type;
        let ad_type = match self.allocation {
            Allocation::Short(_) => 0,
            Allocation::Long(_) => 1,
            Allocation::Embedded(_) => 3,
        };
        put16(&mut s, 34, ad_type | self.icb_flags);
        put32(&mut s, 36, self.uid);
        put32(&mut s, 40, self.gid);
        put32(&mut s, 44, self.permissions);
        put16(&mut s, 48, self.link_count);
        // record format, display attributes, record length: 0.
        put64(&mut s, 56, self.length);
        let (header, ad_at) = if self.extended {
            put64(&mut s, 64, self.length); // object size
            put64(&mut s, 72, self.blocks_recorded);
            s[80..92].copy_from_slice(&timestamp(self.accessed));
            s[92..104].copy_from_slice(&timestamp(self.modified));
            s[104..116].copy_from_slice(&timestamp(self.created));
            s[116..128].copy_from_slice(&timestamp(self.attributes_changed));
            put32(&mut s, 128, 1); // checkpoint
            if let Some(sd) = &self.stream_dir {
                sd.put(&mut s, 152);
            }
            s[168..200].copy_from_slice(&regid(IMPLEMENTATION_ID, impl_suffix()));
            put64(&mut s, 200, self.unique_id);
            (EFE_HEADER, 208)
        } else {
            put64(&mut s, 64, self.blocks_recorded);
            s[72..84].copy_from_slice(&timestamp(self.accessed));
            s[84..96].copy_from_slice(&timestamp(self.modified));
            s[96..108].copy_from_slice(&timestamp(self.attributes_changed));
            put32(&mut s, 108, 1); // checkpoint
            s[128..160].copy_from_slice(&regid(IMPLEMENTATION_ID, impl_suffix()));
            put64(&mut s, 160, self.unique_id);
            (FE_HEADER, 168)
        };
        let l_ea = self.extended_attributes.len();
        put32(&mut s, ad_at, l_ea as u32);
        s[header..header + l_ea].copy_from_slice(&self.extended_attributes);
        let mut at = header + l_ea;
        match &self.allocation {
            Allocation::Short(v) => {
                for (len, block) in v {
                    put32(&mut s, at, *len);
                    put32(&mut s, at + 4, *block);
                    at += 8;
                }
            }
            Allocation::Long(v) => {
                for ad in v {
                    ad.put(&mut s, at);
                    at += 16;
                }
            }
            Allocation::Embedded(d) => {
                s[at..at + d.len()].copy_from_slice(d);
                at += d.len();
            }
        }
        put32(&mut s, ad_at + 4, (at - header - l_ea) as u32);
        Tag {
            id: if self.extended {
                tag_id::EFE
            } else {
                tag_id::FE
            },
            version,
            serial: 1,
            location,
        }
        .seal(&mut s[..at]);
        s
    }

    /// Decodes and verifies an entry.
    pub fn decode(s: &[u8]) -> Result<FileEntry, DecodeError> {
        const W: &str = "file entry";
        if s.len() < FE_HEADER {
            return bad(W, "truncated");
        }
        let id = le16(s, 0);
        let extended = match id {
            tag_id::FE => false,
            tag_id::EFE => true,
            _ => return bad(W, format!("tag id {id}")),
        };
        let (header, ad_at) = if extended {
            (EFE_HEADER, 208)
        } else {
            (FE_HEADER, 168)
        };
        if s.len() < header {
            return bad(W, "truncated");
        }
        let l_ea = le32(s, ad_at) as usize;
        let l_ad = le32(s, ad_at + 4) as usize;
        if header + l_ea + l_ad > s.len().min(SECTOR) {
            return bad(
                W,
                format!("{l_ea} + {l_ad} bytes of attributes and descriptors overrun the block"),
            );
        }
        Tag::decode(&s[..header + l_ea + l_ad])?;
        let flags = le16(s, 34);
        let ads = &s[header + l_ea..header + l_ea + l_ad];
        let allocation = match flags & 7 {
            0 => Allocation::Short(
                ads.chunks_exact(8)
                    .map(|c| (le32(c, 0), le32(c, 4)))
                    .collect(),
            ),
            1 => Allocation::Long(ads.chunks_exact(16).map(|c| LongAd::get(c, 0)).collect()),
            3 => Allocation::Embedded(ads.to_vec()),
            x => return bad(W, format!("allocation descriptor type {x}")),
        };
        let (length, blocks, accessed, modified, created, attr, unique, stream_dir) = if extended {
            let sd = LongAd::get(s, 152);
            (
                le64(s, 56),
                le64(s, 72),
                read_timestamp(&s[80..92]),
                read_timestamp(&s[92..104]),
                read_timestamp(&s[104..116]),
                read_timestamp(&s[116..128]),
                le64(s, 200),
                (sd.length != 0).then_some(sd),
            )
        } else {
            let m = read_timestamp(&s[84..96]);
            (
                le64(s, 56),
                le64(s, 64),
                read_timestamp(&s[72..84]),
                m,
                m,
                read_timestamp(&s[96..108]),
                le64(s, 160),
                None,
            )
        };
        Ok(FileEntry {
            extended,
            file_type: s[27],
            icb_flags: flags & !7,
            uid: le32(s, 36),
            gid: le32(s, 40),
            permissions: le32(s, 44),
            link_count: le16(s, 48),
            length,
            blocks_recorded: blocks,
            accessed,
            modified,
            created,
            attributes_changed: attr,
            unique_id: unique,
            stream_dir,
            extended_attributes: s[header..header + l_ea].to_vec(),
            allocation,
        })
    }
}

/// POSIX permission bits to UDF's (ECMA-167 4/14.9.5): read 4, write 2 (and
/// "change attributes" 8, "delete" 16 with it), execute 1, per class, owner
/// shifted by 10, group by 5.
pub fn udf_permissions(mode: u32) -> u32 {
    let class = |bits: u32| -> u32 {
        let mut p = 0;
        if bits & 4 != 0 {
            p |= 0x04;
        }
        if bits & 2 != 0 {
            p |= 0x02 | 0x08 | 0x10;
        }
        if bits & 1 != 0 {
            p |= 0x01;
        }
        p
    };
    class(mode & 7) | class((mode >> 3) & 7) << 5 | class((mode >> 6) & 7) << 10
}

/// UDF permissions back to POSIX permission bits (rwx per class).
pub fn posix_mode(permissions: u32) -> u32 {
    (permissions & 7) | ((permissions >> 5) & 7) << 3 | ((permissions >> 10) & 7) << 6
}

/// ICB flags for set-user-id, set-group-id and sticky (ECMA-167 4/14.6.8).
pub fn icb_mode_flags(mode: u32) -> u16 {
    let mut f = 0;
    if mode & 0o4000 != 0 {
        f |= 0x40;
    }
    if mode & 0o2000 != 0 {
        f |= 0x80;
    }
    if mode & 0o1000 != 0 {
        f |= 0x100;
    }
    f
}

/// An Allocation Extent Descriptor block (ECMA-167 4/14.5) carrying more
/// allocation descriptors of a long file.
pub fn allocation_extent(version: u16, location: u32, previous: u32, ads: &[u8]) -> [u8; SECTOR] {
    let mut s = [0u8; SECTOR];
    put32(&mut s, 16, previous);
    put32(&mut s, 20, ads.len() as u32);
    s[24..24 + ads.len()].copy_from_slice(ads);
    Tag {
        id: tag_id::AED,
        version,
        serial: 1,
        location,
    }
    .seal(&mut s[..24 + ads.len()]);
    s
}

/// Path components of a symbolic link (ECMA-167 4/14.16.1): root (2), parent
/// (3), current (4), and names (5) in CS0.
pub fn symlink_components(target: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let mut push = |ty: u8, name: &[u8]| {
        out.push(ty);
        out.push(name.len() as u8);
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(name);
    };
    if target.starts_with('/') {
        push(2, &[]);
    }
    for part in target.split('/').filter(|p| !p.is_empty()) {
        match part {
            "." => push(4, &[]),
            ".." => push(3, &[]),
            _ => push(5, &cs0_encode(part, 255)),
        }
    }
    out
}

/// Reads path components back into a target.
pub fn read_symlink_components(mut b: &[u8]) -> Result<String, DecodeError> {
    let mut out = String::new();
    let mut first = true;
    while !b.is_empty() {
        if b.len() < 4 {
            return bad("path component", "truncated");
        }
        let len = usize::from(b[1]);
        let Some(name) = b.get(4..4 + len) else {
            return bad("path component", "name runs past the data");
        };
        let part = match b[0] {
            1 | 2 => {
                out.push('/');
                first = true;
                b = &b[4 + len..];
                continue;
            }
            3 => "..".to_string(),
            4 => ".".to_string(),
            5 => cs0_decode(name)?,
            x => return bad("path component", format!("type {x}")),
        };
        if !first {
            out.push('/');
        }
        out.push_str(&part);
        first = false;
        b = &b[4 + len..];
    }
    Ok(out)
}
