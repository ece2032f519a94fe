//! How a UDF volume maps partition blocks to sectors of the medium: type 1
//! partitions, the virtual allocation table of write-once media (UDF 2.2.11),
//! the sparing table of rewritable media (UDF 2.2.12), and the metadata
//! file of UDF 2.50+ (UDF 2.2.10); and the reads of whole sectors that every
//! part of the reader goes through.

use std::collections::BTreeMap;
use std::io::{Read, Seek, SeekFrom};

use crate::codec::SECTOR;
use crate::error::{Error, Result};
use crate::udf::ecma167::{
    tag_id, Allocation, FileEntry, MetadataMap, PartitionMap, SparableMap, Tag,
};
use crate::udf::reader::{corrupt, UdfVolume, Vat, VatInfo};

/// How far before the last sector the virtual allocation table is searched
/// (sectors).
const VAT_SEARCH: u64 = 256;

/// Sparing table entries at or above this value are free or defective.
const SPARING_UNUSED: u32 = 0xFFFF_FFF0;

impl<R: Read + Seek> UdfVolume<R> {
    pub(super) fn read_sectors(&mut self, first: u64, n: u64) -> Result<Vec<u8>> {
        let len = n * SECTOR as u64;
        if first * SECTOR as u64 + len > self.size {
            return Err(corrupt(
                "extent",
                first,
                format!("{n} sectors run past the end of the image"),
            ));
        }
        let mut buf = vec![0u8; len as usize];
        self.src
            .seek(SeekFrom::Start(first * SECTOR as u64))
            .and_then(|_| self.src.read_exact(&mut buf))
            .map_err(|e| Error::ImportRead {
                block: first,
                error: e,
            })?;
        Ok(buf)
    }

    pub(super) fn sector(&mut self, at: u64) -> Result<Vec<u8>> {
        self.read_sectors(at, 1)
    }

    /// The absolute sector of block `block` of partition reference `p`.
    pub(super) fn locate(&self, p: u16, block: u32) -> Result<u64> {
        self.contiguous(p, block).map(|(at, _)| at)
    }

    /// How many packets the sparing table relocates (sparable volumes).
    pub fn relocated_packets(&self) -> usize {
        self.sparing.len()
    }

    /// The partition reference of the physical partition (type 1 or
    /// sparable) that virtual and metadata partitions live on.
    pub(super) fn physical_ref(&self) -> u16 {
        self.info
            .maps
            .iter()
            .position(|m| matches!(m, PartitionMap::Physical | PartitionMap::Sparable(_)))
            .unwrap_or(0) as u16
    }

    /// The partition reference that file structures use by default (the
    /// file set descriptor's).
    pub(super) fn file_ref(&self) -> u16 {
        self.info.fsd.0
    }

    /// Block `block` of the physical partition: its sector and how many
    /// blocks from there the partition continues.
    pub(super) fn physical(&self, block: u32) -> Result<(u64, u64)> {
        if block >= self.info.partition_length {
            return Err(corrupt(
                "address",
                u64::from(block),
                format!(
                    "block {block} is outside the partition of {} blocks",
                    self.info.partition_length
                ),
            ));
        }
        Ok((
            u64::from(self.info.partition_start) + u64::from(block),
            u64::from(self.info.partition_length - block),
        ))
    }

    /// The absolute sector of block `block` of partition reference `p`, and
    /// how many blocks from there are contiguous on the medium.
    pub(super) fn contiguous(&self, p: u16, block: u32) -> Result<(u64, u64)> {
        let Some(map) = self.info.maps.get(usize::from(p)) else {
            return Err(corrupt(
                "address",
                u64::from(block),
                format!("partition reference {p} is not mapped"),
            ));
        };
        match map {
            PartitionMap::Physical => self.physical(block),
            PartitionMap::Sparable(m) => {
                let packet_len = u32::from(m.packet_length.max(1));
                let packet = block - block % packet_len;
                if let Some(&spare) = self.sparing.get(&packet) {
                    if block >= self.info.partition_length {
                        return self.physical(block);
                    }
                    let off = block - packet;
                    return Ok((spare + u64::from(off), u64::from(packet_len - off)));
                }
                let (at, n) = self.physical(block)?;
                // Contiguous up to the next relocated packet.
                let next = self.sparing.range(packet + 1..).next();
                Ok((at, next.map_or(n, |(&o, _)| n.min(u64::from(o - block)))))
            }
            PartitionMap::Virtual => {
                let entry = |b: u32| self.vat.get(b as usize).copied();
                let Some(first) = entry(block) else {
                    return Err(corrupt(
                        "address",
                        u64::from(block),
                        format!(
                            "virtual block {block} is past the {} entries of the virtual allocation table",
                            self.vat.len()
                        ),
                    ));
                };
                if first == u32::MAX {
                    return Err(corrupt(
                        "address",
                        u64::from(block),
                        format!("virtual block {block} is unused in the virtual allocation table"),
                    ));
                }
                let (at, n) = self.physical(first)?;
                // Consecutive virtual blocks that map to consecutive blocks.
                let mut run = 1u64;
                while run < n.min(1 << 16)
                    && entry(block.saturating_add(run as u32))
                        == Some(first.wrapping_add(run as u32))
                {
                    run += 1;
                }
                Ok((at, run))
            }
            PartitionMap::Metadata(_) => {
                let mut b = u64::from(block);
                for &(start, n) in &self.metadata {
                    if b < n {
                        return Ok((start + b, n - b));
                    }
                    b -= n;
                }
                Err(corrupt(
                    "address",
                    u64::from(block),
                    "block outside the metadata partition",
                ))
            }
            PartitionMap::Unsupported(what) => Err(corrupt(
                "logical volume descriptor",
                u64::from(block),
                format!("partition reference {p} uses an unsupported partition map ({what})"),
            )),
        }
    }

    /// Reads every copy of the sparing table (UDF 2.60 2.2.12) and keeps the
    /// valid one with the highest sequence number: packet start → sector.
    pub(super) fn read_sparing_table(&mut self, m: &SparableMap) -> Result<BTreeMap<u32, u64>> {
        const W: &str = "sparing table";
        let first = m.tables.first().copied().unwrap_or(0);
        let packet_len = u32::from(m.packet_length);
        if packet_len == 0 || !packet_len.is_power_of_two() {
            return Err(corrupt(
                "sparable partition map",
                u64::from(first),
                format!("packet length {packet_len} is not a power of two"),
            ));
        }
        // At most 65535 entries of 8 bytes after a 56-byte header.
        let size = u64::from(m.table_size);
        if !(56..=56 + 8 * 65535).contains(&size) {
            return Err(corrupt(
                W,
                u64::from(first),
                format!("table size {size} bytes"),
            ));
        }
        let sectors = size.div_ceil(SECTOR as u64);
        let mut best: Option<(u32, Vec<u8>)> = None;
        let mut why = String::from("no table location is given");
        for &at in &m.tables {
            let at = u64::from(at);
            let t = match self.read_sectors(at, sectors) {
                Ok(t) => t,
                Err(e) => {
                    why = e.to_string();
                    continue;
                }
            };
            match Tag::decode(&t) {
                Ok(tag) if tag.id == 0 && u64::from(tag.location) == at => {}
                Ok(tag) => {
                    why = format!("sector {at}: tag {} at location {}", tag.id, tag.location);
                    continue;
                }
                Err(e) => {
                    why = format!("sector {at}: {e}");
                    continue;
                }
            }
            if &t[17..35] != b"*UDF Sparing Table" {
                why = format!("sector {at}: not a sparing table identifier");
                continue;
            }
            let entries = usize::from(u16::from_le_bytes([t[48], t[49]]));
            if 56 + 8 * entries as u64 > size {
                why = format!("sector {at}: {entries} entries do not fit in {size} bytes");
                continue;
            }
            let seq = u32::from_le_bytes([t[52], t[53], t[54], t[55]]);
            if best.as_ref().map_or(true, |(s, _)| seq > *s) {
                best = Some((seq, t[56..56 + 8 * entries].to_vec()));
            }
        }
        let Some((_, table)) = best else {
            return Err(corrupt(
                W,
                u64::from(first),
                format!("no copy is readable ({why})"),
            ));
        };
        let mut map = BTreeMap::new();
        for e in table.chunks_exact(8) {
            let orig = u32::from_le_bytes([e[0], e[1], e[2], e[3]]);
            let mapped = u32::from_le_bytes([e[4], e[5], e[6], e[7]]);
            if orig >= SPARING_UNUSED {
                continue;
            }
            if orig % packet_len != 0 {
                return Err(corrupt(
                    W,
                    u64::from(first),
                    format!(
                        "relocated block {orig} is not the start of a {packet_len}-block packet"
                    ),
                ));
            }
            map.insert(orig, u64::from(mapped));
        }
        Ok(map)
    }

    /// Finds the virtual allocation table (UDF 2.60 2.2.11): the last file
    /// entry of type 248 (or, UDF 1.50, of type 0 ending in the VAT
    /// identifier) within the last sectors of the image.
    pub(super) fn find_vat(&mut self) -> Result<Vat> {
        const W: &str = "virtual allocation table";
        let sectors = self.size / SECTOR as u64;
        let start = u64::from(self.info.partition_start);
        let last = sectors.saturating_sub(1);
        let low = start.max(last.saturating_sub(VAT_SEARCH));
        let host = self.physical_ref();
        let mut at = last + 1;
        while at > low {
            at -= 1;
            let s = self.sector(at)?;
            if s.iter().all(|&b| b == 0) {
                continue;
            }
            let Ok(tag) = Tag::decode(&s) else { continue };
            if !matches!(tag.id, tag_id::FE | tag_id::EFE) || u64::from(tag.location) + start != at
            {
                continue;
            }
            let Ok(fe) = FileEntry::decode(&s) else {
                continue;
            };
            if fe.file_type != 248 && fe.file_type != 0 {
                continue;
            }
            // Entries count at most the partition's blocks.
            if fe.length > 36 + 4 * u64::from(self.info.partition_length) + 65536 {
                return Err(corrupt(W, at, format!("{} bytes long", fe.length)));
            }
            let data = self.read_data(&fe, host)?;
            let mut counts = None;
            let entries = if fe.file_type == 248 {
                // UDF 2.00+: a header of L_HD bytes, then the entries.
                if data.len() < 152 {
                    return Err(corrupt(
                        W,
                        at,
                        format!("{} bytes, header is 152", data.len()),
                    ));
                }
                let header = usize::from(u16::from_le_bytes([data[0], data[1]]));
                if header < 152 || header > data.len() {
                    return Err(corrupt(W, at, format!("header length {header}")));
                }
                let le =
                    |o: usize| u32::from_le_bytes([data[o], data[o + 1], data[o + 2], data[o + 3]]);
                counts = Some((le(136), le(140)));
                &data[header..]
            } else {
                // UDF 1.50: the entries, then the identifier and the
                // previous VAT's location (36 bytes).
                if data.len() < 36 || (data.len() - 36) % 4 != 0 {
                    continue;
                }
                let n = data.len() - 36;
                if &data[n + 1..n + 23] != b"*UDF Virtual Alloc Tbl" {
                    continue;
                }
                &data[..n]
            };
            let entries: Vec<u32> = entries
                .chunks_exact(4)
                .map(|e| u32::from_le_bytes([e[0], e[1], e[2], e[3]]))
                .collect();
            return Ok(Vat {
                info: VatInfo {
                    sector: at,
                    entries: entries.len(),
                    counts,
                },
                entries,
            });
        }
        Err(corrupt(
            W,
            last,
            format!("no file entry of the table in sectors {low} to {last}"),
        ))
    }

    /// The runs of the medium (byte offset, bytes) holding `len` bytes from
    /// block `block` of partition `p`.
    pub(super) fn runs(
        &self,
        p: u16,
        mut block: u32,
        mut len: u64,
        out: &mut Vec<(u64, u64)>,
    ) -> Result<()> {
        while len > 0 {
            let (at, n) = self.contiguous(p, block)?;
            let take = len.min(n * SECTOR as u64);
            out.push((at * SECTOR as u64, take));
            len -= take;
            block = block.saturating_add((take / SECTOR as u64) as u32);
        }
        Ok(())
    }

    pub(super) fn block(&mut self, p: u16, block: u32) -> Result<Vec<u8>> {
        let at = self.locate(p, block)?;
        self.sector(at)
    }

    /// The extents of the metadata file (else of its mirror) as sectors of
    /// the medium, split where the host partition is not contiguous (UDF
    /// 2.60 2.2.10).
    pub(super) fn metadata_extents(&mut self, m: MetadataMap) -> Result<Vec<(u64, u64)>> {
        let mut found = None;
        let host = self.physical_ref();
        for loc in [m.file, m.mirror] {
            let Ok(fe) = self.entry_at(host, loc) else {
                continue;
            };
            let ads = match &fe.allocation {
                Allocation::Short(a) => a.iter().map(|&(l, b)| (l, b)).collect::<Vec<_>>(),
                Allocation::Long(a) => a.iter().map(|x| (x.length, x.block)).collect(),
                Allocation::Embedded(_) => continue,
            };
            let mut ext = Vec::new();
            for (len, block) in ads {
                let n = u64::from(len & 0x3FFF_FFFF).div_ceil(SECTOR as u64);
                if n == 0 {
                    continue;
                }
                if u64::from(block) + n > u64::from(self.info.partition_length) {
                    ext.clear();
                    break;
                }
                // The metadata file's extents, as sectors of the medium
                // (split where the host partition is not contiguous).
                let mut b = block;
                let mut left = n;
                while left > 0 {
                    let Ok((at, run)) = self.contiguous(host, b) else {
                        left = u64::MAX;
                        break;
                    };
                    let take = run.min(left);
                    ext.push((at, take));
                    left -= take;
                    b += take as u32;
                }
                if left == u64::MAX {
                    ext.clear();
                    break;
                }
            }
            if !ext.is_empty() {
                found = Some(ext);
                break;
            }
        }
        found.ok_or_else(|| {
            corrupt(
                "metadata file",
                u64::from(self.info.partition_start) + u64::from(m.file),
                "neither the metadata file nor its mirror is readable",
            )
        })
    }
}
