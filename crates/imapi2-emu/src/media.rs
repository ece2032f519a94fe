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
//! | DVD-R sequential | DVD-R, DVD-RW (profile 0014h), DVD-R DL | incremental tracks (page 05h write type 0), DAO after RESERVE TRACK (write type 2), configurable border between sessions (§2.3) |
//! | DVD+R | DVD+R, DVD+R DL | fragments closed by CLOSE TRACK, sessions merged into one logical track at CLOSE SESSION, finalize 101b/110b (§2.5) |
//! | BD-R SRM | BD-R | several open tracks (RESERVE TRACK), 32-block write unit, optional pre-format with spares, finalize 110b (§2.7) |
//! | overwritable | DVD+RW, DVD-RW (profile 0013h), DVD-RAM, BD-RE | one track, random writes inside the formatted area, formatting states (§2.4, §2.6, §2.7) |
//! | pressed | CD-ROM, DVD-ROM, BD-ROM | read-only data of an image |

use std::fmt;

use crate::error::{MediaError, SenseCode};
use crate::ranges::RangeSet;

/// CD lead-in start of the emulated ATIP, 97:26:66 (LBA −11 634): a typical
/// value of 80-minute CD-R media (MMC-6 §6.26.3.6, ATIP byte 8–10).
pub const CD_ATIP_LEAD_IN: i64 = -11_634;

/// The lowest LBA a CD can address: MSF 90:00:00 (mmc-notes §0).
pub const CD_LOWEST_LBA: i64 = -45_150;

/// Blocks of the mandatory pre-gap before every CD track (2 s).
pub const CD_PREGAP: u32 = 150;

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
    /// True when a WRITE whose length is not a multiple of the write unit is
    /// refused (05/24/00); on by default for BD-R and DVD-RW restricted
    /// overwrite, whose drives require whole ECC units.
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
            strict_write_unit: matches!(kind, MediaKind::BdR | MediaKind::DvdMinusRw),
            minimal_blank_keeps_incremental: false,
        }
    }
}

/// The write type of page 05h byte 2 bits 3–0 (MMC-6 §7.5.4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteType {
    /// 0: packet / incremental.
    Incremental,
    /// 1: track at once.
    Tao,
    /// 2: session at once / disc at once.
    Sao,
    /// 3: raw.
    Raw,
    /// 4: layer jump.
    LayerJump,
    /// Any other value.
    Other(u8),
}

impl WriteType {
    /// The type from its field value.
    pub fn from_bits(b: u8) -> WriteType {
        match b & 0x0F {
            0 => WriteType::Incremental,
            1 => WriteType::Tao,
            2 => WriteType::Sao,
            3 => WriteType::Raw,
            4 => WriteType::LayerJump,
            o => WriteType::Other(o),
        }
    }

    /// The field value.
    pub fn bits(self) -> u8 {
        match self {
            WriteType::Incremental => 0,
            WriteType::Tao => 1,
            WriteType::Sao => 2,
            WriteType::Raw => 3,
            WriteType::LayerJump => 4,
            WriteType::Other(o) => o & 0x0F,
        }
    }
}

/// The parts of the write parameters page (05h) the medium obeys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteParams {
    /// Write type.
    pub write_type: WriteType,
    /// Multi-session field (11b: a next session is allowed).
    pub multi_session: u8,
    /// Test write (simulation).
    pub test_write: bool,
    /// Track mode (bit 2 set: data).
    pub track_mode: u8,
    /// Data block type.
    pub data_block_type: u8,
}

impl WriteParams {
    /// What a drive holds after power-on for `kind`: TAO mode-1 data on CD,
    /// incremental on DVD-R/-RW, multi-session 00b.
    pub fn default_for(kind: MediaKind) -> WriteParams {
        WriteParams {
            write_type: if kind.is_cd() {
                WriteType::Tao
            } else {
                WriteType::Incremental
            },
            multi_session: 0,
            test_write: false,
            track_mode: 4,
            data_block_type: 8,
        }
    }

    /// True when the session being closed leaves the disc appendable.
    pub fn next_session_allowed(&self) -> bool {
        self.multi_session == 3
    }
}

/// Bytes per block of a page-05h data block type (MMC-6 table 649), or
/// `None` for reserved values.
pub fn data_block_size(data_block_type: u8) -> Option<u16> {
    Some(match data_block_type {
        0 => 2352,
        1 => 2368,
        2 | 3 => 2448,
        8 | 10 => 2048,
        9 => 2336,
        11 => 2056,
        12 => 2324,
        13 => 2332,
        _ => return None,
    })
}

/// Bytes the host sends per block for a cue-sheet data form (MMC-6 §6.33.3.6
/// main data form), 0 when the drive generates the block, `None` when the form
/// is not one the drive accepts.
pub fn cue_block_size(data_form: u8) -> Option<u16> {
    let sub = if data_form & 0xC0 != 0 { 96 } else { 0 };
    let main = match data_form & 0x3F {
        0x00 => 2352,
        0x01 => 0,
        0x10 => 2048,
        0x11 => 2352,
        0x14 => 0,
        0x20 => 2336,
        0x21 => 2352,
        0x24 => 0,
        0x30 => 2336,
        0x31 => 2352,
        0x34 => 0,
        _ => return None,
    };
    Some(main + sub)
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
    /// Lead-in start of the next session (CD) as an LBA, when one can follow.
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
                } else if self.sessions.len() == 1 && !self.has_content() {
                    DiscStatus::Blank
                } else {
                    DiscStatus::Appendable
                }
            }
        }
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
            return DiscView {
                status,
                last_session: SessionState::Complete,
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
            let lead_in = match (status, self.invisible()) {
                (DiscStatus::Blank, _) => Some(CD_ATIP_LEAD_IN),
                (_, Some(t))
                    if t.recorded == 0 && self.session_state_of(last) == SessionState::Empty =>
                {
                    Some(t.start - i64::from(CD_PREGAP) - 4_500)
                }
                _ => None,
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
    /// (mmc-notes §1.2).
    pub fn track_view(&self, number: u32) -> Option<TrackView> {
        if self.family() == Family::Overwritable {
            return (number == 1 || number == 0xFF).then(|| self.overwritable_view());
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
        if cd && params.write_type == WriteType::Sao {
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
                WriteType::Incremental
                    if t.state == TrackState::Invisible && !self.incremental_ok =>
                {
                    return err(
                        SenseCode::ILLEGAL_MODE_FOR_TRACK,
                        "incremental recording is not possible on this medium (minimally blanked)",
                    );
                }
                WriteType::Incremental => {}
                WriteType::Sao if t.state == TrackState::Reserved => {}
                WriteType::Sao => {
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
                WriteType::Tao | WriteType::Incremental => {}
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
            let size = data_block_size(params.data_block_type).ok_or_else(|| {
                MediaError::new(
                    SenseCode::ILLEGAL_MODE_FOR_TRACK,
                    format!("data block type {} is reserved", params.data_block_type),
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
            0 => 2352,
            1 => 2368,
            2 | 3 => 2448,
            other => {
                return err(
                    SenseCode::ILLEGAL_MODE_FOR_TRACK,
                    format!("data block type {other} is not a raw block type"),
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
                    let size = data_block_size(params.data_block_type).unwrap_or(2048);
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

// ------------------------------------------------------------ state changes

impl Medium {
    /// CLOSE TRACK/SESSION (MMC-6 §6.3) with close function `function` on
    /// track `number` (0xFF: the incomplete track), under the write
    /// parameters `params` (their multi-session field decides whether
    /// closing a CD or DVD-R session finalizes). The §2.8 table of mmc-notes:
    ///
    /// - CD, DVD-R/-RW sequential: 001b track, 010b session (finalizes
    ///   unless multi-session is 11b);
    /// - DVD+R: 001b track, 010b session, 101b/110b finalize;
    /// - BD-R: 001b track, 010b session, 110b finalize;
    /// - DVD+RW: 000b/010b stop background formatting;
    /// - DVD-RW restricted overwrite: 010b ends the intermediate state;
    /// - DVD-RAM, BD-RE: 001b/010b accepted, nothing to do.
    pub fn close(
        &mut self,
        function: u8,
        number: u32,
        params: &WriteParams,
    ) -> Result<LongOp, MediaError> {
        self.check_writable()?;
        let bad = |f: u8, kind: MediaKind| {
            err(
                SenseCode::INVALID_FIELD_IN_CDB,
                format!("close function {f:03b} does not apply to {kind}"),
            )
        };
        match self.family() {
            Family::Rom => unreachable_rom(),
            Family::Overwritable => self.close_overwritable(function),
            Family::Cd | Family::DvdMinus => match function {
                1 => self.close_track_numbered(number),
                2 => self.close_session(!params.next_session_allowed()),
                f => bad(f, self.kind),
            },
            Family::DvdPlusR => match function {
                1 => self.close_track_numbered(number),
                2 => self.close_session(false),
                5 | 6 => self.close_session(true),
                f => bad(f, self.kind),
            },
            Family::BdR => match function {
                1 => self.close_track_numbered(number),
                2 => self.close_session(false),
                6 => self.close_session(true),
                f => bad(f, self.kind),
            },
        }
    }

    fn close_overwritable(&mut self, function: u8) -> Result<LongOp, MediaError> {
        match (self.kind, function) {
            (MediaKind::DvdPlusRw, 0 | 2) => {
                if let FormatState::Background {
                    blocks,
                    done,
                    running: true,
                } = self.format
                {
                    self.format = FormatState::Background {
                        blocks,
                        done,
                        running: false,
                    };
                    return Ok(LongOp::CloseSession);
                }
                Ok(LongOp::None)
            }
            (MediaKind::DvdPlusRw, 1) => Ok(LongOp::None),
            (MediaKind::DvdMinusRw, 2) => {
                if let FormatState::Intermediate { blocks } = self.format {
                    self.format = FormatState::Formatted { blocks };
                    return Ok(LongOp::CloseSession);
                }
                Ok(LongOp::None)
            }
            (MediaKind::DvdMinusRw | MediaKind::DvdRam | MediaKind::BdRe, 1 | 2) => {
                Ok(LongOp::None)
            }
            (kind, f) => err(
                SenseCode::INVALID_FIELD_IN_CDB,
                format!("close function {f:03b} does not apply to {kind}"),
            ),
        }
    }

    fn close_track_numbered(&mut self, number: u32) -> Result<LongOp, MediaError> {
        let session = self.check_appendable()?;
        if self.sao.is_some() || self.raw.is_some() {
            return err(
                SenseCode::COMMAND_SEQUENCE_ERROR,
                "a session-at-once or raw session closes at SYNCHRONIZE CACHE",
            );
        }
        let idx = if number == 0xFF && self.family() != Family::DvdMinus {
            self.tracks
                .iter()
                .position(|t| t.state == TrackState::Invisible)
        } else {
            self.tracks.iter().position(|t| t.number == number)
        };
        let Some(idx) = idx else {
            return err(
                SenseCode::INVALID_FIELD_IN_CDB,
                format!("there is no track {number} to close"),
            );
        };
        let t = &self.tracks[idx];
        if t.session != session || t.state == TrackState::Complete {
            return err(
                SenseCode::INVALID_FIELD_IN_CDB,
                format!("track {} is already closed", t.number),
            );
        }
        if t.state == TrackState::Invisible && t.recorded == 0 {
            return Ok(LongOp::None);
        }
        self.close_track_at(idx, true);
        self.renumber();
        Ok(LongOp::CloseTrack)
    }

    fn close_track_at(&mut self, idx: usize, spawn: bool) {
        let cd = self.kind.is_cd();
        let unit = self.write_unit();
        let seq_end = self.seq_end();
        let (min_track, runout) = (self.settings.cd_min_track, self.settings.cd_runout);
        let t = &mut self.tracks[idx];
        match t.state {
            TrackState::Complete => {}
            TrackState::Reserved => {
                t.recorded = t.size;
                t.state = TrackState::Complete;
            }
            TrackState::Invisible => {
                if t.recorded == 0 {
                    return;
                }
                if cd {
                    t.recorded = t.recorded.max(min_track).min(t.size);
                    t.size = (t.recorded + runout).min(t.size);
                } else {
                    t.recorded = align_up(t.recorded, unit).min(t.size);
                    t.size = t.recorded;
                }
                t.state = TrackState::Complete;
                let session = t.session;
                let next = align_up_i64(t.end() + if cd { i64::from(CD_PREGAP) } else { 0 }, unit);
                if spawn {
                    self.push_invisible(session, next, seq_end);
                }
            }
        }
    }

    fn session_gap(&self, number: u32) -> u32 {
        match self.family() {
            Family::Cd if number == 1 => self.settings.cd_first_session_gap,
            Family::Cd => self.settings.cd_later_session_gap,
            Family::DvdMinus if number == 1 => self.settings.dvd_minus_first_border,
            Family::DvdMinus => self.settings.dvd_minus_later_border,
            Family::DvdPlusR => self.settings.dvd_plus_session_gap,
            _ => self.settings.bd_session_gap,
        }
    }

    fn close_session(&mut self, finalize: bool) -> Result<LongOp, MediaError> {
        let sn = self.check_appendable()?;
        if self.sao.is_some() || self.raw.is_some() {
            return err(
                SenseCode::COMMAND_SEQUENCE_ERROR,
                "a session-at-once or raw session closes at SYNCHRONIZE CACHE",
            );
        }
        if self.session_state_of(sn) == SessionState::Empty {
            if !finalize {
                return Ok(LongOp::None);
            }
            if self.sessions.len() == 1 {
                return err(
                    SenseCode::COMMAND_SEQUENCE_ERROR,
                    "a blank disc cannot be finalized",
                );
            }
            self.tracks.retain(|t| t.session != sn);
            self.sessions.pop();
            self.finalized = true;
            self.renumber();
            return Ok(LongOp::Finalize);
        }
        let idxs: Vec<usize> = (0..self.tracks.len())
            .filter(|&i| self.tracks[i].session == sn)
            .collect();
        for i in idxs {
            self.close_track_at(i, false);
        }
        self.tracks
            .retain(|t| !(t.session == sn && t.state == TrackState::Invisible));
        if self.family() == Family::DvdPlusR {
            let parts: Vec<&Track> = self.tracks.iter().filter(|t| t.session == sn).collect();
            if let (Some(first), Some(last)) = (parts.first(), parts.last()) {
                let merged = Track {
                    number: first.number,
                    session: sn,
                    start: first.start,
                    size: (last.end() - first.start) as u32,
                    recorded: (last.end() - first.start) as u32,
                    state: TrackState::Complete,
                    content: TrackContent::Data,
                    storage: Storage::User,
                    damaged: parts.iter().any(|t| t.damaged),
                };
                self.tracks.retain(|t| t.session != sn);
                self.tracks.push(merged);
            }
        }
        self.renumber();
        let lead_out = self
            .tracks
            .iter()
            .filter(|t| t.session == sn)
            .map(Track::end)
            .max()
            .unwrap_or(0);
        Ok(self.finish_session(sn, lead_out, finalize))
    }

    /// Marks session `sn` complete with its lead-out at `lead_out`, then
    /// either finalizes or opens the next session.
    fn finish_session(&mut self, sn: u32, lead_out: i64, finalize: bool) -> LongOp {
        if let Some(s) = self.sessions.iter_mut().find(|s| s.number == sn) {
            s.state = SessionState::Complete;
            s.lead_out = Some(lead_out);
        }
        if finalize {
            self.finalized = true;
            return LongOp::Finalize;
        }
        let unit = self.write_unit();
        let next = align_up_i64(lead_out + i64::from(self.session_gap(sn)), unit);
        let room = if self.kind.is_cd() {
            i64::from(self.settings.cd_min_track)
        } else {
            i64::from(unit)
        };
        if next + room <= self.seq_end() {
            self.sessions.push(Session {
                number: sn + 1,
                state: SessionState::Empty,
                lead_out: None,
            });
            let end = self.seq_end();
            self.push_invisible(sn + 1, next, end);
            self.renumber();
            LongOp::CloseSession
        } else {
            self.finalized = true;
            LongOp::Finalize
        }
    }

    /// SYNCHRONIZE CACHE: what the drive does once its buffer is on the disc.
    /// A CD TAO track is closed; a fully written cue sheet or RAW session is
    /// closed (the multi-session field of `params` decides about the next
    /// session); a DVD-R disc-at-once track that is full closes the disc.
    pub fn synchronize(&mut self, params: &WriteParams) -> LongOp {
        if !self.is_sequential_family() || self.finalized || self.write_protected {
            return LongOp::None;
        }
        if let Some(sao) = &self.sao {
            if sao.cursor >= sao.lead_out {
                return self.complete_sao(params);
            }
            return LongOp::None;
        }
        if self.raw.is_some() {
            return self.complete_raw(params);
        }
        match self.family() {
            Family::Cd if matches!(params.write_type, WriteType::Tao | WriteType::Incremental) => {
                let idx = self
                    .tracks
                    .iter()
                    .position(|t| t.state == TrackState::Invisible && t.recorded > 0);
                if let Some(idx) = idx {
                    self.close_track_at(idx, true);
                    self.renumber();
                    return LongOp::Flush;
                }
                LongOp::None
            }
            Family::DvdMinus if params.write_type == WriteType::Sao => {
                let Some(sn) = self.open_session() else {
                    return LongOp::None;
                };
                let reserved: Vec<&Track> = self
                    .tracks
                    .iter()
                    .filter(|t| t.session == sn && t.state != TrackState::Invisible)
                    .collect();
                let untouched_invisible = self
                    .tracks
                    .iter()
                    .all(|t| t.state != TrackState::Invisible || t.recorded == 0);
                if !reserved.is_empty()
                    && reserved.iter().all(|t| t.state == TrackState::Complete)
                    && untouched_invisible
                {
                    return self.close_session(true).unwrap_or(LongOp::None);
                }
                LongOp::None
            }
            _ => LongOp::None,
        }
    }

    /// RESERVE TRACK (MMC-6 §6.31) of `blocks` blocks from the invisible track.
    pub fn reserve_track(&mut self, blocks: u32) -> Result<(), MediaError> {
        self.check_writable()?;
        if !self.is_sequential_family() {
            return err(
                SenseCode::INCOMPATIBLE_MEDIUM,
                format!("tracks cannot be reserved on {}", self.kind),
            );
        }
        let session = self.check_appendable()?;
        if self.sao.is_some() || self.raw.is_some() {
            return err(
                SenseCode::COMMAND_SEQUENCE_ERROR,
                "a session-at-once or raw session is being written",
            );
        }
        if blocks == 0 {
            return err(SenseCode::INVALID_FIELD_IN_CDB, "a reservation of 0 blocks");
        }
        let Some(idx) = self
            .tracks
            .iter()
            .position(|t| t.state == TrackState::Invisible)
        else {
            return err(SenseCode::LBA_OUT_OF_RANGE, "no space is left to reserve");
        };
        if self.tracks[idx].recorded > 0 {
            return err(
                SenseCode::COMMAND_SEQUENCE_ERROR,
                format!(
                    "the incomplete track {} is being written",
                    self.tracks[idx].number
                ),
            );
        }
        let limit = match self.family() {
            Family::DvdPlusR => 15,
            Family::BdR => 16,
            _ => 99,
        };
        let open = self
            .tracks
            .iter()
            .filter(|t| t.session == session && t.state == TrackState::Reserved)
            .count();
        if open >= limit || self.tracks.len() >= 99 * 2 {
            return err(
                SenseCode::NO_MORE_RESERVATIONS,
                format!("{open} reservations are open already"),
            );
        }
        let unit = self.write_unit();
        let size = align_up(blocks, unit);
        let t = &self.tracks[idx];
        if size > t.size {
            return err(
                SenseCode::LBA_OUT_OF_RANGE,
                format!("{size} blocks do not fit in the {} free blocks", t.size),
            );
        }
        let t = &mut self.tracks[idx];
        t.state = TrackState::Reserved;
        t.size = size;
        let next = align_up_i64(
            t.end()
                + if self.kind.is_cd() {
                    i64::from(CD_PREGAP)
                } else {
                    0
                },
            unit,
        );
        let end = self.seq_end();
        self.push_invisible(session, next, end);
        if let Some(s) = self.sessions.last_mut() {
            s.state = SessionState::Incomplete;
        }
        self.renumber();
        Ok(())
    }

    /// SEND CUE SHEET (MMC-6 §6.33): lays out a CD session-at-once session.
    pub fn send_cue_sheet(
        &mut self,
        points: &[CuePoint],
        params: &WriteParams,
    ) -> Result<(), MediaError> {
        self.check_writable()?;
        if self.family() != Family::Cd {
            return err(
                SenseCode::INCOMPATIBLE_MEDIUM,
                format!("cue sheets do not apply to {}", self.kind),
            );
        }
        if params.write_type != WriteType::Sao {
            return err(
                SenseCode::COMMAND_SEQUENCE_ERROR,
                format!(
                    "a cue sheet needs write type 2 (session at once), not {}",
                    params.write_type.bits()
                ),
            );
        }
        if self.disc_status() != DiscStatus::Blank {
            return err(
                SenseCode::COMMAND_SEQUENCE_ERROR,
                "session-at-once writing needs a blank disc",
            );
        }
        let bad = |why: String| err(SenseCode::INVALID_FIELD_IN_PARAMETER_LIST, why);
        if points.is_empty() {
            return bad("the cue sheet is empty".into());
        }
        for w in points.windows(2) {
            if w[1].lba < w[0].lba {
                return bad(format!(
                    "cue points go backwards ({} after {})",
                    w[1].lba, w[0].lba
                ));
            }
        }
        let Some(lo) = points.iter().find(|p| p.tno == 0xAA) else {
            return bad("the cue sheet has no lead-out entry".into());
        };
        let lead_out = lo.lba;
        if lead_out > self.seq_end() {
            return bad(format!(
                "the lead-out at {lead_out} is beyond the medium ({})",
                self.seq_end()
            ));
        }
        let mut regions: Vec<CdRegion> = Vec::new();
        let mut starts: Vec<(u8, i64, TrackContent)> = Vec::new();
        for (i, p) in points.iter().enumerate() {
            if p.tno == 0xAA {
                break;
            }
            if p.tno != 0 && (p.tno > 99 || p.index > 99) {
                return bad(format!("track {} index {} is out of range", p.tno, p.index));
            }
            let Some(size) = cue_block_size(p.data_form) else {
                return bad(format!(
                    "data form {:02X}h of track {} is not supported",
                    p.data_form, p.tno
                ));
            };
            let content = if p.control & 0x04 != 0 {
                TrackContent::Data
            } else {
                TrackContent::Audio
            };
            let (start, size) = if p.tno == 0 {
                if p.data_form & 0xC0 == 0 {
                    continue;
                }
                (CD_ATIP_LEAD_IN, 96)
            } else {
                (p.lba, size)
            };
            let end = points.get(i + 1).map(|n| n.lba).unwrap_or(lead_out);
            if p.tno != 0 && p.index == 1 {
                if starts.last().is_some_and(|&(t, _, _)| t >= p.tno) {
                    return bad(format!(
                        "track {} does not follow track {}",
                        p.tno,
                        starts.last().map(|s| s.0).unwrap_or(0)
                    ));
                }
                starts.push((p.tno, p.lba, content));
            }
            // Split at LBA 0: negative blocks never go to the user store.
            for (a, b) in [(start, end.min(0)), (start.max(0), end)] {
                if a >= b {
                    continue;
                }
                let storage = if size == 2048 && a >= 0 && p.data_form & 0x3F == 0x10 {
                    Storage::User
                } else {
                    Storage::Raw(size)
                };
                regions.push(CdRegion {
                    start: a,
                    end: b,
                    block_size: size,
                    storage,
                    content,
                });
            }
        }
        if starts.is_empty() {
            return bad("the cue sheet has no track with index 01".into());
        }
        let Some(cursor) = regions.iter().find(|r| r.block_size > 0).map(|r| r.start) else {
            return bad("the cue sheet leaves nothing for the host to send".into());
        };
        let mut tracks = Vec::new();
        for (i, &(_, start, content)) in starts.iter().enumerate() {
            let end = starts.get(i + 1).map(|s| s.1).unwrap_or(lead_out);
            if end <= start {
                return bad(format!("track at {start} is empty"));
            }
            tracks.push(Track {
                number: i as u32 + 1,
                session: 1,
                start,
                size: (end - start) as u32,
                recorded: 0,
                state: TrackState::Reserved,
                content,
                storage: regions
                    .iter()
                    .find(|r| r.start <= start && start < r.end)
                    .map(|r| r.storage)
                    .unwrap_or(Storage::User),
                damaged: false,
            });
        }
        self.tracks = tracks;
        self.sessions = vec![Session {
            number: 1,
            state: SessionState::Incomplete,
            lead_out: None,
        }];
        let mut sao = SaoLayout {
            regions,
            cursor,
            lead_out,
        };
        while let Some(r) = sao
            .regions
            .iter()
            .find(|r| r.start <= sao.cursor && sao.cursor < r.end && r.block_size == 0)
        {
            sao.cursor = r.end;
        }
        self.sao = Some(sao);
        Ok(())
    }

    fn complete_sao(&mut self, params: &WriteParams) -> LongOp {
        let Some(sao) = self.sao.take() else {
            return LongOp::None;
        };
        for t in self.tracks.iter_mut() {
            t.recorded = t.size;
            t.state = TrackState::Complete;
        }
        self.cd_regions.extend(sao.regions);
        self.finish_session(1, sao.lead_out, !params.next_session_allowed())
    }

    fn complete_raw(&mut self, params: &WriteParams) -> LongOp {
        let Some(raw) = self.raw.take() else {
            return LongOp::None;
        };
        let lead_out = raw
            .marks
            .iter()
            .find(|m| m.1 == 0xAA && m.0 >= 0)
            .map(|m| m.0)
            .unwrap_or(raw.cursor)
            .min(raw.cursor);
        let mut starts: Vec<(u8, i64, TrackContent)> = Vec::new();
        for &(lba, tno, index, control) in &raw.marks {
            if (1..=99).contains(&tno)
                && index >= 1
                && lba >= 0
                && lba < lead_out
                && !starts.iter().any(|s| s.0 == tno)
            {
                let content = if control & 0x04 != 0 {
                    TrackContent::Data
                } else {
                    TrackContent::Audio
                };
                starts.push((tno, lba, content));
            }
        }
        starts.sort_by_key(|s| s.1);
        if starts.is_empty() && lead_out > 0 {
            starts.push((1, 0, TrackContent::Data));
        }
        self.tracks.clear();
        let mut regions = Vec::new();
        if raw.start < 0 {
            regions.push(CdRegion {
                start: raw.start,
                end: 0,
                block_size: raw.block_size,
                storage: Storage::Raw(raw.block_size),
                content: starts.first().map(|s| s.2).unwrap_or(TrackContent::Data),
            });
        }
        for (i, &(_, start, content)) in starts.iter().enumerate() {
            let end = starts.get(i + 1).map(|s| s.1).unwrap_or(lead_out);
            if end <= start {
                continue;
            }
            regions.push(CdRegion {
                start,
                end,
                block_size: raw.block_size,
                storage: Storage::Raw(raw.block_size),
                content,
            });
            self.tracks.push(Track {
                number: self.tracks.len() as u32 + 1,
                session: 1,
                start,
                size: (end - start) as u32,
                recorded: (end - start) as u32,
                state: TrackState::Complete,
                content,
                storage: Storage::Raw(raw.block_size),
                damaged: false,
            });
        }
        self.cd_regions.extend(regions);
        if self.tracks.is_empty() {
            // Nothing reached the program area: the disc stays blank.
            self.reset_sequential();
            return LongOp::Flush;
        }
        self.finish_session(1, lead_out, !params.next_session_allowed())
    }

    /// BLANK (MMC-6 §6.2) with blanking type `blank_type` and the start
    /// address / track number field `number`.
    pub fn blank(&mut self, blank_type: u8, number: u32) -> Result<Outcome, MediaError> {
        self.check_writable()?;
        if !self.kind.is_erasable() {
            return err(
                SenseCode::INCOMPATIBLE_MEDIUM,
                format!("a {} cannot be blanked", self.kind),
            );
        }
        let was_ro = self.restricted_overwrite;
        let quiet = |long_op| Outcome {
            clear_data: false,
            profile_changed: false,
            long_op,
        };
        match blank_type {
            0 | 1 => {
                let full = blank_type == 0;
                self.restricted_overwrite = false;
                self.format = FormatState::Unformatted;
                self.written.clear();
                self.incremental_ok = full
                    || self.settings.minimal_blank_keeps_incremental
                    || self.kind == MediaKind::CdRw;
                self.reset_sequential();
                Ok(Outcome {
                    clear_data: full,
                    profile_changed: was_ro,
                    long_op: if full {
                        LongOp::BlankFull
                    } else {
                        LongOp::BlankMinimal
                    },
                })
            }
            _ if was_ro => err(
                SenseCode::INVALID_FIELD_IN_CDB,
                format!("blanking type {blank_type} does not apply to restricted overwrite"),
            ),
            2 => {
                let sn = self.check_appendable()?;
                self.no_pending_cd_session()?;
                let Some(idx) = self
                    .tracks
                    .iter()
                    .position(|t| t.number == number && t.session == sn)
                else {
                    return err(
                        SenseCode::INVALID_FIELD_IN_CDB,
                        format!("track {number} is not in the open session"),
                    );
                };
                let later_busy = self.tracks[idx + 1..]
                    .iter()
                    .any(|t| t.recorded > 0 || t.state != TrackState::Invisible);
                if later_busy || self.tracks[idx].recorded == 0 {
                    return err(
                        SenseCode::INVALID_FIELD_IN_CDB,
                        format!("track {number} is not the last recorded track"),
                    );
                }
                let start = self.tracks[idx].start;
                self.tracks.truncate(idx);
                let end = self.seq_end();
                self.push_invisible(sn, start, end);
                self.renumber();
                Ok(quiet(LongOp::BlankMinimal))
            }
            3 => {
                let sn = self.check_appendable()?;
                self.no_pending_cd_session()?;
                let idx = self
                    .tracks
                    .iter()
                    .rposition(|t| t.session == sn && t.state == TrackState::Reserved);
                let Some(idx) = idx.filter(|&i| self.tracks[i].recorded == 0) else {
                    return err(
                        SenseCode::INVALID_FIELD_IN_CDB,
                        "there is no empty reserved track to unreserve",
                    );
                };
                if self.tracks[idx + 1..]
                    .iter()
                    .any(|t| t.state != TrackState::Invisible || t.recorded > 0)
                {
                    return err(
                        SenseCode::INVALID_FIELD_IN_CDB,
                        "only the last reservation can be released",
                    );
                }
                let start = self.tracks[idx].start;
                self.tracks.truncate(idx);
                let end = self.seq_end();
                self.push_invisible(sn, start, end);
                self.renumber();
                Ok(quiet(LongOp::BlankMinimal))
            }
            4 => {
                let sn = self.check_appendable()?;
                let lba = i64::from(number as i32);
                let unit = self.write_unit();
                let Some(t) = self.tracks.iter_mut().find(|t| {
                    t.session == sn
                        && t.state != TrackState::Complete
                        && lba >= t.start
                        && lba <= t.start + i64::from(t.recorded)
                }) else {
                    return err(
                        SenseCode::INVALID_FIELD_IN_CDB,
                        format!("LBA {lba} is not in an open track"),
                    );
                };
                t.recorded = align_up((lba - t.start) as u32, unit).min(t.recorded);
                Ok(quiet(LongOp::BlankMinimal))
            }
            5 => {
                if !self.finalized {
                    if self.session_state_of(self.sessions.len() as u32) != SessionState::Empty
                        || self.sessions.len() < 2
                    {
                        return err(
                            SenseCode::COMMAND_SEQUENCE_ERROR,
                            "the last session is not closed",
                        );
                    }
                    let sn = self.sessions.len() as u32;
                    self.tracks.retain(|t| t.session != sn);
                    self.sessions.pop();
                }
                let Some(last) = self.sessions.last_mut() else {
                    return err(SenseCode::COMMAND_SEQUENCE_ERROR, "no session to reopen");
                };
                last.state = SessionState::Incomplete;
                last.lead_out = None;
                let sn = last.number;
                self.finalized = false;
                let unit = self.write_unit();
                let end_last = self
                    .tracks
                    .iter()
                    .filter(|t| t.session == sn)
                    .map(Track::end)
                    .max()
                    .unwrap_or(0);
                let next = align_up_i64(
                    end_last
                        + if self.kind.is_cd() {
                            i64::from(CD_PREGAP)
                        } else {
                            0
                        },
                    unit,
                );
                let end = self.seq_end();
                self.push_invisible(sn, next, end);
                self.renumber();
                Ok(quiet(LongOp::BlankMinimal))
            }
            6 => {
                if self.disc_status() == DiscStatus::Blank {
                    return err(SenseCode::COMMAND_SEQUENCE_ERROR, "the disc is blank");
                }
                self.no_pending_cd_session()?;
                if self.session_state_of(self.sessions.len() as u32) == SessionState::Empty
                    && !self.finalized
                {
                    let sn = self.sessions.len() as u32;
                    self.tracks.retain(|t| t.session != sn);
                    self.sessions.pop();
                }
                let Some(gone) = self.sessions.pop() else {
                    return err(SenseCode::COMMAND_SEQUENCE_ERROR, "no session to erase");
                };
                self.tracks.retain(|t| t.session != gone.number);
                self.finalized = false;
                if self.sessions.is_empty() {
                    self.reset_sequential();
                    return Ok(Outcome {
                        clear_data: true,
                        profile_changed: false,
                        long_op: LongOp::BlankMinimal,
                    });
                }
                let prev = self
                    .sessions
                    .last()
                    .map(|s| (s.number, s.lead_out.unwrap_or(0)))
                    .unwrap_or((0, 0));
                let unit = self.write_unit();
                let next = align_up_i64(prev.1 + i64::from(self.session_gap(prev.0)), unit);
                self.sessions.push(Session {
                    number: gone.number,
                    state: SessionState::Empty,
                    lead_out: None,
                });
                let end = self.seq_end();
                self.push_invisible(gone.number, next, end);
                self.renumber();
                Ok(quiet(LongOp::BlankMinimal))
            }
            t => err(
                SenseCode::INVALID_FIELD_IN_CDB,
                format!("blanking type {t} is reserved"),
            ),
        }
    }

    fn no_pending_cd_session(&self) -> Result<(), MediaError> {
        if self.sao.is_some() || self.raw.is_some() {
            return err(
                SenseCode::COMMAND_SEQUENCE_ERROR,
                "a session-at-once or raw session is being written",
            );
        }
        Ok(())
    }

    fn bd_default_spare(&self) -> u32 {
        let spare = u64::from(self.capacity) * 393_216 / 12_219_392;
        (spare as u32) / 32 * 32
    }

    /// FORMAT UNIT (MMC-6 §6.5) with one format descriptor.
    pub fn format(&mut self, req: FormatRequest) -> Result<Outcome, MediaError> {
        self.check_writable()?;
        let was_ro = self.restricted_overwrite;
        let unsupported = |kind: MediaKind, t: u8| {
            err(
                SenseCode::INVALID_FIELD_IN_PARAMETER_LIST,
                format!("format type {t:02X}h is not offered for {kind}"),
            )
        };
        match self.kind {
            MediaKind::DvdPlusRw => {
                if req.format_type != 0x26 {
                    return unsupported(self.kind, req.format_type);
                }
                self.format = match self.format {
                    FormatState::Unformatted => FormatState::Background {
                        blocks: self.capacity,
                        done: 0,
                        running: true,
                    },
                    FormatState::Background { blocks, done, .. } => FormatState::Background {
                        blocks,
                        done,
                        running: true,
                    },
                    other => other,
                };
                Ok(Outcome {
                    clear_data: false,
                    profile_changed: false,
                    long_op: LongOp::None,
                })
            }
            MediaKind::DvdMinusRw => {
                let blocks = match req.format_type {
                    0x00 | 0x10 => {
                        self.written.clear();
                        self.format = FormatState::Formatted {
                            blocks: self.capacity,
                        };
                        None
                    }
                    0x15 => Some(align_up(req.blocks.min(self.capacity), 16).min(self.capacity)),
                    0x13 if was_ro => {
                        let cur = self.formatted_blocks().unwrap_or(0);
                        Some(
                            align_up(req.blocks.min(self.capacity), 16)
                                .min(self.capacity)
                                .max(cur),
                        )
                    }
                    t => return unsupported(self.kind, t),
                };
                if let Some(b) = blocks {
                    self.format = FormatState::Intermediate { blocks: b };
                }
                let full = blocks.is_none();
                self.restricted_overwrite = true;
                self.sessions.clear();
                self.tracks.clear();
                self.sao = None;
                self.raw = None;
                self.cd_regions.clear();
                self.finalized = false;
                Ok(Outcome {
                    clear_data: full,
                    profile_changed: !was_ro,
                    long_op: LongOp::Format,
                })
            }
            MediaKind::DvdRam => match req.format_type {
                0x00 | 0x01 => {
                    self.written.clear();
                    self.format = FormatState::Formatted {
                        blocks: self.capacity,
                    };
                    Ok(Outcome {
                        clear_data: true,
                        profile_changed: false,
                        long_op: LongOp::Format,
                    })
                }
                t => unsupported(self.kind, t),
            },
            MediaKind::BdRe => {
                let default = self.capacity - self.bd_default_spare();
                let blocks = match req.format_type {
                    0x00 => default,
                    0x30 if req.blocks > 0
                        && req.blocks <= self.capacity
                        && req.blocks != u32::MAX =>
                    {
                        req.blocks / 32 * 32
                    }
                    0x30 => default,
                    0x31 => self.capacity,
                    t => return unsupported(self.kind, t),
                };
                let full = req.format_type == 0x30 && req.subtype == 2;
                if full {
                    self.written.clear();
                }
                self.written
                    .remove(i64::from(blocks), i64::from(self.capacity));
                self.format = FormatState::Formatted { blocks };
                Ok(Outcome {
                    clear_data: full,
                    profile_changed: false,
                    long_op: LongOp::Format,
                })
            }
            MediaKind::BdR => {
                if self.disc_status() != DiscStatus::Blank
                    || self.format != FormatState::Unformatted
                {
                    return err(
                        SenseCode::COMMAND_SEQUENCE_ERROR,
                        "a BD-R can be formatted only while blank",
                    );
                }
                let blocks = match (req.format_type, req.subtype) {
                    (0x00, 1) => self.capacity - self.bd_default_spare(),
                    (0x32, _) => {
                        let spare = if req.param > 0 {
                            req.param.min(self.capacity / 2)
                        } else {
                            self.bd_default_spare()
                        };
                        (self.capacity - spare) / 32 * 32
                    }
                    (0x00, 0) => {
                        return err(
                            SenseCode::INVALID_FIELD_IN_PARAMETER_LIST,
                            "pseudo-overwrite (POW) formatting is not supported by this drive",
                        )
                    }
                    (0x00, 2) => {
                        return err(
                            SenseCode::INVALID_FIELD_IN_PARAMETER_LIST,
                            "random recording mode (RRM) is not supported by this drive",
                        )
                    }
                    (t, _) => return unsupported(self.kind, t),
                };
                self.format = FormatState::Formatted { blocks };
                self.reset_sequential();
                Ok(Outcome {
                    clear_data: false,
                    profile_changed: false,
                    long_op: LongOp::Format,
                })
            }
            _ => err(
                SenseCode::CANNOT_FORMAT_MEDIUM,
                format!("a {} cannot be formatted", self.kind),
            ),
        }
    }

    /// READ FORMAT CAPACITIES (MMC-6 §6.24).
    pub fn format_capacities(&self) -> FormatCapacities {
        let cap = self.capacity;
        let fc = |blocks, kind, param| FormatCapacity {
            blocks,
            kind,
            param,
        };
        let (current, formattable) = match self.kind {
            MediaKind::DvdPlusRw => {
                let cur = match self.format {
                    FormatState::Unformatted => fc(cap, 1, 2048),
                    _ => fc(cap, 2, 2048),
                };
                (cur, vec![fc(cap, 0x26, 0)])
            }
            MediaKind::DvdMinusRw => {
                let mut list = vec![fc(cap, 0x00, 16), fc(cap, 0x10, 16)];
                let cur = match self.format {
                    FormatState::Formatted { blocks } => {
                        if blocks < cap {
                            list.push(fc(cap - blocks, 0x13, 16));
                        }
                        fc(blocks, 2, 2048)
                    }
                    FormatState::Intermediate { blocks } => fc(blocks, 3, 2048),
                    _ => fc(cap, 1, 2048),
                };
                list.push(fc(cap, 0x15, 16));
                (cur, list)
            }
            MediaKind::DvdRam => (fc(cap, 2, 2048), vec![fc(cap, 0x00, 0), fc(cap, 0x01, 0)]),
            MediaKind::BdRe => {
                let spare = self.bd_default_spare();
                let cur = match self.format {
                    FormatState::Formatted { blocks } => fc(blocks, 2, 2048),
                    _ => fc(cap, 1, 2048),
                };
                (
                    cur,
                    vec![
                        fc(cap - spare, 0x00, spare),
                        fc(cap - spare, 0x30, spare),
                        fc(cap - 2 * spare, 0x30, 2 * spare),
                        fc(cap, 0x31, 0),
                    ],
                )
            }
            MediaKind::BdR => {
                let spare = self.bd_default_spare();
                let cur = match self.format {
                    FormatState::Formatted { blocks } => fc(blocks, 2, 2048),
                    _ => fc(cap, 1, 2048),
                };
                let list = if self.disc_status() == DiscStatus::Blank
                    && self.format == FormatState::Unformatted
                {
                    vec![fc(cap - spare, 0x00, spare), fc(cap - spare, 0x32, spare)]
                } else {
                    Vec::new()
                };
                (cur, list)
            }
            k if k.is_rom() => (fc(cap, 2, 2048), Vec::new()),
            _ => (fc(self.seq_end() as u32, 3, 2048), Vec::new()),
        };
        FormatCapacities {
            current,
            formattable,
        }
    }

    /// SEND DISC STRUCTURE 20h: sets the layer 0 capacity of a dual-layer
    /// medium (mmc-notes §2.5). The usable capacity becomes twice the layer
    /// 0 capacity (opposite track path).
    pub fn set_layer_break(&mut self, l0_capacity: u32) -> Result<(), MediaError> {
        self.check_writable()?;
        let Some(layer) = self.layer else {
            return err(
                SenseCode::INCOMPATIBLE_MEDIUM,
                format!("a {} has one layer", self.kind),
            );
        };
        if layer.fixed {
            return err(
                SenseCode::COMMAND_SEQUENCE_ERROR,
                "the layer break is fixed already",
            );
        }
        let max = self.capacity / 2 / 16 * 16;
        if l0_capacity == 0 || l0_capacity > max || l0_capacity % 16 != 0 {
            return err(
                SenseCode::INVALID_FIELD_IN_PARAMETER_LIST,
                format!("layer 0 capacity {l0_capacity} is not a multiple of 16 in 16..={max}"),
            );
        }
        let recorded_end = self
            .tracks
            .iter()
            .map(|t| t.start + i64::from(t.recorded))
            .max()
            .unwrap_or(0);
        if recorded_end > 2 * i64::from(l0_capacity) {
            return err(
                SenseCode::INVALID_FIELD_IN_PARAMETER_LIST,
                format!("data is recorded up to {recorded_end}, past twice the layer 0 capacity"),
            );
        }
        self.layer = Some(LayerBreak {
            l0_capacity,
            fixed: true,
        });
        let end = self.seq_end();
        if let Some(t) = self
            .tracks
            .iter_mut()
            .find(|t| t.state == TrackState::Invisible)
        {
            t.size = (end - t.start).max(i64::from(t.recorded)) as u32;
        }
        Ok(())
    }

    /// One virtual tick: background formatting advances.
    pub fn tick(&mut self) {
        if let FormatState::Background {
            blocks,
            done,
            running: true,
        } = self.format
        {
            let step = (blocks / self.settings.bg_format_ticks.max(1)).max(1);
            let done = done.saturating_add(step).min(blocks);
            self.format = if done >= blocks {
                FormatState::Formatted { blocks }
            } else {
                FormatState::Background {
                    blocks,
                    done,
                    running: true,
                }
            };
        }
    }

    /// Sets the damage flag of the open tracks (after a power loss dropped
    /// data written to them).
    pub fn mark_open_tracks_damaged(&mut self) {
        for t in self
            .tracks
            .iter_mut()
            .filter(|t| t.state != TrackState::Complete && t.recorded > 0)
        {
            t.damaged = true;
        }
    }

    /// Checks the invariants of mmc-notes §2.10; the error names the first
    /// one broken.
    pub fn check_invariants(&self) -> Result<(), String> {
        let kind = self.kind;
        if let Some(l) = self.layer {
            if 2 * u64::from(l.l0_capacity) > u64::from(self.capacity) {
                return Err(format!(
                    "layer 0 capacity {} exceeds half the capacity",
                    l.l0_capacity
                ));
            }
        }
        match self.family() {
            Family::Rom => {
                if self.tracks.len() != 1 || !self.finalized || !self.write_protected {
                    return Err(
                        "a pressed medium has one closed track and is write protected".into(),
                    );
                }
                Ok(())
            }
            Family::Overwritable => {
                if !self.tracks.is_empty() || !self.sessions.is_empty() {
                    return Err(format!(
                        "{kind} in overwrite mode keeps no tracks or sessions"
                    ));
                }
                if let Some(last) = self.written.last() {
                    if last >= i64::from(self.capacity) || self.written.ranges()[0].0 < 0 {
                        return Err(format!("written blocks run outside 0..{}", self.capacity));
                    }
                }
                match self.format {
                    FormatState::Background { blocks, done, .. }
                        if done > blocks || blocks > self.capacity =>
                    {
                        return Err(format!("background format {done}/{blocks} is inconsistent"))
                    }
                    FormatState::Formatted { blocks } | FormatState::Intermediate { blocks }
                        if blocks > self.capacity =>
                    {
                        return Err(format!(
                            "formatted size {blocks} exceeds the capacity {}",
                            self.capacity
                        ))
                    }
                    FormatState::Intermediate { .. } if kind != MediaKind::DvdMinusRw => {
                        return Err(format!("{kind} has no intermediate state"))
                    }
                    FormatState::Unformatted if kind == MediaKind::DvdRam => {
                        return Err("DVD-RAM is always formatted".into())
                    }
                    _ => {}
                }
                if kind == MediaKind::DvdMinusRw
                    && (self.profile() != 0x0013 || self.format == FormatState::Unformatted)
                {
                    return Err("a DVD-RW in overwrite mode is formatted, profile 0013h".into());
                }
                Ok(())
            }
            _ => self.check_sequential(),
        }
    }

    fn check_sequential(&self) -> Result<(), String> {
        if self.sessions.is_empty() {
            return Err("a sequential medium has at least one session".into());
        }
        for (i, s) in self.sessions.iter().enumerate() {
            if s.number != i as u32 + 1 {
                return Err(format!("session {} is numbered {}", i + 1, s.number));
            }
            let last = i + 1 == self.sessions.len();
            if !last && s.state != SessionState::Complete {
                return Err(format!(
                    "session {} is not the last one but is not closed",
                    s.number
                ));
            }
            if s.state == SessionState::Complete && s.lead_out.is_none() {
                return Err(format!("closed session {} has no lead-out", s.number));
            }
        }
        let last = self.sessions.last().map(|s| s.state);
        if self.finalized != (last == Some(SessionState::Complete)) {
            return Err("finalized exactly when the last session is closed".into());
        }
        let end = self.seq_end();
        let mut prev_end = i64::MIN;
        let mut invisible = 0;
        for (i, t) in self.tracks.iter().enumerate() {
            if t.number != i as u32 + 1 {
                return Err(format!("track {} is numbered {}", i + 1, t.number));
            }
            if t.start < prev_end {
                return Err(format!(
                    "track {} starts at {} inside the previous track (ends {prev_end})",
                    t.number, t.start
                ));
            }
            prev_end = t.end();
            if t.session == 0 || t.session as usize > self.sessions.len() {
                return Err(format!("track {} names session {}", t.number, t.session));
            }
            if t.recorded > t.size {
                return Err(format!(
                    "track {} records {} of {} blocks",
                    t.number, t.recorded, t.size
                ));
            }
            if t.end() > end && self.sao.is_none() {
                return Err(format!(
                    "track {} ends at {} past the medium ({end})",
                    t.number,
                    t.end()
                ));
            }
            let session_closed =
                self.sessions[t.session as usize - 1].state == SessionState::Complete;
            if session_closed && t.state != TrackState::Complete {
                return Err(format!(
                    "track {} is open in closed session {}",
                    t.number, t.session
                ));
            }
            if t.state == TrackState::Invisible {
                invisible += 1;
                if i + 1 != self.tracks.len() {
                    return Err(format!(
                        "invisible track {} is not the last track",
                        t.number
                    ));
                }
            }
            if let (Some(nwa), Some(lra)) = (t.nwa(), t.lra()) {
                if !(t.start <= lra && lra < nwa && nwa <= t.end()) {
                    return Err(format!(
                        "track {}: start {} ≤ LRA {lra} < NWA {nwa} ≤ end {} does not hold",
                        t.number,
                        t.start,
                        t.end()
                    ));
                }
            }
            if let Some(nwa) = t.nwa() {
                if nwa < t.start || nwa > t.end() {
                    return Err(format!("track {} NWA {nwa} outside the track", t.number));
                }
                if !self.kind.is_cd()
                    && (nwa - t.start) % i64::from(self.write_unit()) != 0
                    && self.settings.strict_write_unit
                {
                    return Err(format!(
                        "track {} NWA {nwa} is not aligned to the write unit",
                        t.number
                    ));
                }
            }
        }
        if invisible > 1 {
            return Err(format!("{invisible} invisible tracks"));
        }
        if self.finalized && invisible > 0 {
            return Err("a finalized disc has an invisible track".into());
        }
        if (self.sao.is_some() || self.raw.is_some()) && (self.finalized || !self.kind.is_cd()) {
            return Err("a pending SAO/RAW session on a closed or non-CD disc".into());
        }
        let status = self.disc_status();
        let blank_model = self.sessions.len() == 1 && !self.has_content();
        if (status == DiscStatus::Blank) != (blank_model && !self.finalized) {
            return Err(format!(
                "disc status {status:?} does not match the sessions"
            ));
        }
        if (status == DiscStatus::Complete) != self.finalized {
            return Err(format!(
                "disc status {status:?} does not match finalization"
            ));
        }
        if self.kind == MediaKind::DvdMinusRw && self.profile() != 0x0014 {
            return Err("a sequential DVD-RW reports profile 0014h".into());
        }
        Ok(())
    }
}
