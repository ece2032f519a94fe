//! What the fuzz targets share: turning a fuzz input into image bytes, and
//! reading a tree's file data the way `imapi2 extract` does (bounded).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use imapi2_fs::fs_tree::ZERO_RUN;
use imapi2_fs::{FsData, FsTree, Medium};

/// Sector size of the images.
pub const SECTOR: usize = 2048;
/// Magic of the sparse input form.
pub const SPARSE_MAGIC: &[u8; 4] = b"IMG1";
/// Magic of the sparse input form whose UDF descriptor tags are resealed
/// (checksum and CRC made right) before reading, so that mutations reach
/// past the tag checks.
pub const SEALED_MAGIC: &[u8; 4] = b"IMG2";
/// Largest image a sparse input describes (sectors).
pub const MAX_SECTORS: usize = 4096;

/// The image an input stands for. Inputs that start with [`SPARSE_MAGIC`]
/// (or [`SEALED_MAGIC`], see [`reseal_udf_tags`]) are sparse: a u16 count of sectors, a u16 count of extra bytes after them,
/// then records of a u16 sector number and up to 2048 bytes of that sector
/// (everything else reads as zeros). UDF puts its anchor at sector 256, so a
/// small UDF image is mostly zeros; this keeps such seeds small and the
/// mutations on the structures. Any other input is the image itself.
pub fn image_from_input(data: &[u8]) -> Vec<u8> {
    if let Some(rest) = data.strip_prefix(SEALED_MAGIC) {
        let mut img = sparse_image(rest);
        reseal_udf_tags(&mut img);
        return img;
    }
    match data.strip_prefix(SPARSE_MAGIC) {
        Some(rest) => sparse_image(rest),
        None => data.to_vec(),
    }
}

fn sparse_image(rest: &[u8]) -> Vec<u8> {
    if rest.len() < 4 {
        return Vec::new();
    }
    let sectors = usize::from(u16::from_le_bytes([rest[0], rest[1]])).min(MAX_SECTORS);
    let extra = usize::from(u16::from_le_bytes([rest[2], rest[3]])) % SECTOR;
    let len = sectors * SECTOR + extra;
    let mut img = vec![0u8; len];
    let mut recs = &rest[4..];
    while recs.len() > 2 {
        let at = usize::from(u16::from_le_bytes([recs[0], recs[1]])) * SECTOR;
        let body = &recs[2..recs.len().min(2 + SECTOR)];
        if at < len {
            let n = body.len().min(len - at);
            img[at..at + n].copy_from_slice(&body[..n]);
        }
        recs = &recs[2 + body.len()..];
    }
    img
}

/// Makes the checksum and CRC of every UDF descriptor tag right: tags at
/// the start of each sector, and FIDs (tag 257) at any 4-byte boundary.
pub fn reseal_udf_tags(img: &mut [u8]) {
    use imapi2_fs::ecma167::{crc_itu_t, tag_checksum};
    let le16 = |b: &[u8], at: usize| u16::from_le_bytes([b[at], b[at + 1]]);
    let mut at = 0;
    while at + 16 <= img.len() {
        let id = le16(img, at);
        let known = matches!(id, 1..=9 | 256..=266);
        if known && (at % SECTOR == 0 || id == 257) {
            let crc_len = usize::from(le16(img, at + 10));
            if let Some(body) = img.get(at + 16..at + 16 + crc_len) {
                let crc = crc_itu_t(body);
                img[at + 8..at + 10].copy_from_slice(&crc.to_le_bytes());
                img[at + 4] = tag_checksum(&img[at..at + 16]);
            }
        }
        at += 4;
    }
}

/// The sparse input form of an image (the inverse of [`image_from_input`]
/// for images of at most [`MAX_SECTORS`] sectors); `sealed` picks
/// [`SEALED_MAGIC`].
pub fn sparse_input(img: &[u8], sealed: bool) -> Vec<u8> {
    let sectors = img.len() / SECTOR;
    assert!(sectors <= MAX_SECTORS, "image of {sectors} sectors");
    let mut out = if sealed { SEALED_MAGIC } else { SPARSE_MAGIC }.to_vec();
    out.extend_from_slice(&(sectors as u16).to_le_bytes());
    out.extend_from_slice(&((img.len() % SECTOR) as u16).to_le_bytes());
    for (i, s) in img.chunks(SECTOR).enumerate() {
        if s.iter().any(|&b| b != 0) {
            out.extend_from_slice(&(i as u16).to_le_bytes());
            out.extend_from_slice(s);
            out.resize(out.len() + (SECTOR - s.len()), 0);
        }
    }
    out
}

/// Reads every file's data of `tree` from `medium`, as extraction does
/// (zisofs files decompressed), stopping after `budget` bytes in all;
/// returns the bytes read.
pub fn read_all_data(tree: &FsTree, medium: &Medium, mut budget: u64) -> u64 {
    let mut read = 0u64;
    let mut buf = vec![0u8; 64 * 1024];
    for i in tree.walk(0) {
        let n = &tree.nodes[i as usize];
        let _ = tree.path(i);
        match &n.data {
            FsData::None => {}
            FsData::Inline(b) => read += b.len() as u64,
            FsData::Zisofs(z) => {
                use std::io::Read;
                let mut r = imapi2_fs::zisofs::ZisofsReader::new(medium.clone(), z, n.size);
                while budget > 0 {
                    let k = (buf.len() as u64).min(budget) as usize;
                    match r.read(&mut buf[..k]) {
                        Ok(0) | Err(_) => break,
                        Ok(got) => {
                            budget -= got as u64;
                            read += got as u64;
                        }
                    }
                }
                if budget == 0 {
                    return read;
                }
            }
            FsData::Extents(runs) => {
                for &(off, len) in runs {
                    if off == ZERO_RUN {
                        continue;
                    }
                    let mut done = 0u64;
                    while done < len {
                        if budget == 0 {
                            return read;
                        }
                        let k = (len - done).min(buf.len() as u64).min(budget) as usize;
                        if medium
                            .read_exact_at(&mut buf[..k], off + done, "file data")
                            .is_err()
                        {
                            break;
                        }
                        done += k as u64;
                        budget -= k as u64;
                        read += k as u64;
                    }
                }
            }
        }
    }
    read
}

/// The allocator of the fuzz targets: the system's, counting live bytes and
/// their peak, so that a target can assert that reading an image costs no
/// more than a few times its size.
pub struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call goes to `System` unchanged; only counters are kept.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
            let live = LIVE.fetch_add(new_size, Ordering::Relaxed) + new_size;
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Starts measuring: the peak is set to the bytes live now, which are returned.
pub fn start_measuring() -> usize {
    let live = LIVE.load(Ordering::Relaxed);
    PEAK.store(live, Ordering::Relaxed);
    live
}

/// Panics when the peak since [`start_measuring`] (which returned `base`)
/// exceeds 16 times `image_len` plus 64 MiB.
pub fn assert_bounded(base: usize, image_len: usize) {
    let grew = PEAK.load(Ordering::Relaxed).saturating_sub(base);
    let limit = 16 * image_len + (64 << 20);
    assert!(
        grew <= limit,
        "reading an image of {image_len} bytes took {grew} bytes of memory at its peak"
    );
}
