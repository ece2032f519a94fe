//! GET PERFORMANCE: the write speed list and the nominal performance.

use imapi2_mmc::performance::{
    NominalPerformance, PerformanceData, PerformanceList, RotationControl, WriteSpeedDescriptor,
    WriteSpeedList,
};

use crate::drive::DriveState;
use crate::media::Medium;

/// GET PERFORMANCE type 03h: one write speed descriptor per speed of the
/// medium, fastest first (MMC-6 §6.8.2.8). The list is always complete: the
/// caller cuts the encoded reply to the Maximum Number of Descriptors, so the
/// header still announces every descriptor (growisofs asks for one, reads the
/// count from the header length, then asks for all; mmc-notes §1.2). A drive
/// that lists no write speeds answers the header alone (mmc-notes §1.4: the
/// host falls back to page 2Ah, then to its maximum write speed field).
pub(crate) fn write_speed_list(d: &DriveState, m: &Medium) -> WriteSpeedList {
    if !d.lists_write_speeds {
        return WriteSpeedList {
            descriptors: Vec::new(),
        };
    }
    let p = d.personality;
    let end = m.capacity().saturating_sub(1);
    let read = p.max_read_speed(m.kind());
    WriteSpeedList {
        descriptors: p
            .write_speeds(m.kind())
            .into_iter()
            .map(|s| WriteSpeedDescriptor {
                wrc: RotationControl::Clv,
                rdd: false,
                exact: true,
                mrw: false,
                end_lba: end,
                read_speed: read,
                write_speed: s,
            })
            .collect(),
    }
}

/// GET PERFORMANCE type 00h: nominal performance (one descriptor spanning
/// the medium at the selected speed) or an empty exception list.
pub(crate) fn performance(d: &DriveState, m: &Medium, data_type: u8) -> PerformanceData {
    let write = data_type & 0x04 != 0;
    let except = data_type & 0x03;
    if except != 0 {
        return PerformanceData {
            write,
            list: PerformanceList::Exceptions(Vec::new()),
        };
    }
    let p = d.personality;
    let speed = if write {
        d.current_write_speed(&p.write_speeds(m.kind()))
    } else {
        d.read_speed.unwrap_or_else(|| p.max_read_speed(m.kind()))
    };
    let end = m.capacity().saturating_sub(1);
    PerformanceData {
        write,
        list: PerformanceList::Nominal(vec![NominalPerformance {
            start_lba: 0,
            start_performance: speed,
            end_lba: end,
            end_performance: speed,
        }]),
    }
}
