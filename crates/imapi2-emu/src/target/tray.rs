//! The tray: START STOP UNIT, PREVENT ALLOW MEDIUM REMOVAL, MECHANISM
//! STATUS.

use crate::error::SenseCode;

use super::fail::{Fail, Outcome};
use super::VirtualRecorder;

impl VirtualRecorder {
    pub(super) fn start_stop(&mut self, load_eject: bool, start: bool) -> Outcome {
        if !load_eject {
            return Ok(0);
        }
        if start {
            self.close_tray_inner();
            return Ok(0);
        }
        if self.drive.locked() {
            return Err(SenseCode::REMOVAL_PREVENTED.into());
        }
        if let Some(s) = self.busy_sense() {
            return Err(Fail::Check(s));
        }
        self.open_tray_inner();
        Ok(0)
    }
}
