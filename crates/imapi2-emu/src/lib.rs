//! # imapi2-emu
//!
//! The virtual recorder (work in progress).

#![warn(missing_docs)]

pub mod clock;
pub mod drive;
pub mod error;
pub mod fault;
pub mod media;
pub mod ranges;
mod replies;
pub mod store;
pub mod subchannel;
pub mod target;

pub use drive::Personality;
pub use error::{Error, MediaError, Result, SenseCode};
pub use media::{MediaKind, Medium};
pub use store::VirtualDisc;
pub use target::{RecorderConfig, VirtualRecorder};
