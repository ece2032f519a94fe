//! `imapi2 burn --append`: sessions added to discs in the virtual recorder,
//! three one after another on every medium family that takes them (files
//! added, a file replaced, a file removed with --remove); after each, the
//! disc reads back as the merged tree through `imapi2 extract`, and the
//! medium's data file through xorriso (at the session's start, as
//! `-load sbsector` does) and, on a few, the Linux kernel (`sbsector=`);
//! `info --drive` lists every session; with UDF in every session, its
//! newest tree through imapi2, udfinfo, 7-Zip, libudfread and the kernel's
//! udf driver. Refusals name the way on.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use serde_json::Value;

fn burn(rec: &Path, args: &[&str], src: &[PathBuf]) -> std::process::Output {
    imapi2()
        .args(["burn", "-q", "--drive"])
        .arg(format!("virtual:{}", rec.display()))
        .args(args)
        .args(src)
        .output()
        .unwrap()
}

fn burn_ok(rec: &Path, args: &[&str], src: &[PathBuf]) {
    let o = burn(rec, args, src);
    assert!(
        o.status.success(),
        "burn {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

fn json(args: &[&str], rec: &Path) -> Value {
    let out = run_ok(
        imapi2()
            .args(args)
            .arg(format!("virtual:{}", rec.display()))
            .arg("--json"),
    );
    serde_json::from_str(&out).unwrap()
}

/// The data file of the medium in a virtual recorder.
fn data_file(rec: &Path) -> PathBuf {
    let state = fs::read_to_string(rec.join("drive.state")).unwrap();
    let medium = state
        .lines()
        .find_map(|l| l.strip_prefix("medium "))
        .expect("a medium in the drive");
    Path::new(medium).join("data.bin")
}

/// Where the newest session starts: the drive's last session on write-once
/// media; 0 on overwritable ones (block 16 points at the newest tree).
fn newest_start(rec: &Path) -> u64 {
    let v = json(&["info"], rec);
    v["multisession"][0]["session_starts"]
        .as_array()
        .and_then(|a| a.last())
        .and_then(|s| s.as_u64())
        .unwrap_or(0)
}

/// The Rock Ridge tree xorriso reads from the data file at `start`.
fn xorriso_at(data: &Path, start: u64, out: &Path) -> Manifest {
    run_ok(
        Command::new("xorriso")
            .args(["-abort_on", "NEVER", "-return_with", "WARNING", "32"])
            .args(["-report_about", "WARNING", "-load", "sbsector"])
            .arg(start.to_string())
            .arg("-osirrox")
            .arg("on")
            .arg("-indev")
            .arg(format!("stdio:{}", data.display()))
            .args(["-extract", "/"])
            .arg(out),
    );
    manifest_dir(out)
}

/// The tree the Linux kernel mounts from the data file at `start`.
fn kernel_at(data: &Path, start: u64) -> Manifest {
    parse_manifest(&run_ok(
        Command::new("bash")
            .arg(tool_script("kernel-view.sh"))
            .arg(data)
            .arg("iso9660")
            .arg(format!("ro,sbsector={start}")),
    ))
}

fn same(what: &str, expected: &Manifest, actual: &Manifest) {
    let d = diff(expected, actual, false);
    assert!(d.is_empty(), "{what}:\n{}", d.join("\n"));
}

/// Checks the disc against `expected` (a host folder mirroring the tree).
fn check(rec: &Path, expected: &Path, work: &Path, step: &str, kernel: bool) {
    let want = manifest_dir(expected);
    let ours = work.join(format!("ours-{step}"));
    run_ok(
        imapi2()
            .args(["extract", "-q"])
            .arg(format!("virtual:{}", rec.display()))
            .arg(&ours),
    );
    same(
        &format!("{step}: imapi2 extract"),
        &want,
        &manifest_dir(&ours),
    );
    let data = data_file(rec);
    let start = newest_start(rec);
    let xo = work.join(format!("xo-{step}"));
    same(
        &format!("{step}: xorriso at {start}"),
        &want,
        &xorriso_at(&data, start, &xo),
    );
    if kernel && require_tools(&["qemu-system-x86_64"]) {
        same(
            &format!("{step}: the kernel at sbsector={start}"),
            &want,
            &kernel_at(&data, start),
        );
    }
}

/// The sources of three sessions (the first; a file replaced and one
/// added; none, with `gone.txt` removed) and what the disc holds after each.
fn three_session_trees(w: &Path) -> (PathBuf, PathBuf, [PathBuf; 3]) {
    let s1 = w.join("s1");
    write(&s1.join("a.txt"), b"first a\n", 0o644);
    write(&s1.join("keep/big.bin"), &noise(300_000, 3), 0o644);
    write(&s1.join("gone.txt"), b"to be removed\n", 0o644);
    let s2 = w.join("s2");
    write(&s2.join("a.txt"), b"second a\n", 0o644);
    write(&s2.join("new/b.txt"), b"b\n", 0o644);
    let e1 = w.join("e1");
    let e2 = w.join("e2");
    let e3 = w.join("e3");
    for (dir, files) in [
        (
            &e1,
            vec![
                ("a.txt", &b"first a\n"[..]),
                ("gone.txt", b"to be removed\n"),
            ],
        ),
        (
            &e2,
            vec![("a.txt", b"second a\n"), ("gone.txt", b"to be removed\n")],
        ),
        (&e3, vec![("a.txt", b"second a\n")]),
    ] {
        for (name, data) in files {
            write(&dir.join(name), data, 0o644);
        }
        write(&dir.join("keep/big.bin"), &noise(300_000, 3), 0o644);
    }
    for dir in [&e2, &e3] {
        write(&dir.join("new/b.txt"), b"b\n", 0o644);
    }
    (s1, s2, [e1, e2, e3])
}

#[test]
fn three_sessions_on_every_family_that_takes_them() {
    if !require_tools(&["xorriso"]) {
        return;
    }
    let t = scratch();
    let w = t.path();
    let (s1, s2, [e1, e2, e3]) = three_session_trees(w);
    let fs_args = ["--fs", "iso9660,joliet,rockridge"];
    for media in [
        "cd-r", "cd-rw", "dvd-r", "dvd-rw", "dvd+r", "bd-r", "dvd+rw", "dvd-ram", "bd-re",
    ] {
        let rec = w.join(media);
        let kernel = matches!(media, "cd-r" | "bd-re");
        let mut first = vec!["--blank", media, "--multi"];
        first.extend(fs_args);
        burn_ok(&rec, &first, std::slice::from_ref(&s1));
        check(&rec, &e1, w, &format!("{media} 1"), false);
        burn_ok(
            &rec,
            &["--append", "--verify", "full"],
            std::slice::from_ref(&s2),
        );
        check(&rec, &e2, w, &format!("{media} 2"), false);
        burn_ok(&rec, &["--append", "--remove", "gone.txt"], &[]);
        check(&rec, &e3, w, &format!("{media} 3"), kernel);
        let info = json(&["info", "--drive"], &rec);
        let sessions = info["media"]["session_list"].as_array().unwrap().len();
        let overwritable = matches!(media, "dvd+rw" | "dvd-ram" | "bd-re");
        assert_eq!(
            sessions,
            if overwritable { 1 } else { 3 },
            "{media}: {info:#}"
        );
        // Every session still reads as it was left.
        if !overwritable {
            let starts: Vec<u64> = json(&["info"], &rec)["multisession"][0]["session_starts"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s.as_u64().unwrap())
                .collect();
            for (n, (start, expected)) in starts.iter().zip([&e1, &e2, &e3]).enumerate() {
                let xo = w.join(format!("xo-{media}-s{n}"));
                same(
                    &format!("{media}: session {} at {start}", n + 1),
                    &manifest_dir(expected),
                    &xorriso_at(&data_file(&rec), *start, &xo),
                );
            }
        }
    }
}

#[test]
fn burns_that_cannot_append_say_what_to_do() {
    let t = scratch();
    let w = t.path();
    let s = w.join("s");
    write(&s.join("a.txt"), b"a\n", 0o644);
    let fs_args = ["--fs", "iso9660,joliet,rockridge"];
    let err = |o: std::process::Output| {
        assert_eq!(o.status.code(), Some(1));
        String::from_utf8_lossy(&o.stderr).into_owned()
    };
    // A blank disc has nothing to append to.
    let rec = w.join("blank");
    let mut a = vec!["--blank", "dvd+r", "--append"];
    a.extend(fs_args);
    let e = err(burn(&rec, &a, std::slice::from_ref(&s)));
    assert!(
        e.contains("is blank: burn without --append") && e.contains("IMAPI_E_NO_COMPATIBLE"),
        "{e}"
    );
    // A disc with a session: a plain burn is refused with the way on.
    let rec = w.join("seq");
    let mut a = vec!["--blank", "cd-r"];
    a.extend(fs_args);
    burn_ok(&rec, &a, std::slice::from_ref(&s));
    let e = err(burn(&rec, &fs_args, std::slice::from_ref(&s)));
    assert!(
        e.contains("already holds a session: --append adds one"),
        "{e}"
    );
    // A DVD+R closed for DVD players (IMAPI's default without --multi).
    let rec = w.join("closed");
    let mut a = vec!["--blank", "dvd+r"];
    a.extend(fs_args);
    burn_ok(&rec, &a, std::slice::from_ref(&s));
    let e = err(burn(&rec, &["--append"], std::slice::from_ref(&s)));
    assert!(e.contains("closed: nothing more can be added"), "{e}");
    // A DVD-R DL takes one session.
    let rec = w.join("dl");
    let mut a = vec!["--blank", "dvd-r-dl", "--multi"];
    a.extend(fs_args);
    burn_ok(&rec, &a, std::slice::from_ref(&s));
    let e = err(burn(&rec, &["--append"], std::slice::from_ref(&s)));
    assert!(e.contains("closed"), "{e}");
    // A rewritable disc with data: --append or --overwrite.
    let rec = w.join("rw");
    let mut a = vec!["--blank", "bd-re"];
    a.extend(fs_args);
    burn_ok(&rec, &a, std::slice::from_ref(&s));
    let e = err(burn(&rec, &fs_args, std::slice::from_ref(&s)));
    assert!(
        e.contains("--append adds a session to it, --overwrite writes over it"),
        "{e}"
    );
    // --remove of a path the disc does not hold names it.
    let e = err(burn(&rec, &["--append", "--remove", "nothere.txt"], &[]));
    assert!(e.contains("nothere.txt"), "{e}");
}

/// The UDF volume of the session starting at `start` of the data file, as
/// udfinfo counts it: (files, directories, revision).
fn udfinfo_at(data: &Path, start: u64) -> (String, String, String) {
    let out = run_ok(
        Command::new("udfinfo")
            .arg(format!("--startblock={start}"))
            .arg(data),
    );
    let get = |key: &str| {
        out.lines()
            .find_map(|l| l.strip_prefix(&format!("{key}=")))
            .unwrap_or_else(|| panic!("udfinfo printed no {key}: {out}"))
            .to_string()
    };
    (get("numfiles"), get("numdirs"), get("udfwriterev"))
}

/// UDF in every session: three sessions (files added, a file replaced, a
/// file removed) on write-once and rewritable families, bridged and alone
/// (BD's default); after each the newest UDF reads as the merged tree in
/// imapi2 and udfinfo (from the session's start), on rewritable media in
/// 7-Zip (block 256 names the newest), and at the end in the kernel's udf
/// driver (`session=` the start).
#[test]
fn udf_in_three_sessions_on_discs() {
    if !require_tools(&["udfinfo", "7z", "cc"]) {
        return;
    }
    let t = scratch();
    let w = t.path();
    let (s1, s2, [e1, e2, e3]) = three_session_trees(w);
    let bridge = ["--fs", "iso9660,joliet,rockridge,udf"];
    for (media, fs_args, rev) in [
        ("cd-r", &bridge[..], "1.02"),
        ("dvd+r", &bridge[..], "1.02"),
        ("bd-r", &[][..], "2.50"),
        ("dvd+rw", &bridge[..], "1.02"),
        ("bd-re", &[][..], "2.50"),
    ] {
        let rec = w.join(format!("udf-{media}"));
        let overwritable = matches!(media, "dvd+rw" | "bd-re");
        let mut first = vec!["--blank", media, "--multi"];
        first.extend(fs_args);
        burn_ok(&rec, &first, std::slice::from_ref(&s1));
        burn_ok(
            &rec,
            &["--append", "--verify", "full"],
            std::slice::from_ref(&s2),
        );
        let after_two = w.join(format!("{media}-udf-2"));
        run_ok(
            imapi2()
                .args(["extract", "-q", "--fs", "udf"])
                .arg(format!("virtual:{}", rec.display()))
                .arg(&after_two),
        );
        same(
            &format!("{media} 2: imapi2 UDF"),
            &manifest_dir(&e2),
            &manifest_dir(&after_two),
        );
        burn_ok(&rec, &["--append", "--remove", "gone.txt"], &[]);
        let after_three = w.join(format!("{media}-udf-3"));
        run_ok(
            imapi2()
                .args(["extract", "-q", "--fs", "udf"])
                .arg(format!("virtual:{}", rec.display()))
                .arg(&after_three),
        );
        let want = manifest_dir(&e3);
        same(
            &format!("{media} 3: imapi2 UDF"),
            &want,
            &manifest_dir(&after_three),
        );
        let data = data_file(&rec);
        let starts = json(&["info"], &rec)["multisession"][0]["session_starts"]
            .as_array()
            .map(|a| a.iter().map(|s| s.as_u64().unwrap()).collect::<Vec<_>>())
            .unwrap_or_default();
        let start = if overwritable {
            0
        } else {
            assert_eq!(starts.len(), 3, "{media}: {starts:?}");
            starts[2]
        };
        // 3 files (a.txt, keep/big.bin, new/b.txt); root, keep and new.
        assert_eq!(
            udfinfo_at(&data, start),
            ("3".into(), "3".into(), rev.into()),
            "{media}"
        );
        if overwritable {
            same(
                &format!("{media}: 7-Zip"),
                &want,
                &sevenzip_udf_view(&data, &w.join(format!("{media}-7z"))),
            );
            same(
                &format!("{media}: libudfread"),
                &want,
                &udfread_view(&data, &w.join(format!("{media}-udfread"))),
            );
        } else {
            // Every earlier session still holds its own volume.
            assert_eq!(
                udfinfo_at(&data, starts[0]),
                ("3".into(), "2".into(), rev.into()),
                "{media}: the first session"
            );
            let old = w.join(format!("{media}-udf-s1"));
            run_ok(
                imapi2()
                    .args(["extract", "-q", "--fs", "udf", "--session", "1"])
                    .arg(format!("virtual:{}", rec.display()))
                    .arg(&old),
            );
            same(
                &format!("{media}: session 1's UDF"),
                &manifest_dir(&e1),
                &manifest_dir(&old),
            );
        }
        if matches!(media, "bd-r" | "bd-re") && require_tools(&["qemu-system-x86_64"]) {
            let out = run_ok(
                Command::new("bash")
                    .arg(tool_script("kernel-view.sh"))
                    .arg(&data)
                    .arg("udf")
                    .arg(format!("ro,session={start}")),
            );
            same(
                &format!("{media}: the kernel's udf at session={start}"),
                &want,
                &parse_manifest(&out),
            );
        }
    }
}
