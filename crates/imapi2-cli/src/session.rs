//! The next session of a medium, for `mkimage --append-to` (an image file)
//! and `burn --append` (the disc in a recorder): the medium's newest tree
//! imported into a new image, which then takes the new sources, and the
//! file systems that session writes.

use imapi2::burn::data::DiscFormat2Data;
use imapi2::burn::multisession::MultisessionInterface;
use imapi2::fs::{FileSystemImage, FileSystems, Multisession};
use imapi2::media::{self, state, MediaSnapshot};

use crate::device::dev_error;
use crate::report::{lib_error, CliError};

/// Imports the newest tree (Rock Ridge, else Joliet, else ISO 9660, else
/// UDF) of the medium `img`'s multisession state names, whose file systems
/// are `present`, and sets the file systems and volume name of the new
/// session to the old one's (the UDF revision too, by the import).
pub fn import_newest(img: &mut FileSystemImage, present: FileSystems) -> imapi2::fs::Result<()> {
    let view = [
        FileSystems::ROCK_RIDGE,
        FileSystems::JOLIET,
        FileSystems::ISO9660,
        FileSystems::UDF,
    ]
    .into_iter()
    .find(|v| present.contains(*v))
    .ok_or(imapi2::fs::Error::FileSystemNotFound {
        file_system: FileSystems::ISO9660,
        present,
    })?;
    img.import_specific_file_system(view, None)?;
    let mut fs = present & (FileSystems::ISO9660 | FileSystems::JOLIET | FileSystems::ROCK_RIDGE);
    if present.contains(FileSystems::UDF) {
        fs |= FileSystems::UDF;
    }
    img.set_file_systems_to_create(fs)?;
    if let Some(name) = img.imported_volume_name().map(str::to_string) {
        let _ = img.set_volume_name(&name);
    }
    Ok(())
}

/// A new image for the next session of the disc in `w`'s recorder: the
/// multisession object the medium supports, its newest tree imported.
/// Refuses, in one line with the IMAPI code, a medium that takes no next
/// session, saying why.
pub fn for_disc(
    w: &mut DiscFormat2Data,
    snap: &MediaSnapshot,
    device: &str,
    json: bool,
) -> Result<FileSystemImage, CliError> {
    let dev = |e| dev_error(e, json);
    let ifaces = w.multisession_interfaces().map_err(dev)?;
    let Some(iface) = ifaces
        .iter()
        .find(|i| i.is_supported_on_current_media_state())
    else {
        return Err(CliError {
            message: format!("{device}: {}", why_no_session(snap, &ifaces)),
            code: Some("IMAPI_E_NO_COMPATIBLE_MULTISESSION_TYPE"),
            json,
        });
    };
    let medium = iface.open_import_medium().map_err(dev)?;
    let present =
        FileSystemImage::identify_file_systems_on_disc(&medium).map_err(|e| lib_error(e, json))?;
    let ms: Multisession = iface.to_fs(medium).map_err(dev)?;
    let mut img = FileSystemImage::new();
    img.set_multisession(ms).map_err(|e| lib_error(e, json))?;
    import_newest(&mut img, present).map_err(|e| lib_error(e, json))?;
    Ok(img)
}

/// Why a medium takes no next session, in words a user can act on.
fn why_no_session(snap: &MediaSnapshot, ifaces: &[MultisessionInterface]) -> String {
    let p = snap.profile.name();
    if !snap.present {
        return "no medium in the drive".into();
    }
    if ifaces.is_empty() {
        return format!("a {p} takes no sessions");
    }
    if snap.state & state::FINALIZED != 0 {
        let why = match snap.profile {
            imapi2::mmc::profile::Profile::DvdPlusR => {
                " (IMAPI closes a DVD+R for DVD players unless it is burnt with --multi)"
            }
            imapi2::mmc::profile::Profile::DvdRDlSequential
            | imapi2::mmc::profile::Profile::DvdPlusRDl => {
                " (a dual-layer DVD±R takes one session)"
            }
            _ => "",
        };
        return format!("the {p} is closed: nothing more can be added to it{why}");
    }
    if snap.state & state::NON_EMPTY_SESSION != 0 {
        return format!(
            "the {p} holds an open session from an interrupted burn: `imapi2 close` closes it \
             first"
        );
    }
    if media::is_overwritable(snap.profile) {
        return format!(
            "the {p} holds no file system to add to: burn without --append (--overwrite if it \
             holds anything)"
        );
    }
    format!("the {p} is blank: burn without --append")
}

/// Refuses a burn without `--append` onto a medium that already holds data
/// and would keep it (a write-once medium with a session), or whose data
/// would be overwritten without `--overwrite`: one line with both ways on.
pub fn refuse_plain_burn(
    snap: &MediaSnapshot,
    device: &str,
    overwrite: bool,
    json: bool,
) -> Result<(), CliError> {
    if !snap.present {
        return Ok(());
    }
    let p = snap.profile.name();
    let message = if media::is_overwritable(snap.profile) {
        if snap.state & state::BLANK != 0 || overwrite {
            return Ok(());
        }
        format!(
            "{device}: the {p} holds a file system: --append adds a session to it, \
             --overwrite writes over it"
        )
    } else {
        if snap.state & state::APPENDABLE == 0 || snap.state & state::BLANK != 0 {
            return Ok(());
        }
        format!(
            "{device}: the {p} already holds a session: --append adds one (with the newest \
             tree), or use a blank disc{}",
            if snap.erasable {
                " (or erase this one)"
            } else {
                ""
            }
        )
    };
    Err(CliError {
        message,
        code: Some(if media::is_overwritable(snap.profile) {
            "E_IMAPI_DF2DATA_MEDIA_NOT_BLANK"
        } else {
            "E_IMAPI_DF2DATA_INVALID_MEDIA_STATE"
        }),
        json,
    })
}
