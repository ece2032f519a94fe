//! The item model (IMAPI2FS's `IFileSystemImage` and `IFsi*Item`): the
//! image under construction and what it is made of.
//!
//! - `file_system_image`: [`FileSystemImage`](crate::FileSystemImage) and
//!   what its parts share (lookup, name and budget checks, journaling); its
//!   IMAPI interfaces by topic: `image_properties` (`IFileSystemImage`
//!   1-3), `item_properties` (`IFsiItem`, `IFsiFileItem2`),
//!   `directory_items` (`IFsiDirectoryItem`), `host` (`AddTree`, host
//!   files), `create` (`CreateResultImage`);
//! - `arena`: the items as an arena of nodes with a name index, and the
//!   stored form of their data (`Content`, `Stored`);
//! - `item`: the public item types (`ItemId`, `Attributes`, ...);
//! - `source`: where a file's data comes from (`DataSource`);
//! - `boot`: boot entries and hybrid settings (`BootOptions`, `Hybrid`);
//! - `settings`, `item_names`: the settings that are not the tree, and the
//!   rules for names;
//! - `journal`: change points;
//! - `media_type`: `IMAPI_MEDIA_PHYSICAL_TYPE` and the defaults each type
//!   picks (`ChooseImageDefaultsForMediaType`).

pub(crate) mod arena;
pub(crate) mod boot;
pub(crate) mod create;
pub(crate) mod directory_items;
pub(crate) mod file_system_image;
pub(crate) mod host;
pub(crate) mod image_properties;
pub(crate) mod item;
pub(crate) mod item_names;
pub(crate) mod item_properties;
pub(crate) mod journal;
pub(crate) mod media_type;
pub(crate) mod settings;
pub(crate) mod source;
