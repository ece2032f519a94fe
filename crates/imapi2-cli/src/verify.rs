//! `imapi2 verify IMAGE`: every structural problem of an image, with where
//! it is; exit status 1 when there is one.

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
    if args.json {
        outln!(
            "{}",
            json!({
                "image": args.image.display().to_string(),
                "valid": v.problems.is_empty() && imapi.is_ok(),
                "imapi": imapi.as_ref().err().map(|e| e.imapi_name()),
                "file_systems": v.file_systems.to_string(),
                "entries_checked": v.entries_checked,
                "problems": v.problems.iter().map(|p| json!({
                    "block": p.block,
                    "structure": p.structure,
                    "message": p.message,
                })).collect::<Vec<_>>(),
            })
        );
    } else {
        if let Err(e) = &imapi {
            outln!("{}: {e}", e.imapi_name().unwrap_or("error"));
        }
        for p in &v.problems {
            outln!("{p}");
        }
        if v.problems.is_empty() && imapi.is_ok() {
            outln!(
                "{}: no problems found ({}; {} entries checked)",
                args.image.display(),
                v.file_systems,
                v.entries_checked
            );
        }
    }
    if v.problems.is_empty() && imapi.is_ok() {
        Ok(())
    } else {
        Err(CliError {
            message: format!(
                "{}: {} problem(s) found",
                args.image.display(),
                v.problems.len() + usize::from(imapi.is_err())
            ),
            code: Some("IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR"),
            json: false,
        })
    }
}
