//! IMAPI's `IFileSystemImage`, `IFileSystemImage2` and `IFileSystemImage3`
//! properties of a [`FileSystemImage`]: the file systems and their
//! revisions, the volume name, the budget, the session start, compliance,
//! media defaults, boot options and change points.

use crate::error::{Error, Result};
use crate::filesystems::FileSystems;
use crate::image::arena::{NodeKind, ROOT};
use crate::image::boot::{BootCatalog, BootOptions, Hybrid, BOOT_ENTRY_COUNT_MAX};
use crate::image::file_system_image::{components, FileSystemImage};
use crate::image::item_names;
use crate::image::media_type::MediaPhysicalType;
use crate::image::settings::MAX_VOLUME_NAME_CHARS;
use crate::iso9660::names;
use crate::time::FileTime;
use crate::write::plan;
impl FileSystemImage {
    /// `FileSystemsToCreate`.
    pub fn file_systems_to_create(&self) -> FileSystems {
        self.settings.file_systems
    }

    /// Sets `FileSystemsToCreate`. Rock Ridge and Joliet need ISO 9660, whose
    /// primary volume descriptor they hang off; file systems outside
    /// [`file_systems_supported`](Self::file_systems_supported) are refused.
    pub fn set_file_systems_to_create(&mut self, fs: FileSystems) -> Result<()> {
        let unsupported = fs & !self.file_systems_supported();
        if !unsupported.is_empty() {
            return Err(Error::InvalidParam {
                name: "FileSystemsToCreate",
                reason: format!("{unsupported} is not supported by this build"),
            });
        }
        if fs.is_empty() {
            return Err(Error::NoOutput);
        }
        if !fs.contains(FileSystems::ISO9660)
            && (fs.contains(FileSystems::JOLIET) || fs.contains(FileSystems::ROCK_RIDGE))
        {
            return Err(Error::InvalidParam {
                name: "FileSystemsToCreate",
                reason: "Joliet and Rock Ridge need the ISO 9660 volume".into(),
            });
        }
        self.settings.file_systems = fs;
        Ok(())
    }

    /// Whether files are written zisofs-compressed (see
    /// [`set_zisofs`](Self::set_zisofs)).
    pub fn zisofs(&self) -> bool {
        self.settings.zisofs
    }

    /// Writes files zisofs-compressed, as `mkisofs -z` and `xorriso
    /// --zisofs` do (an extension: IMAPI has no such property): each file
    /// whose compressed form saves at least one block is compressed in
    /// blocks of 32 KiB, and its Rock Ridge entries get a `ZF` entry with
    /// the real size, which Linux, xorriso, bsdtar and `imapi2 extract`
    /// decompress. The ISO 9660 and Joliet trees record the compressed
    /// bytes, as those of `mkisofs -z` do; Rock Ridge must be written and
    /// UDF must not (checked when the result is created). Boot images, and
    /// imported data that the next session points at, are not compressed.
    pub fn set_zisofs(&mut self, on: bool) {
        self.settings.zisofs = on;
    }

    /// `FileSystemsSupported`: what this build writes.
    pub fn file_systems_supported(&self) -> FileSystems {
        FileSystems::ISO9660 | FileSystems::JOLIET | FileSystems::ROCK_RIDGE | FileSystems::UDF
    }

    /// `UDFRevision`: 0x0102, 0x0150, 0x0200, 0x0201, 0x0250 or 0x0260.
    pub fn udf_revision(&self) -> u16 {
        self.settings.udf_revision
    }

    /// Sets `UDFRevision` (BCD-like: 2.50 is 0x0250). Named streams need
    /// 2.00 or later; 2.50 and 2.60 put the file system's metadata in a
    /// metadata partition.
    pub fn set_udf_revision(&mut self, revision: u16) -> Result<()> {
        if let Some(imported) = self.imported.as_ref().and_then(|i| i.udf_revision) {
            if revision != imported {
                return Err(Error::UdfRevisionChangeNotAllowed { imported });
            }
        }
        if !self.udf_revisions_supported().contains(&revision) {
            return Err(Error::InvalidParam {
                name: "UDFRevision",
                reason: format!(
                    "{revision:#06x} is not one of 0x0102, 0x0150, 0x0200, 0x0201, 0x0250, 0x0260"
                ),
            });
        }
        self.settings.udf_revision = revision;
        Ok(())
    }

    /// `UDFRevisionsSupported`.
    pub fn udf_revisions_supported(&self) -> &'static [u16] {
        &[0x0102, 0x0150, 0x0200, 0x0201, 0x0250, 0x0260]
    }

    /// `CreateRedundantUdfMetadataFiles` (default true): for UDF 2.50+,
    /// whether the metadata mirror file is a second copy of the metadata.
    pub fn create_redundant_udf_metadata_files(&self) -> bool {
        self.settings.udf_redundant_metadata
    }

    /// Sets `CreateRedundantUdfMetadataFiles`.
    pub fn set_create_redundant_udf_metadata_files(&mut self, on: bool) {
        self.settings.udf_redundant_metadata = on;
    }

    /// `ISO9660InterchangeLevel` (1, 2 or 3).
    pub fn iso9660_interchange_level(&self) -> u8 {
        self.settings.iso_level
    }

    /// Sets `ISO9660InterchangeLevel`: 1 (8.3 names, files below 4 GiB), 2 (31-
    /// character names) or 3 (as 2, plus files of 4 GiB and more in several extents).
    pub fn set_iso9660_interchange_level(&mut self, level: u8) -> Result<()> {
        if !self.iso9660_interchange_levels_supported().contains(&level) {
            return Err(Error::InvalidParam {
                name: "ISO9660InterchangeLevel",
                reason: format!("level {level} is not 1, 2 or 3"),
            });
        }
        self.settings.iso_level = level;
        Ok(())
    }

    /// `ISO9660InterchangeLevelsSupported`.
    pub fn iso9660_interchange_levels_supported(&self) -> &'static [u8] {
        &[1, 2, 3]
    }

    /// `VolumeName` as set, or `None` for the default (made from the date when
    /// the result is created).
    pub fn volume_name(&self) -> Option<&str> {
        self.settings.volume_name.as_deref()
    }

    /// Sets `VolumeName`: at most 32 characters, no control characters. Each file
    /// system writes the form it allows (see [`volume_name_for`](Self::volume_name_for)).
    /// An empty name restores the default.
    pub fn set_volume_name(&mut self, name: &str) -> Result<()> {
        if name.is_empty() {
            self.settings.volume_name = None;
            return Ok(());
        }
        if name.chars().count() > MAX_VOLUME_NAME_CHARS {
            return Err(Error::InvalidVolumeName {
                name: name.to_string(),
                reason: "longer than 32 characters",
            });
        }
        if name.chars().any(char::is_control) {
            return Err(Error::InvalidVolumeName {
                name: name.to_string(),
                reason: "contains control characters",
            });
        }
        if self.settings.strict && !name.chars().all(item_names::is_strict_volume_char) {
            return Err(Error::InvalidVolumeName {
                name: name.to_string(),
                reason: "strict compliance allows only A-Z a-z 0-9 _ and .",
            });
        }
        self.settings.volume_name = Some(name.to_string());
        Ok(())
    }

    /// The volume name each file system writes (`VolumeNameISO9660`,
    /// `VolumeNameJoliet`; Rock Ridge uses the ISO 9660 one).
    pub fn volume_name_for(&self, fs: FileSystems) -> String {
        let name =
            self.effective_volume_name(self.settings.fixed_time.unwrap_or_else(FileTime::now));
        names::volume_name_for(&name, fs)
    }

    /// `FreeMediaBlocks`: the capacity budget in 2048-byte blocks; 0 = unlimited.
    pub fn free_media_blocks(&self) -> u32 {
        self.settings.free_media_blocks
    }

    /// Sets `FreeMediaBlocks`; refuses a budget below [`used_blocks`](Self::used_blocks)
    /// with `IMAPI_E_IMAGE_TOO_BIG`.
    pub fn set_free_media_blocks(&mut self, blocks: u32) -> Result<()> {
        let used = self.used_blocks();
        if blocks != 0 && used > u64::from(blocks) {
            return Err(Error::ImageTooBig {
                used_blocks: used,
                free_media_blocks: blocks,
            });
        }
        self.settings.free_media_blocks = blocks;
        Ok(())
    }

    /// `UsedBlocks`: a running estimate of the blocks the image needs, file
    /// system structures included. It errs on the large side; the exact figure
    /// is the result's [`total_blocks`](crate::ImageResult::total_blocks).
    pub fn used_blocks(&self) -> u64 {
        plan::estimate_blocks(&self.tree.stats, &self.settings)
            .saturating_sub(self.settings.referenced_blocks)
    }

    /// `SessionStartBlock`: first block of the session being built.
    pub fn session_start_block(&self) -> u32 {
        self.settings.session_start_block
    }

    /// Sets `SessionStartBlock`. Every address in the image is offset by it;
    /// the result stream starts at that block.
    pub fn set_session_start_block(&mut self, block: u32) -> Result<()> {
        if self.settings.multisession.is_some() && block != self.settings.session_start_block {
            return Err(Error::InvalidParam {
                name: "SessionStartBlock",
                reason: "the multisession medium sets it".into(),
            });
        }
        if block != 0 && !self.settings.boot.is_empty() {
            return Err(Error::BootObjectConflict {
                session_start_block: block,
            });
        }
        self.settings.session_start_block = block;
        Ok(())
    }

    /// `StrictFileSystemCompliance`.
    pub fn strict_file_system_compliance(&self) -> bool {
        self.settings.strict
    }

    /// Sets `StrictFileSystemCompliance`. Turning it on is allowed only while
    /// the image is empty (IMAPI's rule). Strict images refuse what relaxed
    /// images repair: a directory deeper than 8 levels without Rock Ridge
    /// (relaxed images relocate it, visibly) and volume names outside
    /// A–Z a–z 0–9 _ and '.'.
    pub fn set_strict_file_system_compliance(&mut self, strict: bool) -> Result<()> {
        if strict && !self.settings.strict && !self.tree.node(ROOT).children().is_empty() {
            return Err(Error::FileSystemNotEmpty {
                operation: "turning on StrictFileSystemCompliance",
            });
        }
        self.settings.strict = strict;
        Ok(())
    }

    /// How UDF records symbolic links and special files (beyond IMAPI,
    /// which writes neither): [`UdfSpecialFiles::Keep`] (the default) or
    /// [`UdfSpecialFiles::AsEmptyFiles`], which 7-Zip can open.
    pub fn set_udf_special_files(&mut self, how: crate::UdfSpecialFiles) {
        self.settings.udf_special = how;
    }

    /// How UDF records symbolic links and special files.
    pub fn udf_special_files(&self) -> crate::UdfSpecialFiles {
        self.settings.udf_special
    }

    /// Directories deeper than ISO 9660's eight levels: written where they
    /// are (false, the default, as xorriso writes them beside Rock Ridge;
    /// every reader takes them), or relocated the Rock Ridge way (true;
    /// ECMA-119's limit kept: each goes to the root, hidden there by `RE`,
    /// and `CL`/`PL` link it back, so Rock Ridge readers see the tree as it
    /// is while the plain ISO 9660 view shows them at the root). Beyond
    /// IMAPI. Relocation needs Rock Ridge; `StrictFileSystemCompliance`
    /// relocates too.
    pub fn set_rock_ridge_relocation(&mut self, on: bool) {
        self.settings.rr_relocation = on;
    }

    /// Whether deep directories are relocated ([`FileSystemImage::set_rock_ridge_relocation`]).
    pub fn rock_ridge_relocation(&self) -> bool {
        self.settings.rr_relocation
    }

    /// Makes the image reproducible from code, as `SOURCE_DATE_EPOCH` does from
    /// the environment: `time` becomes the volume's creation time (and the
    /// default volume name), and every item time later than it is written as
    /// `time`. `None` (the default) reads `SOURCE_DATE_EPOCH` when the result
    /// is created, or takes the clock.
    pub fn set_fixed_time(&mut self, time: Option<FileTime>) {
        self.settings.fixed_time = time;
    }

    /// The time set by [`set_fixed_time`](Self::set_fixed_time).
    pub fn fixed_time(&self) -> Option<FileTime> {
        self.settings.fixed_time
    }

    /// `UseRestrictedCharacterSet`.
    pub fn use_restricted_character_set(&self) -> bool {
        self.settings.restricted_charset
    }

    /// Sets `UseRestrictedCharacterSet`: names added afterwards must use
    /// characters 32 to 127 only (`IMAPI_E_RESTRICTED_NAME_VIOLATION`).
    pub fn set_use_restricted_character_set(&mut self, on: bool) {
        self.settings.restricted_charset = on;
    }

    /// `ChooseImageDefaultsForMediaType`: sets the file systems (keeping Rock
    /// Ridge as it was) and `FreeMediaBlocks` for a blank medium of that type.
    /// Fails with `IMAPI_E_IMAGE_TOO_BIG` when the content does not fit.
    pub fn choose_image_defaults_for_media_type(&mut self, media: MediaPhysicalType) -> Result<()> {
        let blocks = media.nominal_blocks().ok_or_else(|| Error::InvalidParam {
            name: "media type",
            reason: format!("{media} has no defaults"),
        })?;
        let used = self.used_blocks();
        if blocks != 0 && used > u64::from(blocks) {
            return Err(Error::ImageTooBig {
                used_blocks: used,
                free_media_blocks: blocks,
            });
        }
        let mut fs = media.default_file_systems(self.file_systems_supported());
        if self.settings.file_systems.contains(FileSystems::ROCK_RIDGE)
            && fs.contains(FileSystems::ISO9660)
        {
            fs |= FileSystems::ROCK_RIDGE;
        }
        self.settings.file_systems = fs;
        self.settings.free_media_blocks = blocks;
        if let Some(rev) = media.default_udf_revision() {
            self.settings.udf_revision = rev;
        }
        Ok(())
    }

    /// `FileCount`: files (and links and special files) reachable from the root.
    pub fn file_count(&self) -> u64 {
        self.tree.stats.files
    }

    /// `DirectoryCount`: directories reachable from the root, the root included.
    pub fn directory_count(&self) -> u64 {
        self.tree.stats.dirs
    }

    /// Size of the largest file reachable from the root.
    pub fn largest_file_size(&self) -> u64 {
        let mut max = 0;
        self.tree.data.walk(ROOT, |_, n| {
            if let NodeKind::File { content } = n.kind {
                max = max.max(self.tree.data.contents[content as usize].size);
            }
        });
        max
    }

    // ----- boot (IFileSystemImage2) -----

    /// `BootImageOptions`: the first boot entry, if any.
    pub fn boot_image_options(&self) -> Option<&BootOptions> {
        self.settings.boot.first()
    }

    /// Sets `BootImageOptions`: a single boot entry (or none). It replaces
    /// any entries set with [`set_boot_image_options_array`](Self::set_boot_image_options_array):
    /// the two name one setting, the last call wins.
    pub fn set_boot_image_options(&mut self, options: Option<BootOptions>) -> Result<()> {
        self.set_boot_image_options_array(options.into_iter().collect())
    }

    /// `BootImageOptionsArray`: the boot entries in catalog order.
    pub fn boot_image_options_array(&self) -> &[BootOptions] {
        &self.settings.boot
    }

    /// Sets `BootImageOptionsArray`: up to 32 entries, kept in the order
    /// given (the first is the default entry). An empty list makes the image
    /// not bootable. Boot entries belong to a first session only
    /// (`IMAPI_E_BOOT_OBJECT_CONFLICT`).
    pub fn set_boot_image_options_array(&mut self, options: Vec<BootOptions>) -> Result<()> {
        if options.len() > BOOT_ENTRY_COUNT_MAX {
            return Err(Error::InvalidParam {
                name: "BootImageOptionsArray",
                reason: format!("{} entries; El Torito here holds at most 32", options.len()),
            });
        }
        if !options.is_empty() && self.settings.session_start_block != 0 {
            return Err(Error::BootObjectConflict {
                session_start_block: self.settings.session_start_block,
            });
        }
        for o in &options {
            o.validate()?;
        }
        self.settings.boot = options;
        Ok(())
    }

    /// Where the boot catalog appears.
    pub fn boot_catalog(&self) -> &BootCatalog {
        &self.settings.boot_catalog
    }

    /// Sets where the boot catalog appears: hidden (the default, as IMAPI
    /// does) or as a file at a path whose directory exists when the result
    /// is created.
    pub fn set_boot_catalog(&mut self, catalog: BootCatalog) -> Result<()> {
        if let BootCatalog::Path(p) = &catalog {
            let (_, comps) = components(p)?;
            match comps.last() {
                Some(leaf) => self.check_name(leaf)?,
                None => {
                    return Err(Error::InvalidPath {
                        path: p.clone(),
                        reason: "the boot catalog needs a file name",
                    })
                }
            }
        }
        self.settings.boot_catalog = catalog;
        Ok(())
    }

    /// The hybrid (USB) boot settings.
    pub fn hybrid(&self) -> Option<&Hybrid> {
        self.settings.hybrid.as_ref()
    }

    /// Makes the image hybrid: an MBR (with the caller's boot code for BIOS)
    /// and optionally a GPT in the system area, partitions for the image and
    /// its EFI boot image, and padding to whole MiB (plus room for the backup
    /// GPT). Identifiers are derived from the volume, so the output stays
    /// reproducible.
    pub fn set_hybrid(&mut self, hybrid: Option<Hybrid>) {
        self.settings.hybrid = hybrid;
    }

    // ----- change points -----

    /// `ChangePoint`: the number of modifications to the tree so far.
    pub fn change_point(&self) -> u64 {
        self.journal.change_point()
    }

    /// `RollbackToChangePoint`: undoes modifications back to `point`.
    pub fn rollback_to_change_point(&mut self, point: u64) -> Result<()> {
        self.journal.rollback(&mut self.tree, point)
    }

    /// `LockInChangePoint`: forbids rollback to any earlier point.
    pub fn lock_in_change_point(&mut self) {
        self.journal.lock_in();
    }
}
