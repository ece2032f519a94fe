//! MODE SENSE: the mode pages with their page controls.

use imapi2_mmc::mode::{ModePage, PageControl, RawModePage, WriteParametersPage};

use crate::drive::{DriveState, Personality};
use crate::error::SenseCode;
use crate::media::Medium;

/// Codes of the pages MODE SENSE returns.
pub(crate) const MODE_PAGES: [u8; 3] = [0x01, 0x05, 0x2A];

/// The mode pages for `code` (3Fh: all) with page control `pc`. Changeable
/// values are masks: page 05h and page 01h retry counts can be changed,
/// page 2Ah cannot. Saved values are not supported (05/39/00).
pub(crate) fn mode_pages(
    d: &DriveState,
    m: Option<&Medium>,
    code: u8,
    pc: PageControl,
) -> Result<Vec<ModePage>, SenseCode> {
    let codes: Vec<u8> = match code {
        0x3F => MODE_PAGES.to_vec(),
        c if MODE_PAGES.contains(&c) => vec![c],
        _ => return Err(SenseCode::INVALID_FIELD_IN_CDB),
    };
    if pc == PageControl::Saved {
        return Err(SenseCode::new(0x05, 0x39, 0x00));
    }
    let mmc1 = d.personality == Personality::Mmc1CdWriter;
    let mut out = Vec::new();
    for c in codes {
        let page = match c {
            0x01 => {
                let mut p = match pc {
                    PageControl::Default => imapi2_mmc::mode::ErrorRecoveryPage {
                        read_retry_count: 3,
                        write_retry_count: 3,
                        ..Default::default()
                    },
                    _ => d.error_recovery.clone(),
                };
                p.ps = true;
                ModePage::ErrorRecovery(p)
            }
            0x05 => {
                let mut p = match pc {
                    PageControl::Default => WriteParametersPage::default(),
                    _ => d.write_parameters.clone(),
                };
                p.ps = true;
                ModePage::WriteParameters(p)
            }
            _ => {
                let page = ModePage::Capabilities(d.capabilities_page(m.map(Medium::kind)));
                if mmc1 {
                    // An MMC-1 drive's page 2Ah stops at byte 19 (page length 12h):
                    // no write speed descriptors.
                    let bytes = page.encode();
                    ModePage::Raw(RawModePage {
                        ps: true,
                        code: 0x2A,
                        subpage: None,
                        data: bytes[2..20].to_vec(),
                    })
                } else {
                    page
                }
            }
        };
        let page = if pc == PageControl::Changeable {
            let bytes = page.encode();
            let fill = match c {
                0x05 => 0xFF,
                0x01 => 0x00,
                _ => 0x00,
            };
            let mut data = vec![fill; bytes.len() - 2];
            if c == 0x01 {
                // Read and write retry counts (page bytes 3 and 8).
                data[1] = 0xFF;
                data[6] = 0xFF;
            }
            ModePage::Raw(RawModePage {
                ps: true,
                code: c,
                subpage: None,
                data,
            })
        } else {
            page
        };
        out.push(page);
    }
    Ok(out)
}
