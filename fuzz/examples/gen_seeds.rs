//! Writes the seed corpora: tiny images made by the library itself (ISO 9660
//! + Joliet + Rock Ridge with a boot entry, UDF 1.02, 2.01 and 2.50 alone, a
//! 2.60 bridge), in the sparse input form, plus a few structures for the
//! decoders target.
//!
//! `cargo run --manifest-path fuzz/Cargo.toml --example gen-seeds` (from the
//! repository root) fills `fuzz/corpus/{iso_reader,udf_reader,decoders}`.

use std::fs;
use std::io::Read;
use std::path::Path;

use imapi2_fs::{BootOptions, DataSource, FileSystemImage, FileSystems, FileTime, SpecialKind};
use imapi2_fuzz::{sparse_input, SECTOR};

fn bytes(b: &[u8]) -> DataSource {
    DataSource::Bytes(b.into())
}

/// A small tree with one of everything the readers decode.
fn image(fs: FileSystems, udf_revision: u16, boot: bool) -> Vec<u8> {
    let mut img = FileSystemImage::new();
    img.set_fixed_time(Some(FileTime::from_unix_seconds(1_700_000_000)));
    img.set_volume_name("SEED").unwrap();
    img.set_file_systems_to_create(fs).unwrap();
    if fs.contains(FileSystems::UDF) {
        img.set_udf_revision(udf_revision).unwrap();
    }
    let root = img.root();
    img.add_file(root, "hello.txt", bytes(b"hello\n")).unwrap();
    img.add_directory(root, "dir").unwrap();
    let mut deep = String::new();
    for part in ["a", "b", "c", "d", "e", "f", "g", "h", "i"] {
        deep.push_str(part);
        img.add_directory(root, &deep).unwrap();
        deep.push('/');
    }
    img.add_file(root, "dir/two blocks.bin", bytes(&[0xA5; SECTOR + 100]))
        .unwrap();
    img.add_file(root, "dir/empty", DataSource::Empty).unwrap();
    img.add_file(root, &format!("{}.txt", "n".repeat(200)), bytes(b"long"))
        .unwrap();
    img.add_file(root, "a/b/c/d/e/f/g/h/i/deep.txt", bytes(b"deep"))
        .unwrap();
    img.add_symlink(root, "link", "dir/../hello.txt").unwrap();
    img.add_special(root, "fifo", SpecialKind::Fifo).unwrap();
    img.add_special(root, "dev", SpecialKind::CharDevice(0x0103))
        .unwrap();
    if fs.contains(FileSystems::UDF) && udf_revision >= 0x0200 {
        let f = img.item("hello.txt").unwrap();
        img.add_stream(f, "stream", bytes(b"named stream")).unwrap();
    }
    if boot {
        let mut b = BootOptions::new();
        let mut sector = vec![0u8; SECTOR];
        sector[510] = 0x55;
        sector[511] = 0xAA;
        b.assign_boot_image(bytes(&sector)).unwrap();
        img.set_boot_image_options(Some(b)).unwrap();
    }
    let mut out = Vec::new();
    img.create_result_image()
        .unwrap()
        .image_stream()
        .read_to_end(&mut out)
        .unwrap();
    out
}

/// A Rock Ridge image whose files are zisofs-compressed (a text file of a
/// few blocks, a block of zeros in it, and a file too small to compress).
fn zisofs_image() -> Vec<u8> {
    let mut img = FileSystemImage::new();
    img.set_fixed_time(Some(FileTime::from_unix_seconds(1_700_000_000)));
    img.set_zisofs(true);
    let root = img.root();
    let mut text: Vec<u8> = (0..12_000u32)
        .flat_map(|i| format!("{i}\n").into_bytes())
        .collect();
    text.extend(std::iter::repeat(0).take(40_000));
    img.add_file(root, "text.txt", bytes(&text)).unwrap();
    img.add_file(root, "small.txt", bytes(b"small\n")).unwrap();
    let mut out = Vec::new();
    img.create_result_image()
        .unwrap()
        .image_stream()
        .read_to_end(&mut out)
        .unwrap();
    out
}

fn write(dir: &Path, name: &str, data: &[u8]) {
    fs::create_dir_all(dir).unwrap();
    fs::write(dir.join(name), data).unwrap();
}

fn main() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let iso_fs = FileSystems::ISO9660 | FileSystems::JOLIET | FileSystems::ROCK_RIDGE;
    let iso = image(iso_fs, 0x0102, true);
    let plain = image(FileSystems::ISO9660, 0x0102, false);
    let udf102 = image(FileSystems::UDF, 0x0102, false);
    let udf201 = image(FileSystems::UDF, 0x0201, false);
    let udf250 = image(FileSystems::UDF, 0x0250, false);
    let bridge = image(iso_fs | FileSystems::UDF, 0x0260, false);
    let zisofs = zisofs_image();

    let d = corpus.join("iso_reader");
    write(&d, "iso-joliet-rr-boot.iso", &iso);
    write(&d, "iso-plain.iso", &plain);
    write(&d, "iso-joliet-rr-boot.sparse", &sparse_input(&iso, false));
    write(&d, "bridge-260.sparse", &sparse_input(&bridge, false));
    write(&d, "bridge-260.sealed", &sparse_input(&bridge, true));
    write(&d, "udf-102.sealed", &sparse_input(&udf102, true));
    write(&d, "zisofs.sparse", &sparse_input(&zisofs, false));

    let d = corpus.join("udf_reader");
    for (name, img) in [
        ("udf-102", &udf102),
        ("udf-201", &udf201),
        ("udf-250", &udf250),
        ("bridge-260", &bridge),
    ] {
        write(&d, &format!("{name}.sparse"), &sparse_input(img, false));
        write(&d, &format!("{name}.sealed"), &sparse_input(img, true));
    }

    // Decoders: sectors and records cut from the images.
    let d = corpus.join("decoders");
    let sector = |img: &[u8], i: usize| img[i * SECTOR..(i + 1) * SECTOR].to_vec();
    write(&d, "pvd", &sector(&iso, 16));
    write(&d, "boot-record", &sector(&iso, 17));
    write(&d, "svd", &sector(&iso, 18));
    // The root directory's first sector: "." with SP/ER/CE, "..", records.
    let root = u32::from_le_bytes(
        iso[16 * SECTOR + 158..16 * SECTOR + 162]
            .try_into()
            .unwrap(),
    );
    let rs = sector(&iso, root as usize);
    write(&d, "root-dir", &rs);
    // A zisofs-compressed file: header, pointer table, blocks (one of zeros).
    let mut data: Vec<u8> = (0..8000u32).flat_map(|i| format!("{i}\n").into_bytes()).collect();
    data.extend(std::iter::repeat(0).take(1 << 15));
    let mut c = imapi2_fs::zisofs::ZisofsCompressor::new();
    let blocks: Vec<Vec<u8>> = data.chunks(1 << 15).map(|b| c.block(b).to_vec()).collect();
    let lens: Vec<u32> = blocks.iter().map(|b| b.len() as u32).collect();
    let mut file = imapi2_fs::zisofs::header_and_table(data.len() as u32, 15, &lens);
    blocks.iter().for_each(|b| file.extend_from_slice(b));
    write(&d, "zisofs-file", &file);
    let dot_len = usize::from(rs[0]);
    write(&d, "dot-system-use", &rs[34..dot_len]);
    let cat = u32::from_le_bytes(
        iso[17 * SECTOR + 0x47..17 * SECTOR + 0x4B]
            .try_into()
            .unwrap(),
    );
    write(&d, "boot-catalog", &sector(&iso, cat as usize));
    for (name, img) in [("udf102", &udf102), ("udf250", &udf250)] {
        write(&d, &format!("{name}-avdp"), &sector(img, 256));
        let main = u32::from_le_bytes(
            img[256 * SECTOR + 20..256 * SECTOR + 24]
                .try_into()
                .unwrap(),
        );
        let mut seq = (main as u32).to_le_bytes().to_vec();
        seq.extend_from_slice(&img[main as usize * SECTOR..(main as usize + 8) * SECTOR]);
        write(&d, &format!("{name}-vds"), &seq);
        // Every tagged file structure after the anchor: FSD, FE/EFE, FIDs, LVID.
        let mut taken = std::collections::HashMap::new();
        for s in 257..img.len() / SECTOR {
            let id = u16::from_le_bytes([img[s * SECTOR], img[s * SECTOR + 1]]);
            let n = taken.entry(id).or_insert(0);
            *n += 1;
            if matches!(id, 9 | 256 | 257 | 261 | 266) && img[s * SECTOR + 4] != 0 && *n <= 3 {
                write(&d, &format!("{name}-tag{id}-{s}"), &sector(img, s));
            }
        }
    }
    let mut total = 0;
    for t in ["iso_reader", "udf_reader", "decoders"] {
        for e in fs::read_dir(corpus.join(t)).unwrap() {
            total += e.unwrap().metadata().unwrap().len();
        }
    }
    println!("seeds written to {} ({} bytes)", corpus.display(), total);
}
