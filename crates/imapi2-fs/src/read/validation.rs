//! What a validation finds ([`Validation`], [`Problem`]), and the checker
//! each format's checks report to.

use crate::filesystems::FileSystems;
use crate::read::medium::Medium;

/// One problem: which structure, where, what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The structure ("directory record", "path table", "anchor", ...).
    pub structure: String,
    /// The block it is in.
    pub block: u64,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
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
    /// Every problem found.
    pub problems: Vec<Problem>,
}

/// A validation under way: the medium and what was found so far.
pub(crate) struct Checker<'a> {
    pub(crate) m: &'a Medium,
    pub(crate) out: Validation,
}

impl Checker<'_> {
    /// Records a problem (the first 10,000 of them).
    pub(crate) fn problem(&mut self, structure: &str, block: u64, message: impl Into<String>) {
        if self.out.problems.len() < 10_000 {
            self.out.problems.push(Problem {
                structure: structure.into(),
                block,
                message: message.into(),
            });
        }
    }
}
