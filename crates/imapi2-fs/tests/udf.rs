//! UDF images read back with this crate's own UDF reader (the outside
//! readers run in the CLI's validator tests).

mod common;
use common::*;

use std::collections::BTreeMap;
use std::fs;
use std::io::{Cursor, Read, Seek, SeekFrom};
use std::path::Path;

use imapi2_fs::ecma167::{file_type, posix_mode, Allocation};
use imapi2_fs::udf_reader::UdfVolume;
use imapi2_fs::{DataSource, Error, FileSystemImage, FileSystems, FileTime};

const REVISIONS: [u16; 6] = [0x0102, 0x0150, 0x0200, 0x0201, 0x0250, 0x0260];

fn tree(root: &Path) {
    fs::create_dir_all(root.join("dir/sub")).unwrap();
    fs::write(root.join("small.txt"), b"small file\n").unwrap();
    fs::write(root.join("dir/big.bin"), vec![0x5Au8; 300_000]).unwrap();
    fs::write(root.join("dir/sub/Grüße 日本.txt"), "unicode".as_bytes()).unwrap();
    fs::write(root.join("empty"), b"").unwrap();
    fs::hard_link(root.join("dir/big.bin"), root.join("link.bin")).unwrap();
    std::os::unix::fs::symlink("dir/sub", root.join("to_sub")).unwrap();
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(root.join("small.txt"), fs::Permissions::from_mode(0o640)).unwrap();
}

/// Walks a UDF volume: path → (is_dir, data or link target, mode, unique id).
fn walk(v: &mut UdfVolume<Cursor<Vec<u8>>>) -> BTreeMap<String, (bool, Vec<u8>, u32, u64)> {
    let mut out = BTreeMap::new();
    let root = v.root();
    let mut stack = vec![(String::new(), root)];
    while let Some((path, icb)) = stack.pop() {
        let fe = v.entry(icb).unwrap();
        for e in v.read_dir(&fe).unwrap() {
            let p = format!("{path}/{}", e.name);
            let child = v.entry(e.icb).unwrap();
            let mode = posix_mode(child.permissions);
            if e.is_dir {
                assert_eq!(child.file_type, file_type::DIRECTORY);
                out.insert(p.clone(), (true, Vec::new(), mode, child.unique_id));
                stack.push((p, e.icb));
            } else {
                let data = v.read_data(&child, e.icb.partition).unwrap();
                let data = if child.file_type == file_type::SYMLINK {
                    imapi2_fs::ecma167::read_symlink_components(&data)
                        .unwrap()
                        .into_bytes()
                } else {
                    data
                };
                out.insert(p, (false, data, mode, child.unique_id));
            }
        }
    }
    out
}

#[test]
fn every_revision_reads_back_alone_and_bridged() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    tree(&src);
    for rev in REVISIONS {
        for bridge in [false, true] {
            let mut img = FileSystemImage::new();
            img.set_fixed_time(Some(FileTime::from_unix_seconds(1_700_000_000)));
            img.set_volume_name("UDFTEST").unwrap();
            let fs = if bridge {
                FileSystems::ISO9660
                    | FileSystems::JOLIET
                    | FileSystems::ROCK_RIDGE
                    | FileSystems::UDF
            } else {
                FileSystems::UDF
            };
            img.set_file_systems_to_create(fs).unwrap();
            img.set_udf_revision(rev).unwrap();
            let root = img.root();
            img.add_tree(root, &src, false).unwrap();
            let bytes = image_bytes(&img);
            let what = format!("UDF {rev:#x} bridge={bridge}");
            let mut v = UdfVolume::open(Cursor::new(bytes.clone())).unwrap();
            assert_eq!(v.info.revision, rev, "{what}");
            assert_eq!(v.info.volume_id, "UDFTEST", "{what}");
            assert_eq!(v.info.metadata.is_some(), rev >= 0x0250, "{what}");
            let lvid = v.integrity.clone().unwrap();
            assert_eq!(
                (lvid.files, lvid.directories),
                (5, 3),
                "{what}: files and dirs"
            );
            let seen = walk(&mut v);
            assert_eq!(seen["/small.txt"].1, b"small file\n", "{what}");
            assert_eq!(seen["/small.txt"].2, 0o640, "{what}");
            assert_eq!(seen["/dir/big.bin"].1, vec![0x5Au8; 300_000], "{what}");
            assert_eq!(seen["/dir/sub/Grüße 日本.txt"].1, b"unicode", "{what}");
            assert_eq!(seen["/empty"].1, b"", "{what}");
            assert_eq!(seen["/to_sub"].1, b"dir/sub", "{what}");
            // Hard links: one entry, one unique id, link count 2.
            assert_eq!(seen["/link.bin"].3, seen["/dir/big.bin"].3, "{what}");
            assert!(
                seen.values().filter(|x| !x.0).all(|x| x.3 >= 16),
                "{what}: unique ids from 16"
            );
            assert!(lvid.next_unique_id > seen.values().map(|x| x.3).max().unwrap());
            if bridge {
                // The UDF data of a file is the ISO 9660 extent of it.
                let r = img.create_result_image().unwrap();
                // The hard-linked data is described by its first name in ISO 9660 order.
                let item = r.progress_items().from_description("/link.bin").unwrap();
                let root_fe = v.entry(v.root()).unwrap();
                let d = v.read_dir(&root_fe).unwrap();
                let dir_icb = d.iter().find(|e| e.name == "dir").unwrap().icb;
                let dfe = v.entry(dir_icb).unwrap();
                let big = v.read_dir(&dfe).unwrap();
                let big_icb = big.iter().find(|e| e.name == "big.bin").unwrap().icb;
                let fe = v.entry(big_icb).unwrap();
                let ext = v.data_extents(&fe, big_icb.partition).unwrap();
                assert_eq!(
                    ext[0].1 + v.info.partition_start,
                    item.first_block,
                    "{what}: shared extent"
                );
            }
            // Reproducible.
            assert!(image_bytes(&img) == bytes, "{what}: two builds differ");
        }
    }
}

#[test]
fn the_reserve_sequence_and_mirror_stand_in_for_broken_ones() {
    let mut img = FileSystemImage::new();
    img.set_file_systems_to_create(FileSystems::UDF).unwrap();
    img.set_udf_revision(0x0250).unwrap();
    let root = img.root();
    img.add_file(root, "f", DataSource::Bytes(b"data"[..].into()))
        .unwrap();
    let mut bytes = image_bytes(&img);
    let v = UdfVolume::open(Cursor::new(bytes.clone())).unwrap();
    let m = v.info.metadata.unwrap();
    // Break the main volume descriptor sequence and the metadata file entry.
    let avdp = imapi2_fs::ecma167::Avdp::decode(&bytes[256 * 2048..257 * 2048]).unwrap();
    let main = avdp.main.location as usize * 2048;
    bytes[main + 100] ^= 0xFF;
    let mfe = (v.info.partition_start + m.file) as usize * 2048;
    bytes[mfe + 50] ^= 0xFF;
    let mut v = UdfVolume::open(Cursor::new(bytes)).unwrap();
    let fe = v.entry(v.root()).unwrap();
    let entries = v.read_dir(&fe).unwrap();
    assert_eq!(entries[0].name, "f");
    assert_eq!(v.read_file(entries[0].icb).unwrap(), b"data");
}

#[test]
fn named_streams_and_real_time_files() {
    let mut img = FileSystemImage::new();
    img.set_file_systems_to_create(FileSystems::UDF).unwrap();
    let root = img.root();
    let f = img
        .add_file(
            root,
            "movie.m2ts",
            DataSource::Bytes(vec![7u8; 5000].into()),
        )
        .unwrap();
    // Below 2.00 named streams are refused with IMAPI's code.
    let e = img
        .add_stream(f, "thumb", DataSource::Bytes(b"x"[..].into()))
        .unwrap_err();
    assert_eq!(e.imapi_code(), Some(0x00AA_B15F), "{e}");
    let e = img.set_real_time(f, true).unwrap_err();
    assert!(matches!(e, Error::FeatureNotSupported { .. }));
    img.set_udf_revision(0x0201).unwrap();
    img.add_stream(
        f,
        "thumb",
        DataSource::Bytes(b"tiny stream".as_slice().into()),
    )
    .unwrap();
    img.add_stream(f, "big stream", DataSource::Bytes(vec![9u8; 70_000].into()))
        .unwrap();
    assert!(
        img.add_stream(f, "thumb", DataSource::Empty).is_err(),
        "duplicate"
    );
    img.set_real_time(f, true).unwrap();
    assert_eq!(
        img.named_streams(f),
        vec![
            ("thumb".to_string(), 11),
            ("big stream".to_string(), 70_000)
        ]
    );
    let mut v = UdfVolume::open(Cursor::new(image_bytes(&img))).unwrap();
    let root_fe = v.entry(v.root()).unwrap();
    let entry = v.read_dir(&root_fe).unwrap().remove(0);
    let fe = v.entry(entry.icb).unwrap();
    assert_eq!(fe.file_type, file_type::REAL_TIME);
    assert_eq!(
        v.read_data(&fe, entry.icb.partition).unwrap(),
        vec![7u8; 5000]
    );
    // In the order they were added; the small one inside its entry.
    let streams = v.streams(&fe).unwrap();
    assert_eq!(streams.len(), 2);
    assert_eq!(streams[0].0, "thumb");
    assert!(matches!(streams[0].1.allocation, Allocation::Embedded(_)));
    assert_eq!(v.read_data(&streams[0].1, 0).unwrap(), b"tiny stream");
    assert_eq!(streams[1].0, "big stream");
    assert_eq!(v.read_data(&streams[1].1, 0).unwrap(), vec![9u8; 70_000]);
    // Removing and lowering the revision: the check comes back at result time.
    img.set_udf_revision(0x0150).unwrap();
    let e = img.create_result_image().err().unwrap();
    assert!(matches!(e, Error::FeatureNotSupported { .. }), "{e}");
    img.remove_stream(f, "thumb").unwrap();
    img.remove_stream(f, "big stream").unwrap();
    img.set_real_time(f, false).unwrap();
    assert!(img.create_result_image().is_ok());
}

/// A 300 GiB file needs 300 extents: more than a file entry holds, so the
/// rest go into allocation extent blocks; read back from the metadata alone.
#[test]
fn huge_files_chain_allocation_extents() {
    for rev in [0x0201u16, 0x0250] {
        let mut img = FileSystemImage::new();
        img.set_free_media_blocks(0).unwrap();
        img.set_file_systems_to_create(FileSystems::UDF).unwrap();
        img.set_udf_revision(rev).unwrap();
        let root = img.root();
        let len = 300u64 << 30;
        img.add_file(root, "huge", DataSource::stream(Sparse::zeros(len)))
            .unwrap();
        let r = img.create_result_image().unwrap();
        // Read only the metadata: everything before the file data.
        let item = r.progress_items().from_description("/huge").unwrap();
        let mut head = vec![0u8; item.first_block as usize * 2048];
        let mut s = r.image_stream();
        s.read_exact(&mut head).unwrap();
        // The tail (end anchor, mirror) of the image, without the data.
        let tail_start = (u64::from(item.last_block) + 1) * 2048;
        s.seek(SeekFrom::Start(tail_start)).unwrap();
        let mut tail = Vec::new();
        s.read_to_end(&mut tail).unwrap();
        let sparse = Sparse {
            head,
            tail,
            tail_start,
            len: r.total_bytes(),
            pos: 0,
        };
        let mut v = UdfVolume::open(sparse).unwrap();
        let root_fe = v.entry(v.root()).unwrap();
        let e = v.read_dir(&root_fe).unwrap().remove(0);
        let fe = v.entry(e.icb).unwrap();
        assert_eq!(fe.length, len);
        let ext = v.data_extents(&fe, e.icb.partition).unwrap();
        assert_eq!(ext.len(), 300 * 1024 * 1024 / (0x3FFF_F800 / 1024) + 1);
        assert_eq!(ext.iter().map(|x| u64::from(x.2)).sum::<u64>(), len);
        assert!(
            ext.windows(2).all(|w| w[1].1 == w[0].1 + w[0].2 / 2048),
            "contiguous"
        );
    }
}

#[test]
fn udf_names_are_cut_and_kept_unique() {
    let mut img = FileSystemImage::new();
    img.set_file_systems_to_create(FileSystems::UDF).unwrap();
    let root = img.root();
    let a = format!("{}A.txt", "n".repeat(250));
    let b = format!("{}B.txt", "n".repeat(250));
    img.add_file(root, &a, DataSource::Empty).unwrap();
    img.add_file(root, &b, DataSource::Empty).unwrap();
    let names = img.file_system_names(root, FileSystems::UDF).unwrap();
    assert_eq!(names.len(), 2);
    assert_ne!(names[0].1, names[1].1);
    assert!(names.iter().all(|(_, n)| n.len() <= 254));
    let mut v = UdfVolume::open(Cursor::new(image_bytes(&img))).unwrap();
    let fe = v.entry(v.root()).unwrap();
    let mut read: Vec<String> = v
        .read_dir(&fe)
        .unwrap()
        .into_iter()
        .map(|e| e.name)
        .collect();
    read.sort();
    let mut expect: Vec<String> = names.into_iter().map(|(_, n)| n).collect();
    expect.sort();
    assert_eq!(read, expect);
}

/// `IsHidden` sets the hidden characteristic of the item's FID (and only
/// its own), alone and in a bridge.
#[test]
fn hidden_items_carry_the_hidden_characteristic() {
    for fs in [FileSystems::UDF, FileSystems::ISO9660 | FileSystems::UDF] {
        let mut img = FileSystemImage::new();
        img.set_file_systems_to_create(fs).unwrap();
        let root = img.root();
        let secret = img
            .add_file(root, "secret.txt", DataSource::Bytes(b"x"[..].into()))
            .unwrap();
        img.add_file(root, "plain.txt", DataSource::Empty).unwrap();
        let dir = img.add_directory(root, "hidden dir").unwrap();
        img.update_attributes(secret, |a| a.hidden = true).unwrap();
        img.update_attributes(dir, |a| a.hidden = true).unwrap();
        let mut v = UdfVolume::open(Cursor::new(image_bytes(&img))).unwrap();
        let fe = v.entry(v.root()).unwrap();
        let mut seen: Vec<(String, bool)> = v
            .read_dir(&fe)
            .unwrap()
            .into_iter()
            .map(|e| (e.name, e.hidden))
            .collect();
        seen.sort();
        assert_eq!(
            seen,
            [
                ("hidden dir".to_string(), true),
                ("plain.txt".to_string(), false),
                ("secret.txt".to_string(), true),
            ],
            "{fs:?}"
        );
    }
}
