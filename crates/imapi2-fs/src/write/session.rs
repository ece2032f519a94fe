//! A session after others on a random-write medium, as IMAPI writes one
//! (reference §12, §20.6 rule 7): the drive knows one session only, so the
//! new logical session is written after the old one and the descriptors at
//! block 16, where every reader looks, are then replaced by the new
//! session's own — the ISO 9660 set and the UDF volume recognition
//! sequence — and, with UDF, the anchor at block 256 by one pointing at the
//! new session's volume descriptors. `ModifiedBlocks`
//! (`IFileSystemImageResult2`) lists those ranges in the order they must be
//! written — the session first, the descriptors after — so that a write
//! stopped anywhere leaves a whole tree readable (the old one until block
//! 16 is written; the UDF view's old one until block 256 is);
//! [`ImageResult::disc_stream`] is the medium as it will read afterwards,
//! from block 0, for a writer that writes listed ranges of it.

use std::io::{self, Read, Seek, SeekFrom};

use crate::codec::SECTOR;
use crate::error::{Error, Result};
use crate::iso9660::ecma119::vd_type;
use crate::read::medium::Medium;
use crate::read::multisession::MultisessionKind;
use crate::udf::ecma167::tag_checksum;
use crate::write::result::ImageResult;
use crate::write::stream::ImageStream;

/// First block of the volume descriptor set (ECMA-119 §6.2.1).
const DESCRIPTORS: u32 = 16;
/// Descriptors looked at, at most, before a set counts as unterminated.
const MAX_DESCRIPTORS: u32 = 64;
/// UDF's first anchor volume descriptor pointer (UDF 2.2.3).
const ANCHOR: u32 = 256;

/// `IBlockRange`: blocks `start_lba` to `end_lba`, both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockRange {
    /// `StartLba`.
    pub start_lba: u32,
    /// `EndLba` (included).
    pub end_lba: u32,
}

impl BlockRange {
    /// Blocks in the range.
    pub fn blocks(&self) -> u32 {
        self.end_lba - self.start_lba + 1
    }

    fn contains(&self, lba: u32) -> bool {
        (self.start_lba..=self.end_lba).contains(&lba)
    }
}

impl ImageResult {
    /// `ModifiedBlocks` (`IBlockRangeList`): for a session after others on
    /// a random-write medium, the blocks to write, in order — the session,
    /// then its descriptors copied over block 16, then (with UDF) its
    /// anchor at block 256. `None` for any other image, which is written
    /// whole where it starts.
    pub fn modified_blocks(&self) -> Result<Option<Vec<BlockRange>>> {
        if self.multisession != Some(MultisessionKind::RandomWrite) || self.start_block() == 0 {
            return Ok(None);
        }
        let start = self.start_block();
        let (n, udf) = self.descriptor_set_blocks()?;
        let mut ranges = vec![
            BlockRange {
                start_lba: start,
                end_lba: start + self.total_blocks() - 1,
            },
            BlockRange {
                start_lba: DESCRIPTORS,
                end_lba: DESCRIPTORS + n - 1,
            },
        ];
        if udf {
            ranges.push(BlockRange {
                start_lba: ANCHOR,
                end_lba: ANCHOR,
            });
        }
        Ok(Some(ranges))
    }

    /// Blocks of the session's volume descriptors from its block 16: the
    /// ISO 9660 set to its terminator, then the UDF volume recognition
    /// sequence to its TEA01, as the image stream makes them; and whether
    /// that sequence names a UDF volume (NSR02 or NSR03).
    pub(crate) fn descriptor_set_blocks(&self) -> Result<(u32, bool)> {
        let mut s = self.image_stream();
        let mut block = [0u8; SECTOR];
        let (mut iso, mut udf, mut n) = (false, false, 0);
        for i in 0..MAX_DESCRIPTORS {
            s.seek(SeekFrom::Start(u64::from(DESCRIPTORS + i) * SECTOR as u64))
                .and_then(|_| s.read_exact(&mut block))
                .map_err(|error| Error::Output {
                    path: "image stream".into(),
                    error,
                })?;
            match &block[1..6] {
                b"CD001" if block[0] == vd_type::TERMINATOR => {
                    iso = true;
                    n = i + 1;
                }
                b"CD001" | b"BEA01" | b"BOOT2" | b"CDW02" => {}
                b"NSR02" | b"NSR03" => udf = true,
                b"TEA01" => {
                    n = i + 1;
                    break;
                }
                _ => break,
            }
        }
        if n == 0 || !(iso || udf) {
            return Err(Error::MultisessionNotAllowed {
                reason: "the session has no ISO 9660 descriptor set or UDF recognition \
                         sequence to put at block 16"
                    .into(),
            });
        }
        Ok((n, udf))
    }

    /// The medium as it reads once this session is written, from block 0 to
    /// the session's end (the whole image when it starts at block 0): the
    /// blocks of [`ImageResult::modified_blocks`] from the session, the rest
    /// as the medium holds it now. A writer writes the listed ranges of it.
    pub fn disc_stream(&self) -> Result<DiscStream> {
        let ranges = self.modified_blocks()?.unwrap_or_default();
        let mut image = self.image_stream();
        let anchor = match ranges.get(2) {
            Some(_) => Some(relocated_anchor(&mut image)?),
            None => None,
        };
        Ok(DiscStream {
            image,
            start: self.start_block(),
            end: self.start_block() + self.total_blocks(),
            descriptors: ranges.get(1).copied(),
            anchor,
            medium: self.base_medium.clone(),
            pos: 0,
        })
    }
}

/// The session's anchor (its block 256), as block 256 of the medium holds
/// it: the same pointers, the tag's location 256 (readers check it).
fn relocated_anchor(image: &mut ImageStream) -> Result<Box<[u8; SECTOR]>> {
    let mut block = Box::new([0u8; SECTOR]);
    image
        .seek(SeekFrom::Start(u64::from(ANCHOR) * SECTOR as u64))
        .and_then(|_| image.read_exact(&mut block[..]))
        .map_err(|error| Error::Output {
            path: "image stream".into(),
            error,
        })?;
    // ECMA-167 3/7.2: tag identifier 2, the location in bytes 12..16.
    if u16::from_le_bytes([block[0], block[1]]) != 2 {
        return Err(Error::MultisessionNotAllowed {
            reason: "the session's block 256 holds no UDF anchor to point block 256 at it".into(),
        });
    }
    block[12..16].copy_from_slice(&ANCHOR.to_le_bytes());
    block[4] = tag_checksum(&block[..16]);
    Ok(block)
}

/// The medium after a session, from block 0 (see
/// [`ImageResult::disc_stream`]).
pub struct DiscStream {
    image: ImageStream,
    start: u32,
    end: u32,
    descriptors: Option<BlockRange>,
    /// Block 256 as the medium will hold it (with UDF).
    anchor: Option<Box<[u8; SECTOR]>>,
    medium: Option<Medium>,
    pos: u64,
}

impl DiscStream {
    /// Length in bytes: up to the session's end.
    pub fn len(&self) -> u64 {
        u64::from(self.end) * SECTOR as u64
    }

    /// Whether the stream is empty.
    pub fn is_empty(&self) -> bool {
        self.end == 0
    }

    /// Reads within one block at `self.pos`.
    fn read_in_block(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let lba = (self.pos / SECTOR as u64) as u32;
        let within = self.pos % SECTOR as u64;
        let n = buf.len().min((SECTOR as u64 - within) as usize);
        if lba >= self.start {
            let at = self.pos - u64::from(self.start) * SECTOR as u64;
            self.image.seek(SeekFrom::Start(at))?;
            self.image.read_exact(&mut buf[..n])?;
        } else if let Some(a) = self.anchor.as_ref().filter(|_| lba == ANCHOR) {
            buf[..n].copy_from_slice(&a[within as usize..within as usize + n]);
        } else if self.descriptors.is_some_and(|d| d.contains(lba)) {
            // The session's own descriptor at the same place of its blocks.
            self.image.seek(SeekFrom::Start(self.pos))?;
            self.image.read_exact(&mut buf[..n])?;
        } else {
            let m = self.medium.as_ref().ok_or_else(|| {
                io::Error::other(format!(
                    "block {lba} is before the session and no medium is known"
                ))
            })?;
            if self.pos + n as u64 > m.len() {
                buf[..n].fill(0);
            } else {
                m.read_exact_at(&mut buf[..n], self.pos, "the medium under the session")
                    .map_err(io::Error::other)?;
            }
        }
        self.pos += n as u64;
        Ok(n)
    }
}

impl Read for DiscStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pos >= self.len() || buf.is_empty() {
            return Ok(0);
        }
        let len = self.len();
        let room = (len - self.pos).min(buf.len() as u64) as usize;
        self.read_in_block(&mut buf[..room])
    }
}

impl Seek for DiscStream {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let at = match to {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::End(d) => self.len().checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        self.pos =
            at.ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "seek before the start"))?;
        Ok(self.pos)
    }
}
