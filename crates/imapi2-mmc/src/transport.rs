//! The boundary between "what to ask a drive" and "how the question travels".
//!
//! A [`ScsiTransport`] executes one command descriptor block (CDB) with an
//! optional data phase and reports the SCSI status, the sense bytes and how
//! many bytes moved. It applies no policy: no retries, no sense
//! interpretation. The Linux SG_IO transport, the virtual recorder and the
//! logging/recording/fault-injecting decorators all implement it.

use std::fmt;
use std::time::Duration;

/// The data phase of one command.
#[derive(Debug)]
pub enum DataPhase<'a> {
    /// No data moves (TEST UNIT READY, START STOP UNIT, ...).
    None,
    /// Data from the drive into this buffer; its length is the allocation length.
    In(&'a mut [u8]),
    /// Data from this buffer to the drive (WRITE, MODE SELECT, ...).
    Out(&'a [u8]),
}

impl DataPhase<'_> {
    /// Number of bytes the host offers to move.
    pub fn len(&self) -> usize {
        match self {
            DataPhase::None => 0,
            DataPhase::In(b) => b.len(),
            DataPhase::Out(b) => b.len(),
        }
    }

    /// True when no data moves.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One command as handed to a transport.
#[derive(Debug)]
pub struct Request<'a> {
    /// The CDB, 6 to 16 bytes.
    pub cdb: &'a [u8],
    /// The data phase.
    pub data: DataPhase<'a>,
    /// How long the command may take before the transport gives up.
    pub timeout: Duration,
}

/// SCSI status byte (SAM-5 §5.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScsiStatus {
    /// 00h: the command completed.
    Good,
    /// 02h: the command failed; the sense data says why.
    CheckCondition,
    /// 08h: the target is busy; try again.
    Busy,
    /// 18h: another initiator holds a reservation.
    ReservationConflict,
    /// 28h: the task set is full; try again.
    TaskSetFull,
    /// Any other status byte.
    Other(u8),
}

impl ScsiStatus {
    /// The status from its byte.
    pub fn from_byte(b: u8) -> ScsiStatus {
        match b {
            0x00 => ScsiStatus::Good,
            0x02 => ScsiStatus::CheckCondition,
            0x08 => ScsiStatus::Busy,
            0x18 => ScsiStatus::ReservationConflict,
            0x28 => ScsiStatus::TaskSetFull,
            other => ScsiStatus::Other(other),
        }
    }

    /// The status byte.
    pub fn to_byte(self) -> u8 {
        match self {
            ScsiStatus::Good => 0x00,
            ScsiStatus::CheckCondition => 0x02,
            ScsiStatus::Busy => 0x08,
            ScsiStatus::ReservationConflict => 0x18,
            ScsiStatus::TaskSetFull => 0x28,
            ScsiStatus::Other(b) => b,
        }
    }
}

/// What a transport reports for a command that reached the drive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The SCSI status.
    pub status: ScsiStatus,
    /// Sense bytes (empty unless `status` is CHECK CONDITION); decode them with
    /// [`crate::sense::Sense::decode`].
    pub sense: Vec<u8>,
    /// Bytes actually moved in the data phase (≤ the buffer's length; MMC
    /// replies are often shorter than the allocation length).
    pub transferred: usize,
}

impl Response {
    /// A GOOD response that moved `transferred` bytes.
    pub fn good(transferred: usize) -> Response {
        Response {
            status: ScsiStatus::Good,
            sense: Vec::new(),
            transferred,
        }
    }

    /// A CHECK CONDITION response carrying `sense`.
    pub fn check_condition(sense: Vec<u8>) -> Response {
        Response {
            status: ScsiStatus::CheckCondition,
            sense,
            transferred: 0,
        }
    }
}

/// A command that never got a SCSI status: the path to the drive failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransportError {
    /// The operating system refused the request (errno and what it means here).
    Os {
        /// The errno value.
        errno: i32,
        /// What was being done, with the device path.
        context: String,
    },
    /// The host adapter reported a failure (Linux `host_status`).
    Host {
        /// The host status code (DID_*).
        code: u16,
    },
    /// The low-level driver reported a failure (Linux `driver_status`).
    Driver {
        /// The driver status code.
        code: u16,
    },
    /// The command did not complete within its timeout.
    Timeout {
        /// The timeout that expired.
        after: Duration,
    },
    /// The device is gone (unplugged, or the virtual recorder was closed).
    NoDevice {
        /// Which device.
        device: String,
    },
    /// The request itself is malformed (CDB length, buffer too large, ...).
    BadRequest {
        /// What is wrong.
        reason: String,
    },
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TransportError::Os { errno, context } => {
                let err = std::io::Error::from_raw_os_error(*errno);
                write!(f, "{context}: {err}")
            }
            TransportError::Host { code } => write!(f, "host adapter status {code:#06x}"),
            TransportError::Driver { code } => write!(f, "driver status {code:#06x}"),
            TransportError::Timeout { after } => {
                write!(f, "command timed out after {:.1} s", after.as_secs_f64())
            }
            TransportError::NoDevice { device } => write!(f, "device {device} is gone"),
            TransportError::BadRequest { reason } => write!(f, "malformed request: {reason}"),
        }
    }
}

impl std::error::Error for TransportError {}

/// Something that executes SCSI commands: a real drive, the virtual recorder,
/// or a decorator around either.
pub trait ScsiTransport {
    /// Executes one command. A `TransportError` means no SCSI status came back;
    /// a CHECK CONDITION is an `Ok` response carrying sense bytes.
    fn execute(&mut self, request: Request<'_>) -> Result<Response, TransportError>;

    /// A short human-readable name of the device (`/dev/sr0`, `virtual:/path`).
    fn device_name(&self) -> String;

    /// Takes (`true`) or gives back (`false`) the device for this process
    /// alone, where the operating system offers that (Linux: `O_EXCL` on the
    /// device nodes). Transports without such a notion accept and do nothing.
    fn set_exclusive(&mut self, exclusive: bool) -> Result<(), TransportError> {
        let _ = exclusive;
        Ok(())
    }
}

impl<T: ScsiTransport + ?Sized> ScsiTransport for Box<T> {
    fn execute(&mut self, request: Request<'_>) -> Result<Response, TransportError> {
        (**self).execute(request)
    }

    fn device_name(&self) -> String {
        (**self).device_name()
    }

    fn set_exclusive(&mut self, exclusive: bool) -> Result<(), TransportError> {
        (**self).set_exclusive(exclusive)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_bytes_round_trip() {
        for b in 0..=255u8 {
            assert_eq!(ScsiStatus::from_byte(b).to_byte(), b);
        }
    }
}
