//! UDF.

pub mod ecma167;
pub(crate) mod file_structure;
pub(crate) mod partitions;
pub mod reader;
pub(crate) mod validate;
pub(crate) mod writer;
