//! The tray: START STOP UNIT, PREVENT ALLOW MEDIUM REMOVAL, MECHANISM
//! STATUS.

use imapi2_mmc::capacity::MechanismStatus;
use imapi2_mmc::cdb::Command;
use imapi2_mmc::transport::DataPhase;

use crate::drive::Tray;
use crate::error::SenseCode;

use super::data::give;
use super::fail::{Fail, Outcome};
use super::VirtualRecorder;

impl VirtualRecorder {
    /// The tray commands, routed here by `dispatch`.
    pub(super) fn tray_command(&mut self, cmd: Command, data: &mut DataPhase<'_>) -> Outcome {
        match cmd {
            Command::StartStopUnit {
                load_eject, start, ..
            } => self.start_stop(load_eject, start),
            Command::PreventAllowMediumRemoval {
                persistent,
                prevent,
            } => self.prevent_allow(persistent, prevent),
            Command::MechanismStatus { allocation_length } => {
                self.mechanism_status(usize::from(allocation_length), data)
            }
            other => unreachable!("{} is not routed to tray_command", other.name()),
        }
    }

    fn start_stop(&mut self, load_eject: bool, start: bool) -> Outcome {
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

    /// PREVENT ALLOW MEDIUM REMOVAL: the persistent prevention, or one
    /// prevention more or less.
    fn prevent_allow(&mut self, persistent: bool, prevent: bool) -> Outcome {
        if persistent {
            self.drive.persistent_prevent = prevent;
        } else if prevent {
            self.drive.prevent = self.drive.prevent.saturating_add(1);
        } else {
            self.drive.prevent = self.drive.prevent.saturating_sub(1);
        }
        Ok(0)
    }

    /// MECHANISM STATUS: the door and whether a long operation runs.
    fn mechanism_status(&mut self, allocation: usize, data: &mut DataPhase<'_>) -> Outcome {
        let reply = MechanismStatus {
            fault: false,
            changer_state: 0,
            current_slot: 0,
            mechanism_state: if self.busy.is_some() { 3 } else { 0 },
            door_open: self.drive.tray == Tray::Open,
            current_lba: 0,
            slots_available: 0,
            slots: Vec::new(),
        }
        .encode();
        Ok(give(data, &reply, allocation))
    }
}
