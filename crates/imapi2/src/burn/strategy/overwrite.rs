//! Overwritable media: DVD+RW, DVD-RW restricted overwrite, DVD-RAM and
//! BD-RE (mmc-notes §1.4 "Overwritable", §2.4, §2.6, §2.7). No write
//! parameters, no tracks: the image is written from LBA 0 within the
//! formatted area; IMAPI writes every session of these media from sector 0.
//!
//! A blank medium is formatted first, reported as `FormattingMedia`: a
//! DVD+RW with FORMAT UNIT type 26h for the whole disc, whose background
//! format lets writing start at once; a BD-RE with the default format
//! (type 00h, with spare areas) that READ FORMAT CAPACITIES offers. After
//! the data: a DVD+RW whose background format still runs is stopped
//! compatibly (CLOSE SESSION 010b) so DVD-ROM drives read it; a DVD-RW in
//! the intermediate state after a quick format gets CLOSE SESSION 010b.
//! DVD-RAM and BD-RE are written with WRITE(12) and the Streaming bit (no
//! verify-after-write: full speed).

use imapi2_mmc::disc_info::BgFormatStatus;
use imapi2_mmc::profile::Profile;

use super::common::{round_up, Ctx, Placement, Strategy};
use crate::burn::close;
use crate::burn::events::DataWriteAction;
use crate::burn::formatting::{self, FormatRequest};
use crate::error::Result;

/// The overwrite strategy.
#[derive(Debug, Default)]
pub struct Overwrite {
    formatted_here: bool,
}

impl Overwrite {
    fn unit(profile: Profile) -> u32 {
        match profile {
            Profile::BdRe => super::bd_r::WRITE_UNIT,
            _ => super::dvd_dash::WRITE_UNIT,
        }
    }

    /// Formats a blank DVD+RW or an unformatted BD-RE (quick, default
    /// spares); true when it did.
    fn format_if_blank(&mut self, ctx: &mut Ctx<'_, '_>) -> Result<bool> {
        let profile = ctx.snap.profile;
        if !matches!(profile, Profile::DvdPlusRw | Profile::BdRe) {
            return Ok(false);
        }
        let drive = ctx.held.drive();
        let caps = drive.read_format_capacities();
        let bg = drive.read_disc_information().map(|d| d.bg_format_status);
        let (caps, bg) = match (caps, bg) {
            (Ok(c), Ok(b)) => (c, b),
            (Err(e), _) | (_, Err(e)) => return Err(ctx.device_error(e)),
        };
        if !formatting::needs_format(profile, &caps, bg) {
            return Ok(false);
        }
        let params = formatting::choose(profile, &caps, bg, FormatRequest::default())
            .map_err(|why| ctx.refuse(0xC0AA_0212, why))?;
        let _ = (ctx.report)(DataWriteAction::FormattingMedia, Some(0.0));
        let report = &mut *ctx.report;
        let budget = ctx.held.drive().policy().long;
        formatting::run(ctx.held, &params, budget, false, &mut |p, _| {
            let _ = report(DataWriteAction::FormattingMedia, p);
        })?;
        Ok(true)
    }
}

impl Strategy for Overwrite {
    fn prepare(&mut self, ctx: &mut Ctx<'_, '_>) -> Result<Placement> {
        let profile = ctx.snap.profile;
        self.formatted_here = self.format_if_blank(ctx)?;
        let unit = Overwrite::unit(profile);
        let sectors = ctx.job.sectors;
        Ok(Placement {
            start_lba: 0,
            pad_sectors: round_up(sectors, unit) - sectors,
            write_unit: unit,
            streaming: matches!(profile, Profile::DvdRam | Profile::BdRe),
            track: 1,
        })
    }

    fn finish(&mut self, ctx: &mut Ctx<'_, '_>, placement: &Placement) -> Result<()> {
        let profile = ctx.snap.profile;
        let needed = match profile {
            Profile::DvdPlusRw => {
                let di = ctx
                    .held
                    .drive()
                    .read_disc_information()
                    .map_err(|e| ctx.device_error(e))?;
                matches!(
                    di.bg_format_status,
                    BgFormatStatus::InProgress | BgFormatStatus::Suspended
                ) || self.formatted_here
            }
            Profile::DvdRwRestrictedOverwrite => true,
            _ => false,
        };
        if needed {
            let closes = close::sequence(profile, placement.track, false);
            ctx.close(&closes)?;
        }
        Ok(())
    }

    fn interrupted(&self, profile: Profile, _placement: &Placement, sent: u64) -> String {
        if sent == 0 {
            return format!("nothing was written; the {} is as it was", profile.name());
        }
        format!(
            "the {} holds the first {sent} sectors of the new image over what was \
             there before: burn it again to complete it",
            profile.name()
        )
    }
}
