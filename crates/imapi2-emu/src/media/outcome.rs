//! What an operation costs besides its state change: the time it keeps the
//! unit busy ([`LongOp`]) and the side effects BLANK and FORMAT UNIT have
//! ([`Outcome`]).

/// How long an operation keeps the unit busy, for the virtual clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LongOp {
    /// Nothing long happened.
    None,
    /// A track was closed.
    CloseTrack,
    /// A session was closed.
    CloseSession,
    /// The disc was finalized.
    Finalize,
    /// A quick blank.
    BlankMinimal,
    /// A full blank.
    BlankFull,
    /// A format (not background).
    Format,
    /// Data in the cache was written out (CD TAO track close, SAO lead-in/out).
    Flush,
}

/// What BLANK or FORMAT UNIT did besides the state change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// The recorded data is gone: the caller clears the data stores.
    pub clear_data: bool,
    /// The current profile changed (DVD-RW sequential ↔ restricted overwrite):
    /// the drive raises an operational change.
    pub profile_changed: bool,
    /// How long the unit stays busy.
    pub long_op: LongOp,
}
