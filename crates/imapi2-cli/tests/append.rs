//! `imapi2 mkimage --append-to`: a second session on an image file, read
//! back as the merged tree by tools we did not write (xorriso, bsdtar,
//! pycdlib, 7-Zip, the Linux kernel), with the first session unchanged.

mod common;

use std::fs;
use std::os::unix::fs::symlink;
use std::path::Path;
use std::process::Command;

use common::*;

const TOOLS: &[&str] = &[
    "xorriso", "bsdtar", "7z", "isovfy", "isoinfo", "iso-info", "blkid", "python3",
];

/// The first session's tree, the second's, and what the merge looks like
/// on disk (`cp -a` of one over the other: later files replace earlier).
fn trees(work: &Path) -> (std::path::PathBuf, std::path::PathBuf, std::path::PathBuf) {
    let v1 = work.join("v1");
    write(&v1.join("docs/readme.txt"), b"version one\n", 0o644);
    write(&v1.join("docs/keep.txt"), b"kept\n", 0o600);
    std::os::unix::fs::chown(v1.join("docs/keep.txt"), Some(1234), Some(5678)).unwrap();
    write(&v1.join("big.bin"), &noise(3 << 20, 1), 0o644);
    write(&v1.join("Grüße 日本.txt"), b"unicode", 0o644);
    symlink("docs/readme.txt", v1.join("link")).unwrap();
    let mut p = v1.join("deep");
    for level in 1..=10 {
        p = p.join(format!("d{level}"));
    }
    write(&p.join("bottom.txt"), b"deep", 0o644);
    let v2 = work.join("v2");
    write(&v2.join("docs/readme.txt"), b"version two, longer\n", 0o644);
    write(&v2.join("docs/new.txt"), b"new in two\n", 0o644);
    write(&v2.join("added/data.bin"), &noise(100_000, 2), 0o640);
    let merged = work.join("merged");
    for v in [&v1, &v2] {
        run_ok(
            Command::new("cp")
                .arg("-a")
                .arg(format!("{}/.", v.display()))
                .arg(&merged),
        );
    }
    (v1, v2, merged)
}

fn is_root() -> bool {
    run_ok(Command::new("id").arg("-u")).trim() == "0"
}

#[test]
fn random_write_session_reads_as_the_merged_tree_everywhere() {
    if !require_tools(TOOLS) {
        return;
    }
    let work = scratch();
    let (v1, v2, merged) = trees(work.path());
    let img = work.path().join("img.iso");
    mkimage(&v1, &img, &[]);
    let first = fs::read(&img).unwrap();
    run_ok(
        imapi2()
            .args(["mkimage", "-q", "--append-to"])
            .arg(&img)
            .arg(&v2),
    );
    let after = fs::read(&img).unwrap();
    // The second session holds only the new data: the 3 MiB file is shared.
    assert!(
        after.len() - first.len() < 400_000,
        "the session grew the image by {} bytes",
        after.len() - first.len()
    );
    // Nothing before the descriptors at 16 and nothing after them changed.
    assert_eq!(&after[..16 * 2048], &first[..16 * 2048]);
    assert_eq!(&after[32 * 2048..first.len()], &first[32 * 2048..]);
    structure_checks(&img);
    let rr = manifest_dir(&merged);
    let x = |n: &str| work.path().join(n);
    let mut ours = imapi2();
    ours.args(["extract", "-q"]);
    if is_root() {
        ours.arg("--owners");
    }
    run_ok(ours.arg(&img).arg(x("ours")));
    assert_same("imapi2", &rr, &manifest_dir(&x("ours")), is_root());
    assert_same(
        "xorriso",
        &rr,
        &xorriso_view(&img, View::RockRidge, &x("xo")),
        true,
    );
    assert_same(
        "bsdtar",
        &rr,
        &bsdtar_view(&img, View::RockRidge, &x("bt")),
        true,
    );
    assert_same("pycdlib", &rr, &pycdlib_view(&img, View::RockRidge), true);
    assert_eq!(
        file_contents(&rr),
        file_contents(&sevenzip_view(&img, &x("7z"))),
        "7-Zip (Joliet): file contents"
    );
    if require_tools(&["qemu-system-x86_64"]) {
        assert_same(
            "Linux isofs",
            &rr,
            &kernel_view(&img, View::RockRidge),
            true,
        );
    }
}

#[test]
fn sequential_session_keeps_the_first_untouched() {
    if !require_tools(TOOLS) {
        return;
    }
    let work = scratch();
    let (v1, v2, merged) = trees(work.path());
    let img = work.path().join("seq.iso");
    mkimage(&v1, &img, &[]);
    let first = fs::read(&img).unwrap();
    run_ok(
        imapi2()
            .args([
                "mkimage",
                "-q",
                "--session-mode",
                "sequential",
                "--append-to",
            ])
            .arg(&img)
            .arg(&v2),
    );
    let after = fs::read(&img).unwrap();
    assert_eq!(
        &after[..first.len()],
        &first[..],
        "the first session changed"
    );
    let info: serde_json::Value =
        serde_json::from_str(&run_ok(imapi2().args(["info", "--json"]).arg(&img))).unwrap();
    let sessions = info["sessions"].as_array().unwrap().clone();
    assert_eq!(sessions.len(), 2, "{info}");
    let start = sessions[1].as_u64().unwrap();
    assert_eq!(start % 32, 0);
    let x = |n: &str| work.path().join(n);
    let rr = manifest_dir(&merged);
    run_ok(imapi2().args(["extract", "-q"]).arg(&img).arg(x("new")));
    assert_same(
        "imapi2, newest session",
        &rr,
        &manifest_dir(&x("new")),
        false,
    );
    run_ok(
        imapi2()
            .args(["extract", "-q", "--session", "1"])
            .arg(&img)
            .arg(x("old")),
    );
    assert_same(
        "imapi2, first session",
        &manifest_dir(&v1),
        &manifest_dir(&x("old")),
        false,
    );
    // xorriso loads the session at a given block and sees the merged tree.
    run_ok(
        Command::new("xorriso")
            .args([
                "-abort_on",
                "FAILURE",
                "-load",
                "sbsector",
                &start.to_string(),
            ])
            .arg("-indev")
            .arg(&img)
            .args(["-osirrox", "on", "-extract", "/"])
            .arg(x("xo")),
    );
    assert_same("xorriso -load sbsector", &rr, &manifest_dir(&x("xo")), true);
    // Without that, readers see the first session, as on a CD-R read by a
    // tool that ignores the table of contents.
    assert_same(
        "xorriso, block 16",
        &manifest_dir(&v1),
        &xorriso_view(&img, View::RockRidge, &x("x16")),
        true,
    );
    if require_tools(&["qemu-system-x86_64"]) {
        let out = run_ok(
            Command::new("bash")
                .arg(tool_script("kernel-view.sh"))
                .arg(&img)
                .arg("iso9660")
                .arg(format!("ro,sbsector={start}")),
        );
        assert_same("Linux isofs, sbsector", &rr, &parse_manifest(&out), true);
    }
}

#[test]
fn appending_to_a_xorriso_image_and_refusals() {
    if !require_tools(TOOLS) {
        return;
    }
    let work = scratch();
    let (v1, v2, merged) = trees(work.path());
    let img = work.path().join("x.iso");
    run_ok(
        Command::new("xorriso")
            .args(["-as", "mkisofs", "-quiet", "-R", "-J", "-o"])
            .arg(&img)
            .arg(&v1),
    );
    run_ok(
        imapi2()
            .args(["mkimage", "-q", "--append-to"])
            .arg(&img)
            .arg(&v2),
    );
    let x = |n: &str| work.path().join(n);
    assert_same(
        "xorriso reading our session on its image",
        &manifest_dir(&merged),
        &xorriso_view(&img, View::RockRidge, &x("xo")),
        true,
    );
    structure_checks(&img);
    // Not an image at all.
    let junk = work.path().join("junk.bin");
    fs::write(&junk, vec![0x5A; 100_000]).unwrap();
    let out = imapi2()
        .args(["mkimage", "-q", "--append-to"])
        .arg(&junk)
        .arg(&v2)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("imapi2: error:"));
}
