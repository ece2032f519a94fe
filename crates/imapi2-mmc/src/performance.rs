//! GET PERFORMANCE replies (MMC-6 §6.8) and speed units.
//!
//! Speeds in MMC are kB/s (1000 bytes per second). IMAPI2 reports speeds in
//! sectors per second with its own 1× constants: 75 for CD, 680 for DVD and
//! 2195 for BD. Those correspond to the MMC 1× rates as follows:
//!
//! | Family | MMC 1× | IMAPI 1× | Note |
//! |---|---|---|---|
//! | CD | 176.4 kB/s (75 × 2352 bytes) | 75 sectors/s | 75 × 2048 = 153.6 kB/s of user data ("150 KiB/s") |
//! | DVD | 1385 kB/s | 680 sectors/s | 1 385 000 / 2048 ≈ 676; IMAPI rounds its constant |
//! | BD | 4495.5 kB/s | 2195 sectors/s | 4 495 500 / 2048 ≈ 2195.1 |
//!
//! The conversions here go through the "×" factor, so 1385 kB/s is exactly
//! 680 sectors/s and 16 × 1385 kB/s exactly 16 × 680.

use crate::codec::{be32, need, put32, DecodeError};
use crate::profile::MediaFamily;

/// CD 1× in tenths of kB/s (176.4 kB/s).
pub const CD_1X_KBPS_TENTHS: u32 = 1764;
/// DVD 1× in kB/s.
pub const DVD_1X_KBPS: u32 = 1385;
/// BD 1× in halves of kB/s (4495.5 kB/s).
pub const BD_1X_KBPS_HALVES: u32 = 8991;
/// IMAPI2's CD 1× in sectors per second.
pub const CD_1X_SECTORS_PER_SECOND: u32 = 75;
/// IMAPI2's DVD 1× in sectors per second.
pub const DVD_1X_SECTORS_PER_SECOND: u32 = 680;
/// IMAPI2's BD 1× in sectors per second.
pub const BD_1X_SECTORS_PER_SECOND: u32 = 2195;
/// What libburn and many tools call CD 1× for reading (2048-byte sectors): 150 KiB/s ≈ 153.6 kB/s.
pub const CD_1X_DATA_KIB_PER_SECOND: u32 = 150;

// (numerator, denominator) of sectors/s per kB/s for each family.
fn ratio(family: MediaFamily) -> (u64, u64) {
    match family {
        MediaFamily::Cd => (
            u64::from(CD_1X_SECTORS_PER_SECOND) * 10,
            u64::from(CD_1X_KBPS_TENTHS),
        ),
        MediaFamily::Dvd => (u64::from(DVD_1X_SECTORS_PER_SECOND), u64::from(DVD_1X_KBPS)),
        MediaFamily::Bd => (
            u64::from(BD_1X_SECTORS_PER_SECOND) * 2,
            u64::from(BD_1X_KBPS_HALVES),
        ),
    }
}

fn scale(v: u32, num: u64, den: u64) -> u32 {
    let r = (u64::from(v) * num + den / 2) / den;
    u32::try_from(r).unwrap_or(u32::MAX)
}

/// An MMC speed in kB/s as IMAPI2 sectors per second (rounded to nearest).
pub fn kbps_to_sectors_per_second(kbps: u32, family: MediaFamily) -> u32 {
    let (num, den) = ratio(family);
    scale(kbps, num, den)
}

/// IMAPI2 sectors per second as an MMC speed in kB/s (rounded to nearest).
pub fn sectors_per_second_to_kbps(sectors: u32, family: MediaFamily) -> u32 {
    let (num, den) = ratio(family);
    scale(sectors, den, num)
}

/// An MMC speed in kB/s as a multiple of the family's 1×.
pub fn kbps_to_x(kbps: u32, family: MediaFamily) -> f64 {
    match family {
        MediaFamily::Cd => f64::from(kbps) * 10.0 / f64::from(CD_1X_KBPS_TENTHS),
        MediaFamily::Dvd => f64::from(kbps) / f64::from(DVD_1X_KBPS),
        MediaFamily::Bd => f64::from(kbps) * 2.0 / f64::from(BD_1X_KBPS_HALVES),
    }
}

/// Rotation control: CLV or CAV (write speed descriptors WRC, SET CD SPEED,
/// SET STREAMING, page 2Ah speed descriptors).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RotationControl {
    /// 0: CLV (or the drive's default, which includes Z-CLV and P-CAV).
    Clv,
    /// 1: pure CAV.
    Cav,
    /// Any other value (reserved).
    Reserved(u8),
}

impl RotationControl {
    /// From the low three bits of `b` (callers mask two-bit fields first).
    pub fn from_bits(b: u8) -> RotationControl {
        match b & 0x07 {
            0 => RotationControl::Clv,
            1 => RotationControl::Cav,
            other => RotationControl::Reserved(other),
        }
    }

    /// The value.
    pub fn bits(self) -> u8 {
        match self {
            RotationControl::Clv => 0,
            RotationControl::Cav => 1,
            RotationControl::Reserved(b) => b & 0x07,
        }
    }
}

const HEADER: usize = 8;

/// Reads the 8-byte header: returns the bytes of descriptors present (bounded
/// by both the data length field and the buffer) and header byte 4.
fn header<'a>(structure: &'static str, bytes: &'a [u8]) -> Result<(&'a [u8], u8), DecodeError> {
    need(structure, bytes, HEADER)?;
    let declared = be32(bytes, 0) as usize;
    let end = bytes.len().min(declared.saturating_add(4)).max(HEADER);
    Ok((&bytes[HEADER..end], bytes[4]))
}

fn with_header(flags: u8, body: Vec<u8>) -> Vec<u8> {
    let mut out = vec![0u8; HEADER];
    put32(&mut out, 0, (body.len() + 4) as u32);
    out[4] = flags;
    out.extend_from_slice(&body);
    out
}

/// One nominal performance descriptor (type 00h, Except = 00b; MMC-6 table 258).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NominalPerformance {
    /// Start LBA.
    pub start_lba: u32,
    /// Performance at the start, kB/s.
    pub start_performance: u32,
    /// End LBA.
    pub end_lba: u32,
    /// Performance at the end, kB/s.
    pub end_performance: u32,
}

/// One performance exception descriptor (type 00h, Except ≠ 00b; MMC-6 table 259).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PerformanceException {
    /// The LBA where the delay occurs.
    pub lba: u32,
    /// The Time field (bytes 4–5): the expected extra delay at this LBA, as reported.
    pub time: u16,
}

/// The descriptors of a type 00h reply.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PerformanceList {
    /// Nominal performance (16-byte descriptors).
    Nominal(Vec<NominalPerformance>),
    /// Exceptions (6-byte descriptors).
    Exceptions(Vec<PerformanceException>),
}

/// GET PERFORMANCE type 00h reply (MMC-6 §6.8.3.2): header with the Write and
/// Except bits, then descriptors. The Except bit comes from the list kind.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PerformanceData {
    /// Write: the descriptors describe write performance.
    pub write: bool,
    /// The descriptors.
    pub list: PerformanceList,
}

impl PerformanceData {
    /// Decodes a type 00h reply; whole descriptors only.
    pub fn decode(bytes: &[u8]) -> Result<PerformanceData, DecodeError> {
        let (body, flags) = header("GET PERFORMANCE (type 00h) reply", bytes)?;
        let write = flags & 0x02 != 0;
        let list = if flags & 0x01 == 0 {
            PerformanceList::Nominal(
                body.chunks_exact(16)
                    .map(|d| NominalPerformance {
                        start_lba: be32(d, 0),
                        start_performance: be32(d, 4),
                        end_lba: be32(d, 8),
                        end_performance: be32(d, 12),
                    })
                    .collect(),
            )
        } else {
            PerformanceList::Exceptions(
                body.chunks_exact(6)
                    .map(|d| PerformanceException {
                        lba: be32(d, 0),
                        time: u16::from_be_bytes([d[4], d[5]]),
                    })
                    .collect(),
            )
        };
        Ok(PerformanceData { write, list })
    }

    /// Encodes the reply.
    pub fn encode(&self) -> Vec<u8> {
        let mut body = Vec::new();
        let except = match &self.list {
            PerformanceList::Nominal(list) => {
                for d in list {
                    body.extend_from_slice(&d.start_lba.to_be_bytes());
                    body.extend_from_slice(&d.start_performance.to_be_bytes());
                    body.extend_from_slice(&d.end_lba.to_be_bytes());
                    body.extend_from_slice(&d.end_performance.to_be_bytes());
                }
                0
            }
            PerformanceList::Exceptions(list) => {
                for d in list {
                    body.extend_from_slice(&d.lba.to_be_bytes());
                    body.extend_from_slice(&d.time.to_be_bytes());
                }
                1
            }
        };
        with_header((u8::from(self.write) << 1) | except, body)
    }
}

/// One write speed descriptor (GET PERFORMANCE type 03h; MMC-6 table 263).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WriteSpeedDescriptor {
    /// WRC: rotation control (byte 0 bits 4–3).
    pub wrc: RotationControl,
    /// RDD: the drive restores defaults on media change.
    pub rdd: bool,
    /// Exact: the speeds are exact for this medium.
    pub exact: bool,
    /// MRW: the descriptor applies to MRW formatted media.
    pub mrw: bool,
    /// End LBA: the capacity this speed applies to.
    pub end_lba: u32,
    /// Read speed, kB/s.
    pub read_speed: u32,
    /// Write speed, kB/s.
    pub write_speed: u32,
}

/// GET PERFORMANCE type 03h reply: the write speed descriptors.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct WriteSpeedList {
    /// The descriptors, fastest first as drives report them.
    pub descriptors: Vec<WriteSpeedDescriptor>,
}

impl WriteSpeedList {
    /// Decodes a type 03h reply; whole 16-byte descriptors only.
    pub fn decode(bytes: &[u8]) -> Result<WriteSpeedList, DecodeError> {
        let (body, _) = header("GET PERFORMANCE (type 03h) reply", bytes)?;
        let descriptors = body
            .chunks_exact(16)
            .map(|d| WriteSpeedDescriptor {
                wrc: RotationControl::from_bits((d[0] >> 3) & 0x03),
                rdd: d[0] & 0x04 != 0,
                exact: d[0] & 0x02 != 0,
                mrw: d[0] & 0x01 != 0,
                end_lba: be32(d, 4),
                read_speed: be32(d, 8),
                write_speed: be32(d, 12),
            })
            .collect();
        Ok(WriteSpeedList { descriptors })
    }

    /// Encodes the reply.
    pub fn encode(&self) -> Vec<u8> {
        let mut body = Vec::with_capacity(self.descriptors.len() * 16);
        for d in &self.descriptors {
            let mut e = [0u8; 16];
            e[0] = ((d.wrc.bits() & 0x03) << 3)
                | (u8::from(d.rdd) << 2)
                | (u8::from(d.exact) << 1)
                | u8::from(d.mrw);
            put32(&mut e, 4, d.end_lba);
            put32(&mut e, 8, d.read_speed);
            put32(&mut e, 12, d.write_speed);
            body.extend_from_slice(&e);
        }
        with_header(0, body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_x_is_exact_in_both_units() {
        assert_eq!(kbps_to_sectors_per_second(1385, MediaFamily::Dvd), 680);
        assert_eq!(
            kbps_to_sectors_per_second(16 * 1385, MediaFamily::Dvd),
            16 * 680
        );
        // CD 48× is 8467.2 kB/s; drives report 8467 (or 8468).
        assert_eq!(kbps_to_sectors_per_second(8467, MediaFamily::Cd), 48 * 75);
        assert_eq!(kbps_to_sectors_per_second(176, MediaFamily::Cd), 75);
        // BD 12× is 53946 kB/s.
        assert_eq!(
            kbps_to_sectors_per_second(53946, MediaFamily::Bd),
            12 * 2195
        );
        assert_eq!(sectors_per_second_to_kbps(680, MediaFamily::Dvd), 1385);
        assert_eq!(sectors_per_second_to_kbps(48 * 75, MediaFamily::Cd), 8467);
        assert_eq!(sectors_per_second_to_kbps(2195, MediaFamily::Bd), 4496);
        assert!((kbps_to_x(8467, MediaFamily::Cd) - 48.0).abs() < 0.01);
        assert!((kbps_to_x(4496, MediaFamily::Bd) - 1.0).abs() < 0.001);
        assert_eq!(
            sectors_per_second_to_kbps(u32::MAX, MediaFamily::Cd),
            u32::MAX
        );
    }

    #[test]
    fn declared_length_bounds_the_descriptors() {
        // Header says 4 + 16 bytes: one descriptor even though 32 bytes follow.
        let mut b = vec![0u8; 8 + 32];
        b[3] = 20;
        b[8 + 15] = 1;
        let l = WriteSpeedList::decode(&b).unwrap();
        assert_eq!(l.descriptors.len(), 1);
        assert_eq!(l.descriptors[0].write_speed, 1);
    }
}
