//! What a medium holds: its sessions, the file systems of the newest one
//! (IMAPI's `IdentifyFileSystemsOnDisc`), the one import prefers
//! (`GetDefaultFileSystemForImport`: UDF, then Joliet, then ISO 9660), and
//! any one of them read as an [`FsTree`].

use crate::codec::SECTOR;
use crate::error::{Error, Result};
use crate::filesystems::FileSystems;
use crate::iso9660::reader::{find_sessions_checked, IsoView, IsoVolume};
use crate::read::medium::Medium;
use crate::read::view::FsTree;
use crate::udf::ecma167::PartitionMap;
use crate::udf::reader::UdfVolume;

/// The file systems found on a medium.
#[derive(Debug)]
pub struct Disc {
    /// The medium.
    pub medium: Medium,
    /// Start blocks of the sessions, oldest first: those with an ISO 9660
    /// volume, or on a disc without one, those the drive recorded that hold
    /// a UDF volume (empty when neither is known).
    pub sessions: Vec<u32>,
    /// The newest session's ISO 9660 volume.
    pub iso: Option<IsoVolume>,
    /// The UDF volume's revision and identifier, when there is one.
    pub udf: Option<UdfSummary>,
    /// The start of the session whose UDF volume `udf` is: the newest one
    /// that carries a UDF volume recognition sequence.
    pub udf_session: u32,
    /// Why a UDF volume recognition sequence led to nothing, if it did.
    pub udf_error: Option<String>,
    /// Sessions the drive reported that were passed over, one sentence each.
    pub passed_sessions: Vec<String>,
}

/// What identifies a UDF volume.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UdfSummary {
    /// Revision (0x0102 ... 0x0260).
    pub revision: u16,
    /// Logical volume identifier.
    pub volume_id: String,
    /// Files and directories the volume counts, if readable: from the
    /// virtual allocation table on write-once volumes, else from the
    /// integrity descriptor.
    pub counts: Option<(u32, u32)>,
    /// Where `counts` come from: "virtual allocation table" or "integrity
    /// descriptor".
    pub counts_source: &'static str,
    /// The partition maps, described: "type 1", "virtual (...)",
    /// "sparable (...)", "metadata (...)".
    pub partitions: Vec<String>,
    /// The block after the volume (its partition, and the anchor after it).
    pub end_block: u64,
}

/// The summary of an open UDF volume.
fn udf_summary<R: std::io::Read + std::io::Seek>(v: &mut UdfVolume<R>) -> UdfSummary {
    let vat_counts = v.vat_info.as_ref().and_then(|t| t.counts);
    let partitions = v
        .info
        .maps
        .iter()
        .map(|m| match m {
            PartitionMap::Physical => "type 1".to_string(),
            PartitionMap::Virtual => match &v.vat_info {
                Some(t) => format!(
                    "virtual (allocation table of {} blocks at block {})",
                    t.entries, t.sector
                ),
                None => "virtual".to_string(),
            },
            PartitionMap::Sparable(s) => format!(
                "sparable (packets of {} blocks, {} relocated)",
                s.packet_length,
                v.relocated_packets()
            ),
            PartitionMap::Metadata(m) => format!(
                "metadata ({})",
                if m.duplicated {
                    "mirrored"
                } else {
                    "mirror shares the file"
                }
            ),
            PartitionMap::Unsupported(what) => format!("unsupported ({what})"),
        })
        .collect();
    UdfSummary {
        revision: v.info.revision,
        volume_id: v.info.volume_id.clone(),
        // A volume with a VAT does not keep its integrity descriptor current.
        counts: match &v.vat_info {
            Some(_) => vat_counts,
            None => v.integrity.as_ref().map(|i| (i.files, i.directories)),
        },
        counts_source: if vat_counts.is_some() {
            "virtual allocation table"
        } else {
            "integrity descriptor"
        },
        partitions,
        end_block: v.end_block(),
    }
}

impl Disc {
    /// Looks at a medium: ISO 9660 sessions, Joliet, Rock Ridge, UDF.
    pub fn open(medium: &Medium) -> Result<Disc> {
        let (mut sessions, passed_sessions) = find_sessions_checked(medium);
        let iso = match sessions.last() {
            Some(&s) => Some(IsoVolume::open(medium, s)?),
            None => None,
        };
        let udf_session = newest_udf_session(medium, &sessions);
        if sessions.is_empty() {
            sessions = udf_sessions(medium);
        }
        let (udf, udf_error) = match udf_session {
            Some(s) => match UdfVolume::open_session(medium.cursor(), u64::from(s), None) {
                Ok(mut v) => (Some(udf_summary(&mut v)), None),
                Err(e) => (None, Some(e.to_string())),
            },
            None => (None, None),
        };
        if iso.is_none() && udf.is_none() {
            return Err(Error::Corrupt {
                structure: "medium".into(),
                block: 16,
                reason: match udf_error {
                    Some(e) => format!("no ISO 9660 volume, and the UDF volume is unreadable: {e}"),
                    None => "neither an ISO 9660 nor a UDF volume".into(),
                },
            });
        }
        Ok(Disc {
            medium: medium.clone(),
            sessions,
            iso,
            udf,
            udf_session: udf_session.unwrap_or(0),
            udf_error,
            passed_sessions,
        })
    }

    /// What the readers read in spite of the medium not following the
    /// standard, one sentence each (the newest ISO 9660 session's).
    pub fn warnings(&self) -> Vec<String> {
        let mut w = self.passed_sessions.clone();
        if let Some(v) = &self.iso {
            w.extend(v.warnings.iter().cloned());
        }
        w
    }

    /// The file systems present (`IdentifyFileSystemsOnDisc`), Rock Ridge
    /// included as [`FileSystems::ROCK_RIDGE`].
    pub fn file_systems(&self) -> FileSystems {
        let mut fs = FileSystems::NONE;
        if let Some(v) = &self.iso {
            fs |= FileSystems::ISO9660;
            if v.joliet.is_some() {
                fs |= FileSystems::JOLIET;
            }
            if v.rock_ridge.is_some() {
                fs |= FileSystems::ROCK_RIDGE;
            }
        }
        if self.udf.is_some() {
            fs |= FileSystems::UDF;
        }
        fs
    }

    /// The view import reads by default (`GetDefaultFileSystemForImport`):
    /// UDF, else Joliet, else ISO 9660; Rock Ridge, which IMAPI does not
    /// know, comes before Joliet because it keeps names and attributes.
    pub fn default_view(&self) -> FileSystems {
        default_for_import(self.file_systems())
    }

    /// Reads one view of the newest session: [`FileSystems::UDF`],
    /// [`FileSystems::ROCK_RIDGE`], [`FileSystems::JOLIET`] or
    /// [`FileSystems::ISO9660`].
    pub fn read_tree(&self, view: FileSystems) -> Result<FsTree> {
        self.read_tree_of(self.sessions.len().saturating_sub(1), view)
    }

    /// Reads one view as session `index` (0 = the oldest) left it.
    pub fn read_tree_of(&self, index: usize, view: FileSystems) -> Result<FsTree> {
        let missing = || Error::Corrupt {
            structure: "medium".into(),
            block: 16,
            reason: format!("no {view} file system"),
        };
        if view == FileSystems::UDF {
            if self.udf.is_none() {
                return Err(missing());
            }
            let (start, end) = match self.sessions.get(index) {
                Some(&s) if index + 1 < self.sessions.len() => {
                    if !has_udf_recognition(&self.medium, u64::from(s)) {
                        return Err(Error::Corrupt {
                            structure: "medium".into(),
                            block: u64::from(s) + 16,
                            reason: format!("session {} has no UDF volume", index + 1),
                        });
                    }
                    (s, Some(u64::from(self.sessions[index + 1])))
                }
                _ => (self.udf_session, None),
            };
            return UdfVolume::open_session(self.medium.cursor(), u64::from(start), end)?
                .read_tree();
        }
        if self.iso.is_none() {
            return Err(missing());
        }
        let older;
        let iso = if index + 1 >= self.sessions.len() {
            self.iso.as_ref().ok_or_else(missing)?
        } else {
            older = IsoVolume::open(&self.medium, self.sessions[index])?;
            &older
        };
        let v = if view == FileSystems::ROCK_RIDGE {
            IsoView::RockRidge
        } else if view == FileSystems::JOLIET {
            IsoView::Joliet
        } else if view == FileSystems::ISO9660 {
            IsoView::Iso9660
        } else {
            return Err(Error::InvalidParam {
                name: "file system",
                reason: format!("{view} is not one view"),
            });
        };
        if !iso.views().contains(&v) {
            return Err(missing());
        }
        iso.read_tree(v)
    }
}

/// The view import prefers among `present`: UDF, Rock Ridge, Joliet, ISO 9660.
pub fn default_for_import(present: FileSystems) -> FileSystems {
    for fs in [
        FileSystems::UDF,
        FileSystems::ROCK_RIDGE,
        FileSystems::JOLIET,
        FileSystems::ISO9660,
    ] {
        if present.contains(fs) {
            return fs;
        }
    }
    FileSystems::NONE
}

/// The start of the newest session with a UDF volume recognition sequence:
/// among the ISO 9660 sessions, else among those the drive recorded, else
/// block 0.
fn newest_udf_session(medium: &Medium, iso_sessions: &[u32]) -> Option<u32> {
    let recorded = medium
        .recorded_sessions()
        .map(|r| r.iter().map(|s| s.first).collect::<Vec<_>>())
        .unwrap_or_default();
    let candidates = if iso_sessions.is_empty() {
        recorded
    } else {
        iso_sessions.to_vec()
    };
    candidates
        .into_iter()
        .rev()
        .chain(std::iter::once(0))
        .find(|&s| has_udf_recognition(medium, u64::from(s)))
}

/// The sessions the drive recorded that hold a UDF volume recognition
/// sequence, oldest first.
fn udf_sessions(medium: &Medium) -> Vec<u32> {
    medium
        .recorded_sessions()
        .unwrap_or_default()
        .iter()
        .map(|s| s.first)
        .filter(|&s| has_udf_recognition(medium, u64::from(s)))
        .collect()
}

/// Whether the volume recognition area after `start + 16` names an NSR
/// descriptor (ECMA-167 2/9.1: BEA01, NSR02 or NSR03, TEA01).
fn has_udf_recognition(medium: &Medium, start: u64) -> bool {
    for i in 16..64u64 {
        let at = start + i;
        if (at + 1) * SECTOR as u64 > medium.len() {
            return false;
        }
        let Ok(s) = medium.read_sectors(at, 1, "volume recognition sequence") else {
            return false;
        };
        match &s[1..6] {
            b"NSR02" | b"NSR03" => return true,
            b"TEA01" => return false,
            b"CD001" | b"BEA01" | b"BOOT2" | b"CDW02" => {}
            _ => return false,
        }
    }
    false
}
