//! [`SgDevice`]: one optical drive opened for SG_IO, shared or exclusive
//! (mmc-notes §4.1 "Opening").
//!
//! Opening uses `O_RDWR | O_NONBLOCK | O_CLOEXEC`: `O_NONBLOCK` makes the
//! CD-ROM layer skip its medium and tray checks (the open succeeds on an empty
//! drive and does not close the tray or lock the door). When write access is
//! refused the node is opened read-only instead; the kernel's command filter
//! then rejects write-class commands with `EPERM`, and that error says which
//! group to join. `EBUSY` (udev probes right after a medium change) is retried
//! a few times.
//!
//! Exclusive access (IMAPI2's `AcquireExclusiveAccess`) adds `O_EXCL`, which
//! fails while the block device is mounted or held exclusively, opens the
//! sibling node (the sg node of an sr node, or the other way round) with
//! `O_EXCL` too (sg refuses further opens while one is exclusive), and takes
//! advisory locks (`flock` and a POSIX write lock, which cooperating burners
//! such as libburn also take).

use std::ffi::CString;
use std::fs;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::discovery;
use super::sg_io::{check_request, errno_to_error, sg_io, SgIoHdr, SENSE_BUFFER_LEN};
use crate::trace::opcode_name;
use crate::transport::{Request, Response, ScsiTransport, TransportError};

/// How to hold the drive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Other programs may use the drive at the same time (queries, probing).
    Shared,
    /// Nobody else may open the drive exclusively, mount it, or take its
    /// advisory lock while we hold it (burning, blanking, formatting).
    Exclusive,
}

/// Where [`SgDevice`] looks things up, and how patient it is with `EBUSY`.
#[derive(Debug, Clone)]
pub struct OpenOptions {
    /// The sysfs root used to find the sibling node.
    pub sysfs: PathBuf,
    /// The mount table consulted to explain `EBUSY`.
    pub mountinfo: PathBuf,
    /// The group database consulted to name the device's group.
    pub group_file: PathBuf,
    /// How many times an open failing with `EBUSY` is retried.
    pub busy_retries: u32,
    /// The pause before each retry.
    pub busy_delay: Duration,
}

impl Default for OpenOptions {
    fn default() -> OpenOptions {
        OpenOptions {
            sysfs: PathBuf::from(discovery::SYSFS),
            mountinfo: PathBuf::from(discovery::MOUNTINFO),
            group_file: PathBuf::from("/etc/group"),
            busy_retries: 3,
            busy_delay: Duration::from_millis(500),
        }
    }
}

/// A drive opened through its `/dev/srN` or `/dev/sgN` node; executes
/// commands with the SG_IO ioctl.
#[derive(Debug)]
pub struct SgDevice {
    path: PathBuf,
    name: String,
    fd: Option<OwnedFd>,
    read_only: bool,
    access: Access,
    sibling: Option<(PathBuf, OwnedFd)>,
    options: OpenOptions,
}

impl SgDevice {
    /// Opens the drive at `path` with default options.
    pub fn open(path: impl AsRef<Path>, access: Access) -> Result<SgDevice, TransportError> {
        SgDevice::open_with(path, access, OpenOptions::default())
    }

    /// Opens the drive at `path`. Errors are [`TransportError::Os`] whose
    /// context says what to do (join a group, unmount, close another program).
    pub fn open_with(
        path: impl AsRef<Path>,
        access: Access,
        options: OpenOptions,
    ) -> Result<SgDevice, TransportError> {
        let path = path.as_ref().to_path_buf();
        let name = path.display().to_string();
        let exclusive = access == Access::Exclusive;
        let (fd, read_only) = open_node(&path, exclusive, &options)
            .map_err(|errno| open_error(errno, &path, &options))?;
        check_device_node(&fd, &name)?;
        let mut dev = SgDevice {
            path,
            name,
            fd: Some(fd),
            read_only,
            access,
            sibling: None,
            options,
        };
        if exclusive {
            dev.lock()?;
            dev.open_sibling()?;
        }
        Ok(dev)
    }

    /// Upgrades to exclusive access (IMAPI2 `AcquireExclusiveAccess`). The
    /// node is reopened, since `O_EXCL` cannot be added to an open
    /// descriptor; if the exclusive open fails the shared one is restored.
    pub fn grab(&mut self) -> Result<(), TransportError> {
        if self.access == Access::Exclusive {
            return Ok(());
        }
        self.reopen(Access::Exclusive)
    }

    /// Returns to shared access (IMAPI2 `ReleaseExclusiveAccess`): drops the
    /// locks and the sibling node and reopens without `O_EXCL`.
    pub fn release(&mut self) -> Result<(), TransportError> {
        if self.access == Access::Shared {
            return Ok(());
        }
        self.reopen(Access::Shared)
    }

    fn reopen(&mut self, access: Access) -> Result<(), TransportError> {
        // Close first: an sg node refuses an exclusive open while any other
        // descriptor (ours included) is open, and a shared open while an
        // exclusive one is.
        self.sibling = None;
        self.fd = None;
        match SgDevice::open_with(&self.path, access, self.options.clone()) {
            Ok(new) => {
                *self = new;
                Ok(())
            }
            Err(e) => {
                if let Ok(old) = SgDevice::open_with(&self.path, self.access, self.options.clone())
                {
                    *self = old;
                }
                Err(e)
            }
        }
    }

    /// The node this device was opened through.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Current access mode.
    pub fn access(&self) -> Access {
        self.access
    }

    /// True when write access was refused and the node is open read-only:
    /// write-class commands (WRITE, BLANK, MODE SELECT, ...) will fail.
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// The sibling node held exclusively along with this one, if any.
    pub fn sibling(&self) -> Option<&Path> {
        self.sibling.as_ref().map(|(p, _)| p.as_path())
    }

    fn raw_fd(&self) -> Result<RawFd, TransportError> {
        match &self.fd {
            Some(fd) => Ok(fd.as_raw_fd()),
            None => Err(TransportError::NoDevice {
                device: self.name.clone(),
            }),
        }
    }

    /// Takes the advisory locks; a conflict is `EBUSY` with an explanation.
    fn lock(&self) -> Result<(), TransportError> {
        let fd = self.raw_fd()?;
        // SAFETY: `fd` is an open descriptor owned by `self`; flock takes no pointers.
        let rc = unsafe { libc::flock(fd, libc::LOCK_EX | libc::LOCK_NB) };
        if rc != 0 {
            let errno = last_errno();
            return Err(TransportError::Os {
                errno: if errno == libc::EWOULDBLOCK {
                    libc::EBUSY
                } else {
                    errno
                },
                context: format!(
                    "{}: exclusive access: another program holds the drive's advisory lock \
                     (a burning program is using it)",
                    self.name
                ),
            });
        }
        if !self.read_only {
            // SAFETY: all-zero bytes are a valid `struct flock` (plain integers).
            let mut fl: libc::flock = unsafe { std::mem::zeroed() };
            fl.l_type = libc::F_WRLCK as libc::c_short;
            fl.l_whence = libc::SEEK_SET as libc::c_short;
            // SAFETY: `fd` is open and `fl` is a valid `struct flock` that
            // outlives the call; F_SETLK only reads it.
            let rc = unsafe { libc::fcntl(fd, libc::F_SETLK, &fl as *const libc::flock) };
            if rc != 0 {
                let errno = last_errno();
                if errno == libc::EACCES || errno == libc::EAGAIN {
                    return Err(TransportError::Os {
                        errno: libc::EBUSY,
                        context: format!(
                            "{}: exclusive access: another program holds a write lock on the drive",
                            self.name
                        ),
                    });
                }
                // Other failures (no lock support on this file system) leave
                // O_EXCL and flock as the guard.
            }
        }
        Ok(())
    }

    /// Opens the sibling node exclusively, when sysfs names one. A sibling
    /// we may not open (permissions, no node in /dev) is skipped; one that is
    /// busy is an error, since another program is using the drive through it.
    fn open_sibling(&mut self) -> Result<(), TransportError> {
        let real = fs::canonicalize(&self.path).unwrap_or_else(|_| self.path.clone());
        let Some(node) = real.file_name().and_then(|n| n.to_str()) else {
            return Ok(());
        };
        let Some(sibling) = discovery::sibling_node(&self.options.sysfs, node) else {
            return Ok(());
        };
        match open_node(&sibling, true, &self.options) {
            Ok((fd, _)) => {
                self.sibling = Some((sibling, fd));
                Ok(())
            }
            Err(libc::EBUSY) => Err(TransportError::Os {
                errno: libc::EBUSY,
                context: format!(
                    "{}: exclusive access: {} (the same drive) is in use by another program",
                    self.name,
                    sibling.display()
                ),
            }),
            Err(_) => Ok(()),
        }
    }
}

impl ScsiTransport for SgDevice {
    fn execute(&mut self, mut request: Request<'_>) -> Result<Response, TransportError> {
        check_request(&request)?;
        let fd = self.raw_fd()?;
        let opcode = request.cdb[0];
        let timeout = request.timeout;
        let mut sense = [0u8; SENSE_BUFFER_LEN];
        let mut hdr = SgIoHdr::for_request(&mut request, &mut sense);
        // SAFETY: `hdr` was just built from `request` (CDB and data buffer)
        // and `sense`, all of which stay alive and untouched until sg_io
        // returns; check_request bounded the lengths.
        let result = unsafe { sg_io(fd, &mut hdr) };
        let completion = hdr.completion();
        match result {
            Err(errno) => {
                let group = device_group(&self.path, &self.options.group_file);
                Err(errno_to_error(
                    errno,
                    &self.name,
                    &command_label(opcode),
                    self.read_only,
                    &group,
                ))
            }
            Ok(()) => completion.into_result(&sense, &self.name, timeout),
        }
    }

    fn device_name(&self) -> String {
        self.name.clone()
    }

    fn set_exclusive(&mut self, exclusive: bool) -> Result<(), TransportError> {
        if exclusive {
            self.grab()
        } else {
            self.release()
        }
    }
}

fn command_label(opcode: u8) -> String {
    match opcode_name(opcode) {
        Some(name) => name.to_string(),
        None => format!("opcode {opcode:02X}h"),
    }
}

fn last_errno() -> i32 {
    std::io::Error::last_os_error()
        .raw_os_error()
        .unwrap_or(libc::EIO)
}

fn open_raw(path: &CString, flags: libc::c_int) -> Result<OwnedFd, i32> {
    // SAFETY: `path` is a NUL-terminated string that outlives the call.
    let fd = unsafe { libc::open(path.as_ptr(), flags) };
    if fd < 0 {
        Err(last_errno())
    } else {
        // SAFETY: open returned a fresh descriptor that nothing else owns.
        Ok(unsafe { OwnedFd::from_raw_fd(fd) })
    }
}

/// Opens a node read-write (falling back to read-only when write access is
/// refused), retrying `EBUSY`. Returns the descriptor and whether it is
/// read-only, or the errno.
fn open_node(path: &Path, exclusive: bool, options: &OpenOptions) -> Result<(OwnedFd, bool), i32> {
    let c = CString::new(path.as_os_str().as_bytes()).map_err(|_| libc::EINVAL)?;
    let base = libc::O_NONBLOCK | libc::O_CLOEXEC | if exclusive { libc::O_EXCL } else { 0 };
    let mut attempt = 0;
    loop {
        let errno = match open_raw(&c, base | libc::O_RDWR) {
            Ok(fd) => return Ok((fd, false)),
            Err(libc::EACCES | libc::EPERM | libc::EROFS) => {
                match open_raw(&c, base | libc::O_RDONLY) {
                    Ok(fd) => return Ok((fd, true)),
                    Err(e) => e,
                }
            }
            Err(e) => e,
        };
        if errno == libc::EBUSY && attempt < options.busy_retries {
            attempt += 1;
            std::thread::sleep(options.busy_delay);
            continue;
        }
        return Err(errno);
    }
}

/// Refuses anything that is not a device node: SG_IO on a regular file would
/// only fail later with a less helpful `ENOTTY`.
fn check_device_node(fd: &OwnedFd, name: &str) -> Result<(), TransportError> {
    // SAFETY: all-zero bytes are a valid `struct stat` (plain integers).
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: `fd` is open and `st` is writable memory of the right type.
    let rc = unsafe { libc::fstat(fd.as_raw_fd(), &mut st) };
    if rc != 0 {
        return Err(TransportError::Os {
            errno: last_errno(),
            context: format!("{name}: fstat"),
        });
    }
    let kind = st.st_mode & libc::S_IFMT;
    if kind != libc::S_IFBLK && kind != libc::S_IFCHR {
        return Err(TransportError::Os {
            errno: libc::ENOTTY,
            context: format!(
                "{name}: not a device node (give a drive such as /dev/sr0 or /dev/sg0)"
            ),
        });
    }
    Ok(())
}

fn open_error(errno: i32, path: &Path, options: &OpenOptions) -> TransportError {
    let mount = if errno == libc::EBUSY {
        discovery::mounted_at_with(path, &options.mountinfo).or_else(|| {
            // An sg node is never mounted, but its sr sibling may be.
            let real = fs::canonicalize(path).ok()?;
            let sib = discovery::sibling_node(&options.sysfs, real.file_name()?.to_str()?)?;
            discovery::mounted_at_with(&sib, &options.mountinfo)
        })
    } else {
        None
    };
    let group = device_group(path, &options.group_file);
    TransportError::Os {
        errno,
        context: format!(
            "{}: {}",
            path.display(),
            explain_open_errno(errno, &path.display().to_string(), mount.as_deref(), &group)
        ),
    }
}

/// What an errno from opening a drive node means, as a phrase for the error
/// context. `mount_point` is where the drive is mounted (for `EBUSY`), `group`
/// the node's group.
pub fn explain_open_errno(
    errno: i32,
    device: &str,
    mount_point: Option<&Path>,
    group: &str,
) -> String {
    match errno {
        libc::EACCES | libc::EPERM => format!(
            "permission denied: add yourself to the '{group}' group (ls -l {device} shows the group)"
        ),
        libc::EBUSY => match mount_point {
            Some(m) => format!(
                "mounted or in use by another program: it is mounted at {} (unmount it first)",
                m.display()
            ),
            None => "mounted or in use by another program (a file manager, a burning program, \
                     or an exclusive open)"
                .to_string(),
        },
        libc::ENOENT => "no such device node (list drives with /sys/class/block/sr*)".to_string(),
        libc::ENXIO | libc::ENODEV => "no drive answers behind this node (unplugged?)".to_string(),
        libc::ENOMEDIUM => "no medium (the node was opened without O_NONBLOCK)".to_string(),
        libc::EROFS => "read-only file system".to_string(),
        _ => "cannot open".to_string(),
    }
}

/// The name of the group owning `path` (from `group_file`, in /etc/group
/// format), its number when unnamed, or "cdrom" when `path` cannot be read.
fn device_group(path: &Path, group_file: &Path) -> String {
    use std::os::unix::fs::MetadataExt;
    let Ok(meta) = fs::metadata(path) else {
        return "cdrom".to_string();
    };
    let gid = meta.gid();
    fs::read_to_string(group_file)
        .ok()
        .and_then(|text| group_name(&text, gid))
        .unwrap_or_else(|| gid.to_string())
}

/// Looks `gid` up in a text in /etc/group format (`name:password:gid:members`).
pub fn group_name(group_db: &str, gid: u32) -> Option<String> {
    group_db.lines().find_map(|line| {
        let mut f = line.split(':');
        let name = f.next()?;
        let _password = f.next()?;
        let id: u32 = f.next()?.trim().parse().ok()?;
        (id == gid && !name.is_empty()).then(|| name.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::DataPhase;

    fn quick() -> OpenOptions {
        OpenOptions {
            busy_retries: 0,
            ..OpenOptions::default()
        }
    }

    fn os_error(e: TransportError) -> (i32, String) {
        match e {
            TransportError::Os { errno, context } => (errno, context),
            other => panic!("expected an OS error, got {other:?}"),
        }
    }

    #[test]
    fn missing_nodes_and_plain_files_are_refused_with_reasons() {
        let missing = std::env::temp_dir().join(format!("imapi2-mmc-no-sr-{}", std::process::id()));
        let (errno, context) = os_error(SgDevice::open(&missing, Access::Shared).unwrap_err());
        assert_eq!(errno, libc::ENOENT);
        assert_eq!(
            context,
            format!(
                "{}: no such device node (list drives with /sys/class/block/sr*)",
                missing.display()
            )
        );

        let file = std::env::temp_dir().join(format!("imapi2-mmc-plain-{}", std::process::id()));
        fs::write(&file, b"not a drive").unwrap();
        let (errno, context) = os_error(SgDevice::open(&file, Access::Shared).unwrap_err());
        fs::remove_file(&file).unwrap();
        assert_eq!(errno, libc::ENOTTY);
        assert!(
            context.ends_with("not a device node (give a drive such as /dev/sr0 or /dev/sg0)"),
            "{context}"
        );
    }

    #[test]
    fn sg_io_on_a_non_scsi_node_reports_the_kernels_refusal() {
        // /dev/null is a character device that does not implement SG_IO: the
        // ioctl really runs and fails with ENOTTY.
        let mut dev = SgDevice::open("/dev/null", Access::Shared).unwrap();
        assert!(!dev.is_read_only());
        assert_eq!(dev.device_name(), "/dev/null");
        let cdb = [0x12, 0, 0, 0, 36, 0];
        let mut buf = [0u8; 36];
        let err = dev
            .execute(Request {
                cdb: &cdb,
                data: DataPhase::In(&mut buf),
                timeout: Duration::from_secs(1),
            })
            .unwrap_err();
        let (errno, context) = os_error(err);
        assert_eq!(errno, libc::ENOTTY);
        assert_eq!(
            context,
            "/dev/null: INQUIRY: /dev/null is not a SCSI device (it does not take SG_IO)"
        );
        // A malformed CDB never reaches the kernel.
        let err = dev
            .execute(Request {
                cdb: &[0u8; 3],
                data: DataPhase::None,
                timeout: Duration::ZERO,
            })
            .unwrap_err();
        assert!(matches!(err, TransportError::BadRequest { .. }), "{err:?}");
    }

    #[test]
    fn exclusive_access_is_exclusive_and_can_be_released() {
        // /dev/null stands in for a drive: O_EXCL means nothing to it, so the
        // advisory flock is what refuses the second exclusive holder.
        let mut first = SgDevice::open_with("/dev/null", Access::Exclusive, quick()).unwrap();
        assert_eq!(first.access(), Access::Exclusive);
        assert_eq!(first.sibling(), None);
        let (errno, context) =
            os_error(SgDevice::open_with("/dev/null", Access::Exclusive, quick()).unwrap_err());
        assert_eq!(errno, libc::EBUSY);
        assert!(
            context.contains("another program holds the drive's advisory lock"),
            "{context}"
        );
        // A shared opener is not stopped.
        let mut shared = SgDevice::open_with("/dev/null", Access::Shared, quick()).unwrap();
        assert_eq!(shared.access(), Access::Shared);
        // ... but cannot grab while the first holds the drive, and stays usable.
        assert!(shared.grab().is_err());
        assert_eq!(shared.access(), Access::Shared);
        assert!(shared.fd.is_some());
        first.release().unwrap();
        assert_eq!(first.access(), Access::Shared);
        shared.grab().unwrap();
        assert_eq!(shared.access(), Access::Exclusive);
        shared.release().unwrap();
        first.grab().unwrap();
        first.grab().unwrap();
        assert_eq!(first.access(), Access::Exclusive);
    }

    #[test]
    fn refused_write_access_falls_back_to_read_only() {
        // A read-only sysfs attribute refuses O_RDWR even to root, as a drive
        // node readable but not writable by the user does.
        let attr = Path::new("/sys/class/mem/null/dev");
        if !attr.exists() {
            eprintln!("skipped: {} is absent", attr.display());
            return;
        }
        let (fd, read_only) = open_node(attr, false, &quick()).unwrap();
        assert!(read_only);
        drop(fd);
    }

    #[test]
    fn open_errors_are_explained() {
        assert_eq!(
            explain_open_errno(libc::EACCES, "/dev/sr0", None, "cdrom"),
            "permission denied: add yourself to the 'cdrom' group (ls -l /dev/sr0 shows the group)"
        );
        assert_eq!(
            explain_open_errno(libc::EBUSY, "/dev/sr0", Some(Path::new("/media/me/DISC")), "cdrom"),
            "mounted or in use by another program: it is mounted at /media/me/DISC (unmount it first)"
        );
        assert!(explain_open_errno(libc::EBUSY, "/dev/sr0", None, "cdrom")
            .starts_with("mounted or in use by another program"));
        assert!(explain_open_errno(libc::ENXIO, "/dev/sr0", None, "cdrom").contains("no drive"));
    }

    #[test]
    fn busy_opens_name_the_mount_point() {
        // /dev/null (1:3) "mounted" in a fake table: the EBUSY explanation finds it.
        let info =
            std::env::temp_dir().join(format!("imapi2-mmc-mountinfo-{}", std::process::id()));
        fs::write(&info, "40 22 1:3 / /media/cd rw - iso9660 /dev/sr0 ro\n").unwrap();
        let options = OpenOptions {
            mountinfo: info.clone(),
            ..quick()
        };
        let (errno, context) = os_error(open_error(libc::EBUSY, Path::new("/dev/null"), &options));
        fs::remove_file(&info).unwrap();
        assert_eq!(errno, libc::EBUSY);
        assert_eq!(
            context,
            "/dev/null: mounted or in use by another program: it is mounted at /media/cd (unmount it first)"
        );
    }

    #[test]
    fn groups_are_looked_up() {
        let db = "root:x:0:\ndisk:x:6:\ncdrom:x:24:alice,bob\nbroken\n:x:30:\n";
        assert_eq!(group_name(db, 24).as_deref(), Some("cdrom"));
        assert_eq!(group_name(db, 0).as_deref(), Some("root"));
        assert_eq!(group_name(db, 30), None);
        assert_eq!(group_name(db, 99), None);
        let options = OpenOptions::default();
        // /dev/null belongs to root on every Linux system.
        assert_eq!(
            device_group(Path::new("/dev/null"), &options.group_file),
            "root"
        );
        assert_eq!(
            device_group(Path::new("/nonexistent/sr0"), &options.group_file),
            "cdrom"
        );
    }
}
