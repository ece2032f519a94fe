//! Burning data discs on the virtual recorder: every medium family, read
//! back through `DiscReader` and import; the medium afterwards as IMAPI
//! reports it; refusals before writing; cancellation.

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use imapi2::burn::data::DiscFormat2Data;
use imapi2::burn::events::{DataWriteAction, Flow, VerificationLevel};
use imapi2::fs::{DataSource, FileSystemImage, FileSystems};
use imapi2::media::state;
use imapi2::virtual_recorder;
use imapi2::{DiscMaster, DiscReader, DiscRecorder, VirtualRegistry};

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("imapi2-burn-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn recorder(d: &Path, media: &str, personality: imapi2_emu::Personality) -> DiscRecorder {
    let dir = d.join(media);
    let kind = virtual_recorder::parse_media(media).unwrap();
    virtual_recorder::create(&dir, personality, Some(kind)).unwrap();
    let m = DiscMaster::with(&d.join("no-sysfs"), VirtualRegistry::at(d.join("registry")));
    m.open(dir.to_str().unwrap()).unwrap()
}

fn reopen(d: &Path, media: &str) -> DiscRecorder {
    let m = DiscMaster::with(&d.join("no-sysfs"), VirtualRegistry::at(d.join("registry")));
    m.open(d.join(media).to_str().unwrap()).unwrap()
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

/// An image of a few files, built with the defaults for `media`.
fn image(files: &[(&str, Vec<u8>)], fs: FileSystems, start: u32) -> Vec<u8> {
    let mut img = FileSystemImage::new();
    img.set_free_media_blocks(0).unwrap();
    img.set_file_systems_to_create(fs).unwrap();
    img.set_session_start_block(start).unwrap();
    let root = img.root();
    for (name, data) in files {
        img.add_file(root, name, DataSource::Bytes(data.clone().into()))
            .unwrap();
    }
    let result = img.create_result_image().unwrap();
    let mut out = Vec::new();
    std::io::Read::read_to_end(&mut result.image_stream(), &mut out).unwrap();
    out
}

/// The files of the disc's newest session, through DiscReader and the
/// readers of the import.
fn read_back(rec: DiscRecorder) -> Vec<(String, Vec<u8>)> {
    use std::io::{Read, Seek, SeekFrom};
    let reader = DiscReader::new(rec).unwrap();
    let medium = imapi2::fs::Medium::from_stream(reader).unwrap();
    let disc = imapi2::fs::Disc::open(&medium).unwrap();
    let tree = disc.read_tree(disc.default_view()).unwrap();
    let mut out = Vec::new();
    let mut cursor = medium.cursor();
    for &i in &tree.nodes[0].children {
        let node = &tree.nodes[i as usize];
        let mut data = Vec::new();
        match &node.data {
            imapi2::fs::FsData::Extents(runs) => {
                for &(off, len) in runs {
                    let mut b = vec![0u8; len as usize];
                    cursor.seek(SeekFrom::Start(off)).unwrap();
                    cursor.read_exact(&mut b).unwrap();
                    data.extend_from_slice(&b);
                }
            }
            imapi2::fs::FsData::Inline(b) => data.extend_from_slice(b),
            imapi2::fs::FsData::Zisofs(z) => {
                let mut r = imapi2::fs::zisofs::ZisofsReader::new(medium.clone(), z, node.size);
                r.read_to_end(&mut data).unwrap();
            }
            imapi2::fs::FsData::None => {}
        }
        out.push((node.name.clone(), data));
    }
    out.sort();
    out
}

fn files() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("big.bin", noise(3 << 20, 1)),
        ("small.txt", b"small\n".to_vec()),
        ("empty", Vec::new()),
    ]
}

#[test]
fn every_medium_family_burns_and_reads_back() {
    use imapi2_emu::Personality::{BdWriter, CdWriter, DvdWriter};
    let d = scratch("families");
    let cases = [
        ("cd-r", CdWriter, state::APPENDABLE),
        ("cd-rw", CdWriter, state::APPENDABLE),
        ("dvd-r", DvdWriter, state::APPENDABLE),
        ("dvd-rw", DvdWriter, state::APPENDABLE),
        ("dvd-r-dl", DvdWriter, state::FINALIZED),
        ("dvd+r", DvdWriter, state::FINALIZED),
        ("dvd+r-dl", DvdWriter, state::FINALIZED),
        ("dvd+rw", DvdWriter, state::OVERWRITE_ONLY),
        ("dvd-ram", DvdWriter, state::OVERWRITE_ONLY),
        ("bd-r", BdWriter, state::APPENDABLE),
        ("bd-re", BdWriter, state::OVERWRITE_ONLY),
    ];
    let want = {
        let mut f: Vec<(String, Vec<u8>)> = files()
            .into_iter()
            .map(|(n, d)| (n.to_string(), d))
            .collect();
        f.sort();
        f
    };
    for (media, personality, after) in cases {
        let fs = FileSystems::ISO9660 | FileSystems::JOLIET;
        let iso = image(&files(), fs, 0);
        let mut w = DiscFormat2Data::new();
        w.set_recorder(recorder(&d, media, personality)).unwrap();
        w.set_client_name("imapi2 tests").unwrap();
        w.set_burn_verification_level(VerificationLevel::Full)
            .unwrap();
        let actions = Arc::new(Mutex::new(Vec::new()));
        let a = actions.clone();
        w.set_update(move |p| {
            let mut v = a.lock().unwrap();
            if v.last() != Some(&p.current_action) {
                v.push(p.current_action);
            }
            Flow::Continue
        });
        w.write(&mut Cursor::new(iso.clone()))
            .unwrap_or_else(|e| panic!("{media}: {e}"));
        let seen = actions.lock().unwrap().clone();
        assert_eq!(
            seen.first(),
            Some(&DataWriteAction::ValidatingMedia),
            "{media}: {seen:?}"
        );
        assert!(
            seen.contains(&DataWriteAction::WritingData),
            "{media}: {seen:?}"
        );
        assert!(
            seen.contains(&DataWriteAction::Verifying),
            "{media}: {seen:?}"
        );
        assert_eq!(
            seen.last(),
            Some(&DataWriteAction::Completed),
            "{media}: {seen:?}"
        );
        let status = w.current_media_status().unwrap();
        assert_eq!(
            status & (state::APPENDABLE | state::FINALIZED | state::OVERWRITE_ONLY),
            after,
            "{media}: {:?}",
            state::names(status)
        );
        assert_eq!(status & state::BLANK, 0, "{media}: no longer blank");
        // The figures IMAPI reports after one session of `sectors` sectors.
        let sectors = (iso.len() / 2048) as i64;
        let total = i64::from(w.total_sectors_on_media().unwrap());
        let free = i64::from(w.free_sectors_on_media().unwrap());
        let nwa = i64::from(w.next_writable_address().unwrap());
        let prev_start = w.start_address_of_previous_session().unwrap();
        let prev_last = i64::from(w.last_written_address_of_previous_session().unwrap());
        match after {
            state::OVERWRITE_ONLY => {
                // one logical session from 0; FreeSectors is the capacity
                assert_eq!((free, nwa, prev_start), (total, 0, -1), "{media}");
            }
            state::APPENDABLE => {
                assert_eq!(prev_start, 0, "{media}: the session starts at 0");
                assert!(prev_last >= sectors - 1, "{media}: {prev_last} < {sectors}");
                assert!(nwa > prev_last, "{media}: the next session after it");
                assert_eq!(free, total - nwa, "{media}: free = total - NWA");
            }
            _ => {
                assert_eq!(free, 0, "{media}: nothing more can be written");
                assert_eq!(prev_start, 0, "{media}");
                assert!(prev_last >= sectors - 1, "{media}");
            }
        }
        drop(w);
        assert_eq!(read_back(reopen(&d, media)), want, "{media}");
    }
    let _ = std::fs::remove_dir_all(&d);
}
