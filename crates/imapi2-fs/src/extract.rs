//! Extracting a view of a medium to a host directory, safely: nothing is
//! written outside the target directory, names that could climb out of it
//! and links that point out of it are refused, links are never followed,
//! and existing files are kept unless asked otherwise.

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Component, Path, PathBuf};

use crate::error::{Error, Result};
use crate::fs_tree::{FsData, FsKind, FsTree, ZERO_RUN};
use crate::medium::Medium;

/// How to extract.
#[derive(Clone, Debug, Default)]
pub struct ExtractOptions {
    /// Replace files and links that exist (never a directory by a file).
    pub force: bool,
    /// Give files the owners the view records (needs privileges).
    pub owners: bool,
}

/// What an extraction did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExtractReport {
    /// Directories made (or found).
    pub directories: u64,
    /// Files written.
    pub files: u64,
    /// Symbolic links, hard links and special files made.
    pub links: u64,
    /// Bytes of file data written.
    pub bytes: u64,
    /// Entries left out: (path in the view, why).
    pub refused: Vec<(String, String)>,
}

/// Extracts the nodes `tops` (and all below them) of `tree`, read from
/// `medium`, into `dest`, each at its path relative to the root.
pub fn extract(
    tree: &FsTree,
    medium: &Medium,
    tops: &[u32],
    dest: &Path,
    options: &ExtractOptions,
) -> Result<ExtractReport> {
    let out_err = |path: &Path, error: io::Error| Error::Output {
        path: path.to_path_buf(),
        error,
    };
    fs::create_dir_all(dest).map_err(|e| out_err(dest, e))?;
    let mut report = ExtractReport::default();
    // Host path of each extracted node (hard links point at the first).
    let mut made: HashMap<u32, PathBuf> = HashMap::new();
    let mut first_of_link: HashMap<u64, PathBuf> = HashMap::new();
    let mut dirs_done: Vec<(u32, PathBuf)> = Vec::new();
    let mut links: Vec<(u32, PathBuf, String)> = Vec::new();
    let mut order = Vec::new();
    for &top in tops {
        // The path down to `top`: its ancestors are made as plain directories.
        let mut chain = Vec::new();
        let mut at = top;
        while at != 0 && chain.len() <= tree.nodes.len() {
            chain.push(at);
            at = tree.nodes[at as usize].parent;
        }
        chain.reverse();
        for &a in &chain[..chain.len().saturating_sub(1)] {
            if !order.contains(&a) {
                order.push(a);
            }
        }
        for i in tree.walk(top) {
            order.push(i);
        }
    }
    made.insert(0, dest.to_path_buf());
    for i in order {
        if made.contains_key(&i) {
            continue;
        }
        let n = &tree.nodes[i as usize];
        let view_path = tree.path(i);
        let Some(parent_dir) = made.get(&n.parent).cloned() else {
            // Its parent was refused.
            continue;
        };
        if let Err(why) = check_name(&n.name) {
            report.refused.push((view_path, why));
            continue;
        }
        let host = parent_dir.join(&n.name);
        match &n.kind {
            FsKind::Directory => {
                match fs::symlink_metadata(&host) {
                    Ok(m) if m.is_dir() => {}
                    Ok(_) => {
                        report.refused.push((
                            view_path,
                            "something that is not a directory is in the way".into(),
                        ));
                        continue;
                    }
                    Err(_) => fs::create_dir(&host).map_err(|e| out_err(&host, e))?,
                }
                report.directories += 1;
                dirs_done.push((i, host.clone()));
                made.insert(i, host);
            }
            FsKind::Symlink(target) => {
                if let Err(why) = check_link_target(tree, i, target) {
                    report.refused.push((view_path, why));
                    continue;
                }
                // Links are made last, so that no write goes through one.
                links.push((i, host, target.clone()));
            }
            FsKind::File => {
                if let Some(key) = n.link_key {
                    if let Some(first) = first_of_link.get(&key) {
                        if !make_room(&host, options.force, &mut report, &view_path)? {
                            continue;
                        }
                        fs::hard_link(first, &host).map_err(|e| out_err(&host, e))?;
                        report.links += 1;
                        made.insert(i, host);
                        continue;
                    }
                }
                if !make_room(&host, options.force, &mut report, &view_path)? {
                    continue;
                }
                let mut f = OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32)
                    .open(&host)
                    .map_err(|e| out_err(&host, e))?;
                report.bytes += write_data(medium, &n.data, n.size, &mut f, &host)?;
                report.files += 1;
                finish_attributes(&f, n, options, &host)?;
                if let Some(key) = n.link_key {
                    first_of_link.insert(key, host.clone());
                }
                made.insert(i, host);
            }
            FsKind::Fifo | FsKind::Socket | FsKind::CharDevice(_) | FsKind::BlockDevice(_) => {
                if !make_room(&host, options.force, &mut report, &view_path)? {
                    continue;
                }
                let (ty, dev) = match n.kind {
                    FsKind::Fifo => (rustix::fs::FileType::Fifo, 0),
                    FsKind::Socket => (rustix::fs::FileType::Socket, 0),
                    FsKind::CharDevice(d) => (rustix::fs::FileType::CharacterDevice, d),
                    FsKind::BlockDevice(d) => (rustix::fs::FileType::BlockDevice, d),
                    _ => unreachable!(),
                };
                let mode = rustix::fs::Mode::from_raw_mode(n.mode.unwrap_or(0o644) & 0o777);
                match rustix::fs::mknodat(rustix::fs::CWD, &host, ty, mode, dev) {
                    Ok(()) => {
                        report.links += 1;
                        made.insert(i, host);
                    }
                    Err(e) => report
                        .refused
                        .push((view_path, format!("cannot make the special file: {e}"))),
                }
            }
        }
    }
    for (i, host, target) in links {
        let view_path = tree.path(i);
        if !make_room(&host, options.force, &mut report, &view_path)? {
            continue;
        }
        std::os::unix::fs::symlink(&target, &host).map_err(|e| out_err(&host, e))?;
        if options.owners {
            let n = &tree.nodes[i as usize];
            let _ = std::os::unix::fs::lchown(&host, n.uid, n.gid);
        }
        report.links += 1;
    }
    // Directory modes and times last (children first), so that a read-only
    // directory is filled before it closes.
    for (i, host) in dirs_done.into_iter().rev() {
        let n = &tree.nodes[i as usize];
        if options.owners {
            let _ = std::os::unix::fs::chown(&host, n.uid, n.gid);
        }
        if let Some(m) = n.mode {
            fs::set_permissions(&host, fs::Permissions::from_mode(m & 0o7777))
                .map_err(|e| out_err(&host, e))?;
        }
        if let Some(t) = n.modified {
            if let Ok(d) = File::open(&host) {
                let _ = d.set_modified(t.to_system_time());
            }
        }
    }
    Ok(report)
}

/// A name that is one plain component.
fn check_name(name: &str) -> std::result::Result<(), String> {
    if name.is_empty() || name == "." || name == ".." {
        return Err(format!("the name {name:?} is not a file name"));
    }
    if name.contains('/') || name.contains('\0') {
        return Err(format!("the name {name:?} holds a '/' or NUL"));
    }
    Ok(())
}

/// A link target that stays inside the extracted tree: relative, and never
/// climbing above the root of the view from where the link sits.
fn check_link_target(tree: &FsTree, link: u32, target: &str) -> std::result::Result<(), String> {
    let p = Path::new(target);
    if p.is_absolute() {
        return Err(format!("the link points outside the tree ({target})"));
    }
    let mut depth = tree
        .path(tree.nodes[link as usize].parent)
        .split('/')
        .filter(|s| !s.is_empty())
        .count() as i64;
    for c in p.components() {
        match c {
            Component::ParentDir => depth -= 1,
            Component::Normal(_) => depth += 1,
            Component::CurDir => {}
            _ => return Err(format!("the link points outside the tree ({target})")),
        }
        if depth < 0 {
            return Err(format!("the link points outside the tree ({target})"));
        }
    }
    Ok(())
}

/// Clears the way for a new file or link at `host`: refuses an existing
/// entry unless `force`, and never replaces a directory.
fn make_room(
    host: &Path,
    force: bool,
    report: &mut ExtractReport,
    view_path: &str,
) -> Result<bool> {
    match fs::symlink_metadata(host) {
        Err(_) => Ok(true),
        Ok(m) if m.is_dir() => {
            report
                .refused
                .push((view_path.into(), "a directory is in the way".into()));
            Ok(false)
        }
        Ok(_) if !force => {
            report.refused.push((
                view_path.into(),
                format!("{} exists (use --force to replace it)", host.display()),
            ));
            Ok(false)
        }
        Ok(_) => {
            fs::remove_file(host).map_err(|error| Error::Output {
                path: host.to_path_buf(),
                error,
            })?;
            Ok(true)
        }
    }
}

/// Copies a file's data; runs that read as zeros become holes.
fn write_data(medium: &Medium, data: &FsData, size: u64, f: &mut File, host: &Path) -> Result<u64> {
    let out_err = |error| Error::Output {
        path: host.to_path_buf(),
        error,
    };
    match data {
        FsData::None => Ok(0),
        FsData::Inline(b) => {
            f.write_all(b).map_err(out_err)?;
            Ok(b.len() as u64)
        }
        FsData::Extents(runs) => {
            let mut buf = vec![0u8; 1 << 20];
            let mut written = 0u64;
            for &(off, len) in runs {
                if off == ZERO_RUN {
                    written += len;
                    f.set_len(written).map_err(out_err)?;
                    use std::io::Seek;
                    f.seek(io::SeekFrom::Start(written)).map_err(out_err)?;
                    continue;
                }
                let mut done = 0u64;
                while done < len {
                    let n = (len - done).min(buf.len() as u64) as usize;
                    medium.read_exact_at(&mut buf[..n], off + done, "file data")?;
                    f.write_all(&buf[..n]).map_err(out_err)?;
                    done += n as u64;
                }
                written += len;
            }
            if written != size {
                return Err(Error::Corrupt {
                    structure: "file".into(),
                    block: 0,
                    reason: format!("{}: {size} bytes recorded, {written} found", host.display()),
                });
            }
            Ok(written)
        }
    }
}

/// Mode, owner and modification time of a written file.
fn finish_attributes(
    f: &File,
    n: &crate::fs_tree::FsNode,
    options: &ExtractOptions,
    host: &Path,
) -> Result<()> {
    if options.owners {
        let _ = std::os::unix::fs::fchown(f, n.uid, n.gid);
    }
    if let Some(m) = n.mode {
        f.set_permissions(fs::Permissions::from_mode(m & 0o7777))
            .map_err(|error| Error::Output {
                path: host.to_path_buf(),
                error,
            })?;
    }
    if let Some(t) = n.modified {
        let _ = f.set_modified(t.to_system_time());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fs_tree::FsNode;

    #[test]
    fn names_and_link_targets_are_checked() {
        assert!(check_name("a.txt").is_ok());
        for bad in ["", ".", "..", "a/b", "a\0"] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
        let mut t = FsTree::new();
        let d = t.push(FsNode::new("d".into(), 0, FsKind::Directory));
        let l = t.push(FsNode::new("l".into(), d, FsKind::Symlink(String::new())));
        assert!(check_link_target(&t, l, "../x").is_ok());
        assert!(check_link_target(&t, l, "x/../../x").is_ok());
        assert!(check_link_target(&t, l, "../../x").is_err());
        assert!(check_link_target(&t, l, "/etc/passwd").is_err());
        assert!(check_link_target(&t, l, "a/../../../x").is_err());
    }
}
