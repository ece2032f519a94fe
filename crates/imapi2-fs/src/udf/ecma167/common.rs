//! ECMA-167 part 1 and the descriptor tag: CRC-ITU-T, tags (3/7.2, 4/7.2),
//! timestamps (1/7.3), entity identifiers (1/7.4) with UDF's suffixes (UDF
//! 2.1.5), OSTA Compressed Unicode (UDF 2.1.1, 2.1.2) and d-strings
//! (1/7.2.12), and the little-endian fields they are made of.

use crate::codec::{bad, DecodeError};
use crate::time::{Civil, FileTime};

pub(super) fn le16(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

pub(super) fn le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().expect("4 bytes"))
}

pub(super) fn le64(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().expect("8 bytes"))
}

pub(super) fn put16(b: &mut [u8], at: usize, v: u16) {
    b[at..at + 2].copy_from_slice(&v.to_le_bytes());
}

pub(super) fn put32(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

pub(super) fn put64(b: &mut [u8], at: usize, v: u64) {
    b[at..at + 8].copy_from_slice(&v.to_le_bytes());
}

/// CRC tables: `CRC_TABLES[0][b]` is the CRC register change of byte `b`
/// (x^16 + x^12 + x^5 + 1, most significant bit first); `CRC_TABLES[k][b]`
/// that of `b` followed by `k` zero bytes, for eight bytes at a time.
const CRC_TABLES: [[u16; 256]; 8] = {
    let mut t = [[0u16; 256]; 8];
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
        t[0][i] = c;
        i += 1;
    }
    let mut k = 1;
    while k < 8 {
        let mut i = 0;
        while i < 256 {
            let prev = t[k - 1][i];
            t[k][i] = (prev << 8) ^ t[0][(prev >> 8) as usize];
            i += 1;
        }
        k += 1;
    }
    t
};

/// CRC-ITU-T as UDF uses it for descriptor tags (ECMA-167 1/7.2.6: polynomial
/// x^16 + x^12 + x^5 + 1, initial 0, no reflection; CRC-16/XMODEM), eight
/// bytes a step (a UDF image seals a file entry per file).
pub fn crc_itu_t(data: &[u8]) -> u16 {
    let t = &CRC_TABLES;
    let mut crc = 0u16;
    let mut chunks = data.chunks_exact(8);
    for c in &mut chunks {
        let x = crc ^ u16::from_be_bytes([c[0], c[1]]);
        crc = t[7][(x >> 8) as usize]
            ^ t[6][(x & 0xFF) as usize]
            ^ t[5][c[2] as usize]
            ^ t[4][c[3] as usize]
            ^ t[3][c[4] as usize]
            ^ t[2][c[5] as usize]
            ^ t[1][c[6] as usize]
            ^ t[0][c[7] as usize];
    }
    for &b in chunks.remainder() {
        crc = (crc << 8) ^ t[0][((crc >> 8) as u8 ^ b) as usize];
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

/// The domain identifier.
pub const DOMAIN_ID: &str = "*OSTA UDF Compliant";
/// This implementation's identifier.
pub const IMPLEMENTATION_ID: &str = "*IMAPI2-RS";
