//! Every command goes through `execute` here: the checks in their order,
//! then `dispatch` hands the decoded command to its family's handler.

use imapi2_mmc::cdb::{self, Command};
use imapi2_mmc::sense::Sense;
use imapi2_mmc::transport::{DataPhase, Request, Response, ScsiTransport, TransportError};

use crate::error::SenseCode;
use crate::fault::{CommandFacts, Effect};

use super::fail::{sense_of, Fail, Outcome};
use super::VirtualRecorder;

fn allow_during_unit_attention(op: u8) -> bool {
    use cdb::opcode::*;
    matches!(
        op,
        INQUIRY | REQUEST_SENSE | GET_CONFIGURATION | GET_EVENT_STATUS_NOTIFICATION
    )
}

fn needs_medium(op: u8) -> bool {
    use cdb::opcode::*;
    matches!(
        op,
        TEST_UNIT_READY
            | FORMAT_UNIT
            | READ_6
            | READ_CAPACITY
            | READ_10
            | READ_12
            | WRITE_10
            | WRITE_12
            | WRITE_AND_VERIFY_10
            | VERIFY_10
            | SYNCHRONIZE_CACHE
            | READ_TOC_PMA_ATIP
            | READ_DISC_INFORMATION
            | READ_TRACK_INFORMATION
            | RESERVE_TRACK
            | SEND_OPC_INFORMATION
            | CLOSE_TRACK_SESSION
            | SEND_CUE_SHEET
            | BLANK
            | GET_PERFORMANCE
            | READ_DISC_STRUCTURE
            | SEND_DISC_STRUCTURE
            | READ_CD
    )
}

/// Blocks a block command touches, for fault rules.
fn block_range(cmd: &Command) -> Option<(i64, i64)> {
    let (lba, n) = match *cmd {
        Command::Read6 {
            lba,
            transfer_length,
        } => (
            i64::from(lba),
            if transfer_length == 0 {
                256
            } else {
                i64::from(transfer_length)
            },
        ),
        Command::Read10 {
            lba,
            transfer_length,
            ..
        } => (i64::from(lba), i64::from(transfer_length)),
        Command::Read12 {
            lba,
            transfer_length,
            ..
        } => (i64::from(lba), i64::from(transfer_length)),
        Command::Write10 {
            lba,
            transfer_length,
            ..
        } => (i64::from(lba), i64::from(transfer_length)),
        Command::Write12 {
            lba,
            transfer_length,
            ..
        } => (i64::from(lba), i64::from(transfer_length)),
        Command::WriteAndVerify10 {
            lba,
            transfer_length,
            ..
        } => (i64::from(lba), i64::from(transfer_length)),
        Command::Verify10 {
            lba,
            verification_length,
            ..
        } => (i64::from(lba), i64::from(verification_length)),
        Command::ReadCd {
            lba,
            transfer_length,
            ..
        } => (i64::from(lba), i64::from(transfer_length)),
        _ => return None,
    };
    Some((lba, lba + n))
}

impl ScsiTransport for VirtualRecorder {
    fn execute(&mut self, request: Request<'_>) -> std::result::Result<Response, TransportError> {
        let Request {
            cdb,
            mut data,
            timeout,
        } = request;
        if cdb.is_empty() || cdb.len() > 16 {
            return Err(TransportError::BadRequest {
                reason: format!("a CDB of {} bytes", cdb.len()),
            });
        }
        self.commands += 1;
        self.command_tick();
        let op = cdb[0];
        let decoded = cdb::cdb_length(op)
            .filter(|&n| cdb.len() >= n)
            .and_then(|_| Command::decode(cdb).ok());
        let facts = CommandFacts {
            index: self.commands,
            opcode: op,
            lbas: decoded.as_ref().and_then(block_range),
        };
        let corrupted: Vec<u8>;
        match self.faults.check(facts) {
            Some(Effect::Corrupt { start, end }) => {
                if let (DataPhase::Out(b), Some((first, last))) = (&data, facts.lbas) {
                    let blocks = (last - first).max(1) as usize;
                    let size = b.len() / blocks;
                    let mut copy = b.to_vec();
                    for (k, block) in copy.chunks_mut(size.max(1)).enumerate() {
                        let lba = first + k as i64;
                        if lba >= start && lba < end {
                            if let Some(byte) = block.first_mut() {
                                *byte ^= 0xFF;
                            }
                        }
                    }
                    corrupted = copy;
                    data = DataPhase::Out(&corrupted);
                }
            }
            Some(Effect::Sense(s)) => {
                use cdb::opcode::{WRITE_10, WRITE_12, WRITE_AND_VERIFY_10};
                let write = matches!(op, WRITE_10 | WRITE_12 | WRITE_AND_VERIFY_10);
                if write && matches!(s.key, 0x03 | 0x04) {
                    if let Some((lba, _)) = facts.lbas {
                        self.write_failed(lba);
                    }
                }
                return Ok(self.check(sense_of(s)));
            }
            Some(Effect::Discard) => {
                // GOOD, nothing done: data-out taken and dropped, no data in.
                let n = match &data {
                    DataPhase::Out(b) => b.len(),
                    _ => 0,
                };
                return Ok(Response::good(n));
            }
            Some(Effect::RemoveMedium) => self.remove_medium(),
            Some(Effect::Timeout) => return Err(TransportError::Timeout { after: timeout }),
            Some(Effect::NoDevice) => {
                return Err(TransportError::NoDevice {
                    device: self.device_name(),
                })
            }
            Some(Effect::PowerLoss) => self.power_loss(),
            None => {}
        }
        let known = cdb::cdb_length(op);
        if let Some(len) = known.filter(|&n| cdb.len() < n) {
            return Err(TransportError::BadRequest {
                reason: format!(
                    "{} needs a {len}-byte CDB, got {}",
                    cdb::opcode_name(op).unwrap_or("?"),
                    cdb.len()
                ),
            });
        }
        let supported = known.is_some() && self.drive.personality.supports_opcode(op);
        if !(supported && allow_during_unit_attention(op)) {
            if let Some(ua) = self.drive.unit_attention.pop_front() {
                return Ok(self.check(sense_of(ua)));
            }
        }
        if !supported {
            return Ok(self.check(sense_of(SenseCode::INVALID_OPCODE)));
        }
        let Some(cmd) = decoded else {
            return Ok(self.check(sense_of(SenseCode::INVALID_FIELD_IN_CDB)));
        };
        if needs_medium(op) {
            if let Err(s) = self.medium_ready() {
                return Ok(self.check(sense_of(s)));
            }
            if let Some(s) = self.busy_sense() {
                return Ok(self.check(s));
            }
        }
        match self.dispatch(cmd, &mut data) {
            Ok(n) => Ok(Response::good(n)),
            Err(Fail::Check(s)) => Ok(self.check(s)),
            Err(Fail::Transport(t)) => Err(t),
        }
    }

    fn device_name(&self) -> String {
        match (&self.dir, &self.disc) {
            (Some(d), _) => format!("virtual:{}", d.display()),
            (None, Some(disc)) => format!("virtual:{}", disc.dir().display()),
            (None, None) => format!("virtual:{}", self.drive.personality.name()),
        }
    }
}

impl VirtualRecorder {
    pub(super) fn check(&mut self, sense: Sense) -> Response {
        let bytes = sense.encode();
        self.last_sense = Some(sense);
        Response::check_condition(bytes)
    }

    /// Hands a decoded command to the handler of its family (one file
    /// each): identity, tray, events, mode pages, disc and track
    /// information, reading, recording, erasing and formatting, speeds.
    pub(super) fn dispatch(&mut self, cmd: Command, data: &mut DataPhase<'_>) -> Outcome {
        match cmd {
            Command::TestUnitReady
            | Command::RequestSense { .. }
            | Command::Inquiry { .. }
            | Command::GetConfiguration { .. } => self.identity_command(cmd, data),
            Command::StartStopUnit { .. }
            | Command::PreventAllowMediumRemoval { .. }
            | Command::MechanismStatus { .. } => self.tray_command(cmd, data),
            Command::GetEventStatusNotification { .. } => self.events_command(cmd, data),
            Command::ModeSense10 { .. }
            | Command::ModeSense6 { .. }
            | Command::ModeSelect10 { .. }
            | Command::ModeSelect6 { .. } => self.mode_command(cmd, data),
            Command::ReadCapacity
            | Command::ReadFormatCapacities { .. }
            | Command::ReadDiscInformation { .. }
            | Command::ReadTrackInformation { .. }
            | Command::ReadToc { .. }
            | Command::ReadDiscStructure { .. }
            | Command::ReadBufferCapacity { .. } => self.info_command(cmd, data),
            Command::Read6 { .. }
            | Command::Read10 { .. }
            | Command::Read12 { .. }
            | Command::Verify10 { .. }
            | Command::ReadCd { .. } => self.read_command(cmd, data),
            Command::Write10 { .. }
            | Command::Write12 { .. }
            | Command::WriteAndVerify10 { .. }
            | Command::SynchronizeCache { .. }
            | Command::CloseTrackSession { .. }
            | Command::ReserveTrack { .. }
            | Command::SendCueSheet { .. }
            | Command::SendOpcInformation { .. }
            | Command::SendDiscStructure { .. } => self.write_command(cmd, data),
            Command::Blank { .. } | Command::FormatUnit { .. } => self.format_command(cmd, data),
            Command::GetPerformance { .. }
            | Command::SetStreaming { .. }
            | Command::SetCdSpeed { .. } => self.speed_command(cmd, data),
        }
    }
}
