//! Golden bytes and round trips of the ECMA-167 structures.

use super::common::{le16, le32};
use super::*;
use crate::time::FileTime;

#[test]
fn crc_check_value() {
    // CRC-16/XMODEM check value, and ECMA-167's own example (1/7.2.6.2).
    assert_eq!(crc_itu_t(b"123456789"), 0x31C3);
    assert_eq!(crc_itu_t(&[0x70, 0x6A, 0x77]), 0x3299);
    // Eight bytes a step agrees with one bit at a time, at every length.
    let bitwise = |d: &[u8]| {
        let mut crc = 0u16;
        for &b in d {
            crc ^= u16::from(b) << 8;
            for _ in 0..8 {
                crc = if crc & 0x8000 != 0 {
                    (crc << 1) ^ 0x1021
                } else {
                    crc << 1
                };
            }
        }
        crc
    };
    let data: Vec<u8> = (0..300u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    for n in 0..data.len() {
        assert_eq!(crc_itu_t(&data[..n]), bitwise(&data[..n]), "{n} bytes");
    }
}

#[test]
fn tag_golden_and_verified() {
    let mut d = [0u8; 512];
    d[100] = 0xAB;
    Tag {
        id: tag_id::AVDP,
        version: 3,
        serial: 1,
        location: 256,
    }
    .seal(&mut d);
    assert_eq!(&d[..4], &[2, 0, 3, 0]);
    assert_eq!(&d[6..8], &[1, 0]);
    assert_eq!(le16(&d, 10), 496);
    assert_eq!(le32(&d, 12), 256);
    assert_eq!(le16(&d, 8), crc_itu_t(&d[16..]));
    let sum = d[..16]
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 4)
        .fold(0u8, |a, (_, &b)| a.wrapping_add(b));
    assert_eq!(d[4], sum);
    assert_eq!(Tag::decode(&d).unwrap().location, 256);
    let mut broken = d;
    broken[200] ^= 1;
    assert!(Tag::decode(&broken).is_err(), "CRC");
    broken = d;
    broken[12] ^= 1;
    assert!(Tag::decode(&broken).is_err(), "checksum");
}

#[test]
fn timestamps_and_strings() {
    let t = FileTime::from_unix(1_795_624_205, 123_456_000);
    let ts = timestamp(t);
    assert_eq!(ts, [0x00, 0x10, 0xEA, 0x07, 11, 25, 16, 30, 5, 12, 34, 56]);
    assert_eq!(read_timestamp(&ts), t);
    assert_eq!(cs0_encode("abc", 255), b"\x08abc");
    assert_eq!(cs0_encode("é", 255), [8, 0xE9]);
    assert_eq!(cs0_encode("日本", 255), [16, 0x65, 0xE5, 0x67, 0x2C]);
    assert_eq!(cs0_decode(&cs0_encode("😀 x", 255)).unwrap(), "😀 x");
    let d: [u8; 32] = dstring("LABEL");
    assert_eq!(&d[..6], b"\x08LABEL");
    assert_eq!(d[31], 6);
    assert_eq!(read_dstring(&d).unwrap(), "LABEL");
    assert_eq!(dstring::<32>(""), [0u8; 32]);
    let long: [u8; 32] = dstring(&"x".repeat(50));
    assert_eq!(long[31], 31);
    assert_eq!(cs0_encode(&"日".repeat(200), 255).len(), 255);
}

#[test]
fn permissions_map_both_ways() {
    assert_eq!(udf_permissions(0o755), 0x7CA5);
    for m in [0o755u32, 0o644, 0o700, 0o777, 0o000, 0o421] {
        assert_eq!(posix_mode(udf_permissions(m)), m);
    }
    assert_eq!(icb_mode_flags(0o4755), 0x40);
}

#[test]
fn descriptors_round_trip() {
    let info = VolumeInfo {
        revision: 0x0250,
        volume_id: "VOL".into(),
        volume_set_id: "0123456789ABCDEFVOL".into(),
        time: FileTime::from_unix_seconds(1_700_000_000),
        partition_start: 257,
        partition_length: 1000,
        metadata: Some(MetadataMap {
            file: 2,
            mirror: 900,
            bitmap: 0xFFFF_FFFF,
            allocation_unit: 32,
            alignment_unit: 32,
            duplicated: true,
        }),
        fsd: (1, 0),
        integrity: ExtentAd {
            length: 4096,
            location: 64,
        },
        maps: Vec::new(),
    };
    let mut seq = Vec::new();
    seq.extend_from_slice(&info.pvd(32));
    seq.extend_from_slice(&info.iuvd(33));
    seq.extend_from_slice(&info.pd(34));
    seq.extend_from_slice(&info.lvd(35));
    seq.extend_from_slice(&info.usd(36));
    seq.extend_from_slice(&info.td(37));
    let mut back = VolumeInfo::decode_sequence(&seq, 32).unwrap();
    let mut maps = vec![PartitionMap::Physical];
    maps.extend(info.metadata.map(PartitionMap::Metadata));
    assert_eq!(back.maps, maps);
    back.maps.clear();
    assert_eq!(back, info);
    assert!(
        VolumeInfo::decode_sequence(&seq, 33).is_err(),
        "tag locations are checked"
    );
    let lvid = Integrity {
        time: info.time,
        next_unique_id: 99,
        partitions: vec![(0, 1000), (0, 64)],
        files: 5,
        directories: 2,
        revision: 0x0250,
    };
    assert_eq!(Integrity::decode(&lvid.encode(64)).unwrap(), lvid);
    let fsd = FileSetDescriptor {
        time: info.time,
        volume_id: "VOL".into(),
        file_set_id: "VOL".into(),
        root: LongAd {
            length: 2048,
            block: 2,
            partition: 1,
            unique_id: 0,
        },
        revision: 0x0250,
    };
    assert_eq!(FileSetDescriptor::decode(&fsd.encode(0)).unwrap(), fsd);
    let avdp = Avdp {
        main: ExtentAd {
            length: 32768,
            location: 32,
        },
        reserve: ExtentAd {
            length: 32768,
            location: 48,
        },
    };
    assert_eq!(Avdp::decode(&avdp.encode(3, 256)).unwrap(), avdp);
}

/// Where ECMA-167 (3/10, 4/14) and UDF 2.60 (2.2) put each field, read
/// at the offsets of their tables, independently of our decoders.
#[test]
fn descriptor_fields_at_specified_offsets() {
    let starts_with = |b: &[u8], at: usize, s: &[u8]| &b[at..at + s.len()] == s;
    // Volume recognition (2/9.1): type 0, identifier, version 1.
    let vrs = volume_structure(b"NSR03");
    assert_eq!((vrs[0], &vrs[1..6], vrs[6]), (0, &b"NSR03"[..], 1));
    assert!(vrs[7..].iter().all(|&b| b == 0));

    let mut info = VolumeInfo {
        revision: 0x0250,
        volume_id: "LABEL".into(),
        volume_set_id: "0123456789ABCDEFLABEL".into(),
        time: FileTime::from_unix_seconds(1_700_000_000),
        partition_start: 257,
        partition_length: 1000,
        metadata: Some(MetadataMap {
            file: 40,
            mirror: 41,
            bitmap: 0xFFFF_FFFF,
            allocation_unit: 32,
            alignment_unit: 32,
            duplicated: true,
        }),
        fsd: (1, 0),
        integrity: ExtentAd {
            length: 4096,
            location: 64,
        },
        maps: Vec::new(),
    };
    // Primary volume descriptor (3/10.1).
    let pvd = info.pvd(32);
    assert_eq!((le16(&pvd, 0), le16(&pvd, 2), le32(&pvd, 12)), (1, 3, 32));
    assert_eq!(&pvd[24..30], b"\x08LABEL");
    assert_eq!(pvd[24 + 31], 6, "dstring length byte");
    assert_eq!((le16(&pvd, 56), le16(&pvd, 58)), (1, 1), "volume sequence");
    assert_eq!(
        (le16(&pvd, 60), le16(&pvd, 62)),
        (2, 3),
        "interchange level"
    );
    assert_eq!(
        (le32(&pvd, 64), le32(&pvd, 68)),
        (1, 1),
        "character set list"
    );
    assert!(starts_with(&pvd, 72, b"\x080123456789ABCDEF"));
    assert_eq!(pvd[200], 0);
    assert!(starts_with(&pvd, 201, b"OSTA Compressed Unicode"));
    assert_eq!(pvd[376..388], timestamp(info.time));
    assert!(starts_with(&pvd, 389, IMPLEMENTATION_ID.as_bytes()));
    // Implementation use volume descriptor (3/10.4, UDF 2.2.7).
    let iuvd = info.iuvd(33);
    assert_eq!((le16(&iuvd, 0), le32(&iuvd, 12)), (4, 33));
    assert!(starts_with(&iuvd, 21, b"*UDF LV Info"));
    assert!(starts_with(&iuvd, 53, b"OSTA Compressed Unicode"));
    assert!(starts_with(&iuvd, 116, b"\x08LABEL"));
    assert!(starts_with(&iuvd, 353, IMPLEMENTATION_ID.as_bytes()));
    // Partition descriptor (3/10.5).
    let pd = info.pd(34);
    assert_eq!(le16(&pd, 0), 5);
    assert_eq!(le16(&pd, 22), 0, "partition number");
    assert!(starts_with(&pd, 25, b"+NSR03"));
    assert_eq!(le32(&pd, 184), 1, "access type: read-only");
    assert_eq!((le32(&pd, 188), le32(&pd, 192)), (257, 1000));
    // Logical volume descriptor (3/10.6) with a type 1 map and the
    // metadata partition map (UDF 2.2.10).
    let lvd = info.lvd(35);
    assert_eq!(le16(&lvd, 0), 6);
    assert!(starts_with(&lvd, 85, b"LABEL") && lvd[84] == 8);
    assert_eq!(le32(&lvd, 212), 2048, "logical block size");
    assert!(starts_with(&lvd, 217, DOMAIN_ID.as_bytes()));
    assert_eq!(le16(&lvd, 216 + 24), 0x0250, "domain suffix: revision");
    assert_eq!(le32(&lvd, 248), 2048, "file set descriptor extent length");
    assert_eq!(
        (le32(&lvd, 252), le16(&lvd, 256)),
        (0, 1),
        "FSD block, partition"
    );
    assert_eq!((le32(&lvd, 264), le32(&lvd, 268)), (6 + 64, 2), "map table");
    assert_eq!(
        (le32(&lvd, 432), le32(&lvd, 436)),
        (4096, 64),
        "integrity extent"
    );
    assert_eq!(&lvd[440..446], &[1, 6, 1, 0, 0, 0], "type 1 map");
    let m = 446;
    assert_eq!((lvd[m], lvd[m + 1]), (2, 64));
    assert!(starts_with(&lvd, m + 5, b"*UDF Metadata Partition"));
    assert_eq!((le16(&lvd, m + 36), le16(&lvd, m + 38)), (1, 0));
    assert_eq!(
        (le32(&lvd, m + 40), le32(&lvd, m + 44), le32(&lvd, m + 48)),
        (40, 41, 0xFFFF_FFFF)
    );
    assert_eq!((le32(&lvd, m + 52), le16(&lvd, m + 56)), (32, 32));
    assert_eq!(lvd[m + 58], 1, "duplicate metadata flag");
    // Unallocated space (3/10.8) and terminating (3/10.9) descriptors.
    let usd = info.usd(36);
    assert_eq!((le16(&usd, 0), le32(&usd, 20)), (7, 0));
    assert_eq!(le16(&info.td(37), 0), 8);
    // Before 2.00: descriptor version 2, "+NSR02", one partition map.
    info.revision = 0x0102;
    info.metadata = None;
    info.fsd = (0, 0);
    assert_eq!(le16(&info.pvd(32), 2), 2);
    assert!(starts_with(&info.pd(34), 25, b"+NSR02"));
    let lvd = info.lvd(35);
    assert_eq!((le32(&lvd, 264), le32(&lvd, 268)), (6, 1));
    assert_eq!(le16(&lvd, 216 + 24), 0x0102);

    // Anchor (3/10.2).
    let avdp = Avdp {
        main: ExtentAd {
            length: 32768,
            location: 32,
        },
        reserve: ExtentAd {
            length: 32768,
            location: 48,
        },
    }
    .encode(3, 256);
    assert_eq!((le16(&avdp, 0), le32(&avdp, 12)), (2, 256));
    assert_eq!(
        (
            le32(&avdp, 16),
            le32(&avdp, 20),
            le32(&avdp, 24),
            le32(&avdp, 28)
        ),
        (32768, 32, 32768, 48)
    );

    // Integrity descriptor (3/10.10, UDF 2.2.6): closed, two partitions.
    let lvid = Integrity {
        time: FileTime::from_unix_seconds(1_700_000_000),
        next_unique_id: 99,
        partitions: vec![(0, 1000), (5, 64)],
        files: 7,
        directories: 3,
        revision: 0x0260,
    }
    .encode(64);
    assert_eq!(le16(&lvid, 0), 9);
    assert_eq!(le32(&lvid, 28), 1, "integrity type: close");
    assert_eq!(le64(&lvid, 40), 99, "next unique id");
    assert_eq!((le32(&lvid, 72), le32(&lvid, 76)), (2, 46));
    assert_eq!(
        (
            le32(&lvid, 80),
            le32(&lvid, 84),
            le32(&lvid, 88),
            le32(&lvid, 92)
        ),
        (0, 5, 1000, 64),
        "free space table, then size table"
    );
    assert!(starts_with(&lvid, 97, IMPLEMENTATION_ID.as_bytes()));
    assert_eq!(
        (le32(&lvid, 128), le32(&lvid, 132)),
        (7, 3),
        "files, directories"
    );
    assert_eq!(
        (le16(&lvid, 136), le16(&lvid, 138), le16(&lvid, 140)),
        (0x0250, 0x0260, 0x0260),
        "minimum read, minimum write, maximum write revisions"
    );

    // File set descriptor (4/14.1).
    let fsd = FileSetDescriptor {
        time: FileTime::from_unix_seconds(1_700_000_000),
        volume_id: "LABEL".into(),
        file_set_id: "SET".into(),
        root: LongAd {
            length: 2048,
            block: 2,
            partition: 1,
            unique_id: 0,
        },
        revision: 0x0250,
    }
    .encode(0);
    assert_eq!((le16(&fsd, 0), le32(&fsd, 12)), (256, 0));
    assert_eq!(
        (le16(&fsd, 28), le16(&fsd, 30)),
        (3, 3),
        "interchange level"
    );
    assert_eq!(
        (le32(&fsd, 32), le32(&fsd, 36)),
        (1, 1),
        "character set list"
    );
    assert!(starts_with(&fsd, 112, b"\x08LABEL"));
    assert!(starts_with(&fsd, 304, b"\x08SET"));
    assert_eq!(
        (le32(&fsd, 400), le32(&fsd, 404), le16(&fsd, 408)),
        (2048, 2, 1),
        "root directory ICB"
    );
    assert!(starts_with(&fsd, 417, DOMAIN_ID.as_bytes()));

    // File entry (4/14.9) and extended file entry (4/14.17).
    let fe = |extended| FileEntry {
        extended,
        file_type: file_type::FILE,
        icb_flags: 0,
        uid: 1000,
        gid: 100,
        permissions: udf_permissions(0o644),
        link_count: 2,
        length: 5000,
        blocks_recorded: 3,
        accessed: FileTime::from_unix_seconds(1),
        modified: FileTime::from_unix_seconds(2),
        created: FileTime::from_unix_seconds(3),
        attributes_changed: FileTime::from_unix_seconds(4),
        unique_id: 17,
        stream_dir: extended.then_some(LongAd {
            length: 2048,
            block: 9,
            partition: 1,
            unique_id: 0,
        }),
        extended_attributes: Vec::new(),
        allocation: Allocation::Long(vec![LongAd {
            length: 5000,
            block: 77,
            partition: 0,
            unique_id: 0,
        }]),
    };
    let b = fe(false).encode(2, 10);
    assert_eq!((le16(&b, 0), le16(&b, 2), le32(&b, 12)), (261, 2, 10));
    assert_eq!((le16(&b, 20), le16(&b, 24), b[27]), (4, 1, 5), "ICB tag");
    assert_eq!(le16(&b, 34) & 7, 1, "long allocation descriptors");
    assert_eq!((le32(&b, 36), le32(&b, 40)), (1000, 100));
    assert_eq!(le32(&b, 44), udf_permissions(0o644));
    assert_eq!(le16(&b, 48), 2, "link count");
    assert_eq!((le64(&b, 56), le64(&b, 64)), (5000, 3));
    assert_eq!(
        b[84..96],
        timestamp(FileTime::from_unix_seconds(2)),
        "modified"
    );
    assert!(starts_with(&b, 129, IMPLEMENTATION_ID.as_bytes()));
    assert_eq!(le64(&b, 160), 17, "unique id");
    assert_eq!((le32(&b, 168), le32(&b, 172)), (0, 16), "L_EA, L_AD");
    assert_eq!((le32(&b, 176), le32(&b, 180)), (5000, 77), "the long_ad");
    let b = fe(true).encode(3, 10);
    assert_eq!((le16(&b, 0), le16(&b, 2)), (266, 3));
    assert_eq!((le64(&b, 56), le64(&b, 64), le64(&b, 72)), (5000, 5000, 3));
    assert_eq!(
        b[104..116],
        timestamp(FileTime::from_unix_seconds(3)),
        "created"
    );
    assert_eq!(
        (le32(&b, 152), le32(&b, 156), le16(&b, 160)),
        (2048, 9, 1),
        "stream directory ICB"
    );
    assert_eq!(le64(&b, 200), 17, "unique id");
    assert_eq!((le32(&b, 208), le32(&b, 212)), (0, 16), "L_EA, L_AD");
    assert_eq!(le32(&b, 220), 77);

    // File identifier descriptor (4/14.4, UDF 2.3.4).
    let mut v = Vec::new();
    Fid {
        characteristics: fid_flags::DIRECTORY,
        icb: LongAd {
            length: 2048,
            block: 5,
            partition: 1,
            unique_id: 16,
        },
        name: cs0_encode("dir", 255),
    }
    .encode_into(&mut v, 3, 4);
    assert_eq!((le16(&v, 0), le32(&v, 12)), (257, 4));
    assert_eq!(
        (le16(&v, 16), v[18], v[19]),
        (1, 2, 4),
        "version, flags, L_FI"
    );
    assert_eq!((le32(&v, 20), le32(&v, 24), le16(&v, 28)), (2048, 5, 1));
    assert_eq!(
        le32(&v, 32),
        16,
        "UDF unique id in the ICB's implementation use"
    );
    assert_eq!(le16(&v, 36), 0, "L_IU");
    assert_eq!(&v[38..42], b"\x08dir");
    assert_eq!(v.len() % 4, 0);

    // Allocation extent descriptor (4/14.5).
    let aed = allocation_extent(3, 20, 10, &[1, 2, 3, 4, 5, 6, 7, 8]);
    assert_eq!((le16(&aed, 0), le32(&aed, 12)), (258, 20));
    assert_eq!((le32(&aed, 16), le32(&aed, 20)), (10, 8));
    assert_eq!(&aed[24..32], &[1, 2, 3, 4, 5, 6, 7, 8]);
}

#[test]
fn file_entries_and_fids_round_trip() {
    for extended in [false, true] {
        let fe = FileEntry {
            extended,
            file_type: file_type::FILE,
            icb_flags: 0x40,
            uid: 1000,
            gid: 100,
            permissions: udf_permissions(0o4755),
            link_count: 2,
            length: 5000,
            blocks_recorded: 3,
            accessed: FileTime::from_unix_seconds(1),
            modified: FileTime::from_unix_seconds(2),
            created: FileTime::from_unix_seconds(if extended { 3 } else { 2 }),
            attributes_changed: FileTime::from_unix_seconds(4),
            unique_id: 17,
            stream_dir: None,
            extended_attributes: Vec::new(),
            allocation: Allocation::Short(vec![(5000, 77)]),
        };
        let b = fe.encode(3, 10);
        assert_eq!(FileEntry::decode(&b).unwrap(), fe);
    }
    let embedded = FileEntry {
        extended: true,
        file_type: file_type::FILE,
        icb_flags: 0,
        uid: 0,
        gid: 0,
        permissions: 0,
        link_count: 1,
        length: 5,
        blocks_recorded: 0,
        accessed: FileTime::UNIX_EPOCH,
        modified: FileTime::UNIX_EPOCH,
        created: FileTime::UNIX_EPOCH,
        attributes_changed: FileTime::UNIX_EPOCH,
        unique_id: 16,
        stream_dir: Some(LongAd {
            length: 2048,
            block: 9,
            partition: 0,
            unique_id: 0,
        }),
        extended_attributes: Vec::new(),
        allocation: Allocation::Embedded(b"hello".to_vec()),
    };
    assert_eq!(
        FileEntry::decode(&embedded.encode(3, 11)).unwrap(),
        embedded
    );
    let fid = Fid {
        characteristics: fid_flags::DIRECTORY,
        icb: LongAd {
            length: 2048,
            block: 5,
            partition: 0,
            unique_id: 16,
        },
        name: cs0_encode("dir", 255),
    };
    let mut v = Vec::new();
    fid.encode_into(&mut v, 3, 4);
    assert_eq!(v.len(), 44);
    assert_eq!(Fid::decode(&v).unwrap(), (fid, 44));
    for cut in 0..v.len() {
        let _ = Fid::decode(&v[..cut]);
    }
}

#[test]
fn symlink_paths_round_trip() {
    for t in ["/usr/lib", "../a/./b", "plain", "日本/x"] {
        assert_eq!(read_symlink_components(&symlink_components(t)).unwrap(), t);
    }
    assert_eq!(symlink_components("/a"), [2, 0, 0, 0, 5, 2, 0, 0, 8, b'a']);
}

#[test]
fn sequence_at_the_last_sector_number_is_refused_not_overflowed() {
    // Fuzzing regression: descriptor locations were added in u32, so a
    // sequence said to start at sector 0xFFFFFFFF overflowed at its
    // second descriptor (a panic in debug builds).
    let info = VolumeInfo {
        revision: 0x0102,
        volume_id: "V".into(),
        volume_set_id: "0123456789ABCDEFV".into(),
        time: FileTime::from_unix_seconds(0),
        partition_start: 0,
        partition_length: 0,
        metadata: None,
        fsd: (0, 0),
        integrity: ExtentAd::default(),
        maps: Vec::new(),
    };
    let mut seq = info.pvd(u32::MAX).to_vec();
    seq.extend_from_slice(&info.pd(0));
    let e = VolumeInfo::decode_sequence(&seq, u32::MAX).unwrap_err();
    assert!(e.reason.contains("4294967296 claims 0"), "{e}");
}
