//! Reading the host file system into the item tree (`AddTree`): one scan into
//! a detached subtree, then one merge, so that an error leaves the image as it was.

use std::fs::Metadata;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::image::arena::{Content, NodeKind, Stored, NO_PARENT};
use crate::image::file_system_image::FileSystemImage;
use crate::image::item::{Attributes, ItemId, SpecialKind};
use crate::image::journal::Undo;
use crate::time::FileTime;

fn time_of(t: std::io::Result<std::time::SystemTime>, fallback: FileTime) -> FileTime {
    t.map(FileTime::from_system_time).unwrap_or(fallback)
}

/// Attributes of a host object: its times (birth time where the kernel has
/// one, else the modification time), permission bits and owner.
pub(crate) fn host_attributes(md: &Metadata) -> Attributes {
    let modified = FileTime::from_unix(md.mtime(), md.mtime_nsec() as u32);
    Attributes {
        created: time_of(md.created(), modified),
        accessed: FileTime::from_unix(md.atime(), md.atime_nsec() as u32),
        modified,
        hidden: false,
        mode: md.mode() & 0o7777,
        uid: md.uid(),
        gid: md.gid(),
    }
}

/// The item name of a host name: its bytes, those that are not UTF-8
/// carried as [`crate::escape`] says (Rock Ridge records them exactly).
fn host_name(name: &std::ffi::OsStr) -> Box<str> {
    use std::os::unix::ffi::OsStrExt;
    crate::escape::from_bytes(name.as_bytes()).into()
}

/// Makes a detached node for a non-directory host object. `dir` is the index
/// of its host directory when the caller keeps one (saves the full path).
pub(crate) fn node_from_host(
    img: &mut FileSystemImage,
    path: &Path,
    dir: Option<u32>,
    name: Box<str>,
    md: &Metadata,
) -> Result<u32> {
    img.check_name(&name).map_err(|e| match e {
        Error::InvalidPath { reason, .. } => Error::InvalidPath {
            path: path.display().to_string(),
            reason,
        },
        e => e,
    })?;
    let attrs = host_attributes(md);
    let ft = md.file_type();
    let kind = if ft.is_file() {
        let key = (md.dev(), md.ino());
        let linked = if md.nlink() > 1 {
            img.hard_link(key)
        } else {
            None
        };
        let content = match linked {
            Some(c) => c,
            None => {
                let c = match dir {
                    Some(d) => img.push_host_content(d, md.len()),
                    None => img.tree.push_content(Content {
                        source: Stored::Path(path.into()),
                        size: md.len(),
                    }),
                };
                if md.nlink() > 1 {
                    img.remember_hard_link(key, c);
                }
                c
            }
        };
        NodeKind::File { content }
    } else if ft.is_symlink() {
        let target = std::fs::read_link(path).map_err(|error| Error::DataStreamCreate {
            path: path.to_path_buf(),
            error,
        })?;
        NodeKind::Symlink {
            target: host_name(target.as_os_str()),
        }
    } else if ft.is_fifo() {
        NodeKind::Special(SpecialKind::Fifo)
    } else if ft.is_socket() {
        NodeKind::Special(SpecialKind::Socket)
    } else if ft.is_char_device() {
        NodeKind::Special(SpecialKind::CharDevice(md.rdev()))
    } else if ft.is_block_device() {
        NodeKind::Special(SpecialKind::BlockDevice(md.rdev()))
    } else {
        return Err(Error::NotFile {
            path: path.display().to_string(),
        });
    };
    let id = img.tree.push(name, attrs, kind);
    // A content made for this node must name this host file back.
    debug_assert!(match img.tree.data.node(id).kind {
        NodeKind::File { content } => {
            let data = &img.tree.data;
            match &data.contents[content as usize].source {
                Stored::HostEntry { node, .. } if *node == id => {
                    data.contents[content as usize]
                        .source
                        .host_path(data)
                        .as_deref()
                        == Some(path)
                }
                _ => true,
            }
        }
        _ => true,
    });
    Ok(id)
}

/// Whether the user may read `path` (and list it, for a folder); a host
/// entry it may not is left out of a scan that records skips.
fn readable(path: &Path, dir: bool) -> bool {
    use rustix::fs::Access;
    let how = if dir {
        Access::READ_OK | Access::EXEC_OK
    } else {
        Access::READ_OK
    };
    rustix::fs::access(path, how).is_ok()
}

/// Scans `host` into a detached directory node; returns it. With
/// `skipped`, files and folders the user may not read are left out and
/// listed there (else reading them fails later, as IMAPI's does).
fn scan(
    img: &mut FileSystemImage,
    host: &Path,
    name: Box<str>,
    mut skipped: Option<&mut Vec<PathBuf>>,
) -> Result<u32> {
    let md = std::fs::metadata(host).map_err(|error| Error::DirectoryRead {
        path: host.to_path_buf(),
        error,
    })?;
    if !md.is_dir() {
        return Err(Error::NotDir {
            path: host.display().to_string(),
        });
    }
    let top = img.tree.push(
        name,
        host_attributes(&md),
        NodeKind::Dir {
            children: Vec::new(),
        },
    );
    let mut stack = vec![(top, host.to_path_buf())];
    while let Some((node, dir_path)) = stack.pop() {
        let dir_index = img.push_host_dir(&dir_path);
        let read_err = |error| Error::DirectoryRead {
            path: dir_path.clone(),
            error,
        };
        let mut entries: Vec<_> = std::fs::read_dir(&dir_path)
            .map_err(read_err)?
            .collect::<std::io::Result<_>>()
            .map_err(read_err)?;
        // Host order is arbitrary; sorting makes item ids (and so everything
        // derived from them) independent of it.
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let path = entry.path();
            let md = entry.metadata().map_err(|error| Error::DataStreamCreate {
                path: path.clone(),
                error,
            })?;
            let name = host_name(&entry.file_name());
            if let Some(list) = skipped.as_deref_mut() {
                if (md.is_dir() || md.is_file()) && !readable(&path, md.is_dir()) {
                    list.push(path);
                    continue;
                }
            }
            let child = if md.is_dir() {
                img.check_name(&name)?;
                let c = img.tree.push(
                    name,
                    host_attributes(&md),
                    NodeKind::Dir {
                        children: Vec::new(),
                    },
                );
                stack.push((c, path));
                c
            } else {
                node_from_host(img, &path, Some(dir_index), name, &md)?
            };
            img.tree.attach(child, node);
        }
    }
    Ok(top)
}

/// `AddTree`, all or nothing (see [`scan`] for `skipped`).
pub(crate) fn add_tree(
    img: &mut FileSystemImage,
    into: u32,
    host: &Path,
    include_base: bool,
    skipped: Option<&mut Vec<PathBuf>>,
) -> Result<()> {
    let (nodes, contents, dirs) = (
        img.tree.len(),
        img.tree.data.contents.len(),
        img.tree.data.host_dirs.len(),
    );
    let base_name: Box<str> = if include_base {
        let canonical = std::fs::canonicalize(host).map_err(|error| Error::DirectoryRead {
            path: host.to_path_buf(),
            error,
        })?;
        match canonical.file_name() {
            Some(n) => host_name(n),
            None => {
                return Err(Error::InvalidPath {
                    path: host.display().to_string(),
                    reason: "the host directory has no name to use as the base directory",
                })
            }
        }
    } else {
        "".into()
    };
    let scanned = scan(img, host, base_name, skipped).and_then(|top| {
        if img.tree.is_reachable(into) {
            img.budget_check_subtree(top)?;
        }
        Ok(top)
    });
    let top = match scanned {
        Ok(top) => top,
        Err(e) => {
            discard(img, nodes, contents, dirs);
            return Err(e);
        }
    };
    let mut steps = Vec::new();
    if include_base {
        let name = img.tree.node(top).name.clone();
        match img.tree.lookup(into, &name) {
            Some(existing) if img.tree.node(existing).is_dir() => {
                img.merge_into(top, existing, &mut steps)
            }
            Some(existing) => {
                let parent = img.tree.detach(existing);
                steps.push(Undo::Detached {
                    item: existing,
                    parent,
                });
                img.tree.attach(top, into);
                steps.push(Undo::Attached(top));
            }
            None => {
                img.tree.attach(top, into);
                steps.push(Undo::Attached(top));
            }
        }
    } else {
        img.merge_into(top, into, &mut steps);
    }
    img.record(steps);
    Ok(())
}

/// Forgets everything a failed scan created (nothing of it is attached to the
/// tree proper, but it is in the name index).
fn discard(img: &mut FileSystemImage, nodes: usize, contents: usize, dirs: usize) {
    for id in (nodes..img.tree.len()).rev() {
        if img.tree.node(id as u32).parent != NO_PARENT {
            img.tree.detach(id as u32);
        }
    }
    img.forget_hard_links_from(contents as u32);
    img.tree.truncate(nodes, contents, dirs);
}

impl FileSystemImage {
    /// Adds one host file (or symbolic link, or special file) at `path` below
    /// `dir`, taking its times, mode and owner from the host. A host file with
    /// several links shares its data with the other links added so far.
    pub fn add_host_file(
        &mut self,
        dir: ItemId,
        path: &str,
        host: impl AsRef<Path>,
    ) -> Result<ItemId> {
        let host = host.as_ref();
        let (parent, leaf) = self.parent_for_new(dir, path)?;
        let md = std::fs::symlink_metadata(host).map_err(|error| Error::DataStreamCreate {
            path: host.to_path_buf(),
            error,
        })?;
        if md.is_dir() {
            return Err(Error::NotFile {
                path: host.display().to_string(),
            });
        }
        let id = node_from_host(self, host, None, leaf.into(), &md)?;
        self.attach_new(id, parent)
    }

    /// `AddTree`: adds a host directory's contents below `dir` (with
    /// `include_base`, the directory itself). Names that exist already are
    /// replaced by the host's (directories merge). All or nothing: on any error
    /// the image is as before.
    pub fn add_tree(
        &mut self,
        dir: ItemId,
        host_dir: impl AsRef<Path>,
        include_base: bool,
    ) -> Result<()> {
        let d = self.check_id(dir)?;
        if !self.tree.node(d).is_dir() {
            return Err(Error::NotDir {
                path: self.full_path(dir),
            });
        }
        add_tree(self, d, host_dir.as_ref(), include_base, None)
    }

    /// [`add_tree`](Self::add_tree), leaving out the host files and folders
    /// the user may not read (genisoimage's way; IMAPI and xorriso stop):
    /// returns them. Beyond IMAPI.
    pub fn add_tree_skipping_unreadable(
        &mut self,
        dir: ItemId,
        host_dir: impl AsRef<Path>,
        include_base: bool,
    ) -> Result<Vec<PathBuf>> {
        let d = self.check_id(dir)?;
        if !self.tree.node(d).is_dir() {
            return Err(Error::NotDir {
                path: self.full_path(dir),
            });
        }
        let mut skipped = Vec::new();
        add_tree(self, d, host_dir.as_ref(), include_base, Some(&mut skipped))?;
        Ok(skipped)
    }

    /// Whether the user may read the host file `host` (what
    /// [`add_tree_skipping_unreadable`](Self::add_tree_skipping_unreadable)
    /// checks of each file).
    pub fn host_file_readable(host: impl AsRef<Path>) -> bool {
        readable(host.as_ref(), false)
    }
}
