//! The host buffer between a source stream and the drive (IMAPI's "system
//! buffer", reported as `TotalSystemBuffer` / `UsedSystemBuffer` /
//! `FreeSystemBuffer`): a producer thread reads the source into a fixed set
//! of chunks while the writer sends full chunks to the drive.
//!
//! Memory is bounded: the buffer owns `chunks` buffers of `chunk_sectors`
//! sectors each, allocated once and recycled, whatever the length of the
//! burn. The producer runs in a scoped thread, so the source is borrowed, not
//! moved: after the write the caller still has it (to verify the burn
//! against it, say). When the consumer stops early (an error, a cancel), the
//! producer is told by the closed channels and ends at its next chunk.

use std::io::{self, Read};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::Arc;

/// Default size of the host buffer: 16 MiB.
pub const DEFAULT_BYTES: usize = 16 << 20;

/// How the buffer is cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Geometry {
    /// Bytes in one sector of the source (2048, 2352, 2448...).
    pub sector_bytes: usize,
    /// Sectors the source must give.
    pub sectors: u64,
    /// Sectors per chunk (one WRITE command's worth).
    pub chunk_sectors: u32,
    /// Bytes the whole buffer may hold; at least two chunks are kept.
    pub capacity_bytes: usize,
}

impl Geometry {
    /// Bytes in one chunk.
    pub fn chunk_bytes(&self) -> usize {
        self.sector_bytes * self.chunk_sectors as usize
    }

    /// Chunks in the buffer.
    pub fn chunks(&self) -> usize {
        (self.capacity_bytes / self.chunk_bytes().max(1)).max(2)
    }

    /// Bytes the buffer really holds (whole chunks).
    pub fn total_bytes(&self) -> usize {
        self.chunks() * self.chunk_bytes()
    }
}

/// One chunk read from the source: `sectors` sectors starting at sector
/// `first` of the section (counted from 0).
#[derive(Debug)]
pub struct Chunk {
    /// First sector of the chunk, from the start of the section.
    pub first: u64,
    /// Sectors in it (the last chunk may hold fewer than a full one).
    pub sectors: u32,
    /// The bytes: `sectors * sector_bytes` of them.
    pub data: Vec<u8>,
}

/// Why the source could not give its sectors.
#[derive(Debug)]
pub enum SourceError {
    /// Reading failed at this sector.
    Read {
        /// The sector being read, from the start of the section.
        sector: u64,
        /// The error of the source (an image stream passes its own error
        /// inside: a vanished or changed file).
        error: io::Error,
    },
    /// The source ended before it gave every sector.
    Short {
        /// Sectors announced.
        expected: u64,
        /// Whole sectors it gave.
        got: u64,
    },
}

impl std::fmt::Display for SourceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SourceError::Read { sector, error } => {
                write!(f, "reading sector {sector} of the source failed: {error}")
            }
            SourceError::Short { expected, got } => {
                write!(f, "the source ended after {got} of its {expected} sectors")
            }
        }
    }
}

/// What the buffer holds now (for progress events).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Fill {
    /// Bytes the buffer can hold.
    pub total: u64,
    /// Bytes read from the source and not yet taken by the writer.
    pub used: u64,
    /// Sectors read from the source so far.
    pub read_sectors: u64,
}

#[derive(Default)]
struct Counters {
    used: AtomicU64,
    read_sectors: AtomicU64,
}

/// The consumer's end: full chunks in order, and the way back for empty ones.
pub struct Feed {
    full: Receiver<Result<Chunk, SourceError>>,
    free: SyncSender<Vec<u8>>,
    counters: Arc<Counters>,
    total: u64,
}

impl Feed {
    /// The next chunk, waiting for the producer; `None` after the last.
    pub fn take(&mut self) -> Option<Result<Chunk, SourceError>> {
        let r = self.full.recv().ok()?;
        if let Ok(c) = &r {
            self.counters
                .used
                .fetch_sub(c.data.len() as u64, Ordering::Relaxed);
        }
        Some(r)
    }

    /// Gives a chunk's buffer back to be filled again.
    pub fn recycle(&mut self, mut data: Vec<u8>) {
        data.clear();
        // The producer may be gone (it ended): the buffer is then dropped.
        let _ = self.free.try_send(data);
    }

    /// What the buffer holds now.
    pub fn fill(&self) -> Fill {
        Fill {
            total: self.total,
            used: self.counters.used.load(Ordering::Relaxed),
            read_sectors: self.counters.read_sectors.load(Ordering::Relaxed),
        }
    }
}

/// Runs `consume` with a buffer that a producer thread fills from `source`.
/// Returns what `consume` returns; the producer has ended by then.
pub fn with_buffer<R, T>(
    source: &mut R,
    geometry: Geometry,
    consume: impl FnOnce(&mut Feed) -> T,
) -> T
where
    R: Read + Send + ?Sized,
{
    let chunks = geometry.chunks();
    let (full_tx, full_rx) = sync_channel(chunks);
    let (free_tx, free_rx) = sync_channel(chunks);
    for _ in 0..chunks {
        free_tx
            .try_send(Vec::with_capacity(geometry.chunk_bytes()))
            .expect("room for every buffer");
    }
    let counters = Arc::new(Counters::default());
    let mut feed = Feed {
        full: full_rx,
        free: free_tx,
        counters: counters.clone(),
        total: geometry.total_bytes() as u64,
    };
    std::thread::scope(|scope| {
        scope.spawn(move || produce(source, geometry, free_rx, full_tx, &counters));
        let out = consume(&mut feed);
        // Closing both channels stops a producer still at work.
        drop(feed);
        out
    })
}

fn produce<R: Read + ?Sized>(
    source: &mut R,
    g: Geometry,
    free: Receiver<Vec<u8>>,
    full: SyncSender<Result<Chunk, SourceError>>,
    counters: &Counters,
) {
    let mut first = 0u64;
    while first < g.sectors {
        let Ok(mut data) = free.recv() else { return };
        let sectors = (g.sectors - first).min(u64::from(g.chunk_sectors)) as u32;
        let want = sectors as usize * g.sector_bytes;
        data.resize(want, 0);
        let r = match read_full(source, &mut data) {
            Ok(n) if n == want => Ok(Chunk {
                first,
                sectors,
                data,
            }),
            Ok(n) => Err(SourceError::Short {
                expected: g.sectors,
                got: first + (n / g.sector_bytes) as u64,
            }),
            Err((n, error)) => Err(SourceError::Read {
                sector: first + (n / g.sector_bytes) as u64,
                error,
            }),
        };
        let failed = r.is_err();
        if let Ok(c) = &r {
            counters
                .used
                .fetch_add(c.data.len() as u64, Ordering::Relaxed);
            counters
                .read_sectors
                .fetch_add(u64::from(sectors), Ordering::Relaxed);
        }
        if full.send(r).is_err() || failed {
            return;
        }
        first += u64::from(sectors);
    }
}

/// Reads until `buf` is full or the source ends; the error carries how much
/// was read before it.
fn read_full<R: Read + ?Sized>(r: &mut R, buf: &mut [u8]) -> Result<usize, (usize, io::Error)> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err((n, e)),
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn geometry(sectors: u64, chunk: u32, capacity: usize) -> Geometry {
        Geometry {
            sector_bytes: 2048,
            sectors,
            chunk_sectors: chunk,
            capacity_bytes: capacity,
        }
    }

    #[test]
    fn chunks_come_in_order_and_hold_the_source() {
        let src: Vec<u8> = (0..100 * 2048u32).map(|i| (i / 2048) as u8).collect();
        let mut cursor = &src[..];
        let got = with_buffer(&mut cursor, geometry(100, 16, 64 << 10), |feed| {
            let mut all = Vec::new();
            let mut firsts = Vec::new();
            while let Some(c) = feed.take() {
                let c = c.unwrap();
                firsts.push(c.first);
                all.extend_from_slice(&c.data);
                feed.recycle(c.data);
            }
            (all, firsts)
        });
        assert_eq!(got.0, src);
        assert_eq!(got.1, vec![0, 16, 32, 48, 64, 80, 96]);
    }

    #[test]
    fn memory_is_bounded_by_the_capacity() {
        let g = geometry(1 << 20, 32, 1 << 20);
        assert_eq!(g.chunks(), 16);
        assert_eq!(g.total_bytes(), 1 << 20);
        // A slow consumer: the producer never holds more than the capacity.
        let mut zeros = io::repeat(0).take((1u64 << 20) * 2048);
        let peak = with_buffer(&mut zeros, g, |feed| {
            let mut peak = 0;
            let mut n = 0;
            while let Some(c) = feed.take() {
                peak = peak.max(feed.fill().used);
                feed.recycle(c.unwrap().data);
                n += 1;
                if n == 200 {
                    break; // and stop early: the producer must end too
                }
            }
            peak
        });
        assert!(peak <= 1 << 20, "{peak}");
    }

    #[test]
    fn a_short_source_is_an_error_naming_what_it_gave() {
        let src = vec![7u8; 10 * 2048 + 100];
        let mut cursor = &src[..];
        let err = with_buffer(&mut cursor, geometry(20, 4, 64 << 10), |feed| loop {
            match feed.take() {
                Some(Ok(c)) => feed.recycle(c.data),
                Some(Err(e)) => return Some(e),
                None => return None,
            }
        });
        match err {
            Some(SourceError::Short { expected, got }) => assert_eq!((expected, got), (20, 10)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_read_error_names_its_sector() {
        struct Failing(u64);
        impl Read for Failing {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                if self.0 >= 5 * 2048 {
                    return Err(io::Error::other("gone"));
                }
                let n = buf.len().min(1000);
                self.0 += n as u64;
                Ok(n)
            }
        }
        let err = with_buffer(&mut Failing(0), geometry(8, 8, 1 << 20), |feed| {
            feed.take().map(|r| r.map(|_| ()))
        });
        match err {
            Some(Err(SourceError::Read { sector, .. })) => assert_eq!(sector, 5),
            other => panic!("{other:?}"),
        }
    }
}
