//! `imapi2 verify`: clean on good images (ours and other writers'), and a
//! problem named for each of the corruptions of ../shared/validate's
//! corrupt.py.

mod common;

use std::fs;
use std::path::Path;
use std::process::Command;

use common::*;

fn verify(img: &Path) -> (i32, serde_json::Value) {
    let out = imapi2()
        .args(["verify", "--json"])
        .arg(img)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{}: {e}: {}",
            img.display(),
            String::from_utf8_lossy(&out.stdout)
        )
    });
    (out.status.code().unwrap(), v)
}

fn assert_clean(img: &Path) {
    let (code, v) = verify(img);
    assert_eq!(code, 0, "{}: {v:#}", img.display());
    assert_eq!(v["valid"], true);
}

fn source(root: &Path) {
    write(&root.join("hello.txt"), b"hello\n", 0o644);
    write(&root.join("big.bin"), &noise(300_000, 1), 0o644);
    write(&root.join("dir/Grüße.txt"), b"u", 0o600);
    let mut p = root.join("deep");
    for l in 1..=10 {
        p = p.join(format!("l{l}"));
    }
    write(&p.join("f.txt"), b"deep", 0o644);
    std::os::unix::fs::symlink("hello.txt", root.join("link")).unwrap();
}

#[test]
fn our_images_verify_clean() {
    let work = scratch();
    let src = work.path().join("src");
    source(&src);
    let x = |n: &str| work.path().join(n);
    for (name, args) in [
        ("plain", vec![]),
        ("level1", vec!["--iso-level", "1"]),
        ("bridge102", vec!["--fs", "iso9660,joliet,rockridge,udf"]),
        (
            "bridge250",
            vec![
                "--fs",
                "iso9660,joliet,rockridge,udf",
                "--udf-revision",
                "2.50",
            ],
        ),
        ("udf260", vec!["--fs", "udf", "--udf-revision", "2.60"]),
        (
            "udf201",
            vec!["--fs", "udf", "--udf-revision", "2.01", "--no-udf-mirror"],
        ),
    ] {
        let img = x(&format!("{name}.iso"));
        mkimage(&src, &img, &args);
        assert_clean(&img);
    }
    // A bootable hybrid image.
    let boot = x("boot.bin");
    fs::write(&boot, tiny_boot_sector("hi")).unwrap();
    let img = x("boot.iso");
    mkimage(
        &src,
        &img,
        &[
            "--boot",
            &format!("bios={},load-size=4", boot.display()),
            "--hybrid",
        ],
    );
    assert_clean(&img);
    // Two appended sessions, each mode.
    for mode in ["random-write", "sequential"] {
        let img = x(&format!("ms-{mode}.iso"));
        mkimage(&src, &img, &[]);
        for n in 0..2 {
            let more = x(&format!("more-{mode}-{n}"));
            write(&more.join(format!("new{n}.txt")), b"more", 0o644);
            run_ok(
                imapi2()
                    .args(["mkimage", "-q", "--session-mode", mode, "--append-to"])
                    .arg(&img)
                    .arg(&more),
            );
        }
        assert_clean(&img);
    }
}

#[test]
fn other_writers_images_verify() {
    if !require_tools(&["xorriso", "genisoimage", "python3"]) {
        return;
    }
    let work = scratch();
    let src = work.path().join("src");
    source(&src);
    fs::remove_file(src.join("link")).unwrap();
    let x = |n: &str| work.path().join(n);
    let g = x("g.iso");
    run_ok(
        Command::new("genisoimage")
            .args(["-quiet", "-R", "-J", "-udf", "-o"])
            .arg(&g)
            .arg(&src),
    );
    assert_clean(&g);
    let p = x("p.iso");
    run_ok(
        Command::new("python3")
            .arg(tool_script("pycdlib_make.py"))
            .arg(&src)
            .arg(&p),
    );
    assert_clean(&p);
    // xorriso 1.5.4 points the ".." of Joliet subdirectories at the
    // directory itself, and with Rock Ridge it writes directories deeper
    // than ISO 9660's eight levels instead of relocating them: exactly
    // those are reported.
    let xo = x("x.iso");
    run_ok(
        Command::new("xorriso")
            .args(["-as", "mkisofs", "-quiet", "-R", "-J", "-o"])
            .arg(&xo)
            .arg(&src),
    );
    let (code, v) = verify(&xo);
    let problems = v["errors"].as_array().unwrap();
    assert!(code == 0 || !problems.is_empty());
    for p in problems {
        let m = p["message"].as_str().unwrap();
        assert!(
            (p["structure"] == "Joliet directory" && m.contains("\"..\" points at"))
                || (p["structure"] == "directory" && m.contains("(ISO 9660 allows 8)")),
            "unexpected problem in xorriso's image: {p}"
        );
    }
}

#[test]
fn every_corruption_is_named() {
    if !require_tools(&["python3"]) {
        return;
    }
    let work = scratch();
    let src = work.path().join("src");
    write(&src.join("hello.txt"), b"hello\n", 0o644);
    write(&src.join("big.bin"), &noise(100_000, 1), 0o644);
    let x = |n: &str| work.path().join(n);
    mkimage(&src, &x("iso.iso"), &[]);
    let boot = x("boot.bin");
    fs::write(&boot, tiny_boot_sector("hi")).unwrap();
    mkimage(
        &src,
        &x("elt.iso"),
        &["--boot", &format!("bios={},load-size=4", boot.display())],
    );
    mkimage(&src, &x("udf.iso"), &["--fs", "udf"]);
    let corrupt = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/validate/corrupt.py");
    if !corrupt.exists() {
        eprintln!("{} is missing: skipped", corrupt.display());
        return;
    }
    run_ok(
        Command::new("python3")
            .arg(&corrupt)
            .arg(x("iso.iso"))
            .arg(x("elt.iso"))
            .arg(x("udf.iso"))
            .arg(x("out")),
    );
    // What each variant must be reported as (structure, words of the message).
    let expect = [
        ("iso_volsize_big", "primary volume descriptor", "truncated"),
        ("iso_truncated", "", ""),
        ("iso_endian_mismatch", "volume descriptor set", ""),
        ("iso_extent_oob", "directory", "past the volume"),
        ("iso_size_oob", "directory", "past the volume"),
        ("iso_dirrec_len", "directory record", "longer than"),
        ("iso_pathtable", "path table", ""),
        ("rr_nm_len", "system use area", "NM"),
        ("joliet_escape", "Joliet volume descriptor", "escape"),
        ("joliet_root_oob", "Joliet directory", "past the volume"),
        ("iso_no_terminator", "volume descriptor set", ""),
        ("et_bad_checksum", "El Torito catalog", "checksum"),
        ("et_bad_key", "El Torito catalog", "key"),
        ("et_catalog_oob", "El Torito boot record", "past the volume"),
        (
            "udf_avdp256_cksum",
            "anchor volume descriptor pointer",
            "checksum",
        ),
        (
            "udf_all_anchors",
            "anchor volume descriptor pointer",
            "checksum",
        ),
        ("udf_mvds_crc", "main volume descriptor sequence", "CRC"),
        ("udf_fe_crc", "UDF tree", "CRC"),
        ("udf_fe_size", "UDF tree", "bytes recorded"),
        ("udf_lvid_cksum", "logical volume integrity descriptor", ""),
    ];
    for (name, structure, words) in expect {
        let img = x(&format!("out/{name}.iso"));
        assert!(img.exists(), "{name} was not made");
        let (code, v) = verify(&img);
        assert_eq!(code, 1, "{name}: {v:#}");
        if structure.is_empty() {
            continue;
        }
        let problems = v["errors"].as_array().unwrap();
        assert!(
            problems
                .iter()
                .any(|p| p["structure"] == structure
                    && p["message"].as_str().unwrap().contains(words)),
            "{name}: no {structure:?} problem mentioning {words:?}: {v:#}"
        );
    }
    // A non-bootable default entry is a defined value: a warning, exit 0.
    let (code, v) = verify(&x("out/et_not_bootable.iso"));
    assert_eq!(code, 0, "{v:#}");
    assert!(
        v["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["structure"] == "El Torito catalog"
                && p["message"].as_str().unwrap().contains("not bootable")),
        "{v:#}"
    );
}

/// The disc in a recorder verifies as an image does (`verify virtual:DIR`,
/// `verify --drive ID`): its newest session, UDF found at that session's
/// start (and its end anchor after the partition, the disc going on past
/// it); an empty tray is an error naming the missing medium.
#[test]
fn discs_in_recorders_verify() {
    let t = scratch();
    let w = t.path();
    let src = w.join("src");
    source(&src);
    let more = w.join("more");
    write(&more.join("added.txt"), b"added\n", 0o644);
    for (media, fs) in [("bd-r", "udf"), ("dvd+rw", "iso9660,joliet,rockridge,udf")] {
        let rec = w.join(media);
        let drive = format!("virtual:{}", rec.display());
        run_ok(
            imapi2()
                .args(["burn", "-q", "--drive", &drive, "--blank", media, "--multi"])
                .args(["--fs", fs])
                .arg(&src),
        );
        run_ok(
            imapi2()
                .args(["burn", "-q", "--drive", &drive, "--append"])
                .arg(&more),
        );
        for args in [vec![drive.clone()], vec!["--drive".into(), drive.clone()]] {
            let out = imapi2()
                .args(["verify", "--json"])
                .args(&args)
                .output()
                .unwrap();
            let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            assert_eq!(out.status.code(), Some(0), "{media} {args:?}: {v}");
            assert_eq!(v["valid"], true, "{media}: {v}");
            assert!(
                v["file_systems"].as_str().unwrap().contains("UDF"),
                "{media}: {v}"
            );
        }
    }
    let rec = w.join("empty");
    run_ok(imapi2().args(["virtual", "create"]).arg(&rec));
    let out = imapi2()
        .arg("verify")
        .arg(format!("virtual:{}", rec.display()))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("medium not present"), "{err}");
}
