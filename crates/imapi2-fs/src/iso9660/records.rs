//! The directory records of an ECMA-119 hierarchy (§9.1) with their Rock
//! Ridge entries (SUSP, RRIP 1.12) and continuation areas, its path tables
//! (§9.4) and the root record of its volume descriptor: laid out once to
//! size every directory, then generated one directory at a time when the
//! image stream reaches it.

use crate::codec::SECTOR;
use crate::image::arena::{NodeKind, Stored, ROOT};
use crate::iso9660::ecma119::{dir_date, flags, DirectoryRecord, PathTableRecord};
use crate::iso9660::hierarchy::{Context, Ecma119Tree, Entry, Target, MAX_EXTENT};
use crate::iso9660::rockridge::{self, layout_system_use, CeCursor, SuspEntry};
use crate::iso9660::zisofs;

impl Ecma119Tree {
    /// The root directory record for the volume descriptor (34 bytes).
    pub(crate) fn root_record(&self, ctx: &Context) -> [u8; 34] {
        let root = &self.dirs[0];
        let mut out = Vec::with_capacity(34);
        DirectoryRecord {
            extent: root.lba,
            data_length: root.size,
            recorded: dir_date(ctx.attrs(ROOT).modified),
            flags: flags::DIRECTORY,
            identifier: &[0],
            system_use: &[],
        }
        .encode_into(&mut out);
        out.try_into().expect("34 bytes")
    }

    /// Computes each directory's extent size and continuation blocks.
    /// Addresses are not known yet; sizes do not depend on them.
    pub(crate) fn compute_dir_sizes(&mut self, ctx: &Context, file_size: &dyn Fn(u32) -> u64) {
        for d in 0..self.dirs.len() as u32 {
            let mut sink = Sizer::default();
            self.emit_dir(d, ctx, file_size, &mut sink);
            let v = &mut self.dirs[d as usize];
            v.size = sink.sectors * SECTOR as u32;
            v.ce_blocks = sink.ce.blocks_used();
        }
    }

    /// Generates a directory's extent followed by its continuation area.
    pub(crate) fn generate_dir(
        &self,
        d: u32,
        ctx: &Context,
        file_size: &dyn Fn(u32) -> u64,
    ) -> Vec<u8> {
        let v = &self.dirs[d as usize];
        let mut w = Encoder {
            dir: Vec::with_capacity(v.size as usize),
            ce: vec![0u8; v.ce_blocks as usize * SECTOR],
            ce_base: v.lba + v.size / SECTOR as u32,
            cursor: CeCursor::default(),
        };
        self.emit_dir(d, ctx, file_size, &mut w);
        debug_assert!(w.dir.len() <= v.size as usize);
        w.dir.resize(v.size as usize, 0);
        w.dir.extend_from_slice(&w.ce);
        w.dir
    }

    /// Generates one path table (L when `big_endian` is false, M otherwise),
    /// padded to whole blocks.
    pub(crate) fn generate_path_table(&self, big_endian: bool) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.path_table_size as usize);
        for (i, d) in self.dirs.iter().enumerate() {
            let ident: &[u8] = if i == 0 { &[0] } else { self.ident(d.name) };
            PathTableRecord {
                extent: d.lba,
                parent: (d.parent + 1) as u16,
                identifier: ident,
            }
            .encode_into(&mut out, big_endian);
        }
        out.resize(out.len().div_ceil(SECTOR) * SECTOR, 0);
        out
    }

    /// Rock Ridge entries of one record (before the `CE` split). `kind` says
    /// which record: ".", "..", or an entry.
    fn rr_entries(&self, rec: RecordKind, ctx: &Context) -> Vec<SuspEntry> {
        let mut e = Vec::with_capacity(6);
        let (node, mode_type, nlink, serial) = match rec {
            RecordKind::Dot(d) | RecordKind::DotDot(d) => {
                let v = &self.dirs[d as usize];
                (
                    v.node,
                    0o040000,
                    self.dir_nlink(d),
                    ctx.serials.by_node[v.node as usize],
                )
            }
            RecordKind::Entry(en) => match en.target {
                Target::Dir(d) | Target::Placeholder(d) => (
                    en.node,
                    0o040000,
                    self.dir_nlink(d),
                    ctx.serials.by_node[en.node as usize],
                ),
                Target::File(c) => (
                    en.node,
                    0o100000,
                    ctx.content_links[c as usize],
                    ctx.serials.by_content[c as usize],
                ),
                Target::Empty => {
                    let ty = match &ctx.data.node(en.node).kind {
                        NodeKind::Symlink { .. } => 0o120000,
                        NodeKind::Special(k) => k.type_bits(),
                        _ => 0o100000,
                    };
                    (en.node, ty, 1, ctx.serials.by_node[en.node as usize])
                }
            },
        };
        if let RecordKind::Dot(0) = rec {
            e.push(SuspEntry::Sp { skip: 0 });
        }
        let a = ctx.attrs(node);
        e.push(SuspEntry::Px {
            mode: mode_type | a.mode,
            nlink,
            uid: a.uid,
            gid: a.gid,
            serial,
        });
        e.push(SuspEntry::Tf {
            flags: rockridge::tf::CREATION
                | rockridge::tf::MODIFY
                | rockridge::tf::ACCESS
                | rockridge::tf::ATTRIBUTES,
            stamps: vec![
                dir_date(a.created),
                dir_date(a.modified),
                dir_date(a.accessed),
                dir_date(a.modified),
            ],
        });
        match rec {
            RecordKind::Dot(d) => {
                if d == 0 {
                    e.push(rockridge::rrip_er());
                }
            }
            RecordKind::DotDot(d) => {
                let v = &self.dirs[d as usize];
                if v.relocated {
                    e.push(SuspEntry::Pl {
                        parent: self.dirs[v.orig_parent as usize].lba,
                    });
                }
            }
            RecordKind::Entry(en) => {
                // The name's bytes, exactly (also those not UTF-8).
                let name = crate::escape::to_bytes(&ctx.data.node(en.node).name);
                e.extend(rockridge::nm_entries(&name));
                match en.target {
                    Target::Dir(d) if self.dirs[d as usize].relocated => e.push(SuspEntry::Re),
                    Target::Placeholder(d) => e.push(SuspEntry::Cl {
                        child: self.dirs[d as usize].lba,
                    }),
                    Target::Empty => match &ctx.data.node(en.node).kind {
                        NodeKind::Symlink { target } => e.extend(rockridge::sl_entries(target)),
                        NodeKind::Special(k) => {
                            if let Some(rdev) = k.rdev() {
                                e.push(SuspEntry::Pn {
                                    high: (rdev >> 32) as u32,
                                    low: rdev as u32,
                                });
                            }
                        }
                        _ => {}
                    },
                    // A file compressed for the image (zisofs) says so.
                    Target::File(c) => {
                        if let Stored::Zisofs(z) = &ctx.data.contents[c as usize].source {
                            e.push(zisofs::zf_entry(&z.layout));
                        }
                    }
                    _ => {}
                }
            }
        }
        e
    }

    fn dir_nlink(&self, d: u32) -> u32 {
        let subdirs = self
            .dir_entries(d)
            .iter()
            .filter(|e| matches!(e.target, Target::Dir(_) | Target::Placeholder(_)))
            .count() as u32;
        2 + subdirs
    }

    /// Walks the records of directory `d` into `sink`.
    fn emit_dir(&self, d: u32, ctx: &Context, file_size: &dyn Fn(u32) -> u64, sink: &mut dyn Sink) {
        let v = &self.dirs[d as usize];
        let parent = &self.dirs[v.parent as usize];
        let rr = self.rr();
        let rec_date = |node: u32| dir_date(ctx.attrs(node).modified);
        // "." and ".."
        for (ident, target, kind) in [
            (0u8, v, RecordKind::Dot(d)),
            (1u8, parent, RecordKind::DotDot(d)),
        ] {
            let su = if rr {
                self.rr_entries(kind, ctx)
            } else {
                Vec::new()
            };
            let node = match kind {
                RecordKind::DotDot(_) => parent.node,
                _ => v.node,
            };
            sink.record(
                DirectoryRecord {
                    extent: target.lba,
                    data_length: target.size,
                    recorded: rec_date(node),
                    flags: flags::DIRECTORY,
                    identifier: &[ident],
                    system_use: &[],
                },
                &su,
            );
        }
        for en in self.dir_entries(d) {
            let hidden = ctx.attrs(en.node).hidden;
            let hidden_flag = if hidden { flags::HIDDEN } else { 0 };
            let su = if rr {
                self.rr_entries(RecordKind::Entry(*en), ctx)
            } else {
                Vec::new()
            };
            let ident = self.ident(en.name);
            let date = rec_date(en.node);
            match en.target {
                Target::Dir(t) => {
                    let t = &self.dirs[t as usize];
                    sink.record(
                        DirectoryRecord {
                            extent: t.lba,
                            data_length: t.size,
                            recorded: date,
                            flags: flags::DIRECTORY | hidden_flag,
                            identifier: ident,
                            system_use: &[],
                        },
                        &su,
                    );
                }
                Target::File(c) => {
                    let size = file_size(c);
                    let lba = ctx.content_lba[c as usize];
                    let mut offset = 0u64;
                    loop {
                        let part = (size - offset).min(MAX_EXTENT);
                        let last = offset + part >= size;
                        sink.record(
                            DirectoryRecord {
                                extent: if size == 0 {
                                    lba
                                } else {
                                    lba + (offset / SECTOR as u64) as u32
                                },
                                data_length: part as u32,
                                recorded: date,
                                flags: hidden_flag | if last { 0 } else { flags::MULTI_EXTENT },
                                identifier: ident,
                                system_use: &[],
                            },
                            &su,
                        );
                        offset += part;
                        if last {
                            break;
                        }
                    }
                }
                Target::Empty | Target::Placeholder(_) => {
                    sink.record(
                        DirectoryRecord {
                            extent: 0,
                            data_length: 0,
                            recorded: date,
                            flags: hidden_flag,
                            identifier: ident,
                            system_use: &[],
                        },
                        &su,
                    );
                }
            }
        }
    }
}

#[derive(Clone, Copy)]
enum RecordKind {
    Dot(u32),
    DotDot(u32),
    Entry(Entry),
}

/// Receives the records of a directory.
trait Sink {
    /// One record with its Rock Ridge entries (`system_use` of `rec` is empty;
    /// the sink lays the entries out).
    fn record(&mut self, rec: DirectoryRecord, su: &[SuspEntry]);
}

/// Lays records into sectors (ECMA-119 §6.8.1.1: a record never crosses a
/// sector boundary) and continuation areas, counting only sizes.
#[derive(Default)]
struct Sizer {
    sectors: u32,
    used: usize,
    ce: CeCursor,
}

fn place(sectors: &mut u32, used: &mut usize, len: usize) -> bool {
    let mut new_sector = false;
    if *sectors == 0 || *used + len > SECTOR {
        *sectors += 1;
        *used = 0;
        new_sector = true;
    }
    *used += len;
    new_sector
}

/// Bytes of system use area a record can hold (records are even and at most 255 bytes).
fn system_use_room(rec: &DirectoryRecord) -> usize {
    254 - DirectoryRecord::length_for(rec.identifier.len(), 0)
}

impl Sink for Sizer {
    fn record(&mut self, rec: DirectoryRecord, su: &[SuspEntry]) {
        let sizes: Vec<usize> = su.iter().map(SuspEntry::len).collect();
        let l = layout_system_use(&sizes, system_use_room(&rec), &mut self.ce);
        let mut su_len: usize = sizes[..l.in_record].iter().sum();
        if !l.pieces.is_empty() {
            su_len += 28;
        }
        let len = DirectoryRecord::length_for(rec.identifier.len(), su_len);
        place(&mut self.sectors, &mut self.used, len);
    }
}

/// Writes records and continuation areas.
struct Encoder {
    dir: Vec<u8>,
    ce: Vec<u8>,
    /// Absolute block of the continuation area.
    ce_base: u32,
    cursor: CeCursor,
}

impl Sink for Encoder {
    fn record(&mut self, rec: DirectoryRecord, su: &[SuspEntry]) {
        let sizes: Vec<usize> = su.iter().map(SuspEntry::len).collect();
        let l = layout_system_use(&sizes, system_use_room(&rec), &mut self.cursor);
        let mut area = Vec::with_capacity(255);
        for e in &su[..l.in_record] {
            e.encode_into(&mut area);
        }
        for (k, p) in l.pieces.iter().enumerate() {
            let ce = SuspEntry::Ce {
                block: self.ce_base + p.block,
                offset: p.offset,
                length: p.length,
            };
            // The CE that leads to piece k sits in the record (k == 0) or at
            // the end of piece k - 1.
            if k == 0 {
                ce.encode_into(&mut area);
            }
            let mut piece = Vec::with_capacity(p.length as usize);
            for e in &su[p.start..p.end] {
                e.encode_into(&mut piece);
            }
            if let Some(next) = l.pieces.get(k + 1) {
                SuspEntry::Ce {
                    block: self.ce_base + next.block,
                    offset: next.offset,
                    length: next.length,
                }
                .encode_into(&mut piece);
            }
            debug_assert_eq!(piece.len(), p.length as usize);
            let at = p.block as usize * SECTOR + p.offset as usize;
            self.ce[at..at + piece.len()].copy_from_slice(&piece);
        }
        let rec = DirectoryRecord {
            system_use: &area,
            ..rec
        };
        let len = rec.len();
        let used = self.dir.len() % SECTOR;
        if !self.dir.is_empty() && used != 0 && used + len > SECTOR {
            let pad = SECTOR - used;
            self.dir.resize(self.dir.len() + pad, 0);
        }
        rec.encode_into(&mut self.dir);
    }
}
