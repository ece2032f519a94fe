//! After the data: the drive's own account of what it recorded (every burn,
//! so that a drive that accepts every command and records nothing cannot
//! pass for a success), and `IBurnVerification`'s quick and full checks
//! (reference §11): quick = disc and track information sane, every track
//! readable, a sample of sectors compared with the source; full = quick and
//! every sector of the session read back and compared.

use std::io::{Read, Seek, SeekFrom};

use imapi2_mmc::cdb::TrackAddressType;
use imapi2_mmc::disc_info::DiscStatus;

use super::events::{DataWriteAction, Flow, VerificationLevel};
use super::strategy::Placement;
use crate::error::{Error, Result};
use crate::media::{self, MediaSnapshot};
use crate::recorder::DiscRecorder;

/// Sectors read per READ(10) while verifying.
const READ_SECTORS: usize = 32;

/// What was written: `sectors` sectors of the source at `start_lba`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    /// First LBA of the source's data on the medium.
    pub start_lba: i64,
    /// Sectors of the source (padding not counted).
    pub sectors: u64,
}

impl Written {
    /// Where the source's data lies, from a placement (a CD written session
    /// at once starts with the pregap, the data at 0).
    pub fn of(placement: &Placement, sectors: u64) -> Written {
        Written {
            start_lba: placement.start_lba.max(0),
            sectors,
        }
    }
}

/// Checks the medium's own account after the burn: on sequential media a
/// track at the start LBA holding at least the sectors sent and a disc no
/// longer blank; on overwritable media (which tell nothing) the first and
/// last written sectors read back as sent. Returns the new snapshot.
pub fn account<R: Read + Seek + ?Sized>(
    recorder: &mut DiscRecorder,
    written: Written,
    overwritable: bool,
    source: &mut R,
) -> Result<MediaSnapshot> {
    let device = recorder.device().to_string();
    let snap = media::snapshot(recorder.drive()).map_err(|error| Error::Device {
        device: device.clone(),
        error,
    })?;
    let unexpected = |reason: String| Error::Burn {
        device: device.clone(),
        reason: format!("the drive reported every write as done, but {reason}"),
        code: 0xC0AA_0301,
    };
    if !snap.present {
        return Err(unexpected("the medium is gone".into()));
    }
    if !overwritable {
        if snap.state & media::state::BLANK != 0 {
            return Err(unexpected("the disc is still blank".into()));
        }
        let end = written.start_lba + written.sectors as i64;
        let holds = snap.tracks.iter().any(|t| {
            let t_start = i64::from(t.start);
            let recorded = match t.next_writable {
                Some(nwa) => i64::from(nwa) - t_start,
                None => i64::from(t.size),
            };
            !t.blank && t_start <= written.start_lba && t_start + recorded >= end
        });
        if !holds {
            return Err(unexpected(format!(
                "no track on the disc holds LBAs {} to {}",
                written.start_lba,
                end - 1
            )));
        }
    }
    if written.sectors > 0 {
        let last = written.sectors - 1;
        for k in [0, last.min(16), last] {
            compare(recorder, written, source, k, 1).map_err(|e| match e {
                Error::VerificationFailed { lba, reason, .. } => {
                    unexpected(format!("LBA {lba} {reason}"))
                }
                other => other,
            })?;
        }
    }
    Ok(snap)
}

/// Runs the verification of `level`, reporting `Verifying` with its
/// progress; a cancel from the handler stops it.
pub fn run<R: Read + Seek + ?Sized>(
    recorder: &mut DiscRecorder,
    level: VerificationLevel,
    written: Written,
    source: &mut R,
    report: &mut dyn FnMut(DataWriteAction, Option<f64>) -> Flow,
) -> Result<()> {
    if level == VerificationLevel::None {
        return Ok(());
    }
    let _ = report(DataWriteAction::Verifying, Some(0.0));
    let device = recorder.device().to_string();
    let dev = |error| Error::Device {
        device: device.clone(),
        error,
    };
    let info = recorder.drive().read_disc_information().map_err(dev)?;
    if info.disc_status == DiscStatus::Empty {
        return Err(Error::VerificationFailed {
            device: device.clone(),
            lba: written.start_lba,
            reason: "READ DISC INFORMATION says the disc is blank".into(),
        });
    }
    let first = u16::from(info.first_track.max(1));
    for n in first..=info.last_track_last_session.max(first) {
        recorder
            .drive()
            .read_track_information(TrackAddressType::Track, u32::from(n))
            .map_err(dev)?;
    }
    let n = written.sectors;
    match level {
        VerificationLevel::Quick => {
            // A sample: the start, the volume descriptors, eight points
            // spread over the data, the end.
            let mut at: Vec<u64> = (0..8).map(|k| n * k / 8).collect();
            at.extend([16.min(n.saturating_sub(1)), n.saturating_sub(1)]);
            at.sort_unstable();
            at.dedup();
            for (i, k) in at.iter().enumerate() {
                let len = (n - k).min(READ_SECTORS as u64);
                compare(recorder, written, source, *k, len)?;
                if report(
                    DataWriteAction::Verifying,
                    Some((i + 1) as f64 / at.len() as f64),
                ) == Flow::Cancel
                {
                    return Err(Error::Cancelled {
                        state: "the burn completed; its verification was cancelled".into(),
                    });
                }
            }
        }
        VerificationLevel::Full => {
            let mut k = 0;
            while k < n {
                let len = (n - k).min(READ_SECTORS as u64);
                compare(recorder, written, source, k, len)?;
                k += len;
                if report(DataWriteAction::Verifying, Some(k as f64 / n as f64)) == Flow::Cancel {
                    return Err(Error::Cancelled {
                        state: "the burn completed; its verification was cancelled".into(),
                    });
                }
            }
        }
        VerificationLevel::None => {}
    }
    Ok(())
}

/// Reads `len` sectors from sector `k` of the written data and compares
/// them with the source's.
fn compare<R: Read + Seek + ?Sized>(
    recorder: &mut DiscRecorder,
    written: Written,
    source: &mut R,
    k: u64,
    len: u64,
) -> Result<()> {
    let device = recorder.device().to_string();
    let lba = written.start_lba + k as i64;
    let bytes = len as usize * 2048;
    let mut disc = vec![0u8; bytes];
    recorder
        .drive()
        .read10(lba as u32, &mut disc)
        .map_err(|e| Error::VerificationFailed {
            device: device.clone(),
            lba,
            reason: format!("cannot be read: {e}"),
        })?;
    let mut want = vec![0u8; bytes];
    source
        .seek(SeekFrom::Start(k * 2048))
        .and_then(|_| source.read_exact(&mut want))
        .map_err(|e| Error::Source {
            lba,
            reason: format!("the source cannot be read again to verify: {e}"),
            code: None,
        })?;
    if let Some(bad) = (0..len as usize)
        .find(|&s| disc[s * 2048..(s + 1) * 2048] != want[s * 2048..(s + 1) * 2048])
    {
        return Err(Error::VerificationFailed {
            device,
            lba: lba + bad as i64,
            reason: "differs from the source".into(),
        });
    }
    Ok(())
}
