//! The device layer against the virtual recorder: enumeration, identity,
//! profiles and features, the media snapshot of every blank medium, write
//! speeds, eject and load, exclusive access, and the raw interface.

use std::path::PathBuf;

use imapi2::media::state;
use imapi2::mmc::mode::PageControl;
use imapi2::mmc::profile::Profile;
use imapi2::virtual_recorder::{self, Insert};
use imapi2::{DiscMaster, Error, VirtualRegistry};

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("imapi2-devices-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn master(d: &std::path::Path) -> DiscMaster {
    DiscMaster::with(&d.join("no-sysfs"), VirtualRegistry::at(d.join("registry")))
}

#[test]
fn every_blank_medium_reads_as_imapi_says() {
    let d = scratch("blank");
    // (medium, profile, IMAPI physical type, state flags, capacity)
    let cases = [
        ("cd-r", Profile::CdR, 2, state::BLANK, 359_849),
        ("cd-rw", Profile::CdRw, 3, state::BLANK, 359_849),
        ("dvd-r", Profile::DvdRSequential, 9, state::BLANK, 2_295_104),
        ("dvd+r", Profile::DvdPlusR, 6, state::BLANK, 2_295_104),
        ("dvd+r-dl", Profile::DvdPlusRDl, 8, state::BLANK, 4_171_712),
        ("bd-r", Profile::BdRSrm, 18, state::BLANK, 12_219_392),
    ];
    for (name, profile, imapi, flags, capacity) in cases {
        let dir = d.join(name);
        let kind = virtual_recorder::parse_media(name).unwrap();
        virtual_recorder::create(&dir, imapi2_emu::Personality::BdWriter, Some(kind)).unwrap();
        let m = master(&d);
        let mut r = m.open(dir.to_str().unwrap()).unwrap();
        assert_eq!(r.vendor_id().trim(), "IMAPI2", "{name}");
        let media = r.media().unwrap();
        assert!(media.present, "{name}");
        assert_eq!(media.profile, profile, "{name}");
        assert_eq!(media.physical_type() as u32, imapi, "{name}");
        assert_eq!(
            media.state & !state::WRITE_PROTECTED,
            flags,
            "{name}: {:?}",
            state::names(media.state)
        );
        assert_eq!(media.next_writable_address, Some(0), "{name}");
        assert_eq!(media.free_sectors, capacity, "{name}");
        assert_eq!(media.total_sectors, capacity, "{name}");
        assert_eq!(media.previous_session_start, None, "{name}");
        let speeds = r.write_speed_descriptors().unwrap();
        assert!(!speeds.is_empty(), "{name}");
        assert!(
            speeds.iter().all(|s| s.media_type as u32 == imapi),
            "{name}"
        );
        assert!(r.profiles(true).unwrap().contains(&profile), "{name}");
    }
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn eject_load_and_media_change() {
    let d = scratch("eject");
    let dir = d.join("rec");
    virtual_recorder::create(&dir, imapi2_emu::Personality::DvdWriter, None).unwrap();
    let m = master(&d);
    let mut r = m.open(dir.to_str().unwrap()).unwrap();
    let media = r.media().unwrap();
    assert!(!media.present);
    drop(r);
    virtual_recorder::insert(
        &dir,
        Insert::Blank(virtual_recorder::parse_media("dvd+rw").unwrap()),
    )
    .unwrap();
    let mut r = m.open(dir.to_str().unwrap()).unwrap();
    let media = r.media().unwrap();
    assert_eq!(media.profile, Profile::DvdPlusRw);
    assert_ne!(
        media.state & state::OVERWRITE_ONLY,
        0,
        "{:?}",
        state::names(media.state)
    );
    assert!(r.device_can_load_media().unwrap());
    r.eject_media().unwrap();
    let media = r.media().unwrap();
    assert!(!media.present && media.tray_open, "{media:?}");
    r.close_tray().unwrap();
    assert!(r.media().unwrap().present);
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn exclusive_access_is_counted_and_named() {
    let d = scratch("excl");
    let dir = d.join("rec");
    virtual_recorder::create(&dir, imapi2_emu::Personality::CdWriter, None).unwrap();
    let m = master(&d);
    let mut a = m.open(dir.to_str().unwrap()).unwrap();
    let mut b = m.open(dir.to_str().unwrap()).unwrap();
    assert!(matches!(
        a.acquire_exclusive_access(false, ""),
        Err(Error::ClientNameNotValid { .. })
    ));
    a.acquire_exclusive_access(false, "burner one").unwrap();
    a.acquire_exclusive_access(false, "burner one").unwrap();
    assert_eq!(b.exclusive_access_owner().as_deref(), Some("burner one"));
    match b.acquire_exclusive_access(false, "other") {
        Err(Error::Locked { owner, .. }) => assert_eq!(owner.as_deref(), Some("burner one")),
        other => panic!("{other:?}"),
    }
    a.release_exclusive_access();
    assert!(
        b.acquire_exclusive_access(false, "other").is_err(),
        "still counted once"
    );
    a.release_exclusive_access();
    b.acquire_exclusive_access(false, "other").unwrap();
    assert_eq!(a.exclusive_access_owner().as_deref(), Some("other"));
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn raw_interface_and_pages() {
    let d = scratch("raw");
    let dir = d.join("rec");
    let kind = virtual_recorder::parse_media("cd-r").unwrap();
    virtual_recorder::create(&dir, imapi2_emu::Personality::CdWriter, Some(kind)).unwrap();
    let m = master(&d);
    let mut r = m.open(dir.to_str().unwrap()).unwrap();
    // The power-on unit attention goes to the first command that is not
    // INQUIRY-like: the typed layer takes it here, the raw one would pass it on.
    assert!(r.media().unwrap().present);
    // INQUIRY through SendCommandGetDataFromDevice.
    let mut buf = [0u8; 36];
    let out = r
        .send_command_get_data(
            &[0x12, 0, 0, 0, 36, 0],
            &mut buf,
            imapi2::recorder::DEFAULT_TIMEOUT,
        )
        .unwrap();
    assert_eq!(out.sense, None);
    assert_eq!(buf[0] & 0x1F, 5, "an MMC device");
    // An unknown opcode comes back as sense, not as an error.
    let out = r
        .send_command_no_data(&[0xFF, 0, 0, 0, 0, 0], imapi2::recorder::DEFAULT_TIMEOUT)
        .unwrap();
    let sense = out.sense.expect("sense");
    assert_eq!((sense[2] & 0x0F, sense[12]), (5, 0x20));
    assert!(r.feature_pages(false).unwrap().contains(&0x002D), "CD TAO");
    assert!(r.mode_pages(PageControl::Current).unwrap().contains(&0x2A));
    let page = r.get_mode_page(0x2A, PageControl::Current).unwrap();
    assert_eq!(page[0] & 0x3F, 0x2A);
    assert!(matches!(
        r.get_feature_page(0x0040, false),
        Err(Error::NoSuchFeature { .. })
    ));
    let di = r.get_disc_information().unwrap();
    assert_eq!(di[2] & 3, 0, "blank");
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn dvd_structures_read_and_send() {
    let d = scratch("dvdstruct");
    let dir = d.join("rec");
    let kind = virtual_recorder::parse_media("dvd+r-dl").unwrap();
    virtual_recorder::create(&dir, imapi2_emu::Personality::DvdWriter, Some(kind)).unwrap();
    let m = master(&d);
    let mut r = m.open(dir.to_str().unwrap()).unwrap();
    // Format 00h: physical format information (book type DVD+R DL, 2 layers).
    let pfi = r.read_dvd_structure(0, 0, 0, 0).unwrap();
    assert!(pfi.len() >= 17, "{}", pfi.len());
    assert_eq!(
        (pfi[2] >> 5) & 3,
        1,
        "two layers (number of layers − 1 = 1)"
    );
    // Format 20h: the layer boundary, then moved with SEND DISC STRUCTURE.
    let lb = r.read_dvd_structure(0x20, 0, 0, 0).unwrap();
    let l0 = u32::from_be_bytes([lb[4], lb[5], lb[6], lb[7]]);
    assert!(l0 > 0, "{lb:?}");
    let new_l0 = (l0 / 2).div_ceil(16) * 16;
    let mut data = vec![0u8; 8];
    data[4..8].copy_from_slice(&new_l0.to_be_bytes());
    r.send_dvd_structure(0x20, &data).unwrap();
    let lb = r.read_dvd_structure(0x20, 0, 0, 0).unwrap();
    assert_eq!(u32::from_be_bytes([lb[4], lb[5], lb[6], lb[7]]), new_l0);
    let _ = std::fs::remove_dir_all(&d);
}

/// A DVD+R written, its session closed, a second session, then finalized:
/// the snapshot follows (appendable with the previous session's addresses,
/// then finalized), read again after the drive is reopened.
#[test]
fn written_media_report_sessions_and_state() {
    use imapi2::mmc::cdb::CloseFunction;
    let d = scratch("written");
    let dir = d.join("rec");
    let kind = virtual_recorder::parse_media("dvd+r").unwrap();
    virtual_recorder::create(&dir, imapi2_emu::Personality::DvdWriter, Some(kind)).unwrap();
    let m = master(&d);
    let mut r = m.open(dir.to_str().unwrap()).unwrap();
    let data = vec![0x5Au8; 32 * 1024];
    let write_session = |r: &mut imapi2::DiscRecorder, blocks: u32| {
        let media = r.media().unwrap();
        let nwa = media.next_writable_address.unwrap();
        let mut lba = nwa;
        for _ in 0..blocks / 16 {
            r.drive().write10(lba, &data, 2048).unwrap();
            lba += 16;
        }
        r.drive().synchronize_cache(|_| {}).unwrap();
        let track = r.media().unwrap().tracks.last().unwrap().number;
        r.drive()
            .close(CloseFunction::Track, track, |_| {})
            .unwrap();
        r.drive().close(CloseFunction::Session, 0, |_| {}).unwrap();
        (nwa, lba - 1)
    };
    let (start1, last1) = write_session(&mut r, 320);
    assert_eq!(start1, 0);
    let media = r.media().unwrap();
    assert_ne!(
        media.state & state::APPENDABLE,
        0,
        "{:?}",
        state::names(media.state)
    );
    assert_eq!(media.state & state::BLANK, 0);
    assert_eq!(media.previous_session_start, Some(0));
    assert_eq!(media.previous_session_last, Some(last1));
    let nwa = media.next_writable_address.unwrap();
    assert!(nwa > last1, "{nwa} after {last1}");
    assert_eq!(media.total_sectors, nwa as u32 + media.free_sectors);
    let (start2, last2) = write_session(&mut r, 160);
    assert_eq!(start2, nwa);
    drop(r);
    // Reopened: the state persisted.
    let mut r = m.open(dir.to_str().unwrap()).unwrap();
    let media = r.media().unwrap();
    assert_eq!(media.sessions, 3, "two closed and the empty one");
    assert_eq!(media.previous_session_start, Some(start2));
    assert_eq!(media.previous_session_last, Some(last2));
    r.drive()
        .close(CloseFunction::FinalizeMinimalRadius, 0, |_| {})
        .unwrap();
    let media = r.media().unwrap();
    assert_eq!(
        media.state & (state::FINALIZED | state::APPENDABLE),
        state::FINALIZED
    );
    assert_eq!(media.next_writable_address, None);
    assert_eq!(media.free_sectors, 0);
    // The recorded extent, gaps between sessions included.
    assert_eq!(media.total_sectors, last2 as u32 + 1);
    assert!(r.write_speed_descriptors().is_ok());
    let _ = std::fs::remove_dir_all(&d);
}

/// Overwritable media are blank until a file system is recorded on them
/// (IMAPI's "heuristically blank"), and stay overwrite-only.
#[test]
fn overwritable_media_blank_until_a_file_system_is_written() {
    let d = scratch("ow");
    for media in ["dvd+rw", "bd-re", "dvd-ram"] {
        let dir = d.join(media);
        let kind = virtual_recorder::parse_media(media).unwrap();
        virtual_recorder::create(&dir, imapi2_emu::Personality::BdWriter, Some(kind)).unwrap();
        let m = master(&d);
        let mut r = m.open(dir.to_str().unwrap()).unwrap();
        // DVD+RW and BD-RE come unformatted: format them first (FORMAT UNIT
        // is the eraser's job; here the raw interface does it).
        let caps = r.drive().read_format_capacities().unwrap();
        let unformatted = caps.current.descriptor_type
            == imapi2::mmc::format::CapacityDescriptorType::Unformatted;
        assert_eq!(unformatted, media != "dvd-ram", "{media}: {caps:?}");
        if unformatted {
            let f = caps.formattable.first().copied().expect("a format offered");
            let params = imapi2::mmc::format::FormatUnitParameters::immediate(
                f.format_type,
                f.blocks,
                f.type_parameter,
            );
            let cdb = imapi2::mmc::cdb::Command::FormatUnit {
                fmt_data: true,
                cmp_list: false,
                format_code: 1,
            }
            .encode();
            let out = r
                .send_command_send_data(&cdb, &params.encode(), imapi2::recorder::DEFAULT_TIMEOUT)
                .unwrap();
            assert_eq!(out.sense, None);
            r.drive().wait_until_ready("FORMAT UNIT", |_| {}).unwrap();
        }
        let s = r.media().unwrap();
        assert_eq!(
            s.state & (state::OVERWRITE_ONLY | state::BLANK),
            state::OVERWRITE_ONLY | state::BLANK,
            "{media}: {:?}",
            state::names(s.state)
        );
        let mut pvd = vec![0u8; 32 * 1024];
        pvd[0] = 1;
        pvd[1..6].copy_from_slice(b"CD001");
        r.drive().write10(16, &pvd, 2048).unwrap();
        r.drive().synchronize_cache(|_| {}).unwrap();
        let s = r.media().unwrap();
        assert_eq!(
            s.state & (state::OVERWRITE_ONLY | state::BLANK),
            state::OVERWRITE_ONLY,
            "{media}: {:?}",
            state::names(s.state)
        );
        assert!(s.total_sectors > 2_000_000, "{media}: {}", s.total_sectors);
    }
    let _ = std::fs::remove_dir_all(&d);
}

/// The file-system readers read the medium in a recorder: a pressed disc,
/// and a DVD+R onto which an image was written with WRITE(10) and whose
/// session was closed.
#[test]
fn discs_in_recorders_read_like_image_files() {
    use imapi2::fs::{DataSource, Disc, FileSystemImage, Medium};
    use imapi2::mmc::cdb::CloseFunction;
    use std::io::Read;
    let d = scratch("reader");
    let mut image = FileSystemImage::new();
    let root = image.root();
    let body: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    image
        .add_file(root, "big.bin", DataSource::Bytes(body.clone().into()))
        .unwrap();
    let sub = image.add_directory(root, "sub").unwrap();
    image
        .add_file(sub, "hello.txt", DataSource::Bytes(b"hello\n"[..].into()))
        .unwrap();
    let result = image.create_result_image().unwrap();
    let iso = d.join("x.iso");
    result.write_to_path(&iso).unwrap();
    let bytes = std::fs::read(&iso).unwrap();
    let check = |reader: imapi2::DiscReader, what: &str| {
        let medium = Medium::from_stream(reader).unwrap();
        let disc = Disc::open(&medium).unwrap();
        let tree = disc.read_tree(disc.default_view()).unwrap();
        let big = tree
            .lookup("/big.bin")
            .unwrap_or_else(|| panic!("{what}: no big.bin"));
        assert_eq!(tree.nodes[big as usize].size, body.len() as u64, "{what}");
        assert!(tree.lookup("/sub/hello.txt").is_some(), "{what}");
        let mut all = Vec::new();
        let mut c = medium.cursor();
        c.read_to_end(&mut all).unwrap();
        assert_eq!(&all[..bytes.len()], &bytes[..], "{what}: the bytes");
    };
    // Pressed.
    let pressed = d.join("pressed");
    virtual_recorder::create(&pressed, imapi2_emu::Personality::DvdWriter, None).unwrap();
    virtual_recorder::insert(&pressed, Insert::Image(iso.clone())).unwrap();
    let m = master(&d);
    check(
        imapi2::DiscReader::new(m.open(pressed.to_str().unwrap()).unwrap()).unwrap(),
        "pressed",
    );
    // Written to a DVD+R in 32 KiB units, the last one padded.
    let dir = d.join("dvd");
    let kind = virtual_recorder::parse_media("dvd+r").unwrap();
    virtual_recorder::create(&dir, imapi2_emu::Personality::DvdWriter, Some(kind)).unwrap();
    let mut r = m.open(dir.to_str().unwrap()).unwrap();
    let mut padded = bytes.clone();
    padded.resize(bytes.len().div_ceil(32 * 1024) * 32 * 1024, 0);
    for (i, chunk) in padded.chunks(32 * 1024).enumerate() {
        r.drive().write10(i as i32 * 16, chunk, 2048).unwrap();
    }
    r.drive().synchronize_cache(|_| {}).unwrap();
    r.drive().close(CloseFunction::Track, 1, |_| {}).unwrap();
    r.drive().close(CloseFunction::Session, 0, |_| {}).unwrap();
    let reader = imapi2::DiscReader::new(r).unwrap();
    assert_eq!(reader.len(), padded.len() as u64, "the recorded extent");
    check(reader, "dvd+r");
    // A blank disc has nothing to read.
    let blank = d.join("blank");
    virtual_recorder::create(&blank, imapi2_emu::Personality::DvdWriter, Some(kind)).unwrap();
    assert!(imapi2::DiscReader::new(m.open(blank.to_str().unwrap()).unwrap()).is_err());
    let _ = std::fs::remove_dir_all(&d);
}

/// States a review found wrong: a DVD-RAM is not write-protected because the
/// drive could protect it; an open session with written tracks is
/// NON_EMPTY_SESSION; an MMC-1 drive keeps a finalized CD-R a CD-R; client
/// names follow Windows' rules.
#[test]
fn snapshot_states_of_open_sessions_and_old_drives() {
    use imapi2::mmc::cdb::CloseFunction;
    use imapi2::mmc::mode::{ModePage, MultiSession, WriteParametersPage, WriteType};
    use imapi2_emu::Personality;
    let d = scratch("states");
    let m = master(&d);
    let make = |name: &str, p: Personality, media: &str| {
        let dir = d.join(name);
        virtual_recorder::create(&dir, p, virtual_recorder::parse_media(media)).unwrap();
        m.open(dir.to_str().unwrap()).unwrap()
    };
    let tao = |r: &mut imapi2::DiscRecorder, ms: MultiSession| {
        let p = WriteParametersPage {
            write_type: WriteType::TrackAtOnce,
            multi_session: ms,
            ..WriteParametersPage::default()
        };
        r.drive()
            .mode_select(&ModePage::WriteParameters(p))
            .unwrap();
    };
    let write = |r: &mut imapi2::DiscRecorder, blocks: i32| {
        let nwa = r.media().unwrap().next_writable_address.unwrap();
        let data = vec![0x5Au8; 16 * 2048];
        for i in 0..blocks / 16 {
            r.drive().write10(nwa + 16 * i, &data, 2048).unwrap();
        }
        r.drive().synchronize_cache(|_| {}).unwrap();
    };
    let mut r = make("ram", Personality::BdWriter, "dvd-ram");
    assert_eq!(r.media().unwrap().state & state::WRITE_PROTECTED, 0);

    let mut r = make("cdr", Personality::CdWriter, "cd-r");
    tao(&mut r, MultiSession::NextSessionAllowed);
    write(&mut r, 320);
    let s = r.media().unwrap();
    assert_eq!(
        s.state & (state::APPENDABLE | state::NON_EMPTY_SESSION),
        state::APPENDABLE | state::NON_EMPTY_SESSION,
        "{:?}",
        state::names(s.state)
    );

    let mut r = make("dvdr", Personality::DvdWriter, "dvd+r");
    write(&mut r, 320);
    let track = r.media().unwrap().tracks.last().unwrap().number;
    r.drive()
        .close(CloseFunction::Track, track, |_| {})
        .unwrap();
    let s = r.media().unwrap();
    assert_ne!(
        s.state & state::NON_EMPTY_SESSION,
        0,
        "{:?}",
        state::names(s.state)
    );
    r.drive().close(CloseFunction::Session, 0, |_| {}).unwrap();
    let s = r.media().unwrap();
    assert_eq!(
        s.state & state::NON_EMPTY_SESSION,
        0,
        "{:?}",
        state::names(s.state)
    );

    let mut r = make("old", Personality::Mmc1CdWriter, "cd-r");
    tao(&mut r, MultiSession::NoNextSession);
    write(&mut r, 320);
    r.drive().close(CloseFunction::Session, 0, |_| {}).unwrap();
    let s = r.media().unwrap();
    assert_eq!(
        s.physical_type(),
        imapi2::fs::MediaPhysicalType::CdR,
        "{:?} {:?}",
        s.profile,
        state::names(s.state)
    );
    assert_ne!(s.state & state::FINALIZED, 0);

    for (name, ok) in [
        ("burner, v1.0: main; x", true),
        ("brûleur", false),
        (&"a".repeat(63)[..], true),
        (&"a".repeat(64)[..], false),
    ] {
        let res = r.acquire_exclusive_access(false, name);
        assert_eq!(res.is_ok(), ok, "{name:?}: {res:?}");
        if ok {
            r.release_exclusive_access();
        }
    }
    let _ = std::fs::remove_dir_all(&d);
}
