//! IMAPI's multisession objects for the disc in a recorder (reference §12,
//! §20.6): `MsftMultisessionSequential` (`IMultisessionSequential2`) for
//! write-once media and `MsftMultisessionRandomWrite`
//! (`IMultisessionRandomWrite`) for overwritable ones, as
//! `IDiscFormat2Data::MultisessionInterfaces` returns them.
//!
//! Their figures come from the drive's own account (READ DISC INFORMATION
//! and READ TRACK INFORMATION, through [`MediaSnapshot`]) on sequential
//! media; on overwritable media, where the drive knows one session only,
//! from the file system recorded there (its volume space), as IMAPI finds
//! the logical session by parsing the volume descriptors. Each one becomes
//! the file-system image's [`imapi2_fs::Multisession`]: the medium read back
//! through [`DiscReader`] (with the session starts the drive reports, so
//! that readers find the newest session the way the Linux kernel does), the
//! next session's address, the room left.

use std::io::{self, Read, Seek, SeekFrom};
use std::sync::{Arc, Mutex};

use imapi2_fs::{Medium, Multisession, MultisessionKind};
use imapi2_mmc::profile::Profile;

use crate::disc_reader::DiscReader;
use crate::error::{Error, Result};
use crate::master::DiscMaster;
use crate::media::{self, state, MediaSnapshot};
use crate::recorder::DiscRecorder;

/// `IMultisessionSequential2`: the next session of a write-once medium
/// (CD-R, CD-RW written in sessions, DVD±R, DVD+R DL, DVD-RW sequential,
/// BD-R).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MultisessionSequential {
    /// `IsSupportedOnCurrentMediaState`: the medium holds a closed session
    /// and takes another.
    pub supported: bool,
    /// `InUse`.
    pub in_use: bool,
    /// `ImportRecorder`: the unique id of the recorder the previous session
    /// is read from.
    pub import_recorder: String,
    /// `IsFirstDataSession`.
    pub is_first_data_session: bool,
    /// `StartAddressOfPreviousSession`.
    pub start_address_of_previous_session: i32,
    /// `LastWrittenAddressOfPreviousSession`.
    pub last_written_address_of_previous_session: i32,
    /// `NextWritableAddress`: where the next session's data starts (the
    /// drive's own figure, past the lead-out and lead-in of CD sessions).
    pub next_writable_address: i32,
    /// `FreeSectorsOnMedia`.
    pub free_sectors_on_media: i32,
    /// `WriteUnitSize` (`IMultisessionSequential2`) in sectors.
    pub write_unit_size: i32,
    /// First block of every session on the medium, oldest first.
    pub session_starts: Vec<u32>,
}

/// `IMultisessionRandomWrite`: the next logical session of an overwritable
/// medium (DVD+RW, DVD-RW restricted overwrite, DVD-RAM, BD-RE).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MultisessionRandomWrite {
    /// `IsSupportedOnCurrentMediaState`: the medium is formatted and holds
    /// a file system to add to.
    pub supported: bool,
    /// `InUse`.
    pub in_use: bool,
    /// `ImportRecorder`.
    pub import_recorder: String,
    /// `WriteUnitSize` in sectors.
    pub write_unit_size: i32,
    /// `LastWrittenAddress`: the last block the recorded file system uses
    /// (-1 when none is recorded).
    pub last_written_address: i32,
    /// `TotalSectorsOnMedia`.
    pub total_sectors_on_media: i32,
}

/// One of the objects `MultisessionInterfaces` returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MultisessionInterface {
    /// Write-once media.
    Sequential(MultisessionSequential),
    /// Overwritable media.
    RandomWrite(MultisessionRandomWrite),
}

impl MultisessionInterface {
    /// The IMAPI interface name.
    pub fn imapi_name(&self) -> &'static str {
        match self {
            MultisessionInterface::Sequential(_) => "IMultisessionSequential",
            MultisessionInterface::RandomWrite(_) => "IMultisessionRandomWrite",
        }
    }

    /// `IsSupportedOnCurrentMediaState`.
    pub fn is_supported_on_current_media_state(&self) -> bool {
        match self {
            MultisessionInterface::Sequential(s) => s.supported,
            MultisessionInterface::RandomWrite(r) => r.supported,
        }
    }

    /// `InUse`.
    pub fn in_use(&self) -> bool {
        match self {
            MultisessionInterface::Sequential(s) => s.in_use,
            MultisessionInterface::RandomWrite(r) => r.in_use,
        }
    }

    /// Sets `InUse`.
    pub fn set_in_use(&mut self, on: bool) {
        match self {
            MultisessionInterface::Sequential(s) => s.in_use = on,
            MultisessionInterface::RandomWrite(r) => r.in_use = on,
        }
    }

    /// `ImportRecorder`: the unique id of the recorder.
    pub fn import_recorder(&self) -> &str {
        match self {
            MultisessionInterface::Sequential(s) => &s.import_recorder,
            MultisessionInterface::RandomWrite(r) => &r.import_recorder,
        }
    }

    /// The medium in the import recorder, read through a handle of its own
    /// (as IMAPI's file-system image reads `ImportRecorder`), with the
    /// session starts the drive reports now.
    pub fn open_import_medium(&self) -> Result<Medium> {
        let recorder = DiscMaster::new().open(self.import_recorder())?;
        DiscReader::new(recorder)?.into_medium()
    }

    /// The file-system image's multisession state for this object, reading
    /// the earlier sessions from `medium` (see
    /// [`MultisessionInterface::open_import_medium`]).
    pub fn to_fs(&self, medium: Medium) -> Result<Multisession> {
        let unsupported = || Error::Burn {
            device: self.import_recorder().to_string(),
            reason: format!(
                "{} is not supported on the medium in its current state",
                self.imapi_name()
            ),
            code: IMAPI_E_NO_COMPATIBLE_MULTISESSION_TYPE,
        };
        match self {
            MultisessionInterface::Sequential(s) => {
                if !s.supported {
                    return Err(unsupported());
                }
                Ok(Multisession {
                    medium,
                    kind: MultisessionKind::Sequential,
                    is_first_data_session: s.is_first_data_session,
                    start_of_previous_session: s.start_address_of_previous_session.max(0) as u32,
                    last_written_address: s.last_written_address_of_previous_session.max(0) as u32,
                    next_writable_address: s.next_writable_address.max(0) as u32,
                    free_sectors: s.free_sectors_on_media.max(0) as u32,
                    total_sectors: (s.next_writable_address.max(0) as u32)
                        .saturating_add(s.free_sectors_on_media.max(0) as u32),
                    write_unit_size: s.write_unit_size.max(1) as u32,
                })
            }
            MultisessionInterface::RandomWrite(r) => {
                if !r.supported {
                    return Err(unsupported());
                }
                let total = r.total_sectors_on_media.max(0) as u32;
                let mut ms =
                    Multisession::for_image(&medium, MultisessionKind::RandomWrite, Some(total))?;
                ms.write_unit_size = r.write_unit_size.max(1) as u32;
                Ok(ms)
            }
        }
    }
}

/// `IMAPI_E_NO_COMPATIBLE_MULTISESSION_TYPE`.
pub const IMAPI_E_NO_COMPATIBLE_MULTISESSION_TYPE: u32 = 0xC0AA_B15C;

/// Sectors of one write unit on a profile: a CD sector, a DVD ECC block of
/// 16, a BD cluster of 32.
pub fn write_unit_of(profile: Profile) -> i32 {
    match profile {
        Profile::CdR | Profile::CdRw => 1,
        Profile::BdRSrm | Profile::BdRRrm | Profile::BdRe => 32,
        _ => 16,
    }
}

/// The sequential object for a snapshot of a write-once medium (`None` for
/// an overwritable one). Pure: the figures are the drive's.
pub fn sequential_for(
    snap: &MediaSnapshot,
    import_recorder: &str,
) -> Option<MultisessionSequential> {
    if !snap.present || media::is_overwritable(snap.profile) || !snap.profile.is_writable() {
        return None;
    }
    let session_starts: Vec<u32> = media::recorded_sessions(snap)
        .iter()
        .map(|s| s.first)
        .collect();
    let closed = snap.state & (state::BLANK | state::FINALIZED | state::NON_EMPTY_SESSION) == 0;
    let supported = closed && snap.state & state::APPENDABLE != 0 && !session_starts.is_empty();
    Some(MultisessionSequential {
        supported,
        in_use: false,
        import_recorder: import_recorder.to_string(),
        is_first_data_session: snap.previous_session_start.is_none(),
        start_address_of_previous_session: snap.previous_session_start.unwrap_or(-1),
        last_written_address_of_previous_session: snap.previous_session_last.unwrap_or(-1),
        next_writable_address: snap.next_writable_address.unwrap_or(-1),
        free_sectors_on_media: snap.free_sectors.min(i32::MAX as u32) as i32,
        write_unit_size: write_unit_of(snap.profile),
        session_starts,
    })
}

/// The random-write object for a snapshot of an overwritable medium whose
/// recorded file system ends at `last_written` (`None` for a write-once
/// medium).
pub fn random_write_for(
    snap: &MediaSnapshot,
    import_recorder: &str,
    last_written: Option<u32>,
) -> Option<MultisessionRandomWrite> {
    if !snap.present || !media::is_overwritable(snap.profile) {
        return None;
    }
    let formatted = snap.state & state::BLANK == 0 || last_written.is_some();
    Some(MultisessionRandomWrite {
        supported: formatted && last_written.is_some(),
        in_use: false,
        import_recorder: import_recorder.to_string(),
        write_unit_size: write_unit_of(snap.profile),
        last_written_address: last_written.map_or(-1, |l| l.min(i32::MAX as u32) as i32),
        total_sectors_on_media: snap.total_sectors.min(i32::MAX as u32) as i32,
    })
}

/// The last block the file system recorded on an overwritable medium uses,
/// read through `recorder`, which is given back whatever happens; `None`
/// when no file system is found there.
pub fn last_written_of(recorder: DiscRecorder, total: u32) -> (DiscRecorder, Option<u32>) {
    let slot = Arc::new(Mutex::new(None::<DiscReader>));
    let reader = match DiscReader::try_new(recorder) {
        Ok(r) => r,
        Err(refused) => return (refused.0, None),
    };
    *slot.lock().unwrap_or_else(|p| p.into_inner()) = Some(reader);
    let found = Medium::from_stream(Lent(slot.clone()))
        .ok()
        .and_then(|m| Multisession::for_image(&m, MultisessionKind::RandomWrite, Some(total)).ok())
        .filter(|ms| !ms.is_first_data_session)
        .map(|ms| ms.last_written_address);
    let reader = slot
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .take()
        .expect("the reader is still lent");
    (reader.into_recorder(), found)
}

/// A reader lent to a medium for a moment, taken back afterwards.
struct Lent(Arc<Mutex<Option<DiscReader>>>);

impl Lent {
    fn with<T>(&self, f: impl FnOnce(&mut DiscReader) -> io::Result<T>) -> io::Result<T> {
        let mut g = self.0.lock().unwrap_or_else(|p| p.into_inner());
        match g.as_mut() {
            Some(r) => f(r),
            None => Err(io::Error::other("the recorder was given back")),
        }
    }
}

impl Read for Lent {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.with(|r| r.read(buf))
    }
}

impl Seek for Lent {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        self.with(|r| r.seek(to))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::TrackSummary;

    fn track(number: u16, session: u16, start: i32, size: u32, blank: bool) -> TrackSummary {
        TrackSummary {
            number,
            session,
            start,
            size,
            next_writable: blank.then_some(start),
            free: if blank { 1000 } else { 0 },
            blank,
            damaged: false,
        }
    }

    fn dvd_plus_r(state: u32, tracks: Vec<TrackSummary>) -> MediaSnapshot {
        MediaSnapshot {
            present: true,
            profile: Profile::DvdPlusR,
            state,
            sessions: tracks.iter().map(|t| t.session).max().unwrap_or(0),
            total_sectors: 2_295_104,
            free_sectors: 2_000_000,
            next_writable_address: Some(295_104),
            previous_session_start: Some(1000),
            previous_session_last: Some(2999),
            tracks,
            ..MediaSnapshot::none(false)
        }
    }

    #[test]
    fn sequential_figures_are_the_drives() {
        let snap = dvd_plus_r(
            state::APPENDABLE,
            vec![
                track(1, 1, 0, 900, false),
                track(2, 2, 1000, 2000, false),
                track(3, 3, 295_104, 2_000_000, true),
            ],
        );
        let s = sequential_for(&snap, "virtual:/r").unwrap();
        assert!(s.supported);
        assert!(!s.is_first_data_session);
        assert_eq!(s.session_starts, vec![0, 1000]);
        assert_eq!(s.start_address_of_previous_session, 1000);
        assert_eq!(s.last_written_address_of_previous_session, 2999);
        assert_eq!(s.next_writable_address, 295_104);
        assert_eq!(s.write_unit_size, 16);
        assert!(random_write_for(&snap, "virtual:/r", None).is_none());
    }

    #[test]
    fn blank_finalized_and_open_media_take_no_next_session() {
        for st in [
            state::BLANK | state::APPENDABLE,
            state::FINALIZED,
            state::APPENDABLE | state::NON_EMPTY_SESSION,
        ] {
            let snap = dvd_plus_r(st, vec![track(1, 1, 0, 900, false)]);
            assert!(!sequential_for(&snap, "r").unwrap().supported, "{st:x}");
        }
    }

    #[test]
    fn random_write_needs_a_recorded_file_system() {
        let mut snap = dvd_plus_r(state::OVERWRITE_ONLY, vec![]);
        snap.profile = Profile::BdRe;
        snap.total_sectors = 12_219_392;
        let none = random_write_for(&snap, "r", None).unwrap();
        assert!(!none.supported);
        assert_eq!(none.last_written_address, -1);
        let some = random_write_for(&snap, "r", Some(5000)).unwrap();
        assert!(some.supported);
        assert_eq!(some.last_written_address, 5000);
        assert_eq!(some.write_unit_size, 32);
        assert!(sequential_for(&snap, "r").is_none());
    }
}
