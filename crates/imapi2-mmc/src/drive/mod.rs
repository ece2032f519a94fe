//! Typed MMC commands over any [`ScsiTransport`], with one sense and retry
//! policy for all of them.
//!
//! The policy (after libburn's and growisofs's experience, mmc-notes §1.5):
//!
//! - a recovered error (sense key 1) is success;
//! - a unit attention (key 6: medium changed, power on, mode parameters
//!   changed) is remembered in [`Drive::take_attention`] and the command is
//!   sent again, at most [`RetryPolicy::unit_attention_retries`] times;
//! - "becoming ready" (02/04/01), "operation in progress" (02/04/07) and
//!   "format in progress" (02/04/04) wait with growing pauses (100 ms to
//!   500 ms) and send the command again, until the command's time budget is
//!   spent;
//! - "long write in progress" (02/04/08: the drive's buffer is full) waits a
//!   short pause (0 to 25 ms) and sends the same WRITE again;
//! - BUSY and TASK SET FULL status wait 100 ms and send again, a bounded
//!   number of times;
//! - everything else fails at once with the decoded sense.
//!
//! Waiting goes through a [`Clock`]: [`SystemClock`] sleeps, [`VirtualClock`]
//! only counts, so tests against the virtual recorder never sleep.

//!
//! The module, by job:
//!
//! - [`Drive`] itself (here): the handle, the retry loop every command goes
//!   through, TEST UNIT READY and waiting for a long operation;
//! - `error`: [`MmcError`] and [`Result`];
//! - `retry`: [`RetryPolicy`], the senses it waits on, [`Readiness`];
//! - `clock`: [`Clock`], [`SystemClock`], [`VirtualClock`];
//! - `query`: the commands that ask (INQUIRY, GET CONFIGURATION, READ DISC
//!   INFORMATION, READ TRACK INFORMATION, READ TOC, capacities, MODE SENSE,
//!   GET PERFORMANCE, READ DISC STRUCTURE, READ(10));
//! - `record`: the commands that record (MODE SELECT, SET CD SPEED,
//!   WRITE(10), SYNCHRONIZE CACHE, CLOSE TRACK/SESSION, BLANK, SEND DISC
//!   STRUCTURE);
//! - `mechanism`: the tray (START STOP UNIT, PREVENT ALLOW MEDIUM REMOVAL).

mod clock;
mod error;
mod mechanism;
mod query;
mod record;
mod retry;

use std::time::Duration;

pub use clock::{Clock, SystemClock, VirtualClock};
pub use error::{MmcError, Result};
pub use retry::{Readiness, RetryPolicy};

use crate::cdb::Command;
use crate::codec::DecodeError;
use crate::sense::Sense;
use crate::transport::{DataPhase, Request, ScsiStatus, ScsiTransport, TransportError};
use retry::{not_reportable, Class, NOT_REPORTABLE_BUDGET};

/// A drive spoken to through typed commands.
pub struct Drive<T: ScsiTransport> {
    transport: T,
    clock: Box<dyn Clock>,
    policy: RetryPolicy,
    attention: Option<Sense>,
    /// Data written since the last flush (SYNCHRONIZE CACHE, CLOSE): a unit
    /// attention now means the drive may have lost it.
    unflushed: bool,
}

impl<T: ScsiTransport> Drive<T> {
    /// A drive over `transport`, waiting on the wall clock.
    pub fn new(transport: T) -> Drive<T> {
        Drive::with_clock(transport, Box::<SystemClock>::default())
    }

    /// A drive over `transport`, waiting on `clock`.
    pub fn with_clock(transport: T, clock: Box<dyn Clock>) -> Drive<T> {
        Drive {
            transport,
            clock,
            policy: RetryPolicy::default(),
            attention: None,
            unflushed: false,
        }
    }

    /// Replaces the retry policy.
    pub fn set_policy(&mut self, policy: RetryPolicy) {
        self.policy = policy;
    }

    /// Waits `d` on the drive's clock (a virtual clock only counts it):
    /// for callers that poll a long operation themselves.
    pub fn sleep(&mut self, d: Duration) {
        self.clock.sleep(d);
    }

    /// The retry policy in force.
    pub fn policy(&self) -> &RetryPolicy {
        &self.policy
    }

    /// The drive's clock: the time since it started counting. With a
    /// virtual recorder's [`VirtualClock`] this is the time the waits asked
    /// for, so long operations report virtual seconds.
    pub fn now(&self) -> Duration {
        self.clock.now()
    }

    /// The transport underneath.
    pub fn transport(&mut self) -> &mut T {
        &mut self.transport
    }

    /// Gives the transport back.
    pub fn into_transport(self) -> T {
        self.transport
    }

    /// The device's name, from the transport.
    pub fn device_name(&self) -> String {
        self.transport.device_name()
    }

    /// The last unit attention absorbed since the previous call (a medium
    /// change, a reset): callers drop what they cached about the medium.
    pub fn take_attention(&mut self) -> Option<Sense> {
        self.attention.take()
    }

    /// Sends one CDB as is, with no retry and no sense interpretation (IMAPI's
    /// `IDiscRecorder2Ex::SendCommand*`). Returns the transport's response.
    pub fn execute_raw(
        &mut self,
        cdb: &[u8],
        data: DataPhase<'_>,
        timeout: Duration,
    ) -> std::result::Result<crate::transport::Response, TransportError> {
        self.transport.execute(Request { cdb, data, timeout })
    }

    /// Sends `cmd` under the retry policy; returns the bytes moved.
    fn run(&mut self, cmd: &Command, mut data: DataPhase<'_>, class: Class) -> Result<usize> {
        let name = cmd.name();
        let cdb = cmd.encode();
        let budget = match class {
            Class::Short => self.policy.short,
            Class::Write => self.policy.write,
        };
        let start = self.clock.now();
        let (mut attentions, mut busy, mut waits) = (0u32, 0u32, 0u32);
        let mut last = None;
        loop {
            let phase = match &mut data {
                DataPhase::None => DataPhase::None,
                DataPhase::In(b) => DataPhase::In(b),
                DataPhase::Out(b) => DataPhase::Out(b),
            };
            let r = self
                .transport
                .execute(Request {
                    cdb: &cdb,
                    data: phase,
                    timeout: budget,
                })
                .map_err(|error| MmcError::Transport {
                    command: name,
                    error,
                })?;
            let pause = match r.status {
                ScsiStatus::Good => {
                    match cmd {
                        Command::Write10 { .. }
                        | Command::Write12 { .. }
                        | Command::WriteAndVerify10 { .. } => self.unflushed = true,
                        Command::SynchronizeCache { .. } | Command::CloseTrackSession { .. } => {
                            self.unflushed = false
                        }
                        _ => {}
                    }
                    return Ok(r.transferred);
                }
                ScsiStatus::Busy | ScsiStatus::TaskSetFull => {
                    busy += 1;
                    if busy > self.policy.busy_retries {
                        return Err(MmcError::Status {
                            command: name,
                            status: r.status,
                        });
                    }
                    Duration::from_millis(100)
                }
                ScsiStatus::CheckCondition => {
                    let sense = Sense::decode(&r.sense).map_err(|_| MmcError::Status {
                        command: name,
                        status: r.status,
                    })?;
                    if sense.is_recovered() {
                        return Ok(r.transferred);
                    }
                    if sense.is_unit_attention() {
                        attentions += 1;
                        self.attention = Some(sense.clone());
                        // A reset or a medium change in the middle of a
                        // write (data sent and not flushed yet): what the
                        // drive buffered may be gone, so the WRITE is not
                        // sent again (libburn and growisofs end the burn
                        // there too). Before any data, it is absorbed.
                        let lost = class == Class::Write && self.unflushed;
                        if lost || attentions > self.policy.unit_attention_retries {
                            return Err(MmcError::Sense {
                                command: name,
                                sense,
                            });
                        }
                        continue;
                    }
                    let pause = if sense.is_long_write_in_progress() {
                        Duration::from_millis(u64::from(waits.min(25)))
                    } else if sense.is_becoming_ready()
                        || sense.is_operation_in_progress()
                        || (not_reportable(&sense)
                            && self.clock.now().saturating_sub(start) < NOT_REPORTABLE_BUDGET)
                    {
                        Duration::from_millis(100 + 100 * u64::from(waits.min(4)))
                    } else {
                        return Err(MmcError::Sense {
                            command: name,
                            sense,
                        });
                    };
                    last = Some(sense);
                    pause
                }
                other => {
                    return Err(MmcError::Status {
                        command: name,
                        status: other,
                    })
                }
            };
            waits += 1;
            if self.clock.now().saturating_sub(start) >= budget {
                return Err(MmcError::Timeout {
                    command: name,
                    budget,
                    last,
                });
            }
            // A zero pause still counts for the virtual clock's budget.
            self.clock.sleep(pause.max(Duration::from_millis(1)));
        }
    }

    /// Sends a data-in command with a buffer of `len` bytes; returns what came.
    fn read_reply(&mut self, cmd: &Command, len: usize) -> Result<Vec<u8>> {
        let mut buf = vec![0u8; len];
        let n = self.run(cmd, DataPhase::In(&mut buf), Class::Short)?;
        buf.truncate(n.min(len));
        Ok(buf)
    }

    /// Decodes a reply, naming the command on failure.
    fn decode<R>(
        cmd: &Command,
        f: impl FnOnce() -> std::result::Result<R, DecodeError>,
    ) -> Result<R> {
        f().map_err(|error| MmcError::Reply {
            command: cmd.name(),
            error,
        })
    }

    /// TEST UNIT READY, interpreted (no retries: it is the polling command).
    pub fn test_unit_ready(&mut self) -> Result<Readiness> {
        let cmd = Command::TestUnitReady;
        let r = self
            .transport
            .execute(Request {
                cdb: &cmd.encode(),
                data: DataPhase::None,
                timeout: self.policy.short,
            })
            .map_err(|error| MmcError::Transport {
                command: cmd.name(),
                error,
            })?;
        match r.status {
            ScsiStatus::Good => Ok(Readiness::Ready),
            ScsiStatus::Busy | ScsiStatus::TaskSetFull => Ok(Readiness::Busy { progress: None }),
            ScsiStatus::CheckCondition => {
                let sense = Sense::decode(&r.sense).map_err(|error| MmcError::Reply {
                    command: cmd.name(),
                    error,
                })?;
                if sense.is_recovered() {
                    Ok(Readiness::Ready)
                } else if sense.is_no_medium() {
                    Ok(Readiness::NoMedium {
                        tray_open: sense.ascq == 0x02,
                    })
                } else if sense.is_unit_attention() {
                    self.attention = Some(sense);
                    Ok(Readiness::Busy { progress: None })
                } else if sense.is_becoming_ready()
                    || sense.is_operation_in_progress()
                    || sense.is_long_write_in_progress()
                    || not_reportable(&sense)
                {
                    Ok(Readiness::Busy {
                        progress: sense.progress.map(|p| f64::from(p) / 65536.0),
                    })
                } else {
                    Err(MmcError::Sense {
                        command: cmd.name(),
                        sense,
                    })
                }
            }
            other => Err(MmcError::Status {
                command: cmd.name(),
                status: other,
            }),
        }
    }

    /// Polls TEST UNIT READY until the drive is ready (or says there is no
    /// medium), reporting progress; gives up after the long-operation budget.
    pub fn wait_until_ready(
        &mut self,
        operation: &'static str,
        progress: impl FnMut(Option<f64>),
    ) -> Result<Readiness> {
        let budget = self.policy.long;
        self.wait_until_ready_within(operation, budget, progress)
    }

    /// [`Drive::wait_until_ready`] with its own budget (a media look-up
    /// should not wait out somebody else's three-hour format).
    pub fn wait_until_ready_within(
        &mut self,
        operation: &'static str,
        budget: Duration,
        mut progress: impl FnMut(Option<f64>),
    ) -> Result<Readiness> {
        self.wait_until_ready_timed(operation, budget, |p, _| progress(p))
    }

    /// [`Drive::wait_until_ready_within`] reporting, with the drive's
    /// progress, the time waited so far on the drive's clock. Polls every
    /// 0.1 s, growing to 0.5 s.
    pub fn wait_until_ready_timed(
        &mut self,
        operation: &'static str,
        budget: Duration,
        mut progress: impl FnMut(Option<f64>, Duration),
    ) -> Result<Readiness> {
        let start = self.clock.now();
        let mut pause = Duration::from_millis(100);
        loop {
            match self.test_unit_ready()? {
                Readiness::Busy { progress: p } => {
                    progress(p, self.clock.now().saturating_sub(start))
                }
                done => return Ok(done),
            }
            if self.clock.now().saturating_sub(start) >= budget {
                return Err(MmcError::Timeout {
                    command: operation,
                    budget,
                    last: None,
                });
            }
            self.clock.sleep(pause);
            pause = (pause * 2).min(Duration::from_millis(500));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cdb::BlankType;
    use crate::sense::SenseKey;
    use crate::transport::Response;

    /// A transport that answers from a script and records the CDBs.
    struct Script {
        replies: Vec<Response>,
        seen: Vec<Vec<u8>>,
    }

    impl ScsiTransport for Script {
        fn execute(
            &mut self,
            request: Request<'_>,
        ) -> std::result::Result<Response, TransportError> {
            self.seen.push(request.cdb.to_vec());
            if self.replies.is_empty() {
                return Err(TransportError::NoDevice {
                    device: "script".into(),
                });
            }
            Ok(self.replies.remove(0))
        }
        fn device_name(&self) -> String {
            "script".into()
        }
    }

    fn check(key: SenseKey, asc: u8, ascq: u8) -> Response {
        Response::check_condition(Sense::new(key, asc, ascq).encode())
    }

    fn drive(replies: Vec<Response>) -> Drive<Script> {
        Drive::with_clock(
            Script {
                replies,
                seen: Vec::new(),
            },
            Box::<VirtualClock>::default(),
        )
    }

    #[test]
    fn unit_attention_is_absorbed_and_remembered() {
        let mut d = drive(vec![
            check(SenseKey::UnitAttention, 0x28, 0),
            Response::good(0),
        ]);
        d.prevent_removal(true).unwrap();
        assert_eq!(d.transport().seen.len(), 2, "sent again");
        assert_eq!(d.take_attention().map(|s| s.asc), Some(0x28));
        assert_eq!(d.take_attention(), None);
    }

    #[test]
    fn too_many_unit_attentions_fail() {
        let mut d = drive(vec![check(SenseKey::UnitAttention, 0x29, 0); 5]);
        let e = d.prevent_removal(true).unwrap_err();
        assert_eq!(e.sense().map(|s| s.asc), Some(0x29));
        assert_eq!(d.transport().seen.len(), 4);
    }

    #[test]
    fn becoming_ready_waits_then_succeeds() {
        let mut d = drive(vec![
            check(SenseKey::NotReady, 0x04, 0x01),
            check(SenseKey::NotReady, 0x04, 0x01),
            Response::good(0),
        ]);
        d.load_eject(true).unwrap();
        assert_eq!(d.transport().seen.len(), 3);
    }

    #[test]
    fn a_unit_attention_ends_a_write_instead_of_resending_it() {
        for asc in [0x28, 0x29] {
            let mut d = drive(vec![
                Response::good(2048),
                check(SenseKey::UnitAttention, asc, 0),
                Response::good(2048),
            ]);
            d.write10(100, &[0u8; 2048], 2048).unwrap();
            let e = d.write10(101, &[0u8; 2048], 2048).unwrap_err();
            assert_eq!(e.sense().map(|s| s.asc), Some(asc));
            assert_eq!(d.transport().seen.len(), 2, "not sent again");
            assert_eq!(d.take_attention().map(|s| s.asc), Some(asc), "remembered");
        }
        // Before any data (the power-on attention of a new session), or
        // after a flush, nothing is lost: absorbed.
        let mut d = drive(vec![
            check(SenseKey::UnitAttention, 0x29, 0),
            Response::good(2048),
        ]);
        d.write10(0, &[0u8; 2048], 2048).unwrap();
    }

    #[test]
    fn long_write_in_progress_resends_the_same_write() {
        let mut d = drive(vec![
            check(SenseKey::NotReady, 0x04, 0x08),
            check(SenseKey::NotReady, 0x04, 0x08),
            Response::good(2048),
        ]);
        d.write10(100, &[0u8; 2048], 2048).unwrap();
        let seen = &d.transport().seen;
        assert_eq!(seen.len(), 3);
        assert!(seen.iter().all(|c| c == &seen[0]));
        assert_eq!(&seen[0][2..6], &100u32.to_be_bytes());
    }

    #[test]
    fn a_drive_that_stays_not_ready_times_out_on_the_budget() {
        let mut d = drive(vec![check(SenseKey::NotReady, 0x04, 0x01); 10_000]);
        d.set_policy(RetryPolicy {
            short: Duration::from_secs(2),
            ..RetryPolicy::default()
        });
        let e = d.prevent_removal(true).unwrap_err();
        assert!(matches!(e, MmcError::Timeout { .. }), "{e}");
        // 2 s of pauses growing from 100 ms to 500 ms: a handful of tries.
        let n = d.transport().seen.len();
        assert!((4..=10).contains(&n), "{n} tries");
    }

    #[test]
    fn other_sense_fails_at_once_with_its_text() {
        let mut d = drive(vec![check(SenseKey::IllegalRequest, 0x21, 0x02)]);
        let e = d.write10(5, &[0u8; 2048], 2048).unwrap_err();
        assert_eq!(d.transport().seen.len(), 1);
        let text = e.to_string();
        assert!(text.starts_with("WRITE(10): "), "{text}");
        assert!(
            text.to_lowercase().contains("invalid address for write"),
            "{text}"
        );
    }

    #[test]
    fn not_ready_cause_not_reportable_is_retried_for_a_few_seconds() {
        let mut d = drive(vec![
            check(SenseKey::NotReady, 0x04, 0x00),
            check(SenseKey::NotReady, 0x04, 0x00),
            Response::good(0),
        ]);
        d.prevent_removal(true).unwrap();
        let mut d = drive(vec![check(SenseKey::NotReady, 0x04, 0x00); 1000]);
        let e = d.prevent_removal(true).unwrap_err();
        assert!(matches!(e, MmcError::Sense { .. }), "{e}");
        let n = d.transport().seen.len();
        assert!((5..=20).contains(&n), "{n} tries in about 5 s");
    }

    #[test]
    fn recovered_error_is_success() {
        let mut d = drive(vec![check(SenseKey::RecoveredError, 0x17, 0x01)]);
        d.prevent_removal(false).unwrap();
    }

    #[test]
    fn test_unit_ready_reports_tray_and_progress() {
        let mut d = drive(vec![
            check(SenseKey::NotReady, 0x3A, 0x02),
            check(SenseKey::NotReady, 0x3A, 0x01),
            Response::check_condition(Sense::not_ready_with_progress(0x04, 0x04, 32768).encode()),
            Response::good(0),
        ]);
        assert_eq!(
            d.test_unit_ready().unwrap(),
            Readiness::NoMedium { tray_open: true }
        );
        assert_eq!(
            d.test_unit_ready().unwrap(),
            Readiness::NoMedium { tray_open: false }
        );
        assert_eq!(
            d.test_unit_ready().unwrap(),
            Readiness::Busy {
                progress: Some(0.5)
            }
        );
        assert_eq!(d.test_unit_ready().unwrap(), Readiness::Ready);
    }

    #[test]
    fn long_operations_poll_until_ready_with_progress() {
        let mut replies = vec![Response::good(0)]; // BLANK accepted
        for p in [0u16, 16384, 49152] {
            replies.push(Response::check_condition(
                Sense::not_ready_with_progress(0x04, 0x07, p).encode(),
            ));
        }
        replies.push(Response::good(0));
        let mut d = drive(replies);
        let mut seen = Vec::new();
        d.blank(BlankType::Minimal, |p| seen.push(p)).unwrap();
        assert_eq!(seen, vec![Some(0.0), Some(0.25), Some(0.75)]);
    }

    #[test]
    fn busy_status_is_retried_a_bounded_number_of_times() {
        let busy = Response {
            status: ScsiStatus::Busy,
            sense: Vec::new(),
            transferred: 0,
        };
        let mut d = drive(vec![busy.clone(), Response::good(0)]);
        d.prevent_removal(true).unwrap();
        let mut d = drive(vec![busy; 100]);
        let e = d.prevent_removal(true).unwrap_err();
        assert!(matches!(e, MmcError::Status { .. }), "{e}");
        assert_eq!(d.transport().seen.len(), 21);
    }
}
