//! `imapi2 drives`, `info --drive`, `eject`, `load` and `virtual ...` on
//! virtual recorders, each in its own registry (XDG_CONFIG_HOME).

mod common;

use std::path::Path;
use std::process::Command;

use common::*;
use serde_json::Value;

fn tool(cfg: &Path) -> Command {
    let mut c = imapi2();
    c.env("XDG_CONFIG_HOME", cfg)
        .env_remove("IMAPI2_VIRTUAL_RECORDERS");
    c
}

fn json_of(cfg: &Path, args: &[&str]) -> Value {
    let out = run_ok(tool(cfg).args(args));
    serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("{args:?}: {e}: {out}"))
}

#[test]
fn every_medium_kind_is_named_with_its_profile_and_state() {
    let work = scratch();
    let cfg = work.path().join("cfg");
    // (medium, physical type, profile, IMAPI media type)
    let cases = [
        ("cd-r", "CD-R", 0x09, 2),
        ("cd-rw", "CD-RW", 0x0A, 3),
        ("dvd-r", "DVD-R", 0x11, 9),
        ("dvd-rw", "DVD-RW", 0x14, 10),
        ("dvd-r-dl", "DVD-R DL", 0x15, 11),
        ("dvd+r", "DVD+R", 0x1B, 6),
        ("dvd+r-dl", "DVD+R DL", 0x2B, 8),
        ("dvd+rw", "DVD+RW", 0x1A, 7),
        ("dvd-ram", "DVD-RAM", 0x12, 5),
        ("bd-r", "BD-R", 0x41, 18),
        ("bd-re", "BD-RE", 0x43, 19),
    ];
    for (media, name, profile, imapi) in cases {
        let dir = work.path().join(media);
        let made = json_of(
            &cfg,
            &[
                "virtual",
                "create",
                dir.to_str().unwrap(),
                "--media",
                media,
                "--json",
            ],
        );
        let id = made["id"].as_str().unwrap().to_string();
        assert!(id.starts_with("virtual:/"), "{made}");
        let v = json_of(&cfg, &["info", "--drive", &id, "--json"]);
        let m = &v["media"];
        assert_eq!(m["present"], true, "{media}: {v}");
        assert_eq!(m["physical_type"], name, "{media}: {m}");
        assert_eq!(m["profile"], profile, "{media}: {m}");
        assert_eq!(m["imapi_media_type"], imapi, "{media}: {m}");
        let status: Vec<&str> = m["status"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap())
            .collect();
        assert!(status.contains(&"BLANK"), "{media}: {status:?}");
        let overwritable = matches!(media, "dvd+rw" | "dvd-ram" | "bd-re");
        assert_eq!(
            status.contains(&"OVERWRITE_ONLY"),
            overwritable,
            "{media}: {status:?}"
        );
        assert!(
            m["free_sectors"].as_u64().unwrap() > 300_000,
            "{media}: {m}"
        );
        assert_eq!(v["drive"]["vendor"], "IMAPI2", "{v}");
        assert!(
            !v["write_speeds"].as_array().unwrap().is_empty(),
            "{media}: {v}"
        );
    }
    // All of them are listed, each with its medium.
    let all = json_of(&cfg, &["drives", "--json"]);
    let drives = all["drives"].as_array().unwrap();
    let virtuals: Vec<&Value> = drives.iter().filter(|d| d["kind"] == "virtual").collect();
    assert_eq!(virtuals.len(), cases.len(), "{all}");
    assert!(
        virtuals.iter().all(|d| d["media"]["present"] == true),
        "{all}"
    );
    assert!(
        virtuals
            .iter()
            .all(|d| !d["writes"].as_array().unwrap().is_empty()),
        "{all}"
    );
    if !Path::new("/sys/class/block/sr0").exists() {
        assert_eq!(all["real_drives_found"], false);
        let text = run_ok(tool(&cfg).arg("drives"));
        assert!(
            text.starts_with("no optical drives found on this machine\n"),
            "{text}"
        );
        assert!(text.contains("virtual:/"), "{text}");
    }
}

#[test]
fn tray_and_media_changes_persist() {
    let work = scratch();
    let cfg = work.path().join("cfg");
    let dir = work.path().join("rec");
    let d = dir.to_str().unwrap();
    run_ok(tool(&cfg).args(["virtual", "create", d, "--media", "cd-r"]));
    let id = format!("virtual:{d}");
    run_ok(tool(&cfg).args(["eject", "--drive", &id]));
    let v = json_of(&cfg, &["info", "--drive", &id, "--json"]);
    assert_eq!(
        v["media"],
        serde_json::json!({"present": false, "tray_open": true}),
        "{v}"
    );
    run_ok(tool(&cfg).args(["load", "--drive", &id]));
    assert_eq!(
        json_of(&cfg, &["info", "--drive", &id, "--json"])["media"]["present"],
        true
    );
    // Take the disc out, put a DVD-RAM in, then the CD-R back.
    let out = json_of(&cfg, &["virtual", "eject", d, "--json"]);
    let disc = out["disc"].as_str().unwrap().to_string();
    let v = json_of(&cfg, &["info", "--drive", &id, "--json"]);
    assert_eq!(v["media"]["present"], false, "{v}");
    run_ok(tool(&cfg).args(["virtual", "insert", d, "--media", "dvd-ram"]));
    assert_eq!(
        json_of(&cfg, &["info", "--drive", &id, "--json"])["media"]["physical_type"],
        "DVD-RAM"
    );
    run_ok(tool(&cfg).args(["virtual", "eject", d]));
    run_ok(tool(&cfg).args(["virtual", "insert", d, "--disc", &disc]));
    assert_eq!(
        json_of(&cfg, &["info", "--drive", &id, "--json"])["media"]["physical_type"],
        "CD-R"
    );
    // A pressed disc from an image reads as a ROM and is write-protected.
    let iso = work.path().join("x.iso");
    std::fs::write(&iso, vec![0u8; 2048 * 400]).unwrap();
    run_ok(tool(&cfg).args(["virtual", "eject", d]));
    run_ok(tool(&cfg).args(["virtual", "insert", d, "--image", iso.to_str().unwrap()]));
    let m = &json_of(&cfg, &["info", "--drive", &id, "--json"])["media"];
    assert_eq!(m["physical_type"], "CD-ROM", "{m}");
    assert_eq!(m["write_protected"], true, "{m}");
}

#[test]
fn an_old_drive_and_bad_requests() {
    let work = scratch();
    let cfg = work.path().join("cfg");
    let dir = work.path().join("old");
    let d = dir.to_str().unwrap();
    run_ok(tool(&cfg).args([
        "virtual", "create", d, "--media", "cd-rw", "--drive", "mmc1",
    ]));
    let v = json_of(&cfg, &["info", "--drive", d, "--json"]);
    assert_eq!(v["drive"]["get_configuration"], false, "{v}");
    assert_eq!(v["media"]["physical_type"], "CD-RW", "{v}");
    let o = tool(&cfg)
        .args(["info", "--drive", "virtual:/nonexistent/x"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not a virtual recorder"));
    let o = tool(&cfg)
        .args(["info", "--drive", "sr9"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("no recorder"),
        "{o:?}"
    );
    let o = tool(&cfg)
        .args(["virtual", "create", d, "--media", "dvd+r"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "a recorder is already there");
    let o = tool(&cfg)
        .args(["virtual", "insert", d, "--media", "bd-r"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "the tray is full");
    run_ok(tool(&cfg).args(["virtual", "eject", d]));
    let o = tool(&cfg)
        .args(["virtual", "insert", d, "--media", "bd-r"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("cannot take"),
        "{o:?}"
    );
    let o = tool(&cfg)
        .args(["virtual", "insert", d, "--media", "floppy"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("unknown medium"),
        "{o:?}"
    );
}

#[test]
fn ls_extract_and_info_read_the_disc_in_a_recorder() {
    let work = scratch();
    let cfg = work.path().join("cfg");
    let src = work.path().join("src");
    std::fs::create_dir_all(src.join("dir")).unwrap();
    write(&src.join("a.txt"), b"alpha\n", 0o644);
    write(&src.join("dir/b.bin"), &noise(200_000, 3), 0o600);
    let iso = work.path().join("x.iso");
    mkimage(&src, &iso, &[]);
    let dir = work.path().join("rec");
    let d = dir.to_str().unwrap();
    run_ok(tool(&cfg).args(["virtual", "create", d, "--drive", "dvd"]));
    run_ok(tool(&cfg).args(["virtual", "insert", d, "--image", iso.to_str().unwrap()]));
    let id = format!("virtual:{d}");
    let listed = run_ok(tool(&cfg).args(["ls", &id]));
    assert_eq!(listed, "/a.txt\n/dir\n/dir/b.bin\n", "{listed}");
    let out = work.path().join("out");
    run_ok(tool(&cfg).args(["extract", "-q", d]).arg(&out));
    let d1 = diff(&manifest_dir(&src), &manifest_dir(&out), false);
    assert!(d1.is_empty(), "{d1:?}");
    let v = json_of(&cfg, &["info", &id, "--json"]);
    assert_eq!(
        v["blocks"],
        std::fs::metadata(&iso).unwrap().len() / 2048,
        "{v}"
    );
    // With the tray open there is nothing to read, and it says why.
    run_ok(tool(&cfg).args(["eject", "--drive", &id]));
    let o = tool(&cfg).args(["ls", &id]).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("medium not present"),
        "{o:?}"
    );
}

/// A medium the drive cannot read (a fault plan: READ DISC INFORMATION
/// fails with 03/57/00, "unable to recover table of contents") is reported
/// by `info` and `drives`, which go on with the rest.
#[test]
fn an_unreadable_medium_is_reported_not_fatal() {
    let work = scratch();
    let cfg = work.path().join("cfg");
    let dir = work.path().join("rec");
    let d = dir.to_str().unwrap();
    run_ok(tool(&cfg).args(["virtual", "create", d, "--media", "cd-r"]));
    std::fs::write(
        dir.join("faults.plan"),
        "imapi2-emu-faults 1\nat-opcode 51 sense 03/57/00 always\n",
    )
    .unwrap();
    let v = json_of(&cfg, &["info", "--drive", d, "--json"]);
    let e = v["media"]["error"].as_str().unwrap_or_default();
    assert!(
        e.contains("READ DISC INFORMATION") && e.contains("57/00"),
        "{v}"
    );
    assert_eq!(v["drive"]["vendor"], "IMAPI2", "{v}");
    let text = run_ok(tool(&cfg).arg("drives"));
    assert!(text.contains("medium: cannot tell: "), "{text}");
}

#[test]
fn a_paced_recorder_says_its_pace_underruns_and_writing_time() {
    let work = scratch();
    let cfg = work.path().join("cfg");
    let dir = work.path().join("paced");
    let d = dir.to_str().unwrap();
    let made = json_of(
        &cfg,
        &[
            "virtual", "create", d, "--media", "bd-r", "--pace", "16x", "--json",
        ],
    );
    assert_eq!(made["pace"], "16x", "{made}");
    let v = json_of(&cfg, &["info", "--drive", d, "--json"]);
    let drive = &v["drive"];
    assert_eq!(drive["pace"], "16x", "{v}");
    assert_eq!(drive["underruns"], 0, "{v}");
    assert_eq!(drive["writing_seconds"], 0.0, "{v}");
    let text = run_ok(tool(&cfg).args(["info", "--drive", d]));
    assert!(
        text.contains("pace:         16x; 0 underruns; 0.0 s writing"),
        "{text}"
    );
    // Settings: shown, changed, kept in drive.state.
    let s = json_of(&cfg, &["virtual", "pace", d, "--json"]);
    assert_eq!(s["pace"], "16x", "{s}");
    assert_eq!(s["buffer_bytes"], 2 * 1024 * 1024, "{s}");
    assert_eq!(s["when_full"], "wait", "{s}");
    let s = json_of(
        &cfg,
        &[
            "virtual",
            "pace",
            d,
            "100x",
            "--buffer",
            "256k",
            "--when-full",
            "report",
            "--json",
        ],
    );
    assert_eq!(s["pace"], "100x", "{s}");
    assert_eq!(s["buffer_bytes"], 256 * 1024, "{s}");
    assert_eq!(s["when_full"], "report", "{s}");
    let state = std::fs::read_to_string(dir.join("drive.state")).unwrap();
    assert!(state.contains("\npace 100x\n"), "{state}");
    // A burn on the wall clock: time is counted.
    let src = work.path().join("src");
    write(&src.join("a.txt"), b"paced\n", 0o644);
    run_ok(tool(&cfg).args([
        "burn",
        "--drive",
        d,
        src.to_str().unwrap(),
        "--verify",
        "none",
    ]));
    let v = json_of(&cfg, &["info", "--drive", d, "--json"]);
    assert!(v["drive"]["writing_seconds"].as_f64().unwrap() > 0.0, "{v}");
    assert!(v["drive"]["underruns"].as_u64().is_some(), "{v}");
    let s = json_of(&cfg, &["virtual", "pace", d, "--reset", "--json"]);
    assert_eq!(s["underruns"], 0, "{s}");
    assert_eq!(s["writing_seconds"], 0.0, "{s}");
    // Unpaced again: the info says so, and the text has no pace line.
    run_ok(tool(&cfg).args(["virtual", "pace", d, "off"]));
    let v = json_of(&cfg, &["info", "--drive", d, "--json"]);
    assert_eq!(v["drive"]["pace"], serde_json::Value::Null, "{v}");
    let text = run_ok(tool(&cfg).args(["info", "--drive", d]));
    assert!(!text.contains("pace:"), "{text}");
    // Refusals.
    for args in [
        vec!["virtual", "pace", d, "fast"],
        vec!["virtual", "pace", d, "0x"],
        vec!["virtual", "pace", d, "--buffer", "1"],
        vec!["virtual", "pace", d, "--when-full", "never"],
    ] {
        let o = tool(&cfg).args(&args).output().unwrap();
        assert_eq!(o.status.code(), Some(1), "{args:?}: {o:?}");
    }
    let other = work.path().join("other");
    let o = tool(&cfg)
        .args([
            "virtual",
            "create",
            other.to_str().unwrap(),
            "--pace",
            "fast",
        ])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("unknown pace"),
        "{o:?}"
    );
    assert!(!other.join("drive.state").exists(), "nothing made");
}

/// Virtual recorders refuse what a drive would: a folder or a file of part
/// sectors as a pressed disc, a disc the drive kind cannot take, a medium
/// another recorder holds; `create` without a medium says the tray is
/// empty, `insert` and `eject` say what they did.
#[test]
fn virtual_recorders_refuse_what_a_drive_would() {
    let t = scratch();
    let w = t.path();
    let cfg = w.join("cfg");
    let cd = w.join("cd");
    let o = tool(&cfg)
        .args(["virtual", "create"])
        .arg(&cd)
        .args(["--drive", "cd"])
        .output()
        .unwrap();
    assert!(o.status.success());
    let said = String::from_utf8_lossy(&o.stderr);
    assert!(said.contains("the tray is empty"), "{said}");
    let refused = |args: &[&str], why: &str| {
        let o = tool(&cfg).args(args).output().unwrap();
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(why), "{args:?}: {err}");
    };
    let cd_arg = cd.to_str().unwrap();
    let folder = w.join("folder");
    std::fs::create_dir(&folder).unwrap();
    refused(
        &[
            "virtual",
            "insert",
            cd_arg,
            "--image",
            folder.to_str().unwrap(),
        ],
        "is not an image file",
    );
    let odd = w.join("odd.bin");
    std::fs::write(&odd, vec![1u8; 5000]).unwrap();
    refused(
        &[
            "virtual",
            "insert",
            cd_arg,
            "--image",
            odd.to_str().unwrap(),
        ],
        "not whole 2048-byte sectors",
    );
    refused(
        &["virtual", "insert", cd_arg, "--media", "dvd+r"],
        "cannot take a DVD+R",
    );
    // A DVD-size image is a DVD-ROM: no CD drive takes it.
    let big = w.join("big.iso");
    let f = std::fs::File::create(&big).unwrap();
    f.set_len(400_000 * 2048).unwrap();
    refused(
        &[
            "virtual",
            "insert",
            cd_arg,
            "--image",
            big.to_str().unwrap(),
        ],
        "cannot take",
    );
    let out = run_ok(tool(&cfg).args(["virtual", "insert", cd_arg, "--media", "cd-r"]));
    assert!(out.contains("inserted the medium kept in"), "{out}");
    // That disc, in a second recorder while the first holds it: refused;
    // once ejected there, taken.
    let disc = cd.join("disc-1");
    let other = w.join("other");
    run_ok(
        tool(&cfg)
            .args(["virtual", "create"])
            .arg(&other)
            .args(["--drive", "cd"]),
    );
    let other_arg = other.to_str().unwrap();
    refused(
        &[
            "virtual",
            "insert",
            other_arg,
            "--disc",
            disc.to_str().unwrap(),
        ],
        "eject it there first",
    );
    let out = run_ok(tool(&cfg).args(["virtual", "eject", cd_arg]));
    assert!(out.contains("ejected the medium kept in"), "{out}");
    run_ok(tool(&cfg).args([
        "virtual",
        "insert",
        other_arg,
        "--disc",
        disc.to_str().unwrap(),
    ]));
}
