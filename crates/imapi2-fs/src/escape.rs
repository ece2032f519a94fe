//! Names that are not UTF-8 (a Latin-1 file name on a Linux disk, say):
//! the item model and the readers keep names as `str`, so each byte of an
//! invalid sequence is carried as one character of the Private Use Area,
//! U+F780 + (byte − 0x80) for bytes 80h–FFh — the only bytes that can be
//! invalid — and turned back into that byte where a name is written as bytes
//! (Rock Ridge `NM` and `SL`, the host file a reader extracts). File systems
//! that record Unicode (Joliet, UDF) and ISO 9660 get `_` for each of those
//! characters instead; messages show them as `\xNN`.
//!
//! The mapping is one to one: a host name that really holds one of those 128
//! private characters has the three bytes of each such character carried
//! too, so every byte string comes back as the bytes it was.

use std::borrow::Cow;

/// First character of the range that carries bytes 80h–FFh.
const BASE: u32 = 0xF780;

fn carried(b: u8) -> char {
    char::from_u32(BASE + u32::from(b - 0x80)).expect("a Private Use Area character")
}

fn byte_of(c: char) -> Option<u8> {
    let v = c as u32;
    (BASE..BASE + 0x80)
        .contains(&v)
        .then(|| (v - BASE) as u8 + 0x80)
}

/// A name from its bytes: valid UTF-8 as is, each byte of an invalid
/// sequence as its carrying character.
pub fn from_bytes(bytes: &[u8]) -> Cow<'_, str> {
    if let Ok(s) = std::str::from_utf8(bytes) {
        if !has_carried(s) {
            return Cow::Borrowed(s);
        }
    }
    let mut out = String::with_capacity(bytes.len() + 8);
    let mut rest = bytes;
    while !rest.is_empty() {
        match std::str::from_utf8(rest) {
            Ok(s) => {
                push_valid(&mut out, s);
                break;
            }
            Err(e) => {
                let (good, bad) = rest.split_at(e.valid_up_to());
                push_valid(&mut out, std::str::from_utf8(good).expect("checked"));
                let n = e.error_len().unwrap_or(bad.len());
                out.extend(bad[..n].iter().map(|&b| carried(b)));
                rest = &bad[n..];
            }
        }
    }
    Cow::Owned(out)
}

/// Valid text, with the bytes of any carrying character carried.
fn push_valid(out: &mut String, s: &str) {
    let mut buf = [0u8; 4];
    for c in s.chars() {
        if byte_of(c).is_some() {
            out.extend(c.encode_utf8(&mut buf).bytes().map(carried));
        } else {
            out.push(c);
        }
    }
}

/// The bytes of a name: carrying characters back to their bytes.
pub fn to_bytes(name: &str) -> Cow<'_, [u8]> {
    if !has_carried(name) {
        return Cow::Borrowed(name.as_bytes());
    }
    let mut out = Vec::with_capacity(name.len());
    let mut buf = [0u8; 4];
    for c in name.chars() {
        match byte_of(c) {
            Some(b) => out.push(b),
            None => out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes()),
        }
    }
    Cow::Owned(out)
}

/// Whether a name carries bytes that are not UTF-8.
pub fn has_carried(name: &str) -> bool {
    name.chars().any(|c| byte_of(c).is_some())
}

/// The name with `with` for every carried byte (for Joliet, UDF, ISO 9660).
pub fn replaced(name: &str, with: char) -> Cow<'_, str> {
    if !has_carried(name) {
        return Cow::Borrowed(name);
    }
    Cow::Owned(
        name.chars()
            .map(|c| if byte_of(c).is_some() { with } else { c })
            .collect(),
    )
}

/// The name for messages: carried bytes as `\xNN`.
pub fn shown(name: &str) -> Cow<'_, str> {
    if !has_carried(name) {
        return Cow::Borrowed(name);
    }
    let mut out = String::with_capacity(name.len() + 8);
    for c in name.chars() {
        match byte_of(c) {
            Some(b) => out.push_str(&format!("\\x{b:02x}")),
            None => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_that_are_not_utf8_go_through_and_back() {
        let raw = b"bad\xff\xfe.txt caf\xc3\xa9 \xc3";
        let s = from_bytes(raw);
        assert!(has_carried(&s));
        assert_eq!(&*to_bytes(&s), &raw[..]);
        assert_eq!(shown(&s), "bad\\xff\\xfe.txt café \\xc3");
        assert_eq!(replaced(&s, '_'), "bad__.txt café _");
        // Valid names are untouched, borrowed.
        assert!(matches!(
            from_bytes(b"plain \xc3\xa9"),
            Cow::Borrowed("plain é")
        ));
        assert!(matches!(to_bytes("plain"), Cow::Borrowed(b"plain")));
    }

    #[test]
    fn every_byte_sequence_round_trips() {
        for a in 0..=255u8 {
            for b in [0u8, 0x41, 0x80, 0xBF, 0xC3, 0xFF] {
                let raw = [a, b, b'x'];
                assert_eq!(&*to_bytes(&from_bytes(&raw)), &raw[..], "{raw:x?}");
            }
        }
    }

    #[test]
    fn a_name_that_really_holds_a_carrying_character_stays_as_it_is() {
        let real = "x\u{f7ff}y";
        let s = from_bytes(real.as_bytes());
        assert_ne!(s, from_bytes(b"x\xffy"));
        assert_eq!(&*to_bytes(&s), real.as_bytes());
        assert_eq!(shown(&s), "x\\xef\\x9f\\xbfy");
    }
}
