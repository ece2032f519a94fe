//! `imapi2 verify IMAGE`: every structural problem of an image, with where
//! it is, errors apart from warnings; exit status 1 when there is an error.

use std::path::PathBuf;

use clap::Parser;
use imapi2::fs::validate::IsoImageManager;
use serde_json::json;

use crate::report::{lib_error, CliError};

#[derive(Parser)]
pub struct Args {
    /// The image file.
    image: PathBuf,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> Result<(), CliError> {
    let mut m = IsoImageManager::new();
    m.set_path(&args.image)
        .map_err(|e| lib_error(e, args.json))?;
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
                "{}: no errors found ({}; {} entries checked{})",
                args.image.display(),
                v.file_systems,
                v.entries_checked,
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
