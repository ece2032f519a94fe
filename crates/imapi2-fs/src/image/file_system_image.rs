//! `FileSystemImage` (IMAPI `MsftFileSystemImage`): the image under
//! construction, and what every part of it uses: item lookup by path, name
//! and budget checks, journaled attachment. Its IMAPI interfaces are
//! implemented by topic beside it: the image's properties
//! (`image_properties`), an item's (`item_properties`), building the tree
//! (`directory_items`, `host`) and the result (`create`).

use std::collections::HashMap;
use std::path::Path;

use crate::error::{Error, Result};
use crate::filesystems::FileSystems;
use crate::image::arena::{Content, NodeKind, Stored, Tree, ROOT};
use crate::image::item::{Attributes, ItemId, ItemKind, ItemType};
use crate::image::item_names;
use crate::image::journal::{Journal, Undo};
use crate::image::settings::Settings;
use crate::image::source::DataSource;
use crate::read::imported::{ImportProgressFn, Imported};
use crate::time::FileTime;
use crate::write::plan;
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
    pub(super) journal: Journal,
    pub(crate) settings: Settings,
    /// Host files with several links seen so far: (device, inode) → content.
    pub(super) hard_links: HashMap<(u64, u64), u32>,
    /// What was imported (see [`import_file_system`](Self::import_file_system)).
    pub(crate) imported: Option<Imported>,
    /// Receives import progress.
    pub(crate) import_progress: Option<ImportProgressFn>,
}

impl Default for FileSystemImage {
    fn default() -> Self {
        Self::new()
    }
}

/// Splits a path into its components, refusing `..` and empty paths.
pub(super) fn components(path: &str) -> Result<(bool, Vec<&str>)> {
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

    /// `Root`: the root directory.
    pub fn root(&self) -> ItemId {
        ItemId(ROOT)
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

    pub(super) fn check_id(&self, id: ItemId) -> Result<u32> {
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

    pub(crate) fn check_name(&self, name: &str) -> Result<()> {
        item_names::validate_item_name(name, self.settings.restricted_charset)
    }

    /// Finds (parent, leaf) for a new item at `path` below `dir`.
    pub(super) fn parent_for_new(&self, dir: ItemId, path: &str) -> Result<(u32, String)> {
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

    pub(super) fn join(&self, parent: u32, leaf: &str) -> String {
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

    pub(super) fn check_budget_for_content(&self, content: u32) -> Result<()> {
        let add = crate::image::arena::Stats {
            data_blocks: crate::image::arena::blocks_of(
                self.tree.data.contents[content as usize].size,
            ),
            ..Default::default()
        };
        self.check_budget(add)
    }

    /// Attaches a detached node (budget checked) and journals it.
    pub(super) fn attach_new(&mut self, id: u32, parent: u32) -> Result<ItemId> {
        if self.tree.is_reachable(parent) {
            self.check_budget(self.tree.subtree_stats(id))?;
        }
        self.tree.attach(id, parent);
        self.journal.push_group(vec![Undo::Attached(id)]);
        Ok(ItemId(id))
    }

    pub(super) fn new_content(&mut self, data: DataSource, name: &str) -> Result<u32> {
        let size = data.size(name)?;
        Ok(self.tree.push_content(Content {
            source: Stored::from_source(data),
            size,
        }))
    }

    pub(super) fn real_time_supported(&self) -> bool {
        self.settings.file_systems.contains(FileSystems::UDF)
            && self.settings.udf_revision >= 0x0201
    }

    pub(super) fn check_streams_supported(&self) -> Result<()> {
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::media_type::MediaPhysicalType;

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
