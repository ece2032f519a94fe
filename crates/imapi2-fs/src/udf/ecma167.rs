//! ECMA-167 (3rd edition) structures as OSTA UDF (1.02–2.60) profiles them:
//! descriptor tags with their checksum and CRC, timestamps, entity
//! identifiers, OSTA Compressed Unicode, volume recognition, the volume
//! descriptors, the integrity descriptor, and the file structure (file set
//! descriptor, file identifier descriptors, (extended) file entries,
//! allocation descriptors). Each structure has an `encode`; the ones a
//! reader needs have a `decode` that checks what it can and returns errors.

use crate::codec::{bad, DecodeError, SECTOR};
use crate::time::{Civil, FileTime};

fn le16(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().expect("4 bytes"))
}

fn le64(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().expect("8 bytes"))
}

fn put16(b: &mut [u8], at: usize, v: u16) {
    b[at..at + 2].copy_from_slice(&v.to_le_bytes());
}

fn put32(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

fn put64(b: &mut [u8], at: usize, v: u64) {
    b[at..at + 8].copy_from_slice(&v.to_le_bytes());
}

/// CRC-ITU-T as UDF uses it for descriptor tags (ECMA-167 1/7.2.6: polynomial
/// x^16 + x^12 + x^5 + 1, initial 0, no reflection; CRC-16/XMODEM).
pub fn crc_itu_t(data: &[u8]) -> u16 {
    const TABLE: [u16; 256] = {
        let mut t = [0u16; 256];
        let mut i = 0;
        while i < 256 {
            let mut c = (i as u16) << 8;
            let mut k = 0;
            while k < 8 {
                c = if c & 0x8000 != 0 {
                    (c << 1) ^ 0x1021
                } else {
                    c << 1
                };
                k += 1;
            }
            t[i] = c;
            i += 1;
        }
        t
    };
    let mut crc = 0u16;
    for &b in data {
        crc = (crc << 8) ^ TABLE[((crc >> 8) as u8 ^ b) as usize];
    }
    crc
}

/// Tag identifiers (ECMA-167 3/7.2.1, 4/7.2.1).
pub mod tag_id {
    /// Primary Volume Descriptor.
    pub const PVD: u16 = 1;
    /// Anchor Volume Descriptor Pointer.
    pub const AVDP: u16 = 2;
    /// Implementation Use Volume Descriptor.
    pub const IUVD: u16 = 4;
    /// Partition Descriptor.
    pub const PD: u16 = 5;
    /// Logical Volume Descriptor.
    pub const LVD: u16 = 6;
    /// Unallocated Space Descriptor.
    pub const USD: u16 = 7;
    /// Terminating Descriptor.
    pub const TD: u16 = 8;
    /// Logical Volume Integrity Descriptor.
    pub const LVID: u16 = 9;
    /// File Set Descriptor.
    pub const FSD: u16 = 256;
    /// File Identifier Descriptor.
    pub const FID: u16 = 257;
    /// Allocation Extent Descriptor.
    pub const AED: u16 = 258;
    /// File Entry.
    pub const FE: u16 = 261;
    /// Extended Attribute Header Descriptor.
    pub const EAHD: u16 = 262;
    /// Extended File Entry.
    pub const EFE: u16 = 266;
}

/// A descriptor tag (ECMA-167 3/7.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tag {
    /// Tag identifier.
    pub id: u16,
    /// Descriptor version: 2 (NSR02, UDF < 2.00) or 3 (NSR03).
    pub version: u16,
    /// Tag serial number.
    pub serial: u16,
    /// Location: the logical sector (volume structures) or the logical block
    /// within its partition (file structures) of the descriptor.
    pub location: u32,
}

impl Tag {
    /// Writes the tag into `desc[0..16]`, with the CRC over `desc[16..]` and
    /// then the checksum of the tag.
    pub fn seal(&self, desc: &mut [u8]) {
        let crc_len = desc.len() - 16;
        let crc = crc_itu_t(&desc[16..]);
        put16(desc, 0, self.id);
        put16(desc, 2, self.version);
        desc[5] = 0;
        put16(desc, 6, self.serial);
        put16(desc, 8, crc);
        put16(desc, 10, crc_len as u16);
        put32(desc, 12, self.location);
        desc[4] = tag_checksum(&desc[..16]);
    }

    /// Decodes and verifies a tag: checksum, and the CRC when the descriptor
    /// bytes it covers are present.
    pub fn decode(desc: &[u8]) -> Result<Tag, DecodeError> {
        const W: &str = "UDF descriptor tag";
        if desc.len() < 16 {
            return bad(W, "truncated");
        }
        if tag_checksum(&desc[..16]) != desc[4] {
            return bad(W, format!("checksum {:#04x} does not match", desc[4]));
        }
        let crc_len = usize::from(le16(desc, 10));
        let Some(body) = desc.get(16..16 + crc_len) else {
            return bad(W, format!("CRC length {crc_len} runs past the descriptor"));
        };
        if crc_itu_t(body) != le16(desc, 8) {
            return bad(W, "descriptor CRC mismatch");
        }
        Ok(Tag {
            id: le16(desc, 0),
            version: le16(desc, 2),
            serial: le16(desc, 6),
            location: le32(desc, 12),
        })
    }
}

/// The tag checksum: the sum modulo 256 of tag bytes 0–3 and 5–15.
pub fn tag_checksum(tag: &[u8]) -> u8 {
    tag.iter()
        .enumerate()
        .filter(|(i, _)| *i != 4)
        .fold(0u8, |a, (_, &b)| a.wrapping_add(b))
}

/// A timestamp (ECMA-167 1/7.3) in UTC (type 1, offset 0).
pub fn timestamp(t: FileTime) -> [u8; 12] {
    let c = t.civil();
    let mut o = [0u8; 12];
    put16(&mut o, 0, 0x1000); // type 1 (local time), offset 0 minutes
    put16(&mut o, 2, c.year.clamp(1, 9999) as u16);
    o[4] = c.month;
    o[5] = c.day;
    o[6] = c.hour;
    o[7] = c.minute;
    o[8] = c.second;
    let micros = c.nanos / 1000;
    o[9] = (micros / 10_000) as u8;
    o[10] = (micros / 100 % 100) as u8;
    o[11] = (micros % 100) as u8;
    o
}

/// Decodes a timestamp (the time zone offset is applied).
pub fn read_timestamp(b: &[u8]) -> FileTime {
    let tz = le16(b, 0);
    let mut offset = i64::from(((tz & 0x0FFF) << 4) as i16 >> 4);
    if offset == -2047 || tz >> 12 != 1 {
        offset = 0;
    }
    let c = Civil {
        year: i64::from(le16(b, 2)),
        month: b[4].clamp(1, 12),
        day: b[5].clamp(1, 31),
        hour: b[6].min(23),
        minute: b[7].min(59),
        second: b[8].min(59),
        nanos: 0,
    };
    let micros = u32::from(b[9].min(99)) * 10_000
        + u32::from(b[10].min(99)) * 100
        + u32::from(b[11].min(99));
    FileTime::from_unix(c.to_unix_seconds() - offset * 60, micros * 1000)
}

/// An entity identifier (ECMA-167 1/7.4): flags, 23-byte identifier, 8-byte suffix.
pub fn regid(identifier: &str, suffix: [u8; 8]) -> [u8; 32] {
    let mut o = [0u8; 32];
    let id = identifier.as_bytes();
    o[1..1 + id.len().min(23)].copy_from_slice(&id[..id.len().min(23)]);
    o[24..32].copy_from_slice(&suffix);
    o
}

/// The domain identifier suffix (UDF 2.1.5.3): revision, no write protection.
pub fn domain_suffix(revision: u16) -> [u8; 8] {
    let mut s = [0u8; 8];
    put16(&mut s, 0, revision);
    s
}

/// The UDF identifier suffix (UDF 2.1.5.3): revision, OS class and identifier
/// (UNIX, Linux).
pub fn udf_suffix(revision: u16) -> [u8; 8] {
    let mut s = [0u8; 8];
    put16(&mut s, 0, revision);
    s[2] = 4; // OS class UNIX
    s[3] = 5; // OS identifier Linux
    s
}

/// The implementation identifier suffix (UDF 2.1.5.3): OS class and identifier.
pub fn impl_suffix() -> [u8; 8] {
    [4, 5, 0, 0, 0, 0, 0, 0]
}

/// The OSTA CS0 character set specification (UDF 2.1.2).
pub fn cs0_charspec() -> [u8; 64] {
    let mut o = [0u8; 64];
    let info = b"OSTA Compressed Unicode";
    o[1..1 + info.len()].copy_from_slice(info);
    o
}

/// OSTA Compressed Unicode (UDF 2.1.1): compression id 8 (one byte a
/// character) when every character is below U+0100, else 16 (UTF-16
/// big-endian). `max` limits the encoded bytes (id included); the string is
/// cut at a character boundary to fit.
pub fn cs0_encode(s: &str, max: usize) -> Vec<u8> {
    if s.chars().all(|c| (c as u32) < 0x100) {
        let mut o = vec![8u8];
        o.extend(s.chars().map(|c| c as u8).take(max.saturating_sub(1)));
        o
    } else {
        let mut o = vec![16u8];
        for c in s.chars() {
            let mut buf = [0u16; 2];
            let units = c.encode_utf16(&mut buf);
            if o.len() + 2 * units.len() > max {
                break;
            }
            for u in units.iter() {
                o.extend_from_slice(&u.to_be_bytes());
            }
        }
        o
    }
}

/// Decodes OSTA Compressed Unicode (8- or 16-bit); other ids are errors.
pub fn cs0_decode(b: &[u8]) -> Result<String, DecodeError> {
    match b.first() {
        None => Ok(String::new()),
        Some(8) => Ok(b[1..].iter().map(|&c| c as char).collect()),
        Some(16) => {
            let units: Vec<u16> = b[1..]
                .chunks(2)
                .map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]))
                .collect();
            Ok(String::from_utf16_lossy(&units))
        }
        Some(254) | Some(255) => Ok(String::new()),
        Some(x) => bad("OSTA CS0 string", format!("compression id {x}")),
    }
}

/// A d-string field of `N` bytes (ECMA-167 1/7.2.12): CS0 bytes, zero padded,
/// the used length in the last byte; all zero when empty.
pub fn dstring<const N: usize>(s: &str) -> [u8; N] {
    let mut o = [0u8; N];
    if s.is_empty() {
        return o;
    }
    let enc = cs0_encode(s, N - 1);
    o[..enc.len()].copy_from_slice(&enc);
    o[N - 1] = enc.len() as u8;
    o
}

/// Decodes a d-string field.
pub fn read_dstring(b: &[u8]) -> Result<String, DecodeError> {
    let Some(&len) = b.last() else {
        return Ok(String::new());
    };
    let len = usize::from(len);
    if len == 0 {
        return Ok(String::new());
    }
    if len >= b.len() {
        return bad(
            "d-string",
            format!("length {len} in a field of {}", b.len()),
        );
    }
    cs0_decode(&b[..len])
}

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
    fn put(&self, b: &mut [u8], at: usize) {
        put32(b, at, self.length);
        put32(b, at + 4, self.location);
    }

    fn get(b: &[u8], at: usize) -> ExtentAd {
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

/// The domain identifier.
pub const DOMAIN_ID: &str = "*OSTA UDF Compliant";
/// This implementation's identifier.
pub const IMPLEMENTATION_ID: &str = "*IMAPI2-RS";

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_check_value() {
        // CRC-16/XMODEM check value, and ECMA-167's own example (1/7.2.6.2).
        assert_eq!(crc_itu_t(b"123456789"), 0x31C3);
        assert_eq!(crc_itu_t(&[0x70, 0x6A, 0x77]), 0x3299);
    }

    #[test]
    fn tag_golden_and_verified() {
        let mut d = [0u8; 512];
        d[100] = 0xAB;
        Tag {
            id: tag_id::AVDP,
            version: 3,
            serial: 1,
            location: 256,
        }
        .seal(&mut d);
        assert_eq!(&d[..4], &[2, 0, 3, 0]);
        assert_eq!(&d[6..8], &[1, 0]);
        assert_eq!(le16(&d, 10), 496);
        assert_eq!(le32(&d, 12), 256);
        assert_eq!(le16(&d, 8), crc_itu_t(&d[16..]));
        let sum = d[..16]
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != 4)
            .fold(0u8, |a, (_, &b)| a.wrapping_add(b));
        assert_eq!(d[4], sum);
        assert_eq!(Tag::decode(&d).unwrap().location, 256);
        let mut broken = d;
        broken[200] ^= 1;
        assert!(Tag::decode(&broken).is_err(), "CRC");
        broken = d;
        broken[12] ^= 1;
        assert!(Tag::decode(&broken).is_err(), "checksum");
    }

    #[test]
    fn timestamps_and_strings() {
        let t = FileTime::from_unix(1_795_624_205, 123_456_000);
        let ts = timestamp(t);
        assert_eq!(ts, [0x00, 0x10, 0xEA, 0x07, 11, 25, 16, 30, 5, 12, 34, 56]);
        assert_eq!(read_timestamp(&ts), t);
        assert_eq!(cs0_encode("abc", 255), b"\x08abc");
        assert_eq!(cs0_encode("é", 255), [8, 0xE9]);
        assert_eq!(cs0_encode("日本", 255), [16, 0x65, 0xE5, 0x67, 0x2C]);
        assert_eq!(cs0_decode(&cs0_encode("😀 x", 255)).unwrap(), "😀 x");
        let d: [u8; 32] = dstring("LABEL");
        assert_eq!(&d[..6], b"\x08LABEL");
        assert_eq!(d[31], 6);
        assert_eq!(read_dstring(&d).unwrap(), "LABEL");
        assert_eq!(dstring::<32>(""), [0u8; 32]);
        let long: [u8; 32] = dstring(&"x".repeat(50));
        assert_eq!(long[31], 31);
        assert_eq!(cs0_encode(&"日".repeat(200), 255).len(), 255);
    }

    #[test]
    fn permissions_map_both_ways() {
        assert_eq!(udf_permissions(0o755), 0x7CA5);
        for m in [0o755u32, 0o644, 0o700, 0o777, 0o000, 0o421] {
            assert_eq!(posix_mode(udf_permissions(m)), m);
        }
        assert_eq!(icb_mode_flags(0o4755), 0x40);
    }

    #[test]
    fn descriptors_round_trip() {
        let info = VolumeInfo {
            revision: 0x0250,
            volume_id: "VOL".into(),
            volume_set_id: "0123456789ABCDEFVOL".into(),
            time: FileTime::from_unix_seconds(1_700_000_000),
            partition_start: 257,
            partition_length: 1000,
            metadata: Some(MetadataMap {
                file: 2,
                mirror: 900,
                bitmap: 0xFFFF_FFFF,
                allocation_unit: 32,
                alignment_unit: 32,
                duplicated: true,
            }),
            fsd: (1, 0),
            integrity: ExtentAd {
                length: 4096,
                location: 64,
            },
            maps: Vec::new(),
        };
        let mut seq = Vec::new();
        seq.extend_from_slice(&info.pvd(32));
        seq.extend_from_slice(&info.iuvd(33));
        seq.extend_from_slice(&info.pd(34));
        seq.extend_from_slice(&info.lvd(35));
        seq.extend_from_slice(&info.usd(36));
        seq.extend_from_slice(&info.td(37));
        let mut back = VolumeInfo::decode_sequence(&seq, 32).unwrap();
        let mut maps = vec![PartitionMap::Physical];
        maps.extend(info.metadata.map(PartitionMap::Metadata));
        assert_eq!(back.maps, maps);
        back.maps.clear();
        assert_eq!(back, info);
        assert!(
            VolumeInfo::decode_sequence(&seq, 33).is_err(),
            "tag locations are checked"
        );
        let lvid = Integrity {
            time: info.time,
            next_unique_id: 99,
            partitions: vec![(0, 1000), (0, 64)],
            files: 5,
            directories: 2,
            revision: 0x0250,
        };
        assert_eq!(Integrity::decode(&lvid.encode(64)).unwrap(), lvid);
        let fsd = FileSetDescriptor {
            time: info.time,
            volume_id: "VOL".into(),
            file_set_id: "VOL".into(),
            root: LongAd {
                length: 2048,
                block: 2,
                partition: 1,
                unique_id: 0,
            },
            revision: 0x0250,
        };
        assert_eq!(FileSetDescriptor::decode(&fsd.encode(0)).unwrap(), fsd);
        let avdp = Avdp {
            main: ExtentAd {
                length: 32768,
                location: 32,
            },
            reserve: ExtentAd {
                length: 32768,
                location: 48,
            },
        };
        assert_eq!(Avdp::decode(&avdp.encode(3, 256)).unwrap(), avdp);
    }

    /// Where ECMA-167 (3/10, 4/14) and UDF 2.60 (2.2) put each field, read
    /// at the offsets of their tables, independently of our decoders.
    #[test]
    fn descriptor_fields_at_specified_offsets() {
        let starts_with = |b: &[u8], at: usize, s: &[u8]| &b[at..at + s.len()] == s;
        // Volume recognition (2/9.1): type 0, identifier, version 1.
        let vrs = volume_structure(b"NSR03");
        assert_eq!((vrs[0], &vrs[1..6], vrs[6]), (0, &b"NSR03"[..], 1));
        assert!(vrs[7..].iter().all(|&b| b == 0));

        let mut info = VolumeInfo {
            revision: 0x0250,
            volume_id: "LABEL".into(),
            volume_set_id: "0123456789ABCDEFLABEL".into(),
            time: FileTime::from_unix_seconds(1_700_000_000),
            partition_start: 257,
            partition_length: 1000,
            metadata: Some(MetadataMap {
                file: 40,
                mirror: 41,
                bitmap: 0xFFFF_FFFF,
                allocation_unit: 32,
                alignment_unit: 32,
                duplicated: true,
            }),
            fsd: (1, 0),
            integrity: ExtentAd {
                length: 4096,
                location: 64,
            },
            maps: Vec::new(),
        };
        // Primary volume descriptor (3/10.1).
        let pvd = info.pvd(32);
        assert_eq!((le16(&pvd, 0), le16(&pvd, 2), le32(&pvd, 12)), (1, 3, 32));
        assert_eq!(&pvd[24..30], b"\x08LABEL");
        assert_eq!(pvd[24 + 31], 6, "dstring length byte");
        assert_eq!((le16(&pvd, 56), le16(&pvd, 58)), (1, 1), "volume sequence");
        assert_eq!(
            (le16(&pvd, 60), le16(&pvd, 62)),
            (2, 3),
            "interchange level"
        );
        assert_eq!(
            (le32(&pvd, 64), le32(&pvd, 68)),
            (1, 1),
            "character set list"
        );
        assert!(starts_with(&pvd, 72, b"\x080123456789ABCDEF"));
        assert_eq!(pvd[200], 0);
        assert!(starts_with(&pvd, 201, b"OSTA Compressed Unicode"));
        assert_eq!(pvd[376..388], timestamp(info.time));
        assert!(starts_with(&pvd, 389, IMPLEMENTATION_ID.as_bytes()));
        // Implementation use volume descriptor (3/10.4, UDF 2.2.7).
        let iuvd = info.iuvd(33);
        assert_eq!((le16(&iuvd, 0), le32(&iuvd, 12)), (4, 33));
        assert!(starts_with(&iuvd, 21, b"*UDF LV Info"));
        assert!(starts_with(&iuvd, 53, b"OSTA Compressed Unicode"));
        assert!(starts_with(&iuvd, 116, b"\x08LABEL"));
        assert!(starts_with(&iuvd, 353, IMPLEMENTATION_ID.as_bytes()));
        // Partition descriptor (3/10.5).
        let pd = info.pd(34);
        assert_eq!(le16(&pd, 0), 5);
        assert_eq!(le16(&pd, 22), 0, "partition number");
        assert!(starts_with(&pd, 25, b"+NSR03"));
        assert_eq!(le32(&pd, 184), 1, "access type: read-only");
        assert_eq!((le32(&pd, 188), le32(&pd, 192)), (257, 1000));
        // Logical volume descriptor (3/10.6) with a type 1 map and the
        // metadata partition map (UDF 2.2.10).
        let lvd = info.lvd(35);
        assert_eq!(le16(&lvd, 0), 6);
        assert!(starts_with(&lvd, 85, b"LABEL") && lvd[84] == 8);
        assert_eq!(le32(&lvd, 212), 2048, "logical block size");
        assert!(starts_with(&lvd, 217, DOMAIN_ID.as_bytes()));
        assert_eq!(le16(&lvd, 216 + 24), 0x0250, "domain suffix: revision");
        assert_eq!(le32(&lvd, 248), 2048, "file set descriptor extent length");
        assert_eq!(
            (le32(&lvd, 252), le16(&lvd, 256)),
            (0, 1),
            "FSD block, partition"
        );
        assert_eq!((le32(&lvd, 264), le32(&lvd, 268)), (6 + 64, 2), "map table");
        assert_eq!(
            (le32(&lvd, 432), le32(&lvd, 436)),
            (4096, 64),
            "integrity extent"
        );
        assert_eq!(&lvd[440..446], &[1, 6, 1, 0, 0, 0], "type 1 map");
        let m = 446;
        assert_eq!((lvd[m], lvd[m + 1]), (2, 64));
        assert!(starts_with(&lvd, m + 5, b"*UDF Metadata Partition"));
        assert_eq!((le16(&lvd, m + 36), le16(&lvd, m + 38)), (1, 0));
        assert_eq!(
            (le32(&lvd, m + 40), le32(&lvd, m + 44), le32(&lvd, m + 48)),
            (40, 41, 0xFFFF_FFFF)
        );
        assert_eq!((le32(&lvd, m + 52), le16(&lvd, m + 56)), (32, 32));
        assert_eq!(lvd[m + 58], 1, "duplicate metadata flag");
        // Unallocated space (3/10.8) and terminating (3/10.9) descriptors.
        let usd = info.usd(36);
        assert_eq!((le16(&usd, 0), le32(&usd, 20)), (7, 0));
        assert_eq!(le16(&info.td(37), 0), 8);
        // Before 2.00: descriptor version 2, "+NSR02", one partition map.
        info.revision = 0x0102;
        info.metadata = None;
        info.fsd = (0, 0);
        assert_eq!(le16(&info.pvd(32), 2), 2);
        assert!(starts_with(&info.pd(34), 25, b"+NSR02"));
        let lvd = info.lvd(35);
        assert_eq!((le32(&lvd, 264), le32(&lvd, 268)), (6, 1));
        assert_eq!(le16(&lvd, 216 + 24), 0x0102);

        // Anchor (3/10.2).
        let avdp = Avdp {
            main: ExtentAd {
                length: 32768,
                location: 32,
            },
            reserve: ExtentAd {
                length: 32768,
                location: 48,
            },
        }
        .encode(3, 256);
        assert_eq!((le16(&avdp, 0), le32(&avdp, 12)), (2, 256));
        assert_eq!(
            (
                le32(&avdp, 16),
                le32(&avdp, 20),
                le32(&avdp, 24),
                le32(&avdp, 28)
            ),
            (32768, 32, 32768, 48)
        );

        // Integrity descriptor (3/10.10, UDF 2.2.6): closed, two partitions.
        let lvid = Integrity {
            time: FileTime::from_unix_seconds(1_700_000_000),
            next_unique_id: 99,
            partitions: vec![(0, 1000), (5, 64)],
            files: 7,
            directories: 3,
            revision: 0x0260,
        }
        .encode(64);
        assert_eq!(le16(&lvid, 0), 9);
        assert_eq!(le32(&lvid, 28), 1, "integrity type: close");
        assert_eq!(le64(&lvid, 40), 99, "next unique id");
        assert_eq!((le32(&lvid, 72), le32(&lvid, 76)), (2, 46));
        assert_eq!(
            (
                le32(&lvid, 80),
                le32(&lvid, 84),
                le32(&lvid, 88),
                le32(&lvid, 92)
            ),
            (0, 5, 1000, 64),
            "free space table, then size table"
        );
        assert!(starts_with(&lvid, 97, IMPLEMENTATION_ID.as_bytes()));
        assert_eq!(
            (le32(&lvid, 128), le32(&lvid, 132)),
            (7, 3),
            "files, directories"
        );
        assert_eq!(
            (le16(&lvid, 136), le16(&lvid, 138), le16(&lvid, 140)),
            (0x0250, 0x0260, 0x0260),
            "minimum read, minimum write, maximum write revisions"
        );

        // File set descriptor (4/14.1).
        let fsd = FileSetDescriptor {
            time: FileTime::from_unix_seconds(1_700_000_000),
            volume_id: "LABEL".into(),
            file_set_id: "SET".into(),
            root: LongAd {
                length: 2048,
                block: 2,
                partition: 1,
                unique_id: 0,
            },
            revision: 0x0250,
        }
        .encode(0);
        assert_eq!((le16(&fsd, 0), le32(&fsd, 12)), (256, 0));
        assert_eq!(
            (le16(&fsd, 28), le16(&fsd, 30)),
            (3, 3),
            "interchange level"
        );
        assert_eq!(
            (le32(&fsd, 32), le32(&fsd, 36)),
            (1, 1),
            "character set list"
        );
        assert!(starts_with(&fsd, 112, b"\x08LABEL"));
        assert!(starts_with(&fsd, 304, b"\x08SET"));
        assert_eq!(
            (le32(&fsd, 400), le32(&fsd, 404), le16(&fsd, 408)),
            (2048, 2, 1),
            "root directory ICB"
        );
        assert!(starts_with(&fsd, 417, DOMAIN_ID.as_bytes()));

        // File entry (4/14.9) and extended file entry (4/14.17).
        let fe = |extended| FileEntry {
            extended,
            file_type: file_type::FILE,
            icb_flags: 0,
            uid: 1000,
            gid: 100,
            permissions: udf_permissions(0o644),
            link_count: 2,
            length: 5000,
            blocks_recorded: 3,
            accessed: FileTime::from_unix_seconds(1),
            modified: FileTime::from_unix_seconds(2),
            created: FileTime::from_unix_seconds(3),
            attributes_changed: FileTime::from_unix_seconds(4),
            unique_id: 17,
            stream_dir: extended.then_some(LongAd {
                length: 2048,
                block: 9,
                partition: 1,
                unique_id: 0,
            }),
            extended_attributes: Vec::new(),
            allocation: Allocation::Long(vec![LongAd {
                length: 5000,
                block: 77,
                partition: 0,
                unique_id: 0,
            }]),
        };
        let b = fe(false).encode(2, 10);
        assert_eq!((le16(&b, 0), le16(&b, 2), le32(&b, 12)), (261, 2, 10));
        assert_eq!((le16(&b, 20), le16(&b, 24), b[27]), (4, 1, 5), "ICB tag");
        assert_eq!(le16(&b, 34) & 7, 1, "long allocation descriptors");
        assert_eq!((le32(&b, 36), le32(&b, 40)), (1000, 100));
        assert_eq!(le32(&b, 44), udf_permissions(0o644));
        assert_eq!(le16(&b, 48), 2, "link count");
        assert_eq!((le64(&b, 56), le64(&b, 64)), (5000, 3));
        assert_eq!(
            b[84..96],
            timestamp(FileTime::from_unix_seconds(2)),
            "modified"
        );
        assert!(starts_with(&b, 129, IMPLEMENTATION_ID.as_bytes()));
        assert_eq!(le64(&b, 160), 17, "unique id");
        assert_eq!((le32(&b, 168), le32(&b, 172)), (0, 16), "L_EA, L_AD");
        assert_eq!((le32(&b, 176), le32(&b, 180)), (5000, 77), "the long_ad");
        let b = fe(true).encode(3, 10);
        assert_eq!((le16(&b, 0), le16(&b, 2)), (266, 3));
        assert_eq!((le64(&b, 56), le64(&b, 64), le64(&b, 72)), (5000, 5000, 3));
        assert_eq!(
            b[104..116],
            timestamp(FileTime::from_unix_seconds(3)),
            "created"
        );
        assert_eq!(
            (le32(&b, 152), le32(&b, 156), le16(&b, 160)),
            (2048, 9, 1),
            "stream directory ICB"
        );
        assert_eq!(le64(&b, 200), 17, "unique id");
        assert_eq!((le32(&b, 208), le32(&b, 212)), (0, 16), "L_EA, L_AD");
        assert_eq!(le32(&b, 220), 77);

        // File identifier descriptor (4/14.4, UDF 2.3.4).
        let mut v = Vec::new();
        Fid {
            characteristics: fid_flags::DIRECTORY,
            icb: LongAd {
                length: 2048,
                block: 5,
                partition: 1,
                unique_id: 16,
            },
            name: cs0_encode("dir", 255),
        }
        .encode_into(&mut v, 3, 4);
        assert_eq!((le16(&v, 0), le32(&v, 12)), (257, 4));
        assert_eq!(
            (le16(&v, 16), v[18], v[19]),
            (1, 2, 4),
            "version, flags, L_FI"
        );
        assert_eq!((le32(&v, 20), le32(&v, 24), le16(&v, 28)), (2048, 5, 1));
        assert_eq!(
            le32(&v, 32),
            16,
            "UDF unique id in the ICB's implementation use"
        );
        assert_eq!(le16(&v, 36), 0, "L_IU");
        assert_eq!(&v[38..42], b"\x08dir");
        assert_eq!(v.len() % 4, 0);

        // Allocation extent descriptor (4/14.5).
        let aed = allocation_extent(3, 20, 10, &[1, 2, 3, 4, 5, 6, 7, 8]);
        assert_eq!((le16(&aed, 0), le32(&aed, 12)), (258, 20));
        assert_eq!((le32(&aed, 16), le32(&aed, 20)), (10, 8));
        assert_eq!(&aed[24..32], &[1, 2, 3, 4, 5, 6, 7, 8]);
    }

    #[test]
    fn file_entries_and_fids_round_trip() {
        for extended in [false, true] {
            let fe = FileEntry {
                extended,
                file_type: file_type::FILE,
                icb_flags: 0x40,
                uid: 1000,
                gid: 100,
                permissions: udf_permissions(0o4755),
                link_count: 2,
                length: 5000,
                blocks_recorded: 3,
                accessed: FileTime::from_unix_seconds(1),
                modified: FileTime::from_unix_seconds(2),
                created: FileTime::from_unix_seconds(if extended { 3 } else { 2 }),
                attributes_changed: FileTime::from_unix_seconds(4),
                unique_id: 17,
                stream_dir: None,
                extended_attributes: Vec::new(),
                allocation: Allocation::Short(vec![(5000, 77)]),
            };
            let b = fe.encode(3, 10);
            assert_eq!(FileEntry::decode(&b).unwrap(), fe);
        }
        let embedded = FileEntry {
            extended: true,
            file_type: file_type::FILE,
            icb_flags: 0,
            uid: 0,
            gid: 0,
            permissions: 0,
            link_count: 1,
            length: 5,
            blocks_recorded: 0,
            accessed: FileTime::UNIX_EPOCH,
            modified: FileTime::UNIX_EPOCH,
            created: FileTime::UNIX_EPOCH,
            attributes_changed: FileTime::UNIX_EPOCH,
            unique_id: 16,
            stream_dir: Some(LongAd {
                length: 2048,
                block: 9,
                partition: 0,
                unique_id: 0,
            }),
            extended_attributes: Vec::new(),
            allocation: Allocation::Embedded(b"hello".to_vec()),
        };
        assert_eq!(
            FileEntry::decode(&embedded.encode(3, 11)).unwrap(),
            embedded
        );
        let fid = Fid {
            characteristics: fid_flags::DIRECTORY,
            icb: LongAd {
                length: 2048,
                block: 5,
                partition: 0,
                unique_id: 16,
            },
            name: cs0_encode("dir", 255),
        };
        let mut v = Vec::new();
        fid.encode_into(&mut v, 3, 4);
        assert_eq!(v.len(), 44);
        assert_eq!(Fid::decode(&v).unwrap(), (fid, 44));
        for cut in 0..v.len() {
            let _ = Fid::decode(&v[..cut]);
        }
    }

    #[test]
    fn symlink_paths_round_trip() {
        for t in ["/usr/lib", "../a/./b", "plain", "日本/x"] {
            assert_eq!(read_symlink_components(&symlink_components(t)).unwrap(), t);
        }
        assert_eq!(symlink_components("/a"), [2, 0, 0, 0, 5, 2, 0, 0, 8, b'a']);
    }

    #[test]
    fn sequence_at_the_last_sector_number_is_refused_not_overflowed() {
        // Fuzzing regression: descriptor locations were added in u32, so a
        // sequence said to start at sector 0xFFFFFFFF overflowed at its
        // second descriptor (a panic in debug builds).
        let info = VolumeInfo {
            revision: 0x0102,
            volume_id: "V".into(),
            volume_set_id: "0123456789ABCDEFV".into(),
            time: FileTime::from_unix_seconds(0),
            partition_start: 0,
            partition_length: 0,
            metadata: None,
            fsd: (0, 0),
            integrity: ExtentAd::default(),
            maps: Vec::new(),
        };
        let mut seq = info.pvd(u32::MAX).to_vec();
        seq.extend_from_slice(&info.pd(0));
        let e = VolumeInfo::decode_sequence(&seq, u32::MAX).unwrap_err();
        assert!(e.reason.contains("4294967296 claims 0"), "{e}");
    }
}
