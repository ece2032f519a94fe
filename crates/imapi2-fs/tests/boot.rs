//! El Torito and hybrid boot, read back with this crate's own decoders.

mod common;
use common::*;

use std::io::Read;

use imapi2_fs::ecma119::{DirectoryRecord, VolumeDescriptor, SECTOR};
use imapi2_fs::eltorito::{decode_catalog, BootInfoTable, BootRecord};
use imapi2_fs::system_area::{crc32, GptHeader, GptPartition, Guid, Mbr, DISK_SECTOR};
use imapi2_fs::{
    BootCatalog, BootOptions, DataSource, Emulation, Error, FileSystemImage, FileTime, Hybrid,
    PlatformId,
};

fn boot_image(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(seed).wrapping_add(7))
        .collect()
}

fn entry(data: Vec<u8>, platform: PlatformId) -> BootOptions {
    let mut b = BootOptions::new();
    b.assign_boot_image(DataSource::Bytes(data.into())).unwrap();
    b.set_platform_id(platform);
    b
}

fn sector(img: &[u8], lba: u32) -> &[u8] {
    &img[lba as usize * SECTOR..(lba as usize + 1) * SECTOR]
}

#[test]
fn bios_and_efi_entries_in_catalog_order() {
    let mut img = FileSystemImage::new();
    let root = img.root();
    img.add_file(root, "readme", DataSource::Bytes(b"hi"[..].into()))
        .unwrap();
    let bios = boot_image(4096, 3);
    let efi = boot_image(10_000, 5);
    let mut b = entry(bios.clone(), PlatformId::X86);
    b.set_manufacturer("IMAPI2 TEST").unwrap();
    b.set_sector_count(4).unwrap();
    let e = entry(efi.clone(), PlatformId::EFI);
    img.set_boot_image_options_array(vec![b, e]).unwrap();
    let data = image_bytes(&img);

    // Block 17 is the boot record; the catalog it names lists both images.
    let br = BootRecord::decode(sector(&data, 17)).unwrap();
    let cat = decode_catalog(sector(&data, br.catalog_lba)).unwrap();
    assert_eq!(cat.len(), 2);
    assert_eq!(cat[0].platform, PlatformId::X86);
    assert_eq!(cat[0].id, b"IMAPI2 TEST");
    assert_eq!(cat[0].entry.sector_count, 4);
    assert_eq!(cat[0].entry.emulation, Emulation::None);
    assert_eq!(cat[1].platform, PlatformId::EFI);
    assert_eq!(
        cat[1].entry.sector_count, 20,
        "whole image in 512-byte sectors, rounded to 4"
    );
    let at = |e: &imapi2_fs::eltorito::CatalogEntry| e.entry.load_rba as usize * SECTOR;
    assert_eq!(&data[at(&cat[0])..at(&cat[0]) + bios.len()], &bios[..]);
    assert_eq!(&data[at(&cat[1])..at(&cat[1]) + efi.len()], &efi[..]);
    // The Joliet descriptor moved to block 18, the terminator to 19.
    assert!(VolumeDescriptor::decode(sector(&data, 18))
        .unwrap()
        .is_joliet());
    assert_eq!(sector(&data, 19)[0], 255);
    // The catalog is in no directory.
    let pvd = VolumeDescriptor::decode(sector(&data, 16)).unwrap();
    let root_rec = DirectoryRecord::decode(&pvd.root_record).unwrap();
    let dir = sector(&data, root_rec.extent);
    let mut off = 0;
    let mut names = Vec::new();
    while dir[off] != 0 {
        let r = DirectoryRecord::decode(&dir[off..]).unwrap();
        names.push(r.identifier.to_vec());
        off += dir[off] as usize;
    }
    assert_eq!(names.len(), 3, "., .. and readme only");
}

#[test]
fn boot_info_table_is_patched_into_the_written_image_only() {
    let mut img = FileSystemImage::new();
    let src = boot_image(6000, 11);
    let mut b = entry(src.clone(), PlatformId::X86);
    b.set_boot_info_table(true).unwrap();
    img.set_boot_image_options(Some(b)).unwrap();
    let data = image_bytes(&img);
    let cat = decode_catalog(sector(
        &data,
        BootRecord::decode(sector(&data, 17)).unwrap().catalog_lba,
    ))
    .unwrap();
    let lba = cat[0].entry.load_rba;
    let written = &data[lba as usize * SECTOR..lba as usize * SECTOR + src.len()];
    let table = BootInfoTable::decode(&written[8..64]).unwrap();
    assert_eq!(table.pvd_lba, 16);
    assert_eq!(table.file_lba, lba);
    assert_eq!(table.file_length, 6000);
    assert_eq!(table, BootInfoTable::for_image(&src, 16, lba));
    assert_eq!(&written[24..64], &[0u8; 40][..]);
    assert_eq!(&written[..8], &src[..8]);
    assert_eq!(&written[64..], &src[64..]);
}

#[test]
fn floppy_emulation_follows_the_image_size() {
    let mut b = BootOptions::new();
    b.assign_boot_image(DataSource::Bytes(vec![0u8; 1_228_800].into()))
        .unwrap();
    assert_eq!(b.emulation(), Emulation::Floppy12);
    assert_eq!(b.sector_count(), 1);
    let e = b.set_emulation(Emulation::Floppy144).unwrap_err();
    assert_eq!(e.imapi_code(), Some(0xC0AA_B14A), "{e}");
    b.set_emulation(Emulation::None).unwrap();
    assert_eq!(b.sector_count(), 2400);
    let mut small = BootOptions::new();
    small
        .assign_boot_image(DataSource::Bytes(vec![1u8; 100].into()))
        .unwrap();
    assert_eq!(small.emulation(), Emulation::None);
    assert!(small.set_manufacturer(&"x".repeat(25)).is_err());
    assert!(small.set_manufacturer("Grüße").is_err());
    let e = BootOptions::new()
        .assign_boot_image(DataSource::Bytes(Vec::new().into()))
        .unwrap_err();
    assert_eq!(e.imapi_code(), Some(0xC0AA_B148));
}

#[test]
fn hard_disk_emulation_takes_the_partition_type() {
    let mut disk = vec![0u8; 512 * 8];
    disk[446 + 4] = 0x0C; // FAT32 LBA
    disk[510] = 0x55;
    disk[511] = 0xAA;
    let mut b = entry(disk, PlatformId::X86);
    b.set_emulation(Emulation::HardDisk).unwrap();
    let mut img = FileSystemImage::new();
    img.set_boot_image_options(Some(b)).unwrap();
    let data = image_bytes(&img);
    let cat = decode_catalog(sector(
        &data,
        BootRecord::decode(sector(&data, 17)).unwrap().catalog_lba,
    ))
    .unwrap();
    assert_eq!(cat[0].entry.emulation, Emulation::HardDisk);
    assert_eq!(cat[0].entry.system_type, 0x0C);
    assert_eq!(cat[0].entry.sector_count, 1);
    // Without an MBR the entry is refused when the result is made.
    let mut bad = entry(vec![0u8; 1024], PlatformId::X86);
    bad.set_emulation(Emulation::HardDisk).unwrap();
    img.set_boot_image_options(Some(bad)).unwrap();
    let e = img.create_result_image().err().unwrap();
    assert_eq!(e.imapi_code(), Some(0xC0AA_B148), "{e}");
}

#[test]
fn limits_and_conflicts() {
    let mut img = FileSystemImage::new();
    let many: Vec<BootOptions> = (0..33)
        .map(|i| entry(vec![i as u8; 512], PlatformId::X86))
        .collect();
    assert!(img
        .set_boot_image_options_array(many[..33].to_vec())
        .is_err());
    img.set_boot_image_options_array(many[..32].to_vec())
        .unwrap();
    assert_eq!(image_bytes(&img).len() % SECTOR, 0);
    let e = img.set_session_start_block(500).unwrap_err();
    assert!(matches!(e, Error::BootObjectConflict { .. }), "{e}");
    img.set_boot_image_options(None).unwrap();
    img.set_session_start_block(500).unwrap();
    let e = img
        .set_boot_image_options(Some(entry(vec![1; 512], PlatformId::X86)))
        .unwrap_err();
    assert_eq!(e.imapi_code(), Some(0xC0AA_B149));
}

#[test]
fn a_visible_catalog_is_a_file_holding_the_catalog() {
    let mut img = FileSystemImage::new();
    let root = img.root();
    img.add_directory(root, "isolinux").unwrap();
    img.set_boot_image_options(Some(entry(vec![9; 2048], PlatformId::X86)))
        .unwrap();
    img.set_boot_catalog(BootCatalog::Path("/isolinux/boot.cat".into()))
        .unwrap();
    let r = img.create_result_image().unwrap();
    let mut data = Vec::new();
    r.image_stream().read_to_end(&mut data).unwrap();
    let catalog_lba = BootRecord::decode(sector(&data, 17)).unwrap().catalog_lba;
    // Walk to /ISOLINUX/BOOT.CAT;1 and check its extent.
    let pvd = VolumeDescriptor::decode(sector(&data, 16)).unwrap();
    let find = |dir_lba: u32, name: &[u8]| -> DirectoryRecord<'static> {
        let leaked: &'static [u8] = Box::leak(sector(&data, dir_lba).to_vec().into_boxed_slice());
        let mut off = 0;
        while leaked[off] != 0 {
            let rec = DirectoryRecord::decode(&leaked[off..]).unwrap();
            if rec.identifier == name {
                return rec;
            }
            off += leaked[off] as usize;
        }
        panic!("{} not found", String::from_utf8_lossy(name));
    };
    let root_rec = DirectoryRecord::decode(&pvd.root_record).unwrap();
    let dir = find(root_rec.extent, b"ISOLINUX");
    let cat = find(dir.extent, b"BOOT.CAT;1");
    assert_eq!(cat.extent, catalog_lba);
    assert_eq!(cat.data_length, 2048);
    // The image's own tree is unchanged.
    assert_eq!(
        img.exists("/isolinux/boot.cat"),
        imapi2_fs::ItemType::NotFound
    );
    // A missing directory is an error naming the path.
    img.set_boot_catalog(BootCatalog::Path("/nope/boot.cat".into()))
        .unwrap();
    let e = img.create_result_image().err().unwrap();
    assert!(e.to_string().contains("/nope/boot.cat"), "{e}");
}

#[test]
fn hybrid_mbr_and_gpt_point_at_the_boot_images() {
    let mut img = FileSystemImage::new();
    img.set_fixed_time(Some(FileTime::from_unix_seconds(1_700_000_000)));
    img.set_volume_name("HYBRID").unwrap();
    let bios = entry(boot_image(2048, 1), PlatformId::X86);
    let efi = entry(boot_image(100_000, 2), PlatformId::EFI);
    img.set_boot_image_options_array(vec![bios, efi]).unwrap();
    img.set_hybrid(Some(Hybrid {
        mbr_code: Some(vec![0xFA, 0xEB, 0xFE]),
        gpt: true,
    }));
    let data = image_bytes(&img);
    assert_eq!(data.len() % (1 << 20), 0, "padded to whole MiB");
    let sectors = (data.len() / DISK_SECTOR) as u64;
    let cat = decode_catalog(sector(
        &data,
        BootRecord::decode(sector(&data, 17)).unwrap().catalog_lba,
    ))
    .unwrap();
    let mbr = Mbr::decode(&data[..512]).unwrap();
    assert_eq!(&mbr.code[..3], &[0xFA, 0xEB, 0xFE]);
    assert_eq!(mbr.boot_image_sector, u64::from(cat[0].entry.load_rba) * 4);
    assert!(mbr.partitions[0].bootable);
    assert_eq!(u64::from(mbr.partitions[0].sectors), sectors);
    assert_eq!(mbr.partitions[1].kind, 0xEF);
    assert_eq!(mbr.partitions[1].start, cat[1].entry.load_rba * 4);
    assert_eq!(mbr.partitions[1].sectors, 100_000u32.div_ceil(512));
    // Primary and backup GPT agree and expose the EFI image.
    let primary = GptHeader::decode(&data[512..1024]).unwrap();
    let backup = GptHeader::decode(&data[data.len() - 512..]).unwrap();
    assert_eq!(primary.my_lba, 1);
    assert_eq!(primary.alternate_lba, sectors - 1);
    assert_eq!(backup.my_lba, sectors - 1);
    assert_eq!(backup.alternate_lba, 1);
    assert_eq!(primary.disk_guid, backup.disk_guid);
    let arr = |lba: u64| &data[lba as usize * 512..lba as usize * 512 + 16384];
    assert_eq!(crc32(arr(primary.entries_lba)), primary.entries_crc);
    assert_eq!(arr(primary.entries_lba), arr(backup.entries_lba));
    let esp = GptPartition::decode(&arr(primary.entries_lba)[..128]).unwrap();
    assert_eq!(esp.kind, Guid::EFI_SYSTEM);
    assert_eq!(esp.first, u64::from(mbr.partitions[1].start));
    assert!(primary.first_usable <= esp.first && esp.last <= primary.last_usable);
    // The PVD counts the padding.
    let pvd = VolumeDescriptor::decode(sector(&data, 16)).unwrap();
    assert_eq!(u64::from(pvd.volume_space_size) * 4, sectors);
    // Reproducible: same inputs, same identifiers.
    assert_eq!(image_bytes(&img), data);
    // MBR code without a BIOS image to start is refused.
    img.set_boot_image_options_array(vec![entry(boot_image(512, 3), PlatformId::EFI)])
        .unwrap();
    let e = img.create_result_image().err().unwrap();
    assert_eq!(e.imapi_code(), Some(0xC0AA_B148), "{e}");
}

#[test]
fn a_boot_image_in_the_tree_shares_its_extent() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir_all(src.join("isolinux")).unwrap();
    let loader = boot_image(5000, 13);
    let bin = src.join("isolinux/isolinux.bin");
    std::fs::write(&bin, &loader).unwrap();
    let mut img = FileSystemImage::new();
    let root = img.root();
    img.add_tree(root, &src, false).unwrap();
    let mut b = BootOptions::new();
    b.assign_boot_image(DataSource::Path(bin.clone())).unwrap();
    b.set_boot_info_table(true).unwrap();
    img.set_boot_image_options(Some(b)).unwrap();
    let r = img.create_result_image().unwrap();
    let mut data = Vec::new();
    r.image_stream().read_to_end(&mut data).unwrap();
    let cat = decode_catalog(sector(
        &data,
        BootRecord::decode(sector(&data, 17)).unwrap().catalog_lba,
    ))
    .unwrap();
    let lba = cat[0].entry.load_rba;
    // The file's progress item is the boot image's extent: one copy only.
    let item = r
        .progress_items()
        .from_description("/isolinux/isolinux.bin")
        .unwrap();
    assert_eq!(item.first_block, lba);
    assert_eq!(r.progress_items().count(), 1);
    // As in mkisofs, the file reads as the patched image.
    let written = &data[lba as usize * SECTOR..lba as usize * SECTOR + loader.len()];
    assert_eq!(
        BootInfoTable::decode(&written[8..]).unwrap(),
        BootInfoTable::for_image(&loader, 16, lba)
    );
    assert_eq!(&written[64..], &loader[64..]);
    // The fast writer agrees with the stream.
    let out = dir.path().join("o.iso");
    r.write_to_path(&out).unwrap();
    assert!(std::fs::read(&out).unwrap() == data);
}
