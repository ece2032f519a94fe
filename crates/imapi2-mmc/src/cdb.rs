//! Command descriptor blocks of the MMC command set (MMC-6 §6, SPC-4 §6,
//! SBC-3 for READ/WRITE/VERIFY), both directions.
//!
//! The initiator builds a [`Command`] and sends [`Command::encode`]; the
//! virtual recorder receives bytes and calls [`Command::decode`]. Decoding is
//! deliberately lenient about reserved bits and reserved field values (they are
//! kept in `Reserved` variants or ignored, so the emulator can answer
//! 05/24/00 itself), and strict about length: a CDB shorter than its
//! operation code's length is an error, and so is an operation code this
//! layer does not know. The control byte (last byte) is written as zero and
//! ignored on decode.

use crate::codec::{be16, be24, be32, put16, put24, put32, DecodeError};
use crate::mode::PageControl;
use crate::performance::RotationControl;

/// Operation codes (MMC-6 table 11, SPC-4, SBC-3).
pub mod opcode {
    /// TEST UNIT READY.
    pub const TEST_UNIT_READY: u8 = 0x00;
    /// REQUEST SENSE.
    pub const REQUEST_SENSE: u8 = 0x03;
    /// FORMAT UNIT.
    pub const FORMAT_UNIT: u8 = 0x04;
    /// READ(6).
    pub const READ_6: u8 = 0x08;
    /// INQUIRY.
    pub const INQUIRY: u8 = 0x12;
    /// MODE SELECT(6).
    pub const MODE_SELECT_6: u8 = 0x15;
    /// MODE SENSE(6).
    pub const MODE_SENSE_6: u8 = 0x1A;
    /// START STOP UNIT.
    pub const START_STOP_UNIT: u8 = 0x1B;
    /// PREVENT ALLOW MEDIUM REMOVAL.
    pub const PREVENT_ALLOW_MEDIUM_REMOVAL: u8 = 0x1E;
    /// READ FORMAT CAPACITIES.
    pub const READ_FORMAT_CAPACITIES: u8 = 0x23;
    /// READ CAPACITY(10).
    pub const READ_CAPACITY: u8 = 0x25;
    /// READ(10).
    pub const READ_10: u8 = 0x28;
    /// WRITE(10).
    pub const WRITE_10: u8 = 0x2A;
    /// WRITE AND VERIFY(10).
    pub const WRITE_AND_VERIFY_10: u8 = 0x2E;
    /// VERIFY(10).
    pub const VERIFY_10: u8 = 0x2F;
    /// SYNCHRONIZE CACHE(10).
    pub const SYNCHRONIZE_CACHE: u8 = 0x35;
    /// READ TOC/PMA/ATIP.
    pub const READ_TOC_PMA_ATIP: u8 = 0x43;
    /// GET CONFIGURATION.
    pub const GET_CONFIGURATION: u8 = 0x46;
    /// GET EVENT STATUS NOTIFICATION.
    pub const GET_EVENT_STATUS_NOTIFICATION: u8 = 0x4A;
    /// READ DISC INFORMATION.
    pub const READ_DISC_INFORMATION: u8 = 0x51;
    /// READ TRACK INFORMATION.
    pub const READ_TRACK_INFORMATION: u8 = 0x52;
    /// RESERVE TRACK.
    pub const RESERVE_TRACK: u8 = 0x53;
    /// SEND OPC INFORMATION.
    pub const SEND_OPC_INFORMATION: u8 = 0x54;
    /// MODE SELECT(10).
    pub const MODE_SELECT_10: u8 = 0x55;
    /// MODE SENSE(10).
    pub const MODE_SENSE_10: u8 = 0x5A;
    /// CLOSE TRACK/SESSION.
    pub const CLOSE_TRACK_SESSION: u8 = 0x5B;
    /// READ BUFFER CAPACITY.
    pub const READ_BUFFER_CAPACITY: u8 = 0x5C;
    /// SEND CUE SHEET.
    pub const SEND_CUE_SHEET: u8 = 0x5D;
    /// BLANK.
    pub const BLANK: u8 = 0xA1;
    /// READ(12).
    pub const READ_12: u8 = 0xA8;
    /// WRITE(12).
    pub const WRITE_12: u8 = 0xAA;
    /// GET PERFORMANCE.
    pub const GET_PERFORMANCE: u8 = 0xAC;
    /// READ DISC STRUCTURE.
    pub const READ_DISC_STRUCTURE: u8 = 0xAD;
    /// SET STREAMING.
    pub const SET_STREAMING: u8 = 0xB6;
    /// SET CD SPEED.
    pub const SET_CD_SPEED: u8 = 0xBB;
    /// MECHANISM STATUS.
    pub const MECHANISM_STATUS: u8 = 0xBD;
    /// READ CD.
    pub const READ_CD: u8 = 0xBE;
    /// SEND DISC STRUCTURE.
    pub const SEND_DISC_STRUCTURE: u8 = 0xBF;
}

/// Which way data moves for a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DataDirection {
    /// No data phase.
    None,
    /// From the drive to the host.
    In,
    /// From the host to the drive.
    Out,
}

/// READ TOC/PMA/ATIP format (CDB byte 2 bits 3–0; MMC-6 §6.32, table 477).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TocFormat {
    /// 0h: formatted TOC.
    Formatted,
    /// 1h: multisession information.
    Multisession,
    /// 2h: raw TOC.
    Raw,
    /// 3h: PMA.
    Pma,
    /// 4h: ATIP.
    Atip,
    /// 5h: CD-TEXT.
    CdText,
    /// 6h–Fh: reserved.
    Reserved(u8),
}

impl TocFormat {
    /// From the low four bits of `b`.
    pub fn from_bits(b: u8) -> TocFormat {
        match b & 0x0F {
            0 => TocFormat::Formatted,
            1 => TocFormat::Multisession,
            2 => TocFormat::Raw,
            3 => TocFormat::Pma,
            4 => TocFormat::Atip,
            5 => TocFormat::CdText,
            other => TocFormat::Reserved(other),
        }
    }

    /// The four-bit value.
    pub fn bits(self) -> u8 {
        match self {
            TocFormat::Formatted => 0,
            TocFormat::Multisession => 1,
            TocFormat::Raw => 2,
            TocFormat::Pma => 3,
            TocFormat::Atip => 4,
            TocFormat::CdText => 5,
            TocFormat::Reserved(b) => b & 0x0F,
        }
    }
}

/// GET CONFIGURATION request type RT (CDB byte 1 bits 1–0; MMC-6 §6.6.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConfigurationRequest {
    /// 00b: all features from the starting feature on.
    All,
    /// 01b: only features with the Current bit set, from the starting feature on.
    Current,
    /// 10b: only the starting feature.
    One,
    /// 11b: reserved.
    Reserved,
}

impl ConfigurationRequest {
    /// From the low two bits of `b`.
    pub fn from_bits(b: u8) -> ConfigurationRequest {
        match b & 0x03 {
            0 => ConfigurationRequest::All,
            1 => ConfigurationRequest::Current,
            2 => ConfigurationRequest::One,
            _ => ConfigurationRequest::Reserved,
        }
    }

    /// The two-bit value.
    pub fn bits(self) -> u8 {
        match self {
            ConfigurationRequest::All => 0,
            ConfigurationRequest::Current => 1,
            ConfigurationRequest::One => 2,
            ConfigurationRequest::Reserved => 3,
        }
    }
}

/// READ DISC INFORMATION data type (CDB byte 1 bits 2–0; MMC-6 §6.22.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DiscInformationType {
    /// 000b: standard disc information.
    Standard,
    /// 001b: track resources information.
    TrackResources,
    /// 010b: POW resources information.
    PowResources,
    /// 011b–111b: reserved.
    Reserved(u8),
}

impl DiscInformationType {
    /// From the low three bits of `b`.
    pub fn from_bits(b: u8) -> DiscInformationType {
        match b & 0x07 {
            0 => DiscInformationType::Standard,
            1 => DiscInformationType::TrackResources,
            2 => DiscInformationType::PowResources,
            other => DiscInformationType::Reserved(other),
        }
    }

    /// The three-bit value.
    pub fn bits(self) -> u8 {
        match self {
            DiscInformationType::Standard => 0,
            DiscInformationType::TrackResources => 1,
            DiscInformationType::PowResources => 2,
            DiscInformationType::Reserved(b) => b & 0x07,
        }
    }
}

/// What the number of READ TRACK INFORMATION names (CDB byte 1 bits 1–0;
/// MMC-6 §6.27.2.2, table 545).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TrackAddressType {
    /// 00b: the track containing this LBA.
    Lba,
    /// 01b: this logical track number (FFh: the invisible/incomplete track on CD, DVD+R).
    Track,
    /// 10b: the first track of this session number.
    Session,
    /// 11b: reserved.
    Reserved,
}

impl TrackAddressType {
    /// From the low two bits of `b`.
    pub fn from_bits(b: u8) -> TrackAddressType {
        match b & 0x03 {
            0 => TrackAddressType::Lba,
            1 => TrackAddressType::Track,
            2 => TrackAddressType::Session,
            _ => TrackAddressType::Reserved,
        }
    }

    /// The two-bit value.
    pub fn bits(self) -> u8 {
        match self {
            TrackAddressType::Lba => 0,
            TrackAddressType::Track => 1,
            TrackAddressType::Session => 2,
            TrackAddressType::Reserved => 3,
        }
    }
}

/// The reservation parameter of RESERVE TRACK (MMC-6 §6.31).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TrackReservation {
    /// ARSV=0: reserve this many blocks for the invisible track (CDB bytes 5–8).
    Size(u32),
    /// ARSV=1: reserve up to (not including) this LBA (CDB bytes 2–5).
    Lba(u32),
}

/// CLOSE TRACK/SESSION close function (CDB byte 2 bits 2–0; MMC-6 §6.3.2.2).
/// The meaning of each code depends on the profile; the names give the usual one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CloseFunction {
    /// 000b: quick stop of a DVD+RW background format.
    StopBackgroundFormat,
    /// 001b: close the logical track.
    Track,
    /// 010b: close the session (finalizes CD/DVD-R when page 05h says no next
    /// session); stops a DVD+RW background format compatibly.
    Session,
    /// 011b: DVD+RW compatible stop of background format; DVD-RW finalize.
    StopBackgroundFormatCompatible,
    /// 100b: DVD+R DL close session with extended lead-out.
    SessionExtendedLeadOut,
    /// 101b: finalize DVD+R/DVD+R DL with minimal radius.
    FinalizeMinimalRadius,
    /// 110b: finalize (DVD+R, DVD+R DL, BD-R).
    Finalize,
    /// 111b: reserved.
    Reserved,
}

impl CloseFunction {
    /// From the low three bits of `b`.
    pub fn from_bits(b: u8) -> CloseFunction {
        match b & 0x07 {
            0 => CloseFunction::StopBackgroundFormat,
            1 => CloseFunction::Track,
            2 => CloseFunction::Session,
            3 => CloseFunction::StopBackgroundFormatCompatible,
            4 => CloseFunction::SessionExtendedLeadOut,
            5 => CloseFunction::FinalizeMinimalRadius,
            6 => CloseFunction::Finalize,
            _ => CloseFunction::Reserved,
        }
    }

    /// The three-bit value.
    pub fn bits(self) -> u8 {
        match self {
            CloseFunction::StopBackgroundFormat => 0,
            CloseFunction::Track => 1,
            CloseFunction::Session => 2,
            CloseFunction::StopBackgroundFormatCompatible => 3,
            CloseFunction::SessionExtendedLeadOut => 4,
            CloseFunction::FinalizeMinimalRadius => 5,
            CloseFunction::Finalize => 6,
            CloseFunction::Reserved => 7,
        }
    }
}

/// BLANK blanking type (CDB byte 1 bits 2–0; MMC-6 §6.2.2, table 29).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BlankType {
    /// 000b: blank the whole disc.
    Full,
    /// 001b: minimal blank (PMA, first session TOC, first track pre-gap).
    Minimal,
    /// 010b: blank a track.
    Track,
    /// 011b: unreserve a track.
    UnreserveTrack,
    /// 100b: blank a track tail.
    TrackTail,
    /// 101b: unclose the last session.
    UncloseLastSession,
    /// 110b: blank the last session.
    Session,
    /// 111b: reserved.
    Reserved,
}

impl BlankType {
    /// From the low three bits of `b`.
    pub fn from_bits(b: u8) -> BlankType {
        match b & 0x07 {
            0 => BlankType::Full,
            1 => BlankType::Minimal,
            2 => BlankType::Track,
            3 => BlankType::UnreserveTrack,
            4 => BlankType::TrackTail,
            5 => BlankType::UncloseLastSession,
            6 => BlankType::Session,
            _ => BlankType::Reserved,
        }
    }

    /// The three-bit value.
    pub fn bits(self) -> u8 {
        match self {
            BlankType::Full => 0,
            BlankType::Minimal => 1,
            BlankType::Track => 2,
            BlankType::UnreserveTrack => 3,
            BlankType::TrackTail => 4,
            BlankType::UncloseLastSession => 5,
            BlankType::Session => 6,
            BlankType::Reserved => 7,
        }
    }
}

/// GET PERFORMANCE type (CDB byte 10; MMC-6 §6.8.2, table 250).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PerformanceType {
    /// 00h: performance data (nominal or exceptions).
    Performance,
    /// 01h: unusable area data.
    UnusableArea,
    /// 02h: defect status data.
    DefectStatus,
    /// 03h: write speed descriptors.
    WriteSpeed,
    /// 04h: DBI.
    Dbi,
    /// 05h: DBI cache zone.
    DbiCacheZone,
    /// Any other type.
    Other(u8),
}

impl PerformanceType {
    /// From the byte.
    pub fn from_u8(b: u8) -> PerformanceType {
        match b {
            0 => PerformanceType::Performance,
            1 => PerformanceType::UnusableArea,
            2 => PerformanceType::DefectStatus,
            3 => PerformanceType::WriteSpeed,
            4 => PerformanceType::Dbi,
            5 => PerformanceType::DbiCacheZone,
            other => PerformanceType::Other(other),
        }
    }

    /// The byte.
    pub fn to_u8(self) -> u8 {
        match self {
            PerformanceType::Performance => 0,
            PerformanceType::UnusableArea => 1,
            PerformanceType::DefectStatus => 2,
            PerformanceType::WriteSpeed => 3,
            PerformanceType::Dbi => 4,
            PerformanceType::DbiCacheZone => 5,
            PerformanceType::Other(b) => b,
        }
    }
}

/// READ CD expected sector type (CDB byte 1 bits 4–2; MMC-6 §6.19.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SectorType {
    /// 000b: any type.
    Any,
    /// 001b: CD-DA.
    CdDa,
    /// 010b: mode 1.
    Mode1,
    /// 011b: mode 2 formless.
    Mode2Formless,
    /// 100b: mode 2 form 1.
    Mode2Form1,
    /// 101b: mode 2 form 2.
    Mode2Form2,
    /// 110b, 111b: reserved.
    Reserved(u8),
}

impl SectorType {
    /// From the low three bits of `b`.
    pub fn from_bits(b: u8) -> SectorType {
        match b & 0x07 {
            0 => SectorType::Any,
            1 => SectorType::CdDa,
            2 => SectorType::Mode1,
            3 => SectorType::Mode2Formless,
            4 => SectorType::Mode2Form1,
            5 => SectorType::Mode2Form2,
            other => SectorType::Reserved(other),
        }
    }

    /// The three-bit value.
    pub fn bits(self) -> u8 {
        match self {
            SectorType::Any => 0,
            SectorType::CdDa => 1,
            SectorType::Mode1 => 2,
            SectorType::Mode2Formless => 3,
            SectorType::Mode2Form1 => 4,
            SectorType::Mode2Form2 => 5,
            SectorType::Reserved(b) => b & 0x07,
        }
    }
}

/// READ CD header codes (CDB byte 9 bits 6–5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HeaderCodes {
    /// 00b: no header information.
    None,
    /// 01b: the 4-byte header.
    Header,
    /// 10b: the 8-byte mode 2 sub-header.
    SubHeader,
    /// 11b: header and sub-header.
    All,
}

impl HeaderCodes {
    /// From the low two bits of `b`.
    pub fn from_bits(b: u8) -> HeaderCodes {
        match b & 0x03 {
            0 => HeaderCodes::None,
            1 => HeaderCodes::Header,
            2 => HeaderCodes::SubHeader,
            _ => HeaderCodes::All,
        }
    }

    /// The two-bit value.
    pub fn bits(self) -> u8 {
        match self {
            HeaderCodes::None => 0,
            HeaderCodes::Header => 1,
            HeaderCodes::SubHeader => 2,
            HeaderCodes::All => 3,
        }
    }
}

/// READ CD C2 error information (CDB byte 9 bits 2–1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum C2ErrorInfo {
    /// 00b: none.
    None,
    /// 01b: C2 error bits (294 bytes).
    C2Bits,
    /// 10b: C2 error bits and block error byte (296 bytes).
    C2AndBlockBits,
    /// 11b: reserved.
    Reserved,
}

impl C2ErrorInfo {
    /// From the low two bits of `b`.
    pub fn from_bits(b: u8) -> C2ErrorInfo {
        match b & 0x03 {
            0 => C2ErrorInfo::None,
            1 => C2ErrorInfo::C2Bits,
            2 => C2ErrorInfo::C2AndBlockBits,
            _ => C2ErrorInfo::Reserved,
        }
    }

    /// The two-bit value.
    pub fn bits(self) -> u8 {
        match self {
            C2ErrorInfo::None => 0,
            C2ErrorInfo::C2Bits => 1,
            C2ErrorInfo::C2AndBlockBits => 2,
            C2ErrorInfo::Reserved => 3,
        }
    }
}

/// READ CD sub-channel data selection (CDB byte 10 bits 2–0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SubChannelSelection {
    /// 000b: no sub-channel data.
    None,
    /// 001b: raw P–W (96 bytes).
    RawPw,
    /// 010b: formatted Q (16 bytes).
    Q,
    /// 100b: corrected and de-interleaved R–W (96 bytes).
    CorrectedRw,
    /// 011b, 101b–111b: reserved.
    Reserved(u8),
}

impl SubChannelSelection {
    /// From the low three bits of `b`.
    pub fn from_bits(b: u8) -> SubChannelSelection {
        match b & 0x07 {
            0 => SubChannelSelection::None,
            1 => SubChannelSelection::RawPw,
            2 => SubChannelSelection::Q,
            4 => SubChannelSelection::CorrectedRw,
            other => SubChannelSelection::Reserved(other),
        }
    }

    /// The three-bit value.
    pub fn bits(self) -> u8 {
        match self {
            SubChannelSelection::None => 0,
            SubChannelSelection::RawPw => 1,
            SubChannelSelection::Q => 2,
            SubChannelSelection::CorrectedRw => 4,
            SubChannelSelection::Reserved(b) => b & 0x07,
        }
    }
}

/// One MMC command with its CDB fields.
///
/// Fields narrower than their Rust type (a 3-bit format code in a `u8`, a
/// 24-bit length in a `u32`) are masked on encode; values that only
/// round-trip when they fit are documented on the field.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Command {
    /// 00h TEST UNIT READY (SPC-4 §6.33).
    TestUnitReady,
    /// 03h REQUEST SENSE (SPC-4 §6.29).
    RequestSense {
        /// DESC: ask for descriptor-format sense.
        descriptor: bool,
        /// Allocation length (18 for fixed format).
        allocation_length: u8,
    },
    /// 04h FORMAT UNIT (MMC-6 §6.5).
    FormatUnit {
        /// FmtData: a parameter list (header + one format descriptor, 12 bytes) follows.
        fmt_data: bool,
        /// CmpList.
        cmp_list: bool,
        /// Format code (3 bits; 001b for MMC).
        format_code: u8,
    },
    /// 08h READ(6) (SBC-3 §5.7).
    Read6 {
        /// LBA (21 bits).
        lba: u32,
        /// Transfer length; 0 means 256 blocks.
        transfer_length: u8,
    },
    /// 12h INQUIRY (SPC-4 §6.4).
    Inquiry {
        /// EVPD: return a vital product data page.
        evpd: bool,
        /// The VPD page (with EVPD).
        page_code: u8,
        /// Allocation length.
        allocation_length: u16,
    },
    /// 15h MODE SELECT(6) (SPC-4 §6.9).
    ModeSelect6 {
        /// PF: pages follow the standard format.
        pf: bool,
        /// SP: save pages.
        sp: bool,
        /// Parameter list length.
        parameter_length: u8,
    },
    /// 1Ah MODE SENSE(6) (SPC-4 §6.11).
    ModeSense6 {
        /// DBD: no block descriptors.
        dbd: bool,
        /// Which values (current, changeable, default, saved).
        page_control: PageControl,
        /// Page code (6 bits; 3Fh = all pages).
        page_code: u8,
        /// Subpage code.
        subpage: u8,
        /// Allocation length.
        allocation_length: u8,
    },
    /// 1Bh START STOP UNIT (MMC-6 §6.39).
    StartStopUnit {
        /// Immed: return before the operation completes.
        immed: bool,
        /// Format-layer number (byte 3 bits 1–0), with FL.
        format_layer: u8,
        /// Power condition (byte 4 bits 7–4); 0 = start/stop/load/eject by the other bits.
        power_condition: u8,
        /// FL: select the format layer.
        fl: bool,
        /// LoEj: load (with Start) or eject (without).
        load_eject: bool,
        /// Start: spin up (and load with LoEj).
        start: bool,
    },
    /// 1Eh PREVENT ALLOW MEDIUM REMOVAL (MMC-6 §6.12).
    PreventAllowMediumRemoval {
        /// Persistent prevent.
        persistent: bool,
        /// Prevent: lock the tray.
        prevent: bool,
    },
    /// 23h READ FORMAT CAPACITIES (MMC-6 §6.24).
    ReadFormatCapacities {
        /// Allocation length.
        allocation_length: u16,
    },
    /// 25h READ CAPACITY (MMC-6 §6.23).
    ReadCapacity,
    /// 28h READ(10) (MMC-6 §6.15).
    Read10 {
        /// DPO.
        dpo: bool,
        /// FUA: force unit access.
        fua: bool,
        /// First LBA.
        lba: u32,
        /// Number of blocks.
        transfer_length: u16,
    },
    /// A8h READ(12) (MMC-6 §6.16).
    Read12 {
        /// DPO.
        dpo: bool,
        /// FUA: force unit access.
        fua: bool,
        /// First LBA.
        lba: u32,
        /// Number of blocks.
        transfer_length: u32,
        /// Streaming: read at full speed without error recovery.
        streaming: bool,
    },
    /// 2Ah WRITE(10) (MMC-6 §6.44).
    Write10 {
        /// DPO.
        dpo: bool,
        /// FUA: force unit access.
        fua: bool,
        /// First LBA (negative on CD: pre-gap, lead-in in raw mode).
        lba: i32,
        /// Number of blocks.
        transfer_length: u16,
    },
    /// AAh WRITE(12) (MMC-6 §6.45).
    Write12 {
        /// DPO.
        dpo: bool,
        /// FUA: force unit access.
        fua: bool,
        /// First LBA.
        lba: i32,
        /// Number of blocks.
        transfer_length: u32,
        /// Streaming: no defect management (DVD-RAM, BD-RE full speed).
        streaming: bool,
    },
    /// 2Eh WRITE AND VERIFY(10) (MMC-6 §6.46).
    WriteAndVerify10 {
        /// BYTCHK.
        bytchk: bool,
        /// First LBA.
        lba: i32,
        /// Number of blocks.
        transfer_length: u16,
    },
    /// 2Fh VERIFY(10) (MMC-6 §6.43).
    Verify10 {
        /// BYTCHK: compare against data sent by the host.
        bytchk: bool,
        /// First LBA.
        lba: i32,
        /// Number of blocks.
        verification_length: u16,
    },
    /// 35h SYNCHRONIZE CACHE (MMC-6 §6.41).
    SynchronizeCache {
        /// Immed: return before the cache is flushed.
        immed: bool,
        /// First LBA (0 with 0 blocks: everything).
        lba: u32,
        /// Number of blocks.
        blocks: u16,
    },
    /// 43h READ TOC/PMA/ATIP (MMC-6 §6.32).
    ReadToc {
        /// MSF: addresses as minute/second/frame.
        msf: bool,
        /// Which structure.
        format: TocFormat,
        /// Track or session number.
        track_session: u8,
        /// Allocation length.
        allocation_length: u16,
    },
    /// 46h GET CONFIGURATION (MMC-6 §6.6).
    GetConfiguration {
        /// Which features.
        request: ConfigurationRequest,
        /// First feature code to report.
        starting_feature: u16,
        /// Allocation length.
        allocation_length: u16,
    },
    /// 4Ah GET EVENT STATUS NOTIFICATION (MMC-6 §6.7).
    GetEventStatusNotification {
        /// Polled (asynchronous operation is not supported by MMC drives on this path).
        polled: bool,
        /// Notification class request bitmap (bit 1 operational change … bit 6 device busy).
        class_request: u8,
        /// Allocation length.
        allocation_length: u16,
    },
    /// 51h READ DISC INFORMATION (MMC-6 §6.22).
    ReadDiscInformation {
        /// Data type.
        data_type: DiscInformationType,
        /// Allocation length.
        allocation_length: u16,
    },
    /// 52h READ TRACK INFORMATION (MMC-6 §6.27).
    ReadTrackInformation {
        /// OPEN (MMC-6): report the first open track of the session.
        open: bool,
        /// What `number` names.
        address_type: TrackAddressType,
        /// LBA, track number or session number.
        number: u32,
        /// Allocation length.
        allocation_length: u16,
    },
    /// 53h RESERVE TRACK (MMC-6 §6.31).
    ReserveTrack {
        /// RMZ (BD-R): reserve the RMZ, not a track.
        rmz: bool,
        /// Size or end address.
        reservation: TrackReservation,
    },
    /// 54h SEND OPC INFORMATION (MMC-6 §6.34).
    SendOpcInformation {
        /// DoOpc: perform optimum power calibration now.
        do_opc: bool,
        /// Exclude0 (byte 2 bit 0).
        exclude0: bool,
        /// Exclude1 (byte 2 bit 1).
        exclude1: bool,
        /// Parameter list length.
        parameter_length: u16,
    },
    /// 55h MODE SELECT(10) (MMC-6 §6.9).
    ModeSelect10 {
        /// PF: pages follow the standard format (set for MMC).
        pf: bool,
        /// SP: save pages.
        sp: bool,
        /// Parameter list length.
        parameter_length: u16,
    },
    /// 5Ah MODE SENSE(10) (MMC-6 §6.10).
    ModeSense10 {
        /// LLBAA.
        llbaa: bool,
        /// DBD: no block descriptors.
        dbd: bool,
        /// Which values (current, changeable, default, saved).
        page_control: PageControl,
        /// Page code (6 bits; 3Fh = all pages).
        page_code: u8,
        /// Subpage code.
        subpage: u8,
        /// Allocation length.
        allocation_length: u16,
    },
    /// 5Bh CLOSE TRACK/SESSION (MMC-6 §6.3).
    CloseTrackSession {
        /// Immed: return before the close completes.
        immed: bool,
        /// What to close.
        function: CloseFunction,
        /// Logical track or session number (bytes 4–5).
        number: u16,
    },
    /// 5Ch READ BUFFER CAPACITY (MMC-6 §6.25).
    ReadBufferCapacity {
        /// Block: report in blocks, not bytes.
        block: bool,
        /// Allocation length.
        allocation_length: u16,
    },
    /// 5Dh SEND CUE SHEET (MMC-6 §6.33).
    SendCueSheet {
        /// Cue sheet size in bytes (24 bits; 8 per entry).
        size: u32,
    },
    /// A1h BLANK (MMC-6 §6.2).
    Blank {
        /// Immed: return before blanking completes.
        immed: bool,
        /// What to blank.
        blank_type: BlankType,
        /// Start address or track number (bytes 2–5).
        address: u32,
    },
    /// ACh GET PERFORMANCE (MMC-6 §6.8).
    GetPerformance {
        /// Data type (byte 1 bits 4–0): for type 00h Tolerance(4–3), Write(2), Except(1–0).
        data_type: u8,
        /// Starting LBA.
        start_lba: u32,
        /// Maximum number of descriptors.
        max_descriptors: u16,
        /// Which performance data.
        performance_type: PerformanceType,
    },
    /// ADh READ DISC STRUCTURE (MMC-6 §6.21).
    ReadDiscStructure {
        /// Media type (byte 1 bits 3–0): 0 DVD/HD DVD, 1 BD.
        media_type: u8,
        /// Address field.
        address: u32,
        /// Layer number.
        layer: u8,
        /// Format code.
        format: u8,
        /// Allocation length.
        allocation_length: u16,
        /// Authentication grant id (byte 10 bits 7–6).
        agid: u8,
    },
    /// B6h SET STREAMING (MMC-6 §6.38).
    SetStreaming {
        /// Type (byte 8): 00h performance descriptor, 05h DBI cache zone.
        streaming_type: u8,
        /// Parameter list length (28 for a performance descriptor).
        parameter_length: u16,
    },
    /// BBh SET CD SPEED (MMC-6 §6.37).
    SetCdSpeed {
        /// Rotational control (byte 1 bits 1–0).
        rotation: RotationControl,
        /// Read speed in kB/s (FFFFh = maximum).
        read_speed: u16,
        /// Write speed in kB/s (FFFFh = maximum).
        write_speed: u16,
    },
    /// BDh MECHANISM STATUS (MMC-6 §6.11).
    MechanismStatus {
        /// Allocation length.
        allocation_length: u16,
    },
    /// BEh READ CD (MMC-6 §6.19).
    ReadCd {
        /// Expected sector type.
        sector_type: SectorType,
        /// DAP: digital audio play (error concealment).
        dap: bool,
        /// First LBA (negative reaches into the pre-gap).
        lba: i32,
        /// Number of sectors (24 bits).
        transfer_length: u32,
        /// SYNC field.
        sync: bool,
        /// Header codes.
        header_codes: HeaderCodes,
        /// User data.
        user_data: bool,
        /// EDC and ECC.
        edc_ecc: bool,
        /// C2 error information.
        c2: C2ErrorInfo,
        /// Sub-channel data.
        subchannel: SubChannelSelection,
    },
    /// BFh SEND DISC STRUCTURE (MMC-6 §6.35).
    SendDiscStructure {
        /// Media type (byte 1 bits 3–0).
        media_type: u8,
        /// Format code.
        format: u8,
        /// Parameter list length.
        parameter_length: u16,
        /// Authentication grant id (byte 10 bits 7–6).
        agid: u8,
    },
}

/// The CDB length of an operation code this layer knows, or `None`.
pub fn cdb_length(opcode: u8) -> Option<usize> {
    use opcode::*;
    match opcode {
        TEST_UNIT_READY
        | REQUEST_SENSE
        | FORMAT_UNIT
        | READ_6
        | INQUIRY
        | MODE_SELECT_6
        | MODE_SENSE_6
        | START_STOP_UNIT
        | PREVENT_ALLOW_MEDIUM_REMOVAL => Some(6),
        READ_FORMAT_CAPACITIES
        | READ_CAPACITY
        | READ_10
        | WRITE_10
        | WRITE_AND_VERIFY_10
        | VERIFY_10
        | SYNCHRONIZE_CACHE
        | READ_TOC_PMA_ATIP
        | GET_CONFIGURATION
        | GET_EVENT_STATUS_NOTIFICATION
        | READ_DISC_INFORMATION
        | READ_TRACK_INFORMATION
        | RESERVE_TRACK
        | SEND_OPC_INFORMATION
        | MODE_SELECT_10
        | MODE_SENSE_10
        | CLOSE_TRACK_SESSION
        | READ_BUFFER_CAPACITY
        | SEND_CUE_SHEET => Some(10),
        BLANK | READ_12 | WRITE_12 | GET_PERFORMANCE | READ_DISC_STRUCTURE | SET_STREAMING
        | SET_CD_SPEED | MECHANISM_STATUS | READ_CD | SEND_DISC_STRUCTURE => Some(12),
        _ => None,
    }
}

/// The MMC/SPC name of an operation code this layer knows ("READ TRACK INFORMATION").
pub fn opcode_name(opcode: u8) -> Option<&'static str> {
    use opcode::*;
    Some(match opcode {
        TEST_UNIT_READY => "TEST UNIT READY",
        REQUEST_SENSE => "REQUEST SENSE",
        FORMAT_UNIT => "FORMAT UNIT",
        READ_6 => "READ(6)",
        INQUIRY => "INQUIRY",
        MODE_SELECT_6 => "MODE SELECT(6)",
        MODE_SENSE_6 => "MODE SENSE(6)",
        START_STOP_UNIT => "START STOP UNIT",
        PREVENT_ALLOW_MEDIUM_REMOVAL => "PREVENT ALLOW MEDIUM REMOVAL",
        READ_FORMAT_CAPACITIES => "READ FORMAT CAPACITIES",
        READ_CAPACITY => "READ CAPACITY",
        READ_10 => "READ(10)",
        WRITE_10 => "WRITE(10)",
        WRITE_AND_VERIFY_10 => "WRITE AND VERIFY(10)",
        VERIFY_10 => "VERIFY(10)",
        SYNCHRONIZE_CACHE => "SYNCHRONIZE CACHE",
        READ_TOC_PMA_ATIP => "READ TOC/PMA/ATIP",
        GET_CONFIGURATION => "GET CONFIGURATION",
        GET_EVENT_STATUS_NOTIFICATION => "GET EVENT STATUS NOTIFICATION",
        READ_DISC_INFORMATION => "READ DISC INFORMATION",
        READ_TRACK_INFORMATION => "READ TRACK INFORMATION",
        RESERVE_TRACK => "RESERVE TRACK",
        SEND_OPC_INFORMATION => "SEND OPC INFORMATION",
        MODE_SELECT_10 => "MODE SELECT(10)",
        MODE_SENSE_10 => "MODE SENSE(10)",
        CLOSE_TRACK_SESSION => "CLOSE TRACK/SESSION",
        READ_BUFFER_CAPACITY => "READ BUFFER CAPACITY",
        SEND_CUE_SHEET => "SEND CUE SHEET",
        BLANK => "BLANK",
        READ_12 => "READ(12)",
        WRITE_12 => "WRITE(12)",
        GET_PERFORMANCE => "GET PERFORMANCE",
        READ_DISC_STRUCTURE => "READ DISC STRUCTURE",
        SET_STREAMING => "SET STREAMING",
        SET_CD_SPEED => "SET CD SPEED",
        MECHANISM_STATUS => "MECHANISM STATUS",
        READ_CD => "READ CD",
        SEND_DISC_STRUCTURE => "SEND DISC STRUCTURE",
        _ => return None,
    })
}

fn bit(b: u8, n: u8) -> bool {
    b & (1 << n) != 0
}

fn flag(v: bool, n: u8) -> u8 {
    u8::from(v) << n
}

impl Command {
    /// The operation code.
    pub fn opcode(&self) -> u8 {
        use opcode::*;
        match self {
            Command::TestUnitReady => TEST_UNIT_READY,
            Command::RequestSense { .. } => REQUEST_SENSE,
            Command::FormatUnit { .. } => FORMAT_UNIT,
            Command::Read6 { .. } => READ_6,
            Command::Inquiry { .. } => INQUIRY,
            Command::ModeSelect6 { .. } => MODE_SELECT_6,
            Command::ModeSense6 { .. } => MODE_SENSE_6,
            Command::StartStopUnit { .. } => START_STOP_UNIT,
            Command::PreventAllowMediumRemoval { .. } => PREVENT_ALLOW_MEDIUM_REMOVAL,
            Command::ReadFormatCapacities { .. } => READ_FORMAT_CAPACITIES,
            Command::ReadCapacity => READ_CAPACITY,
            Command::Read10 { .. } => READ_10,
            Command::Read12 { .. } => READ_12,
            Command::Write10 { .. } => WRITE_10,
            Command::Write12 { .. } => WRITE_12,
            Command::WriteAndVerify10 { .. } => WRITE_AND_VERIFY_10,
            Command::Verify10 { .. } => VERIFY_10,
            Command::SynchronizeCache { .. } => SYNCHRONIZE_CACHE,
            Command::ReadToc { .. } => READ_TOC_PMA_ATIP,
            Command::GetConfiguration { .. } => GET_CONFIGURATION,
            Command::GetEventStatusNotification { .. } => GET_EVENT_STATUS_NOTIFICATION,
            Command::ReadDiscInformation { .. } => READ_DISC_INFORMATION,
            Command::ReadTrackInformation { .. } => READ_TRACK_INFORMATION,
            Command::ReserveTrack { .. } => RESERVE_TRACK,
            Command::SendOpcInformation { .. } => SEND_OPC_INFORMATION,
            Command::ModeSelect10 { .. } => MODE_SELECT_10,
            Command::ModeSense10 { .. } => MODE_SENSE_10,
            Command::CloseTrackSession { .. } => CLOSE_TRACK_SESSION,
            Command::ReadBufferCapacity { .. } => READ_BUFFER_CAPACITY,
            Command::SendCueSheet { .. } => SEND_CUE_SHEET,
            Command::Blank { .. } => BLANK,
            Command::GetPerformance { .. } => GET_PERFORMANCE,
            Command::ReadDiscStructure { .. } => READ_DISC_STRUCTURE,
            Command::SetStreaming { .. } => SET_STREAMING,
            Command::SetCdSpeed { .. } => SET_CD_SPEED,
            Command::MechanismStatus { .. } => MECHANISM_STATUS,
            Command::ReadCd { .. } => READ_CD,
            Command::SendDiscStructure { .. } => SEND_DISC_STRUCTURE,
        }
    }

    /// The command's name ("READ TRACK INFORMATION").
    pub fn name(&self) -> &'static str {
        opcode_name(self.opcode()).unwrap_or("UNKNOWN")
    }

    /// Which way the data phase goes.
    pub fn direction(&self) -> DataDirection {
        match self {
            Command::TestUnitReady
            | Command::StartStopUnit { .. }
            | Command::PreventAllowMediumRemoval { .. }
            | Command::SynchronizeCache { .. }
            | Command::ReserveTrack { .. }
            | Command::CloseTrackSession { .. }
            | Command::Blank { .. }
            | Command::SetCdSpeed { .. } => DataDirection::None,
            Command::FormatUnit { fmt_data, .. } => {
                if *fmt_data {
                    DataDirection::Out
                } else {
                    DataDirection::None
                }
            }
            Command::Verify10 { bytchk, .. } => {
                if *bytchk {
                    DataDirection::Out
                } else {
                    DataDirection::None
                }
            }
            Command::SendOpcInformation {
                parameter_length, ..
            } => {
                if *parameter_length > 0 {
                    DataDirection::Out
                } else {
                    DataDirection::None
                }
            }
            Command::Write10 { .. }
            | Command::Write12 { .. }
            | Command::WriteAndVerify10 { .. }
            | Command::ModeSelect6 { .. }
            | Command::ModeSelect10 { .. }
            | Command::SendCueSheet { .. }
            | Command::SetStreaming { .. }
            | Command::SendDiscStructure { .. } => DataDirection::Out,
            Command::RequestSense { .. }
            | Command::Read6 { .. }
            | Command::Inquiry { .. }
            | Command::ModeSense6 { .. }
            | Command::ReadFormatCapacities { .. }
            | Command::ReadCapacity
            | Command::Read10 { .. }
            | Command::Read12 { .. }
            | Command::ReadToc { .. }
            | Command::GetConfiguration { .. }
            | Command::GetEventStatusNotification { .. }
            | Command::ReadDiscInformation { .. }
            | Command::ReadTrackInformation { .. }
            | Command::ModeSense10 { .. }
            | Command::ReadBufferCapacity { .. }
            | Command::GetPerformance { .. }
            | Command::ReadDiscStructure { .. }
            | Command::MechanismStatus { .. }
            | Command::ReadCd { .. } => DataDirection::In,
        }
    }

    /// The number of bytes the data phase is expected to move, as far as the
    /// CDB says: the allocation length for data-in commands, the parameter
    /// list length for data-out commands, blocks × `block_size` for READ,
    /// WRITE, WRITE AND VERIFY, VERIFY with BYTCHK and READ CD (for READ CD,
    /// pass the bytes per sector of the selected fields: 2352 for a full
    /// CD-DA sector, 2352 + 96 with raw sub-channel, ...). FORMAT UNIT with
    /// FmtData moves 12 bytes (header and one descriptor, MMC-6 §6.5.3);
    /// READ CAPACITY 8 bytes. GET PERFORMANCE has no allocation length: it
    /// is computed from the maximum number of descriptors for types 00h and
    /// 03h and `None` for the others. Commands without data give 0.
    pub fn data_len(&self, block_size: u32) -> Option<u64> {
        let bs = u64::from(block_size);
        Some(match self {
            Command::TestUnitReady
            | Command::StartStopUnit { .. }
            | Command::PreventAllowMediumRemoval { .. }
            | Command::SynchronizeCache { .. }
            | Command::ReserveTrack { .. }
            | Command::CloseTrackSession { .. }
            | Command::Blank { .. }
            | Command::SetCdSpeed { .. } => 0,
            Command::RequestSense {
                allocation_length, ..
            } => u64::from(*allocation_length),
            Command::FormatUnit { fmt_data, .. } => {
                if *fmt_data {
                    12
                } else {
                    0
                }
            }
            Command::Read6 {
                transfer_length, ..
            } => {
                let blocks = if *transfer_length == 0 {
                    256
                } else {
                    u64::from(*transfer_length)
                };
                blocks * bs
            }
            Command::Inquiry {
                allocation_length, ..
            } => u64::from(*allocation_length),
            Command::ModeSelect6 {
                parameter_length, ..
            } => u64::from(*parameter_length),
            Command::ModeSense6 {
                allocation_length, ..
            } => u64::from(*allocation_length),
            Command::ReadFormatCapacities { allocation_length } => u64::from(*allocation_length),
            Command::ReadCapacity => 8,
            Command::Read10 {
                transfer_length, ..
            } => u64::from(*transfer_length) * bs,
            Command::Read12 {
                transfer_length, ..
            } => u64::from(*transfer_length) * bs,
            Command::Write10 {
                transfer_length, ..
            } => u64::from(*transfer_length) * bs,
            Command::Write12 {
                transfer_length, ..
            } => u64::from(*transfer_length) * bs,
            Command::WriteAndVerify10 {
                transfer_length, ..
            } => u64::from(*transfer_length) * bs,
            Command::Verify10 {
                bytchk,
                verification_length,
                ..
            } => {
                if *bytchk {
                    u64::from(*verification_length) * bs
                } else {
                    0
                }
            }
            Command::ReadToc {
                allocation_length, ..
            }
            | Command::GetConfiguration {
                allocation_length, ..
            }
            | Command::GetEventStatusNotification {
                allocation_length, ..
            }
            | Command::ReadDiscInformation {
                allocation_length, ..
            }
            | Command::ReadTrackInformation {
                allocation_length, ..
            }
            | Command::ModeSense10 {
                allocation_length, ..
            }
            | Command::ReadBufferCapacity {
                allocation_length, ..
            }
            | Command::ReadDiscStructure {
                allocation_length, ..
            }
            | Command::MechanismStatus { allocation_length } => u64::from(*allocation_length),
            Command::SendOpcInformation {
                parameter_length, ..
            }
            | Command::ModeSelect10 {
                parameter_length, ..
            }
            | Command::SetStreaming {
                parameter_length, ..
            }
            | Command::SendDiscStructure {
                parameter_length, ..
            } => u64::from(*parameter_length),
            Command::SendCueSheet { size } => u64::from(*size & 0x00FF_FFFF),
            Command::GetPerformance {
                data_type,
                max_descriptors,
                performance_type,
                ..
            } => {
                let each = match performance_type {
                    PerformanceType::Performance if data_type & 0x03 == 0 => 16,
                    PerformanceType::Performance => 6,
                    PerformanceType::WriteSpeed => 16,
                    _ => return None,
                };
                8 + each * u64::from(*max_descriptors)
            }
            Command::ReadCd {
                transfer_length, ..
            } => u64::from(*transfer_length & 0x00FF_FFFF) * bs,
        })
    }

    /// The CDB bytes (6, 10 or 12 of them; control byte zero).
    pub fn encode(&self) -> Vec<u8> {
        let op = self.opcode();
        let len = cdb_length(op).unwrap_or(12);
        let mut b = [0u8; 12];
        b[0] = op;
        match self {
            Command::TestUnitReady | Command::ReadCapacity => {}
            Command::RequestSense {
                descriptor,
                allocation_length,
            } => {
                b[1] = flag(*descriptor, 0);
                b[4] = *allocation_length;
            }
            Command::FormatUnit {
                fmt_data,
                cmp_list,
                format_code,
            } => {
                b[1] = flag(*fmt_data, 4) | flag(*cmp_list, 3) | (format_code & 0x07);
            }
            Command::Read6 {
                lba,
                transfer_length,
            } => {
                put24(&mut b, 1, lba & 0x001F_FFFF);
                b[4] = *transfer_length;
            }
            Command::Inquiry {
                evpd,
                page_code,
                allocation_length,
            } => {
                b[1] = flag(*evpd, 0);
                b[2] = *page_code;
                put16(&mut b, 3, *allocation_length);
            }
            Command::ModeSelect6 {
                pf,
                sp,
                parameter_length,
            } => {
                b[1] = flag(*pf, 4) | flag(*sp, 0);
                b[4] = *parameter_length;
            }
            Command::ModeSense6 {
                dbd,
                page_control,
                page_code,
                subpage,
                allocation_length,
            } => {
                b[1] = flag(*dbd, 3);
                b[2] = (page_control.bits() << 6) | (page_code & 0x3F);
                b[3] = *subpage;
                b[4] = *allocation_length;
            }
            Command::StartStopUnit {
                immed,
                format_layer,
                power_condition,
                fl,
                load_eject,
                start,
            } => {
                b[1] = flag(*immed, 0);
                b[3] = format_layer & 0x03;
                b[4] =
                    (power_condition << 4) | flag(*fl, 2) | flag(*load_eject, 1) | flag(*start, 0);
            }
            Command::PreventAllowMediumRemoval {
                persistent,
                prevent,
            } => {
                b[4] = flag(*persistent, 1) | flag(*prevent, 0);
            }
            Command::ReadFormatCapacities { allocation_length } => {
                put16(&mut b, 7, *allocation_length);
            }
            Command::MechanismStatus { allocation_length } => {
                put16(&mut b, 8, *allocation_length);
            }
            Command::Read10 {
                dpo,
                fua,
                lba,
                transfer_length,
            } => {
                b[1] = flag(*dpo, 4) | flag(*fua, 3);
                put32(&mut b, 2, *lba);
                put16(&mut b, 7, *transfer_length);
            }
            Command::Read12 {
                dpo,
                fua,
                lba,
                transfer_length,
                streaming,
            } => {
                b[1] = flag(*dpo, 4) | flag(*fua, 3);
                put32(&mut b, 2, *lba);
                put32(&mut b, 6, *transfer_length);
                b[10] = flag(*streaming, 7);
            }
            Command::Write10 {
                dpo,
                fua,
                lba,
                transfer_length,
            } => {
                b[1] = flag(*dpo, 4) | flag(*fua, 3);
                put32(&mut b, 2, *lba as u32);
                put16(&mut b, 7, *transfer_length);
            }
            Command::Write12 {
                dpo,
                fua,
                lba,
                transfer_length,
                streaming,
            } => {
                b[1] = flag(*dpo, 4) | flag(*fua, 3);
                put32(&mut b, 2, *lba as u32);
                put32(&mut b, 6, *transfer_length);
                b[10] = flag(*streaming, 7);
            }
            Command::WriteAndVerify10 {
                bytchk,
                lba,
                transfer_length,
            } => {
                b[1] = flag(*bytchk, 1);
                put32(&mut b, 2, *lba as u32);
                put16(&mut b, 7, *transfer_length);
            }
            Command::Verify10 {
                bytchk,
                lba,
                verification_length,
            } => {
                b[1] = flag(*bytchk, 1);
                put32(&mut b, 2, *lba as u32);
                put16(&mut b, 7, *verification_length);
            }
            Command::SynchronizeCache { immed, lba, blocks } => {
                b[1] = flag(*immed, 1);
                put32(&mut b, 2, *lba);
                put16(&mut b, 7, *blocks);
            }
            Command::ReadToc {
                msf,
                format,
                track_session,
                allocation_length,
            } => {
                b[1] = flag(*msf, 1);
                b[2] = format.bits();
                b[6] = *track_session;
                put16(&mut b, 7, *allocation_length);
            }
            Command::GetConfiguration {
                request,
                starting_feature,
                allocation_length,
            } => {
                b[1] = request.bits();
                put16(&mut b, 2, *starting_feature);
                put16(&mut b, 7, *allocation_length);
            }
            Command::GetEventStatusNotification {
                polled,
                class_request,
                allocation_length,
            } => {
                b[1] = flag(*polled, 0);
                b[4] = *class_request;
                put16(&mut b, 7, *allocation_length);
            }
            Command::ReadDiscInformation {
                data_type,
                allocation_length,
            } => {
                b[1] = data_type.bits();
                put16(&mut b, 7, *allocation_length);
            }
            Command::ReadTrackInformation {
                open,
                address_type,
                number,
                allocation_length,
            } => {
                b[1] = flag(*open, 2) | address_type.bits();
                put32(&mut b, 2, *number);
                put16(&mut b, 7, *allocation_length);
            }
            Command::ReserveTrack { rmz, reservation } => match reservation {
                TrackReservation::Size(size) => {
                    b[1] = flag(*rmz, 1);
                    put32(&mut b, 5, *size);
                }
                TrackReservation::Lba(lba) => {
                    b[1] = flag(*rmz, 1) | 0x01;
                    put32(&mut b, 2, *lba);
                }
            },
            Command::SendOpcInformation {
                do_opc,
                exclude0,
                exclude1,
                parameter_length,
            } => {
                b[1] = flag(*do_opc, 0);
                b[2] = flag(*exclude1, 1) | flag(*exclude0, 0);
                put16(&mut b, 7, *parameter_length);
            }
            Command::ModeSelect10 {
                pf,
                sp,
                parameter_length,
            } => {
                b[1] = flag(*pf, 4) | flag(*sp, 0);
                put16(&mut b, 7, *parameter_length);
            }
            Command::ModeSense10 {
                llbaa,
                dbd,
                page_control,
                page_code,
                subpage,
                allocation_length,
            } => {
                b[1] = flag(*llbaa, 4) | flag(*dbd, 3);
                b[2] = (page_control.bits() << 6) | (page_code & 0x3F);
                b[3] = *subpage;
                put16(&mut b, 7, *allocation_length);
            }
            Command::CloseTrackSession {
                immed,
                function,
                number,
            } => {
                b[1] = flag(*immed, 0);
                b[2] = function.bits();
                put16(&mut b, 4, *number);
            }
            Command::ReadBufferCapacity {
                block,
                allocation_length,
            } => {
                b[1] = flag(*block, 0);
                put16(&mut b, 7, *allocation_length);
            }
            Command::SendCueSheet { size } => {
                put24(&mut b, 6, *size);
            }
            Command::Blank {
                immed,
                blank_type,
                address,
            } => {
                b[1] = flag(*immed, 4) | blank_type.bits();
                put32(&mut b, 2, *address);
            }
            Command::GetPerformance {
                data_type,
                start_lba,
                max_descriptors,
                performance_type,
            } => {
                b[1] = data_type & 0x1F;
                put32(&mut b, 2, *start_lba);
                put16(&mut b, 8, *max_descriptors);
                b[10] = performance_type.to_u8();
            }
            Command::ReadDiscStructure {
                media_type,
                address,
                layer,
                format,
                allocation_length,
                agid,
            } => {
                b[1] = media_type & 0x0F;
                put32(&mut b, 2, *address);
                b[6] = *layer;
                b[7] = *format;
                put16(&mut b, 8, *allocation_length);
                b[10] = (agid & 0x03) << 6;
            }
            Command::SetStreaming {
                streaming_type,
                parameter_length,
            } => {
                b[8] = *streaming_type;
                put16(&mut b, 9, *parameter_length);
            }
            Command::SetCdSpeed {
                rotation,
                read_speed,
                write_speed,
            } => {
                b[1] = rotation.bits() & 0x03;
                put16(&mut b, 2, *read_speed);
                put16(&mut b, 4, *write_speed);
            }
            Command::ReadCd {
                sector_type,
                dap,
                lba,
                transfer_length,
                sync,
                header_codes,
                user_data,
                edc_ecc,
                c2,
                subchannel,
            } => {
                b[1] = (sector_type.bits() << 2) | flag(*dap, 1);
                put32(&mut b, 2, *lba as u32);
                put24(&mut b, 6, *transfer_length);
                b[9] = flag(*sync, 7)
                    | (header_codes.bits() << 5)
                    | flag(*user_data, 4)
                    | flag(*edc_ecc, 3)
                    | (c2.bits() << 1);
                b[10] = subchannel.bits();
            }
            Command::SendDiscStructure {
                media_type,
                format,
                parameter_length,
                agid,
            } => {
                b[1] = media_type & 0x0F;
                b[7] = *format;
                put16(&mut b, 8, *parameter_length);
                b[10] = (agid & 0x03) << 6;
            }
        }
        b[..len].to_vec()
    }

    /// Decodes a CDB. Unknown operation codes and CDBs shorter than their
    /// operation code's length are errors; reserved bits and values are not.
    /// Bytes past the CDB length (a 16-byte buffer) are ignored.
    pub fn decode(cdb: &[u8]) -> Result<Command, DecodeError> {
        use opcode::*;
        const S: &str = "CDB";
        let Some(&op) = cdb.first() else {
            return Err(DecodeError::new(S, "empty CDB"));
        };
        let Some(len) = cdb_length(op) else {
            return Err(DecodeError::new(
                S,
                format!("unknown operation code {op:#04x}"),
            ));
        };
        if cdb.len() < len {
            return Err(DecodeError::new(
                S,
                format!(
                    "{} CDB of {} bytes, {len} needed",
                    opcode_name(op).unwrap_or("?"),
                    cdb.len()
                ),
            ));
        }
        let b = cdb;
        Ok(match op {
            TEST_UNIT_READY => Command::TestUnitReady,
            REQUEST_SENSE => Command::RequestSense {
                descriptor: bit(b[1], 0),
                allocation_length: b[4],
            },
            FORMAT_UNIT => Command::FormatUnit {
                fmt_data: bit(b[1], 4),
                cmp_list: bit(b[1], 3),
                format_code: b[1] & 0x07,
            },
            READ_6 => Command::Read6 {
                lba: be24(b, 1) & 0x001F_FFFF,
                transfer_length: b[4],
            },
            INQUIRY => Command::Inquiry {
                evpd: bit(b[1], 0),
                page_code: b[2],
                allocation_length: be16(b, 3),
            },
            MODE_SELECT_6 => Command::ModeSelect6 {
                pf: bit(b[1], 4),
                sp: bit(b[1], 0),
                parameter_length: b[4],
            },
            MODE_SENSE_6 => Command::ModeSense6 {
                dbd: bit(b[1], 3),
                page_control: PageControl::from_bits(b[2] >> 6),
                page_code: b[2] & 0x3F,
                subpage: b[3],
                allocation_length: b[4],
            },
            START_STOP_UNIT => Command::StartStopUnit {
                immed: bit(b[1], 0),
                format_layer: b[3] & 0x03,
                power_condition: b[4] >> 4,
                fl: bit(b[4], 2),
                load_eject: bit(b[4], 1),
                start: bit(b[4], 0),
            },
            PREVENT_ALLOW_MEDIUM_REMOVAL => Command::PreventAllowMediumRemoval {
                persistent: bit(b[4], 1),
                prevent: bit(b[4], 0),
            },
            READ_FORMAT_CAPACITIES => Command::ReadFormatCapacities {
                allocation_length: be16(b, 7),
            },
            READ_CAPACITY => Command::ReadCapacity,
            READ_10 => Command::Read10 {
                dpo: bit(b[1], 4),
                fua: bit(b[1], 3),
                lba: be32(b, 2),
                transfer_length: be16(b, 7),
            },
            READ_12 => Command::Read12 {
                dpo: bit(b[1], 4),
                fua: bit(b[1], 3),
                lba: be32(b, 2),
                transfer_length: be32(b, 6),
                streaming: bit(b[10], 7),
            },
            WRITE_10 => Command::Write10 {
                dpo: bit(b[1], 4),
                fua: bit(b[1], 3),
                lba: be32(b, 2) as i32,
                transfer_length: be16(b, 7),
            },
            WRITE_12 => Command::Write12 {
                dpo: bit(b[1], 4),
                fua: bit(b[1], 3),
                lba: be32(b, 2) as i32,
                transfer_length: be32(b, 6),
                streaming: bit(b[10], 7),
            },
            WRITE_AND_VERIFY_10 => Command::WriteAndVerify10 {
                bytchk: bit(b[1], 1),
                lba: be32(b, 2) as i32,
                transfer_length: be16(b, 7),
            },
            VERIFY_10 => Command::Verify10 {
                bytchk: bit(b[1], 1),
                lba: be32(b, 2) as i32,
                verification_length: be16(b, 7),
            },
            SYNCHRONIZE_CACHE => Command::SynchronizeCache {
                immed: bit(b[1], 1),
                lba: be32(b, 2),
                blocks: be16(b, 7),
            },
            READ_TOC_PMA_ATIP => Command::ReadToc {
                msf: bit(b[1], 1),
                format: TocFormat::from_bits(b[2]),
                track_session: b[6],
                allocation_length: be16(b, 7),
            },
            GET_CONFIGURATION => Command::GetConfiguration {
                request: ConfigurationRequest::from_bits(b[1]),
                starting_feature: be16(b, 2),
                allocation_length: be16(b, 7),
            },
            GET_EVENT_STATUS_NOTIFICATION => Command::GetEventStatusNotification {
                polled: bit(b[1], 0),
                class_request: b[4],
                allocation_length: be16(b, 7),
            },
            READ_DISC_INFORMATION => Command::ReadDiscInformation {
                data_type: DiscInformationType::from_bits(b[1]),
                allocation_length: be16(b, 7),
            },
            READ_TRACK_INFORMATION => Command::ReadTrackInformation {
                open: bit(b[1], 2),
                address_type: TrackAddressType::from_bits(b[1]),
                number: be32(b, 2),
                allocation_length: be16(b, 7),
            },
            RESERVE_TRACK => Command::ReserveTrack {
                rmz: bit(b[1], 1),
                reservation: if bit(b[1], 0) {
                    TrackReservation::Lba(be32(b, 2))
                } else {
                    TrackReservation::Size(be32(b, 5))
                },
            },
            SEND_OPC_INFORMATION => Command::SendOpcInformation {
                do_opc: bit(b[1], 0),
                exclude0: bit(b[2], 0),
                exclude1: bit(b[2], 1),
                parameter_length: be16(b, 7),
            },
            MODE_SELECT_10 => Command::ModeSelect10 {
                pf: bit(b[1], 4),
                sp: bit(b[1], 0),
                parameter_length: be16(b, 7),
            },
            MODE_SENSE_10 => Command::ModeSense10 {
                llbaa: bit(b[1], 4),
                dbd: bit(b[1], 3),
                page_control: PageControl::from_bits(b[2] >> 6),
                page_code: b[2] & 0x3F,
                subpage: b[3],
                allocation_length: be16(b, 7),
            },
            CLOSE_TRACK_SESSION => Command::CloseTrackSession {
                immed: bit(b[1], 0),
                function: CloseFunction::from_bits(b[2]),
                number: be16(b, 4),
            },
            READ_BUFFER_CAPACITY => Command::ReadBufferCapacity {
                block: bit(b[1], 0),
                allocation_length: be16(b, 7),
            },
            SEND_CUE_SHEET => Command::SendCueSheet { size: be24(b, 6) },
            BLANK => Command::Blank {
                immed: bit(b[1], 4),
                blank_type: BlankType::from_bits(b[1]),
                address: be32(b, 2),
            },
            GET_PERFORMANCE => Command::GetPerformance {
                data_type: b[1] & 0x1F,
                start_lba: be32(b, 2),
                max_descriptors: be16(b, 8),
                performance_type: PerformanceType::from_u8(b[10]),
            },
            READ_DISC_STRUCTURE => Command::ReadDiscStructure {
                media_type: b[1] & 0x0F,
                address: be32(b, 2),
                layer: b[6],
                format: b[7],
                allocation_length: be16(b, 8),
                agid: b[10] >> 6,
            },
            SET_STREAMING => Command::SetStreaming {
                streaming_type: b[8],
                parameter_length: be16(b, 9),
            },
            SET_CD_SPEED => Command::SetCdSpeed {
                rotation: RotationControl::from_bits(b[1] & 0x03),
                read_speed: be16(b, 2),
                write_speed: be16(b, 4),
            },
            MECHANISM_STATUS => Command::MechanismStatus {
                allocation_length: be16(b, 8),
            },
            READ_CD => Command::ReadCd {
                sector_type: SectorType::from_bits(b[1] >> 2),
                dap: bit(b[1], 1),
                lba: be32(b, 2) as i32,
                transfer_length: be24(b, 6),
                sync: bit(b[9], 7),
                header_codes: HeaderCodes::from_bits(b[9] >> 5),
                user_data: bit(b[9], 4),
                edc_ecc: bit(b[9], 3),
                c2: C2ErrorInfo::from_bits(b[9] >> 1),
                subchannel: SubChannelSelection::from_bits(b[10]),
            },
            SEND_DISC_STRUCTURE => Command::SendDiscStructure {
                media_type: b[1] & 0x0F,
                format: b[7],
                parameter_length: be16(b, 8),
                agid: b[10] >> 6,
            },
            _ => unreachable!("cdb_length knows only the opcodes matched above"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_opcode_has_a_name_and_decodes_from_zeros() {
        for op in 0..=255u8 {
            match cdb_length(op) {
                Some(len) => {
                    assert!(opcode_name(op).is_some());
                    let mut cdb = vec![0u8; len];
                    cdb[0] = op;
                    let cmd = Command::decode(&cdb).unwrap();
                    assert_eq!(cmd.opcode(), op);
                    assert_eq!(cmd.encode().len(), len);
                    assert!(Command::decode(&cdb[..len - 1]).is_err());
                }
                None => {
                    let err = Command::decode(&[op, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]).unwrap_err();
                    assert!(err.reason.contains(&format!("{op:#04x}")), "{err}");
                }
            }
        }
    }

    #[test]
    fn reserved_values_are_not_errors() {
        // BLANK type 111b, CLOSE function 111b, TOC format Fh: kept, not refused.
        let c = Command::decode(&[0xA1, 0x17, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]).unwrap();
        assert_eq!(
            c,
            Command::Blank {
                immed: true,
                blank_type: BlankType::Reserved,
                address: 0
            }
        );
        let c = Command::decode(&[0x5B, 0xFE, 0xFF, 0, 0, 1, 0, 0, 0, 0]).unwrap();
        assert!(matches!(
            c,
            Command::CloseTrackSession {
                function: CloseFunction::Reserved,
                ..
            }
        ));
        let c = Command::decode(&[0x43, 0, 0xFF, 0, 0, 0, 0, 0, 4, 0]).unwrap();
        assert!(matches!(
            c,
            Command::ReadToc {
                format: TocFormat::Reserved(0x0F),
                ..
            }
        ));
    }

    #[test]
    fn data_lengths() {
        let w = Command::Write10 {
            dpo: false,
            fua: false,
            lba: -150,
            transfer_length: 16,
        };
        assert_eq!(w.direction(), DataDirection::Out);
        assert_eq!(w.data_len(2048), Some(32768));
        let r6 = Command::Read6 {
            lba: 0,
            transfer_length: 0,
        };
        assert_eq!(r6.data_len(2048), Some(256 * 2048));
        let gp = Command::GetPerformance {
            data_type: 0,
            start_lba: 0,
            max_descriptors: 4,
            performance_type: PerformanceType::WriteSpeed,
        };
        assert_eq!(gp.data_len(0), Some(8 + 64));
        let gp = Command::GetPerformance {
            data_type: 0,
            start_lba: 0,
            max_descriptors: 4,
            performance_type: PerformanceType::DefectStatus,
        };
        assert_eq!(gp.data_len(0), None);
        assert_eq!(Command::TestUnitReady.direction(), DataDirection::None);
        assert_eq!(Command::ReadCapacity.data_len(2048), Some(8));
    }

    #[test]
    fn negative_write_lba_is_twos_complement() {
        let w = Command::Write10 {
            dpo: false,
            fua: false,
            lba: -150,
            transfer_length: 1,
        };
        assert_eq!(&w.encode()[2..6], &[0xFF, 0xFF, 0xFF, 0x6A]);
        assert_eq!(Command::decode(&w.encode()).unwrap(), w);
    }
}
