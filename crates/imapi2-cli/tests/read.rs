//! `imapi2 ls / extract / info` on images that tools we did not write made
//! (xorriso, xorriso appending a session, genisoimage with UDF, pycdlib with
//! UDF, mkudffs) and on our own, view by view, compared with the source tree
//! and with what other readers see in the same image.

mod common;

use std::fs;
use std::os::unix::fs::symlink;
use std::path::Path;
use std::process::Command;

use common::*;

const TOOLS: &[&str] = &["xorriso", "genisoimage", "mkudffs", "cc", "python3"];

/// What `imapi2 extract` writes for one view (and, when given, one session).
fn ours(img: &Path, fs_name: &str, session: Option<usize>, out: &Path) -> Manifest {
    let mut c = imapi2();
    c.args(["extract", "-q", "--fs", fs_name]);
    if is_root() {
        c.arg("--owners");
    }
    if let Some(s) = session {
        c.args(["--session", &s.to_string()]);
    }
    run_ok(c.arg(img).arg(out));
    let m = manifest_dir(out);
    // `ls --json` lists exactly what was extracted.
    let mut c = imapi2();
    c.args(["ls", "--json", "--fs", fs_name]);
    if let Some(s) = session {
        c.args(["--session", &s.to_string()]);
    }
    let listed: Vec<String> = run_ok(c.arg(img))
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["path"].as_str().unwrap().to_string()
        })
        .collect();
    let extracted: Vec<&String> = m.keys().collect();
    let mut listed_sorted = listed.clone();
    listed_sorted.sort();
    assert_eq!(
        listed_sorted.iter().collect::<Vec<_>>(),
        extracted,
        "ls and extract of {fs_name}"
    );
    m
}

/// Whether the tests run as root (only root can give files their owners).
fn is_root() -> bool {
    run_ok(Command::new("id").arg("-u")).trim() == "0"
}

/// Owners are compared only where extraction can set them.
fn attrs() -> bool {
    is_root()
}

fn info(img: &Path) -> serde_json::Value {
    serde_json::from_str(&run_ok(imapi2().args(["info", "--json"]).arg(img))).unwrap()
}

/// A tree with what readers trip on: modes, owners, set-id, Unicode and long
/// names, relative links, hard links, empty files and directories, 12 levels.
fn tree(root: &Path) {
    for (i, size) in [0usize, 1, 2047, 2048, 2049, 100_000, 1 << 20]
        .iter()
        .enumerate()
    {
        write(
            &root.join(format!("data/size_{size}.bin")),
            &noise(*size, i as u32),
            0o644,
        );
    }
    write(&root.join("bin/tool.sh"), b"#!/bin/sh\n", 0o755);
    write(&root.join("private/secret.txt"), b"s3cret\n", 0o600);
    std::os::unix::fs::chown(root.join("private/secret.txt"), Some(1234), Some(5678)).unwrap();
    write(&root.join("setuid"), b"x", 0o4755);
    write(&root.join("names/Grüße ñ 日本語.txt"), b"utf8", 0o644);
    write(&root.join("names").join("L".repeat(150)), b"long", 0o644);
    fs::create_dir_all(root.join("empty_dir")).unwrap();
    let mut p = root.join("deep");
    for level in 1..=12 {
        p = p.join(format!("level{level:02}"));
    }
    write(&p.join("bottom.txt"), b"deep", 0o644);
    write(&root.join("links/original.txt"), b"linked", 0o644);
    fs::hard_link(root.join("links/original.txt"), root.join("links/hard.txt")).unwrap();
    symlink("original.txt", root.join("links/soft")).unwrap();
    symlink("../data/size_1.bin", root.join("links/up")).unwrap();
}

/// The tree without symbolic links (for writers that cannot record them).
fn without_links(m: &Manifest) -> Manifest {
    m.iter()
        .filter(|(_, r)| r.kind != 'l')
        .map(|(p, r)| (p.clone(), r.clone()))
        .collect()
}

fn iso_keys(m: &Manifest) -> Manifest {
    m.iter().map(|(p, r)| (iso_norm(p), r.clone())).collect()
}

#[test]
fn xorriso_image_reads_back_in_every_view() {
    if !require_tools(TOOLS) {
        return;
    }
    let work = scratch();
    let src = work.path().join("src");
    tree(&src);
    let img = work.path().join("x.iso");
    run_ok(
        Command::new("xorriso")
            .args(["-as", "mkisofs", "-quiet", "-R", "-J", "-joliet-long", "-o"])
            .arg(&img)
            .arg(&src),
    );
    let v = info(&img);
    assert_eq!(
        v["file_systems"],
        serde_json::json!(["iso9660", "joliet", "rockridge"])
    );
    assert_eq!(v["import_view"], "Rock Ridge");
    let x = |n: &str| work.path().join(n);
    assert_same(
        "Rock Ridge",
        &manifest_dir(&src),
        &ours(&img, "rockridge", None, &x("rr")),
        attrs(),
    );
    assert_same(
        "Joliet (against xorriso's reading)",
        &xorriso_view(&img, View::Joliet, &x("xj")),
        &ours(&img, "joliet", None, &x("j")),
        false,
    );
    assert_same(
        "ISO 9660 (against xorriso's reading)",
        &iso_keys(&xorriso_view(&img, View::Iso, &x("xi"))),
        &iso_keys(&ours(&img, "iso9660", None, &x("i"))),
        false,
    );
}

#[test]
fn xorriso_appended_session_reads_as_the_merged_tree() {
    if !require_tools(TOOLS) {
        return;
    }
    let work = scratch();
    let src = work.path().join("src");
    tree(&src);
    let more = work.path().join("more");
    write(&more.join("new.txt"), b"second session\n", 0o644);
    write(&more.join("sub/also.bin"), &noise(5000, 9), 0o640);
    let img = work.path().join("ms.iso");
    run_ok(
        Command::new("xorriso")
            .args(["-abort_on", "FAILURE", "-outdev"])
            .arg(&img)
            .args(["-map"])
            .arg(&src)
            .args(["/", "-commit"]),
    );
    run_ok(
        Command::new("xorriso")
            .args(["-abort_on", "FAILURE", "-dev"])
            .arg(&img)
            .args(["-map"])
            .arg(&more)
            .args(["/added", "-commit"]),
    );
    let v = info(&img);
    assert_eq!(v["sessions"].as_array().unwrap().len(), 2, "{v}");
    let mut merged = manifest_dir(&src);
    for (p, r) in manifest_dir(&more) {
        merged.insert(format!("/added{p}"), r);
    }
    let d = manifest_dir(&more);
    let added_dir = fs::symlink_metadata(&more).unwrap();
    use std::os::unix::fs::MetadataExt;
    merged.insert(
        "/added".into(),
        Row {
            kind: 'd',
            size: None,
            content: "-".into(),
            mode: Some(added_dir.mode() & 0o7777),
            owner: Some(format!("{}:{}", added_dir.uid(), added_dir.gid())),
        },
    );
    assert!(!d.is_empty());
    let x = |n: &str| work.path().join(n);
    assert_same(
        "newest session",
        &merged,
        &ours(&img, "rockridge", None, &x("new")),
        attrs(),
    );
    assert_same(
        "first session, as it was",
        &manifest_dir(&src),
        &ours(&img, "rockridge", Some(1), &x("old")),
        attrs(),
    );
}

#[test]
fn genisoimage_udf_bridge_reads_back() {
    if !require_tools(TOOLS) {
        return;
    }
    let work = scratch();
    let src = work.path().join("src");
    tree(&src);
    let img = work.path().join("g.iso");
    run_ok(
        Command::new("genisoimage")
            .args(["-quiet", "-R", "-J", "-joliet-long", "-udf", "-o"])
            .arg(&img)
            .arg(&src),
    );
    let v = info(&img);
    assert_eq!(v["udf"]["revision"], "1.02", "{v}");
    assert_eq!(v["import_view"], "UDF");
    let x = |n: &str| work.path().join(n);
    // genisoimage relocates the deep directories; Rock Ridge puts them back
    // and its rr_moved, empty then, is not shown.
    assert_same(
        "Rock Ridge",
        &manifest_dir(&src),
        &ours(&img, "rockridge", None, &x("rr")),
        attrs(),
    );
    // Its UDF records links as empty files, cuts names to 64 characters and
    // keeps rr_moved: compared with libudfread's reading of the same image.
    assert_same(
        "UDF (against libudfread)",
        &udfread_view(&img, &x("lu")),
        &without_links(&ours(&img, "udf", None, &x("u"))),
        false,
    );
}

#[test]
fn pycdlib_udf_image_reads_back() {
    if !require_tools(TOOLS) {
        return;
    }
    let work = scratch();
    let src = work.path().join("src");
    write(&src.join("a.txt"), b"a\n", 0o644);
    write(&src.join("dir/big.bin"), &noise(70_000, 1), 0o644);
    write(&src.join("dir/Grüße.txt"), b"u", 0o644);
    write(&src.join("empty"), b"", 0o644);
    fs::create_dir_all(src.join("dir/sub")).unwrap();
    symlink("../a.txt", src.join("dir/link")).unwrap();
    let img = work.path().join("p.iso");
    run_ok(
        Command::new("python3")
            .arg(tool_script("pycdlib_make.py"))
            .arg(&src)
            .arg(&img),
    );
    let x = |n: &str| work.path().join(n);
    let names_and_data = |m: &Manifest| -> Manifest {
        m.iter()
            .map(|(p, r)| {
                (
                    p.clone(),
                    Row {
                        mode: None,
                        owner: None,
                        ..r.clone()
                    },
                )
            })
            .collect()
    };
    let expected = names_and_data(&manifest_dir(&src));
    assert_same(
        "UDF",
        &expected,
        &names_and_data(&ours(&img, "udf", None, &x("u"))),
        false,
    );
    assert_same(
        "Rock Ridge",
        &expected,
        &names_and_data(&ours(&img, "rockridge", None, &x("rr"))),
        false,
    );
    assert_same(
        "Joliet (against xorriso's reading)",
        &xorriso_view(&img, View::Joliet, &x("xj")),
        &ours(&img, "joliet", None, &x("j")),
        false,
    );
}

#[test]
fn our_bridges_read_back_in_every_view() {
    if !require_tools(TOOLS) {
        return;
    }
    let work = scratch();
    let src = work.path().join("src");
    tree(&src);
    let x = |n: &str| work.path().join(n);
    for rev in ["1.02", "2.01", "2.50", "2.60"] {
        let img = work.path().join(format!("b{rev}.iso"));
        mkimage(
            &src,
            &img,
            &[
                "--fs",
                "iso9660,joliet,rockridge,udf",
                "--udf-revision",
                rev,
            ],
        );
        let v = info(&img);
        assert_eq!(v["udf"]["revision"], rev, "{v}");
        assert_same(
            &format!("{rev} UDF"),
            &expected_view(&src, View::Udf, 2),
            &ours(&img, "udf", None, &x(&format!("u{rev}"))),
            attrs(),
        );
        assert_same(
            &format!("{rev} Rock Ridge"),
            &expected_view(&src, View::RockRidge, 2),
            &ours(&img, "rockridge", None, &x(&format!("r{rev}"))),
            attrs(),
        );
        assert_same(
            &format!("{rev} Joliet"),
            &expected_view(&src, View::Joliet, 2),
            &ours(&img, "joliet", None, &x(&format!("j{rev}"))),
            false,
        );
        for d in ["u", "r", "j"] {
            fs::remove_dir_all(x(&format!("{d}{rev}"))).unwrap();
        }
    }
}

#[test]
fn empty_mkudffs_volumes_list_empty() {
    if !require_tools(TOOLS) {
        return;
    }
    let work = scratch();
    // hd: one type 1 partition; dvdrw and cdrw: a sparable partition.
    for (media, rev) in [
        ("hd", "1.02"),
        ("hd", "1.50"),
        ("hd", "2.01"),
        ("dvdram", "2.01"),
        ("dvdrw", "2.01"),
        ("cdrw", "1.50"),
    ] {
        let img = work.path().join(format!("m-{media}-{rev}.udf"));
        run_ok(
            Command::new("mkudffs")
                .args([
                    "--new-file",
                    "--blocksize=2048",
                    &format!("--media-type={media}"),
                    &format!("--udfrev={rev}"),
                    "--label=EMPTY",
                ])
                .arg(&img)
                .arg("4000"),
        );
        let v = info(&img);
        assert_eq!(v["udf"]["revision"], rev, "{media} {v}");
        assert_eq!(v["udf"]["volume"], "EMPTY", "{v}");
        // Nothing but the hidden system files (UDF 1.50's "Non-Allocatable
        // Space" on rewritable media).
        let listed = run_ok(imapi2().args(["ls", "--json", "--fs", "udf"]).arg(&img));
        for l in listed.lines() {
            let e: serde_json::Value = serde_json::from_str(l).unwrap();
            assert_eq!(e["hidden"], true, "{media} {rev}: {l}");
        }
    }
}

/// `imapi2 extract` of a UDF view, as a manifest, with the listing checked.
fn ours_udf(img: &Path, out: &Path) -> Manifest {
    ours(img, "udf", None, out)
}

/// Write-once volumes (a virtual partition through the VAT: mkudffs for
/// CD-R and BD-R at 1.50, 2.01, 2.50 and 2.60, files added by
/// tests/tools/udf_fixtures.py with no virtual block at its own physical
/// number) read as udfclient (NetBSD's UDF code) reads them.
#[test]
fn udf_vat_volumes_read_as_udfclient_reads_them() {
    if !require_tools(&["mkudffs", "udfclient", "python3"]) {
        return;
    }
    let work = scratch();
    for (media, rev) in [
        ("cdr", "1.50"),
        ("cdr", "2.01"),
        ("cdr", "2.60"),
        ("bdr", "2.50"),
    ] {
        let made = work.path().join(format!("{media}-{rev}.mkudffs"));
        run_ok(
            Command::new("mkudffs")
                .args(["--new-file", &format!("--media-type={media}")])
                .arg(format!("--udfrev={rev}"))
                .arg(&made)
                .arg("20000"),
        );
        let img = work.path().join(format!("{media}-{rev}.udf"));
        run_ok(
            Command::new("python3")
                .arg(tool_script("udf_fixtures.py"))
                .arg("vat")
                .arg(&made)
                .arg(&img),
        );
        let theirs = udfclient_view(&img, &work.path().join(format!("u-{media}-{rev}")));
        let mine = ours_udf(&img, &work.path().join(format!("o-{media}-{rev}")));
        assert_same(&format!("{media} {rev}"), &theirs, &mine, false);
        assert_eq!(mine.len(), 3, "{media} {rev}: {mine:?}");
        let hello = work.path().join(format!("o-{media}-{rev}/hello.txt"));
        assert_eq!(
            fs::read(&hello).unwrap(),
            b"hello from a virtual partition\n"
        );
        let v = info(&img);
        assert_eq!(v["udf"]["revision"], rev, "{v}");
        let maps = v["udf"]["partitions"].to_string();
        assert!(
            maps.contains("type 1") && maps.contains("virtual (allocation table"),
            "{v}"
        );
        if rev != "1.50" {
            // The VAT's counts (2.00+), not the stale integrity descriptor's.
            assert_eq!(v["udf"]["files"], 2, "{v}");
            assert_eq!(v["udf"]["directories"], 2, "{v}");
            assert_eq!(v["udf"]["counts_from"], "virtual allocation table", "{v}");
        }
        let out = run_ok(imapi2().arg("verify").arg(&img));
        assert!(out.contains("no errors found"), "{media} {rev}: {out}");
        // Without its table the volume is unreadable, and says why.
        let mut bytes = fs::read(&img).unwrap();
        let end = bytes.len();
        bytes[end - 2048..].fill(0);
        bytes.truncate(end - 2048);
        let broken = work.path().join(format!("{media}-{rev}.novat"));
        fs::write(&broken, &bytes).unwrap();
        let o = imapi2().arg("ls").arg(&broken).output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success() && err.contains("virtual"), "{err}");
    }
}

/// Sparable volumes (mkudffs for CD-RW and DVD-RW, files written by
/// udfclient), before and after packets holding file data are relocated
/// through the sparing table: the tree reads the same as its source and as
/// udfclient reads it.
#[test]
fn udf_sparable_volumes_follow_the_sparing_table() {
    if !require_tools(&["mkudffs", "udfclient", "python3"]) {
        return;
    }
    let work = scratch();
    let src = work.path().join("src");
    fs::create_dir_all(src.join("sub")).unwrap();
    write(&src.join("hello.txt"), b"hi\n", 0o644);
    write(&src.join("sub/big.bin"), &noise(300_000, 7), 0o644);
    for (media, rev) in [("cdrw", "2.01"), ("dvdrw", "2.01"), ("cdrw", "1.50")] {
        let img = work.path().join(format!("{media}-{rev}.udf"));
        run_ok(
            Command::new("mkudffs")
                .args(["--new-file", &format!("--media-type={media}")])
                .arg(format!("--udfrev={rev}"))
                .arg(&img)
                .arg("20000"),
        );
        // udfclient writes the files (its cwd is the source tree).
        let listing = run_ok(
            Command::new("sh")
                .arg("-c")
                .arg("printf 'ls\\nquit\\n' | udfclient -b 2048 \"$1\"")
                .arg("sh")
                .arg(&img),
        );
        let volume = listing
            .lines()
            .skip_while(|l| !l.starts_with("Directory listing of /"))
            .nth(1)
            .and_then(|l| l.split_whitespace().last())
            .unwrap()
            .to_string();
        run_ok(
            Command::new("sh")
                .arg("-c")
                .arg(
                    "cd \"$1\" && printf 'cd \"%s\"\\nput hello.txt\\nmkdir sub\\ncd sub\\nput sub/big.bin big.bin\\nquit\\n' \"$2\" | udfclient -W -b 2048 \"$3\"",
                )
                .arg("sh")
                .arg(&src)
                .arg(&volume)
                .arg(&img),
        );
        let expected = manifest_dir(&src);
        let mut current = img.clone();
        for (step, at) in ["", "sub/big.bin:100000", "sub/big.bin:250000"]
            .iter()
            .enumerate()
        {
            if !at.is_empty() {
                let next = work.path().join(format!("{media}-{rev}-{step}.udf"));
                run_ok(
                    Command::new("python3")
                        .current_dir(&src)
                        .arg(tool_script("udf_fixtures.py"))
                        .arg("spare")
                        .arg(&current)
                        .arg(&next)
                        .arg(at),
                );
                current = next;
            }
            let what = format!("{media} {rev} after {step} relocations");
            let mut mine = ours_udf(
                &current,
                &work.path().join(format!("o-{media}-{rev}-{step}")),
            );
            let mut theirs = udfclient_view(
                &current,
                &work.path().join(format!("u-{media}-{rev}-{step}")),
            );
            // UDF 1.50 on rewritable media: mkudffs adds the hidden file
            // that marks the spare area as not allocatable.
            if rev == "1.50" {
                assert!(mine.remove("/Non-Allocatable Space").is_some(), "{what}");
                theirs.remove("/Non-Allocatable Space");
            }
            assert_same(&what, &expected, &mine, false);
            assert_same(&what, &expected, &theirs, false);
            let v = info(&current);
            assert!(
                v["udf"]["partitions"]
                    .to_string()
                    .contains(&format!("{step} relocated")),
                "{what}: {v}"
            );
            let out = run_ok(imapi2().arg("verify").arg(&current));
            assert!(out.contains("no errors found"), "{what}: {out}");
        }
    }
}

/// `ls` and `extract` take their PATHs as tar takes members: the ones there
/// are done, each missing one named, and the exit status says one was
/// missing; `ls --depth 1` lists one level as `ls` does; a folder given for
/// an image is named as one.
#[test]
fn paths_depth_and_folders_as_users_expect() {
    let t = scratch();
    let w = t.path();
    let src = w.join("src");
    write(&src.join("top.txt"), b"t", 0o644);
    write(&src.join("docs/a.txt"), b"a", 0o644);
    write(&src.join("docs/deep/b.txt"), b"b", 0o644);
    let img = w.join("p.iso");
    mkimage(&src, &img, &[]);
    let ls = |args: &[&str]| {
        let o = imapi2().arg("ls").arg(&img).args(args).output().unwrap();
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    let (code, out, _) = ls(&["--depth", "1"]);
    assert_eq!(code, Some(0));
    assert_eq!(out, "/docs\n/top.txt\n");
    let (code, out, _) = ls(&[]);
    assert_eq!(code, Some(0));
    assert_eq!(out.lines().count(), 5, "every level by default: {out}");
    let (code, out, err) = ls(&["docs", "nothere", "--depth", "1"]);
    assert_eq!(code, Some(1));
    assert_eq!(out, "/docs\n/docs/a.txt\n/docs/deep\n");
    assert!(
        err.contains("nothere: no such file") && err.contains("1 path was not"),
        "{err}"
    );
    let (code, _, _) = ls(&["--depth", "0"]);
    assert_eq!(code, Some(2), "depth counts from 1");
    let out = w.join("out");
    let o = imapi2()
        .args(["extract", "-q"])
        .arg(&img)
        .arg(&out)
        .args(["docs/deep", "nothere"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(
        out.join("docs/deep/b.txt").exists(),
        "the path that is there is extracted"
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("nothere"), "{err}");
    let o = imapi2().arg("ls").arg(&src).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("is a folder, not an image file"), "{err}");
}

/// `extract --owners` by a user who is not root warns that the owners stay
/// the user's (run as nobody through setpriv when the tests run as root).
#[test]
fn extract_owners_without_root_warns() {
    if !require_tools(&["setpriv"]) {
        return;
    }
    let t = scratch();
    let w = t.path();
    let src = w.join("src");
    write(&src.join("a.txt"), b"a", 0o644);
    let img = w.join("o.iso");
    mkimage(&src, &img, &[]);
    let out = w.join("out");
    // Everything the other user needs: the scratch folder open to it.
    std::fs::set_permissions(w, std::os::unix::fs::PermissionsExt::from_mode(0o777)).unwrap();
    std::fs::set_permissions(&img, std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();
    let root = run_ok(Command::new("id").arg("-u")).trim() == "0";
    let mut cmd = if root {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(env!("CARGO_BIN_EXE_imapi2"));
        c
    } else {
        imapi2()
    };
    let o = cmd
        .args(["extract", "--owners"])
        .arg(&img)
        .arg(&out)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(
        err.contains("only root can give files other owners"),
        "{err}"
    );
    assert!(out.join("a.txt").exists());
}
