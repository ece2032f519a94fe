//! Every decoder of the on-disk structures on arbitrary bytes.
#![no_main]

use imapi2_fs::ecma119::{
    read_dir_date, read_volume_date, DirectoryRecord, PathTableRecord, VolumeDescriptor,
};
use imapi2_fs::ecma167::{
    cs0_decode, read_dstring, read_symlink_components, read_timestamp, Avdp, Fid, FileEntry,
    FileSetDescriptor, Integrity, Tag, VolumeInfo,
};
use imapi2_fs::eltorito::{
    decode_catalog, BootEntry, BootInfoTable, BootRecord, SectionHeader, ValidationEntry,
};
use imapi2_fs::iso_reader::{iso_name, joliet_name};
use imapi2_fs::rockridge::SuspEntry;
use imapi2_fs::zisofs::{Zisofs2Header, ZisofsHeader, ZisofsTable};
use imapi2_fs::ZisofsData;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // ECMA-119
    if let Ok(r) = DirectoryRecord::decode(data) {
        assert!(r.identifier.len() + r.system_use.len() + 33 <= data.len());
        let _ = iso_name(r.identifier, r.flags & 2 != 0);
        let _ = joliet_name(r.identifier);
    }
    let _ = PathTableRecord::decode(data, false);
    let _ = PathTableRecord::decode(data, true);
    let _ = VolumeDescriptor::decode(data);
    if let Some(d) = data.get(..7) {
        let _ = read_dir_date(d.try_into().expect("7"));
    }
    if let Some(d) = data.get(..17) {
        let _ = read_volume_date(d.try_into().expect("17"));
    }
    // SUSP and Rock Ridge
    let _ = SuspEntry::decode_all(data);
    // zisofs: the header, then the file as its own header describes it
    // (as a ZF entry would), every block decompressed.
    if let Ok(h) = ZisofsHeader::decode(data) {
        zisofs(data, *b"pz", h.header_words, h.block_log, u64::from(h.size));
    }
    if let Ok(h) = Zisofs2Header::decode(data) {
        zisofs(data, *b"PZ", h.header_words, h.block_log, h.size);
    }
    // El Torito
    let _ = decode_catalog(data);
    let _ = BootRecord::decode(data);
    let _ = ValidationEntry::decode(data);
    let _ = BootEntry::decode(data);
    let _ = SectionHeader::decode(data);
    let _ = BootInfoTable::decode(data);
    // ECMA-167 / UDF, also with the tags made right (see reseal_udf_tags)
    let mut sealed = data.to_vec();
    imapi2_fuzz::reseal_udf_tags(&mut sealed);
    udf(data);
    udf(&sealed);
});

fn zisofs(data: &[u8], algorithm: [u8; 2], header_words: u8, block_log: u8, size: u64) {
    let zf = ZisofsData {
        runs: Vec::new(),
        algorithm,
        header_words,
        block_log,
    };
    let mut read = |buf: &mut [u8], at: u64| {
        let at = usize::try_from(at).unwrap_or(usize::MAX);
        match at.checked_add(buf.len()).and_then(|end| data.get(at..end)) {
            Some(b) => {
                buf.copy_from_slice(b);
                Ok(())
            }
            None => Err(imapi2_fs::Error::Cancelled),
        }
    };
    let Ok(t) = ZisofsTable::read(&mut read, data.len() as u64, &zf, size, 0) else {
        return;
    };
    let mut out = Vec::new();
    for i in 0..t.blocks() {
        let (at, len) = t.block_range(i);
        out.resize(t.block_len(i), 0);
        let Some(c) = data.get(at as usize..at as usize + len) else {
            panic!("a block pointer past the data passed the table checks");
        };
        let _ = t.decode_block(i, c, &mut out);
    }
}

fn udf(data: &[u8]) {
    let _ = Tag::decode(data);
    let _ = Avdp::decode(data);
    let first = data
        .get(..4)
        .map_or(0, |b| u32::from_le_bytes(b.try_into().expect("4")));
    let _ = VolumeInfo::decode_sequence(data, first);
    let _ = VolumeInfo::decode_sequence(data.get(4..).unwrap_or(&[]), first);
    let _ = Integrity::decode(data);
    let _ = FileSetDescriptor::decode(data);
    if let Ok((fid, len)) = Fid::decode(data) {
        assert!(len <= data.len() && len >= 38 && fid.name.len() <= len);
    }
    let _ = FileEntry::decode(data);
    let _ = read_symlink_components(data);
    let _ = cs0_decode(data);
    let _ = read_dstring(data);
    if data.len() >= 12 {
        let _ = read_timestamp(data);
    }
}
