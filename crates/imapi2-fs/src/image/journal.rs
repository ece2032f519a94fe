//! Change points (IMAPI `ChangePoint`, `RollbackToChangePoint`,
//! `LockInChangePoint`): an undo journal of tree modifications.
//!
//! Every public call that changes the tree records one group of undo records;
//! the change point is the number of groups since the image was created.
//! Rolling back undoes groups newest first until the requested point.

use crate::error::{Error, Result};
use crate::image::arena::Tree;
use crate::image::item::Attributes;

/// One reversible step.
pub(crate) enum Undo {
    /// The node was attached; undo by detaching it.
    Attached(u32),
    /// The node was detached from `parent`; undo by attaching it again.
    Detached { item: u32, parent: u32 },
    /// The node's attributes were `old`.
    Attrs { item: u32, old: Attributes },
    /// The file's content was `old`.
    Content { item: u32, old: u32 },
    /// The file's named streams were `old`.
    Streams {
        item: u32,
        old: Vec<crate::image::arena::NamedStream>,
    },
    /// The file's real-time flag was `old`.
    RealTime { item: u32, old: bool },
}

/// The journal of undo groups.
#[derive(Default)]
pub(crate) struct Journal {
    records: Vec<Undo>,
    /// Start index in `records` of each group.
    groups: Vec<usize>,
    /// Change points that were locked in (no longer undoable).
    base: u64,
}

impl Journal {
    /// The current change point.
    pub(crate) fn change_point(&self) -> u64 {
        self.base + self.groups.len() as u64
    }

    /// Records one modification made of several steps (nothing if empty).
    pub(crate) fn push_group(&mut self, steps: Vec<Undo>) {
        if steps.is_empty() {
            return;
        }
        self.groups.push(self.records.len());
        self.records.extend(steps);
    }

    /// Forbids rollback to any earlier point; the change point stays.
    pub(crate) fn lock_in(&mut self) {
        self.base += self.groups.len() as u64;
        self.groups.clear();
        self.records.clear();
    }

    /// Undoes groups until the change point is `target`.
    pub(crate) fn rollback(&mut self, tree: &mut Tree, target: u64) -> Result<()> {
        let current = self.change_point();
        if target < self.base || target > current {
            return Err(Error::InvalidChangePoint {
                requested: target,
                oldest: self.base,
                current,
            });
        }
        while self.change_point() > target {
            let start = self.groups.pop().expect("a group above the target");
            for step in self.records.drain(start..).rev() {
                match step {
                    Undo::Attached(item) => {
                        tree.detach(item);
                    }
                    Undo::Detached { item, parent } => tree.attach(item, parent),
                    Undo::Attrs { item, old } => *tree.attrs_mut(item) = old,
                    Undo::Content { item, old } => {
                        tree.set_content(item, old);
                    }
                    Undo::Streams { item, old } => {
                        let d = tree.data_mut();
                        if old.is_empty() {
                            d.streams.remove(&item);
                        } else {
                            d.streams.insert(item, old);
                        }
                    }
                    Undo::RealTime { item, old } => {
                        let d = tree.data_mut();
                        if old {
                            d.real_time.insert(item);
                        } else {
                            d.real_time.remove(&item);
                        }
                    }
                }
            }
        }
        Ok(())
    }
}
