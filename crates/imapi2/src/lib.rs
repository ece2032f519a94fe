//! # imapi2
//!
//! Microsoft's Image Mastering API v2 done again in Rust, Linux first.
//!
//! This crate carries the file-system image engine, re-exported as [`fs`]
//! (IMAPI2FS: ISO 9660, Joliet, Rock Ridge, UDF, El Torito, import), and the
//! device layer: recorders found and spoken to over SCSI MMC — real drives
//! through Linux SG_IO ([`mmc`]) and virtual recorders, file-backed drives
//! that answer the same commands ([`emu`]) — and the burning objects
//! ([`burn`]): the write engine and the data writer, for every writable
//! medium family.
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
//! assert_eq!(media.physical_type(), imapi2::fs::MediaPhysicalType::DvdPlusR); // 6
//! assert!(!recorder.write_speed_descriptors()?.is_empty());
//! # std::fs::remove_dir_all(&dir).unwrap();
//! # Ok::<(), imapi2::Error>(())
//! ```
//!
//! Burning a folder to a virtual recorder and reading it back:
//!
//! ```
//! use imapi2::burn::data::DiscFormat2Data;
//! use imapi2::burn::events::VerificationLevel;
//! use imapi2::fs::{DataSource, FileSystemImage};
//! use imapi2::virtual_recorder::{self, parse_media};
//! use imapi2::{DiscMaster, VirtualRegistry};
//! let dir = std::env::temp_dir().join(format!("imapi2-doc-burn-{}", std::process::id()));
//! # let _ = std::fs::remove_dir_all(&dir);
//! virtual_recorder::create(&dir.join("rec"), imapi2::emu::Personality::BdWriter, parse_media("bd-r"))?;
//! let master = DiscMaster::with(&dir.join("no-sysfs"), VirtualRegistry::at(dir.join("list")));
//! let recorder = master.open(dir.join("rec").to_str().unwrap())?;
//!
//! let mut image = FileSystemImage::new();
//! let root = image.root();
//! image.add_file(root, "hello.txt", DataSource::Bytes(b"hello"[..].into()))?;
//! let result = image.create_result_image()?;
//!
//! let mut writer = DiscFormat2Data::new();
//! writer.set_recorder(recorder)?;
//! writer.set_client_name("doc example")?;
//! writer.set_burn_verification_level(VerificationLevel::Full)?; // read every sector back
//! writer.write(&mut result.image_stream())?;
//! assert_eq!(writer.current_media_status()? & imapi2::media::state::APPENDABLE, imapi2::media::state::APPENDABLE);
//! # std::fs::remove_dir_all(&dir).unwrap();
//! # Ok::<(), Box<dyn std::error::Error>>(())
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
//! | `CurrentPhysicalMediaType` (`IMAPI_MEDIA_PHYSICAL_TYPE`), `CurrentMediaStatus` (`IMAPI_FORMAT2_DATA_MEDIA_STATE`) | [`MediaSnapshot::physical_type`] ([`fs::MediaPhysicalType`], derived from the MMC profile once, in [`media::physical_type_of`]), [`MediaSnapshot::state`] ([`media::state`]) |
//! | `TotalSectorsOnMedia`, `FreeSectorsOnMedia`, `NextWritableAddress` | `total_sectors`, `free_sectors`, `next_writable_address` |
//! | `StartAddressOfPreviousSession`, `LastWrittenAddressOfPreviousSession` | `previous_session_start`, `previous_session_last` |
//! | `IWriteSpeedDescriptor` (`MediaType`, `RotationTypeIsPureCAV`, `WriteSpeed`) | [`WriteSpeedDescriptor`] |
//! | `SupportedWriteSpeedDescriptors` | [`DiscRecorder::write_speed_descriptors`] |
//! | `E_IMAPI_RECORDER_*` | [`Error::imapi_code`] |
//! | `MsftWriteEngine2` / `IWriteEngine2` (`WriteSection`, `CancelWrite`, `Recorder`, `UseStreamingWrite12`, `StartingSectorsPerSecond`, `EndingSectorsPerSecond`, `BytesPerSector`, `WriteInProgress`) | [`burn::engine::WriteEngine`] (`write_section`, `cancel_write`, `set_recorder`, `set_use_streaming_write12`, `set_sectors_per_second`, `set_bytes_per_sector`, `write_in_progress`) |
//! | `IWriteEngine2EventArgs`, `DWriteEngine2Events::Update` | [`burn::events::WriteEngineProgress`], [`burn::engine::WriteEngine::set_update`] |
//! | `IDiscFormat2` (`IsRecorderSupported`, `IsCurrentMediaSupported`, `MediaPhysicallyBlank`, `MediaHeuristicallyBlank`, `SupportedMediaTypes`) | [`burn::disc_format::DiscFormat2`], [`burn::data::DiscFormat2Data::media_physically_blank`], [`burn::data::DiscFormat2Data::media_heuristically_blank`] |
//! | `MsftDiscFormat2Data` / `IDiscFormat2Data` | [`burn::data::DiscFormat2Data`] |
//! | `Recorder`, `ClientName`, `BufferUnderrunFreeDisabled`, `PostgapAlreadyInImage`, `ForceMediaToBeClosed`, `DisableConsumerDvdCompatibilityMode`, `ForceOverwrite` | `set_recorder`, `set_client_name`, `set_buffer_underrun_free_disabled`, `set_postgap_already_in_image`, `set_force_media_to_be_closed`, `set_disable_consumer_dvd_compatibility_mode`, `set_force_overwrite` (and getters) |
//! | `CurrentMediaStatus`, `WriteProtectStatus`, `CurrentPhysicalMediaType`, `TotalSectorsOnMedia`, `FreeSectorsOnMedia`, `NextWritableAddress`, `StartAddressOfPreviousSession`, `LastWrittenAddressOfPreviousSession` | `current_media_status`, `write_protect_status`, `current_physical_media_type`, `total_sectors_on_media`, `free_sectors_on_media`, `next_writable_address`, `start_address_of_previous_session`, `last_written_address_of_previous_session` |
//! | `SetWriteSpeed` (`S_IMAPI_SPEEDADJUSTED`, `…ROTATIONADJUSTED`, `…BOTHADJUSTED`), `RequestedWriteSpeed`, `RequestedRotationTypeIsPureCAV`, `CurrentWriteSpeed`, `CurrentRotationTypeIsPureCAV`, `SupportedWriteSpeeds`, `SupportedWriteSpeedDescriptors` | [`burn::data::DiscFormat2Data::set_write_speed`] ([`burn::data::SpeedResult`]), `requested_write_speed`, `requested_rotation_type_is_pure_cav`, `current_write_speed`, `current_rotation_type_is_pure_cav`, `supported_write_speeds`, `supported_write_speed_descriptors` |
//! | `Write`, `CancelWrite` | [`burn::data::DiscFormat2Data::write`], [`burn::data::DiscFormat2Data::cancel_write`] / [`burn::engine::CancelHandle`] (from another thread), [`burn::events::Flow::Cancel`] (from the handler) |
//! | `IDiscFormat2DataEventArgs` (`ElapsedTime`, `RemainingTime`, `TotalTime`, `CurrentAction`), `IMAPI_FORMAT2_DATA_WRITE_ACTION` | [`burn::events::DataWriteProgress`], [`burn::events::DataWriteAction`] |
//! | `IBurnVerification::BurnVerificationLevel`, `IMAPI_BURN_VERIFICATION_LEVEL` | [`burn::data::DiscFormat2Data::set_burn_verification_level`], [`burn::events::VerificationLevel`] |
//! | `E_IMAPI_DF2DATA_*`, `E_IMAPI_REQUEST_CANCELLED`, `E_IMAPI_BURN_VERIFICATION_FAILED`, `E_IMAPI_LOSS_OF_STREAMING` | [`Error::imapi_code`] |
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
pub use imapi2_cd as cd;
pub use imapi2_emu as emu;
pub use imapi2_fs as fs;
pub use imapi2_mmc as mmc;
pub use master::{DiscMaster, MasterEvent, RecorderEntry, RecorderKind, VirtualRegistry};
pub use media::MediaSnapshot;
pub use recorder::DiscRecorder;
pub use speed::WriteSpeedDescriptor;
