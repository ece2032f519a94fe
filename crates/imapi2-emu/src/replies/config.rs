//! GET CONFIGURATION: every feature the drive reports, with its Current bit
//! for the medium in the tray, and the drive's serial number.

use imapi2_mmc::cdb::ConfigurationRequest;
use imapi2_mmc::feature::{Configuration, FeatureBody, FeatureDescriptor, ProfileEntry};
use imapi2_mmc::mode::LoadingMechanism;
use imapi2_mmc::profile::Profile;

use crate::drive::{DriveState, Personality};
use crate::error::SenseCode;
use crate::media::{DiscStatus, Family, FormatState, MediaKind, Medium};

/// Drive serial number (feature 0108h, VPD page 80h).
pub(crate) fn serial(p: Personality) -> String {
    format!("EMU{:04X}", p.name().len() * 0x101)
}

/// What the features and their Current bits depend on: the drive's
/// personality and the medium in the tray.
#[derive(Clone, Copy)]
struct Ctx<'a> {
    m: Option<&'a Medium>,
    p: Personality,
    kind: Option<MediaKind>,
    family: Option<Family>,
    writable: bool,
    cd: bool,
    dvd: bool,
    bd: bool,
    dvd_drive: bool,
    bd_drive: bool,
    unit: u16,
}

/// A feature descriptor; persistent features are always current.
fn f(body: FeatureBody, version: u8, persistent: bool, current: bool) -> FeatureDescriptor {
    FeatureDescriptor::new(body, version, persistent, current || persistent)
}

/// Every feature the drive reports, with Current bits for the medium
/// (MMC-6 §5.3; mmc-notes §1.3), in feature-code order.
pub(crate) fn features(d: &DriveState, m: Option<&Medium>) -> Vec<FeatureDescriptor> {
    let p = d.personality;
    let kind = m.map(Medium::kind);
    let c = Ctx {
        m,
        p,
        kind,
        family: m.map(Medium::family),
        writable: m.is_some_and(|m| !m.write_protected() && !m.is_finalized()),
        cd: kind.is_some_and(MediaKind::is_cd),
        dvd: kind.is_some_and(MediaKind::is_dvd),
        bd: kind.is_some_and(MediaKind::is_bd),
        dvd_drive: matches!(p, Personality::DvdWriter | Personality::BdWriter),
        bd_drive: p == Personality::BdWriter,
        unit: kind.map(MediaKind::write_unit).unwrap_or(1) as u16,
    };
    let mut out = base_features(&c);
    out.extend(read_features(&c));
    out.extend(rewritable_features(&c));
    out.extend(recording_features(&c));
    out.extend(bd_and_drive_features(&c));
    out
}

/// Features 0000h–0004h: profile list, core, morphing, removable medium, write protect.
fn base_features(c: &Ctx) -> Vec<FeatureDescriptor> {
    let Ctx {
        m, p, dvd_drive, ..
    } = *c;
    let current_profile = m.map(Medium::profile).unwrap_or(0);
    let mut out = vec![
        f(
            FeatureBody::ProfileList(
                p.profiles()
                    .into_iter()
                    .map(|code| ProfileEntry {
                        profile: Profile::from_code(code),
                        current: code == current_profile,
                    })
                    .collect(),
            ),
            0,
            true,
            true,
        ),
        f(
            FeatureBody::Core {
                interface: 2,
                inq2: true,
                dbe: true,
            },
            2,
            true,
            true,
        ),
        f(
            FeatureBody::Morphing {
                oc_event: true,
                asynchronous: false,
            },
            1,
            true,
            true,
        ),
        f(
            FeatureBody::RemovableMedium {
                mechanism: LoadingMechanism::Tray,
                load: true,
                eject: true,
                prevent_jumper: false,
                dbml: false,
                lock: true,
            },
            2,
            true,
            true,
        ),
    ];
    if dvd_drive {
        out.push(f(
            FeatureBody::WriteProtect {
                dwp: false,
                wdcb: false,
                spwp: true,
                sswpp: true,
            },
            0,
            false,
            m.is_some_and(|m| m.write_protected() || m.kind() == MediaKind::DvdRam),
        ));
    }
    out
}

/// Features 0010h–0020h: random readable, multi-read, CD read, DVD read, random writable.
fn read_features(c: &Ctx) -> Vec<FeatureDescriptor> {
    let Ctx {
        m,
        writable,
        cd,
        dvd,
        dvd_drive,
        unit,
        ..
    } = *c;
    let readable = m.is_some_and(|m| match m.family() {
        Family::Overwritable => m.formatted_blocks().is_some(),
        Family::Rom => true,
        _ => m.disc_status() != DiscStatus::Blank,
    });
    let mut out = Vec::new();
    out.push(f(
        FeatureBody::RandomReadable {
            block_size: 2048,
            blocking: unit,
            pp: true,
        },
        0,
        false,
        readable,
    ));
    out.push(f(FeatureBody::MultiRead, 0, false, cd));
    out.push(f(
        FeatureBody::CdRead {
            dap: true,
            c2_flags: true,
            cd_text: true,
        },
        2,
        false,
        cd,
    ));
    if dvd_drive {
        out.push(f(
            FeatureBody::DvdRead {
                multi110: true,
                dual_rw: false,
                dual_r: true,
            },
            1,
            false,
            dvd,
        ));
        let (last_lba, current) = match m {
            Some(m) if m.family() == Family::Overwritable && writable => match m.formatted_blocks()
            {
                Some(b) => (b.saturating_sub(1), true),
                None => (0, false),
            },
            _ => (0, false),
        };
        out.push(f(
            FeatureBody::RandomWritable {
                last_lba,
                block_size: 2048,
                blocking: unit,
                pp: true,
            },
            0,
            false,
            current,
        ));
    }
    out
}

/// Features 0021h–0027h: incremental streaming writable, formattable, hardware
/// defect management, CD-RW CAV write.
fn rewritable_features(c: &Ctx) -> Vec<FeatureDescriptor> {
    let Ctx {
        m,
        kind,
        writable,
        dvd,
        dvd_drive,
        ..
    } = *c;
    let is = |k: MediaKind| kind == Some(k);
    let mut out = Vec::new();
    let incremental = writable
        && m.is_some_and(|m| {
            matches!(m.family(), Family::Cd | Family::DvdMinus) && m.incremental_allowed()
        });
    out.push(f(
        FeatureBody::IncrementalStreamingWritable {
            data_block_types: if dvd { 0x0100 } else { 0x3F0F },
            trio: false,
            arsv: false,
            buf: true,
            link_sizes: if dvd { vec![16] } else { vec![7] },
        },
        1,
        false,
        incremental,
    ));
    if dvd_drive {
        let formattable = writable
            && match kind {
                Some(
                    MediaKind::DvdPlusRw
                    | MediaKind::DvdMinusRw
                    | MediaKind::DvdRam
                    | MediaKind::BdRe,
                ) => true,
                Some(MediaKind::BdR) => m.is_some_and(|m| {
                    m.disc_status() == DiscStatus::Blank
                        && m.format_state() == FormatState::Unformatted
                }),
                _ => false,
            };
        out.push(f(
            FeatureBody::Formattable {
                renosa: false,
                expand: false,
                qcert: true,
                cert: true,
                rrm: false,
            },
            0,
            false,
            formattable,
        ));
        out.push(f(
            FeatureBody::HardwareDefectManagement { ssa: true },
            0,
            false,
            (is(MediaKind::DvdRam) || is(MediaKind::BdRe))
                && m.and_then(Medium::formatted_blocks).is_some(),
        ));
    }
    out.push(f(
        FeatureBody::CdRwCavWrite,
        0,
        false,
        is(MediaKind::CdRw) && writable,
    ));
    out
}

/// Features 002Ah–003Bh: DVD+RW, DVD+R, rigid restricted overwrite, CD track at
/// once, CD mastering, DVD-R write, CD-RW media, DVD+R DL.
fn recording_features(c: &Ctx) -> Vec<FeatureDescriptor> {
    let Ctx {
        m,
        kind,
        family,
        writable,
        cd,
        dvd_drive,
        ..
    } = *c;
    let is = |k: MediaKind| kind == Some(k);
    let mut out = Vec::new();
    if dvd_drive {
        out.push(f(
            FeatureBody::DvdPlusRw {
                write: true,
                quick_start: true,
                close_only: false,
            },
            0,
            false,
            is(MediaKind::DvdPlusRw),
        ));
        out.push(f(
            FeatureBody::DvdPlusR { write: true },
            0,
            false,
            is(MediaKind::DvdPlusR),
        ));
        out.push(f(
            FeatureBody::RigidRestrictedOverwrite {
                dsdg: true,
                dsdr: true,
                intermediate: true,
                blank: true,
            },
            0,
            false,
            m.is_some_and(|m| m.profile() == 0x0013),
        ));
    }
    let cd_writable = cd && writable && !kind.is_some_and(MediaKind::is_rom);
    out.push(f(
        FeatureBody::CdTrackAtOnce {
            buf: true,
            rw_raw: true,
            rw_pack: true,
            test_write: true,
            cd_rw: true,
            rw_subcode: true,
            data_types: 0x3F0F,
        },
        2,
        false,
        cd_writable,
    ));
    out.push(f(
        FeatureBody::CdMastering {
            buf: true,
            sao: true,
            raw_ms: true,
            raw: true,
            test_write: true,
            cd_rw: true,
            rw: true,
            max_cue_sheet_length: 4096,
        },
        1,
        false,
        cd_writable
            && m.is_some_and(|m| m.disc_status() == DiscStatus::Blank || m.sao_layout().is_some()),
    ));
    if dvd_drive {
        out.push(f(
            FeatureBody::DvdMinusRWrite {
                buf: true,
                rdl: true,
                test_write: true,
                dvd_rw: true,
            },
            2,
            false,
            writable && family == Some(Family::DvdMinus),
        ));
    }
    out.push(f(
        FeatureBody::CdRwMediaWriteSupport { subtypes: 0x02 },
        0,
        false,
        is(MediaKind::CdRw) && writable,
    ));
    if dvd_drive {
        out.push(f(
            FeatureBody::DvdPlusRDl { write: true },
            0,
            false,
            is(MediaKind::DvdPlusRDl),
        ));
    }
    out
}

/// Features 0040h–010Ch: BD read and write, power management, timeout,
/// real-time streaming, serial number, firmware.
fn bd_and_drive_features(c: &Ctx) -> Vec<FeatureDescriptor> {
    let Ctx {
        m,
        p,
        kind,
        writable,
        bd,
        bd_drive,
        ..
    } = *c;
    let mut out = Vec::new();
    if bd_drive {
        out.push(f(
            FeatureBody::BdRead {
                re: [0x0007, 0, 0, 0],
                r: [0x0007, 0, 0, 0],
                rom: [0x0007, 0, 0, 0],
            },
            0,
            false,
            bd,
        ));
        out.push(f(
            FeatureBody::BdWrite {
                svnr: false,
                re: [0x0007, 0, 0, 0],
                r: [0x0007, 0, 0, 0],
            },
            0,
            false,
            bd && writable && !kind.is_some_and(MediaKind::is_rom),
        ));
    }
    out.push(f(FeatureBody::PowerManagement, 0, true, true));
    out.push(f(
        FeatureBody::Timeout {
            group3: false,
            unit_length: 0,
        },
        0,
        true,
        true,
    ));
    out.push(f(
        FeatureBody::RealTimeStreaming {
            rbcb: true,
            scs: true,
            mp2a: true,
            wspd: true,
            sw: true,
        },
        5,
        false,
        m.is_some(),
    ));
    out.push(f(FeatureBody::DriveSerialNumber(serial(p)), 0, true, true));
    out.push(f(
        FeatureBody::FirmwareInformation {
            date: *b"20250101000000",
        },
        0,
        true,
        true,
    ));
    out
}

/// GET CONFIGURATION reply for request type `rt` starting at feature `start`
/// (MMC-6 §6.6.2.1): RT 00b every feature from `start`, 01b the current ones,
/// 10b only `start`.
pub(crate) fn configuration(
    d: &DriveState,
    m: Option<&Medium>,
    rt: ConfigurationRequest,
    start: u16,
) -> Result<Configuration, SenseCode> {
    let all = features(d, m);
    let features = match rt {
        ConfigurationRequest::All => all.into_iter().filter(|f| f.code() >= start).collect(),
        ConfigurationRequest::Current => all
            .into_iter()
            .filter(|f| f.code() >= start && f.current)
            .collect(),
        ConfigurationRequest::One => all.into_iter().filter(|f| f.code() == start).collect(),
        ConfigurationRequest::Reserved => return Err(SenseCode::INVALID_FIELD_IN_CDB),
    };
    Ok(Configuration {
        current_profile: Profile::from_code(m.map(Medium::profile).unwrap_or(0)),
        features,
        truncated: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::drive::Personality;
    use crate::media::MediaKind;

    #[test]
    fn features_follow_the_medium() {
        let d = DriveState::power_on(Personality::BdWriter);
        let m = Medium::new(MediaKind::DvdPlusRw);
        let fs = features(&d, Some(&m));
        assert!(fs.windows(2).all(|w| w[0].code() < w[1].code()));
        let cur = |c: u16| fs.iter().find(|f| f.code() == c).map(|f| f.current);
        assert_eq!(cur(0x002A), Some(true));
        assert_eq!(
            cur(0x0020),
            Some(false),
            "unformatted DVD+RW is not random writable"
        );
        assert_eq!(cur(0x0023), Some(true));
        assert_eq!(cur(0x002B), Some(false));
        let none = features(&d, None);
        assert!(none.iter().filter(|f| f.current).all(|f| f.persistent));
    }
}
