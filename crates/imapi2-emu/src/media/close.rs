//! State changes of the medium model: close, synchronize, reserve, cue
//! sheet, blank, format, layer break, background formatting.

use imapi2_mmc::cue_sheet::DataForm;

use super::*;

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
        if params.write_type != WriteType::SessionAtOnce {
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
            let Some(size) = DataForm(p.data_form)
                .block_size()
                .and_then(|n| u16::try_from(n).ok())
            else {
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

    /// Spare area of a BD format, in blocks, scaled to this medium's
    /// capacity and rounded down to whole 32-block clusters.
    ///
    /// The sizes are those real single-layer drives offer in READ FORMAT
    /// CAPACITIES for a 12 219 392-block disc (dvd+rw-mediainfo listings of
    /// a BD-RE and of a BD-R, kept as golden data in libburn and in a user
    /// report): default 393 216 blocks (12 288 clusters, 768 MiB; user
    /// capacity 11 826 176) for both; BD-RE maximum 655 360 (20 480
    /// clusters; 11 564 032 left), minimum 131 072 (4 096 clusters;
    /// 12 088 320 left); BD-R maximum 6 422 528 (5 796 864 left), minimum
    /// 131 072 (12 088 320 left).
    fn bd_spare(&self, spare: BdSpare) -> u32 {
        const SL: u64 = 12_219_392;
        let on_sl: u64 = match (spare, self.kind) {
            (BdSpare::Default, _) => 393_216,
            (BdSpare::Minimum, _) => 131_072,
            (BdSpare::Maximum, MediaKind::BdR) => 6_422_528,
            (BdSpare::Maximum, _) => 655_360,
        };
        let blocks = u64::from(self.capacity) * on_sl / SL;
        (blocks as u32) / 32 * 32
    }

    fn bd_default_spare(&self) -> u32 {
        self.bd_spare(BdSpare::Default)
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
                        // The host picks the user capacity between the
                        // maximum- and minimum-spare descriptors (libburn
                        // sends any size in between, type parameter 0);
                        // 0 asks for the default spares.
                        let least = self.capacity - self.bd_spare(BdSpare::Maximum);
                        let most = self.capacity - self.bd_spare(BdSpare::Minimum);
                        match req.blocks {
                            0 => self.capacity - self.bd_default_spare(),
                            b if (least..=most).contains(&b) => b / 32 * 32,
                            b => {
                                return err(
                                    SenseCode::INVALID_FIELD_IN_PARAMETER_LIST,
                                    format!(
                                        "{b} user blocks are outside the {least}..={most} a BD-R with spares can hold"
                                    ),
                                )
                            }
                        }
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
            // BD: format 00h, then the formats with spares in the order
            // drives list them: default, maximum and minimum spare area
            // (sizes: see `bd_spare`). The type parameter of 00h and 30h
            // is the spare area in clusters, as drives report it (3000h
            // for the default); 32h carries 0 and the host chooses the
            // size between the maximum- and minimum-spare entries.
            MediaKind::BdRe => {
                let spares = [BdSpare::Default, BdSpare::Maximum, BdSpare::Minimum]
                    .map(|k| self.bd_spare(k));
                let cur = match self.format {
                    FormatState::Formatted { blocks } => fc(blocks, 2, 2048),
                    _ => fc(cap, 1, 2048),
                };
                let mut list = vec![fc(cap - spares[0], 0x00, spares[0] / 32)];
                list.extend(spares.iter().map(|&s| fc(cap - s, 0x30, s / 32)));
                list.push(fc(cap, 0x31, 0));
                (cur, list)
            }
            MediaKind::BdR => {
                let spares = [BdSpare::Default, BdSpare::Maximum, BdSpare::Minimum]
                    .map(|k| self.bd_spare(k));
                let cur = match self.format {
                    FormatState::Formatted { blocks } => fc(blocks, 2, 2048),
                    _ => fc(cap, 1, 2048),
                };
                let list = if self.disc_status() == DiscStatus::Blank
                    && self.format == FormatState::Unformatted
                {
                    let mut l = vec![fc(cap - spares[0], 0x00, spares[0] / 32)];
                    l.extend(spares.iter().map(|&s| fc(cap - s, 0x32, 0)));
                    l
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
}

/// The spare areas a BD format offers (READ FORMAT CAPACITIES).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BdSpare {
    /// The drive's default.
    Default,
    /// The largest spare area (smallest user capacity).
    Maximum,
    /// The smallest spare area (largest user capacity).
    Minimum,
}
