//! Closing: CLOSE TRACK/SESSION, what SYNCHRONIZE CACHE closes, RESERVE
//! TRACK, and the session gaps between one session and the next.

use imapi2_mmc::mode::WriteType;

use crate::error::{MediaError, SenseCode};

use super::kind::{MediaKind, CD_PREGAP};
use super::medium::{align_up, align_up_i64, err, unreachable_rom, Family, Medium};
use super::outcome::LongOp;
use super::state::{FormatState, Session, SessionState, Storage, Track, TrackContent, TrackState};
use super::write::WriteParams;

impl Medium {
    /// CLOSE TRACK/SESSION (MMC-6 §6.3) with close function `function` on
    /// track `number` (0xFF: the incomplete track), under the write
    /// parameters `params` (their multi-session field decides whether
    /// closing a CD or DVD-R session finalizes). The §2.8 table of mmc-notes:
    ///
    /// - CD, DVD-R/-RW sequential: 001b track, 010b session (finalizes
    ///   unless multi-session is 11b; DVD-R DL sequential is single-session,
    ///   so 010b always finalizes it);
    /// - DVD+R: 001b track, 010b session, 101b/110b finalize;
    /// - BD-R: 001b track, 010b session (refused on a blank disc), 110b
    ///   finalize;
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
                // DVD-R DL sequential (0015h) has no second session
                // (growisofs: "no notion of multi-session"; mmc-notes §2.3).
                2 => self.close_session(
                    self.kind == MediaKind::DvdMinusRDl || !params.next_session_allowed(),
                ),
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
                // A blank BD-R (or one formatted and not written) has no
                // session to close: drives refuse, as libburn met
                // (mmc-notes §2.7).
                2 if self.sessions.len() == 1
                    && self.session_state_of(1) == SessionState::Empty =>
                {
                    err(
                        SenseCode::INVALID_FIELD_IN_CDB,
                        "a blank BD-R has no session to close",
                    )
                }
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

    pub(super) fn session_gap(&self, number: u32) -> u32 {
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
                    interrupted: false,
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
    pub(super) fn finish_session(&mut self, sn: u32, lead_out: i64, finalize: bool) -> LongOp {
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
            Family::Cd
                if matches!(
                    params.write_type,
                    WriteType::TrackAtOnce | WriteType::Packet
                ) =>
            {
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
            Family::DvdMinus if params.write_type == WriteType::SessionAtOnce => {
                let Some(sn) = self.open_session() else {
                    return LongOp::None;
                };
                // The reservation was rounded up to whole ECC blocks: a
                // track written up to its last, partial unit is padded to
                // its end now that the buffer is flushed (growisofs writes
                // the exact reserved count, then SYNCHRONIZE CACHE, no
                // CLOSE; mmc-notes §1.4, §2.3).
                let unit = self.write_unit();
                for t in self.tracks.iter_mut().filter(|t| {
                    t.session == sn
                        && t.state == TrackState::Reserved
                        && t.recorded > 0
                        && t.size - t.recorded < unit
                }) {
                    t.recorded = t.size;
                    t.state = TrackState::Complete;
                }
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
}
