//! MODE SENSE and MODE SELECT: pages 01h and 05h.

use imapi2_mmc::cdb::Command;
use imapi2_mmc::mode::{ModePage, ModeParameters, PageControl};
use imapi2_mmc::sense::Sense;
use imapi2_mmc::transport::DataPhase;

use crate::drive::DriveState;
use crate::error::SenseCode;
use crate::media::Medium;
use crate::replies;

use super::data::{give, parameters};
use super::fail::{Fail, Outcome};
use super::VirtualRecorder;

impl VirtualRecorder {
    /// MODE SENSE and MODE SELECT, routed here by `dispatch`.
    pub(super) fn mode_command(&mut self, cmd: Command, data: &mut DataPhase<'_>) -> Outcome {
        match cmd {
            Command::ModeSense10 {
                page_control,
                page_code,
                subpage,
                allocation_length,
                ..
            } => self.mode_sense(
                page_control,
                page_code,
                subpage,
                usize::from(allocation_length),
                true,
                data,
            ),
            Command::ModeSense6 {
                page_control,
                page_code,
                subpage,
                allocation_length,
                ..
            } => self.mode_sense(
                page_control,
                page_code,
                subpage,
                usize::from(allocation_length),
                false,
                data,
            ),
            Command::ModeSelect10 {
                pf,
                sp,
                parameter_length,
            } => self.mode_select_command(pf, sp, usize::from(parameter_length), true, data),
            Command::ModeSelect6 {
                pf,
                sp,
                parameter_length,
            } => self.mode_select_command(pf, sp, usize::from(parameter_length), false, data),
            other => unreachable!("{} is not routed to mode_command", other.name()),
        }
    }

    fn mode_select(
        &mut self,
        pf: bool,
        sp: bool,
        list: &[u8],
        ten: bool,
    ) -> std::result::Result<(), Fail> {
        if !pf || sp {
            return Err(SenseCode::INVALID_FIELD_IN_CDB.into());
        }
        if list.is_empty() {
            return Ok(());
        }
        let decoded = if ten {
            ModeParameters::decode10(list)
        } else {
            ModeParameters::decode6(list)
        };
        let params = decoded.map_err(|_| Fail::from(SenseCode::PARAMETER_LIST_LENGTH))?;
        if params.truncated {
            return Err(SenseCode::PARAMETER_LIST_LENGTH.into());
        }
        let kind = self.usable_medium().map(Medium::kind);
        let header = if ten { 8 } else { 4 } + params.block_descriptors.len();
        for page in &params.pages {
            match page {
                ModePage::WriteParameters(p) => {
                    if let Err(byte) = DriveState::check_write_parameters(p, kind) {
                        return Err(Fail::Check(Sense::invalid_parameter_field(
                            (header as u16) + byte,
                            None,
                        )));
                    }
                }
                ModePage::ErrorRecovery(_) => {}
                _ => {
                    return Err(Fail::Check(Sense::invalid_parameter_field(
                        header as u16,
                        None,
                    )))
                }
            }
        }
        for page in params.pages {
            match page {
                ModePage::WriteParameters(mut p) => {
                    p.ps = false;
                    if !p.test_write {
                        self.shadow = None;
                    }
                    self.drive.write_parameters = p;
                }
                ModePage::ErrorRecovery(mut p) => {
                    p.ps = false;
                    self.drive.error_recovery = p;
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// MODE SENSE(10) (`ten`) or MODE SENSE(6): the pages asked, no block
    /// descriptor, no subpages.
    fn mode_sense(
        &mut self,
        page_control: PageControl,
        page_code: u8,
        subpage: u8,
        allocation: usize,
        ten: bool,
        data: &mut DataPhase<'_>,
    ) -> Outcome {
        if subpage != 0 {
            return Err(SenseCode::INVALID_FIELD_IN_CDB.into());
        }
        let pages =
            replies::mode_pages(&self.drive, self.usable_medium(), page_code, page_control)?;
        let params = ModeParameters {
            pages,
            ..Default::default()
        };
        let reply = if ten {
            params.encode10()
        } else {
            params.encode6()
        };
        Ok(give(data, &reply, allocation))
    }

    /// MODE SELECT(10) (`ten`) or MODE SELECT(6) of a `len`-byte parameter
    /// list.
    pub(super) fn mode_select_command(
        &mut self,
        pf: bool,
        sp: bool,
        len: usize,
        ten: bool,
        data: &mut DataPhase<'_>,
    ) -> Outcome {
        let name = if ten {
            "MODE SELECT(10)"
        } else {
            "MODE SELECT(6)"
        };
        let list = parameters(data, len, name)?;
        self.mode_select(pf, sp, list, ten)?;
        Ok(list.len())
    }
}
