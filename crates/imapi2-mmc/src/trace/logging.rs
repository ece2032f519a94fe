//! [`Logging`]: the decorator that writes one human-readable line per
//! command.

use std::io::{self, Write};
use std::time::{Duration, Instant};

use crate::transport::{DataPhase, Request, Response, ScsiStatus, ScsiTransport, TransportError};

use super::format::{escape, hex};
use super::names::{opcode_name, sense_triplet};

/// A decorator that writes one line per command to `W`:
///
/// ```text
/// #3 INQUIRY [12 00 00 00 24 00] in 36 -> GOOD, 36 bytes, 0.412 ms
/// #4 TEST UNIT READY [00 00 00 00 00 00] -> CHECK CONDITION 2/3A/02, 0 bytes, 0.153 ms
/// ```
#[derive(Debug)]
pub struct Logging<T, W: Write> {
    inner: T,
    out: W,
    count: u64,
    error: Option<io::Error>,
}

impl<T: ScsiTransport, W: Write> Logging<T, W> {
    /// Logs every command of `inner` to `out`.
    pub fn new(inner: T, out: W) -> Logging<T, W> {
        Logging {
            inner,
            out,
            count: 0,
            error: None,
        }
    }

    /// The first error writing the log, if any (cleared by this call).
    pub fn take_error(&mut self) -> Option<io::Error> {
        self.error.take()
    }

    /// Gives back the transport and the writer.
    pub fn into_parts(self) -> (T, W) {
        (self.inner, self.out)
    }
}

/// One log line (without the newline) for a command and its result.
pub fn log_line(
    step: u64,
    cdb: &[u8],
    phase: &str,
    result: &Result<Response, TransportError>,
    took: Duration,
) -> String {
    let name = cdb.first().and_then(|&op| opcode_name(op)).map_or_else(
        || format!("opcode {:02X}h", cdb.first().copied().unwrap_or(0)),
        str::to_string,
    );
    let verdict = match result {
        Ok(r) => {
            let status = match r.status {
                ScsiStatus::Good => "GOOD".to_string(),
                ScsiStatus::CheckCondition => "CHECK CONDITION".to_string(),
                ScsiStatus::Busy => "BUSY".to_string(),
                ScsiStatus::ReservationConflict => "RESERVATION CONFLICT".to_string(),
                ScsiStatus::TaskSetFull => "TASK SET FULL".to_string(),
                ScsiStatus::Other(b) => format!("status {b:02X}h"),
            };
            let sense = match sense_triplet(&r.sense) {
                Some((k, asc, ascq)) => format!(" {k:X}/{asc:02X}/{ascq:02X}"),
                None if !r.sense.is_empty() => format!(" sense [{}]", hex(&r.sense)),
                None => String::new(),
            };
            format!("{status}{sense}, {} bytes", r.transferred)
        }
        Err(e) => format!("error: {}", escape(&e.to_string())),
    };
    let phase = if phase.is_empty() {
        String::new()
    } else {
        format!(" {phase}")
    };
    format!(
        "#{step} {name} [{}]{phase} -> {verdict}, {:.3} ms",
        hex(cdb),
        took.as_secs_f64() * 1000.0
    )
}

impl<T: ScsiTransport, W: Write> ScsiTransport for Logging<T, W> {
    fn execute(&mut self, request: Request<'_>) -> Result<Response, TransportError> {
        self.count += 1;
        let cdb = request.cdb.to_vec();
        let phase = match &request.data {
            DataPhase::None => String::new(),
            DataPhase::In(b) => format!("in {}", b.len()),
            DataPhase::Out(b) => format!("out {}", b.len()),
        };
        let start = Instant::now();
        let result = self.inner.execute(request);
        let line = log_line(self.count, &cdb, &phase, &result, start.elapsed());
        if self.error.is_none() {
            if let Err(e) = writeln!(self.out, "{line}") {
                self.error = Some(e);
            }
        }
        result
    }

    fn device_name(&self) -> String {
        self.inner.device_name()
    }
}
