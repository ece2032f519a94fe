//! `imapi2 verify IMAGE`: every structural problem of an image (or of the
//! disc in a recorder: `virtual:DIR`, `--drive ID`), with where it is,
//! errors apart from warnings; exit status 1 when there is an error.

use std::path::PathBuf;

use clap::Parser;
use imapi2::fs::validate::IsoImageManager;
use serde_json::json;

use crate::report::{lib_error, CliError};
use crate::view;

/// The arguments once the image or drive is chosen.
struct Resolved {
    image: PathBuf,
    json: bool,
}

#[derive(Parser)]
pub struct Args {
    /// The image file, or a recorder whose disc is checked (virtual:DIR, or
    /// use --drive).
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
    let image = match (&args.drive, &args.image) {
        (Some(d), _) => PathBuf::from(d),
        (None, Some(i)) => i.clone(),
        (None, None) => unreachable!("clap requires one"),
    };
    let mut m = IsoImageManager::new();
    if view::is_recorder(&image) || args.drive.is_some() {
        m.set_medium(view::open_medium_of(
            &image,
            args.drive.is_some(),
            args.json,
        )?);
    } else {
        m.set_path(&image).map_err(|e| lib_error(e, args.json))?;
    }
    let args = Resolved {
        image,
        json: args.json,
    };
    // IMAPI's own checks first: they decide whether there is anything to read.
    let imapi = m.validate();
    let v = m.problems().map_err(|e| lib_error(e, args.json))?;
    let errors = v.errors().count() + usize::from(imapi.is_err());
    let warnings = v.warnings().count();
    let listed = |it: &mut dyn Iterator<Item = &imapi2::fs::validate::Problem>| {
        it.map(|p| {
            json!({
                "block": p.block,
                "structure": p.structure,
                "message": p.message,
            })
        })
        .collect::<Vec<_>>()
    };
    if args.json {
        let mut errs = listed(&mut v.errors());
        if let Err(e) = &imapi {
            errs.insert(
                0,
                json!({"block": 0, "structure": "image", "message": e.to_string()}),
            );
        }
        outln!(
            "{}",
            json!({
                "image": args.image.display().to_string(),
                "valid": errors == 0,
                "imapi": imapi.as_ref().err().map(|e| e.imapi_name()),
                "file_systems": v.file_systems.to_string(),
                "entries_checked": v.entries_checked,
                "errors": errs,
                "warnings": listed(&mut v.warnings()),
            })
        );
    } else {
        if let Err(e) = &imapi {
            outln!("{}: {e}", e.imapi_name().unwrap_or("error"));
        }
        for p in &v.problems {
            outln!("{p}");
        }
        if errors == 0 {
            outln!(
                "{}: no errors found ({}; {} checked{})",
                args.image.display(),
                v.file_systems,
                crate::report::count(v.entries_checked as usize, "entry", "entries"),
                match warnings {
                    0 => String::new(),
                    1 => ", 1 warning".to_string(),
                    n => format!(", {n} warnings"),
                }
            );
        }
    }
    if errors == 0 {
        Ok(())
    } else {
        Err(CliError {
            message: format!(
                "{}: {errors} error{} found{}",
                args.image.display(),
                if errors == 1 { "" } else { "s" },
                match warnings {
                    0 => String::new(),
                    1 => " (and 1 warning)".to_string(),
                    n => format!(" (and {n} warnings)"),
                }
            ),
            code: Some("IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR"),
            json: false,
        })
    }
}
