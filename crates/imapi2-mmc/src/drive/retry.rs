//! The retry policy: its budgets and counts ([`RetryPolicy`]), the timeout
//! class of a command, the senses it waits on, and what TEST UNIT READY
//! concludes ([`Readiness`]). [`super::Drive`] applies it to every command.

use std::time::Duration;

use crate::sense::{Sense, SenseKey};

/// 02/04/00, "not ready, cause not reportable": libburn retries it for about
/// 5 s (mmc-notes §1.5) before giving up.
pub(super) fn not_reportable(s: &Sense) -> bool {
    s.key == SenseKey::NotReady && s.asc == 0x04 && s.ascq == 0x00
}

/// How long 02/04/00 is retried.
pub(super) const NOT_REPORTABLE_BUDGET: Duration = Duration::from_secs(5);

/// Time budgets and retry counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Unit attentions absorbed per command.
    pub unit_attention_retries: u32,
    /// BUSY / TASK SET FULL statuses absorbed per command.
    pub busy_retries: u32,
    /// Budget of ordinary commands while the drive becomes ready.
    pub short: Duration,
    /// Budget of WRITE commands (long write in progress included).
    pub write: Duration,
    /// Budget of waiting for a long operation (blank, format, close) to end.
    pub long: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            unit_attention_retries: 3,
            busy_retries: 20,
            short: Duration::from_secs(30),
            write: Duration::from_secs(200),
            long: Duration::from_secs(3 * 3600),
        }
    }
}

/// What TEST UNIT READY says.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Readiness {
    /// Ready for commands that need a medium.
    Ready,
    /// No medium; `tray_open` when the drive says the tray is open (02/3A/02).
    NoMedium {
        /// The tray is open.
        tray_open: bool,
    },
    /// Busy with a long operation or spinning up; `progress` in 0..=1 when
    /// the drive reports it.
    Busy {
        /// Fraction done, if reported.
        progress: Option<f64>,
    },
}

/// Which timeout class a command belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Class {
    /// Ordinary commands: the short budget.
    Short,
    /// WRITE and SYNCHRONIZE CACHE: the write budget.
    Write,
}
