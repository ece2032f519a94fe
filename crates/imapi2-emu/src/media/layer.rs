//! Setting the layer break of a dual-layer medium (SEND DISC STRUCTURE
//! 20h; the [`LayerBreak`] record lives with the other state records).

use crate::error::{MediaError, SenseCode};

use super::medium::{err, Medium};
use super::state::{LayerBreak, TrackState};

impl Medium {
    /// SEND DISC STRUCTURE 20h: sets the layer 0 capacity of a dual-layer
    /// medium (mmc-notes §2.5). The usable capacity becomes twice the layer
    /// 0 capacity (opposite track path).
    pub fn set_layer_break(&mut self, l0_capacity: u32) -> Result<(), MediaError> {
        self.check_writable()?;
        let Some(layer) = self.layer else {
            return err(
                SenseCode::INCOMPATIBLE_MEDIUM,
                format!("a {} has one layer", self.kind),
            );
        };
        if layer.fixed {
            return err(
                SenseCode::COMMAND_SEQUENCE_ERROR,
                "the layer break is fixed already",
            );
        }
        let max = self.capacity / 2 / 16 * 16;
        if l0_capacity == 0 || l0_capacity > max || l0_capacity % 16 != 0 {
            return err(
                SenseCode::INVALID_FIELD_IN_PARAMETER_LIST,
                format!("layer 0 capacity {l0_capacity} is not a multiple of 16 in 16..={max}"),
            );
        }
        let recorded_end = self
            .tracks
            .iter()
            .map(|t| t.start + i64::from(t.recorded))
            .max()
            .unwrap_or(0);
        if recorded_end > 2 * i64::from(l0_capacity) {
            return err(
                SenseCode::INVALID_FIELD_IN_PARAMETER_LIST,
                format!("data is recorded up to {recorded_end}, past twice the layer 0 capacity"),
            );
        }
        self.layer = Some(LayerBreak {
            l0_capacity,
            fixed: true,
        });
        let end = self.seq_end();
        if let Some(t) = self
            .tracks
            .iter_mut()
            .find(|t| t.state == TrackState::Invisible)
        {
            t.size = (end - t.start).max(i64::from(t.recorded)) as u32;
        }
        Ok(())
    }
}
