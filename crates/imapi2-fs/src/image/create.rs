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

    /// A session after others: UDF is not written there yet, and a medium
    /// whose UDF volume would go on showing the old tree is refused.
    fn check_appendable(&self) -> Result<()> {
        let Some(m) = &self.settings.multisession else {
            return Ok(());
        };
        if m.is_first_data_session {
            return Ok(());
        }
        if self.settings.file_systems.contains(FileSystems::UDF) {
            return Err(Error::FileSystemChangeNotAllowed {
                requested: self.settings.file_systems,
                reason: "UDF is not written in a session after the first yet; leave it out",
            });
        }
        let present = self
            .imported
            .as_ref()
            .map(|i| i.present)
            .unwrap_or_default();
        if present.contains(FileSystems::UDF) {
            return Err(Error::MultisessionNotAllowed {
                reason: "the medium carries UDF, whose readers (Linux mounts UDF first) would \
                         go on seeing the old tree: appending to UDF media is not supported yet"
                    .into(),
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
