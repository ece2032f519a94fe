//! How the command layer tells time and waits: [`SystemClock`] sleeps,
//! [`VirtualClock`] only counts, so tests against the virtual recorder never
//! sleep.

use std::time::{Duration, Instant};

/// How the command layer tells time and waits.
pub trait Clock: Send {
    /// Time since some fixed start.
    fn now(&self) -> Duration;
    /// Waits `d`.
    fn sleep(&mut self, d: Duration);
}

/// The wall clock: waits really sleep.
#[derive(Debug)]
pub struct SystemClock(Instant);

impl Default for SystemClock {
    fn default() -> Self {
        SystemClock(Instant::now())
    }
}

impl Clock for SystemClock {
    fn now(&self) -> Duration {
        self.0.elapsed()
    }

    fn sleep(&mut self, d: Duration) {
        std::thread::sleep(d);
    }
}

/// A clock that only counts the waits asked of it: for the virtual recorder,
/// whose long operations advance with each command, not with time.
#[derive(Debug, Default, Clone)]
pub struct VirtualClock {
    elapsed: Duration,
}

impl Clock for VirtualClock {
    fn now(&self) -> Duration {
        self.elapsed
    }

    fn sleep(&mut self, d: Duration) {
        self.elapsed += d;
    }
}
