//! `IFileSystemImageResult`, `IProgressItems` and `IProgressItem`: what
//! `create_result_image` returns, and the progress events of writing it.

use std::sync::Arc;

use crate::codec::SECTOR;
use crate::filesystems::FileSystems;
use crate::image::arena::{blocks_of, TreeData};
use crate::write::plan::Plan;

/// One progress event (IMAPI `DFileSystemImageEvents::Update`): the file whose
/// data is being copied, and how far the image is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Progress {
    /// Full path of the current file in the image (empty while writing
    /// file-system structures).
    pub current_file: String,
    /// Sectors of the image produced so far.
    pub copied_sectors: u64,
    /// Sectors of the whole image.
    pub total_sectors: u64,
}

/// A progress callback; returning `false` cancels the write
/// (`E_IMAPI_REQUEST_CANCELLED`).
pub type ProgressFn = Arc<dyn Fn(&Progress) -> bool + Send + Sync>;

/// One file's blocks in the image (IMAPI `IProgressItem`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProgressItem {
    /// `Description`: the full path of the file in the image.
    pub description: String,
    /// `FirstBlock` (absolute).
    pub first_block: u32,
    /// `LastBlock` (absolute, inclusive).
    pub last_block: u32,
    /// `BlockCount`.
    pub block_count: u32,
}

/// The laid-out image (IMAPI `IFileSystemImageResult`).
///
/// Holds the plan and a snapshot of the tree; the caller may go on changing
/// the [`FileSystemImage`](crate::FileSystemImage) meanwhile.
#[derive(Clone)]
pub struct ImageResult {
    pub(crate) plan: Arc<Plan>,
    pub(crate) data: Arc<TreeData>,
    pub(crate) progress: Option<ProgressFn>,
    /// How the session goes onto its medium, when it follows others.
    pub(crate) multisession: Option<crate::read::multisession::MultisessionKind>,
    /// The host files of boot images, which are sources outside the tree.
    pub(crate) boot_files: Arc<[std::path::PathBuf]>,
    /// The medium the session goes onto, when it follows others.
    pub(crate) base_medium: Option<crate::read::medium::Medium>,
}

impl ImageResult {
    pub(crate) fn new(plan: Plan, data: Arc<TreeData>) -> ImageResult {
        ImageResult {
            plan: Arc::new(plan),
            data,
            progress: None,
            multisession: None,
            boot_files: Arc::from([]),
            base_medium: None,
        }
    }

    /// How the session goes onto its medium (see
    /// [`append_to_path`](ImageResult::append_to_path)), when a multisession
    /// medium was set.
    pub fn multisession_kind(&self) -> Option<crate::read::multisession::MultisessionKind> {
        self.multisession
    }

    /// What the image could not hold exactly, one line each (e.g. links
    /// left out of an ISO 9660-only image, path-table parent numbers past
    /// 65,535): the image is made anyway; a tool shows them as warnings.
    pub fn warnings(&self) -> &[String] {
        &self.plan.warnings
    }

    /// `TotalBlocks`: blocks in the stream.
    pub fn total_blocks(&self) -> u32 {
        self.plan.total_blocks
    }

    /// Bytes in the stream.
    pub fn total_bytes(&self) -> u64 {
        u64::from(self.plan.total_blocks) * SECTOR as u64
    }

    /// `BlockSize`: 2048.
    pub fn block_size(&self) -> u32 {
        SECTOR as u32
    }

    /// `DiscId`: the ISO 9660 volume identifier.
    pub fn disc_id(&self) -> &str {
        &self.plan.volume_id
    }

    /// The first absolute block of the stream (`SessionStartBlock`).
    pub fn start_block(&self) -> u32 {
        self.plan.start
    }

    /// The file systems the image carries.
    pub fn file_systems(&self) -> FileSystems {
        self.plan.file_systems
    }

    /// Sets the callback that receives progress events while a stream of this
    /// result is read or written (IMAPI `DFileSystemImageEvents::Update`).
    pub fn set_progress(&mut self, f: impl Fn(&Progress) -> bool + Send + Sync + 'static) {
        self.progress = Some(Arc::new(f));
    }

    /// `ProgressItems`: one item per file with data, in block order.
    pub fn progress_items(&self) -> ProgressItems {
        ProgressItems {
            result: self.clone(),
        }
    }

    /// Size in bytes of file `i` of the plan.
    pub(crate) fn file_size(&self, i: usize) -> u64 {
        self.data.contents[self.plan.files[i].content as usize].size
    }
}

/// The block-to-file map of a result (IMAPI `IProgressItems`).
#[derive(Clone)]
pub struct ProgressItems {
    result: ImageResult,
}

impl ProgressItems {
    /// `Count`.
    pub fn count(&self) -> usize {
        self.result.plan.files.len()
    }

    /// `Item(index)`, zero-based.
    pub fn item(&self, index: usize) -> Option<ProgressItem> {
        let f = self.result.plan.files.get(index)?;
        let first = self.result.plan.start + f.start;
        let count = blocks_of(self.result.file_size(index)) as u32;
        Some(ProgressItem {
            description: self.result.data.full_path(f.node),
            first_block: first,
            last_block: first + count - 1,
            block_count: count,
        })
    }

    /// `ProgressItemFromBlock`: the file whose data holds absolute block `block`.
    pub fn from_block(&self, block: u32) -> Option<ProgressItem> {
        let rel = block.checked_sub(self.result.plan.start)?;
        let item = self.item(self.result.plan.file_at(rel))?;
        (item.first_block <= block && block <= item.last_block).then_some(item)
    }

    /// `ProgressItemFromDescription`: the item of a file path.
    pub fn from_description(&self, description: &str) -> Option<ProgressItem> {
        (0..self.count())
            .filter_map(|i| self.item(i))
            .find(|it| it.description == description)
    }

    /// `_NewEnum` / `EnumProgressItems`: all items in block order.
    pub fn iter(&self) -> impl Iterator<Item = ProgressItem> + '_ {
        (0..self.count()).filter_map(|i| self.item(i))
    }
}
