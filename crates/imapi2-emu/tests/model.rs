//! The medium model alone, without the command layer: the state machines of
//! mmc-notes §2 step by step, with the invariants checked after every step.

use imapi2_emu::media::*;
use imapi2_emu::SenseCode;

fn ok(m: &Medium) {
    if let Err(e) = m.check_invariants() {
        panic!("invariant broken: {e}\n{m:#?}");
    }
}

fn write(m: &mut Medium, lba: i64, blocks: u32, p: &WriteParams) -> Result<(), SenseCode> {
    let plan = m.plan_write(lba, blocks, p).map_err(|e| e.sense)?;
    m.apply_write(&plan, p, &[]);
    ok(m);
    Ok(())
}

fn tao(multi: bool) -> WriteParams {
    WriteParams {
        multi_session: if multi { 3 } else { 0 },
        ..WriteParams::default_for(MediaKind::CdR)
    }
}

#[test]
fn cd_r_tao_two_sessions_then_finalize() {
    let mut m = Medium::new(MediaKind::CdR);
    ok(&m);
    assert_eq!(m.disc_status(), DiscStatus::Blank);
    assert_eq!(m.next_writable_address(), Some(0));
    assert_eq!(m.disc_view().next_lead_in, Some(CD_ATIP_LEAD_IN));
    let p = tao(true);
    write(&mut m, 0, 1000, &p).unwrap();
    assert_eq!(m.disc_status(), DiscStatus::Appendable);
    assert_eq!(m.disc_view().last_session, SessionState::Incomplete);
    // Not at the NWA.
    assert_eq!(
        write(&mut m, 2000, 16, &p),
        Err(SenseCode::INVALID_WRITE_ADDRESS)
    );
    write(&mut m, 1000, 200, &p).unwrap();
    // SYNCHRONIZE CACHE closes the TAO track: 1200 blocks + 2 run-out, next after a 150 pre-gap.
    assert_eq!(m.synchronize(&p), LongOp::Flush);
    ok(&m);
    let t1 = m.track_view(1).unwrap();
    assert_eq!((t1.start, t1.size, t1.nwa), (0, 1202, None));
    assert_eq!(m.next_writable_address(), Some(1202 + 150));
    // Run-out blocks cannot be read, data can.
    assert_eq!(
        m.plan_read(1200, 1).unwrap_err().sense,
        SenseCode::ILLEGAL_MODE_FOR_TRACK
    );
    assert_eq!(
        m.plan_read(0, 1200).unwrap(),
        vec![ReadExtent {
            lba: 0,
            count: 1200,
            source: ReadSource::User
        }]
    );
    // Close the session leaving the disc appendable: first session costs 11 400.
    assert_eq!(m.close(2, 0, &p).unwrap(), LongOp::CloseSession);
    ok(&m);
    assert_eq!(m.disc_status(), DiscStatus::Appendable);
    assert_eq!(m.sessions()[0].lead_out, Some(1202));
    assert_eq!(m.next_writable_address(), Some(1202 + 11_400));
    let v = m.disc_view();
    assert_eq!((v.sessions, v.last_session), (2, SessionState::Empty));
    assert_eq!(v.next_lead_in, Some(1202 + 11_400 - 4_650));
    // Second session, a short track padded to 300 blocks.
    let nwa = m.next_writable_address().unwrap();
    write(&mut m, nwa, 10, &p).unwrap();
    assert_eq!(m.close(1, 0xFF, &p).unwrap(), LongOp::CloseTrack);
    ok(&m);
    let t2 = m.track_view(2).unwrap();
    assert_eq!((t2.start, t2.size, t2.session), (nwa, 302, 2));
    // Later sessions cost 6 900.
    m.close(2, 0, &p).unwrap();
    ok(&m);
    assert_eq!(m.next_writable_address(), Some(nwa + 302 + 6_900));
    // Finalize: closing the empty third session with multi-session 00b.
    assert_eq!(m.close(2, 0, &tao(false)).unwrap(), LongOp::Finalize);
    ok(&m);
    assert_eq!(m.disc_status(), DiscStatus::Complete);
    assert_eq!(m.sessions().len(), 2);
    assert_eq!(write(&mut m, 0, 1, &p), Err(SenseCode::CANNOT_WRITE_MEDIUM));
    // Unwritten gaps between sessions read as out of range.
    assert_eq!(
        m.plan_read(5000, 1).unwrap_err().sense,
        SenseCode::LBA_OUT_OF_RANGE
    );
}

#[test]
fn cd_sao_cue_sheet() {
    let mut m = Medium::new(MediaKind::CdR);
    let p = WriteParams {
        write_type: WriteType::SessionAtOnce,
        ..WriteParams::default_for(MediaKind::CdR)
    };
    // Lead-in, track 1 index 0 at -150 (drive-generated pre-gap), index 1 at 0, an audio track, lead-out.
    let cue = [
        CuePoint {
            control: 4,
            tno: 0,
            index: 0,
            data_form: 0x14,
            lba: -150,
        },
        CuePoint {
            control: 4,
            tno: 1,
            index: 0,
            data_form: 0x14,
            lba: -150,
        },
        CuePoint {
            control: 4,
            tno: 1,
            index: 1,
            data_form: 0x10,
            lba: 0,
        },
        CuePoint {
            control: 0,
            tno: 2,
            index: 0,
            data_form: 0x01,
            lba: 1000,
        },
        CuePoint {
            control: 0,
            tno: 2,
            index: 1,
            data_form: 0x00,
            lba: 1150,
        },
        CuePoint {
            control: 0,
            tno: 0xAA,
            index: 1,
            data_form: 0x01,
            lba: 1500,
        },
    ];
    m.send_cue_sheet(&cue, &p).unwrap();
    ok(&m);
    assert_eq!(m.next_writable_address(), Some(0));
    let plan = m.plan_write(0, 1000, &p).unwrap();
    assert_eq!(plan.bytes(), 1000 * 2048);
    m.apply_write(&plan, &p, &[]);
    ok(&m);
    // The audio pre-gap is generated by the drive: the host continues at 1150.
    assert_eq!(m.next_writable_address(), Some(1150));
    assert_eq!(
        m.plan_write(1000, 1, &p).unwrap_err().sense,
        SenseCode::INVALID_WRITE_ADDRESS
    );
    let plan = m.plan_write(1150, 350, &p).unwrap();
    assert_eq!(plan.bytes(), 350 * 2352);
    m.apply_write(&plan, &p, &[]);
    ok(&m);
    assert_eq!(m.synchronize(&p), LongOp::Finalize);
    ok(&m);
    assert_eq!(m.disc_status(), DiscStatus::Complete);
    assert_eq!(m.tracks().len(), 2);
    assert_eq!(m.tracks()[0].size, 1150);
    assert_eq!(m.plan_read(0, 10).unwrap()[0].source, ReadSource::User);
    assert_eq!(
        m.plan_read(1150, 1).unwrap_err().sense,
        SenseCode::ILLEGAL_MODE_FOR_TRACK
    );
}

#[test]
fn dvd_plus_r_sessions_merge_and_finalize() {
    let mut m = Medium::new(MediaKind::DvdPlusR);
    let p = WriteParams::default_for(MediaKind::DvdPlusR);
    // DVD+R takes whole 16-block ECC blocks ...
    assert_eq!(
        write(&mut m, 0, 100, &p),
        Err(SenseCode::INVALID_FIELD_IN_CDB)
    );
    // ... unless the drive is configured to accept partial ones.
    m.settings_mut().strict_write_unit = false;
    write(&mut m, 0, 100, &p).unwrap();
    m.close(1, 1, &p).unwrap();
    ok(&m);
    // Closing the fragment padded it to the 16-block ECC unit.
    assert_eq!(m.next_writable_address(), Some(112));
    write(&mut m, 112, 32, &p).unwrap();
    m.close(2, 0, &p).unwrap();
    ok(&m);
    // The session's two fragments are one logical track now.
    assert_eq!(m.tracks()[0].size, 144);
    assert_eq!(m.tracks()[0].session, 1);
    assert_eq!(m.tracks()[1].state, TrackState::Invisible);
    assert_eq!(m.next_writable_address(), Some(144 + 2_048));
    m.close(6, 0, &p).unwrap();
    ok(&m);
    assert!(m.is_finalized());
    assert_eq!(
        m.close(2, 0, &p).unwrap_err().sense,
        SenseCode::CANNOT_WRITE_MEDIUM
    );
}

#[test]
fn dvd_plus_rw_background_format() {
    let mut m = Medium::new(MediaKind::DvdPlusRw);
    assert_eq!(m.disc_status(), DiscStatus::Blank);
    let p = WriteParams::default_for(MediaKind::DvdPlusRw);
    assert_eq!(
        m.plan_write(0, 16, &p).unwrap_err().sense,
        SenseCode::MEDIUM_NOT_FORMATTED
    );
    m.format(FormatRequest {
        format_type: 0x26,
        subtype: 0,
        blocks: u32::MAX,
        param: 0,
    })
    .unwrap();
    assert_eq!(m.bg_format_status(), BgFormatStatus::InProgress);
    write(&mut m, 1_000_000, 16, &p).unwrap();
    m.tick();
    ok(&m);
    assert_eq!(m.plan_read(0, 1).unwrap()[0].source, ReadSource::Zero);
    assert_eq!(
        m.plan_read(1_000_000, 16).unwrap()[0].source,
        ReadSource::User
    );
    assert!(m.plan_read(2_000_000, 1).is_err());
    m.close(2, 0, &p).unwrap();
    assert_eq!(m.bg_format_status(), BgFormatStatus::Stopped);
    m.format(FormatRequest {
        format_type: 0x26,
        subtype: 0,
        blocks: u32::MAX,
        param: 0,
    })
    .unwrap();
    for _ in 0..100 {
        m.tick();
    }
    ok(&m);
    assert_eq!(m.bg_format_status(), BgFormatStatus::Complete);
    assert_eq!(
        m.plan_read(2_000_000, 1).unwrap()[0].source,
        ReadSource::Zero
    );
}

#[test]
fn dvd_rw_profile_changes() {
    let mut m = Medium::new(MediaKind::DvdMinusRw);
    assert_eq!(m.profile(), 0x0014);
    let out = m
        .format(FormatRequest {
            format_type: 0x15,
            subtype: 0,
            blocks: 0,
            param: 16,
        })
        .unwrap();
    assert!(out.profile_changed);
    assert_eq!(m.profile(), 0x0013);
    ok(&m);
    let p = WriteParams::default_for(MediaKind::DvdMinusRw);
    // Intermediate state: grows by contiguous writes.
    write(&mut m, 0, 32, &p).unwrap();
    assert_eq!(
        m.plan_write(64, 16, &p).unwrap_err().sense,
        SenseCode::INVALID_WRITE_ADDRESS
    );
    assert_eq!(
        m.plan_write(32, 8, &p).unwrap_err().sense,
        SenseCode::INVALID_FIELD_IN_CDB
    );
    m.close(2, 0, &p).unwrap();
    assert_eq!(m.format_state(), FormatState::Formatted { blocks: 32 });
    let out = m.blank(1, 0).unwrap();
    assert!(out.profile_changed);
    assert_eq!(m.profile(), 0x0014);
    assert!(!m.incremental_allowed());
    ok(&m);
    assert_eq!(
        write(&mut m, 0, 16, &p),
        Err(SenseCode::ILLEGAL_MODE_FOR_TRACK)
    );
    m.blank(0, 0).unwrap();
    assert!(m.incremental_allowed());
    write(&mut m, 0, 16, &p).unwrap();
}

#[test]
fn bd_r_write_unit_and_reservations() {
    let mut m = Medium::new(MediaKind::BdR);
    let p = WriteParams::default_for(MediaKind::BdR);
    assert_eq!(
        write(&mut m, 0, 16, &p),
        Err(SenseCode::INVALID_FIELD_IN_CDB)
    );
    m.reserve_track(100).unwrap();
    ok(&m);
    assert_eq!(m.tracks()[0].size, 128);
    assert_eq!(m.tracks()[1].start, 128);
    // Two open tracks, each with its own NWA.
    write(&mut m, 128, 64, &p).unwrap();
    write(&mut m, 0, 32, &p).unwrap();
    m.close(2, 0, &p).unwrap();
    ok(&m);
    assert_eq!(m.tracks()[0].recorded, 128);
    m.close(6, 0, &p).unwrap();
    ok(&m);
    assert!(m.is_finalized());
}

#[test]
fn unwritten_reads_follow_the_configured_policy() {
    let mut m = Medium::new(MediaKind::DvdPlusR);
    let p = WriteParams::default_for(MediaKind::DvdPlusR);
    write(&mut m, 0, 16, &p).unwrap();
    assert_eq!(
        m.plan_read(16, 1).unwrap_err().sense,
        SenseCode::LBA_OUT_OF_RANGE
    );
    m.settings_mut().unwritten_read = UnreadablePolicy::BlankCheck;
    assert_eq!(
        m.plan_read(16, 1).unwrap_err().sense,
        SenseCode::BLANK_CHECK
    );
    assert_eq!(
        m.plan_read(99_999_999, 1).unwrap_err().sense,
        SenseCode::LBA_OUT_OF_RANGE,
        "beyond the medium"
    );
    let mut re = Medium::new(MediaKind::BdRe);
    re.settings_mut().unformatted_read = UnreadablePolicy::ReadError;
    assert_eq!(
        re.plan_read(0, 1).unwrap_err().sense,
        SenseCode::UNRECOVERED_READ_ERROR
    );
    // Small media make "disc full" quick.
    let mut small = Medium::with_capacity(MediaKind::DvdPlusR, 2048).unwrap();
    write(&mut small, 0, 2048, &p).unwrap();
    assert_eq!(
        small.plan_write(2048, 16, &p).unwrap_err().sense,
        SenseCode::LBA_OUT_OF_RANGE
    );
    assert!(Medium::with_capacity(MediaKind::CdR, 10).is_err());
}

#[test]
fn write_protection_refuses_every_writing_operation() {
    let mut m = Medium::new(MediaKind::DvdRam);
    m.set_write_protected(true);
    let p = WriteParams::default_for(MediaKind::DvdRam);
    assert_eq!(
        m.plan_write(0, 16, &p).unwrap_err().sense,
        SenseCode::WRITE_PROTECTED
    );
    let f = FormatRequest {
        format_type: 0,
        subtype: 0,
        blocks: 0,
        param: 0,
    };
    assert_eq!(m.format(f).unwrap_err().sense, SenseCode::WRITE_PROTECTED);
    let mut rom = Medium::pressed(MediaKind::BdRom, 5000);
    rom.set_write_protected(false);
    assert!(rom.write_protected(), "pressed media stay protected");
    assert_eq!(
        rom.close(2, 0, &p).unwrap_err().sense,
        SenseCode::WRITE_PROTECTED
    );
}
