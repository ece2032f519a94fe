//! Golden vectors from the outside check: traces that `scripts/qemu-sg-check.sh`
//! captured with `examples/mmc_probe` through our SG_IO transport inside a
//! Linux guest, against QEMU's emulated CD-ROM (scsi-cd behind virtio-scsi,
//! and ide-cd through libata), each on /dev/sr0 and on its sg node.
//!
//! Each test replays a trace with [`Replay`], issuing the probe's commands
//! with CDBs built here, and checks the facts the script checked in the
//! guest run: identity, profile, capacity, TOC, the ISO's volume descriptor,
//! disc information, page 2Ah, media events, and "no medium" after the eject.

use std::path::PathBuf;
use std::time::Duration;

use imapi2_mmc::fault::{AccessClass, Fault, FaultInjector, FaultPlan, FaultRule, Trigger};
use imapi2_mmc::trace::{sense_triplet, Outcome, Recording, Replay, Trace};
use imapi2_mmc::{DataPhase, Request, Response, ScsiStatus, ScsiTransport, TransportError};

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn load(name: &str) -> Trace {
    Trace::load(&data(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Sends `cdb` with a data-in buffer of `alloc` bytes (none when 0).
fn send(
    t: &mut dyn ScsiTransport,
    cdb: &[u8],
    alloc: usize,
) -> Result<(Response, Vec<u8>), TransportError> {
    send_with(t, cdb, alloc, Duration::from_secs(30))
}

/// Like [`send`], with a timeout.
fn send_with(
    t: &mut dyn ScsiTransport,
    cdb: &[u8],
    alloc: usize,
    timeout: Duration,
) -> Result<(Response, Vec<u8>), TransportError> {
    let mut buf = vec![0u8; alloc];
    let data = if alloc > 0 {
        DataPhase::In(&mut buf)
    } else {
        DataPhase::None
    };
    let r = t.execute(Request { cdb, data, timeout })?;
    let n = r.transferred.min(alloc);
    buf.truncate(n);
    Ok((r, buf))
}

fn be16(b: &[u8], at: usize) -> usize {
    usize::from(u16::from_be_bytes([b[at], b[at + 1]]))
}

fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// The probe's command sequence, built here independently of the probe.
const INQUIRY: [u8; 6] = [0x12, 0, 0, 0, 36, 0];
const TUR: [u8; 6] = [0; 6];
const GET_CONFIGURATION: [u8; 10] = [0x46, 0, 0, 0, 0, 0, 0, 0x10, 0x00, 0];
const READ_CAPACITY: [u8; 10] = [0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0];
const READ_TOC: [u8; 10] = [0x43, 0, 0, 0, 0, 0, 0, 0x03, 0x24, 0];
const READ_DISC_INFO: [u8; 10] = [0x51, 0, 0, 0, 0, 0, 0, 0, 34, 0];
const MODE_SENSE_2A: [u8; 10] = [0x5A, 0x08, 0x2A, 0, 0, 0, 0, 0x01, 0x00, 0];
const GESN_MEDIA: [u8; 10] = [0x4A, 0x01, 0, 0, 0x10, 0, 0, 0, 8, 0];
const READ10_PVD: [u8; 10] = [0x28, 0, 0, 0, 0, 16, 0, 0, 1, 0];
const EJECT: [u8; 6] = [0x1B, 0, 0, 0, 0x02, 0];

/// Replays one probe run and checks what QEMU told us.
fn check_probe_run(name: &str, ejects: bool) {
    let trace = load(name);
    let blocks: u32 = trace
        .meta("iso-blocks")
        .expect("meta iso-blocks")
        .parse()
        .unwrap();
    let device = trace.meta("device").expect("meta device").to_string();
    let attachment = trace
        .meta("attachment")
        .expect("meta attachment")
        .to_string();
    assert!(
        device == "/dev/sr0" || device.starts_with("/dev/sg"),
        "{device}"
    );
    let mut r = Replay::new(trace);
    assert_eq!(r.device_name(), format!("replay:{device}"));
    let good =
        |x: &(Response, Vec<u8>)| assert_eq!(x.0.status, ScsiStatus::Good, "{name}: {:?}", x.0);

    // INQUIRY (SPC-4 §6.4.2): peripheral type 05h, removable, vendor and product.
    let inq = send(&mut r, &INQUIRY, 36).unwrap();
    good(&inq);
    let d = &inq.1;
    assert_eq!(d.len(), 36);
    assert_eq!(d[0] & 0x1f, 0x05, "{name}: peripheral device type");
    assert_eq!(d[1] & 0x80, 0x80, "{name}: RMB");
    assert_eq!(&d[8..16], b"QEMU    ");
    // QEMU names the ATAPI drive a DVD-ROM, the SCSI one a CD-ROM.
    let model: &[u8] = match attachment.as_str() {
        "scsi-cd" => b"QEMU CD-ROM     ",
        "ide-cd" => b"QEMU DVD-ROM    ",
        other => panic!("{name}: attachment {other}"),
    };
    assert_eq!(&d[16..32], model, "{name}: product identification");

    good(&send(&mut r, &TUR, 0).unwrap());

    // GET CONFIGURATION (MMC-6 §6.6): header with the current profile, then
    // feature 0000h (profile list) holding CD-ROM as current and DVD-ROM.
    let cfg = send(&mut r, &GET_CONFIGURATION, 4096).unwrap();
    good(&cfg);
    let c = &cfg.1;
    let len = (be32(c, 0) as usize + 4).min(c.len());
    assert_eq!(be16(c, 6), 0x0008, "{name}: current profile CD-ROM");
    assert_eq!(
        be16(c, 8),
        0x0000,
        "{name}: first feature is the profile list"
    );
    let list_len = usize::from(c[11]);
    assert!(12 + list_len <= len);
    let profiles: Vec<(usize, bool)> = c[12..12 + list_len]
        .chunks(4)
        .map(|p| (be16(p, 0), p[2] & 1 == 1))
        .collect();
    assert!(profiles.contains(&(0x0008, true)), "{name}: {profiles:?}");
    assert!(profiles.contains(&(0x0010, false)), "{name}: {profiles:?}");

    // READ CAPACITY: last LBA and 2048-byte blocks.
    let cap = send(&mut r, &READ_CAPACITY, 8).unwrap();
    good(&cap);
    let capacity = be32(&cap.1, 0) + 1;
    assert_eq!(capacity, blocks, "{name}: capacity");
    assert_eq!(be32(&cap.1, 4), 2048);

    // READ TOC format 0 (MMC-6 §6.26.3.2): one data track at 0, lead-out at the capacity.
    let toc = send(&mut r, &READ_TOC, 804).unwrap();
    good(&toc);
    let t = &toc.1[..be16(&toc.1, 0) + 2];
    assert_eq!((t[2], t[3]), (1, 1), "{name}: first and last track");
    let descs: Vec<&[u8]> = t[4..].chunks(8).collect();
    assert_eq!(descs.len(), 2, "{name}: {t:02x?}");
    assert_eq!(
        (descs[0][2], descs[0][1] & 0x0f, be32(descs[0], 4)),
        (1, 4, 0),
        "{name}: data track 1 at LBA 0"
    );
    assert_eq!(descs[0][1] >> 4, 1, "ADR 1");
    assert_eq!(
        (descs[1][2], be32(descs[1], 4)),
        (0xAA, capacity),
        "{name}: lead-out at the capacity"
    );

    // READ DISC INFORMATION (MMC-6 §6.22): complete disc, complete last session, one session.
    let di = send(&mut r, &READ_DISC_INFO, 34).unwrap();
    good(&di);
    let di = &di.1;
    assert!(
        be16(di, 0) + 2 >= 34 - 2,
        "{name}: disc information length {}",
        be16(di, 0)
    );
    assert_eq!(di[2] & 0x03, 2, "{name}: disc status complete");
    assert_eq!((di[2] >> 2) & 0x03, 3, "{name}: last session complete");
    assert_eq!(
        (di[3], di[4], di[5], di[6]),
        (1, 1, 1, 1),
        "{name}: first track, sessions, first/last track of last session"
    );

    // MODE SENSE(10) with DBD: no block descriptors, page 2Ah first.
    let ms = send(&mut r, &MODE_SENSE_2A, 256).unwrap();
    good(&ms);
    let m = &ms.1;
    assert_eq!(be16(m, 6), 0, "{name}: no block descriptors with DBD");
    assert_eq!(m[8] & 0x3f, 0x2A, "{name}: page 2Ah");
    let page_len = usize::from(m[9]);
    assert!(
        page_len >= 0x12 && be16(m, 0) + 2 >= 8 + 2 + page_len,
        "{name}: page 2Ah length {page_len}"
    );

    // GESN, media class (MMC-6 §6.8): medium present, tray closed.
    let ge = send(&mut r, &GESN_MEDIA, 8).unwrap();
    good(&ge);
    let g = &ge.1;
    assert_eq!(g[2] & 0x07, 4, "{name}: media class");
    assert_eq!(g[2] & 0x80, 0, "{name}: an event is available");
    assert_eq!(g[5] & 0x03, 0x02, "{name}: media present, door closed");

    // READ(10) of LBA 16: the ISO 9660 primary volume descriptor (ECMA-119
    // §8.4), whose volume space size matches the capacity.
    let pvd = send(&mut r, &READ10_PVD, 2048).unwrap();
    good(&pvd);
    let p = &pvd.1;
    assert_eq!(&p[0..7], b"\x01CD001\x01", "{name}: PVD signature");
    assert_eq!(&p[40..48], b"QSCPROBE", "{name}: volume identifier");
    assert_eq!(
        u32::from_le_bytes([p[80], p[81], p[82], p[83]]),
        capacity,
        "{name}: volume space size"
    );
    assert_eq!(
        u32::from_be_bytes([p[84], p[85], p[86], p[87]]),
        capacity,
        "{name}: volume space size (MSB)"
    );

    if ejects {
        good(&send(&mut r, &EJECT, 0).unwrap());
        let (resp, _) = send(&mut r, &TUR, 0).unwrap();
        assert_eq!(resp.status, ScsiStatus::CheckCondition, "{name}");
        let (key, asc, _) = sense_triplet(&resp.sense).expect("sense data");
        assert_eq!(
            (key, asc),
            (0x2, 0x3A),
            "{name}: NOT READY, MEDIUM NOT PRESENT"
        );
    }
    assert_eq!(r.remaining(), 0, "{name}: the whole trace was replayed");
}

#[test]
fn qemu_scsi_cd_through_sr() {
    check_probe_run("qemu-scsi-cd.trace", true);
}

#[test]
fn qemu_scsi_cd_through_sg() {
    check_probe_run("qemu-scsi-cd-sg.trace", false);
}

#[test]
fn qemu_ide_cd_through_sr() {
    check_probe_run("qemu-ide-cd.trace", true);
}

#[test]
fn qemu_ide_cd_through_sg() {
    check_probe_run("qemu-ide-cd-sg.trace", false);
}

#[test]
fn both_attachments_report_the_whole_allocation_as_moved() {
    // Observed fact worth keeping: neither path reports a residual for
    // QEMU's short replies (GET CONFIGURATION fills well under 4096 bytes),
    // so reply lengths must come from the replies' own length fields.
    for name in ["qemu-scsi-cd.trace", "qemu-ide-cd.trace"] {
        let t = load(name);
        let x = t.exchanges.iter().find(|x| x.cdb[0] == 0x46).unwrap();
        let Outcome::Completed { response, data_in } = &x.outcome else {
            panic!("{name}")
        };
        assert_eq!(response.transferred, 4096, "{name}");
        assert!(
            be32(data_in, 0) as usize + 4 < 512,
            "{name}: the reply itself is short"
        );
    }
}

#[test]
fn a_command_that_differs_from_the_golden_trace_is_named() {
    let mut r = Replay::new(load("qemu-scsi-cd.trace"));
    send(&mut r, &INQUIRY, 36).unwrap();
    send(&mut r, &TUR, 0).unwrap();
    // GET CONFIGURATION with RT=1 instead of RT=0.
    let mut rt1 = GET_CONFIGURATION;
    rt1[1] = 0x01;
    let e = send(&mut r, &rt1, 4096).unwrap_err();
    assert_eq!(
        e,
        TransportError::BadRequest {
            reason: "replay step 3: expected CDB [46 00 00 00 00 00 00 10 00 00] but got [46 01 00 00 00 00 00 10 00 00]"
                .into()
        }
    );
    assert_eq!(r.position(), 2);
}

#[test]
fn a_fault_before_the_replay_exercises_a_retry() {
    // READ(10) of block 16 fails once with an unrecovered read error; the
    // retry reaches the recorded drive and gets the PVD.
    let plan = FaultPlan::new().with(FaultRule::once(
        Trigger::LbaRange {
            class: AccessClass::Read,
            start: 16,
            end: 17,
        },
        Fault::check_condition(0x3, 0x11, 0x00),
    ));
    let mut t = FaultInjector::new(Replay::new(load("qemu-ide-cd.trace")), plan);
    for (cdb, alloc) in [
        (&INQUIRY[..], 36),
        (&TUR[..], 0),
        (&GET_CONFIGURATION[..], 4096),
        (&READ_CAPACITY[..], 8),
        (&READ_TOC[..], 804),
        (&READ_DISC_INFO[..], 34),
        (&MODE_SENSE_2A[..], 256),
        (&GESN_MEDIA[..], 8),
    ] {
        assert_eq!(send(&mut t, cdb, alloc).unwrap().0.status, ScsiStatus::Good);
    }
    let (failed, _) = send(&mut t, &READ10_PVD, 2048).unwrap();
    assert_eq!(sense_triplet(&failed.sense), Some((3, 0x11, 0)));
    let (ok, pvd) = send(&mut t, &READ10_PVD, 2048).unwrap();
    assert_eq!(ok.status, ScsiStatus::Good);
    assert_eq!(&pvd[1..6], b"CD001");
    assert_eq!(t.injected().len(), 1);
    assert_eq!(t.injected()[0].command, 9);
}

#[test]
fn recording_a_replay_reproduces_the_golden_exchanges() {
    for name in [
        "qemu-scsi-cd.trace",
        "qemu-scsi-cd-sg.trace",
        "qemu-ide-cd.trace",
        "qemu-ide-cd-sg.trace",
    ] {
        let golden = load(name);
        let mut rec = Recording::new(Replay::new(golden.clone()), Vec::new());
        for x in &golden.exchanges {
            let alloc = match x.phase {
                imapi2_mmc::trace::Phase::In { allocation } => allocation,
                _ => 0,
            };
            send_with(&mut rec, &x.cdb, alloc, x.timeout).unwrap();
        }
        let (replay, out) = rec.into_parts();
        assert_eq!(replay.remaining(), 0);
        let again = Trace::decode(std::str::from_utf8(&out).unwrap()).unwrap();
        assert_eq!(again.exchanges.len(), golden.exchanges.len(), "{name}");
        for (i, (a, b)) in again.exchanges.iter().zip(&golden.exchanges).enumerate() {
            assert!(a == b, "{name}: exchange {} differs", i + 1);
        }
    }
}
