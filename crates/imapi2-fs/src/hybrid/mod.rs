//! Hybrid images, which also boot from a USB stick: the MBR and GPT
//! structures of the system area (`system_area`, public as
//! `imapi2_fs::system_area`) and the writer that puts them in the first
//! 32 KiB of an image, pads it to whole MiB and adds the backup GPT
//! (`writer`).

pub mod system_area;
pub(crate) mod writer;
