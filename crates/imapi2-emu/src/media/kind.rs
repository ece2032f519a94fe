//! The kinds of medium the recorder holds, and the CD geometry every CD
//! kind shares.

use std::fmt;

/// CD lead-in start of the emulated ATIP, 97:26:66 (LBA −11 634): a typical
/// value of 80-minute CD-R media (MMC-6 §6.26.3.6, ATIP byte 8–10).
pub const CD_ATIP_LEAD_IN: i64 = -11_634;

/// The lowest LBA a CD can address: MSF 90:00:00 (mmc-notes §0).
pub const CD_LOWEST_LBA: i64 = imapi2_cd::msf::LOWEST_LBA as i64;

/// Blocks of the mandatory pre-gap before every CD track (2 s).
pub const CD_PREGAP: u32 = 2 * imapi2_cd::msf::FRAMES_PER_SECOND;

/// The kinds of medium the virtual recorder can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MediaKind {
    /// CD-R (profile 0009h).
    CdR,
    /// CD-RW (profile 000Ah).
    CdRw,
    /// DVD-R single layer (profile 0011h).
    DvdMinusR,
    /// DVD-RW: sequential (profile 0014h) or restricted overwrite (0013h).
    DvdMinusRw,
    /// DVD-R dual layer, sequential (profile 0015h).
    DvdMinusRDl,
    /// DVD+R (profile 001Bh).
    DvdPlusR,
    /// DVD+R dual layer (profile 002Bh).
    DvdPlusRDl,
    /// DVD+RW (profile 001Ah).
    DvdPlusRw,
    /// DVD-RAM (profile 0012h).
    DvdRam,
    /// BD-R in sequential recording mode (profile 0041h).
    BdR,
    /// BD-RE (profile 0043h).
    BdRe,
    /// Pressed CD-ROM (profile 0008h).
    CdRom,
    /// Pressed DVD-ROM (profile 0010h).
    DvdRom,
    /// Pressed BD-ROM (profile 0040h).
    BdRom,
}

impl MediaKind {
    /// Every kind, in a stable order.
    pub const ALL: [MediaKind; 14] = [
        MediaKind::CdR,
        MediaKind::CdRw,
        MediaKind::DvdMinusR,
        MediaKind::DvdMinusRw,
        MediaKind::DvdMinusRDl,
        MediaKind::DvdPlusR,
        MediaKind::DvdPlusRDl,
        MediaKind::DvdPlusRw,
        MediaKind::DvdRam,
        MediaKind::BdR,
        MediaKind::BdRe,
        MediaKind::CdRom,
        MediaKind::DvdRom,
        MediaKind::BdRom,
    ];

    /// The usual name ("DVD+R DL").
    pub fn name(self) -> &'static str {
        match self {
            MediaKind::CdR => "CD-R",
            MediaKind::CdRw => "CD-RW",
            MediaKind::DvdMinusR => "DVD-R",
            MediaKind::DvdMinusRw => "DVD-RW",
            MediaKind::DvdMinusRDl => "DVD-R DL",
            MediaKind::DvdPlusR => "DVD+R",
            MediaKind::DvdPlusRDl => "DVD+R DL",
            MediaKind::DvdPlusRw => "DVD+RW",
            MediaKind::DvdRam => "DVD-RAM",
            MediaKind::BdR => "BD-R",
            MediaKind::BdRe => "BD-RE",
            MediaKind::CdRom => "CD-ROM",
            MediaKind::DvdRom => "DVD-ROM",
            MediaKind::BdRom => "BD-ROM",
        }
    }

    /// The kind named `name` (as [`MediaKind::name`] spells it).
    pub fn from_name(name: &str) -> Option<MediaKind> {
        MediaKind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// Default user capacity in 2048-byte blocks (mmc-notes appendix B).
    pub fn default_capacity(self) -> u32 {
        match self {
            MediaKind::CdR | MediaKind::CdRw | MediaKind::CdRom => 359_849,
            MediaKind::DvdMinusR
            | MediaKind::DvdMinusRw
            | MediaKind::DvdPlusR
            | MediaKind::DvdPlusRw
            | MediaKind::DvdRom => 2_295_104,
            MediaKind::DvdMinusRDl | MediaKind::DvdPlusRDl => 4_171_712,
            MediaKind::DvdRam => 2_236_704,
            MediaKind::BdR | MediaKind::BdRe | MediaKind::BdRom => 12_219_392,
        }
    }

    /// True for the CD kinds.
    pub fn is_cd(self) -> bool {
        matches!(self, MediaKind::CdR | MediaKind::CdRw | MediaKind::CdRom)
    }

    /// True for the BD kinds.
    pub fn is_bd(self) -> bool {
        matches!(self, MediaKind::BdR | MediaKind::BdRe | MediaKind::BdRom)
    }

    /// True for the DVD kinds.
    pub fn is_dvd(self) -> bool {
        !self.is_cd() && !self.is_bd()
    }

    /// True for pressed (read-only) media.
    pub fn is_rom(self) -> bool {
        matches!(
            self,
            MediaKind::CdRom | MediaKind::DvdRom | MediaKind::BdRom
        )
    }

    /// True for the media BLANK applies to (CD-RW, DVD-RW).
    pub fn is_erasable(self) -> bool {
        matches!(self, MediaKind::CdRw | MediaKind::DvdMinusRw)
    }

    /// True for dual-layer media with a settable layer break.
    pub fn is_dual_layer(self) -> bool {
        matches!(self, MediaKind::DvdMinusRDl | MediaKind::DvdPlusRDl)
    }

    /// Blocks per ECC unit: 1 on CD, 16 on DVD, 32 on BD.
    pub fn write_unit(self) -> u32 {
        if self.is_cd() {
            1
        } else if self.is_bd() {
            32
        } else {
            16
        }
    }

    /// The pressed kind a read-only image of `blocks` blocks becomes: CD-ROM
    /// up to 80 minutes (360 000 blocks, as QEMU decides), DVD-ROM up to a
    /// dual-layer DVD (4 173 824 blocks), BD-ROM above.
    pub fn rom_for_size(blocks: u64) -> MediaKind {
        if blocks <= 360_000 {
            MediaKind::CdRom
        } else if blocks <= 4_173_824 {
            MediaKind::DvdRom
        } else {
            MediaKind::BdRom
        }
    }
}

impl fmt::Display for MediaKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
