//! `imapi2 mkimage`: build an image from folders and files.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::ValueEnum;
use imapi2::fs::{
    BootCatalog, BootOptions, DataSource, Emulation, FileSystemImage, FileSystems, Hybrid,
    ItemType, MediaPhysicalType, Medium, Multisession, MultisessionKind, PlatformId,
};
use serde_json::json;

use crate::report::{self, lib_error, CliError, Mode, Progress};
use crate::sources::{add_source, shown_sources, FsArgs};

/// BD-R dual layer (50 GB) capacity in blocks; IMAPI has no media type for it.
const BD_DL_BLOCKS: u32 = 24_438_784;

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Media {
    /// 80-minute CD (359,849 blocks)
    Cd,
    /// 4.7 GB DVD (2,295,104 blocks)
    Dvd,
    /// 8.5 GB dual-layer DVD (4,171,712 blocks)
    DvdDl,
    /// 25 GB BD (12,219,392 blocks)
    Bd,
    /// 50 GB dual-layer BD (24,438,784 blocks)
    BdDl,
}

/// How `--append-to` adds the session.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum SessionMode {
    /// As on DVD+RW or BD-RE: the session follows the last one and the
    /// descriptors at block 16 are rewritten, so every reader sees it.
    RandomWrite,
    /// As on CD-R or DVD±R: the session follows the last one and nothing
    /// earlier changes; readers that know sessions see it (imapi2 ls,
    /// xorriso -load sbsector, mount -o sbsector).
    Sequential,
}

/// Arguments of `imapi2 mkimage`.
#[derive(clap::Args)]
#[command(after_help = "\
SRC is a folder (its contents go to the image root), a file (placed in the root),
or PATH_IN_IMAGE=SRC to place it elsewhere (write '\\=' for a literal '=' in a path).
Later sources win over earlier ones on a name clash.

Without --media the image size is unlimited; with it, the build fails when the
content does not fit the medium.

--append-to IMAGE adds a session to an existing image: its newest tree (Rock
Ridge, else Joliet, else ISO 9660) is imported, the SOURCES are added over it
(new files replace old ones of the same path), and the new session, which
points at the old files' data instead of copying it, is written after it.")]
pub struct Args {
    /// The image file to write; `-` for standard output (a pipe: gzip, ssh),
    /// a block device (a USB stick) for a hybrid image.
    #[arg(short, long, value_name = "OUT", required_unless_present = "append_to")]
    output: Option<PathBuf>,
    /// Add a session to this image instead of writing a new one.
    #[arg(long, value_name = "IMAGE", conflicts_with = "output")]
    append_to: Option<PathBuf>,
    /// With --append-to: how the session goes on [default: random-write].
    #[arg(long, value_enum, value_name = "MODE", requires = "append_to")]
    session_mode: Option<SessionMode>,
    #[command(flatten)]
    fs: FsArgs,
    /// Check that the image fits this medium (and pick its defaults).
    #[arg(long, value_enum)]
    media: Option<Media>,
    /// An El Torito boot entry, repeatable in catalog order:
    /// KIND=FILE[,emulation=none|floppy|hdd][,load-size=N][,load-segment=N]
    /// [,boot-info-table][,manufacturer=TEXT]. KIND is bios, efi, ppc, mac or a
    /// platform number (0xEF = efi). FILE is a host file; it need not be in the tree.
    #[arg(long, value_name = "KIND=FILE[,OPTION...]")]
    boot: Vec<String>,
    /// Show the boot catalog as a file at this path (hidden by default).
    #[arg(long, value_name = "PATH")]
    boot_catalog: Option<String>,
    /// Make a hybrid image that also boots from a USB stick: an MBR and a GPT
    /// exposing the EFI image as an EFI System Partition.
    #[arg(long)]
    hybrid: bool,
    /// MBR boot code for BIOS booting of a hybrid image (e.g. syslinux's
    /// isohdpfx.bin). Without it, an isolinux boot image gets the installed
    /// /usr/lib/ISOLINUX/isohdpfx.bin, and other images boot by UEFI only.
    #[arg(long, value_name = "FILE", requires = "hybrid")]
    hybrid_mbr: Option<PathBuf>,
    /// Print one JSON event per line on stdout instead of a progress bar.
    #[arg(long)]
    json: bool,
    /// Print nothing but errors (with --json the JSON events are printed all
    /// the same: --json wins).
    #[arg(short, long)]
    quiet: bool,
    /// Folders and files to put in the image.
    #[arg(required = true, value_name = "SRC")]
    sources: Vec<std::ffi::OsString>,
}

/// Where syslinux installs its isohybrid MBR code.
const ISOHDPFX: &str = "/usr/lib/ISOLINUX/isohdpfx.bin";

/// Parses one `--boot KIND=FILE[,OPTION...]` into boot options.
fn parse_boot(spec: &str) -> Result<BootOptions, String> {
    let mut parts = spec.split(',');
    let head = parts.next().unwrap_or("");
    let (kind, file) = head
        .split_once('=')
        .ok_or_else(|| format!("--boot {spec:?}: expected KIND=FILE"))?;
    let platform = match kind {
        "bios" | "x86" => PlatformId::X86,
        "efi" | "uefi" => PlatformId::EFI,
        "ppc" | "powerpc" => PlatformId::POWER_PC,
        "mac" => PlatformId::MAC,
        n => PlatformId(parse_number(n).and_then(|v| u8::try_from(v).ok()).ok_or_else(|| {
            format!("--boot {spec:?}: platform {n:?} is not bios, efi, ppc, mac or a number below 256")
        })?),
    };
    let mut b = BootOptions::new();
    b.assign_boot_image(DataSource::Path(PathBuf::from(file)))
        .map_err(|e| format!("--boot {spec:?}: {e}"))?;
    b.set_platform_id(platform);
    for opt in parts {
        let (key, value) = opt.split_once('=').unwrap_or((opt, ""));
        let r = match key {
            "emulation" => match value {
                "none" | "no-emul" => b.set_emulation(Emulation::None),
                "hdd" | "hard-disk" => b.set_emulation(Emulation::HardDisk),
                "floppy" => match Emulation::for_floppy_size(b.image_size()) {
                    Some(e) => b.set_emulation(e),
                    None => {
                        return Err(format!(
                            "--boot {spec:?}: floppy emulation needs an image of 1,228,800, 1,474,560 or 2,949,120 bytes, not {}",
                            b.image_size()
                        ))
                    }
                },
                "floppy12" => b.set_emulation(Emulation::Floppy12),
                "floppy144" => b.set_emulation(Emulation::Floppy144),
                "floppy288" => b.set_emulation(Emulation::Floppy288),
                _ => return Err(format!("--boot {spec:?}: unknown emulation {value:?}")),
            },
            "load-size" => match parse_number(value).and_then(|v| u16::try_from(v).ok()) {
                Some(n) => b.set_sector_count(n),
                None => return Err(format!("--boot {spec:?}: load-size {value:?} is not 1..65535")),
            },
            "load-segment" => match parse_number(value).and_then(|v| u16::try_from(v).ok()) {
                Some(n) => {
                    b.set_load_segment(n);
                    Ok(())
                }
                None => return Err(format!("--boot {spec:?}: load-segment {value:?} is not 0..0xFFFF")),
            },
            "boot-info-table" => b.set_boot_info_table(true),
            "manufacturer" => b.set_manufacturer(value),
            _ => return Err(format!("--boot {spec:?}: unknown option {key:?}")),
        };
        r.map_err(|e| format!("--boot {spec:?}: {e}"))?;
    }
    Ok(b)
}

/// A decimal or 0x-prefixed hexadecimal number.
fn parse_number(s: &str) -> Option<u64> {
    match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(h) => u64::from_str_radix(h, 16).ok(),
        None => s.parse().ok(),
    }
}

/// The MBR boot code of a hybrid image: the one given, or syslinux's for an
/// isolinux boot image (isolinux.bin carries the magic 0x7078C0FB at 0x40).
fn hybrid_mbr(given: Option<&Path>, boot: &[BootOptions]) -> Result<Option<Vec<u8>>, String> {
    if let Some(p) = given {
        return std::fs::read(p)
            .map(Some)
            .map_err(|e| format!("--hybrid-mbr {}: {e}", p.display()));
    }
    let isolinux = boot.iter().any(|b| {
        b.platform_id() == PlatformId::X86
            && match b.boot_image() {
                Some(DataSource::Path(p)) => std::fs::read(p)
                    .map(|v| v.get(0x40..0x44) == Some(&[0xFB, 0xC0, 0x78, 0x70][..]))
                    .unwrap_or(false),
                _ => false,
            }
    });
    if isolinux && Path::new(ISOHDPFX).is_file() {
        return std::fs::read(ISOHDPFX)
            .map(Some)
            .map_err(|e| format!("{ISOHDPFX}: {e}"));
    }
    Ok(None)
}

pub fn run(args: Args) -> Result<(), CliError> {
    let json = args.json;
    let err = |e| lib_error(e, json);
    let mode = Mode::choose(json, args.quiet);
    let mut img = FileSystemImage::new();
    img.set_free_media_blocks(0).map_err(err)?;
    if let Some(target) = &args.append_to {
        prepare_append(&mut img, &args, target).map_err(err)?;
    } else if let Some(m) = args.media {
        let t = match m {
            Media::Cd => MediaPhysicalType::CdR,
            Media::Dvd => MediaPhysicalType::DvdPlusR,
            Media::DvdDl => MediaPhysicalType::DvdPlusRDualLayer,
            Media::Bd | Media::BdDl => MediaPhysicalType::BdR,
        };
        img.choose_image_defaults_for_media_type(t).map_err(err)?;
        // IMAPI's choice (UDF for BD, the bridge for DVD), with Rock Ridge
        // added wherever there is an ISO 9660 tree.
        let mut fs = img.file_systems_to_create();
        if fs.contains(FileSystems::ISO9660) {
            fs |= FileSystems::ROCK_RIDGE;
        }
        img.set_file_systems_to_create(fs).map_err(err)?;
        if matches!(m, Media::BdDl) {
            img.set_free_media_blocks(BD_DL_BLOCKS).map_err(err)?;
        }
    }
    args.fs.apply(&mut img).map_err(err)?;
    let output = args
        .append_to
        .clone()
        .or_else(|| args.output.clone())
        .expect("clap requires one");
    // `-` is standard output, wherever it goes (a pipe, a file, a device).
    let output = if output.as_os_str() == "-" && args.append_to.is_none() {
        PathBuf::from("/dev/stdout")
    } else {
        output
    };
    let usage = |message: String| CliError {
        message,
        code: Some("IMAPI_E_BOOT_IMAGE_DATA"),
        json,
    };
    let boot = args
        .boot
        .iter()
        .map(|s| parse_boot(s))
        .collect::<Result<Vec<_>, _>>()
        .map_err(usage)?;
    if args.hybrid {
        let mbr_code = hybrid_mbr(args.hybrid_mbr.as_deref(), &boot).map_err(usage)?;
        img.set_hybrid(Some(Hybrid {
            mbr_code,
            gpt: true,
        }));
    }
    img.set_boot_image_options_array(boot).map_err(err)?;
    if let Some(p) = &args.boot_catalog {
        img.set_boot_catalog(BootCatalog::Path(p.clone()))
            .map_err(err)?;
    }
    if mode == Mode::Json {
        report::event(json!({"event": "scanning", "sources": shown_sources(&args.sources)}));
    }
    let mut skipped = Vec::new();
    for s in &args.sources {
        let list = args.fs.skip_unreadable.then_some(&mut skipped);
        if let Some(w) = add_source(&mut img, s, list).map_err(err)? {
            report::warning(&w, args.json, args.quiet);
        }
    }
    let level = args.fs.apply_level(&mut img).map_err(err)?;
    debug_assert_ne!(img.exists("/"), ItemType::NotFound);

    let mut result = img.create_result_image().map_err(err)?;
    for w in result.warnings() {
        report::warning(w, json, args.quiet);
    }
    let progress = Arc::new(Progress::new(mode));
    if mode == Mode::Json {
        report::event(json!({
            "event": "planned",
            "files": img.file_count(),
            "directories": img.directory_count(),
            "total_sectors": result.total_blocks(),
            "file_systems": result.file_systems().short_names(),
            "iso_level": level,
            "udf_revision": img.file_systems_to_create().contains(FileSystems::UDF)
                .then(|| format!("{}.{:02x}", img.udf_revision() >> 8, img.udf_revision() & 0xFF)),
            "volume": result.disc_id(),
            "boot_entries": img.boot_image_options_array().len(),
            "session_start": result.start_block(),
            "imported": img.imported().map(|i| json!({
                "file_system": i.file_system.to_string(),
                "volume": i.volume_name,
            })),
            "hybrid": img.hybrid().map(|h| json!({"mbr_code": h.mbr_code.is_some(), "gpt": h.gpt})),
        }));
    }
    let p = progress.clone();
    result.set_progress(move |u| {
        p.update(&u.current_file, u.copied_sectors, u.total_sectors);
        // Ctrl-C or SIGTERM cancels: the library then removes what it made
        // (the new file) or puts back what it changed (the appended image).
        !crate::signals::stop_requested()
    });
    // Until here nothing exists that a signal could leave behind.
    crate::signals::catch();
    let written = if args.append_to.is_some() {
        result.append_to_path(&output)
    } else {
        result.write_to_path(&output)
    };
    progress.finish();
    if let Err(e) = written {
        let interrupted =
            matches!(e, imapi2::fs::Error::Cancelled) && crate::signals::stop_requested();
        let mut ce = err(e);
        if interrupted {
            ce.message = interrupted_message(&output, args.append_to.is_some());
        }
        return Err(ce);
    }
    let secs = progress.elapsed().as_secs_f64();
    match mode {
        Mode::Json => report::event(json!({
            "event": "done",
            "output": output.display().to_string(),
            "sectors": result.total_blocks(),
            "bytes": result.total_bytes(),
            "seconds": secs,
            "file_systems": result.file_systems().short_names(),
            "volume": result.disc_id(),
        })),
        // Without a terminal there is no bar, but the one line of summary.
        Mode::Bar | Mode::Quiet if !args.quiet => eprintln!(
            "imapi2: wrote {} ({} sectors{}, {}; {}; volume {}) in {:.2} s",
            output.display(),
            result.total_blocks(),
            if result.start_block() > 0 {
                format!(" from block {}", result.start_block())
            } else {
                String::new()
            },
            report::human_bytes(result.total_bytes()),
            result.file_systems(),
            result.disc_id(),
            secs
        ),
        Mode::Bar | Mode::Quiet => {}
    }
    crate::sources::report_skipped(&skipped, args.json, args.quiet);
    Ok(())
}

/// What an interrupted write left: nothing new, the image put back, or (on
/// a device, which cannot be put back) part of the image.
fn interrupted_message(output: &Path, append: bool) -> String {
    use std::os::unix::fs::FileTypeExt;
    let shown = output.display();
    let kind = std::fs::metadata(output).map(|m| m.file_type());
    if append {
        format!("interrupted: {shown} was put back as it was")
    } else if kind.as_ref().is_ok_and(|k| k.is_block_device()) {
        format!("interrupted: {shown} now holds part of an image")
    } else if kind
        .as_ref()
        .is_ok_and(|k| k.is_char_device() || k.is_fifo())
    {
        format!("interrupted: part of the image went to {shown}")
    } else if kind.is_ok() {
        format!("interrupted: no image was written; {shown} is as it was")
    } else {
        format!("interrupted: no image was written ({shown} was not created)")
    }
}

/// Sets up a session to append to `target`: its multisession state, its
/// newest tree imported, its file systems (those this session can write).
fn prepare_append(img: &mut FileSystemImage, args: &Args, target: &Path) -> imapi2::fs::Result<()> {
    let medium = Medium::open(target)?;
    let kind = match args.session_mode.unwrap_or(SessionMode::RandomWrite) {
        SessionMode::RandomWrite => MultisessionKind::RandomWrite,
        SessionMode::Sequential => MultisessionKind::Sequential,
    };
    let capacity = args.media.map(|m| match m {
        Media::Cd => 359_849,
        Media::Dvd => 2_295_104,
        Media::DvdDl => 4_171_712,
        Media::Bd => 12_219_392,
        Media::BdDl => BD_DL_BLOCKS,
    });
    let present = FileSystemImage::identify_file_systems_on_disc(&medium)?;
    let ms = Multisession::for_image(&medium, kind, capacity)?;
    img.set_multisession(ms)?;
    crate::session::import_newest(img, present)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boot_specs_parse() {
        let dir = std::env::temp_dir().join(format!("imapi2-boot-spec-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("b.img");
        std::fs::write(&f, vec![0u8; 1_474_560]).unwrap();
        let p = f.display();
        let b = parse_boot(&format!("bios={p}")).unwrap();
        assert_eq!(b.emulation(), Emulation::Floppy144, "a floppy-sized image");
        let b = parse_boot(&format!(
            "bios={p},emulation=none,load-size=4,boot-info-table"
        ))
        .unwrap();
        assert_eq!(
            (b.emulation(), b.sector_count(), b.boot_info_table()),
            (Emulation::None, 4, true)
        );
        let b = parse_boot(&format!("0xEF={p},manufacturer=ME,load-segment=0x7c0")).unwrap();
        assert_eq!(b.platform_id(), PlatformId::EFI);
        assert_eq!(b.load_segment(), 0x7C0);
        assert!(parse_boot(&format!("bios={p},emulation=tape")).is_err());
        assert!(parse_boot(&format!("os2={p}")).is_err());
        assert!(parse_boot("bios=/no/such/file")
            .unwrap_err()
            .contains("/no/such/file"));
        std::fs::write(&f, vec![0u8; 1000]).unwrap();
        assert!(parse_boot(&format!("bios={p},emulation=floppy"))
            .unwrap_err()
            .contains("1000"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
