//! `BootOptions` (IMAPI `IBootOptions`): one El Torito boot entry, and the
//! hybrid-boot settings that go beyond IMAPI (boot info table, MBR, GPT).

use crate::eltorito::{Emulation, PlatformId};
use crate::error::{Error, Result};
use crate::image::source::DataSource;

/// IMAPI's limit on boot entries (`IMAPI2FS_BOOT_ENTRY_COUNT_MAX`).
pub const BOOT_ENTRY_COUNT_MAX: usize = 32;

/// Bytes of a manufacturer id (the validation entry's id string).
pub const MANUFACTURER_MAX: usize = 24;

/// One boot entry: the image and how the firmware is to load it.
///
/// ```
/// use imapi2_fs::{BootOptions, DataSource, Emulation, PlatformId};
/// let mut b = BootOptions::new();
/// b.assign_boot_image(DataSource::Bytes(vec![0u8; 1_474_560].into()))?;
/// // An image of exactly a floppy's size switches to that floppy's emulation.
/// assert_eq!(b.emulation(), Emulation::Floppy144);
/// b.set_platform_id(PlatformId::X86);
/// # Ok::<(), imapi2_fs::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct BootOptions {
    image: Option<DataSource>,
    size: u64,
    manufacturer: String,
    platform: PlatformId,
    emulation: Emulation,
    load_segment: u16,
    sector_count: Option<u16>,
    boot_info_table: bool,
}

impl Default for BootOptions {
    fn default() -> Self {
        Self::new()
    }
}

fn size_of(data: &DataSource) -> Result<u64> {
    data.size("boot image")
}

impl BootOptions {
    /// No image yet; platform x86, no emulation, load segment 0 (0x7C0).
    pub fn new() -> BootOptions {
        BootOptions {
            image: None,
            size: 0,
            manufacturer: String::new(),
            platform: PlatformId::X86,
            emulation: Emulation::None,
            load_segment: 0,
            sector_count: None,
            boot_info_table: false,
        }
    }

    /// `AssignBootImage`: sets the image. An image of exactly 1.2, 1.44 or
    /// 2.88 MB switches the emulation to that floppy, as IMAPI does.
    pub fn assign_boot_image(&mut self, data: DataSource) -> Result<()> {
        let size = size_of(&data)?;
        if size == 0 {
            return Err(Error::BootImageData {
                reason: "the boot image is empty".into(),
            });
        }
        if size > u64::from(u32::MAX) {
            return Err(Error::BootImageData {
                reason: format!("a boot image of {size} bytes exceeds 4 GiB"),
            });
        }
        if let Some(e) = Emulation::for_floppy_size(size) {
            self.emulation = e;
        }
        self.image = Some(data);
        self.size = size;
        Ok(())
    }

    /// `BootImage`: the image, once assigned.
    pub fn boot_image(&self) -> Option<&DataSource> {
        self.image.as_ref()
    }

    /// `ImageSize` in bytes.
    pub fn image_size(&self) -> u64 {
        self.size
    }

    /// `Manufacturer`.
    pub fn manufacturer(&self) -> &str {
        &self.manufacturer
    }

    /// Sets `Manufacturer`: ASCII, at most 24 bytes.
    pub fn set_manufacturer(&mut self, m: &str) -> Result<()> {
        if !m.is_ascii() || m.len() > MANUFACTURER_MAX || m.contains('\0') {
            return Err(Error::InvalidParam {
                name: "Manufacturer",
                reason: format!("{m:?} is not ASCII of at most 24 bytes"),
            });
        }
        self.manufacturer = m.to_string();
        Ok(())
    }

    /// `PlatformId`.
    pub fn platform_id(&self) -> PlatformId {
        self.platform
    }

    /// Sets `PlatformId` (any value is kept; 0xEF is UEFI).
    pub fn set_platform_id(&mut self, p: PlatformId) {
        self.platform = p;
    }

    /// `Emulation`.
    pub fn emulation(&self) -> Emulation {
        self.emulation
    }

    /// Sets `Emulation`. A floppy emulation needs an image of exactly that
    /// floppy's size (`IMAPI_E_BOOT_EMULATION_IMAGE_SIZE_MISMATCH`).
    pub fn set_emulation(&mut self, e: Emulation) -> Result<()> {
        if let Some(need) = e.floppy_size() {
            if self.image.is_some() && self.size != need {
                return Err(Error::BootEmulationSizeMismatch {
                    emulation: e,
                    size: self.size,
                    needed: need,
                });
            }
        }
        self.emulation = e;
        Ok(())
    }

    /// The load segment (0 = the traditional 0x7C0).
    pub fn load_segment(&self) -> u16 {
        self.load_segment
    }

    /// Sets the load segment.
    pub fn set_load_segment(&mut self, s: u16) {
        self.load_segment = s;
    }

    /// The number of 512-byte sectors the firmware loads. Emulated media load
    /// one; without emulation the default is the whole image (rounded up to a
    /// multiple of 4, at most 0xFFFF), as mkisofs does.
    pub fn sector_count(&self) -> u16 {
        match (self.sector_count, self.emulation) {
            (Some(n), _) => n,
            (None, Emulation::None) => {
                let n = self.size.div_ceil(512).div_ceil(4) * 4;
                n.clamp(1, 0xFFFF) as u16
            }
            (None, _) => 1,
        }
    }

    /// Sets the sector count (`-boot-load-size`); isolinux wants 4.
    pub fn set_sector_count(&mut self, n: u16) -> Result<()> {
        if n == 0 {
            return Err(Error::InvalidParam {
                name: "sector count",
                reason: "0 sectors loads nothing".into(),
            });
        }
        self.sector_count = Some(n);
        Ok(())
    }

    /// Whether the image gets a boot info table patched in at byte 8 (what
    /// isolinux and GRUB's El Torito image expect; not IMAPI).
    pub fn boot_info_table(&self) -> bool {
        self.boot_info_table
    }

    /// Sets whether to patch a boot info table into the image as written
    /// (the source is left alone). The image must be at least 64 bytes.
    pub fn set_boot_info_table(&mut self, on: bool) -> Result<()> {
        if on && self.image.is_some() && self.size < 64 {
            return Err(Error::BootImageData {
                reason: format!(
                    "a boot info table needs 64 bytes, the image has {}",
                    self.size
                ),
            });
        }
        self.boot_info_table = on;
        Ok(())
    }

    /// Checks the entry is complete before layout.
    pub(crate) fn validate(&self) -> Result<()> {
        if self.image.is_none() {
            return Err(Error::BootImageData {
                reason: "a boot entry has no image".into(),
            });
        }
        if self.boot_info_table && self.size < 64 {
            return Err(Error::BootImageData {
                reason: format!(
                    "a boot info table needs 64 bytes, the image has {}",
                    self.size
                ),
            });
        }
        if let Some(need) = self.emulation.floppy_size() {
            if self.size != need {
                return Err(Error::BootEmulationSizeMismatch {
                    emulation: self.emulation,
                    size: self.size,
                    needed: need,
                });
            }
        }
        Ok(())
    }

    /// Reads the whole image (boot images are small: loaders and FAT images).
    pub(crate) fn read_image(&self) -> Result<Vec<u8>> {
        let name = "boot image";
        let data = self.image.as_ref().ok_or_else(|| Error::BootImageData {
            reason: "a boot entry has no image".into(),
        })?;
        let bytes = data.read_all(name)?;
        if bytes.len() as u64 != self.size {
            return Err(Error::DataStreamInconsistency {
                source_name: match data {
                    DataSource::Path(p) => p.display().to_string(),
                    _ => name.into(),
                },
                expected: self.size,
                found: bytes.len() as u64,
            });
        }
        Ok(bytes)
    }

    /// The partition type of a hard-disk image: that of the first used entry
    /// of the MBR in its first sector (El Torito's "system type").
    pub(crate) fn system_type(&self, image: &[u8]) -> Result<u8> {
        if self.emulation != Emulation::HardDisk {
            return Ok(0);
        }
        if image.len() < 512 || image[510] != 0x55 || image[511] != 0xAA {
            return Err(Error::BootImageData {
                reason: "hard-disk emulation needs an image that starts with an MBR".into(),
            });
        }
        let kinds: Vec<u8> = (0..4)
            .map(|i| image[446 + 16 * i + 4])
            .filter(|&k| k != 0)
            .collect();
        match kinds.as_slice() {
            [k] => Ok(*k),
            [] => Err(Error::BootImageData {
                reason: "the hard-disk image's MBR has no partition".into(),
            }),
            _ => Err(Error::BootImageData {
                reason: "El Torito hard-disk emulation allows one partition in the image".into(),
            }),
        }
    }
}

/// Where the boot catalog appears in the file systems.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum BootCatalog {
    /// In no directory (IMAPI's behaviour).
    #[default]
    Hidden,
    /// As a file at this path (mkisofs `-c PATH`).
    Path(String),
}

/// A hybrid image: the system area gets an MBR (and a GPT) so that the image
/// boots when written raw to a USB stick.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Hybrid {
    /// MBR boot code for BIOS (the first 432 bytes are used), for example
    /// syslinux's `isohdpfx.bin`; it finds the first BIOS no-emulation image
    /// through the sector address written at byte 432. `None` leaves the
    /// code area zero: such a stick boots with UEFI only.
    pub mbr_code: Option<Vec<u8>>,
    /// Whether to add a GUID partition table (primary and backup) that
    /// exposes the first UEFI image as an EFI System Partition.
    pub gpt: bool,
}
