//! Sense data: what a drive says after CHECK CONDITION (SPC-4 §4.5).
//!
//! [`Sense::decode`] reads both formats a drive may send: fixed format
//! (response codes 70h current / 71h deferred, SPC-4 §4.5.3) and descriptor
//! format (72h / 73h, SPC-4 §4.5.2). [`Sense::encode`] writes the 18-byte fixed
//! format, which is what the virtual recorder returns (and what MMC drives
//! send unless REQUEST SENSE asks for descriptors).
//!
//! [`asc_text`] names the additional sense codes burners return (SPC-4 Annex D
//! and MMC-6 Annex F names), and the classification helpers
//! ([`Sense::is_unit_attention`], [`Sense::is_becoming_ready`], ...) are what a
//! retry policy asks.

use std::fmt;

use crate::codec::{be16, be32, DecodeError};

/// The sense key: the class of the failure (SPC-4 §4.5.6, table 27).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SenseKey {
    /// 0h: nothing to report (also used to carry progress of a long operation).
    NoSense,
    /// 1h: the command completed after the drive recovered from an error.
    RecoveredError,
    /// 2h: the unit cannot be accessed now (no medium, becoming ready, busy with a long operation).
    NotReady,
    /// 3h: a flaw in the medium or in the recorded data.
    MediumError,
    /// 4h: a drive failure.
    HardwareError,
    /// 5h: the CDB or its parameter data is wrong.
    IllegalRequest,
    /// 6h: something changed (medium, reset, mode parameters) since the last command.
    UnitAttention,
    /// 7h: the medium is write protected (or read protected).
    DataProtect,
    /// 8h: blank medium met where data was expected, or written where blank was expected.
    BlankCheck,
    /// 9h: vendor specific.
    VendorSpecific,
    /// Ah: a copy command was aborted.
    CopyAborted,
    /// Bh: the drive aborted the command.
    AbortedCommand,
    /// Ch: obsolete (was EQUAL).
    Obsolete0C,
    /// Dh: the medium is full.
    VolumeOverflow,
    /// Eh: the data on the medium differs from the data sent (VERIFY with BYTCHK).
    Miscompare,
    /// Fh: completed (SPC-5; reserved in SPC-4).
    Completed,
}

impl SenseKey {
    /// The key from the low four bits of `b`.
    pub fn from_u8(b: u8) -> SenseKey {
        match b & 0x0F {
            0x0 => SenseKey::NoSense,
            0x1 => SenseKey::RecoveredError,
            0x2 => SenseKey::NotReady,
            0x3 => SenseKey::MediumError,
            0x4 => SenseKey::HardwareError,
            0x5 => SenseKey::IllegalRequest,
            0x6 => SenseKey::UnitAttention,
            0x7 => SenseKey::DataProtect,
            0x8 => SenseKey::BlankCheck,
            0x9 => SenseKey::VendorSpecific,
            0xA => SenseKey::CopyAborted,
            0xB => SenseKey::AbortedCommand,
            0xC => SenseKey::Obsolete0C,
            0xD => SenseKey::VolumeOverflow,
            0xE => SenseKey::Miscompare,
            _ => SenseKey::Completed,
        }
    }

    /// The four-bit key value.
    pub fn to_u8(self) -> u8 {
        match self {
            SenseKey::NoSense => 0x0,
            SenseKey::RecoveredError => 0x1,
            SenseKey::NotReady => 0x2,
            SenseKey::MediumError => 0x3,
            SenseKey::HardwareError => 0x4,
            SenseKey::IllegalRequest => 0x5,
            SenseKey::UnitAttention => 0x6,
            SenseKey::DataProtect => 0x7,
            SenseKey::BlankCheck => 0x8,
            SenseKey::VendorSpecific => 0x9,
            SenseKey::CopyAborted => 0xA,
            SenseKey::AbortedCommand => 0xB,
            SenseKey::Obsolete0C => 0xC,
            SenseKey::VolumeOverflow => 0xD,
            SenseKey::Miscompare => 0xE,
            SenseKey::Completed => 0xF,
        }
    }

    /// The SPC name of the key ("NOT READY").
    pub fn name(self) -> &'static str {
        match self {
            SenseKey::NoSense => "NO SENSE",
            SenseKey::RecoveredError => "RECOVERED ERROR",
            SenseKey::NotReady => "NOT READY",
            SenseKey::MediumError => "MEDIUM ERROR",
            SenseKey::HardwareError => "HARDWARE ERROR",
            SenseKey::IllegalRequest => "ILLEGAL REQUEST",
            SenseKey::UnitAttention => "UNIT ATTENTION",
            SenseKey::DataProtect => "DATA PROTECT",
            SenseKey::BlankCheck => "BLANK CHECK",
            SenseKey::VendorSpecific => "VENDOR SPECIFIC",
            SenseKey::CopyAborted => "COPY ABORTED",
            SenseKey::AbortedCommand => "ABORTED COMMAND",
            SenseKey::Obsolete0C => "EQUAL (obsolete)",
            SenseKey::VolumeOverflow => "VOLUME OVERFLOW",
            SenseKey::Miscompare => "MISCOMPARE",
            SenseKey::Completed => "COMPLETED",
        }
    }
}

impl fmt::Display for SenseKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The field pointer of ILLEGAL REQUEST sense: which byte (and bit) of the
/// CDB or parameter list is wrong (SPC-4 §4.5.2.4.2, table 31).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FieldPointer {
    /// C/D: true when the offending byte is in the CDB, false when in the parameter data.
    pub in_cdb: bool,
    /// The bit within the byte (0..=7), when the drive names one (BPV).
    pub bit: Option<u8>,
    /// The offending byte's offset.
    pub byte: u16,
}

/// Decoded sense data, independent of the format it arrived in.
///
/// The sense-key-specific bytes (SKSV set) are read as progress for keys
/// NO SENSE and NOT READY, and as a field pointer for ILLEGAL REQUEST; for
/// other keys they are not kept. [`Sense::encode`] writes them back the same
/// way, so a value whose `progress` is set should have key 0 or 2 and one whose
/// `field_pointer` is set should have key 5.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Sense {
    /// Deferred error (response code 71h/73h): the failure belongs to an earlier command.
    pub deferred: bool,
    /// The sense key.
    pub key: SenseKey,
    /// Additional sense code.
    pub asc: u8,
    /// Additional sense code qualifier.
    pub ascq: u8,
    /// The INFORMATION field when VALID is set (usually the failing LBA).
    /// A descriptor-format value that does not fit 32 bits is dropped.
    pub information: Option<u32>,
    /// COMMAND-SPECIFIC INFORMATION (fixed format bytes 8–11).
    pub command_specific: u32,
    /// Field replaceable unit code (fixed byte 14).
    pub fru: u8,
    /// FILEMARK, EOM and ILI bits (fixed byte 2, bits 7–5), kept as-is.
    pub flags: u8,
    /// Progress of a long operation, 0..=65535 of 65536 (SKSV with key 0 or 2).
    pub progress: Option<u16>,
    /// The offending field (SKSV with key ILLEGAL REQUEST).
    pub field_pointer: Option<FieldPointer>,
}

/// Length of the fixed-format sense data [`Sense::encode`] writes.
pub const FIXED_SENSE_LEN: usize = 18;

impl Sense {
    /// Sense with a key and ASC/ASCQ and nothing else, what the emulator raises.
    pub fn new(key: SenseKey, asc: u8, ascq: u8) -> Sense {
        Sense {
            deferred: false,
            key,
            asc,
            ascq,
            information: None,
            command_specific: 0,
            fru: 0,
            flags: 0,
            progress: None,
            field_pointer: None,
        }
    }

    /// NOT READY with a progress indication (long operation with Immed).
    pub fn not_ready_with_progress(asc: u8, ascq: u8, progress: u16) -> Sense {
        Sense {
            progress: Some(progress),
            ..Sense::new(SenseKey::NotReady, asc, ascq)
        }
    }

    /// ILLEGAL REQUEST 24/00 (invalid field in CDB) pointing at `byte` (and `bit`) of the CDB.
    pub fn invalid_cdb_field(byte: u16, bit: Option<u8>) -> Sense {
        Sense {
            field_pointer: Some(FieldPointer {
                in_cdb: true,
                bit,
                byte,
            }),
            ..Sense::new(SenseKey::IllegalRequest, 0x24, 0x00)
        }
    }

    /// ILLEGAL REQUEST 26/00 (invalid field in parameter list) pointing at `byte` of the data.
    pub fn invalid_parameter_field(byte: u16, bit: Option<u8>) -> Sense {
        Sense {
            field_pointer: Some(FieldPointer {
                in_cdb: false,
                bit,
                byte,
            }),
            ..Sense::new(SenseKey::IllegalRequest, 0x26, 0x00)
        }
    }

    /// The same sense with the INFORMATION field set (e.g. the failing LBA).
    pub fn with_information(mut self, information: u32) -> Sense {
        self.information = Some(information);
        self
    }

    /// Decodes fixed (70h–71h) or descriptor (72h–73h) sense data.
    ///
    /// Fixed format needs at least 14 bytes (through ASCQ); the additional
    /// sense length limits which later fields are read. Descriptor format
    /// needs 8 bytes; the information (type 00h) and sense-key-specific
    /// (type 02h) descriptors are read, others skipped.
    pub fn decode(bytes: &[u8]) -> Result<Sense, DecodeError> {
        const S: &str = "sense data";
        if bytes.is_empty() {
            return Err(DecodeError::new(S, "no sense bytes"));
        }
        let code = bytes[0] & 0x7F;
        match code {
            0x70 | 0x71 => Sense::decode_fixed(bytes, code == 0x71),
            0x72 | 0x73 => Sense::decode_descriptor(bytes, code == 0x73),
            other => Err(DecodeError::new(
                S,
                format!("response code {other:#04x} is not 70h-73h"),
            )),
        }
    }

    fn decode_fixed(bytes: &[u8], deferred: bool) -> Result<Sense, DecodeError> {
        const S: &str = "fixed-format sense data";
        crate::codec::need(S, bytes, 14)?;
        // Bytes the drive says are meaningful: 8 + additional sense length.
        let end = bytes.len().min(8 + bytes[7] as usize);
        let key = SenseKey::from_u8(bytes[2]);
        let mut sense = Sense::new(key, bytes[12], bytes[13]);
        sense.deferred = deferred;
        sense.flags = bytes[2] & 0xE0;
        if bytes[0] & 0x80 != 0 {
            sense.information = Some(be32(bytes, 3));
        }
        if end >= 12 {
            sense.command_specific = be32(bytes, 8);
        }
        if end >= 15 {
            sense.fru = bytes[14];
        }
        if end >= 18 && bytes[15] & 0x80 != 0 {
            sense.set_key_specific([bytes[15], bytes[16], bytes[17]]);
        }
        Ok(sense)
    }

    fn decode_descriptor(bytes: &[u8], deferred: bool) -> Result<Sense, DecodeError> {
        const S: &str = "descriptor-format sense data";
        crate::codec::need(S, bytes, 4)?;
        let mut sense = Sense::new(SenseKey::from_u8(bytes[1]), bytes[2], bytes[3]);
        sense.deferred = deferred;
        if bytes.len() < 8 {
            return Ok(sense);
        }
        let end = bytes.len().min(8 + bytes[7] as usize);
        let mut at = 8;
        while at + 2 <= end {
            let kind = bytes[at];
            let len = bytes[at + 1] as usize;
            let body_end = at + 2 + len;
            if body_end > end {
                break;
            }
            let d = &bytes[at..body_end];
            match kind {
                // Information descriptor (SPC-4 §4.5.2.2): VALID, 8-byte INFORMATION.
                0x00 if d.len() >= 12 && d[2] & 0x80 != 0 => {
                    let hi = be32(d, 4);
                    let lo = be32(d, 8);
                    sense.information = if hi == 0 { Some(lo) } else { None };
                }
                // Command-specific information descriptor (§4.5.2.3).
                0x01 if d.len() >= 12 => {
                    sense.command_specific = be32(d, 8);
                }
                // Sense key specific descriptor (§4.5.2.4).
                0x02 if d.len() >= 7 && d[4] & 0x80 != 0 => {
                    sense.set_key_specific([d[4], d[5], d[6]]);
                }
                // Field replaceable unit descriptor (§4.5.2.5).
                0x03 if d.len() >= 4 => sense.fru = d[3],
                _ => {}
            }
            at = body_end;
        }
        Ok(sense)
    }

    fn set_key_specific(&mut self, sks: [u8; 3]) {
        match self.key {
            SenseKey::NoSense | SenseKey::NotReady => {
                self.progress = Some(be16(&sks, 1));
            }
            SenseKey::IllegalRequest => {
                self.field_pointer = Some(FieldPointer {
                    in_cdb: sks[0] & 0x40 != 0,
                    bit: if sks[0] & 0x08 != 0 {
                        Some(sks[0] & 0x07)
                    } else {
                        None
                    },
                    byte: be16(&sks, 1),
                });
            }
            _ => {}
        }
    }

    /// The 18 bytes of fixed-format sense data (SPC-4 §4.5.3, table 43).
    pub fn encode(&self) -> Vec<u8> {
        let mut b = vec![0u8; FIXED_SENSE_LEN];
        b[0] = if self.deferred { 0x71 } else { 0x70 };
        if let Some(info) = self.information {
            b[0] |= 0x80;
            b[3..7].copy_from_slice(&info.to_be_bytes());
        }
        b[2] = (self.flags & 0xE0) | self.key.to_u8();
        b[7] = (FIXED_SENSE_LEN - 8) as u8;
        b[8..12].copy_from_slice(&self.command_specific.to_be_bytes());
        b[12] = self.asc;
        b[13] = self.ascq;
        b[14] = self.fru;
        if let Some(p) = self.progress {
            b[15] = 0x80;
            b[16..18].copy_from_slice(&p.to_be_bytes());
        } else if let Some(fp) = self.field_pointer {
            b[15] = 0x80 | if fp.in_cdb { 0x40 } else { 0 };
            if let Some(bit) = fp.bit {
                b[15] |= 0x08 | (bit & 0x07);
            }
            b[16..18].copy_from_slice(&fp.byte.to_be_bytes());
        }
        b
    }

    /// The SPC/MMC name of this ASC/ASCQ, if the table knows it.
    pub fn text(&self) -> Option<&'static str> {
        asc_text(self.asc, self.ascq)
    }

    /// UNIT ATTENTION (key 6): medium changed, reset, parameters changed.
    pub fn is_unit_attention(&self) -> bool {
        self.key == SenseKey::UnitAttention
    }

    /// NOT READY, 04/01: the unit is spinning up; poll and retry.
    pub fn is_becoming_ready(&self) -> bool {
        self.key == SenseKey::NotReady && self.asc == 0x04 && self.ascq == 0x01
    }

    /// NOT READY, 04/08: the drive buffer is full; retry the same WRITE shortly.
    pub fn is_long_write_in_progress(&self) -> bool {
        self.key == SenseKey::NotReady && self.asc == 0x04 && self.ascq == 0x08
    }

    /// NOT READY, 04/04 or 04/07: a format or another long operation is running.
    pub fn is_operation_in_progress(&self) -> bool {
        self.key == SenseKey::NotReady && self.asc == 0x04 && matches!(self.ascq, 0x04 | 0x07)
    }

    /// ASC 3Ah: no medium (tray closed, open, or either).
    pub fn is_no_medium(&self) -> bool {
        self.asc == 0x3A
    }

    /// RECOVERED ERROR (key 1): the command succeeded after all.
    pub fn is_recovered(&self) -> bool {
        self.key == SenseKey::RecoveredError
    }
}

impl fmt::Display for Sense {
    /// "02/04/01 NOT READY: logical unit is in process of becoming ready":
    /// the key, ASC and ASCQ as burners print them, then their meaning.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:02X}/{:02X}/{:02X} {}",
            self.key.to_u8(),
            self.asc,
            self.ascq,
            self.key.name()
        )?;
        if let Some(text) = self.text() {
            write!(f, ": {text}")?;
        }
        if let Some(p) = self.progress {
            write!(f, " (progress {:.1}%)", f64::from(p) * 100.0 / 65536.0)?;
        }
        if let Some(info) = self.information {
            write!(f, " (information {info})")?;
        }
        Ok(())
    }
}

/// The name of an additional sense code and qualifier (SPC-4 Annex D,
/// MMC-6 Annex F), for the codes optical drives return.
pub fn asc_text(asc: u8, ascq: u8) -> Option<&'static str> {
    ASC_TABLE
        .binary_search_by(|&(a, q, _)| (a, q).cmp(&(asc, ascq)))
        .ok()
        .map(|i| ASC_TABLE[i].2)
}

/// (ASC, ASCQ, name), sorted by (ASC, ASCQ).
static ASC_TABLE: &[(u8, u8, &str)] = &[
    (0x00, 0x00, "no additional sense information"),
    (0x00, 0x11, "audio play operation in progress"),
    (0x00, 0x12, "audio play operation paused"),
    (0x00, 0x13, "audio play operation successfully completed"),
    (0x00, 0x14, "audio play operation stopped due to error"),
    (0x00, 0x15, "no current audio status to return"),
    (0x00, 0x16, "operation in progress"),
    (0x00, 0x17, "cleaning requested"),
    (0x02, 0x00, "no seek complete"),
    (0x04, 0x00, "logical unit not ready, cause not reportable"),
    (0x04, 0x01, "logical unit is in process of becoming ready"),
    (
        0x04,
        0x02,
        "logical unit not ready, initializing command required",
    ),
    (
        0x04,
        0x03,
        "logical unit not ready, manual intervention required",
    ),
    (0x04, 0x04, "logical unit not ready, format in progress"),
    (0x04, 0x07, "logical unit not ready, operation in progress"),
    (0x04, 0x08, "logical unit not ready, long write in progress"),
    (0x04, 0x09, "logical unit not ready, self-test in progress"),
    (0x05, 0x00, "logical unit does not respond to selection"),
    (0x06, 0x00, "no reference position found"),
    (0x08, 0x00, "logical unit communication failure"),
    (0x08, 0x01, "logical unit communication time-out"),
    (0x08, 0x02, "logical unit communication parity error"),
    (
        0x08,
        0x03,
        "logical unit communication CRC error (Ultra-DMA/32)",
    ),
    (0x09, 0x00, "track following error"),
    (0x09, 0x01, "tracking servo failure"),
    (0x09, 0x02, "focus servo failure"),
    (0x09, 0x03, "spindle servo failure"),
    (0x09, 0x04, "head select fault"),
    (0x0A, 0x00, "error log overflow"),
    (0x0B, 0x00, "warning"),
    (0x0B, 0x01, "warning - specified temperature exceeded"),
    (0x0B, 0x02, "warning - enclosure degraded"),
    (0x0C, 0x00, "write error"),
    (0x0C, 0x07, "write error - recovery needed"),
    (0x0C, 0x08, "write error - recovery failed"),
    (0x0C, 0x09, "write error - loss of streaming"),
    (0x0C, 0x0A, "write error - padding blocks added"),
    (0x0C, 0x0F, "defects in error window"),
    (0x11, 0x00, "unrecovered read error"),
    (0x11, 0x01, "read retries exhausted"),
    (0x11, 0x02, "error too long to correct"),
    (0x11, 0x05, "L-EC uncorrectable error"),
    (0x11, 0x06, "CIRC unrecovered error"),
    (0x11, 0x0F, "error reading UPC/EAN number"),
    (0x11, 0x10, "error reading ISRC number"),
    (0x11, 0x11, "read error - loss of streaming"),
    (0x14, 0x00, "recorded entity not found"),
    (0x14, 0x01, "record not found"),
    (0x15, 0x00, "random positioning error"),
    (0x15, 0x01, "mechanical positioning error"),
    (0x15, 0x02, "positioning error detected by read of medium"),
    (
        0x17,
        0x00,
        "recovered data with no error correction applied",
    ),
    (0x17, 0x01, "recovered data with retries"),
    (0x17, 0x02, "recovered data with positive head offset"),
    (0x17, 0x03, "recovered data with negative head offset"),
    (
        0x17,
        0x04,
        "recovered data with retries and/or CIRC applied",
    ),
    (0x17, 0x05, "recovered data using previous sector ID"),
    (
        0x17,
        0x07,
        "recovered data without ECC - recommend reassignment",
    ),
    (0x17, 0x08, "recovered data without ECC - recommend rewrite"),
    (0x17, 0x09, "recovered data without ECC - data rewritten"),
    (0x18, 0x00, "recovered data with error correction applied"),
    (
        0x18,
        0x01,
        "recovered data with error correction and retries applied",
    ),
    (0x18, 0x02, "recovered data - data auto-reallocated"),
    (0x18, 0x03, "recovered data with CIRC"),
    (0x18, 0x04, "recovered data with L-EC"),
    (0x18, 0x05, "recovered data - recommend reassignment"),
    (0x18, 0x06, "recovered data - recommend rewrite"),
    (0x18, 0x08, "recovered data with linking"),
    (0x1A, 0x00, "parameter list length error"),
    (0x1B, 0x00, "synchronous data transfer error"),
    (0x20, 0x00, "invalid command operation code"),
    (0x21, 0x00, "logical block address out of range"),
    (0x21, 0x01, "invalid element address"),
    (0x21, 0x02, "invalid address for write"),
    (0x21, 0x03, "invalid write crossing layer jump"),
    (0x24, 0x00, "invalid field in CDB"),
    (0x25, 0x00, "logical unit not supported"),
    (0x26, 0x00, "invalid field in parameter list"),
    (0x26, 0x01, "parameter not supported"),
    (0x26, 0x02, "parameter value invalid"),
    (0x26, 0x03, "threshold parameters not supported"),
    (0x26, 0x04, "invalid release of persistent reservation"),
    (0x27, 0x00, "write protected"),
    (0x27, 0x01, "hardware write protected"),
    (0x27, 0x02, "logical unit software write protected"),
    (0x27, 0x03, "associated write protect"),
    (0x27, 0x04, "persistent write protect"),
    (0x27, 0x05, "permanent write protect"),
    (0x27, 0x06, "conditional write protect"),
    (0x27, 0x07, "space allocation failed write protect"),
    (
        0x28,
        0x00,
        "not ready to ready change, medium may have changed",
    ),
    (0x28, 0x01, "import or export element accessed"),
    (0x28, 0x02, "format-layer may have changed"),
    (0x29, 0x00, "power on, reset, or bus device reset occurred"),
    (0x29, 0x01, "power on occurred"),
    (0x29, 0x02, "SCSI bus reset occurred"),
    (0x29, 0x03, "bus device reset function occurred"),
    (0x29, 0x04, "device internal reset"),
    (0x29, 0x05, "transceiver mode changed to single-ended"),
    (0x29, 0x06, "transceiver mode changed to LVD"),
    (0x29, 0x07, "I_T nexus loss occurred"),
    (0x2A, 0x00, "parameters changed"),
    (0x2A, 0x01, "mode parameters changed"),
    (0x2A, 0x02, "log parameters changed"),
    (0x2A, 0x03, "reservations preempted"),
    (0x2A, 0x04, "reservations released"),
    (0x2A, 0x05, "registrations preempted"),
    (
        0x2B,
        0x00,
        "copy cannot execute since host cannot disconnect",
    ),
    (0x2C, 0x00, "command sequence error"),
    (0x2C, 0x03, "current program area is not empty"),
    (0x2C, 0x04, "current program area is empty"),
    (0x2E, 0x00, "insufficient time for operation"),
    (0x2F, 0x00, "commands cleared by another initiator"),
    (0x30, 0x00, "incompatible medium installed"),
    (0x30, 0x01, "cannot read medium - unknown format"),
    (0x30, 0x02, "cannot read medium - incompatible format"),
    (0x30, 0x03, "cleaning cartridge installed"),
    (0x30, 0x04, "cannot write medium - unknown format"),
    (0x30, 0x05, "cannot write medium - incompatible format"),
    (0x30, 0x06, "cannot format medium - incompatible medium"),
    (0x30, 0x07, "cleaning failure"),
    (0x30, 0x08, "cannot write - application code mismatch"),
    (0x30, 0x09, "current session not fixated for append"),
    (0x30, 0x0A, "cleaning request rejected"),
    (0x30, 0x0C, "WORM medium - overwrite attempted"),
    (0x30, 0x0D, "WORM medium - integrity check"),
    (0x30, 0x10, "medium not formatted"),
    (0x30, 0x11, "incompatible volume type"),
    (0x31, 0x00, "medium format corrupted"),
    (0x31, 0x01, "format command failed"),
    (0x31, 0x02, "zoned formatting failed due to spare linking"),
    (0x32, 0x00, "no defect spare location available"),
    (0x34, 0x00, "enclosure failure"),
    (0x35, 0x00, "enclosure services failure"),
    (0x37, 0x00, "rounded parameter"),
    (0x39, 0x00, "saving parameters not supported"),
    (0x3A, 0x00, "medium not present"),
    (0x3A, 0x01, "medium not present - tray closed"),
    (0x3A, 0x02, "medium not present - tray open"),
    (0x3A, 0x03, "medium not present - loadable"),
    (
        0x3A,
        0x04,
        "medium not present - medium auxiliary memory accessible",
    ),
    (0x3B, 0x0D, "medium destination element full"),
    (0x3B, 0x0E, "medium source element empty"),
    (0x3B, 0x0F, "end of medium reached"),
    (0x3B, 0x11, "medium magazine not accessible"),
    (0x3B, 0x12, "medium magazine removed"),
    (0x3B, 0x13, "medium magazine inserted"),
    (0x3B, 0x14, "medium magazine locked"),
    (0x3B, 0x15, "medium magazine unlocked"),
    (0x3B, 0x16, "mechanical positioning or changer error"),
    (0x3D, 0x00, "invalid bits in identify message"),
    (0x3E, 0x00, "logical unit has not self-configured yet"),
    (0x3E, 0x01, "logical unit failure"),
    (0x3E, 0x02, "timeout on logical unit"),
    (0x3F, 0x00, "target operating conditions have changed"),
    (0x3F, 0x01, "microcode has been changed"),
    (0x3F, 0x02, "changed operating definition"),
    (0x3F, 0x03, "inquiry data has changed"),
    (0x43, 0x00, "message error"),
    (0x44, 0x00, "internal target failure"),
    (0x45, 0x00, "select or reselect failure"),
    (0x46, 0x00, "unsuccessful soft reset"),
    (0x47, 0x00, "SCSI parity error"),
    (0x48, 0x00, "initiator detected error message received"),
    (0x49, 0x00, "invalid message error"),
    (0x4A, 0x00, "command phase error"),
    (0x4B, 0x00, "data phase error"),
    (0x4C, 0x00, "logical unit failed self-configuration"),
    (0x4E, 0x00, "overlapped commands attempted"),
    (0x51, 0x00, "erase failure"),
    (
        0x51,
        0x01,
        "erase failure - incomplete erase operation detected",
    ),
    (0x53, 0x00, "media load or eject failed"),
    (0x53, 0x02, "medium removal prevented"),
    (0x57, 0x00, "unable to recover table-of-contents"),
    (0x5A, 0x00, "operator request or state change input"),
    (0x5A, 0x01, "operator medium removal request"),
    (0x5A, 0x02, "operator selected write protect"),
    (0x5A, 0x03, "operator selected write permit"),
    (0x5B, 0x00, "log exception"),
    (0x5B, 0x01, "threshold condition met"),
    (0x5B, 0x02, "log counter at maximum"),
    (0x5B, 0x03, "log list codes exhausted"),
    (0x5D, 0x00, "failure prediction threshold exceeded"),
    (0x5D, 0x01, "media failure prediction threshold exceeded"),
    (
        0x5D,
        0x02,
        "logical unit failure prediction threshold exceeded",
    ),
    (
        0x5D,
        0x03,
        "spare area exhaustion prediction threshold exceeded",
    ),
    (0x5D, 0xFF, "failure prediction threshold exceeded (false)"),
    (0x5E, 0x00, "low power condition on"),
    (0x5E, 0x01, "idle condition activated by timer"),
    (0x5E, 0x02, "standby condition activated by timer"),
    (0x5E, 0x03, "idle condition activated by command"),
    (0x5E, 0x04, "standby condition activated by command"),
    (0x63, 0x00, "end of user area encountered on this track"),
    (0x63, 0x01, "packet does not fit in available space"),
    (0x64, 0x00, "illegal mode for this track"),
    (0x64, 0x01, "invalid packet size"),
    (0x65, 0x00, "voltage fault"),
    (
        0x6F,
        0x00,
        "copy protection key exchange failure - authentication failure",
    ),
    (
        0x6F,
        0x01,
        "copy protection key exchange failure - key not present",
    ),
    (
        0x6F,
        0x02,
        "copy protection key exchange failure - key not established",
    ),
    (
        0x6F,
        0x03,
        "read of scrambled sector without authentication",
    ),
    (
        0x6F,
        0x04,
        "media region code is mismatched to logical unit region",
    ),
    (
        0x6F,
        0x05,
        "drive region must be permanent/region reset count error",
    ),
    (
        0x6F,
        0x06,
        "insufficient block count for binding nonce recording",
    ),
    (0x6F, 0x07, "conflict in binding nonce recording"),
    (0x72, 0x00, "session fixation error"),
    (0x72, 0x01, "session fixation error writing lead-in"),
    (0x72, 0x02, "session fixation error writing lead-out"),
    (
        0x72,
        0x03,
        "session fixation error - incomplete track in session",
    ),
    (0x72, 0x04, "empty or partially written reserved track"),
    (0x72, 0x05, "no more track reservations allowed"),
    (0x72, 0x06, "RMZ extension is not allowed"),
    (0x72, 0x07, "no more test zone extensions are allowed"),
    (0x73, 0x00, "CD control error"),
    (0x73, 0x01, "power calibration area almost full"),
    (0x73, 0x02, "power calibration area is full"),
    (0x73, 0x03, "power calibration area error"),
    (0x73, 0x04, "program memory area update failure"),
    (0x73, 0x05, "program memory area is full"),
    (0x73, 0x06, "RMA/PMA is almost full"),
    (0x73, 0x10, "current power calibration area almost full"),
    (0x73, 0x11, "current power calibration area is full"),
    (0x73, 0x17, "RDZ is full"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_unique() {
        for w in ASC_TABLE.windows(2) {
            assert!(
                (w[0].0, w[0].1) < (w[1].0, w[1].1),
                "{:02X}/{:02X}",
                w[1].0,
                w[1].1
            );
        }
    }

    #[test]
    fn table_covers_the_mmc_notes_codes() {
        // Every code of mmc-notes §1.5.
        let codes: &[(u8, u8)] = &[
            (0x04, 0x00),
            (0x04, 0x01),
            (0x04, 0x04),
            (0x04, 0x07),
            (0x04, 0x08),
            (0x3A, 0x00),
            (0x3A, 0x01),
            (0x3A, 0x02),
            (0x28, 0x00),
            (0x29, 0x00),
            (0x2A, 0x01),
            (0x20, 0x00),
            (0x21, 0x00),
            (0x21, 0x02),
            (0x24, 0x00),
            (0x26, 0x00),
            (0x1A, 0x00),
            (0x2C, 0x00),
            (0x30, 0x00),
            (0x30, 0x02),
            (0x30, 0x05),
            (0x30, 0x06),
            (0x30, 0x09),
            (0x53, 0x02),
            (0x63, 0x00),
            (0x64, 0x00),
            (0x64, 0x01),
            (0x72, 0x05),
            (0x27, 0x00),
            (0x0C, 0x00),
            (0x0C, 0x07),
            (0x0C, 0x09),
            (0x0C, 0x0A),
            (0x11, 0x00),
            (0x31, 0x00),
            (0x31, 0x01),
            (0x51, 0x00),
            (0x51, 0x01),
            (0x57, 0x00),
            (0x72, 0x00),
            (0x72, 0x01),
            (0x72, 0x02),
            (0x72, 0x03),
            (0x73, 0x00),
            (0x73, 0x01),
            (0x73, 0x02),
            (0x73, 0x03),
            (0x73, 0x04),
            (0x73, 0x05),
            (0x44, 0x00),
            (0x3E, 0x02),
        ];
        for &(a, q) in codes {
            assert!(asc_text(a, q).is_some(), "{a:02X}/{q:02X} missing");
        }
        assert_eq!(asc_text(0x04, 0x05), None);
    }

    #[test]
    fn display_names_key_codes_and_text() {
        let s = Sense::new(SenseKey::NotReady, 0x04, 0x01);
        assert_eq!(
            s.to_string(),
            "02/04/01 NOT READY: logical unit is in process of becoming ready"
        );
        let s = Sense::new(SenseKey::IllegalRequest, 0x99, 0x42);
        assert_eq!(s.to_string(), "05/99/42 ILLEGAL REQUEST");
    }

    #[test]
    fn keys_round_trip() {
        for b in 0..16u8 {
            assert_eq!(SenseKey::from_u8(b).to_u8(), b);
        }
    }

    #[test]
    fn classification() {
        assert!(Sense::new(SenseKey::UnitAttention, 0x28, 0).is_unit_attention());
        assert!(Sense::new(SenseKey::NotReady, 0x04, 0x01).is_becoming_ready());
        assert!(!Sense::new(SenseKey::NotReady, 0x04, 0x00).is_becoming_ready());
        assert!(Sense::new(SenseKey::NotReady, 0x04, 0x08).is_long_write_in_progress());
        assert!(Sense::new(SenseKey::NotReady, 0x3A, 0x02).is_no_medium());
        assert!(Sense::new(SenseKey::RecoveredError, 0x18, 0x00).is_recovered());
        assert!(Sense::new(SenseKey::NotReady, 0x04, 0x07).is_operation_in_progress());
    }

    #[test]
    fn descriptor_format_with_information_and_progress() {
        // Constructed from SPC-4 §4.5.2: header, information descriptor (type 00h,
        // length 0Ah, VALID), sense-key-specific descriptor (type 02h, length 06h).
        let b = [
            0x72, 0x02, 0x04, 0x04, 0, 0, 0, 20, // header, additional length 20
            0x00, 0x0A, 0x80, 0x00, 0, 0, 0, 0, 0x00, 0x01, 0x02, 0x03, // information
            0x02, 0x06, 0x00, 0x00, 0x80, 0x40, 0x00, 0x00, // SKSV, progress 4000h
        ];
        let s = Sense::decode(&b).unwrap();
        assert_eq!(s.key, SenseKey::NotReady);
        assert_eq!((s.asc, s.ascq), (0x04, 0x04));
        assert_eq!(s.information, Some(0x0001_0203));
        assert_eq!(s.progress, Some(0x4000));
        assert!(!s.deferred);
    }

    #[test]
    fn short_and_odd_sense_is_an_error() {
        assert!(Sense::decode(&[]).is_err());
        assert!(Sense::decode(&[0x70, 0, 2]).is_err());
        assert!(Sense::decode(&[0x7F; 18]).is_err());
    }
}
