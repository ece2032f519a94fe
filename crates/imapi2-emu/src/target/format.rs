//! Erasing and formatting: BLANK and FORMAT UNIT.

use imapi2_mmc::cdb::{BlankType, Command};
use imapi2_mmc::format::FormatUnitParameters;
use imapi2_mmc::sense::Sense;
use imapi2_mmc::transport::DataPhase;

use crate::drive::MediaEvent;
use crate::error::SenseCode;
use crate::media::{BgFormatStatus, FormatRequest};

use super::data::parameters;
use super::fail::{Fail, Outcome};
use super::VirtualRecorder;

impl VirtualRecorder {
    /// BLANK and FORMAT UNIT, routed here by `dispatch`.
    pub(super) fn format_command(&mut self, cmd: Command, data: &mut DataPhase<'_>) -> Outcome {
        match cmd {
            Command::Blank {
                immed,
                blank_type,
                address,
            } => self.blank(immed, blank_type, address),
            Command::FormatUnit {
                fmt_data,
                format_code,
                ..
            } => self.format_unit(fmt_data, format_code, data),
            other => unreachable!("{} is not routed to format_command", other.name()),
        }
    }

    fn blank(&mut self, immed: bool, blank_type: BlankType, address: u32) -> Outcome {
        self.finish_recording(false)?;
        self.shadow = None;
        let disc = self.disc.as_mut().expect("checked");
        let out = disc.medium_mut().blank(blank_type.bits(), address)?;
        if out.clear_data {
            disc.clear_data()?;
        }
        if out.profile_changed {
            self.profile_changed();
        }
        self.opc.clear();
        self.start_long(out.long_op, immed, SenseCode::OPERATION_IN_PROGRESS);
        self.sync_point();
        self.persist()?;
        Ok(0)
    }

    fn format_unit(
        &mut self,
        fmt_data: bool,
        format_code: u8,
        data: &mut DataPhase<'_>,
    ) -> Outcome {
        if !fmt_data || format_code != 1 {
            return Err(SenseCode::INVALID_FIELD_IN_CDB.into());
        }
        let list = parameters(
            data,
            imapi2_mmc::format::FORMAT_UNIT_PARAMETERS_LEN,
            "FORMAT UNIT",
        )?;
        let p = FormatUnitParameters::decode(list)
            .map_err(|_| Fail::from(SenseCode::PARAMETER_LIST_LENGTH))?;
        self.finish_recording(false)?;
        self.shadow = None;
        let req = FormatRequest {
            format_type: p.descriptor.format_type.0,
            subtype: p.descriptor.subtype,
            blocks: p.descriptor.blocks,
            param: p.descriptor.type_parameter,
        };
        let disc = self.disc.as_mut().expect("checked");
        let before = disc.medium().bg_format_status();
        let out = disc.medium_mut().format(req).map_err(|e| {
            if e.sense == SenseCode::INVALID_FIELD_IN_PARAMETER_LIST {
                Fail::Check(Sense::invalid_parameter_field(8, None))
            } else {
                Fail::from(e)
            }
        })?;
        if out.clear_data {
            disc.clear_data()?;
        }
        let after = disc.medium().bg_format_status();
        if before == BgFormatStatus::Stopped && after == BgFormatStatus::InProgress {
            self.drive
                .media_events
                .push_back(MediaEvent::BgFormatRestarted);
        }
        self.bg_seen = after;
        if out.profile_changed {
            self.profile_changed();
        }
        self.start_long(out.long_op, p.immed, SenseCode::FORMAT_IN_PROGRESS);
        self.sync_point();
        self.persist()?;
        Ok(list.len())
    }
}
