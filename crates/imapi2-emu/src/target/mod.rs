//! [`VirtualRecorder`]: the drive as a [`ScsiTransport`].
//!
//! Every command goes through the same steps, in the order real drives and
//! QEMU's ATAPI table use (mmc-notes §6.2):
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

use std::path::{Path, PathBuf};

use imapi2_cd::msf::absolute_time;
use imapi2_cd::sector::{
    self, Header, MODE1_DATA_SIZE, SECTOR_SIZE, SUBCHANNEL_SIZE, SYNC, SYNC_HEADER_SIZE, SYNC_SIZE,
};
use imapi2_cd::subchannel::q::{SubQ, ADR_POSITION, CONTROL_DATA};
use imapi2_mmc::capacity::{BufferCapacity, Capacity, MechanismStatus};
use imapi2_mmc::cdb::{
    self, BlankType, CloseFunction, Command, DiscInformationType, HeaderCodes, PerformanceType,
    SectorType, SubChannelSelection, TrackAddressType, TrackReservation,
};
use imapi2_mmc::cue_sheet::{CueSheet, CueSheetEntry};
use imapi2_mmc::disc_structure::DiscStructure;
use imapi2_mmc::event::{
    class, Event, EventStatus, MediaEventCode, OperationalEventCode, PowerEventCode,
};
use imapi2_mmc::format::FormatUnitParameters;
use imapi2_mmc::inquiry::{InquiryData, SupportedVpdPages, UnitSerialNumber};
use imapi2_mmc::mode::{ModePage, ModeParameters};
use imapi2_mmc::sense::{Sense, SenseKey};
use imapi2_mmc::streaming::StreamingPerformance;
use imapi2_mmc::toc::msf_to_lba;
use imapi2_mmc::transport::{DataPhase, Request, Response, ScsiTransport, TransportError};

use crate::clock::{Busy, LongOpTicks, VirtualClock, WriteBuffer};
use crate::drive::{
    DriveRecord, DriveState, MediaEvent, Personality, Tray, BUFFER_BYTES, FAULT_PLAN_FILE,
    REVISION, VENDOR,
};
use crate::error::{Error, MediaError, Result, SenseCode};
use crate::fault::{CommandFacts, Effect, FaultPlan};
use crate::media::{
    BgFormatStatus, CuePoint, Family, FormatRequest, LongOp, Medium, ReadSource, TrackContent,
    WriteDest,
};
use crate::replies;
use crate::store::VirtualDisc;

/// Knobs of a recorder that are not part of any medium.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecorderConfig {
    /// Ticks each long operation keeps the unit busy (with Immed).
    pub ticks: LongOpTicks,
    /// The write buffer model (off by default: it never fills).
    pub buffer: WriteBuffer,
}

impl Default for RecorderConfig {
    fn default() -> RecorderConfig {
        RecorderConfig {
            ticks: LongOpTicks::default(),
            buffer: WriteBuffer::unlimited(BUFFER_BYTES),
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

/// Why a command did not complete with GOOD status.
enum Fail {
    Check(Sense),
    Transport(TransportError),
}

impl From<SenseCode> for Fail {
    fn from(s: SenseCode) -> Fail {
        Fail::Check(sense_of(s))
    }
}

impl From<MediaError> for Fail {
    fn from(e: MediaError) -> Fail {
        Fail::Check(sense_of(e.sense))
    }
}

/// What the drive reports when its backing files fail: internal target
/// failure.
const BROKEN_STORE: SenseCode = SenseCode::new(0x04, 0x44, 0x00);

impl From<Error> for Fail {
    fn from(_: Error) -> Fail {
        // The backing files failed: the drive reports an internal target failure.
        Fail::Check(sense_of(BROKEN_STORE))
    }
}

fn sense_of(s: SenseCode) -> Sense {
    Sense::new(SenseKey::from_u8(s.key), s.asc, s.ascq)
}

fn bad_request(reason: String) -> Fail {
    Fail::Transport(TransportError::BadRequest { reason })
}

type Outcome = std::result::Result<usize, Fail>;

/// The virtual recorder: a drive with a personality, a tray that may hold a
/// [`VirtualDisc`], a virtual clock and a fault plan, answering MMC command
/// blocks through [`ScsiTransport`].
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
}

impl std::fmt::Debug for Fail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Fail::Check(s) => write!(f, "{s:?}"),
            Fail::Transport(t) => write!(f, "{t:?}"),
        }
    }
}

impl VirtualRecorder {
    /// A drive with an empty, closed tray, just powered on (06/29/00 pending).
    pub fn new(personality: Personality) -> VirtualRecorder {
        VirtualRecorder::with_config(personality, RecorderConfig::default())
    }

    /// A drive with custom timing and buffer knobs.
    pub fn with_config(personality: Personality, config: RecorderConfig) -> VirtualRecorder {
        VirtualRecorder {
            drive: DriveState::power_on(personality),
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
        let mut r = VirtualRecorder::new(rec.personality);
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
        if let Some(dir) = &self.dir {
            DriveRecord {
                personality: self.drive.personality,
                tray: self.drive.tray,
                medium: self.disc.as_ref().map(|d| d.dir().to_path_buf()),
                write_speed: self.drive.write_speed,
            }
            .save(dir)?;
        }
        Ok(())
    }

    fn load(&mut self, disc: VirtualDisc) {
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
        self.load(disc);
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
        if let Some(d) = &self.disc {
            let _ = d.save();
            self.drive.media_events.push_back(MediaEvent::MediaRemoval);
        }
        self.drive.tray = Tray::Open;
        self.shadow = None;
        self.busy = None;
    }

    fn close_tray_inner(&mut self) {
        if self.drive.tray == Tray::Closed {
            return;
        }
        self.drive.tray = Tray::Closed;
        if let Some(d) = self.disc.take() {
            self.load(d);
        }
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

    /// Installs a fault plan (replacing the previous one).
    pub fn set_fault_plan(&mut self, plan: FaultPlan) {
        self.faults = plan;
        self.reset_journal();
    }

    /// The fault plan (with its firing counts).
    pub fn fault_plan(&self) -> &FaultPlan {
        &self.faults
    }

    fn reset_journal(&mut self) {
        self.journal = match (&self.disc, self.faults.has_power_loss()) {
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
        let tray = self.drive.tray;
        let speed = self.drive.write_speed;
        self.drive = DriveState::power_on(self.drive.personality);
        self.drive.tray = tray;
        self.drive.write_speed = speed;
        let kind = self.disc.as_ref().map(|d| d.medium().kind());
        self.drive.reset_write_parameters(kind);
        self.shadow = None;
        self.busy = None;
        self.buffer.flush();
        self.last_sense = None;
        self.opc.clear();
        self.reset_journal();
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
        let b = self.busy?;
        let now = self.clock.now();
        b.active(now)
            .then(|| Sense::not_ready_with_progress(b.sense.asc, b.sense.ascq, b.progress(now)))
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

fn allow_during_unit_attention(op: u8) -> bool {
    use cdb::opcode::*;
    matches!(
        op,
        INQUIRY | REQUEST_SENSE | GET_CONFIGURATION | GET_EVENT_STATUS_NOTIFICATION
    )
}

fn needs_medium(op: u8) -> bool {
    use cdb::opcode::*;
    matches!(
        op,
        TEST_UNIT_READY
            | FORMAT_UNIT
            | READ_6
            | READ_CAPACITY
            | READ_10
            | READ_12
            | WRITE_10
            | WRITE_12
            | WRITE_AND_VERIFY_10
            | VERIFY_10
            | SYNCHRONIZE_CACHE
            | READ_TOC_PMA_ATIP
            | READ_DISC_INFORMATION
            | READ_TRACK_INFORMATION
            | RESERVE_TRACK
            | SEND_OPC_INFORMATION
            | CLOSE_TRACK_SESSION
            | SEND_CUE_SHEET
            | BLANK
            | GET_PERFORMANCE
            | READ_DISC_STRUCTURE
            | SEND_DISC_STRUCTURE
            | READ_CD
    )
}

/// Blocks a block command touches, for fault rules.
fn block_range(cmd: &Command) -> Option<(i64, i64)> {
    let (lba, n) = match *cmd {
        Command::Read6 {
            lba,
            transfer_length,
        } => (
            i64::from(lba),
            if transfer_length == 0 {
                256
            } else {
                i64::from(transfer_length)
            },
        ),
        Command::Read10 {
            lba,
            transfer_length,
            ..
        } => (i64::from(lba), i64::from(transfer_length)),
        Command::Read12 {
            lba,
            transfer_length,
            ..
        } => (i64::from(lba), i64::from(transfer_length)),
        Command::Write10 {
            lba,
            transfer_length,
            ..
        } => (i64::from(lba), i64::from(transfer_length)),
        Command::Write12 {
            lba,
            transfer_length,
            ..
        } => (i64::from(lba), i64::from(transfer_length)),
        Command::WriteAndVerify10 {
            lba,
            transfer_length,
            ..
        } => (i64::from(lba), i64::from(transfer_length)),
        Command::Verify10 {
            lba,
            verification_length,
            ..
        } => (i64::from(lba), i64::from(verification_length)),
        Command::ReadCd {
            lba,
            transfer_length,
            ..
        } => (i64::from(lba), i64::from(transfer_length)),
        _ => return None,
    };
    Some((lba, lba + n))
}

/// Copies `reply` into the host's buffer, truncated to the allocation length.
fn give(data: &mut DataPhase<'_>, reply: &[u8], allocation: usize) -> usize {
    match data {
        DataPhase::In(buf) => {
            let n = reply.len().min(allocation).min(buf.len());
            buf[..n].copy_from_slice(&reply[..n]);
            n
        }
        _ => 0,
    }
}

fn data_out<'a>(data: &'a DataPhase<'_>) -> &'a [u8] {
    match data {
        DataPhase::Out(b) => b,
        _ => &[],
    }
}

/// The parameter list of a data-out command: exactly `len` bytes from the
/// data phase (a shorter data phase is a malformed request).
fn parameters<'a>(
    data: &'a DataPhase<'_>,
    len: usize,
    name: &str,
) -> std::result::Result<&'a [u8], Fail> {
    let out = data_out(data);
    if out.len() < len {
        return Err(bad_request(format!(
            "{name}: parameter list length {len}, the data phase holds {} bytes",
            out.len()
        )));
    }
    Ok(&out[..len])
}

impl ScsiTransport for VirtualRecorder {
    fn execute(&mut self, request: Request<'_>) -> std::result::Result<Response, TransportError> {
        let Request {
            cdb,
            mut data,
            timeout,
        } = request;
        if cdb.is_empty() || cdb.len() > 16 {
            return Err(TransportError::BadRequest {
                reason: format!("a CDB of {} bytes", cdb.len()),
            });
        }
        self.commands += 1;
        self.tick();
        let op = cdb[0];
        let decoded = cdb::cdb_length(op)
            .filter(|&n| cdb.len() >= n)
            .and_then(|_| Command::decode(cdb).ok());
        let facts = CommandFacts {
            index: self.commands,
            opcode: op,
            lbas: decoded.as_ref().and_then(block_range),
        };
        match self.faults.check(facts) {
            Some(Effect::Sense(s)) => return Ok(self.check(sense_of(s))),
            Some(Effect::Timeout) => return Err(TransportError::Timeout { after: timeout }),
            Some(Effect::NoDevice) => {
                return Err(TransportError::NoDevice {
                    device: self.device_name(),
                })
            }
            Some(Effect::PowerLoss) => self.power_loss(),
            None => {}
        }
        let known = cdb::cdb_length(op);
        if let Some(len) = known.filter(|&n| cdb.len() < n) {
            return Err(TransportError::BadRequest {
                reason: format!(
                    "{} needs a {len}-byte CDB, got {}",
                    cdb::opcode_name(op).unwrap_or("?"),
                    cdb.len()
                ),
            });
        }
        let supported = known.is_some() && self.drive.personality.supports_opcode(op);
        if !(supported && allow_during_unit_attention(op)) {
            if let Some(ua) = self.drive.unit_attention.pop_front() {
                return Ok(self.check(sense_of(ua)));
            }
        }
        if !supported {
            return Ok(self.check(sense_of(SenseCode::INVALID_OPCODE)));
        }
        let Some(cmd) = decoded else {
            return Ok(self.check(sense_of(SenseCode::INVALID_FIELD_IN_CDB)));
        };
        if needs_medium(op) {
            if let Err(s) = self.medium_ready() {
                return Ok(self.check(sense_of(s)));
            }
            if let Some(s) = self.busy_sense() {
                return Ok(self.check(s));
            }
        }
        match self.dispatch(cmd, &mut data) {
            Ok(n) => Ok(Response::good(n)),
            Err(Fail::Check(s)) => Ok(self.check(s)),
            Err(Fail::Transport(t)) => Err(t),
        }
    }

    fn device_name(&self) -> String {
        match (&self.dir, &self.disc) {
            (Some(d), _) => format!("virtual:{}", d.display()),
            (None, Some(disc)) => format!("virtual:{}", disc.dir().display()),
            (None, None) => format!("virtual:{}", self.drive.personality.name()),
        }
    }
}

impl VirtualRecorder {
    fn check(&mut self, sense: Sense) -> Response {
        let bytes = sense.encode();
        self.last_sense = Some(sense);
        Response::check_condition(bytes)
    }

    fn dispatch(&mut self, cmd: Command, data: &mut DataPhase<'_>) -> Outcome {
        match cmd {
            Command::TestUnitReady => Ok(0),
            Command::RequestSense {
                allocation_length, ..
            } => {
                let sense = self.request_sense();
                Ok(give(data, &sense.encode(), usize::from(allocation_length)))
            }
            Command::Inquiry {
                evpd,
                page_code,
                allocation_length,
            } => {
                let reply = self.inquiry(evpd, page_code)?;
                Ok(give(data, &reply, usize::from(allocation_length)))
            }
            Command::StartStopUnit {
                load_eject, start, ..
            } => self.start_stop(load_eject, start),
            Command::PreventAllowMediumRemoval {
                persistent,
                prevent,
            } => {
                if persistent {
                    self.drive.persistent_prevent = prevent;
                } else if prevent {
                    self.drive.prevent = self.drive.prevent.saturating_add(1);
                } else {
                    self.drive.prevent = self.drive.prevent.saturating_sub(1);
                }
                Ok(0)
            }
            Command::ReadFormatCapacities { allocation_length } => {
                let reply =
                    replies::format_capacities(self.usable_medium(), self.drive.personality)
                        .encode();
                Ok(give(data, &reply, usize::from(allocation_length)))
            }
            Command::ReadCapacity => {
                let m = self.medium().expect("checked");
                let reply = Capacity {
                    last_lba: m.last_lba(),
                    block_length: 2048,
                }
                .encode();
                Ok(give(data, &reply, 8))
            }
            Command::Read6 {
                lba,
                transfer_length,
            } => {
                let n = if transfer_length == 0 {
                    256
                } else {
                    u32::from(transfer_length)
                };
                self.read(i64::from(lba), n, data, "READ(6)")
            }
            Command::Read10 {
                lba,
                transfer_length,
                ..
            } => self.read(i64::from(lba), u32::from(transfer_length), data, "READ(10)"),
            Command::Read12 {
                lba,
                transfer_length,
                ..
            } => self.read(i64::from(lba), transfer_length, data, "READ(12)"),
            Command::Write10 {
                lba,
                transfer_length,
                ..
            } => self.write(
                i64::from(lba),
                u32::from(transfer_length),
                data,
                "WRITE(10)",
            ),
            Command::Write12 {
                lba,
                transfer_length,
                ..
            } => self.write(i64::from(lba), transfer_length, data, "WRITE(12)"),
            Command::WriteAndVerify10 {
                lba,
                transfer_length,
                ..
            } => self.write(
                i64::from(lba),
                u32::from(transfer_length),
                data,
                "WRITE AND VERIFY(10)",
            ),
            Command::Verify10 {
                bytchk,
                lba,
                verification_length,
            } => self.verify(i64::from(lba), u32::from(verification_length), bytchk, data),
            Command::SynchronizeCache { immed, .. } => self.synchronize(immed),
            Command::ReadToc {
                msf,
                format,
                track_session,
                allocation_length,
            } => {
                let m = self.medium().expect("checked");
                let reply = replies::toc(m, format.bits(), msf, track_session)?;
                Ok(give(data, &reply, usize::from(allocation_length)))
            }
            Command::GetConfiguration {
                request,
                starting_feature,
                allocation_length,
            } => {
                let c = replies::configuration(
                    &self.drive,
                    self.usable_medium(),
                    request,
                    starting_feature,
                )?;
                Ok(give(data, &c.encode(), usize::from(allocation_length)))
            }
            Command::GetEventStatusNotification {
                polled,
                class_request,
                allocation_length,
            } => {
                if !polled {
                    return Err(SenseCode::INVALID_FIELD_IN_CDB.into());
                }
                let reply = self.event_status(class_request).encode();
                Ok(give(data, &reply, usize::from(allocation_length)))
            }
            Command::ReadDiscInformation {
                data_type,
                allocation_length,
            } => {
                if data_type != DiscInformationType::Standard {
                    return Err(SenseCode::INVALID_FIELD_IN_CDB.into());
                }
                let m = self.medium().expect("checked");
                let reply = replies::disc_information(m, &self.opc).encode();
                Ok(give(data, &reply, usize::from(allocation_length)))
            }
            Command::ReadTrackInformation {
                open,
                address_type,
                number,
                allocation_length,
            } => {
                let m = self.medium().expect("checked");
                let view = match address_type {
                    TrackAddressType::Lba => m.track_view_at(i64::from(number as i32)),
                    TrackAddressType::Track if number == 0 => None,
                    TrackAddressType::Track => m.track_view(number),
                    TrackAddressType::Session if open => m
                        .tracks()
                        .iter()
                        .find(|t| t.session == number && t.nwa().is_some())
                        .and_then(|t| m.track_view(t.number)),
                    TrackAddressType::Session => m.track_view_of_session(number),
                    TrackAddressType::Reserved => None,
                };
                let Some(view) = view else {
                    return Err(SenseCode::INVALID_FIELD_IN_CDB.into());
                };
                let reply = replies::track_information(&view).encode();
                Ok(give(data, &reply, usize::from(allocation_length)))
            }
            Command::ReserveTrack { rmz, reservation } => {
                let TrackReservation::Size(blocks) = reservation else {
                    return Err(SenseCode::INVALID_FIELD_IN_CDB.into());
                };
                if rmz {
                    return Err(SenseCode::INVALID_FIELD_IN_CDB.into());
                }
                let simulate = self.simulating();
                self.target_medium(simulate).reserve_track(blocks)?;
                self.sync_point();
                self.persist()?;
                Ok(0)
            }
            Command::SendOpcInformation {
                do_opc,
                parameter_length,
                ..
            } => {
                let _ = parameters(data, usize::from(parameter_length), "SEND OPC INFORMATION")?;
                let m = self.medium().expect("checked");
                if m.write_protected() {
                    return Err(SenseCode::WRITE_PROTECTED.into());
                }
                if do_opc {
                    let speed = self
                        .drive
                        .current_write_speed(&self.drive.personality.write_speeds(m.kind()));
                    let speed = speed.min(0xFFFF) as u16;
                    if !self.opc.contains(&speed) {
                        self.opc.push(speed);
                    }
                }
                Ok(usize::from(parameter_length))
            }
            Command::ModeSelect10 {
                pf,
                sp,
                parameter_length,
            } => {
                let list = parameters(data, usize::from(parameter_length), "MODE SELECT(10)")?;
                self.mode_select(pf, sp, list, true)?;
                Ok(list.len())
            }
            Command::ModeSelect6 {
                pf,
                sp,
                parameter_length,
            } => {
                let list = parameters(data, usize::from(parameter_length), "MODE SELECT(6)")?;
                self.mode_select(pf, sp, list, false)?;
                Ok(list.len())
            }
            Command::ModeSense10 {
                page_control,
                page_code,
                subpage,
                allocation_length,
                ..
            } => {
                if subpage != 0 {
                    return Err(SenseCode::INVALID_FIELD_IN_CDB.into());
                }
                let pages = replies::mode_pages(
                    &self.drive,
                    self.usable_medium(),
                    page_code,
                    page_control,
                )?;
                let reply = ModeParameters {
                    pages,
                    ..Default::default()
                }
                .encode10();
                Ok(give(data, &reply, usize::from(allocation_length)))
            }
            Command::ModeSense6 {
                page_control,
                page_code,
                subpage,
                allocation_length,
                ..
            } => {
                if subpage != 0 {
                    return Err(SenseCode::INVALID_FIELD_IN_CDB.into());
                }
                let pages = replies::mode_pages(
                    &self.drive,
                    self.usable_medium(),
                    page_code,
                    page_control,
                )?;
                let reply = ModeParameters {
                    pages,
                    ..Default::default()
                }
                .encode6();
                Ok(give(data, &reply, usize::from(allocation_length)))
            }
            Command::CloseTrackSession {
                immed,
                function,
                number,
            } => self.close(immed, function, number),
            Command::ReadBufferCapacity {
                block,
                allocation_length,
            } => {
                let reply = if block {
                    BufferCapacity::Blocks {
                        available: self.buffer.free() / 2048,
                    }
                } else {
                    BufferCapacity::Bytes {
                        length: self.buffer.size,
                        available: self.buffer.free(),
                    }
                };
                Ok(give(data, &reply.encode(), usize::from(allocation_length)))
            }
            Command::SendCueSheet { size } => self.send_cue_sheet(size as usize, data),
            Command::Blank {
                immed,
                blank_type,
                address,
            } => self.blank(immed, blank_type, address),
            Command::FormatUnit {
                fmt_data,
                format_code,
                ..
            } => self.format_unit(fmt_data, format_code, data),
            Command::GetPerformance {
                data_type,
                max_descriptors,
                performance_type,
                ..
            } => {
                let m = self.medium().expect("checked");
                let reply = match performance_type {
                    PerformanceType::WriteSpeed => {
                        // Header (8 bytes) with the length of the whole list,
                        // then at most `max_descriptors` 16-byte descriptors.
                        let mut r = replies::write_speed_list(&self.drive, m).encode();
                        r.truncate(8 + 16 * usize::from(max_descriptors));
                        r
                    }
                    PerformanceType::Performance => {
                        replies::performance(&self.drive, m, data_type).encode()
                    }
                    _ => return Err(SenseCode::INVALID_FIELD_IN_CDB.into()),
                };
                Ok(give(data, &reply, usize::MAX))
            }
            Command::ReadDiscStructure {
                media_type,
                layer,
                format,
                allocation_length,
                ..
            } => {
                let m = self.medium().expect("checked");
                let reply = replies::disc_structure(m, media_type, format, layer)?.encode();
                Ok(give(data, &reply, usize::from(allocation_length)))
            }
            Command::SendDiscStructure {
                media_type,
                format,
                parameter_length,
                ..
            } => self.send_disc_structure(media_type, format, usize::from(parameter_length), data),
            Command::SetStreaming {
                streaming_type,
                parameter_length,
            } => {
                let list = parameters(data, usize::from(parameter_length), "SET STREAMING")?;
                match streaming_type {
                    0x00 => {
                        let p = StreamingPerformance::decode(list)
                            .map_err(|_| Fail::from(SenseCode::PARAMETER_LIST_LENGTH))?;
                        let speeds = self.speeds();
                        if let Some(w) = p.write_kbps() {
                            self.drive
                                .select_write_speed(w.min(u64::from(u32::MAX)) as u32, &speeds);
                        }
                        if let Some(r) = p.read_kbps() {
                            self.drive.read_speed = Some(r.min(u64::from(u32::MAX)) as u32);
                        }
                    }
                    0x05 => {}
                    _ => return Err(SenseCode::INVALID_FIELD_IN_CDB.into()),
                }
                Ok(list.len())
            }
            Command::SetCdSpeed {
                read_speed,
                write_speed,
                ..
            } => {
                let speeds = self.speeds();
                self.drive
                    .select_write_speed(u32::from(write_speed), &speeds);
                self.drive.read_speed = (read_speed != 0xFFFF).then_some(u32::from(read_speed));
                Ok(0)
            }
            Command::MechanismStatus { allocation_length } => {
                let reply = MechanismStatus {
                    fault: false,
                    changer_state: 0,
                    current_slot: 0,
                    mechanism_state: if self.busy.is_some() { 3 } else { 0 },
                    door_open: self.drive.tray == Tray::Open,
                    current_lba: 0,
                    slots_available: 0,
                    slots: Vec::new(),
                }
                .encode();
                Ok(give(data, &reply, usize::from(allocation_length)))
            }
            Command::ReadCd {
                sector_type,
                lba,
                transfer_length,
                sync,
                header_codes,
                user_data,
                edc_ecc,
                c2,
                subchannel,
                ..
            } => {
                let c2_len = match c2 {
                    cdb::C2ErrorInfo::None => 0,
                    cdb::C2ErrorInfo::Reserved => {
                        return Err(SenseCode::INVALID_FIELD_IN_CDB.into())
                    }
                    cdb::C2ErrorInfo::C2Bits => 294,
                    cdb::C2ErrorInfo::C2AndBlockBits => 296,
                };
                let flags = ReadCdFlags {
                    sector_type,
                    sync,
                    header_codes,
                    user_data,
                    edc_ecc,
                    c2_len,
                    subchannel,
                };
                self.read_cd(i64::from(lba), transfer_length, flags, data)
            }
        }
    }

    fn speeds(&self) -> Vec<u32> {
        let kind = self
            .usable_medium()
            .map(Medium::kind)
            .unwrap_or(crate::media::MediaKind::CdR);
        self.drive.personality.write_speeds(kind)
    }

    fn request_sense(&mut self) -> Sense {
        if let Some(ua) = self.drive.unit_attention.pop_front() {
            return sense_of(ua);
        }
        if let Some(s) = self.busy_sense() {
            return s;
        }
        if let Err(s) = self.medium_ready() {
            return sense_of(s);
        }
        self.last_sense
            .take()
            .unwrap_or_else(|| Sense::new(SenseKey::NoSense, 0, 0))
    }

    fn inquiry(&self, evpd: bool, page: u8) -> std::result::Result<Vec<u8>, Fail> {
        let p = self.drive.personality;
        if !evpd {
            if page != 0 {
                return Err(SenseCode::INVALID_FIELD_IN_CDB.into());
            }
            let mut d = InquiryData::mmc(VENDOR, p.product(), REVISION);
            if p == Personality::Mmc1CdWriter {
                d.version = 2;
            }
            return Ok(d.encode());
        }
        match page {
            0x00 => Ok(SupportedVpdPages {
                peripheral: 0x05,
                pages: vec![0x00, 0x80],
            }
            .encode()),
            0x80 => Ok(UnitSerialNumber {
                peripheral: 0x05,
                serial: replies::serial(p),
            }
            .encode()),
            _ => Err(SenseCode::INVALID_FIELD_IN_CDB.into()),
        }
    }

    fn start_stop(&mut self, load_eject: bool, start: bool) -> Outcome {
        if !load_eject {
            return Ok(0);
        }
        if start {
            self.close_tray_inner();
            return Ok(0);
        }
        if self.drive.locked() {
            return Err(SenseCode::REMOVAL_PREVENTED.into());
        }
        if let Some(s) = self.busy_sense() {
            return Err(Fail::Check(s));
        }
        self.open_tray_inner();
        Ok(0)
    }

    fn event_status(&mut self, request: u8) -> EventStatus {
        let supported = (1 << class::OPERATIONAL_CHANGE)
            | (1 << class::POWER_MANAGEMENT)
            | (1 << class::MEDIA)
            | (1 << class::DEVICE_BUSY);
        let wanted = request & supported;
        if wanted == 0 {
            return EventStatus {
                nea: true,
                class: 0,
                supported_classes: supported,
                event: None,
            };
        }
        let asks = |c: u8| wanted & (1 << c) != 0;
        let tray_open = self.drive.tray == Tray::Open;
        let present = !tray_open && self.disc.is_some();
        if asks(class::OPERATIONAL_CHANGE) {
            if let Some((event, change)) = self.drive.operational_events.pop_front() {
                return EventStatus {
                    nea: false,
                    class: class::OPERATIONAL_CHANGE,
                    supported_classes: supported,
                    event: Some(Event::OperationalChange {
                        event: OperationalEventCode::from_bits(event),
                        persistent_prevented: self.drive.persistent_prevent,
                        status: 0,
                        change,
                    }),
                };
            }
        }
        if asks(class::MEDIA) {
            if let Some(e) = self.drive.media_events.pop_front() {
                return EventStatus::media(
                    supported,
                    MediaEventCode::from_bits(e.code()),
                    present,
                    tray_open,
                );
            }
        }
        // Nothing pending: "no change" for the lowest class asked.
        let c = (1..8).find(|&c| asks(c)).unwrap_or(class::MEDIA);
        let event = match c {
            class::OPERATIONAL_CHANGE => Event::OperationalChange {
                event: OperationalEventCode::NoChange,
                persistent_prevented: self.drive.persistent_prevent,
                status: 0,
                change: 0,
            },
            class::POWER_MANAGEMENT => Event::Power {
                event: PowerEventCode::NoChange,
                status: 1,
            },
            class::MEDIA => Event::Media {
                event: MediaEventCode::NoChange,
                media_present: present,
                door_open: tray_open,
                start_slot: 0,
                end_slot: 0,
            },
            _ => Event::Other([0, u8::from(self.busy.is_some()), 0, 0]),
        };
        EventStatus {
            nea: false,
            class: c,
            supported_classes: supported,
            event: Some(event),
        }
    }

    fn mode_select(
        &mut self,
        pf: bool,
        sp: bool,
        list: &[u8],
        ten: bool,
    ) -> std::result::Result<(), Fail> {
        if !pf || sp {
            return Err(SenseCode::INVALID_FIELD_IN_CDB.into());
        }
        if list.is_empty() {
            return Ok(());
        }
        let decoded = if ten {
            ModeParameters::decode10(list)
        } else {
            ModeParameters::decode6(list)
        };
        let params = decoded.map_err(|_| Fail::from(SenseCode::PARAMETER_LIST_LENGTH))?;
        if params.truncated {
            return Err(SenseCode::PARAMETER_LIST_LENGTH.into());
        }
        let kind = self.usable_medium().map(Medium::kind);
        let header = if ten { 8 } else { 4 } + params.block_descriptors.len();
        for page in &params.pages {
            match page {
                ModePage::WriteParameters(p) => {
                    if let Err(byte) = DriveState::check_write_parameters(p, kind) {
                        return Err(Fail::Check(Sense::invalid_parameter_field(
                            (header as u16) + byte,
                            None,
                        )));
                    }
                }
                ModePage::ErrorRecovery(_) => {}
                _ => {
                    return Err(Fail::Check(Sense::invalid_parameter_field(
                        header as u16,
                        None,
                    )))
                }
            }
        }
        for page in params.pages {
            match page {
                ModePage::WriteParameters(mut p) => {
                    p.ps = false;
                    if !p.test_write {
                        self.shadow = None;
                    }
                    self.drive.write_parameters = p;
                }
                ModePage::ErrorRecovery(mut p) => {
                    p.ps = false;
                    self.drive.error_recovery = p;
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn read(&mut self, lba: i64, blocks: u32, data: &mut DataPhase<'_>, name: &str) -> Outcome {
        let needed = blocks as usize * 2048;
        let DataPhase::In(buf) = data else {
            if blocks == 0 {
                return Ok(0);
            }
            return Err(bad_request(format!(
                "{name} of {blocks} blocks without a data-in buffer"
            )));
        };
        if buf.len() < needed {
            return Err(bad_request(format!(
                "{name} of {blocks} blocks needs {needed} bytes, the buffer holds {}",
                buf.len()
            )));
        }
        let extents = self.medium().expect("checked").plan_read(lba, blocks)?;
        if let Some(bad) = self.faults.defect_in(lba, lba + i64::from(blocks)) {
            return Err(Fail::Check(
                sense_of(SenseCode::UNRECOVERED_READ_ERROR).with_information(bad as u32),
            ));
        }
        let disc = self.disc.as_mut().expect("checked");
        for e in extents {
            let at = (e.lba - lba) as usize * 2048;
            let dest = &mut buf[at..at + e.count as usize * 2048];
            match e.source {
                ReadSource::User => disc.read_user(e.lba, dest)?,
                ReadSource::Zero => dest.fill(0),
                ReadSource::Raw(size) => {
                    let mut frame = vec![0u8; usize::from(size)];
                    for (i, out) in dest.chunks_mut(2048).enumerate() {
                        disc.read_raw(e.lba + i as i64, usize::from(size), &mut frame)?;
                        let user =
                            sector::user_data(&frame).map_err(|_| Fail::from(BROKEN_STORE))?;
                        out.copy_from_slice(user);
                    }
                }
            }
        }
        Ok(needed)
    }

    fn write(&mut self, lba: i64, blocks: u32, data: &mut DataPhase<'_>, name: &str) -> Outcome {
        let params = self.drive.write_params();
        let simulate = self.simulating();
        let plan = self
            .target_medium(simulate)
            .plan_write(lba, blocks, &params)?;
        let bytes = plan.bytes();
        let out = data_out(data);
        if out.len() < bytes {
            return Err(bad_request(format!(
                "{name} of {blocks} blocks needs {bytes} bytes, the data phase holds {}",
                out.len()
            )));
        }
        self.buffer.accept(bytes.min(u32::MAX as usize) as u32)?;
        let mut subq = Vec::new();
        if !simulate {
            let disc = self.disc.as_mut().expect("checked");
            let overwritable = disc.medium().family() == Family::Overwritable;
            let mut at = 0usize;
            for e in &plan.extents {
                let len = e.count as usize * usize::from(e.block_size);
                let chunk = &out[at..at + len];
                at += len;
                match e.dest {
                    WriteDest::User => {
                        if let Some(j) = &mut self.journal {
                            if overwritable {
                                let mut old = vec![0u8; len];
                                disc.read_user(e.lba, &mut old)?;
                                j.undo.push((e.lba, old));
                            } else {
                                j.lost_sequential = true;
                            }
                        }
                        disc.write_user(e.lba, chunk)?;
                    }
                    WriteDest::Raw(size) => {
                        if let Some(j) = &mut self.journal {
                            j.lost_sequential = true;
                        }
                        disc.write_raw(e.lba, usize::from(size), chunk)?;
                        if plan.extents.len() == 1 && disc.medium().sao_layout().is_none() {
                            for frame in chunk.chunks(usize::from(size)) {
                                subq.push(
                                    SubQ::from_frame(frame, params.data_block_type.bits())
                                        .ok()
                                        .filter(|q| q.adr == 1)
                                        .map(|q| (q.tno, q.index, q.control)),
                                );
                            }
                        }
                    }
                    WriteDest::Discard => {}
                }
            }
        }
        self.target_medium(simulate)
            .apply_write(&plan, &params, &subq);
        Ok(bytes)
    }

    fn verify(&mut self, lba: i64, blocks: u32, bytchk: bool, data: &mut DataPhase<'_>) -> Outcome {
        let needed = blocks as usize * 2048;
        let out = data_out(data);
        if bytchk && out.len() < needed {
            return Err(bad_request(format!(
                "VERIFY(10) with BYTCHK needs {needed} bytes, the data phase holds {}",
                out.len()
            )));
        }
        // Read (and compare) in chunks: the whole range is checked without
        // holding it in memory.
        const CHUNK: u32 = 64;
        let mut buf = vec![0u8; CHUNK as usize * 2048];
        let mut done = 0u32;
        while done < blocks {
            let n = CHUNK.min(blocks - done);
            let at = lba + i64::from(done);
            let part = &mut buf[..n as usize * 2048];
            self.read(at, n, &mut DataPhase::In(part), "VERIFY(10)")?;
            if bytchk {
                let expect = &out[done as usize * 2048..(done + n) as usize * 2048];
                if let Some(i) = (0..part.len()).find(|&i| part[i] != expect[i]) {
                    let bad = at + (i / 2048) as i64;
                    return Err(Fail::Check(
                        sense_of(SenseCode::new(0x0E, 0x1D, 0x00)).with_information(bad as u32),
                    ));
                }
            }
            done += n;
        }
        Ok(if bytchk { needed } else { 0 })
    }

    fn synchronize(&mut self, immed: bool) -> Outcome {
        self.buffer.flush();
        let params = self.drive.write_params();
        let simulate = self.shadow.is_some();
        let op = self.target_medium(simulate).synchronize(&params);
        if simulate && matches!(op, LongOp::CloseSession | LongOp::Finalize) {
            self.shadow = None;
        }
        self.start_long(op.max_flush(), immed, SenseCode::OPERATION_IN_PROGRESS);
        self.sync_point();
        if let Some(d) = &mut self.disc {
            d.flush()?;
        }
        self.persist()?;
        Ok(0)
    }

    fn close(&mut self, immed: bool, function: CloseFunction, number: u16) -> Outcome {
        let params = self.drive.write_params();
        let simulate = self.shadow.is_some();
        let op = self
            .target_medium(simulate)
            .close(function.bits(), u32::from(number), &params)?;
        if simulate && matches!(op, LongOp::CloseSession | LongOp::Finalize) {
            self.shadow = None;
        }
        self.start_long(op, immed, SenseCode::OPERATION_IN_PROGRESS);
        self.sync_point();
        self.persist()?;
        Ok(0)
    }

    fn blank(&mut self, immed: bool, blank_type: BlankType, address: u32) -> Outcome {
        self.shadow = None;
        let disc = self.disc.as_mut().expect("checked");
        let out = disc.medium_mut().blank(blank_type.bits(), address)?;
        if out.clear_data {
            disc.clear_data()?;
        }
        if out.profile_changed {
            self.profile_changed();
        }
        self.opc.clear();
        self.start_long(out.long_op, immed, SenseCode::OPERATION_IN_PROGRESS);
        self.sync_point();
        self.persist()?;
        Ok(0)
    }

    fn format_unit(
        &mut self,
        fmt_data: bool,
        format_code: u8,
        data: &mut DataPhase<'_>,
    ) -> Outcome {
        if !fmt_data || format_code != 1 {
            return Err(SenseCode::INVALID_FIELD_IN_CDB.into());
        }
        let list = parameters(
            data,
            imapi2_mmc::format::FORMAT_UNIT_PARAMETERS_LEN,
            "FORMAT UNIT",
        )?;
        let p = FormatUnitParameters::decode(list)
            .map_err(|_| Fail::from(SenseCode::PARAMETER_LIST_LENGTH))?;
        self.shadow = None;
        let req = FormatRequest {
            format_type: p.descriptor.format_type.0,
            subtype: p.descriptor.subtype,
            blocks: p.descriptor.blocks,
            param: p.descriptor.type_parameter,
        };
        let disc = self.disc.as_mut().expect("checked");
        let before = disc.medium().bg_format_status();
        let out = disc.medium_mut().format(req).map_err(|e| {
            if e.sense == SenseCode::INVALID_FIELD_IN_PARAMETER_LIST {
                Fail::Check(Sense::invalid_parameter_field(8, None))
            } else {
                Fail::from(e)
            }
        })?;
        if out.clear_data {
            disc.clear_data()?;
        }
        let after = disc.medium().bg_format_status();
        if before == BgFormatStatus::Stopped && after == BgFormatStatus::InProgress {
            self.drive
                .media_events
                .push_back(MediaEvent::BgFormatRestarted);
        }
        self.bg_seen = after;
        if out.profile_changed {
            self.profile_changed();
        }
        self.start_long(out.long_op, p.immed, SenseCode::FORMAT_IN_PROGRESS);
        self.sync_point();
        self.persist()?;
        Ok(list.len())
    }

    fn send_cue_sheet(&mut self, size: usize, data: &mut DataPhase<'_>) -> Outcome {
        let list = parameters(data, size, "SEND CUE SHEET")?;
        let sheet =
            CueSheet::decode(list).map_err(|_| Fail::from(SenseCode::PARAMETER_LIST_LENGTH))?;
        let points: Vec<CuePoint> = sheet
            .entries
            .iter()
            .filter_map(|e| match e {
                CueSheetEntry::Track(t) => Some(CuePoint {
                    control: t.control,
                    tno: t.tno,
                    index: t.index,
                    data_form: t.data_form.0,
                    lba: i64::from(msf_to_lba(t.time)),
                }),
                CueSheetEntry::Other(_) => None,
            })
            .collect();
        let params = self.drive.write_params();
        let simulate = self.simulating();
        self.target_medium(simulate)
            .send_cue_sheet(&points, &params)?;
        self.persist()?;
        Ok(size)
    }

    fn send_disc_structure(
        &mut self,
        media_type: u8,
        format: u8,
        len: usize,
        data: &mut DataPhase<'_>,
    ) -> Outcome {
        let list = parameters(data, len, "SEND DISC STRUCTURE")?;
        let decoded = DiscStructure::decode(media_type, format, list)
            .map_err(|_| Fail::from(SenseCode::PARAMETER_LIST_LENGTH))?;
        let disc = self.disc.as_mut().expect("checked");
        match decoded {
            DiscStructure::LayerBoundary(l) => disc.medium_mut().set_layer_break(l.l0_capacity)?,
            DiscStructure::WriteProtection(w)
                if disc.medium().kind() == crate::media::MediaKind::DvdRam =>
            {
                disc.medium_mut().set_write_protected(w.swpp || w.pwp);
            }
            _ => return Err(SenseCode::INVALID_FIELD_IN_CDB.into()),
        }
        self.persist()?;
        Ok(len)
    }

    fn read_cd(
        &mut self,
        lba: i64,
        blocks: u32,
        f: ReadCdFlags,
        data: &mut DataPhase<'_>,
    ) -> Outcome {
        let DataPhase::In(buf) = data else {
            return if blocks == 0 {
                Ok(0)
            } else {
                Err(bad_request("READ CD without a data-in buffer".into()))
            };
        };
        if blocks == 0 {
            return Ok(0);
        }
        if matches!(f.sector_type, SectorType::Reserved(_)) {
            return Err(Fail::Check(Sense::invalid_cdb_field(1, Some(2))));
        }
        let sub_len = match f.subchannel {
            SubChannelSelection::None => 0,
            SubChannelSelection::RawPw | SubChannelSelection::CorrectedRw => 96,
            SubChannelSelection::Q => 16,
            _ => return Err(SenseCode::INVALID_FIELD_IN_CDB.into()),
        };
        let m = self.medium().expect("checked");
        if !m.kind().is_cd() {
            return Err(SenseCode::CANNOT_READ_MEDIUM.into());
        }
        // Work out every sector before moving any byte.
        let mut sectors = Vec::with_capacity(blocks.min(4096) as usize);
        let mut total = 0usize;
        for i in 0..blocks {
            let at = lba + i64::from(i);
            let (content, source) = m.frame_at(at)?;
            match (f.sector_type, content) {
                (SectorType::Any, _) => {}
                (SectorType::CdDa, TrackContent::Audio) => {}
                (SectorType::CdDa, TrackContent::Data) | (_, TrackContent::Audio) => {
                    return Err(SenseCode::ILLEGAL_MODE_FOR_TRACK.into());
                }
                _ => {}
            }
            let main = main_layout(content, &f);
            total += main.len() + f.c2_len + sub_len;
            if total > buf.len() {
                return Err(bad_request(format!(
                    "READ CD of {blocks} sectors needs more than the {} bytes of the buffer",
                    buf.len()
                )));
            }
            sectors.push((at, content, source, main));
        }
        if let Some(bad) = self.faults.defect_in(lba, lba + i64::from(blocks)) {
            return Err(Fail::Check(
                sense_of(SenseCode::UNRECOVERED_READ_ERROR).with_information(bad as u32),
            ));
        }
        let numbers: Vec<u8> = sectors
            .iter()
            .map(|s| m_track_number(self.medium(), s.0))
            .collect();
        let disc = self.disc.as_mut().expect("checked");
        let mut pos = 0usize;
        for ((at, content, source, main), tno) in sectors.into_iter().zip(numbers) {
            let mut frame = vec![0u8; SECTOR_SIZE + SUBCHANNEL_SIZE];
            let mut stored_sub = false;
            match source {
                ReadSource::Raw(size) if usize::from(size) >= SECTOR_SIZE => {
                    disc.read_raw(at, usize::from(size), &mut frame[..usize::from(size)])?;
                    stored_sub = usize::from(size) == SECTOR_SIZE + SUBCHANNEL_SIZE;
                }
                ReadSource::Raw(size) => {
                    let mut user = vec![0u8; usize::from(size)];
                    disc.read_raw(at, usize::from(size), &mut user)?;
                    cooked_frame(at, &user[..2048.min(user.len())], &mut frame);
                }
                ReadSource::User => {
                    let mut user = [0u8; 2048];
                    disc.read_user(at, &mut user)?;
                    cooked_frame(at, &user, &mut frame);
                }
                ReadSource::Zero => {
                    if content == TrackContent::Data {
                        cooked_frame(at, &[0u8; 2048], &mut frame);
                    }
                }
            }
            for (a, b) in main {
                let n = b - a;
                buf[pos..pos + n].copy_from_slice(&frame[a..b]);
                pos += n;
            }
            buf[pos..pos + f.c2_len].fill(0);
            pos += f.c2_len;
            match f.subchannel {
                SubChannelSelection::RawPw if stored_sub => {
                    buf[pos..pos + SUBCHANNEL_SIZE].copy_from_slice(&frame[SECTOR_SIZE..])
                }
                SubChannelSelection::Q => {
                    let q = q_for(tno, at, content).encode();
                    buf[pos..pos + 12].copy_from_slice(&q);
                    buf[pos + 12..pos + 16].fill(0);
                }
                _ => buf[pos..pos + sub_len].fill(0),
            }
            pos += sub_len;
        }
        Ok(pos)
    }
}

/// The READ CD flags of one command.
#[derive(Debug, Clone, Copy)]
struct ReadCdFlags {
    sector_type: SectorType,
    sync: bool,
    header_codes: HeaderCodes,
    user_data: bool,
    edc_ecc: bool,
    c2_len: usize,
    subchannel: SubChannelSelection,
}

/// The byte ranges of a 2352-byte frame READ CD returns (MMC-6 table 357,
/// mode 1 layout: sync 0–11, header 12–15, user data 16–2063, EDC/ECC
/// 2064–2351); CD-DA returns the whole frame when any main field is asked.
fn main_layout(content: TrackContent, f: &ReadCdFlags) -> Vec<(usize, usize)> {
    let header = !matches!(f.header_codes, HeaderCodes::None | HeaderCodes::SubHeader);
    if content == TrackContent::Audio {
        return if f.sync || header || f.user_data || f.edc_ecc {
            vec![(0, SECTOR_SIZE)]
        } else {
            Vec::new()
        };
    }
    let user_end = SYNC_HEADER_SIZE + MODE1_DATA_SIZE;
    let mut v = Vec::new();
    if f.sync {
        v.push((0, SYNC_SIZE));
    }
    if header {
        v.push((SYNC_SIZE, SYNC_HEADER_SIZE));
    }
    if f.user_data {
        v.push((SYNC_HEADER_SIZE, user_end));
    }
    if f.edc_ecc {
        v.push((user_end, SECTOR_SIZE));
    }
    v
}

/// A mode 1 frame around 2048 bytes of user data: sync pattern, BCD header
/// (ECMA-130 §14.1, §14.2); EDC and ECC are left zero (not computed).
fn cooked_frame(lba: i64, user: &[u8], frame: &mut [u8]) {
    frame[..SYNC_SIZE].copy_from_slice(&SYNC);
    frame[SYNC_SIZE..SYNC_HEADER_SIZE].copy_from_slice(&Header::for_lba(lba, 1).encode());
    frame[SYNC_HEADER_SIZE..SYNC_HEADER_SIZE + user.len()].copy_from_slice(user);
}

fn m_track_number(m: Option<&Medium>, lba: i64) -> u8 {
    m.and_then(|m| {
        m.tracks()
            .iter()
            .find(|t| lba >= t.start && lba < t.end())
            .map(|t| t.number as u8)
    })
    .unwrap_or(1)
}

/// A position Q frame for `lba` (ADR 1, index 1, relative time zero).
fn q_for(tno: u8, lba: i64, content: TrackContent) -> SubQ {
    let t = absolute_time(lba);
    SubQ {
        control: if content == TrackContent::Data {
            CONTROL_DATA
        } else {
            0
        },
        adr: ADR_POSITION,
        tno,
        index: 1,
        relative: (0, 0, 0),
        absolute: (t.m, t.s, t.f),
    }
}

trait LongOpExt {
    fn max_flush(self) -> LongOp;
}

impl LongOpExt for LongOp {
    /// SYNCHRONIZE CACHE always takes at least the flush time.
    fn max_flush(self) -> LongOp {
        match self {
            LongOp::None => LongOp::Flush,
            other => other,
        }
    }
}

impl Drop for VirtualRecorder {
    fn drop(&mut self) {
        let _ = self.save();
    }
}
