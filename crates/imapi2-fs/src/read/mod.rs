//! Reading media: what a medium holds, its trees, extraction, import.

pub(crate) mod disc;
pub mod extract;
pub(crate) mod import;
pub(crate) mod imported;
pub(crate) mod medium;
pub(crate) mod multisession;
pub mod validate;
pub(crate) mod validation;
pub mod view;
