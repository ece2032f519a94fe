//! CD-R and CD-RW (profiles 0009h/000Ah; mmc-notes §1.4 "CD TAO", "CD
//! SAO", §2.2): one mode 1 data track per session.
//!
//! Track at once (IMAPI's way, and the only one on an appendable disc):
//! page 05h {TAO, track mode 4, data block type 8 (mode 1, 2048 bytes),
//! multi-session 11b to stay appendable or 00b to finalize, BUFE, test
//! write}, the data at the invisible track's next writable address, padded
//! to the 300-sector minimum of a track and followed by the 150-sector
//! post-gap unless the image has it; then SYNCHRONIZE CACHE and CLOSE
//! SESSION (010b), which writes the lead-in and lead-out.
//!
//! Session at once (blank discs only, when asked for): page 05h {SAO}, a cue
//! sheet with the lead-in, the 2-second pregap of track 1, the track and the
//! lead-out, then the pregap and the data from LBA −150; the drive closes
//! the session itself at SYNCHRONIZE CACHE.

use imapi2_cd::msf::lba_to_msf;
use imapi2_mmc::cue_sheet::{CueSheet, CueSheetEntry, DataForm, TrackCue};
use imapi2_mmc::mode::{DataBlockType, MultiSession, SessionFormat, WriteType};
use imapi2_mmc::profile::Profile;
use imapi2_mmc::track_info::TrackMode;

use super::common::{
    next_track_number, next_writable, open_session_note, Ctx, Placement, Strategy,
};
use crate::burn::close;
use crate::error::Result;

/// Sectors of a track at the least (4 seconds, Red Book / ECMA-130 §14.5).
pub const MIN_TRACK_SECTORS: u64 = 300;
/// Sectors of the post-gap after a data track (2 seconds).
pub const POSTGAP_SECTORS: u64 = 150;
/// Sectors of the pregap of track 1 (LBA −150 to −1).
pub const PREGAP_SECTORS: u64 = 150;

/// The CD strategy.
#[derive(Debug, Default)]
pub struct Cd {
    session_at_once: bool,
}

impl Cd {
    fn multi_session(finalize: bool) -> MultiSession {
        if finalize {
            MultiSession::NoNextSession
        } else {
            MultiSession::NextSessionAllowed
        }
    }
}

impl Strategy for Cd {
    fn prepare(&mut self, ctx: &mut Ctx<'_, '_>) -> Result<Placement> {
        let job = ctx.job.clone();
        let blank = ctx.snap.state & crate::media::state::BLANK != 0;
        self.session_at_once = job.cd_session_at_once && blank;
        let postgap = if job.postgap_in_image {
            0
        } else {
            POSTGAP_SECTORS
        };
        let pad = (job.sectors + postgap).max(MIN_TRACK_SECTORS) - job.sectors;
        let write_type = if self.session_at_once {
            WriteType::SessionAtOnce
        } else {
            WriteType::TrackAtOnce
        };
        ctx.write_parameters(|p| {
            p.write_type = write_type;
            p.test_write = job.test_write;
            p.bufe = job.buffer_underrun_free;
            p.ls_v = false;
            p.link_size = 0;
            p.fp = false;
            p.packet_size = 0;
            p.multi_session = Cd::multi_session(job.finalize);
            p.track_mode = TrackMode::from_nibble(4);
            p.data_block_type = DataBlockType::Mode1;
            p.session_format = SessionFormat::CdDaOrCdRom;
        })?;
        if self.session_at_once {
            let total = (job.sectors + pad) as i32;
            let sheet = data_track_cue_sheet(total);
            let bytes = sheet.encode();
            ctx.held
                .drive()
                .send_cue_sheet(&bytes)
                .map_err(|e| ctx.device_error(e))?;
            // The pregap goes out first, as zeros of the data track's mode.
            return Ok(Placement {
                start_lba: -(PREGAP_SECTORS as i64),
                pad_sectors: pad,
                write_unit: 1,
                streaming: false,
                track: 1,
            });
        }
        Ok(Placement {
            start_lba: next_writable(ctx)?,
            pad_sectors: pad,
            write_unit: 1,
            streaming: false,
            track: next_track_number(ctx.snap),
        })
    }

    fn finish(&mut self, ctx: &mut Ctx<'_, '_>, placement: &Placement) -> Result<()> {
        if self.session_at_once {
            return Ok(()); // the drive closed it at SYNCHRONIZE CACHE
        }
        let closes = close::sequence(ctx.snap.profile, placement.track, ctx.job.finalize);
        ctx.close(&closes)
    }

    fn interrupted(&self, profile: Profile, placement: &Placement, sent: u64) -> String {
        open_session_note(profile, placement, sent)
    }
}

/// The cue sheet of one mode 1 data track of `sectors` sectors after the
/// 2-second pregap (MMC-6 §6.33: lead-in, track 1 index 0 at −150, index 1
/// at 0, lead-out).
pub fn data_track_cue_sheet(sectors: i32) -> CueSheet {
    let entry = |tno: u8, index: u8, data_form: DataForm, lba: i32| {
        CueSheetEntry::Track(TrackCue {
            control: 4,
            tno,
            index,
            data_form,
            scms: 0,
            time: lba_to_msf(lba).expect("a CD address"),
        })
    };
    CueSheet {
        entries: vec![
            entry(0, 0, DataForm::MODE1_NO_DATA, -150),
            entry(1, 0, DataForm::MODE1, -150),
            entry(1, 1, DataForm::MODE1, 0),
            entry(0xAA, 1, DataForm::MODE1_NO_DATA, sectors),
        ],
    }
}
