//! Reading a file's data at write time: sources opened for positioned
//! reads, with the size check IMAPI calls `DATA_STREAM_INCONSISTENCY`, and
//! small host files read whole in one call.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::os::unix::fs::FileExt;
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::image::arena::{Content, Stored, TreeData};
use crate::image::source::read_runs;
use crate::iso9660::zisofs::CompressingReader;
use crate::read::medium::{stream_len, Medium, SharedStream};

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

/// An opened source, ready for positioned reads.
pub(crate) enum Reader {
    Empty,
    File(File),
    Bytes(Arc<[u8]>),
    Stream(SharedStream),
    Extents(Medium, Arc<[(u64, u64)]>),
    /// A file compressed at write time (zisofs).
    Zisofs(Box<Compressing>),
}

/// A file compressed as it is read: its source, and what compresses it.
pub(crate) struct Compressing {
    inner: Reader,
    enc: CompressingReader,
    name: String,
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
            Stored::Zisofs(z) => {
                let plain = Content {
                    source: z.inner.clone(),
                    size: z.layout.size,
                };
                let inner = Reader::open(&plain, data, name)?;
                let r = Compressing {
                    inner,
                    enc: CompressingReader::new(z.layout.clone()),
                    name: name.to_string(),
                };
                (Reader::Zisofs(Box::new(r)), z.layout.compressed_size())
            }
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
            Reader::Zisofs(z) => {
                let size = z.enc.layout().size;
                let mut fill = |b: &mut [u8], at: u64| z.inner.read_exact_at(b, at, size, &z.name);
                z.enc.read_at(buf, offset, &z.name, &mut fill)
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
            // The source uncompressed must still be the size measured.
            Reader::Zisofs(z) => return z.inner.check_unchanged(z.enc.layout().size, name),
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

/// Opens the source of a file region, naming it by its image path in errors.
pub(crate) fn open_file(data: &TreeData, content: u32, node: u32) -> Result<(Reader, String)> {
    let c = &data.contents[content as usize];
    let source = match &c.source {
        Stored::Zisofs(z) => &z.inner,
        s => s,
    };
    let name = source
        .host_path(data)
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| data.full_path(node));
    let reader = Reader::open(c, data, &name)?;
    Ok((reader, name))
}
