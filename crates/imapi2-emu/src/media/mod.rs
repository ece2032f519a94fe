//! The medium model: what is recorded where, and the state machine of every
//! medium family as seen through MMC (mmc-notes §2).
//!
//! The model is pure: it knows blocks, tracks, sessions and formats, never
//! bytes or files. Each operation either succeeds or returns a [`MediaError`]
//! carrying the (key, ASC, ASCQ) a real drive would report. Operations that
//! move data come in two steps, *plan* then *apply* ([`Medium::plan_write`] /
//! [`Medium::apply_write`], [`Medium::plan_read`]), so the caller can move the
//! bytes between the two and leave the state untouched when I/O fails.
//!
//! Families and their rules:
//!
//! | family | kinds | model |
//! |---|---|---|
//! | CD sequential | CD-R, CD-RW | TAO tracks (2 run-out blocks, 150-block pre-gap before the next track, 300-block minimum), SAO from a cue sheet, RAW from the lead-in; sessions cost 11 400 blocks after the first lead-out and 6 900 after later ones (§2.2) |
//! | DVD-R sequential | DVD-R, DVD-RW (profile 0014h), DVD-R DL | 16-block write unit, incremental tracks (page 05h write type 0), DAO after RESERVE TRACK (write type 2), configurable border between sessions, DVD-R DL single-session; tracks named by number, never FFh (§1.2, §2.3) |
//! | DVD+R | DVD+R, DVD+R DL | 16-block write unit, fragments closed by CLOSE TRACK, sessions merged into one logical track at CLOSE SESSION, finalize 101b/110b (§2.5) |
//! | BD-R SRM | BD-R | several open tracks (RESERVE TRACK), 32-block write unit, optional pre-format with spares (then appendable with an empty session), finalize 110b (§2.7) |
//! | overwritable | DVD+RW, DVD-RW (profile 0013h), DVD-RAM, BD-RE | one track, random writes inside the formatted area, formatting states (§2.4, §2.6, §2.7) |
//! | pressed | CD-ROM, DVD-ROM, BD-ROM | read-only data of an image |

use std::fmt;

use imapi2_mmc::mode::DataBlockType;
pub use imapi2_mmc::mode::WriteType;

use crate::error::{MediaError, SenseCode};
use crate::ranges::RangeSet;

mod invariants;
mod close;

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

/// Disc status of READ DISC INFORMATION byte 2 bits 1–0 (MMC-6 §6.22.3.1.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiscStatus {
    /// 00b: nothing recorded.
    Blank,
    /// 01b: incomplete, more can be appended.
    Appendable,
    /// 10b: complete (finalized, or a formatted rewritable with a fixed layout).
    Complete,
    /// 11b: random-access media (DVD-RAM, formatted BD-RE).
    Others,
}

impl DiscStatus {
    /// The two-bit field value.
    pub fn bits(self) -> u8 {
        match self {
            DiscStatus::Blank => 0,
            DiscStatus::Appendable => 1,
            DiscStatus::Complete => 2,
            DiscStatus::Others => 3,
        }
    }
}

/// State of a session (READ DISC INFORMATION byte 2 bits 3–2 for the last one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionState {
    /// 00b: the session holds nothing yet.
    Empty,
    /// 01b: tracks are recorded or reserved, the session is open.
    Incomplete,
    /// 11b: closed (lead-in and lead-out, or border, written).
    Complete,
}

impl SessionState {
    /// The two-bit field value.
    pub fn bits(self) -> u8 {
        match self {
            SessionState::Empty => 0,
            SessionState::Incomplete => 1,
            SessionState::Complete => 3,
        }
    }

    /// Name used in state files.
    pub fn name(self) -> &'static str {
        match self {
            SessionState::Empty => "empty",
            SessionState::Incomplete => "incomplete",
            SessionState::Complete => "complete",
        }
    }

    /// The state named `name`.
    pub fn from_name(name: &str) -> Option<SessionState> {
        match name {
            "empty" => Some(SessionState::Empty),
            "incomplete" => Some(SessionState::Incomplete),
            "complete" => Some(SessionState::Complete),
            _ => None,
        }
    }
}

/// Background format status of DVD+RW (READ DISC INFORMATION byte 7 bits 1–0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BgFormatStatus {
    /// 00b: never formatted (or not a background-formatting medium).
    None,
    /// 01b: started, then stopped before completion.
    Stopped,
    /// 10b: in progress.
    InProgress,
    /// 11b: complete.
    Complete,
}

impl BgFormatStatus {
    /// The two-bit field value.
    pub fn bits(self) -> u8 {
        match self {
            BgFormatStatus::None => 0,
            BgFormatStatus::Stopped => 1,
            BgFormatStatus::InProgress => 2,
            BgFormatStatus::Complete => 3,
        }
    }
}

/// What a track is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrackState {
    /// The not-yet-closed remainder of the disc: the "invisible" or, once
    /// written to, "incomplete" track (RT=0, NWA valid).
    Invisible,
    /// Created by RESERVE TRACK or a cue sheet (RT=1), open for writing
    /// until full or closed.
    Reserved,
    /// Closed: NWA no longer valid.
    Complete,
}

impl TrackState {
    /// Name used in state files.
    pub fn name(self) -> &'static str {
        match self {
            TrackState::Invisible => "invisible",
            TrackState::Reserved => "reserved",
            TrackState::Complete => "complete",
        }
    }

    /// The state named `name`.
    pub fn from_name(name: &str) -> Option<TrackState> {
        match name {
            "invisible" => Some(TrackState::Invisible),
            "reserved" => Some(TrackState::Reserved),
            "complete" => Some(TrackState::Complete),
            _ => None,
        }
    }
}

/// What a track holds: the control nibble of its TOC entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrackContent {
    /// Data (control 4h).
    Data,
    /// CD-DA audio (control 0h).
    Audio,
}

/// Where the blocks of a track (or of a cue-sheet region) are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Storage {
    /// 2048-byte user data blocks in the data file at `lba × 2048`.
    User,
    /// Frames of the given size (2352, 2368, 2448, 2336, ...) in the raw
    /// frame store.
    Raw(u16),
}

/// One track of a sequential medium.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Track {
    /// Track number, 1-based and consecutive over the disc.
    pub number: u32,
    /// Session the track belongs to.
    pub session: u32,
    /// First LBA.
    pub start: i64,
    /// Size in blocks: the reservation, the closed size (CD TAO tracks include
    /// their 2 run-out blocks), or for the invisible track the free space.
    pub size: u32,
    /// Blocks recorded from `start`.
    pub recorded: u32,
    /// Where the track is in its life.
    pub state: TrackState,
    /// Data or audio.
    pub content: TrackContent,
    /// Where its blocks live.
    pub storage: Storage,
    /// Damage flag (a track interrupted by a power loss).
    pub damaged: bool,
}

impl Track {
    /// Next writable address, when writable.
    pub fn nwa(&self) -> Option<i64> {
        match self.state {
            TrackState::Complete => None,
            _ if self.recorded >= self.size && self.state == TrackState::Reserved => None,
            _ => Some(self.start + i64::from(self.recorded)),
        }
    }

    /// Last recorded address, when something is recorded.
    pub fn lra(&self) -> Option<i64> {
        (self.recorded > 0).then(|| self.start + i64::from(self.recorded) - 1)
    }

    /// First LBA after the track.
    pub fn end(&self) -> i64 {
        self.start + i64::from(self.size)
    }

    /// Blocks still writable.
    pub fn free(&self) -> u32 {
        match self.state {
            TrackState::Complete => 0,
            _ => self.size - self.recorded,
        }
    }
}

/// One session of a sequential medium.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// Session number, 1-based.
    pub number: u32,
    /// Open, empty or closed.
    pub state: SessionState,
    /// Start of the lead-out (CD) or border once closed.
    pub lead_out: Option<i64>,
}

/// A contiguous region of a CD session laid out by a cue sheet or by RAW
/// writing, with the form of its blocks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CdRegion {
    /// First LBA.
    pub start: i64,
    /// First LBA after the region.
    pub end: i64,
    /// Bytes the host sends per block; 0 when the drive generates the blocks.
    pub block_size: u16,
    /// Where the blocks are kept.
    pub storage: Storage,
    /// Data or audio.
    pub content: TrackContent,
}

/// One point of a cue sheet, as the model needs it (MMC-6 §6.33.3.x): the
/// caller decodes the SEND CUE SHEET parameter list and passes these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CuePoint {
    /// Control nibble (bit 2 set: data track).
    pub control: u8,
    /// Track number: 0 lead-in, 1..=99, AAh lead-out.
    pub tno: u8,
    /// Index number.
    pub index: u8,
    /// Data form byte (main data form in bits 5–0, sub-channel bits 7–6).
    pub data_form: u8,
    /// Absolute address of this point as an LBA.
    pub lba: i64,
}

/// A cue sheet accepted by the drive and being written (CD SAO).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaoLayout {
    /// Regions in address order.
    pub regions: Vec<CdRegion>,
    /// Next LBA the host must send.
    pub cursor: i64,
    /// Start of the lead-out.
    pub lead_out: i64,
}

/// A RAW (write type 3) session being written from the lead-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawSession {
    /// First LBA the host wrote.
    pub start: i64,
    /// Next LBA the host must send.
    pub cursor: i64,
    /// Frame size the host sends.
    pub block_size: u16,
    /// Q sub-channel changes seen: (lba, tno, index, control).
    pub marks: Vec<(i64, u8, u8, u8)>,
}

/// The format state of a formattable medium.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormatState {
    /// Never formatted (virgin DVD+RW, new BD-RE, blank BD-R, sequential media).
    Unformatted,
    /// Formatted with this many user blocks.
    Formatted {
        /// User blocks.
        blocks: u32,
    },
    /// DVD+RW background formatting: `done` of `blocks` formatted so far.
    Background {
        /// Size being formatted.
        blocks: u32,
        /// Blocks formatted so far.
        done: u32,
        /// True while formatting runs (BG status 10b), false when stopped (01b).
        running: bool,
    },
    /// DVD-RW restricted overwrite after a quick format (15h/13h), before the
    /// closing CLOSE SESSION: writes may grow the formatted area.
    Intermediate {
        /// Blocks formatted so far.
        blocks: u32,
    },
}

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

/// The parts of the write parameters page (05h) the medium obeys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteParams {
    /// Write type (byte 2 bits 3–0).
    pub write_type: WriteType,
    /// Multi-session field (11b: a next session is allowed).
    pub multi_session: u8,
    /// Test write (simulation).
    pub test_write: bool,
    /// Track mode (bit 2 set: data).
    pub track_mode: u8,
    /// Data block type (byte 4 bits 3–0).
    pub data_block_type: DataBlockType,
}

impl WriteParams {
    /// What a drive holds after power-on for `kind`: TAO mode-1 data on CD,
    /// incremental on DVD-R/-RW, multi-session 00b.
    pub fn default_for(kind: MediaKind) -> WriteParams {
        WriteParams {
            write_type: if kind.is_cd() {
                WriteType::TrackAtOnce
            } else {
                WriteType::Packet
            },
            multi_session: 0,
            test_write: false,
            track_mode: 4,
            data_block_type: DataBlockType::Mode1,
        }
    }

    /// True when the session being closed leaves the disc appendable.
    pub fn next_session_allowed(&self) -> bool {
        self.multi_session == 3
    }
}

/// Where a run of blocks of a WRITE goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteDest {
    /// User data store.
    User,
    /// Raw frame store, frames of this size.
    Raw(u16),
    /// Nowhere (test write).
    Discard,
}

/// A run of blocks of one WRITE with one destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteExtent {
    /// First LBA.
    pub lba: i64,
    /// Blocks.
    pub count: u32,
    /// Bytes per block the host sends.
    pub block_size: u16,
    /// Where they go.
    pub dest: WriteDest,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WriteTarget {
    Track(usize),
    Sao,
    Raw,
    Overwrite,
}

/// A checked WRITE: where each block goes, and how the state changes when
/// [`Medium::apply_write`] commits it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WritePlan {
    /// First LBA.
    pub lba: i64,
    /// Blocks.
    pub blocks: u32,
    /// Runs of blocks with their destination.
    pub extents: Vec<WriteExtent>,
    target: WriteTarget,
}

impl WritePlan {
    /// Bytes the host must send.
    pub fn bytes(&self) -> usize {
        self.extents
            .iter()
            .map(|e| e.count as usize * e.block_size as usize)
            .sum()
    }
}

/// Where a run of blocks of a READ comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadSource {
    /// User data store.
    User,
    /// Raw frames of this size; user data is extracted from them.
    Raw(u16),
    /// Zeros (formatted but never written, padding, drive-generated blocks).
    Zero,
}

/// A run of blocks of one READ with one source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadExtent {
    /// First LBA.
    pub lba: i64,
    /// Blocks.
    pub count: u32,
    /// Where the bytes come from.
    pub source: ReadSource,
}

/// How long an operation keeps the unit busy, for the virtual clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LongOp {
    /// Nothing long happened.
    None,
    /// A track was closed.
    CloseTrack,
    /// A session was closed.
    CloseSession,
    /// The disc was finalized.
    Finalize,
    /// A quick blank.
    BlankMinimal,
    /// A full blank.
    BlankFull,
    /// A format (not background).
    Format,
    /// Data in the cache was written out (CD TAO track close, SAO lead-in/out).
    Flush,
}

/// What BLANK or FORMAT UNIT did besides the state change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// The recorded data is gone: the caller clears the data stores.
    pub clear_data: bool,
    /// The current profile changed (DVD-RW sequential ↔ restricted overwrite):
    /// the drive raises an operational change.
    pub profile_changed: bool,
    /// How long the unit stays busy.
    pub long_op: LongOp,
}

/// A FORMAT UNIT format descriptor as the model needs it (MMC-6 §6.5.3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FormatRequest {
    /// Format type (byte 4 bits 7–2).
    pub format_type: u8,
    /// Format subtype (byte 4 bits 1–0).
    pub subtype: u8,
    /// Number of blocks (bytes 0–3).
    pub blocks: u32,
    /// Type dependent parameter (bytes 5–7).
    pub param: u32,
}

/// One descriptor of READ FORMAT CAPACITIES, as the model knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FormatCapacity {
    /// Number of blocks.
    pub blocks: u32,
    /// Format type (formattable descriptors) or descriptor type (the current
    /// descriptor: 1 unformatted, 2 formatted, 3 no medium / unknown).
    pub kind: u8,
    /// Type dependent parameter.
    pub param: u32,
}

/// The READ FORMAT CAPACITIES answer of the model (MMC-6 §6.24).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormatCapacities {
    /// Current/maximum capacity descriptor.
    pub current: FormatCapacity,
    /// Formattable capacity descriptors.
    pub formattable: Vec<FormatCapacity>,
}

/// The layer break of a dual-layer medium (READ/SEND DISC STRUCTURE 20h).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LayerBreak {
    /// Layer 0 data zone capacity in blocks.
    pub l0_capacity: u32,
    /// True once set by the host or crossed by writing.
    pub fixed: bool,
}

/// The READ DISC INFORMATION view of the medium (MMC-6 §6.22.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DiscView {
    /// Disc status.
    pub status: DiscStatus,
    /// State of the last session.
    pub last_session: SessionState,
    /// Erasable bit.
    pub erasable: bool,
    /// First track on disc.
    pub first_track: u32,
    /// Number of sessions (including an open or empty last one).
    pub sessions: u32,
    /// First track in the last session.
    pub first_track_last_session: u32,
    /// Last track in the last session.
    pub last_track_last_session: u32,
    /// Background format status.
    pub bg_format: BgFormatStatus,
    /// Lead-in start of the last session (CD) as an LBA, while that session
    /// is open (empty or being written), i.e. until the disc is finalized.
    pub next_lead_in: Option<i64>,
    /// Last possible lead-out start as an LBA, when the disc is not closed.
    pub last_possible_lead_out: Option<i64>,
}

/// The READ TRACK INFORMATION view of one track (MMC-6 §6.27.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrackView {
    /// Track number.
    pub number: u32,
    /// Session number.
    pub session: u32,
    /// Track start.
    pub start: i64,
    /// Track size.
    pub size: u32,
    /// Next writable address when valid.
    pub nwa: Option<i64>,
    /// Last recorded address when valid.
    pub lra: Option<i64>,
    /// Free blocks.
    pub free: u32,
    /// Reserved track (RT).
    pub reserved: bool,
    /// Blank track.
    pub blank: bool,
    /// Packet/incremental recording.
    pub packet: bool,
    /// Fixed packets.
    pub fixed_packet: bool,
    /// Fixed packet size / blocking factor.
    pub packet_size: u32,
    /// Damage bit.
    pub damaged: bool,
    /// Track mode nibble (4 data, 0 audio; 7 for DVD/BD).
    pub track_mode: u8,
    /// Data mode nibble (1 mode 1, 0Fh unknown).
    pub data_mode: u8,
}

/// Bytes per block the host sends for a page-05h data block type (the
/// table of [`DataBlockType::block_size`]), in the width the model stores.
fn block_size(t: DataBlockType) -> Option<u16> {
    t.block_size().and_then(|n| u16::try_from(n).ok())
}

fn align_up(v: u32, unit: u32) -> u32 {
    if unit <= 1 {
        v
    } else {
        v.div_ceil(unit).saturating_mul(unit)
    }
}

fn align_up_i64(v: i64, unit: u32) -> i64 {
    if unit <= 1 {
        v
    } else {
        let u = i64::from(unit);
        (v + u - 1).div_euclid(u) * u
    }
}

fn err<T>(sense: SenseCode, reason: impl Into<String>) -> Result<T, MediaError> {
    Err(MediaError::new(sense, reason))
}

/// A medium: its kind, what is recorded, its sessions, tracks and format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Medium {
    pub(crate) kind: MediaKind,
    pub(crate) capacity: u32,
    pub(crate) write_protected: bool,
    pub(crate) settings: MediaSettings,
    pub(crate) sessions: Vec<Session>,
    pub(crate) tracks: Vec<Track>,
    pub(crate) finalized: bool,
    pub(crate) cd_regions: Vec<CdRegion>,
    pub(crate) sao: Option<SaoLayout>,
    pub(crate) raw: Option<RawSession>,
    pub(crate) format: FormatState,
    pub(crate) written: RangeSet,
    pub(crate) restricted_overwrite: bool,
    pub(crate) incremental_ok: bool,
    pub(crate) layer: Option<LayerBreak>,
    pub(crate) disc_id: u32,
}

/// The recording model a medium follows right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// CD-R, CD-RW: TAO, SAO, RAW.
    Cd,
    /// DVD-R, DVD-R DL, DVD-RW sequential: incremental, DAO.
    DvdMinus,
    /// DVD+R, DVD+R DL.
    DvdPlusR,
    /// BD-R SRM.
    BdR,
    /// DVD+RW, DVD-RW restricted overwrite, DVD-RAM, BD-RE.
    Overwritable,
    /// Pressed media.
    Rom,
}

impl Medium {
    /// A blank medium of `kind` with its default capacity. Pressed kinds are
    /// a full-size pressed medium (see [`Medium::pressed`]).
    pub fn new(kind: MediaKind) -> Medium {
        if kind.is_rom() {
            return Medium::pressed(kind, kind.default_capacity());
        }
        Medium::build(kind, kind.default_capacity())
    }

    /// A blank medium of `kind` with `capacity` user blocks (small media make
    /// "disc full" tests fast). The capacity is rounded down to the write
    /// unit and must hold at least 64 units.
    pub fn with_capacity(kind: MediaKind, capacity: u32) -> crate::Result<Medium> {
        let unit = kind.write_unit().max(1);
        let cap = capacity / unit * unit;
        let min = 64 * unit.max(16);
        if cap < min {
            return Err(crate::Error::InvalidArgument {
                name: "capacity",
                reason: format!(
                    "{capacity} blocks is below the smallest {kind} model ({min} blocks)"
                ),
            });
        }
        if kind.is_rom() {
            return Ok(Medium::pressed(kind, cap));
        }
        Ok(Medium::build(kind, cap))
    }

    /// A pressed medium whose `blocks` blocks of data live in the user store.
    pub fn pressed(kind: MediaKind, blocks: u32) -> Medium {
        let mut m = Medium::build(kind, blocks);
        m.sessions = vec![Session {
            number: 1,
            state: SessionState::Complete,
            lead_out: Some(i64::from(blocks)),
        }];
        m.tracks = vec![Track {
            number: 1,
            session: 1,
            start: 0,
            size: blocks,
            recorded: blocks,
            state: TrackState::Complete,
            content: TrackContent::Data,
            storage: Storage::User,
            damaged: false,
        }];
        m.finalized = true;
        m
    }

    fn build(kind: MediaKind, capacity: u32) -> Medium {
        let layer = kind.is_dual_layer().then(|| LayerBreak {
            l0_capacity: capacity / 2 / 16 * 16,
            fixed: false,
        });
        let format = match kind {
            MediaKind::DvdRam => FormatState::Formatted { blocks: capacity },
            _ => FormatState::Unformatted,
        };
        let mut m = Medium {
            kind,
            capacity,
            write_protected: kind.is_rom(),
            settings: MediaSettings::for_kind(kind),
            sessions: Vec::new(),
            tracks: Vec::new(),
            finalized: false,
            cd_regions: Vec::new(),
            sao: None,
            raw: None,
            format,
            written: RangeSet::new(),
            restricted_overwrite: false,
            incremental_ok: true,
            layer,
            disc_id: 0x1A2B_3C4D ^ capacity,
        };
        if m.is_sequential_family() {
            m.reset_sequential();
        }
        m
    }

    fn reset_sequential(&mut self) {
        self.sessions = vec![Session {
            number: 1,
            state: SessionState::Empty,
            lead_out: None,
        }];
        self.tracks = Vec::new();
        self.finalized = false;
        self.cd_regions.clear();
        self.sao = None;
        self.raw = None;
        let end = self.seq_end();
        self.push_invisible(1, 0, end);
    }

    fn push_invisible(&mut self, session: u32, start: i64, end: i64) {
        if end <= start {
            return;
        }
        let number = self.tracks.len() as u32 + 1;
        self.tracks.push(Track {
            number,
            session,
            start,
            size: (end - start) as u32,
            recorded: 0,
            state: TrackState::Invisible,
            content: TrackContent::Data,
            storage: Storage::User,
            damaged: false,
        });
    }

    fn renumber(&mut self) {
        self.tracks.sort_by_key(|t| t.start);
        for (i, t) in self.tracks.iter_mut().enumerate() {
            t.number = i as u32 + 1;
        }
    }

    /// The kind of medium.
    pub fn kind(&self) -> MediaKind {
        self.kind
    }

    /// Nominal user capacity in blocks.
    pub fn capacity(&self) -> u32 {
        self.capacity
    }

    /// Behaviour knobs.
    pub fn settings(&self) -> &MediaSettings {
        &self.settings
    }

    /// Changes the behaviour knobs.
    pub fn settings_mut(&mut self) -> &mut MediaSettings {
        &mut self.settings
    }

    /// True when the medium refuses writes (pressed, or a protected cartridge).
    pub fn write_protected(&self) -> bool {
        self.write_protected
    }

    /// Sets the write protection (pressed media stay protected).
    pub fn set_write_protected(&mut self, on: bool) {
        self.write_protected = on || self.kind.is_rom();
    }

    /// Sessions (sequential media; empty for overwritable media).
    pub fn sessions(&self) -> &[Session] {
        &self.sessions
    }

    /// Tracks (sequential and pressed media; empty for overwritable media).
    pub fn tracks(&self) -> &[Track] {
        &self.tracks
    }

    /// True once no further session can be added.
    pub fn is_finalized(&self) -> bool {
        self.finalized
    }

    /// The format state.
    pub fn format_state(&self) -> FormatState {
        self.format
    }

    /// Blocks written on an overwritable medium.
    pub fn written(&self) -> &RangeSet {
        &self.written
    }

    /// The cue-sheet and RAW regions of CD sessions.
    pub fn cd_regions(&self) -> &[CdRegion] {
        &self.cd_regions
    }

    /// The cue sheet being written, if any.
    pub fn sao_layout(&self) -> Option<&SaoLayout> {
        self.sao.as_ref()
    }

    /// The RAW session being written, if any.
    pub fn raw_session(&self) -> Option<&RawSession> {
        self.raw.as_ref()
    }

    /// The layer break of a dual-layer medium.
    pub fn layer_break(&self) -> Option<LayerBreak> {
        self.layer
    }

    /// Disc identification number (READ DISC INFORMATION bytes 12–15).
    pub fn disc_id(&self) -> u32 {
        self.disc_id
    }

    /// True when DVD-RW incremental recording (feature 0021h) is available.
    pub fn incremental_allowed(&self) -> bool {
        match self.family() {
            Family::DvdMinus => self.incremental_ok,
            Family::Cd => true,
            _ => false,
        }
    }

    /// The recording model in force.
    pub fn family(&self) -> Family {
        match self.kind {
            MediaKind::CdR | MediaKind::CdRw => Family::Cd,
            MediaKind::DvdMinusR | MediaKind::DvdMinusRDl => Family::DvdMinus,
            MediaKind::DvdMinusRw if self.restricted_overwrite => Family::Overwritable,
            MediaKind::DvdMinusRw => Family::DvdMinus,
            MediaKind::DvdPlusR | MediaKind::DvdPlusRDl => Family::DvdPlusR,
            MediaKind::BdR => Family::BdR,
            MediaKind::DvdPlusRw | MediaKind::DvdRam | MediaKind::BdRe => Family::Overwritable,
            MediaKind::CdRom | MediaKind::DvdRom | MediaKind::BdRom => Family::Rom,
        }
    }

    fn is_sequential_family(&self) -> bool {
        matches!(
            self.family(),
            Family::Cd | Family::DvdMinus | Family::DvdPlusR | Family::BdR
        )
    }

    /// True for media written sequentially at a next writable address.
    pub fn is_sequential(&self) -> bool {
        self.is_sequential_family()
    }

    /// The current profile number (GET CONFIGURATION bytes 6–7; mmc-notes §1.3).
    pub fn profile(&self) -> u16 {
        match self.kind {
            MediaKind::CdR => 0x0009,
            MediaKind::CdRw => 0x000A,
            MediaKind::DvdMinusR => 0x0011,
            MediaKind::DvdMinusRw if self.restricted_overwrite => 0x0013,
            MediaKind::DvdMinusRw => 0x0014,
            MediaKind::DvdMinusRDl => 0x0015,
            MediaKind::DvdPlusR => 0x001B,
            MediaKind::DvdPlusRDl => 0x002B,
            MediaKind::DvdPlusRw => 0x001A,
            MediaKind::DvdRam => 0x0012,
            MediaKind::BdR => 0x0041,
            MediaKind::BdRe => 0x0043,
            MediaKind::CdRom => 0x0008,
            MediaKind::DvdRom => 0x0010,
            MediaKind::BdRom => 0x0040,
        }
    }

    /// End of the sequential recording area (exclusive LBA).
    pub fn sequential_end(&self) -> i64 {
        self.seq_end()
    }

    fn seq_end(&self) -> i64 {
        if let Some(l) = self.layer {
            return 2 * i64::from(l.l0_capacity);
        }
        match (self.kind, self.format) {
            (MediaKind::BdR, FormatState::Formatted { blocks }) => i64::from(blocks),
            _ => i64::from(self.capacity),
        }
    }

    fn write_unit(&self) -> u32 {
        self.kind.write_unit()
    }

    /// Size of the formatted area of an overwritable medium (None when
    /// unformatted).
    pub fn formatted_blocks(&self) -> Option<u32> {
        match self.format {
            FormatState::Unformatted => None,
            FormatState::Formatted { blocks }
            | FormatState::Background { blocks, .. }
            | FormatState::Intermediate { blocks } => Some(blocks),
        }
    }

    /// Background format status (DVD+RW).
    pub fn bg_format_status(&self) -> BgFormatStatus {
        if self.kind != MediaKind::DvdPlusRw {
            return BgFormatStatus::None;
        }
        match self.format {
            FormatState::Unformatted | FormatState::Intermediate { .. } => BgFormatStatus::None,
            FormatState::Background { running: true, .. } => BgFormatStatus::InProgress,
            FormatState::Background { running: false, .. } => BgFormatStatus::Stopped,
            FormatState::Formatted { .. } => BgFormatStatus::Complete,
        }
    }

    fn has_content(&self) -> bool {
        self.tracks
            .iter()
            .any(|t| t.recorded > 0 || t.state != TrackState::Invisible)
            || self.sao.is_some()
            || self.raw.is_some()
    }

    /// Disc status (READ DISC INFORMATION byte 2).
    pub fn disc_status(&self) -> DiscStatus {
        match self.family() {
            Family::Rom => DiscStatus::Complete,
            Family::Overwritable => match (self.kind, self.format) {
                (_, FormatState::Unformatted) => DiscStatus::Blank,
                (MediaKind::DvdRam | MediaKind::BdRe, _) => DiscStatus::Others,
                _ => DiscStatus::Complete,
            },
            _ => {
                if self.finalized {
                    DiscStatus::Complete
                } else if self.sessions.len() == 1
                    && !self.has_content()
                    && !self.is_formatted_bd_r()
                {
                    DiscStatus::Blank
                } else {
                    DiscStatus::Appendable
                }
            }
        }
    }

    /// A BD-R pre-formatted with spares (FORMAT UNIT 00h/32h). Even unwritten
    /// it is no longer blank: it reports "appendable, one empty session,
    /// READ CAPACITY 0" (mmc-notes §2.7; libburn treats that as blank).
    fn is_formatted_bd_r(&self) -> bool {
        self.kind == MediaKind::BdR && matches!(self.format, FormatState::Formatted { .. })
    }

    /// The open session (last, not complete) of a sequential medium.
    fn open_session(&self) -> Option<u32> {
        self.sessions
            .last()
            .filter(|s| s.state != SessionState::Complete)
            .map(|s| s.number)
    }

    fn session_state_of(&self, number: u32) -> SessionState {
        let Some(s) = self.sessions.iter().find(|s| s.number == number) else {
            return SessionState::Empty;
        };
        if s.state == SessionState::Complete {
            return SessionState::Complete;
        }
        let busy =
            self.tracks.iter().any(|t| {
                t.session == number && (t.recorded > 0 || t.state != TrackState::Invisible)
            }) || self.sao.is_some()
                || self.raw.is_some();
        if busy {
            SessionState::Incomplete
        } else {
            SessionState::Empty
        }
    }

    /// The READ DISC INFORMATION view.
    pub fn disc_view(&self) -> DiscView {
        let status = self.disc_status();
        let erasable = self.kind.is_erasable();
        let bg_format = self.bg_format_status();
        if !self.is_sequential_family() {
            // A blank (unformatted) DVD+RW or BD-RE has its one session
            // empty (00b); once formatted, it is complete (mmc-notes §1.2,
            // §2.1).
            let last_session = if status == DiscStatus::Blank {
                SessionState::Empty
            } else {
                SessionState::Complete
            };
            return DiscView {
                status,
                last_session,
                erasable,
                first_track: 1,
                sessions: 1,
                first_track_last_session: 1,
                last_track_last_session: 1,
                bg_format,
                next_lead_in: None,
                last_possible_lead_out: None,
            };
        }
        let last = self.sessions.last().map(|s| s.number).unwrap_or(1);
        let in_last: Vec<&Track> = self.tracks.iter().filter(|t| t.session == last).collect();
        let first_last = in_last.first().map(|t| t.number).unwrap_or(1);
        let last_last = in_last.last().map(|t| t.number).unwrap_or(first_last);
        let (next_lead_in, lpo) = if self.finalized {
            (None, None)
        } else if self.kind.is_cd() {
            // The last session is open (empty or being written) until the
            // disc is finalized: its lead-in is the ATIP lead-in for the
            // first session, and for a later one the 4500 blocks (60 s)
            // before the 150-block pre-gap of its first track (mmc-notes
            // §1.2, §2.2).
            let lead_in = if last == 1 {
                Some(CD_ATIP_LEAD_IN)
            } else {
                in_last
                    .first()
                    .map(|t| t.start - i64::from(CD_PREGAP) - 4_500)
            };
            (lead_in, Some(self.seq_end()))
        } else {
            (None, Some(self.seq_end()))
        };
        DiscView {
            status,
            last_session: self.session_state_of(last),
            erasable,
            first_track: 1,
            sessions: self.sessions.len() as u32,
            first_track_last_session: first_last,
            last_track_last_session: last_last,
            bg_format,
            next_lead_in,
            last_possible_lead_out: lpo,
        }
    }

    /// The invisible (incomplete, last) track.
    pub fn invisible(&self) -> Option<&Track> {
        self.tracks
            .iter()
            .find(|t| t.state == TrackState::Invisible)
    }

    /// Next writable address of the invisible track (or the growth point of
    /// an intermediate DVD-RW), as READ TRACK INFORMATION FFh reports it.
    pub fn next_writable_address(&self) -> Option<i64> {
        if let Some(s) = &self.sao {
            return Some(s.cursor);
        }
        if let Some(r) = &self.raw {
            return Some(r.cursor);
        }
        match self.family() {
            Family::Overwritable => self.overwritable_view().nwa,
            Family::Rom => None,
            _ => self.invisible().and_then(|t| t.nwa()),
        }
    }

    fn overwritable_view(&self) -> TrackView {
        let (size, nwa) = match self.format {
            FormatState::Unformatted => (self.capacity, None),
            FormatState::Intermediate { blocks } => (blocks, Some(i64::from(blocks))),
            FormatState::Formatted { blocks } | FormatState::Background { blocks, .. } => {
                (blocks, Some(0))
            }
        };
        let free = match self.format {
            FormatState::Intermediate { blocks } => self.capacity - blocks,
            FormatState::Unformatted => 0,
            _ => size,
        };
        TrackView {
            number: 1,
            session: 1,
            start: 0,
            size,
            nwa,
            lra: None,
            free,
            reserved: false,
            blank: self.written.is_empty(),
            packet: true,
            fixed_packet: true,
            packet_size: self.write_unit(),
            damaged: false,
            track_mode: 4,
            data_mode: 1,
        }
    }

    fn view_of(&self, t: &Track) -> TrackView {
        let cd = self.kind.is_cd();
        let open = t.state != TrackState::Complete;
        let packet = !cd && self.family() != Family::Rom;
        TrackView {
            number: t.number,
            session: t.session,
            start: t.start,
            size: t.size,
            nwa: t.nwa(),
            lra: t.lra(),
            free: t.free(),
            reserved: t.state == TrackState::Reserved,
            blank: t.recorded == 0 && open,
            packet,
            fixed_packet: packet,
            packet_size: if packet { self.write_unit() } else { 0 },
            damaged: t.damaged,
            track_mode: match (t.content, packet) {
                (TrackContent::Audio, _) => 0,
                (TrackContent::Data, true) => 5,
                (TrackContent::Data, false) => 4,
            },
            data_mode: if t.recorded == 0 && t.state == TrackState::Invisible {
                0x0F
            } else {
                1
            },
        }
    }

    /// READ TRACK INFORMATION by track number; 0xFF names the invisible track
    /// on CD, DVD+R and BD-R. DVD-R/-RW sequential media know no track FFh:
    /// the host asks for the last track number of READ DISC INFORMATION
    /// (mmc-notes §1.2), and FFh gets `None` (05/24/00), as CLOSE TRACK FFh
    /// does there.
    pub fn track_view(&self, number: u32) -> Option<TrackView> {
        if self.family() == Family::Overwritable {
            return (number == 1 || number == 0xFF).then(|| self.overwritable_view());
        }
        if number == 0xFF && self.family() == Family::DvdMinus {
            return None;
        }
        if number == 0xFF {
            // The invisible track, or while a cue sheet is being written the
            // first track still open.
            let open = self
                .invisible()
                .or_else(|| self.tracks.iter().find(|t| t.nwa().is_some()));
            return open.map(|t| self.view_of(t));
        }
        self.tracks
            .iter()
            .find(|t| t.number == number)
            .map(|t| self.view_of(t))
    }

    /// READ TRACK INFORMATION by LBA: the track containing `lba`.
    pub fn track_view_at(&self, lba: i64) -> Option<TrackView> {
        if self.family() == Family::Overwritable {
            let v = self.overwritable_view();
            return (lba >= 0 && lba < i64::from(self.capacity)).then_some(v);
        }
        self.tracks
            .iter()
            .find(|t| lba >= t.start && lba < t.end())
            .map(|t| self.view_of(t))
    }

    /// READ TRACK INFORMATION by session: the first track of the session.
    pub fn track_view_of_session(&self, session: u32) -> Option<TrackView> {
        if self.family() == Family::Overwritable {
            return (session == 1).then(|| self.overwritable_view());
        }
        self.tracks
            .iter()
            .find(|t| t.session == session)
            .map(|t| self.view_of(t))
    }

    /// READ CAPACITY: the last readable LBA (MMC-6 §6.23): the end of the
    /// recorded area on sequential media (0 when nothing is recorded), the
    /// formatted size − 1 on overwritable media.
    pub fn last_lba(&self) -> u32 {
        match self.family() {
            Family::Overwritable => match self.format {
                FormatState::Unformatted => 0,
                FormatState::Intermediate { blocks } => {
                    let w = self.written.last().map(|l| l as u32 + 1).unwrap_or(0);
                    blocks.max(w).saturating_sub(1)
                }
                FormatState::Formatted { blocks } | FormatState::Background { blocks, .. } => {
                    blocks.saturating_sub(1)
                }
            },
            _ => {
                let end = self
                    .tracks
                    .iter()
                    .filter(|t| t.recorded > 0)
                    .map(|t| match t.state {
                        TrackState::Complete => t.end(),
                        _ => t.start + i64::from(t.recorded),
                    })
                    .max()
                    .unwrap_or(0);
                end.saturating_sub(1).max(0) as u32
            }
        }
    }

    fn check_writable(&self) -> Result<(), MediaError> {
        if self.kind.is_rom() {
            return err(
                SenseCode::WRITE_PROTECTED,
                format!("a pressed {} cannot be written", self.kind),
            );
        }
        if self.write_protected {
            return err(
                SenseCode::WRITE_PROTECTED,
                format!("the {} is write protected", self.kind),
            );
        }
        Ok(())
    }

    fn check_appendable(&self) -> Result<u32, MediaError> {
        match self.open_session() {
            Some(s) if !self.finalized => Ok(s),
            _ => err(
                SenseCode::CANNOT_WRITE_MEDIUM,
                format!("the {} is closed", self.kind),
            ),
        }
    }

    // ---------------------------------------------------------------- writes

    /// Checks a WRITE of `blocks` blocks at `lba` under the write parameters
    /// `params` and says where each block goes. Nothing changes until
    /// [`Medium::apply_write`].
    pub fn plan_write(
        &self,
        lba: i64,
        blocks: u32,
        params: &WriteParams,
    ) -> Result<WritePlan, MediaError> {
        self.check_writable()?;
        if blocks == 0 {
            return Ok(WritePlan {
                lba,
                blocks,
                extents: Vec::new(),
                target: WriteTarget::Overwrite,
            });
        }
        match self.family() {
            Family::Rom => unreachable_rom(),
            Family::Overwritable => self.plan_overwrite(lba, blocks),
            _ => self.plan_sequential(lba, blocks, params),
        }
    }

    fn strict_unit_check(&self, lba: i64, blocks: u32) -> Result<(), MediaError> {
        let unit = self.write_unit();
        if !self.settings.strict_write_unit || unit <= 1 {
            return Ok(());
        }
        let end = lba + i64::from(blocks);
        let reserved_tail = self.tracks.iter().any(|t| {
            t.state == TrackState::Reserved
                && lba >= t.start
                && end <= t.end()
                && t.end() - end < i64::from(unit)
        });
        if reserved_tail {
            // The last, partial unit of a reservation (DVD-R DAO reserves
            // the exact size and growisofs cuts its last 32 KiB write to
            // it): the drive pads the unit when it flushes (mmc-notes §2.3).
            return Ok(());
        }
        if lba.rem_euclid(i64::from(unit)) != 0 {
            return err(
                SenseCode::INVALID_WRITE_ADDRESS,
                format!("LBA {lba} is not aligned to the {unit}-block write unit"),
            );
        }
        if blocks % unit != 0 {
            return err(
                SenseCode::INVALID_FIELD_IN_CDB,
                format!("{blocks} blocks is not a multiple of the {unit}-block write unit"),
            );
        }
        Ok(())
    }

    fn plan_overwrite(&self, lba: i64, blocks: u32) -> Result<WritePlan, MediaError> {
        let end = lba + i64::from(blocks);
        let limit = match self.format {
            FormatState::Unformatted => {
                return err(
                    SenseCode::MEDIUM_NOT_FORMATTED,
                    format!("the {} is not formatted", self.kind),
                )
            }
            FormatState::Formatted { blocks } | FormatState::Background { blocks, .. } => {
                i64::from(blocks)
            }
            FormatState::Intermediate { blocks: f } => {
                if lba > i64::from(f) {
                    return err(
                        SenseCode::INVALID_WRITE_ADDRESS,
                        format!("LBA {lba} is past the end of the formatted area ({f}): growth must be contiguous"),
                    );
                }
                i64::from(self.capacity)
            }
        };
        if lba < 0 || end > limit {
            return err(
                SenseCode::LBA_OUT_OF_RANGE,
                format!("blocks {lba}..{end} are outside the writable area 0..{limit}"),
            );
        }
        if self.family() == Family::Overwritable && self.kind == MediaKind::DvdMinusRw {
            self.strict_unit_check(lba, blocks)?;
        }
        Ok(WritePlan {
            lba,
            blocks,
            extents: vec![WriteExtent {
                lba,
                count: blocks,
                block_size: 2048,
                dest: WriteDest::User,
            }],
            target: WriteTarget::Overwrite,
        })
    }

    fn plan_sequential(
        &self,
        lba: i64,
        blocks: u32,
        params: &WriteParams,
    ) -> Result<WritePlan, MediaError> {
        let session = self.check_appendable()?;
        let cd = self.family() == Family::Cd;
        if cd && self.sao.is_some() {
            return self.plan_sao(lba, blocks);
        }
        if cd && (params.write_type == WriteType::Raw || self.raw.is_some()) {
            return self.plan_raw(lba, blocks, params);
        }
        if cd && params.write_type == WriteType::SessionAtOnce {
            return err(
                SenseCode::COMMAND_SEQUENCE_ERROR,
                "session-at-once writing needs a cue sheet first",
            );
        }
        let idx = self
            .tracks
            .iter()
            .position(|t| t.session == session && t.nwa() == Some(lba));
        let Some(idx) = idx else {
            if lba >= self.seq_end() {
                return err(
                    SenseCode::LBA_OUT_OF_RANGE,
                    format!(
                        "LBA {lba} is beyond the end of the medium ({})",
                        self.seq_end()
                    ),
                );
            }
            let nwas: Vec<String> = self
                .tracks
                .iter()
                .filter_map(|t| t.nwa().map(|n| format!("track {}: {n}", t.number)))
                .collect();
            return err(
                SenseCode::INVALID_WRITE_ADDRESS,
                format!(
                    "LBA {lba} is not a next writable address ({})",
                    nwas.join(", ")
                ),
            );
        };
        let t = &self.tracks[idx];
        let end = lba + i64::from(blocks);
        if end > t.end() {
            let sense = if t.state == TrackState::Reserved {
                SenseCode::END_OF_TRACK
            } else {
                SenseCode::LBA_OUT_OF_RANGE
            };
            return err(
                sense,
                format!(
                    "blocks {lba}..{end} run past the end of track {} ({})",
                    t.number,
                    t.end()
                ),
            );
        }
        self.strict_unit_check(lba, blocks)?;
        match self.family() {
            Family::DvdMinus => match params.write_type {
                WriteType::Packet if t.state == TrackState::Invisible && !self.incremental_ok => {
                    return err(
                        SenseCode::ILLEGAL_MODE_FOR_TRACK,
                        "incremental recording is not possible on this medium (minimally blanked)",
                    );
                }
                WriteType::Packet => {}
                WriteType::SessionAtOnce if t.state == TrackState::Reserved => {}
                WriteType::SessionAtOnce => {
                    return err(
                        SenseCode::COMMAND_SEQUENCE_ERROR,
                        "disc-at-once writing needs a RESERVE TRACK first",
                    )
                }
                other => {
                    return err(
                        SenseCode::ILLEGAL_MODE_FOR_TRACK,
                        format!(
                            "write type {} does not apply to {}",
                            other.bits(),
                            self.kind
                        ),
                    )
                }
            },
            Family::Cd => match params.write_type {
                WriteType::TrackAtOnce | WriteType::Packet => {}
                other => {
                    return err(
                        SenseCode::ILLEGAL_MODE_FOR_TRACK,
                        format!("write type {} cannot write a CD track", other.bits()),
                    )
                }
            },
            _ => {}
        }
        let (block_size, dest) = if cd {
            let size = block_size(params.data_block_type).ok_or_else(|| {
                MediaError::new(
                    SenseCode::ILLEGAL_MODE_FOR_TRACK,
                    format!(
                        "data block type {} is reserved",
                        params.data_block_type.bits()
                    ),
                )
            })?;
            let storage = if size == 2048 {
                Storage::User
            } else {
                Storage::Raw(size)
            };
            if t.recorded > 0 && storage != t.storage {
                return err(
                    SenseCode::ILLEGAL_MODE_FOR_TRACK,
                    format!("track {} was started with another block size", t.number),
                );
            }
            (
                size,
                if size == 2048 {
                    WriteDest::User
                } else {
                    WriteDest::Raw(size)
                },
            )
        } else {
            (2048, WriteDest::User)
        };
        let dest = if params.test_write && self.test_write_supported() {
            WriteDest::Discard
        } else {
            dest
        };
        Ok(WritePlan {
            lba,
            blocks,
            extents: vec![WriteExtent {
                lba,
                count: blocks,
                block_size,
                dest,
            }],
            target: WriteTarget::Track(idx),
        })
    }

    /// True when the medium knows test writes (CD-R/RW, DVD-R/RW; mmc-notes
    /// §1.2 page 05h Test Write).
    pub fn test_write_supported(&self) -> bool {
        matches!(self.family(), Family::Cd | Family::DvdMinus)
    }

    fn plan_sao(&self, lba: i64, blocks: u32) -> Result<WritePlan, MediaError> {
        let Some(sao) = &self.sao else {
            return unreachable_rom();
        };
        if lba != sao.cursor {
            return err(
                SenseCode::INVALID_WRITE_ADDRESS,
                format!(
                    "session-at-once writing continues at LBA {}, not {lba}",
                    sao.cursor
                ),
            );
        }
        let end = lba + i64::from(blocks);
        if end > sao.lead_out {
            return err(
                SenseCode::LBA_OUT_OF_RANGE,
                format!(
                    "blocks {lba}..{end} run past the lead-out of the cue sheet ({})",
                    sao.lead_out
                ),
            );
        }
        let mut extents = Vec::new();
        let mut at = lba;
        for r in &sao.regions {
            if r.end <= at || at >= end {
                continue;
            }
            if r.start > at {
                break;
            }
            if r.block_size == 0 {
                return err(
                    SenseCode::INVALID_WRITE_ADDRESS,
                    format!(
                        "blocks {}..{} are generated by the drive and cannot be sent",
                        r.start, r.end
                    ),
                );
            }
            let stop = r.end.min(end);
            let dest = match r.storage {
                Storage::User => WriteDest::User,
                Storage::Raw(s) => WriteDest::Raw(s),
            };
            extents.push(WriteExtent {
                lba: at,
                count: (stop - at) as u32,
                block_size: r.block_size,
                dest,
            });
            at = stop;
        }
        if at != end {
            return err(
                SenseCode::INVALID_WRITE_ADDRESS,
                format!("blocks {at}..{end} are not described by the cue sheet"),
            );
        }
        Ok(WritePlan {
            lba,
            blocks,
            extents,
            target: WriteTarget::Sao,
        })
    }

    fn plan_raw(
        &self,
        lba: i64,
        blocks: u32,
        params: &WriteParams,
    ) -> Result<WritePlan, MediaError> {
        let size = match params.data_block_type {
            t @ (DataBlockType::Raw2352
            | DataBlockType::RawPq2368
            | DataBlockType::RawPwPacked2448
            | DataBlockType::RawPwRaw2448) => block_size(t).unwrap_or(2448),
            other => {
                return err(
                    SenseCode::ILLEGAL_MODE_FOR_TRACK,
                    format!("data block type {} is not a raw block type", other.bits()),
                )
            }
        };
        match &self.raw {
            Some(r) => {
                if lba != r.cursor {
                    return err(
                        SenseCode::INVALID_WRITE_ADDRESS,
                        format!("raw writing continues at LBA {}, not {lba}", r.cursor),
                    );
                }
                if size != r.block_size {
                    return err(
                        SenseCode::ILLEGAL_MODE_FOR_TRACK,
                        "raw block size changed mid-session",
                    );
                }
            }
            None => {
                if self.disc_status() != DiscStatus::Blank {
                    return err(
                        SenseCode::COMMAND_SEQUENCE_ERROR,
                        "raw writing needs a blank disc",
                    );
                }
                if !(CD_ATIP_LEAD_IN..=0).contains(&lba) {
                    return err(
                        SenseCode::INVALID_WRITE_ADDRESS,
                        format!("raw writing starts in the lead-in ({CD_ATIP_LEAD_IN}..=0), not at {lba}"),
                    );
                }
            }
        }
        let end = lba + i64::from(blocks);
        if end > self.seq_end() + 6_750 {
            return err(
                SenseCode::LBA_OUT_OF_RANGE,
                format!("raw blocks up to {end} exceed the medium"),
            );
        }
        let dest = if params.test_write {
            WriteDest::Discard
        } else {
            WriteDest::Raw(size)
        };
        Ok(WritePlan {
            lba,
            blocks,
            extents: vec![WriteExtent {
                lba,
                count: blocks,
                block_size: size,
                dest,
            }],
            target: WriteTarget::Raw,
        })
    }

    /// Commits a plan made by [`Medium::plan_write`] on this same state.
    /// `subq` gives, for RAW writes, the Q sub-channel decoded from each frame
    /// (pass an empty slice otherwise).
    pub fn apply_write(
        &mut self,
        plan: &WritePlan,
        params: &WriteParams,
        subq: &[Option<(u8, u8, u8)>],
    ) {
        if plan.blocks == 0 {
            return;
        }
        let end = plan.lba + i64::from(plan.blocks);
        match plan.target {
            WriteTarget::Overwrite => {
                self.written.insert(plan.lba, end);
                if let FormatState::Intermediate { blocks } = self.format {
                    let grown = (end as u32).max(blocks);
                    self.format = FormatState::Intermediate {
                        blocks: align_up(grown, 16).min(self.capacity),
                    };
                }
            }
            WriteTarget::Track(idx) => {
                let cd = self.kind.is_cd();
                let t = &mut self.tracks[idx];
                if t.recorded == 0 && cd {
                    t.content = if params.track_mode & 0x04 != 0 {
                        TrackContent::Data
                    } else {
                        TrackContent::Audio
                    };
                    let size = block_size(params.data_block_type).unwrap_or(2048);
                    t.storage = if size == 2048 {
                        Storage::User
                    } else {
                        Storage::Raw(size)
                    };
                }
                t.recorded += plan.blocks;
                if t.state == TrackState::Reserved && t.recorded == t.size {
                    t.state = TrackState::Complete;
                }
                if let Some(l) = &mut self.layer {
                    if end > i64::from(l.l0_capacity) {
                        l.fixed = true;
                    }
                }
                if let Some(s) = self.sessions.last_mut() {
                    if s.state == SessionState::Empty {
                        s.state = SessionState::Incomplete;
                    }
                }
            }
            WriteTarget::Sao => {
                if let Some(sao) = &mut self.sao {
                    sao.cursor = end;
                    while let Some(r) = sao
                        .regions
                        .iter()
                        .find(|r| r.start <= sao.cursor && sao.cursor < r.end)
                    {
                        if r.block_size == 0 {
                            sao.cursor = r.end;
                        } else {
                            break;
                        }
                    }
                    let cursor = sao.cursor;
                    for t in self
                        .tracks
                        .iter_mut()
                        .filter(|t| t.state == TrackState::Reserved)
                    {
                        let done = (cursor - t.start).clamp(0, i64::from(t.size)) as u32;
                        t.recorded = t.recorded.max(done);
                    }
                }
            }
            WriteTarget::Raw => {
                let size = plan.extents.first().map(|e| e.block_size).unwrap_or(2448);
                let raw = self.raw.get_or_insert(RawSession {
                    start: plan.lba,
                    cursor: plan.lba,
                    block_size: size,
                    marks: Vec::new(),
                });
                for (i, q) in subq.iter().enumerate().take(plan.blocks as usize) {
                    if let Some((tno, index, control)) = *q {
                        let lba = plan.lba + i as i64;
                        let same = raw
                            .marks
                            .last()
                            .is_some_and(|&(_, t, x, c)| t == tno && x == index && c == control);
                        if !same {
                            raw.marks.push((lba, tno, index, control));
                        }
                    }
                }
                raw.cursor = end;
                if let Some(s) = self.sessions.last_mut() {
                    s.state = SessionState::Incomplete;
                }
            }
        }
    }

    // ----------------------------------------------------------------- reads

    /// Checks a READ of `blocks` 2048-byte blocks at `lba` and says where each
    /// run of blocks comes from.
    pub fn plan_read(&self, lba: i64, blocks: u32) -> Result<Vec<ReadExtent>, MediaError> {
        if blocks == 0 {
            return Ok(Vec::new());
        }
        let end = lba + i64::from(blocks);
        match self.family() {
            Family::Overwritable => self.plan_read_overwritable(lba, end),
            _ => self.plan_read_sequential(lba, end),
        }
    }

    fn plan_read_overwritable(&self, lba: i64, end: i64) -> Result<Vec<ReadExtent>, MediaError> {
        let limit = i64::from(self.capacity);
        if lba < 0 || end > limit {
            return err(
                SenseCode::LBA_OUT_OF_RANGE,
                format!("blocks {lba}..{end} are outside the medium (0..{limit})"),
            );
        }
        let formatted_end = match self.format {
            FormatState::Unformatted => 0,
            FormatState::Formatted { blocks } | FormatState::Intermediate { blocks } => {
                i64::from(blocks)
            }
            FormatState::Background { done, .. } => i64::from(done),
        };
        let mut out: Vec<ReadExtent> = Vec::new();
        let mut b = lba;
        while b < end {
            if let Some((_, e)) = self.written.range_containing(b) {
                let stop = e.min(end);
                push_read(&mut out, b, stop, ReadSource::User);
                b = stop;
            } else if b < formatted_end {
                let next = self.written.first_in(b, end).unwrap_or(end);
                let stop = next.min(formatted_end);
                push_read(&mut out, b, stop, ReadSource::Zero);
                b = stop;
            } else {
                return err(
                    self.settings.unformatted_read.sense(),
                    format!(
                        "block {b} of the {} is neither written nor formatted",
                        self.kind
                    ),
                );
            }
        }
        Ok(out)
    }

    /// The cue-sheet or RAW region holding the recorded block `b`.
    fn region_at(&self, b: i64) -> Option<(&CdRegion, i64)> {
        if let Some(r) = self.cd_regions.iter().find(|r| b >= r.start && b < r.end) {
            return Some((r, r.end));
        }
        let sao = self.sao.as_ref()?;
        if b >= sao.cursor {
            return None;
        }
        sao.regions
            .iter()
            .find(|r| b >= r.start && b < r.end)
            .map(|r| (r, r.end.min(sao.cursor)))
    }

    fn plan_read_sequential(&self, lba: i64, end: i64) -> Result<Vec<ReadExtent>, MediaError> {
        let mut out: Vec<ReadExtent> = Vec::new();
        let mut b = lba;
        while b < end {
            if let Some((r, r_end)) = self.region_at(b) {
                if r.content == TrackContent::Audio {
                    return err(
                        SenseCode::ILLEGAL_MODE_FOR_TRACK,
                        format!("block {b} is audio: READ(10) cannot return it"),
                    );
                }
                let stop = r_end.min(end);
                let source = match (r.block_size, r.storage) {
                    (0, _) => ReadSource::Zero,
                    (_, Storage::User) => ReadSource::User,
                    (_, Storage::Raw(s)) => ReadSource::Raw(s),
                };
                push_read(&mut out, b, stop, source);
                b = stop;
                continue;
            }
            let Some(t) = self.tracks.iter().find(|t| b >= t.start && b < t.end()) else {
                let sense = if b < 0 || b >= self.seq_end() {
                    SenseCode::LBA_OUT_OF_RANGE
                } else {
                    self.settings.unwritten_read.sense()
                };
                return err(sense, format!("block {b} lies outside every track"));
            };
            let rec_end = t.start + i64::from(t.recorded);
            if b >= rec_end {
                if t.state == TrackState::Complete {
                    return err(
                        SenseCode::ILLEGAL_MODE_FOR_TRACK,
                        format!("block {b} is a run-out block of track {}", t.number),
                    );
                }
                let sense = if self.family() == Family::Rom {
                    SenseCode::LBA_OUT_OF_RANGE
                } else {
                    self.settings.unwritten_read.sense()
                };
                return err(
                    sense,
                    format!("block {b} of track {} is not recorded", t.number),
                );
            }
            if t.content == TrackContent::Audio {
                return err(
                    SenseCode::ILLEGAL_MODE_FOR_TRACK,
                    format!("track {} is audio: READ(10) cannot return it", t.number),
                );
            }
            let stop = rec_end.min(end);
            let source = match t.storage {
                Storage::User => ReadSource::User,
                Storage::Raw(s) => ReadSource::Raw(s),
            };
            push_read(&mut out, b, stop, source);
            b = stop;
        }
        Ok(out)
    }

    /// The storage and content of the frame at `lba` for READ CD, or the
    /// refusal a drive gives when nothing is recorded there.
    pub fn frame_at(&self, lba: i64) -> Result<(TrackContent, ReadSource), MediaError> {
        if self.family() == Family::Overwritable {
            let r = self.plan_read_overwritable(lba, lba + 1)?;
            return Ok((TrackContent::Data, r[0].source));
        }
        if let Some((r, _)) = self.region_at(lba) {
            let source = match (r.block_size, r.storage) {
                (0, _) => ReadSource::Zero,
                (_, Storage::User) => ReadSource::User,
                (_, Storage::Raw(s)) => ReadSource::Raw(s),
            };
            return Ok((r.content, source));
        }
        let Some(t) = self
            .tracks
            .iter()
            .find(|t| lba >= t.start && lba < t.start + i64::from(t.recorded))
        else {
            let sense = if lba < CD_LOWEST_LBA || lba >= self.seq_end() {
                SenseCode::LBA_OUT_OF_RANGE
            } else {
                self.settings.unwritten_read.sense()
            };
            return err(sense, format!("block {lba} is not recorded"));
        };
        let source = match t.storage {
            Storage::User => ReadSource::User,
            Storage::Raw(s) => ReadSource::Raw(s),
        };
        Ok((t.content, source))
    }
}

fn push_read(out: &mut Vec<ReadExtent>, lba: i64, end: i64, source: ReadSource) {
    let count = (end - lba) as u32;
    if let Some(last) = out.last_mut() {
        if last.source == source && last.lba + i64::from(last.count) == lba {
            last.count += count;
            return;
        }
    }
    out.push(ReadExtent { lba, count, source });
}

fn unreachable_rom<T>() -> Result<T, MediaError> {
    err(
        SenseCode::WRITE_PROTECTED,
        "a pressed medium cannot be written",
    )
}
