//! What every strategy shares: the job, where the data goes, the context a
//! strategy works in, the strategy trait and small helpers.

use imapi2_mmc::mode::{ModePage, PageControl, WriteParametersPage};
use imapi2_mmc::profile::Profile;

use crate::burn::close::Close;
use crate::burn::events::{DataWriteAction, Flow};
use crate::burn::prepare::Held;
use crate::error::{Error, Result};
use crate::media::MediaSnapshot;

/// What is to be burnt, as the data writer's properties say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    /// Sectors of 2048 bytes in the stream.
    pub sectors: u64,
    /// Close the disc after this session (the closing rules already
    /// applied: see [`crate::burn::close::closes_disc`]).
    pub finalize: bool,
    /// Test write: the laser stays at read power (CD, DVD-R/RW only).
    pub test_write: bool,
    /// Buffer underrun free recording (IMAPI's default; off with
    /// `BufferUnderrunFreeDisabled`).
    pub buffer_underrun_free: bool,
    /// The image ends with the 150 sectors of a CD post-gap already
    /// (`PostgapAlreadyInImage`).
    pub postgap_in_image: bool,
    /// Session at once instead of track at once on a blank CD.
    pub cd_session_at_once: bool,
}

/// Where the data goes, as a strategy prepared it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placement {
    /// First LBA of the data.
    pub start_lba: i64,
    /// Zero sectors written after the stream (write-unit padding, a CD's
    /// minimum track length and post-gap).
    pub pad_sectors: u64,
    /// The medium's write unit in sectors (WRITE commands are multiples).
    pub write_unit: u32,
    /// WRITE(12) with the Streaming bit (no defect management on DVD-RAM
    /// and BD-RE: full speed).
    pub streaming: bool,
    /// The logical track the data goes to (for closing it).
    pub track: u16,
}

/// What a strategy works with: the recorder held for the burn, the medium
/// as it was found, the job, and the way to report long operations.
pub struct Ctx<'h, 'r> {
    /// The recorder, held (exclusive access, tray locked).
    pub held: &'h mut Held<'r>,
    /// The medium before the burn.
    pub snap: &'h MediaSnapshot,
    /// The job.
    pub job: &'h Job,
    /// Reports an action and the drive's progress of it.
    pub report: &'h mut dyn FnMut(DataWriteAction, Option<f64>) -> Flow,
}

impl Ctx<'_, '_> {
    /// The device name, for errors.
    pub fn device(&self) -> String {
        self.held.device().to_string()
    }

    /// A refusal with an IMAPI code.
    pub fn refuse(&self, code: u32, reason: impl Into<String>) -> Error {
        Error::Burn {
            device: self.device(),
            reason: reason.into(),
            code,
        }
    }

    /// A failed command of the drive.
    pub fn device_error(&self, error: imapi2_mmc::drive::MmcError) -> Error {
        Error::Device {
            device: self.device(),
            error,
        }
    }

    /// Sends the closes of the table, reporting the drive's progress as
    /// `Finalization`.
    pub fn close(&mut self, closes: &[Close]) -> Result<()> {
        for c in closes {
            let report = &mut *self.report;
            let r = self.held.drive().close(c.function, c.number, |p| {
                let _ = report(DataWriteAction::Finalization, p);
            });
            r.map_err(|e| self.device_error(e))?;
        }
        Ok(())
    }

    /// Sets page 05h from the drive's current one, changed by `edit`
    /// (fields the edit leaves alone keep the drive's values).
    pub fn write_parameters(&mut self, edit: impl FnOnce(&mut WriteParametersPage)) -> Result<()> {
        let drive = self.held.drive();
        let mut page = match drive.mode_sense(0x05, PageControl::Current) {
            Ok(ModePage::WriteParameters(p)) => p,
            _ => WriteParametersPage::default(),
        };
        page.ps = false;
        edit(&mut page);
        drive
            .mode_select(&ModePage::WriteParameters(page))
            .map_err(|e| self.device_error(e))
    }
}

/// A medium family's way of writing a data session.
pub trait Strategy {
    /// Checks, formats, reserves and sets write parameters; returns where
    /// the data goes.
    fn prepare(&mut self, ctx: &mut Ctx<'_, '_>) -> Result<Placement>;
    /// After the data and the cache flush: closes what the medium needs.
    fn finish(&mut self, ctx: &mut Ctx<'_, '_>, placement: &Placement) -> Result<()>;
    /// What the medium holds when a write stopped after `sent` sectors
    /// (cancel or failure), and what the user can do about it.
    fn interrupted(&self, profile: Profile, placement: &Placement, sent: u64) -> String;
}

/// Rounds `sectors` up to whole `unit`s.
pub fn round_up(sectors: u64, unit: u32) -> u64 {
    let unit = u64::from(unit.max(1));
    sectors.div_ceil(unit) * unit
}

/// The next writable address of a sequential medium, or a refusal.
pub fn next_writable(ctx: &Ctx<'_, '_>) -> Result<i64> {
    ctx.snap
        .next_writable_address
        .map(i64::from)
        .ok_or_else(|| {
            ctx.refuse(
                0xC0AA_0402,
                "the medium reports no next writable address (finalized or damaged)",
            )
        })
}

/// The number the next track gets (the invisible track's).
pub fn next_track_number(snap: &MediaSnapshot) -> u16 {
    snap.tracks
        .iter()
        .find(|t| t.next_writable.is_some())
        .map(|t| t.number)
        .or_else(|| snap.tracks.last().map(|t| t.number + 1))
        .unwrap_or(1)
}

/// The common message after an interrupted write on sequential media.
pub fn open_session_note(profile: Profile, placement: &Placement, sent: u64) -> String {
    if sent == 0 {
        return format!("nothing was written; the {} is as it was", profile.name());
    }
    format!(
        "the {} now holds an open session of {sent} sectors from LBA {}; \
         `imapi2 close` closes it (earlier sessions stay readable either way)",
        profile.name(),
        placement.start_lba
    )
}
