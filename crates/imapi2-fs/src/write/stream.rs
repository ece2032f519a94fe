//! The image stream (IMAPI `ImageStream`): a `Read + Seek` view of a result,
//! producing each region's bytes when the position reaches it. Metadata is
//! generated per directory or table and kept while it is being read; file
//! data is read from the source at the offset asked for.

use std::io::{self, Read, Seek, SeekFrom};

use crate::codec::SECTOR;
use crate::error::Error;
use crate::image::arena::blocks_of;
use crate::write::alloc::RegionKind;
use crate::write::file_data::{open_file, Reader};
use crate::write::result::{ImageResult, Progress};

/// A lazily generated image stream.
pub struct ImageStream {
    result: ImageResult,
    pos: u64,
    /// The metadata region last generated.
    meta: Option<(usize, Vec<u8>)>,
    /// The file last opened (index in the plan's files).
    file: Option<(usize, Reader, String)>,
    /// Last (region, file) a progress event was sent for.
    reported: Option<(usize, usize)>,
    /// The generated file last made (a boot image shared with a tree
    /// file): its index in the plan's files, and its bytes.
    boot: Option<(usize, Vec<u8>)>,
}

impl ImageResult {
    /// `ImageStream`: a new lazily generated `Read + Seek` stream of the image.
    /// Several streams can read one result independently.
    pub fn image_stream(&self) -> ImageStream {
        ImageStream::new(self.clone())
    }
}

impl ImageStream {
    fn new(result: ImageResult) -> ImageStream {
        ImageStream {
            result,
            pos: 0,
            meta: None,
            file: None,
            reported: None,
            boot: None,
        }
    }

    /// Length of the stream in bytes.
    pub fn len(&self) -> u64 {
        self.result.total_bytes()
    }

    /// Whether the stream is empty (never: an image has at least its descriptors).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Sends a progress event when reading enters a new region or file.
    fn report(&mut self, region: usize, file: Option<usize>) -> io::Result<()> {
        let key = (region, file.unwrap_or(usize::MAX));
        if self.reported == Some(key) {
            return Ok(());
        }
        self.reported = Some(key);
        let Some(f) = self.result.progress.clone() else {
            return Ok(());
        };
        let current_file = match file {
            Some(i) => self.result.data.full_path(self.result.plan.files[i].node),
            None => String::new(),
        };
        let p = Progress {
            current_file,
            copied_sectors: self.pos / SECTOR as u64,
            total_sectors: u64::from(self.result.total_blocks()),
        };
        if f(&p) {
            Ok(())
        } else {
            Err(Error::Cancelled.into())
        }
    }

    /// Reads from one region; returns bytes produced (0 only at the end).
    fn read_region(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let total = self.len();
        if self.pos >= total || buf.is_empty() {
            return Ok(0);
        }
        let plan = self.result.plan.clone();
        let block = (self.pos / SECTOR as u64) as u32;
        let r = plan.region_at(block);
        let region = &plan.regions[r];
        let region_start = u64::from(region.start) * SECTOR as u64;
        let region_len = u64::from(region.blocks) * SECTOR as u64;
        let off = self.pos - region_start;
        let mut want = buf.len().min((region_len - off) as usize);
        match &region.kind {
            RegionKind::Zero => {
                self.report(r, None)?;
                buf[..want].fill(0);
            }
            RegionKind::Files => {
                let i = plan.file_at(block);
                self.report(r, Some(i))?;
                let place = plan.files[i];
                let size = self.result.file_size(i);
                let file_start = u64::from(place.start) * SECTOR as u64;
                let file_len = blocks_of(size) * SECTOR as u64;
                let off = self.pos - file_start;
                want = want.min((file_len - off) as usize);
                let buf = &mut buf[..want];
                if let Some(g) = plan.generated_file(i) {
                    // A boot image shared with the tree reads as the image.
                    if self.boot.as_ref().map(|c| c.0) != Some(i) {
                        self.boot = Some((i, plan.file_bytes(g, &self.result.data)?));
                    }
                    let bytes = &self.boot.as_ref().expect("made above").1;
                    buf.copy_from_slice(&bytes[off as usize..off as usize + want]);
                    self.pos += want as u64;
                    return Ok(want);
                }
                if self.file.as_ref().map(|f| f.0) != Some(i) {
                    let (reader, name) = open_file(&self.result.data, place.content, place.node)?;
                    self.file = Some((i, reader, name));
                }
                let (_, reader, name) = self.file.as_ref().expect("opened above");
                let data_len = size.saturating_sub(off).min(want as u64) as usize;
                reader.read_exact_at(&mut buf[..data_len], off, size, name)?;
                buf[data_len..].fill(0);
                if off + want as u64 >= file_len {
                    reader.check_unchanged(size, name)?;
                }
            }
            _ => {
                self.report(r, None)?;
                let buf = &mut buf[..want];
                if self.meta.as_ref().map(|m| m.0) != Some(r) {
                    let bytes = plan
                        .region_bytes(r, &self.result.data)?
                        .expect("a generated region");
                    debug_assert_eq!(bytes.len() as u64, region_len);
                    self.meta = Some((r, bytes));
                }
                let bytes = &self.meta.as_ref().expect("generated above").1;
                buf.copy_from_slice(&bytes[off as usize..off as usize + want]);
            }
        }
        self.pos += want as u64;
        Ok(want)
    }
}

impl Read for ImageStream {
    /// Fills `buf` across as many regions as it spans.
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut done = 0;
        while done < buf.len() {
            let n = self.read_region(&mut buf[done..])?;
            if n == 0 {
                break;
            }
            done += n;
        }
        Ok(done)
    }
}

impl Seek for ImageStream {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        let new = match pos {
            SeekFrom::Start(p) => Some(p),
            SeekFrom::End(d) => self.len().checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        match new {
            Some(p) => {
                self.pos = p;
                Ok(p)
            }
            None => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "seek before the start of the image",
            )),
        }
    }
}
