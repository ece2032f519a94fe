//! Reading other tools' images (issue 11, 10–15): zisofs, Rock Ridge after
//! XA data, a long root record, links out of the tree, ISO 9660 names that
//! differ only by the dot, and holes.

mod common;

use std::fs;
use std::os::unix::fs::{symlink, MetadataExt};
use std::path::Path;
use std::process::Command;

use common::*;

const TOOLS: &[&str] = &["xorriso", "bsdtar", "genisoimage", "isoinfo"];

fn compressible_tree(src: &Path) {
    let text: Vec<u8> = (0..400_000u32)
        .flat_map(|i| format!("line {i}\n").into_bytes())
        .collect();
    write(&src.join("big.txt"), &text, 0o644);
    write(&src.join("zeros.bin"), &vec![0u8; 300_000], 0o644);
    write(&src.join("noise.bin"), &noise(70_000, 5), 0o644);
    write(&src.join("small.txt"), b"tiny\n", 0o644);
    write(&src.join("empty"), b"", 0o644);
}

// ----- 10: zisofs -----

#[test]
fn zisofs_files_read_back_decompressed() {
    if !require_tools(TOOLS) {
        return;
    }
    let t = scratch();
    let src = t.path().join("src");
    compressible_tree(&src);
    let img = t.path().join("z.iso");
    run_ok(
        Command::new("xorriso")
            .arg("-outdev")
            .arg(&img)
            .args(["-zisofs", "default", "-map"])
            .arg(&src)
            .args(["/", "-set_filter_r", "--zisofs", "/", "--"]),
    );
    // the image really holds compressed files
    assert!(fs::metadata(&img).unwrap().len() < 3_000_000);
    let expected = manifest_dir(&src);
    let ours = t.path().join("ours");
    run_ok(imapi2().args(["extract", "-q"]).arg(&img).arg(&ours));
    assert_same("imapi2 extract", &expected, &manifest_dir(&ours), false);
    let listed = run_ok(imapi2().args(["ls", "-l"]).arg(&img));
    let big = listed.lines().find(|l| l.ends_with("big.txt")).unwrap();
    let size = fs::metadata(src.join("big.txt")).unwrap().len().to_string();
    assert!(
        big.contains(&size),
        "ls -l shows the real size {size}: {big}"
    );
}

#[test]
fn mkimage_zisofs_writes_what_the_peers_decompress() {
    if !require_tools(TOOLS) {
        return;
    }
    let t = scratch();
    let src = t.path().join("src");
    compressible_tree(&src);
    let img = t.path().join("ours.iso");
    let plain = t.path().join("plain.iso");
    mkimage(&src, &img, &["--zisofs"]);
    mkimage(&src, &plain, &[]);
    assert!(
        fs::metadata(&img).unwrap().len() * 2 < fs::metadata(&plain).unwrap().len(),
        "compressed"
    );
    let expected = manifest_dir(&src);
    assert_same(
        "xorriso",
        &expected,
        &xorriso_view(&img, View::RockRidge, &t.path().join("xo")),
        false,
    );
    assert_same(
        "bsdtar",
        &expected,
        &bsdtar_view(&img, View::RockRidge, &t.path().join("bt")),
        false,
    );
    let ours = t.path().join("ours");
    run_ok(imapi2().args(["extract", "-q"]).arg(&img).arg(&ours));
    assert_same("imapi2", &expected, &manifest_dir(&ours), false);
    if require_tools(&["qemu-system-x86_64"]) {
        assert_same(
            "kernel",
            &expected,
            &kernel_view(&img, View::RockRidge),
            false,
        );
    }
}

// ----- 11: Rock Ridge after XA -----

#[test]
fn rock_ridge_after_xa_data_is_seen() {
    if !require_tools(TOOLS) {
        return;
    }
    let t = scratch();
    let src = t.path().join("src");
    write(&src.join("MixedCase Name.txt"), b"rr\n", 0o640);
    symlink("MixedCase Name.txt", src.join("link")).unwrap();
    let img = t.path().join("xa.iso");
    run_ok(
        Command::new("genisoimage")
            .args(["-quiet", "-xa", "-R", "-o"])
            .arg(&img)
            .arg(&src),
    );
    let info = run_ok(imapi2().args(["info", "--json"]).arg(&img));
    assert!(
        info.contains("rockridge") || info.contains("Rock Ridge"),
        "{info}"
    );
    let listed = run_ok(imapi2().args(["ls", "--fs", "rockridge"]).arg(&img));
    assert!(listed.contains("MixedCase Name.txt"), "{listed}");
    let ours = t.path().join("ours");
    run_ok(imapi2().args(["extract", "-q"]).arg(&img).arg(&ours));
    assert_eq!(
        fs::read_link(ours.join("link")).unwrap(),
        Path::new("MixedCase Name.txt")
    );
}

// ----- 12: a long root directory record -----

#[test]
fn a_root_record_longer_than_34_bytes_is_read_with_a_warning() {
    let t = scratch();
    let src = t.path().join("src");
    write(&src.join("a.txt"), b"a\n", 0o644);
    let img = t.path().join("makefs.iso");
    mkimage(&src, &img, &["--fs", "iso9660"]);
    // As NetBSD makefs writes it: the root record in the volume descriptor
    // says it is 68 bytes long (the field holds 34).
    let mut data = fs::read(&img).unwrap();
    data[16 * 2048 + 156] = 68;
    fs::write(&img, &data).unwrap();
    let listed = run_ok(imapi2().arg("ls").arg(&img));
    assert!(
        listed.contains("A.TXT") || listed.contains("a.txt"),
        "{listed}"
    );
    let o = imapi2().arg("info").arg(&img).output().unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let ours = t.path().join("ours");
    run_ok(imapi2().args(["extract", "-q"]).arg(&img).arg(&ours));
    let o = imapi2()
        .args(["verify", "--json"])
        .arg(&img)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(o.status.code(), Some(0), "a warning, not an error: {v}");
    let w = v["warnings"].to_string();
    assert!(w.contains("68") && w.contains("34"), "{w}");
}

// ----- 13: links out of the tree -----

#[test]
fn links_pointing_out_of_the_tree_are_restored_as_recorded() {
    let t = scratch();
    let src = t.path().join("src");
    write(&src.join("etc/file"), b"f\n", 0o644);
    for (name, target) in [
        ("etc/abs", "/etc/passwd"),
        ("etc/up", "../../outside"),
        ("etc/slashes", ".///file"),
        ("etc/dot", "./file"),
    ] {
        symlink(target, src.join(name)).unwrap();
    }
    let img = t.path().join("links.iso");
    mkimage(&src, &img, &[]);
    let out = t.path().join("out");
    let o = imapi2()
        .args(["extract", "-q"])
        .arg(&img)
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    for (name, target) in [
        ("etc/abs", "/etc/passwd"),
        ("etc/up", "../../outside"),
        ("etc/slashes", ".///file"),
        ("etc/dot", "./file"),
    ] {
        assert_eq!(
            fs::read_link(out.join(name)).unwrap(),
            Path::new(target),
            "{name}"
        );
    }
    assert!(
        !t.path().join("outside").exists(),
        "nothing was written through a link"
    );
    // Refusing them stays possible.
    let out2 = t.path().join("out2");
    let o = imapi2()
        .args(["extract", "-q", "--no-outside-links"])
        .arg(&img)
        .arg(&out2)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("etc/abs") && err.contains("etc/up"), "{err}");
    assert!(!out2.join("etc/abs").exists() && out2.join("etc/dot").exists());
}

// ----- 14: ISO 9660 names that differ by a dot -----

#[test]
fn iso_names_that_differ_only_by_the_dot_stay_apart() {
    if !require_tools(TOOLS) {
        return;
    }
    let t = scratch();
    let src = t.path().join("src");
    write(&src.join("12345678."), b"the file\n", 0o644);
    write(&src.join("12345678/inside.txt"), b"the dir\n", 0o644);
    let img = t.path().join("dot.iso");
    run_ok(
        Command::new("genisoimage")
            .args(["-quiet", "-o"])
            .arg(&img)
            .arg(&src),
    );
    let listing = run_ok(Command::new("isoinfo").args(["-f", "-i"]).arg(&img));
    assert!(
        listing.contains("/12345678.;1") && listing.contains("/12345678\n"),
        "{listing}"
    );
    let listed = run_ok(imapi2().args(["ls", "--fs", "iso9660"]).arg(&img));
    let top: Vec<&str> = listed
        .lines()
        .filter(|l| l.trim_start_matches('/').starts_with("12345678") && !l.contains("INSIDE"))
        .collect();
    assert_eq!(top.len(), 2, "two entries: {listed}");
    assert_ne!(top[0], top[1], "{listed}");
    let out = t.path().join("out");
    run_ok(
        imapi2()
            .args(["extract", "-q", "--fs", "iso9660"])
            .arg(&img)
            .arg(&out),
    );
    let entries: Vec<_> = fs::read_dir(&out).unwrap().map(|e| e.unwrap()).collect();
    assert_eq!(entries.len(), 2);
    let file = entries
        .iter()
        .find(|e| e.file_type().unwrap().is_file())
        .unwrap();
    assert_eq!(fs::read(file.path()).unwrap(), b"the file\n");
}

// ----- 15: holes -----

#[test]
fn extract_makes_holes_where_the_image_holds_zeros() {
    let t = scratch();
    let src = t.path().join("src");
    fs::create_dir_all(&src).unwrap();
    let f = fs::File::create(src.join("sparse.bin")).unwrap();
    f.set_len(1 << 30).unwrap();
    std::os::unix::fs::FileExt::write_all_at(&f, b"middle", 512 << 20).unwrap();
    drop(f);
    write(&src.join("zeros.bin"), &vec![0u8; 4 << 20], 0o644);
    for fs_list in ["iso9660,joliet,rockridge", "udf"] {
        let img = t.path().join(format!("{fs_list}.iso"));
        mkimage(&src, &img, &["--fs", fs_list]);
        let out = t.path().join(format!("out-{fs_list}"));
        run_ok(imapi2().args(["extract", "-q"]).arg(&img).arg(&out));
        let md = fs::metadata(out.join("sparse.bin")).unwrap();
        assert_eq!(md.len(), 1 << 30);
        assert!(
            md.blocks() * 512 < 1 << 20,
            "{fs_list}: 1 GiB sparse file takes {} bytes",
            md.blocks() * 512
        );
        let z = fs::metadata(out.join("zeros.bin")).unwrap();
        assert!(
            z.blocks() * 512 < 1 << 20,
            "{fs_list}: zeros become a hole too"
        );
        let mut mid = [0u8; 6];
        std::os::unix::fs::FileExt::read_exact_at(
            &fs::File::open(out.join("sparse.bin")).unwrap(),
            &mut mid,
            512 << 20,
        )
        .unwrap();
        assert_eq!(&mid, b"middle");
    }
}
