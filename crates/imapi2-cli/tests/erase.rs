//! `imapi2 erase` and `imapi2 format` on virtual recorders: the medium
//! afterwards, refusals before any change (with whom holds the drive), and
//! the JSON events of the drive's progress.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;
use serde_json::Value;

fn imapi(cfg: &Path) -> Command {
    let mut c = imapi2();
    c.env("XDG_CONFIG_HOME", cfg)
        .env_remove("IMAPI2_VIRTUAL_RECORDERS");
    c
}

fn status(cfg: &Path, rec: &str) -> String {
    let out = run_ok(imapi(cfg).args(["info", "--drive", rec, "--json"]));
    let v: Value = serde_json::from_str(out.trim()).unwrap();
    v["media"]["status"].to_string()
}

#[test]
fn erase_and_format_leave_media_ready_to_burn() {
    let work = scratch();
    let cfg = work.path().join("cfg");
    let src = work.path().join("src");
    write(&src.join("a.txt"), b"a", 0o644);
    for media in ["cd-rw", "dvd-rw", "dvd+rw", "bd-re"] {
        let rec = format!("virtual:{}", work.path().join(media).display());
        run_ok(
            imapi(&cfg)
                .args(["burn", "-q", "--close", "--drive", &rec, "--blank", media])
                .arg(&src),
        );
        let out = run_ok(imapi(&cfg).args(["erase", "--json", "--drive", &rec]));
        let events: Vec<Value> = out
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert!(
            events
                .iter()
                .any(|e| e["event"] == "progress" && e["elapsed_seconds"].is_number()),
            "{out}"
        );
        let done = events.last().unwrap();
        assert_eq!(done["event"], "done", "{out}");
        assert!(
            done["medium_status"].as_str().unwrap().contains("BLANK"),
            "{media}: {done}"
        );
        run_ok(imapi(&cfg).args(["burn", "-q", "--drive", &rec]).arg(&src));
        assert!(
            !status(&cfg, &rec).contains("BLANK"),
            "{media}: burnt again"
        );
    }
    let rec = format!("virtual:{}", work.path().join("bd").display());
    run_ok(
        imapi(&cfg)
            .args(["burn", "-q", "--drive", &rec, "--blank", "bd-re"])
            .arg(&src),
    );
    let out = run_ok(imapi(&cfg).args([
        "format", "--json", "--full", "--spare", "none", "--drive", &rec,
    ]));
    assert!(
        out.contains("\"total_sectors\":12219392"),
        "31h: the whole capacity: {out}"
    );
}

#[test]
fn refusals_name_the_medium_and_who_holds_the_drive() {
    let work = scratch();
    let cfg = work.path().join("cfg");
    let src = work.path().join("src");
    write(&src.join("a.txt"), b"a", 0o644);
    let cd = format!("virtual:{}", work.path().join("cd").display());
    run_ok(
        imapi(&cfg)
            .args(["burn", "-q", "--drive", &cd, "--blank", "cd-r"])
            .arg(&src),
    );
    let o = imapi(&cfg)
        .args(["erase", "--drive", &cd])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        err.contains("a CD-R cannot be erased")
            && err.contains("E_IMAPI_ERASE_MEDIA_IS_NOT_ERASABLE"),
        "{err}"
    );
    let o = imapi(&cfg)
        .args(["format", "--drive", &cd])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1));
    assert!(err.contains("cannot be formatted"), "{err}");
    // Another client holds the recorder: say whom.
    let dir = work.path().join("rw");
    run_ok(
        imapi(&cfg)
            .args(["virtual", "create"])
            .arg(&dir)
            .args(["--media", "dvd+rw"]),
    );
    let master = imapi2::DiscMaster::with(
        &work.path().join("no-sysfs"),
        imapi2::VirtualRegistry::at(work.path().join("registry")),
    );
    let mut holder = master.open(dir.to_str().unwrap()).unwrap();
    holder
        .acquire_exclusive_access(false, "Nero Burning")
        .unwrap();
    let rw = format!("virtual:{}", dir.display());
    for cmd in ["erase", "format"] {
        let o = imapi(&cfg).args([cmd, "--drive", &rw]).output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{cmd}");
        assert!(
            err.contains("Nero Burning") && err.contains("E_IMAPI_RECORDER_LOCKED"),
            "{cmd}: {err}"
        );
    }
    holder.release_exclusive_access();
    run_ok(imapi(&cfg).args(["format", "-q", "--drive", &rw]));
}
