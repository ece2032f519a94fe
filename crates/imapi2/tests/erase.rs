//! Erase and format on the virtual recorder: every rewritable medium from
//! each state it can be in, then burnt and read back; refusals; faults
//! (the medium removed mid-blank, power loss mid-format, long polling, a
//! format descriptor the drive rejects). Nothing sleeps: the virtual clock
//! runs the long operations.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use imapi2::burn::data::DiscFormat2Data;
use imapi2::burn::erase::DiscFormat2Erase;
use imapi2::burn::formatting::{self, FormatRequest, Spares, Thoroughness};
use imapi2::fs::{DataSource, Disc, FileSystemImage, FileSystems, Medium};
use imapi2::media::state;
use imapi2::mmc::cdb::CloseFunction;
use imapi2::mmc::format::{FormatType, FormatUnitParameters};
use imapi2::mmc::profile::Profile;
use imapi2::virtual_recorder;
use imapi2::{DiscMaster, DiscReader, DiscRecorder, VirtualRegistry};

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("imapi2-erase-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn open(d: &Path, name: &str) -> DiscRecorder {
    let m = DiscMaster::with(&d.join("no-sysfs"), VirtualRegistry::at(d.join("registry")));
    m.open(d.join(name).to_str().unwrap()).unwrap()
}

fn new_recorder(d: &Path, name: &str, media: &str) -> DiscRecorder {
    let kind = virtual_recorder::parse_media(media).unwrap();
    let p = if kind.is_bd() {
        imapi2_emu::Personality::BdWriter
    } else if kind.is_cd() {
        imapi2_emu::Personality::CdWriter
    } else {
        imapi2_emu::Personality::DvdWriter
    };
    virtual_recorder::create(&d.join(name), p, Some(kind)).unwrap();
    open(d, name)
}

fn image(tag: &str) -> Vec<u8> {
    let mut img = FileSystemImage::new();
    img.set_free_media_blocks(0).unwrap();
    img.set_file_systems_to_create(FileSystems::ISO9660 | FileSystems::JOLIET)
        .unwrap();
    let root = img.root();
    img.add_file(
        root,
        "tag.txt",
        DataSource::Bytes(tag.as_bytes().to_vec().into()),
    )
    .unwrap();
    img.add_file(
        root,
        "fill.bin",
        DataSource::Bytes(vec![7u8; 600_000].into()),
    )
    .unwrap();
    let r = img.create_result_image().unwrap();
    let mut out = Vec::new();
    std::io::Read::read_to_end(&mut r.image_stream(), &mut out).unwrap();
    out
}

/// Burns `tag` (force-overwriting) and closes the disc when `close`.
fn burn(rec: DiscRecorder, tag: &str, close: bool) -> DiscRecorder {
    let mut w = DiscFormat2Data::new();
    w.set_recorder(rec).unwrap();
    w.set_client_name("erase tests").unwrap();
    w.set_force_overwrite(true).unwrap();
    w.set_force_media_to_be_closed(close).unwrap();
    w.write(&mut Cursor::new(image(tag)))
        .unwrap_or_else(|e| panic!("burning {tag}: {e}"));
    w.take_recorder().unwrap()
}

/// The tag of the disc's newest session.
fn tag_on(rec: DiscRecorder) -> String {
    let medium = Medium::from_stream(DiscReader::new(rec).unwrap()).unwrap();
    let disc = Disc::open(&medium).unwrap();
    let tree = disc.read_tree(FileSystems::JOLIET).unwrap();
    let i = tree.lookup("/tag.txt").expect("tag.txt");
    let imapi2::fs::FsData::Extents(runs) = &tree.nodes[i as usize].data else {
        panic!("tag.txt has no extents")
    };
    let mut c = medium.cursor();
    let mut b = vec![0u8; runs[0].1 as usize];
    std::io::Seek::seek(&mut c, std::io::SeekFrom::Start(runs[0].0)).unwrap();
    std::io::Read::read_exact(&mut c, &mut b).unwrap();
    String::from_utf8(b).unwrap()
}

fn erase(rec: DiscRecorder, full: bool) -> (DiscRecorder, Vec<(f64, f64)>) {
    let mut e = DiscFormat2Erase::new();
    e.set_recorder(rec).unwrap();
    e.set_client_name("erase tests").unwrap();
    e.set_full_erase(full);
    let events = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let ev = events.clone();
    e.set_update(move |a, b| ev.lock().unwrap().push((a, b)));
    e.erase_media()
        .unwrap_or_else(|err| panic!("erase (full {full}): {err}"));
    let got = events.lock().unwrap().clone();
    (e.take_recorder().unwrap(), got)
}

#[test]
fn every_rewritable_medium_erases_from_every_state_then_burns_again() {
    let d = scratch("states");
    // (medium, states to reach before erasing)
    for media in ["cd-rw", "dvd-rw", "dvd+rw", "dvd-ram", "bd-re"] {
        for (state_name, full) in [
            ("blank", false),
            ("with data", false),
            ("with data", true),
            ("closed", false),
            ("closed", true),
        ] {
            let name = format!("{media}-{}-{full}", state_name.replace(' ', "-"));
            let mut rec = new_recorder(&d, &name, media);
            match state_name {
                "with data" => rec = burn(rec, "old", false),
                "closed" => rec = burn(rec, "old", true),
                _ => {}
            }
            let before = rec.media().unwrap();
            let (mut rec, events) = erase(rec, full);
            let after = rec.media().unwrap();
            assert_ne!(
                after.state & state::BLANK,
                0,
                "{name}: blank after erase: {:?}",
                state::names(after.state)
            );
            assert_eq!(after.state & state::FINALIZED, 0, "{name}");
            if before.profile == Profile::DvdRwRestrictedOverwrite {
                assert_eq!(
                    after.profile,
                    Profile::DvdRwSequential,
                    "{name}: back to sequential"
                );
            }
            assert!(!events.is_empty(), "{name}: Update events");
            let (e, t) = *events.last().unwrap();
            assert!(e <= t + 1e-9, "{name}: elapsed {e} within total {t}");
            let rec = burn(rec, "new", false);
            assert_eq!(tag_on(rec), "new", "{name}");
        }
    }
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn write_once_and_pressed_media_are_refused_with_their_codes() {
    let d = scratch("refused");
    for (media, code) in [
        ("cd-r", 0x80AA_0904u32),
        ("dvd+r", 0x80AA_0904),
        ("bd-r", 0x80AA_0904),
    ] {
        let rec = new_recorder(&d, media, media);
        let mut e = DiscFormat2Erase::new();
        e.set_recorder(rec).unwrap();
        e.set_client_name("t").unwrap();
        let err = e.erase_media().unwrap_err();
        assert_eq!(err.imapi_code(), Some(code), "{media}: {err}");
        assert!(err.to_string().contains("cannot be erased"), "{err}");
        // and only one recorder at a time
        let other = new_recorder(&d, &format!("{media}-2"), media);
        let err = e.set_recorder(other).unwrap_err();
        assert_eq!(err.imapi_code(), Some(0x80AA_0901), "{err}");
    }
    let mut e = DiscFormat2Erase::new();
    e.set_recorder(new_recorder(&d, "noname", "cd-rw")).unwrap();
    assert_eq!(
        e.erase_media().unwrap_err().imapi_code(),
        Some(0xC0AA_090B),
        "ClientName first"
    );
}

fn format(
    rec: &mut DiscRecorder,
    thoroughness: Thoroughness,
    spares: Spares,
) -> imapi2::Result<()> {
    let req = FormatRequest {
        thoroughness,
        spares,
    };
    formatting::format_media(rec, "format tests", req, &mut |_, _| {})
}

#[test]
fn every_format_of_every_medium_then_burns() {
    use Spares::*;
    use Thoroughness::*;
    let d = scratch("formats");
    // (medium, thoroughness, spares, profile after, capacity check)
    let cases: &[(&str, Thoroughness, Spares, Profile)] = &[
        ("dvd+rw", Quick, Default, Profile::DvdPlusRw),
        ("dvd+rw", Full, Default, Profile::DvdPlusRw),
        ("dvd-rw", Quick, Default, Profile::DvdRwRestrictedOverwrite),
        ("dvd-rw", Full, Default, Profile::DvdRwRestrictedOverwrite),
        ("dvd-ram", Quick, Default, Profile::DvdRam),
        ("dvd-ram", Full, Max, Profile::DvdRam),
        ("bd-re", Quick, Default, Profile::BdRe),
        ("bd-re", Full, Default, Profile::BdRe),
        ("bd-re", Quick, None, Profile::BdRe),
        ("bd-re", Quick, Max, Profile::BdRe),
        ("bd-r", Quick, Default, Profile::BdRSrm),
        ("bd-r", Quick, Max, Profile::BdRSrm),
    ];
    for (i, (media, t, s, profile)) in cases.iter().enumerate() {
        let name = format!("{media}-{i}");
        let mut rec = new_recorder(&d, &name, media);
        format(&mut rec, *t, *s).unwrap_or_else(|e| panic!("{name} {t:?} {s:?}: {e}"));
        let m = rec.media().unwrap();
        assert_eq!(m.profile, *profile, "{name}");
        assert!(m.total_sectors > 0, "{name}");
        if *media == "bd-re" {
            let want = match s {
                None => 12_219_392,
                Default => 11_826_176,
                Max => 11_564_032,
            };
            assert_eq!(m.total_sectors, want, "{name}: the spares asked for");
        }
        let rec = burn(rec, "formatted", false);
        assert_eq!(tag_on(rec), "formatted", "{name}");
    }
    // Refused: media that are not formatted so.
    for (media, s) in [
        ("cd-rw", Default),
        ("cd-r", Default),
        ("dvd+r", Default),
        ("dvd+rw", Max),
        ("dvd-ram", None),
    ] {
        let mut rec = new_recorder(&d, &format!("no-{media}-{s:?}"), media);
        let e = format(&mut rec, Quick, s).unwrap_err();
        assert_eq!(e.imapi_code(), Some(0xC0AA_0909), "{media}: {e}");
    }
}

#[test]
fn a_partly_formatted_dvd_plus_rw_is_formatted_to_the_end() {
    let d = scratch("partly");
    let mut rec = new_recorder(&d, "dvd", "dvd+rw");
    let p = FormatUnitParameters::immediate(FormatType::DVD_PLUS_RW_BASIC, u32::MAX, 0);
    rec.drive().format_unit(&p, |_| {}).unwrap();
    rec.drive()
        .close(CloseFunction::StopBackgroundFormat, 0, |_| {})
        .unwrap();
    let bg = rec
        .drive()
        .read_disc_information()
        .unwrap()
        .bg_format_status;
    assert_eq!(
        bg,
        imapi2::mmc::disc_info::BgFormatStatus::Suspended,
        "partly formatted"
    );
    format(&mut rec, Thoroughness::Full, Spares::Default).unwrap();
    let bg = rec
        .drive()
        .read_disc_information()
        .unwrap()
        .bg_format_status;
    assert_eq!(bg, imapi2::mmc::disc_info::BgFormatStatus::Complete);
    let rec = burn(rec, "after", false);
    assert_eq!(tag_on(rec), "after");
}

fn plan(d: &Path, name: &str, rules: &str) {
    std::fs::write(
        d.join(name).join("faults.plan"),
        format!("imapi2-emu-faults 1\n{rules}\n"),
    )
    .unwrap();
}

#[test]
fn faults_while_erasing_and_formatting() {
    let d = scratch("faults");
    // The medium is taken out while the drive blanks: an error, not a success.
    drop(burn(new_recorder(&d, "removed", "cd-rw"), "old", false));
    plan(&d, "removed", "at-opcode 00 nth=2 sense 02/3A/00 always");
    let mut e = DiscFormat2Erase::new();
    e.set_recorder(open(&d, "removed")).unwrap();
    e.set_client_name("t").unwrap();
    let err = e.erase_media().unwrap_err();
    assert!(err.to_string().contains("3A/00"), "{err}");
    assert_eq!(err.imapi_code(), Some(0x80AA_0905), "{err}");
    // Power fails while the drive formats; the next format succeeds.
    drop(new_recorder(&d, "power", "bd-re"));
    plan(&d, "power", "at-opcode 00 nth=3 power-loss");
    let mut rec = open(&d, "power");
    assert!(format(&mut rec, Thoroughness::Full, Spares::Default).is_err());
    drop(rec);
    plan(&d, "power", "");
    let mut rec = open(&d, "power");
    format(&mut rec, Thoroughness::Full, Spares::Default).unwrap();
    let rec = burn(rec, "after power", false);
    assert_eq!(tag_on(rec), "after power");
    // A long operation in progress: events keep coming, nothing waits for real.
    drop(burn(new_recorder(&d, "slow", "dvd-rw"), "old", false));
    let busy: Vec<String> = (2..200)
        .map(|n| format!("at-opcode 00 nth={n} sense 02/04/07 once"))
        .collect();
    plan(&d, "slow", &busy.join("\n"));
    let (_, events) = erase(open(&d, "slow"), true);
    assert!(events.len() > 100, "an event per poll: {}", events.len());
    let (elapsed, _) = *events.last().unwrap();
    assert!(elapsed > 10.0, "virtual seconds pass: {elapsed}");
    // The drive rejects the format descriptor: its sense, decoded.
    drop(new_recorder(&d, "rejected", "dvd-ram"));
    plan(&d, "rejected", "at-opcode 04 sense 05/26/00 once");
    let mut rec = open(&d, "rejected");
    let err = format(&mut rec, Thoroughness::Quick, Spares::Default).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("FORMAT UNIT") && text.contains("05/26/00"),
        "{text}"
    );
}

#[test]
fn a_restricted_overwrite_dvd_rw_with_data_erases_back_to_sequential() {
    let d = scratch("ro");
    let mut rec = new_recorder(&d, "dvd", "dvd-rw");
    format(&mut rec, Thoroughness::Full, Spares::Default).unwrap();
    assert_eq!(
        rec.media().unwrap().profile,
        Profile::DvdRwRestrictedOverwrite
    );
    let rec = burn(rec, "on ro", false);
    let (mut rec, _) = erase(rec, false);
    let m = rec.media().unwrap();
    assert_eq!(m.profile, Profile::DvdRwSequential);
    assert_ne!(m.state & state::BLANK, 0);
    let rec = burn(rec, "sequential again", false);
    assert_eq!(tag_on(rec), "sequential again");
}
