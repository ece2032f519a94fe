//! What a validation finds ([`Validation`], [`Problem`]), and the checker
//! each format's checks report to.

use crate::filesystems::FileSystems;
use crate::read::medium::Medium;

/// How bad a problem is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    /// Something the standards allow no reader to take for granted:
    /// damage, or a structure readers would misread.
    Error,
    /// What ECMA-119 or ECMA-167 forbids but every reader takes (an ISO
    /// 9660:1999 tree, Joliet names over 64 characters, directories deeper
    /// than eight levels, ...): the image is usable.
    Warning,
}

/// One problem: which structure, where, what, and how bad.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The structure ("directory record", "path table", "anchor", ...).
    pub structure: String,
    /// The block it is in.
    pub block: u64,
    /// What is wrong.
    pub message: String,
    /// An error or a warning.
    pub severity: Severity,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.severity == Severity::Warning {
            f.write_str("warning: ")?;
        }
        write!(
            f,
            "block {}: {}: {}",
            self.block, self.structure, self.message
        )
    }
}

/// What a validation found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Validation {
    /// The file systems recognised.
    pub file_systems: FileSystems,
    /// Directories and other entries checked.
    pub entries_checked: u64,
    /// Every problem found, errors and warnings, in the order met.
    pub problems: Vec<Problem>,
}

impl Validation {
    /// The errors.
    pub fn errors(&self) -> impl Iterator<Item = &Problem> {
        self.problems
            .iter()
            .filter(|p| p.severity == Severity::Error)
    }

    /// The warnings.
    pub fn warnings(&self) -> impl Iterator<Item = &Problem> {
        self.problems
            .iter()
            .filter(|p| p.severity == Severity::Warning)
    }

    /// True when no error was found (warnings allowed).
    pub fn is_valid(&self) -> bool {
        self.errors().next().is_none()
    }
}

/// At most this many problems are listed; one more says how many were not.
pub const MAX_PROBLEMS: usize = 10_000;

/// A validation under way: the medium and what was found so far.
pub(crate) struct Checker<'a> {
    pub(crate) m: &'a Medium,
    pub(crate) out: Validation,
    /// Problems not listed (past [`MAX_PROBLEMS`]), per severity.
    dropped: [u64; 2],
    /// Warnings told once per image: (key, the warning, how many times).
    once: Vec<(&'static str, Problem, u64)>,
}

impl<'a> Checker<'a> {
    /// A checker of `m`.
    pub(crate) fn new(m: &'a Medium) -> Checker<'a> {
        Checker {
            m,
            out: Validation::default(),
            dropped: [0, 0],
            once: Vec::new(),
        }
    }

    fn push(&mut self, severity: Severity, structure: &str, block: u64, message: String) {
        if self.out.problems.len() < MAX_PROBLEMS {
            self.out.problems.push(Problem {
                structure: structure.into(),
                block,
                message,
                severity,
            });
        } else {
            self.dropped[severity as usize] += 1;
        }
    }

    /// Records an error.
    pub(crate) fn problem(&mut self, structure: &str, block: u64, message: impl Into<String>) {
        self.push(Severity::Error, structure, block, message.into());
    }

    /// Records a warning.
    pub(crate) fn warning(&mut self, structure: &str, block: u64, message: impl Into<String>) {
        self.push(Severity::Warning, structure, block, message.into());
    }

    /// Records a warning that may apply to many entries once, with the
    /// first place it applies; the count is added when the check ends.
    pub(crate) fn warning_once(
        &mut self,
        key: &'static str,
        structure: &str,
        block: u64,
        message: impl FnOnce() -> String,
    ) {
        match self.once.iter_mut().find(|(k, _, _)| *k == key) {
            Some((_, _, n)) => *n += 1,
            None => self.once.push((
                key,
                Problem {
                    structure: structure.into(),
                    block,
                    message: message(),
                    severity: Severity::Warning,
                },
                1,
            )),
        }
    }

    /// The findings, with the once-told warnings and what was not listed.
    pub(crate) fn finish(mut self) -> Validation {
        for (_, mut p, n) in std::mem::take(&mut self.once) {
            if n > 1 {
                p.message = format!("{} (and {} more like it)", p.message, n - 1);
            }
            self.out.problems.push(p);
        }
        for (severity, n) in [
            (Severity::Error, self.dropped[0]),
            (Severity::Warning, self.dropped[1]),
        ] {
            if n > 0 {
                self.out.problems.push(Problem {
                    structure: "validation".into(),
                    block: 0,
                    message: format!("{n} more not listed (the first {MAX_PROBLEMS} problems are)"),
                    severity,
                });
            }
        }
        self.out
    }
}
