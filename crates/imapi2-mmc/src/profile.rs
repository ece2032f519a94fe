//! MMC profiles: the "personality" of drive plus medium (MMC-6 §5.3.1,
//! table 91), as reported in the current-profile field of GET CONFIGURATION
//! and in the Profile List feature.

use std::fmt;

/// A profile number, with the ones an optical burner reports named.
///
/// [`Profile::from_code`] never returns `Other` for a code that has a named
/// variant, so `from_code(p.code()) == p` for every value it produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Profile {
    /// 0000h: no current profile (no medium, or unknown).
    None,
    /// 0001h: non-removable disk.
    NonRemovableDisk,
    /// 0002h: removable disk.
    RemovableDisk,
    /// 0008h: CD-ROM.
    CdRom,
    /// 0009h: CD-R.
    CdR,
    /// 000Ah: CD-RW.
    CdRw,
    /// 0010h: DVD-ROM.
    DvdRom,
    /// 0011h: DVD-R sequential recording.
    DvdRSequential,
    /// 0012h: DVD-RAM.
    DvdRam,
    /// 0013h: DVD-RW restricted overwrite.
    DvdRwRestrictedOverwrite,
    /// 0014h: DVD-RW sequential recording.
    DvdRwSequential,
    /// 0015h: DVD-R dual layer, sequential recording.
    DvdRDlSequential,
    /// 0016h: DVD-R dual layer, layer jump recording.
    DvdRDlLayerJump,
    /// 001Ah: DVD+RW.
    DvdPlusRw,
    /// 001Bh: DVD+R.
    DvdPlusR,
    /// 002Ah: DVD+RW dual layer.
    DvdPlusRwDl,
    /// 002Bh: DVD+R dual layer.
    DvdPlusRDl,
    /// 0040h: BD-ROM.
    BdRom,
    /// 0041h: BD-R sequential recording mode (SRM).
    BdRSrm,
    /// 0042h: BD-R random recording mode (RRM).
    BdRRrm,
    /// 0043h: BD-RE.
    BdRe,
    /// Any other code (HD DVD 0050h–005Ah, MO, DDCD, FFFFh non-conforming, ...).
    Other(u16),
}

/// The optical family of a profile: what "1×" means for its speeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MediaFamily {
    /// CD: 1× = 176.4 kB/s = 75 sectors/s.
    Cd,
    /// DVD (and HD DVD): 1× = 1385 kB/s.
    Dvd,
    /// Blu-ray: 1× = 4495.5 kB/s.
    Bd,
}

impl Profile {
    /// The profile for a code.
    pub fn from_code(code: u16) -> Profile {
        match code {
            0x0000 => Profile::None,
            0x0001 => Profile::NonRemovableDisk,
            0x0002 => Profile::RemovableDisk,
            0x0008 => Profile::CdRom,
            0x0009 => Profile::CdR,
            0x000A => Profile::CdRw,
            0x0010 => Profile::DvdRom,
            0x0011 => Profile::DvdRSequential,
            0x0012 => Profile::DvdRam,
            0x0013 => Profile::DvdRwRestrictedOverwrite,
            0x0014 => Profile::DvdRwSequential,
            0x0015 => Profile::DvdRDlSequential,
            0x0016 => Profile::DvdRDlLayerJump,
            0x001A => Profile::DvdPlusRw,
            0x001B => Profile::DvdPlusR,
            0x002A => Profile::DvdPlusRwDl,
            0x002B => Profile::DvdPlusRDl,
            0x0040 => Profile::BdRom,
            0x0041 => Profile::BdRSrm,
            0x0042 => Profile::BdRRrm,
            0x0043 => Profile::BdRe,
            other => Profile::Other(other),
        }
    }

    /// The profile code.
    pub fn code(self) -> u16 {
        match self {
            Profile::None => 0x0000,
            Profile::NonRemovableDisk => 0x0001,
            Profile::RemovableDisk => 0x0002,
            Profile::CdRom => 0x0008,
            Profile::CdR => 0x0009,
            Profile::CdRw => 0x000A,
            Profile::DvdRom => 0x0010,
            Profile::DvdRSequential => 0x0011,
            Profile::DvdRam => 0x0012,
            Profile::DvdRwRestrictedOverwrite => 0x0013,
            Profile::DvdRwSequential => 0x0014,
            Profile::DvdRDlSequential => 0x0015,
            Profile::DvdRDlLayerJump => 0x0016,
            Profile::DvdPlusRw => 0x001A,
            Profile::DvdPlusR => 0x001B,
            Profile::DvdPlusRwDl => 0x002A,
            Profile::DvdPlusRDl => 0x002B,
            Profile::BdRom => 0x0040,
            Profile::BdRSrm => 0x0041,
            Profile::BdRRrm => 0x0042,
            Profile::BdRe => 0x0043,
            Profile::Other(code) => code,
        }
    }

    /// Every named profile, in code order.
    pub const NAMED: [Profile; 21] = [
        Profile::None,
        Profile::NonRemovableDisk,
        Profile::RemovableDisk,
        Profile::CdRom,
        Profile::CdR,
        Profile::CdRw,
        Profile::DvdRom,
        Profile::DvdRSequential,
        Profile::DvdRam,
        Profile::DvdRwRestrictedOverwrite,
        Profile::DvdRwSequential,
        Profile::DvdRDlSequential,
        Profile::DvdRDlLayerJump,
        Profile::DvdPlusRw,
        Profile::DvdPlusR,
        Profile::DvdPlusRwDl,
        Profile::DvdPlusRDl,
        Profile::BdRom,
        Profile::BdRSrm,
        Profile::BdRRrm,
        Profile::BdRe,
    ];

    /// The usual short name ("DVD+R DL", "BD-R SRM").
    pub fn name(self) -> &'static str {
        match self {
            Profile::None => "no current profile",
            Profile::NonRemovableDisk => "non-removable disk",
            Profile::RemovableDisk => "removable disk",
            Profile::CdRom => "CD-ROM",
            Profile::CdR => "CD-R",
            Profile::CdRw => "CD-RW",
            Profile::DvdRom => "DVD-ROM",
            Profile::DvdRSequential => "DVD-R sequential",
            Profile::DvdRam => "DVD-RAM",
            Profile::DvdRwRestrictedOverwrite => "DVD-RW restricted overwrite",
            Profile::DvdRwSequential => "DVD-RW sequential",
            Profile::DvdRDlSequential => "DVD-R DL sequential",
            Profile::DvdRDlLayerJump => "DVD-R DL layer jump",
            Profile::DvdPlusRw => "DVD+RW",
            Profile::DvdPlusR => "DVD+R",
            Profile::DvdPlusRwDl => "DVD+RW DL",
            Profile::DvdPlusRDl => "DVD+R DL",
            Profile::BdRom => "BD-ROM",
            Profile::BdRSrm => "BD-R SRM",
            Profile::BdRRrm => "BD-R RRM",
            Profile::BdRe => "BD-RE",
            Profile::Other(code) => match code {
                0x0003..=0x0005 => "magneto-optical",
                0x0050 => "HD DVD-ROM",
                0x0051 => "HD DVD-R",
                0x0052 => "HD DVD-RAM",
                0x0053 => "HD DVD-RW",
                0x0058 => "HD DVD-R DL",
                0x005A => "HD DVD-RW DL",
                0xFFFF => "non-conforming",
                _ => "unknown profile",
            },
        }
    }

    /// True when the medium can be written at all (once or many times).
    pub fn is_writable(self) -> bool {
        !matches!(
            self,
            Profile::None | Profile::CdRom | Profile::DvdRom | Profile::BdRom
        ) && !matches!(self, Profile::Other(_))
    }

    /// True when recorded data can be erased or overwritten (CD-RW, DVD±RW,
    /// DVD-RAM, BD-RE, disks).
    pub fn is_rewritable(self) -> bool {
        matches!(
            self,
            Profile::NonRemovableDisk
                | Profile::RemovableDisk
                | Profile::CdRw
                | Profile::DvdRam
                | Profile::DvdRwRestrictedOverwrite
                | Profile::DvdRwSequential
                | Profile::DvdPlusRw
                | Profile::DvdPlusRwDl
                | Profile::BdRe
        )
    }

    /// True when the medium is recorded sequentially in tracks and sessions
    /// with a next writable address (CD-R/RW, DVD±R, DVD-RW sequential, BD-R
    /// SRM). Overwritable media (DVD+RW, DVD-RW restricted overwrite, DVD-RAM,
    /// BD-RE, BD-R RRM) are not.
    pub fn is_sequential(self) -> bool {
        matches!(
            self,
            Profile::CdR
                | Profile::CdRw
                | Profile::DvdRSequential
                | Profile::DvdRwSequential
                | Profile::DvdRDlSequential
                | Profile::DvdRDlLayerJump
                | Profile::DvdPlusR
                | Profile::DvdPlusRDl
                | Profile::BdRSrm
        )
    }

    /// True for CD profiles.
    pub fn is_cd(self) -> bool {
        self.family() == Some(MediaFamily::Cd)
    }

    /// True for DVD profiles (HD DVD excluded).
    pub fn is_dvd(self) -> bool {
        self.family() == Some(MediaFamily::Dvd) && !matches!(self, Profile::Other(_))
    }

    /// True for Blu-ray profiles.
    pub fn is_bd(self) -> bool {
        self.family() == Some(MediaFamily::Bd)
    }

    /// True for dual-layer media.
    pub fn is_dual_layer(self) -> bool {
        matches!(
            self,
            Profile::DvdRDlSequential
                | Profile::DvdRDlLayerJump
                | Profile::DvdPlusRwDl
                | Profile::DvdPlusRDl
        )
    }

    /// The optical family (what 1× means), or `None` for disks and no medium.
    pub fn family(self) -> Option<MediaFamily> {
        match self.code() {
            0x0008..=0x000A => Some(MediaFamily::Cd),
            0x0010..=0x002B => Some(MediaFamily::Dvd),
            0x0040..=0x0043 => Some(MediaFamily::Bd),
            0x0050..=0x005A => Some(MediaFamily::Dvd),
            _ => None,
        }
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({:04X}h)", self.name(), self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for code in 0..=0xFFFFu16 {
            assert_eq!(Profile::from_code(code).code(), code);
        }
        for p in Profile::NAMED {
            assert_eq!(Profile::from_code(p.code()), p);
            assert!(!matches!(p, Profile::Other(_)));
        }
    }

    #[test]
    fn names() {
        assert_eq!(Profile::DvdPlusRDl.name(), "DVD+R DL");
    }

    #[test]
    fn classes() {
        assert!(
            Profile::CdR.is_cd() && Profile::CdR.is_sequential() && !Profile::CdR.is_rewritable()
        );
        assert!(Profile::DvdPlusRw.is_dvd() && !Profile::DvdPlusRw.is_sequential());
        assert!(Profile::BdRSrm.is_bd() && Profile::BdRSrm.is_sequential());
        assert!(!Profile::BdRRrm.is_sequential() && Profile::BdRRrm.is_writable());
        assert!(!Profile::DvdRom.is_writable());
        assert!(!Profile::Other(0x0051).is_dvd());
        assert_eq!(Profile::Other(0x0051).family(), Some(MediaFamily::Dvd));
        assert_eq!(Profile::None.family(), None);
    }
}
