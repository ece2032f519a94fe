//! `FileSystemImage` (IMAPI `IFileSystemImage`, `IFsiDirectoryItem`,
//! `IFsiFileItem`, `IFsiItem`): the tree of items and the image settings.

use std::collections::HashMap;
use std::path::Path;

use crate::error::{Error, Result};
use crate::filesystems::FileSystems;
use crate::image::arena::{Content, Stored};
use crate::image::arena::{NodeKind, Tree, TreeData, NO_PARENT, ROOT};
use crate::image::boot::{BootCatalog, BootOptions, Hybrid, BOOT_ENTRY_COUNT_MAX};
use crate::image::host;
use crate::image::item::{Attributes, ItemId, ItemKind, ItemType, SpecialKind};
use crate::image::item_names;
use crate::image::journal::{Journal, Undo};
use crate::image::media_type::MediaPhysicalType;
use crate::image::settings::{Settings, MAX_VOLUME_NAME_CHARS};
use crate::image::source::DataSource;
use crate::iso9660::names::{self, mangle_iso, mangle_joliet, Candidate};
use crate::time::FileTime;
use crate::udf::ecma167::cs0_decode;
use crate::udf::file_structure::unique_names;
use crate::write::plan;
use crate::write::result::ImageResult;
use std::sync::Arc;

/// A file-system image under construction (IMAPI `MsftFileSystemImage`).
///
/// The image owns a tree of items addressed by [`ItemId`]. Paths are
/// `/`-separated; a path that starts with `/` is taken from the root, any other
/// path from the directory passed along with it.
///
/// ```
/// use imapi2_fs::{DataSource, FileSystemImage};
/// let mut image = FileSystemImage::new();
/// let root = image.root();
/// image.add_directory(root, "docs")?;
/// image.add_file(root, "docs/hello.txt", DataSource::Bytes(b"hello\n"[..].into()))?;
/// assert_eq!(image.file_count(), 1);
/// let result = image.create_result_image()?;
/// assert_eq!(result.block_size(), 2048);
/// # Ok::<(), imapi2_fs::Error>(())
/// ```
pub struct FileSystemImage {
    pub(crate) tree: Tree,
    journal: Journal,
    pub(crate) settings: Settings,
    /// Host files with several links seen so far: (device, inode) → content.
    hard_links: HashMap<(u64, u64), u32>,
    /// What was imported (see [`import_file_system`](Self::import_file_system)).
    pub(crate) imported: Option<crate::read::import::Imported>,
    /// Receives import progress.
    pub(crate) import_progress: Option<crate::read::import::ImportProgressFn>,
}

impl Default for FileSystemImage {
    fn default() -> Self {
        Self::new()
    }
}

/// Splits a path into its components, refusing `..` and empty paths.
fn components(path: &str) -> Result<(bool, Vec<&str>)> {
    let absolute = path.starts_with('/');
    let mut out = Vec::new();
    for c in path.split('/') {
        match c {
            "" | "." => continue,
            ".." => {
                return Err(Error::InvalidPath {
                    path: path.to_string(),
                    reason: "'..' is not allowed in image paths",
                })
            }
            _ => out.push(c),
        }
    }
    Ok((absolute, out))
}

impl FileSystemImage {
    /// An empty image: ISO 9660 (level 2) + Joliet + Rock Ridge, a budget of
    /// 332,800 blocks, session start 0.
    pub fn new() -> FileSystemImage {
        let attrs = Attributes::new(ItemKind::Directory, FileTime::now());
        FileSystemImage {
            tree: Tree::new(attrs),
            journal: Journal::default(),
            settings: Settings::default(),
            hard_links: HashMap::new(),
            imported: None,
            import_progress: None,
        }
    }

    // ----- settings (IFileSystemImage) -----

    /// `Root`: the root directory.
    pub fn root(&self) -> ItemId {
        ItemId(ROOT)
    }

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

    pub(crate) fn effective_volume_name(&self, now: FileTime) -> String {
        match &self.settings.volume_name {
            Some(n) => n.clone(),
            None => {
                let c = now.civil();
                format!(
                    "{:04}{:02}{:02}_{:02}{:02}{:02}",
                    c.year, c.month, c.day, c.hour, c.minute, c.second
                )
            }
        }
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
    /// is the result's [`total_blocks`](ImageResult::total_blocks).
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

    // ----- lookup -----

    fn check_id(&self, id: ItemId) -> Result<u32> {
        if (id.0 as usize) < self.tree.len() {
            Ok(id.0)
        } else {
            Err(Error::InvalidParam {
                name: "item",
                reason: format!("no item {} in this image", id.0),
            })
        }
    }

    fn resolve(&self, dir: u32, comps: &[&str], path: &str) -> Result<u32> {
        let mut cur = dir;
        for (i, c) in comps.iter().enumerate() {
            if !self.tree.node(cur).is_dir() {
                return Err(Error::NotDir {
                    path: self.tree.data.full_path(cur),
                });
            }
            cur = match self.tree.lookup(cur, c) {
                Some(n) => n,
                None if i + 1 == comps.len() => {
                    return Err(Error::ItemNotFound {
                        path: path.to_string(),
                    })
                }
                None => {
                    return Err(Error::DirNotFound {
                        path: path.to_string(),
                    })
                }
            };
        }
        Ok(cur)
    }

    fn start(&self, dir: ItemId, absolute: bool) -> Result<u32> {
        if absolute {
            Ok(ROOT)
        } else {
            let d = self.check_id(dir)?;
            if !self.tree.node(d).is_dir() {
                return Err(Error::NotDir {
                    path: self.tree.data.full_path(d),
                });
            }
            Ok(d)
        }
    }

    /// The item at `path` below `dir` (IMAPI `IFsiDirectoryItem::Item`).
    pub fn item_in(&self, dir: ItemId, path: &str) -> Result<ItemId> {
        let (abs, comps) = components(path)?;
        let start = self.start(dir, abs)?;
        self.resolve(start, &comps, path).map(ItemId)
    }

    /// The item at an absolute path.
    pub fn item(&self, path: &str) -> Result<ItemId> {
        self.item_in(self.root(), path)
    }

    /// `Exists`: what the absolute path names.
    pub fn exists(&self, path: &str) -> ItemType {
        match self.item(path) {
            Ok(id) => self.kind(id).item_type(),
            Err(_) => ItemType::NotFound,
        }
    }

    // ----- item properties (IFsiItem) -----

    /// `Name`: the leaf name as given.
    pub fn name(&self, id: ItemId) -> &str {
        &self.tree.node(id.0).name
    }

    /// `FullPath`: the absolute path in the image.
    pub fn full_path(&self, id: ItemId) -> String {
        self.tree.data.full_path(id.0)
    }

    /// The kind of item.
    pub fn kind(&self, id: ItemId) -> ItemKind {
        match self.tree.node(id.0).kind {
            NodeKind::Dir { .. } => ItemKind::Directory,
            NodeKind::File { .. } => ItemKind::File,
            NodeKind::Symlink { .. } => ItemKind::Symlink,
            NodeKind::Special(_) => ItemKind::Special,
        }
    }

    /// The directory holding the item, or `None` for the root and detached items.
    pub fn parent(&self, id: ItemId) -> Option<ItemId> {
        match self.tree.node(id.0).parent {
            NO_PARENT => None,
            p => Some(ItemId(p)),
        }
    }

    /// Whether the item hangs off the root (detached items do not).
    pub fn is_attached(&self, id: ItemId) -> bool {
        self.tree.is_reachable(id.0)
    }

    /// The children of a directory, sorted by name (IMAPI `EnumFsiItems`).
    pub fn children(&self, dir: ItemId) -> Vec<ItemId> {
        let mut c: Vec<u32> = self.tree.node(dir.0).children().to_vec();
        c.sort_by(|a, b| self.tree.node(*a).name.cmp(&self.tree.node(*b).name));
        c.into_iter().map(ItemId).collect()
    }

    /// `Count`: number of children of a directory.
    pub fn count(&self, dir: ItemId) -> usize {
        self.tree.node(dir.0).children().len()
    }

    /// Times, hidden flag and POSIX attributes of the item.
    pub fn attributes(&self, id: ItemId) -> Attributes {
        self.tree.node(id.0).attrs
    }

    /// Replaces the item's attributes (`CreationTime`, `LastAccessedTime`,
    /// `LastModifiedTime`, `IsHidden`, and the Rock Ridge mode and owner).
    pub fn set_attributes(&mut self, id: ItemId, attrs: Attributes) -> Result<()> {
        let i = self.check_id(id)?;
        if attrs.mode > 0o7777 {
            return Err(Error::InvalidParam {
                name: "mode",
                reason: format!("{:o} has bits outside 07777", attrs.mode),
            });
        }
        let old = std::mem::replace(self.tree.attrs_mut(i), attrs);
        if old != attrs {
            self.journal.push_group(vec![Undo::Attrs { item: i, old }]);
        }
        Ok(())
    }

    /// Changes the attributes through a closure (see [`set_attributes`](Self::set_attributes)).
    pub fn update_attributes(&mut self, id: ItemId, f: impl FnOnce(&mut Attributes)) -> Result<()> {
        let mut a = self.attributes(id);
        f(&mut a);
        self.set_attributes(id, a)
    }

    /// `DataSize`: the size of a file's data.
    pub fn data_size(&self, id: ItemId) -> Result<u64> {
        match self.tree.node(self.check_id(id)?).kind {
            NodeKind::File { content } => Ok(self.tree.data.contents[content as usize].size),
            _ => Err(Error::NotFile {
                path: self.full_path(id),
            }),
        }
    }

    /// `Data`: where a file's data comes from.
    pub fn data(&self, id: ItemId) -> Result<DataSource> {
        match self.tree.node(self.check_id(id)?).kind {
            NodeKind::File { content } => Ok(self.tree.data.contents[content as usize]
                .source
                .to_source(&self.tree.data)),
            _ => Err(Error::NotFile {
                path: self.full_path(id),
            }),
        }
    }

    /// Replaces a file's data (`put_Data`). Hard links made by `add_tree` stop
    /// sharing with this file.
    pub fn set_data(&mut self, id: ItemId, data: DataSource) -> Result<()> {
        let i = self.check_id(id)?;
        if !matches!(self.tree.node(i).kind, NodeKind::File { .. }) {
            return Err(Error::NotFile {
                path: self.full_path(id),
            });
        }
        let content = self.new_content(data, &self.full_path(id))?;
        self.check_budget_for_content(content)?;
        let old = self.tree.set_content(i, content);
        self.journal
            .push_group(vec![Undo::Content { item: i, old }]);
        Ok(())
    }

    /// The target of a symbolic link.
    pub fn symlink_target(&self, id: ItemId) -> Option<&str> {
        match &self.tree.node(id.0).kind {
            NodeKind::Symlink { target } => Some(target),
            _ => None,
        }
    }

    /// `IFsiFileItem2::AddStream`: adds a named stream to a file. Named
    /// streams exist only in UDF 2.00 and later; with another setting this
    /// fails with `IMAPI_S_IMAGE_FEATURE_NOT_SUPPORTED` (IMAPI keeps the stream
    /// and silently leaves it out; refusing is clearer).
    pub fn add_stream(&mut self, file: ItemId, name: &str, data: DataSource) -> Result<()> {
        let i = self.check_id(file)?;
        if !matches!(self.tree.node(i).kind, NodeKind::File { .. }) {
            return Err(Error::NotFile {
                path: self.full_path(file),
            });
        }
        self.check_streams_supported()?;
        self.check_name(name)?;
        let old = self.tree.data.streams.get(&i).cloned().unwrap_or_default();
        if old.iter().any(|s| &*s.name == name) {
            return Err(Error::DupName {
                path: format!("{}:{name}", self.full_path(file)),
            });
        }
        let content = self.new_content(data, &format!("{}:{name}", self.full_path(file)))?;
        self.check_budget_for_content(content)?;
        let mut new = old.clone();
        new.push(crate::image::arena::NamedStream {
            name: name.into(),
            content,
        });
        self.tree.data_mut().streams.insert(i, new);
        self.journal
            .push_group(vec![Undo::Streams { item: i, old }]);
        Ok(())
    }

    /// `IFsiFileItem2::RemoveStream`.
    pub fn remove_stream(&mut self, file: ItemId, name: &str) -> Result<()> {
        let i = self.check_id(file)?;
        let old = self.tree.data.streams.get(&i).cloned().unwrap_or_default();
        if !old.iter().any(|s| &*s.name == name) {
            return Err(Error::ItemNotFound {
                path: format!("{}:{name}", self.full_path(file)),
            });
        }
        let new: Vec<_> = old.iter().filter(|s| &*s.name != name).cloned().collect();
        let d = self.tree.data_mut();
        if new.is_empty() {
            d.streams.remove(&i);
        } else {
            d.streams.insert(i, new);
        }
        self.journal
            .push_group(vec![Undo::Streams { item: i, old }]);
        Ok(())
    }

    /// `IFsiFileItem2::FsiNamedStreams`: the names and sizes of a file's
    /// named streams, in the order added.
    pub fn named_streams(&self, file: ItemId) -> Vec<(String, u64)> {
        self.tree
            .data
            .streams
            .get(&file.0)
            .map(|v| {
                v.iter()
                    .map(|s| {
                        (
                            s.name.to_string(),
                            self.tree.data.contents[s.content as usize].size,
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// `IFsiFileItem2::IsRealTime`.
    pub fn is_real_time(&self, file: ItemId) -> bool {
        self.tree.data.real_time.contains(&file.0)
    }

    /// Sets `IFsiFileItem2::IsRealTime`: the file is written with UDF's
    /// real-time file type (UDF 2.01 and later), for audio/video data that
    /// needs a minimum transfer rate.
    pub fn set_real_time(&mut self, file: ItemId, on: bool) -> Result<()> {
        let i = self.check_id(file)?;
        if !matches!(self.tree.node(i).kind, NodeKind::File { .. }) {
            return Err(Error::NotFile {
                path: self.full_path(file),
            });
        }
        if on
            && !(self.settings.file_systems.contains(FileSystems::UDF)
                && self.settings.udf_revision >= 0x0201)
        {
            return Err(Error::FeatureNotSupported {
                feature: "real-time files",
                needs: "UDF 2.01 or later",
            });
        }
        let old = self.tree.data.real_time.contains(&i);
        if old != on {
            let d = self.tree.data_mut();
            if on {
                d.real_time.insert(i);
            } else {
                d.real_time.remove(&i);
            }
            self.journal
                .push_group(vec![Undo::RealTime { item: i, old }]);
        }
        Ok(())
    }

    fn real_time_supported(&self) -> bool {
        self.settings.file_systems.contains(FileSystems::UDF)
            && self.settings.udf_revision >= 0x0201
    }

    fn check_streams_supported(&self) -> Result<()> {
        if self.settings.file_systems.contains(FileSystems::UDF)
            && self.settings.udf_revision >= 0x0200
        {
            Ok(())
        } else {
            Err(Error::FeatureNotSupported {
                feature: "named streams",
                needs: "UDF 2.00 or later",
            })
        }
    }

    /// The type and device number of a special file.
    pub fn special_kind(&self, id: ItemId) -> Option<SpecialKind> {
        match self.tree.node(id.0).kind {
            NodeKind::Special(k) => Some(k),
            _ => None,
        }
    }

    /// `FileSystemName`: the item's name as `fs` writes it (after mangling);
    /// `None` when the item does not appear in that file system (a symbolic
    /// link in Joliet, say). The root's name is empty.
    pub fn file_system_name(&self, id: ItemId, fs: FileSystems) -> Result<Option<String>> {
        let i = self.check_id(id)?;
        let parent = self.tree.node(i).parent;
        if parent == NO_PARENT {
            return Ok(Some(String::new()));
        }
        let map = mangle_directory(&self.tree.data, parent, fs, &self.settings)?;
        Ok(map.get(&i).cloned())
    }

    /// The names of all children of `dir` as `fs` writes them, in one
    /// mangling pass (what [`file_system_name`](Self::file_system_name) gives
    /// per item). Children that do not appear in `fs` are left out.
    pub fn file_system_names(&self, dir: ItemId, fs: FileSystems) -> Result<Vec<(ItemId, String)>> {
        let d = self.check_id(dir)?;
        if !self.tree.node(d).is_dir() {
            return Err(Error::NotDir {
                path: self.full_path(dir),
            });
        }
        let map = mangle_directory(&self.tree.data, d, fs, &self.settings)?;
        let mut v: Vec<(ItemId, String)> = map.into_iter().map(|(i, n)| (ItemId(i), n)).collect();
        v.sort_by(|a, b| a.1.cmp(&b.1));
        Ok(v)
    }

    /// `FileSystemPath`: the item's full path as `fs` writes it, before any
    /// deep-directory relocation.
    pub fn file_system_path(&self, id: ItemId, fs: FileSystems) -> Result<Option<String>> {
        let mut parts = Vec::new();
        let mut cur = self.check_id(id)?;
        while cur != ROOT && self.tree.node(cur).parent != NO_PARENT {
            match self.file_system_name(ItemId(cur), fs)? {
                Some(n) => parts.push(n),
                None => return Ok(None),
            }
            cur = self.tree.node(cur).parent;
        }
        parts.reverse();
        Ok(Some(format!("/{}", parts.join("/"))))
    }

    // ----- building the tree (IFsiDirectoryItem) -----

    pub(crate) fn check_name(&self, name: &str) -> Result<()> {
        item_names::validate_item_name(name, self.settings.restricted_charset)
    }

    /// Finds (parent, leaf) for a new item at `path` below `dir`.
    fn parent_for_new(&self, dir: ItemId, path: &str) -> Result<(u32, String)> {
        let (abs, comps) = components(path)?;
        let Some((leaf, dirs)) = comps.split_last() else {
            return Err(Error::InvalidPath {
                path: path.to_string(),
                reason: "empty name",
            });
        };
        let start = self.start(dir, abs)?;
        let parent = self.resolve(start, dirs, path).map_err(|e| match e {
            Error::ItemNotFound { path } => Error::DirNotFound { path },
            e => e,
        })?;
        if !self.tree.node(parent).is_dir() {
            return Err(Error::NotDir {
                path: self.tree.data.full_path(parent),
            });
        }
        self.check_name(leaf)?;
        if self.tree.lookup(parent, leaf).is_some() {
            return Err(Error::DupName {
                path: self.join(parent, leaf),
            });
        }
        Ok((parent, leaf.to_string()))
    }

    fn join(&self, parent: u32, leaf: &str) -> String {
        let p = self.tree.data.full_path(parent);
        if p == "/" {
            format!("/{leaf}")
        } else {
            format!("{p}/{leaf}")
        }
    }

    fn check_budget(&self, add: crate::image::arena::Stats) -> Result<()> {
        let budget = self.settings.free_media_blocks;
        if budget == 0 {
            return Ok(());
        }
        let mut s = self.tree.stats;
        s.files += add.files;
        s.dirs += add.dirs;
        s.data_blocks += add.data_blocks;
        s.name_bytes += add.name_bytes;
        let needed = plan::estimate_blocks(&s, &self.settings)
            .saturating_sub(self.settings.referenced_blocks);
        if needed > u64::from(budget) {
            return Err(Error::ImageSizeLimit {
                needed_blocks: needed,
                free_media_blocks: budget,
            });
        }
        Ok(())
    }

    fn check_budget_for_content(&self, content: u32) -> Result<()> {
        let add = crate::image::arena::Stats {
            data_blocks: crate::image::arena::blocks_of(
                self.tree.data.contents[content as usize].size,
            ),
            ..Default::default()
        };
        self.check_budget(add)
    }

    /// Attaches a detached node (budget checked) and journals it.
    fn attach_new(&mut self, id: u32, parent: u32) -> Result<ItemId> {
        if self.tree.is_reachable(parent) {
            self.check_budget(self.tree.subtree_stats(id))?;
        }
        self.tree.attach(id, parent);
        self.journal.push_group(vec![Undo::Attached(id)]);
        Ok(ItemId(id))
    }

    fn new_content(&mut self, data: DataSource, name: &str) -> Result<u32> {
        let size = data.size(name)?;
        Ok(self.tree.push_content(Content {
            source: Stored::from_source(data),
            size,
        }))
    }

    /// `AddDirectory`: creates a directory at `path` below `dir`; its parent
    /// must exist.
    pub fn add_directory(&mut self, dir: ItemId, path: &str) -> Result<ItemId> {
        let (parent, leaf) = self.parent_for_new(dir, path)?;
        let attrs = Attributes::new(ItemKind::Directory, FileTime::now());
        let id = self.tree.push(
            leaf.into(),
            attrs,
            NodeKind::Dir {
                children: Vec::new(),
            },
        );
        self.attach_new(id, parent)
    }

    /// `AddFile`: creates a file at `path` below `dir` with the given data; the
    /// containing directory must exist. Times are set to now.
    pub fn add_file(&mut self, dir: ItemId, path: &str, data: DataSource) -> Result<ItemId> {
        let (parent, leaf) = self.parent_for_new(dir, path)?;
        let content = self.new_content(data, &self.join(parent, &leaf))?;
        let attrs = Attributes::new(ItemKind::File, FileTime::now());
        let id = self
            .tree
            .push(leaf.into(), attrs, NodeKind::File { content });
        self.attach_new(id, parent)
    }

    /// Adds one host file (or symbolic link, or special file) at `path` below
    /// `dir`, taking its times, mode and owner from the host. A host file with
    /// several links shares its data with the other links added so far.
    pub fn add_host_file(
        &mut self,
        dir: ItemId,
        path: &str,
        host: impl AsRef<Path>,
    ) -> Result<ItemId> {
        let host = host.as_ref();
        let (parent, leaf) = self.parent_for_new(dir, path)?;
        let md = std::fs::symlink_metadata(host).map_err(|error| Error::DataStreamCreate {
            path: host.to_path_buf(),
            error,
        })?;
        if md.is_dir() {
            return Err(Error::NotFile {
                path: host.display().to_string(),
            });
        }
        let id = host::node_from_host(self, host, None, leaf.into(), &md)?;
        self.attach_new(id, parent)
    }

    /// Creates a symbolic link at `path` (Rock Ridge `SL`). Joliet and plain
    /// ISO 9660 readers do not see links.
    pub fn add_symlink(&mut self, dir: ItemId, path: &str, target: &str) -> Result<ItemId> {
        if target.is_empty() || target.contains('\0') {
            return Err(Error::InvalidParam {
                name: "symbolic link target",
                reason: format!("{target:?} is empty or contains NUL"),
            });
        }
        let (parent, leaf) = self.parent_for_new(dir, path)?;
        let attrs = Attributes::new(ItemKind::Symlink, FileTime::now());
        let id = self.tree.push(
            leaf.into(),
            attrs,
            NodeKind::Symlink {
                target: target.into(),
            },
        );
        self.attach_new(id, parent)
    }

    /// Creates a FIFO, socket or device node at `path` (Rock Ridge `PX`/`PN`).
    pub fn add_special(&mut self, dir: ItemId, path: &str, kind: SpecialKind) -> Result<ItemId> {
        let (parent, leaf) = self.parent_for_new(dir, path)?;
        let attrs = Attributes::new(ItemKind::Special, FileTime::now());
        let id = self.tree.push(leaf.into(), attrs, NodeKind::Special(kind));
        self.attach_new(id, parent)
    }

    /// `AddTree`: adds a host directory's contents below `dir` (with
    /// `include_base`, the directory itself). Names that exist already are
    /// replaced by the host's (directories merge). All or nothing: on any error
    /// the image is as before.
    pub fn add_tree(
        &mut self,
        dir: ItemId,
        host_dir: impl AsRef<Path>,
        include_base: bool,
    ) -> Result<()> {
        let d = self.check_id(dir)?;
        if !self.tree.node(d).is_dir() {
            return Err(Error::NotDir {
                path: self.full_path(dir),
            });
        }
        host::add_tree(self, d, host_dir.as_ref(), include_base)
    }

    /// Merges the detached directory `from` into `into`, replacing collisions.
    /// Returns the undo steps.
    pub(crate) fn merge_into(&mut self, from: u32, into: u32, steps: &mut Vec<Undo>) {
        let children: Vec<u32> = self.tree.node(from).children().to_vec();
        for c in children {
            self.tree.detach(c);
            let name = self.tree.node(c).name.clone();
            match self.tree.lookup(into, &name) {
                Some(existing)
                    if self.tree.node(existing).is_dir() && self.tree.node(c).is_dir() =>
                {
                    self.merge_into(c, existing, steps);
                }
                Some(existing) => {
                    let parent = self.tree.detach(existing);
                    steps.push(Undo::Detached {
                        item: existing,
                        parent,
                    });
                    self.tree.attach(c, into);
                    steps.push(Undo::Attached(c));
                }
                None => {
                    self.tree.attach(c, into);
                    steps.push(Undo::Attached(c));
                }
            }
        }
    }

    pub(crate) fn budget_check_subtree(&self, id: u32) -> Result<()> {
        self.check_budget(self.tree.subtree_stats(id))
    }

    pub(crate) fn record(&mut self, steps: Vec<Undo>) {
        self.journal.push_group(steps);
    }

    pub(crate) fn hard_link(&mut self, key: (u64, u64)) -> Option<u32> {
        self.hard_links.get(&key).copied()
    }

    pub(crate) fn remember_hard_link(&mut self, key: (u64, u64), content: u32) {
        self.hard_links.insert(key, content);
    }

    pub(crate) fn forget_hard_links_from(&mut self, first_content: u32) {
        self.hard_links.retain(|_, c| *c < first_content);
    }

    pub(crate) fn push_host_dir(&mut self, p: &Path) -> u32 {
        let d = self.tree.data_mut();
        d.host_dirs.push(p.into());
        (d.host_dirs.len() - 1) as u32
    }

    /// Records the data of a host file in directory `dir` that the next
    /// node pushed will name.
    pub(crate) fn push_host_content(&mut self, dir: u32, size: u64) -> u32 {
        let node = self.tree.len() as u32;
        self.tree.push_content(Content {
            source: Stored::HostEntry { dir, node },
            size,
        })
    }

    /// `CreateDirectoryItem`: a detached directory, to be placed with [`add`](Self::add).
    pub fn create_directory_item(&mut self, name: &str) -> Result<ItemId> {
        self.check_name(name)?;
        let attrs = Attributes::new(ItemKind::Directory, FileTime::now());
        Ok(ItemId(self.tree.push(
            name.into(),
            attrs,
            NodeKind::Dir {
                children: Vec::new(),
            },
        )))
    }

    /// `CreateFileItem`: a detached, empty file, to be placed with [`add`](Self::add).
    pub fn create_file_item(&mut self, name: &str) -> Result<ItemId> {
        self.check_name(name)?;
        let content = self.new_content(DataSource::Empty, name)?;
        let attrs = Attributes::new(ItemKind::File, FileTime::now());
        Ok(ItemId(self.tree.push(
            name.into(),
            attrs,
            NodeKind::File { content },
        )))
    }

    /// `Add`: places a detached item (from `create_*_item` or an earlier
    /// `remove`) into directory `dir`.
    pub fn add(&mut self, dir: ItemId, item: ItemId) -> Result<()> {
        let d = self.check_id(dir)?;
        let i = self.check_id(item)?;
        if !self.tree.node(d).is_dir() {
            return Err(Error::NotDir {
                path: self.full_path(dir),
            });
        }
        if i == ROOT || self.tree.node(i).parent != NO_PARENT {
            return Err(Error::InvalidParam {
                name: "item",
                reason: format!("{} is already in a directory", self.full_path(item)),
            });
        }
        if self.tree.is_ancestor(i, d) {
            return Err(Error::InvalidParam {
                name: "item",
                reason: "a directory cannot be placed inside itself".into(),
            });
        }
        let name = self.tree.node(i).name.clone();
        if self.tree.lookup(d, &name).is_some() {
            return Err(Error::DupName {
                path: self.join(d, &name),
            });
        }
        self.attach_new(i, d).map(|_| ())
    }

    /// `Remove`: detaches the item at `path` below `dir`. A directory must be
    /// empty (use [`remove_tree`](Self::remove_tree)). The item stays valid and
    /// can be added again.
    pub fn remove(&mut self, dir: ItemId, path: &str) -> Result<ItemId> {
        let id = self.item_in(dir, path)?;
        if id.0 == ROOT {
            return Err(Error::InvalidPath {
                path: path.to_string(),
                reason: "the root cannot be removed",
            });
        }
        if !self.tree.node(id.0).children().is_empty() {
            return Err(Error::DirNotEmpty {
                path: self.full_path(id),
            });
        }
        self.detach_journaled(id.0);
        Ok(id)
    }

    /// `RemoveTree`: detaches the directory at `path` with everything below it.
    pub fn remove_tree(&mut self, dir: ItemId, path: &str) -> Result<ItemId> {
        let id = self.item_in(dir, path)?;
        if !self.tree.node(id.0).is_dir() {
            return Err(Error::NotDir {
                path: self.full_path(id),
            });
        }
        if id.0 == ROOT {
            return Err(Error::InvalidPath {
                path: path.to_string(),
                reason: "the root cannot be removed",
            });
        }
        self.detach_journaled(id.0);
        Ok(id)
    }

    fn detach_journaled(&mut self, id: u32) {
        let parent = self.tree.detach(id);
        self.journal
            .push_group(vec![Undo::Detached { item: id, parent }]);
    }

    // ----- result -----

    /// `CreateResultImage`: lays out every selected file system and returns the
    /// lazily generated image. Fails when the image exceeds `FreeMediaBlocks`.
    pub fn create_result_image(&self) -> Result<ImageResult> {
        self.check_appendable()?;
        if !self.tree.data.streams.is_empty() {
            self.check_streams_supported()?;
        }
        if !self.tree.data.real_time.is_empty() && !self.real_time_supported() {
            return Err(Error::FeatureNotSupported {
                feature: "real-time files",
                needs: "UDF 2.01 or later",
            });
        }
        let volume_time = self.settings.fixed_time.unwrap_or_else(FileTime::now);
        let data = match (&self.settings.boot_catalog, self.settings.boot.is_empty()) {
            (BootCatalog::Path(p), false) => Arc::new(self.with_catalog_item(p)?),
            _ => self.tree.data.clone(),
        };
        let plan = plan::plan(
            &data,
            &self.settings,
            &self.effective_volume_name(volume_time),
            volume_time,
        )?;
        let budget = self.settings.free_media_blocks;
        if budget != 0 && u64::from(plan.total_blocks) > u64::from(budget) {
            return Err(Error::ImageSizeLimit {
                needed_blocks: u64::from(plan.total_blocks),
                free_media_blocks: budget,
            });
        }
        let mut result = ImageResult::new(plan, data);
        result.multisession = self.settings.multisession.as_ref().map(|m| m.kind);
        Ok(result)
    }

    /// A session after others: UDF is not written there yet, and a medium
    /// whose UDF volume would go on showing the old tree is refused.
    fn check_appendable(&self) -> Result<()> {
        let Some(m) = &self.settings.multisession else {
            return Ok(());
        };
        if m.is_first_data_session {
            return Ok(());
        }
        if self.settings.file_systems.contains(FileSystems::UDF) {
            return Err(Error::FileSystemChangeNotAllowed {
                requested: self.settings.file_systems,
                reason: "UDF is not written in a session after the first yet; leave it out",
            });
        }
        let present = self
            .imported
            .as_ref()
            .map(|i| i.present)
            .unwrap_or_default();
        if present.contains(FileSystems::UDF) {
            return Err(Error::MultisessionNotAllowed {
                reason: "the medium carries UDF, whose readers (Linux mounts UDF first) would \
                         go on seeing the old tree: appending to UDF media is not supported yet"
                    .into(),
            });
        }
        Ok(())
    }

    /// A copy of the tree with the boot catalog as a file at `path` (the
    /// image's own tree is left alone).
    fn with_catalog_item(&self, path: &str) -> Result<TreeData> {
        let mut scratch = FileSystemImage {
            tree: self.tree.clone(),
            journal: Journal::default(),
            settings: self.settings.clone(),
            hard_links: HashMap::new(),
            imported: None,
            import_progress: None,
        };
        let (parent, leaf) = scratch.parent_for_new(ItemId(ROOT), path)?;
        let content = scratch.tree.push_content(Content {
            source: Stored::BootCatalog,
            size: crate::codec::SECTOR as u64,
        });
        let now = self.settings.fixed_time.unwrap_or_else(FileTime::now);
        let attrs = Attributes::new(ItemKind::File, now);
        let id = scratch
            .tree
            .push(leaf.into(), attrs, NodeKind::File { content });
        scratch.tree.attach(id, parent);
        Ok(Arc::try_unwrap(scratch.tree.data).unwrap_or_else(|shared| (*shared).clone()))
    }
}

/// Names of a directory's children in file system `fs` (for `FileSystemName`).
fn mangle_directory(
    data: &TreeData,
    dir: u32,
    fs: FileSystems,
    settings: &Settings,
) -> Result<HashMap<u32, String>> {
    let with_rr = settings.file_systems.contains(FileSystems::ROCK_RIDGE);
    let ids: Vec<u32> = data
        .node(dir)
        .children()
        .iter()
        .copied()
        .filter(|&c| {
            // Symbolic links and special files exist only through Rock Ridge.
            let plain = matches!(
                data.node(c).kind,
                NodeKind::Dir { .. } | NodeKind::File { .. }
            );
            plain
                || fs == FileSystems::ROCK_RIDGE
                || fs == FileSystems::UDF
                || (fs == FileSystems::ISO9660 && with_rr)
        })
        .collect();
    let cands: Vec<Candidate> = ids
        .iter()
        .map(|&c| Candidate {
            name: &data.node(c).name,
            is_dir: data.node(c).is_dir(),
        })
        .collect();
    let fail = |i: usize| Error::NoUniqueName {
        path: data.full_path(ids[i]),
        file_system: fs,
    };
    let names: Vec<String> = if fs == FileSystems::JOLIET {
        mangle_joliet(&cands)
            .map_err(fail)?
            .into_iter()
            .map(|v| String::from_utf16_lossy(&v))
            .collect()
    } else if fs == FileSystems::ROCK_RIDGE {
        cands.iter().map(|c| c.name.to_string()).collect()
    } else if fs == FileSystems::UDF {
        let raw: Vec<&str> = cands.iter().map(|c| c.name).collect();
        unique_names(&raw)
            .map_err(fail)?
            .into_iter()
            .map(|v| cs0_decode(&v).unwrap_or_default())
            .collect()
    } else if fs == FileSystems::ISO9660 {
        mangle_iso(&cands, settings.iso_level)
            .map_err(fail)?
            .into_iter()
            .map(|s| s.trim_end_matches('.').to_string())
            .collect()
    } else {
        return Err(Error::InvalidParam {
            name: "file system",
            reason: format!("{fs} is not one file system this build writes"),
        });
    };
    Ok(ids.into_iter().zip(names).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(s: &str) -> DataSource {
        DataSource::Bytes(s.as_bytes().into())
    }

    #[test]
    fn paths_resolve_and_errors_name_the_path() {
        let mut img = FileSystemImage::new();
        let root = img.root();
        let d = img.add_directory(root, "a").unwrap();
        img.add_directory(d, "b").unwrap();
        img.add_file(root, "/a/b/f.txt", bytes("x")).unwrap();
        assert_eq!(img.exists("/a/b/f.txt"), ItemType::File);
        assert_eq!(img.exists("/a/b"), ItemType::Directory);
        assert_eq!(img.exists("/a/c"), ItemType::NotFound);
        let e = img.add_file(root, "a/x/y", bytes("")).unwrap_err();
        assert!(matches!(e, Error::DirNotFound { .. }), "{e}");
        let e = img.add_file(d, "b/f.txt", bytes("")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "/a/b/f.txt: an item of that name already exists"
        );
        let e = img.add_directory(root, "a/../z").unwrap_err();
        assert_eq!(e.imapi_code(), Some(0xC0AA_B110));
        let e = img.remove(root, "a").unwrap_err();
        assert!(matches!(e, Error::DirNotEmpty { .. }));
        assert_eq!(img.file_count(), 1);
        assert_eq!(img.directory_count(), 3);
        img.remove_tree(root, "a").unwrap();
        assert_eq!(img.file_count(), 0);
        assert_eq!(img.directory_count(), 1);
    }

    #[test]
    fn change_points_roll_back() {
        let mut img = FileSystemImage::new();
        let root = img.root();
        img.add_directory(root, "keep").unwrap();
        let cp = img.change_point();
        img.add_file(root, "keep/f", bytes("abc")).unwrap();
        img.remove_tree(root, "keep").unwrap();
        img.update_attributes(root, |a| a.hidden = true).unwrap();
        assert_eq!(img.exists("/keep"), ItemType::NotFound);
        img.rollback_to_change_point(cp).unwrap();
        assert_eq!(img.change_point(), cp);
        assert_eq!(img.exists("/keep"), ItemType::Directory);
        assert_eq!(img.exists("/keep/f"), ItemType::NotFound);
        assert!(!img.attributes(root).hidden);
        img.add_file(root, "g", bytes("")).unwrap();
        img.lock_in_change_point();
        let e = img.rollback_to_change_point(cp).unwrap_err();
        assert!(matches!(e, Error::InvalidChangePoint { .. }));
    }

    #[test]
    fn budget_is_enforced_both_ways() {
        let mut img = FileSystemImage::new();
        let root = img.root();
        img.set_free_media_blocks(200).unwrap();
        let big = DataSource::Bytes(vec![0u8; 2048 * 300].into());
        let e = img.add_file(root, "big", big).unwrap_err();
        assert_eq!(e.imapi_code(), Some(0xC0AA_B120));
        assert_eq!(img.exists("/big"), ItemType::NotFound);
        img.set_free_media_blocks(0).unwrap();
        img.add_file(root, "big", DataSource::Bytes(vec![0u8; 2048 * 300].into()))
            .unwrap();
        let e = img.set_free_media_blocks(200).unwrap_err();
        assert_eq!(e.imapi_code(), Some(0xC0AA_B121));
        assert!(img.used_blocks() >= 300);
    }

    #[test]
    fn detached_items_are_added_later() {
        let mut img = FileSystemImage::new();
        let root = img.root();
        let d = img.create_directory_item("dir").unwrap();
        let f = img.create_file_item("file").unwrap();
        img.add(d, f).unwrap();
        assert_eq!(img.file_count(), 0);
        img.add(root, d).unwrap();
        assert_eq!(img.file_count(), 1);
        assert_eq!(img.full_path(f), "/dir/file");
        let e = img.add(f, d).unwrap_err();
        assert!(matches!(e, Error::NotDir { .. }));
        let e = img.add(root, d).unwrap_err();
        assert!(matches!(e, Error::InvalidParam { .. }));
    }

    #[test]
    fn restricted_names_and_strict_mode() {
        let mut img = FileSystemImage::new();
        let root = img.root();
        img.set_use_restricted_character_set(true);
        let e = img.add_directory(root, "Grüße").unwrap_err();
        assert_eq!(e.imapi_code(), Some(0xC0AA_B111));
        img.set_use_restricted_character_set(false);
        img.add_directory(root, "Grüße").unwrap();
        let e = img.set_strict_file_system_compliance(true).unwrap_err();
        assert_eq!(e.imapi_code(), Some(0xC0AA_B106));
    }

    #[test]
    fn media_defaults() {
        let mut img = FileSystemImage::new();
        img.choose_image_defaults_for_media_type(MediaPhysicalType::DvdPlusR)
            .unwrap();
        assert_eq!(img.free_media_blocks(), 2_295_104);
        assert!(img
            .file_systems_to_create()
            .contains(FileSystems::ISO9660 | FileSystems::JOLIET | FileSystems::ROCK_RIDGE));
    }
}
