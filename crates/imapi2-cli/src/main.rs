//! `imapi2`: the command-line tool over the imapi2 library.
//!
//! Exit status: 0 on success, 1 on an error (one readable line on stderr),
//! 2 on a usage error.

mod mkimage;
mod report;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Build disc images (ISO 9660, Joliet, Rock Ridge), the IMAPI2 way, on Linux.
#[derive(Parser)]
#[command(name = "imapi2", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build a file-system image from folders and files.
    Mkimage(mkimage::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Mkimage(args) => mkimage::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            e.print();
            ExitCode::from(1)
        }
    }
}
