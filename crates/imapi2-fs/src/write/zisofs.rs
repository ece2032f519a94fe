//! Writing files zisofs-compressed (`FileSystemImage::set_zisofs`, as
//! `mkisofs -z` writes what `mkzftree` compressed, and `xorriso --zisofs`).
//!
//! The layout needs each file's compressed size, so the files are
//! compressed once before it ([`compress_contents`], a few threads at once,
//! keeping only each block's compressed length) and again when the image
//! stream reaches them (`write::file_data`, through
//! [`CompressingReader`](crate::zisofs::CompressingReader)): the compressor
//! is reset before each block, so the bytes are the same, and a block that
//! comes out another length (the file changed in between) is an error. A file is compressed
//! only when that saves at least one block, as `mkzftree` keeps files that
//! do not shrink as they are. Its items then record the compressed size in
//! the ISO 9660 and Joliet trees, and Rock Ridge adds a `ZF` entry with the
//! real size.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use crate::error::{Error, Result};
use crate::image::arena::{blocks_of, Content, NodeKind, Stored, TreeData, ZisofsSource};
use crate::image::boot::BootOptions;
use crate::image::source::DataSource;
use crate::iso9660::zisofs::{
    ZisofsCompressor, ZisofsLayout, DEFAULT_BLOCK_LOG, HEADER_LEN, MAX_SIZE,
};
use crate::read::multisession::{referenced_block, Multisession};

/// A copy of `data` whose file contents are zisofs-compressed where that
/// saves a block; boot images, data an earlier session holds (which the new
/// session points at), files too large for zisofs and empty ones stay as
/// they are.
pub(crate) fn compress_contents(
    data: &TreeData,
    boot: &[BootOptions],
    multisession: Option<&Multisession>,
) -> Result<TreeData> {
    // The first item naming each content, for messages.
    let mut node_of = vec![u32::MAX; data.contents.len()];
    for (i, n) in data.nodes.iter().enumerate() {
        if let NodeKind::File { content } = n.kind {
            if node_of[content as usize] == u32::MAX {
                node_of[content as usize] = i as u32;
            }
        }
    }
    let boot_files: Vec<(u64, u64)> = boot
        .iter()
        .filter_map(|b| match b.boot_image() {
            Some(DataSource::Path(p)) => std::fs::metadata(p).ok(),
            _ => None,
        })
        .map(|m| {
            use std::os::unix::fs::MetadataExt;
            (m.dev(), m.ino())
        })
        .collect();
    let wanted: Vec<usize> = (0..data.contents.len())
        .filter(|&c| {
            let content = &data.contents[c];
            node_of[c] != u32::MAX
                && content.size > 0
                && content.size <= MAX_SIZE
                && !matches!(
                    content.source,
                    Stored::Empty | Stored::BootCatalog | Stored::Zisofs(_)
                )
                && referenced_block(multisession, &content.source).is_none()
                && !is_boot_file(content, data, &boot_files)
        })
        .collect();
    let results = measure_all(data, &wanted, &node_of)?;
    let mut out = data.clone();
    for (c, z) in wanted.into_iter().zip(results) {
        if let Some(z) = z {
            let content = &mut out.contents[c];
            content.size = z.layout.compressed_size();
            content.source = Stored::Zisofs(Arc::new(z));
        }
    }
    Ok(out)
}

/// Whether `content` is the host file of a boot image.
fn is_boot_file(content: &Content, data: &TreeData, boot_files: &[(u64, u64)]) -> bool {
    use std::os::unix::fs::MetadataExt;
    if boot_files.is_empty() {
        return false;
    }
    let Some(p) = content.source.host_path(data) else {
        return false;
    };
    std::fs::metadata(p).is_ok_and(|m| boot_files.contains(&(m.dev(), m.ino())))
}

/// Measures the contents `wanted` with a few threads; `None` for those that
/// do not shrink by a block. The first error stops every thread.
fn measure_all(
    data: &TreeData,
    wanted: &[usize],
    node_of: &[u32],
) -> Result<Vec<Option<ZisofsSource>>> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 4)
        .min(wanted.len().max(1));
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let first_error: Mutex<Option<Error>> = Mutex::new(None);
    let work = || {
        let mut done = Vec::new();
        let mut compressor = ZisofsCompressor::new();
        let mut buf = Vec::new();
        while !stop.load(Ordering::Relaxed) {
            let k = next.fetch_add(1, Ordering::Relaxed);
            let Some(&c) = wanted.get(k) else { break };
            match measure(data, c as u32, node_of[c], &mut compressor, &mut buf) {
                Ok(z) => done.push((k, z)),
                Err(e) => {
                    stop.store(true, Ordering::Relaxed);
                    let mut g = first_error.lock().unwrap_or_else(|p| p.into_inner());
                    g.get_or_insert(e);
                }
            }
        }
        done
    };
    let parts: Vec<Vec<(usize, Option<ZisofsSource>)>> = std::thread::scope(|s| {
        let handles: Vec<_> = (1..threads).map(|_| s.spawn(work)).collect();
        let mut parts = vec![work()];
        for h in handles {
            parts.push(h.join().unwrap_or_default());
        }
        parts
    });
    if let Some(e) = first_error.into_inner().unwrap_or_else(|p| p.into_inner()) {
        return Err(e);
    }
    let mut out: Vec<Option<ZisofsSource>> = (0..wanted.len()).map(|_| None).collect();
    for (k, z) in parts.into_iter().flatten() {
        out[k] = z;
    }
    Ok(out)
}

/// Compresses content `c` (first named by item `node`) block by block,
/// keeping the compressed lengths; `None` when it does not save a block.
fn measure(
    data: &TreeData,
    c: u32,
    node: u32,
    compressor: &mut ZisofsCompressor,
    buf: &mut Vec<u8>,
) -> Result<Option<ZisofsSource>> {
    let content = &data.contents[c as usize];
    let (reader, name) = crate::write::file_data::open_file(data, c, node)?;
    let block = 1usize << DEFAULT_BLOCK_LOG;
    let size = content.size;
    let blocks = size.div_ceil(block as u64) as usize;
    let mut lens = Vec::with_capacity(blocks);
    // The compressed size so far: a file that will not save a block is
    // given up as soon as that is certain.
    let mut total = (HEADER_LEN + 4 * (blocks + 1)) as u64;
    let budget = (blocks_of(size) - 1) * crate::codec::SECTOR as u64;
    for i in 0..blocks {
        let at = (i as u64) * block as u64;
        let n = (size - at).min(block as u64) as usize;
        buf.resize(n, 0);
        reader.read_exact_at(buf, at, size, &name)?;
        let len = compressor.block(buf).len();
        lens.push(len as u32);
        total += len as u64;
        if total > budget {
            return Ok(None);
        }
    }
    reader.check_unchanged(size, &name)?;
    Ok(Some(ZisofsSource {
        inner: content.source.clone(),
        layout: Arc::new(ZisofsLayout::new(size as u32, DEFAULT_BLOCK_LOG, &lens)),
    }))
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use crate::read::view::FsData;
    use crate::{DataSource, Disc, FileSystemImage, FileSystems, FileTime, Medium};

    fn text(n: u32) -> Vec<u8> {
        (0..n)
            .flat_map(|i| format!("line {i}\n").into_bytes())
            .collect()
    }

    fn image(zisofs: bool, fs: FileSystems, files: &[(&str, Vec<u8>)]) -> crate::Result<Vec<u8>> {
        let mut img = FileSystemImage::new();
        img.set_fixed_time(Some(FileTime::from_unix_seconds(1_700_000_000)));
        img.set_file_systems_to_create(fs)?;
        img.set_zisofs(zisofs);
        let root = img.root();
        for (name, data) in files {
            img.add_file(root, name, DataSource::Bytes(data.as_slice().into()))?;
        }
        let mut out = Vec::new();
        img.create_result_image()?
            .image_stream()
            .read_to_end(&mut out)
            .unwrap();
        Ok(out)
    }

    fn rr() -> FileSystems {
        FileSystems::ISO9660 | FileSystems::JOLIET | FileSystems::ROCK_RIDGE
    }

    #[test]
    fn compressed_files_read_back_and_import_decompressed() {
        let big = text(50_000);
        let files = [
            ("big.txt", big.clone()),
            ("zeros", vec![0u8; 200_000]),
            ("small", b"tiny".to_vec()),
        ];
        let plain = image(false, rr(), &files).unwrap();
        let packed = image(true, rr(), &files).unwrap();
        assert!(
            packed.len() * 3 < plain.len(),
            "{} {}",
            packed.len(),
            plain.len()
        );
        let again = image(true, rr(), &files).unwrap();
        assert_eq!(packed, again, "reproducible");
        let medium = Medium::from_stream(std::io::Cursor::new(packed)).unwrap();
        let disc = Disc::open(&medium).unwrap();
        let tree = disc.read_tree(FileSystems::ROCK_RIDGE).unwrap();
        let n = &tree.nodes[tree.lookup("/big.txt").unwrap() as usize];
        assert_eq!(n.size, big.len() as u64);
        assert!(matches!(n.data, FsData::Zisofs(_)), "{:?}", n.data);
        let s = &tree.nodes[tree.lookup("/small").unwrap() as usize];
        assert!(
            matches!(s.data, FsData::Extents(_)),
            "not worth it: {:?}",
            s.data
        );
        // The imported file reads decompressed into the next image.
        let mut img = FileSystemImage::new();
        img.import_specific_file_system(FileSystems::ROCK_RIDGE, Some(&medium))
            .unwrap();
        let mut out = Vec::new();
        img.create_result_image()
            .unwrap()
            .image_stream()
            .read_to_end(&mut out)
            .unwrap();
        let m2 = Medium::from_stream(std::io::Cursor::new(out)).unwrap();
        let d2 = Disc::open(&m2).unwrap();
        let t2 = d2.read_tree(FileSystems::ROCK_RIDGE).unwrap();
        for (name, data) in &files {
            let n = &t2.nodes[t2.lookup(&format!("/{name}")).unwrap() as usize];
            let FsData::Extents(runs) = &n.data else {
                panic!("{name}: {:?}", n.data)
            };
            let mut got = vec![0u8; n.size as usize];
            crate::image::source::read_runs(&m2, runs, &mut got, 0).unwrap();
            assert_eq!(&got, data, "{name}");
        }
    }

    #[test]
    fn zisofs_needs_rock_ridge_and_no_udf() {
        let files = [("big.txt", text(10_000))];
        for fs in [
            FileSystems::ISO9660 | FileSystems::JOLIET,
            rr() | FileSystems::UDF,
        ] {
            let e = image(true, fs, &files).unwrap_err();
            assert!(e.to_string().contains("zisofs"), "{e}");
        }
    }
}
