//! Extracting a view of a medium to a host directory, safely: nothing is
//! written outside the target directory, names that could climb out of it
//! are refused, links are made last and never followed (so a link that
//! points out of the tree is restored as recorded, as bsdtar and xorriso
//! restore it, unless asked to refuse it), and existing files are kept
//! unless asked otherwise.

use std::collections::{HashMap, HashSet};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

use crate::error::{Error, Result};
use crate::iso9660::zisofs::ZisofsReader;
use crate::read::medium::Medium;
use crate::read::view::{FsData, FsKind, FsTree, ZERO_RUN};

/// How to extract.
#[derive(Clone, Debug, Default)]
pub struct ExtractOptions {
    /// Replace files and links that exist (never a directory by a file).
    pub force: bool,
    /// Give files the owners the view records (needs privileges).
    pub owners: bool,
    /// Refuse symbolic links that point outside the extracted tree
    /// (absolute targets, or `..` climbing above the view's root); by
    /// default they are made as recorded. Nothing is ever written through a
    /// link either way: links are made after everything else.
    pub refuse_outside_links: bool,
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
///
/// Directories are made first, in tree order; then files are written by a
/// few threads at once (making many small files is bound by the kernel's
/// per-file work, which runs in parallel); then hard links, special files
/// and symbolic links (last, so that no write goes through a link); then
/// directory modes and times, children first.
pub fn extract(
    tree: &FsTree,
    medium: &Medium,
    tops: &[u32],
    dest: &Path,
    options: &ExtractOptions,
) -> Result<ExtractReport> {
    fs::create_dir_all(dest).map_err(|e| out_err(dest, e))?;
    let mut report = ExtractReport::default();
    let order = extraction_order(tree, tops);
    let s = make_directories(tree, order, dest, options.refuse_outside_links, &mut report)?;
    let outcomes = write_files(tree, medium, &s.jobs, options)?;
    for ((i, _), outcome) in s.jobs.iter().zip(&outcomes) {
        match outcome {
            Outcome::Written(bytes) => {
                report.files += 1;
                report.bytes += bytes;
            }
            Outcome::Refused(why) => report.refused.push((tree.path(*i), why.clone())),
        }
    }
    make_hard_links(tree, &s, &outcomes, options, &mut report)?;
    make_special_files(tree, &s.specials, options, &mut report)?;
    make_symlinks(tree, &s.links, options, &mut report)?;
    // Directory modes and times last (children first), so that a read-only
    // directory is filled before it closes.
    for (i, host) in s.dirs_done.into_iter().rev() {
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

/// The output error of `path`.
fn out_err(path: &Path, error: io::Error) -> Error {
    Error::Output {
        path: path.to_path_buf(),
        error,
    }
}

/// The nodes to extract, in tree order: each of `tops` and everything below
/// it, after the ancestors of each (made as plain directories).
fn extraction_order(tree: &FsTree, tops: &[u32]) -> Vec<u32> {
    let mut order = Vec::new();
    let mut queued = HashSet::new();
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
            if queued.insert(a) {
                order.push(a);
            }
        }
        for i in tree.walk(top) {
            order.push(i);
        }
    }
    order
}

/// What is left to make once the directories are made, each with its host
/// path.
#[derive(Default)]
struct Sorted {
    /// Directories made, in the order made.
    dirs_done: Vec<(u32, PathBuf)>,
    /// Files to write (the first name of each hard-linked file).
    jobs: Vec<(u32, PathBuf)>,
    /// Further names of hard-linked files, with the index in `jobs` of the
    /// first.
    hard: Vec<(u32, PathBuf, usize)>,
    specials: Vec<(u32, PathBuf)>,
    links: Vec<(u32, PathBuf, String)>,
}

/// Makes the directories of `order` (refusing names that could climb out of
/// `dest`, and links that point out of it when `refuse_outside_links`) and
/// sorts out the rest.
fn make_directories(
    tree: &FsTree,
    order: Vec<u32>,
    dest: &Path,
    refuse_outside_links: bool,
    report: &mut ExtractReport,
) -> Result<Sorted> {
    let mut s = Sorted::default();
    // Host path of each directory made.
    let mut dirs: HashMap<u32, PathBuf> = HashMap::new();
    dirs.insert(0, dest.to_path_buf());
    let mut first_of_link: HashMap<u64, usize> = HashMap::new();
    let mut done = HashSet::from([0u32]);
    for i in order {
        if !done.insert(i) {
            continue;
        }
        let n = &tree.nodes[i as usize];
        let Some(parent_dir) = dirs.get(&n.parent) else {
            // Its parent was refused.
            continue;
        };
        if let Err(why) = check_name(&n.name) {
            report.refused.push((tree.path(i), why));
            continue;
        }
        let host = parent_dir.join(host_name(&n.name));
        match &n.kind {
            FsKind::Directory => {
                if let Err(e) = fs::create_dir(&host) {
                    match fs::symlink_metadata(&host) {
                        Ok(m) if m.is_dir() => {}
                        Ok(_) => {
                            report.refused.push((
                                tree.path(i),
                                "something that is not a directory is in the way".into(),
                            ));
                            continue;
                        }
                        Err(_) => return Err(out_err(&host, e)),
                    }
                }
                report.directories += 1;
                s.dirs_done.push((i, host.clone()));
                dirs.insert(i, host);
            }
            FsKind::Symlink(target) => match check_link_target(tree, i, target) {
                Err(why) if refuse_outside_links => report.refused.push((tree.path(i), why)),
                _ => s.links.push((i, host, target.clone())),
            },
            FsKind::File => match n.link_key.and_then(|k| first_of_link.get(&k)) {
                Some(&first) => s.hard.push((i, host, first)),
                None => {
                    if let Some(k) = n.link_key {
                        first_of_link.insert(k, s.jobs.len());
                    }
                    s.jobs.push((i, host));
                }
            },
            FsKind::Fifo | FsKind::Socket | FsKind::CharDevice(_) | FsKind::BlockDevice(_) => {
                s.specials.push((i, host));
            }
        }
    }
    Ok(s)
}

/// The further names of hard-linked files, once their first is written.
fn make_hard_links(
    tree: &FsTree,
    s: &Sorted,
    outcomes: &[Outcome],
    options: &ExtractOptions,
    report: &mut ExtractReport,
) -> Result<()> {
    for (i, host, first) in &s.hard {
        let view_path = tree.path(*i);
        if !matches!(outcomes[*first], Outcome::Written(_)) {
            report
                .refused
                .push((view_path, "the file it links to was not written".into()));
            continue;
        }
        if !make_room(host, options.force, report, &view_path)? {
            continue;
        }
        fs::hard_link(&s.jobs[*first].1, host).map_err(|e| out_err(host, e))?;
        report.links += 1;
    }
    Ok(())
}

/// FIFOs, sockets and devices.
fn make_special_files(
    tree: &FsTree,
    specials: &[(u32, PathBuf)],
    options: &ExtractOptions,
    report: &mut ExtractReport,
) -> Result<()> {
    for (i, host) in specials {
        let n = &tree.nodes[*i as usize];
        let view_path = tree.path(*i);
        if !make_room(host, options.force, report, &view_path)? {
            continue;
        }
        let (ty, dev) = match n.kind {
            FsKind::Fifo => (rustix::fs::FileType::Fifo, 0),
            FsKind::Socket => (rustix::fs::FileType::Socket, 0),
            FsKind::CharDevice(d) => (rustix::fs::FileType::CharacterDevice, d),
            FsKind::BlockDevice(d) => (rustix::fs::FileType::BlockDevice, d),
            _ => continue,
        };
        let mode = rustix::fs::Mode::from_raw_mode(n.mode.unwrap_or(0o644) & 0o777);
        match rustix::fs::mknodat(rustix::fs::CWD, host, ty, mode, dev) {
            Ok(()) => report.links += 1,
            Err(e) => report
                .refused
                .push((view_path, format!("cannot make the special file: {e}"))),
        }
    }
    Ok(())
}

/// Symbolic links, last, so that no write goes through a link.
fn make_symlinks(
    tree: &FsTree,
    links: &[(u32, PathBuf, String)],
    options: &ExtractOptions,
    report: &mut ExtractReport,
) -> Result<()> {
    for (i, host, target) in links {
        let view_path = tree.path(*i);
        if !make_room(host, options.force, report, &view_path)? {
            continue;
        }
        std::os::unix::fs::symlink(host_name(target), host).map_err(|e| out_err(host, e))?;
        if options.owners {
            let n = &tree.nodes[*i as usize];
            let _ = std::os::unix::fs::lchown(host, n.uid, n.gid);
        }
        report.links += 1;
    }
    Ok(())
}

/// What became of one file.
enum Outcome {
    /// Written, with this many bytes of data.
    Written(u64),
    /// Left out, and why.
    Refused(String),
}

/// Writes the files `jobs` (node, host path) with a few threads; returns
/// one outcome per job, in order. The first error stops every thread.
fn write_files(
    tree: &FsTree,
    medium: &Medium,
    jobs: &[(u32, PathBuf)],
    options: &ExtractOptions,
) -> Result<Vec<Outcome>> {
    const CHUNK: usize = 32;
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 4)
        .min(jobs.len().div_ceil(CHUNK).max(1));
    let umask = process_umask();
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let first_error: Mutex<Option<Error>> = Mutex::new(None);
    let work = || {
        let mut out: Vec<(usize, Outcome)> = Vec::new();
        let mut buf = Vec::new();
        while !stop.load(Ordering::Relaxed) {
            let from = next.fetch_add(CHUNK, Ordering::Relaxed);
            if from >= jobs.len() {
                break;
            }
            for (k, (i, host)) in jobs.iter().enumerate().skip(from).take(CHUNK) {
                let n = &tree.nodes[*i as usize];
                match write_file(n, medium, host, options, umask, &mut buf) {
                    Ok(o) => out.push((k, o)),
                    Err(e) => {
                        stop.store(true, Ordering::Relaxed);
                        let mut g = first_error.lock().unwrap_or_else(|p| p.into_inner());
                        g.get_or_insert(e);
                        return out;
                    }
                }
            }
        }
        out
    };
    let parts: Vec<Vec<(usize, Outcome)>> = std::thread::scope(|s| {
        let handles: Vec<_> = (1..threads).map(|_| s.spawn(work)).collect();
        let mut parts = vec![work()];
        for h in handles {
            parts.push(h.join().unwrap_or_default());
        }
        parts
    });
    if let Some(e) = first_error.into_inner().unwrap_or_else(|p| p.into_inner()) {
        return Err(e);
    }
    let mut outcomes: Vec<Option<Outcome>> = (0..jobs.len()).map(|_| None).collect();
    for (k, o) in parts.into_iter().flatten() {
        outcomes[k] = Some(o);
    }
    Ok(outcomes
        .into_iter()
        .map(|o| o.unwrap_or_else(|| Outcome::Refused("not written".into())))
        .collect())
}

/// The process's file mode creation mask, from /proc (None when unknown:
/// then every file's mode is set explicitly).
fn process_umask() -> Option<u32> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("Umask:"))?;
    u32::from_str_radix(line["Umask:".len()..].trim(), 8).ok()
}

/// Creates one file (never through a link, never over an existing one
/// unless `force`), writes its data and sets its attributes.
fn write_file(
    n: &crate::read::view::FsNode,
    medium: &Medium,
    host: &Path,
    options: &ExtractOptions,
    umask: Option<u32>,
    buf: &mut Vec<u8>,
) -> Result<Outcome> {
    let create_mode = n.mode.map_or(0o666, |m| m & 0o777);
    let open = || {
        OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(create_mode)
            .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32)
            .open(host)
    };
    let mut f = match open() {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            let mut r = ExtractReport::default();
            if !make_room(host, options.force, &mut r, "")? {
                return Ok(Outcome::Refused(
                    r.refused.pop().map(|x| x.1).unwrap_or_default(),
                ));
            }
            open().map_err(|error| Error::Output {
                path: host.to_path_buf(),
                error,
            })?
        }
        Err(error) => {
            return Err(Error::Output {
                path: host.to_path_buf(),
                error,
            })
        }
    };
    let bytes = match write_data(medium, &n.data, n.size, &mut f, host, buf) {
        // A compressed file that does not decompress is left out, and the
        // rest goes on.
        Err(e @ Error::Corrupt { .. }) if matches!(n.data, FsData::Zisofs(_)) => {
            drop(f);
            let _ = fs::remove_file(host);
            return Ok(Outcome::Refused(e.to_string()));
        }
        r => r?,
    };
    if options.owners {
        let _ = std::os::unix::fs::fchown(&f, n.uid, n.gid);
    }
    if let Some(m) = n.mode {
        // The mode given at creation is the mode wanted unless the umask
        // took bits away, set-id/sticky bits are wanted, or chown cleared them.
        let m = m & 0o7777;
        if options.owners || umask.map_or(true, |u| create_mode & !u != m) {
            f.set_permissions(fs::Permissions::from_mode(m))
                .map_err(|error| Error::Output {
                    path: host.to_path_buf(),
                    error,
                })?;
        }
    }
    if let Some(t) = n.modified {
        let _ = f.set_modified(t.to_system_time());
    }
    Ok(Outcome::Written(bytes))
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

/// The host form of a name or link target: its bytes, those that are not
/// UTF-8 as the image recorded them (crate::escape).
fn host_name(name: &str) -> std::ffi::OsString {
    use std::os::unix::ffi::OsStringExt;
    std::ffi::OsString::from_vec(crate::escape::to_bytes(name).into_owned())
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

/// Files at least this large get holes where the image holds zeros;
/// smaller ones are copied by one kernel call (a hole takes at least one
/// block of the host file system, and most small files have none).
const SPARSE_MIN: u64 = 64 << 10;
/// Zeros become a hole in whole units of this size, aligned in the output.
const HOLE_UNIT: u64 = 64 << 10;
/// Bytes at the start of each unit that tell data from a unit to look at.
const PROBE: usize = 64;

/// Copies a file's data to `f` (new and empty), zisofs files decompressed.
/// Runs the view does not record (UDF's unrecorded extents) and blocks of
/// zeros of zisofs files become holes; in a file of at least
/// [`SPARSE_MIN`] bytes so do the holes of a sparse image file (found with
/// `SEEK_DATA`/`SEEK_HOLE`, not read) and every aligned [`HOLE_UNIT`] of
/// zeros in the data (see [`copy_skipping_zeros`]).
fn write_data(
    medium: &Medium,
    data: &FsData,
    size: u64,
    f: &mut File,
    host: &Path,
    buf: &mut Vec<u8>,
) -> Result<u64> {
    let out_err = |error| Error::Output {
        path: host.to_path_buf(),
        error,
    };
    // Whether the data may end in a hole, which only the length makes.
    let mut holes = false;
    let written = match data {
        FsData::None => 0,
        FsData::Inline(b) => {
            f.write_all(b).map_err(out_err)?;
            return Ok(b.len() as u64);
        }
        FsData::Extents(runs) => {
            let sparse = size >= SPARSE_MIN;
            holes = sparse;
            let mut pos = 0u64;
            for &(off, len) in runs {
                if off != ZERO_RUN {
                    medium.check_range(off, len)?;
                }
                match (off, sparse) {
                    (ZERO_RUN, _) => holes = true,
                    (_, false) => medium.copy_to(off, len, f, pos, host, buf)?,
                    (_, true) => {
                        let end = off.saturating_add(len);
                        let mut at = off;
                        while at < end {
                            let (d, h) = medium.data_run(at, end);
                            let out_at = pos + (d - off);
                            copy_skipping_zeros(medium, d, h - d, f, out_at, host, buf)?;
                            at = h;
                        }
                    }
                }
                pos += len;
            }
            pos
        }
        FsData::Zisofs(z) => {
            // Decompressed a block at a time; blocks of zeros become holes.
            holes = true;
            let mut r = ZisofsReader::new(medium.clone(), z, size);
            let mut pos = 0u64;
            for i in 0..r.table()?.blocks() {
                if !r.read_block(i, buf)? {
                    write_nonzero(buf, f, pos).map_err(out_err)?;
                }
                pos += buf.len() as u64;
            }
            pos
        }
    };
    if written != size {
        return Err(Error::Corrupt {
            structure: "file".into(),
            block: 0,
            reason: format!("{}: {size} bytes recorded, {written} found", host.display()),
        });
    }
    if holes {
        f.set_len(size).map_err(out_err)?;
    }
    Ok(written)
}

/// Copies `len` bytes from byte `offset` of the medium to byte `out_at` of
/// `f`, leaving out (as holes) the [`HOLE_UNIT`]s, aligned in the output,
/// that hold only zeros. A unit whose first [`PROBE`] bytes are not all
/// zeros is data: runs of such units are copied by the kernel
/// (`copy_file_range`); a unit that starts with zeros is read whole, left
/// out if it is all zeros and written from that buffer if not. So all but
/// the probes (1/1024 of the data) is read once.
fn copy_skipping_zeros(
    medium: &Medium,
    offset: u64,
    len: u64,
    f: &File,
    out_at: u64,
    host: &Path,
    buf: &mut Vec<u8>,
) -> Result<()> {
    let out_err = |error| Error::Output {
        path: host.to_path_buf(),
        error,
    };
    let mut probe = [0u8; PROBE];
    // The start of the run of data units not copied yet.
    let mut pending: Option<u64> = None;
    let mut done = 0u64;
    while done < len {
        let here = out_at + done;
        let n = (len - done).min(HOLE_UNIT - here % HOLE_UNIT);
        let p = &mut probe[..(n as usize).min(PROBE)];
        medium.read_exact_at(p, offset + done, "file data")?;
        if !is_zero(p) {
            pending.get_or_insert(done);
            done += n;
            continue;
        }
        if let Some(from) = pending.take() {
            medium.copy_to(offset + from, done - from, f, out_at + from, host, buf)?;
        }
        if buf.len() < n as usize {
            buf.resize(n as usize, 0);
        }
        let unit = &mut buf[..n as usize];
        medium.read_exact_at(unit, offset + done, "file data")?;
        if !is_zero(unit) {
            use std::os::unix::fs::FileExt;
            f.write_all_at(unit, here).map_err(out_err)?;
        }
        done += n;
    }
    if let Some(from) = pending {
        medium.copy_to(offset + from, len - from, f, out_at + from, host, buf)?;
    }
    Ok(())
}

/// Writes `bytes` at byte `at` of `f`, but for the [`HOLE_UNIT`]s (aligned
/// in the output) that hold only zeros; runs of units that are not zeros go
/// in one write each.
fn write_nonzero(bytes: &[u8], f: &File, at: u64) -> io::Result<()> {
    use std::os::unix::fs::FileExt;
    let mut i = 0usize;
    let mut run: Option<usize> = None;
    while i < bytes.len() {
        let unit_end = (i + (HOLE_UNIT - (at + i as u64) % HOLE_UNIT) as usize).min(bytes.len());
        let zero = is_zero(&bytes[i..unit_end]);
        match (zero, run) {
            (true, Some(r)) => {
                f.write_all_at(&bytes[r..i], at + r as u64)?;
                run = None;
            }
            (false, None) => run = Some(i),
            _ => {}
        }
        i = unit_end;
    }
    if let Some(r) = run {
        f.write_all_at(&bytes[r..], at + r as u64)?;
    }
    Ok(())
}

/// Whether `b` holds only zeros: pieces of 4 KiB are or-ed together (which
/// the compiler vectorises), stopping at the first piece that is not zero.
fn is_zero(b: &[u8]) -> bool {
    b.chunks(4096)
        .all(|piece| piece.iter().fold(0u8, |acc, &x| acc | x) == 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::view::FsNode;

    #[test]
    fn zeros_become_holes() {
        use std::os::unix::fs::MetadataExt;
        // 3 MiB of zeros but for a few bytes at 1 MiB + 5, read from a
        // stream (no SEEK_DATA there: the zeros are found by reading), after
        // a run the view does not record.
        let mut img = vec![0u8; 3 << 20];
        img[(1 << 20) + 5..(1 << 20) + 11].copy_from_slice(b"middle");
        let m = Medium::from_stream(std::io::Cursor::new(img.clone())).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let host = dir.path().join("f");
        let mut f = File::create(&host).unwrap();
        let runs = FsData::Extents(vec![(ZERO_RUN, 1 << 20), (0, 3 << 20)]);
        let n = write_data(&m, &runs, 4 << 20, &mut f, &host, &mut Vec::new()).unwrap();
        assert_eq!(n, 4 << 20);
        drop(f);
        let back = fs::read(&host).unwrap();
        assert_eq!(back.len(), 4 << 20);
        assert_eq!(&back[1 << 20..], &img[..]);
        let md = fs::metadata(&host).unwrap();
        assert!(
            md.blocks() * 512 <= 2 * HOLE_UNIT,
            "{} bytes",
            md.blocks() * 512
        );
        // A run past the end of the medium is an error, hole or not.
        let mut f = File::create(dir.path().join("g")).unwrap();
        let past = FsData::Extents(vec![(2 << 20, 2 << 20)]);
        let e = write_data(&m, &past, 2 << 20, &mut f, &host, &mut Vec::new()).unwrap_err();
        assert!(e.to_string().contains("past the end"), "{e}");
    }

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
