//! The error of the typed commands.

use std::time::Duration;

use crate::codec::DecodeError;
use crate::sense::Sense;
use crate::transport::{ScsiStatus, TransportError};

/// What a typed command can fail with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MmcError {
    /// The command never got a SCSI status.
    Transport {
        /// The command's name.
        command: &'static str,
        /// What went wrong on the way.
        error: TransportError,
    },
    /// The drive answered CHECK CONDITION.
    Sense {
        /// The command's name.
        command: &'static str,
        /// The decoded sense data.
        sense: Sense,
    },
    /// The drive answered a status other than GOOD or CHECK CONDITION, or
    /// CHECK CONDITION without readable sense data.
    Status {
        /// The command's name.
        command: &'static str,
        /// The status.
        status: ScsiStatus,
    },
    /// The reply could not be decoded.
    Reply {
        /// The command's name.
        command: &'static str,
        /// Why.
        error: DecodeError,
    },
    /// The drive stayed busy (not ready, long write, BUSY) past the
    /// command's time budget.
    Timeout {
        /// The command's name.
        command: &'static str,
        /// How long it was given.
        budget: Duration,
        /// The last sense seen, if any.
        last: Option<Sense>,
    },
}

impl MmcError {
    /// The sense data, when the drive reported a CHECK CONDITION.
    pub fn sense(&self) -> Option<&Sense> {
        match self {
            MmcError::Sense { sense, .. } => Some(sense),
            MmcError::Timeout { last, .. } => last.as_ref(),
            _ => None,
        }
    }

    /// The name of the command that failed.
    pub fn command(&self) -> Option<&'static str> {
        Some(match self {
            MmcError::Transport { command, .. }
            | MmcError::Sense { command, .. }
            | MmcError::Status { command, .. }
            | MmcError::Reply { command, .. }
            | MmcError::Timeout { command, .. } => command,
        })
    }

    /// Whether the drive said there is no medium.
    pub fn is_no_medium(&self) -> bool {
        self.sense().is_some_and(|s| s.is_no_medium())
    }
}

impl std::fmt::Display for MmcError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MmcError::Transport { command, error } => write!(f, "{command}: {error}"),
            MmcError::Sense { command, sense } => write!(f, "{command}: {sense}"),
            MmcError::Status { command, status } => {
                write!(f, "{command}: SCSI status {:#04x}", status.to_byte())
            }
            MmcError::Reply { command, error } => write!(f, "{command}: bad reply: {error}"),
            MmcError::Timeout {
                command,
                budget,
                last,
            } => {
                write!(
                    f,
                    "{command}: still busy after {:.0} s",
                    budget.as_secs_f64()
                )?;
                if let Some(s) = last {
                    write!(f, " ({s})")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for MmcError {}

/// Result alias of the command layer.
pub type Result<T, E = MmcError> = std::result::Result<T, E>;
