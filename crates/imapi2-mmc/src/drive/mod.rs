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

use std::time::{Duration, Instant};

use crate::capacity::Capacity;
use crate::cdb::{
    BlankType, CloseFunction, Command, ConfigurationRequest, DiscInformationType, PerformanceType,
    TocFormat, TrackAddressType,
};
use crate::codec::DecodeError;
use crate::disc_info::DiscInformation;
use crate::feature::Configuration;
use crate::format::FormatCapacities;
use crate::inquiry::InquiryData;
use crate::mode::{ModePage, PageControl};
use crate::performance::WriteSpeedList;
use crate::sense::Sense;
use crate::toc::{Atip, FormattedToc, MultisessionInfo, RawToc};
use crate::track_info::TrackInformation;
use crate::transport::{DataPhase, Request, ScsiStatus, ScsiTransport, TransportError};

/// What a typed command can fail with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MmcError {
    /// The command never got a SCSI status.
    Transport {
        /// The command's name.
        command: &'static str,
        /// What went wrong on the way.
        error: TransportError,
    },
    /// The drive answered CHECK CONDITION.
    Sense {
        /// The command's name.
        command: &'static str,
        /// The decoded sense data.
        sense: Sense,
    },
    /// The drive answered a status other than GOOD or CHECK CONDITION, or
    /// CHECK CONDITION without readable sense data.
    Status {
        /// The command's name.
        command: &'static str,
        /// The status.
        status: ScsiStatus,
    },
    /// The reply could not be decoded.
    Reply {
        /// The command's name.
        command: &'static str,
        /// Why.
        error: DecodeError,
    },
    /// The drive stayed busy (not ready, long write, BUSY) past the
    /// command's time budget.
    Timeout {
        /// The command's name.
        command: &'static str,
        /// How long it was given.
        budget: Duration,
        /// The last sense seen, if any.
        last: Option<Sense>,
    },
}

impl MmcError {
    /// The sense data, when the drive reported a CHECK CONDITION.
    pub fn sense(&self) -> Option<&Sense> {
        match self {
            MmcError::Sense { sense, .. } => Some(sense),
            MmcError::Timeout { last, .. } => last.as_ref(),
            _ => None,
        }
    }

    /// The name of the command that failed.
    pub fn command(&self) -> Option<&'static str> {
        Some(match self {
            MmcError::Transport { command, .. }
            | MmcError::Sense { command, .. }
            | MmcError::Status { command, .. }
            | MmcError::Reply { command, .. }
            | MmcError::Timeout { command, .. } => command,
        })
    }

    /// Whether the drive said there is no medium.
    pub fn is_no_medium(&self) -> bool {
        self.sense().is_some_and(|s| s.is_no_medium())
    }
}

impl std::fmt::Display for MmcError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MmcError::Transport { command, error } => write!(f, "{command}: {error}"),
            MmcError::Sense { command, sense } => write!(f, "{command}: {sense}"),
            MmcError::Status { command, status } => {
                write!(f, "{command}: SCSI status {:#04x}", status.to_byte())
            }
            MmcError::Reply { command, error } => write!(f, "{command}: bad reply: {error}"),
            MmcError::Timeout {
                command,
                budget,
                last,
            } => {
                write!(
                    f,
                    "{command}: still busy after {:.0} s",
                    budget.as_secs_f64()
                )?;
                if let Some(s) = last {
                    write!(f, " ({s})")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for MmcError {}

/// Result alias of the command layer.
pub type Result<T, E = MmcError> = std::result::Result<T, E>;

/// How the command layer tells time and waits.
pub trait Clock: Send {
    /// Time since some fixed start.
    fn now(&self) -> Duration;
    /// Waits `d`.
    fn sleep(&mut self, d: Duration);
}

/// The wall clock: waits really sleep.
#[derive(Debug)]
pub struct SystemClock(Instant);

impl Default for SystemClock {
    fn default() -> Self {
        SystemClock(Instant::now())
    }
}

impl Clock for SystemClock {
    fn now(&self) -> Duration {
        self.0.elapsed()
    }
    fn sleep(&mut self, d: Duration) {
        std::thread::sleep(d);
    }
}

/// A clock that only counts the waits asked of it: for the virtual recorder,
/// whose long operations advance with each command, not with time.
#[derive(Debug, Default, Clone)]
pub struct VirtualClock {
    elapsed: Duration,
}

impl Clock for VirtualClock {
    fn now(&self) -> Duration {
        self.elapsed
    }
    fn sleep(&mut self, d: Duration) {
        self.elapsed += d;
    }
}

/// 02/04/00, "not ready, cause not reportable": libburn retries it for about
/// 5 s (mmc-notes §1.5) before giving up.
fn not_reportable(s: &Sense) -> bool {
    s.key == crate::sense::SenseKey::NotReady && s.asc == 0x04 && s.ascq == 0x00
}
const NOT_REPORTABLE_BUDGET: Duration = Duration::from_secs(5);

/// Time budgets and retry counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Unit attentions absorbed per command.
    pub unit_attention_retries: u32,
    /// BUSY / TASK SET FULL statuses absorbed per command.
    pub busy_retries: u32,
    /// Budget of ordinary commands while the drive becomes ready.
    pub short: Duration,
    /// Budget of WRITE commands (long write in progress included).
    pub write: Duration,
    /// Budget of waiting for a long operation (blank, format, close) to end.
    pub long: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            unit_attention_retries: 3,
            busy_retries: 20,
            short: Duration::from_secs(30),
            write: Duration::from_secs(200),
            long: Duration::from_secs(3 * 3600),
        }
    }
}

/// What TEST UNIT READY says.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Readiness {
    /// Ready for commands that need a medium.
    Ready,
    /// No medium; `tray_open` when the drive says the tray is open (02/3A/02).
    NoMedium {
        /// The tray is open.
        tray_open: bool,
    },
    /// Busy with a long operation or spinning up; `progress` in 0..=1 when
    /// the drive reports it.
    Busy {
        /// Fraction done, if reported.
        progress: Option<f64>,
    },
}

/// Which timeout class a command belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Short,
    Write,
}

/// A drive spoken to through typed commands.
pub struct Drive<T: ScsiTransport> {
    transport: T,
    clock: Box<dyn Clock>,
    policy: RetryPolicy,
    attention: Option<Sense>,
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
        }
    }

    /// Replaces the retry policy.
    pub fn set_policy(&mut self, policy: RetryPolicy) {
        self.policy = policy;
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
                ScsiStatus::Good => return Ok(r.transferred),
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
                        if attentions > self.policy.unit_attention_retries {
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
        let start = self.clock.now();
        let mut pause = Duration::from_millis(100);
        loop {
            match self.test_unit_ready()? {
                Readiness::Busy { progress: p } => progress(p),
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

    /// REQUEST SENSE: the drive's current sense (progress of a long operation).
    pub fn request_sense(&mut self) -> Result<Sense> {
        let cmd = Command::RequestSense {
            descriptor: false,
            allocation_length: 18,
        };
        let b = self.read_reply(&cmd, 18)?;
        Self::decode(&cmd, || Sense::decode(&b))
    }

    /// GET CONFIGURATION, raw reply bytes (header and feature descriptors).
    pub fn get_configuration_raw(
        &mut self,
        request: ConfigurationRequest,
        starting_feature: u16,
    ) -> Result<Vec<u8>> {
        // Ask for the header first to learn the length, then for all of it.
        let cmd = |len: u16| Command::GetConfiguration {
            request,
            starting_feature,
            allocation_length: len,
        };
        let head = self.read_reply(&cmd(8), 8)?;
        let want = if head.len() >= 4 {
            (u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize + 4).min(65530)
        } else {
            8
        };
        if want <= head.len() {
            return Ok(head);
        }
        self.read_reply(&cmd(want as u16), want)
    }

    /// READ DISC INFORMATION (standard data).
    pub fn read_disc_information(&mut self) -> Result<DiscInformation> {
        let cmd = Command::ReadDiscInformation {
            data_type: DiscInformationType::Standard,
            allocation_length: 2048,
        };
        let b = self.read_reply(&cmd, 2048)?;
        Self::decode(&cmd, || DiscInformation::decode(&b))
    }

    /// READ TRACK INFORMATION of a track number (0xFF: the invisible track on
    /// CD and DVD+R), a session number or the track holding an LBA.
    pub fn read_track_information(
        &mut self,
        address_type: TrackAddressType,
        number: u32,
    ) -> Result<TrackInformation> {
        let cmd = Command::ReadTrackInformation {
            open: false,
            address_type,
            number,
            allocation_length: 48,
        };
        let b = self.read_reply(&cmd, 48)?;
        Self::decode(&cmd, || TrackInformation::decode(&b))
    }

    /// READ TOC format 0 (formatted TOC), addresses as LBAs.
    pub fn read_toc(&mut self) -> Result<FormattedToc> {
        let b = self.toc_bytes(TocFormat::Formatted, 0)?;
        let cmd = self.toc_cmd(TocFormat::Formatted, 0, 0);
        Self::decode(&cmd, || FormattedToc::decode(&b, false))
    }

    /// READ TOC format 1: the first track of the last complete session.
    pub fn read_multisession(&mut self) -> Result<MultisessionInfo> {
        let b = self.toc_bytes(TocFormat::Multisession, 0)?;
        let cmd = self.toc_cmd(TocFormat::Multisession, 0, 0);
        Self::decode(&cmd, || MultisessionInfo::decode(&b, false))
    }

    /// READ TOC format 2 (raw TOC, CD only), from session 1.
    pub fn read_raw_toc(&mut self) -> Result<RawToc> {
        let b = self.toc_bytes(TocFormat::Raw, 1)?;
        let cmd = self.toc_cmd(TocFormat::Raw, 1, 0);
        Self::decode(&cmd, || RawToc::decode(&b))
    }

    /// READ TOC format 4 (ATIP, recordable CD only).
    pub fn read_atip(&mut self) -> Result<Atip> {
        let b = self.toc_bytes(TocFormat::Atip, 0)?;
        let cmd = self.toc_cmd(TocFormat::Atip, 0, 0);
        Self::decode(&cmd, || Atip::decode(&b))
    }

    fn toc_cmd(&self, format: TocFormat, track_session: u8, len: u16) -> Command {
        Command::ReadToc {
            msf: false,
            format,
            track_session,
            allocation_length: len,
        }
    }

    /// A TOC reply, the header first to learn its length (libburn's way).
    fn toc_bytes(&mut self, format: TocFormat, track_session: u8) -> Result<Vec<u8>> {
        let head = self.read_reply(&self.toc_cmd(format, track_session, 4), 4)?;
        let want = if head.len() >= 2 {
            (usize::from(u16::from_be_bytes([head[0], head[1]])) + 2).clamp(4, 65534)
        } else {
            4
        };
        self.read_reply(&self.toc_cmd(format, track_session, want as u16), want)
    }

    /// READ CAPACITY: the last readable block and the block length.
    pub fn read_capacity(&mut self) -> Result<Capacity> {
        let cmd = Command::ReadCapacity;
        let b = self.read_reply(&cmd, 8)?;
        Self::decode(&cmd, || Capacity::decode(&b))
    }

    /// INQUIRY (standard data, 96 bytes asked).
    pub fn inquiry(&mut self) -> Result<InquiryData> {
        let cmd = Command::Inquiry {
            evpd: false,
            page_code: 0,
            allocation_length: 96,
        };
        let b = self.read_reply(&cmd, 96)?;
        Self::decode(&cmd, || InquiryData::decode(&b))
    }

    /// READ FORMAT CAPACITIES: the current capacity and the formats offered.
    pub fn read_format_capacities(&mut self) -> Result<FormatCapacities> {
        let cmd = Command::ReadFormatCapacities {
            allocation_length: 4 + 8 * 32,
        };
        let b = self.read_reply(&cmd, 4 + 8 * 32)?;
        Self::decode(&cmd, || FormatCapacities::decode(&b))
    }

    /// GET CONFIGURATION, decoded.
    pub fn get_configuration(
        &mut self,
        request: ConfigurationRequest,
        starting_feature: u16,
    ) -> Result<Configuration> {
        let b = self.get_configuration_raw(request, starting_feature)?;
        let cmd = Command::GetConfiguration {
            request,
            starting_feature,
            allocation_length: b.len() as u16,
        };
        Self::decode(&cmd, || Configuration::decode(&b))
    }

    /// MODE SENSE(10) of one page: the page after the mode parameter header
    /// and any block descriptors, decoded.
    pub fn mode_sense(&mut self, page_code: u8, control: PageControl) -> Result<ModePage> {
        let b = self.mode_sense_bytes(page_code, control)?;
        let cmd = Command::ModeSense10 {
            llbaa: false,
            dbd: true,
            page_control: control,
            page_code,
            subpage: 0,
            allocation_length: 0,
        };
        Self::decode(&cmd, || ModePage::decode(&b))
    }

    /// MODE SENSE(10) of one page, or of all (page 3Fh): the bytes after the
    /// mode parameter header and any block descriptors, as far as the
    /// header's mode data length says.
    pub fn mode_sense_bytes(&mut self, page_code: u8, control: PageControl) -> Result<Vec<u8>> {
        let cmd = |len: u16| Command::ModeSense10 {
            llbaa: false,
            dbd: true,
            page_control: control,
            page_code,
            subpage: 0,
            allocation_length: len,
        };
        // Learn the length first (QEMU's page 2Ah is short; some drives add
        // a block descriptor even with DBD).
        let head = self.read_reply(&cmd(8), 8)?;
        let want = if head.len() >= 2 {
            (usize::from(u16::from_be_bytes([head[0], head[1]])) + 2).clamp(8, 65534)
        } else {
            8
        };
        let b = self.read_reply(&cmd(want as u16), want)?;
        let c = cmd(want as u16);
        Self::decode(&c, || {
            if b.len() < 8 {
                return Err(DecodeError::new(
                    "mode parameter header",
                    format!("{} bytes", b.len()),
                ));
            }
            let end = (usize::from(u16::from_be_bytes([b[0], b[1]])) + 2).min(b.len());
            let bd = usize::from(u16::from_be_bytes([b[6], b[7]]));
            b.get(8 + bd..end.max(8 + bd))
                .map(<[u8]>::to_vec)
                .ok_or_else(|| {
                    DecodeError::new(
                        "mode parameter header",
                        format!("block descriptors of {bd} bytes run past the reply"),
                    )
                })
        })
    }

    /// READ DISC STRUCTURE: the reply as far as its own length field says
    /// (header included).
    pub fn read_disc_structure(
        &mut self,
        media_type: u8,
        address: u32,
        layer: u8,
        format: u8,
        agid: u8,
    ) -> Result<Vec<u8>> {
        let cmd = Command::ReadDiscStructure {
            media_type,
            address,
            layer,
            format,
            allocation_length: 0xFFFC,
            agid,
        };
        let mut b = self.read_reply(&cmd, 0xFFFC)?;
        let len = if b.len() >= 2 {
            usize::from(u16::from_be_bytes([b[0], b[1]])) + 2
        } else {
            0
        };
        b.truncate(len.min(b.len()));
        Ok(b)
    }

    /// SEND DISC STRUCTURE with a parameter list (header included).
    pub fn send_disc_structure(&mut self, media_type: u8, format: u8, list: &[u8]) -> Result<()> {
        let cmd = Command::SendDiscStructure {
            media_type,
            format,
            parameter_length: list.len() as u16,
            agid: 0,
        };
        self.run(&cmd, DataPhase::Out(list), Class::Short)
            .map(|_| ())
    }

    /// MODE SELECT(10) of one page (PF set, nothing saved).
    pub fn mode_select(&mut self, page: &ModePage) -> Result<()> {
        let body = page.encode();
        let mut list = vec![0u8; 8];
        list.extend_from_slice(&body);
        let cmd = Command::ModeSelect10 {
            pf: true,
            sp: false,
            parameter_length: list.len() as u16,
        };
        self.run(&cmd, DataPhase::Out(&list), Class::Short)?;
        Ok(())
    }

    /// GET PERFORMANCE type 03h: the write speeds the current medium allows.
    pub fn write_speeds(&mut self) -> Result<WriteSpeedList> {
        let cmd = |n: u16| Command::GetPerformance {
            data_type: 0,
            start_lba: 0,
            max_descriptors: n,
            performance_type: PerformanceType::WriteSpeed,
        };
        let head = self.read_reply(&cmd(1), 8 + 16)?;
        let n = if head.len() >= 4 {
            let len = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize;
            (len.saturating_sub(4) / 16).clamp(1, 255)
        } else {
            1
        };
        let b = self.read_reply(&cmd(n as u16), 8 + 16 * n)?;
        Self::decode(&cmd(n as u16), || WriteSpeedList::decode(&b))
    }

    /// SET CD SPEED in kB/s (0xFFFF: as fast as the drive can).
    pub fn set_cd_speed(&mut self, read_kbps: u16, write_kbps: u16) -> Result<()> {
        let cmd = Command::SetCdSpeed {
            rotation: crate::performance::RotationControl::Clv,
            read_speed: read_kbps,
            write_speed: write_kbps,
        };
        self.run(&cmd, DataPhase::None, Class::Short).map(|_| ())
    }

    /// START STOP UNIT: eject (open the tray) or load (close it).
    pub fn load_eject(&mut self, load: bool) -> Result<()> {
        let cmd = Command::StartStopUnit {
            immed: false,
            format_layer: 0,
            power_condition: 0,
            fl: false,
            load_eject: true,
            start: load,
        };
        self.run(&cmd, DataPhase::None, Class::Short).map(|_| ())
    }

    /// PREVENT ALLOW MEDIUM REMOVAL: lock or unlock the tray.
    pub fn prevent_removal(&mut self, prevent: bool) -> Result<()> {
        let cmd = Command::PreventAllowMediumRemoval {
            persistent: false,
            prevent,
        };
        self.run(&cmd, DataPhase::None, Class::Short).map(|_| ())
    }

    /// READ(10) of whole 2048-byte blocks into `buf`.
    pub fn read10(&mut self, lba: u32, buf: &mut [u8]) -> Result<()> {
        let blocks = (buf.len() / 2048) as u16;
        let cmd = Command::Read10 {
            dpo: false,
            fua: false,
            lba,
            transfer_length: blocks,
        };
        self.run(&cmd, DataPhase::In(buf), Class::Short).map(|_| ())
    }

    /// WRITE(10) of `data` (whole blocks of `block_size`) at `lba`.
    pub fn write10(&mut self, lba: i32, data: &[u8], block_size: usize) -> Result<()> {
        let cmd = Command::Write10 {
            dpo: false,
            fua: false,
            lba,
            transfer_length: (data.len() / block_size.max(1)) as u16,
        };
        self.run(&cmd, DataPhase::Out(data), Class::Write)
            .map(|_| ())
    }

    /// SYNCHRONIZE CACHE with Immed, then waits until the drive is ready.
    pub fn synchronize_cache(&mut self, progress: impl FnMut(Option<f64>)) -> Result<()> {
        let cmd = Command::SynchronizeCache {
            immed: true,
            lba: 0,
            blocks: 0,
        };
        self.run(&cmd, DataPhase::None, Class::Write)?;
        self.wait_until_ready(cmd.name(), progress).map(|_| ())
    }

    /// CLOSE TRACK/SESSION with Immed, then waits until the drive is ready.
    pub fn close(
        &mut self,
        function: CloseFunction,
        number: u16,
        progress: impl FnMut(Option<f64>),
    ) -> Result<()> {
        let cmd = Command::CloseTrackSession {
            immed: true,
            function,
            number,
        };
        self.run(&cmd, DataPhase::None, Class::Short)?;
        self.wait_until_ready(cmd.name(), progress).map(|_| ())
    }

    /// BLANK with Immed, then waits until the drive is ready.
    pub fn blank(
        &mut self,
        blank_type: BlankType,
        progress: impl FnMut(Option<f64>),
    ) -> Result<()> {
        let cmd = Command::Blank {
            immed: true,
            blank_type,
            address: 0,
        };
        self.run(&cmd, DataPhase::None, Class::Short)?;
        self.wait_until_ready(cmd.name(), progress).map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
