//! The SG_IO ioctl: the kernel's `sg_io_hdr` (SG v3 interface, `<scsi/sg.h>`),
//! the one `unsafe` call that hands it to the kernel, and the pure mapping from
//! a completed header to a [`Response`] or a [`TransportError`]
//! (mmc-notes §4.1).
//!
//! The same ioctl works on `/dev/srN` (block layer, `drivers/scsi/scsi_ioctl.c`)
//! and on `/dev/sgN` (`drivers/scsi/sg.c`); both apply the kernel's command
//! filter, so a write-class opcode on a descriptor opened read-only fails with
//! `EPERM` before it reaches the drive.

use std::os::fd::RawFd;
use std::time::Duration;

use crate::transport::{DataPhase, Request, Response, ScsiStatus, TransportError};

/// The ioctl request number of SG_IO (`<scsi/sg.h>`; not `_IOC`-encoded).
pub const SG_IO: u32 = 0x2285;

/// `interface_id` of the v3 header: the character `'S'`.
pub const SG_INTERFACE_ID: i32 = b'S' as i32;

/// `dxfer_direction`: no data phase.
pub const SG_DXFER_NONE: i32 = -1;
/// `dxfer_direction`: host to device (data-out).
pub const SG_DXFER_TO_DEV: i32 = -2;
/// `dxfer_direction`: device to host (data-in).
pub const SG_DXFER_FROM_DEV: i32 = -3;

/// Largest sense buffer we offer (`mx_sb_len`); fixed-format sense is 18
/// bytes, descriptor format rarely exceeds 32, and SPC-4 caps it at 252.
pub const SENSE_BUFFER_LEN: usize = 64;

/// `host_status`: no error (`DID_OK`).
pub const DID_OK: u16 = 0x00;
/// `host_status`: the device did not answer selection (`DID_NO_CONNECT`).
pub const DID_NO_CONNECT: u16 = 0x01;
/// `host_status`: the command timed out (`DID_TIME_OUT`).
pub const DID_TIME_OUT: u16 = 0x03;
/// `host_status`: the target is gone (`DID_BAD_TARGET`).
pub const DID_BAD_TARGET: u16 = 0x04;

/// `driver_status` (low nibble): the driver wrote sense data; not an error in itself.
pub const DRIVER_SENSE: u16 = 0x08;
/// `driver_status` (low nibble): the driver timed the command out.
pub const DRIVER_TIMEOUT: u16 = 0x06;

/// The SG v3 request/reply header, exactly as `struct sg_io_hdr` in
/// `<scsi/sg.h>` (88 bytes on 64-bit targets, 64 on 32-bit ones).
///
/// Inputs are filled by [`SgIoHdr::for_request`]; the kernel writes the
/// outputs (`status` .. `info`).
#[repr(C)]
#[derive(Debug)]
pub struct SgIoHdr {
    /// Always `'S'` ([`SG_INTERFACE_ID`]).
    pub interface_id: i32,
    /// One of the `SG_DXFER_*` constants.
    pub dxfer_direction: i32,
    /// CDB length, 6 to 16.
    pub cmd_len: u8,
    /// Size of the sense buffer at `sbp`.
    pub mx_sb_len: u8,
    /// 0: `dxferp` is one flat buffer (no scatter list).
    pub iovec_count: u16,
    /// Bytes to move in the data phase.
    pub dxfer_len: u32,
    /// The data buffer (null when there is no data phase).
    pub dxferp: *mut libc::c_void,
    /// The CDB.
    pub cmdp: *const u8,
    /// The sense buffer.
    pub sbp: *mut u8,
    /// Timeout in milliseconds (0: the block layer's default).
    pub timeout: u32,
    /// `SG_FLAG_*` bits; 0 = indirect I/O, queued at the tail.
    pub flags: u32,
    /// Unused with the synchronous SG_IO ioctl.
    pub pack_id: i32,
    /// Unused with the synchronous SG_IO ioctl.
    pub usr_ptr: *mut libc::c_void,
    /// Output: the SCSI status byte.
    pub status: u8,
    /// Output: the status shifted right by one and masked (obsolete).
    pub masked_status: u8,
    /// Output: the SCSI message byte (unused by modern transports).
    pub msg_status: u8,
    /// Output: bytes of sense data written to `sbp`.
    pub sb_len_wr: u8,
    /// Output: the host adapter's verdict (`DID_*`).
    pub host_status: u16,
    /// Output: the low-level driver's verdict (`DRIVER_*`, suggestions in the high nibble).
    pub driver_status: u16,
    /// Output: `dxfer_len` minus the bytes actually moved.
    pub resid: i32,
    /// Output: milliseconds the command took.
    pub duration: u32,
    /// Output: `SG_INFO_*` bits (bit 0: something other than GOOD happened).
    pub info: u32,
}

#[cfg(target_pointer_width = "64")]
const _: () = assert!(std::mem::size_of::<SgIoHdr>() == 88);
#[cfg(target_pointer_width = "32")]
const _: () = assert!(std::mem::size_of::<SgIoHdr>() == 64);

/// Validates a request before any pointer is taken: CDB length and buffer size.
pub fn check_request(request: &Request<'_>) -> Result<(), TransportError> {
    let n = request.cdb.len();
    if !(6..=16).contains(&n) {
        return Err(TransportError::BadRequest {
            reason: format!("a CDB is 6 to 16 bytes, this one has {n}"),
        });
    }
    if u32::try_from(request.data.len()).is_err() {
        return Err(TransportError::BadRequest {
            reason: format!(
                "a {}-byte data phase does not fit SG_IO's 32-bit length",
                request.data.len()
            ),
        });
    }
    Ok(())
}

/// Converts a timeout to SG_IO milliseconds: saturates at `u32::MAX`, and a
/// non-zero duration below one millisecond becomes 1 ms (0 would select the
/// kernel's default instead of "as short as possible").
pub fn timeout_ms(timeout: Duration) -> u32 {
    let ms = timeout.as_millis();
    if ms == 0 && !timeout.is_zero() {
        1
    } else {
        u32::try_from(ms).unwrap_or(u32::MAX)
    }
}

impl SgIoHdr {
    /// A header for `request` whose outputs are zero. The pointers borrow
    /// `request`'s CDB and buffer and `sense`: the header must not outlive them.
    /// Call [`check_request`] first (lengths are truncated otherwise).
    pub fn for_request(request: &mut Request<'_>, sense: &mut [u8; SENSE_BUFFER_LEN]) -> SgIoHdr {
        let (direction, ptr, len): (i32, *mut libc::c_void, usize) = match &mut request.data {
            DataPhase::None => (SG_DXFER_NONE, std::ptr::null_mut(), 0),
            DataPhase::In(buf) => (SG_DXFER_FROM_DEV, buf.as_mut_ptr().cast(), buf.len()),
            // The kernel only reads a data-out buffer; the field is `void *` in C.
            DataPhase::Out(buf) => (
                SG_DXFER_TO_DEV,
                buf.as_ptr() as *mut libc::c_void,
                buf.len(),
            ),
        };
        SgIoHdr {
            interface_id: SG_INTERFACE_ID,
            dxfer_direction: direction,
            cmd_len: request.cdb.len() as u8,
            mx_sb_len: SENSE_BUFFER_LEN as u8,
            iovec_count: 0,
            dxfer_len: len as u32,
            dxferp: ptr,
            cmdp: request.cdb.as_ptr(),
            sbp: sense.as_mut_ptr(),
            timeout: timeout_ms(request.timeout),
            flags: 0,
            pack_id: 0,
            usr_ptr: std::ptr::null_mut(),
            status: 0,
            masked_status: 0,
            msg_status: 0,
            sb_len_wr: 0,
            host_status: 0,
            driver_status: 0,
            resid: 0,
            duration: 0,
            info: 0,
        }
    }

    /// The outputs the kernel wrote, detached from the pointers.
    pub fn completion(&self) -> Completion {
        Completion {
            status: self.status,
            host_status: self.host_status,
            driver_status: self.driver_status,
            sb_len_wr: self.sb_len_wr,
            dxfer_len: self.dxfer_len,
            resid: self.resid,
            duration_ms: self.duration,
        }
    }
}

/// Issues SG_IO on `fd`. Returns the errno when the ioctl itself fails.
///
/// # Safety
///
/// `hdr` must have been built by [`SgIoHdr::for_request`] from a request and a
/// sense buffer that are still alive and not otherwise borrowed, so that
/// `cmdp`/`cmd_len`, `dxferp`/`dxfer_len` and `sbp`/`mx_sb_len` each describe
/// valid memory for the duration of the call.
pub unsafe fn sg_io(fd: RawFd, hdr: &mut SgIoHdr) -> Result<(), i32> {
    // SAFETY: the caller guarantees every pointer in `hdr` names live memory of
    // the stated length (data-in and sense buffers writable); SG_IO is
    // synchronous, so the kernel is done with them when ioctl returns, and it
    // writes only the output fields of `hdr`, which is `#[repr(C)]` with the
    // kernel's layout (size asserted above).
    let rc = unsafe { libc::ioctl(fd, SG_IO as _, hdr as *mut SgIoHdr) };
    if rc < 0 {
        Err(std::io::Error::last_os_error()
            .raw_os_error()
            .unwrap_or(libc::EIO))
    } else {
        Ok(())
    }
}

/// The output fields of a completed SG_IO header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Completion {
    /// SCSI status byte.
    pub status: u8,
    /// Host adapter status (`DID_*`).
    pub host_status: u16,
    /// Driver status (`DRIVER_*` | suggestion bits).
    pub driver_status: u16,
    /// Sense bytes written.
    pub sb_len_wr: u8,
    /// Bytes offered for the data phase.
    pub dxfer_len: u32,
    /// Bytes not moved.
    pub resid: i32,
    /// Time taken, milliseconds.
    pub duration_ms: u32,
}

impl Completion {
    /// Maps the outputs to the transport's result (mmc-notes §4.1 (b)–(e)):
    /// a host or driver failure is a [`TransportError`] (timeouts and lost
    /// devices get their own variants); otherwise the status byte, the sense
    /// bytes actually written and `dxfer_len − resid` bytes moved.
    pub fn into_result(
        self,
        sense: &[u8],
        device: &str,
        timeout: Duration,
    ) -> Result<Response, TransportError> {
        match self.host_status {
            DID_OK => {}
            DID_TIME_OUT => return Err(TransportError::Timeout { after: timeout }),
            DID_NO_CONNECT | DID_BAD_TARGET => {
                return Err(TransportError::NoDevice {
                    device: device.to_string(),
                })
            }
            code => return Err(TransportError::Host { code }),
        }
        // The high nibble carries obsolete "suggestions"; only the driver byte counts.
        match self.driver_status & 0x0f {
            0 | DRIVER_SENSE => {}
            DRIVER_TIMEOUT => return Err(TransportError::Timeout { after: timeout }),
            _ => {
                return Err(TransportError::Driver {
                    code: self.driver_status,
                })
            }
        }
        let sense_len = usize::from(self.sb_len_wr).min(sense.len());
        let resid = u32::try_from(self.resid.max(0))
            .unwrap_or(0)
            .min(self.dxfer_len);
        Ok(Response {
            status: ScsiStatus::from_byte(self.status),
            sense: sense[..sense_len].to_vec(),
            transferred: (self.dxfer_len - resid) as usize,
        })
    }
}

/// What an errno from the SG_IO ioctl means for an MMC command, as a phrase
/// for [`TransportError::Os`]'s context. `read_only` says whether the
/// descriptor lacks write access, `group` names the device node's group.
pub fn explain_sg_io_errno(errno: i32, device: &str, read_only: bool, group: &str) -> String {
    match errno {
        libc::EPERM | libc::EACCES if read_only => format!(
            "permission denied: {device} is open read-only, so the kernel refuses write-class \
             commands: add yourself to the '{group}' group (ls -l {device} shows the group)"
        ),
        libc::EPERM | libc::EACCES => "the kernel's command filter refuses this opcode \
             (it needs CAP_SYS_RAWIO, e.g. MECHANISM STATUS or a vendor command)"
            .to_string(),
        libc::EIO => "the transfer failed or exceeds the largest the queue takes \
             (see /sys/block/srN/queue/max_hw_sectors_kb; send 32 KiB pieces)"
            .to_string(),
        libc::EINVAL => "the kernel rejected the SG_IO header (CDB or buffer length)".to_string(),
        libc::ENOMEM => "the kernel could not allocate the transfer buffer".to_string(),
        libc::EBUSY => "the device is busy (in use by another program)".to_string(),
        libc::EINTR => "interrupted by a signal before the command completed".to_string(),
        libc::ENOTTY => format!("{device} is not a SCSI device (it does not take SG_IO)"),
        _ => "SG_IO failed".to_string(),
    }
}

/// Maps an errno of the SG_IO ioctl to a [`TransportError`]: `ENODEV`/`ENXIO`
/// mean the drive is gone, everything else is [`TransportError::Os`] with the
/// device, the command and [`explain_sg_io_errno`]'s explanation.
pub fn errno_to_error(
    errno: i32,
    device: &str,
    command: &str,
    read_only: bool,
    group: &str,
) -> TransportError {
    match errno {
        libc::ENODEV | libc::ENXIO => TransportError::NoDevice {
            device: device.to_string(),
        },
        _ => TransportError::Os {
            errno,
            context: format!(
                "{device}: {command}: {}",
                explain_sg_io_errno(errno, device, read_only, group)
            ),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::{offset_of, size_of};

    #[cfg(all(target_arch = "x86_64", target_pointer_width = "64"))]
    #[test]
    fn header_layout_matches_the_kernel_on_x86_64() {
        assert_eq!(size_of::<SgIoHdr>(), 88);
        assert_eq!(offset_of!(SgIoHdr, interface_id), 0);
        assert_eq!(offset_of!(SgIoHdr, dxfer_direction), 4);
        assert_eq!(offset_of!(SgIoHdr, cmd_len), 8);
        assert_eq!(offset_of!(SgIoHdr, mx_sb_len), 9);
        assert_eq!(offset_of!(SgIoHdr, iovec_count), 10);
        assert_eq!(offset_of!(SgIoHdr, dxfer_len), 12);
        assert_eq!(offset_of!(SgIoHdr, dxferp), 16);
        assert_eq!(offset_of!(SgIoHdr, cmdp), 24);
        assert_eq!(offset_of!(SgIoHdr, sbp), 32);
        assert_eq!(offset_of!(SgIoHdr, timeout), 40);
        assert_eq!(offset_of!(SgIoHdr, flags), 44);
        assert_eq!(offset_of!(SgIoHdr, pack_id), 48);
        assert_eq!(offset_of!(SgIoHdr, usr_ptr), 56);
        assert_eq!(offset_of!(SgIoHdr, status), 64);
        assert_eq!(offset_of!(SgIoHdr, masked_status), 65);
        assert_eq!(offset_of!(SgIoHdr, msg_status), 66);
        assert_eq!(offset_of!(SgIoHdr, sb_len_wr), 67);
        assert_eq!(offset_of!(SgIoHdr, host_status), 68);
        assert_eq!(offset_of!(SgIoHdr, driver_status), 70);
        assert_eq!(offset_of!(SgIoHdr, resid), 72);
        assert_eq!(offset_of!(SgIoHdr, duration), 76);
        assert_eq!(offset_of!(SgIoHdr, info), 80);
    }

    #[test]
    fn header_describes_the_request() {
        let cdb = [0x12, 0, 0, 0, 36, 0];
        let mut buf = [0u8; 36];
        let mut sense = [0u8; SENSE_BUFFER_LEN];
        let mut req = Request {
            cdb: &cdb,
            data: DataPhase::In(&mut buf),
            timeout: Duration::from_secs(30),
        };
        let hdr = SgIoHdr::for_request(&mut req, &mut sense);
        assert_eq!(hdr.interface_id, i32::from(b'S'));
        assert_eq!(hdr.dxfer_direction, SG_DXFER_FROM_DEV);
        assert_eq!(hdr.cmd_len, 6);
        assert_eq!(hdr.mx_sb_len, 64);
        assert_eq!(hdr.dxfer_len, 36);
        assert_eq!(hdr.timeout, 30_000);
        assert_eq!(hdr.cmdp, cdb.as_ptr());

        let out = [0u8; 8];
        let cdb = [0x55, 0x10, 0, 0, 0, 0, 0, 0, 8, 0];
        let mut req = Request {
            cdb: &cdb,
            data: DataPhase::Out(&out),
            timeout: Duration::ZERO,
        };
        let hdr = SgIoHdr::for_request(&mut req, &mut sense);
        assert_eq!(
            (hdr.dxfer_direction, hdr.dxfer_len, hdr.cmd_len, hdr.timeout),
            (SG_DXFER_TO_DEV, 8, 10, 0)
        );

        let cdb = [0u8; 6];
        let mut req = Request {
            cdb: &cdb,
            data: DataPhase::None,
            timeout: Duration::from_micros(10),
        };
        let hdr = SgIoHdr::for_request(&mut req, &mut sense);
        assert_eq!(
            (hdr.dxfer_direction, hdr.dxfer_len, hdr.timeout),
            (SG_DXFER_NONE, 0, 1)
        );
        assert!(hdr.dxferp.is_null());
    }

    #[test]
    fn requests_are_checked() {
        let short = [0u8; 5];
        let long = [0u8; 17];
        for cdb in [&short[..], &long[..]] {
            let req = Request {
                cdb,
                data: DataPhase::None,
                timeout: Duration::ZERO,
            };
            assert!(matches!(
                check_request(&req),
                Err(TransportError::BadRequest { .. })
            ));
        }
        let ok = [0u8; 12];
        let req = Request {
            cdb: &ok,
            data: DataPhase::None,
            timeout: Duration::ZERO,
        };
        assert_eq!(check_request(&req), Ok(()));
    }

    #[test]
    fn timeouts_convert_to_milliseconds() {
        assert_eq!(timeout_ms(Duration::ZERO), 0);
        assert_eq!(timeout_ms(Duration::from_nanos(1)), 1);
        assert_eq!(timeout_ms(Duration::from_millis(1500)), 1500);
        assert_eq!(timeout_ms(Duration::from_secs(u64::MAX)), u32::MAX);
    }

    fn done(status: u8, host: u16, driver: u16, sb: u8, len: u32, resid: i32) -> Completion {
        Completion {
            status,
            host_status: host,
            driver_status: driver,
            sb_len_wr: sb,
            dxfer_len: len,
            resid,
            duration_ms: 1,
        }
    }

    #[test]
    fn completions_map_to_responses() {
        let t = Duration::from_secs(5);
        let sense = [
            0x70, 0, 0x02, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x3a, 0x02, 0, 0, 0, 0,
        ];
        // Short data-in reply: transferred = dxfer_len - resid.
        let r = done(0, 0, 0, 0, 36, 4)
            .into_result(&sense, "/dev/sr0", t)
            .unwrap();
        assert_eq!(r, Response::good(32));
        // CHECK CONDITION with DRIVER_SENSE (and an old suggestion bit) is not an error.
        let r = done(2, 0, DRIVER_SENSE | 0x10, 18, 0, 0)
            .into_result(&sense, "/dev/sr0", t)
            .unwrap();
        assert_eq!(r.status, ScsiStatus::CheckCondition);
        assert_eq!(r.sense, sense.to_vec());
        // sb_len_wr beyond the buffer is clamped; a negative or oversized resid too.
        let r = done(2, 0, DRIVER_SENSE, 200, 8, -3)
            .into_result(&sense[..4], "x", t)
            .unwrap();
        assert_eq!((r.sense.len(), r.transferred), (4, 8));
        let r = done(0, 0, 0, 0, 8, 99).into_result(&[], "x", t).unwrap();
        assert_eq!(r.transferred, 0);
        // Other status bytes pass through.
        let r = done(0x18, 0, 0, 0, 0, 0).into_result(&[], "x", t).unwrap();
        assert_eq!(r.status, ScsiStatus::ReservationConflict);
    }

    #[test]
    fn host_and_driver_failures_are_errors() {
        let t = Duration::from_secs(7);
        assert_eq!(
            done(0, DID_TIME_OUT, 0, 0, 0, 0).into_result(&[], "d", t),
            Err(TransportError::Timeout { after: t })
        );
        assert_eq!(
            done(0, DID_NO_CONNECT, 0, 0, 0, 0).into_result(&[], "/dev/sg1", t),
            Err(TransportError::NoDevice {
                device: "/dev/sg1".into()
            })
        );
        assert_eq!(
            done(0, 7, 0, 0, 0, 0).into_result(&[], "d", t),
            Err(TransportError::Host { code: 7 })
        );
        assert_eq!(
            done(0, 0, DRIVER_TIMEOUT, 0, 0, 0).into_result(&[], "d", t),
            Err(TransportError::Timeout { after: t })
        );
        // DRIVER_ERROR (4) with a suggestion bit: reported whole.
        assert_eq!(
            done(2, 0, 0x24, 18, 0, 0).into_result(&[], "d", t),
            Err(TransportError::Driver { code: 0x24 })
        );
    }

    #[test]
    fn errnos_are_explained() {
        let ro = explain_sg_io_errno(libc::EPERM, "/dev/sr0", true, "cdrom");
        assert_eq!(
            ro,
            "permission denied: /dev/sr0 is open read-only, so the kernel refuses write-class \
             commands: add yourself to the 'cdrom' group (ls -l /dev/sr0 shows the group)"
        );
        let rw = explain_sg_io_errno(libc::EPERM, "/dev/sr0", false, "cdrom");
        assert!(rw.contains("CAP_SYS_RAWIO"), "{rw}");
        assert!(explain_sg_io_errno(libc::EIO, "/dev/sr0", false, "cdrom")
            .contains("max_hw_sectors_kb"));
        assert!(explain_sg_io_errno(libc::ENOTTY, "/dev/null", false, "x")
            .contains("/dev/null is not a SCSI device"));

        let e = errno_to_error(libc::EPERM, "/dev/sr1", "WRITE(10)", true, "optical");
        let TransportError::Os { errno, context } = &e else {
            panic!("{e:?}")
        };
        assert_eq!(*errno, libc::EPERM);
        assert!(
            context.starts_with("/dev/sr1: WRITE(10): permission denied"),
            "{context}"
        );
        assert!(context.contains("'optical' group"), "{context}");
        assert!(
            e.to_string()
                .ends_with("Operation not permitted (os error 1)"),
            "{e}"
        );
        assert_eq!(
            errno_to_error(libc::ENODEV, "/dev/sr1", "INQUIRY", false, "cdrom"),
            TransportError::NoDevice {
                device: "/dev/sr1".into()
            }
        );
    }
}
