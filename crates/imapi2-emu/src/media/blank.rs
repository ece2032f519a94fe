//! BLANK (CD-RW, DVD-RW): every blanking type.

use crate::error::{MediaError, SenseCode};

use super::kind::{MediaKind, CD_PREGAP};
use super::medium::{align_up, align_up_i64, err, Medium};
use super::outcome::{LongOp, Outcome};
use super::state::{DiscStatus, FormatState, Session, SessionState, Track, TrackState};

impl Medium {
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
        match blank_type {
            0 | 1 => Ok(self.blank_disc(blank_type == 0, was_ro)),
            _ if was_ro => err(
                SenseCode::INVALID_FIELD_IN_CDB,
                format!("blanking type {blank_type} does not apply to restricted overwrite"),
            ),
            2 => self.blank_track(number),
            3 => self.unreserve_track(),
            4 => self.blank_track_tail(number),
            5 => self.unclose_last_session(),
            6 => self.blank_session(),
            t => err(
                SenseCode::INVALID_FIELD_IN_CDB,
                format!("blanking type {t} is reserved"),
            ),
        }
    }

    /// Types 000b (full) and 001b (minimal): the whole disc, back to blank
    /// and sequential; `was_ro`: it was in restricted overwrite.
    fn blank_disc(&mut self, full: bool, was_ro: bool) -> Outcome {
        self.restricted_overwrite = false;
        self.format = FormatState::Unformatted;
        self.written.clear();
        self.incremental_ok =
            full || self.settings.minimal_blank_keeps_incremental || self.kind == MediaKind::CdRw;
        self.reset_sequential();
        Outcome {
            clear_data: full,
            profile_changed: was_ro,
            long_op: if full {
                LongOp::BlankFull
            } else {
                LongOp::BlankMinimal
            },
        }
    }

    /// Type 010b: the last recorded track `number` of the open session.
    fn blank_track(&mut self, number: u32) -> Result<Outcome, MediaError> {
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
        Ok(quiet())
    }

    /// Type 011b: releases the last, empty reservation.
    fn unreserve_track(&mut self) -> Result<Outcome, MediaError> {
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
        Ok(quiet())
    }

    /// Type 100b: the tail of an open track from LBA `number`.
    fn blank_track_tail(&mut self, number: u32) -> Result<Outcome, MediaError> {
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
        Ok(quiet())
    }

    /// Type 101b: reopens the last closed session (an empty session after it
    /// goes).
    fn unclose_last_session(&mut self) -> Result<Outcome, MediaError> {
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
        Ok(quiet())
    }

    /// Type 110b: erases the last session (an empty session after it first).
    fn blank_session(&mut self) -> Result<Outcome, MediaError> {
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
        Ok(quiet())
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
}

/// What the partial blanking types report: nothing cleared, no profile
/// change, a minimal blank's time.
fn quiet() -> Outcome {
    Outcome {
        clear_data: false,
        profile_changed: false,
        long_op: LongOp::BlankMinimal,
    }
}
