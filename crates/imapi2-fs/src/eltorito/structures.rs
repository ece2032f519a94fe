//! The El Torito structures, each with an `encode` and a `decode` (the
//! public `imapi2_fs::eltorito`).

use crate::codec::{bad, DecodeError, SECTOR};

/// Size of one catalog entry.
pub const ENTRY: usize = 32;

/// El Torito's platform identifiers (IMAPI `PlatformId`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PlatformId(pub u8);

impl PlatformId {
    /// 80x86 BIOS (`PlatformX86`).
    pub const X86: PlatformId = PlatformId(0);
    /// PowerPC (`PlatformPowerPC`).
    pub const POWER_PC: PlatformId = PlatformId(1);
    /// Mac (`PlatformMac`).
    pub const MAC: PlatformId = PlatformId(2);
    /// UEFI (`PlatformEFI`, 0xEF).
    pub const EFI: PlatformId = PlatformId(0xEF);

    /// The platform's name as `mkimage --boot` takes it: `bios`, `ppc`,
    /// `mac`, `efi`, else its number (`0x42`).
    pub fn name(self) -> String {
        match self {
            PlatformId::X86 => "bios".into(),
            PlatformId::POWER_PC => "ppc".into(),
            PlatformId::MAC => "mac".into(),
            PlatformId::EFI => "efi".into(),
            PlatformId(n) => format!("{n:#04x}"),
        }
    }
}

/// The media type an entry emulates (IMAPI `EmulationType`; El Torito §2.2 byte 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Emulation {
    /// No emulation: the image is loaded as is (`EmulationNone`).
    None = 0,
    /// A 1.2 MB floppy (`Emulation12MFloppy`).
    Floppy12 = 1,
    /// A 1.44 MB floppy (`Emulation144MFloppy`).
    Floppy144 = 2,
    /// A 2.88 MB floppy (`Emulation288MFloppy`).
    Floppy288 = 3,
    /// A hard disk whose first sector is an MBR (`EmulationHardDisk`).
    HardDisk = 4,
}

impl Emulation {
    /// From the catalog's media type byte (low nibble).
    pub fn from_u8(v: u8) -> Option<Emulation> {
        Some(match v & 0x0F {
            0 => Emulation::None,
            1 => Emulation::Floppy12,
            2 => Emulation::Floppy144,
            3 => Emulation::Floppy288,
            4 => Emulation::HardDisk,
            _ => return None,
        })
    }

    /// The exact image size a floppy emulation needs.
    pub fn floppy_size(self) -> Option<u64> {
        match self {
            Emulation::Floppy12 => Some(1_228_800),
            Emulation::Floppy144 => Some(1_474_560),
            Emulation::Floppy288 => Some(2_949_120),
            _ => None,
        }
    }

    /// The floppy emulation an image of exactly `size` bytes gets automatically
    /// (IMAPI's `AssignBootImage` rule).
    pub fn for_floppy_size(size: u64) -> Option<Emulation> {
        [
            Emulation::Floppy12,
            Emulation::Floppy144,
            Emulation::Floppy288,
        ]
        .into_iter()
        .find(|e| e.floppy_size() == Some(size))
    }
}

/// The boot record volume descriptor (El Torito §2.0), at sector 17.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BootRecord {
    /// Absolute block of the boot catalog.
    pub catalog_lba: u32,
}

/// The boot system identifier of the boot record.
pub const EL_TORITO_ID: &[u8] = b"EL TORITO SPECIFICATION";

impl BootRecord {
    /// Encodes the 2048-byte sector.
    pub fn encode(&self) -> [u8; SECTOR] {
        let mut s = [0u8; SECTOR];
        s[0] = 0; // boot record
        s[1..6].copy_from_slice(b"CD001");
        s[6] = 1;
        s[7..7 + EL_TORITO_ID.len()].copy_from_slice(EL_TORITO_ID);
        s[0x47..0x4B].copy_from_slice(&self.catalog_lba.to_le_bytes());
        s
    }

    /// Decodes a boot record sector.
    pub fn decode(s: &[u8]) -> Result<BootRecord, DecodeError> {
        const W: &str = "El Torito boot record";
        if s.len() < 0x4B {
            return bad(W, "truncated sector");
        }
        if s[0] != 0 || &s[1..6] != b"CD001" {
            return bad(W, "not a boot record volume descriptor");
        }
        if &s[7..7 + EL_TORITO_ID.len()] != EL_TORITO_ID {
            return bad(W, "boot system identifier is not EL TORITO SPECIFICATION");
        }
        Ok(BootRecord {
            catalog_lba: u32::from_le_bytes(s[0x47..0x4B].try_into().expect("4")),
        })
    }
}

/// The validation entry (§2.1): first entry of the catalog.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidationEntry {
    /// Platform of the default entry.
    pub platform: PlatformId,
    /// Manufacturer or developer id (24 bytes, zero padded).
    pub id: [u8; 24],
}

impl ValidationEntry {
    /// Encodes the entry, checksum and key bytes included.
    pub fn encode(&self) -> [u8; ENTRY] {
        let mut e = [0u8; ENTRY];
        e[0] = 1; // header id
        e[1] = self.platform.0;
        e[4..28].copy_from_slice(&self.id);
        e[30] = 0x55;
        e[31] = 0xAA;
        // The 16 little-endian words of the entry sum to zero.
        let sum = e.chunks_exact(2).fold(0u16, |a, w| {
            a.wrapping_add(u16::from_le_bytes([w[0], w[1]]))
        });
        e[28..30].copy_from_slice(&0u16.wrapping_sub(sum).to_le_bytes());
        e
    }

    /// Decodes and checks the entry (header id, key bytes and checksum).
    pub fn decode(e: &[u8]) -> Result<ValidationEntry, DecodeError> {
        const W: &str = "El Torito validation entry";
        if e.len() < ENTRY {
            return bad(W, "truncated");
        }
        if e[0] != 1 {
            return bad(W, format!("header id {} is not 1", e[0]));
        }
        if e[30] != 0x55 || e[31] != 0xAA {
            return bad(W, "key bytes are not 55 AA");
        }
        let sum = e[..ENTRY].chunks_exact(2).fold(0u16, |a, w| {
            a.wrapping_add(u16::from_le_bytes([w[0], w[1]]))
        });
        if sum != 0 {
            return bad(W, format!("checksum leaves a word sum of {sum:#06x}"));
        }
        Ok(ValidationEntry {
            platform: PlatformId(e[1]),
            id: e[4..28].try_into().expect("24"),
        })
    }
}

/// A boot entry: the initial/default entry (§2.2) or a section entry (§2.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BootEntry {
    /// Bootable (0x88) or not (0x00).
    pub bootable: bool,
    /// Emulated media type.
    pub emulation: Emulation,
    /// Load segment (0 means the traditional 0x7C0).
    pub load_segment: u16,
    /// System type: the partition type of a hard-disk image's MBR, else 0.
    pub system_type: u8,
    /// Number of 512-byte virtual sectors to load.
    pub sector_count: u16,
    /// Absolute block of the image.
    pub load_rba: u32,
}

impl BootEntry {
    /// Encodes the entry (section entries use selection criteria type 0).
    pub fn encode(&self) -> [u8; ENTRY] {
        let mut e = [0u8; ENTRY];
        e[0] = if self.bootable { 0x88 } else { 0x00 };
        e[1] = self.emulation as u8;
        e[2..4].copy_from_slice(&self.load_segment.to_le_bytes());
        e[4] = self.system_type;
        e[6..8].copy_from_slice(&self.sector_count.to_le_bytes());
        e[8..12].copy_from_slice(&self.load_rba.to_le_bytes());
        e
    }

    /// Decodes an entry.
    pub fn decode(e: &[u8]) -> Result<BootEntry, DecodeError> {
        const W: &str = "El Torito boot entry";
        if e.len() < ENTRY {
            return bad(W, "truncated");
        }
        let bootable = match e[0] {
            0x88 => true,
            0x00 => false,
            x => return bad(W, format!("boot indicator {x:#04x} is neither 88 nor 00")),
        };
        let Some(emulation) = Emulation::from_u8(e[1]) else {
            return bad(W, format!("media type {:#04x} is unknown", e[1]));
        };
        Ok(BootEntry {
            bootable,
            emulation,
            load_segment: u16::from_le_bytes([e[2], e[3]]),
            system_type: e[4],
            sector_count: u16::from_le_bytes([e[6], e[7]]),
            load_rba: u32::from_le_bytes(e[8..12].try_into().expect("4")),
        })
    }
}

/// A section header entry (§2.3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SectionHeader {
    /// Whether this is the last section (0x91) or more follow (0x90).
    pub last: bool,
    /// Platform of the section's entries.
    pub platform: PlatformId,
    /// Number of entries that follow.
    pub entries: u16,
    /// Id string (28 bytes).
    pub id: [u8; 28],
}

impl SectionHeader {
    /// Encodes the header.
    pub fn encode(&self) -> [u8; ENTRY] {
        let mut e = [0u8; ENTRY];
        e[0] = if self.last { 0x91 } else { 0x90 };
        e[1] = self.platform.0;
        e[2..4].copy_from_slice(&self.entries.to_le_bytes());
        e[4..32].copy_from_slice(&self.id);
        e
    }

    /// Decodes a header.
    pub fn decode(e: &[u8]) -> Result<SectionHeader, DecodeError> {
        const W: &str = "El Torito section header";
        if e.len() < ENTRY {
            return bad(W, "truncated");
        }
        let last = match e[0] {
            0x90 => false,
            0x91 => true,
            x => return bad(W, format!("header indicator {x:#04x} is neither 90 nor 91")),
        };
        Ok(SectionHeader {
            last,
            platform: PlatformId(e[1]),
            entries: u16::from_le_bytes([e[2], e[3]]),
            id: e[4..32].try_into().expect("28"),
        })
    }
}

/// One entry as the catalog lists it, for building and reading catalogs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CatalogEntry {
    /// The platform the entry is for.
    pub platform: PlatformId,
    /// The manufacturer/id string (validation entry or section header).
    pub id: Vec<u8>,
    /// The boot entry.
    pub entry: BootEntry,
}

/// Builds a boot catalog sector: the validation entry and default entry for
/// the first image, then one section per run of images of one platform, in
/// the order given. At most 32 images (IMAPI's limit) fit comfortably in one
/// sector.
pub fn encode_catalog(entries: &[CatalogEntry]) -> [u8; SECTOR] {
    let mut s = [0u8; SECTOR];
    let Some(first) = entries.first() else {
        return s;
    };
    let mut id24 = [0u8; 24];
    let n = first.id.len().min(24);
    id24[..n].copy_from_slice(&first.id[..n]);
    s[..ENTRY].copy_from_slice(
        &ValidationEntry {
            platform: first.platform,
            id: id24,
        }
        .encode(),
    );
    s[ENTRY..2 * ENTRY].copy_from_slice(&first.entry.encode());
    let rest = &entries[1..];
    // Runs of one platform become sections.
    let mut runs: Vec<&[CatalogEntry]> = Vec::new();
    let mut i = 0;
    while i < rest.len() {
        let mut j = i + 1;
        while j < rest.len() && rest[j].platform == rest[i].platform {
            j += 1;
        }
        runs.push(&rest[i..j]);
        i = j;
    }
    let mut at = 2 * ENTRY;
    for (k, run) in runs.iter().enumerate() {
        let mut id28 = [0u8; 28];
        let n = run[0].id.len().min(28);
        id28[..n].copy_from_slice(&run[0].id[..n]);
        s[at..at + ENTRY].copy_from_slice(
            &SectionHeader {
                last: k + 1 == runs.len(),
                platform: run[0].platform,
                entries: run.len() as u16,
                id: id28,
            }
            .encode(),
        );
        at += ENTRY;
        for e in *run {
            s[at..at + ENTRY].copy_from_slice(&e.entry.encode());
            at += ENTRY;
        }
    }
    s
}

/// Reads a boot catalog sector back into its entries, checking the
/// validation entry; stops at the last section or an empty slot.
pub fn decode_catalog(s: &[u8]) -> Result<Vec<CatalogEntry>, DecodeError> {
    let v = ValidationEntry::decode(s)?;
    let first = BootEntry::decode(s.get(ENTRY..).unwrap_or(&[]))?;
    let mut out = vec![CatalogEntry {
        platform: v.platform,
        id: trim_zeros(&v.id),
        entry: first,
    }];
    let mut at = 2 * ENTRY;
    while at + ENTRY <= s.len() && matches!(s[at], 0x90 | 0x91) {
        let h = SectionHeader::decode(&s[at..])?;
        at += ENTRY;
        for _ in 0..h.entries {
            if at + ENTRY > s.len() {
                return bad("El Torito catalog", "section entries run past the sector");
            }
            out.push(CatalogEntry {
                platform: h.platform,
                id: trim_zeros(&h.id),
                entry: BootEntry::decode(&s[at..])?,
            });
            at += ENTRY;
            // Extension entries (0x44) belong to the entry before them.
            while at < s.len() && s[at] == 0x44 {
                at += ENTRY;
            }
        }
        if h.last {
            break;
        }
    }
    Ok(out)
}

fn trim_zeros(b: &[u8]) -> Vec<u8> {
    let end = b.iter().rposition(|&c| c != 0).map_or(0, |i| i + 1);
    b[..end].to_vec()
}

/// Offset of the boot info table inside a boot image (isolinux's layout, as
/// mkisofs `-boot-info-table` writes it).
pub const BOOT_INFO_OFFSET: usize = 8;
/// Length of the boot info table.
pub const BOOT_INFO_LEN: usize = 56;

/// The boot info table: where the primary volume descriptor and the boot
/// file are, the file's length, and a checksum of the file from byte 64.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BootInfoTable {
    /// Block of the primary volume descriptor.
    pub pvd_lba: u32,
    /// Block of the boot file.
    pub file_lba: u32,
    /// Length of the boot file in bytes.
    pub file_length: u32,
    /// Sum of the file's 32-bit little-endian words from offset 64.
    pub checksum: u32,
}

impl BootInfoTable {
    /// Computes the table for a boot image.
    pub fn for_image(image: &[u8], pvd_lba: u32, file_lba: u32) -> BootInfoTable {
        let mut sum = 0u32;
        let tail = image.get(64..).unwrap_or(&[]);
        for w in tail.chunks(4) {
            let mut b = [0u8; 4];
            b[..w.len()].copy_from_slice(w);
            sum = sum.wrapping_add(u32::from_le_bytes(b));
        }
        BootInfoTable {
            pvd_lba,
            file_lba,
            file_length: image.len() as u32,
            checksum: sum,
        }
    }

    /// Encodes the 56 bytes (16 of fields, 40 reserved zeros).
    pub fn encode(&self) -> [u8; BOOT_INFO_LEN] {
        let mut t = [0u8; BOOT_INFO_LEN];
        t[0..4].copy_from_slice(&self.pvd_lba.to_le_bytes());
        t[4..8].copy_from_slice(&self.file_lba.to_le_bytes());
        t[8..12].copy_from_slice(&self.file_length.to_le_bytes());
        t[12..16].copy_from_slice(&self.checksum.to_le_bytes());
        t
    }

    /// Decodes the table.
    pub fn decode(t: &[u8]) -> Result<BootInfoTable, DecodeError> {
        if t.len() < 16 {
            return bad("boot info table", "truncated");
        }
        let w = |i: usize| u32::from_le_bytes(t[i..i + 4].try_into().expect("4"));
        Ok(BootInfoTable {
            pvd_lba: w(0),
            file_lba: w(4),
            file_length: w(8),
            checksum: w(12),
        })
    }

    /// Writes the table into a boot image (which must be at least 64 bytes).
    pub fn patch(&self, image: &mut [u8]) {
        image[BOOT_INFO_OFFSET..BOOT_INFO_OFFSET + BOOT_INFO_LEN].copy_from_slice(&self.encode());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boot_record_golden() {
        let s = BootRecord { catalog_lba: 0x21 }.encode();
        assert_eq!(&s[..7], b"\x00CD001\x01");
        assert_eq!(&s[7..30], b"EL TORITO SPECIFICATION");
        assert_eq!(&s[30..0x47], &[0u8; 0x47 - 30][..]);
        assert_eq!(&s[0x47..0x4B], &[0x21, 0, 0, 0]);
        assert_eq!(BootRecord::decode(&s).unwrap().catalog_lba, 0x21);
    }

    #[test]
    fn validation_entry_golden() {
        let mut id = [0u8; 24];
        id[..6].copy_from_slice(b"IMAPI2");
        let e = ValidationEntry {
            platform: PlatformId::X86,
            id,
        }
        .encode();
        // Header 1, platform 0, the id, checksum, 55 AA.
        assert_eq!(e[0], 1);
        assert_eq!(&e[4..10], b"IMAPI2");
        assert_eq!(&e[30..], &[0x55, 0xAA]);
        // Words: 0x0001 + "IM" 0x4D49 + "AP" 0x5041 + "I2" 0x3249 + 0xAA55 = 0x1_7A29; the
        // checksum makes the sum 0 mod 2^16: 0x10000 - 0x7A29 = 0x85D7.
        assert_eq!(&e[28..30], &[0xD7, 0x85]);
        assert_eq!(ValidationEntry::decode(&e).unwrap().id, id);
        let mut broken = e;
        broken[5] ^= 1;
        assert!(ValidationEntry::decode(&broken).is_err());
        broken = e;
        broken[30] = 0;
        assert!(ValidationEntry::decode(&broken).is_err());
    }

    #[test]
    fn boot_entry_golden() {
        let e = BootEntry {
            bootable: true,
            emulation: Emulation::None,
            load_segment: 0,
            system_type: 0,
            sector_count: 4,
            load_rba: 0x22,
        }
        .encode();
        assert_eq!(
            e,
            [
                0x88, 0, 0, 0, 0, 0, 4, 0, 0x22, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                0, 0, 0, 0, 0, 0
            ]
        );
        assert_eq!(BootEntry::decode(&e).unwrap().sector_count, 4);
        let h = SectionHeader {
            last: true,
            platform: PlatformId::EFI,
            entries: 1,
            id: [0; 28],
        }
        .encode();
        assert_eq!(&h[..4], &[0x91, 0xEF, 1, 0]);
    }

    #[test]
    fn catalog_groups_sections_by_platform_in_order() {
        let entry = |rba| BootEntry {
            bootable: true,
            emulation: Emulation::None,
            load_segment: 0,
            system_type: 0,
            sector_count: 4,
            load_rba: rba,
        };
        let list = vec![
            CatalogEntry {
                platform: PlatformId::X86,
                id: b"first".to_vec(),
                entry: entry(40),
            },
            CatalogEntry {
                platform: PlatformId::EFI,
                id: b"efi".to_vec(),
                entry: entry(41),
            },
            CatalogEntry {
                platform: PlatformId::EFI,
                id: b"efi".to_vec(),
                entry: entry(42),
            },
            CatalogEntry {
                platform: PlatformId::X86,
                id: b"again".to_vec(),
                entry: entry(43),
            },
        ];
        let s = encode_catalog(&list);
        assert_eq!(s[64], 0x90, "a second section follows");
        assert_eq!(&s[64..68], &[0x90, 0xEF, 2, 0]);
        assert_eq!(&s[160..164], &[0x91, 0, 1, 0]);
        assert_eq!(decode_catalog(&s).unwrap(), list);
        // 32 entries fit in one sector.
        let many: Vec<CatalogEntry> = (0..32)
            .map(|i| CatalogEntry {
                platform: PlatformId(if i % 2 == 0 { 0 } else { 0xEF }),
                id: vec![],
                entry: entry(100 + i),
            })
            .collect();
        assert_eq!(decode_catalog(&encode_catalog(&many)).unwrap(), many);
    }

    #[test]
    fn boot_info_table_checksum() {
        let mut img = vec![0u8; 2048];
        for (i, b) in img.iter_mut().enumerate().skip(64) {
            *b = (i % 251) as u8;
        }
        let t = BootInfoTable::for_image(&img, 16, 35);
        let expect = img[64..]
            .chunks(4)
            .map(|w| u32::from_le_bytes(w.try_into().unwrap()))
            .fold(0u32, u32::wrapping_add);
        assert_eq!(t.checksum, expect);
        assert_eq!(t.file_length, 2048);
        t.patch(&mut img);
        assert_eq!(&img[8..12], &16u32.to_le_bytes());
        assert_eq!(&img[12..16], &35u32.to_le_bytes());
        assert_eq!(&img[24..64], &[0u8; 40][..]);
        assert_eq!(BootInfoTable::decode(&img[8..]).unwrap(), t);
        // A length that is not a multiple of 4 is summed with zero padding.
        let odd = vec![1u8; 70];
        assert_eq!(
            BootInfoTable::for_image(&odd, 0, 0).checksum,
            0x0101_0101 + 0x0101
        );
    }
}
