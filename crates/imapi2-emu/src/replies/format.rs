//! READ FORMAT CAPACITIES.

use imapi2_mmc::format::{
    CapacityDescriptorType, CurrentCapacity, FormatCapacities, FormatType, FormattableDescriptor,
};

use crate::drive::Personality;
use crate::media::{MediaKind, Medium};

/// READ FORMAT CAPACITIES (MMC-6 §6.24); without a medium, descriptor type
/// 11b with the largest capacity the drive can format.
pub(crate) fn format_capacities(m: Option<&Medium>, p: Personality) -> FormatCapacities {
    let Some(m) = m else {
        let max = match p {
            Personality::BdWriter => MediaKind::BdRe.default_capacity(),
            Personality::DvdWriter => MediaKind::DvdPlusRw.default_capacity(),
            _ => MediaKind::CdRw.default_capacity(),
        };
        return FormatCapacities {
            current: CurrentCapacity {
                blocks: max,
                descriptor_type: CapacityDescriptorType::NoMedia,
                block_length: 2048,
            },
            formattable: Vec::new(),
        };
    };
    let fc = m.format_capacities();
    FormatCapacities {
        current: CurrentCapacity {
            blocks: fc.current.blocks,
            descriptor_type: CapacityDescriptorType::from_bits(fc.current.kind),
            block_length: fc.current.param,
        },
        formattable: fc
            .formattable
            .iter()
            .map(|d| FormattableDescriptor {
                blocks: d.blocks,
                format_type: FormatType(d.kind),
                type_parameter: d.param,
            })
            .collect(),
    }
}
