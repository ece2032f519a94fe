//! The descriptors of the UDF file structure as the image stream reaches
//! them: the file set descriptor (ECMA-167 4/14.1), (extended) file entries
//! with their extended attributes (4/14.9, 4/14.10, 4/14.17), allocation
//! extent descriptors (4/14.5) and each directory's file identifier
//! descriptors (4/14.4).

use crate::codec::SECTOR;
use crate::error::Result;
use crate::image::arena::{NodeKind, Stored, TreeData};
use crate::image::item::SpecialKind;
use crate::time::FileTime;
use crate::udf::ecma167::{
    allocation_extent, fid_flags, file_type, icb_mode_flags, symlink_components, tag_id,
    terminating, udf_permissions, Allocation, Fid, FileEntry, FileSetDescriptor, LongAd, Tag,
};
use crate::udf::file_structure::{Kind, UdfTree, FIRST_ENTRY, FSD_BLOCK, MAX_AD_EXTENT};
use crate::write::file_data::{read_host_file_into, Reader};

impl UdfTree {
    /// The ICB (long_ad) that names entry `e`.
    pub(crate) fn icb(&self, e: u32) -> LongAd {
        LongAd {
            length: SECTOR as u32,
            block: self.placement.area_base + FIRST_ENTRY + e,
            partition: self.placement.area_partition,
            unique_id: self.entries[e as usize].unique_id as u32,
        }
    }

    /// The file set descriptor block.
    pub(crate) fn fsd(&self, time: FileTime, volume_id: &str) -> [u8; SECTOR] {
        FileSetDescriptor {
            time,
            volume_id: volume_id.to_string(),
            file_set_id: volume_id.to_string(),
            root: self.icb(0),
            revision: self.revision,
        }
        .encode(self.placement.area_base + FSD_BLOCK)
    }

    /// A directory's FID stream.
    pub(crate) fn dir_data(&self, d: u32) -> Vec<u8> {
        let dir = &self.dirs[d as usize];
        let version = self.version();
        let base = self.placement.area_base + dir.block;
        let mut out = Vec::with_capacity(dir.size as usize);
        let block_of = |off: usize| base + (off / SECTOR) as u32;
        Fid {
            characteristics: fid_flags::PARENT | fid_flags::DIRECTORY,
            icb: self.icb(dir.parent),
            name: Vec::new(),
        }
        .encode_into(&mut out, version, block_of(0));
        for f in &self.fids[dir.first as usize..(dir.first + dir.count) as usize] {
            let at = out.len();
            Fid {
                characteristics: f.flags,
                icb: self.icb(f.entry),
                name: self.name(f.name).to_vec(),
            }
            .encode_into(&mut out, version, block_of(at));
        }
        debug_assert_eq!(out.len(), dir.size as usize);
        out
    }

    /// The extents of entry `e`'s data as (length, partition block,
    /// partition reference).
    fn extents(&self, e: usize, ctx: &UdfContext) -> Vec<(u32, u32, u16)> {
        if !self.has_extent(ctx.data, e) {
            return Vec::new();
        }
        let entry = &self.entries[e];
        let p = &self.placement;
        let (start, length, partition) = match entry.kind {
            Kind::Dir(d) | Kind::StreamDir(d) => {
                let dir = &self.dirs[d as usize];
                (
                    p.area_base + dir.block,
                    u64::from(dir.size),
                    p.area_partition,
                )
            }
            Kind::File(c) | Kind::Stream(c) => (
                ctx.content_lba[c as usize] - p.partition_start,
                ctx.data.contents[c as usize].size,
                0,
            ),
            Kind::Symlink => {
                let at = self
                    .extra
                    .iter()
                    .scan(0u32, |acc, (x, n)| {
                        let here = *acc;
                        *acc += n;
                        Some((*x, here))
                    })
                    .find(|(x, _)| *x as usize == e)
                    .map(|(_, here)| here)
                    .unwrap_or(0);
                (
                    p.extra_base - p.partition_start + at,
                    self.data_length(ctx.data, e),
                    0,
                )
            }
            Kind::Special(_) | Kind::EmptyFile => return Vec::new(),
        };
        let mut out = Vec::new();
        let mut off = 0u64;
        while off < length {
            let part = (length - off).min(MAX_AD_EXTENT);
            out.push((part as u32, start + (off / SECTOR as u64) as u32, partition));
            off += part;
        }
        out
    }

    /// Whether entry `e` has data outside itself.
    fn has_extent(&self, data: &TreeData, e: usize) -> bool {
        !self.entries[e].embedded && self.data_length(data, e) > 0
    }

    fn encode_ads(&self, ads: &[(u32, u32, u16)]) -> Vec<u8> {
        let mut v = Vec::with_capacity(ads.len() * self.ad_size());
        for &(len, block, partition) in ads {
            if self.metadata_partition() {
                let mut b = [0u8; 16];
                LongAd {
                    length: len,
                    block,
                    partition,
                    unique_id: 0,
                }
                .put(&mut b, 0);
                v.extend_from_slice(&b);
            } else {
                v.extend_from_slice(&len.to_le_bytes());
                v.extend_from_slice(&block.to_le_bytes());
            }
        }
        v
    }

    /// The block of entry `e` (its file entry).
    pub(crate) fn entry_block(&self, e: usize, ctx: &UdfContext) -> Result<[u8; SECTOR]> {
        let entry = &self.entries[e];
        let extended = self.extended();
        let room = FileEntry::room(extended);
        let data = ctx.data;
        let node = data.node(entry.node);
        let mut a = node.attrs;
        if let Some(c) = ctx.clamp {
            a.created = a.created.min(c);
            a.modified = a.modified.min(c);
            a.accessed = a.accessed.min(c);
        }
        let length = self.data_length(data, e);
        let (ftype, mode, extra_flags) = match entry.kind {
            Kind::Dir(_) => (file_type::DIRECTORY, a.mode, 0),
            Kind::StreamDir(_) => (file_type::STREAM_DIR, a.mode, 0),
            Kind::File(_) if data.real_time.contains(&entry.node) => {
                (file_type::REAL_TIME, a.mode, 0)
            }
            Kind::File(_) => (file_type::FILE, a.mode, 0),
            Kind::Stream(_) => (file_type::FILE, a.mode, 0x2000),
            Kind::Symlink => (file_type::SYMLINK, 0o777, 0),
            // A regular file holding nothing, readable by everyone.
            Kind::EmptyFile => (file_type::FILE, 0o444, 0),
            Kind::Special(k) => (
                match k {
                    SpecialKind::Fifo => file_type::FIFO,
                    SpecialKind::Socket => file_type::SOCKET,
                    SpecialKind::CharDevice(_) => file_type::CHAR,
                    SpecialKind::BlockDevice(_) => file_type::BLOCK,
                },
                a.mode,
                0,
            ),
        };
        let ea = match entry.kind {
            Kind::Special(k) => match k.rdev() {
                Some(rdev) => device_ea(
                    self.version(),
                    self.placement.area_base + FIRST_ENTRY + e as u32,
                    rdev,
                ),
                None => Vec::new(),
            },
            _ => Vec::new(),
        };
        let allocation = if entry.embedded {
            let bytes = match entry.kind {
                Kind::Symlink => match &node.kind {
                    NodeKind::Symlink { target } => symlink_components(target),
                    _ => Vec::new(),
                },
                Kind::File(c) | Kind::Stream(c) => read_content(data, c)?,
                _ => Vec::new(),
            };
            Allocation::Embedded(bytes)
        } else {
            let ads = self.extents(e, ctx);
            let cap = (room - ea.len()) / self.ad_size();
            let inline: Vec<(u32, u32, u16)> = if ads.len() <= cap {
                ads
            } else {
                let mut v = ads[..cap - 1].to_vec();
                // Continuation: the first allocation extent block.
                v.push((
                    0xC000_0000 | SECTOR as u32,
                    self.placement.area_base + self.aed_base + entry.aed_first,
                    self.placement.area_partition,
                ));
                v
            };
            if self.metadata_partition() {
                Allocation::Long(
                    inline
                        .iter()
                        .map(|&(length, block, partition)| LongAd {
                            length,
                            block,
                            partition,
                            unique_id: 0,
                        })
                        .collect(),
                )
            } else {
                Allocation::Short(inline.iter().map(|&(l, b, _)| (l, b)).collect())
            }
        };
        let blocks_recorded = if entry.embedded {
            0
        } else {
            length.div_ceil(SECTOR as u64)
        };
        let stream_dir = entry.stream_dir.map(|s| self.icb(s));
        let fe = FileEntry {
            extended,
            file_type: ftype,
            icb_flags: icb_mode_flags(mode) | extra_flags,
            uid: a.uid,
            gid: a.gid,
            permissions: udf_permissions(mode & 0o777),
            link_count: entry.links,
            length,
            blocks_recorded,
            accessed: a.accessed,
            modified: a.modified,
            created: a.created,
            attributes_changed: a.modified,
            unique_id: entry.unique_id,
            stream_dir,
            extended_attributes: ea,
            allocation,
        };
        Ok(fe.encode(
            self.version(),
            self.placement.area_base + FIRST_ENTRY + e as u32,
        ))
    }

    /// Allocation extent block `k` (area-relative index from `aed_base`).
    pub(crate) fn aed_block(&self, k: u32, ctx: &UdfContext) -> [u8; SECTOR] {
        let e = self
            .entries
            .iter()
            .position(|x| x.aed_count > 0 && x.aed_first <= k && k < x.aed_first + x.aed_count)
            .expect("an entry owns every extent block");
        let entry = &self.entries[e];
        let ads = self.extents(e, ctx);
        let room = FileEntry::room(self.extended()) - self.ea_len(e);
        let cap = room / self.ad_size();
        let per = (SECTOR - 24) / self.ad_size();
        let index = (k - entry.aed_first) as usize;
        let start = cap - 1 + index * (per - 1);
        let last = index + 1 == entry.aed_count as usize;
        let end = if last { ads.len() } else { start + per - 1 };
        let mut chunk = ads[start..end.min(ads.len())].to_vec();
        let here = self.placement.area_base + self.aed_base + k;
        if !last {
            chunk.push((
                0xC000_0000 | SECTOR as u32,
                here + 1,
                self.placement.area_partition,
            ));
        }
        let previous = if index == 0 {
            self.placement.area_base + FIRST_ENTRY + e as u32
        } else {
            here - 1
        };
        allocation_extent(self.version(), here, previous, &self.encode_ads(&chunk))
    }

    /// The data of a link target that needs blocks of its own.
    pub(crate) fn extra_data(&self, i: usize, data: &TreeData) -> Vec<u8> {
        let (e, blocks) = self.extra[i];
        let mut v = match &data.node(self.entries[e as usize].node).kind {
            NodeKind::Symlink { target } => symlink_components(target),
            _ => Vec::new(),
        };
        v.resize(blocks as usize * SECTOR, 0);
        v
    }

    /// Block `k` of the metadata area (any but directory data).
    pub(crate) fn area_block(&self, k: u32, ctx: &UdfContext) -> Result<[u8; SECTOR]> {
        Ok(if k == FSD_BLOCK {
            self.fsd(ctx.time, ctx.volume_id)
        } else if k == FSD_BLOCK + 1 {
            terminating(self.version(), self.placement.area_base + k)
        } else if k < self.aed_base {
            self.entry_block((k - FIRST_ENTRY) as usize, ctx)?
        } else if k < self.dir_base {
            self.aed_block(k - self.aed_base, ctx)
        } else {
            [0u8; SECTOR]
        })
    }
}

/// What the generator needs besides the tree.
pub(crate) struct UdfContext<'a> {
    pub(crate) data: &'a TreeData,
    pub(crate) content_lba: &'a [u32],
    pub(crate) clamp: Option<FileTime>,
    pub(crate) time: FileTime,
    pub(crate) volume_id: &'a str,
}

/// A file's whole content (small: it goes into its entry).
fn read_content(data: &TreeData, c: u32) -> Result<Vec<u8>> {
    let content = &data.contents[c as usize];
    let mut v = Vec::with_capacity(content.size as usize);
    if read_host_file_into(content, data, &mut v)? {
        return Ok(v);
    }
    if matches!(content.source, Stored::BootCatalog) {
        return Ok(vec![0; content.size as usize]);
    }
    let r = Reader::open(content, data, "named stream")?;
    v.resize(content.size as usize, 0);
    r.read_exact_at(&mut v, 0, content.size, "named stream")?;
    Ok(v)
}

/// Extended attributes holding a device specification (ECMA-167 4/14.10.7):
/// the header descriptor, then the attribute.
fn device_ea(version: u16, location: u32, rdev: u64) -> Vec<u8> {
    let mut v = vec![0u8; 48];
    v[16..20].copy_from_slice(&48u32.to_le_bytes()); // implementation attributes: none
    v[20..24].copy_from_slice(&48u32.to_le_bytes()); // application attributes: none
    Tag {
        id: tag_id::EAHD,
        version,
        serial: 1,
        location,
    }
    .seal(&mut v[..24]);
    v[24..28].copy_from_slice(&12u32.to_le_bytes()); // attribute type: device specification
    v[28] = 1; // subtype
    v[32..36].copy_from_slice(&24u32.to_le_bytes()); // attribute length
    v[36..40].copy_from_slice(&0u32.to_le_bytes()); // implementation use length
    let (major, minor) = split_dev(rdev);
    v[40..44].copy_from_slice(&major.to_le_bytes());
    v[44..48].copy_from_slice(&minor.to_le_bytes());
    v
}

/// Linux's encoding of a device number into major and minor.
fn split_dev(rdev: u64) -> (u32, u32) {
    let major = ((rdev >> 8) & 0xFFF) | ((rdev >> 32) & !0xFFF);
    let minor = (rdev & 0xFF) | ((rdev >> 12) & !0xFF);
    (major as u32, minor as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_numbers_split_like_linux() {
        // makedev(8, 1) = 0x801; makedev(259, 65536) uses the high bits.
        assert_eq!(split_dev(0x801), (8, 1));
        // major 259 in bits 8..20, minor 65536: low byte 0, the rest from bit 20.
        let rdev = (259u64 << 8) | ((65536u64 & !0xFF) << 12);
        assert_eq!(split_dev(rdev), (259, 65536));
    }
}
