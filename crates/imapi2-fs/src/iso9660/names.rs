//! Names: validation of item names, and the per-file-system mangling that
//! turns a directory's names into unique ISO 9660 and Joliet identifiers.
//!
//! Mangling is deterministic (it depends only on the set of names in the
//! directory), collision-free, and O(n log n) per directory: candidates are
//! sorted once, and each clashing stem resumes its numeric suffix where it
//! stopped instead of searching from 1 again.
//!
//! ISO 9660 identifiers (ECMA-119 §7.5, §7.6): d-characters `A-Z 0-9 _`; level 1
//! allows 8.3 file names and 8-character directory names; levels 2 and 3 allow
//! 30 characters of name plus extension and 31-character directory names.
//! Lower case becomes upper case, every other character `_`; only the last dot
//! of a file name separates the extension.
//!
//! Joliet identifiers: UCS-2 big-endian, at most 64 characters, without
//! `* / : ; ? \` and control characters (replaced by `_`). Long names keep
//! their extension (up to 16 characters). Joliet is UCS-2: characters outside
//! the Basic Multilingual Plane (emoji, rare CJK) become `_` there, as
//! xorriso does by default. UTF-16 surrogate pairs would keep them for
//! Windows and Linux, but strict UCS-2 readers (libcdio) refuse the whole
//! directory; the Rock Ridge tree keeps every name exactly. Joliet names are
//! unique without regard to case, as Windows and Linux look them up.

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

use crate::filesystems::FileSystems;

fn d_char(c: char) -> char {
    match c {
        'A'..='Z' | '0'..='9' | '_' => c,
        'a'..='z' => c.to_ascii_uppercase(),
        _ => '_',
    }
}

fn joliet_char_ok(c: char) -> bool {
    !(c < ' ' || matches!(c, '*' | '/' | ':' | ';' | '?' | '\\'))
}

/// A character as Joliet writes it: UCS-2 has no room for characters beyond
/// the Basic Multilingual Plane, nor for the few Joliet forbids; `_` for them.
fn joliet_char(c: char) -> char {
    if !joliet_char_ok(c) || c.len_utf16() > 1 {
        '_'
    } else {
        c
    }
}

/// Text for a Joliet descriptor field, as UCS-2 units (never surrogates).
pub(crate) fn joliet_units(s: &str) -> Vec<u16> {
    s.chars().map(|c| joliet_char(c) as u16).collect()
}

/// The volume name as file system `fs` writes it: ISO 9660 (and Rock Ridge)
/// d-characters, up to 32; Joliet up to 16 UCS-2 units.
pub(crate) fn volume_name_for(name: &str, fs: FileSystems) -> String {
    if fs.contains(FileSystems::JOLIET) {
        name.chars().map(joliet_char).take(16).collect()
    } else {
        name.chars().map(d_char).take(32).collect()
    }
}

/// A name to mangle: the item's own name and whether it is a directory.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Candidate<'a> {
    pub(crate) name: &'a str,
    pub(crate) is_dir: bool,
}

/// One file system's naming rules.
trait Rules {
    /// The best identifier for `c`, as (stem, extension); the identifier is
    /// `stem` or `stem.ext`.
    fn desired(&self, c: &Candidate) -> (Vec<u16>, Option<Vec<u16>>);
    /// Longest stem (in units) beside an extension of `ext_len` units.
    fn max_stem(&self, is_dir: bool, ext_len: usize) -> usize;
    /// The form two identifiers are compared in for uniqueness.
    fn fold(&self, name: &[u16]) -> Vec<u16> {
        name.to_vec()
    }
}

struct IsoRules {
    level: u8,
}

impl Rules for IsoRules {
    fn desired(&self, c: &Candidate) -> (Vec<u16>, Option<Vec<u16>>) {
        let to_units = |s: &str| -> Vec<u16> { s.chars().map(|ch| d_char(ch) as u16).collect() };
        if c.is_dir {
            let mut stem = to_units(c.name);
            stem.truncate(self.max_stem(true, 0));
            return (stem, None);
        }
        let (stem, ext) = match c.name.rfind('.') {
            Some(i) if i > 0 => (&c.name[..i], Some(&c.name[i + 1..])),
            _ => (c.name, None),
        };
        let mut stem = to_units(stem);
        let mut ext = ext.map(to_units).filter(|e| !e.is_empty());
        if let Some(e) = &mut ext {
            e.truncate(if self.level == 1 { 3 } else { 10 });
        }
        let ext_len = ext.as_ref().map_or(0, Vec::len);
        stem.truncate(self.max_stem(false, ext_len));
        if stem.is_empty() && ext.is_none() {
            stem.push(u16::from(b'_'));
        }
        (stem, ext)
    }

    fn max_stem(&self, is_dir: bool, ext_len: usize) -> usize {
        match (self.level, is_dir) {
            (1, _) => 8,
            (_, true) => 31,
            (_, false) => 30 - ext_len,
        }
    }
}

struct JolietRules;

const JOLIET_MAX: usize = 64;
const JOLIET_MAX_EXT: usize = 16;

impl JolietRules {
    fn units(&self, s: &str) -> Vec<u16> {
        joliet_units(s)
    }
}

impl Rules for JolietRules {
    fn desired(&self, c: &Candidate) -> (Vec<u16>, Option<Vec<u16>>) {
        let all = self.units(c.name);
        if !c.is_dir {
            if let Some(i) = c.name.rfind('.').filter(|&i| i > 0) {
                let ext = self.units(&c.name[i + 1..]);
                if !ext.is_empty() && ext.len() <= JOLIET_MAX_EXT {
                    let mut stem = self.units(&c.name[..i]);
                    stem.truncate(JOLIET_MAX - 1 - ext.len());
                    return (stem, Some(ext));
                }
            }
        }
        let mut stem = all;
        stem.truncate(JOLIET_MAX);
        (stem, None)
    }

    fn max_stem(&self, _is_dir: bool, ext_len: usize) -> usize {
        if ext_len > 0 {
            JOLIET_MAX - 1 - ext_len
        } else {
            JOLIET_MAX
        }
    }

    /// Joliet names are looked up without regard to case (by Windows, and by
    /// Linux, whose Joliet default is `check=relaxed`): fold case so that
    /// `README` and `readme` do not share a name there.
    fn fold(&self, name: &[u16]) -> Vec<u16> {
        let mut out = Vec::with_capacity(name.len());
        for c in char::decode_utf16(name.iter().copied()) {
            match c {
                Ok(c) => {
                    let mut buf = [0u16; 2];
                    for l in c.to_lowercase() {
                        out.extend_from_slice(l.encode_utf16(&mut buf));
                    }
                }
                Err(e) => out.push(e.unpaired_surrogate()),
            }
        }
        out
    }
}

fn join(stem: &[u16], ext: &Option<Vec<u16>>) -> Vec<u16> {
    let mut v = stem.to_vec();
    if let Some(e) = ext {
        v.push(u16::from(b'.'));
        v.extend_from_slice(e);
    }
    v
}

/// Gives every candidate a unique identifier (UTF-16 units; ISO names are
/// ASCII). Returns the index of a candidate that could not be named.
fn make_unique(
    cands: &[Candidate],
    rules: &dyn Rules,
) -> std::result::Result<Vec<Vec<u16>>, usize> {
    let desired: Vec<(Vec<u16>, Option<Vec<u16>>)> =
        cands.iter().map(|c| rules.desired(c)).collect();
    let full: Vec<Vec<u16>> = desired.iter().map(|(s, e)| join(s, e)).collect();
    let folded: Vec<Vec<u16>> = full.iter().map(|f| rules.fold(f)).collect();
    // Sort by desired identifier, then by the original name: the first of a
    // clash keeps its identifier, whatever order the items were added in.
    let mut order: Vec<usize> = (0..cands.len()).collect();
    order.sort_by(|&a, &b| {
        folded[a]
            .cmp(&folded[b])
            .then_with(|| full[a].cmp(&full[b]))
            .then_with(|| cands[a].name.cmp(cands[b].name))
    });
    let used: HashSet<&[u16]> = folded.iter().map(Vec::as_slice).collect();
    let mut out: Vec<Vec<u16>> = vec![Vec::new(); cands.len()];
    let mut next_suffix: HashMap<Vec<u16>, u32> = HashMap::new();
    let mut generated: HashSet<Vec<u16>> = HashSet::new();
    let mut i = 0;
    while i < order.len() {
        let first = order[i];
        out[first] = full[first].clone();
        let mut j = i + 1;
        while j < order.len() && folded[order[j]] == folded[first] {
            let idx = order[j];
            let (stem, ext) = &desired[idx];
            let room = rules.max_stem(cands[idx].is_dir, ext.as_ref().map_or(0, Vec::len));
            let counter = next_suffix.entry(folded[first].clone()).or_insert(1);
            loop {
                let suffix: Vec<u16> = format!("_{}", *counter).encode_utf16().collect();
                if suffix.len() >= room {
                    return Err(idx);
                }
                let mut s = stem.clone();
                s.truncate(room - suffix.len());
                s.extend_from_slice(&suffix);
                let name = join(&s, ext);
                let key = rules.fold(&name);
                *counter += 1;
                if !used.contains(key.as_slice()) && generated.insert(key) {
                    out[idx] = name;
                    break;
                }
            }
            j += 1;
        }
        i = j;
    }
    // Generated names never collide with desired names (checked against
    // `used`) nor with each other (the `generated` set).
    Ok(out)
}

/// ISO 9660 identifiers (without `;1`) for a directory's entries.
pub(crate) fn mangle_iso(
    cands: &[Candidate],
    level: u8,
) -> std::result::Result<Vec<String>, usize> {
    let names = make_unique(cands, &IsoRules { level })?;
    Ok(names
        .into_iter()
        .map(|v| v.into_iter().map(|u| u as u8 as char).collect())
        .collect())
}

/// Joliet identifiers (UCS-2 units) for a directory's entries.
pub(crate) fn mangle_joliet(cands: &[Candidate]) -> std::result::Result<Vec<Vec<u16>>, usize> {
    make_unique(cands, &JolietRules)
}

/// ECMA-119 §9.3 order of file identifiers: by name, then by extension, each
/// compared as if padded with spaces (works on bytes or UCS-2 units alike).
pub(crate) fn identifier_cmp<T: Copy + Ord + From<u8>>(a: &[T], b: &[T]) -> Ordering {
    let dot = T::from(b'.');
    let split = |v: &[T]| -> (Vec<T>, Vec<T>) {
        match v.iter().rposition(|&c| c == dot) {
            Some(i) => (v[..i].to_vec(), v[i + 1..].to_vec()),
            None => (v.to_vec(), Vec::new()),
        }
    };
    let (an, ae) = split(a);
    let (bn, be) = split(b);
    padded_cmp(&an, &bn).then_with(|| padded_cmp(&ae, &be))
}

fn padded_cmp<T: Copy + Ord + From<u8>>(a: &[T], b: &[T]) -> Ordering {
    let space = T::from(b' ');
    let n = a.len().max(b.len());
    for i in 0..n {
        let x = a.get(i).copied().unwrap_or(space);
        let y = b.get(i).copied().unwrap_or(space);
        match x.cmp(&y) {
            Ordering::Equal => continue,
            o => return o,
        }
    }
    Ordering::Equal
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(name: &str) -> Candidate<'_> {
        Candidate {
            name,
            is_dir: false,
        }
    }

    fn d(name: &str) -> Candidate<'_> {
        Candidate { name, is_dir: true }
    }

    #[test]
    fn iso_level_1_is_8_3() {
        let names = mangle_iso(
            &[
                c("readme.txt"),
                c("A long name.html"),
                d("some.dir"),
                c(".bashrc"),
            ],
            1,
        )
        .unwrap();
        assert_eq!(names, ["README.TXT", "A_LONG_N.HTM", "SOME_DIR", "_BASHRC"]);
    }

    #[test]
    fn iso_level_2_keeps_31_and_the_extension() {
        let long = "a-very-long-file-name-that-goes-on-and-on.tar.gz";
        let names = mangle_iso(&[c(long), c("Grüße.txt")], 2).unwrap();
        assert_eq!(names[0], "A_VERY_LONG_FILE_NAME_THAT_G.GZ");
        assert_eq!(names[0].len(), 31);
        assert_eq!(names[1], "GR__E.TXT");
    }

    #[test]
    fn clashes_get_numbered_suffixes_deterministically() {
        let a = [c("File.txt"), c("file.txt"), c("FILE.TXT"), c("file_1.txt")];
        let names = mangle_iso(&a, 2).unwrap();
        // file_1.txt keeps its own name; the clashing ones skip it.
        assert_eq!(
            names,
            ["FILE_2.TXT", "FILE_3.TXT", "FILE.TXT", "FILE_1.TXT"]
        );
        // The same set in another order gives the same names per item.
        let b = [a[3], a[2], a[1], a[0]];
        let names_b = mangle_iso(&b, 2).unwrap();
        assert_eq!(
            names_b,
            ["FILE_1.TXT", "FILE.TXT", "FILE_3.TXT", "FILE_2.TXT"]
        );
    }

    #[test]
    fn file_and_directory_of_one_name_do_not_clash_after_stripping() {
        let names = mangle_iso(&[c("foo"), d("FOO")], 2).unwrap();
        let mut stripped: Vec<_> = names.iter().map(|n| n.trim_end_matches('.')).collect();
        stripped.sort();
        stripped.dedup();
        assert_eq!(stripped.len(), 2, "{names:?}");
    }

    #[test]
    fn level_1_clashes_fit_in_eight() {
        let many: Vec<String> = (0..1200).map(|i| format!("longname{i}.txt")).collect();
        let cands: Vec<Candidate> = many.iter().map(|s| c(s)).collect();
        let names = mangle_iso(&cands, 1).unwrap();
        let set: HashSet<_> = names.iter().collect();
        assert_eq!(set.len(), 1200);
        assert!(names
            .iter()
            .all(|n| n.split('.').next().unwrap().len() <= 8));
    }

    #[test]
    fn joliet_truncates_to_64_and_keeps_the_extension() {
        let long = format!("{}.jpeg", "x".repeat(100));
        let n = mangle_joliet(&[c(&long)]).unwrap();
        assert_eq!(n[0].len(), 64);
        assert_eq!(
            String::from_utf16(&n[0]).unwrap(),
            format!("{}.jpeg", "x".repeat(59))
        );
        let n = mangle_joliet(&[c("a:b*c?.txt")]).unwrap();
        assert_eq!(String::from_utf16(&n[0]).unwrap(), "a_b_c_.txt");
    }

    #[test]
    fn joliet_outside_the_bmp() {
        let n = mangle_joliet(&[c("😀.txt"), c("日本.txt")]).unwrap();
        assert_eq!(n[0], [0x5F, 0x2E, 0x74, 0x78, 0x74]);
        assert_eq!(String::from_utf16(&n[1]).unwrap(), "日本.txt");
    }

    #[test]
    fn joliet_names_differing_in_case_clash() {
        let n = mangle_joliet(&[c("README"), c("readme"), c("Straße"), c("STRASSE")]).unwrap();
        let s: Vec<String> = n.iter().map(|v| String::from_utf16(v).unwrap()).collect();
        assert_eq!(s, ["README", "readme_1", "Straße", "STRASSE"]);
    }

    #[test]
    fn joliet_clashes_after_truncation() {
        let a = format!("{}1.txt", "y".repeat(70));
        let b = format!("{}2.txt", "y".repeat(70));
        let n = mangle_joliet(&[c(&a), c(&b)]).unwrap();
        assert_ne!(n[0], n[1]);
        assert!(n.iter().all(|v| v.len() <= 64));
    }

    #[test]
    fn ecma119_order() {
        let mut v: Vec<&[u8]> = vec![b"B.TXT", b"A.TXT", b"A", b"AB.C", b"A.B"];
        v.sort_by(|a, b| identifier_cmp(a, b));
        assert_eq!(v, [&b"A"[..], b"A.B", b"A.TXT", b"AB.C", b"B.TXT"]);
    }
}
