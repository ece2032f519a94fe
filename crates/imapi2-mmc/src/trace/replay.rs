//! [`Replay`]: a transport that answers from a trace, in order.

use std::path::Path;

use crate::codec::DecodeError;
use crate::transport::{DataPhase, Request, Response, ScsiTransport, TransportError};

use super::format::{hex, Outcome, Phase, Trace};

/// A transport that answers from a trace, in order.
///
/// Each command must carry the recorded CDB, the recorded kind and size of
/// data phase, and (for data-out) the recorded bytes; otherwise it fails with
/// [`TransportError::BadRequest`] naming the step and both CDBs, and the
/// replay stays at that step.
#[derive(Debug, Clone)]
pub struct Replay {
    trace: Trace,
    next: usize,
    name: String,
}

impl Replay {
    /// Replays `trace`; the device name is the trace's `meta device`, or "replay".
    pub fn new(trace: Trace) -> Replay {
        let name = trace
            .meta("device")
            .map_or_else(|| "replay".to_string(), |d| format!("replay:{d}"));
        Replay {
            trace,
            next: 0,
            name,
        }
    }

    /// Replays the trace file at `path`.
    pub fn from_file(path: &Path) -> Result<Replay, DecodeError> {
        Ok(Replay::new(Trace::load(path)?))
    }

    /// The trace being replayed.
    pub fn trace(&self) -> &Trace {
        &self.trace
    }

    /// How many exchanges have been answered.
    pub fn position(&self) -> usize {
        self.next
    }

    /// How many exchanges are left.
    pub fn remaining(&self) -> usize {
        self.trace.exchanges.len() - self.next
    }

    fn mismatch(&self, what: String) -> TransportError {
        TransportError::BadRequest {
            reason: format!("replay step {}: {what}", self.next + 1),
        }
    }
}

impl ScsiTransport for Replay {
    fn execute(&mut self, request: Request<'_>) -> Result<Response, TransportError> {
        let Some(x) = self.trace.exchanges.get(self.next) else {
            return Err(self.mismatch(format!(
                "the trace has only {} exchanges; got CDB [{}]",
                self.trace.exchanges.len(),
                hex(request.cdb)
            )));
        };
        if x.cdb != request.cdb {
            return Err(self.mismatch(format!(
                "expected CDB [{}] but got [{}]",
                hex(&x.cdb),
                hex(request.cdb)
            )));
        }
        match (&x.phase, &request.data) {
            (Phase::None, DataPhase::None) => {}
            (Phase::In { allocation }, DataPhase::In(b)) if *allocation == b.len() => {}
            (Phase::Out(d), DataPhase::Out(b)) => {
                if !d.matches(b) {
                    return Err(self.mismatch(format!(
                        "CDB [{}]: the data-out differs from the trace ({} bytes sent, {} recorded)",
                        hex(request.cdb),
                        b.len(),
                        d.len()
                    )));
                }
            }
            (want, got) => {
                let got = match got {
                    DataPhase::None => "none".to_string(),
                    DataPhase::In(b) => format!("data-in of {} bytes", b.len()),
                    DataPhase::Out(b) => format!("data-out of {} bytes", b.len()),
                };
                let want = match want {
                    Phase::None => "none".to_string(),
                    Phase::In { allocation } => format!("data-in of {allocation} bytes"),
                    Phase::Out(d) => format!("data-out of {} bytes", d.len()),
                };
                return Err(self.mismatch(format!(
                    "CDB [{}]: the trace has {want}, the request {got}",
                    hex(request.cdb)
                )));
            }
        }
        let result = match &x.outcome {
            Outcome::Completed { response, data_in } => {
                if let DataPhase::In(buf) = request.data {
                    // The phase check made buf.len() equal the allocation, and
                    // the decoder bounded data_in by it.
                    let n = data_in.len().min(buf.len());
                    buf[..n].copy_from_slice(&data_in[..n]);
                }
                Ok(response.clone())
            }
            Outcome::Failed(e) => Err(e.clone()),
        };
        self.next += 1;
        result
    }

    fn device_name(&self) -> String {
        self.name.clone()
    }
}
