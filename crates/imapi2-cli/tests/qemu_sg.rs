//! The outside check of the SG_IO path with the real tool: this test's own
//! `imapi2` binary runs inside a Linux guest under QEMU against QEMU's
//! emulated CD-ROM, attached as virtio-scsi `scsi-cd` and then as `ide-cd`.
//!
//! `scripts/qemu-sg-check.sh` does the work: it boots Debian's kernel with a
//! busybox initramfs holding the `mmc_probe` example of imapi2-mmc and the
//! `imapi2` binary, runs the probe (its replies are checked on the host
//! against the ISO: identity, profile, capacity, TOC, block 16, eject, access
//! rules), then `imapi2 load`, `drives --json`, `drives`, `info --json`,
//! `eject` and `info --json` again, and checks their output on the host with
//! its own JSON reading: the drive is real, QEMU's, on /dev/sr0; the medium
//! is a finalized, write-protected CD-ROM (profile 0008h) of exactly the
//! ISO's blocks in one session from LBA 0; after the eject there is none.
//!
//! The probe is built here in the profile of this test (its library is
//! already built as a dependency of `imapi2`), and the `imapi2` binary is the
//! one cargo built for this test, so the script builds nothing itself.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::require_tools;

/// Whether the ELF file at `path` asks for a program interpreter (is
/// dynamically linked): a PT_INTERP entry among its program headers
/// (ELF-64 layout: e_phoff at 0x20, e_phentsize at 0x36, e_phnum at 0x38).
fn elf_has_interpreter(path: &Path) -> Option<bool> {
    let b = std::fs::read(path).ok()?;
    if b.len() < 0x40 || &b[0..4] != b"\x7fELF" || b[4] != 2 || b[5] != 1 {
        return None;
    }
    let u16_at = |o: usize| u16::from_le_bytes([b[o], b[o + 1]]) as usize;
    let phoff = usize::try_from(u64::from_le_bytes(b[0x20..0x28].try_into().ok()?)).ok()?;
    let (size, count) = (u16_at(0x36), u16_at(0x38));
    Some((0..count).any(|i| {
        let at = phoff.saturating_add(i.saturating_mul(size));
        b.get(at..at + 4)
            .is_some_and(|t| u32::from_le_bytes([t[0], t[1], t[2], t[3]]) == 3)
    }))
}

/// Builds `crates/imapi2-mmc/examples/mmc_probe.rs` with the cargo and the
/// profile that built this test; returns the executable cargo reports.
fn build_probe(root: &Path) -> PathBuf {
    let mut cmd = Command::new(env!("CARGO"));
    cmd.current_dir(root).args([
        "build",
        "--locked",
        "-p",
        "imapi2-mmc",
        "--example",
        "mmc_probe",
        "--message-format=json-render-diagnostics",
    ]);
    if !cfg!(debug_assertions) {
        cmd.arg("--release");
    }
    let out = cmd.output().expect("cargo");
    assert!(
        out.status.success(),
        "building mmc_probe failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == "mmc_probe")
        .find_map(|m| m["executable"].as_str().map(PathBuf::from))
        .expect("cargo reported no mmc_probe executable")
}

/// Checks of the script on the guest's `imapi2` runs that must pass (the
/// beginning of each "ok" line after the attachment's name).
const CLI_CHECKS: [&str; 8] = [
    "imapi2 load --drive /dev/sr0: the tray the probe opened closes",
    "imapi2 drives --json: /dev/sr0 is a real drive that opens",
    "imapi2 drives --json: identity 'QEMU'",
    "imapi2 drives: exit 0 and no \"no optical drives found\" line",
    "imapi2 info: medium present, CD-ROM, profile 8",
    "imapi2 info: a pressed disc: finalized, write-protected",
    "imapi2 eject --drive /dev/sr0: exit 0",
    "imapi2 info after the eject: the drive answers, no medium present",
];

#[test]
fn imapi2_drives_info_eject_in_a_qemu_guest_over_sg_io() {
    if !require_tools(&["qemu-system-x86_64", "busybox", "cpio"]) {
        return;
    }
    // The initramfs takes /bin/busybox as it is: it must need no loader.
    assert_eq!(
        elf_has_interpreter(Path::new("/bin/busybox")),
        Some(false),
        "/bin/busybox must be a static x86-64 ELF: install busybox-static \
         (scripts/install-validators.sh)"
    );
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let started = std::time::Instant::now();
    let probe = build_probe(&root);
    eprintln!(
        "qemu_sg: mmc_probe at {} ({:.0?})",
        probe.display(),
        started.elapsed()
    );
    let mut failed = Vec::new();
    for kind in ["scsi", "ide"] {
        let t = std::time::Instant::now();
        let out = Command::new("bash")
            .arg(root.join("scripts/qemu-sg-check.sh"))
            .arg(kind)
            .env("IMAPI2_BIN", env!("CARGO_BIN_EXE_imapi2"))
            .env("MMC_PROBE", &probe)
            .env("QSC_TIMEOUT", "150")
            .output()
            .expect("bash");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        eprintln!("qemu_sg: {kind}-cd: {} in {:.0?}", out.status, t.elapsed());
        // The script's last word on success, and its checks, one per line:
        // the probe's and those on the CLI's output must all have run.
        let ok: Vec<&str> = text.lines().filter(|l| l.starts_with("ok   ")).collect();
        let missing: Vec<&&str> = CLI_CHECKS
            .iter()
            .filter(|c| !ok.iter().any(|l| l.contains(&format!("{kind} {c}"))))
            .collect();
        let checks = ok.len();
        if !out.status.success()
            || !text.contains(&format!("qemu-sg-check: all checks hold ({kind})"))
            || checks < 50
            || !missing.is_empty()
        {
            // The whole output goes into the failure message below.
            failed.push(format!(
                "{kind}-cd ({}, {checks} checks passed, missing {missing:?}):\n{text}",
                out.status
            ));
        } else {
            eprint!("{text}");
        }
    }
    eprintln!("qemu_sg: total {:.0?}", started.elapsed());
    assert!(
        failed.is_empty(),
        "scripts/qemu-sg-check.sh failed:\n{}",
        failed.join("\n")
    );
}
