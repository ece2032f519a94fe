//! `imapi2 ls`: list what an image holds, in one file-system view.

use std::io::{BufWriter, Write};
use std::path::PathBuf;

use clap::Parser;
use imapi2::fs::{FileSystems, FsKind, FsNode};
use serde_json::json;

use crate::report::CliError;
use crate::view;

#[derive(Parser)]
pub struct Args {
    /// The image file.
    image: PathBuf,
    /// Paths in the image to list (default: everything). Missing ones are
    /// reported, the others listed, as tar does.
    paths: Vec<String>,
    /// How many levels below each PATH (or the root) to list: 1 lists a
    /// folder's own entries, as `ls` does [default: every level, as
    /// `tar -t` and `find` do].
    #[arg(short, long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    depth: Option<u32>,
    /// The view: iso9660, joliet, rockridge or udf [default: udf, else
    /// rockridge, else joliet, else iso9660].
    #[arg(long, value_name = "FS")]
    fs: Option<FileSystems>,
    /// Read the tree as session N left it (1 = the oldest; default: the newest).
    #[arg(long, value_name = "N", value_parser = crate::view::parse_session)]
    session: Option<usize>,
    /// Long listing: type and mode, owner, size, modification time.
    #[arg(short, long)]
    long: bool,
    /// One JSON object per entry.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> Result<(), CliError> {
    let o = view::open(&args.image, args.fs, args.session, args.json)?;
    let (tops, missing) = view::lookup_all(&o, &args.paths, args.json);
    let mut out = BufWriter::new(std::io::stdout().lock());
    let depth_below = |i: u32, top: u32| {
        let mut d = 0u32;
        let mut at = i;
        while at != top && at != 0 {
            at = o.tree.nodes[at as usize].parent;
            d += 1;
        }
        d
    };
    for top in tops {
        for i in o.tree.walk(top) {
            if i == 0 {
                continue;
            }
            if args.depth.is_some_and(|max| depth_below(i, top) > max) {
                continue;
            }
            let n = &o.tree.nodes[i as usize];
            let path = o.tree.path(i);
            let r = if args.json {
                writeln!(out, "{}", entry_json(&path, n))
            } else if args.long {
                writeln!(out, "{}", long_line(&path, n))
            } else {
                writeln!(out, "{path}")
            };
            if r.is_err() {
                return Ok(()); // a closed pipe ends the listing
            }
        }
    }
    let _ = out.flush();
    if !args.json {
        view::print_warnings(&o.disc);
    }
    if missing > 0 {
        return Err(view::missing_paths(missing, args.json));
    }
    Ok(())
}

fn kind_name(k: &FsKind) -> &'static str {
    match k {
        FsKind::Directory => "directory",
        FsKind::File => "file",
        FsKind::Symlink(_) => "symlink",
        FsKind::Fifo => "fifo",
        FsKind::Socket => "socket",
        FsKind::CharDevice(_) => "char-device",
        FsKind::BlockDevice(_) => "block-device",
    }
}

fn entry_json(path: &str, n: &FsNode) -> serde_json::Value {
    let mut v = json!({"path": path, "type": kind_name(&n.kind), "size": n.size});
    if let Some(m) = n.mode {
        v["mode"] = json!(format!("{:04o}", m & 0o7777));
    }
    if let Some(u) = n.uid {
        v["uid"] = json!(u);
    }
    if let Some(g) = n.gid {
        v["gid"] = json!(g);
    }
    if let Some(t) = n.modified {
        v["mtime"] = json!(t.unix_seconds());
    }
    if let FsKind::Symlink(t) = &n.kind {
        v["target"] = json!(t);
    }
    if n.hidden {
        v["hidden"] = json!(true);
    }
    v
}

fn long_line(path: &str, n: &FsNode) -> String {
    let t = match n.kind {
        FsKind::Directory => 'd',
        FsKind::File => '-',
        FsKind::Symlink(_) => 'l',
        FsKind::Fifo => 'p',
        FsKind::Socket => 's',
        FsKind::CharDevice(_) => 'c',
        FsKind::BlockDevice(_) => 'b',
    };
    let mode = n
        .mode
        .map_or_else(|| "?????????".to_string(), |m| rwx(m & 0o7777));
    let owner = match (n.uid, n.gid) {
        (Some(u), Some(g)) => format!("{u}:{g}"),
        _ => "-".into(),
    };
    let time = n.modified.map_or_else(
        || "-".to_string(),
        |t| {
            let c = t.civil();
            format!(
                "{:04}-{:02}-{:02} {:02}:{:02}",
                c.year, c.month, c.day, c.hour, c.minute
            )
        },
    );
    let mut s = format!("{t}{mode} {owner:>11} {:>12} {time} {path}", n.size);
    if let FsKind::Symlink(target) = &n.kind {
        s.push_str(" -> ");
        s.push_str(target);
    }
    s
}

fn rwx(m: u32) -> String {
    let mut s = String::with_capacity(9);
    for (i, c) in "rwxrwxrwx".chars().enumerate() {
        s.push(if m & (0o400 >> i) != 0 { c } else { '-' });
    }
    let mut b: Vec<char> = s.chars().collect();
    for (bit, at, set, unset_x) in [
        (0o4000, 2, 's', 'S'),
        (0o2000, 5, 's', 'S'),
        (0o1000, 8, 't', 'T'),
    ] {
        if m & bit != 0 {
            b[at] = if b[at] == 'x' { set } else { unset_x };
        }
    }
    b.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_read_like_ls() {
        assert_eq!(rwx(0o755), "rwxr-xr-x");
        assert_eq!(rwx(0o4755), "rwsr-xr-x");
        assert_eq!(rwx(0o1644), "rw-r--r-T");
    }
}
