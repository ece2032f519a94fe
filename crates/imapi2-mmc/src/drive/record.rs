//! The commands that record: page 05h (MODE SELECT), speeds, WRITE(10),
//! SYNCHRONIZE CACHE, CLOSE TRACK/SESSION, BLANK and SEND DISC STRUCTURE;
//! the long ones wait for the drive to be ready again.

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
        self.wait_until_ready(cmd.name(), progress).map(|_| ())
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
        self.wait_until_ready(cmd.name(), progress).map(|_| ())
    }

    /// BLANK with Immed, then waits until the drive is ready.
    pub fn blank(
        &mut self,
        blank_type: BlankType,
        progress: impl FnMut(Option<f64>),
    ) -> Result<()> {
        let cmd = Command::Blank {
            immed: true,
            blank_type,
            address: 0,
        };
        self.run(&cmd, DataPhase::None, Class::Short)?;
        self.wait_until_ready(cmd.name(), progress).map(|_| ())
    }
}
