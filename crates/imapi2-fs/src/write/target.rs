//! Where an image goes, chosen so that writing it never costs the user data.
//!
//! - A regular file (or a name that does not exist yet) is written as a new
//!   file beside it, `.NAME.imapi2-XXXXXXXX.partial`, created with `O_EXCL`,
//!   and renamed over NAME only once the image is complete. A failed or
//!   cancelled write removes that file and nothing else, so a rebuild that
//!   fails keeps the previous image. The replaced file's permission bits
//!   (and, where allowed, its owner) carry over; a symbolic link stays and
//!   its target is replaced.
//! - A block device (a USB stick, for a hybrid image) is opened with
//!   `O_EXCL`, which the kernel refuses while it is mounted or held; the
//!   image must fit its size, which is checked before a byte is written. It
//!   is written in place from byte 0, zeros included, and flushed
//!   (`fsync`) at the end. Nothing is ever truncated or removed there.
//! - A character device or a FIFO gets the image as one sequential stream.
//!
//! Before anything is opened, the output is refused when it is one of the
//! image's own sources (the same device and inode).

use std::fs::{File, Metadata, OpenOptions};
use std::hash::{BuildHasher, Hasher};
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::image::arena::{NodeKind, ROOT};
use crate::write::result::ImageResult;

/// Where the bytes of an image go, opened.
pub(crate) enum Target {
    /// A new file beside the one the image is for, renamed over it at the end.
    File(Replacement),
    /// A block device, written in place from byte 0.
    Device(File),
    /// A character device or FIFO: one sequential pass.
    Stream(File),
}

fn output_error(path: &Path, error: io::Error) -> Error {
    Error::Output {
        path: path.to_path_buf(),
        error,
    }
}

impl Target {
    /// Opens what `path` names for `result`'s image, after checking that it
    /// is none of the image's sources and, for a device, that the image
    /// fits.
    pub(crate) fn open(path: &Path, result: &ImageResult) -> Result<Target> {
        let md = match std::fs::metadata(path) {
            Ok(md) => Some(md),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(output_error(path, e)),
        };
        let Some(md) = md else {
            let real = resolve_links(path)?;
            return Replacement::create(path, &real, None).map(Target::File);
        };
        result.refuse_sources(path, &md)?;
        let ft = md.file_type();
        if ft.is_file() {
            let real = resolve_links(path)?;
            // The chain of links, followed by hand, must end where the
            // kernel's lookup did (it does, except for the magic links of
            // /proc that name no path).
            match std::fs::symlink_metadata(&real) {
                Ok(m) if m.dev() == md.dev() && m.ino() == md.ino() => {}
                _ => {
                    return Err(output_error(
                        path,
                        io::Error::other(format!(
                            "the links lead to {}, which is not the file they open",
                            real.display()
                        )),
                    ))
                }
            }
            Replacement::create(path, &real, Some(&md)).map(Target::File)
        } else if ft.is_block_device() {
            open_device(path, result.total_bytes()).map(Target::Device)
        } else if ft.is_char_device() || ft.is_fifo() {
            let file = OpenOptions::new()
                .write(true)
                .open(path)
                .map_err(|e| output_error(path, e))?;
            let now = file.metadata().map_err(|e| output_error(path, e))?;
            if !(now.file_type().is_char_device() || now.file_type().is_fifo()) {
                return Err(changed(path));
            }
            if now.file_type().is_fifo() {
                // A pipe of 1 MiB (one write of the image's buffer) rather
                // than Linux's 64 KiB: a sixteenth of the wake-ups of the
                // reader. Where the limit (/proc/sys/fs/pipe-max-size) is
                // lower, the pipe stays as it is.
                let _ = rustix::pipe::fcntl_setpipe_size(&file, PIPE_BYTES);
            }
            Ok(Target::Stream(file))
        } else if ft.is_dir() {
            Err(output_error(path, rustix::io::Errno::ISDIR.into()))
        } else {
            Err(output_error(
                path,
                io::Error::other("is a socket: an image goes to a file, a device or a FIFO"),
            ))
        }
    }
}

fn changed(path: &Path) -> Error {
    output_error(
        path,
        io::Error::other("changed its kind while it was opened; nothing was written"),
    )
}

/// Follows symbolic links from `path` to the name they end at (which need
/// not exist: a dangling link names the file to create).
fn resolve_links(path: &Path) -> Result<PathBuf> {
    let mut p = path.to_path_buf();
    // As the kernel's own limit (MAXSYMLINKS).
    for _ in 0..40 {
        match std::fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => {
                let to = std::fs::read_link(&p).map_err(|e| output_error(path, e))?;
                p = match p.parent() {
                    Some(dir) => dir.join(to),
                    None => to,
                };
            }
            Ok(_) => return Ok(p),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(p),
            Err(e) => return Err(output_error(path, e)),
        }
    }
    Err(output_error(
        path,
        io::Error::other("too many levels of symbolic links"),
    ))
}

/// Opens a block device for writing `needed` bytes: exclusively (the kernel
/// refuses while it is mounted or held open so), and only when it is large
/// enough.
fn open_device(path: &Path, needed: u64) -> Result<File> {
    use rustix::fs::{OFlags, SeekFrom};
    let fd = rustix::fs::open(
        path,
        OFlags::WRONLY | OFlags::EXCL | OFlags::CLOEXEC,
        rustix::fs::Mode::empty(),
    )
    .map_err(|e| match e {
        rustix::io::Errno::BUSY => Error::DeviceInUse {
            path: path.to_path_buf(),
        },
        e => output_error(path, e.into()),
    })?;
    let file = File::from(fd);
    let now = file.metadata().map_err(|e| output_error(path, e))?;
    if !now.file_type().is_block_device() {
        return Err(changed(path));
    }
    let capacity =
        rustix::fs::seek(&file, SeekFrom::End(0)).map_err(|e| output_error(path, e.into()))?;
    if needed > capacity {
        return Err(Error::DeviceTooSmall {
            path: path.to_path_buf(),
            needed,
            capacity,
        });
    }
    rustix::fs::seek(&file, SeekFrom::Start(0)).map_err(|e| output_error(path, e.into()))?;
    Ok(file)
}

/// The file an image is written to before it replaces (or becomes) the
/// output: created by this run with `O_EXCL` in the output's folder, removed
/// unless [`commit`](Replacement::commit) renamed it into place.
pub(crate) struct Replacement {
    file: File,
    temp: PathBuf,
    /// The name it is renamed to (the output, links followed).
    real: PathBuf,
    /// What carries over from the file it replaces.
    old: Option<Kept>,
    committed: bool,
}

/// What a replaced file hands on to its successor.
struct Kept {
    mode: u32,
    uid: u32,
    gid: u32,
}

/// The longest file name most Linux file systems take (NAME_MAX).
const NAME_MAX: usize = 255;

/// Bytes of a pipe the image goes into: the writer's buffer (1 MiB).
const PIPE_BYTES: usize = 1 << 20;

/// `.NAME.imapi2-XXXXXXXX.partial`, cut to fit NAME_MAX.
fn temp_name(name: &[u8], tag: u32) -> PathBuf {
    let suffix = format!(".imapi2-{tag:08x}.partial");
    let room = NAME_MAX - 1 - suffix.len();
    let mut n = Vec::with_capacity(NAME_MAX);
    n.push(b'.');
    n.extend_from_slice(&name[..name.len().min(room)]);
    n.extend_from_slice(suffix.as_bytes());
    PathBuf::from(std::ffi::OsStr::from_bytes(&n))
}

impl Replacement {
    /// Creates the temporary file for the output `shown` (errors name it),
    /// whose links lead to `real`; `old` is the file there now.
    fn create(shown: &Path, real: &Path, old: Option<&Metadata>) -> Result<Replacement> {
        let Some(name) = real.file_name() else {
            return Err(output_error(
                shown,
                io::Error::new(io::ErrorKind::InvalidInput, "names no file"),
            ));
        };
        let dir = match real.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        // No two runs, nor two writes of one run, pick the same name but by
        // chance; O_EXCL settles that chance.
        let seed = std::collections::hash_map::RandomState::new();
        let mode = old.map_or(0o666, |m| m.mode() & 0o777);
        for attempt in 0u32.. {
            let mut h = seed.build_hasher();
            h.write_u32(std::process::id());
            h.write_u32(attempt);
            let temp = dir.join(temp_name(name.as_bytes(), h.finish() as u32));
            match OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(mode)
                .open(&temp)
            {
                Ok(file) => {
                    return Ok(Replacement {
                        file,
                        temp,
                        real: real.to_path_buf(),
                        old: old.map(|m| Kept {
                            mode: m.mode(),
                            uid: m.uid(),
                            gid: m.gid(),
                        }),
                        committed: false,
                    })
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempt < 100 => continue,
                Err(e) if old.is_some() => {
                    return Err(output_error(
                        shown,
                        io::Error::new(
                            e.kind(),
                            format!(
                                "the image is written to a new file in {} before it replaces this one, \
                                 and that file could not be created: {e}",
                                dir.display()
                            ),
                        ),
                    ))
                }
                Err(e) => return Err(output_error(shown, e)),
            }
        }
        unreachable!("the loop returns")
    }

    /// The file to write the image into.
    pub(crate) fn file(&self) -> &File {
        &self.file
    }

    /// Gives the written file the replaced one's owner and permission bits
    /// and renames it into place. A file that appeared at the output's name
    /// while the image was written, or that is no longer a regular file, is
    /// left alone and the image is not kept.
    pub(crate) fn commit(mut self, shown: &Path) -> Result<()> {
        use rustix::fs::{renameat_with, RenameFlags, CWD};
        let err = |e: io::Error| output_error(shown, e);
        if let Some(old) = &self.old {
            let mine = self.file.metadata().map_err(err)?;
            if (mine.uid(), mine.gid()) != (old.uid, old.gid) {
                // Only root may give a file away; others may still hand on
                // the group when they belong to it, else keep their own.
                if std::os::unix::fs::fchown(&self.file, Some(old.uid), Some(old.gid)).is_err() {
                    let _ = std::os::unix::fs::fchown(&self.file, None, Some(old.gid));
                }
            }
            self.file
                .set_permissions(std::fs::Permissions::from_mode(old.mode & 0o7777))
                .map_err(err)?;
            match std::fs::symlink_metadata(&self.real) {
                Ok(m) if m.file_type().is_file() => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                _ => {
                    return Err(err(io::Error::other(format!(
                        "{} is no longer a regular file; it is left as it is and the image was not kept",
                        self.real.display()
                    ))))
                }
            }
            std::fs::rename(&self.temp, &self.real).map_err(err)?;
        } else {
            match renameat_with(CWD, &self.temp, CWD, &self.real, RenameFlags::NOREPLACE) {
                Ok(()) => {}
                Err(rustix::io::Errno::EXIST) => {
                    return Err(err(io::Error::new(
                        io::ErrorKind::AlreadyExists,
                        "appeared while the image was written; it is left as it is and the image was not kept",
                    )))
                }
                // A file system without RENAME_NOREPLACE: look, then rename.
                Err(rustix::io::Errno::INVAL | rustix::io::Errno::NOSYS) => {
                    if std::fs::symlink_metadata(&self.real).is_ok() {
                        return Err(err(io::Error::new(
                            io::ErrorKind::AlreadyExists,
                            "appeared while the image was written; it is left as it is and the image was not kept",
                        )));
                    }
                    std::fs::rename(&self.temp, &self.real).map_err(err)?;
                }
                Err(e) => return Err(err(e.into())),
            }
        }
        self.committed = true;
        Ok(())
    }
}

impl Drop for Replacement {
    /// Removes the temporary file, when it is still the one this run made.
    fn drop(&mut self) {
        if self.committed {
            return;
        }
        let (Ok(mine), Ok(there)) = (self.file.metadata(), std::fs::symlink_metadata(&self.temp))
        else {
            return;
        };
        if there.file_type().is_file() && (mine.dev(), mine.ino()) == (there.dev(), there.ino()) {
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

impl ImageResult {
    /// Fails when `output` (whose metadata is `md`) is one of the image's
    /// host sources: the same device and inode as a file of the tree, one of
    /// its named streams, or a boot image. Only sources of the output's
    /// current size are looked at (a source of another size is not that
    /// file, or has changed, which fails the write before the output is
    /// touched), so the check costs a `stat` for few files if any.
    pub(crate) fn refuse_sources(&self, output: &Path, md: &Metadata) -> Result<()> {
        let data = &*self.data;
        let same = |p: &Path| {
            std::fs::metadata(p).is_ok_and(|m| (m.dev(), m.ino()) == (md.dev(), md.ino()))
        };
        let refuse = |source: PathBuf| Error::OutputIsSource {
            output: output.to_path_buf(),
            source,
        };
        let check = |content: u32| -> Result<()> {
            let c = &data.contents[content as usize];
            if c.size != md.len() {
                return Ok(());
            }
            match c.source.host_path(data) {
                Some(p) if same(&p) => Err(refuse(p)),
                _ => Ok(()),
            }
        };
        let mut stack = vec![ROOT];
        while let Some(n) = stack.pop() {
            match &data.node(n).kind {
                NodeKind::Dir { children } => stack.extend_from_slice(children),
                NodeKind::File { content } => check(*content)?,
                _ => {}
            }
        }
        for streams in data.streams.values() {
            for s in streams {
                check(s.content)?;
            }
        }
        for p in self.boot_files.iter() {
            if same(p) {
                return Err(refuse(p.clone()));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temp_names_fit_and_hide() {
        let t = temp_name(b"backup.iso", 0xdead_beef);
        assert_eq!(t, Path::new(".backup.iso.imapi2-deadbeef.partial"));
        let long = vec![b'x'; 255];
        let t = temp_name(&long, 1);
        assert_eq!(t.as_os_str().len(), NAME_MAX);
        assert!(t.to_string_lossy().ends_with(".imapi2-00000001.partial"));
    }
}
