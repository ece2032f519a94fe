//! Fault plans: failures the virtual recorder produces on purpose, exactly
//! where planned, so the initiator's sense and retry handling can be tested.
//!
//! A plan is plain data: rules (a trigger and an effect), a media defect
//! list and drive quirks. It is built in code or loaded from a text file
//! (`faults.plan` in the drive's state directory), and
//! [`FaultPlan::format`] writes one back:
//!
//! ```text
//! imapi2-emu-faults 1
//! # the 5th command fails with a write error, once
//! at-command 5 sense 03/0C/00 once
//! # the 3rd WRITE(10) sees a full buffer, every time it is retried
//! at-opcode 2A nth=3 sense 02/04/08 always
//! # a READ(10) touching blocks 1000..2000 fails once
//! at-lba 1000 2000 opcode=28 sense 03/11/05 once
//! # power fails before the 40th command
//! at-command 40 power-loss
//! # the transport times out on the next SYNCHRONIZE CACHE
//! at-opcode 35 timeout once
//! at-command 9 no-device once
//! # every WRITE(10) answers GOOD and records nothing
//! at-opcode 2A discard always
//! # the medium is pulled out before the 6th WRITE(10)
//! at-opcode 2A nth=6 remove-medium
//! # reads of blocks 5000..5100 fail with 03/11/00, always
//! defect 5000 5100
//! # the drive lists no write speeds
//! quirk no-write-speeds
//! ```
//!
//! Commands are counted from 1 over everything the recorder receives.
//! `once` rules fire the first time they match (the default), `always`
//! rules every time; the first matching rule wins. The effects:
//!
//! - `sense KK/AA/QQ`: CHECK CONDITION with that sense instead of the
//!   command. The command does nothing, except that a medium error (key 3)
//!   or a hardware error (key 4) on a WRITE to a sequential medium (CD,
//!   DVD±R, DVD-RW sequential, BD-R) is a write that failed under the
//!   laser: the track being written is left damaged and no longer writable,
//!   as a real drive leaves it (mmc-notes §1.5: a write error is fatal for
//!   the burn; see [`crate::media::Medium::interrupt_recording`]). On
//!   overwritable media the same WRITE may simply be sent again.
//! - `timeout`: the command never completes; the transport reports a
//!   timeout.
//! - `no-device`: the device is gone for this command (transport "no
//!   device").
//! - `power-loss`: the power fails *before* the command runs: the drive
//!   loses everything written after the last SYNCHRONIZE CACHE (and after
//!   the last close, blank or format, which flush too), forgets its mode
//!   pages, locks and pending operations, and reports 06/29/00 power on to
//!   the next command.
//! - `discard`: the command answers GOOD and does nothing at all: a WRITE's
//!   data is taken and dropped (the medium does not change), a data-in
//!   command moves no bytes. A drive that accepts every command and records
//!   nothing, to test that a burner never reports a false success.
//! - `remove-medium`: *before* the command runs the medium is pulled out
//!   (the emergency eject: the tray opens whatever the lock says). What
//!   was written after the last synchronization is lost, as with a power
//!   loss, and the open tracks are damaged; the drive raises a "media
//!   removal" event, and this command and the following ones see no medium
//!   (02/3A/02, tray open) until the tray is closed again.
//!
//! - `corrupt`: the WRITE is recorded, but the first byte of each of its
//!   blocks in the trigger's LBA range (every block, for other triggers) is
//!   inverted, and the command answers GOOD: a medium holding wrong data
//!   that only reading it back finds (`at-lba 700 701 opcode=2A corrupt`).
//!
//! A `defect <start> <end>` record makes READs of those blocks fail with
//! 03/11/00. A `quirk <name>` record changes how the drive answers: the
//! only quirk is `no-write-speeds`, a drive that lists none (GET
//! PERFORMANCE type 03h answers the header alone, page 2Ah carries no write
//! speed descriptors; mmc-notes §1.4 names the host's fallbacks).

use crate::error::{Error, Result, SenseCode};
use crate::ranges::RangeSet;

/// When a rule applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// The n-th command (1-based) the recorder receives.
    Command(u64),
    /// Commands with this opcode; with `nth`, only the n-th of them.
    Opcode {
        /// Operation code.
        opcode: u8,
        /// Which occurrence (1-based), or every one.
        nth: Option<u64>,
    },
    /// Block commands (READ, WRITE, VERIFY, READ CD) touching `[start, end)`,
    /// optionally only those with `opcode`.
    Lba {
        /// First LBA.
        start: i64,
        /// First LBA after the range.
        end: i64,
        /// Only this opcode.
        opcode: Option<u8>,
    },
}

/// What happens when a rule fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// CHECK CONDITION with this sense; the command does nothing.
    Sense(SenseCode),
    /// The command never completes: the transport reports a timeout.
    Timeout,
    /// The device disappears for this command (transport "no device").
    NoDevice,
    /// Power fails before the command runs.
    PowerLoss,
    /// GOOD status and nothing happens: WRITE data is dropped, a data-in
    /// command moves no bytes.
    Discard,
    /// The medium is pulled out (tray open, lock or not) before the command
    /// runs.
    RemoveMedium,
    /// A WRITE is recorded with the first byte of each of its blocks in
    /// `[start, end)` inverted, and answers GOOD: a medium that holds wrong
    /// data without a word (what only reading back finds).
    Corrupt {
        /// First LBA corrupted.
        start: i64,
        /// First LBA after them.
        end: i64,
    },
}

impl Effect {
    /// The effect as a plan file writes it (`sense 03/0C/00`, `timeout`,
    /// `no-device`, `power-loss`, `discard`, `remove-medium`, `corrupt`).
    pub fn text(&self) -> String {
        match self {
            Effect::Sense(s) => format!("sense {:02X}/{:02X}/{:02X}", s.key, s.asc, s.ascq),
            Effect::Timeout => "timeout".into(),
            Effect::NoDevice => "no-device".into(),
            Effect::PowerLoss => "power-loss".into(),
            Effect::Discard => "discard".into(),
            Effect::RemoveMedium => "remove-medium".into(),
            Effect::Corrupt { .. } => "corrupt".into(),
        }
    }
}

/// How the drive answers besides faults: `quirk` records of a plan.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Quirks {
    /// `no-write-speeds`: the drive lists no write speeds (GET PERFORMANCE
    /// type 03h answers the header alone, page 2Ah has no write speed
    /// descriptors).
    pub no_write_speeds: bool,
}

/// One rule of a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultRule {
    /// When.
    pub trigger: Trigger,
    /// What.
    pub effect: Effect,
    /// Fire only the first time (else every time the trigger matches).
    pub once: bool,
    /// Times fired so far.
    pub fired: u64,
}

/// A fault plan: rules, a media defect list and drive quirks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FaultPlan {
    /// The rules, checked in order; the first match wins.
    pub rules: Vec<FaultRule>,
    /// Blocks whose READ fails with 03/11/00.
    pub defects: RangeSet,
    /// How the drive answers besides faults.
    pub quirks: Quirks,
    opcode_counts: Vec<(u8, u64)>,
}

/// What the recorder tells the plan about a command before running it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommandFacts {
    /// 1-based index over every command received.
    pub index: u64,
    /// Operation code.
    pub opcode: u8,
    /// Blocks touched by a block command: `[start, end)`.
    pub lbas: Option<(i64, i64)>,
}

const HEADER: &str = "imapi2-emu-faults 1";

impl FaultPlan {
    /// An empty plan.
    pub fn new() -> FaultPlan {
        FaultPlan::default()
    }

    /// Adds a rule firing once.
    pub fn once(mut self, trigger: Trigger, effect: Effect) -> FaultPlan {
        self.rules.push(FaultRule {
            trigger,
            effect,
            once: true,
            fired: 0,
        });
        self
    }

    /// Adds a rule firing every time.
    pub fn always(mut self, trigger: Trigger, effect: Effect) -> FaultPlan {
        self.rules.push(FaultRule {
            trigger,
            effect,
            once: false,
            fired: 0,
        });
        self
    }

    /// Adds defective blocks `[start, end)`.
    pub fn defect(mut self, start: i64, end: i64) -> FaultPlan {
        self.defects.insert(start, end);
        self
    }

    /// Sets the drive quirks.
    pub fn with_quirks(mut self, quirks: Quirks) -> FaultPlan {
        self.quirks = quirks;
        self
    }

    /// True when some rule can cut the power.
    pub fn has_power_loss(&self) -> bool {
        self.can_fire(Effect::PowerLoss)
    }

    /// True when some rule can make the drive lose what it wrote since the
    /// last synchronization (a power loss, the medium pulled out): the
    /// recorder then keeps what it needs to undo those writes.
    pub fn can_lose_writes(&self) -> bool {
        self.can_fire(Effect::PowerLoss) || self.can_fire(Effect::RemoveMedium)
    }

    fn can_fire(&self, effect: Effect) -> bool {
        self.rules
            .iter()
            .any(|r| r.effect == effect && !(r.once && r.fired > 0))
    }

    /// The plan as a plan file (rules in order, then defects and quirks);
    /// [`FaultPlan::parse`] reads it back. Firing counts are not kept.
    pub fn format(&self) -> String {
        let mut o = format!("{HEADER}\n");
        for r in &self.rules {
            let trigger = match r.trigger {
                Trigger::Command(n) => format!("at-command {n}"),
                Trigger::Opcode { opcode, nth: None } => format!("at-opcode {opcode:02X}"),
                Trigger::Opcode {
                    opcode,
                    nth: Some(n),
                } => format!("at-opcode {opcode:02X} nth={n}"),
                Trigger::Lba {
                    start,
                    end,
                    opcode: None,
                } => format!("at-lba {start} {end}"),
                Trigger::Lba {
                    start,
                    end,
                    opcode: Some(op),
                } => format!("at-lba {start} {end} opcode={op:02X}"),
            };
            let when = if r.once { "once" } else { "always" };
            o.push_str(&format!("{trigger} {} {when}\n", r.effect.text()));
        }
        for &(a, b) in self.defects.ranges() {
            o.push_str(&format!("defect {a} {b}\n"));
        }
        if self.quirks.no_write_speeds {
            o.push_str("quirk no-write-speeds\n");
        }
        o
    }

    /// The effect for a command about to run, if a rule fires.
    pub fn check(&mut self, facts: CommandFacts) -> Option<Effect> {
        let count = match self
            .opcode_counts
            .iter_mut()
            .find(|(o, _)| *o == facts.opcode)
        {
            Some((_, c)) => {
                *c += 1;
                *c
            }
            None => {
                self.opcode_counts.push((facts.opcode, 1));
                1
            }
        };
        for rule in &mut self.rules {
            if rule.once && rule.fired > 0 {
                continue;
            }
            let hit = match rule.trigger {
                Trigger::Command(n) => facts.index == n,
                Trigger::Opcode { opcode, nth } => {
                    opcode == facts.opcode && nth.map_or(true, |n| n == count)
                }
                Trigger::Lba { start, end, opcode } => {
                    opcode.map_or(true, |o| o == facts.opcode)
                        && facts.lbas.is_some_and(|(a, b)| a < end && b > start)
                }
            };
            if hit {
                rule.fired += 1;
                return Some(rule.effect);
            }
        }
        None
    }

    /// The first defective block of `[start, end)`.
    pub fn defect_in(&self, start: i64, end: i64) -> Option<i64> {
        self.defects.first_in(start, end)
    }

    /// Parses a plan; errors name the line.
    pub fn parse(text: &str) -> Result<FaultPlan> {
        FaultPlan::parse_named(text, "fault plan")
    }

    /// Loads a plan from a file.
    pub fn load(path: impl AsRef<std::path::Path>) -> Result<FaultPlan> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, "reading", e))?;
        FaultPlan::parse_named(&text, &path.display().to_string())
    }

    fn parse_named(text: &str, name: &str) -> Result<FaultPlan> {
        let fail = |line: usize, reason: String| Error::StateFile {
            path: name.into(),
            line,
            reason,
        };
        let mut plan = FaultPlan::new();
        let mut header = false;
        for (i, raw) in text.lines().enumerate() {
            let n = i + 1;
            let l = raw.trim();
            if l.is_empty() || l.starts_with('#') {
                continue;
            }
            if !header {
                if l != HEADER {
                    return Err(fail(
                        n,
                        format!("expected the header {HEADER:?}, found {l:?}"),
                    ));
                }
                header = true;
                continue;
            }
            let w: Vec<&str> = l.split_whitespace().collect();
            if w[0] == "quirk" {
                match w[1..] {
                    ["no-write-speeds"] => plan.quirks.no_write_speeds = true,
                    _ => {
                        return Err(fail(
                            n,
                            format!(
                                "expected `quirk no-write-speeds`, found {:?}",
                                w[1..].join(" ")
                            ),
                        ))
                    }
                }
                continue;
            }
            if w[0] == "defect" {
                if w.len() != 3 {
                    return Err(fail(n, "expected `defect <start> <end>`".into()));
                }
                let a = parse_i64(w[1]).map_err(|r| fail(n, r))?;
                let b = parse_i64(w[2]).map_err(|r| fail(n, r))?;
                if b <= a {
                    return Err(fail(n, format!("defect range {a}..{b} is empty")));
                }
                plan.defects.insert(a, b);
                continue;
            }
            let (trigger, rest) = match w[0] {
                "at-command" => {
                    let idx = w
                        .get(1)
                        .ok_or_else(|| fail(n, "expected `at-command <n>`".into()))?;
                    let k = parse_u64(idx).map_err(|r| fail(n, r))?;
                    if k == 0 {
                        return Err(fail(n, "commands are counted from 1".into()));
                    }
                    (Trigger::Command(k), &w[2..])
                }
                "at-opcode" => {
                    let op = w
                        .get(1)
                        .ok_or_else(|| fail(n, "expected `at-opcode <hex>`".into()))?;
                    let opcode = parse_hex_u8(op).map_err(|r| fail(n, r))?;
                    let (nth, rest) = match w.get(2).and_then(|s| s.strip_prefix("nth=")) {
                        Some(v) => (Some(parse_u64(v).map_err(|r| fail(n, r))?), &w[3..]),
                        None => (None, &w[2..]),
                    };
                    (Trigger::Opcode { opcode, nth }, rest)
                }
                "at-lba" => {
                    if w.len() < 3 {
                        return Err(fail(n, "expected `at-lba <start> <end>`".into()));
                    }
                    let start = parse_i64(w[1]).map_err(|r| fail(n, r))?;
                    let end = parse_i64(w[2]).map_err(|r| fail(n, r))?;
                    if end <= start {
                        return Err(fail(n, format!("LBA range {start}..{end} is empty")));
                    }
                    let (opcode, rest) = match w.get(3).and_then(|s| s.strip_prefix("opcode=")) {
                        Some(v) => (Some(parse_hex_u8(v).map_err(|r| fail(n, r))?), &w[4..]),
                        None => (None, &w[3..]),
                    };
                    (Trigger::Lba { start, end, opcode }, rest)
                }
                other => return Err(fail(n, format!("unknown record {other:?}"))),
            };
            let (effect, rest) = match rest {
                ["sense", triple, tail @ ..] => (
                    Effect::Sense(parse_triple(triple).map_err(|r| fail(n, r))?),
                    tail,
                ),
                ["timeout", tail @ ..] => (Effect::Timeout, tail),
                ["no-device", tail @ ..] => (Effect::NoDevice, tail),
                ["power-loss", tail @ ..] => (Effect::PowerLoss, tail),
                ["discard", tail @ ..] => (Effect::Discard, tail),
                ["remove-medium", tail @ ..] => (Effect::RemoveMedium, tail),
                // The blocks corrupted: the trigger's LBA range, else every
                // block of the WRITE.
                ["corrupt", tail @ ..] => match trigger {
                    Trigger::Lba { start, end, .. } => (Effect::Corrupt { start, end }, tail),
                    _ => (
                        Effect::Corrupt {
                            start: i64::MIN,
                            end: i64::MAX,
                        },
                        tail,
                    ),
                },
                _ => return Err(fail(
                    n,
                    "expected an effect: `sense KK/AA/QQ`, `timeout`, `no-device`, `power-loss`, `discard`, `remove-medium` or `corrupt`"
                        .into(),
                )),
            };
            let once = match rest {
                [] | ["once"] => true,
                ["always"] => false,
                _ => {
                    return Err(fail(
                        n,
                        format!("expected `once` or `always`, found {:?}", rest.join(" ")),
                    ))
                }
            };
            plan.rules.push(FaultRule {
                trigger,
                effect,
                once,
                fired: 0,
            });
        }
        if !header {
            return Err(fail(1, "the fault plan is empty".into()));
        }
        Ok(plan)
    }
}

fn parse_u64(s: &str) -> Result<u64, String> {
    s.parse()
        .map_err(|_| format!("{s:?} is not a valid number"))
}

fn parse_i64(s: &str) -> Result<i64, String> {
    s.parse().map_err(|_| format!("{s:?} is not a valid LBA"))
}

fn parse_hex_u8(s: &str) -> Result<u8, String> {
    let t = s.trim_start_matches("0x").trim_end_matches('h');
    u8::from_str_radix(t, 16).map_err(|_| format!("{s:?} is not a hexadecimal byte"))
}

fn parse_triple(s: &str) -> Result<SenseCode, String> {
    let parts: Vec<&str> = s.split('/').collect();
    if parts.len() != 3 {
        return Err(format!("{s:?} is not a KK/AA/QQ sense triple"));
    }
    let key = parse_hex_u8(parts[0])?;
    if key > 0x0F {
        return Err(format!("sense key {key:#04x} is above 0Fh"));
    }
    Ok(SenseCode::new(
        key,
        parse_hex_u8(parts[1])?,
        parse_hex_u8(parts[2])?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(index: u64, opcode: u8, lbas: Option<(i64, i64)>) -> CommandFacts {
        CommandFacts {
            index,
            opcode,
            lbas,
        }
    }

    #[test]
    fn rules_fire_where_planned() {
        let mut p = FaultPlan::new()
            .once(Trigger::Command(3), Effect::Sense(SenseCode::WRITE_ERROR))
            .always(
                Trigger::Opcode {
                    opcode: 0x2A,
                    nth: Some(2),
                },
                Effect::Timeout,
            )
            .once(
                Trigger::Lba {
                    start: 100,
                    end: 200,
                    opcode: Some(0x28),
                },
                Effect::NoDevice,
            );
        assert_eq!(p.check(facts(1, 0x2A, Some((0, 16)))), None);
        assert_eq!(
            p.check(facts(2, 0x2A, Some((16, 32)))),
            Some(Effect::Timeout)
        );
        assert_eq!(
            p.check(facts(3, 0x00, None)),
            Some(Effect::Sense(SenseCode::WRITE_ERROR))
        );
        assert_eq!(p.check(facts(4, 0x28, Some((50, 100)))), None);
        assert_eq!(p.check(facts(5, 0x2A, Some((150, 160)))), None);
        assert_eq!(
            p.check(facts(6, 0x28, Some((199, 300)))),
            Some(Effect::NoDevice)
        );
        assert_eq!(p.check(facts(7, 0x28, Some((199, 300)))), None);
        assert_eq!(p.check(facts(3, 0x00, None)), None);
    }

    #[test]
    fn plans_round_trip_through_their_text() {
        let text = "imapi2-emu-faults 1\nat-opcode 2A discard always\nat-opcode 2A nth=6 remove-medium\nat-command 3 sense 03/0C/00\nat-lba -150 20 opcode=2A timeout always\nat-lba 7 9 no-device\nat-command 40 power-loss\nat-opcode 54 sense 03/73/03\nat-opcode 5B sense 03/72/03\ndefect 5000 5100\nquirk no-write-speeds\n";
        let p = FaultPlan::parse(text).unwrap();
        assert_eq!(p.rules[0].effect, Effect::Discard);
        assert!(!p.rules[0].once);
        assert_eq!(p.rules[1].effect, Effect::RemoveMedium);
        assert!(p.rules[1].once, "once by default");
        assert!(p.quirks.no_write_speeds);
        assert!(p.can_lose_writes());
        let written = p.format();
        assert_eq!(FaultPlan::parse(&written).unwrap(), p, "{written}");
        assert!(
            written.contains("at-opcode 2A discard always\n"),
            "{written}"
        );
        assert!(written.contains("at-opcode 2A nth=6 remove-medium once\n"));
        assert!(written.contains("at-opcode 54 sense 03/73/03 once\n"));
        assert!(written.contains("quirk no-write-speeds\n"));
        // Built in code, the same.
        let built = FaultPlan::new()
            .always(
                Trigger::Opcode {
                    opcode: 0x2A,
                    nth: None,
                },
                Effect::Discard,
            )
            .defect(1, 2)
            .with_quirks(Quirks {
                no_write_speeds: true,
            });
        assert_eq!(FaultPlan::parse(&built.format()).unwrap(), built);
        assert!(!built.can_lose_writes());
        assert_eq!(
            FaultPlan::parse(&FaultPlan::new().format()).unwrap(),
            FaultPlan::new()
        );
    }

    #[test]
    fn text_plans_parse_and_errors_name_the_line() {
        let text = "imapi2-emu-faults 1\n# c\nat-command 5 sense 03/0C/00 once\nat-opcode 2A nth=3 sense 02/04/08 always\nat-lba 1000 2000 opcode=28 sense 03/11/05\nat-command 40 power-loss\nat-opcode 35 timeout once\nat-command 9 no-device\ndefect 5000 5100\n";
        let p = FaultPlan::parse(text).unwrap();
        assert_eq!(p.rules.len(), 6);
        assert_eq!(
            p.rules[1].trigger,
            Trigger::Opcode {
                opcode: 0x2A,
                nth: Some(3)
            }
        );
        assert!(!p.rules[1].once);
        assert_eq!(p.rules[2].effect, Effect::Sense(SenseCode::new(3, 0x11, 5)));
        assert!(p.has_power_loss());
        assert_eq!(p.defect_in(4000, 5001), Some(5000));
        for (bad, line) in [
            ("", 1),
            ("nope\n", 1),
            ("imapi2-emu-faults 1\nat-command x sense 03/0C/00\n", 2),
            ("imapi2-emu-faults 1\n\nat-command 1 sense 3/0C\n", 3),
            ("imapi2-emu-faults 1\nat-opcode 2A sense 13/00/00\n", 2),
            ("imapi2-emu-faults 1\nat-lba 5 1 sense 03/11/00\n", 2),
            ("imapi2-emu-faults 1\nat-command 1 explode\n", 2),
            ("imapi2-emu-faults 1\nat-command 1 timeout sometimes\n", 2),
            ("imapi2-emu-faults 1\ndefect 9\n", 2),
            ("imapi2-emu-faults 1\nat-command 0 timeout\n", 2),
            ("imapi2-emu-faults 1\n\nquirk slow\n", 3),
            ("imapi2-emu-faults 1\nquirk\n", 2),
            ("imapi2-emu-faults 1\nat-opcode 2A discard sometimes\n", 2),
        ] {
            match FaultPlan::parse(bad) {
                Err(Error::StateFile { line: got, .. }) => assert_eq!(got, line, "{bad:?}"),
                other => panic!("{bad:?}: {other:?}"),
            }
        }
    }
}
