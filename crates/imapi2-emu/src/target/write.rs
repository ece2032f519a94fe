//! Recording: WRITE(10/12), WRITE AND VERIFY(10), SYNCHRONIZE CACHE, CLOSE
//! TRACK/SESSION, RESERVE TRACK, SEND CUE SHEET, SEND OPC INFORMATION, SEND
//! DISC STRUCTURE.

use imapi2_cd::msf::msf_to_lba;
use imapi2_cd::subchannel::q::SubQ;
use imapi2_mmc::cdb::{CloseFunction, Command, TrackReservation};
use imapi2_mmc::cue_sheet::{CueSheet, CueSheetEntry};
use imapi2_mmc::disc_structure::DiscStructure;
use imapi2_mmc::transport::DataPhase;

use crate::error::SenseCode;
use crate::media::{CuePoint, Family, LongOp, WriteDest};

use super::data::{data_out, parameters};
use super::fail::{bad_request, Fail, Outcome};
use super::VirtualRecorder;

impl VirtualRecorder {
    /// The recording commands, routed here by `dispatch`.
    pub(super) fn write_command(&mut self, cmd: Command, data: &mut DataPhase<'_>) -> Outcome {
        match cmd {
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
            Command::SynchronizeCache { immed, .. } => self.synchronize(immed),
            Command::CloseTrackSession {
                immed,
                function,
                number,
            } => self.close(immed, function, number),
            Command::ReserveTrack { rmz, reservation } => self.reserve_track(rmz, reservation),
            Command::SendCueSheet { size } => self.send_cue_sheet(size as usize, data),
            Command::SendOpcInformation {
                do_opc,
                parameter_length,
                ..
            } => self.send_opc(do_opc, usize::from(parameter_length), data),
            Command::SendDiscStructure {
                media_type,
                format,
                parameter_length,
                ..
            } => self.send_disc_structure(media_type, format, usize::from(parameter_length), data),
            other => unreachable!("{} is not routed to write_command", other.name()),
        }
    }

    fn write(&mut self, lba: i64, blocks: u32, data: &mut DataPhase<'_>, name: &str) -> Outcome {
        let params = self.drive.write_params();
        let simulate = self.simulating();
        let plan = self
            .target_medium(simulate)
            .plan_write(lba, blocks, &params)?;
        let bytes = plan.bytes();
        let out = data_out(data);
        if out.len() < bytes {
            return Err(bad_request(format!(
                "{name} of {blocks} blocks needs {bytes} bytes, the data phase holds {}",
                out.len()
            )));
        }
        self.buffer.accept(bytes.min(u32::MAX as usize) as u32)?;
        let mut subq = Vec::new();
        if !simulate {
            let disc = self.disc.as_mut().expect("checked");
            let overwritable = disc.medium().family() == Family::Overwritable;
            let mut at = 0usize;
            for e in &plan.extents {
                let len = e.count as usize * usize::from(e.block_size);
                let chunk = &out[at..at + len];
                at += len;
                match e.dest {
                    WriteDest::User => {
                        if let Some(j) = &mut self.journal {
                            if overwritable {
                                let mut old = vec![0u8; len];
                                disc.read_user(e.lba, &mut old)?;
                                j.undo.push((e.lba, old));
                            } else {
                                j.lost_sequential = true;
                            }
                        }
                        disc.write_user(e.lba, chunk)?;
                    }
                    WriteDest::Raw(size) => {
                        if let Some(j) = &mut self.journal {
                            j.lost_sequential = true;
                        }
                        disc.write_raw(e.lba, usize::from(size), chunk)?;
                        if plan.extents.len() == 1 && disc.medium().sao_layout().is_none() {
                            for frame in chunk.chunks(usize::from(size)) {
                                subq.push(
                                    SubQ::from_frame(frame, params.data_block_type.bits())
                                        .ok()
                                        .filter(|q| q.adr == 1)
                                        .map(|q| (q.tno, q.index, q.control)),
                                );
                            }
                        }
                    }
                    WriteDest::Discard => {}
                }
            }
        }
        self.target_medium(simulate)
            .apply_write(&plan, &params, &subq);
        Ok(bytes)
    }

    fn synchronize(&mut self, immed: bool) -> Outcome {
        self.buffer.flush();
        let params = self.drive.write_params();
        let simulate = self.shadow.is_some();
        let op = self.target_medium(simulate).synchronize(&params);
        if simulate && matches!(op, LongOp::CloseSession | LongOp::Finalize) {
            self.shadow = None;
        }
        self.start_long(op.max_flush(), immed, SenseCode::OPERATION_IN_PROGRESS);
        self.sync_point();
        if let Some(d) = &mut self.disc {
            d.flush()?;
        }
        self.persist()?;
        Ok(0)
    }

    fn close(&mut self, immed: bool, function: CloseFunction, number: u16) -> Outcome {
        let params = self.drive.write_params();
        let simulate = self.shadow.is_some();
        let op = self
            .target_medium(simulate)
            .close(function.bits(), u32::from(number), &params)?;
        if simulate && matches!(op, LongOp::CloseSession | LongOp::Finalize) {
            self.shadow = None;
        }
        self.start_long(op, immed, SenseCode::OPERATION_IN_PROGRESS);
        self.sync_point();
        self.persist()?;
        Ok(0)
    }

    fn send_cue_sheet(&mut self, size: usize, data: &mut DataPhase<'_>) -> Outcome {
        let list = parameters(data, size, "SEND CUE SHEET")?;
        let sheet =
            CueSheet::decode(list).map_err(|_| Fail::from(SenseCode::PARAMETER_LIST_LENGTH))?;
        let points: Vec<CuePoint> = sheet
            .entries
            .iter()
            .filter_map(|e| match e {
                CueSheetEntry::Track(t) => Some(CuePoint {
                    control: t.control,
                    tno: t.tno,
                    index: t.index,
                    data_form: t.data_form.0,
                    lba: i64::from(msf_to_lba(t.time)),
                }),
                CueSheetEntry::Other(_) => None,
            })
            .collect();
        let params = self.drive.write_params();
        let simulate = self.simulating();
        self.target_medium(simulate)
            .send_cue_sheet(&points, &params)?;
        self.persist()?;
        Ok(size)
    }

    fn send_disc_structure(
        &mut self,
        media_type: u8,
        format: u8,
        len: usize,
        data: &mut DataPhase<'_>,
    ) -> Outcome {
        let list = parameters(data, len, "SEND DISC STRUCTURE")?;
        let decoded = DiscStructure::decode(media_type, format, list)
            .map_err(|_| Fail::from(SenseCode::PARAMETER_LIST_LENGTH))?;
        let disc = self.disc.as_mut().expect("checked");
        match decoded {
            DiscStructure::LayerBoundary(l) => disc.medium_mut().set_layer_break(l.l0_capacity)?,
            DiscStructure::WriteProtection(w)
                if disc.medium().kind() == crate::media::MediaKind::DvdRam =>
            {
                disc.medium_mut().set_write_protected(w.swpp || w.pwp);
            }
            _ => return Err(SenseCode::INVALID_FIELD_IN_CDB.into()),
        }
        self.persist()?;
        Ok(len)
    }

    /// RESERVE TRACK of a number of blocks (RMZ and address reservations
    /// are refused).
    fn reserve_track(&mut self, rmz: bool, reservation: TrackReservation) -> Outcome {
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

    /// SEND OPC INFORMATION: with DoOpc, the current write speed joins the
    /// OPC table READ DISC INFORMATION reports.
    fn send_opc(&mut self, do_opc: bool, len: usize, data: &mut DataPhase<'_>) -> Outcome {
        let _ = parameters(data, len, "SEND OPC INFORMATION")?;
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
        Ok(len)
    }
}

trait LongOpExt {
    fn max_flush(self) -> LongOp;
}

impl LongOpExt for LongOp {
    /// SYNCHRONIZE CACHE always takes at least the flush time.
    fn max_flush(self) -> LongOp {
        match self {
            LongOp::None => LongOp::Flush,
            other => other,
        }
    }
}
