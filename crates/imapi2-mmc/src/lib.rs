//! # imapi2-mmc
//!
//! SCSI Multimedia Commands for imapi2, in three layers with sharp edges:
//!
//! - **codecs** with no I/O, both directions (build a CDB and parse its reply;
//!   parse a CDB and build its reply), so the initiator and the virtual
//!   recorder speak through the same plain types;
//! - the [`transport::ScsiTransport`] trait, with the Linux SG_IO transport and
//!   decorators that log, record, replay and inject faults;
//! - typed commands with one sense/retry policy.

#![warn(missing_docs)]

pub mod capacity;
pub mod cdb;
pub mod codec;
pub mod cue_sheet;
pub mod disc_info;
pub mod disc_structure;
pub mod drive;
pub mod event;
pub mod fault;
pub mod feature;
pub mod format;
pub mod inquiry;
#[cfg(target_os = "linux")]
pub mod linux;
pub mod mode;
pub mod performance;
pub mod profile;
pub mod sense;
pub mod streaming;
pub mod toc;
pub mod trace;
pub mod track_info;
pub mod transport;

pub use codec::DecodeError;
pub use transport::{DataPhase, Request, Response, ScsiStatus, ScsiTransport, TransportError};
