//! Reading media.
//!
//! - `medium`: a medium to read from (an image file or a stream);
//! - `disc`: what a medium holds (sessions, file systems, the view import
//!   prefers);
//! - `view`: what a reader sees of one view, whatever the format (public as
//!   `imapi2_fs::fs_tree`);
//! - `extract`: copying a view to a host directory;
//! - `validate`: checking an image (the formats' checks report to
//!   `validation`);
//! - `import`, `imported`: a medium's tree as items of an image;
//! - `multisession`: where the next session goes, and the data it points at
//!   instead of copying.

pub(crate) mod disc;
pub mod extract;
pub(crate) mod import;
pub(crate) mod imported;
pub(crate) mod medium;
pub(crate) mod multisession;
pub mod validate;
pub(crate) mod validation;
pub mod view;
