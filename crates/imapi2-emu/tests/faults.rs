//! Fault plans against what real drives do: a write error ruins the track
//! being written on sequential media; a drive that answers GOOD and records
//! nothing; the medium pulled out mid-burn; OPC and fixation failures; a
//! drive that lists no write speeds. Plans are loaded from `faults.plan`
//! files as the tool and the burner use them.

mod common;

use common::Host;
use imapi2_emu::drive::FAULT_PLAN_FILE;
use imapi2_emu::fault::{FaultPlan, Quirks};
use imapi2_emu::media::MediaKind;
use imapi2_emu::{Personality, SenseCode, VirtualDisc, VirtualRecorder};
use imapi2_mmc::capacity::MechanismStatus;
use imapi2_mmc::cdb::{CloseFunction, Command, DiscInformationType, PerformanceType};
use imapi2_mmc::disc_info::{DiscStatus, SessionState};
use imapi2_mmc::event::{Event, EventStatus, MediaEventCode};
use imapi2_mmc::format::FormatType;
use imapi2_mmc::mode::{ModePage, ModeParameters, PageControl};
use imapi2_mmc::performance::{RotationControl, WriteSpeedList};
use imapi2_mmc::transport::{DataPhase, ScsiStatus};

/// A recorder in its own directory with a blank `kind` medium and the
/// fault plan `rules` in its `faults.plan`, opened as the tool opens it.
fn with_plan(p: Personality, kind: MediaKind, rules: &str) -> Host {
    let dir = tempfile::tempdir().unwrap();
    let drive = dir.path().join("drive");
    let mut rec = VirtualRecorder::create(&drive, p).unwrap();
    rec.insert(VirtualDisc::create(drive.join("disc-1"), kind).unwrap())
        .unwrap();
    drop(rec);
    let text = format!("imapi2-emu-faults 1\n{rules}\n");
    std::fs::write(drive.join(FAULT_PLAN_FILE), &text).unwrap();
    // The file round-trips through the plan's own text.
    let plan = FaultPlan::load(drive.join(FAULT_PLAN_FILE)).unwrap();
    assert_eq!(FaultPlan::parse(&plan.format()).unwrap(), plan, "{text}");
    Host::with_recorder(VirtualRecorder::open(&drive).unwrap(), dir)
}

fn disc_status(h: &mut Host) -> DiscStatus {
    h.disc_info().disc_status
}

fn gesn(h: &mut Host) -> EventStatus {
    let b = h.ok_in(
        &Command::GetEventStatusNotification {
            polled: true,
            class_request: 1 << 4,
            allocation_length: 8,
        },
        8,
    );
    EventStatus::decode(&b).unwrap()
}

#[test]
fn discard_answers_good_and_records_nothing() {
    let mut h = with_plan(
        Personality::DvdWriter,
        MediaKind::DvdPlusR,
        "at-opcode 2A discard always",
    );
    for i in 0..4 {
        h.write_ok(i * 16, 16);
    }
    h.sync(false);
    assert_eq!(h.close(CloseFunction::Track, 1, false), None);
    assert_eq!(
        disc_status(&mut h),
        DiscStatus::Empty,
        "nothing was recorded"
    );
    assert_eq!(h.nwa(0xFF), 0);
    assert!(h.read(0, 1).is_err(), "nothing to read");
    assert_eq!(h.rec.fault_plan().rules[0].fired, 4);
    // A discarded data-in command moves no bytes.
    let mut h = with_plan(
        Personality::DvdWriter,
        MediaKind::DvdPlusR,
        "at-opcode 51 discard",
    );
    let mut buf = [0xAAu8; 34];
    let r = h
        .run(
            &Command::ReadDiscInformation {
                data_type: DiscInformationType::Standard,
                allocation_length: 34,
            },
            DataPhase::In(&mut buf),
        )
        .unwrap();
    assert_eq!((r.status, r.transferred), (ScsiStatus::Good, 0));
    assert_eq!(buf, [0xAA; 34]);
}

#[test]
fn a_write_error_leaves_the_track_of_a_sequential_medium_damaged() {
    for (p, kind, unit) in [
        (Personality::CdWriter, MediaKind::CdR, 16),
        (Personality::DvdWriter, MediaKind::DvdMinusR, 16),
        (Personality::DvdWriter, MediaKind::DvdPlusR, 16),
        (Personality::BdWriter, MediaKind::BdR, 32),
    ] {
        let mut h = with_plan(p, kind, "at-opcode 2A nth=3 sense 03/0C/00");
        let track = h.open_track();
        h.write_ok(0, unit);
        h.write_ok(i64::from(unit), unit);
        let at = i64::from(2 * unit);
        assert_eq!(h.write(at, unit), Some(SenseCode::WRITE_ERROR), "{kind}");
        let t = h.track_info(track);
        assert!(t.damage && !t.nwa_valid, "{kind}: {t:?}");
        // The laser cannot record there again: the WRITE is refused.
        assert_eq!(
            h.write(at, unit),
            Some(SenseCode::INVALID_WRITE_ADDRESS),
            "{kind}"
        );
        h.read_back(0, 2 * unit);
        // The damaged track can be closed (SYNCHRONIZE CACHE closes a CD
        // TAO track).
        h.sync(false);
        if !kind.is_cd() {
            assert_eq!(
                h.close(CloseFunction::Track, track as u16, false),
                None,
                "{kind}"
            );
        }
        let t = h.track_info(1);
        assert!(t.damage && !t.nwa_valid, "{kind}: {t:?}");
    }
    // Overwritable media: the WRITE goes again.
    let mut h = with_plan(
        Personality::BdWriter,
        MediaKind::BdRe,
        "at-opcode 2A nth=2 sense 03/0C/00",
    );
    assert_eq!(h.format(FormatType::FULL, 11_826_176, 0, false), None);
    h.write_ok(0, 32);
    assert_eq!(h.write(32, 32), Some(SenseCode::WRITE_ERROR));
    h.write_ok(32, 32);
    h.read_back(0, 64);
}

#[test]
fn the_medium_pulled_out_mid_burn_opens_the_tray_and_loses_the_buffer() {
    let mut h = with_plan(
        Personality::BdWriter,
        MediaKind::BdR,
        "at-opcode 2A nth=4 remove-medium",
    );
    while gesn(&mut h).event.is_some_and(|e| {
        !matches!(
            e,
            Event::Media {
                event: MediaEventCode::NoChange,
                ..
            }
        )
    }) {}
    h.ok(&Command::PreventAllowMediumRemoval {
        persistent: false,
        prevent: true,
    });
    h.write_ok(0, 32);
    h.write_ok(32, 32);
    h.sync(false);
    h.write_ok(64, 32);
    // The 4th WRITE finds no medium, nor does anything after it.
    assert_eq!(h.write(96, 32), Some(SenseCode::NO_MEDIUM_TRAY_OPEN));
    assert_eq!(
        h.outcome(&Command::TestUnitReady, DataPhase::None),
        Some(SenseCode::NO_MEDIUM_TRAY_OPEN)
    );
    let e = gesn(&mut h);
    assert!(
        matches!(
            e.event,
            Some(Event::Media {
                event: MediaEventCode::MediaRemoval,
                door_open: true,
                ..
            })
        ),
        "{e:?}"
    );
    let b = h.ok_in(
        &Command::MechanismStatus {
            allocation_length: 8,
        },
        8,
    );
    assert!(MechanismStatus::decode(&b).unwrap().door_open);
    assert!(h.rec.drive().locked(), "the host's prevention stays");
    // Back in: the medium changed; what was not synchronized is gone and
    // the track it went to is damaged.
    h.forget_history();
    h.ok(&Command::StartStopUnit {
        immed: false,
        format_layer: 0,
        power_condition: 0,
        fl: false,
        load_eject: true,
        start: true,
    });
    assert_eq!(
        h.outcome(&Command::TestUnitReady, DataPhase::None),
        Some(SenseCode::MEDIUM_CHANGED)
    );
    let t = h.track_info(0xFF);
    assert_eq!(t.nwa(), Some(64), "{t:?}");
    assert!(t.damage);
    h.read_back(0, 64);
}

#[test]
fn a_failed_power_calibration_records_no_opc_and_leaves_the_disc_blank() {
    let mut h = with_plan(
        Personality::DvdWriter,
        MediaKind::DvdMinusR,
        "at-opcode 54 sense 03/73/03 once",
    );
    let opc = Command::SendOpcInformation {
        do_opc: true,
        exclude0: false,
        exclude1: false,
        parameter_length: 0,
    };
    assert_eq!(
        h.outcome(&opc, DataPhase::None),
        Some(SenseCode::new(0x03, 0x73, 0x03))
    );
    let di = h.rec.disc_information().unwrap();
    assert!(di.opc_tables.is_empty());
    assert_eq!(di.disc_status, DiscStatus::Empty);
    // Calibrating again works (a `once` rule), and the table has the speed.
    h.ok(&opc);
    assert_eq!(h.rec.disc_information().unwrap().opc_tables.len(), 1);
}

#[test]
fn a_failed_fixation_leaves_the_session_open_to_close_again() {
    let mut h = with_plan(
        Personality::DvdWriter,
        MediaKind::DvdMinusR,
        "at-opcode 5B sense 03/72/03 once",
    );
    let track = h.open_track();
    h.write_at_nwa(64, 16);
    h.sync(false);
    assert_eq!(
        h.close(CloseFunction::Track, track as u16, false),
        Some(SenseCode::new(0x03, 0x72, 0x03))
    );
    let t = h.track_info(track);
    assert_eq!(t.nwa(), Some(64), "the track is still open: {t:?}");
    assert_eq!(h.disc_info().last_session_state, SessionState::Incomplete);
    assert_eq!(h.close(CloseFunction::Track, track as u16, false), None);
    assert_eq!(h.close(CloseFunction::Session, 0, false), None);
    assert_ne!(h.disc_info().last_session_state, SessionState::Incomplete);
    h.read_back(0, 64);
}

#[test]
fn a_drive_that_lists_no_write_speeds() {
    let mut h = with_plan(
        Personality::DvdWriter,
        MediaKind::DvdPlusR,
        "quirk no-write-speeds",
    );
    assert_eq!(
        h.rec.fault_plan().quirks,
        Quirks {
            no_write_speeds: true
        }
    );
    let b = h.ok_in(
        &Command::GetPerformance {
            data_type: 0,
            start_lba: 0,
            max_descriptors: 32,
            performance_type: PerformanceType::WriteSpeed,
        },
        8 + 32 * 16,
    );
    assert_eq!(b.len(), 8, "the header alone");
    assert!(WriteSpeedList::decode(&b).unwrap().descriptors.is_empty());
    let page = h.ok_in(
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
    match ModeParameters::decode10(&page).unwrap().page(0x2A) {
        Some(ModePage::Capabilities(c)) => assert!(c.write_speeds.is_empty(), "{c:?}"),
        other => panic!("{other:?}"),
    }
    // Speed requests are still taken, and the drive writes.
    h.ok(&Command::SetCdSpeed {
        rotation: RotationControl::Clv,
        read_speed: 0xFFFF,
        write_speed: 0xFFFF,
    });
    h.write_at_nwa(32, 16);
    h.sync(false);
    h.read_back(0, 32);
    // Without the quirk the list is back.
    h.rec.set_fault_plan(FaultPlan::new());
    assert_eq!(h.write_speeds().len(), 3);
}

#[test]
fn corrupt_records_wrong_bytes_and_answers_good() {
    let mut h = with_plan(
        Personality::DvdWriter,
        MediaKind::DvdPlusR,
        "at-lba 20 22 opcode=2A corrupt once",
    );
    h.write_ok(0, 16);
    h.write_ok(16, 16);
    h.sync(false);
    let got = h.read(0, 32).unwrap();
    let want = common::pattern(0, 32);
    for block in 0..32usize {
        let (g, w) = (
            &got[block * 2048..(block + 1) * 2048],
            &want[block * 2048..(block + 1) * 2048],
        );
        if block == 20 || block == 21 {
            assert_eq!(g[0], w[0] ^ 0xFF, "block {block}: first byte inverted");
            assert_eq!(g[1..], w[1..], "block {block}: the rest as sent");
        } else {
            assert_eq!(g, w, "block {block} as sent");
        }
    }
}
