//! `FsiFileSystems`: the set of file systems an image carries.

use std::fmt;
use std::ops::{BitAnd, BitOr, BitOrAssign, Not};

/// A set of file systems (IMAPI `FsiFileSystems` flags, plus Rock Ridge).
///
/// The IMAPI values are kept (`ISO9660` = 1, `JOLIET` = 2, `UDF` = 4,
/// `UNKNOWN` = 0x4000_0000). IMAPI has no Rock Ridge; this crate adds it as
/// [`FileSystems::ROCK_RIDGE`] (0x0001_0000), an extension of the ISO 9660 tree.
///
/// ```
/// use imapi2_fs::FileSystems;
/// let fs = FileSystems::ISO9660 | FileSystems::JOLIET;
/// assert!(fs.contains(FileSystems::JOLIET));
/// assert_eq!(fs.to_string(), "ISO 9660+Joliet");
/// assert_eq!("iso9660,joliet".parse::<FileSystems>().unwrap(), fs);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct FileSystems(u32);

impl FileSystems {
    /// `FsiFileSystemNone`.
    pub const NONE: FileSystems = FileSystems(0);
    /// `FsiFileSystemISO9660`: the ECMA-119 primary volume.
    pub const ISO9660: FileSystems = FileSystems(1);
    /// `FsiFileSystemJoliet`: the Joliet supplementary volume (UCS-2 names).
    pub const JOLIET: FileSystems = FileSystems(2);
    /// `FsiFileSystemUDF`.
    pub const UDF: FileSystems = FileSystems(4);
    /// Rock Ridge (RRIP 1.12 over SUSP) on the ISO 9660 tree; not an IMAPI value.
    pub const ROCK_RIDGE: FileSystems = FileSystems(0x0001_0000);
    /// `FsiFileSystemUnknown`: something is present that is not recognised.
    pub const UNKNOWN: FileSystems = FileSystems(0x4000_0000);

    /// The raw bits.
    pub const fn bits(self) -> u32 {
        self.0
    }

    /// From raw bits (unknown bits are kept).
    pub const fn from_bits(bits: u32) -> FileSystems {
        FileSystems(bits)
    }

    /// Whether every file system of `other` is in `self`.
    pub const fn contains(self, other: FileSystems) -> bool {
        self.0 & other.0 == other.0
    }

    /// Whether no file system is in the set.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    const NAMES: [(FileSystems, &'static str, &'static str); 5] = [
        (FileSystems::ISO9660, "ISO 9660", "iso9660"),
        (FileSystems::JOLIET, "Joliet", "joliet"),
        (FileSystems::ROCK_RIDGE, "Rock Ridge", "rockridge"),
        (FileSystems::UDF, "UDF", "udf"),
        (FileSystems::UNKNOWN, "unknown", "unknown"),
    ];

    /// The short lower-case names of the members (`iso9660`, `joliet`, `rockridge`, `udf`).
    pub fn short_names(self) -> Vec<&'static str> {
        Self::NAMES
            .iter()
            .filter(|(f, _, _)| self.contains(*f))
            .map(|(_, _, s)| *s)
            .collect()
    }
}

impl BitOr for FileSystems {
    type Output = FileSystems;
    fn bitor(self, rhs: FileSystems) -> FileSystems {
        FileSystems(self.0 | rhs.0)
    }
}

impl BitOrAssign for FileSystems {
    fn bitor_assign(&mut self, rhs: FileSystems) {
        self.0 |= rhs.0;
    }
}

impl BitAnd for FileSystems {
    type Output = FileSystems;
    fn bitand(self, rhs: FileSystems) -> FileSystems {
        FileSystems(self.0 & rhs.0)
    }
}

impl Not for FileSystems {
    type Output = FileSystems;
    fn not(self) -> FileSystems {
        FileSystems(!self.0)
    }
}

impl fmt::Display for FileSystems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 == 0 {
            return f.write_str("none");
        }
        let mut first = true;
        for (flag, name, _) in Self::NAMES {
            if self.contains(flag) {
                if !first {
                    f.write_str("+")?;
                }
                f.write_str(name)?;
                first = false;
            }
        }
        let known = Self::NAMES.iter().fold(0, |a, (fl, _, _)| a | fl.0);
        if self.0 & !known != 0 {
            if !first {
                f.write_str("+")?;
            }
            write!(f, "0x{:x}", self.0 & !known)?;
        }
        Ok(())
    }
}

impl fmt::Debug for FileSystems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FileSystems({self})")
    }
}

/// Error of parsing a file-system list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseFileSystemsError(pub String);

impl fmt::Display for ParseFileSystemsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown file system {:?} (expected iso9660, joliet, rockridge or udf)",
            self.0
        )
    }
}

impl std::error::Error for ParseFileSystemsError {}

impl std::str::FromStr for FileSystems {
    type Err = ParseFileSystemsError;

    /// Parses a comma-separated list such as `iso9660,joliet,rockridge`.
    fn from_str(s: &str) -> Result<FileSystems, ParseFileSystemsError> {
        let mut out = FileSystems::NONE;
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            out |= match part.to_ascii_lowercase().as_str() {
                "iso9660" | "iso" | "ecma119" => FileSystems::ISO9660,
                "joliet" => FileSystems::JOLIET,
                "rockridge" | "rr" | "rock-ridge" => FileSystems::ROCK_RIDGE,
                "udf" => FileSystems::UDF,
                _ => return Err(ParseFileSystemsError(part.to_string())),
            };
        }
        Ok(out)
    }
}
