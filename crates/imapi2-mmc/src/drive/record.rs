//! The commands that record: page 05h (MODE SELECT), speeds (SET CD SPEED,
//! SET STREAMING), WRITE(10) and WRITE(12), READ BUFFER CAPACITY (the
//! drive's buffer while writing), SYNCHRONIZE CACHE, CLOSE TRACK/SESSION,
//! RESERVE TRACK, SEND OPC INFORMATION, SEND CUE SHEET, FORMAT UNIT, BLANK
//! and SEND DISC STRUCTURE; the long ones wait for the drive to be ready
//! again.

use crate::cdb::{BlankType, CloseFunction, Command};
use crate::mode::ModePage;
use crate::transport::{DataPhase, ScsiTransport};

use super::error::Result;
use super::retry::Class;
use super::Drive;

impl<T: ScsiTransport> Drive<T> {
    /// SEND DISC STRUCTURE with a parameter list (header included).
    pub fn send_disc_structure(&mut self, media_type: u8, format: u8, list: &[u8]) -> Result<()> {
        let cmd = Command::SendDiscStructure {
            media_type,
            format,
            parameter_length: list.len() as u16,
            agid: 0,
        };
        self.run(&cmd, DataPhase::Out(list), Class::Short)
            .map(|_| ())
    }

    /// MODE SELECT(10) of one page (PF set, nothing saved).
    pub fn mode_select(&mut self, page: &ModePage) -> Result<()> {
        let body = page.encode();
        let mut list = vec![0u8; 8];
        list.extend_from_slice(&body);
        let cmd = Command::ModeSelect10 {
            pf: true,
            sp: false,
            parameter_length: list.len() as u16,
        };
        self.run(&cmd, DataPhase::Out(&list), Class::Short)?;
        Ok(())
    }

    /// SET CD SPEED in kB/s (0xFFFF: as fast as the drive can).
    pub fn set_cd_speed(&mut self, read_kbps: u16, write_kbps: u16) -> Result<()> {
        let cmd = Command::SetCdSpeed {
            rotation: crate::performance::RotationControl::Clv,
            read_speed: read_kbps,
            write_speed: write_kbps,
        };
        self.run(&cmd, DataPhase::None, Class::Short).map(|_| ())
    }

    /// WRITE(10) of `data` (whole blocks of `block_size`) at `lba`.
    pub fn write10(&mut self, lba: i32, data: &[u8], block_size: usize) -> Result<()> {
        let cmd = Command::Write10 {
            dpo: false,
            fua: false,
            lba,
            transfer_length: (data.len() / block_size.max(1)) as u16,
        };
        self.run(&cmd, DataPhase::Out(data), Class::Write)
            .map(|_| ())
    }

    /// SYNCHRONIZE CACHE with Immed, then waits until the drive is ready.
    pub fn synchronize_cache(&mut self, progress: impl FnMut(Option<f64>)) -> Result<()> {
        let cmd = Command::SynchronizeCache {
            immed: true,
            lba: 0,
            blocks: 0,
        };
        self.run(&cmd, DataPhase::None, Class::Write)?;
        let ready = self.wait_until_ready(cmd.name(), progress)?;
        medium_stayed(cmd.name(), ready)
    }

    /// CLOSE TRACK/SESSION with Immed, then waits until the drive is ready.
    pub fn close(
        &mut self,
        function: CloseFunction,
        number: u16,
        progress: impl FnMut(Option<f64>),
    ) -> Result<()> {
        let cmd = Command::CloseTrackSession {
            immed: true,
            function,
            number,
        };
        self.run(&cmd, DataPhase::None, Class::Short)?;
        let ready = self.wait_until_ready(cmd.name(), progress)?;
        medium_stayed(cmd.name(), ready)
    }

    /// BLANK with Immed, then waits until the drive is ready.
    pub fn blank(
        &mut self,
        blank_type: BlankType,
        mut progress: impl FnMut(Option<f64>),
    ) -> Result<()> {
        let budget = self.policy.long;
        self.blank_timed(blank_type, budget, |p, _| progress(p))
    }

    /// BLANK with Immed, waiting at most `budget`; the progress comes with
    /// the time waited on the drive's clock.
    pub fn blank_timed(
        &mut self,
        blank_type: BlankType,
        budget: std::time::Duration,
        progress: impl FnMut(Option<f64>, std::time::Duration),
    ) -> Result<()> {
        let cmd = Command::Blank {
            immed: true,
            blank_type,
            address: 0,
        };
        self.run(&cmd, DataPhase::None, Class::Short)?;
        let ready = self.wait_until_ready_timed(cmd.name(), budget, progress)?;
        medium_stayed(cmd.name(), ready)
    }

    /// WRITE(12) of `data` (whole blocks of `block_size`) at `lba`, with the
    /// Streaming bit when `streaming` (no defect management: DVD-RAM and
    /// BD-RE at full speed).
    pub fn write12(
        &mut self,
        lba: i32,
        data: &[u8],
        block_size: usize,
        streaming: bool,
    ) -> Result<()> {
        let cmd = Command::Write12 {
            dpo: false,
            fua: false,
            lba,
            transfer_length: (data.len() / block_size.max(1)) as u32,
            streaming,
        };
        self.run(&cmd, DataPhase::Out(data), Class::Write)
            .map(|_| ())
    }

    /// READ BUFFER CAPACITY in bytes (MMC-6 §6.25): the drive's buffer size
    /// and how much of it is free.
    pub fn read_buffer_capacity(&mut self) -> Result<crate::capacity::BufferCapacity> {
        let cmd = Command::ReadBufferCapacity {
            block: false,
            allocation_length: crate::capacity::BUFFER_CAPACITY_LEN as u16,
        };
        let b = self.read_reply(&cmd, crate::capacity::BUFFER_CAPACITY_LEN)?;
        Self::decode(&cmd, || crate::capacity::BufferCapacity::decode(&b, false))
    }

    /// SET STREAMING with one performance descriptor (MMC-6 §6.38).
    pub fn set_streaming(&mut self, perf: &crate::streaming::StreamingPerformance) -> Result<()> {
        let list = perf.encode();
        let cmd = Command::SetStreaming {
            streaming_type: 0,
            parameter_length: list.len() as u16,
        };
        self.run(&cmd, DataPhase::Out(&list), Class::Short)
            .map(|_| ())
    }

    /// RESERVE TRACK of `blocks` blocks for the invisible track (MMC-6 §6.31).
    pub fn reserve_track(&mut self, blocks: u32) -> Result<()> {
        let cmd = Command::ReserveTrack {
            rmz: false,
            reservation: crate::cdb::TrackReservation::Size(blocks),
        };
        self.run(&cmd, DataPhase::None, Class::Short).map(|_| ())
    }

    /// SEND OPC INFORMATION with DoOpc: optimum power calibration now
    /// (MMC-6 §6.34), waited for.
    pub fn send_opc(&mut self, progress: impl FnMut(Option<f64>)) -> Result<()> {
        let cmd = Command::SendOpcInformation {
            do_opc: true,
            exclude0: false,
            exclude1: false,
            parameter_length: 0,
        };
        self.run(&cmd, DataPhase::None, Class::Short)?;
        let ready = self.wait_until_ready(cmd.name(), progress)?;
        medium_stayed(cmd.name(), ready)
    }

    /// FORMAT UNIT with one format descriptor (MMC-6 §6.5); with Immed in
    /// the parameters, waits until the drive is ready again (a background
    /// format returns as soon as the drive accepts writes).
    pub fn format_unit(
        &mut self,
        params: &crate::format::FormatUnitParameters,
        mut progress: impl FnMut(Option<f64>),
    ) -> Result<()> {
        let budget = self.policy.long;
        self.format_unit_timed(params, budget, |p, _| progress(p))
    }

    /// FORMAT UNIT waiting at most `budget`; the progress comes with the
    /// time waited on the drive's clock.
    pub fn format_unit_timed(
        &mut self,
        params: &crate::format::FormatUnitParameters,
        budget: std::time::Duration,
        progress: impl FnMut(Option<f64>, std::time::Duration),
    ) -> Result<()> {
        let list = params.encode();
        let cmd = Command::FormatUnit {
            fmt_data: true,
            cmp_list: false,
            format_code: 1,
        };
        self.run(&cmd, DataPhase::Out(&list), Class::Short)?;
        if params.immed {
            let ready = self.wait_until_ready_timed(cmd.name(), budget, progress)?;
            medium_stayed(cmd.name(), ready)?;
        }
        Ok(())
    }

    /// SEND CUE SHEET of an encoded cue sheet (MMC-6 §6.33).
    pub fn send_cue_sheet(&mut self, sheet: &[u8]) -> Result<()> {
        let cmd = Command::SendCueSheet {
            size: sheet.len() as u32,
        };
        self.run(&cmd, DataPhase::Out(sheet), Class::Short)
            .map(|_| ())
    }
}

/// A long operation whose medium went away while the drive worked on it
/// (02/3A/00 while polling) failed, whatever the command returned at once.
fn medium_stayed(command: &'static str, ready: super::retry::Readiness) -> Result<()> {
    match ready {
        super::retry::Readiness::NoMedium { .. } => Err(super::error::MmcError::Sense {
            command,
            sense: crate::sense::Sense::new(crate::sense::SenseKey::NotReady, 0x3A, 0x00),
        }),
        _ => Ok(()),
    }
}
