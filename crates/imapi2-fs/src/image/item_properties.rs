//! IMAPI's `IFsiItem`, `IFsiFileItem` and `IFsiFileItem2` of a
//! [`FileSystemImage`]'s items: names and paths (also as each file system
//! writes them), kinds, attributes, data, named streams and the real-time
//! flag.

use std::collections::HashMap;

use crate::error::{Error, Result};
use crate::filesystems::FileSystems;
use crate::image::arena::{NodeKind, TreeData, NO_PARENT, ROOT};
use crate::image::file_system_image::FileSystemImage;
use crate::image::item::{Attributes, ItemId, SpecialKind};
use crate::image::journal::Undo;
use crate::image::settings::Settings;
use crate::image::source::DataSource;
use crate::iso9660::names::{mangle_iso, mangle_joliet, Candidate};
use crate::udf::ecma167::cs0_decode;
use crate::udf::names::unique_names;
impl FileSystemImage {
    /// `Name`: the leaf name as given.
    pub fn name(&self, id: ItemId) -> &str {
        &self.tree.node(id.0).name
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
