//! The Linux OS boundary: the SG_IO ioctl ([`sg_io`]), opening and holding a
//! drive ([`device::SgDevice`], which implements
//! [`ScsiTransport`](crate::transport::ScsiTransport)), and finding drives
//! in sysfs ([`discovery`]).
//!
//! Access rights (mmc-notes §4.1): `/dev/srN` and `/dev/sgN` are usually
//! `root:cdrom 0660`. Read-class commands work on a read-only descriptor;
//! write-class commands (WRITE, BLANK, MODE SELECT, CLOSE TRACK, ...) need a
//! descriptor with write access, and MECHANISM STATUS or vendor commands need
//! `CAP_SYS_RAWIO`. Do not run as root: join the drive's group.

pub mod device;
pub mod discovery;
pub mod sg_io;

pub use device::{Access, OpenOptions, SgDevice};
pub use discovery::{list_drives, list_drives_in, mounted_at, DriveInfo, ScsiAddress};
