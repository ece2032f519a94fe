//! `IDiscMaster2`: the recorders of this machine — real drives found in
//! sysfs, then the virtual recorders this user has made — each with a
//! unique id, and the arrivals and removals between two looks.
//!
//! Unique ids: `linux:STABLE` for a real drive (its sysfs identity: wwid,
//! else SCSI address and model; see `imapi2_mmc::linux::discovery`) and
//! `virtual:PATH` for a virtual recorder (PATH absolute). A device path
//! (`/dev/sr0`) and a bare virtual path are accepted wherever an id is.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::recorder::DiscRecorder;

/// Where a recorder lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecorderKind {
    /// A real drive: its device node (sr, else sg) and sibling sg node.
    Real {
        /// The node commands go to.
        node: PathBuf,
        /// The sg node of the same drive, if any.
        sg: Option<PathBuf>,
        /// Vendor, model and revision from sysfs.
        description: String,
    },
    /// A virtual recorder: its directory.
    Virtual {
        /// The recorder's directory.
        dir: PathBuf,
    },
}

/// One recorder the master knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecorderEntry {
    /// The unique id.
    pub id: String,
    /// Where it lives.
    pub kind: RecorderKind,
}

/// An arrival or a removal (`DDiscMaster2Events`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MasterEvent {
    /// `NotifyDeviceAdded`.
    Added(String),
    /// `NotifyDeviceRemoved`.
    Removed(String),
}

/// The list of virtual recorders of this user: `$IMAPI2_VIRTUAL_RECORDERS`
/// (paths separated by `:`) if set, else the file
/// `$XDG_CONFIG_HOME/imapi2/virtual-recorders` (or `~/.config/...`), one
/// path per line.
#[derive(Debug, Clone)]
pub struct VirtualRegistry {
    file: Option<PathBuf>,
    fixed: Option<Vec<PathBuf>>,
}

impl VirtualRegistry {
    /// The registry of this user, from the environment.
    pub fn from_env() -> VirtualRegistry {
        if let Some(v) = std::env::var_os("IMAPI2_VIRTUAL_RECORDERS") {
            return VirtualRegistry {
                file: None,
                fixed: Some(
                    std::env::split_paths(&v)
                        .filter(|p| !p.as_os_str().is_empty())
                        .collect(),
                ),
            };
        }
        let base = std::env::var_os("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")));
        VirtualRegistry {
            file: base.map(|b| b.join("imapi2").join("virtual-recorders")),
            fixed: None,
        }
    }

    /// A registry kept in `file`.
    pub fn at(file: impl Into<PathBuf>) -> VirtualRegistry {
        VirtualRegistry {
            file: Some(file.into()),
            fixed: None,
        }
    }

    /// The registered directories (those that no longer exist left out).
    pub fn list(&self) -> Vec<PathBuf> {
        let all = match (&self.fixed, &self.file) {
            (Some(v), _) => v.clone(),
            (None, Some(f)) => std::fs::read_to_string(f)
                .unwrap_or_default()
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(PathBuf::from)
                .collect(),
            (None, None) => Vec::new(),
        };
        let mut out: Vec<PathBuf> = Vec::new();
        for p in all {
            if p.is_dir() && !out.contains(&p) {
                out.push(p);
            }
        }
        out
    }

    /// Adds a directory (made absolute) to the registry file. With
    /// `$IMAPI2_VIRTUAL_RECORDERS` set, the environment is the registry and
    /// nothing is written.
    pub fn add(&self, dir: &Path) -> Result<()> {
        let dir = absolute(dir)?;
        let (None, Some(file)) = (&self.fixed, &self.file) else {
            return Ok(());
        };
        if self.list().contains(&dir) {
            return Ok(());
        }
        let io = |error| Error::Io {
            context: format!("cannot update {}", file.display()),
            error,
        };
        if let Some(parent) = file.parent() {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        let mut text = std::fs::read_to_string(file).unwrap_or_default();
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str(&format!("{}\n", dir.display()));
        std::fs::write(file, text).map_err(io)
    }
}

/// `path` made absolute (not resolving links).
pub fn absolute(path: &Path) -> Result<PathBuf> {
    std::path::absolute(path).map_err(|error| Error::Io {
        context: format!("cannot resolve {}", path.display()),
        error,
    })
}

/// The id of a virtual recorder directory.
pub fn virtual_id(dir: &Path) -> Result<String> {
    Ok(format!("virtual:{}", absolute(dir)?.display()))
}

/// The recorders of this machine.
#[derive(Debug, Clone)]
pub struct DiscMaster {
    entries: Vec<RecorderEntry>,
    registry: VirtualRegistry,
    sysfs: PathBuf,
}

impl DiscMaster {
    /// Looks for recorders: real drives in `/sys`, virtual ones in the
    /// user's registry.
    pub fn new() -> DiscMaster {
        DiscMaster::with(Path::new("/sys"), VirtualRegistry::from_env())
    }

    /// Looks for recorders in another sysfs tree and registry (tests).
    pub fn with(sysfs: &Path, registry: VirtualRegistry) -> DiscMaster {
        let mut m = DiscMaster {
            entries: Vec::new(),
            registry,
            sysfs: sysfs.to_path_buf(),
        };
        m.entries = m.scan();
        m
    }

    fn scan(&self) -> Vec<RecorderEntry> {
        let mut out = Vec::new();
        #[cfg(target_os = "linux")]
        for d in imapi2_mmc::linux::discovery::list_drives_in(&self.sysfs).unwrap_or_default() {
            let Some(node) = d.node().map(Path::to_path_buf) else {
                continue;
            };
            out.push(RecorderEntry {
                id: format!("linux:{}", d.stable_id),
                kind: RecorderKind::Real {
                    node,
                    sg: d.sg_node.clone(),
                    description: format!("{} {} {}", d.vendor, d.model, d.revision)
                        .split_whitespace()
                        .collect::<Vec<_>>()
                        .join(" "),
                },
            });
        }
        for dir in self.registry.list() {
            if let Ok(id) = virtual_id(&dir) {
                out.push(RecorderEntry {
                    id,
                    kind: RecorderKind::Virtual { dir },
                });
            }
        }
        out
    }

    /// `Count`.
    pub fn count(&self) -> usize {
        self.entries.len()
    }

    /// `Item(index)`: the unique id at `index`.
    pub fn item(&self, index: usize) -> Option<&str> {
        self.entries.get(index).map(|e| e.id.as_str())
    }

    /// All recorders, real drives first.
    pub fn entries(&self) -> &[RecorderEntry] {
        &self.entries
    }

    /// Whether any real drive was found.
    pub fn has_real_drives(&self) -> bool {
        self.entries
            .iter()
            .any(|e| matches!(e.kind, RecorderKind::Real { .. }))
    }

    /// `IsSupportedEnvironment`: at least one recorder this user can open.
    pub fn is_supported_environment(&self) -> bool {
        self.entries.iter().any(|e| match &e.kind {
            // O_NONBLOCK: no media check, no tray closing on open.
            RecorderKind::Real { node, .. } => {
                use std::os::unix::fs::OpenOptionsExt;
                std::fs::OpenOptions::new()
                    .read(true)
                    .custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32)
                    .open(node)
                    .is_ok()
            }
            RecorderKind::Virtual { dir } => dir.is_dir(),
        })
    }

    /// Looks again and reports what came and went since the last look.
    pub fn refresh(&mut self) -> Vec<MasterEvent> {
        let now = self.scan();
        let mut events = Vec::new();
        for e in &self.entries {
            if !now.iter().any(|n| n.id == e.id) {
                events.push(MasterEvent::Removed(e.id.clone()));
            }
        }
        for n in &now {
            if !self.entries.iter().any(|e| e.id == n.id) {
                events.push(MasterEvent::Added(n.id.clone()));
            }
        }
        self.entries = now;
        events
    }

    /// Finds a recorder by unique id, by device path (`/dev/sr0`, or its sg
    /// node), or by `virtual:PATH` / a virtual recorder's directory, even
    /// one not in the registry.
    pub fn find(&self, name: &str) -> Result<RecorderEntry> {
        if let Some(e) = self.entries.iter().find(|e| e.id == name) {
            return Ok(e.clone());
        }
        let as_path = Path::new(name.strip_prefix("virtual:").unwrap_or(name));
        for e in &self.entries {
            match &e.kind {
                RecorderKind::Real { node, sg, .. } => {
                    if node == as_path || sg.as_deref() == Some(as_path) {
                        return Ok(e.clone());
                    }
                }
                RecorderKind::Virtual { dir } => {
                    if absolute(as_path).ok().as_deref() == Some(dir.as_path()) {
                        return Ok(e.clone());
                    }
                }
            }
        }
        if name.starts_with("virtual:") || as_path.is_dir() {
            return Ok(RecorderEntry {
                id: virtual_id(as_path)?,
                kind: RecorderKind::Virtual {
                    dir: absolute(as_path)?,
                },
            });
        }
        if name.starts_with("/dev/") && as_path.exists() {
            return Ok(RecorderEntry {
                id: name.to_string(),
                kind: RecorderKind::Real {
                    node: as_path.to_path_buf(),
                    sg: None,
                    description: String::new(),
                },
            });
        }
        Err(Error::NoSuchRecorder { id: name.into() })
    }

    /// The registry of virtual recorders.
    pub fn registry(&self) -> &VirtualRegistry {
        &self.registry
    }

    /// Opens a recorder by id or path (`InitializeDiscRecorder`), shared:
    /// exclusive access is a separate, counted step.
    pub fn open(&self, name: &str) -> Result<DiscRecorder> {
        let entry = self.find(name)?;
        let number = self
            .entries
            .iter()
            .position(|e| e.id == entry.id)
            .map_or(-1, |i| i as i32);
        open_entry(&entry, number)
    }
}

/// Opens the recorder an entry names. A virtual recorder waits on the
/// virtual clock (its long operations advance per command, so waits are
/// counted, not slept), unless it is paced: its buffer drains against the
/// wall clock, so the initiator waits on the wall clock too.
pub fn open_entry(entry: &RecorderEntry, legacy_number: i32) -> Result<DiscRecorder> {
    match &entry.kind {
        RecorderKind::Real { node, .. } => open_real(entry, node, legacy_number),
        RecorderKind::Virtual { dir } => {
            let transport = crate::virtual_recorder::open(dir)?;
            let clock: Box<dyn imapi2_mmc::drive::Clock> =
                if crate::virtual_recorder::is_paced(dir)? {
                    Box::<imapi2_mmc::drive::SystemClock>::default()
                } else {
                    Box::<imapi2_mmc::drive::VirtualClock>::default()
                };
            DiscRecorder::new(
                entry.id.clone(),
                transport,
                Some(clock),
                dir.join("lock"),
                Vec::new(),
                legacy_number,
            )
        }
    }
}

#[cfg(target_os = "linux")]
fn open_real(entry: &RecorderEntry, node: &Path, legacy_number: i32) -> Result<DiscRecorder> {
    use imapi2_mmc::linux::device::{Access, SgDevice};
    let dev = SgDevice::open(node, Access::Shared).map_err(|e| Error::Open {
        device: node.display().to_string(),
        reason: e.to_string(),
    })?;
    let volumes = imapi2_mmc::linux::discovery::mounted_at(node)
        .into_iter()
        .collect();
    // One lock file per drive, shared by every process of every user.
    let safe: String = entry
        .id
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let lock = std::env::temp_dir().join(format!("imapi2-{safe}.lock"));
    DiscRecorder::new(
        entry.id.clone(),
        Box::new(dev),
        None,
        lock,
        volumes,
        legacy_number,
    )
}

#[cfg(not(target_os = "linux"))]
fn open_real(_: &RecorderEntry, node: &Path, _: i32) -> Result<DiscRecorder> {
    Err(Error::Open {
        device: node.display().to_string(),
        reason: "real drives are reached through Linux SG_IO only".into(),
    })
}

impl Default for DiscMaster {
    fn default() -> Self {
        DiscMaster::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("imapi2-master-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn virtual_recorders_come_and_go() {
        let d = scratch("reg");
        let reg = VirtualRegistry::at(d.join("list"));
        let a = d.join("a");
        std::fs::create_dir_all(&a).unwrap();
        let mut m = DiscMaster::with(&d.join("no-sysfs"), reg.clone());
        assert_eq!(m.count(), 0);
        assert!(!m.is_supported_environment());
        reg.add(&a).unwrap();
        reg.add(&a).unwrap(); // once only
        let id = virtual_id(&a).unwrap();
        assert_eq!(m.refresh(), vec![MasterEvent::Added(id.clone())]);
        assert_eq!(m.item(0), Some(id.as_str()));
        assert!(m.is_supported_environment());
        assert_eq!(m.find(&id).unwrap().id, id);
        assert_eq!(m.find(a.to_str().unwrap()).unwrap().id, id);
        std::fs::remove_dir_all(&a).unwrap();
        assert_eq!(m.refresh(), vec![MasterEvent::Removed(id)]);
        assert!(matches!(
            m.find("/nonexistent/sr9"),
            Err(Error::NoSuchRecorder { .. })
        ));
        let _ = std::fs::remove_dir_all(&d);
    }
}
