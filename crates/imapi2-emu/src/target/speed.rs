//! Speeds: the write speeds of the medium in the drive.

use crate::media::Medium;

use super::VirtualRecorder;

impl VirtualRecorder {
    pub(super) fn speeds(&self) -> Vec<u32> {
        let kind = self
            .usable_medium()
            .map(Medium::kind)
            .unwrap_or(crate::media::MediaKind::CdR);
        self.drive.personality.write_speeds(kind)
    }
}
