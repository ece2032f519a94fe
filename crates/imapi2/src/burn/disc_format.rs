//! `IDiscFormat2`: what every format object (data, erase, track-at-once,
//! raw CD) answers about a recorder and its medium (reference §6).

use imapi2_fs::MediaPhysicalType;
use imapi2_mmc::profile::Profile;

use crate::error::Result;
use crate::media::{self, state, MediaSnapshot};
use crate::recorder::DiscRecorder;

/// `IDiscFormat2`.
pub trait DiscFormat2 {
    /// The profiles this format writes.
    fn supported_profiles(&self) -> &'static [Profile];

    /// `SupportedMediaTypes`: the media types this format handles.
    fn supported_media_types(&self) -> Vec<MediaPhysicalType> {
        let mut v: Vec<MediaPhysicalType> = self
            .supported_profiles()
            .iter()
            .map(|p| media::physical_type_of(*p))
            .collect();
        v.dedup();
        v
    }

    /// `IsRecorderSupported`: the drive can write one of this format's
    /// profiles (its profile list, from GET CONFIGURATION; MMC-1 drives are
    /// CD writers).
    fn is_recorder_supported(&self, recorder: &mut DiscRecorder) -> Result<bool> {
        let profiles = match recorder.profiles(false) {
            Ok(p) => p,
            Err(crate::Error::GetConfigurationNotSupported) => vec![Profile::CdR, Profile::CdRw],
            Err(e) => return Err(e),
        };
        Ok(profiles
            .iter()
            .any(|p| self.supported_profiles().contains(p)))
    }

    /// `IsCurrentMediaSupported`: the medium in the drive is one this format
    /// writes (true implies the recorder is supported).
    fn is_current_media_supported(&self, recorder: &mut DiscRecorder) -> Result<bool> {
        let snap = recorder.media()?;
        Ok(snap.present
            && self.supported_profiles().contains(&snap.profile)
            && snap.state & state::UNSUPPORTED_MEDIA == 0)
    }
}

/// `MediaPhysicallyBlank`: the drive says blank (disc status 00b; a
/// DVD+RW never formatted).
pub fn physically_blank(snap: &MediaSnapshot, bg_unformatted: bool) -> bool {
    if media::is_overwritable(snap.profile) {
        return match snap.profile {
            Profile::DvdPlusRw | Profile::DvdPlusRwDl => bg_unformatted,
            _ => false,
        };
    }
    snap.present && snap.state & state::BLANK != 0
}

/// `MediaHeuristicallyBlank`: physically blank, or an overwritable medium
/// holding no file system (no ISO 9660 or UDF volume descriptor).
pub fn heuristically_blank(snap: &MediaSnapshot) -> bool {
    snap.present && snap.state & state::BLANK != 0
}
