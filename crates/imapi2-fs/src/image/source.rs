//! File data sources: where the bytes of a file item come from, and reading
//! them back at write time with the size check IMAPI calls
//! `DATA_STREAM_INCONSISTENCY`.

use std::fmt;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::error::{Error, Result};
use crate::image::arena::TreeData;
use crate::read::medium::Medium;

/// Anything that can be a file's data: `Read + Seek + Send` (IMAPI's `IStream`).
pub trait ReadSeek: Read + Seek + Send {}
impl<T: Read + Seek + Send> ReadSeek for T {}

/// A stream shared between the image and the result streams made from it.
pub type SharedStream = Arc<Mutex<Box<dyn ReadSeek>>>;

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

/// The data of one file (shared by all hard links to it), as the tree stores it.
#[derive(Clone)]
pub(crate) struct Content {
    pub(crate) source: Stored,
    /// Size in bytes, taken when the data was assigned.
    pub(crate) size: u64,
}

/// A [`DataSource`] as stored: a host file found by `add_tree` keeps only its
/// directory's index and the item that first named it (item names never
/// change, and `add_tree` names items after their host files), which saves a
/// path per file.
#[derive(Clone)]
pub(crate) enum Stored {
    Empty,
    HostEntry {
        dir: u32,
        node: u32,
    },
    Path(Box<Path>),
    Bytes(Arc<[u8]>),
    Stream(SharedStream),
    Extents(Medium, Arc<[(u64, u64)]>),
    /// The El Torito boot catalog, made visible as a file: its data is the
    /// catalog sector the layout writes, not a source.
    BootCatalog,
}

impl Stored {
    pub(crate) fn from_source(s: DataSource) -> Stored {
        match s {
            DataSource::Empty => Stored::Empty,
            DataSource::Path(p) => Stored::Path(p.into_boxed_path()),
            DataSource::Bytes(b) => Stored::Bytes(b),
            DataSource::Stream(s) => Stored::Stream(s),
            DataSource::Extents(m, r) => Stored::Extents(m, r),
        }
    }

    pub(crate) fn to_source(&self, data: &TreeData) -> DataSource {
        match self {
            Stored::Empty => DataSource::Empty,
            Stored::HostEntry { .. } => {
                DataSource::Path(self.host_path(data).expect("host source"))
            }
            Stored::Path(p) => DataSource::Path(p.to_path_buf()),
            Stored::Bytes(b) => DataSource::Bytes(b.clone()),
            Stored::Stream(s) => DataSource::Stream(s.clone()),
            Stored::Extents(m, r) => DataSource::Extents(m.clone(), r.clone()),
            Stored::BootCatalog => DataSource::Empty,
        }
    }

    /// The host path, for host files.
    pub(crate) fn host_path(&self, data: &TreeData) -> Option<PathBuf> {
        match self {
            Stored::HostEntry { dir, node } => {
                Some(data.host_dirs[*dir as usize].join(&*data.node(*node).name))
            }
            Stored::Path(p) => Some(p.to_path_buf()),
            _ => None,
        }
    }
}

/// Appends the whole of a small host file to `out` with one open and (for a
/// regular file) one read of one byte more than expected, which shows a
/// change of size without a `stat`. Returns `false` for sources that are not
/// host files.
pub(crate) fn read_host_file_into(
    content: &Content,
    data: &TreeData,
    out: &mut Vec<u8>,
) -> Result<bool> {
    let Some(path) = content.source.host_path(data) else {
        return Ok(false);
    };
    let name = || path.display().to_string();
    let mut file = File::open(&path).map_err(|error| Error::DataStreamCreate {
        path: path.clone(),
        error,
    })?;
    let size = content.size as usize;
    let start = out.len();
    out.resize(start + size + 1, 0);
    let mut got = 0;
    loop {
        match file.read(&mut out[start + got..]) {
            Ok(0) => break,
            Ok(n) => {
                got += n;
                // A regular file returns less than asked only at its end.
                if got == size || got == size + 1 {
                    break;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => {
                out.truncate(start);
                return Err(Error::DataStreamRead {
                    source_name: name(),
                    error,
                });
            }
        }
    }
    out.truncate(start + got.min(size));
    if got != size {
        // Find the real size for the message.
        let found = match file.metadata() {
            Ok(m) => m.len(),
            Err(_) => got as u64,
        };
        return Err(Error::DataStreamInconsistency {
            source_name: name(),
            expected: content.size,
            found,
        });
    }
    Ok(true)
}

/// Measures a caller-supplied stream: its length from the start.
pub(crate) fn stream_len(s: &SharedStream) -> io::Result<u64> {
    let mut g = s.lock().unwrap_or_else(|p| p.into_inner());
    let len = g.seek(SeekFrom::End(0))?;
    g.seek(SeekFrom::Start(0))?;
    Ok(len)
}

/// An opened source, ready for positioned reads.
pub(crate) enum Reader {
    Empty,
    File(File),
    Bytes(Arc<[u8]>),
    Stream(SharedStream),
    Extents(Medium, Arc<[(u64, u64)]>),
}

impl Reader {
    /// Opens `content` and checks that its size is still the one recorded.
    /// `name` names the source in errors (host path or item path).
    pub(crate) fn open(content: &Content, data: &TreeData, name: &str) -> Result<Reader> {
        let (reader, found) = match &content.source {
            Stored::Empty | Stored::BootCatalog => (Reader::Empty, content.size),
            Stored::HostEntry { .. } | Stored::Path(_) => {
                let path = content.source.host_path(data).expect("host source");
                let file = File::open(&path).map_err(|error| Error::DataStreamCreate {
                    path: path.clone(),
                    error,
                })?;
                let len = file
                    .metadata()
                    .map_err(|error| Error::DataStreamRead {
                        source_name: path.display().to_string(),
                        error,
                    })?
                    .len();
                (Reader::File(file), len)
            }
            Stored::Bytes(b) => (Reader::Bytes(b.clone()), b.len() as u64),
            Stored::Stream(s) => {
                let len = stream_len(s).map_err(|error| Error::DataStreamRead {
                    source_name: name.to_string(),
                    error,
                })?;
                (Reader::Stream(s.clone()), len)
            }
            Stored::Extents(m, r) => (
                Reader::Extents(m.clone(), r.clone()),
                r.iter().map(|x| x.1).sum(),
            ),
        };
        if found != content.size {
            return Err(Error::DataStreamInconsistency {
                source_name: name.to_string(),
                expected: content.size,
                found,
            });
        }
        Ok(reader)
    }

    /// Reads up to `buf.len()` bytes at `offset`; returns 0 only at the end.
    pub(crate) fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        match self {
            Reader::Empty => Ok(0),
            Reader::File(f) => loop {
                match f.read_at(buf, offset) {
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    r => return r,
                }
            },
            Reader::Bytes(b) => {
                let start = usize::try_from(offset).unwrap_or(usize::MAX).min(b.len());
                let n = buf.len().min(b.len() - start);
                buf[..n].copy_from_slice(&b[start..start + n]);
                Ok(n)
            }
            Reader::Stream(s) => {
                let mut g = s.lock().unwrap_or_else(|p| p.into_inner());
                g.seek(SeekFrom::Start(offset))?;
                loop {
                    match g.read(buf) {
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                        r => return r,
                    }
                }
            }
            Reader::Extents(m, runs) => {
                let total: u64 = runs.iter().map(|x| x.1).sum();
                let n = (buf.len() as u64).min(total.saturating_sub(offset)) as usize;
                read_runs(m, runs, &mut buf[..n], offset)
                    .map_err(|e| io::Error::other(e.to_string()))?;
                Ok(n)
            }
        }
    }

    /// Fills `buf` completely from `offset`, or fails with the inconsistency
    /// error when the source ends early.
    pub(crate) fn read_exact_at(
        &self,
        buf: &mut [u8],
        offset: u64,
        expected_size: u64,
        name: &str,
    ) -> Result<()> {
        let mut done = 0;
        while done < buf.len() {
            let n = self
                .read_at(&mut buf[done..], offset + done as u64)
                .map_err(|error| Error::DataStreamRead {
                    source_name: name.to_string(),
                    error,
                })?;
            if n == 0 {
                return Err(Error::DataStreamInconsistency {
                    source_name: name.to_string(),
                    expected: expected_size,
                    found: offset + done as u64,
                });
            }
            done += n;
        }
        Ok(())
    }

    /// The host file, for the kernel-copy fast path.
    pub(crate) fn file(&self) -> Option<&File> {
        match self {
            Reader::File(f) => Some(f),
            _ => None,
        }
    }

    /// Checks after a complete read that the source did not grow meanwhile.
    pub(crate) fn check_unchanged(&self, expected: u64, name: &str) -> Result<()> {
        let found = match self {
            Reader::File(f) => f
                .metadata()
                .map_err(|error| Error::DataStreamRead {
                    source_name: name.to_string(),
                    error,
                })?
                .len(),
            _ => return Ok(()),
        };
        if found != expected {
            return Err(Error::DataStreamInconsistency {
                source_name: name.to_string(),
                expected,
                found,
            });
        }
        Ok(())
    }
}
