//! The system area of a hybrid image (the first 32 KiB, which ECMA-119
//! leaves to the system): an MBR with a partition table and an optional
//! GUID partition table (UEFI 2.x §5), so that the same file boots when it is
//! written raw to a USB stick. Plain types with `encode`/`decode`, CRC-32 and
//! the deterministic identifiers (disk signature, GUIDs) derived from a seed.

use crate::codec::{bad, DecodeError};

/// Bytes of a disk sector as the MBR and GPT count them.
pub const DISK_SECTOR: usize = 512;

/// Offset in the MBR where isohybrid-style boot code finds the 512-byte
/// address of the El Torito boot image (syslinux `isohdpfx.bin`).
pub const MBR_BOOT_LBA_OFFSET: usize = 432;
/// Bytes of MBR boot code kept from a caller-supplied MBR.
pub const MBR_CODE_LEN: usize = 432;

/// Heads and sectors per track of the pseudo geometry (isohybrid's 64/32,
/// which makes a cylinder 1 MiB).
pub const HEADS: u32 = 64;
/// Sectors per track of the pseudo geometry.
pub const SECTORS: u32 = 32;

/// CRC-32 as IEEE 802.3 and UEFI define it (reflected polynomial 0xEDB88320).
pub fn crc32(data: &[u8]) -> u32 {
    const TABLE: [u32; 256] = {
        let mut t = [0u32; 256];
        let mut i = 0;
        while i < 256 {
            let mut c = i as u32;
            let mut k = 0;
            while k < 8 {
                c = if c & 1 != 0 {
                    0xEDB8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
                k += 1;
            }
            t[i] = c;
            i += 1;
        }
        t
    };
    let mut c = !0u32;
    for &b in data {
        c = TABLE[((c ^ u32::from(b)) & 0xFF) as usize] ^ (c >> 8);
    }
    !c
}

/// A stream of 64-bit values from a seed (SplitMix64): the source of the
/// disk signature and GUIDs, so that the same image gets the same ones.
#[derive(Clone, Debug)]
pub struct IdSource(u64);

impl IdSource {
    /// Seeds from arbitrary bytes (FNV-1a).
    pub fn from_bytes(b: &[u8]) -> IdSource {
        let mut h = 0xCBF2_9CE4_8422_2325u64;
        for &x in b {
            h ^= u64::from(x);
            h = h.wrapping_mul(0x0100_0000_01B3);
        }
        IdSource(h)
    }

    /// The next value.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A random-looking version 4 GUID in on-disk (mixed-endian) order.
    pub fn next_guid(&mut self) -> Guid {
        let mut g = [0u8; 16];
        g[..8].copy_from_slice(&self.next_u64().to_le_bytes());
        g[8..].copy_from_slice(&self.next_u64().to_le_bytes());
        g[7] = (g[7] & 0x0F) | 0x40; // version 4 (high nibble of time_hi, stored little-endian)
        g[8] = (g[8] & 0x3F) | 0x80; // RFC 4122 variant
        Guid(g)
    }
}

/// A GUID in on-disk byte order (the first three fields little-endian).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Guid(pub [u8; 16]);

impl Guid {
    /// The EFI System Partition type, C12A7328-F81F-11D2-BA4B-00A0C93EC93B.
    pub const EFI_SYSTEM: Guid = Guid([
        0x28, 0x73, 0x2A, 0xC1, 0x1F, 0xF8, 0xD2, 0x11, 0xBA, 0x4B, 0x00, 0xA0, 0xC9, 0x3E, 0xC9,
        0x3B,
    ]);
    /// Microsoft basic data, EBD0A0A2-B9E5-4433-87C0-68B6B72699C7.
    pub const BASIC_DATA: Guid = Guid([
        0xA2, 0xA0, 0xD0, 0xEB, 0xE5, 0xB9, 0x33, 0x44, 0x87, 0xC0, 0x68, 0xB6, 0xB7, 0x26, 0x99,
        0xC7,
    ]);
}

impl std::fmt::Display for Guid {
    /// The usual text form, e.g. `C12A7328-F81F-11D2-BA4B-00A0C93EC93B`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let g = &self.0;
        write!(
            f,
            "{:08X}-{:04X}-{:04X}-{:02X}{:02X}-",
            u32::from_le_bytes([g[0], g[1], g[2], g[3]]),
            u16::from_le_bytes([g[4], g[5]]),
            u16::from_le_bytes([g[6], g[7]]),
            g[8],
            g[9]
        )?;
        for b in &g[10..] {
            write!(f, "{b:02X}")?;
        }
        Ok(())
    }
}

impl std::fmt::Debug for Guid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Guid({self})")
    }
}

/// One MBR partition entry (LBA in 512-byte sectors).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct MbrPartition {
    /// Active (0x80) flag.
    pub bootable: bool,
    /// Partition type byte.
    pub kind: u8,
    /// First sector.
    pub start: u32,
    /// Number of sectors.
    pub sectors: u32,
}

/// CHS of a sector in the 64/32 geometry, saturating at cylinder 1023.
fn chs(lba: u32) -> [u8; 3] {
    let per_cyl = HEADS * SECTORS;
    let (c, h, s) = if lba / per_cyl > 1023 {
        (1023, HEADS - 1, SECTORS)
    } else {
        (lba / per_cyl, (lba / SECTORS) % HEADS, lba % SECTORS + 1)
    };
    [
        h as u8,
        (s as u8 & 0x3F) | (((c >> 8) as u8 & 0x03) << 6),
        c as u8,
    ]
}

impl MbrPartition {
    /// Encodes the 16-byte entry (an empty entry is all zeros).
    pub fn encode(&self) -> [u8; 16] {
        let mut e = [0u8; 16];
        if self.sectors == 0 && self.kind == 0 && !self.bootable {
            return e;
        }
        e[0] = if self.bootable { 0x80 } else { 0 };
        e[1..4].copy_from_slice(&chs(self.start));
        e[4] = self.kind;
        e[5..8].copy_from_slice(&chs(self.start + self.sectors.saturating_sub(1)));
        e[8..12].copy_from_slice(&self.start.to_le_bytes());
        e[12..16].copy_from_slice(&self.sectors.to_le_bytes());
        e
    }

    /// Decodes an entry.
    pub fn decode(e: &[u8]) -> MbrPartition {
        MbrPartition {
            bootable: e[0] & 0x80 != 0,
            kind: e[4],
            start: u32::from_le_bytes(e[8..12].try_into().expect("4")),
            sectors: u32::from_le_bytes(e[12..16].try_into().expect("4")),
        }
    }
}

/// A master boot record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mbr {
    /// Boot code (the first 432 bytes).
    pub code: Vec<u8>,
    /// The El Torito boot image's address in 512-byte sectors, for isohybrid
    /// boot code (bytes 432..440).
    pub boot_image_sector: u64,
    /// Disk signature (bytes 440..444).
    pub signature: u32,
    /// The four partition entries.
    pub partitions: [MbrPartition; 4],
}

impl Mbr {
    /// Encodes the 512-byte sector.
    pub fn encode(&self) -> [u8; DISK_SECTOR] {
        let mut s = [0u8; DISK_SECTOR];
        let n = self.code.len().min(MBR_CODE_LEN);
        s[..n].copy_from_slice(&self.code[..n]);
        s[432..440].copy_from_slice(&self.boot_image_sector.to_le_bytes());
        s[440..444].copy_from_slice(&self.signature.to_le_bytes());
        for (i, p) in self.partitions.iter().enumerate() {
            s[446 + 16 * i..462 + 16 * i].copy_from_slice(&p.encode());
        }
        s[510] = 0x55;
        s[511] = 0xAA;
        s
    }

    /// Decodes a sector with the 55 AA signature.
    pub fn decode(s: &[u8]) -> Result<Mbr, DecodeError> {
        if s.len() < DISK_SECTOR {
            return bad("MBR", "truncated");
        }
        if s[510] != 0x55 || s[511] != 0xAA {
            return bad("MBR", "no 55 AA signature");
        }
        Ok(Mbr {
            code: s[..MBR_CODE_LEN].to_vec(),
            boot_image_sector: u64::from_le_bytes(s[432..440].try_into().expect("8")),
            signature: u32::from_le_bytes(s[440..444].try_into().expect("4")),
            partitions: std::array::from_fn(|i| MbrPartition::decode(&s[446 + 16 * i..])),
        })
    }
}

/// One GPT partition entry (UEFI §5.3.3), 128 bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GptPartition {
    /// Partition type.
    pub kind: Guid,
    /// Unique partition GUID.
    pub guid: Guid,
    /// First sector.
    pub first: u64,
    /// Last sector (inclusive).
    pub last: u64,
    /// Attribute bits.
    pub attributes: u64,
    /// Name (UTF-16, at most 36 units).
    pub name: String,
}

/// Entries in the partition entry array (the usual 128).
pub const GPT_ENTRIES: usize = 128;
/// Size of one entry.
pub const GPT_ENTRY_SIZE: usize = 128;
/// Sectors the entry array takes.
pub const GPT_ARRAY_SECTORS: u64 = (GPT_ENTRIES * GPT_ENTRY_SIZE / DISK_SECTOR) as u64;

impl GptPartition {
    /// Encodes the entry.
    pub fn encode(&self) -> [u8; GPT_ENTRY_SIZE] {
        let mut e = [0u8; GPT_ENTRY_SIZE];
        e[0..16].copy_from_slice(&self.kind.0);
        e[16..32].copy_from_slice(&self.guid.0);
        e[32..40].copy_from_slice(&self.first.to_le_bytes());
        e[40..48].copy_from_slice(&self.last.to_le_bytes());
        e[48..56].copy_from_slice(&self.attributes.to_le_bytes());
        for (i, u) in self.name.encode_utf16().take(36).enumerate() {
            e[56 + 2 * i..58 + 2 * i].copy_from_slice(&u.to_le_bytes());
        }
        e
    }

    /// Decodes an entry; `None` for an unused one.
    pub fn decode(e: &[u8]) -> Option<GptPartition> {
        if e[0..16].iter().all(|&b| b == 0) {
            return None;
        }
        let units: Vec<u16> = e[56..128]
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .take_while(|&u| u != 0)
            .collect();
        Some(GptPartition {
            kind: Guid(e[0..16].try_into().expect("16")),
            guid: Guid(e[16..32].try_into().expect("16")),
            first: u64::from_le_bytes(e[32..40].try_into().expect("8")),
            last: u64::from_le_bytes(e[40..48].try_into().expect("8")),
            attributes: u64::from_le_bytes(e[48..56].try_into().expect("8")),
            name: String::from_utf16_lossy(&units),
        })
    }
}

/// A GPT header (UEFI §5.3.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GptHeader {
    /// Sector of this header (1 for the primary, the last for the backup).
    pub my_lba: u64,
    /// Sector of the other header.
    pub alternate_lba: u64,
    /// First sector partitions may use.
    pub first_usable: u64,
    /// Last sector partitions may use.
    pub last_usable: u64,
    /// Disk GUID.
    pub disk_guid: Guid,
    /// First sector of this header's entry array.
    pub entries_lba: u64,
    /// CRC-32 of the entry array.
    pub entries_crc: u32,
}

impl GptHeader {
    /// Encodes the header sector (header CRC computed here).
    pub fn encode(&self) -> [u8; DISK_SECTOR] {
        let mut s = [0u8; DISK_SECTOR];
        s[0..8].copy_from_slice(b"EFI PART");
        s[8..12].copy_from_slice(&0x0001_0000u32.to_le_bytes());
        s[12..16].copy_from_slice(&92u32.to_le_bytes());
        s[24..32].copy_from_slice(&self.my_lba.to_le_bytes());
        s[32..40].copy_from_slice(&self.alternate_lba.to_le_bytes());
        s[40..48].copy_from_slice(&self.first_usable.to_le_bytes());
        s[48..56].copy_from_slice(&self.last_usable.to_le_bytes());
        s[56..72].copy_from_slice(&self.disk_guid.0);
        s[72..80].copy_from_slice(&self.entries_lba.to_le_bytes());
        s[80..84].copy_from_slice(&(GPT_ENTRIES as u32).to_le_bytes());
        s[84..88].copy_from_slice(&(GPT_ENTRY_SIZE as u32).to_le_bytes());
        s[88..92].copy_from_slice(&self.entries_crc.to_le_bytes());
        let crc = crc32(&s[..92]);
        s[16..20].copy_from_slice(&crc.to_le_bytes());
        s
    }

    /// Decodes and checks a header sector (signature, size, CRC).
    pub fn decode(s: &[u8]) -> Result<GptHeader, DecodeError> {
        const W: &str = "GPT header";
        if s.len() < 92 || &s[0..8] != b"EFI PART" {
            return bad(W, "no EFI PART signature");
        }
        let size = u32::from_le_bytes(s[12..16].try_into().expect("4")) as usize;
        if !(92..=s.len().min(DISK_SECTOR)).contains(&size) {
            return bad(W, format!("header size {size}"));
        }
        let mut copy = s[..size].to_vec();
        copy[16..20].fill(0);
        let stored = u32::from_le_bytes(s[16..20].try_into().expect("4"));
        if crc32(&copy) != stored {
            return bad(W, "header CRC mismatch");
        }
        let q = |i: usize| u64::from_le_bytes(s[i..i + 8].try_into().expect("8"));
        Ok(GptHeader {
            my_lba: q(24),
            alternate_lba: q(32),
            first_usable: q(40),
            last_usable: q(48),
            disk_guid: Guid(s[56..72].try_into().expect("16")),
            entries_lba: q(72),
            entries_crc: u32::from_le_bytes(s[88..92].try_into().expect("4")),
        })
    }
}

/// Encodes a partition entry array (128 entries).
pub fn encode_gpt_entries(parts: &[GptPartition]) -> Vec<u8> {
    let mut v = vec![0u8; GPT_ENTRIES * GPT_ENTRY_SIZE];
    for (i, p) in parts.iter().take(GPT_ENTRIES).enumerate() {
        v[i * GPT_ENTRY_SIZE..(i + 1) * GPT_ENTRY_SIZE].copy_from_slice(&p.encode());
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_check_value() {
        // The catalogue check value of CRC-32/ISO-HDLC.
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
    }

    #[test]
    fn guid_text_and_bytes() {
        assert_eq!(
            Guid::EFI_SYSTEM.to_string(),
            "C12A7328-F81F-11D2-BA4B-00A0C93EC93B"
        );
        assert_eq!(
            Guid::BASIC_DATA.to_string(),
            "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7"
        );
        let mut a = IdSource::from_bytes(b"seed");
        let mut b = IdSource::from_bytes(b"seed");
        let g = a.next_guid();
        assert_eq!(g, b.next_guid(), "deterministic");
        assert_ne!(g, a.next_guid());
        let t = g.to_string();
        assert_eq!(&t[14..15], "4", "version 4: {t}");
        assert!(matches!(&t[19..20], "8" | "9" | "A" | "B"), "variant: {t}");
    }

    #[test]
    fn mbr_golden() {
        let m = Mbr {
            code: vec![0xFA; 10],
            boot_image_sector: 136,
            signature: 0x1234_5678,
            partitions: [
                MbrPartition {
                    bootable: true,
                    kind: 0,
                    start: 0,
                    sectors: 10240,
                },
                MbrPartition {
                    bootable: false,
                    kind: 0xEF,
                    start: 136,
                    sectors: 7200,
                },
                MbrPartition::default(),
                MbrPartition::default(),
            ],
        };
        let s = m.encode();
        assert_eq!(&s[432..440], &[136, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(&s[440..444], &[0x78, 0x56, 0x34, 0x12]);
        // Entry 1: active, CHS 0/0/1, type 0, CHS end of sector 10239 (c=4, h=63, s=32).
        assert_eq!(
            &s[446..462],
            &[0x80, 0, 1, 0, 0, 63, 32, 4, 0, 0, 0, 0, 0x00, 0x28, 0, 0]
        );
        assert_eq!(s[446 + 16 + 4], 0xEF);
        assert_eq!(&s[446 + 32..510], &[0u8; 32][..]);
        assert_eq!(&s[510..], &[0x55, 0xAA]);
        let back = Mbr::decode(&s).unwrap();
        assert_eq!(back.partitions, m.partitions);
        assert_eq!(back.signature, m.signature);
    }

    #[test]
    fn gpt_round_trip() {
        let mut ids = IdSource::from_bytes(b"x");
        let p = GptPartition {
            kind: Guid::EFI_SYSTEM,
            guid: ids.next_guid(),
            first: 136,
            last: 7335,
            attributes: 0,
            name: "EFI boot".into(),
        };
        let entries = encode_gpt_entries(std::slice::from_ref(&p));
        assert_eq!(entries.len(), 16384);
        assert_eq!(GptPartition::decode(&entries[..128]), Some(p.clone()));
        assert_eq!(GptPartition::decode(&entries[128..256]), None);
        let h = GptHeader {
            my_lba: 1,
            alternate_lba: 10239,
            first_usable: 34,
            last_usable: 10206,
            disk_guid: ids.next_guid(),
            entries_lba: 2,
            entries_crc: crc32(&entries),
        };
        let s = h.encode();
        assert_eq!(&s[..8], b"EFI PART");
        assert_eq!(GptHeader::decode(&s).unwrap(), h);
        let mut broken = s;
        broken[40] ^= 1;
        assert!(GptHeader::decode(&broken).is_err());
    }
}
