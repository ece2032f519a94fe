//! ECMA-167 (3rd edition) structures as OSTA UDF (1.02–2.60) profiles them:
//! descriptor tags with their checksum and CRC, timestamps, entity
//! identifiers, OSTA Compressed Unicode, volume recognition, the volume
//! descriptors, the integrity descriptor, and the file structure (file set
//! descriptor, file identifier descriptors, (extended) file entries,
//! allocation descriptors). Each structure has an `encode`; the ones a
//! reader needs have a `decode` that checks what it can and returns errors.
//!
//! By part: `common` (part 1 and the descriptor tag), `volume` (parts 2 and
//! 3: recognition, volume descriptors, integrity) and `file` (part 4: the
//! file structure).

mod common;
mod file;
mod volume;

#[cfg(test)]
mod tests;

pub use common::*;
pub use file::*;
pub use volume::*;
