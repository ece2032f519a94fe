//! Corrupted images: `imapi2 info`, `ls` (every view) and `extract` (every
//! view) on hundreds of broken variants of an ISO 9660 + Joliet + Rock Ridge
//! image with a boot entry, a UDF 2.50 image and a UDF 1.02 bridge. Each call
//! must end within 20 s under a 1 GiB address-space limit, never panic, and
//! either succeed or exit 1 with one `imapi2: error:` line naming the
//! structure at fault; extraction must write nothing outside its folder.
//!
//! The variants: the 22 of the validation notes' `corrupt.py` (when
//! `python3` and the script are there: `IMAPI2_CORRUPT_PY`, else
//! `shared/validate/corrupt.py` beside the repository), and our own:
//! truncations, bit flips (fixed seed), zeroed sectors, directories past the
//! end, looping and overlapping directories, looping continuation areas and
//! relocations, absurd lengths, and UDF entries that share, loop or overrun.

use std::collections::BTreeSet;
use std::fs;
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use imapi2::fs::ecma119::{both32, DirectoryRecord};
use imapi2::fs::ecma167::{allocation_extent, Allocation, FileEntry, LongAd, Tag};
use imapi2::fs::udf_reader::UdfVolume;
use imapi2::fs::{BootOptions, DataSource, FileSystemImage, FileSystems, FileTime, SpecialKind};

const S: usize = 2048;
const CALL_LIMIT: Duration = Duration::from_secs(20);
/// Address space each call may use (`ulimit -v`, KiB).
const MEMORY_KIB: u64 = 1 << 20;

// ----- the images -----

fn bytes(b: &[u8]) -> DataSource {
    DataSource::Bytes(b.into())
}

/// A small tree with one of everything the readers decode, in `fs`.
fn build(fs: FileSystems, udf_revision: u16) -> Vec<u8> {
    let mut img = FileSystemImage::new();
    img.set_fixed_time(Some(FileTime::from_unix_seconds(1_700_000_000)));
    img.set_volume_name("CORRUPT").unwrap();
    img.set_file_systems_to_create(fs).unwrap();
    // The deep tree is relocated (CL/PL/RE), so that its entries are
    // corrupted too.
    if fs.contains(FileSystems::ROCK_RIDGE) {
        img.set_rock_ridge_relocation(true);
    }
    if fs.contains(FileSystems::UDF) {
        img.set_udf_revision(udf_revision).unwrap();
    }
    let root = img.root();
    img.add_file(root, "hello.txt", bytes(b"hello\n")).unwrap();
    img.add_directory(root, "dir").unwrap();
    img.add_file(root, "dir/data.bin", bytes(&[0x5A; 5000]))
        .unwrap();
    img.add_file(root, "dir/empty", DataSource::Empty).unwrap();
    img.add_directory(root, "dir/sub").unwrap();
    img.add_file(root, "dir/sub/x.txt", bytes(b"x")).unwrap();
    img.add_file(
        root,
        &format!("{}.txt", "n".repeat(220)),
        bytes(b"long name"),
    )
    .unwrap();
    let mut deep = String::new();
    for part in ["a", "b", "c", "d", "e", "f", "g", "h", "i"] {
        deep.push_str(part);
        img.add_directory(root, &deep).unwrap();
        deep.push('/');
    }
    img.add_file(root, &format!("{deep}deep.txt"), bytes(b"deep"))
        .unwrap();
    img.add_symlink(root, "link", "dir/sub/x.txt").unwrap();
    img.add_special(root, "fifo", SpecialKind::Fifo).unwrap();
    if fs.contains(FileSystems::ISO9660) {
        let mut boot = vec![0u8; 4 * S];
        boot[..2].copy_from_slice(&[0xEB, 0xFE]);
        img.add_directory(root, "boot").unwrap();
        img.add_file(root, "boot/loader.bin", bytes(&boot)).unwrap();
        let mut b = BootOptions::new();
        b.assign_boot_image(bytes(&boot)).unwrap();
        b.set_boot_info_table(true).unwrap();
        img.set_boot_image_options(Some(b)).unwrap();
    }
    let mut out = Vec::new();
    img.create_result_image()
        .unwrap()
        .image_stream()
        .read_to_end(&mut out)
        .unwrap();
    out
}

// ----- a tiny deterministic generator -----

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn nonzero_sectors(img: &[u8]) -> Vec<usize> {
    img.chunks(S)
        .enumerate()
        .filter(|(_, s)| s.iter().any(|&b| b != 0))
        .map(|(i, _)| i)
        .collect()
}

// ----- ISO 9660 structures -----

fn le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
}

/// (extent, length) of the root directory in the descriptor at sector `vd`.
fn root_of(img: &[u8], vd: usize) -> (u32, u32) {
    let r = vd * S + 156;
    (le32(img, r + 2), le32(img, r + 10))
}

/// Byte offsets and identifiers of the records of a directory.
fn records(img: &[u8], extent: u32, len: u32) -> Vec<(usize, Vec<u8>)> {
    let mut out = Vec::new();
    let start = extent as usize * S;
    for s in 0..(len as usize).div_ceil(S) {
        let mut at = start + s * S;
        let end = at + S;
        while at < end && img[at] != 0 {
            let r = DirectoryRecord::decode(&img[at..end]).unwrap();
            out.push((at, r.identifier.to_vec()));
            at += usize::from(img[at]);
        }
    }
    out
}

fn record(img: &[u8], extent: u32, len: u32, id: &[u8]) -> usize {
    records(img, extent, len)
        .into_iter()
        .find(|(_, i)| i == id)
        .unwrap_or_else(|| panic!("no record {:?}", String::from_utf8_lossy(id)))
        .0
}

fn set_both32(img: &mut [u8], at: usize, v: u32) {
    img[at..at + 8].copy_from_slice(&both32(v));
}

/// The variants that break ISO 9660 directories and Rock Ridge entries.
fn iso_variants(img: &[u8], out: &mut Vec<(String, Vec<u8>)>) {
    let (root, root_len) = root_of(img, 16);
    let total = (img.len() / S) as u32;
    let dir = record(img, root, root_len, b"DIR");
    let hello = record(img, root, root_len, b"HELLO.TXT;1");
    let dir_ext = le32(img, dir + 2);
    let mut v = |name: &str, f: &dyn Fn(&mut Vec<u8>)| {
        let mut b = img.to_vec();
        f(&mut b);
        out.push((name.to_string(), b));
    };
    v("iso-dir-past-end", &|b| {
        set_both32(b, dir + 2, total + 1000)
    });
    v("iso-dir-is-root", &|b| {
        set_both32(b, dir + 2, root);
        set_both32(b, dir + 10, root_len);
    });
    v("iso-dir-is-itself-longer", &|b| {
        set_both32(b, dir + 10, 64 * S as u32)
    });
    v("iso-dir-overlaps-root", &|b| {
        set_both32(b, dir + 2, root.saturating_sub(1));
        set_both32(b, dir + 10, 3 * S as u32);
    });
    v("iso-sub-is-parent", &|b| {
        let sub = record(b, dir_ext, S as u32, b"SUB");
        set_both32(b, sub + 2, dir_ext);
    });
    v("iso-dir-length-max", &|b| set_both32(b, dir + 10, u32::MAX));
    v("iso-file-length-max", &|b| {
        set_both32(b, hello + 10, u32::MAX)
    });
    v("iso-file-multi-extent-loop", &|b| b[hello + 25] |= 0x80);
    v("iso-root-length-max", &|b| {
        set_both32(b, 16 * S + 156 + 10, u32::MAX)
    });
    v("iso-root-past-end", &|b| {
        set_both32(b, 16 * S + 156 + 2, u32::MAX)
    });
    v("iso-volume-size-max", &|b| {
        set_both32(b, 16 * S + 80, u32::MAX)
    });
    v("iso-volume-size-zero", &|b| set_both32(b, 16 * S + 80, 0));
    v("iso-record-length-33", &|b| b[hello] = 33);
    v("iso-identifier-length-max", &|b| b[hello + 32] = 255);
    // Rock Ridge: continuation areas and relocations that loop or overrun.
    let ce: Vec<usize> = find_all(img, b"CE\x1c\x01");
    assert!(!ce.is_empty(), "the long name has a continuation area");
    v("rr-ce-loop", &|b| {
        for &at in &ce {
            // Point each CE at the area that holds it: the record's own.
            let rec = at / S * S + {
                let mut r = 0;
                let s = &b[at / S * S..];
                while r + usize::from(s[r]) <= at % S && s[r] != 0 {
                    r += usize::from(s[r]);
                }
                r
            };
            let nl = usize::from(b[rec + 32]);
            let su = rec + 33 + nl + (1 - nl % 2);
            set_both32(b, at + 4, (su / S) as u32);
            set_both32(b, at + 12, (su % S) as u32);
            let su_len = rec + usize::from(b[rec]) - su;
            set_both32(b, at + 20, su_len as u32);
        }
    });
    v("rr-ce-length-max", &|b| {
        for &at in &ce {
            set_both32(b, at + 20, u32::MAX);
        }
    });
    v("rr-ce-past-end", &|b| {
        for &at in &ce {
            set_both32(b, at + 4, u32::MAX - 1);
        }
    });
    let cl = find_all(img, b"CL\x0c\x01");
    assert!(!cl.is_empty(), "the deep tree is relocated");
    v("rr-cl-to-root", &|b| {
        for &at in &cl {
            set_both32(b, at + 4, root);
        }
    });
    v("rr-cl-to-itself", &|b| {
        for &at in &cl {
            set_both32(b, at + 4, (at / S) as u32);
        }
    });
    v("rr-cl-past-end", &|b| {
        for &at in &cl {
            set_both32(b, at + 4, total + 5);
        }
    });
    let sl = find_all(img, b"SL");
    v("rr-sl-lengths", &|b| {
        for &at in &sl {
            if b[at + 3] == 1 && b[at + 2] > 5 {
                b[at + 6] = 250; // component length
            }
        }
    });
}

fn find_all(hay: &[u8], needle: &[u8]) -> Vec<usize> {
    hay.windows(needle.len())
        .enumerate()
        .filter(|(_, w)| *w == needle)
        .map(|(i, _)| i)
        .collect()
}

// ----- UDF structures -----

type Vol = UdfVolume<Cursor<Vec<u8>>>;

/// The absolute sector of an ICB (our images map the metadata partition
/// one to one onto the physical one).
fn sector_of(v: &Vol, icb: LongAd) -> usize {
    (v.info.partition_start + icb.block) as usize
}

fn child(v: &mut Vol, dir: LongAd, name: &str) -> LongAd {
    let fe = v.entry(dir).unwrap();
    v.read_dir(&fe)
        .unwrap()
        .into_iter()
        .find(|e| e.name == name)
        .unwrap_or_else(|| panic!("no {name}"))
        .icb
}

/// Re-encodes the file entry at `icb` after `f` changed it (a valid tag).
fn patch_fe(b: &mut [u8], v: &mut Vol, icb: LongAd, f: impl Fn(&mut FileEntry, &Vol)) {
    let at = sector_of(v, icb) * S;
    let tag = Tag::decode(&b[at..at + S]).unwrap();
    let mut fe = v.entry(icb).unwrap();
    f(&mut fe, v);
    b[at..at + S].copy_from_slice(&fe.encode(tag.version, tag.location));
}

/// The tag at the start of `d`, unverified.
fn raw_tag(d: &[u8]) -> Tag {
    let u16_at = |i: usize| u16::from_le_bytes([d[i], d[i + 1]]);
    Tag {
        id: u16_at(0),
        version: u16_at(2),
        serial: u16_at(6),
        location: le32(d, 12),
    }
}

/// Reseals the descriptor at byte `at` (CRC over its recorded length).
fn reseal(b: &mut [u8], at: usize) {
    let tag = raw_tag(&b[at..]);
    let crc_len = usize::from(u16::from_le_bytes([b[at + 10], b[at + 11]]));
    tag.seal(&mut b[at..at + 16 + crc_len]);
}

/// The variants that break UDF entries, directories and descriptors.
fn udf_variants(img: &[u8], out: &mut Vec<(String, Vec<u8>)>) {
    let mut v = UdfVolume::open(Cursor::new(img.to_vec())).unwrap();
    let root = v.root();
    let dir = child(&mut v, root, "dir");
    let hello = child(&mut v, root, "hello.txt");
    let data = child(&mut v, dir, "data.bin");
    let mut push = |name: &str, b: Vec<u8>| out.push((name.to_string(), b));

    let mut b = img.to_vec();
    patch_fe(&mut b, &mut v, hello, |fe, _| fe.length = u64::MAX);
    push("udf-file-length-max", b);

    let mut b = img.to_vec();
    patch_fe(&mut b, &mut v, data, |fe, _| fe.length = 1 << 40);
    push("udf-extent-file-length-1tib", b);

    let root_fe = v.entry(root).unwrap();
    let mut b = img.to_vec();
    patch_fe(&mut b, &mut v, dir, |fe, _| {
        fe.allocation = root_fe.allocation.clone();
        fe.length = root_fe.length;
    });
    push("udf-dir-shares-root-data", b);

    let mut b = img.to_vec();
    patch_fe(&mut b, &mut v, dir, |fe, _| {
        fe.allocation = Allocation::Short(vec![(1 << 29, 0x7FFF_FFF0)]);
        fe.length = 1 << 29;
    });
    push("udf-dir-past-partition", b);

    let mut b = img.to_vec();
    patch_fe(&mut b, &mut v, dir, |fe, _| fe.length = u64::MAX);
    push("udf-dir-length-max", b);

    // A FID of "dir" naming the root's entry: a directory loop.
    let mut b = img.to_vec();
    {
        let dir_fe = v.entry(dir).unwrap();
        let (p, blk) = match &dir_fe.allocation {
            Allocation::Short(a) => (dir.partition, a[0].1),
            Allocation::Long(a) => (a[0].partition, a[0].block),
            Allocation::Embedded(_) => (dir.partition, dir.block),
        };
        let start = sector_of(
            &v,
            LongAd {
                partition: p,
                block: blk,
                ..dir
            },
        ) * S;
        let mut at = start;
        while at + 38 < start + S && b[at] == 1 && b[at + 1] == 1 {
            // FID (tag id 257): characteristics at 18, ICB at 20.
            if b[at + 18] & 0x02 != 0 && b[at + 18] & 0x08 == 0 {
                root.put(&mut b, at + 20);
                let len = (38
                    + usize::from(u16::from_le_bytes([b[at + 36], b[at + 37]]))
                    + usize::from(b[at + 19])
                    + 3)
                    & !3;
                raw_tag(&b[at..]).seal(&mut b[at..at + len]);
            }
            let len = (38
                + usize::from(u16::from_le_bytes([b[at + 36], b[at + 37]]))
                + usize::from(b[at + 19])
                + 3)
                & !3;
            at += len;
        }
    }
    push("udf-subdir-is-root", b);

    // An allocation extent chain that loops: the file's data block becomes
    // an AED naming itself.
    let mut b = img.to_vec();
    let fe = v.entry(data).unwrap();
    let blk = match &fe.allocation {
        Allocation::Short(a) => a[0].1,
        Allocation::Long(a) => a[0].block,
        Allocation::Embedded(_) => panic!("data.bin is embedded"),
    };
    let mut ads = Vec::new();
    for (len, pos) in [(2048u32, blk), ((3 << 30) | 2048, blk)] {
        ads.extend_from_slice(&len.to_le_bytes());
        ads.extend_from_slice(&pos.to_le_bytes());
    }
    let at = (v.info.partition_start + blk) as usize * S;
    let version = if v.info.revision >= 0x0200 { 3 } else { 2 };
    b[at..at + S].copy_from_slice(&allocation_extent(version, blk, 0, &ads));
    patch_fe(&mut b, &mut v, data, |fe, _| {
        fe.allocation = Allocation::Short(vec![((3 << 30) | 2048, blk)]);
    });
    push("udf-aed-loop", b);

    // Volume descriptors with absurd values, resealed: partition length,
    // partition map table length.
    let main = le32(img, 256 * S + 20) as usize;
    for (name, tag_id, off, val) in [
        ("udf-partition-length-max", 5u16, 192usize, u32::MAX),
        ("udf-partition-start-max", 5, 188, u32::MAX - 8),
        ("udf-map-table-length-max", 6, 264, u32::MAX),
        ("udf-map-count-max", 6, 268, u32::MAX),
    ] {
        let mut b = img.to_vec();
        for s in [main, le32(img, 256 * S + 28) as usize] {
            for i in 0..16 {
                let at = (s + i) * S;
                if u16::from_le_bytes([b[at], b[at + 1]]) == tag_id {
                    b[at + off..at + off + 4].copy_from_slice(&val.to_le_bytes());
                    reseal(&mut b, at);
                }
            }
        }
        push(name, b);
    }
}

// ----- running the commands -----

struct Outcome {
    code: Option<i32>,
    stderr: String,
    took: Duration,
    timed_out: bool,
}

fn run(args: &[&str], scratch: &Path) -> Outcome {
    let out = scratch.join("stdout");
    let err = scratch.join("stderr");
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(format!("ulimit -v {MEMORY_KIB}; exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_imapi2"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(fs::File::create(&out).unwrap())
        .stderr(fs::File::create(&err).unwrap());
    let started = Instant::now();
    let mut child = cmd.spawn().unwrap();
    let mut timed_out = false;
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if started.elapsed() > CALL_LIMIT {
            timed_out = true;
            let _ = child.kill();
            break child.wait().unwrap();
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    Outcome {
        code: status.code(),
        stderr: fs::read_to_string(&err).unwrap_or_default(),
        took: started.elapsed(),
        timed_out,
    }
}

/// What the runs found, over all variants.
#[derive(Default)]
struct Tally {
    calls: usize,
    ok: usize,
    errors: usize,
    failures: Vec<String>,
    messages: BTreeSet<String>,
    slowest: Duration,
}

/// Whether an error line names the structure at fault ("bad STRUCTURE at
/// block N: ..."), or the block that could not be read.
fn names_a_structure(line: &str) -> bool {
    let Some(i) = line.find("bad ") else {
        return line.contains("cannot read block");
    };
    line[i..].contains(" at block ")
}

fn check(t: &mut Tally, what: &str, o: &Outcome) {
    t.calls += 1;
    t.slowest = t.slowest.max(o.took);
    let fail = |t: &mut Tally, why: &str| {
        t.failures.push(format!(
            "{what}: {why} (exit {:?}): {}",
            o.code,
            o.stderr.trim()
        ))
    };
    if o.timed_out {
        return fail(t, "did not finish in time");
    }
    if o.stderr.contains("panicked") || o.code == Some(101) {
        return fail(t, "panicked");
    }
    if what.contains("-intact:") && o.code != Some(0) {
        return fail(t, "an intact image failed");
    }
    match o.code {
        Some(0) => t.ok += 1,
        Some(1) => {
            let lines: Vec<&str> = o.stderr.lines().collect();
            match lines.as_slice() {
                [line] if line.starts_with("imapi2: error: ") && names_a_structure(line) => {
                    t.errors += 1;
                    // The structures named.
                    if let (Some(i), Some(j)) = (line.find("bad "), line.find(" at block ")) {
                        if i + 4 <= j {
                            t.messages.insert(line[i + 4..j].to_string());
                        }
                    }
                }
                _ => fail(t, "not one error line naming a structure"),
            }
        }
        _ => fail(t, "neither success nor exit 1"),
    }
}

fn views_of(info_json: &str) -> Vec<&'static str> {
    let v: serde_json::Value = match serde_json::from_str(info_json.trim()) {
        Ok(v) => v,
        Err(_) => return Vec::new(),
    };
    let present: Vec<String> = v["file_systems"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    ["iso9660", "joliet", "rockridge", "udf"]
        .into_iter()
        .filter(|f| present.iter().any(|p| p == f))
        .collect()
}

/// Every reading command on one variant.
fn exercise(name: &str, img: &[u8], work: &Path, t: &Mutex<Tally>) {
    let dir = work.join(name);
    fs::create_dir_all(&dir).unwrap();
    let path = dir.join("image.iso");
    fs::write(&path, img).unwrap();
    let p = path.to_str().unwrap();
    let mut results = Vec::new();
    results.push(("info".to_string(), run(&["info", p], &dir)));
    let json = run(&["info", "--json", p], &dir);
    let views = if json.code == Some(0) {
        views_of(&fs::read_to_string(dir.join("stdout")).unwrap())
    } else {
        Vec::new()
    };
    results.push(("info --json".to_string(), json));
    results.push(("ls".to_string(), run(&["ls", "-l", p], &dir)));
    let mut extracts = vec![None];
    extracts.extend(views.iter().map(|v| Some(*v)));
    for v in &views {
        results.push((
            format!("ls --fs {v}"),
            run(&["ls", "--json", "--fs", v, p], &dir),
        ));
    }
    for (k, v) in extracts.into_iter().enumerate() {
        // Extraction goes to box/out; box/canary must stay empty, and box
        // must hold nothing else.
        let boxed = dir.join(format!("box{k}"));
        let canary = boxed.join("canary");
        fs::create_dir_all(&canary).unwrap();
        let target = boxed.join("out");
        let t_str = target.to_str().unwrap();
        let mut args = vec!["extract", "-q", p, t_str];
        if let Some(v) = v {
            args.extend(["--fs", v]);
        }
        let label = format!(
            "extract{}",
            v.map(|v| format!(" --fs {v}")).unwrap_or_default()
        );
        results.push((label.clone(), run(&args, &dir)));
        let mut inside: Vec<String> = fs::read_dir(&boxed)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        inside.sort();
        let canary_empty = fs::read_dir(&canary).unwrap().next().is_none();
        if !canary_empty || !(inside == ["canary"] || inside == ["canary", "out"]) {
            t.lock().unwrap().failures.push(format!(
                "{name}: {label} wrote outside its folder: {inside:?}, canary empty: {canary_empty}"
            ));
        }
        make_writable(&boxed);
    }
    let mut t = t.lock().unwrap();
    for (label, o) in &results {
        check(&mut t, &format!("{name}: imapi2 {label}"), o);
    }
    drop(t);
    let _ = fs::remove_dir_all(&dir);
}

/// Extracted directories may be read-only: open them up for removal.
fn make_writable(p: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(m) = fs::symlink_metadata(p) {
        if m.is_dir() {
            let _ = fs::set_permissions(p, fs::Permissions::from_mode(0o755));
            if let Ok(rd) = fs::read_dir(p) {
                for e in rd.flatten() {
                    make_writable(&e.path());
                }
            }
        }
    }
}

/// `corrupt.py`, when it and `python3` are there.
fn corrupt_py() -> Option<PathBuf> {
    let p = match std::env::var_os("IMAPI2_CORRUPT_PY") {
        Some(p) => PathBuf::from(p),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/validate/corrupt.py"),
    };
    let python = Command::new("python3")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    (p.is_file() && python).then_some(p)
}

/// The 22 variants of `corrupt.py ISO ELTORITO UDF OUTDIR`.
fn corrupt_py_variants(
    script: &Path,
    tag: &str,
    iso: &[u8],
    udf: &[u8],
    tmp: &Path,
) -> Vec<(String, Vec<u8>)> {
    let d = tmp.join(format!("py-{tag}"));
    fs::create_dir_all(&d).unwrap();
    fs::write(d.join("iso.iso"), iso).unwrap();
    fs::write(d.join("udf.iso"), udf).unwrap();
    let out = d.join("out");
    let r = Command::new("python3")
        .arg(script)
        .args([
            d.join("iso.iso"),
            d.join("iso.iso"),
            d.join("udf.iso"),
            out.clone(),
        ])
        .output()
        .unwrap();
    assert!(
        r.status.success(),
        "corrupt.py failed: {}",
        String::from_utf8_lossy(&r.stderr)
    );
    let mut v: Vec<(String, Vec<u8>)> = fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "iso"))
        .map(|p| {
            let name = format!("py-{tag}-{}", p.file_stem().unwrap().to_string_lossy());
            (name, fs::read(&p).unwrap())
        })
        .collect();
    v.sort();
    assert_eq!(v.len(), 22, "corrupt.py made {} variants", v.len());
    v
}

/// Truncations, bit flips and zeroed sectors of one image.
fn byte_variants(tag: &str, img: &[u8], seed: u64, out: &mut Vec<(String, Vec<u8>)>) {
    let len = img.len();
    let mut cuts: BTreeSet<usize> = [
        0,
        1,
        100,
        S - 1,
        S,
        16 * S,
        16 * S + 1,
        17 * S,
        18 * S + 7,
        19 * S,
        256 * S,
        256 * S + 1,
        257 * S,
        len - S,
        len - 1,
    ]
    .into_iter()
    .collect();
    cuts.extend((1..12).map(|k| len * k / 12));
    for c in cuts.into_iter().filter(|&c| c < len) {
        out.push((format!("{tag}-cut-{c}"), img[..c].to_vec()));
    }
    let live = nonzero_sectors(img);
    let mut rng = Rng(seed);
    for i in 0..24 {
        let mut b = img.to_vec();
        for _ in 0..1 << (i % 7) {
            let s = live[rng.below(live.len())];
            let bit = rng.below(S * 8);
            b[s * S + bit / 8] ^= 1 << (bit % 8);
        }
        out.push((format!("{tag}-flips-{i}"), b));
    }
    // Every structure sector zeroed, one at a time (data sectors too, in a
    // small image most are structures).
    for &s in live.iter().take(48) {
        let mut b = img.to_vec();
        b[s * S..(s + 1) * S].fill(0);
        out.push((format!("{tag}-zero-{s}"), b));
    }
}

#[test]
fn corrupted_images_never_panic_hang_or_escape() {
    let started = Instant::now();
    let tmp = tempfile::tempdir().unwrap();
    let all = FileSystems::ISO9660 | FileSystems::JOLIET | FileSystems::ROCK_RIDGE;
    let iso = build(all, 0x0102);
    let udf = build(FileSystems::UDF, 0x0250);
    let bridge = build(all | FileSystems::UDF, 0x0102);

    let mut variants = Vec::new();
    match corrupt_py() {
        Some(script) => {
            variants.extend(corrupt_py_variants(&script, "iso", &iso, &udf, tmp.path()));
            variants.extend(corrupt_py_variants(
                &script,
                "bridge",
                &bridge,
                &bridge,
                tmp.path(),
            ));
        }
        None => eprintln!(
            "corrupt.py or python3 not found: its 22 variants are skipped \
             (set IMAPI2_CORRUPT_PY to the script)"
        ),
    }
    for (tag, img, seed) in [
        ("iso", &iso, 1u64),
        ("udf", &udf, 2),
        ("bridge", &bridge, 3),
    ] {
        variants.push((format!("{tag}-intact"), img.clone()));
        byte_variants(tag, img, seed, &mut variants);
    }
    for (tag, img) in [("iso", &iso), ("bridge", &bridge)] {
        let mut v = Vec::new();
        iso_variants(img, &mut v);
        variants.extend(v.into_iter().map(|(n, b)| (format!("{tag}-{n}"), b)));
    }
    for (tag, img) in [("udf", &udf), ("bridge", &bridge)] {
        let mut v = Vec::new();
        udf_variants(img, &mut v);
        variants.extend(v.into_iter().map(|(n, b)| (format!("{tag}-{n}"), b)));
    }
    let count = variants.len();

    let tally = Mutex::new(Tally::default());
    let queue = Mutex::new(variants);
    let work = tmp.path().join("work");
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| loop {
                let Some((name, img)) = queue.lock().unwrap().pop() else {
                    break;
                };
                exercise(&name, &img, &work, &tally);
            });
        }
    });
    let t = tally.into_inner().unwrap();
    eprintln!(
        "{count} variants, {} calls in {:.1} s (slowest {:.2} s): {} succeeded, {} refused",
        t.calls,
        started.elapsed().as_secs_f64(),
        t.slowest.as_secs_f64(),
        t.ok,
        t.errors
    );
    eprintln!("structures named: {:?}", t.messages);
    assert!(
        t.failures.is_empty(),
        "{} of {} calls failed:\n{}",
        t.failures.len(),
        t.calls,
        t.failures.join("\n")
    );
    assert!(t.ok > 0 && t.errors > 0);
}
