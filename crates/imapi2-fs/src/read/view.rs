//! What a reader finds in one file-system view of a medium, independent of
//! the format: a tree of nodes with names, kinds, attributes and where each
//! file's data lies. `ls`, `extract`, import and the validator work on it.

use crate::time::FileTime;

/// What a node is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FsKind {
    /// A directory.
    Directory,
    /// A regular file.
    File,
    /// A symbolic link and its target.
    Symlink(String),
    /// A named pipe.
    Fifo,
    /// A socket.
    Socket,
    /// A character device and its number.
    CharDevice(u64),
    /// A block device and its number.
    BlockDevice(u64),
}

/// Where a file's bytes are.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum FsData {
    /// No data (directories, links, empty files).
    #[default]
    None,
    /// Runs of the medium, in order: (byte offset, length). Their lengths add
    /// up to the file size; a run at offset `u64::MAX` reads as zeros.
    Extents(Vec<(u64, u64)>),
    /// The data itself (UDF files embedded in their entry).
    Inline(Vec<u8>),
    /// Compressed in the zisofs format (a Rock Ridge `ZF` entry, as
    /// `mkisofs -z` and `xorriso --zisofs` write it): the node's `size` is
    /// the size uncompressed; see [`zisofs`](crate::zisofs) for reading it.
    Zisofs(ZisofsData),
}

/// Where a zisofs-compressed file lies, and what its `ZF` entry says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZisofsData {
    /// Runs of the medium holding the compressed file, in order: (byte
    /// offset, length).
    pub runs: Vec<(u64, u64)>,
    /// The algorithm (`pz` is zisofs; others are not decompressed).
    pub algorithm: [u8; 2],
    /// Header size in 4-byte units.
    pub header_words: u8,
    /// log2 of the block size.
    pub block_log: u8,
}

/// Offset of a run that is not recorded and reads as zeros.
pub const ZERO_RUN: u64 = u64::MAX;

/// One file, directory or other node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FsNode {
    /// The name in this view (the root's is empty).
    pub name: String,
    /// Index of the parent (the root is its own parent).
    pub parent: u32,
    /// Children, in directory order.
    pub children: Vec<u32>,
    /// What it is.
    pub kind: FsKind,
    /// Size of the data in bytes.
    pub size: u64,
    /// Where the data is.
    pub data: FsData,
    /// POSIX permission and type bits, when the view records them.
    pub mode: Option<u32>,
    /// Owner, when recorded.
    pub uid: Option<u32>,
    /// Group, when recorded.
    pub gid: Option<u32>,
    /// Modification time.
    pub modified: Option<FileTime>,
    /// Access time.
    pub accessed: Option<FileTime>,
    /// Creation time.
    pub created: Option<FileTime>,
    /// The hidden (existence) flag.
    pub hidden: bool,
    /// Nodes with the same key are hard links to one file (Rock Ridge file
    /// serial number, UDF file entry location).
    pub link_key: Option<u64>,
}

impl FsNode {
    /// A node of `kind` named `name` under `parent`, without attributes.
    pub fn new(name: String, parent: u32, kind: FsKind) -> FsNode {
        FsNode {
            name,
            parent,
            children: Vec::new(),
            kind,
            size: 0,
            data: FsData::None,
            mode: None,
            uid: None,
            gid: None,
            modified: None,
            accessed: None,
            created: None,
            hidden: false,
            link_key: None,
        }
    }

    /// Whether the node is a directory.
    pub fn is_dir(&self) -> bool {
        self.kind == FsKind::Directory
    }
}

/// A whole view: node 0 is the root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FsTree {
    /// The nodes; children refer to them by index.
    pub nodes: Vec<FsNode>,
}

impl FsTree {
    /// A tree holding only an empty root directory.
    pub fn new() -> FsTree {
        FsTree {
            nodes: vec![FsNode::new(String::new(), 0, FsKind::Directory)],
        }
    }

    /// Adds `node` under its parent and returns its index.
    pub fn push(&mut self, node: FsNode) -> u32 {
        let i = self.nodes.len() as u32;
        let parent = node.parent as usize;
        self.nodes.push(node);
        self.nodes[parent].children.push(i);
        i
    }

    /// The absolute path of node `i` ("/" for the root).
    pub fn path(&self, i: u32) -> String {
        let mut parts = Vec::new();
        let mut at = i;
        while at != 0 && parts.len() < self.nodes.len() {
            let n = &self.nodes[at as usize];
            parts.push(n.name.as_str());
            at = n.parent;
        }
        if parts.is_empty() {
            return "/".into();
        }
        parts.reverse();
        let mut s = String::new();
        for p in parts {
            s.push('/');
            s.push_str(p);
        }
        s
    }

    /// The node at `path` ("/a/b"), if any.
    pub fn lookup(&self, path: &str) -> Option<u32> {
        let mut at = 0u32;
        for part in path.split('/').filter(|p| !p.is_empty()) {
            at = *self.nodes[at as usize]
                .children
                .iter()
                .find(|&&c| self.nodes[c as usize].name == part)?;
        }
        Some(at)
    }

    /// Node indices below `top` (itself included), parents before children.
    pub fn walk(&self, top: u32) -> Vec<u32> {
        let mut out = Vec::new();
        let mut stack = vec![top];
        while let Some(i) = stack.pop() {
            out.push(i);
            stack.extend(self.nodes[i as usize].children.iter().rev());
        }
        out
    }

    /// Counts of (directories, other nodes), the root included.
    pub fn counts(&self) -> (u64, u64) {
        let dirs = self.nodes.iter().filter(|n| n.is_dir()).count() as u64;
        (dirs, self.nodes.len() as u64 - dirs)
    }
}

impl Default for FsTree {
    fn default() -> Self {
        FsTree::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_lookup_and_walk() {
        let mut t = FsTree::new();
        let a = t.push(FsNode::new("a".into(), 0, FsKind::Directory));
        let b = t.push(FsNode::new("b.txt".into(), a, FsKind::File));
        let c = t.push(FsNode::new("c".into(), 0, FsKind::Symlink("a".into())));
        assert_eq!(t.path(0), "/");
        assert_eq!(t.path(b), "/a/b.txt");
        assert_eq!(t.lookup("/a/b.txt"), Some(b));
        assert_eq!(t.lookup("a//b.txt"), Some(b));
        assert_eq!(t.lookup("/a/x"), None);
        assert_eq!(t.walk(0), vec![0, a, b, c]);
        assert_eq!(t.counts(), (2, 2));
    }
}
