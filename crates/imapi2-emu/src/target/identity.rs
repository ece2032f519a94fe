//! Who the drive is and what it last said: INQUIRY (standard data and VPD
//! pages) and REQUEST SENSE.

use imapi2_mmc::inquiry::{InquiryData, SupportedVpdPages, UnitSerialNumber};
use imapi2_mmc::sense::{Sense, SenseKey};

use crate::drive::{Personality, REVISION, VENDOR};
use crate::error::SenseCode;
use crate::replies;

use super::fail::{sense_of, Fail};
use super::VirtualRecorder;

impl VirtualRecorder {
    pub(super) fn request_sense(&mut self) -> Sense {
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

    pub(super) fn inquiry(&self, evpd: bool, page: u8) -> std::result::Result<Vec<u8>, Fail> {
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
}
