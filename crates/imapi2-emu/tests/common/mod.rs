//! A host for conformance scripts: builds CDBs with the imapi2-mmc codecs,
//! sends them through the `ScsiTransport` interface, decodes the replies, and
//! runs the invariant checker after every command.

#![allow(dead_code)]

use std::collections::HashMap;
use std::time::Duration;

use imapi2_emu::media::{Family, MediaKind};
use imapi2_emu::{Personality, SenseCode, VirtualDisc, VirtualRecorder};
use imapi2_mmc::cdb::{
    BlankType, CloseFunction, Command, ConfigurationRequest, DiscInformationType, PerformanceType,
    TrackAddressType, TrackReservation,
};
use imapi2_mmc::disc_info::DiscInformation;
use imapi2_mmc::feature::Configuration;
use imapi2_mmc::format::{FormatCapacities, FormatType, FormatUnitParameters};
use imapi2_mmc::mode::{
    ModePage, ModeParameters, MultiSession, PageControl, WriteParametersPage, WriteType,
};
use imapi2_mmc::sense::Sense;
use imapi2_mmc::track_info::TrackInformation;
use imapi2_mmc::transport::{
    DataPhase, Request, Response, ScsiStatus, ScsiTransport, TransportError,
};

/// The test host.
pub struct Host {
    pub rec: VirtualRecorder,
    pub dir: tempfile::TempDir,
    /// Highest NWA seen per track start (NWA monotonic on sequential media).
    nwa_seen: HashMap<i64, i64>,
    pub commands: usize,
}

/// A byte pattern that identifies each block.
pub fn pattern(lba: i64, blocks: u32) -> Vec<u8> {
    let mut v = Vec::with_capacity(blocks as usize * 2048);
    for b in 0..i64::from(blocks) {
        let l = lba + b;
        for i in 0..2048i64 {
            v.push(((l * 31 + i * 7) % 251) as u8);
        }
    }
    v
}

pub fn triple(s: &Sense) -> SenseCode {
    SenseCode::new(s.key.to_u8(), s.asc, s.ascq)
}

impl Host {
    /// A drive of `p` with a blank `kind` medium, unit attentions cleared.
    pub fn new(p: Personality, kind: MediaKind) -> Host {
        let dir = tempfile::tempdir().unwrap();
        let disc = VirtualDisc::create(dir.path().join("medium"), kind).unwrap();
        Host::with_recorder(VirtualRecorder::with_disc(p, disc), dir)
    }

    /// A host around a recorder (unit attentions cleared).
    pub fn with_recorder(rec: VirtualRecorder, dir: tempfile::TempDir) -> Host {
        let mut h = Host {
            rec,
            dir,
            nwa_seen: HashMap::new(),
            commands: 0,
        };
        h.clear_attention();
        h
    }

    /// Sends TEST UNIT READY until no unit attention is reported.
    pub fn clear_attention(&mut self) {
        for _ in 0..10 {
            let r = self.run(&Command::TestUnitReady, DataPhase::None).unwrap();
            match r.status {
                ScsiStatus::CheckCondition
                    if Sense::decode(&r.sense).unwrap().is_unit_attention() =>
                {
                    continue
                }
                _ => return,
            }
        }
        panic!("unit attentions never stop");
    }

    /// Sends one command and checks the invariants afterwards.
    pub fn run(&mut self, cmd: &Command, data: DataPhase<'_>) -> Result<Response, TransportError> {
        let cdb = cmd.encode();
        self.raw(&cdb, data)
    }

    /// Sends raw CDB bytes and checks the invariants afterwards.
    pub fn raw(&mut self, cdb: &[u8], data: DataPhase<'_>) -> Result<Response, TransportError> {
        let simulating = self.rec.is_simulating();
        let r = self.rec.execute(Request {
            cdb,
            data,
            timeout: Duration::from_secs(60),
        });
        self.commands += 1;
        if simulating && !self.rec.is_simulating() {
            // The end of a test write: the real medium shows again.
            self.nwa_seen.clear();
        }
        let op = cdb.first().copied().unwrap_or(0);
        if matches!(op, 0xA1 | 0x04) {
            // BLANK and FORMAT UNIT may legitimately take addresses back.
            self.nwa_seen.clear();
        }
        if let Err(e) = self.invariants() {
            panic!("after {cdb:02X?}: {e}\nmedium: {:#?}", self.rec.medium());
        }
        r
    }

    /// Forgets NWA history (after a power loss or a medium change).
    pub fn forget_history(&mut self) {
        self.nwa_seen.clear();
    }

    /// The invariant checker (mmc-notes §2.10), from the state the host can
    /// observe, without sending a command.
    pub fn invariants(&mut self) -> Result<(), String> {
        self.rec.check_invariants()?;
        let Some(m) = self.rec.medium().cloned() else {
            return Ok(());
        };
        let Some(di) = self.rec.disc_information() else {
            return Ok(());
        };
        let cfg = self.rec.configuration();
        // Profile and feature set consistent with the state.
        if cfg.current_profile.code() != m.profile() {
            return Err(format!(
                "current profile {:?} but the medium is {:04X}h",
                cfg.current_profile,
                m.profile()
            ));
        }
        let listed: Vec<_> = cfg.profiles().iter().filter(|p| p.current).collect();
        if listed.len() != 1 || listed[0].profile.code() != m.profile() {
            return Err(format!("profile list marks {listed:?} current"));
        }
        let kind = m.kind();
        let writable = !m.write_protected() && !m.is_finalized();
        let cur = |c: u16| cfg.is_current(c);
        let expect = |c: u16, want: bool, what: &str| -> Result<(), String> {
            if cfg.feature(c).is_some() && cur(c) != want {
                return Err(format!(
                    "feature {c:04X}h current={} but {what}={want}",
                    cur(c)
                ));
            }
            Ok(())
        };
        expect(0x002A, kind == MediaKind::DvdPlusRw, "DVD+RW")?;
        expect(0x002B, kind == MediaKind::DvdPlusR, "DVD+R")?;
        expect(0x003B, kind == MediaKind::DvdPlusRDl, "DVD+R DL")?;
        expect(0x002C, m.profile() == 0x0013, "restricted overwrite")?;
        expect(
            0x002F,
            writable && m.family() == Family::DvdMinus,
            "DVD-R writable",
        )?;
        expect(
            0x0021,
            writable
                && matches!(m.family(), Family::Cd | Family::DvdMinus)
                && m.incremental_allowed(),
            "incremental",
        )?;
        expect(
            0x0020,
            writable && m.family() == Family::Overwritable && m.formatted_blocks().is_some(),
            "random writable",
        )?;
        expect(0x001E, kind.is_cd(), "CD")?;
        expect(0x001F, kind.is_dvd(), "DVD")?;
        expect(0x0040, kind.is_bd(), "BD")?;
        // Disc status consistent with the sessions.
        let status = di.disc_status.bits();
        if status != m.disc_status().bits() {
            return Err(format!(
                "disc information status {status} vs model {:?}",
                m.disc_status()
            ));
        }
        if m.is_sequential() {
            if u32::from(di.sessions) != m.sessions().len() as u32 {
                return Err(format!(
                    "{} sessions reported, {} in the model",
                    di.sessions,
                    m.sessions().len()
                ));
            }
            if status == 0 && di.sessions != 1 {
                return Err("a blank disc reports more than one session".into());
            }
            if status == 2 && di.last_session_state.bits() != 3 {
                return Err("a finalized disc with an open last session".into());
            }
            let last = u32::from(di.last_track_last_session);
            if let Some(inv) = m.invisible() {
                if inv.number != last {
                    return Err(format!(
                        "last track in last session {last}, invisible track {}",
                        inv.number
                    ));
                }
            }
        }
        // Every track: start ≤ LRA < NWA ≤ start + size, NWA monotonic.
        for t in m.tracks() {
            let ti = self
                .rec
                .track_information(t.number)
                .ok_or(format!("no track information for {}", t.number))?;
            let start = i64::from(ti.start);
            let end = start + i64::from(ti.size);
            if let Some(nwa) = ti.nwa() {
                let nwa = i64::from(nwa);
                if m.is_sequential() && !(start <= nwa && nwa <= end) {
                    return Err(format!(
                        "track {}: NWA {nwa} outside {start}..={end}",
                        t.number
                    ));
                }
                if let Some(lra) = ti.lra() {
                    let lra = i64::from(lra);
                    if !(start <= lra && lra < nwa && nwa <= end) {
                        return Err(format!(
                            "track {}: {start} ≤ {lra} < {nwa} ≤ {end} fails",
                            t.number
                        ));
                    }
                }
                if m.is_sequential() && i64::from(ti.free_blocks) != end - nwa {
                    return Err(format!(
                        "track {}: {} free blocks, NWA {nwa}, end {end}",
                        t.number, ti.free_blocks
                    ));
                }
                if m.is_sequential() {
                    let prev = self.nwa_seen.entry(start).or_insert(nwa);
                    if nwa < *prev {
                        return Err(format!(
                            "track at {start}: NWA went back from {prev} to {nwa}"
                        ));
                    }
                    *prev = nwa;
                }
            }
        }
        Ok(())
    }

    /// Sends a command that must succeed; returns the reply bytes moved.
    pub fn ok(&mut self, cmd: &Command) {
        let r = self.run(cmd, DataPhase::None).unwrap();
        assert_eq!(
            r.status,
            ScsiStatus::Good,
            "{} failed: {:?}",
            cmd.name(),
            Sense::decode(&r.sense)
        );
    }

    /// A data-in command that must succeed: the reply (as many bytes as moved).
    pub fn ok_in(&mut self, cmd: &Command, len: usize) -> Vec<u8> {
        let mut buf = vec![0u8; len];
        let r = self.run(cmd, DataPhase::In(&mut buf)).unwrap();
        assert_eq!(
            r.status,
            ScsiStatus::Good,
            "{} failed: {:?}",
            cmd.name(),
            Sense::decode(&r.sense)
        );
        buf.truncate(r.transferred);
        buf
    }

    /// A data-out command that must succeed.
    pub fn ok_out(&mut self, cmd: &Command, data: &[u8]) {
        let r = self.run(cmd, DataPhase::Out(data)).unwrap();
        assert_eq!(
            r.status,
            ScsiStatus::Good,
            "{} failed: {:?}",
            cmd.name(),
            Sense::decode(&r.sense)
        );
    }

    /// The sense of a command that must fail with CHECK CONDITION.
    pub fn fails(&mut self, cmd: &Command, data: DataPhase<'_>) -> SenseCode {
        let r = self.run(cmd, data).unwrap();
        assert_eq!(
            r.status,
            ScsiStatus::CheckCondition,
            "{} succeeded",
            cmd.name()
        );
        triple(&Sense::decode(&r.sense).unwrap())
    }

    /// Status and sense triple of a command (GOOD → None).
    pub fn outcome(&mut self, cmd: &Command, data: DataPhase<'_>) -> Option<SenseCode> {
        let r = self.run(cmd, data).unwrap();
        (r.status != ScsiStatus::Good).then(|| triple(&Sense::decode(&r.sense).unwrap()))
    }

    pub fn write(&mut self, lba: i64, blocks: u32) -> Option<SenseCode> {
        let data = pattern(lba, blocks);
        let cmd = Command::Write10 {
            dpo: false,
            fua: false,
            lba: lba as i32,
            transfer_length: blocks as u16,
        };
        self.outcome(&cmd, DataPhase::Out(&data))
    }

    pub fn write_ok(&mut self, lba: i64, blocks: u32) {
        if let Some(s) = self.write(lba, blocks) {
            panic!("WRITE {blocks} blocks at {lba}: {s}");
        }
    }

    /// The track number that names the incomplete (invisible) track in READ
    /// TRACK INFORMATION and CLOSE TRACK: FFh, except on DVD-R/-RW
    /// sequential media (profiles 0011h, 0014h, 0015h, 0016h), which need the
    /// last track number of READ DISC INFORMATION (mmc-notes §1.2). A drive
    /// without GET CONFIGURATION (MMC-1) writes CD only: FFh.
    pub fn open_track(&mut self) -> u32 {
        let cmd = Command::GetConfiguration {
            request: ConfigurationRequest::Current,
            starting_feature: 0,
            allocation_length: 8,
        };
        let mut header = [0u8; 8];
        let r = self.run(&cmd, DataPhase::In(&mut header)).unwrap();
        let profile = if r.status == ScsiStatus::Good && r.transferred == 8 {
            u16::from_be_bytes([header[6], header[7]])
        } else {
            0
        };
        if matches!(profile, 0x0011 | 0x0014 | 0x0015 | 0x0016) {
            u32::from(self.disc_info().last_track_last_session)
        } else {
            0xFF
        }
    }

    /// Writes `blocks` from the current NWA of the incomplete track (see
    /// [`Host::open_track`]) in chunks of `chunk`; returns the start.
    pub fn write_at_nwa(&mut self, blocks: u32, chunk: u32) -> i64 {
        let track = self.open_track();
        let start = self.nwa(track);
        let mut at = start;
        let mut left = blocks;
        while left > 0 {
            let n = left.min(chunk);
            self.write_ok(at, n);
            at += i64::from(n);
            left -= n;
        }
        start
    }

    pub fn read(&mut self, lba: i64, blocks: u32) -> Result<Vec<u8>, SenseCode> {
        let cmd = Command::Read10 {
            dpo: false,
            fua: false,
            lba: lba as u32,
            transfer_length: blocks as u16,
        };
        let mut buf = vec![0u8; blocks as usize * 2048];
        let r = self.run(&cmd, DataPhase::In(&mut buf)).unwrap();
        if r.status != ScsiStatus::Good {
            return Err(triple(&Sense::decode(&r.sense).unwrap()));
        }
        assert_eq!(r.transferred, buf.len());
        Ok(buf)
    }

    pub fn read_back(&mut self, lba: i64, blocks: u32) {
        let got = self
            .read(lba, blocks)
            .unwrap_or_else(|s| panic!("READ {blocks} at {lba}: {s}"));
        assert!(
            got == pattern(lba, blocks),
            "data read back at {lba} differs"
        );
    }

    pub fn disc_info(&mut self) -> DiscInformation {
        let b = self.ok_in(
            &Command::ReadDiscInformation {
                data_type: DiscInformationType::Standard,
                allocation_length: 34,
            },
            34,
        );
        DiscInformation::decode(&b).unwrap()
    }

    pub fn track_info(&mut self, number: u32) -> TrackInformation {
        let b = self.ok_in(
            &Command::ReadTrackInformation {
                open: false,
                address_type: TrackAddressType::Track,
                number,
                allocation_length: 48,
            },
            48,
        );
        TrackInformation::decode(&b).unwrap()
    }

    /// NWA of a track (0xFF: the invisible one), which must be valid.
    pub fn nwa(&mut self, number: u32) -> i64 {
        let t = self.track_info(number);
        i64::from(
            t.nwa()
                .unwrap_or_else(|| panic!("track {number} has no NWA: {t:?}")),
        )
    }

    pub fn config(&mut self, request: ConfigurationRequest, start: u16) -> Configuration {
        let b = self.ok_in(
            &Command::GetConfiguration {
                request,
                starting_feature: start,
                allocation_length: 4096,
            },
            4096,
        );
        Configuration::decode(&b).unwrap()
    }

    pub fn format_capacities(&mut self) -> FormatCapacities {
        let b = self.ok_in(
            &Command::ReadFormatCapacities {
                allocation_length: 252,
            },
            252,
        );
        FormatCapacities::decode(&b).unwrap()
    }

    pub fn mode_page_05(&mut self) -> WriteParametersPage {
        let b = self.ok_in(
            &Command::ModeSense10 {
                llbaa: false,
                dbd: true,
                page_control: PageControl::Current,
                page_code: 0x05,
                subpage: 0,
                allocation_length: 256,
            },
            256,
        );
        match ModeParameters::decode10(&b).unwrap().page(0x05) {
            Some(ModePage::WriteParameters(p)) => p.clone(),
            other => panic!("page 05h: {other:?}"),
        }
    }

    pub fn select_05(&mut self, p: WriteParametersPage) -> Option<SenseCode> {
        let list = ModeParameters {
            pages: vec![ModePage::WriteParameters(p)],
            ..Default::default()
        }
        .encode_select10();
        let cmd = Command::ModeSelect10 {
            pf: true,
            sp: false,
            parameter_length: list.len() as u16,
        };
        self.outcome(&cmd, DataPhase::Out(&list))
    }

    /// Page 05h with `write_type` and multi-session (TAO mode 1 otherwise).
    pub fn set_write_mode(&mut self, write_type: WriteType, multi: bool) {
        let mut p = self.mode_page_05();
        p.write_type = write_type;
        p.multi_session = if multi {
            MultiSession::NextSessionAllowed
        } else {
            MultiSession::NoNextSession
        };
        assert_eq!(self.select_05(p), None);
    }

    pub fn sync(&mut self, immed: bool) {
        self.ok(&Command::SynchronizeCache {
            immed,
            lba: 0,
            blocks: 0,
        });
    }

    pub fn close(
        &mut self,
        function: CloseFunction,
        number: u16,
        immed: bool,
    ) -> Option<SenseCode> {
        self.outcome(
            &Command::CloseTrackSession {
                immed,
                function,
                number,
            },
            DataPhase::None,
        )
    }

    pub fn reserve(&mut self, blocks: u32) -> Option<SenseCode> {
        self.outcome(
            &Command::ReserveTrack {
                rmz: false,
                reservation: TrackReservation::Size(blocks),
            },
            DataPhase::None,
        )
    }

    pub fn blank(&mut self, t: BlankType, immed: bool) -> Option<SenseCode> {
        self.outcome(
            &Command::Blank {
                immed,
                blank_type: t,
                address: 0,
            },
            DataPhase::None,
        )
    }

    pub fn format(
        &mut self,
        format_type: FormatType,
        blocks: u32,
        param: u32,
        immed: bool,
    ) -> Option<SenseCode> {
        let mut p = FormatUnitParameters::immediate(format_type, blocks, param);
        p.immed = immed;
        let list = p.encode();
        self.outcome(
            &Command::FormatUnit {
                fmt_data: true,
                cmp_list: false,
                format_code: 1,
            },
            DataPhase::Out(&list),
        )
    }

    /// Polls TEST UNIT READY while the unit reports a long operation;
    /// returns the number of busy answers, checking that the sense is
    /// `expect` and that progress never goes back.
    pub fn wait_ready(&mut self, expect: SenseCode) -> usize {
        let mut busy = 0;
        let mut last = 0u16;
        for _ in 0..10_000 {
            let r = self.run(&Command::TestUnitReady, DataPhase::None).unwrap();
            if r.status == ScsiStatus::Good {
                return busy;
            }
            let s = Sense::decode(&r.sense).unwrap();
            if s.is_unit_attention() {
                continue;
            }
            assert_eq!(triple(&s), expect, "while waiting");
            let p = s.progress.expect("progress in sense bytes 16-17");
            assert!(p >= last, "progress went back: {last} then {p}");
            last = p;
            busy += 1;
        }
        panic!("the unit never became ready");
    }

    pub fn write_speeds(&mut self) -> Vec<u32> {
        let b = self.ok_in(
            &Command::GetPerformance {
                data_type: 0,
                start_lba: 0,
                max_descriptors: 32,
                performance_type: PerformanceType::WriteSpeed,
            },
            8 + 32 * 16,
        );
        imapi2_mmc::performance::WriteSpeedList::decode(&b)
            .unwrap()
            .descriptors
            .iter()
            .map(|d| d.write_speed)
            .collect()
    }
}

/// Format types used by the scripts.
pub const DVD_PLUS_RW: FormatType = FormatType::DVD_PLUS_RW_BASIC;
