//! Speeds: GET PERFORMANCE, SET STREAMING and SET CD SPEED, and the write
//! speeds of the medium in the drive.

use imapi2_mmc::cdb::{Command, PerformanceType};
use imapi2_mmc::streaming::StreamingPerformance;
use imapi2_mmc::transport::DataPhase;

use crate::error::SenseCode;
use crate::media::Medium;
use crate::replies;

use super::data::{give, parameters};
use super::fail::{Fail, Outcome};
use super::VirtualRecorder;

impl VirtualRecorder {
    /// The speed commands, routed here by `dispatch`.
    pub(super) fn speed_command(&mut self, cmd: Command, data: &mut DataPhase<'_>) -> Outcome {
        match cmd {
            Command::GetPerformance {
                data_type,
                max_descriptors,
                performance_type,
                ..
            } => self.get_performance(data_type, max_descriptors, performance_type, data),
            Command::SetStreaming {
                streaming_type,
                parameter_length,
            } => self.set_streaming(streaming_type, usize::from(parameter_length), data),
            Command::SetCdSpeed {
                read_speed,
                write_speed,
                ..
            } => self.set_cd_speed(read_speed, write_speed),
            other => unreachable!("{} is not routed to speed_command", other.name()),
        }
    }

    fn speeds(&self) -> Vec<u32> {
        let kind = self
            .usable_medium()
            .map(Medium::kind)
            .unwrap_or(crate::media::MediaKind::CdR);
        self.drive.personality.write_speeds(kind)
    }

    /// GET PERFORMANCE: the write speed list (at most `max_descriptors`
    /// descriptors after the header, whose length covers them all) or the
    /// nominal performance.
    fn get_performance(
        &mut self,
        data_type: u8,
        max_descriptors: u16,
        performance_type: PerformanceType,
        data: &mut DataPhase<'_>,
    ) -> Outcome {
        let m = self.medium().expect("checked");
        let reply = match performance_type {
            PerformanceType::WriteSpeed => {
                // Header (8 bytes) with the length of the whole list,
                // then at most `max_descriptors` 16-byte descriptors.
                let mut r = replies::write_speed_list(&self.drive, m).encode();
                r.truncate(8 + 16 * usize::from(max_descriptors));
                r
            }
            PerformanceType::Performance => {
                replies::performance(&self.drive, m, data_type).encode()
            }
            _ => return Err(SenseCode::INVALID_FIELD_IN_CDB.into()),
        };
        Ok(give(data, &reply, usize::MAX))
    }

    /// SET STREAMING: a performance descriptor (type 00h) sets the write and
    /// read speeds; type 05h is accepted and ignored.
    fn set_streaming(
        &mut self,
        streaming_type: u8,
        len: usize,
        data: &mut DataPhase<'_>,
    ) -> Outcome {
        let list = parameters(data, len, "SET STREAMING")?;
        match streaming_type {
            0x00 => {
                let p = StreamingPerformance::decode(list)
                    .map_err(|_| Fail::from(SenseCode::PARAMETER_LIST_LENGTH))?;
                let speeds = self.speeds();
                if let Some(w) = p.write_kbps() {
                    self.drive
                        .select_write_speed(w.min(u64::from(u32::MAX)) as u32, &speeds);
                }
                if let Some(r) = p.read_kbps() {
                    self.drive.read_speed = Some(r.min(u64::from(u32::MAX)) as u32);
                }
            }
            0x05 => {}
            _ => return Err(SenseCode::INVALID_FIELD_IN_CDB.into()),
        }
        Ok(list.len())
    }

    /// SET CD SPEED in kB/s (read speed FFFFh: as fast as possible).
    fn set_cd_speed(&mut self, read_speed: u16, write_speed: u16) -> Outcome {
        let speeds = self.speeds();
        self.drive
            .select_write_speed(u32::from(write_speed), &speeds);
        self.drive.read_speed = (read_speed != 0xFFFF).then_some(u32::from(read_speed));
        Ok(0)
    }
}
