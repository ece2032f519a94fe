//! The virtual recorder answering arbitrary command sequences: each input is
//! a series of records (u8 CDB length, the CDB, u16 data-out length, the
//! data), sent to a BD writer holding a blank medium of the kind the first
//! byte picks. No command may panic the target, hang it, or make it answer
//! with more bytes than were asked for.
#![no_main]

use std::time::Duration;

use imapi2_emu::{MediaKind, Personality, VirtualDisc, VirtualRecorder};
use imapi2_mmc::{DataPhase, Request, ScsiTransport};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, mut rest)) = data.split_first() else {
        return;
    };
    let kinds: Vec<MediaKind> = MediaKind::ALL.into_iter().filter(|k| !k.is_rom()).collect();
    let kind = kinds[usize::from(pick) % kinds.len()];
    let dir = std::env::temp_dir().join(format!("imapi2-fuzz-emu-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let Ok(disc) = VirtualDisc::create(&dir, kind) else {
        return;
    };
    let mut r = VirtualRecorder::with_disc(Personality::BdWriter, disc);
    let mut buf = vec![0u8; 1 << 16];
    for _ in 0..64 {
        let Some((&n, tail)) = rest.split_first() else { break };
        let n = usize::from(n % 17);
        if tail.len() < n + 2 {
            break;
        }
        let cdb = &tail[..n];
        let out_len = usize::from(u16::from_le_bytes([tail[n], tail[n + 1]])) % 8192;
        let tail = &tail[n + 2..];
        let out = &tail[..out_len.min(tail.len())];
        rest = &tail[out.len()..];
        let phase = if out.is_empty() {
            DataPhase::In(&mut buf)
        } else {
            DataPhase::Out(out)
        };
        let asked = phase.len();
        if let Ok(resp) = r.execute(Request { cdb, data: phase, timeout: Duration::from_secs(10) }) {
            assert!(resp.transferred <= asked, "moved {} of {asked}", resp.transferred);
        }
    }
    drop(r);
    let _ = std::fs::remove_dir_all(&dir);
});
