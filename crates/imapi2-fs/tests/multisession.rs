//! Import and multisession through the library: what IMAPI's
//! `ImportFileSystem` and `IMultisession*` promise, on image files.

mod common;

use std::fs;
use std::io::{Read, Seek, SeekFrom};
use std::sync::{Arc, Mutex};

use imapi2_fs::{
    DataSource, Disc, Error, FileSystemImage, FileSystems, FsKind, Medium, Multisession,
    MultisessionKind,
};

/// An image file with a few files, a link and a directory.
fn first_session(dir: &std::path::Path, fs: FileSystems) -> std::path::PathBuf {
    first_session_at(dir, fs, 0x0102)
}

/// The same, its UDF (if any) at `revision`.
fn first_session_at(dir: &std::path::Path, fs: FileSystems, revision: u16) -> std::path::PathBuf {
    let mut img = FileSystemImage::new();
    img.set_file_systems_to_create(fs).unwrap();
    img.set_udf_revision(revision).unwrap();
    let root = img.root();
    img.add_directory(root, "docs").unwrap();
    img.add_file(
        root,
        "docs/a.txt",
        DataSource::Bytes(b"first a\n"[..].into()),
    )
    .unwrap();
    img.add_file(
        root,
        "big.bin",
        DataSource::Bytes(vec![7u8; 300_000].into()),
    )
    .unwrap();
    img.add_symlink(root, "link", "docs/a.txt").unwrap();
    let path = dir.join("img.iso");
    img.create_result_image()
        .unwrap()
        .write_to_path(&path)
        .unwrap();
    path
}

fn tree_of(path: &std::path::Path) -> Vec<(String, Option<Vec<u8>>)> {
    let m = Medium::open(path).unwrap();
    let disc = Disc::open(&m).unwrap();
    let t = disc.read_tree(disc.default_view()).unwrap();
    let mut out: Vec<(String, Option<Vec<u8>>)> = t
        .walk(0)
        .into_iter()
        .skip(1)
        .map(|i| (t.path(i), file_bytes(&m, &t.nodes[i as usize])))
        .collect();
    out.sort();
    out
}

/// The bytes of a file of a tree read from `m` (`None` for a directory or
/// link; extents and data embedded in a UDF entry alike).
fn file_bytes(m: &Medium, n: &imapi2_fs::FsNode) -> Option<Vec<u8>> {
    match (&n.kind, &n.data) {
        (FsKind::File, imapi2_fs::FsData::Extents(runs)) => {
            let mut v = Vec::new();
            for &(at, len) in runs {
                let mut b = vec![0u8; len as usize];
                m.read_exact_at(&mut b, at, "test").unwrap();
                v.extend(b);
            }
            Some(v)
        }
        (FsKind::File, imapi2_fs::FsData::Inline(b)) => Some(b.clone()),
        (FsKind::File, _) => Some(Vec::new()),
        _ => None,
    }
}

#[test]
fn sequential_state_of_an_image_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = first_session(dir.path(), FileSystems::ISO9660 | FileSystems::JOLIET);
    let m = Medium::open(&path).unwrap();
    let blocks = m.sectors() as u32;
    let ms = Multisession::for_image(&m, MultisessionKind::Sequential, Some(359_849)).unwrap();
    assert!(!ms.is_first_data_session);
    assert_eq!(ms.start_of_previous_session, 0);
    assert_eq!(ms.last_written_address, blocks - 1);
    assert_eq!(ms.next_writable_address, blocks.next_multiple_of(32));
    assert_eq!(ms.free_sectors, 359_849 - ms.next_writable_address);
    assert_eq!(ms.write_unit_size, 32);
    let empty = Medium::from_stream(std::io::Cursor::new(Vec::new())).unwrap();
    let first = Multisession::for_image(&empty, MultisessionKind::Sequential, None).unwrap();
    assert!(first.is_first_data_session);
    assert_eq!(first.next_writable_address, 0);
    let full = Multisession::for_image(&m, MultisessionKind::Sequential, Some(blocks));
    assert_eq!(full.unwrap_err().imapi_code(), Some(0xC0AA_B159));
}

#[test]
fn appended_session_points_at_old_data_and_merges() {
    for kind in [MultisessionKind::Sequential, MultisessionKind::RandomWrite] {
        let dir = tempfile::tempdir().unwrap();
        let path = first_session(dir.path(), FileSystems::ISO9660 | FileSystems::ROCK_RIDGE);
        let before = fs::read(&path).unwrap();
        let m = Medium::open(&path).unwrap();
        let mut img = FileSystemImage::new();
        img.set_file_systems_to_create(FileSystems::ISO9660 | FileSystems::ROCK_RIDGE)
            .unwrap();
        img.set_multisession(Multisession::for_image(&m, kind, None).unwrap())
            .unwrap();
        let events = Arc::new(Mutex::new(Vec::new()));
        let e = events.clone();
        img.set_import_progress(move |p| {
            e.lock().unwrap().push(p.clone());
            true
        });
        let imported = img.import_file_system(None).unwrap();
        assert_eq!(imported, FileSystems::ROCK_RIDGE);
        let ev = events.lock().unwrap();
        assert_eq!(ev.len(), 4, "one event per item");
        assert_eq!(ev.last().unwrap().files, (3, 3));
        drop(ev);
        // In-memory items added later replace imported ones of their path.
        let root = img.root();
        img.remove(root, "docs/a.txt").unwrap();
        img.add_file(
            root,
            "docs/a.txt",
            DataSource::Bytes(b"second a\n"[..].into()),
        )
        .unwrap();
        img.add_file(root, "new.txt", DataSource::Bytes(b"new\n"[..].into()))
            .unwrap();
        assert!(
            img.used_blocks() < 100,
            "old data is not counted: {}",
            img.used_blocks()
        );
        let r = img.create_result_image().unwrap();
        assert_eq!(r.start_block() % 32, 0);
        assert!(
            r.total_blocks() < 100,
            "{kind:?}: the big file is not copied"
        );
        // What a disc writer is told to write, and the medium it reads as.
        let ranges = r.modified_blocks().unwrap();
        let mut disc = r.disc_stream().unwrap();
        let mut expected = Vec::new();
        disc.read_to_end(&mut expected).unwrap();
        assert_eq!(
            expected.len() as u64,
            u64::from(r.start_block() + r.total_blocks()) * 2048
        );
        match kind {
            MultisessionKind::Sequential => assert_eq!(ranges, None),
            MultisessionKind::RandomWrite => {
                let ranges = ranges.unwrap();
                assert_eq!(ranges.len(), 2);
                assert_eq!(ranges[0].start_lba, r.start_block(), "the session first");
                assert_eq!(ranges[0].blocks(), r.total_blocks());
                assert_eq!(ranges[1].start_lba, 16, "the descriptors last");
                assert_eq!(
                    ranges[1].blocks(),
                    2,
                    "the primary and the terminator: {ranges:?}"
                );
            }
        }
        r.append_to_path(&path).unwrap();
        let after = fs::read(&path).unwrap();
        if kind == MultisessionKind::RandomWrite {
            assert_eq!(after, expected, "the disc stream reads as the medium after");
        } else {
            assert_eq!(&after[..before.len()], &before[..]);
        }
        // Earlier blocks are untouched, but for the descriptors at 16 that a
        // random-write session rewrites.
        let keep_from = if kind == MultisessionKind::RandomWrite {
            16 * 2048 + 4 * 2048
        } else {
            0
        };
        assert_eq!(&after[..16 * 2048], &before[..16 * 2048]);
        assert_eq!(
            &after[keep_from..before.len()],
            &before[keep_from..],
            "{kind:?}"
        );
        let t = tree_of(&path);
        let names: Vec<&str> = t.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(
            names,
            ["/big.bin", "/docs", "/docs/a.txt", "/link", "/new.txt"],
            "{kind:?}"
        );
        let get = |p: &str| t.iter().find(|x| x.0 == p).unwrap().1.clone().unwrap();
        assert_eq!(get("/docs/a.txt"), b"second a\n");
        assert_eq!(get("/big.bin"), vec![7u8; 300_000]);
        let disc = Disc::open(&Medium::open(&path).unwrap()).unwrap();
        let expected_sessions = if kind == MultisessionKind::Sequential {
            2
        } else {
            1
        };
        assert_eq!(disc.sessions.len(), expected_sessions, "{kind:?}");
    }
}

/// A session whose write fails leaves the image as it was.
#[test]
fn failed_append_leaves_the_image_as_it_was() {
    struct Failing(u64);
    impl Read for Failing {
        fn read(&mut self, b: &mut [u8]) -> std::io::Result<usize> {
            if self.0 > 100_000 {
                return Err(std::io::Error::other("the source broke"));
            }
            let n = b.len().min(4096);
            b[..n].fill(1);
            self.0 += n as u64;
            Ok(n)
        }
    }
    impl Seek for Failing {
        fn seek(&mut self, p: SeekFrom) -> std::io::Result<u64> {
            match p {
                SeekFrom::End(_) => Ok(1 << 20),
                SeekFrom::Start(x) => {
                    self.0 = x;
                    Ok(x)
                }
                SeekFrom::Current(_) => Ok(self.0),
            }
        }
    }
    for (kind, fs) in [
        (
            MultisessionKind::Sequential,
            FileSystems::ISO9660 | FileSystems::JOLIET,
        ),
        (
            MultisessionKind::RandomWrite,
            FileSystems::ISO9660 | FileSystems::JOLIET,
        ),
        (
            MultisessionKind::Sequential,
            FileSystems::ISO9660 | FileSystems::UDF,
        ),
        (
            MultisessionKind::RandomWrite,
            FileSystems::ISO9660 | FileSystems::UDF,
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let path = first_session(dir.path(), fs);
        let before = std::fs::read(&path).unwrap();
        let m = Medium::open(&path).unwrap();
        let mut img = FileSystemImage::new();
        img.set_multisession(Multisession::for_image(&m, kind, None).unwrap())
            .unwrap();
        img.import_file_system(None).unwrap();
        img.set_file_systems_to_create(fs).unwrap();
        img.add_file(img.root(), "broken.bin", DataSource::stream(Failing(0)))
            .unwrap();
        let e = img.create_result_image().unwrap().append_to_path(&path);
        assert!(e.is_err(), "{kind:?} {fs}");
        assert!(
            std::fs::read(&path).unwrap() == before,
            "{kind:?} {fs}: the image changed"
        );
    }
}

#[test]
fn import_rules() {
    let dir = tempfile::tempdir().unwrap();
    let path = first_session(
        dir.path(),
        FileSystems::ISO9660 | FileSystems::JOLIET | FileSystems::UDF,
    );
    let m = Medium::open(&path).unwrap();
    assert_eq!(
        FileSystemImage::identify_file_systems_on_disc(&m).unwrap(),
        FileSystems::ISO9660 | FileSystems::JOLIET | FileSystems::UDF
    );
    assert_eq!(
        FileSystemImage::default_file_system_for_import(FileSystems::ISO9660 | FileSystems::JOLIET),
        FileSystems::JOLIET
    );
    // No medium: MULTISESSION_NOT_SET.
    let mut img = FileSystemImage::new();
    assert_eq!(
        img.import_file_system(None).unwrap_err().imapi_code(),
        Some(0xC0AA_B15D)
    );
    // Not on the disc: FILE_SYSTEM_NOT_FOUND.
    let e = img
        .import_specific_file_system(FileSystems::ROCK_RIDGE, Some(&m))
        .unwrap_err();
    assert_eq!(e.imapi_code(), Some(0xC0AA_B152), "{e}");
    // A directory in memory where the disc has a file, and the other way.
    let root = img.root();
    img.add_directory(root, "big.bin").unwrap();
    let e = img.import_file_system(Some(&m)).unwrap_err();
    assert!(
        matches!(
            e,
            Error::ImportTypeCollision {
                disc_has_directory: false,
                ..
            }
        ),
        "{e}"
    );
    assert_eq!(e.imapi_code(), Some(0xC0AA_B155));
    assert_eq!(img.count(root), 1, "nothing was imported");
    let mut img = FileSystemImage::new();
    let root = img.root();
    img.add_file(root, "docs", DataSource::Empty).unwrap();
    let e = img.import_file_system(Some(&m)).unwrap_err();
    assert_eq!(e.imapi_code(), Some(0xC0AA_B15E), "{e}");
    // The in-memory item wins a clash of files.
    let mut img = FileSystemImage::new();
    let root = img.root();
    img.add_file(root, "big.bin", DataSource::Bytes(b"mine"[..].into()))
        .unwrap();
    assert_eq!(img.import_file_system(Some(&m)).unwrap(), FileSystems::UDF);
    assert_eq!(img.data_size(img.item("/big.bin").unwrap()).unwrap(), 4);
    assert_eq!(img.data_size(img.item("/docs/a.txt").unwrap()).unwrap(), 8);
    assert!(img.imported_volume_name().is_some());
    // UDF imported: its revision is fixed.
    assert_eq!(img.udf_revision(), 0x0102);
    assert_eq!(
        img.set_udf_revision(0x0250).unwrap_err().imapi_code(),
        Some(0xC0AA_B161)
    );
    // A copy of the disc as a new image reads the data through the medium.
    let mut out = Vec::new();
    img.create_result_image()
        .unwrap()
        .image_stream()
        .read_to_end(&mut out)
        .unwrap();
    let copy = dir.path().join("copy.iso");
    fs::write(&copy, &out).unwrap();
    let t = tree_of(&copy);
    assert_eq!(
        t.iter()
            .find(|x| x.0 == "/docs/a.txt")
            .unwrap()
            .1
            .as_deref(),
        Some(&b"first a\n"[..])
    );
    // A next session without the medium's UDF is refused with a reason.
    let mut img = FileSystemImage::new();
    img.set_file_systems_to_create(FileSystems::ISO9660)
        .unwrap();
    img.set_multisession(Multisession::for_image(&m, MultisessionKind::RandomWrite, None).unwrap())
        .unwrap();
    img.import_specific_file_system(FileSystems::JOLIET, None)
        .unwrap();
    let e = img.create_result_image().err().expect("refused");
    assert_eq!(e.imapi_code(), Some(0xC0AA_B163), "{e}");
    assert!(e.to_string().contains("UDF"), "{e}");
    // Undo: an import is one change point.
    let mut img = FileSystemImage::new();
    let p = img.change_point();
    img.import_file_system(Some(&m)).unwrap();
    assert!(img.file_count() > 0);
    img.rollback_to_change_point(p).unwrap();
    assert_eq!(img.file_count(), 0);
    assert!(!common::image_bytes(&img).is_empty());
}

/// A second session of `kind` laid out after the image at `path`, written
/// into the file without its descriptor rewrite at block 16 (as an append
/// to a disc leaves it when stopped just before that).
fn second_session_bytes(path: &std::path::Path, kind: MultisessionKind) -> (u32, Vec<u8>) {
    let m = Medium::open(path).unwrap();
    let mut img = FileSystemImage::new();
    img.set_file_systems_to_create(FileSystems::ISO9660 | FileSystems::ROCK_RIDGE)
        .unwrap();
    img.set_multisession(Multisession::for_image(&m, kind, None).unwrap())
        .unwrap();
    img.import_file_system(None).unwrap();
    let root = img.root();
    img.add_file(root, "second.txt", DataSource::Bytes(b"2\n"[..].into()))
        .unwrap();
    let r = img.create_result_image().unwrap();
    let mut bytes = Vec::new();
    r.image_stream().read_to_end(&mut bytes).unwrap();
    (r.start_block(), bytes)
}

fn names(m: &Medium) -> Vec<String> {
    let disc = Disc::open(m).unwrap();
    let t = disc.read_tree(FileSystems::ROCK_RIDGE).unwrap();
    t.walk(0).into_iter().skip(1).map(|i| t.path(i)).collect()
}

#[test]
fn an_overwritable_medium_reads_the_tree_block_16_names() {
    let dir = tempfile::tempdir().unwrap();
    let path = first_session(dir.path(), FileSystems::ISO9660 | FileSystems::ROCK_RIDGE);
    let (start, bytes) = second_session_bytes(&path, MultisessionKind::RandomWrite);
    let mut file = fs::read(&path).unwrap();
    file.resize(start as usize * 2048, 0);
    file.extend(bytes);
    fs::write(&path, file).unwrap();
    // As an image file, the session after the first is found...
    let plain = Medium::open(&path).unwrap();
    assert!(names(&plain).contains(&"/second.txt".to_string()));
    // ...but on an overwritable medium only what block 16 names counts.
    let rw = Medium::open(&path).unwrap().as_overwritable();
    let disc = Disc::open(&rw).unwrap();
    assert_eq!(disc.sessions, vec![0]);
    assert!(!names(&rw).contains(&"/second.txt".to_string()));
    assert!(
        disc.warnings()
            .iter()
            .any(|w| w.contains("never pointed at")),
        "{:?}",
        disc.warnings()
    );
}

#[test]
fn a_session_the_drive_recorded_in_part_is_passed_over() {
    let dir = tempfile::tempdir().unwrap();
    let path = first_session(dir.path(), FileSystems::ISO9660 | FileSystems::ROCK_RIDGE);
    let first_end = (fs::metadata(&path).unwrap().len() / 2048) as u32 - 1;
    let (start, bytes) = second_session_bytes(&path, MultisessionKind::Sequential);
    let mut file = fs::read(&path).unwrap();
    file.resize(start as usize * 2048, 0);
    // Cut after its descriptors (blocks 16 and 17 of the session) but
    // before the rest of its tree and data.
    file.extend(&bytes[..18 * 2048]);
    fs::write(&path, file).unwrap();
    let recorded_end = (fs::metadata(&path).unwrap().len() / 2048) as u32 - 1;
    let sessions = [
        imapi2_fs::RecordedSession {
            first: 0,
            last: first_end,
        },
        imapi2_fs::RecordedSession {
            first: start,
            last: recorded_end,
        },
    ];
    let m = Medium::open(&path).unwrap().with_sessions(&sessions);
    let disc = Disc::open(&m).unwrap();
    assert_eq!(
        disc.sessions,
        vec![0],
        "the half-written session is passed over"
    );
    assert!(
        disc.warnings()
            .iter()
            .any(|w| w.contains("session 2") && w.contains("incomplete")),
        "{:?}",
        disc.warnings()
    );
    assert!(!names(&m).contains(&"/second.txt".to_string()));
    // Whole, it is the newest.
    let mut file = fs::read(&path).unwrap();
    file.resize(start as usize * 2048, 0);
    file.extend(&bytes);
    fs::write(&path, file).unwrap();
    let whole = [
        sessions[0],
        imapi2_fs::RecordedSession {
            first: start,
            last: start + (bytes.len() / 2048) as u32 - 1,
        },
    ];
    let m = Medium::open(&path).unwrap().with_sessions(&whole);
    assert_eq!(Disc::open(&m).unwrap().sessions, vec![0, start]);
    assert!(names(&m).contains(&"/second.txt".to_string()));
}

/// A file's contents, summed up short for assertion messages: its length
/// and an FNV-1a hash.
fn digest(b: &[u8]) -> (usize, u64) {
    let h = b.iter().fold(0xCBF2_9CE4_8422_2325u64, |h, &x| {
        (h ^ u64::from(x)).wrapping_mul(0x0100_0000_01B3)
    });
    (b.len(), h)
}

/// Paths and digested contents of one view of `path`, read as session
/// `index` (the newest when `None`) left it.
fn view_of(
    path: &std::path::Path,
    view: FileSystems,
    index: Option<usize>,
) -> Vec<(String, Option<(usize, u64)>)> {
    let m = Medium::open(path).unwrap();
    let disc = Disc::open(&m).unwrap();
    let t = match index {
        Some(i) => disc.read_tree_of(i, view).unwrap(),
        None => disc.read_tree(view).unwrap(),
    };
    let mut out: Vec<(String, Option<(usize, u64)>)> = t
        .walk(0)
        .into_iter()
        .skip(1)
        .map(|i| {
            let data = file_bytes(&m, &t.nodes[i as usize]);
            (t.path(i), data.map(|d| digest(&d)))
        })
        .collect();
    out.sort();
    out
}

/// UDF in a session after others (alone and bridged, 1.02 and 2.50, both
/// kinds): the newest session's UDF shows the merged tree and points at the
/// old data; the older session still reads as it was; the refusals.
#[test]
fn udf_in_an_appended_session() {
    for (fs, revision) in [
        (FileSystems::UDF, 0x0102),
        (FileSystems::UDF, 0x0250),
        (
            FileSystems::ISO9660 | FileSystems::ROCK_RIDGE | FileSystems::UDF,
            0x0201,
        ),
        (
            FileSystems::ISO9660 | FileSystems::ROCK_RIDGE | FileSystems::UDF,
            0x0250,
        ),
    ] {
        for kind in [MultisessionKind::RandomWrite, MultisessionKind::Sequential] {
            let what = format!("{fs} {revision:#06x} {kind:?}");
            if kind == MultisessionKind::Sequential && !fs.contains(FileSystems::ISO9660) {
                // Refused on an image file: no table of contents would find
                // a UDF-only session after the first (discs have one).
                continue;
            }
            let dir = tempfile::tempdir().unwrap();
            let path = first_session_at(dir.path(), fs, revision);
            let first = view_of(&path, FileSystems::UDF, None);
            let before = fs::read(&path).unwrap();

            let m = Medium::open(&path).unwrap();
            let mut img = FileSystemImage::new();
            img.set_multisession(Multisession::for_image(&m, kind, None).unwrap())
                .unwrap();
            img.import_file_system(None).unwrap();
            assert_eq!(
                img.udf_revision(),
                revision,
                "{what}: the revision is the medium's"
            );
            img.set_file_systems_to_create(fs).unwrap();
            let root = img.root();
            img.remove(root, "docs/a.txt").unwrap();
            img.add_file(
                root,
                "docs/a.txt",
                DataSource::Bytes(b"second a\n"[..].into()),
            )
            .unwrap();
            img.add_file(root, "new.txt", DataSource::Bytes(b"new\n"[..].into()))
                .unwrap();
            let r = img.create_result_image().unwrap();
            // At least 257 blocks (the anchor at 256); big.bin would add 147.
            assert!(
                r.total_blocks() < 257 + 100,
                "{what}: big.bin is not copied: {}",
                r.total_blocks()
            );
            let ranges = r.modified_blocks().unwrap();
            if kind == MultisessionKind::RandomWrite {
                let ranges = ranges.expect("ranges");
                assert_eq!(ranges.len(), 3, "{what}: {ranges:?}");
                assert_eq!(ranges[1].start_lba, 16, "{what}");
                assert_eq!(
                    (ranges[2].start_lba, ranges[2].end_lba),
                    (256, 256),
                    "{what}"
                );
            } else {
                assert_eq!(ranges, None);
            }
            let start = r.start_block();
            r.append_to_path(&path).unwrap();
            let after = fs::read(&path).unwrap();
            // Only the listed ranges (or nothing, sequential) changed below
            // the new session.
            for lba in 0..before.len() / 2048 {
                let changed = before[lba * 2048..][..2048] != after[lba * 2048..][..2048];
                let listed = kind == MultisessionKind::RandomWrite
                    && (lba == 256 || (16..32).contains(&lba));
                assert!(!changed || listed, "{what}: block {lba} changed");
            }
            let newest = view_of(&path, FileSystems::UDF, None);
            let expect = |name: &str| newest.iter().find(|e| e.0 == name).and_then(|e| e.1);
            assert_eq!(expect("/docs/a.txt"), Some(digest(b"second a\n")), "{what}");
            assert_eq!(expect("/new.txt"), Some(digest(b"new\n")), "{what}");
            assert_eq!(expect("/big.bin"), Some(digest(&[7u8; 300_000])), "{what}");
            let disc = Disc::open(&Medium::open(&path).unwrap()).unwrap();
            if fs.contains(FileSystems::ISO9660) {
                assert_eq!(
                    newest,
                    view_of(&path, FileSystems::ROCK_RIDGE, None),
                    "{what}"
                );
                if kind == MultisessionKind::Sequential {
                    assert_eq!(disc.sessions, vec![0, start], "{what}");
                    assert_eq!(disc.udf_session, start, "{what}");
                    // The first session as it was left, UDF too.
                    assert_eq!(first, view_of(&path, FileSystems::UDF, Some(0)), "{what}");
                }
            }
        }
    }
    // UDF added in a later session of a random-write medium: refused, as
    // block 256 holds the first session's data; a changed revision too.
    let dir = tempfile::tempdir().unwrap();
    let iso = first_session(dir.path(), FileSystems::ISO9660 | FileSystems::JOLIET);
    let m = Medium::open(&iso).unwrap();
    let mut img = FileSystemImage::new();
    img.set_multisession(Multisession::for_image(&m, MultisessionKind::RandomWrite, None).unwrap())
        .unwrap();
    img.import_file_system(None).unwrap();
    img.set_file_systems_to_create(FileSystems::ISO9660 | FileSystems::JOLIET | FileSystems::UDF)
        .unwrap();
    let e = img.create_result_image().err().expect("refused");
    assert_eq!(e.imapi_code(), Some(0xC0AA_B163), "{e}");
    assert!(e.to_string().contains("block 256"), "{e}");
    let bridge = dir.path().join("bridge");
    fs::create_dir(&bridge).unwrap();
    let path = first_session(&bridge, FileSystems::ISO9660 | FileSystems::UDF);
    let m = Medium::open(&path).unwrap();
    let mut img = FileSystemImage::new();
    img.set_multisession(Multisession::for_image(&m, MultisessionKind::Sequential, None).unwrap())
        .unwrap();
    img.import_specific_file_system(FileSystems::ISO9660, None)
        .unwrap();
    assert_eq!(
        img.udf_revision(),
        0x0102,
        "fixed by the medium, whatever view"
    );
    assert_eq!(
        img.set_udf_revision(0x0201).unwrap_err().imapi_code(),
        Some(0xC0AA_B161)
    );
}
