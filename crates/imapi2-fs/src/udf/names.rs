//! UDF file identifiers: OSTA Compressed Unicode names (UDF 2.1.1), at most
//! 255 bytes, unique within a directory.

use std::collections::HashSet;

use crate::udf::ecma167::{cs0_decode, cs0_encode};

/// CS0 names for a directory's entries, unique: a name cut to 255 bytes that
/// meets another gets `~N` before its extension. Returns the index of a name
/// that could not be made unique.
pub(crate) fn unique_names(names: &[&str]) -> std::result::Result<Vec<Vec<u8>>, usize> {
    let encoded: Vec<Vec<u8>> = names.iter().map(|n| cs0_encode(n, 255)).collect();
    let cut: Vec<bool> = names
        .iter()
        .zip(&encoded)
        .map(|(n, e)| cs0_decode(e).map(|d| d != *n).unwrap_or(true))
        .collect();
    let mut taken: HashSet<Vec<u8>> = HashSet::new();
    let mut out = vec![Vec::new(); names.len()];
    // Names that were not cut keep them; cut names take what is left.
    for pass in [false, true] {
        for (i, name) in names.iter().enumerate() {
            if cut[i] != pass {
                continue;
            }
            if taken.insert(encoded[i].clone()) {
                out[i] = encoded[i].clone();
                continue;
            }
            let (stem, ext) = match name.rfind('.') {
                Some(p) if p > 0 && name.len() - p <= 16 => (&name[..p], &name[p..]),
                _ => (&name[..], ""),
            };
            let mut found = false;
            for n in 1..100_000u32 {
                let suffix = format!("~{n}{ext}");
                let mut s: String = stem.to_string();
                loop {
                    let candidate = format!("{s}{suffix}");
                    let enc = cs0_encode(&candidate, 255);
                    if cs0_decode(&enc).map(|d| d == candidate).unwrap_or(false) {
                        if taken.insert(enc.clone()) {
                            out[i] = enc;
                            found = true;
                        }
                        break;
                    }
                    if s.pop().is_none() {
                        break;
                    }
                }
                if found {
                    break;
                }
            }
            if !found {
                return Err(i);
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
    }
}
