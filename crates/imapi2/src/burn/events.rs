//! Progress events of the burning objects (IMAPI's `Update` events): the
//! write engine's (`IWriteEngine2EventArgs`) and the data writer's
//! (`IDiscFormat2DataEventArgs`, with its `IMAPI_FORMAT2_DATA_WRITE_ACTION`),
//! and what a handler answers.

use std::fmt;

/// What a progress handler answers: go on, or cancel the operation (IMAPI's
/// `CancelWrite` called from inside the event handler).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Go on.
    Continue,
    /// Stop as soon as the medium allows; the operation ends with
    /// `E_IMAPI_REQUEST_CANCELLED`.
    Cancel,
}

/// `IWriteEngine2EventArgs`: where a section write stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WriteEngineProgress {
    /// `StartLba`: first LBA of the section (negative on a CD's lead-in).
    pub start_lba: i64,
    /// `SectorCount`: sectors in the section.
    pub sector_count: u64,
    /// `LastReadLba`: the last LBA whose sector was read from the source.
    pub last_read_lba: i64,
    /// `LastWrittenLba`: the last LBA sent to the drive.
    pub last_written_lba: i64,
    /// `TotalSystemBuffer`: bytes of the host buffer.
    pub total_system_buffer: u64,
    /// `UsedSystemBuffer`: bytes read from the source, not yet sent.
    pub used_system_buffer: u64,
    /// `FreeSystemBuffer`: `total - used`.
    pub free_system_buffer: u64,
    /// The drive's buffer size in bytes, when READ BUFFER CAPACITY answers
    /// (IMAPI reserves but does not expose these).
    pub device_buffer_size: Option<u64>,
    /// Free bytes of the drive's buffer, when READ BUFFER CAPACITY answers.
    pub device_buffer_free: Option<u64>,
}

impl WriteEngineProgress {
    /// Sectors sent so far.
    pub fn sectors_written(&self) -> u64 {
        (self.last_written_lba + 1 - self.start_lba).max(0) as u64
    }
}

/// `IMAPI_FORMAT2_DATA_WRITE_ACTION` (values exact).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(i32)]
pub enum DataWriteAction {
    /// `IMAPI_FORMAT2_DATA_WRITE_ACTION_VALIDATING_MEDIA`: checking the
    /// medium before anything is written.
    ValidatingMedia = 0,
    /// `…_FORMATTING_MEDIA`: formatting a blank DVD+RW or BD-RE.
    FormattingMedia = 1,
    /// `…_INITIALIZING_HARDWARE`: write parameters, speed, reservations.
    InitializingHardware = 2,
    /// `…_CALIBRATING_POWER`: optimum power calibration.
    CalibratingPower = 3,
    /// `…_WRITING_DATA`.
    WritingData = 4,
    /// `…_FINALIZATION`: flushing the cache, closing the track and session,
    /// stopping a background format.
    Finalization = 5,
    /// `…_COMPLETED`.
    Completed = 6,
    /// `…_VERIFYING`: reading the burn back.
    Verifying = 7,
}

impl DataWriteAction {
    /// The IMAPI constant's name.
    pub fn imapi_name(self) -> &'static str {
        match self {
            DataWriteAction::ValidatingMedia => "IMAPI_FORMAT2_DATA_WRITE_ACTION_VALIDATING_MEDIA",
            DataWriteAction::FormattingMedia => "IMAPI_FORMAT2_DATA_WRITE_ACTION_FORMATTING_MEDIA",
            DataWriteAction::InitializingHardware => {
                "IMAPI_FORMAT2_DATA_WRITE_ACTION_INITIALIZING_HARDWARE"
            }
            DataWriteAction::CalibratingPower => {
                "IMAPI_FORMAT2_DATA_WRITE_ACTION_CALIBRATING_POWER"
            }
            DataWriteAction::WritingData => "IMAPI_FORMAT2_DATA_WRITE_ACTION_WRITING_DATA",
            DataWriteAction::Finalization => "IMAPI_FORMAT2_DATA_WRITE_ACTION_FINALIZATION",
            DataWriteAction::Completed => "IMAPI_FORMAT2_DATA_WRITE_ACTION_COMPLETED",
            DataWriteAction::Verifying => "IMAPI_FORMAT2_DATA_WRITE_ACTION_VERIFYING",
        }
    }

    /// A short word for people ("writing", "verifying").
    pub fn word(self) -> &'static str {
        match self {
            DataWriteAction::ValidatingMedia => "validating",
            DataWriteAction::FormattingMedia => "formatting",
            DataWriteAction::InitializingHardware => "initializing",
            DataWriteAction::CalibratingPower => "calibrating",
            DataWriteAction::WritingData => "writing",
            DataWriteAction::Finalization => "finalizing",
            DataWriteAction::Completed => "completed",
            DataWriteAction::Verifying => "verifying",
        }
    }
}

impl fmt::Display for DataWriteAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.word())
    }
}

/// `IDiscFormat2DataEventArgs`: the engine's figures plus time and action.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DataWriteProgress {
    /// The write engine's part (LBAs, host and drive buffer).
    pub engine: WriteEngineProgress,
    /// `ElapsedTime`, seconds since the write began.
    pub elapsed_time: f64,
    /// `RemainingTime`: seconds still expected (an estimate).
    pub remaining_time: f64,
    /// `TotalTime`: elapsed + remaining.
    pub total_time: f64,
    /// `CurrentAction`.
    pub current_action: DataWriteAction,
    /// The drive's own progress of a long operation (formatting, closing,
    /// flushing), 0..=1, when it reports one.
    pub action_progress: Option<f64>,
}

/// `IMAPI_BURN_VERIFICATION_LEVEL` (values exact).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[repr(i32)]
pub enum VerificationLevel {
    /// `IMAPI_BURN_VERIFICATION_NONE`: no check beyond the drive's account of
    /// what it recorded (which every burn does).
    None = 0,
    /// `IMAPI_BURN_VERIFICATION_QUICK`: disc and track information sane,
    /// every track readable, a sample of sectors compared with the source.
    #[default]
    Quick = 1,
    /// `IMAPI_BURN_VERIFICATION_FULL`: quick, and every sector of the
    /// session read back and compared with the source.
    Full = 2,
}

impl VerificationLevel {
    /// From the IMAPI value.
    pub fn from_i32(v: i32) -> Option<VerificationLevel> {
        Some(match v {
            0 => VerificationLevel::None,
            1 => VerificationLevel::Quick,
            2 => VerificationLevel::Full,
            _ => return None,
        })
    }
}
