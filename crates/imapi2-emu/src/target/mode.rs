//! MODE SENSE and MODE SELECT: pages 01h and 05h.

use imapi2_mmc::mode::{ModePage, ModeParameters};
use imapi2_mmc::sense::Sense;

use crate::drive::DriveState;
use crate::error::SenseCode;
use crate::media::Medium;

use super::fail::Fail;
use super::VirtualRecorder;

impl VirtualRecorder {
    pub(super) fn mode_select(
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
}
