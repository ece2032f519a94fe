//! The medium in a recorder as a `Read + Seek` stream of 2048-byte blocks,
//! so that the file-system readers of [`crate::fs`] (`ls`, `extract`,
//! `info`, import) read discs in drives as they read image files
//! (IMAPI's `IdentifyFileSystemsOnDisc` and `ImportFileSystem` on a
//! recorder).
//!
//! Reads go through READ(10) in runs of up to 32 blocks (64 KiB), kept in a
//! one-run cache; a run that fails (one that reaches a CD track's
//! unreadable run-out, say) is asked again for the one block wanted. The
//! stream ends at the last readable block (READ CAPACITY), or on sequential
//! media at the end of the recorded area.

use std::io::{self, Read, Seek, SeekFrom};

use crate::error::{Error, Result};
use crate::recorder::DiscRecorder;

/// Blocks read per command.
const RUN: u64 = 32;
/// Block size of data media.
const BLOCK: u64 = 2048;

/// Why [`DiscReader::try_new`] refused, with the recorder given back.
pub type Refused = Box<(DiscRecorder, Error)>;

/// A read-only stream over the medium in a recorder.
pub struct DiscReader {
    recorder: DiscRecorder,
    len: u64,
    pos: u64,
    cache_first: u64,
    cache: Vec<u8>,
    sessions: Vec<imapi2_fs::RecordedSession>,
    overwritable: bool,
}

impl DiscReader {
    /// A stream over the medium in `recorder`. Fails when there is no
    /// medium or nothing is recorded on it.
    pub fn new(recorder: DiscRecorder) -> Result<DiscReader> {
        DiscReader::try_new(recorder).map_err(|b| b.1)
    }

    /// As [`DiscReader::new`], giving the recorder back when it fails.
    pub fn try_new(mut recorder: DiscRecorder) -> std::result::Result<DiscReader, Refused> {
        let media = match recorder.media() {
            Ok(m) => m,
            Err(e) => return Err(Box::new((recorder, e))),
        };
        if !media.present {
            let device = recorder.device().to_string();
            return Err(Box::new((
                recorder,
                Error::Device {
                    device,
                    error: imapi2_mmc::drive::MmcError::Sense {
                        command: "TEST UNIT READY",
                        sense: imapi2_mmc::sense::Sense::new(
                            imapi2_mmc::sense::SenseKey::NotReady,
                            0x3A,
                            0,
                        ),
                    },
                },
            )));
        }
        // The recorded extent: READ CAPACITY, bounded on sequential media
        // by the last written block the snapshot saw.
        let capacity = match recorder.drive().read_capacity() {
            Ok(c) if c.block_length == BLOCK as u32 => c.blocks(),
            Ok(c) => {
                let e = Error::InvalidParam {
                    name: "medium",
                    reason: format!("blocks of {} bytes, not 2048", c.block_length),
                };
                return Err(Box::new((recorder, e)));
            }
            Err(_) => 0,
        };
        let recorded = media
            .tracks
            .iter()
            .filter(|t| !t.blank)
            .map(|t| (t.start.max(0) as u64) + u64::from(t.size))
            .max()
            .unwrap_or(0);
        // Sequential media end where recording ends (READ CAPACITY of a blank
        // one says 1 block); overwritable media are readable throughout.
        let blocks = if crate::media::is_overwritable(media.profile) {
            capacity
        } else {
            recorded
        };
        if blocks == 0 {
            let e = Error::InvalidParam {
                name: "medium",
                reason: "nothing is recorded on it".into(),
            };
            return Err(Box::new((recorder, e)));
        }
        Ok(DiscReader {
            recorder,
            len: blocks * BLOCK,
            pos: 0,
            cache_first: u64::MAX,
            cache: Vec::new(),
            overwritable: crate::media::is_overwritable(media.profile),
            sessions: if crate::media::is_overwritable(media.profile) {
                Vec::new()
            } else {
                crate::media::recorded_sessions(&media)
            },
        })
    }

    /// Every recorded session of a write-once medium, as the drive reports
    /// them (empty on overwritable media, whose sessions only the file
    /// system knows).
    pub fn recorded_sessions(&self) -> &[imapi2_fs::RecordedSession] {
        &self.sessions
    }

    /// The stream as a medium for the file-system readers, carrying the
    /// drive's sessions (see [`imapi2_fs::Medium::with_sessions`]) or, on
    /// overwritable media, saying so ([`imapi2_fs::Medium::as_overwritable`]).
    pub fn into_medium(self) -> Result<imapi2_fs::Medium> {
        let sessions = self.sessions.clone();
        let overwritable = self.overwritable;
        let m = imapi2_fs::Medium::from_stream(self)?;
        Ok(if overwritable {
            m.as_overwritable()
        } else if sessions.is_empty() {
            m
        } else {
            m.with_sessions(&sessions)
        })
    }

    /// The recorder back.
    pub fn into_recorder(self) -> DiscRecorder {
        self.recorder
    }

    /// Bytes in the stream.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the stream is empty (never, once made).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn fill(&mut self, block: u64) -> io::Result<()> {
        let first = block - block % RUN;
        if block >= self.cache_first && block - self.cache_first < self.cache.len() as u64 / BLOCK {
            return Ok(());
        }
        let n = RUN.min(self.len / BLOCK - first);
        if self.read_run(first, n).is_ok() {
            return Ok(());
        }
        // A run may reach blocks that cannot be read (a CD track's run-out
        // and the lead-out after it): the block asked for, alone.
        self.read_run(block, 1)
    }

    fn read_run(&mut self, first: u64, n: u64) -> io::Result<()> {
        self.cache_first = u64::MAX;
        self.cache.resize((n * BLOCK) as usize, 0);
        self.recorder
            .drive()
            .read10(first as u32, &mut self.cache)
            .map_err(|e| io::Error::other(format!("{}: {e}", self.recorder.device())))?;
        self.cache_first = first;
        Ok(())
    }
}

impl Read for DiscReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pos >= self.len || buf.is_empty() {
            return Ok(0);
        }
        let block = self.pos / BLOCK;
        self.fill(block)?;
        let off = (self.pos - self.cache_first * BLOCK) as usize;
        let n = buf.len().min(self.cache.len() - off);
        buf[..n].copy_from_slice(&self.cache[off..off + n]);
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for DiscReader {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let at = match to {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::End(d) => self.len.checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        self.pos =
            at.ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "seek before the start"))?;
        Ok(self.pos)
    }
}
