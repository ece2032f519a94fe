//! The trace format, version 1 (described in the [module docs](super)):
//! [`Trace`] and its [`Exchange`]s, the printer ([`Exchange::encode_into`],
//! [`Trace::encode`]) and the strict parser ([`Trace::decode`]).

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use crate::codec::DecodeError;
use crate::transport::{Response, ScsiStatus, TransportError};

use super::names::opcode_name;

const STRUCTURE: &str = "MMC trace";

/// Bytes per `in`/`out` line.
const HEX_LINE: usize = 32;

/// FNV-1a, 64-bit: the digest of data-out bytes too long to keep in a trace.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

pub(super) fn hex(bytes: &[u8]) -> String {
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

pub(super) fn escape(s: &str) -> String {
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
