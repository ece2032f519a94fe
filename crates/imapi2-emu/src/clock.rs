//! The virtual clock: time passes one tick per command, nothing ever sleeps.
//!
//! Long operations started with Immed (BLANK, FORMAT UNIT, CLOSE
//! TRACK/SESSION, SYNCHRONIZE CACHE) leave the unit "not ready, operation in
//! progress" for a number of ticks, reporting progress in sense bytes 16–17
//! (mmc-notes §1.2); every command the host sends while it polls — TEST UNIT
//! READY, REQUEST SENSE or anything else — advances the clock by one tick.
//! The optional drive buffer model fills with WRITEs and drains with ticks;
//! a WRITE that does not fit gets 02/04/08 "long write in progress".

use crate::error::SenseCode;
use crate::media::LongOp;

/// Ticks of virtual time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct VirtualClock {
    now: u64,
}

impl VirtualClock {
    /// A clock at tick 0.
    pub fn new() -> VirtualClock {
        VirtualClock::default()
    }

    /// The current tick.
    pub fn now(&self) -> u64 {
        self.now
    }

    /// Advances by `ticks`.
    pub fn advance(&mut self, ticks: u64) {
        self.now = self.now.saturating_add(ticks);
    }
}

/// How many ticks each long operation keeps the unit busy when started with
/// Immed (without Immed the command itself takes the time and the unit is
/// ready when it returns).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LongOpTicks {
    /// CLOSE TRACK.
    pub close_track: u64,
    /// CLOSE SESSION.
    pub close_session: u64,
    /// Finalizing close.
    pub finalize: u64,
    /// Minimal BLANK and the other partial blanking types.
    pub blank_minimal: u64,
    /// Full BLANK.
    pub blank_full: u64,
    /// FORMAT UNIT (not background).
    pub format: u64,
    /// SYNCHRONIZE CACHE and the implicit writes it triggers.
    pub flush: u64,
}

impl Default for LongOpTicks {
    fn default() -> LongOpTicks {
        LongOpTicks {
            close_track: 2,
            close_session: 4,
            finalize: 6,
            blank_minimal: 4,
            blank_full: 10,
            format: 8,
            flush: 2,
        }
    }
}

impl LongOpTicks {
    /// Ticks for `op` (0 for [`LongOp::None`]).
    pub fn ticks(&self, op: LongOp) -> u64 {
        match op {
            LongOp::None => 0,
            LongOp::CloseTrack => self.close_track,
            LongOp::CloseSession => self.close_session,
            LongOp::Finalize => self.finalize,
            LongOp::BlankMinimal => self.blank_minimal,
            LongOp::BlankFull => self.blank_full,
            LongOp::Format => self.format,
            LongOp::Flush => self.flush,
        }
    }
}

/// A long operation running on the virtual clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy {
    /// What the unit reports while busy (02/04/04 format, 02/04/07 other).
    pub sense: SenseCode,
    /// Tick at which the operation started.
    pub started: u64,
    /// Number of following ticks the unit stays busy.
    pub ticks: u64,
}

impl Busy {
    /// An operation starting at `now` for `ticks` ticks.
    pub fn new(sense: SenseCode, now: u64, ticks: u64) -> Busy {
        Busy {
            sense,
            started: now,
            ticks,
        }
    }

    /// True while the unit is still busy at tick `now`: the `ticks` commands
    /// after the starting one see the operation in progress.
    pub fn active(&self, now: u64) -> bool {
        now <= self.started.saturating_add(self.ticks)
    }

    /// Progress indication (0..=65535) at tick `now` (sense bytes 16–17).
    pub fn progress(&self, now: u64) -> u16 {
        let elapsed = now.saturating_sub(self.started).min(self.ticks + 1);
        let p = elapsed.saturating_mul(65_536) / (self.ticks + 1);
        p.min(65_535) as u16
    }
}

/// The drive's write buffer (READ BUFFER CAPACITY; 02/04/08 when full).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteBuffer {
    /// Buffer size in bytes.
    pub size: u32,
    /// Bytes waiting to be written to the medium.
    pub fill: u32,
    /// Bytes written out per tick; 0 disables the model (the buffer never
    /// fills).
    pub drain_per_tick: u32,
}

impl WriteBuffer {
    /// A buffer of `size` bytes that is never full (model off).
    pub fn unlimited(size: u32) -> WriteBuffer {
        WriteBuffer {
            size,
            fill: 0,
            drain_per_tick: 0,
        }
    }

    /// True when the model is on.
    pub fn enabled(&self) -> bool {
        self.drain_per_tick > 0
    }

    /// Accepts `bytes` of WRITE data, or says the buffer is full (02/04/08).
    /// A write larger than the whole buffer is accepted once it is empty.
    pub fn accept(&mut self, bytes: u32) -> Result<(), SenseCode> {
        if !self.enabled() {
            return Ok(());
        }
        if self.fill > 0 && self.fill.saturating_add(bytes) > self.size {
            return Err(SenseCode::LONG_WRITE_IN_PROGRESS);
        }
        // A write larger than the buffer streams through it: the buffer is full.
        self.fill = self.fill.saturating_add(bytes).min(self.size);
        Ok(())
    }

    /// One tick: the drive writes `drain_per_tick` bytes to the medium.
    pub fn tick(&mut self) {
        self.fill = self.fill.saturating_sub(self.drain_per_tick);
    }

    /// Everything is on the medium (SYNCHRONIZE CACHE).
    pub fn flush(&mut self) {
        self.fill = 0;
    }

    /// Free bytes.
    pub fn free(&self) -> u32 {
        self.size.saturating_sub(self.fill)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn busy_counts_the_following_ticks_and_progresses() {
        let mut clock = VirtualClock::new();
        clock.advance(10);
        let b = Busy::new(SenseCode::OPERATION_IN_PROGRESS, clock.now(), 3);
        let mut seen = Vec::new();
        for _ in 0..5 {
            clock.advance(1);
            seen.push((b.active(clock.now()), b.progress(clock.now())));
        }
        assert_eq!(seen.iter().filter(|s| s.0).count(), 3);
        assert!(seen.windows(2).all(|w| w[0].1 <= w[1].1));
        assert_eq!(seen[0].1, 16_384);
        assert!(!seen[3].0);
    }

    #[test]
    fn buffer_fills_and_drains() {
        let mut b = WriteBuffer {
            size: 100,
            fill: 0,
            drain_per_tick: 30,
        };
        b.accept(60).unwrap();
        assert_eq!(b.accept(60), Err(SenseCode::LONG_WRITE_IN_PROGRESS));
        b.tick();
        b.accept(60).unwrap();
        assert_eq!(b.free(), 10);
        b.flush();
        assert_eq!(b.free(), 100);
        let mut off = WriteBuffer::unlimited(100);
        for _ in 0..10 {
            off.accept(1000).unwrap();
        }
        assert_eq!(off.free(), 100);
    }
}
