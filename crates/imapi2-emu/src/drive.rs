//! The drive around the medium: personality (what it can hold and which
//! commands it knows), identity, tray and lock, unit attentions, event
//! notifications, speeds and mode pages (mmc-notes §2.10 "Drive").

use std::collections::VecDeque;
use std::fs;
use std::path::{Path, PathBuf};

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
    /// state, buffer, speeds and their descriptors.
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
            buffer_size_kib: (BUFFER_BYTES / 1024) as u16,
            current_read_speed: to16(self.read_speed.unwrap_or(max_read)),
            digital_output: 0,
            max_write_speed: to16(max_write),
            current_write_speed_obsolete: to16(current_write),
            copy_management_revision: 0,
            rotation_control_selected: 0,
            current_write_speed: to16(current_write),
            write_speeds: speeds
                .iter()
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
    /// ```
    pub fn format(&self) -> String {
        format!(
            "{DRIVE_HEADER}\npersonality {}\ntray {}\nmedium {}\nwrite-speed {}\n",
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
        };
        let p = Path::new("drive.state");
        assert_eq!(DriveRecord::parse(&r.format(), p).unwrap(), r);
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
        ] {
            match DriveRecord::parse(text, p) {
                Err(Error::StateFile { line: got, .. }) => assert_eq!(got, line, "{text:?}"),
                other => panic!("{text:?}: {other:?}"),
            }
        }
    }
}
