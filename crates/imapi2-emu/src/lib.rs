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
pub mod store;

pub use error::{Error, MediaError, Result, SenseCode};
