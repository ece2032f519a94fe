//! `IMAPI_MEDIA_PHYSICAL_TYPE` and the image defaults chosen per medium
//! (`ChooseImageDefaultsForMediaType`).

use std::fmt;

use crate::filesystems::FileSystems;

/// The physical type of a medium (IMAPI `IMAPI_MEDIA_PHYSICAL_TYPE`, values exact).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u32)]
#[allow(missing_docs)] // the variant names are the IMAPI names
pub enum MediaPhysicalType {
    Unknown = 0,
    CdRom = 1,
    CdR = 2,
    CdRw = 3,
    DvdRom = 4,
    DvdRam = 5,
    DvdPlusR = 6,
    DvdPlusRw = 7,
    DvdPlusRDualLayer = 8,
    DvdDashR = 9,
    DvdDashRw = 10,
    DvdDashRDualLayer = 11,
    Disk = 12,
    DvdPlusRwDualLayer = 13,
    HdDvdRom = 14,
    HdDvdR = 15,
    HdDvdRam = 16,
    BdRom = 17,
    BdR = 18,
    BdRe = 19,
}

impl MediaPhysicalType {
    /// Every value, in IMAPI order.
    pub const ALL: [MediaPhysicalType; 20] = [
        Self::Unknown,
        Self::CdRom,
        Self::CdR,
        Self::CdRw,
        Self::DvdRom,
        Self::DvdRam,
        Self::DvdPlusR,
        Self::DvdPlusRw,
        Self::DvdPlusRDualLayer,
        Self::DvdDashR,
        Self::DvdDashRw,
        Self::DvdDashRDualLayer,
        Self::Disk,
        Self::DvdPlusRwDualLayer,
        Self::HdDvdRom,
        Self::HdDvdR,
        Self::HdDvdRam,
        Self::BdRom,
        Self::BdR,
        Self::BdRe,
    ];

    /// From the IMAPI numeric value.
    pub fn from_u32(v: u32) -> Option<MediaPhysicalType> {
        Self::ALL.get(v as usize).copied()
    }

    /// The usual name of the medium ("DVD+R", "BD-RE", ...).
    pub fn name(self) -> &'static str {
        use MediaPhysicalType::*;
        match self {
            Unknown => "unknown",
            CdRom => "CD-ROM",
            CdR => "CD-R",
            CdRw => "CD-RW",
            DvdRom => "DVD-ROM",
            DvdRam => "DVD-RAM",
            DvdPlusR => "DVD+R",
            DvdPlusRw => "DVD+RW",
            DvdPlusRDualLayer => "DVD+R DL",
            DvdDashR => "DVD-R",
            DvdDashRw => "DVD-RW",
            DvdDashRDualLayer => "DVD-R DL",
            Disk => "disk",
            DvdPlusRwDualLayer => "DVD+RW DL",
            HdDvdRom => "HD DVD-ROM",
            HdDvdR => "HD DVD-R",
            HdDvdRam => "HD DVD-RAM",
            BdRom => "BD-ROM",
            BdR => "BD-R",
            BdRe => "BD-RE",
        }
    }

    /// The IMAPI constant's name (`IMAPI_MEDIA_TYPE_DVDPLUSR`).
    pub fn imapi_name(self) -> &'static str {
        use MediaPhysicalType::*;
        match self {
            Unknown => "IMAPI_MEDIA_TYPE_UNKNOWN",
            CdRom => "IMAPI_MEDIA_TYPE_CDROM",
            CdR => "IMAPI_MEDIA_TYPE_CDR",
            CdRw => "IMAPI_MEDIA_TYPE_CDRW",
            DvdRom => "IMAPI_MEDIA_TYPE_DVDROM",
            DvdRam => "IMAPI_MEDIA_TYPE_DVDRAM",
            DvdPlusR => "IMAPI_MEDIA_TYPE_DVDPLUSR",
            DvdPlusRw => "IMAPI_MEDIA_TYPE_DVDPLUSRW",
            DvdPlusRDualLayer => "IMAPI_MEDIA_TYPE_DVDPLUSR_DUALLAYER",
            DvdDashR => "IMAPI_MEDIA_TYPE_DVDDASHR",
            DvdDashRw => "IMAPI_MEDIA_TYPE_DVDDASHRW",
            DvdDashRDualLayer => "IMAPI_MEDIA_TYPE_DVDDASHR_DUALLAYER",
            Disk => "IMAPI_MEDIA_TYPE_DISK",
            DvdPlusRwDualLayer => "IMAPI_MEDIA_TYPE_DVDPLUSRW_DUALLAYER",
            HdDvdRom => "IMAPI_MEDIA_TYPE_HDDVDROM",
            HdDvdR => "IMAPI_MEDIA_TYPE_HDDVDR",
            HdDvdRam => "IMAPI_MEDIA_TYPE_HDDVDRAM",
            BdRom => "IMAPI_MEDIA_TYPE_BDROM",
            BdR => "IMAPI_MEDIA_TYPE_BDR",
            BdRe => "IMAPI_MEDIA_TYPE_BDRE",
        }
    }

    /// Nominal user capacity of a blank medium of this type, in 2048-byte
    /// blocks, as `ChooseImageDefaultsForMediaType` sets `FreeMediaBlocks`.
    ///
    /// Values are the common single-medium capacities (80-minute CD, 4.7 GB DVD,
    /// 25 GB BD; the smaller of the "+" and "-" figures where they differ). A
    /// real drive reports the exact capacity of the disc in it. `Disk` is
    /// unlimited (0) and `Unknown` has no value.
    pub fn nominal_blocks(self) -> Option<u32> {
        use MediaPhysicalType::*;
        Some(match self {
            Unknown => return None,
            CdRom | CdR | CdRw => 359_849,
            DvdRom | DvdPlusR | DvdPlusRw | DvdDashR | DvdDashRw => 2_295_104,
            DvdRam => 2_236_704,
            DvdPlusRDualLayer | DvdDashRDualLayer | DvdPlusRwDualLayer => 4_171_712,
            // HD DVD single layer: 15 GB (15e9 bytes).
            HdDvdRom | HdDvdR | HdDvdRam => 7_324_218,
            BdRom | BdR | BdRe => 12_219_392,
            Disk => 0,
        })
    }

    /// The IMAPI file systems `ChooseImageDefaultsForMediaType` picks (reference
    /// §20.1): ISO 9660 + Joliet for CDs; DVDs and disks add UDF; BD and HD DVD
    /// take UDF. `supported` limits the choice to what this build can write;
    /// ISO 9660 + Joliet stand in when none of the wanted set is supported.
    pub fn default_file_systems(self, supported: FileSystems) -> FileSystems {
        use MediaPhysicalType::*;
        let wanted = match self {
            CdRom | CdR | CdRw | Unknown => FileSystems::ISO9660 | FileSystems::JOLIET,
            BdRom | BdR | BdRe | HdDvdRom | HdDvdR | HdDvdRam => FileSystems::UDF,
            _ => FileSystems::ISO9660 | FileSystems::JOLIET | FileSystems::UDF,
        };
        let chosen = wanted & supported;
        if chosen.is_empty() {
            FileSystems::ISO9660 | FileSystems::JOLIET
        } else {
            chosen
        }
    }

    /// The UDF revision IMAPI picks for the medium (0x102 for DVD, 0x250 for BD
    /// and HD DVD), when UDF is chosen at all.
    pub fn default_udf_revision(self) -> Option<u16> {
        use MediaPhysicalType::*;
        match self {
            CdRom | CdR | CdRw | Unknown => None,
            BdRom | BdR | BdRe | HdDvdRom | HdDvdR | HdDvdRam => Some(0x250),
            _ => Some(0x102),
        }
    }
}

impl fmt::Display for MediaPhysicalType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_imapi_values() {
        for (i, m) in MediaPhysicalType::ALL.iter().enumerate() {
            assert_eq!(*m as u32, i as u32);
            assert_eq!(MediaPhysicalType::from_u32(i as u32), Some(*m));
        }
        assert_eq!(MediaPhysicalType::BdRe as u32, 19);
        assert_eq!(MediaPhysicalType::from_u32(20), None);
    }

    #[test]
    fn defaults_follow_the_reference_table() {
        let all = FileSystems::ISO9660 | FileSystems::JOLIET | FileSystems::UDF;
        assert_eq!(
            MediaPhysicalType::CdR.default_file_systems(all),
            FileSystems::ISO9660 | FileSystems::JOLIET
        );
        assert_eq!(MediaPhysicalType::DvdPlusR.default_file_systems(all), all);
        assert_eq!(
            MediaPhysicalType::BdR.default_file_systems(all),
            FileSystems::UDF
        );
        let no_udf = FileSystems::ISO9660 | FileSystems::JOLIET;
        assert_eq!(MediaPhysicalType::BdR.default_file_systems(no_udf), no_udf);
        assert_eq!(MediaPhysicalType::CdR.nominal_blocks(), Some(359_849));
    }
}
