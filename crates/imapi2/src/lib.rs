//! # imapi2
//!
//! Microsoft's Image Mastering API v2 done again in Rust, Linux first.
//!
//! Today this crate carries the file-system image engine, re-exported as
//! [`fs`] (IMAPI2FS: ISO 9660, Joliet, Rock Ridge, as a lazily generated
//! stream). The device layer (recorders over SCSI MMC and the virtual
//! recorder) and the burning objects join it as they land.
//!
//! ```
//! use imapi2::fs::{DataSource, FileSystemImage};
//! let mut image = FileSystemImage::new();
//! let root = image.root();
//! image.add_file(root, "hello.txt", DataSource::Bytes(b"hello"[..].into()))?;
//! let result = image.create_result_image()?;
//! assert!(result.total_blocks() > 16);
//! # Ok::<(), imapi2::fs::Error>(())
//! ```

#![warn(missing_docs)]

pub mod error;
pub mod master;
pub mod media;
pub mod recorder;
pub mod speed;
pub mod virtual_recorder;

pub use error::{Error, Result};
pub use imapi2_emu as emu;
pub use imapi2_fs as fs;
pub use imapi2_mmc as mmc;
pub use master::{DiscMaster, MasterEvent, RecorderEntry, RecorderKind, VirtualRegistry};
pub use media::MediaSnapshot;
pub use recorder::DiscRecorder;
pub use speed::WriteSpeedDescriptor;
