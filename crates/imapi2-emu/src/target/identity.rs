//! Who the drive is and what it last said: INQUIRY (standard data and VPD
//! pages), REQUEST SENSE, GET CONFIGURATION, and TEST UNIT READY (which
//! needs nothing but the checks of `dispatch`).

use imapi2_mmc::cdb::{Command, ConfigurationRequest};
use imapi2_mmc::inquiry::{InquiryData, SupportedVpdPages, UnitSerialNumber};
use imapi2_mmc::sense::{Sense, SenseKey};
use imapi2_mmc::transport::DataPhase;

use crate::drive::{Personality, REVISION, VENDOR};
use crate::error::SenseCode;
use crate::replies;

use super::data::give;
use super::fail::{sense_of, Fail, Outcome};
use super::VirtualRecorder;

impl VirtualRecorder {
    /// INQUIRY, REQUEST SENSE, GET CONFIGURATION and TEST UNIT READY, routed here by `dispatch`.
    pub(super) fn identity_command(&mut self, cmd: Command, data: &mut DataPhase<'_>) -> Outcome {
        match cmd {
            Command::TestUnitReady => Ok(0),
            Command::RequestSense {
                allocation_length, ..
            } => self.request_sense_command(usize::from(allocation_length), data),
            Command::Inquiry {
                evpd,
                page_code,
                allocation_length,
            } => self.inquiry_command(evpd, page_code, usize::from(allocation_length), data),
            Command::GetConfiguration {
                request,
                starting_feature,
                allocation_length,
            } => self.get_configuration(
                request,
                starting_feature,
                usize::from(allocation_length),
                data,
            ),
            other => unreachable!("{} is not routed to identity_command", other.name()),
        }
    }

    fn request_sense(&mut self) -> Sense {
        if let Some(ua) = self.drive.unit_attention.pop_front() {
            return sense_of(ua);
        }
        if let Some(s) = self.busy_sense() {
            return s;
        }
        if let Err(s) = self.medium_ready() {
            return sense_of(s);
        }
        self.last_sense
            .take()
            .unwrap_or_else(|| Sense::new(SenseKey::NoSense, 0, 0))
    }

    fn inquiry(&self, evpd: bool, page: u8) -> std::result::Result<Vec<u8>, Fail> {
        let p = self.drive.personality;
        if !evpd {
            if page != 0 {
                return Err(SenseCode::INVALID_FIELD_IN_CDB.into());
            }
            let mut d = InquiryData::mmc(VENDOR, p.product(), REVISION);
            if p == Personality::Mmc1CdWriter {
                d.version = 2;
            }
            return Ok(d.encode());
        }
        match page {
            0x00 => Ok(SupportedVpdPages {
                peripheral: 0x05,
                pages: vec![0x00, 0x80],
            }
            .encode()),
            0x80 => Ok(UnitSerialNumber {
                peripheral: 0x05,
                serial: replies::serial(p),
            }
            .encode()),
            _ => Err(SenseCode::INVALID_FIELD_IN_CDB.into()),
        }
    }

    /// REQUEST SENSE: the sense of [`VirtualRecorder::request_sense`].
    pub(super) fn request_sense_command(
        &mut self,
        allocation: usize,
        data: &mut DataPhase<'_>,
    ) -> Outcome {
        let sense = self.request_sense();
        Ok(give(data, &sense.encode(), allocation))
    }

    /// INQUIRY: standard data or a VPD page.
    pub(super) fn inquiry_command(
        &mut self,
        evpd: bool,
        page_code: u8,
        allocation: usize,
        data: &mut DataPhase<'_>,
    ) -> Outcome {
        let reply = self.inquiry(evpd, page_code)?;
        Ok(give(data, &reply, allocation))
    }

    /// GET CONFIGURATION: the features of the drive and the medium.
    fn get_configuration(
        &mut self,
        request: ConfigurationRequest,
        starting_feature: u16,
        allocation: usize,
        data: &mut DataPhase<'_>,
    ) -> Outcome {
        let c =
            replies::configuration(&self.drive, self.usable_medium(), request, starting_feature)?;
        Ok(give(data, &c.encode(), allocation))
    }
}
