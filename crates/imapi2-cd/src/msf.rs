//! CD addresses: minute, second, frame (MSF) and logical block addresses
//! (LBA), and the conversion between them (ECMA-130 §22.3 for the times
//! the Q sub-channel carries; MMC-6 §4.2.3.5, table 19).
//!
//! A CD counts 75 frames (sectors) a second. LBA 0 is MSF 00:02:00: the
//! first track's 2-second pre-gap lies before it, at LBAs −150..−1. MSF
//! times from 90:00:00 on are lead-in times and name LBAs below −150.

use crate::bcd;
use crate::error::{need, Error, Result};

/// Frames (sectors) per second.
pub const FRAMES_PER_SECOND: u32 = 75;

/// Frames per minute.
pub const FRAMES_PER_MINUTE: u32 = 60 * FRAMES_PER_SECOND;

/// Frames between MSF 00:00:00 and LBA 0 (the 2-second pre-gap of the
/// first track).
pub const LBA_OFFSET: i32 = 150;

/// The lowest LBA an MSF address names: 90:00:00.
pub const LOWEST_LBA: i32 = -45_150;

/// The highest LBA an MSF address names: 89:59:74.
pub const HIGHEST_LBA: i32 = 404_849;

/// Frames in 90 minutes: MSF times from 90:00:00 on are lead-in times and
/// map to negative LBAs.
const NINETY_MINUTES: i32 = 90 * 60 * 75;

/// Frames in 100 minutes: the range of two BCD minute digits.
const HUNDRED_MINUTES: i32 = 100 * 60 * 75;

/// A CD address as minute, second, frame (75 frames per second).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Msf {
    /// Minute.
    pub m: u8,
    /// Second (0–59).
    pub s: u8,
    /// Frame (0–74).
    pub f: u8,
}

impl Msf {
    /// An MSF with second < 60 and frame < 75, or `None`.
    pub fn new(m: u8, s: u8, f: u8) -> Option<Msf> {
        (s < 60 && f < 75).then_some(Msf { m, s, f })
    }

    /// The LBA of this address (see [`msf_to_lba`]).
    pub fn to_lba(self) -> i32 {
        msf_to_lba(self)
    }

    /// The address `frames` frames after 00:00:00, minutes taken modulo 100
    /// (the two digits a BCD minute holds).
    pub fn from_frames(frames: u64) -> Msf {
        let fps = u64::from(FRAMES_PER_SECOND);
        Msf {
            m: ((frames / u64::from(FRAMES_PER_MINUTE)) % 100) as u8,
            s: ((frames / fps) % 60) as u8,
            f: (frames % fps) as u8,
        }
    }

    /// Frames from 00:00:00 to this address (fields not range-checked).
    pub fn frames(self) -> u32 {
        (u32::from(self.m) * 60 + u32::from(self.s)) * FRAMES_PER_SECOND + u32::from(self.f)
    }

    /// The three BCD bytes MIN, SEC, FRAME.
    pub fn to_bcd(self) -> [u8; 3] {
        [
            bcd::to_bcd(self.m),
            bcd::to_bcd(self.s),
            bcd::to_bcd(self.f),
        ]
    }

    /// An address from three BCD bytes MIN, SEC, FRAME of `structure`:
    /// every byte must be BCD, the second below 60 and the frame below 75.
    pub fn decode_bcd(structure: &'static str, b: &[u8]) -> Result<Msf> {
        need(structure, b, 3)?;
        let (m, s, f) = (
            bcd::decode(structure, b[0])?,
            bcd::decode(structure, b[1])?,
            bcd::decode(structure, b[2])?,
        );
        if s >= 60 {
            return Err(Error::OutOfRange {
                structure,
                field: "second",
                value: s,
            });
        }
        if f >= 75 {
            return Err(Error::OutOfRange {
                structure,
                field: "frame",
                value: f,
            });
        }
        Ok(Msf { m, s, f })
    }
}

impl std::fmt::Display for Msf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:02}:{:02}:{:02}", self.m, self.s, self.f)
    }
}

/// The LBA of an MSF address: `(M·60 + S)·75 + F − 150` for M < 90 and
/// `− 450150` for M ≥ 90 (lead-in times; MMC-6 §4.2.3.5, table 19).
/// Fields are not range-checked (S ≥ 60 or F ≥ 75 just add up).
pub fn msf_to_lba(msf: Msf) -> i32 {
    let frames = (i32::from(msf.m) * 60 + i32::from(msf.s)) * 75 + i32::from(msf.f);
    if msf.m >= 90 {
        frames - 450_150
    } else {
        frames - LBA_OFFSET
    }
}

/// The MSF address of an LBA, for LBAs −45150..=404849 (00:00:00–89:59:74
/// for −150 on, 90:00:00–99:59:74 below −150); `None` outside.
pub fn lba_to_msf(lba: i32) -> Option<Msf> {
    let frames = if lba >= -LBA_OFFSET {
        lba.checked_add(LBA_OFFSET)?
    } else {
        lba + 450_150
    };
    let in_range = if lba >= -LBA_OFFSET {
        frames < NINETY_MINUTES
    } else {
        (NINETY_MINUTES..HUNDRED_MINUTES).contains(&frames)
    };
    if !in_range {
        return None;
    }
    Some(Msf {
        m: (frames / 4500) as u8,
        s: ((frames / 75) % 60) as u8,
        f: (frames % 75) as u8,
    })
}

/// The absolute time of `lba` as the Q sub-channel of the program area and
/// the header of a data sector carry it: frames from 00:00:00 (LBA −150),
/// minutes modulo 100. LBAs before 00:00:00 give 00:00:00.
pub fn absolute_time(lba: i64) -> Msf {
    Msf::from_frames((lba + i64::from(LBA_OFFSET)).max(0) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn msf_edges() {
        assert_eq!(lba_to_msf(-150), Some(Msf { m: 0, s: 0, f: 0 }));
        assert_eq!(lba_to_msf(0), Some(Msf { m: 0, s: 2, f: 0 }));
        assert_eq!(msf_to_lba(Msf { m: 0, s: 2, f: 0 }), 0);
        assert_eq!(msf_to_lba(Msf { m: 0, s: 0, f: 0 }), -150);
        // Last address before the 90-minute boundary.
        assert_eq!(
            lba_to_msf(404_849),
            Some(Msf {
                m: 89,
                s: 59,
                f: 74
            })
        );
        assert_eq!(lba_to_msf(404_850), None);
        // Lead-in times: M ≥ 90 maps below −150.
        assert_eq!(
            msf_to_lba(Msf {
                m: 99,
                s: 59,
                f: 74
            }),
            -151
        );
        assert_eq!(
            lba_to_msf(-151),
            Some(Msf {
                m: 99,
                s: 59,
                f: 74
            })
        );
        assert_eq!(msf_to_lba(Msf { m: 90, s: 0, f: 0 }), -45_150);
        assert_eq!(lba_to_msf(-45_150), Some(Msf { m: 90, s: 0, f: 0 }));
        assert_eq!(lba_to_msf(-45_151), None);
        // A typical CD-R lead-in start: 97:26:66.
        let lead_in = Msf {
            m: 97,
            s: 26,
            f: 66,
        };
        assert_eq!(msf_to_lba(lead_in), -11_634);
        assert_eq!(lba_to_msf(-11_634), Some(lead_in));
        // 80-minute disc: last possible lead-out 79:59:74.
        assert_eq!(
            msf_to_lba(Msf {
                m: 79,
                s: 59,
                f: 74
            }),
            359_849
        );
        assert_eq!(lba_to_msf(i32::MAX), None);
        assert_eq!(lba_to_msf(i32::MIN), None);
        assert_eq!(lba_to_msf(LOWEST_LBA).map(Msf::to_lba), Some(LOWEST_LBA));
        assert_eq!(lba_to_msf(HIGHEST_LBA).map(Msf::to_lba), Some(HIGHEST_LBA));
    }

    #[test]
    fn every_representable_lba_round_trips() {
        for lba in LOWEST_LBA..=HIGHEST_LBA {
            let msf = lba_to_msf(lba).unwrap();
            assert!(msf.s < 60 && msf.f < 75 && msf.m < 100);
            assert_eq!(msf_to_lba(msf), lba);
        }
    }

    #[test]
    fn frame_counts_and_absolute_times() {
        assert_eq!(Msf::from_frames(0), Msf { m: 0, s: 0, f: 0 });
        assert_eq!(Msf::from_frames(4_500 + 75 + 1), Msf { m: 1, s: 1, f: 1 });
        // Minutes wrap at 100: two BCD digits.
        assert_eq!(Msf::from_frames(100 * 4_500 + 2), Msf { m: 0, s: 0, f: 2 });
        assert_eq!(Msf { m: 61, s: 59, f: 3 }.frames(), (61 * 60 + 59) * 75 + 3);
        for frames in [0u32, 1, 74, 75, 4_499, 4_500, 449_999] {
            assert_eq!(Msf::from_frames(u64::from(frames)).frames(), frames);
        }
        assert_eq!(absolute_time(0), Msf { m: 0, s: 2, f: 0 });
        assert_eq!(absolute_time(-150), Msf { m: 0, s: 0, f: 0 });
        assert_eq!(absolute_time(-151), Msf { m: 0, s: 0, f: 0 });
        assert_eq!(absolute_time(-11_634), Msf { m: 0, s: 0, f: 0 });
        assert_eq!(
            absolute_time(359_849),
            Msf {
                m: 79,
                s: 59,
                f: 74
            }
        );
        // Program-area times agree with lba_to_msf.
        for lba in [-150i32, 0, 1, 16, 4_350, 300_000, HIGHEST_LBA] {
            assert_eq!(Some(absolute_time(i64::from(lba))), lba_to_msf(lba));
        }
    }

    #[test]
    fn bcd_times() {
        let t = Msf {
            m: 97,
            s: 26,
            f: 66,
        };
        assert_eq!(t.to_bcd(), [0x97, 0x26, 0x66]);
        assert_eq!(Msf::decode_bcd("x", &[0x97, 0x26, 0x66]), Ok(t));
        assert_eq!(
            Msf::decode_bcd("x", &[0x00, 0x60, 0x00]),
            Err(Error::OutOfRange {
                structure: "x",
                field: "second",
                value: 60
            })
        );
        assert_eq!(
            Msf::decode_bcd("x", &[0x00, 0x00, 0x75]),
            Err(Error::OutOfRange {
                structure: "x",
                field: "frame",
                value: 75
            })
        );
        assert!(Msf::decode_bcd("x", &[0x0A, 0, 0]).is_err());
        assert!(Msf::decode_bcd("x", &[0, 0]).is_err());
        assert_eq!(t.to_string(), "97:26:66");
        assert_eq!(Msf::new(1, 60, 0), None);
        assert_eq!(Msf::new(1, 59, 74), Some(Msf { m: 1, s: 59, f: 74 }));
    }
}
