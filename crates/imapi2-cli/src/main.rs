//! `imapi2`: the command-line tool over the imapi2 library.
//!
//! Exit status: 0 on success, 1 on an error (one readable line on stderr),
//! 2 on a usage error.

/// `println!` that ends the program quietly when stdout is closed (a pager
/// or `head` that stopped reading) instead of panicking.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if writeln!(std::io::stdout(), $($arg)*).is_err() {
            std::process::exit(0);
        }
    }};
}

mod burn;
mod device;
mod docs;
mod erase;
mod extract;
mod info;
mod ls;
mod mkimage;
mod report;
mod session;
mod signals;
mod sources;
mod verify;
mod view;

use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

/// Build and read disc images (ISO 9660, Joliet, Rock Ridge, UDF) and drive recorders, the IMAPI2 way, on Linux.
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
    /// Burn folders and files (or an image) to the medium of a recorder.
    Burn(burn::Args),
    /// Close the session an interrupted burn left open, or finalize a disc.
    Close(burn::CloseArgs),
    /// Erase a rewritable medium (CD-RW, DVD-RW; DVD+RW, DVD-RAM, BD-RE).
    Erase(erase::EraseArgs),
    /// Format a rewritable medium (DVD+RW, DVD-RW, DVD-RAM, BD-RE, a blank BD-R).
    Format(erase::FormatArgs),
    /// List the files of an image (ISO 9660, Joliet, Rock Ridge or UDF).
    Ls(ls::Args),
    /// Copy the files of an image to a folder.
    Extract(extract::Args),
    /// Show what an image holds: file systems, volumes, sessions, boot entries.
    Info(info::Args),
    /// Check an image's structures and list every problem found.
    Verify(verify::Args),
    /// List the recorders: real drives, then virtual ones, with what they can write.
    Drives(device::DrivesArgs),
    /// Open a drive's tray.
    Eject(device::TrayArgs),
    /// Close a drive's tray.
    Load(device::TrayArgs),
    /// Make, load and unload virtual recorders (file-backed drives).
    Virtual(device::VirtualArgs),
    /// Print the shell completion script (bash, zsh, fish, elvish, powershell).
    Completions(docs::CompletionsArgs),
    /// Write the man pages (imapi2.1 and one per subcommand) into a folder.
    Man(docs::ManArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Mkimage(args) => mkimage::run(args),
        Command::Burn(args) => burn::run(args),
        Command::Close(args) => burn::close(args),
        Command::Erase(args) => erase::erase(args),
        Command::Format(args) => erase::format(args),
        Command::Ls(args) => ls::run(args),
        Command::Extract(args) => extract::run(args),
        Command::Info(args) => info::run(args),
        Command::Verify(args) => verify::run(args),
        Command::Drives(args) => device::drives(args),
        Command::Eject(args) => device::tray(args, false),
        Command::Load(args) => device::tray(args, true),
        Command::Virtual(args) => device::virtual_cmd(args),
        Command::Completions(args) => docs::completions(args, Cli::command()),
        Command::Man(args) => docs::man(args, Cli::command()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            e.print();
            ExitCode::from(signals::exit_code().unwrap_or(1))
        }
    }
}
