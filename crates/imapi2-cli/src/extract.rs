//! `imapi2 extract`: copy what an image holds to a folder, safely.

use std::path::PathBuf;

use clap::Parser;
use imapi2::fs::extract::{extract, ExtractOptions};
use imapi2::fs::FileSystems;
use serde_json::json;

use crate::report::{event, lib_error, CliError};
use crate::view;

#[derive(Parser)]
pub struct Args {
    /// The image file.
    image: PathBuf,
    /// The folder to extract into (made if missing).
    dir: PathBuf,
    /// Paths in the image to extract, each at its place under DIR (default:
    /// everything).
    paths: Vec<String>,
    /// The view: iso9660, joliet, rockridge or udf [default: udf, else
    /// rockridge, else joliet, else iso9660].
    #[arg(long, value_name = "FS")]
    fs: Option<FileSystems>,
    /// Read the tree as session N left it (1 = the oldest; default: the newest).
    #[arg(long, value_name = "N", value_parser = crate::view::parse_session)]
    session: Option<usize>,
    /// Replace files and links that already exist.
    #[arg(long)]
    force: bool,
    /// Give files the owners recorded in the image (needs root).
    #[arg(long)]
    owners: bool,
    /// Refuse symbolic links that point outside DIR (absolute targets, or
    /// `..` above the view's root) and exit 1 naming them; by default they
    /// are made as recorded (links are made last and never followed, so no
    /// write goes through one).
    #[arg(long)]
    no_outside_links: bool,
    /// Print a JSON summary instead of text.
    #[arg(long)]
    json: bool,
    /// Print nothing but errors (with --json the JSON events are printed all
    /// the same: --json wins).
    #[arg(short, long)]
    quiet: bool,
}

pub fn run(args: Args) -> Result<(), CliError> {
    let o = view::open(&args.image, args.fs, args.session, args.json)?;
    let (tops, missing) = view::lookup_all(&o, &args.paths, args.json);
    if tops.is_empty() {
        return Err(view::missing_paths(missing, args.json));
    }
    if args.owners && !rustix::process::geteuid().is_root() {
        crate::report::warning(
            "--owners: only root can give files other owners; they stay yours \
             (modes and times are set)",
            args.json,
            args.quiet,
        );
    }
    let options = ExtractOptions {
        force: args.force,
        owners: args.owners,
        refuse_outside_links: args.no_outside_links,
    };
    let r = extract(&o.tree, &o.disc.medium, &tops, &args.dir, &options)
        .map_err(|e| lib_error(e, args.json))?;
    if args.json {
        event(json!({
            "event": "done",
            "view": o.view.to_string(),
            "directories": r.directories,
            "files": r.files,
            "links": r.links,
            "bytes": r.bytes,
            "refused": r.refused.iter().map(|(p, why)| json!({"path": p, "reason": why})).collect::<Vec<_>>(),
            "warnings": o.disc.warnings(),
        }));
    } else if !args.quiet {
        view::print_warnings(&o.disc);
        eprintln!(
            "imapi2: extracted {} files, {} directories, {} links ({} bytes) from the {} view",
            r.files, r.directories, r.links, r.bytes, o.view
        );
    }
    for (p, why) in &r.refused {
        eprintln!("imapi2: refused {p}: {why}");
    }
    if missing > 0 {
        return Err(view::missing_paths(missing, args.json));
    }
    if r.refused.is_empty() {
        Ok(())
    } else {
        Err(CliError {
            message: format!(
                "{} not extracted",
                crate::report::count(r.refused.len(), "entry was", "entries were")
            ),
            code: None,
            json: false,
        })
    }
}
