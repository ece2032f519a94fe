//! READ TOC/PMA/ATIP: the formatted TOC, multisession information, raw TOC,
//! PMA and ATIP, from the sessions the medium has closed.

use imapi2_cd::msf::{lba_to_msf, Msf};
use imapi2_mmc::toc::{
    point, Atip, FormattedToc, MultisessionInfo, RawToc, RawTocEntry, TocAddress, TocEntry,
    LEAD_OUT_TRACK,
};

use crate::error::SenseCode;
use crate::media::{
    Family, MediaKind, Medium, SessionState, TrackContent, TrackState, CD_ATIP_LEAD_IN,
};

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
    match format {
        0 => formatted_toc(&sessions, msf, track_session),
        1 => multisession(&sessions, msf),
        2 if cd => raw_toc(m, &sessions, track_session),
        3 if cd => Ok(pma(m)),
        4 if cd && !m.kind().is_rom() => Ok(atip(m)),
        5 if cd => Ok(vec![0, 2, 0, 0]),
        _ => Err(SenseCode::INVALID_FIELD_IN_CDB),
    }
}

/// Format 0: the tracks of the closed sessions from track `track_session`
/// on (AAh: the lead-out alone), then the lead-out.
fn formatted_toc(
    sessions: &[TocSession],
    msf: bool,
    track_session: u8,
) -> Result<Vec<u8>, SenseCode> {
    let no_toc = SenseCode::INVALID_FIELD_IN_CDB;
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
        for s in sessions {
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

/// Format 1: the first track of the last closed session.
fn multisession(sessions: &[TocSession], msf: bool) -> Result<Vec<u8>, SenseCode> {
    let no_toc = SenseCode::INVALID_FIELD_IN_CDB;
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

/// Format 2 (CD): A0h, A1h, A2h and the track points of each closed session
/// from session `track_session` on, B0h where a next session exists, C0h in
/// session 1.
fn raw_toc(m: &Medium, sessions: &[TocSession], track_session: u8) -> Result<Vec<u8>, SenseCode> {
    let no_toc = SenseCode::INVALID_FIELD_IN_CDB;
    if sessions.is_empty() {
        return Err(no_toc);
    }
    let entry = |session: u8, adr: u8, control: u8, pt: u8, time: Msf, pointer: Msf| RawTocEntry {
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

/// Format 3 (CD): the PMA, one entry per recorded or reserved track.
fn pma(m: &Medium) -> Vec<u8> {
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
    RawToc {
        first_session: 0,
        last_session: 0,
        entries,
    }
    .encode()
}

/// Format 4 (recordable CD): the ATIP of an 80-minute CD-R or CD-RW.
fn atip(m: &Medium) -> Vec<u8> {
    Atip {
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
    .encode()
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::error::SenseCode;
    use crate::media::MediaKind;
    use imapi2_mmc::toc::{Atip, FormattedToc, Msf, TocAddress};

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
