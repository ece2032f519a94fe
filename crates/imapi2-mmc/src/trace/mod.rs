//! Transport decorators that watch the command stream, and the trace format
//! they share.
//!
//! - [`Logging`] writes one human-readable line per command (CDB, command
//!   name, status, sense key/ASC/ASCQ, bytes moved, duration) to any `Write`.
//! - [`Recording`] appends every exchange to a trace, in the text format
//!   below.
//! - [`Replay`] is a transport that answers from a trace, in order, and
//!   refuses a command whose CDB (or data-out) differs from the recorded one.
//!
//! # Trace format, version 1
//!
//! A trace is UTF-8 text, one record per line; fields are separated by single
//! spaces and hex is lower or upper case, with optional spaces between
//! bytes. Blank lines and lines starting with `#` are comments. One
//! exchange (command and outcome) reads:
//!
//! ```text
//! cmd 12 00 00 00 24 00 in=36 timeout=30000 # INQUIRY
//! status 00 moved=36
//! in 05 80 05 32 1f 00 00 00 51 45 4d 55 20 20 20 20 ...
//! end
//! ```
//!
//! | line | meaning |
//! |---|---|
//! | `meta KEY VALUE` | a fact about the whole trace (device, image size); KEY has no spaces, VALUE is the rest of the line |
//! | `cmd CDB PHASE timeout=MS` | starts an exchange: the CDB bytes in hex (6 to 16), the data phase `none`, `in=N` (allocation length) or `out=N` (bytes sent), the timeout in milliseconds; a trailing `# ...` is a comment (the recorder writes the command name there) |
//! | `out HEX` | data-out bytes; repeated lines concatenate (32 bytes per line) |
//! | `out-digest N FNV` | the data-out was longer than the recorder's limit: the `out` lines hold only its first bytes, N is its full length and FNV its FNV-1a 64-bit hash (16 hex digits) |
//! | `status SS moved=N` | the command completed with SCSI status byte SS having moved N bytes |
//! | `sense HEX` | the sense bytes returned with the status |
//! | `in HEX` | data-in bytes actually transferred (N of them); repeated lines concatenate |
//! | `error KIND ARGS` | instead of `status`: the transport failed: `os ERRNO CONTEXT`, `host CODE`, `driver CODE`, `timeout MS`, `nodevice NAME`, `badrequest REASON` (texts with `\\`, `\n`, `\r` escaped) |
//! | `end` | closes the exchange |
//!
//! Every exchange has exactly one `status` or `error`; `out` only with
//! `out=N`, `in` only with `in=N` and a `status`.

use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use crate::codec::DecodeError;
use crate::transport::{DataPhase, Request, Response, ScsiStatus, ScsiTransport, TransportError};

const STRUCTURE: &str = "MMC trace";

/// Bytes per `in`/`out` line.
const HEX_LINE: usize = 32;

/// The name of an MMC/SPC command by opcode (MMC-6 Table 12, SPC-4 §4.2.4),
/// for logs and error messages.
pub fn opcode_name(opcode: u8) -> Option<&'static str> {
    Some(match opcode {
        0x00 => "TEST UNIT READY",
        0x03 => "REQUEST SENSE",
        0x04 => "FORMAT UNIT",
        0x12 => "INQUIRY",
        0x15 => "MODE SELECT(6)",
        0x1A => "MODE SENSE(6)",
        0x1B => "START STOP UNIT",
        0x1E => "PREVENT ALLOW MEDIUM REMOVAL",
        0x23 => "READ FORMAT CAPACITIES",
        0x25 => "READ CAPACITY",
        0x28 => "READ(10)",
        0x2A => "WRITE(10)",
        0x2B => "SEEK(10)",
        0x2E => "WRITE AND VERIFY(10)",
        0x2F => "VERIFY(10)",
        0x35 => "SYNCHRONIZE CACHE",
        0x3B => "WRITE BUFFER",
        0x3C => "READ BUFFER",
        0x42 => "READ SUB-CHANNEL",
        0x43 => "READ TOC/PMA/ATIP",
        0x46 => "GET CONFIGURATION",
        0x4A => "GET EVENT STATUS NOTIFICATION",
        0x51 => "READ DISC INFORMATION",
        0x52 => "READ TRACK INFORMATION",
        0x53 => "RESERVE TRACK",
        0x54 => "SEND OPC INFORMATION",
        0x55 => "MODE SELECT(10)",
        0x58 => "REPAIR TRACK",
        0x5A => "MODE SENSE(10)",
        0x5B => "CLOSE TRACK/SESSION",
        0x5C => "READ BUFFER CAPACITY",
        0x5D => "SEND CUE SHEET",
        0xA0 => "REPORT LUNS",
        0xA1 => "BLANK",
        0xA2 => "SECURITY PROTOCOL IN",
        0xA3 => "SEND KEY",
        0xA4 => "REPORT KEY",
        0xA6 => "LOAD/UNLOAD MEDIUM",
        0xA7 => "SET READ AHEAD",
        0xA8 => "READ(12)",
        0xAA => "WRITE(12)",
        0xAB => "READ MEDIA SERIAL NUMBER",
        0xAC => "GET PERFORMANCE",
        0xAD => "READ DISC STRUCTURE",
        0xAF => "VERIFY(12)",
        0xB5 => "SECURITY PROTOCOL OUT",
        0xB6 => "SET STREAMING",
        0xB9 => "READ CD MSF",
        0xBB => "SET CD SPEED",
        0xBD => "MECHANISM STATUS",
        0xBE => "READ CD",
        0xBF => "SEND DISC STRUCTURE",
        _ => return None,
    })
}

/// Sense key, ASC and ASCQ from fixed-format (70h/71h) or descriptor-format
/// (72h/73h) sense data (SPC-4 §4.5.2, §4.5.3); `None` when too short or of
/// another format.
pub fn sense_triplet(sense: &[u8]) -> Option<(u8, u8, u8)> {
    match sense.first()? & 0x7f {
        0x70 | 0x71 if sense.len() >= 14 => Some((sense[2] & 0x0f, sense[12], sense[13])),
        0x72 | 0x73 if sense.len() >= 4 => Some((sense[1] & 0x0f, sense[2], sense[3])),
        _ => None,
    }
}

/// FNV-1a, 64-bit: the digest of data-out bytes too long to keep in a trace.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 3);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 {
            s.push(' ');
        }
        let _ = write!(s, "{b:02x}");
    }
    s
}

fn unhex(s: &str, line: usize) -> Result<Vec<u8>, DecodeError> {
    let digits: Vec<u8> = s.bytes().filter(|c| !c.is_ascii_whitespace()).collect();
    if digits.len() % 2 != 0 {
        return Err(err(line, format!("odd number of hex digits in {s:?}")));
    }
    digits
        .chunks(2)
        .map(|p| {
            let v = |c: u8| (c as char).to_digit(16);
            match (v(p[0]), v(p[1])) {
                (Some(h), Some(l)) => Ok((h * 16 + l) as u8),
                _ => Err(err(line, format!("not hex: {s:?}"))),
            }
        })
        .collect()
}

fn err(line: usize, reason: impl Into<String>) -> DecodeError {
    DecodeError::new(STRUCTURE, format!("line {line}: {}", reason.into()))
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('\n', "\\n")
        .replace('\r', "\\r")
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut it = s.chars();
    while let Some(c) = it.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match it.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

/// Data-out as kept in a trace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataOut {
    /// Every byte.
    Full(Vec<u8>),
    /// Too long to keep: the first bytes, the full length and a digest.
    Digest {
        /// The first bytes.
        head: Vec<u8>,
        /// The full length.
        len: usize,
        /// FNV-1a 64 of all `len` bytes ([`fnv1a64`]).
        fnv1a64: u64,
    },
}

impl DataOut {
    /// The data-out as recorded with a limit: bytes beyond `limit` become a digest.
    pub fn capture(bytes: &[u8], limit: Option<usize>) -> DataOut {
        match limit {
            Some(n) if bytes.len() > n => DataOut::Digest {
                head: bytes[..n].to_vec(),
                len: bytes.len(),
                fnv1a64: fnv1a64(bytes),
            },
            _ => DataOut::Full(bytes.to_vec()),
        }
    }

    /// The number of bytes sent.
    pub fn len(&self) -> usize {
        match self {
            DataOut::Full(b) => b.len(),
            DataOut::Digest { len, .. } => *len,
        }
    }

    /// True when no byte was sent.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether `bytes` are the bytes this record describes.
    pub fn matches(&self, bytes: &[u8]) -> bool {
        match self {
            DataOut::Full(b) => b == bytes,
            DataOut::Digest {
                head,
                len,
                fnv1a64: digest,
            } => bytes.len() == *len && bytes.starts_with(head) && fnv1a64(bytes) == *digest,
        }
    }
}

/// The data phase of a recorded command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phase {
    /// No data.
    None,
    /// Data-in with this allocation length (the buffer offered).
    In {
        /// Bytes the host offered to receive.
        allocation: usize,
    },
    /// Data-out, as kept.
    Out(DataOut),
}

/// How a recorded command ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A SCSI status came back.
    Completed {
        /// Status, sense and bytes moved.
        response: Response,
        /// The data-in bytes actually transferred (empty unless [`Phase::In`]).
        data_in: Vec<u8>,
    },
    /// The transport failed.
    Failed(TransportError),
}

/// One command and its outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exchange {
    /// The CDB.
    pub cdb: Vec<u8>,
    /// The data phase.
    pub phase: Phase,
    /// The timeout given.
    pub timeout: Duration,
    /// What happened.
    pub outcome: Outcome,
}

impl Exchange {
    /// Appends this exchange's lines (format version 1) to `out`.
    pub fn encode_into(&self, out: &mut String) {
        let phase = match &self.phase {
            Phase::None => "none".to_string(),
            Phase::In { allocation } => format!("in={allocation}"),
            Phase::Out(d) => format!("out={}", d.len()),
        };
        let _ = write!(
            out,
            "cmd {} {phase} timeout={}",
            hex(&self.cdb),
            self.timeout.as_millis()
        );
        if let Some(name) = self.cdb.first().and_then(|&op| opcode_name(op)) {
            let _ = write!(out, " # {name}");
        }
        out.push('\n');
        if let Phase::Out(d) = &self.phase {
            let shown = match d {
                DataOut::Full(b) => b,
                DataOut::Digest { head, .. } => head,
            };
            for chunk in shown.chunks(HEX_LINE) {
                let _ = writeln!(out, "out {}", hex(chunk));
            }
            if let DataOut::Digest { len, fnv1a64, .. } = d {
                let _ = writeln!(out, "out-digest {len} {fnv1a64:016x}");
            }
        }
        match &self.outcome {
            Outcome::Completed { response, data_in } => {
                let _ = writeln!(
                    out,
                    "status {:02x} moved={}",
                    response.status.to_byte(),
                    response.transferred
                );
                if !response.sense.is_empty() {
                    let _ = writeln!(out, "sense {}", hex(&response.sense));
                }
                for chunk in data_in.chunks(HEX_LINE) {
                    let _ = writeln!(out, "in {}", hex(chunk));
                }
            }
            Outcome::Failed(e) => {
                let _ = match e {
                    TransportError::Os { errno, context } => {
                        writeln!(out, "error os {errno} {}", escape(context))
                    }
                    TransportError::Host { code } => writeln!(out, "error host {code}"),
                    TransportError::Driver { code } => writeln!(out, "error driver {code}"),
                    TransportError::Timeout { after } => {
                        writeln!(out, "error timeout {}", after.as_millis())
                    }
                    TransportError::NoDevice { device } => {
                        writeln!(out, "error nodevice {}", escape(device))
                    }
                    TransportError::BadRequest { reason } => {
                        writeln!(out, "error badrequest {}", escape(reason))
                    }
                };
            }
        }
        out.push_str("end\n");
    }
}

/// A whole trace: facts about it and the exchanges in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Trace {
    /// `meta` lines, in order.
    pub meta: Vec<(String, String)>,
    /// The exchanges, in order.
    pub exchanges: Vec<Exchange>,
}

/// An exchange being read.
struct Partial {
    line: usize,
    cdb: Vec<u8>,
    phase: PhaseKind,
    timeout: Duration,
    out: Vec<u8>,
    digest: Option<(usize, u64)>,
    status: Option<(ScsiStatus, usize)>,
    sense: Vec<u8>,
    data_in: Vec<u8>,
    error: Option<TransportError>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum PhaseKind {
    None,
    In(usize),
    Out(usize),
}

fn parse_num<T: std::str::FromStr>(s: &str, line: usize, what: &str) -> Result<T, DecodeError> {
    s.parse()
        .map_err(|_| err(line, format!("{what}: {s:?} is not a number")))
}

impl Trace {
    /// The value of the first `meta` line with this key.
    pub fn meta(&self, key: &str) -> Option<&str> {
        self.meta
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Reads a trace file.
    pub fn load(path: &Path) -> Result<Trace, DecodeError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| DecodeError::new(STRUCTURE, format!("{}: {e}", path.display())))?;
        Trace::decode(&text)
    }

    /// The trace as text (format version 1).
    pub fn encode(&self) -> String {
        let mut out = String::from("# imapi2-mmc trace, format 1\n");
        for (k, v) in &self.meta {
            let _ = writeln!(out, "meta {k} {v}");
        }
        for x in &self.exchanges {
            x.encode_into(&mut out);
        }
        out
    }

    /// Parses a trace (format version 1). Errors name the line.
    pub fn decode(text: &str) -> Result<Trace, DecodeError> {
        let mut trace = Trace::default();
        let mut cur: Option<Partial> = None;
        for (i, raw) in text.lines().enumerate() {
            let n = i + 1;
            let line = raw.trim_end_matches('\r');
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let (key, rest) = line.split_once(' ').unwrap_or((line, ""));
            match (key, cur.as_mut()) {
                ("meta", None) => {
                    let (k, v) = rest.split_once(' ').unwrap_or((rest, ""));
                    if k.is_empty() {
                        return Err(err(n, "meta without a key"));
                    }
                    trace.meta.push((k.to_string(), v.to_string()));
                }
                ("cmd", None) => cur = Some(parse_cmd(rest, n)?),
                ("cmd" | "meta", Some(p)) => {
                    return Err(err(
                        n,
                        format!("{key} inside the exchange opened on line {}", p.line),
                    ))
                }
                ("out", Some(p)) => {
                    if !matches!(p.phase, PhaseKind::Out(_)) || p.digest.is_some() {
                        return Err(err(n, "out line without out=N, or after out-digest"));
                    }
                    p.out.extend(unhex(rest, n)?);
                }
                ("out-digest", Some(p)) => {
                    let (len, fnv) = rest
                        .split_once(' ')
                        .ok_or_else(|| err(n, "out-digest needs LEN FNV"))?;
                    let len = parse_num(len, n, "out-digest length")?;
                    let fnv = u64::from_str_radix(fnv.trim(), 16)
                        .map_err(|_| err(n, format!("bad digest {fnv:?}")))?;
                    p.digest = Some((len, fnv));
                }
                ("status", Some(p)) => {
                    if p.status.is_some() || p.error.is_some() {
                        return Err(err(n, "a second status/error in one exchange"));
                    }
                    let (ss, moved) = rest
                        .split_once(' ')
                        .ok_or_else(|| err(n, "status needs SS moved=N"))?;
                    let byte = unhex(ss, n)?;
                    let [byte] = byte[..] else {
                        return Err(err(n, format!("status {ss:?} is not one byte")));
                    };
                    let moved = moved
                        .strip_prefix("moved=")
                        .ok_or_else(|| err(n, "status needs moved=N"))?;
                    p.status = Some((ScsiStatus::from_byte(byte), parse_num(moved, n, "moved")?));
                }
                ("sense", Some(p)) => p.sense.extend(unhex(rest, n)?),
                ("in", Some(p)) => {
                    if !matches!(p.phase, PhaseKind::In(_)) {
                        return Err(err(n, "in line without in=N"));
                    }
                    p.data_in.extend(unhex(rest, n)?);
                }
                ("error", Some(p)) => {
                    if p.status.is_some() || p.error.is_some() {
                        return Err(err(n, "a second status/error in one exchange"));
                    }
                    p.error = Some(parse_error(rest, n)?);
                }
                ("end", Some(_)) => {
                    if let Some(p) = cur.take() {
                        trace.exchanges.push(finish(p, n)?);
                    }
                }
                (other, None) if other != "meta" && other != "cmd" => {
                    return Err(err(n, format!("{other:?} outside an exchange")))
                }
                (other, _) => return Err(err(n, format!("unknown record {other:?}"))),
            }
        }
        if let Some(p) = cur {
            return Err(err(p.line, "exchange not closed by end"));
        }
        Ok(trace)
    }
}

fn parse_cmd(rest: &str, n: usize) -> Result<Partial, DecodeError> {
    let rest = rest.split_once(" #").map_or(rest, |(a, _)| a);
    let mut cdb_hex = String::new();
    let mut phase = None;
    let mut timeout = None;
    for word in rest.split_whitespace() {
        if word == "none" {
            phase = Some(PhaseKind::None);
        } else if let Some(v) = word.strip_prefix("in=") {
            phase = Some(PhaseKind::In(parse_num(v, n, "in")?));
        } else if let Some(v) = word.strip_prefix("out=") {
            phase = Some(PhaseKind::Out(parse_num(v, n, "out")?));
        } else if let Some(v) = word.strip_prefix("timeout=") {
            timeout = Some(Duration::from_millis(parse_num(v, n, "timeout")?));
        } else if phase.is_none() {
            cdb_hex.push_str(word);
        } else {
            return Err(err(n, format!("unexpected {word:?} in cmd")));
        }
    }
    let cdb = unhex(&cdb_hex, n)?;
    if !(6..=16).contains(&cdb.len()) {
        return Err(err(
            n,
            format!("a CDB is 6 to 16 bytes, this one has {}", cdb.len()),
        ));
    }
    Ok(Partial {
        line: n,
        cdb,
        phase: phase.ok_or_else(|| err(n, "cmd without none, in=N or out=N"))?,
        timeout: timeout.ok_or_else(|| err(n, "cmd without timeout=MS"))?,
        out: Vec::new(),
        digest: None,
        status: None,
        sense: Vec::new(),
        data_in: Vec::new(),
        error: None,
    })
}

fn parse_error(rest: &str, n: usize) -> Result<TransportError, DecodeError> {
    let (kind, args) = rest.split_once(' ').unwrap_or((rest, ""));
    Ok(match kind {
        "os" => {
            let (errno, context) = args.split_once(' ').unwrap_or((args, ""));
            TransportError::Os {
                errno: parse_num(errno, n, "errno")?,
                context: unescape(context),
            }
        }
        "host" => TransportError::Host {
            code: parse_num(args, n, "host status")?,
        },
        "driver" => TransportError::Driver {
            code: parse_num(args, n, "driver status")?,
        },
        "timeout" => TransportError::Timeout {
            after: Duration::from_millis(parse_num(args, n, "timeout")?),
        },
        "nodevice" => TransportError::NoDevice {
            device: unescape(args),
        },
        "badrequest" => TransportError::BadRequest {
            reason: unescape(args),
        },
        other => return Err(err(n, format!("unknown error kind {other:?}"))),
    })
}

fn finish(p: Partial, n: usize) -> Result<Exchange, DecodeError> {
    let phase = match p.phase {
        PhaseKind::None => Phase::None,
        PhaseKind::In(allocation) => Phase::In { allocation },
        PhaseKind::Out(len) => {
            let data = match p.digest {
                None => DataOut::Full(p.out),
                Some((full, fnv1a64)) => DataOut::Digest {
                    head: p.out,
                    len: full,
                    fnv1a64,
                },
            };
            let kept = match &data {
                DataOut::Full(b) => b.len(),
                DataOut::Digest { head, .. } => head.len(),
            };
            if data.len() != len || kept > len {
                return Err(err(
                    n,
                    format!(
                        "out={len} but the data-out lines describe {} bytes",
                        data.len()
                    ),
                ));
            }
            Phase::Out(data)
        }
    };
    let outcome = match (p.status, p.error) {
        (Some((status, moved)), None) => {
            let limit = match p.phase {
                PhaseKind::None => 0,
                PhaseKind::In(a) | PhaseKind::Out(a) => a,
            };
            if moved > limit {
                return Err(err(
                    n,
                    format!("moved={moved} exceeds the {limit}-byte data phase"),
                ));
            }
            if matches!(p.phase, PhaseKind::In(_)) && p.data_in.len() != moved {
                return Err(err(
                    n,
                    format!("moved={moved} but {} data-in bytes follow", p.data_in.len()),
                ));
            }
            Outcome::Completed {
                response: Response {
                    status,
                    sense: p.sense,
                    transferred: moved,
                },
                data_in: p.data_in,
            }
        }
        (None, Some(e)) => {
            if !p.sense.is_empty() || !p.data_in.is_empty() {
                return Err(err(n, "sense or data-in with a transport error"));
            }
            Outcome::Failed(e)
        }
        (None, None) => return Err(err(n, "exchange without status or error")),
        (Some(_), Some(_)) => return Err(err(n, "exchange with both status and error")),
    };
    Ok(Exchange {
        cdb: p.cdb,
        phase,
        timeout: p.timeout,
        outcome,
    })
}

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

#[cfg(test)]
mod tests {
    use super::*;

    /// A fake drive with fixed answers per opcode; counts what reaches it.
    struct Scripted {
        calls: usize,
    }

    const INQUIRY_DATA: [u8; 36] = *b"\x05\x80\x05\x32\x1f\x00\x00\x00QEMU    QEMU CD-ROM     2.5+";

    impl ScsiTransport for Scripted {
        fn execute(&mut self, r: Request<'_>) -> Result<Response, TransportError> {
            self.calls += 1;
            match (r.cdb[0], r.data) {
                (0x12, DataPhase::In(buf)) => {
                    let n = buf.len().min(36);
                    buf[..n].copy_from_slice(&INQUIRY_DATA[..n]);
                    Ok(Response::good(n))
                }
                (0x00, _) => Ok(Response::check_condition(
                    crate::fault::fixed_sense(2, 0x3a, 0x02).to_vec(),
                )),
                (0x2A, DataPhase::Out(b)) => Ok(Response::good(b.len())),
                (0x25, _) => Err(TransportError::Timeout { after: r.timeout }),
                (0x5A, _) => Err(TransportError::Os {
                    errno: 5,
                    context: "line one\nline \\two".into(),
                }),
                (0x1B, _) => Err(TransportError::NoDevice {
                    device: "/dev/sr9".into(),
                }),
                (0xBD, _) => Err(TransportError::Host { code: 7 }),
                (0xBE, _) => Err(TransportError::Driver { code: 0x24 }),
                (0xA1, _) => Err(TransportError::BadRequest {
                    reason: "no".into(),
                }),
                (0x28, DataPhase::In(buf)) => {
                    // A short read with a recovered-error status byte.
                    buf[0] = 0xEE;
                    Ok(Response {
                        status: ScsiStatus::Other(0x22),
                        sense: vec![0x72, 1, 0x17, 0x01],
                        transferred: 1,
                    })
                }
                _ => Ok(Response::good(0)),
            }
        }

        fn device_name(&self) -> String {
            "scripted".into()
        }
    }

    /// The command sequence of the tests: each CDB with its data phase.
    fn commands() -> Vec<(Vec<u8>, Option<Vec<u8>>, usize)> {
        let write: Vec<u8> = (0..4096u32).map(|i| (i * 7 % 251) as u8).collect();
        vec![
            (vec![0x12, 0, 0, 0, 36, 0], None, 36),
            (vec![0x12, 0, 0, 0, 96, 0], None, 96),
            (vec![0, 0, 0, 0, 0, 0], None, 0),
            (vec![0x2A, 0, 0, 0, 0, 16, 0, 0, 2, 0], Some(write), 0),
            (
                vec![0x55, 0x10, 0, 0, 0, 0, 0, 0, 4, 0],
                Some(vec![1, 2, 3, 4]),
                0,
            ),
            (vec![0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0], None, 8),
            (vec![0x5A, 0, 0x2A, 0, 0, 0, 0, 0, 64, 0], None, 64),
            (vec![0x1B, 0, 0, 0, 2, 0], None, 0),
            (vec![0xBD, 0, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0], None, 8),
            (vec![0xBE, 0, 0, 0, 0, 0, 0, 0, 1, 0x10, 0, 0], None, 2352),
            (vec![0xA1, 0x11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], None, 0),
            (vec![0x28, 0, 0, 0, 0, 16, 0, 0, 1, 0], None, 2048),
            (vec![0xC0, 0, 0, 0, 0, 0], None, 0),
        ]
    }

    /// Each command's result and the data-in it received.
    type Answers = Vec<(Result<Response, TransportError>, Vec<u8>)>;

    /// Runs the sequence, returning each result and the data-in received.
    fn run(t: &mut dyn ScsiTransport) -> Answers {
        commands()
            .into_iter()
            .map(|(cdb, out, alloc)| {
                let mut buf = vec![0u8; alloc];
                let data = match &out {
                    Some(o) => DataPhase::Out(o),
                    None if alloc > 0 => DataPhase::In(&mut buf),
                    None => DataPhase::None,
                };
                let r = t.execute(Request {
                    cdb: &cdb,
                    data,
                    timeout: Duration::from_millis(1234),
                });
                (r, buf)
            })
            .collect()
    }

    fn record(limit: Option<usize>) -> (Answers, String) {
        let mut rec = Recording::new(Scripted { calls: 0 }, Vec::new());
        if let Some(l) = limit {
            rec = rec.truncate_data_out_above(l);
        }
        rec.comment("made by a test\nsecond line");
        rec.meta("device", "/dev/fake 0");
        let live = run(&mut rec);
        assert!(rec.take_error().is_none());
        let (inner, out) = rec.into_parts();
        assert_eq!(inner.calls, commands().len());
        (live, String::from_utf8(out).unwrap())
    }

    #[test]
    fn record_then_replay_gives_the_same_answers() {
        for limit in [None, Some(256)] {
            let (live, text) = record(limit);
            let trace = Trace::decode(&text).unwrap();
            assert_eq!(trace.exchanges.len(), commands().len());
            assert_eq!(trace.meta("device"), Some("/dev/fake 0"));
            // Encoding the decoded trace and decoding again changes nothing.
            assert_eq!(Trace::decode(&trace.encode()).unwrap(), trace);
            let mut replay = Replay::new(trace);
            assert_eq!(replay.device_name(), "replay:/dev/fake 0");
            let replayed = run(&mut replay);
            assert_eq!(replayed, live);
            assert_eq!(replay.remaining(), 0);
        }
    }

    #[test]
    fn the_text_is_as_documented() {
        let (_, text) = record(Some(40));
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "# made by a test");
        assert_eq!(lines[1], "# second line");
        assert_eq!(lines[2], "meta device /dev/fake 0");
        assert_eq!(
            lines[3],
            "cmd 12 00 00 00 24 00 in=36 timeout=1234 # INQUIRY"
        );
        assert_eq!(lines[4], "status 00 moved=36");
        assert_eq!(lines[5], "in 05 80 05 32 1f 00 00 00 51 45 4d 55 20 20 20 20 51 45 4d 55 20 43 44 2d 52 4f 4d 20 20 20 20 20");
        assert_eq!(lines[6], "in 32 2e 35 2b");
        assert_eq!(lines[7], "end");
        let tur = lines.iter().position(|l| l.starts_with("cmd 00 ")).unwrap();
        assert_eq!(
            &lines[tur..tur + 4],
            &[
                "cmd 00 00 00 00 00 00 none timeout=1234 # TEST UNIT READY",
                "status 02 moved=0",
                "sense 70 00 02 00 00 00 00 0a 00 00 00 00 3a 02 00 00 00 00",
                "end"
            ]
        );
        let w = lines.iter().position(|l| l.starts_with("cmd 2a")).unwrap();
        assert_eq!(
            lines[w],
            "cmd 2a 00 00 00 00 10 00 00 02 00 out=4096 timeout=1234 # WRITE(10)"
        );
        assert!(lines[w + 1].starts_with("out 00 07 0e 15"));
        assert!(lines[w + 2].starts_with("out "));
        let write: Vec<u8> = (0..4096u32).map(|i| (i * 7 % 251) as u8).collect();
        assert_eq!(
            lines[w + 3],
            format!("out-digest 4096 {:016x}", fnv1a64(&write))
        );
        assert_eq!(lines[w + 4], "status 00 moved=4096");
        assert!(
            text.contains("\nerror os 5 line one\\nline \\\\two\n"),
            "{text}"
        );
        assert!(text.contains("\nerror timeout 1234\n"));
        assert!(text.contains("\nerror nodevice /dev/sr9\n"));
        assert!(text.contains("\nerror host 7\n"));
        assert!(text.contains("\nerror driver 36\n"));
        assert!(text.contains("\nerror badrequest no\n"));
        assert!(text.contains("cmd c0 00 00 00 00 00 none timeout=1234\nstatus 00 moved=0\nend\n"));
    }

    fn replay_of_sequence() -> Replay {
        Replay::new(Trace::decode(&record(Some(256)).1).unwrap())
    }

    #[test]
    fn replay_refuses_a_different_cdb_and_names_both() {
        let mut replay = replay_of_sequence();
        let mut buf = [0u8; 36];
        replay
            .execute(Request {
                cdb: &[0x12, 0, 0, 0, 36, 0],
                data: DataPhase::In(&mut buf),
                timeout: Duration::ZERO,
            })
            .unwrap();
        let mut buf = [0u8; 96];
        let e = replay
            .execute(Request {
                cdb: &[0x12, 1, 0x80, 0, 96, 0],
                data: DataPhase::In(&mut buf),
                timeout: Duration::ZERO,
            })
            .unwrap_err();
        assert_eq!(
            e,
            TransportError::BadRequest {
                reason:
                    "replay step 2: expected CDB [12 00 00 00 60 00] but got [12 01 80 00 60 00]"
                        .into()
            }
        );
        // The replay stays on step 2.
        assert_eq!(replay.position(), 1);
        let r = replay
            .execute(Request {
                cdb: &[0x12, 0, 0, 0, 96, 0],
                data: DataPhase::In(&mut buf),
                timeout: Duration::ZERO,
            })
            .unwrap();
        assert_eq!(r.transferred, 36);
        assert_eq!(&buf[8..12], b"QEMU");
    }

    #[test]
    fn replay_checks_data_phases_and_the_end() {
        let mut replay = replay_of_sequence();
        // Step 1 with the wrong allocation length.
        let mut small = [0u8; 35];
        let e = replay
            .execute(Request {
                cdb: &[0x12, 0, 0, 0, 36, 0],
                data: DataPhase::In(&mut small),
                timeout: Duration::ZERO,
            })
            .unwrap_err();
        assert!(
            e.to_string()
                .contains("the trace has data-in of 36 bytes, the request data-in of 35 bytes"),
            "{e}"
        );
        let mut replay = replay_of_sequence();
        let cmds = commands();
        for (cdb, out, alloc) in &cmds[..3] {
            let mut buf = vec![0u8; *alloc];
            let data = if *alloc > 0 {
                DataPhase::In(&mut buf)
            } else {
                DataPhase::None
            };
            let _ = out;
            replay
                .execute(Request {
                    cdb,
                    data,
                    timeout: Duration::ZERO,
                })
                .unwrap();
        }
        // WRITE(10) whose payload differs in the truncated tail: the digest catches it.
        let mut payload = cmds[3].1.clone().unwrap();
        payload[4000] ^= 1;
        let e = replay
            .execute(Request {
                cdb: &cmds[3].0,
                data: DataPhase::Out(&payload),
                timeout: Duration::ZERO,
            })
            .unwrap_err();
        assert!(
            e.to_string().contains(
                "replay step 4: CDB [2a 00 00 00 00 10 00 00 02 00]: the data-out differs"
            ),
            "{e}"
        );
        payload[4000] ^= 1;
        replay
            .execute(Request {
                cdb: &cmds[3].0,
                data: DataPhase::Out(&payload),
                timeout: Duration::ZERO,
            })
            .unwrap();
        // Run out the trace, then one more.
        let mut replay = replay_of_sequence();
        let _ = run(&mut replay);
        let e = replay
            .execute(Request {
                cdb: &[0, 0, 0, 0, 0, 0],
                data: DataPhase::None,
                timeout: Duration::ZERO,
            })
            .unwrap_err();
        assert_eq!(
            e,
            TransportError::BadRequest {
                reason:
                    "replay step 14: the trace has only 13 exchanges; got CDB [00 00 00 00 00 00]"
                        .into()
            }
        );
    }

    #[test]
    fn malformed_traces_are_refused_with_the_line() {
        let ok = "cmd 00 00 00 00 00 00 none timeout=1\nstatus 00 moved=0\nend\n";
        assert_eq!(Trace::decode(ok).unwrap().exchanges.len(), 1);
        let cases = [
            ("cmd 00 00 00 00 00 00 none timeout=1\nstatus 00 moved=0\n", "line 1: exchange not closed"),
            ("status 00 moved=0\n", "line 1: \"status\" outside an exchange"),
            ("cmd 00 00 00 none timeout=1\n", "a CDB is 6 to 16 bytes, this one has 3"),
            ("cmd 00 00 00 00 00 00 timeout=1\nend\n", "line 1: cmd without none"),
            ("cmd 00 00 00 00 00 00 none\nend\n", "cmd without timeout"),
            ("cmd 00 00 00 00 00 0g none timeout=1\nend\n", "not hex"),
            ("cmd 00 00 00 00 00 00 none timeout=1\nend\n", "line 2: exchange without status or error"),
            ("cmd 12 00 00 00 24 00 in=4 timeout=1\nstatus 00 moved=5\nin 00 00 00 00 00\nend\n", "moved=5 exceeds"),
            ("cmd 12 00 00 00 24 00 in=4 timeout=1\nstatus 00 moved=3\nin 00 00\nend\n", "moved=3 but 2 data-in"),
            ("cmd 00 00 00 00 00 00 none timeout=1\nin 00\n", "line 2: in line without in=N"),
            ("cmd 00 00 00 00 00 00 none timeout=1\nstatus 00 moved=0\nerror host 1\nend\n", "line 3: a second status"),
            ("cmd 2a 00 00 00 00 00 00 00 01 00 out=3 timeout=1\nout 01 02\nstatus 00 moved=0\nend\n", "out=3 but"),
            ("cmd 00 00 00 00 00 00 none timeout=1\nerror planet 3\nend\n", "unknown error kind"),
            ("cmd 00 00 00 00 00 00 none timeout=1\nwhat\nend\n", "line 2: unknown record"),
            ("cmd 00 00 00 00 00 00 none timeout=1\ncmd 00 00 00 00 00 00 none timeout=1\n", "line 2: cmd inside"),
            ("cmd 00 00 00 00 00 00 none timeout=1\nstatus 0000 moved=0\nend\n", "not one byte"),
            ("cmd 00 00 00 00 00 00 none timeout=1\nerror timeout soon\nend\n", "timeout: \"soon\" is not a number"),
            ("cmd 00 00 00 00 00 00 none timeout=1\nerror host 1\nsense 70\nend\n", "sense or data-in with a transport error"),
        ];
        for (text, want) in cases {
            let e = Trace::decode(text).unwrap_err();
            assert!(e.to_string().contains(want), "{text:?}: {e}");
        }
    }

    proptest::proptest! {
        #[test]
        fn decoding_arbitrary_text_never_panics(s in "\\PC{0,200}") {
            let _ = Trace::decode(&s);
        }

        #[test]
        fn decoding_mutated_traces_never_panics(cut in 0usize..4000, byte in 0u8..128, at in 0usize..4000) {
            let (_, text) = record(Some(64));
            let mut b = text.into_bytes();
            let at = at % b.len();
            b[at] = byte;
            b.truncate(cut.max(1).min(b.len()));
            if let Ok(t) = std::str::from_utf8(&b) {
                if let Ok(trace) = Trace::decode(t) {
                    // Whatever decodes, re-encodes to the same trace.
                    proptest::prop_assert_eq!(Trace::decode(&trace.encode()).unwrap(), trace);
                }
            }
        }
    }

    #[test]
    fn log_lines_name_commands_and_sense() {
        let tur = Ok(Response::check_condition(
            crate::fault::fixed_sense(2, 0x3a, 0x02).to_vec(),
        ));
        assert_eq!(
            log_line(4, &[0, 0, 0, 0, 0, 0], "", &tur, Duration::from_micros(153)),
            "#4 TEST UNIT READY [00 00 00 00 00 00] -> CHECK CONDITION 2/3A/02, 0 bytes, 0.153 ms"
        );
        assert_eq!(
            log_line(
                3,
                &[0x12, 0, 0, 0, 36, 0],
                "in 36",
                &Ok(Response::good(36)),
                Duration::from_micros(412)
            ),
            "#3 INQUIRY [12 00 00 00 24 00] in 36 -> GOOD, 36 bytes, 0.412 ms"
        );
        let odd = Ok(Response {
            status: ScsiStatus::Other(0x22),
            sense: vec![0x01, 0x02],
            transferred: 0,
        });
        assert_eq!(
            log_line(1, &[0xC0, 0, 0, 0, 0, 0], "", &odd, Duration::ZERO),
            "#1 opcode C0h [c0 00 00 00 00 00] -> status 22h sense [01 02], 0 bytes, 0.000 ms"
        );
        let e = Err(TransportError::Timeout {
            after: Duration::from_secs(30),
        });
        assert_eq!(
            log_line(9, &[0x5B, 0, 0, 0, 0, 0, 0, 0, 0, 0], "", &e, Duration::from_secs(30)),
            "#9 CLOSE TRACK/SESSION [5b 00 00 00 00 00 00 00 00 00] -> error: command timed out after 30.0 s, 30000.000 ms"
        );

        let mut log = Logging::new(Scripted { calls: 0 }, Vec::new());
        let live = run(&mut log);
        assert!(log.take_error().is_none());
        let (inner, out) = log.into_parts();
        assert_eq!(inner.calls, live.len());
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), live.len());
        assert!(
            lines[0].starts_with("#1 INQUIRY [12 00 00 00 24 00] in 36 -> GOOD, 36 bytes, "),
            "{}",
            lines[0]
        );
        assert!(lines[2].starts_with(
            "#3 TEST UNIT READY [00 00 00 00 00 00] -> CHECK CONDITION 2/3A/02, 0 bytes"
        ));
        assert!(lines[3].starts_with(
            "#4 WRITE(10) [2a 00 00 00 00 10 00 00 02 00] out 4096 -> GOOD, 4096 bytes"
        ));
        assert!(
            lines[6]
                .contains("-> error: line one\\nline \\\\two: Input/output error (os error 5), "),
            "{}",
            lines[6]
        );
        assert!(lines[11].starts_with(
            "#12 READ(10) [28 00 00 00 00 10 00 00 01 00] in 2048 -> status 22h 1/17/01, 1 bytes"
        ));
    }

    #[test]
    fn sense_triplets_and_digests() {
        assert_eq!(
            sense_triplet(&crate::fault::fixed_sense(5, 0x24, 0)),
            Some((5, 0x24, 0))
        );
        assert_eq!(
            sense_triplet(&[0xF1, 0, 0x43, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x0c, 0x09]),
            Some((3, 0x0c, 0x09))
        );
        assert_eq!(sense_triplet(&[0x72, 0x06, 0x28, 0x00]), Some((6, 0x28, 0)));
        assert_eq!(sense_triplet(&[0x70, 0, 2]), None);
        assert_eq!(sense_triplet(&[0x72, 6, 0x28]), None);
        assert_eq!(sense_triplet(&[]), None);
        assert_eq!(sense_triplet(&[0x7f; 20]), None);
        // Published FNV-1a 64 test vectors.
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
        assert_eq!(opcode_name(0x46), Some("GET CONFIGURATION"));
        assert_eq!(opcode_name(0xFF), None);
    }
}
