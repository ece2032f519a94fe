//! Import (IMAPI's `ImportFileSystem`, `ImportSpecificFileSystem`,
//! `IdentifyFileSystemsOnDisc`, `MultisessionInterfaces`): the tree of a
//! medium's newest session becomes items of the image whose data points at
//! their extents on the medium; the next session is planned after it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::error::{Error, Result};
use crate::filesystems::FileSystems;
use crate::image::arena::{Content, NodeKind, Stored, NO_PARENT};
use crate::image::file_system_image::FileSystemImage;
use crate::image::item::{Attributes, ItemKind, SpecialKind};
use crate::image::journal::Undo;
use crate::iso9660::zisofs::ZisofsReader;
use crate::read::disc::{default_for_import, Disc};
use crate::read::imported::{ImportProgress, Imported};
use crate::read::medium::Medium;
use crate::read::multisession::{referenced_block, Multisession};
use crate::read::view::{FsData, FsKind, FsTree};
use crate::time::FileTime;

impl FileSystemImage {
    /// `IdentifyFileSystemsOnDisc`: the file systems of the medium's newest
    /// session (Rock Ridge as [`FileSystems::ROCK_RIDGE`]).
    pub fn identify_file_systems_on_disc(medium: &Medium) -> Result<FileSystems> {
        Ok(Disc::open(medium)?.file_systems())
    }

    /// `GetDefaultFileSystemForImport`: UDF, else Rock Ridge, else Joliet,
    /// else ISO 9660.
    pub fn default_file_system_for_import(present: FileSystems) -> FileSystems {
        default_for_import(present)
    }

    /// `MultisessionInterfaces`: the medium the next session goes onto and
    /// how. Sets `SessionStartBlock` to its next writable address and
    /// `FreeMediaBlocks` to what is left. Must come before an import that
    /// should point at the medium's data instead of copying it.
    pub fn set_multisession(&mut self, m: Multisession) -> Result<()> {
        if self.imported.is_some() {
            return Err(Error::FileSystemNotEmpty {
                operation: "setting the multisession medium after an import",
            });
        }
        if !m.is_first_data_session && !self.settings.boot.is_empty() {
            return Err(Error::BootObjectConflict {
                session_start_block: m.next_writable_address,
            });
        }
        self.settings.session_start_block = m.next_writable_address;
        self.settings.free_media_blocks = m.free_sectors.min(u32::MAX - 1);
        self.settings.multisession = Some(m);
        Ok(())
    }

    /// The multisession medium, if one is set.
    pub fn multisession(&self) -> Option<&Multisession> {
        self.settings.multisession.as_ref()
    }

    /// What was imported, if anything.
    pub fn imported(&self) -> Option<&Imported> {
        self.imported.as_ref()
    }

    /// `ImportedVolumeName`.
    pub fn imported_volume_name(&self) -> Option<&str> {
        self.imported.as_ref().map(|i| i.volume_name.as_str())
    }

    /// `ProbeSpecificFileSystem`: whether `fs` is on the multisession medium
    /// and this image can append to it.
    pub fn probe_specific_file_system(&self, fs: FileSystems) -> Result<bool> {
        let m = self
            .settings
            .multisession
            .as_ref()
            .ok_or(Error::MultisessionNotSet)?;
        Ok(Disc::open(&m.medium)?.file_systems().contains(fs))
    }

    /// `CalculateDiscIdentifier` of the multisession medium.
    pub fn calculate_disc_identifier(&self) -> Result<String> {
        let m = self
            .settings
            .multisession
            .as_ref()
            .ok_or(Error::MultisessionNotSet)?;
        crate::read::multisession::disc_identifier(&m.medium)
    }

    /// Receives one report per imported item (`DFileSystemImageImportEvents`).
    pub fn set_import_progress(&mut self, f: impl FnMut(&ImportProgress) -> bool + Send + 'static) {
        self.import_progress = Some(Box::new(f));
    }

    /// `ImportFileSystem`: imports the default view of the multisession
    /// medium (or of `medium` when none is set) and returns which.
    pub fn import_file_system(&mut self, medium: Option<&Medium>) -> Result<FileSystems> {
        let medium = self.import_medium(medium)?;
        let disc = Disc::open(&medium)?;
        let fs = disc.default_view();
        self.import_from(&disc, fs)?;
        Ok(fs)
    }

    /// `ImportSpecificFileSystem`: imports one view (`UDF`, `ROCK_RIDGE`,
    /// `JOLIET` or `ISO9660`).
    pub fn import_specific_file_system(
        &mut self,
        fs: FileSystems,
        medium: Option<&Medium>,
    ) -> Result<()> {
        let medium = self.import_medium(medium)?;
        let disc = Disc::open(&medium)?;
        if !disc.file_systems().contains(fs) || fs.is_empty() {
            return Err(Error::FileSystemNotFound {
                file_system: fs,
                present: disc.file_systems(),
            });
        }
        self.import_from(&disc, fs)
    }

    fn import_medium(&self, medium: Option<&Medium>) -> Result<Medium> {
        match (medium, &self.settings.multisession) {
            (Some(m), _) => Ok(m.clone()),
            (None, Some(ms)) => Ok(ms.medium.clone()),
            (None, None) => Err(Error::MultisessionNotSet),
        }
    }

    /// Reads the view and merges it into the root: items already in the
    /// image win, and a file meeting a directory is an error. All or
    /// nothing.
    fn import_from(&mut self, disc: &Disc, fs: FileSystems) -> Result<()> {
        let tree = disc.read_tree(fs)?;
        let (nodes, contents) = (self.tree.len(), self.tree.data.contents.len());
        let top = match self.build_detached(&tree, &disc.medium, fs) {
            Ok(top) => top,
            Err(e) => {
                self.discard_from(nodes, contents);
                return Err(e);
            }
        };
        if let Err(e) = self.check_collisions(top, crate::image::arena::ROOT) {
            self.discard_from(nodes, contents);
            return Err(e);
        }
        let mut steps = Vec::new();
        self.merge_keeping(top, crate::image::arena::ROOT, &mut steps);
        let referenced: u64 = steps
            .iter()
            .filter_map(|s| match s {
                Undo::Attached(c) => Some(*c),
                _ => None,
            })
            .map(|c| self.referenced_blocks_below(c))
            .sum();
        self.settings.referenced_blocks += referenced;
        self.record(steps);
        let root = &tree.nodes[0];
        if let Some(m) = root.mode {
            self.tree.attrs_mut(crate::image::arena::ROOT).mode = m & 0o7777;
        }
        let volume_name = if fs == FileSystems::UDF {
            disc.udf
                .as_ref()
                .map(|u| u.volume_id.clone())
                .unwrap_or_default()
        } else {
            disc.iso.as_ref().map(|v| v.volume_id()).unwrap_or_default()
        };
        // The medium's UDF revision is the next session's, whatever view
        // was imported (IMAPI imports UDF first, and so fixes it).
        let udf_revision = disc.udf.as_ref().map(|u| u.revision);
        if let Some(r) = udf_revision {
            self.settings.udf_revision = r;
        }
        self.imported = Some(Imported {
            medium: disc.medium.clone(),
            file_system: fs,
            volume_name,
            udf_revision,
            present: disc.file_systems(),
        });
        Ok(())
    }

    /// Builds the view as a detached directory; returns it.
    fn build_detached(&mut self, tree: &FsTree, medium: &Medium, fs: FileSystems) -> Result<u32> {
        let now = FileTime::now();
        let top = self.tree.push(
            "".into(),
            Attributes::new(ItemKind::Directory, now),
            NodeKind::Dir {
                children: Vec::new(),
            },
        );
        let (dirs_total, files_total) = tree.counts();
        let (mut dirs_done, mut files_done) = (1u64, 0u64);
        let mut map = vec![NO_PARENT; tree.nodes.len()];
        map[0] = top;
        let mut linked: HashMap<u64, u32> = HashMap::new();
        for i in tree.walk(0).into_iter().skip(1) {
            let n = &tree.nodes[i as usize];
            let parent = map[n.parent as usize];
            if parent == NO_PARENT {
                continue;
            }
            let path = tree.path(i);
            self.check_name(&n.name).map_err(|e| match e {
                Error::InvalidPath { reason, .. } => Error::InvalidPath {
                    path: path.clone(),
                    reason,
                },
                e => e,
            })?;
            if self.tree.lookup(parent, &n.name).is_some() {
                // Two entries of one name in a directory of the medium: the first wins.
                continue;
            }
            let kind_of = match &n.kind {
                FsKind::Directory => ItemKind::Directory,
                FsKind::File => ItemKind::File,
                FsKind::Symlink(_) => ItemKind::Symlink,
                _ => ItemKind::Special,
            };
            let mut attrs = Attributes::new(kind_of, now);
            let modified = n.modified.unwrap_or(now);
            attrs.modified = modified;
            attrs.accessed = n.accessed.unwrap_or(modified);
            attrs.created = n.created.unwrap_or(modified);
            attrs.hidden = n.hidden;
            if let Some(m) = n.mode {
                attrs.mode = m & 0o7777;
            }
            attrs.uid = n.uid.unwrap_or(0);
            attrs.gid = n.gid.unwrap_or(0);
            let kind = match &n.kind {
                FsKind::Directory => NodeKind::Dir {
                    children: Vec::new(),
                },
                FsKind::File => {
                    let content = match n.link_key.and_then(|k| linked.get(&k)) {
                        Some(&c) => c,
                        None => {
                            let c = self.tree.push_content(Content {
                                source: stored_for(medium, &n.data, n.size),
                                size: n.size,
                            });
                            if let Some(k) = n.link_key {
                                linked.insert(k, c);
                            }
                            c
                        }
                    };
                    NodeKind::File { content }
                }
                FsKind::Symlink(t) => NodeKind::Symlink {
                    target: t.as_str().into(),
                },
                FsKind::Fifo => NodeKind::Special(SpecialKind::Fifo),
                FsKind::Socket => NodeKind::Special(SpecialKind::Socket),
                FsKind::CharDevice(d) => NodeKind::Special(SpecialKind::CharDevice(*d)),
                FsKind::BlockDevice(d) => NodeKind::Special(SpecialKind::BlockDevice(*d)),
            };
            let is_dir = n.is_dir();
            let id = self.tree.push(n.name.as_str().into(), attrs, kind);
            self.tree.attach(id, parent);
            map[i as usize] = id;
            if is_dir {
                dirs_done += 1;
            } else {
                files_done += 1;
            }
            if let Some(f) = self.import_progress.as_mut() {
                let p = ImportProgress {
                    file_system: fs,
                    current_item: path,
                    directories: (dirs_done, dirs_total),
                    files: (files_done, files_total),
                };
                if !f(&p) {
                    return Err(Error::Cancelled);
                }
            }
        }
        Ok(top)
    }

    /// Fails on the first imported item whose type differs from the item of
    /// that name already in the image.
    fn check_collisions(&self, from: u32, into: u32) -> Result<()> {
        for &c in self.tree.node(from).children() {
            let n = self.tree.node(c);
            if let Some(existing) = self.tree.lookup(into, &n.name) {
                let (a, b) = (n.is_dir(), self.tree.node(existing).is_dir());
                if a && b {
                    self.check_collisions(c, existing)?;
                } else if a != b {
                    return Err(Error::ImportTypeCollision {
                        path: self.tree.data.full_path(existing),
                        disc_has_directory: a,
                    });
                }
            }
        }
        Ok(())
    }

    /// Moves the children of the detached `from` into `into`; an item of the
    /// same name already there stays and the imported one is dropped.
    fn merge_keeping(&mut self, from: u32, into: u32, steps: &mut Vec<Undo>) {
        let children: Vec<u32> = self.tree.node(from).children().to_vec();
        for c in children {
            self.tree.detach(c);
            let name = self.tree.node(c).name.clone();
            match self.tree.lookup(into, &name) {
                Some(existing) => {
                    if self.tree.node(existing).is_dir() && self.tree.node(c).is_dir() {
                        self.merge_keeping(c, existing, steps);
                    }
                }
                None => {
                    self.tree.attach(c, into);
                    steps.push(Undo::Attached(c));
                }
            }
        }
    }

    /// Blocks of data below `id` that the session will point at.
    fn referenced_blocks_below(&self, id: u32) -> u64 {
        let mut seen = std::collections::HashSet::new();
        let mut total = 0;
        self.tree.data.walk(id, |_, n| {
            if let NodeKind::File { content } = n.kind {
                let c = &self.tree.data.contents[content as usize];
                if seen.insert(content) && self.fixed_block(&c.source).is_some() {
                    total += crate::image::arena::blocks_of(c.size);
                }
            }
        });
        total
    }

    /// Forgets nodes and contents made by a failed import.
    fn discard_from(&mut self, nodes: usize, contents: usize) {
        for id in (nodes..self.tree.len()).rev() {
            if self.tree.node(id as u32).parent != NO_PARENT {
                self.tree.detach(id as u32);
            }
        }
        let dirs = self.tree.data.host_dirs.len();
        self.tree.truncate(nodes, contents, dirs);
    }

    /// Whether file data at these runs of the multisession medium can be
    /// referenced by the next session instead of copied: one run, aligned
    /// to a block, on the medium the session goes onto, before its start.
    pub(crate) fn fixed_block(&self, source: &Stored) -> Option<u32> {
        referenced_block(self.settings.multisession.as_ref(), source)
    }
}

/// How imported data of `size` bytes is stored: runs of the medium, the
/// bytes, or (for zisofs files) a stream that decompresses them.
fn stored_for(medium: &Medium, data: &FsData, size: u64) -> Stored {
    match data {
        FsData::None => Stored::Empty,
        FsData::Inline(b) => Stored::Bytes(Arc::from(b.as_slice())),
        FsData::Extents(runs) if runs.is_empty() => Stored::Empty,
        FsData::Extents(runs) => Stored::Extents(medium.clone(), Arc::from(runs.as_slice())),
        // Read decompressed: the next session holds the file's own bytes.
        FsData::Zisofs(z) => {
            let reader = ZisofsReader::new(medium.clone(), z, size);
            Stored::Stream(Arc::new(Mutex::new(Box::new(reader))))
        }
    }
}
