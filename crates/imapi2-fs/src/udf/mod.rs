//! UDF (ECMA-167 as OSTA UDF 1.02-2.60 profiles it).
//!
//! - `ecma167`: the on-disk structures by part (public);
//! - `file_structure`: the file entries and directories built from the
//!   item tree and sized; `descriptors`: their bytes, generated on demand;
//!   `names`: unique CS0 names;
//! - `writer`: the volume structures, anchors and partition of an image;
//! - `reader` and `partitions`: reading a volume (public as
//!   `imapi2_fs::udf_reader`); `validate`: checking it.

pub(crate) mod descriptors;
pub mod ecma167;
pub(crate) mod file_structure;
pub(crate) mod names;
pub(crate) mod partitions;
pub mod reader;
pub(crate) mod validate;
pub(crate) mod writer;
