//! Replies derived from the model on every call (mmc-notes §6.2: no cached
//! blobs): GET CONFIGURATION features, disc and track information, TOC
//! formats, format capacities, disc structures, speeds and mode pages. Each
//! builder returns a codec structure of `imapi2-mmc`; the codec encodes it.

use imapi2_mmc::cdb::ConfigurationRequest;
use imapi2_mmc::disc_info::{
    BgFormatStatus as WireBg, DiscInformation, DiscStatus as WireStatus, DiscType, OpcEntry,
    SessionState as WireSession,
};
use imapi2_mmc::disc_structure::{
    BdDiscInformation, DiscStructure, DvdPhysicalFormat, LayerBoundary, StructureListEntry,
    WriteProtectionStatus,
};
use imapi2_mmc::feature::{Configuration, FeatureBody, FeatureDescriptor, ProfileEntry};
use imapi2_mmc::format::{
    CapacityDescriptorType, CurrentCapacity, FormatCapacities, FormatType, FormattableDescriptor,
};
use imapi2_mmc::mode::{LoadingMechanism, ModePage, PageControl, RawModePage, WriteParametersPage};
use imapi2_mmc::performance::{
    NominalPerformance, PerformanceData, PerformanceList, RotationControl, WriteSpeedDescriptor,
    WriteSpeedList,
};
use imapi2_mmc::profile::Profile;
use imapi2_mmc::toc::{
    lba_to_msf, point, Atip, FormattedToc, Msf, MultisessionInfo, RawToc, RawTocEntry, TocAddress,
    TocEntry, LEAD_OUT_TRACK,
};
use imapi2_mmc::track_info::{DataMode, TrackInformation, TrackMode};

use crate::drive::{DriveState, Personality};
use crate::error::SenseCode;
use crate::media::{
    DiscStatus, Family, FormatState, MediaKind, Medium, SessionState, TrackContent, TrackState,
    TrackView, CD_ATIP_LEAD_IN,
};

fn wire_status(s: DiscStatus) -> WireStatus {
    match s {
        DiscStatus::Blank => WireStatus::Empty,
        DiscStatus::Appendable => WireStatus::Incomplete,
        DiscStatus::Complete => WireStatus::Complete,
        DiscStatus::Others => WireStatus::Others,
    }
}

fn wire_session(s: SessionState) -> WireSession {
    match s {
        SessionState::Empty => WireSession::Empty,
        SessionState::Incomplete => WireSession::Incomplete,
        SessionState::Complete => WireSession::Complete,
    }
}

/// An address as MMC encodes it in READ DISC INFORMATION bytes 16–23: MSF
/// (00h MM SS FF) on CD, the LBA otherwise; FFFFFFFFh when absent.
fn disc_info_address(cd: bool, lba: Option<i64>) -> u32 {
    match lba {
        None => u32::MAX,
        Some(l) if cd => match lba_to_msf(l as i32) {
            Some(m) => (u32::from(m.m) << 16) | (u32::from(m.s) << 8) | u32::from(m.f),
            None => u32::MAX,
        },
        Some(l) => l as u32,
    }
}

/// READ DISC INFORMATION, standard type (MMC-6 §6.22.3.1).
pub(crate) fn disc_information(m: &Medium, opc_speeds: &[u16]) -> DiscInformation {
    let v = m.disc_view();
    let cd = m.kind().is_cd();
    DiscInformation {
        erasable: v.erasable,
        last_session_state: wire_session(v.last_session),
        disc_status: wire_status(v.status),
        first_track: v.first_track as u8,
        sessions: v.sessions as u16,
        first_track_last_session: v.first_track_last_session as u16,
        last_track_last_session: v.last_track_last_session as u16,
        did_v: true,
        dbc_v: false,
        uru: true,
        dac_v: false,
        dbit: false,
        bg_format_status: match m.bg_format_status() {
            crate::media::BgFormatStatus::None => WireBg::None,
            crate::media::BgFormatStatus::Stopped => WireBg::Suspended,
            crate::media::BgFormatStatus::InProgress => WireBg::InProgress,
            crate::media::BgFormatStatus::Complete => WireBg::Complete,
        },
        disc_type: DiscType::CdDaOrCdRom,
        disc_id: m.disc_id(),
        last_session_lead_in: if cd {
            disc_info_address(true, v.next_lead_in)
        } else {
            disc_info_address(
                false,
                v.next_lead_in
                    .or(if m.is_finalized() { None } else { Some(0) }),
            )
        },
        last_possible_lead_out: disc_info_address(cd, v.last_possible_lead_out),
        bar_code: [0; 8],
        application_code: 0,
        opc_tables: opc_speeds
            .iter()
            .map(|&speed| OpcEntry {
                speed,
                values: [0; 6],
            })
            .collect(),
    }
}

/// READ TRACK INFORMATION block for a track view (MMC-6 §6.27.3).
pub(crate) fn track_information(v: &TrackView) -> TrackInformation {
    let mut t = TrackInformation::new(v.number as u16, v.session as u16);
    t.damage = v.damaged;
    t.track_mode = TrackMode::from_nibble(v.track_mode);
    t.rt = v.reserved;
    t.blank = v.blank;
    t.packet = v.packet;
    t.fp = v.fixed_packet;
    t.data_mode = DataMode::from_bits(v.data_mode);
    t.nwa_valid = v.nwa.is_some();
    t.next_writable_address = v.nwa.unwrap_or(0) as i32;
    t.lra_valid = v.lra.is_some();
    t.last_recorded_address = v.lra.unwrap_or(0) as i32;
    t.start = v.start as i32;
    t.free_blocks = v.free;
    t.fixed_packet_size = v.packet_size;
    t.size = v.size;
    t
}

/// A closed session as the TOC sees it.
struct TocSession {
    number: u8,
    tracks: Vec<(u8, i64, u8)>,
    lead_out: i64,
}

fn toc_sessions(m: &Medium) -> Vec<TocSession> {
    match m.family() {
        Family::Overwritable => {
            if m.formatted_blocks().is_none() {
                return Vec::new();
            }
            vec![TocSession {
                number: 1,
                tracks: vec![(1, 0, 4)],
                lead_out: i64::from(m.last_lba()) + 1,
            }]
        }
        _ => m
            .sessions()
            .iter()
            .filter(|s| s.state == SessionState::Complete)
            .map(|s| TocSession {
                number: s.number as u8,
                tracks: m
                    .tracks()
                    .iter()
                    .filter(|t| t.session == s.number && t.state == TrackState::Complete)
                    .map(|t| {
                        (
                            t.number as u8,
                            t.start,
                            if t.content == TrackContent::Data {
                                4
                            } else {
                                0
                            },
                        )
                    })
                    .collect(),
                lead_out: s.lead_out.unwrap_or(0),
            })
            .collect(),
    }
}

fn address(lba: i64, msf: bool) -> Result<TocAddress, SenseCode> {
    if !msf {
        return Ok(TocAddress::Lba(lba as i32));
    }
    lba_to_msf(lba as i32)
        .map(TocAddress::Msf)
        .ok_or(SenseCode::INVALID_FIELD_IN_CDB)
}

fn msf_of(lba: i64) -> Msf {
    lba_to_msf(lba as i32).unwrap_or(Msf {
        m: 0xFF,
        s: 0xFF,
        f: 0xFF,
    })
}

/// READ TOC/PMA/ATIP (MMC-6 §6.32) in `format` (0 formatted, 1 multisession,
/// 2 raw, 3 PMA, 4 ATIP, 5 CD-TEXT). A disc without a closed session has no
/// TOC (05/24/00); raw TOC, PMA, ATIP and CD-TEXT exist on CD only.
pub(crate) fn toc(
    m: &Medium,
    format: u8,
    msf: bool,
    track_session: u8,
) -> Result<Vec<u8>, SenseCode> {
    let cd = m.kind().is_cd();
    let sessions = toc_sessions(m);
    let no_toc = SenseCode::INVALID_FIELD_IN_CDB;
    match format {
        0 => {
            if sessions.is_empty() {
                return Err(no_toc);
            }
            let first = sessions[0].tracks.first().map(|t| t.0).unwrap_or(1);
            let last = sessions
                .iter()
                .flat_map(|s| s.tracks.iter())
                .map(|t| t.0)
                .max()
                .unwrap_or(first);
            if track_session != LEAD_OUT_TRACK && track_session > last {
                return Err(no_toc);
            }
            let mut entries = Vec::new();
            if track_session != LEAD_OUT_TRACK {
                for s in &sessions {
                    for &(n, start, control) in &s.tracks {
                        if n >= track_session {
                            entries.push(TocEntry {
                                adr: 1,
                                control,
                                track: n,
                                address: address(start, msf)?,
                            });
                        }
                    }
                }
            }
            let lead_out = sessions.last().map(|s| s.lead_out).unwrap_or(0);
            let control = sessions
                .last()
                .and_then(|s| s.tracks.last())
                .map(|t| t.2)
                .unwrap_or(4);
            entries.push(TocEntry {
                adr: 1,
                control,
                track: LEAD_OUT_TRACK,
                address: address(lead_out, msf)?,
            });
            Ok(FormattedToc {
                first_track: first,
                last_track: last,
                entries,
            }
            .encode())
        }
        1 => {
            let Some(last) = sessions.last() else {
                return Err(no_toc);
            };
            let (tno, start, control) = last.tracks.first().copied().unwrap_or((1, 0, 4));
            Ok(MultisessionInfo {
                first_session: 1,
                last_session: last.number,
                adr: 1,
                control,
                first_track_last_session: tno,
                start: address(start, msf)?,
            }
            .encode())
        }
        2 if cd => {
            if sessions.is_empty() {
                return Err(no_toc);
            }
            let entry =
                |session: u8, adr: u8, control: u8, pt: u8, time: Msf, pointer: Msf| RawTocEntry {
                    session,
                    adr,
                    control,
                    tno: 0,
                    point: pt,
                    time,
                    zero: 0,
                    pointer,
                };
            let zero = Msf::default();
            let mut entries = Vec::new();
            let last_number = sessions.last().map(|s| s.number).unwrap_or(1);
            // The Session Number field names the first session returned (0
            // asks for all, like 1); past the last complete one, nothing.
            let from = track_session.max(1);
            if from > last_number {
                return Err(no_toc);
            }
            for s in sessions.iter().filter(|s| s.number >= from) {
                let first = s.tracks.first().copied().unwrap_or((1, 0, 4));
                let lastt = s.tracks.last().copied().unwrap_or(first);
                entries.push(entry(
                    s.number,
                    1,
                    first.2,
                    point::FIRST_TRACK,
                    zero,
                    Msf {
                        m: first.0,
                        s: 0,
                        f: 0,
                    },
                ));
                entries.push(entry(
                    s.number,
                    1,
                    lastt.2,
                    point::LAST_TRACK,
                    zero,
                    Msf {
                        m: lastt.0,
                        s: 0,
                        f: 0,
                    },
                ));
                entries.push(entry(
                    s.number,
                    1,
                    lastt.2,
                    point::LEAD_OUT,
                    zero,
                    msf_of(s.lead_out),
                ));
                for &(n, start, control) in &s.tracks {
                    entries.push(entry(s.number, 1, control, n, zero, msf_of(start)));
                }
                let next = m
                    .sessions()
                    .iter()
                    .find(|x| u32::from(s.number) + 1 == x.number)
                    .and_then(|x| m.tracks().iter().find(|t| t.session == x.number))
                    .map(|t| t.start);
                if let Some(next) = next {
                    entries.push(entry(
                        s.number,
                        5,
                        first.2,
                        point::NEXT_PROGRAM_AREA,
                        msf_of(next),
                        msf_of(m.sequential_end()),
                    ));
                } else if s.number == last_number && m.is_finalized() {
                    // Multi-session field 00b: no B0 pointer at all.
                }
                if s.number == 1 {
                    entries.push(entry(
                        1,
                        5,
                        first.2,
                        point::FIRST_LEAD_IN,
                        zero,
                        msf_of(CD_ATIP_LEAD_IN),
                    ));
                }
            }
            Ok(RawToc {
                first_session: 1,
                last_session: last_number,
                entries,
            }
            .encode())
        }
        3 if cd => {
            let entries = m
                .tracks()
                .iter()
                .filter(|t| t.state != TrackState::Invisible || t.recorded > 0)
                .map(|t| RawTocEntry {
                    session: 0,
                    adr: 1,
                    control: if t.content == TrackContent::Data {
                        4
                    } else {
                        0
                    },
                    tno: 0,
                    point: t.number as u8,
                    time: msf_of(t.end()),
                    zero: 0,
                    pointer: msf_of(t.start),
                })
                .collect();
            Ok(RawToc {
                first_session: 0,
                last_session: 0,
                entries,
            }
            .encode())
        }
        4 if cd && !m.kind().is_rom() => Ok(Atip {
            writing_power: 5,
            ddcd: false,
            reference_speed: 2,
            uru: true,
            cd_rw: m.kind() == MediaKind::CdRw,
            disc_subtype: 0,
            a1_valid: false,
            a2_valid: false,
            a3_valid: false,
            lead_in_start: msf_of(CD_ATIP_LEAD_IN),
            last_lead_out_start: msf_of(m.sequential_end()),
            a1: [0; 3],
            a2: [0; 3],
            a3: [0; 3],
            s4: [0; 3],
        }
        .encode()),
        5 if cd => Ok(vec![0, 2, 0, 0]),
        _ => Err(SenseCode::INVALID_FIELD_IN_CDB),
    }
}

/// READ FORMAT CAPACITIES (MMC-6 §6.24); without a medium, descriptor type
/// 11b with the largest capacity the drive can format.
pub(crate) fn format_capacities(m: Option<&Medium>, p: Personality) -> FormatCapacities {
    let Some(m) = m else {
        let max = match p {
            Personality::BdWriter => MediaKind::BdRe.default_capacity(),
            Personality::DvdWriter => MediaKind::DvdPlusRw.default_capacity(),
            _ => MediaKind::CdRw.default_capacity(),
        };
        return FormatCapacities {
            current: CurrentCapacity {
                blocks: max,
                descriptor_type: CapacityDescriptorType::NoMedia,
                block_length: 2048,
            },
            formattable: Vec::new(),
        };
    };
    let fc = m.format_capacities();
    FormatCapacities {
        current: CurrentCapacity {
            blocks: fc.current.blocks,
            descriptor_type: CapacityDescriptorType::from_bits(fc.current.kind),
            block_length: fc.current.param,
        },
        formattable: fc
            .formattable
            .iter()
            .map(|d| FormattableDescriptor {
                blocks: d.blocks,
                format_type: FormatType(d.kind),
                type_parameter: d.param,
            })
            .collect(),
    }
}

/// Drive serial number (feature 0108h, VPD page 80h).
pub(crate) fn serial(p: Personality) -> String {
    format!("EMU{:04X}", p.name().len() * 0x101)
}

/// Every feature the drive reports, with Current bits for the medium
/// (MMC-6 §5.3; mmc-notes §1.3), in feature-code order.
pub(crate) fn features(d: &DriveState, m: Option<&Medium>) -> Vec<FeatureDescriptor> {
    let p = d.personality;
    let kind = m.map(Medium::kind);
    let family = m.map(Medium::family);
    let writable = m.is_some_and(|m| !m.write_protected() && !m.is_finalized());
    let is = |k: MediaKind| kind == Some(k);
    let cd = kind.is_some_and(MediaKind::is_cd);
    let dvd = kind.is_some_and(MediaKind::is_dvd);
    let bd = kind.is_some_and(MediaKind::is_bd);
    let dvd_drive = matches!(p, Personality::DvdWriter | Personality::BdWriter);
    let bd_drive = p == Personality::BdWriter;
    let readable = m.is_some_and(|m| match m.family() {
        Family::Overwritable => m.formatted_blocks().is_some(),
        Family::Rom => true,
        _ => m.disc_status() != DiscStatus::Blank,
    });
    let unit = kind.map(MediaKind::write_unit).unwrap_or(1) as u16;
    let current_profile = m.map(Medium::profile).unwrap_or(0);
    let f = |body: FeatureBody, version: u8, persistent: bool, current: bool| {
        FeatureDescriptor::new(body, version, persistent, current || persistent)
    };
    let mut out = vec![
        f(
            FeatureBody::ProfileList(
                p.profiles()
                    .into_iter()
                    .map(|code| ProfileEntry {
                        profile: Profile::from_code(code),
                        current: code == current_profile,
                    })
                    .collect(),
            ),
            0,
            true,
            true,
        ),
        f(
            FeatureBody::Core {
                interface: 2,
                inq2: true,
                dbe: true,
            },
            2,
            true,
            true,
        ),
        f(
            FeatureBody::Morphing {
                oc_event: true,
                asynchronous: false,
            },
            1,
            true,
            true,
        ),
        f(
            FeatureBody::RemovableMedium {
                mechanism: LoadingMechanism::Tray,
                load: true,
                eject: true,
                prevent_jumper: false,
                dbml: false,
                lock: true,
            },
            2,
            true,
            true,
        ),
    ];
    if dvd_drive {
        out.push(f(
            FeatureBody::WriteProtect {
                dwp: false,
                wdcb: false,
                spwp: true,
                sswpp: true,
            },
            0,
            false,
            m.is_some_and(|m| m.write_protected() || m.kind() == MediaKind::DvdRam),
        ));
    }
    out.push(f(
        FeatureBody::RandomReadable {
            block_size: 2048,
            blocking: unit,
            pp: true,
        },
        0,
        false,
        readable,
    ));
    out.push(f(FeatureBody::MultiRead, 0, false, cd));
    out.push(f(
        FeatureBody::CdRead {
            dap: true,
            c2_flags: true,
            cd_text: true,
        },
        2,
        false,
        cd,
    ));
    if dvd_drive {
        out.push(f(
            FeatureBody::DvdRead {
                multi110: true,
                dual_rw: false,
                dual_r: true,
            },
            1,
            false,
            dvd,
        ));
        let (last_lba, current) = match m {
            Some(m) if m.family() == Family::Overwritable && writable => match m.formatted_blocks()
            {
                Some(b) => (b.saturating_sub(1), true),
                None => (0, false),
            },
            _ => (0, false),
        };
        out.push(f(
            FeatureBody::RandomWritable {
                last_lba,
                block_size: 2048,
                blocking: unit,
                pp: true,
            },
            0,
            false,
            current,
        ));
    }
    let incremental = writable
        && m.is_some_and(|m| {
            matches!(m.family(), Family::Cd | Family::DvdMinus) && m.incremental_allowed()
        });
    out.push(f(
        FeatureBody::IncrementalStreamingWritable {
            data_block_types: if dvd { 0x0100 } else { 0x3F0F },
            trio: false,
            arsv: false,
            buf: true,
            link_sizes: if dvd { vec![16] } else { vec![7] },
        },
        1,
        false,
        incremental,
    ));
    if dvd_drive {
        let formattable = writable
            && match kind {
                Some(
                    MediaKind::DvdPlusRw
                    | MediaKind::DvdMinusRw
                    | MediaKind::DvdRam
                    | MediaKind::BdRe,
                ) => true,
                Some(MediaKind::BdR) => m.is_some_and(|m| {
                    m.disc_status() == DiscStatus::Blank
                        && m.format_state() == FormatState::Unformatted
                }),
                _ => false,
            };
        out.push(f(
            FeatureBody::Formattable {
                renosa: false,
                expand: false,
                qcert: true,
                cert: true,
                rrm: false,
            },
            0,
            false,
            formattable,
        ));
        out.push(f(
            FeatureBody::HardwareDefectManagement { ssa: true },
            0,
            false,
            (is(MediaKind::DvdRam) || is(MediaKind::BdRe))
                && m.and_then(Medium::formatted_blocks).is_some(),
        ));
    }
    out.push(f(
        FeatureBody::CdRwCavWrite,
        0,
        false,
        is(MediaKind::CdRw) && writable,
    ));
    if dvd_drive {
        out.push(f(
            FeatureBody::DvdPlusRw {
                write: true,
                quick_start: true,
                close_only: false,
            },
            0,
            false,
            is(MediaKind::DvdPlusRw),
        ));
        out.push(f(
            FeatureBody::DvdPlusR { write: true },
            0,
            false,
            is(MediaKind::DvdPlusR),
        ));
        out.push(f(
            FeatureBody::RigidRestrictedOverwrite {
                dsdg: true,
                dsdr: true,
                intermediate: true,
                blank: true,
            },
            0,
            false,
            m.is_some_and(|m| m.profile() == 0x0013),
        ));
    }
    let cd_writable = cd && writable && !kind.is_some_and(MediaKind::is_rom);
    out.push(f(
        FeatureBody::CdTrackAtOnce {
            buf: true,
            rw_raw: true,
            rw_pack: true,
            test_write: true,
            cd_rw: true,
            rw_subcode: true,
            data_types: 0x3F0F,
        },
        2,
        false,
        cd_writable,
    ));
    out.push(f(
        FeatureBody::CdMastering {
            buf: true,
            sao: true,
            raw_ms: true,
            raw: true,
            test_write: true,
            cd_rw: true,
            rw: true,
            max_cue_sheet_length: 4096,
        },
        1,
        false,
        cd_writable
            && m.is_some_and(|m| m.disc_status() == DiscStatus::Blank || m.sao_layout().is_some()),
    ));
    if dvd_drive {
        out.push(f(
            FeatureBody::DvdMinusRWrite {
                buf: true,
                rdl: true,
                test_write: true,
                dvd_rw: true,
            },
            2,
            false,
            writable && family == Some(Family::DvdMinus),
        ));
    }
    out.push(f(
        FeatureBody::CdRwMediaWriteSupport { subtypes: 0x02 },
        0,
        false,
        is(MediaKind::CdRw) && writable,
    ));
    if dvd_drive {
        out.push(f(
            FeatureBody::DvdPlusRDl { write: true },
            0,
            false,
            is(MediaKind::DvdPlusRDl),
        ));
    }
    if bd_drive {
        out.push(f(
            FeatureBody::BdRead {
                re: [0x0007, 0, 0, 0],
                r: [0x0007, 0, 0, 0],
                rom: [0x0007, 0, 0, 0],
            },
            0,
            false,
            bd,
        ));
        out.push(f(
            FeatureBody::BdWrite {
                svnr: false,
                re: [0x0007, 0, 0, 0],
                r: [0x0007, 0, 0, 0],
            },
            0,
            false,
            bd && writable && !kind.is_some_and(MediaKind::is_rom),
        ));
    }
    out.push(f(FeatureBody::PowerManagement, 0, true, true));
    out.push(f(
        FeatureBody::Timeout {
            group3: false,
            unit_length: 0,
        },
        0,
        true,
        true,
    ));
    out.push(f(
        FeatureBody::RealTimeStreaming {
            rbcb: true,
            scs: true,
            mp2a: true,
            wspd: true,
            sw: true,
        },
        5,
        false,
        m.is_some(),
    ));
    out.push(f(FeatureBody::DriveSerialNumber(serial(p)), 0, true, true));
    out.push(f(
        FeatureBody::FirmwareInformation {
            date: *b"20250101000000",
        },
        0,
        true,
        true,
    ));
    out
}

/// GET CONFIGURATION reply for request type `rt` starting at feature `start`
/// (MMC-6 §6.6.2.1): RT 00b every feature from `start`, 01b the current ones,
/// 10b only `start`.
pub(crate) fn configuration(
    d: &DriveState,
    m: Option<&Medium>,
    rt: ConfigurationRequest,
    start: u16,
) -> Result<Configuration, SenseCode> {
    let all = features(d, m);
    let features = match rt {
        ConfigurationRequest::All => all.into_iter().filter(|f| f.code() >= start).collect(),
        ConfigurationRequest::Current => all
            .into_iter()
            .filter(|f| f.code() >= start && f.current)
            .collect(),
        ConfigurationRequest::One => all.into_iter().filter(|f| f.code() == start).collect(),
        ConfigurationRequest::Reserved => return Err(SenseCode::INVALID_FIELD_IN_CDB),
    };
    Ok(Configuration {
        current_profile: Profile::from_code(m.map(Medium::profile).unwrap_or(0)),
        features,
        truncated: false,
    })
}

/// GET PERFORMANCE type 03h: one write speed descriptor per speed of the
/// medium, fastest first (MMC-6 §6.8.2.8). The list is always complete: the
/// caller cuts the encoded reply to the Maximum Number of Descriptors, so the
/// header still announces every descriptor (growisofs asks for one, reads the
/// count from the header length, then asks for all; mmc-notes §1.2).
pub(crate) fn write_speed_list(d: &DriveState, m: &Medium) -> WriteSpeedList {
    let p = d.personality;
    let end = m.capacity().saturating_sub(1);
    let read = p.max_read_speed(m.kind());
    WriteSpeedList {
        descriptors: p
            .write_speeds(m.kind())
            .into_iter()
            .map(|s| WriteSpeedDescriptor {
                wrc: RotationControl::Clv,
                rdd: false,
                exact: true,
                mrw: false,
                end_lba: end,
                read_speed: read,
                write_speed: s,
            })
            .collect(),
    }
}

/// GET PERFORMANCE type 00h: nominal performance (one descriptor spanning
/// the medium at the selected speed) or an empty exception list.
pub(crate) fn performance(d: &DriveState, m: &Medium, data_type: u8) -> PerformanceData {
    let write = data_type & 0x04 != 0;
    let except = data_type & 0x03;
    if except != 0 {
        return PerformanceData {
            write,
            list: PerformanceList::Exceptions(Vec::new()),
        };
    }
    let p = d.personality;
    let speed = if write {
        d.current_write_speed(&p.write_speeds(m.kind()))
    } else {
        d.read_speed.unwrap_or_else(|| p.max_read_speed(m.kind()))
    };
    let end = m.capacity().saturating_sub(1);
    PerformanceData {
        write,
        list: PerformanceList::Nominal(vec![NominalPerformance {
            start_lba: 0,
            start_performance: speed,
            end_lba: end,
            end_performance: speed,
        }]),
    }
}

fn dvd_book_type(kind: MediaKind) -> u8 {
    match kind {
        MediaKind::DvdRom => 0,
        MediaKind::DvdRam => 1,
        MediaKind::DvdMinusR | MediaKind::DvdMinusRDl => 2,
        MediaKind::DvdMinusRw => 3,
        MediaKind::DvdPlusRw => 9,
        MediaKind::DvdPlusR => 0x0A,
        MediaKind::DvdPlusRDl => 0x0E,
        _ => 0,
    }
}

/// READ DISC STRUCTURE (MMC-6 §6.21) for `media_type` (0 DVD, 1 BD) and
/// `format`.
pub(crate) fn disc_structure(
    m: &Medium,
    media_type: u8,
    format: u8,
    layer: u8,
) -> Result<DiscStructure, SenseCode> {
    let kind = m.kind();
    let incompatible = SenseCode::CANNOT_READ_MEDIUM;
    let list = |formats: &[(u8, bool, u16)]| {
        DiscStructure::List(
            formats
                .iter()
                .map(|&(format, sds, length)| StructureListEntry {
                    format,
                    sds,
                    rds: true,
                    length,
                })
                .collect(),
        )
    };
    match (media_type & 0x0F, format) {
        (_, 0xC0) => Ok(DiscStructure::WriteProtection(WriteProtectionStatus {
            mswi: kind.is_rom(),
            cwp: false,
            pwp: false,
            swpp: m.write_protected() && !kind.is_rom(),
        })),
        (0, 0xFF) if kind.is_dvd() => {
            let mut f = vec![
                (0x00, false, 2052),
                (0xC0, kind == MediaKind::DvdRam, 8),
                (0xFF, false, 0xFFFF),
            ];
            if kind.is_dual_layer() {
                f.insert(1, (0x20, true, 12));
            }
            Ok(list(&f))
        }
        (1, 0xFF) if kind.is_bd() => Ok(list(&[
            (0x00, false, 4100),
            (0x0A, false, 16),
            (0xC0, false, 8),
            (0xFF, false, 0xFFFF),
        ])),
        (0, 0x00) if kind.is_dvd() => {
            let dl = kind.is_dual_layer();
            if layer > u8::from(dl) {
                return Err(SenseCode::INVALID_FIELD_IN_CDB);
            }
            let start = 0x030000u32;
            let end_lba = m.capacity();
            let l0 = m.layer_break().map(|l| l.l0_capacity).unwrap_or(end_lba);
            Ok(DiscStructure::DvdPhysical(DvdPhysicalFormat {
                book_type: dvd_book_type(kind),
                part_version: 1,
                disc_size: 0,
                maximum_rate: 0x0F,
                layers_minus_one: u8::from(dl),
                opposite_track_path: dl,
                layer_type: match kind {
                    MediaKind::DvdRom => 1,
                    MediaKind::DvdRam | MediaKind::DvdMinusRw | MediaKind::DvdPlusRw => 4,
                    _ => 2,
                },
                linear_density: 0,
                track_density: 0,
                data_start: start,
                // Opposite track path: layer 1 sector numbers are the complement
                // of the layer 0 ones, so the data area ends at the complement
                // of the last layer 0 sector (ECMA-267 §3.3.2.1).
                data_end: if dl {
                    !(start + l0 - 1) & 0x00FF_FFFF
                } else {
                    start + end_lba - 1
                },
                layer0_end: if dl { start + l0 - 1 } else { 0 },
                bca: false,
                media_specific: vec![0; 2031],
            }))
        }
        (0, 0x20) if kind.is_dual_layer() => {
            let l = m.layer_break().unwrap_or(crate::media::LayerBreak {
                l0_capacity: m.capacity() / 2,
                fixed: false,
            });
            Ok(DiscStructure::LayerBoundary(LayerBoundary {
                init_status: l.fixed,
                l0_capacity: l.l0_capacity,
            }))
        }
        (1, 0x00) if kind.is_bd() => {
            let mut di = vec![0u8; 112];
            di[0..2].copy_from_slice(b"DI");
            di[2] = 1; // DI format
            di[3] = 0x08; // one unit in this block, continuation count
            di[8..11].copy_from_slice(match kind {
                MediaKind::BdR => b"BDR",
                MediaKind::BdRe => b"BDW",
                _ => b"BDO",
            });
            di[11] = 0x11; // 120 mm, class 0, version 1
            di[12] = 0x10; // one layer
            Ok(DiscStructure::BdDiscInformation(BdDiscInformation {
                data: di,
            }))
        }
        (1, 0x0A) if kind.is_bd() => {
            let spare = match m.format_state() {
                FormatState::Formatted { blocks } => m.capacity().saturating_sub(blocks),
                _ => 0,
            };
            let mut data = vec![0u8; 12];
            data[4..8].copy_from_slice(&spare.to_be_bytes());
            data[8..12].copy_from_slice(&spare.to_be_bytes());
            Ok(DiscStructure::Raw {
                media_type: 1,
                format: 0x0A,
                data,
            })
        }
        (0, _) if !kind.is_dvd() => Err(incompatible),
        (1, _) if !kind.is_bd() => Err(incompatible),
        _ => Err(SenseCode::INVALID_FIELD_IN_CDB),
    }
}

/// Codes of the pages MODE SENSE returns.
pub(crate) const MODE_PAGES: [u8; 3] = [0x01, 0x05, 0x2A];

/// The mode pages for `code` (3Fh: all) with page control `pc`. Changeable
/// values are masks: page 05h and page 01h retry counts can be changed,
/// page 2Ah cannot. Saved values are not supported (05/39/00).
pub(crate) fn mode_pages(
    d: &DriveState,
    m: Option<&Medium>,
    code: u8,
    pc: PageControl,
) -> Result<Vec<ModePage>, SenseCode> {
    let codes: Vec<u8> = match code {
        0x3F => MODE_PAGES.to_vec(),
        c if MODE_PAGES.contains(&c) => vec![c],
        _ => return Err(SenseCode::INVALID_FIELD_IN_CDB),
    };
    if pc == PageControl::Saved {
        return Err(SenseCode::new(0x05, 0x39, 0x00));
    }
    let mmc1 = d.personality == Personality::Mmc1CdWriter;
    let mut out = Vec::new();
    for c in codes {
        let page = match c {
            0x01 => {
                let mut p = match pc {
                    PageControl::Default => imapi2_mmc::mode::ErrorRecoveryPage {
                        read_retry_count: 3,
                        write_retry_count: 3,
                        ..Default::default()
                    },
                    _ => d.error_recovery.clone(),
                };
                p.ps = true;
                ModePage::ErrorRecovery(p)
            }
            0x05 => {
                let mut p = match pc {
                    PageControl::Default => WriteParametersPage::default(),
                    _ => d.write_parameters.clone(),
                };
                p.ps = true;
                ModePage::WriteParameters(p)
            }
            _ => {
                let page = ModePage::Capabilities(d.capabilities_page(m.map(Medium::kind)));
                if mmc1 {
                    // An MMC-1 drive's page 2Ah stops at byte 19 (page length 12h):
                    // no write speed descriptors.
                    let bytes = page.encode();
                    ModePage::Raw(RawModePage {
                        ps: true,
                        code: 0x2A,
                        subpage: None,
                        data: bytes[2..20].to_vec(),
                    })
                } else {
                    page
                }
            }
        };
        let page = if pc == PageControl::Changeable {
            let bytes = page.encode();
            let fill = match c {
                0x05 => 0xFF,
                0x01 => 0x00,
                _ => 0x00,
            };
            let mut data = vec![fill; bytes.len() - 2];
            if c == 0x01 {
                // Read and write retry counts (page bytes 3 and 8).
                data[1] = 0xFF;
                data[6] = 0xFF;
            }
            ModePage::Raw(RawModePage {
                ps: true,
                code: c,
                subpage: None,
                data,
            })
        } else {
            page
        };
        out.push(page);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn features_follow_the_medium() {
        let d = DriveState::power_on(Personality::BdWriter);
        let m = Medium::new(MediaKind::DvdPlusRw);
        let fs = features(&d, Some(&m));
        assert!(fs.windows(2).all(|w| w[0].code() < w[1].code()));
        let cur = |c: u16| fs.iter().find(|f| f.code() == c).map(|f| f.current);
        assert_eq!(cur(0x002A), Some(true));
        assert_eq!(
            cur(0x0020),
            Some(false),
            "unformatted DVD+RW is not random writable"
        );
        assert_eq!(cur(0x0023), Some(true));
        assert_eq!(cur(0x002B), Some(false));
        let none = features(&d, None);
        assert!(none.iter().filter(|f| f.current).all(|f| f.persistent));
    }

    #[test]
    fn blank_media_have_no_toc() {
        let m = Medium::new(MediaKind::CdR);
        assert_eq!(toc(&m, 0, false, 0), Err(SenseCode::INVALID_FIELD_IN_CDB));
        let atip = Atip::decode(&toc(&m, 4, false, 0).unwrap()).unwrap();
        assert_eq!(
            atip.lead_in_start,
            Msf {
                m: 97,
                s: 26,
                f: 66
            }
        );
        assert_eq!(
            atip.last_lead_out_start,
            Msf {
                m: 79,
                s: 59,
                f: 74
            }
        );
        let rom = Medium::pressed(MediaKind::DvdRom, 1000);
        let t = FormattedToc::decode(&toc(&rom, 0, false, 0).unwrap(), false).unwrap();
        assert_eq!(t.entries.len(), 2);
        assert_eq!(t.lead_out().unwrap().address, TocAddress::Lba(1000));
    }
}
