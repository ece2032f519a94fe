//! The sub-channel of a CD: eight channels P–W, 96 bytes per sector.

pub mod q;
