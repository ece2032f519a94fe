//! GET EVENT STATUS NOTIFICATION reply (MMC-6 §6.7.2): a 4-byte event header
//! and at most one 4-byte event descriptor of the reported class.

use crate::codec::{be16, need, put16, DecodeError};

/// Notification class numbers (header byte 2 bits 2–0; the CDB request
/// mask and the supported-classes byte use bit `1 << class`).
pub mod class {
    /// Operational change.
    pub const OPERATIONAL_CHANGE: u8 = 1;
    /// Power management.
    pub const POWER_MANAGEMENT: u8 = 2;
    /// External request.
    pub const EXTERNAL_REQUEST: u8 = 3;
    /// Media.
    pub const MEDIA: u8 = 4;
    /// Multiple host.
    pub const MULTI_HOST: u8 = 5;
    /// Device busy.
    pub const DEVICE_BUSY: u8 = 6;
}

/// Media event code (descriptor byte 0 bits 3–0; MMC-6 table 152).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MediaEventCode {
    /// 0h: no change.
    NoChange,
    /// 1h: the user pressed the eject button (or asked to eject).
    EjectRequest,
    /// 2h: a medium was inserted.
    NewMedia,
    /// 3h: the medium was removed.
    MediaRemoval,
    /// 4h: the medium changed (changer).
    MediaChanged,
    /// 5h: background format completed.
    BgFormatCompleted,
    /// 6h: background format restarted.
    BgFormatRestarted,
    /// 7h–Fh: reserved.
    Reserved(u8),
}

impl MediaEventCode {
    /// From the low four bits of `b`.
    pub fn from_bits(b: u8) -> MediaEventCode {
        match b & 0x0F {
            0 => MediaEventCode::NoChange,
            1 => MediaEventCode::EjectRequest,
            2 => MediaEventCode::NewMedia,
            3 => MediaEventCode::MediaRemoval,
            4 => MediaEventCode::MediaChanged,
            5 => MediaEventCode::BgFormatCompleted,
            6 => MediaEventCode::BgFormatRestarted,
            other => MediaEventCode::Reserved(other),
        }
    }

    /// The four-bit value.
    pub fn bits(self) -> u8 {
        match self {
            MediaEventCode::NoChange => 0,
            MediaEventCode::EjectRequest => 1,
            MediaEventCode::NewMedia => 2,
            MediaEventCode::MediaRemoval => 3,
            MediaEventCode::MediaChanged => 4,
            MediaEventCode::BgFormatCompleted => 5,
            MediaEventCode::BgFormatRestarted => 6,
            MediaEventCode::Reserved(b) => b & 0x0F,
        }
    }
}

/// Operational change event code (descriptor byte 0 bits 3–0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OperationalEventCode {
    /// 0h: no change.
    NoChange,
    /// 1h: operational change request.
    ChangeRequest,
    /// 2h: operational state changed.
    StateChanged,
    /// 3h–Fh: reserved.
    Reserved(u8),
}

impl OperationalEventCode {
    /// From the low four bits of `b`.
    pub fn from_bits(b: u8) -> OperationalEventCode {
        match b & 0x0F {
            0 => OperationalEventCode::NoChange,
            1 => OperationalEventCode::ChangeRequest,
            2 => OperationalEventCode::StateChanged,
            other => OperationalEventCode::Reserved(other),
        }
    }

    /// The four-bit value.
    pub fn bits(self) -> u8 {
        match self {
            OperationalEventCode::NoChange => 0,
            OperationalEventCode::ChangeRequest => 1,
            OperationalEventCode::StateChanged => 2,
            OperationalEventCode::Reserved(b) => b & 0x0F,
        }
    }
}

/// Power event code (descriptor byte 0 bits 3–0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PowerEventCode {
    /// 0h: no change.
    NoChange,
    /// 1h: power change successful.
    ChangeSuccessful,
    /// 2h: power change failed.
    ChangeFailed,
    /// 3h–Fh: reserved.
    Reserved(u8),
}

impl PowerEventCode {
    /// From the low four bits of `b`.
    pub fn from_bits(b: u8) -> PowerEventCode {
        match b & 0x0F {
            0 => PowerEventCode::NoChange,
            1 => PowerEventCode::ChangeSuccessful,
            2 => PowerEventCode::ChangeFailed,
            other => PowerEventCode::Reserved(other),
        }
    }

    /// The four-bit value.
    pub fn bits(self) -> u8 {
        match self {
            PowerEventCode::NoChange => 0,
            PowerEventCode::ChangeSuccessful => 1,
            PowerEventCode::ChangeFailed => 2,
            PowerEventCode::Reserved(b) => b & 0x0F,
        }
    }
}

/// One event descriptor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Event {
    /// Class 1: operational change (MMC-6 table 144).
    OperationalChange {
        /// Event code.
        event: OperationalEventCode,
        /// PersistentPrevented (byte 1 bit 7).
        persistent_prevented: bool,
        /// Operational status (byte 1 bits 3–0): 0 available, 1 temporarily busy, 2 busy.
        status: u8,
        /// Operational change (bytes 2–3): 1 feature change, 2 feature added,
        /// 3 reset, 4 firmware changed, 5 inquiry changed.
        change: u16,
    },
    /// Class 2: power management (MMC-6 table 147).
    Power {
        /// Event code.
        event: PowerEventCode,
        /// Power status (byte 1): 1 active, 2 idle, 3 standby, 4 sleep.
        status: u8,
    },
    /// Class 4: media (MMC-6 table 151).
    Media {
        /// Event code.
        event: MediaEventCode,
        /// Media present (byte 1 bit 1).
        media_present: bool,
        /// Door or tray open (byte 1 bit 0).
        door_open: bool,
        /// Start slot (byte 2).
        start_slot: u8,
        /// End slot (byte 3).
        end_slot: u8,
    },
    /// Any other class: the four descriptor bytes.
    Other([u8; 4]),
}

impl Event {
    fn decode(class: u8, d: &[u8]) -> Event {
        match class {
            class::OPERATIONAL_CHANGE => Event::OperationalChange {
                event: OperationalEventCode::from_bits(d[0]),
                persistent_prevented: d[1] & 0x80 != 0,
                status: d[1] & 0x0F,
                change: be16(d, 2),
            },
            class::POWER_MANAGEMENT => Event::Power {
                event: PowerEventCode::from_bits(d[0]),
                status: d[1],
            },
            class::MEDIA => Event::Media {
                event: MediaEventCode::from_bits(d[0]),
                media_present: d[1] & 0x02 != 0,
                door_open: d[1] & 0x01 != 0,
                start_slot: d[2],
                end_slot: d[3],
            },
            _ => Event::Other([d[0], d[1], d[2], d[3]]),
        }
    }

    fn encode(&self) -> [u8; 4] {
        match *self {
            Event::OperationalChange {
                event,
                persistent_prevented,
                status,
                change,
            } => {
                let [hi, lo] = change.to_be_bytes();
                [
                    event.bits(),
                    (u8::from(persistent_prevented) << 7) | (status & 0x0F),
                    hi,
                    lo,
                ]
            }
            Event::Power { event, status } => [event.bits(), status, 0, 0],
            Event::Media {
                event,
                media_present,
                door_open,
                start_slot,
                end_slot,
            } => [
                event.bits(),
                (u8::from(media_present) << 1) | u8::from(door_open),
                start_slot,
                end_slot,
            ],
            Event::Other(b) => b,
        }
    }
}

/// The GESN reply.
///
/// When `event` is typed, `class` must be its class (1, 2 or 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EventStatus {
    /// NEA: no event available in the requested classes (header byte 2 bit 7).
    pub nea: bool,
    /// Notification class of the reported event (byte 2 bits 2–0).
    pub class: u8,
    /// Supported event classes (byte 3), bit `1 << class`.
    pub supported_classes: u8,
    /// The event descriptor, absent when NEA is set or the class is 0.
    pub event: Option<Event>,
}

impl EventStatus {
    /// A media-class event reply for a drive supporting `supported_classes`.
    pub fn media(
        supported_classes: u8,
        event: MediaEventCode,
        media_present: bool,
        door_open: bool,
    ) -> EventStatus {
        EventStatus {
            nea: false,
            class: class::MEDIA,
            supported_classes,
            event: Some(Event::Media {
                event,
                media_present,
                door_open,
                start_slot: 0,
                end_slot: 0,
            }),
        }
    }

    /// Decodes the reply: the header, and the descriptor when the event data
    /// length covers it and NEA is clear.
    pub fn decode(bytes: &[u8]) -> Result<EventStatus, DecodeError> {
        need("event status", bytes, 4)?;
        let length = be16(bytes, 0) as usize;
        let nea = bytes[2] & 0x80 != 0;
        let class = bytes[2] & 0x07;
        let event = if !nea && length >= 4 && bytes.len() >= 8 {
            Some(Event::decode(class, &bytes[4..8]))
        } else {
            None
        };
        Ok(EventStatus {
            nea,
            class,
            supported_classes: bytes[3],
            event,
        })
    }

    /// Encodes the reply: 4 bytes, or 8 with an event.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = vec![0u8; 4];
        out[2] = (u8::from(self.nea) << 7) | (self.class & 0x07);
        out[3] = self.supported_classes;
        if let Some(e) = &self.event {
            out.extend_from_slice(&e.encode());
        }
        // Event data length counts the bytes after the 4-byte header (what the
        // Linux cdrom driver checks against the descriptor size).
        let len = (out.len() - 4) as u16;
        put16(&mut out, 0, len);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nea_reply_has_no_descriptor() {
        let e = EventStatus {
            nea: true,
            class: 0,
            supported_classes: 0x10,
            event: None,
        };
        assert_eq!(e.encode(), vec![0, 0, 0x80, 0x10]);
        assert_eq!(EventStatus::decode(&e.encode()).unwrap(), e);
    }
}
