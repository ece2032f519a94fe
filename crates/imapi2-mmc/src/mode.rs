//! Mode parameters: the MODE SENSE reply and MODE SELECT parameter list
//! (SPC-4 §7.5), with the MMC pages a burner uses typed: 01h read/write error
//! recovery (MMC-6 §7.3), 05h write parameters (MMC-6 §7.5) and 2Ah
//! capabilities and mechanical status (MMC-3 §6.3.11, kept as legacy by later
//! revisions). Other pages are kept raw.
//!
//! Typed pages decode short pages defensively (missing bytes read as zero:
//! QEMU's page 2Ah is 22 bytes) and keep bytes beyond the layout they know in
//! `extra`, so a page 05h of length 36h comes back with its 4 vendor bytes.

use crate::codec::{be16, need, put16, DecodeError};
use crate::track_info::TrackMode;

/// The page control field of MODE SENSE (SPC-4 §6.11.2, table 97).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PageControl {
    /// 00b: current values.
    Current,
    /// 01b: changeable values (a mask).
    Changeable,
    /// 10b: default values.
    Default,
    /// 11b: saved values.
    Saved,
}

impl PageControl {
    /// From the low two bits of `b`.
    pub fn from_bits(b: u8) -> PageControl {
        match b & 0x03 {
            0 => PageControl::Current,
            1 => PageControl::Changeable,
            2 => PageControl::Default,
            _ => PageControl::Saved,
        }
    }

    /// The two-bit value.
    pub fn bits(self) -> u8 {
        match self {
            PageControl::Current => 0,
            PageControl::Changeable => 1,
            PageControl::Default => 2,
            PageControl::Saved => 3,
        }
    }
}

/// Mode page codes used by MMC.
pub mod page_code {
    /// Read/write error recovery parameters.
    pub const ERROR_RECOVERY: u8 = 0x01;
    /// Write parameters.
    pub const WRITE_PARAMETERS: u8 = 0x05;
    /// Caching.
    pub const CACHING: u8 = 0x08;
    /// Power condition.
    pub const POWER_CONDITION: u8 = 0x1A;
    /// Timeout and protect.
    pub const TIMEOUT_PROTECT: u8 = 0x1D;
    /// CD/DVD capabilities and mechanical status (legacy).
    pub const CAPABILITIES: u8 = 0x2A;
    /// All pages (MODE SENSE only).
    pub const ALL: u8 = 0x3F;
}

/// Read/write error recovery page 01h (MMC-6 §7.3, page length 0Ah).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct ErrorRecoveryPage {
    /// PS: the page can be saved (MODE SENSE only; clear for MODE SELECT).
    pub ps: bool,
    /// AWRE: automatic write reallocation.
    pub awre: bool,
    /// ARRE: automatic read reallocation.
    pub arre: bool,
    /// TB: transfer block on unrecovered error.
    pub tb: bool,
    /// RC: read continuous.
    pub rc: bool,
    /// EER (obsolete in MMC).
    pub eer: bool,
    /// PER: post error (report recovered errors).
    pub per: bool,
    /// DTE: disable transfer on error.
    pub dte: bool,
    /// DCR: disable correction.
    pub dcr: bool,
    /// Read retry count (byte 3).
    pub read_retry_count: u8,
    /// Write retry count (byte 8).
    pub write_retry_count: u8,
    /// Recovery time limit (bytes 10–11).
    pub recovery_time_limit: u16,
    /// Bytes beyond byte 11.
    pub extra: Vec<u8>,
}

const ERROR_RECOVERY_LEN: usize = 10;

impl ErrorRecoveryPage {
    fn decode_data(ps: bool, d: &[u8]) -> ErrorRecoveryPage {
        let b = padded(d, ERROR_RECOVERY_LEN);
        let f = b[0];
        ErrorRecoveryPage {
            ps,
            awre: f & 0x80 != 0,
            arre: f & 0x40 != 0,
            tb: f & 0x20 != 0,
            rc: f & 0x10 != 0,
            eer: f & 0x08 != 0,
            per: f & 0x04 != 0,
            dte: f & 0x02 != 0,
            dcr: f & 0x01 != 0,
            read_retry_count: b[1],
            write_retry_count: b[6],
            recovery_time_limit: be16(&b, 8),
            extra: tail(d, ERROR_RECOVERY_LEN),
        }
    }

    fn encode_data(&self) -> Vec<u8> {
        let mut b = vec![0u8; ERROR_RECOVERY_LEN];
        b[0] = flags8([
            self.awre, self.arre, self.tb, self.rc, self.eer, self.per, self.dte, self.dcr,
        ]);
        b[1] = self.read_retry_count;
        b[6] = self.write_retry_count;
        put16(&mut b, 8, self.recovery_time_limit);
        b.extend_from_slice(&self.extra);
        b
    }
}

/// Write type of page 05h (byte 2 bits 3–0; MMC-6 table 644).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WriteType {
    /// 0h: packet/incremental.
    Packet,
    /// 1h: track at once.
    TrackAtOnce,
    /// 2h: session at once (disc at once).
    SessionAtOnce,
    /// 3h: raw.
    Raw,
    /// 4h: layer jump recording.
    LayerJump,
    /// 5h–Fh: reserved.
    Reserved(u8),
}

impl WriteType {
    /// From the low four bits of `b`.
    pub fn from_bits(b: u8) -> WriteType {
        match b & 0x0F {
            0 => WriteType::Packet,
            1 => WriteType::TrackAtOnce,
            2 => WriteType::SessionAtOnce,
            3 => WriteType::Raw,
            4 => WriteType::LayerJump,
            other => WriteType::Reserved(other),
        }
    }

    /// The four-bit value.
    pub fn bits(self) -> u8 {
        match self {
            WriteType::Packet => 0,
            WriteType::TrackAtOnce => 1,
            WriteType::SessionAtOnce => 2,
            WriteType::Raw => 3,
            WriteType::LayerJump => 4,
            WriteType::Reserved(b) => b & 0x0F,
        }
    }
}

/// Multi-session field of page 05h (byte 3 bits 7–6; MMC-6 table 645).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MultiSession {
    /// 00b: no next session, no B0 pointer (finalize).
    NoNextSession,
    /// 01b: no next session, B0 pointer = FF:FF:FF.
    NoNextSessionB0,
    /// 10b: reserved.
    Reserved,
    /// 11b: next session allowed (B0 points to it).
    NextSessionAllowed,
}

impl MultiSession {
    /// From the low two bits of `b`.
    pub fn from_bits(b: u8) -> MultiSession {
        match b & 0x03 {
            0 => MultiSession::NoNextSession,
            1 => MultiSession::NoNextSessionB0,
            2 => MultiSession::Reserved,
            _ => MultiSession::NextSessionAllowed,
        }
    }

    /// The two-bit value.
    pub fn bits(self) -> u8 {
        match self {
            MultiSession::NoNextSession => 0,
            MultiSession::NoNextSessionB0 => 1,
            MultiSession::Reserved => 2,
            MultiSession::NextSessionAllowed => 3,
        }
    }
}

/// Data block type of page 05h (byte 4 bits 3–0; MMC-6 table 647).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DataBlockType {
    /// 0: raw, 2352 bytes.
    Raw2352,
    /// 1: raw with P and Q sub-channel, 2368 bytes.
    RawPq2368,
    /// 2: raw with packed P–W sub-channel, 2448 bytes.
    RawPwPacked2448,
    /// 3: raw with raw P–W sub-channel, 2448 bytes.
    RawPwRaw2448,
    /// 8: mode 1, 2048 bytes.
    Mode1,
    /// 9: mode 2 formless, 2336 bytes.
    Mode2,
    /// 10: mode 2 form 1, 2048 bytes.
    Mode2Form1,
    /// 11: mode 2 form 1 with sub-header, 2056 bytes.
    Mode2Form1Subheader,
    /// 12: mode 2 form 2, 2324 bytes.
    Mode2Form2,
    /// 13: mode 2 mixed form with sub-header, 2332 bytes.
    Mode2Mixed,
    /// 7 and 15: vendor specific; 4–6 and 14: reserved.
    Other(u8),
}

impl DataBlockType {
    /// From the low four bits of `b`.
    pub fn from_bits(b: u8) -> DataBlockType {
        match b & 0x0F {
            0 => DataBlockType::Raw2352,
            1 => DataBlockType::RawPq2368,
            2 => DataBlockType::RawPwPacked2448,
            3 => DataBlockType::RawPwRaw2448,
            8 => DataBlockType::Mode1,
            9 => DataBlockType::Mode2,
            10 => DataBlockType::Mode2Form1,
            11 => DataBlockType::Mode2Form1Subheader,
            12 => DataBlockType::Mode2Form2,
            13 => DataBlockType::Mode2Mixed,
            other => DataBlockType::Other(other),
        }
    }

    /// The four-bit value.
    pub fn bits(self) -> u8 {
        match self {
            DataBlockType::Raw2352 => 0,
            DataBlockType::RawPq2368 => 1,
            DataBlockType::RawPwPacked2448 => 2,
            DataBlockType::RawPwRaw2448 => 3,
            DataBlockType::Mode1 => 8,
            DataBlockType::Mode2 => 9,
            DataBlockType::Mode2Form1 => 10,
            DataBlockType::Mode2Form1Subheader => 11,
            DataBlockType::Mode2Form2 => 12,
            DataBlockType::Mode2Mixed => 13,
            DataBlockType::Other(b) => b & 0x0F,
        }
    }

    /// Bytes per block the host sends with WRITE for this type (MMC-6 table
    /// 647: 0 raw 2352, 1 raw with PQ 2368, 2 and 3 raw with P–W 2448, 8
    /// mode 1 2048, 9 mode 2 2336, 10 form 1 2048, 11 form 1 with sub-header
    /// 2056, 12 form 2 2324, 13 mixed forms with sub-header 2332), or `None`
    /// for the reserved and vendor-specific values.
    pub fn block_size(self) -> Option<u32> {
        Some(match self {
            DataBlockType::Raw2352 => 2352,
            DataBlockType::RawPq2368 => 2368,
            DataBlockType::RawPwPacked2448 | DataBlockType::RawPwRaw2448 => 2448,
            DataBlockType::Mode1 | DataBlockType::Mode2Form1 => 2048,
            DataBlockType::Mode2 => 2336,
            DataBlockType::Mode2Form1Subheader => 2056,
            DataBlockType::Mode2Form2 => 2324,
            DataBlockType::Mode2Mixed => 2332,
            DataBlockType::Other(_) => return None,
        })
    }
}

/// Session format of page 05h (byte 8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SessionFormat {
    /// 00h: CD-DA or CD-ROM.
    CdDaOrCdRom,
    /// 10h: CD-I.
    CdI,
    /// 20h: CD-ROM XA.
    CdRomXa,
    /// Any other value.
    Other(u8),
}

impl SessionFormat {
    /// From the byte.
    pub fn from_u8(b: u8) -> SessionFormat {
        match b {
            0x00 => SessionFormat::CdDaOrCdRom,
            0x10 => SessionFormat::CdI,
            0x20 => SessionFormat::CdRomXa,
            other => SessionFormat::Other(other),
        }
    }

    /// The byte.
    pub fn to_u8(self) -> u8 {
        match self {
            SessionFormat::CdDaOrCdRom => 0x00,
            SessionFormat::CdI => 0x10,
            SessionFormat::CdRomXa => 0x20,
            SessionFormat::Other(b) => b,
        }
    }
}

/// Media catalog number of page 05h (bytes 16–31).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct CatalogNumber {
    /// MCVAL: the number is valid.
    pub valid: bool,
    /// N1–N13, ASCII digits (bytes 17–29).
    pub digits: [u8; 13],
    /// AFRAME (byte 31).
    pub aframe: u8,
}

/// ISRC of page 05h (bytes 32–47).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Isrc {
    /// TCVAL: the code is valid.
    pub valid: bool,
    /// I1–I12, ASCII (bytes 33–44).
    pub code: [u8; 12],
    /// AFRAME (byte 46).
    pub aframe: u8,
}

/// Write parameters page 05h (MMC-6 §7.5, table 643; page length 32h,
/// drives may report 36h with four vendor bytes, kept in `extra`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WriteParametersPage {
    /// PS (MODE SENSE only; clear for MODE SELECT).
    pub ps: bool,
    /// BUFE: buffer under-run free recording.
    pub bufe: bool,
    /// LS_V: the link size is valid.
    pub ls_v: bool,
    /// Test Write: simulation, the laser stays at read power.
    pub test_write: bool,
    /// Write type.
    pub write_type: WriteType,
    /// Multi-session.
    pub multi_session: MultiSession,
    /// FP: fixed packets.
    pub fp: bool,
    /// Copy: SCMS copy bit.
    pub copy: bool,
    /// Track mode (Q control nibble).
    pub track_mode: TrackMode,
    /// Data block type.
    pub data_block_type: DataBlockType,
    /// Link size (byte 5).
    pub link_size: u8,
    /// Host application code (byte 7 bits 5–0).
    pub host_application_code: u8,
    /// Session format (byte 8).
    pub session_format: SessionFormat,
    /// Packet size in blocks (bytes 10–13).
    pub packet_size: u32,
    /// Audio pause length in blocks (bytes 14–15; 150 = 2 s).
    pub audio_pause_length: u16,
    /// Media catalog number.
    pub mcn: CatalogNumber,
    /// ISRC.
    pub isrc: Isrc,
    /// Sub-header bytes 0–3 (bytes 48–51).
    pub sub_header: [u8; 4],
    /// Bytes beyond byte 51 (vendor specific bytes 52–55 when the length is 36h).
    pub extra: Vec<u8>,
}

const WRITE_PARAMETERS_LEN: usize = 0x32;

impl Default for WriteParametersPage {
    /// A TAO mode 1 data page with BUFE off and no next session.
    fn default() -> WriteParametersPage {
        WriteParametersPage {
            ps: false,
            bufe: false,
            ls_v: false,
            test_write: false,
            write_type: WriteType::TrackAtOnce,
            multi_session: MultiSession::NoNextSession,
            fp: false,
            copy: false,
            track_mode: TrackMode::from_nibble(4),
            data_block_type: DataBlockType::Mode1,
            link_size: 0,
            host_application_code: 0,
            session_format: SessionFormat::CdDaOrCdRom,
            packet_size: 0,
            audio_pause_length: 150,
            mcn: CatalogNumber::default(),
            isrc: Isrc::default(),
            sub_header: [0; 4],
            extra: Vec::new(),
        }
    }
}

impl WriteParametersPage {
    fn decode_data(ps: bool, d: &[u8]) -> WriteParametersPage {
        // `b[i]` is page byte i + 2.
        let b = padded(d, WRITE_PARAMETERS_LEN);
        let mut mcn = CatalogNumber {
            valid: b[14] & 0x80 != 0,
            ..CatalogNumber::default()
        };
        mcn.digits.copy_from_slice(&b[15..28]);
        mcn.aframe = b[29];
        let mut isrc = Isrc {
            valid: b[30] & 0x80 != 0,
            ..Isrc::default()
        };
        isrc.code.copy_from_slice(&b[31..43]);
        isrc.aframe = b[44];
        WriteParametersPage {
            ps,
            bufe: b[0] & 0x40 != 0,
            ls_v: b[0] & 0x20 != 0,
            test_write: b[0] & 0x10 != 0,
            write_type: WriteType::from_bits(b[0]),
            multi_session: MultiSession::from_bits(b[1] >> 6),
            fp: b[1] & 0x20 != 0,
            copy: b[1] & 0x10 != 0,
            track_mode: TrackMode::from_nibble(b[1]),
            data_block_type: DataBlockType::from_bits(b[2]),
            link_size: b[3],
            host_application_code: b[5] & 0x3F,
            session_format: SessionFormat::from_u8(b[6]),
            packet_size: crate::codec::be32(&b, 8),
            audio_pause_length: be16(&b, 12),
            mcn,
            isrc,
            sub_header: [b[46], b[47], b[48], b[49]],
            extra: tail(d, WRITE_PARAMETERS_LEN),
        }
    }

    fn encode_data(&self) -> Vec<u8> {
        let mut b = vec![0u8; WRITE_PARAMETERS_LEN];
        b[0] = (u8::from(self.bufe) << 6)
            | (u8::from(self.ls_v) << 5)
            | (u8::from(self.test_write) << 4)
            | self.write_type.bits();
        b[1] = (self.multi_session.bits() << 6)
            | (u8::from(self.fp) << 5)
            | (u8::from(self.copy) << 4)
            | self.track_mode.nibble();
        b[2] = self.data_block_type.bits();
        b[3] = self.link_size;
        b[5] = self.host_application_code & 0x3F;
        b[6] = self.session_format.to_u8();
        crate::codec::put32(&mut b, 8, self.packet_size);
        put16(&mut b, 12, self.audio_pause_length);
        b[14] = u8::from(self.mcn.valid) << 7;
        b[15..28].copy_from_slice(&self.mcn.digits);
        b[29] = self.mcn.aframe;
        b[30] = u8::from(self.isrc.valid) << 7;
        b[31..43].copy_from_slice(&self.isrc.code);
        b[44] = self.isrc.aframe;
        b[46..50].copy_from_slice(&self.sub_header);
        b.extend_from_slice(&self.extra);
        b
    }
}

/// Loading mechanism type (page 2Ah byte 6 bits 7–5; also the Removable
/// Medium feature).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LoadingMechanism {
    /// 000b: caddy/slot.
    Caddy,
    /// 001b: tray.
    Tray,
    /// 010b: pop-up.
    PopUp,
    /// 100b: changer with individually changeable discs.
    ChangerIndividual,
    /// 101b: changer using a magazine.
    ChangerMagazine,
    /// 011b, 110b, 111b: reserved.
    Reserved(u8),
}

impl LoadingMechanism {
    /// From the low three bits of `b`.
    pub fn from_bits(b: u8) -> LoadingMechanism {
        match b & 0x07 {
            0 => LoadingMechanism::Caddy,
            1 => LoadingMechanism::Tray,
            2 => LoadingMechanism::PopUp,
            4 => LoadingMechanism::ChangerIndividual,
            5 => LoadingMechanism::ChangerMagazine,
            other => LoadingMechanism::Reserved(other),
        }
    }

    /// The three-bit value.
    pub fn bits(self) -> u8 {
        match self {
            LoadingMechanism::Caddy => 0,
            LoadingMechanism::Tray => 1,
            LoadingMechanism::PopUp => 2,
            LoadingMechanism::ChangerIndividual => 4,
            LoadingMechanism::ChangerMagazine => 5,
            LoadingMechanism::Reserved(b) => b & 0x07,
        }
    }
}

/// One write speed performance descriptor of page 2Ah (bytes 32+, 4 each).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PageWriteSpeed {
    /// Rotation control (byte 1 bits 2–0).
    pub rotation: crate::performance::RotationControl,
    /// Write speed supported, kB/s.
    pub speed: u16,
}

/// CD/DVD capabilities and mechanical status page 2Ah (MMC-3 table 361).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CapabilitiesPage {
    /// PS (MODE SENSE only).
    pub ps: bool,
    /// Byte 2 bit 5: reads DVD-RAM.
    pub dvd_ram_read: bool,
    /// Byte 2 bit 4: reads DVD-R.
    pub dvd_r_read: bool,
    /// Byte 2 bit 3: reads DVD-ROM.
    pub dvd_rom_read: bool,
    /// Byte 2 bit 2: reads fixed packets (method 2).
    pub method2: bool,
    /// Byte 2 bit 1: reads CD-RW.
    pub cd_rw_read: bool,
    /// Byte 2 bit 0: reads CD-R.
    pub cd_r_read: bool,
    /// Byte 3 bit 5: writes DVD-RAM.
    pub dvd_ram_write: bool,
    /// Byte 3 bit 4: writes DVD-R.
    pub dvd_r_write: bool,
    /// Byte 3 bit 2: test write (simulation).
    pub test_write: bool,
    /// Byte 3 bit 1: writes CD-RW.
    pub cd_rw_write: bool,
    /// Byte 3 bit 0: writes CD-R.
    pub cd_r_write: bool,
    /// Byte 4: BUF(7), Multi Session(6), Mode 2 Form 2(5), Mode 2 Form 1(4),
    /// Digital Port 2(3), Digital Port 1(2), Composite(1), Audio Play(0).
    pub byte4: u8,
    /// Byte 5: Read Bar Code(7), UPC(6), ISRC(5), C2 Pointers(4), R-W
    /// De-interleaved(3), R-W Supported(2), CD-DA Accurate(1), CD-DA Commands(0).
    pub byte5: u8,
    /// Loading mechanism (byte 6 bits 7–5).
    pub loading_mechanism: LoadingMechanism,
    /// Byte 6 bit 3: eject supported.
    pub eject: bool,
    /// Byte 6 bit 2: prevent jumper present.
    pub prevent_jumper: bool,
    /// Byte 6 bit 1: lock state (locked now).
    pub lock_state: bool,
    /// Byte 6 bit 0: lock supported.
    pub lock: bool,
    /// Byte 7: R-W in lead-in(5), side change(4), S/W slot selection(3),
    /// changer disc present(2), separate channel mute(1), separate volume(0).
    pub byte7: u8,
    /// Maximum read speed, kB/s (bytes 8–9, obsolete).
    pub max_read_speed: u16,
    /// Number of volume levels (bytes 10–11).
    pub volume_levels: u16,
    /// Buffer size in KiB (bytes 12–13).
    pub buffer_size_kib: u16,
    /// Current read speed, kB/s (bytes 14–15, obsolete).
    pub current_read_speed: u16,
    /// Byte 17: digital output format (BCKF, RCK, LSBF, length).
    pub digital_output: u8,
    /// Maximum write speed, kB/s (bytes 18–19, obsolete).
    pub max_write_speed: u16,
    /// Current write speed, kB/s (bytes 20–21, obsolete).
    pub current_write_speed_obsolete: u16,
    /// Copy management revision supported (bytes 22–23).
    pub copy_management_revision: u16,
    /// Rotation control selected (byte 27 bits 1–0).
    pub rotation_control_selected: u8,
    /// Current write speed selected, kB/s (bytes 28–29).
    pub current_write_speed: u16,
    /// Write speed descriptors (count in bytes 30–31).
    pub write_speeds: Vec<PageWriteSpeed>,
    /// Bytes beyond the descriptors.
    pub extra: Vec<u8>,
}

impl CapabilitiesPage {
    /// Byte 4 bit 7: buffer under-run protection.
    pub fn buf(&self) -> bool {
        self.byte4 & 0x80 != 0
    }

    /// Byte 4 bit 6: reads multi-session discs.
    pub fn multi_session(&self) -> bool {
        self.byte4 & 0x40 != 0
    }

    /// Byte 5 bit 4: C2 error pointers.
    pub fn c2_pointers(&self) -> bool {
        self.byte5 & 0x10 != 0
    }

    fn decode_data(ps: bool, d: &[u8]) -> CapabilitiesPage {
        // `b[i]` is page byte i + 2.
        let b = padded(d, 30);
        let count = be16(&b, 28) as usize;
        let present = d.len().saturating_sub(30) / 4;
        let n = count.min(present);
        let write_speeds = (0..n)
            .map(|i| {
                let e = &d[30 + 4 * i..30 + 4 * i + 4];
                PageWriteSpeed {
                    rotation: crate::performance::RotationControl::from_bits(e[1]),
                    speed: be16(e, 2),
                }
            })
            .collect();
        CapabilitiesPage {
            ps,
            dvd_ram_read: b[0] & 0x20 != 0,
            dvd_r_read: b[0] & 0x10 != 0,
            dvd_rom_read: b[0] & 0x08 != 0,
            method2: b[0] & 0x04 != 0,
            cd_rw_read: b[0] & 0x02 != 0,
            cd_r_read: b[0] & 0x01 != 0,
            dvd_ram_write: b[1] & 0x20 != 0,
            dvd_r_write: b[1] & 0x10 != 0,
            test_write: b[1] & 0x04 != 0,
            cd_rw_write: b[1] & 0x02 != 0,
            cd_r_write: b[1] & 0x01 != 0,
            byte4: b[2],
            byte5: b[3],
            loading_mechanism: LoadingMechanism::from_bits(b[4] >> 5),
            eject: b[4] & 0x08 != 0,
            prevent_jumper: b[4] & 0x04 != 0,
            lock_state: b[4] & 0x02 != 0,
            lock: b[4] & 0x01 != 0,
            byte7: b[5],
            max_read_speed: be16(&b, 6),
            volume_levels: be16(&b, 8),
            buffer_size_kib: be16(&b, 10),
            current_read_speed: be16(&b, 12),
            digital_output: b[15],
            max_write_speed: be16(&b, 16),
            current_write_speed_obsolete: be16(&b, 18),
            copy_management_revision: be16(&b, 20),
            rotation_control_selected: b[25] & 0x03,
            current_write_speed: be16(&b, 26),
            write_speeds,
            extra: tail(d, 30 + 4 * n),
        }
    }

    fn encode_data(&self) -> Vec<u8> {
        let mut b = vec![0u8; 30];
        b[0] = flags8([
            false,
            false,
            self.dvd_ram_read,
            self.dvd_r_read,
            self.dvd_rom_read,
            self.method2,
            self.cd_rw_read,
            self.cd_r_read,
        ]);
        b[1] = flags8([
            false,
            false,
            self.dvd_ram_write,
            self.dvd_r_write,
            false,
            self.test_write,
            self.cd_rw_write,
            self.cd_r_write,
        ]);
        b[2] = self.byte4;
        b[3] = self.byte5;
        b[4] = (self.loading_mechanism.bits() << 5)
            | flags8([
                false,
                false,
                false,
                false,
                self.eject,
                self.prevent_jumper,
                self.lock_state,
                self.lock,
            ]);
        b[5] = self.byte7;
        put16(&mut b, 6, self.max_read_speed);
        put16(&mut b, 8, self.volume_levels);
        put16(&mut b, 10, self.buffer_size_kib);
        put16(&mut b, 12, self.current_read_speed);
        b[15] = self.digital_output;
        put16(&mut b, 16, self.max_write_speed);
        put16(&mut b, 18, self.current_write_speed_obsolete);
        put16(&mut b, 20, self.copy_management_revision);
        b[25] = self.rotation_control_selected & 0x03;
        put16(&mut b, 26, self.current_write_speed);
        put16(&mut b, 28, self.write_speeds.len() as u16);
        for w in &self.write_speeds {
            b.extend_from_slice(&[0, w.rotation.bits(), (w.speed >> 8) as u8, w.speed as u8]);
        }
        b.extend_from_slice(&self.extra);
        b
    }
}

/// A page this layer keeps as bytes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RawModePage {
    /// PS.
    pub ps: bool,
    /// Page code (6 bits).
    pub code: u8,
    /// Subpage code when the page uses the sub-page format (SPF).
    pub subpage: Option<u8>,
    /// The bytes after the page header.
    pub data: Vec<u8>,
}

/// One mode page.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ModePage {
    /// Page 01h.
    ErrorRecovery(ErrorRecoveryPage),
    /// Page 05h.
    WriteParameters(WriteParametersPage),
    /// Page 2Ah.
    Capabilities(CapabilitiesPage),
    /// Any other page (or 01h/05h/2Ah in sub-page format).
    Raw(RawModePage),
}

impl ModePage {
    /// The page code.
    pub fn code(&self) -> u8 {
        match self {
            ModePage::ErrorRecovery(_) => page_code::ERROR_RECOVERY,
            ModePage::WriteParameters(_) => page_code::WRITE_PARAMETERS,
            ModePage::Capabilities(_) => page_code::CAPABILITIES,
            ModePage::Raw(r) => r.code & 0x3F,
        }
    }

    /// The PS bit.
    pub fn ps(&self) -> bool {
        match self {
            ModePage::ErrorRecovery(p) => p.ps,
            ModePage::WriteParameters(p) => p.ps,
            ModePage::Capabilities(p) => p.ps,
            ModePage::Raw(p) => p.ps,
        }
    }

    /// Sets the PS bit (clear it before MODE SELECT: SPC-4 says PS is reserved there).
    pub fn set_ps(&mut self, ps: bool) {
        match self {
            ModePage::ErrorRecovery(p) => p.ps = ps,
            ModePage::WriteParameters(p) => p.ps = ps,
            ModePage::Capabilities(p) => p.ps = ps,
            ModePage::Raw(p) => p.ps = ps,
        }
    }

    /// Decodes one page starting at `bytes[0]` and returns it with the number
    /// of bytes it occupies in `bytes` and whether it was cut short (its page
    /// length reaches past the end of `bytes`).
    pub fn decode_prefix(bytes: &[u8]) -> Result<(ModePage, usize, bool), DecodeError> {
        const S: &str = "mode page";
        need(S, bytes, 2)?;
        let ps = bytes[0] & 0x80 != 0;
        let spf = bytes[0] & 0x40 != 0;
        let code = bytes[0] & 0x3F;
        let (header, subpage, len) = if spf {
            need(S, bytes, 4)?;
            (4, Some(bytes[1]), be16(bytes, 2) as usize)
        } else {
            (2, None, bytes[1] as usize)
        };
        let end = header + len;
        let truncated = end > bytes.len();
        let end = end.min(bytes.len());
        let data = &bytes[header..end];
        let page = match (subpage, code) {
            (None, page_code::ERROR_RECOVERY) => {
                ModePage::ErrorRecovery(ErrorRecoveryPage::decode_data(ps, data))
            }
            (None, page_code::WRITE_PARAMETERS) => {
                ModePage::WriteParameters(WriteParametersPage::decode_data(ps, data))
            }
            (None, page_code::CAPABILITIES) => {
                ModePage::Capabilities(CapabilitiesPage::decode_data(ps, data))
            }
            _ => ModePage::Raw(RawModePage {
                ps,
                code,
                subpage,
                data: data.to_vec(),
            }),
        };
        Ok((page, end, truncated))
    }

    /// Decodes one page (header included); a page cut short is decoded from
    /// the bytes present.
    pub fn decode(bytes: &[u8]) -> Result<ModePage, DecodeError> {
        ModePage::decode_prefix(bytes).map(|(p, _, _)| p)
    }

    /// The page with its header. Page lengths above 255 (or 65535 in
    /// sub-page format) are cut to fit.
    pub fn encode(&self) -> Vec<u8> {
        let (ps, data, subpage) = match self {
            ModePage::ErrorRecovery(p) => (p.ps, p.encode_data(), None),
            ModePage::WriteParameters(p) => (p.ps, p.encode_data(), None),
            ModePage::Capabilities(p) => (p.ps, p.encode_data(), None),
            ModePage::Raw(p) => (p.ps, p.data.clone(), p.subpage),
        };
        let b0 = (u8::from(ps) << 7) | self.code();
        let mut out;
        match subpage {
            Some(sp) => {
                let len = data.len().min(0xFFFF);
                out = vec![b0 | 0x40, sp, 0, 0];
                put16(&mut out, 2, len as u16);
                out.extend_from_slice(&data[..len]);
            }
            None => {
                let len = data.len().min(0xFF);
                out = vec![b0, len as u8];
                out.extend_from_slice(&data[..len]);
            }
        }
        out
    }
}

/// A mode parameter list: header, block descriptors (kept raw; MMC drives
/// have none) and pages. MODE SENSE(10)/SELECT(10) use an 8-byte header
/// (SPC-4 §7.5.5, table 361), the 6-byte commands a 4-byte one (table 360).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct ModeParameters {
    /// Medium type (obsolete in MMC, zero).
    pub medium_type: u8,
    /// Device-specific parameter (zero in MMC).
    pub device_specific: u8,
    /// LONGLBA (10-byte header only).
    pub long_lba: bool,
    /// Block descriptors, as bytes.
    pub block_descriptors: Vec<u8>,
    /// The pages.
    pub pages: Vec<ModePage>,
    /// Set by decode when the reply was cut short by the allocation length
    /// (the data length says more bytes exist than arrived); ignored by encode.
    pub truncated: bool,
}

impl ModeParameters {
    /// The first page with this code.
    pub fn page(&self, code: u8) -> Option<&ModePage> {
        self.pages.iter().find(|p| p.code() == code)
    }

    /// Decodes a MODE SENSE(10) reply or MODE SELECT(10) parameter list.
    /// A mode data length of zero (as in MODE SELECT) means "the whole buffer".
    pub fn decode10(bytes: &[u8]) -> Result<ModeParameters, DecodeError> {
        const S: &str = "mode parameter list (10)";
        need(S, bytes, 8)?;
        let declared = be16(bytes, 0) as usize;
        let bdl = be16(bytes, 6) as usize;
        let mut mp = ModeParameters::decode_body(bytes, declared, 2, 8, bdl)?;
        mp.medium_type = bytes[2];
        mp.device_specific = bytes[3];
        mp.long_lba = bytes[4] & 0x01 != 0;
        Ok(mp)
    }

    /// Decodes a MODE SENSE(6) reply or MODE SELECT(6) parameter list.
    pub fn decode6(bytes: &[u8]) -> Result<ModeParameters, DecodeError> {
        const S: &str = "mode parameter list (6)";
        need(S, bytes, 4)?;
        let declared = bytes[0] as usize;
        let bdl = bytes[3] as usize;
        let mut mp = ModeParameters::decode_body(bytes, declared, 1, 4, bdl)?;
        mp.medium_type = bytes[1];
        mp.device_specific = bytes[2];
        Ok(mp)
    }

    fn decode_body(
        bytes: &[u8],
        declared: usize,
        length_field: usize,
        header: usize,
        bdl: usize,
    ) -> Result<ModeParameters, DecodeError> {
        let (end, mut truncated) = if declared == 0 {
            (bytes.len(), false)
        } else {
            let total = declared + length_field;
            (total.min(bytes.len()), total > bytes.len())
        };
        let end = end.max(header);
        let bd_end = (header + bdl).min(end);
        let block_descriptors = bytes[header..bd_end].to_vec();
        let mut pages = Vec::new();
        let mut at = bd_end;
        while at < end {
            let rest = &bytes[at..end];
            if rest.len() < 2 || (rest[0] & 0x40 != 0 && rest.len() < 4) {
                truncated = true;
                break;
            }
            let (page, used, cut) = ModePage::decode_prefix(rest)?;
            pages.push(page);
            truncated |= cut;
            at += used;
        }
        Ok(ModeParameters {
            medium_type: 0,
            device_specific: 0,
            long_lba: false,
            block_descriptors,
            pages,
            truncated,
        })
    }

    fn body(&self) -> Vec<u8> {
        let mut out = self.block_descriptors.clone();
        for p in &self.pages {
            out.extend_from_slice(&p.encode());
        }
        out
    }

    /// A MODE SENSE(10) reply: mode data length filled in.
    pub fn encode10(&self) -> Vec<u8> {
        let body = self.body();
        let mut out = vec![0u8; 8];
        let total = (body.len() + 6).min(0xFFFF);
        put16(&mut out, 0, total as u16);
        out[2] = self.medium_type;
        out[3] = self.device_specific;
        out[4] = u8::from(self.long_lba);
        put16(&mut out, 6, self.block_descriptors.len().min(0xFFFF) as u16);
        out.extend_from_slice(&body);
        out
    }

    /// A MODE SELECT(10) parameter list: mode data length zero (reserved for
    /// MODE SELECT, SPC-4 §7.5.5) and every PS bit cleared.
    pub fn encode_select10(&self) -> Vec<u8> {
        let mut copy = self.clone();
        for p in &mut copy.pages {
            p.set_ps(false);
        }
        let mut out = copy.encode10();
        put16(&mut out, 0, 0);
        out
    }

    /// A MODE SENSE(6) reply.
    pub fn encode6(&self) -> Vec<u8> {
        let body = self.body();
        let mut out = vec![0u8; 4];
        out[0] = (body.len() + 3).min(0xFF) as u8;
        out[1] = self.medium_type;
        out[2] = self.device_specific;
        out[3] = self.block_descriptors.len().min(0xFF) as u8;
        out.extend_from_slice(&body);
        out
    }

    /// A MODE SELECT(6) parameter list (mode data length zero, PS cleared).
    pub fn encode_select6(&self) -> Vec<u8> {
        let mut copy = self.clone();
        for p in &mut copy.pages {
            p.set_ps(false);
        }
        let mut out = copy.encode6();
        out[0] = 0;
        out
    }
}

/// `d` padded with zeros to at least `len` bytes.
fn padded(d: &[u8], len: usize) -> Vec<u8> {
    let mut b = d.to_vec();
    if b.len() < len {
        b.resize(len, 0);
    }
    b
}

/// The bytes of `d` past `len`.
fn tail(d: &[u8], len: usize) -> Vec<u8> {
    d.get(len..).map(<[u8]>::to_vec).unwrap_or_default()
}

/// Eight flags, most significant bit first.
fn flags8(bits: [bool; 8]) -> u8 {
    bits.iter().fold(0u8, |acc, &b| (acc << 1) | u8::from(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_page_2a_reads_as_zeros_beyond_its_end() {
        // A 2Ah page of length 4: only bytes 2-5 present.
        let p = ModePage::decode(&[0x2A, 4, 0x3B, 0x00, 0x7F, 0xFF]).unwrap();
        let ModePage::Capabilities(c) = p else {
            panic!()
        };
        assert!(c.cd_r_read && c.cd_rw_read && c.dvd_rom_read && !c.cd_r_write);
        assert_eq!(c.byte5, 0xFF);
        assert_eq!(c.buffer_size_kib, 0);
        assert!(c.write_speeds.is_empty());
    }

    #[test]
    fn page_05_of_length_36h_keeps_its_vendor_bytes() {
        let mut page = vec![0x05, 0x36];
        page.extend(std::iter::repeat(0).take(0x32));
        page.extend_from_slice(&[1, 2, 3, 4]);
        let p = ModePage::decode(&page).unwrap();
        let ModePage::WriteParameters(w) = &p else {
            panic!()
        };
        assert_eq!(w.extra, vec![1, 2, 3, 4]);
        assert_eq!(p.encode(), page);
    }

    #[test]
    fn select_clears_ps_and_length() {
        let mp = ModeParameters {
            pages: vec![ModePage::WriteParameters(WriteParametersPage {
                ps: true,
                ..WriteParametersPage::default()
            })],
            ..ModeParameters::default()
        };
        let sense = mp.encode10();
        assert_eq!(be16(&sense, 0) as usize, sense.len() - 2);
        assert_eq!(sense[8], 0x85);
        let select = mp.encode_select10();
        assert_eq!(&select[0..2], &[0, 0]);
        assert_eq!(select[8], 0x05);
        // Select data decodes with the whole buffer as its length.
        let back = ModeParameters::decode10(&select).unwrap();
        assert_eq!(back.pages.len(), 1);
        assert!(!back.pages[0].ps());
    }

    #[test]
    fn truncated_reply_is_flagged() {
        let mp = ModeParameters {
            pages: vec![ModePage::WriteParameters(WriteParametersPage::default())],
            ..ModeParameters::default()
        };
        let full = mp.encode10();
        let cut = ModeParameters::decode10(&full[..30]).unwrap();
        assert!(cut.truncated);
        assert_eq!(cut.pages.len(), 1);
        assert!(!ModeParameters::decode10(&full).unwrap().truncated);
    }
}
