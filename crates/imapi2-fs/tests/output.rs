//! Where `write_to_path` puts an image, and what a failed, cancelled or
//! misdirected write leaves: the previous file, never a partial one, never
//! a source overwritten, devices and pipes written as they are.

use std::fs;
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;

use imapi2_fs::{BootOptions, DataSource, Error, FileSystemImage, ImageResult};

fn tmp() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("imapi2-fs-out.")
        .tempdir()
        .unwrap()
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn stream_bytes(r: &ImageResult) -> Vec<u8> {
    let mut v = Vec::new();
    r.image_stream().read_to_end(&mut v).unwrap();
    v
}

/// An image of one host file of `size` bytes (a hole of that size when
/// `sparse`).
fn host_image(dir: &Path, size: u64, sparse: bool) -> (FileSystemImage, PathBuf) {
    let f = dir.join("data.bin");
    if sparse {
        fs::File::create(&f).unwrap().set_len(size).unwrap();
    } else {
        fs::write(&f, vec![0x33u8; size as usize]).unwrap();
    }
    let mut img = FileSystemImage::new();
    let root = img.root();
    img.add_host_file(root, "data.bin", &f).unwrap();
    (img, f)
}

#[test]
fn a_failed_write_keeps_the_file_it_would_replace_and_leaves_nothing() {
    for size in [100u64, 3 << 20] {
        let dir = tmp();
        let (img, src) = host_image(dir.path(), size, false);
        let result = img.create_result_image().unwrap();
        let out = dir.path().join("out.iso");
        fs::write(&out, b"the previous image").unwrap();
        fs::write(&src, vec![1u8; size as usize + 1]).unwrap();
        let e = result.write_to_path(&out).unwrap_err();
        assert!(matches!(e, Error::DataStreamInconsistency { .. }), "{e}");
        assert_eq!(fs::read(&out).unwrap(), b"the previous image");
        assert_eq!(names(dir.path()), ["data.bin", "out.iso"], "{size}");
    }
}

#[test]
fn a_cancelled_write_keeps_the_previous_file() {
    let dir = tmp();
    let (img, _) = host_image(dir.path(), 5 << 20, false);
    let mut result = img.create_result_image().unwrap();
    let out = dir.path().join("out.iso");
    fs::write(&out, b"old").unwrap();
    result.set_progress(|p| p.copied_sectors < 100);
    let e = result.write_to_path(&out).unwrap_err();
    assert!(matches!(e, Error::Cancelled), "{e}");
    assert_eq!(fs::read(&out).unwrap(), b"old");
    assert_eq!(names(dir.path()), ["data.bin", "out.iso"]);
    // A cancel before the first byte: nothing is made at all.
    result.set_progress(|_| false);
    let fresh = dir.path().join("fresh.iso");
    assert!(matches!(
        result.write_to_path(&fresh),
        Err(Error::Cancelled)
    ));
    assert_eq!(names(dir.path()), ["data.bin", "out.iso"]);
}

#[test]
fn a_replaced_file_keeps_its_mode_and_links_keep_pointing() {
    let dir = tmp();
    let (img, _) = host_image(dir.path(), 10_000, false);
    let result = img.create_result_image().unwrap();
    let image = stream_bytes(&result);

    let real = dir.path().join("real.iso");
    fs::write(&real, b"old").unwrap();
    fs::set_permissions(&real, fs::Permissions::from_mode(0o640)).unwrap();
    let sub = dir.path().join("sub");
    fs::create_dir(&sub).unwrap();
    // A chain of relative links from another folder.
    std::os::unix::fs::symlink("../real.iso", sub.join("one")).unwrap();
    std::os::unix::fs::symlink("one", sub.join("two")).unwrap();
    result.write_to_path(sub.join("two")).unwrap();
    assert!(fs::symlink_metadata(sub.join("two"))
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(fs::symlink_metadata(sub.join("one"))
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(fs::read(&real).unwrap() == image);
    assert_eq!(fs::metadata(&real).unwrap().mode() & 0o7777, 0o640);
    assert_eq!(names(dir.path()), ["data.bin", "real.iso", "sub"]);
    assert_eq!(names(&sub), ["one", "two"]);

    // A dangling link: its target is created, the link stays.
    std::os::unix::fs::symlink("made.iso", dir.path().join("dangling")).unwrap();
    result.write_to_path(dir.path().join("dangling")).unwrap();
    assert!(fs::read(dir.path().join("made.iso")).unwrap() == image);
    assert!(fs::symlink_metadata(dir.path().join("dangling"))
        .unwrap()
        .file_type()
        .is_symlink());

    // A folder is not an output.
    let e = result.write_to_path(&sub).unwrap_err();
    assert!(e.to_string().contains("directory"), "{e}");
    assert_eq!(names(&sub), ["one", "two"]);
}

#[test]
fn an_output_that_is_a_source_is_refused_before_it_is_touched() {
    let dir = tmp();
    let src = dir.path().join("src");
    fs::create_dir_all(src.join("d")).unwrap();
    fs::write(src.join("d/f.bin"), vec![5u8; 70_000]).unwrap();
    fs::write(src.join("empty"), b"").unwrap();
    let mut img = FileSystemImage::new();
    let root = img.root();
    img.add_tree(root, &src, false).unwrap();
    let result = img.create_result_image().unwrap();

    // A file of the tree, and a hard link to it.
    let e = result.write_to_path(src.join("d/f.bin")).unwrap_err();
    assert!(matches!(e, Error::OutputIsSource { .. }), "{e}");
    let twin = dir.path().join("twin.iso");
    fs::hard_link(src.join("d/f.bin"), &twin).unwrap();
    let e = result.write_to_path(&twin).unwrap_err();
    assert!(e.to_string().contains("f.bin") && e.to_string().contains("twin.iso"));
    assert_eq!(fs::read(&twin).unwrap(), vec![5u8; 70_000]);
    // An empty source is one too (the rename would replace it).
    let e = result.write_to_path(src.join("empty")).unwrap_err();
    assert!(matches!(e, Error::OutputIsSource { .. }), "{e}");
    // Appending to it is refused as well.
    let e = result.append_to_path(&twin).unwrap_err();
    assert!(matches!(e, Error::OutputIsSource { .. }), "{e}");
    assert_eq!(fs::read(&twin).unwrap(), vec![5u8; 70_000]);
    assert_eq!(names(dir.path()), ["src", "twin.iso"]);

    // A file removed from the tree is no longer a source.
    img.remove(root, "d/f.bin").unwrap();
    let result = img.create_result_image().unwrap();
    result.write_to_path(&twin).unwrap();
    assert_eq!(fs::read(src.join("d/f.bin")).unwrap(), vec![5u8; 70_000]);

    // A boot image outside the tree is a source.
    let boot = dir.path().join("boot.img");
    fs::write(&boot, vec![0xEBu8; 4096]).unwrap();
    let mut img = FileSystemImage::new();
    let mut b = BootOptions::new();
    b.assign_boot_image(DataSource::Path(boot.clone())).unwrap();
    img.set_boot_image_options_array(vec![b]).unwrap();
    let result = img.create_result_image().unwrap();
    let e = result.write_to_path(&boot).unwrap_err();
    assert!(matches!(e, Error::OutputIsSource { .. }), "{e}");
    assert_eq!(fs::read(&boot).unwrap(), vec![0xEBu8; 4096]);
}

/// Reads what a FIFO receives on a thread.
fn fifo_reader(path: &Path) -> std::thread::JoinHandle<Vec<u8>> {
    let p = path.to_path_buf();
    std::thread::spawn(move || {
        let mut v = Vec::new();
        fs::File::open(p).unwrap().read_to_end(&mut v).unwrap();
        v
    })
}

#[test]
fn a_fifo_gets_the_image_as_a_stream_zeros_and_all() {
    let dir = tmp();
    // A sparse source of 4 MiB and an image padded with zero runs.
    let (img, _) = host_image(dir.path(), 4 << 20, true);
    let result = img.create_result_image().unwrap();
    let fifo = dir.path().join("pipe");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let reader = fifo_reader(&fifo);
    result.write_to_path(&fifo).unwrap();
    let got = reader.join().unwrap();
    assert_eq!(got.len() as u64, result.total_bytes());
    assert!(got == stream_bytes(&result));
    assert!(fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
    assert_eq!(names(dir.path()), ["data.bin", "pipe"]);
}

fn is_root() -> bool {
    fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// A loop device over `backing`, detached on drop.
struct Loop(PathBuf);

impl Loop {
    fn new(backing: &Path) -> Option<Loop> {
        let out = Command::new("losetup")
            .args(["-f", "--show"])
            .arg(backing)
            .output()
            .ok()?;
        if !out.status.success() {
            eprintln!("losetup: {}", String::from_utf8_lossy(&out.stderr));
            return None;
        }
        Some(Loop(PathBuf::from(
            String::from_utf8_lossy(&out.stdout).trim(),
        )))
    }
}

impl Drop for Loop {
    fn drop(&mut self) {
        let _ = Command::new("losetup").arg("-d").arg(&self.0).status();
    }
}

#[test]
fn a_block_device_is_written_in_place_checked_first_and_never_removed() {
    if !is_root() {
        eprintln!("loop devices need root; skipped");
        return;
    }
    let dir = tmp();
    let (img, _) = host_image(dir.path(), 2 << 20, true);
    let result = img.create_result_image().unwrap();
    let image = stream_bytes(&result);
    let backing = dir.path().join("disk");
    fs::write(&backing, vec![0xA5u8; 8 << 20]).unwrap();
    let Some(lo) = Loop::new(&backing) else {
        return;
    };
    result.write_to_path(&lo.0).unwrap();
    let on_disk = fs::read(&backing).unwrap();
    assert!(
        on_disk[..image.len()] == image[..],
        "zeros written, not skipped"
    );
    assert!(on_disk[image.len()..].iter().all(|&b| b == 0xA5));
    assert!(fs::metadata(&lo.0).unwrap().file_type().is_block_device());

    // In use: refused before a byte is written.
    {
        use rustix::fs::{open, Mode, OFlags};
        let _held = open(&lo.0, OFlags::RDONLY | OFlags::EXCL, Mode::empty()).unwrap();
        fs::write(&backing, vec![0x11u8; 8 << 20]).unwrap();
        let e = result.write_to_path(&lo.0).unwrap_err();
        assert!(matches!(e, Error::DeviceInUse { .. }), "{e}");
    }
    drop(lo);

    // Too small: refused with both sizes, the device untouched.
    let small = dir.path().join("small");
    fs::write(&small, vec![0x5Au8; 1 << 20]).unwrap();
    let Some(lo) = Loop::new(&small) else {
        return;
    };
    let e = result.write_to_path(&lo.0).unwrap_err();
    match &e {
        Error::DeviceTooSmall {
            needed, capacity, ..
        } => assert_eq!((*needed, *capacity), (result.total_bytes(), 1 << 20)),
        other => panic!("{other}"),
    }
    assert!(e.to_string().contains(&lo.0.display().to_string()));
    drop(lo);
    assert!(fs::read(&small).unwrap().iter().all(|&b| b == 0x5A));
}

#[test]
fn appending_needs_a_regular_file() {
    let dir = tmp();
    let (img, _) = host_image(dir.path(), 100, false);
    let result = img.create_result_image().unwrap();
    let e = result.append_to_path(dir.path()).unwrap_err();
    assert!(e.to_string().contains("regular file"), "{e}");
    let e = result.append_to_path("/dev/null").unwrap_err();
    assert!(e.to_string().contains("regular file"), "{e}");
}
