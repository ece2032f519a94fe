//! Conformance scripts for CD-R and CD-RW, through raw CDBs built by the
//! codecs, with the invariant checker after every command.

mod common;

use common::{pattern, Host};
use imapi2_emu::media::{MediaKind, CD_ATIP_LEAD_IN};
use imapi2_emu::{Personality, SenseCode};
use imapi2_mmc::cdb::{BlankType, CloseFunction, Command, ConfigurationRequest, TocFormat};
use imapi2_mmc::cue_sheet::{CueSheet, CueSheetEntry, DataForm, TrackCue};
use imapi2_mmc::disc_info::{DiscStatus, SessionState};
use imapi2_mmc::mode::{DataBlockType, WriteType};
use imapi2_mmc::toc::{
    lba_to_msf, point, Atip, FormattedToc, MultisessionInfo, RawToc, TocAddress,
};
use imapi2_mmc::transport::DataPhase;

fn toc(h: &mut Host, format: TocFormat, msf: bool) -> Result<Vec<u8>, SenseCode> {
    toc_from(h, format, msf, 0)
}

/// READ TOC with the Track/Session Number field set to `track_session`.
fn toc_from(
    h: &mut Host,
    format: TocFormat,
    msf: bool,
    track_session: u8,
) -> Result<Vec<u8>, SenseCode> {
    let cmd = Command::ReadToc {
        msf,
        format,
        track_session,
        allocation_length: 2048,
    };
    let mut buf = vec![0u8; 2048];
    let r = h.run(&cmd, DataPhase::In(&mut buf)).unwrap();
    if r.status != imapi2_mmc::ScsiStatus::Good {
        return Err(common::triple(
            &imapi2_mmc::sense::Sense::decode(&r.sense).unwrap(),
        ));
    }
    buf.truncate(r.transferred);
    Ok(buf)
}

#[test]
fn cd_r_tao_multisession_append_and_finalize() {
    let mut h = Host::new(Personality::DvdWriter, MediaKind::CdR);
    let di = h.disc_info();
    assert_eq!(
        (di.disc_status, di.sessions, di.erasable),
        (DiscStatus::Empty, 1, false)
    );
    let cfg = h.config(ConfigurationRequest::Current, 0);
    assert_eq!(cfg.current_profile.code(), 0x0009);
    assert!(cfg.is_current(0x002D) && cfg.is_current(0x002E) && cfg.is_current(0x0021));
    let atip = Atip::decode(&toc(&mut h, TocFormat::Atip, false).unwrap()).unwrap();
    assert_eq!(atip.lead_in_start.to_lba(), CD_ATIP_LEAD_IN as i32);
    assert_eq!(atip.capacity_blocks(), Some(359_849));
    assert!(!atip.cd_rw);
    // A blank disc has no TOC.
    assert_eq!(
        toc(&mut h, TocFormat::Formatted, false),
        Err(SenseCode::INVALID_FIELD_IN_CDB)
    );

    // Session 1: one TAO track of 1000 blocks in 32 KiB writes.
    h.set_write_mode(WriteType::TrackAtOnce, true);
    assert_eq!(h.nwa(0xFF), 0);
    h.write_at_nwa(1000, 16);
    let t = h.track_info(1);
    assert_eq!(
        (t.nwa(), t.lra(), t.free_blocks),
        (Some(1000), Some(999), 359_849 - 1000)
    );
    let di = h.disc_info();
    assert_eq!(
        (di.disc_status, di.last_session_state),
        (DiscStatus::Incomplete, SessionState::Incomplete)
    );
    // Writing elsewhere than at the NWA, or past the medium.
    assert_eq!(h.write(1016, 16), Some(SenseCode::INVALID_WRITE_ADDRESS));
    assert_eq!(h.write(400_000, 16), Some(SenseCode::LBA_OUT_OF_RANGE));
    // Reading the unwritten part of the track.
    assert_eq!(h.read(1000, 1), Err(SenseCode::LBA_OUT_OF_RANGE));
    h.sync(false);
    let t = h.track_info(1);
    assert_eq!(
        (t.start, t.size, t.nwa()),
        (0, 1002, None),
        "TAO track closed with 2 run-out blocks"
    );
    assert_eq!(h.nwa(0xFF), 1002 + 150);
    h.read_back(0, 1000);
    assert_eq!(
        h.read(1000, 1),
        Err(SenseCode::ILLEGAL_MODE_FOR_TRACK),
        "run-out block"
    );

    // Close the session, Immed, and poll.
    assert_eq!(h.close(CloseFunction::Session, 0, true), None);
    let busy = h.wait_ready(SenseCode::OPERATION_IN_PROGRESS);
    assert_eq!(busy, 4);
    let di = h.disc_info();
    assert_eq!(
        (di.disc_status, di.sessions, di.last_session_state),
        (DiscStatus::Incomplete, 2, SessionState::Empty)
    );
    let nwa2 = h.nwa(0xFF);
    assert_eq!(nwa2, 1002 + 11_400);
    let lead_in = imapi2_mmc::toc::Msf {
        m: (di.last_session_lead_in >> 16) as u8,
        s: (di.last_session_lead_in >> 8) as u8,
        f: di.last_session_lead_in as u8,
    };
    assert_eq!(i64::from(lead_in.to_lba()), nwa2 - 4_650);
    let ms = MultisessionInfo::decode(&toc(&mut h, TocFormat::Multisession, false).unwrap(), false)
        .unwrap();
    assert_eq!((ms.last_session, ms.start), (1, TocAddress::Lba(0)));
    let raw = RawToc::decode(&toc(&mut h, TocFormat::Raw, false).unwrap()).unwrap();
    let b0 = raw
        .entries
        .iter()
        .find(|e| e.point == point::NEXT_PROGRAM_AREA)
        .expect("B0 pointer");
    assert_eq!(i64::from(b0.time.to_lba()), nwa2);
    let a2 = raw
        .entries
        .iter()
        .find(|e| e.point == point::LEAD_OUT)
        .unwrap();
    assert_eq!(a2.pointer.to_lba(), 1002);

    // Session 2: a short track (padded to 300 blocks), closed explicitly.
    h.write_at_nwa(64, 32);
    assert_eq!(h.close(CloseFunction::Track, 0xFF, false), None);
    let t2 = h.track_info(2);
    assert_eq!(
        (t2.start as i64, t2.size, t2.session_number),
        (nwa2, 302, 2)
    );
    assert_eq!(h.close(CloseFunction::Session, 0, false), None);
    let ms = MultisessionInfo::decode(&toc(&mut h, TocFormat::Multisession, true).unwrap(), true)
        .unwrap();
    assert_eq!(ms.last_session, 2);
    assert_eq!(i64::from(ms.start.lba()), nwa2);
    assert_eq!(h.nwa(0xFF), nwa2 + 302 + 6_900);
    let t =
        FormattedToc::decode(&toc(&mut h, TocFormat::Formatted, false).unwrap(), false).unwrap();
    assert_eq!((t.first_track, t.last_track), (1, 2));
    assert_eq!(
        t.lead_out().unwrap().address,
        TocAddress::Lba((nwa2 + 302) as i32)
    );

    // Finalize: multi-session 00b, close the empty third session.
    h.set_write_mode(WriteType::TrackAtOnce, false);
    assert_eq!(h.close(CloseFunction::Session, 0, false), None);
    let di = h.disc_info();
    assert_eq!(
        (di.disc_status, di.sessions, di.last_session_state),
        (DiscStatus::Complete, 2, SessionState::Complete)
    );
    assert_eq!(di.last_possible_lead_out, u32::MAX);
    assert_eq!(h.write(0, 16), Some(SenseCode::CANNOT_WRITE_MEDIUM));
    h.read_back(nwa2, 64);
    h.read_back(0, 1000);
    let cfg = h.config(ConfigurationRequest::Current, 0);
    assert!(!cfg.is_current(0x002D), "a finalized CD-R is not writable");
}

fn cue(control: u8, tno: u8, index: u8, form: DataForm, lba: i32) -> CueSheetEntry {
    CueSheetEntry::Track(TrackCue {
        control,
        tno,
        index,
        data_form: form,
        scms: 0,
        time: lba_to_msf(lba).unwrap(),
    })
}

fn send_cue(h: &mut Host, sheet: &CueSheet) -> Option<SenseCode> {
    let bytes = sheet.encode();
    h.outcome(
        &Command::SendCueSheet {
            size: bytes.len() as u32,
        },
        DataPhase::Out(&bytes),
    )
}

#[test]
fn cd_r_session_at_once_with_a_cue_sheet() {
    let mut h = Host::new(Personality::CdWriter, MediaKind::CdR);
    let blocks = 2_000;
    let sheet = CueSheet {
        entries: vec![
            cue(4, 0, 0, DataForm::MODE1_NO_DATA, -150),
            cue(4, 1, 0, DataForm::MODE1, -150),
            cue(4, 1, 1, DataForm::MODE1, 0),
            cue(4, 0xAA, 1, DataForm::MODE1_NO_DATA, blocks),
        ],
    };
    // The cue sheet needs write type SAO.
    assert_eq!(
        send_cue(&mut h, &sheet),
        Some(SenseCode::COMMAND_SEQUENCE_ERROR)
    );
    h.set_write_mode(WriteType::SessionAtOnce, false);
    assert_eq!(send_cue(&mut h, &sheet), None);
    let t = h.track_info(1);
    assert!(t.rt, "the cue sheet reserves the track");
    assert_eq!((t.start, t.size), (0, blocks as u32));
    // Writing starts with the pre-gap at -150.
    assert_eq!(h.rec.medium().unwrap().next_writable_address(), Some(-150));
    assert_eq!(h.nwa(0xFF), 0, "track 1 itself starts at 0");
    assert_eq!(h.write(0, 16), Some(SenseCode::INVALID_WRITE_ADDRESS));
    h.write_ok(-150, 150);
    let mut at = 0;
    while at < i64::from(blocks) {
        h.write_ok(at, 25);
        at += 25;
    }
    assert_eq!(h.write(at, 1), Some(SenseCode::LBA_OUT_OF_RANGE));
    h.sync(true);
    h.wait_ready(SenseCode::OPERATION_IN_PROGRESS);
    let di = h.disc_info();
    assert_eq!((di.disc_status, di.sessions), (DiscStatus::Complete, 1));
    let t =
        FormattedToc::decode(&toc(&mut h, TocFormat::Formatted, false).unwrap(), false).unwrap();
    assert_eq!(t.entries.len(), 2);
    assert_eq!(t.lead_out().unwrap().address, TocAddress::Lba(blocks));
    h.read_back(0, 64);
    h.read_back(i64::from(blocks) - 64, 64);
    // The pre-gap blocks went to the raw store and read back with READ CD.
    let cmd = Command::ReadCd {
        sector_type: imapi2_mmc::cdb::SectorType::Any,
        dap: false,
        lba: -150,
        transfer_length: 2,
        sync: false,
        header_codes: imapi2_mmc::cdb::HeaderCodes::None,
        user_data: true,
        edc_ecc: false,
        c2: imapi2_mmc::cdb::C2ErrorInfo::None,
        subchannel: imapi2_mmc::cdb::SubChannelSelection::None,
    };
    let got = h.ok_in(&cmd, 4096);
    assert_eq!(got, pattern(-150, 2));
}

#[test]
fn cd_rw_write_blank_and_rewrite() {
    let mut h = Host::new(Personality::CdWriter, MediaKind::CdRw);
    let di = h.disc_info();
    assert!(di.erasable);
    let atip = Atip::decode(&toc(&mut h, TocFormat::Atip, false).unwrap()).unwrap();
    assert!(atip.cd_rw);
    assert_eq!(
        h.config(ConfigurationRequest::Current, 0)
            .current_profile
            .code(),
        0x000A
    );
    h.set_write_mode(WriteType::TrackAtOnce, true);
    h.write_at_nwa(500, 32);
    h.sync(false);
    assert_eq!(h.close(CloseFunction::Session, 0, false), None);
    h.read_back(0, 500);

    // Full blank, Immed: 02/04/07 with progress until done; data gone.
    assert_eq!(h.blank(BlankType::Full, true), None);
    let busy = h.wait_ready(SenseCode::OPERATION_IN_PROGRESS);
    assert_eq!(busy, 10);
    assert_eq!(h.disc_info().disc_status, DiscStatus::Empty);
    assert_eq!(h.read(0, 1), Err(SenseCode::LBA_OUT_OF_RANGE));
    let data = std::fs::metadata(h.rec.disc().unwrap().dir().join("data.bin")).unwrap();
    assert_eq!(data.len(), 0, "a full blank erases the data file");

    // Rewrite, then a minimal blank.
    h.write_at_nwa(300, 30);
    h.sync(false);
    h.read_back(0, 300);
    assert_eq!(h.blank(BlankType::Minimal, false), None);
    assert_eq!(h.disc_info().disc_status, DiscStatus::Empty);
    assert_eq!(h.nwa(0xFF), 0);
    h.write_at_nwa(300, 30);
    h.sync(false);
    h.read_back(0, 300);
    // BLANK does not apply to CD-R.
    let mut r = Host::new(Personality::CdWriter, MediaKind::CdR);
    assert_eq!(
        r.blank(BlankType::Full, false),
        Some(SenseCode::INCOMPATIBLE_MEDIUM)
    );
}

#[test]
fn cd_rw_erase_last_session_and_unclose() {
    let mut h = Host::new(Personality::CdWriter, MediaKind::CdRw);
    h.set_write_mode(WriteType::TrackAtOnce, true);
    h.write_at_nwa(300, 30);
    h.sync(false);
    h.close(CloseFunction::Session, 0, false);
    let nwa2 = h.write_at_nwa(300, 30);
    h.sync(false);
    h.close(CloseFunction::Session, 0, false);
    assert_eq!(h.disc_info().sessions, 3);
    assert_eq!(h.blank(BlankType::Session, false), None);
    let di = h.disc_info();
    assert_eq!(
        (di.sessions, di.last_session_state),
        (2, SessionState::Empty)
    );
    h.forget_history();
    assert_eq!(
        h.nwa(0xFF),
        nwa2,
        "the erased session's space is writable again"
    );
    // Unclose the first session: it becomes open again.
    assert_eq!(h.blank(BlankType::UncloseLastSession, false), None);
    let di = h.disc_info();
    assert_eq!(
        (di.sessions, di.last_session_state),
        (1, SessionState::Incomplete)
    );
    assert_eq!(h.nwa(0xFF), 302 + 150);
}

#[test]
fn cd_r_test_write_leaves_the_disc_blank() {
    let mut h = Host::new(Personality::CdWriter, MediaKind::CdR);
    let mut p = h.mode_page_05();
    p.test_write = true;
    p.write_type = WriteType::TrackAtOnce;
    assert_eq!(h.select_05(p.clone()), None);
    h.write_at_nwa(320, 32);
    assert_eq!(h.nwa(0xFF), 320, "the simulation advances the NWA");
    h.sync(false);
    assert_eq!(h.close(CloseFunction::Session, 0, false), None);
    h.forget_history();
    assert_eq!(h.disc_info().disc_status, DiscStatus::Empty);
    assert_eq!(h.nwa(0xFF), 0);
    let data = h.rec.disc().unwrap().dir().join("data.bin");
    assert!(
        !data.exists() || std::fs::metadata(&data).unwrap().len() == 0,
        "nothing was recorded"
    );
    p.test_write = false;
    assert_eq!(h.select_05(p), None);
    h.write_at_nwa(32, 32);
    h.read_back(0, 32);
}

#[test]
fn cd_audio_tao_track_and_read_cd() {
    let mut h = Host::new(Personality::CdWriter, MediaKind::CdR);
    let mut p = h.mode_page_05();
    p.write_type = WriteType::TrackAtOnce;
    p.track_mode = imapi2_mmc::track_info::TrackMode::AUDIO;
    p.data_block_type = DataBlockType::Raw2352;
    assert_eq!(h.select_05(p), None);
    let frames: Vec<u8> = (0..300 * 2352).map(|i| (i % 253) as u8).collect();
    let cmd = Command::Write10 {
        dpo: false,
        fua: false,
        lba: 0,
        transfer_length: 300,
    };
    // 2048-byte blocks are not enough for 2352-byte frames.
    let short = vec![0u8; 300 * 2048];
    assert!(h.run(&cmd, DataPhase::Out(&short)).is_err());
    h.ok_out(&cmd, &frames);
    h.sync(false);
    let t = h.track_info(1);
    assert_eq!(t.track_mode.nibble() & 0x04, 0, "an audio track");
    assert_eq!(
        h.read(0, 1),
        Err(SenseCode::ILLEGAL_MODE_FOR_TRACK),
        "READ(10) of audio"
    );
    let cmd = Command::ReadCd {
        sector_type: imapi2_mmc::cdb::SectorType::CdDa,
        dap: false,
        lba: 10,
        transfer_length: 2,
        sync: false,
        header_codes: imapi2_mmc::cdb::HeaderCodes::None,
        user_data: true,
        edc_ecc: false,
        c2: imapi2_mmc::cdb::C2ErrorInfo::None,
        subchannel: imapi2_mmc::cdb::SubChannelSelection::Q,
    };
    let got = h.ok_in(&cmd, 2 * (2352 + 16));
    assert_eq!(got.len(), 2 * (2352 + 16));
    assert_eq!(&got[..2352], &frames[10 * 2352..11 * 2352]);
    let q = imapi2_emu::subchannel::SubQ::decode(&got[2352..2364]).unwrap();
    assert_eq!((q.tno, q.control), (1, 0));
    // Asking for mode 1 sectors on an audio track.
    let mut bad = cmd.encode();
    bad[1] = imapi2_mmc::cdb::SectorType::Mode1.bits() << 2;
    let bad = Command::decode(&bad).unwrap();
    assert_eq!(
        h.fails(&bad, DataPhase::In(&mut vec![0u8; 8192])),
        SenseCode::ILLEGAL_MODE_FOR_TRACK
    );
}

/// A 2448-byte RAW96R frame at `lba`: a mode 1 data sector (or audio bytes)
/// and the raw P–W sub-channel carrying its Q position.
fn raw_frame(lba: i64, tno: u8, index: u8, data: bool) -> Vec<u8> {
    use imapi2_emu::subchannel::SubQ;
    let mut f = vec![0u8; 2448];
    if data {
        f[1..11].fill(0xFF);
        let a = lba + 150;
        let bcd = |v: i64| (((v / 10) << 4) | (v % 10)) as u8;
        f[12] = bcd(a / 4500);
        f[13] = bcd((a / 75) % 60);
        f[14] = bcd(a % 75);
        f[15] = 1;
        if lba >= 0 {
            f[16..2064].copy_from_slice(&pattern(lba, 1));
        }
    } else {
        for (i, b) in f[..2352].iter_mut().enumerate() {
            *b = (i as i64 + lba) as u8;
        }
    }
    let a = (lba + 150).max(0);
    let q = SubQ {
        control: if data { 4 } else { 0 },
        adr: 1,
        tno,
        index,
        relative: (0, 0, 0),
        absolute: ((a / 4500) as u8, ((a / 75) % 60) as u8, (a % 75) as u8),
    };
    f[2352..].copy_from_slice(&q.to_raw_pw());
    f
}

#[test]
fn cd_r_raw96r_session_tracks_come_from_the_q_sub_channel() {
    let mut h = Host::new(Personality::CdWriter, MediaKind::CdR);
    let mut p = h.mode_page_05();
    p.write_type = WriteType::Raw;
    p.data_block_type = DataBlockType::RawPwRaw2448;
    p.multi_session = imapi2_mmc::mode::MultiSession::NoNextSession;
    assert_eq!(h.select_05(p), None);
    // Pre-gap of track 1 (index 0), a 300-block data track, a 300-block
    // audio track, then 100 lead-out frames.
    let mut frames = Vec::new();
    for lba in -150..700i64 {
        let (tno, index, data) = match lba {
            l if l < 0 => (1, 0, true),
            l if l < 300 => (1, 1, true),
            l if l < 600 => (2, 1, false),
            _ => (0xAA, 1, false),
        };
        frames.push(raw_frame(lba, tno, index, data));
    }
    let late = Command::Write10 {
        dpo: false,
        fua: false,
        lba: 5,
        transfer_length: 1,
    };
    assert_eq!(
        h.outcome(&late, DataPhase::Out(&raw_frame(5, 1, 1, true))),
        Some(SenseCode::INVALID_WRITE_ADDRESS),
        "raw writing starts in the lead-in"
    );
    for (i, chunk) in frames.chunks(25).enumerate() {
        let lba = -150 + 25 * i as i32;
        let bytes: Vec<u8> = chunk.concat();
        let cmd = Command::Write10 {
            dpo: false,
            fua: false,
            lba,
            transfer_length: chunk.len() as u16,
        };
        h.ok_out(&cmd, &bytes);
    }
    h.sync(false);
    let di = h.disc_info();
    assert_eq!((di.disc_status, di.sessions), (DiscStatus::Complete, 1));
    let t =
        FormattedToc::decode(&toc(&mut h, TocFormat::Formatted, false).unwrap(), false).unwrap();
    assert_eq!(t.last_track, 2);
    assert_eq!(t.entries[0].control, 4);
    assert_eq!(
        (
            t.entries[1].track,
            t.entries[1].control,
            t.entries[1].address
        ),
        (2, 0, TocAddress::Lba(300))
    );
    assert_eq!(t.lead_out().unwrap().address, TocAddress::Lba(600));
    // READ(10) of the data track extracts the user data from the mode 1 frames.
    h.read_back(0, 300);
    assert_eq!(h.read(300, 1), Err(SenseCode::ILLEGAL_MODE_FOR_TRACK));
    // READ CD returns the stored frame and its sub-channel.
    let cmd = Command::ReadCd {
        sector_type: imapi2_mmc::cdb::SectorType::Any,
        dap: false,
        lba: 310,
        transfer_length: 1,
        sync: true,
        header_codes: imapi2_mmc::cdb::HeaderCodes::All,
        user_data: true,
        edc_ecc: true,
        c2: imapi2_mmc::cdb::C2ErrorInfo::None,
        subchannel: imapi2_mmc::cdb::SubChannelSelection::RawPw,
    };
    let got = h.ok_in(&cmd, 2448);
    assert_eq!(got, frames[460]);
}

#[test]
fn read_cd_of_cooked_data_synthesizes_sync_and_header() {
    let mut h = Host::new(Personality::CdWriter, MediaKind::CdR);
    h.set_write_mode(WriteType::TrackAtOnce, false);
    h.write_at_nwa(300, 30);
    let cmd = Command::ReadCd {
        sector_type: imapi2_mmc::cdb::SectorType::Mode1,
        dap: false,
        lba: 5,
        transfer_length: 1,
        sync: true,
        header_codes: imapi2_mmc::cdb::HeaderCodes::Header,
        user_data: true,
        edc_ecc: false,
        c2: imapi2_mmc::cdb::C2ErrorInfo::None,
        subchannel: imapi2_mmc::cdb::SubChannelSelection::None,
    };
    let got = h.ok_in(&cmd, 4096);
    assert_eq!(got.len(), 12 + 4 + 2048);
    assert_eq!(
        &got[..12],
        &[0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0]
    );
    assert_eq!(
        &got[12..16],
        &[0x00, 0x02, 0x05, 0x01],
        "MSF 00:02:05 in BCD, mode 1"
    );
    assert_eq!(&got[16..], &pattern(5, 1)[..]);
}

/// READ DISC INFORMATION bytes 16–19 (MSF on CD) as an LBA: the lead-in of
/// the last session; `None` for FFFFFFFFh.
fn last_session_lead_in(h: &mut Host) -> Option<i64> {
    let v = h.disc_info().last_session_lead_in;
    (v != 0xFFFF_FFFF).then(|| {
        let msf = imapi2_mmc::toc::Msf {
            m: (v >> 16) as u8,
            s: (v >> 8) as u8,
            f: v as u8,
        };
        i64::from(msf.to_lba())
    })
}

/// The last session's lead-in start stays in READ DISC INFORMATION while
/// the session is empty, being written, or holds closed tracks, until the
/// disc is finalized (mmc-notes §1.2).
#[test]
fn cd_disc_information_keeps_the_lead_in_of_the_open_session() {
    let mut h = Host::new(Personality::CdWriter, MediaKind::CdR);
    h.set_write_mode(WriteType::TrackAtOnce, true);
    assert_eq!(last_session_lead_in(&mut h), Some(CD_ATIP_LEAD_IN));
    // Session 1 being written, then with its track closed.
    h.write_at_nwa(400, 32);
    assert_eq!(h.disc_info().last_session_state, SessionState::Incomplete);
    assert_eq!(last_session_lead_in(&mut h), Some(CD_ATIP_LEAD_IN));
    h.sync(false);
    assert_eq!(last_session_lead_in(&mut h), Some(CD_ATIP_LEAD_IN));
    assert_eq!(h.close(CloseFunction::Session, 0, false), None);
    // Session 2: 4500 lead-in blocks before the pre-gap of its first track,
    // empty, being written and with its track closed.
    let nwa2 = h.nwa(0xFF);
    assert_eq!(last_session_lead_in(&mut h), Some(nwa2 - 150 - 4_500));
    h.write_at_nwa(400, 32);
    let di = h.disc_info();
    assert_eq!(
        (di.sessions, di.last_session_state),
        (2, SessionState::Incomplete)
    );
    assert_eq!(last_session_lead_in(&mut h), Some(nwa2 - 150 - 4_500));
    h.sync(false);
    assert_eq!(last_session_lead_in(&mut h), Some(nwa2 - 150 - 4_500));
    // Finalized: no lead-in any more.
    h.set_write_mode(WriteType::TrackAtOnce, false);
    assert_eq!(h.close(CloseFunction::Session, 0, false), None);
    assert_eq!(h.disc_info().disc_status, DiscStatus::Complete);
    assert_eq!(last_session_lead_in(&mut h), None);
}

/// READ TOC format 2 (raw TOC): the Session Number field names the first
/// session whose descriptors are returned.
#[test]
fn cd_raw_toc_starts_at_the_requested_session() {
    let mut h = Host::new(Personality::CdWriter, MediaKind::CdR);
    h.set_write_mode(WriteType::TrackAtOnce, true);
    let mut starts = Vec::new();
    for _ in 0..2 {
        starts.push(h.write_at_nwa(300, 30));
        h.sync(false);
        assert_eq!(h.close(CloseFunction::Session, 0, false), None);
    }
    let raw = |h: &mut Host, session: u8| {
        toc_from(h, TocFormat::Raw, false, session).map(|b| RawToc::decode(&b).unwrap())
    };
    let sessions_of = |t: &RawToc| {
        let mut v: Vec<u8> = t.entries.iter().map(|e| e.session).collect();
        v.dedup();
        v
    };
    let all = raw(&mut h, 0).unwrap();
    assert_eq!(sessions_of(&all), vec![1, 2]);
    assert_eq!(raw(&mut h, 1).unwrap(), all, "session 1 is the first one");
    let second = raw(&mut h, 2).unwrap();
    assert_eq!(
        (second.first_session, second.last_session),
        (1, 2),
        "the header still names every complete session"
    );
    assert_eq!(sessions_of(&second), vec![2]);
    assert!(
        second
            .entries
            .iter()
            .all(|e| e.point != point::FIRST_LEAD_IN),
        "C0h belongs to session 1"
    );
    let a0 = second
        .entries
        .iter()
        .find(|e| e.point == point::FIRST_TRACK)
        .unwrap();
    assert_eq!(a0.pointer.m, 2, "first track of session 2");
    let t2 = second.entries.iter().find(|e| e.point == 2).unwrap();
    assert_eq!(i64::from(t2.pointer.to_lba()), starts[1]);
    assert_eq!(
        second.entries,
        all.entries
            .iter()
            .filter(|e| e.session == 2)
            .copied()
            .collect::<Vec<_>>()
    );
    assert_eq!(raw(&mut h, 3), Err(SenseCode::INVALID_FIELD_IN_CDB));
}
