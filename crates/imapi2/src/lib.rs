//! # imapi2
//!
//! Microsoft's Image Mastering API v2 done again in Rust, Linux first.
//!
//! This crate carries the file-system image engine, re-exported as [`fs`]
//! (IMAPI2FS: ISO 9660, Joliet, Rock Ridge, UDF, El Torito, import), and the
//! device layer: recorders found and spoken to over SCSI MMC — real drives
//! through Linux SG_IO ([`mmc`]) and virtual recorders, file-backed drives
//! that answer the same commands ([`emu`]). The burning objects join as they
//! land.
//!
//! ```
//! use imapi2::fs::{DataSource, FileSystemImage};
//! let mut image = FileSystemImage::new();
//! let root = image.root();
//! image.add_file(root, "hello.txt", DataSource::Bytes(b"hello"[..].into()))?;
//! let result = image.create_result_image()?;
//! assert!(result.total_blocks() > 16);
//! # Ok::<(), imapi2::fs::Error>(())
//! ```
//!
//! A recorder, its medium and its speeds (a virtual one here):
//!
//! ```
//! use imapi2::virtual_recorder::{self, parse_media};
//! use imapi2::{DiscMaster, VirtualRegistry};
//! let dir = std::env::temp_dir().join(format!("imapi2-doc-{}", std::process::id()));
//! # let _ = std::fs::remove_dir_all(&dir);
//! virtual_recorder::create(&dir.join("rec"), imapi2::emu::Personality::DvdWriter, parse_media("dvd+r"))?;
//! let master = DiscMaster::with(&dir.join("no-sysfs"), VirtualRegistry::at(dir.join("list")));
//! let mut recorder = master.open(dir.join("rec").to_str().unwrap())?;
//! let media = recorder.media()?;
//! assert_eq!(media.physical_type(), 6); // IMAPI_MEDIA_TYPE_DVDPLUSR
//! assert!(!recorder.write_speed_descriptors()?.is_empty());
//! # std::fs::remove_dir_all(&dir).unwrap();
//! # Ok::<(), imapi2::Error>(())
//! ```
//!
//! ## IMAPI2 names
//!
//! | IMAPI2 | Rust |
//! |---|---|
//! | `IDiscMaster2` (`Count`, `Item`, `_NewEnum`, `IsSupportedEnvironment`) | [`DiscMaster`] (`count`, `item`, `entries`, `is_supported_environment`) |
//! | `DDiscMaster2Events` (`NotifyDeviceAdded/Removed`) | [`DiscMaster::refresh`] → [`MasterEvent`] |
//! | `IDiscRecorder2::InitializeDiscRecorder` | [`DiscMaster::open`] |
//! | `ActiveDiscRecorder`, `VendorId`, `ProductId`, `ProductRevision` | [`DiscRecorder::active_disc_recorder`], `vendor_id`, `product_id`, `product_revision` |
//! | `VolumeName`, `VolumePathNames`, `LegacyDeviceNumber` | `volume_name`, `volume_path_names`, `legacy_device_number` |
//! | `DeviceCanLoadMedia`, `EjectMedia`, `CloseTray` | `device_can_load_media`, `eject_media`, `close_tray` |
//! | `SupportedFeaturePages` / `CurrentFeaturePages` | `feature_pages(false)` / `feature_pages(true)` |
//! | `SupportedProfiles` / `CurrentProfiles` | `profiles(false)` / `profiles(true)` |
//! | `SupportedModePages` | `mode_pages(PageControl::Current)` |
//! | `AcquireExclusiveAccess`, `ReleaseExclusiveAccess`, `ExclusiveAccessOwner` | `acquire_exclusive_access`, `release_exclusive_access`, `exclusive_access_owner` |
//! | `DisableMcn`, `EnableMcn` | `disable_mcn`, `enable_mcn` |
//! | `IDiscRecorder2Ex::SendCommandNoData / SendDataToDevice / GetDataFromDevice` | `send_command_no_data`, `send_command_send_data`, `send_command_get_data` ([`recorder::RawOutcome`]: 18 sense bytes = `S_IMAPI_COMMAND_HAS_SENSE_DATA`) |
//! | `GetDiscInformation`, `GetTrackInformation` | `get_disc_information`, `get_track_information` |
//! | `GetFeaturePage`, `GetModePage`, `SetModePage` | `get_feature_page`, `get_mode_page`, `set_mode_page` |
//! | `ReadDvdStructure`, `SendDvdStructure` | `read_dvd_structure`, `send_dvd_structure` |
//! | `GetSupportedFeaturePages/Profiles/ModePages` | `feature_pages`, `profiles`, `mode_pages` |
//! | `GetByteAlignmentMask`, `GetMaximum(Non)PageAlignedTransferSize` | `byte_alignment_mask`, `maximum_transfer_size` |
//! | `CurrentPhysicalMediaType`, `CurrentMediaStatus` (`IMAPI_FORMAT2_DATA_MEDIA_STATE`) | [`MediaSnapshot::physical_type`], [`MediaSnapshot::state`] ([`media::state`]) |
//! | `TotalSectorsOnMedia`, `FreeSectorsOnMedia`, `NextWritableAddress` | `total_sectors`, `free_sectors`, `next_writable_address` |
//! | `StartAddressOfPreviousSession`, `LastWrittenAddressOfPreviousSession` | `previous_session_start`, `previous_session_last` |
//! | `IWriteSpeedDescriptor` (`MediaType`, `RotationTypeIsPureCAV`, `WriteSpeed`) | [`WriteSpeedDescriptor`] |
//! | `SupportedWriteSpeedDescriptors` | [`DiscRecorder::write_speed_descriptors`] |
//! | `E_IMAPI_RECORDER_*` | [`Error::imapi_code`] |
//!
//! `IDiscRecorder2Ex::GetAdapterDescriptor` / `GetDeviceDescriptor` return
//! Windows storage-stack structures and have no Linux counterpart.

#![warn(missing_docs)]

pub mod burn;
pub mod disc_reader;
pub mod error;
pub mod master;
pub mod media;
pub mod recorder;
pub mod speed;
pub mod virtual_recorder;

pub use disc_reader::DiscReader;
pub use error::{Error, Result};
pub use imapi2_emu as emu;
pub use imapi2_fs as fs;
pub use imapi2_mmc as mmc;
pub use master::{DiscMaster, MasterEvent, RecorderEntry, RecorderKind, VirtualRegistry};
pub use media::MediaSnapshot;
pub use recorder::DiscRecorder;
pub use speed::WriteSpeedDescriptor;
