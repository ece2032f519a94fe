//! UDF file identifiers: OSTA Compressed Unicode names (UDF 2.1.1), at most
//! 255 bytes, unique within a directory.

use std::collections::HashSet;

use crate::udf::ecma167::{cs0_decode, cs0_encode};

/// Bytes of a UDF file identifier at most (UDF 2.60 §2.3.4.2).
const MAX_NAME: usize = 255;

/// The extension kept when a name is cut: a dot (not the first character)
/// and at most 15 characters after it, as Joliet keeps it.
fn split_extension(name: &str) -> (&str, &str) {
    match name.rfind('.') {
        Some(p) if p > 0 && name[p..].chars().count() <= 16 => (&name[..p], &name[p..]),
        _ => (name, ""),
    }
}

/// The CS0 form of `stem + suffix` with the stem cut (at a character) until
/// the whole fits `max` bytes; None when even an empty stem does not.
fn fit(stem: &str, suffix: &str, max: usize) -> Option<Vec<u8>> {
    let mut s = stem.to_string();
    loop {
        let candidate = format!("{s}{suffix}");
        let enc = cs0_encode(&candidate, max);
        if cs0_decode(&enc).is_ok_and(|d| d == candidate) {
            return Some(enc);
        }
        s.pop()?;
    }
}

/// CS0 names for a directory's entries, unique. A name longer than 255
/// bytes is cut in its stem, keeping its extension; a cut name that meets
/// another gets `~N` before its extension. Bytes that are not UTF-8
/// ([`crate::escape`]) become `_`. Returns the index of a name that could
/// not be made unique.
pub(crate) fn unique_names(names: &[&str]) -> std::result::Result<Vec<Vec<u8>>, usize> {
    let plain: Vec<std::borrow::Cow<str>> = names
        .iter()
        .map(|n| crate::escape::replaced(n, '_'))
        .collect();
    let mut encoded = Vec::with_capacity(names.len());
    let mut cut = Vec::with_capacity(names.len());
    for name in &plain {
        let whole = cs0_encode(name, MAX_NAME);
        if cs0_decode(&whole).is_ok_and(|d| d == name.as_ref()) {
            encoded.push(whole);
            cut.push(false);
        } else {
            let (stem, ext) = split_extension(name);
            encoded.push(fit(stem, ext, MAX_NAME).unwrap_or(whole));
            cut.push(true);
        }
    }
    let mut taken: HashSet<Vec<u8>> = HashSet::new();
    let mut out = vec![Vec::new(); names.len()];
    // Names that were not cut keep them; cut names take what is left.
    for pass in [false, true] {
        for (i, name) in plain.iter().enumerate() {
            if cut[i] != pass {
                continue;
            }
            if taken.insert(encoded[i].clone()) {
                out[i] = encoded[i].clone();
                continue;
            }
            let (stem, ext) = split_extension(name);
            let found = (1..100_000u32).find_map(|n| {
                let enc = fit(stem, &format!("~{n}{ext}"), MAX_NAME)?;
                taken.insert(enc.clone()).then_some(enc)
            });
            match found {
                Some(enc) => out[i] = enc,
                None => return Err(i),
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_stay_unique_when_cut() {
        let long_a = format!("{}a.txt", "x".repeat(300));
        let long_b = format!("{}b.txt", "x".repeat(300));
        let names = unique_names(&["short", &long_a, &long_b]).unwrap();
        assert_eq!(names[0], b"\x08short");
        assert!(names.iter().all(|n| n.len() <= 255));
        assert_ne!(names[1], names[2]);
        let s = cs0_decode(&names[2]).unwrap();
        assert!(s.ends_with("~1.txt") || cs0_decode(&names[1]).unwrap().ends_with("~1.txt"));
        // A cut keeps the extension, in 8- and 16-bit CS0 alike.
        for long in [
            format!("{}.txt", "x".repeat(300)),
            format!("{}.txt", "Ω".repeat(125)),
        ] {
            let n = cs0_decode(&unique_names(&[&long]).unwrap()[0]).unwrap();
            assert!(n.ends_with(".txt") && n.len() < long.len(), "{n}");
        }
    }

    #[test]
    fn bytes_that_are_not_utf8_become_underscores() {
        let name = crate::escape::from_bytes(b"bad\xff\xfe.txt");
        let n = cs0_decode(&unique_names(&[&name]).unwrap()[0]).unwrap();
        assert_eq!(n, "bad__.txt");
    }
}
