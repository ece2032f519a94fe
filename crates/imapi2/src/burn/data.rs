//! `MsftDiscFormat2Data` (`IDiscFormat2Data`, reference §7): a data session
//! — an image stream — onto any writable medium, with IMAPI's properties,
//! defaults and error codes, and `IBurnVerification` (§11).
//!
//! A write runs in this order, each step reported as its
//! `IMAPI_FORMAT2_DATA_WRITE_ACTION`:
//! 1. *validating media*: exclusive access under the client name, the tray
//!    locked, the medium checked (present, writable by this format, not
//!    finalized or damaged, blank when overwritable unless `ForceOverwrite`,
//!    the stream fits) — every refusal before anything is written;
//! 2. *initializing hardware*: the write speed; then the medium family's
//!    [strategy] formats a blank DVD+RW or BD-RE
//!    (*formatting media*), calibrates power on DVD-R (*calibrating
//!    power*), sets page 05h, reserves, moves a layer break;
//! 3. *writing data*: the [write engine](super::engine) from the strategy's
//!    start address, the stream followed by the padding the medium needs;
//! 4. *finalization*: SYNCHRONIZE CACHE, the closes of the medium's table
//!    ([`close`]), then the drive's account of what it holds
//!    checked against what was sent ([`verify::account`]);
//! 5. *verifying* (quick or full, when asked), then *completed*.
//!
//! A cancel or a failure while writing flushes what was sent and ends with
//! an error that says what the medium now holds.

use std::io::{self, Read, Seek, SeekFrom};
use std::time::Instant;

use imapi2_fs::{BlockRange, MediaPhysicalType};
use imapi2_mmc::profile::Profile;

use super::close;
use super::disc_format::{self, DiscFormat2};
use super::engine::{self, CancelHandle, EngineSettings};
use super::events::{
    DataWriteAction, DataWriteProgress, Flow, VerificationLevel, WriteEngineProgress,
};
use super::multisession::{self, MultisessionInterface};
#[cfg(doc)]
use super::multisession::{MultisessionRandomWrite, MultisessionSequential};
use super::prepare::{self, Held};
use super::ranges;
use super::ring;
use super::strategy::{self, Ctx, Job, Placement};
use super::verify::{self, Written};
use crate::error::{Error, Result};
use crate::media::{self, state, MediaSnapshot};
use crate::recorder::DiscRecorder;
use crate::speed::{self, WriteSpeedDescriptor};

/// The profiles the data writer writes.
pub const DATA_PROFILES: &[Profile] = &[
    Profile::CdR,
    Profile::CdRw,
    Profile::DvdRSequential,
    Profile::DvdRwSequential,
    Profile::DvdRDlSequential,
    Profile::DvdRwRestrictedOverwrite,
    Profile::DvdRam,
    Profile::DvdPlusR,
    Profile::DvdPlusRDl,
    Profile::DvdPlusRw,
    Profile::BdRSrm,
    Profile::BdRe,
];

/// A progress handler of the data writer (`DDiscFormat2DataEvents::Update`).
pub type DataUpdate = Box<dyn FnMut(&DataWriteProgress) -> Flow + Send>;

/// `MsftDiscFormat2Data`.
pub struct DiscFormat2Data {
    recorder: Option<DiscRecorder>,
    client_name: String,
    buffer_underrun_free_disabled: bool,
    postgap_already_in_image: bool,
    force_media_to_be_closed: bool,
    disable_consumer_dvd_compatibility_mode: bool,
    force_overwrite: bool,
    requested_write_speed: i32,
    requested_rotation_pure_cav: bool,
    current_speed: Option<WriteSpeedDescriptor>,
    verification_level: VerificationLevel,
    test_write: bool,
    cd_session_at_once: bool,
    host_buffer_bytes: usize,
    cancel: CancelHandle,
    update: Option<DataUpdate>,
}

impl Default for DiscFormat2Data {
    fn default() -> Self {
        DiscFormat2Data::new()
    }
}

impl DiscFormat2 for DiscFormat2Data {
    fn supported_profiles(&self) -> &'static [Profile] {
        DATA_PROFILES
    }
}

/// Whether a speed request was met (IMAPI's `SetWriteSpeed` results).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpeedResult {
    /// `S_OK`.
    Exact,
    /// `S_IMAPI_SPEEDADJUSTED`: the nearest listed speed is used.
    SpeedAdjusted,
    /// `S_IMAPI_ROTATIONADJUSTED`: the rotation asked for is not offered.
    RotationAdjusted,
    /// `S_IMAPI_BOTHADJUSTED`.
    BothAdjusted,
}

impl SpeedResult {
    /// The IMAPI success code.
    pub fn imapi_code(self) -> u32 {
        match self {
            SpeedResult::Exact => 0,
            SpeedResult::SpeedAdjusted => 0x00AA_0004,
            SpeedResult::RotationAdjusted => 0x00AA_0005,
            SpeedResult::BothAdjusted => 0x00AA_0006,
        }
    }
}

impl DiscFormat2Data {
    /// A data writer with IMAPI's defaults and no recorder.
    pub fn new() -> DiscFormat2Data {
        DiscFormat2Data {
            recorder: None,
            client_name: String::new(),
            buffer_underrun_free_disabled: false,
            postgap_already_in_image: false,
            force_media_to_be_closed: false,
            disable_consumer_dvd_compatibility_mode: false,
            force_overwrite: false,
            requested_write_speed: -1,
            requested_rotation_pure_cav: false,
            current_speed: None,
            verification_level: VerificationLevel::default(),
            test_write: false,
            cd_session_at_once: false,
            host_buffer_bytes: ring::DEFAULT_BYTES,
            cancel: CancelHandle::default(),
            update: None,
        }
    }

    fn unlocked(&self) -> Result<()> {
        if self.cancel.in_progress() {
            Err(Error::WriteInProgress)
        } else {
            Ok(())
        }
    }

    /// `Recorder` (put). Refused while a write runs
    /// (`E_IMAPI_DF2DATA_WRITE_IN_PROGRESS`) or when the drive writes no
    /// medium this format handles (`E_IMAPI_DF2DATA_RECORDER_NOT_SUPPORTED`).
    pub fn set_recorder(&mut self, mut recorder: DiscRecorder) -> Result<()> {
        self.unlocked()?;
        if !self.is_recorder_supported(&mut recorder)? {
            return Err(Error::Burn {
                device: recorder.device().to_string(),
                reason: "the drive writes no medium the data writer handles".into(),
                code: 0xC0AA_0407,
            });
        }
        self.recorder = Some(recorder);
        self.current_speed = None;
        Ok(())
    }

    /// `Recorder` (get).
    pub fn recorder(&mut self) -> Option<&mut DiscRecorder> {
        self.recorder.as_mut()
    }

    /// Gives the recorder back.
    pub fn take_recorder(&mut self) -> Option<DiscRecorder> {
        self.recorder.take()
    }

    fn rec(&mut self) -> Result<&mut DiscRecorder> {
        self.recorder.as_mut().ok_or(Error::RecorderRequired)
    }

    fn snapshot(&mut self) -> Result<MediaSnapshot> {
        self.rec()?.media()
    }

    /// `ClientName` (put): 1 to 63 letters, digits, spaces and `. , : ; - _`
    /// (`E_IMAPI_DF2DATA_CLIENT_NAME_IS_NOT_VALID`).
    pub fn set_client_name(&mut self, name: &str) -> Result<()> {
        self.unlocked()?;
        let ok = !name.is_empty()
            && name.len() <= 63
            && name.chars().all(|c| {
                c.is_ascii_alphanumeric() || matches!(c, ' ' | '.' | ',' | ':' | ';' | '-' | '_')
            });
        if !ok {
            return Err(Error::Burn {
                device: String::new(),
                reason: format!("client name {name:?} is not valid"),
                code: 0xC0AA_0408,
            });
        }
        self.client_name = name.to_string();
        Ok(())
    }

    /// `ClientName` (get).
    pub fn client_name(&self) -> &str {
        &self.client_name
    }

    /// `BufferUnderrunFreeDisabled` (put): BUFE off in page 05h (CD, DVD-R).
    pub fn set_buffer_underrun_free_disabled(&mut self, on: bool) -> Result<()> {
        self.unlocked()?;
        self.buffer_underrun_free_disabled = on;
        Ok(())
    }

    /// `BufferUnderrunFreeDisabled` (get; default false: BUFE on).
    pub fn buffer_underrun_free_disabled(&self) -> bool {
        self.buffer_underrun_free_disabled
    }

    /// `PostgapAlreadyInImage` (put): the image ends with the 150 sectors of
    /// a CD post-gap, so none is added.
    pub fn set_postgap_already_in_image(&mut self, on: bool) -> Result<()> {
        self.unlocked()?;
        self.postgap_already_in_image = on;
        Ok(())
    }

    /// `PostgapAlreadyInImage` (get; default false).
    pub fn postgap_already_in_image(&self) -> bool {
        self.postgap_already_in_image
    }

    /// `ForceMediaToBeClosed` (put): finalize the disc after this session.
    pub fn set_force_media_to_be_closed(&mut self, on: bool) -> Result<()> {
        self.unlocked()?;
        self.force_media_to_be_closed = on;
        Ok(())
    }

    /// `ForceMediaToBeClosed` (get; default false).
    pub fn force_media_to_be_closed(&self) -> bool {
        self.force_media_to_be_closed
    }

    /// `DisableConsumerDvdCompatibilityMode` (put): on DVD+R, close the
    /// session only (see [`close::closes_disc`]).
    pub fn set_disable_consumer_dvd_compatibility_mode(&mut self, on: bool) -> Result<()> {
        self.unlocked()?;
        self.disable_consumer_dvd_compatibility_mode = on;
        Ok(())
    }

    /// `DisableConsumerDvdCompatibilityMode` (get; default false).
    pub fn disable_consumer_dvd_compatibility_mode(&self) -> bool {
        self.disable_consumer_dvd_compatibility_mode
    }

    /// `ForceOverwrite` (put): write over an overwritable medium that holds
    /// a file system.
    pub fn set_force_overwrite(&mut self, on: bool) -> Result<()> {
        self.unlocked()?;
        self.force_overwrite = on;
        Ok(())
    }

    /// `ForceOverwrite` (get; default false).
    pub fn force_overwrite(&self) -> bool {
        self.force_overwrite
    }

    /// Test write (beyond IMAPI; cdrecord's `-dummy`): the drive goes
    /// through the burn with the laser at read power. CD-R/RW and DVD-R/RW
    /// only.
    pub fn set_test_write(&mut self, on: bool) -> Result<()> {
        self.unlocked()?;
        self.test_write = on;
        Ok(())
    }

    /// Write a blank CD session at once (a cue sheet) instead of track at
    /// once (beyond IMAPI, which writes data CDs track at once).
    pub fn set_cd_session_at_once(&mut self, on: bool) -> Result<()> {
        self.unlocked()?;
        self.cd_session_at_once = on;
        Ok(())
    }

    /// Bytes of the host buffer (beyond IMAPI; default 16 MiB).
    pub fn set_host_buffer_bytes(&mut self, bytes: usize) -> Result<()> {
        self.unlocked()?;
        self.host_buffer_bytes = bytes.max(128 << 10);
        Ok(())
    }

    /// `IBurnVerification::BurnVerificationLevel` (put).
    pub fn set_burn_verification_level(&mut self, level: VerificationLevel) -> Result<()> {
        self.unlocked()?;
        self.verification_level = level;
        Ok(())
    }

    /// `IBurnVerification::BurnVerificationLevel` (get; default quick).
    pub fn burn_verification_level(&self) -> VerificationLevel {
        self.verification_level
    }

    /// `SetWriteSpeed(sectorsPerSecond, pureCAV)`: remembered, and applied
    /// at the next write; the result says whether the drive can do it
    /// exactly. −1 asks for the fastest.
    pub fn set_write_speed(
        &mut self,
        sectors_per_second: i32,
        pure_cav: bool,
    ) -> Result<SpeedResult> {
        self.unlocked()?;
        self.requested_write_speed = sectors_per_second.max(-1);
        self.requested_rotation_pure_cav = pure_cav;
        let speeds = self.supported_write_speed_descriptors()?;
        let chosen = prepare::choose_speed(&speeds, self.requested_write_speed, pure_cav);
        self.current_speed = chosen.map(|c| c.0);
        Ok(match chosen {
            Some((_, false, false)) | None => SpeedResult::Exact,
            Some((_, true, false)) => SpeedResult::SpeedAdjusted,
            Some((_, false, true)) => SpeedResult::RotationAdjusted,
            Some((_, true, true)) => SpeedResult::BothAdjusted,
        })
    }

    /// `RequestedWriteSpeed` (sectors/s; −1: fastest).
    pub fn requested_write_speed(&self) -> i32 {
        self.requested_write_speed
    }

    /// `RequestedRotationTypeIsPureCAV`.
    pub fn requested_rotation_type_is_pure_cav(&self) -> bool {
        self.requested_rotation_pure_cav
    }

    /// `CurrentWriteSpeed`: the speed chosen for the drive (sectors/s; −1
    /// when the drive lists none).
    pub fn current_write_speed(&self) -> i32 {
        self.current_speed.map_or(-1, |s| s.write_speed as i32)
    }

    /// `CurrentRotationTypeIsPureCAV`.
    pub fn current_rotation_type_is_pure_cav(&self) -> bool {
        self.current_speed
            .is_some_and(|s| s.rotation_type_is_pure_cav)
    }

    /// `SupportedWriteSpeedDescriptors` for the drive and its medium.
    pub fn supported_write_speed_descriptors(&mut self) -> Result<Vec<WriteSpeedDescriptor>> {
        self.rec()?.write_speed_descriptors()
    }

    /// `SupportedWriteSpeeds` (sectors/s, fastest first).
    pub fn supported_write_speeds(&mut self) -> Result<Vec<u32>> {
        let mut v: Vec<u32> = self
            .supported_write_speed_descriptors()?
            .iter()
            .map(|d| d.write_speed)
            .collect();
        v.dedup();
        Ok(v)
    }

    /// `CurrentMediaStatus` (`IMAPI_FORMAT2_DATA_MEDIA_STATE` flags), with
    /// `UNSUPPORTED_MEDIA` for media this format does not write.
    pub fn current_media_status(&mut self) -> Result<u32> {
        let snap = self.snapshot()?;
        let mut s = snap.state;
        if snap.present && !DATA_PROFILES.contains(&snap.profile) {
            s |= state::UNSUPPORTED_MEDIA;
        }
        Ok(s)
    }

    /// `WriteProtectStatus` (`IMAPI_MEDIA_WRITE_PROTECT_STATE` flags).
    pub fn write_protect_status(&mut self) -> Result<u32> {
        let snap = self.snapshot()?;
        let rec = self.rec()?;
        Ok(write_protect_flags(rec, &snap))
    }

    /// `CurrentPhysicalMediaType`.
    pub fn current_physical_media_type(&mut self) -> Result<MediaPhysicalType> {
        let snap = self.snapshot()?;
        Ok(if snap.present {
            media::physical_type_of(snap.profile)
        } else {
            MediaPhysicalType::Unknown
        })
    }

    /// `TotalSectorsOnMedia`.
    pub fn total_sectors_on_media(&mut self) -> Result<u32> {
        Ok(self.snapshot()?.total_sectors)
    }

    /// `FreeSectorsOnMedia`: on overwritable media the whole capacity, as
    /// in IMAPI (the free space there is the file system's business).
    pub fn free_sectors_on_media(&mut self) -> Result<u32> {
        Ok(self.snapshot()?.free_sectors)
    }

    /// `NextWritableAddress`.
    pub fn next_writable_address(&mut self) -> Result<i32> {
        Ok(self.snapshot()?.next_writable_address.unwrap_or(0))
    }

    /// `StartAddressOfPreviousSession` (−1 on blank media).
    pub fn start_address_of_previous_session(&mut self) -> Result<i32> {
        Ok(self.snapshot()?.previous_session_start.unwrap_or(-1))
    }

    /// `LastWrittenAddressOfPreviousSession` (−1 on blank media).
    pub fn last_written_address_of_previous_session(&mut self) -> Result<i32> {
        Ok(self.snapshot()?.previous_session_last.unwrap_or(-1))
    }

    /// `MultisessionInterfaces`: the way the medium takes another session —
    /// [`MultisessionSequential`] on write-once media,
    /// [`MultisessionRandomWrite`] on overwritable ones (whose
    /// `LastWrittenAddress` is read from the file system recorded there) —
    /// each saying whether the medium's current state supports it. Empty
    /// without a writable medium.
    pub fn multisession_interfaces(&mut self) -> Result<Vec<MultisessionInterface>> {
        let snap = self.snapshot()?;
        let rec = self.rec()?;
        let id = rec.active_disc_recorder().to_string();
        if let Some(s) = multisession::sequential_for(&snap, &id) {
            return Ok(vec![MultisessionInterface::Sequential(s)]);
        }
        if !media::is_overwritable(snap.profile) || !snap.present {
            return Ok(Vec::new());
        }
        let recorder = self.recorder.take().ok_or(Error::RecorderRequired)?;
        let (recorder, last) = multisession::last_written_of(recorder, snap.total_sectors);
        self.recorder = Some(recorder);
        Ok(multisession::random_write_for(&snap, &id, last)
            .map(MultisessionInterface::RandomWrite)
            .into_iter()
            .collect())
    }

    /// `MediaPhysicallyBlank`.
    pub fn media_physically_blank(&mut self) -> Result<bool> {
        let snap = self.snapshot()?;
        let unformatted =
            matches!(snap.profile, Profile::DvdPlusRw | Profile::DvdPlusRwDl)
                && self.rec()?.drive().read_disc_information().is_ok_and(|d| {
                    d.bg_format_status == imapi2_mmc::disc_info::BgFormatStatus::None
                });
        Ok(disc_format::physically_blank(&snap, unformatted))
    }

    /// `MediaHeuristicallyBlank`.
    pub fn media_heuristically_blank(&mut self) -> Result<bool> {
        Ok(disc_format::heuristically_blank(&self.snapshot()?))
    }

    /// `DDiscFormat2DataEvents::Update`.
    pub fn set_update(&mut self, f: impl FnMut(&DataWriteProgress) -> Flow + Send + 'static) {
        self.update = Some(Box::new(f));
    }

    /// A handle for `CancelWrite` from another thread.
    pub fn cancel_handle(&self) -> CancelHandle {
        self.cancel.clone()
    }

    /// `CancelWrite`: false when no write runs
    /// (`E_IMAPI_DF2DATA_WRITE_NOT_IN_PROGRESS`).
    pub fn cancel_write(&self) -> bool {
        self.cancel.cancel()
    }

    /// The checks `Write` makes before anything is written, for a stream of
    /// `sectors` sectors (0: any size), without taking the recorder: a
    /// caller can refuse early, before building an image.
    pub fn check_current_media(&mut self, sectors: u64) -> Result<()> {
        let settings = self.burn_settings(sectors);
        let rec = self.rec()?;
        let snap = media::snapshot(rec.drive()).map_err(|error| Error::Device {
            device: rec.device().to_string(),
            error,
        })?;
        check_medium(rec.device(), &snap, &settings)
    }

    /// `Write(stream)`: synchronous; the stream (whole 2048-byte sectors)
    /// becomes a new session at the next writable address of sequential
    /// media, or is written from sector 0 of overwritable media.
    pub fn write<R>(&mut self, stream: &mut R) -> Result<()>
    where
        R: Read + Seek + Send + ?Sized,
    {
        self.write_with(stream, None)
    }

    /// `Write(stream)` of a stream that is also an `IBlockRangeList`: on an
    /// overwritable medium the stream reads as the medium from sector 0
    /// (see [`imapi2_fs::ImageResult::disc_stream`]) and only `ranges` are
    /// written, in their order — a session after others
    /// ([`imapi2_fs::ImageResult::modified_blocks`]). The medium may hold a
    /// file system: this is how one is added to, so `ForceOverwrite` is not
    /// needed. Sequential media are refused (their sessions go at the next
    /// writable address: use [`DiscFormat2Data::write`]).
    pub fn write_ranges<R>(&mut self, stream: &mut R, ranges: &[BlockRange]) -> Result<()>
    where
        R: Read + Seek + Send + ?Sized,
    {
        if ranges.is_empty() {
            return Err(Error::InvalidParam {
                name: "BlockRanges",
                reason: "no range to write".into(),
            });
        }
        self.write_with(stream, Some(ranges))
    }

    fn write_with<R>(&mut self, stream: &mut R, ranges: Option<&[BlockRange]>) -> Result<()>
    where
        R: Read + Seek + Send + ?Sized,
    {
        let _running = self.cancel.start()?;
        if self.client_name.is_empty() {
            return Err(Error::Burn {
                device: String::new(),
                reason: "ClientName must be set before Write".into(),
                code: 0xC0AA_0408,
            });
        }
        let len = stream.seek(SeekFrom::End(0)).map_err(stream_error)?;
        stream.seek(SeekFrom::Start(0)).map_err(stream_error)?;
        if len % 2048 != 0 || len == 0 {
            return Err(Error::Burn {
                device: String::new(),
                reason: format!(
                    "the stream holds {len} bytes: not a whole number of 2048-byte sectors"
                ),
                code: 0xC0AA_0403,
            });
        }
        let mut update = self.update.take();
        let mut settings = self.burn_settings(len / 2048);
        settings.ranges = ranges.map(<[BlockRange]>::to_vec);
        let cancel = self.cancel.clone();
        let recorder = self.recorder.as_mut().ok_or(Error::RecorderRequired);
        let r = recorder.and_then(|rec| {
            let mut events = Events::new(update.as_mut());
            run(rec, &settings, stream, &cancel, &mut events)
        });
        self.update = update;
        if let Ok(speed) = &r {
            self.current_speed = *speed;
        }
        r.map(|_| ())
    }

    fn burn_settings(&self, sectors: u64) -> Settings {
        Settings {
            sectors,
            client_name: self.client_name.clone(),
            force_overwrite: self.force_overwrite,
            force_close: self.force_media_to_be_closed,
            disable_compat: self.disable_consumer_dvd_compatibility_mode,
            job: Job {
                sectors,
                finalize: false,
                test_write: self.test_write,
                buffer_underrun_free: !self.buffer_underrun_free_disabled,
                postgap_in_image: self.postgap_already_in_image,
                cd_session_at_once: self.cd_session_at_once,
            },
            speed: (self.requested_write_speed, self.requested_rotation_pure_cav),
            verification: self.verification_level,
            host_buffer_bytes: self.host_buffer_bytes,
            ranges: None,
        }
    }
}

fn stream_error(e: io::Error) -> Error {
    Error::Source {
        lba: 0,
        reason: format!("the stream cannot seek: {e}"),
        code: None,
    }
}

/// What one write is asked to do.
struct Settings {
    sectors: u64,
    client_name: String,
    force_overwrite: bool,
    force_close: bool,
    disable_compat: bool,
    job: Job,
    speed: (i32, bool),
    verification: VerificationLevel,
    host_buffer_bytes: usize,
    /// The ranges of a block-range write (overwritable media), if one.
    ranges: Option<Vec<BlockRange>>,
}

/// The progress events of one write: times, the current action, the
/// engine's last figures.
struct Events<'u> {
    update: Option<&'u mut DataUpdate>,
    started: Instant,
    writing_started: Option<Instant>,
    engine: WriteEngineProgress,
    action: DataWriteAction,
    cancel: bool,
}

impl<'u> Events<'u> {
    fn new(update: Option<&'u mut DataUpdate>) -> Events<'u> {
        Events {
            update,
            started: Instant::now(),
            writing_started: None,
            engine: WriteEngineProgress::default(),
            action: DataWriteAction::ValidatingMedia,
            cancel: false,
        }
    }

    /// Sends one event; true when the handler asked to cancel.
    fn emit(&mut self, action: DataWriteAction, progress: Option<f64>) -> Flow {
        self.action = action;
        if action == DataWriteAction::WritingData && self.writing_started.is_none() {
            self.writing_started = Some(Instant::now());
        }
        let elapsed = self.started.elapsed().as_secs_f64();
        let remaining = self.remaining();
        let p = DataWriteProgress {
            engine: self.engine,
            elapsed_time: elapsed,
            remaining_time: remaining,
            total_time: elapsed + remaining,
            current_action: action,
            action_progress: progress,
        };
        let flow = match self.update.as_mut() {
            Some(f) => f(&p),
            None => Flow::Continue,
        };
        if flow == Flow::Cancel {
            self.cancel = true;
        }
        flow
    }

    /// Seconds of writing still expected, at the rate so far.
    fn remaining(&self) -> f64 {
        let Some(t) = self.writing_started else {
            return 0.0;
        };
        let done = self.engine.sectors_written() as f64;
        let left = self.engine.sector_count as f64 - done;
        let secs = t.elapsed().as_secs_f64();
        if done <= 0.0 || secs <= 0.0 {
            return 0.0;
        }
        (left / (done / secs)).max(0.0)
    }
}

/// One whole write on `rec`; returns the speed the drive was set to.
fn run<R: Read + Seek + Send + ?Sized>(
    rec: &mut DiscRecorder,
    s: &Settings,
    stream: &mut R,
    cancel: &CancelHandle,
    events: &mut Events<'_>,
) -> Result<Option<WriteSpeedDescriptor>> {
    events.emit(DataWriteAction::ValidatingMedia, None);
    let mut held = Held::take(rec, &s.client_name)?;
    let snap = media::snapshot(held.drive()).map_err(|error| Error::Device {
        device: held.device().to_string(),
        error,
    })?;
    check_medium(held.device(), &snap, s)?;
    let free_after = u64::from(snap.free_sectors).saturating_sub(s.sectors);
    let mut job = s.job.clone();
    job.finalize = close::closes_disc(
        snap.profile,
        s.force_close,
        s.disable_compat,
        if media::is_overwritable(snap.profile) {
            u64::MAX
        } else {
            free_after
        },
        u64::from(snap.total_sectors),
    );
    events.emit(DataWriteAction::InitializingHardware, None);
    let speed = set_speed(&mut held, &snap, s.speed)?;
    let mut strategy = strategy::for_profile(snap.profile).ok_or_else(|| Error::Burn {
        device: held.device().to_string(),
        reason: format!("the data writer does not write {}", snap.profile.name()),
        code: 0xC0AA_0406,
    })?;
    let placement = {
        let mut report = |a: DataWriteAction, p: Option<f64>| events.emit(a, p);
        let mut ctx = Ctx {
            held: &mut held,
            snap: &snap,
            job: &job,
            report: &mut report,
        };
        strategy.prepare(&mut ctx)?
    };
    check_fits(&held, &snap, &job, &placement)?;
    if events.cancel || cancel.is_cancelled() {
        return Err(Error::Cancelled {
            state: format!(
                "before any data was written; the {} is as it was",
                snap.profile
            ),
        });
    }
    let sections = match &s.ranges {
        Some(r) => Some(ranges::sections(
            r,
            placement.write_unit,
            u64::from(snap.total_sectors),
        )?),
        None => None,
    };
    match &sections {
        Some(sections) => {
            write_sections(&mut held, s, &placement, sections, stream, cancel, events)
                .map_err(|e| ranges_interrupted(&mut held, &snap, sections, events, e))?
        }
        None => write_data(&mut held, s, &snap, &placement, stream, cancel, events)
            .map_err(|e| interrupted(&mut held, strategy.as_ref(), &snap, &placement, events, e))?,
    }
    events.emit(DataWriteAction::Finalization, None);
    {
        let mut report = |a: DataWriteAction, p: Option<f64>| events.emit(a, p);
        let drive = held.drive();
        drive
            .synchronize_cache(|p| {
                let _ = report(DataWriteAction::Finalization, p);
            })
            .map_err(|error| Error::Device {
                device: drive.device_name(),
                error,
            })?;
        let mut ctx = Ctx {
            held: &mut held,
            snap: &snap,
            job: &job,
            report: &mut report,
        };
        strategy.finish(&mut ctx, &placement)?;
    }
    if let Some(sections) = &sections {
        // Each section read back against the stream seen from its start.
        for sec in sections {
            let written = Written {
                start_lba: sec.start as i64,
                sectors: sec.sectors,
            };
            let mut from = ranges::From::new(&mut *stream, sec.start);
            verify::account(&mut held, written, true, &mut from)?;
            let mut report = |a: DataWriteAction, p: Option<f64>| events.emit(a, p);
            verify::run(&mut held, s.verification, written, &mut from, &mut report)?;
        }
    } else if !job.test_write {
        let written = Written::of(&placement, s.sectors);
        verify::account(
            &mut held,
            written,
            media::is_overwritable(snap.profile),
            stream,
        )?;
        let mut report = |a: DataWriteAction, p: Option<f64>| events.emit(a, p);
        verify::run(&mut held, s.verification, written, stream, &mut report)?;
    }
    events.emit(DataWriteAction::Completed, Some(1.0));
    Ok(speed)
}

/// The refusals before anything is written.
fn check_medium(device: &str, snap: &MediaSnapshot, s: &Settings) -> Result<()> {
    let refuse = |code: u32, reason: String| Error::Burn {
        device: device.to_string(),
        reason,
        code,
    };
    let profile = snap.profile;
    let p = profile.name();
    if !snap.present {
        return Err(refuse(0xC0AA_0202, "no medium in the drive".into()));
    }
    if !DATA_PROFILES.contains(&profile) {
        let what = if profile.is_writable() {
            "written by the data writer"
        } else {
            "written"
        };
        return Err(refuse(0xC0AA_0406, format!("a {p} cannot be {what}")));
    }
    if snap.write_protected || snap.state & state::WRITE_PROTECTED != 0 {
        return Err(refuse(0xC0AA_0209, format!("the {p} is write-protected")));
    }
    if snap.state & state::FINALIZED != 0 {
        let hint = if snap.erasable {
            " (erase it first: `imapi2 erase`)"
        } else {
            ""
        };
        return Err(refuse(
            0xC0AA_0402,
            format!("the {p} is finalized: nothing more can be written{hint}"),
        ));
    }
    if snap.state & state::DAMAGED != 0 {
        return Err(refuse(0xC0AA_0402, format!("the {p} has a damaged track")));
    }
    if snap.state & state::NON_EMPTY_SESSION != 0 {
        return Err(refuse(
            0xC0AA_0402,
            format!("the {p} holds an open session from an interrupted burn: `imapi2 close` closes it first"),
        ));
    }
    if s.ranges.is_some() && !media::is_overwritable(profile) {
        return Err(refuse(
            0xC0AA_0406,
            format!(
                "block ranges are written on overwritable media; a {p} takes a session at its \
                 next writable address"
            ),
        ));
    }
    if media::is_overwritable(profile)
        && snap.state & state::BLANK == 0
        && !s.force_overwrite
        && s.ranges.is_none()
    {
        return Err(refuse(
            0xC0AA_0405,
            format!(
                "the {p} holds a file system; overwriting it needs ForceOverwrite (`--overwrite`)"
            ),
        ));
    }
    let test_ok = matches!(
        profile,
        Profile::CdR
            | Profile::CdRw
            | Profile::DvdRSequential
            | Profile::DvdRwSequential
            | Profile::DvdRDlSequential
    );
    if s.job.test_write && !test_ok {
        return Err(refuse(
            0xC0AA_0407,
            format!("a {p} cannot be test-written (CD-R/RW and DVD-R/RW can)"),
        ));
    }
    if s.sectors > u64::from(snap.free_sectors) {
        return Err(refuse(
            0xC0AA_0404,
            format!(
                "the image needs {} sectors and the {p} has {} free",
                s.sectors, snap.free_sectors
            ),
        ));
    }
    Ok(())
}

/// The stream and the padding the strategy asked for must fit.
fn check_fits(
    held: &Held<'_>,
    snap: &MediaSnapshot,
    job: &Job,
    placement: &Placement,
) -> Result<()> {
    let need = job.sectors + placement.pad_sectors;
    let room = if media::is_overwritable(snap.profile) {
        u64::from(snap.total_sectors)
    } else {
        u64::from(snap.free_sectors)
    };
    if need > room {
        return Err(Error::Burn {
            device: held.device().to_string(),
            reason: format!(
                "the image needs {need} sectors with the {} the {} asks for, and {room} are free",
                placement.pad_sectors,
                snap.profile.name()
            ),
            code: 0xC0AA_0404,
        });
    }
    Ok(())
}

/// Sets the requested speed; a drive that lists none keeps its own.
fn set_speed(
    held: &mut Held<'_>,
    snap: &MediaSnapshot,
    (requested, cav): (i32, bool),
) -> Result<Option<WriteSpeedDescriptor>> {
    let speeds = speed::descriptors(held.drive()).unwrap_or_default();
    let Some((chosen, _, _)) = prepare::choose_speed(&speeds, requested, cav) else {
        return Ok(None);
    };
    let family = speed::family_of(snap.profile);
    let end = snap.total_sectors.saturating_sub(1);
    prepare::apply_speed(held, &chosen, family, end);
    Ok(Some(chosen))
}

/// The stream, preceded by a CD's pregap when written session at once and
/// followed by the padding, through the engine.
fn write_data<R: Read + Seek + Send + ?Sized>(
    held: &mut Held<'_>,
    s: &Settings,
    snap: &MediaSnapshot,
    placement: &Placement,
    stream: &mut R,
    cancel: &CancelHandle,
    events: &mut Events<'_>,
) -> Result<()> {
    let pregap = if placement.start_lba < 0 {
        (-placement.start_lba) as u64
    } else {
        0
    };
    let mut settings = EngineSettings {
        use_streaming_write12: placement.streaming,
        host_buffer_bytes: s.host_buffer_bytes,
        ..EngineSettings::default()
    };
    settings.pick_sectors_per_write(placement.write_unit, held.maximum_transfer_size());
    let total = pregap + s.sectors + placement.pad_sectors;
    let zeros = |n: u64| io::repeat(0).take(n * 2048);
    let mut source = zeros(pregap)
        .chain((&mut *stream).take(s.sectors * 2048))
        .chain(zeros(placement.pad_sectors));
    let _ = snap;
    let buffer = ring::Geometry {
        sector_bytes: settings.bytes_per_sector as usize,
        sectors: total,
        chunk_sectors: settings.sectors_per_write,
        capacity_bytes: settings.host_buffer_bytes,
    }
    .total_bytes() as u64;
    events.engine = WriteEngineProgress {
        start_lba: placement.start_lba,
        sector_count: total,
        last_read_lba: placement.start_lba - 1,
        last_written_lba: placement.start_lba - 1,
        total_system_buffer: buffer,
        free_system_buffer: buffer,
        ..WriteEngineProgress::default()
    };
    events.emit(DataWriteAction::WritingData, Some(0.0));
    let mut progress = |p: &WriteEngineProgress| {
        events.engine = *p;
        let done = p.sectors_written() as f64 / p.sector_count.max(1) as f64;
        events.emit(DataWriteAction::WritingData, Some(done))
    };
    engine::write_section(
        held,
        &settings,
        &mut source,
        placement.start_lba,
        total,
        cancel,
        &mut progress,
    )
}

/// The sections of a block-range write, through the engine, one after
/// the other.
fn write_sections<R: Read + Seek + Send + ?Sized>(
    held: &mut Held<'_>,
    s: &Settings,
    placement: &Placement,
    sections: &[ranges::Section],
    stream: &mut R,
    cancel: &CancelHandle,
    events: &mut Events<'_>,
) -> Result<()> {
    let mut settings = EngineSettings {
        use_streaming_write12: placement.streaming,
        host_buffer_bytes: s.host_buffer_bytes,
        ..EngineSettings::default()
    };
    settings.pick_sectors_per_write(placement.write_unit, held.maximum_transfer_size());
    events.emit(DataWriteAction::WritingData, Some(0.0));
    let mut progress = |p: &WriteEngineProgress, done: f64| {
        events.engine = *p;
        events.emit(DataWriteAction::WritingData, Some(done))
    };
    ranges::write(held, &settings, stream, sections, cancel, &mut progress)
}

/// After a block-range write stopped: what the medium holds now.
fn ranges_interrupted(
    held: &mut Held<'_>,
    snap: &MediaSnapshot,
    sections: &[ranges::Section],
    events: &Events<'_>,
    error: Error,
) -> Error {
    let _ = held.drive().synchronize_cache(|_| {});
    let p = snap.profile.name();
    let last = events.engine.last_written_lba;
    let in_last = sections.len() > 1
        && sections
            .last()
            .is_some_and(|l| last >= l.start as i64 && events.engine.start_lba == l.start as i64);
    let state = if in_last {
        format!(
            "the {p} holds the new session, and its descriptors were being pointed at it: \
             burn the session again"
        )
    } else {
        format!(
            "the {p} still reads as before (the new session was not completed and nothing \
             points at it); the next append writes over it"
        )
    };
    match error {
        Error::Cancelled { .. } => Error::Cancelled { state },
        other => Error::Interrupted {
            error: Box::new(other),
            state,
        },
    }
}

/// After a write stopped: what was sent is flushed, and the error says
/// what the medium holds now.
fn interrupted(
    held: &mut Held<'_>,
    strategy: &dyn strategy::Strategy,
    snap: &MediaSnapshot,
    placement: &Placement,
    events: &Events<'_>,
    error: Error,
) -> Error {
    let _ = held.drive().synchronize_cache(|_| {});
    let sent = events.engine.sectors_written();
    let state = strategy.interrupted(snap.profile, placement, sent);
    match error {
        Error::Cancelled { .. } => Error::Cancelled { state },
        other => Error::Interrupted {
            error: Box::new(other),
            state,
        },
    }
}

/// `IMAPI_MEDIA_WRITE_PROTECT_STATE` flags: READ DISC STRUCTURE C0h on DVD
/// and BD media, `READ_ONLY_MEDIA` for pressed discs.
fn write_protect_flags(rec: &mut DiscRecorder, snap: &MediaSnapshot) -> u32 {
    use imapi2_mmc::disc_structure::{format as f, media_type, DiscStructure};
    if !snap.present {
        return 0;
    }
    if !snap.profile.is_writable() {
        return 0x4000;
    }
    let mut flags = 0;
    if let Ok(b) = rec
        .drive()
        .read_disc_structure(media_type::DVD, 0, 0, f::WRITE_PROTECTION, 0)
    {
        if let Ok(DiscStructure::WriteProtection(w)) =
            DiscStructure::decode(media_type::DVD, f::WRITE_PROTECTION, &b)
        {
            if w.swpp {
                flags |= 0x1;
            }
            if w.cwp {
                flags |= 0x2;
            }
            if w.mswi {
                flags |= 0x4;
            }
            if w.pwp {
                flags |= 0x8;
            }
        }
    }
    if flags == 0 && snap.write_protected {
        flags |= 0x4;
    }
    flags
}
