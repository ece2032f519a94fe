//! DVD-R, DVD-RW sequential and DVD-R DL sequential (profiles 0011h, 0014h,
//! 0015h; mmc-notes §1.4 "DVD-R / DVD-RW sequential", §2.3).
//!
//! Incremental (feature 0021h current): page 05h {packet, LS_V with the
//! 16-block link size, fixed packets of 16 blocks, track mode 5, data block
//! type 8, multi-session 11b or 00b, BUFE, test write}, optimum power
//! calibration when the disc holds no OPC table, the data at the invisible
//! track's next writable address in 16-block units, then SYNCHRONIZE CACHE,
//! CLOSE TRACK (001b) and CLOSE SESSION (010b). A DVD-R DL in sequential
//! mode holds one session: it is always closed.
//!
//! Disc at once (a DVD-RW minimally blanked, where drives drop feature
//! 0021h): page 05h {SAO}, RESERVE TRACK of the size rounded up to 16
//! blocks, the data from LBA 0 padded to the reservation; the drive closes
//! the disc at SYNCHRONIZE CACHE.

use imapi2_mmc::feature::code;
use imapi2_mmc::mode::{DataBlockType, MultiSession, WriteType};
use imapi2_mmc::profile::Profile;
use imapi2_mmc::track_info::TrackMode;

use super::common::{
    next_track_number, next_writable, open_session_note, round_up, Ctx, Placement, Strategy,
};
use crate::burn::close;
use crate::burn::events::DataWriteAction;
use crate::error::Result;
use crate::media::state;

/// The ECC block of DVD: 16 sectors of 2048 bytes.
pub const WRITE_UNIT: u32 = 16;

/// The DVD-R/RW strategy.
#[derive(Debug, Default)]
pub struct DvdDash {
    disc_at_once: bool,
}

impl Strategy for DvdDash {
    fn prepare(&mut self, ctx: &mut Ctx<'_, '_>) -> Result<Placement> {
        let job = ctx.job.clone();
        let profile = ctx.snap.profile;
        let incremental = ctx
            .held
            .feature_pages(true)
            .map(|f| f.contains(&code::INCREMENTAL_STREAMING_WRITABLE))
            .unwrap_or(false);
        self.disc_at_once = !incremental;
        if self.disc_at_once && ctx.snap.state & state::BLANK == 0 {
            return Err(ctx.refuse(
                0xC0AA_0402,
                format!(
                    "this {} can only be written disc at once (the drive offers no \
                     incremental writing on it), which needs a blank disc: blank it fully first",
                    profile.name()
                ),
            ));
        }
        let finalize = job.finalize || profile == Profile::DvdRDlSequential || self.disc_at_once;
        let padded = round_up(job.sectors, WRITE_UNIT);
        ctx.write_parameters(|p| {
            p.test_write = job.test_write;
            p.bufe = job.buffer_underrun_free;
            p.track_mode = TrackMode::from_nibble(5);
            p.data_block_type = DataBlockType::Mode1;
            p.multi_session = if finalize {
                MultiSession::NoNextSession
            } else {
                MultiSession::NextSessionAllowed
            };
            if incremental {
                p.write_type = WriteType::Packet;
                p.ls_v = true;
                p.link_size = 16;
                p.fp = true;
                p.packet_size = WRITE_UNIT;
            } else {
                p.write_type = WriteType::SessionAtOnce;
                p.ls_v = false;
                p.link_size = 0;
                p.fp = false;
                p.packet_size = 0;
            }
        })?;
        calibrate(ctx)?;
        if self.disc_at_once {
            let blocks = u32::try_from(padded).unwrap_or(u32::MAX);
            ctx.held
                .drive()
                .reserve_track(blocks)
                .map_err(|e| ctx.device_error(e))?;
        }
        Ok(Placement {
            start_lba: next_writable(ctx)?,
            pad_sectors: padded - job.sectors,
            write_unit: WRITE_UNIT,
            streaming: false,
            track: next_track_number(ctx.snap),
        })
    }

    fn finish(&mut self, ctx: &mut Ctx<'_, '_>, placement: &Placement) -> Result<()> {
        if self.disc_at_once {
            return Ok(());
        }
        let closes = close::sequence(ctx.snap.profile, placement.track, ctx.job.finalize);
        ctx.close(&closes)
    }

    fn interrupted(&self, profile: Profile, placement: &Placement, sent: u64) -> String {
        open_session_note(profile, placement, sent)
    }
}

/// Optimum power calibration (SEND OPC INFORMATION, DoOpc) when the disc
/// has no OPC table for the drive yet, reported as `CalibratingPower`. A
/// drive without the command (05/20/00) calibrates on its own.
pub fn calibrate(ctx: &mut Ctx<'_, '_>) -> Result<()> {
    let tables = ctx
        .held
        .drive()
        .read_disc_information()
        .map(|d| d.opc_tables.len())
        .unwrap_or(0);
    if tables > 0 {
        return Ok(());
    }
    let _ = (ctx.report)(DataWriteAction::CalibratingPower, None);
    let report = &mut *ctx.report;
    match ctx.held.drive().send_opc(|p| {
        let _ = report(DataWriteAction::CalibratingPower, p);
    }) {
        Err(e) if e.sense().is_some_and(|s| s.asc == 0x20) => Ok(()),
        r => r.map_err(|e| ctx.device_error(e)),
    }
}
