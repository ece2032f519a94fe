//! The tray: START STOP UNIT and PREVENT ALLOW MEDIUM REMOVAL.
use crate::cdb::Command;
use crate::transport::{DataPhase, ScsiTransport};

use super::error::Result;
use super::retry::Class;
use super::Drive;

impl<T: ScsiTransport> Drive<T> {
    /// START STOP UNIT: eject (open the tray) or load (close it).
    pub fn load_eject(&mut self, load: bool) -> Result<()> {
        let cmd = Command::StartStopUnit {
            immed: false,
            format_layer: 0,
            power_condition: 0,
            fl: false,
            load_eject: true,
            start: load,
        };
        self.run(&cmd, DataPhase::None, Class::Short).map(|_| ())
    }

    /// PREVENT ALLOW MEDIUM REMOVAL: lock or unlock the tray.
    pub fn prevent_removal(&mut self, prevent: bool) -> Result<()> {
        let cmd = Command::PreventAllowMediumRemoval {
            persistent: false,
            prevent,
        };
        self.run(&cmd, DataPhase::None, Class::Short).map(|_| ())
    }
}
