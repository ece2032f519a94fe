//! CD session-at-once and RAW sessions: SEND CUE SHEET lays a session out;
//! SYNCHRONIZE CACHE completes it (the RAW one from the Q sub-channel the
//! host wrote).

use imapi2_mmc::cue_sheet::DataForm;
use imapi2_mmc::mode::WriteType;

use crate::error::{MediaError, SenseCode};

use super::kind::CD_ATIP_LEAD_IN;
use super::medium::{err, Family, Medium};
use super::outcome::LongOp;
use super::state::{
    CdRegion, CuePoint, DiscStatus, SaoLayout, Session, SessionState, Storage, Track, TrackContent,
    TrackState,
};
use super::write::WriteParams;

impl Medium {
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
        let (regions, starts) = cue_layout(points, lead_out)?;
        if starts.is_empty() {
            return bad("the cue sheet has no track with index 01".into());
        }
        let Some(cursor) = regions.iter().find(|r| r.block_size > 0).map(|r| r.start) else {
            return bad("the cue sheet leaves nothing for the host to send".into());
        };
        let tracks = cue_tracks(&starts, &regions, lead_out)?;
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
            interrupted: false,
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

    pub(super) fn complete_sao(&mut self, params: &WriteParams) -> LongOp {
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

    pub(super) fn complete_raw(&mut self, params: &WriteParams) -> LongOp {
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
                damaged: raw.interrupted,
                interrupted: false,
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
}

/// A track a cue sheet starts: its number, the LBA of its index 01 and what
/// it holds.
type TrackStart = (u8, i64, TrackContent);

/// A cue sheet the drive refuses: 05/26/00.
fn bad<T>(why: String) -> Result<T, MediaError> {
    err(SenseCode::INVALID_FIELD_IN_PARAMETER_LIST, why)
}

/// The regions (split at LBA 0: negative blocks never go to the user store)
/// and the track starts of the cue points before the lead-out at
/// `lead_out`.
fn cue_layout(
    points: &[CuePoint],
    lead_out: i64,
) -> Result<(Vec<CdRegion>, Vec<TrackStart>), MediaError> {
    let mut regions: Vec<CdRegion> = Vec::new();
    let mut starts: Vec<TrackStart> = Vec::new();
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
    Ok((regions, starts))
}

/// The reserved tracks of a cue sheet: one per track start, up to the next
/// one or the lead-out, stored as the region it starts in.
fn cue_tracks(
    starts: &[TrackStart],
    regions: &[CdRegion],
    lead_out: i64,
) -> Result<Vec<Track>, MediaError> {
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
            interrupted: false,
        });
    }
    Ok(tracks)
}
