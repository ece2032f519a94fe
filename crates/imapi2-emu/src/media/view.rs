//! What the host sees of a medium: the READ DISC INFORMATION view
//! ([`DiscView`]), the READ TRACK INFORMATION view ([`TrackView`]) and READ
//! CAPACITY.

use super::kind::{CD_ATIP_LEAD_IN, CD_PREGAP};
use super::medium::{Family, Medium};
use super::state::{
    BgFormatStatus, DiscStatus, FormatState, SessionState, Track, TrackContent, TrackState,
};

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

impl Medium {
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
            return (!s.interrupted).then_some(s.cursor);
        }
        if let Some(r) = &self.raw {
            return (!r.interrupted).then_some(r.cursor);
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
}
