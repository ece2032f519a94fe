//! Write planning: the page-05h parameters the medium obeys
//! ([`WriteParams`]), the checked plan of a WRITE ([`WritePlan`], its
//! [`WriteExtent`]s) and committing it ([`Medium::apply_write`]).

use imapi2_mmc::mode::{DataBlockType, WriteType};

use crate::error::{MediaError, SenseCode};

use super::kind::{MediaKind, CD_ATIP_LEAD_IN};
use super::medium::{align_up, err, unreachable_rom, Family, Medium};
use super::state::{
    DiscStatus, FormatState, RawSession, SessionState, Storage, Track, TrackContent, TrackState,
};

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

/// Bytes per block the host sends for a page-05h data block type (the
/// table of [`DataBlockType::block_size`]), in the width the model stores.
fn block_size(t: DataBlockType) -> Option<u16> {
    t.block_size().and_then(|n| u16::try_from(n).ok())
}

impl Medium {
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
        self.check_track_write_type(t, params)?;
        let (block_size, dest) = if cd {
            self.cd_track_block(t, params)?
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

    /// The write types a track of this family takes (page 05h): DVD-R/-RW
    /// packet (incremental, when the medium still allows it) or disc at once
    /// into a reservation; CD track at once (or packet).
    fn check_track_write_type(&self, t: &Track, params: &WriteParams) -> Result<(), MediaError> {
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
        Ok(())
    }

    /// The bytes per block and the store of a CD track write: from the data
    /// block type, the same for the whole track.
    fn cd_track_block(
        &self,
        t: &Track,
        params: &WriteParams,
    ) -> Result<(u16, WriteDest), MediaError> {
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
        let dest = if size == 2048 {
            WriteDest::User
        } else {
            WriteDest::Raw(size)
        };
        Ok((size, dest))
    }

    fn plan_sao(&self, lba: i64, blocks: u32) -> Result<WritePlan, MediaError> {
        let Some(sao) = &self.sao else {
            return unreachable_rom();
        };
        if sao.interrupted {
            return err(
                SenseCode::INVALID_WRITE_ADDRESS,
                "the session-at-once recording was interrupted: the drive takes no more of it",
            );
        }
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
            Some(r) if r.interrupted => {
                return err(
                    SenseCode::INVALID_WRITE_ADDRESS,
                    "the raw recording was interrupted: the drive takes no more of it",
                );
            }
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
                    interrupted: false,
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

    /// The recording that was to continue at `lba` stops for good, as a
    /// drive's does after a buffer underrun without BUFE or a write error
    /// (mmc-notes §1.5: 03/0C/09 and 03/0C/00 end the burn; libburn marks
    /// the track damaged): the track whose next writable address is `lba`
    /// becomes damaged and unwritable (Damage = 1, NWA_V = 0; it can still
    /// be closed); a cue sheet or RAW session being written at `lba` takes
    /// no more data, the cue sheet's track there is damaged too. Returns
    /// false when nothing was being recorded at `lba` (then nothing
    /// changes). Overwritable media have no recording to interrupt.
    pub fn interrupt_recording(&mut self, lba: i64) -> bool {
        if !self.is_sequential_family() || self.finalized {
            return false;
        }
        if let Some(sao) = &mut self.sao {
            if sao.cursor != lba || sao.interrupted {
                return false;
            }
            sao.interrupted = true;
            if let Some(t) = self
                .tracks
                .iter_mut()
                .find(|t| t.state == TrackState::Reserved && t.end() > lba)
            {
                t.damaged = true;
                t.interrupted = true;
            }
            return true;
        }
        if let Some(raw) = &mut self.raw {
            if raw.cursor != lba || raw.interrupted {
                return false;
            }
            raw.interrupted = true;
            return true;
        }
        match self.tracks.iter_mut().find(|t| t.nwa() == Some(lba)) {
            Some(t) => {
                t.damaged = true;
                t.interrupted = true;
                true
            }
            None => false,
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
