//! ISO 9660, Joliet and Rock Ridge.

pub mod ecma119;
pub(crate) mod hierarchy;
pub(crate) mod names;
pub mod reader;
pub(crate) mod records;
pub mod rockridge;
pub(crate) mod validate;
pub(crate) mod writer;
