//! El Torito boot records and catalogs (El Torito 1.0).

mod structures;
pub(crate) mod validate;
pub(crate) mod writer;

pub use structures::*;
