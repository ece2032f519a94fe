//! A medium to read from: an image file or a caller's stream, shared by the
//! readers and by the items imported from it, read by absolute position.

use std::fmt;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use crate::codec::SECTOR;
use crate::error::{Error, Result};

/// Anything that can be a file's data: `Read + Seek + Send` (IMAPI's `IStream`).
pub trait ReadSeek: Read + Seek + Send {}
impl<T: Read + Seek + Send> ReadSeek for T {}

/// A stream shared between the image and the result streams made from it.
pub type SharedStream = Arc<Mutex<Box<dyn ReadSeek>>>;

/// Measures a caller-supplied stream: its length from the start.
pub(crate) fn stream_len(s: &SharedStream) -> io::Result<u64> {
    let mut g = s.lock().unwrap_or_else(|p| p.into_inner());
    let len = g.seek(SeekFrom::End(0))?;
    g.seek(SeekFrom::Start(0))?;
    Ok(len)
}

/// One session as a drive reports it: its first and last recorded block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordedSession {
    /// First block.
    pub first: u32,
    /// Last recorded block.
    pub last: u32,
}

/// A read-only medium (an image file, or any `Read + Seek`), cheap to clone.
#[derive(Clone)]
pub struct Medium {
    inner: Arc<Inner>,
    /// Sessions as the medium's drive reports them (its TOC), when known:
    /// readers take them instead of looking for sessions.
    sessions: Option<Arc<[RecordedSession]>>,
    /// An overwritable medium (DVD+RW, DVD-RAM, BD-RE): its newest tree is
    /// the one the descriptors at block 16 name.
    overwritable: bool,
}

enum Inner {
    File {
        file: File,
        path: PathBuf,
        len: u64,
        /// Where the file holds data (the rest are holes), found once.
        data: OnceLock<Box<[(u64, u64)]>>,
    },
    Stream {
        stream: SharedStream,
        len: u64,
    },
}

impl fmt::Debug for Medium {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Medium({}, {} bytes)", self.name(), self.len())
    }
}

impl Medium {
    /// Opens an image file.
    pub fn open(path: impl AsRef<Path>) -> Result<Medium> {
        let path = path.as_ref().to_path_buf();
        let file = File::open(&path).map_err(|error| Error::DataStreamCreate {
            path: path.clone(),
            error,
        })?;
        let md = file
            .metadata()
            .map_err(|error| Error::ImportRead { block: 0, error })?;
        if md.is_dir() {
            return Err(Error::DataStreamCreate {
                path: path.clone(),
                error: std::io::Error::other(
                    "is a folder, not an image file (mkimage makes an image of one)",
                ),
            });
        }
        let len = md.len();
        Ok(Medium {
            inner: Arc::new(Inner::File {
                file,
                path,
                len,
                data: OnceLock::new(),
            }),
            sessions: None,
            overwritable: false,
        })
    }

    /// Wraps a stream; its length is measured once.
    pub fn from_stream(s: impl ReadSeek + 'static) -> Result<Medium> {
        let stream: SharedStream = Arc::new(Mutex::new(Box::new(s)));
        let len = stream_len(&stream).map_err(|error| Error::ImportRead { block: 0, error })?;
        Ok(Medium {
            inner: Arc::new(Inner::Stream { stream, len }),
            sessions: None,
            overwritable: false,
        })
    }

    /// The same medium, with its sessions (oldest first) as a drive reports
    /// them: the readers then find the sessions there, as the Linux kernel
    /// finds the last one from the TOC, instead of looking for one after
    /// another (which cannot cross the gaps of a CD's lead-outs and
    /// lead-ins), and pass over a session whose volume needs more blocks
    /// than were recorded (an interrupted burn, closed afterwards).
    pub fn with_sessions(mut self, sessions: &[RecordedSession]) -> Medium {
        self.sessions = Some(Arc::from(sessions));
        self
    }

    /// The same medium, known to be overwritable: its sessions are logical
    /// ones, the newest being the one the descriptors at block 16 name (the
    /// last thing a session after others writes), so a session found past
    /// that one's volume was never pointed at — an append that did not
    /// complete — and is passed over.
    pub fn as_overwritable(mut self) -> Medium {
        self.overwritable = true;
        self
    }

    /// Whether [`Medium::as_overwritable`] said so.
    pub fn is_overwritable(&self) -> bool {
        self.overwritable
    }

    /// The sessions given by [`Medium::with_sessions`].
    pub fn recorded_sessions(&self) -> Option<&[RecordedSession]> {
        self.sessions.as_deref()
    }

    /// Whether both handles are the same opened medium.
    pub fn same(&self, other: &Medium) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    /// Length in bytes.
    pub fn len(&self) -> u64 {
        match &*self.inner {
            Inner::File { len, .. } | Inner::Stream { len, .. } => *len,
        }
    }

    /// Whether the medium holds no bytes.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whole 2048-byte sectors.
    pub fn sectors(&self) -> u64 {
        self.len() / SECTOR as u64
    }

    /// The file's path, or "stream".
    pub fn name(&self) -> String {
        match &*self.inner {
            Inner::File { path, .. } => path.display().to_string(),
            Inner::Stream { .. } => "stream".into(),
        }
    }

    /// The image file's path, when the medium is one.
    pub fn path(&self) -> Option<&Path> {
        match &*self.inner {
            Inner::File { path, .. } => Some(path),
            Inner::Stream { .. } => None,
        }
    }

    /// Fills `buf` from byte `offset`; reading past the end is an error
    /// naming the structure being read.
    pub fn read_exact_at(&self, buf: &mut [u8], offset: u64, what: &str) -> Result<()> {
        let end = offset.checked_add(buf.len() as u64);
        if end.map_or(true, |e| e > self.len()) {
            return Err(Error::Corrupt {
                structure: what.into(),
                block: offset / SECTOR as u64,
                reason: format!(
                    "{} bytes at offset {offset} run past the end of the medium ({} bytes)",
                    buf.len(),
                    self.len()
                ),
            });
        }
        let io = |error| Error::ImportRead {
            block: offset / SECTOR as u64,
            error,
        };
        match &*self.inner {
            Inner::File { file, .. } => file.read_exact_at(buf, offset).map_err(io),
            Inner::Stream { stream, .. } => {
                let mut g = stream.lock().unwrap_or_else(|p| p.into_inner());
                g.seek(SeekFrom::Start(offset))
                    .and_then(|_| g.read_exact(buf))
                    .map_err(io)
            }
        }
    }

    /// Copies `len` bytes from byte `offset` to byte `out_offset` of `out`,
    /// through the kernel (`copy_file_range`) where the medium is a file
    /// and the kernel allows it, else through `buf`. `out_path` names `out`
    /// in errors.
    pub fn copy_to(
        &self,
        offset: u64,
        len: u64,
        out: &File,
        out_offset: u64,
        out_path: &Path,
        buf: &mut Vec<u8>,
    ) -> Result<()> {
        self.check_range(offset, len)?;
        let out_err = |error| Error::Output {
            path: out_path.to_path_buf(),
            error,
        };
        let mut done = 0u64;
        if let Inner::File { file, .. } = &*self.inner {
            while done < len {
                let mut from = offset + done;
                let mut to = out_offset + done;
                let want = (len - done).min(1 << 30) as usize;
                match rustix::fs::copy_file_range(file, Some(&mut from), out, Some(&mut to), want) {
                    Ok(0) => break,
                    Ok(n) => done += n as u64,
                    Err(_) if done == 0 => break, // not offered here: copy by hand
                    Err(e) => return Err(out_err(e.into())),
                }
            }
        }
        while done < len {
            let n = (len - done).min(1 << 20) as usize;
            if buf.len() < n {
                buf.resize(n, 0);
            }
            self.read_exact_at(&mut buf[..n], offset + done, "file data")?;
            out.write_all_at(&buf[..n], out_offset + done)
                .map_err(out_err)?;
            done += n as u64;
        }
        Ok(())
    }

    /// An error unless `len` bytes from byte `offset` lie on the medium.
    pub(crate) fn check_range(&self, offset: u64, len: u64) -> Result<()> {
        if offset.checked_add(len).map_or(true, |e| e > self.len()) {
            return Err(Error::Corrupt {
                structure: "file data".into(),
                block: offset / SECTOR as u64,
                reason: format!(
                    "{len} bytes at offset {offset} run past the end of the medium ({} bytes)",
                    self.len()
                ),
            });
        }
        Ok(())
    }

    /// The first run of `[from, end)` that may hold data, as `(start, end)`:
    /// where the medium is a sparse image file, the holes before and after
    /// it are skipped, without reading them; elsewhere the whole range is
    /// data. A range with no data left gives `(end, end)`.
    pub fn data_run(&self, from: u64, end: u64) -> (u64, u64) {
        if from >= end {
            return (end, end);
        }
        let Inner::File {
            file, len, data, ..
        } = &*self.inner
        else {
            return (from, end);
        };
        let runs = data.get_or_init(|| data_runs(file, *len));
        // The first run that ends after `from`.
        let i = runs.partition_point(|r| r.1 <= from);
        match runs.get(i) {
            Some(&(s, e)) if s < end => (s.max(from), e.min(end)),
            _ => (end, end),
        }
    }

    /// `n` whole sectors from sector `lba`.
    pub fn read_sectors(&self, lba: u64, n: u64, what: &str) -> Result<Vec<u8>> {
        let len = n.saturating_mul(SECTOR as u64);
        if lba.saturating_mul(SECTOR as u64).saturating_add(len) > self.len() {
            return Err(Error::Corrupt {
                structure: what.into(),
                block: lba,
                reason: format!("{n} sectors run past the end of the medium"),
            });
        }
        let mut buf = vec![0u8; len as usize];
        self.read_exact_at(&mut buf, lba * SECTOR as u64, what)?;
        Ok(buf)
    }

    /// A `Read + Seek` view of the whole medium.
    pub fn cursor(&self) -> MediumCursor {
        MediumCursor {
            medium: self.clone(),
            pos: 0,
        }
    }
}

/// The runs of `file` (of `len` bytes) that hold data, in order, asked of
/// the kernel once (`SEEK_DATA`, `SEEK_HOLE`: a walk over the file's
/// extents, cheaper than reading it); the whole file where it cannot say.
/// At most one run per two blocks of 4 KiB, so within the medium's size.
fn data_runs(file: &File, len: u64) -> Box<[(u64, u64)]> {
    use rustix::fs::{seek, SeekFrom as S};
    let mut runs = Vec::new();
    let mut at = 0u64;
    while at < len {
        let start = match seek(file, S::Data(at)) {
            Ok(d) => d,
            // ENXIO: nothing but a hole from here to the end.
            Err(rustix::io::Errno::NXIO) => break,
            Err(_) if runs.is_empty() => return Box::new([(0, len)]),
            Err(_) => {
                runs.push((at, len));
                break;
            }
        };
        if start >= len {
            break;
        }
        let stop = match seek(file, S::Hole(start)) {
            Ok(h) if h > start => h.min(len),
            _ => len,
        };
        runs.push((start, stop));
        at = stop;
    }
    runs.into_boxed_slice()
}

/// A [`Medium`] read as a stream.
pub struct MediumCursor {
    medium: Medium,
    pos: u64,
}

impl Read for MediumCursor {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.medium.len().saturating_sub(self.pos);
        let n = (buf.len() as u64).min(left) as usize;
        if n == 0 {
            return Ok(0);
        }
        self.medium
            .read_exact_at(&mut buf[..n], self.pos, "medium")
            .map_err(|e| match e {
                Error::ImportRead { error, .. } => error,
                other => io::Error::other(other.to_string()),
            })?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for MediumCursor {
    fn seek(&mut self, p: SeekFrom) -> io::Result<u64> {
        let len = self.medium.len();
        self.pos = match p {
            SeekFrom::Start(x) => x,
            SeekFrom::End(d) => len.saturating_add_signed(d),
            SeekFrom::Current(d) => self.pos.saturating_add_signed(d),
        };
        Ok(self.pos)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_runs_skip_the_holes_of_a_sparse_file() {
        use std::os::unix::fs::FileExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sparse.img");
        let f = File::create(&p).unwrap();
        f.set_len(8 << 20).unwrap();
        f.write_all_at(b"middle", 4 << 20).unwrap();
        drop(f);
        let m = Medium::open(&p).unwrap();
        let (start, stop) = m.data_run(0, 8 << 20);
        if (start, stop) == (0, 8 << 20) {
            return; // a file system without holes
        }
        assert_eq!(start, 4 << 20);
        assert!(((4 << 20) + 6..5 << 20).contains(&stop), "{stop}");
        assert_eq!(m.data_run(stop, 8 << 20), (8 << 20, 8 << 20));
        assert_eq!(m.data_run(start + 2, start + 4), (start + 2, start + 4));
        assert_eq!(m.data_run(0, 1 << 20), (1 << 20, 1 << 20));
        // A stream has no holes to ask about.
        let s = Medium::from_stream(io::Cursor::new(vec![0u8; 100])).unwrap();
        assert_eq!(s.data_run(10, 50), (10, 50));
    }

    #[test]
    fn reads_inside_and_refuses_past_the_end() {
        let m = Medium::from_stream(io::Cursor::new(vec![7u8; 5000])).unwrap();
        assert_eq!((m.len(), m.sectors()), (5000, 2));
        let mut b = [0u8; 10];
        m.read_exact_at(&mut b, 4990, "x").unwrap();
        assert_eq!(b, [7; 10]);
        let e = m.read_exact_at(&mut b, 4991, "thing").unwrap_err();
        assert!(e.to_string().contains("thing"), "{e}");
        assert!(m.read_sectors(2, 1, "x").is_err());
        assert!(m.read_sectors(u64::MAX / 2, 4, "x").is_err());
        let mut c = m.cursor();
        let mut all = Vec::new();
        c.read_to_end(&mut all).unwrap();
        assert_eq!(all.len(), 5000);
    }
}
