//! Multisession on discs in the virtual recorder (IMAPI's
//! `MultisessionInterfaces`, `IMultisessionSequential2`,
//! `IMultisessionRandomWrite`): three sessions burnt one after another on
//! every medium family that takes them — files added, a file replaced, a
//! file removed — each read back as the merged tree; on overwritable media
//! only the ranges `ModifiedBlocks` lists are written, counted on the
//! command stream; media that take one session only say so.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use imapi2::burn::data::DiscFormat2Data;
use imapi2::burn::events::VerificationLevel;
use imapi2::burn::multisession::MultisessionInterface;
use imapi2::fs::{DataSource, Disc, FileSystemImage, FileSystems, FsData, Medium};
use imapi2::media::state;
use imapi2::mmc::drive::VirtualClock;
use imapi2::mmc::trace::Logging;
use imapi2::{virtual_recorder, DiscReader, DiscRecorder};

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("imapi2-ms-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The command log of a recorder, shared with the test.
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<u8>>>);

impl Write for Log {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Log {
    /// (LBA, blocks) of every WRITE(10)/WRITE(12) logged, then cleared.
    fn take_writes(&self) -> Vec<(u32, u32)> {
        let text = String::from_utf8(std::mem::take(&mut *self.0.lock().unwrap())).unwrap();
        text.lines()
            .filter_map(|l| {
                let cdb = l.split('[').nth(1)?.split(']').next()?;
                let b: Vec<u8> = cdb
                    .split_whitespace()
                    .map(|h| u8::from_str_radix(h, 16).unwrap())
                    .collect();
                let lba = u32::from_be_bytes([b[2], b[3], b[4], b[5]]);
                match b[0] {
                    0x2A => Some((lba, u32::from(u16::from_be_bytes([b[7], b[8]])))),
                    0xAA => Some((lba, u32::from_be_bytes([b[6], b[7], b[8], b[9]]))),
                    _ => None,
                }
            })
            .collect()
    }
}

/// A recorder on `dir` whose commands are logged to `log`.
fn logged(dir: &Path, log: &Log) -> DiscRecorder {
    let transport = virtual_recorder::open(dir).unwrap();
    DiscRecorder::new(
        imapi2::master::virtual_id(dir).unwrap(),
        Box::new(Logging::new(transport, log.clone())),
        Some(Box::<VirtualClock>::default()),
        dir.join("lock"),
        Vec::new(),
        -1,
    )
    .unwrap()
}

fn writer(rec: DiscRecorder) -> DiscFormat2Data {
    let mut w = DiscFormat2Data::new();
    w.set_recorder(rec).unwrap();
    w.set_client_name("imapi2 tests").unwrap();
    // DVD+R stays appendable (IMAPI closes it for DVD players otherwise).
    w.set_disable_consumer_dvd_compatibility_mode(true).unwrap();
    w.set_burn_verification_level(VerificationLevel::Full)
        .unwrap();
    w
}

fn fs() -> FileSystems {
    FileSystems::ISO9660 | FileSystems::JOLIET | FileSystems::ROCK_RIDGE
}

fn bytes(b: &[u8]) -> DataSource {
    DataSource::Bytes(b.to_vec().into())
}

/// The newest tree of the disc, as (path, content), the same in every view
/// it has (Rock Ridge, Joliet, UDF).
fn tree(medium: &Medium) -> Vec<(String, Vec<u8>)> {
    let disc = Disc::open(medium).unwrap();
    let mut views = Vec::new();
    for view in [
        FileSystems::ROCK_RIDGE,
        FileSystems::JOLIET,
        FileSystems::UDF,
    ] {
        if !disc.file_systems().contains(view) {
            continue;
        }
        let t = disc.read_tree(view).unwrap();
        let mut out = Vec::new();
        for i in t.walk(0).into_iter().skip(1) {
            let n = &t.nodes[i as usize];
            let mut data = Vec::new();
            match &n.data {
                FsData::Extents(runs) => {
                    for &(at, len) in runs {
                        let mut b = vec![0u8; len as usize];
                        medium.read_exact_at(&mut b, at, "test").unwrap();
                        data.extend(b);
                    }
                }
                FsData::Inline(b) => data.extend_from_slice(b),
                _ => {}
            }
            out.push((t.path(i), data));
        }
        out.sort();
        views.push((view, out));
    }
    for (view, t) in &views[1..] {
        assert!(*t == views[0].1, "{view} and {} disagree", views[0].0);
    }
    views.remove(0).1
}

/// Appends one session: the disc's tree imported, `edit` applied, burnt.
/// Returns the interface used and the writes the burn sent.
fn append(
    w: &mut DiscFormat2Data,
    log: &Log,
    fs: FileSystems,
    edit: impl FnOnce(&mut FileSystemImage),
) -> (MultisessionInterface, Vec<(u32, u32)>) {
    let ifaces = w.multisession_interfaces().unwrap();
    assert_eq!(ifaces.len(), 1);
    let iface = ifaces[0].clone();
    assert!(iface.is_supported_on_current_media_state(), "{iface:?}");
    let medium = iface.open_import_medium().unwrap();
    let before = recorded(w, &medium);
    let mut img = FileSystemImage::new();
    img.set_file_systems_to_create(fs).unwrap();
    img.set_multisession(iface.to_fs(medium).unwrap()).unwrap();
    img.import_file_system(None).unwrap();
    edit(&mut img);
    log.take_writes();
    burn_session(w, &img).unwrap();
    let writes = log.take_writes();
    // What the medium held before is as it was, but for what was written
    // (which on sequential media is only the new session, after it).
    let m = w.multisession_interfaces().unwrap()[0]
        .open_import_medium()
        .unwrap();
    for (b, old) in before {
        let mut new = vec![0u8; 2048];
        m.read_exact_at(&mut new, u64::from(b) * 2048, "test")
            .unwrap();
        if old != new {
            assert!(
                matches!(iface, MultisessionInterface::RandomWrite(_))
                    && writes.iter().any(|&(lba, n)| (lba..lba + n).contains(&b)),
                "block {b} changed outside the writes {writes:?}"
            );
        }
    }
    (iface, writes)
}

/// Burns the session `img` holds: the listed ranges on overwritable media,
/// the stream at the next writable address on write-once ones.
fn burn_session(w: &mut DiscFormat2Data, img: &FileSystemImage) -> imapi2::Result<()> {
    let result = img.create_result_image().unwrap();
    match result.modified_blocks().unwrap() {
        Some(ranges) => w.write_ranges(&mut result.disc_stream().unwrap(), &ranges),
        None => {
            assert_eq!(
                i64::from(result.start_block()),
                i64::from(w.next_writable_address().unwrap()),
                "the session is laid out where the drive writes next"
            );
            w.write(&mut result.image_stream())
        }
    }
}

/// An image of the disc's newest tree with `edit` applied.
fn next_session(
    w: &mut DiscFormat2Data,
    fs: FileSystems,
    edit: impl FnOnce(&mut FileSystemImage),
) -> FileSystemImage {
    let iface = w.multisession_interfaces().unwrap().remove(0);
    assert!(iface.is_supported_on_current_media_state(), "{iface:?}");
    let medium = iface.open_import_medium().unwrap();
    let mut img = FileSystemImage::new();
    img.set_file_systems_to_create(fs).unwrap();
    img.set_multisession(iface.to_fs(medium).unwrap()).unwrap();
    img.import_file_system(None).unwrap();
    edit(&mut img);
    img
}

/// The names of the disc's newest tree in one view.
fn newest_in(w: &mut DiscFormat2Data, view: FileSystems) -> Vec<String> {
    let iface = w.multisession_interfaces().unwrap().remove(0);
    let disc = Disc::open(&iface.open_import_medium().unwrap()).unwrap();
    let t = disc.read_tree(view).unwrap();
    let mut names: Vec<String> = t.walk(0).into_iter().skip(1).map(|i| t.path(i)).collect();
    names.sort();
    names
}

/// The names of the disc's newest tree.
fn newest(w: &mut DiscFormat2Data) -> Vec<String> {
    let iface = w.multisession_interfaces().unwrap().remove(0);
    let t = tree(&iface.open_import_medium().unwrap());
    t.into_iter().map(|(p, _)| p).collect()
}

fn plan(dir: &Path, rules: &str) {
    std::fs::write(
        dir.join("faults.plan"),
        format!("imapi2-emu-faults 1\n{rules}\n"),
    )
    .unwrap();
}

#[test]
fn an_interrupted_session_leaves_the_disc_to_the_next_append() {
    use imapi2_emu::Personality::{BdWriter, CdWriter, DvdWriter};
    let cases: &[(&str, imapi2_emu::Personality, &str, &str)] = &[
        (
            "cd-r",
            CdWriter,
            "at-opcode 2A nth=4 power-loss",
            "WRITE(10)",
        ),
        (
            "dvd+r",
            DvdWriter,
            "at-opcode 2A nth=4 power-loss",
            "WRITE(10)",
        ),
        ("bd-r", BdWriter, "cancel", "cancelled"),
        (
            "dvd-r",
            DvdWriter,
            "at-opcode 2A nth=3 remove-medium",
            "02/3A",
        ),
        (
            "dvd+rw",
            DvdWriter,
            "at-opcode 2A nth=2 power-loss",
            "WRITE(10)",
        ),
        (
            "dvd+rw",
            DvdWriter,
            "at-lba 16 17 opcode=2A power-loss",
            "LBA 16",
        ),
        (
            "dvd-ram",
            DvdWriter,
            "at-lba 16 17 opcode=AA sense 03/0C/00",
            "03/0C/00",
        ),
        ("bd-re", BdWriter, "cancel", "cancelled"),
        (
            "bd-re",
            BdWriter,
            "at-lba 0 1 opcode=AA power-loss",
            "LBA 0",
        ),
    ];
    interrupted(&scratch("faults"), fs(), cases);
}

/// The same with UDF in every session: on rewritable media the stop comes
/// also while the anchor at 256 is rewritten, after block 16 was (the ISO
/// 9660 views then show the new tree, the UDF view the old one, each
/// whole).
#[test]
fn an_interrupted_udf_session_leaves_the_disc_to_the_next_append() {
    use imapi2_emu::Personality::{BdWriter, CdWriter, DvdWriter};
    let cases: &[(&str, imapi2_emu::Personality, &str, &str)] = &[
        (
            "cd-r",
            CdWriter,
            "at-opcode 2A nth=4 power-loss",
            "WRITE(10)",
        ),
        ("bd-r", BdWriter, "cancel", "cancelled"),
        (
            "dvd+rw",
            DvdWriter,
            "at-lba 16 17 opcode=2A power-loss",
            "LBA 16",
        ),
        (
            "dvd+rw",
            DvdWriter,
            "at-lba 256 257 opcode=2A power-loss",
            "LBA 256",
        ),
        (
            "bd-re",
            BdWriter,
            "at-lba 256 257 opcode=AA power-loss",
            "LBA 256",
        ),
    ];
    interrupted(&scratch("udf-faults"), fs() | FileSystems::UDF, cases);
}

/// Each case: a first session, a second one stopped by the fault plan
/// `rules` (an error naming `words`), the disc reading as before, then a
/// third session that succeeds.
fn interrupted(d: &Path, fs: FileSystems, cases: &[(&str, imapi2_emu::Personality, &str, &str)]) {
    use imapi2::burn::events::Flow;
    for (n, &(media, personality, rules, words)) in cases.iter().enumerate() {
        let dir = d.join(format!("{n}-{media}"));
        let kind = virtual_recorder::parse_media(media).unwrap();
        virtual_recorder::create(&dir, personality, Some(kind)).unwrap();
        let log = Log::default();
        let mut w = writer(logged(&dir, &log));
        let mut img = FileSystemImage::new();
        img.set_file_systems_to_create(fs).unwrap();
        let root = img.root();
        img.add_file(root, "a.txt", bytes(b"a\n")).unwrap();
        burn_session(&mut w, &img).unwrap();
        let first = newest(&mut w);
        // The second session, interrupted.
        let img = next_session(&mut w, fs, |img| {
            let root = img.root();
            img.add_file(root, "big.bin", bytes(&vec![9u8; 6 << 20]))
                .unwrap();
        });
        drop(w);
        if rules != "cancel" {
            plan(&dir, rules);
        }
        let mut w = writer(logged(&dir, &log));
        if rules == "cancel" {
            let mut seen = 0;
            w.set_update(move |p| {
                if p.engine.sectors_written() > 0 {
                    seen += 1;
                }
                if seen > 3 {
                    Flow::Cancel
                } else {
                    Flow::Continue
                }
            });
        }
        let e = burn_session(&mut w, &img).unwrap_err();
        let text = e.to_string();
        assert!(text.contains(words), "{media} {rules}: {text}");
        drop(w);
        plan(&dir, "");
        let mut rec = logged(&dir, &log);
        // A medium pulled out goes back in; an open session is closed, as
        // the error says.
        rec.close_tray().unwrap();
        let snap = rec.media().unwrap();
        if snap.state & state::NON_EMPTY_SESSION != 0 {
            assert!(
                text.contains("imapi2 close") || text.contains("open session"),
                "{text}"
            );
            imapi2::burn::close::close_media(&mut rec, "imapi2 tests", false).unwrap();
        }
        let mut w = writer(rec);
        if rules.contains("at-lba 256") {
            // Block 16 names the new tree, block 256 the old one.
            assert_eq!(
                newest_in(&mut w, FileSystems::UDF),
                first,
                "{media} {rules}: UDF reads as before"
            );
        } else {
            assert_eq!(
                newest(&mut w),
                first,
                "{media} {rules}: the disc reads as before"
            );
        }
        // The next append works, from the last whole tree.
        let img = next_session(&mut w, fs, |img| {
            let root = img.root();
            img.add_file(root, "c.txt", bytes(b"c\n")).unwrap();
        });
        burn_session(&mut w, &img).unwrap_or_else(|e| panic!("{media} {rules}: {e}"));
        let mut want = first.clone();
        want.push("/c.txt".into());
        want.sort();
        assert_eq!(newest(&mut w), want, "{media} {rules}");
    }
}

/// Every readable block of the medium's tracks (the first 2,048 of each;
/// a CD track's two run-out blocks are not readable).
fn recorded(w: &mut DiscFormat2Data, m: &Medium) -> Vec<(u32, Vec<u8>)> {
    let snap = w.recorder().unwrap().media().unwrap();
    let mut out = Vec::new();
    for t in snap.tracks.iter().filter(|t| !t.blank) {
        let start = t.start.max(0) as u32;
        for b in start..start + t.size.min(2048) {
            let mut d = vec![0u8; 2048];
            if m.read_exact_at(&mut d, u64::from(b) * 2048, "test").is_ok() {
                out.push((b, d));
            }
        }
    }
    assert!(!out.is_empty());
    out
}

fn files(t: &[(String, Vec<u8>)]) -> Vec<&str> {
    t.iter().map(|(p, _)| p.as_str()).collect()
}

#[test]
fn three_sessions_on_every_family_that_takes_them() {
    three_sessions(&scratch("three"), fs());
}

/// The same with UDF in every session (the bridge): the UDF view agrees
/// with the others after each; on rewritable media the anchor at 256 is
/// written last.
#[test]
fn three_udf_sessions_on_every_family_that_takes_them() {
    three_sessions(&scratch("three-udf"), fs() | FileSystems::UDF);
}

fn three_sessions(d: &Path, fs: FileSystems) {
    use imapi2_emu::Personality::{BdWriter, CdWriter, DvdWriter};
    let udf = fs.contains(FileSystems::UDF);
    for (media, personality) in [
        ("cd-r", CdWriter),
        ("cd-rw", CdWriter),
        ("dvd-r", DvdWriter),
        ("dvd-rw", DvdWriter),
        ("dvd+r", DvdWriter),
        ("bd-r", BdWriter),
        ("dvd+rw", DvdWriter),
        ("dvd-ram", DvdWriter),
        ("bd-re", BdWriter),
    ] {
        let dir = d.join(media);
        let kind = virtual_recorder::parse_media(media).unwrap();
        virtual_recorder::create(&dir, personality, Some(kind)).unwrap();
        let log = Log::default();
        let mut w = writer(logged(&dir, &log));
        // Session 1.
        let mut img = FileSystemImage::new();
        img.set_file_systems_to_create(fs).unwrap();
        let root = img.root();
        img.add_file(root, "a.txt", bytes(b"first a\n")).unwrap();
        img.add_directory(root, "keep").unwrap();
        img.add_file(root, "keep/big.bin", bytes(&vec![7u8; 200_000]))
            .unwrap();
        img.add_file(root, "gone.txt", bytes(b"to be removed\n"))
            .unwrap();
        let r = img.create_result_image().unwrap();
        w.write(&mut r.image_stream()).unwrap();
        let status = w.current_media_status().unwrap();
        assert_eq!(status & state::FINALIZED, 0, "{media}: {status:x}");
        // Session 2: a file added, one replaced.
        let (iface, writes2) = append(&mut w, &log, fs, |img| {
            let root = img.root();
            img.remove(root, "a.txt").unwrap();
            img.add_file(root, "a.txt", bytes(b"second a\n")).unwrap();
            img.add_directory(root, "new").unwrap();
            img.add_file(root, "new/b.txt", bytes(b"b\n")).unwrap();
        });
        // Session 3: a file removed.
        let (_, writes3) = append(&mut w, &log, fs, |img| {
            let root = img.root();
            img.remove(root, "gone.txt").unwrap();
        });
        let snap = w.recorder().unwrap().media().unwrap();
        let now = w.multisession_interfaces().unwrap().remove(0);
        let medium = now.open_import_medium().unwrap();
        let t = tree(&medium);
        assert_eq!(
            files(&t),
            ["/a.txt", "/keep", "/keep/big.bin", "/new", "/new/b.txt"],
            "{media}"
        );
        let get = |p: &str| t.iter().find(|x| x.0 == p).unwrap().1.clone();
        assert_eq!(get("/a.txt"), b"second a\n", "{media}");
        assert_eq!(get("/keep/big.bin"), vec![7u8; 200_000], "{media}");
        match iface {
            MultisessionInterface::Sequential(_) => {
                let MultisessionInterface::Sequential(s) = &now else {
                    panic!("{media}: {now:?}");
                };
                assert_eq!(s.session_starts.len(), 3, "{media}: {snap:?}");
                let disc = Disc::open(&medium).unwrap();
                assert_eq!(disc.sessions.len(), 3, "{media}: every session is found");
                for w in [&writes2, &writes3] {
                    assert!(!w.is_empty());
                }
            }
            MultisessionInterface::RandomWrite(r) => {
                // Only the session and the descriptors at 16 were written,
                // in that order, each in whole write units.
                let unit = r.write_unit_size as u32;
                for writes in [&writes2, &writes3] {
                    let first = writes.first().unwrap().0;
                    assert!(first >= 32, "{media}: the session first: {writes:?}");
                    let last = writes.last().unwrap();
                    let last_unit = if udf { 256 } else { 16 } / unit * unit;
                    assert_eq!(last.0, last_unit, "{media}: descriptors last: {writes:?}");
                    assert!(
                        writes
                            .iter()
                            .all(|&(lba, n)| lba % unit == 0 && n % unit == 0),
                        "{media}: whole units: {writes:?}"
                    );
                    let low: u32 = writes.iter().filter(|w| w.0 < first).map(|w| w.1).sum();
                    let units = if udf { 2 } else { 1 };
                    assert!(
                        low <= units * unit.max(16),
                        "{media}: only block 16's unit (and 256's): {writes:?}"
                    );
                }
            }
        }
    }
}

#[test]
fn media_that_take_one_session_say_so() {
    use imapi2_emu::Personality::DvdWriter;
    let d = scratch("one");
    for media in ["dvd-r-dl", "dvd+r-dl"] {
        let dir = d.join(media);
        let kind = virtual_recorder::parse_media(media).unwrap();
        virtual_recorder::create(&dir, DvdWriter, Some(kind)).unwrap();
        let log = Log::default();
        let mut w = writer(logged(&dir, &log));
        // Blank: no session to append to.
        let blank = w.multisession_interfaces().unwrap();
        assert!(
            blank
                .iter()
                .all(|i| !i.is_supported_on_current_media_state()),
            "{media}: {blank:?}"
        );
        let mut img = FileSystemImage::new();
        img.set_file_systems_to_create(fs()).unwrap();
        let root = img.root();
        img.add_file(root, "a.txt", bytes(b"a\n")).unwrap();
        let r = img.create_result_image().unwrap();
        w.write(&mut r.image_stream()).unwrap();
        let after = w.multisession_interfaces().unwrap();
        assert!(
            after
                .iter()
                .all(|i| !i.is_supported_on_current_media_state()),
            "{media} is closed after one session: {after:?}"
        );
        let e = after[0]
            .to_fs(Medium::from_stream(std::io::Cursor::new(vec![0u8; 2048])).unwrap())
            .unwrap_err();
        assert!(e.to_string().contains("not supported on the medium"), "{e}");
        assert_eq!(
            e.imapi_code_name(),
            Some("IMAPI_E_NO_COMPATIBLE_MULTISESSION_TYPE")
        );
        let _ = DiscReader::new(w.take_recorder().unwrap()).unwrap();
    }
}

/// A stream of `.0` zero bytes at position `.1`, measured, never read here.
struct Zeros(u64, u64);

impl std::io::Read for Zeros {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min((self.0 - self.1.min(self.0)) as usize);
        buf[..n].fill(0);
        self.1 += n as u64;
        Ok(n)
    }
}

impl std::io::Seek for Zeros {
    fn seek(&mut self, to: std::io::SeekFrom) -> std::io::Result<u64> {
        self.1 = match to {
            std::io::SeekFrom::Start(n) => n,
            std::io::SeekFrom::End(d) => self.0.saturating_add_signed(d),
            std::io::SeekFrom::Current(d) => self.1.saturating_add_signed(d),
        };
        Ok(self.1)
    }
}

/// Traps from peers' trackers, each met here: READ TRACK INFORMATION of the
/// invisible track (FFh), which DVD-R/RW drives refuse (05/24/00) while CD
/// ones answer, so import must go by the last track number; a blank BD-R
/// refusing CLOSE SESSION, which no burn sends it; a BD-R formatted with
/// spares (pseudo-overwrite), whose capacity is smaller, the multisession
/// figures following the drive's and an append too big for what is left
/// refused before anything is written.
#[test]
fn traps_peers_met() {
    use imapi2::burn::formatting::{format_media, FormatRequest, Spares, Thoroughness};
    use imapi2::mmc::cdb::TrackAddressType;
    use imapi2::mmc::drive::Drive;
    use imapi2_emu::Personality::{BdWriter, CdWriter, DvdWriter};
    let d = scratch("traps");
    let first_session = |dir: &Path, log: &Log| {
        let mut w = writer(logged(dir, log));
        let mut img = FileSystemImage::new();
        img.set_file_systems_to_create(fs()).unwrap();
        let root = img.root();
        img.add_file(root, "a.txt", bytes(b"a\n")).unwrap();
        burn_session(&mut w, &img).unwrap();
        w
    };
    for (media, personality, answers) in [
        ("cd-rw", CdWriter, true),
        ("dvd-r", DvdWriter, false),
        ("dvd-rw", DvdWriter, false),
    ] {
        let dir = d.join(media);
        let kind = virtual_recorder::parse_media(media).unwrap();
        virtual_recorder::create(&dir, personality, Some(kind)).unwrap();
        let log = Log::default();
        drop(first_session(&dir, &log));
        let mut drive = Drive::new(virtual_recorder::open(&dir).unwrap());
        let r = drive.read_track_information(TrackAddressType::Track, 0xFF);
        match (answers, r) {
            (true, Ok(t)) => assert!(t.nwa_valid, "{media}: {t:?}"),
            (false, Err(e)) => assert!(e.to_string().contains("05/24/00"), "{media}: {e}"),
            (_, r) => panic!("{media}: {r:?}"),
        }
        drop(drive);
        let mut w = writer(logged(&dir, &log));
        append(&mut w, &log, fs(), |img| {
            let root = img.root();
            img.add_file(root, "b.txt", bytes(b"b\n")).unwrap();
        });
        assert_eq!(newest(&mut w), ["/a.txt", "/b.txt"], "{media}");
    }
    // A blank BD-R: the drive refuses CLOSE SESSION; a multi-session burn
    // and `close` of the blank disc do not send it.
    let blank_bd_r = |name: &str| {
        let dir = d.join(name);
        let kind = virtual_recorder::parse_media("bd-r").unwrap();
        virtual_recorder::create(&dir, BdWriter, Some(kind)).unwrap();
        dir
    };
    let dir = blank_bd_r("bd-r");
    let log = Log::default();
    let mut rec = logged(&dir, &log);
    let said = imapi2::burn::close::close_media(&mut rec, "imapi2 tests", false).unwrap();
    assert!(said.contains("nothing to close"), "{said}");
    drop(rec);
    let mut w = first_session(&dir, &log);
    assert_ne!(w.current_media_status().unwrap() & state::APPENDABLE, 0);
    assert_eq!(newest(&mut w), ["/a.txt"]);
    // A BD-R formatted with the largest spares: less room, and the figures
    // say so.
    let dir = blank_bd_r("bd-r-spares");
    let log = Log::default();
    let mut rec = logged(&dir, &log);
    format_media(
        &mut rec,
        "imapi2 tests",
        FormatRequest {
            thoroughness: Thoroughness::Quick,
            spares: Spares::Max,
        },
        &mut |_, _| {},
    )
    .unwrap();
    drop(rec);
    let mut w = first_session(&dir, &log);
    let iface = w.multisession_interfaces().unwrap().remove(0);
    let MultisessionInterface::Sequential(s) = &iface else {
        panic!("{iface:?}");
    };
    let free = s.free_sectors_on_media as u32;
    drop(w);
    let mut drive = Drive::new(virtual_recorder::open(&dir).unwrap());
    let t = drive
        .read_track_information(TrackAddressType::Track, 0xFF)
        .unwrap();
    assert_eq!(free, t.free_blocks, "FreeSectorsOnMedia is the drive's");
    assert!(
        i64::from(free) + i64::from(t.start) < 12_219_392 / 2,
        "the spares take room: {free} free after {}",
        t.start
    );
    drop(drive);
    let mut w = writer(logged(&dir, &log));
    let mut img = next_session(&mut w, fs(), |_| {});
    log.take_writes();
    let root = img.root();
    let size = (u64::from(free) + 1) * 2048;
    let e = img
        .add_file(root, "too-big.bin", DataSource::stream(Zeros(size, 0)))
        .unwrap_err();
    assert!(
        matches!(e, imapi2::fs::Error::ImageSizeLimit { free_media_blocks, .. } if free_media_blocks == free),
        "{e}"
    );
    assert!(log.take_writes().is_empty(), "nothing was written");
    assert_eq!(newest(&mut w), ["/a.txt"]);
}
