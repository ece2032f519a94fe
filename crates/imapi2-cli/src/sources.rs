//! Sources of an image, as `mkimage` and `burn` take them: folders, files
//! and `PATH_IN_IMAGE=SRC` graft points, later ones winning a name clash.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::PathBuf;

use imapi2::fs::{FileSystemImage, FileSystems, ItemId, ItemKind, UdfSpecialFiles};

/// Largest file ISO 9660 levels 1 and 2 hold in one extent.
const LEVEL2_MAX_FILE: u64 = 0xFFFF_F800;

/// `--udf-links`.
#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum UdfLinks {
    /// Links, FIFOs, sockets and devices as what they are.
    Keep,
    /// As empty files (genisoimage's way; 7-Zip can open the volume).
    AsEmptyFiles,
}

/// The file-system options of `mkimage` and `burn`.
#[derive(clap::Args, Debug, Clone)]
pub struct FsArgs {
    /// File systems, comma separated: iso9660, joliet, rockridge, udf
    /// [default: iso9660,joliet,rockridge]. `udf` alone makes a UDF-only
    /// image; with the others, a bridge that shares every file's data.
    #[arg(long, value_name = "LIST")]
    fs: Option<FileSystems>,
    /// UDF revision: 1.02, 1.50, 2.00, 2.01, 2.50 or 2.60 [default: 1.02, or
    /// what --media picks]. 2.50 and 2.60 use a metadata partition.
    #[arg(long, value_name = "REV", value_parser = parse_udf_revision)]
    udf_revision: Option<u16>,
    /// UDF 2.50+: no separate metadata mirror file (saves the copy).
    #[arg(long)]
    no_udf_mirror: bool,
    /// ISO 9660 interchange level [default: 2, or 3 when a file needs it].
    #[arg(long, value_name = "1|2|3", value_parser = clap::value_parser!(u8).range(1..=3))]
    iso_level: Option<u8>,
    /// How UDF records symbolic links, FIFOs, sockets and devices: keep
    /// them (the Linux kernel, udfclient and libudfread read them), or
    /// write them as empty files, as genisoimage does, so that 7-Zip and
    /// pycdlib can open the UDF volume [default: keep].
    #[arg(long, value_enum, value_name = "HOW")]
    udf_links: Option<UdfLinks>,
    /// Relocate directories deeper than ISO 9660's eight levels the Rock
    /// Ridge way (ECMA-119's limit kept) instead of writing them where they
    /// are, as xorriso does by default.
    #[arg(long)]
    rr_relocate: bool,
    /// Volume name (at most 32 characters).
    #[arg(long, value_name = "NAME")]
    volume: Option<String>,
    /// Compress files with zisofs where that saves space, as mkisofs -z
    /// and xorriso --zisofs do (Linux, xorriso, bsdtar and imapi2 extract
    /// decompress them through Rock Ridge; the Joliet and ISO 9660 trees see
    /// the compressed bytes). Needs Rock Ridge and no UDF.
    #[arg(long)]
    zisofs: bool,
    /// Leave out the source files and folders you may not read, and list
    /// them at the end (genisoimage's way), instead of stopping at the first
    /// (IMAPI's and xorriso's).
    #[arg(long)]
    pub skip_unreadable: bool,
}

impl FsArgs {
    /// Applies the options that only matter once the tree is known
    /// (relocation of deep directories).
    pub fn apply_tree_options(&self, img: &mut FileSystemImage) {
        img.set_rock_ridge_relocation(self.rr_relocate);
        if let Some(l) = self.udf_links {
            img.set_udf_special_files(match l {
                UdfLinks::Keep => UdfSpecialFiles::Keep,
                UdfLinks::AsEmptyFiles => UdfSpecialFiles::AsEmptyFiles,
            });
        }
    }

    /// Applies what was given over the defaults already chosen (for the
    /// medium): file systems, UDF revision and mirror, volume name.
    pub fn apply(&self, img: &mut FileSystemImage) -> imapi2::fs::Result<()> {
        if let Some(fs) = self.fs {
            img.set_file_systems_to_create(fs)?;
        }
        if let Some(rev) = self.udf_revision {
            img.set_udf_revision(rev)?;
        }
        if self.no_udf_mirror {
            img.set_create_redundant_udf_metadata_files(false);
        }
        if let Some(v) = &self.volume {
            img.set_volume_name(v)?;
        }
        self.apply_tree_options(img);
        if self.zisofs {
            img.set_zisofs(true);
        }
        Ok(())
    }

    /// Sets the ISO 9660 level once the sources are in: the one given, else
    /// 3 when a file needs several extents, else 2. Returns it.
    pub fn apply_level(&self, img: &mut FileSystemImage) -> imapi2::fs::Result<u8> {
        let level = match self.iso_level {
            Some(l) => l,
            None if img.largest_file_size() > LEVEL2_MAX_FILE => 3,
            None => 2,
        };
        img.set_iso9660_interchange_level(level)?;
        Ok(level)
    }
}

/// "2.50" → 0x0250.
fn parse_udf_revision(s: &str) -> Result<u16, String> {
    match s {
        "1.02" => Ok(0x0102),
        "1.50" => Ok(0x0150),
        "2.00" => Ok(0x0200),
        "2.01" => Ok(0x0201),
        "2.50" => Ok(0x0250),
        "2.60" => Ok(0x0260),
        _ => Err(format!("{s:?} is not 1.02, 1.50, 2.00, 2.01, 2.50 or 2.60")),
    }
}

/// Splits `PATH_IN_IMAGE=SRC` at the first unescaped '=' (`\=` is a
/// literal '='), on bytes: either side may hold bytes that are not UTF-8.
/// The image path comes back as an item name ([`imapi2::fs::escape`]).
fn split_graft(arg: &OsStr) -> (Option<String>, PathBuf) {
    let bytes = arg.as_bytes();
    let unescape = |b: &[u8]| -> Vec<u8> {
        let mut out = Vec::with_capacity(b.len());
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'\\' && b.get(i + 1) == Some(&b'=') {
                out.push(b'=');
                i += 2;
            } else {
                out.push(b[i]);
                i += 1;
            }
        }
        out
    };
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if bytes.get(i + 1) == Some(&b'=') => i += 2,
            b'=' => {
                let left = unescape(&bytes[..i]);
                let right = unescape(&bytes[i + 1..]);
                let graft = imapi2::fs::escape::from_bytes(&left).into_owned();
                return (Some(graft), PathBuf::from(OsString::from_vec(right)));
            }
            _ => i += 1,
        }
    }
    (None, PathBuf::from(OsString::from_vec(unescape(bytes))))
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

/// The sources as a JSON event shows them: names that are not UTF-8 have
/// their odd bytes shown as `\xNN`.
pub fn shown_sources(sources: &[OsString]) -> Vec<String> {
    sources
        .iter()
        .map(|s| {
            imapi2::fs::escape::shown(&imapi2::fs::escape::from_bytes(s.as_bytes())).into_owned()
        })
        .collect()
}

/// Adds one SRC (see the `mkimage` help); returns a warning when a file of
/// it replaced a whole folder that an earlier SRC put there. With
/// `skipped`, what the user may not read is left out and listed there.
pub fn add_source(
    img: &mut FileSystemImage,
    arg: &OsStr,
    skipped: Option<&mut Vec<PathBuf>>,
) -> imapi2::fs::Result<Option<String>> {
    let (graft, src) = split_graft(arg);
    let host = src.as_path();
    let md = std::fs::metadata(host).map_err(|error| imapi2::fs::Error::DataStreamCreate {
        path: host.to_path_buf(),
        error,
    })?;
    if md.is_dir() {
        let dir = ensure_dir(img, graft.as_deref().unwrap_or("/"))?;
        return match skipped {
            Some(list) => {
                list.extend(img.add_tree_skipping_unreadable(dir, host, false)?);
                Ok(None)
            }
            None => img.add_tree(dir, host, false).map(|()| None),
        };
    }
    if let Some(list) = skipped {
        if md.is_file() && !FileSystemImage::host_file_readable(host) {
            list.push(host.to_path_buf());
            return Ok(None);
        }
    }
    let file_name = || {
        host.file_name()
            .map(|n| imapi2::fs::escape::from_bytes(n.as_bytes()).into_owned())
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
    let mut warning = None;
    if let Ok(existing) = img.item_in(dir, &leaf) {
        if img.kind(existing) == ItemKind::Directory {
            let full = img.full_path(existing);
            warning = Some(format!(
                "{}: the file replaces the whole folder {full} an earlier source put there",
                host.display()
            ));
            img.remove_tree(dir, &leaf)?;
        } else {
            img.remove(dir, &leaf)?;
        }
    }
    img.add_host_file(dir, &leaf, host)?;
    Ok(warning)
}

/// The sources left out as unreadable, one warning each and a count.
pub fn report_skipped(skipped: &[PathBuf], json: bool, quiet: bool) {
    for p in skipped {
        crate::report::warning(
            &format!("{}: not readable, left out", p.display()),
            json,
            quiet,
        );
    }
    if !skipped.is_empty() {
        crate::report::warning(
            &format!(
                "{} left out (--skip-unreadable)",
                crate::report::count(
                    skipped.len(),
                    "unreadable source was",
                    "unreadable sources were"
                )
            ),
            json,
            quiet,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grafts_split_at_the_first_unescaped_equals() {
        let g = |s: &str| split_graft(OsStr::new(s));
        assert_eq!(g("dir"), (None, PathBuf::from("dir")));
        assert_eq!(
            g("/a/b=src/x"),
            (Some("/a/b".to_string()), PathBuf::from("src/x"))
        );
        assert_eq!(
            g("a\\=b=c\\=d"),
            (Some("a=b".to_string()), PathBuf::from("c=d"))
        );
        assert_eq!(g("x\\=y"), (None, PathBuf::from("x=y")));
        // Bytes that are not UTF-8, on either side.
        let (graft, src) = split_graft(OsStr::from_bytes(b"in\xff=out\xfe"));
        assert_eq!(
            imapi2::fs::escape::to_bytes(&graft.unwrap()).as_ref(),
            b"in\xff"
        );
        assert_eq!(src.as_os_str().as_bytes(), b"out\xfe");
    }
}
