//! The data phase of a command: replies cut to the allocation length, and
//! parameter lists of data-out commands.

use imapi2_mmc::transport::DataPhase;

use super::fail::{bad_request, Fail};

/// Copies `reply` into the host's buffer, truncated to the allocation length.
pub(super) fn give(data: &mut DataPhase<'_>, reply: &[u8], allocation: usize) -> usize {
    match data {
        DataPhase::In(buf) => {
            let n = reply.len().min(allocation).min(buf.len());
            buf[..n].copy_from_slice(&reply[..n]);
            n
        }
        _ => 0,
    }
}

pub(super) fn data_out<'a>(data: &'a DataPhase<'_>) -> &'a [u8] {
    match data {
        DataPhase::Out(b) => b,
        _ => &[],
    }
}

/// The parameter list of a data-out command: exactly `len` bytes from the
/// data phase (a shorter data phase is a malformed request).
pub(super) fn parameters<'a>(
    data: &'a DataPhase<'_>,
    len: usize,
    name: &str,
) -> std::result::Result<&'a [u8], Fail> {
    let out = data_out(data);
    if out.len() < len {
        return Err(bad_request(format!(
            "{name}: parameter list length {len}, the data phase holds {} bytes",
            out.len()
        )));
    }
    Ok(&out[..len])
}
