//! The error of this crate's decoders.

use std::fmt;

/// Why bytes do not decode as the CD structure asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// Fewer bytes than the structure needs.
    Short {
        /// The structure being decoded ("Q sub-channel", "sector header").
        structure: &'static str,
        /// Bytes it needs.
        needed: usize,
        /// Bytes there were.
        got: usize,
    },
    /// A recorded CRC that does not match the bytes it covers.
    Crc {
        /// The structure being decoded.
        structure: &'static str,
        /// The CRC as recorded.
        stored: u16,
        /// The CRC of the bytes.
        computed: u16,
    },
    /// A byte that should hold two BCD digits and does not.
    NotBcd {
        /// The structure being decoded.
        structure: &'static str,
        /// The byte.
        byte: u8,
    },
    /// A field whose value is outside its range.
    OutOfRange {
        /// The structure being decoded.
        structure: &'static str,
        /// The field.
        field: &'static str,
        /// Its value.
        value: u8,
    },
    /// A frame whose layout carries no Q sub-channel.
    NoQ {
        /// The page-05h data block type the frame was written with.
        data_block_type: u8,
        /// The frame's length in bytes.
        frame_len: usize,
    },
}

impl Error {
    /// The IMAPI2 HRESULT of this error: none. IMAPI2 reports malformed CD
    /// structures only through the operation that met them (a write engine
    /// error, an invalid image), so the caller picks the code.
    pub fn imapi_code(&self) -> Option<u32> {
        match self {
            Error::Short { .. }
            | Error::Crc { .. }
            | Error::NotBcd { .. }
            | Error::OutOfRange { .. }
            | Error::NoQ { .. } => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Short {
                structure,
                needed,
                got,
            } => write!(f, "{structure}: {got} bytes, at least {needed} needed"),
            Error::Crc {
                structure,
                stored,
                computed,
            } => write!(
                f,
                "{structure}: the recorded CRC is {stored:04X}h, the bytes give {computed:04X}h"
            ),
            Error::NotBcd { structure, byte } => {
                write!(f, "{structure}: {byte:02X}h is not a two-digit BCD number")
            }
            Error::OutOfRange {
                structure,
                field,
                value,
            } => write!(f, "{structure}: {field} {value} is out of range"),
            Error::NoQ {
                data_block_type,
                frame_len,
            } => write!(
                f,
                "a {frame_len}-byte frame of data block type {data_block_type} carries no Q sub-channel"
            ),
        }
    }
}

impl std::error::Error for Error {}

/// Result of this crate's decoders.
pub type Result<T> = std::result::Result<T, Error>;

/// Checks that `bytes` holds at least `needed` bytes for `structure`.
pub(crate) fn need(structure: &'static str, bytes: &[u8], needed: usize) -> Result<()> {
    if bytes.len() < needed {
        return Err(Error::Short {
            structure,
            needed,
            got: bytes.len(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_offending_value() {
        assert_eq!(
            Error::Short {
                structure: "Q sub-channel",
                needed: 12,
                got: 3
            }
            .to_string(),
            "Q sub-channel: 3 bytes, at least 12 needed"
        );
        assert_eq!(
            Error::NotBcd {
                structure: "sector header",
                byte: 0x7A
            }
            .to_string(),
            "sector header: 7Ah is not a two-digit BCD number"
        );
        assert_eq!(
            Error::NoQ {
                data_block_type: 8,
                frame_len: 2048
            }
            .to_string(),
            "a 2048-byte frame of data block type 8 carries no Q sub-channel"
        );
        assert_eq!(
            Error::OutOfRange {
                structure: "sector header",
                field: "second",
                value: 60
            }
            .to_string(),
            "sector header: second 60 is out of range"
        );
        assert_eq!(need("x", &[0; 4], 4), Ok(()));
        assert!(need("x", &[0; 3], 4).is_err());
        assert_eq!(
            Error::Crc {
                structure: "x",
                stored: 1,
                computed: 2
            }
            .imapi_code(),
            None
        );
    }
}
