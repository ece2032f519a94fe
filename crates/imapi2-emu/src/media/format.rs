//! Formatting: FORMAT UNIT, READ FORMAT CAPACITIES and DVD+RW background
//! formatting.

use crate::error::{MediaError, SenseCode};

use super::kind::MediaKind;
use super::medium::{align_up, err, Medium};
use super::outcome::{LongOp, Outcome};
use super::state::{DiscStatus, FormatState};

/// A FORMAT UNIT format descriptor as the model needs it (MMC-6 §6.5.3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FormatRequest {
    /// Format type (byte 4 bits 7–2).
    pub format_type: u8,
    /// Format subtype (byte 4 bits 1–0).
    pub subtype: u8,
    /// Number of blocks (bytes 0–3).
    pub blocks: u32,
    /// Type dependent parameter (bytes 5–7).
    pub param: u32,
}

/// One descriptor of READ FORMAT CAPACITIES, as the model knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FormatCapacity {
    /// Number of blocks.
    pub blocks: u32,
    /// Format type (formattable descriptors) or descriptor type (the current
    /// descriptor: 1 unformatted, 2 formatted, 3 no medium / unknown).
    pub kind: u8,
    /// Type dependent parameter.
    pub param: u32,
}

/// The READ FORMAT CAPACITIES answer of the model (MMC-6 §6.24).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormatCapacities {
    /// Current/maximum capacity descriptor.
    pub current: FormatCapacity,
    /// Formattable capacity descriptors.
    pub formattable: Vec<FormatCapacity>,
}

impl Medium {
    /// Spare area of a BD format, in blocks, scaled to this medium's
    /// capacity and rounded down to whole 32-block clusters.
    ///
    /// The sizes are those real single-layer drives offer in READ FORMAT
    /// CAPACITIES for a 12 219 392-block disc (dvd+rw-mediainfo listings of
    /// a BD-RE and of a BD-R, kept as golden data in libburn and in a user
    /// report): default 393 216 blocks (12 288 clusters, 768 MiB; user
    /// capacity 11 826 176) for both; BD-RE maximum 655 360 (20 480
    /// clusters; 11 564 032 left), minimum 131 072 (4 096 clusters;
    /// 12 088 320 left); BD-R maximum 6 422 528 (5 796 864 left), minimum
    /// 131 072 (12 088 320 left).
    fn bd_spare(&self, spare: BdSpare) -> u32 {
        const SL: u64 = 12_219_392;
        let on_sl: u64 = match (spare, self.kind) {
            (BdSpare::Default, _) => 393_216,
            (BdSpare::Minimum, _) => 131_072,
            (BdSpare::Maximum, MediaKind::BdR) => 6_422_528,
            (BdSpare::Maximum, _) => 655_360,
        };
        let blocks = u64::from(self.capacity) * on_sl / SL;
        (blocks as u32) / 32 * 32
    }

    fn bd_default_spare(&self) -> u32 {
        self.bd_spare(BdSpare::Default)
    }

    /// FORMAT UNIT (MMC-6 §6.5) with one format descriptor.
    pub fn format(&mut self, req: FormatRequest) -> Result<Outcome, MediaError> {
        self.check_writable()?;
        match self.kind {
            MediaKind::DvdPlusRw => self.format_dvd_plus_rw(req),
            MediaKind::DvdMinusRw => self.format_dvd_minus_rw(req),
            MediaKind::DvdRam => self.format_dvd_ram(req),
            MediaKind::BdRe => self.format_bd_re(req),
            MediaKind::BdR => self.format_bd_r(req),
            _ => err(
                SenseCode::CANNOT_FORMAT_MEDIUM,
                format!("a {} cannot be formatted", self.kind),
            ),
        }
    }

    /// DVD+RW: format type 26h starts (or restarts) background formatting.
    fn format_dvd_plus_rw(&mut self, req: FormatRequest) -> Result<Outcome, MediaError> {
        if req.format_type != 0x26 {
            return unsupported(self.kind, req.format_type);
        }
        self.format = match self.format {
            FormatState::Unformatted => FormatState::Background {
                blocks: self.capacity,
                done: 0,
                running: true,
            },
            FormatState::Background { blocks, done, .. } => FormatState::Background {
                blocks,
                done,
                running: true,
            },
            other => other,
        };
        Ok(Outcome {
            clear_data: false,
            profile_changed: false,
            long_op: LongOp::None,
        })
    }

    /// DVD-RW: full formats 00h and 10h, quick format 15h, growing the
    /// restricted-overwrite area with 13h; all leave sequential recording.
    fn format_dvd_minus_rw(&mut self, req: FormatRequest) -> Result<Outcome, MediaError> {
        let was_ro = self.restricted_overwrite;
        let blocks = match req.format_type {
            0x00 | 0x10 => {
                self.written.clear();
                self.format = FormatState::Formatted {
                    blocks: self.capacity,
                };
                None
            }
            0x15 => Some(align_up(req.blocks.min(self.capacity), 16).min(self.capacity)),
            0x13 if was_ro => {
                let cur = self.formatted_blocks().unwrap_or(0);
                Some(
                    align_up(req.blocks.min(self.capacity), 16)
                        .min(self.capacity)
                        .max(cur),
                )
            }
            t => return unsupported(self.kind, t),
        };
        if let Some(b) = blocks {
            self.format = FormatState::Intermediate { blocks: b };
        }
        let full = blocks.is_none();
        self.restricted_overwrite = true;
        self.sessions.clear();
        self.tracks.clear();
        self.sao = None;
        self.raw = None;
        self.cd_regions.clear();
        self.finalized = false;
        Ok(Outcome {
            clear_data: full,
            profile_changed: !was_ro,
            long_op: LongOp::Format,
        })
    }

    /// DVD-RAM: formats 00h and 01h, the whole medium.
    fn format_dvd_ram(&mut self, req: FormatRequest) -> Result<Outcome, MediaError> {
        match req.format_type {
            0x00 | 0x01 => {
                self.written.clear();
                self.format = FormatState::Formatted {
                    blocks: self.capacity,
                };
                Ok(Outcome {
                    clear_data: true,
                    profile_changed: false,
                    long_op: LongOp::Format,
                })
            }
            t => unsupported(self.kind, t),
        }
    }

    /// BD-RE: 00h with the default spares, 30h with the spares asked, 31h
    /// without spares.
    fn format_bd_re(&mut self, req: FormatRequest) -> Result<Outcome, MediaError> {
        let default = self.capacity - self.bd_default_spare();
        let blocks = match req.format_type {
            0x00 => default,
            0x30 if req.blocks > 0 && req.blocks <= self.capacity && req.blocks != u32::MAX => {
                req.blocks / 32 * 32
            }
            0x30 => default,
            0x31 => self.capacity,
            t => return unsupported(self.kind, t),
        };
        let full = req.format_type == 0x30 && req.subtype == 2;
        if full {
            self.written.clear();
        }
        self.written
            .remove(i64::from(blocks), i64::from(self.capacity));
        self.format = FormatState::Formatted { blocks };
        Ok(Outcome {
            clear_data: full,
            profile_changed: false,
            long_op: LongOp::Format,
        })
    }

    /// BD-R, while blank: 00h subtype 1 (SRM with default spares) or 32h
    /// (SRM with the user capacity asked).
    fn format_bd_r(&mut self, req: FormatRequest) -> Result<Outcome, MediaError> {
        if self.disc_status() != DiscStatus::Blank || self.format != FormatState::Unformatted {
            return err(
                SenseCode::COMMAND_SEQUENCE_ERROR,
                "a BD-R can be formatted only while blank",
            );
        }
        let blocks = match (req.format_type, req.subtype) {
            (0x00, 1) => self.capacity - self.bd_default_spare(),
            (0x32, _) => {
                // The host picks the user capacity between the
                // maximum- and minimum-spare descriptors (libburn
                // sends any size in between, type parameter 0);
                // 0 asks for the default spares.
                let least = self.capacity - self.bd_spare(BdSpare::Maximum);
                let most = self.capacity - self.bd_spare(BdSpare::Minimum);
                match req.blocks {
                    0 => self.capacity - self.bd_default_spare(),
                    b if (least..=most).contains(&b) => b / 32 * 32,
                    b => {
                        return err(
                            SenseCode::INVALID_FIELD_IN_PARAMETER_LIST,
                            format!(
                                "{b} user blocks are outside the {least}..={most} a BD-R with spares can hold"
                            ),
                        )
                    }
                }
            }
            (0x00, 0) => {
                return err(
                    SenseCode::INVALID_FIELD_IN_PARAMETER_LIST,
                    "pseudo-overwrite (POW) formatting is not supported by this drive",
                )
            }
            (0x00, 2) => {
                return err(
                    SenseCode::INVALID_FIELD_IN_PARAMETER_LIST,
                    "random recording mode (RRM) is not supported by this drive",
                )
            }
            (t, _) => return unsupported(self.kind, t),
        };
        self.format = FormatState::Formatted { blocks };
        self.reset_sequential();
        Ok(Outcome {
            clear_data: false,
            profile_changed: false,
            long_op: LongOp::Format,
        })
    }

    /// READ FORMAT CAPACITIES (MMC-6 §6.24).
    pub fn format_capacities(&self) -> FormatCapacities {
        let cap = self.capacity;
        let fc = |blocks, kind, param| FormatCapacity {
            blocks,
            kind,
            param,
        };
        let (current, formattable) = match self.kind {
            MediaKind::DvdPlusRw => {
                let cur = match self.format {
                    FormatState::Unformatted => fc(cap, 1, 2048),
                    _ => fc(cap, 2, 2048),
                };
                (cur, vec![fc(cap, 0x26, 0)])
            }
            MediaKind::DvdMinusRw => {
                let mut list = vec![fc(cap, 0x00, 16), fc(cap, 0x10, 16)];
                let cur = match self.format {
                    FormatState::Formatted { blocks } => {
                        if blocks < cap {
                            list.push(fc(cap - blocks, 0x13, 16));
                        }
                        fc(blocks, 2, 2048)
                    }
                    FormatState::Intermediate { blocks } => fc(blocks, 3, 2048),
                    _ => fc(cap, 1, 2048),
                };
                list.push(fc(cap, 0x15, 16));
                (cur, list)
            }
            MediaKind::DvdRam => (fc(cap, 2, 2048), vec![fc(cap, 0x00, 0), fc(cap, 0x01, 0)]),
            // BD: format 00h, then the formats with spares in the order
            // drives list them: default, maximum and minimum spare area
            // (sizes: see `bd_spare`). The type parameter of 00h and 30h
            // is the spare area in clusters, as drives report it (3000h
            // for the default); 32h carries 0 and the host chooses the
            // size between the maximum- and minimum-spare entries.
            MediaKind::BdRe => {
                let spares = [BdSpare::Default, BdSpare::Maximum, BdSpare::Minimum]
                    .map(|k| self.bd_spare(k));
                let cur = match self.format {
                    FormatState::Formatted { blocks } => fc(blocks, 2, 2048),
                    _ => fc(cap, 1, 2048),
                };
                let mut list = vec![fc(cap - spares[0], 0x00, spares[0] / 32)];
                list.extend(spares.iter().map(|&s| fc(cap - s, 0x30, s / 32)));
                list.push(fc(cap, 0x31, 0));
                (cur, list)
            }
            MediaKind::BdR => {
                let spares = [BdSpare::Default, BdSpare::Maximum, BdSpare::Minimum]
                    .map(|k| self.bd_spare(k));
                let cur = match self.format {
                    FormatState::Formatted { blocks } => fc(blocks, 2, 2048),
                    _ => fc(cap, 1, 2048),
                };
                let list = if self.disc_status() == DiscStatus::Blank
                    && self.format == FormatState::Unformatted
                {
                    let mut l = vec![fc(cap - spares[0], 0x00, spares[0] / 32)];
                    l.extend(spares.iter().map(|&s| fc(cap - s, 0x32, 0)));
                    l
                } else {
                    Vec::new()
                };
                (cur, list)
            }
            k if k.is_rom() => (fc(cap, 2, 2048), Vec::new()),
            _ => (fc(self.seq_end() as u32, 3, 2048), Vec::new()),
        };
        FormatCapacities {
            current,
            formattable,
        }
    }

    /// One virtual tick: background formatting advances.
    pub fn tick(&mut self) {
        if let FormatState::Background {
            blocks,
            done,
            running: true,
        } = self.format
        {
            let step = (blocks / self.settings.bg_format_ticks.max(1)).max(1);
            let done = done.saturating_add(step).min(blocks);
            self.format = if done >= blocks {
                FormatState::Formatted { blocks }
            } else {
                FormatState::Background {
                    blocks,
                    done,
                    running: true,
                }
            };
        }
    }
}

/// The spare areas a BD format offers (READ FORMAT CAPACITIES).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BdSpare {
    /// The drive's default.
    Default,
    /// The largest spare area (smallest user capacity).
    Maximum,
    /// The smallest spare area (largest user capacity).
    Minimum,
}

/// A format type the medium does not offer: 05/26/00 on the descriptor.
fn unsupported(kind: MediaKind, t: u8) -> Result<Outcome, MediaError> {
    err(
        SenseCode::INVALID_FIELD_IN_PARAMETER_LIST,
        format!("format type {t:02X}h is not offered for {kind}"),
    )
}
