//! [`VirtualRecorder`]: the drive as a [`ScsiTransport`](imapi2_mmc::ScsiTransport).
//!
//! Every command goes through the same steps, in the order real drives and
//! QEMU's ATAPI table use (mmc-notes §6.2), all in one place: `execute` in
//! `dispatch.rs`:
//!
//! 1. the virtual clock ticks (long operations progress, the write buffer
//!    drains, background formatting advances);
//! 2. the fault plan is consulted (a planned failure fires exactly where
//!    planned; a power loss happens before the command);
//! 3. a pending unit attention is reported, except to INQUIRY, REQUEST
//!    SENSE, GET CONFIGURATION and GET EVENT STATUS NOTIFICATION (when the
//!    personality knows them);
//! 4. the operation code: unknown to the codec or to the personality →
//!    05/20/00;
//! 5. commands that need a medium get 02/3A/02 (tray open), 02/3A/00 (tray
//!    closed, empty) or 02/30/00 (a medium the drive cannot use), then
//!    02/04/04, 02/04/07 with progress while a long operation runs;
//! 6. field checks (05/24/00, 05/26/00, 05/1A/00), then the command itself,
//!    whose medium rules come from [`crate::media`].
//!
//! Replies are built whole and truncated to the allocation length (and to
//! the host's buffer); `transferred` reports what moved. CHECK CONDITION
//! carries 18 bytes of fixed-format sense; REQUEST SENSE returns the last
//! sense, a pending unit attention, or the progress of a long operation.
//!
//! The handlers, one file per command family: `identity` (INQUIRY, REQUEST
//! SENSE, GET CONFIGURATION), `tray` (START STOP UNIT, PREVENT ALLOW MEDIUM
//! REMOVAL, MECHANISM STATUS), `events` (GET EVENT STATUS NOTIFICATION),
//! `mode` (MODE SENSE, MODE SELECT), `info` (READ CAPACITY, READ FORMAT
//! CAPACITIES, READ DISC INFORMATION, READ TRACK INFORMATION, READ TOC, READ
//! DISC STRUCTURE, READ BUFFER CAPACITY), `read` (READ, VERIFY, READ CD),
//! `write` (WRITE, SYNCHRONIZE CACHE, CLOSE TRACK/SESSION, RESERVE TRACK,
//! SEND CUE SHEET, SEND OPC INFORMATION, SEND DISC STRUCTURE), `format`
//! (BLANK, FORMAT UNIT), `speed` (GET PERFORMANCE, SET STREAMING, SET CD
//! SPEED); `fail` and `data` hold what they share (the sense of a refusal,
//! allocation lengths and parameter lists). This file keeps the recorder
//! itself: tray, medium, clock, journal, power, pacing.
//!
//! # Paced recorders
//!
//! A recorder with a pace ([`RecorderConfig::pace`], `pace 16x` in
//! `drive.state`) drains its write buffer against the wall clock at that
//! multiple of 1× ([`crate::clock::PacedBuffer`]), as a real drive's laser
//! does; everything else still runs on the virtual clock. WRITE data goes
//! into the buffer; a WRITE that does not fit is held (the call sleeps)
//! until the laser has made room, or with [`WhenFull::Report`] answered
//! 02/04/08 "long write in progress" (mmc-notes §1.5). SYNCHRONIZE CACHE
//! and CLOSE TRACK/SESSION flush: without Immed the command returns once
//! the buffer is on the medium, with Immed the unit reports 02/04/07 until
//! then. The buffer running empty in the middle of a recording — after a
//! WRITE and before the next, with no flush between — is a buffer
//! underrun, counted in [`WriteStats`]. With BUFE set in page 05h (buffer
//! under-run free recording, MMC-6 §7.5.4), and always on media where BUFE
//! does not apply and drives link losslessly (DVD+R, DVD+RW, BD, DVD-RAM,
//! DVD-RW restricted overwrite; mmc-notes §2.5), the drive survives it and
//! the burn goes on. With BUFE off on CD-R/RW and DVD-R/RW sequential
//! media the recording is ruined: the next WRITE fails with 03/0C/09
//! (write error, loss of streaming) and the track is left damaged and
//! unwritable ([`Medium::interrupt_recording`]). The time from the first
//! WRITE of each recording to its flush is summed in [`WriteStats`] too.
//! The virtual clock of a paced recorder ticks with elapsed time as well,
//! one tick per [`PACED_TICK`] (and still at least one per command), so the
//! long operations a host waits for on the wall clock — closing, blanking,
//! formatting — end after a time, not after a number of polls (mmc-notes
//! §6.2: per command or per elapsed real time, selectable). An unpaced
//! recorder never reads the wall clock.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use imapi2_mmc::cdb;
use imapi2_mmc::event::OperationalEventCode;
use imapi2_mmc::sense::Sense;

use crate::clock::{Busy, LongOpTicks, PacedBuffer, VirtualClock, WriteBuffer};
use crate::drive::{
    DriveRecord, DriveState, MediaEvent, Pace, Personality, Tray, WhenFull, WriteStats,
    BUFFER_BYTES, FAULT_PLAN_FILE, MAX_BUFFER_BYTES, MIN_BUFFER_BYTES,
};
use crate::error::{Error, Result, SenseCode};
use crate::fault::FaultPlan;
use crate::media::{BgFormatStatus, DiscStatus, Family, LongOp, Medium};
use crate::replies;
use crate::store::VirtualDisc;

mod data;
mod dispatch;
mod events;
mod fail;
mod format;
mod identity;
mod info;
mod mode;
mod read;
mod speed;
mod tray;
mod write;

use fail::Fail;

/// Wall time per tick of a paced recorder's virtual clock.
pub const PACED_TICK: Duration = Duration::from_millis(50);

/// Most ticks one command lets pass on a paced recorder (a drive left alone
/// for hours has long finished whatever it was doing).
const MAX_PACED_TICKS: u64 = 100_000;

/// Knobs of a recorder that are not part of any medium.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecorderConfig {
    /// Ticks each long operation keeps the unit busy (with Immed).
    pub ticks: LongOpTicks,
    /// The write buffer: its size, and for an unpaced recorder the
    /// virtual-clock model (off by default: it never fills).
    pub buffer: WriteBuffer,
    /// The pace of a paced recorder: its buffer drains against the wall
    /// clock at this multiple of 1× (None: unpaced, nothing reads the wall
    /// clock).
    pub pace: Option<Pace>,
    /// What a paced recorder does with a WRITE that finds the buffer full.
    pub when_full: WhenFull,
}

impl Default for RecorderConfig {
    fn default() -> RecorderConfig {
        RecorderConfig {
            ticks: LongOpTicks::default(),
            buffer: WriteBuffer::unlimited(BUFFER_BYTES),
            pace: None,
            when_full: WhenFull::Wait,
        }
    }
}

/// What the recorder keeps to undo writes after the last synchronization
/// when a power loss is planned.
#[derive(Debug, Clone)]
struct Journal {
    snapshot: Medium,
    undo: Vec<(i64, Vec<u8>)>,
    lost_sequential: bool,
}

/// The virtual recorder: a drive with a personality, a tray that may hold a
/// [`VirtualDisc`], a virtual clock and a fault plan, answering MMC command
/// blocks through [`ScsiTransport`](imapi2_mmc::ScsiTransport).
#[derive(Debug)]
pub struct VirtualRecorder {
    drive: DriveState,
    disc: Option<VirtualDisc>,
    shadow: Option<Medium>,
    clock: VirtualClock,
    busy: Option<Busy>,
    config: RecorderConfig,
    buffer: WriteBuffer,
    faults: FaultPlan,
    journal: Option<Journal>,
    last_sense: Option<Sense>,
    commands: u64,
    dir: Option<PathBuf>,
    opc: Vec<u16>,
    bg_seen: BgFormatStatus,
    paced: Option<PacedBuffer>,
    stats: WriteStats,
    /// `drive.state` as this handle last read or wrote it: a handle that
    /// changed nothing does not write it when dropped.
    stored_drive: std::cell::RefCell<Option<DriveRecord>>,
    last_write_end: Option<i64>,
    flushing: Option<(Instant, Instant)>,
    wall_mark: Instant,
}

/// True when a buffer underrun ruins a recording on `m` with BUFE off:
/// CD-R/RW and DVD-R/RW sequential media. DVD+R, BD and the overwritable
/// media link losslessly whatever page 05h says (mmc-notes §2.5: page 05h
/// does not apply there).
fn underrun_ruins(m: &Medium) -> bool {
    matches!(m.family(), Family::Cd | Family::DvdMinus)
}

/// A medium nothing was ever recorded on (its drive's write counters start
/// again when it goes in).
fn is_fresh(m: &Medium) -> bool {
    m.disc_status() == DiscStatus::Blank
        || (m.family() == Family::Overwritable && m.written().is_empty())
}

impl VirtualRecorder {
    /// A drive with an empty, closed tray, just powered on (06/29/00 pending).
    pub fn new(personality: Personality) -> VirtualRecorder {
        VirtualRecorder::with_config(personality, RecorderConfig::default())
    }

    /// A drive with custom timing and buffer knobs.
    pub fn with_config(personality: Personality, config: RecorderConfig) -> VirtualRecorder {
        let mut drive = DriveState::power_on(personality);
        drive.buffer_size = config.buffer.size;
        VirtualRecorder {
            drive,
            disc: None,
            shadow: None,
            clock: VirtualClock::new(),
            busy: None,
            config,
            buffer: config.buffer,
            faults: FaultPlan::new(),
            journal: None,
            last_sense: None,
            commands: 0,
            dir: None,
            opc: Vec::new(),
            bg_seen: BgFormatStatus::None,
            paced: config
                .pace
                .map(|_| PacedBuffer::new(config.buffer.size, Instant::now())),
            stats: WriteStats::default(),
            stored_drive: Default::default(),
            last_write_end: None,
            flushing: None,
            wall_mark: Instant::now(),
        }
    }

    /// A drive powered on with `disc` loaded.
    pub fn with_disc(personality: Personality, disc: VirtualDisc) -> VirtualRecorder {
        let mut r = VirtualRecorder::new(personality);
        r.load(disc);
        r.drive.media_events.clear();
        r.drive
            .unit_attention
            .retain(|&s| s != SenseCode::MEDIUM_CHANGED);
        r
    }

    /// Creates a drive whose state lives in directory `dir` (`drive.state`;
    /// a `faults.plan` there is loaded when the drive is opened).
    pub fn create(dir: impl AsRef<Path>, personality: Personality) -> Result<VirtualRecorder> {
        let dir = dir.as_ref().to_path_buf();
        let mut r = VirtualRecorder::new(personality);
        r.dir = Some(dir);
        r.save()?;
        Ok(r)
    }

    /// Opens the drive stored in `dir`: its personality, tray, the medium it
    /// held (reloaded from that medium's directory) and its fault plan.
    pub fn open(dir: impl AsRef<Path>) -> Result<VirtualRecorder> {
        let dir = dir.as_ref().to_path_buf();
        let rec = DriveRecord::load(&dir)?;
        let config = RecorderConfig {
            buffer: WriteBuffer::unlimited(rec.buffer_size),
            pace: rec.pace,
            when_full: rec.when_full,
            ..RecorderConfig::default()
        };
        let mut r = VirtualRecorder::with_config(rec.personality, config);
        *r.stored_drive.borrow_mut() = Some(rec.clone());
        r.stats = rec.stats;
        r.dir = Some(dir.clone());
        if let Some(m) = &rec.medium {
            r.disc = Some(VirtualDisc::open(m)?);
        }
        r.drive.tray = rec.tray;
        r.drive.write_speed = rec.write_speed;
        let kind = r.disc.as_ref().map(|d| d.medium().kind());
        r.drive.reset_write_parameters(kind);
        r.bg_seen = r
            .disc
            .as_ref()
            .map(|d| d.medium().bg_format_status())
            .unwrap_or(BgFormatStatus::None);
        let plan = dir.join(FAULT_PLAN_FILE);
        if plan.exists() {
            r.set_fault_plan(FaultPlan::load(&plan)?);
        }
        Ok(r)
    }

    /// Writes the drive and medium state files.
    pub fn save(&self) -> Result<()> {
        if let Some(d) = &self.disc {
            d.save()?;
        }
        self.save_drive()
    }

    /// Writes the drive state file only.
    fn save_drive(&self) -> Result<()> {
        if let Some(dir) = &self.dir {
            let record = self.record();
            record.save(dir)?;
            *self.stored_drive.borrow_mut() = Some(record);
        }
        Ok(())
    }

    /// What `drive.state` holds for this drive now.
    pub fn record(&self) -> DriveRecord {
        DriveRecord {
            personality: self.drive.personality,
            tray: self.drive.tray,
            medium: self.disc.as_ref().map(|d| d.dir().to_path_buf()),
            write_speed: self.drive.write_speed,
            pace: self.config.pace,
            buffer_size: self.config.buffer.size,
            when_full: self.config.when_full,
            stats: self.stats,
        }
    }

    /// True for a paced recorder: its write buffer drains against the wall
    /// clock, so a host must wait for it on the wall clock too.
    pub fn is_paced(&self) -> bool {
        self.config.pace.is_some()
    }

    /// The pace (None: unpaced).
    pub fn pace(&self) -> Option<Pace> {
        self.config.pace
    }

    /// Sets the pace (None: unpaced). A recording in progress ends: what
    /// the buffer held is taken as written.
    pub fn set_pace(&mut self, pace: Option<Pace>) {
        self.stop_recording();
        self.config.pace = pace;
        self.paced = pace.map(|_| PacedBuffer::new(self.config.buffer.size, Instant::now()));
        self.wall_mark = Instant::now();
    }

    /// The write buffer size in bytes.
    pub fn buffer_size(&self) -> u32 {
        self.config.buffer.size
    }

    /// Sets the write buffer size ([`MIN_BUFFER_BYTES`]..=[`MAX_BUFFER_BYTES`]);
    /// an empty buffer of that size replaces the current one.
    pub fn set_buffer_size(&mut self, bytes: u32) -> Result<()> {
        if !(MIN_BUFFER_BYTES..=MAX_BUFFER_BYTES).contains(&bytes) {
            return Err(Error::InvalidArgument {
                name: "buffer size",
                reason: format!("{bytes} bytes is outside {MIN_BUFFER_BYTES}..={MAX_BUFFER_BYTES}"),
            });
        }
        self.config.buffer.size = bytes;
        self.config.buffer.fill = 0;
        self.buffer = self.config.buffer;
        self.drive.buffer_size = bytes;
        let pace = self.config.pace;
        self.set_pace(pace);
        Ok(())
    }

    /// What a paced recorder does with a WRITE that finds the buffer full.
    pub fn when_full(&self) -> WhenFull {
        self.config.when_full
    }

    /// Sets what a paced recorder does with a WRITE that finds the buffer
    /// full.
    pub fn set_when_full(&mut self, when_full: WhenFull) {
        self.config.when_full = when_full;
    }

    /// Underruns counted and time spent writing (paced recorders only;
    /// kept in `drive.state`, reset when a new blank medium goes in).
    pub fn write_stats(&self) -> WriteStats {
        self.stats
    }

    /// Starts the underrun count and the writing time again.
    pub fn reset_write_stats(&mut self) {
        self.stats = WriteStats::default();
    }

    fn add_writing(&mut self, took: Option<Duration>) {
        if let Some(t) = took {
            self.stats.writing += t;
        }
    }

    /// The recording in progress stops where it is (the medium goes away,
    /// the power fails, the pace changes): what the buffer held is gone.
    fn stop_recording(&mut self) {
        self.last_write_end = None;
        self.flushing = None;
        if let Some(p) = &mut self.paced {
            let took = p.stop(Instant::now());
            self.add_writing(took);
        }
    }

    fn load(&mut self, disc: VirtualDisc) {
        self.stop_recording();
        let kind = disc.medium().kind();
        self.bg_seen = disc.medium().bg_format_status();
        self.disc = Some(disc);
        self.shadow = None;
        self.busy = None;
        self.opc.clear();
        self.drive.tray = Tray::Closed;
        self.drive.raise(SenseCode::MEDIUM_CHANGED);
        self.drive.media_events.push_back(MediaEvent::NewMedia);
        self.drive.reset_write_parameters(Some(kind));
        self.reset_journal();
    }

    /// Loads `disc` and closes the tray: 06/28/00 and a "new media" event
    /// follow. Refused when the tray already holds a medium.
    pub fn insert(&mut self, disc: VirtualDisc) -> Result<()> {
        if self.disc.is_some() {
            return Err(Error::InvalidArgument {
                name: "disc",
                reason: "the tray already holds a medium".into(),
            });
        }
        let fresh = is_fresh(disc.medium());
        self.load(disc);
        if fresh {
            self.reset_write_stats();
        }
        self.save()
    }

    /// Opens the tray and takes the medium out (its state saved). Refused
    /// while the host prevents removal.
    pub fn eject(&mut self) -> Result<Option<VirtualDisc>> {
        if self.drive.locked() {
            return Err(Error::RemovalPrevented);
        }
        self.open_tray_inner();
        let disc = self.disc.take();
        if let Some(d) = &disc {
            d.save()?;
        }
        self.save()?;
        Ok(disc)
    }

    /// The user presses the eject button: the tray opens, unless the host
    /// prevents removal, in which case the host sees an "eject request"
    /// event.
    pub fn press_eject_button(&mut self) {
        if self.drive.locked() {
            self.drive.media_events.push_back(MediaEvent::EjectRequest);
        } else {
            self.open_tray_inner();
        }
    }

    /// Closes the tray (reloading a medium left on it).
    pub fn close_tray(&mut self) {
        self.close_tray_inner();
    }

    fn open_tray_inner(&mut self) {
        if self.drive.tray == Tray::Open {
            return;
        }
        self.stop_recording();
        if let Some(d) = &self.disc {
            let _ = d.save();
            self.drive.media_events.push_back(MediaEvent::MediaRemoval);
        }
        self.drive.tray = Tray::Open;
        self.shadow = None;
        self.busy = None;
        // The tray is the one physical thing every handle on the drive sees.
        let _ = self.save_drive();
    }

    fn close_tray_inner(&mut self) {
        if self.drive.tray == Tray::Closed {
            return;
        }
        self.drive.tray = Tray::Closed;
        if let Some(d) = self.disc.take() {
            self.load(d);
        }
        let _ = self.save_drive();
    }

    /// The medium in the drive (on the tray, if the tray is open).
    pub fn disc(&self) -> Option<&VirtualDisc> {
        self.disc.as_ref()
    }

    /// The medium, to inspect or change it directly.
    pub fn disc_mut(&mut self) -> Option<&mut VirtualDisc> {
        self.disc.as_mut()
    }

    /// The model the host sees (the simulation copy during a test write).
    pub fn medium(&self) -> Option<&Medium> {
        self.shadow
            .as_ref()
            .or(self.disc.as_ref().map(VirtualDisc::medium))
    }

    /// True while a test write (simulation) runs on a copy of the medium.
    pub fn is_simulating(&self) -> bool {
        self.shadow.is_some()
    }

    /// The drive state (tray, lock, unit attentions, pages, speeds).
    pub fn drive(&self) -> &DriveState {
        &self.drive
    }

    /// The virtual clock.
    pub fn clock(&self) -> VirtualClock {
        self.clock
    }

    /// Lets `ticks` of virtual time pass without a command.
    pub fn advance(&mut self, ticks: u64) {
        for _ in 0..ticks {
            self.tick();
        }
    }

    /// Commands received so far.
    pub fn commands(&self) -> u64 {
        self.commands
    }

    /// The long operation in progress, if any.
    pub fn busy(&self) -> Option<Busy> {
        self.busy
    }

    /// Installs a fault plan (replacing the previous one) with its quirks.
    pub fn set_fault_plan(&mut self, plan: FaultPlan) {
        self.drive.lists_write_speeds = !plan.quirks.no_write_speeds;
        self.faults = plan;
        self.reset_journal();
    }

    /// The fault plan (with its firing counts).
    pub fn fault_plan(&self) -> &FaultPlan {
        &self.faults
    }

    fn reset_journal(&mut self) {
        self.journal = match (&self.disc, self.faults.can_lose_writes()) {
            (Some(d), true) => Some(Journal {
                snapshot: d.medium().clone(),
                undo: Vec::new(),
                lost_sequential: false,
            }),
            _ => None,
        };
    }

    fn sync_point(&mut self) {
        if let (Some(j), Some(d)) = (&mut self.journal, &self.disc) {
            j.snapshot = d.medium().clone();
            j.undo.clear();
            j.lost_sequential = false;
        }
    }

    /// Cuts the power: writes after the last synchronization are lost, the
    /// drive forgets its mode pages, locks and operations, and reports
    /// 06/29/00 to the next command. The tray and medium stay as they are.
    pub fn power_loss(&mut self) {
        self.lose_unsynchronized();
        self.stop_recording();
        let tray = self.drive.tray;
        let speed = self.drive.write_speed;
        let (buffer_size, lists) = (self.drive.buffer_size, self.drive.lists_write_speeds);
        self.drive = DriveState::power_on(self.drive.personality);
        self.drive.tray = tray;
        self.drive.write_speed = speed;
        self.drive.buffer_size = buffer_size;
        self.drive.lists_write_speeds = lists;
        let kind = self.disc.as_ref().map(|d| d.medium().kind());
        self.drive.reset_write_parameters(kind);
        self.shadow = None;
        self.busy = None;
        self.buffer.flush();
        self.last_sense = None;
        self.opc.clear();
        self.reset_journal();
    }

    /// The medium is pulled out before the next command (the fault plan's
    /// `remove-medium`; the emergency eject, which opens the tray whatever
    /// the lock says): what was written after the last synchronization
    /// never reached it (lost as with a power loss, the open tracks
    /// damaged), the drive raises a "media removal" event and reports no
    /// medium, tray open (02/3A/02), until the tray is closed again. The
    /// host's prevention stays as it was.
    pub fn remove_medium(&mut self) {
        self.lose_unsynchronized();
        self.open_tray_inner();
        self.reset_journal();
    }

    /// Undoes the writes after the last synchronization (when a plan that
    /// can lose them made the recorder keep a journal) and damages the open
    /// tracks they went to.
    fn lose_unsynchronized(&mut self) {
        if let (Some(j), Some(d)) = (self.journal.take(), self.disc.as_mut()) {
            for (lba, old) in j.undo.iter().rev() {
                let _ = d.write_user(*lba, old);
            }
            *d.medium_mut() = j.snapshot;
            if j.lost_sequential {
                d.medium_mut().mark_open_tracks_damaged();
            }
            let _ = d.save();
        }
    }

    /// GET CONFIGURATION (all features) as the host would see it now, built
    /// by the same code as the command, without sending one (no tick, no
    /// unit attention consumed).
    pub fn configuration(&self) -> imapi2_mmc::feature::Configuration {
        replies::configuration(
            &self.drive,
            self.usable_medium(),
            cdb::ConfigurationRequest::All,
            0,
        )
        .expect("request type All is valid")
    }

    /// READ DISC INFORMATION as the host would see it now (None without a
    /// usable medium).
    pub fn disc_information(&self) -> Option<imapi2_mmc::disc_info::DiscInformation> {
        self.usable_medium()
            .map(|m| replies::disc_information(m, &self.opc))
    }

    /// READ TRACK INFORMATION of track `number` as the host would see it now
    /// (0xFF: the invisible track, except on DVD-R/-RW sequential media,
    /// which answer only by track number).
    pub fn track_information(
        &self,
        number: u32,
    ) -> Option<imapi2_mmc::track_info::TrackInformation> {
        self.usable_medium()?
            .track_view(number)
            .map(|v| replies::track_information(&v))
    }

    /// Checks the model's invariants (mmc-notes §2.10) and the drive's own.
    pub fn check_invariants(&self) -> std::result::Result<(), String> {
        if let Some(d) = &self.disc {
            d.medium()
                .check_invariants()
                .map_err(|e| format!("medium: {e}"))?;
        }
        if let Some(s) = &self.shadow {
            s.check_invariants()
                .map_err(|e| format!("test-write copy: {e}"))?;
            if self.disc.is_none() {
                return Err("a test-write copy without a medium".into());
            }
        }
        if let Some(b) = &self.busy {
            if b.started > self.clock.now() {
                return Err("a long operation started in the future".into());
            }
        }
        if self.buffer.fill > self.buffer.size {
            return Err("the write buffer holds more than its size".into());
        }
        if DriveState::check_write_parameters(
            &self.drive.write_parameters,
            self.medium().map(Medium::kind),
        )
        .is_err()
        {
            return Err("page 05h holds values the medium cannot use".into());
        }
        Ok(())
    }

    /// The ticks a command brings: one; on a paced recorder as many as
    /// [`PACED_TICK`]s have passed since the last, at least one.
    fn command_ticks(&mut self) -> u64 {
        if self.paced.is_none() {
            return 1;
        }
        let now = Instant::now();
        let n = now.saturating_duration_since(self.wall_mark).as_nanos() / PACED_TICK.as_nanos();
        if n == 0 {
            return 1;
        }
        if n >= u128::from(MAX_PACED_TICKS) {
            self.wall_mark = now;
            return MAX_PACED_TICKS;
        }
        self.wall_mark += PACED_TICK * n as u32;
        n as u64
    }

    /// The time a command brings passes (see [`VirtualRecorder::command_ticks`]).
    fn command_tick(&mut self) {
        for _ in 0..self.command_ticks() {
            self.tick();
        }
    }

    fn tick(&mut self) {
        self.clock.advance(1);
        self.buffer.tick();
        if let Some(b) = self.busy {
            if !b.active(self.clock.now()) {
                self.busy = None;
            }
        }
        if self.drive.tray == Tray::Closed {
            if let Some(d) = self.disc.as_mut() {
                d.medium_mut().tick();
                let now = d.medium().bg_format_status();
                if now == BgFormatStatus::Complete && self.bg_seen == BgFormatStatus::InProgress {
                    self.drive
                        .media_events
                        .push_back(MediaEvent::BgFormatCompleted);
                }
                self.bg_seen = now;
            }
        }
    }

    fn start_long(&mut self, op: LongOp, immed: bool, sense: SenseCode) {
        let ticks = self.config.ticks.ticks(op);
        if immed && ticks > 0 {
            self.busy = Some(Busy::new(sense, self.clock.now(), ticks));
        }
    }

    /// The current profile changed (DVD-RW sequential ↔ restricted
    /// overwrite): announced by a GESN operational change event (class 1)
    /// only. No unit attention: libburn polls a long BLANK or FORMAT with
    /// TEST UNIT READY and tolerates only 02/04/xx, 02/3A/xx and 06/28/00
    /// there; 06/3F/02 would cancel the operation (mmc-notes §1.5, §2.3).
    fn profile_changed(&mut self) {
        self.drive
            .operational_events
            .push_back((OperationalEventCode::StateChanged.bits(), 1));
    }

    fn persist(&mut self) -> std::result::Result<(), Fail> {
        if let Some(d) = &self.disc {
            d.save()?;
        }
        Ok(())
    }

    fn medium_ready(&self) -> std::result::Result<(), SenseCode> {
        match (self.drive.tray, &self.disc) {
            (Tray::Open, _) => Err(SenseCode::NO_MEDIUM_TRAY_OPEN),
            (Tray::Closed, None) => Err(SenseCode::NO_MEDIUM),
            (Tray::Closed, Some(d)) if !self.drive.personality.can_hold(d.medium().kind()) => {
                Err(SenseCode::INCOMPATIBLE_MEDIUM_NOT_READY)
            }
            _ => Ok(()),
        }
    }

    fn usable_medium(&self) -> Option<&Medium> {
        self.medium_ready().ok()?;
        self.medium()
    }

    fn busy_sense(&self) -> Option<Sense> {
        if let Some(b) = self.busy {
            let now = self.clock.now();
            if b.active(now) {
                return Some(Sense::not_ready_with_progress(
                    b.sense.asc,
                    b.sense.ascq,
                    b.progress(now),
                ));
            }
        }
        // A paced recorder writing out its buffer after an Immed flush.
        let (start, end) = self.flushing?;
        let now = Instant::now();
        (now < end).then(|| {
            let done = now.saturating_duration_since(start).as_secs_f64();
            let all = end.saturating_duration_since(start).as_secs_f64().max(1e-9);
            let progress = ((done / all) * 65_536.0).min(65_535.0) as u16;
            let s = SenseCode::OPERATION_IN_PROGRESS;
            Sense::not_ready_with_progress(s.asc, s.ascq, progress)
        })
    }

    /// The medium commands act on: the test-write copy while simulating.
    fn target_medium(&mut self, simulate: bool) -> &mut Medium {
        if simulate && self.shadow.is_none() {
            let copy = self.disc.as_ref().map(|d| d.medium().clone());
            self.shadow = copy;
        }
        match (self.shadow.as_mut(), self.disc.as_mut()) {
            (Some(s), _) => s,
            (None, Some(d)) => d.medium_mut(),
            (None, None) => unreachable!("commands that change the medium check for one first"),
        }
    }

    fn simulating(&self) -> bool {
        let p = self.drive.write_params();
        p.test_write
            && self
                .disc
                .as_ref()
                .is_some_and(|d| d.medium().test_write_supported())
    }
}

/// A handle saves on the way out only what it changed: two handles on one
/// drive (a reader and a writer, as two programs opening one real drive)
/// must not put back what the other wrote.
impl Drop for VirtualRecorder {
    fn drop(&mut self) {
        if let Some(d) = &self.disc {
            let _ = d.save_if_changed();
        }
        if self.stored_drive.borrow().as_ref() != Some(&self.record()) {
            let _ = self.save_drive();
        }
    }
}
