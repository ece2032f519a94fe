//! `imapi2 erase` and `imapi2 format`: rewritable media blanked or
//! formatted, with the drive's own progress.

use std::io::IsTerminal;
use std::time::Duration;

use clap::ValueEnum;
use imapi2::burn::erase::DiscFormat2Erase;
use imapi2::burn::formatting::{self, FormatRequest, Spares, Thoroughness};
use imapi2::media::state;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::json;

use crate::device::dev_error;
use crate::report::{self, CliError, Mode};

/// Arguments of `imapi2 erase`.
#[derive(clap::Args)]
#[command(after_help = "\
CD-RW and DVD-RW are blanked (quick: the TOC and the structures; --full: the whole
disc). DVD+RW, DVD-RAM and BD-RE cannot be blanked: a quick erase overwrites their
file-system structures so the disc reads as blank, --full formats them again.")]
pub struct EraseArgs {
    /// The recorder [default: the only recorder there is].
    #[arg(long, value_name = "ID")]
    drive: Option<String>,
    /// Overwrite the whole medium, not only its structures.
    #[arg(long)]
    full: bool,
    /// Print one JSON event per line instead of a progress bar.
    #[arg(long)]
    json: bool,
    /// Print nothing but errors (with --json the JSON events are printed all
    /// the same: --json wins).
    #[arg(short, long)]
    quiet: bool,
}

/// How much of the spare areas to keep.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Spare {
    /// What the drive offers by default.
    Default,
    /// No spare areas: the whole capacity, no defect management (BD-RE).
    None,
    /// The largest spare areas offered.
    Max,
}

/// Arguments of `imapi2 format`.
#[derive(clap::Args)]
#[command(after_help = "\
DVD+RW: a background format (writable at once; --full waits for the whole disc).
DVD-RW: restricted overwrite (--quick grows as written, --full formats it all).
DVD-RAM, BD-RE: with the spare areas --spare asks for, certified with --full.
A blank BD-R can be formatted for defect management (--spare default|max).")]
pub struct FormatArgs {
    /// The recorder [default: the only recorder there is].
    #[arg(long, value_name = "ID")]
    drive: Option<String>,
    /// Quick format (the default).
    #[arg(long, conflicts_with = "full")]
    quick: bool,
    /// Full format: the whole medium, certified where the drive offers it.
    #[arg(long)]
    full: bool,
    /// Spare areas of DVD-RAM, BD-RE and BD-R.
    #[arg(long, value_enum, default_value = "default")]
    spare: Spare,
    /// Print one JSON event per line instead of a progress bar.
    #[arg(long)]
    json: bool,
    /// Print nothing but errors (with --json the JSON events are printed all
    /// the same: --json wins).
    #[arg(short, long)]
    quiet: bool,
}

/// The progress of a long drive operation: a bar or JSON events.
struct Shown {
    mode: Mode,
    bar: Option<ProgressBar>,
}

impl Shown {
    fn new(mode: Mode, what: &str) -> Shown {
        let bar = (mode == Mode::Bar).then(|| {
            let b = ProgressBar::with_draw_target(Some(1000), ProgressDrawTarget::stderr());
            b.set_style(
                ProgressStyle::with_template("{prefix:>10} [{bar:30}] {percent:>3}% {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            );
            b.set_prefix(what.to_string());
            b.enable_steady_tick(Duration::from_millis(200));
            b
        });
        Shown { mode, bar }
    }

    fn update(&self, elapsed: f64, total: f64) {
        match self.mode {
            Mode::Bar => {
                if let Some(b) = &self.bar {
                    let frac = if total > 0.0 {
                        (elapsed / total).min(1.0)
                    } else {
                        0.0
                    };
                    b.set_position((frac * 1000.0) as u64);
                    b.set_message(format!("{elapsed:.0} of about {total:.0} s"));
                }
            }
            Mode::Json => report::event(json!({
                "event": "progress",
                "elapsed_seconds": elapsed,
                "estimated_total_seconds": total,
            })),
            Mode::Quiet => {}
        }
    }

    fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

fn mode(json: bool, quiet: bool) -> Mode {
    if json {
        Mode::Json
    } else if quiet || !std::io::stderr().is_terminal() {
        Mode::Quiet
    } else {
        Mode::Bar
    }
}

/// `imapi2 erase`.
pub fn erase(args: EraseArgs) -> Result<(), CliError> {
    let json = args.json;
    let rec = crate::burn::recorder_for(args.drive.as_deref(), json)?;
    let device = rec.active_disc_recorder().to_string();
    let mut e = DiscFormat2Erase::new();
    let dev = |e| dev_error(e, json);
    e.set_recorder(rec).map_err(dev)?;
    e.set_client_name("imapi2").map_err(dev)?;
    e.set_full_erase(args.full);
    let shown = std::sync::Arc::new(Shown::new(mode(json, args.quiet), "erasing"));
    let s = shown.clone();
    e.set_update(move |el, total| s.update(el, total));
    let r = e.erase_media();
    shown.finish();
    r.map_err(dev)?;
    done(&mut e.take_recorder(), &device, "erased", json, args.quiet)
}

/// `imapi2 format`.
pub fn format(args: FormatArgs) -> Result<(), CliError> {
    let json = args.json;
    let mut rec = crate::burn::recorder_for(args.drive.as_deref(), json)?;
    let device = rec.active_disc_recorder().to_string();
    let req = FormatRequest {
        thoroughness: if args.full {
            Thoroughness::Full
        } else {
            Thoroughness::Quick
        },
        spares: match args.spare {
            Spare::Default => Spares::Default,
            Spare::None => Spares::None,
            Spare::Max => Spares::Max,
        },
    };
    let shown = Shown::new(mode(json, args.quiet), "formatting");
    let r = formatting::format_media(&mut rec, "imapi2", req, &mut |e, t| shown.update(e, t));
    shown.finish();
    r.map_err(|e| dev_error(e, json))?;
    done(&mut Some(rec), &device, "formatted", json, args.quiet)
}

/// The last word: the medium's state afterwards.
fn done(
    rec: &mut Option<imapi2::DiscRecorder>,
    device: &str,
    what: &str,
    json: bool,
    quiet: bool,
) -> Result<(), CliError> {
    let snap = match rec.as_mut() {
        Some(r) => r.media().map_err(|e| dev_error(e, json))?,
        None => return Ok(()),
    };
    let status = state::names(snap.state).join(" ");
    if json {
        report::event(json!({
            "event": "done",
            "drive": device,
            "medium": snap.profile.name(),
            "medium_status": status,
            "total_sectors": snap.total_sectors,
        }));
    } else if !quiet {
        eprintln!(
            "imapi2: {what} the {} in {device}: {} sectors, {status}",
            snap.profile.name(),
            snap.total_sectors
        );
    }
    Ok(())
}
