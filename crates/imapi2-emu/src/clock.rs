//! The virtual clock: time passes one tick per command, nothing ever sleeps.
//!
//! Long operations started with Immed (BLANK, FORMAT UNIT, CLOSE
//! TRACK/SESSION, SYNCHRONIZE CACHE) leave the unit "not ready, operation in
//! progress" for a number of ticks, reporting progress in sense bytes 16–17
//! (mmc-notes §1.2); every command the host sends while it polls — TEST UNIT
//! READY, REQUEST SENSE or anything else — advances the clock by one tick.
//! The optional drive buffer model fills with WRITEs and drains with ticks;
//! a WRITE that does not fit gets 02/04/08 "long write in progress".
//!
//! A *paced* recorder is the exception mmc-notes §6.2 allows ("per command
//! or per elapsed real time, selectable"): its write buffer
//! ([`PacedBuffer`]) drains against the wall clock at the recorder's pace,
//! as a real drive's laser empties it, so a host that feeds it too slowly
//! sees buffer underruns and a full buffer holds the WRITE. The model
//! itself never reads the clock: every call is given the instant it
//! happens at, by the recorder or by a test.

use std::time::{Duration, Instant};

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

/// The write buffer of a paced recorder: WRITE data goes in, the laser takes
/// it out at a steady rate against the wall clock.
///
/// A *recording* runs from the first WRITE of a burn to its flush
/// (SYNCHRONIZE CACHE, CLOSE TRACK/SESSION): while one runs, the buffer
/// running empty before the next WRITE arrives is a buffer underrun, which
/// [`PacedBuffer::take_underrun`] reports to that WRITE. Levels are kept
/// in fractions of bytes so that many small drains add up exactly.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PacedBuffer {
    size: u32,
    level: f64,
    rate: f64,
    at: Instant,
    recording: Option<Instant>,
    dry_at: Option<Instant>,
}

impl PacedBuffer {
    /// An empty buffer of `size` bytes (at least 1) at `now`.
    pub fn new(size: u32, now: Instant) -> PacedBuffer {
        PacedBuffer {
            size: size.max(1),
            level: 0.0,
            rate: 1.0,
            at: now,
            recording: None,
            dry_at: None,
        }
    }

    /// Buffer size in bytes.
    pub fn size(&self) -> u32 {
        self.size
    }

    /// Bytes waiting to be written (rounded up), as of the last call.
    pub fn fill(&self) -> u32 {
        (self.level.ceil() as u32).min(self.size)
    }

    /// Free bytes, as of the last call.
    pub fn free(&self) -> u32 {
        self.size - self.fill()
    }

    /// True while a recording runs (a WRITE since the last flush).
    pub fn is_recording(&self) -> bool {
        self.recording.is_some()
    }

    /// The laser writes until `now`. An instant before the last one changes
    /// nothing (the buffer is full until the end of a held WRITE).
    pub fn drain(&mut self, now: Instant) {
        if now <= self.at {
            return;
        }
        let out = (now - self.at).as_secs_f64() * self.rate;
        if self.level > 0.0 && out >= self.level {
            if self.recording.is_some() && self.dry_at.is_none() {
                self.dry_at = Some(self.at + Duration::from_secs_f64(self.level / self.rate));
            }
            self.level = 0.0;
        } else {
            self.level = (self.level - out).max(0.0);
        }
        self.at = now;
    }

    /// At a WRITE's arrival at `now`: the instant the buffer ran empty in
    /// the middle of the recording since the previous WRITE, if it did (a
    /// buffer underrun; reported once).
    pub fn take_underrun(&mut self, now: Instant) -> Option<Instant> {
        self.drain(now);
        self.dry_at.take()
    }

    /// True when `bytes` fit now (an empty buffer takes a WRITE of any size:
    /// it streams through).
    pub fn fits(&self, bytes: u32) -> bool {
        self.level <= 0.0 || self.level + f64::from(bytes) <= f64::from(self.size)
    }

    /// Takes a WRITE of `bytes` arriving at `now`, the laser writing
    /// `bytes_per_second` of them; starts a recording if none runs. Returns
    /// how long the drive holds the command: the time the laser needs to
    /// make room for what does not fit (zero when it fits). At the end of
    /// the hold the buffer is full.
    pub fn admit(&mut self, bytes: u32, bytes_per_second: f64, now: Instant) -> Duration {
        self.drain(now);
        if bytes_per_second > 0.0 && bytes_per_second.is_finite() {
            self.rate = bytes_per_second;
        }
        if self.recording.is_none() {
            self.recording = Some(now);
            self.dry_at = None;
        }
        let excess = self.level + f64::from(bytes) - f64::from(self.size);
        if excess <= 0.0 {
            self.level += f64::from(bytes);
            return Duration::ZERO;
        }
        let hold = Duration::from_secs_f64(excess / self.rate);
        self.level = f64::from(self.size);
        self.at = now.max(self.at) + hold;
        hold
    }

    /// The instant the last byte now in the buffer reaches the medium.
    pub fn empty_at(&self) -> Instant {
        self.at + Duration::from_secs_f64(self.level / self.rate)
    }

    /// The recording ends with a flush at `now`: returns the instant the
    /// buffer is empty and how long the recording took up to then (None
    /// when none ran).
    pub fn finish(&mut self, now: Instant) -> (Instant, Option<Duration>) {
        self.drain(now);
        let empty = self.empty_at().max(now);
        let took = self
            .recording
            .take()
            .map(|start| empty.saturating_duration_since(start));
        self.dry_at = None;
        (empty, took)
    }

    /// The recording stops at `at` for good (an underrun it does not
    /// survive, a power loss, the medium taken out): what the buffer held is
    /// gone. Returns how long the recording ran.
    pub fn stop(&mut self, at: Instant) -> Option<Duration> {
        let took = self
            .recording
            .take()
            .map(|start| at.saturating_duration_since(start));
        self.level = 0.0;
        self.at = self.at.max(at);
        self.dry_at = None;
        took
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Equal to the microsecond (the model computes in floating point).
    fn near(a: Duration, b: Duration) -> bool {
        a.abs_diff(b) < Duration::from_micros(1)
    }

    fn near_at(a: Option<Instant>, b: Instant) -> bool {
        a.is_some_and(|a| near(a.max(b) - a.min(b), Duration::ZERO))
    }

    #[test]
    fn a_paced_buffer_drains_with_time_and_holds_what_does_not_fit() {
        let t0 = Instant::now();
        let ms = |n: u64| t0 + Duration::from_millis(n);
        // 100 bytes, written out at 1000 bytes/s.
        let mut b = PacedBuffer::new(100, t0);
        assert_eq!(b.admit(60, 1000.0, t0), Duration::ZERO);
        assert!(b.is_recording());
        assert_eq!(b.fill(), 60);
        assert!(!b.fits(60));
        // 20 bytes over: the WRITE is held 20 ms, then the buffer is full.
        let hold = b.admit(60, 1000.0, t0);
        assert!(near(hold, Duration::from_millis(20)), "{hold:?}");
        assert_eq!(b.fill(), 100);
        b.drain(ms(10)); // during the hold: nothing moves
        assert_eq!(b.fill(), 100);
        b.drain(ms(70));
        assert_eq!(b.fill(), 50);
        assert_eq!(b.take_underrun(ms(70)), None);
        // A write larger than the buffer streams through it.
        let mut big = PacedBuffer::new(100, t0);
        assert!(big.fits(1000));
        assert!(near(
            big.admit(1000, 1000.0, t0),
            Duration::from_millis(900)
        ));
        assert_eq!(big.fill(), 100);
        assert_eq!(big.take_underrun(ms(900)), None);
    }

    #[test]
    fn running_empty_mid_recording_is_an_underrun_reported_once() {
        let t0 = Instant::now();
        let ms = |n: u64| t0 + Duration::from_millis(n);
        let mut b = PacedBuffer::new(100, t0);
        b.admit(50, 1000.0, t0);
        // Fed in time: no underrun.
        assert_eq!(b.take_underrun(ms(40)), None);
        b.admit(50, 1000.0, ms(40));
        // Fed too late: empty at 100 ms.
        assert!(near_at(b.take_underrun(ms(130)), ms(100)));
        assert_eq!(b.take_underrun(ms(131)), None, "once");
        b.admit(10, 1000.0, ms(131));
        // The flush: no underrun however long it waits, and the time is
        // from the first WRITE to the last byte on the medium.
        let (empty, took) = b.finish(ms(135));
        assert!(near_at(Some(empty), ms(141)));
        assert!(took.is_some_and(|t| near(t, Duration::from_millis(141))));
        assert!(!b.is_recording());
        assert_eq!(b.take_underrun(ms(500)), None);
        assert_eq!(b.fill(), 0);
        // A stopped recording loses the buffer.
        b.admit(80, 1000.0, ms(500));
        assert!(b
            .stop(ms(510))
            .is_some_and(|t| near(t, Duration::from_millis(10))));
        assert_eq!(b.fill(), 0);
        assert_eq!(b.finish(ms(600)).1, None);
    }

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
