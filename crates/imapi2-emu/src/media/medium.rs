//! [`Medium`]: the kind, what is recorded, sessions, tracks and format of
//! one medium, with its constructors, accessors and status; and the helpers
//! the model's files share.

use crate::error::{Error, MediaError, Result, SenseCode};
use crate::ranges::RangeSet;

use super::kind::MediaKind;
use super::settings::MediaSettings;
use super::state::{
    BgFormatStatus, CdRegion, DiscStatus, FormatState, LayerBreak, RawSession, SaoLayout, Session,
    SessionState, Storage, Track, TrackContent, TrackState,
};

pub(super) fn align_up(v: u32, unit: u32) -> u32 {
    if unit <= 1 {
        v
    } else {
        v.div_ceil(unit).saturating_mul(unit)
    }
}

pub(super) fn align_up_i64(v: i64, unit: u32) -> i64 {
    if unit <= 1 {
        v
    } else {
        let u = i64::from(unit);
        (v + u - 1).div_euclid(u) * u
    }
}

pub(super) fn err<T>(sense: SenseCode, reason: impl Into<String>) -> Result<T, MediaError> {
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
    pub fn with_capacity(kind: MediaKind, capacity: u32) -> Result<Medium> {
        let unit = kind.write_unit().max(1);
        let cap = capacity / unit * unit;
        let min = 64 * unit.max(16);
        if cap < min {
            return Err(Error::InvalidArgument {
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
            interrupted: false,
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

    pub(super) fn reset_sequential(&mut self) {
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

    pub(super) fn push_invisible(&mut self, session: u32, start: i64, end: i64) {
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
            interrupted: false,
        });
    }

    pub(super) fn renumber(&mut self) {
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

    pub(super) fn is_sequential_family(&self) -> bool {
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

    pub(super) fn seq_end(&self) -> i64 {
        if let Some(l) = self.layer {
            return 2 * i64::from(l.l0_capacity);
        }
        match (self.kind, self.format) {
            (MediaKind::BdR, FormatState::Formatted { blocks }) => i64::from(blocks),
            _ => i64::from(self.capacity),
        }
    }

    pub(super) fn write_unit(&self) -> u32 {
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

    pub(super) fn has_content(&self) -> bool {
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
    pub(super) fn is_formatted_bd_r(&self) -> bool {
        self.kind == MediaKind::BdR && matches!(self.format, FormatState::Formatted { .. })
    }

    /// The open session (last, not complete) of a sequential medium.
    pub(super) fn open_session(&self) -> Option<u32> {
        self.sessions
            .last()
            .filter(|s| s.state != SessionState::Complete)
            .map(|s| s.number)
    }

    pub(super) fn session_state_of(&self, number: u32) -> SessionState {
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

    pub(super) fn check_writable(&self) -> Result<(), MediaError> {
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

    pub(super) fn check_appendable(&self) -> Result<u32, MediaError> {
        match self.open_session() {
            Some(s) if !self.finalized => Ok(s),
            _ => err(
                SenseCode::CANNOT_WRITE_MEDIUM,
                format!("the {} is closed", self.kind),
            ),
        }
    }

    /// True when the medium knows test writes (CD-R/RW, DVD-R/RW; mmc-notes
    /// §1.2 page 05h Test Write).
    pub fn test_write_supported(&self) -> bool {
        matches!(self.family(), Family::Cd | Family::DvdMinus)
    }
}

pub(super) fn unreachable_rom<T>() -> Result<T, MediaError> {
    err(
        SenseCode::WRITE_PROTECTED,
        "a pressed medium cannot be written",
    )
}
