//! Read planning: where the blocks of a READ come from ([`ReadExtent`]),
//! and the frame READ CD finds at an address.

use crate::error::{MediaError, SenseCode};

use super::kind::CD_LOWEST_LBA;
use super::medium::{err, Family, Medium};
use super::state::{CdRegion, FormatState, Storage, TrackContent, TrackState};

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

impl Medium {
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
