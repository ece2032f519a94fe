//! Writing an image: the layout plan, the image stream, output to a file.

pub(crate) mod alloc;
pub(crate) mod file_data;
pub(crate) mod layout;
pub(crate) mod output;
pub(crate) mod plan;
pub(crate) mod result;
pub(crate) mod stream;
pub(crate) mod writer;
