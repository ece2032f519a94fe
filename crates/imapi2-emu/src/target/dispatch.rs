//! Every command goes through `execute` here: the checks in their order,
//! then `dispatch` hands the decoded command to its family's handler.

use imapi2_mmc::capacity::{BufferCapacity, Capacity, MechanismStatus};
use imapi2_mmc::cdb::{
    self, Command, DiscInformationType, PerformanceType, TrackAddressType, TrackReservation,
};
use imapi2_mmc::mode::ModeParameters;
use imapi2_mmc::sense::Sense;
use imapi2_mmc::streaming::StreamingPerformance;
use imapi2_mmc::transport::{DataPhase, Request, Response, ScsiTransport, TransportError};

use crate::drive::Tray;
use crate::error::SenseCode;
use crate::fault::{CommandFacts, Effect};
use crate::replies;

use super::data::{give, parameters};
use super::fail::{sense_of, Fail, Outcome};
use super::read::ReadCdFlags;
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
        self.tick();
        let op = cdb[0];
        let decoded = cdb::cdb_length(op)
            .filter(|&n| cdb.len() >= n)
            .and_then(|_| Command::decode(cdb).ok());
        let facts = CommandFacts {
            index: self.commands,
            opcode: op,
            lbas: decoded.as_ref().and_then(block_range),
        };
        match self.faults.check(facts) {
            Some(Effect::Sense(s)) => return Ok(self.check(sense_of(s))),
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

    pub(super) fn dispatch(&mut self, cmd: Command, data: &mut DataPhase<'_>) -> Outcome {
        match cmd {
            Command::TestUnitReady => Ok(0),
            Command::RequestSense {
                allocation_length, ..
            } => {
                let sense = self.request_sense();
                Ok(give(data, &sense.encode(), usize::from(allocation_length)))
            }
            Command::Inquiry {
                evpd,
                page_code,
                allocation_length,
            } => {
                let reply = self.inquiry(evpd, page_code)?;
                Ok(give(data, &reply, usize::from(allocation_length)))
            }
            Command::StartStopUnit {
                load_eject, start, ..
            } => self.start_stop(load_eject, start),
            Command::PreventAllowMediumRemoval {
                persistent,
                prevent,
            } => {
                if persistent {
                    self.drive.persistent_prevent = prevent;
                } else if prevent {
                    self.drive.prevent = self.drive.prevent.saturating_add(1);
                } else {
                    self.drive.prevent = self.drive.prevent.saturating_sub(1);
                }
                Ok(0)
            }
            Command::ReadFormatCapacities { allocation_length } => {
                let reply =
                    replies::format_capacities(self.usable_medium(), self.drive.personality)
                        .encode();
                Ok(give(data, &reply, usize::from(allocation_length)))
            }
            Command::ReadCapacity => {
                let m = self.medium().expect("checked");
                let reply = Capacity {
                    last_lba: m.last_lba(),
                    block_length: 2048,
                }
                .encode();
                Ok(give(data, &reply, 8))
            }
            Command::Read6 {
                lba,
                transfer_length,
            } => {
                let n = if transfer_length == 0 {
                    256
                } else {
                    u32::from(transfer_length)
                };
                self.read(i64::from(lba), n, data, "READ(6)")
            }
            Command::Read10 {
                lba,
                transfer_length,
                ..
            } => self.read(i64::from(lba), u32::from(transfer_length), data, "READ(10)"),
            Command::Read12 {
                lba,
                transfer_length,
                ..
            } => self.read(i64::from(lba), transfer_length, data, "READ(12)"),
            Command::Write10 {
                lba,
                transfer_length,
                ..
            } => self.write(
                i64::from(lba),
                u32::from(transfer_length),
                data,
                "WRITE(10)",
            ),
            Command::Write12 {
                lba,
                transfer_length,
                ..
            } => self.write(i64::from(lba), transfer_length, data, "WRITE(12)"),
            Command::WriteAndVerify10 {
                lba,
                transfer_length,
                ..
            } => self.write(
                i64::from(lba),
                u32::from(transfer_length),
                data,
                "WRITE AND VERIFY(10)",
            ),
            Command::Verify10 {
                bytchk,
                lba,
                verification_length,
            } => self.verify(i64::from(lba), u32::from(verification_length), bytchk, data),
            Command::SynchronizeCache { immed, .. } => self.synchronize(immed),
            Command::ReadToc {
                msf,
                format,
                track_session,
                allocation_length,
            } => {
                let m = self.medium().expect("checked");
                let reply = replies::toc(m, format.bits(), msf, track_session)?;
                Ok(give(data, &reply, usize::from(allocation_length)))
            }
            Command::GetConfiguration {
                request,
                starting_feature,
                allocation_length,
            } => {
                let c = replies::configuration(
                    &self.drive,
                    self.usable_medium(),
                    request,
                    starting_feature,
                )?;
                Ok(give(data, &c.encode(), usize::from(allocation_length)))
            }
            Command::GetEventStatusNotification {
                polled,
                class_request,
                allocation_length,
            } => {
                if !polled {
                    return Err(SenseCode::INVALID_FIELD_IN_CDB.into());
                }
                let reply = self.event_status(class_request).encode();
                Ok(give(data, &reply, usize::from(allocation_length)))
            }
            Command::ReadDiscInformation {
                data_type,
                allocation_length,
            } => {
                if data_type != DiscInformationType::Standard {
                    return Err(SenseCode::INVALID_FIELD_IN_CDB.into());
                }
                let m = self.medium().expect("checked");
                let reply = replies::disc_information(m, &self.opc).encode();
                Ok(give(data, &reply, usize::from(allocation_length)))
            }
            Command::ReadTrackInformation {
                open,
                address_type,
                number,
                allocation_length,
            } => {
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
                Ok(give(data, &reply, usize::from(allocation_length)))
            }
            Command::ReserveTrack { rmz, reservation } => {
                let TrackReservation::Size(blocks) = reservation else {
                    return Err(SenseCode::INVALID_FIELD_IN_CDB.into());
                };
                if rmz {
                    return Err(SenseCode::INVALID_FIELD_IN_CDB.into());
                }
                let simulate = self.simulating();
                self.target_medium(simulate).reserve_track(blocks)?;
                self.sync_point();
                self.persist()?;
                Ok(0)
            }
            Command::SendOpcInformation {
                do_opc,
                parameter_length,
                ..
            } => {
                let _ = parameters(data, usize::from(parameter_length), "SEND OPC INFORMATION")?;
                let m = self.medium().expect("checked");
                if m.write_protected() {
                    return Err(SenseCode::WRITE_PROTECTED.into());
                }
                if do_opc {
                    let speed = self
                        .drive
                        .current_write_speed(&self.drive.personality.write_speeds(m.kind()));
                    let speed = speed.min(0xFFFF) as u16;
                    if !self.opc.contains(&speed) {
                        self.opc.push(speed);
                    }
                }
                Ok(usize::from(parameter_length))
            }
            Command::ModeSelect10 {
                pf,
                sp,
                parameter_length,
            } => {
                let list = parameters(data, usize::from(parameter_length), "MODE SELECT(10)")?;
                self.mode_select(pf, sp, list, true)?;
                Ok(list.len())
            }
            Command::ModeSelect6 {
                pf,
                sp,
                parameter_length,
            } => {
                let list = parameters(data, usize::from(parameter_length), "MODE SELECT(6)")?;
                self.mode_select(pf, sp, list, false)?;
                Ok(list.len())
            }
            Command::ModeSense10 {
                page_control,
                page_code,
                subpage,
                allocation_length,
                ..
            } => {
                if subpage != 0 {
                    return Err(SenseCode::INVALID_FIELD_IN_CDB.into());
                }
                let pages = replies::mode_pages(
                    &self.drive,
                    self.usable_medium(),
                    page_code,
                    page_control,
                )?;
                let reply = ModeParameters {
                    pages,
                    ..Default::default()
                }
                .encode10();
                Ok(give(data, &reply, usize::from(allocation_length)))
            }
            Command::ModeSense6 {
                page_control,
                page_code,
                subpage,
                allocation_length,
                ..
            } => {
                if subpage != 0 {
                    return Err(SenseCode::INVALID_FIELD_IN_CDB.into());
                }
                let pages = replies::mode_pages(
                    &self.drive,
                    self.usable_medium(),
                    page_code,
                    page_control,
                )?;
                let reply = ModeParameters {
                    pages,
                    ..Default::default()
                }
                .encode6();
                Ok(give(data, &reply, usize::from(allocation_length)))
            }
            Command::CloseTrackSession {
                immed,
                function,
                number,
            } => self.close(immed, function, number),
            Command::ReadBufferCapacity {
                block,
                allocation_length,
            } => {
                let reply = if block {
                    BufferCapacity::Blocks {
                        available: self.buffer.free() / 2048,
                    }
                } else {
                    BufferCapacity::Bytes {
                        length: self.buffer.size,
                        available: self.buffer.free(),
                    }
                };
                Ok(give(data, &reply.encode(), usize::from(allocation_length)))
            }
            Command::SendCueSheet { size } => self.send_cue_sheet(size as usize, data),
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
            Command::GetPerformance {
                data_type,
                max_descriptors,
                performance_type,
                ..
            } => {
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
            Command::ReadDiscStructure {
                media_type,
                layer,
                format,
                allocation_length,
                ..
            } => {
                let m = self.medium().expect("checked");
                let reply = replies::disc_structure(m, media_type, format, layer)?.encode();
                Ok(give(data, &reply, usize::from(allocation_length)))
            }
            Command::SendDiscStructure {
                media_type,
                format,
                parameter_length,
                ..
            } => self.send_disc_structure(media_type, format, usize::from(parameter_length), data),
            Command::SetStreaming {
                streaming_type,
                parameter_length,
            } => {
                let list = parameters(data, usize::from(parameter_length), "SET STREAMING")?;
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
            Command::SetCdSpeed {
                read_speed,
                write_speed,
                ..
            } => {
                let speeds = self.speeds();
                self.drive
                    .select_write_speed(u32::from(write_speed), &speeds);
                self.drive.read_speed = (read_speed != 0xFFFF).then_some(u32::from(read_speed));
                Ok(0)
            }
            Command::MechanismStatus { allocation_length } => {
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
                Ok(give(data, &reply, usize::from(allocation_length)))
            }
            Command::ReadCd {
                sector_type,
                lba,
                transfer_length,
                sync,
                header_codes,
                user_data,
                edc_ecc,
                c2,
                subchannel,
                ..
            } => {
                let c2_len = match c2 {
                    cdb::C2ErrorInfo::None => 0,
                    cdb::C2ErrorInfo::Reserved => {
                        return Err(SenseCode::INVALID_FIELD_IN_CDB.into())
                    }
                    cdb::C2ErrorInfo::C2Bits => 294,
                    cdb::C2ErrorInfo::C2AndBlockBits => 296,
                };
                let flags = ReadCdFlags {
                    sector_type,
                    sync,
                    header_codes,
                    user_data,
                    edc_ecc,
                    c2_len,
                    subchannel,
                };
                self.read_cd(i64::from(lba), transfer_length, flags, data)
            }
        }
    }
}
