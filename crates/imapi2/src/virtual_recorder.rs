//! Virtual recorders on disk, as the tool and the master see them.
//!
//! A virtual recorder is a directory: `drive.state` (the drive: its
//! personality, tray, which medium it holds) and one sub-directory per
//! medium ever made in it (`disc-1`, `disc-2`, ...; each the medium's data
//! and state, see `imapi2_emu::VirtualDisc`). An ejected medium keeps its
//! directory and can be inserted again.
//!
//! A recorder may be *paced* ([`set_pace`]): its write buffer drains
//! against the wall clock at a multiple of 1×, as a real drive's laser
//! does, so WRITEs wait for room and a host that feeds it too slowly sees
//! buffer underruns (fatal without BUFE on CD and DVD-R/RW). The master
//! gives a paced recorder the wall clock ([`is_paced`]); [`write_stats`]
//! reads the underruns it counted and the time it spent writing.

use std::path::{Path, PathBuf};

use imapi2_emu::drive::DriveRecord;
use imapi2_emu::{MediaKind, Personality, VirtualDisc, VirtualRecorder};

pub use imapi2_emu::drive::{Pace, WhenFull, WriteStats};

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
    let mut held = None;
    if let Some(kind) = media {
        check_fits(personality, kind)?;
        let disc = VirtualDisc::create(next_disc_dir(dir), kind).map_err(emu)?;
        held = Some(disc.dir().to_path_buf());
        r.insert(disc).map_err(emu)?;
    }
    r.save().map_err(emu)?;
    match held {
        Some(at) => hold(&at, dir),
        None => Ok(()),
    }
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
    let personality = r.drive().personality;
    let disc = match what {
        Insert::Blank(kind) => {
            check_fits(personality, kind)?;
            VirtualDisc::create(next_disc_dir(dir), kind).map_err(emu)?
        }
        Insert::Image(image) => {
            // A drive reads whole sectors: an image that ends part way
            // through one is no data disc (the emulator's own press pads it).
            if let Ok(md) = std::fs::metadata(&image) {
                if md.is_file() && md.len() % 2048 != 0 {
                    return Err(Error::Virtual {
                        reason: format!(
                            "{} holds {} bytes, not whole 2048-byte sectors (a data disc's)",
                            image.display(),
                            md.len()
                        ),
                    });
                }
            }
            let at = next_disc_dir(dir);
            let disc = VirtualDisc::press(&at, image).map_err(emu)?;
            if let Err(e) = check_fits(personality, disc.medium().kind()) {
                drop(disc);
                let _ = std::fs::remove_dir_all(&at);
                return Err(e);
            }
            disc
        }
        Insert::Disc(d) => {
            let disc = VirtualDisc::open(d).map_err(emu)?;
            check_fits(personality, disc.medium().kind())?;
            check_not_held(disc.dir(), dir)?;
            disc
        }
    };
    let at = disc.dir().to_path_buf();
    r.insert(disc).map_err(emu)?;
    r.save().map_err(emu)?;
    hold(&at, dir)?;
    Ok(at)
}

/// The file in a medium's directory naming the recorder that holds it.
const HOLDER: &str = "held-by";

/// Refuses a medium that another recorder holds (its tray names it): two
/// drives writing one medium would each overwrite the other's sessions.
fn check_not_held(disc: &Path, recorder: &Path) -> Result<()> {
    let Ok(holder) = std::fs::read_to_string(disc.join(HOLDER)) else {
        return Ok(());
    };
    let holder = PathBuf::from(holder.trim_end());
    let same = |a: &Path, b: &Path| match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if same(&holder, recorder) {
        return Ok(());
    }
    let holds_it = VirtualRecorder::open(&holder)
        .ok()
        .and_then(|r| r.disc().map(|d| same(d.dir(), disc)))
        .unwrap_or(false);
    if holds_it {
        return Err(Error::Virtual {
            reason: format!(
                "the medium in {} is in the recorder in {} (eject it there first)",
                disc.display(),
                holder.display()
            ),
        });
    }
    Ok(())
}

/// Records that the recorder in `recorder` holds the medium in `disc`.
fn hold(disc: &Path, recorder: &Path) -> Result<()> {
    let recorder = std::fs::canonicalize(recorder).unwrap_or_else(|_| recorder.to_path_buf());
    std::fs::write(disc.join(HOLDER), format!("{}\n", recorder.display())).map_err(|e| {
        Error::Virtual {
            reason: format!("{}: {e}", disc.join(HOLDER).display()),
        }
    })
}

/// Opens the tray of the recorder in `dir` and takes its medium out;
/// returns the medium's directory, if there was one.
pub fn eject(dir: &Path) -> Result<Option<PathBuf>> {
    let mut r = VirtualRecorder::open(dir).map_err(emu)?;
    let disc = r.eject().map_err(emu)?;
    r.save().map_err(emu)?;
    let at = disc.map(|d| d.dir().to_path_buf());
    if let Some(at) = &at {
        let _ = std::fs::remove_file(at.join(HOLDER));
    }
    Ok(at)
}

/// How a virtual recorder's write buffer behaves (kept in its
/// `drive.state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PaceSettings {
    /// The pace (None: unpaced, the buffer never holds a WRITE back and
    /// nothing waits on the wall clock).
    pub pace: Option<Pace>,
    /// The buffer size in bytes (2048 up to 65535 KiB).
    pub buffer_size: u32,
    /// What a paced recorder does with a WRITE that finds the buffer full.
    pub when_full: WhenFull,
}

/// A pace as the command line writes it: `16x`, `2.4x`, `16`, or `off`
/// (unpaced: `Some(None)`); None when it is neither.
pub fn parse_pace(text: &str) -> Option<Option<Pace>> {
    if text.trim().eq_ignore_ascii_case("off") {
        return Some(None);
    }
    Pace::parse(text).map(Some)
}

fn record(dir: &Path) -> Result<DriveRecord> {
    if !exists(dir) {
        return Err(Error::Virtual {
            reason: format!("{} is not a virtual recorder", dir.display()),
        });
    }
    DriveRecord::load(dir).map_err(emu)
}

/// Whether the recorder in `dir` is paced (and so must be waited for on
/// the wall clock).
pub fn is_paced(dir: &Path) -> Result<bool> {
    Ok(record(dir)?.pace.is_some())
}

/// The pace, buffer size and full-buffer behaviour of the recorder in
/// `dir`.
pub fn pace_settings(dir: &Path) -> Result<PaceSettings> {
    let r = record(dir)?;
    Ok(PaceSettings {
        pace: r.pace,
        buffer_size: r.buffer_size,
        when_full: r.when_full,
    })
}

/// Sets the pace, buffer size and full-buffer behaviour of the recorder in
/// `dir`.
pub fn set_pace(dir: &Path, settings: PaceSettings) -> Result<()> {
    record(dir)?;
    let mut r = VirtualRecorder::open(dir).map_err(emu)?;
    r.set_buffer_size(settings.buffer_size).map_err(emu)?;
    r.set_pace(settings.pace);
    r.set_when_full(settings.when_full);
    r.save().map_err(emu)
}

/// What the recorder in `dir` counted while writing: buffer underruns and
/// the time spent writing (paced recorders only; unpaced ones count
/// nothing). Kept across opens; a new blank medium starts them again.
/// Read from `drive.state`, which a paced recorder updates as the counts
/// change, so this also works while another handle on the recorder is
/// open (a burn that just ended, say).
pub fn write_stats(dir: &Path) -> Result<WriteStats> {
    Ok(record(dir)?.stats)
}

/// Starts the underrun count and the writing time of the recorder in `dir`
/// again.
pub fn reset_write_stats(dir: &Path) -> Result<()> {
    record(dir)?;
    let mut r = VirtualRecorder::open(dir).map_err(emu)?;
    r.reset_write_stats();
    r.save().map_err(emu)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pace_settings_and_counters_live_in_drive_state() {
        let d = std::env::temp_dir().join(format!("imapi2-vr-pace-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        let rec = d.join("rec");
        assert!(is_paced(&rec).is_err(), "no recorder yet");
        create(&rec, Personality::DvdWriter, parse_media("dvd-r")).unwrap();
        assert!(!is_paced(&rec).unwrap());
        let mut s = pace_settings(&rec).unwrap();
        assert_eq!(s.pace, None);
        assert_eq!(s.when_full, WhenFull::Wait);
        s.pace = parse_pace("16x").unwrap();
        s.buffer_size = 64 * 1024;
        set_pace(&rec, s).unwrap();
        assert!(is_paced(&rec).unwrap());
        assert_eq!(pace_settings(&rec).unwrap(), s);
        assert_eq!(write_stats(&rec).unwrap(), WriteStats::default());
        reset_write_stats(&rec).unwrap();
        assert_eq!(parse_pace("off"), Some(None));
        assert_eq!(parse_pace("OFF"), Some(None));
        assert_eq!(parse_pace("fast"), None);
        s.buffer_size = 1;
        assert!(set_pace(&rec, s).is_err(), "too small a buffer");
        // The master opens a paced recorder like any other.
        let m = crate::DiscMaster::with(
            &d.join("no-sysfs"),
            crate::VirtualRegistry::at(d.join("registry")),
        );
        let mut r = m.open(rec.to_str().unwrap()).unwrap();
        assert!(r.media().unwrap().present);
        let _ = std::fs::remove_dir_all(&d);
    }
}
