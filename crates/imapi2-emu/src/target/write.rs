//! Recording: WRITE(10/12), WRITE AND VERIFY(10), SYNCHRONIZE CACHE, CLOSE
//! TRACK/SESSION, RESERVE TRACK, SEND CUE SHEET, SEND OPC INFORMATION, SEND
//! DISC STRUCTURE; and what a paced recorder's buffer does with them (see
//! the module docs of `target`).

use std::time::Instant;

use imapi2_cd::msf::msf_to_lba;
use imapi2_cd::subchannel::q::SubQ;
use imapi2_mmc::cdb::{CloseFunction, Command, TrackReservation};
use imapi2_mmc::cue_sheet::{CueSheet, CueSheetEntry};
use imapi2_mmc::disc_structure::DiscStructure;
use imapi2_mmc::transport::DataPhase;

use crate::drive::WhenFull;
use crate::error::SenseCode;
use crate::media::{CuePoint, Family, LongOp, Medium, WriteDest};

use super::data::{data_out, parameters};
use super::fail::{bad_request, Fail, Outcome};
use super::{underrun_ruins, VirtualRecorder};

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
        if blocks > 0 {
            self.check_underrun()?;
        }
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
        if bytes > 0 {
            self.buffer_write(bytes, blocks)?;
        }
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
        if blocks > 0 {
            self.last_write_end = Some(lba + i64::from(blocks));
        }
        Ok(bytes)
    }

    /// A paced recorder, as a WRITE arrives: if the buffer ran empty since
    /// the previous WRITE of the recording, that is a buffer underrun. It is
    /// counted; with BUFE off on CD and DVD-R/RW media it ruins the
    /// recording: the track is left damaged and unwritable and this WRITE
    /// fails with 03/0C/09 (mmc-notes §1.5: loss of streaming is the
    /// underrun; cdrecord's `cdr_underrun()`).
    fn check_underrun(&mut self) -> std::result::Result<(), Fail> {
        let Some(p) = self.paced.as_mut() else {
            return Ok(());
        };
        let Some(dry) = p.take_underrun(Instant::now()) else {
            return Ok(());
        };
        self.stats.underruns += 1;
        let ruined = !self.drive.write_parameters.bufe && self.medium().is_some_and(underrun_ruins);
        if ruined {
            let took = self.paced.as_mut().and_then(|p| p.stop(dry));
            self.add_writing(took);
            if let Some(at) = self.last_write_end.take() {
                let simulate = self.shadow.is_some();
                self.target_medium(simulate).interrupt_recording(at);
                self.persist()?;
            }
        }
        self.save_drive()?;
        if ruined {
            return Err(SenseCode::LOSS_OF_STREAMING.into());
        }
        Ok(())
    }

    /// Puts `bytes` of WRITE data (`blocks` sectors) into the drive's
    /// buffer. Unpaced: the virtual-clock model (02/04/08 when full). Paced:
    /// the laser drains it at the pace; a WRITE that does not fit is held
    /// (the call sleeps) until there is room, or answered 02/04/08 when the
    /// drive reports instead of waiting.
    fn buffer_write(&mut self, bytes: usize, blocks: u32) -> std::result::Result<(), Fail> {
        let n = bytes.min(u32::MAX as usize) as u32;
        let Some(pace) = self.config.pace else {
            self.buffer.accept(n)?;
            return Ok(());
        };
        let Some(kind) = self.medium().map(Medium::kind) else {
            return Ok(());
        };
        let per_sector = bytes as f64 / f64::from(blocks.max(1));
        let rate = pace.sectors_per_second(kind) * per_sector;
        let report = self.config.when_full == WhenFull::Report;
        let Some(p) = self.paced.as_mut() else {
            return Ok(());
        };
        let now = Instant::now();
        p.drain(now);
        if report && !p.fits(n) {
            return Err(SenseCode::LONG_WRITE_IN_PROGRESS.into());
        }
        let hold = p.admit(n, rate, now);
        if !hold.is_zero() {
            std::thread::sleep(hold);
        }
        Ok(())
    }

    /// A paced recorder's recording ends (SYNCHRONIZE CACHE, CLOSE, BLANK,
    /// FORMAT UNIT): the buffer is written out — the command returns when
    /// it is on the medium, or with `immed` the unit reports 02/04/07 until
    /// then — and the recording's time is added up.
    pub(super) fn finish_recording(&mut self, immed: bool) -> std::result::Result<(), Fail> {
        self.last_write_end = None;
        let Some(p) = self.paced.as_mut() else {
            return Ok(());
        };
        let now = Instant::now();
        let (empty, took) = p.finish(now);
        if empty > now {
            if immed {
                self.flushing = Some((now, empty));
            } else {
                std::thread::sleep(empty - now);
            }
        }
        if took.is_some() {
            self.add_writing(took);
            self.save_drive()?;
        }
        Ok(())
    }

    /// A planned medium or hardware error on a WRITE at `lba` (the fault
    /// plan): the laser failed there. On a sequential medium the recording
    /// cannot go on: the track being written is left damaged and
    /// unwritable, as a real drive leaves it (mmc-notes §1.5: a write error
    /// is fatal for the burn, libburn marks the track damaged). On
    /// overwritable media nothing changes: the WRITE may be sent again.
    pub(super) fn write_failed(&mut self, lba: i64) {
        if self.medium_ready().is_err() {
            return;
        }
        let simulate = self.simulating();
        if self.target_medium(simulate).interrupt_recording(lba) {
            let _ = self.persist();
            self.last_write_end = None;
            if let Some(p) = self.paced.as_mut() {
                let took = p.stop(Instant::now());
                self.add_writing(took);
                let _ = self.save_drive();
            }
        }
    }

    fn synchronize(&mut self, immed: bool) -> Outcome {
        self.buffer.flush();
        self.finish_recording(immed)?;
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
        self.finish_recording(immed)?;
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
