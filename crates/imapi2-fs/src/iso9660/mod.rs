//! ISO 9660 (ECMA-119), Joliet and Rock Ridge.
//!
//! - `ecma119`, `rockridge`: the on-disk structures (public);
//! - `names`: ISO 9660 and Joliet identifiers (mangling, §9.3 order);
//! - `hierarchy`: the ECMA-119 hierarchies built from the item tree
//!   (primary with relocation, Joliet); `records`: their directory
//!   records, Rock Ridge entries and path tables, generated on demand;
//! - `writer`: the primary volume, Joliet and set terminator writers;
//! - `reader`: reading the volumes of a medium (public as
//!   `imapi2_fs::iso_reader`); `validate`: checking them;
//! - `zisofs`: the zisofs file compression (decoding and encoding).

pub mod ecma119;
pub(crate) mod hierarchy;
pub(crate) mod names;
pub mod reader;
pub(crate) mod records;
pub mod rockridge;
pub(crate) mod validate;
pub(crate) mod writer;
pub mod zisofs;
