//! Golden byte vectors for every CDB and reply codec.
//!
//! Each test decodes bytes and checks the fields, then encodes the value
//! and checks the bytes. The source of every vector is named next to it:
//!
//! - libburn (`libburn/mmc.c`, `libburn/spc.c`, `libburn/write.c`): its CDB
//!   templates are static byte arrays, and its functions fill in the variable
//!   fields; where a vector is a template plus such a fill-in, the comment
//!   says which function did it;
//! - QEMU (`hw/scsi/scsi-disk.c`, `hw/block/cdrom.c`, `scsi/utils.c`): its
//!   reply builders for the emulated CD-ROM;
//! - otherwise the vector is constructed by hand from the MMC layout tables
//!   in mmc-notes §1.1–§1.3 (and, where noted, checked against the byte
//!   offsets libburn's parsers read), and says so.

use imapi2_mmc::capacity::{BufferCapacity, Capacity, MechanismStatus};
use imapi2_mmc::cdb::*;
use imapi2_mmc::cue_sheet::{CueSheet, CueSheetEntry, DataForm, TrackCue};
use imapi2_mmc::disc_info::*;
use imapi2_mmc::disc_structure::*;
use imapi2_mmc::event::*;
use imapi2_mmc::feature::*;
use imapi2_mmc::format::*;
use imapi2_mmc::inquiry::*;
use imapi2_mmc::mode::*;
use imapi2_mmc::performance::*;
use imapi2_mmc::profile::Profile;
use imapi2_mmc::sense::{Sense, SenseKey};
use imapi2_mmc::streaming::StreamingPerformance;
use imapi2_mmc::toc::*;
use imapi2_mmc::track_info::*;

/// Bytes from a hex string with optional spaces.
fn hex(s: &str) -> Vec<u8> {
    let digits: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    assert!(digits.len() % 2 == 0, "odd hex string");
    (0..digits.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&digits[i..i + 2], 16).unwrap())
        .collect()
}

/// Decodes `bytes` as a CDB, checks it equals `cmd`, and that `cmd` encodes to `bytes`.
fn cdb(bytes: &[u8], cmd: Command) {
    assert_eq!(
        Command::decode(bytes).unwrap(),
        cmd,
        "decode of {bytes:02x?}"
    );
    assert_eq!(cmd.encode(), bytes, "encode of {cmd:?}");
}

// ---------------------------------------------------------------- CDBs

#[test]
fn cdb_spc_templates_from_libburn() {
    // libburn spc.c SPC_TEST_UNIT_READY.
    cdb(&[0x00, 0, 0, 0, 0, 0], Command::TestUnitReady);
    // libburn spc.c SPC_REQUEST_SENSE.
    cdb(
        &[0x03, 0, 0, 0, 18, 0],
        Command::RequestSense {
            descriptor: false,
            allocation_length: 18,
        },
    );
    // libburn spc.c SPC_INQUIRY (allocation length 36 since A70519).
    cdb(
        &[0x12, 0, 0, 0, 36, 0],
        Command::Inquiry {
            evpd: false,
            page_code: 0,
            allocation_length: 36,
        },
    );
    // libburn spc.c SPC_PREVENT and SPC_ALLOW.
    cdb(
        &[0x1e, 0, 0, 0, 1, 0],
        Command::PreventAllowMediumRemoval {
            persistent: false,
            prevent: true,
        },
    );
    cdb(
        &[0x1e, 0, 0, 0, 0, 0],
        Command::PreventAllowMediumRemoval {
            persistent: false,
            prevent: false,
        },
    );
    // libburn spc.c spc_sense_caps_al(): SPC_MODE_SENSE, opcode[2] = 0x2A,
    // allocation length 30 in bytes 7-8 (its first, length-probing call).
    cdb(
        &[0x5a, 0, 0x2a, 0, 0, 0, 0, 0, 30, 0],
        Command::ModeSense10 {
            llbaa: false,
            dbd: false,
            page_control: PageControl::Current,
            page_code: 0x2A,
            subpage: 0,
            allocation_length: 30,
        },
    );
    // libburn spc.c spc_sense_error_params(): page 01h, allocation length 12.
    cdb(
        &[0x5a, 0, 0x01, 0, 0, 0, 0, 0, 12, 0],
        Command::ModeSense10 {
            llbaa: false,
            dbd: false,
            page_control: PageControl::Current,
            page_code: 0x01,
            subpage: 0,
            allocation_length: 12,
        },
    );
    // libburn spc.c spc_select_write_params(): SPC_MODE_SELECT (PF = 16 in
    // byte 1), parameter length 8 + 2 + 0x32 = 60 in bytes 7-8.
    cdb(
        &[0x55, 0x10, 0, 0, 0, 0, 0, 0, 60, 0],
        Command::ModeSelect10 {
            pf: true,
            sp: false,
            parameter_length: 60,
        },
    );
}

#[test]
fn cdb_start_stop_unit() {
    // libburn sbc.c SBC_LOAD / SBC_UNLOAD / SBC_START_UNIT; QEMU's
    // scsi_disk_emulate_start_stop() reads Start from byte 4 bit 0 and LoEj
    // from bit 1, power condition from bits 7-4.
    let ssu = |load_eject, start| Command::StartStopUnit {
        immed: false,
        format_layer: 0,
        power_condition: 0,
        fl: false,
        load_eject,
        start,
    };
    cdb(&[0x1b, 0, 0, 0, 3, 0], ssu(true, true));
    cdb(&[0x1b, 0, 0, 0, 2, 0], ssu(true, false));
    cdb(&[0x1b, 0, 0, 0, 1, 0], ssu(false, true));
    // Constructed (mmc-notes §1.1): Immed in byte 1 bit 0, power condition 3 (standby).
    cdb(
        &[0x1b, 1, 0, 0, 0x30, 0],
        Command::StartStopUnit {
            immed: true,
            format_layer: 0,
            power_condition: 3,
            fl: false,
            load_eject: false,
            start: false,
        },
    );
}

#[test]
fn cdb_mmc_templates_from_libburn() {
    // libburn mmc.c MMC_GET_CONFIGURATION (allocation length 4096 in bytes 7-8).
    cdb(
        &[0x46, 0, 0, 0, 0, 0, 0, 16, 0, 0],
        Command::GetConfiguration {
            request: ConfigurationRequest::All,
            starting_feature: 0,
            allocation_length: 4096,
        },
    );
    // libburn mmc.c MMC_GET_DISC_INFO.
    cdb(
        &[0x51, 0, 0, 0, 0, 0, 0, 16, 0, 0],
        Command::ReadDiscInformation {
            data_type: DiscInformationType::Standard,
            allocation_length: 4096,
        },
    );
    let toc = |msf, format, allocation_length| Command::ReadToc {
        msf,
        format,
        track_session: 0,
        allocation_length,
    };
    // libburn mmc.c MMC_GET_MSINFO, MMC_GET_TOC (raw, MSF), MMC_GET_TOC_FMT0,
    // MMC_GET_ATIP, MMC_GET_LEADTEXT.
    cdb(
        &[0x43, 0, 1, 0, 0, 0, 0, 16, 0, 0],
        toc(false, TocFormat::Multisession, 4096),
    );
    cdb(
        &[0x43, 2, 2, 0, 0, 0, 0, 16, 0, 0],
        toc(true, TocFormat::Raw, 4096),
    );
    cdb(
        &[0x43, 0, 0, 0, 0, 0, 0, 16, 0, 0],
        toc(false, TocFormat::Formatted, 4096),
    );
    cdb(
        &[0x43, 2, 4, 0, 0, 0, 0, 16, 0, 0],
        toc(true, TocFormat::Atip, 4096),
    );
    cdb(
        &[0x43, 2, 5, 0, 0, 0, 0, 4, 0, 0],
        toc(true, TocFormat::CdText, 1024),
    );
    // libburn mmc.c MMC_GET_EVENT: polled, classes 7Eh, allocation length 8.
    cdb(
        &[0x4a, 1, 0, 0, 0x7e, 0, 0, 0, 8, 0],
        Command::GetEventStatusNotification {
            polled: true,
            class_request: 0x7E,
            allocation_length: 8,
        },
    );
    // libburn mmc.c mmc_read_track_info(): MMC_TRACK_INFO with opcode[1] = 1,
    // track number FFh in bytes 2-5, allocation length 20 (mmc_get_nwa).
    cdb(
        &[0x52, 1, 0, 0, 0, 0xff, 0, 0, 20, 0],
        Command::ReadTrackInformation {
            open: false,
            address_type: TrackAddressType::Track,
            number: 0xFF,
            allocation_length: 20,
        },
    );
    // libburn mmc.c MMC_READ_BUFFER_CAPACITY.
    cdb(
        &[0x5c, 0, 0, 0, 0, 0, 0, 16, 0, 0],
        Command::ReadBufferCapacity {
            block: false,
            allocation_length: 4096,
        },
    );
    // libburn mmc.c MMC_FORMAT_UNIT: FmtData and format code 001b.
    cdb(
        &[0x04, 0x11, 0, 0, 0, 0],
        Command::FormatUnit {
            fmt_data: true,
            cmp_list: false,
            format_code: 1,
        },
    );
    // libburn mmc.c mmc_close(d, session = 1, track = 0): opcode[2] = 2.
    cdb(
        &[0x5b, 0, 2, 0, 0, 0, 0, 0, 0, 0],
        Command::CloseTrackSession {
            immed: false,
            function: CloseFunction::Session,
            number: 0,
        },
    );
    // libburn mmc.c mmc_close(d, 0, track = 1): opcode[2] = 1, track in bytes 4-5.
    cdb(
        &[0x5b, 0, 1, 0, 0, 1, 0, 0, 0, 0],
        Command::CloseTrackSession {
            immed: false,
            function: CloseFunction::Track,
            number: 1,
        },
    );
    // libburn mmc.c mmc_send_cue_sheet(): 4 entries = 32 bytes in bytes 6-8.
    cdb(
        &[0x5d, 0, 0, 0, 0, 0, 0, 0, 32, 0],
        Command::SendCueSheet { size: 32 },
    );
    // libburn mmc.c mmc_reserve_track(): 1000 blocks at opcode + 5.
    cdb(
        &[0x53, 0, 0, 0, 0, 0, 0, 0x03, 0xe8, 0],
        Command::ReserveTrack {
            rmz: false,
            reservation: TrackReservation::Size(1000),
        },
    );
    // Constructed (MMC-6 §6.31, ARSV = 1): reservation LBA in bytes 2-5.
    cdb(
        &[0x53, 1, 0, 0x23, 0x04, 0x88, 0, 0, 0, 0],
        Command::ReserveTrack {
            rmz: false,
            reservation: TrackReservation::Lba(0x0023_0488),
        },
    );
    // libburn mmc.c mmc_write(): start -150 in bytes 2-5, 16 blocks in 7-8.
    cdb(
        &[0x2a, 0, 0xff, 0xff, 0xff, 0x6a, 0, 0, 16, 0],
        Command::Write10 {
            dpo: false,
            fua: false,
            lba: -150,
            transfer_length: 16,
        },
    );
    // libburn mmc.c mmc_write_12(): start 4096 in bytes 2-5, 32 blocks in 6-9.
    cdb(
        &[0xaa, 0, 0, 0, 0x10, 0, 0, 0, 0, 32, 0, 0],
        Command::Write12 {
            dpo: false,
            fua: false,
            lba: 4096,
            transfer_length: 32,
            streaming: false,
        },
    );
    // libburn mmc.c MMC_SYNC_CACHE.
    cdb(
        &[0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        Command::SynchronizeCache {
            immed: false,
            lba: 0,
            blocks: 0,
        },
    );
    // libburn mmc.c MMC_READ_CAPACITY.
    cdb(&[0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0], Command::ReadCapacity);
    // libburn mmc.c mmc_read_10(): start 16, one block.
    cdb(
        &[0x28, 0, 0, 0, 0, 16, 0, 0, 1, 0],
        Command::Read10 {
            dpo: false,
            fua: false,
            lba: 16,
            transfer_length: 1,
        },
    );
    // libburn mmc.c mmc_erase(): Immed (16) | fast.
    cdb(
        &[0xa1, 0x11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        Command::Blank {
            immed: true,
            blank_type: BlankType::Minimal,
            address: 0,
        },
    );
    cdb(
        &[0xa1, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        Command::Blank {
            immed: true,
            blank_type: BlankType::Full,
            address: 0,
        },
    );
    // libburn mmc.c mmc_perform_opc(): opcode[1] = 1 (DoOpc).
    cdb(
        &[0x54, 1, 0, 0, 0, 0, 0, 0, 0, 0],
        Command::SendOpcInformation {
            do_opc: true,
            exclude0: false,
            exclude1: false,
            parameter_length: 0,
        },
    );
    // libburn mmc.c mmc_set_streaming(): 28 bytes in opcode[9..10].
    cdb(
        &[0xb6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 28, 0],
        Command::SetStreaming {
            streaming_type: 0,
            parameter_length: 28,
        },
    );
    // libburn mmc.c mmc_set_speed(): read FFFFh in bytes 2-3, write 7056 (40x CD) in 4-5.
    cdb(
        &[0xbb, 0, 0xff, 0xff, 0x1b, 0x90, 0, 0, 0, 0, 0, 0],
        Command::SetCdSpeed {
            rotation: RotationControl::Clv,
            read_speed: 0xFFFF,
            write_speed: 7056,
        },
    );
    // libburn mmc.c mmc_get_write_performance(): max descriptors
    // (65536 - 8) / 16 - 1 = 4094 in bytes 8-9, type 3 in byte 10.
    cdb(
        &[0xac, 0, 0, 0, 0, 0, 0, 0, 0x0f, 0xfe, 3, 0],
        Command::GetPerformance {
            data_type: 0,
            start_lba: 0,
            max_descriptors: 4094,
            performance_type: PerformanceType::WriteSpeed,
        },
    );
    // libburn mmc.c mmc_read_lead_in(): READ CD at F0000000h, one sector,
    // sub-channel selection 2 (formatted Q).
    cdb(
        &[0xbe, 0, 0xf0, 0, 0, 0, 0, 0, 1, 0, 2, 0],
        Command::ReadCd {
            sector_type: SectorType::Any,
            dap: false,
            lba: 0xF000_0000_u32 as i32,
            transfer_length: 1,
            sync: false,
            header_codes: HeaderCodes::None,
            user_data: false,
            edc_ecc: false,
            c2: C2ErrorInfo::None,
            subchannel: SubChannelSelection::Q,
        },
    );
    // libburn mmc.c mmc_read_cd(start = -150, len = 2, sec_type = 1 (CD-DA),
    // main_ch = F8h, dap): all main-channel fields of a raw sector.
    cdb(
        &[0xbe, 0x06, 0xff, 0xff, 0xff, 0x6a, 0, 0, 2, 0xf8, 0, 0],
        Command::ReadCd {
            sector_type: SectorType::CdDa,
            dap: true,
            lba: -150,
            transfer_length: 2,
            sync: true,
            header_codes: HeaderCodes::All,
            user_data: true,
            edc_ecc: true,
            c2: C2ErrorInfo::None,
            subchannel: SubChannelSelection::None,
        },
    );
}

#[test]
fn cdb_constructed_from_the_layout_tables() {
    // Constructed from mmc-notes §1.1 (READ FORMAT CAPACITIES: b7-8 alloc).
    cdb(
        &[0x23, 0, 0, 0, 0, 0, 0, 0, 12, 0],
        Command::ReadFormatCapacities {
            allocation_length: 12,
        },
    );
    // READ DISC STRUCTURE: QEMU's scsi_read_dvd_structure() reads the media
    // type from byte 1, layer from byte 6, format from byte 7; allocation
    // length in bytes 8-9 per mmc-notes §1.1. DVD format 00h, 2052 bytes.
    cdb(
        &[0xad, 0, 0, 0, 0, 0, 0, 0, 0x08, 0x04, 0, 0],
        Command::ReadDiscStructure {
            media_type: 0,
            address: 0,
            layer: 0,
            format: 0,
            allocation_length: 2052,
            agid: 0,
        },
    );
    // BD (media type 1) disc information, AGID 2.
    cdb(
        &[0xad, 1, 0, 0, 0, 0, 0, 0, 0x10, 0x04, 0x80, 0],
        Command::ReadDiscStructure {
            media_type: 1,
            address: 0,
            layer: 0,
            format: 0,
            allocation_length: 4100,
            agid: 2,
        },
    );
    // SEND DISC STRUCTURE format 20h (DVD+R DL layer break), 12 bytes.
    cdb(
        &[0xbf, 0, 0, 0, 0, 0, 0, 0x20, 0, 12, 0, 0],
        Command::SendDiscStructure {
            media_type: 0,
            format: 0x20,
            parameter_length: 12,
            agid: 0,
        },
    );
    // MECHANISM STATUS: allocation length in bytes 8-9.
    cdb(
        &[0xbd, 0, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0],
        Command::MechanismStatus {
            allocation_length: 8,
        },
    );
    // VERIFY(10) with BYTCHK; WRITE AND VERIFY(10).
    cdb(
        &[0x2f, 0x02, 0, 0, 0x01, 0x00, 0, 0, 32, 0],
        Command::Verify10 {
            bytchk: true,
            lba: 256,
            verification_length: 32,
        },
    );
    cdb(
        &[0x2e, 0, 0, 0, 0, 0x20, 0, 0, 16, 0],
        Command::WriteAndVerify10 {
            bytchk: false,
            lba: 32,
            transfer_length: 16,
        },
    );
    // READ(12) with Streaming; SYNCHRONIZE CACHE with Immed.
    cdb(
        &[0xa8, 0, 0, 0, 0, 0x10, 0, 0, 0, 0x20, 0x80, 0],
        Command::Read12 {
            dpo: false,
            fua: false,
            lba: 16,
            transfer_length: 32,
            streaming: true,
        },
    );
    cdb(
        &[0x35, 0x02, 0, 0, 0, 0, 0, 0, 0, 0],
        Command::SynchronizeCache {
            immed: true,
            lba: 0,
            blocks: 0,
        },
    );
    // CLOSE TRACK/SESSION finalize (110b) with Immed (growisofs/libburn BD-R, mmc-notes §2.8).
    cdb(
        &[0x5b, 1, 6, 0, 0, 0, 0, 0, 0, 0],
        Command::CloseTrackSession {
            immed: true,
            function: CloseFunction::Finalize,
            number: 0,
        },
    );
    // GET CONFIGURATION, one feature (RT = 10b), feature 0021h, 16 bytes.
    cdb(
        &[0x46, 2, 0, 0x21, 0, 0, 0, 0, 16, 0],
        Command::GetConfiguration {
            request: ConfigurationRequest::One,
            starting_feature: 0x21,
            allocation_length: 16,
        },
    );
    // GET PERFORMANCE type 00h, Write bit (growisofs asks data type 04h), one descriptor.
    cdb(
        &[0xac, 0x04, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0],
        Command::GetPerformance {
            data_type: 0x04,
            start_lba: 0,
            max_descriptors: 1,
            performance_type: PerformanceType::Performance,
        },
    );
    // READ TRACK INFORMATION by session number 2, MMC-6 OPEN bit.
    cdb(
        &[0x52, 0x06, 0, 0, 0, 2, 0, 0, 48, 0],
        Command::ReadTrackInformation {
            open: true,
            address_type: TrackAddressType::Session,
            number: 2,
            allocation_length: 48,
        },
    );
    // REQUEST SENSE asking for descriptor format; INQUIRY VPD 80h.
    cdb(
        &[0x03, 1, 0, 0, 252, 0],
        Command::RequestSense {
            descriptor: true,
            allocation_length: 252,
        },
    );
    cdb(
        &[0x12, 1, 0x80, 0, 255, 0],
        Command::Inquiry {
            evpd: true,
            page_code: 0x80,
            allocation_length: 255,
        },
    );
    // MODE SENSE(6) page 2Ah, DBD, changeable values (QEMU reads DBD from
    // byte 1 bit 3, PC from byte 2 bits 7-6, page from bits 5-0, for both
    // MODE SENSE commands); MODE SELECT(6); READ(6).
    cdb(
        &[0x1a, 0x08, 0x6a, 0, 0xff, 0],
        Command::ModeSense6 {
            dbd: true,
            page_control: PageControl::Changeable,
            page_code: 0x2A,
            subpage: 0,
            allocation_length: 255,
        },
    );
    cdb(
        &[0x15, 0x10, 0, 0, 28, 0],
        Command::ModeSelect6 {
            pf: true,
            sp: false,
            parameter_length: 28,
        },
    );
    cdb(
        &[0x08, 0x01, 0x02, 0x03, 0, 0],
        Command::Read6 {
            lba: 0x0001_0203,
            transfer_length: 0,
        },
    );
}

// ---------------------------------------------------------------- sense

#[test]
fn sense_fixed_format_from_qemu() {
    // QEMU scsi/utils.c scsi_build_sense_buf(fixed): 70h, key at 2, additional
    // length 10 at 7, ASC/ASCQ at 12/13, 18 bytes. NOT READY 04/01.
    let b = hex("70 00 02 00 00 00 00 0a 00 00 00 00 04 01 00 00 00 00");
    let s = Sense::decode(&b).unwrap();
    assert_eq!(s, Sense::new(SenseKey::NotReady, 0x04, 0x01));
    assert!(s.is_becoming_ready());
    assert_eq!(
        s.to_string(),
        "02/04/01 NOT READY: logical unit is in process of becoming ready"
    );
    assert_eq!(s.encode(), b);
}

#[test]
fn sense_descriptor_format_from_qemu() {
    // QEMU scsi/utils.c scsi_build_sense_buf(descriptor): 72h, key, ASC, ASCQ, 8 bytes.
    let b = hex("72 05 24 00 00 00 00 00");
    let s = Sense::decode(&b).unwrap();
    assert_eq!(
        (s.key, s.asc, s.ascq),
        (SenseKey::IllegalRequest, 0x24, 0x00)
    );
    assert_eq!(s.information, None);
    // Encoding always gives the fixed format.
    assert_eq!(
        s.encode(),
        hex("70 00 05 00 00 00 00 0a 00 00 00 00 24 00 00 00 00 00")
    );
}

#[test]
fn sense_with_information_and_progress() {
    // QEMU scsi_build_sense_buf_info() layout: F0h (VALID), information in
    // bytes 3-6, SKSV in byte 15, sense-key-specific in 16-17. A format in
    // progress (02/04/04) half done.
    let b = hex("f0 00 02 00 00 12 34 0a 00 00 00 00 04 04 00 80 80 00");
    let s = Sense::decode(&b).unwrap();
    assert_eq!(s.information, Some(0x1234));
    assert_eq!(s.progress, Some(0x8000));
    assert!(s.is_operation_in_progress());
    assert_eq!(s.encode(), b);
    // Constructed (SPC-4 table 31): ILLEGAL REQUEST 24/00 with a field pointer
    // to CDB byte 2 bit 3 (C/D = 1, BPV = 1).
    let s = Sense::invalid_cdb_field(2, Some(3));
    let b = s.encode();
    assert_eq!(
        b,
        hex("70 00 05 00 00 00 00 0a 00 00 00 00 24 00 00 cb 00 02")
    );
    assert_eq!(Sense::decode(&b).unwrap(), s);
    // Deferred long write in progress (71h).
    let s = Sense::decode(&hex(
        "71 00 02 00 00 00 00 0a 00 00 00 00 04 08 00 00 00 00",
    ))
    .unwrap();
    assert!(s.deferred && s.is_long_write_in_progress());
}

// ---------------------------------------------------------------- INQUIRY

#[test]
fn inquiry_from_qemu() {
    // QEMU scsi_disk_emulate_inquiry() for scsi-cd: type 5, RMB, version 5
    // (default_scsi_version), format 2 | HiSup, additional length 31, byte 7
    // 10h | 02h (sync + TCQ), vendor "QEMU", product "QEMU CD-ROM", version "2.5+".
    let mut b = vec![0x05, 0x80, 0x05, 0x12, 31, 0, 0, 0x12];
    b.extend_from_slice(b"QEMU    QEMU CD-ROM     2.5+");
    let d = InquiryData::decode(&b).unwrap();
    assert_eq!(d.device_type, DEVICE_TYPE_MMC);
    assert!(d.removable && d.hi_sup);
    assert_eq!((d.version, d.response_data_format, d.flags7), (5, 2, 0x12));
    assert_eq!(
        (d.vendor.as_str(), d.product.as_str(), d.revision.as_str()),
        ("QEMU", "QEMU CD-ROM", "2.5+")
    );
    assert!(d.extra.is_empty());
    assert_eq!(d.encode(), b);
}

#[test]
fn vpd_pages_from_qemu() {
    // QEMU scsi_disk_emulate_vpd_page(): page 00h of a CD with a serial lists
    // 00h, 80h, 83h; page 80h carries the serial as given.
    let b = hex("05 00 00 03 00 80 83");
    let p = SupportedVpdPages::decode(&b).unwrap();
    assert_eq!(
        p,
        SupportedVpdPages {
            peripheral: 5,
            pages: vec![0x00, 0x80, 0x83]
        }
    );
    assert_eq!(p.encode(), b);
    let mut b = hex("05 80 00 08");
    b.extend_from_slice(b"QM00003X");
    let s = UnitSerialNumber::decode(&b).unwrap();
    assert_eq!(s.serial, "QM00003X");
    assert_eq!(s.encode(), b);
}

// ---------------------------------------------------------------- GET CONFIGURATION

#[test]
fn configuration_from_qemu() {
    // QEMU scsi_get_configuration() with a CD image: data length 36, current
    // profile 0008h; Profile List (persistent, current, 8 bytes: DVD-ROM,
    // CD-ROM with CurrentP); Core (version 2, SCSI, DBE); Removable Medium
    // (version 2, byte 39h: tray, load, eject, lock).
    let b = hex("00 00 00 24 00 00 00 08
         00 00 03 08 00 10 00 00 00 08 01 00
         00 01 0b 08 00 00 00 01 01 00 00 00
         00 03 0b 04 39 00 00 00");
    let c = Configuration::decode(&b).unwrap();
    assert_eq!(c.current_profile, Profile::CdRom);
    assert!(!c.truncated);
    assert_eq!(
        c.profiles(),
        &[
            ProfileEntry {
                profile: Profile::DvdRom,
                current: false
            },
            ProfileEntry {
                profile: Profile::CdRom,
                current: true
            }
        ]
    );
    assert_eq!(c.features[0].version, 0);
    assert!(c.features[0].persistent && c.features[0].current);
    assert_eq!(c.features[1].version, 2);
    assert_eq!(
        c.features[1].body,
        FeatureBody::Core {
            interface: 1,
            inq2: false,
            dbe: true
        }
    );
    assert_eq!(
        c.features[2].body,
        FeatureBody::RemovableMedium {
            mechanism: LoadingMechanism::Tray,
            load: true,
            eject: true,
            prevent_jumper: false,
            dbml: false,
            lock: true,
        }
    );
    assert_eq!(c.encode(), b);
    // Cut by an 8-byte allocation length (the usual first call): header only.
    let h = ConfigurationHeader::decode(&b[..8]).unwrap();
    assert_eq!((h.data_length, h.current_profile), (36, Profile::CdRom));
    assert!(Configuration::decode(&b[..8]).unwrap().truncated);
}

#[test]
fn burner_features_constructed_from_the_layout_tables() {
    // Constructed from mmc-notes §1.3 / MMC-6 §5.3 feature tables: a CD-R
    // burner's current features with typical values.
    let b = hex("00 00 00 74 00 00 00 09
         00 10 01 08 00 00 08 00 00 01 00 00
         00 1e 09 04 83 00 00 00
         00 1f 05 04 01 00 03 00
         00 21 05 08 00 01 01 01 07 00 00 00
         00 23 05 08 00 00 00 00 01 00 00 00
         00 2d 09 04 5e 00 01 01
         00 2e 09 04 7f 00 10 00
         00 2f 09 04 4e 00 00 00
         00 07");
    // The last descriptor is cut after its code, and the data length (116)
    // promises more than the 86 bytes that arrived: the reply is truncated.
    let c = Configuration::decode(&b).unwrap();
    assert!(c.truncated);
    assert_eq!(c.current_profile, Profile::CdR);
    let bodies: Vec<_> = c.features.iter().map(|f| f.body.clone()).collect();
    assert_eq!(
        bodies,
        vec![
            FeatureBody::RandomReadable {
                block_size: 2048,
                blocking: 1,
                pp: false
            },
            FeatureBody::CdRead {
                dap: true,
                c2_flags: true,
                cd_text: true
            },
            FeatureBody::DvdRead {
                multi110: true,
                dual_rw: true,
                dual_r: true
            },
            FeatureBody::IncrementalStreamingWritable {
                data_block_types: 0x0001,
                trio: false,
                arsv: false,
                buf: true,
                link_sizes: vec![7],
            },
            FeatureBody::Formattable {
                renosa: false,
                expand: false,
                qcert: false,
                cert: false,
                rrm: true
            },
            FeatureBody::CdTrackAtOnce {
                buf: true,
                rw_raw: true,
                rw_pack: true,
                test_write: true,
                cd_rw: true,
                rw_subcode: false,
                data_types: 0x0101,
            },
            FeatureBody::CdMastering {
                buf: true,
                sao: true,
                raw_ms: true,
                raw: true,
                test_write: true,
                cd_rw: true,
                rw: true,
                max_cue_sheet_length: 0x1000,
            },
            FeatureBody::DvdMinusRWrite {
                buf: true,
                rdl: true,
                test_write: true,
                dvd_rw: true
            },
        ]
    );
    // Versions and flags of the first descriptors.
    assert_eq!((c.features[0].version, c.features[0].current), (0, true));
    assert_eq!(
        (c.features[1].version, c.features[1].persistent),
        (2, false)
    );
    // Re-encoding the whole descriptors gives the bytes before the cut
    // (with the data length of what is there).
    let mut whole = c.clone();
    whole.truncated = false;
    let mut expect = b[..b.len() - 2].to_vec();
    expect[3] = (expect.len() - 4) as u8;
    assert_eq!(whole.encode(), expect);
}

#[test]
fn feature_descriptors_one_by_one() {
    // Constructed from mmc-notes §1.3 / MMC-6 §5.3: each descriptor's bytes
    // and its decoded body.
    let cases: Vec<(&str, FeatureBody)> = vec![
        (
            "0002 07 04 02 00 00 00",
            FeatureBody::Morphing {
                oc_event: true,
                asynchronous: false,
            },
        ),
        (
            "0004 03 04 0a 00 00 00",
            FeatureBody::WriteProtect {
                dwp: true,
                wdcb: false,
                spwp: true,
                sswpp: false,
            },
        ),
        ("001d 01 00", FeatureBody::MultiRead),
        (
            "0020 07 0c 00 23 0c 7f 00 00 08 00 00 10 01 00",
            FeatureBody::RandomWritable {
                last_lba: 0x0023_0C7F,
                block_size: 2048,
                blocking: 16,
                pp: true,
            },
        ),
        (
            "0024 01 04 80 00 00 00",
            FeatureBody::HardwareDefectManagement { ssa: true },
        ),
        (
            "0025 01 08 00 00 08 00 00 10 01 00",
            FeatureBody::WriteOnce {
                block_size: 2048,
                blocking: 16,
                pp: true,
            },
        ),
        ("0026 01 00", FeatureBody::RestrictedOverwrite),
        ("0027 01 04 00 00 00 00", FeatureBody::CdRwCavWrite),
        (
            "0028 05 04 07 00 00 00",
            FeatureBody::Mrw {
                dvd_plus_write: true,
                dvd_plus_read: true,
                write: true,
            },
        ),
        (
            "002a 05 04 01 02 00 00",
            FeatureBody::DvdPlusRw {
                write: true,
                quick_start: true,
                close_only: false,
            },
        ),
        (
            "002b 01 04 01 00 00 00",
            FeatureBody::DvdPlusR { write: true },
        ),
        (
            "002c 05 04 0f 00 00 00",
            FeatureBody::RigidRestrictedOverwrite {
                dsdg: true,
                dsdr: true,
                intermediate: true,
                blank: true,
            },
        ),
        (
            "0033 01 08 00 00 00 02 10 20 00 00",
            FeatureBody::LayerJumpRecording {
                link_sizes: vec![0x10, 0x20],
            },
        ),
        (
            "0037 01 04 00 06 00 00",
            FeatureBody::CdRwMediaWriteSupport { subtypes: 0x06 },
        ),
        ("0038 01 04 00 00 00 00", FeatureBody::BdRPow),
        (
            "003a 01 04 01 00 00 00",
            FeatureBody::DvdPlusRwDl { write: true },
        ),
        (
            "003b 01 04 00 00 00 00",
            FeatureBody::DvdPlusRDl { write: false },
        ),
        (
            "0040 01 1c 00 00 00 00
             00 02 00 00 00 00 00 00 00 02 00 00 00 00 00 00 00 02 00 00 00 00 00 00",
            FeatureBody::BdRead {
                re: [2, 0, 0, 0],
                r: [2, 0, 0, 0],
                rom: [2, 0, 0, 0],
            },
        ),
        (
            "0041 09 14 01 00 00 00 00 02 00 00 00 00 00 00 00 02 00 00 00 00 00 00",
            FeatureBody::BdWrite {
                svnr: true,
                re: [2, 0, 0, 0],
                r: [2, 0, 0, 0],
            },
        ),
        ("0100 03 00", FeatureBody::PowerManagement),
        (
            "0105 07 04 01 00 02 00",
            FeatureBody::Timeout {
                group3: true,
                unit_length: 512,
            },
        ),
        (
            "0107 0f 04 1f 00 00 00",
            FeatureBody::RealTimeStreaming {
                rbcb: true,
                scs: true,
                mp2a: true,
                wspd: true,
                sw: true,
            },
        ),
        (
            "0108 03 08 41 42 31 32 33 20 20 20",
            FeatureBody::DriveSerialNumber("AB123".into()),
        ),
        (
            "010c 01 10 32 30 30 39 30 31 30 32 30 33 30 34 30 35 00 00",
            FeatureBody::FirmwareInformation {
                date: *b"20090102030405",
            },
        ),
        (
            "ff00 01 04 de ad be ef",
            FeatureBody::Raw {
                code: 0xFF00,
                data: vec![0xDE, 0xAD, 0xBE, 0xEF],
            },
        ),
    ];
    for (bytes, body) in cases {
        let b = hex(bytes);
        let (d, len) = FeatureDescriptor::decode_prefix(&b).unwrap();
        assert_eq!(len, b.len(), "{bytes}");
        assert_eq!(d.body, body, "{bytes}");
        assert!(d.extra.is_empty(), "{bytes}");
        assert_eq!(d.encode(), b, "{bytes}");
    }
}

// ---------------------------------------------------------------- disc/track information

#[test]
fn disc_information_from_qemu() {
    // QEMU scsi_read_disc_information(): 34 bytes, length 32, byte 2 0Eh
    // (last session complete, disc finalized), first track 1, one session,
    // tracks 1-1, byte 7 20h (URU), disc type 00h.
    let b = hex("00 20 0e 01 01 01 01 20 00 00 00 00 00 00 00 00
         00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00");
    let d = DiscInformation::decode(&b).unwrap();
    assert_eq!(d.disc_status, DiscStatus::Complete);
    assert_eq!(d.last_session_state, SessionState::Complete);
    assert!(!d.erasable && d.uru);
    assert_eq!(
        (
            d.first_track,
            d.sessions,
            d.first_track_last_session,
            d.last_track_last_session
        ),
        (1, 1, 1, 1)
    );
    assert_eq!(d.disc_type, DiscType::CdDaOrCdRom);
    assert!(d.opc_tables.is_empty());
    assert_eq!(d.encode(), b);
}

#[test]
fn disc_information_appendable_cd_rw_constructed() {
    // Constructed from mmc-notes §1.2: erasable, last session empty, disc
    // incomplete, 300 sessions (MSB in byte 9), tracks 301/302 (MSBs in
    // 10/11), BG format none, CD-ROM XA, disc id, lead-in 97:26:66 and
    // lead-out 79:59:74 as MSF, one OPC entry.
    let b = hex("00 28 11 01 2c 2d 2e 20 20 01 01 01 12 34 56 78
         00 61 1a 42 00 4f 3b 4a 00 00 00 00 00 00 00 00 00 01
         06 e4 01 02 03 04 05 06");
    let d = DiscInformation::decode(&b).unwrap();
    assert!(d.erasable);
    assert_eq!(
        (d.last_session_state, d.disc_status),
        (SessionState::Empty, DiscStatus::Incomplete)
    );
    assert_eq!(
        (
            d.sessions,
            d.first_track_last_session,
            d.last_track_last_session
        ),
        (300, 301, 302)
    );
    assert_eq!(d.disc_type, DiscType::CdRomXa);
    assert_eq!(d.disc_id, 0x1234_5678);
    assert_eq!(d.last_session_lead_in, 0x0061_1A42);
    assert_eq!(
        msf_to_lba(Msf {
            m: 0x4f,
            s: 0x3b,
            f: 0x4a
        }),
        359_849,
        "79:59:74 is the 80-minute lead-out"
    );
    assert_eq!(
        d.opc_tables,
        vec![OpcEntry {
            speed: 1764,
            values: [1, 2, 3, 4, 5, 6]
        }]
    );
    assert_eq!(d.encode(), b);
}

#[test]
fn track_information_constructed() {
    // Constructed from mmc-notes §1.2; libburn mmc_get_nwa() reads the track
    // start at 8-11, NWA at 12-15, free blocks at 16-19, NWA_V at byte 7
    // bit 0; mmc_fake_toc() reads the track size at 24-27 and the session
    // number at 3 and 33. An invisible CD-R track 2 in session 1, blank,
    // incremental, NWA valid.
    let b = hex("00 2e 02 01 00 05 41 01 00 00 2e 1f 00 00 2e 1f
         00 05 2c b6 00 00 00 00 00 05 2c b6 00 00 00 00
         00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00");
    let t = TrackInformation::decode(&b).unwrap();
    assert_eq!((t.track_number, t.session_number), (2, 1));
    assert_eq!(t.track_mode, TrackMode::DATA_INCREMENTAL);
    assert!(t.blank && !t.rt && !t.packet && !t.fp);
    assert_eq!(t.data_mode, DataMode::Mode1);
    assert_eq!(t.nwa(), Some(11807));
    assert_eq!(t.lra(), None);
    assert_eq!(t.start, 11807);
    assert_eq!((t.free_blocks, t.size), (339_126, 339_126));
    assert_eq!(t.encode(), b);

    // A DVD+R track 300 in session 299 (MSBs in bytes 32/33), closed, LRA valid.
    let b = hex("00 2e 2c 2b 00 07 01 02 00 01 00 00 00 00 00 00
         00 00 00 00 00 00 00 10 00 00 40 00 00 01 3f ff
         01 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00");
    let t = TrackInformation::decode(&b).unwrap();
    assert_eq!((t.track_number, t.session_number), (300, 299));
    assert_eq!(
        t.track_mode,
        TrackMode::Data {
            copy_permitted: true,
            incremental: true
        }
    );
    assert_eq!((t.nwa(), t.lra()), (None, Some(0x0001_3FFF)));
    assert_eq!(t.fixed_packet_size, 16);
    assert_eq!(t.encode(), b);
}

// ---------------------------------------------------------------- READ TOC

#[test]
fn formatted_toc_from_qemu() {
    // QEMU hw/block/cdrom.c cdrom_read_toc(nb_sectors = 1000, msf = 0,
    // start_track = 0): first/last 1, track 1 (ADR 1, CONTROL 4) at 0,
    // lead-out AAh (ADR 1, CONTROL 6) at 1000.
    let b = hex("00 12 01 01 00 14 01 00 00 00 00 00 00 16 aa 00 00 00 03 e8");
    let t = FormattedToc::decode(&b, false).unwrap();
    assert_eq!((t.first_track, t.last_track), (1, 1));
    assert_eq!(
        t.entries,
        vec![
            TocEntry {
                adr: 1,
                control: 4,
                track: 1,
                address: TocAddress::Lba(0)
            },
            TocEntry {
                adr: 1,
                control: 6,
                track: LEAD_OUT_TRACK,
                address: TocAddress::Lba(1000)
            },
        ]
    );
    assert_eq!(t.encode(), b);
    // The same with msf = 1: 00:02:00 and 00:15:25 (1000 + 150 frames).
    let b = hex("00 12 01 01 00 14 01 00 00 00 02 00 00 16 aa 00 00 00 0f 19");
    let t = FormattedToc::decode(&b, true).unwrap();
    assert_eq!(
        t.entries[0].address,
        TocAddress::Msf(Msf { m: 0, s: 2, f: 0 })
    );
    assert_eq!(t.lead_out().unwrap().address.lba(), 1000);
    assert_eq!(t.encode(), b);
}

#[test]
fn multisession_from_qemu() {
    // QEMU scsi_disk_emulate_read_toc() format 1: 12 bytes, length 0Ah,
    // sessions 1-1, everything else zero.
    let b = hex("00 0a 01 01 00 00 00 00 00 00 00 00");
    let m = MultisessionInfo::decode(&b, false).unwrap();
    assert_eq!((m.first_session, m.last_session), (1, 1));
    assert_eq!(m.start, TocAddress::Lba(0));
    assert_eq!(m.encode(), b);
    // Constructed (mmc-notes §1.2): MSC1 of a second session at LBA 11702.
    let m = MultisessionInfo {
        first_session: 1,
        last_session: 2,
        adr: 1,
        control: 4,
        first_track_last_session: 2,
        start: TocAddress::Lba(11_702),
    };
    assert_eq!(m.encode(), hex("00 0a 01 02 00 14 02 00 00 00 2d b6"));
}

#[test]
fn raw_toc_from_qemu() {
    // QEMU hw/block/cdrom.c cdrom_read_toc_raw(nb_sectors = 1000, msf = 1):
    // points A0h (first track 1), A1h (last track 1), A2h (lead-out at
    // 00:15:25) and track 1 at 00:02:00, all session 1, ADR 1 CONTROL 4.
    let b = hex("00 2e 01 01
         01 14 00 a0 00 00 00 00 01 00 00
         01 14 00 a1 00 00 00 00 01 00 00
         01 14 00 a2 00 00 00 00 00 0f 19
         01 14 00 01 00 00 00 00 00 02 00");
    let t = RawToc::decode(&b).unwrap();
    assert_eq!((t.first_session, t.last_session), (1, 1));
    assert_eq!(t.entries.len(), 4);
    let a0 = t.entries[0];
    assert_eq!(
        (a0.session, a0.adr, a0.control, a0.point),
        (1, 1, 4, point::FIRST_TRACK)
    );
    assert_eq!(a0.pointer.m, 1);
    assert_eq!(t.entries[1].point, point::LAST_TRACK);
    assert_eq!(t.entries[2].point, point::LEAD_OUT);
    assert_eq!(t.entries[2].pointer.to_lba(), 1000);
    assert_eq!((t.entries[3].point, t.entries[3].pointer.to_lba()), (1, 0));
    assert_eq!(t.encode(), b);
}

#[test]
fn atip_constructed_from_libburn_table() {
    // Constructed from the ATIP table quoted in libburn mmc.c (from
    // mmc-r10a table 77): byte 4 bit 7 = 1, writing power 5, reference speed
    // 2; byte 5 URU; byte 6 bit 7 = 1, CD-RW, sub-type 1, A1 valid; lead-in
    // 97:26:66; last lead-out 79:59:74; A1 values.
    let b = hex("00 1e 00 00 d2 40 cc 00 61 1a 42 00 4f 3b 4a 00
         14 26 b0 00 00 00 00 00 00 00 00 00 00 00 00 00");
    let a = Atip::decode(&b).unwrap();
    assert_eq!((a.writing_power, a.reference_speed, a.ddcd), (5, 2, false));
    assert!(a.uru && a.cd_rw && a.a1_valid && !a.a2_valid && !a.a3_valid);
    assert_eq!(a.disc_subtype, 1);
    assert_eq!(a.lead_in_start.to_lba(), -11_634);
    assert_eq!(a.capacity_blocks(), Some(359_849));
    assert_eq!(a.a1, [0x14, 0x26, 0xb0]);
    assert_eq!(a.encode(), b);
    // A 28-byte (MMC-3) reply decodes with S4 zero.
    let mut short = b[..28].to_vec();
    short[1] = 26;
    assert_eq!(Atip::decode(&short).unwrap(), a);
}

#[test]
fn cd_text_constructed() {
    // Constructed from MMC-6 table 489 (18-byte packs): a title pack (80h)
    // for track 0, sequence 0, block 0, position 0, "HELLO\0WORLD\0", CRC as given.
    let mut b = hex("00 14 00 00 80 00 00 00");
    b.extend_from_slice(b"HELLO\0WORLD\0");
    b.extend_from_slice(&[0x12, 0x34]);
    let t = CdText::decode(&b).unwrap();
    assert_eq!(t.packs.len(), 1);
    let p = t.packs[0];
    assert_eq!(
        (p.pack_type, p.track, p.sequence, p.block, p.char_position),
        (0x80, 0, 0, 0, 0)
    );
    assert_eq!(&p.text, b"HELLO\0WORLD\0");
    assert_eq!(p.crc, 0x1234);
    assert_eq!(t.encode(), b);
}

// ---------------------------------------------------------------- mode pages

#[test]
fn mode_sense_page_2a_from_qemu() {
    // QEMU scsi_disk_emulate_mode_sense() + mode_sense_page(CAPABILITIES) for
    // scsi-cd (DBD forced): 8-byte header with mode data length 28, page
    // 2Ah of length 14h (22 bytes).
    let b = hex("00 1c 00 00 00 00 00 00
         2a 14 3b 00 7f ff 2d 00 22 60 00 02 08 00 0b 00 00 00 0b 00 0b 00");
    let mp = ModeParameters::decode10(&b).unwrap();
    assert!(!mp.truncated && mp.block_descriptors.is_empty());
    let ModePage::Capabilities(c) = &mp.pages[0] else {
        panic!("{:?}", mp.pages)
    };
    assert!(c.dvd_ram_read && c.dvd_r_read && c.dvd_rom_read && !c.method2);
    assert!(c.cd_rw_read && c.cd_r_read && !c.cd_r_write && !c.test_write);
    assert_eq!((c.byte4, c.byte5), (0x7f, 0xff));
    assert!(c.multi_session() && c.c2_pointers() && !c.buf());
    assert_eq!(c.loading_mechanism, LoadingMechanism::Tray);
    assert!(c.eject && c.prevent_jumper && !c.lock_state && c.lock);
    assert_eq!(
        (c.max_read_speed, c.volume_levels, c.buffer_size_kib),
        (8800, 2, 2048)
    );
    assert_eq!(
        (
            c.current_read_speed,
            c.max_write_speed,
            c.current_write_speed_obsolete
        ),
        (2816, 2816, 2816)
    );
    // The short page reads as zeros beyond byte 21.
    assert_eq!((c.current_write_speed, c.write_speeds.len()), (0, 0));
    // Encoding writes the full 32-byte layout: QEMU's 22 bytes, then zeros.
    let page = mp.pages[0].encode();
    assert_eq!(page.len(), 32);
    assert_eq!(page[1], 30);
    assert_eq!(&page[2..22], &b[10..30]);
    assert!(page[22..].iter().all(|&x| x == 0));
}

#[test]
fn mode_sense_page_01_from_qemu() {
    // QEMU mode_sense_page(R_W_ERROR) for scsi-cd: length 10, AWRE, read
    // retry count 20h; header mode data length 18.
    let b = hex("00 12 00 00 00 00 00 00 01 0a 80 20 00 00 00 00 00 00 00 00");
    let mp = ModeParameters::decode10(&b).unwrap();
    let ModePage::ErrorRecovery(p) = &mp.pages[0] else {
        panic!()
    };
    assert!(p.awre && !p.arre && !p.dcr);
    assert_eq!(
        (
            p.read_retry_count,
            p.write_retry_count,
            p.recovery_time_limit
        ),
        (0x20, 0, 0)
    );
    assert_eq!(mp.encode10(), b);
}

#[test]
fn write_parameters_pages_from_libburn() {
    // libburn mmc_compose_mode_page_5() for DVD-RW sequential with feature
    // 21h: BUFE, LS_V, write type 0; multi-session 11b, FP, track mode 5;
    // data block type 8; link size 16; packet size 16 (pd[13]).
    let page = hex("05 32 60 e5 08 10 00 00 00 00 00 00 00 10 00 00
         00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
         00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00");
    let p = ModePage::decode(&page).unwrap();
    let ModePage::WriteParameters(w) = &p else {
        panic!()
    };
    assert!(w.bufe && w.ls_v && !w.test_write && w.fp && !w.copy);
    assert_eq!(w.write_type, WriteType::Packet);
    assert_eq!(w.multi_session, MultiSession::NextSessionAllowed);
    assert_eq!(w.track_mode, TrackMode::DATA_INCREMENTAL);
    assert_eq!(w.data_block_type, DataBlockType::Mode1);
    assert_eq!(
        (w.link_size, w.packet_size, w.audio_pause_length),
        (16, 16, 0)
    );
    assert!(w.extra.is_empty());
    assert_eq!(p.encode(), page);

    // libburn mmc_compose_mode_page_5() "traditional setup for CD": TAO
    // (write type 1) with BUFE, multi-session 11b, control 4 (data), block
    // type 8 (mode 1), audio pause 150.
    let page = hex("05 32 41 c4 08 00 00 00 00 00 00 00 00 00 00 96
         00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
         00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00");
    let p = ModePage::decode(&page).unwrap();
    let ModePage::WriteParameters(w) = &p else {
        panic!()
    };
    assert_eq!(w.write_type, WriteType::TrackAtOnce);
    assert_eq!(w.track_mode, TrackMode::DATA);
    assert_eq!(w.data_block_type.block_size(), Some(2048));
    assert_eq!(w.audio_pause_length, 150);
    assert_eq!(p.encode(), page);
}

#[test]
fn mode_select_list_from_libburn_probe() {
    // libburn spc_probe_write_modes(): MODE SELECT data of 8 + 2 + 32h bytes,
    // header zero, page 05h with write type 1, byte 11 = 4 (track mode, for
    // block types > 4), block type 8, byte 23 (audio pause LSB) = 150.
    let mut b = vec![0u8; 8 + 2 + 0x32];
    b[8] = 5;
    b[9] = 0x32;
    b[10] = 1;
    b[11] = 4;
    b[12] = 8;
    b[23] = 150;
    let mp = ModeParameters::decode10(&b).unwrap();
    assert_eq!(mp.pages.len(), 1);
    let expect = WriteParametersPage {
        write_type: WriteType::TrackAtOnce,
        track_mode: TrackMode::DATA,
        data_block_type: DataBlockType::Mode1,
        audio_pause_length: 150,
        ..WriteParametersPage::default()
    };
    assert_eq!(mp.pages[0], ModePage::WriteParameters(expect.clone()));
    let list = ModeParameters {
        pages: vec![ModePage::WriteParameters(expect)],
        ..ModeParameters::default()
    };
    assert_eq!(list.encode_select10(), b);
    // libburn spc_select_error_params(): page 01h, length 0Ah, DCR, retries.
    let b = hex("00 00 00 00 00 00 00 00 01 0a 01 05 00 00 00 00 00 00 00 00");
    let mp = ModeParameters::decode10(&b).unwrap();
    let ModePage::ErrorRecovery(p) = &mp.pages[0] else {
        panic!()
    };
    assert!(p.dcr && !p.awre);
    assert_eq!(p.read_retry_count, 5);
    assert_eq!(mp.encode_select10(), b);
}

#[test]
fn page_2a_with_speed_descriptors_constructed() {
    // Constructed from mmc-notes §1.2 (page 2Ah bytes 28-31 and 4-byte speed
    // descriptors from byte 32): a CD burner with two write speeds, PS set,
    // in a MODE SENSE(6) reply.
    let b = hex(
        "2b 00 00 00
         aa 26 3f 37 f1 77 29 23 21 10 01 00 08 00 0b 00 00 00 21 10 21 10 00 00 00 00 00 00 21 10 00 02
         00 00 21 10 00 01 0b 00",
    );
    let mp = ModeParameters::decode6(&b).unwrap();
    let ModePage::Capabilities(c) = &mp.pages[0] else {
        panic!()
    };
    assert!(c.ps && c.cd_r_write && c.cd_rw_write && c.test_write && c.dvd_r_write);
    assert!(c.buf());
    assert_eq!(c.current_write_speed, 0x2110);
    assert_eq!(
        c.write_speeds,
        vec![
            PageWriteSpeed {
                rotation: RotationControl::Clv,
                speed: 0x2110
            },
            PageWriteSpeed {
                rotation: RotationControl::Cav,
                speed: 0x0b00
            },
        ]
    );
    assert_eq!(mp.encode6(), b);
}

// ---------------------------------------------------------------- GET PERFORMANCE

#[test]
fn write_speed_descriptors_constructed() {
    // Constructed from mmc-notes §1.2 (16-byte descriptors after an 8-byte
    // header); libburn mmc_get_write_performance() reads the data length at
    // 0-3 as 4 + 16n, flags at +0 (Exact bit 1, WRC bits 4-3, MRW bit 0),
    // end LBA at +4, read speed at +8, write speed at +12.
    let b = hex("00 00 00 24 00 00 00 00
         02 00 00 00 00 23 05 3f 00 00 56 90 00 00 56 90
         0a 00 00 00 00 23 05 3f 00 00 56 90 00 00 2b 48");
    let l = WriteSpeedList::decode(&b).unwrap();
    assert_eq!(l.descriptors.len(), 2);
    assert_eq!(
        l.descriptors[0],
        WriteSpeedDescriptor {
            wrc: RotationControl::Clv,
            rdd: false,
            exact: true,
            mrw: false,
            end_lba: 2_295_103,
            read_speed: 22_160,
            write_speed: 22_160,
        }
    );
    assert_eq!(l.descriptors[1].wrc, RotationControl::Cav);
    assert_eq!(
        kbps_to_sectors_per_second(
            l.descriptors[0].write_speed,
            imapi2_mmc::profile::MediaFamily::Dvd
        ),
        16 * 680
    );
    assert_eq!(l.encode(), b);
}

#[test]
fn nominal_performance_constructed() {
    // Constructed from MMC-6 table 258: header with the Write bit, one
    // nominal descriptor 0..2295103 at 8x..16x DVD.
    let b = hex("00 00 00 14 02 00 00 00
         00 00 00 00 00 00 2b 48 00 23 05 3f 00 00 56 90");
    let p = PerformanceData::decode(&b).unwrap();
    assert!(p.write);
    assert_eq!(
        p.list,
        PerformanceList::Nominal(vec![NominalPerformance {
            start_lba: 0,
            start_performance: 11_080,
            end_lba: 2_295_103,
            end_performance: 22_160,
        }])
    );
    assert_eq!(p.encode(), b);
    // Exceptions (Except = 01b): 6-byte descriptors.
    let b = hex("00 00 00 0a 01 00 00 00 00 01 00 00 00 64");
    let p = PerformanceData::decode(&b).unwrap();
    assert_eq!(
        p.list,
        PerformanceList::Exceptions(vec![PerformanceException {
            lba: 0x10000,
            time: 100
        }])
    );
    assert_eq!(p.encode(), b);
}

// ---------------------------------------------------------------- formatting

#[test]
fn format_capacities_constructed() {
    // Constructed from mmc-notes §1.1 (READ FORMAT CAPACITIES): an
    // unformatted DVD+RW: list length 16, current descriptor 2295104 blocks
    // type 01b block length 2048, one formattable descriptor of type 26h.
    let b = hex("00 00 00 10 00 23 05 40 01 00 08 00 00 23 05 40 98 00 00 00");
    let f = FormatCapacities::decode(&b).unwrap();
    assert_eq!(
        f.current,
        CurrentCapacity {
            blocks: 2_295_104,
            descriptor_type: CapacityDescriptorType::Unformatted,
            block_length: 2048
        }
    );
    assert_eq!(
        f.formattable,
        vec![FormattableDescriptor {
            blocks: 2_295_104,
            format_type: FormatType::DVD_PLUS_RW_BASIC,
            type_parameter: 0
        }]
    );
    assert_eq!(f.encode(), b);
}

#[test]
fn format_unit_lists_from_libburn() {
    // libburn mmc_format_unit() for DVD+RW: data[1] = 02h (Immed),
    // data[3] = 8, blocks FFFFFFFFh (maximum), data[8] = 26h << 2.
    let b = hex("00 02 00 08 ff ff ff ff 98 00 00 00");
    let p = FormatUnitParameters::decode(&b).unwrap();
    assert!(p.immed && !p.fov && !p.dcrt);
    assert_eq!(
        p.descriptor,
        FormatDescriptor {
            blocks: 0xFFFF_FFFF,
            format_type: FormatType::DVD_PLUS_RW_BASIC,
            subtype: 0,
            type_parameter: 0
        }
    );
    assert_eq!(p.encode(), b);
    // libburn mmc_format_unit() DVD-RW quick (15h): data[11] = 16.
    let b = hex("00 02 00 08 00 23 0c 80 54 00 00 10");
    let p = FormatUnitParameters::decode(&b).unwrap();
    assert_eq!(p.descriptor.format_type, FormatType::DVD_RW_QUICK);
    assert_eq!(
        (p.descriptor.blocks, p.descriptor.type_parameter),
        (0x0023_0C80, 16)
    );
    assert_eq!(p.encode(), b);
    // Constructed (mmc-notes §1.1): BD-RE format 31h with FOV + DCRT + Immed, sub-type 10b.
    let b = hex("00 a2 00 08 00 ba 74 00 c6 00 08 00");
    let p = FormatUnitParameters::decode(&b).unwrap();
    assert!(p.fov && p.dcrt && p.immed);
    assert_eq!(p.descriptor.format_type, FormatType::BD_RE_WITHOUT_SPARES);
    assert_eq!(
        (p.descriptor.subtype, p.descriptor.type_parameter),
        (2, 2048)
    );
    assert_eq!(p.encode(), b);
}

// ---------------------------------------------------------------- disc structures

#[test]
fn dvd_physical_format_from_qemu() {
    // QEMU scsi_read_dvd_structure() format 00h for an image of 2 000 000
    // 2048-byte sectors (nb_sectors = 8 000 000 of 512 bytes): 2052 bytes,
    // length 2050, byte 4 = 1 (DVD-ROM, part version 1), byte 5 = 0Fh,
    // byte 6 = 1 (one layer, embossed), end sector and layer 0 end sector
    // (nb_sectors >> 2) - 1 at 12-15 and 16-19.
    let mut b = vec![0u8; 2052];
    b[..20].copy_from_slice(&hex(
        "08 02 00 00 01 0f 01 00 00 00 00 00 00 1e 84 7f 00 1e 84 7f",
    ));
    let s = DiscStructure::decode(0, 0, &b).unwrap();
    let DiscStructure::DvdPhysical(p) = &s else {
        panic!("{s:?}")
    };
    assert_eq!(
        (p.book_type, p.part_version, p.disc_size, p.maximum_rate),
        (0, 1, 0, 0x0F)
    );
    assert_eq!(
        (p.layers_minus_one, p.opposite_track_path, p.layer_type),
        (0, false, 1)
    );
    assert_eq!(
        (p.data_start, p.data_end, p.layer0_end),
        (0, 1_999_999, 1_999_999)
    );
    assert_eq!(p.media_specific.len(), 2031);
    assert_eq!(s.encode(), b);
}

#[test]
fn structure_list_from_qemu() {
    // QEMU scsi_read_dvd_structure() format FFh: formats 00h (2052), 01h (8),
    // 03h (192), 04h (2052), each 40h (readable, not writable); length 18.
    let b = hex("00 12 00 00 00 40 08 04 01 40 00 08 03 40 00 c0 04 40 08 04");
    let s = DiscStructure::decode(0, 0xFF, &b).unwrap();
    let DiscStructure::List(l) = &s else { panic!() };
    assert_eq!(l.len(), 4);
    assert_eq!(
        l[2],
        StructureListEntry {
            format: 3,
            sds: false,
            rds: true,
            length: 192
        }
    );
    assert_eq!(s.encode(), b);
}

#[test]
fn layer_boundary_and_write_protection_constructed() {
    // Constructed from mmc-notes §1.1 (READ/SEND DISC STRUCTURE 20h): the
    // layer 0 capacity of a DVD+R DL at 2 086 912 blocks, InitStatus clear
    // (what growisofs sends as the layer break).
    let b = hex("00 0a 00 00 00 00 00 00 00 1f d8 00");
    let s = DiscStructure::decode(0, 0x20, &b).unwrap();
    assert_eq!(
        s,
        DiscStructure::LayerBoundary(LayerBoundary {
            init_status: false,
            l0_capacity: 2_086_912
        })
    );
    assert_eq!(s.encode(), b);
    // Format C0h: persistent write protection.
    let b = hex("00 06 00 00 02 00 00 00");
    let s = DiscStructure::decode(0, 0xC0, &b).unwrap();
    assert_eq!(
        s,
        DiscStructure::WriteProtection(WriteProtectionStatus {
            mswi: false,
            cwp: false,
            pwp: true,
            swpp: false
        })
    );
    assert_eq!(s.encode(), b);
    // BD format 00h: DI unit with disc type "BDR".
    let mut b = hex("00 42 00 00");
    let mut di = b"DI\x01\x08\x00\x00\x40\x00BDR\x11".to_vec();
    di.resize(64, 0);
    b.extend_from_slice(&di);
    let s = DiscStructure::decode(1, 0, &b).unwrap();
    let DiscStructure::BdDiscInformation(bd) = &s else {
        panic!()
    };
    assert_eq!(bd.disc_type_id(), Some(*b"BDR"));
    assert_eq!(s.encode(), b);
}

// ---------------------------------------------------------------- events, capacities, mechanism

#[test]
fn gesn_from_qemu() {
    // QEMU scsi_get_event_status_notification() with the media class
    // requested: event data length 4 (size - 4), class 4, supported 10h,
    // event 2 (new media), status 2 (media present).
    let b = hex("00 04 04 10 02 02 00 00");
    let e = EventStatus::decode(&b).unwrap();
    assert_eq!(
        e,
        EventStatus::media(0x10, MediaEventCode::NewMedia, true, false)
    );
    assert_eq!(e.encode(), b);
    // Without the media class requested: NEA (80h), no descriptor, length 0.
    let b = hex("00 00 80 10");
    let e = EventStatus::decode(&b).unwrap();
    assert_eq!(
        e,
        EventStatus {
            nea: true,
            class: 0,
            supported_classes: 0x10,
            event: None
        }
    );
    assert_eq!(e.encode(), b);
    // Tray open (MS_TRAY_OPEN = 1), no change.
    let b = hex("00 04 04 10 00 01 00 00");
    let e = EventStatus::decode(&b).unwrap();
    assert_eq!(
        e,
        EventStatus::media(0x10, MediaEventCode::NoChange, false, true)
    );
    assert_eq!(e.encode(), b);
}

#[test]
fn gesn_other_classes_constructed() {
    // Constructed from MMC-6 tables 144/147: operational change (state
    // changed, feature change) and power (change successful, standby).
    let b = hex("00 04 01 16 02 00 00 01");
    let e = EventStatus::decode(&b).unwrap();
    assert_eq!(
        e.event,
        Some(Event::OperationalChange {
            event: OperationalEventCode::StateChanged,
            persistent_prevented: false,
            status: 0,
            change: 1
        })
    );
    assert_eq!(e.encode(), b);
    let b = hex("00 04 02 16 01 03 00 00");
    let e = EventStatus::decode(&b).unwrap();
    assert_eq!(
        e.event,
        Some(Event::Power {
            event: PowerEventCode::ChangeSuccessful,
            status: 3
        })
    );
    assert_eq!(e.encode(), b);
}

#[test]
fn capacity_and_mechanism_status_from_qemu() {
    // QEMU READ CAPACITY for scsi-cd of 2 000 000 sectors: last LBA, block 2048.
    let b = hex("00 1e 84 7f 00 00 08 00");
    let c = Capacity::decode(&b).unwrap();
    assert_eq!(
        (c.last_lba, c.block_length, c.blocks()),
        (1_999_999, 2048, 2_000_000)
    );
    assert_eq!(c.encode(), b);
    // QEMU scsi_emulate_mechanism_status(): 8 bytes, byte 5 = 1 slot.
    let b = hex("00 00 00 00 00 01 00 00");
    let m = MechanismStatus::decode(&b).unwrap();
    assert!(!m.door_open && !m.fault);
    assert_eq!((m.slots_available, m.slots.len()), (1, 0));
    assert_eq!(m.encode(), b);
    // Constructed (mmc-notes §1.1): door open, one slot table entry with a disc.
    let b = hex("00 10 00 00 00 01 00 04 80 00 00 00");
    let m = MechanismStatus::decode(&b).unwrap();
    assert!(m.door_open);
    assert!(m.slots[0].disc_present);
    assert_eq!(m.encode(), b);
}

#[test]
fn buffer_capacity_constructed() {
    // Constructed from mmc-notes §1.1; libburn mmc_read_buffer_capacity()
    // reads the buffer length at 4-7 and the free bytes at 8-11.
    let b = hex("00 0a 00 00 00 20 00 00 00 1f f0 00");
    let c = BufferCapacity::decode(&b, false).unwrap();
    assert_eq!(
        c,
        BufferCapacity::Bytes {
            length: 0x0020_0000,
            available: 0x001F_F000
        }
    );
    assert_eq!(c.encode(), b);
    let b = hex("00 0a 00 01 00 00 00 00 00 00 03 e0");
    let c = BufferCapacity::decode(&b, true).unwrap();
    assert_eq!(c, BufferCapacity::Blocks { available: 992 });
    assert_eq!(c.encode(), b);
}

// ---------------------------------------------------------------- cue sheet, streaming

#[test]
fn cue_sheet_from_libburn() {
    // libburn write.c burn_create_toc_entries() for one audio track of 1000
    // sectors (control 0, CD-DA form 00h): lead-in entry (TNO 0, form 01h)
    // at -150 = 00:00:00, track 1 index 0 at 00:00:00, index 1 at 00:02:00,
    // lead-out AAh (form 01h) at 1000 = 00:15:25. CTL/ADR = control | 1.
    let b = hex("01 00 00 01 00 00 00 00
         01 01 00 00 00 00 00 00
         01 01 01 00 00 00 02 00
         01 aa 01 01 00 00 0f 19");
    let c = CueSheet::decode(&b).unwrap();
    assert_eq!(c.entries.len(), 4);
    assert_eq!(
        c.entries[2],
        CueSheetEntry::Track(TrackCue {
            control: 0,
            tno: 1,
            index: 1,
            data_form: DataForm::CD_DA,
            scms: 0,
            time: Msf { m: 0, s: 2, f: 0 },
        })
    );
    let CueSheetEntry::Track(lead_out) = c.entries[3] else {
        panic!()
    };
    assert_eq!(
        (lead_out.tno, lead_out.data_form, lead_out.time.to_lba()),
        (0xAA, DataForm::CD_DA_NO_DATA, 1000)
    );
    assert_eq!(c.encode(), b);
    // The cue sheet length goes into SEND CUE SHEET bytes 6-8.
    assert_eq!(
        Command::SendCueSheet {
            size: b.len() as u32
        }
        .encode()[6..9],
        [0, 0, 32]
    );
    // Constructed (MMC-6 table 581): an ADR 2 (catalog number) entry is kept as bytes.
    let b = hex("02 31 32 33 34 35 36 37");
    assert_eq!(
        CueSheet::decode(&b).unwrap().entries,
        vec![CueSheetEntry::Other(b[..].try_into().unwrap())]
    );
}

#[test]
fn streaming_descriptor_from_libburn() {
    // libburn mmc_set_streaming(r = 11080, w = 5540, end_lba = 2294920): WRC
    // 0, start 0, end at 8-11, read size at 12, read time 1000 at 16, write
    // size at 20, write time 1000 at 24.
    let b = hex("00 00 00 00 00 00 00 00 00 23 04 88 00 00 2b 48
         00 00 03 e8 00 00 15 a4 00 00 03 e8");
    let s = StreamingPerformance::decode(&b).unwrap();
    assert_eq!(s, StreamingPerformance::speeds(2_294_920, 11_080, 5_540));
    assert_eq!((s.read_kbps(), s.write_kbps()), (Some(11_080), Some(5_540)));
    assert_eq!(s.encode(), b);
}
