//! What is recorded on a medium: disc, session and track states, tracks and
//! sessions, the CD regions of cue sheets and RAW writing, format states and
//! the layer break. Plain records; the rules that change them live with the
//! operations.

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
    /// Damage flag (a track interrupted by a power loss, a buffer
    /// underrun or a write error).
    pub damaged: bool,
    /// The recording of the track stopped for good (a buffer underrun
    /// without BUFE, a write error): damaged and no longer writable, READ
    /// TRACK INFORMATION reports Damage = 1 with NWA_V = 0 (MMC-6 §6.27.3,
    /// the track status table; libburn calls such a track "damaged, not
    /// closed and not writable"). It can still be closed.
    pub interrupted: bool,
}

impl Track {
    /// Next writable address, when writable.
    pub fn nwa(&self) -> Option<i64> {
        match self.state {
            TrackState::Complete => None,
            _ if self.interrupted => None,
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
    /// The recording stopped for good (a buffer underrun without BUFE, a
    /// write error): the drive takes no more of this session.
    pub interrupted: bool,
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
    /// The recording stopped for good (a buffer underrun without BUFE, a
    /// write error): the drive takes no more of this session, and its
    /// tracks are damaged once it is closed.
    pub interrupted: bool,
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

/// The layer break of a dual-layer medium (READ/SEND DISC STRUCTURE 20h).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LayerBreak {
    /// Layer 0 data zone capacity in blocks.
    pub l0_capacity: u32,
    /// True once set by the host or crossed by writing.
    pub fixed: bool,
}
