//! The one error type of this crate, with the IMAPI2FS HRESULT of each variant.
//!
//! Every variant is a plain sentence that names the offending path or value.
//! [`Error::imapi_code`] maps it onto the `IMAPI_E_*` value of `imapi2fserror.h`
//! (reference §19.9), so code ported from Windows finds its bearings.

use std::fmt;
use std::io;
use std::path::PathBuf;

use crate::FileSystems;

/// Result alias of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong while building or writing a file-system image.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// A parameter is out of range (`IMAPI_E_INVALID_PARAM`).
    InvalidParam {
        /// Name of the parameter.
        name: &'static str,
        /// Why the value was refused.
        reason: String,
    },
    /// No file system was selected (`IMAPI_E_NO_OUTPUT`).
    NoOutput,
    /// The volume name cannot be used (`IMAPI_E_INVALID_VOLUME_NAME`).
    InvalidVolumeName {
        /// The name given.
        name: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The operation needs an empty image (`IMAPI_E_FILE_SYSTEM_NOT_EMPTY`).
    FileSystemNotEmpty {
        /// The operation that was refused.
        operation: &'static str,
    },
    /// The path names a directory where a file was expected (`IMAPI_E_NOT_FILE`).
    NotFile {
        /// Path in the image.
        path: String,
    },
    /// The path names a file where a directory was expected (`IMAPI_E_NOT_DIR`).
    NotDir {
        /// Path in the image.
        path: String,
    },
    /// A non-empty directory cannot be removed with `remove` (`IMAPI_E_DIR_NOT_EMPTY`).
    DirNotEmpty {
        /// Path in the image.
        path: String,
    },
    /// The item is not attached to this image's tree (`IMAPI_E_NOT_IN_FILE_SYSTEM`).
    NotInFileSystem {
        /// Leaf name of the item.
        name: String,
    },
    /// A path or name is malformed (`IMAPI_E_INVALID_PATH`).
    InvalidPath {
        /// The path or name given.
        path: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A name uses characters outside the restricted set (`IMAPI_E_RESTRICTED_NAME_VIOLATION`).
    RestrictedNameViolation {
        /// The offending name.
        name: String,
    },
    /// An item of that name already exists (`IMAPI_E_DUP_NAME`).
    DupName {
        /// Path in the image.
        path: String,
    },
    /// No unique name could be derived for a file system (`IMAPI_E_NO_UNIQUE_NAME`).
    NoUniqueName {
        /// Path in the image.
        path: String,
        /// File system whose names ran out.
        file_system: FileSystems,
    },
    /// The path does not exist in the image (`IMAPI_E_ITEM_NOT_FOUND`).
    ItemNotFound {
        /// Path in the image.
        path: String,
    },
    /// The parent directory does not exist (`IMAPI_E_DIR_NOT_FOUND`).
    DirNotFound {
        /// Path in the image.
        path: String,
    },
    /// Adding this would exceed `FreeMediaBlocks` (`IMAPI_E_IMAGE_SIZE_LIMIT`).
    ImageSizeLimit {
        /// Blocks the image would need.
        needed_blocks: u64,
        /// The budget (`FreeMediaBlocks`).
        free_media_blocks: u32,
    },
    /// The budget is smaller than the content already present (`IMAPI_E_IMAGE_TOO_BIG`).
    ImageTooBig {
        /// Blocks the content already needs.
        used_blocks: u64,
        /// The budget that was asked for.
        free_media_blocks: u32,
    },
    /// A source changed size between planning and writing (`IMAPI_E_DATA_STREAM_INCONSISTENCY`).
    DataStreamInconsistency {
        /// The source (host path or item path).
        source_name: String,
        /// Size recorded when the file was added.
        expected: u64,
        /// Size found while writing.
        found: u64,
    },
    /// A source could not be read (`IMAPI_E_DATA_STREAM_READ_FAILURE`).
    DataStreamRead {
        /// The source (host path or item path).
        source_name: String,
        /// The operating-system error.
        error: io::Error,
    },
    /// A source could not be opened (`IMAPI_E_DATA_STREAM_CREATE_FAILURE`).
    DataStreamCreate {
        /// The host path.
        path: PathBuf,
        /// The operating-system error.
        error: io::Error,
    },
    /// A host directory could not be listed (`IMAPI_E_DIRECTORY_READ_FAILURE`).
    DirectoryRead {
        /// The host path.
        path: PathBuf,
        /// The operating-system error.
        error: io::Error,
    },
    /// A host path has no file name to give its item (`/`, `..`).
    HostName {
        /// The host path.
        path: PathBuf,
    },
    /// Too many directories for a file system (`IMAPI_E_TOO_MANY_DIRS`).
    TooManyDirs {
        /// The file system.
        file_system: FileSystems,
        /// How many directories the tree has.
        count: usize,
    },
    /// ISO 9660 allows eight directory levels (`IMAPI_E_ISO9660_LEVELS`).
    Iso9660Levels {
        /// The directory that is too deep.
        path: String,
        /// Its level (the root is level 1).
        level: usize,
    },
    /// A file is too large for a file system or interchange level (`IMAPI_E_DATA_TOO_BIG`).
    DataTooBig {
        /// Path in the image.
        path: String,
        /// Its size in bytes.
        size: u64,
        /// Why it does not fit.
        reason: &'static str,
    },
    /// A boot image cannot be used (`IMAPI_E_BOOT_IMAGE_DATA`).
    BootImageData {
        /// What is wrong with it.
        reason: String,
    },
    /// Boot entries are only for a first session (`IMAPI_E_BOOT_OBJECT_CONFLICT`).
    BootObjectConflict {
        /// The session start block that makes this a later session.
        session_start_block: u32,
    },
    /// Floppy emulation needs an image of the floppy's size
    /// (`IMAPI_E_BOOT_EMULATION_IMAGE_SIZE_MISMATCH`).
    BootEmulationSizeMismatch {
        /// The emulation asked for.
        emulation: crate::Emulation,
        /// The image size.
        size: u64,
        /// The size that emulation needs.
        needed: u64,
    },
    /// The feature is not in the chosen file systems or revision
    /// (`IMAPI_S_IMAGE_FEATURE_NOT_SUPPORTED`; IMAPI reports it as a success
    /// code and drops the feature, this crate refuses instead).
    FeatureNotSupported {
        /// The feature.
        feature: &'static str,
        /// What it needs.
        needs: &'static str,
    },
    /// A file system being read is inconsistent
    /// (`IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR`).
    Corrupt {
        /// The structure ("file entry", "anchor volume descriptor pointer", ...).
        structure: String,
        /// The block or offset where it was found.
        block: u64,
        /// What is wrong.
        reason: String,
    },
    /// Reading a medium or image failed (`IMAPI_E_IMPORT_READ_FAILURE`).
    ImportRead {
        /// The block being read.
        block: u64,
        /// The operating-system error.
        error: io::Error,
    },
    /// The rollback target is outside the recorded history.
    InvalidChangePoint {
        /// The change point asked for.
        requested: u64,
        /// Oldest change point still reachable (set by `lock_in_change_point`).
        oldest: u64,
        /// The current change point.
        current: u64,
    },
    /// Writing the image failed.
    Output {
        /// The output path.
        path: PathBuf,
        /// The operating-system error.
        error: io::Error,
    },
    /// The write was cancelled by the progress callback (`E_IMAPI_REQUEST_CANCELLED`).
    Cancelled,
    /// The output is one of the image's own sources (the same device and
    /// inode: the file itself, or a hard link to it); writing there would
    /// destroy it.
    OutputIsSource {
        /// The output path.
        output: PathBuf,
        /// The source it is.
        source: PathBuf,
    },
    /// A block device cannot hold the image.
    DeviceTooSmall {
        /// The device.
        path: PathBuf,
        /// Bytes of the image.
        needed: u64,
        /// Bytes of the device.
        capacity: u64,
    },
    /// A block device is in use: mounted, or held open exclusively by
    /// another program.
    DeviceInUse {
        /// The device.
        path: PathBuf,
    },
    /// The file system asked for is not on the medium (`IMAPI_E_FILE_SYSTEM_NOT_FOUND`).
    FileSystemNotFound {
        /// The file system asked for.
        file_system: FileSystems,
        /// What the medium has.
        present: FileSystems,
    },
    /// An imported item meets an item of the other type in memory
    /// (`IMAPI_E_IMPORT_TYPE_COLLISION_FILE_EXISTS_AS_DIRECTORY` when the
    /// disc has a file where memory has a directory, `..._DIRECTORY_EXISTS_AS_FILE`
    /// the other way round).
    ImportTypeCollision {
        /// Path in the image.
        path: String,
        /// Whether the disc's item is the directory.
        disc_has_directory: bool,
    },
    /// The UDF revision is fixed by the imported session (`IMAPI_E_UDF_REVISION_CHANGE_NOT_ALLOWED`).
    UdfRevisionChangeNotAllowed {
        /// The imported revision.
        imported: u16,
    },
    /// The file systems must stay those of the imported session
    /// (`IMAPI_E_FILE_SYSTEM_CHANGE_NOT_ALLOWED`).
    FileSystemChangeNotAllowed {
        /// What was asked for.
        requested: FileSystems,
        /// Why it is refused.
        reason: &'static str,
    },
    /// A multisession medium must be set first (`IMAPI_E_MULTISESSION_NOT_SET`).
    MultisessionNotSet,
    /// The medium cannot take another session (`IMAPI_E_IMPORT_MEDIA_NOT_ALLOWED`).
    MultisessionNotAllowed {
        /// Why.
        reason: String,
    },
    /// The medium changed since the import (`IMAPI_E_DISC_MISMATCH`).
    DiscMismatch {
        /// What differs.
        reason: String,
    },
    /// The image is not a whole number of 2048-byte sectors
    /// (`IMAPI_E_IMAGEMANAGER_IMAGE_NOT_ALIGNED`).
    ImageManagerNotAligned {
        /// Its size in bytes.
        size: u64,
    },
    /// No ECMA-119 or ECMA-167 volume descriptor at block 16
    /// (`IMAPI_E_IMAGEMANAGER_NO_VALID_VD_FOUND`).
    ImageManagerNoValidVd,
    /// No image was given (`IMAPI_E_IMAGEMANAGER_NO_IMAGE`).
    ImageManagerNoImage,
    /// 2^31 sectors or more (`IMAPI_E_IMAGEMANAGER_IMAGE_TOO_BIG`).
    ImageManagerTooBig {
        /// Its sectors.
        sectors: u64,
    },
}

impl Error {
    /// The IMAPI2 HRESULT this error corresponds to, where IMAPI defines one.
    ///
    /// ```
    /// let e = imapi2_fs::Error::DupName { path: "/a".into() };
    /// assert_eq!(e.imapi_code(), Some(0xC0AA_B112));
    /// ```
    pub fn imapi_code(&self) -> Option<u32> {
        Some(match self {
            Error::InvalidParam { .. } => 0xC0AA_B101,
            Error::NoOutput => 0xC0AA_B103,
            Error::InvalidVolumeName { .. } => 0xC0AA_B104,
            Error::FileSystemNotEmpty { .. } => 0xC0AA_B106,
            Error::NotFile { .. } => 0xC0AA_B108,
            Error::NotDir { .. } => 0xC0AA_B109,
            Error::DirNotEmpty { .. } => 0xC0AA_B10A,
            Error::NotInFileSystem { .. } => 0xC0AA_B10B,
            Error::InvalidPath { .. } | Error::HostName { .. } => 0xC0AA_B110,
            Error::RestrictedNameViolation { .. } => 0xC0AA_B111,
            Error::DupName { .. } => 0xC0AA_B112,
            Error::NoUniqueName { .. } => 0xC0AA_B113,
            Error::ItemNotFound { .. } => 0xC0AA_B118,
            Error::DirNotFound { .. } => 0xC0AA_B11A,
            Error::ImageSizeLimit { .. } => 0xC0AA_B120,
            Error::ImageTooBig { .. } => 0xC0AA_B121,
            Error::DataStreamInconsistency { .. } => 0xC0AA_B128,
            Error::DataStreamRead { .. } => 0xC0AA_B129,
            Error::DataStreamCreate { .. } => 0xC0AA_B12A,
            Error::DirectoryRead { .. } => 0xC0AA_B12B,
            Error::TooManyDirs { .. } => 0xC0AA_B130,
            Error::Iso9660Levels { .. } => 0xC0AA_B131,
            Error::DataTooBig { .. } => 0xC0AA_B132,
            Error::InvalidChangePoint { .. } => 0xC0AA_B101,
            Error::FeatureNotSupported { .. } => 0x00AA_B15F,
            Error::Corrupt { .. } => 0xC0AA_B153,
            Error::ImportRead { .. } => 0xC0AA_B157,
            Error::BootImageData { .. } => 0xC0AA_B148,
            Error::BootObjectConflict { .. } => 0xC0AA_B149,
            Error::BootEmulationSizeMismatch { .. } => 0xC0AA_B14A,
            Error::Cancelled => 0xC0AA_0002,
            Error::FileSystemNotFound { .. } => 0xC0AA_B152,
            Error::ImportTypeCollision {
                disc_has_directory: false,
                ..
            } => 0xC0AA_B155,
            Error::ImportTypeCollision { .. } => 0xC0AA_B15E,
            Error::UdfRevisionChangeNotAllowed { .. } => 0xC0AA_B161,
            Error::FileSystemChangeNotAllowed { .. } => 0xC0AA_B163,
            Error::MultisessionNotSet => 0xC0AA_B15D,
            Error::MultisessionNotAllowed { .. } => 0xC0AA_B159,
            Error::DiscMismatch { .. } => 0xC0AA_B158,
            Error::ImageManagerNotAligned { .. } => 0xC0AA_B200,
            Error::ImageManagerNoValidVd => 0xC0AA_B201,
            Error::ImageManagerNoImage => 0xC0AA_B202,
            Error::ImageManagerTooBig { .. } => 0xC0AA_B203,
            Error::Output { .. }
            | Error::OutputIsSource { .. }
            | Error::DeviceTooSmall { .. }
            | Error::DeviceInUse { .. } => return None,
        })
    }

    /// The IMAPI symbolic name of [`Error::imapi_code`], for messages and JSON output.
    pub fn imapi_name(&self) -> Option<&'static str> {
        Some(match self.imapi_code()? {
            0xC0AA_B101 => "IMAPI_E_INVALID_PARAM",
            0xC0AA_B103 => "IMAPI_E_NO_OUTPUT",
            0xC0AA_B104 => "IMAPI_E_INVALID_VOLUME_NAME",
            0xC0AA_B106 => "IMAPI_E_FILE_SYSTEM_NOT_EMPTY",
            0xC0AA_B108 => "IMAPI_E_NOT_FILE",
            0xC0AA_B109 => "IMAPI_E_NOT_DIR",
            0xC0AA_B10A => "IMAPI_E_DIR_NOT_EMPTY",
            0xC0AA_B10B => "IMAPI_E_NOT_IN_FILE_SYSTEM",
            0xC0AA_B110 => "IMAPI_E_INVALID_PATH",
            0xC0AA_B111 => "IMAPI_E_RESTRICTED_NAME_VIOLATION",
            0xC0AA_B112 => "IMAPI_E_DUP_NAME",
            0xC0AA_B113 => "IMAPI_E_NO_UNIQUE_NAME",
            0xC0AA_B118 => "IMAPI_E_ITEM_NOT_FOUND",
            0xC0AA_B11A => "IMAPI_E_DIR_NOT_FOUND",
            0xC0AA_B120 => "IMAPI_E_IMAGE_SIZE_LIMIT",
            0xC0AA_B121 => "IMAPI_E_IMAGE_TOO_BIG",
            0xC0AA_B128 => "IMAPI_E_DATA_STREAM_INCONSISTENCY",
            0xC0AA_B129 => "IMAPI_E_DATA_STREAM_READ_FAILURE",
            0xC0AA_B12A => "IMAPI_E_DATA_STREAM_CREATE_FAILURE",
            0xC0AA_B12B => "IMAPI_E_DIRECTORY_READ_FAILURE",
            0xC0AA_B130 => "IMAPI_E_TOO_MANY_DIRS",
            0xC0AA_B131 => "IMAPI_E_ISO9660_LEVELS",
            0xC0AA_B132 => "IMAPI_E_DATA_TOO_BIG",
            0x00AA_B15F => "IMAPI_S_IMAGE_FEATURE_NOT_SUPPORTED",
            0xC0AA_B153 => "IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR",
            0xC0AA_B157 => "IMAPI_E_IMPORT_READ_FAILURE",
            0xC0AA_B148 => "IMAPI_E_BOOT_IMAGE_DATA",
            0xC0AA_B149 => "IMAPI_E_BOOT_OBJECT_CONFLICT",
            0xC0AA_B14A => "IMAPI_E_BOOT_EMULATION_IMAGE_SIZE_MISMATCH",
            0xC0AA_0002 => "E_IMAPI_REQUEST_CANCELLED",
            0xC0AA_B152 => "IMAPI_E_FILE_SYSTEM_NOT_FOUND",
            0xC0AA_B155 => "IMAPI_E_IMPORT_TYPE_COLLISION_FILE_EXISTS_AS_DIRECTORY",
            0xC0AA_B15E => "IMAPI_E_IMPORT_TYPE_COLLISION_DIRECTORY_EXISTS_AS_FILE",
            0xC0AA_B161 => "IMAPI_E_UDF_REVISION_CHANGE_NOT_ALLOWED",
            0xC0AA_B163 => "IMAPI_E_FILE_SYSTEM_CHANGE_NOT_ALLOWED",
            0xC0AA_B15D => "IMAPI_E_MULTISESSION_NOT_SET",
            0xC0AA_B159 => "IMAPI_E_IMPORT_MEDIA_NOT_ALLOWED",
            0xC0AA_B158 => "IMAPI_E_DISC_MISMATCH",
            0xC0AA_B200 => "IMAPI_E_IMAGEMANAGER_IMAGE_NOT_ALIGNED",
            0xC0AA_B201 => "IMAPI_E_IMAGEMANAGER_NO_VALID_VD_FOUND",
            0xC0AA_B202 => "IMAPI_E_IMAGEMANAGER_NO_IMAGE",
            0xC0AA_B203 => "IMAPI_E_IMAGEMANAGER_IMAGE_TOO_BIG",
            _ => return None,
        })
    }

    /// Recovers an [`Error`] that travelled inside an [`io::Error`] (as the image
    /// stream's `Read` implementation must report it), or wraps the I/O error.
    pub fn from_io(error: io::Error, path: impl Into<PathBuf>) -> Error {
        if error.get_ref().is_some_and(|inner| inner.is::<Error>()) {
            match error.into_inner().map(|inner| inner.downcast::<Error>()) {
                Some(Ok(inner)) => return *inner,
                _ => unreachable!("checked above"),
            }
        }
        Error::Output {
            path: path.into(),
            error,
        }
    }
}

impl fmt::Display for Error {
    /// Names that carry bytes which are not UTF-8 (see [`crate::escape`])
    /// show those bytes as `\xNN`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut message = String::new();
        self.message(&mut message)?;
        f.write_str(&crate::escape::shown(&message))
    }
}

impl Error {
    fn message(&self, f: &mut String) -> fmt::Result {
        use fmt::Write;
        match self {
            Error::InvalidParam { name, reason } => write!(f, "invalid {name}: {reason}"),
            Error::NoOutput => f.write_str("no file system selected for the image"),
            Error::InvalidVolumeName { name, reason } => {
                write!(f, "invalid volume name {name:?}: {reason}")
            }
            Error::FileSystemNotEmpty { operation } => {
                write!(f, "{operation} needs an empty image")
            }
            Error::NotFile { path } => write!(f, "{path}: not a file"),
            Error::NotDir { path } => write!(f, "{path}: not a directory"),
            Error::DirNotEmpty { path } => write!(f, "{path}: directory not empty"),
            Error::NotInFileSystem { name } => {
                write!(f, "item {name:?} is not attached to this image")
            }
            Error::InvalidPath { path, reason } => write!(f, "invalid path {path:?}: {reason}"),
            Error::RestrictedNameViolation { name } => write!(
                f,
                "\"{name}\" has characters outside the restricted set (ANSI 32-127)"
            ),
            Error::DupName { path } => write!(f, "{path}: an item of that name already exists"),
            Error::NoUniqueName { path, file_system } => {
                write!(f, "{path}: no unique {file_system} name can be derived")
            }
            Error::ItemNotFound { path } => write!(f, "{path}: no such item in the image"),
            Error::DirNotFound { path } => write!(f, "{path}: no such directory in the image"),
            Error::ImageSizeLimit {
                needed_blocks,
                free_media_blocks,
            } => write!(
                f,
                "the image would need {needed_blocks} blocks but the media budget is {free_media_blocks} blocks"
            ),
            Error::ImageTooBig {
                used_blocks,
                free_media_blocks,
            } => write!(
                f,
                "a budget of {free_media_blocks} blocks is smaller than the {used_blocks} blocks the image already needs"
            ),
            Error::DataStreamInconsistency {
                source_name,
                expected,
                found,
            } => write!(
                f,
                "{source_name}: size changed since it was added (expected {expected} bytes, found {found})"
            ),
            Error::DataStreamRead { source_name, error } => {
                write!(f, "{source_name}: cannot read: {error}")
            }
            Error::DataStreamCreate { path, error } => {
                write!(f, "{}: cannot open: {error}", path.display())
            }
            Error::DirectoryRead { path, error } => {
                write!(f, "{}: cannot read directory: {error}", path.display())
            }
            Error::HostName { path } => write!(
                f,
                "{}: the path has no file name to give the item; graft it with NAME=PATH",
                path.display()
            ),
            Error::TooManyDirs { file_system, count } => write!(
                f,
                "{count} directories are too many for {file_system} (at most 65535)"
            ),
            Error::Iso9660Levels { path, level } => write!(
                f,
                "{path}: ISO 9660 allows 8 directory levels, this directory is at level {level}"
            ),
            Error::DataTooBig { path, size, reason } => {
                write!(f, "{path}: {size} bytes is too large: {reason}")
            }
            Error::InvalidChangePoint {
                requested,
                oldest,
                current,
            } => write!(
                f,
                "change point {requested} is not between {oldest} (the locked-in point) and {current} (now)"
            ),
            Error::Corrupt {
                structure,
                block,
                reason,
            } => write!(f, "bad {structure} at block {block}: {reason}"),
            Error::ImportRead { block, error } => write!(f, "cannot read block {block}: {error}"),
            Error::FeatureNotSupported { feature, needs } => {
                write!(f, "{feature} need {needs}")
            }
            Error::BootImageData { reason } => write!(f, "boot image: {reason}"),
            Error::BootObjectConflict {
                session_start_block,
            } => write!(
                f,
                "boot entries are only allowed in a first session (this one starts at block {session_start_block})"
            ),
            Error::BootEmulationSizeMismatch {
                emulation,
                size,
                needed,
            } => write!(
                f,
                "{emulation:?} emulation needs an image of {needed} bytes, the boot image has {size}"
            ),
            Error::Output { path, error } => write!(f, "{}: {error}", path.display()),
            Error::Cancelled => f.write_str("cancelled"),
            Error::OutputIsSource { output, source } if output == source => write!(
                f,
                "{} is one of the image's sources: write the image elsewhere",
                output.display()
            ),
            Error::OutputIsSource { output, source } => write!(
                f,
                "{} is the same file as {}, one of the image's sources: write the image elsewhere",
                output.display(),
                source.display()
            ),
            Error::DeviceTooSmall {
                path,
                needed,
                capacity,
            } => write!(
                f,
                "{}: the image needs {needed} bytes, the device holds {capacity} bytes; nothing was written",
                path.display()
            ),
            Error::DeviceInUse { path } => write!(
                f,
                "{} is in use (mounted, or held open by another program): unmount or release it first",
                path.display()
            ),
            Error::FileSystemNotFound {
                file_system,
                present,
            } => {
                if present.is_empty() {
                    write!(f, "no {file_system} file system on the medium (it has none)")
                } else {
                    write!(f, "no {file_system} file system on the medium (it has {present})")
                }
            }
            Error::ImportTypeCollision {
                path,
                disc_has_directory,
            } => {
                if *disc_has_directory {
                    write!(f, "{path}: a directory on the disc meets a file of that name in the image")
                } else {
                    write!(f, "{path}: a file on the disc meets a directory of that name in the image")
                }
            }
            Error::UdfRevisionChangeNotAllowed { imported } => write!(
                f,
                "the UDF revision is fixed by the imported session ({}.{:02x})",
                imported >> 8,
                imported & 0xFF
            ),
            Error::FileSystemChangeNotAllowed { requested, reason } => {
                write!(f, "file systems {requested} refused: {reason}")
            }
            Error::MultisessionNotSet => f.write_str("set the multisession medium first"),
            Error::MultisessionNotAllowed { reason } => {
                write!(f, "no further session on this medium: {reason}")
            }
            Error::DiscMismatch { reason } => {
                write!(f, "the medium changed since the import: {reason}")
            }
            Error::ImageManagerNotAligned { size } => {
                write!(f, "the image is {size} bytes, not whole 2048-byte sectors")
            }
            Error::ImageManagerNoValidVd => {
                f.write_str("no ISO 9660 or UDF volume descriptor at block 16")
            }
            Error::ImageManagerNoImage => f.write_str("no image given"),
            Error::ImageManagerTooBig { sectors } => {
                write!(f, "the image has {sectors} sectors, 2^31 or more")
            }
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::DataStreamRead { error, .. }
            | Error::DataStreamCreate { error, .. }
            | Error::DirectoryRead { error, .. }
            | Error::ImportRead { error, .. }
            | Error::Output { error, .. } => Some(error),
            _ => None,
        }
    }
}

impl From<Error> for io::Error {
    fn from(e: Error) -> io::Error {
        io::Error::other(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_match_the_header_values() {
        assert_eq!(Error::NoOutput.imapi_code(), Some(0xC0AA_B103));
        let e = Error::ImageSizeLimit {
            needed_blocks: 5,
            free_media_blocks: 4,
        };
        assert_eq!(e.imapi_code(), Some(0xC0AA_B120));
        assert_eq!(e.imapi_name(), Some("IMAPI_E_IMAGE_SIZE_LIMIT"));
        assert!(e.to_string().contains("5 blocks"));
    }

    #[test]
    fn errors_survive_a_trip_through_io_error() {
        let io: io::Error = Error::DataStreamInconsistency {
            source_name: "/src/a".into(),
            expected: 3,
            found: 4,
        }
        .into();
        let back = Error::from_io(io, "/out.iso");
        assert_eq!(back.imapi_code(), Some(0xC0AA_B128));
        let plain = Error::from_io(io::Error::other("disk full"), "/out.iso");
        assert!(matches!(plain, Error::Output { .. }));
    }
}
