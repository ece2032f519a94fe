//! Errors of the virtual recorder.
//!
//! Two kinds of failure live here and must not be confused:
//!
//! - [`MediaError`]: what the *emulated drive* reports to the host for one
//!   command: a sense triple (key, ASC, ASCQ) plus a sentence for people
//!   reading test failures. It travels over the transport as CHECK CONDITION.
//! - [`Error`]: what goes wrong for the *program using the emulator*: a state
//!   file that does not parse, an I/O error on the backing files, a request
//!   that makes no sense (a medium kind the drive cannot hold).

use std::fmt;
use std::io;
use std::path::PathBuf;

/// Result alias of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A sense triple: sense key, additional sense code, qualifier (SPC-4 §4.5.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SenseCode {
    /// Sense key (0..=0Fh).
    pub key: u8,
    /// Additional sense code.
    pub asc: u8,
    /// Additional sense code qualifier.
    pub ascq: u8,
}

impl SenseCode {
    /// A triple.
    pub const fn new(key: u8, asc: u8, ascq: u8) -> SenseCode {
        SenseCode { key, asc, ascq }
    }

    /// 02/04/04: not ready, format in progress.
    pub const FORMAT_IN_PROGRESS: SenseCode = SenseCode::new(0x02, 0x04, 0x04);
    /// 02/04/07: not ready, operation in progress.
    pub const OPERATION_IN_PROGRESS: SenseCode = SenseCode::new(0x02, 0x04, 0x07);
    /// 02/04/08: not ready, long write in progress (buffer full).
    pub const LONG_WRITE_IN_PROGRESS: SenseCode = SenseCode::new(0x02, 0x04, 0x08);
    /// 02/3A/00: medium not present (tray closed).
    pub const NO_MEDIUM: SenseCode = SenseCode::new(0x02, 0x3A, 0x00);
    /// 02/3A/02: medium not present, tray open.
    pub const NO_MEDIUM_TRAY_OPEN: SenseCode = SenseCode::new(0x02, 0x3A, 0x02);
    /// 02/30/00: a medium the drive cannot use is loaded.
    pub const INCOMPATIBLE_MEDIUM_NOT_READY: SenseCode = SenseCode::new(0x02, 0x30, 0x00);
    /// 03/11/00: unrecovered read error.
    pub const UNRECOVERED_READ_ERROR: SenseCode = SenseCode::new(0x03, 0x11, 0x00);
    /// 03/0C/00: write error.
    pub const WRITE_ERROR: SenseCode = SenseCode::new(0x03, 0x0C, 0x00);
    /// 03/0C/09: write error, loss of streaming (a buffer underrun the
    /// recording did not survive; mmc-notes §1.5).
    pub const LOSS_OF_STREAMING: SenseCode = SenseCode::new(0x03, 0x0C, 0x09);
    /// 05/1A/00: parameter list length error.
    pub const PARAMETER_LIST_LENGTH: SenseCode = SenseCode::new(0x05, 0x1A, 0x00);
    /// 05/20/00: invalid command operation code.
    pub const INVALID_OPCODE: SenseCode = SenseCode::new(0x05, 0x20, 0x00);
    /// 05/21/00: logical block address out of range.
    pub const LBA_OUT_OF_RANGE: SenseCode = SenseCode::new(0x05, 0x21, 0x00);
    /// 05/21/02: invalid address for write.
    pub const INVALID_WRITE_ADDRESS: SenseCode = SenseCode::new(0x05, 0x21, 0x02);
    /// 05/24/00: invalid field in CDB.
    pub const INVALID_FIELD_IN_CDB: SenseCode = SenseCode::new(0x05, 0x24, 0x00);
    /// 05/26/00: invalid field in parameter list.
    pub const INVALID_FIELD_IN_PARAMETER_LIST: SenseCode = SenseCode::new(0x05, 0x26, 0x00);
    /// 05/2C/00: command sequence error.
    pub const COMMAND_SEQUENCE_ERROR: SenseCode = SenseCode::new(0x05, 0x2C, 0x00);
    /// 05/30/00: incompatible medium installed.
    pub const INCOMPATIBLE_MEDIUM: SenseCode = SenseCode::new(0x05, 0x30, 0x00);
    /// 05/30/02: cannot read medium, incompatible format.
    pub const CANNOT_READ_MEDIUM: SenseCode = SenseCode::new(0x05, 0x30, 0x02);
    /// 05/30/05: cannot write medium, incompatible format.
    pub const CANNOT_WRITE_MEDIUM: SenseCode = SenseCode::new(0x05, 0x30, 0x05);
    /// 05/30/06: cannot format medium, incompatible medium.
    pub const CANNOT_FORMAT_MEDIUM: SenseCode = SenseCode::new(0x05, 0x30, 0x06);
    /// 05/30/10: medium not formatted.
    pub const MEDIUM_NOT_FORMATTED: SenseCode = SenseCode::new(0x05, 0x30, 0x10);
    /// 05/53/02: medium removal prevented.
    pub const REMOVAL_PREVENTED: SenseCode = SenseCode::new(0x05, 0x53, 0x02);
    /// 05/63/00: end of user area encountered on this track.
    pub const END_OF_TRACK: SenseCode = SenseCode::new(0x05, 0x63, 0x00);
    /// 05/64/00: illegal mode for this track.
    pub const ILLEGAL_MODE_FOR_TRACK: SenseCode = SenseCode::new(0x05, 0x64, 0x00);
    /// 05/72/05: no more track reservations allowed.
    pub const NO_MORE_RESERVATIONS: SenseCode = SenseCode::new(0x05, 0x72, 0x05);
    /// 06/28/00: not ready to ready change, medium may have changed.
    pub const MEDIUM_CHANGED: SenseCode = SenseCode::new(0x06, 0x28, 0x00);
    /// 06/29/00: power on, reset, or bus device reset occurred.
    pub const POWER_ON: SenseCode = SenseCode::new(0x06, 0x29, 0x00);
    /// 06/3F/02: changed operating definition (the current profile changed).
    pub const OPERATING_DEFINITION_CHANGED: SenseCode = SenseCode::new(0x06, 0x3F, 0x02);
    /// 07/27/00: write protected.
    pub const WRITE_PROTECTED: SenseCode = SenseCode::new(0x07, 0x27, 0x00);
    /// 08/00/05: blank check, end of data detected (reading unrecorded area).
    pub const BLANK_CHECK: SenseCode = SenseCode::new(0x08, 0x00, 0x05);
}

impl fmt::Display for SenseCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02X}/{:02X}/{:02X}", self.key, self.asc, self.ascq)
    }
}

/// A command the emulated drive refuses: the sense it reports and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaError {
    /// What the drive reports.
    pub sense: SenseCode,
    /// A sentence naming the offending value, for people reading test output.
    pub reason: String,
}

impl MediaError {
    /// A refusal with `sense` and an explanation.
    pub fn new(sense: SenseCode, reason: impl Into<String>) -> MediaError {
        MediaError {
            sense,
            reason: reason.into(),
        }
    }
}

impl fmt::Display for MediaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.reason, self.sense)
    }
}

impl std::error::Error for MediaError {}

/// Everything that can go wrong for a program driving the emulator.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// A backing file could not be read or written.
    Io {
        /// The file.
        path: PathBuf,
        /// What was being done ("reading", "writing block 17 of").
        action: String,
        /// The operating system's error.
        source: io::Error,
    },
    /// A state file (medium, drive or fault plan) is malformed.
    StateFile {
        /// The file, when it came from disk.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong on that line.
        reason: String,
    },
    /// A value given to the emulator's API is out of range.
    InvalidArgument {
        /// The parameter.
        name: &'static str,
        /// Why it was refused.
        reason: String,
    },
    /// The operation needs a medium and the tray holds none.
    NoMedium,
    /// The medium cannot be removed: the host prevented removal.
    RemovalPrevented,
    /// The drive refused an operation with this sense.
    Media(MediaError),
}

impl Error {
    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, action: impl Into<String>, source: io::Error) -> Error {
        Error::Io {
            path: path.into(),
            action: action.into(),
            source,
        }
    }

    /// The IMAPI2 HRESULT closest to this error, where one exists.
    pub fn imapi_code(&self) -> Option<u32> {
        match self {
            Error::NoMedium => Some(0xC0AA_0202), // E_IMAPI_RECORDER_MEDIA_NO_MEDIA
            Error::RemovalPrevented => Some(0xC0AA_0210), // E_IMAPI_RECORDER_LOCKED
            Error::Media(e) => match (e.sense.key, e.sense.asc) {
                (_, 0x3A) => Some(0xC0AA_0202),
                (0x07, 0x27) => Some(0xC0AA_0209), // E_IMAPI_RECORDER_MEDIA_WRITE_PROTECTED
                (0x05, 0x30) => Some(0xC0AA_0203), // E_IMAPI_RECORDER_MEDIA_INCOMPATIBLE
                (0x02, 0x04) => Some(0xC0AA_0207), // E_IMAPI_RECORDER_MEDIA_BUSY
                _ => Some(0xC0AA_02FF),            // E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE
            },
            Error::Io { .. } | Error::StateFile { .. } | Error::InvalidArgument { .. } => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io {
                path,
                action,
                source,
            } => {
                write!(f, "{action} {}: {source}", path.display())
            }
            Error::StateFile { path, line, reason } => {
                write!(f, "{}, line {line}: {reason}", path.display())
            }
            Error::InvalidArgument { name, reason } => write!(f, "invalid {name}: {reason}"),
            Error::NoMedium => write!(f, "the drive holds no medium"),
            Error::RemovalPrevented => {
                write!(
                    f,
                    "the medium cannot be removed: the host prevented removal"
                )
            }
            Error::Media(e) => write!(f, "the drive refused: {e}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            Error::Media(e) => Some(e),
            _ => None,
        }
    }
}

impl From<MediaError> for Error {
    fn from(e: MediaError) -> Error {
        Error::Media(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sense_code_displays_as_triple() {
        assert_eq!(SenseCode::INVALID_WRITE_ADDRESS.to_string(), "05/21/02");
        let e = MediaError::new(SenseCode::WRITE_PROTECTED, "the medium is write protected");
        assert_eq!(e.to_string(), "the medium is write protected (07/27/00)");
    }

    #[test]
    fn imapi_codes_follow_the_sense() {
        let e = Error::Media(MediaError::new(SenseCode::NO_MEDIUM_TRAY_OPEN, "tray open"));
        assert_eq!(e.imapi_code(), Some(0xC0AA_0202));
        let e = Error::Media(MediaError::new(SenseCode::WRITE_PROTECTED, "wp"));
        assert_eq!(e.imapi_code(), Some(0xC0AA_0209));
        let e = Error::StateFile {
            path: "x".into(),
            line: 3,
            reason: "bad".into(),
        };
        assert_eq!(e.imapi_code(), None);
        assert_eq!(e.to_string(), "x, line 3: bad");
    }
}
