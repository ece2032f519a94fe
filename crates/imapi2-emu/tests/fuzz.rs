//! Random command blocks never panic the target and never break the
//! invariants: known operation codes with random fields (and random data
//! phases), unknown ones, short and long CDBs, on every medium kind and
//! personality.

mod common;

use common::Host;
use imapi2_emu::media::MediaKind;
use imapi2_emu::{Medium, Personality, VirtualDisc, VirtualRecorder};
use imapi2_mmc::cdb::{cdb_length, opcode};
use imapi2_mmc::transport::DataPhase;
use proptest::prelude::*;

const KNOWN: [u8; 39] = [
    opcode::TEST_UNIT_READY,
    opcode::REQUEST_SENSE,
    opcode::FORMAT_UNIT,
    opcode::READ_6,
    opcode::INQUIRY,
    opcode::MODE_SELECT_6,
    opcode::MODE_SENSE_6,
    opcode::START_STOP_UNIT,
    opcode::PREVENT_ALLOW_MEDIUM_REMOVAL,
    opcode::READ_FORMAT_CAPACITIES,
    opcode::READ_CAPACITY,
    opcode::READ_10,
    opcode::WRITE_10,
    opcode::WRITE_AND_VERIFY_10,
    opcode::VERIFY_10,
    opcode::SYNCHRONIZE_CACHE,
    opcode::READ_TOC_PMA_ATIP,
    opcode::GET_CONFIGURATION,
    opcode::GET_EVENT_STATUS_NOTIFICATION,
    opcode::READ_DISC_INFORMATION,
    opcode::READ_TRACK_INFORMATION,
    opcode::RESERVE_TRACK,
    opcode::SEND_OPC_INFORMATION,
    opcode::MODE_SELECT_10,
    opcode::MODE_SENSE_10,
    opcode::CLOSE_TRACK_SESSION,
    opcode::READ_BUFFER_CAPACITY,
    opcode::SEND_CUE_SHEET,
    opcode::BLANK,
    opcode::READ_12,
    opcode::WRITE_12,
    opcode::GET_PERFORMANCE,
    opcode::READ_DISC_STRUCTURE,
    opcode::SET_STREAMING,
    opcode::SET_CD_SPEED,
    opcode::MECHANISM_STATUS,
    opcode::READ_CD,
    opcode::SEND_DISC_STRUCTURE,
    0x42,
];

#[derive(Debug, Clone)]
struct RandomCommand {
    cdb: Vec<u8>,
    direction: u8,
    data: Vec<u8>,
}

fn command() -> impl Strategy<Value = RandomCommand> {
    (
        prop_oneof![4 => proptest::sample::select(KNOWN.to_vec()), 1 => any::<u8>()],
        proptest::collection::vec(any::<u8>(), 16),
        0u8..8,
        0u8..3,
        proptest::collection::vec(any::<u8>(), 0..300),
        0usize..20_000,
    )
        .prop_map(|(op, mut bytes, shape, direction, data, len)| {
            bytes[0] = op;
            // Mostly small numbers in the LBA/length bytes, so commands can succeed.
            if shape < 4 {
                for b in bytes.iter_mut().skip(2).take(4) {
                    *b &= 0x01;
                }
                bytes[7] = 0;
                bytes[8] &= 0x3F;
            }
            let n = match (shape, cdb_length(op)) {
                (0..=5, Some(n)) => n,
                (6, Some(n)) => n.saturating_sub(1).max(1),
                _ => 1 + (len % 16),
            };
            bytes.truncate(n);
            let mut data = data;
            if direction == 2 && shape % 2 == 0 {
                data.resize(len.min(16 * 2352), 0x5A);
            }
            if direction == 1 {
                data = vec![0; len];
            }
            RandomCommand {
                cdb: bytes,
                direction,
                data,
            }
        })
}

fn kind() -> impl Strategy<Value = MediaKind> {
    proptest::sample::select(MediaKind::ALL.to_vec())
}

fn personality() -> impl Strategy<Value = Personality> {
    proptest::sample::select(Personality::ALL.to_vec())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 160, failure_persistence: None, .. ProptestConfig::default() })]

    #[test]
    fn random_cdbs_never_panic_nor_break_invariants(
        kind in kind(),
        personality in personality(),
        commands in proptest::collection::vec(command(), 1..40),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let medium = Medium::with_capacity(kind, kind.write_unit().max(16) * 128).unwrap();
        let disc = VirtualDisc::create_with(dir.path().join("m"), medium).unwrap();
        let rec = VirtualRecorder::with_disc(personality, disc);
        // The host's invariant checker runs after every command and panics on
        // a violation (which proptest reports with the shrunk input).
        let mut h = Host::with_recorder(rec, dir);
        for c in &commands {
            let mut buf = c.data.clone();
            let data = match c.direction {
                0 => DataPhase::None,
                1 => DataPhase::In(&mut buf),
                _ => DataPhase::Out(&c.data),
            };
            let _ = h.raw(&c.cdb, data);
        }
    }
}

#[test]
fn every_opcode_with_zero_fields_is_answered() {
    for p in Personality::ALL {
        for kind in MediaKind::ALL {
            let dir = tempfile::tempdir().unwrap();
            let disc = VirtualDisc::create_with(
                dir.path().join("m"),
                Medium::with_capacity(kind, 4096).unwrap(),
            )
            .unwrap();
            let mut h = Host::with_recorder(VirtualRecorder::with_disc(p, disc), dir);
            for op in 0..=255u8 {
                let n = cdb_length(op).unwrap_or(10);
                let mut cdb = vec![0u8; n];
                cdb[0] = op;
                let mut buf = vec![0u8; 4096];
                let r = h.raw(&cdb, DataPhase::In(&mut buf));
                if cdb_length(op).is_none() {
                    let r = r.unwrap();
                    let s = imapi2_mmc::sense::Sense::decode(&r.sense).unwrap();
                    assert!(
                        s.key.to_u8() == 5 && s.asc == 0x20 || s.is_unit_attention(),
                        "{op:#04x}: {s:?}"
                    );
                }
            }
        }
    }
}
