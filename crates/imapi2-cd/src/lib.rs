//! # imapi2-cd
//!
//! What a CD should be, independent of any drive or file system: the
//! structures of the Red Book and ECMA-130 as plain types with `encode` and
//! `decode`, decoders that return [`Error`] instead of panicking. The
//! device crates (`imapi2-mmc`, `imapi2-emu`) and the object model build on
//! it; it depends on nothing.
//!
//! - [`msf`]: MSF addresses and LBAs, the conversion between them, the
//!   absolute time of a sector;
//! - [`bcd`]: binary-coded decimal, as Q frames and headers carry numbers;
//! - [`sector`]: sector kinds and sizes (audio, mode 1, mode 2 formless,
//!   form 1, form 2), the sync pattern and the header;
//! - [`subchannel`]: the P–W sub-channel ([`subchannel::pw`]) and the Q
//!   channel's position frames ([`subchannel::q`]);
//! - [`crc`]: the CRC-16 of Q frames and CD-TEXT packs;
//! - [`cdtext`]: CD-TEXT packs;
//! - [`error`]: the decode error.
//!
//! ```
//! use imapi2_cd::msf::{lba_to_msf, Msf};
//! use imapi2_cd::sector::Header;
//! use imapi2_cd::subchannel::q::SubQ;
//!
//! // LBA 0 is 00:02:00; the header of its mode 1 sector says so in BCD.
//! assert_eq!(lba_to_msf(0), Some(Msf { m: 0, s: 2, f: 0 }));
//! assert_eq!(Header::for_lba(0, 1).encode(), [0x00, 0x02, 0x00, 0x01]);
//!
//! // A Q position frame survives its raw P–W form, CRC and all.
//! let q = SubQ { control: 4, adr: 1, tno: 1, index: 1, relative: (0, 0, 0), absolute: (0, 2, 0) };
//! assert_eq!(SubQ::from_raw_pw(&q.to_raw_pw())?, q);
//! # Ok::<(), imapi2_cd::Error>(())
//! ```

#![warn(missing_docs)]

pub mod bcd;
pub mod cdtext;
pub mod crc;
pub mod error;
pub mod msf;
pub mod sector;
pub mod subchannel;

pub use error::{Error, Result};
