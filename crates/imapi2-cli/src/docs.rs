//! `imapi2 completions SHELL` and `imapi2 man DIR`: the shell completions
//! and man pages, generated from the command-line definitions themselves
//! (`clap_complete`, `clap_mangen`), so they never lag behind `--help`.

use std::path::{Path, PathBuf};

use clap::{Command, Parser};
use clap_complete::Shell;

use crate::report::CliError;

/// Arguments of `imapi2 completions`.
#[derive(Parser)]
#[command(after_help = "\
Install for bash: imapi2 completions bash > ~/.local/share/bash-completion/completions/imapi2
zsh: imapi2 completions zsh > ~/.zfunc/_imapi2 (with ~/.zfunc in fpath)
fish: imapi2 completions fish > ~/.config/fish/completions/imapi2.fish")]
pub struct CompletionsArgs {
    /// The shell: bash, zsh, fish, elvish or powershell.
    shell: Shell,
}

/// Arguments of `imapi2 man`.
#[derive(Parser)]
#[command(after_help = "\
Install: imapi2 man ~/.local/share/man/man1 (then `man imapi2`, `man imapi2-burn`)")]
pub struct ManArgs {
    /// The folder the pages go to (made if missing): imapi2.1, and
    /// imapi2-SUBCOMMAND.1 for each subcommand.
    dir: PathBuf,
}

/// Prints the completion script of `shell` for `cmd`.
pub fn completions(args: CompletionsArgs, mut cmd: Command) -> Result<(), CliError> {
    let name = cmd.get_name().to_string();
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, name, &mut out);
    outln!("{}", String::from_utf8_lossy(&out).trim_end());
    Ok(())
}

/// Writes the man pages of `cmd` and its subcommands into the folder.
pub fn man(args: ManArgs, cmd: Command) -> Result<(), CliError> {
    let fail = |path: &Path, e: std::io::Error| CliError {
        message: format!("{}: {e}", path.display()),
        code: None,
        json: false,
    };
    std::fs::create_dir_all(&args.dir).map_err(|e| fail(&args.dir, e))?;
    let version = env!("CARGO_PKG_VERSION");
    let cmd = cmd.version(version);
    let mut written = Vec::new();
    let mut pages = vec![(cmd.get_name().to_string(), cmd.clone())];
    for sub in cmd.get_subcommands() {
        let name = format!("{}-{}", cmd.get_name(), sub.get_name());
        pages.push((name.clone(), sub.clone().name(name).version(version)));
    }
    for (name, page) in pages {
        let path = args.dir.join(format!("{name}.1"));
        let mut out = Vec::new();
        clap_mangen::Man::new(page)
            .render(&mut out)
            .map_err(|e| fail(&path, e))?;
        std::fs::write(&path, out).map_err(|e| fail(&path, e))?;
        written.push(path);
    }
    eprintln!(
        "imapi2: wrote {} man pages to {}",
        written.len(),
        args.dir.display()
    );
    Ok(())
}
