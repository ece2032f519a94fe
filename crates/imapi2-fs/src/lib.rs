//! # imapi2-fs
//!
//! IMAPI2FS done again: build ISO 9660 (levels 1–3), Joliet, Rock Ridge and
//! UDF (1.02 to 2.60, alone or bridged with ISO 9660) file-system images,
//! bootable (El Torito, BIOS and UEFI, hybrid MBR/GPT), from an in-memory
//! tree of items, and read them out as a lazily generated `Read + Seek`
//! stream. Read images back ([`Disc`], [`iso_reader`], [`udf_reader`],
//! [`extract`], [`validate`]), import their trees and append sessions
//! ([`Multisession`]). No device code lives here.
//!
//! ```
//! use imapi2_fs::{DataSource, FileSystemImage, FileSystems};
//! use std::io::Read;
//!
//! let mut image = FileSystemImage::new();
//! image.set_volume_name("EXAMPLE")?;
//! let root = image.root();
//! image.add_directory(root, "docs")?;
//! image.add_file(root, "docs/readme.txt", DataSource::Bytes(b"hi\n"[..].into()))?;
//! image.add_symlink(root, "latest", "docs/readme.txt")?;
//! let result = image.create_result_image()?;
//! let mut iso = Vec::new();
//! result.image_stream().read_to_end(&mut iso)?;
//! assert_eq!(&iso[0x8001..0x8006], b"CD001");
//! assert_eq!(iso.len() as u64, result.total_bytes());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## How it works
//!
//! The [`FileSystemImage`] owns the tree of items (`image/`: the item arena,
//! data sources, boot options, settings, and the IMAPI interfaces by topic).
//! [`FileSystemImage::create_result_image`] runs a layout pass with no data
//! I/O (`write/plan`): each file system is a *writer* with one small
//! interface (`write/writer`): the ISO 9660 volume with its Rock Ridge
//! entries and the Joliet volume (`iso9660/writer`), El Torito
//! (`eltorito/writer`), UDF with its metadata area (`udf/writer`) and the
//! hybrid system area (`hybrid/writer`). Registered in block order, they
//! reserve their blocks from one allocator (`write/alloc`) stage by stage;
//! every file's data is placed once and shared by all trees
//! (`write/layout`); then each gives the bytes that planning fixes
//! (descriptors, anchors, the catalog).
//! The [`ImageResult`] is that plan; its [`ImageStream`] (`write/stream`)
//! asks the writers for a directory's or path table's bytes when the
//! position reaches them and reads file data from the sources then
//! (`write/file_data`). [`ImageResult::write_to_path`] is the fast way to a
//! file (`write/output`: kernel copies, holes for zeros).
//!
//! Reading goes the other way (`read/`): a [`Medium`] is opened as a
//! [`Disc`] (its sessions and file systems); the readers (`iso9660/reader`,
//! `udf/reader`) give one view as an [`FsTree`], which [`extract`], import
//! ([`FileSystemImage::import_file_system`]) and [`Multisession`] work on;
//! [`validate`] dispatches to each format's checks. The on-disk structures
//! of each format are plain types with `encode`/`decode` next to their spec
//! clause ([`ecma119`], [`rockridge`], [`ecma167`], [`eltorito`],
//! [`system_area`]); what every decoder shares is in `codec`.
//!
//! With `SOURCE_DATE_EPOCH` set, the volume time is that value and every item
//! time is clamped to it, so the same tree gives byte-identical images.
//!
//! ## IMAPI2 names
//!
//! | IMAPI2 | Rust |
//! |---|---|
//! | `MsftFileSystemImage` / `IFileSystemImage` | [`FileSystemImage`] |
//! | `Root` | [`FileSystemImage::root`] |
//! | `FileSystemsToCreate`, `FileSystemsSupported` | [`FileSystemImage::set_file_systems_to_create`], [`FileSystemImage::file_systems_supported`] |
//! | `FsiFileSystems` | [`FileSystems`] |
//! | `ISO9660InterchangeLevel(sSupported)` | [`FileSystemImage::set_iso9660_interchange_level`], [`FileSystemImage::iso9660_interchange_levels_supported`] |
//! | `VolumeName`, `VolumeNameISO9660`, `VolumeNameJoliet` | [`FileSystemImage::set_volume_name`], [`FileSystemImage::volume_name_for`] |
//! | `FreeMediaBlocks`, `UsedBlocks` | [`FileSystemImage::set_free_media_blocks`], [`FileSystemImage::used_blocks`] |
//! | `SessionStartBlock` | [`FileSystemImage::set_session_start_block`] |
//! | `StrictFileSystemCompliance`, `UseRestrictedCharacterSet` | [`FileSystemImage::set_strict_file_system_compliance`], [`FileSystemImage::set_use_restricted_character_set`] |
//! | `ChooseImageDefaultsForMediaType`, `IMAPI_MEDIA_PHYSICAL_TYPE` | [`FileSystemImage::choose_image_defaults_for_media_type`], [`MediaPhysicalType`] |
//! | `FileCount`, `DirectoryCount` | [`FileSystemImage::file_count`], [`FileSystemImage::directory_count`] |
//! | `ChangePoint`, `RollbackToChangePoint`, `LockInChangePoint` | [`FileSystemImage::change_point`], [`FileSystemImage::rollback_to_change_point`], [`FileSystemImage::lock_in_change_point`] |
//! | `Exists`, `FsiItemType` | [`FileSystemImage::exists`], [`ItemType`] |
//! | `CreateDirectoryItem`, `CreateFileItem` | [`FileSystemImage::create_directory_item`], [`FileSystemImage::create_file_item`] |
//! | `CreateResultImage` | [`FileSystemImage::create_result_image`] |
//! | `IFsiItem` (`Name`, `FullPath`, times, `IsHidden`) | [`ItemId`] with [`FileSystemImage::name`], [`FileSystemImage::full_path`], [`FileSystemImage::attributes`], [`Attributes`] |
//! | `IFsiItem::FileSystemName`, `FileSystemPath` | [`FileSystemImage::file_system_name`], [`FileSystemImage::file_system_path`] |
//! | `IFsiDirectoryItem::AddDirectory`, `AddFile`, `AddTree`, `Add` | [`FileSystemImage::add_directory`], [`FileSystemImage::add_file`], [`FileSystemImage::add_tree`], [`FileSystemImage::add`] |
//! | `IFsiDirectoryItem::Remove`, `RemoveTree`, `Item`, `Count`, `EnumFsiItems` | [`FileSystemImage::remove`], [`FileSystemImage::remove_tree`], [`FileSystemImage::item_in`], [`FileSystemImage::count`], [`FileSystemImage::children`] |
//! | `IFsiFileItem::Data`, `DataSize` | [`FileSystemImage::data`], [`FileSystemImage::set_data`], [`FileSystemImage::data_size`] |
//! | `IStream` (a file's data) | [`DataSource`] |
//! | `IFileSystemImageResult` (`ImageStream`, `TotalBlocks`, `BlockSize`, `DiscId`) | [`ImageResult`] ([`ImageResult::image_stream`], [`ImageResult::total_blocks`], [`ImageResult::block_size`], [`ImageResult::disc_id`]) |
//! | `IFileSystemImageResult2::ModifiedBlocks`, `IBlockRange`, `IBlockRangeList` | [`ImageResult::modified_blocks`], [`BlockRange`], [`ImageResult::disc_stream`] |
//! | `IProgressItems`, `IProgressItem` | [`ProgressItems`], [`ProgressItem`] |
//! | `DFileSystemImageEvents::Update` | [`ImageResult::set_progress`], [`Progress`] |
//! | `IMAPI_E_*` codes | [`Error::imapi_code`] |
//! | `BootImageOptions`, `BootImageOptionsArray` | [`FileSystemImage::set_boot_image_options`], [`FileSystemImage::set_boot_image_options_array`] |
//! | `BootOptions` / `IBootOptions` (`AssignBootImage`, `BootImage`, `ImageSize`, `Manufacturer`, `PlatformId`, `Emulation`) | [`BootOptions`] ([`BootOptions::assign_boot_image`], ...) |
//! | `PlatformId`, `EmulationType` | [`PlatformId`], [`Emulation`] |
//! | `IMAPI2FS_BOOT_ENTRY_COUNT_MAX` | [`BOOT_ENTRY_COUNT_MAX`] |
//! | `UDFRevision`, `UDFRevisionsSupported` | [`FileSystemImage::set_udf_revision`], [`FileSystemImage::udf_revision`], [`FileSystemImage::udf_revisions_supported`] |
//! | `CreateRedundantUdfMetadataFiles` | [`FileSystemImage::set_create_redundant_udf_metadata_files`] |
//! | `IFsiFileItem2::AddStream`, `RemoveStream`, `FsiNamedStreams` | [`FileSystemImage::add_stream`], [`FileSystemImage::remove_stream`], [`FileSystemImage::named_streams`] |
//! | `IFsiFileItem2::IsRealTime` | [`FileSystemImage::set_real_time`], [`FileSystemImage::is_real_time`] |
//! | `IdentifyFileSystemsOnDisc`, `GetDefaultFileSystemForImport` | [`FileSystemImage::identify_file_systems_on_disc`], [`FileSystemImage::default_file_system_for_import`] |
//! | `ImportFileSystem`, `ImportSpecificFileSystem`, `ImportedVolumeName` | [`FileSystemImage::import_file_system`], [`FileSystemImage::import_specific_file_system`], [`FileSystemImage::imported_volume_name`] |
//! | `ProbeSpecificFileSystem`, `CalculateDiscIdentifier` | [`FileSystemImage::probe_specific_file_system`], [`FileSystemImage::calculate_disc_identifier`] |
//! | `MultisessionInterfaces`, `IMultisessionSequential(2)`, `IMultisessionRandomWrite` | [`FileSystemImage::set_multisession`], [`Multisession`], [`MultisessionKind`] |
//! | `DFileSystemImageImportEvents::UpdateImport` | [`FileSystemImage::set_import_progress`], [`ImportProgress`] |
//! | `MsftIsoImageManager` (`SetPath`, `SetStream`, `Validate`) | [`validate::IsoImageManager`] |
//!
//! Beyond IMAPI: Rock Ridge ([`FileSystems::ROCK_RIDGE`]), POSIX modes and
//! owners in [`Attributes`], symbolic links ([`FileSystemImage::add_symlink`]),
//! special files ([`FileSystemImage::add_special`]), hard links (host files
//! with several links share one extent), ISO 9660 level 3, the El Torito boot
//! info table ([`BootOptions::set_boot_info_table`]), a visible boot catalog
//! ([`BootCatalog`]), and hybrid MBR/GPT images ([`Hybrid`]).

#![warn(missing_docs)]

mod codec;
pub mod eltorito;
mod error;
pub mod escape;
mod filesystems;
mod hybrid;
mod image;
mod iso9660;
mod read;
mod time;
mod udf;
mod write;

pub use hybrid::system_area;
pub use iso9660::{ecma119, reader as iso_reader, rockridge, zisofs};
pub use read::{extract, validate, view as fs_tree};
pub use udf::{ecma167, reader as udf_reader};

pub use eltorito::{Emulation, PlatformId};
pub use error::{Error, Result};
pub use filesystems::{FileSystems, ParseFileSystemsError};
pub use image::boot::{BootCatalog, BootOptions, Hybrid, BOOT_ENTRY_COUNT_MAX};
pub use image::file_system_image::FileSystemImage;
pub use image::item::{Attributes, ItemId, ItemKind, ItemType, SpecialKind};
pub use image::media_type::MediaPhysicalType;
pub use image::settings::UdfSpecialFiles;
pub use image::settings::{DEFAULT_FREE_MEDIA_BLOCKS, MAX_NAME_BYTES, MAX_VOLUME_NAME_CHARS};
pub use image::source::DataSource;
pub use read::disc::{default_for_import, Disc, UdfSummary};
pub use read::imported::{ImportProgress, ImportProgressFn, Imported};
pub use read::medium::{Medium, MediumCursor, ReadSeek, RecordedSession, SharedStream};
pub use read::multisession::{disc_identifier, Multisession, MultisessionKind, IMAGE_WRITE_UNIT};
pub use read::view::{FsData, FsKind, FsNode, FsTree, ZisofsData};
pub use time::{source_date_epoch, Civil, FileTime};
pub use write::result::{ImageResult, Progress, ProgressFn, ProgressItem, ProgressItems};
pub use write::session::{BlockRange, DiscStream};
pub use write::stream::ImageStream;
