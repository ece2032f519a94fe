//! The tool agrees with itself and with the peers (issue 11, 4–9): `verify`
//! takes what `mkimage` writes and what every reader takes (warnings apart
//! from errors), trees of more than 65,535 directories and deep trees are
//! written so that every reader shows them exactly, UDF links and 7-Zip,
//! names that are not UTF-8 or do not fit.

mod common;

use std::ffi::OsStr;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::*;

const TOOLS: &[&str] = &[
    "xorriso",
    "bsdtar",
    "7z",
    "genisoimage",
    "isoinfo",
    "python3",
];

/// `imapi2 verify --json IMG`: (exit code, errors, warnings).
fn verify(img: &Path) -> (Option<i32>, Vec<String>, Vec<String>) {
    let o = imapi2()
        .args(["verify", "--json"])
        .arg(img)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("verify --json: {e}: {}", String::from_utf8_lossy(&o.stdout)));
    let list = |k: &str| -> Vec<String> {
        v[k].as_array()
            .unwrap_or_else(|| panic!("verify --json has no {k:?} list: {v}"))
            .iter()
            .map(|p| p["message"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    (o.status.code(), list("errors"), list("warnings"))
}

fn stderr_of(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

// ----- 4: directory order -----

#[test]
fn verify_accepts_what_mkimage_writes_in_every_directory_order_case() {
    if !require_tools(TOOLS) {
        return;
    }
    let t = scratch();
    let src = t.path().join("src");
    // Names whose order differs between "name padded, then extension" and
    // whole-name order, in Joliet and in ISO 9660.
    for n in [
        "foo.c",
        "foo-bar.c",
        "foo_bar.c",
        "foo",
        "foo.",
        "a b",
        "a-b",
        "a.b",
        "a_b",
        "A",
        "ab.c.d",
        "ab-c",
        "x.tar.gz",
        "x-y.tar",
        "Ä.txt",
        "z",
    ] {
        write(&src.join(n), n.as_bytes(), 0o644);
    }
    fs::create_dir_all(src.join("foo-dir")).unwrap();
    fs::create_dir_all(src.join("foo.dir")).unwrap();
    for fs_list in ["iso9660,joliet,rockridge", "iso9660,joliet,rockridge,udf"] {
        for level in ["1", "2", "3"] {
            let img = t.path().join(format!("{level}.iso"));
            let _ = fs::remove_file(&img);
            mkimage(&src, &img, &["--fs", fs_list, "--iso-level", level]);
            let (code, errors, _) = verify(&img);
            assert_eq!(
                (code, errors.clone()),
                (Some(0), vec![]),
                "{fs_list} level {level}"
            );
        }
    }
    // The peers' images of the same tree verify clean too.
    let xo = t.path().join("xo.iso");
    run_ok(
        Command::new("xorriso")
            .arg("-outdev")
            .arg(&xo)
            .args(["-joliet", "on", "-map"])
            .arg(&src)
            .arg("/"),
    );
    let ge = t.path().join("ge.iso");
    run_ok(
        Command::new("genisoimage")
            .args(["-quiet", "-R", "-J", "-o"])
            .arg(&ge)
            .arg(&src),
    );
    for img in [xo, ge] {
        let (code, errors, _) = verify(&img);
        assert_eq!((code, errors), (Some(0), vec![]), "{}", img.display());
    }
}

// ----- 5: warnings apart from errors -----

#[test]
fn verify_warns_about_what_every_reader_takes() {
    if !require_tools(TOOLS) {
        return;
    }
    let t = scratch();
    let src = t.path().join("src");
    let long = format!("{}.txt", "l".repeat(90));
    write(&src.join(&long), b"long joliet name\n", 0o644);
    write(&src.join("boot.img"), &vec![0u8; 2048], 0o644);
    let geniso = |name: &str, args: &[&str]| -> PathBuf {
        let img = t.path().join(name);
        run_ok(
            Command::new("genisoimage")
                .arg("-quiet")
                .args(args)
                .arg("-o")
                .arg(&img)
                .arg(&src),
        );
        img
    };
    // ISO 9660:1999 (enhanced volume descriptor, long names)
    let img = geniso("level4.iso", &["-iso-level", "4", "-R"]);
    let (code, errors, warnings) = verify(&img);
    assert_eq!((code, errors), (Some(0), vec![]), "level 4");
    assert!(warnings.iter().any(|w| w.contains("1999")), "{warnings:?}");
    // Joliet names over 64 characters
    let img = geniso("jlong.iso", &["-J", "-joliet-long"]);
    let (code, errors, warnings) = verify(&img);
    assert_eq!((code, errors), (Some(0), vec![]), "joliet-long");
    assert!(warnings.iter().any(|w| w.contains("64")), "{warnings:?}");
    // A default boot entry marked not bootable
    let img = geniso(
        "noboot.iso",
        &[
            "-b",
            "boot.img",
            "-no-emul-boot",
            "-no-boot",
            "-c",
            "boot.cat",
        ],
    );
    let (code, errors, warnings) = verify(&img);
    assert_eq!((code, errors), (Some(0), vec![]), "-no-boot");
    assert!(
        warnings.iter().any(|w| w.contains("bootable")),
        "{warnings:?}"
    );
    // Text output: warnings say so, and the summary counts them.
    let o = imapi2().arg("verify").arg(&img).output().unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{text}");
    assert!(text.lines().any(|l| l.starts_with("warning:")), "{text}");
    assert!(text.contains("1 warning"), "{text}");
}

// ----- 6: more than 65,535 directories -----

#[test]
fn more_than_65535_directories_are_written_with_a_warning() {
    if !require_tools(TOOLS) {
        return;
    }
    let t = scratch();
    let src = t.path().join("src");
    for i in 0..280 {
        for j in 0..240 {
            fs::create_dir_all(src.join(format!("a{i:03}/b{j:03}"))).unwrap();
        }
    }
    // directories whose path-table number is above 65,535 have children
    write(&src.join("a279/b239/c/deep.txt"), b"found\n", 0o644);
    write(&src.join("a279/b238/c/deep.txt"), b"found too\n", 0o644);
    let img = t.path().join("many.iso");
    let o = imapi2()
        .args(["mkimage", "-o"])
        .arg(&img)
        .arg(&src)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr_of(&o));
    assert!(
        stderr_of(&o).contains("warning") && stderr_of(&o).contains("path table"),
        "{}",
        stderr_of(&o)
    );
    let (code, errors, warnings) = verify(&img);
    assert_eq!((code, errors), (Some(0), vec![]));
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("65,535") || w.contains("65535")),
        "{warnings:?}"
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
    assert_same("imapi2 extract", &expected, &manifest_dir(&ours), false);
}

// ----- 7: deep directories -----

/// Chains of 8, 9, 14, 20 and 100 levels, a file at the bottom of each.
fn deep_tree(src: &Path) {
    for depth in [8usize, 9, 14, 20, 100] {
        let mut p = src.join(format!("l{depth}"));
        for level in 2..=depth {
            p = p.join(format!("d{level}"));
        }
        write(
            &p.join("bottom.txt"),
            format!("{depth} levels\n").as_bytes(),
            0o644,
        );
        write(&p.parent().unwrap().join("beside.txt"), b"beside\n", 0o644);
    }
}

#[test]
fn deep_trees_read_exactly_in_every_view_of_every_reader() {
    if !require_tools(TOOLS) {
        return;
    }
    let t = scratch();
    let src = t.path().join("src");
    deep_tree(&src);
    let img = t.path().join("deep.iso");
    mkimage(&src, &img, &[]);
    let (code, errors, _) = verify(&img);
    assert_eq!((code, errors), (Some(0), vec![]));
    let x = |n: &str| t.path().join(n);
    let rr = expected_view(&src, View::RockRidge, 2);
    let joliet = expected_view(&src, View::Joliet, 2);
    let iso = expected_view(&src, View::Iso, 2);
    assert!(
        rr.keys().all(|p| !p.contains("rr_moved")),
        "the tree itself has no relocation directory"
    );
    assert_same(
        "xorriso RR",
        &rr,
        &xorriso_view(&img, View::RockRidge, &x("xo-rr")),
        true,
    );
    assert_same(
        "bsdtar RR",
        &rr,
        &bsdtar_view(&img, View::RockRidge, &x("bt-rr")),
        true,
    );
    assert_same(
        "xorriso Joliet",
        &joliet,
        &xorriso_view(&img, View::Joliet, &x("xo-j")),
        false,
    );
    assert_same(
        "bsdtar Joliet",
        &joliet,
        &bsdtar_view(&img, View::Joliet, &x("bt-j")),
        false,
    );
    assert_same(
        "7-Zip Joliet",
        &joliet,
        &sevenzip_view(&img, &x("7z-j")),
        false,
    );
    assert_same(
        "xorriso ISO",
        &iso,
        &xorriso_view(&img, View::Iso, &x("xo-iso")),
        false,
    );
    assert_same(
        "bsdtar ISO",
        &iso,
        &bsdtar_view(&img, View::Iso, &x("bt-iso")),
        false,
    );
    let ours = x("ours");
    run_ok(imapi2().args(["extract", "-q"]).arg(&img).arg(&ours));
    assert_same("imapi2 extract", &rr, &manifest_dir(&ours), true);
    if require_tools(&["qemu-system-x86_64"]) {
        assert_same("kernel RR", &rr, &kernel_view(&img, View::RockRidge), true);
        assert_same(
            "kernel Joliet",
            &joliet,
            &kernel_view(&img, View::Joliet),
            false,
        );
        assert_same("kernel ISO", &iso, &kernel_view(&img, View::Iso), false);
    }
}

#[test]
fn strict_relocation_shows_no_relocation_directory_in_rock_ridge() {
    if !require_tools(TOOLS) {
        return;
    }
    let t = scratch();
    let src = t.path().join("src");
    let mut p = src.join("top");
    for level in 2..=12 {
        p = p.join(format!("d{level}"));
    }
    write(&p.join("bottom.txt"), b"bottom\n", 0o644);
    let img = t.path().join("strict.iso");
    mkimage(&src, &img, &["--rr-relocate"]);
    let (code, errors, _) = verify(&img);
    assert_eq!((code, errors), (Some(0), vec![]));
    // ECMA-119's eight levels hold in the ISO 9660 tree ...
    let listed = run_ok(Command::new("isoinfo").arg("-f").arg("-i").arg(&img));
    assert!(
        listed.lines().all(|l| l.matches('/').count() <= 8),
        "{listed}"
    );
    // ... and Rock Ridge readers see the source tree, nothing more.
    let rr = manifest_dir(&src);
    assert_same(
        "xorriso RR",
        &rr,
        &xorriso_view(&img, View::RockRidge, &t.path().join("xo")),
        false,
    );
    let ours = t.path().join("ours");
    run_ok(imapi2().args(["extract", "-q"]).arg(&img).arg(&ours));
    assert_same("imapi2 extract", &rr, &manifest_dir(&ours), false);
    if require_tools(&["qemu-system-x86_64"]) {
        assert_same("kernel RR", &rr, &kernel_view(&img, View::RockRidge), false);
    }
}

// ----- 8: UDF and 7-Zip -----

#[test]
fn udf_with_links_opens_in_7zip_or_says_why_not() {
    if !require_tools(TOOLS) {
        return;
    }
    let t = scratch();
    let src = t.path().join("src");
    write(&src.join("file.txt"), b"data\n", 0o644);
    symlink("file.txt", src.join("link")).unwrap();
    let seven = tool("7z");
    // Default: links are kept (the kernel, udfclient and libudfread follow
    // them), and one warning line says that 7-Zip cannot open such a volume.
    let img = t.path().join("bd.iso");
    let o = imapi2()
        .args(["mkimage", "--media", "bd", "-o"])
        .arg(&img)
        .arg(&src)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr_of(&o));
    let warning: Vec<_> = stderr_of(&o)
        .lines()
        .filter(|l| l.contains("warning"))
        .map(str::to_string)
        .collect();
    assert_eq!(warning.len(), 1, "one warning line: {warning:?}");
    assert!(
        warning[0].contains("7-Zip") && warning[0].contains("--udf-links"),
        "{warning:?}"
    );
    let ours = t.path().join("ours");
    run_ok(
        imapi2()
            .args(["extract", "-q", "--fs", "udf"])
            .arg(&img)
            .arg(&ours),
    );
    assert_eq!(
        fs::read_link(ours.join("link")).unwrap(),
        Path::new("file.txt")
    );
    // The other way: links as files holding nothing, which 7-Zip opens.
    let img2 = t.path().join("bd-7z.iso");
    let o = imapi2()
        .args([
            "mkimage",
            "--media",
            "bd",
            "--udf-links",
            "as-empty-files",
            "-o",
        ])
        .arg(&img2)
        .arg(&src)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr_of(&o));
    assert!(
        stderr_of(&o).contains("1 symbolic link"),
        "says what happened: {}",
        stderr_of(&o)
    );
    let mut out = std::ffi::OsString::from("-o");
    out.push(t.path().join("7z"));
    run_ok(
        Command::new(&seven)
            .args(["x", "-y", "-tudf"])
            .arg(out)
            .arg(&img2),
    );
    assert_eq!(fs::read(t.path().join("7z/file.txt")).unwrap(), b"data\n");
    assert_eq!(fs::read(t.path().join("7z/link")).unwrap(), b"");
}

// ----- 9: names -----

#[test]
fn a_name_that_is_not_utf8_is_kept_by_rock_ridge_and_replaced_elsewhere() {
    if !require_tools(TOOLS) {
        return;
    }
    let t = scratch();
    let src = t.path().join("src");
    fs::create_dir_all(&src).unwrap();
    let bad = OsStr::from_bytes(b"bad\xff\xfe.txt");
    fs::write(src.join(bad), b"latin-1 bytes\n").unwrap();
    write(&src.join("good.txt"), b"good\n", 0o644);
    for fs_list in [
        "iso9660,rockridge",
        "iso9660,joliet,rockridge",
        "iso9660,joliet,rockridge,udf",
    ] {
        let img = t.path().join(format!("{fs_list}.iso"));
        let o = imapi2()
            .args(["mkimage", "--fs", fs_list, "-o"])
            .arg(&img)
            .arg(&src)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0), "{fs_list}: {}", stderr_of(&o));
        let err = stderr_of(&o);
        assert!(
            err.contains("warning") && err.contains(r"bad\xff\xfe.txt"),
            "{fs_list}: {err}"
        );
        // Rock Ridge holds the bytes exactly
        let xo = t.path().join(format!("xo-{fs_list}"));
        run_ok(
            Command::new("xorriso")
                .args(["-osirrox", "on", "-indev"])
                .arg(&img)
                .args(["-extract", "/"])
                .arg(&xo),
        );
        assert_eq!(
            fs::read(xo.join(bad)).unwrap(),
            b"latin-1 bytes\n",
            "{fs_list}"
        );
        let ours = t.path().join(format!("ours-{fs_list}"));
        run_ok(
            imapi2()
                .args(["extract", "-q", "--fs", "rockridge"])
                .arg(&img)
                .arg(&ours),
        );
        assert_eq!(
            fs::read(ours.join(bad)).unwrap(),
            b"latin-1 bytes\n",
            "{fs_list}"
        );
        // Joliet and UDF record Unicode: '_' for each byte that is not UTF-8
        for view in ["joliet", "udf"]
            .into_iter()
            .filter(|v| fs_list.contains(v))
        {
            let listed = run_ok(imapi2().args(["ls", "--fs", view]).arg(&img));
            assert!(listed.contains("bad__.txt"), "{fs_list} {view}: {listed}");
        }
    }
    // such a path is accepted as an argument, and as a graft point's source
    let img = t.path().join("arg.iso");
    let mut graft = std::ffi::OsString::from("x.txt=");
    graft.push(src.join(bad));
    run_ok(
        imapi2()
            .args(["mkimage", "-q", "-o"])
            .arg(&img)
            .arg(src.join(bad))
            .arg(&graft),
    );
    let listed = run_ok(imapi2().args(["ls", "--fs", "rockridge"]).arg(&img));
    assert!(listed.contains("x.txt"), "{listed}");
}

#[test]
fn udf_keeps_the_extension_of_a_name_it_must_cut() {
    let t = scratch();
    let src = t.path().join("src");
    // 129 characters outside Latin-1 (254 bytes of UTF-8): over UDF's 127
    let long = format!("{}.txt", "Ω".repeat(125));
    write(&src.join(&long), b"cut\n", 0o644);
    let img = t.path().join("udf.iso");
    mkimage(&src, &img, &["--fs", "udf"]);
    let listed = run_ok(imapi2().args(["ls", "--fs", "udf"]).arg(&img));
    let name = listed
        .lines()
        .find(|l| l.contains('Ω'))
        .unwrap_or_else(|| panic!("{listed}"));
    assert!(
        name.trim_end().ends_with(".txt"),
        "the extension is kept: {name}"
    );
    assert!(name.chars().filter(|&c| c == 'Ω').count() < 125);
}

#[test]
fn the_joliet_volume_name_follows_the_ucs2_rule() {
    let t = scratch();
    let src = t.path().join("src");
    write(&src.join("a"), b"a", 0o644);
    let img = t.path().join("v.iso");
    mkimage(&src, &img, &["--volume", "MUSIC 🎵"]);
    let data = fs::read(&img).unwrap();
    // the Joliet SVD is the first type-2 descriptor with an escape sequence
    let svd = (17..32)
        .map(|b| &data[b * 2048..(b + 1) * 2048])
        .find(|d| d[0] == 2 && &d[88..91] == b"%/E")
        .expect("a Joliet descriptor");
    let units: Vec<u16> = svd[40..72]
        .chunks(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .collect();
    assert!(
        units.iter().all(|u| !(0xD800..0xE000).contains(u)),
        "no surrogates: {units:x?}"
    );
    assert_eq!(String::from_utf16_lossy(&units).trim_end(), "MUSIC _");
}

#[test]
fn symbolic_links_without_rock_ridge_or_udf_are_reported() {
    let t = scratch();
    let src = t.path().join("src");
    write(&src.join("file.txt"), b"data\n", 0o644);
    symlink("file.txt", src.join("link")).unwrap();
    let img = t.path().join("iso.iso");
    let o = imapi2()
        .args(["mkimage", "--fs", "iso9660", "-o"])
        .arg(&img)
        .arg(&src)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    let err = stderr_of(&o);
    assert!(
        err.contains("warning") && err.contains("1 symbolic link"),
        "{err}"
    );
}
