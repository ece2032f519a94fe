//! The item model: the image under construction and what it is made of.

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
