//! Hybrid images: the MBR and GPT of the system area.

pub mod system_area;
pub(crate) mod writer;
