//! How each medium family is closed after a write (mmc-notes §2.8, the
//! function codes of CLOSE TRACK/SESSION as libburn and growisofs send
//! them), and when IMAPI closes the disc (reference §20.9).
//!
//! | Medium | track | session (appendable) | disc (finalized) |
//! |---|---|---|---|
//! | CD-R/RW TAO | — (SYNC CACHE suffices) | 010b, page 05h multi-session 11b | 010b, multi-session 00b |
//! | DVD-R/RW sequential | 001b, track number | 010b, multi-session 11b | 010b, multi-session 00b |
//! | DVD-R DL sequential | 001b | (single session) | 010b, multi-session 00b |
//! | DVD+R | 001b | 010b | 110b (growisofs), compatible mode |
//! | DVD+R DL | 001b | 010b | 101b (minimal radius) |
//! | BD-R SRM | 001b | 010b | 110b |
//! | DVD+RW | — | 010b stops a background format compatibly | — |
//! | DVD-RW restricted overwrite | — | 010b ends the intermediate state | — |
//! | DVD-RAM, BD-RE | — | — | — |

use imapi2_mmc::cdb::CloseFunction;
use imapi2_mmc::profile::Profile;

/// One CLOSE TRACK/SESSION to send: the function and the number (a logical
/// track number for 001b, else 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Close {
    /// The close function.
    pub function: CloseFunction,
    /// Track number for [`CloseFunction::Track`], else 0.
    pub number: u16,
}

/// The closes after a session of `profile` whose (last) track is `track`:
/// `finalize` closes the disc. CD and DVD-R media are finalized by the
/// multi-session field of page 05h, not by a function code, so their list
/// is the same either way.
pub fn sequence(profile: Profile, track: u16, finalize: bool) -> Vec<Close> {
    let close = |function, number| Close { function, number };
    match profile {
        Profile::CdR | Profile::CdRw => vec![close(CloseFunction::Session, 0)],
        Profile::DvdRSequential | Profile::DvdRwSequential | Profile::DvdRDlSequential => vec![
            close(CloseFunction::Track, track),
            close(CloseFunction::Session, 0),
        ],
        Profile::DvdPlusR if finalize => vec![
            close(CloseFunction::Track, track),
            close(CloseFunction::Finalize, 0),
        ],
        Profile::DvdPlusRDl if finalize => vec![
            close(CloseFunction::Track, track),
            close(CloseFunction::FinalizeMinimalRadius, 0),
        ],
        Profile::BdRSrm if finalize => vec![
            close(CloseFunction::Track, track),
            close(CloseFunction::Finalize, 0),
        ],
        Profile::DvdPlusR | Profile::DvdPlusRDl | Profile::BdRSrm => vec![
            close(CloseFunction::Track, track),
            close(CloseFunction::Session, 0),
        ],
        Profile::DvdPlusRw | Profile::DvdPlusRwDl | Profile::DvdRwRestrictedOverwrite => {
            vec![close(CloseFunction::Session, 0)]
        }
        _ => Vec::new(),
    }
}

/// Whether IMAPI closes the disc after this session (§20.9):
/// `ForceMediaToBeClosed`; on DVD+R / DVD+R DL the consumer compatibility
/// mode (closing implied unless `DisableConsumerDvdCompatibilityMode`, and a
/// DVD+R DL closed anyway); any medium left with 2% or less free; media
/// that hold one session only (DVD-R DL sequential).
pub fn closes_disc(
    profile: Profile,
    force_media_to_be_closed: bool,
    disable_consumer_dvd_compatibility: bool,
    free_after: u64,
    total: u64,
) -> bool {
    let nearly_full = total > 0 && free_after.saturating_mul(50) <= total;
    let dvd_plus = match profile {
        Profile::DvdPlusR => !disable_consumer_dvd_compatibility,
        Profile::DvdPlusRDl => true,
        _ => false,
    };
    force_media_to_be_closed
        || nearly_full
        || dvd_plus
        || matches!(profile, Profile::DvdRDlSequential)
}

/// Closes what an interrupted burn left open on a write-once medium (the
/// open track and session), or with `finalize` closes the disc where the
/// medium allows it without a new session (DVD+R, DVD+R DL, BD-R). Beyond
/// IMAPI, which refuses such media; cdrecord's `-fix`. Takes exclusive
/// access as `client_name` for the time it works. Returns what it did.
pub fn close_media(
    recorder: &mut crate::DiscRecorder,
    client_name: &str,
    finalize: bool,
) -> crate::Result<String> {
    use crate::media::{self, state};
    let mut held = super::prepare::Held::take(recorder, client_name)?;
    let device = held.device().to_string();
    let dev = |error| crate::Error::Device {
        device: device.clone(),
        error,
    };
    let snap = media::snapshot(held.drive()).map_err(dev)?;
    let refuse = |code: u32, reason: String| crate::Error::Burn {
        device: device.clone(),
        reason,
        code,
    };
    let p = snap.profile;
    if !snap.present {
        return Err(refuse(0xC0AA_0202, "no medium in the drive".into()));
    }
    if media::is_overwritable(p) || !p.is_writable() {
        return Err(refuse(
            0xC0AA_0402,
            format!("a {} has no sessions to close", p.name()),
        ));
    }
    if snap.state & state::FINALIZED != 0 {
        return Err(refuse(
            0xC0AA_0402,
            format!("the {} is finalized already", p.name()),
        ));
    }
    let open = snap.state & state::NON_EMPTY_SESSION != 0;
    let can_finalize = matches!(p, Profile::DvdPlusR | Profile::DvdPlusRDl | Profile::BdRSrm);
    if finalize && !open && !can_finalize {
        return Err(refuse(
            0xC0AA_0402,
            format!(
                "a {} is finalized by its last session: burn it with --close",
                p.name()
            ),
        ));
    }
    if !open && !finalize {
        return Ok(format!(
            "the {} holds no open session: nothing to close",
            p.name()
        ));
    }
    let track = snap
        .tracks
        .iter()
        .rev()
        .find(|t| !t.blank)
        .map_or(1, |t| t.number);
    held.drive().synchronize_cache(|_| {}).map_err(dev)?;
    if matches!(
        p,
        Profile::CdR
            | Profile::CdRw
            | Profile::DvdRSequential
            | Profile::DvdRwSequential
            | Profile::DvdRDlSequential
    ) {
        // The multi-session field of page 05h decides what CLOSE SESSION does.
        let drive = held.drive();
        if let Ok(imapi2_mmc::mode::ModePage::WriteParameters(mut page)) =
            drive.mode_sense(0x05, imapi2_mmc::mode::PageControl::Current)
        {
            page.ps = false;
            page.multi_session = if finalize {
                imapi2_mmc::mode::MultiSession::NoNextSession
            } else {
                imapi2_mmc::mode::MultiSession::NextSessionAllowed
            };
            drive
                .mode_select(&imapi2_mmc::mode::ModePage::WriteParameters(page))
                .map_err(dev)?;
        }
    }
    let mut closes = sequence(p, track, finalize);
    if !open {
        closes.retain(|c| c.function != CloseFunction::Track);
    }
    for c in &closes {
        held.drive()
            .close(c.function, c.number, |_| {})
            .map_err(dev)?;
    }
    Ok(if finalize {
        format!("the {} is finalized", p.name())
    } else {
        format!(
            "the open session of the {} is closed; it stays appendable",
            p.name()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dvd_plus_r_table_of_imapi() {
        // (DisableConsumerDvdCompatibilityMode, ForceMediaToBeClosed) → closed
        let c = |p, disable, force| closes_disc(p, force, disable, 1000, 2000);
        assert!(c(Profile::DvdPlusR, false, true));
        assert!(c(Profile::DvdPlusR, false, false), "compatible mode closes");
        assert!(c(Profile::DvdPlusR, true, true));
        assert!(!c(Profile::DvdPlusR, true, false), "DVD+R: session only");
        assert!(
            c(Profile::DvdPlusRDl, true, false),
            "DVD+R DL: closed normally"
        );
        assert!(!c(Profile::CdR, false, false), "no effect on CD");
        assert!(!c(Profile::DvdRSequential, false, false), "nor on DVD-dash");
    }

    #[test]
    fn two_percent_free_closes_every_medium() {
        assert!(closes_disc(Profile::CdR, false, true, 20, 1000));
        assert!(!closes_disc(Profile::CdR, false, true, 21, 1000));
        assert!(closes_disc(Profile::BdRSrm, false, true, 0, 1000));
    }

    #[test]
    fn function_codes_per_family() {
        let f = |p, fin| {
            sequence(p, 3, fin)
                .iter()
                .map(|c| (c.function, c.number))
                .collect::<Vec<_>>()
        };
        assert_eq!(f(Profile::CdR, true), vec![(CloseFunction::Session, 0)]);
        assert_eq!(
            f(Profile::DvdPlusR, true),
            vec![(CloseFunction::Track, 3), (CloseFunction::Finalize, 0)]
        );
        assert_eq!(
            f(Profile::DvdPlusRDl, true),
            vec![
                (CloseFunction::Track, 3),
                (CloseFunction::FinalizeMinimalRadius, 0)
            ]
        );
        assert_eq!(
            f(Profile::BdRSrm, false),
            vec![(CloseFunction::Track, 3), (CloseFunction::Session, 0)]
        );
        assert!(f(Profile::BdRe, true).is_empty());
        assert!(f(Profile::DvdRam, true).is_empty());
    }
}
