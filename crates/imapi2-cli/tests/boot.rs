//! Bootable images: El Torito entries and hybrid images, checked by what
//! xorriso and dumpet report, and by real boots under QEMU (SeaBIOS and OVMF)
//! from a CD-ROM and from a hard disk.
//!
//! Boot payloads: a tiny boot sector this test writes itself, isolinux (from
//! Debian's isolinux and syslinux-common), and a GRUB EFI image made with
//! grub-mkstandalone (grub-efi-amd64-bin) in a FAT image (dosfstools, mtools).

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use common::*;

const TOOLS: &[&str] = &[
    "qemu-system-x86_64",
    "xorriso",
    "dumpet",
    "7z",
    "grub-mkstandalone",
    "mkfs.vfat",
    "mcopy",
    "mmd",
    "python3",
];

const MARKER: &str = "IMAPI2-MARKER-read-from-the-iso";

fn marker_tree(root: &Path) {
    write(
        &root.join("imapi2-marker.txt"),
        format!("{MARKER}\n").as_bytes(),
        0o644,
    );
    write(&root.join("docs/readme.txt"), b"a bootable image\n", 0o644);
}

/// isolinux set up to print the marker file, read through its ISO 9660 driver.
fn isolinux_tree(root: &Path) {
    marker_tree(root);
    let dir = root.join("isolinux");
    fs::create_dir_all(&dir).unwrap();
    fs::copy("/usr/lib/ISOLINUX/isolinux.bin", dir.join("isolinux.bin"))
        .expect("isolinux (package isolinux)");
    for m in ["ldlinux.c32", "libcom32.c32", "libutil.c32", "cat.c32"] {
        fs::copy(format!("/usr/lib/syslinux/modules/bios/{m}"), dir.join(m))
            .expect("syslinux modules (package syslinux-common)");
    }
    write(
        &dir.join("isolinux.cfg"),
        b"SERIAL 0 115200\nPROMPT 0\nTIMEOUT 1\nDEFAULT cat\nLABEL cat\n  COM32 cat.c32\n  APPEND /imapi2-marker.txt\n",
        0o644,
    );
}

/// A FAT image with GRUB as \EFI\BOOT\BOOTX64.EFI; GRUB finds the ISO 9660
/// volume by the marker file and prints it. Built once per test run.
fn grub_efi_image() -> &'static Path {
    static IMG: OnceLock<PathBuf> = OnceLock::new();
    IMG.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("imapi2-grub-efi-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let cfg = dir.join("embed.cfg");
        fs::write(
            &cfg,
            "serial --unit=0 --speed=115200\nterminal_output serial\necho IMAPI2-UEFI-GRUB\n\
             search --no-floppy --file /imapi2-marker.txt --set=root\ncat ($root)/imapi2-marker.txt\nhalt\n",
        )
        .unwrap();
        let efi = dir.join("BOOTX64.EFI");
        run_ok(
            Command::new("grub-mkstandalone")
                .args(["-O", "x86_64-efi"])
                .arg("--modules=part_gpt part_msdos fat iso9660 search search_fs_file serial terminal echo cat halt test normal configfile")
                .args(["--locales=", "--fonts=", "--themes="])
                .arg("-o")
                .arg(&efi)
                .arg(format!("boot/grub/grub.cfg={}", cfg.display())),
        );
        let img = dir.join("efiboot.img");
        let kib = fs::metadata(&efi).unwrap().len() / 1024 + 256;
        run_ok(
            Command::new("mkfs.vfat")
                .args(["-C", "-n", "EFIBOOT", "-i", "1234abcd"])
                .arg(&img)
                .arg(kib.to_string()),
        );
        run_ok(Command::new("mmd").arg("-i").arg(&img).args(["::/EFI", "::/EFI/BOOT"]));
        run_ok(
            Command::new("mcopy")
                .arg("-i")
                .arg(&img)
                .arg(&efi)
                .arg("::/EFI/BOOT/BOOTX64.EFI"),
        );
        img
    })
}

fn mk(src: &Path, out: &Path, args: &[String]) {
    let o = imapi2()
        .arg("mkimage")
        .arg("-q")
        .arg("-o")
        .arg(out)
        .args(args)
        .arg(src)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "mkimage {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// `xorriso -report_el_torito plain` lines "El Torito boot img : N PLTF B EMUL LDSEG HDPT LDSIZ LBA".
/// xorriso's warnings fail the check, except its note that a hidden boot
/// image's size cannot be figured out (IMAPI keeps boot images out of the tree).
fn xorriso_boot_images(img: &Path) -> Vec<Vec<String>> {
    let o = Command::new("xorriso")
        .args(["-abort_on", "NEVER", "-report_about", "WARNING", "-indev"])
        .arg(img)
        .args(["-report_el_torito", "plain"])
        .output()
        .unwrap();
    assert!(o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    for l in err
        .lines()
        .filter(|l| l.contains("WARNING") || l.contains("FAILURE") || l.contains("SORRY"))
    {
        assert!(l.contains("Found hidden El-Torito image"), "xorriso: {l}");
    }
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    out.lines()
        .filter_map(|l| l.strip_prefix("El Torito boot img :"))
        .map(|l| l.split_whitespace().map(str::to_string).collect())
        .collect()
}

fn xorriso_system_area(img: &Path) -> String {
    run_ok(
        Command::new("xorriso")
            .args([
                "-abort_on",
                "NEVER",
                "-return_with",
                "WARNING",
                "32",
                "-indev",
            ])
            .arg(img)
            .args(["-report_system_area", "plain"]),
    )
}

fn dumpet_ok(img: &Path) -> String {
    let o = Command::new("dumpet").arg("-i").arg(img).output().unwrap();
    let text = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        o.status.success() && o.stderr.is_empty(),
        "dumpet: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(text.contains("Key bytes: 0x55aa"), "{text}");
    text
}

#[test]
fn bios_cdrom_boots_without_emulation_and_with_floppy_emulation() {
    if !require_tools(TOOLS) {
        return;
    }
    let work = scratch();
    let src = work.path().join("src");
    marker_tree(&src);
    // The boot images are files of the tree: the catalog points at them.
    let sector = tiny_boot_sector("IMAPI2-TINY-NOEMUL\r\n");
    let noemul = src.join("boot/noemul.bin");
    write(&noemul, &sector, 0o644);
    let img = work.path().join("noemul.iso");
    mk(
        &src,
        &img,
        &[format!("--boot=bios={},load-size=1", noemul.display())],
    );
    let imgs = xorriso_boot_images(&img);
    assert_eq!(imgs.len(), 1);
    // N PLTF B EMUL LDSEG HDPT LDSIZ LBA
    assert_eq!(
        &imgs[0][..7],
        &["1", "BIOS", "y", "none", "0x0000", "0x00", "1"]
    );
    dumpet_ok(&img);
    boot(
        &img,
        Firmware::Bios,
        Medium::Cdrom,
        "IMAPI2-TINY-NOEMUL",
        60,
    );

    // A 1.44 MB image is a floppy by its size alone.
    let mut floppy = tiny_boot_sector("IMAPI2-TINY-FLOPPY\r\n");
    floppy.resize(1_474_560, 0);
    let fl = src.join("boot/floppy.img");
    write(&fl, &floppy, 0o644);
    let img2 = work.path().join("floppy.iso");
    mk(&src, &img2, &[format!("--boot=bios={}", fl.display())]);
    let imgs = xorriso_boot_images(&img2);
    assert_eq!(&imgs[0][1..4], &["BIOS", "y", "fd1.4"]);
    boot(
        &img2,
        Firmware::Bios,
        Medium::Cdrom,
        "IMAPI2-TINY-FLOPPY",
        60,
    );
}

#[test]
fn isolinux_boots_from_cdrom_with_a_boot_info_table() {
    if !require_tools(TOOLS) {
        return;
    }
    let work = scratch();
    let src = work.path().join("src");
    isolinux_tree(&src);
    let img = work.path().join("isolinux.iso");
    let bin = src.join("isolinux/isolinux.bin");
    mk(
        &src,
        &img,
        &[
            format!("--boot=bios={},load-size=4,boot-info-table", bin.display()),
            "--boot-catalog=/isolinux/boot.cat".into(),
        ],
    );
    let report = run_ok(
        Command::new("xorriso")
            .args([
                "-abort_on",
                "NEVER",
                "-return_with",
                "WARNING",
                "32",
                "-indev",
            ])
            .arg(&img)
            .args(["-report_el_torito", "plain"]),
    );
    assert!(
        report.contains("El Torito cat path : /isolinux/boot.cat"),
        "{report}"
    );
    assert!(report.contains("boot-info-table"), "{report}");
    dumpet_ok(&img);
    boot(&img, Firmware::Bios, Medium::Cdrom, MARKER, 60);
}

#[test]
fn uefi_boots_from_cdrom() {
    if !require_tools(TOOLS) {
        return;
    }
    let work = scratch();
    let src = work.path().join("src");
    marker_tree(&src);
    // The EFI image stays outside the tree: a hidden boot image, as IMAPI
    // places them. (libisofs warns that it cannot tell the size of hidden
    // images; it reads them all the same.)
    let img = work.path().join("uefi.iso");
    mk(
        &src,
        &img,
        &[format!("--boot=efi={}", grub_efi_image().display())],
    );
    let imgs = xorriso_boot_images(&img);
    assert_eq!(&imgs[0][1..4], &["UEFI", "y", "none"]);
    dumpet_ok(&img);
    let out = boot(&img, Firmware::Uefi, Medium::Cdrom, MARKER, 180);
    assert!(out.contains("IMAPI2-UEFI-GRUB"));
}

/// One image with a BIOS and a UEFI entry, made hybrid: it boots from a CD
/// with either firmware, and from a disk (a USB stick) with either.
#[test]
fn hybrid_image_boots_bios_and_uefi_from_cdrom_and_disk() {
    if !require_tools(TOOLS) {
        return;
    }
    let work = scratch();
    let src = work.path().join("src");
    isolinux_tree(&src);
    let img = work.path().join("hybrid.iso");
    let bin = src.join("isolinux/isolinux.bin");
    let efi = src.join("efiboot.img");
    fs::copy(grub_efi_image(), &efi).unwrap();
    mk(
        &src,
        &img,
        &[
            format!("--boot=bios={},load-size=4,boot-info-table", bin.display()),
            format!("--boot=efi={}", efi.display()),
            "--hybrid".into(),
        ],
    );
    // What xorriso reads back matches what was asked for.
    let imgs = xorriso_boot_images(&img);
    assert_eq!(imgs.len(), 2);
    assert_eq!(
        &imgs[0][1..7],
        &["BIOS", "y", "none", "0x0000", "0x00", "4"]
    );
    assert_eq!(&imgs[1][1..4], &["UEFI", "y", "none"]);
    let efi_lba: u64 = imgs[1][7].parse().unwrap();
    let efi_sectors = fs::metadata(grub_efi_image()).unwrap().len().div_ceil(512);
    let area = xorriso_system_area(&img);
    assert!(area.contains("MBR isohybrid"), "{area}");
    assert!(area.contains("GPT"), "{area}");
    let size = fs::metadata(&img).unwrap().len();
    assert_eq!(size % (1 << 20), 0);
    let mbr_line = |n: &str| {
        area.lines()
            .find(|l| {
                l.starts_with("MBR partition      :") && l.split_whitespace().nth(3) == Some(n)
            })
            .unwrap_or_else(|| panic!("no MBR partition {n}:\n{area}"))
            .split_whitespace()
            .skip(4)
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert_eq!(mbr_line("1"), format!("0x80 0x00 0 {}", size / 512));
    assert_eq!(
        mbr_line("2"),
        format!("0x00 0xef {} {}", efi_lba * 4, efi_sectors)
    );
    let gpt = area
        .lines()
        .find(|l| l.starts_with("GPT start and size :"))
        .unwrap_or_else(|| panic!("{area}"));
    assert_eq!(
        gpt.split_whitespace().skip(5).collect::<Vec<_>>(),
        ["1", &(efi_lba * 4).to_string(), &efi_sectors.to_string()]
    );
    assert!(
        area.contains("c12a7328f81f11d2ba4b00a0c93ec93b")
            || area
                .to_lowercase()
                .contains("28732ac11ff8d211ba4b00a0c93ec93b"),
        "ESP type:\n{area}"
    );
    dumpet_ok(&img);
    let seven = run_ok(Command::new(tool("7z")).args(["l"]).arg(&img));
    assert!(seven.contains("[BOOT]"), "{seven}");
    // The ISO 9660 views are still sound.
    structure_checks(&img);

    boot(&img, Firmware::Bios, Medium::Cdrom, MARKER, 60);
    boot(&img, Firmware::Bios, Medium::Disk, MARKER, 60);
    boot(&img, Firmware::Uefi, Medium::Cdrom, MARKER, 180);
    boot(&img, Firmware::Uefi, Medium::Disk, MARKER, 180);
}

#[test]
fn boot_images_are_reproducible() {
    let work = scratch();
    let src = work.path().join("src");
    marker_tree(&src);
    let sector = work.path().join("b.bin");
    fs::write(&sector, tiny_boot_sector("X")).unwrap();
    let build = |name: &str| {
        let out = work.path().join(name);
        let o = imapi2()
            .env("SOURCE_DATE_EPOCH", "1700000000")
            .args(["mkimage", "-q", "--hybrid", "-o"])
            .arg(&out)
            .arg(format!("--boot=bios={}", sector.display()))
            .arg(format!("--boot=efi={}", sector.display()))
            .arg(&src)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        fs::read(out).unwrap()
    };
    let a = build("a.iso");
    let b = build("b.iso");
    assert!(a == b, "hybrid boot images differ between runs");
    // The disk signature and GUIDs are not zero.
    assert_ne!(&a[440..444], &[0, 0, 0, 0]);
    assert_eq!(&a[512..520], b"EFI PART");
}
