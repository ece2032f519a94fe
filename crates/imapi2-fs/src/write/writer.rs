//! The interface every format's writer has, in the manner of libisofs'
//! `IsoImageWriter` and gimli `object`'s reserve-then-write `Writer`: first
//! each writer reserves its blocks from the one allocator, stage by stage in
//! image order; once every address is known it gives the bytes it fixed
//! (descriptors, anchors, the boot catalog), and the image stream asks it
//! for the rest (directories, path tables, boot images) when it gets there.
//!
//! The writers are the ISO 9660 tree with its Rock Ridge entries and the
//! Joliet tree (`iso9660::writer`), the ECMA-119 set terminator, El Torito
//! (`eltorito::writer`), UDF (`udf::writer`) and the hybrid system area
//! (`hybrid::writer`). The plan makes them, orders them, and places file
//! data once for all of them.

use crate::error::Result;
use crate::image::arena::TreeData;
use crate::time::FileTime;
use crate::write::layout::{BootImage, Layout};

/// Where a writer's blocks go, in image order. The plan lays out the
/// system area (blocks 0 to 15) itself, then runs the stages; in each one
/// every writer reserves, in the order the writers are registered, what it
/// puts there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Stage {
    /// Volume descriptors, from block 16 on, as one run
    /// ([`Layout::descriptors`]; their bytes come from
    /// [`Writer::write_descriptors`]).
    Descriptors,
    /// Structures that follow the descriptors (UDF's volume descriptor
    /// sequences and integrity descriptor).
    VolumeStructures,
    /// Path tables.
    PathTables,
    /// Directory hierarchies.
    Directories,
    /// The boot catalog and the boot images that are not files of the tree.
    Boot,
    /// A partition of its own (UDF: anchor, metadata area, data that only
    /// UDF readers read).
    Partition,
    /// The files the writer records, in its order
    /// ([`Layout::record_file`]). After this stage the plan places the data
    /// of every file once, in the order recorded.
    Files,
    /// File data is placed: a writer settles what depends on it and says
    /// what the end of the volume needs ([`Layout::end`]).
    End,
    /// Blocks at the end of the volume ([`Layout::reserve_end`]), once its
    /// size is known.
    Tail,
}

/// What every writer may read once the layout is done.
pub(crate) struct Volume<'a> {
    pub(crate) data: &'a TreeData,
    /// `SessionStartBlock`: absolute block of stream block 0.
    pub(crate) start: u32,
    /// Blocks in the stream.
    pub(crate) total_blocks: u32,
    /// The volume identifier IMAPI reports (`DiscId`).
    pub(crate) volume_id: &'a str,
    pub(crate) volume_time: FileTime,
    /// Every item time is clamped to this when set (`SOURCE_DATE_EPOCH`).
    pub(crate) clamp: Option<FileTime>,
    /// Absolute block of each content's data (by content index).
    pub(crate) content_lba: &'a [u32],
    /// The boot images, in catalog order.
    pub(crate) boot_images: &'a [BootImage],
}

/// One format's part of the image.
pub(crate) trait Writer: Send + Sync {
    /// Reserves what the writer puts at `stage` (compute_data_blocks).
    fn reserve(&mut self, stage: Stage, layout: &mut Layout) -> Result<()>;

    /// Appends its volume descriptors, as many blocks as it reserved at
    /// [`Stage::Descriptors`] (write_vol_desc).
    fn write_descriptors(&self, _volume: &Volume, _out: &mut Vec<u8>) {}

    /// The bytes of blocks it reserved that planning fixes, as (relative
    /// block, whole blocks of bytes), each the whole of a region it took
    /// with [`Layout::take`] or [`Layout::reserve_end`].
    fn write_fixed(&self, _volume: &Volume, _out: &mut Vec<(u64, Vec<u8>)>) -> Result<()> {
        Ok(())
    }

    /// What this format could not hold exactly, for the user (one line
    /// each; the image is written anyway).
    fn warnings(&self) -> Vec<String> {
        Vec::new()
    }

    /// Generates part `part` (whole blocks) when the stream reaches it
    /// (write_data).
    fn generate(&self, part: u32, _volume: &Volume) -> Result<Vec<u8>> {
        unreachable!("part {part} of a writer that reserved none")
    }
}
