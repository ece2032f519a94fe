//! Test support: source trees, manifests (what a reader sees), the expected
//! view of each file system, and the outside readers that check our images.
//!
//! The outside readers are tools we did not write: xorriso, bsdtar
//! (libarchive), 7-Zip, isoinfo/isovfy (cdrkit), iso-info (libcdio), pycdlib,
//! and the Linux kernel's isofs driver under QEMU. A missing tool fails the
//! test with the install hint, unless `IMAPI2_SKIP_VALIDATORS=1`.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use imapi2::fs::{FileSystemImage, FileSystems, ItemId, ItemKind};
use sha2::{Digest, Sha256};

/// The `imapi2` binary under test.
pub fn imapi2() -> Command {
    Command::new(env!("CARGO_BIN_EXE_imapi2"))
}

/// A helper script of ours in `tests/tools`.
pub fn tool_script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/tools")
        .join(name)
}

/// Whether outside validators are to be skipped (only on explicit request).
pub fn skip_validators() -> bool {
    std::env::var("IMAPI2_SKIP_VALIDATORS").is_ok_and(|v| v == "1")
}

/// The names an outside tool goes by, newest package first: Debian's `7zip`
/// package installs only `7zz`; older ones (and p7zip) install `7z`.
fn tool_names(tool: &str) -> Vec<&str> {
    match tool {
        "7z" => vec!["7zz", "7z"],
        other => vec![other],
    }
}

fn on_path(name: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {name}"))
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The command that runs an outside tool here: `tool("7z")` is `7zz` where
/// only that is installed. Tools known by one name are returned as given.
pub fn tool(name: &str) -> String {
    let names = tool_names(name);
    let found = names.iter().find(|n| on_path(n)).unwrap_or(&names[0]);
    found.to_string()
}

/// Checks that the outside tools are installed; fails with the install hint.
pub fn require_tools(tools: &[&str]) -> bool {
    if skip_validators() {
        eprintln!("IMAPI2_SKIP_VALIDATORS=1: outside validators skipped");
        return false;
    }
    for t in tools {
        assert!(
            on_path(&tool(t)),
            "outside validator `{t}` is missing: run scripts/install-validators.sh \
             (or set IMAPI2_SKIP_VALIDATORS=1 to skip these tests)"
        );
    }
    if tools.contains(&"python3") {
        let ok = Command::new("python3")
            .args(["-c", "import pycdlib"])
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "pycdlib is missing: run scripts/install-validators.sh");
    }
    true
}

/// Runs a command; panics with its output unless it exits 0.
pub fn run_ok(cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

// ----- manifests -----

/// One entry as a reader sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// 'd', 'f' or 'l'.
    pub kind: char,
    /// File size.
    pub size: Option<u64>,
    /// sha256 of a file, target of a link.
    pub content: String,
    /// Permission bits, when the reader knows them.
    pub mode: Option<u32>,
    /// uid:gid, when the reader knows them.
    pub owner: Option<String>,
}

/// Path → entry.
pub type Manifest = BTreeMap<String, Row>;

pub fn sha256_reader(mut r: impl Read) -> (u64, String) {
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut n = 0u64;
    loop {
        let k = r.read(&mut buf).expect("read");
        if k == 0 {
            break;
        }
        h.update(&buf[..k]);
        n += k as u64;
    }
    (n, format!("{:x}", h.finalize()))
}

pub fn sha256_file(p: &Path) -> (u64, String) {
    sha256_reader(fs::File::open(p).unwrap_or_else(|e| panic!("{}: {e}", p.display())))
}

/// The manifest of a host directory (links not followed).
pub fn manifest_dir(root: &Path) -> Manifest {
    manifest_dir_named(root, |b| String::from_utf8_lossy(b).into_owned())
}

/// The manifest of a host directory whose file names are decoded by
/// `decode` (one name component at a time).
pub fn manifest_dir_named(root: &Path, decode: fn(&[u8]) -> String) -> Manifest {
    let mut m = Manifest::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let e = e.unwrap();
            let p = e.path();
            let md = fs::symlink_metadata(&p).unwrap();
            let rel: String = p
                .strip_prefix(root)
                .unwrap()
                .components()
                .map(|c| format!("/{}", decode(c.as_os_str().as_bytes())))
                .collect();
            let mode = Some(md.mode() & 0o7777);
            let owner = Some(format!("{}:{}", md.uid(), md.gid()));
            let row = if md.file_type().is_symlink() {
                Row {
                    kind: 'l',
                    size: None,
                    content: fs::read_link(&p).unwrap().to_string_lossy().into_owned(),
                    mode: None,
                    owner,
                }
            } else if md.is_dir() {
                stack.push(p.clone());
                Row {
                    kind: 'd',
                    size: None,
                    content: "-".into(),
                    mode,
                    owner,
                }
            } else {
                let (size, hash) = sha256_file(&p);
                Row {
                    kind: 'f',
                    size: Some(size),
                    content: hash,
                    mode,
                    owner,
                }
            };
            m.insert(rel, row);
        }
    }
    m
}

/// Parses the tab-separated output of our `pycdlib_view.py` and `kernel-view.sh`.
pub fn parse_manifest(text: &str) -> Manifest {
    let mut m = Manifest::new();
    for line in text.lines().filter(|l| !l.is_empty()) {
        let f: Vec<&str> = line.split('\t').collect();
        assert!(f.len() >= 5, "bad manifest line {line:?}");
        let opt = |s: &str| (s != "-").then(|| s.to_string());
        m.insert(
            f[4].to_string(),
            Row {
                kind: f[0].chars().next().unwrap(),
                size: opt(f[1]).map(|s| s.parse().unwrap()),
                content: f[2].to_string(),
                mode: opt(f[3]).map(|s| u32::from_str_radix(&s, 8).unwrap()),
                owner: f.get(5).and_then(|s| opt(s)),
            },
        );
    }
    m
}

/// Fails with the first 40 differences when `actual` is not `expected`
/// (`attrs`: modes and owners compared too).
pub fn assert_same(what: &str, expected: &Manifest, actual: &Manifest, attrs: bool) {
    let d = diff(expected, actual, attrs);
    assert!(
        d.is_empty(),
        "{what}: {} differences:\n{}",
        d.len(),
        d.iter().take(40).cloned().collect::<Vec<_>>().join("\n")
    );
}

/// Compares what a reader saw with what was expected; returns differences.
/// Modes and owners are compared where both sides know them and `attrs` is set.
pub fn diff(expected: &Manifest, actual: &Manifest, attrs: bool) -> Vec<String> {
    let mut d = Vec::new();
    for (p, e) in expected {
        match actual.get(p) {
            None => d.push(format!("missing: {p}")),
            Some(a) => {
                if a.kind != e.kind || a.size != e.size || (a.kind != 'd' && a.content != e.content)
                {
                    d.push(format!("differs: {p}: expected {e:?}, found {a:?}"));
                } else if attrs {
                    if let (Some(x), Some(y)) = (e.mode, a.mode) {
                        if x != y && a.kind != 'l' {
                            d.push(format!("mode differs: {p}: expected {x:o}, found {y:o}"));
                        }
                    }
                    if let (Some(x), Some(y)) = (&e.owner, &a.owner) {
                        if x != y {
                            d.push(format!("owner differs: {p}: expected {x}, found {y}"));
                        }
                    }
                }
            }
        }
    }
    for p in actual.keys() {
        if !expected.contains_key(p) {
            d.push(format!("unexpected: {p}"));
        }
    }
    d
}

/// The manifest with trailing dots dropped from every name (as Windows
/// tools extract them).
pub fn without_trailing_dots(m: &Manifest) -> Manifest {
    m.iter()
        .map(|(p, r)| {
            let p = p
                .split('/')
                .map(|c| c.trim_end_matches('.'))
                .collect::<Vec<_>>()
                .join("/");
            (p, r.clone())
        })
        .collect()
}

/// Keeps only the permission bits `mask` of every mode (for readers that
/// cannot show the others).
pub fn mask_modes(m: &Manifest, mask: u32) -> Manifest {
    m.iter()
        .map(|(p, r)| {
            let mut r = r.clone();
            r.mode = r.mode.map(|x| x & mask);
            (p.clone(), r)
        })
        .collect()
}

/// The multiset of non-empty files (size, hash), for views whose names we do
/// not predict (the plain ISO 9660 view of a relocated tree).
pub fn file_contents(m: &Manifest) -> Vec<(u64, String)> {
    let mut v: Vec<(u64, String)> = m
        .values()
        .filter(|r| r.kind == 'f' && r.size != Some(0))
        .map(|r| (r.size.unwrap(), r.content.clone()))
        .collect();
    v.sort();
    v
}

// ----- expected views -----

/// The views of an image.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    /// ISO 9660 with Rock Ridge.
    RockRidge,
    /// Joliet.
    Joliet,
    /// Plain ISO 9660.
    Iso,
    /// UDF.
    Udf,
}

/// Normalises a plain ISO 9660 path as readers differ: without ";1" and a
/// trailing dot, upper case.
pub fn iso_norm(path: &str) -> String {
    path.split('/')
        .map(|c| {
            let c = c.strip_suffix(";1").unwrap_or(c);
            let c = c.strip_suffix('.').unwrap_or(c);
            c.to_uppercase()
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Rebuilds the image tree of `mkimage SRC` with the library and returns what
/// each view should show, computed from the names the writer intended.
pub fn expected_view(src: &Path, view: View, iso_level: u8) -> Manifest {
    let mut img = FileSystemImage::new();
    img.set_free_media_blocks(0).unwrap();
    img.set_iso9660_interchange_level(iso_level).unwrap();
    let root = img.root();
    img.add_tree(root, src, false).unwrap();
    let host = manifest_dir(src);
    let mut m = Manifest::new();
    let fs = match view {
        View::RockRidge => FileSystems::ROCK_RIDGE,
        View::Joliet => FileSystems::JOLIET,
        View::Iso => FileSystems::ISO9660,
        View::Udf => FileSystems::UDF,
    };
    // (directory, its path in this view)
    let mut stack: Vec<(ItemId, String)> = vec![(root, String::new())];
    while let Some((dir, dir_path)) = stack.pop() {
        for (id, name) in img.file_system_names(dir, fs).unwrap() {
            let full = img.full_path(id);
            let kind = img.kind(id);
            let path = format!("{dir_path}/{name}");
            if kind == ItemKind::Directory {
                stack.push((id, path.clone()));
            }
            let src_row = host
                .get(&full)
                .unwrap_or_else(|| panic!("{full} not in source"));
            let row = match view {
                View::RockRidge | View::Udf => src_row.clone(),
                View::Joliet => strip_attrs(src_row),
                View::Iso if kind == ItemKind::Symlink || kind == ItemKind::Special => Row {
                    kind: 'f',
                    size: Some(0),
                    content: EMPTY_SHA256.into(),
                    mode: None,
                    owner: None,
                },
                View::Iso => strip_attrs(src_row),
            };
            let key = if view == View::Iso {
                iso_norm(&path)
            } else {
                path
            };
            m.insert(key, row);
        }
    }
    m
}

/// sha256 of nothing.
pub const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

fn strip_attrs(r: &Row) -> Row {
    Row {
        mode: None,
        owner: None,
        ..r.clone()
    }
}

// ----- readers -----

/// Structural checks that read the whole image: each must pass.
pub fn structure_checks(img: &Path) {
    structure_checks_with(img, true)
}

/// Structural checks; `isovfy` is left out for images with multi-extent
/// files, which it does not understand (it fails xorriso's the same way).
pub fn structure_checks_with(img: &Path, isovfy: bool) {
    let i = img.to_str().unwrap();
    if isovfy {
        let out = Command::new("isovfy").arg(i).output().expect("isovfy");
        let text = String::from_utf8_lossy(&out.stdout).to_string()
            + &String::from_utf8_lossy(&out.stderr);
        assert!(
            text.lines().any(|l| l.starts_with("No errors found")),
            "isovfy reports errors:\n{text}"
        );
    }
    for args in [
        vec!["-d", "-i", i],
        vec!["-l", "-i", i],
        vec!["-R", "-l", "-i", i],
        vec!["-J", "-l", "-i", i],
    ] {
        let o = Command::new("isoinfo")
            .args(&args)
            .output()
            .expect("isoinfo");
        assert!(
            o.status.success() && o.stderr.is_empty(),
            "isoinfo {args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    run_ok(Command::new("xorriso").args([
        "-abort_on",
        "NEVER",
        "-return_with",
        "WARNING",
        "32",
        "-report_about",
        "WARNING",
        "-indev",
        i,
        "-report_el_torito",
        "plain",
        "-report_system_area",
        "plain",
    ]));
    for extra in [&[][..], &["--no-rock-ridge"][..]] {
        let o = Command::new("iso-info")
            .args(extra)
            .args(["-i", i, "-l"])
            .output()
            .expect("iso-info");
        assert!(
            o.status.success() && o.stderr.is_empty(),
            "iso-info {extra:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    run_ok(Command::new(tool("7z")).args(["t", "-tiso", i]));
    let blkid = run_ok(Command::new("blkid").args(["-p", "-n", "iso9660", i]));
    assert!(blkid.contains("TYPE=\"iso9660\""), "blkid: {blkid}");
}

/// Extracts one view with xorriso (libisofs) and returns what it wrote.
pub fn xorriso_view(img: &Path, view: View, out: &Path) -> Manifest {
    let fs = match view {
        View::RockRidge | View::Udf => "any",
        View::Joliet => "norock",
        View::Iso => "ecma119",
    };
    let mut cmd = Command::new("xorriso");
    cmd.args([
        "-abort_on",
        "NEVER",
        "-return_with",
        "WARNING",
        "32",
        "-report_about",
        "WARNING",
        "-read_fs",
        fs,
    ]);
    if view == View::Iso {
        cmd.args(["-ecma119_map", "unmapped"]);
    }
    cmd.args(["-osirrox", "on", "-indev"])
        .arg(img)
        .args(["-extract", "/"])
        .arg(out);
    run_ok(&mut cmd);
    normalise(manifest_dir(out), view)
}

/// Extracts one view with bsdtar (libarchive).
pub fn bsdtar_view(img: &Path, view: View, out: &Path) -> Manifest {
    fs::create_dir_all(out).unwrap();
    let mut cmd = Command::new("bsdtar");
    match view {
        View::RockRidge | View::Udf => {}
        View::Joliet => {
            cmd.args(["--options", "iso9660:!rockridge"]);
        }
        View::Iso => {
            cmd.args(["--options", "iso9660:!rockridge,!joliet"]);
        }
    }
    cmd.arg("-xf").arg(img).arg("-C").arg(out);
    run_ok(&mut cmd);
    normalise(manifest_dir(out), view)
}

/// Extracts the Joliet view with 7-Zip (which has no Rock Ridge).
pub fn sevenzip_view(img: &Path, out: &Path) -> Manifest {
    let mut o = std::ffi::OsString::from("-o");
    o.push(out);
    run_ok(
        Command::new(tool("7z"))
            .args(["x", "-y", "-tiso"])
            .arg(o)
            .arg(img),
    );
    normalise(manifest_dir(out), View::Joliet)
}

/// One view as pycdlib reads it (our `tests/tools/pycdlib_view.py`).
pub fn pycdlib_view(img: &Path, view: View) -> Manifest {
    let v = match view {
        View::RockRidge => "rr",
        View::Joliet => "joliet",
        View::Iso => "iso",
        View::Udf => "udf",
    };
    let out = run_ok(
        Command::new("python3")
            .arg(tool_script("pycdlib_view.py"))
            .arg(img)
            .arg(v),
    );
    normalise(parse_manifest(&out), view)
}

/// One view as the Linux kernel's isofs driver reads it, under QEMU
/// (our `tests/tools/kernel-view.sh`).
pub fn kernel_view(img: &Path, view: View) -> Manifest {
    let (fs, opts) = match view {
        View::RockRidge => ("iso9660", "ro"),
        View::Joliet => ("iso9660", "ro,norock,iocharset=utf8"),
        View::Iso => ("iso9660", "ro,norock,nojoliet"),
        View::Udf => ("udf", "ro"),
    };
    let out = run_ok(
        Command::new("bash")
            .arg(tool_script("kernel-view.sh"))
            .arg(img)
            .arg(fs)
            .arg(opts),
    );
    normalise(parse_manifest(&out), view)
}

/// One view as isoinfo (cdrkit) lists it, each file read with `isoinfo -x`.
/// isoinfo cannot print non-Latin-1 Joliet names, so it is used on ASCII
/// trees, and it shows no set-id or sticky bits, so modes keep 0o777 only.
pub fn isoinfo_view(img: &Path, view: View) -> Manifest {
    let flag: &[&str] = match view {
        View::RockRidge => &["-R"],
        View::Joliet => &["-J"],
        View::Iso | View::Udf => &[],
    };
    let listing = run_ok(
        Command::new("isoinfo")
            .args(flag)
            .arg("-l")
            .arg("-i")
            .arg(img),
    );
    let mut m = Manifest::new();
    let mut dir = String::new();
    for line in listing.lines() {
        if let Some(d) = line.strip_prefix("Directory listing of ") {
            dir = d.trim_end_matches('/').to_string();
            continue;
        }
        let Some(split) = line.find("]  ") else {
            continue;
        };
        let name_part = line[split + 3..].trim_end_matches(' ');
        let fields: Vec<&str> = line[..split].split_whitespace().collect();
        let kind = line.chars().next().unwrap();
        let (name, target) = match (kind, name_part.split_once(" -> ")) {
            ('l', Some((n, t))) => (n, Some(t)),
            _ => (name_part, None),
        };
        if name == "." || name == ".." {
            continue;
        }
        let path = format!("{dir}/{name}");
        let mode = (view == View::RockRidge).then(|| mode_of(fields[0]) & 0o777);
        let row = match kind {
            'd' => Row {
                kind: 'd',
                size: None,
                content: "-".into(),
                mode,
                owner: None,
            },
            'l' => Row {
                kind: 'l',
                size: None,
                content: target.unwrap_or("").to_string(),
                mode,
                owner: None,
            },
            _ => {
                let mut child = Command::new("isoinfo")
                    .args(flag)
                    .arg("-i")
                    .arg(img)
                    .arg("-x")
                    .arg(&path)
                    .stdout(Stdio::piped())
                    .spawn()
                    .expect("isoinfo -x");
                let (size, hash) = sha256_reader(child.stdout.take().unwrap());
                assert!(child.wait().unwrap().success(), "isoinfo -x {path}");
                Row {
                    kind: 'f',
                    size: Some(size),
                    content: hash,
                    mode,
                    owner: None,
                }
            }
        };
        m.insert(path, row);
    }
    normalise(m, view)
}

fn mode_of(s: &str) -> u32 {
    let b = s.as_bytes();
    let mut m = 0;
    let bits = [0o400, 0o200, 0o100, 0o40, 0o20, 0o10, 0o4, 0o2, 0o1];
    for (i, bit) in bits.into_iter().enumerate() {
        if matches!(b[1 + i], b'r' | b'w' | b'x' | b's' | b't') {
            m |= bit;
        }
    }
    if matches!(b[3], b's' | b'S') {
        m |= 0o4000;
    }
    if matches!(b[6], b's' | b'S') {
        m |= 0o2000;
    }
    if matches!(b[9], b't' | b'T') {
        m |= 0o1000;
    }
    m
}

/// Normalises plain ISO 9660 names (readers differ on ";1" and a trailing
/// dot). Rock Ridge views are compared as read: no relocation directory may
/// show.
fn normalise(m: Manifest, view: View) -> Manifest {
    match view {
        View::Iso => m.into_iter().map(|(p, r)| (iso_norm(&p), r)).collect(),
        View::Udf | View::RockRidge | View::Joliet => m,
    }
}

/// A scratch directory under the system temp dir.
pub fn scratch() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("imapi2-test.")
        .tempdir()
        .expect("temp dir")
}

/// Builds an image with `imapi2 mkimage`; extra arguments before the source.
/// Every image built so is then checked by `imapi2 verify`, which must find
/// no error in it (warnings are allowed: they name what ECMA-119 forbids
/// and every reader takes).
pub fn mkimage(src: &Path, out: &Path, extra: &[&str]) {
    run_ok(
        imapi2()
            .arg("mkimage")
            .arg("-q")
            .arg("-o")
            .arg(out)
            .args(extra)
            .arg(src),
    );
    let o = imapi2().arg("verify").arg(out).output().unwrap();
    assert!(
        o.status.success(),
        "imapi2 verify rejects what mkimage {extra:?} wrote:\n{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Writes a file with given content and mode.
pub fn write(path: &Path, content: &[u8], mode: u32) {
    if let Some(p) = path.parent() {
        fs::create_dir_all(p).unwrap();
    }
    fs::write(path, content).unwrap();
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

/// Deterministic pseudo-random bytes.
pub fn noise(len: usize, seed: u32) -> Vec<u8> {
    let mut x = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    (0..len)
        .map(|_| {
            x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (x >> 24) as u8
        })
        .collect()
}

// ----- booting under QEMU -----

/// Firmware to boot with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Firmware {
    /// SeaBIOS (QEMU's default BIOS).
    Bios,
    /// OVMF (UEFI).
    Uefi,
}

/// How the image is attached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Medium {
    /// An ATAPI CD-ROM: the El Torito path.
    Cdrom,
    /// A hard disk: the hybrid MBR/GPT path, as a USB stick would boot.
    Disk,
}

/// A 512-byte x86 real-mode boot sector that prints `message` on COM1 and
/// then ends QEMU through its isa-debug-exit port. It uses no memory
/// operands, so it runs wherever the firmware loads it (no emulation, or as
/// a floppy's boot sector).
pub fn tiny_boot_sector(message: &str) -> Vec<u8> {
    let mut code = vec![0xFA]; // cli
    code.extend([0xBA, 0xF8, 0x03]); // mov dx, 0x3F8 (COM1 data)
    for b in message.bytes() {
        code.extend([0xB0, b, 0xEE]); // mov al, b; out dx, al
    }
    code.extend([0xBA, 0xF4, 0x00, 0xB0, 0x10, 0xEE]); // mov dx, 0xF4; mov al, 0x10; out dx, al
    code.extend([0xF4, 0xEB, 0xFD]); // hlt; jmp back to hlt
    assert!(code.len() <= 510);
    let mut s = vec![0u8; 512];
    s[..code.len()].copy_from_slice(&code);
    s[510] = 0x55;
    s[511] = 0xAA;
    s
}

/// Boots `img` under QEMU (TCG) and waits for `expect` on the serial port.
/// Fails early when the firmware gives up. Returns the serial output.
pub fn boot(img: &Path, fw: Firmware, medium: Medium, expect: &str, timeout_s: u64) -> String {
    let work = scratch();
    let serial = work.path().join("serial.log");
    let debug = work.path().join("firmware.log");
    fs::write(&serial, b"").unwrap();
    fs::write(&debug, b"").unwrap();
    let mut cmd = Command::new("qemu-system-x86_64");
    cmd.args([
        "-accel", "tcg", "-m", "256", "-smp", "1", "-display", "none", "-vga", "none",
    ])
    .args(["-monitor", "none", "-nodefaults", "-no-reboot"])
    .arg("-serial")
    .arg(format!("file:{}", serial.display()))
    .args(["-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]);
    match fw {
        Firmware::Bios => {
            cmd.args(["-machine", "pc", "-chardev"])
                .arg(format!("file,id=dbg,path={}", debug.display()))
                .args(["-device", "isa-debugcon,iobase=0x402,chardev=dbg"]);
        }
        Firmware::Uefi => {
            let vars = work.path().join("vars.fd");
            fs::copy("/usr/share/OVMF/OVMF_VARS_4M.fd", &vars).expect("OVMF (package ovmf)");
            cmd.args(["-machine", "q35", "-drive"])
                .arg("if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd")
                .arg("-drive")
                .arg(format!(
                    "if=pflash,format=raw,unit=1,file={}",
                    vars.display()
                ));
        }
    }
    match medium {
        Medium::Cdrom => cmd
            .arg("-drive")
            .arg(format!(
                "file={},format=raw,media=cdrom,readonly=on,if=none,id=d0",
                img.display()
            ))
            .args(["-device", "ide-cd,drive=d0,bootindex=0"]),
        Medium::Disk => cmd
            .arg("-drive")
            .arg(format!(
                "file={},format=raw,if=none,id=d0,snapshot=on",
                img.display()
            ))
            .args(["-device", "ide-hd,drive=d0,bootindex=0"]),
    };
    let mut child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("qemu-system-x86_64");
    let started = std::time::Instant::now();
    let fail_marks = ["No bootable device", "Boot failed", "Shell> "];
    let outcome = loop {
        let out = String::from_utf8_lossy(&fs::read(&serial).unwrap_or_default()).into_owned();
        if out.contains(expect) {
            break Ok(out);
        }
        let fw_log = String::from_utf8_lossy(&fs::read(&debug).unwrap_or_default()).into_owned();
        if let Some(m) = fail_marks
            .iter()
            .find(|m| out.contains(**m) || (fw == Firmware::Bios && fw_log.contains(**m)))
        {
            break Err(format!("firmware says {m:?}"));
        }
        if let Ok(Some(status)) = child.try_wait() {
            let out = String::from_utf8_lossy(&fs::read(&serial).unwrap_or_default()).into_owned();
            if out.contains(expect) {
                break Ok(out);
            }
            break Err(format!("QEMU exited ({status}) without {expect:?}"));
        }
        if started.elapsed().as_secs() > timeout_s {
            break Err(format!("no {expect:?} within {timeout_s} s"));
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    let _ = child.kill();
    let _ = child.wait();
    match outcome {
        Ok(out) => out,
        Err(why) => {
            let serial_text =
                String::from_utf8_lossy(&fs::read(&serial).unwrap_or_default()).replace('\r', "");
            let fw_text =
                String::from_utf8_lossy(&fs::read(&debug).unwrap_or_default()).into_owned();
            let fw_tail: Vec<&str> = fw_text
                .lines()
                .filter(|l| l.contains("Boot") || l.contains("boot") || l.contains("CDROM"))
                .collect();
            let lines: Vec<&str> = serial_text.lines().collect();
            let tail = &lines[lines.len().saturating_sub(20)..];
            panic!(
                "{fw:?}/{medium:?} boot of {} failed: {why}\nserial:\n{}\nfirmware:\n{}",
                img.display(),
                tail.join("\n"),
                fw_tail.join("\n")
            );
        }
    }
}

// ----- UDF readers -----

/// Extracts the UDF view with 7-Zip (which knows no UDF symbolic links and
/// restores no modes).
pub fn sevenzip_udf_view(img: &Path, out: &Path) -> Manifest {
    let mut o = std::ffi::OsString::from("-o");
    o.push(out);
    run_ok(
        Command::new(tool("7z"))
            .args(["x", "-y", "-tudf"])
            .arg(o)
            .arg(img),
    );
    manifest_dir(out)
}

/// Our libudfread extractor (`tests/tools/udfread-extract.c`), built once
/// per test binary.
pub fn udfread_tool() -> PathBuf {
    static TOOL: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    TOOL.get_or_init(|| {
        let out = std::env::temp_dir().join(format!("imapi2-udfread-{}", std::process::id()));
        run_ok(
            Command::new("cc")
                .args(["-O2", "-o"])
                .arg(&out)
                .arg(tool_script("udfread-extract.c"))
                .arg("-ludfread"),
        );
        out
    })
    .clone()
}

/// Extracts the UDF view with libudfread (it takes a symbolic link for a
/// file holding its path components, so trees with links are compared
/// without them). Its names are "MUTF-8" (CESU-8: a character outside the
/// BMP as two encoded surrogates); they are decoded here.
pub fn udfread_view(img: &Path, out: &Path) -> Manifest {
    run_ok(Command::new(udfread_tool()).arg(img).arg(out));
    manifest_dir_named(out, decode_cesu8)
}

/// Decodes CESU-8 ("modified UTF-8" without the NUL rule): characters
/// outside the BMP arrive as two 3-byte surrogate sequences, which is how
/// libudfread hands out names.
pub fn decode_cesu8(bytes: &[u8]) -> String {
    let mut units: Vec<u16> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let (cp, len) = if b < 0x80 {
            (b as u32, 1)
        } else if b & 0xE0 == 0xC0 && i + 1 < bytes.len() {
            (((b as u32 & 0x1F) << 6) | (bytes[i + 1] as u32 & 0x3F), 2)
        } else if b & 0xF0 == 0xE0 && i + 2 < bytes.len() {
            (
                ((b as u32 & 0x0F) << 12)
                    | ((bytes[i + 1] as u32 & 0x3F) << 6)
                    | (bytes[i + 2] as u32 & 0x3F),
                3,
            )
        } else if b & 0xF8 == 0xF0 && i + 3 < bytes.len() {
            let cp = ((b as u32 & 0x07) << 18)
                | ((bytes[i + 1] as u32 & 0x3F) << 12)
                | ((bytes[i + 2] as u32 & 0x3F) << 6)
                | (bytes[i + 3] as u32 & 0x3F);
            (cp, 4)
        } else {
            (0xFFFD, 1)
        };
        if cp >= 0x10000 {
            let c = cp - 0x10000;
            units.push(0xD800 | (c >> 10) as u16);
            units.push(0xDC00 | (c & 0x3FF) as u16);
        } else {
            units.push(cp as u16);
        }
        i += len;
    }
    String::from_utf16_lossy(&units)
}

/// Mounts the image with udfclient (NetBSD's UDF code) and fetches every
/// file; returns what it wrote.
pub fn udfclient_view(img: &Path, out: &Path) -> Manifest {
    fs::create_dir_all(out).unwrap();
    let listing = Command::new("sh")
        .arg("-c")
        .arg("printf 'ls\\nquit\\n' | udfclient -b 2048 \"$1\"")
        .arg("sh")
        .arg(img)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&listing.stdout).into_owned();
    let volume = text
        .lines()
        .skip_while(|l| !l.starts_with("Directory listing of /"))
        .nth(1)
        .and_then(|l| l.split_whitespace().last())
        .unwrap_or_else(|| panic!("udfclient mounted no volume:\n{text}"))
        .to_string();
    let o = Command::new("sh")
        .arg("-c")
        .arg("cd \"$1\" && printf 'cd \"%s\"\\nmget .\\nquit\\n' \"$2\" | udfclient -b 2048 \"$3\"")
        .arg("sh")
        .arg(out)
        .arg(&volume)
        .arg(img)
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&o.stdout).to_lowercase()
        + &String::from_utf8_lossy(&o.stderr).to_lowercase();
    assert!(
        !log.contains("error") && !log.contains("fail") && !log.contains("can't"),
        "udfclient: {log}"
    );
    manifest_dir(out)
}

/// `udfinfo` output as key → value.
pub fn udfinfo(img: &Path) -> BTreeMap<String, String> {
    run_ok(Command::new("udfinfo").arg(img))
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}
