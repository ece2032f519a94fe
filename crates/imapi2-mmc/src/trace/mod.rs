//! Transport decorators that watch the command stream, and the trace format
//! they share.
//!
//! - [`Logging`] writes one human-readable line per command (CDB, command
//!   name, status, sense key/ASC/ASCQ, bytes moved, duration) to any `Write`.
//! - [`Recording`] appends every exchange to a trace, in the text format
//!   below.
//! - [`Replay`] is a transport that answers from a trace, in order, and
//!   refuses a command whose CDB (or data-out) differs from the recorded one.
//!
//! One job per file: `format` is the trace format below ([`Trace`],
//! [`Exchange`], its printer and parser), `names` the command and sense
//! names logs use ([`opcode_name`], [`sense_triplet`]), and `logging`,
//! `record`, `replay` the three decorators.
//!
//! # Trace format, version 1
//!
//! A trace is UTF-8 text, one record per line; fields are separated by single
//! spaces and hex is lower or upper case, with optional spaces between
//! bytes. Blank lines and lines starting with `#` are comments. One
//! exchange (command and outcome) reads:
//!
//! ```text
//! cmd 12 00 00 00 24 00 in=36 timeout=30000 # INQUIRY
//! status 00 moved=36
//! in 05 80 05 32 1f 00 00 00 51 45 4d 55 20 20 20 20 ...
//! end
//! ```
//!
//! | line | meaning |
//! |---|---|
//! | `meta KEY VALUE` | a fact about the whole trace (device, image size); KEY has no spaces, VALUE is the rest of the line |
//! | `cmd CDB PHASE timeout=MS` | starts an exchange: the CDB bytes in hex (6 to 16), the data phase `none`, `in=N` (allocation length) or `out=N` (bytes sent), the timeout in milliseconds; a trailing `# ...` is a comment (the recorder writes the command name there) |
//! | `out HEX` | data-out bytes; repeated lines concatenate (32 bytes per line) |
//! | `out-digest N FNV` | the data-out was longer than the recorder's limit: the `out` lines hold only its first bytes, N is its full length and FNV its FNV-1a 64-bit hash (16 hex digits) |
//! | `status SS moved=N` | the command completed with SCSI status byte SS having moved N bytes |
//! | `sense HEX` | the sense bytes returned with the status |
//! | `in HEX` | data-in bytes actually transferred (N of them); repeated lines concatenate |
//! | `error KIND ARGS` | instead of `status`: the transport failed: `os ERRNO CONTEXT`, `host CODE`, `driver CODE`, `timeout MS`, `nodevice NAME`, `badrequest REASON` (texts with `\\`, `\n`, `\r` escaped) |
//! | `end` | closes the exchange |
//!
//! Every exchange has exactly one `status` or `error`; `out` only with
//! `out=N`, `in` only with `in=N` and a `status`.

mod format;
mod logging;
mod names;
mod record;
mod replay;

pub use format::{fnv1a64, DataOut, Exchange, Outcome, Phase, Trace};
pub use logging::{log_line, Logging};
pub use names::{opcode_name, sense_triplet};
pub use record::Recording;
pub use replay::Replay;

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::transport::{
        DataPhase, Request, Response, ScsiStatus, ScsiTransport, TransportError,
    };

    /// A fake drive with fixed answers per opcode; counts what reaches it.
    struct Scripted {
        calls: usize,
    }

    const INQUIRY_DATA: [u8; 36] = *b"\x05\x80\x05\x32\x1f\x00\x00\x00QEMU    QEMU CD-ROM     2.5+";

    impl ScsiTransport for Scripted {
        fn execute(&mut self, r: Request<'_>) -> Result<Response, TransportError> {
            self.calls += 1;
            match (r.cdb[0], r.data) {
                (0x12, DataPhase::In(buf)) => {
                    let n = buf.len().min(36);
                    buf[..n].copy_from_slice(&INQUIRY_DATA[..n]);
                    Ok(Response::good(n))
                }
                (0x00, _) => Ok(Response::check_condition(
                    crate::fault::fixed_sense(2, 0x3a, 0x02).to_vec(),
                )),
                (0x2A, DataPhase::Out(b)) => Ok(Response::good(b.len())),
                (0x25, _) => Err(TransportError::Timeout { after: r.timeout }),
                (0x5A, _) => Err(TransportError::Os {
                    errno: 5,
                    context: "line one\nline \\two".into(),
                }),
                (0x1B, _) => Err(TransportError::NoDevice {
                    device: "/dev/sr9".into(),
                }),
                (0xBD, _) => Err(TransportError::Host { code: 7 }),
                (0xBE, _) => Err(TransportError::Driver { code: 0x24 }),
                (0xA1, _) => Err(TransportError::BadRequest {
                    reason: "no".into(),
                }),
                (0x28, DataPhase::In(buf)) => {
                    // A short read with a recovered-error status byte.
                    buf[0] = 0xEE;
                    Ok(Response {
                        status: ScsiStatus::Other(0x22),
                        sense: vec![0x72, 1, 0x17, 0x01],
                        transferred: 1,
                    })
                }
                _ => Ok(Response::good(0)),
            }
        }

        fn device_name(&self) -> String {
            "scripted".into()
        }
    }

    /// The command sequence of the tests: each CDB with its data phase.
    fn commands() -> Vec<(Vec<u8>, Option<Vec<u8>>, usize)> {
        let write: Vec<u8> = (0..4096u32).map(|i| (i * 7 % 251) as u8).collect();
        vec![
            (vec![0x12, 0, 0, 0, 36, 0], None, 36),
            (vec![0x12, 0, 0, 0, 96, 0], None, 96),
            (vec![0, 0, 0, 0, 0, 0], None, 0),
            (vec![0x2A, 0, 0, 0, 0, 16, 0, 0, 2, 0], Some(write), 0),
            (
                vec![0x55, 0x10, 0, 0, 0, 0, 0, 0, 4, 0],
                Some(vec![1, 2, 3, 4]),
                0,
            ),
            (vec![0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0], None, 8),
            (vec![0x5A, 0, 0x2A, 0, 0, 0, 0, 0, 64, 0], None, 64),
            (vec![0x1B, 0, 0, 0, 2, 0], None, 0),
            (vec![0xBD, 0, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0], None, 8),
            (vec![0xBE, 0, 0, 0, 0, 0, 0, 0, 1, 0x10, 0, 0], None, 2352),
            (vec![0xA1, 0x11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], None, 0),
            (vec![0x28, 0, 0, 0, 0, 16, 0, 0, 1, 0], None, 2048),
            (vec![0xC0, 0, 0, 0, 0, 0], None, 0),
        ]
    }

    /// Each command's result and the data-in it received.
    type Answers = Vec<(Result<Response, TransportError>, Vec<u8>)>;

    /// Runs the sequence, returning each result and the data-in received.
    fn run(t: &mut dyn ScsiTransport) -> Answers {
        commands()
            .into_iter()
            .map(|(cdb, out, alloc)| {
                let mut buf = vec![0u8; alloc];
                let data = match &out {
                    Some(o) => DataPhase::Out(o),
                    None if alloc > 0 => DataPhase::In(&mut buf),
                    None => DataPhase::None,
                };
                let r = t.execute(Request {
                    cdb: &cdb,
                    data,
                    timeout: Duration::from_millis(1234),
                });
                (r, buf)
            })
            .collect()
    }

    fn record(limit: Option<usize>) -> (Answers, String) {
        let mut rec = Recording::new(Scripted { calls: 0 }, Vec::new());
        if let Some(l) = limit {
            rec = rec.truncate_data_out_above(l);
        }
        rec.comment("made by a test\nsecond line");
        rec.meta("device", "/dev/fake 0");
        let live = run(&mut rec);
        assert!(rec.take_error().is_none());
        let (inner, out) = rec.into_parts();
        assert_eq!(inner.calls, commands().len());
        (live, String::from_utf8(out).unwrap())
    }

    #[test]
    fn record_then_replay_gives_the_same_answers() {
        for limit in [None, Some(256)] {
            let (live, text) = record(limit);
            let trace = Trace::decode(&text).unwrap();
            assert_eq!(trace.exchanges.len(), commands().len());
            assert_eq!(trace.meta("device"), Some("/dev/fake 0"));
            // Encoding the decoded trace and decoding again changes nothing.
            assert_eq!(Trace::decode(&trace.encode()).unwrap(), trace);
            let mut replay = Replay::new(trace);
            assert_eq!(replay.device_name(), "replay:/dev/fake 0");
            let replayed = run(&mut replay);
            assert_eq!(replayed, live);
            assert_eq!(replay.remaining(), 0);
        }
    }

    #[test]
    fn the_text_is_as_documented() {
        let (_, text) = record(Some(40));
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "# made by a test");
        assert_eq!(lines[1], "# second line");
        assert_eq!(lines[2], "meta device /dev/fake 0");
        assert_eq!(
            lines[3],
            "cmd 12 00 00 00 24 00 in=36 timeout=1234 # INQUIRY"
        );
        assert_eq!(lines[4], "status 00 moved=36");
        assert_eq!(lines[5], "in 05 80 05 32 1f 00 00 00 51 45 4d 55 20 20 20 20 51 45 4d 55 20 43 44 2d 52 4f 4d 20 20 20 20 20");
        assert_eq!(lines[6], "in 32 2e 35 2b");
        assert_eq!(lines[7], "end");
        let tur = lines.iter().position(|l| l.starts_with("cmd 00 ")).unwrap();
        assert_eq!(
            &lines[tur..tur + 4],
            &[
                "cmd 00 00 00 00 00 00 none timeout=1234 # TEST UNIT READY",
                "status 02 moved=0",
                "sense 70 00 02 00 00 00 00 0a 00 00 00 00 3a 02 00 00 00 00",
                "end"
            ]
        );
        let w = lines.iter().position(|l| l.starts_with("cmd 2a")).unwrap();
        assert_eq!(
            lines[w],
            "cmd 2a 00 00 00 00 10 00 00 02 00 out=4096 timeout=1234 # WRITE(10)"
        );
        assert!(lines[w + 1].starts_with("out 00 07 0e 15"));
        assert!(lines[w + 2].starts_with("out "));
        let write: Vec<u8> = (0..4096u32).map(|i| (i * 7 % 251) as u8).collect();
        assert_eq!(
            lines[w + 3],
            format!("out-digest 4096 {:016x}", fnv1a64(&write))
        );
        assert_eq!(lines[w + 4], "status 00 moved=4096");
        assert!(
            text.contains("\nerror os 5 line one\\nline \\\\two\n"),
            "{text}"
        );
        assert!(text.contains("\nerror timeout 1234\n"));
        assert!(text.contains("\nerror nodevice /dev/sr9\n"));
        assert!(text.contains("\nerror host 7\n"));
        assert!(text.contains("\nerror driver 36\n"));
        assert!(text.contains("\nerror badrequest no\n"));
        assert!(text.contains("cmd c0 00 00 00 00 00 none timeout=1234\nstatus 00 moved=0\nend\n"));
    }

    fn replay_of_sequence() -> Replay {
        Replay::new(Trace::decode(&record(Some(256)).1).unwrap())
    }

    #[test]
    fn replay_refuses_a_different_cdb_and_names_both() {
        let mut replay = replay_of_sequence();
        let mut buf = [0u8; 36];
        replay
            .execute(Request {
                cdb: &[0x12, 0, 0, 0, 36, 0],
                data: DataPhase::In(&mut buf),
                timeout: Duration::ZERO,
            })
            .unwrap();
        let mut buf = [0u8; 96];
        let e = replay
            .execute(Request {
                cdb: &[0x12, 1, 0x80, 0, 96, 0],
                data: DataPhase::In(&mut buf),
                timeout: Duration::ZERO,
            })
            .unwrap_err();
        assert_eq!(
            e,
            TransportError::BadRequest {
                reason:
                    "replay step 2: expected CDB [12 00 00 00 60 00] but got [12 01 80 00 60 00]"
                        .into()
            }
        );
        // The replay stays on step 2.
        assert_eq!(replay.position(), 1);
        let r = replay
            .execute(Request {
                cdb: &[0x12, 0, 0, 0, 96, 0],
                data: DataPhase::In(&mut buf),
                timeout: Duration::ZERO,
            })
            .unwrap();
        assert_eq!(r.transferred, 36);
        assert_eq!(&buf[8..12], b"QEMU");
    }

    #[test]
    fn replay_checks_data_phases_and_the_end() {
        let mut replay = replay_of_sequence();
        // Step 1 with the wrong allocation length.
        let mut small = [0u8; 35];
        let e = replay
            .execute(Request {
                cdb: &[0x12, 0, 0, 0, 36, 0],
                data: DataPhase::In(&mut small),
                timeout: Duration::ZERO,
            })
            .unwrap_err();
        assert!(
            e.to_string()
                .contains("the trace has data-in of 36 bytes, the request data-in of 35 bytes"),
            "{e}"
        );
        let mut replay = replay_of_sequence();
        let cmds = commands();
        for (cdb, out, alloc) in &cmds[..3] {
            let mut buf = vec![0u8; *alloc];
            let data = if *alloc > 0 {
                DataPhase::In(&mut buf)
            } else {
                DataPhase::None
            };
            let _ = out;
            replay
                .execute(Request {
                    cdb,
                    data,
                    timeout: Duration::ZERO,
                })
                .unwrap();
        }
        // WRITE(10) whose payload differs in the truncated tail: the digest catches it.
        let mut payload = cmds[3].1.clone().unwrap();
        payload[4000] ^= 1;
        let e = replay
            .execute(Request {
                cdb: &cmds[3].0,
                data: DataPhase::Out(&payload),
                timeout: Duration::ZERO,
            })
            .unwrap_err();
        assert!(
            e.to_string().contains(
                "replay step 4: CDB [2a 00 00 00 00 10 00 00 02 00]: the data-out differs"
            ),
            "{e}"
        );
        payload[4000] ^= 1;
        replay
            .execute(Request {
                cdb: &cmds[3].0,
                data: DataPhase::Out(&payload),
                timeout: Duration::ZERO,
            })
            .unwrap();
        // Run out the trace, then one more.
        let mut replay = replay_of_sequence();
        let _ = run(&mut replay);
        let e = replay
            .execute(Request {
                cdb: &[0, 0, 0, 0, 0, 0],
                data: DataPhase::None,
                timeout: Duration::ZERO,
            })
            .unwrap_err();
        assert_eq!(
            e,
            TransportError::BadRequest {
                reason:
                    "replay step 14: the trace has only 13 exchanges; got CDB [00 00 00 00 00 00]"
                        .into()
            }
        );
    }

    #[test]
    fn malformed_traces_are_refused_with_the_line() {
        let ok = "cmd 00 00 00 00 00 00 none timeout=1\nstatus 00 moved=0\nend\n";
        assert_eq!(Trace::decode(ok).unwrap().exchanges.len(), 1);
        let cases = [
            ("cmd 00 00 00 00 00 00 none timeout=1\nstatus 00 moved=0\n", "line 1: exchange not closed"),
            ("status 00 moved=0\n", "line 1: \"status\" outside an exchange"),
            ("cmd 00 00 00 none timeout=1\n", "a CDB is 6 to 16 bytes, this one has 3"),
            ("cmd 00 00 00 00 00 00 timeout=1\nend\n", "line 1: cmd without none"),
            ("cmd 00 00 00 00 00 00 none\nend\n", "cmd without timeout"),
            ("cmd 00 00 00 00 00 0g none timeout=1\nend\n", "not hex"),
            ("cmd 00 00 00 00 00 00 none timeout=1\nend\n", "line 2: exchange without status or error"),
            ("cmd 12 00 00 00 24 00 in=4 timeout=1\nstatus 00 moved=5\nin 00 00 00 00 00\nend\n", "moved=5 exceeds"),
            ("cmd 12 00 00 00 24 00 in=4 timeout=1\nstatus 00 moved=3\nin 00 00\nend\n", "moved=3 but 2 data-in"),
            ("cmd 00 00 00 00 00 00 none timeout=1\nin 00\n", "line 2: in line without in=N"),
            ("cmd 00 00 00 00 00 00 none timeout=1\nstatus 00 moved=0\nerror host 1\nend\n", "line 3: a second status"),
            ("cmd 2a 00 00 00 00 00 00 00 01 00 out=3 timeout=1\nout 01 02\nstatus 00 moved=0\nend\n", "out=3 but"),
            ("cmd 00 00 00 00 00 00 none timeout=1\nerror planet 3\nend\n", "unknown error kind"),
            ("cmd 00 00 00 00 00 00 none timeout=1\nwhat\nend\n", "line 2: unknown record"),
            ("cmd 00 00 00 00 00 00 none timeout=1\ncmd 00 00 00 00 00 00 none timeout=1\n", "line 2: cmd inside"),
            ("cmd 00 00 00 00 00 00 none timeout=1\nstatus 0000 moved=0\nend\n", "not one byte"),
            ("cmd 00 00 00 00 00 00 none timeout=1\nerror timeout soon\nend\n", "timeout: \"soon\" is not a number"),
            ("cmd 00 00 00 00 00 00 none timeout=1\nerror host 1\nsense 70\nend\n", "sense or data-in with a transport error"),
        ];
        for (text, want) in cases {
            let e = Trace::decode(text).unwrap_err();
            assert!(e.to_string().contains(want), "{text:?}: {e}");
        }
    }

    proptest::proptest! {
        #[test]
        fn decoding_arbitrary_text_never_panics(s in "\\PC{0,200}") {
            let _ = Trace::decode(&s);
        }

        #[test]
        fn decoding_mutated_traces_never_panics(cut in 0usize..4000, byte in 0u8..128, at in 0usize..4000) {
            let (_, text) = record(Some(64));
            let mut b = text.into_bytes();
            let at = at % b.len();
            b[at] = byte;
            b.truncate(cut.max(1).min(b.len()));
            if let Ok(t) = std::str::from_utf8(&b) {
                if let Ok(trace) = Trace::decode(t) {
                    // Whatever decodes, re-encodes to the same trace.
                    proptest::prop_assert_eq!(Trace::decode(&trace.encode()).unwrap(), trace);
                }
            }
        }
    }

    #[test]
    fn log_lines_name_commands_and_sense() {
        let tur = Ok(Response::check_condition(
            crate::fault::fixed_sense(2, 0x3a, 0x02).to_vec(),
        ));
        assert_eq!(
            log_line(4, &[0, 0, 0, 0, 0, 0], "", &tur, Duration::from_micros(153)),
            "#4 TEST UNIT READY [00 00 00 00 00 00] -> CHECK CONDITION 2/3A/02, 0 bytes, 0.153 ms"
        );
        assert_eq!(
            log_line(
                3,
                &[0x12, 0, 0, 0, 36, 0],
                "in 36",
                &Ok(Response::good(36)),
                Duration::from_micros(412)
            ),
            "#3 INQUIRY [12 00 00 00 24 00] in 36 -> GOOD, 36 bytes, 0.412 ms"
        );
        let odd = Ok(Response {
            status: ScsiStatus::Other(0x22),
            sense: vec![0x01, 0x02],
            transferred: 0,
        });
        assert_eq!(
            log_line(1, &[0xC0, 0, 0, 0, 0, 0], "", &odd, Duration::ZERO),
            "#1 opcode C0h [c0 00 00 00 00 00] -> status 22h sense [01 02], 0 bytes, 0.000 ms"
        );
        let e = Err(TransportError::Timeout {
            after: Duration::from_secs(30),
        });
        assert_eq!(
            log_line(9, &[0x5B, 0, 0, 0, 0, 0, 0, 0, 0, 0], "", &e, Duration::from_secs(30)),
            "#9 CLOSE TRACK/SESSION [5b 00 00 00 00 00 00 00 00 00] -> error: command timed out after 30.0 s, 30000.000 ms"
        );

        let mut log = Logging::new(Scripted { calls: 0 }, Vec::new());
        let live = run(&mut log);
        assert!(log.take_error().is_none());
        let (inner, out) = log.into_parts();
        assert_eq!(inner.calls, live.len());
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), live.len());
        assert!(
            lines[0].starts_with("#1 INQUIRY [12 00 00 00 24 00] in 36 -> GOOD, 36 bytes, "),
            "{}",
            lines[0]
        );
        assert!(lines[2].starts_with(
            "#3 TEST UNIT READY [00 00 00 00 00 00] -> CHECK CONDITION 2/3A/02, 0 bytes"
        ));
        assert!(lines[3].starts_with(
            "#4 WRITE(10) [2a 00 00 00 00 10 00 00 02 00] out 4096 -> GOOD, 4096 bytes"
        ));
        assert!(
            lines[6]
                .contains("-> error: line one\\nline \\\\two: Input/output error (os error 5), "),
            "{}",
            lines[6]
        );
        assert!(lines[11].starts_with(
            "#12 READ(10) [28 00 00 00 00 10 00 00 01 00] in 2048 -> status 22h 1/17/01, 1 bytes"
        ));
    }

    #[test]
    fn sense_triplets_and_digests() {
        assert_eq!(
            sense_triplet(&crate::fault::fixed_sense(5, 0x24, 0)),
            Some((5, 0x24, 0))
        );
        assert_eq!(
            sense_triplet(&[0xF1, 0, 0x43, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x0c, 0x09]),
            Some((3, 0x0c, 0x09))
        );
        assert_eq!(sense_triplet(&[0x72, 0x06, 0x28, 0x00]), Some((6, 0x28, 0)));
        assert_eq!(sense_triplet(&[0x70, 0, 2]), None);
        assert_eq!(sense_triplet(&[0x72, 6, 0x28]), None);
        assert_eq!(sense_triplet(&[]), None);
        assert_eq!(sense_triplet(&[0x7f; 20]), None);
        // Published FNV-1a 64 test vectors.
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
        assert_eq!(opcode_name(0x46), Some("GET CONFIGURATION"));
        assert_eq!(opcode_name(0xFF), None);
    }
}
