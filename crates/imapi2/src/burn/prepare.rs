//! What every burn does around its writes (mmc-notes §1.4, "common
//! prologue"): exclusive access with the client's name and the tray locked
//! for the whole operation — released on every way out, errors and panics
//! included — and the write speed set in the drive.

use std::ops::{Deref, DerefMut};

use imapi2_mmc::performance::RotationControl;
use imapi2_mmc::profile::MediaFamily;
use imapi2_mmc::streaming::StreamingPerformance;

use crate::error::Result;
use crate::recorder::DiscRecorder;
use crate::speed::WriteSpeedDescriptor;

/// A recorder held for one operation: exclusive access taken under the
/// client's name, the tray locked. Dropping it unlocks the tray and releases
/// the access, whatever happened.
pub struct Held<'a> {
    recorder: &'a mut DiscRecorder,
    tray_locked: bool,
}

impl<'a> Held<'a> {
    /// Takes exclusive access as `client_name` and locks the tray.
    pub fn take(recorder: &'a mut DiscRecorder, client_name: &str) -> Result<Held<'a>> {
        recorder.acquire_exclusive_access(false, client_name)?;
        let mut held = Held {
            recorder,
            tray_locked: false,
        };
        // A drive that cannot lock its tray (a slot loader) still burns.
        held.tray_locked = held.recorder.drive().prevent_removal(true).is_ok();
        Ok(held)
    }
}

impl Deref for Held<'_> {
    type Target = DiscRecorder;
    fn deref(&self) -> &DiscRecorder {
        self.recorder
    }
}

impl DerefMut for Held<'_> {
    fn deref_mut(&mut self) -> &mut DiscRecorder {
        self.recorder
    }
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        if self.tray_locked {
            let _ = self.recorder.drive().prevent_removal(false);
        }
        self.recorder.release_exclusive_access();
    }
}

/// The speed a drive settles on for a request (IMAPI's `SetWriteSpeed`):
/// the fastest listed speed not above the request (−1: the fastest), with
/// the rotation asked for when listed. Returns the chosen descriptor and
/// whether speed and rotation had to be adjusted.
pub fn choose_speed(
    speeds: &[WriteSpeedDescriptor],
    requested: i32,
    pure_cav: bool,
) -> Option<(WriteSpeedDescriptor, bool, bool)> {
    let rotation_ok: Vec<&WriteSpeedDescriptor> = speeds
        .iter()
        .filter(|d| d.rotation_type_is_pure_cav == pure_cav)
        .collect();
    let pool: Vec<&WriteSpeedDescriptor> = if rotation_ok.is_empty() {
        speeds.iter().collect()
    } else {
        rotation_ok
    };
    let fastest = pool.iter().max_by_key(|d| d.write_speed).copied()?;
    let chosen = if requested < 0 {
        fastest
    } else {
        let want = requested as u32;
        pool.iter()
            .filter(|d| d.write_speed <= want)
            .max_by_key(|d| d.write_speed)
            .or_else(|| pool.iter().min_by_key(|d| d.write_speed))
            .copied()?
    };
    let speed_adjusted = requested >= 0 && chosen.write_speed != requested as u32;
    let rotation_adjusted = chosen.rotation_type_is_pure_cav != pure_cav;
    Some((*chosen, speed_adjusted, rotation_adjusted))
}

/// Sets `speed` in the drive: SET STREAMING over the whole medium, and on CD
/// SET CD SPEED where SET STREAMING is refused (older CD writers). A drive
/// that refuses both keeps its own speed: that is not an error.
pub fn apply_speed(
    recorder: &mut DiscRecorder,
    speed: &WriteSpeedDescriptor,
    family: MediaFamily,
    end_lba: u32,
) -> bool {
    let mut perf = StreamingPerformance::speeds(end_lba, speed.kbps, speed.kbps);
    perf.wrc = if speed.rotation_type_is_pure_cav {
        RotationControl::Cav
    } else {
        RotationControl::Clv
    };
    if recorder.drive().set_streaming(&perf).is_ok() {
        return true;
    }
    if family == MediaFamily::Cd {
        // Drives round down: a few kB/s more keeps the speed asked for.
        let kbps = u16::try_from(speed.kbps + 5).unwrap_or(u16::MAX);
        return recorder.drive().set_cd_speed(u16::MAX, kbps).is_ok();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(speed: u32, cav: bool) -> WriteSpeedDescriptor {
        WriteSpeedDescriptor {
            media_type: imapi2_fs::MediaPhysicalType::DvdPlusR,
            rotation_type_is_pure_cav: cav,
            write_speed: speed,
            kbps: speed * 2048 / 1000,
        }
    }

    #[test]
    fn the_closest_speed_not_above_the_request_is_chosen() {
        let list = [d(680 * 16, false), d(680 * 8, false), d(680 * 4, false)];
        let (c, s, r) = choose_speed(&list, -1, false).unwrap();
        assert_eq!((c.write_speed, s, r), (680 * 16, false, false));
        let (c, s, _) = choose_speed(&list, 680 * 8, false).unwrap();
        assert_eq!((c.write_speed, s), (680 * 8, false));
        let (c, s, _) = choose_speed(&list, 680 * 10, false).unwrap();
        assert_eq!((c.write_speed, s), (680 * 8, true), "S_IMAPI_SPEEDADJUSTED");
        let (c, s, _) = choose_speed(&list, 100, false).unwrap();
        assert_eq!(
            (c.write_speed, s),
            (680 * 4, true),
            "below every speed: the slowest"
        );
        let (_, _, r) = choose_speed(&list, -1, true).unwrap();
        assert!(r, "no CAV speed listed: S_IMAPI_ROTATIONADJUSTED");
        assert!(choose_speed(&[], -1, false).is_none());
    }
}
