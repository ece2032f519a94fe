//! INQUIRY data: the standard data (SPC-4 §6.4.2, table 142) and the vital
//! product data pages 00h (supported pages, §7.8.16) and 80h (unit serial
//! number, §7.8.17).

use crate::codec::{be16, need, put16, DecodeError};

/// Peripheral device type of an MMC device.
pub const DEVICE_TYPE_MMC: u8 = 0x05;

/// Length of the standard INQUIRY data through the revision field.
pub const STANDARD_INQUIRY_LEN: usize = 36;

/// Standard INQUIRY data.
///
/// Vendor, product and revision are ASCII, padded with spaces on the wire;
/// decode removes trailing spaces and NULs and encode pads again (and cuts
/// to 8, 16 and 4 bytes, replacing non-ASCII characters with `?`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct InquiryData {
    /// Peripheral qualifier (byte 0 bits 7–5).
    pub qualifier: u8,
    /// Peripheral device type (byte 0 bits 4–0): 05h for MMC devices.
    pub device_type: u8,
    /// RMB: removable medium (byte 1 bit 7).
    pub removable: bool,
    /// Version (byte 2): 5 = SPC-3, 6 = SPC-4, 0 = no claim.
    pub version: u8,
    /// NormACA (byte 3 bit 5).
    pub norm_aca: bool,
    /// HiSup (byte 3 bit 4).
    pub hi_sup: bool,
    /// Response data format (byte 3 bits 3–0): 2.
    pub response_data_format: u8,
    /// Byte 5 flags (SCCS, ACC, TPGS, 3PC, PROTECT).
    pub flags5: u8,
    /// Byte 6 flags (ENCSERV, VS, MULTIP, ...).
    pub flags6: u8,
    /// Byte 7 flags (CMDQUE, ...).
    pub flags7: u8,
    /// T10 vendor identification (bytes 8–15).
    pub vendor: String,
    /// Product identification (bytes 16–31).
    pub product: String,
    /// Product revision level (bytes 32–35).
    pub revision: String,
    /// Bytes after byte 35 within the additional length (vendor specific,
    /// version descriptors).
    pub extra: Vec<u8>,
}

/// The ASCII bytes of `s`, each non-ASCII character written as `?`.
pub(crate) fn ascii_bytes(s: &str) -> Vec<u8> {
    s.chars()
        .map(|c| if c.is_ascii() { c as u8 } else { b'?' })
        .collect()
}

/// `b` as text, each non-ASCII byte read as `?` (the fields are ASCII by
/// definition; this keeps decode and encode in step).
pub(crate) fn ascii_text(b: &[u8]) -> String {
    b.iter()
        .map(|&c| if c.is_ascii() { c as char } else { '?' })
        .collect()
}

fn ascii_field(s: &str, len: usize) -> Vec<u8> {
    let mut out = ascii_bytes(s);
    out.truncate(len);
    out.resize(len, b' ');
    out
}

fn trimmed(b: &[u8]) -> String {
    ascii_text(b).trim_end_matches([' ', '\0']).to_string()
}

impl InquiryData {
    /// Standard data for an MMC drive (removable, SPC-3 version, format 2).
    pub fn mmc(vendor: &str, product: &str, revision: &str) -> InquiryData {
        InquiryData {
            qualifier: 0,
            device_type: DEVICE_TYPE_MMC,
            removable: true,
            version: 5,
            norm_aca: false,
            hi_sup: true,
            response_data_format: 2,
            flags5: 0,
            flags6: 0,
            flags7: 0,
            vendor: vendor.to_string(),
            product: product.to_string(),
            revision: revision.to_string(),
            extra: Vec::new(),
        }
    }

    /// Decodes standard INQUIRY data; needs 36 bytes.
    pub fn decode(bytes: &[u8]) -> Result<InquiryData, DecodeError> {
        need("standard INQUIRY data", bytes, STANDARD_INQUIRY_LEN)?;
        let end = bytes
            .len()
            .min(5 + bytes[4] as usize)
            .max(STANDARD_INQUIRY_LEN);
        Ok(InquiryData {
            qualifier: bytes[0] >> 5,
            device_type: bytes[0] & 0x1F,
            removable: bytes[1] & 0x80 != 0,
            version: bytes[2],
            norm_aca: bytes[3] & 0x20 != 0,
            hi_sup: bytes[3] & 0x10 != 0,
            response_data_format: bytes[3] & 0x0F,
            flags5: bytes[5],
            flags6: bytes[6],
            flags7: bytes[7],
            vendor: trimmed(&bytes[8..16]),
            product: trimmed(&bytes[16..32]),
            revision: trimmed(&bytes[32..36]),
            extra: bytes[STANDARD_INQUIRY_LEN..end].to_vec(),
        })
    }

    /// Encodes the data: 36 bytes plus `extra` (at most 255 − 31 bytes of it).
    pub fn encode(&self) -> Vec<u8> {
        let mut b = vec![0u8; STANDARD_INQUIRY_LEN];
        b[0] = ((self.qualifier & 0x07) << 5) | (self.device_type & 0x1F);
        b[1] = u8::from(self.removable) << 7;
        b[2] = self.version;
        b[3] = (u8::from(self.norm_aca) << 5)
            | (u8::from(self.hi_sup) << 4)
            | (self.response_data_format & 0x0F);
        b[5] = self.flags5;
        b[6] = self.flags6;
        b[7] = self.flags7;
        b[8..16].copy_from_slice(&ascii_field(&self.vendor, 8));
        b[16..32].copy_from_slice(&ascii_field(&self.product, 16));
        b[32..36].copy_from_slice(&ascii_field(&self.revision, 4));
        let extra = &self.extra[..self.extra.len().min(255 - 31)];
        b.extend_from_slice(extra);
        b[4] = (b.len() - 5) as u8;
        b
    }
}

/// The 4-byte header of a VPD page and its page bytes.
fn vpd<'a>(
    structure: &'static str,
    bytes: &'a [u8],
    page: u8,
) -> Result<(u8, &'a [u8]), DecodeError> {
    need(structure, bytes, 4)?;
    if bytes[1] != page {
        return Err(DecodeError::new(
            structure,
            format!("page code {:#04x}, expected {page:#04x}", bytes[1]),
        ));
    }
    let end = bytes.len().min(4 + be16(bytes, 2) as usize);
    Ok((bytes[0], &bytes[4..end]))
}

fn vpd_encode(peripheral: u8, page: u8, body: &[u8]) -> Vec<u8> {
    let body = &body[..body.len().min(0xFFFF)];
    let mut out = vec![peripheral, page, 0, 0];
    put16(&mut out, 2, body.len() as u16);
    out.extend_from_slice(body);
    out
}

/// VPD page 00h: supported VPD pages.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SupportedVpdPages {
    /// Byte 0: peripheral qualifier and device type.
    pub peripheral: u8,
    /// The supported page codes, ascending.
    pub pages: Vec<u8>,
}

impl SupportedVpdPages {
    /// Decodes the page.
    pub fn decode(bytes: &[u8]) -> Result<SupportedVpdPages, DecodeError> {
        let (peripheral, body) = vpd("VPD page 00h", bytes, 0x00)?;
        Ok(SupportedVpdPages {
            peripheral,
            pages: body.to_vec(),
        })
    }

    /// Encodes the page.
    pub fn encode(&self) -> Vec<u8> {
        vpd_encode(self.peripheral, 0x00, &self.pages)
    }
}

/// VPD page 80h: unit serial number.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UnitSerialNumber {
    /// Byte 0: peripheral qualifier and device type.
    pub peripheral: u8,
    /// The serial number, leading and trailing spaces (and NULs) removed.
    pub serial: String,
}

impl UnitSerialNumber {
    /// Decodes the page.
    pub fn decode(bytes: &[u8]) -> Result<UnitSerialNumber, DecodeError> {
        let (peripheral, body) = vpd("VPD page 80h", bytes, 0x80)?;
        let serial = ascii_text(body).trim_matches([' ', '\0']).to_string();
        Ok(UnitSerialNumber { peripheral, serial })
    }

    /// Encodes the page (non-ASCII characters written as `?`).
    pub fn encode(&self) -> Vec<u8> {
        vpd_encode(self.peripheral, 0x80, &ascii_bytes(&self.serial))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_padded_and_trimmed() {
        let d = InquiryData::mmc("ÄCME", "A very long product name here", "1.0");
        let b = d.encode();
        assert_eq!(&b[8..16], b"?CME    ");
        assert_eq!(&b[16..32], b"A very long prod");
        assert_eq!(&b[32..36], b"1.0 ");
        assert_eq!(b[4], 31);
        let back = InquiryData::decode(&b).unwrap();
        assert_eq!(back.product, "A very long prod");
    }

    #[test]
    fn wrong_vpd_page_is_an_error() {
        assert!(UnitSerialNumber::decode(&[5, 0x83, 0, 0]).is_err());
        let s = UnitSerialNumber::decode(&[5, 0x80, 0, 6, b' ', b' ', b'4', b'2', 0, 0]).unwrap();
        assert_eq!(s.serial, "42");
    }
}
