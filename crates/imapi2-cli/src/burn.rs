//! `imapi2 burn`: folders and files (an image built on the fly, never
//! staged on disk) or an image file onto the medium of a recorder, with
//! IMAPI's data writer.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use clap::ValueEnum;
use imapi2::burn::data::DiscFormat2Data;
use imapi2::burn::events::{DataWriteAction, DataWriteProgress, Flow, VerificationLevel};
use imapi2::fs::{FileSystemImage, FileSystems, MediaPhysicalType};
use imapi2::media::{self, state, MediaSnapshot};
use imapi2::mmc::profile::MediaFamily;
use imapi2::virtual_recorder::{self, Insert};
use imapi2::{DiscMaster, DiscRecorder, RecorderKind};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::json;

use crate::device::dev_error;
use crate::report::{self, lib_error, CliError, Mode};
use crate::sources::{add_source, shown_sources, FsArgs};

/// How much reading back after the burn.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Verify {
    /// No reading back beyond the drive's account of what it recorded.
    None,
    /// Disc and track information, and a sample of sectors compared.
    Quick,
    /// Every sector read back and compared with what was sent.
    Full,
}

/// Arguments of `imapi2 burn`.
#[derive(clap::Args)]
#[command(after_help = "\
SRC is a folder (its contents go to the disc's root), a file (placed in the root),
or PATH_IN_DISC=SRC to place it elsewhere, as in mkimage; the image is built while
it is written, never staged on disk. --image FILE burns an image file instead.

The file systems are IMAPI's for the medium (CD: ISO 9660 + Joliet, DVD: with
UDF 1.02, BD: UDF 2.50), with Rock Ridge wherever ISO 9660 is, unless --fs says
otherwise. Everything is checked before the first WRITE: a medium that is
missing, finalized, write-protected or too small is refused with its IMAPI code.
Ctrl-C cancels cleanly and says what the medium then holds.")]
pub struct Args {
    /// The recorder: an id from `imapi2 drives`, a device (/dev/sr0) or
    /// virtual:DIR [default: the only recorder there is].
    #[arg(long, value_name = "ID")]
    drive: Option<String>,
    /// Virtual recorders only: put a new blank medium of KIND in first
    /// (cd-r, cd-rw, dvd-r, dvd-rw, dvd-r-dl, dvd+r, dvd+r-dl, dvd+rw,
    /// dvd-ram, bd-r, bd-re), making the recorder when DIR has none.
    #[arg(long, value_name = "KIND", value_parser = crate::device::parse_media_name)]
    blank: Option<String>,
    /// Burn this image file instead of building one from SRC.
    #[arg(long, value_name = "FILE", conflicts_with = "sources")]
    image: Option<PathBuf>,
    #[command(flatten)]
    fs: FsArgs,
    /// Close (finalize) the disc after this session: nothing more can be added.
    #[arg(long, alias = "finalize")]
    close: bool,
    /// Add a session to the disc: its newest tree is imported, SRC are added
    /// over it (later wins), and the next session is written after the old
    /// ones (on DVD+RW, DVD-RAM, BD-RE: after the old tree, then pointed at).
    #[arg(long, conflicts_with_all = ["image", "overwrite"])]
    append: bool,
    /// With --append: leave PATH (a file or folder of the disc) out of the
    /// new session's tree; its data stays on the disc. Repeatable.
    #[arg(long, value_name = "PATH", requires = "append")]
    remove: Vec<String>,
    /// Keep a DVD+R appendable, where IMAPI closes it for DVD players
    /// (DisableConsumerDvdCompatibilityMode); implied by --append.
    #[arg(long, conflicts_with = "close")]
    multi: bool,
    /// Read the burn back: none, quick or full.
    #[arg(long, value_enum, default_value = "quick")]
    verify: Verify,
    /// Write speed: max, or a multiple of the medium's 1× (16, 2.4x).
    #[arg(long, value_name = "N|max", default_value = "max")]
    speed: String,
    /// Test write: the drive goes through the burn with the laser off (CD-R/RW, DVD-R/RW).
    #[arg(long)]
    dummy: bool,
    /// Write a blank CD session at once (a cue sheet) instead of track at once.
    #[arg(long)]
    sao: bool,
    /// Write over a rewritable medium that holds data (IMAPI's ForceOverwrite).
    #[arg(long)]
    overwrite: bool,
    /// Open the tray when the burn has succeeded.
    #[arg(long)]
    eject: bool,
    /// Print one JSON event per line on stdout instead of a progress bar.
    #[arg(long)]
    json: bool,
    /// Print nothing but errors (with --json the JSON events are printed all
    /// the same: --json wins).
    #[arg(short, long)]
    quiet: bool,
    /// Folders and files to burn.
    #[arg(value_name = "SRC", required_unless_present_any = ["image", "remove"])]
    sources: Vec<std::ffi::OsString>,
}

/// The 1× speed of a medium family in sectors per second (IMAPI's
/// `IMAPI_SECTORS_PER_SECOND_AT_1X_*`).
fn one_x(family: MediaFamily) -> f64 {
    match family {
        MediaFamily::Cd => 75.0,
        MediaFamily::Dvd => 680.0,
        MediaFamily::Bd => 2195.0,
    }
}

/// `--speed`: -1 for max, else sectors per second for the family.
fn parse_speed(s: &str, family: MediaFamily) -> Result<i32, String> {
    if s == "max" {
        return Ok(-1);
    }
    let n: f64 = s
        .trim_end_matches(['x', 'X'])
        .parse()
        .map_err(|_| format!("--speed {s:?}: not max or a number like 16 or 2.4x"))?;
    if !(n > 0.0 && n < 1000.0) {
        return Err(format!("--speed {s:?}: out of range"));
    }
    Ok((n * one_x(family)).round() as i32)
}

/// The recorder named, or the only one there is (with a clear list to
/// choose from when there are several).
pub fn recorder_for(name: Option<&str>, json: bool) -> Result<DiscRecorder, CliError> {
    let usage = |message: String| CliError {
        message,
        code: None,
        json,
    };
    let master = DiscMaster::new();
    let name =
        match name {
            Some(d) => d.to_string(),
            None => {
                let entries = master.entries();
                match entries.len() {
                    1 => entries[0].id.clone(),
                    0 => return Err(usage(
                        "no recorder found: name one with --drive (virtual:DIR makes a virtual \
                         one with burn --blank KIND)"
                            .into(),
                    )),
                    _ => {
                        let list: Vec<String> = entries
                            .iter()
                            .map(|e| match &e.kind {
                                RecorderKind::Real { node, .. } => {
                                    format!("{} ({})", e.id, node.display())
                                }
                                RecorderKind::Virtual { .. } => e.id.clone(),
                            })
                            .collect();
                        return Err(usage(format!(
                            "{} recorders: choose one with --drive: {}",
                            list.len(),
                            list.join(", ")
                        )));
                    }
                }
            }
        };
    master.open(&name).map_err(|e| dev_error(e, json))
}

/// The recorder to burn to, with a new blank medium in it first when
/// `--blank` asks.
fn open_recorder(args: &Args) -> Result<DiscRecorder, CliError> {
    let json = args.json;
    if let Some(kind) = &args.blank {
        let name = args.drive.as_deref().unwrap_or_default();
        let dir = virtual_dir(name).ok_or_else(|| CliError {
            message: format!("--blank {kind}: --drive must name a virtual recorder (virtual:DIR)"),
            code: None,
            json,
        })?;
        insert_blank(&dir, kind).map_err(|e| dev_error(e, json))?;
    }
    recorder_for(args.drive.as_deref(), json)
}

/// DIR of `virtual:DIR`.
fn virtual_dir(name: &str) -> Option<PathBuf> {
    name.strip_prefix("virtual:").map(PathBuf::from)
}

/// A new blank medium in the virtual recorder of `dir` (made if missing,
/// for the medium's family); the medium it held is ejected and kept.
fn insert_blank(dir: &Path, kind: &str) -> imapi2::Result<()> {
    let media = virtual_recorder::parse_media(kind).ok_or_else(|| imapi2::Error::InvalidParam {
        name: "--blank",
        reason: format!(
            "{kind:?} is not a medium kind ({})",
            virtual_recorder::MEDIA_NAMES
        ),
    })?;
    if !virtual_recorder::exists(dir) {
        let personality = if media.is_bd() {
            imapi2::emu::Personality::BdWriter
        } else if media.is_cd() {
            imapi2::emu::Personality::CdWriter
        } else {
            imapi2::emu::Personality::DvdWriter
        };
        virtual_recorder::create(dir, personality, Some(media))?;
        return imapi2::VirtualRegistry::from_env().add(dir);
    }
    virtual_recorder::eject(dir)?;
    virtual_recorder::insert(dir, Insert::Blank(media)).map(|_| ())
}

/// The image to burn, built from the sources for the medium.
fn build_image(args: &Args, snap: &MediaSnapshot) -> Result<FileSystemImage, CliError> {
    let err = |e| lib_error(e, args.json);
    let mut img = FileSystemImage::new();
    let physical = media::physical_type_of(snap.profile);
    if physical != MediaPhysicalType::Unknown {
        img.choose_image_defaults_for_media_type(physical)
            .map_err(err)?;
    }
    let mut fs = img.file_systems_to_create();
    if fs.contains(FileSystems::ISO9660) {
        fs |= FileSystems::ROCK_RIDGE;
    }
    img.set_file_systems_to_create(fs).map_err(err)?;
    let room = if media::is_overwritable(snap.profile) {
        snap.total_sectors
    } else {
        snap.free_sectors
    };
    img.set_free_media_blocks(room.max(1)).map_err(err)?;
    fill_image(&mut img, args)?;
    Ok(img)
}

/// The file-system options, `--remove` and the sources, onto an image.
fn fill_image(img: &mut FileSystemImage, args: &Args) -> Result<(), CliError> {
    let err = |e| lib_error(e, args.json);
    args.fs.apply(img).map_err(err)?;
    let root = img.root();
    for path in &args.remove {
        img.remove(root, path).map_err(err)?;
    }
    let mut skipped = Vec::new();
    for s in &args.sources {
        let list = args.fs.skip_unreadable.then_some(&mut skipped);
        if let Some(w) = add_source(img, s, list).map_err(err)? {
            crate::report::warning(&w, args.json, args.quiet);
        }
    }
    crate::sources::report_skipped(&skipped, args.json, args.quiet);
    args.fs.apply_level(img).map_err(err)?;
    Ok(())
}

/// The progress shown while burning.
struct Shown {
    mode: Mode,
    bar: Option<ProgressBar>,
    family: MediaFamily,
    last_json: std::sync::Mutex<JsonPace>,
}

/// JSON progress at most ten times a second, but the last event of each
/// action always out.
#[derive(Default)]
struct JsonPace {
    last: Option<(std::time::Instant, DataWriteAction)>,
    held: Option<serde_json::Value>,
}

impl Shown {
    fn new(mode: Mode, family: MediaFamily) -> Shown {
        let bar = (mode == Mode::Bar).then(|| {
            let b = ProgressBar::with_draw_target(Some(1000), ProgressDrawTarget::stderr());
            b.set_style(
                ProgressStyle::with_template(
                    "{prefix:>11} [{bar:30}] {percent:>3}% {msg} ETA {eta}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
            );
            b.enable_steady_tick(Duration::from_millis(200));
            b
        });
        Shown {
            mode,
            bar,
            family,
            last_json: std::sync::Mutex::new(JsonPace::default()),
        }
    }

    fn update(&self, p: &DataWriteProgress) {
        let e = &p.engine;
        let secs = p.elapsed_time.max(1e-6);
        let written = e.sectors_written();
        match self.mode {
            Mode::Bar => {
                let Some(bar) = &self.bar else { return };
                bar.set_prefix(p.current_action.word());
                let frac = p.action_progress.unwrap_or(0.0).clamp(0.0, 1.0);
                bar.set_position((frac * 1000.0) as u64);
                if p.current_action == DataWriteAction::WritingData && written > 0 {
                    let rate = written as f64 / secs;
                    let drive = match (e.device_buffer_size, e.device_buffer_free) {
                        (Some(size), Some(free)) if size > 0 => {
                            format!(" drive {:>3}%", (size - free.min(size)) * 100 / size)
                        }
                        _ => String::new(),
                    };
                    let host = (e.used_system_buffer * 100)
                        .checked_div(e.total_system_buffer)
                        .unwrap_or(0);
                    bar.set_message(format!(
                        "{:.1} MB/s {:.1}x{drive} host {host:>3}%",
                        rate * 2048.0 / 1e6,
                        rate / one_x(self.family)
                    ));
                } else {
                    bar.set_message(String::new());
                }
            }
            Mode::Json => {
                let v = json!({
                    "event": "progress",
                    "action": p.current_action.word(),
                    "current_action": p.current_action.imapi_name(),
                    "action_progress": p.action_progress,
                    "elapsed_time": p.elapsed_time,
                    "remaining_time": p.remaining_time,
                    "total_time": p.total_time,
                    "start_lba": e.start_lba,
                    "sector_count": e.sector_count,
                    "last_read_lba": e.last_read_lba,
                    "last_written_lba": e.last_written_lba,
                    "total_system_buffer": e.total_system_buffer,
                    "used_system_buffer": e.used_system_buffer,
                    "free_system_buffer": e.free_system_buffer,
                    "device_buffer_size": e.device_buffer_size,
                    "device_buffer_free": e.device_buffer_free,
                });
                let mut pace = self.last_json.lock().unwrap_or_else(|p| p.into_inner());
                let now = std::time::Instant::now();
                let changed = pace.last.map_or(true, |(_, a)| a != p.current_action);
                if changed {
                    if let Some(h) = pace.held.take() {
                        report::event(h);
                    }
                }
                let due = changed
                    || pace
                        .last
                        .is_some_and(|(t, _)| now - t >= Duration::from_millis(100));
                if due {
                    pace.last = Some((now, p.current_action));
                    pace.held = None;
                    report::event(v);
                } else {
                    pace.held = Some(v);
                }
            }
            Mode::Quiet => {}
        }
    }

    fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
        let mut pace = self.last_json.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(h) = pace.held.take() {
            report::event(h);
        }
    }
}

pub fn run(args: Args) -> Result<(), CliError> {
    let json = args.json;
    let mode = if json {
        Mode::Json
    } else if args.quiet || !std::io::stderr().is_terminal() {
        Mode::Quiet
    } else {
        Mode::Bar
    };
    let mut recorder = open_recorder(&args)?;
    let device = recorder.active_disc_recorder().to_string();
    let snap = recorder.media().map_err(|e| dev_error(e, json))?;
    if !args.append {
        crate::session::refuse_plain_burn(&snap, &device, args.overwrite, json)?;
    }
    let family = snap.profile.family().unwrap_or(MediaFamily::Cd);
    let speed = parse_speed(&args.speed, family).map_err(|message| CliError {
        message,
        code: None,
        json,
    })?;
    let mut w = DiscFormat2Data::new();
    let dev = |e| dev_error(e, json);
    w.set_recorder(recorder).map_err(dev)?;
    w.set_client_name("imapi2").map_err(dev)?;
    w.set_force_media_to_be_closed(args.close).map_err(dev)?;
    w.set_force_overwrite(args.overwrite).map_err(dev)?;
    w.set_disable_consumer_dvd_compatibility_mode(args.multi || args.append)
        .map_err(dev)?;
    w.set_test_write(args.dummy).map_err(dev)?;
    w.set_cd_session_at_once(args.sao).map_err(dev)?;
    w.set_burn_verification_level(match args.verify {
        Verify::None => VerificationLevel::None,
        Verify::Quick => VerificationLevel::Quick,
        Verify::Full => VerificationLevel::Full,
    })
    .map_err(dev)?;
    w.set_write_speed(speed, false).map_err(dev)?;
    // An append says itself why a medium takes no next session (and on an
    // overwritable one writes over what it holds by design): the write
    // checks the rest.
    if !args.append {
        w.check_current_media(0).map_err(dev)?;
    }
    let shown = Arc::new(Shown::new(mode, family));
    crate::signals::catch();
    let s = shown.clone();
    w.set_update(move |p| {
        s.update(p);
        if crate::signals::stop_requested() {
            Flow::Cancel
        } else {
            Flow::Continue
        }
    });
    let (sectors, result) = match &args.image {
        Some(path) => {
            let mut file = std::fs::File::open(path).map_err(|e| CliError {
                message: format!("{}: {e}", path.display()),
                code: Some("IMAPI_E_DATA_STREAM_CREATE_FAILURE"),
                json,
            })?;
            let len = file.metadata().map(|m| m.len()).unwrap_or(0);
            if mode == Mode::Json {
                report::event(
                    json!({"event": "planned", "image": path.display().to_string(),
                                     "total_sectors": len / 2048, "drive": device}),
                );
            }
            (len / 2048, w.write(&mut file))
        }
        None => {
            if mode == Mode::Json {
                report::event(
                    json!({"event": "scanning", "sources": shown_sources(&args.sources)}),
                );
            }
            let img = if args.append {
                let started = std::time::Instant::now();
                let mut img = crate::session::for_disc(&mut w, &snap, &device, json)?;
                if mode == Mode::Json {
                    report::event(json!({
                        "event": "imported",
                        "files": img.file_count(),
                        "directories": img.directory_count(),
                        "seconds": started.elapsed().as_secs_f64(),
                    }));
                }
                fill_image(&mut img, &args)?;
                img
            } else {
                build_image(&args, &snap)?
            };
            let result = img.create_result_image().map_err(|e| lib_error(e, json))?;
            for w in result.warnings() {
                report::warning(w, json, args.quiet);
            }
            if mode == Mode::Json {
                report::event(json!({
                    "event": "planned",
                    "drive": device,
                    "medium": snap.profile.name(),
                    "files": img.file_count(),
                    "directories": img.directory_count(),
                    "total_sectors": result.total_blocks(),
                    "file_systems": result.file_systems().short_names(),
                    "volume": result.disc_id(),
                }));
            }
            let sectors = u64::from(result.total_blocks());
            match result.modified_blocks().map_err(|e| lib_error(e, json))? {
                Some(ranges) => {
                    let mut disc = result.disc_stream().map_err(|e| lib_error(e, json))?;
                    (sectors, w.write_ranges(&mut disc, &ranges))
                }
                None => (sectors, w.write(&mut result.image_stream())),
            }
        }
    };
    shown.finish();
    if let Err(e) = result {
        let cancelled = matches!(e, imapi2::Error::Cancelled { .. });
        let mut ce = dev_error(e, json);
        if cancelled && crate::signals::stop_requested() {
            ce.message = ce.message.replacen("cancelled", "interrupted", 1);
        }
        return Err(ce);
    }
    let after = w.recorder().map(|r| r.media());
    let status = match &after {
        Some(Ok(m)) => state::names(m.state).join(" "),
        _ => String::new(),
    };
    match mode {
        Mode::Json => report::event(json!({
            "event": "done",
            "drive": device,
            "sectors": sectors,
            "medium_status": status,
            "verified": format!("{:?}", args.verify).to_lowercase(),
        })),
        Mode::Bar | Mode::Quiet => {
            if !args.quiet {
                eprintln!(
                    "imapi2: burnt {sectors} sectors ({}) to {device}{}; the medium is {status}",
                    report::human_bytes(sectors * 2048),
                    match args.verify {
                        Verify::None => String::new(),
                        v => format!(", verified ({v:?})").to_lowercase(),
                    },
                );
            }
        }
    }
    if args.eject {
        if let Some(r) = w.recorder() {
            r.eject_media().map_err(dev)?;
        }
    }
    Ok(())
}

/// Arguments of `imapi2 close`.
#[derive(clap::Args)]
pub struct CloseArgs {
    /// The recorder [default: the only recorder there is].
    #[arg(long, value_name = "ID")]
    drive: Option<String>,
    /// Finalize the disc (DVD+R, DVD+R DL, BD-R): nothing more can be added.
    #[arg(long)]
    finalize: bool,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

/// `imapi2 close`: closes the open session an interrupted burn left on a
/// write-once disc, or finalizes an appendable one.
pub fn close(args: CloseArgs) -> Result<(), CliError> {
    let json = args.json;
    let mut rec = recorder_for(args.drive.as_deref(), json)?;
    let done = imapi2::burn::close::close_media(&mut rec, "imapi2", args.finalize)
        .map_err(|e| dev_error(e, json))?;
    if json {
        outln!(
            "{}",
            json!({"drive": rec.active_disc_recorder(), "done": done})
        );
    } else {
        outln!("{}: {done}", rec.active_disc_recorder());
    }
    Ok(())
}
