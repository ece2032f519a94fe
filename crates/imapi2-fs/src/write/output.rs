//! Writing a result to a file: the fast path. Metadata and small files go
//! through one large buffer; large files are copied by the kernel
//! (`copy_file_range`, through `std::io::copy`); long zero runs become holes.
//! Devices and streams get the same bytes in one sequential pass, zeros
//! written out. Where the bytes go, and what a failed write leaves, is
//! `write/target`.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::Path;

use crate::codec::SECTOR;
use crate::error::{Error, Result};
use crate::image::arena::blocks_of;
use crate::write::alloc::RegionKind;
use crate::write::file_data::{open_file, read_host_file_into};
use crate::write::result::{ImageResult, Progress};
use crate::write::target::Target;

/// Bytes of image written at a time (a pipe output is made this size too).
const BUFFER: usize = 1 << 20;
/// Host files below this size are read whole into the buffer.
const SMALL_FILE: u64 = 256 << 10;
/// Files at least this large are copied by the kernel.
const KERNEL_COPY_MIN: u64 = 1 << 20;
/// Zero runs at least this long are left as holes.
const HOLE_MIN: u64 = 1 << 20;
/// Progress is reported at least this often while copying a large file.
const REPORT_EVERY: u64 = 32 << 20;

struct Out<'a> {
    file: &'a File,
    buf: Vec<u8>,
    path: &'a Path,
    /// Whether zero runs may be left as holes and the file seeked (a regular
    /// file), or every byte is written in order (a device or a stream).
    sparse: bool,
}

impl Out<'_> {
    fn err(&self, error: io::Error) -> Error {
        Error::from_io(error, self.path)
    }

    fn flush(&mut self) -> Result<()> {
        if !self.buf.is_empty() {
            let mut f = self.file;
            f.write_all(&self.buf).map_err(|e| self.err(e))?;
            self.buf.clear();
        }
        Ok(())
    }

    fn push(&mut self, bytes: &[u8]) -> Result<()> {
        if self.buf.len() + bytes.len() > BUFFER {
            self.flush()?;
        }
        if bytes.len() > BUFFER {
            let mut f = self.file;
            return f.write_all(bytes).map_err(|e| self.err(e));
        }
        self.buf.extend_from_slice(bytes);
        Ok(())
    }

    fn zeros(&mut self, mut n: u64) -> Result<()> {
        if n >= HOLE_MIN && self.sparse {
            self.flush()?;
            let mut f = self.file;
            f.seek(SeekFrom::Current(n as i64))
                .map_err(|e| self.err(e))?;
            return Ok(());
        }
        while n > 0 {
            if self.buf.len() == BUFFER {
                self.flush()?;
            }
            let k = n.min((BUFFER - self.buf.len()) as u64) as usize;
            self.buf.resize(self.buf.len() + k, 0);
            n -= k as u64;
        }
        Ok(())
    }
}

enum CopyError {
    Source(io::Error),
    Output(io::Error),
    Short(u64),
    Other(Error),
}

/// Where an error of the kernel's copy lies: in the output for the errors
/// only a write gives, else in the source.
fn copy_error(e: io::Error) -> CopyError {
    use io::ErrorKind::*;
    match e.kind() {
        WriteZero | StorageFull | QuotaExceeded | FileTooLarge | ReadOnlyFilesystem
        | BrokenPipe => CopyError::Output(e),
        _ => CopyError::Source(e),
    }
}

/// Copies `size` bytes of `src` from its start to `dst` in order, holes read
/// as zeros and written (for a device or a stream: no seek on `dst`).
/// `progress` is called with the bytes done every `REPORT_EVERY`.
fn copy_sequential(
    src: &File,
    dst: &File,
    size: u64,
    progress: &mut dyn FnMut(u64) -> Result<()>,
) -> std::result::Result<(), CopyError> {
    let mut dst_ref = dst;
    (&*src)
        .seek(SeekFrom::Start(0))
        .map_err(CopyError::Source)?;
    let mut at = 0u64;
    while at < size {
        let chunk = (size - at).min(REPORT_EVERY);
        let n = io::copy(&mut src.take(chunk), &mut dst_ref).map_err(copy_error)?;
        if n < chunk {
            return Err(CopyError::Short(at + n));
        }
        at += n;
        progress(at).map_err(CopyError::Other)?;
    }
    Ok(())
}

/// Copies `size` bytes of `src` to the current position of `dst` by the
/// kernel, leaving holes where the source has them (`SEEK_DATA`/`SEEK_HOLE`;
/// a file system without them is copied whole). `progress` is called with
/// the bytes done every `REPORT_EVERY`.
fn copy_sparse(
    src: &File,
    dst: &File,
    size: u64,
    progress: &mut dyn FnMut(u64) -> Result<()>,
) -> std::result::Result<(), CopyError> {
    use rustix::fs::{seek, SeekFrom as RSeek};
    let mut dst_ref = dst;
    let base = dst_ref.stream_position().map_err(CopyError::Output)?;
    let mut pos = 0u64;
    let mut reported = 0u64;
    while pos < size {
        let data = match seek(src, RSeek::Data(pos)) {
            Ok(d) => d.min(size),
            // ENXIO: only a hole remains up to the end.
            Err(rustix::io::Errno::NXIO) => size,
            Err(_) => pos, // no SEEK_DATA here: treat everything as data
        };
        let hole = if data < size {
            match seek(src, RSeek::Hole(data)) {
                Ok(h) => h.min(size),
                Err(_) => size,
            }
        } else {
            size
        };
        let mut at = data;
        (&*src)
            .seek(SeekFrom::Start(data))
            .map_err(CopyError::Source)?;
        dst_ref
            .seek(SeekFrom::Start(base + data))
            .map_err(CopyError::Output)?;
        while at < hole {
            let chunk = (hole - at).min(REPORT_EVERY);
            let n = io::copy(&mut src.take(chunk), &mut dst_ref).map_err(copy_error)?;
            if n < chunk {
                return Err(CopyError::Short(at + n));
            }
            at += n;
            if at - reported >= REPORT_EVERY {
                reported = at;
                progress(at).map_err(CopyError::Other)?;
            }
        }
        pos = hole;
    }
    dst_ref
        .seek(SeekFrom::Start(base + size))
        .map_err(CopyError::Output)?;
    Ok(())
}

impl ImageResult {
    /// Writes the image to `path` without ever costing what was there.
    ///
    /// - A regular file, or a name that does not exist yet: the image is
    ///   written to a new file in the same folder,
    ///   `.NAME.imapi2-XXXXXXXX.partial` (created with `O_EXCL`), which is
    ///   renamed to NAME once it is complete. On any error, or a cancel from
    ///   the progress callback, that file is removed and NAME is as it was
    ///   (a failed rebuild keeps the previous image). A replaced file's
    ///   permission bits (and, when the caller may give them, its owner
    ///   and group) carry over; when NAME is a symbolic link, the link stays
    ///   and its target is replaced. Data is not flushed to the disk
    ///   (`fsync`) before the rename: the rename guards against failed and
    ///   cancelled builds, not against a power cut.
    /// - A block device (a USB stick, for a hybrid image): opened with
    ///   `O_EXCL`, so a mounted or held device is refused
    ///   ([`Error::DeviceInUse`]); the image must fit the device
    ///   ([`Error::DeviceTooSmall`], before anything is written); it is
    ///   written from byte 0 with its zeros and flushed at the end. A failed
    ///   write leaves part of the image on the device.
    /// - A character device or a FIFO (`/dev/null`, a pipe to another
    ///   program): the image as one sequential stream.
    ///
    /// Before anything is opened, an output that is one of the image's host
    /// sources (the same device and inode, as a hard link is) is refused
    /// ([`Error::OutputIsSource`]). Errors name `path` and the cause (a
    /// source that vanished or changed size, a full disk, a cancel).
    pub fn write_to_path(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        match Target::open(path, self)? {
            Target::File(temp) => {
                // On an error, `temp` is dropped, which removes the file.
                self.write_into(temp.file(), path, 0, true)?;
                temp.commit(path)
            }
            Target::Device(file) => {
                self.write_into(&file, path, 0, false)?;
                file.sync_all().map_err(|error| Error::Output {
                    path: path.to_path_buf(),
                    error,
                })
            }
            Target::Stream(file) => self.write_into(&file, path, 0, false),
        }
    }

    /// Writes the image into an open file from offset 0 and sets its length.
    /// `path` names the file in errors.
    pub fn write_to_file(&self, file: &File, path: &Path) -> Result<()> {
        self.write_to_file_at(file, path, 0)
    }

    /// Writes the session into the medium's image file at its place (block
    /// [`start_block`](ImageResult::start_block)), after the sessions
    /// before it. The file must hold nothing past that place that a file
    /// system uses. With a random-write multisession medium, the volume
    /// descriptors at block 16 are then replaced by the new session's, so
    /// that every reader finds it. If anything fails, the file is put back
    /// as it was: the earlier sessions stay readable. The file must be a
    /// regular file, and none of the session's sources
    /// ([`Error::OutputIsSource`]).
    pub fn append_to_path(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let out_err = |error| Error::Output {
            path: path.to_path_buf(),
            error,
        };
        let md = std::fs::metadata(path).map_err(out_err)?;
        if !md.is_file() {
            return Err(out_err(io::Error::other(
                "is not an image file: a session is appended to a regular file",
            )));
        }
        self.refuse_sources(path, &md)?;
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
            .map_err(out_err)?;
        let old_len = file.metadata().map_err(out_err)?.len();
        let base = u64::from(self.start_block()) * SECTOR as u64;
        // What lies past the session's place is padding; keep it to put back.
        let tail_len = old_len.saturating_sub(base);
        if tail_len > 64 << 20 {
            return Err(Error::MultisessionNotAllowed {
                reason: format!(
                    "{} holds {tail_len} bytes past block {}, where the session would go",
                    path.display(),
                    self.start_block()
                ),
            });
        }
        let mut tail = vec![0u8; tail_len as usize];
        std::os::unix::fs::FileExt::read_exact_at(&file, &mut tail, base).map_err(out_err)?;
        // What the descriptor ranges below the session (block 16's, and
        // with UDF block 256's) hold now, to put back on a failure.
        let mut old_low = Vec::new();
        for r in self.modified_blocks()?.unwrap_or_default() {
            let at = u64::from(r.start_lba) * SECTOR as u64;
            if at >= base {
                continue;
            }
            let end = (at + u64::from(r.blocks()) * SECTOR as u64).min(old_len);
            let mut old = vec![0u8; end.saturating_sub(at) as usize];
            std::os::unix::fs::FileExt::read_exact_at(&file, &mut old, at).map_err(out_err)?;
            old_low.push((at, old));
        }
        let restore = |file: &File| {
            let _ = file.set_len(old_len.min(base));
            let _ = std::os::unix::fs::FileExt::write_all_at(file, &tail, base);
            let _ = file.set_len(old_len);
            for (at, old) in &old_low {
                let _ = std::os::unix::fs::FileExt::write_all_at(file, old, *at);
            }
        };
        let r = file
            .set_len(base)
            .map_err(out_err)
            .and_then(|_| self.write_to_file_at(&file, path, base))
            .and_then(|_| {
                if self.plan_random_write() {
                    self.point_block_16_at_session(&file, path)
                } else {
                    Ok(())
                }
            })
            .and_then(|_| file.sync_data().map_err(out_err));
        if r.is_err() {
            restore(&file);
        }
        r
    }

    fn plan_random_write(&self) -> bool {
        self.multisession_kind() == Some(crate::read::multisession::MultisessionKind::RandomWrite)
    }

    /// Copies the session's descriptors over the ranges of
    /// [`ImageResult::modified_blocks`] below the session: block 16's, then
    /// (with UDF) the anchor at 256.
    fn point_block_16_at_session(&self, file: &File, path: &Path) -> Result<()> {
        use std::os::unix::fs::FileExt;
        let out_err = |error| Error::Output {
            path: path.to_path_buf(),
            error,
        };
        let Some(ranges) = self.modified_blocks()? else {
            return Ok(());
        };
        let mut disc = self.disc_stream()?;
        for r in ranges.iter().filter(|r| r.start_lba < self.start_block()) {
            let at = u64::from(r.start_lba) * SECTOR as u64;
            let mut set = vec![0u8; r.blocks() as usize * SECTOR];
            disc.seek(SeekFrom::Start(at))
                .and_then(|_| disc.read_exact(&mut set))
                .map_err(out_err)?;
            file.write_all_at(&set, at).map_err(out_err)?;
        }
        Ok(())
    }

    /// Writes the image into an open file from byte `base` on and sets the
    /// file's length to its end. `path` names the file in errors.
    pub fn write_to_file_at(&self, file: &File, path: &Path, base: u64) -> Result<()> {
        self.write_into(file, path, base, true)
    }

    /// Writes the image into `file`: `sparse`, from byte `base` with holes
    /// for zero runs and the length set at the end; else in one sequential
    /// pass from where the file stands, every byte written.
    fn write_into(&self, file: &File, path: &Path, base: u64, sparse: bool) -> Result<()> {
        let mut out = Out {
            file,
            buf: Vec::with_capacity(BUFFER),
            path,
            sparse,
        };
        if sparse {
            (&*file)
                .seek(SeekFrom::Start(base))
                .map_err(|e| out.err(e))?;
        }
        let total = u64::from(self.total_blocks());
        // Progress: the path is only made when somebody listens.
        let report = |node: Option<u32>, sectors: u64| -> Result<()> {
            match &self.progress {
                Some(f) => {
                    let p = Progress {
                        current_file: node.map(|n| self.data.full_path(n)).unwrap_or_default(),
                        copied_sectors: sectors,
                        total_sectors: total,
                    };
                    if f(&p) {
                        Ok(())
                    } else {
                        Err(Error::Cancelled)
                    }
                }
                None => Ok(()),
            }
        };
        // The first event: writing begins (a cancel asked for meanwhile is
        // seen before anything is written).
        report(None, 0)?;
        let plan = self.plan.clone();
        for (i, region) in plan.regions.iter().enumerate() {
            let len = u64::from(region.blocks) * SECTOR as u64;
            match &region.kind {
                RegionKind::Zero => out.zeros(len)?,
                RegionKind::Files => {
                    let end = region.start + region.blocks;
                    let first = plan.file_at(region.start);
                    for (k, place) in plan.files.iter().enumerate().skip(first) {
                        if place.start >= end {
                            break;
                        }
                        report(Some(place.node), u64::from(place.start))?;
                        self.write_file(&mut out, k, &report)?;
                    }
                }
                _ => {
                    let bytes = plan
                        .region_bytes(i, &self.data)?
                        .expect("a generated region");
                    out.push(&bytes)?;
                }
            }
        }
        out.flush()?;
        report(None, total)?;
        if sparse {
            file.set_len(base + self.total_bytes())
                .map_err(|e| out.err(e))?;
        }
        Ok(())
    }

    /// Writes file `k` of the plan, padded to whole blocks.
    fn write_file(
        &self,
        out: &mut Out,
        k: usize,
        report: &dyn Fn(Option<u32>, u64) -> Result<()>,
    ) -> Result<()> {
        let place = self.plan.files[k];
        let size = self.file_size(k);
        if let Some(g) = self.plan.generated_file(k) {
            return out.push(&self.plan.file_bytes(g, &self.data)?);
        }
        let content = &self.data.contents[place.content as usize];
        if size < SMALL_FILE {
            if out.buf.len() + size as usize + 1 > BUFFER {
                out.flush()?;
            }
            if read_host_file_into(content, &self.data, &mut out.buf)? {
                return out.zeros(blocks_of(size) * SECTOR as u64 - size);
            }
        }
        let (reader, name) = open_file(&self.data, place.content, place.node)?;
        match reader.file() {
            Some(src) if size >= KERNEL_COPY_MIN => {
                out.flush()?;
                let mut progress = |done: u64| {
                    report(
                        Some(place.node),
                        u64::from(place.start) + done / SECTOR as u64,
                    )
                };
                let copied = if out.sparse {
                    copy_sparse(src, out.file, size, &mut progress)
                } else {
                    copy_sequential(src, out.file, size, &mut progress)
                };
                copied.map_err(|e| match e {
                    CopyError::Source(error) => Error::DataStreamRead {
                        source_name: name.clone(),
                        error,
                    },
                    CopyError::Output(error) => out.err(error),
                    CopyError::Short(found) => Error::DataStreamInconsistency {
                        source_name: name.clone(),
                        expected: size,
                        found,
                    },
                    CopyError::Other(e) => e,
                })?;
            }
            _ => {
                let mut off = 0u64;
                while off < size {
                    if out.buf.len() == BUFFER {
                        out.flush()?;
                    }
                    let n = (size - off).min((BUFFER - out.buf.len()) as u64) as usize;
                    let at = out.buf.len();
                    out.buf.resize(at + n, 0);
                    reader.read_exact_at(&mut out.buf[at..], off, size, &name)?;
                    off += n as u64;
                }
            }
        }
        reader.check_unchanged(size, &name)?;
        out.zeros(blocks_of(size) * SECTOR as u64 - size)
    }
}
