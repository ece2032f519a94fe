//! `imapi2 mkimage`: build an image from folders and files.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::ValueEnum;
use imapi2::fs::{FileSystemImage, FileSystems, ItemId, ItemKind, ItemType, MediaPhysicalType};
use serde_json::json;

use crate::report::{self, lib_error, CliError, Mode, Progress};

/// Largest file ISO 9660 levels 1 and 2 hold in one extent.
const LEVEL2_MAX_FILE: u64 = 0xFFFF_F800;

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

/// Arguments of `imapi2 mkimage`.
#[derive(clap::Args)]
#[command(after_help = "\
SRC is a folder (its contents go to the image root), a file (placed in the root),
or PATH_IN_IMAGE=SRC to place it elsewhere (write '\\=' for a literal '=' in a path).
Later sources win over earlier ones on a name clash.

Without --media the image size is unlimited; with it, the build fails when the
content does not fit the medium.")]
pub struct Args {
    /// The image file to write.
    #[arg(short, long, value_name = "OUT")]
    output: PathBuf,
    /// File systems, comma separated: iso9660, joliet, rockridge
    /// [default: iso9660,joliet,rockridge].
    #[arg(long, value_name = "LIST")]
    fs: Option<FileSystems>,
    /// ISO 9660 interchange level [default: 2, or 3 when a file needs it].
    #[arg(long, value_name = "1|2|3", value_parser = clap::value_parser!(u8).range(1..=3))]
    iso_level: Option<u8>,
    /// Volume name (at most 32 characters).
    #[arg(long, value_name = "NAME")]
    volume: Option<String>,
    /// Check that the image fits this medium (and pick its defaults).
    #[arg(long, value_enum)]
    media: Option<Media>,
    /// Print one JSON event per line on stdout instead of a progress bar.
    #[arg(long)]
    json: bool,
    /// Print nothing but errors.
    #[arg(short, long)]
    quiet: bool,
    /// Folders and files to put in the image.
    #[arg(required = true, value_name = "SRC")]
    sources: Vec<String>,
}

/// Splits `PATH_IN_IMAGE=SRC` at the first unescaped '='.
fn split_graft(arg: &str) -> (Option<String>, String) {
    let mut left = String::new();
    let mut chars = arg.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'=') => {
                left.push('=');
                chars.next();
            }
            '=' => {
                let rest: String = chars.collect();
                return (Some(left), rest.replace("\\=", "="));
            }
            _ => left.push(c),
        }
    }
    (None, left)
}

/// `mkdir -p` inside the image.
fn ensure_dir(img: &mut FileSystemImage, path: &str) -> imapi2::fs::Result<ItemId> {
    let mut cur = img.root();
    for comp in path.split('/').filter(|c| !c.is_empty() && *c != ".") {
        cur = match img.item_in(cur, comp) {
            Ok(id) if img.kind(id) == ItemKind::Directory => id,
            Ok(id) => {
                return Err(imapi2::fs::Error::NotDir {
                    path: img.full_path(id),
                })
            }
            Err(_) => img.add_directory(cur, comp)?,
        };
    }
    Ok(cur)
}

fn add_source(img: &mut FileSystemImage, arg: &str) -> imapi2::fs::Result<()> {
    let (graft, src) = split_graft(arg);
    let host = Path::new(&src);
    let md = std::fs::metadata(host).map_err(|error| imapi2::fs::Error::DataStreamCreate {
        path: host.to_path_buf(),
        error,
    })?;
    if md.is_dir() {
        let dir = ensure_dir(img, graft.as_deref().unwrap_or("/"))?;
        return img.add_tree(dir, host, false);
    }
    let file_name = || {
        host.file_name()
            .and_then(|n| n.to_str())
            .map(str::to_string)
            .ok_or_else(|| imapi2::fs::Error::HostName {
                path: host.to_path_buf(),
            })
    };
    let (dir_path, leaf) = match graft {
        None => ("/".to_string(), file_name()?),
        Some(g) if g.ends_with('/') || g.is_empty() => (g, file_name()?),
        Some(g) => match g.trim_end_matches('/').rsplit_once('/') {
            Some((d, l)) => (d.to_string(), l.to_string()),
            None => ("/".to_string(), g),
        },
    };
    let dir = ensure_dir(img, &dir_path)?;
    if let Ok(existing) = img.item_in(dir, &leaf) {
        if img.kind(existing) == ItemKind::Directory {
            img.remove_tree(dir, &leaf)?;
        } else {
            img.remove(dir, &leaf)?;
        }
    }
    img.add_host_file(dir, &leaf, host)?;
    Ok(())
}

pub fn run(args: Args) -> Result<(), CliError> {
    let json = args.json;
    let err = |e| lib_error(e, json);
    let mode = Mode::choose(json, args.quiet);
    let mut img = FileSystemImage::new();
    img.set_free_media_blocks(0).map_err(err)?;
    if let Some(m) = args.media {
        let t = match m {
            Media::Cd => MediaPhysicalType::CdR,
            Media::Dvd => MediaPhysicalType::DvdPlusR,
            Media::DvdDl => MediaPhysicalType::DvdPlusRDualLayer,
            Media::Bd | Media::BdDl => MediaPhysicalType::BdR,
        };
        img.choose_image_defaults_for_media_type(t).map_err(err)?;
        // The choice for BD is UDF, which this build does not write yet; keep
        // the ISO 9660 family until it does.
        img.set_file_systems_to_create(
            FileSystems::ISO9660 | FileSystems::JOLIET | FileSystems::ROCK_RIDGE,
        )
        .map_err(err)?;
        if matches!(m, Media::BdDl) {
            img.set_free_media_blocks(BD_DL_BLOCKS).map_err(err)?;
        }
    }
    if let Some(fs) = args.fs {
        img.set_file_systems_to_create(fs).map_err(err)?;
    }
    if let Some(v) = &args.volume {
        img.set_volume_name(v).map_err(err)?;
    }
    if mode == Mode::Json {
        report::event(json!({"event": "scanning", "sources": args.sources}));
    }
    for s in &args.sources {
        add_source(&mut img, s).map_err(err)?;
    }
    let level = match args.iso_level {
        Some(l) => l,
        None if img.largest_file_size() > LEVEL2_MAX_FILE => 3,
        None => 2,
    };
    img.set_iso9660_interchange_level(level).map_err(err)?;
    debug_assert_ne!(img.exists("/"), ItemType::NotFound);

    let mut result = img.create_result_image().map_err(err)?;
    let progress = Arc::new(Progress::new(mode));
    if mode == Mode::Json {
        report::event(json!({
            "event": "planned",
            "files": img.file_count(),
            "directories": img.directory_count(),
            "total_sectors": result.total_blocks(),
            "file_systems": result.file_systems().short_names(),
            "iso_level": level,
            "volume": result.disc_id(),
        }));
    }
    let p = progress.clone();
    result.set_progress(move |u| {
        p.update(&u.current_file, u.copied_sectors, u.total_sectors);
        true
    });
    let written = result.write_to_path(&args.output);
    progress.finish();
    written.map_err(err)?;
    let secs = progress.elapsed().as_secs_f64();
    match mode {
        Mode::Json => report::event(json!({
            "event": "done",
            "output": args.output.display().to_string(),
            "sectors": result.total_blocks(),
            "bytes": result.total_bytes(),
            "seconds": secs,
            "file_systems": result.file_systems().short_names(),
            "volume": result.disc_id(),
        })),
        Mode::Bar => eprintln!(
            "imapi2: wrote {} ({} sectors, {}; {}; volume {}) in {:.2} s",
            args.output.display(),
            result.total_blocks(),
            report::human_bytes(result.total_bytes()),
            result.file_systems(),
            result.disc_id(),
            secs
        ),
        Mode::Quiet => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grafts_split_at_the_first_unescaped_equals() {
        assert_eq!(split_graft("dir"), (None, "dir".to_string()));
        assert_eq!(
            split_graft("/a/b=src/x"),
            (Some("/a/b".to_string()), "src/x".to_string())
        );
        assert_eq!(
            split_graft("a\\=b=c\\=d"),
            (Some("a=b".to_string()), "c=d".to_string())
        );
        assert_eq!(split_graft("x\\=y"), (None, "x=y".to_string()));
    }
}
