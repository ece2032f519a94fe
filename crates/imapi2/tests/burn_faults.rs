//! The burn's fault matrix on the virtual recorder's fault plans: each
//! failure gives one clear error naming the drive, the command, the decoded
//! sense and the LBA; nothing panics or hangs; the session already on the
//! disc stays readable, and the drive is let go.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use imapi2::burn::data::DiscFormat2Data;
use imapi2::burn::events::{Flow, VerificationLevel};
use imapi2::fs::{DataSource, Disc, FileSystemImage, FileSystems, Medium};
use imapi2::media::state;
use imapi2::virtual_recorder;
use imapi2::{DiscMaster, DiscReader, DiscRecorder, Error, VirtualRegistry};

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("imapi2-faults-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn open(d: &Path, name: &str) -> DiscRecorder {
    let m = DiscMaster::with(&d.join("no-sysfs"), VirtualRegistry::at(d.join("registry")));
    m.open(d.join(name).to_str().unwrap()).unwrap()
}

fn noise(len: usize, seed: u32) -> Vec<u8> {
    let mut x = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    (0..len)
        .map(|_| {
            x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (x >> 24) as u8
        })
        .collect()
}

/// An ISO 9660 + Joliet image of one file, laid out from block `start`.
fn image(name: &str, data: Vec<u8>, start: u32) -> Vec<u8> {
    let mut img = FileSystemImage::new();
    img.set_free_media_blocks(0).unwrap();
    img.set_file_systems_to_create(FileSystems::ISO9660 | FileSystems::JOLIET)
        .unwrap();
    img.set_session_start_block(start).unwrap();
    let root = img.root();
    img.add_file(root, name, DataSource::Bytes(data.into()))
        .unwrap();
    let r = img.create_result_image().unwrap();
    let mut out = Vec::new();
    std::io::Read::read_to_end(&mut r.image_stream(), &mut out).unwrap();
    out
}

fn writer(rec: DiscRecorder) -> DiscFormat2Data {
    let mut w = DiscFormat2Data::new();
    w.set_recorder(rec).unwrap();
    w.set_client_name("fault matrix").unwrap();
    w.set_burn_verification_level(VerificationLevel::Quick)
        .unwrap();
    // A DVD+R stays appendable only out of IMAPI's compatibility mode.
    w.set_disable_consumer_dvd_compatibility_mode(true).unwrap();
    w
}

/// A recorder `name` with a `media` disc holding one closed session with
/// `first.txt`; returns the next writable address.
fn with_a_session(d: &Path, name: &str, media: &str) -> i32 {
    let kind = virtual_recorder::parse_media(media).unwrap();
    let personality = if kind.is_bd() {
        imapi2_emu::Personality::BdWriter
    } else if kind.is_cd() {
        imapi2_emu::Personality::CdWriter
    } else {
        imapi2_emu::Personality::DvdWriter
    };
    virtual_recorder::create(&d.join(name), personality, Some(kind)).unwrap();
    let mut w = writer(open(d, name));
    w.write(&mut Cursor::new(image(
        "first.txt",
        b"first session\n".to_vec(),
        0,
    )))
    .unwrap();
    let nwa = w.next_writable_address().unwrap();
    assert!(nwa > 0, "{media}: appendable after the first session");
    nwa
}

/// The first session still reads, with its file.
fn first_session_readable(d: &Path, name: &str) {
    let reader = DiscReader::new(open(d, name)).unwrap();
    let medium = Medium::from_stream(reader).unwrap();
    let disc = Disc::open(&medium).unwrap();
    let tree = disc
        .read_tree_of(0, FileSystems::JOLIET)
        .unwrap_or_else(|e| panic!("{name}: the first session: {e}"));
    assert!(tree.lookup("/first.txt").is_some(), "{name}");
}

fn plan(d: &Path, name: &str, rules: &str) {
    std::fs::write(
        d.join(name).join("faults.plan"),
        format!("imapi2-emu-faults 1\n{rules}\n"),
    )
    .unwrap();
}

/// Burns a second session of `size` bytes under the fault plan `rules`.
fn second_session(
    d: &Path,
    name: &str,
    nwa: i32,
    rules: &str,
    size: usize,
) -> (Result<(), Error>, DiscFormat2Data) {
    plan(d, name, rules);
    let mut w = writer(open(d, name));
    let img = image("second.bin", noise(size, 7), nwa as u32);
    let r = w.write(&mut Cursor::new(img));
    (r, w)
}

fn assert_names(e: &Error, words: &[&str]) {
    let text = e.to_string();
    for w in words {
        assert!(text.contains(w), "{w:?} in {text}");
    }
}

#[test]
fn a_write_error_mid_burn_names_drive_command_sense_and_lba() {
    let d = scratch("write-error");
    for media in ["cd-r", "dvd-r", "bd-r"] {
        let nwa = with_a_session(&d, media, media);
        let (r, mut w) = second_session(
            &d,
            media,
            nwa,
            "at-opcode 2A nth=4 sense 03/0C/00 once",
            1 << 20,
        );
        let e = r.unwrap_err();
        assert_names(&e, &[media, "WRITE(10)", "03/0C/00", "LBA"]);
        assert_eq!(e.imapi_code(), Some(0xC0AA_0301), "{e}");
        assert!(!w.cancel_handle().in_progress());
        drop(w.take_recorder());
        first_session_readable(&d, media);
    }
}

#[test]
fn the_medium_removed_or_the_drive_reset_mid_burn_end_it() {
    let d = scratch("removed");
    for (i, sense) in ["02/3A/00", "06/28/00", "06/29/00"].iter().enumerate() {
        let name = format!("r{i}");
        let nwa = with_a_session(&d, &name, "bd-r");
        let rule = format!("at-opcode 2A nth=3 sense {sense} once");
        let (r, _) = second_session(&d, &name, nwa, &rule, 1 << 20);
        let e = r.unwrap_err();
        assert_names(&e, &["WRITE(10)", sense, "LBA"]);
        first_session_readable(&d, &name);
    }
}

#[test]
fn a_storm_of_long_write_in_progress_is_waited_out() {
    let d = scratch("storm");
    let nwa = with_a_session(&d, "bd", "bd-r");
    let rules: Vec<String> = (3..60)
        .map(|n| format!("at-opcode 2A nth={n} sense 02/04/08 once"))
        .collect();
    let (r, mut w) = second_session(&d, "bd", nwa, &rules.join("\n"), 2 << 20);
    r.unwrap();
    assert_eq!(
        w.current_media_status().unwrap() & state::APPENDABLE,
        state::APPENDABLE
    );
}

#[test]
fn an_image_larger_than_the_free_space_is_refused_before_writing() {
    let d = scratch("full");
    virtual_recorder::create(
        &d.join("cd"),
        imapi2_emu::Personality::CdWriter,
        virtual_recorder::parse_media("cd-r"),
    )
    .unwrap();
    let mut w = writer(open(&d, "cd"));
    let free = w.free_sectors_on_media().unwrap() as usize;
    let too_big = vec![0u8; (free + 16) * 2048];
    let e = w.write(&mut Cursor::new(too_big)).unwrap_err();
    assert_eq!(e.imapi_code(), Some(0xC0AA_0404), "{e}");
    assert_ne!(
        w.current_media_status().unwrap() & state::BLANK,
        0,
        "nothing written"
    );
    let e = w.write(&mut Cursor::new(vec![0u8; 1000])).unwrap_err();
    assert_eq!(e.imapi_code(), Some(0xC0AA_0403), "whole sectors: {e}");
}

#[test]
fn a_source_that_changes_size_mid_burn_is_a_data_stream_error() {
    let d = scratch("source");
    let nwa = with_a_session(&d, "dvd", "dvd-r");
    let file = d.join("grows.bin");
    std::fs::write(&file, noise(3 << 20, 9)).unwrap();
    let mut img = FileSystemImage::new();
    img.set_free_media_blocks(0).unwrap();
    img.set_session_start_block(nwa as u32).unwrap();
    let root = img.root();
    img.add_host_file(root, "grows.bin", &file).unwrap();
    let result = img.create_result_image().unwrap();
    std::fs::write(&file, b"shorter now").unwrap();
    let mut w = writer(open(&d, "dvd"));
    let e = w.write(&mut result.image_stream()).unwrap_err();
    assert_eq!(
        e.imapi_code(),
        Some(0xC0AA_B128),
        "IMAPI_E_DATA_STREAM_INCONSISTENCY: {e}"
    );
    assert_names(&e, &["grows.bin"]);
    drop(w.take_recorder());
    first_session_readable(&d, "dvd");
}

#[test]
fn power_loss_mid_burn_leaves_the_first_session() {
    let d = scratch("power");
    for media in ["cd-r", "dvd+r", "bd-r"] {
        let nwa = with_a_session(&d, media, media);
        let (r, w) = second_session(&d, media, nwa, "at-opcode 2A nth=6 power-loss", 2 << 20);
        let e = r.unwrap_err();
        assert_names(&e, &["WRITE(10)", "LBA"]);
        drop(w);
        first_session_readable(&d, media);
    }
}

#[test]
fn power_calibration_and_fixation_failures_are_clear_errors() {
    let d = scratch("opc");
    virtual_recorder::create(
        &d.join("dvd"),
        imapi2_emu::Personality::DvdWriter,
        virtual_recorder::parse_media("dvd-r"),
    )
    .unwrap();
    plan(&d, "dvd", "at-opcode 54 sense 03/73/03 once");
    let mut w = writer(open(&d, "dvd"));
    let e = w
        .write(&mut Cursor::new(image("a", vec![1; 5000], 0)))
        .unwrap_err();
    assert_names(&e, &["SEND OPC", "03/73/03"]);
    assert_ne!(
        w.current_media_status().unwrap() & state::BLANK,
        0,
        "nothing written"
    );
    drop(w);
    let nwa = with_a_session(&d, "bd", "bd-r");
    let (r, _) = second_session(&d, "bd", nwa, "at-opcode 5B sense 03/72/03 once", 1 << 20);
    let e = r.unwrap_err();
    assert_names(&e, &["CLOSE TRACK", "03/72/03"]);
    first_session_readable(&d, "bd");
}

#[test]
fn cancel_from_another_thread_and_from_the_handler() {
    let d = scratch("cancel");
    // From the handler, after some data.
    let nwa = with_a_session(&d, "bd", "bd-r");
    plan(&d, "bd", "");
    let mut w = writer(open(&d, "bd"));
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
    let e = w
        .write(&mut Cursor::new(image(
            "big",
            noise(8 << 20, 3),
            nwa as u32,
        )))
        .unwrap_err();
    assert_eq!(e.imapi_code(), Some(0xC0AA_0002), "{e}");
    assert_names(&e, &["open session", "BD-R"]);
    assert!(!w.cancel_write(), "nothing runs any more");
    drop(w);
    first_session_readable(&d, "bd");
    // From another thread, while the engine writes.
    let nwa2 = with_a_session(&d, "bd2", "bd-r");
    let mut w = writer(open(&d, "bd2"));
    let handle = w.cancel_handle();
    let started = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let s = started.clone();
    w.set_update(move |p| {
        if p.engine.sectors_written() > 64 {
            s.store(true, std::sync::atomic::Ordering::SeqCst);
            // Give the other thread its chance: the handler is on the burn's thread.
            std::thread::yield_now();
        }
        Flow::Continue
    });
    let img = image("big", noise(64 << 20, 4), nwa2 as u32);
    let t = std::thread::spawn(move || {
        while !started.load(std::sync::atomic::Ordering::SeqCst) {
            std::thread::yield_now();
        }
        handle.cancel()
    });
    let r = w.write(&mut Cursor::new(img));
    let cancelled = t.join().unwrap();
    if cancelled {
        let e = r.unwrap_err();
        assert_eq!(e.imapi_code(), Some(0xC0AA_0002), "{e}");
    } else {
        r.unwrap(); // the burn ended before the cancel came
    }
    drop(w);
    first_session_readable(&d, "bd2");
}

#[test]
fn exclusive_access_and_the_tray_lock_go_on_a_panic_too() {
    let d = scratch("panic");
    virtual_recorder::create(
        &d.join("bd"),
        imapi2_emu::Personality::BdWriter,
        virtual_recorder::parse_media("bd-re"),
    )
    .unwrap();
    let mut w = writer(open(&d, "bd"));
    w.set_update(|p| {
        if p.engine.sectors_written() > 0 {
            panic!("a handler that fails");
        }
        Flow::Continue
    });
    let img = image("big", noise(4 << 20, 5), 0);
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _ = w.write(&mut Cursor::new(img));
    }));
    assert!(caught.is_err(), "the handler's panic comes through");
    assert!(!w.cancel_handle().in_progress());
    let rec = w.recorder().unwrap();
    assert_eq!(
        rec.exclusive_access_owner(),
        None,
        "exclusive access released"
    );
    rec.eject_media().expect("the tray is not locked");
    // and another client can take the drive
    let mut other = open(&d, "bd");
    other.acquire_exclusive_access(false, "another").unwrap();
}

#[test]
fn a_drive_that_records_nothing_cannot_pass_for_a_success() {
    let d = scratch("discard");
    for media in ["dvd+r", "bd-re"] {
        virtual_recorder::create(
            &d.join(media),
            imapi2_emu::Personality::BdWriter,
            virtual_recorder::parse_media(media),
        )
        .unwrap();
        // DVD+R gets WRITE(10); BD-RE WRITE(12) with the Streaming bit.
        plan(
            &d,
            media,
            "at-opcode 2A discard always\nat-opcode AA discard always",
        );
        let mut w = writer(open(&d, media));
        w.set_burn_verification_level(VerificationLevel::None)
            .unwrap();
        let e = w
            .write(&mut Cursor::new(image("a", noise(1 << 20, 1), 0)))
            .unwrap_err();
        assert_names(&e, &["reported every write as done"]);
        assert_eq!(e.imapi_code(), Some(0xC0AA_0301), "{e}");
    }
}

#[test]
fn the_medium_pulled_out_mid_burn_is_a_clear_error() {
    let d = scratch("pulled");
    let nwa = with_a_session(&d, "bd", "bd-r");
    let (r, _) = second_session(&d, "bd", nwa, "at-opcode 2A nth=4 remove-medium", 2 << 20);
    let e = r.unwrap_err();
    assert_names(&e, &["WRITE(10)", "02/3A/02", "LBA"]);
    assert_eq!(
        e.imapi_code(),
        Some(0xC0AA_0202),
        "E_IMAPI_RECORDER_MEDIA_NO_MEDIA: {e}"
    );
}

#[test]
fn a_drive_that_lists_no_write_speeds_still_burns() {
    let d = scratch("speeds");
    virtual_recorder::create(
        &d.join("dvd"),
        imapi2_emu::Personality::DvdWriter,
        virtual_recorder::parse_media("dvd+rw"),
    )
    .unwrap();
    plan(&d, "dvd", "quirk no-write-speeds");
    let mut w = writer(open(&d, "dvd"));
    assert!(
        w.supported_write_speeds().unwrap().len() <= 1,
        "none listed (page 2Ah's maximum at most)"
    );
    w.write(&mut Cursor::new(image("a", noise(1 << 20, 2), 0)))
        .unwrap();
}

#[test]
fn full_verification_finds_a_sector_the_medium_holds_wrong() {
    let d = scratch("corrupt");
    let img = image("data.bin", noise(2 << 20, 6), 0);
    let blocks = (img.len() / 2048) as i64;
    let bad = blocks - 100;
    // A good burn: quick and full verification pass.
    for (name, level) in [
        ("good-quick", VerificationLevel::Quick),
        ("good-full", VerificationLevel::Full),
    ] {
        virtual_recorder::create(
            &d.join(name),
            imapi2_emu::Personality::BdWriter,
            virtual_recorder::parse_media("bd-re"),
        )
        .unwrap();
        let mut w = writer(open(&d, name));
        w.set_burn_verification_level(level).unwrap();
        w.write(&mut Cursor::new(img.clone())).unwrap();
    }
    // One sector recorded wrong: full verification names it.
    virtual_recorder::create(
        &d.join("bad"),
        imapi2_emu::Personality::BdWriter,
        virtual_recorder::parse_media("bd-re"),
    )
    .unwrap();
    plan(
        &d,
        "bad",
        &format!("at-lba {bad} {} opcode=AA corrupt once", bad + 1), // BD-RE: WRITE(12)
    );
    let mut w = writer(open(&d, "bad"));
    w.set_burn_verification_level(VerificationLevel::Full)
        .unwrap();
    let e = w.write(&mut Cursor::new(img)).unwrap_err();
    assert_eq!(
        e.imapi_code(),
        Some(0xC0AA_0007),
        "E_IMAPI_BURN_VERIFICATION_FAILED: {e}"
    );
    assert_names(&e, &[&format!("LBA {bad}"), "differs"]);
}
