//! IMAPI's `IFsiDirectoryItem` of a [`FileSystemImage`]: adding and removing
//! directories, files, links and special files, and detached items.

use crate::error::{Error, Result};
use crate::image::arena::{NodeKind, NO_PARENT, ROOT};
use crate::image::file_system_image::FileSystemImage;
use crate::image::item::{Attributes, ItemId, ItemKind, SpecialKind};
use crate::image::journal::Undo;
use crate::image::source::DataSource;
use crate::time::FileTime;
impl FileSystemImage {
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
}
