//! GET CONFIGURATION reply: the feature header and feature descriptors
//! (MMC-6 §5.2 and §5.3; mmc-notes §1.3).
//!
//! Every feature a burner reports that matters for burning has a typed body;
//! the rest are kept raw. Decoding is tolerant in both directions: a
//! descriptor whose additional length is longer than the layout known here
//! keeps the surplus in [`FeatureDescriptor::extra`]; one that is shorter
//! (an older feature version) reads the missing bytes as zero; a reply cut
//! short by the allocation length yields the whole descriptors and sets
//! [`Configuration::truncated`].

use crate::codec::{be16, be24, be32, need, put16, put24, put32, DecodeError};
use crate::mode::LoadingMechanism;
use crate::profile::Profile;

/// Feature codes (MMC-6 table 90).
pub mod code {
    /// Profile List.
    pub const PROFILE_LIST: u16 = 0x0000;
    /// Core.
    pub const CORE: u16 = 0x0001;
    /// Morphing.
    pub const MORPHING: u16 = 0x0002;
    /// Removable Medium.
    pub const REMOVABLE_MEDIUM: u16 = 0x0003;
    /// Write Protect.
    pub const WRITE_PROTECT: u16 = 0x0004;
    /// Random Readable.
    pub const RANDOM_READABLE: u16 = 0x0010;
    /// Multi-Read.
    pub const MULTI_READ: u16 = 0x001D;
    /// CD Read.
    pub const CD_READ: u16 = 0x001E;
    /// DVD Read.
    pub const DVD_READ: u16 = 0x001F;
    /// Random Writable.
    pub const RANDOM_WRITABLE: u16 = 0x0020;
    /// Incremental Streaming Writable.
    pub const INCREMENTAL_STREAMING_WRITABLE: u16 = 0x0021;
    /// Sector Erasable.
    pub const SECTOR_ERASABLE: u16 = 0x0022;
    /// Formattable.
    pub const FORMATTABLE: u16 = 0x0023;
    /// Hardware Defect Management.
    pub const HARDWARE_DEFECT_MANAGEMENT: u16 = 0x0024;
    /// Write Once.
    pub const WRITE_ONCE: u16 = 0x0025;
    /// Restricted Overwrite.
    pub const RESTRICTED_OVERWRITE: u16 = 0x0026;
    /// CD-RW CAV Write.
    pub const CD_RW_CAV_WRITE: u16 = 0x0027;
    /// MRW.
    pub const MRW: u16 = 0x0028;
    /// DVD+RW.
    pub const DVD_PLUS_RW: u16 = 0x002A;
    /// DVD+R.
    pub const DVD_PLUS_R: u16 = 0x002B;
    /// Rigid Restricted Overwrite.
    pub const RIGID_RESTRICTED_OVERWRITE: u16 = 0x002C;
    /// CD Track at Once.
    pub const CD_TRACK_AT_ONCE: u16 = 0x002D;
    /// CD Mastering (SAO/raw).
    pub const CD_MASTERING: u16 = 0x002E;
    /// DVD-R/-RW Write.
    pub const DVD_MINUS_R_RW_WRITE: u16 = 0x002F;
    /// Layer Jump Recording.
    pub const LAYER_JUMP_RECORDING: u16 = 0x0033;
    /// CD-RW Media Write Support.
    pub const CD_RW_MEDIA_WRITE_SUPPORT: u16 = 0x0037;
    /// BD-R Pseudo-Overwrite.
    pub const BD_R_POW: u16 = 0x0038;
    /// DVD+RW Dual Layer.
    pub const DVD_PLUS_RW_DL: u16 = 0x003A;
    /// DVD+R Dual Layer.
    pub const DVD_PLUS_R_DL: u16 = 0x003B;
    /// BD Read.
    pub const BD_READ: u16 = 0x0040;
    /// BD Write.
    pub const BD_WRITE: u16 = 0x0041;
    /// Power Management.
    pub const POWER_MANAGEMENT: u16 = 0x0100;
    /// Timeout.
    pub const TIMEOUT: u16 = 0x0105;
    /// Real-Time Streaming.
    pub const REAL_TIME_STREAMING: u16 = 0x0107;
    /// Drive Serial Number.
    pub const DRIVE_SERIAL_NUMBER: u16 = 0x0108;
    /// Firmware Information.
    pub const FIRMWARE_INFORMATION: u16 = 0x010C;
}

/// The MMC name of a feature code, for the codes with a typed body.
pub fn feature_name(code: u16) -> Option<&'static str> {
    Some(match code {
        code::PROFILE_LIST => "Profile List",
        code::CORE => "Core",
        code::MORPHING => "Morphing",
        code::REMOVABLE_MEDIUM => "Removable Medium",
        code::WRITE_PROTECT => "Write Protect",
        code::RANDOM_READABLE => "Random Readable",
        code::MULTI_READ => "Multi-Read",
        code::CD_READ => "CD Read",
        code::DVD_READ => "DVD Read",
        code::RANDOM_WRITABLE => "Random Writable",
        code::INCREMENTAL_STREAMING_WRITABLE => "Incremental Streaming Writable",
        code::SECTOR_ERASABLE => "Sector Erasable",
        code::FORMATTABLE => "Formattable",
        code::HARDWARE_DEFECT_MANAGEMENT => "Hardware Defect Management",
        code::WRITE_ONCE => "Write Once",
        code::RESTRICTED_OVERWRITE => "Restricted Overwrite",
        code::CD_RW_CAV_WRITE => "CD-RW CAV Write",
        code::MRW => "MRW",
        code::DVD_PLUS_RW => "DVD+RW",
        code::DVD_PLUS_R => "DVD+R",
        code::RIGID_RESTRICTED_OVERWRITE => "Rigid Restricted Overwrite",
        code::CD_TRACK_AT_ONCE => "CD Track at Once",
        code::CD_MASTERING => "CD Mastering",
        code::DVD_MINUS_R_RW_WRITE => "DVD-R/-RW Write",
        code::LAYER_JUMP_RECORDING => "Layer Jump Recording",
        code::CD_RW_MEDIA_WRITE_SUPPORT => "CD-RW Media Write Support",
        code::BD_R_POW => "BD-R POW",
        code::DVD_PLUS_RW_DL => "DVD+RW Dual Layer",
        code::DVD_PLUS_R_DL => "DVD+R Dual Layer",
        code::BD_READ => "BD Read",
        code::BD_WRITE => "BD Write",
        code::POWER_MANAGEMENT => "Power Management",
        code::TIMEOUT => "Timeout",
        code::REAL_TIME_STREAMING => "Real-Time Streaming",
        code::DRIVE_SERIAL_NUMBER => "Drive Serial Number",
        code::FIRMWARE_INFORMATION => "Firmware Information",
        _ => return None,
    })
}

/// One entry of the Profile List feature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ProfileEntry {
    /// The profile.
    pub profile: Profile,
    /// CurrentP: this is the current profile.
    pub current: bool,
}

/// The typed body of a feature descriptor (bytes 4 on). Field comments give
/// the byte offset within the descriptor.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FeatureBody {
    /// 0000h: the profiles the drive supports (4 bytes each).
    ProfileList(Vec<ProfileEntry>),
    /// 0001h.
    Core {
        /// Physical interface standard (4–7): 1 SCSI, 2 ATAPI, 7 SATA, 8 USB, ...
        interface: u32,
        /// INQ2 (8 bit 2).
        inq2: bool,
        /// DBE: device busy events (8 bit 0).
        dbe: bool,
    },
    /// 0002h.
    Morphing {
        /// OCEvent (4 bit 1).
        oc_event: bool,
        /// Async (4 bit 0).
        asynchronous: bool,
    },
    /// 0003h.
    RemovableMedium {
        /// Loading mechanism (4 bits 7–5).
        mechanism: LoadingMechanism,
        /// Load (4 bit 4): can load the medium.
        load: bool,
        /// Eject (4 bit 3).
        eject: bool,
        /// Pvnt Jmpr (4 bit 2).
        prevent_jumper: bool,
        /// DBML (4 bit 1).
        dbml: bool,
        /// Lock (4 bit 0).
        lock: bool,
    },
    /// 0004h.
    WriteProtect {
        /// DWP (4 bit 3).
        dwp: bool,
        /// WDCB (4 bit 2).
        wdcb: bool,
        /// SPWP (4 bit 1).
        spwp: bool,
        /// SSWPP (4 bit 0).
        sswpp: bool,
    },
    /// 0010h.
    RandomReadable {
        /// Logical block size (4–7).
        block_size: u32,
        /// Blocking (8–9): 1 CD, 16 DVD, 32 BD.
        blocking: u16,
        /// PP: page present (10 bit 0).
        pp: bool,
    },
    /// 001Dh (no body).
    MultiRead,
    /// 001Eh.
    CdRead {
        /// DAP (4 bit 7).
        dap: bool,
        /// C2 Flags (4 bit 1).
        c2_flags: bool,
        /// CD-Text (4 bit 0).
        cd_text: bool,
    },
    /// 001Fh.
    DvdRead {
        /// MULTI110 (4 bit 0).
        multi110: bool,
        /// DualRW (6 bit 1).
        dual_rw: bool,
        /// DualR (6 bit 0).
        dual_r: bool,
    },
    /// 0020h.
    RandomWritable {
        /// Last LBA (4–7).
        last_lba: u32,
        /// Logical block size (8–11).
        block_size: u32,
        /// Blocking (12–13).
        blocking: u16,
        /// PP (14 bit 0).
        pp: bool,
    },
    /// 0021h.
    IncrementalStreamingWritable {
        /// Data block types supported (4–5), bit n = type n.
        data_block_types: u16,
        /// TRIO (6 bit 2).
        trio: bool,
        /// ARSV (6 bit 1).
        arsv: bool,
        /// BUF (6 bit 0).
        buf: bool,
        /// Link sizes (count at 7, sizes from 8, padded to 4 bytes).
        link_sizes: Vec<u8>,
    },
    /// 0022h (no body).
    SectorErasable,
    /// 0023h.
    Formattable {
        /// RENoSA (4 bit 3).
        renosa: bool,
        /// Expand (4 bit 2).
        expand: bool,
        /// QCert (4 bit 1).
        qcert: bool,
        /// Cert (4 bit 0).
        cert: bool,
        /// RRM (8 bit 0): BD-R random recording mode formatting.
        rrm: bool,
    },
    /// 0024h.
    HardwareDefectManagement {
        /// SSA: spare area information (4 bit 7).
        ssa: bool,
    },
    /// 0025h.
    WriteOnce {
        /// Logical block size (4–7).
        block_size: u32,
        /// Blocking (8–9).
        blocking: u16,
        /// PP (10 bit 0).
        pp: bool,
    },
    /// 0026h (no body).
    RestrictedOverwrite,
    /// 0027h (4 reserved bytes).
    CdRwCavWrite,
    /// 0028h.
    Mrw {
        /// DVD+Write (4 bit 2).
        dvd_plus_write: bool,
        /// DVD+Read (4 bit 1).
        dvd_plus_read: bool,
        /// Write (4 bit 0): CD-MRW.
        write: bool,
    },
    /// 002Ah.
    DvdPlusRw {
        /// Write (4 bit 0).
        write: bool,
        /// Quick Start (5 bit 1).
        quick_start: bool,
        /// Close Only (5 bit 0).
        close_only: bool,
    },
    /// 002Bh.
    DvdPlusR {
        /// Write (4 bit 0).
        write: bool,
    },
    /// 002Ch.
    RigidRestrictedOverwrite {
        /// DSDG (4 bit 3).
        dsdg: bool,
        /// DSDR (4 bit 2).
        dsdr: bool,
        /// Intermediate (4 bit 1).
        intermediate: bool,
        /// Blank (4 bit 0).
        blank: bool,
    },
    /// 002Dh.
    CdTrackAtOnce {
        /// BUF (4 bit 6).
        buf: bool,
        /// R-W Raw (4 bit 4).
        rw_raw: bool,
        /// R-W Pack (4 bit 3).
        rw_pack: bool,
        /// Test Write (4 bit 2).
        test_write: bool,
        /// CD-RW (4 bit 1).
        cd_rw: bool,
        /// R-W Sub-code (4 bit 0).
        rw_subcode: bool,
        /// Data types supported (6–7), bit n = data block type n.
        data_types: u16,
    },
    /// 002Eh.
    CdMastering {
        /// BUF (4 bit 6).
        buf: bool,
        /// SAO (4 bit 5).
        sao: bool,
        /// Raw MS (4 bit 4).
        raw_ms: bool,
        /// Raw (4 bit 3).
        raw: bool,
        /// Test Write (4 bit 2).
        test_write: bool,
        /// CD-RW (4 bit 1).
        cd_rw: bool,
        /// R-W (4 bit 0).
        rw: bool,
        /// Maximum cue sheet length (5–7).
        max_cue_sheet_length: u32,
    },
    /// 002Fh.
    DvdMinusRWrite {
        /// BUF (4 bit 6).
        buf: bool,
        /// RDL: dual-layer recording (4 bit 3).
        rdl: bool,
        /// Test Write (4 bit 2).
        test_write: bool,
        /// DVD-RW SL (4 bit 1).
        dvd_rw: bool,
    },
    /// 0033h.
    LayerJumpRecording {
        /// Link sizes (count at 7, sizes from 8, padded to 4 bytes).
        link_sizes: Vec<u8>,
    },
    /// 0037h.
    CdRwMediaWriteSupport {
        /// CD-RW media sub-type support (5), bit n = sub-type n.
        subtypes: u8,
    },
    /// 0038h (4 reserved bytes).
    BdRPow,
    /// 003Ah.
    DvdPlusRwDl {
        /// Write (4 bit 0).
        write: bool,
    },
    /// 003Bh.
    DvdPlusRDl {
        /// Write (4 bit 0).
        write: bool,
    },
    /// 0040h.
    BdRead {
        /// BD-RE read support, classes 0–3 (8–15).
        re: [u16; 4],
        /// BD-R read support, classes 0–3 (16–23).
        r: [u16; 4],
        /// BD-ROM read support, classes 0–3 (24–31).
        rom: [u16; 4],
    },
    /// 0041h.
    BdWrite {
        /// SVNR (4 bit 0).
        svnr: bool,
        /// BD-RE write support, classes 0–3 (8–15).
        re: [u16; 4],
        /// BD-R write support, classes 0–3 (16–23).
        r: [u16; 4],
    },
    /// 0100h (no body).
    PowerManagement,
    /// 0105h.
    Timeout {
        /// Group3 (4 bit 0).
        group3: bool,
        /// Unit length (6–7).
        unit_length: u16,
    },
    /// 0107h.
    RealTimeStreaming {
        /// RBCB: READ BUFFER CAPACITY with Block (4 bit 4).
        rbcb: bool,
        /// SCS: SET CD SPEED (4 bit 3).
        scs: bool,
        /// MP2A: speed descriptors in page 2Ah (4 bit 2).
        mp2a: bool,
        /// WSPD: write speed in GET PERFORMANCE (4 bit 1).
        wspd: bool,
        /// SW: stream writing (4 bit 0).
        sw: bool,
    },
    /// 0108h: the serial number (ASCII; other bytes read as `?`), trailing
    /// spaces and NULs removed (encode pads with spaces to a multiple of 4).
    DriveSerialNumber(String),
    /// 010Ch: firmware date as ASCII "CCYYMMDDhhmmss" (4–17).
    FirmwareInformation {
        /// The 14 ASCII digits.
        date: [u8; 14],
    },
    /// Any feature without a typed body. `code` must not be one of the typed codes.
    Raw {
        /// Feature code.
        code: u16,
        /// Bytes after the 4-byte header.
        data: Vec<u8>,
    },
}

fn bits_of(b: u8) -> [bool; 8] {
    std::array::from_fn(|i| b & (1 << i) != 0)
}

fn byte_of(bits: &[(u8, bool)]) -> u8 {
    bits.iter().fold(0, |acc, &(n, v)| acc | (u8::from(v) << n))
}

fn pad4(n: usize) -> usize {
    n.div_ceil(4) * 4
}

fn classes(d: &[u8], at: usize) -> [u16; 4] {
    std::array::from_fn(|i| be16(d, at + 2 * i))
}

fn put_classes(d: &mut [u8], at: usize, c: &[u16; 4]) {
    for (i, v) in c.iter().enumerate() {
        put16(d, at + 2 * i, *v);
    }
}

impl FeatureBody {
    /// The feature code.
    pub fn code(&self) -> u16 {
        use code::*;
        match self {
            FeatureBody::ProfileList(_) => PROFILE_LIST,
            FeatureBody::Core { .. } => CORE,
            FeatureBody::Morphing { .. } => MORPHING,
            FeatureBody::RemovableMedium { .. } => REMOVABLE_MEDIUM,
            FeatureBody::WriteProtect { .. } => WRITE_PROTECT,
            FeatureBody::RandomReadable { .. } => RANDOM_READABLE,
            FeatureBody::MultiRead => MULTI_READ,
            FeatureBody::CdRead { .. } => CD_READ,
            FeatureBody::DvdRead { .. } => DVD_READ,
            FeatureBody::RandomWritable { .. } => RANDOM_WRITABLE,
            FeatureBody::IncrementalStreamingWritable { .. } => INCREMENTAL_STREAMING_WRITABLE,
            FeatureBody::SectorErasable => SECTOR_ERASABLE,
            FeatureBody::Formattable { .. } => FORMATTABLE,
            FeatureBody::HardwareDefectManagement { .. } => HARDWARE_DEFECT_MANAGEMENT,
            FeatureBody::WriteOnce { .. } => WRITE_ONCE,
            FeatureBody::RestrictedOverwrite => RESTRICTED_OVERWRITE,
            FeatureBody::CdRwCavWrite => CD_RW_CAV_WRITE,
            FeatureBody::Mrw { .. } => MRW,
            FeatureBody::DvdPlusRw { .. } => DVD_PLUS_RW,
            FeatureBody::DvdPlusR { .. } => DVD_PLUS_R,
            FeatureBody::RigidRestrictedOverwrite { .. } => RIGID_RESTRICTED_OVERWRITE,
            FeatureBody::CdTrackAtOnce { .. } => CD_TRACK_AT_ONCE,
            FeatureBody::CdMastering { .. } => CD_MASTERING,
            FeatureBody::DvdMinusRWrite { .. } => DVD_MINUS_R_RW_WRITE,
            FeatureBody::LayerJumpRecording { .. } => LAYER_JUMP_RECORDING,
            FeatureBody::CdRwMediaWriteSupport { .. } => CD_RW_MEDIA_WRITE_SUPPORT,
            FeatureBody::BdRPow => BD_R_POW,
            FeatureBody::DvdPlusRwDl { .. } => DVD_PLUS_RW_DL,
            FeatureBody::DvdPlusRDl { .. } => DVD_PLUS_R_DL,
            FeatureBody::BdRead { .. } => BD_READ,
            FeatureBody::BdWrite { .. } => BD_WRITE,
            FeatureBody::PowerManagement => POWER_MANAGEMENT,
            FeatureBody::Timeout { .. } => TIMEOUT,
            FeatureBody::RealTimeStreaming { .. } => REAL_TIME_STREAMING,
            FeatureBody::DriveSerialNumber(_) => DRIVE_SERIAL_NUMBER,
            FeatureBody::FirmwareInformation { .. } => FIRMWARE_INFORMATION,
            FeatureBody::Raw { code, .. } => *code,
        }
    }

    /// Decodes the body of feature `code` from its payload (descriptor bytes 4
    /// on); returns the body and how many payload bytes its layout covers.
    fn decode(code: u16, payload: &[u8]) -> (FeatureBody, usize) {
        use code::*;
        // `p[i]` is descriptor byte i + 4; short payloads read as zero.
        let fixed = |len: usize| {
            let mut p = payload[..payload.len().min(len)].to_vec();
            p.resize(len, 0);
            p
        };
        let link_sizes = |count_at: usize| {
            let p = fixed(count_at + 1);
            let n = p[count_at] as usize;
            let sizes: Vec<u8> = payload.iter().skip(count_at + 1).take(n).copied().collect();
            (sizes, pad4(count_at + 1 + n))
        };
        let body = match code {
            PROFILE_LIST => {
                let entries = payload
                    .chunks_exact(4)
                    .map(|e| ProfileEntry {
                        profile: Profile::from_code(be16(e, 0)),
                        current: e[2] & 0x01 != 0,
                    })
                    .collect::<Vec<_>>();
                let used = entries.len() * 4;
                return (FeatureBody::ProfileList(entries), used);
            }
            CORE => {
                let p = fixed(8);
                let b = bits_of(p[4]);
                (
                    FeatureBody::Core {
                        interface: be32(&p, 0),
                        inq2: b[2],
                        dbe: b[0],
                    },
                    8,
                )
            }
            MORPHING => {
                let b = bits_of(fixed(4)[0]);
                (
                    FeatureBody::Morphing {
                        oc_event: b[1],
                        asynchronous: b[0],
                    },
                    4,
                )
            }
            REMOVABLE_MEDIUM => {
                let v = fixed(4)[0];
                let b = bits_of(v);
                (
                    FeatureBody::RemovableMedium {
                        mechanism: LoadingMechanism::from_bits(v >> 5),
                        load: b[4],
                        eject: b[3],
                        prevent_jumper: b[2],
                        dbml: b[1],
                        lock: b[0],
                    },
                    4,
                )
            }
            WRITE_PROTECT => {
                let b = bits_of(fixed(4)[0]);
                (
                    FeatureBody::WriteProtect {
                        dwp: b[3],
                        wdcb: b[2],
                        spwp: b[1],
                        sswpp: b[0],
                    },
                    4,
                )
            }
            RANDOM_READABLE => {
                let p = fixed(8);
                (
                    FeatureBody::RandomReadable {
                        block_size: be32(&p, 0),
                        blocking: be16(&p, 4),
                        pp: p[6] & 0x01 != 0,
                    },
                    8,
                )
            }
            MULTI_READ => (FeatureBody::MultiRead, 0),
            CD_READ => {
                let b = bits_of(fixed(4)[0]);
                (
                    FeatureBody::CdRead {
                        dap: b[7],
                        c2_flags: b[1],
                        cd_text: b[0],
                    },
                    4,
                )
            }
            DVD_READ => {
                let p = fixed(4);
                (
                    FeatureBody::DvdRead {
                        multi110: p[0] & 0x01 != 0,
                        dual_rw: p[2] & 0x02 != 0,
                        dual_r: p[2] & 0x01 != 0,
                    },
                    4,
                )
            }
            RANDOM_WRITABLE => {
                let p = fixed(12);
                (
                    FeatureBody::RandomWritable {
                        last_lba: be32(&p, 0),
                        block_size: be32(&p, 4),
                        blocking: be16(&p, 8),
                        pp: p[10] & 0x01 != 0,
                    },
                    12,
                )
            }
            INCREMENTAL_STREAMING_WRITABLE => {
                let p = fixed(4);
                let b = bits_of(p[2]);
                let (sizes, used) = link_sizes(3);
                (
                    FeatureBody::IncrementalStreamingWritable {
                        data_block_types: be16(&p, 0),
                        trio: b[2],
                        arsv: b[1],
                        buf: b[0],
                        link_sizes: sizes,
                    },
                    used,
                )
            }
            SECTOR_ERASABLE => (FeatureBody::SectorErasable, 0),
            FORMATTABLE => {
                let p = fixed(8);
                let b = bits_of(p[0]);
                (
                    FeatureBody::Formattable {
                        renosa: b[3],
                        expand: b[2],
                        qcert: b[1],
                        cert: b[0],
                        rrm: p[4] & 0x01 != 0,
                    },
                    8,
                )
            }
            HARDWARE_DEFECT_MANAGEMENT => (
                FeatureBody::HardwareDefectManagement {
                    ssa: fixed(4)[0] & 0x80 != 0,
                },
                4,
            ),
            WRITE_ONCE => {
                let p = fixed(8);
                (
                    FeatureBody::WriteOnce {
                        block_size: be32(&p, 0),
                        blocking: be16(&p, 4),
                        pp: p[6] & 0x01 != 0,
                    },
                    8,
                )
            }
            RESTRICTED_OVERWRITE => (FeatureBody::RestrictedOverwrite, 0),
            CD_RW_CAV_WRITE => (FeatureBody::CdRwCavWrite, 4),
            MRW => {
                let b = bits_of(fixed(4)[0]);
                (
                    FeatureBody::Mrw {
                        dvd_plus_write: b[2],
                        dvd_plus_read: b[1],
                        write: b[0],
                    },
                    4,
                )
            }
            DVD_PLUS_RW => {
                let p = fixed(4);
                (
                    FeatureBody::DvdPlusRw {
                        write: p[0] & 0x01 != 0,
                        quick_start: p[1] & 0x02 != 0,
                        close_only: p[1] & 0x01 != 0,
                    },
                    4,
                )
            }
            DVD_PLUS_R => (
                FeatureBody::DvdPlusR {
                    write: fixed(4)[0] & 0x01 != 0,
                },
                4,
            ),
            RIGID_RESTRICTED_OVERWRITE => {
                let b = bits_of(fixed(4)[0]);
                (
                    FeatureBody::RigidRestrictedOverwrite {
                        dsdg: b[3],
                        dsdr: b[2],
                        intermediate: b[1],
                        blank: b[0],
                    },
                    4,
                )
            }
            CD_TRACK_AT_ONCE => {
                let p = fixed(4);
                let b = bits_of(p[0]);
                (
                    FeatureBody::CdTrackAtOnce {
                        buf: b[6],
                        rw_raw: b[4],
                        rw_pack: b[3],
                        test_write: b[2],
                        cd_rw: b[1],
                        rw_subcode: b[0],
                        data_types: be16(&p, 2),
                    },
                    4,
                )
            }
            CD_MASTERING => {
                let p = fixed(4);
                let b = bits_of(p[0]);
                (
                    FeatureBody::CdMastering {
                        buf: b[6],
                        sao: b[5],
                        raw_ms: b[4],
                        raw: b[3],
                        test_write: b[2],
                        cd_rw: b[1],
                        rw: b[0],
                        max_cue_sheet_length: be24(&p, 1),
                    },
                    4,
                )
            }
            DVD_MINUS_R_RW_WRITE => {
                let b = bits_of(fixed(4)[0]);
                (
                    FeatureBody::DvdMinusRWrite {
                        buf: b[6],
                        rdl: b[3],
                        test_write: b[2],
                        dvd_rw: b[1],
                    },
                    4,
                )
            }
            LAYER_JUMP_RECORDING => {
                let (sizes, used) = link_sizes(3);
                (FeatureBody::LayerJumpRecording { link_sizes: sizes }, used)
            }
            CD_RW_MEDIA_WRITE_SUPPORT => (
                FeatureBody::CdRwMediaWriteSupport {
                    subtypes: fixed(4)[1],
                },
                4,
            ),
            BD_R_POW => (FeatureBody::BdRPow, 4),
            DVD_PLUS_RW_DL => (
                FeatureBody::DvdPlusRwDl {
                    write: fixed(4)[0] & 0x01 != 0,
                },
                4,
            ),
            DVD_PLUS_R_DL => (
                FeatureBody::DvdPlusRDl {
                    write: fixed(4)[0] & 0x01 != 0,
                },
                4,
            ),
            BD_READ => {
                let p = fixed(28);
                (
                    FeatureBody::BdRead {
                        re: classes(&p, 4),
                        r: classes(&p, 12),
                        rom: classes(&p, 20),
                    },
                    28,
                )
            }
            BD_WRITE => {
                let p = fixed(20);
                (
                    FeatureBody::BdWrite {
                        svnr: p[0] & 0x01 != 0,
                        re: classes(&p, 4),
                        r: classes(&p, 12),
                    },
                    20,
                )
            }
            POWER_MANAGEMENT => (FeatureBody::PowerManagement, 0),
            TIMEOUT => {
                let p = fixed(4);
                (
                    FeatureBody::Timeout {
                        group3: p[0] & 0x01 != 0,
                        unit_length: be16(&p, 2),
                    },
                    4,
                )
            }
            REAL_TIME_STREAMING => {
                let b = bits_of(fixed(4)[0]);
                (
                    FeatureBody::RealTimeStreaming {
                        rbcb: b[4],
                        scs: b[3],
                        mp2a: b[2],
                        wspd: b[1],
                        sw: b[0],
                    },
                    4,
                )
            }
            DRIVE_SERIAL_NUMBER => {
                let text = crate::inquiry::ascii_text(payload);
                let serial = text.trim_end_matches([' ', '\0']).to_string();
                return (FeatureBody::DriveSerialNumber(serial), payload.len());
            }
            FIRMWARE_INFORMATION => {
                let p = fixed(16);
                let mut date = [0u8; 14];
                date.copy_from_slice(&p[..14]);
                (FeatureBody::FirmwareInformation { date }, 16)
            }
            other => {
                return (
                    FeatureBody::Raw {
                        code: other,
                        data: payload.to_vec(),
                    },
                    payload.len(),
                )
            }
        };
        let (body, used) = body;
        (body, used.min(payload.len()))
    }

    /// The payload bytes of this body (descriptor bytes 4 on).
    fn encode(&self) -> Vec<u8> {
        let with_links = |head: [u8; 3], sizes: &[u8]| {
            let sizes = &sizes[..sizes.len().min(0xFF)];
            let mut p = vec![head[0], head[1], head[2], sizes.len() as u8];
            p.extend_from_slice(sizes);
            p.resize(pad4(p.len()), 0);
            p
        };
        match self {
            FeatureBody::ProfileList(entries) => {
                let mut p = Vec::with_capacity(entries.len() * 4);
                for e in entries {
                    let [hi, lo] = e.profile.code().to_be_bytes();
                    p.extend_from_slice(&[hi, lo, u8::from(e.current), 0]);
                }
                p
            }
            FeatureBody::Core {
                interface,
                inq2,
                dbe,
            } => {
                let mut p = vec![0u8; 8];
                put32(&mut p, 0, *interface);
                p[4] = byte_of(&[(2, *inq2), (0, *dbe)]);
                p
            }
            FeatureBody::Morphing {
                oc_event,
                asynchronous,
            } => {
                vec![byte_of(&[(1, *oc_event), (0, *asynchronous)]), 0, 0, 0]
            }
            FeatureBody::RemovableMedium {
                mechanism,
                load,
                eject,
                prevent_jumper,
                dbml,
                lock,
            } => {
                let v = (mechanism.bits() << 5)
                    | byte_of(&[
                        (4, *load),
                        (3, *eject),
                        (2, *prevent_jumper),
                        (1, *dbml),
                        (0, *lock),
                    ]);
                vec![v, 0, 0, 0]
            }
            FeatureBody::WriteProtect {
                dwp,
                wdcb,
                spwp,
                sswpp,
            } => {
                vec![
                    byte_of(&[(3, *dwp), (2, *wdcb), (1, *spwp), (0, *sswpp)]),
                    0,
                    0,
                    0,
                ]
            }
            FeatureBody::RandomReadable {
                block_size,
                blocking,
                pp,
            } => {
                let mut p = vec![0u8; 8];
                put32(&mut p, 0, *block_size);
                put16(&mut p, 4, *blocking);
                p[6] = u8::from(*pp);
                p
            }
            FeatureBody::MultiRead
            | FeatureBody::SectorErasable
            | FeatureBody::RestrictedOverwrite
            | FeatureBody::PowerManagement => Vec::new(),
            FeatureBody::CdRead {
                dap,
                c2_flags,
                cd_text,
            } => {
                vec![
                    byte_of(&[(7, *dap), (1, *c2_flags), (0, *cd_text)]),
                    0,
                    0,
                    0,
                ]
            }
            FeatureBody::DvdRead {
                multi110,
                dual_rw,
                dual_r,
            } => {
                vec![
                    u8::from(*multi110),
                    0,
                    byte_of(&[(1, *dual_rw), (0, *dual_r)]),
                    0,
                ]
            }
            FeatureBody::RandomWritable {
                last_lba,
                block_size,
                blocking,
                pp,
            } => {
                let mut p = vec![0u8; 12];
                put32(&mut p, 0, *last_lba);
                put32(&mut p, 4, *block_size);
                put16(&mut p, 8, *blocking);
                p[10] = u8::from(*pp);
                p
            }
            FeatureBody::IncrementalStreamingWritable {
                data_block_types,
                trio,
                arsv,
                buf,
                link_sizes,
            } => {
                let [hi, lo] = data_block_types.to_be_bytes();
                with_links(
                    [hi, lo, byte_of(&[(2, *trio), (1, *arsv), (0, *buf)])],
                    link_sizes,
                )
            }
            FeatureBody::Formattable {
                renosa,
                expand,
                qcert,
                cert,
                rrm,
            } => {
                let mut p = vec![0u8; 8];
                p[0] = byte_of(&[(3, *renosa), (2, *expand), (1, *qcert), (0, *cert)]);
                p[4] = u8::from(*rrm);
                p
            }
            FeatureBody::HardwareDefectManagement { ssa } => vec![u8::from(*ssa) << 7, 0, 0, 0],
            FeatureBody::WriteOnce {
                block_size,
                blocking,
                pp,
            } => {
                let mut p = vec![0u8; 8];
                put32(&mut p, 0, *block_size);
                put16(&mut p, 4, *blocking);
                p[6] = u8::from(*pp);
                p
            }
            FeatureBody::CdRwCavWrite | FeatureBody::BdRPow => vec![0; 4],
            FeatureBody::Mrw {
                dvd_plus_write,
                dvd_plus_read,
                write,
            } => {
                vec![
                    byte_of(&[(2, *dvd_plus_write), (1, *dvd_plus_read), (0, *write)]),
                    0,
                    0,
                    0,
                ]
            }
            FeatureBody::DvdPlusRw {
                write,
                quick_start,
                close_only,
            } => {
                vec![
                    u8::from(*write),
                    byte_of(&[(1, *quick_start), (0, *close_only)]),
                    0,
                    0,
                ]
            }
            FeatureBody::DvdPlusR { write }
            | FeatureBody::DvdPlusRwDl { write }
            | FeatureBody::DvdPlusRDl { write } => vec![u8::from(*write), 0, 0, 0],
            FeatureBody::RigidRestrictedOverwrite {
                dsdg,
                dsdr,
                intermediate,
                blank,
            } => {
                vec![
                    byte_of(&[(3, *dsdg), (2, *dsdr), (1, *intermediate), (0, *blank)]),
                    0,
                    0,
                    0,
                ]
            }
            FeatureBody::CdTrackAtOnce {
                buf,
                rw_raw,
                rw_pack,
                test_write,
                cd_rw,
                rw_subcode,
                data_types,
            } => {
                let [hi, lo] = data_types.to_be_bytes();
                let v = byte_of(&[
                    (6, *buf),
                    (4, *rw_raw),
                    (3, *rw_pack),
                    (2, *test_write),
                    (1, *cd_rw),
                    (0, *rw_subcode),
                ]);
                vec![v, 0, hi, lo]
            }
            FeatureBody::CdMastering {
                buf,
                sao,
                raw_ms,
                raw,
                test_write,
                cd_rw,
                rw,
                max_cue_sheet_length,
            } => {
                let mut p = vec![0u8; 4];
                p[0] = byte_of(&[
                    (6, *buf),
                    (5, *sao),
                    (4, *raw_ms),
                    (3, *raw),
                    (2, *test_write),
                    (1, *cd_rw),
                    (0, *rw),
                ]);
                put24(&mut p, 1, *max_cue_sheet_length);
                p
            }
            FeatureBody::DvdMinusRWrite {
                buf,
                rdl,
                test_write,
                dvd_rw,
            } => {
                vec![
                    byte_of(&[(6, *buf), (3, *rdl), (2, *test_write), (1, *dvd_rw)]),
                    0,
                    0,
                    0,
                ]
            }
            FeatureBody::LayerJumpRecording { link_sizes } => with_links([0, 0, 0], link_sizes),
            FeatureBody::CdRwMediaWriteSupport { subtypes } => vec![0, *subtypes, 0, 0],
            FeatureBody::BdRead { re, r, rom } => {
                let mut p = vec![0u8; 28];
                put_classes(&mut p, 4, re);
                put_classes(&mut p, 12, r);
                put_classes(&mut p, 20, rom);
                p
            }
            FeatureBody::BdWrite { svnr, re, r } => {
                let mut p = vec![0u8; 20];
                p[0] = u8::from(*svnr);
                put_classes(&mut p, 4, re);
                put_classes(&mut p, 12, r);
                p
            }
            FeatureBody::Timeout {
                group3,
                unit_length,
            } => {
                let [hi, lo] = unit_length.to_be_bytes();
                vec![u8::from(*group3), 0, hi, lo]
            }
            FeatureBody::RealTimeStreaming {
                rbcb,
                scs,
                mp2a,
                wspd,
                sw,
            } => {
                vec![
                    byte_of(&[(4, *rbcb), (3, *scs), (2, *mp2a), (1, *wspd), (0, *sw)]),
                    0,
                    0,
                    0,
                ]
            }
            FeatureBody::DriveSerialNumber(serial) => {
                let mut p = crate::inquiry::ascii_bytes(serial);
                p.resize(pad4(p.len()), b' ');
                p
            }
            FeatureBody::FirmwareInformation { date } => {
                let mut p = date.to_vec();
                p.resize(16, 0);
                p
            }
            FeatureBody::Raw { data, .. } => data.clone(),
        }
    }
}

/// One feature descriptor (MMC-6 §5.3.1, table 88).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FeatureDescriptor {
    /// Version (byte 2 bits 5–2).
    pub version: u8,
    /// Persistent (byte 2 bit 1): the feature is always current.
    pub persistent: bool,
    /// Current (byte 2 bit 0): the feature applies to the loaded medium.
    pub current: bool,
    /// The body.
    pub body: FeatureBody,
    /// Bytes beyond the layout the body knows (a newer feature version).
    pub extra: Vec<u8>,
}

impl FeatureDescriptor {
    /// A descriptor with no extra bytes.
    pub fn new(
        body: FeatureBody,
        version: u8,
        persistent: bool,
        current: bool,
    ) -> FeatureDescriptor {
        FeatureDescriptor {
            version,
            persistent,
            current,
            body,
            extra: Vec::new(),
        }
    }

    /// The feature code.
    pub fn code(&self) -> u16 {
        self.body.code()
    }

    /// Decodes the descriptor at the start of `bytes`; returns it and its
    /// length, or `None` when `bytes` does not hold it whole.
    pub fn decode_prefix(bytes: &[u8]) -> Option<(FeatureDescriptor, usize)> {
        if bytes.len() < 4 {
            return None;
        }
        let len = 4 + bytes[3] as usize;
        if bytes.len() < len {
            return None;
        }
        let payload = &bytes[4..len];
        let (body, used) = FeatureBody::decode(be16(bytes, 0), payload);
        let d = FeatureDescriptor {
            version: (bytes[2] >> 2) & 0x0F,
            persistent: bytes[2] & 0x02 != 0,
            current: bytes[2] & 0x01 != 0,
            body,
            extra: payload[used..].to_vec(),
        };
        Some((d, len))
    }

    /// The descriptor bytes. The additional length is one byte: payloads
    /// longer than 255 bytes are cut (a Profile List holds at most 63 profiles).
    pub fn encode(&self) -> Vec<u8> {
        let mut payload = self.body.encode();
        payload.extend_from_slice(&self.extra);
        payload.truncate(0xFF);
        let mut out = vec![0u8; 4];
        put16(&mut out, 0, self.code());
        out[2] = ((self.version & 0x0F) << 2)
            | (u8::from(self.persistent) << 1)
            | u8::from(self.current);
        out[3] = payload.len() as u8;
        out.extend_from_slice(&payload);
        out
    }
}

/// The 8-byte feature header alone (what a first 8-byte GET CONFIGURATION returns).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ConfigurationHeader {
    /// Data length (bytes 0–3): bytes that follow this field in the full reply.
    pub data_length: u32,
    /// Current profile (bytes 6–7).
    pub current_profile: Profile,
}

impl ConfigurationHeader {
    /// Decodes the header.
    pub fn decode(bytes: &[u8]) -> Result<ConfigurationHeader, DecodeError> {
        need("feature header", bytes, 8)?;
        Ok(ConfigurationHeader {
            data_length: be32(bytes, 0),
            current_profile: Profile::from_code(be16(bytes, 6)),
        })
    }

    /// Encodes the header.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = vec![0u8; 8];
        put32(&mut out, 0, self.data_length);
        put16(&mut out, 6, self.current_profile.code());
        out
    }
}

/// A GET CONFIGURATION reply: the current profile and the feature descriptors.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Configuration {
    /// Current profile.
    pub current_profile: Profile,
    /// Feature descriptors in reply order.
    pub features: Vec<FeatureDescriptor>,
    /// Set by decode when the data length promised more than arrived, or the
    /// last descriptor was cut; ignored by encode.
    pub truncated: bool,
}

impl Configuration {
    /// Decodes a reply: the header and every whole descriptor.
    pub fn decode(bytes: &[u8]) -> Result<Configuration, DecodeError> {
        let header = ConfigurationHeader::decode(bytes)?;
        let declared = (header.data_length as usize).saturating_add(4);
        let end = bytes.len().min(declared).max(8);
        let mut truncated = declared > bytes.len();
        let mut features = Vec::new();
        let mut at = 8;
        while at < end {
            match FeatureDescriptor::decode_prefix(&bytes[at..end]) {
                Some((d, len)) => {
                    features.push(d);
                    at += len;
                }
                None => {
                    truncated = true;
                    break;
                }
            }
        }
        Ok(Configuration {
            current_profile: header.current_profile,
            features,
            truncated,
        })
    }

    /// The whole reply (the emulator truncates it to the allocation length).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = vec![0u8; 8];
        for f in &self.features {
            out.extend_from_slice(&f.encode());
        }
        let header = ConfigurationHeader {
            data_length: (out.len() - 4) as u32,
            current_profile: self.current_profile,
        };
        out[..8].copy_from_slice(&header.encode());
        out
    }

    /// The descriptor of feature `code`, if reported.
    pub fn feature(&self, code: u16) -> Option<&FeatureDescriptor> {
        self.features.iter().find(|f| f.code() == code)
    }

    /// True when feature `code` is reported with its Current bit set.
    pub fn is_current(&self, code: u16) -> bool {
        self.feature(code).is_some_and(|f| f.current)
    }

    /// The entries of the Profile List feature (empty if not reported).
    pub fn profiles(&self) -> &[ProfileEntry] {
        match self.feature(code::PROFILE_LIST).map(|f| &f.body) {
            Some(FeatureBody::ProfileList(list)) => list,
            _ => &[],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn longer_descriptor_keeps_extra_bytes() {
        // Random Readable with 4 bytes more than the 8-byte layout.
        let b = [
            0x00, 0x10, 0x03, 12, 0, 0, 8, 0, 0, 16, 1, 0, 0xAA, 0xBB, 0xCC, 0xDD,
        ];
        let (d, len) = FeatureDescriptor::decode_prefix(&b).unwrap();
        assert_eq!(len, 16);
        assert_eq!(
            d.body,
            FeatureBody::RandomReadable {
                block_size: 2048,
                blocking: 16,
                pp: true
            }
        );
        assert_eq!(d.extra, vec![0xAA, 0xBB, 0xCC, 0xDD]);
        assert_eq!(d.encode(), b.to_vec());
    }

    #[test]
    fn shorter_descriptor_reads_zeros() {
        // Core version 0: 4-byte payload, no DBE byte.
        let b = [0x00, 0x01, 0x03, 4, 0, 0, 0, 2];
        let (d, _) = FeatureDescriptor::decode_prefix(&b).unwrap();
        assert_eq!(
            d.body,
            FeatureBody::Core {
                interface: 2,
                inq2: false,
                dbe: false
            }
        );
        assert!(d.extra.is_empty());
    }

    #[test]
    fn truncated_reply_keeps_whole_descriptors() {
        let c = Configuration {
            current_profile: Profile::CdR,
            features: vec![
                FeatureDescriptor::new(
                    FeatureBody::ProfileList(vec![ProfileEntry {
                        profile: Profile::CdR,
                        current: true,
                    }]),
                    0,
                    true,
                    true,
                ),
                FeatureDescriptor::new(FeatureBody::MultiRead, 0, false, true),
            ],
            truncated: false,
        };
        let full = c.encode();
        assert_eq!(Configuration::decode(&full).unwrap(), c);
        let cut = Configuration::decode(&full[..14]).unwrap();
        assert!(cut.truncated);
        assert!(cut.features.is_empty());
        let cut = Configuration::decode(&full[..16]).unwrap();
        assert!(cut.truncated);
        assert_eq!(cut.features.len(), 1);
        assert_eq!(cut.profiles().len(), 1);
    }

    #[test]
    fn link_sizes_are_padded() {
        let d = FeatureDescriptor::new(
            FeatureBody::IncrementalStreamingWritable {
                data_block_types: 0x0101,
                trio: false,
                arsv: true,
                buf: true,
                link_sizes: vec![7],
            },
            1,
            false,
            true,
        );
        let b = d.encode();
        assert_eq!(
            b,
            vec![0x00, 0x21, 0x05, 8, 0x01, 0x01, 0x03, 1, 7, 0, 0, 0]
        );
        assert_eq!(FeatureDescriptor::decode_prefix(&b).unwrap().0, d);
    }
}
