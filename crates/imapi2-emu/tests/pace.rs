//! Paced recorders: a write buffer drained against the wall clock at a
//! multiple of 1×, buffer underruns (survived with BUFE or on media that
//! link losslessly, fatal without BUFE on CD and DVD-R/RW), WRITEs held or
//! answered 02/04/08 when the buffer is full, flushes that wait for the
//! laser, and the counters kept in `drive.state`.
//!
//! These tests sleep, but briefly (tiny buffers, each test well under a
//! second), and assert counts and states, never wall times: where a test
//! depends on the host being faster than the laser, the margin is tens of
//! milliseconds of scheduling delay or more.

mod common;

use std::time::Duration;

use common::Host;
use imapi2_emu::clock::WriteBuffer;
use imapi2_emu::drive::{DriveRecord, Pace, WhenFull, WriteStats};
use imapi2_emu::media::MediaKind;
use imapi2_emu::{Personality, RecorderConfig, SenseCode, VirtualDisc, VirtualRecorder};
use imapi2_mmc::capacity::BufferCapacity;
use imapi2_mmc::cdb::{CloseFunction, Command};
use imapi2_mmc::mode::{ModePage, ModeParameters, PageControl};
use imapi2_mmc::transport::{DataPhase, ScsiStatus};

fn paced(p: Personality, kind: MediaKind, pace: &str, buffer: u32, when_full: WhenFull) -> Host {
    let dir = tempfile::tempdir().unwrap();
    let config = RecorderConfig {
        buffer: WriteBuffer::unlimited(buffer),
        pace: Some(Pace::parse(pace).unwrap()),
        when_full,
        ..Default::default()
    };
    let mut rec = VirtualRecorder::with_config(p, config);
    rec.insert(VirtualDisc::create(dir.path().join("m"), kind).unwrap())
        .unwrap();
    assert!(rec.is_paced());
    Host::with_recorder(rec, dir)
}

fn set_bufe(h: &mut Host, on: bool) {
    let mut p = h.mode_page_05();
    p.bufe = on;
    assert_eq!(h.select_05(p), None);
}

fn buffer(h: &mut Host) -> (u32, u32) {
    let b = h.ok_in(
        &Command::ReadBufferCapacity {
            block: false,
            allocation_length: 12,
        },
        12,
    );
    match BufferCapacity::decode(&b, false).unwrap() {
        BufferCapacity::Bytes { length, available } => (length, available),
        other => panic!("{other:?}"),
    }
}

fn nap(ms: u64) {
    std::thread::sleep(Duration::from_millis(ms));
}

#[test]
fn fed_fast_enough_a_paced_drive_holds_the_writes_and_has_no_underrun() {
    // 128 KiB at DVD 1x: the full buffer lasts about 95 ms.
    let mut h = paced(
        Personality::DvdWriter,
        MediaKind::DvdMinusR,
        "1x",
        128 * 1024,
        WhenFull::Wait,
    );
    set_bufe(&mut h, false);
    let track = h.open_track();
    assert_eq!(buffer(&mut h), (128 * 1024, 128 * 1024));
    h.write_ok(0, 64); // fills the buffer at once
    let mut at = 64;
    for _ in 0..8 {
        // Each WRITE waits for room, then leaves the buffer full.
        h.write_ok(at, 16);
        at += 16;
    }
    let (length, available) = buffer(&mut h);
    assert_eq!(length, 128 * 1024);
    assert!(available < length / 2, "{available} of {length} free");
    h.sync(false);
    assert_eq!(buffer(&mut h).1, 128 * 1024, "the flush emptied it");
    let stats = h.rec.write_stats();
    assert_eq!(stats.underruns, 0);
    assert!(stats.writing > Duration::ZERO);
    let t = h.track_info(track);
    assert!(!t.damage);
    assert_eq!(t.nwa(), Some(192));
    h.read_back(0, 192);
}

#[test]
fn fed_too_slowly_without_bufe_a_dvd_r_recording_is_ruined() {
    // 64 KiB at DVD 1x: 32 KiB is on the disc in about 24 ms.
    let mut h = paced(
        Personality::DvdWriter,
        MediaKind::DvdMinusR,
        "1x",
        64 * 1024,
        WhenFull::Wait,
    );
    set_bufe(&mut h, false);
    let track = h.open_track();
    h.write_ok(0, 16);
    nap(80);
    assert_eq!(h.write(16, 16), Some(SenseCode::LOSS_OF_STREAMING));
    assert_eq!(h.rec.write_stats().underruns, 1);
    let t = h.track_info(track);
    assert!(t.damage, "{t:?}");
    assert!(!t.nwa_valid, "damaged, not writable: {t:?}");
    // The track takes no more data; what reached the disc reads back.
    assert_eq!(h.write(16, 16), Some(SenseCode::INVALID_WRITE_ADDRESS));
    h.read_back(0, 16);
    // It can still be closed, damaged.
    assert_eq!(h.close(CloseFunction::Track, track as u16, false), None);
    let t = h.track_info(track);
    assert!(t.damage && !t.nwa_valid);
    assert_eq!(h.rec.write_stats().underruns, 1, "counted once");
}

#[test]
fn fed_too_slowly_without_bufe_a_cd_r_track_is_left_damaged() {
    // CD 10x: 750 sectors a second; 16 sectors are on the disc in 21 ms.
    let mut h = paced(
        Personality::CdWriter,
        MediaKind::CdR,
        "10x",
        64 * 1024,
        WhenFull::Wait,
    );
    set_bufe(&mut h, false);
    h.write_ok(0, 16);
    nap(60);
    assert_eq!(h.write(16, 16), Some(SenseCode::LOSS_OF_STREAMING));
    let t = h.track_info(1);
    assert!(t.damage && !t.nwa_valid, "{t:?}");
    // SYNCHRONIZE CACHE closes the TAO track as it is: damaged.
    h.sync(false);
    let t = h.track_info(1);
    assert!(t.damage, "{t:?}");
    assert_eq!(h.rec.write_stats().underruns, 1);
}

#[test]
fn with_bufe_or_on_lossless_media_an_underrun_is_survived_and_counted() {
    // DVD-R with BUFE, DVD+R and BD-R whatever page 05h says.
    for (p, kind, bufe) in [
        (Personality::DvdWriter, MediaKind::DvdMinusR, true),
        (Personality::DvdWriter, MediaKind::DvdPlusR, false),
        (Personality::BdWriter, MediaKind::BdR, false),
    ] {
        let mut h = paced(p, kind, "1x", 64 * 1024, WhenFull::Wait);
        set_bufe(&mut h, bufe);
        let track = h.open_track();
        let unit = if kind.is_bd() { 32 } else { 16 };
        h.write_ok(0, unit);
        nap(40);
        h.write_ok(i64::from(unit), unit);
        nap(40);
        h.write_ok(i64::from(2 * unit), unit);
        h.sync(false);
        assert_eq!(h.rec.write_stats().underruns, 2, "{kind}");
        let t = h.track_info(track);
        assert!(!t.damage, "{kind}: {t:?}");
        h.read_back(0, 3 * unit);
    }
}

#[test]
fn a_pause_before_the_flush_is_no_underrun() {
    let mut h = paced(
        Personality::DvdWriter,
        MediaKind::DvdMinusR,
        "1x",
        64 * 1024,
        WhenFull::Wait,
    );
    set_bufe(&mut h, false);
    let track = h.open_track();
    h.write_ok(0, 16);
    nap(60); // empty long before the host's SYNCHRONIZE CACHE
    h.sync(false);
    h.write_ok(16, 16); // a new recording
    h.sync(false);
    assert_eq!(h.rec.write_stats().underruns, 0);
    assert!(!h.track_info(track).damage);
}

#[test]
fn an_immediate_flush_reports_operation_in_progress_until_the_buffer_is_out() {
    // 256 KiB at DVD 1x: about 190 ms to write out.
    let mut h = paced(
        Personality::DvdWriter,
        MediaKind::DvdPlusR,
        "1x",
        256 * 1024,
        WhenFull::Wait,
    );
    h.write_ok(0, 128);
    h.sync(true);
    assert_eq!(
        h.outcome(&Command::TestUnitReady, DataPhase::None),
        Some(SenseCode::OPERATION_IN_PROGRESS)
    );
    let mut polls = 0;
    while h
        .outcome(&Command::TestUnitReady, DataPhase::None)
        .is_some()
    {
        polls += 1;
        assert!(polls < 200, "the flush never ends");
        nap(10);
    }
    assert_eq!(buffer(&mut h).1, 256 * 1024);
    h.read_back(0, 128);
}

#[test]
fn a_drive_that_reports_a_full_buffer_answers_long_write_in_progress() {
    // CD 1x: 75 sectors a second; a 4-sector (8 KiB) buffer, 2-sector
    // writes: the second one waits about 27 ms for room.
    let mut h = paced(
        Personality::CdWriter,
        MediaKind::CdR,
        "1x",
        8 * 1024,
        WhenFull::Report,
    );
    set_bufe(&mut h, true);
    h.write_ok(0, 4);
    let mut busy = 0;
    let mut at = 4;
    while at < 10 {
        match h.write(at, 2) {
            None => at += 2,
            Some(s) => {
                assert_eq!(s, SenseCode::LONG_WRITE_IN_PROGRESS);
                busy += 1;
                nap(3);
            }
        }
    }
    assert!(busy > 0, "the buffer was full at least once");
    h.sync(false);
    h.read_back(0, 10);
}

#[test]
fn the_buffer_size_is_what_page_2a_and_read_buffer_capacity_report() {
    let mut h = paced(
        Personality::BdWriter,
        MediaKind::BdRe,
        "2x",
        512 * 1024,
        WhenFull::Wait,
    );
    assert_eq!(buffer(&mut h), (512 * 1024, 512 * 1024));
    let b = h.ok_in(
        &Command::ModeSense10 {
            llbaa: false,
            dbd: true,
            page_control: PageControl::Current,
            page_code: 0x2A,
            subpage: 0,
            allocation_length: 512,
        },
        512,
    );
    match ModeParameters::decode10(&b).unwrap().page(0x2A) {
        Some(ModePage::Capabilities(c)) => assert_eq!(c.buffer_size_kib, 512),
        other => panic!("{other:?}"),
    }
}

#[test]
fn pace_and_counters_persist_in_drive_state_and_a_new_blank_medium_resets_them() {
    let dir = tempfile::tempdir().unwrap();
    let drive = dir.path().join("drive");
    let mut rec = VirtualRecorder::create(&drive, Personality::DvdWriter).unwrap();
    assert!(!rec.is_paced());
    rec.set_pace(Pace::parse("1x"));
    rec.set_buffer_size(64 * 1024).unwrap();
    rec.set_when_full(WhenFull::Wait);
    rec.insert(VirtualDisc::create(dir.path().join("disc-1"), MediaKind::DvdPlusR).unwrap())
        .unwrap();
    drop(rec);
    let saved = DriveRecord::load(&drive).unwrap();
    assert_eq!(saved.pace, Pace::times(1));
    assert_eq!(saved.buffer_size, 64 * 1024);
    let rec = VirtualRecorder::open(&drive).unwrap();
    assert!(rec.is_paced());
    let mut h = Host::with_recorder(rec, tempfile::tempdir().unwrap());
    h.write_ok(0, 16);
    nap(60);
    h.write_ok(16, 16);
    h.sync(false);
    // Counted and saved at once, before the recorder goes away.
    let stats = DriveRecord::load(&drive).unwrap().stats;
    assert_eq!(stats.underruns, 1);
    assert!(stats.writing > Duration::ZERO);
    drop(h);
    let mut rec = VirtualRecorder::open(&drive).unwrap();
    assert_eq!(rec.write_stats(), stats);
    // The same medium again: the counters stay.
    let disc = rec.eject().unwrap().unwrap();
    rec.insert(disc).unwrap();
    assert_eq!(rec.write_stats(), stats);
    // A new blank medium: they start again.
    rec.eject().unwrap();
    rec.insert(VirtualDisc::create(dir.path().join("disc-2"), MediaKind::DvdPlusR).unwrap())
        .unwrap();
    assert_eq!(rec.write_stats(), WriteStats::default());
    assert_eq!(
        DriveRecord::load(&drive).unwrap().stats,
        WriteStats::default()
    );
    // Unpaced again.
    rec.set_pace(None);
    drop(rec);
    assert!(!VirtualRecorder::open(&drive).unwrap().is_paced());
}

#[test]
fn an_unpaced_drive_counts_nothing_and_waits_for_nothing() {
    let mut h = Host::new(Personality::DvdWriter, MediaKind::DvdMinusR);
    assert!(!h.rec.is_paced());
    set_bufe(&mut h, false);
    let track = h.open_track();
    h.write_at_nwa(64, 16);
    h.sync(true);
    let r = h.run(&Command::TestUnitReady, DataPhase::None).unwrap();
    assert_ne!(
        r.status,
        ScsiStatus::Good,
        "the flush runs on the virtual clock"
    );
    h.wait_ready(SenseCode::OPERATION_IN_PROGRESS);
    assert_eq!(h.rec.write_stats(), WriteStats::default());
    assert!(!h.track_info(track).damage);
}

#[test]
fn a_paced_drive_finishes_long_operations_with_elapsed_time() {
    let mut h = paced(
        Personality::DvdWriter,
        MediaKind::DvdPlusR,
        "1x",
        64 * 1024,
        WhenFull::Wait,
    );
    h.write_ok(0, 16);
    h.sync(false);
    assert_eq!(h.close(CloseFunction::Track, 1, false), None);
    assert_eq!(h.close(CloseFunction::Session, 0, true), None);
    // Closing a session takes 4 ticks: 200 ms of wall time here, however
    // few commands the host sends meanwhile.
    nap(300);
    assert_eq!(h.outcome(&Command::TestUnitReady, DataPhase::None), None);
    // An unpaced drive counts commands only.
    let mut h = Host::new(Personality::DvdWriter, MediaKind::DvdPlusR);
    h.write_ok(0, 16);
    h.sync(false);
    h.wait_ready(SenseCode::OPERATION_IN_PROGRESS);
    assert_eq!(h.close(CloseFunction::Track, 1, false), None);
    assert_eq!(h.close(CloseFunction::Session, 0, true), None);
    assert_eq!(
        h.outcome(&Command::TestUnitReady, DataPhase::None),
        Some(SenseCode::OPERATION_IN_PROGRESS)
    );
}
