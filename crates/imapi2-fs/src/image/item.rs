//! Plain types that describe items of the tree (IFsiItem and friends).

use crate::time::FileTime;

/// Handle of an item (file, directory, symbolic link or special file) in a
/// [`FileSystemImage`](crate::FileSystemImage). Handles stay valid for the
/// life of the image, also while an item is detached.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ItemId(pub(crate) u32);

impl ItemId {
    /// The index of the item inside its image (stable, dense from 0).
    pub fn index(self) -> u32 {
        self.0
    }
}

/// What a path names (IMAPI `FsiItemType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum ItemType {
    /// Nothing at that path (`FsiItemNotFound`).
    NotFound = 0,
    /// A directory (`FsiItemDirectory`).
    Directory = 1,
    /// A file, symbolic link or special file (`FsiItemFile`).
    File = 2,
}

/// The kind of an item, finer than [`ItemType`]: Rock Ridge can carry symbolic
/// links and special files, which IMAPI's own tree has no type for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ItemKind {
    /// A directory.
    Directory,
    /// A regular file with data.
    File,
    /// A symbolic link (Rock Ridge `SL`; absent from the Joliet tree).
    Symlink,
    /// A FIFO, socket, or character or block device (Rock Ridge `PX`/`PN`).
    Special,
}

impl ItemKind {
    /// The IMAPI item type of this kind.
    pub fn item_type(self) -> ItemType {
        match self {
            ItemKind::Directory => ItemType::Directory,
            _ => ItemType::File,
        }
    }
}

/// POSIX file type bits (`S_IFMT`) of a special file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SpecialKind {
    /// A named pipe.
    Fifo,
    /// A socket.
    Socket,
    /// A character device with its device number.
    CharDevice(u64),
    /// A block device with its device number.
    BlockDevice(u64),
}

impl SpecialKind {
    /// The `S_IFMT` bits of this kind.
    pub fn type_bits(self) -> u32 {
        match self {
            SpecialKind::Fifo => 0o010000,
            SpecialKind::CharDevice(_) => 0o020000,
            SpecialKind::BlockDevice(_) => 0o060000,
            SpecialKind::Socket => 0o140000,
        }
    }

    /// The device number, for devices.
    pub fn rdev(self) -> Option<u64> {
        match self {
            SpecialKind::CharDevice(d) | SpecialKind::BlockDevice(d) => Some(d),
            _ => None,
        }
    }
}

/// The attributes every item carries: times, hidden flag and POSIX ownership.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Attributes {
    /// `CreationTime`.
    pub created: FileTime,
    /// `LastAccessedTime`.
    pub accessed: FileTime,
    /// `LastModifiedTime`.
    pub modified: FileTime,
    /// `IsHidden`: the ISO 9660 existence bit and Joliet's; UDF's hidden bit.
    pub hidden: bool,
    /// POSIX permission bits (`0o7777`), written by Rock Ridge `PX`.
    pub mode: u32,
    /// Owner user id (Rock Ridge).
    pub uid: u32,
    /// Owner group id (Rock Ridge).
    pub gid: u32,
}

impl Attributes {
    /// Attributes for a new item of the given kind created at `now`: all three
    /// times `now`, not hidden, owned by 0:0, mode 0755 for directories, 0777
    /// for symbolic links and 0644 otherwise.
    pub fn new(kind: ItemKind, now: FileTime) -> Attributes {
        Attributes {
            created: now,
            accessed: now,
            modified: now,
            hidden: false,
            mode: match kind {
                ItemKind::Directory => 0o755,
                ItemKind::Symlink => 0o777,
                _ => 0o644,
            },
            uid: 0,
            gid: 0,
        }
    }
}
