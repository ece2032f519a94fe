//! Helpers shared by the library's integration tests.
#![allow(dead_code)]

use std::io::{Read, Seek, SeekFrom};

use imapi2_fs::FileSystemImage;

/// The whole image, read through its stream.
pub fn image_bytes(img: &FileSystemImage) -> Vec<u8> {
    let mut v = Vec::new();
    img.create_result_image()
        .unwrap()
        .image_stream()
        .read_to_end(&mut v)
        .unwrap();
    v
}

/// `len` bytes that read as zeros except for a head and a tail (from
/// `tail_start`): a file or an image of any size that costs no memory.
pub struct Sparse {
    pub head: Vec<u8>,
    pub tail: Vec<u8>,
    pub tail_start: u64,
    pub len: u64,
    pub pos: u64,
}

impl Sparse {
    /// Zeros only.
    pub fn zeros(len: u64) -> Sparse {
        Sparse {
            head: Vec::new(),
            tail: Vec::new(),
            tail_start: len,
            len,
            pos: 0,
        }
    }
}

impl Read for Sparse {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min((self.len - self.pos.min(self.len)) as usize);
        for (i, b) in buf[..n].iter_mut().enumerate() {
            let p = self.pos + i as u64;
            *b = if (p as usize) < self.head.len() {
                self.head[p as usize]
            } else if p >= self.tail_start {
                self.tail[(p - self.tail_start) as usize]
            } else {
                0
            };
        }
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for Sparse {
    fn seek(&mut self, p: SeekFrom) -> std::io::Result<u64> {
        self.pos = match p {
            SeekFrom::Start(x) => x,
            SeekFrom::End(d) => self.len.saturating_add_signed(d),
            SeekFrom::Current(d) => self.pos.saturating_add_signed(d),
        };
        Ok(self.pos)
    }
}
