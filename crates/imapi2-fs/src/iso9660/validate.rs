//! Checking the ECMA-119 volumes of an image as `isovfy` does: the
//! descriptor set of each session and, for the newest, both trees: path
//! tables against directories, "." and ".." records, names and their
//! order, extents inside the volume, depth, multi-extent chains and Rock
//! Ridge entries with their continuation areas.

use std::collections::{HashMap, HashSet, VecDeque};

use crate::codec::SECTOR;
use crate::eltorito::validate::check_catalog;
use crate::filesystems::FileSystems;
use crate::iso9660::ecma119::{flags, vd_type, DirectoryRecord, PathTableRecord, VolumeDescriptor};
use crate::iso9660::reader::joliet_name;
use crate::iso9660::rockridge::SuspEntry;
use crate::read::validation::Checker;

/// The descriptors of a session and, for the newest, its trees.
pub(crate) fn check_iso_session(c: &mut Checker, start: u32, trees: bool) {
    let first = u64::from(start) + 16;
    let mut primary = None;
    let mut joliet = None;
    let mut catalog = None;
    let mut terminated = false;
    let mut enhanced = false;
    for i in 0..64 {
        let at = first + i;
        let Ok(s) = c.m.read_sectors(at, 1, "volume descriptor") else {
            c.problem(
                "volume descriptor set",
                at,
                "runs past the end of the image",
            );
            break;
        };
        if &s[1..6] != b"CD001" {
            break;
        }
        // ISO 9660:1999 (ECMA-119 4th edition §8.5): a supplementary
        // descriptor of version 2 is the enhanced volume descriptor.
        let enhanced_vd = s[0] == vd_type::SUPPLEMENTARY && s[6] == 2;
        if s[6] != 1 && !enhanced_vd {
            c.problem(
                "volume descriptor",
                at,
                format!("version {} is not 1", s[6]),
            );
        }
        if enhanced_vd {
            enhanced = true;
            c.warning(
                "enhanced volume descriptor",
                at,
                "ISO 9660:1999 (version 2): its tree follows the 1999 rules (names of up to \
                 207 bytes of any character, no version, deeper directories), which ECMA-119's \
                 edition the others follow does not know; every reader takes them",
            );
            continue;
        }
        match s[0] {
            vd_type::TERMINATOR => {
                terminated = true;
                break;
            }
            vd_type::PRIMARY => match VolumeDescriptor::decode(&s) {
                Ok(d) if primary.is_none() => primary = Some((at, d)),
                Ok(_) => c.problem("primary volume descriptor", at, "a second one in the set"),
                Err(e) => c.problem("primary volume descriptor", at, e.to_string()),
            },
            vd_type::SUPPLEMENTARY => match VolumeDescriptor::decode(&s) {
                Ok(d) if d.is_joliet() => joliet = Some((at, d)),
                Ok(d) if &d.escape_sequences[..2] == b"%/" => c.problem(
                    "Joliet volume descriptor",
                    at,
                    format!(
                        "escape sequence %/{} names no UCS-2 level",
                        d.escape_sequences[2] as char
                    ),
                ),
                Ok(_) => {}
                Err(e) => c.problem("supplementary volume descriptor", at, e.to_string()),
            },
            vd_type::BOOT_RECORD if &s[7..30] == b"EL TORITO SPECIFICATION" => {
                catalog = Some((at, u32::from_le_bytes(s[71..75].try_into().expect("4"))));
            }
            _ => {}
        }
    }
    if !terminated {
        c.problem("volume descriptor set", first, "no set terminator");
    }
    let Some((pvd_at, pvd)) = primary else {
        c.problem(
            "volume descriptor set",
            first,
            "no primary volume descriptor",
        );
        return;
    };
    c.out.file_systems |= FileSystems::ISO9660;
    if pvd.logical_block_size != SECTOR as u16 {
        c.problem(
            "primary volume descriptor",
            pvd_at,
            format!("logical block size {}", pvd.logical_block_size),
        );
        return;
    }
    let volume = u64::from(pvd.volume_space_size);
    if volume > c.m.sectors() {
        c.problem(
            "primary volume descriptor",
            pvd_at,
            format!(
                "the volume space is {volume} blocks, the image only {} (truncated?)",
                c.m.sectors()
            ),
        );
    }
    if let Some((at, j)) = &joliet {
        c.out.file_systems |= FileSystems::JOLIET;
        if j.volume_space_size != pvd.volume_space_size {
            c.problem(
                "Joliet volume descriptor",
                *at,
                format!(
                    "volume space size {} differs from the primary's {}",
                    j.volume_space_size, pvd.volume_space_size
                ),
            );
        }
    }
    if !trees {
        return;
    }
    // The volume space counts from block 0; xorriso's sessions of
    // overwritable media count it from their own start: then it ends
    // before the session does, or before the root directory it holds.
    let root_extent = DirectoryRecord::decode(&root_record_34(&pvd))
        .map(|r| u64::from(r.extent))
        .unwrap_or(0);
    let end = if volume <= u64::from(start) || (start > 0 && root_extent >= volume) {
        u64::from(start) + volume
    } else {
        volume
    };
    let limit = end.min(c.m.sectors());
    let rr = check_tree(c, &pvd, pvd_at, limit, Names::Iso, enhanced);
    if rr {
        c.out.file_systems |= FileSystems::ROCK_RIDGE;
    }
    if let Some((at, j)) = &joliet {
        check_tree(c, j, *at, limit, Names::Joliet, false);
    }
    if let Some((at, cat)) = catalog {
        check_catalog(c, at, cat, limit);
    }
}

/// The root directory record of a volume descriptor as readers take it: a
/// length field over 34 reads as 34, the bytes the field has.
fn root_record_34(vd: &VolumeDescriptor) -> [u8; 34] {
    let mut r = vd.root_record;
    if usize::from(r[0]) > r.len() {
        r[0] = r.len() as u8;
    }
    r
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Names {
    Iso,
    Joliet,
}

/// One directory to read.
struct Dir {
    extent: u32,
    length: u32,
    parent_extent: u32,
    depth: u32,
    path: String,
}

/// A tree being walked.
struct Walk {
    names: Names,
    /// The ISO 9660 tree follows the 1999 rules (an enhanced volume
    /// descriptor names it).
    iso1999: bool,
    /// The structure directories are reported as.
    what: &'static str,
    /// The end of the volume (blocks).
    limit: u64,
    /// Bytes SUSP skips in each system use area, once the root's SP says so
    /// (the tree carries Rock Ridge).
    rr_skip: Option<u8>,
    queue: VecDeque<Dir>,
    /// Directory extents met, to find loops.
    seen: HashSet<u32>,
    /// (extent, parent extent, depth, identifier) of every directory, for
    /// the path table check.
    dirs: Vec<(u32, u32, u32, Vec<u8>)>,
}

/// Where the records of one directory stand.
#[derive(Default)]
struct Records {
    /// Records read ("." is 0, ".." 1).
    index: usize,
    /// The identifier of the entry before, for the order.
    previous: Option<Vec<u8>>,
    /// The identifier of a file of several extents whose last record is
    /// still to come.
    chain: Option<Vec<u8>>,
}

/// Walks one tree; returns whether it carries Rock Ridge.
fn check_tree(
    c: &mut Checker,
    vd: &VolumeDescriptor,
    vd_at: u64,
    limit: u64,
    names: Names,
    iso1999: bool,
) -> bool {
    let root_record = root_record_34(vd);
    if vd.root_record[0] != root_record[0] {
        c.warning(
            "root directory record",
            vd_at,
            format!(
                "its length field says {} bytes, but the volume descriptor holds the 34 bytes \
                 ECMA-119 §8.4.18 gives it (NetBSD makefs writes 68); readers read those 34",
                vd.root_record[0]
            ),
        );
    }
    let root = match DirectoryRecord::decode(&root_record) {
        Ok(r) => r,
        Err(e) => {
            c.problem("root directory record", vd_at, e.to_string());
            return false;
        }
    };
    let mut w = Walk {
        names,
        iso1999,
        what: if names == Names::Joliet {
            "Joliet directory"
        } else {
            "directory"
        },
        limit,
        rr_skip: None,
        queue: VecDeque::new(),
        seen: HashSet::new(),
        dirs: Vec::new(),
    };
    w.queue.push_back(Dir {
        extent: root.extent,
        length: root.data_length,
        parent_extent: root.extent,
        depth: 1,
        path: String::new(),
    });
    w.seen.insert(root.extent);
    w.dirs.push((root.extent, root.extent, 1, vec![0]));
    while let Some(d) = w.queue.pop_front() {
        check_directory(c, &mut w, d);
    }
    check_path_tables(c, vd, vd_at, &w.dirs, names);
    w.rr_skip.is_some()
}

/// The records of one directory, sector by sector.
fn check_directory(c: &mut Checker, w: &mut Walk, d: Dir) {
    let what = w.what;
    c.out.entries_checked += 1;
    if u64::from(d.extent) + u64::from(d.length).div_ceil(SECTOR as u64) > w.limit {
        c.problem(
            what,
            u64::from(d.extent),
            format!(
                "{}/: {} bytes at block {} run past the volume",
                d.path, d.length, d.extent
            ),
        );
        return;
    }
    if d.length % SECTOR as u32 != 0 {
        c.problem(
            what,
            u64::from(d.extent),
            format!("{}/: length {} is not a multiple of 2048", d.path, d.length),
        );
    }
    let Ok(data) = c.m.read_sectors(
        u64::from(d.extent),
        u64::from(d.length).div_ceil(SECTOR as u64),
        "directory",
    ) else {
        return;
    };
    let mut r = Records::default();
    for (si, sector) in data.chunks(SECTOR).enumerate() {
        let block = u64::from(d.extent) + si as u64;
        let mut pos = 0;
        while pos < SECTOR && sector[pos] != 0 {
            let rec = match DirectoryRecord::decode(&sector[pos..]) {
                Ok(rec) => rec,
                Err(e) => {
                    c.problem(what, block, format!("{}/: {e}", d.path));
                    break;
                }
            };
            pos += usize::from(sector[pos]);
            r.index += 1;
            match r.index {
                1 => check_dot(c, w, &d, &rec, block),
                2 => check_dot_dot(c, w, &d, &rec, block),
                _ => check_entry(c, w, &d, &rec, block, &mut r),
            }
        }
    }
    if r.index < 2 {
        c.problem(
            what,
            u64::from(d.extent),
            format!("{}/: no \".\" and \"..\" records", d.path),
        );
    }
    if let Some(ch) = r.chain {
        c.problem(
            what,
            u64::from(d.extent),
            format!(
                "{}: a file of several extents ends without its last record",
                name_for_raw(&ch, w.names)
            ),
        );
    }
}

/// The first record: ".", pointing at the directory itself; in the root of
/// the primary tree, SUSP's SP says whether Rock Ridge follows.
fn check_dot(c: &mut Checker, w: &mut Walk, d: &Dir, rec: &DirectoryRecord, block: u64) {
    if rec.identifier != [0] {
        c.problem(
            w.what,
            block,
            format!("{}/: the first record is not \".\"", d.path),
        );
    } else if rec.extent != d.extent {
        c.problem(
            w.what,
            block,
            format!(
                "{}/: \".\" points at block {}, not {}",
                d.path, rec.extent, d.extent
            ),
        );
    }
    if w.names == Names::Iso && d.depth == 1 {
        w.rr_skip = check_sp(c, rec.system_use, block);
    }
}

/// The second record: "..", pointing at the parent.
fn check_dot_dot(c: &mut Checker, w: &Walk, d: &Dir, rec: &DirectoryRecord, block: u64) {
    if rec.identifier != [1] {
        c.problem(
            w.what,
            block,
            format!("{}/: the second record is not \"..\"", d.path),
        );
    } else if rec.extent != d.parent_extent {
        let msg = format!(
            "{}/: \"..\" points at block {}, not its parent's {}",
            d.path, rec.extent, d.parent_extent
        );
        // Joliet readers (Windows, Linux, libarchive) go up by the path
        // they came down, never by "..": some writers (libisofs) leave it
        // pointing at the directory itself there.
        if w.names == Names::Joliet {
            c.warning_once("Joliet \"..\" records", w.what, block, || {
                format!("{msg}; Joliet readers do not follow \"..\"")
            });
        } else {
            c.problem(w.what, block, msg);
        }
    }
}

/// An entry: its name, its order, its extent chain, its Rock Ridge
/// entries; a directory is queued.
fn check_entry(
    c: &mut Checker,
    w: &mut Walk,
    d: &Dir,
    rec: &DirectoryRecord,
    block: u64,
    r: &mut Records,
) {
    let (what, names) = (w.what, w.names);
    c.out.entries_checked += 1;
    let id = rec.identifier;
    let name = name_for_raw(id, names);
    let path = format!("{}/{}", d.path, name);
    // A Rock Ridge CL placeholder stands for a directory: its
    // name needs no version (genisoimage writes none).
    let placeholder = names == Names::Iso
        && w.rr_skip.is_some()
        && rec.system_use.windows(4).any(|w| w == b"CL\x0c\x01");
    if w.iso1999 {
        check_name_1999(c, id, block, &path);
    } else {
        check_name(
            c,
            id,
            rec.flags & flags::DIRECTORY != 0,
            placeholder,
            names,
            block,
            &path,
        );
    }
    // Order (ECMA-119 9.3); the records of one file of several extents repeat the name.
    if let Some(p) = &r.previous {
        if sort_key(p, names) > sort_key(id, names) {
            c.problem(
                what,
                block,
                format!("{path}: out of order (after {})", name_for_raw(p, names)),
            );
        }
    }
    if let Some(ch) = r.chain.take() {
        if ch != id {
            c.problem(
                what,
                block,
                format!(
                    "{}: a file of several extents ends without its last record",
                    name_for_raw(&ch, names)
                ),
            );
        }
    }
    if rec.flags & flags::MULTI_EXTENT != 0 {
        r.chain = Some(id.to_vec());
    }
    r.previous = Some(id.to_vec());
    let blocks = u64::from(rec.data_length).div_ceil(SECTOR as u64);
    if rec.data_length > 0 && u64::from(rec.extent) + blocks > w.limit {
        c.problem(
            what,
            block,
            format!(
                "{path}: {} bytes at block {} run past the volume",
                rec.data_length, rec.extent
            ),
        );
        return;
    }
    if let Some(skip) = w.rr_skip.filter(|_| names == Names::Iso) {
        if !check_entry_susp(c, w.limit, rec, skip, block, &path) {
            return;
        }
    }
    if rec.flags & flags::DIRECTORY != 0 {
        // ECMA-119 6.8.2.1 allows eight levels; xorriso writes deeper ISO
        // 9660 trees beside Rock Ridge, 1999 trees may go deeper, and every
        // reader takes them (Joliet trees go deeper anyway).
        if d.depth + 1 > 8 && names == Names::Iso {
            let level = d.depth + 1;
            let p = path.clone();
            c.warning_once("deep ISO 9660 directories", what, block, || {
                format!(
                    "{p}: directory at level {level}: ECMA-119 allows 8 levels; the Linux \
                     kernel, Windows, libarchive, xorriso and 7-Zip read deeper trees"
                )
            });
        }
        if !w.seen.insert(rec.extent) {
            c.problem(
                what,
                block,
                format!(
                    "{path}: its extent {} is another directory's (a loop?)",
                    rec.extent
                ),
            );
            return;
        }
        w.dirs
            .push((rec.extent, d.extent, d.depth + 1, id.to_vec()));
        w.queue.push_back(Dir {
            extent: rec.extent,
            length: rec.data_length,
            parent_extent: d.extent,
            depth: d.depth + 1,
            path,
        });
    }
}

/// The system use area of an entry of a Rock Ridge tree: no bytes past its
/// entries, readable entries, a `CL` inside the volume. Returns whether the
/// entries could be read.
fn check_entry_susp(
    c: &mut Checker,
    limit: u64,
    rec: &DirectoryRecord,
    skip: u8,
    block: u64,
    path: &str,
) -> bool {
    let su = rec.system_use.get(usize::from(skip)..).unwrap_or(&[]);
    let unused = su.len() - susp_bytes(su);
    if unused > 1 {
        c.problem(
            "directory record",
            block,
            format!("{path}: the record is {unused} bytes longer than its system use entries"),
        );
    }
    let Some(entries) = check_susp(c, su, block, path) else {
        return false;
    };
    if let Some(cl) = entries.iter().find_map(|e| match e {
        SuspEntry::Cl { child } => Some(*child),
        _ => None,
    }) {
        if u64::from(cl) >= limit {
            c.problem(
                "Rock Ridge CL",
                block,
                format!("{path}: points past the volume"),
            );
        }
    }
    true
}

fn name_for_raw(id: &[u8], names: Names) -> String {
    match names {
        Names::Joliet => joliet_name(id),
        Names::Iso => String::from_utf8_lossy(id).into_owned(),
    }
}

/// ECMA-119 9.3: names compare as name, then extension, padded with
/// spaces, then versions in descending order. Joliet compares whole names
/// in UCS-2 unit order (what xorriso and genisoimage write; a dot is an
/// ordinary character there).
fn sort_key(id: &[u8], names: Names) -> (Vec<u16>, Vec<u16>, std::cmp::Reverse<u32>) {
    let units: Vec<u16> = match names {
        Names::Joliet => id
            .chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect(),
        Names::Iso => id.iter().map(|&b| u16::from(b)).collect(),
    };
    let (body, version) = match units.iter().rposition(|&u| u == u16::from(b';')) {
        Some(i) => (
            &units[..i],
            String::from_utf16_lossy(&units[i + 1..])
                .parse()
                .unwrap_or(0),
        ),
        None => (&units[..], 0),
    };
    let (name, ext) = match body.iter().rposition(|&u| u == u16::from(b'.')) {
        Some(i) if names == Names::Iso => (body[..i].to_vec(), body[i + 1..].to_vec()),
        _ => (body.to_vec(), Vec::new()),
    };
    let pad = |mut v: Vec<u16>| {
        v.resize(v.len().max(64), 0x20);
        v
    };
    (pad(name), pad(ext), std::cmp::Reverse(version))
}

/// d-characters and lengths of ISO 9660 names; Joliet's forbidden
/// characters and 64-character limit.
fn check_name(
    c: &mut Checker,
    id: &[u8],
    is_dir: bool,
    version_optional: bool,
    names: Names,
    block: u64,
    path: &str,
) {
    match names {
        Names::Iso => {
            let ok = |b: u8| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_';
            let body = if is_dir {
                id
            } else {
                match id.iter().rposition(|&b| b == b';') {
                    Some(i) => &id[..i],
                    None if version_optional => id,
                    None => {
                        c.problem(
                            "directory record",
                            block,
                            format!("{path}: file identifier without ;version"),
                        );
                        id
                    }
                }
            };
            let dot_ok = |b: u8| b == b'.' && !is_dir;
            let bad = body.iter().any(|&b| !ok(b) && !dot_ok(b) && b != b'.');
            if is_dir && body.contains(&b'.') && !bad {
                // genisoimage keeps dots in directory names (ECMA-119 7.6.2
                // has none); every reader takes them.
                c.warning_once("dots in directory names", "directory record", block, || {
                    format!("{path}: a dot in a directory identifier (not a d-character); readers take it")
                });
            }
            if bad {
                c.problem(
                    "directory record",
                    block,
                    format!("{path}: not d-characters"),
                );
            }
            if body.iter().filter(|&&b| b == b'.').count() > 1 {
                c.problem(
                    "directory record",
                    block,
                    format!("{path}: more than one dot"),
                );
            }
            if id.len() > 31 + 2 {
                c.problem(
                    "directory record",
                    block,
                    format!("{path}: identifier of {} bytes", id.len()),
                );
            }
        }
        Names::Joliet => {
            if id.len() % 2 != 0 {
                c.problem(
                    "Joliet directory record",
                    block,
                    format!("{path}: odd identifier length {}", id.len()),
                );
                return;
            }
            let units: Vec<u16> = id
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            let body = match units.iter().rposition(|&u| u == u16::from(b';')) {
                Some(i) if !is_dir => &units[..i],
                _ => &units[..],
            };
            if body.len() > 64 {
                let n = body.len();
                c.warning_once(
                    "long Joliet names",
                    "Joliet directory record",
                    block,
                    || {
                        format!(
                            "{path}: {n} characters: Joliet allows 64 (genisoimage -joliet-long \
                         writes up to 103); Windows and Linux read them"
                        )
                    },
                );
            }
            if body.iter().any(|&u| {
                u < 0x20
                    || [b'*', b'/', b':', b';', b'?', b'\\']
                        .iter()
                        .any(|&x| u == u16::from(x))
            }) {
                c.problem(
                    "Joliet directory record",
                    block,
                    format!("{path}: a character Joliet forbids"),
                );
            }
        }
    }
}

/// ISO 9660:1999 names (ECMA-119 4th edition §7.5): up to 207 bytes, no
/// version needed, any character but the separators `/` and NUL.
fn check_name_1999(c: &mut Checker, id: &[u8], block: u64, path: &str) {
    if id.len() > 207 {
        c.problem(
            "directory record",
            block,
            format!(
                "{path}: identifier of {} bytes (ISO 9660:1999 allows 207)",
                id.len()
            ),
        );
    }
    if id.iter().any(|&b| b == 0 || b == b'/') {
        c.problem(
            "directory record",
            block,
            format!("{path}: a NUL or / in the identifier"),
        );
    }
}

/// SUSP's SP in the root's "." record: the bytes to skip, if present.
fn check_sp(c: &mut Checker, su: &[u8], block: u64) -> Option<u8> {
    // After CD-ROM XA data (genisoimage -xa), as the readers take it.
    let su = match crate::iso9660::reader::sp_area(su) {
        Some(after) if after.len() < su.len() => after,
        _ => su,
    };
    if su.len() < 7 || &su[0..2] != b"SP" {
        return None;
    }
    if su[4] != 0xBE || su[5] != 0xEF {
        c.problem("SUSP SP", block, "check bytes are not BE EF");
        return None;
    }
    let skip = su[6];
    let entries = check_susp(c, su, block, "/")?;
    if !entries.iter().any(|e| matches!(e, SuspEntry::Er { .. })) {
        c.problem("Rock Ridge", block, "the root has SP but no ER entry");
    }
    Some(skip)
}

/// Bytes of a system use area that its entries take (up to padding).
fn susp_bytes(area: &[u8]) -> usize {
    let mut pos = 0;
    while pos + 4 <= area.len() && area[pos..pos + 2] != [0, 0] {
        let len = usize::from(area[pos + 2]);
        if len < 4 || pos + len > area.len() {
            return area.len(); // a decoding problem, reported there
        }
        pos += len;
    }
    pos
}

/// The SUSP entries of a record with its continuation areas, each checked.
fn check_susp(c: &mut Checker, area: &[u8], block: u64, path: &str) -> Option<Vec<SuspEntry>> {
    let mut entries = match SuspEntry::decode_all(area) {
        Ok(e) => e,
        Err(e) => {
            c.problem("system use area", block, format!("{path}: {e}"));
            return None;
        }
    };
    let mut seen = HashSet::new();
    let mut total = 0u64;
    while let Some(i) = entries
        .iter()
        .position(|e| matches!(e, SuspEntry::Ce { .. }))
    {
        let SuspEntry::Ce {
            block: b,
            offset,
            length,
        } = entries.remove(i)
        else {
            unreachable!()
        };
        total += u64::from(length);
        if !seen.insert((b, offset)) || total > 64 * 1024 {
            c.problem(
                "continuation area",
                u64::from(b),
                format!("{path}: continuation areas loop or exceed 64 KiB"),
            );
            return None;
        }
        if u64::from(offset) + u64::from(length) > SECTOR as u64 {
            c.problem(
                "continuation area",
                u64::from(b),
                format!("{path}: offset {offset} + length {length} cross the block"),
            );
        }
        let mut buf = vec![0u8; length as usize];
        if c.m
            .read_exact_at(
                &mut buf,
                u64::from(b) * SECTOR as u64 + u64::from(offset),
                "continuation area",
            )
            .is_err()
        {
            c.problem(
                "continuation area",
                u64::from(b),
                format!("{path}: past the end of the image"),
            );
            return None;
        }
        match SuspEntry::decode_all(&buf) {
            Ok(more) => entries.extend(more),
            Err(e) => {
                c.problem("continuation area", u64::from(b), format!("{path}: {e}"));
                return None;
            }
        }
    }
    for e in &entries {
        match e {
            SuspEntry::Nm { flags, name }
                if flags & 0x06 == 0 && (name.contains(&b'/') || name.contains(&0)) =>
            {
                c.problem(
                    "Rock Ridge NM",
                    block,
                    format!("{path}: a name holding '/' or NUL"),
                );
            }
            // SUSP signatures are two letters (SUSP 4.1): anything else is
            // bytes that are not entries, such as a record overrunning the next.
            SuspEntry::Unknown { sig, .. }
                if !sig
                    .iter()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()) =>
            {
                c.problem(
                    "system use area",
                    block,
                    format!("{path}: bytes {sig:02X?} are not a SUSP entry (record length wrong?)"),
                );
                return None;
            }
            _ => {}
        }
    }
    Some(entries)
}

/// Both path tables against the directories found.
fn check_path_tables(
    c: &mut Checker,
    vd: &VolumeDescriptor,
    vd_at: u64,
    dirs: &[(u32, u32, u32, Vec<u8>)],
    names: Names,
) {
    let what = if names == Names::Joliet {
        "Joliet path table"
    } else {
        "path table"
    };
    let size = vd.path_table_size as usize;
    if size == 0 || size > 64 << 20 {
        c.problem(what, vd_at, format!("size {size}"));
        return;
    }
    let mut tables = Vec::new();
    for (at, big) in [(vd.l_path_table, false), (vd.m_path_table, true)] {
        let mut buf = vec![0u8; size];
        if c.m
            .read_exact_at(&mut buf, u64::from(at) * SECTOR as u64, what)
            .is_err()
        {
            c.problem(what, u64::from(at), "past the end of the image");
            return;
        }
        let mut recs = Vec::new();
        let mut pos = 0;
        while pos < size {
            match PathTableRecord::decode(&buf[pos..], big) {
                Ok(r) => {
                    pos += r.len();
                    recs.push((r.extent, r.parent, r.identifier.to_vec()));
                }
                Err(e) => {
                    c.problem(what, u64::from(at), e.to_string());
                    return;
                }
            }
        }
        tables.push((at, recs));
    }
    if tables[0].1 != tables[1].1 {
        c.problem(what, u64::from(tables[1].0), "the L and M tables differ");
    }
    let (at, recs) = &tables[0];
    let at = u64::from(*at);
    if recs.len() != dirs.len() {
        c.problem(
            what,
            at,
            format!("{} directories listed, {} found", recs.len(), dirs.len()),
        );
    }
    let by_extent: HashMap<u32, &(u32, u32, u32, Vec<u8>)> =
        dirs.iter().map(|d| (d.0, d)).collect();
    for (i, (extent, parent, id)) in recs.iter().enumerate() {
        let Some(d) = by_extent.get(extent) else {
            c.problem(
                what,
                at,
                format!(
                    "record {}: block {extent} is no directory of the tree",
                    i + 1
                ),
            );
            continue;
        };
        if d.3 != *id && !(i == 0 && *id == [0]) {
            c.problem(
                what,
                at,
                format!("record {}: identifier differs from the directory's", i + 1),
            );
        }
        // Parent numbers are 16 bits (ECMA-119 9.4.4): a directory whose
        // parent is record 65,536 or later cannot name it. xorriso writes
        // the number modulo 65,536 and every reader follows the directory
        // records instead.
        let true_parent = recs.iter().position(|r| r.0 == d.1).map(|k| k + 1);
        if true_parent.is_some_and(|k| k > 0xFFFF) {
            let n = i + 1;
            c.warning_once("path table parents over 65,535", what, at, || {
                format!(
                    "record {n}: its parent is record {} of more than 65,535 directories, \
                     which the 16-bit parent number cannot hold; readers follow the \
                     directory records",
                    true_parent.unwrap_or(0)
                )
            });
            continue;
        }
        let p = usize::from(*parent);
        if p == 0 || p > i + 1 || recs.get(p - 1).map(|r| r.0) != Some(d.1) {
            c.problem(
                what,
                at,
                format!("record {}: parent number {parent} is not its parent", i + 1),
            );
        }
    }
}
