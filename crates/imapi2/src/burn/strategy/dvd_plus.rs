//! DVD+R and DVD+R DL (profiles 001Bh/002Bh; mmc-notes §1.4 "DVD+R",
//! §2.5): no write parameters page; one track per session at the invisible
//! track's next writable address in 16-sector units; SYNCHRONIZE CACHE,
//! CLOSE TRACK (001b), then CLOSE SESSION (010b) to stay appendable or the
//! finalizing close (110b on DVD+R, 101b on DVD+R DL, as growisofs does).
//!
//! On a DVD+R DL whose data reaches the second layer, the layer break is
//! put in the middle of the data (rounded up to an ECC block), as growisofs
//! does, while the drive still lets it move (READ DISC STRUCTURE 20h's
//! InitStatus clear): both layers then hold the same amount, which players
//! handle best.

use imapi2_mmc::disc_structure::{format, media_type, DiscStructure, LayerBoundary};
use imapi2_mmc::profile::Profile;

use super::common::{
    next_track_number, next_writable, open_session_note, round_up, Ctx, Placement, Strategy,
};
use super::dvd_dash::WRITE_UNIT;
use crate::burn::close;
use crate::burn::events::DataWriteAction;
use crate::error::Result;

/// The DVD+R strategy.
#[derive(Debug)]
pub struct DvdPlus;

impl Strategy for DvdPlus {
    fn prepare(&mut self, ctx: &mut Ctx<'_, '_>) -> Result<Placement> {
        let sectors = ctx.job.sectors;
        let padded = round_up(sectors, WRITE_UNIT);
        let start = next_writable(ctx)?;
        if ctx.snap.profile == Profile::DvdPlusRDl {
            let _ = (ctx.report)(DataWriteAction::InitializingHardware, None);
            set_layer_break(ctx, start, padded)?;
        }
        Ok(Placement {
            start_lba: start,
            pad_sectors: padded - sectors,
            write_unit: WRITE_UNIT,
            streaming: false,
            track: next_track_number(ctx.snap),
        })
    }

    fn finish(&mut self, ctx: &mut Ctx<'_, '_>, placement: &Placement) -> Result<()> {
        let closes = close::sequence(ctx.snap.profile, placement.track, ctx.job.finalize);
        ctx.close(&closes)
    }

    fn interrupted(&self, profile: Profile, placement: &Placement, sent: u64) -> String {
        open_session_note(profile, placement, sent)
    }
}

/// Moves the layer break of a DVD+R DL to the middle of data that crosses
/// it, when the drive still allows.
fn set_layer_break(ctx: &mut Ctx<'_, '_>, start: i64, sectors: u64) -> Result<()> {
    let drive = ctx.held.drive();
    let Ok(bytes) = drive.read_disc_structure(media_type::DVD, 0, 0, format::LAYER_BOUNDARY, 0)
    else {
        return Ok(()); // no layer boundary information: the drive decides
    };
    let Ok(DiscStructure::LayerBoundary(lb)) =
        DiscStructure::decode(media_type::DVD, format::LAYER_BOUNDARY, &bytes)
    else {
        return Ok(());
    };
    let end = start as u64 + sectors;
    if lb.init_status || end <= u64::from(lb.l0_capacity) || start > 0 {
        return Ok(());
    }
    let half = round_up(sectors.div_ceil(2), WRITE_UNIT);
    let l0 = u32::try_from(half)
        .unwrap_or(lb.l0_capacity)
        .min(lb.l0_capacity);
    let list = DiscStructure::LayerBoundary(LayerBoundary {
        init_status: false,
        l0_capacity: l0,
    })
    .encode();
    drive
        .send_disc_structure(media_type::DVD, format::LAYER_BOUNDARY, &list)
        .map_err(|e| ctx.device_error(e))
}
