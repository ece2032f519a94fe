//! Finding optical drives without opening them: sysfs enumeration and the
//! mount table (mmc-notes §4.1 "Enumeration").
//!
//! Drives come from two places: `/sys/class/block/sr*` (the SCSI CD driver
//! claimed them; `device/` is the SCSI device with `type`, `vendor`, `model`,
//! `rev`, `wwid` and `scsi_generic/sgN`), and `/sys/class/scsi_generic/sg*`
//! whose device has peripheral type 5 but no `sr` node (the sr driver is not
//! loaded or not bound). Every function takes the sysfs root so tests run on
//! a fake tree.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// SPC peripheral device type of an MMC device (SPC-4 §6.4.2, table 141).
pub const PERIPHERAL_TYPE_MMC: u8 = 0x05;

/// The default sysfs mount point.
pub const SYSFS: &str = "/sys";

/// The mount table of the calling process.
pub const MOUNTINFO: &str = "/proc/self/mountinfo";

/// A SCSI address `host:channel:target:lun` as the kernel names devices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ScsiAddress {
    /// Host adapter number.
    pub host: u32,
    /// Channel (bus) on the adapter.
    pub channel: u32,
    /// Target id.
    pub target: u32,
    /// Logical unit.
    pub lun: u64,
}

impl ScsiAddress {
    /// Parses `"h:c:t:l"` (the name of a SCSI device directory in sysfs).
    pub fn parse(s: &str) -> Option<ScsiAddress> {
        let mut it = s.split(':');
        let host = it.next()?.parse().ok()?;
        let channel = it.next()?.parse().ok()?;
        let target = it.next()?.parse().ok()?;
        let lun = it.next()?.parse().ok()?;
        if it.next().is_some() {
            return None;
        }
        Some(ScsiAddress {
            host,
            channel,
            target,
            lun,
        })
    }
}

impl std::fmt::Display for ScsiAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}:{}:{}",
            self.host, self.channel, self.target, self.lun
        )
    }
}

/// One optical drive as sysfs describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DriveInfo {
    /// The block node (`/dev/sr0`), when the sr driver has the drive.
    pub block_node: Option<PathBuf>,
    /// The SCSI generic node (`/dev/sg0`), when the sg driver has the drive.
    pub sg_node: Option<PathBuf>,
    /// INQUIRY vendor identification, trimmed.
    pub vendor: String,
    /// INQUIRY product identification, trimmed.
    pub model: String,
    /// INQUIRY product revision level, trimmed.
    pub revision: String,
    /// Where the drive sits on the SCSI bus.
    pub scsi_address: Option<ScsiAddress>,
    /// An identifier that survives reboots: the device identification VPD
    /// (`wwid`) when the drive offers one, otherwise the device's place in
    /// the hardware tree (`/sys/devices/...` path), which stays put as long
    /// as the drive stays on the same port.
    pub stable_id: String,
    /// Whether the medium is removable (the block device's `removable`, or
    /// the RMB bit of the cached INQUIRY data); `None` when sysfs does not say.
    pub removable: Option<bool>,
}

impl DriveInfo {
    /// The node to open: the block node when there is one, else the sg node.
    pub fn node(&self) -> Option<&Path> {
        self.block_node.as_deref().or(self.sg_node.as_deref())
    }
}

/// Lists the optical drives of this machine (`/sys`).
pub fn list_drives() -> io::Result<Vec<DriveInfo>> {
    list_drives_in(Path::new(SYSFS))
}

/// Lists the optical drives described under `sysfs` (a sysfs root such as
/// `/sys`). Missing class directories mean "no drives", not an error; a drive
/// whose attributes cannot be read is skipped.
pub fn list_drives_in(sysfs: &Path) -> io::Result<Vec<DriveInfo>> {
    let mut drives = Vec::new();
    let mut seen: Vec<PathBuf> = Vec::new();

    for name in class_entries(&sysfs.join("class/block"), "sr")? {
        let dev = sysfs.join("class/block").join(&name).join("device");
        if read_type(&dev) != Some(PERIPHERAL_TYPE_MMC) {
            continue;
        }
        let removable = read_attr(&sysfs.join("class/block").join(&name).join("removable"))
            .and_then(|s| match s.as_str() {
                "1" => Some(true),
                "0" => Some(false),
                _ => None,
            })
            .or_else(|| inquiry_rmb(&dev));
        let sg = class_entries(&dev.join("scsi_generic"), "sg")?
            .into_iter()
            .next();
        let mut info = describe(sysfs, &dev, Some(name), sg);
        info.removable = removable;
        if let Ok(canon) = fs::canonicalize(&dev) {
            seen.push(canon);
        }
        drives.push(info);
    }

    for name in class_entries(&sysfs.join("class/scsi_generic"), "sg")? {
        let dev = sysfs.join("class/scsi_generic").join(&name).join("device");
        if read_type(&dev) != Some(PERIPHERAL_TYPE_MMC) {
            continue;
        }
        if let Ok(canon) = fs::canonicalize(&dev) {
            if seen.contains(&canon) {
                continue;
            }
        }
        // An sr node we did not see through class/block (should not happen) still counts.
        if !class_entries(&dev.join("block"), "sr")?.is_empty() {
            continue;
        }
        let mut info = describe(sysfs, &dev, None, Some(name));
        info.removable = inquiry_rmb(&dev);
        drives.push(info);
    }
    Ok(drives)
}

/// The sg node that shares a SCSI device with the node named `node_name`
/// (`"sr0"` → `/dev/sg0`), or the sr node of an sg node (`"sg0"` →
/// `/dev/sr0`). `None` when there is no such sibling.
pub fn sibling_node(sysfs: &Path, node_name: &str) -> Option<PathBuf> {
    let (class, other) = if node_name.starts_with("sr") {
        ("class/block", "scsi_generic")
    } else if node_name.starts_with("sg") {
        ("class/scsi_generic", "block")
    } else {
        return None;
    };
    let dir = sysfs.join(class).join(node_name).join("device").join(other);
    let prefix = if other == "block" { "sr" } else { "sg" };
    let name = class_entries(&dir, prefix).ok()?.into_iter().next()?;
    Some(Path::new("/dev").join(name))
}

/// Names in `dir` that are `prefix` followed by digits, in numeric order
/// (`sr2` before `sr10`). A missing directory yields an empty list.
fn class_entries(dir: &Path, prefix: &str) -> io::Result<Vec<String>> {
    let rd = match fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut names: Vec<(u64, String)> = Vec::new();
    for entry in rd {
        let entry = entry?;
        let Some(name) = entry.file_name().to_str().map(str::to_string) else {
            continue;
        };
        if let Some(n) = name
            .strip_prefix(prefix)
            .and_then(|d| d.parse::<u64>().ok())
        {
            names.push((n, name));
        }
    }
    names.sort();
    Ok(names.into_iter().map(|(_, n)| n).collect())
}

/// Reads a sysfs attribute, trimmed; `None` when absent or not text.
fn read_attr(path: &Path) -> Option<String> {
    let bytes = fs::read(path).ok()?;
    let text = String::from_utf8_lossy(&bytes);
    Some(text.trim().to_string())
}

fn read_type(dev: &Path) -> Option<u8> {
    read_attr(&dev.join("type"))?.parse().ok()
}

/// The RMB bit (byte 1, bit 7) of the standard INQUIRY data the kernel keeps
/// in `device/inquiry` (SPC-4 §6.4.2).
fn inquiry_rmb(dev: &Path) -> Option<bool> {
    let data = fs::read(dev.join("inquiry")).ok()?;
    data.get(1).map(|b| b & 0x80 != 0)
}

fn describe(sysfs: &Path, dev: &Path, sr: Option<String>, sg: Option<String>) -> DriveInfo {
    let canon = fs::canonicalize(dev).ok();
    let scsi_address = canon
        .as_deref()
        .and_then(Path::file_name)
        .and_then(|n| n.to_str())
        .and_then(ScsiAddress::parse);
    let vendor = read_attr(&dev.join("vendor")).unwrap_or_default();
    let model = read_attr(&dev.join("model")).unwrap_or_default();
    let revision = read_attr(&dev.join("rev")).unwrap_or_default();
    let stable_id = match read_attr(&dev.join("wwid")).filter(|w| !w.is_empty()) {
        Some(wwid) => wwid,
        None => {
            let devices = fs::canonicalize(sysfs.join("devices")).ok();
            match (&canon, &devices) {
                (Some(c), Some(d)) if c.starts_with(d) => {
                    format!("path:{}", c.strip_prefix(d).unwrap_or(c).display())
                }
                (Some(c), _) => format!("path:{}", c.display()),
                _ => format!("node:{}", sr.as_deref().or(sg.as_deref()).unwrap_or("?")),
            }
        }
    };
    DriveInfo {
        block_node: sr.map(|n| Path::new("/dev").join(n)),
        sg_node: sg.map(|n| Path::new("/dev").join(n)),
        vendor,
        model,
        revision,
        scsi_address,
        stable_id,
        removable: None,
    }
}

/// Where the block device at `dev_path` is mounted, from this process's
/// mount table.
pub fn mounted_at(dev_path: &Path) -> Option<PathBuf> {
    mounted_at_with(dev_path, Path::new(MOUNTINFO))
}

/// Like [`mounted_at`], reading the mount table from `mountinfo`. The device
/// is matched by its device number (`st_rdev`), so symlinks such as
/// `/dev/cdrom` and mounts of `/dev/disk/by-label/...` are found too.
pub fn mounted_at_with(dev_path: &Path, mountinfo: &Path) -> Option<PathBuf> {
    use std::os::unix::fs::{FileTypeExt, MetadataExt};
    let meta = fs::metadata(dev_path).ok()?;
    if !(meta.file_type().is_block_device() || meta.file_type().is_char_device()) {
        return None;
    }
    let rdev = meta.rdev();
    let (major, minor) = (libc::major(rdev), libc::minor(rdev));
    let text = fs::read_to_string(mountinfo).ok()?;
    mount_point_of(&text, major, minor)
}

/// The first mount point of device `major:minor` in a mountinfo text
/// (`proc(5)`: field 3 is `major:minor`, field 5 the mount point with
/// space, tab, newline and backslash written as octal escapes).
pub fn mount_point_of(mountinfo: &str, major: u32, minor: u32) -> Option<PathBuf> {
    let want = format!("{major}:{minor}");
    mountinfo.lines().find_map(|line| {
        let mut fields = line.split(' ');
        let dev = fields.nth(2)?;
        let point = fields.nth(1)?;
        (dev == want).then(|| PathBuf::from(unescape_octal(point)))
    })
}

/// Undoes mountinfo's `\ooo` escapes; malformed escapes stay as written.
fn unescape_octal(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 4 <= b.len() {
            let digits = &b[i + 1..i + 4];
            if digits.iter().all(|d| (b'0'..=b'7').contains(d)) {
                let v = digits
                    .iter()
                    .fold(0u32, |acc, d| acc * 8 + u32::from(d - b'0'));
                if let Ok(byte) = u8::try_from(v) {
                    out.push(byte);
                    i += 4;
                    continue;
                }
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A fake sysfs tree in a fresh temporary directory, removed on drop.
    /// Links are laid out like the kernel's: class entries point into
    /// `devices/`, and each node's `device` link points at its SCSI device.
    struct FakeSys {
        root: PathBuf,
    }

    impl FakeSys {
        fn new(tag: &str) -> FakeSys {
            static N: AtomicUsize = AtomicUsize::new(0);
            let root = std::env::temp_dir().join(format!(
                "imapi2-mmc-sysfs-{tag}-{}-{}",
                std::process::id(),
                N.fetch_add(1, Ordering::Relaxed)
            ));
            let _ = fs::remove_dir_all(&root);
            fs::create_dir_all(root.join("class/block")).unwrap();
            fs::create_dir_all(root.join("class/scsi_generic")).unwrap();
            FakeSys { root }
        }

        /// A SCSI device directory under `devices/<port>/hostH/targetH:C:T/H:C:T:L`.
        fn scsi_device(
            &self,
            port: &str,
            hctl: &str,
            ptype: u8,
            inq: (&str, &str, &str),
        ) -> PathBuf {
            let a = ScsiAddress::parse(hctl).unwrap();
            let dir = self
                .root
                .join("devices")
                .join(port)
                .join(format!("host{}", a.host))
                .join(format!("target{}:{}:{}", a.host, a.channel, a.target));
            let dev = dir.join(hctl);
            fs::create_dir_all(&dev).unwrap();
            fs::write(dev.join("type"), format!("{ptype}\n")).unwrap();
            // sysfs pads the INQUIRY strings with blanks, as the drive sent them.
            fs::write(dev.join("vendor"), format!("{:<8}\n", inq.0)).unwrap();
            fs::write(dev.join("model"), format!("{:<16}\n", inq.1)).unwrap();
            fs::write(dev.join("rev"), format!("{:<4}\n", inq.2)).unwrap();
            dev
        }

        fn node(&self, dev: &Path, class: &str, sub: &str, name: &str) {
            let node = dev.join(sub).join(name);
            fs::create_dir_all(&node).unwrap();
            symlink(dev, node.join("device")).unwrap();
            symlink(&node, self.root.join("class").join(class).join(name)).unwrap();
        }

        fn sr(&self, dev: &Path, name: &str, removable: &str) {
            self.node(dev, "block", "block", name);
            fs::write(dev.join("block").join(name).join("removable"), removable).unwrap();
        }

        fn sg(&self, dev: &Path, name: &str) {
            self.node(dev, "scsi_generic", "scsi_generic", name);
        }
    }

    impl Drop for FakeSys {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.root);
        }
    }

    #[test]
    fn sr_with_sg_sibling() {
        let sys = FakeSys::new("sr");
        let dev = sys.scsi_device(
            "pci0000:00/0000:00:04.0/virtio1",
            "2:0:0:0",
            5,
            ("QEMU", "QEMU CD-ROM", "2.5+"),
        );
        fs::write(dev.join("wwid"), "t10.QEMU    QEMU CD-ROM     2.5+\n").unwrap();
        sys.sr(&dev, "sr0", "1\n");
        sys.sg(&dev, "sg1");
        let drives = list_drives_in(&sys.root).unwrap();
        assert_eq!(
            drives,
            vec![DriveInfo {
                block_node: Some("/dev/sr0".into()),
                sg_node: Some("/dev/sg1".into()),
                vendor: "QEMU".into(),
                model: "QEMU CD-ROM".into(),
                revision: "2.5+".into(),
                scsi_address: Some(ScsiAddress {
                    host: 2,
                    channel: 0,
                    target: 0,
                    lun: 0
                }),
                stable_id: "t10.QEMU    QEMU CD-ROM     2.5+".into(),
                removable: Some(true),
            }]
        );
        assert_eq!(drives[0].node(), Some(Path::new("/dev/sr0")));
        assert_eq!(sibling_node(&sys.root, "sr0"), Some("/dev/sg1".into()));
        assert_eq!(sibling_node(&sys.root, "sg1"), Some("/dev/sr0".into()));
        assert_eq!(sibling_node(&sys.root, "sr7"), None);
        assert_eq!(sibling_node(&sys.root, "sda"), None);
    }

    #[test]
    fn sg_only_drive_and_ignored_disks() {
        let sys = FakeSys::new("sg");
        // A hard disk with sd and sg nodes: type 0, ignored.
        let disk = sys.scsi_device(
            "pci0000:00/0000:00:1f.2/ata1",
            "0:0:0:0",
            0,
            ("ATA", "SAMSUNG SSD", "1B6Q"),
        );
        sys.sg(&disk, "sg0");
        // A CD drive with only an sg node (sr_mod not loaded); RMB set in INQUIRY.
        let cd = sys.scsi_device(
            "pci0000:00/0000:00:1f.2/ata2",
            "1:0:0:0",
            5,
            ("HL-DT-ST", "DVDRAM GH24NSD1", "LG00"),
        );
        let mut inquiry = vec![0u8; 36];
        inquiry[0] = 5;
        inquiry[1] = 0x80;
        fs::write(cd.join("inquiry"), &inquiry).unwrap();
        sys.sg(&cd, "sg1");
        // A scanner-type device with an sg node: type 6, ignored.
        let other = sys.scsi_device(
            "pci0000:00/0000:00:14.0/usb1",
            "3:0:0:0",
            6,
            ("X", "Y", "Z"),
        );
        sys.sg(&other, "sg2");
        let drives = list_drives_in(&sys.root).unwrap();
        assert_eq!(drives.len(), 1, "{drives:?}");
        let d = &drives[0];
        assert_eq!(d.block_node, None);
        assert_eq!(d.sg_node.as_deref(), Some(Path::new("/dev/sg1")));
        assert_eq!(
            (d.vendor.as_str(), d.model.as_str(), d.revision.as_str()),
            ("HL-DT-ST", "DVDRAM GH24NSD1", "LG00")
        );
        assert_eq!(d.scsi_address, ScsiAddress::parse("1:0:0:0"));
        assert_eq!(
            d.stable_id,
            "path:pci0000:00/0000:00:1f.2/ata2/host1/target1:0:0/1:0:0:0"
        );
        assert_eq!(d.removable, Some(true));
        assert_eq!(d.node(), Some(Path::new("/dev/sg1")));
    }

    #[test]
    fn drives_come_in_numeric_order_and_sg_siblings_are_not_repeated() {
        let sys = FakeSys::new("order");
        for (i, n) in [10u32, 2].iter().enumerate() {
            let dev = sys.scsi_device("platform/x", &format!("{i}:0:0:0"), 5, ("V", "M", "R"));
            sys.sr(&dev, &format!("sr{n}"), "1");
            sys.sg(&dev, &format!("sg{n}"));
        }
        // A block device named like sr but not an MMC device is skipped.
        let odd = sys.scsi_device("platform/y", "9:0:0:0", 0, ("V", "M", "R"));
        sys.sr(&odd, "sr3", "0");
        let names: Vec<_> = list_drives_in(&sys.root)
            .unwrap()
            .into_iter()
            .map(|d| (d.block_node.unwrap(), d.sg_node.unwrap()))
            .collect();
        assert_eq!(
            names,
            vec![
                ("/dev/sr2".into(), "/dev/sg2".into()),
                ("/dev/sr10".into(), "/dev/sg10".into())
            ]
        );
    }

    #[test]
    fn an_empty_or_missing_sysfs_has_no_drives() {
        let missing = std::env::temp_dir().join("imapi2-mmc-no-such-sysfs-root");
        assert_eq!(list_drives_in(&missing).unwrap(), vec![]);
        let sys = FakeSys::new("empty");
        assert_eq!(list_drives_in(&sys.root).unwrap(), vec![]);
    }

    #[test]
    fn scsi_addresses_parse() {
        assert_eq!(
            ScsiAddress::parse("1:2:3:4"),
            Some(ScsiAddress {
                host: 1,
                channel: 2,
                target: 3,
                lun: 4
            })
        );
        assert_eq!(
            ScsiAddress::parse("1:2:3:4").unwrap().to_string(),
            "1:2:3:4"
        );
        for bad in ["", "1:2:3", "1:2:3:4:5", "a:0:0:0", "target0:0:0"] {
            assert_eq!(ScsiAddress::parse(bad), None, "{bad}");
        }
    }

    const MOUNTINFO_TEXT: &str = "\
22 1 8:2 / / rw,relatime shared:1 - ext4 /dev/sda2 rw
36 22 0:5 / /dev rw,nosuid shared:2 - devtmpfs udev rw
97 22 11:0 / /media/me/My\\040Disc rw,nosuid,nodev,relatime shared:50 - iso9660 /dev/sr0 ro,uid=1000
98 22 11:0 / /mnt/second rw shared:51 - iso9660 /dev/sr0 ro
99 22 1:3 / /weird\\134name\\011x rw - tmpfs none rw
";

    #[test]
    fn mountinfo_is_parsed() {
        assert_eq!(
            mount_point_of(MOUNTINFO_TEXT, 11, 0),
            Some("/media/me/My Disc".into())
        );
        assert_eq!(mount_point_of(MOUNTINFO_TEXT, 8, 2), Some("/".into()));
        assert_eq!(mount_point_of(MOUNTINFO_TEXT, 11, 1), None);
        assert_eq!(
            mount_point_of(MOUNTINFO_TEXT, 1, 3),
            Some("/weird\\name\tx".into())
        );
        assert_eq!(mount_point_of("garbage\n\n1 2\n", 1, 2), None);
        assert_eq!(unescape_octal("a\\04"), "a\\04");
        assert_eq!(unescape_octal("\\777\\040"), "\\777 ");
    }

    #[test]
    fn mounted_at_matches_the_device_number() {
        let dir = FakeSys::new("mountinfo");
        let info = dir.root.join("mountinfo");
        fs::write(&info, MOUNTINFO_TEXT).unwrap();
        // /dev/null is character device 1:3, listed above.
        assert_eq!(
            mounted_at_with(Path::new("/dev/null"), &info),
            Some("/weird\\name\tx".into())
        );
        // A regular file is no device; a missing path is nothing.
        assert_eq!(mounted_at_with(&info, &info), None);
        assert_eq!(mounted_at_with(&dir.root.join("nope"), &info), None);
    }
}
