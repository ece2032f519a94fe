//! The knobs of a medium that real drives differ on (mmc-notes appendix C).

use crate::error::SenseCode;

use super::kind::MediaKind;

/// What a read of an unrecorded or unformatted block reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnreadablePolicy {
    /// 05/21/00 logical block address out of range.
    IllegalLba,
    /// 08/00/05 blank check.
    BlankCheck,
    /// 03/11/00 unrecovered read error.
    ReadError,
}

impl UnreadablePolicy {
    /// The sense reported.
    pub fn sense(self) -> SenseCode {
        match self {
            UnreadablePolicy::IllegalLba => SenseCode::LBA_OUT_OF_RANGE,
            UnreadablePolicy::BlankCheck => SenseCode::BLANK_CHECK,
            UnreadablePolicy::ReadError => SenseCode::UNRECOVERED_READ_ERROR,
        }
    }

    /// Name used in state files.
    pub fn name(self) -> &'static str {
        match self {
            UnreadablePolicy::IllegalLba => "illegal-lba",
            UnreadablePolicy::BlankCheck => "blank-check",
            UnreadablePolicy::ReadError => "read-error",
        }
    }

    /// The policy named `name`.
    pub fn from_name(name: &str) -> Option<UnreadablePolicy> {
        match name {
            "illegal-lba" => Some(UnreadablePolicy::IllegalLba),
            "blank-check" => Some(UnreadablePolicy::BlankCheck),
            "read-error" => Some(UnreadablePolicy::ReadError),
            _ => None,
        }
    }
}

/// Geometry and behaviour knobs of a medium (mmc-notes appendix C: values
/// real drives differ on are configurable).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaSettings {
    /// CD: blocks from the first session's lead-out start to the next NWA
    /// (lead-out 6750 + lead-in 4500 + pre-gap 150).
    pub cd_first_session_gap: u32,
    /// CD: the same after later sessions (2250 + 4500 + 150).
    pub cd_later_session_gap: u32,
    /// CD TAO: unreadable run-out blocks at the end of a closed track.
    pub cd_runout: u32,
    /// CD: smallest track; shorter tracks are padded when closed.
    pub cd_min_track: u32,
    /// DVD-R/-RW: blocks of lead-out/border after the first session.
    pub dvd_minus_first_border: u32,
    /// DVD-R/-RW: blocks of border after later sessions.
    pub dvd_minus_later_border: u32,
    /// DVD+R: blocks between a closed session and the next one.
    pub dvd_plus_session_gap: u32,
    /// BD-R: blocks between a closed session and the next one.
    pub bd_session_gap: u32,
    /// Reads of unrecorded blocks of sequential media.
    pub unwritten_read: UnreadablePolicy,
    /// Reads of never-written, unformatted blocks of rewritable media.
    pub unformatted_read: UnreadablePolicy,
    /// Virtual ticks a DVD+RW background format takes to complete.
    pub bg_format_ticks: u32,
    /// True when a WRITE that does not start on a write-unit boundary
    /// (05/21/02) or whose length is not a multiple of the write unit
    /// (05/24/00) is refused on sequential media and DVD-RW restricted
    /// overwrite. On by default for every DVD and BD kind: DVD±R/RW take
    /// whole 16-block ECC blocks, BD 32-block clusters (mmc-notes §2.1;
    /// growisofs refuses anything but 32 KiB-aligned writes). The one
    /// exception is a write ending in the last unit of a reserved track
    /// (the tail of a DVD-R disc-at-once recording): the drive pads it.
    pub strict_write_unit: bool,
    /// True when a minimal BLANK of DVD-RW keeps incremental recording
    /// (feature 0021h); most drives lose it (mmc-notes §2.3).
    pub minimal_blank_keeps_incremental: bool,
}

impl MediaSettings {
    /// The defaults for `kind`.
    pub fn for_kind(kind: MediaKind) -> MediaSettings {
        MediaSettings {
            cd_first_session_gap: 11_400,
            cd_later_session_gap: 6_900,
            cd_runout: 2,
            cd_min_track: 300,
            dvd_minus_first_border: 16_384,
            dvd_minus_later_border: 4_096,
            dvd_plus_session_gap: 2_048,
            bd_session_gap: 0,
            unwritten_read: UnreadablePolicy::IllegalLba,
            unformatted_read: UnreadablePolicy::IllegalLba,
            bg_format_ticks: 64,
            strict_write_unit: !kind.is_cd() && !kind.is_rom(),
            minimal_blank_keeps_incremental: false,
        }
    }
}
