//! File-backed media: a directory per medium.
//!
//! ```text
//! <dir>/medium.state   the state, a line-oriented text (below)
//! <dir>/data.bin       user data: 2048-byte block `lba` at offset lba × 2048
//!                      (sparse: never-written blocks cost no disk space and
//!                      read as zeros)
//! <dir>/raw.bin        CD frames that are not plain 2048-byte user data:
//!                      audio (2352), raw frames with sub-channel (2368, 2448),
//!                      mode 2 forms, CD-TEXT packs and every block at a
//!                      negative LBA (pre-gap, lead-in). One 2448-byte slot
//!                      per LBA at offset (lba + 45150) × 2448, the lowest
//!                      CD LBA (MSF 90:00:00) being slot 0; a frame of n
//!                      bytes fills the first n bytes of its slot. Sparse too.
//! ```
//!
//! A pressed medium made from an image (`image <path>` in the state) reads
//! its user data from that file, which is never written.
//!
//! # The state file
//!
//! One record per line, words separated by blanks; `#` starts a comment
//! line. The first line is `imapi2-emu-medium 1`. Singletons:
//!
//! ```text
//! kind DVD+R                       medium kind (MediaKind::name)
//! capacity 2295104                 user blocks
//! write-protected no               yes | no
//! finalized no                     yes | no
//! disc-id 1a2b3c4d                 hex
//! restricted-overwrite no          DVD-RW profile 0013h
//! incremental yes                  DVD-RW incremental recording available
//! format unformatted               | formatted <blocks>
//!                                  | background <blocks> <done> running|stopped
//!                                  | intermediate <blocks>
//! layer <l0-blocks> fixed|free     dual-layer media only
//! image <path>                     pressed media: the image file
//! sao cursor=<lba> lead-out=<lba> [interrupted=yes]
//!                                  a cue sheet being written (interrupted:
//!                                  its recording stopped for good)
//! raw start=<lba> cursor=<lba> block-size=<n> [interrupted=yes]
//!                                  a RAW session being written
//! ```
//!
//! Repeated records, in address order:
//!
//! ```text
//! setting <name> <value>           a MediaSettings field (names below)
//! session <n> empty|incomplete|complete [lead-out=<lba>]
//! track <n> session=<n> start=<lba> size=<n> recorded=<n>
//!       state=invisible|reserved|complete content=data|audio
//!       storage=user|raw:<bytes> damaged=yes|no|interrupted
//!                                  (interrupted: damaged, no longer writable)
//! region start=<lba> end=<lba> block-size=<n> storage=.. content=..
//! sao-region start=.. end=.. block-size=.. storage=.. content=..
//! raw-mark <lba> <tno> <index> <control>
//! written <start> <end>            a written range [start, end) (overwritable)
//! ```
//!
//! The parser is strict: an unknown record, a missing or repeated field, a
//! number that does not parse, or a state that breaks the model's invariants
//! is an [`Error::StateFile`] naming the line.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::media::{MediaKind, Medium, CD_LOWEST_LBA};

mod layout;
mod state_file;

pub use layout::{DATA_FILE, RAW_FILE, RAW_SLOT, STATE_FILE};
pub use state_file::{format_state, parse_state};

/// A medium on disk: its directory, its model, and its data files.
#[derive(Debug)]
pub struct VirtualDisc {
    dir: PathBuf,
    medium: Medium,
    image: Option<PathBuf>,
    data: Option<File>,
    raw: Option<File>,
    /// The state file's text as this handle last read or wrote it: a handle
    /// that changed nothing never writes (another handle on the same medium
    /// may have changed it since).
    stored: std::cell::RefCell<String>,
}

impl VirtualDisc {
    /// Creates a blank medium of `kind` in directory `dir` (created if
    /// missing; refused if it already holds a medium).
    pub fn create(dir: impl AsRef<Path>, kind: MediaKind) -> Result<VirtualDisc> {
        if kind.is_rom() {
            return Err(Error::InvalidArgument {
                name: "kind",
                reason: format!("a {kind} is pressed from an image: use VirtualDisc::press"),
            });
        }
        VirtualDisc::create_with(dir, Medium::new(kind))
    }

    /// Creates a medium in `dir` from a prepared model (custom capacity or
    /// settings).
    pub fn create_with(dir: impl AsRef<Path>, medium: Medium) -> Result<VirtualDisc> {
        let dir = dir.as_ref().to_path_buf();
        fs::create_dir_all(&dir)
            .map_err(|e| Error::io(&dir, "creating the medium directory", e))?;
        // An absolute path: drive state files name the medium by it.
        let dir = fs::canonicalize(&dir).map_err(|e| Error::io(&dir, "resolving", e))?;
        let state = dir.join(STATE_FILE);
        if state.exists() {
            return Err(Error::InvalidArgument {
                name: "dir",
                reason: format!("{} already holds a medium", dir.display()),
            });
        }
        for f in [DATA_FILE, RAW_FILE] {
            let p = dir.join(f);
            if p.exists() {
                fs::remove_file(&p).map_err(|e| Error::io(&p, "removing stale", e))?;
            }
        }
        let disc = VirtualDisc {
            dir,
            medium,
            image: None,
            data: None,
            raw: None,
            stored: Default::default(),
        };
        disc.save()?;
        Ok(disc)
    }

    /// Creates a pressed medium in `dir` whose content is the image file
    /// `image` (an ISO): CD-ROM, DVD-ROM or BD-ROM by size. The image is read
    /// in place, never written; a last partial block reads zero-padded.
    pub fn press(dir: impl AsRef<Path>, image: impl AsRef<Path>) -> Result<VirtualDisc> {
        let image = image.as_ref();
        let image =
            fs::canonicalize(image).map_err(|e| Error::io(image, "opening the image", e))?;
        let md = fs::metadata(&image).map_err(|e| Error::io(&image, "reading the size of", e))?;
        if !md.is_file() {
            return Err(Error::InvalidArgument {
                name: "image",
                reason: format!(
                    "{} is not an image file (a pressed disc holds the bytes of one)",
                    image.display()
                ),
            });
        }
        let len = md.len();
        let blocks = len.div_ceil(2048);
        if blocks == 0 || blocks > u64::from(u32::MAX) {
            return Err(Error::InvalidArgument {
                name: "image",
                reason: format!(
                    "{} holds {len} bytes: no pressed medium has that size",
                    image.display()
                ),
            });
        }
        let kind = MediaKind::rom_for_size(blocks);
        let mut disc = VirtualDisc::create_with(dir, Medium::pressed(kind, blocks as u32))?;
        disc.image = Some(image);
        disc.save()?;
        Ok(disc)
    }

    /// Opens the medium stored in `dir`.
    pub fn open(dir: impl AsRef<Path>) -> Result<VirtualDisc> {
        let dir = dir.as_ref();
        let dir =
            fs::canonicalize(dir).map_err(|e| Error::io(dir, "opening the medium directory", e))?;
        let path = dir.join(STATE_FILE);
        let text = fs::read_to_string(&path).map_err(|e| Error::io(&path, "reading", e))?;
        let (medium, image) = parse_state(&text).map_err(|(line, reason)| Error::StateFile {
            path: path.clone(),
            line,
            reason,
        })?;
        Ok(VirtualDisc {
            dir,
            medium,
            image,
            data: None,
            raw: None,
            stored: std::cell::RefCell::new(text),
        })
    }

    /// The medium directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The model.
    pub fn medium(&self) -> &Medium {
        &self.medium
    }

    /// The model, to change it (call [`VirtualDisc::save`] to persist).
    pub fn medium_mut(&mut self) -> &mut Medium {
        &mut self.medium
    }

    /// The image file of a pressed medium.
    pub fn image(&self) -> Option<&Path> {
        self.image.as_deref()
    }

    /// Writes the state file (atomically: a temporary file renamed over it).
    pub fn save(&self) -> Result<()> {
        let path = self.dir.join(STATE_FILE);
        let tmp = self.dir.join(format!("{STATE_FILE}.tmp"));
        let text = format_state(&self.medium, self.image.as_deref());
        fs::write(&tmp, &text).map_err(|e| Error::io(&tmp, "writing", e))?;
        fs::rename(&tmp, &path).map_err(|e| Error::io(&path, "replacing", e))?;
        *self.stored.borrow_mut() = text;
        Ok(())
    }

    /// Writes the state file if this handle changed the medium since it
    /// last read or wrote it.
    pub fn save_if_changed(&self) -> Result<()> {
        if format_state(&self.medium, self.image.as_deref()) == *self.stored.borrow() {
            return Ok(());
        }
        self.save()
    }

    /// A human-readable summary: kind, status, sessions, tracks, format.
    pub fn describe(&self) -> String {
        let m = &self.medium;
        let mut s = format!(
            "{} in {}: {:?}, profile {:04X}h, capacity {} blocks{}\n",
            m.kind(),
            self.dir.display(),
            m.disc_status(),
            m.profile(),
            m.capacity(),
            if m.write_protected() {
                ", write protected"
            } else {
                ""
            }
        );
        for sess in m.sessions() {
            s.push_str(&format!("  session {} {}", sess.number, sess.state.name()));
            if let Some(lo) = sess.lead_out {
                s.push_str(&format!(", lead-out at {lo}"));
            }
            s.push('\n');
            for t in m.tracks().iter().filter(|t| t.session == sess.number) {
                s.push_str(&format!(
                    "    track {} {} start {} size {} recorded {}{}\n",
                    t.number,
                    t.state.name(),
                    t.start,
                    t.size,
                    t.recorded,
                    t.nwa().map(|n| format!(" NWA {n}")).unwrap_or_default()
                ));
            }
        }
        if m.family() == crate::media::Family::Overwritable {
            s.push_str(&format!(
                "  format {:?}, {} blocks written\n",
                m.format_state(),
                m.written().len()
            ));
        }
        s
    }

    fn data_file(&mut self) -> Result<&mut File> {
        if self.data.is_none() {
            let f = match &self.image {
                Some(img) => File::open(img).map_err(|e| Error::io(img, "opening", e))?,
                None => {
                    let p = self.dir.join(DATA_FILE);
                    OpenOptions::new()
                        .read(true)
                        .write(true)
                        .create(true)
                        .truncate(false)
                        .open(&p)
                        .map_err(|e| Error::io(&p, "opening", e))?
                }
            };
            self.data = Some(f);
        }
        Ok(self.data.as_mut().expect("opened above"))
    }

    fn data_path(&self) -> PathBuf {
        self.image
            .clone()
            .unwrap_or_else(|| self.dir.join(DATA_FILE))
    }

    fn raw_file(&mut self) -> Result<&mut File> {
        if self.raw.is_none() {
            let p = self.dir.join(RAW_FILE);
            let f = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&p)
                .map_err(|e| Error::io(&p, "opening", e))?;
            self.raw = Some(f);
        }
        Ok(self.raw.as_mut().expect("opened above"))
    }

    /// Reads user blocks starting at `lba` into `buf` (a multiple of 2048
    /// bytes). Blocks past the end of the file read as zeros.
    pub fn read_user(&mut self, lba: i64, buf: &mut [u8]) -> Result<()> {
        let path = self.data_path();
        if lba < 0 {
            return Err(Error::InvalidArgument {
                name: "lba",
                reason: format!("{lba} is negative"),
            });
        }
        let f = self.data_file()?;
        read_at(f, lba as u64 * 2048, buf)
            .map_err(|e| Error::io(&path, format!("reading block {lba} of"), e))
    }

    /// Writes user blocks starting at `lba` (`data` is a multiple of 2048).
    pub fn write_user(&mut self, lba: i64, data: &[u8]) -> Result<()> {
        if self.image.is_some() {
            return Err(Error::InvalidArgument {
                name: "medium",
                reason: "a pressed medium is read-only".into(),
            });
        }
        if lba < 0 {
            return Err(Error::InvalidArgument {
                name: "lba",
                reason: format!("{lba} is negative"),
            });
        }
        let path = self.data_path();
        let f = self.data_file()?;
        write_at(f, lba as u64 * 2048, data)
            .map_err(|e| Error::io(&path, format!("writing block {lba} of"), e))
    }

    fn raw_offset(lba: i64) -> Result<u64> {
        if lba < CD_LOWEST_LBA {
            return Err(Error::InvalidArgument {
                name: "lba",
                reason: format!("{lba} is below the lowest CD address {CD_LOWEST_LBA}"),
            });
        }
        Ok((lba - CD_LOWEST_LBA) as u64 * RAW_SLOT)
    }

    /// Reads `count` frames of `size` bytes (≤ 2448) starting at `lba` from
    /// the raw store into `buf` (count × size bytes).
    pub fn read_raw(&mut self, lba: i64, size: usize, buf: &mut [u8]) -> Result<()> {
        let size = size.min(RAW_SLOT as usize);
        let path = self.dir.join(RAW_FILE);
        let base = VirtualDisc::raw_offset(lba)?;
        let f = self.raw_file()?;
        for (i, chunk) in buf.chunks_mut(size).enumerate() {
            read_at(f, base + i as u64 * RAW_SLOT, chunk)
                .map_err(|e| Error::io(&path, format!("reading frame {} of", lba + i as i64), e))?;
        }
        Ok(())
    }

    /// Writes frames of `size` bytes (≤ 2448) starting at `lba` to the raw
    /// store.
    pub fn write_raw(&mut self, lba: i64, size: usize, data: &[u8]) -> Result<()> {
        let size = size.min(RAW_SLOT as usize);
        let path = self.dir.join(RAW_FILE);
        let base = VirtualDisc::raw_offset(lba)?;
        let f = self.raw_file()?;
        for (i, chunk) in data.chunks(size).enumerate() {
            let mut slot = [0u8; RAW_SLOT as usize];
            slot[..chunk.len()].copy_from_slice(chunk);
            write_at(f, base + i as u64 * RAW_SLOT, &slot)
                .map_err(|e| Error::io(&path, format!("writing frame {} of", lba + i as i64), e))?;
        }
        Ok(())
    }

    /// Forgets every recorded byte (full BLANK, full FORMAT).
    pub fn clear_data(&mut self) -> Result<()> {
        if self.image.is_some() {
            return Ok(());
        }
        let p = self.dir.join(DATA_FILE);
        let f = self.data_file()?;
        f.set_len(0).map_err(|e| Error::io(&p, "truncating", e))?;
        let p = self.dir.join(RAW_FILE);
        let f = self.raw_file()?;
        f.set_len(0).map_err(|e| Error::io(&p, "truncating", e))?;
        Ok(())
    }

    /// Flushes the data files to the operating system.
    pub fn flush(&mut self) -> Result<()> {
        if let Some(f) = &mut self.data {
            f.flush()
                .map_err(|e| Error::io(self.dir.join(DATA_FILE), "flushing", e))?;
        }
        if let Some(f) = &mut self.raw {
            f.flush()
                .map_err(|e| Error::io(self.dir.join(RAW_FILE), "flushing", e))?;
        }
        Ok(())
    }
}

// Positioned reads and writes (pread/pwrite): one system call per command,
// not a seek and then the transfer.
fn read_at(f: &mut File, offset: u64, buf: &mut [u8]) -> std::io::Result<()> {
    let mut done = 0;
    while done < buf.len() {
        let n = FileExt::read_at(f, &mut buf[done..], offset + done as u64)?;
        if n == 0 {
            break;
        }
        done += n;
    }
    buf[done..].fill(0);
    Ok(())
}

fn write_at(f: &mut File, offset: u64, data: &[u8]) -> std::io::Result<()> {
    FileExt::write_all_at(f, data, offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_sparse_and_read_zeros_past_the_end() {
        let dir = tempfile::tempdir().unwrap();
        let mut d = VirtualDisc::create(dir.path().join("m"), MediaKind::BdRe).unwrap();
        d.write_user(1_000_000, &[7u8; 4096]).unwrap();
        let mut buf = vec![1u8; 6144];
        d.read_user(999_999, &mut buf).unwrap();
        assert!(buf[..2048].iter().all(|&b| b == 0));
        assert!(buf[2048..].iter().all(|&b| b == 7));
        let mut buf = vec![1u8; 2048];
        d.read_user(5_000_000, &mut buf).unwrap();
        assert!(buf.iter().all(|&b| b == 0));
        d.write_raw(-150, 2352, &[9u8; 2352 * 2]).unwrap();
        let mut buf = vec![0u8; 2352 * 2];
        d.read_raw(-150, 2352, &mut buf).unwrap();
        assert!(buf.iter().all(|&b| b == 9));
        assert!(d.write_raw(CD_LOWEST_LBA - 1, 2352, &[0; 2352]).is_err());
        assert!(VirtualDisc::create(dir.path().join("m"), MediaKind::BdRe).is_err());
    }
}
