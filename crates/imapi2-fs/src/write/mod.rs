//! Writing an image.
//!
//! - `writer`: the interface every format's writer has (`Writer`, `Stage`);
//! - `alloc`: the one block allocator and the regions it hands out;
//! - `layout`: what writers reserve with, and the file data shared by all
//!   trees, placed once;
//! - `plan`: makes the writers, orders them and runs the layout pass
//!   (`Plan`);
//! - `result`: `IFileSystemImageResult` and `IProgressItems`;
//! - `stream`: the lazy `Read + Seek` image stream;
//! - `output`: writing a result to a file (the fast path) or a device;
//! - `target`: where the image goes (a new file renamed into place, a
//!   device, a stream), and the refusal of an output that is a source;
//! - `session`: a session after others on a random-write medium (the
//!   blocks to write, `ModifiedBlocks`, and the medium as it reads after);
//! - `file_data`: reading a file's data from its source at write time;
//! - `zisofs`: files compressed for the image (measured before the layout,
//!   compressed again when the stream reaches them).

pub(crate) mod alloc;
pub(crate) mod file_data;
pub(crate) mod layout;
pub(crate) mod output;
pub(crate) mod plan;
pub(crate) mod result;
pub(crate) mod session;
pub(crate) mod stream;
pub(crate) mod target;
pub(crate) mod writer;
pub(crate) mod zisofs;
