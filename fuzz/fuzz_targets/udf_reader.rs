//! UDF reading over arbitrary bytes: open, the whole tree with every file's
//! data through its extents, and the entry-level API (directories, file
//! data, named streams) as a library user walks it.
#![no_main]

use std::collections::HashSet;
use std::io::Cursor;

use imapi2_fs::ecma167::file_type;
use imapi2_fs::udf_reader::UdfVolume;
use imapi2_fs::Medium;
use imapi2_fuzz::{assert_bounded, image_from_input, read_all_data, start_measuring};
use libfuzzer_sys::fuzz_target;

/// Most entries the entry-level walk visits.
const MAX_VISITS: usize = 4096;

fuzz_target!(|data: &[u8]| {
    let img = image_from_input(data);
    let len = img.len() as u64;
    let base = start_measuring();
    let Ok(mut v) = UdfVolume::open(Cursor::new(img.clone())) else {
        return;
    };
    if let Ok(tree) = v.read_tree() {
        let medium = Medium::from_stream(Cursor::new(img)).expect("a cursor");
        read_all_data(&tree, &medium, 2 * len + (1 << 20));
    }
    // The entry-level API, each entry once.
    let mut seen = HashSet::new();
    let mut stack = vec![v.root()];
    while let Some(icb) = stack.pop() {
        if seen.len() >= MAX_VISITS || !seen.insert((icb.partition, icb.block)) {
            continue;
        }
        let Ok(fe) = v.entry(icb) else { continue };
        if let Ok(streams) = v.streams(&fe) {
            for (_, s) in streams {
                let _ = v.read_data(&s, icb.partition);
            }
        }
        if fe.file_type == file_type::DIRECTORY {
            if let Ok(entries) = v.read_dir(&fe) {
                stack.extend(entries.into_iter().map(|e| e.icb));
            }
        } else {
            let _ = v.data_extents(&fe, icb.partition);
            if let Ok(d) = v.read_file(icb) {
                assert!(d.len() as u64 <= len + 2048);
            }
            let _ = v.copy_data(&fe, icb.partition, &mut std::io::sink());
        }
    }
    assert_bounded(base, len as usize);
});
