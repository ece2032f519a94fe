//! SUSP (IEEE P1281) and Rock Ridge (RRIP 1.12, IEEE P1282) system use
//! entries: encode and decode, the splitting of long names and link targets
//! over several entries, and the packing of what does not fit in a directory
//! record into continuation areas.

use crate::codec::{both32, read_both32, DecodeError, SECTOR};

/// RRIP 1.12 extension identifier (the `ER` entry). The standard's final form
/// is `IEEE_1282`, but readers in the field (pycdlib among them) know RRIP 1.12
/// by the draft identifier `IEEE_P1282`, which libisofs writes too; every
/// reader that knows the final form also knows the draft one.
pub const RRIP_ID: &str = "IEEE_P1282";
/// Text of the `ER` descriptor field for RRIP 1.12.
pub const RRIP_DESCRIPTOR: &str =
    "THE IEEE P1282 PROTOCOL PROVIDES SUPPORT FOR POSIX FILE SYSTEM SEMANTICS";
/// Text of the `ER` source field for RRIP 1.12.
pub const RRIP_SOURCE: &str =
    "PLEASE CONTACT THE IEEE STANDARDS DEPARTMENT, PISCATAWAY, NJ, USA FOR THE P1282 SPECIFICATION";

/// `TF` flags (RRIP §4.1.6).
pub mod tf {
    /// Creation time recorded.
    pub const CREATION: u8 = 1;
    /// Modification time recorded.
    pub const MODIFY: u8 = 2;
    /// Access time recorded.
    pub const ACCESS: u8 = 4;
    /// Attribute change time recorded.
    pub const ATTRIBUTES: u8 = 8;
}

/// `SL` component flags (RRIP §4.1.3.1).
pub mod sl {
    /// The component continues in the next component record.
    pub const CONTINUE: u8 = 1;
    /// The component is ".".
    pub const CURRENT: u8 = 2;
    /// The component is "..".
    pub const PARENT: u8 = 4;
    /// The component is the root "/".
    pub const ROOT: u8 = 8;
}

/// One system use entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SuspEntry {
    /// SUSP `SP`: the protocol is in use; `skip` bytes precede entries in each record.
    Sp {
        /// Bytes to skip at the start of each system use area.
        skip: u8,
    },
    /// SUSP `CE`: more entries at `block`/`offset`, `length` bytes.
    Ce {
        /// Block of the continuation area.
        block: u32,
        /// Byte offset in that block.
        offset: u32,
        /// Length of the continuation area in bytes.
        length: u32,
    },
    /// SUSP `ER`: an extension reference.
    Er {
        /// Extension identifier.
        id: Vec<u8>,
        /// Extension descriptor.
        descriptor: Vec<u8>,
        /// Extension source.
        source: Vec<u8>,
        /// Extension version.
        version: u8,
    },
    /// RRIP `PX`: POSIX mode, link count, owner and file serial number.
    Px {
        /// `st_mode` (type and permission bits).
        mode: u32,
        /// `st_nlink`.
        nlink: u32,
        /// `st_uid`.
        uid: u32,
        /// `st_gid`.
        gid: u32,
        /// File serial number (`st_ino`), RRIP 1.12.
        serial: u32,
    },
    /// RRIP `PN`: device number of a character or block device.
    Pn {
        /// High 32 bits.
        high: u32,
        /// Low 32 bits.
        low: u32,
    },
    /// RRIP `SL`: (part of) a symbolic link's target.
    Sl {
        /// Entry flags: bit 0 = continued in the next `SL` entry.
        flags: u8,
        /// Component records: (flags, content).
        components: Vec<(u8, Vec<u8>)>,
    },
    /// RRIP `NM`: (part of) the alternate name.
    Nm {
        /// Bit 0 = continued in the next `NM` entry.
        flags: u8,
        /// Name bytes.
        name: Vec<u8>,
    },
    /// RRIP `CL`: the relocated directory this placeholder stands for.
    Cl {
        /// Location of the relocated directory's extent.
        child: u32,
    },
    /// RRIP `PL`: the original parent of a relocated directory.
    Pl {
        /// Location of the original parent's extent.
        parent: u32,
    },
    /// RRIP `RE`: this directory was relocated here.
    Re,
    /// RRIP `TF`: time stamps (7-byte form).
    Tf {
        /// Which stamps follow (see [`tf`]).
        flags: u8,
        /// The stamps, in flag order.
        stamps: Vec<[u8; 7]>,
    },
    /// `ZF` (the zisofs extension, not part of RRIP 1.12), or `Z2` (the
    /// signature libisofs also gives zisofs2 files): the file's data is
    /// compressed; see [`zisofs`](crate::zisofs). For zisofs (`pz`, entry
    /// version one) the size is 32 bits in both byte orders; for zisofs2
    /// (`PZ`, entry version two) 64 bits little-endian.
    Zf {
        /// The signature is `Z2`, not `ZF`.
        z2: bool,
        /// The algorithm: `pz` for zisofs, `PZ` for zisofs2.
        algorithm: [u8; 2],
        /// Size of the compressed file's header in 4-byte units.
        header_words: u8,
        /// log2 of the block size.
        block_log: u8,
        /// The size uncompressed.
        size: u64,
    },
    /// Any other entry, kept as is.
    Unknown {
        /// Signature.
        sig: [u8; 2],
        /// Version.
        version: u8,
        /// Data after the 4-byte header.
        data: Vec<u8>,
    },
}

/// Longest payload of one entry (255 minus the 4-byte header and a flag byte).
const MAX_PART: usize = 250;

impl SuspEntry {
    /// Encoded length in bytes.
    pub fn len(&self) -> usize {
        match self {
            SuspEntry::Sp { .. } => 7,
            SuspEntry::Ce { .. } => 28,
            SuspEntry::Er {
                id,
                descriptor,
                source,
                ..
            } => 8 + id.len() + descriptor.len() + source.len(),
            SuspEntry::Px { .. } => 44,
            SuspEntry::Pn { .. } => 20,
            SuspEntry::Sl { components, .. } => {
                5 + components.iter().map(|(_, c)| 2 + c.len()).sum::<usize>()
            }
            SuspEntry::Nm { name, .. } => 5 + name.len(),
            SuspEntry::Cl { .. } | SuspEntry::Pl { .. } => 12,
            SuspEntry::Re => 4,
            SuspEntry::Tf { stamps, .. } => 5 + 7 * stamps.len(),
            SuspEntry::Zf { .. } => 16,
            SuspEntry::Unknown { data, .. } => 4 + data.len(),
        }
    }

    /// Never empty (every entry has its 4-byte header).
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Appends the encoded entry.
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        let len = self.len();
        debug_assert!(len <= 255);
        let (sig, version): (&[u8; 2], u8) = match self {
            SuspEntry::Sp { .. } => (b"SP", 1),
            SuspEntry::Ce { .. } => (b"CE", 1),
            SuspEntry::Er { .. } => (b"ER", 1),
            SuspEntry::Px { .. } => (b"PX", 1),
            SuspEntry::Pn { .. } => (b"PN", 1),
            SuspEntry::Sl { .. } => (b"SL", 1),
            SuspEntry::Nm { .. } => (b"NM", 1),
            SuspEntry::Cl { .. } => (b"CL", 1),
            SuspEntry::Pl { .. } => (b"PL", 1),
            SuspEntry::Re => (b"RE", 1),
            SuspEntry::Tf { .. } => (b"TF", 1),
            SuspEntry::Zf { z2, algorithm, .. } => (
                if *z2 { b"Z2" } else { b"ZF" },
                if algorithm == b"pz" { 1 } else { 2 },
            ),
            SuspEntry::Unknown { sig, version, .. } => (sig, *version),
        };
        out.extend_from_slice(sig);
        out.push(len as u8);
        out.push(version);
        match self {
            SuspEntry::Sp { skip } => out.extend_from_slice(&[0xBE, 0xEF, *skip]),
            SuspEntry::Ce {
                block,
                offset,
                length,
            } => {
                out.extend_from_slice(&both32(*block));
                out.extend_from_slice(&both32(*offset));
                out.extend_from_slice(&both32(*length));
            }
            SuspEntry::Er {
                id,
                descriptor,
                source,
                version,
            } => {
                out.extend_from_slice(&[
                    id.len() as u8,
                    descriptor.len() as u8,
                    source.len() as u8,
                    *version,
                ]);
                out.extend_from_slice(id);
                out.extend_from_slice(descriptor);
                out.extend_from_slice(source);
            }
            SuspEntry::Px {
                mode,
                nlink,
                uid,
                gid,
                serial,
            } => {
                for v in [mode, nlink, uid, gid, serial] {
                    out.extend_from_slice(&both32(*v));
                }
            }
            SuspEntry::Pn { high, low } => {
                out.extend_from_slice(&both32(*high));
                out.extend_from_slice(&both32(*low));
            }
            SuspEntry::Sl { flags, components } => {
                out.push(*flags);
                for (f, c) in components {
                    out.push(*f);
                    out.push(c.len() as u8);
                    out.extend_from_slice(c);
                }
            }
            SuspEntry::Nm { flags, name } => {
                out.push(*flags);
                out.extend_from_slice(name);
            }
            SuspEntry::Cl { child: v } | SuspEntry::Pl { parent: v } => {
                out.extend_from_slice(&both32(*v))
            }
            SuspEntry::Re => {}
            SuspEntry::Tf { flags, stamps } => {
                out.push(*flags);
                for s in stamps {
                    out.extend_from_slice(s);
                }
            }
            SuspEntry::Zf {
                algorithm,
                header_words,
                block_log,
                size,
                ..
            } => {
                out.extend_from_slice(algorithm);
                out.extend_from_slice(&[*header_words, *block_log]);
                if algorithm == b"pz" {
                    out.extend_from_slice(&both32(*size as u32));
                } else {
                    out.extend_from_slice(&size.to_le_bytes());
                }
            }
            SuspEntry::Unknown { data, .. } => out.extend_from_slice(data),
        }
    }

    /// Decodes the entries of a system use area (or a continuation area),
    /// stopping at the end or at padding.
    pub fn decode_all(mut area: &[u8]) -> Result<Vec<SuspEntry>, DecodeError> {
        const W: &str = "SUSP entry";
        let err = |reason: String| DecodeError { what: W, reason };
        let mut out = Vec::new();
        while area.len() >= 4 {
            let sig = [area[0], area[1]];
            let len = usize::from(area[2]);
            let version = area[3];
            if sig == [0, 0] {
                break; // padding
            }
            if len < 4 || len > area.len() {
                return Err(err(format!(
                    "{} entry of length {len} with {} bytes left",
                    String::from_utf8_lossy(&sig),
                    area.len()
                )));
            }
            let d = &area[4..len];
            let need = |n: usize| {
                if d.len() < n {
                    Err(err(format!(
                        "{} entry of length {len} is too short",
                        String::from_utf8_lossy(&sig)
                    )))
                } else {
                    Ok(())
                }
            };
            let e = match &sig {
                b"SP" => {
                    need(3)?;
                    if d[0] != 0xBE || d[1] != 0xEF {
                        return Err(err("SP check bytes are not BE EF".into()));
                    }
                    SuspEntry::Sp { skip: d[2] }
                }
                b"CE" => {
                    need(24)?;
                    SuspEntry::Ce {
                        block: read_both32(&d[0..8], W)?,
                        offset: read_both32(&d[8..16], W)?,
                        length: read_both32(&d[16..24], W)?,
                    }
                }
                b"ER" => {
                    need(4)?;
                    let (a, b, c) = (usize::from(d[0]), usize::from(d[1]), usize::from(d[2]));
                    need(4 + a + b + c)?;
                    SuspEntry::Er {
                        id: d[4..4 + a].to_vec(),
                        descriptor: d[4 + a..4 + a + b].to_vec(),
                        source: d[4 + a + b..4 + a + b + c].to_vec(),
                        version: d[3],
                    }
                }
                b"PX" => {
                    need(32)?;
                    let f = |i: usize| read_both32(&d[i * 8..i * 8 + 8], W);
                    SuspEntry::Px {
                        mode: f(0)?,
                        nlink: f(1)?,
                        uid: f(2)?,
                        gid: f(3)?,
                        serial: if d.len() >= 40 { f(4)? } else { 0 },
                    }
                }
                b"PN" => {
                    need(16)?;
                    SuspEntry::Pn {
                        high: read_both32(&d[0..8], W)?,
                        low: read_both32(&d[8..16], W)?,
                    }
                }
                b"SL" => {
                    need(1)?;
                    let mut comps = Vec::new();
                    let mut rest = &d[1..];
                    while !rest.is_empty() {
                        if rest.len() < 2 || rest.len() < 2 + usize::from(rest[1]) {
                            return Err(err("SL component runs past its entry".into()));
                        }
                        let n = usize::from(rest[1]);
                        comps.push((rest[0], rest[2..2 + n].to_vec()));
                        rest = &rest[2 + n..];
                    }
                    SuspEntry::Sl {
                        flags: d[0],
                        components: comps,
                    }
                }
                b"NM" => {
                    need(1)?;
                    SuspEntry::Nm {
                        flags: d[0],
                        name: d[1..].to_vec(),
                    }
                }
                b"CL" => {
                    need(8)?;
                    SuspEntry::Cl {
                        child: read_both32(&d[0..8], W)?,
                    }
                }
                b"PL" => {
                    need(8)?;
                    SuspEntry::Pl {
                        parent: read_both32(&d[0..8], W)?,
                    }
                }
                b"RE" => SuspEntry::Re,
                b"TF" => {
                    need(1)?;
                    if d[0] & 0x80 != 0 {
                        // Long (17-byte) form: keep the entry undecoded.
                        SuspEntry::Unknown {
                            sig,
                            version,
                            data: d.to_vec(),
                        }
                    } else {
                        let n = d[0].count_ones() as usize;
                        need(1 + 7 * n)?;
                        SuspEntry::Tf {
                            flags: d[0],
                            stamps: (0..n)
                                .map(|i| d[1 + 7 * i..8 + 7 * i].try_into().expect("7"))
                                .collect(),
                        }
                    }
                }
                // zisofs: algorithm, header size / 4, log2 block size, and
                // the uncompressed size (both byte orders of 32 bits for
                // "pz", 64 bits little-endian for zisofs2's "PZ").
                b"ZF" | b"Z2" if d.len() >= 12 => SuspEntry::Zf {
                    z2: sig == *b"Z2",
                    algorithm: [d[0], d[1]],
                    header_words: d[2],
                    block_log: d[3],
                    size: if &d[0..2] == b"pz" {
                        u64::from(read_both32(&d[4..12], W)?)
                    } else {
                        u64::from_le_bytes(d[4..12].try_into().expect("8"))
                    },
                },
                _ => SuspEntry::Unknown {
                    sig,
                    version,
                    data: d.to_vec(),
                },
            };
            out.push(e);
            area = &area[len..];
        }
        Ok(out)
    }
}

/// The `ER` entry announcing RRIP 1.12.
pub fn rrip_er() -> SuspEntry {
    SuspEntry::Er {
        id: RRIP_ID.as_bytes().to_vec(),
        descriptor: RRIP_DESCRIPTOR.as_bytes().to_vec(),
        source: RRIP_SOURCE.as_bytes().to_vec(),
        version: 1,
    }
}

/// `NM` entries for a name, split so that each fits in 255 bytes.
pub fn nm_entries(name: &[u8]) -> Vec<SuspEntry> {
    let chunks: Vec<&[u8]> = name.chunks(MAX_PART).collect();
    let last = chunks.len().saturating_sub(1);
    chunks
        .into_iter()
        .enumerate()
        .map(|(i, c)| SuspEntry::Nm {
            flags: u8::from(i < last),
            name: c.to_vec(),
        })
        .collect()
}

/// `SL` entries for a link target: "/" starts with a root component, "." and
/// ".." become current/parent components, the text between two slashes that
/// follow each other an empty component (so that `.///file` and `dir/` read
/// back byte for byte, as Linux and libarchive join components: a '/'
/// after each one but the root and those that continue), and entries are
/// chained with the entry continue flag. An entry boundary falls inside a name component where
/// it can (the first part flagged "continues"), because readers disagree on
/// whether a boundary between whole components implies a '/' (Linux and
/// pycdlib add one, libarchive does not); a split component reads the same
/// everywhere.
pub fn sl_entries(target: &str) -> Vec<SuspEntry> {
    // The bytes of the target (those that are not UTF-8 as they were).
    let target = crate::escape::to_bytes(target);
    // Whole components: (flags, text).
    let mut comps: Vec<(u8, &[u8])> = Vec::new();
    let mut parts = target.split(|&b| b == b'/');
    if target.first() == Some(&b'/') {
        comps.push((sl::ROOT, &[]));
        parts.next();
        if &*target == b"/" {
            parts.next();
        }
    }
    for part in parts {
        match part {
            b"." => comps.push((sl::CURRENT, &[])),
            b".." => comps.push((sl::PARENT, &[])),
            _ => comps.push((0, part)),
        }
    }
    const MAX_ENTRY: usize = 255;
    let mut entries: Vec<SuspEntry> = Vec::new();
    let mut cur: Vec<(u8, Vec<u8>)> = Vec::new();
    let mut cur_len = 5;
    let mut flush = |cur: &mut Vec<(u8, Vec<u8>)>, cur_len: &mut usize, more: bool| {
        entries.push(SuspEntry::Sl {
            flags: u8::from(more),
            components: std::mem::take(cur),
        });
        *cur_len = 5;
    };
    for (flags, mut text) in comps {
        loop {
            let room = MAX_ENTRY - cur_len;
            if 2 + text.len() <= room {
                cur_len += 2 + text.len();
                cur.push((flags, text.to_vec()));
                break;
            }
            if flags == 0 && room >= 3 {
                // Fill this entry with the start of the component.
                let (head, tail) = text.split_at(room - 2);
                cur.push((sl::CONTINUE, head.to_vec()));
                text = tail;
                flush(&mut cur, &mut cur_len, true);
                continue;
            }
            // No room to split this component: split the previous one instead,
            // carrying its last byte into the next entry.
            let carry = match cur.last_mut() {
                Some((0, prev)) if prev.len() >= 2 => {
                    let last = prev.pop().expect("two bytes");
                    cur.last_mut().expect("present").0 = sl::CONTINUE;
                    Some(last)
                }
                _ => None,
            };
            flush(&mut cur, &mut cur_len, true);
            if let Some(b) = carry {
                cur.push((0, vec![b]));
                cur_len += 3;
            }
        }
    }
    flush(&mut cur, &mut cur_len, false);
    entries
}

/// Where the entries of one directory record go: the first `in_record`
/// entries stay in the record; the rest are spread over `pieces` in the
/// continuation area.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SystemUseLayout {
    /// Entries written in the directory record (followed by a `CE` when `pieces` is not empty).
    pub in_record: usize,
    /// Continuation pieces, in order.
    pub pieces: Vec<Piece>,
}

/// One continuation piece: entries `start..end` at (`block`, `offset`),
/// followed by a `CE` to the next piece unless it is the last.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Piece {
    /// Block index relative to the start of the continuation area.
    pub block: u32,
    /// Byte offset in the block.
    pub offset: u32,
    /// First entry index.
    pub start: usize,
    /// One past the last entry index.
    pub end: usize,
    /// Length in bytes, the trailing `CE` included.
    pub length: u32,
}

/// A cursor in a continuation area: pieces never cross a block boundary.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CeCursor {
    /// Current block (relative to the area start).
    pub block: u32,
    /// Byte offset in that block.
    pub offset: u32,
}

impl CeCursor {
    /// Blocks used so far (0 when nothing was placed).
    pub fn blocks_used(&self) -> u32 {
        if self.block == 0 && self.offset == 0 {
            0
        } else {
            self.block + 1
        }
    }
}

const CE_LEN: usize = 28;

/// Decides which entries stay in a record with `room` bytes of system use
/// area and places the rest at `cursor`, which advances.
pub fn layout_system_use(sizes: &[usize], room: usize, cursor: &mut CeCursor) -> SystemUseLayout {
    let total: usize = sizes.iter().sum();
    if total <= room {
        return SystemUseLayout {
            in_record: sizes.len(),
            pieces: Vec::new(),
        };
    }
    let mut in_record = 0;
    let mut used = 0;
    while in_record < sizes.len() && used + sizes[in_record] + CE_LEN <= room {
        used += sizes[in_record];
        in_record += 1;
    }
    let mut pieces = Vec::new();
    let mut i = in_record;
    while i < sizes.len() {
        let avail = SECTOR - cursor.offset as usize;
        let rest: usize = sizes[i..].iter().sum();
        if rest <= avail {
            pieces.push(Piece {
                block: cursor.block,
                offset: cursor.offset,
                start: i,
                end: sizes.len(),
                length: rest as u32,
            });
            cursor.offset += rest as u32;
            break;
        }
        let mut j = i;
        let mut len = 0;
        while j < sizes.len() && len + sizes[j] + CE_LEN <= avail {
            len += sizes[j];
            j += 1;
        }
        if j == i {
            // Not even one entry fits here: go to the next block.
            cursor.block += 1;
            cursor.offset = 0;
            continue;
        }
        pieces.push(Piece {
            block: cursor.block,
            offset: cursor.offset,
            start: i,
            end: j,
            length: (len + CE_LEN) as u32,
        });
        // The next piece starts a fresh block.
        cursor.block += 1;
        cursor.offset = 0;
        i = j;
    }
    if cursor.offset as usize == SECTOR {
        cursor.block += 1;
        cursor.offset = 0;
    }
    SystemUseLayout { in_record, pieces }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(e: &SuspEntry) -> Vec<u8> {
        let mut v = Vec::new();
        e.encode_into(&mut v);
        assert_eq!(v.len(), e.len());
        v
    }

    #[test]
    fn golden_entries() {
        assert_eq!(enc(&SuspEntry::Sp { skip: 0 }), b"SP\x07\x01\xbe\xef\x00");
        let px = enc(&SuspEntry::Px {
            mode: 0o100644,
            nlink: 1,
            uid: 1000,
            gid: 100,
            serial: 7,
        });
        assert_eq!(&px[..4], b"PX\x2c\x01");
        assert_eq!(&px[4..12], &both32(0o100644));
        assert_eq!(&px[36..44], &both32(7));
        assert_eq!(
            enc(&SuspEntry::Nm {
                flags: 0,
                name: b"readme".to_vec()
            }),
            b"NM\x0b\x01\x00readme"
        );
        assert_eq!(enc(&SuspEntry::Re), b"RE\x04\x01");
        let tf = enc(&SuspEntry::Tf {
            flags: tf::MODIFY | tf::ACCESS,
            stamps: vec![[126, 1, 2, 3, 4, 5, 0], [126, 1, 2, 3, 4, 6, 0]],
        });
        assert_eq!(&tf[..5], b"TF\x13\x01\x06");
        let ce = enc(&SuspEntry::Ce {
            block: 40,
            offset: 100,
            length: 182,
        });
        assert_eq!(&ce[..4], b"CE\x1c\x01");
        assert_eq!(&ce[4..12], &both32(40));
        let er = enc(&rrip_er());
        assert_eq!(&er[..8], &[b'E', b'R', 183, 1, 10, 72, 93, 1]);
        assert_eq!(&er[8..18], b"IEEE_P1282");
        let pn = enc(&SuspEntry::Pn {
            high: 0,
            low: 0x0801,
        });
        assert_eq!(&pn[..4], b"PN\x14\x01");
        let zf = enc(&SuspEntry::Zf {
            z2: false,
            algorithm: *b"pz",
            header_words: 4,
            block_log: 15,
            size: 0x0102_0304,
        });
        assert_eq!(zf, b"ZF\x10\x01pz\x04\x0f\x04\x03\x02\x01\x01\x02\x03\x04");
        // As xorriso writes a zisofs2 file (susp_z2=on).
        let z2 = enc(&SuspEntry::Zf {
            z2: true,
            algorithm: *b"PZ",
            header_words: 6,
            block_log: 17,
            size: 3_488_890,
        });
        assert_eq!(z2, b"Z2\x10\x02PZ\x06\x11\x7a\x3c\x35\0\0\0\0\0");
    }

    #[test]
    fn entries_round_trip() {
        let all = vec![
            SuspEntry::Sp { skip: 0 },
            SuspEntry::Px {
                mode: 0o40755,
                nlink: 2,
                uid: 0,
                gid: 0,
                serial: 1,
            },
            SuspEntry::Tf {
                flags: tf::MODIFY,
                stamps: vec![[1, 2, 3, 4, 5, 6, 0]],
            },
            SuspEntry::Cl { child: 9 },
            SuspEntry::Pl { parent: 8 },
            SuspEntry::Re,
            SuspEntry::Pn { high: 1, low: 2 },
            SuspEntry::Zf {
                z2: false,
                algorithm: *b"pz",
                header_words: 4,
                block_log: 15,
                size: 0x0012_3456,
            },
            SuspEntry::Zf {
                z2: true,
                algorithm: *b"PZ",
                header_words: 6,
                block_log: 17,
                size: 0x0001_0012_3456,
            },
            rrip_er(),
        ]
        .into_iter()
        .chain(sl_entries("/usr/../lib/./x"))
        .chain(nm_entries(b"name"))
        .collect::<Vec<_>>();
        let mut area = Vec::new();
        for e in &all {
            e.encode_into(&mut area);
        }
        assert_eq!(SuspEntry::decode_all(&area).unwrap(), all);
        // Truncations are errors or stop cleanly, never panics.
        for cut in 0..area.len() {
            let _ = SuspEntry::decode_all(&area[..cut]);
        }
    }

    #[test]
    fn symlink_components() {
        let e = sl_entries("/usr/../lib/./x");
        assert_eq!(
            e,
            vec![SuspEntry::Sl {
                flags: 0,
                components: vec![
                    (sl::ROOT, vec![]),
                    (0, b"usr".to_vec()),
                    (sl::PARENT, vec![]),
                    (0, b"lib".to_vec()),
                    (sl::CURRENT, vec![]),
                    (0, b"x".to_vec()),
                ]
            }]
        );
        // A 1000-byte target spreads over several entries, each ≤ 255 bytes,
        // split inside components, and reassembles to the target.
        let long: String = (0..100).map(|i| format!("d{i:07}/")).collect();
        let e = sl_entries(&long);
        assert!(e.len() > 3);
        assert!(e.iter().all(|x| x.len() <= 255));
        assert_eq!(reassemble(&e), long);
        let mut flags = Vec::new();
        for x in &e {
            let SuspEntry::Sl {
                flags: f,
                components,
            } = x
            else {
                panic!()
            };
            flags.push(*f);
            if *f == 1 {
                assert_eq!(components.last().unwrap().0, sl::CONTINUE);
            }
        }
        assert_eq!(flags.last(), Some(&0));
        // A 300-byte component is split with the component continue flag.
        let e = sl_entries(&"z".repeat(300));
        assert_eq!(reassemble(&e), "z".repeat(300));
        let SuspEntry::Sl { components, .. } = &e[0] else {
            panic!()
        };
        assert_eq!(components[0].0, sl::CONTINUE);
    }

    /// Joins components as RRIP defines: '/' between components unless the
    /// previous one continues.
    fn reassemble(entries: &[SuspEntry]) -> String {
        let mut out = String::new();
        let mut sep = false;
        for e in entries {
            let SuspEntry::Sl { components, .. } = e else {
                panic!()
            };
            for (f, text) in components {
                if sep {
                    out.push('/');
                }
                match *f & !sl::CONTINUE {
                    sl::ROOT => out.push('/'),
                    sl::CURRENT => out.push('.'),
                    sl::PARENT => out.push_str(".."),
                    _ => out.push_str(std::str::from_utf8(text).unwrap()),
                }
                sep = *f & sl::CONTINUE == 0 && *f & sl::ROOT == 0;
            }
        }
        out
    }

    #[test]
    fn link_targets_keep_every_slash() {
        for t in [
            ".///file",
            "./file",
            "dir/",
            "//x",
            "/",
            "/etc/passwd",
            "../../outside",
            "a//b/",
        ] {
            assert_eq!(reassemble(&sl_entries(t)), t, "{t}");
        }
        assert_eq!(
            sl_entries(".//f"),
            vec![SuspEntry::Sl {
                flags: 0,
                components: vec![(sl::CURRENT, vec![]), (0, vec![]), (0, b"f".to_vec())]
            }]
        );
    }

    #[test]
    fn long_names_split() {
        let e = nm_entries(&[b'a'; 255]);
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].len(), 255);
        assert!(matches!(&e[0], SuspEntry::Nm { flags: 1, .. }));
        assert!(matches!(&e[1], SuspEntry::Nm { flags: 0, name } if name.len() == 5));
    }

    #[test]
    fn continuation_layout() {
        let mut cur = CeCursor::default();
        // Everything fits: no continuation.
        let l = layout_system_use(&[44, 33, 13], 200, &mut cur);
        assert_eq!(l.in_record, 3);
        assert!(l.pieces.is_empty());
        assert_eq!(cur.blocks_used(), 0);
        // The ER of the root goes to the continuation area.
        let l = layout_system_use(&[7, 44, 33, 182], 221, &mut cur);
        assert_eq!(l.in_record, 3);
        assert_eq!(
            l.pieces,
            vec![Piece {
                block: 0,
                offset: 0,
                start: 3,
                end: 4,
                length: 182
            }]
        );
        assert_eq!(
            cur,
            CeCursor {
                block: 0,
                offset: 182
            }
        );
        // Many big entries chain over blocks, each piece within one block.
        let sizes = vec![255; 20];
        let l = layout_system_use(&sizes, 100, &mut cur);
        assert_eq!(l.in_record, 0);
        let mut next = 0;
        for p in &l.pieces {
            assert_eq!(p.start, next);
            assert!(p.offset + p.length <= 2048);
            next = p.end;
        }
        assert_eq!(next, 20);
        assert_eq!(cur.blocks_used(), cur.block + 1);
    }
}
