//! # imapi2-emu
//!
//! The virtual recorder of imapi2: a command-level MMC target that answers
//! SCSI command blocks the way a real CD/DVD/BD writer does, on file-backed
//! media. Every test, and every machine without a drive, burns to it.
//!
//! - [`media`]: the medium model: kinds (CD-R/RW, DVD±R, DVD±R DL, DVD±RW,
//!   DVD-RAM, BD-R, BD-RE, pressed CD/DVD/BD-ROM), sessions and tracks,
//!   next writable address rules, closing and finalizing, formatting and
//!   blanking state machines, with errors that carry the (key, ASC, ASCQ)
//!   a drive reports; one job per file (`media/kind.rs`, `medium.rs`,
//!   `state.rs`, `settings.rs`, `write.rs` planning, `read.rs`, `view.rs`,
//!   `close.rs`, `cue.rs`, `blank.rs`, `format.rs`, `layer.rs`,
//!   `outcome.rs`, `invariants.rs`);
//! - [`store`]: a medium on disk ([`VirtualDisc`]): sparse data file, raw
//!   frame store (`store/mod.rs`, `layout.rs`), a strict text state file
//!   (`store/state_file.rs`);
//! - [`clock`]: the virtual clock: long operations report "not ready,
//!   in progress" with progress for a number of commands; nothing sleeps —
//!   except on a *paced* recorder, whose write buffer drains against the
//!   wall clock at a multiple of 1× ([`clock::PacedBuffer`]): WRITEs wait
//!   for room, buffer underruns are counted and, without BUFE on CD and
//!   DVD-R/RW, ruin the recording (see [`target`]);
//! - [`drive`]: personalities (CD, DVD, BD writers and an MMC-1 CD writer),
//!   identity, tray and lock, unit attentions, events, speeds, mode pages,
//!   the pace and write counters of `drive.state`;
//! - [`fault`]: fault plans: a failure at the n-th command, on an opcode or
//!   in an LBA range, media defects, a power loss, the medium pulled out, a
//!   drive that records nothing, a drive that lists no write speeds;
//! - [`target`]: [`VirtualRecorder`], which implements
//!   [`imapi2_mmc::ScsiTransport`]: CDBs are decoded and replies encoded by
//!   the `imapi2-mmc` codecs, never by code of this crate. The checks every
//!   command goes through are in `target/dispatch.rs`; the handlers, one
//!   file per command family, beside it (`identity`, `tray`, `events`,
//!   `mode`, `info`, `read`, `write`, `format`, `speed`); the replies they
//!   build from the model in `replies/` (`config`, `info`, `toc`, `format`,
//!   `structure`, `speed`, `mode`);
//! - [`subchannel`]: the Q sub-channel codec, re-exported from
//!   [`imapi2_cd::subchannel::q`].
//!
//! What a CD is (MSF addresses, BCD, sector layouts, sync and header, the Q
//! sub-channel and its CRC) comes from `imapi2-cd`; page 05h write types,
//! data block sizes and cue-sheet data forms from the `imapi2-mmc` codecs.
//! The emulator links only the protocol codecs of `imapi2-mmc`, never its
//! initiator-side command layer (`imapi2_mmc::drive`).
//!
//! ```
//! use std::time::Duration;
//! use imapi2_emu::{MediaKind, Personality, VirtualDisc, VirtualRecorder};
//! use imapi2_mmc::cdb::{Command, DiscInformationType};
//! use imapi2_mmc::disc_info::{DiscInformation, DiscStatus};
//! use imapi2_mmc::inquiry::InquiryData;
//! use imapi2_mmc::{DataPhase, Request, ScsiStatus, ScsiTransport};
//!
//! let dir = tempfile::tempdir()?;
//! let disc = VirtualDisc::create(dir.path().join("disc"), MediaKind::DvdPlusR)?;
//! let mut drive = VirtualRecorder::with_disc(Personality::DvdWriter, disc);
//!
//! // INQUIRY runs even while the power-on unit attention is pending.
//! let cdb = Command::Inquiry { evpd: false, page_code: 0, allocation_length: 36 }.encode();
//! let mut buf = [0u8; 36];
//! let timeout = Duration::from_secs(10);
//! let r = drive.execute(Request { cdb: &cdb, data: DataPhase::In(&mut buf), timeout })?;
//! assert_eq!(r.status, ScsiStatus::Good);
//! assert_eq!(InquiryData::decode(&buf[..r.transferred])?.vendor, "IMAPI2");
//!
//! // The first other command reports the unit attention (06/29/00) ...
//! let tur = Command::TestUnitReady.encode();
//! let r = drive.execute(Request { cdb: &tur, data: DataPhase::None, timeout })?;
//! assert_eq!(r.status, ScsiStatus::CheckCondition);
//!
//! // ... after which the blank DVD+R answers READ DISC INFORMATION.
//! let cdb = Command::ReadDiscInformation {
//!     data_type: DiscInformationType::Standard,
//!     allocation_length: 34,
//! }
//! .encode();
//! let mut buf = [0u8; 34];
//! let r = drive.execute(Request { cdb: &cdb, data: DataPhase::In(&mut buf), timeout })?;
//! assert_eq!(r.status, ScsiStatus::Good);
//! let info = DiscInformation::decode(&buf[..r.transferred])?;
//! assert_eq!(info.disc_status, DiscStatus::Empty);
//! assert_eq!(info.sessions, 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## IMAPI2 names
//!
//! | IMAPI2 | here |
//! |---|---|
//! | `IMAPI_MEDIA_PHYSICAL_TYPE` (CDR, CDRW, DVDPLUSR, ...) | [`MediaKind`] (profile through [`Medium::profile`]) |
//! | `IDiscRecorder2` VendorId / ProductId / ProductRevision | [`drive::VENDOR`], [`Personality::product`], [`drive::REVISION`] |
//! | `IDiscRecorder2.EjectMedia` / `CloseTray` | [`VirtualRecorder::eject`], [`VirtualRecorder::close_tray`] (or START STOP UNIT) |
//! | `IDiscFormat2Data.CurrentMediaStatus` sources | [`media::DiscView`] (READ DISC INFORMATION) |
//! | `IDiscFormat2Data.NextWritableAddress` / `FreeSectorsOnMedia` | [`media::TrackView`] (READ TRACK INFORMATION) |
//! | `IDiscFormat2Erase.FullErase` | BLANK type 000b vs 001b ([`Medium::blank`]) |
//! | `IWriteSpeedDescriptor` | [`Personality::write_speeds`] (GET PERFORMANCE type 03h) |

#![warn(missing_docs)]

pub mod clock;
pub mod drive;
pub mod error;
pub mod fault;
pub mod media;
pub mod ranges;
mod replies;
pub mod store;
pub mod subchannel {
    //! The Q sub-channel of raw CD frames, as much as the recorder needs to
    //! find tracks in a RAW session the host wrote itself: the codec lives in
    //! [`imapi2_cd::subchannel::q`].
    pub use imapi2_cd::subchannel::q::{q_crc, SubQ};
}
pub mod target;

pub use drive::{Pace, Personality, WriteStats};
pub use error::{Error, MediaError, Result, SenseCode};
pub use media::{MediaKind, Medium};
pub use store::VirtualDisc;
pub use target::{RecorderConfig, VirtualRecorder};
