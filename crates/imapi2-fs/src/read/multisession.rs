//! Appending a session to a medium (IMAPI's `IMultisessionSequential(2)` and
//! `IMultisessionRandomWrite`): where the previous session lies, where the
//! next one starts, how much room is left — computed here from an image
//! file, which the next session extends.

use crate::codec::SECTOR;
use crate::error::{Error, Result};
use crate::image::arena::Stored;
use crate::read::disc::Disc;
use crate::read::medium::Medium;
use crate::read::view::ZERO_RUN;

/// How the medium takes another session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MultisessionKind {
    /// Write-once media (CD-R, DVD±R, BD-R): the new session follows the
    /// previous one and carries its own volume descriptors.
    Sequential,
    /// Overwritable media (DVD+RW, DVD-RAM, BD-RE): the new session follows
    /// the previous one, then the descriptors at block 16 are rewritten to
    /// point at it.
    RandomWrite,
}

/// The multisession state of a medium.
#[derive(Clone, Debug)]
pub struct Multisession {
    /// The medium the next session goes onto.
    pub medium: Medium,
    /// How.
    pub kind: MultisessionKind,
    /// `IsFirstDataSession`: the medium holds no session yet.
    pub is_first_data_session: bool,
    /// `StartAddressOfPreviousSession`.
    pub start_of_previous_session: u32,
    /// `LastWrittenAddressOfPreviousSession` (sequential) and
    /// `LastWrittenAddress` (random write).
    pub last_written_address: u32,
    /// `NextWritableAddress`: where the next session starts.
    pub next_writable_address: u32,
    /// `FreeSectorsOnMedia`.
    pub free_sectors: u32,
    /// `TotalSectorsOnMedia`.
    pub total_sectors: u32,
    /// `WriteUnitSize` in sectors: sessions start on multiples of it.
    pub write_unit_size: u32,
}

/// Sessions of image files start on multiples of this (as on BD; DVDs use 16).
pub const IMAGE_WRITE_UNIT: u32 = 32;

impl Multisession {
    /// The state of an image file that the next session will extend.
    /// `capacity` is the medium's size in sectors (the image may grow to
    /// it); `None` means unbounded.
    pub fn for_image(
        medium: &Medium,
        kind: MultisessionKind,
        capacity: Option<u32>,
    ) -> Result<Multisession> {
        let total = capacity.unwrap_or(u32::MAX);
        if medium.is_empty() {
            return Ok(Multisession {
                medium: medium.clone(),
                kind,
                is_first_data_session: true,
                start_of_previous_session: 0,
                last_written_address: 0,
                next_writable_address: 0,
                free_sectors: total,
                total_sectors: total,
                write_unit_size: IMAGE_WRITE_UNIT,
            });
        }
        if medium.len() % SECTOR as u64 != 0 {
            return Err(Error::MultisessionNotAllowed {
                reason: format!(
                    "{} is {} bytes, not whole 2048-byte sectors",
                    medium.name(),
                    medium.len()
                ),
            });
        }
        let disc = Disc::open(medium)?;
        let previous = disc.sessions.last().copied().unwrap_or(0);
        let written =
            u32::try_from(medium.sectors()).map_err(|_| Error::MultisessionNotAllowed {
                reason: "the medium holds 2^32 sectors or more".into(),
            })?;
        // The end of what the file systems use (the ISO 9660 volume's, else
        // the UDF volume's): the rest of the file may be padding (a hybrid
        // image's, or the tail of a random-write medium).
        let used_end = match (&disc.iso, &disc.udf) {
            (Some(v), _) => v.primary.volume_space_size.max(previous),
            (None, Some(u)) => u32::try_from(u.end_block).unwrap_or(written),
            (None, None) => written,
        }
        .min(written);
        let last = match kind {
            MultisessionKind::Sequential => written,
            MultisessionKind::RandomWrite => used_end,
        };
        let next = last
            .checked_next_multiple_of(IMAGE_WRITE_UNIT)
            .ok_or_else(|| Error::MultisessionNotAllowed {
                reason: "the medium is full".into(),
            })?;
        if next >= total {
            return Err(Error::MultisessionNotAllowed {
                reason: format!("the medium is full ({next} of {total} sectors used)"),
            });
        }
        Ok(Multisession {
            medium: medium.clone(),
            kind,
            is_first_data_session: false,
            start_of_previous_session: previous,
            last_written_address: last.saturating_sub(1),
            next_writable_address: next,
            free_sectors: total - next,
            total_sectors: total,
            write_unit_size: IMAGE_WRITE_UNIT,
        })
    }
}

/// `CalculateDiscIdentifier`: a signature of the medium and its sessions
/// (their starts and volume descriptors), to see before writing that the
/// medium is still the one the import read. Not a unique identifier.
pub fn disc_identifier(medium: &Medium) -> Result<String> {
    let disc = Disc::open(medium)?;
    let mut h: u64 = 0xCBF2_9CE4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for &b in bytes {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01B3);
        }
    };
    for &s in &disc.sessions {
        eat(&s.to_le_bytes());
        let vds = medium.read_sectors(u64::from(s) + 16, 1, "volume descriptor")?;
        eat(&vds);
    }
    if disc.sessions.is_empty() {
        let head = medium.read_sectors(256, 1, "anchor volume descriptor pointer")?;
        eat(&head);
    }
    Ok(format!("{:016X}-{}", h, disc.sessions.len()))
}

impl MultisessionKind {
    /// The IMAPI interface name of this kind.
    pub fn imapi_name(self) -> &'static str {
        match self {
            MultisessionKind::Sequential => "IMultisessionSequential",
            MultisessionKind::RandomWrite => "IMultisessionRandomWrite",
        }
    }
}

/// Where the next session can point at file data of an earlier session
/// instead of copying it: the data is one run (or adjacent runs), aligned to
/// a block, on the medium the session goes onto, before its start. Returns
/// that block.
pub(crate) fn referenced_block(ms: Option<&Multisession>, source: &Stored) -> Option<u32> {
    let ms = ms?;
    if ms.is_first_data_session {
        return None;
    }
    let Stored::Extents(m, runs) = source else {
        return None;
    };
    if !m.same(&ms.medium) {
        return None;
    }
    let (&(first, _), rest) = runs.split_first()?;
    // Adjacent runs (the extents of an ISO 9660 file of several) are one.
    let mut end = first.checked_add(runs[0].1)?;
    for &(at, len) in rest {
        if at != end || end % 2048 != 0 {
            return None;
        }
        end = at.checked_add(len)?;
    }
    if first % 2048 != 0 || first == ZERO_RUN {
        return None;
    }
    let block = u32::try_from(first / 2048).ok()?;
    let last = end.div_ceil(2048);
    (last <= u64::from(ms.next_writable_address)).then_some(block)
}
