//! What an import leaves in an image ([`Imported`]), and the events it
//! reports while it runs (IMAPI's `DFileSystemImageImportEvents`).

use crate::filesystems::FileSystems;
use crate::read::medium::Medium;

/// What an import left behind.
#[derive(Clone, Debug)]
pub struct Imported {
    /// The medium.
    pub medium: Medium,
    /// The view that was imported.
    pub file_system: FileSystems,
    /// `ImportedVolumeName`.
    pub volume_name: String,
    /// The UDF revision of the medium, when it carries UDF.
    pub udf_revision: Option<u16>,
    /// The file systems the medium has.
    pub present: FileSystems,
}

/// Counts reported while importing (IMAPI's `UpdateImport` event).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportProgress {
    /// The file system being imported.
    pub file_system: FileSystems,
    /// Path of the item just imported.
    pub current_item: String,
    /// Directories imported so far, and in all.
    pub directories: (u64, u64),
    /// Files (and links and special files) imported so far, and in all.
    pub files: (u64, u64),
}

/// Receives import progress; returning `false` cancels the import.
pub type ImportProgressFn = Box<dyn FnMut(&ImportProgress) -> bool + Send>;
