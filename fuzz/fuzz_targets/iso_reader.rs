//! ISO 9660 reading over arbitrary bytes: sessions, every session's
//! descriptor set and every view of it, `Disc` (which also looks for UDF)
//! with every view it reports, the boot catalog, and each file's data.
#![no_main]

use std::io::Cursor;

use imapi2_fs::eltorito::decode_catalog;
use imapi2_fs::iso_reader::{find_sessions, IsoVolume};
use imapi2_fs::{Disc, FileSystems, Medium};
use imapi2_fuzz::{assert_bounded, image_from_input, read_all_data, start_measuring};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let img = image_from_input(data);
    let len = img.len();
    let base = start_measuring();
    let Ok(medium) = Medium::from_stream(Cursor::new(img)) else {
        return;
    };
    let budget = 2 * medium.len() + (1 << 20);
    for start in find_sessions(&medium).into_iter().take(4) {
        let Ok(v) = IsoVolume::open(&medium, start) else {
            continue;
        };
        let _ = v.volume_id();
        for view in v.views() {
            if let Ok(tree) = v.read_tree(view) {
                read_all_data(&tree, &medium, budget);
            }
        }
        if let Some(cat) = v.boot_catalog {
            if let Ok(s) = medium.read_sectors(u64::from(cat), 1, "boot catalog") {
                let _ = decode_catalog(&s);
            }
        }
    }
    if let Ok(disc) = Disc::open(&medium) {
        let present = disc.file_systems();
        let _ = disc.default_view();
        for view in [
            FileSystems::ISO9660,
            FileSystems::JOLIET,
            FileSystems::ROCK_RIDGE,
            FileSystems::UDF,
        ] {
            let r = disc.read_tree(view);
            if !present.contains(view) {
                assert!(r.is_err(), "a view the disc does not report read");
            }
            if let Ok(tree) = r {
                let _ = tree.counts();
                read_all_data(&tree, &medium, budget);
            }
        }
    }
    assert_bounded(base, len);
});
