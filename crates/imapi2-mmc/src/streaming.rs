//! SET STREAMING performance descriptor (MMC-6 §6.38.2.1, table 610): the
//! 28 bytes that set read and write speed on DVD/BD (and most CD) drives.

use crate::codec::{be32, need, put32, DecodeError};
use crate::performance::RotationControl;

/// Length of the performance descriptor.
pub const PERFORMANCE_DESCRIPTOR_LEN: usize = 28;

/// The SET STREAMING performance descriptor. Speed is size ÷ time: sizes in
/// kilobytes (1000 bytes), times in milliseconds, so `write_size` kB per
/// `write_time` ms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StreamingPerformance {
    /// WRC: rotation control (byte 0 bits 4–3).
    pub wrc: RotationControl,
    /// RDD: restore drive defaults (byte 0 bit 2).
    pub rdd: bool,
    /// Exact (byte 0 bit 1).
    pub exact: bool,
    /// RA: random access (byte 0 bit 0).
    pub random_access: bool,
    /// Start LBA (bytes 4–7).
    pub start_lba: u32,
    /// End LBA (bytes 8–11).
    pub end_lba: u32,
    /// Read size, kB (bytes 12–15).
    pub read_size: u32,
    /// Read time, ms (bytes 16–19).
    pub read_time: u32,
    /// Write size, kB (bytes 20–23).
    pub write_size: u32,
    /// Write time, ms (bytes 24–27).
    pub write_time: u32,
}

impl StreamingPerformance {
    /// A descriptor asking for `read_kbps` and `write_kbps` over LBAs
    /// `0..=end_lba`, with one-second times (what libburn and growisofs send).
    pub fn speeds(end_lba: u32, read_kbps: u32, write_kbps: u32) -> StreamingPerformance {
        StreamingPerformance {
            wrc: RotationControl::Clv,
            rdd: false,
            exact: false,
            random_access: false,
            start_lba: 0,
            end_lba,
            read_size: read_kbps,
            read_time: 1000,
            write_size: write_kbps,
            write_time: 1000,
        }
    }

    /// Decodes the descriptor.
    pub fn decode(bytes: &[u8]) -> Result<StreamingPerformance, DecodeError> {
        need(
            "SET STREAMING performance descriptor",
            bytes,
            PERFORMANCE_DESCRIPTOR_LEN,
        )?;
        Ok(StreamingPerformance {
            wrc: RotationControl::from_bits((bytes[0] >> 3) & 0x03),
            rdd: bytes[0] & 0x04 != 0,
            exact: bytes[0] & 0x02 != 0,
            random_access: bytes[0] & 0x01 != 0,
            start_lba: be32(bytes, 4),
            end_lba: be32(bytes, 8),
            read_size: be32(bytes, 12),
            read_time: be32(bytes, 16),
            write_size: be32(bytes, 20),
            write_time: be32(bytes, 24),
        })
    }

    /// Encodes the 28-byte descriptor.
    pub fn encode(&self) -> Vec<u8> {
        let mut b = vec![0u8; PERFORMANCE_DESCRIPTOR_LEN];
        b[0] = ((self.wrc.bits() & 0x03) << 3)
            | (u8::from(self.rdd) << 2)
            | (u8::from(self.exact) << 1)
            | u8::from(self.random_access);
        put32(&mut b, 4, self.start_lba);
        put32(&mut b, 8, self.end_lba);
        put32(&mut b, 12, self.read_size);
        put32(&mut b, 16, self.read_time);
        put32(&mut b, 20, self.write_size);
        put32(&mut b, 24, self.write_time);
        b
    }

    /// The write speed in kB/s (size ÷ time × 1000), if the time is not zero.
    pub fn write_kbps(&self) -> Option<u64> {
        (self.write_time != 0)
            .then(|| u64::from(self.write_size) * 1000 / u64::from(self.write_time))
    }

    /// The read speed in kB/s, if the time is not zero.
    pub fn read_kbps(&self) -> Option<u64> {
        (self.read_time != 0).then(|| u64::from(self.read_size) * 1000 / u64::from(self.read_time))
    }
}
