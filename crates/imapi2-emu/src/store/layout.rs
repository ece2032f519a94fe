//! The files of a medium directory and the geometry of the raw frame store
//! (described in the [module docs](super)).

/// Name of the state file inside a medium directory.
pub const STATE_FILE: &str = "medium.state";

/// Name of the user data file inside a medium directory.
pub const DATA_FILE: &str = "data.bin";

/// Name of the raw frame file inside a medium directory.
pub const RAW_FILE: &str = "raw.bin";

/// Bytes per slot of the raw frame store.
pub const RAW_SLOT: u64 = 2448;
