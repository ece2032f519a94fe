//! Virtual recorders on disk, as the tool and the master see them.
//!
//! A virtual recorder is a directory: `drive.state` (the drive: its
//! personality, tray, which medium it holds) and one sub-directory per
//! medium ever made in it (`disc-1`, `disc-2`, ...; each the medium's data
//! and state, see `imapi2_emu::VirtualDisc`). An ejected medium keeps its
//! directory and can be inserted again.

use std::path::{Path, PathBuf};

use imapi2_emu::{MediaKind, Personality, VirtualDisc, VirtualRecorder};

use crate::error::{Error, Result};
use crate::recorder::BoxTransport;

fn emu(e: imapi2_emu::Error) -> Error {
    Error::Virtual {
        reason: e.to_string(),
    }
}

/// The medium kind a command-line name stands for: `cd-r`, `cd-rw`,
/// `dvd-r`, `dvd-rw`, `dvd-r-dl`, `dvd+r`, `dvd+r-dl`, `dvd+rw`, `dvd-ram`,
/// `bd-r`, `bd-re` (any case; `DVD+R DL` spelled either way).
pub fn parse_media(name: &str) -> Option<MediaKind> {
    let n = name.trim().to_ascii_uppercase().replace("-DL", " DL");
    MediaKind::from_name(&n).filter(|k| !k.is_rom())
}

/// The names [`parse_media`] accepts.
pub const MEDIA_NAMES: &str =
    "cd-r, cd-rw, dvd-r, dvd-rw, dvd-r-dl, dvd+r, dvd+r-dl, dvd+rw, dvd-ram, bd-r, bd-re";

/// The drive personality a command-line name stands for: `cd`, `dvd`, `bd`
/// (a writer of that family and those before it) or `mmc1` (an old CD
/// writer without GET CONFIGURATION).
pub fn parse_personality(name: &str) -> Option<Personality> {
    Some(match name {
        "cd" => Personality::CdWriter,
        "dvd" => Personality::DvdWriter,
        "bd" => Personality::BdWriter,
        "mmc1" => Personality::Mmc1CdWriter,
        _ => return None,
    })
}

/// Whether `dir` holds a virtual recorder.
pub fn exists(dir: &Path) -> bool {
    dir.join("drive.state").is_file()
}

/// Opens the recorder in `dir` as a transport (its state is saved as
/// commands change it and when it is dropped).
pub fn open(dir: &Path) -> Result<BoxTransport> {
    if !exists(dir) {
        return Err(Error::Virtual {
            reason: format!(
                "{} is not a virtual recorder (make one with `imapi2 virtual create {} --media KIND`)",
                dir.display(),
                dir.display()
            ),
        });
    }
    Ok(Box::new(VirtualRecorder::open(dir).map_err(emu)?))
}

/// Makes a virtual recorder of `personality` in `dir` (created if missing),
/// with a blank medium of `media` in it when given. Refused where a
/// recorder already is.
pub fn create(dir: &Path, personality: Personality, media: Option<MediaKind>) -> Result<()> {
    if exists(dir) {
        return Err(Error::Virtual {
            reason: format!("{} already holds a virtual recorder", dir.display()),
        });
    }
    std::fs::create_dir_all(dir).map_err(|error| Error::Io {
        context: format!("cannot make {}", dir.display()),
        error,
    })?;
    let mut r = VirtualRecorder::create(dir, personality).map_err(emu)?;
    if let Some(kind) = media {
        check_fits(personality, kind)?;
        let disc = VirtualDisc::create(next_disc_dir(dir), kind).map_err(emu)?;
        r.insert(disc).map_err(emu)?;
    }
    r.save().map_err(emu)
}

fn check_fits(personality: Personality, kind: MediaKind) -> Result<()> {
    if personality.can_hold(kind) {
        return Ok(());
    }
    Err(Error::Virtual {
        reason: format!("a {} cannot take a {kind} medium", personality.product()),
    })
}

/// The first free `disc-N` directory of a recorder.
fn next_disc_dir(dir: &Path) -> PathBuf {
    (1..)
        .map(|n| dir.join(format!("disc-{n}")))
        .find(|p| !p.exists())
        .unwrap_or_else(|| dir.join("disc"))
}

/// What to put in the tray.
#[derive(Debug, Clone)]
pub enum Insert {
    /// A new blank medium of this kind.
    Blank(MediaKind),
    /// A pressed (read-only) medium holding this image.
    Image(PathBuf),
    /// A medium made earlier (its directory).
    Disc(PathBuf),
}

/// Puts a medium in the recorder in `dir` and closes the tray; returns the
/// medium's directory.
pub fn insert(dir: &Path, what: Insert) -> Result<PathBuf> {
    let mut r = VirtualRecorder::open(dir).map_err(emu)?;
    if r.disc().is_some() {
        return Err(Error::Virtual {
            reason: format!(
                "the recorder in {} already holds a medium (eject it first)",
                dir.display()
            ),
        });
    }
    let disc = match what {
        Insert::Blank(kind) => {
            check_fits(r.drive().personality, kind)?;
            VirtualDisc::create(next_disc_dir(dir), kind).map_err(emu)?
        }
        Insert::Image(image) => VirtualDisc::press(next_disc_dir(dir), image).map_err(emu)?,
        Insert::Disc(d) => VirtualDisc::open(d).map_err(emu)?,
    };
    let at = disc.dir().to_path_buf();
    r.insert(disc).map_err(emu)?;
    r.save().map_err(emu)?;
    Ok(at)
}

/// Opens the tray of the recorder in `dir` and takes its medium out;
/// returns the medium's directory, if there was one.
pub fn eject(dir: &Path) -> Result<Option<PathBuf>> {
    let mut r = VirtualRecorder::open(dir).map_err(emu)?;
    let disc = r.eject().map_err(emu)?;
    r.save().map_err(emu)?;
    Ok(disc.map(|d| d.dir().to_path_buf()))
}
