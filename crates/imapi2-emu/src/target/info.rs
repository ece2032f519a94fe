//! What the medium holds, as the host asks for it: READ CAPACITY, READ
//! FORMAT CAPACITIES, READ DISC INFORMATION, READ TRACK INFORMATION, READ
//! TOC/PMA/ATIP, READ DISC STRUCTURE and READ BUFFER CAPACITY.

use imapi2_mmc::capacity::{BufferCapacity, Capacity};
use imapi2_mmc::cdb::{Command, DiscInformationType, TocFormat, TrackAddressType};
use imapi2_mmc::transport::DataPhase;

use crate::error::SenseCode;
use crate::replies;

use super::data::give;
use super::fail::Outcome;
use super::VirtualRecorder;

impl VirtualRecorder {
    /// The commands that read what the medium holds, routed here by `dispatch`.
    pub(super) fn info_command(&mut self, cmd: Command, data: &mut DataPhase<'_>) -> Outcome {
        match cmd {
            Command::ReadCapacity => self.read_capacity(data),
            Command::ReadFormatCapacities { allocation_length } => {
                self.read_format_capacities(usize::from(allocation_length), data)
            }
            Command::ReadDiscInformation {
                data_type,
                allocation_length,
            } => self.read_disc_information(data_type, usize::from(allocation_length), data),
            Command::ReadTrackInformation {
                open,
                address_type,
                number,
                allocation_length,
            } => self.read_track_information(
                open,
                address_type,
                number,
                usize::from(allocation_length),
                data,
            ),
            Command::ReadToc {
                msf,
                format,
                track_session,
                allocation_length,
            } => self.read_toc(
                msf,
                format,
                track_session,
                usize::from(allocation_length),
                data,
            ),
            Command::ReadDiscStructure {
                media_type,
                layer,
                format,
                allocation_length,
                ..
            } => self.read_disc_structure(
                media_type,
                layer,
                format,
                usize::from(allocation_length),
                data,
            ),
            Command::ReadBufferCapacity {
                block,
                allocation_length,
            } => self.read_buffer_capacity(block, usize::from(allocation_length), data),
            other => unreachable!("{} is not routed to info_command", other.name()),
        }
    }

    /// READ CAPACITY: the last readable block, 2048-byte blocks.
    fn read_capacity(&mut self, data: &mut DataPhase<'_>) -> Outcome {
        let m = self.medium().expect("checked");
        let reply = Capacity {
            last_lba: m.last_lba(),
            block_length: 2048,
        }
        .encode();
        Ok(give(data, &reply, 8))
    }

    /// READ FORMAT CAPACITIES (answered without a medium too).
    fn read_format_capacities(&mut self, allocation: usize, data: &mut DataPhase<'_>) -> Outcome {
        let reply =
            replies::format_capacities(self.usable_medium(), self.drive.personality).encode();
        Ok(give(data, &reply, allocation))
    }

    /// READ DISC INFORMATION, standard data type only.
    fn read_disc_information(
        &mut self,
        data_type: DiscInformationType,
        allocation: usize,
        data: &mut DataPhase<'_>,
    ) -> Outcome {
        if data_type != DiscInformationType::Standard {
            return Err(SenseCode::INVALID_FIELD_IN_CDB.into());
        }
        let m = self.medium().expect("checked");
        let reply = replies::disc_information(m, &self.opc).encode();
        Ok(give(data, &reply, allocation))
    }

    /// READ TRACK INFORMATION by LBA, track number (0 refused) or session
    /// (with OPEN: the session's open track).
    fn read_track_information(
        &mut self,
        open: bool,
        address_type: TrackAddressType,
        number: u32,
        allocation: usize,
        data: &mut DataPhase<'_>,
    ) -> Outcome {
        let m = self.medium().expect("checked");
        let view = match address_type {
            TrackAddressType::Lba => m.track_view_at(i64::from(number as i32)),
            TrackAddressType::Track if number == 0 => None,
            TrackAddressType::Track => m.track_view(number),
            TrackAddressType::Session if open => m
                .tracks()
                .iter()
                .find(|t| t.session == number && t.nwa().is_some())
                .and_then(|t| m.track_view(t.number)),
            TrackAddressType::Session => m.track_view_of_session(number),
            TrackAddressType::Reserved => None,
        };
        let Some(view) = view else {
            return Err(SenseCode::INVALID_FIELD_IN_CDB.into());
        };
        let reply = replies::track_information(&view).encode();
        Ok(give(data, &reply, allocation))
    }

    /// READ TOC/PMA/ATIP in `format`, addresses as MSF when `msf`.
    fn read_toc(
        &mut self,
        msf: bool,
        format: TocFormat,
        track_session: u8,
        allocation: usize,
        data: &mut DataPhase<'_>,
    ) -> Outcome {
        let m = self.medium().expect("checked");
        let reply = replies::toc(m, format.bits(), msf, track_session)?;
        Ok(give(data, &reply, allocation))
    }

    /// READ DISC STRUCTURE of `format` for `media_type` on `layer`.
    fn read_disc_structure(
        &mut self,
        media_type: u8,
        layer: u8,
        format: u8,
        allocation: usize,
        data: &mut DataPhase<'_>,
    ) -> Outcome {
        let m = self.medium().expect("checked");
        let reply = replies::disc_structure(m, media_type, format, layer)?.encode();
        Ok(give(data, &reply, allocation))
    }

    /// READ BUFFER CAPACITY in bytes, or in blocks with `block`.
    fn read_buffer_capacity(
        &mut self,
        block: bool,
        allocation: usize,
        data: &mut DataPhase<'_>,
    ) -> Outcome {
        // A paced recorder's buffer as the laser has left it now.
        let (length, free) = match self.paced.as_mut() {
            Some(p) => {
                p.drain(std::time::Instant::now());
                (p.size(), p.free())
            }
            None => (self.buffer.size, self.buffer.free()),
        };
        let reply = if block {
            BufferCapacity::Blocks {
                available: free / 2048,
            }
        } else {
            BufferCapacity::Bytes {
                length,
                available: free,
            }
        };
        Ok(give(data, &reply.encode(), allocation))
    }
}
