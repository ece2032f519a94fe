//! Conformance scripts for the DVD family, through raw CDBs built by the
//! codecs, with the invariant checker after every command.

mod common;

use common::Host;
use imapi2_emu::media::MediaKind;
use imapi2_emu::{Personality, SenseCode};
use imapi2_mmc::cdb::{BlankType, CloseFunction, Command, ConfigurationRequest, TrackAddressType};
use imapi2_mmc::disc_info::{BgFormatStatus, DiscStatus, SessionState};
use imapi2_mmc::disc_structure::{DiscStructure, LayerBoundary, WriteProtectionStatus};
use imapi2_mmc::event::{Event, EventStatus, MediaEventCode, OperationalEventCode};
use imapi2_mmc::format::{CapacityDescriptorType, FormatType};
use imapi2_mmc::mode::{MultiSession, WriteType};
use imapi2_mmc::transport::DataPhase;

fn last_track(h: &mut Host) -> u16 {
    h.disc_info().last_track_last_session
}

fn gesn(h: &mut Host, classes: u8) -> EventStatus {
    let b = h.ok_in(
        &Command::GetEventStatusNotification {
            polled: true,
            class_request: classes,
            allocation_length: 8,
        },
        8,
    );
    EventStatus::decode(&b).unwrap()
}

fn read_structure(h: &mut Host, media: u8, format: u8) -> Result<DiscStructure, SenseCode> {
    let cmd = Command::ReadDiscStructure {
        media_type: media,
        address: 0,
        layer: 0,
        format,
        allocation_length: 4100,
        agid: 0,
    };
    let mut buf = vec![0u8; 4100];
    match h.outcome(&cmd, DataPhase::In(&mut buf)) {
        Some(s) => Err(s),
        None => Ok(DiscStructure::decode(media, format, &buf).unwrap()),
    }
}

fn send_structure(h: &mut Host, s: &DiscStructure) -> Option<SenseCode> {
    let (media_type, format) = s.kind();
    let bytes = s.encode();
    let cmd = Command::SendDiscStructure {
        media_type,
        format,
        parameter_length: bytes.len() as u16,
        agid: 0,
    };
    h.outcome(&cmd, DataPhase::Out(&bytes))
}

#[test]
fn dvd_plus_r_sessions_and_finalize() {
    let mut h = Host::new(Personality::DvdWriter, MediaKind::DvdPlusR);
    assert_eq!(
        h.config(ConfigurationRequest::Current, 0)
            .current_profile
            .code(),
        0x001B
    );
    // growisofs sends a page 05h anyway: accepted and ignored.
    h.set_write_mode(WriteType::SessionAtOnce, true);
    let start = h.write_at_nwa(1008, 16);
    assert_eq!(start, 0);
    h.sync(false);
    let n = last_track(&mut h);
    assert_eq!(h.close(CloseFunction::Track, n, true), None);
    assert_eq!(h.wait_ready(SenseCode::OPERATION_IN_PROGRESS), 2);
    assert_eq!(h.close(CloseFunction::Session, 0, false), None);
    let di = h.disc_info();
    assert_eq!(
        (di.disc_status, di.sessions, di.last_session_state),
        (DiscStatus::Incomplete, 2, SessionState::Empty)
    );
    let t1 = h.track_info(1);
    assert_eq!((t1.start, t1.size, t1.nwa()), (0, 1008, None));
    let nwa2 = h.nwa(0xFF);
    assert!(nwa2 > 1008 && nwa2 % 16 == 0);
    h.write_at_nwa(112, 16);
    h.sync(false);
    h.read_back(nwa2, 112);
    // Finalize (110b): the open session is closed and the disc complete.
    assert_eq!(h.close(CloseFunction::Finalize, 0, false), None);
    let di = h.disc_info();
    assert_eq!((di.disc_status, di.sessions), (DiscStatus::Complete, 2));
    assert_eq!(
        h.write(nwa2 + 112, 16),
        Some(SenseCode::CANNOT_WRITE_MEDIUM)
    );
    h.read_back(0, 1008);
}

#[test]
fn dvd_plus_r_dl_layer_boundary() {
    let mut h = Host::new(Personality::DvdWriter, MediaKind::DvdPlusRDl);
    assert_eq!(
        h.config(ConfigurationRequest::Current, 0)
            .current_profile
            .code(),
        0x002B
    );
    let DiscStructure::LayerBoundary(lb) = read_structure(&mut h, 0, 0x20).unwrap() else {
        panic!()
    };
    assert_eq!(
        (lb.init_status, lb.l0_capacity),
        (false, 4_171_712 / 2 / 16 * 16)
    );
    assert_eq!(h.track_info(0xFF).free_blocks, 2 * lb.l0_capacity);
    // A layer break that is not a multiple of 16 is refused.
    let bad = DiscStructure::LayerBoundary(LayerBoundary {
        init_status: false,
        l0_capacity: 1_000_001,
    });
    assert_eq!(
        send_structure(&mut h, &bad),
        Some(SenseCode::INVALID_FIELD_IN_PARAMETER_LIST)
    );
    let l0 = 1_000_000;
    let ok = DiscStructure::LayerBoundary(LayerBoundary {
        init_status: false,
        l0_capacity: l0,
    });
    assert_eq!(send_structure(&mut h, &ok), None);
    let DiscStructure::LayerBoundary(lb) = read_structure(&mut h, 0, 0x20).unwrap() else {
        panic!()
    };
    assert_eq!((lb.init_status, lb.l0_capacity), (true, l0));
    assert_eq!(
        h.track_info(0xFF).free_blocks,
        2 * l0,
        "opposite track path: both layers shrink"
    );
    assert_eq!(
        send_structure(&mut h, &ok),
        Some(SenseCode::COMMAND_SEQUENCE_ERROR),
        "set once"
    );
    assert_eq!(
        h.write(2 * i64::from(l0), 16),
        Some(SenseCode::LBA_OUT_OF_RANGE)
    );
    let DiscStructure::DvdPhysical(pf) = read_structure(&mut h, 0, 0x00).unwrap() else {
        panic!()
    };
    assert_eq!((pf.book_type, pf.layers_minus_one), (0x0E, 1));
    assert_eq!(pf.layer0_end, 0x030000 + l0 - 1);
}

#[test]
fn dvd_plus_rw_background_format_random_writes_and_stop() {
    let mut h = Host::new(Personality::DvdWriter, MediaKind::DvdPlusRw);
    let di = h.disc_info();
    assert_eq!(
        (di.disc_status, di.bg_format_status),
        (DiscStatus::Empty, BgFormatStatus::None)
    );
    assert_eq!(h.write(0, 16), Some(SenseCode::MEDIUM_NOT_FORMATTED));
    let fc = h.format_capacities();
    assert_eq!(
        fc.current.descriptor_type,
        CapacityDescriptorType::Unformatted
    );
    assert_eq!(fc.formattable[0].format_type, FormatType::DVD_PLUS_RW_BASIC);
    let cfg = h.config(ConfigurationRequest::Current, 0);
    assert!(cfg.is_current(0x002A) && cfg.is_current(0x0023) && !cfg.is_current(0x0020));
    // FORMAT 26h: background formatting, the unit is ready at once.
    assert_eq!(
        h.format(FormatType::DVD_PLUS_RW_BASIC, u32::MAX, 0, true),
        None
    );
    assert!(h.rec.busy().is_none());
    let di = h.disc_info();
    assert_eq!(
        (di.disc_status, di.bg_format_status),
        (DiscStatus::Complete, BgFormatStatus::InProgress)
    );
    assert!(h
        .config(ConfigurationRequest::Current, 0)
        .is_current(0x0020));
    // Random writes anywhere, read back; unwritten formatted blocks read as zeros.
    h.write_ok(2_000_000, 32);
    h.write_ok(16, 16);
    h.write_ok(0, 16);
    h.read_back(2_000_000, 32);
    h.read_back(0, 32);
    // Overwrite.
    h.write_ok(16, 16);
    h.read_back(16, 16);
    assert_eq!(
        h.read(2_100_000, 1),
        Err(SenseCode::LBA_OUT_OF_RANGE),
        "not formatted yet"
    );
    // CLOSE SESSION stops background formatting compatibly.
    assert_eq!(h.close(CloseFunction::Session, 0, false), None);
    assert_eq!(h.disc_info().bg_format_status, BgFormatStatus::Suspended);
    // Restart, and let it finish: the host sees the events.
    while gesn(&mut h, 1 << 4).event.is_some_and(|e| {
        !matches!(
            e,
            Event::Media {
                event: MediaEventCode::NoChange,
                ..
            }
        )
    }) {}
    assert_eq!(
        h.format(FormatType::DVD_PLUS_RW_BASIC, u32::MAX, 0, false),
        None
    );
    let e = gesn(&mut h, 1 << 4);
    assert!(
        matches!(
            e.event,
            Some(Event::Media {
                event: MediaEventCode::BgFormatRestarted,
                ..
            })
        ),
        "{e:?}"
    );
    for _ in 0..70 {
        h.ok(&Command::TestUnitReady);
    }
    assert_eq!(h.disc_info().bg_format_status, BgFormatStatus::Complete);
    let e = gesn(&mut h, 1 << 4);
    assert!(
        matches!(
            e.event,
            Some(Event::Media {
                event: MediaEventCode::BgFormatCompleted,
                ..
            })
        ),
        "{e:?}"
    );
    let zeros = h.read(2_200_000, 2).unwrap();
    assert!(zeros.iter().all(|&b| b == 0));
    let cap = h.ok_in(&Command::ReadCapacity, 8);
    assert_eq!(
        u32::from_be_bytes([cap[0], cap[1], cap[2], cap[3]]),
        2_295_104 - 1
    );
}

#[test]
fn dvd_minus_r_incremental_multisession() {
    let mut h = Host::new(Personality::DvdWriter, MediaKind::DvdMinusR);
    assert!(h
        .config(ConfigurationRequest::Current, 0)
        .is_current(0x0021));
    let p = h.mode_page_05();
    assert_eq!(
        p.write_type,
        WriteType::Packet,
        "DVD-R defaults to incremental"
    );
    // TAO does not exist on DVD-R.
    let mut tao = p.clone();
    tao.write_type = WriteType::TrackAtOnce;
    assert_eq!(
        h.select_05(tao),
        Some(SenseCode::INVALID_FIELD_IN_PARAMETER_LIST)
    );
    h.set_write_mode(WriteType::Packet, true);
    h.write_at_nwa(1008, 16);
    h.sync(false);
    let t = h.track_info(1);
    assert!(
        t.nwa().is_some(),
        "SYNCHRONIZE CACHE does not close a DVD-R track"
    );
    let n = last_track(&mut h);
    assert_eq!(h.close(CloseFunction::Track, n, false), None);
    assert_eq!(h.close(CloseFunction::Session, 0, false), None);
    let n = last_track(&mut h);
    let nwa2 = h.nwa(n.into());
    assert_eq!(nwa2, 1008 + 16_384, "first border");
    h.write_at_nwa(64, 32);
    h.sync(false);
    let n = last_track(&mut h);
    h.close(CloseFunction::Track, n, false);
    h.close(CloseFunction::Session, 0, false);
    let n = last_track(&mut h);
    assert_eq!(h.nwa(n.into()), nwa2 + 64 + 4_096, "later borders");
    assert_eq!(h.disc_info().sessions, 3);
    // Finalize: close the empty session with multi-session 00b.
    h.set_write_mode(WriteType::Packet, false);
    assert_eq!(h.close(CloseFunction::Session, 0, false), None);
    let di = h.disc_info();
    assert_eq!((di.disc_status, di.sessions), (DiscStatus::Complete, 2));
    h.read_back(nwa2, 64);
}

#[test]
fn dvd_minus_r_disc_at_once_with_reserve_track() {
    let mut h = Host::new(Personality::DvdWriter, MediaKind::DvdMinusR);
    let mut p = h.mode_page_05();
    p.write_type = WriteType::SessionAtOnce;
    p.multi_session = MultiSession::NoNextSession;
    assert_eq!(h.select_05(p), None);
    assert_eq!(
        h.write(0, 16),
        Some(SenseCode::COMMAND_SEQUENCE_ERROR),
        "DAO needs a reservation"
    );
    assert_eq!(h.reserve(1000), None);
    let t = h.track_info(1);
    assert_eq!((t.rt, t.size, t.nwa()), (true, 1008, Some(0)));
    let mut at = 0;
    while at < 1008 {
        h.write_ok(at, 48);
        at += 48;
    }
    assert_eq!(
        h.write(at, 16),
        Some(SenseCode::COMMAND_SEQUENCE_ERROR),
        "past the reservation, DAO has nothing to write"
    );
    h.sync(true);
    h.wait_ready(SenseCode::OPERATION_IN_PROGRESS);
    let di = h.disc_info();
    assert_eq!((di.disc_status, di.sessions), (DiscStatus::Complete, 1));
    h.read_back(0, 1008);
}

#[test]
fn dvd_minus_rw_profile_changes_with_events() {
    let mut h = Host::new(Personality::DvdWriter, MediaKind::DvdMinusRw);
    assert_eq!(
        h.config(ConfigurationRequest::Current, 0)
            .current_profile
            .code(),
        0x0014
    );
    while gesn(&mut h, 0x12).event.is_some_and(|e| {
        !matches!(
            e,
            Event::OperationalChange {
                event: OperationalEventCode::NoChange,
                ..
            }
        )
    }) {}
    // Quick format 15h: restricted overwrite, intermediate state. The
    // polling host sees the format progress (no unit attention), and the
    // profile change as a GESN operational change event.
    assert_eq!(h.format(FormatType::DVD_RW_QUICK, 0, 16, true), None);
    assert_eq!(
        h.outcome(&Command::TestUnitReady, DataPhase::None),
        Some(SenseCode::FORMAT_IN_PROGRESS)
    );
    assert!(h.wait_ready(SenseCode::FORMAT_IN_PROGRESS) > 0);
    let e = gesn(&mut h, 1 << 1);
    assert!(matches!(
        e.event,
        Some(Event::OperationalChange {
            event: OperationalEventCode::StateChanged,
            change: 1,
            ..
        })
    ));
    let cfg = h.config(ConfigurationRequest::Current, 0);
    assert_eq!(cfg.current_profile.code(), 0x0013);
    assert!(cfg.is_current(0x002C) && !cfg.is_current(0x0021));
    assert_eq!(
        h.format_capacities().current.descriptor_type,
        CapacityDescriptorType::NoMedia,
        "intermediate"
    );
    // Sequential growth from the formatted end, 16-block units.
    h.write_ok(0, 32);
    assert_eq!(h.write(48, 16), Some(SenseCode::INVALID_WRITE_ADDRESS));
    assert_eq!(h.write(32, 8), Some(SenseCode::INVALID_FIELD_IN_CDB));
    h.write_ok(32, 32);
    h.write_ok(0, 16);
    h.read_back(0, 64);
    assert_eq!(h.close(CloseFunction::Session, 0, false), None);
    assert_eq!(
        h.format_capacities().current.descriptor_type,
        CapacityDescriptorType::Formatted
    );
    // Minimal blank: back to sequential, without incremental recording.
    assert_eq!(h.blank(BlankType::Minimal, true), None);
    assert_eq!(
        h.outcome(&Command::TestUnitReady, DataPhase::None),
        Some(SenseCode::OPERATION_IN_PROGRESS)
    );
    h.wait_ready(SenseCode::OPERATION_IN_PROGRESS);
    let cfg = h.config(ConfigurationRequest::Current, 0);
    assert_eq!(cfg.current_profile.code(), 0x0014);
    assert!(
        !cfg.is_current(0x0021),
        "minimally blanked DVD-RW: no incremental"
    );
    assert_eq!(h.write(0, 16), Some(SenseCode::ILLEGAL_MODE_FOR_TRACK));
    // DAO still works.
    h.set_write_mode(WriteType::SessionAtOnce, false);
    assert_eq!(h.reserve(32), None);
    h.write_ok(0, 32);
    h.sync(false);
    assert_eq!(h.disc_info().disc_status, DiscStatus::Complete);
    // Full blank: incremental again; full format: restricted overwrite, all formatted.
    assert_eq!(h.blank(BlankType::Full, false), None);
    h.set_write_mode(WriteType::Packet, true);
    assert!(h
        .config(ConfigurationRequest::Current, 0)
        .is_current(0x0021));
    h.write_ok(0, 16);
    assert_eq!(h.format(FormatType::FULL, 2_295_104, 16, false), None);
    h.clear_attention();
    assert_eq!(
        h.config(ConfigurationRequest::Current, 0)
            .current_profile
            .code(),
        0x0013
    );
    h.write_ok(1_000_000, 16);
    h.read_back(1_000_000, 16);
}

#[test]
fn dvd_ram_always_formatted_and_write_protect() {
    let mut h = Host::new(Personality::DvdWriter, MediaKind::DvdRam);
    let di = h.disc_info();
    assert_eq!(di.disc_status, DiscStatus::Others);
    let cfg = h.config(ConfigurationRequest::Current, 0);
    assert!(cfg.is_current(0x0020) && cfg.is_current(0x0024) && cfg.is_current(0x0023));
    h.write_ok(12345, 7);
    h.read_back(12345, 7);
    let fc = h.format_capacities();
    assert_eq!(
        (fc.current.blocks, fc.current.descriptor_type),
        (2_236_704, CapacityDescriptorType::Formatted)
    );
    assert_eq!(h.format(FormatType::FULL, 2_236_704, 0, true), None);
    assert_eq!(h.wait_ready(SenseCode::FORMAT_IN_PROGRESS), 8);
    let zeros = h.read(12345, 1).unwrap();
    assert!(zeros.iter().all(|&b| b == 0), "a full format erases");
    let wp = DiscStructure::WriteProtection(WriteProtectionStatus {
        mswi: false,
        cwp: false,
        pwp: false,
        swpp: true,
    });
    assert_eq!(send_structure(&mut h, &wp), None);
    assert_eq!(h.write(0, 16), Some(SenseCode::WRITE_PROTECTED));
    let DiscStructure::WriteProtection(s) = read_structure(&mut h, 0, 0xC0).unwrap() else {
        panic!()
    };
    assert!(s.swpp);
    let off = DiscStructure::WriteProtection(WriteProtectionStatus {
        mswi: false,
        cwp: false,
        pwp: false,
        swpp: false,
    });
    assert_eq!(send_structure(&mut h, &off), None);
    h.write_ok(0, 16);
}

#[test]
fn dvd_minus_r_dl_sequential() {
    let mut h = Host::new(Personality::DvdWriter, MediaKind::DvdMinusRDl);
    let cfg = h.config(ConfigurationRequest::Current, 0);
    assert_eq!(cfg.current_profile.code(), 0x0015);
    assert!(cfg.is_current(0x002F));
    h.write_at_nwa(320, 32);
    h.sync(false);
    let n = last_track(&mut h);
    h.close(CloseFunction::Track, n, false);
    h.set_write_mode(WriteType::Packet, false);
    h.close(CloseFunction::Session, 0, false);
    assert_eq!(h.disc_info().disc_status, DiscStatus::Complete);
    h.read_back(0, 320);
}

/// TEST UNIT READY until GOOD; the senses seen on the way.
fn poll_until_ready(h: &mut Host) -> Vec<SenseCode> {
    let mut seen = Vec::new();
    for _ in 0..1_000 {
        match h.outcome(&Command::TestUnitReady, DataPhase::None) {
            None => return seen,
            Some(s) => seen.push(s),
        }
    }
    panic!("the unit never became ready: {seen:?}");
}

fn profile(h: &mut Host) -> u16 {
    h.config(ConfigurationRequest::Current, 0)
        .current_profile
        .code()
}

/// The DVD-RW profile changes of FORMAT and BLANK with Immed raise no unit
/// attention: libburn polls with TEST UNIT READY and cancels on anything but
/// 02/04/xx, 02/3A/xx or 06/28/00 (mmc-notes §1.5). The change is a GESN
/// operational change event (class 1) only (§2.3).
#[test]
fn dvd_minus_rw_profile_change_raises_no_unit_attention() {
    let mut h = Host::new(Personality::DvdWriter, MediaKind::DvdMinusRw);
    assert_eq!(profile(&mut h), 0x0014);
    // Full format: sequential -> restricted overwrite.
    assert_eq!(h.format(FormatType::FULL, 2_295_104, 16, true), None);
    let seen = poll_until_ready(&mut h);
    assert!(
        !seen.is_empty() && seen.iter().all(|&s| s == SenseCode::FORMAT_IN_PROGRESS),
        "{seen:?}"
    );
    assert_eq!(profile(&mut h), 0x0013);
    let e = gesn(&mut h, 1 << 1);
    assert!(
        matches!(
            e.event,
            Some(Event::OperationalChange {
                event: OperationalEventCode::StateChanged,
                change: 1,
                ..
            })
        ),
        "{e:?}"
    );
    // Full blank: back to sequential.
    assert_eq!(h.blank(BlankType::Full, true), None);
    let seen = poll_until_ready(&mut h);
    assert!(
        !seen.is_empty() && seen.iter().all(|&s| s == SenseCode::OPERATION_IN_PROGRESS),
        "{seen:?}"
    );
    assert_eq!(profile(&mut h), 0x0014);
    let e = gesn(&mut h, 1 << 1);
    assert!(
        matches!(
            e.event,
            Some(Event::OperationalChange {
                event: OperationalEventCode::StateChanged,
                ..
            })
        ),
        "{e:?}"
    );
}

/// DVD-R DL sequential (0015h) is single-session: CLOSE SESSION finalizes it
/// even when page 05h allows a next session (mmc-notes §2.3).
#[test]
fn dvd_minus_r_dl_closes_its_only_session() {
    for (kind, multisession) in [
        (MediaKind::DvdMinusRDl, false),
        (MediaKind::DvdMinusR, true),
    ] {
        let mut h = Host::new(Personality::DvdWriter, kind);
        h.set_write_mode(WriteType::Packet, true);
        h.write_at_nwa(320, 32);
        h.sync(false);
        let n = last_track(&mut h);
        assert_eq!(h.close(CloseFunction::Track, n, false), None);
        assert_eq!(h.close(CloseFunction::Session, 0, false), None);
        let di = h.disc_info();
        if multisession {
            assert_eq!(
                (di.disc_status, di.sessions),
                (DiscStatus::Incomplete, 2),
                "{kind}"
            );
        } else {
            assert_eq!(
                (di.disc_status, di.sessions, di.last_session_state),
                (DiscStatus::Complete, 1, SessionState::Complete),
                "{kind}"
            );
            assert_eq!(
                h.write(320 + 16_384, 16),
                Some(SenseCode::CANNOT_WRITE_MEDIUM)
            );
        }
        h.read_back(0, 320);
    }
}

/// DVD-R disc-at-once of a size that is not a multiple of 16: growisofs
/// reserves the exact count (the drive rounds the track up to whole ECC
/// blocks), writes 32 KiB units and cuts the last write to the count, then
/// SYNCHRONIZE CACHE without CLOSE; the disc ends complete (mmc-notes §1.4,
/// §2.3).
#[test]
fn dvd_minus_r_disc_at_once_of_an_odd_size_completes() {
    let mut h = Host::new(Personality::DvdWriter, MediaKind::DvdMinusR);
    h.set_write_mode(WriteType::SessionAtOnce, false);
    assert_eq!(h.reserve(1001), None);
    let t = h.track_info(1);
    assert_eq!((t.rt, t.size, t.nwa()), (true, 1008, Some(0)));
    let mut at = 0;
    while at + 16 <= 1001 {
        h.write_ok(at, 16);
        at += 16;
    }
    assert_eq!(at, 992);
    h.write_ok(992, 9);
    let t = h.track_info(1);
    assert_eq!((t.nwa(), t.free_blocks), (Some(1001), 7));
    h.sync(true);
    h.wait_ready(SenseCode::OPERATION_IN_PROGRESS);
    let di = h.disc_info();
    assert_eq!(
        (di.disc_status, di.sessions, di.last_session_state),
        (DiscStatus::Complete, 1, SessionState::Complete)
    );
    let t = h.track_info(1);
    assert_eq!((t.size, t.nwa(), t.lra()), (1008, None, Some(1007)));
    h.read_back(0, 1001);
    let pad = h.read(1001, 7).unwrap();
    assert!(pad.iter().all(|&b| b == 0), "the drive padded with zeros");
}

/// DVD-R/-RW sequential media answer READ TRACK INFORMATION by track number
/// only: track FFh is an invalid field, as it is for CLOSE TRACK; hosts use
/// the last track number of READ DISC INFORMATION (mmc-notes §1.2).
#[test]
fn dvd_minus_sequential_media_know_no_track_ff() {
    let rti = |number: u32| Command::ReadTrackInformation {
        open: false,
        address_type: TrackAddressType::Track,
        number,
        allocation_length: 48,
    };
    for kind in [
        MediaKind::DvdMinusR,
        MediaKind::DvdMinusRw,
        MediaKind::DvdMinusRDl,
    ] {
        let mut h = Host::new(Personality::DvdWriter, kind);
        let mut buf = [0u8; 48];
        assert_eq!(
            h.fails(&rti(0xFF), DataPhase::In(&mut buf)),
            SenseCode::INVALID_FIELD_IN_CDB,
            "{kind}"
        );
        assert_eq!(
            h.close(CloseFunction::Track, 0xFF, false),
            Some(SenseCode::INVALID_FIELD_IN_CDB),
            "{kind}"
        );
        let n = last_track(&mut h);
        assert_eq!((n, h.nwa(n.into())), (1, 0), "{kind}");
        h.set_write_mode(WriteType::Packet, true);
        h.write_ok(0, 32);
        h.sync(false);
        assert_eq!(h.close(CloseFunction::Track, n, false), None);
        let n = last_track(&mut h);
        assert_eq!(n, 2, "{kind}");
        assert_eq!(h.nwa(n.into()), 32, "{kind}");
        assert_eq!(
            h.fails(&rti(0xFF), DataPhase::In(&mut buf)),
            SenseCode::INVALID_FIELD_IN_CDB,
            "{kind}"
        );
    }
    // DVD+R names its incomplete fragment FFh.
    let mut h = Host::new(Personality::DvdWriter, MediaKind::DvdPlusR);
    assert_eq!(h.nwa(0xFF), 0);
}

/// DVD±R and DVD-RW sequential media are written in whole 16-block ECC
/// blocks (mmc-notes §2.1; growisofs sends 32 KiB-aligned writes only).
#[test]
fn dvd_recordable_media_take_whole_ecc_blocks() {
    for kind in [
        MediaKind::DvdMinusR,
        MediaKind::DvdMinusRw,
        MediaKind::DvdMinusRDl,
        MediaKind::DvdPlusR,
        MediaKind::DvdPlusRDl,
    ] {
        let mut h = Host::new(Personality::DvdWriter, kind);
        assert_eq!(
            h.write(0, 10),
            Some(SenseCode::INVALID_FIELD_IN_CDB),
            "{kind}"
        );
        assert_eq!(
            h.write(0, 24),
            Some(SenseCode::INVALID_FIELD_IN_CDB),
            "{kind}"
        );
        h.write_ok(0, 16);
        h.write_ok(16, 32);
        assert_eq!(
            h.write(48, 40),
            Some(SenseCode::INVALID_FIELD_IN_CDB),
            "{kind}"
        );
        let n = h.open_track();
        assert_eq!(h.nwa(n), 48, "{kind}");
        h.read_back(0, 48);
    }
}

/// A blank DVD+RW reports its last session empty (00b); formatted, complete.
#[test]
fn blank_dvd_plus_rw_reports_an_empty_last_session() {
    let mut h = Host::new(Personality::DvdWriter, MediaKind::DvdPlusRw);
    let di = h.disc_info();
    assert_eq!(
        (di.disc_status, di.last_session_state),
        (DiscStatus::Empty, SessionState::Empty)
    );
    assert_eq!(
        h.format(FormatType::DVD_PLUS_RW_BASIC, u32::MAX, 0, false),
        None
    );
    let di = h.disc_info();
    assert_eq!(
        (di.disc_status, di.last_session_state),
        (DiscStatus::Complete, SessionState::Complete)
    );
}
