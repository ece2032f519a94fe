//! What is in the drive: a snapshot of the medium taken with the commands of
//! mmc-notes §1.4 ("media detection"), and its IMAPI2 names
//! (`IMAPI_MEDIA_PHYSICAL_TYPE`, `IMAPI_FORMAT2_DATA_MEDIA_STATE`).
//!
//! 1. TEST UNIT READY: no medium, or the tray is open.
//! 2. GET CONFIGURATION (current features): the current profile, write
//!    protection.
//! 3. READ DISC INFORMATION: disc status, erasable, sessions, last track.
//! 4. READ TRACK INFORMATION of each track: the next writable address, free
//!    blocks, where each session starts and ends.
//! 5. Overwritable media: capacity from READ FORMAT CAPACITIES, and whether
//!    a file system is recorded (IMAPI's "heuristically blank").

use imapi2_fs::MediaPhysicalType;
use imapi2_mmc::cdb::{ConfigurationRequest, TrackAddressType};
use imapi2_mmc::disc_info::{DiscInformation, DiscStatus, SessionState};
use imapi2_mmc::drive::{Drive, MmcError, Readiness};
use imapi2_mmc::feature::{code, Configuration};
use imapi2_mmc::profile::Profile;
use imapi2_mmc::track_info::TrackInformation;
use imapi2_mmc::ScsiTransport;

/// `IMAPI_FORMAT2_DATA_MEDIA_STATE` flags.
pub mod state {
    /// Writes may reuse written areas (a single logical session).
    pub const OVERWRITE_ONLY: u32 = 0x0001;
    /// Never written, or erased.
    pub const BLANK: u32 = 0x0002;
    /// More sessions can be added.
    pub const APPENDABLE: u32 = 0x0004;
    /// Only one more session is possible.
    pub const FINAL_SESSION: u32 = 0x0008;
    /// Unusable; may need erasing.
    pub const DAMAGED: u32 = 0x0400;
    /// Must be erased before use.
    pub const ERASE_REQUIRED: u32 = 0x0800;
    /// The last session is open and partly written.
    pub const NON_EMPTY_SESSION: u32 = 0x1000;
    /// The medium or the drive is write-protected.
    pub const WRITE_PROTECTED: u32 = 0x2000;
    /// Closed: nothing more can be written.
    pub const FINALIZED: u32 = 0x4000;
    /// Not a medium the data writer can use.
    pub const UNSUPPORTED_MEDIA: u32 = 0x8000;

    /// The names of the flags set in `flags`, IMAPI's spelling.
    pub fn names(flags: u32) -> Vec<&'static str> {
        [
            (OVERWRITE_ONLY, "OVERWRITE_ONLY"),
            (BLANK, "BLANK"),
            (APPENDABLE, "APPENDABLE"),
            (FINAL_SESSION, "FINAL_SESSION"),
            (DAMAGED, "DAMAGED"),
            (ERASE_REQUIRED, "ERASE_REQUIRED"),
            (NON_EMPTY_SESSION, "NON_EMPTY_SESSION"),
            (WRITE_PROTECTED, "WRITE_PROTECTED"),
            (FINALIZED, "FINALIZED"),
            (UNSUPPORTED_MEDIA, "UNSUPPORTED_MEDIA"),
        ]
        .into_iter()
        .filter(|(f, _)| flags & f != 0)
        .map(|(_, n)| n)
        .collect()
    }
}

/// One track of the medium, as READ TRACK INFORMATION reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackSummary {
    /// Track number.
    pub number: u16,
    /// Session number.
    pub session: u16,
    /// First block.
    pub start: i32,
    /// Size in blocks.
    pub size: u32,
    /// Next writable address, when the track can be written.
    pub next_writable: Option<i32>,
    /// Free blocks.
    pub free: u32,
    /// Blank (nothing recorded).
    pub blank: bool,
    /// Damaged.
    pub damaged: bool,
}

/// A snapshot of the medium in a drive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaSnapshot {
    /// Whether a medium is present.
    pub present: bool,
    /// Whether the tray is open (when no medium is present and the drive says so).
    pub tray_open: bool,
    /// The current profile (`Profile::None` without a medium).
    pub profile: Profile,
    /// `IMAPI_FORMAT2_DATA_MEDIA_STATE` flags.
    pub state: u32,
    /// Write-protected (the Write Protect feature or the medium itself).
    pub write_protected: bool,
    /// Can be blanked (CD-RW, DVD-RW).
    pub erasable: bool,
    /// Sessions recorded (complete or not).
    pub sessions: u16,
    /// Total user blocks: recorded plus free on sequential media, the
    /// formatted capacity on overwritable media.
    pub total_sectors: u32,
    /// Blocks that can still be written.
    pub free_sectors: u32,
    /// Where the next session would start.
    pub next_writable_address: Option<i32>,
    /// Start of the last complete session (IMAPI's
    /// `StartAddressOfPreviousSession`; None on blank media).
    pub previous_session_start: Option<i32>,
    /// Last block of the last complete session
    /// (`LastWrittenAddressOfPreviousSession`).
    pub previous_session_last: Option<i32>,
    /// The tracks.
    pub tracks: Vec<TrackSummary>,
}

impl MediaSnapshot {
    /// A snapshot of an empty drive.
    pub fn none(tray_open: bool) -> MediaSnapshot {
        MediaSnapshot {
            present: false,
            tray_open,
            profile: Profile::None,
            state: 0,
            write_protected: false,
            erasable: false,
            sessions: 0,
            total_sectors: 0,
            free_sectors: 0,
            next_writable_address: None,
            previous_session_start: None,
            previous_session_last: None,
            tracks: Vec::new(),
        }
    }

    /// `IMAPI_MEDIA_PHYSICAL_TYPE` of the medium (`Unknown` without one).
    pub fn physical_type(&self) -> MediaPhysicalType {
        if self.present {
            physical_type_of(self.profile)
        } else {
            MediaPhysicalType::Unknown
        }
    }
}

/// The `IMAPI_MEDIA_PHYSICAL_TYPE` of an MMC profile (mmc-notes §1.3; the
/// one place the IMAPI type is derived from the drive's profile).
pub fn physical_type_of(p: Profile) -> MediaPhysicalType {
    use MediaPhysicalType as T;
    match p {
        Profile::None => T::Unknown,
        Profile::CdRom => T::CdRom,
        Profile::CdR => T::CdR,
        Profile::CdRw => T::CdRw,
        Profile::DvdRom => T::DvdRom,
        Profile::DvdRam => T::DvdRam,
        Profile::DvdPlusR => T::DvdPlusR,
        Profile::DvdPlusRw => T::DvdPlusRw,
        Profile::DvdPlusRDl => T::DvdPlusRDualLayer,
        Profile::DvdRSequential => T::DvdDashR,
        Profile::DvdRwRestrictedOverwrite | Profile::DvdRwSequential => T::DvdDashRw,
        Profile::DvdRDlSequential | Profile::DvdRDlLayerJump => T::DvdDashRDualLayer,
        Profile::NonRemovableDisk | Profile::RemovableDisk => T::Disk,
        Profile::DvdPlusRwDl => T::DvdPlusRwDualLayer,
        Profile::BdRom => T::BdRom,
        Profile::BdRSrm | Profile::BdRRrm => T::BdR,
        Profile::BdRe => T::BdRe,
        // HD DVD-ROM, HD DVD-R (and its dual layer), HD DVD-RAM.
        Profile::Other(0x0050) => T::HdDvdRom,
        Profile::Other(0x0051) | Profile::Other(0x0058) => T::HdDvdR,
        Profile::Other(0x0052) => T::HdDvdRam,
        Profile::Other(_) => T::Unknown,
    }
}

/// Whether a profile is written in place rather than in sessions.
pub fn is_overwritable(p: Profile) -> bool {
    matches!(
        p,
        Profile::DvdRam
            | Profile::DvdRwRestrictedOverwrite
            | Profile::DvdPlusRw
            | Profile::DvdPlusRwDl
            | Profile::BdRe
            | Profile::BdRRrm
    )
}

/// Every recorded session, oldest first: the first block of its first
/// recorded track and the last block of its last, as the TOC lists them.
pub fn recorded_sessions(snap: &MediaSnapshot) -> Vec<imapi2_fs::RecordedSession> {
    let mut out: Vec<(u16, i64, i64)> = Vec::new();
    for t in snap.tracks.iter().filter(|t| !t.blank) {
        let first = i64::from(t.start).max(0);
        let recorded = match t.next_writable {
            Some(nwa) => i64::from(nwa) - i64::from(t.start),
            None => i64::from(t.size),
        };
        let last = first + recorded - 1;
        match out.iter_mut().find(|s| s.0 == t.session) {
            Some(s) => {
                s.1 = s.1.min(first);
                s.2 = s.2.max(last);
            }
            None => out.push((t.session, first, last)),
        }
    }
    out.sort();
    out.into_iter()
        .filter(|s| s.2 >= s.1)
        .map(|(_, first, last)| imapi2_fs::RecordedSession {
            first: first as u32,
            last: last as u32,
        })
        .collect()
}

/// Takes a snapshot of the medium in `drive`.
pub fn snapshot<T: ScsiTransport>(drive: &mut Drive<T>) -> Result<MediaSnapshot, MmcError> {
    match drive.wait_until_ready_within(
        "TEST UNIT READY",
        std::time::Duration::from_secs(30),
        |_| {},
    )? {
        Readiness::NoMedium { tray_open } => return Ok(MediaSnapshot::none(tray_open)),
        Readiness::Busy { .. } | Readiness::Ready => {}
    }
    let config = match drive.get_configuration_raw(ConfigurationRequest::Current, 0) {
        Ok(b) => Configuration::decode(&b).map_err(|error| MmcError::Reply {
            command: "GET CONFIGURATION",
            error,
        })?,
        // An MMC-1 drive: a CD drive without GET CONFIGURATION.
        Err(e) if e.sense().is_some_and(|s| s.asc == 0x20) => Configuration {
            current_profile: Profile::Other(0xFFFF),
            features: Vec::new(),
            truncated: false,
        },
        Err(e) => return Err(e),
    };
    let mut profile = config.current_profile;
    // Feature 0004h only says the medium *can* be write-protected (its bits
    // are capabilities); the status is READ DISC STRUCTURE format C0h.
    let feature_protected = config
        .feature(code::WRITE_PROTECT)
        .is_some_and(|f| f.current)
        && drive
            .read_disc_structure(0, 0, 0, 0xC0, 0)
            .ok()
            .and_then(|b| imapi2_mmc::disc_structure::DiscStructure::decode(0, 0xC0, &b).ok())
            .is_some_and(|d| {
                matches!(d,
                imapi2_mmc::disc_structure::DiscStructure::WriteProtection(w)
                    if w.mswi || w.cwp || w.pwp || w.swpp)
            });
    let info = drive.read_disc_information()?;
    if profile == Profile::Other(0xFFFF) {
        // An MMC-1 drive is a CD drive: an erasable disc is a CD-RW, one
        // that can still be written a CD-R, and a closed one reads as a CD-ROM.
        profile = if info.erasable {
            Profile::CdRw
        } else if info.disc_status == DiscStatus::Complete && drive.read_atip().is_err() {
            // Only pressed discs have no ATIP; a finalized CD-R keeps it.
            Profile::CdRom
        } else {
            Profile::CdR
        };
    }
    let mut snap = MediaSnapshot::none(false);
    snap.present = true;
    let write_protected =
        feature_protected || matches!(profile, Profile::CdRom | Profile::DvdRom | Profile::BdRom);
    snap.profile = profile;
    snap.write_protected = write_protected;
    snap.erasable = info.erasable;
    snap.sessions = info.sessions;
    snap.tracks = read_tracks(drive, &info)?;
    let last = snap.tracks.last().cloned();
    if is_overwritable(profile) {
        // One logical track; the capacity is the formatted size.
        let total = drive
            .read_format_capacities()
            .ok()
            .map(|c| c.current.blocks)
            .or(last.as_ref().map(|t| t.size))
            .unwrap_or(0);
        snap.total_sectors = total;
        snap.free_sectors = total;
        snap.next_writable_address = Some(0);
        snap.state = state::OVERWRITE_ONLY;
        if heuristically_blank(drive) {
            snap.state |= state::BLANK;
        }
    } else {
        // Recorded extent: up to the end of the last recorded track (session
        // gaps included, as a reader sees the disc).
        let recorded: u32 = snap
            .tracks
            .iter()
            .filter(|t| !t.blank)
            .map(|t| (t.start.max(0) as u32).saturating_add(t.size))
            .max()
            .unwrap_or(0);
        let open = last.as_ref().filter(|t| t.next_writable.is_some());
        snap.free_sectors = open.map_or(0, |t| t.free);
        snap.next_writable_address = open.and_then(|t| t.next_writable);
        snap.total_sectors = match open {
            Some(t) => (t.next_writable.unwrap_or(t.start).max(0) as u32).saturating_add(t.free),
            None => recorded,
        };
        snap.state = match info.disc_status {
            DiscStatus::Empty => state::BLANK,
            DiscStatus::Incomplete => state::APPENDABLE,
            DiscStatus::Complete => state::FINALIZED,
            DiscStatus::Others => state::OVERWRITE_ONLY,
        };
        // An incomplete session holds written tracks or fragments (closed
        // or not): the invisible track after them is blank, not the session.
        if info.disc_status == DiscStatus::Incomplete
            && info.last_session_state == SessionState::Incomplete
        {
            snap.state |= state::NON_EMPTY_SESSION;
        }
        // DVD-R DL sequential and BD-R without multisession: one session only.
        if info.disc_status == DiscStatus::Empty && matches!(profile, Profile::DvdRDlSequential) {
            snap.state |= state::FINAL_SESSION;
        }
        // The last complete session: the first and last blocks of its tracks.
        let complete = if info.last_session_state == SessionState::Complete
            || info.disc_status == DiscStatus::Complete
        {
            info.sessions
        } else {
            info.sessions.saturating_sub(1)
        };
        let in_last: Vec<&TrackSummary> = snap
            .tracks
            .iter()
            .filter(|t| t.session == complete && !t.blank)
            .collect();
        snap.previous_session_start = in_last.first().map(|t| t.start);
        snap.previous_session_last = in_last.last().map(|t| t.start + t.size as i32 - 1);
    }
    if snap.tracks.iter().any(|t| t.damaged) {
        snap.state |= state::DAMAGED;
    }
    if !profile.is_writable() || matches!(profile, Profile::Other(_)) {
        snap.state |= state::UNSUPPORTED_MEDIA;
    }
    if write_protected {
        snap.state |= state::WRITE_PROTECTED;
    }
    Ok(snap)
}

/// Every track from the first to the last in the last session (the
/// invisible one included), at most 99 + a margin.
fn read_tracks<T: ScsiTransport>(
    drive: &mut Drive<T>,
    info: &DiscInformation,
) -> Result<Vec<TrackSummary>, MmcError> {
    let first = u16::from(info.first_track.max(1));
    let last = info.last_track_last_session.max(first).min(first + 255);
    let mut out = Vec::new();
    for n in first..=last {
        let t = match drive.read_track_information(TrackAddressType::Track, u32::from(n)) {
            Ok(t) => t,
            // Some drives refuse the invisible track of a full disc.
            Err(e) if e.sense().is_some_and(|s| s.asc == 0x24) => break,
            // Read-only drives need not have the command (QEMU's CD-ROMs do
            // not): the TOC tells the tracks of a recorded disc.
            Err(e) if out.is_empty() && e.sense().is_some_and(|s| s.asc == 0x20) => {
                return tracks_from_toc(drive, info);
            }
            Err(e) => return Err(e),
        };
        out.push(summary(&t));
    }
    Ok(out)
}

/// The tracks of a recorded disc from READ TOC: each runs to the next
/// entry (the lead-out last); sessions from the raw TOC where the drive has
/// it, else every track in the disc's last session.
fn tracks_from_toc<T: ScsiTransport>(
    drive: &mut Drive<T>,
    info: &DiscInformation,
) -> Result<Vec<TrackSummary>, MmcError> {
    let toc = drive.read_toc()?;
    let sessions: Vec<(u8, u16)> = drive
        .read_raw_toc()
        .map(|raw| {
            raw.entries
                .iter()
                .filter(|e| (1..=99).contains(&e.point))
                .map(|e| (e.point, u16::from(e.session)))
                .collect()
        })
        .unwrap_or_default();
    let mut out = Vec::new();
    for w in toc.entries.windows(2) {
        if w[0].track == imapi2_mmc::toc::LEAD_OUT_TRACK {
            break;
        }
        let start = w[0].address.lba();
        let end = w[1].address.lba();
        let session = sessions
            .iter()
            .find(|(t, _)| *t == w[0].track)
            .map_or(info.sessions.max(1), |&(_, s)| s);
        out.push(TrackSummary {
            number: u16::from(w[0].track),
            session,
            start,
            size: end.saturating_sub(start).max(0) as u32,
            next_writable: None,
            free: 0,
            blank: false,
            damaged: false,
        });
    }
    Ok(out)
}

fn summary(t: &TrackInformation) -> TrackSummary {
    TrackSummary {
        number: t.track_number,
        session: t.session_number,
        start: t.start,
        size: t.size,
        // Some drives report −150 on blank CD: never before the track start.
        next_writable: t.nwa().map(|n| n.max(t.start)),
        free: t.free_blocks,
        blank: t.blank,
        damaged: t.damage && !t.nwa_valid,
    }
}

/// IMAPI's `MediaHeuristicallyBlank` for overwritable media: no ISO 9660
/// or UDF volume descriptor at block 16 or 256.
fn heuristically_blank<T: ScsiTransport>(drive: &mut Drive<T>) -> bool {
    let mut buf = vec![0u8; 2048];
    for lba in [16u32, 17, 18] {
        if drive.read10(lba, &mut buf).is_err() {
            return true;
        }
        let id = &buf[1..6];
        if id == b"CD001" || id == b"BEA01" || id == b"NSR02" || id == b"NSR03" {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imapi_types_follow_the_table() {
        use MediaPhysicalType as T;
        for (p, t, v) in [
            (Profile::DvdPlusRDl, T::DvdPlusRDualLayer, 8),
            (Profile::DvdRwSequential, T::DvdDashRw, 10),
            (Profile::DvdRwRestrictedOverwrite, T::DvdDashRw, 10),
            (Profile::DvdRDlLayerJump, T::DvdDashRDualLayer, 11),
            (Profile::RemovableDisk, T::Disk, 12),
            (Profile::DvdPlusRwDl, T::DvdPlusRwDualLayer, 13),
            (Profile::BdRRrm, T::BdR, 18),
            (Profile::BdRe, T::BdRe, 19),
            (Profile::Other(0x0051), T::HdDvdR, 15),
            (Profile::Other(0x1234), T::Unknown, 0),
        ] {
            assert_eq!(physical_type_of(p), t, "{p}");
            assert_eq!(t as u32, v, "{p}");
        }
        assert_eq!(T::DvdPlusR.imapi_name(), "IMAPI_MEDIA_TYPE_DVDPLUSR");
    }
}
