//! The one block allocator of a layout, and the regions it hands out: runs
//! of blocks, each of one kind (zeros, bytes made during planning, file
//! data, or a part that its writer generates when the stream reaches it).

use std::sync::Arc;

/// What a region of the image holds.
#[derive(Clone, Debug)]
pub(crate) enum RegionKind {
    /// Zero bytes (or, until planning ends, blocks a writer fills then).
    Zero,
    /// Bytes made during planning (volume descriptors, the boot catalog, ...).
    Fixed(Arc<[u8]>),
    /// The file data area: files of `Plan::files`, back to back.
    Files,
    /// Part `part` of writer `writer` (`Plan::writers`), generated on demand:
    /// each writer numbers its own parts.
    Generated { writer: u8, part: u32 },
}

/// A run of blocks of one kind.
#[derive(Clone, Debug)]
pub(crate) struct Region {
    /// First block, relative to the session start.
    pub(crate) start: u32,
    /// Number of blocks.
    pub(crate) blocks: u32,
    pub(crate) kind: RegionKind,
}

/// Hands out blocks in order and records what each run holds. One block can
/// be kept (UDF keeps 256 for its anchor volume descriptor pointer): a run
/// that would cross it starts after it instead.
pub(crate) struct Alloc {
    /// The next free block, relative to the session start.
    pub(crate) cursor: u64,
    pub(crate) regions: Vec<Region>,
    /// The kept block, if any.
    kept: Option<u64>,
    /// Region index of the kept block, once placed.
    kept_region: Option<usize>,
}

impl Alloc {
    /// An allocator at block 0 that keeps no block.
    pub(crate) fn new() -> Alloc {
        Alloc {
            cursor: 0,
            regions: Vec::new(),
            kept: None,
            kept_region: None,
        }
    }

    /// Keeps `block` out of the runs that `take` hands out.
    pub(crate) fn keep(&mut self, block: u64) {
        self.kept = Some(block);
    }

    /// Whether the kept block has its (one-block) region.
    pub(crate) fn kept_placed(&self) -> bool {
        self.kept_region.is_some()
    }

    /// Appends `blocks` of `kind` at the cursor, whatever is kept; returns
    /// the region index.
    pub(crate) fn push(&mut self, blocks: u64, kind: RegionKind) -> usize {
        self.regions.push(Region {
            start: self.cursor as u32,
            blocks: blocks as u32,
            kind,
        });
        self.cursor += blocks;
        self.regions.len() - 1
    }

    /// Takes `blocks` (at least 1) for `kind`, after the kept block if the
    /// run would cross it; returns its first block.
    pub(crate) fn take(&mut self, blocks: u64, kind: RegionKind) -> u64 {
        if let Some(kept) = self.kept {
            if self.kept_region.is_none() && self.cursor + blocks > kept {
                self.pass_kept();
            }
        }
        let at = self.cursor;
        self.push(blocks, kind);
        at
    }

    /// Moves past the kept block, placing zeros before it and a region of
    /// its own for it (to be filled by its writer).
    pub(crate) fn pass_kept(&mut self) {
        let Some(kept) = self.kept else {
            return;
        };
        if self.cursor > kept || self.kept_region.is_some() {
            return;
        }
        if self.cursor < kept {
            self.push(kept - self.cursor, RegionKind::Zero);
        }
        self.kept_region = Some(self.push(1, RegionKind::Zero));
    }

    /// Zero blocks up to `block`.
    pub(crate) fn pad_to(&mut self, block: u64) {
        if block > self.cursor {
            self.push(block - self.cursor, RegionKind::Zero);
        }
    }
}
