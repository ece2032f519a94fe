//! [`FaultInjector`]: a transport decorator that makes chosen commands fail,
//! so that retry and error paths can be exercised against any transport
//! (the virtual recorder, a replayed trace, a real drive).
//!
//! A [`FaultPlan`] is a list of [`FaultRule`]s, each a [`Trigger`] (which
//! command), a [`Fault`] (what comes back instead of the drive's answer) and
//! whether it fires once or every time. Rules are checked in order; the
//! first that fires wins, and the command is then **not** passed to the
//! wrapped transport (the fault stands for a drive or path that failed before
//! doing anything).

use crate::transport::{Request, Response, ScsiTransport, TransportError};

/// Which commands a rule matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trigger {
    /// The Nth command through the injector (1-based).
    Nth(u64),
    /// Commands with this opcode; with `nth`, only the Nth of them (1-based).
    Opcode {
        /// The operation code (CDB byte 0).
        opcode: u8,
        /// Which occurrence; `None` matches each one.
        nth: Option<u64>,
    },
    /// Media-access commands of the given class touching any block in
    /// `[start, end)`.
    LbaRange {
        /// Which commands count.
        class: AccessClass,
        /// First block of the range.
        start: u32,
        /// One past the last block.
        end: u32,
    },
}

/// Which media-access commands an [`Trigger::LbaRange`] rule looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessClass {
    /// WRITE(10), WRITE(12), WRITE AND VERIFY(10).
    Write,
    /// READ(10), READ(12), READ CD.
    Read,
    /// VERIFY(10), VERIFY(12).
    Verify,
    /// All of the above.
    Any,
}

/// The blocks a media-access CDB touches: its class, first LBA (bytes 2–5)
/// and transfer length. WRITE(10)/READ(10)/VERIFY(10)/WRITE AND VERIFY(10)
/// carry the length in bytes 7–8, the 12-byte forms in bytes 6–9, READ CD
/// in bytes 6–8 (the CDB layouts of SBC-3 and MMC-6).
/// `None` for other commands or a CDB too short for its opcode.
pub fn media_access(cdb: &[u8]) -> Option<(AccessClass, u32, u32)> {
    let op = *cdb.first()?;
    let be16 = |at: usize| -> Option<u32> {
        Some(u32::from(u16::from_be_bytes([
            *cdb.get(at)?,
            *cdb.get(at + 1)?,
        ])))
    };
    let be24 = |at: usize| -> Option<u32> {
        Some(u32::from_be_bytes([
            0,
            *cdb.get(at)?,
            *cdb.get(at + 1)?,
            *cdb.get(at + 2)?,
        ]))
    };
    let be32 = |at: usize| -> Option<u32> {
        Some(u32::from_be_bytes(cdb.get(at..at + 4)?.try_into().ok()?))
    };
    // Group 1 and 2 opcodes (20h–5Fh) have 10-byte CDBs, group 5 (A0h–BFh) 12-byte ones.
    if cdb.len() < if op >= 0xA0 { 12 } else { 10 } {
        return None;
    }
    let (class, len) = match op {
        0x2A | 0x2E => (AccessClass::Write, be16(7)?),
        0xAA => (AccessClass::Write, be32(6)?),
        0x28 => (AccessClass::Read, be16(7)?),
        0xA8 => (AccessClass::Read, be32(6)?),
        0xBE => (AccessClass::Read, be24(6)?),
        0x2F => (AccessClass::Verify, be16(7)?),
        0xAF => (AccessClass::Verify, be32(6)?),
        _ => return None,
    };
    Some((class, be32(2)?, len))
}

/// What a firing rule returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// CHECK CONDITION with fixed-format sense carrying this key/ASC/ASCQ.
    CheckCondition {
        /// Sense key (low nibble).
        key: u8,
        /// Additional sense code.
        asc: u8,
        /// Additional sense code qualifier.
        ascq: u8,
    },
    /// A transport failure (timeout, device gone, ...).
    Error(TransportError),
}

impl Fault {
    /// A CHECK CONDITION fault.
    pub fn check_condition(key: u8, asc: u8, ascq: u8) -> Fault {
        Fault::CheckCondition { key, asc, ascq }
    }

    fn response(&self) -> Result<Response, TransportError> {
        match self {
            Fault::CheckCondition { key, asc, ascq } => Ok(Response::check_condition(
                fixed_sense(*key, *asc, *ascq).to_vec(),
            )),
            Fault::Error(e) => Err(e.clone()),
        }
    }
}

/// Fixed-format sense data, current error (SPC-4 §4.5.3, table 48): response
/// code 70h, the key in byte 2, additional length 10 (18 bytes in all), ASC in
/// byte 12 and ASCQ in byte 13.
pub fn fixed_sense(key: u8, asc: u8, ascq: u8) -> [u8; 18] {
    let mut s = [0u8; 18];
    s[0] = 0x70;
    s[2] = key & 0x0f;
    s[7] = 10;
    s[12] = asc;
    s[13] = ascq;
    s
}

/// Whether a rule fires once or every time it matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repeat {
    /// Fires the first time it matches, then is spent.
    Once,
    /// Fires on every match.
    Always,
}

/// One rule of a [`FaultPlan`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultRule {
    /// Which commands.
    pub trigger: Trigger,
    /// What they get.
    pub fault: Fault,
    /// Once or always.
    pub repeat: Repeat,
}

impl FaultRule {
    /// A rule that fires once.
    pub fn once(trigger: Trigger, fault: Fault) -> FaultRule {
        FaultRule {
            trigger,
            fault,
            repeat: Repeat::Once,
        }
    }

    /// A rule that fires on every match.
    pub fn always(trigger: Trigger, fault: Fault) -> FaultRule {
        FaultRule {
            trigger,
            fault,
            repeat: Repeat::Always,
        }
    }
}

/// An ordered list of rules.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FaultPlan {
    /// The rules, checked in order.
    pub rules: Vec<FaultRule>,
}

impl FaultPlan {
    /// An empty plan (nothing fails).
    pub fn new() -> FaultPlan {
        FaultPlan::default()
    }

    /// Adds a rule.
    pub fn with(mut self, rule: FaultRule) -> FaultPlan {
        self.rules.push(rule);
        self
    }
}

/// A record of one injected fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Injection {
    /// The command's number (1-based) among all commands seen.
    pub command: u64,
    /// The index of the rule that fired.
    pub rule: usize,
    /// The command's CDB.
    pub cdb: Vec<u8>,
}

#[derive(Debug, Clone)]
struct RuleState {
    rule: FaultRule,
    /// Matches seen for `Opcode { nth: Some(_) }`.
    seen: u64,
    spent: bool,
}

/// A decorator that injects the faults of a [`FaultPlan`].
#[derive(Debug)]
pub struct FaultInjector<T> {
    inner: T,
    rules: Vec<RuleState>,
    count: u64,
    injected: Vec<Injection>,
}

impl<T: ScsiTransport> FaultInjector<T> {
    /// Wraps `inner` with `plan`.
    pub fn new(inner: T, plan: FaultPlan) -> FaultInjector<T> {
        let rules = plan
            .rules
            .into_iter()
            .map(|rule| RuleState {
                rule,
                seen: 0,
                spent: false,
            })
            .collect();
        FaultInjector {
            inner,
            rules,
            count: 0,
            injected: Vec::new(),
        }
    }

    /// The faults injected so far, in order.
    pub fn injected(&self) -> &[Injection] {
        &self.injected
    }

    /// Commands seen so far (injected or passed on).
    pub fn commands_seen(&self) -> u64 {
        self.count
    }

    /// The wrapped transport.
    pub fn inner(&self) -> &T {
        &self.inner
    }

    /// The wrapped transport, mutably.
    pub fn inner_mut(&mut self) -> &mut T {
        &mut self.inner
    }

    /// Gives back the wrapped transport.
    pub fn into_inner(self) -> T {
        self.inner
    }

    /// The index of the first rule that fires for `cdb`, updating counters.
    /// Every rule's occurrence counter advances, fired or not, so "the 3rd
    /// WRITE" means the 3rd WRITE whatever other rules did.
    fn firing(&mut self, cdb: &[u8]) -> Option<usize> {
        let n = self.count;
        let mut hit = None;
        for (i, st) in self.rules.iter_mut().enumerate() {
            let matches = match &st.rule.trigger {
                Trigger::Nth(k) => n == *k,
                Trigger::Opcode { opcode, nth } => {
                    if cdb.first() == Some(opcode) {
                        st.seen += 1;
                        nth.map_or(true, |k| st.seen == k)
                    } else {
                        false
                    }
                }
                Trigger::LbaRange { class, start, end } => match media_access(cdb) {
                    Some((c, lba, len)) if *class == AccessClass::Any || *class == c => {
                        let last = u64::from(lba) + u64::from(len);
                        len > 0 && u64::from(lba) < u64::from(*end) && last > u64::from(*start)
                    }
                    _ => false,
                },
            };
            if matches && !st.spent && hit.is_none() {
                hit = Some(i);
                if st.rule.repeat == Repeat::Once {
                    st.spent = true;
                }
            }
        }
        hit
    }
}

impl<T: ScsiTransport> ScsiTransport for FaultInjector<T> {
    fn execute(&mut self, request: Request<'_>) -> Result<Response, TransportError> {
        self.count += 1;
        match self.firing(request.cdb) {
            Some(rule) => {
                self.injected.push(Injection {
                    command: self.count,
                    rule,
                    cdb: request.cdb.to_vec(),
                });
                self.rules[rule].rule.fault.response()
            }
            None => self.inner.execute(request),
        }
    }

    fn device_name(&self) -> String {
        self.inner.device_name()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::{DataPhase, ScsiStatus};
    use std::time::Duration;

    /// A drive that answers GOOD to everything and remembers the opcodes it saw.
    #[derive(Default)]
    struct Good {
        seen: Vec<u8>,
    }

    impl ScsiTransport for Good {
        fn execute(&mut self, r: Request<'_>) -> Result<Response, TransportError> {
            self.seen.push(r.cdb[0]);
            Ok(Response::good(r.data.len()))
        }
        fn device_name(&self) -> String {
            "good".into()
        }
    }

    fn send(t: &mut impl ScsiTransport, cdb: &[u8]) -> Result<Response, TransportError> {
        t.execute(Request {
            cdb,
            data: DataPhase::None,
            timeout: Duration::from_secs(1),
        })
    }

    const TUR: [u8; 6] = [0; 6];
    const INQ: [u8; 6] = [0x12, 0, 0, 0, 36, 0];

    fn write10(lba: u32, len: u16) -> Vec<u8> {
        let mut c = vec![0x2A, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        c[2..6].copy_from_slice(&lba.to_be_bytes());
        c[7..9].copy_from_slice(&len.to_be_bytes());
        c
    }

    fn write12(lba: u32, len: u32) -> Vec<u8> {
        let mut c = vec![0xAA, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        c[2..6].copy_from_slice(&lba.to_be_bytes());
        c[6..10].copy_from_slice(&len.to_be_bytes());
        c
    }

    #[test]
    fn fixed_sense_layout() {
        let s = fixed_sense(0x13, 0x0c, 0x09);
        assert_eq!(s.len(), 18);
        assert_eq!(
            s,
            [0x70, 0, 0x03, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x0c, 0x09, 0, 0, 0, 0]
        );
    }

    #[test]
    fn the_nth_command_fails_once() {
        let plan = FaultPlan::new().with(FaultRule::once(
            Trigger::Nth(3),
            Fault::check_condition(3, 0x0c, 0x09),
        ));
        let mut f = FaultInjector::new(Good::default(), plan);
        for i in 1..=5u64 {
            let r = send(&mut f, &TUR).unwrap();
            if i == 3 {
                assert_eq!(r.status, ScsiStatus::CheckCondition);
                assert_eq!(r.sense, fixed_sense(3, 0x0c, 0x09).to_vec());
                assert_eq!(r.transferred, 0);
            } else {
                assert_eq!(r, Response::good(0));
            }
        }
        assert_eq!(
            f.inner().seen.len(),
            4,
            "the failed command never reached the drive"
        );
        assert_eq!(
            f.injected(),
            &[Injection {
                command: 3,
                rule: 0,
                cdb: TUR.to_vec()
            }]
        );
        assert_eq!(f.commands_seen(), 5);
    }

    #[test]
    fn opcode_rules_once_always_and_nth() {
        let timeout = TransportError::Timeout {
            after: Duration::from_secs(60),
        };
        let gone = TransportError::NoDevice {
            device: "/dev/sr0".into(),
        };
        let plan = FaultPlan::new()
            .with(FaultRule::always(
                Trigger::Opcode {
                    opcode: 0x12,
                    nth: None,
                },
                Fault::Error(timeout.clone()),
            ))
            .with(FaultRule::once(
                Trigger::Opcode {
                    opcode: 0x00,
                    nth: None,
                },
                Fault::check_condition(6, 0x28, 0),
            ))
            .with(FaultRule::always(
                Trigger::Opcode {
                    opcode: 0x2A,
                    nth: Some(2),
                },
                Fault::Error(gone.clone()),
            ));
        let mut f = FaultInjector::new(Good::default(), plan);
        assert_eq!(send(&mut f, &INQ), Err(timeout.clone()));
        assert_eq!(send(&mut f, &INQ), Err(timeout.clone()));
        assert_eq!(
            send(&mut f, &TUR).unwrap().sense,
            fixed_sense(6, 0x28, 0).to_vec()
        );
        assert_eq!(send(&mut f, &TUR), Ok(Response::good(0)));
        assert_eq!(send(&mut f, &write10(0, 16)), Ok(Response::good(0)));
        assert_eq!(send(&mut f, &write10(16, 16)), Err(gone));
        assert_eq!(send(&mut f, &write10(32, 16)), Ok(Response::good(0)));
        assert_eq!(f.inner().seen, vec![0x00, 0x2A, 0x2A]);
        let fired: Vec<(u64, usize)> = f.injected().iter().map(|i| (i.command, i.rule)).collect();
        assert_eq!(fired, vec![(1, 0), (2, 0), (3, 1), (6, 2)]);
    }

    #[test]
    fn writes_touching_an_lba_range() {
        let plan = FaultPlan::new().with(FaultRule::always(
            Trigger::LbaRange {
                class: AccessClass::Write,
                start: 100,
                end: 200,
            },
            Fault::check_condition(5, 0x21, 0x02),
        ));
        let mut f = FaultInjector::new(Good::default(), plan);
        let hit = |f: &mut FaultInjector<Good>, cdb: &[u8]| {
            send(f, cdb).unwrap().status == ScsiStatus::CheckCondition
        };
        assert!(!hit(&mut f, &write10(90, 10)), "ends just before the range");
        assert!(hit(&mut f, &write10(90, 11)), "its last block is 100");
        assert!(hit(&mut f, &write10(150, 1)));
        assert!(hit(&mut f, &write12(199, 1)), "the range's last block");
        assert!(!hit(&mut f, &write12(200, 1000)), "starts at the end");
        assert!(hit(&mut f, &write12(0, 0xFFFF_FFFF)), "spans it");
        assert!(
            !hit(&mut f, &write10(150, 0)),
            "a zero-length write touches nothing"
        );
        let mut read = write10(150, 1);
        read[0] = 0x28;
        assert!(!hit(&mut f, &read), "reads are not writes");
        let mut wv = write10(150, 1);
        wv[0] = 0x2E;
        assert!(hit(&mut f, &wv), "WRITE AND VERIFY writes");
        // WRITE(12) at the top of the LBA space does not overflow.
        assert!(!hit(&mut f, &write12(u32::MAX, u32::MAX)));

        let plan = FaultPlan::new().with(FaultRule::once(
            Trigger::LbaRange {
                class: AccessClass::Any,
                start: 16,
                end: 17,
            },
            Fault::check_condition(3, 0x11, 0),
        ));
        let mut f = FaultInjector::new(Good::default(), plan);
        assert!(!hit(&mut f, &read), "block 150 is outside 16..17");
        let mut read16 = write10(16, 1);
        read16[0] = 0x28;
        assert!(hit(&mut f, &read16));
        assert!(!hit(&mut f, &read16), "once");
    }

    #[test]
    fn media_access_decodes_lba_and_length() {
        assert_eq!(
            media_access(&write10(0x01020304, 0x0506)),
            Some((AccessClass::Write, 0x01020304, 0x0506))
        );
        assert_eq!(
            media_access(&write12(7, 0x0a0b0c0d)),
            Some((AccessClass::Write, 7, 0x0a0b0c0d))
        );
        let read_cd = [0xBE, 0, 0, 0, 0, 16, 0x01, 0x02, 0x03, 0x10, 0, 0];
        assert_eq!(
            media_access(&read_cd),
            Some((AccessClass::Read, 16, 0x010203))
        );
        let verify12 = [0xAF, 0, 0, 0, 1, 0, 0, 0, 0, 9, 0, 0];
        assert_eq!(media_access(&verify12), Some((AccessClass::Verify, 256, 9)));
        let verify10 = [0x2F, 0, 0, 0, 0, 5, 0, 0, 3, 0];
        assert_eq!(media_access(&verify10), Some((AccessClass::Verify, 5, 3)));
        let read12 = [0xA8, 0, 0, 0, 0, 5, 0, 0, 0, 3, 0, 0];
        assert_eq!(media_access(&read12), Some((AccessClass::Read, 5, 3)));
        assert_eq!(media_access(&INQ), None);
        assert_eq!(
            media_access(&[0x2A, 0, 0, 0, 0, 0, 0, 0]),
            None,
            "too short for WRITE(10)"
        );
        assert_eq!(
            media_access(&[0xAA, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
            None,
            "too short for WRITE(12)"
        );
        assert_eq!(media_access(&[]), None);
    }

    #[test]
    fn the_first_matching_rule_wins_and_counters_still_advance() {
        let plan = FaultPlan::new()
            .with(FaultRule::once(
                Trigger::Nth(1),
                Fault::check_condition(2, 4, 1),
            ))
            .with(FaultRule::once(
                Trigger::Opcode {
                    opcode: 0,
                    nth: Some(2),
                },
                Fault::check_condition(2, 4, 8),
            ));
        let mut f = FaultInjector::new(Good::default(), plan);
        // Command 1 is the first TUR: rule 0 fires, and rule 1 counts it.
        assert_eq!(send(&mut f, &TUR).unwrap().sense[12..14], [4, 1]);
        // Command 2 is the second TUR: rule 1 fires.
        assert_eq!(send(&mut f, &TUR).unwrap().sense[12..14], [4, 8]);
        assert_eq!(send(&mut f, &TUR), Ok(Response::good(0)));
        assert_eq!(f.device_name(), "good");
        assert_eq!(f.into_inner().seen, vec![0]);
    }
}
