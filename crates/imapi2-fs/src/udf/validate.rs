//! Checking a UDF volume: the anchors, both descriptor sequences (which
//! must describe the same volume), every descriptor tag and CRC met on the
//! way through the tree, extents inside the partition, and the counts of
//! the integrity descriptor or the virtual allocation table.

use std::collections::HashSet;

use crate::codec::SECTOR;
use crate::filesystems::FileSystems;
use crate::read::validation::Checker;
use crate::read::view::{FsData, FsKind, ZERO_RUN};
use crate::udf::ecma167::{Avdp, PartitionMap, VolumeInfo};
use crate::udf::reader::UdfVolume;

/// Anchors, both sequences, the tree (every tag and CRC on the way), counts
/// — of the newest session's volume on a medium of several.
pub(crate) fn check_udf(c: &mut Checker) {
    let start = crate::read::disc::Disc::open(c.m).map_or(0, |d| u64::from(d.udf_session));
    if !has_nsr(c, start) {
        return;
    }
    c.out.file_systems |= FileSystems::UDF;
    let Some(a) = check_anchors(c, start) else {
        return;
    };
    check_sequences(c, &a);
    check_volume(c, start);
}

/// Whether the volume recognition area of the session at `start` names an
/// NSR descriptor.
fn has_nsr(c: &Checker, start: u64) -> bool {
    let mut nsr = false;
    for i in 16..64u64 {
        let Ok(s) =
            c.m.read_sectors(start + i, 1, "volume recognition sequence")
        else {
            break;
        };
        match &s[1..6] {
            b"NSR02" | b"NSR03" => nsr = true,
            b"CD001" | b"BEA01" | b"BOOT2" | b"CDW02" => {}
            _ => break,
        }
    }
    nsr
}

/// The anchors at 256 after the session's `start` and at the end of the
/// volume (the medium's last sector or 256 before it, or — on a disc whose
/// volume ends before the medium does, or is padded to a write unit — the
/// sector after its partition); returns the first one read.
fn check_anchors(c: &mut Checker, start: u64) -> Option<Avdp> {
    let m = c.m;
    let n = m.sectors();
    let first = start + 256;
    let mut anchors = Vec::new();
    let volume_end = UdfVolume::open_session(m.cursor(), start, None)
        .ok()
        .map(|v| u64::from(v.info.partition_start) + u64::from(v.info.partition_length));
    let mut places = vec![first, n.saturating_sub(1), n.saturating_sub(257)];
    places.extend(volume_end);
    places.dedup();
    for at in places {
        if at < first || at >= n || anchors.iter().any(|(b, _)| *b == at) {
            continue;
        }
        let Ok(s) = m.read_sectors(at, 1, "anchor") else {
            continue;
        };
        match Avdp::decode(&s) {
            Ok(a) => anchors.push((at, a)),
            Err(e) if at == first => {
                c.problem("anchor volume descriptor pointer", at, e.to_string())
            }
            Err(_) => {}
        }
    }
    // An open write-once volume (with a VAT) has its anchor at 256 only.
    let open_write_once = anchors.first().is_some_and(|(_, a)| {
        let blocks = u64::from(a.main.length) / SECTOR as u64;
        m.read_sectors(
            u64::from(a.main.location),
            blocks.min(256),
            "volume descriptors",
        )
        .ok()
        .and_then(|seq| VolumeInfo::decode_sequence(&seq, a.main.location).ok())
        .is_some_and(|i| i.maps.contains(&PartitionMap::Virtual))
    });
    if !open_write_once && !anchors.iter().any(|(at, _)| *at != first) {
        c.problem(
            "anchor volume descriptor pointer",
            n.saturating_sub(1),
            "none at the end of the volume (N-1 or N-257, or after its partition)",
        );
    }
    anchors.first().map(|(_, a)| *a)
}

/// Both descriptor sequences, which must describe the same volume.
fn check_sequences(c: &mut Checker, a: &Avdp) {
    let m = c.m;
    let mut infos = Vec::new();
    for (name, ext) in [("main", a.main), ("reserve", a.reserve)] {
        let blocks = u64::from(ext.length) / SECTOR as u64;
        match m.read_sectors(
            u64::from(ext.location),
            blocks.min(256),
            "volume descriptor sequence",
        ) {
            Ok(seq) => match VolumeInfo::decode_sequence(&seq, ext.location) {
                Ok(i) => infos.push(i),
                Err(e) => c.problem(
                    &format!("{name} volume descriptor sequence"),
                    u64::from(ext.location),
                    e.to_string(),
                ),
            },
            Err(e) => c.problem(
                &format!("{name} volume descriptor sequence"),
                u64::from(ext.location),
                e.to_string(),
            ),
        }
    }
    if infos.len() == 2 {
        let key = |i: &VolumeInfo| {
            (
                i.revision,
                i.volume_id.clone(),
                i.partition_start,
                i.partition_length,
                i.fsd,
                i.metadata,
            )
        };
        if key(&infos[0]) != key(&infos[1]) {
            c.problem(
                "reserve volume descriptor sequence",
                u64::from(a.reserve.location),
                "describes another volume than the main sequence (partition, file set or identifier)",
            );
        }
    }
}

/// The volume as the reader opens it: its tree, the counts recorded
/// against the counts found, file data inside the partition.
fn check_volume(c: &mut Checker, start: u64) {
    let mut v = match UdfVolume::open_session(c.m.cursor(), start, None) {
        Ok(v) => v,
        Err(e) => {
            c.problem("UDF volume", start + 256, e.to_string());
            return;
        }
    };
    let tree = match v.read_tree() {
        Ok(t) => t,
        Err(e) => {
            c.problem("UDF tree", 0, e.to_string());
            return;
        }
    };
    c.out.entries_checked += tree.nodes.len() as u64;
    let dirs = tree
        .nodes
        .iter()
        .filter(|n| n.kind == FsKind::Directory)
        .count() as u32;
    let mut files = HashSet::new();
    let mut others = 0u32;
    for n in &tree.nodes {
        match (&n.kind, n.link_key) {
            (FsKind::Directory, _) => {}
            (_, Some(k)) => {
                files.insert(k);
            }
            _ => others += 1,
        }
    }
    let files = files.len() as u32 + others;
    if let Some(vat) = &v.vat_info {
        // The VAT, not the integrity descriptor, counts on write-once media.
        if let Some((f, d)) = vat.counts {
            if d != dirs || f < files {
                c.problem(
                    "virtual allocation table",
                    vat.sector,
                    format!("{f} files and {d} directories recorded, {files} and {dirs} found"),
                );
            }
        }
        return;
    }
    match &v.integrity {
        None => c.problem(
            "logical volume integrity descriptor",
            v.integrity_at,
            "unreadable",
        ),
        Some(i) => {
            // Named streams are files too; hidden system files are counted.
            if i.directories != dirs {
                c.problem(
                    "logical volume integrity descriptor",
                    v.integrity_at,
                    format!("{} directories recorded, {dirs} found", i.directories),
                );
            }
            if i.files < files {
                c.problem(
                    "logical volume integrity descriptor",
                    v.integrity_at,
                    format!("{} files recorded, {files} found", i.files),
                );
            }
        }
    }
    // File data inside the partition (the reader checked it maps; check it is recorded).
    let part_end =
        (u64::from(v.info.partition_start) + u64::from(v.info.partition_length)) * SECTOR as u64;
    for (i, n) in tree.nodes.iter().enumerate() {
        if let FsData::Extents(runs) = &n.data {
            for &(off, len) in runs {
                if off != ZERO_RUN && off + len > part_end {
                    c.problem(
                        "file entry",
                        off / SECTOR as u64,
                        format!("{}: data past the partition", tree.path(i as u32)),
                    );
                }
            }
        }
    }
}
