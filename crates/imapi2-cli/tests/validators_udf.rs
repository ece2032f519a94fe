//! UDF images (every revision, alone and bridged with ISO 9660/Joliet/Rock
//! Ridge) read back by tools we did not write: udfinfo, 7-Zip, libudfread,
//! udfclient, pycdlib (bridges: it needs a primary volume descriptor), and the
//! Linux kernel's udf driver.

mod common;

use std::fs;
use std::os::unix::fs::symlink;
use std::path::Path;

use common::*;

const TOOLS: &[&str] = &[
    "udfinfo",
    "udfclient",
    "7z",
    "cc",
    "xorriso",
    "isovfy",
    "isoinfo",
    "iso-info",
    "bsdtar",
    "blkid",
    "python3",
];

const REVISIONS: [&str; 6] = ["1.02", "1.50", "2.00", "2.01", "2.50", "2.60"];

/// A tree with the fixtures of the ISO tests that 7-Zip can take (no links).
fn udf_tree(root: &Path) {
    write(&root.join("README"), b"udf tree\n", 0o644);
    write(&root.join("private/secret.txt"), b"s3cret\n", 0o600);
    std::os::unix::fs::chown(root.join("private/secret.txt"), Some(1234), Some(5678)).unwrap();
    for (i, size) in [0usize, 1, 2047, 2048, 2049, 100_000, 3 << 20]
        .iter()
        .enumerate()
    {
        write(
            &root.join(format!("data/size_{size}.bin")),
            &noise(*size, i as u32),
            0o644,
        );
    }
    for name in [
        "Grüße ñ.txt",
        "日本語のファイル.txt",
        "emoji 😀 file.txt",
        "File.txt",
        "file.txt",
    ] {
        write(&root.join("names").join(name), name.as_bytes(), 0o644);
    }
    write(&root.join("names").join("y".repeat(200)), b"long", 0o644);
    write(&root.join("names").join("語".repeat(85)), b"cjk", 0o644);
    let mut p = root.join("deep");
    for level in 1..=12 {
        p = p.join(format!("l{level:02}"));
        write(&p.join("f.txt"), format!("{level}").as_bytes(), 0o644);
    }
    for i in 0..300u32 {
        write(
            &root.join("many").join(format!("file number {i:04}.dat")),
            &noise(20, i),
            0o644,
        );
    }
    fs::create_dir_all(root.join("empty_dir")).unwrap();
    write(&root.join("links/original.bin"), &noise(5000, 7), 0o640);
    fs::hard_link(
        root.join("links/original.bin"),
        root.join("links/second.bin"),
    )
    .unwrap();
}

/// The manifest without symbolic links.
fn without_links(m: &Manifest) -> Manifest {
    m.iter()
        .filter(|(_, r)| r.kind != 'l')
        .map(|(p, r)| (p.clone(), r.clone()))
        .collect()
}

fn content_only(m: &Manifest) -> Manifest {
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
}

/// Builds and checks one image; returns it.
fn check(src: &Path, work: &Path, rev: &str, bridge: bool) {
    let img = work.join(format!("udf-{rev}-{bridge}.iso"));
    let fs = if bridge {
        "iso9660,joliet,rockridge,udf"
    } else {
        "udf"
    };
    mkimage(
        src,
        &img,
        &["--fs", fs, "--udf-revision", rev, "--volume", "UDF_CHECK"],
    );
    let what = format!("UDF {rev} {}", if bridge { "bridge" } else { "alone" });
    let x = |n: &str| work.join(format!("{rev}-{bridge}-{n}"));

    // udfinfo: the revision, label, counts and size we wrote.
    let info = udfinfo(&img);
    // udfrev is the minimum read revision (2.60 needs only a 2.50 reader),
    // udfwriterev the revision the image was written to.
    assert_eq!(info["udfwriterev"], rev, "{what}: {info:?}");
    assert_eq!(info["udfrev"], rev.min("2.50"), "{what}: {info:?}");
    assert_eq!(info["label"], "UDF_CHECK", "{what}");
    assert_eq!(info["integrity"], "closed", "{what}");
    assert_eq!(info["accesstype"], "readonly", "{what}");
    let blocks: u64 = info["blocks"].parse().unwrap();
    assert_eq!(
        blocks * 2048,
        fs::metadata(&img).unwrap().len(),
        "{what}: blocks"
    );
    let src_manifest = manifest_dir(src);
    let dirs = src_manifest.values().filter(|r| r.kind == 'd').count() + 1;
    assert_eq!(info["numdirs"], dirs.to_string(), "{what}: directories");
    // Hard links share one entry.
    let files = src_manifest.values().filter(|r| r.kind != 'd').count() - 1;
    assert_eq!(info["numfiles"], files.to_string(), "{what}: files");

    let expected = expected_view(src, View::Udf, 2);
    let plain = content_only(&expected);
    assert_same(
        &format!("{what}: 7-Zip"),
        &plain,
        &sevenzip_udf_view(&img, &x("7z")),
        false,
    );
    assert_same(
        &format!("{what}: libudfread"),
        &plain,
        &udfread_view(&img, &x("udfread")),
        false,
    );
    // udfclient writes 8-bit names as raw Latin-1 bytes: compared by content.
    assert_eq!(
        file_contents(&plain),
        file_contents(&udfclient_view(&img, &x("udfclient"))),
        "{what}: udfclient"
    );
    if bridge {
        structure_checks(&img);
        let rr = expected_view(src, View::RockRidge, 2);
        assert_same(
            &format!("{what}: xorriso RR"),
            &rr,
            &xorriso_view(&img, View::RockRidge, &x("xo")),
            true,
        );
        // pycdlib reads the file set descriptor at the partition's first
        // block and takes every address as physical: it reads the 2.50+
        // metadata partition only because our layout maps it one to one.
        assert_same(
            &format!("{what}: pycdlib UDF"),
            &plain,
            &pycdlib_view(&img, View::Udf),
            false,
        );
        assert_same(
            &format!("{what}: pycdlib RR"),
            &rr,
            &pycdlib_view(&img, View::RockRidge),
            true,
        );
    }
}

fn every_revision(bridge: bool) {
    if !require_tools(TOOLS) {
        return;
    }
    let work = scratch();
    let src = work.path().join("src");
    udf_tree(&src);
    for rev in REVISIONS {
        check(&src, work.path(), rev, bridge);
    }
}

#[test]
fn every_revision_alone_reads_back() {
    every_revision(false);
}

#[test]
fn every_revision_bridged_reads_back() {
    every_revision(true);
}

/// The kernel's udf driver on a small fixture with links, modes and owners,
/// for 1.02, 2.01 and 2.50 (and the bridge's ISO 9660 view of the same).
#[test]
fn kernel_reads_udf_1_02_2_01_and_2_50() {
    if !require_tools(&["qemu-system-x86_64"]) || !require_tools(TOOLS) {
        return;
    }
    let work = scratch();
    let src = work.path().join("src");
    write(&src.join("Grüße 日本.txt"), b"unicode", 0o644);
    write(&src.join("dir/private.txt"), b"private", 0o600);
    std::os::unix::fs::chown(src.join("dir/private.txt"), Some(1234), Some(5678)).unwrap();
    write(&src.join("dir/tool.sh"), b"#!/bin/sh\n", 0o755);
    write(&src.join("big.bin"), &noise(3 << 20, 5), 0o644);
    symlink("dir/tool.sh", src.join("link")).unwrap();
    fs::hard_link(src.join("big.bin"), src.join("hard.bin")).unwrap();
    let expected = expected_view(&src, View::Udf, 2);
    for rev in ["1.02", "2.01", "2.50"] {
        let img = work.path().join(format!("k{rev}.iso"));
        mkimage(&src, &img, &["--fs", "udf", "--udf-revision", rev]);
        assert_same(
            &format!("kernel UDF {rev}"),
            &expected,
            &kernel_view(&img, View::Udf),
            true,
        );
    }
    let bridge = work.path().join("kbridge.iso");
    mkimage(
        &src,
        &bridge,
        &[
            "--fs",
            "iso9660,joliet,rockridge,udf",
            "--udf-revision",
            "2.50",
        ],
    );
    assert_same(
        "kernel UDF 2.50 bridge",
        &expected,
        &kernel_view(&bridge, View::Udf),
        true,
    );
    let rr = expected_view(&src, View::RockRidge, 2);
    assert_same(
        "kernel RR of the bridge",
        &rr,
        &kernel_view(&bridge, View::RockRidge),
        true,
    );
    // libudfread reads links as files of path components: compared without them.
    let links: Vec<String> = expected
        .iter()
        .filter(|(_, r)| r.kind == 'l')
        .map(|(p, _)| p.clone())
        .collect();
    let m: Manifest = udfread_view(&bridge, &work.path().join("ur"))
        .into_iter()
        .filter(|(p, _)| !links.contains(p))
        .collect();
    assert_same(
        "libudfread",
        &content_only(&without_links(&expected)),
        &m,
        false,
    );
}

/// A sparse file of 4 GiB and more: several allocation extents in UDF (and
/// ISO 9660 level 3 extents in the bridge), read whole by 7-Zip and libudfread.
#[test]
fn file_over_4_gib_reads_back() {
    if !require_tools(TOOLS) {
        return;
    }
    let work = scratch();
    let src = work.path().join("src");
    fs::create_dir_all(&src).unwrap();
    let big = src.join("big.bin");
    {
        use std::io::{Seek, SeekFrom, Write};
        let mut f = fs::File::create(&big).unwrap();
        f.write_all(&noise(1 << 20, 1)).unwrap();
        f.seek(SeekFrom::Start((4u64 << 30) + (1 << 20))).unwrap();
        f.write_all(&noise(1 << 20, 2)).unwrap();
    }
    let (size, hash) = sha256_file(&big);
    for (fs_list, rev) in [("udf", "2.50"), ("iso9660,joliet,rockridge,udf", "2.01")] {
        let img = work.path().join(format!("big-{rev}.iso"));
        mkimage(&src, &img, &["--fs", fs_list, "--udf-revision", rev]);
        let out = work.path().join("x");
        for (what, m) in [
            ("7-Zip", sevenzip_udf_view(&img, &out)),
            ("libudfread", {
                fs::remove_dir_all(&out).unwrap();
                udfread_view(&img, &out)
            }),
        ] {
            let row = &m["/big.bin"];
            assert_eq!(
                (row.size, &row.content),
                (Some(size), &hash),
                "{what} UDF {rev}"
            );
        }
        fs::remove_dir_all(&out).unwrap();
        assert_eq!(udfinfo(&img)["udfwriterev"], rev);
    }
}

/// A file with two named streams (made with the library: host trees have
/// none) does not disturb the readers, which see the file itself; with and
/// without file data after the streams (the layout differs), alone and
/// bridged (where pycdlib reads the UDF too).
#[test]
fn named_streams_do_not_disturb_readers() {
    use imapi2::fs::{DataSource, FileSystemImage, FileSystems};
    if !require_tools(TOOLS) {
        return;
    }
    let work = scratch();
    let big = noise(50_000, 4);
    for rev in [0x0200u16, 0x0250] {
        for (bridge, with_big) in [(false, false), (false, true), (true, false), (true, true)] {
            let mut img = FileSystemImage::new();
            let fs = if bridge {
                FileSystems::ISO9660 | FileSystems::UDF
            } else {
                FileSystems::UDF
            };
            img.set_file_systems_to_create(fs).unwrap();
            img.set_udf_revision(rev).unwrap();
            let root = img.root();
            let f = img
                .add_file(
                    root,
                    "with streams.txt",
                    DataSource::Bytes(b"main data"[..].into()),
                )
                .unwrap();
            img.add_stream(f, "small", DataSource::Bytes(b"s"[..].into()))
                .unwrap();
            img.add_stream(f, "large", DataSource::Bytes(noise(100_000, 3).into()))
                .unwrap();
            img.add_file(root, "plain.txt", DataSource::Bytes(b"plain"[..].into()))
                .unwrap();
            if with_big {
                img.add_file(root, "big.bin", DataSource::Bytes(big.clone().into()))
                    .unwrap();
            }
            let what = format!("UDF {rev:x} bridge={bridge} big={with_big}");
            let path = work
                .path()
                .join(format!("streams-{rev:x}-{bridge}-{with_big}.iso"));
            img.create_result_image()
                .unwrap()
                .write_to_path(&path)
                .unwrap();
            let info = udfinfo(&path);
            assert_eq!(info["numfiles"], if with_big { "3" } else { "2" }, "{what}");
            let x = |n: &str| work.path().join(format!("{n}-{rev:x}-{bridge}-{with_big}"));
            let mut views = vec![
                ("7-Zip", sevenzip_udf_view(&path, &x("s7"))),
                ("libudfread", udfread_view(&path, &x("su"))),
            ];
            if bridge {
                views.push(("pycdlib", pycdlib_view(&path, View::Udf)));
            }
            for (reader, m) in views {
                let names: Vec<&String> = m.keys().collect();
                assert!(
                    names.contains(&&"/with streams.txt".to_string())
                        && names.contains(&&"/plain.txt".to_string()),
                    "{what}: {reader}: {names:?}"
                );
                assert_eq!(m["/with streams.txt"].size, Some(9), "{what}: {reader}");
                if with_big {
                    assert_eq!(
                        m["/big.bin"].content,
                        sha256_reader(&big[..]).1,
                        "{what}: {reader}"
                    );
                }
            }
        }
    }
}
