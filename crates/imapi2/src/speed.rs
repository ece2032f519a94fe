//! `IWriteSpeedDescriptor`: the write speeds a drive offers for the medium
//! in it, in IMAPI's unit (sectors per second), from GET PERFORMANCE type
//! 03h, else from the capabilities mode page (2Ah) as older drives report
//! them (mmc-notes §1.4, "Write speeds").

use imapi2_fs::MediaPhysicalType;
use imapi2_mmc::drive::{Drive, MmcError};
use imapi2_mmc::mode::{ModePage, PageControl};
use imapi2_mmc::performance::{kbps_to_sectors_per_second, RotationControl};
use imapi2_mmc::profile::MediaFamily;
use imapi2_mmc::profile::Profile;
use imapi2_mmc::ScsiTransport;

use crate::media;

/// One write speed for the current medium.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteSpeedDescriptor {
    /// `MediaType`: the `IMAPI_MEDIA_PHYSICAL_TYPE` it applies to.
    pub media_type: MediaPhysicalType,
    /// `RotationTypeIsPureCAV`.
    pub rotation_type_is_pure_cav: bool,
    /// `WriteSpeed`, sectors per second (75 per 1× on CD, 680 on DVD,
    /// 2195 on BD).
    pub write_speed: u32,
    /// The same speed in kB/s, as the drive reported it.
    pub kbps: u32,
}

/// The write speeds for the medium in `drive`, fastest first, without
/// duplicates. Empty when there is no medium or it cannot be written.
pub fn descriptors<T: ScsiTransport>(
    drive: &mut Drive<T>,
) -> Result<Vec<WriteSpeedDescriptor>, MmcError> {
    let snap = media::snapshot(drive)?;
    if !snap.present || !snap.profile.is_writable() {
        return Ok(Vec::new());
    }
    let family = snap.profile.family().unwrap_or(MediaFamily::Cd);
    let media_type = media::physical_type_of(snap.profile);
    let mut out: Vec<WriteSpeedDescriptor> = match drive.write_speeds() {
        Ok(list) => list
            .descriptors
            .iter()
            .map(|d| WriteSpeedDescriptor {
                media_type,
                rotation_type_is_pure_cav: d.wrc == RotationControl::Cav,
                write_speed: kbps_to_sectors_per_second(d.write_speed, family),
                kbps: d.write_speed,
            })
            .collect(),
        Err(e) if e.sense().is_some_and(|s| s.asc == 0x20 || s.asc == 0x24) => Vec::new(),
        Err(e) => return Err(e),
    };
    out.retain(|d| d.write_speed > 0);
    if out.is_empty() {
        out = from_capabilities(drive, media_type, family)?;
        out.retain(|d| d.write_speed > 0);
    }
    out.sort_by_key(|d| {
        (
            std::cmp::Reverse(d.write_speed),
            d.rotation_type_is_pure_cav,
        )
    });
    out.dedup_by_key(|d| (d.write_speed, d.rotation_type_is_pure_cav));
    Ok(out)
}

/// Speeds from mode page 2Ah (its descriptor list, else its maximum).
fn from_capabilities<T: ScsiTransport>(
    drive: &mut Drive<T>,
    media_type: MediaPhysicalType,
    family: MediaFamily,
) -> Result<Vec<WriteSpeedDescriptor>, MmcError> {
    let ModePage::Capabilities(c) = drive.mode_sense(0x2A, PageControl::Current)? else {
        return Ok(Vec::new());
    };
    let mut speeds: Vec<(u32, bool)> = c
        .write_speeds
        .iter()
        .map(|s| (u32::from(s.speed), s.rotation == RotationControl::Cav))
        .collect();
    if speeds.is_empty() && c.max_write_speed > 0 {
        speeds.push((u32::from(c.max_write_speed), false));
    }
    Ok(speeds
        .into_iter()
        .map(|(kbps, cav)| WriteSpeedDescriptor {
            media_type,
            rotation_type_is_pure_cav: cav,
            write_speed: kbps_to_sectors_per_second(kbps, family),
            kbps,
        })
        .collect())
}

/// The media family of a profile, for speed units (CD when unknown).
pub fn family_of(p: Profile) -> MediaFamily {
    p.family().unwrap_or(MediaFamily::Cd)
}
