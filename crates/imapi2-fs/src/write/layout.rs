//! What a writer reserves with: the block allocator, and the file data that
//! every tree shares, placed once whoever records it first.

use crate::codec::SECTOR;
use crate::eltorito::{Emulation, PlatformId};
use crate::error::{Error, Result};
use crate::image::arena::{blocks_of, TreeData};
use crate::read::multisession::{referenced_block, Multisession};
use crate::write::alloc::{Alloc, RegionKind};

/// Blocks of the system area (ECMA-119 §6.2.1; ECMA-167's reserved area).
pub(crate) const SYSTEM_AREA_BLOCKS: u32 = 16;

/// Where one file's data lies: 12 bytes per file, however many files.
#[derive(Clone, Copy, Debug)]
pub(crate) struct FilePlace {
    /// First block, relative to the session start.
    pub(crate) start: u32,
    /// Content index.
    pub(crate) content: u32,
    /// The item that first names it (for messages and progress).
    pub(crate) node: u32,
}

/// A file of the `Files` area whose bytes a writer generates (El Torito's
/// boot images that are files of the tree).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct GeneratedFile {
    /// Index in `Plan::files`.
    pub(crate) file: usize,
    pub(crate) writer: u8,
    pub(crate) part: u32,
}

/// A boot image where El Torito placed it, for writers that point at it
/// (the hybrid MBR and GPT).
#[derive(Clone, Copy, Debug)]
pub(crate) struct BootImage {
    pub(crate) platform: PlatformId,
    pub(crate) emulation: Emulation,
    /// Absolute block.
    pub(crate) lba: u32,
    /// Bytes.
    pub(crate) size: u64,
}

/// What the end of the volume needs, gathered at [`Stage::End`](super::writer::Stage::End).
#[derive(Clone, Copy, Debug)]
pub(crate) struct VolumeEnd {
    /// The block after the last file data.
    pub(crate) data_end: u64,
    /// The volume holds at least this many blocks.
    pub(crate) min_blocks: u64,
    /// It holds a multiple of this many.
    pub(crate) align: u64,
    /// Blocks at the very end that a writer takes (the backup GPT).
    pub(crate) taken_at_end: u64,
    /// The size decided from the above, known at
    /// [`Stage::Tail`](super::writer::Stage::Tail).
    pub(crate) total: u64,
}

/// The reservation context the plan hands each writer.
pub(crate) struct Layout<'a> {
    pub(crate) alloc: Alloc,
    pub(crate) data: &'a TreeData,
    /// `SessionStartBlock`.
    pub(crate) start: u32,
    multisession: Option<&'a Multisession>,
    /// Absolute block of each content's data, as placed so far.
    pub(crate) content_lba: Vec<u32>,
    /// Files with data, in block order.
    pub(crate) files: Vec<FilePlace>,
    placed: Vec<bool>,
    /// Contents whose bytes a writer generates: (content, writer, part).
    claims: Vec<(u32, u8, u32)>,
    pub(crate) generated_files: Vec<GeneratedFile>,
    /// (content, item) as the writers record them at `Stage::Files`.
    pub(crate) file_order: Vec<(u32, u32)>,
    /// Blocks of volume descriptors asked for at `Stage::Descriptors`.
    pub(crate) descriptor_blocks: u64,
    pub(crate) end: VolumeEnd,
    /// (relative block, blocks) asked for at `Stage::Tail`.
    pub(crate) tail: Vec<(u64, u64)>,
    /// Where El Torito put its boot images.
    pub(crate) boot_images: Vec<BootImage>,
    /// The writer being asked (its index in the plan).
    pub(crate) writer: u8,
}

impl<'a> Layout<'a> {
    /// An empty layout of the tree `data` for a session at block `start`.
    pub(crate) fn new(
        data: &'a TreeData,
        start: u32,
        multisession: Option<&'a Multisession>,
    ) -> Layout<'a> {
        Layout {
            alloc: Alloc::new(),
            data,
            start,
            multisession,
            content_lba: vec![0; data.contents.len()],
            files: Vec::new(),
            placed: vec![false; data.contents.len()],
            claims: Vec::new(),
            generated_files: Vec::new(),
            file_order: Vec::new(),
            descriptor_blocks: 0,
            end: VolumeEnd {
                data_end: 0,
                min_blocks: 0,
                align: 1,
                taken_at_end: 0,
                total: 0,
            },
            tail: Vec::new(),
            boot_images: Vec::new(),
            writer: 0,
        }
    }

    /// The absolute block of relative block `rel`.
    pub(crate) fn abs(&self, rel: u64) -> Result<u32> {
        u32::try_from(rel + u64::from(self.start)).map_err(|_| Error::DataTooBig {
            path: "/".into(),
            size: rel * SECTOR as u64,
            reason: "the image exceeds 2^32 blocks",
        })
    }

    /// Asks for `blocks` of volume descriptors (at `Stage::Descriptors`).
    pub(crate) fn descriptors(&mut self, blocks: u64) {
        self.descriptor_blocks += blocks;
    }

    /// Takes `blocks` whose bytes the writer gives in `write_fixed` (or
    /// zeros); returns the first, relative to the session start.
    pub(crate) fn take(&mut self, blocks: u64) -> u64 {
        self.alloc.take(blocks, RegionKind::Zero)
    }

    /// Takes `blocks` for part `part` of the writer, generated when the
    /// stream reaches them; returns the first.
    pub(crate) fn take_part(&mut self, blocks: u64, part: u32) -> u64 {
        let writer = self.writer;
        self.alloc
            .take(blocks, RegionKind::Generated { writer, part })
    }

    /// Records that the writer has file `(content, item)` (at `Stage::Files`).
    pub(crate) fn record_file(&mut self, content: u32, node: u32) {
        self.file_order.push((content, node));
    }

    /// Gives content `content` the absolute block `lba` without placing
    /// data for it (the boot catalog as a file).
    pub(crate) fn place_at(&mut self, content: u32, lba: u32) {
        self.placed[content as usize] = true;
        self.content_lba[content as usize] = lba;
    }

    /// Asks that the data of `content`, placed with the file data, be part
    /// `part` of the writer instead of the content's source.
    pub(crate) fn claim(&mut self, content: u32, part: u32) {
        self.claims.push((content, self.writer, part));
    }

    /// Asks for `blocks` at relative block `at` at the end of the volume
    /// (at `Stage::Tail`); the plan fills the gaps with zeros.
    pub(crate) fn reserve_end(&mut self, at: u64, blocks: u64) {
        self.tail.push((at, blocks));
    }

    /// Whether content `c` is written in this session: not empty, and not
    /// data of an earlier session on the same medium, which stays there.
    pub(crate) fn writes_content(&self, c: u32) -> bool {
        let content = &self.data.contents[c as usize];
        content.size > 0 && referenced_block(self.multisession, &content.source).is_none()
    }

    /// Places the contents of `order` not placed yet, back to back, as one
    /// `Files` region. Data of an earlier session on the same medium stays
    /// where it is; empty contents take no block.
    pub(crate) fn place_files(&mut self, order: &[(u32, u32)]) -> Result<()> {
        let first = self.alloc.cursor;
        let mut cursor = first;
        for &(c, node) in order {
            if self.placed[c as usize] {
                continue;
            }
            self.placed[c as usize] = true;
            let content = &self.data.contents[c as usize];
            if let Some(b) = referenced_block(self.multisession, &content.source) {
                self.content_lba[c as usize] = b;
                continue;
            }
            let blocks = blocks_of(content.size);
            if blocks == 0 {
                continue;
            }
            self.content_lba[c as usize] = self.abs(cursor)?;
            for &(claimed, writer, part) in &self.claims {
                if claimed == c {
                    self.generated_files.push(GeneratedFile {
                        file: self.files.len(),
                        writer,
                        part,
                    });
                }
            }
            self.files.push(FilePlace {
                start: cursor as u32,
                content: c,
                node,
            });
            cursor += blocks;
        }
        if cursor > first {
            let at = self.alloc.take(cursor - first, RegionKind::Files);
            debug_assert_eq!(at, first);
        }
        Ok(())
    }
}
