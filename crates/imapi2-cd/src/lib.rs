//! # imapi2-cd
//!
//! What a CD should be, independent of any drive or file system: the
//! structures of the Red Book and ECMA-130 as plain types with `encode` and
//! `decode`.
//!
//! - [`subchannel`]: the sub-channel; [`subchannel::q`] holds the Q channel
//!   (position frames and their CRC).

#![warn(missing_docs)]

pub mod subchannel;
