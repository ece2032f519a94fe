//! Opening an image and choosing the file-system view the reading commands
//! (`ls`, `extract`, `info`) work on.

use std::path::Path;

use imapi2::fs::{Disc, FileSystems, FsTree, Medium};

use crate::report::{lib_error, CliError};

/// An opened image and one of its views, read.
pub struct Opened {
    pub disc: Disc,
    pub view: FileSystems,
    pub tree: FsTree,
}

/// Opens `image` and reads `fs` (one of iso9660, joliet, rockridge, udf), or
/// the view import prefers (UDF, Rock Ridge, Joliet, ISO 9660).
pub fn open(
    image: &Path,
    fs: Option<FileSystems>,
    session: Option<usize>,
    json: bool,
) -> Result<Opened, CliError> {
    let disc = open_disc(image, json)?;
    let view = match fs {
        Some(v) => {
            let one = [
                FileSystems::ISO9660,
                FileSystems::JOLIET,
                FileSystems::ROCK_RIDGE,
                FileSystems::UDF,
            ];
            if !one.contains(&v) {
                return Err(CliError {
                    message: format!("--fs takes one file system, not {v}"),
                    code: None,
                    json,
                });
            }
            if !disc.file_systems().contains(v) {
                return Err(CliError {
                    message: format!(
                        "{}: no {v} file system (it has {})",
                        image.display(),
                        disc.file_systems()
                    ),
                    code: None,
                    json,
                });
            }
            v
        }
        None => disc.default_view(),
    };
    let tree = match session {
        None => disc.read_tree(view),
        Some(n) if n >= 1 && n <= disc.sessions.len() => disc.read_tree_of(n - 1, view),
        Some(n) => {
            return Err(CliError {
                message: format!(
                    "{}: no session {n} (it has {})",
                    image.display(),
                    disc.sessions.len()
                ),
                code: None,
                json,
            })
        }
    }
    .map_err(|e| lib_error(e, json))?;
    Ok(Opened { disc, view, tree })
}

/// Opens `image` and identifies its file systems.
pub fn open_disc(image: &Path, json: bool) -> Result<Disc, CliError> {
    let medium = open_medium(image, json)?;
    Disc::open(&medium).map_err(|e| CliError {
        message: format!("{}: {e}", image.display()),
        code: e.imapi_name(),
        json,
    })
}

/// `--session N`: sessions count from 1 (a usage error otherwise, exit 2).
pub fn parse_session(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(0) => Err("sessions count from 1 (the oldest)".into()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("{s:?} is not a session number (1 = the oldest)")),
    }
}

/// Whether `image` names a recorder rather than an image file.
pub fn is_recorder(image: &Path) -> bool {
    let name = image.to_string_lossy();
    name.starts_with("virtual:")
        || name.starts_with("linux:")
        || imapi2::virtual_recorder::exists(image)
}

/// An image file, or the medium in a recorder named `virtual:DIR`,
/// `linux:ID`, or a virtual recorder's directory (a real drive's medium
/// also reads as its block device, `/dev/sr0`).
pub fn open_medium(image: &Path, json: bool) -> Result<Medium, CliError> {
    open_medium_of(image, false, json)
}

/// [`open_medium`], or with `drive` the medium in the drive `image` names
/// (an id from `imapi2 drives`, a device path or virtual:DIR).
pub fn open_medium_of(image: &Path, drive: bool, json: bool) -> Result<Medium, CliError> {
    let name = image.to_string_lossy();
    if !drive && !is_recorder(image) {
        return Medium::open(image).map_err(|e| lib_error(e, json));
    }
    let dev = |e: imapi2::Error| crate::device::dev_error(e, json);
    let recorder = imapi2::DiscMaster::new().open(&name).map_err(dev)?;
    let reader = imapi2::DiscReader::new(recorder).map_err(dev)?;
    reader.into_medium().map_err(dev)
}

/// Prints what the readers read in spite of the image not following the
/// standard, one `imapi2: warning:` line each on stderr.
pub fn print_warnings(disc: &Disc) {
    for w in disc.warnings() {
        eprintln!("imapi2: warning: {w}");
    }
}

/// The nodes of `paths` (the root when none), as tar takes its members:
/// the ones that are there, and an `imapi2: PATH: ...` line on stderr for
/// each missing one, whose count is returned.
pub fn lookup_all(o: &Opened, paths: &[String], json: bool) -> (Vec<u32>, usize) {
    if paths.is_empty() {
        return (vec![0], 0);
    }
    let mut found = Vec::new();
    let mut missing = 0;
    for p in paths {
        match lookup(o, p, json) {
            Ok(i) => found.push(i),
            Err(e) => {
                missing += 1;
                e.print();
            }
        }
    }
    (found, missing)
}

/// The error that ends a command after it did the paths that were there.
pub fn missing_paths(missing: usize, json: bool) -> CliError {
    CliError {
        message: format!(
            "{} not in the image",
            crate::report::count(missing, "path was", "paths were")
        ),
        code: None,
        json,
    }
}

/// The node at `path` in the view, or an error naming it.
pub fn lookup(o: &Opened, path: &str, json: bool) -> Result<u32, CliError> {
    o.tree.lookup(path).ok_or_else(|| CliError {
        message: format!("{path}: no such file or directory in the {} view", o.view),
        code: None,
        json,
    })
}
