//! `imapi2 burn` to virtual recorders: every medium family burnt from a
//! tree with nasty names and big and small files, read back by `imapi2
//! extract` from the recorder, the medium's state as IMAPI reports it, the
//! medium's data checked by the outside readers of
//! `../shared/validate/iso-validate.sh`; refusals before any WRITE; JSON
//! events; the progress bar in a terminal; Ctrl-C.

mod common;

use std::io::{BufRead, BufReader, Read};
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::*;
use serde_json::Value;

/// `imapi2` with a registry of its own.
fn imapi(cfg: &Path) -> Command {
    let mut c = imapi2();
    c.env("XDG_CONFIG_HOME", cfg)
        .env_remove("IMAPI2_VIRTUAL_RECORDERS");
    c
}

fn nasty_tree(src: &Path) {
    write(&src.join("big.bin"), &noise(5 << 20, 1), 0o644);
    write(&src.join("small.txt"), b"small\n", 0o644);
    write(&src.join("empty"), b"", 0o600);
    write(&src.join("with spaces/and ; semicolons.txt"), b"x", 0o644);
    write(&src.join("Grüße 日本/файл.txt"), "ü".as_bytes(), 0o644);
    write(&src.join("UPPER.TXT"), b"upper", 0o644);
    write(&src.join("upper.txt"), b"lower", 0o644);
    write(
        &src.join(format!("{}.dat", "n".repeat(200))),
        b"long",
        0o644,
    );
    let mut deep = src.join("deep");
    for i in 0..10 {
        deep = deep.join(format!("d{i}"));
    }
    write(&deep.join("bottom.txt"), b"bottom", 0o644);
    // No symbolic link here: 7-Zip and pycdlib cannot read UDF volumes
    // holding one (see readers_agree.rs); links are burnt and read back in
    // `links_burn_and_read_back`.
    for i in 0..200 {
        write(
            &src.join(format!("many/f{i:03}.txt")),
            format!("{i}\n").as_bytes(),
            0o644,
        );
    }
}

/// Runs iso-validate.sh on an image, with 7-Zip under the name the script
/// calls (`7z`) when only `7zz` is installed.
fn outside_readers_agree(img: &Path, shim: &Path) {
    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/validate/iso-validate.sh");
    if !script.is_file() {
        assert!(
            std::env::var("CI").is_err(),
            "{} is missing",
            script.display()
        );
        return;
    }
    std::fs::create_dir_all(shim).unwrap();
    let seven = tool_path("7z");
    let link = shim.join("7z");
    if !link.exists() {
        symlink(&seven, &link).unwrap();
    }
    let path = format!(
        "{}:{}",
        shim.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let o = Command::new("bash")
        .arg(&script)
        .arg("-q")
        .arg(img)
        .env("PATH", path)
        .output()
        .unwrap();
    // pycdlib reads UDF only beside ISO 9660: on a UDF-only volume (IMAPI's
    // choice for BD) it fails with "must have at least one PVD", whoever
    // wrote the volume. Every other check must pass.
    let udf_only = std::fs::read(img)
        .map(|d| d.get(16 * 2048 + 1..16 * 2048 + 6) != Some(&b"CD001"[..]))
        .unwrap_or(false);
    let text = String::from_utf8_lossy(&o.stdout);
    let failed: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("\tFAIL\t"))
        .filter(|l| !(udf_only && l.starts_with("pycdlib-udf\t") && l.contains("at least one PVD")))
        .collect();
    assert!(
        failed.is_empty(),
        "iso-validate.sh {}:\n{}{}",
        img.display(),
        failed.join("\n"),
        String::from_utf8_lossy(&o.stderr)
    );
}

/// The full path of an outside tool.
fn tool_path(name: &str) -> PathBuf {
    let t = common::tool(name);
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {t}"))
        .output()
        .unwrap();
    PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
}

fn media_json(cfg: &Path, rec: &str) -> Value {
    let out = run_ok(imapi(cfg).args(["info", "--drive", rec, "--json"]));
    let v: Value = serde_json::from_str(out.trim()).unwrap();
    v["media"].clone()
}

/// The medium's data file (the recorder's newest disc directory).
fn data_file(dir: &Path) -> PathBuf {
    let mut discs: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("medium.state").is_file())
        .collect();
    discs.sort_by_key(|p| {
        p.file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_prefix("disc-"))
            .and_then(|n| n.parse::<u32>().ok())
            .unwrap_or(0)
    });
    discs.last().expect("a disc").join("data.bin")
}

#[test]
fn every_medium_family_burns_a_tree_that_reads_back_identically() {
    if !require_tools(&[
        "xorriso", "7z", "bsdtar", "isovfy", "isoinfo", "iso-info", "python3", "udfinfo",
    ]) {
        return;
    }
    let work = scratch();
    let cfg = work.path().join("cfg");
    let src = work.path().join("src");
    nasty_tree(&src);
    let expected = manifest_dir(&src);
    // (medium, state flags afterwards)
    let cases = [
        ("cd-r", "APPENDABLE"),
        ("cd-rw", "APPENDABLE"),
        ("dvd-r", "APPENDABLE"),
        ("dvd-rw", "APPENDABLE"),
        ("dvd-r-dl", "FINALIZED"),
        ("dvd+r", "FINALIZED"),
        ("dvd+r-dl", "FINALIZED"),
        ("dvd+rw", "OVERWRITE_ONLY"),
        ("dvd-ram", "OVERWRITE_ONLY"),
        ("bd-r", "APPENDABLE"),
        ("bd-re", "OVERWRITE_ONLY"),
    ];
    for (media, flag) in cases {
        let dir = work.path().join(media);
        let rec = format!("virtual:{}", dir.display());
        let o = imapi(&cfg)
            .args([
                "burn", "--drive", &rec, "--blank", media, "--verify", "full",
            ])
            .arg(&src)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "{media}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let summary = String::from_utf8_lossy(&o.stderr);
        assert!(
            summary.contains("burnt") && summary.contains("verified"),
            "{media}: {summary}"
        );
        let m = media_json(&cfg, &rec);
        let status: Vec<&str> = m["status"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|s| s.as_str())
            .collect();
        assert!(status.contains(&flag), "{media}: {m}");
        assert!(!status.contains(&"BLANK"), "{media}: {m}");
        let out = work.path().join(format!("x-{media}"));
        run_ok(
            imapi(&cfg)
                .args(["extract", "-q", "--owners"])
                .arg(&rec)
                .arg(&out),
        );
        let d = diff(&expected, &manifest_dir(&out), true);
        assert!(d.is_empty(), "{media}: {}", d.join("\n"));
        outside_readers_agree(&data_file(&dir), &work.path().join("shim"));
    }
}

#[test]
fn links_burn_and_read_back() {
    let work = scratch();
    let cfg = work.path().join("cfg");
    let src = work.path().join("src");
    write(&src.join("file.txt"), b"data", 0o644);
    symlink("file.txt", src.join("link")).unwrap();
    symlink("/etc/passwd", src.join("abs")).unwrap();
    for media in ["cd-r", "dvd+r", "bd-re"] {
        let rec = format!("virtual:{}", work.path().join(media).display());
        run_ok(
            imapi(&cfg)
                .args(["burn", "-q", "--drive", &rec, "--blank", media])
                .arg(&src),
        );
        let out = work.path().join(format!("x-{media}"));
        run_ok(imapi(&cfg).args(["extract", "-q"]).arg(&rec).arg(&out));
        assert_eq!(
            std::fs::read_link(out.join("link")).unwrap(),
            Path::new("file.txt"),
            "{media}"
        );
    }
}

#[test]
fn refusals_come_before_any_write_with_their_imapi_code() {
    let work = scratch();
    let cfg = work.path().join("cfg");
    let src = work.path().join("src");
    write(&src.join("a.txt"), b"a", 0o644);
    let big = work.path().join("big");
    write(&big.join("big.bin"), &noise(800 << 20, 2), 0o644);
    let burn = |rec: &str, extra: &[&str], what: &Path| {
        imapi(&cfg)
            .args(["burn", "--drive", rec])
            .args(extra)
            .arg(what)
            .output()
            .unwrap()
    };
    let expect = |o: std::process::Output, code: &str, words: &str| {
        let err = String::from_utf8_lossy(&o.stderr).to_string();
        assert_eq!(o.status.code(), Some(1), "{err}");
        assert!(
            err.contains(code) && err.contains(words),
            "want {code} / {words:?}: {err}"
        );
        assert_eq!(err.lines().count(), 1, "one line: {err}");
    };
    let cd = format!("virtual:{}", work.path().join("cd").display());
    // a CD-R too small for the image
    expect(
        burn(&cd, &["--blank", "cd-r"], &big),
        "IMAPI_E_IMAGE_SIZE_LIMIT",
        "",
    );
    assert!(
        media_json(&cfg, &cd)["status"]
            .to_string()
            .contains("BLANK"),
        "untouched"
    );
    // a finalized disc
    let dvd = format!("virtual:{}", work.path().join("dvd").display());
    run_ok(
        imapi(&cfg)
            .args(["burn", "-q", "--drive", &dvd, "--blank", "dvd+r"])
            .arg(&src),
    );
    expect(
        burn(&dvd, &[], &src),
        "E_IMAPI_DF2DATA_INVALID_MEDIA_STATE",
        "finalized",
    );
    // a test write where the medium has none
    expect(
        burn(&dvd, &["--blank", "dvd+r", "--dummy"], &src),
        "E_IMAPI_DF2DATA_RECORDER_NOT_SUPPORTED",
        "test-written",
    );
    // an overwritable medium holding data, without --overwrite
    let rw = format!("virtual:{}", work.path().join("rw").display());
    run_ok(
        imapi(&cfg)
            .args(["burn", "-q", "--drive", &rw, "--blank", "dvd+rw"])
            .arg(&src),
    );
    expect(
        burn(&rw, &[], &src),
        "E_IMAPI_DF2DATA_MEDIA_NOT_BLANK",
        "--overwrite",
    );
    run_ok(
        imapi(&cfg)
            .args(["burn", "-q", "--drive", &rw, "--overwrite"])
            .arg(&src),
    );
    // a pressed disc
    let rom = work.path().join("rom");
    run_ok(
        imapi(&cfg)
            .args(["virtual", "create"])
            .arg(&rom)
            .args(["--drive", "dvd"]),
    );
    let iso = work.path().join("a.iso");
    mkimage(&src, &iso, &[]);
    run_ok(
        imapi(&cfg)
            .args(["virtual", "insert"])
            .arg(&rom)
            .arg("--image")
            .arg(&iso),
    );
    let rom = format!("virtual:{}", rom.display());
    expect(
        burn(&rom, &[], &src),
        "E_IMAPI_DF2DATA_MEDIA_IS_NOT_SUPPORTED",
        "cannot be written",
    );
    // no medium
    let empty = work.path().join("empty");
    run_ok(
        imapi(&cfg)
            .args(["virtual", "create"])
            .arg(&empty)
            .args(["--drive", "dvd"]),
    );
    let empty = format!("virtual:{}", empty.display());
    expect(
        burn(&empty, &[], &src),
        "E_IMAPI_RECORDER_MEDIA_NO_MEDIA",
        "no medium",
    );
}

#[test]
fn json_events_carry_the_imapi_fields() {
    let work = scratch();
    let cfg = work.path().join("cfg");
    let src = work.path().join("src");
    write(&src.join("big.bin"), &noise(4 << 20, 3), 0o644);
    let rec = format!("virtual:{}", work.path().join("bd").display());
    let out = run_ok(
        imapi(&cfg)
            .args(["burn", "--json", "--drive", &rec, "--blank", "bd-re"])
            .arg(&src),
    );
    let events: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect();
    let kinds: Vec<&str> = events.iter().filter_map(|e| e["event"].as_str()).collect();
    assert_eq!(kinds.first(), Some(&"scanning"));
    assert_eq!(kinds.last(), Some(&"done"));
    let actions: Vec<&str> = events
        .iter()
        .filter(|e| e["event"] == "progress")
        .filter_map(|e| e["current_action"].as_str())
        .collect();
    for a in [
        "IMAPI_FORMAT2_DATA_WRITE_ACTION_VALIDATING_MEDIA",
        "IMAPI_FORMAT2_DATA_WRITE_ACTION_FORMATTING_MEDIA",
        "IMAPI_FORMAT2_DATA_WRITE_ACTION_WRITING_DATA",
        "IMAPI_FORMAT2_DATA_WRITE_ACTION_FINALIZATION",
        "IMAPI_FORMAT2_DATA_WRITE_ACTION_VERIFYING",
        "IMAPI_FORMAT2_DATA_WRITE_ACTION_COMPLETED",
    ] {
        assert!(actions.contains(&a), "{a} in {actions:?}");
    }
    let writing = events
        .iter()
        .rev()
        .find(|e| e["current_action"] == "IMAPI_FORMAT2_DATA_WRITE_ACTION_WRITING_DATA")
        .unwrap();
    for field in [
        "start_lba",
        "sector_count",
        "last_read_lba",
        "last_written_lba",
        "total_system_buffer",
        "used_system_buffer",
        "free_system_buffer",
        "elapsed_time",
        "remaining_time",
        "total_time",
    ] {
        assert!(writing[field].is_number(), "{field}: {writing}");
    }
    assert!(writing["total_system_buffer"].as_u64().unwrap() > 0);
    assert!(
        writing["device_buffer_size"]
            .as_u64()
            .is_some_and(|n| n > 0),
        "{writing}"
    );
}

#[test]
fn the_progress_bar_is_seen_in_a_terminal() {
    if !require_tools(&["script"]) {
        return;
    }
    let work = scratch();
    let cfg = work.path().join("cfg");
    let src = work.path().join("src");
    write(&src.join("big.bin"), &noise(8 << 20, 4), 0o644);
    let rec = format!("virtual:{}", work.path().join("dvd").display());
    let bin = env!("CARGO_BIN_EXE_imapi2");
    let cmd = format!(
        "{bin} burn --drive {rec} --blank dvd+rw --verify full {}",
        src.display()
    );
    let o = Command::new("script")
        .args(["-qec", &cmd, "/dev/null"])
        .env("XDG_CONFIG_HOME", &cfg)
        .env("COLUMNS", "100")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{text}");
    assert!(text.contains('%') && text.contains("ETA"), "a bar: {text}");
    assert!(text.contains("burnt"), "the summary: {text}");
}

#[test]
fn ctrl_c_cancels_and_says_what_the_medium_holds() {
    let work = scratch();
    let cfg = work.path().join("cfg");
    let src = work.path().join("src");
    for i in 0..60 {
        write(&src.join(format!("f{i}.bin")), &noise(1 << 20, i), 0o644);
    }
    let rec = format!("virtual:{}", work.path().join("dvd").display());
    let mut child = imapi(&cfg)
        .args(["burn", "--json", "--drive", &rec, "--blank", "dvd+r"])
        .arg(&src)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id().to_string();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    for l in lines.by_ref() {
        if l.unwrap().contains("WRITING_DATA") {
            break;
        }
    }
    run_ok(Command::new("kill").args(["-INT", &pid]));
    for l in lines.by_ref() {
        let _ = l;
    }
    let status = child.wait().unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert_eq!(status.code(), Some(130), "{err}");
    assert!(err.contains("E_IMAPI_REQUEST_CANCELLED"), "{err}");
    assert!(
        err.contains("open session") || err.contains("nothing was written"),
        "{err}"
    );
    // The drive was let go: the next command works, and `imapi2 close`
    // closes the open session the cancel left.
    let m = media_json(&cfg, &rec);
    assert_eq!(m["present"], true, "{m}");
    if err.contains("open session") {
        assert!(m["status"].to_string().contains("NON_EMPTY_SESSION"), "{m}");
        let said = run_ok(imapi(&cfg).args(["close", "--drive", &rec]));
        assert!(said.contains("closed"), "{said}");
        let m = media_json(&cfg, &rec);
        let status = m["status"].to_string();
        assert!(
            status.contains("APPENDABLE") && !status.contains("NON_EMPTY_SESSION"),
            "{m}"
        );
    }
}
