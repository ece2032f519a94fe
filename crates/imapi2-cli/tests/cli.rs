//! The `imapi2` command: exit codes, messages, JSON events, sources and grafts,
//! reproducible output.

mod common;

use std::fs;
use std::process::Output;

use common::*;

/// Runs `imapi2 ARGS -o OUT SRC`.
fn mkimage_run(args: &[&str], out: &std::path::Path, src: &std::path::Path) -> Output {
    imapi2()
        .args(args)
        .arg("-o")
        .arg(out)
        .arg(src)
        .output()
        .unwrap()
}

fn json_lines(out: &Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l:?}: {e}")))
        .collect()
}

/// The Rock Ridge paths of an image, as isoinfo lists them.
fn iso_names(img: &std::path::Path) -> Vec<String> {
    let out = std::process::Command::new("isoinfo")
        .args(["-R", "-f", "-i"])
        .arg(img)
        .output();
    match out {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout)
            .lines()
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    }
}

#[test]
fn usage_errors_exit_2() {
    let o = imapi2().arg("mkimage").output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    let o = imapi2()
        .args(["mkimage", "--iso-level", "4", "-o", "x.iso", "."])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let o = imapi2()
        .args(["mkimage", "--fs", "iso9660,hfs", "-o", "x.iso", "."])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("hfs"));
    // Unknown medium and drive kinds, named as typed, before any I/O.
    for (args, option) in [
        (
            &["virtual", "create", "nothere", "--media", "dvd+x"][..],
            "--media",
        ),
        (
            &["virtual", "create", "nothere", "--drive", "floppy"],
            "--drive",
        ),
        (
            &["burn", "--drive", "virtual:nothere", "--blank", "cd-z", "x"],
            "--blank",
        ),
    ] {
        let o = imapi2().args(args).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(option), "{args:?}: {err}");
        assert!(!std::path::Path::new("nothere").exists());
    }
    // Sessions count from 1: --session 0 is found before any I/O.
    for cmd in [
        &["ls", "nothere.iso"][..],
        &["extract", "nothere.iso", "out"],
    ] {
        let o = imapi2()
            .args(cmd)
            .args(["--session", "0"])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{cmd:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains("--session") && err.contains("count from 1"),
            "{err}"
        );
    }
}

#[test]
fn runtime_errors_exit_1_with_one_line() {
    let dir = scratch();
    let out = dir.path().join("o.iso");
    let missing = dir.path().join("no-such-dir");
    let o = imapi2()
        .arg("mkimage")
        .arg("-o")
        .arg(&out)
        .arg(&missing)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("imapi2: error: "), "{err}");
    assert!(err.contains("no-such-dir"), "{err}");
    assert!(!out.exists());
    // Joliet without ISO 9660 is refused with the IMAPI code in JSON.
    let src = dir.path().join("src");
    write(&src.join("f"), b"f", 0o644);
    let o = mkimage_run(&["mkimage", "--json", "--fs", "joliet"], &out, &src);
    assert_eq!(o.status.code(), Some(1));
    let ev = json_lines(&o);
    let last = ev.last().unwrap();
    assert_eq!(last["event"], "error");
    assert_eq!(last["code"], "IMAPI_E_INVALID_PARAM");
}

#[test]
fn json_events_describe_the_run() {
    let dir = scratch();
    let src = dir.path().join("src");
    write(&src.join("a.bin"), &noise(100_000, 1), 0o644);
    write(&src.join("d/b.txt"), b"b", 0o644);
    let out = dir.path().join("o.iso");
    let o = mkimage_run(&["mkimage", "--json", "--volume", "MyDisc"], &out, &src);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let ev = json_lines(&o);
    let kinds: Vec<&str> = ev.iter().map(|e| e["event"].as_str().unwrap()).collect();
    assert_eq!(kinds.first(), Some(&"scanning"));
    assert!(kinds.contains(&"planned"));
    assert!(kinds.contains(&"progress"));
    assert_eq!(kinds.last(), Some(&"done"));
    let planned = ev.iter().find(|e| e["event"] == "planned").unwrap();
    assert_eq!(planned["files"], 2);
    assert_eq!(planned["directories"], 2);
    assert_eq!(planned["iso_level"], 2);
    assert_eq!(planned["volume"], "MYDISC");
    let done = ev.last().unwrap();
    let size = fs::metadata(&out).unwrap().len();
    assert_eq!(done["bytes"].as_u64(), Some(size));
    assert_eq!(done["sectors"].as_u64(), Some(size / 2048));
    assert_eq!(
        done["file_systems"],
        serde_json::json!(["iso9660", "joliet", "rockridge"])
    );
}

#[test]
fn sources_and_grafts_land_where_asked() {
    let dir = scratch();
    let a = dir.path().join("a");
    let b = dir.path().join("b");
    write(&a.join("one.txt"), b"1 from a", 0o644);
    write(&a.join("sub/x.txt"), b"x", 0o644);
    write(&b.join("one.txt"), b"1 from b", 0o644);
    let single = dir.path().join("single.txt");
    write(&single, b"single", 0o644);
    let out = dir.path().join("o.iso");
    let o = imapi2()
        .args(["mkimage", "-q", "-o"])
        .arg(&out)
        .arg(&a)
        .arg(&b)
        .arg(&single)
        .arg(format!("/deep/er/renamed.txt={}", single.display()))
        .arg(format!("/into/={}", single.display()))
        .arg(format!("/copy_of_a={}", a.display()))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    if !require_tools(&["isoinfo"]) {
        return;
    }
    let names = iso_names(&out);
    for p in [
        "/one.txt",
        "/sub/x.txt",
        "/single.txt",
        "/deep/er/renamed.txt",
        "/into/single.txt",
        "/copy_of_a/one.txt",
        "/copy_of_a/sub/x.txt",
    ] {
        assert!(names.iter().any(|n| n == p), "{p} missing from {names:?}");
    }
    // The later source won the clash.
    let content = std::process::Command::new("isoinfo")
        .args(["-R", "-x", "/one.txt", "-i"])
        .arg(&out)
        .output()
        .unwrap()
        .stdout;
    assert_eq!(content, b"1 from b");
}

#[test]
fn source_date_epoch_gives_identical_images() {
    let dir = scratch();
    let src = dir.path().join("src");
    write(&src.join("a.txt"), b"a", 0o644);
    write(&src.join("d/b.txt"), b"b", 0o600);
    let build = |from: &std::path::Path, name: &str| {
        let out = dir.path().join(name);
        let o = imapi2()
            .env("SOURCE_DATE_EPOCH", "1600000000")
            .args(["mkimage", "-q", "-o"])
            .arg(&out)
            .arg(from)
            .output()
            .unwrap();
        assert!(o.status.success());
        fs::read(out).unwrap()
    };
    let one = build(&src, "1.iso");
    let two = build(&src, "2.iso");
    assert!(one == two, "same tree, different images");
    let copy = dir.path().join("copy");
    assert!(std::process::Command::new("cp")
        .arg("-r")
        .arg(&src)
        .arg(&copy)
        .status()
        .unwrap()
        .success());
    let three = build(&copy, "3.iso");
    assert!(one == three, "a fresh copy of the tree gives another image");
    // The default volume name comes from the epoch: 2020-09-13 12:26:40 UTC.
    assert_eq!(&one[16 * 2048 + 40..16 * 2048 + 55], b"20200913_122640");
}

/// `-o -` writes the image to standard output: into a pipe (gzip here, as
/// into ssh or curl) and into a redirected file alike, byte for byte the
/// image `-o FILE` writes; no file named `-` appears.
#[test]
fn dash_writes_the_image_to_standard_output() {
    let dir = scratch();
    let src = dir.path().join("src");
    write(&src.join("a.txt"), b"a", 0o644);
    write(&src.join("d/big.bin"), &noise(300_000, 1), 0o644);
    let file = dir.path().join("file.iso");
    let o = imapi2()
        .env("SOURCE_DATE_EPOCH", "1600000000")
        .args(["mkimage", "-q", "-o"])
        .arg(&file)
        .arg(&src)
        .output()
        .unwrap();
    assert!(o.status.success());
    let want = fs::read(&file).unwrap();
    // Captured by a pipe.
    let o = imapi2()
        .current_dir(dir.path())
        .env("SOURCE_DATE_EPOCH", "1600000000")
        .args(["mkimage", "-q", "-o", "-"])
        .arg(&src)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(o.stdout == want, "the piped image differs");
    // Through gzip, and into a file the shell redirected.
    let gz = dir.path().join("out.iso.gz");
    let redirected = dir.path().join("redirected.iso");
    let script = format!(
        "{bin} mkimage -q -o - {src} | gzip -c > {gz} && {bin} mkimage -q -o - {src} > {red}",
        bin = env!("CARGO_BIN_EXE_imapi2"),
        src = src.display(),
        gz = gz.display(),
        red = redirected.display()
    );
    let o = std::process::Command::new("sh")
        .current_dir(dir.path())
        .env("SOURCE_DATE_EPOCH", "1600000000")
        .args(["-c", &script])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let unzipped = std::process::Command::new("gzip")
        .args(["-dc"])
        .arg(&gz)
        .output()
        .unwrap();
    assert!(unzipped.stdout == want, "the gzipped image differs");
    assert!(
        fs::read(&redirected).unwrap() == want,
        "the redirected image differs"
    );
    assert!(!dir.path().join("-").exists(), "a file named - was made");
}

/// Shell completions and man pages come from the command definitions: every
/// subcommand is in them.
#[test]
fn completions_and_man_pages_cover_every_subcommand() {
    let subcommands = [
        "mkimage", "burn", "close", "erase", "format", "ls", "extract", "info", "verify", "drives",
        "eject", "load", "virtual",
    ];
    for shell in ["bash", "zsh", "fish"] {
        let o = imapi2().args(["completions", shell]).output().unwrap();
        assert!(o.status.success(), "{shell}");
        let text = String::from_utf8_lossy(&o.stdout);
        for sub in subcommands {
            assert!(text.contains(sub), "{shell}: no {sub}");
        }
        assert!(text.contains("--append-to"), "{shell}: mkimage's options");
    }
    let o = imapi2().args(["completions", "tcsh"]).output().unwrap();
    assert_eq!(
        o.status.code(),
        Some(2),
        "an unknown shell is a usage error"
    );
    let dir = scratch();
    let man = dir.path().join("man1");
    let o = imapi2().arg("man").arg(&man).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let top = fs::read_to_string(man.join("imapi2.1")).unwrap();
    assert!(top.contains(".TH imapi2 1"), "{top}");
    for sub in subcommands {
        let page = fs::read_to_string(man.join(format!("imapi2-{sub}.1")))
            .unwrap_or_else(|e| panic!("imapi2-{sub}.1: {e}"));
        assert!(page.contains(&format!(".TH imapi2-{sub} 1")), "{sub}");
        assert!(page.contains(env!("CARGO_PKG_VERSION")), "{sub}: version");
    }
    let burn = fs::read_to_string(man.join("imapi2-burn.1")).unwrap();
    assert!(burn.contains("append"), "burn's options are in its page");
}

/// `info` speaks a user's words: boot platforms by the names `--boot`
/// takes, and singulars where there is one.
#[test]
fn info_names_platforms_and_counts_right() {
    let dir = scratch();
    let src = dir.path().join("src");
    write(&src.join("a.txt"), b"a", 0o644);
    let bios = dir.path().join("boot.bin");
    fs::write(&bios, vec![0xEB; 2048]).unwrap();
    let img = dir.path().join("boot.iso");
    let o = imapi2()
        .args(["mkimage", "-q", "-o"])
        .arg(&img)
        .arg(format!("--boot=bios={}", bios.display()))
        .arg(format!("--boot=efi={}", bios.display()))
        .arg(&src)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = imapi2().arg("info").arg(&img).output().unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("platform bios"), "{text}");
    assert!(text.contains("platform efi"), "{text}");
    assert!(!text.contains("PlatformId"), "{text}");
    assert!(text.contains("1 (starting at block 0)"), "{text}");
    let o = imapi2()
        .args(["info", "--json"])
        .arg(&img)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["boot"][0]["platform"], "bios", "{v}");
    assert_eq!(v["boot"][1]["platform"], "efi", "{v}");
}

/// A later SRC whose file replaces a whole folder an earlier SRC put
/// there warns (a file over a file does not).
#[test]
fn a_file_replacing_a_folder_warns() {
    let dir = scratch();
    let one = dir.path().join("one");
    write(&one.join("docs/x.txt"), b"x", 0o644);
    write(&one.join("y.txt"), b"y", 0o644);
    let two = dir.path().join("two");
    write(&two.join("docs"), b"a file now", 0o644);
    write(&two.join("y.txt"), b"new y", 0o644);
    let out = dir.path().join("o.iso");
    let o = imapi2()
        .args(["mkimage", "-o"])
        .arg(&out)
        .arg(&one)
        .arg(two.join("docs"))
        .arg(two.join("y.txt"))
        .output()
        .unwrap();
    assert!(o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("replaces the whole folder /docs"), "{err}");
    assert_eq!(err.matches("warning").count(), 1, "{err}");
    // Without a terminal and without -q: one line of summary at the end.
    let last = err.lines().last().unwrap_or("");
    assert!(last.starts_with("imapi2: wrote "), "{err}");
    assert_eq!(
        iso_names(&out)
            .iter()
            .filter(|n| n.contains("docs"))
            .count(),
        1
    );
}

/// In a terminal mkimage draws an indicatif bar (percent, bytes, rate, ETA)
/// and clears it for the summary line; `script` gives it the terminal.
#[test]
fn a_terminal_sees_the_progress_bar() {
    if !require_tools(&["script"]) {
        return;
    }
    let dir = scratch();
    let src = dir.path().join("src");
    for i in 0..200 {
        write(&src.join(format!("f{i}.bin")), &noise(50_000, i), 0o644);
    }
    let out = dir.path().join("o.iso");
    let cmd = format!(
        "{} mkimage -o {} {}",
        env!("CARGO_BIN_EXE_imapi2"),
        out.display(),
        src.display()
    );
    let o = std::process::Command::new("script")
        .args(["-qec", &cmd, "/dev/null"])
        .output()
        .unwrap();
    assert!(o.status.success());
    let screen = String::from_utf8_lossy(&o.stdout);
    assert!(screen.contains("% "), "no bar: {screen}");
    assert!(screen.contains("ETA"), "no ETA: {screen}");
    assert!(screen.contains("imapi2: wrote "), "no summary: {screen}");
}

#[test]
fn media_budget_is_enforced() {
    let dir = scratch();
    let src = dir.path().join("src");
    fs::create_dir_all(&src).unwrap();
    // 800 MB, sparse: more than an 80-minute CD holds.
    let f = fs::File::create(src.join("big.bin")).unwrap();
    f.set_len(800_000_000).unwrap();
    let out = dir.path().join("o.iso");
    let o = mkimage_run(&["mkimage", "--json", "--media", "cd"], &out, &src);
    assert_eq!(o.status.code(), Some(1));
    let ev = json_lines(&o);
    assert_eq!(ev.last().unwrap()["code"], "IMAPI_E_IMAGE_SIZE_LIMIT");
    assert!(!out.exists());
    let o = mkimage_run(&["mkimage", "-q", "--media", "dvd"], &out, &src);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn a_file_over_4_gib_picks_level_3() {
    let dir = scratch();
    let src = dir.path().join("src");
    fs::create_dir_all(&src).unwrap();
    let f = fs::File::create(src.join("huge.bin")).unwrap();
    f.set_len((4u64 << 30) + 4096).unwrap();
    let out = dir.path().join("o.iso");
    let o = mkimage_run(&["mkimage", "--json"], &out, &src);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let ev = json_lines(&o);
    let planned = ev.iter().find(|e| e["event"] == "planned").unwrap();
    assert_eq!(planned["iso_level"], 3);
    // Asking for level 2 explicitly fails and names the file.
    let o = mkimage_run(&["mkimage", "--iso-level", "2"], &out, &src);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("/huge.bin"));
}

/// Sources the user may not read stop the build by default (IMAPI's and
/// xorriso's way), naming the file; `--skip-unreadable` leaves them out
/// and lists them at the end (run as nobody through setpriv when the tests
/// run as root, who may read everything).
#[test]
fn unreadable_sources_stop_or_are_skipped_and_listed() {
    if !require_tools(&["setpriv"]) {
        return;
    }
    use std::os::unix::fs::PermissionsExt;
    let dir = scratch();
    let src = dir.path().join("src");
    write(&src.join("ok.txt"), b"ok", 0o644);
    write(&src.join("secret.txt"), b"s", 0o000);
    write(&src.join("locked/inside.txt"), b"i", 0o644);
    fs::set_permissions(src.join("locked"), fs::Permissions::from_mode(0o000)).unwrap();
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o777)).unwrap();
    let root = std::process::Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false);
    let run = |extra: &[&str], out: &std::path::Path| {
        let mut c = if root {
            let mut c = std::process::Command::new("setpriv");
            c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
                .arg(env!("CARGO_BIN_EXE_imapi2"));
            c
        } else {
            imapi2()
        };
        c.args(["mkimage", "-o"])
            .arg(out)
            .args(extra)
            .arg(&src)
            .output()
            .unwrap()
    };
    let stopped = dir.path().join("stopped.iso");
    let o = run(&[], &stopped);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("locked") || err.contains("secret.txt"),
        "{err}"
    );
    assert!(!stopped.exists(), "a stopped build leaves no image");
    let skipped = dir.path().join("skipped.iso");
    let o = run(&["--skip-unreadable"], &skipped);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("secret.txt: not readable, left out"), "{err}");
    assert!(err.contains("locked: not readable, left out"), "{err}");
    assert!(err.contains("2 unreadable sources were left out"), "{err}");
    let names = iso_names(&skipped);
    assert!(names.iter().any(|n| n.ends_with("ok.txt")), "{names:?}");
    assert!(
        !names
            .iter()
            .any(|n| n.contains("secret") || n.contains("locked")),
        "{names:?}"
    );
    fs::set_permissions(src.join("locked"), fs::Permissions::from_mode(0o755)).unwrap();
}

/// The README's command reference keeps up with the command line: every
/// option each subcommand's `--help` lists is in the README (long form, or
/// its short one).
#[test]
fn the_readme_names_every_option_of_every_subcommand() {
    let readme =
        fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md")).unwrap();
    let mut missing = Vec::new();
    let subcommands: &[&[&str]] = &[
        &["mkimage"],
        &["burn"],
        &["close"],
        &["erase"],
        &["format"],
        &["ls"],
        &["extract"],
        &["info"],
        &["verify"],
        &["drives"],
        &["eject"],
        &["load"],
        &["virtual", "create"],
        &["virtual", "pace"],
        &["virtual", "insert"],
        &["virtual", "eject"],
        &["completions"],
        &["man"],
    ];
    for sub in subcommands {
        let o = imapi2().args(*sub).arg("--help").output().unwrap();
        assert!(o.status.success(), "{sub:?}");
        let help = String::from_utf8_lossy(&o.stdout).into_owned();
        for line in help.lines().map(str::trim_start) {
            // "-q, --quiet", "--fs <LIST>", "-l, --long".
            let (short, rest) = match line.strip_prefix('-') {
                Some(r) if !r.starts_with('-') => (
                    Some(format!("-{}", &r[..1])),
                    r[1..].trim_start_matches(", "),
                ),
                _ => (None, line),
            };
            let Some(long) = rest.strip_prefix("--") else {
                continue;
            };
            let long: String = long
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect();
            if long == "help" || long == "version" {
                continue;
            }
            let long = format!("--{long}");
            let named = readme.contains(&long)
                || short.as_ref().is_some_and(|s| {
                    readme.contains(&format!("[{s}]")) || readme.contains(&format!(" {s} "))
                });
            if !named {
                missing.push(format!("{} {long}", sub.join(" ")));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "options the README does not name: {missing:?}"
    );
}
