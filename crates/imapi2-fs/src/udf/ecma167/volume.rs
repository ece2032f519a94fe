//! ECMA-167 parts 2 and 3 as UDF profiles them: the volume recognition
//! sequence (2/9), extents (3/7.1), the anchor volume descriptor pointer
//! (3/10.2), the volume descriptor sequence (3/10.1-10.9, with UDF's
//! partition maps, 2.2.8-2.2.10) and the logical volume integrity
//! descriptor (3/10.10).

use crate::codec::{bad, DecodeError, SECTOR};
use crate::time::FileTime;
use crate::udf::ecma167::common::{
    cs0_charspec, domain_suffix, dstring, impl_suffix, le16, le32, le64, put16, put32, put64,
    read_dstring, read_timestamp, regid, tag_id, timestamp, udf_suffix, Tag, DOMAIN_ID,
    IMPLEMENTATION_ID,
};
use crate::udf::ecma167::file::LongAd;

/// A volume structure descriptor of the recognition sequence (ECMA-167 2/9):
/// `BEA01`, `NSR02`, `NSR03` or `TEA01`.
pub fn volume_structure(id: &[u8; 5]) -> [u8; SECTOR] {
    let mut s = [0u8; SECTOR];
    s[1..6].copy_from_slice(id);
    s[6] = 1;
    s
}

/// An extent: length in bytes and location (ECMA-167 3/7.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct ExtentAd {
    /// Length in bytes.
    pub length: u32,
    /// First sector.
    pub location: u32,
}

impl ExtentAd {
    pub(super) fn put(&self, b: &mut [u8], at: usize) {
        put32(b, at, self.length);
        put32(b, at + 4, self.location);
    }

    pub(super) fn get(b: &[u8], at: usize) -> ExtentAd {
        ExtentAd {
            length: le32(b, at),
            location: le32(b, at + 4),
        }
    }
}

/// The Anchor Volume Descriptor Pointer (ECMA-167 3/10.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Avdp {
    /// Main volume descriptor sequence.
    pub main: ExtentAd,
    /// Reserve volume descriptor sequence.
    pub reserve: ExtentAd,
}

impl Avdp {
    /// Encodes the descriptor sector at `location`.
    pub fn encode(&self, version: u16, location: u32) -> [u8; SECTOR] {
        let mut s = [0u8; SECTOR];
        self.main.put(&mut s, 16);
        self.reserve.put(&mut s, 24);
        Tag {
            id: tag_id::AVDP,
            version,
            serial: 1,
            location,
        }
        .seal(&mut s[..512]);
        s
    }

    /// Decodes and verifies an anchor.
    pub fn decode(s: &[u8]) -> Result<Avdp, DecodeError> {
        if s.len() < 512 {
            return bad("anchor volume descriptor pointer", "truncated");
        }
        let tag = Tag::decode(&s[..512])?;
        if tag.id != tag_id::AVDP {
            return bad(
                "anchor volume descriptor pointer",
                format!("tag id {}", tag.id),
            );
        }
        Ok(Avdp {
            main: ExtentAd::get(s, 16),
            reserve: ExtentAd::get(s, 24),
        })
    }
}

/// Everything the volume descriptors of one logical volume say.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VolumeInfo {
    /// UDF revision (0x0102 ... 0x0260).
    pub revision: u16,
    /// Volume identifier (also the logical volume's, at most 30 characters).
    pub volume_id: String,
    /// 16 hex digits that make the volume set identifier unique, and the rest.
    pub volume_set_id: String,
    /// Recording time.
    pub time: FileTime,
    /// First sector of the partition.
    pub partition_start: u32,
    /// Sectors in the partition.
    pub partition_length: u32,
    /// Metadata partition (UDF 2.50+), if any.
    pub metadata: Option<MetadataMap>,
    /// The file set descriptor's address (partition reference, block).
    pub fsd: (u16, u32),
    /// The integrity sequence extent.
    pub integrity: ExtentAd,
    /// The partition maps as decoded, in partition-reference order. Encoding
    /// ignores this field: it writes a type 1 map, and a metadata map when
    /// `metadata` is set.
    pub maps: Vec<PartitionMap>,
}

/// One partition map of the logical volume (ECMA-167 3/10.7; the type 2 maps
/// are defined by UDF 2.60 2.2.8 to 2.2.10). A partition reference in a
/// `long_ad` is the index of its map.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PartitionMap {
    /// Type 1: the blocks of the partition itself.
    Physical,
    /// A virtual partition (write-once media): its blocks are looked up in
    /// the virtual allocation table.
    Virtual,
    /// A sparable partition (rewritable media with sparing): packets may be
    /// relocated by the sparing table.
    Sparable(SparableMap),
    /// The metadata partition (UDF 2.50+).
    Metadata(MetadataMap),
    /// Another map, with its type and (for type 2) its identifier.
    Unsupported(String),
}

/// The sparable partition map (UDF 2.60 2.2.9).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SparableMap {
    /// Packet length in blocks: the unit of relocation.
    pub packet_length: u16,
    /// Size of each sparing table in bytes.
    pub table_size: u32,
    /// Absolute sectors of the copies of the sparing table (1 to 4).
    pub tables: Vec<u32>,
}

/// The metadata partition map (UDF 2.60 2.2.10).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MetadataMap {
    /// Block (in the physical partition) of the metadata file's entry.
    pub file: u32,
    /// Block of the metadata mirror file's entry.
    pub mirror: u32,
    /// Block of the metadata bitmap file's entry (0xFFFFFFFF: none).
    pub bitmap: u32,
    /// Allocation unit size in blocks.
    pub allocation_unit: u32,
    /// Alignment unit size in blocks.
    pub alignment_unit: u16,
    /// Whether the mirror is a separate copy (the duplicate metadata flag).
    pub duplicated: bool,
}

impl VolumeInfo {
    fn version(&self) -> u16 {
        if self.revision >= 0x0200 {
            3
        } else {
            2
        }
    }

    /// The Primary Volume Descriptor (ECMA-167 3/10.1, UDF 2.2.2).
    pub fn pvd(&self, location: u32) -> [u8; SECTOR] {
        let mut s = [0u8; SECTOR];
        put32(&mut s, 16, 0); // volume descriptor sequence number
        put32(&mut s, 20, 0); // primary volume descriptor number
        s[24..56].copy_from_slice(&dstring::<32>(&self.volume_id));
        put16(&mut s, 56, 1); // volume sequence number
        put16(&mut s, 58, 1); // maximum volume sequence number
        put16(&mut s, 60, 2); // interchange level: single volume
        put16(&mut s, 62, 3); // maximum interchange level: no restrictions (UDF 2.2.2.2)
        put32(&mut s, 64, 1); // character set list: CS0
        put32(&mut s, 68, 1); // maximum character set list
        s[72..200].copy_from_slice(&dstring::<128>(&self.volume_set_id));
        s[200..264].copy_from_slice(&cs0_charspec());
        s[264..328].copy_from_slice(&cs0_charspec());
        // Volume abstract and copyright extents: none (328..344).
        s[344..376].copy_from_slice(&regid(IMPLEMENTATION_ID, impl_suffix())); // application
        s[376..388].copy_from_slice(&timestamp(self.time));
        s[388..420].copy_from_slice(&regid(IMPLEMENTATION_ID, impl_suffix()));
        // Implementation use (64), predecessor 0, flags 0.
        Tag {
            id: tag_id::PVD,
            version: self.version(),
            serial: 1,
            location,
        }
        .seal(&mut s[..512]);
        s
    }

    /// The Implementation Use Volume Descriptor with the LV Info (UDF 2.2.7).
    pub fn iuvd(&self, location: u32) -> [u8; SECTOR] {
        let mut s = [0u8; SECTOR];
        put32(&mut s, 16, 1);
        s[20..52].copy_from_slice(&regid("*UDF LV Info", udf_suffix(self.revision)));
        let u = 52;
        s[u..u + 64].copy_from_slice(&cs0_charspec());
        s[u + 64..u + 192].copy_from_slice(&dstring::<128>(&self.volume_id));
        // LVInfo1..3 (3 × 36): empty.
        s[u + 300..u + 332].copy_from_slice(&regid(IMPLEMENTATION_ID, impl_suffix()));
        Tag {
            id: tag_id::IUVD,
            version: self.version(),
            serial: 1,
            location,
        }
        .seal(&mut s[..512]);
        s
    }

    /// The Partition Descriptor (ECMA-167 3/10.5, UDF 2.2.14): read-only
    /// access, partition number 0, no space bitmaps.
    pub fn pd(&self, location: u32) -> [u8; SECTOR] {
        let mut s = [0u8; SECTOR];
        put32(&mut s, 16, 2);
        put16(&mut s, 20, 1); // allocated
        put16(&mut s, 22, 0); // partition number
        let contents = if self.revision >= 0x0200 {
            "+NSR03"
        } else {
            "+NSR02"
        };
        s[24..56].copy_from_slice(&regid(contents, [0; 8]));
        // Partition header descriptor (56..184): all zero for read-only.
        put32(&mut s, 184, 1); // access type: read-only
        put32(&mut s, 188, self.partition_start);
        put32(&mut s, 192, self.partition_length);
        s[196..228].copy_from_slice(&regid(IMPLEMENTATION_ID, impl_suffix()));
        Tag {
            id: tag_id::PD,
            version: self.version(),
            serial: 1,
            location,
        }
        .seal(&mut s[..512]);
        s
    }

    /// The Logical Volume Descriptor with its partition maps (ECMA-167 3/10.6,
    /// UDF 2.2.4): a type 1 map, and the metadata map for UDF 2.50+.
    pub fn lvd(&self, location: u32) -> [u8; SECTOR] {
        let mut s = [0u8; SECTOR];
        put32(&mut s, 16, 3);
        s[20..84].copy_from_slice(&cs0_charspec());
        s[84..212].copy_from_slice(&dstring::<128>(&self.volume_id));
        put32(&mut s, 212, SECTOR as u32);
        s[216..248].copy_from_slice(&regid(DOMAIN_ID, domain_suffix(self.revision)));
        // Logical volume contents use: long_ad of the file set descriptor.
        LongAd {
            length: SECTOR as u32,
            block: self.fsd.1,
            partition: self.fsd.0,
            unique_id: 0,
        }
        .put(&mut s, 248);
        let mut maps = Vec::new();
        maps.extend_from_slice(&[1, 6]);
        maps.extend_from_slice(&1u16.to_le_bytes()); // volume sequence number
        maps.extend_from_slice(&0u16.to_le_bytes()); // partition number
        if let Some(m) = &self.metadata {
            let mut map = [0u8; 64];
            map[0] = 2;
            map[1] = 64;
            map[4..36]
                .copy_from_slice(&regid("*UDF Metadata Partition", udf_suffix(self.revision)));
            put16(&mut map, 36, 1);
            put16(&mut map, 38, 0);
            put32(&mut map, 40, m.file);
            put32(&mut map, 44, m.mirror);
            put32(&mut map, 48, m.bitmap);
            put32(&mut map, 52, m.allocation_unit);
            put16(&mut map, 56, m.alignment_unit);
            map[58] = u8::from(m.duplicated);
            maps.extend_from_slice(&map);
        }
        put32(&mut s, 264, maps.len() as u32);
        put32(&mut s, 268, 1 + u32::from(self.metadata.is_some()));
        s[272..304].copy_from_slice(&regid(IMPLEMENTATION_ID, impl_suffix()));
        // Implementation use 304..432.
        self.integrity.put(&mut s, 432);
        s[440..440 + maps.len()].copy_from_slice(&maps);
        Tag {
            id: tag_id::LVD,
            version: self.version(),
            serial: 1,
            location,
        }
        .seal(&mut s[..440 + maps.len()]);
        s
    }

    /// The Unallocated Space Descriptor: nothing unallocated.
    pub fn usd(&self, location: u32) -> [u8; SECTOR] {
        let mut s = [0u8; SECTOR];
        put32(&mut s, 16, 4);
        Tag {
            id: tag_id::USD,
            version: self.version(),
            serial: 1,
            location,
        }
        .seal(&mut s[..24]);
        s
    }

    /// A Terminating Descriptor.
    pub fn td(&self, location: u32) -> [u8; SECTOR] {
        terminating(self.version(), location)
    }

    /// Decodes a volume descriptor sequence (consecutive sectors), returning
    /// what a reader needs. Every descriptor's tag is verified.
    pub fn decode_sequence(seq: &[u8], first_sector: u32) -> Result<VolumeInfo, DecodeError> {
        const W: &str = "UDF volume descriptor sequence";
        let mut info = VolumeInfo {
            revision: 0,
            volume_id: String::new(),
            volume_set_id: String::new(),
            time: FileTime::UNIX_EPOCH,
            partition_start: 0,
            partition_length: 0,
            metadata: None,
            fsd: (0, 0),
            integrity: ExtentAd::default(),
            maps: Vec::new(),
        };
        let (mut pvd, mut pd, mut lvd) = (false, false, false);
        for (i, s) in seq.chunks(SECTOR).enumerate() {
            if s.len() < 512 || s[..16].iter().all(|&b| b == 0) {
                break;
            }
            let tag = Tag::decode(&s[..s.len().min(SECTOR)])?;
            let at = u64::from(first_sector) + i as u64;
            if u64::from(tag.location) != at {
                return bad(
                    W,
                    format!("descriptor at sector {at} claims {}", tag.location),
                );
            }
            match tag.id {
                tag_id::PVD => {
                    pvd = true;
                    info.volume_id = read_dstring(&s[24..56])?;
                    info.volume_set_id = read_dstring(&s[72..200])?;
                    info.time = read_timestamp(&s[376..388]);
                }
                tag_id::PD => {
                    pd = true;
                    info.partition_start = le32(s, 188);
                    info.partition_length = le32(s, 192);
                }
                tag_id::LVD => {
                    lvd = true;
                    if le32(s, 212) != SECTOR as u32 {
                        return bad(W, format!("logical block size {}", le32(s, 212)));
                    }
                    info.revision = le16(s, 240);
                    let fsd = LongAd::get(s, 248);
                    info.fsd = (fsd.partition, fsd.block);
                    info.integrity = ExtentAd::get(s, 432);
                    let maps_len = le32(s, 264) as usize;
                    let n = le32(s, 268);
                    let maps = s.get(440..440 + maps_len).ok_or(DecodeError {
                        what: W,
                        reason: "partition maps run past the descriptor".into(),
                    })?;
                    let mut at = 0;
                    for _ in 0..n {
                        let (Some(&ty), Some(&len)) = (maps.get(at), maps.get(at + 1)) else {
                            return bad(W, "truncated partition map");
                        };
                        let len = usize::from(len);
                        if len < 2 || at + len > maps.len() {
                            return bad(W, format!("partition map length {len}"));
                        }
                        let m = &maps[at..at + len];
                        info.maps.push(partition_map(ty, m));
                        if let Some(PartitionMap::Metadata(mm)) = info.maps.last() {
                            info.metadata = Some(*mm);
                        }
                        at += len;
                    }
                }
                tag_id::TD => break,
                _ => {}
            }
        }
        if !(pvd && pd && lvd) {
            return bad(W, "no primary, partition and logical volume descriptors");
        }
        Ok(info)
    }
}

/// Decodes one partition map (`m` is the whole map, its length checked).
fn partition_map(ty: u8, m: &[u8]) -> PartitionMap {
    if ty == 1 {
        return PartitionMap::Physical;
    }
    if ty != 2 || m.len() < 64 {
        return PartitionMap::Unsupported(format!("type {ty} map of {} bytes", m.len()));
    }
    let id = &m[5..28];
    let id = &id[..id.iter().position(|&b| b == 0).unwrap_or(id.len())];
    match id {
        b"*UDF Virtual Partition" => PartitionMap::Virtual,
        b"*UDF Sparable Partition" => {
            let n = usize::from(m[42]).min(4);
            PartitionMap::Sparable(SparableMap {
                packet_length: le16(m, 40),
                table_size: le32(m, 44),
                tables: (0..n).map(|i| le32(m, 48 + 4 * i)).collect(),
            })
        }
        b"*UDF Metadata Partition" => PartitionMap::Metadata(MetadataMap {
            file: le32(m, 40),
            mirror: le32(m, 44),
            bitmap: le32(m, 48),
            allocation_unit: le32(m, 52),
            alignment_unit: le16(m, 56),
            duplicated: m[58] & 1 != 0,
        }),
        other => PartitionMap::Unsupported(String::from_utf8_lossy(other).into_owned()),
    }
}

/// A Terminating Descriptor sector.
pub fn terminating(version: u16, location: u32) -> [u8; SECTOR] {
    let mut s = [0u8; SECTOR];
    Tag {
        id: tag_id::TD,
        version,
        serial: 1,
        location,
    }
    .seal(&mut s[..512]);
    s
}

/// The Logical Volume Integrity Descriptor (ECMA-167 3/10.10, UDF 2.2.6): closed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Integrity {
    /// Recording time.
    pub time: FileTime,
    /// The next unique id to give (logical volume header descriptor).
    pub next_unique_id: u64,
    /// Per partition: (free blocks, size in blocks).
    pub partitions: Vec<(u32, u32)>,
    /// Files (not directories) in the volume.
    pub files: u32,
    /// Directories, the root included.
    pub directories: u32,
    /// UDF revision; the minimum read revision and the write revisions follow from it.
    pub revision: u16,
}

impl Integrity {
    /// Encodes the descriptor at `location`.
    pub fn encode(&self, location: u32) -> [u8; SECTOR] {
        let mut s = [0u8; SECTOR];
        s[16..28].copy_from_slice(&timestamp(self.time));
        put32(&mut s, 28, 1); // integrity type: close
                              // Next integrity extent 32..40: none.
        put64(&mut s, 40, self.next_unique_id);
        let n = self.partitions.len();
        put32(&mut s, 72, n as u32);
        put32(&mut s, 76, 46);
        for (i, (free, size)) in self.partitions.iter().enumerate() {
            put32(&mut s, 80 + 4 * i, *free);
            put32(&mut s, 80 + 4 * n + 4 * i, *size);
        }
        let u = 80 + 8 * n;
        s[u..u + 32].copy_from_slice(&regid(IMPLEMENTATION_ID, impl_suffix()));
        put32(&mut s, u + 32, self.files);
        put32(&mut s, u + 36, self.directories);
        let min_read = self.revision.min(0x0250);
        put16(&mut s, u + 40, min_read);
        put16(&mut s, u + 42, self.revision);
        put16(&mut s, u + 44, self.revision);
        let version = if self.revision >= 0x0200 { 3 } else { 2 };
        Tag {
            id: tag_id::LVID,
            version,
            serial: 1,
            location,
        }
        .seal(&mut s[..u + 46]);
        s
    }

    /// Decodes and verifies the descriptor.
    pub fn decode(s: &[u8]) -> Result<Integrity, DecodeError> {
        const W: &str = "logical volume integrity descriptor";
        if s.len() < 80 {
            return bad(W, "truncated");
        }
        let tag = Tag::decode(s)?;
        if tag.id != tag_id::LVID {
            return bad(W, format!("tag id {}", tag.id));
        }
        let n = le32(s, 72) as usize;
        let u = 80 + 8 * n;
        if n > 64 || s.len() < u + 46 {
            return bad(W, format!("{n} partitions"));
        }
        Ok(Integrity {
            time: read_timestamp(&s[16..28]),
            next_unique_id: le64(s, 40),
            partitions: (0..n)
                .map(|i| (le32(s, 80 + 4 * i), le32(s, 80 + 4 * n + 4 * i)))
                .collect(),
            files: le32(s, u + 32),
            directories: le32(s, u + 36),
            revision: le16(s, u + 44),
        })
    }
}
