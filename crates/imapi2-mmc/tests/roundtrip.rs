//! Property tests for every codec: encode then decode is the identity on
//! values the encoder can represent; decoding arbitrary bytes never panics;
//! and what a decoder accepts re-encodes to bytes it decodes the same way.

use imapi2_mmc::capacity::{BufferCapacity, Capacity, MechanismStatus, SlotEntry};
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
use imapi2_mmc::sense::{FieldPointer, Sense, SenseKey};
use imapi2_mmc::streaming::StreamingPerformance;
use imapi2_mmc::toc::*;
use imapi2_mmc::track_info::*;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::strategy::Union;

// ---------------------------------------------------------------- helpers

fn bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    vec(any::<u8>(), 0..max)
}

fn u24() -> impl Strategy<Value = u32> {
    0u32..(1 << 24)
}

fn msf() -> impl Strategy<Value = Msf> {
    (any::<u8>(), any::<u8>(), any::<u8>()).prop_map(|(m, s, f)| Msf { m, s, f })
}

fn rotation2() -> impl Strategy<Value = RotationControl> {
    (0u8..4).prop_map(RotationControl::from_bits)
}

fn profile() -> impl Strategy<Value = Profile> {
    any::<u16>().prop_map(Profile::from_code)
}

/// Printable ASCII without leading or trailing spaces, at most `max` chars.
fn ascii_text(max: usize) -> BoxedStrategy<String> {
    if max < 2 {
        return prop_oneof![Just(String::new()), "[A-Za-z0-9]"].boxed();
    }
    let re = format!("[A-Za-z0-9][A-Za-z0-9 .+-]{{0,{}}}[A-Za-z0-9]", max - 2);
    let long = proptest::string::string_regex(&re).expect("valid regex");
    prop_oneof![Just(String::new()), "[A-Za-z0-9]", long].boxed()
}

// ---------------------------------------------------------------- CDBs

fn command() -> impl Strategy<Value = Command> {
    let page_control = || (0u8..4).prop_map(PageControl::from_bits);
    Union::new(vec![
        Just(Command::TestUnitReady).boxed(),
        Just(Command::ReadCapacity).boxed(),
        (any::<bool>(), any::<u8>())
            .prop_map(|(descriptor, allocation_length)| Command::RequestSense {
                descriptor,
                allocation_length,
            })
            .boxed(),
        (any::<bool>(), any::<bool>(), 0u8..8)
            .prop_map(|(fmt_data, cmp_list, format_code)| Command::FormatUnit {
                fmt_data,
                cmp_list,
                format_code,
            })
            .boxed(),
        (0u32..(1 << 21), any::<u8>())
            .prop_map(|(lba, transfer_length)| Command::Read6 {
                lba,
                transfer_length,
            })
            .boxed(),
        (any::<bool>(), any::<u8>(), any::<u16>())
            .prop_map(|(evpd, page_code, allocation_length)| Command::Inquiry {
                evpd,
                page_code,
                allocation_length,
            })
            .boxed(),
        (any::<bool>(), any::<bool>(), any::<u8>())
            .prop_map(|(pf, sp, parameter_length)| Command::ModeSelect6 {
                pf,
                sp,
                parameter_length,
            })
            .boxed(),
        (
            any::<bool>(),
            page_control(),
            0u8..64,
            any::<u8>(),
            any::<u8>(),
        )
            .prop_map(
                |(dbd, page_control, page_code, subpage, allocation_length)| Command::ModeSense6 {
                    dbd,
                    page_control,
                    page_code,
                    subpage,
                    allocation_length,
                },
            )
            .boxed(),
        (
            any::<bool>(),
            0u8..4,
            0u8..16,
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
        )
            .prop_map(
                |(immed, format_layer, power_condition, fl, load_eject, start)| {
                    Command::StartStopUnit {
                        immed,
                        format_layer,
                        power_condition,
                        fl,
                        load_eject,
                        start,
                    }
                },
            )
            .boxed(),
        (any::<bool>(), any::<bool>())
            .prop_map(|(persistent, prevent)| Command::PreventAllowMediumRemoval {
                persistent,
                prevent,
            })
            .boxed(),
        any::<u16>()
            .prop_map(|allocation_length| Command::ReadFormatCapacities { allocation_length })
            .boxed(),
        (any::<bool>(), any::<bool>(), any::<u32>(), any::<u16>())
            .prop_map(|(dpo, fua, lba, transfer_length)| Command::Read10 {
                dpo,
                fua,
                lba,
                transfer_length,
            })
            .boxed(),
        (
            any::<bool>(),
            any::<bool>(),
            any::<u32>(),
            any::<u32>(),
            any::<bool>(),
        )
            .prop_map(
                |(dpo, fua, lba, transfer_length, streaming)| Command::Read12 {
                    dpo,
                    fua,
                    lba,
                    transfer_length,
                    streaming,
                },
            )
            .boxed(),
        (any::<bool>(), any::<bool>(), any::<i32>(), any::<u16>())
            .prop_map(|(dpo, fua, lba, transfer_length)| Command::Write10 {
                dpo,
                fua,
                lba,
                transfer_length,
            })
            .boxed(),
        (
            any::<bool>(),
            any::<bool>(),
            any::<i32>(),
            any::<u32>(),
            any::<bool>(),
        )
            .prop_map(
                |(dpo, fua, lba, transfer_length, streaming)| Command::Write12 {
                    dpo,
                    fua,
                    lba,
                    transfer_length,
                    streaming,
                },
            )
            .boxed(),
        (any::<bool>(), any::<i32>(), any::<u16>())
            .prop_map(|(bytchk, lba, transfer_length)| Command::WriteAndVerify10 {
                bytchk,
                lba,
                transfer_length,
            })
            .boxed(),
        (any::<bool>(), any::<i32>(), any::<u16>())
            .prop_map(|(bytchk, lba, verification_length)| Command::Verify10 {
                bytchk,
                lba,
                verification_length,
            })
            .boxed(),
        (any::<bool>(), any::<u32>(), any::<u16>())
            .prop_map(|(immed, lba, blocks)| Command::SynchronizeCache { immed, lba, blocks })
            .boxed(),
        (any::<bool>(), any::<u8>(), any::<u8>(), any::<u16>())
            .prop_map(
                |(msf, f, track_session, allocation_length)| Command::ReadToc {
                    msf,
                    format: TocFormat::from_bits(f),
                    track_session,
                    allocation_length,
                },
            )
            .boxed(),
        (any::<u8>(), any::<u16>(), any::<u16>())
            .prop_map(
                |(rt, starting_feature, allocation_length)| Command::GetConfiguration {
                    request: ConfigurationRequest::from_bits(rt),
                    starting_feature,
                    allocation_length,
                },
            )
            .boxed(),
        (any::<bool>(), any::<u8>(), any::<u16>())
            .prop_map(|(polled, class_request, allocation_length)| {
                Command::GetEventStatusNotification {
                    polled,
                    class_request,
                    allocation_length,
                }
            })
            .boxed(),
        (any::<u8>(), any::<u16>())
            .prop_map(|(t, allocation_length)| Command::ReadDiscInformation {
                data_type: DiscInformationType::from_bits(t),
                allocation_length,
            })
            .boxed(),
        (any::<bool>(), any::<u8>(), any::<u32>(), any::<u16>())
            .prop_map(
                |(open, t, number, allocation_length)| Command::ReadTrackInformation {
                    open,
                    address_type: TrackAddressType::from_bits(t),
                    number,
                    allocation_length,
                },
            )
            .boxed(),
        (any::<bool>(), any::<bool>(), any::<u32>())
            .prop_map(|(rmz, lba, v)| Command::ReserveTrack {
                rmz,
                reservation: if lba {
                    TrackReservation::Lba(v)
                } else {
                    TrackReservation::Size(v)
                },
            })
            .boxed(),
        (any::<bool>(), any::<bool>(), any::<bool>(), any::<u16>())
            .prop_map(|(do_opc, exclude0, exclude1, parameter_length)| {
                Command::SendOpcInformation {
                    do_opc,
                    exclude0,
                    exclude1,
                    parameter_length,
                }
            })
            .boxed(),
        (any::<bool>(), any::<bool>(), any::<u16>())
            .prop_map(|(pf, sp, parameter_length)| Command::ModeSelect10 {
                pf,
                sp,
                parameter_length,
            })
            .boxed(),
        (
            any::<bool>(),
            any::<bool>(),
            page_control(),
            0u8..64,
            any::<u8>(),
            any::<u16>(),
        )
            .prop_map(
                |(llbaa, dbd, page_control, page_code, subpage, allocation_length)| {
                    Command::ModeSense10 {
                        llbaa,
                        dbd,
                        page_control,
                        page_code,
                        subpage,
                        allocation_length,
                    }
                },
            )
            .boxed(),
        (any::<bool>(), any::<u8>(), any::<u16>())
            .prop_map(|(immed, f, number)| Command::CloseTrackSession {
                immed,
                function: CloseFunction::from_bits(f),
                number,
            })
            .boxed(),
        (any::<bool>(), any::<u16>())
            .prop_map(|(block, allocation_length)| Command::ReadBufferCapacity {
                block,
                allocation_length,
            })
            .boxed(),
        u24()
            .prop_map(|size| Command::SendCueSheet { size })
            .boxed(),
        (any::<bool>(), any::<u8>(), any::<u32>())
            .prop_map(|(immed, t, address)| Command::Blank {
                immed,
                blank_type: BlankType::from_bits(t),
                address,
            })
            .boxed(),
        (0u8..32, any::<u32>(), any::<u16>(), any::<u8>())
            .prop_map(
                |(data_type, start_lba, max_descriptors, t)| Command::GetPerformance {
                    data_type,
                    start_lba,
                    max_descriptors,
                    performance_type: PerformanceType::from_u8(t),
                },
            )
            .boxed(),
        (
            0u8..16,
            any::<u32>(),
            any::<u8>(),
            any::<u8>(),
            any::<u16>(),
            0u8..4,
        )
            .prop_map(
                |(media_type, address, layer, format, allocation_length, agid)| {
                    Command::ReadDiscStructure {
                        media_type,
                        address,
                        layer,
                        format,
                        allocation_length,
                        agid,
                    }
                },
            )
            .boxed(),
        (any::<u8>(), any::<u16>())
            .prop_map(|(streaming_type, parameter_length)| Command::SetStreaming {
                streaming_type,
                parameter_length,
            })
            .boxed(),
        (rotation2(), any::<u16>(), any::<u16>())
            .prop_map(|(rotation, read_speed, write_speed)| Command::SetCdSpeed {
                rotation,
                read_speed,
                write_speed,
            })
            .boxed(),
        any::<u16>()
            .prop_map(|allocation_length| Command::MechanismStatus { allocation_length })
            .boxed(),
        (
            any::<u8>(),
            any::<bool>(),
            any::<i32>(),
            u24(),
            any::<bool>(),
            any::<u8>(),
            any::<bool>(),
            any::<bool>(),
            any::<u8>(),
            any::<u8>(),
        )
            .prop_map(
                |(st, dap, lba, transfer_length, sync, hc, user_data, edc_ecc, c2, sub)| {
                    Command::ReadCd {
                        sector_type: SectorType::from_bits(st),
                        dap,
                        lba,
                        transfer_length,
                        sync,
                        header_codes: HeaderCodes::from_bits(hc),
                        user_data,
                        edc_ecc,
                        c2: C2ErrorInfo::from_bits(c2),
                        subchannel: SubChannelSelection::from_bits(sub),
                    }
                },
            )
            .boxed(),
        (0u8..16, any::<u8>(), any::<u16>(), 0u8..4)
            .prop_map(
                |(media_type, format, parameter_length, agid)| Command::SendDiscStructure {
                    media_type,
                    format,
                    parameter_length,
                    agid,
                },
            )
            .boxed(),
    ])
}

/// A buffer starting with a known operation code, long enough or not.
fn cdb_bytes() -> impl Strategy<Value = Vec<u8>> {
    let known: Vec<u8> = (0..=255u8).filter(|&op| cdb_length(op).is_some()).collect();
    (proptest::sample::select(known), vec(any::<u8>(), 0..16)).prop_map(|(op, mut rest)| {
        rest.insert(0, op);
        rest
    })
}

// ---------------------------------------------------------------- sense

fn sense() -> impl Strategy<Value = Sense> {
    let field_pointer = (any::<bool>(), proptest::option::of(0u8..8), any::<u16>())
        .prop_map(|(in_cdb, bit, byte)| FieldPointer { in_cdb, bit, byte });
    (
        any::<bool>(),
        any::<u8>(),
        any::<u8>(),
        any::<u8>(),
        proptest::option::of(any::<u32>()),
        any::<u32>(),
        any::<u8>(),
        any::<u8>(),
        proptest::option::of(any::<u16>()),
        proptest::option::of(field_pointer),
    )
        .prop_map(
            |(
                deferred,
                key,
                asc,
                ascq,
                information,
                command_specific,
                fru,
                flags,
                progress,
                fp,
            )| {
                let key = SenseKey::from_u8(key);
                let (progress, field_pointer) = match key {
                    SenseKey::NoSense | SenseKey::NotReady => (progress, None),
                    SenseKey::IllegalRequest => (None, fp),
                    _ => (None, None),
                };
                Sense {
                    deferred,
                    key,
                    asc,
                    ascq,
                    information,
                    command_specific,
                    fru,
                    flags: flags & 0xE0,
                    progress,
                    field_pointer,
                }
            },
        )
}

// ---------------------------------------------------------------- features

fn feature_body() -> impl Strategy<Value = FeatureBody> {
    let b = any::<bool>;
    let classes = || any::<[u16; 4]>();
    Union::new(vec![
        vec((profile(), b()), 0..20)
            .prop_map(|l| {
                FeatureBody::ProfileList(
                    l.into_iter()
                        .map(|(profile, current)| ProfileEntry { profile, current })
                        .collect(),
                )
            })
            .boxed(),
        (any::<u32>(), b(), b())
            .prop_map(|(interface, inq2, dbe)| FeatureBody::Core {
                interface,
                inq2,
                dbe,
            })
            .boxed(),
        (b(), b())
            .prop_map(|(oc_event, asynchronous)| FeatureBody::Morphing {
                oc_event,
                asynchronous,
            })
            .boxed(),
        (any::<u8>(), b(), b(), b(), b(), b())
            .prop_map(
                |(m, load, eject, prevent_jumper, dbml, lock)| FeatureBody::RemovableMedium {
                    mechanism: LoadingMechanism::from_bits(m),
                    load,
                    eject,
                    prevent_jumper,
                    dbml,
                    lock,
                },
            )
            .boxed(),
        (b(), b(), b(), b())
            .prop_map(|(dwp, wdcb, spwp, sswpp)| FeatureBody::WriteProtect {
                dwp,
                wdcb,
                spwp,
                sswpp,
            })
            .boxed(),
        (any::<u32>(), any::<u16>(), b())
            .prop_map(|(block_size, blocking, pp)| FeatureBody::RandomReadable {
                block_size,
                blocking,
                pp,
            })
            .boxed(),
        Just(FeatureBody::MultiRead).boxed(),
        (b(), b(), b())
            .prop_map(|(dap, c2_flags, cd_text)| FeatureBody::CdRead {
                dap,
                c2_flags,
                cd_text,
            })
            .boxed(),
        (b(), b(), b())
            .prop_map(|(multi110, dual_rw, dual_r)| FeatureBody::DvdRead {
                multi110,
                dual_rw,
                dual_r,
            })
            .boxed(),
        (any::<u32>(), any::<u32>(), any::<u16>(), b())
            .prop_map(
                |(last_lba, block_size, blocking, pp)| FeatureBody::RandomWritable {
                    last_lba,
                    block_size,
                    blocking,
                    pp,
                },
            )
            .boxed(),
        (any::<u16>(), b(), b(), b(), bytes(12))
            .prop_map(|(data_block_types, trio, arsv, buf, link_sizes)| {
                FeatureBody::IncrementalStreamingWritable {
                    data_block_types,
                    trio,
                    arsv,
                    buf,
                    link_sizes,
                }
            })
            .boxed(),
        Just(FeatureBody::SectorErasable).boxed(),
        (b(), b(), b(), b(), b())
            .prop_map(
                |(renosa, expand, qcert, cert, rrm)| FeatureBody::Formattable {
                    renosa,
                    expand,
                    qcert,
                    cert,
                    rrm,
                },
            )
            .boxed(),
        b().prop_map(|ssa| FeatureBody::HardwareDefectManagement { ssa })
            .boxed(),
        (any::<u32>(), any::<u16>(), b())
            .prop_map(|(block_size, blocking, pp)| FeatureBody::WriteOnce {
                block_size,
                blocking,
                pp,
            })
            .boxed(),
        Just(FeatureBody::RestrictedOverwrite).boxed(),
        Just(FeatureBody::CdRwCavWrite).boxed(),
        (b(), b(), b())
            .prop_map(|(dvd_plus_write, dvd_plus_read, write)| FeatureBody::Mrw {
                dvd_plus_write,
                dvd_plus_read,
                write,
            })
            .boxed(),
        (b(), b(), b())
            .prop_map(|(write, quick_start, close_only)| FeatureBody::DvdPlusRw {
                write,
                quick_start,
                close_only,
            })
            .boxed(),
        b().prop_map(|write| FeatureBody::DvdPlusR { write })
            .boxed(),
        (b(), b(), b(), b())
            .prop_map(
                |(dsdg, dsdr, intermediate, blank)| FeatureBody::RigidRestrictedOverwrite {
                    dsdg,
                    dsdr,
                    intermediate,
                    blank,
                },
            )
            .boxed(),
        (b(), b(), b(), b(), b(), b(), any::<u16>())
            .prop_map(
                |(buf, rw_raw, rw_pack, test_write, cd_rw, rw_subcode, data_types)| {
                    FeatureBody::CdTrackAtOnce {
                        buf,
                        rw_raw,
                        rw_pack,
                        test_write,
                        cd_rw,
                        rw_subcode,
                        data_types,
                    }
                },
            )
            .boxed(),
        (b(), b(), b(), b(), b(), b(), b(), u24())
            .prop_map(
                |(buf, sao, raw_ms, raw, test_write, cd_rw, rw, max_cue_sheet_length)| {
                    FeatureBody::CdMastering {
                        buf,
                        sao,
                        raw_ms,
                        raw,
                        test_write,
                        cd_rw,
                        rw,
                        max_cue_sheet_length,
                    }
                },
            )
            .boxed(),
        (b(), b(), b(), b())
            .prop_map(
                |(buf, rdl, test_write, dvd_rw)| FeatureBody::DvdMinusRWrite {
                    buf,
                    rdl,
                    test_write,
                    dvd_rw,
                },
            )
            .boxed(),
        bytes(12)
            .prop_map(|link_sizes| FeatureBody::LayerJumpRecording { link_sizes })
            .boxed(),
        any::<u8>()
            .prop_map(|subtypes| FeatureBody::CdRwMediaWriteSupport { subtypes })
            .boxed(),
        Just(FeatureBody::BdRPow).boxed(),
        b().prop_map(|write| FeatureBody::DvdPlusRwDl { write })
            .boxed(),
        b().prop_map(|write| FeatureBody::DvdPlusRDl { write })
            .boxed(),
        (classes(), classes(), classes())
            .prop_map(|(re, r, rom)| FeatureBody::BdRead { re, r, rom })
            .boxed(),
        (b(), classes(), classes())
            .prop_map(|(svnr, re, r)| FeatureBody::BdWrite { svnr, re, r })
            .boxed(),
        Just(FeatureBody::PowerManagement).boxed(),
        (b(), any::<u16>())
            .prop_map(|(group3, unit_length)| FeatureBody::Timeout {
                group3,
                unit_length,
            })
            .boxed(),
        (b(), b(), b(), b(), b())
            .prop_map(
                |(rbcb, scs, mp2a, wspd, sw)| FeatureBody::RealTimeStreaming {
                    rbcb,
                    scs,
                    mp2a,
                    wspd,
                    sw,
                },
            )
            .boxed(),
        ascii_text(20)
            .prop_map(FeatureBody::DriveSerialNumber)
            .boxed(),
        any::<[u8; 14]>()
            .prop_map(|date| FeatureBody::FirmwareInformation { date })
            .boxed(),
        (
            any::<u16>().prop_filter("not a typed code", |c| feature_name(*c).is_none()),
            bytes(32),
        )
            .prop_map(|(code, data)| FeatureBody::Raw { code, data })
            .boxed(),
    ])
}

fn feature_descriptor() -> impl Strategy<Value = FeatureDescriptor> {
    (
        0u8..16,
        any::<bool>(),
        any::<bool>(),
        feature_body(),
        bytes(8),
    )
        .prop_map(|(version, persistent, current, body, mut extra)| {
            match body {
                // Whole 4-byte groups after a profile list are more profiles.
                FeatureBody::ProfileList(_) => extra.truncate(3),
                // These bodies take the whole payload.
                FeatureBody::DriveSerialNumber(_) | FeatureBody::Raw { .. } => extra.clear(),
                _ => {}
            }
            FeatureDescriptor {
                version,
                persistent,
                current,
                body,
                extra,
            }
        })
}

fn configuration() -> impl Strategy<Value = Configuration> {
    (profile(), vec(feature_descriptor(), 0..6)).prop_map(|(current_profile, features)| {
        Configuration {
            current_profile,
            features,
            truncated: false,
        }
    })
}

// ---------------------------------------------------------------- INQUIRY

fn inquiry() -> impl Strategy<Value = InquiryData> {
    (
        (
            0u8..8,
            0u8..32,
            any::<bool>(),
            any::<u8>(),
            any::<bool>(),
            any::<bool>(),
            0u8..16,
        ),
        (any::<u8>(), any::<u8>(), any::<u8>()),
        (ascii_text(8), ascii_text(16), ascii_text(4), bytes(40)),
    )
        .prop_map(
            |(
                (
                    qualifier,
                    device_type,
                    removable,
                    version,
                    norm_aca,
                    hi_sup,
                    response_data_format,
                ),
                (flags5, flags6, flags7),
                (vendor, product, revision, extra),
            )| InquiryData {
                qualifier,
                device_type,
                removable,
                version,
                norm_aca,
                hi_sup,
                response_data_format,
                flags5,
                flags6,
                flags7,
                vendor,
                product,
                revision,
                extra,
            },
        )
}

// ---------------------------------------------------------------- disc/track information

fn disc_information() -> impl Strategy<Value = DiscInformation> {
    let opc =
        (any::<u16>(), any::<[u8; 6]>()).prop_map(|(speed, values)| OpcEntry { speed, values });
    (
        (
            any::<bool>(),
            any::<u8>(),
            any::<u8>(),
            any::<u8>(),
            any::<u16>(),
            any::<u16>(),
            any::<u16>(),
        ),
        (
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            any::<u8>(),
            any::<u8>(),
        ),
        (
            any::<u32>(),
            any::<u32>(),
            any::<u32>(),
            any::<[u8; 8]>(),
            any::<u8>(),
            vec(opc, 0..5),
        ),
    )
        .prop_map(
            |(
                (erasable, ls, ds, first_track, sessions, ftls, ltls),
                (did_v, dbc_v, uru, dac_v, dbit, bg, dt),
                (disc_id, lead_in, lead_out, bar_code, application_code, opc_tables),
            )| DiscInformation {
                erasable,
                last_session_state: SessionState::from_bits(ls),
                disc_status: DiscStatus::from_bits(ds),
                first_track,
                sessions,
                first_track_last_session: ftls,
                last_track_last_session: ltls,
                did_v,
                dbc_v,
                uru,
                dac_v,
                dbit,
                bg_format_status: BgFormatStatus::from_bits(bg),
                disc_type: DiscType::from_u8(dt),
                disc_id,
                last_session_lead_in: lead_in,
                last_possible_lead_out: lead_out,
                bar_code,
                application_code,
                opc_tables,
            },
        )
}

fn track_information() -> impl Strategy<Value = TrackInformation> {
    (
        (
            any::<u16>(),
            any::<u16>(),
            0u8..4,
            any::<bool>(),
            any::<bool>(),
            any::<u8>(),
        ),
        (
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            any::<u8>(),
            any::<bool>(),
            any::<bool>(),
        ),
        (
            any::<i32>(),
            any::<i32>(),
            any::<u32>(),
            any::<u32>(),
            any::<u32>(),
            any::<i32>(),
        ),
        (any::<u32>(), any::<u32>(), any::<u32>()),
    )
        .prop_map(
            |(
                (track_number, session_number, ljrs, damage, copy, tm),
                (rt, blank, packet, fp, dm, lra_valid, nwa_valid),
                (start, nwa, free_blocks, fixed_packet_size, size, lra),
                (rc, next_lj, last_lj),
            )| TrackInformation {
                track_number,
                session_number,
                ljrs,
                damage,
                copy,
                track_mode: TrackMode::from_nibble(tm),
                rt,
                blank,
                packet,
                fp,
                data_mode: DataMode::from_bits(dm),
                lra_valid,
                nwa_valid,
                start,
                next_writable_address: nwa,
                free_blocks,
                fixed_packet_size,
                size,
                last_recorded_address: lra,
                read_compatibility_lba: rc,
                next_layer_jump_address: next_lj,
                last_layer_jump_address: last_lj,
            },
        )
}

// ---------------------------------------------------------------- TOC

fn toc_address(msf_form: bool) -> BoxedStrategy<TocAddress> {
    if msf_form {
        msf().prop_map(TocAddress::Msf).boxed()
    } else {
        any::<i32>().prop_map(TocAddress::Lba).boxed()
    }
}

fn formatted_toc() -> impl Strategy<Value = (bool, FormattedToc)> {
    any::<bool>().prop_flat_map(|m| {
        let entry = (0u8..16, 0u8..16, any::<u8>(), toc_address(m)).prop_map(
            |(adr, control, track, address)| TocEntry {
                adr,
                control,
                track,
                address,
            },
        );
        (Just(m), any::<u8>(), any::<u8>(), vec(entry, 0..10)).prop_map(
            |(m, first_track, last_track, entries)| {
                (
                    m,
                    FormattedToc {
                        first_track,
                        last_track,
                        entries,
                    },
                )
            },
        )
    })
}

fn multisession() -> impl Strategy<Value = (bool, MultisessionInfo)> {
    any::<bool>().prop_flat_map(|m| {
        (
            Just(m),
            any::<u8>(),
            any::<u8>(),
            0u8..16,
            0u8..16,
            any::<u8>(),
            toc_address(m),
        )
            .prop_map(
                |(
                    m,
                    first_session,
                    last_session,
                    adr,
                    control,
                    first_track_last_session,
                    start,
                )| {
                    (
                        m,
                        MultisessionInfo {
                            first_session,
                            last_session,
                            adr,
                            control,
                            first_track_last_session,
                            start,
                        },
                    )
                },
            )
    })
}

fn raw_toc() -> impl Strategy<Value = RawToc> {
    let entry = (
        any::<u8>(),
        0u8..16,
        0u8..16,
        any::<u8>(),
        any::<u8>(),
        msf(),
        any::<u8>(),
        msf(),
    )
        .prop_map(
            |(session, adr, control, tno, point, time, zero, pointer)| RawTocEntry {
                session,
                adr,
                control,
                tno,
                point,
                time,
                zero,
                pointer,
            },
        );
    (any::<u8>(), any::<u8>(), vec(entry, 0..12)).prop_map(
        |(first_session, last_session, entries)| RawToc {
            first_session,
            last_session,
            entries,
        },
    )
}

fn atip() -> impl Strategy<Value = Atip> {
    (
        (
            0u8..8,
            any::<bool>(),
            0u8..8,
            any::<bool>(),
            any::<bool>(),
            0u8..8,
        ),
        (any::<bool>(), any::<bool>(), any::<bool>(), msf(), msf()),
        (
            any::<[u8; 3]>(),
            any::<[u8; 3]>(),
            any::<[u8; 3]>(),
            any::<[u8; 3]>(),
        ),
    )
        .prop_map(
            |(
                (writing_power, ddcd, reference_speed, uru, cd_rw, disc_subtype),
                (a1_valid, a2_valid, a3_valid, lead_in_start, last_lead_out_start),
                (a1, a2, a3, s4),
            )| Atip {
                writing_power,
                ddcd,
                reference_speed,
                uru,
                cd_rw,
                disc_subtype,
                a1_valid,
                a2_valid,
                a3_valid,
                lead_in_start,
                last_lead_out_start,
                a1,
                a2,
                a3,
                s4,
            },
        )
}

fn cd_text() -> impl Strategy<Value = CdText> {
    let pack = (
        any::<u8>(),
        any::<bool>(),
        0u8..128,
        any::<u8>(),
        any::<bool>(),
        0u8..8,
        0u8..16,
        any::<[u8; 12]>(),
        any::<u16>(),
    )
        .prop_map(
            |(pack_type, extension, track, sequence, dbcc, block, char_position, text, crc)| {
                CdTextPack {
                    pack_type,
                    extension,
                    track,
                    sequence,
                    dbcc,
                    block,
                    char_position,
                    text,
                    crc,
                }
            },
        );
    vec(pack, 0..8).prop_map(|packs| CdText { packs })
}

// ---------------------------------------------------------------- mode pages

fn error_recovery_page() -> impl Strategy<Value = ErrorRecoveryPage> {
    (
        any::<bool>(),
        any::<[bool; 8]>(),
        any::<u8>(),
        any::<u8>(),
        any::<u16>(),
        bytes(8),
    )
        .prop_map(
            |(ps, f, read_retry_count, write_retry_count, recovery_time_limit, extra)| {
                ErrorRecoveryPage {
                    ps,
                    awre: f[0],
                    arre: f[1],
                    tb: f[2],
                    rc: f[3],
                    eer: f[4],
                    per: f[5],
                    dte: f[6],
                    dcr: f[7],
                    read_retry_count,
                    write_retry_count,
                    recovery_time_limit,
                    extra,
                }
            },
        )
}

fn write_parameters_page() -> impl Strategy<Value = WriteParametersPage> {
    (
        (
            any::<bool>(),
            any::<[bool; 5]>(),
            any::<u8>(),
            any::<u8>(),
            any::<u8>(),
            any::<u8>(),
        ),
        (
            any::<u8>(),
            0u8..64,
            any::<u8>(),
            any::<u32>(),
            any::<u16>(),
        ),
        (
            any::<bool>(),
            any::<[u8; 13]>(),
            any::<u8>(),
            any::<bool>(),
            any::<[u8; 12]>(),
            any::<u8>(),
        ),
        (any::<[u8; 4]>(), bytes(8)),
    )
        .prop_map(
            |(
                (ps, f, wt, ms, tm, dbt),
                (link_size, host_application_code, sf, packet_size, audio_pause_length),
                (mcn_valid, digits, mcn_aframe, isrc_valid, code, isrc_aframe),
                (sub_header, extra),
            )| WriteParametersPage {
                ps,
                bufe: f[0],
                ls_v: f[1],
                test_write: f[2],
                write_type: WriteType::from_bits(wt),
                multi_session: MultiSession::from_bits(ms),
                fp: f[3],
                copy: f[4],
                track_mode: TrackMode::from_nibble(tm),
                data_block_type: DataBlockType::from_bits(dbt),
                link_size,
                host_application_code,
                session_format: SessionFormat::from_u8(sf),
                packet_size,
                audio_pause_length,
                mcn: CatalogNumber {
                    valid: mcn_valid,
                    digits,
                    aframe: mcn_aframe,
                },
                isrc: Isrc {
                    valid: isrc_valid,
                    code,
                    aframe: isrc_aframe,
                },
                sub_header,
                extra,
            },
        )
}

fn capabilities_page() -> impl Strategy<Value = CapabilitiesPage> {
    let speed = (any::<u8>(), any::<u16>()).prop_map(|(r, speed)| PageWriteSpeed {
        rotation: RotationControl::from_bits(r),
        speed,
    });
    (
        (
            any::<bool>(),
            any::<[bool; 11]>(),
            any::<u8>(),
            any::<u8>(),
            any::<u8>(),
            any::<[bool; 4]>(),
            any::<u8>(),
        ),
        (
            any::<u16>(),
            any::<u16>(),
            any::<u16>(),
            any::<u16>(),
            any::<u8>(),
            any::<u16>(),
            any::<u16>(),
        ),
        (
            any::<u16>(),
            0u8..4,
            any::<u16>(),
            vec(speed, 0..8),
            bytes(8),
        ),
    )
        .prop_map(
            |(
                (ps, rw, byte4, byte5, lm, mech, byte7),
                (
                    max_read_speed,
                    volume_levels,
                    buffer_size_kib,
                    current_read_speed,
                    digital_output,
                    max_ws,
                    cur_ws,
                ),
                (
                    copy_management_revision,
                    rotation_control_selected,
                    current_write_speed,
                    write_speeds,
                    extra,
                ),
            )| CapabilitiesPage {
                ps,
                dvd_ram_read: rw[0],
                dvd_r_read: rw[1],
                dvd_rom_read: rw[2],
                method2: rw[3],
                cd_rw_read: rw[4],
                cd_r_read: rw[5],
                dvd_ram_write: rw[6],
                dvd_r_write: rw[7],
                test_write: rw[8],
                cd_rw_write: rw[9],
                cd_r_write: rw[10],
                byte4,
                byte5,
                loading_mechanism: LoadingMechanism::from_bits(lm),
                eject: mech[0],
                prevent_jumper: mech[1],
                lock_state: mech[2],
                lock: mech[3],
                byte7,
                max_read_speed,
                volume_levels,
                buffer_size_kib,
                current_read_speed,
                digital_output,
                max_write_speed: max_ws,
                current_write_speed_obsolete: cur_ws,
                copy_management_revision,
                rotation_control_selected,
                current_write_speed,
                write_speeds,
                extra,
            },
        )
}

fn raw_mode_page() -> impl Strategy<Value = RawModePage> {
    (
        any::<bool>(),
        0u8..64,
        proptest::option::of(any::<u8>()),
        bytes(32),
    )
        .prop_filter("typed pages are not raw", |(_, code, subpage, _)| {
            subpage.is_some() || !matches!(*code, 0x01 | 0x05 | 0x2A)
        })
        .prop_map(|(ps, code, subpage, data)| RawModePage {
            ps,
            code,
            subpage,
            data,
        })
}

fn mode_page() -> impl Strategy<Value = ModePage> {
    prop_oneof![
        error_recovery_page().prop_map(ModePage::ErrorRecovery),
        write_parameters_page().prop_map(ModePage::WriteParameters),
        capabilities_page().prop_map(ModePage::Capabilities),
        raw_mode_page().prop_map(ModePage::Raw),
    ]
}

fn mode_parameters(max_pages: usize, long_lba: bool) -> impl Strategy<Value = ModeParameters> {
    (
        any::<u8>(),
        any::<u8>(),
        any::<bool>(),
        bytes(17),
        vec(mode_page(), 0..max_pages),
    )
        .prop_map(
            move |(medium_type, device_specific, l, block_descriptors, pages)| ModeParameters {
                medium_type,
                device_specific,
                long_lba: l && long_lba,
                block_descriptors,
                pages,
                truncated: false,
            },
        )
}

// ---------------------------------------------------------------- performance, formatting

fn write_speed_list() -> impl Strategy<Value = WriteSpeedList> {
    let d = (
        rotation2(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<u32>(),
        any::<u32>(),
        any::<u32>(),
    )
        .prop_map(|(wrc, rdd, exact, mrw, end_lba, read_speed, write_speed)| {
            WriteSpeedDescriptor {
                wrc,
                rdd,
                exact,
                mrw,
                end_lba,
                read_speed,
                write_speed,
            }
        });
    vec(d, 0..10).prop_map(|descriptors| WriteSpeedList { descriptors })
}

fn performance_data() -> impl Strategy<Value = PerformanceData> {
    let nominal =
        (any::<u32>(), any::<u32>(), any::<u32>(), any::<u32>()).prop_map(|(a, b, c, d)| {
            NominalPerformance {
                start_lba: a,
                start_performance: b,
                end_lba: c,
                end_performance: d,
            }
        });
    let exception =
        (any::<u32>(), any::<u16>()).prop_map(|(lba, time)| PerformanceException { lba, time });
    let list = prop_oneof![
        vec(nominal, 0..6).prop_map(PerformanceList::Nominal),
        vec(exception, 0..6).prop_map(PerformanceList::Exceptions),
    ];
    (any::<bool>(), list).prop_map(|(write, list)| PerformanceData { write, list })
}

fn format_capacities() -> impl Strategy<Value = FormatCapacities> {
    let f = (any::<u32>(), 0u8..64, u24()).prop_map(|(blocks, t, type_parameter)| {
        FormattableDescriptor {
            blocks,
            format_type: FormatType(t),
            type_parameter,
        }
    });
    (any::<u32>(), any::<u8>(), u24(), vec(f, 0..30)).prop_map(
        |(blocks, t, block_length, formattable)| FormatCapacities {
            current: CurrentCapacity {
                blocks,
                descriptor_type: CapacityDescriptorType::from_bits(t),
                block_length,
            },
            formattable,
        },
    )
}

fn format_unit_parameters() -> impl Strategy<Value = FormatUnitParameters> {
    (any::<[bool; 8]>(), any::<u32>(), 0u8..64, 0u8..4, u24()).prop_map(
        |(f, blocks, t, subtype, tp)| FormatUnitParameters {
            fov: f[0],
            dpry: f[1],
            dcrt: f[2],
            stpf: f[3],
            ip: f[4],
            dsp: f[5],
            immed: f[6],
            vs: f[7],
            descriptor: FormatDescriptor {
                blocks,
                format_type: FormatType(t),
                subtype,
                type_parameter: tp,
            },
        },
    )
}

// ---------------------------------------------------------------- disc structures

fn disc_structure() -> impl Strategy<Value = DiscStructure> {
    let physical = (
        (
            0u8..16,
            0u8..16,
            0u8..16,
            0u8..16,
            0u8..4,
            any::<bool>(),
            0u8..16,
        ),
        (
            0u8..16,
            0u8..16,
            any::<u32>(),
            any::<u32>(),
            any::<u32>(),
            any::<bool>(),
            bytes(64),
        ),
    )
        .prop_map(
            |(
                (
                    book_type,
                    part_version,
                    disc_size,
                    maximum_rate,
                    layers_minus_one,
                    otp,
                    layer_type,
                ),
                (
                    linear_density,
                    track_density,
                    data_start,
                    data_end,
                    layer0_end,
                    bca,
                    media_specific,
                ),
            )| {
                DiscStructure::DvdPhysical(DvdPhysicalFormat {
                    book_type,
                    part_version,
                    disc_size,
                    maximum_rate,
                    layers_minus_one,
                    opposite_track_path: otp,
                    layer_type,
                    linear_density,
                    track_density,
                    data_start,
                    data_end,
                    layer0_end,
                    bca,
                    media_specific,
                })
            },
        );
    let entry = (any::<u8>(), any::<bool>(), any::<bool>(), any::<u16>()).prop_map(
        |(format, sds, rds, length)| StructureListEntry {
            format,
            sds,
            rds,
            length,
        },
    );
    prop_oneof![
        physical,
        (any::<bool>(), any::<u32>()).prop_map(|(init_status, l0_capacity)| {
            DiscStructure::LayerBoundary(LayerBoundary {
                init_status,
                l0_capacity,
            })
        }),
        any::<[bool; 4]>().prop_map(|w| DiscStructure::WriteProtection(WriteProtectionStatus {
            mswi: w[0],
            cwp: w[1],
            pwp: w[2],
            swpp: w[3],
        })),
        vec(entry, 0..10).prop_map(DiscStructure::List),
        bytes(80).prop_map(|data| DiscStructure::BdDiscInformation(BdDiscInformation { data })),
        (0u8..16, any::<u8>(), bytes(40))
            .prop_filter("typed kinds are not raw", |(m, f, _)| {
                !matches!(
                    (*m, *f),
                    (_, 0xC0) | (_, 0xFF) | (0, 0x00) | (0, 0x20) | (1, 0x00)
                )
            })
            .prop_map(|(media_type, format, data)| DiscStructure::Raw {
                media_type,
                format,
                data
            }),
    ]
}

// ---------------------------------------------------------------- events, capacities, cue sheets

fn event_status() -> impl Strategy<Value = EventStatus> {
    let with_event = prop_oneof![
        (any::<u8>(), any::<bool>(), 0u8..16, any::<u16>()).prop_map(
            |(e, persistent_prevented, status, change)| {
                (
                    class::OPERATIONAL_CHANGE,
                    Event::OperationalChange {
                        event: OperationalEventCode::from_bits(e),
                        persistent_prevented,
                        status,
                        change,
                    },
                )
            }
        ),
        (any::<u8>(), any::<u8>()).prop_map(|(e, status)| {
            (
                class::POWER_MANAGEMENT,
                Event::Power {
                    event: PowerEventCode::from_bits(e),
                    status,
                },
            )
        }),
        (
            any::<u8>(),
            any::<bool>(),
            any::<bool>(),
            any::<u8>(),
            any::<u8>()
        )
            .prop_map(|(e, media_present, door_open, start_slot, end_slot)| {
                (
                    class::MEDIA,
                    Event::Media {
                        event: MediaEventCode::from_bits(e),
                        media_present,
                        door_open,
                        start_slot,
                        end_slot,
                    },
                )
            }),
        (
            proptest::sample::select(vec![0u8, 3, 5, 6, 7]),
            any::<[u8; 4]>()
        )
            .prop_map(|(c, b)| (c, Event::Other(b))),
    ];
    prop_oneof![
        (any::<bool>(), 0u8..8, any::<u8>()).prop_map(|(nea, class, supported_classes)| {
            EventStatus {
                nea,
                class,
                supported_classes,
                event: None,
            }
        }),
        (with_event, any::<u8>()).prop_map(|((class, event), supported_classes)| EventStatus {
            nea: false,
            class,
            supported_classes,
            event: Some(event),
        }),
    ]
}

fn mechanism_status() -> impl Strategy<Value = MechanismStatus> {
    let slot = any::<[bool; 4]>().prop_map(|s| SlotEntry {
        disc_present: s[0],
        change: s[1],
        cwp_valid: s[2],
        cwp: s[3],
    });
    (
        any::<bool>(),
        0u8..4,
        any::<u8>(),
        0u8..8,
        any::<bool>(),
        u24(),
        any::<u8>(),
        vec(slot, 0..8),
    )
        .prop_map(
            |(
                fault,
                changer_state,
                current_slot,
                mechanism_state,
                door_open,
                current_lba,
                slots_available,
                slots,
            )| {
                MechanismStatus {
                    fault,
                    changer_state,
                    current_slot,
                    mechanism_state,
                    door_open,
                    current_lba,
                    slots_available,
                    slots,
                }
            },
        )
}

fn cue_sheet() -> impl Strategy<Value = CueSheet> {
    let track = (
        0u8..16,
        any::<u8>(),
        any::<u8>(),
        any::<u8>(),
        any::<u8>(),
        msf(),
    )
        .prop_map(|(control, tno, index, form, scms, time)| {
            CueSheetEntry::Track(TrackCue {
                control,
                tno,
                index,
                data_form: DataForm(form),
                scms,
                time,
            })
        });
    let other = any::<[u8; 8]>()
        .prop_filter("ADR 1 is a track entry", |b| b[0] & 0x0F != 1)
        .prop_map(CueSheetEntry::Other);
    vec(prop_oneof![track, other], 0..10).prop_map(|entries| CueSheet { entries })
}

fn streaming() -> impl Strategy<Value = StreamingPerformance> {
    (rotation2(), any::<[bool; 3]>(), any::<[u32; 6]>()).prop_map(|(wrc, f, v)| {
        StreamingPerformance {
            wrc,
            rdd: f[0],
            exact: f[1],
            random_access: f[2],
            start_lba: v[0],
            end_lba: v[1],
            read_size: v[2],
            read_time: v[3],
            write_size: v[4],
            write_time: v[5],
        }
    })
}

// ---------------------------------------------------------------- properties

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn command_round_trips(cmd in command()) {
        let b = cmd.encode();
        prop_assert_eq!(Some(b.len()), cdb_length(cmd.opcode()));
        prop_assert_eq!(Command::decode(&b).unwrap(), cmd);
    }

    #[test]
    fn command_decode_is_stable(b in cdb_bytes()) {
        if let Ok(cmd) = Command::decode(&b) {
            let len = cdb_length(b[0]).unwrap();
            prop_assert!(b.len() >= len);
            prop_assert_eq!(Command::decode(&cmd.encode()).unwrap(), cmd);
        } else {
            prop_assert!(b.len() < cdb_length(b[0]).unwrap());
        }
    }

    #[test]
    fn sense_round_trips(s in sense()) {
        let b = s.encode();
        prop_assert_eq!(b.len(), 18);
        prop_assert_eq!(Sense::decode(&b).unwrap(), s);
    }

    #[test]
    fn profile_round_trips(p in profile()) {
        prop_assert_eq!(Profile::from_code(p.code()), p);
    }

    #[test]
    fn feature_descriptor_round_trips(d in feature_descriptor()) {
        let b = d.encode();
        let (back, len) = FeatureDescriptor::decode_prefix(&b).unwrap();
        prop_assert_eq!(len, b.len());
        prop_assert_eq!(back, d);
    }

    #[test]
    fn configuration_round_trips(c in configuration()) {
        prop_assert_eq!(Configuration::decode(&c.encode()).unwrap(), c);
    }

    #[test]
    fn inquiry_round_trips(d in inquiry()) {
        prop_assert_eq!(InquiryData::decode(&d.encode()).unwrap(), d);
    }

    #[test]
    fn vpd_round_trips(peripheral in any::<u8>(), pages in bytes(40), serial in ascii_text(30)) {
        let p = SupportedVpdPages { peripheral, pages };
        prop_assert_eq!(SupportedVpdPages::decode(&p.encode()).unwrap(), p);
        let s = UnitSerialNumber { peripheral, serial };
        prop_assert_eq!(UnitSerialNumber::decode(&s.encode()).unwrap(), s);
    }

    #[test]
    fn disc_information_round_trips(d in disc_information()) {
        prop_assert_eq!(DiscInformation::decode(&d.encode()).unwrap(), d);
    }

    #[test]
    fn track_information_round_trips(t in track_information()) {
        prop_assert_eq!(TrackInformation::decode(&t.encode()).unwrap(), t);
    }

    #[test]
    fn formatted_toc_round_trips((m, t) in formatted_toc()) {
        prop_assert_eq!(FormattedToc::decode(&t.encode(), m).unwrap(), t);
    }

    #[test]
    fn multisession_round_trips((m, t) in multisession()) {
        prop_assert_eq!(MultisessionInfo::decode(&t.encode(), m).unwrap(), t);
    }

    #[test]
    fn raw_toc_round_trips(t in raw_toc()) {
        prop_assert_eq!(RawToc::decode(&t.encode()).unwrap(), t);
    }

    #[test]
    fn atip_round_trips(a in atip()) {
        prop_assert_eq!(Atip::decode(&a.encode()).unwrap(), a);
    }

    #[test]
    fn cd_text_round_trips(t in cd_text()) {
        prop_assert_eq!(CdText::decode(&t.encode()).unwrap(), t);
    }

    #[test]
    fn msf_round_trips(lba in -45_150i32..=404_849) {
        let m = lba_to_msf(lba).unwrap();
        prop_assert!(m.s < 60 && m.f < 75 && m.m < 100);
        prop_assert_eq!(msf_to_lba(m), lba);
    }

    #[test]
    fn msf_conversion_is_total(lba in any::<i32>(), m in msf()) {
        if let Some(x) = lba_to_msf(lba) {
            prop_assert_eq!(msf_to_lba(x), lba);
        }
        let _ = msf_to_lba(m);
    }

    #[test]
    fn mode_page_round_trips(p in mode_page()) {
        prop_assert_eq!(ModePage::decode(&p.encode()).unwrap(), p);
    }

    #[test]
    fn mode_parameters_round_trip(mp in mode_parameters(4, true)) {
        prop_assert_eq!(ModeParameters::decode10(&mp.encode10()).unwrap(), mp.clone());
        let mut cleared = mp.clone();
        for p in &mut cleared.pages {
            p.set_ps(false);
        }
        prop_assert_eq!(ModeParameters::decode10(&mp.encode_select10()).unwrap(), cleared);
    }

    #[test]
    fn mode_parameters6_round_trip(mp in mode_parameters(3, false)) {
        let b = mp.encode6();
        prop_assume!(b.len() <= 256);
        prop_assert_eq!(ModeParameters::decode6(&b).unwrap(), mp.clone());
        let mut cleared = mp.clone();
        for p in &mut cleared.pages {
            p.set_ps(false);
        }
        prop_assert_eq!(ModeParameters::decode6(&mp.encode_select6()).unwrap(), cleared);
    }

    #[test]
    fn write_speeds_round_trip(l in write_speed_list()) {
        prop_assert_eq!(WriteSpeedList::decode(&l.encode()).unwrap(), l);
    }

    #[test]
    fn performance_round_trips(p in performance_data()) {
        prop_assert_eq!(PerformanceData::decode(&p.encode()).unwrap(), p);
    }

    #[test]
    fn speed_conversions_invert(x in 1u32..100, f in 0usize..3) {
        use imapi2_mmc::profile::MediaFamily::*;
        let family = [Cd, Dvd, Bd][f];
        let one = [75, 680, 2195][f];
        let kbps = sectors_per_second_to_kbps(x * one, family);
        prop_assert_eq!(kbps_to_sectors_per_second(kbps, family), x * one);
    }

    #[test]
    fn format_capacities_round_trip(f in format_capacities()) {
        prop_assert_eq!(FormatCapacities::decode(&f.encode()).unwrap(), f);
    }

    #[test]
    fn format_unit_parameters_round_trip(p in format_unit_parameters()) {
        prop_assert_eq!(FormatUnitParameters::decode(&p.encode()).unwrap(), p);
    }

    #[test]
    fn disc_structure_round_trips(s in disc_structure()) {
        let (m, f) = s.kind();
        prop_assert_eq!(DiscStructure::decode(m, f, &s.encode()).unwrap(), s);
    }

    #[test]
    fn event_status_round_trips(e in event_status()) {
        prop_assert_eq!(EventStatus::decode(&e.encode()).unwrap(), e);
    }

    #[test]
    fn capacities_round_trip(last_lba in any::<u32>(), block_length in any::<u32>(), length in any::<u32>(), available in any::<u32>()) {
        let c = Capacity { last_lba, block_length };
        prop_assert_eq!(Capacity::decode(&c.encode()).unwrap(), c);
        let b = BufferCapacity::Bytes { length, available };
        prop_assert_eq!(BufferCapacity::decode(&b.encode(), false).unwrap(), b);
        let b = BufferCapacity::Blocks { available };
        prop_assert_eq!(BufferCapacity::decode(&b.encode(), true).unwrap(), b);
    }

    #[test]
    fn mechanism_status_round_trips(m in mechanism_status()) {
        prop_assert_eq!(MechanismStatus::decode(&m.encode()).unwrap(), m);
    }

    #[test]
    fn cue_sheet_round_trips(c in cue_sheet()) {
        prop_assert_eq!(CueSheet::decode(&c.encode()).unwrap(), c);
    }

    #[test]
    fn streaming_round_trips(s in streaming()) {
        prop_assert_eq!(StreamingPerformance::decode(&s.encode()).unwrap(), s);
    }
}

/// Decodes with `decode`; if it succeeds, re-encoding and decoding again
/// gives the same value.
fn stable<T: PartialEq + std::fmt::Debug, E>(
    b: &[u8],
    decode: impl Fn(&[u8]) -> Result<T, E>,
    encode: impl Fn(&T) -> Vec<u8>,
) -> Result<(), TestCaseError> {
    if let Ok(v) = decode(b) {
        let again = decode(&encode(&v));
        prop_assert!(again.is_ok(), "re-encoded {:?} does not decode", v);
        prop_assert_eq!(again.ok().unwrap(), v);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn decoders_never_panic_and_are_stable(b in bytes(300), m in any::<u8>(), f in any::<u8>(), flag in any::<bool>()) {
        let _ = Command::decode(&b);
        stable(&b, Sense::decode, |s| s.encode())?;
        let _ = ConfigurationHeader::decode(&b);
        // The truncation flag describes the bytes, not the value: compare without it.
        let untruncated = |x: &[u8]| {
            Configuration::decode(x).map(|mut c| {
                c.truncated = false;
                c
            })
        };
        stable(&b, untruncated, |c| c.encode())?;
        let _ = FeatureDescriptor::decode_prefix(&b);
        stable(&b, InquiryData::decode, |d| d.encode())?;
        stable(&b, SupportedVpdPages::decode, |d| d.encode())?;
        stable(&b, UnitSerialNumber::decode, |d| d.encode())?;
        stable(&b, DiscInformation::decode, |d| d.encode())?;
        stable(&b, TrackInformation::decode, |d| d.encode())?;
        stable(&b, |x| FormattedToc::decode(x, flag), |d| d.encode())?;
        stable(&b, |x| MultisessionInfo::decode(x, flag), |d| d.encode())?;
        stable(&b, RawToc::decode, |d| d.encode())?;
        stable(&b, Atip::decode, |d| d.encode())?;
        stable(&b, CdText::decode, |d| d.encode())?;
        let untruncated = |x: &[u8]| {
            ModeParameters::decode10(x).map(|mut c| {
                c.truncated = false;
                c
            })
        };
        stable(&b, untruncated, |d| d.encode10())?;
        let _ = ModeParameters::decode6(&b);
        stable(&b, ModePage::decode, |d| d.encode())?;
        stable(&b, PerformanceData::decode, |d| d.encode())?;
        stable(&b, WriteSpeedList::decode, |d| d.encode())?;
        stable(&b, FormatCapacities::decode, |d| d.encode())?;
        stable(&b, FormatUnitParameters::decode, |d| d.encode())?;
        stable(&b, |x| DiscStructure::decode(m, f, x), |d| d.encode())?;
        stable(&b, EventStatus::decode, |d| d.encode())?;
        stable(&b, Capacity::decode, |d| d.encode())?;
        stable(&b, |x| BufferCapacity::decode(x, flag), |d| d.encode())?;
        stable(&b, MechanismStatus::decode, |d| d.encode())?;
        stable(&b, CueSheet::decode, |d| d.encode())?;
        stable(&b, StreamingPerformance::decode, |d| d.encode())?;
    }

    #[test]
    fn structured_replies_never_panic(
        len in 0usize..600,
        fill in any::<u8>(),
        head in any::<[u8; 12]>(),
        m in any::<u8>(),
        f in any::<u8>(),
    ) {
        // Plausible headers (lengths pointing anywhere) over bodies of one byte value.
        let mut b = vec![fill; len];
        let n = len.min(12);
        b[..n].copy_from_slice(&head[..n]);
        let _ = Configuration::decode(&b);
        let _ = ModeParameters::decode10(&b);
        let _ = ModeParameters::decode6(&b);
        let _ = DiscStructure::decode(m, f, &b);
        let _ = MechanismStatus::decode(&b);
        let _ = FormatCapacities::decode(&b);
        let _ = WriteSpeedList::decode(&b);
        let _ = PerformanceData::decode(&b);
        let _ = DiscInformation::decode(&b);
        let _ = Sense::decode(&b);
    }
}
