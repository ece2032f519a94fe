//! Reading: READ(6/10/12), VERIFY(10) and READ CD (frames synthesized
//! around cooked data, sub-channel Q built for the address).

use imapi2_cd::msf::absolute_time;
use imapi2_cd::sector::{
    self, Header, MODE1_DATA_SIZE, SECTOR_SIZE, SUBCHANNEL_SIZE, SYNC, SYNC_HEADER_SIZE, SYNC_SIZE,
};
use imapi2_cd::subchannel::q::{SubQ, ADR_POSITION, CONTROL_DATA};
use imapi2_mmc::cdb::{C2ErrorInfo, Command, HeaderCodes, SectorType, SubChannelSelection};
use imapi2_mmc::sense::Sense;
use imapi2_mmc::transport::DataPhase;

use crate::error::SenseCode;
use crate::media::{Medium, ReadSource, TrackContent};

use super::data::data_out;
use super::fail::{bad_request, sense_of, Fail, Outcome};
use super::VirtualRecorder;

impl VirtualRecorder {
    /// The reading commands, routed here by `dispatch`.
    pub(super) fn read_command(&mut self, cmd: Command, data: &mut DataPhase<'_>) -> Outcome {
        match cmd {
            Command::Read6 {
                lba,
                transfer_length,
            } => self.read6(lba, transfer_length, data),
            Command::Read10 {
                lba,
                transfer_length,
                ..
            } => self.read(i64::from(lba), u32::from(transfer_length), data, "READ(10)"),
            Command::Read12 {
                lba,
                transfer_length,
                ..
            } => self.read(i64::from(lba), transfer_length, data, "READ(12)"),
            Command::Verify10 {
                bytchk,
                lba,
                verification_length,
            } => self.verify(i64::from(lba), u32::from(verification_length), bytchk, data),
            Command::ReadCd {
                sector_type,
                lba,
                transfer_length,
                sync,
                header_codes,
                user_data,
                edc_ecc,
                c2,
                subchannel,
                ..
            } => {
                let flags = ReadCdFlags::new(
                    sector_type,
                    sync,
                    header_codes,
                    user_data,
                    edc_ecc,
                    c2,
                    subchannel,
                )?;
                self.read_cd(i64::from(lba), transfer_length, flags, data)
            }
            other => unreachable!("{} is not routed to read_command", other.name()),
        }
    }

    fn read(&mut self, lba: i64, blocks: u32, data: &mut DataPhase<'_>, name: &str) -> Outcome {
        let needed = blocks as usize * 2048;
        let DataPhase::In(buf) = data else {
            if blocks == 0 {
                return Ok(0);
            }
            return Err(bad_request(format!(
                "{name} of {blocks} blocks without a data-in buffer"
            )));
        };
        if buf.len() < needed {
            return Err(bad_request(format!(
                "{name} of {blocks} blocks needs {needed} bytes, the buffer holds {}",
                buf.len()
            )));
        }
        let extents = self.medium().expect("checked").plan_read(lba, blocks)?;
        if let Some(bad) = self.faults.defect_in(lba, lba + i64::from(blocks)) {
            return Err(Fail::Check(
                sense_of(SenseCode::UNRECOVERED_READ_ERROR).with_information(bad as u32),
            ));
        }
        let disc = self.disc.as_mut().expect("checked");
        for e in extents {
            let at = (e.lba - lba) as usize * 2048;
            let dest = &mut buf[at..at + e.count as usize * 2048];
            match e.source {
                ReadSource::User => disc.read_user(e.lba, dest)?,
                ReadSource::Zero => dest.fill(0),
                ReadSource::Raw(size) => {
                    let mut frame = vec![0u8; usize::from(size)];
                    for (i, out) in dest.chunks_mut(2048).enumerate() {
                        disc.read_raw(e.lba + i as i64, usize::from(size), &mut frame)?;
                        // A frame shorter than 2048 bytes (the 96-byte
                        // sub-channel blocks of a cue sheet's lead-in, which
                        // VERIFY's signed LBA reaches) has no user data: this
                        // panics, as it always has. A known bug, left for a
                        // change of its own (answer 05/64/00 instead).
                        let user = sector::user_data(&frame)
                            .expect("a stored frame holds 2048 bytes of user data");
                        out.copy_from_slice(user);
                    }
                }
            }
        }
        Ok(needed)
    }

    fn verify(&mut self, lba: i64, blocks: u32, bytchk: bool, data: &mut DataPhase<'_>) -> Outcome {
        let needed = blocks as usize * 2048;
        let out = data_out(data);
        if bytchk && out.len() < needed {
            return Err(bad_request(format!(
                "VERIFY(10) with BYTCHK needs {needed} bytes, the data phase holds {}",
                out.len()
            )));
        }
        // Read (and compare) in chunks: the whole range is checked without
        // holding it in memory.
        const CHUNK: u32 = 64;
        let mut buf = vec![0u8; CHUNK as usize * 2048];
        let mut done = 0u32;
        while done < blocks {
            let n = CHUNK.min(blocks - done);
            let at = lba + i64::from(done);
            let part = &mut buf[..n as usize * 2048];
            self.read(at, n, &mut DataPhase::In(part), "VERIFY(10)")?;
            if bytchk {
                let expect = &out[done as usize * 2048..(done + n) as usize * 2048];
                if let Some(i) = (0..part.len()).find(|&i| part[i] != expect[i]) {
                    let bad = at + (i / 2048) as i64;
                    return Err(Fail::Check(
                        sense_of(SenseCode::new(0x0E, 0x1D, 0x00)).with_information(bad as u32),
                    ));
                }
            }
            done += n;
        }
        Ok(if bytchk { needed } else { 0 })
    }

    fn read_cd(
        &mut self,
        lba: i64,
        blocks: u32,
        f: ReadCdFlags,
        data: &mut DataPhase<'_>,
    ) -> Outcome {
        let DataPhase::In(buf) = data else {
            return if blocks == 0 {
                Ok(0)
            } else {
                Err(bad_request("READ CD without a data-in buffer".into()))
            };
        };
        if blocks == 0 {
            return Ok(0);
        }
        if matches!(f.sector_type, SectorType::Reserved(_)) {
            return Err(Fail::Check(Sense::invalid_cdb_field(1, Some(2))));
        }
        let sub_len = match f.subchannel {
            SubChannelSelection::None => 0,
            SubChannelSelection::RawPw | SubChannelSelection::CorrectedRw => 96,
            SubChannelSelection::Q => 16,
            _ => return Err(SenseCode::INVALID_FIELD_IN_CDB.into()),
        };
        let m = self.medium().expect("checked");
        if !m.kind().is_cd() {
            return Err(SenseCode::CANNOT_READ_MEDIUM.into());
        }
        // Work out every sector before moving any byte.
        let mut sectors = Vec::with_capacity(blocks.min(4096) as usize);
        let mut total = 0usize;
        for i in 0..blocks {
            let at = lba + i64::from(i);
            let (content, source) = m.frame_at(at)?;
            match (f.sector_type, content) {
                (SectorType::Any, _) => {}
                (SectorType::CdDa, TrackContent::Audio) => {}
                (SectorType::CdDa, TrackContent::Data) | (_, TrackContent::Audio) => {
                    return Err(SenseCode::ILLEGAL_MODE_FOR_TRACK.into());
                }
                _ => {}
            }
            let main = main_layout(content, &f);
            total += main.len() + f.c2_len + sub_len;
            if total > buf.len() {
                return Err(bad_request(format!(
                    "READ CD of {blocks} sectors needs more than the {} bytes of the buffer",
                    buf.len()
                )));
            }
            sectors.push((at, content, source, main));
        }
        if let Some(bad) = self.faults.defect_in(lba, lba + i64::from(blocks)) {
            return Err(Fail::Check(
                sense_of(SenseCode::UNRECOVERED_READ_ERROR).with_information(bad as u32),
            ));
        }
        let numbers: Vec<u8> = sectors
            .iter()
            .map(|s| m_track_number(self.medium(), s.0))
            .collect();
        let disc = self.disc.as_mut().expect("checked");
        let mut pos = 0usize;
        for ((at, content, source, main), tno) in sectors.into_iter().zip(numbers) {
            let mut frame = vec![0u8; SECTOR_SIZE + SUBCHANNEL_SIZE];
            let mut stored_sub = false;
            match source {
                ReadSource::Raw(size) if usize::from(size) >= SECTOR_SIZE => {
                    disc.read_raw(at, usize::from(size), &mut frame[..usize::from(size)])?;
                    stored_sub = usize::from(size) == SECTOR_SIZE + SUBCHANNEL_SIZE;
                }
                ReadSource::Raw(size) => {
                    let mut user = vec![0u8; usize::from(size)];
                    disc.read_raw(at, usize::from(size), &mut user)?;
                    cooked_frame(at, &user[..2048.min(user.len())], &mut frame);
                }
                ReadSource::User => {
                    let mut user = [0u8; 2048];
                    disc.read_user(at, &mut user)?;
                    cooked_frame(at, &user, &mut frame);
                }
                ReadSource::Zero => {
                    if content == TrackContent::Data {
                        cooked_frame(at, &[0u8; 2048], &mut frame);
                    }
                }
            }
            for (a, b) in main {
                let n = b - a;
                buf[pos..pos + n].copy_from_slice(&frame[a..b]);
                pos += n;
            }
            buf[pos..pos + f.c2_len].fill(0);
            pos += f.c2_len;
            match f.subchannel {
                SubChannelSelection::RawPw if stored_sub => {
                    buf[pos..pos + SUBCHANNEL_SIZE].copy_from_slice(&frame[SECTOR_SIZE..])
                }
                SubChannelSelection::Q => {
                    let q = q_for(tno, at, content).encode();
                    buf[pos..pos + 12].copy_from_slice(&q);
                    buf[pos + 12..pos + 16].fill(0);
                }
                _ => buf[pos..pos + sub_len].fill(0),
            }
            pos += sub_len;
        }
        Ok(pos)
    }

    /// READ(6): a transfer length of 0 asks for 256 blocks.
    fn read6(&mut self, lba: u32, transfer_length: u8, data: &mut DataPhase<'_>) -> Outcome {
        let n = if transfer_length == 0 {
            256
        } else {
            u32::from(transfer_length)
        };
        self.read(i64::from(lba), n, data, "READ(6)")
    }
}

impl ReadCdFlags {
    /// The flags of a READ CD command; a reserved C2 error field is refused.
    fn new(
        sector_type: SectorType,
        sync: bool,
        header_codes: HeaderCodes,
        user_data: bool,
        edc_ecc: bool,
        c2: C2ErrorInfo,
        subchannel: SubChannelSelection,
    ) -> std::result::Result<ReadCdFlags, Fail> {
        let c2_len = match c2 {
            C2ErrorInfo::None => 0,
            C2ErrorInfo::Reserved => return Err(SenseCode::INVALID_FIELD_IN_CDB.into()),
            C2ErrorInfo::C2Bits => 294,
            C2ErrorInfo::C2AndBlockBits => 296,
        };
        Ok(ReadCdFlags {
            sector_type,
            sync,
            header_codes,
            user_data,
            edc_ecc,
            c2_len,
            subchannel,
        })
    }
}

/// The READ CD flags of one command.
#[derive(Debug, Clone, Copy)]
struct ReadCdFlags {
    sector_type: SectorType,
    sync: bool,
    header_codes: HeaderCodes,
    user_data: bool,
    edc_ecc: bool,
    c2_len: usize,
    subchannel: SubChannelSelection,
}

/// The byte ranges of a 2352-byte frame READ CD returns (MMC-6 table 357,
/// mode 1 layout: sync 0–11, header 12–15, user data 16–2063, EDC/ECC
/// 2064–2351); CD-DA returns the whole frame when any main field is asked.
fn main_layout(content: TrackContent, f: &ReadCdFlags) -> Vec<(usize, usize)> {
    let header = !matches!(f.header_codes, HeaderCodes::None | HeaderCodes::SubHeader);
    if content == TrackContent::Audio {
        return if f.sync || header || f.user_data || f.edc_ecc {
            vec![(0, SECTOR_SIZE)]
        } else {
            Vec::new()
        };
    }
    let user_end = SYNC_HEADER_SIZE + MODE1_DATA_SIZE;
    let mut v = Vec::new();
    if f.sync {
        v.push((0, SYNC_SIZE));
    }
    if header {
        v.push((SYNC_SIZE, SYNC_HEADER_SIZE));
    }
    if f.user_data {
        v.push((SYNC_HEADER_SIZE, user_end));
    }
    if f.edc_ecc {
        v.push((user_end, SECTOR_SIZE));
    }
    v
}

/// A mode 1 frame around 2048 bytes of user data: sync pattern, BCD header
/// (ECMA-130 §14.1, §14.2); EDC and ECC are left zero (not computed).
fn cooked_frame(lba: i64, user: &[u8], frame: &mut [u8]) {
    frame[..SYNC_SIZE].copy_from_slice(&SYNC);
    frame[SYNC_SIZE..SYNC_HEADER_SIZE].copy_from_slice(&Header::for_lba(lba, 1).encode());
    frame[SYNC_HEADER_SIZE..SYNC_HEADER_SIZE + user.len()].copy_from_slice(user);
}

fn m_track_number(m: Option<&Medium>, lba: i64) -> u8 {
    m.and_then(|m| {
        m.tracks()
            .iter()
            .find(|t| lba >= t.start && lba < t.end())
            .map(|t| t.number as u8)
    })
    .unwrap_or(1)
}

/// A position Q frame for `lba` (ADR 1, index 1, relative time zero).
fn q_for(tno: u8, lba: i64, content: TrackContent) -> SubQ {
    let t = absolute_time(lba);
    SubQ {
        control: if content == TrackContent::Data {
            CONTROL_DATA
        } else {
            0
        },
        adr: ADR_POSITION,
        tno,
        index: 1,
        relative: (0, 0, 0),
        absolute: (t.m, t.s, t.f),
    }
}
