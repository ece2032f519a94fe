//! The ECMA-119 writers: the primary volume (ISO 9660, with its Rock Ridge
//! entries in the directory records and their continuation areas), the
//! Joliet supplementary volume, and the volume descriptor set terminator.
//!
//! Each volume writes its descriptor (ECMA-119 §8.4, §8.5), its two path
//! tables (§9.4, L and M) and its directories (§9.1), generated one by one
//! when the stream reaches them. Both volumes point at the same file data.

use crate::codec::SECTOR;
use crate::error::{Error, Result};
use crate::filesystems::FileSystems;
use crate::image::arena::{blocks_of, NodeKind, TreeData, ROOT};
use crate::image::settings::Settings;
use crate::iso9660::ecma119::{
    ascii_field, terminator, ucs2_field, vd_type, volume_date, VolumeDescriptor,
    JOLIET_ESCAPE_LEVEL3, VOLUME_DATE_UNSET,
};
use crate::iso9660::hierarchy::{Context, Ecma119Tree, Flavor, Serials, Target, MAX_EXTENT};
use crate::iso9660::names::joliet_units;
use crate::write::layout::Layout;
use crate::write::writer::{Stage, Volume, Writer};

/// Part numbers: the L path table, the M path table, then directory `d`
/// is part `FIRST_DIR + d`.
const L_TABLE: u32 = 0;
const M_TABLE: u32 = 1;
const FIRST_DIR: u32 = 2;

/// One ECMA-119 volume: the primary (ISO 9660 and Rock Ridge) or Joliet.
pub(crate) struct Ecma119Writer {
    tree: Ecma119Tree,
    /// The volume identifier as this volume writes it.
    volume_id: String,
    /// Rock Ridge link count of each content (hard links); empty for Joliet.
    links: Vec<u32>,
    /// Rock Ridge serial numbers; empty for Joliet.
    serials: Serials,
}

impl Ecma119Writer {
    /// The primary volume: files too large for the interchange level are
    /// refused, the hierarchy is built (deep directories relocated), Rock
    /// Ridge serial numbers are given in tree order, and every directory is
    /// sized.
    pub(crate) fn primary(
        data: &TreeData,
        settings: &Settings,
        volume_id: String,
    ) -> Result<Ecma119Writer> {
        let links = link_counts(data, settings.iso_level)?;
        let rr = settings.file_systems.contains(FileSystems::ROCK_RIDGE);
        let flavor = Flavor::Iso {
            level: settings.iso_level,
            rr,
        };
        let tree = Ecma119Tree::build(data, flavor, settings.strict, settings.rr_relocation)?;
        let serials = serials(data, &tree);
        Ok(Ecma119Writer::sized(data, tree, volume_id, links, serials))
    }

    /// The Joliet volume, named `volume_id` (its Joliet form).
    pub(crate) fn joliet(
        data: &TreeData,
        settings: &Settings,
        volume_id: String,
    ) -> Result<Ecma119Writer> {
        let tree = Ecma119Tree::build(data, Flavor::Joliet, settings.strict, false)?;
        Ok(Ecma119Writer::sized(
            data,
            tree,
            volume_id,
            Vec::new(),
            Serials::default(),
        ))
    }

    fn sized(
        data: &TreeData,
        mut tree: Ecma119Tree,
        volume_id: String,
        links: Vec<u32>,
        serials: Serials,
    ) -> Ecma119Writer {
        // Sizes depend neither on addresses (none is known yet) nor on times.
        let unplaced = vec![0u32; data.contents.len()];
        let ctx = Context {
            data,
            content_lba: &unplaced,
            content_links: &links,
            serials: &serials,
            clamp: None,
        };
        let file_size = |c: u32| data.contents[c as usize].size;
        tree.compute_path_table_size();
        tree.compute_dir_sizes(&ctx, &file_size);
        Ecma119Writer {
            tree,
            volume_id,
            links,
            serials,
        }
    }

    /// The hierarchy.
    pub(crate) fn tree(&self) -> &Ecma119Tree {
        &self.tree
    }

    fn context<'a>(&'a self, v: &Volume<'a>) -> Context<'a> {
        Context {
            data: v.data,
            content_lba: v.content_lba,
            content_links: &self.links,
            serials: &self.serials,
            clamp: v.clamp,
        }
    }
}

/// The Rock Ridge link count of each content, after checking that every
/// file fits the interchange level (levels 1 and 2: one extent below
/// 4 GiB; level 3: at most 255 extents).
fn link_counts(data: &TreeData, level: u8) -> Result<Vec<u32>> {
    let mut links = vec![0u32; data.contents.len()];
    let mut size_error = None;
    data.walk(ROOT, |id, n| {
        if let NodeKind::File { content } = n.kind {
            links[content as usize] += 1;
            let size = data.contents[content as usize].size;
            if size_error.is_none() && level < 3 && size > MAX_EXTENT {
                size_error = Some(Error::DataTooBig {
                    path: data.full_path(id),
                    size,
                    reason: "ISO 9660 levels 1 and 2 hold files below 4 GiB; use level 3",
                });
            }
            if size_error.is_none() && size > MAX_EXTENT * 255 {
                size_error = Some(Error::DataTooBig {
                    path: data.full_path(id),
                    size,
                    reason: "more than 255 extents of 4 GiB",
                });
            }
        }
    });
    match size_error {
        Some(e) => Err(e),
        None => Ok(links),
    }
}

/// Rock Ridge serial numbers (`PX` field 5), in primary tree order:
/// directories first, then files (hard links share one) and other entries.
fn serials(data: &TreeData, t: &Ecma119Tree) -> Serials {
    let mut serials = Serials {
        by_content: vec![0; data.contents.len()],
        by_node: vec![0; data.nodes.len()],
    };
    let mut next_serial = 1u32;
    for d in &t.dirs {
        if serials.by_node[d.node as usize] == 0 {
            serials.by_node[d.node as usize] = next_serial;
            next_serial += 1;
        }
    }
    for e in &t.entries {
        match e.target {
            Target::File(c) if serials.by_content[c as usize] == 0 => {
                serials.by_content[c as usize] = next_serial;
                next_serial += 1;
            }
            Target::Empty => {
                serials.by_node[e.node as usize] = next_serial;
                next_serial += 1;
            }
            _ => {}
        }
    }
    serials
}

impl Writer for Ecma119Writer {
    fn warnings(&self) -> Vec<String> {
        self.tree.warnings.clone()
    }

    fn reserve(&mut self, stage: Stage, layout: &mut Layout) -> Result<()> {
        let t = &mut self.tree;
        match stage {
            Stage::Descriptors => layout.descriptors(1),
            Stage::PathTables => {
                let blocks = blocks_of(u64::from(t.path_table_size));
                let at = layout.take_part(blocks, L_TABLE);
                t.l_table = layout.abs(at)?;
                let at = layout.take_part(blocks, M_TABLE);
                t.m_table = layout.abs(at)?;
            }
            Stage::Directories => {
                for d in 0..t.dirs.len() as u32 {
                    let at = layout.take_part(u64::from(t.dir_blocks(d)), FIRST_DIR + d);
                    t.dirs[d as usize].lba = layout.abs(at)?;
                }
            }
            Stage::Files => {
                for e in &t.entries {
                    if let Target::File(c) = e.target {
                        layout.record_file(c, e.node);
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// The primary (§8.4) or supplementary (§8.5) volume descriptor.
    fn write_descriptors(&self, v: &Volume, out: &mut Vec<u8>) {
        let joliet = matches!(self.tree.flavor, Flavor::Joliet);
        let text = |s: &str| -> [u8; 128] {
            if joliet {
                ucs2_field(&joliet_units(s))
            } else {
                ascii_field(s)
            }
        };
        let created = volume_date(v.volume_time);
        let app = concat!("IMAPI2-RS ", env!("CARGO_PKG_VERSION"));
        let vd = VolumeDescriptor {
            descriptor_type: if joliet {
                vd_type::SUPPLEMENTARY
            } else {
                vd_type::PRIMARY
            },
            escape_sequences: {
                let mut e = [0u8; 32];
                if joliet {
                    e[..3].copy_from_slice(&JOLIET_ESCAPE_LEVEL3);
                }
                e
            },
            system_id: if joliet {
                ucs2_field(&"LINUX".encode_utf16().collect::<Vec<_>>())
            } else {
                ascii_field("LINUX")
            },
            volume_id: if joliet {
                ucs2_field(&joliet_units(&self.volume_id))
            } else {
                ascii_field(&self.volume_id)
            },
            volume_space_size: v.start + v.total_blocks,
            logical_block_size: SECTOR as u16,
            path_table_size: self.tree.path_table_size,
            l_path_table: self.tree.l_table,
            m_path_table: self.tree.m_table,
            root_record: self.tree.root_record(&self.context(v)),
            volume_set_id: text(""),
            publisher_id: text(""),
            preparer_id: text(""),
            application_id: text(app),
            created,
            modified: created,
            expires: VOLUME_DATE_UNSET,
            effective: VOLUME_DATE_UNSET,
        };
        out.extend_from_slice(&vd.encode());
    }

    fn generate(&self, part: u32, v: &Volume) -> Result<Vec<u8>> {
        Ok(match part {
            L_TABLE => self.tree.generate_path_table(false),
            M_TABLE => self.tree.generate_path_table(true),
            dir => {
                let file_size = |c: u32| v.data.contents[c as usize].size;
                self.tree
                    .generate_dir(dir - FIRST_DIR, &self.context(v), &file_size)
            }
        })
    }
}

/// The volume descriptor set terminator (§8.3), after every ECMA-119
/// descriptor (and before UDF's recognition sequence).
pub(crate) struct SetTerminator;

impl Writer for SetTerminator {
    fn reserve(&mut self, stage: Stage, layout: &mut Layout) -> Result<()> {
        if stage == Stage::Descriptors {
            layout.descriptors(1);
        }
        Ok(())
    }

    fn write_descriptors(&self, _v: &Volume, out: &mut Vec<u8>) {
        out.extend_from_slice(&terminator());
    }
}
