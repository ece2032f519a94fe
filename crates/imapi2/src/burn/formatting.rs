//! Formatting rewritable media (mmc-notes §1.4 "Format", §2.3–§2.7): the
//! FORMAT UNIT descriptor chosen from what READ FORMAT CAPACITIES offers,
//! sent with Immed, and the drive's progress followed until it is ready.
//! Beyond IMAPI, which formats only inside its writers and its erase.
//!
//! | Medium | quick | full |
//! |---|---|---|
//! | DVD+RW | 26h: background format, writable at once | 26h, waited for until the whole disc is formatted |
//! | DVD-RW | 15h quick: restricted overwrite, grows as written | 00h full: restricted overwrite, the whole disc |
//! | DVD-RAM | 00h (01h for the largest spares) without certification | the same, certified |
//! | BD-RE | 00h default spares, 30h quick-certified for the largest, 31h none | 30h full certification (31h: none) |
//! | BD-R (blank) | 00h SRM with default spares, 32h for the largest | the same |
//!
//! A DVD+RW whose background format was suspended is restarted where it
//! stopped. Progress is polled with TEST UNIT READY every 0.1 s, growing to
//! 0.5 s (the command layer's pace), and reported as the drive's fraction.

use std::time::Duration;

use imapi2_mmc::disc_info::BgFormatStatus;
use imapi2_mmc::format::{
    CapacityDescriptorType, FormatCapacities, FormatType, FormatUnitParameters,
    FormattableDescriptor,
};
use imapi2_mmc::profile::Profile;

use crate::error::{Error, Result};
use crate::recorder::DiscRecorder;

/// How thorough a format is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Thoroughness {
    /// Quick: writable as soon as the drive allows, no certification.
    #[default]
    Quick,
    /// Full: the whole medium formatted (and certified where offered).
    Full,
}

/// The spare areas of defect-managed media (DVD-RAM, BD-RE, BD-R).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Spares {
    /// What the drive offers by default.
    #[default]
    Default,
    /// None: the whole capacity, no defect management (BD-RE 31h).
    None,
    /// The largest spare areas offered.
    Max,
}

/// What a format asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FormatRequest {
    /// Quick or full.
    pub thoroughness: Thoroughness,
    /// Spare areas.
    pub spares: Spares,
}

/// The FORMAT UNIT parameters for `profile`, or why it cannot be
/// formatted so. `bg` is a DVD+RW's background format status.
pub fn choose(
    profile: Profile,
    caps: &FormatCapacities,
    bg: BgFormatStatus,
    req: FormatRequest,
) -> std::result::Result<FormatUnitParameters, String> {
    let offered = |t: FormatType| caps.formattable.iter().filter(move |d| d.format_type == t);
    let first = |t: FormatType| offered(t).next().copied();
    // Of several descriptors of one type, the one with the most spare (the
    // fewest user blocks).
    let most_spare = |t: FormatType| offered(t).min_by_key(|d| d.blocks).copied();
    let params = |d: FormattableDescriptor, subtype: u8| {
        let mut p = FormatUnitParameters::immediate(d.format_type, d.blocks, d.type_parameter);
        p.descriptor.subtype = subtype;
        p
    };
    let missing = |what: &str| format!("the drive offers no {what} for this {}", profile.name());
    let quick = req.thoroughness == Thoroughness::Quick;
    Ok(match profile {
        Profile::DvdPlusRw => {
            if req.spares != Spares::Default {
                return Err("a DVD+RW has no spare areas to choose".into());
            }
            let d = first(FormatType::DVD_PLUS_RW_BASIC).ok_or_else(|| missing("format 26h"))?;
            let mut p = params(d, 0);
            // Restart a suspended background format where it stopped
            // (type dependent parameter bit 0, MMC-6 §6.5.4.2.14).
            if bg == BgFormatStatus::Suspended {
                p.descriptor.type_parameter = 1;
            }
            p
        }
        Profile::DvdRwSequential | Profile::DvdRwRestrictedOverwrite => {
            if req.spares != Spares::Default {
                return Err("a DVD-RW has no spare areas to choose".into());
            }
            let t = if quick {
                FormatType::DVD_RW_QUICK
            } else {
                FormatType::FULL
            };
            let d = first(t).ok_or_else(|| missing(&format!("format {:02X}h", t.0)))?;
            params(d, 0)
        }
        Profile::DvdRam => {
            let t = match req.spares {
                Spares::Default => FormatType::FULL,
                Spares::Max => FormatType::SPARE_AREA_EXPANSION,
                Spares::None => return Err("a DVD-RAM always keeps spare areas".into()),
            };
            let d = first(t).ok_or_else(|| missing(&format!("format {:02X}h", t.0)))?;
            let mut p = params(d, 0);
            // DCRT: no certification on a quick format (MMC-6 table 52).
            p.dcrt = quick;
            p
        }
        Profile::BdRe => match (req.spares, req.thoroughness) {
            (Spares::None, _) => params(
                first(FormatType::BD_RE_WITHOUT_SPARES).ok_or_else(|| missing("format 31h"))?,
                0,
            ),
            (Spares::Default, Thoroughness::Quick) => params(
                first(FormatType::FULL).ok_or_else(|| missing("format 00h"))?,
                0,
            ),
            // 30h sub-types (MMC-6 §6.5.4.2.17): 10b full certification,
            // 11b quick certification.
            (Spares::Default, Thoroughness::Full) => params(
                first(FormatType::BD_RE_WITH_SPARES).ok_or_else(|| missing("format 30h"))?,
                2,
            ),
            (Spares::Max, t) => params(
                most_spare(FormatType::BD_RE_WITH_SPARES).ok_or_else(|| missing("format 30h"))?,
                if t == Thoroughness::Full { 2 } else { 3 },
            ),
        },
        Profile::BdRSrm => {
            let d = match req.spares {
                Spares::Default => first(FormatType::FULL),
                Spares::Max => most_spare(FormatType::BD_R_WITH_SPARES),
                Spares::None => {
                    return Err("a BD-R without spare areas is simply not formatted".into())
                }
            }
            .ok_or_else(|| "only a blank BD-R can be formatted".to_string())?;
            // 00h sub-type 01b: sequential recording without pseudo-overwrite.
            params(
                d,
                if d.format_type == FormatType::FULL {
                    1
                } else {
                    0
                },
            )
        }
        Profile::CdRw => {
            return Err("a CD-RW is not formatted for data burning: erase it instead".into())
        }
        p if p.is_writable() => return Err(format!("a {} cannot be formatted", p.name())),
        p => {
            return Err(format!(
                "a {} cannot be formatted: it is read-only",
                p.name()
            ))
        }
    })
}

/// Whether the medium needs formatting before it can be written: a blank
/// DVD+RW or an unformatted BD-RE.
pub fn needs_format(profile: Profile, caps: &FormatCapacities, bg: BgFormatStatus) -> bool {
    match profile {
        Profile::DvdPlusRw => bg == BgFormatStatus::None,
        Profile::BdRe => caps.current.descriptor_type == CapacityDescriptorType::Unformatted,
        _ => false,
    }
}

/// Formats the medium in `recorder` with `params`, reporting the drive's
/// progress (0..=1) and the time since the start on the drive's clock;
/// gives up after `budget`. With `until_complete`, a DVD+RW background
/// format is followed to its end (asked once a second).
pub fn run(
    recorder: &mut DiscRecorder,
    params: &FormatUnitParameters,
    budget: Duration,
    until_complete: bool,
    progress: &mut dyn FnMut(Option<f64>, Duration),
) -> Result<()> {
    let device = recorder.device().to_string();
    let dev = |error| Error::Device {
        device: device.clone(),
        error,
    };
    let drive = recorder.drive();
    let start = drive.now();
    let _ = drive.take_attention();
    drive
        .format_unit_timed(params, budget, &mut *progress)
        .map_err(dev)?;
    reset_while_working(recorder, "format")?;
    if until_complete && params.descriptor.format_type == FormatType::DVD_PLUS_RW_BASIC {
        loop {
            let d = recorder.drive();
            let di = d.read_disc_information().map_err(dev)?;
            if di.bg_format_status == BgFormatStatus::Complete {
                break;
            }
            let waited = d.now().saturating_sub(start);
            progress(None, waited);
            if waited >= budget {
                return Err(Error::Device {
                    device: device.clone(),
                    error: imapi2_mmc::drive::MmcError::Timeout {
                        command: "FORMAT UNIT",
                        budget,
                        last: None,
                    },
                });
            }
            // The background format runs on its own: ask once a second.
            d.sleep(Duration::from_secs(1));
        }
        reset_while_working(recorder, "format")?;
    }
    formatted(recorder)
}

/// A reset (power loss, bus reset) while the drive worked on a long
/// operation ends it, whatever the polling saw afterwards: the drive
/// reports 06/29/00 and is ready again with the work undone.
pub fn reset_while_working(recorder: &mut DiscRecorder, what: &str) -> Result<()> {
    match recorder.drive().take_attention() {
        Some(s) if s.asc == 0x29 => Err(Error::Burn {
            device: recorder.device().to_string(),
            reason: format!(
                "the drive was reset while it worked ({s}): the {what} did not complete; run it again"
            ),
            code: 0xC0AA_0301,
        }),
        _ => Ok(()),
    }
}

/// After a format: the medium reports itself formatted.
fn formatted(recorder: &mut DiscRecorder) -> Result<()> {
    let device = recorder.device().to_string();
    let drive = recorder.drive();
    let caps = drive
        .read_format_capacities()
        .map_err(|error| Error::Device {
            device: device.clone(),
            error,
        })?;
    if caps.current.descriptor_type == CapacityDescriptorType::Unformatted {
        return Err(Error::Burn {
            device,
            reason: "the drive accepted the format but the medium is not formatted".into(),
            code: 0xC0AA_0301,
        });
    }
    Ok(())
}

/// Formats the medium in `recorder` as `req` asks, holding the recorder as
/// `client_name` for the time it takes: the refusals first (no medium,
/// write-protected, mounted, a medium or a format the drive does not
/// offer), then the format, with `update(elapsed, estimated total)` in the
/// drive's seconds.
pub fn format_media(
    recorder: &mut DiscRecorder,
    client_name: &str,
    req: FormatRequest,
    update: &mut dyn FnMut(f64, f64),
) -> Result<()> {
    let mounted = recorder.volume_path_names().to_vec();
    let mut held = super::prepare::Held::take(recorder, client_name)?;
    let device = held.device().to_string();
    let dev = |error| Error::Device {
        device: device.clone(),
        error,
    };
    let refuse = |code: u32, reason: String| Error::Burn {
        device: device.clone(),
        reason,
        code,
    };
    let snap = crate::media::snapshot(held.drive()).map_err(dev)?;
    let p = snap.profile;
    if !snap.present {
        return Err(refuse(0xC0AA_0202, "no medium in the drive".into()));
    }
    if snap.write_protected {
        return Err(refuse(
            0xC0AA_0209,
            format!("the {} is write-protected", p.name()),
        ));
    }
    if !mounted.is_empty() {
        let at: Vec<String> = mounted.iter().map(|m| m.display().to_string()).collect();
        return Err(refuse(
            0xC0AA_0210,
            format!(
                "the {} is mounted at {}: unmount it first",
                p.name(),
                at.join(", ")
            ),
        ));
    }
    let drive = held.drive();
    let caps = drive.read_format_capacities().map_err(dev)?;
    let bg = drive
        .read_disc_information()
        .map(|d| d.bg_format_status)
        .map_err(dev)?;
    let params = choose(p, &caps, bg, req).map_err(|why| refuse(0xC0AA_0909, why))?;
    let mut report = |f: Option<f64>, elapsed: Duration| {
        let e = elapsed.as_secs_f64();
        let total = match f {
            Some(f) if f > 0.001 => e / f,
            _ => e,
        };
        update(e, total.max(e));
    };
    report(Some(0.0), Duration::ZERO);
    let start = held.drive().now();
    let budget = held.drive().policy().long;
    let full = req.thoroughness == Thoroughness::Full;
    run(&mut held, &params, budget, full, &mut report)?;
    let end = held.drive().now();
    report(Some(1.0), end.saturating_sub(start));
    Ok(())
}
