//! The device commands: `imapi2 drives`, `imapi2 info --drive ID`,
//! `imapi2 eject|load --drive ID`, and `imapi2 virtual
//! create|insert|eject|pace`.

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use imapi2::media::{state, MediaSnapshot};
use imapi2::mmc::feature::feature_name;
use imapi2::mmc::profile::Profile;
use imapi2::virtual_recorder::{self, Insert, PaceSettings, WhenFull, MEDIA_NAMES};
use imapi2::{DiscMaster, DiscRecorder, RecorderKind};
use serde_json::{json, Value};

use crate::report::CliError;

/// Converts device-layer errors, keeping the IMAPI name.
pub fn dev_error(e: imapi2::Error, json: bool) -> CliError {
    CliError {
        message: e.to_string(),
        code: e.imapi_code_name(),
        json,
    }
}

#[derive(Parser)]
pub struct DrivesArgs {
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

/// `imapi2 drives`: real drives, then virtual recorders, with what each can write.
pub fn drives(args: DrivesArgs) -> Result<(), CliError> {
    let master = DiscMaster::new();
    let mut list = Vec::new();
    for (i, e) in master.entries().iter().enumerate() {
        let (kind, device) = match &e.kind {
            RecorderKind::Real { node, .. } => ("real", node.display().to_string()),
            RecorderKind::Virtual { dir } => ("virtual", format!("virtual:{}", dir.display())),
        };
        let mut v = json!({"id": e.id, "kind": kind, "device": device, "index": i});
        match imapi2::master::open_entry(e, i as i32) {
            Ok(mut r) => {
                v["vendor"] = json!(r.vendor_id().trim());
                v["product"] = json!(r.product_id().trim());
                v["revision"] = json!(r.product_revision().trim());
                v["writes"] = json!(writable_profiles(&mut r));
                match r.media() {
                    Ok(m) => v["media"] = media_json(&m),
                    Err(err) => v["media_error"] = json!(err.to_string()),
                }
            }
            Err(err) => v["error"] = json!(err.to_string()),
        }
        list.push(v);
    }
    let real = master.has_real_drives();
    if args.json {
        outln!("{}", json!({"real_drives_found": real, "drives": list}));
        return Ok(());
    }
    if !real {
        outln!("no optical drives found on this machine");
    }
    if list.is_empty() {
        outln!(
            "no virtual recorders either: make one with `imapi2 virtual create DIR --media KIND`"
        );
    }
    for v in &list {
        outln!("{}", v["id"].as_str().unwrap_or(""));
        if let Some(err) = v["error"].as_str() {
            outln!("    cannot open: {err}");
            continue;
        }
        outln!(
            "    {} {} {} ({})",
            v["vendor"].as_str().unwrap_or(""),
            v["product"].as_str().unwrap_or(""),
            v["revision"].as_str().unwrap_or(""),
            v["kind"].as_str().unwrap_or("")
        );
        let writes: Vec<&str> = v["writes"]
            .as_array()
            .map(|a| a.iter().filter_map(|x| x.as_str()).collect())
            .unwrap_or_default();
        outln!(
            "    writes: {}",
            if writes.is_empty() {
                "nothing".into()
            } else {
                writes.join(", ")
            }
        );
        if let Some(m) = v.get("media") {
            outln!("    medium: {}", media_line(m));
        }
        if let Some(e) = v["media_error"].as_str() {
            outln!("    medium: cannot tell: {e}");
        }
    }
    Ok(())
}

/// The writable profiles a drive supports, by name; from page 2Ah on MMC-1 drives.
fn writable_profiles(r: &mut DiscRecorder) -> Vec<String> {
    match r.profiles(false) {
        Ok(p) => p
            .into_iter()
            .filter(|p| p.is_writable())
            .map(|p| p.name().to_string())
            .collect(),
        Err(_) => match r.get_mode_page(0x2A, imapi2::mmc::mode::PageControl::Current) {
            Ok(page) if page.len() > 3 => {
                let mut w = Vec::new();
                if page[3] & 1 != 0 {
                    w.push("CD-R".to_string());
                }
                if page[3] & 2 != 0 {
                    w.push("CD-RW".to_string());
                }
                w
            }
            _ => Vec::new(),
        },
    }
}

fn media_json(m: &MediaSnapshot) -> Value {
    if !m.present {
        return json!({"present": false, "tray_open": m.tray_open});
    }
    let t = m.physical_type();
    let (name, constant) = (t.name(), t.imapi_name());
    json!({
        "present": true,
        "physical_type": name,
        "imapi_media_type": t as u32,
        "imapi_media_type_name": constant,
        "profile": m.profile.code(),
        "profile_name": m.profile.name(),
        "status": state::names(m.state),
        "status_flags": m.state,
        "write_protected": m.write_protected,
        "erasable": m.erasable,
        "sessions": m.sessions,
        "total_sectors": m.total_sectors,
        "free_sectors": m.free_sectors,
        "next_writable_address": m.next_writable_address,
        "previous_session_start": m.previous_session_start,
        "previous_session_last": m.previous_session_last,
        "session_list": session_list(m),
    })
}

/// Every recorded session as the drive reports its tracks: number, first
/// and last block, tracks.
fn session_list(m: &MediaSnapshot) -> Vec<Value> {
    let mut out: Vec<(u16, i64, i64, Vec<u16>)> = Vec::new();
    for t in m.tracks.iter().filter(|t| !t.blank) {
        let (start, last) = (
            i64::from(t.start),
            i64::from(t.start) + i64::from(t.size) - 1,
        );
        match out.iter_mut().find(|s| s.0 == t.session) {
            Some(s) => {
                s.1 = s.1.min(start);
                s.2 = s.2.max(last);
                s.3.push(t.number);
            }
            None => out.push((t.session, start, last, vec![t.number])),
        }
    }
    out.sort();
    out.into_iter()
        .map(|(n, a, b, tracks)| json!({"session": n, "start": a, "last": b, "tracks": tracks}))
        .collect()
}

fn media_line(m: &Value) -> String {
    if let Some(e) = m["error"].as_str() {
        return format!("cannot tell: {e}");
    }
    if m["present"] != json!(true) {
        return if m["tray_open"] == json!(true) {
            "none (tray open)".into()
        } else {
            "none".into()
        };
    }
    let status: Vec<&str> = m["status"]
        .as_array()
        .map(|a| a.iter().filter_map(|x| x.as_str()).collect())
        .unwrap_or_default();
    format!(
        "{} (profile {:04X}h), {}, {} of {} sectors free",
        m["physical_type"].as_str().unwrap_or(""),
        m["profile"].as_u64().unwrap_or(0),
        status.join(" | ").to_lowercase(),
        m["free_sectors"],
        m["total_sectors"]
    )
}

/// `imapi2 info --drive ID`.
pub fn info(id: &str, json_out: bool) -> Result<(), CliError> {
    let master = DiscMaster::new();
    let mut r = master.open(id).map_err(|e| dev_error(e, json_out))?;
    let err = |e| dev_error(e, json_out);
    // A medium that cannot be read is reported, not an end of the command.
    let media = r.media();
    let gc = r.feature_pages(false);
    let (profiles, current_profiles, features) = match gc {
        Ok(all) => {
            let current = r.feature_pages(true).map_err(err)?;
            let features: Vec<Value> = all
                .iter()
                .map(|&c| {
                    json!({"code": c, "name": feature_name(c).unwrap_or("unknown"),
                           "current": current.contains(&c)})
                })
                .collect();
            (
                r.profiles(false).map_err(err)?,
                r.profiles(true).map_err(err)?,
                Some(features),
            )
        }
        Err(imapi2::Error::GetConfigurationNotSupported) => (Vec::new(), Vec::new(), None),
        Err(e) => return Err(err(e)),
    };
    let profile_json = |p: &[Profile]| -> Vec<Value> {
        p.iter()
            .map(|p| json!({"code": p.code(), "name": p.name()}))
            .collect()
    };
    let speeds: Vec<Value> = match media {
        Ok(_) => r.write_speed_descriptors().map_err(err)?,
        Err(_) => Vec::new(),
    }
    .iter()
    .map(|s| {
        json!({"sectors_per_second": s.write_speed, "kbps": s.kbps,
                   "pure_cav": s.rotation_type_is_pure_cav, "media_type": s.media_type as u32})
    })
    .collect();
    let mode_pages = r
        .mode_pages(imapi2::mmc::mode::PageControl::Current)
        .unwrap_or_default();
    // A virtual recorder's pace and what it counted (null for real drives).
    let (pace, underruns, writing) = match master.find(id).map(|e| e.kind) {
        Ok(RecorderKind::Virtual { dir }) => {
            let settings = virtual_recorder::pace_settings(&dir).map_err(err)?;
            let stats = virtual_recorder::write_stats(&dir).map_err(err)?;
            (
                json!(settings.pace.map(|p| p.to_string())),
                json!(stats.underruns),
                json!(stats.writing.as_secs_f64()),
            )
        }
        _ => (Value::Null, Value::Null, Value::Null),
    };
    let v = json!({
        "drive": {
            "id": r.active_disc_recorder(),
            "device": r.device(),
            "vendor": r.vendor_id().trim(),
            "product": r.product_id().trim(),
            "revision": r.product_revision().trim(),
            "can_load_media": r.device_can_load_media().ok(),
            "exclusive_access_owner": r.exclusive_access_owner(),
            "volume_paths": r.volume_path_names().iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
            "get_configuration": features.is_some(),
            "profiles": profile_json(&profiles),
            "current_profiles": profile_json(&current_profiles),
            "features": features,
            "mode_pages": mode_pages,
            "maximum_transfer_size": r.maximum_transfer_size(),
            "pace": pace,
            "underruns": underruns,
            "writing_seconds": writing,
        },
        "media": match &media {
            Ok(m) => media_json(m),
            Err(e) => json!({"error": e.to_string()}),
        },
        "write_speeds": speeds,
    });
    if json_out {
        outln!("{v}");
        return Ok(());
    }
    let d = &v["drive"];
    outln!("drive:        {}", d["id"].as_str().unwrap_or(""));
    outln!(
        "identity:     {} {} {}",
        d["vendor"].as_str().unwrap_or(""),
        d["product"].as_str().unwrap_or(""),
        d["revision"].as_str().unwrap_or("")
    );
    let names = |a: &Value| -> String {
        a.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x["name"].as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default()
    };
    if features.is_none() {
        outln!("profiles:     (no GET CONFIGURATION: an MMC-1 drive)");
    } else {
        outln!("profiles:     {}", names(&d["profiles"]));
        outln!("current:      {}", names(&d["current_profiles"]));
        let cur: Vec<String> = d["features"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter(|f| f["current"] == json!(true))
                    .map(|f| {
                        format!(
                            "{:04X}h {}",
                            f["code"].as_u64().unwrap_or(0),
                            f["name"].as_str().unwrap_or("")
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        outln!(
            "features:     {} current: {}",
            d["features"].as_array().map_or(0, |a| a.len()),
            cur.join(", ")
        );
    }
    if let Some(p) = d["pace"].as_str() {
        outln!(
            "pace:         {p}; {} underrun{}; {:.1} s writing",
            d["underruns"],
            if d["underruns"] == json!(1) { "" } else { "s" },
            d["writing_seconds"].as_f64().unwrap_or(0.0)
        );
    }
    outln!("medium:       {}", media_line(&v["media"]));
    let m = &v["media"];
    if m["present"] == json!(true) {
        outln!(
            "sessions:     {} recorded; next writable address {}; previous session {}",
            m["session_list"].as_array().map_or(0, |a| a.len()),
            m["next_writable_address"]
                .as_i64()
                .map_or("none".to_string(), |n| n.to_string()),
            match (
                m["previous_session_start"].as_i64(),
                m["previous_session_last"].as_i64()
            ) {
                (Some(a), Some(b)) => format!("{a}..{b}"),
                _ => "none".into(),
            }
        );
        for s in m["session_list"].as_array().into_iter().flatten() {
            let tracks: Vec<String> = s["tracks"]
                .as_array()
                .map(|a| a.iter().map(|t| t.to_string()).collect())
                .unwrap_or_default();
            outln!(
                "  session {}: blocks {}..{}, track{} {}",
                s["session"],
                s["start"],
                s["last"],
                if tracks.len() == 1 { "" } else { "s" },
                tracks.join(", ")
            );
        }
    }
    let sp: Vec<String> = v["write_speeds"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|s| format!("{} sectors/s", s["sectors_per_second"]))
                .collect()
        })
        .unwrap_or_default();
    outln!(
        "write speeds: {}",
        if sp.is_empty() {
            "none for this medium".into()
        } else {
            sp.join(", ")
        }
    );
    if let Some(o) = d["exclusive_access_owner"].as_str() {
        outln!("locked by:    {o}");
    }
    Ok(())
}

#[derive(Parser)]
pub struct TrayArgs {
    /// The drive: an id from `imapi2 drives`, a device path (/dev/sr0) or virtual:DIR.
    #[arg(long)]
    drive: String,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

/// `imapi2 eject` (`load` = false) and `imapi2 load` (true).
pub fn tray(args: TrayArgs, load: bool) -> Result<(), CliError> {
    let master = DiscMaster::new();
    let mut r = master
        .open(&args.drive)
        .map_err(|e| dev_error(e, args.json))?;
    let res = if load {
        r.close_tray()
    } else {
        r.eject_media()
    };
    res.map_err(|e| dev_error(e, args.json))?;
    if args.json {
        outln!(
            "{}",
            json!({"drive": r.active_disc_recorder(), "done": if load {"load"} else {"eject"}})
        );
    }
    Ok(())
}

#[derive(Parser)]
pub struct VirtualArgs {
    #[command(subcommand)]
    command: VirtualCommand,
}

#[derive(Subcommand)]
enum VirtualCommand {
    /// Make a virtual recorder in DIR, with a blank medium in it.
    Create {
        /// The recorder's directory (created).
        dir: PathBuf,
        /// The blank medium: cd-r, cd-rw, dvd-r, dvd-rw, dvd-r-dl, dvd+r, dvd+r-dl, dvd+rw, dvd-ram, bd-r, bd-re.
        #[arg(long, value_parser = parse_media_name)]
        media: Option<String>,
        /// The kind of drive: cd, dvd, bd (default) or mmc1 (an old CD writer).
        #[arg(long, default_value = "bd", value_parser = parse_drive_kind)]
        drive: String,
        /// Write at this speed against the wall clock, as a real drive does
        /// (16x, 2.4x; off by default): WRITEs wait for the buffer, and a
        /// host that feeds it too slowly sees buffer underruns.
        #[arg(long)]
        pace: Option<String>,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Show or set how the virtual recorder in DIR paces its writing.
    Pace {
        /// The recorder's directory.
        dir: PathBuf,
        /// 16x, 2.4x ... (a multiple of 1x: CD 176.4 kB/s, DVD 1385 kB/s, BD
        /// 4496 kB/s) or off; left out: the pace stays.
        pace: Option<String>,
        /// The drive's write buffer: bytes, or with k or m (KiB, MiB).
        #[arg(long)]
        buffer: Option<String>,
        /// A WRITE that finds the buffer full: wait (held until there is
        /// room) or report (02/04/08 long write in progress).
        #[arg(long)]
        when_full: Option<String>,
        /// Start the underrun count and the writing time again.
        #[arg(long)]
        reset: bool,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Put a medium in the virtual recorder in DIR and close its tray.
    Insert {
        /// The recorder's directory.
        dir: PathBuf,
        /// A new blank medium of this kind.
        #[arg(long, conflicts_with_all = ["image", "disc"], value_parser = parse_media_name)]
        media: Option<String>,
        /// A pressed (read-only) disc holding this image.
        #[arg(long, conflicts_with = "disc")]
        image: Option<PathBuf>,
        /// A medium ejected earlier (its directory).
        #[arg(long)]
        disc: Option<PathBuf>,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Open the tray of the virtual recorder in DIR and take the medium out.
    Eject {
        /// The recorder's directory.
        dir: PathBuf,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
}

fn pace_arg(text: &str, json: bool) -> Result<Option<virtual_recorder::Pace>, CliError> {
    virtual_recorder::parse_pace(text).ok_or_else(|| CliError {
        message: format!(
            "unknown pace {text:?}: a multiple of 1x such as 16x or 2.4x (up to 100000x), or off"
        ),
        code: None,
        json,
    })
}

/// `65536`, `64k`, `2m` (KiB and MiB; any case).
fn size_arg(text: &str, json: bool) -> Result<u32, CliError> {
    let t = text.trim().to_ascii_lowercase();
    let (digits, unit) = match t.strip_suffix(['k', 'm']) {
        Some(d) if t.ends_with('k') => (d, 1024u64),
        Some(d) => (d, 1024 * 1024),
        None => (t.as_str(), 1),
    };
    digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(unit))
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| CliError {
            message: format!("buffer size {text:?} is not a number of bytes (or of k, m)"),
            code: None,
            json,
        })
}

fn pace_json(s: &PaceSettings) -> Value {
    json!({
        "pace": s.pace.map(|p| p.to_string()),
        "buffer_bytes": s.buffer_size,
        "when_full": s.when_full.name(),
    })
}

/// A medium kind's name, checked while the arguments are parsed (an
/// unknown one is a usage error, exit 2).
pub fn parse_media_name(name: &str) -> Result<String, String> {
    match virtual_recorder::parse_media(name) {
        Some(_) => Ok(name.to_string()),
        None => Err(format!("unknown medium {name:?}: one of {MEDIA_NAMES}")),
    }
}

/// A virtual drive kind's name, checked while the arguments are parsed.
pub fn parse_drive_kind(name: &str) -> Result<String, String> {
    match virtual_recorder::parse_personality(name) {
        Some(_) => Ok(name.to_string()),
        None => Err(format!("unknown drive kind {name:?}: cd, dvd, bd or mmc1")),
    }
}

fn media_arg(name: &str, json: bool) -> Result<imapi2::emu::MediaKind, CliError> {
    virtual_recorder::parse_media(name).ok_or_else(|| CliError {
        message: format!("unknown medium {name:?}: one of {MEDIA_NAMES}"),
        code: None,
        json,
    })
}

/// `imapi2 virtual ...`.
pub fn virtual_cmd(args: VirtualArgs) -> Result<(), CliError> {
    match args.command {
        VirtualCommand::Create {
            dir,
            media,
            drive,
            pace,
            json,
        } => {
            let personality =
                virtual_recorder::parse_personality(&drive).ok_or_else(|| CliError {
                    message: format!("unknown drive kind {drive:?}: cd, dvd, bd or mmc1"),
                    code: None,
                    json,
                })?;
            let kind = media.as_deref().map(|m| media_arg(m, json)).transpose()?;
            let pace = pace.as_deref().map(|p| pace_arg(p, json)).transpose()?;
            virtual_recorder::create(&dir, personality, kind).map_err(|e| dev_error(e, json))?;
            if let Some(pace) = pace {
                let mut s =
                    virtual_recorder::pace_settings(&dir).map_err(|e| dev_error(e, json))?;
                s.pace = pace;
                virtual_recorder::set_pace(&dir, s).map_err(|e| dev_error(e, json))?;
            }
            let master = DiscMaster::new();
            master
                .registry()
                .add(&dir)
                .map_err(|e| dev_error(e, json))?;
            let id = imapi2::master::virtual_id(&dir).map_err(|e| dev_error(e, json))?;
            if json {
                let pace = pace.flatten().map(|p| p.to_string());
                outln!("{}", json!({"id": id, "media": media, "pace": pace}));
            } else if media.is_none() {
                outln!("{id}");
                eprintln!(
                    "imapi2: the tray is empty: `imapi2 virtual insert {} --media KIND` puts a \
                     blank medium in",
                    dir.display()
                );
            } else {
                outln!("{id}");
            }
            Ok(())
        }
        VirtualCommand::Insert {
            dir,
            media,
            image,
            disc,
            json,
        } => {
            let what = match (media, image, disc) {
                (Some(m), None, None) => Insert::Blank(media_arg(&m, json)?),
                (None, Some(i), None) => Insert::Image(i),
                (None, None, Some(d)) => Insert::Disc(d),
                _ => {
                    return Err(CliError {
                        message: "say what to insert: --media KIND, --image FILE or --disc DIR"
                            .into(),
                        code: None,
                        json,
                    })
                }
            };
            let at = virtual_recorder::insert(&dir, what).map_err(|e| dev_error(e, json))?;
            if json {
                outln!("{}", json!({"disc": at.display().to_string()}));
            } else {
                outln!(
                    "inserted the medium kept in {} into {} and closed the tray",
                    at.display(),
                    dir.display()
                );
            }
            Ok(())
        }
        VirtualCommand::Pace {
            dir,
            pace,
            buffer,
            when_full,
            reset,
            json,
        } => {
            let err = |e| dev_error(e, json);
            let mut s = virtual_recorder::pace_settings(&dir).map_err(err)?;
            let before = s;
            if let Some(p) = pace.as_deref() {
                s.pace = pace_arg(p, json)?;
            }
            if let Some(b) = buffer.as_deref() {
                s.buffer_size = size_arg(b, json)?;
            }
            if let Some(w) = when_full.as_deref() {
                s.when_full = WhenFull::from_name(w).ok_or_else(|| CliError {
                    message: format!("--when-full is wait or report, not {w:?}"),
                    code: None,
                    json,
                })?;
            }
            if s != before {
                virtual_recorder::set_pace(&dir, s).map_err(err)?;
            }
            if reset {
                virtual_recorder::reset_write_stats(&dir).map_err(err)?;
            }
            let stats = virtual_recorder::write_stats(&dir).map_err(err)?;
            let mut v = pace_json(&s);
            v["underruns"] = json!(stats.underruns);
            v["writing_seconds"] = json!(stats.writing.as_secs_f64());
            if json {
                outln!("{v}");
            } else {
                outln!(
                    "pace {}, buffer {} KiB ({} when full); {} underruns, {:.1} s writing",
                    s.pace.map_or("off".to_string(), |p| p.to_string()),
                    s.buffer_size / 1024,
                    s.when_full.name(),
                    stats.underruns,
                    stats.writing.as_secs_f64()
                );
            }
            Ok(())
        }
        VirtualCommand::Eject { dir, json } => {
            let disc = virtual_recorder::eject(&dir).map_err(|e| dev_error(e, json))?;
            if json {
                outln!("{}", json!({"disc": disc.map(|d| d.display().to_string())}));
            } else if let Some(d) = disc {
                outln!("ejected the medium kept in {}", d.display());
            } else {
                outln!("the tray was empty");
            }
            Ok(())
        }
    }
}
