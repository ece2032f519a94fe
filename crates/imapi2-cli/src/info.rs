//! `imapi2 info IMAGE`: what an image holds — file systems, volume names,
//! UDF revision, sessions, boot entries, block counts.

use std::path::PathBuf;

use clap::Parser;
use imapi2::fs::eltorito::decode_catalog;
use imapi2::fs::{disc_identifier, Disc, FileSystems, Multisession, MultisessionKind};
use serde_json::{json, Value};

use crate::report::CliError;
use crate::view;

#[derive(Parser)]
pub struct Args {
    /// The image file (or use --drive).
    #[arg(required_unless_present = "drive", conflicts_with = "drive")]
    image: Option<PathBuf>,
    /// A drive instead of an image: an id from `imapi2 drives`, a device
    /// path (/dev/sr0) or virtual:DIR.
    #[arg(long)]
    drive: Option<String>,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> Result<(), CliError> {
    if let Some(d) = &args.drive {
        return crate::device::info(d, args.json);
    }
    let image = args.image.clone().unwrap_or_default();
    let disc = view::open_disc(&image, args.json)?;
    let mut v = describe(&disc);
    if view::is_recorder(&image) {
        // The drive's own account of the next session, not an image file's.
        if let Some(o) = v.as_object_mut() {
            o.remove("multisession_sequential");
            o.remove("multisession_random_write");
        }
        v["multisession"] = recorder_multisession(&image, args.json)?;
    }
    if args.json {
        outln!("{v}");
        return Ok(());
    }
    outln!("image:        {}", image.display());
    outln!(
        "size:         {} blocks of 2048 bytes",
        disc.medium.sectors()
    );
    outln!("file systems: {}", disc.file_systems());
    outln!("import view:  {}", disc.default_view());
    if let Some(s) = v["iso9660"].as_object() {
        outln!(
            "ISO 9660:     volume {:?}, {} blocks",
            s["volume"].as_str().unwrap_or(""),
            s["volume_blocks"]
        );
        if let Some(j) = s.get("joliet_volume").and_then(|j| j.as_str()) {
            outln!("Joliet:       volume {j:?}");
        }
        if let Some(r) = s.get("rock_ridge").and_then(|r| r.as_str()) {
            outln!("Rock Ridge:   {r}");
        }
    }
    let sessions: Vec<String> = v["sessions"]
        .as_array()
        .map(|a| a.iter().map(|x| x.to_string()).collect())
        .unwrap_or_default();
    if !sessions.is_empty() {
        outln!(
            "sessions:     {} (starting at block{} {})",
            sessions.len(),
            if sessions.len() == 1 { "" } else { "s" },
            sessions.join(", ")
        );
    }
    if let Some(u) = v["udf"].as_object() {
        outln!(
            "UDF:          revision {}, volume {:?}",
            u["revision"].as_str().unwrap_or(""),
            u["volume"].as_str().unwrap_or("")
        );
        if let (Some(f), Some(d)) = (u.get("files"), u.get("directories")) {
            outln!(
                "              {f} files, {d} directories ({})",
                u["counts_from"].as_str().unwrap_or("")
            );
        }
        if let Some(p) = u.get("partitions").and_then(|p| p.as_array()) {
            let p: Vec<&str> = p.iter().filter_map(|x| x.as_str()).collect();
            outln!("              partition maps: {}", p.join(", "));
        }
    }
    if let Some(e) = v.get("udf_error").and_then(|e| e.as_str()) {
        outln!("UDF:          unreadable: {e}");
    }
    if let Some(b) = v["boot"].as_array() {
        for (i, e) in b.iter().enumerate() {
            outln!(
                "boot entry {}: platform {}, emulation {}, load segment {}, {} sectors at block {}",
                i + 1,
                e["platform"].as_str().unwrap_or(""),
                e["emulation"].as_str().unwrap_or(""),
                e["load_segment"],
                e["sector_count"],
                e["block"]
            );
        }
    }
    if let Some(e) = v.get("boot_error").and_then(|e| e.as_str()) {
        outln!("boot catalog: unreadable: {e}");
    }
    if let Some(m) = v.get("multisession_sequential") {
        outln!(
            "next session: at block {} (after the last written block {})",
            m["next_writable_address"],
            m["last_written_address_of_previous_session"]
        );
    }
    for m in v["multisession"].as_array().into_iter().flatten() {
        outln!(
            "next session: {} ({}), at block {}",
            m["interface"].as_str().unwrap_or(""),
            if m["supported"] == json!(true) {
                "supported"
            } else {
                "not supported on this medium now"
            },
            m["next_writable_address"]
        );
    }
    view::print_warnings(&disc);
    Ok(())
}

/// The recorder's multisession objects (IMAPI's `MultisessionInterfaces`).
fn recorder_multisession(image: &std::path::Path, json: bool) -> Result<Value, CliError> {
    use imapi2::burn::multisession::MultisessionInterface as I;
    let dev = |e| crate::device::dev_error(e, json);
    let rec = imapi2::DiscMaster::new()
        .open(&image.to_string_lossy())
        .map_err(dev)?;
    let mut w = imapi2::burn::data::DiscFormat2Data::new();
    w.set_recorder(rec).map_err(dev)?;
    let list = w.multisession_interfaces().map_err(dev)?;
    Ok(json!(list
        .iter()
        .map(|i| match i {
            I::Sequential(s) => json!({
                "interface": i.imapi_name(),
                "supported": s.supported,
                "is_first_data_session": s.is_first_data_session,
                "start_address_of_previous_session": s.start_address_of_previous_session,
                "last_written_address_of_previous_session":
                    s.last_written_address_of_previous_session,
                "next_writable_address": s.next_writable_address,
                "free_sectors_on_media": s.free_sectors_on_media,
                "write_unit_size": s.write_unit_size,
                "session_starts": s.session_starts,
            }),
            I::RandomWrite(r) => json!({
                "interface": i.imapi_name(),
                "supported": r.supported,
                "last_written_address": r.last_written_address,
                "next_writable_address": next_after(r.last_written_address, r.write_unit_size),
                "total_sectors_on_media": r.total_sectors_on_media,
                "write_unit_size": r.write_unit_size,
            }),
        })
        .collect::<Vec<_>>()))
}

/// The first block after `last` on a multiple of `unit` (IMAGE_WRITE_UNIT
/// at least, as the next logical session is placed).
fn next_after(last: i32, unit: i32) -> u64 {
    let unit = (unit.max(1) as u64).max(u64::from(imapi2::fs::IMAGE_WRITE_UNIT));
    ((i64::from(last) + 1).max(0) as u64).div_ceil(unit) * unit
}

/// Everything `info` reports, as JSON.
fn describe(disc: &Disc) -> Value {
    let mut v = json!({
        "blocks": disc.medium.sectors(),
        "file_systems": fs_names(disc.file_systems()),
        "import_view": disc.default_view().to_string(),
        "sessions": disc.sessions,
        "warnings": disc.warnings(),
    });
    if let Some(iso) = &disc.iso {
        let mut s = json!({
            "volume": String::from_utf8_lossy(&iso.primary.volume_id).trim_end().to_string(),
            "volume_blocks": iso.primary.volume_space_size,
        });
        if iso.joliet.is_some() {
            s["joliet_volume"] = json!(iso.volume_id());
        }
        if let Some((_, id)) = &iso.rock_ridge {
            s["rock_ridge"] = json!(if id.is_empty() {
                "present"
            } else {
                id.as_str()
            });
        }
        v["iso9660"] = s;
        if let Some(cat) = iso.boot_catalog {
            match disc
                .medium
                .read_sectors(u64::from(cat), 1, "boot catalog")
                .map_err(|e| e.to_string())
                .and_then(|s| decode_catalog(&s).map_err(|e| e.to_string()))
            {
                Ok(entries) => {
                    v["boot_catalog_block"] = json!(cat);
                    v["boot"] = entries
                        .iter()
                        .map(|e| {
                            json!({
                                "platform": e.platform.name(),
                                "emulation": format!("{:?}", e.entry.emulation),
                                "bootable": e.entry.bootable,
                                "load_segment": e.entry.load_segment,
                                "sector_count": e.entry.sector_count,
                                "block": e.entry.load_rba,
                            })
                        })
                        .collect();
                }
                Err(e) => v["boot_error"] = json!(e),
            }
        }
    }
    if let Some(u) = &disc.udf {
        let mut s = json!({
            "revision": format!("{}.{:02x}", u.revision >> 8, u.revision & 0xFF),
            "volume": u.volume_id,
            "partitions": u.partitions,
        });
        if let Some((f, d)) = u.counts {
            s["files"] = json!(f);
            s["directories"] = json!(d);
            s["counts_from"] = json!(u.counts_source);
        }
        v["udf"] = s;
    }
    if let Some(e) = &disc.udf_error {
        v["udf_error"] = json!(e);
    }
    // What the next session would see (IMAPI's IMultisession* values).
    if let Ok(m) = Multisession::for_image(&disc.medium, MultisessionKind::Sequential, None) {
        v["multisession_sequential"] = json!({
            "is_first_data_session": m.is_first_data_session,
            "start_of_previous_session": m.start_of_previous_session,
            "last_written_address_of_previous_session": m.last_written_address,
            "next_writable_address": m.next_writable_address,
            "write_unit_size": m.write_unit_size,
        });
    }
    if let Ok(m) = Multisession::for_image(&disc.medium, MultisessionKind::RandomWrite, None) {
        v["multisession_random_write"] = json!({
            "last_written_address": m.last_written_address,
            "next_writable_address": m.next_writable_address,
            "write_unit_size": m.write_unit_size,
        });
    }
    if let Ok(id) = disc_identifier(&disc.medium) {
        v["disc_identifier"] = json!(id);
    }
    v
}

fn fs_names(fs: FileSystems) -> Vec<&'static str> {
    [
        (FileSystems::ISO9660, "iso9660"),
        (FileSystems::JOLIET, "joliet"),
        (FileSystems::ROCK_RIDGE, "rockridge"),
        (FileSystems::UDF, "udf"),
    ]
    .into_iter()
    .filter(|(f, _)| fs.contains(*f))
    .map(|(_, n)| n)
    .collect()
}
