//! Checking an image (IMAPI's `IsoImageManager.Validate`, and more): every
//! structural problem found, with where it is. Beyond IMAPI's checks (size,
//! a volume descriptor, the sector count) this reads what `isovfy` reads —
//! descriptors, path tables against directories, "." and ".." records,
//! names and their order, extents inside the volume, depth, multi-extent
//! chains, Rock Ridge entries, the El Torito catalog — and for UDF the
//! anchors, both descriptor sequences, every descriptor tag and CRC met on
//! the way, extents inside the partition, and the integrity counts.
//!
//! This module dispatches: the checks of each format live with it
//! (`iso9660::validate`, `eltorito::validate`, `udf::validate`) and report
//! to one checker (`read::validation`).

use std::path::{Path, PathBuf};

use crate::codec::SECTOR;
use crate::error::{Error, Result};
use crate::iso9660::reader::find_sessions;
use crate::iso9660::validate::check_iso_session;
use crate::read::medium::{Medium, ReadSeek};
use crate::read::validation::Checker;
use crate::udf::validate::check_udf;

pub use crate::read::validation::{Problem, Severity, Validation, MAX_PROBLEMS};

/// IMAPI's `MsftIsoImageManager`: an image by path or stream, and `Validate`.
#[derive(Default)]
pub struct IsoImageManager {
    medium: Option<Medium>,
    path: Option<PathBuf>,
}

impl IsoImageManager {
    /// No image yet.
    pub fn new() -> IsoImageManager {
        IsoImageManager::default()
    }

    /// `SetPath`.
    pub fn set_path(&mut self, path: impl AsRef<Path>) -> Result<()> {
        self.medium = Some(Medium::open(path.as_ref())?);
        self.path = Some(path.as_ref().to_path_buf());
        Ok(())
    }

    /// `SetStream`.
    pub fn set_stream(&mut self, s: impl ReadSeek + 'static) -> Result<()> {
        self.medium = Some(Medium::from_stream(s)?);
        self.path = None;
        Ok(())
    }

    /// A medium already open (the disc in a recorder, read through the
    /// drive). Beyond IMAPI, whose manager takes a path or a stream.
    pub fn set_medium(&mut self, m: Medium) {
        self.medium = Some(m);
        self.path = None;
    }

    /// `Path`.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// `Validate`: the checks IMAPI makes (a whole number of 2048-byte
    /// sectors, fewer than 2^31 of them, a volume descriptor of ECMA-119 or
    /// ECMA-167), as IMAPI's errors.
    pub fn validate(&self) -> Result<()> {
        let m = self.medium.as_ref().ok_or(Error::ImageManagerNoImage)?;
        if m.len() % SECTOR as u64 != 0 {
            return Err(Error::ImageManagerNotAligned { size: m.len() });
        }
        if m.sectors() > i32::MAX as u64 {
            return Err(Error::ImageManagerTooBig {
                sectors: m.sectors(),
            });
        }
        if !has_volume_descriptor(m) {
            return Err(Error::ImageManagerNoValidVd);
        }
        Ok(())
    }

    /// Every problem [`validate`] finds (this crate's deeper checks).
    pub fn problems(&self) -> Result<Validation> {
        let m = self.medium.as_ref().ok_or(Error::ImageManagerNoImage)?;
        Ok(validate(m))
    }
}

/// Whether a volume recognition area starts at block 16.
fn has_volume_descriptor(m: &Medium) -> bool {
    let Ok(s) = m.read_sectors(16, 1, "volume descriptor") else {
        return false;
    };
    matches!(&s[1..6], b"CD001" | b"BEA01")
}

/// Checks everything this crate knows how to check.
pub fn validate(m: &Medium) -> Validation {
    let mut c = Checker::new(m);
    if m.len() % SECTOR as u64 != 0 {
        c.problem(
            "image",
            m.sectors(),
            format!(
                "{} bytes is not a whole number of 2048-byte sectors",
                m.len()
            ),
        );
    }
    if !has_volume_descriptor(m) {
        c.problem(
            "volume recognition sequence",
            16,
            "no ISO 9660 or UDF volume descriptor at block 16",
        );
        return c.finish();
    }
    let sessions = find_sessions(m);
    for &s in &sessions {
        check_iso_session(&mut c, s, s == *sessions.last().expect("a session"));
    }
    if sessions.is_empty() && is_iso_at(m, 16) {
        c.problem(
            "volume descriptor set",
            16,
            "ISO 9660 descriptors that do not form a readable set",
        );
        check_iso_session(&mut c, 0, true);
    }
    check_udf(&mut c);
    c.finish()
}

fn is_iso_at(m: &Medium, block: u64) -> bool {
    m.read_sectors(block, 1, "volume descriptor")
        .map(|s| &s[1..6] == b"CD001")
        .unwrap_or(false)
}
