//! `CreateResultImage`: the layout plan of a [`FileSystemImage`] as an
//! [`ImageResult`].

use std::collections::HashMap;
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::filesystems::FileSystems;
use crate::image::arena::{Content, NodeKind, Stored, TreeData, ROOT};
use crate::image::boot::BootCatalog;
use crate::image::file_system_image::FileSystemImage;
use crate::image::item::{Attributes, ItemId, ItemKind};
use crate::image::journal::Journal;
use crate::image::source::DataSource;
use crate::read::multisession::MultisessionKind;
use crate::time::FileTime;
use crate::write::plan;
use crate::write::result::ImageResult;
impl FileSystemImage {
    /// `CreateResultImage`: lays out every selected file system and returns the
    /// lazily generated image. Fails when the image exceeds `FreeMediaBlocks`.
    pub fn create_result_image(&self) -> Result<ImageResult> {
        self.check_appendable()?;
        if !self.tree.data.streams.is_empty() {
            self.check_streams_supported()?;
        }
        if !self.tree.data.real_time.is_empty() && !self.real_time_supported() {
            return Err(Error::FeatureNotSupported {
                feature: "real-time files",
                needs: "UDF 2.01 or later",
            });
        }
        let volume_time = self.settings.fixed_time.unwrap_or_else(FileTime::now);
        let mut data = match (&self.settings.boot_catalog, self.settings.boot.is_empty()) {
            (BootCatalog::Path(p), false) => Arc::new(self.with_catalog_item(p)?),
            _ => self.tree.data.clone(),
        };
        if self.settings.zisofs {
            data = Arc::new(self.compressed(&data)?);
        }
        let plan = plan::plan(
            &data,
            &self.settings,
            &self.effective_volume_name(volume_time),
            volume_time,
        )?;
        let budget = self.settings.free_media_blocks;
        if budget != 0 && u64::from(plan.total_blocks) > u64::from(budget) {
            return Err(Error::ImageSizeLimit {
                needed_blocks: u64::from(plan.total_blocks),
                free_media_blocks: budget,
            });
        }
        let mut result = ImageResult::new(plan, data);
        result.multisession = self.settings.multisession.as_ref().map(|m| m.kind);
        result.base_medium = self
            .settings
            .multisession
            .as_ref()
            .map(|m| m.medium.clone());
        result.boot_files = self
            .settings
            .boot
            .iter()
            .filter_map(|b| match b.boot_image() {
                Some(DataSource::Path(p)) => Some(p.clone()),
                _ => None,
            })
            .collect();
        Ok(result)
    }

    /// A session after others keeps the medium's UDF, at its revision; on
    /// an image file a sequential one needs ISO 9660 (readers find such
    /// sessions by its descriptors); and UDF cannot be added on random-write
    /// media, whose first session's block 256, where the anchor every UDF
    /// reader looks at must go, holds that session's data.
    fn check_appendable(&self) -> Result<()> {
        let Some(m) = &self.settings.multisession else {
            return Ok(());
        };
        if m.is_first_data_session {
            return Ok(());
        }
        let (present, revision) = match &self.imported {
            Some(i) => (i.present, i.udf_revision),
            None => {
                let disc = crate::read::disc::Disc::open(&m.medium)?;
                (disc.file_systems(), disc.udf.as_ref().map(|u| u.revision))
            }
        };
        let writes_udf = self.settings.file_systems.contains(FileSystems::UDF);
        if present.contains(FileSystems::UDF) && !writes_udf {
            return Err(Error::FileSystemChangeNotAllowed {
                requested: self.settings.file_systems,
                reason: "the medium carries UDF, whose readers would go on seeing the old \
                         tree: the next session must write UDF too",
            });
        }
        if let Some(imported) = revision {
            if writes_udf && self.settings.udf_revision != imported {
                return Err(Error::UdfRevisionChangeNotAllowed { imported });
            }
        }
        if m.kind == MultisessionKind::Sequential
            && !self.settings.file_systems.contains(FileSystems::ISO9660)
            && m.medium.recorded_sessions().is_none()
        {
            return Err(Error::FileSystemChangeNotAllowed {
                requested: self.settings.file_systems,
                reason: "a sequential session without ISO 9660 cannot be found on an image file \
                         (it has no table of contents, and ISO 9660 volume descriptors are what \
                         chain its sessions): append random-write, or write ISO 9660 too",
            });
        }
        if writes_udf
            && !present.contains(FileSystems::UDF)
            && m.kind == MultisessionKind::RandomWrite
        {
            return Err(Error::FileSystemChangeNotAllowed {
                requested: self.settings.file_systems,
                reason: "UDF cannot be added to a random-write medium after its first session \
                         (block 256, where its anchor goes, holds the first session's data); \
                         leave UDF out, or append on sequential media",
            });
        }
        Ok(())
    }

    /// A copy of the tree whose files are zisofs-compressed where that saves
    /// space (the image's own tree is left alone). Rock Ridge must be
    /// written (its `ZF` entries say which files are compressed), UDF must
    /// not (its readers would see the compressed bytes).
    fn compressed(&self, data: &TreeData) -> Result<TreeData> {
        let fs = self.settings.file_systems;
        if !fs.contains(FileSystems::ROCK_RIDGE) || fs.contains(FileSystems::UDF) {
            return Err(Error::FeatureNotSupported {
                feature: "zisofs-compressed files",
                needs: "Rock Ridge, whose ZF entries mark them, and no UDF, whose readers \
                        would see the compressed bytes",
            });
        }
        crate::write::zisofs::compress_contents(
            data,
            &self.settings.boot,
            self.settings.multisession.as_ref(),
        )
    }

    /// A copy of the tree with the boot catalog as a file at `path` (the
    /// image's own tree is left alone).
    fn with_catalog_item(&self, path: &str) -> Result<TreeData> {
        let mut scratch = FileSystemImage {
            tree: self.tree.clone(),
            journal: Journal::default(),
            settings: self.settings.clone(),
            hard_links: HashMap::new(),
            imported: None,
            import_progress: None,
        };
        let (parent, leaf) = scratch.parent_for_new(ItemId(ROOT), path)?;
        let content = scratch.tree.push_content(Content {
            source: Stored::BootCatalog,
            size: crate::codec::SECTOR as u64,
        });
        let now = self.settings.fixed_time.unwrap_or_else(FileTime::now);
        let attrs = Attributes::new(ItemKind::File, now);
        let id = scratch
            .tree
            .push(leaf.into(), attrs, NodeKind::File { content });
        scratch.tree.attach(id, parent);
        Ok(Arc::try_unwrap(scratch.tree.data).unwrap_or_else(|shared| (*shared).clone()))
    }
}
