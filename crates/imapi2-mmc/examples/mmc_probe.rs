//! mmc_probe: sends a fixed set of read-only MMC commands to a drive through
//! the Linux SG_IO transport and prints every exchange in the trace format of
//! `imapi2_mmc::trace` (the CDBs are built by hand here, independent of the
//! codec layer). Used by `scripts/qemu-sg-check.sh` inside a QEMU guest.
//!
//! ```text
//! mmc_probe [--no-eject] DEVICE   INQUIRY, TUR, GET CONFIGURATION, READ CAPACITY,
//!                                 READ TOC, READ DISC INFORMATION, MODE SENSE 2Ah,
//!                                 GESN, READ(10) of block 16, eject, TUR
//! mmc_probe --grab DEVICE         exclusive access: take it, refuse a second
//!                                 holder, release it (results as comments)
//! mmc_probe --write-check DEVICE  open shared, then a read-class and a
//!                                 write-class command (run it as a user who
//!                                 may only read the node: the second fails)
//! mmc_probe --list                the drives sysfs knows (as comments)
//! ```

#[cfg(target_os = "linux")]
mod probe {
    use std::io::{self, Write};
    use std::time::Duration;

    use imapi2_mmc::linux::{list_drives, Access, SgDevice};
    use imapi2_mmc::trace::Recording;
    use imapi2_mmc::{DataPhase, Request, ScsiTransport};

    /// One probe step: a label, the CDB, the data-in allocation (0: none), the timeout.
    struct Step {
        label: &'static str,
        cdb: Vec<u8>,
        alloc: usize,
        timeout: Duration,
    }

    fn step(label: &'static str, cdb: &[u8], alloc: usize) -> Step {
        Step {
            label,
            cdb: cdb.to_vec(),
            alloc,
            timeout: Duration::from_secs(30),
        }
    }

    fn steps(eject: bool) -> Vec<Step> {
        let mut v = vec![
            // SPC-4 §6.4: EVPD=0, allocation length 36 in byte 4.
            step("INQUIRY, standard data", &[0x12, 0, 0, 0, 36, 0], 36),
            step("TEST UNIT READY", &[0x00, 0, 0, 0, 0, 0], 0),
            // MMC-6 §6.6: RT=0 (all features), starting feature 0, allocation 4096 (bytes 7-8).
            step(
                "GET CONFIGURATION, RT=0 from feature 0",
                &[0x46, 0x00, 0, 0, 0, 0, 0, 0x10, 0x00, 0],
                4096,
            ),
            // SBC-3 READ CAPACITY(10): last LBA and block length.
            step("READ CAPACITY", &[0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0], 8),
            // MMC-6 §6.26: format 0 (TOC), LBA form, from track 0, allocation 804.
            step(
                "READ TOC/PMA/ATIP, format 0, LBA",
                &[0x43, 0x00, 0x00, 0, 0, 0, 0, 0x03, 0x24, 0],
                804,
            ),
            // MMC-6 §6.22: data type 0 (standard disc information), allocation 34.
            step(
                "READ DISC INFORMATION",
                &[0x51, 0, 0, 0, 0, 0, 0, 0, 34, 0],
                34,
            ),
            // SPC-4 MODE SENSE(10): DBD=1, current values of page 2Ah, allocation 256.
            step(
                "MODE SENSE(10), page 2Ah (capabilities), DBD",
                &[0x5A, 0x08, 0x2A, 0, 0, 0, 0, 0x01, 0x00, 0],
                256,
            ),
            // MMC-6 §6.8: Polled=1, class request media (bit 4), allocation 8.
            step(
                "GET EVENT STATUS NOTIFICATION, polled, media class",
                &[0x4A, 0x01, 0, 0, 0x10, 0, 0, 0, 8, 0],
                8,
            ),
            // READ(10) of one block at LBA 16 (the ISO 9660 volume descriptor).
            step(
                "READ(10), LBA 16, 1 block",
                &[0x28, 0, 0, 0, 0, 16, 0, 0, 1, 0],
                2048,
            ),
        ];
        if eject {
            // SBC-3/MMC-6 START STOP UNIT: LoEj=1, Start=0 (open the tray).
            let mut s = step(
                "START STOP UNIT, eject (LoEj=1, Start=0)",
                &[0x1B, 0, 0, 0, 0x02, 0],
                0,
            );
            s.timeout = Duration::from_secs(60);
            v.push(s);
            v.push(step(
                "TEST UNIT READY after the eject",
                &[0x00, 0, 0, 0, 0, 0],
                0,
            ));
        }
        v
    }

    fn list() {
        match list_drives() {
            Ok(drives) if drives.is_empty() => println!("# discovery: no optical drive in sysfs"),
            Ok(drives) => {
                for d in drives {
                    let node = |p: &Option<std::path::PathBuf>| {
                        p.as_ref()
                            .map_or_else(|| "-".to_string(), |p| p.display().to_string())
                    };
                    println!(
                        "# discovery: block={} sg={} vendor={:?} model={:?} rev={:?} address={} removable={} id={:?}",
                        node(&d.block_node),
                        node(&d.sg_node),
                        d.vendor,
                        d.model,
                        d.revision,
                        d.scsi_address.map_or_else(|| "-".to_string(), |a| a.to_string()),
                        d.removable.map_or_else(|| "-".to_string(), |r| r.to_string()),
                        d.stable_id
                    );
                }
            }
            Err(e) => println!("# discovery: error reading sysfs: {e}"),
        }
    }

    fn grab(path: &str) -> i32 {
        let first = match SgDevice::open(path, Access::Exclusive) {
            Ok(d) => {
                let sib = d
                    .sibling()
                    .map_or_else(|| "-".to_string(), |p| p.display().to_string());
                println!(
                    "# grab-first ok sibling={sib} read-only={}",
                    d.is_read_only()
                );
                d
            }
            Err(e) => {
                println!("# grab-first refused {e}");
                return 0;
            }
        };
        match SgDevice::open(path, Access::Exclusive) {
            Ok(_) => println!("# grab-second ok"),
            Err(e) => println!("# grab-second refused {e}"),
        }
        let mut first = first;
        match first.release() {
            Ok(()) => println!("# grab-release ok"),
            Err(e) => println!("# grab-release failed {e}"),
        }
        drop(first);
        match SgDevice::open(path, Access::Exclusive) {
            Ok(_) => println!("# grab-again ok"),
            Err(e) => println!("# grab-again refused {e}"),
        }
        0
    }

    /// Opens shared (as a user who may only read the node, the open falls
    /// back to read-only), sends a read-class and a write-class command and
    /// reports what happened.
    fn write_check(path: &str) -> i32 {
        let mut dev = match SgDevice::open(path, Access::Shared) {
            Ok(d) => d,
            Err(e) => {
                println!("# write-check open-failed {e}");
                return 1;
            }
        };
        println!("# write-check opened read-only={}", dev.is_read_only());
        let timeout = Duration::from_secs(30);
        let mut buf = [0u8; 36];
        let inquiry = [0x12, 0, 0, 0, 36, 0];
        match dev.execute(Request {
            cdb: &inquiry,
            data: DataPhase::In(&mut buf),
            timeout,
        }) {
            Ok(r) => println!("# write-check INQUIRY status={:02x}", r.status.to_byte()),
            Err(e) => println!("# write-check INQUIRY failed {e}"),
        }
        // PREVENT ALLOW MEDIUM REMOVAL with Prevent=0: write class for the
        // kernel's filter, harmless to the drive.
        let allow = [0x1E, 0, 0, 0, 0, 0];
        match dev.execute(Request {
            cdb: &allow,
            data: DataPhase::None,
            timeout,
        }) {
            Ok(r) => println!(
                "# write-check PREVENT-ALLOW status={:02x}",
                r.status.to_byte()
            ),
            Err(e) => println!("# write-check PREVENT-ALLOW refused {e}"),
        }
        0
    }

    fn run(path: &str, eject: bool) -> i32 {
        let dev = match SgDevice::open(path, Access::Shared) {
            Ok(d) => d,
            Err(e) => {
                eprintln!("mmc_probe: {e}");
                return 1;
            }
        };
        let read_only = dev.is_read_only();
        let mut rec = Recording::new(dev, io::stdout());
        rec.meta("device", path);
        rec.meta("opened", if read_only { "read-only" } else { "read-write" });
        let mut failures = 0;
        for (i, s) in steps(eject).into_iter().enumerate() {
            rec.comment(&format!("step {}: {}", i + 1, s.label));
            let mut buf = vec![0u8; s.alloc];
            let data = if s.alloc > 0 {
                DataPhase::In(&mut buf)
            } else {
                DataPhase::None
            };
            if let Err(e) = rec.execute(Request {
                cdb: &s.cdb,
                data,
                timeout: s.timeout,
            }) {
                eprintln!("mmc_probe: {}: {e}", s.label);
                failures += 1;
            }
        }
        if let Some(e) = rec.take_error() {
            eprintln!("mmc_probe: writing the trace: {e}");
            return 1;
        }
        let _ = io::stdout().flush();
        if failures > 0 {
            2
        } else {
            0
        }
    }

    pub fn main() -> i32 {
        let args: Vec<String> = std::env::args().skip(1).collect();
        let mut eject = true;
        let mut grab_mode = false;
        let mut write_mode = false;
        let mut device = None;
        for a in &args {
            match a.as_str() {
                "--no-eject" => eject = false,
                "--grab" => grab_mode = true,
                "--write-check" => write_mode = true,
                "--list" => {
                    list();
                    return 0;
                }
                other if !other.starts_with("--") && device.is_none() => {
                    device = Some(other.to_string())
                }
                _ => {
                    eprintln!(
                        "usage: mmc_probe [--no-eject | --grab | --write-check] DEVICE | --list"
                    );
                    return 2;
                }
            }
        }
        let Some(device) = device else {
            eprintln!("usage: mmc_probe [--no-eject | --grab | --write-check] DEVICE | --list");
            return 2;
        };
        if grab_mode {
            grab(&device)
        } else if write_mode {
            write_check(&device)
        } else {
            list();
            run(&device, eject)
        }
    }
}

#[cfg(target_os = "linux")]
fn main() {
    std::process::exit(probe::main());
}

#[cfg(not(target_os = "linux"))]
fn main() {
    eprintln!("mmc_probe: the SG_IO transport exists on Linux only");
    std::process::exit(2);
}
