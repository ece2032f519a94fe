//! The library end to end: results, streams, progress, errors, reproducibility.

mod common;
use common::*;

use std::fs;
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::sync::{Arc, Mutex};

use imapi2_fs::ecma119::{DirectoryRecord, VolumeDescriptor, SECTOR};
use imapi2_fs::{DataSource, Error, FileSystemImage, FileSystems, FileTime, ItemType, SpecialKind};

fn tmp() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("imapi2-fs.")
        .tempdir()
        .unwrap()
}

fn bytes(b: &[u8]) -> DataSource {
    DataSource::Bytes(b.into())
}

fn host_tree(root: &Path) {
    fs::create_dir_all(root.join("docs/deeper")).unwrap();
    fs::write(root.join("docs/a.txt"), b"alpha\n").unwrap();
    fs::write(root.join("docs/deeper/b.bin"), vec![7u8; 5000]).unwrap();
    fs::write(root.join("big.bin"), vec![1u8; 3 << 20]).unwrap();
    fs::write(root.join("empty"), b"").unwrap();
    std::os::unix::fs::symlink("docs/a.txt", root.join("link")).unwrap();
}

fn read_all(r: &imapi2_fs::ImageResult) -> Vec<u8> {
    let mut v = Vec::new();
    r.image_stream().read_to_end(&mut v).unwrap();
    v
}

#[test]
fn stream_and_fast_writer_agree_byte_for_byte() {
    let dir = tmp();
    let src = dir.path().join("src");
    host_tree(&src);
    let mut img = FileSystemImage::new();
    let root = img.root();
    img.add_tree(root, &src, false).unwrap();
    img.add_file(root, "mem.txt", bytes(b"in memory")).unwrap();
    img.add_file(
        root,
        "stream.bin",
        DataSource::stream(std::io::Cursor::new(vec![9u8; 10_000])),
    )
    .unwrap();
    img.add_special(root, "fifo", SpecialKind::Fifo).unwrap();
    let result = img.create_result_image().unwrap();
    let streamed = read_all(&result);
    assert_eq!(streamed.len() as u64, result.total_bytes());
    let out = dir.path().join("out.iso");
    result.write_to_path(&out).unwrap();
    let written = fs::read(&out).unwrap();
    assert!(written == streamed, "fast writer and stream differ");

    // Random positioned reads agree with the whole.
    let mut s = result.image_stream();
    for (i, &(pos, len)) in [(0u64, 10usize), (32768, 2048), (40_000, 70_000), (5, 1)]
        .iter()
        .enumerate()
    {
        let pos = pos.min(streamed.len() as u64 - len as u64);
        s.seek(SeekFrom::Start(pos)).unwrap();
        let mut buf = vec![0u8; len];
        s.read_exact(&mut buf).unwrap();
        assert_eq!(
            &buf[..],
            &streamed[pos as usize..pos as usize + len],
            "read {i}"
        );
    }
    let end = s.seek(SeekFrom::End(0)).unwrap();
    assert_eq!(end, result.total_bytes());
    assert_eq!(s.read(&mut [0u8; 16]).unwrap(), 0);

    // The primary volume descriptor decodes and describes the stream.
    let pvd = VolumeDescriptor::decode(&streamed[16 * SECTOR..17 * SECTOR]).unwrap();
    assert_eq!(pvd.volume_space_size, result.total_blocks());
    let root_rec = DirectoryRecord::decode(&pvd.root_record).unwrap();
    assert_eq!(root_rec.identifier, &[0]);
    let jol = VolumeDescriptor::decode(&streamed[17 * SECTOR..18 * SECTOR]).unwrap();
    assert!(jol.is_joliet());
}

#[test]
fn fixed_time_makes_images_byte_identical() {
    let dir = tmp();
    let src = dir.path().join("src");
    host_tree(&src);
    let build = |tree: &Path| {
        let mut img = FileSystemImage::new();
        img.set_fixed_time(Some(FileTime::from_unix_seconds(1_700_000_000)));
        let root = img.root();
        img.add_tree(root, tree, false).unwrap();
        read_all(&img.create_result_image().unwrap())
    };
    let a = build(&src);
    let b = build(&src);
    assert!(a == b, "two builds of one tree differ");
    // A copy of the tree has new times (all after the fixed time): clamped, the
    // image is the same.
    let copy = dir.path().join("copy");
    let status = std::process::Command::new("cp")
        .arg("-r")
        .arg(&src)
        .arg(&copy)
        .status()
        .unwrap();
    assert!(status.success());
    let c = build(&copy);
    assert!(a == c, "a fresh copy of the tree gives another image");
    // And the volume date is the fixed time.
    assert_eq!(
        &a[16 * SECTOR + 813..16 * SECTOR + 829],
        b"2023111422132000"
    );
}

#[test]
fn progress_items_map_blocks_to_files() {
    let mut img = FileSystemImage::new();
    let root = img.root();
    img.add_file(root, "one", bytes(&[1u8; 5000])).unwrap();
    img.add_directory(root, "d").unwrap();
    img.add_file(root, "d/two", bytes(&[2u8; 100])).unwrap();
    img.add_file(root, "empty", bytes(b"")).unwrap();
    let mut result = img.create_result_image().unwrap();
    let items = result.progress_items();
    assert_eq!(items.count(), 2, "files with data only");
    let all: Vec<_> = items.iter().collect();
    let one = items.from_description("/one").unwrap();
    assert_eq!(one.block_count, 3);
    assert_eq!(one.last_block, one.first_block + 2);
    for it in &all {
        assert_eq!(items.from_block(it.first_block).as_ref(), Some(it));
        assert_eq!(items.from_block(it.last_block).as_ref(), Some(it));
    }
    assert!(items.from_block(0).is_none());
    assert!(items.from_block(result.total_blocks() + 5).is_none());
    // The data really is at those blocks.
    let data = read_all(&result);
    let at = one.first_block as usize * SECTOR;
    assert_eq!(&data[at..at + 5000], &[1u8; 5000][..]);

    let seen = Arc::new(Mutex::new(Vec::new()));
    let s2 = seen.clone();
    result.set_progress(move |p| {
        s2.lock().unwrap().push(p.clone());
        true
    });
    let dir = tmp();
    result.write_to_path(dir.path().join("p.iso")).unwrap();
    let seen = seen.lock().unwrap();
    assert!(seen.iter().any(|p| p.current_file == "/d/two"));
    assert!(seen
        .windows(2)
        .all(|w| w[0].copied_sectors <= w[1].copied_sectors));
    let last = seen.last().unwrap();
    assert_eq!(last.copied_sectors, last.total_sectors);
    assert_eq!(last.total_sectors, u64::from(result.total_blocks()));
}

#[test]
fn a_vanished_source_fails_with_its_path_and_leaves_no_output() {
    let dir = tmp();
    let src = dir.path().join("src");
    host_tree(&src);
    let mut img = FileSystemImage::new();
    let root = img.root();
    img.add_tree(root, &src, false).unwrap();
    let result = img.create_result_image().unwrap();
    fs::remove_file(src.join("docs/a.txt")).unwrap();
    let out = dir.path().join("out.iso");
    let e = result.write_to_path(&out).unwrap_err();
    assert_eq!(e.imapi_code(), Some(0xC0AA_B12A), "{e}");
    assert!(e.to_string().contains("docs/a.txt"), "{e}");
    assert!(!out.exists(), "partial output left behind");
    // The stream reports the same error through io::Error.
    let mut s = result.image_stream();
    let err = std::io::copy(&mut s, &mut std::io::sink()).unwrap_err();
    assert_eq!(Error::from_io(err, "x").imapi_code(), Some(0xC0AA_B12A));
}

#[test]
fn a_source_that_changes_size_fails_the_write() {
    for size in [100usize, 3 << 20] {
        let dir = tmp();
        let f = dir.path().join("f.bin");
        fs::write(&f, vec![5u8; size]).unwrap();
        let mut img = FileSystemImage::new();
        let root = img.root();
        img.add_host_file(root, "f.bin", &f).unwrap();
        let result = img.create_result_image().unwrap();
        fs::write(&f, vec![5u8; size + 10]).unwrap();
        let out = dir.path().join("out.iso");
        let e = result.write_to_path(&out).unwrap_err();
        match &e {
            Error::DataStreamInconsistency {
                expected, found, ..
            } => assert_eq!((*expected, *found), (size as u64, size as u64 + 10)),
            other => panic!("{other}"),
        }
        assert!(e.to_string().contains("f.bin"), "{e}");
        assert!(!out.exists());
    }
}

#[test]
fn cancelling_from_the_progress_callback_stops_the_write() {
    let mut img = FileSystemImage::new();
    let root = img.root();
    img.add_file(root, "f", bytes(&[0u8; 100_000])).unwrap();
    let mut result = img.create_result_image().unwrap();
    result.set_progress(|p| p.current_file.is_empty());
    let dir = tmp();
    let out = dir.path().join("c.iso");
    let e = result.write_to_path(&out).unwrap_err();
    assert!(matches!(e, Error::Cancelled), "{e}");
    assert_eq!(e.imapi_code(), Some(0xC0AA_0002));
    assert!(!out.exists());
}

#[test]
fn add_tree_is_all_or_nothing() {
    let dir = tmp();
    let src = dir.path().join("src");
    host_tree(&src);
    // A name outside the restricted set, deep inside: the whole addition
    // fails, and the message shows the bytes that are not UTF-8.
    let bad = std::ffi::OsStr::from_bytes(b"bad\xff\xfe.txt");
    fs::write(src.join("docs/deeper").join(bad), b"x").unwrap();
    let mut img = FileSystemImage::new();
    img.set_use_restricted_character_set(true);
    let root = img.root();
    img.add_file(root, "keep.txt", bytes(b"keep")).unwrap();
    let cp = img.change_point();
    let used = img.used_blocks();
    let e = img.add_tree(root, &src, true).unwrap_err();
    assert!(matches!(e, Error::RestrictedNameViolation { .. }), "{e}");
    assert!(e.to_string().contains("\"bad\\xff\\xfe.txt\""), "{e}");
    assert_eq!(img.file_count(), 1);
    assert_eq!(img.directory_count(), 1);
    assert_eq!(img.change_point(), cp);
    assert_eq!(img.used_blocks(), used);
    assert_eq!(img.exists("/src"), ItemType::NotFound);
    // Without the bad name it goes in whole, and one rollback takes it out.
    fs::remove_file(src.join("docs/deeper").join(bad)).unwrap();
    img.set_use_restricted_character_set(false);
    img.add_tree(root, &src, true).unwrap();
    assert_eq!(img.exists("/src/docs/deeper/b.bin"), ItemType::File);
    assert_eq!(img.change_point(), cp + 1);
    img.rollback_to_change_point(cp).unwrap();
    assert_eq!(img.exists("/src"), ItemType::NotFound);
    assert_eq!(img.file_count(), 1);
}

#[test]
fn add_tree_merges_and_the_source_wins() {
    let dir = tmp();
    let src = dir.path().join("src");
    host_tree(&src);
    let mut img = FileSystemImage::new();
    let root = img.root();
    img.add_directory(root, "docs").unwrap();
    img.add_file(root, "docs/a.txt", bytes(b"old")).unwrap();
    img.add_file(root, "docs/mine.txt", bytes(b"mine")).unwrap();
    img.add_directory(root, "empty").unwrap(); // a directory where the host has a file
    img.add_tree(root, &src, false).unwrap();
    let a = img.item("/docs/a.txt").unwrap();
    assert_eq!(img.data_size(a).unwrap(), 6);
    assert_eq!(img.exists("/docs/mine.txt"), ItemType::File);
    assert_eq!(img.exists("/empty"), ItemType::File);
    assert_eq!(
        img.symlink_target(img.item("/link").unwrap()),
        Some("docs/a.txt")
    );
}

#[test]
fn file_system_names_follow_each_file_system() {
    let mut img = FileSystemImage::new();
    let root = img.root();
    let a = img.add_file(root, "Grüße Welt.txt", bytes(b"1")).unwrap();
    let b = img.add_file(root, "grüße welt.txt", bytes(b"2")).unwrap();
    let l = img.add_symlink(root, "link", "x").unwrap();
    let iso = |id| {
        img.file_system_name(id, FileSystems::ISO9660)
            .unwrap()
            .unwrap()
    };
    let jol = |id| img.file_system_name(id, FileSystems::JOLIET).unwrap();
    assert_eq!(iso(a), "GR__E_WELT.TXT");
    assert_eq!(iso(b), "GR__E_WELT_1.TXT");
    assert_eq!(jol(a).as_deref(), Some("Grüße Welt.txt"));
    assert_eq!(jol(b).as_deref(), Some("grüße welt_1.txt"));
    assert_eq!(jol(l), None, "links are not in Joliet");
    assert_eq!(
        img.file_system_name(b, FileSystems::ROCK_RIDGE)
            .unwrap()
            .as_deref(),
        Some("grüße welt.txt")
    );
    let d = img.add_directory(root, "a directory").unwrap();
    let f = img.add_file(d, "inner file.c", bytes(b"")).unwrap();
    assert_eq!(
        img.file_system_path(f, FileSystems::ISO9660)
            .unwrap()
            .as_deref(),
        Some("/A_DIRECTORY/INNER_FILE.C")
    );
    img.set_iso9660_interchange_level(1).unwrap();
    assert_eq!(
        img.file_system_path(f, FileSystems::ISO9660)
            .unwrap()
            .as_deref(),
        Some("/A_DIRECT/INNER_FI.C")
    );
}

#[test]
fn files_of_4_gib_need_level_3() {
    let mut img = FileSystemImage::new();
    img.set_free_media_blocks(0).unwrap();
    let root = img.root();
    let len = 5u64 << 30;
    img.add_file(root, "huge", DataSource::stream(Sparse::zeros(len)))
        .unwrap();
    assert_eq!(img.largest_file_size(), len);
    let e = img.create_result_image().err().unwrap();
    assert_eq!(e.imapi_code(), Some(0xC0AA_B132), "{e}");
    assert!(e.to_string().contains("/huge"), "{e}");
    img.set_iso9660_interchange_level(3).unwrap();
    let r = img.create_result_image().unwrap();
    assert!(u64::from(r.total_blocks()) * 2048 > len);
    // The directory record of the file is split into two extents.
    let mut s = r.image_stream();
    let mut head = vec![0u8; 64 * SECTOR];
    s.read_exact(&mut head).unwrap();
    let pvd = VolumeDescriptor::decode(&head[16 * SECTOR..17 * SECTOR]).unwrap();
    let root_rec = DirectoryRecord::decode(&pvd.root_record).unwrap();
    let at = root_rec.extent as usize * SECTOR;
    let mut off = at;
    let mut records = Vec::new();
    while head[off] != 0 {
        let r = DirectoryRecord::decode(&head[off..]).unwrap();
        off += head[off] as usize;
        records.push((r.identifier.to_vec(), r.data_length, r.flags));
    }
    let huge: Vec<_> = records
        .iter()
        .filter(|(id, _, _)| id.starts_with(b"HUGE"))
        .collect();
    assert_eq!(huge.len(), 2);
    assert_eq!(huge[0].2 & 0x80, 0x80, "multi-extent flag on the first");
    assert_eq!(huge[1].2 & 0x80, 0);
    assert_eq!(u64::from(huge[0].1) + u64::from(huge[1].1), len);
}

#[test]
fn deep_trees_are_relocated_or_refused() {
    let mut img = FileSystemImage::new();
    let mut d = img.root();
    for i in 0..10 {
        d = img.add_directory(d, &format!("d{i}")).unwrap();
    }
    img.add_file(d, "leaf", bytes(b"leaf")).unwrap();
    assert!(img.create_result_image().is_ok());
    let mut strict = FileSystemImage::new();
    strict.set_strict_file_system_compliance(true).unwrap();
    strict
        .set_file_systems_to_create(FileSystems::ISO9660 | FileSystems::JOLIET)
        .unwrap();
    let mut d = strict.root();
    for i in 0..10 {
        d = strict.add_directory(d, &format!("d{i}")).unwrap();
    }
    let e = strict.create_result_image().err().unwrap();
    assert_eq!(e.imapi_code(), Some(0xC0AA_B131), "{e}");
    assert!(e.to_string().contains("/d0/d1/d2/d3/d4/d5/d6/d7"), "{e}");
}

#[test]
fn more_than_65535_directories_are_written_with_a_warning() {
    let mut img = FileSystemImage::new();
    img.set_free_media_blocks(0).unwrap();
    let root = img.root();
    for i in 0..65_535 {
        img.add_directory(root, &format!("{i}")).unwrap();
    }
    // 65,535 and the root: one more than the path table's parent numbers hold.
    let r = img.create_result_image().unwrap();
    assert!(
        r.warnings().iter().any(|w| w.contains("65,536")),
        "{:?}",
        r.warnings()
    );
}

#[test]
fn budget_is_checked_at_result_time_too() {
    let mut img = FileSystemImage::new();
    let root = img.root();
    img.add_file(root, "f", bytes(&[0u8; 4096])).unwrap();
    let r = img.create_result_image().unwrap();
    assert!(
        u64::from(r.total_blocks()) <= img.used_blocks(),
        "the estimate errs large"
    );
}

#[test]
fn session_start_block_offsets_every_address() {
    let mut img = FileSystemImage::new();
    let root = img.root();
    img.add_file(root, "f.txt", bytes(b"data")).unwrap();
    img.set_session_start_block(1000).unwrap();
    let r = img.create_result_image().unwrap();
    assert_eq!(r.start_block(), 1000);
    let data = read_all(&r);
    assert_eq!(data.len() as u64, u64::from(r.total_blocks()) * 2048);
    let pvd = VolumeDescriptor::decode(&data[16 * SECTOR..17 * SECTOR]).unwrap();
    // The volume covers the earlier sessions too.
    assert_eq!(pvd.volume_space_size, 1000 + r.total_blocks());
    assert!(pvd.l_path_table >= 1000);
    let root_rec = DirectoryRecord::decode(&pvd.root_record).unwrap();
    assert!(root_rec.extent >= 1000);
    let dir = &data[(root_rec.extent as usize - 1000) * SECTOR..];
    let item = r.progress_items().from_description("/f.txt").unwrap();
    assert!(item.first_block >= 1000);
    let at = (item.first_block as usize - 1000) * SECTOR;
    assert_eq!(&data[at..at + 4], b"data");
    // The file's record points at the same absolute block.
    let mut off = 0;
    let mut found = false;
    while dir[off] != 0 {
        let rec = DirectoryRecord::decode(&dir[off..]).unwrap();
        if rec.identifier == b"F.TXT;1" {
            assert_eq!(rec.extent, item.first_block);
            found = true;
        }
        off += dir[off] as usize;
    }
    assert!(found);
}

#[test]
fn decoders_never_panic_on_noise() {
    use imapi2_fs::ecma119::PathTableRecord;
    use imapi2_fs::rockridge::SuspEntry;
    let mut x = 0x1234_5678u32;
    let mut next = || {
        x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        (x >> 24) as u8
    };
    let mut buf = vec![0u8; 4096];
    for round in 0..20_000 {
        let len = (round * 37) % buf.len();
        for b in buf.iter_mut().take(len) {
            *b = next();
        }
        let s = &buf[..len];
        let _ = DirectoryRecord::decode(s);
        let _ = PathTableRecord::decode(s, round % 2 == 0);
        let _ = VolumeDescriptor::decode(s);
        let _ = SuspEntry::decode_all(s);
        // Plausible headers with random bodies reach deeper code.
        if len > 40 {
            let mut v = s.to_vec();
            v[0] = (len.min(255)) as u8;
            let _ = DirectoryRecord::decode(&v);
            v[0] = b'P';
            v[1] = b'X';
            v[2] = (len.min(255)) as u8;
            let _ = SuspEntry::decode_all(&v);
        }
    }
}
