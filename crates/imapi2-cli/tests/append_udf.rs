//! UDF in sessions after the first, on image files (`mkimage --append-to`):
//! the merged tree read back from the newest session's UDF by tools we did
//! not write (udfinfo, 7-Zip, libudfread, the Linux kernel's udf driver),
//! alone and bridged with ISO 9660; and the appends that are refused.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;

const TOOLS: &[&str] = &["udfinfo", "7z", "cc", "xorriso"];

/// Three sessions' sources and, after each, the tree the medium should
/// hold (`cp -a` of each over the last: later files replace earlier).
fn sessions(work: &Path) -> Vec<(PathBuf, PathBuf)> {
    let v1 = work.join("v1");
    write(&v1.join("docs/readme.txt"), b"version one\n", 0o644);
    write(&v1.join("docs/keep.txt"), b"kept\n", 0o600);
    write(&v1.join("big.bin"), &noise(3 << 20, 1), 0o644);
    write(&v1.join("Grüße 日本.txt"), b"unicode", 0o644);
    let mut p = v1.join("deep");
    for level in 1..=10 {
        p = p.join(format!("d{level}"));
    }
    write(&p.join("bottom.txt"), b"deep", 0o644);
    let v2 = work.join("v2");
    write(&v2.join("docs/readme.txt"), b"version two, longer\n", 0o644);
    write(&v2.join("docs/new.txt"), b"new in two\n", 0o644);
    write(&v2.join("added/data.bin"), &noise(100_000, 2), 0o640);
    let v3 = work.join("v3");
    write(&v3.join("third/t.txt"), b"three\n", 0o644);
    write(&v3.join("big2.bin"), &noise(200_000, 3), 0o644);
    let versions = [v1, v2, v3];
    let mut out = Vec::new();
    for (n, v) in versions.iter().enumerate() {
        let merged = work.join(format!("merged{}", n + 1));
        for src in &versions[..=n] {
            run_ok(
                Command::new("cp")
                    .arg("-a")
                    .arg(format!("{}/.", src.display()))
                    .arg(&merged),
            );
        }
        out.push((v.clone(), merged));
    }
    out
}

/// Files (not directories, the root not counted) and directories (the
/// root counted) of a host tree, as udfinfo counts them.
fn counts(m: &Manifest) -> (usize, usize) {
    let dirs = m.values().filter(|r| r.kind == 'd').count() + 1;
    (m.len() + 1 - dirs, dirs)
}

fn append(img: &Path, extra: &[&str], src: &Path) -> std::process::Output {
    imapi2()
        .args(["mkimage", "-q", "--append-to"])
        .arg(img)
        .args(extra)
        .arg(src)
        .output()
        .unwrap()
}

fn append_ok(img: &Path, extra: &[&str], src: &Path) {
    let o = append(img, extra, src);
    assert!(
        o.status.success(),
        "append {extra:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// The newest UDF tree of `img` as udfinfo (from `start`), 7-Zip,
/// libudfread and imapi2 read it, against `merged`.
fn check_newest(img: &Path, merged: &Path, rev: &str, start: u64, work: &Path, step: &str) {
    let want = manifest_dir(merged);
    let x = |n: &str| work.join(format!("{step}-{n}"));
    let out = x("ours");
    run_ok(
        imapi2()
            .args(["extract", "-q", "--fs", "udf"])
            .arg(img)
            .arg(&out),
    );
    assert_same(
        &format!("{step}: imapi2"),
        &want,
        &manifest_dir(&out),
        false,
    );
    let info: std::collections::BTreeMap<String, String> = run_ok(
        Command::new("udfinfo")
            .arg(format!("--startblock={start}"))
            .arg(img),
    )
    .lines()
    .filter_map(|l| l.split_once('='))
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let (files, dirs) = counts(&want);
    assert_eq!(info["numfiles"], files.to_string(), "{step}: {info:?}");
    assert_eq!(info["numdirs"], dirs.to_string(), "{step}: {info:?}");
    assert_eq!(info["udfwriterev"], rev, "{step}");
    assert_eq!(info["accesstype"], "readonly", "{step}");
    assert_eq!(info["integrity"], "closed", "{step}");
    if start == 0 {
        // Readers that know no sessions read block 256: on a random-write
        // medium it names the newest session.
        assert_same(
            &format!("{step}: 7-Zip"),
            &want,
            &sevenzip_udf_view(img, &x("7z")),
            false,
        );
        assert_same(
            &format!("{step}: libudfread"),
            &want,
            &udfread_view(img, &x("udfread")),
            false,
        );
    }
}

/// Three sessions, random-write (the default on image files): every reader
/// sees the merged tree in UDF, alone and bridged; the bridge's Rock Ridge
/// agrees; the kernel mounts the last one.
#[test]
fn random_write_udf_sessions_read_back_everywhere() {
    if !require_tools(TOOLS) {
        return;
    }
    let work = scratch();
    let w = work.path();
    let steps = sessions(w);
    for (fs_list, rev) in [("iso9660,joliet,rockridge,udf", "2.01"), ("udf", "2.50")] {
        let bridge = fs_list.contains("iso9660");
        let img = w.join(format!("rw-{rev}.iso"));
        mkimage(&steps[0].0, &img, &["--fs", fs_list, "--udf-revision", rev]);
        for (n, (src, merged)) in steps.iter().enumerate().skip(1) {
            let before = fs::metadata(&img).unwrap().len();
            append_ok(&img, &[], src);
            assert!(fs::metadata(&img).unwrap().len() > before);
            let step = format!("{rev} session {}", n + 1);
            check_newest(&img, merged, rev, 0, w, &step);
            if bridge {
                assert_same(
                    &format!("{step}: xorriso RR"),
                    &manifest_dir(merged),
                    &xorriso_view(&img, View::RockRidge, &w.join(format!("{step}-xo"))),
                    false,
                );
            }
        }
        if require_tools(&["qemu-system-x86_64"]) {
            let last = &steps[2].1;
            assert_same(
                &format!("{rev}: Linux udf"),
                &expected_view(last, View::Udf, 2),
                &kernel_view(&img, View::Udf),
                true,
            );
        }
    }
}

/// Sequential sessions on an image file: nothing before the new session
/// changes; the newest UDF volume is found at its start (by imapi2 through
/// the ISO 9660 sessions, by udfinfo and the kernel when told where), the
/// first still reads as it was.
#[test]
fn sequential_udf_session_starts_a_volume_of_its_own() {
    if !require_tools(TOOLS) {
        return;
    }
    let work = scratch();
    let w = work.path();
    let steps = sessions(w);
    let img = w.join("seq.iso");
    mkimage(
        &steps[0].0,
        &img,
        &[
            "--fs",
            "iso9660,joliet,rockridge,udf",
            "--udf-revision",
            "2.50",
        ],
    );
    let first = fs::read(&img).unwrap();
    append_ok(&img, &["--session-mode", "sequential"], &steps[1].0);
    let after = fs::read(&img).unwrap();
    assert!(
        after[..first.len()] == first[..],
        "the first session changed"
    );
    let info: serde_json::Value =
        serde_json::from_str(&run_ok(imapi2().args(["info", "--json"]).arg(&img))).unwrap();
    let starts = info["sessions"].as_array().unwrap().clone();
    assert_eq!(starts.len(), 2, "{info}");
    let start = starts[1].as_u64().unwrap();
    check_newest(&img, &steps[1].1, "2.50", start, w, "sequential");
    let old = w.join("old");
    run_ok(
        imapi2()
            .args(["extract", "-q", "--fs", "udf", "--session", "1"])
            .arg(&img)
            .arg(&old),
    );
    assert_same(
        "the first session's UDF",
        &manifest_dir(&steps[0].1),
        &manifest_dir(&old),
        false,
    );
    if require_tools(&["qemu-system-x86_64"]) {
        let out = run_ok(
            Command::new("bash")
                .arg(tool_script("kernel-view.sh"))
                .arg(&img)
                .arg("udf")
                .arg(format!("ro,session={start}")),
        );
        assert_same(
            "Linux udf, session=",
            &expected_view(&steps[1].1, View::Udf, 2),
            &parse_manifest(&out),
            true,
        );
    }
}

/// What cannot be appended is refused before anything is written, with the
/// IMAPI code and what to do instead.
#[test]
fn udf_appends_that_cannot_be_written_are_refused() {
    let work = scratch();
    let w = work.path();
    let steps = sessions(w);
    let refused = |img: &Path, extra: &[&str], code: &str, says: &str| {
        let before = fs::read(img).unwrap();
        let o = append(img, extra, &steps[1].0);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{extra:?}: {err}");
        assert!(err.contains(code), "{extra:?}: {err}");
        assert!(err.contains(says), "{extra:?}: {err}");
        assert!(
            fs::read(img).unwrap() == before,
            "{extra:?}: the image changed"
        );
    };
    // UDF added after an ISO 9660 first session of a random-write medium:
    // block 256 holds that session's data.
    let iso = w.join("iso.iso");
    mkimage(&steps[0].0, &iso, &["--fs", "iso9660,joliet,rockridge"]);
    refused(
        &iso,
        &["--fs", "iso9660,joliet,rockridge,udf"],
        "IMAPI_E_FILE_SYSTEM_CHANGE_NOT_ALLOWED",
        "block 256",
    );
    // The medium's UDF left out, or its revision changed.
    let bridge = w.join("bridge.iso");
    mkimage(
        &steps[0].0,
        &bridge,
        &["--fs", "iso9660,joliet,rockridge,udf"],
    );
    refused(
        &bridge,
        &["--fs", "iso9660,joliet,rockridge"],
        "IMAPI_E_FILE_SYSTEM_CHANGE_NOT_ALLOWED",
        "must write UDF too",
    );
    refused(
        &bridge,
        &["--udf-revision", "2.50"],
        "IMAPI_E_UDF_REVISION_CHANGE_NOT_ALLOWED",
        "1.02",
    );
    // A sequential UDF-only session on an image file: nothing would find it.
    let alone = w.join("alone.iso");
    mkimage(&steps[0].0, &alone, &["--fs", "udf"]);
    refused(
        &alone,
        &["--session-mode", "sequential"],
        "IMAPI_E_FILE_SYSTEM_CHANGE_NOT_ALLOWED",
        "append random-write",
    );
}
