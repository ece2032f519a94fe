//! READ DISC INFORMATION and READ TRACK INFORMATION from the model's views.

use imapi2_cd::msf::lba_to_msf;
use imapi2_mmc::disc_info::{
    BgFormatStatus as WireBg, DiscInformation, DiscStatus as WireStatus, DiscType, OpcEntry,
    SessionState as WireSession,
};
use imapi2_mmc::track_info::{DataMode, TrackInformation, TrackMode};

use crate::media::{DiscStatus, Medium, SessionState, TrackView};

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
