//! BD-R in sequential recording mode (profile 0041h; mmc-notes §1.4
//! "BD-R SRM", §2.7): as DVD+R (libburn reuses that code) with 64 KiB
//! clusters (32 sectors) as the write unit; CLOSE TRACK (001b), then CLOSE
//! SESSION (010b) or the finalizing close (110b). A blank BD-R is written
//! without a format first: the drive formats it implicitly on the first
//! write (pseudo-overwrite and random recording mode are not written).

use imapi2_mmc::profile::Profile;

use super::common::{
    next_track_number, next_writable, open_session_note, round_up, Ctx, Placement, Strategy,
};
use crate::burn::close;
use crate::error::Result;

/// The BD cluster: 32 sectors of 2048 bytes.
pub const WRITE_UNIT: u32 = 32;

/// The BD-R strategy.
#[derive(Debug)]
pub struct BdR;

impl Strategy for BdR {
    fn prepare(&mut self, ctx: &mut Ctx<'_, '_>) -> Result<Placement> {
        let sectors = ctx.job.sectors;
        let padded = round_up(sectors, WRITE_UNIT);
        Ok(Placement {
            start_lba: next_writable(ctx)?,
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
