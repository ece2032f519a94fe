//! El Torito (the "Bootable CD-ROM Format Specification" 1.0, 1995): the boot
//! record volume descriptor, the boot catalog entries, and the boot info
//! table that isolinux-style loaders expect patched into their image. Each
//! structure has an `encode` and a `decode`; decoders return errors.
//!
//! Inside the crate this folder also holds El Torito's writer (the boot
//! record, the catalog and the boot images of an image being written) and
//! the check of a catalog read back.

mod structures;
pub(crate) mod validate;
pub(crate) mod writer;

pub use structures::*;
