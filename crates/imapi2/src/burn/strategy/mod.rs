//! One write strategy per medium family (mmc-notes §1.4 "Burn a data disc",
//! §2.2–§2.7): what to check, set up and reserve before the data goes out,
//! where the data goes, and how the medium is closed after it.
//!
//! - [`cd`]: CD-R and CD-RW, a track-at-once data track (session at once
//!   when asked for);
//! - [`dvd_dash`]: DVD-R, DVD-RW sequential and DVD-R DL, incremental
//!   (disc at once where the drive offers no incremental writing);
//! - [`dvd_plus`]: DVD+R and DVD+R DL (with the layer break);
//! - [`bd_r`]: BD-R in sequential recording mode;
//! - [`overwrite`]: DVD+RW, DVD-RW restricted overwrite, DVD-RAM and BD-RE,
//!   formatted first when blank.

pub mod bd_r;
pub mod cd;
pub mod dvd_dash;
pub mod dvd_plus;
pub mod overwrite;

mod common;

pub use common::*;

use imapi2_mmc::profile::Profile;

/// The strategy for a profile, or None when the data writer cannot write it.
pub fn for_profile(profile: Profile) -> Option<Box<dyn Strategy>> {
    Some(match profile {
        Profile::CdR | Profile::CdRw => Box::new(cd::Cd::default()),
        Profile::DvdRSequential | Profile::DvdRwSequential | Profile::DvdRDlSequential => {
            Box::new(dvd_dash::DvdDash::default())
        }
        Profile::DvdPlusR | Profile::DvdPlusRDl => Box::new(dvd_plus::DvdPlus),
        Profile::BdRSrm => Box::new(bd_r::BdR),
        Profile::DvdPlusRw
        | Profile::DvdRwRestrictedOverwrite
        | Profile::DvdRam
        | Profile::BdRe => Box::new(overwrite::Overwrite::default()),
        _ => return None,
    })
}
