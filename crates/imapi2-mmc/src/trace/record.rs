//! [`Recording`]: the decorator that appends every exchange to a trace.

use std::fmt::Write as _;
use std::io::{self, Write};

use crate::transport::{DataPhase, Request, Response, ScsiTransport, TransportError};

use super::format::{DataOut, Exchange, Outcome, Phase};

/// Runs `request` on `inner`, capturing what a trace needs. Data-out longer
/// than `limit` is kept as a digest.
fn run_captured<T: ScsiTransport + ?Sized>(
    inner: &mut T,
    request: Request<'_>,
    limit: Option<usize>,
) -> (Result<Response, TransportError>, Exchange) {
    let Request { cdb, data, timeout } = request;
    let (result, phase, data_in) = match data {
        DataPhase::None => (
            inner.execute(Request {
                cdb,
                data: DataPhase::None,
                timeout,
            }),
            Phase::None,
            Vec::new(),
        ),
        DataPhase::Out(bytes) => {
            let kept = DataOut::capture(bytes, limit);
            (
                inner.execute(Request {
                    cdb,
                    data: DataPhase::Out(bytes),
                    timeout,
                }),
                Phase::Out(kept),
                Vec::new(),
            )
        }
        DataPhase::In(buf) => {
            let allocation = buf.len();
            let r = inner.execute(Request {
                cdb,
                data: DataPhase::In(&mut *buf),
                timeout,
            });
            let got = match &r {
                Ok(resp) => buf[..resp.transferred.min(allocation)].to_vec(),
                Err(_) => Vec::new(),
            };
            (r, Phase::In { allocation }, got)
        }
    };
    let outcome = match &result {
        Ok(resp) => {
            let mut response = resp.clone();
            if let Phase::In { allocation } = phase {
                response.transferred = response.transferred.min(allocation);
            }
            Outcome::Completed { response, data_in }
        }
        Err(e) => Outcome::Failed(e.clone()),
    };
    (
        result,
        Exchange {
            cdb: cdb.to_vec(),
            phase,
            timeout,
            outcome,
        },
    )
}

/// A decorator that appends every exchange to a trace written to `W`.
///
/// A failure to write the trace does not fail the command (the drive has
/// executed it); the first such error is kept for [`Recording::take_error`].
#[derive(Debug)]
pub struct Recording<T, W: Write> {
    inner: T,
    out: W,
    limit: Option<usize>,
    error: Option<io::Error>,
}

impl<T: ScsiTransport, W: Write> Recording<T, W> {
    /// Records every exchange of `inner` to `out`, data-out in full.
    pub fn new(inner: T, out: W) -> Recording<T, W> {
        Recording {
            inner,
            out,
            limit: None,
            error: None,
        }
    }

    /// Keeps only the first `limit` bytes of longer data-out (WRITE payloads),
    /// with their length and digest.
    pub fn truncate_data_out_above(mut self, limit: usize) -> Recording<T, W> {
        self.limit = Some(limit);
        self
    }

    /// Writes a comment line (`# text`); newlines in `text` start new comment lines.
    pub fn comment(&mut self, text: &str) {
        let mut s = String::new();
        for l in text.split('\n') {
            let _ = writeln!(s, "# {l}");
        }
        self.write(&s);
    }

    /// Writes a `meta KEY VALUE` line (spaces in `key` become `-`, newlines in
    /// `value` become spaces). Put these before the first exchange.
    pub fn meta(&mut self, key: &str, value: &str) {
        let line = format!(
            "meta {} {}\n",
            key.replace(' ', "-"),
            value.replace(['\n', '\r'], " ")
        );
        self.write(&line);
    }

    fn write(&mut self, s: &str) {
        if self.error.is_some() {
            return;
        }
        if let Err(e) = self
            .out
            .write_all(s.as_bytes())
            .and_then(|_| self.out.flush())
        {
            self.error = Some(e);
        }
    }

    /// The first error writing the trace, if any (cleared by this call).
    pub fn take_error(&mut self) -> Option<io::Error> {
        self.error.take()
    }

    /// The wrapped transport.
    pub fn inner(&self) -> &T {
        &self.inner
    }

    /// Gives back the transport and the writer.
    pub fn into_parts(self) -> (T, W) {
        (self.inner, self.out)
    }
}

impl<T: ScsiTransport, W: Write> ScsiTransport for Recording<T, W> {
    fn execute(&mut self, request: Request<'_>) -> Result<Response, TransportError> {
        let (result, exchange) = run_captured(&mut self.inner, request, self.limit);
        let mut s = String::new();
        exchange.encode_into(&mut s);
        self.write(&s);
        result
    }

    fn device_name(&self) -> String {
        self.inner.device_name()
    }
}
