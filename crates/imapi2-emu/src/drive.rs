//! The drive around the medium: personality (what it can hold and which
//! commands it knows), identity, tray and lock, unit attentions, event
//! notifications, speeds and mode pages (mmc-notes §2.10 "Drive").

use std::collections::VecDeque;
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use imapi2_mmc::cdb::opcode;
use imapi2_mmc::mode::{
    CapabilitiesPage, DataBlockType, ErrorRecoveryPage, LoadingMechanism, MultiSession,
    PageWriteSpeed, WriteParametersPage, WriteType,
};
use imapi2_mmc::performance::RotationControl;

use crate::error::{Error, Result, SenseCode};
use crate::media::{MediaKind, WriteParams};

/// Vendor identification of every personality (INQUIRY bytes 8–15).
pub const VENDOR: &str = "IMAPI2";
/// Product revision level (INQUIRY bytes 32–35).
pub const REVISION: &str = "0.1";
/// Drive buffer size in bytes (READ BUFFER CAPACITY, page 2Ah).
pub const BUFFER_BYTES: u32 = 2 * 1024 * 1024;

/// CD 1× in tenths of kB/s, as MMC counts it (176.4 kB/s; mmc-notes appendix B).
pub const CD_1X_KBPS_TENTHS: u32 = 1764;
/// DVD 1× in kB/s.
pub const DVD_1X_KBPS: u32 = 1385;
/// BD 1× in tenths of kB/s (4495.5 kB/s).
pub const BD_1X_KBPS_TENTHS: u32 = 44955;

/// CD 1× as a paced recorder's laser writes it: 176,400 bytes/s of
/// 2352-byte frames, 75 sectors a second whatever the host sends per
/// sector (Red Book; mmc-notes appendix B).
pub const CD_1X_BYTES_PER_SECOND: u32 = 176_400;
/// Bytes of a CD frame, the unit CD 1× counts.
pub const CD_FRAME_BYTES: u32 = 2352;
/// DVD 1× as a paced recorder's laser writes it: 1,385,000 bytes/s of
/// 2048-byte sectors.
pub const DVD_1X_BYTES_PER_SECOND: u32 = 1_385_000;
/// BD 1× as a paced recorder's laser writes it: 4,496,000 bytes/s of
/// 2048-byte sectors.
pub const BD_1X_BYTES_PER_SECOND: u32 = 4_496_000;

/// The speed of a paced recorder's laser, a multiple of 1× for the medium
/// in the drive ([`CD_1X_BYTES_PER_SECOND`], [`DVD_1X_BYTES_PER_SECOND`],
/// [`BD_1X_BYTES_PER_SECOND`]), kept in tenths: `16x` is 160, `2.4x` is 24.
/// Written `16x`, `2.4x`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Pace(u32);

impl Pace {
    /// The highest pace, 100000× (in tenths).
    pub const MAX_TENTHS: u32 = 1_000_000;

    /// A pace of `tenths` tenths of 1× (None for 0 or above [`Pace::MAX_TENTHS`]).
    pub fn from_tenths(tenths: u32) -> Option<Pace> {
        (1..=Pace::MAX_TENTHS)
            .contains(&tenths)
            .then_some(Pace(tenths))
    }

    /// A pace of `x`× (None for 0 or too fast).
    pub fn times(x: u32) -> Option<Pace> {
        Pace::from_tenths(x.checked_mul(10)?)
    }

    /// The pace in tenths of 1×.
    pub fn tenths(self) -> u32 {
        self.0
    }

    /// Parses `16x`, `16X`, `16` or `2.4x` (one decimal at most); None when
    /// it is not such a number, is zero or is above 100000×.
    pub fn parse(text: &str) -> Option<Pace> {
        let t = text.trim();
        let t = t
            .strip_suffix('x')
            .or_else(|| t.strip_suffix('X'))
            .unwrap_or(t);
        let (whole, tenth) = match t.split_once('.') {
            Some((w, f)) if f.len() == 1 => (w, f),
            Some(_) => return None,
            None => (t, "0"),
        };
        if whole.is_empty()
            || !whole.bytes().all(|b| b.is_ascii_digit())
            || !tenth.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let whole: u32 = whole.parse().ok()?;
        let tenth: u32 = tenth.parse().ok()?;
        Pace::from_tenths(whole.checked_mul(10)?.checked_add(tenth)?)
    }

    /// Sectors a second the laser writes on a medium of `kind` at this pace:
    /// CD 75 × pace (2352-byte frames), DVD 1,385,000 / 2048 × pace, BD
    /// 4,496,000 / 2048 × pace.
    pub fn sectors_per_second(self, kind: MediaKind) -> f64 {
        let x = f64::from(self.0) / 10.0;
        let one = if kind.is_cd() {
            f64::from(CD_1X_BYTES_PER_SECOND) / f64::from(CD_FRAME_BYTES)
        } else if kind.is_bd() {
            f64::from(BD_1X_BYTES_PER_SECOND) / 2048.0
        } else {
            f64::from(DVD_1X_BYTES_PER_SECOND) / 2048.0
        };
        one * x
    }
}

impl fmt::Display for Pace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 % 10 {
            0 => write!(f, "{}x", self.0 / 10),
            t => write!(f, "{}.{t}x", self.0 / 10),
        }
    }
}

/// What a paced recorder does with a WRITE that finds its buffer full.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum WhenFull {
    /// It holds the command until the laser has made room, as most drives
    /// do (the host's WRITE simply takes longer).
    #[default]
    Wait,
    /// It answers 02/04/08 "long write in progress" and the host sends the
    /// WRITE again later (mmc-notes §1.5: cdrdao, growisofs and libburn
    /// retry it).
    Report,
}

impl WhenFull {
    /// Name in drive state files: `wait` or `report`.
    pub fn name(self) -> &'static str {
        match self {
            WhenFull::Wait => "wait",
            WhenFull::Report => "report",
        }
    }

    /// The behaviour named `name`.
    pub fn from_name(name: &str) -> Option<WhenFull> {
        match name {
            "wait" => Some(WhenFull::Wait),
            "report" => Some(WhenFull::Report),
            _ => None,
        }
    }
}

/// What a paced recorder counted while writing, kept in `drive.state`
/// across opens and reset when a new blank medium goes in (or on request).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct WriteStats {
    /// Buffer underruns: the buffer ran empty in the middle of a recording
    /// (after a WRITE, before the next, with no SYNCHRONIZE CACHE or CLOSE
    /// in between).
    pub underruns: u64,
    /// Time spent recording: from the first WRITE of each burn to the
    /// moment its last byte reached the medium (the flush), summed.
    pub writing: Duration,
}

/// What kind of drive the virtual recorder pretends to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Personality {
    /// A CD writer: CD-R, CD-RW (reads CD-ROM).
    CdWriter,
    /// A DVD writer: the CD and DVD families.
    DvdWriter,
    /// A BD writer: CD, DVD and BD.
    BdWriter,
    /// An old MMC-1 CD writer: CD-R/RW, no GET CONFIGURATION (05/20/00),
    /// no event notification; capabilities only through mode page 2Ah.
    Mmc1CdWriter,
}

impl Personality {
    /// Every personality.
    pub const ALL: [Personality; 4] = [
        Personality::CdWriter,
        Personality::DvdWriter,
        Personality::BdWriter,
        Personality::Mmc1CdWriter,
    ];

    /// Name used in drive state files.
    pub fn name(self) -> &'static str {
        match self {
            Personality::CdWriter => "cd-writer",
            Personality::DvdWriter => "dvd-writer",
            Personality::BdWriter => "bd-writer",
            Personality::Mmc1CdWriter => "mmc1-cd-writer",
        }
    }

    /// The personality named `name`.
    pub fn from_name(name: &str) -> Option<Personality> {
        Personality::ALL.into_iter().find(|p| p.name() == name)
    }

    /// Product identification (INQUIRY bytes 16–31).
    pub fn product(self) -> &'static str {
        match self {
            Personality::CdWriter => "VIRTUAL CD-RW",
            Personality::DvdWriter => "VIRTUAL DVD-RW",
            Personality::BdWriter => "VIRTUAL BD-RE",
            Personality::Mmc1CdWriter => "VIRTUAL MMC1 CDR",
        }
    }

    /// True when the drive can use a medium of `kind`.
    pub fn can_hold(self, kind: MediaKind) -> bool {
        match self {
            Personality::CdWriter | Personality::Mmc1CdWriter => kind.is_cd(),
            Personality::DvdWriter => !kind.is_bd(),
            Personality::BdWriter => true,
        }
    }

    /// The profiles of the Profile List feature, highest first (MMC-6 §5.3.1).
    pub fn profiles(self) -> Vec<u16> {
        let cd = [0x000A, 0x0009, 0x0008];
        let dvd = [
            0x002B, 0x001B, 0x001A, 0x0015, 0x0014, 0x0013, 0x0012, 0x0011, 0x0010,
        ];
        let bd = [0x0043, 0x0041, 0x0040];
        match self {
            Personality::CdWriter | Personality::Mmc1CdWriter => cd.to_vec(),
            Personality::DvdWriter => dvd.iter().chain(cd.iter()).copied().collect(),
            Personality::BdWriter => bd
                .iter()
                .chain(dvd.iter())
                .chain(cd.iter())
                .copied()
                .collect(),
        }
    }

    /// True when the drive knows `op` (else 05/20/00). The MMC-1 drive lacks
    /// the commands MMC-2 and later added.
    pub fn supports_opcode(self, op: u8) -> bool {
        if self != Personality::Mmc1CdWriter {
            return true;
        }
        !matches!(
            op,
            opcode::GET_CONFIGURATION
                | opcode::GET_EVENT_STATUS_NOTIFICATION
                | opcode::GET_PERFORMANCE
                | opcode::SET_STREAMING
                | opcode::READ_DISC_STRUCTURE
                | opcode::SEND_DISC_STRUCTURE
                | opcode::READ_FORMAT_CAPACITIES
                | opcode::FORMAT_UNIT
                | opcode::SEND_OPC_INFORMATION
                | opcode::READ_12
                | opcode::WRITE_12
        )
    }

    /// Write speeds in kB/s for `kind`, fastest first (empty for pressed media).
    pub fn write_speeds(self, kind: MediaKind) -> Vec<u32> {
        let cd = |x: &[u32]| {
            x.iter()
                .map(|n| (n * CD_1X_KBPS_TENTHS + 5) / 10)
                .collect::<Vec<_>>()
        };
        let dvd = |x10: &[u32]| x10.iter().map(|n| n * DVD_1X_KBPS / 10).collect::<Vec<_>>();
        let bd = |x: &[u32]| {
            x.iter()
                .map(|n| (n * BD_1X_KBPS_TENTHS) / 10)
                .collect::<Vec<_>>()
        };
        let mmc1 = self == Personality::Mmc1CdWriter;
        match kind {
            MediaKind::CdR if mmc1 => cd(&[8, 4]),
            MediaKind::CdRw if mmc1 => cd(&[4, 2]),
            MediaKind::CdR => cd(&[48, 32, 24, 16, 8]),
            MediaKind::CdRw => cd(&[24, 16, 10, 4]),
            MediaKind::DvdMinusR | MediaKind::DvdPlusR => dvd(&[160, 80, 40]),
            MediaKind::DvdPlusRDl => dvd(&[80, 40, 24]),
            MediaKind::DvdMinusRDl => dvd(&[80, 40, 20]),
            MediaKind::DvdMinusRw => dvd(&[60, 40, 20]),
            MediaKind::DvdPlusRw => dvd(&[80, 40]),
            MediaKind::DvdRam => dvd(&[50, 30, 20]),
            MediaKind::BdR => bd(&[12, 8, 6, 4, 2]),
            MediaKind::BdRe => bd(&[4, 2]),
            MediaKind::CdRom | MediaKind::DvdRom | MediaKind::BdRom => Vec::new(),
        }
    }

    /// Highest read speed in kB/s for `kind`.
    pub fn max_read_speed(self, kind: MediaKind) -> u32 {
        if kind.is_cd() {
            let x = if self == Personality::Mmc1CdWriter {
                24
            } else {
                48
            };
            (x * CD_1X_KBPS_TENTHS + 5) / 10
        } else if kind.is_dvd() {
            16 * DVD_1X_KBPS
        } else {
            8 * BD_1X_KBPS_TENTHS / 10
        }
    }
}

/// The tray.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tray {
    /// Open: no medium can be used.
    Open,
    /// Closed.
    Closed,
}

/// Media class events of GET EVENT STATUS NOTIFICATION (MMC-6 §6.7.2.5,
/// table 140).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaEvent {
    /// 1h: the user pressed the eject button.
    EjectRequest,
    /// 2h: a medium was loaded.
    NewMedia,
    /// 3h: the medium was removed.
    MediaRemoval,
    /// 5h: background formatting completed.
    BgFormatCompleted,
    /// 6h: background formatting restarted.
    BgFormatRestarted,
}

impl MediaEvent {
    /// The event code.
    pub fn code(self) -> u8 {
        match self {
            MediaEvent::EjectRequest => 1,
            MediaEvent::NewMedia => 2,
            MediaEvent::MediaRemoval => 3,
            MediaEvent::BgFormatCompleted => 5,
            MediaEvent::BgFormatRestarted => 6,
        }
    }
}

/// The drive's state besides the medium.
#[derive(Debug, Clone, PartialEq)]
pub struct DriveState {
    /// What the drive is.
    pub personality: Personality,
    /// Tray position.
    pub tray: Tray,
    /// PREVENT ALLOW MEDIUM REMOVAL count: each PREVENT adds one, each ALLOW
    /// takes one away; removal is prevented while it is above zero.
    pub prevent: u32,
    /// Persistent prevent (byte 4 bit 1).
    pub persistent_prevent: bool,
    /// Pending unit attentions, oldest first.
    pub unit_attention: VecDeque<SenseCode>,
    /// Pending media class events.
    pub media_events: VecDeque<MediaEvent>,
    /// Pending operational change events (event code, change code).
    pub operational_events: VecDeque<(u8, u16)>,
    /// Write speed selected by SET CD SPEED / SET STREAMING, kB/s (None:
    /// the fastest for the medium).
    pub write_speed: Option<u32>,
    /// Read speed selected, kB/s (None: the fastest).
    pub read_speed: Option<u32>,
    /// Mode page 05h, current values.
    pub write_parameters: WriteParametersPage,
    /// Mode page 01h, current values.
    pub error_recovery: ErrorRecoveryPage,
    /// Size of the write buffer in bytes (page 2Ah, READ BUFFER CAPACITY).
    pub buffer_size: u32,
    /// False for a drive that lists no write speeds: GET PERFORMANCE type
    /// 03h answers the header alone and page 2Ah carries no write speed
    /// descriptors (the fault plan's `quirk no-write-speeds`).
    pub lists_write_speeds: bool,
}

impl DriveState {
    /// A drive just powered on: tray closed, unlocked, 06/29/00 pending.
    pub fn power_on(personality: Personality) -> DriveState {
        DriveState {
            personality,
            tray: Tray::Closed,
            prevent: 0,
            persistent_prevent: false,
            unit_attention: VecDeque::from([SenseCode::POWER_ON]),
            media_events: VecDeque::new(),
            operational_events: VecDeque::new(),
            write_speed: None,
            read_speed: None,
            write_parameters: WriteParametersPage::default(),
            error_recovery: ErrorRecoveryPage {
                read_retry_count: 3,
                write_retry_count: 3,
                ..Default::default()
            },
            buffer_size: BUFFER_BYTES,
            lists_write_speeds: true,
        }
    }

    /// True while the host prevents removal.
    pub fn locked(&self) -> bool {
        self.prevent > 0 || self.persistent_prevent
    }

    /// Queues a unit attention (once: an identical pending one is not repeated).
    pub fn raise(&mut self, sense: SenseCode) {
        if !self.unit_attention.contains(&sense) {
            self.unit_attention.push_back(sense);
        }
    }

    /// Resets page 05h to what suits `kind` (incremental on DVD-R/-RW, TAO on CD).
    pub fn reset_write_parameters(&mut self, kind: Option<MediaKind>) {
        let mut p = WriteParametersPage::default();
        if let Some(k) = kind {
            if !k.is_cd() {
                p.write_type = WriteType::Packet;
                p.fp = true;
                p.ls_v = true;
                p.link_size = 16;
                p.packet_size = 16;
                p.track_mode = imapi2_mmc::track_info::TrackMode::from_nibble(5);
            }
        }
        self.write_parameters = p;
    }

    /// The model's view of page 05h.
    pub fn write_params(&self) -> WriteParams {
        let p = &self.write_parameters;
        WriteParams {
            write_type: p.write_type,
            multi_session: p.multi_session.bits(),
            test_write: p.test_write,
            track_mode: p.track_mode.nibble(),
            data_block_type: p.data_block_type,
        }
    }

    /// Selects the write speed nearest below `kbps` among `speeds` (drives
    /// round down; below the slowest, the slowest). `0xFFFF` asks for the
    /// fastest.
    pub fn select_write_speed(&mut self, kbps: u32, speeds: &[u32]) {
        if kbps >= 0xFFFF || speeds.is_empty() {
            self.write_speed = None;
            return;
        }
        let pick = speeds
            .iter()
            .copied()
            .filter(|&s| s <= kbps)
            .max()
            .or_else(|| speeds.iter().copied().min());
        self.write_speed = pick;
    }

    /// The write speed in force for a medium with `speeds`.
    pub fn current_write_speed(&self, speeds: &[u32]) -> u32 {
        match self.write_speed {
            Some(s) if speeds.contains(&s) => s,
            Some(s) => speeds
                .iter()
                .copied()
                .filter(|&x| x <= s)
                .max()
                .unwrap_or(0),
            None => speeds.first().copied().unwrap_or(0),
        }
    }

    /// Mode page 2Ah for the drive holding a medium of `kind` (MMC-3 §5.5.10):
    /// read/write capability bits of the personality, tray mechanism, lock
    /// state, buffer, speeds and their descriptors (none for a drive that
    /// lists no write speeds; the maximum and current write speed fields
    /// keep their values, as on such drives).
    pub fn capabilities_page(&self, kind: Option<MediaKind>) -> CapabilitiesPage {
        let p = self.personality;
        let dvd = matches!(p, Personality::DvdWriter | Personality::BdWriter);
        let speeds = kind.map(|k| p.write_speeds(k)).unwrap_or_default();
        let cd_speeds = p.write_speeds(MediaKind::CdR);
        let max_read = kind
            .map(|k| p.max_read_speed(k))
            .unwrap_or_else(|| p.max_read_speed(MediaKind::CdRom));
        let max_write = speeds.first().copied().unwrap_or_else(|| cd_speeds[0]);
        let current_write = self.current_write_speed(&speeds);
        let to16 = |v: u32| v.min(0xFFFF) as u16;
        CapabilitiesPage {
            ps: true,
            dvd_ram_read: dvd,
            dvd_r_read: dvd,
            dvd_rom_read: dvd,
            method2: true,
            cd_rw_read: true,
            cd_r_read: true,
            dvd_ram_write: dvd,
            dvd_r_write: dvd,
            test_write: true,
            cd_rw_write: true,
            cd_r_write: true,
            // BUF (burn-proof) and multi-session reading.
            byte4: 0x80 | 0x40,
            // CD-DA commands supported, C2 pointers, ISRC, UPC.
            byte5: 0x01 | 0x10 | 0x20 | 0x40,
            loading_mechanism: LoadingMechanism::Tray,
            eject: true,
            prevent_jumper: false,
            lock_state: self.locked(),
            lock: true,
            byte7: 0,
            max_read_speed: to16(max_read),
            volume_levels: 256,
            buffer_size_kib: (self.buffer_size / 1024).min(0xFFFF) as u16,
            current_read_speed: to16(self.read_speed.unwrap_or(max_read)),
            digital_output: 0,
            max_write_speed: to16(max_write),
            current_write_speed_obsolete: to16(current_write),
            copy_management_revision: 0,
            rotation_control_selected: 0,
            current_write_speed: to16(current_write),
            write_speeds: speeds
                .iter()
                .filter(|_| self.lists_write_speeds)
                .map(|&s| PageWriteSpeed {
                    rotation: RotationControl::Clv,
                    speed: to16(s),
                })
                .collect(),
            extra: Vec::new(),
        }
    }

    /// Checks a page 05h sent by MODE SELECT against what the drive can do
    /// with a medium of `kind` (MMC-6 §7.5): the write type must apply, the
    /// data block type must be defined, the multi-session value not reserved.
    /// Returns the field's byte offset in the page on refusal.
    pub fn check_write_parameters(
        p: &WriteParametersPage,
        kind: Option<MediaKind>,
    ) -> Result<(), u16> {
        if matches!(p.write_type, WriteType::Reserved(_)) {
            return Err(2);
        }
        if p.multi_session == MultiSession::Reserved {
            return Err(3);
        }
        if matches!(p.data_block_type, DataBlockType::Other(_)) {
            return Err(4);
        }
        match kind {
            Some(k) if k.is_cd() && p.write_type == WriteType::LayerJump => return Err(2),
            Some(MediaKind::DvdMinusR | MediaKind::DvdMinusRw | MediaKind::DvdMinusRDl) => {
                if matches!(p.write_type, WriteType::TrackAtOnce | WriteType::Raw) {
                    return Err(2);
                }
                if p.write_type == WriteType::LayerJump && kind != Some(MediaKind::DvdMinusRDl) {
                    return Err(2);
                }
            }
            // Page 05h does not apply to DVD+, DVD-RAM and BD: accepted and ignored.
            _ => {}
        }
        Ok(())
    }
}

/// What a drive directory holds between runs (`drive.state`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DriveRecord {
    /// The personality.
    pub personality: Personality,
    /// Tray position.
    pub tray: Tray,
    /// Directory of the loaded (or, with the tray open, ejected) medium.
    pub medium: Option<PathBuf>,
    /// Selected write speed, kB/s.
    pub write_speed: Option<u32>,
    /// The pace of a paced recorder (None: unpaced, the buffer drains on
    /// the virtual clock).
    pub pace: Option<Pace>,
    /// Write buffer size in bytes.
    pub buffer_size: u32,
    /// What a paced recorder does with a WRITE that finds the buffer full.
    pub when_full: WhenFull,
    /// Underruns and time spent writing.
    pub stats: WriteStats,
}

/// Smallest write buffer a recorder accepts (one 2048-byte sector).
pub const MIN_BUFFER_BYTES: u32 = 2048;
/// Largest write buffer a recorder accepts: what page 2Ah's 16-bit KiB
/// field can say.
pub const MAX_BUFFER_BYTES: u32 = 0xFFFF * 1024;

impl DriveRecord {
    /// A record for a drive of `personality` with an empty, closed tray and
    /// the defaults: fastest write speed, unpaced, [`BUFFER_BYTES`] of
    /// buffer, nothing counted.
    pub fn new(personality: Personality) -> DriveRecord {
        DriveRecord {
            personality,
            tray: Tray::Closed,
            medium: None,
            write_speed: None,
            pace: None,
            buffer_size: BUFFER_BYTES,
            when_full: WhenFull::Wait,
            stats: WriteStats::default(),
        }
    }
}

fn format_seconds(d: Duration) -> String {
    format!("{}.{:03}", d.as_secs(), d.subsec_millis())
}

fn parse_seconds(s: &str) -> Option<Duration> {
    let (whole, frac) = match s.split_once('.') {
        Some((_, "")) => return None,
        Some(parts) => parts,
        None => (s, ""),
    };
    if whole.is_empty()
        || frac.len() > 9
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let secs: u64 = whole.parse().ok()?;
    let nanos: u32 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<9}").parse().ok()?
    };
    Some(Duration::new(secs, nanos))
}

/// Name of the state file inside a drive directory.
pub const DRIVE_STATE_FILE: &str = "drive.state";
/// Name of the fault plan file inside a drive directory.
pub const FAULT_PLAN_FILE: &str = "faults.plan";
const DRIVE_HEADER: &str = "imapi2-emu-drive 1";

impl DriveRecord {
    /// The text of `drive.state`:
    ///
    /// ```text
    /// imapi2-emu-drive 1
    /// personality dvd-writer
    /// tray closed
    /// medium /path/to/medium      (or `medium none`)
    /// write-speed 11080           (or `write-speed max`)
    /// pace 16x                    (or `pace off`: unpaced)
    /// buffer-size 2097152         bytes
    /// when-full wait              (or `report`: 02/04/08)
    /// underruns 0
    /// writing-seconds 12.345
    /// ```
    ///
    /// Files written before pacing existed stop after `write-speed`; the
    /// later records are optional and default to an unpaced 2 MiB buffer
    /// with nothing counted.
    pub fn format(&self) -> String {
        format!(
            "{DRIVE_HEADER}\npersonality {}\ntray {}\nmedium {}\nwrite-speed {}\npace {}\nbuffer-size {}\nwhen-full {}\nunderruns {}\nwriting-seconds {}\n",
            self.personality.name(),
            if self.tray == Tray::Open {
                "open"
            } else {
                "closed"
            },
            self.medium
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| "none".into()),
            self.write_speed
                .map(|s| s.to_string())
                .unwrap_or_else(|| "max".into()),
            self.pace
                .map(|p| p.to_string())
                .unwrap_or_else(|| "off".into()),
            self.buffer_size,
            self.when_full.name(),
            self.stats.underruns,
            format_seconds(self.stats.writing),
        )
    }

    /// Parses `drive.state`; errors name the line.
    pub fn parse(text: &str, path: &Path) -> Result<DriveRecord> {
        let fail = |line: usize, reason: String| Error::StateFile {
            path: path.to_path_buf(),
            line,
            reason,
        };
        let mut personality = None;
        let mut tray = None;
        let mut medium = None;
        let mut write_speed = None;
        let mut pace = None;
        let mut buffer_size = None;
        let mut when_full = None;
        let mut underruns = None;
        let mut writing = None;
        let mut header = false;
        let mut last = 1;
        for (i, raw) in text.lines().enumerate() {
            let n = i + 1;
            last = n;
            let l = raw.trim();
            if l.is_empty() || l.starts_with('#') {
                continue;
            }
            if !header {
                if l != DRIVE_HEADER {
                    return Err(fail(
                        n,
                        format!("expected the header {DRIVE_HEADER:?}, found {l:?}"),
                    ));
                }
                header = true;
                continue;
            }
            let (key, value) = l.split_once(char::is_whitespace).unwrap_or((l, ""));
            let value = value.trim();
            let dup = |seen: bool| {
                if seen {
                    Err(fail(n, format!("{key} is given twice")))
                } else {
                    Ok(())
                }
            };
            match key {
                "personality" => {
                    dup(personality.is_some())?;
                    personality = Some(
                        Personality::from_name(value)
                            .ok_or_else(|| fail(n, format!("unknown personality {value:?}")))?,
                    );
                }
                "tray" => {
                    dup(tray.is_some())?;
                    tray = Some(match value {
                        "open" => Tray::Open,
                        "closed" => Tray::Closed,
                        _ => return Err(fail(n, format!("tray is open or closed, not {value:?}"))),
                    });
                }
                "medium" => {
                    dup(medium.is_some())?;
                    if value.is_empty() {
                        return Err(fail(n, "expected `medium <path>` or `medium none`".into()));
                    }
                    medium = Some(if value == "none" {
                        None
                    } else {
                        Some(PathBuf::from(value))
                    });
                }
                "write-speed" => {
                    dup(write_speed.is_some())?;
                    write_speed = Some(if value == "max" {
                        None
                    } else {
                        Some(value.parse::<u32>().map_err(|_| {
                            fail(n, format!("write speed {value:?} is not a number"))
                        })?)
                    });
                }
                "pace" => {
                    dup(pace.is_some())?;
                    pace = Some(if value == "off" {
                        None
                    } else {
                        Some(Pace::parse(value).ok_or_else(|| {
                            fail(
                                n,
                                format!(
                                    "pace {value:?} is not `off` or a multiple of 1x such as 16x"
                                ),
                            )
                        })?)
                    });
                }
                "buffer-size" => {
                    dup(buffer_size.is_some())?;
                    let b = value
                        .parse::<u32>()
                        .ok()
                        .filter(|b| (MIN_BUFFER_BYTES..=MAX_BUFFER_BYTES).contains(b))
                        .ok_or_else(|| {
                            fail(
                                n,
                                format!(
                                    "buffer size {value:?} is not a number of bytes in {MIN_BUFFER_BYTES}..={MAX_BUFFER_BYTES}"
                                ),
                            )
                        })?;
                    buffer_size = Some(b);
                }
                "when-full" => {
                    dup(when_full.is_some())?;
                    when_full = Some(WhenFull::from_name(value).ok_or_else(|| {
                        fail(n, format!("when-full is wait or report, not {value:?}"))
                    })?);
                }
                "underruns" => {
                    dup(underruns.is_some())?;
                    underruns = Some(value.parse::<u64>().map_err(|_| {
                        fail(n, format!("underrun count {value:?} is not a number"))
                    })?);
                }
                "writing-seconds" => {
                    dup(writing.is_some())?;
                    writing = Some(parse_seconds(value).ok_or_else(|| {
                        fail(
                            n,
                            format!("writing time {value:?} is not a number of seconds"),
                        )
                    })?);
                }
                other => return Err(fail(n, format!("unknown record {other:?}"))),
            }
        }
        if !header {
            return Err(fail(1, "the drive state file is empty".into()));
        }
        Ok(DriveRecord {
            personality: personality
                .ok_or_else(|| fail(last, "the personality record is missing".into()))?,
            tray: tray.unwrap_or(Tray::Closed),
            medium: medium.flatten(),
            write_speed: write_speed.flatten(),
            pace: pace.flatten(),
            buffer_size: buffer_size.unwrap_or(BUFFER_BYTES),
            when_full: when_full.unwrap_or_default(),
            stats: WriteStats {
                underruns: underruns.unwrap_or(0),
                writing: writing.unwrap_or_default(),
            },
        })
    }

    /// Reads `dir/drive.state`.
    pub fn load(dir: &Path) -> Result<DriveRecord> {
        let path = dir.join(DRIVE_STATE_FILE);
        let text = fs::read_to_string(&path).map_err(|e| Error::io(&path, "reading", e))?;
        DriveRecord::parse(&text, &path)
    }

    /// Writes `dir/drive.state` (atomically).
    pub fn save(&self, dir: &Path) -> Result<()> {
        fs::create_dir_all(dir).map_err(|e| Error::io(dir, "creating the drive directory", e))?;
        let path = dir.join(DRIVE_STATE_FILE);
        let tmp = dir.join(format!("{DRIVE_STATE_FILE}.tmp"));
        fs::write(&tmp, self.format()).map_err(|e| Error::io(&tmp, "writing", e))?;
        fs::rename(&tmp, &path).map_err(|e| Error::io(&path, "replacing", e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speeds_are_multiples_of_1x() {
        let p = Personality::BdWriter;
        assert_eq!(p.write_speeds(MediaKind::CdR)[0], 8467);
        assert_eq!(
            p.write_speeds(MediaKind::DvdPlusR),
            vec![22160, 11080, 5540]
        );
        assert_eq!(p.write_speeds(MediaKind::BdR)[4], 8991);
        assert!(p.write_speeds(MediaKind::DvdRom).is_empty());
        let mut d = DriveState::power_on(p);
        let s = p.write_speeds(MediaKind::DvdPlusR);
        d.select_write_speed(12000, &s);
        assert_eq!(d.current_write_speed(&s), 11080);
        d.select_write_speed(100, &s);
        assert_eq!(d.current_write_speed(&s), 5540);
        d.select_write_speed(0xFFFF, &s);
        assert_eq!(d.current_write_speed(&s), 22160);
    }

    #[test]
    fn paces_parse_print_and_convert_to_sectors() {
        assert_eq!(Pace::parse("16x"), Pace::times(16));
        assert_eq!(Pace::parse("16X"), Pace::times(16));
        assert_eq!(Pace::parse(" 16 "), Pace::times(16));
        assert_eq!(Pace::parse("2.4x").map(Pace::tenths), Some(24));
        for bad in [
            "", "x", "0x", "0.0", "-1x", "1.25x", "1.x", ".5x", "fast", "100001x",
        ] {
            assert_eq!(Pace::parse(bad), None, "{bad:?}");
        }
        assert_eq!(Pace::times(16).unwrap().to_string(), "16x");
        assert_eq!(Pace::from_tenths(24).unwrap().to_string(), "2.4x");
        let one = Pace::times(1).unwrap();
        assert_eq!(one.sectors_per_second(MediaKind::CdR), 75.0);
        assert_eq!(
            one.sectors_per_second(MediaKind::DvdPlusR) * 2048.0,
            f64::from(DVD_1X_BYTES_PER_SECOND)
        );
        assert_eq!(
            Pace::times(2).unwrap().sectors_per_second(MediaKind::BdR) * 2048.0,
            2.0 * f64::from(BD_1X_BYTES_PER_SECOND)
        );
    }

    #[test]
    fn seconds_parse_to_the_nanosecond() {
        assert_eq!(parse_seconds("12.345"), Some(Duration::from_millis(12_345)));
        assert_eq!(parse_seconds("7"), Some(Duration::from_secs(7)));
        assert_eq!(parse_seconds("0.000000001"), Some(Duration::from_nanos(1)));
        for bad in ["", ".5", "1.", "1.0000000001", "a", "-1", "1e3"] {
            assert_eq!(parse_seconds(bad), None, "{bad:?}");
        }
        assert_eq!(format_seconds(Duration::from_millis(1_005)), "1.005");
    }

    #[test]
    fn personalities_hold_their_families() {
        assert!(Personality::CdWriter.can_hold(MediaKind::CdRw));
        assert!(!Personality::CdWriter.can_hold(MediaKind::DvdPlusR));
        assert!(Personality::DvdWriter.can_hold(MediaKind::DvdRam));
        assert!(!Personality::DvdWriter.can_hold(MediaKind::BdR));
        assert!(!Personality::Mmc1CdWriter.supports_opcode(opcode::GET_CONFIGURATION));
        assert!(Personality::Mmc1CdWriter.supports_opcode(opcode::READ_DISC_INFORMATION));
        assert_eq!(Personality::BdWriter.profiles().len(), 15);
    }

    #[test]
    fn drive_records_round_trip_and_errors_name_the_line() {
        let r = DriveRecord {
            personality: Personality::DvdWriter,
            tray: Tray::Open,
            medium: Some(PathBuf::from("/tmp/some disc")),
            write_speed: Some(5540),
            pace: Pace::from_tenths(24),
            buffer_size: 65536,
            when_full: WhenFull::Report,
            stats: WriteStats {
                underruns: 3,
                writing: Duration::from_millis(12_345),
            },
        };
        let p = Path::new("drive.state");
        assert_eq!(DriveRecord::parse(&r.format(), p).unwrap(), r);
        assert!(r.format().contains("\npace 2.4x\n"), "{}", r.format());
        let plain = DriveRecord::new(Personality::CdWriter);
        assert_eq!(DriveRecord::parse(&plain.format(), p).unwrap(), plain);
        assert!(plain.format().contains("\npace off\n"));
        // A file from before pacing: the new records default.
        let old = "imapi2-emu-drive 1\npersonality cd-writer\ntray closed\nmedium none\nwrite-speed max\n";
        assert_eq!(DriveRecord::parse(old, p).unwrap(), plain);
        for (text, line) in [
            ("", 1),
            ("imapi2-emu-drive 1\npersonality floppy\n", 2),
            ("imapi2-emu-drive 1\npersonality cd-writer\ntray ajar\n", 3),
            (
                "imapi2-emu-drive 1\npersonality cd-writer\n\nwrite-speed fast\n",
                4,
            ),
            (
                "imapi2-emu-drive 1\npersonality cd-writer\npersonality cd-writer\n",
                3,
            ),
            ("imapi2-emu-drive 1\ntray open\n", 2),
            ("imapi2-emu-drive 1\ncolour blue\n", 2),
            ("imapi2-emu-drive 1\npersonality cd-writer\npace fast\n", 3),
            ("imapi2-emu-drive 1\npersonality cd-writer\npace 0x\n", 3),
            ("imapi2-emu-drive 1\npersonality cd-writer\npace 1.25x\n", 3),
            (
                "imapi2-emu-drive 1\npersonality cd-writer\npace 4x\npace 8x\n",
                4,
            ),
            (
                "imapi2-emu-drive 1\npersonality cd-writer\nbuffer-size 100\n",
                3,
            ),
            (
                "imapi2-emu-drive 1\npersonality cd-writer\nwhen-full never\n",
                3,
            ),
            (
                "imapi2-emu-drive 1\npersonality cd-writer\nunderruns -1\n",
                3,
            ),
            (
                "imapi2-emu-drive 1\npersonality cd-writer\n\nwriting-seconds 1,5\n",
                4,
            ),
        ] {
            match DriveRecord::parse(text, p) {
                Err(Error::StateFile { line: got, .. }) => assert_eq!(got, line, "{text:?}"),
                other => panic!("{text:?}: {other:?}"),
            }
        }
    }
}
