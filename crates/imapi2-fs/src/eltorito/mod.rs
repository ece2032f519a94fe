//! El Torito boot records and catalogs (El Torito 1.0).

mod structures;

pub use structures::*;
