//! Replies derived from the model on every call (mmc-notes §6.2: no cached
//! blobs): GET CONFIGURATION features, disc and track information, TOC
//! formats, format capacities, disc structures, speeds and mode pages. Each
//! builder returns a codec structure of `imapi2-mmc`; the codec encodes it.
//!
//! One file per reply family: `config` (GET CONFIGURATION), `info` (READ
//! DISC INFORMATION, READ TRACK INFORMATION), `toc` (READ TOC/PMA/ATIP),
//! `format` (READ FORMAT CAPACITIES), `structure` (READ DISC STRUCTURE),
//! `speed` (GET PERFORMANCE), `mode` (MODE SENSE pages).

mod config;
mod format;
mod info;
mod mode;
mod speed;
mod structure;
mod toc;

pub(crate) use config::{configuration, serial};
pub(crate) use format::format_capacities;
pub(crate) use info::{disc_information, track_information};
pub(crate) use mode::mode_pages;
pub(crate) use speed::{performance, write_speed_list};
pub(crate) use structure::disc_structure;
pub(crate) use toc::toc;
