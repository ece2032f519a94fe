//! File data sources (IMAPI's `IStream` as a file's data): where the bytes
//! of a file item come from. How the tree stores them is
//! [`Stored`](crate::image::arena::Stored); reading them at write time is
//! `write::file_data`.

use std::fmt;
use std::io::{Read, Seek, SeekFrom};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use crate::error::{Error, Result};
use crate::read::medium::{stream_len, Medium, ReadSeek, SharedStream};

/// Where a file item's data comes from.
#[derive(Clone)]
pub enum DataSource {
    /// No data: an empty file.
    Empty,
    /// A host file, opened when the image is written.
    Path(PathBuf),
    /// An in-memory buffer.
    Bytes(Arc<[u8]>),
    /// A caller-supplied stream; it is read from the offset the image needs.
    Stream(SharedStream),
    /// Runs of a medium, in order: (byte offset, length); a run at offset
    /// [`ZERO_RUN`](crate::read::view::ZERO_RUN) reads as zeros. Imported files
    /// have this source; when the next session goes onto the same medium
    /// and the data is one aligned run, the new tree points at it instead
    /// of copying it.
    Extents(Medium, Arc<[(u64, u64)]>),
}

impl fmt::Debug for DataSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DataSource::Empty => f.write_str("Empty"),
            DataSource::Path(p) => f.debug_tuple("Path").field(p).finish(),
            DataSource::Bytes(b) => write!(f, "Bytes({} bytes)", b.len()),
            DataSource::Stream(_) => f.write_str("Stream"),
            DataSource::Extents(m, r) => write!(f, "Extents({}, {} runs)", m.name(), r.len()),
        }
    }
}

impl DataSource {
    /// Wraps any `Read + Seek` value as a source.
    pub fn stream(s: impl ReadSeek + 'static) -> DataSource {
        DataSource::Stream(Arc::new(Mutex::new(Box::new(s))))
    }

    /// The size of the data, measured now.
    pub fn size(&self, name: &str) -> Result<u64> {
        Ok(match self {
            DataSource::Empty => 0,
            DataSource::Bytes(b) => b.len() as u64,
            DataSource::Path(p) => {
                let md = std::fs::metadata(p).map_err(|error| Error::DataStreamCreate {
                    path: p.clone(),
                    error,
                })?;
                if !md.is_file() {
                    return Err(Error::NotFile {
                        path: p.display().to_string(),
                    });
                }
                md.len()
            }
            DataSource::Stream(s) => stream_len(s).map_err(|error| Error::DataStreamRead {
                source_name: name.to_string(),
                error,
            })?,
            DataSource::Extents(_, runs) => runs.iter().map(|r| r.1).sum(),
        })
    }

    /// The whole data in memory (for boot images and other small sources).
    pub fn read_all(&self, name: &str) -> Result<Vec<u8>> {
        Ok(match self {
            DataSource::Empty => Vec::new(),
            DataSource::Bytes(b) => b.to_vec(),
            DataSource::Path(p) => std::fs::read(p).map_err(|error| Error::DataStreamCreate {
                path: p.clone(),
                error,
            })?,
            DataSource::Stream(s) => {
                let mut g = s.lock().unwrap_or_else(|p| p.into_inner());
                let mut v = Vec::new();
                g.seek(SeekFrom::Start(0))
                    .and_then(|_| g.read_to_end(&mut v))
                    .map_err(|error| Error::DataStreamRead {
                        source_name: name.into(),
                        error,
                    })?;
                v
            }
            DataSource::Extents(m, runs) => {
                let size = self.size(name)?;
                let mut v = vec![0u8; size as usize];
                read_runs(m, runs, &mut v, 0)?;
                v
            }
        })
    }
}

/// Fills `buf` from byte `offset` of the data the runs describe.
pub(crate) fn read_runs(
    medium: &Medium,
    runs: &[(u64, u64)],
    buf: &mut [u8],
    offset: u64,
) -> Result<()> {
    let mut pos = 0u64; // start of the current run in the data
    let mut done = 0usize;
    for &(at, len) in runs {
        if done == buf.len() {
            break;
        }
        let want = offset + done as u64;
        if want >= pos + len {
            pos += len;
            continue;
        }
        let inside = want - pos;
        let n = ((len - inside) as usize).min(buf.len() - done);
        if at == crate::read::view::ZERO_RUN {
            buf[done..done + n].fill(0);
        } else {
            medium.read_exact_at(&mut buf[done..done + n], at + inside, "imported file data")?;
        }
        done += n;
        pos += len;
    }
    if done < buf.len() {
        return Err(Error::DataStreamInconsistency {
            source_name: medium.name(),
            expected: runs.iter().map(|r| r.1).sum(),
            found: offset + done as u64,
        });
    }
    Ok(())
}
