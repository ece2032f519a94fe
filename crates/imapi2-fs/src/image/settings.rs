//! The settings of an image that are not its tree (IMAPI's
//! `IFileSystemImage` properties as one value), and the limits on names.

use crate::filesystems::FileSystems;
use crate::image::boot::{BootCatalog, BootOptions, Hybrid};
use crate::read::multisession::Multisession;
use crate::time::FileTime;

/// IMAPI's default `FreeMediaBlocks`: a 74-minute, 650 MB CD.
pub const DEFAULT_FREE_MEDIA_BLOCKS: u32 = 332_800;

/// Longest item name accepted, in bytes of UTF-8 (the Rock Ridge and UDF limit).
pub const MAX_NAME_BYTES: usize = 255;

/// Longest volume name accepted, in characters.
pub const MAX_VOLUME_NAME_CHARS: usize = 32;

/// How UDF records symbolic links, FIFOs, sockets and devices.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum UdfSpecialFiles {
    /// As what they are (ECMA-167 4/14.6.6 file types 12, 9, 10, 6, 7):
    /// the Linux kernel, udfclient and libudfread keep them. 7-Zip and
    /// pycdlib cannot open a UDF volume that holds one.
    #[default]
    Keep,
    /// As empty files, as genisoimage writes them: every UDF reader opens
    /// the volume, the links are lost from its UDF view.
    AsEmptyFiles,
}

/// The settings of an image that are not the tree.
#[derive(Clone, Debug)]
pub(crate) struct Settings {
    pub(crate) file_systems: FileSystems,
    pub(crate) iso_level: u8,
    pub(crate) volume_name: Option<String>,
    pub(crate) free_media_blocks: u32,
    pub(crate) session_start_block: u32,
    pub(crate) strict: bool,
    pub(crate) restricted_charset: bool,
    /// Directories deeper than ISO 9660's eight levels are relocated the
    /// Rock Ridge way (`CL`/`PL`/`RE`) instead of written where they are.
    pub(crate) rr_relocation: bool,
    /// Volume time and clamp for item times; `None` = `SOURCE_DATE_EPOCH` or now.
    pub(crate) fixed_time: Option<FileTime>,
    /// El Torito boot entries, in catalog order.
    pub(crate) boot: Vec<BootOptions>,
    pub(crate) boot_catalog: BootCatalog,
    pub(crate) hybrid: Option<Hybrid>,
    /// UDF revision, BCD-like (0x0102 ... 0x0260).
    pub(crate) udf_revision: u16,
    /// UDF 2.50+: a separate metadata mirror file.
    pub(crate) udf_redundant_metadata: bool,
    /// How UDF records links and special files.
    pub(crate) udf_special: UdfSpecialFiles,
    /// The medium the session goes onto, when it follows others.
    pub(crate) multisession: Option<Multisession>,
    /// Blocks of imported data the session points at instead of copying:
    /// not part of the budget.
    pub(crate) referenced_blocks: u64,
    /// Files written zisofs-compressed where that saves space.
    pub(crate) zisofs: bool,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            file_systems: FileSystems::ISO9660 | FileSystems::JOLIET | FileSystems::ROCK_RIDGE,
            iso_level: 2,
            volume_name: None,
            free_media_blocks: DEFAULT_FREE_MEDIA_BLOCKS,
            session_start_block: 0,
            strict: false,
            restricted_charset: false,
            rr_relocation: false,
            fixed_time: None,
            boot: Vec::new(),
            boot_catalog: BootCatalog::Hidden,
            hybrid: None,
            udf_revision: 0x0102,
            udf_redundant_metadata: true,
            udf_special: UdfSpecialFiles::Keep,
            multisession: None,
            referenced_blocks: 0,
            zisofs: false,
        }
    }
}
