//! `IDiscRecorder2` and `IDiscRecorder2Ex`: one drive, real or virtual,
//! spoken to through the typed MMC layer.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use imapi2_mmc::cdb::{ConfigurationRequest, TrackAddressType};
use imapi2_mmc::drive::{Drive, MmcError};
use imapi2_mmc::feature::{code, Configuration, FeatureBody};
use imapi2_mmc::inquiry::InquiryData;
use imapi2_mmc::mode::{LoadingMechanism, ModePage, PageControl};
use imapi2_mmc::profile::Profile;
use imapi2_mmc::{DataPhase, ScsiStatus, ScsiTransport};

use crate::error::{Error, Result};
use crate::media::{self, MediaSnapshot};
use crate::speed::{self, WriteSpeedDescriptor};

/// A transport that can move between threads.
pub type BoxTransport = Box<dyn ScsiTransport + Send>;

/// What one raw command brought back (`IDiscRecorder2Ex::SendCommand*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawOutcome {
    /// 18 bytes of fixed-format sense when the drive returned CHECK
    /// CONDITION (IMAPI's `S_IMAPI_COMMAND_HAS_SENSE_DATA`), else None.
    pub sense: Option<[u8; 18]>,
    /// Bytes moved in the data phase.
    pub transferred: usize,
}

/// One drive.
pub struct DiscRecorder {
    id: String,
    device: String,
    drive: Drive<BoxTransport>,
    inquiry: InquiryData,
    lock_path: PathBuf,
    lock: Option<(File, String)>,
    lock_count: u32,
    mcn_disabled: bool,
    volume_paths: Vec<PathBuf>,
    legacy_number: i32,
}

/// The client names Windows accepts for exclusive access
/// (`CDROM_EXCLUSIVE_LOCK_STATE`): 1 to 63 ASCII letters, digits, spaces and
/// `. , : ; - _`.
fn valid_client_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && name.chars().all(|c| {
            c.is_ascii_alphanumeric() || matches!(c, ' ' | '.' | ',' | ':' | ';' | '-' | '_')
        })
}

impl DiscRecorder {
    /// Binds a recorder to an open transport (`InitializeDiscRecorder`):
    /// `id` is its unique id, `lock_path` the file that carries exclusive
    /// access between processes, `volume_paths` where its medium is mounted.
    pub fn new(
        id: String,
        transport: BoxTransport,
        drive_clock: Option<Box<dyn imapi2_mmc::drive::Clock>>,
        lock_path: PathBuf,
        volume_paths: Vec<PathBuf>,
        legacy_number: i32,
    ) -> Result<DiscRecorder> {
        let device = transport.device_name();
        let mut drive = match drive_clock {
            Some(c) => Drive::with_clock(transport, c),
            None => Drive::new(transport),
        };
        let inquiry = drive.inquiry().map_err(|error| Error::Device {
            device: device.clone(),
            error,
        })?;
        Ok(DiscRecorder {
            id,
            device,
            drive,
            inquiry,
            lock_path,
            lock: None,
            lock_count: 0,
            mcn_disabled: false,
            volume_paths,
            legacy_number,
        })
    }

    fn dev<T>(&self, r: std::result::Result<T, MmcError>) -> Result<T> {
        r.map_err(|error| Error::Device {
            device: self.device.clone(),
            error,
        })
    }

    /// `ActiveDiscRecorder`: the unique id.
    pub fn active_disc_recorder(&self) -> &str {
        &self.id
    }

    /// The device path or `virtual:PATH`.
    pub fn device(&self) -> &str {
        &self.device
    }

    /// `VendorId`.
    pub fn vendor_id(&self) -> &str {
        &self.inquiry.vendor
    }

    /// `ProductId`.
    pub fn product_id(&self) -> &str {
        &self.inquiry.product
    }

    /// `ProductRevision`.
    pub fn product_revision(&self) -> &str {
        &self.inquiry.revision
    }

    /// `VolumeName`: the block device that carries the medium's volume
    /// (`/dev/sr0`), empty for a virtual recorder.
    pub fn volume_name(&self) -> &str {
        if self.device.starts_with("/dev/") {
            &self.device
        } else {
            ""
        }
    }

    /// `VolumePathNames`: where the medium is mounted.
    pub fn volume_path_names(&self) -> &[PathBuf] {
        &self.volume_paths
    }

    /// `LegacyDeviceNumber`: the position in the enumeration (not stable).
    pub fn legacy_device_number(&self) -> i32 {
        self.legacy_number
    }

    /// The typed command layer, for the burning objects.
    pub fn drive(&mut self) -> &mut Drive<BoxTransport> {
        &mut self.drive
    }

    fn configuration(&mut self, current_only: bool) -> Result<Configuration> {
        let rq = if current_only {
            ConfigurationRequest::Current
        } else {
            ConfigurationRequest::All
        };
        match self.drive.get_configuration(rq, 0) {
            Err(e) if e.sense().is_some_and(|s| s.asc == 0x20) => {
                Err(Error::GetConfigurationNotSupported)
            }
            r => self.dev(r),
        }
    }

    /// `SupportedFeaturePages` (`current_only` = `CurrentFeaturePages`).
    pub fn feature_pages(&mut self, current_only: bool) -> Result<Vec<u16>> {
        let c = self.configuration(current_only)?;
        Ok(c.features
            .iter()
            .filter(|f| !current_only || f.current)
            .map(|f| f.code())
            .collect())
    }

    /// `SupportedProfiles` (`current_only` = `CurrentProfiles`).
    pub fn profiles(&mut self, current_only: bool) -> Result<Vec<Profile>> {
        let c = self.configuration(false)?;
        Ok(c.profiles()
            .iter()
            .filter(|p| !current_only || p.current)
            .map(|p| p.profile)
            .collect())
    }

    /// `SupportedModePages` for a page control (`GetSupportedModePages`).
    pub fn mode_pages(&mut self, control: PageControl) -> Result<Vec<u8>> {
        let all = self.mode_sense_all(control)?;
        let mut out = Vec::new();
        let mut at = 0;
        while at < all.len() {
            match ModePage::decode_prefix(&all[at..]) {
                Ok((p, len, _)) if len > 0 => {
                    out.push(p.code());
                    at += len;
                }
                _ => break,
            }
        }
        Ok(out)
    }

    /// MODE SENSE(10) of page 3Fh: all pages, header and block descriptors stripped.
    fn mode_sense_all(&mut self, control: PageControl) -> Result<Vec<u8>> {
        match self.drive.mode_sense_bytes(0x3F, control) {
            Err(e) if e.sense().is_some_and(|s| s.asc == 0x24) => {
                Err(Error::NoSuchModePage { page: 0x3F })
            }
            r => self.dev(r),
        }
    }

    /// `DeviceCanLoadMedia`: the tray (or pop-up) can be closed by command.
    pub fn device_can_load_media(&mut self) -> Result<bool> {
        match self.configuration(false) {
            Ok(c) => Ok(match c.feature(code::REMOVABLE_MEDIUM).map(|f| &f.body) {
                Some(FeatureBody::RemovableMedium {
                    mechanism, load, ..
                }) => *load && !matches!(mechanism, LoadingMechanism::Caddy),
                _ => false,
            }),
            // MMC-1: the capabilities page says.
            Err(Error::GetConfigurationNotSupported) => {
                let page = self.drive.mode_sense(0x2A, PageControl::Current);
                match self.dev(page)? {
                    // Only a tray (or a changer) can be pulled in by command.
                    ModePage::Capabilities(c) => Ok(matches!(
                        c.loading_mechanism,
                        LoadingMechanism::Tray
                            | LoadingMechanism::ChangerIndividual
                            | LoadingMechanism::ChangerMagazine
                    )),
                    _ => Ok(false),
                }
            }
            Err(e) => Err(e),
        }
    }

    /// `EjectMedia`: unlocks our own tray lock, then opens the tray.
    pub fn eject_media(&mut self) -> Result<()> {
        let _ = self.drive.prevent_removal(false);
        let r = self.drive.load_eject(false);
        self.dev(r)
    }

    /// `CloseTray`.
    pub fn close_tray(&mut self) -> Result<()> {
        let r = self.drive.load_eject(true);
        self.dev(r)
    }

    /// `AcquireExclusiveAccess`: a counted lock carrying the client's name,
    /// held in a lock file that other processes (and other recorder objects)
    /// see. `force` is accepted for IMAPI's signature; nothing is unmounted.
    pub fn acquire_exclusive_access(&mut self, force: bool, client_name: &str) -> Result<()> {
        let _ = force;
        if !valid_client_name(client_name) {
            return Err(Error::ClientNameNotValid {
                name: client_name.into(),
            });
        }
        if self.lock.is_some() {
            self.lock_count += 1;
            return Ok(());
        }
        let io = |e, what: &str| Error::Io {
            context: format!("{what} {}", self.lock_path.display()),
            error: e,
        };
        // Shared by every user: world-writable, and opened without O_CREAT
        // when it exists (fs.protected_regular refuses O_CREAT on another
        // user's file in /tmp).
        let open = |create: bool| {
            use std::os::unix::fs::OpenOptionsExt;
            OpenOptions::new()
                .read(true)
                .write(true)
                .create(create)
                .truncate(false)
                .mode(0o666)
                .open(&self.lock_path)
        };
        let mut f = match open(false) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => open(true),
            r => r,
        }
        .map_err(|e| io(e, "cannot open the lock file"))?;
        let _ = rustix::fs::fchmod(&f, rustix::fs::Mode::from_raw_mode(0o666));
        if rustix::fs::flock(&f, rustix::fs::FlockOperation::NonBlockingLockExclusive).is_err() {
            let mut owner = String::new();
            let _ = f.read_to_string(&mut owner);
            return Err(Error::Locked {
                device: self.device.clone(),
                owner: Some(owner.trim().to_string()).filter(|o| !o.is_empty()),
            });
        }
        // The device itself, for this process alone (Linux: O_EXCL on the sr
        // and sg nodes; refused while the medium is mounted).
        if let Err(e) = self.drive.transport().set_exclusive(true) {
            let _ = rustix::fs::flock(&f, rustix::fs::FlockOperation::Unlock);
            return Err(Error::Open {
                device: self.device.clone(),
                reason: e.to_string(),
            });
        }
        let named = f
            .set_len(0)
            .and_then(|_| f.rewind())
            .and_then(|_| f.write_all(client_name.as_bytes()));
        if let Err(e) = named {
            let _ = self.drive.transport().set_exclusive(false);
            return Err(io(e, "cannot write"));
        }
        self.lock = Some((f, client_name.into()));
        self.lock_count = 1;
        Ok(())
    }

    /// `ReleaseExclusiveAccess`: one count less; the lock goes at zero.
    pub fn release_exclusive_access(&mut self) {
        if self.lock_count > 0 {
            self.lock_count -= 1;
        }
        if self.lock_count == 0 {
            if let Some((f, _)) = self.lock.take() {
                let _ = self.drive.transport().set_exclusive(false);
                let _ = f.set_len(0);
            }
        }
    }

    /// `ExclusiveAccessOwner`: the client holding the recorder (this object's
    /// or another process's), or None.
    pub fn exclusive_access_owner(&self) -> Option<String> {
        if let Some((_, name)) = &self.lock {
            return Some(name.clone());
        }
        let f = File::open(&self.lock_path).ok()?;
        if rustix::fs::flock(&f, rustix::fs::FlockOperation::NonBlockingLockShared).is_ok() {
            return None; // nobody holds it
        }
        let owner = std::fs::read_to_string(&self.lock_path).ok()?;
        Some(owner.trim().to_string()).filter(|o| !o.is_empty())
    }

    /// `DisableMcn`: media-change notifications are suppressed while set
    /// (for a Linux drive, the kernel's event polling of its block device
    /// is turned off through sysfs, which needs privileges).
    pub fn disable_mcn(&mut self) -> Result<()> {
        self.set_events_poll(false)?;
        self.mcn_disabled = true;
        Ok(())
    }

    /// `EnableMcn`.
    pub fn enable_mcn(&mut self) -> Result<()> {
        self.set_events_poll(true)?;
        self.mcn_disabled = false;
        Ok(())
    }

    /// Whether media-change notification is disabled.
    pub fn mcn_disabled(&self) -> bool {
        self.mcn_disabled
    }

    fn set_events_poll(&self, on: bool) -> Result<()> {
        let Some(name) = self.device.strip_prefix("/dev/") else {
            return Ok(()); // a virtual recorder reports changes only when asked
        };
        let p = Path::new("/sys/block").join(name).join("events_poll_msecs");
        if !p.exists() {
            return Ok(());
        }
        std::fs::write(&p, if on { "-1" } else { "0" }).map_err(|error| Error::Io {
            context: format!("cannot set {}", p.display()),
            error,
        })
    }

    /// The medium in the drive.
    pub fn media(&mut self) -> Result<MediaSnapshot> {
        let r = media::snapshot(&mut self.drive);
        self.dev(r)
    }

    /// The write speeds the drive offers for the current medium
    /// (`SupportedWriteSpeedDescriptors`), fastest first.
    pub fn write_speed_descriptors(&mut self) -> Result<Vec<WriteSpeedDescriptor>> {
        let r = speed::descriptors(&mut self.drive);
        self.dev(r)
    }

    // IDiscRecorder2Ex

    /// `SendCommandNoData`.
    pub fn send_command_no_data(&mut self, cdb: &[u8], timeout: Duration) -> Result<RawOutcome> {
        self.raw(cdb, DataPhase::None, timeout)
    }

    /// `SendCommandSendDataToDevice`.
    pub fn send_command_send_data(
        &mut self,
        cdb: &[u8],
        data: &[u8],
        timeout: Duration,
    ) -> Result<RawOutcome> {
        if data.is_empty() {
            return Err(Error::InvalidParam {
                name: "buffer",
                reason: "a data-out command needs data".into(),
            });
        }
        self.raw(cdb, DataPhase::Out(data), timeout)
    }

    /// `SendCommandGetDataFromDevice`.
    pub fn send_command_get_data(
        &mut self,
        cdb: &[u8],
        buf: &mut [u8],
        timeout: Duration,
    ) -> Result<RawOutcome> {
        self.raw(cdb, DataPhase::In(buf), timeout)
    }

    fn raw(&mut self, cdb: &[u8], data: DataPhase<'_>, timeout: Duration) -> Result<RawOutcome> {
        if !(6..=16).contains(&cdb.len()) {
            return Err(Error::InvalidParam {
                name: "cdb",
                reason: format!("{} bytes; a CDB has 6 to 16", cdb.len()),
            });
        }
        let r = self
            .drive
            .execute_raw(cdb, data, timeout)
            .map_err(|error| Error::Device {
                device: self.device.clone(),
                error: MmcError::Transport {
                    command: "raw command",
                    error,
                },
            })?;
        let sense = (r.status == ScsiStatus::CheckCondition).then(|| {
            let mut s = [0u8; 18];
            let n = r.sense.len().min(18);
            s[..n].copy_from_slice(&r.sense[..n]);
            s
        });
        Ok(RawOutcome {
            sense,
            transferred: r.transferred,
        })
    }

    /// `GetDiscInformation`: the READ DISC INFORMATION reply.
    pub fn get_disc_information(&mut self) -> Result<Vec<u8>> {
        let r = self.drive.read_disc_information();
        Ok(self.dev(r)?.encode())
    }

    /// `GetTrackInformation`: the READ TRACK INFORMATION reply.
    pub fn get_track_information(
        &mut self,
        address: u32,
        kind: TrackAddressType,
    ) -> Result<Vec<u8>> {
        let r = self.drive.read_track_information(kind, address);
        Ok(self.dev(r)?.encode())
    }

    /// `GetFeaturePage`: one feature descriptor (header included, the
    /// configuration header left out).
    pub fn get_feature_page(&mut self, feature: u16, current_only: bool) -> Result<Vec<u8>> {
        let c = self.configuration(false)?;
        let f = c.feature(feature).ok_or(Error::NoSuchFeature { feature })?;
        if current_only && !f.current {
            return Err(Error::FeatureNotCurrent { feature });
        }
        Ok(f.encode())
    }

    /// `GetModePage`: one page, mode header stripped.
    pub fn get_mode_page(&mut self, page: u8, control: PageControl) -> Result<Vec<u8>> {
        match self.drive.mode_sense(page, control) {
            Ok(p) => Ok(p.encode()),
            Err(e) if e.sense().is_some_and(|s| s.asc == 0x24) => {
                Err(Error::NoSuchModePage { page })
            }
            Err(error) => Err(Error::Device {
                device: self.device.clone(),
                error,
            }),
        }
    }

    /// `SetModePage`: MODE SELECT(10) of one page (header generated).
    pub fn set_mode_page(&mut self, page: &[u8]) -> Result<()> {
        let p = ModePage::decode(page).map_err(|e| Error::InvalidParam {
            name: "page",
            reason: e.to_string(),
        })?;
        let r = self.drive.mode_select(&p);
        self.dev(r)
    }

    /// `ReadDvdStructure`: READ DISC STRUCTURE (DVD media type) of `format`,
    /// the 4-byte reply header stripped.
    pub fn read_dvd_structure(
        &mut self,
        format: u8,
        address: u32,
        layer: u8,
        agid: u8,
    ) -> Result<Vec<u8>> {
        let r = self
            .drive
            .read_disc_structure(0, address, layer, format, agid);
        let b = self.dev(r)?;
        Ok(b.get(4..).unwrap_or(&[]).to_vec())
    }

    /// `SendDvdStructure`: SEND DISC STRUCTURE of `format` with `data` (the
    /// 4-byte header generated and put before it).
    pub fn send_dvd_structure(&mut self, format: u8, data: &[u8]) -> Result<()> {
        let mut list = vec![0u8; 4];
        list[..2].copy_from_slice(&((data.len() + 2) as u16).to_be_bytes());
        list.extend_from_slice(data);
        let r = self.drive.send_disc_structure(0, format, &list);
        self.dev(r)
    }

    /// `GetByteAlignmentMask`: buffers need no particular alignment here
    /// (the kernel bounces unaligned SG_IO buffers).
    pub fn byte_alignment_mask(&self) -> u32 {
        0
    }

    /// `GetMaximumNonPageAlignedTransferSize` and
    /// `GetMaximumPageAlignedTransferSize`: the largest transfer per command.
    pub fn maximum_transfer_size(&self) -> u32 {
        let Some(name) = self.device.strip_prefix("/dev/") else {
            return 64 * 1024;
        };
        std::fs::read_to_string(format!("/sys/block/{name}/queue/max_hw_sectors_kb"))
            .ok()
            .and_then(|s| s.trim().parse::<u32>().ok())
            .map_or(64 * 1024, |kb| kb.saturating_mul(1024))
    }
}

/// IMAPI2's default command timeout (`IMAPI2_DEFAULT_COMMAND_TIMEOUT`).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
