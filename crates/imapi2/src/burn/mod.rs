//! Burning: the write engine and the format objects built on it.

pub mod close;
pub mod data;
pub mod disc_format;
pub mod engine;
pub mod erase;
pub mod events;
pub mod formatting;
pub mod multisession;
pub mod prepare;
pub mod ranges;
pub mod ring;
pub mod strategy;
pub mod verify;
