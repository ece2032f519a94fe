//! Writing listed block ranges of a disc stream (IMAPI's `Write` of a stream
//! that is also an `IBlockRangeList`, reference §7 and §12): a session after
//! others on an overwritable medium, where the stream reads as the whole
//! medium from block 0 and only the new session and the descriptors that
//! point at it are written, in the order listed — the session first, the
//! descriptors last — so that a write stopped anywhere leaves the old tree.
//!
//! Each range is widened to whole write units (DVD ECC blocks of 16, BD
//! clusters of 32), the widening read from the stream (the medium's own
//! content before the session, zeros past its end), as growisofs writes
//! whole blocks; each goes through the write engine as one section.

use std::io::{self, Read, Seek, SeekFrom};

use imapi2_fs::BlockRange;

use super::engine::{self, CancelHandle, EngineSettings};
use super::events::{Flow, WriteEngineProgress};
use super::prepare::Held;
use crate::error::{Error, Result};

/// Sectors of a stream block.
const BLOCK: u64 = 2048;

/// One range as it is written: whole write units from `start`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Section {
    /// First LBA written.
    pub start: u64,
    /// Sectors written.
    pub sectors: u64,
}

/// The sections for `ranges`, widened to whole units of `unit` sectors,
/// in the order listed. Fails on an empty or inverted range, or one that
/// ends past `capacity` sectors.
pub fn sections(ranges: &[BlockRange], unit: u32, capacity: u64) -> Result<Vec<Section>> {
    let unit = u64::from(unit.max(1));
    let mut out = Vec::with_capacity(ranges.len());
    for r in ranges {
        if r.end_lba < r.start_lba {
            return Err(Error::InvalidParam {
                name: "BlockRange",
                reason: format!("ends at {} before it starts at {}", r.end_lba, r.start_lba),
            });
        }
        let start = u64::from(r.start_lba) / unit * unit;
        let end = (u64::from(r.end_lba) + 1).div_ceil(unit) * unit;
        if end > capacity {
            return Err(Error::InvalidParam {
                name: "BlockRange",
                reason: format!(
                    "blocks {} to {} end past the medium's {capacity} sectors",
                    r.start_lba, r.end_lba
                ),
            });
        }
        out.push(Section {
            start,
            sectors: end - start,
        });
    }
    Ok(out)
}

/// Writes `sections` of `stream` (the medium from block 0) through the
/// engine; `progress` sees each section's own figures (true LBAs) and the
/// fraction of the whole job done.
pub fn write<R: Read + Seek + Send + ?Sized>(
    held: &mut Held<'_>,
    settings: &EngineSettings,
    stream: &mut R,
    sections: &[Section],
    cancel: &CancelHandle,
    progress: &mut dyn FnMut(&WriteEngineProgress, f64) -> Flow,
) -> Result<()> {
    let len = stream.seek(SeekFrom::End(0)).map_err(seek_error)?;
    let total: u64 = sections.iter().map(|s| s.sectors).sum();
    let mut before = 0u64;
    for s in sections {
        stream
            .seek(SeekFrom::Start(s.start * BLOCK))
            .map_err(seek_error)?;
        let from_stream = len.saturating_sub(s.start * BLOCK).min(s.sectors * BLOCK);
        let mut source = (&mut *stream)
            .take(from_stream)
            .chain(io::repeat(0).take(s.sectors * BLOCK - from_stream));
        let mut each = |p: &WriteEngineProgress| {
            let done = (before + p.sectors_written()) as f64 / total.max(1) as f64;
            progress(p, done)
        };
        engine::write_section(
            held,
            settings,
            &mut source,
            s.start as i64,
            s.sectors,
            cancel,
            &mut each,
        )?;
        before += s.sectors;
    }
    Ok(())
}

/// A stream seen from block `start` on, zeros past its end (the widening
/// of a last section): what one section's verification compares with.
pub struct From<'s, R: ?Sized> {
    inner: &'s mut R,
    start: u64,
}

impl<'s, R: Read + Seek + ?Sized> From<'s, R> {
    /// `inner` seen from block `start`.
    pub fn new(inner: &'s mut R, start: u64) -> From<'s, R> {
        From { inner, start }
    }
}

impl<R: Read + Seek + ?Sized> Read for From<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.inner.read(buf)? {
            0 => {
                buf.fill(0);
                Ok(buf.len())
            }
            n => Ok(n),
        }
    }
}

impl<R: Read + Seek + ?Sized> Seek for From<'_, R> {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let base = self.start * BLOCK;
        let at = match to {
            SeekFrom::Start(n) => self.inner.seek(SeekFrom::Start(base + n))?,
            other => self.inner.seek(other)?,
        };
        Ok(at.saturating_sub(base))
    }
}

fn seek_error(e: io::Error) -> Error {
    Error::Source {
        lba: 0,
        reason: format!("the stream cannot seek: {e}"),
        code: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(start_lba: u32, end_lba: u32) -> BlockRange {
        BlockRange { start_lba, end_lba }
    }

    #[test]
    fn ranges_widen_to_whole_units_in_their_order() {
        let s = sections(&[r(192, 216), r(16, 17)], 16, 10_000).unwrap();
        assert_eq!(
            s,
            vec![
                Section {
                    start: 192,
                    sectors: 32
                },
                Section {
                    start: 16,
                    sectors: 16
                }
            ]
        );
        let bd = sections(&[r(256, 256)], 32, 10_000).unwrap();
        assert_eq!(bd[0].start, 256);
        assert_eq!(bd[0].sectors, 32);
    }

    #[test]
    fn bad_ranges_are_refused() {
        assert!(sections(&[r(20, 19)], 16, 100).is_err());
        assert!(
            sections(&[r(90, 99)], 16, 100).is_err(),
            "widened past the end"
        );
        assert!(sections(&[r(80, 95)], 16, 96).is_ok());
    }

    #[test]
    fn a_stream_seen_from_a_block() {
        let data: Vec<u8> = (0..4 * 2048).map(|i| (i / 2048) as u8).collect();
        let mut c = std::io::Cursor::new(data);
        let mut f = From::new(&mut c, 2);
        f.seek(SeekFrom::Start(2048)).unwrap();
        let mut b = [0u8; 4];
        f.read_exact(&mut b).unwrap();
        assert_eq!(b, [3; 4]);
    }
}
