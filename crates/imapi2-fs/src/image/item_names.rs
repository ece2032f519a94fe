//! Rules for the names an image accepts: item names (IMAPI's
//! `IMAPI_E_INVALID_PATH`, `UseRestrictedCharacterSet`) and the characters of
//! a strict volume name.

use crate::error::{Error, Result};
use crate::image::settings::MAX_NAME_BYTES;

/// Checks a leaf name given for an item.
pub(crate) fn validate_item_name(name: &str, restricted: bool) -> Result<()> {
    let bad = |reason| {
        Err(Error::InvalidPath {
            path: name.to_string(),
            reason,
        })
    };
    if name.is_empty() {
        return bad("empty name");
    }
    if name == "." || name == ".." {
        return bad("'.' and '..' are not names");
    }
    if name.contains('/') || name.contains('\0') {
        return bad("names cannot contain '/' or NUL");
    }
    if name.len() > MAX_NAME_BYTES {
        return bad("longer than 255 bytes");
    }
    if restricted && !name.chars().all(|c| (' '..='\u{7f}').contains(&c)) {
        return Err(Error::RestrictedNameViolation {
            name: name.to_string(),
        });
    }
    Ok(())
}

/// Characters a strict volume name may use (IMAPI: A–Z 0–9 _ and, for Joliet
/// and UDF, a–z and '.').
pub(crate) fn is_strict_volume_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '.'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_validated() {
        assert!(validate_item_name("ok", false).is_ok());
        assert!(validate_item_name("a/b", false).is_err());
        assert!(validate_item_name("..", false).is_err());
        assert!(validate_item_name(&"x".repeat(256), false).is_err());
        assert!(validate_item_name("é", true).is_err());
    }
}
