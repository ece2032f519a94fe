//! zisofs: the file compression of `mkzftree` / `mkisofs -z`, `xorriso
//! --zisofs` and libarchive, which Linux, xorriso and bsdtar read back
//! (H. Peter Anvin's format, as described for libisofs by Thomas Schmitt,
//! "Description of the zisofs Format"). A Rock Ridge `ZF` entry
//! ([`SuspEntry::Zf`](crate::rockridge::SuspEntry::Zf)) marks such a file;
//! its data is:
//!
//! | bytes | content |
//! |---|---|
//! | 0–7 | the magic 37 E4 53 96 C9 DB D6 07 |
//! | 8–11 | uncompressed size, little-endian |
//! | 12 | header size / 4 (4) |
//! | 13 | log2 of the block size (15, 16 or 17) |
//! | 14–15 | zero |
//! | 16… | ⌈size / block size⌉ + 1 block pointers, little-endian 32-bit offsets in the file |
//! | … | each block compressed as one zlib stream, from pointer *i* to *i* + 1 |
//!
//! Two equal pointers make a block of zeros that takes no bytes. Every block
//! decompresses to the block size, but the last, which holds the rest.
//!
//! zisofs2 (libisofs and `xorriso -zisofs version_2=on`: algorithm `PZ` in a
//! `ZF` or `Z2` entry) is read too when its blocks are zlib: a 24-byte
//! header ([`Zisofs2Header`]), 64-bit pointers, blocks of 2^15 to 2^20
//! bytes, and a 64-bit size. Its other algorithms are named in an error.
//!
//! Decoding never trusts the data: the pointer table must lie inside the
//! file, its pointers must rise and stay inside it, a block may not be
//! longer than zlib makes of the block size, and must decompress to exactly
//! its length; memory is one block (at most 128 KiB) and the table (4 bytes
//! per block, within the compressed file's size). Encoding compresses each
//! block alone with a compressor reset before each, so that compressing a
//! file again (when the image stream reaches it) gives the same bytes as
//! when the layout measured it.

use std::io::{self, Read, Seek, SeekFrom};

use miniz_oxide::deflate::core::{
    compress, create_comp_flags_from_zip_params, CompressorOxide, TDEFLFlush, TDEFLStatus,
};
use miniz_oxide::inflate::{decompress_slice_iter_to_slice, TINFLStatus};

use crate::codec::{bad, DecodeError};
use crate::error::{Error, Result};
use crate::image::source::read_runs;
use crate::iso9660::rockridge::SuspEntry;
use crate::read::medium::Medium;
use crate::read::view::ZisofsData;

/// The magic that opens a zisofs file.
pub const MAGIC: [u8; 8] = [0x37, 0xE4, 0x53, 0x96, 0xC9, 0xDB, 0xD6, 0x07];
/// The `ZF` algorithm of zisofs ("paged zlib").
pub const ALGORITHM: [u8; 2] = *b"pz";
/// Bytes of the header (before the pointer table), as writers write it.
pub const HEADER_LEN: usize = 16;
/// The block size writers use unless told otherwise: 2^15 = 32 KiB.
pub const DEFAULT_BLOCK_LOG: u8 = 15;
/// The largest file zisofs holds (its sizes are 32-bit).
pub const MAX_SIZE: u64 = u32::MAX as u64;
/// The zlib level used when writing (zlib's default, as libisofs uses).
const LEVEL: i32 = 6;

const W: &str = "zisofs header";

/// The error of a compressed file that starts at `block` of the medium.
fn corrupt(block: u64, reason: String) -> Error {
    Error::Corrupt {
        structure: "zisofs file".into(),
        block,
        reason,
    }
}

/// Whether `log` is a block size zisofs allows (32, 64 or 128 KiB).
pub fn valid_block_log(log: u8) -> bool {
    (15..=17).contains(&log)
}

/// The most bytes zlib makes of `n` input bytes (zlib's `compressBound`,
/// rounded up generously): longer blocks are not zlib of one block.
fn zlib_bound(n: usize) -> usize {
    n + n / 1000 + (n >> 12) + (n >> 14) + 64
}

/// The magic that opens a zisofs2 file.
pub const MAGIC2: [u8; 8] = [0xEF, 0x22, 0x55, 0xA1, 0xBC, 0x1B, 0x95, 0xA0];
/// The `ZF`/`Z2` algorithm of zisofs2.
pub const ALGORITHM2: [u8; 2] = *b"PZ";
/// Bytes of a zisofs2 header.
pub const HEADER2_LEN: usize = 24;
/// The zisofs2 header's algorithm number of zlib (the only one read).
pub const ZISOFS2_ZLIB: u8 = 1;

/// The zisofs2 file header (the first 24 bytes of a file that libisofs's
/// zisofs2 compressed: magic, format version, header size / 4, algorithm,
/// log2 of the block size, the uncompressed size as 64 bits little-endian,
/// 4 reserved bytes; the pointers that follow are 64-bit).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Zisofs2Header {
    /// Format version (0).
    pub version: u8,
    /// Header size in 4-byte units (6).
    pub header_words: u8,
    /// Compression algorithm (1 = zlib).
    pub algorithm: u8,
    /// log2 of the block size.
    pub block_log: u8,
    /// Uncompressed size.
    pub size: u64,
}

impl Zisofs2Header {
    /// The 24 bytes.
    pub fn encode(&self) -> [u8; HEADER2_LEN] {
        let mut b = [0u8; HEADER2_LEN];
        b[..8].copy_from_slice(&MAGIC2);
        b[8] = self.version;
        b[9] = self.header_words;
        b[10] = self.algorithm;
        b[11] = self.block_log;
        b[12..20].copy_from_slice(&self.size.to_le_bytes());
        b
    }

    /// Decodes the first 24 bytes of a file.
    pub fn decode(b: &[u8]) -> std::result::Result<Zisofs2Header, DecodeError> {
        const W2: &str = "zisofs2 header";
        let Some(b) = b.get(..HEADER2_LEN) else {
            return bad(W2, format!("{} bytes, not the 24 of a header", b.len()));
        };
        if b[..8] != MAGIC2 {
            return bad(W2, "the file does not start with the zisofs2 magic");
        }
        Ok(Zisofs2Header {
            version: b[8],
            header_words: b[9],
            algorithm: b[10],
            block_log: b[11],
            size: u64::from_le_bytes(b[12..20].try_into().expect("8")),
        })
    }
}

/// The zisofs file header (the first 16 bytes of a compressed file).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ZisofsHeader {
    /// Uncompressed size.
    pub size: u32,
    /// Header size in 4-byte units (4: the pointer table follows at byte 16).
    pub header_words: u8,
    /// log2 of the block size.
    pub block_log: u8,
}

impl ZisofsHeader {
    /// The 16 bytes.
    pub fn encode(&self) -> [u8; HEADER_LEN] {
        let mut b = [0u8; HEADER_LEN];
        b[..8].copy_from_slice(&MAGIC);
        b[8..12].copy_from_slice(&self.size.to_le_bytes());
        b[12] = self.header_words;
        b[13] = self.block_log;
        b
    }

    /// Decodes the first 16 bytes of a file.
    pub fn decode(b: &[u8]) -> std::result::Result<ZisofsHeader, DecodeError> {
        let Some(b) = b.get(..HEADER_LEN) else {
            return bad(W, format!("{} bytes, not the 16 of a header", b.len()));
        };
        if b[..8] != MAGIC {
            return bad(W, "the file does not start with the zisofs magic");
        }
        Ok(ZisofsHeader {
            size: u32::from_le_bytes(b[8..12].try_into().expect("4")),
            header_words: b[12],
            block_log: b[13],
        })
    }
}

/// The blocks of a zisofs file of `size` bytes in blocks of 2^`block_log`.
fn block_count(size: u64, block_log: u8) -> u64 {
    size.div_ceil(1u64 << block_log)
}

/// The pointer table of a compressed file: where each block lies in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZisofsTable {
    /// Uncompressed size.
    pub size: u64,
    /// log2 of the block size.
    pub block_log: u8,
    /// The block pointers (one more than there are blocks).
    pub pointers: Vec<u64>,
}

impl ZisofsTable {
    /// Reads the header and pointer table of a compressed file of
    /// `compressed_len` bytes through `read` (which fills a buffer from an
    /// offset in the file) and checks them against what the `ZF` (or `Z2`)
    /// entry says: the format (zisofs "pz", or zisofs2 "PZ" with zlib), the
    /// header size, block size and uncompressed size. `block` (where the
    /// file starts on the medium) goes into errors.
    pub fn read(
        read: &mut dyn FnMut(&mut [u8], u64) -> Result<()>,
        compressed_len: u64,
        zf: &ZisofsData,
        size: u64,
        block: u64,
    ) -> Result<ZisofsTable> {
        let fail = |reason: String| corrupt(block, reason);
        let v2 = match zf.algorithm {
            ALGORITHM => false,
            ALGORITHM2 => true,
            other => {
                return Err(fail(format!(
                    "the file is compressed with {:?}, neither zisofs (\"pz\") nor zisofs2 \
                     (\"PZ\"); it is not decompressed",
                    String::from_utf8_lossy(&other)
                )))
            }
        };
        let (min_header, logs, pointer) = match v2 {
            false => (HEADER_LEN, 15..=17, 4usize),
            true => (HEADER2_LEN, 15..=20, 8usize),
        };
        if !logs.contains(&zf.block_log) {
            return Err(fail(format!(
                "block size 2^{} (zisofs{} has 2^{} to 2^{})",
                zf.block_log,
                if v2 { "2" } else { "" },
                logs.start(),
                logs.end()
            )));
        }
        let header_len = u64::from(zf.header_words) * 4;
        if header_len < min_header as u64 {
            return Err(fail(format!(
                "a header of {header_len} bytes (at least {min_header})"
            )));
        }
        if !v2 && size > MAX_SIZE {
            return Err(fail(format!(
                "an uncompressed size of {size} (at most 2^32 - 1)"
            )));
        }
        if compressed_len < min_header as u64 {
            return Err(fail(format!(
                "{compressed_len} bytes of data, less than a header"
            )));
        }
        let mut h = [0u8; HEADER2_LEN];
        read(&mut h[..min_header], 0)?;
        let (h_size, h_log) = if v2 {
            let h = Zisofs2Header::decode(&h).map_err(|e| fail(e.reason))?;
            if h.algorithm != ZISOFS2_ZLIB {
                return Err(fail(format!(
                    "zisofs2 algorithm {} (only {ZISOFS2_ZLIB}, zlib, is read); it is not \
                     decompressed",
                    h.algorithm
                )));
            }
            (h.size, h.block_log)
        } else {
            let h = ZisofsHeader::decode(&h).map_err(|e| fail(e.reason))?;
            (u64::from(h.size), h.block_log)
        };
        if h_size != size || h_log != zf.block_log {
            return Err(fail(format!(
                "the header says {h_size} bytes in blocks of 2^{h_log}, the ZF entry {size} in \
                 blocks of 2^{}",
                zf.block_log
            )));
        }
        let blocks = block_count(size, zf.block_log);
        let table_len = (blocks + 1).saturating_mul(pointer as u64);
        let table_end = header_len.saturating_add(table_len);
        if table_end > compressed_len {
            return Err(fail(format!(
                "the pointer table of {blocks} blocks ends at byte {table_end}, past the \
                 file's {compressed_len} bytes"
            )));
        }
        let mut raw = vec![0u8; table_len as usize];
        read(&mut raw, header_len)?;
        let pointers: Vec<u64> = raw
            .chunks_exact(pointer)
            .map(|c| {
                let mut b = [0u8; 8];
                b[..pointer].copy_from_slice(c);
                u64::from_le_bytes(b)
            })
            .collect();
        let max_block = zlib_bound(1usize << zf.block_log) as u64;
        let mut prev = table_end;
        for (i, &p) in pointers.iter().enumerate() {
            if p < prev || p > compressed_len {
                return Err(fail(format!(
                    "block pointer {i} is {p}: pointers rise from the end of the table \
                     ({table_end}) to at most the file's {compressed_len} bytes (the one before \
                     is {prev})"
                )));
            }
            if i > 0 && p - prev > max_block {
                return Err(fail(format!(
                    "block {} takes {} bytes, more than zlib makes of {} bytes",
                    i - 1,
                    p - prev,
                    1u64 << zf.block_log
                )));
            }
            prev = p;
        }
        Ok(ZisofsTable {
            size,
            block_log: zf.block_log,
            pointers,
        })
    }

    /// Number of blocks.
    pub fn blocks(&self) -> usize {
        self.pointers.len().saturating_sub(1)
    }

    /// The block size.
    pub fn block_size(&self) -> usize {
        1 << self.block_log
    }

    /// Uncompressed length of block `i` (the block size but for the last).
    pub fn block_len(&self, i: usize) -> usize {
        let start = (i as u64) << self.block_log;
        (self.size - start).min(self.block_size() as u64) as usize
    }

    /// Where block `i`'s compressed bytes lie in the file: (offset, length);
    /// length 0 for a block of zeros.
    pub fn block_range(&self, i: usize) -> (u64, usize) {
        let (a, b) = (self.pointers[i], self.pointers[i + 1]);
        (a, (b - a) as usize)
    }

    /// Decompresses block `i` from its `compressed` bytes into `out`, which
    /// must be [`block_len`](Self::block_len) long.
    pub fn decode_block(
        &self,
        i: usize,
        compressed: &[u8],
        out: &mut [u8],
    ) -> std::result::Result<(), DecodeError> {
        const B: &str = "zisofs block";
        if compressed.is_empty() {
            out.fill(0);
            return Ok(());
        }
        match decompress_slice_iter_to_slice(out, std::iter::once(compressed), true, false) {
            Ok(n) if n == out.len() => Ok(()),
            Ok(n) => bad(
                B,
                format!("block {i} decompresses to {n} bytes, not {}", out.len()),
            ),
            Err(TINFLStatus::HasMoreOutput) => bad(
                B,
                format!("block {i} decompresses to more than {} bytes", out.len()),
            ),
            Err(e) => bad(B, format!("block {i} is not a whole zlib stream ({e:?})")),
        }
    }
}

/// A compressed file on a medium, read decompressed: a `Read + Seek`
/// stream of the uncompressed size (an imported zisofs file's data
/// source). The header and pointer table are read on the first read;
/// memory is the table and one block.
pub struct ZisofsReader {
    medium: Medium,
    runs: Vec<(u64, u64)>,
    compressed_len: u64,
    zf: ZisofsData,
    size: u64,
    table: Option<ZisofsTable>,
    /// The block decompressed last, and its index.
    block: Option<(usize, Vec<u8>)>,
    compressed: Vec<u8>,
    pos: u64,
    /// The block of the medium where the file starts (for errors).
    first_block: u64,
}

impl ZisofsReader {
    /// The file whose compressed data `zf` describes, `size` bytes
    /// uncompressed, on `medium`.
    pub fn new(medium: Medium, zf: &ZisofsData, size: u64) -> ZisofsReader {
        ZisofsReader {
            medium,
            runs: zf.runs.clone(),
            compressed_len: zf.runs.iter().map(|r| r.1).sum(),
            zf: zf.clone(),
            size,
            table: None,
            block: None,
            compressed: Vec::new(),
            pos: 0,
            first_block: zf
                .runs
                .first()
                .map_or(0, |r| r.0 / crate::codec::SECTOR as u64),
        }
    }

    /// The header and table, read and checked once.
    pub fn table(&mut self) -> Result<&ZisofsTable> {
        if self.table.is_none() {
            let (medium, runs) = (&self.medium, &self.runs);
            let mut read = |buf: &mut [u8], at: u64| read_runs(medium, runs, buf, at);
            self.table = Some(ZisofsTable::read(
                &mut read,
                self.compressed_len,
                &self.zf,
                self.size,
                self.first_block,
            )?);
        }
        Ok(self.table.as_ref().expect("read"))
    }

    /// Block `i`'s compressed bytes (empty for a block of zeros).
    pub fn compressed_block(&mut self, i: usize) -> Result<&[u8]> {
        let (at, len) = self.table()?.block_range(i);
        self.compressed.resize(len, 0);
        read_runs(&self.medium, &self.runs, &mut self.compressed, at)?;
        Ok(&self.compressed)
    }

    /// Decompresses block `i` into `out` (resized to its length); returns
    /// whether the block is one of zeros that takes no bytes.
    pub fn read_block(&mut self, i: usize, out: &mut Vec<u8>) -> Result<bool> {
        let len = self.table()?.block_len(i);
        out.resize(len, 0);
        self.compressed_block(i)?;
        let t = self.table.as_ref().expect("read");
        t.decode_block(i, &self.compressed, out)
            .map_err(|e| corrupt(self.first_block, e.reason))?;
        Ok(self.compressed.is_empty())
    }
}

impl Read for ZisofsReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pos >= self.size || buf.is_empty() {
            return Ok(0);
        }
        let to_io = |e: Error| io::Error::new(io::ErrorKind::InvalidData, e.to_string());
        let log = self.table().map_err(to_io)?.block_log;
        let i = (self.pos >> log) as usize;
        if self.block.as_ref().map(|b| b.0) != Some(i) {
            let mut out = self.block.take().map(|b| b.1).unwrap_or_default();
            self.read_block(i, &mut out).map_err(to_io)?;
            self.block = Some((i, out));
        }
        let block = &self.block.as_ref().expect("decoded").1;
        let inside = (self.pos - ((i as u64) << log)) as usize;
        let n = buf.len().min(block.len() - inside);
        buf[..n].copy_from_slice(&block[inside..inside + n]);
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for ZisofsReader {
    fn seek(&mut self, p: SeekFrom) -> io::Result<u64> {
        self.pos = match p {
            SeekFrom::Start(x) => x,
            SeekFrom::End(d) => self.size.saturating_add_signed(d),
            SeekFrom::Current(d) => self.pos.saturating_add_signed(d),
        };
        Ok(self.pos)
    }
}

/// Compresses blocks one at a time, each as its own zlib stream, with the
/// same bytes every time for the same block.
pub struct ZisofsCompressor {
    c: Box<CompressorOxide>,
    out: Vec<u8>,
}

impl Default for ZisofsCompressor {
    fn default() -> Self {
        ZisofsCompressor::new()
    }
}

impl ZisofsCompressor {
    /// A compressor (its tables take some 300 KiB: make one per thread).
    pub fn new() -> ZisofsCompressor {
        let flags = create_comp_flags_from_zip_params(LEVEL, 15, 0);
        ZisofsCompressor {
            c: Box::new(CompressorOxide::new(flags)),
            out: Vec::new(),
        }
    }

    /// The compressed form of one block: empty when it holds only zeros
    /// (zisofs records such a block as two equal pointers), else a zlib
    /// stream.
    pub fn block(&mut self, input: &[u8]) -> &[u8] {
        self.out.clear();
        if input.iter().all(|&b| b == 0) {
            return &self.out;
        }
        self.c.reset();
        self.out.resize(zlib_bound(input.len()), 0);
        let mut fed = 0;
        let mut made = 0;
        loop {
            let (status, n_in, n_out) = compress(
                &mut self.c,
                &input[fed..],
                &mut self.out[made..],
                TDEFLFlush::Finish,
            );
            fed += n_in;
            made += n_out;
            match status {
                TDEFLStatus::Done => break,
                TDEFLStatus::Okay if made == self.out.len() => {
                    let more = self.out.len() + 4096;
                    self.out.resize(more, 0);
                }
                TDEFLStatus::Okay => {}
                // Only a bad parameter gives these; the parameters are fixed.
                TDEFLStatus::BadParam | TDEFLStatus::PutBufFailed => {
                    unreachable!("the zlib compressor refused its fixed parameters")
                }
            }
        }
        self.out.truncate(made);
        &self.out
    }
}

/// What a compressed file is made of before its blocks are: its sizes, its
/// header and block pointer table (the first bytes of the file) and the
/// pointers read back (offsets in the file).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZisofsLayout {
    /// The size uncompressed.
    pub size: u64,
    /// log2 of the block size.
    pub block_log: u8,
    /// The header and pointer table.
    pub header: Box<[u8]>,
    /// The block pointers.
    pub pointers: Box<[u32]>,
}

impl ZisofsLayout {
    /// The layout of a file of `size` bytes whose blocks of 2^`block_log`
    /// bytes compress to `block_lens` bytes each.
    pub fn new(size: u32, block_log: u8, block_lens: &[u32]) -> ZisofsLayout {
        let header = header_and_table(size, block_log, block_lens);
        let pointers = header[HEADER_LEN..]
            .chunks_exact(4)
            .map(|b| u32::from_le_bytes(b.try_into().expect("4")))
            .collect();
        ZisofsLayout {
            size: u64::from(size),
            block_log,
            header: header.into_boxed_slice(),
            pointers,
        }
    }

    /// The size compressed.
    pub fn compressed_size(&self) -> u64 {
        u64::from(*self.pointers.last().expect("one pointer at least"))
    }
}

/// The Rock Ridge `ZF` entry of a file compressed as `layout` says.
pub fn zf_entry(layout: &ZisofsLayout) -> SuspEntry {
    SuspEntry::Zf {
        z2: false,
        algorithm: ALGORITHM,
        header_words: (HEADER_LEN / 4) as u8,
        block_log: layout.block_log,
        size: layout.size,
    }
}

/// Makes the bytes of a compressed file on demand, at any offset, from its
/// [`ZisofsLayout`] and its uncompressed bytes: each block is compressed
/// again (the last one made is kept for the next read) and must come out
/// the length the layout says.
pub struct CompressingReader {
    layout: std::sync::Arc<ZisofsLayout>,
    state: std::sync::Mutex<CompressState>,
}

struct CompressState {
    compressor: Option<ZisofsCompressor>,
    /// The block compressed last and its bytes.
    block: Option<(usize, Vec<u8>)>,
    input: Vec<u8>,
}

impl CompressingReader {
    /// A reader of the file `layout` describes.
    pub fn new(layout: std::sync::Arc<ZisofsLayout>) -> CompressingReader {
        CompressingReader {
            layout,
            state: std::sync::Mutex::new(CompressState {
                compressor: None,
                block: None,
                input: Vec::new(),
            }),
        }
    }

    /// The layout.
    pub fn layout(&self) -> &ZisofsLayout {
        &self.layout
    }

    /// Reads up to `buf.len()` bytes of the compressed file at `offset` (0
    /// only at its end); `fill` fills a buffer with the uncompressed bytes
    /// from an offset. `name` names the file in errors.
    pub fn read_at(
        &self,
        buf: &mut [u8],
        offset: u64,
        name: &str,
        fill: &mut dyn FnMut(&mut [u8], u64) -> Result<()>,
    ) -> io::Result<usize> {
        let z = &*self.layout;
        let total = z.compressed_size();
        if offset >= total || buf.is_empty() {
            return Ok(0);
        }
        if offset < z.header.len() as u64 {
            let from = offset as usize;
            let n = buf.len().min(z.header.len() - from);
            buf[..n].copy_from_slice(&z.header[from..from + n]);
            return Ok(n);
        }
        // The block holding `offset`: the last pointer at or before it (of
        // equal pointers the last: a block of zeros holds no byte).
        let i = z.pointers.partition_point(|&p| u64::from(p) <= offset) - 1;
        let start = u64::from(z.pointers[i]);
        let mut g = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let st = &mut *g;
        if st.block.as_ref().map(|b| b.0) != Some(i) {
            let at = (i as u64) << z.block_log;
            let n = (z.size - at).min(1 << z.block_log) as usize;
            st.input.resize(n, 0);
            fill(&mut st.input, at).map_err(io::Error::other)?;
            let c = st.compressor.get_or_insert_with(ZisofsCompressor::new);
            let made = c.block(&st.input);
            let want = (z.pointers[i + 1] - z.pointers[i]) as usize;
            if made.len() != want {
                return Err(io::Error::other(format!(
                    "{name}: block {i} compresses to {} bytes now, {want} when the image was \
                     laid out (the file changed)",
                    made.len()
                )));
            }
            let mut kept = st.block.take().map(|b| b.1).unwrap_or_default();
            kept.clear();
            kept.extend_from_slice(made);
            st.block = Some((i, kept));
        }
        let bytes = &st.block.as_ref().expect("made").1;
        let inside = (offset - start) as usize;
        let n = buf.len().min(bytes.len() - inside);
        buf[..n].copy_from_slice(&bytes[inside..inside + n]);
        Ok(n)
    }
}

/// The header and pointer table of a file of `size` bytes whose blocks
/// (of 2^`block_log` bytes) compress to `block_lens` bytes each.
pub fn header_and_table(size: u32, block_log: u8, block_lens: &[u32]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_LEN + 4 * (block_lens.len() + 1));
    out.extend_from_slice(
        &ZisofsHeader {
            size,
            header_words: (HEADER_LEN / 4) as u8,
            block_log,
        }
        .encode(),
    );
    let mut at = (HEADER_LEN + 4 * (block_lens.len() + 1)) as u32;
    out.extend_from_slice(&at.to_le_bytes());
    for &l in block_lens {
        at += l;
        out.extend_from_slice(&at.to_le_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A whole compressed file of `data`, as a writer makes it.
    fn compress_file(data: &[u8], block_log: u8) -> Vec<u8> {
        let mut c = ZisofsCompressor::new();
        let mut blocks = Vec::new();
        for b in data.chunks(1 << block_log) {
            blocks.push(c.block(b).to_vec());
        }
        let lens: Vec<u32> = blocks.iter().map(|b| b.len() as u32).collect();
        let mut out = header_and_table(data.len() as u32, block_log, &lens);
        for b in blocks {
            out.extend_from_slice(&b);
        }
        out
    }

    fn zf(header_words: u8, block_log: u8) -> ZisofsData {
        ZisofsData {
            runs: Vec::new(),
            algorithm: ALGORITHM,
            header_words,
            block_log,
        }
    }

    fn decode_all(file: &[u8], z: &ZisofsData, size: u64) -> Result<Vec<u8>> {
        let mut read = |buf: &mut [u8], at: u64| {
            let at = at as usize;
            buf.copy_from_slice(file.get(at..at + buf.len()).ok_or(Error::Cancelled)?);
            Ok(())
        };
        let t = ZisofsTable::read(&mut read, file.len() as u64, z, size, 0)?;
        let mut out = Vec::new();
        for i in 0..t.blocks() {
            let (at, len) = t.block_range(i);
            let mut b = vec![0; t.block_len(i)];
            t.decode_block(i, &file[at as usize..at as usize + len], &mut b)
                .map_err(|e| corrupt(0, e.reason))?;
            out.extend_from_slice(&b);
        }
        Ok(out)
    }

    fn sample() -> Vec<u8> {
        let mut d: Vec<u8> = (0..20_000u32)
            .flat_map(|i| format!("line {i}\n").into_bytes())
            .collect();
        d.extend(std::iter::repeat(0).take(70_000));
        d.extend((0..5000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8));
        d
    }

    #[test]
    fn header_golden_and_round_trip() {
        let h = ZisofsHeader {
            size: 0x0102_0304,
            header_words: 4,
            block_log: 15,
        };
        let b = h.encode();
        assert_eq!(
            b,
            [0x37, 0xE4, 0x53, 0x96, 0xC9, 0xDB, 0xD6, 0x07, 4, 3, 2, 1, 4, 15, 0, 0]
        );
        assert_eq!(ZisofsHeader::decode(&b), Ok(h));
        let mut bad_magic = b;
        bad_magic[0] = 0;
        assert!(ZisofsHeader::decode(&bad_magic).is_err());
        assert!(ZisofsHeader::decode(&b[..15]).is_err());
    }

    #[test]
    fn files_round_trip_with_zero_blocks_free() {
        let data = sample();
        for log in [15, 16, 17] {
            let file = compress_file(&data, log);
            assert!(
                file.len() < data.len() / 3,
                "{} of {}",
                file.len(),
                data.len()
            );
            assert_eq!(
                decode_all(&file, &zf(4, log), data.len() as u64).unwrap(),
                data
            );
        }
        // The two blocks of zeros (at 2^15) take no bytes.
        let file = compress_file(&data, 15);
        let mut read = |buf: &mut [u8], at: u64| {
            buf.copy_from_slice(&file[at as usize..at as usize + buf.len()]);
            Ok(())
        };
        let t = ZisofsTable::read(
            &mut read,
            file.len() as u64,
            &zf(4, 15),
            data.len() as u64,
            0,
        )
        .unwrap();
        let empty = (0..t.blocks()).filter(|&i| t.block_range(i).1 == 0).count();
        assert!(empty >= 1, "{t:?}");
        // Compressing again gives the same bytes.
        assert_eq!(compress_file(&data, 15), file);
        // An empty file: one pointer.
        let empty = compress_file(b"", 15);
        assert_eq!(empty.len(), 20);
        assert_eq!(decode_all(&empty, &zf(4, 15), 0).unwrap(), b"");
    }

    #[test]
    fn malformed_files_are_errors() {
        let data = sample();
        let good = compress_file(&data, 15);
        let n = data.len() as u64;
        let err = |file: &[u8], z: &ZisofsData, size: u64| {
            decode_all(file, z, size).unwrap_err().to_string()
        };
        // Another algorithm, a block size zisofs has not.
        let mut other = zf(4, 15);
        other.algorithm = *b"xx";
        assert!(err(&good, &other, n).contains("neither zisofs"));
        assert!(err(&good, &zf(4, 12), n).contains("block size"));
        assert!(err(&good, &zf(2, 15), n).contains("header"));
        // Sizes that disagree, a table past the end of the file.
        assert!(err(&good, &zf(4, 15), n + 1).contains("ZF entry"));
        assert!(err(&good[..40], &zf(4, 15), n).contains("pointer table"));
        // Pointers that fall, or leave the file.
        let mut fall = good.clone();
        fall[20..24].copy_from_slice(&10u32.to_le_bytes());
        assert!(err(&fall, &zf(4, 15), n).contains("block pointer"));
        let mut past = good.clone();
        let last = 16 + 4 * (data.len().div_ceil(1 << 15));
        past[last..last + 4].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(err(&past, &zf(4, 15), n).contains("block pointer"));
        // A block that is not zlib.
        let mut garbage = good.clone();
        let first = u32::from_le_bytes(good[16..20].try_into().unwrap()) as usize;
        garbage[first] ^= 0xFF;
        garbage[first + 1] ^= 0xFF;
        assert!(err(&garbage, &zf(4, 15), n).contains("zlib"));
        // No truncation panics.
        for cut in 0..good.len().min(400) {
            let _ = decode_all(&good[..cut], &zf(4, 15), n);
        }
    }

    /// A zisofs2 file of `data` (as libisofs writes one with zlib): the
    /// 24-byte header, 64-bit pointers, the same zlib blocks.
    fn compress_file2(data: &[u8], block_log: u8, algorithm: u8) -> Vec<u8> {
        let mut c = ZisofsCompressor::new();
        let blocks: Vec<Vec<u8>> = data
            .chunks(1 << block_log)
            .map(|b| c.block(b).to_vec())
            .collect();
        let mut out = Zisofs2Header {
            version: 0,
            header_words: 6,
            algorithm,
            block_log,
            size: data.len() as u64,
        }
        .encode()
        .to_vec();
        let mut at = (HEADER2_LEN + 8 * (blocks.len() + 1)) as u64;
        out.extend_from_slice(&at.to_le_bytes());
        for b in &blocks {
            at += b.len() as u64;
            out.extend_from_slice(&at.to_le_bytes());
        }
        for b in &blocks {
            out.extend_from_slice(b);
        }
        out
    }

    #[test]
    fn zisofs2_with_zlib_is_read() {
        let data = sample();
        let n = data.len() as u64;
        let mut z = zf(6, 17);
        z.algorithm = ALGORITHM2;
        for log in [15, 17, 20] {
            z.block_log = log;
            let file = compress_file2(&data, log, ZISOFS2_ZLIB);
            assert_eq!(decode_all(&file, &z, n).unwrap(), data);
        }
        z.block_log = 17;
        // Another zisofs2 algorithm is named, not decoded.
        let xz = compress_file2(&data, 17, 2);
        let e = decode_all(&xz, &z, n).unwrap_err().to_string();
        assert!(e.contains("zisofs2 algorithm 2"), "{e}");
        // The zisofs magic is not the zisofs2 one.
        let v1 = compress_file(&data, 17);
        assert!(decode_all(&v1, &z, n).is_err());
        let h = Zisofs2Header::decode(&xz).unwrap();
        assert_eq!((h.size, h.block_log, h.header_words), (n, 17, 6));
    }

    #[test]
    fn the_reader_reads_decompressed_at_any_offset() {
        let data = sample();
        let file = compress_file(&data, 15);
        let mut img = vec![0u8; 4096];
        img.extend_from_slice(&file);
        let m = Medium::from_stream(std::io::Cursor::new(img)).unwrap();
        let mut z = zf(4, 15);
        z.runs = vec![(4096, file.len() as u64)];
        let mut r = ZisofsReader::new(m, &z, data.len() as u64);
        let mut all = Vec::new();
        r.read_to_end(&mut all).unwrap();
        assert_eq!(all, data);
        r.seek(SeekFrom::Start(40_000)).unwrap();
        let mut part = [0u8; 50_000];
        r.read_exact(&mut part).unwrap();
        assert_eq!(&part[..], &data[40_000..90_000]);
        assert_eq!(r.seek(SeekFrom::End(0)).unwrap(), data.len() as u64);
    }
}
