//! The one error type of the device layer, with the IMAPI2 HRESULT of each
//! variant (`imapi2error.h`, reference §19.1–19.2).

use std::fmt;

use imapi2_mmc::drive::MmcError;
use imapi2_mmc::sense::SenseKey;

/// Result alias of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong talking to a recorder.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// No recorder has this unique id (`HRESULT_FROM_WIN32(ERROR_DEV_NOT_EXIST)`).
    NoSuchRecorder {
        /// The id asked for.
        id: String,
    },
    /// The recorder could not be opened: permissions, busy, gone.
    Open {
        /// The device.
        device: String,
        /// Why, in words a user can act on.
        reason: String,
    },
    /// Another client holds the recorder (`E_IMAPI_RECORDER_LOCKED`).
    Locked {
        /// The device.
        device: String,
        /// The client name of the holder, when known.
        owner: Option<String>,
    },
    /// The client name is empty or has characters that are not allowed
    /// (`E_IMAPI_RECORDER_CLIENT_NAME_IS_NOT_VALID`).
    ClientNameNotValid {
        /// The name given.
        name: String,
    },
    /// The drive has no GET CONFIGURATION (an MMC-1 drive;
    /// `E_IMAPI_RECORDER_GET_CONFIGURATION_NOT_SUPPORTED`).
    GetConfigurationNotSupported,
    /// The drive does not report this feature (`E_IMAPI_RECORDER_NO_SUCH_FEATURE`).
    NoSuchFeature {
        /// The feature code.
        feature: u16,
    },
    /// The feature is supported but not current (`E_IMAPI_RECORDER_FEATURE_IS_NOT_CURRENT`).
    FeatureNotCurrent {
        /// The feature code.
        feature: u16,
    },
    /// The drive has no such mode page (`E_IMAPI_RECORDER_NO_SUCH_MODE_PAGE`).
    NoSuchModePage {
        /// The page code.
        page: u8,
    },
    /// A parameter is out of range (`E_INVALIDARG`).
    InvalidParam {
        /// The parameter.
        name: &'static str,
        /// Why.
        reason: String,
    },
    /// A command failed; the MMC error says which and why.
    Device {
        /// The device.
        device: String,
        /// The failure.
        error: MmcError,
    },
    /// A local file (virtual recorder state, lock file) could not be used.
    Io {
        /// What was being done.
        context: String,
        /// The error.
        error: std::io::Error,
    },
    /// The virtual recorder refused (malformed state, unknown media kind, ...).
    Virtual {
        /// What was wrong.
        reason: String,
    },
    /// The operation was cancelled (`E_IMAPI_REQUEST_CANCELLED`); `state`
    /// says what the medium holds now.
    Cancelled {
        /// Where things stand.
        state: String,
    },
    /// No recorder was given to the format object (`E_IMAPI_RECORDER_REQUIRED`).
    RecorderRequired,
    /// A write is running; the property or call must wait
    /// (`E_IMAPI_DF2DATA_WRITE_IN_PROGRESS`).
    WriteInProgress,
    /// A WRITE command failed (the drive's error, with where it happened).
    Write {
        /// The device.
        device: String,
        /// First LBA of the failed command.
        lba: i64,
        /// Sectors in it.
        sectors: u32,
        /// The failure.
        error: MmcError,
    },
    /// The source stream failed (a vanished or changed file, a read error).
    Source {
        /// The LBA the sector would have gone to.
        lba: i64,
        /// What went wrong.
        reason: String,
        /// The file system's IMAPI code, when the stream is an image stream.
        code: Option<u32>,
    },
    /// A burn was refused before anything was written, or failed in a way
    /// that has an IMAPI format code (`E_IMAPI_DF2DATA_*`, `E_IMAPI_ERASE_*`...).
    Burn {
        /// The device.
        device: String,
        /// What is wrong, in one line a user can act on.
        reason: String,
        /// The IMAPI code.
        code: u32,
    },
    /// A burn stopped after it had begun writing: the error, and what the
    /// medium holds now.
    Interrupted {
        /// What stopped it.
        error: Box<Error>,
        /// The medium's state, and what can be done.
        state: String,
    },
    /// The file-system image or the reading of a disc's file system failed
    /// (import, the multisession state): its own error and IMAPI code.
    FileSystem(imapi2_fs::Error),
    /// Reading the burn back found a sector that differs from the source
    /// (`E_IMAPI_BURN_VERIFICATION_FAILED`).
    VerificationFailed {
        /// The device.
        device: String,
        /// The first LBA that differs or cannot be read.
        lba: i64,
        /// What was found.
        reason: String,
    },
}

impl Error {
    /// The IMAPI2 HRESULT this error corresponds to, where one exists.
    pub fn imapi_code(&self) -> Option<u32> {
        Some(match self {
            Error::NoSuchRecorder { .. } => 0x8007_0037, // HRESULT_FROM_WIN32(ERROR_DEV_NOT_EXIST)
            Error::Open { .. } => 0x8007_0005,           // E_ACCESSDENIED
            Error::Locked { .. } => 0xC0AA_0210,
            Error::ClientNameNotValid { .. } => 0xC0AA_0211,
            Error::GetConfigurationNotSupported => 0xC0AA_020C,
            Error::NoSuchFeature { .. } => 0xC0AA_020A,
            Error::FeatureNotCurrent { .. } => 0xC0AA_020B,
            Error::NoSuchModePage { .. } => 0xC0AA_0201,
            Error::InvalidParam { .. } => 0x8007_0057, // E_INVALIDARG
            Error::Device { error, .. } => return device_code(error),
            Error::Io { .. } | Error::Virtual { .. } => return None,
            Error::Cancelled { .. } => 0xC0AA_0002,
            Error::RecorderRequired => 0xC0AA_0003,
            Error::WriteInProgress => 0xC0AA_0400,
            Error::Write { error, .. } => return write_code(error),
            Error::Source { code, .. } => return *code,
            Error::Burn { code, .. } => *code,
            Error::VerificationFailed { .. } => 0xC0AA_0007,
            Error::Interrupted { error, .. } => return error.imapi_code(),
            Error::FileSystem(e) => return e.imapi_code(),
        })
    }

    /// The IMAPI name of [`Error::imapi_code`].
    pub fn imapi_code_name(&self) -> Option<&'static str> {
        match self {
            Error::FileSystem(e) => e.imapi_name(),
            Error::Interrupted { error, .. } => error.imapi_code_name(),
            _ => self.imapi_code().and_then(imapi_name),
        }
    }
}

impl From<imapi2_fs::Error> for Error {
    fn from(e: imapi2_fs::Error) -> Error {
        Error::FileSystem(e)
    }
}

/// The name of an IMAPI2 HRESULT this crate produces.
pub fn imapi_name(code: u32) -> Option<&'static str> {
    Some(match code {
        0x8007_0037 => "HRESULT_FROM_WIN32(ERROR_DEV_NOT_EXIST)",
        0x8007_0005 => "E_ACCESSDENIED",
        0x8007_0057 => "E_INVALIDARG",
        0xC0AA_0201 => "E_IMAPI_RECORDER_NO_SUCH_MODE_PAGE",
        0xC0AA_0202 => "E_IMAPI_RECORDER_MEDIA_NO_MEDIA",
        0xC0AA_0203 => "E_IMAPI_RECORDER_MEDIA_INCOMPATIBLE",
        0xC0AA_0205 => "E_IMAPI_RECORDER_MEDIA_BECOMING_READY",
        0xC0AA_0206 => "E_IMAPI_RECORDER_MEDIA_FORMAT_IN_PROGRESS",
        0xC0AA_0207 => "E_IMAPI_RECORDER_MEDIA_BUSY",
        0xC0AA_0208 => "E_IMAPI_RECORDER_INVALID_MODE_PARAMETERS",
        0xC0AA_0209 => "E_IMAPI_RECORDER_MEDIA_WRITE_PROTECTED",
        0xC0AA_020A => "E_IMAPI_RECORDER_NO_SUCH_FEATURE",
        0xC0AA_020B => "E_IMAPI_RECORDER_FEATURE_IS_NOT_CURRENT",
        0xC0AA_020C => "E_IMAPI_RECORDER_GET_CONFIGURATION_NOT_SUPPORTED",
        0xC0AA_020D => "E_IMAPI_RECORDER_COMMAND_TIMEOUT",
        0xC0AA_0210 => "E_IMAPI_RECORDER_LOCKED",
        0xC0AA_0211 => "E_IMAPI_RECORDER_CLIENT_NAME_IS_NOT_VALID",
        0xC0AA_0212 => "E_IMAPI_RECORDER_MEDIA_NOT_FORMATTED",
        0xC0AA_02FF => "E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE",
        0xC0AA_0002 => "E_IMAPI_REQUEST_CANCELLED",
        0xC0AA_0003 => "E_IMAPI_RECORDER_REQUIRED",
        0xC0AA_0007 => "E_IMAPI_BURN_VERIFICATION_FAILED",
        0xC0AA_0300 => "E_IMAPI_LOSS_OF_STREAMING",
        0xC0AA_0301 => "E_IMAPI_UNEXPECTED_RESPONSE_FROM_DEVICE",
        0xC0AA_0400 => "E_IMAPI_DF2DATA_WRITE_IN_PROGRESS",
        0xC0AA_0401 => "E_IMAPI_DF2DATA_WRITE_NOT_IN_PROGRESS",
        0xC0AA_0402 => "E_IMAPI_DF2DATA_INVALID_MEDIA_STATE",
        0xC0AA_0403 => "E_IMAPI_DF2DATA_STREAM_NOT_SUPPORTED",
        0xC0AA_0404 => "E_IMAPI_DF2DATA_STREAM_TOO_LARGE_FOR_CURRENT_MEDIA",
        0xC0AA_0405 => "E_IMAPI_DF2DATA_MEDIA_NOT_BLANK",
        0xC0AA_0406 => "E_IMAPI_DF2DATA_MEDIA_IS_NOT_SUPPORTED",
        0xC0AA_0407 => "E_IMAPI_DF2DATA_RECORDER_NOT_SUPPORTED",
        0xC0AA_0408 => "E_IMAPI_DF2DATA_CLIENT_NAME_IS_NOT_VALID",
        0x80AA_0900 => "E_IMAPI_ERASE_RECORDER_IN_USE",
        0x80AA_0901 => "E_IMAPI_ERASE_ONLY_ONE_RECORDER_SUPPORTED",
        0x80AA_0904 => "E_IMAPI_ERASE_MEDIA_IS_NOT_ERASABLE",
        0x80AA_0905 => "E_IMAPI_ERASE_DRIVE_FAILED_ERASE_COMMAND",
        0x80AA_0906 => "E_IMAPI_ERASE_TOOK_LONGER_THAN_ONE_HOUR",
        0x80AA_0907 => "E_IMAPI_ERASE_UNEXPECTED_DRIVE_RESPONSE_DURING_ERASE",
        0xC0AA_0909 => "E_IMAPI_ERASE_MEDIA_IS_NOT_SUPPORTED",
        0xC0AA_090A => "E_IMAPI_ERASE_RECORDER_NOT_SUPPORTED",
        0xC0AA_090B => "E_IMAPI_ERASE_CLIENT_NAME_IS_NOT_VALID",
        0xC0AA_B128 => "IMAPI_E_DATA_STREAM_INCONSISTENCY",
        0xC0AA_B129 => "IMAPI_E_DATA_STREAM_READ_FAILURE",
        0xC0AA_B12A => "IMAPI_E_DATA_STREAM_CREATE_FAILURE",
        0xC0AA_B158 => "IMAPI_E_DISC_MISMATCH",
        0xC0AA_B159 => "IMAPI_E_IMPORT_MEDIA_NOT_ALLOWED",
        0xC0AA_B15C => "IMAPI_E_NO_COMPATIBLE_MULTISESSION_TYPE",
        _ => return None,
    })
}

/// The IMAPI2 recorder code for a failed command (reference §19.2: the
/// sense key, ASC and ASCQ translated).
fn device_code(e: &MmcError) -> Option<u32> {
    if let MmcError::Timeout { .. } = e {
        return Some(0xC0AA_020D);
    }
    if let MmcError::Reply { .. } = e {
        return Some(0xC0AA_02FF);
    }
    let s = e.sense()?;
    Some(match (s.key, s.asc, s.ascq) {
        (_, 0x3A, _) => 0xC0AA_0202,                            // no media
        (SenseKey::NotReady, 0x04, 0x01) => 0xC0AA_0205,        // becoming ready
        (SenseKey::NotReady, 0x04, 0x04) => 0xC0AA_0206,        // format in progress
        (SenseKey::NotReady, 0x04, 0x07 | 0x08) => 0xC0AA_0207, // busy
        (_, 0x27, _) => 0xC0AA_0209,                            // write protected
        (_, 0x30, 0x10) => 0xC0AA_0212,                         // medium not formatted
        (_, 0x30, _) => 0xC0AA_0203,                            // incompatible medium
        (_, 0x26, _) | (_, 0x1A, _) => 0xC0AA_0208,             // mode parameters rejected
        (SenseKey::IllegalRequest, 0x20, 0x00) if e.command() == Some("GET CONFIGURATION") => {
            0xC0AA_020C
        }
        _ => 0xC0AA_0301, // E_IMAPI_UNEXPECTED_RESPONSE_FROM_DEVICE
    })
}

/// The code of a failed WRITE: a buffer underrun is IMAPI's loss of
/// streaming (cdrecord's test: 03/0C/09, or 05/21/02 right after one);
/// otherwise what the recorder code says.
fn write_code(e: &MmcError) -> Option<u32> {
    match e.sense().map(|s| (s.asc, s.ascq)) {
        Some((0x0C, 0x09)) => Some(0xC0AA_0300),
        _ => device_code(e),
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NoSuchRecorder { id } => write!(f, "no recorder {id:?} (see `imapi2 drives`)"),
            Error::Open { device, reason } => write!(f, "{device}: {reason}"),
            Error::Locked { device, owner } => match owner {
                Some(o) => write!(f, "{device} is in exclusive use by {o:?}"),
                None => write!(f, "{device} is in exclusive use by another program"),
            },
            Error::ClientNameNotValid { name } => write!(
                f,
                "client name {name:?} is not valid (1 to 63 ASCII letters, digits, spaces or . , : ; - _)"
            ),
            Error::GetConfigurationNotSupported => {
                write!(f, "the drive does not support GET CONFIGURATION (an MMC-1 drive)")
            }
            Error::NoSuchFeature { feature } => {
                write!(f, "the drive does not report feature {feature:#06x}")
            }
            Error::FeatureNotCurrent { feature } => {
                write!(f, "feature {feature:#06x} is supported but not current")
            }
            Error::NoSuchModePage { page } => write!(f, "the drive has no mode page {page:#04x}"),
            Error::InvalidParam { name, reason } => write!(f, "{name}: {reason}"),
            Error::Device { device, error } => write!(f, "{device}: {error}"),
            Error::Io { context, error } => write!(f, "{context}: {error}"),
            Error::Virtual { reason } => write!(f, "virtual recorder: {reason}"),
            Error::Cancelled { state } => write!(f, "cancelled: {state}"),
            Error::RecorderRequired => write!(f, "no recorder was given"),
            Error::WriteInProgress => write!(f, "a write is in progress"),
            Error::Write {
                device,
                lba,
                sectors,
                error,
            } => write!(f, "{device}: writing {sectors} sectors at LBA {lba}: {error}"),
            Error::Source { lba, reason, .. } => {
                write!(f, "the data for LBA {lba} could not be read: {reason}")
            }
            Error::Burn { device, reason, .. } => write!(f, "{device}: {reason}"),
            Error::VerificationFailed {
                device,
                lba,
                reason,
            } => write!(f, "{device}: verification failed at LBA {lba}: {reason}"),
            Error::Interrupted { error, state } => write!(f, "{error}; {state}"),
            Error::FileSystem(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;
    use imapi2_mmc::sense::Sense;

    fn dev(key: SenseKey, asc: u8, ascq: u8) -> Error {
        Error::Device {
            device: "d".into(),
            error: MmcError::Sense {
                command: "WRITE(10)",
                sense: Sense::new(key, asc, ascq),
            },
        }
    }

    #[test]
    fn sense_translates_to_recorder_codes() {
        assert_eq!(
            dev(SenseKey::NotReady, 0x3A, 0x02).imapi_code(),
            Some(0xC0AA_0202)
        );
        assert_eq!(
            dev(SenseKey::NotReady, 0x04, 0x01).imapi_code(),
            Some(0xC0AA_0205)
        );
        assert_eq!(
            dev(SenseKey::NotReady, 0x04, 0x04).imapi_code(),
            Some(0xC0AA_0206)
        );
        assert_eq!(
            dev(SenseKey::NotReady, 0x04, 0x08).imapi_code(),
            Some(0xC0AA_0207)
        );
        assert_eq!(
            dev(SenseKey::DataProtect, 0x27, 0x00).imapi_code(),
            Some(0xC0AA_0209)
        );
        assert_eq!(
            dev(SenseKey::IllegalRequest, 0x30, 0x05).imapi_code(),
            Some(0xC0AA_0203)
        );
        assert_eq!(
            dev(SenseKey::IllegalRequest, 0x26, 0x00).imapi_code(),
            Some(0xC0AA_0208)
        );
        assert_eq!(
            dev(SenseKey::MediumError, 0x0C, 0x00).imapi_code(),
            Some(0xC0AA_0301)
        );
        // An unknown opcode is "no GET CONFIGURATION" only for that command.
        assert_eq!(
            dev(SenseKey::IllegalRequest, 0x20, 0x00).imapi_code(),
            Some(0xC0AA_0301)
        );
        let gc = Error::Device {
            device: "d".into(),
            error: MmcError::Sense {
                command: "GET CONFIGURATION",
                sense: Sense::new(SenseKey::IllegalRequest, 0x20, 0),
            },
        };
        assert_eq!(gc.imapi_code(), Some(0xC0AA_020C));
    }
}
