//! The drive around the medium: check order, truncation, tray and lock,
//! events, persistence, pressed media, personalities, speeds, fault plans and
//! malformed state files.

mod common;

use std::time::Duration;

use common::{pattern, Host};
use imapi2_emu::clock::WriteBuffer;
use imapi2_emu::fault::{Effect, FaultPlan, Trigger};
use imapi2_emu::media::MediaKind;
use imapi2_emu::{Error, Personality, RecorderConfig, SenseCode, VirtualDisc, VirtualRecorder};
use imapi2_mmc::capacity::{BufferCapacity, Capacity, MechanismStatus};
use imapi2_mmc::cdb::{CloseFunction, Command, ConfigurationRequest, TocFormat};
use imapi2_mmc::disc_info::DiscStatus;
use imapi2_mmc::event::{Event, EventStatus, MediaEventCode};
use imapi2_mmc::feature::Configuration;
use imapi2_mmc::inquiry::InquiryData;
use imapi2_mmc::mode::{ModePage, ModeParameters, PageControl, WriteType};
use imapi2_mmc::sense::Sense;
use imapi2_mmc::streaming::StreamingPerformance;
use imapi2_mmc::toc::{FormattedToc, TocAddress};
use imapi2_mmc::transport::{DataPhase, Request, ScsiStatus, ScsiTransport, TransportError};

fn send(
    rec: &mut VirtualRecorder,
    cmd: &Command,
    data: DataPhase<'_>,
) -> Result<(ScsiStatus, Option<SenseCode>, usize), TransportError> {
    let cdb = cmd.encode();
    let r = rec.execute(Request {
        cdb: &cdb,
        data,
        timeout: Duration::from_secs(5),
    })?;
    let s = (r.status == ScsiStatus::CheckCondition)
        .then(|| common::triple(&Sense::decode(&r.sense).unwrap()));
    Ok((r.status, s, r.transferred))
}

fn sense(rec: &mut VirtualRecorder, cmd: &Command) -> Option<SenseCode> {
    let mut buf = vec![0u8; 4096];
    send(rec, cmd, DataPhase::In(&mut buf)).unwrap().1
}

const TUR: Command = Command::TestUnitReady;

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
fn unit_attention_then_not_ready_check_order() {
    let mut rec = VirtualRecorder::new(Personality::DvdWriter);
    // INQUIRY and GET CONFIGURATION run through a unit attention, and leave it.
    let mut buf = vec![0u8; 96];
    assert_eq!(
        send(
            &mut rec,
            &Command::Inquiry {
                evpd: false,
                page_code: 0,
                allocation_length: 96
            },
            DataPhase::In(&mut buf)
        )
        .unwrap()
        .1,
        None
    );
    let inq = InquiryData::decode(&buf).unwrap();
    assert_eq!(
        (inq.vendor.as_str(), inq.product.as_str(), inq.device_type),
        ("IMAPI2", "VIRTUAL DVD-RW", 5)
    );
    assert_eq!(
        sense(
            &mut rec,
            &Command::GetConfiguration {
                request: ConfigurationRequest::All,
                starting_feature: 0,
                allocation_length: 8
            }
        ),
        None
    );
    // An unknown opcode still sees the unit attention first, then 05/20/00.
    let unknown = [0x42u8, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    let r = rec
        .execute(Request {
            cdb: &unknown,
            data: DataPhase::None,
            timeout: Duration::from_secs(1),
        })
        .unwrap();
    assert_eq!(
        common::triple(&Sense::decode(&r.sense).unwrap()),
        SenseCode::POWER_ON
    );
    let r = rec
        .execute(Request {
            cdb: &unknown,
            data: DataPhase::None,
            timeout: Duration::from_secs(1),
        })
        .unwrap();
    assert_eq!(
        common::triple(&Sense::decode(&r.sense).unwrap()),
        SenseCode::INVALID_OPCODE
    );
    // No medium, tray closed; then tray open.
    assert_eq!(sense(&mut rec, &TUR), Some(SenseCode::NO_MEDIUM));
    assert_eq!(
        sense(&mut rec, &Command::ReadCapacity),
        Some(SenseCode::NO_MEDIUM)
    );
    rec.press_eject_button();
    assert_eq!(sense(&mut rec, &TUR), Some(SenseCode::NO_MEDIUM_TRAY_OPEN));
    // Commands that need no medium run with the tray open.
    assert_eq!(
        sense(
            &mut rec,
            &Command::ModeSense10 {
                llbaa: false,
                dbd: true,
                page_control: PageControl::Current,
                page_code: 0x2A,
                subpage: 0,
                allocation_length: 255
            }
        ),
        None
    );
    let mut ms = vec![0u8; 8];
    send(
        &mut rec,
        &Command::MechanismStatus {
            allocation_length: 8,
        },
        DataPhase::In(&mut ms),
    )
    .unwrap();
    assert!(MechanismStatus::decode(&ms).unwrap().door_open);
    // A medium that does not fit the drive.
    let dir = tempfile::tempdir().unwrap();
    rec.insert(VirtualDisc::create(dir.path().join("bd"), MediaKind::BdR).unwrap())
        .unwrap();
    assert_eq!(sense(&mut rec, &TUR), Some(SenseCode::MEDIUM_CHANGED));
    assert_eq!(
        sense(&mut rec, &TUR),
        Some(SenseCode::INCOMPATIBLE_MEDIUM_NOT_READY)
    );
    // Field checks come after the medium checks: a reserved READ TRACK INFORMATION type.
    let mut cdb = Command::ReadTrackInformation {
        open: false,
        address_type: imapi2_mmc::cdb::TrackAddressType::Track,
        number: 1,
        allocation_length: 48,
    }
    .encode();
    cdb[1] = 3;
    let r = rec
        .execute(Request {
            cdb: &cdb,
            data: DataPhase::In(&mut [0u8; 48]),
            timeout: Duration::from_secs(1),
        })
        .unwrap();
    assert_eq!(
        common::triple(&Sense::decode(&r.sense).unwrap()),
        SenseCode::INCOMPATIBLE_MEDIUM_NOT_READY
    );
    let mut h = Host::new(Personality::DvdWriter, MediaKind::DvdPlusR);
    let r = h.raw(&cdb, DataPhase::In(&mut [0u8; 48])).unwrap();
    assert_eq!(
        common::triple(&Sense::decode(&r.sense).unwrap()),
        SenseCode::INVALID_FIELD_IN_CDB
    );
}

#[test]
fn replies_are_truncated_to_the_allocation_length() {
    let mut h = Host::new(Personality::BdWriter, MediaKind::BdRe);
    let full = h.ok_in(
        &Command::Inquiry {
            evpd: false,
            page_code: 0,
            allocation_length: 255,
        },
        255,
    );
    assert_eq!(full.len(), 36);
    let part = h.ok_in(
        &Command::Inquiry {
            evpd: false,
            page_code: 0,
            allocation_length: 5,
        },
        255,
    );
    assert_eq!(part, full[..5]);
    // GET CONFIGURATION header alone: the data length still counts everything.
    let head = h.ok_in(
        &Command::GetConfiguration {
            request: ConfigurationRequest::All,
            starting_feature: 0,
            allocation_length: 8,
        },
        64,
    );
    assert_eq!(head.len(), 8);
    let total = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize + 4;
    let all = h.ok_in(
        &Command::GetConfiguration {
            request: ConfigurationRequest::All,
            starting_feature: 0,
            allocation_length: 65535,
        },
        65535,
    );
    assert_eq!(all.len(), total);
    let cut = h.ok_in(
        &Command::GetConfiguration {
            request: ConfigurationRequest::All,
            starting_feature: 0,
            allocation_length: 100,
        },
        65535,
    );
    assert_eq!(cut, all[..100]);
    assert!(Configuration::decode(&cut).unwrap().truncated);
    // RT=10b: one feature; RT=01b: current ones only.
    let one = Configuration::decode(&h.ok_in(
        &Command::GetConfiguration {
            request: ConfigurationRequest::One,
            starting_feature: 0x0043,
            allocation_length: 64,
        },
        64,
    ))
    .unwrap();
    assert!(one.features.is_empty(), "0043h is a profile, not a feature");
    let one = Configuration::decode(&h.ok_in(
        &Command::GetConfiguration {
            request: ConfigurationRequest::One,
            starting_feature: 0x0041,
            allocation_length: 64,
        },
        64,
    ))
    .unwrap();
    assert_eq!(one.features.len(), 1);
    let cur = Configuration::decode(&h.ok_in(
        &Command::GetConfiguration {
            request: ConfigurationRequest::Current,
            starting_feature: 0x0020,
            allocation_length: 4096,
        },
        4096,
    ))
    .unwrap();
    assert!(cur.features.iter().all(|f| f.current && f.code() >= 0x0020));
    // A buffer smaller than the allocation length limits what moves.
    let mut small = vec![0u8; 10];
    let r = h
        .run(
            &Command::ReadDiscInformation {
                data_type: imapi2_mmc::cdb::DiscInformationType::Standard,
                allocation_length: 34,
            },
            DataPhase::In(&mut small),
        )
        .unwrap();
    assert_eq!(r.transferred, 10);
    let di = h.ok_in(
        &Command::ReadDiscInformation {
            data_type: imapi2_mmc::cdb::DiscInformationType::Standard,
            allocation_length: 34,
        },
        34,
    );
    assert_eq!(small, di[..10]);
    let sense = h.ok_in(
        &Command::RequestSense {
            descriptor: false,
            allocation_length: 8,
        },
        64,
    );
    assert_eq!(sense.len(), 8);
    // Mode sense header only.
    let ms = h.ok_in(
        &Command::ModeSense10 {
            llbaa: false,
            dbd: true,
            page_control: PageControl::Current,
            page_code: 0x3F,
            subpage: 0,
            allocation_length: 8,
        },
        255,
    );
    assert_eq!(ms.len(), 8);
    assert!(u16::from_be_bytes([ms[0], ms[1]]) > 6);
}

#[test]
fn request_sense_reports_last_sense_and_progress() {
    let mut h = Host::new(Personality::CdWriter, MediaKind::CdRw);
    assert_eq!(h.write(5000, 1), Some(SenseCode::INVALID_WRITE_ADDRESS));
    let b = h.ok_in(
        &Command::RequestSense {
            descriptor: false,
            allocation_length: 18,
        },
        18,
    );
    assert_eq!(
        common::triple(&Sense::decode(&b).unwrap()),
        SenseCode::INVALID_WRITE_ADDRESS
    );
    let b = h.ok_in(
        &Command::RequestSense {
            descriptor: false,
            allocation_length: 18,
        },
        18,
    );
    assert_eq!(
        common::triple(&Sense::decode(&b).unwrap()),
        SenseCode::new(0, 0, 0),
        "reported once"
    );
    assert_eq!(h.blank(imapi2_mmc::cdb::BlankType::Full, true), None);
    let mut last = 0;
    for _ in 0..5 {
        let b = h.ok_in(
            &Command::RequestSense {
                descriptor: false,
                allocation_length: 18,
            },
            18,
        );
        let s = Sense::decode(&b).unwrap();
        assert_eq!(common::triple(&s), SenseCode::OPERATION_IN_PROGRESS);
        let p = s.progress.unwrap();
        assert!(p > last);
        last = p;
    }
    assert_eq!(h.wait_ready(SenseCode::OPERATION_IN_PROGRESS), 5);
}

#[test]
fn tray_lock_eject_and_media_events() {
    let mut h = Host::new(Personality::DvdWriter, MediaKind::DvdPlusRw);
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
    h.ok(&Command::PreventAllowMediumRemoval {
        persistent: false,
        prevent: true,
    });
    let eject = Command::StartStopUnit {
        immed: false,
        format_layer: 0,
        power_condition: 0,
        fl: false,
        load_eject: true,
        start: false,
    };
    assert_eq!(
        h.outcome(&eject, DataPhase::None),
        Some(SenseCode::REMOVAL_PREVENTED)
    );
    assert!(matches!(h.rec.eject(), Err(Error::RemovalPrevented)));
    // The button asks the host.
    h.rec.press_eject_button();
    let e = gesn(&mut h);
    assert!(
        matches!(
            e.event,
            Some(Event::Media {
                event: MediaEventCode::EjectRequest,
                media_present: true,
                door_open: false,
                ..
            })
        ),
        "{e:?}"
    );
    // Two PREVENTs need two ALLOWs.
    h.ok(&Command::PreventAllowMediumRemoval {
        persistent: false,
        prevent: false,
    });
    assert_eq!(
        h.outcome(&eject, DataPhase::None),
        Some(SenseCode::REMOVAL_PREVENTED)
    );
    h.ok(&Command::PreventAllowMediumRemoval {
        persistent: false,
        prevent: false,
    });
    h.ok(&eject);
    assert_eq!(
        h.outcome(&TUR, DataPhase::None),
        Some(SenseCode::NO_MEDIUM_TRAY_OPEN)
    );
    let e = gesn(&mut h);
    assert!(
        matches!(
            e.event,
            Some(Event::Media {
                event: MediaEventCode::MediaRemoval,
                media_present: false,
                door_open: true,
                ..
            })
        ),
        "{e:?}"
    );
    // Load: unit attention 06/28/00 once, a new-media event, then ready.
    let load = Command::StartStopUnit {
        immed: false,
        format_layer: 0,
        power_condition: 0,
        fl: false,
        load_eject: true,
        start: true,
    };
    h.ok(&load);
    assert_eq!(
        h.outcome(&TUR, DataPhase::None),
        Some(SenseCode::MEDIUM_CHANGED)
    );
    assert_eq!(h.outcome(&TUR, DataPhase::None), None);
    let e = gesn(&mut h);
    assert!(
        matches!(
            e.event,
            Some(Event::Media {
                event: MediaEventCode::NewMedia,
                media_present: true,
                ..
            })
        ),
        "{e:?}"
    );
    // Swap the medium through the API.
    let disc = h.rec.eject().unwrap().unwrap();
    assert_eq!(disc.medium().kind(), MediaKind::DvdPlusRw);
    assert_eq!(
        h.outcome(&TUR, DataPhase::None),
        Some(SenseCode::NO_MEDIUM_TRAY_OPEN)
    );
    let other = VirtualDisc::create(h.dir.path().join("other"), MediaKind::DvdMinusR).unwrap();
    h.rec.insert(other).unwrap();
    h.forget_history();
    assert_eq!(
        h.outcome(&TUR, DataPhase::None),
        Some(SenseCode::MEDIUM_CHANGED)
    );
    assert_eq!(
        h.config(ConfigurationRequest::Current, 0)
            .current_profile
            .code(),
        0x0011
    );
    assert!(h.rec.insert(disc).is_err(), "one medium at a time");
}

#[test]
fn state_persists_across_opening_the_drive_again() {
    let dir = tempfile::tempdir().unwrap();
    let drive_dir = dir.path().join("drive");
    {
        let mut rec = VirtualRecorder::create(&drive_dir, Personality::BdWriter).unwrap();
        rec.insert(VirtualDisc::create(dir.path().join("disc"), MediaKind::DvdPlusR).unwrap())
            .unwrap();
        let mut h = Host::with_recorder(rec, tempfile::tempdir().unwrap());
        h.write_at_nwa(320, 32);
        h.sync(false);
        h.close(CloseFunction::Track, 1, false);
        h.write_at_nwa(64, 32);
        // Dropped without SYNCHRONIZE CACHE: a clean shutdown still saves.
    }
    let text = std::fs::read_to_string(dir.path().join("disc/medium.state")).unwrap();
    assert!(text.contains("kind DVD+R"), "{text}");
    let rec = VirtualRecorder::open(&drive_dir).unwrap();
    let mut h = Host::with_recorder(rec, tempfile::tempdir().unwrap());
    h.read_back(0, 320);
    h.read_back(320, 64);
    assert_eq!(h.nwa(0xFF), 384);
    assert_eq!(h.disc_info().last_track_last_session, 2);
    // Eject, drop, reopen: the tray is open and the medium waits on it.
    h.ok(&Command::StartStopUnit {
        immed: false,
        format_layer: 0,
        power_condition: 0,
        fl: false,
        load_eject: true,
        start: false,
    });
    drop(h);
    let rec = VirtualRecorder::open(&drive_dir).unwrap();
    let mut h = Host::with_recorder(rec, tempfile::tempdir().unwrap());
    assert_eq!(
        h.outcome(&TUR, DataPhase::None),
        Some(SenseCode::NO_MEDIUM_TRAY_OPEN)
    );
    h.ok(&Command::StartStopUnit {
        immed: false,
        format_layer: 0,
        power_condition: 0,
        fl: false,
        load_eject: true,
        start: true,
    });
    h.clear_attention();
    h.read_back(0, 320);
    // The medium alone reopens too, with its model.
    drop(h);
    let disc = VirtualDisc::open(dir.path().join("disc")).unwrap();
    assert_eq!(disc.medium().tracks().len(), 2);
    assert!(disc.describe().contains("track 2"));
}

#[test]
fn a_handle_that_only_read_does_not_put_back_an_older_state() {
    // Two handles on one drive, as a reader and a burner opening one real
    // drive: the reader opened first and dropped last must not undo the
    // burner's session.
    let dir = tempfile::tempdir().unwrap();
    let drive_dir = dir.path().join("drive");
    {
        let mut rec = VirtualRecorder::create(&drive_dir, Personality::DvdWriter).unwrap();
        rec.insert(VirtualDisc::create(dir.path().join("disc"), MediaKind::DvdPlusR).unwrap())
            .unwrap();
    }
    let reader = VirtualRecorder::open(&drive_dir).unwrap();
    let mut reader = Host::with_recorder(reader, tempfile::tempdir().unwrap());
    reader.clear_attention();
    assert_eq!(reader.nwa(0xFF), 0);
    {
        let writer = VirtualRecorder::open(&drive_dir).unwrap();
        let mut w = Host::with_recorder(writer, tempfile::tempdir().unwrap());
        w.clear_attention();
        w.write_at_nwa(320, 32);
        w.sync(false);
        w.close(CloseFunction::Track, 1, false);
    }
    assert_eq!(reader.nwa(0xFF), 0, "the reader still sees what it loaded");
    drop(reader);
    let rec = VirtualRecorder::open(&drive_dir).unwrap();
    let mut h = Host::with_recorder(rec, tempfile::tempdir().unwrap());
    h.clear_attention();
    assert_eq!(h.nwa(0xFF), 320);
    h.read_back(0, 320);
}

#[test]
fn pressed_media_from_an_image() {
    let dir = tempfile::tempdir().unwrap();
    let iso = dir.path().join("small.iso");
    let mut bytes = pattern(0, 300);
    bytes.extend_from_slice(&[0xEE; 1000]);
    std::fs::write(&iso, &bytes).unwrap();
    let disc = VirtualDisc::press(dir.path().join("cd"), &iso).unwrap();
    assert_eq!(disc.medium().kind(), MediaKind::CdRom);
    let mut h = Host::with_recorder(VirtualRecorder::with_disc(Personality::CdWriter, disc), dir);
    assert_eq!(
        h.config(ConfigurationRequest::Current, 0)
            .current_profile
            .code(),
        0x0008
    );
    h.read_back(0, 300);
    let last = h.read(300, 1).unwrap();
    assert_eq!(&last[..1000], &[0xEE; 1000][..]);
    assert!(
        last[1000..].iter().all(|&b| b == 0),
        "the last partial block reads zero-padded"
    );
    assert_eq!(h.read(301, 1), Err(SenseCode::LBA_OUT_OF_RANGE));
    let cap = Capacity::decode(&h.ok_in(&Command::ReadCapacity, 8)).unwrap();
    assert_eq!((cap.last_lba, cap.block_length), (300, 2048));
    assert_eq!(h.write(0, 1), Some(SenseCode::WRITE_PROTECTED));
    assert_eq!(
        h.blank(imapi2_mmc::cdb::BlankType::Full, false),
        Some(SenseCode::WRITE_PROTECTED)
    );
    assert_eq!(h.disc_info().disc_status, DiscStatus::Complete);
    let toc = h.ok_in(
        &Command::ReadToc {
            msf: false,
            format: TocFormat::Formatted,
            track_session: 0,
            allocation_length: 100,
        },
        100,
    );
    let toc = FormattedToc::decode(&toc, false).unwrap();
    assert_eq!(toc.lead_out().unwrap().address, TocAddress::Lba(301));
    let wp = h.config(ConfigurationRequest::Current, 0);
    assert!(wp.is_current(0x0010) && !wp.is_current(0x002D));
    // A DVD-sized image (sparse) becomes a DVD-ROM.
    let big = h.dir.path().join("big.iso");
    let f = std::fs::File::create(&big).unwrap();
    f.set_len(1_000_000 * 2048).unwrap();
    let disc = VirtualDisc::press(h.dir.path().join("dvd"), &big).unwrap();
    assert_eq!(disc.medium().kind(), MediaKind::DvdRom);
    assert_eq!(disc.medium().profile(), 0x0010);
    assert!(VirtualDisc::create(h.dir.path().join("x"), MediaKind::BdRom).is_err());
}

#[test]
fn mmc1_drive_has_no_get_configuration() {
    let mut h = Host::new(Personality::Mmc1CdWriter, MediaKind::CdR);
    let get_conf = Command::GetConfiguration {
        request: ConfigurationRequest::All,
        starting_feature: 0,
        allocation_length: 8,
    };
    assert_eq!(
        h.fails(&get_conf, DataPhase::In(&mut [0u8; 8])),
        SenseCode::INVALID_OPCODE
    );
    let gesn = Command::GetEventStatusNotification {
        polled: true,
        class_request: 0x10,
        allocation_length: 8,
    };
    assert_eq!(
        h.fails(&gesn, DataPhase::In(&mut [0u8; 8])),
        SenseCode::INVALID_OPCODE
    );
    let inq = InquiryData::decode(&h.ok_in(
        &Command::Inquiry {
            evpd: false,
            page_code: 0,
            allocation_length: 36,
        },
        36,
    ))
    .unwrap();
    assert_eq!((inq.version, inq.product.as_str()), (2, "VIRTUAL MMC1 CDR"));
    // Capabilities only through page 2Ah, and a short one.
    let b = h.ok_in(
        &Command::ModeSense10 {
            llbaa: false,
            dbd: true,
            page_control: PageControl::Current,
            page_code: 0x2A,
            subpage: 0,
            allocation_length: 255,
        },
        255,
    );
    let mp = ModeParameters::decode10(&b).unwrap();
    match mp.page(0x2A) {
        Some(ModePage::Capabilities(c)) => {
            assert!(c.cd_r_write && c.cd_rw_write);
            assert!(c.write_speeds.is_empty());
            assert_eq!(c.max_write_speed, 1411);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(b.len(), 8 + 20, "page 2Ah stops at byte 19");
    // It still burns a CD-R.
    h.set_write_mode(WriteType::TrackAtOnce, false);
    h.write_at_nwa(300, 30);
    h.sync(false);
    h.close(CloseFunction::Session, 0, false);
    assert_eq!(h.disc_info().disc_status, DiscStatus::Complete);
    h.read_back(0, 300);
}

#[test]
fn speeds_from_get_performance_and_page_2a() {
    let mut h = Host::new(Personality::DvdWriter, MediaKind::DvdPlusR);
    assert_eq!(h.write_speeds(), vec![22160, 11080, 5540]);
    let cap = |h: &mut Host| {
        let b = h.ok_in(
            &Command::ModeSense10 {
                llbaa: false,
                dbd: true,
                page_control: PageControl::Current,
                page_code: 0x2A,
                subpage: 0,
                allocation_length: 255,
            },
            255,
        );
        match ModeParameters::decode10(&b).unwrap().page(0x2A).cloned() {
            Some(ModePage::Capabilities(c)) => c,
            other => panic!("{other:?}"),
        }
    };
    let c = cap(&mut h);
    assert_eq!(
        c.write_speeds
            .iter()
            .map(|w| u32::from(w.speed))
            .collect::<Vec<_>>(),
        vec![22160, 11080, 5540]
    );
    assert_eq!(c.current_write_speed, 22160);
    // SET STREAMING picks the speed at or below the request.
    let d = StreamingPerformance::speeds(2_295_103, 22160, 12000).encode();
    h.ok_out(
        &Command::SetStreaming {
            streaming_type: 0,
            parameter_length: d.len() as u16,
        },
        &d,
    );
    assert_eq!(cap(&mut h).current_write_speed, 11080);
    // SET CD SPEED too; FFFFh means the fastest.
    h.ok(&Command::SetCdSpeed {
        rotation: imapi2_mmc::performance::RotationControl::Clv,
        read_speed: 0xFFFF,
        write_speed: 6000,
    });
    assert_eq!(cap(&mut h).current_write_speed, 5540);
    h.ok(&Command::SetCdSpeed {
        rotation: imapi2_mmc::performance::RotationControl::Clv,
        read_speed: 0xFFFF,
        write_speed: 0xFFFF,
    });
    assert_eq!(cap(&mut h).current_write_speed, 22160);
    let cd = Host::new(Personality::CdWriter, MediaKind::CdR).write_speeds();
    assert_eq!(cd, vec![8467, 5645, 4234, 2822, 1411]);
}

#[test]
fn buffer_full_reports_long_write_in_progress() {
    let dir = tempfile::tempdir().unwrap();
    let config = RecorderConfig {
        buffer: WriteBuffer {
            size: 96 * 1024,
            fill: 0,
            drain_per_tick: 32 * 1024,
        },
        ..Default::default()
    };
    let mut rec = VirtualRecorder::with_config(Personality::DvdWriter, config);
    rec.insert(VirtualDisc::create(dir.path().join("m"), MediaKind::DvdPlusR).unwrap())
        .unwrap();
    let mut h = Host::with_recorder(rec, dir);
    let mut at = 0;
    let mut full = 0;
    while at < 640 {
        match h.write(at, 32) {
            None => at += 32,
            Some(s) => {
                assert_eq!(s, SenseCode::LONG_WRITE_IN_PROGRESS);
                full += 1;
                let b = h.ok_in(
                    &Command::ReadBufferCapacity {
                        block: false,
                        allocation_length: 12,
                    },
                    12,
                );
                let BufferCapacity::Bytes { length, available } =
                    BufferCapacity::decode(&b, false).unwrap()
                else {
                    panic!()
                };
                assert_eq!(length, 96 * 1024);
                assert!(available < length, "the buffer still holds data");
            }
        }
    }
    assert!(full > 0, "the buffer filled up");
    h.sync(false);
    h.read_back(0, 640);
}

#[test]
fn fault_plans_fire_exactly_where_planned() {
    let mut h = Host::new(Personality::DvdWriter, MediaKind::DvdPlusRw);
    h.format(common::DVD_PLUS_RW, u32::MAX, 0, false);
    let base = h.rec.commands();
    let plan = FaultPlan::new()
        .once(
            Trigger::Command(base + 3),
            Effect::Sense(SenseCode::WRITE_ERROR),
        )
        .always(
            Trigger::Opcode {
                opcode: 0x28,
                nth: Some(2),
            },
            Effect::Sense(SenseCode::new(3, 0x11, 5)),
        )
        .once(
            Trigger::Lba {
                start: 1000,
                end: 1100,
                opcode: Some(0x2A),
            },
            Effect::Timeout,
        )
        .defect(5000, 5010);
    h.rec.set_fault_plan(plan);
    h.write_ok(0, 16); // base + 1
    h.write_ok(16, 16); // base + 2
    assert_eq!(h.write(32, 16), Some(SenseCode::WRITE_ERROR)); // base + 3
    h.write_ok(32, 16); // the same write again
    h.read_back(0, 16); // first READ(10)
    assert_eq!(
        h.read(0, 16),
        Err(SenseCode::new(3, 0x11, 5)),
        "second READ(10)"
    );
    h.read_back(0, 16);
    let data = pattern(1090, 16);
    let cmd = Command::Write10 {
        dpo: false,
        fua: false,
        lba: 1090,
        transfer_length: 16,
    };
    assert!(matches!(
        h.run(&cmd, DataPhase::Out(&data)),
        Err(TransportError::Timeout { .. })
    ));
    h.write_ok(1090, 16);
    h.write_ok(4992, 32);
    let cmd = Command::Read10 {
        dpo: false,
        fua: false,
        lba: 4990,
        transfer_length: 20,
    };
    let mut buf = vec![0u8; 20 * 2048];
    let r = h.run(&cmd, DataPhase::In(&mut buf)).unwrap();
    let s = Sense::decode(&r.sense).unwrap();
    assert_eq!(
        (common::triple(&s), s.information),
        (SenseCode::UNRECOVERED_READ_ERROR, Some(5000))
    );
    h.read_back(4992, 8);
    assert_eq!(h.rec.fault_plan().rules[0].fired, 1);
}

#[test]
fn power_loss_drops_what_was_not_synchronized() {
    let mut h = Host::new(Personality::DvdWriter, MediaKind::DvdPlusR);
    h.rec.set_fault_plan(FaultPlan::new().once(
        Trigger::Opcode {
            opcode: 0x51,
            nth: Some(1),
        },
        Effect::PowerLoss,
    ));
    h.write_at_nwa(320, 32);
    h.sync(false);
    h.write_at_nwa(64, 32);
    assert_eq!(h.nwa(0xFF), 384);
    h.forget_history();
    // The first READ DISC INFORMATION meets the power loss, then 06/29/00.
    let cmd = Command::ReadDiscInformation {
        data_type: imapi2_mmc::cdb::DiscInformationType::Standard,
        allocation_length: 34,
    };
    assert_eq!(
        h.fails(&cmd, DataPhase::In(&mut [0u8; 34])),
        SenseCode::POWER_ON
    );
    let t = h.track_info(0xFF);
    assert_eq!(
        t.nwa(),
        Some(320),
        "writes after the last SYNCHRONIZE CACHE are gone"
    );
    assert!(t.damage, "the interrupted track is damaged");
    h.read_back(0, 320);
    assert_eq!(h.read(320, 1), Err(SenseCode::LBA_OUT_OF_RANGE));
    // An overwritable medium gets its old bytes back.
    let mut h = Host::new(Personality::DvdWriter, MediaKind::DvdPlusRw);
    h.format(common::DVD_PLUS_RW, u32::MAX, 0, false);
    h.write_ok(0, 16);
    h.sync(false);
    h.rec.set_fault_plan(
        FaultPlan::new().once(Trigger::Command(h.rec.commands() + 3), Effect::PowerLoss),
    );
    let old = h.read(0, 16).unwrap();
    let data = vec![0x55u8; 16 * 2048];
    h.ok_out(
        &Command::Write10 {
            dpo: false,
            fua: false,
            lba: 0,
            transfer_length: 16,
        },
        &data,
    );
    assert_eq!(h.outcome(&TUR, DataPhase::None), Some(SenseCode::POWER_ON));
    assert_eq!(h.read(0, 16).unwrap(), old);
}

#[test]
fn fault_plan_and_state_files_load_from_disk_with_line_errors() {
    let dir = tempfile::tempdir().unwrap();
    let drive_dir = dir.path().join("drive");
    let rec = VirtualRecorder::create(&drive_dir, Personality::CdWriter).unwrap();
    drop(rec);
    std::fs::write(
        drive_dir.join("faults.plan"),
        "imapi2-emu-faults 1\nat-command 2 sense 02/04/01 once\n",
    )
    .unwrap();
    let mut rec = VirtualRecorder::open(&drive_dir).unwrap();
    assert_eq!(
        sense(
            &mut rec,
            &Command::Inquiry {
                evpd: false,
                page_code: 0,
                allocation_length: 36
            }
        ),
        None
    );
    assert_eq!(
        sense(
            &mut rec,
            &Command::Inquiry {
                evpd: false,
                page_code: 0,
                allocation_length: 36
            }
        ),
        Some(SenseCode::new(2, 4, 1))
    );
    drop(rec);
    std::fs::write(
        drive_dir.join("faults.plan"),
        "imapi2-emu-faults 1\n\nat-command 2 sense 02/04\n",
    )
    .unwrap();
    match VirtualRecorder::open(&drive_dir) {
        Err(Error::StateFile {
            line: 3, reason, ..
        }) => assert!(reason.contains("sense triple"), "{reason}"),
        other => panic!("{other:?}"),
    }
    std::fs::remove_file(drive_dir.join("faults.plan")).unwrap();
    std::fs::write(
        drive_dir.join("drive.state"),
        "imapi2-emu-drive 1\npersonality cd-writer\ntray sideways\n",
    )
    .unwrap();
    match VirtualRecorder::open(&drive_dir) {
        Err(e @ Error::StateFile { line: 3, .. }) => assert!(e.to_string().contains("line 3")),
        other => panic!("{other:?}"),
    }
    let disc = VirtualDisc::create(dir.path().join("m"), MediaKind::CdR).unwrap();
    drop(disc);
    let state = dir.path().join("m/medium.state");
    let text = std::fs::read_to_string(&state).unwrap();
    let broken = text.replace("track 1 session=1", "track 1 sesion=1");
    std::fs::write(&state, &broken).unwrap();
    let line = broken
        .lines()
        .position(|l| l.starts_with("track 1"))
        .unwrap()
        + 1;
    match VirtualDisc::open(dir.path().join("m")) {
        Err(Error::StateFile {
            line: l, reason, ..
        }) => {
            assert_eq!(l, line);
            assert!(reason.contains("sesion"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn test_unit_ready_polling_advances_the_clock_only() {
    let mut h = Host::new(Personality::CdWriter, MediaKind::CdR);
    let t0 = h.rec.clock().now();
    for _ in 0..10 {
        h.ok(&TUR);
    }
    assert_eq!(h.rec.clock().now(), t0 + 10);
    h.rec.advance(5);
    assert_eq!(h.rec.clock().now(), t0 + 15);
}

#[test]
fn verify_checks_readability_and_compares_bytes() {
    let mut h = Host::new(Personality::DvdWriter, MediaKind::DvdPlusR);
    h.write_at_nwa(208, 32);
    h.ok(&Command::Verify10 {
        bytchk: false,
        lba: 0,
        verification_length: 208,
    });
    let cmd = Command::Verify10 {
        bytchk: false,
        lba: 0,
        verification_length: 209,
    };
    assert_eq!(
        h.outcome(&cmd, DataPhase::None),
        Some(SenseCode::LBA_OUT_OF_RANGE)
    );
    let mut data = pattern(0, 208);
    let cmd = Command::Verify10 {
        bytchk: true,
        lba: 0,
        verification_length: 208,
    };
    h.ok_out(&cmd, &data);
    data[150 * 2048 + 7] ^= 1;
    let r = h.run(&cmd, DataPhase::Out(&data)).unwrap();
    let s = Sense::decode(&r.sense).unwrap();
    assert_eq!(
        (common::triple(&s), s.information),
        (SenseCode::new(0x0E, 0x1D, 0), Some(150))
    );
}

#[test]
fn mode_page_controls_vpd_pages_and_event_classes() {
    let mut h = Host::new(Personality::CdWriter, MediaKind::CdR);
    let sense10 = |pc: PageControl, page: u8| Command::ModeSense10 {
        llbaa: false,
        dbd: true,
        page_control: pc,
        page_code: page,
        subpage: 0,
        allocation_length: 512,
    };
    // Changeable values: page 05h is a mask of ones, page 2Ah cannot change.
    let b = h.ok_in(&sense10(PageControl::Changeable, 0x3F), 512);
    let mut pages = std::collections::HashMap::new();
    let mut at = 8;
    while at + 2 <= b.len() {
        let len = b[at + 1] as usize;
        pages.insert(b[at] & 0x3F, b[at + 2..at + 2 + len].to_vec());
        at += 2 + len;
    }
    assert_eq!(pages.len(), 3);
    assert!(pages[&0x05].iter().all(|&b| b == 0xFF));
    assert!(pages[&0x2A].iter().all(|&b| b == 0));
    assert_eq!(
        (pages[&0x01][1], pages[&0x01][6]),
        (0xFF, 0xFF),
        "retry counts"
    );
    // Default values: TAO, no test write; saved values are not supported.
    let mut p = h.mode_page_05();
    p.test_write = true;
    p.write_type = WriteType::SessionAtOnce;
    assert_eq!(h.select_05(p), None);
    let b = h.ok_in(&sense10(PageControl::Default, 0x05), 512);
    match ModeParameters::decode10(&b).unwrap().page(0x05) {
        Some(ModePage::WriteParameters(d)) => {
            assert!(!d.test_write && d.write_type == WriteType::TrackAtOnce)
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(h.mode_page_05().write_type, WriteType::SessionAtOnce);
    assert_eq!(
        h.fails(
            &sense10(PageControl::Saved, 0x05),
            DataPhase::In(&mut [0u8; 64])
        ),
        SenseCode::new(5, 0x39, 0)
    );
    assert_eq!(
        h.fails(
            &sense10(PageControl::Current, 0x0E),
            DataPhase::In(&mut [0u8; 64])
        ),
        SenseCode::INVALID_FIELD_IN_CDB
    );
    // Page 2Ah cannot be selected.
    let c = {
        let b = h.ok_in(&sense10(PageControl::Current, 0x2A), 512);
        ModeParameters::decode10(&b).unwrap()
    };
    let list = c.encode_select10();
    let cmd = Command::ModeSelect10 {
        pf: true,
        sp: false,
        parameter_length: list.len() as u16,
    };
    assert_eq!(
        h.fails(&cmd, DataPhase::Out(&list)),
        SenseCode::INVALID_FIELD_IN_PARAMETER_LIST
    );
    // VPD pages.
    let b = h.ok_in(
        &Command::Inquiry {
            evpd: true,
            page_code: 0x00,
            allocation_length: 64,
        },
        64,
    );
    assert_eq!(
        imapi2_mmc::inquiry::SupportedVpdPages::decode(&b)
            .unwrap()
            .pages,
        vec![0x00, 0x80]
    );
    let b = h.ok_in(
        &Command::Inquiry {
            evpd: true,
            page_code: 0x80,
            allocation_length: 64,
        },
        64,
    );
    assert!(imapi2_mmc::inquiry::UnitSerialNumber::decode(&b)
        .unwrap()
        .serial
        .starts_with("EMU"));
    assert_eq!(
        h.fails(
            &Command::Inquiry {
                evpd: true,
                page_code: 0x83,
                allocation_length: 64
            },
            DataPhase::In(&mut [0u8; 64])
        ),
        SenseCode::INVALID_FIELD_IN_CDB
    );
    // GESN: no supported class asked → NEA; asynchronous mode is refused.
    let b = h.ok_in(
        &Command::GetEventStatusNotification {
            polled: true,
            class_request: 1 << 3,
            allocation_length: 8,
        },
        8,
    );
    let e = EventStatus::decode(&b).unwrap();
    assert!(e.nea && e.event.is_none());
    assert_eq!(e.supported_classes & 0x16, 0x16);
    let cmd = Command::GetEventStatusNotification {
        polled: false,
        class_request: 0x10,
        allocation_length: 8,
    };
    assert_eq!(
        h.fails(&cmd, DataPhase::In(&mut [0u8; 8])),
        SenseCode::INVALID_FIELD_IN_CDB
    );
}

/// GET PERFORMANCE type 03h: the header announces every write speed
/// descriptor whatever the Maximum Number of Descriptors, so a host can ask
/// for none or one, learn the count from the header length, then ask for all
/// (growisofs and libburn do; mmc-notes §1.2).
#[test]
fn get_performance_header_announces_every_write_speed() {
    let mut h = Host::new(Personality::DvdWriter, MediaKind::DvdPlusR);
    let all = h.write_speeds();
    assert_eq!(all.len(), 3);
    for max in [0u16, 1, 2, 3, 32] {
        let cmd = Command::GetPerformance {
            data_type: 0,
            start_lba: 0,
            max_descriptors: max,
            performance_type: imapi2_mmc::cdb::PerformanceType::WriteSpeed,
        };
        let mut buf = vec![0u8; 8 + 16 * 32];
        let r = h.run(&cmd, DataPhase::In(&mut buf)).unwrap();
        assert_eq!(r.status, ScsiStatus::Good);
        let returned = all.len().min(usize::from(max));
        assert_eq!(r.transferred, 8 + 16 * returned, "max {max}");
        let length = u32::from_be_bytes([buf[0], buf[1], buf[2], buf[3]]);
        assert_eq!(length as usize, 4 + 16 * all.len(), "max {max}");
        let list = imapi2_mmc::performance::WriteSpeedList::decode(&buf[..r.transferred]).unwrap();
        let speeds: Vec<u32> = list.descriptors.iter().map(|d| d.write_speed).collect();
        assert_eq!(speeds, all[..returned], "max {max}");
    }
}
