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
//!
//! Where things live: the codecs one module per structure ([`cdb`],
//! [`sense`], [`feature`], [`mode`], [`toc`], [`cue_sheet`], ...); the
//! transport trait in [`transport`], the Linux SG_IO transport in `linux`;
//! the decorators and the trace format in [`trace`] (`trace/format.rs`,
//! `names.rs`, `logging.rs`, `record.rs`, `replay.rs`); the typed commands
//! in [`drive`] (`drive/mod.rs` the retry loop, `error.rs`, `retry.rs`,
//! `clock.rs`, `query.rs` the commands that ask, `record.rs` the commands
//! that record, `mechanism.rs` the tray). What a CD is (MSF addresses,
//! CD-TEXT packs) comes from `imapi2-cd` and is re-exported where it always
//! was ([`toc::Msf`], [`toc::msf_to_lba`], [`toc::lba_to_msf`],
//! [`toc::CdTextPack`]).
//!
//! ## Codecs
//!
//! Every CDB and reply is a plain type with `encode` and `decode`; the
//! initiator and the virtual recorder use the same types from opposite ends:
//!
//! ```
//! use imapi2_mmc::cdb::{Command, DiscInformationType};
//! use imapi2_mmc::disc_info::{DiscInformation, DiscStatus, SessionState};
//! use imapi2_mmc::sense::{Sense, SenseKey};
//!
//! // Initiator: build the CDB.
//! let cmd = Command::ReadDiscInformation {
//!     data_type: DiscInformationType::Standard,
//!     allocation_length: 34,
//! };
//! let cdb = cmd.encode();
//! assert_eq!(cdb, [0x51, 0, 0, 0, 0, 0, 0, 0, 34, 0]);
//!
//! // Recorder: decode the CDB, build the reply, cut it to the allocation length.
//! let Command::ReadDiscInformation { allocation_length, .. } = Command::decode(&cdb)? else {
//!     unreachable!()
//! };
//! let mut info = DiscInformation::blank();
//! info.disc_status = DiscStatus::Incomplete;
//! info.last_session_state = SessionState::Empty;
//! let mut reply = info.encode();
//! reply.truncate(usize::from(allocation_length));
//!
//! // Initiator: parse the reply.
//! let parsed = DiscInformation::decode(&reply)?;
//! assert_eq!(parsed.disc_status, DiscStatus::Incomplete);
//!
//! // Failures travel as sense data.
//! let sense = Sense::new(SenseKey::NotReady, 0x3A, 0x02).encode();
//! let sense = Sense::decode(&sense)?;
//! assert!(sense.is_no_medium());
//! assert_eq!(sense.to_string(), "02/3A/02 NOT READY: medium not present - tray open");
//! # Ok::<(), imapi2_mmc::DecodeError>(())
//! ```

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
