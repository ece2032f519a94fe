//! UDF.

pub(crate) mod descriptors;
pub mod ecma167;
pub(crate) mod file_structure;
pub(crate) mod names;
pub(crate) mod partitions;
pub mod reader;
pub(crate) mod validate;
pub(crate) mod writer;
