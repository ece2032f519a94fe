//! The item tree: an arena of nodes with a name index per directory, and the
//! running counts (files, directories, data blocks) of what hangs off the root.
//!
//! Node data lives behind an `Arc` so that a result image can keep reading it
//! while the caller goes on changing the tree (copy on write).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use hashbrown::HashTable;

use crate::image::item::{Attributes, SpecialKind};
use crate::image::source::DataSource;
use crate::iso9660::zisofs::ZisofsLayout;
use crate::read::medium::{Medium, SharedStream};

/// The data of one file (shared by all hard links to it), as the tree stores it.
#[derive(Clone)]
pub(crate) struct Content {
    pub(crate) source: Stored,
    /// Size in bytes, taken when the data was assigned.
    pub(crate) size: u64,
}

/// A [`DataSource`] as stored: a host file found by `add_tree` keeps only its
/// directory's index and the item that first named it (item names never
/// change, and `add_tree` names items after their host files), which saves a
/// path per file.
#[derive(Clone)]
pub(crate) enum Stored {
    Empty,
    HostEntry {
        dir: u32,
        node: u32,
    },
    Path(Box<Path>),
    Bytes(Arc<[u8]>),
    Stream(SharedStream),
    Extents(Medium, Arc<[(u64, u64)]>),
    /// The El Torito boot catalog, made visible as a file: its data is the
    /// catalog sector the layout writes, not a source.
    BootCatalog,
    /// A file compressed for the image (only in the copy of the tree a
    /// result is planned from, when zisofs is on): the content's size is
    /// the compressed size.
    Zisofs(Arc<ZisofsSource>),
}

impl Stored {
    pub(crate) fn from_source(s: DataSource) -> Stored {
        match s {
            DataSource::Empty => Stored::Empty,
            DataSource::Path(p) => Stored::Path(p.into_boxed_path()),
            DataSource::Bytes(b) => Stored::Bytes(b),
            DataSource::Stream(s) => Stored::Stream(s),
            DataSource::Extents(m, r) => Stored::Extents(m, r),
        }
    }

    pub(crate) fn to_source(&self, data: &TreeData) -> DataSource {
        match self {
            Stored::Empty => DataSource::Empty,
            Stored::HostEntry { .. } => {
                DataSource::Path(self.host_path(data).expect("host source"))
            }
            Stored::Path(p) => DataSource::Path(p.to_path_buf()),
            Stored::Bytes(b) => DataSource::Bytes(b.clone()),
            Stored::Stream(s) => DataSource::Stream(s.clone()),
            Stored::Extents(m, r) => DataSource::Extents(m.clone(), r.clone()),
            Stored::BootCatalog => DataSource::Empty,
            Stored::Zisofs(z) => z.inner.to_source(data),
        }
    }

    /// The host path, for host files (none for a compressed file: its bytes
    /// are not the host file's).
    pub(crate) fn host_path(&self, data: &TreeData) -> Option<PathBuf> {
        match self {
            Stored::HostEntry { dir, node } => {
                use std::os::unix::ffi::OsStrExt;
                let name = crate::escape::to_bytes(&data.node(*node).name);
                Some(data.host_dirs[*dir as usize].join(std::ffi::OsStr::from_bytes(&name)))
            }
            Stored::Path(p) => Some(p.to_path_buf()),
            _ => None,
        }
    }
}

/// A file compressed for the image (`write::zisofs`): its source, and the
/// layout of its compressed form.
pub(crate) struct ZisofsSource {
    /// Where the uncompressed bytes come from.
    pub(crate) inner: Stored,
    /// Sizes, header and block pointers of the compressed file.
    pub(crate) layout: Arc<ZisofsLayout>,
}

/// Parent value of a node that hangs nowhere.
pub(crate) const NO_PARENT: u32 = u32::MAX;
/// The root directory is always node 0.
pub(crate) const ROOT: u32 = 0;

/// One item.
#[derive(Clone)]
pub(crate) struct Node {
    pub(crate) name: Box<str>,
    pub(crate) parent: u32,
    pub(crate) attrs: Attributes,
    pub(crate) kind: NodeKind,
}

/// What an item is, with its kind-specific data.
#[derive(Clone)]
pub(crate) enum NodeKind {
    Dir { children: Vec<u32> },
    File { content: u32 },
    Symlink { target: Box<str> },
    Special(SpecialKind),
}

impl Node {
    pub(crate) fn is_dir(&self) -> bool {
        matches!(self.kind, NodeKind::Dir { .. })
    }

    pub(crate) fn children(&self) -> &[u32] {
        match &self.kind {
            NodeKind::Dir { children } => children,
            _ => &[],
        }
    }
}

/// A named stream of a file (UDF 2.00+).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct NamedStream {
    pub(crate) name: Box<str>,
    pub(crate) content: u32,
}

/// The shared part of the tree: nodes, file contents and host directories,
/// and the few per-file extras UDF carries (named streams, real-time flag).
#[derive(Clone, Default)]
pub(crate) struct TreeData {
    pub(crate) nodes: Vec<Node>,
    pub(crate) contents: Vec<Content>,
    pub(crate) host_dirs: Vec<Box<Path>>,
    /// Named streams per file node.
    pub(crate) streams: std::collections::BTreeMap<u32, Vec<NamedStream>>,
    /// File nodes marked real-time.
    pub(crate) real_time: std::collections::BTreeSet<u32>,
}

impl TreeData {
    pub(crate) fn node(&self, id: u32) -> &Node {
        &self.nodes[id as usize]
    }

    /// Absolute path of a node in the image ("/" for the root). Detached nodes
    /// give the path from their topmost detached ancestor.
    pub(crate) fn full_path(&self, id: u32) -> String {
        let mut parts = Vec::new();
        let mut cur = id;
        while cur != ROOT && cur != NO_PARENT {
            let n = self.node(cur);
            parts.push(&*n.name);
            cur = n.parent;
        }
        if parts.is_empty() {
            return "/".to_string();
        }
        let mut s = String::new();
        for p in parts.iter().rev() {
            s.push('/');
            s.push_str(p);
        }
        s
    }

    /// Depth-first walk over a subtree (the node itself first).
    pub(crate) fn walk(&self, id: u32, mut f: impl FnMut(u32, &Node)) {
        let mut stack = vec![id];
        while let Some(cur) = stack.pop() {
            let n = self.node(cur);
            f(cur, n);
            stack.extend(n.children().iter().rev());
        }
    }
}

/// Counts of what is reachable from the root.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Stats {
    pub(crate) files: u64,
    pub(crate) dirs: u64,
    pub(crate) data_blocks: u64,
    pub(crate) name_bytes: u64,
}

/// The tree with its index and counts.
#[derive(Clone)]
pub(crate) struct Tree {
    pub(crate) data: Arc<TreeData>,
    index: HashTable<u32>,
    hasher: hashbrown::DefaultHashBuilder,
    pub(crate) stats: Stats,
    /// Per content: how many reachable file items use it.
    links: Vec<u32>,
}

fn key_hash(hasher: &hashbrown::DefaultHashBuilder, parent: u32, name: &str) -> u64 {
    use std::hash::BuildHasher;
    hasher.hash_one((parent, name))
}

/// Blocks of 2048 bytes that `size` bytes occupy.
pub(crate) fn blocks_of(size: u64) -> u64 {
    size.div_ceil(2048)
}

impl Tree {
    /// A tree with just a root directory.
    pub(crate) fn new(root_attrs: Attributes) -> Tree {
        let data = TreeData {
            nodes: vec![Node {
                name: "".into(),
                parent: NO_PARENT,
                attrs: root_attrs,
                kind: NodeKind::Dir {
                    children: Vec::new(),
                },
            }],
            ..TreeData::default()
        };
        Tree {
            data: Arc::new(data),
            index: HashTable::new(),
            hasher: Default::default(),
            stats: Stats {
                dirs: 1,
                ..Stats::default()
            },
            links: Vec::new(),
        }
    }

    pub(crate) fn node(&self, id: u32) -> &Node {
        self.data.node(id)
    }

    pub(crate) fn data_mut(&mut self) -> &mut TreeData {
        Arc::make_mut(&mut self.data)
    }

    pub(crate) fn len(&self) -> usize {
        self.data.nodes.len()
    }

    /// Adds a detached node and returns its id.
    pub(crate) fn push(&mut self, name: Box<str>, attrs: Attributes, kind: NodeKind) -> u32 {
        let id = u32::try_from(self.data.nodes.len()).expect("fewer than 2^32 items");
        assert!(id != NO_PARENT, "item arena full");
        self.data_mut().nodes.push(Node {
            name,
            parent: NO_PARENT,
            attrs,
            kind,
        });
        id
    }

    /// Adds a content record and returns its index.
    pub(crate) fn push_content(&mut self, content: Content) -> u32 {
        let id = u32::try_from(self.data.contents.len()).expect("fewer than 2^32 contents");
        self.data_mut().contents.push(content);
        self.links.push(0);
        id
    }

    /// Forgets nodes and contents created after the given lengths (used to undo a
    /// failed bulk addition whose nodes were never attached).
    pub(crate) fn truncate(&mut self, nodes: usize, contents: usize, host_dirs: usize) {
        let d = self.data_mut();
        d.nodes.truncate(nodes);
        d.contents.truncate(contents);
        d.host_dirs.truncate(host_dirs);
        self.links.truncate(contents);
    }

    /// The child of `parent` called `name`.
    pub(crate) fn lookup(&self, parent: u32, name: &str) -> Option<u32> {
        let h = key_hash(&self.hasher, parent, name);
        let nodes = &self.data.nodes;
        self.index
            .find(h, |&c| {
                let n = &nodes[c as usize];
                n.parent == parent && &*n.name == name
            })
            .copied()
    }

    /// Whether the node hangs (through its ancestors) off the root.
    pub(crate) fn is_reachable(&self, mut id: u32) -> bool {
        loop {
            if id == ROOT {
                return true;
            }
            let p = self.node(id).parent;
            if p == NO_PARENT {
                return false;
            }
            id = p;
        }
    }

    /// Whether `ancestor` is `id` or one of its ancestors.
    pub(crate) fn is_ancestor(&self, ancestor: u32, mut id: u32) -> bool {
        loop {
            if id == ancestor {
                return true;
            }
            let p = self.node(id).parent;
            if p == NO_PARENT {
                return false;
            }
            id = p;
        }
    }

    /// The counts a subtree would add if it became reachable.
    pub(crate) fn subtree_stats(&self, id: u32) -> Stats {
        let mut s = Stats::default();
        let mut seen_here = std::collections::HashSet::new();
        self.data.walk(id, |_, n| {
            s.name_bytes += n.name.len() as u64;
            match &n.kind {
                NodeKind::Dir { .. } => s.dirs += 1,
                NodeKind::File { content } => {
                    s.files += 1;
                    if self.links[*content as usize] == 0 && seen_here.insert(*content) {
                        s.data_blocks += blocks_of(self.data.contents[*content as usize].size);
                    }
                }
                _ => s.files += 1,
            }
        });
        s
    }

    fn account(&mut self, id: u32, add: bool) {
        let mut stack = vec![id];
        while let Some(cur) = stack.pop() {
            let (content, is_dir, name_len) = {
                let n = self.node(cur);
                stack.extend(n.children());
                let c = match n.kind {
                    NodeKind::File { content } => Some(content),
                    _ => None,
                };
                (c, n.is_dir(), n.name.len() as u64)
            };
            let s = &mut self.stats;
            if add {
                s.name_bytes += name_len;
                if is_dir {
                    s.dirs += 1;
                } else {
                    s.files += 1;
                }
            } else {
                s.name_bytes -= name_len;
                if is_dir {
                    s.dirs -= 1;
                } else {
                    s.files -= 1;
                }
            }
            if let Some(c) = content {
                self.link_content(c, add);
            }
        }
    }

    fn link_content(&mut self, c: u32, add: bool) {
        let blocks = blocks_of(self.data.contents[c as usize].size);
        let l = &mut self.links[c as usize];
        if add {
            *l += 1;
            if *l == 1 {
                self.stats.data_blocks += blocks;
            }
        } else {
            *l -= 1;
            if *l == 0 {
                self.stats.data_blocks -= blocks;
            }
        }
    }

    /// Hangs a detached node under `parent`. The caller has checked names.
    pub(crate) fn attach(&mut self, id: u32, parent: u32) {
        debug_assert_eq!(self.node(id).parent, NO_PARENT);
        {
            let d = self.data_mut();
            d.nodes[id as usize].parent = parent;
            match &mut d.nodes[parent as usize].kind {
                NodeKind::Dir { children } => children.push(id),
                _ => panic!("attach under a non-directory"),
            }
        }
        let h = key_hash(&self.hasher, parent, &self.data.nodes[id as usize].name);
        let nodes = &self.data.nodes;
        let hasher = &self.hasher;
        self.index.insert_unique(h, id, |&c| {
            let n = &nodes[c as usize];
            key_hash(hasher, n.parent, &n.name)
        });
        if self.is_reachable(parent) {
            self.account(id, true);
        }
    }

    /// Unhooks a node from its parent; returns the former parent.
    pub(crate) fn detach(&mut self, id: u32) -> u32 {
        let parent = self.node(id).parent;
        debug_assert_ne!(parent, NO_PARENT);
        if self.is_reachable(parent) {
            self.account(id, false);
        }
        let h = key_hash(&self.hasher, parent, &self.node(id).name);
        if let Ok(entry) = self.index.find_entry(h, |&c| c == id) {
            entry.remove();
        }
        let d = self.data_mut();
        d.nodes[id as usize].parent = NO_PARENT;
        if let NodeKind::Dir { children } = &mut d.nodes[parent as usize].kind {
            if let Some(pos) = children.iter().rposition(|&c| c == id) {
                children.swap_remove(pos);
            }
        }
        parent
    }

    /// Replaces a file's content, keeping the counts right.
    pub(crate) fn set_content(&mut self, id: u32, content: u32) -> u32 {
        let reachable = self.is_reachable(id);
        let old = match &mut self.data_mut().nodes[id as usize].kind {
            NodeKind::File { content: c } => std::mem::replace(c, content),
            _ => panic!("set_content on a non-file"),
        };
        if reachable {
            self.link_content(old, false);
            self.link_content(content, true);
        }
        old
    }

    /// Mutable access to a node's attributes.
    pub(crate) fn attrs_mut(&mut self, id: u32) -> &mut Attributes {
        &mut self.data_mut().nodes[id as usize].attrs
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::item::ItemKind;
    use crate::time::FileTime;

    fn attrs(kind: ItemKind) -> Attributes {
        Attributes::new(kind, FileTime::UNIX_EPOCH)
    }

    #[test]
    fn attach_detach_keep_counts_and_index() {
        let mut t = Tree::new(attrs(ItemKind::Directory));
        let d = t.push(
            "d".into(),
            attrs(ItemKind::Directory),
            NodeKind::Dir { children: vec![] },
        );
        let c = t.push_content(Content {
            source: Stored::Empty,
            size: 5000,
        });
        let f1 = t.push(
            "f".into(),
            attrs(ItemKind::File),
            NodeKind::File { content: c },
        );
        let f2 = t.push(
            "g".into(),
            attrs(ItemKind::File),
            NodeKind::File { content: c },
        );
        t.attach(f1, d);
        t.attach(f2, d);
        assert_eq!(t.stats.files, 0, "d is not reachable yet");
        t.attach(d, ROOT);
        assert_eq!(t.stats.files, 2);
        assert_eq!(t.stats.dirs, 2);
        assert_eq!(t.stats.data_blocks, 3, "hard links count once");
        assert_eq!(t.lookup(d, "f"), Some(f1));
        assert_eq!(t.data.full_path(f2), "/d/g");
        t.detach(f1);
        assert_eq!(t.stats.data_blocks, 3);
        t.detach(f2);
        assert_eq!(t.stats.data_blocks, 0);
        assert_eq!(t.lookup(d, "f"), None);
        assert_eq!(t.stats.files, 0);
    }
}
