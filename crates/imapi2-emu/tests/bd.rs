//! Conformance scripts for BD-R and BD-RE, through raw CDBs built by the
//! codecs, with the invariant checker after every command.

mod common;

use common::Host;
use imapi2_emu::media::MediaKind;
use imapi2_emu::{Personality, SenseCode};
use imapi2_mmc::cdb::{CloseFunction, Command, ConfigurationRequest};
use imapi2_mmc::disc_info::{DiscStatus, SessionState};
use imapi2_mmc::disc_structure::DiscStructure;
use imapi2_mmc::format::{CapacityDescriptorType, FormatType, FormatUnitParameters};
use imapi2_mmc::transport::DataPhase;

#[test]
fn bd_r_write_unit_close_and_finalize() {
    let mut h = Host::new(Personality::BdWriter, MediaKind::BdR);
    let cfg = h.config(ConfigurationRequest::Current, 0);
    assert_eq!(cfg.current_profile.code(), 0x0041);
    assert!(cfg.is_current(0x0040) && cfg.is_current(0x0041));
    // A trap libburn met: a blank BD-R refuses CLOSE SESSION.
    assert_eq!(
        h.close(CloseFunction::Session, 0, false),
        Some(SenseCode::INVALID_FIELD_IN_CDB),
        "no session to close on a blank BD-R"
    );
    assert_eq!(
        h.write(0, 16),
        Some(SenseCode::INVALID_FIELD_IN_CDB),
        "32-block write unit"
    );
    h.write_at_nwa(640, 32);
    h.sync(false);
    let t = h.track_info(1);
    assert_eq!(
        (t.nwa(), t.packet, t.fixed_packet_size),
        (Some(640), true, 32)
    );
    let n = h.disc_info().last_track_last_session;
    assert_eq!(h.close(CloseFunction::Track, n, false), None);
    assert_eq!(h.close(CloseFunction::Session, 0, true), None);
    assert_eq!(h.wait_ready(SenseCode::OPERATION_IN_PROGRESS), 4);
    let di = h.disc_info();
    assert_eq!(
        (di.disc_status, di.sessions, di.last_session_state),
        (DiscStatus::Incomplete, 2, SessionState::Empty)
    );
    let nwa = h.nwa(0xFF);
    assert_eq!(nwa % 32, 0);
    h.write_at_nwa(64, 32);
    // 101b (DVD+R minimal radius) does not apply to BD-R.
    assert_eq!(
        h.close(CloseFunction::FinalizeMinimalRadius, 0, false),
        Some(SenseCode::INVALID_FIELD_IN_CDB)
    );
    assert_eq!(h.close(CloseFunction::Finalize, 0, true), None);
    assert_eq!(h.wait_ready(SenseCode::OPERATION_IN_PROGRESS), 6);
    let di = h.disc_info();
    assert_eq!((di.disc_status, di.sessions), (DiscStatus::Complete, 2));
    h.read_back(0, 640);
    h.read_back(nwa, 64);
}

#[test]
fn bd_r_several_open_tracks() {
    let mut h = Host::new(Personality::BdWriter, MediaKind::BdR);
    assert_eq!(h.reserve(1000), None);
    assert_eq!(h.reserve(2000), None);
    let (t1, t2, t3) = (h.track_info(1), h.track_info(2), h.track_info(3));
    assert_eq!((t1.start, t1.size), (0, 1024));
    assert_eq!((t2.start, t2.size), (1024, 2016));
    assert_eq!(t3.start, 3040);
    // Each open track has its own NWA.
    h.write_ok(1024, 64);
    h.write_ok(0, 32);
    h.write_ok(3040, 32);
    h.write_ok(32, 32);
    assert_eq!(h.write(96, 32), Some(SenseCode::INVALID_WRITE_ADDRESS));
    assert_eq!(h.close(CloseFunction::Session, 0, false), None);
    // Reserved tracks are padded when the session closes.
    assert_eq!(h.track_info(1).lra(), Some(1023));
    h.read_back(1024, 64);
    let zeros = h.read(500, 1).unwrap();
    assert!(zeros.iter().all(|&b| b == 0));
}

#[test]
fn bd_r_pre_format_with_spares() {
    let mut h = Host::new(Personality::BdWriter, MediaKind::BdR);
    let fc = h.format_capacities();
    assert_eq!(
        fc.current.descriptor_type,
        CapacityDescriptorType::Unformatted
    );
    let offered = fc
        .formattable
        .iter()
        .find(|d| d.format_type == FormatType::FULL)
        .unwrap();
    assert_eq!(offered.blocks, 11_826_176);
    // SRM without POW (subtype 01b).
    let mut p =
        FormatUnitParameters::immediate(FormatType::FULL, offered.blocks, offered.type_parameter);
    p.descriptor.subtype = 1;
    let list = p.encode();
    let cmd = Command::FormatUnit {
        fmt_data: true,
        cmp_list: false,
        format_code: 1,
    };
    assert_eq!(h.outcome(&cmd, DataPhase::Out(&list)), None);
    h.wait_ready(SenseCode::FORMAT_IN_PROGRESS);
    let di = h.disc_info();
    assert_eq!(
        (di.disc_status, di.last_session_state),
        (DiscStatus::Incomplete, SessionState::Empty),
        "formatted, unwritten: appendable with one empty session"
    );
    assert_eq!(h.track_info(0xFF).free_blocks, 11_826_176);
    let spare = {
        let cmd = Command::ReadDiscStructure {
            media_type: 1,
            address: 0,
            layer: 0,
            format: 0x0A,
            allocation_length: 16,
            agid: 0,
        };
        let b = h.ok_in(&cmd, 16);
        u32::from_be_bytes([b[8], b[9], b[10], b[11]])
    };
    assert_eq!(spare, 12_219_392 - 11_826_176);
    // Pseudo-overwrite is not supported.
    let mut h2 = Host::new(Personality::BdWriter, MediaKind::BdR);
    let mut pow = FormatUnitParameters::immediate(FormatType::FULL, 0, 0);
    pow.descriptor.subtype = 0;
    assert_eq!(
        h2.outcome(&cmd, DataPhase::Out(&pow.encode())),
        Some(SenseCode::INVALID_FIELD_IN_PARAMETER_LIST)
    );
    let DiscStructure::BdDiscInformation(di) = ({
        let c = Command::ReadDiscStructure {
            media_type: 1,
            address: 0,
            layer: 0,
            format: 0,
            allocation_length: 4100,
            agid: 0,
        };
        let b = h2.ok_in(&c, 4100);
        DiscStructure::decode(1, 0, &b).unwrap()
    }) else {
        panic!()
    };
    assert_eq!(di.disc_type_id(), Some(*b"BDR"));
}

#[test]
fn bd_re_unformatted_format_then_writable() {
    let mut h = Host::new(Personality::BdWriter, MediaKind::BdRe);
    let di = h.disc_info();
    assert_eq!(di.disc_status, DiscStatus::Empty);
    assert_eq!(h.write(0, 32), Some(SenseCode::MEDIUM_NOT_FORMATTED));
    assert_eq!(h.read(0, 1), Err(SenseCode::LBA_OUT_OF_RANGE));
    let fc = h.format_capacities();
    assert_eq!(
        fc.current.descriptor_type,
        CapacityDescriptorType::Unformatted
    );
    assert!(fc
        .formattable
        .iter()
        .any(|d| d.format_type == FormatType::BD_RE_WITHOUT_SPARES && d.blocks == 12_219_392));
    let cfg = h.config(ConfigurationRequest::Current, 0);
    assert!(cfg.is_current(0x0023) && !cfg.is_current(0x0020));
    // A format type BD-RE does not offer.
    assert_eq!(
        h.format(FormatType::DVD_PLUS_RW_BASIC, 0, 0, false),
        Some(SenseCode::INVALID_FIELD_IN_PARAMETER_LIST)
    );
    assert_eq!(h.format(FormatType::FULL, 11_826_176, 0, true), None);
    // Commands needing the medium see the format in progress; others still run.
    assert_eq!(h.write(0, 32), Some(SenseCode::FORMAT_IN_PROGRESS));
    h.config(ConfigurationRequest::Current, 0);
    assert_eq!(
        h.wait_ready(SenseCode::FORMAT_IN_PROGRESS),
        8 - 2,
        "8 ticks, 2 spent by the two commands above"
    );
    let di = h.disc_info();
    assert_eq!(di.disc_status, DiscStatus::Others);
    let cfg = h.config(ConfigurationRequest::Current, 0);
    assert!(cfg.is_current(0x0020) && cfg.is_current(0x0024));
    h.write_ok(0, 32);
    h.write_ok(11_826_176 - 32, 32);
    assert_eq!(h.write(11_826_176, 32), Some(SenseCode::LBA_OUT_OF_RANGE));
    h.read_back(0, 32);
    let zeros = h.read(5000, 4).unwrap();
    assert!(zeros.iter().all(|&b| b == 0));
    let cap = h.ok_in(&Command::ReadCapacity, 8);
    assert_eq!(
        u32::from_be_bytes([cap[0], cap[1], cap[2], cap[3]]),
        11_826_176 - 1
    );
    // Reformat without spares: full capacity, data kept (quick).
    assert_eq!(
        h.format(FormatType::BD_RE_WITHOUT_SPARES, 12_219_392, 0, false),
        None
    );
    h.write_ok(12_219_392 - 32, 32);
    h.read_back(0, 32);
}

fn format_with(
    h: &mut Host,
    format_type: FormatType,
    subtype: u8,
    blocks: u32,
    param: u32,
) -> Option<SenseCode> {
    let mut p = FormatUnitParameters::immediate(format_type, blocks, param);
    p.descriptor.subtype = subtype;
    let cmd = Command::FormatUnit {
        fmt_data: true,
        cmp_list: false,
        format_code: 1,
    };
    h.outcome(&cmd, DataPhase::Out(&p.encode()))
}

fn last_lba(h: &mut Host) -> u32 {
    let cap = h.ok_in(&Command::ReadCapacity, 8);
    u32::from_be_bytes([cap[0], cap[1], cap[2], cap[3]])
}

/// A BD-R pre-formatted with spares but not written yet is no longer blank:
/// appendable, one empty session, READ CAPACITY 0 (mmc-notes §2.7).
#[test]
fn bd_r_formatted_but_unwritten_is_appendable_with_an_empty_session() {
    let mut h = Host::new(Personality::BdWriter, MediaKind::BdR);
    assert_eq!(h.disc_info().disc_status, DiscStatus::Empty);
    assert_eq!(format_with(&mut h, FormatType::FULL, 1, 0, 0), None);
    h.wait_ready(SenseCode::FORMAT_IN_PROGRESS);
    let di = h.disc_info();
    assert_eq!(
        (
            di.disc_status,
            di.sessions,
            di.last_session_state,
            di.first_track_last_session,
            di.last_track_last_session
        ),
        (DiscStatus::Incomplete, 1, SessionState::Empty, 1, 1)
    );
    assert_eq!(last_lba(&mut h), 0);
    let t = h.track_info(0xFF);
    assert_eq!((t.nwa(), t.free_blocks), (Some(0), 11_826_176));
    assert_eq!(
        h.format_capacities().current.descriptor_type,
        CapacityDescriptorType::Formatted
    );
    // Formatting is over: the disc cannot be formatted again.
    assert_eq!(
        format_with(&mut h, FormatType::FULL, 1, 0, 0),
        Some(SenseCode::COMMAND_SEQUENCE_ERROR)
    );
    // Writing and closing work as on an unformatted BD-R, and closing
    // before anything is written is refused the same way.
    assert_eq!(
        h.close(CloseFunction::Session, 0, false),
        Some(SenseCode::INVALID_FIELD_IN_CDB)
    );
    h.write_at_nwa(64, 32);
    h.sync(false);
    assert_eq!(h.close(CloseFunction::Session, 0, false), None);
    let di = h.disc_info();
    assert_eq!((di.disc_status, di.sessions), (DiscStatus::Incomplete, 2));
    h.read_back(0, 64);
}

/// A blank BD-RE reports its last session empty (00b); formatted, complete.
#[test]
fn blank_bd_re_reports_an_empty_last_session() {
    let mut h = Host::new(Personality::BdWriter, MediaKind::BdRe);
    let di = h.disc_info();
    assert_eq!(
        (di.disc_status, di.last_session_state),
        (DiscStatus::Empty, SessionState::Empty)
    );
    assert_eq!(h.format(FormatType::FULL, 11_826_176, 0, false), None);
    let di = h.disc_info();
    assert_eq!(
        (di.disc_status, di.last_session_state),
        (DiscStatus::Others, SessionState::Complete)
    );
}

/// READ FORMAT CAPACITIES of BD media: after 00h, the formats with spares
/// with the default, the maximum and the minimum spare area, as single-layer
/// drives list them; each can be formatted.
#[test]
fn bd_format_capacities_offer_default_maximum_and_minimum_spares() {
    let list = |h: &mut Host| -> Vec<(u8, u32, u32)> {
        h.format_capacities()
            .formattable
            .iter()
            .map(|d| (d.format_type.0, d.blocks, d.type_parameter))
            .collect()
    };
    let mut h = Host::new(Personality::BdWriter, MediaKind::BdRe);
    assert_eq!(
        list(&mut h),
        vec![
            (0x00, 11_826_176, 0x3000),
            (0x30, 11_826_176, 0x3000),
            (0x30, 11_564_032, 0x5000),
            (0x30, 12_088_320, 0x1000),
            (0x31, 12_219_392, 0),
        ]
    );
    // Maximum spares, then minimum spares.
    assert_eq!(
        format_with(&mut h, FormatType::BD_RE_WITH_SPARES, 3, 11_564_032, 0x5000),
        None
    );
    h.wait_ready(SenseCode::FORMAT_IN_PROGRESS);
    assert_eq!(last_lba(&mut h), 11_564_032 - 1);
    assert_eq!(
        format_with(&mut h, FormatType::BD_RE_WITH_SPARES, 3, 12_088_320, 0x1000),
        None
    );
    h.wait_ready(SenseCode::FORMAT_IN_PROGRESS);
    assert_eq!(last_lba(&mut h), 12_088_320 - 1);

    let mut h = Host::new(Personality::BdWriter, MediaKind::BdR);
    assert_eq!(
        list(&mut h),
        vec![
            (0x00, 11_826_176, 0x3000),
            (0x32, 11_826_176, 0),
            (0x32, 5_796_864, 0),
            (0x32, 12_088_320, 0),
        ]
    );
    // A size outside the offered range is refused; the maximum spare area
    // leaves the smallest user capacity.
    assert_eq!(
        format_with(&mut h, FormatType::BD_R_WITH_SPARES, 1, 12_200_000, 0),
        Some(SenseCode::INVALID_FIELD_IN_PARAMETER_LIST)
    );
    assert_eq!(
        format_with(&mut h, FormatType::BD_R_WITH_SPARES, 1, 5_796_864, 0),
        None
    );
    h.wait_ready(SenseCode::FORMAT_IN_PROGRESS);
    assert_eq!(h.track_info(0xFF).free_blocks, 5_796_864);
    assert!(
        h.format_capacities().formattable.is_empty(),
        "a formatted BD-R offers no further format"
    );
    // A size in between, 0 for the default.
    let mut h = Host::new(Personality::BdWriter, MediaKind::BdR);
    assert_eq!(
        format_with(&mut h, FormatType::BD_R_WITH_SPARES, 1, 10_000_000, 0),
        None
    );
    h.wait_ready(SenseCode::FORMAT_IN_PROGRESS);
    assert_eq!(h.track_info(0xFF).free_blocks, 10_000_000 / 32 * 32);
    let mut h = Host::new(Personality::BdWriter, MediaKind::BdR);
    assert_eq!(
        format_with(&mut h, FormatType::BD_R_WITH_SPARES, 1, 0, 0),
        None
    );
    h.wait_ready(SenseCode::FORMAT_IN_PROGRESS);
    assert_eq!(h.track_info(0xFF).free_blocks, 11_826_176);
}
