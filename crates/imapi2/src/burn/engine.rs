//! `IWriteEngine2`: sectors from a stream to the drive, nothing else.
//!
//! The engine does what IMAPI's does: given a recorder, a stream, a start
//! LBA (negative ones too: a CD's lead-in and pregap), a sector count and a
//! sector size (2048, or 2352/2448 for raw CD), it reads the stream on a
//! thread of its own into a bounded host buffer ([`ring`]) and
//! sends WRITE(10) — or WRITE(12) with the Streaming bit — commands of whole
//! write units, in order, with no gaps. A drive busy draining its buffer
//! (02/04/08, "long write in progress") is waited out and the same WRITE
//! sent again by the command layer's retry policy; the drive's buffer is
//! watched with READ BUFFER CAPACITY and reported in the progress events.
//!
//! What it does not do (IMAPI's division of labour, reference §5): check or
//! prepare the medium, set write parameters or speed, flush the cache, close
//! tracks or sessions. The format objects ([`DiscFormat2Data`](super::data)
//! and the CD writers) do those around it.

use std::io::{Read, Seek, SeekFrom};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use imapi2_mmc::capacity::BufferCapacity;

use super::events::{Flow, WriteEngineProgress};
use super::ring::{self, Geometry, SourceError};
use crate::error::{Error, Result};
use crate::recorder::DiscRecorder;

/// How often, at most, the drive's buffer is asked about.
const BUFFER_POLL: Duration = Duration::from_millis(250);

/// Cancels a running write from another thread (IMAPI's `CancelWrite`), and
/// tells whether one runs (`WriteInProgress`). Clones share one state.
#[derive(Debug, Clone, Default)]
pub struct CancelHandle {
    cancel: Arc<AtomicBool>,
    running: Arc<AtomicBool>,
}

impl CancelHandle {
    /// Asks the running write to stop; returns false when none runs (IMAPI's
    /// `S_IMAPI_WRITE_NOT_IN_PROGRESS` / `E_IMAPI_DF2DATA_WRITE_NOT_IN_PROGRESS`).
    pub fn cancel(&self) -> bool {
        if !self.running.load(Ordering::SeqCst) {
            return false;
        }
        self.cancel.store(true, Ordering::SeqCst);
        true
    }

    /// `WriteInProgress`.
    pub fn in_progress(&self) -> bool {
        self.running.load(Ordering::SeqCst)
    }

    /// Whether a cancel was asked for.
    pub fn is_cancelled(&self) -> bool {
        self.cancel.load(Ordering::SeqCst)
    }

    /// Marks a write as running until the guard is dropped; a cancel asked
    /// before is forgotten.
    pub(crate) fn start(&self) -> Result<RunningGuard> {
        if self.running.swap(true, Ordering::SeqCst) {
            return Err(Error::WriteInProgress);
        }
        self.cancel.store(false, Ordering::SeqCst);
        Ok(RunningGuard(self.clone()))
    }
}

/// Clears "write in progress" on every way out, panics included.
pub(crate) struct RunningGuard(CancelHandle);

impl Drop for RunningGuard {
    fn drop(&mut self) {
        self.0.running.store(false, Ordering::SeqCst);
    }
}

/// The `IWriteEngine2` properties that shape a section write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineSettings {
    /// `BytesPerSector`: 2048 for data; 2352, 2368 or 2448 for raw CD.
    pub bytes_per_sector: u32,
    /// `UseStreamingWrite12`: WRITE(12) with the Streaming bit instead of WRITE(10).
    pub use_streaming_write12: bool,
    /// `StartingSectorsPerSecond`: expected speed at the start (−1: fastest);
    /// used for time estimates.
    pub starting_sectors_per_second: i32,
    /// `EndingSectorsPerSecond`: expected speed at the end (−1: fastest).
    pub ending_sectors_per_second: i32,
    /// Sectors per WRITE command: a whole number of the medium's write unit,
    /// within the transfer limit. Beyond IMAPI, which picks it itself.
    pub sectors_per_write: u32,
    /// Bytes of the host buffer ([`ring::DEFAULT_BYTES`] unless set).
    pub host_buffer_bytes: usize,
}

impl Default for EngineSettings {
    fn default() -> Self {
        EngineSettings {
            bytes_per_sector: 2048,
            use_streaming_write12: false,
            starting_sectors_per_second: -1,
            ending_sectors_per_second: -1,
            sectors_per_write: 32,
            host_buffer_bytes: ring::DEFAULT_BYTES,
        }
    }
}

impl EngineSettings {
    /// Sectors per WRITE for a medium whose write unit is `unit` sectors,
    /// within a transfer limit of `max_transfer` bytes: the most whole units
    /// that fit in 64 KiB (what real burners send), at least one unit.
    pub fn pick_sectors_per_write(&mut self, unit: u32, max_transfer: u32) {
        let limit = max_transfer.min(64 << 10) / self.bytes_per_sector.max(1);
        let unit = unit.max(1);
        self.sectors_per_write = (limit / unit).max(1) * unit;
    }
}

/// Writes `sectors` sectors of `source` at `start_lba` on the recorder's
/// medium. `progress` is called after each WRITE with the engine's figures;
/// answering [`Flow::Cancel`] — or a [`CancelHandle::cancel`] from another
/// thread — stops the write after the command in flight. The source is read
/// from its current position; on a cancel or an error it is left wherever
/// the producer stopped.
pub fn write_section<R>(
    recorder: &mut DiscRecorder,
    settings: &EngineSettings,
    source: &mut R,
    start_lba: i64,
    sectors: u64,
    cancel: &CancelHandle,
    progress: &mut dyn FnMut(&WriteEngineProgress) -> Flow,
) -> Result<()>
where
    R: Read + Send + ?Sized,
{
    if settings.bytes_per_sector == 0 || settings.sectors_per_write == 0 {
        return Err(Error::InvalidParam {
            name: "BytesPerSector",
            reason: "must be set (1 or more) before WriteSection".into(),
        });
    }
    let geometry = Geometry {
        sector_bytes: settings.bytes_per_sector as usize,
        sectors,
        chunk_sectors: settings.sectors_per_write,
        capacity_bytes: settings.host_buffer_bytes,
    };
    let device = recorder.device().to_string();
    let mut figures = WriteEngineProgress {
        start_lba,
        sector_count: sectors,
        last_read_lba: start_lba - 1,
        last_written_lba: start_lba - 1,
        total_system_buffer: geometry.total_bytes() as u64,
        free_system_buffer: geometry.total_bytes() as u64,
        ..WriteEngineProgress::default()
    };
    let mut last_poll: Option<Instant> = None;
    ring::with_buffer(source, geometry, |feed| {
        while let Some(chunk) = feed.take() {
            let chunk = chunk.map_err(|e| source_error(e, start_lba))?;
            if cancel.is_cancelled() {
                return Err(Error::Cancelled {
                    state: format!(
                        "{} of {sectors} sectors sent from LBA {start_lba}",
                        figures.sectors_written()
                    ),
                });
            }
            let lba = start_lba + chunk.first as i64;
            let lba32 = i32::try_from(lba).map_err(|_| Error::InvalidParam {
                name: "startLba",
                reason: format!("LBA {lba} does not fit a WRITE command"),
            })?;
            let drive = recorder.drive();
            let block = settings.bytes_per_sector as usize;
            let r = if settings.use_streaming_write12 {
                drive.write12(lba32, &chunk.data, block, true)
            } else {
                drive.write10(lba32, &chunk.data, block)
            };
            r.map_err(|error| Error::Write {
                device: device.clone(),
                lba,
                sectors: chunk.sectors,
                error,
            })?;
            figures.last_written_lba = lba + i64::from(chunk.sectors) - 1;
            let fill = feed.fill();
            figures.last_read_lba = start_lba + fill.read_sectors as i64 - 1;
            figures.used_system_buffer = fill.used;
            figures.free_system_buffer = fill.total.saturating_sub(fill.used);
            feed.recycle(chunk.data);
            if last_poll.map_or(true, |t| t.elapsed() >= BUFFER_POLL) {
                last_poll = Some(Instant::now());
                poll_drive_buffer(recorder, &mut figures);
            }
            if progress(&figures) == Flow::Cancel {
                cancel.cancel.store(true, Ordering::SeqCst);
            }
        }
        Ok(())
    })?;
    // A cancel asked during the last command still counts.
    if cancel.is_cancelled() && figures.sectors_written() < sectors {
        return Err(Error::Cancelled {
            state: format!("{} of {sectors} sectors sent", figures.sectors_written()),
        });
    }
    Ok(())
}

/// Asks the drive how full its buffer is; drives without READ BUFFER
/// CAPACITY just leave the figures empty.
fn poll_drive_buffer(recorder: &mut DiscRecorder, figures: &mut WriteEngineProgress) {
    match recorder.drive().read_buffer_capacity() {
        Ok(BufferCapacity::Bytes { length, available }) => {
            figures.device_buffer_size = Some(u64::from(length));
            figures.device_buffer_free = Some(u64::from(available.min(length)));
        }
        Ok(BufferCapacity::Blocks { available }) => {
            figures.device_buffer_free = Some(u64::from(available) * 2048);
        }
        Err(_) => {}
    }
}

/// A source failure as the burn reports it: the file system's own error
/// (a vanished or changed file, with its IMAPI code) when the stream is an
/// image stream, else the I/O error.
fn source_error(e: SourceError, start_lba: i64) -> Error {
    match e {
        SourceError::Read { sector, error } => {
            let lba = start_lba + sector as i64;
            match error
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<imapi2_fs::Error>())
            {
                Some(fs) => Error::Source {
                    lba,
                    reason: fs.to_string(),
                    code: fs.imapi_code(),
                },
                None => Error::Source {
                    lba,
                    reason: error.to_string(),
                    code: None,
                },
            }
        }
        SourceError::Short { expected, got } => Error::Source {
            lba: start_lba + got as i64,
            reason: format!("the stream ended after {got} of its {expected} sectors"),
            code: Some(0xC0AA_B128), // IMAPI_E_DATA_STREAM_INCONSISTENCY
        },
    }
}

/// A progress handler of the engine (`DWriteEngine2Events::Update`).
pub type EngineUpdate = Box<dyn FnMut(&WriteEngineProgress) -> Flow + Send>;

/// `MsftWriteEngine2`: the engine as an object, for callers that prepare the
/// medium themselves (IMAPI's intended use: a custom format).
pub struct WriteEngine {
    recorder: Option<DiscRecorder>,
    settings: EngineSettings,
    bytes_per_sector_set: bool,
    cancel: CancelHandle,
    update: Option<EngineUpdate>,
}

impl Default for WriteEngine {
    fn default() -> Self {
        WriteEngine::new()
    }
}

impl WriteEngine {
    /// An engine with no recorder and IMAPI's defaults.
    pub fn new() -> WriteEngine {
        WriteEngine {
            recorder: None,
            settings: EngineSettings::default(),
            bytes_per_sector_set: false,
            cancel: CancelHandle::default(),
            update: None,
        }
    }

    /// `Recorder` (put): the recorder to write to (IMAPI takes the
    /// `IDiscRecorder2Ex` interface; here the recorder object has both).
    pub fn set_recorder(&mut self, recorder: DiscRecorder) -> Result<()> {
        if self.cancel.in_progress() {
            return Err(Error::WriteInProgress);
        }
        self.recorder = Some(recorder);
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

    /// `BytesPerSector` (put): 1 or more.
    pub fn set_bytes_per_sector(&mut self, bytes: u32) -> Result<()> {
        if bytes == 0 || bytes > 64 << 10 {
            return Err(Error::InvalidParam {
                name: "BytesPerSector",
                reason: format!("{bytes} is not 1..=65536"),
            });
        }
        self.settings.bytes_per_sector = bytes;
        self.settings.sectors_per_write = ((64 << 10) / bytes).max(1);
        self.bytes_per_sector_set = true;
        Ok(())
    }

    /// `BytesPerSector` (get): −1 until set, as in IMAPI.
    pub fn bytes_per_sector(&self) -> i64 {
        if self.bytes_per_sector_set {
            i64::from(self.settings.bytes_per_sector)
        } else {
            -1
        }
    }

    /// `UseStreamingWrite12`.
    pub fn set_use_streaming_write12(&mut self, on: bool) {
        self.settings.use_streaming_write12 = on;
    }

    /// `UseStreamingWrite12` (get).
    pub fn use_streaming_write12(&self) -> bool {
        self.settings.use_streaming_write12
    }

    /// `StartingSectorsPerSecond` and `EndingSectorsPerSecond` (−1: fastest).
    pub fn set_sectors_per_second(&mut self, starting: i32, ending: i32) {
        self.settings.starting_sectors_per_second = starting;
        self.settings.ending_sectors_per_second = ending;
    }

    /// (`StartingSectorsPerSecond`, `EndingSectorsPerSecond`).
    pub fn sectors_per_second(&self) -> (i32, i32) {
        (
            self.settings.starting_sectors_per_second,
            self.settings.ending_sectors_per_second,
        )
    }

    /// Sectors per WRITE command (beyond IMAPI); default 64 KiB's worth.
    pub fn set_sectors_per_write(&mut self, sectors: u32) {
        self.settings.sectors_per_write = sectors.max(1);
    }

    /// `DWriteEngine2Events::Update`: called after each WRITE.
    pub fn set_update(&mut self, f: impl FnMut(&WriteEngineProgress) -> Flow + Send + 'static) {
        self.update = Some(Box::new(f));
    }

    /// A handle for `CancelWrite` and `WriteInProgress` from other threads.
    pub fn cancel_handle(&self) -> CancelHandle {
        self.cancel.clone()
    }

    /// `CancelWrite`: false when no write runs (`S_IMAPI_WRITE_NOT_IN_PROGRESS`).
    pub fn cancel_write(&self) -> bool {
        self.cancel.cancel()
    }

    /// `WriteInProgress`.
    pub fn write_in_progress(&self) -> bool {
        self.cancel.in_progress()
    }

    /// `WriteSection(stream, startLba, numberOfBlocks)`: synchronous. The
    /// stream is read from its start.
    pub fn write_section<R>(&mut self, stream: &mut R, start_lba: i64, sectors: u64) -> Result<()>
    where
        R: Read + Seek + Send + ?Sized,
    {
        if !self.bytes_per_sector_set {
            return Err(Error::InvalidParam {
                name: "BytesPerSector",
                reason: "must be set before WriteSection".into(),
            });
        }
        let _running = self.cancel.start()?;
        let recorder = self.recorder.as_mut().ok_or(Error::RecorderRequired)?;
        stream.seek(SeekFrom::Start(0)).map_err(|e| Error::Source {
            lba: start_lba,
            reason: format!("the stream cannot seek to its start: {e}"),
            code: None,
        })?;
        let mut update = self.update.take();
        let mut report = |p: &WriteEngineProgress| match update.as_mut() {
            Some(f) => f(p),
            None => Flow::Continue,
        };
        let r = write_section(
            recorder,
            &self.settings,
            stream,
            start_lba,
            sectors,
            &self.cancel,
            &mut report,
        );
        self.update = update;
        r
    }
}
