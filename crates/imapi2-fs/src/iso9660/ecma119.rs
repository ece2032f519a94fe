//! ECMA-119 (ISO 9660) on-disk structures: numeric fields, dates, volume
//! descriptors, directory records and path table records, each with an
//! `encode` and a `decode`. Decoders take untrusted bytes and return errors.

use crate::codec::bad;
use crate::time::{Civil, FileTime};

pub use crate::codec::{both16, both32, read_both16, read_both32, DecodeError, SECTOR};

// ----- dates (§8.4.26.1, §9.1.5) -----

/// §9.1.5: the 7-byte recording date of a directory record, UTC (offset 0).
/// Years outside 1900–2155 are clamped to the nearest representable instant.
pub fn dir_date(t: FileTime) -> [u8; 7] {
    let c = t.civil();
    if c.year < 1900 {
        return [0, 1, 1, 0, 0, 0, 0];
    }
    if c.year > 2155 {
        return [255, 12, 31, 23, 59, 59, 0];
    }
    [
        (c.year - 1900) as u8,
        c.month,
        c.day,
        c.hour,
        c.minute,
        c.second,
        0,
    ]
}

/// Decodes a §9.1.5 date (the offset, in 15-minute units, is applied).
pub fn read_dir_date(b: &[u8; 7]) -> FileTime {
    let c = Civil {
        year: 1900 + i64::from(b[0]),
        month: b[1].clamp(1, 12),
        day: b[2].clamp(1, 31),
        hour: b[3].min(23),
        minute: b[4].min(59),
        second: b[5].min(59),
        nanos: 0,
    };
    let offset = i64::from(b[6] as i8) * 15 * 60;
    FileTime::from_unix_seconds(c.to_unix_seconds() - offset)
}

/// §8.4.26.1: the 17-byte volume date ("YYYYMMDDHHMMSScc" + offset), UTC.
pub fn volume_date(t: FileTime) -> [u8; 17] {
    let c = t.civil();
    let year = c.year.clamp(1, 9999);
    let s = format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}{:02}",
        year,
        c.month,
        c.day,
        c.hour,
        c.minute,
        c.second,
        c.nanos / 10_000_000
    );
    let mut o = [0u8; 17];
    o[..16].copy_from_slice(s.as_bytes());
    o
}

/// §8.4.26.1: "date and time not specified": sixteen '0' digits and offset 0.
pub const VOLUME_DATE_UNSET: [u8; 17] = *b"0000000000000000\0";

/// Decodes a §8.4.26.1 date; `None` when it is "not specified".
pub fn read_volume_date(b: &[u8; 17]) -> Result<Option<FileTime>, DecodeError> {
    if b[..16] == VOLUME_DATE_UNSET[..16] {
        return Ok(None);
    }
    if !b[..16].iter().all(u8::is_ascii_digit) {
        return bad("volume date", "not sixteen digits");
    }
    let n = |r: std::ops::Range<usize>| -> u32 {
        b[r].iter().fold(0, |a, d| a * 10 + u32::from(d - b'0'))
    };
    let c = Civil {
        year: i64::from(n(0..4)),
        month: n(4..6).clamp(1, 12) as u8,
        day: n(6..8).clamp(1, 31) as u8,
        hour: n(8..10).min(23) as u8,
        minute: n(10..12).min(59) as u8,
        second: n(12..14).min(59) as u8,
        nanos: n(14..16) * 10_000_000,
    };
    let offset = i64::from(b[16] as i8) * 15 * 60;
    Ok(Some(FileTime::from_unix(
        c.to_unix_seconds() - offset,
        c.nanos,
    )))
}

// ----- directory records (§9.1) -----

/// File flags of a directory record (§9.1.6).
pub mod flags {
    /// Existence: the file need not be made known to the user (hidden).
    pub const HIDDEN: u8 = 0x01;
    /// The record identifies a directory.
    pub const DIRECTORY: u8 = 0x02;
    /// Associated file.
    pub const ASSOCIATED: u8 = 0x04;
    /// Not the final record of a file (multi-extent).
    pub const MULTI_EXTENT: u8 = 0x80;
}

/// A directory record (§9.1). The identifier is raw bytes: d-characters with
/// `;1` for ISO 9660 files, UCS-2 big-endian for Joliet, 0x00 for "." and 0x01
/// for "..".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirectoryRecord<'a> {
    /// Location of extent (LBA).
    pub extent: u32,
    /// Data length in bytes.
    pub data_length: u32,
    /// Recording date and time (§9.1.5).
    pub recorded: [u8; 7],
    /// File flags (see [`flags`]).
    pub flags: u8,
    /// File identifier.
    pub identifier: &'a [u8],
    /// System use area (SUSP entries).
    pub system_use: &'a [u8],
}

impl<'a> DirectoryRecord<'a> {
    /// The record length for an identifier and system use area of these sizes
    /// (§9.1.12–9.1.13: a pad byte after an even-length identifier, and one
    /// after an odd-length system use area, keep the record even).
    pub fn length_for(identifier_len: usize, system_use_len: usize) -> usize {
        let len = 33 + identifier_len + (1 - identifier_len % 2) + system_use_len;
        len + len % 2
    }

    /// Length of this record in bytes (always even).
    pub fn len(&self) -> usize {
        Self::length_for(self.identifier.len(), self.system_use.len())
    }

    /// Whether the record is the empty padding record (never: length ≥ 34).
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Appends the encoded record to `out`.
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        let len = self.len();
        debug_assert!(len <= 255, "directory record of {len} bytes");
        out.push(len as u8);
        out.push(0); // extended attribute record length
        out.extend_from_slice(&both32(self.extent));
        out.extend_from_slice(&both32(self.data_length));
        out.extend_from_slice(&self.recorded);
        out.push(self.flags);
        out.push(0); // file unit size
        out.push(0); // interleave gap size
        out.extend_from_slice(&both16(1)); // volume sequence number
        out.push(self.identifier.len() as u8);
        out.extend_from_slice(self.identifier);
        if self.identifier.len() % 2 == 0 {
            out.push(0);
        }
        out.extend_from_slice(self.system_use);
        if self.system_use.len() % 2 == 1 {
            out.push(0);
        }
    }

    /// Decodes the record at the start of `b`. `b` may extend past it.
    pub fn decode(b: &'a [u8]) -> Result<DirectoryRecord<'a>, DecodeError> {
        const W: &str = "directory record";
        let Some(&len) = b.first() else {
            return bad(W, "empty");
        };
        let len = usize::from(len);
        if len < 34 {
            return bad(W, format!("length {len} is below 34"));
        }
        let Some(r) = b.get(..len) else {
            return bad(W, format!("length {len} runs past the sector"));
        };
        let id_len = usize::from(r[32]);
        let id_end = 33 + id_len;
        let su_start = id_end + (1 - id_len % 2);
        if su_start > len {
            return bad(
                W,
                format!("identifier of {id_len} bytes overruns length {len}"),
            );
        }
        Ok(DirectoryRecord {
            extent: read_both32(&r[2..10], W)?,
            data_length: read_both32(&r[10..18], W)?,
            recorded: r[18..25].try_into().expect("7 bytes"),
            flags: r[25],
            identifier: &r[33..id_end],
            system_use: &r[su_start..],
        })
    }
}

// ----- path table records (§9.4) -----

/// A path table record (§9.4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathTableRecord<'a> {
    /// Location of the directory's extent.
    pub extent: u32,
    /// Number of the parent directory's record (1-based; the root is its own parent).
    pub parent: u16,
    /// Directory identifier (0x00 for the root).
    pub identifier: &'a [u8],
}

impl<'a> PathTableRecord<'a> {
    /// Encoded length (8 + identifier, padded to even).
    pub fn len(&self) -> usize {
        8 + self.identifier.len() + self.identifier.len() % 2
    }

    /// Never empty.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Appends the record in the byte order of an L table (`big_endian` false)
    /// or an M table (`big_endian` true).
    pub fn encode_into(&self, out: &mut Vec<u8>, big_endian: bool) {
        out.push(self.identifier.len() as u8);
        out.push(0);
        if big_endian {
            out.extend_from_slice(&self.extent.to_be_bytes());
            out.extend_from_slice(&self.parent.to_be_bytes());
        } else {
            out.extend_from_slice(&self.extent.to_le_bytes());
            out.extend_from_slice(&self.parent.to_le_bytes());
        }
        out.extend_from_slice(self.identifier);
        if self.identifier.len() % 2 == 1 {
            out.push(0);
        }
    }

    /// Decodes a record at the start of `b`.
    pub fn decode(b: &'a [u8], big_endian: bool) -> Result<PathTableRecord<'a>, DecodeError> {
        const W: &str = "path table record";
        if b.len() < 8 {
            return bad(W, "truncated");
        }
        let id_len = usize::from(b[0]);
        if id_len == 0 {
            return bad(W, "empty identifier");
        }
        let Some(identifier) = b.get(8..8 + id_len) else {
            return bad(W, "identifier runs past the table");
        };
        let (extent, parent) = if big_endian {
            (
                u32::from_be_bytes(b[2..6].try_into().expect("4")),
                u16::from_be_bytes([b[6], b[7]]),
            )
        } else {
            (
                u32::from_le_bytes(b[2..6].try_into().expect("4")),
                u16::from_le_bytes([b[6], b[7]]),
            )
        };
        Ok(PathTableRecord {
            extent,
            parent,
            identifier,
        })
    }
}

// ----- volume descriptors (§8) -----

/// Volume descriptor type codes (§8.1.1).
pub mod vd_type {
    /// Boot record (El Torito).
    pub const BOOT_RECORD: u8 = 0;
    /// Primary volume descriptor.
    pub const PRIMARY: u8 = 1;
    /// Supplementary volume descriptor (Joliet).
    pub const SUPPLEMENTARY: u8 = 2;
    /// Volume descriptor set terminator.
    pub const TERMINATOR: u8 = 255;
}

/// Joliet's escape sequence for UCS-2 level 3 (`%/E`).
pub const JOLIET_ESCAPE_LEVEL3: [u8; 3] = *b"%/E";

/// A primary (§8.4) or supplementary (§8.5) volume descriptor.
///
/// Text fields hold the bytes as written: a-/d-characters padded with spaces
/// in a primary descriptor, UCS-2 big-endian padded with U+0020 in Joliet's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VolumeDescriptor {
    /// [`vd_type::PRIMARY`] or [`vd_type::SUPPLEMENTARY`].
    pub descriptor_type: u8,
    /// Escape sequences (supplementary only; `%/E` for Joliet).
    pub escape_sequences: [u8; 32],
    /// System identifier (32 bytes).
    pub system_id: [u8; 32],
    /// Volume identifier (32 bytes).
    pub volume_id: [u8; 32],
    /// Volume space size in blocks.
    pub volume_space_size: u32,
    /// Logical block size (2048).
    pub logical_block_size: u16,
    /// Path table size in bytes.
    pub path_table_size: u32,
    /// Location of the type L path table.
    pub l_path_table: u32,
    /// Location of the type M path table.
    pub m_path_table: u32,
    /// The root directory record (34 bytes).
    pub root_record: [u8; 34],
    /// Volume set identifier (128 bytes).
    pub volume_set_id: [u8; 128],
    /// Publisher identifier (128 bytes).
    pub publisher_id: [u8; 128],
    /// Data preparer identifier (128 bytes).
    pub preparer_id: [u8; 128],
    /// Application identifier (128 bytes).
    pub application_id: [u8; 128],
    /// Volume creation date.
    pub created: [u8; 17],
    /// Volume modification date.
    pub modified: [u8; 17],
    /// Volume expiration date.
    pub expires: [u8; 17],
    /// Volume effective date.
    pub effective: [u8; 17],
}

/// Pads ASCII text with spaces into an `N`-byte field.
pub fn ascii_field<const N: usize>(s: &str) -> [u8; N] {
    let mut o = [b' '; N];
    for (d, c) in o.iter_mut().zip(s.bytes()) {
        *d = c;
    }
    o
}

/// Pads UCS-2 big-endian text with U+0020 into an `N`-byte field (N even; an
/// odd trailing byte is 0x00).
pub fn ucs2_field<const N: usize>(units: &[u16]) -> [u8; N] {
    let mut o = [0u8; N];
    for i in 0..N / 2 {
        let u = units.get(i).copied().unwrap_or(0x20);
        o[2 * i..2 * i + 2].copy_from_slice(&u.to_be_bytes());
    }
    o
}

impl VolumeDescriptor {
    /// Encodes the 2048-byte sector.
    pub fn encode(&self) -> [u8; SECTOR] {
        let mut s = [0u8; SECTOR];
        s[0] = self.descriptor_type;
        s[1..6].copy_from_slice(b"CD001");
        s[6] = 1;
        s[8..40].copy_from_slice(&self.system_id);
        s[40..72].copy_from_slice(&self.volume_id);
        s[80..88].copy_from_slice(&both32(self.volume_space_size));
        if self.descriptor_type == vd_type::SUPPLEMENTARY {
            s[88..120].copy_from_slice(&self.escape_sequences);
        }
        s[120..124].copy_from_slice(&both16(1)); // volume set size
        s[124..128].copy_from_slice(&both16(1)); // volume sequence number
        s[128..132].copy_from_slice(&both16(self.logical_block_size));
        s[132..140].copy_from_slice(&both32(self.path_table_size));
        s[140..144].copy_from_slice(&self.l_path_table.to_le_bytes());
        s[148..152].copy_from_slice(&self.m_path_table.to_be_bytes());
        s[156..190].copy_from_slice(&self.root_record);
        s[190..318].copy_from_slice(&self.volume_set_id);
        s[318..446].copy_from_slice(&self.publisher_id);
        s[446..574].copy_from_slice(&self.preparer_id);
        s[574..702].copy_from_slice(&self.application_id);
        // Copyright, abstract and bibliographic file identifiers: none.
        let blank: [u8; 37] = if self.descriptor_type == vd_type::SUPPLEMENTARY {
            ucs2_field(&[])
        } else {
            [b' '; 37]
        };
        s[702..739].copy_from_slice(&blank);
        s[739..776].copy_from_slice(&blank);
        s[776..813].copy_from_slice(&blank);
        s[813..830].copy_from_slice(&self.created);
        s[830..847].copy_from_slice(&self.modified);
        s[847..864].copy_from_slice(&self.expires);
        s[864..881].copy_from_slice(&self.effective);
        s[881] = 1; // file structure version
        s
    }

    /// Decodes a primary or supplementary volume descriptor sector.
    pub fn decode(s: &[u8]) -> Result<VolumeDescriptor, DecodeError> {
        const W: &str = "volume descriptor";
        if s.len() < SECTOR {
            return bad(W, "truncated sector");
        }
        if &s[1..6] != b"CD001" {
            return bad(W, "no CD001 standard identifier");
        }
        let t = s[0];
        if t != vd_type::PRIMARY && t != vd_type::SUPPLEMENTARY {
            return bad(W, format!("type {t} is not primary or supplementary"));
        }
        fn f<const N: usize>(s: &[u8], r: std::ops::Range<usize>) -> [u8; N] {
            s[r].try_into().expect("field size")
        }
        Ok(VolumeDescriptor {
            descriptor_type: t,
            escape_sequences: f(s, 88..120),
            system_id: f(s, 8..40),
            volume_id: f(s, 40..72),
            volume_space_size: read_both32(&s[80..88], W)?,
            logical_block_size: read_both16(&s[128..132], W)?,
            path_table_size: read_both32(&s[132..140], W)?,
            l_path_table: u32::from_le_bytes(f(s, 140..144)),
            m_path_table: u32::from_be_bytes(f(s, 148..152)),
            root_record: f(s, 156..190),
            volume_set_id: f(s, 190..318),
            publisher_id: f(s, 318..446),
            preparer_id: f(s, 446..574),
            application_id: f(s, 574..702),
            created: f(s, 813..830),
            modified: f(s, 830..847),
            expires: f(s, 847..864),
            effective: f(s, 864..881),
        })
    }

    /// Whether this is a Joliet descriptor (supplementary with a UCS-2 escape).
    pub fn is_joliet(&self) -> bool {
        self.descriptor_type == vd_type::SUPPLEMENTARY
            && self.escape_sequences[0] == b'%'
            && self.escape_sequences[1] == b'/'
            && matches!(self.escape_sequences[2], b'@' | b'C' | b'E')
    }
}

/// The volume descriptor set terminator (§8.3).
pub fn terminator() -> [u8; SECTOR] {
    let mut s = [0u8; SECTOR];
    s[0] = vd_type::TERMINATOR;
    s[1..6].copy_from_slice(b"CD001");
    s[6] = 1;
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_golden() {
        // 2026-11-25T16:30:05.25Z
        let t = FileTime::from_unix(1_795_624_205, 250_000_000);
        assert_eq!(dir_date(t), [126, 11, 25, 16, 30, 5, 0]);
        assert_eq!(&volume_date(t), b"2026112516300525\0");
        assert_eq!(read_volume_date(&volume_date(t)).unwrap(), Some(t));
        assert_eq!(
            read_dir_date(&dir_date(t)),
            FileTime::from_unix_seconds(1_795_624_205)
        );
        assert_eq!(read_volume_date(&VOLUME_DATE_UNSET).unwrap(), None);
        // Offset +4 (one hour east): 17:30 local is 16:30 UTC.
        let d = [126, 11, 25, 17, 30, 5, 4];
        assert_eq!(
            read_dir_date(&d),
            FileTime::from_unix_seconds(1_795_624_205)
        );
        assert_eq!(
            dir_date(FileTime::from_unix_seconds(-3_000_000_000)),
            [0, 1, 1, 0, 0, 0, 0]
        );
    }

    #[test]
    fn directory_record_golden() {
        let r = DirectoryRecord {
            extent: 0x20,
            data_length: 0x800,
            recorded: [126, 1, 2, 3, 4, 5, 0],
            flags: flags::DIRECTORY,
            identifier: b"\0",
            system_use: &[],
        };
        let mut out = Vec::new();
        r.encode_into(&mut out);
        assert_eq!(
            out,
            [
                34, 0, 0x20, 0, 0, 0, 0, 0, 0, 0x20, 0, 0x08, 0, 0, 0, 0, 0x08, 0, 126, 1, 2, 3, 4,
                5, 0, 2, 0, 0, 1, 0, 0, 1, 1, 0
            ]
        );
        assert_eq!(DirectoryRecord::decode(&out).unwrap(), r);
        // An even-length identifier gets a pad byte; the record stays even.
        let r2 = DirectoryRecord {
            identifier: b"A.TXT;1",
            system_use: b"PX",
            ..r
        };
        let mut out2 = Vec::new();
        r2.encode_into(&mut out2);
        assert_eq!(out2.len(), 33 + 7 + 2);
        assert_eq!(r2.len(), 42);
        assert_eq!(DirectoryRecord::decode(&out2).unwrap(), r2);
        // Truncated and inconsistent records are errors, not panics.
        assert!(DirectoryRecord::decode(&out2[..20]).is_err());
        let mut broken = out2.clone();
        broken[32] = 200;
        assert!(DirectoryRecord::decode(&broken).is_err());
        broken[0] = 10;
        assert!(DirectoryRecord::decode(&broken).is_err());
    }

    #[test]
    fn path_table_record_golden() {
        let r = PathTableRecord {
            extent: 0x1234,
            parent: 1,
            identifier: b"DOC",
        };
        let mut l = Vec::new();
        r.encode_into(&mut l, false);
        assert_eq!(l, [3, 0, 0x34, 0x12, 0, 0, 1, 0, b'D', b'O', b'C', 0]);
        let mut m = Vec::new();
        r.encode_into(&mut m, true);
        assert_eq!(m, [3, 0, 0, 0, 0x12, 0x34, 0, 1, b'D', b'O', b'C', 0]);
        assert_eq!(PathTableRecord::decode(&m, true).unwrap(), r);
        assert_eq!(PathTableRecord::decode(&l, false).unwrap(), r);
        assert!(PathTableRecord::decode(&l[..9], false).is_err());
    }

    #[test]
    fn volume_descriptor_golden_offsets() {
        let vd = VolumeDescriptor {
            descriptor_type: vd_type::SUPPLEMENTARY,
            escape_sequences: {
                let mut e = [0u8; 32];
                e[..3].copy_from_slice(&JOLIET_ESCAPE_LEVEL3);
                e
            },
            system_id: ucs2_field(&"LINUX".encode_utf16().collect::<Vec<_>>()),
            volume_id: ucs2_field(&"Vol".encode_utf16().collect::<Vec<_>>()),
            volume_space_size: 1000,
            logical_block_size: 2048,
            path_table_size: 10,
            l_path_table: 19,
            m_path_table: 21,
            root_record: [0; 34],
            volume_set_id: ucs2_field(&[]),
            publisher_id: ucs2_field(&[]),
            preparer_id: ucs2_field(&[]),
            application_id: ucs2_field(&[]),
            created: VOLUME_DATE_UNSET,
            modified: VOLUME_DATE_UNSET,
            expires: VOLUME_DATE_UNSET,
            effective: VOLUME_DATE_UNSET,
        };
        let s = vd.encode();
        assert_eq!(&s[0..7], b"\x02CD001\x01");
        assert_eq!(&s[40..46], &[0, b'V', 0, b'o', 0, b'l']);
        assert_eq!(&s[46..48], &[0, b' ']);
        assert_eq!(&s[80..88], &both32(1000));
        assert_eq!(&s[88..91], b"%/E");
        assert_eq!(&s[128..132], &[0, 8, 8, 0]);
        assert_eq!(&s[140..144], &19u32.to_le_bytes());
        assert_eq!(&s[148..152], &21u32.to_be_bytes());
        assert_eq!(s[881], 1);
        let back = VolumeDescriptor::decode(&s).unwrap();
        assert_eq!(back, vd);
        assert!(back.is_joliet());
        let mut broken = s;
        broken[84] ^= 1;
        assert!(VolumeDescriptor::decode(&broken).is_err());
        assert_eq!(&terminator()[..7], b"\xffCD001\x01");
    }
}
